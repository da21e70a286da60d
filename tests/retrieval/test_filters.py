"""Constraint compilation on real catalogs, checked against a naive loop over items."""

from __future__ import annotations

import numpy as np
import pytest

from crs.retrieval import UnknownAttributeError, UnknownValueError, compile_constraints
from crs.types import Constraint as C


def _naive(catalog, pred):  # type: ignore[no-untyped-def]
    return np.array([bool(pred(it)) for it in catalog.items])


def test_include_multi_is_and(redial_catalog):  # type: ignore[no-untyped-def]
    mask = compile_constraints(redial_catalog, [C("genres", "include", "horror"), C("genres", "include", "Comedy")])
    ref = _naive(redial_catalog, lambda it: {"horror", "comedy"} <= set(it.values("genres")))
    assert mask.sum() > 10
    np.testing.assert_array_equal(mask, ref)


def test_decade_or_exclude_and_numeric(redial_catalog):  # type: ignore[no-untyped-def]
    cons = [C("decade", "include", "1980s"), C("decade", "include", "1990s"),
            C("genres", "exclude", "comedy"), C("year", "ge", 1985)]
    mask = compile_constraints(redial_catalog, cons)
    ref = _naive(redial_catalog, lambda it: it.attributes.get("decade") in ("1980s", "1990s")
                 and "comedy" not in it.values("genres") and (it.year or 0) >= 1985)
    assert 100 < mask.sum() < len(redial_catalog)
    np.testing.assert_array_equal(mask, ref)


def test_ordinal_range(redial_catalog):  # type: ignore[no-untyped-def]
    mask = compile_constraints(redial_catalog, [C("decade", "ge", "2000s")])
    ref = _naive(redial_catalog, lambda it: it.year is not None and it.year >= 2000)
    np.testing.assert_array_equal(mask, ref)


def test_runtime_on_default_catalog(default_catalog):  # type: ignore[no-untyped-def]
    mask = compile_constraints(default_catalog, [C("runtime", "lt", 100), C("year", "ge", 2000)])

    def ok(it):  # type: ignore[no-untyped-def]
        rt = it.attributes.get("runtime")
        return rt is not None and float(rt) < 100 and it.year is not None and it.year >= 2000

    np.testing.assert_array_equal(mask, _naive(default_catalog, ok))
    assert mask.sum() > 0


def test_no_constraints_allows_all(redial_catalog):  # type: ignore[no-untyped-def]
    assert compile_constraints(redial_catalog, []).all()


def test_unknown_attribute_lists_valid(redial_catalog):  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownAttributeError, match="genres") as e:
        compile_constraints(redial_catalog, [C("colour", "include", "red")])
    assert "colour" in str(e.value) and "decade" in str(e.value)


def test_unknown_value_suggests_close_ones(redial_catalog):  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownValueError, match="horror"):
        compile_constraints(redial_catalog, [C("genres", "include", "horor")])
    with pytest.raises(UnknownValueError, match="not a number"):
        compile_constraints(redial_catalog, [C("year", "ge", "recent")])
    with pytest.raises(UnknownValueError, match="include/exclude"):
        compile_constraints(redial_catalog, [C("genres", "ge", "horror")])
