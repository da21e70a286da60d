"""NLU fixtures: rule-only pipelines (fast). The learned ReDial pipeline (`redial_nlu`) and the
rule one (`redial_nlu_rules`) are session-wide (tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def default_nlu(default_catalog):  # type: ignore[no-untyped-def]
    from crs.nlu import build_nlu

    return build_nlu(default_catalog, learned=False)


@pytest.fixture(scope="session")
def iard_split(data_dir):  # type: ignore[no-untyped-def]
    """(train, dev) of the IARD utterances, as the shipped intent model was trained."""
    from crs.nlu.intent import read_iard, split_iard
    from crs.nlu.train import iard_path

    return split_iard(read_iard(iard_path(data_dir)))


@pytest.fixture(scope="session")
def iard_dev_predictions(redial_nlu, iard_split):  # type: ignore[no-untyped-def]
    """The learned intent model on the 447 held-out IARD utterances, with and without the cascade
    (each MiniLM encoding of the dev set is computed once for the tests that score it)."""
    model = redial_nlu.models.intent
    _, dev = iard_split
    texts = [e.text for e in dev]
    return {"texts": texts, "y": [e.intent for e in dev], "cascade": model.predict(texts),
            "full": model.predict(texts, cascade=False)}
