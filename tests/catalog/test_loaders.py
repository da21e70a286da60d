"""Catalog loaders on the real data: counts match the SOURCE.md files."""

from __future__ import annotations

import json

from crs.catalog import summary
from crs.types import AttributeKind


def test_default_catalog(default_catalog):
    s = summary(default_catalog)
    assert s["items"] >= 9000
    assert s["interactions"] >= 100_000
    assert default_catalog.interactions.shape == (671, len(default_catalog))
    toy = next(it for it in default_catalog.items if it.title == "Toy Story" and it.year == 1995)
    assert "Animation" in toy.attributes["genres"]
    assert toy.attributes["decade"] == "1990s"
    assert 70 < toy.attributes["runtime"] < 90  # joined from IMDb
    assert default_catalog.schema.get("genres").kind is AttributeKind.MULTI
    for name in ("genres", "year", "decade", "runtime", "mpaa", "imdb_rating", "imdb_votes"):
        assert name in default_catalog.schema
    with_imdb = sum("imdb_rating" in it.attributes for it in default_catalog.items)
    assert with_imdb > 4000


def test_redial_catalog(redial_catalog):
    s = summary(redial_catalog)
    assert s["items"] >= 6500
    assert s["with_text"] >= 0.9
    assert redial_catalog.meta["with_metadata"] == 6583
    babadook = redial_catalog.item("135508")
    assert babadook.title == "The Babadook" and babadook.year == 2014
    assert "horror" in babadook.attributes["genres"]
    assert babadook.attributes["director"] == ("Jennifer Kent",)
    assert redial_catalog.interactions.nnz > 50_000  # MovieLens ratings linked by IMDb id + dialogues
    assert redial_catalog.meta["movielens_users"] == 611  # user ids 1..610 → 611 rows


def test_lastfm_catalog(lastfm_catalog):
    s = summary(lastfm_catalog)
    assert s["items"] == 7432
    assert lastfm_catalog.meta["n_attributes"] == 8438
    assert s["interactions"] == 52_910
    assert lastfm_catalog.interactions.shape[0] == 1801
    assert set(lastfm_catalog.item("0").attributes["tags"]) == {"75", "69"}


def test_lastfm_split(data_dir):
    from crs.catalog.lastfm import load_split

    split = load_split(data_dir / "lastfm-star" / "UI_Interaction_data" / "review_dict_valid.json")
    assert split["0"] == ["55", "52", "7090", "54"]


def test_summary_is_json_serialisable(redial_catalog):
    json.dumps(summary(redial_catalog))
