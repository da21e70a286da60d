"""The generic JSONL format: round trip and every bad-input case names file, line and problem."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from crs.catalog import CatalogError, load_catalog
from crs.catalog.jsonl import dump_jsonl, load_jsonl
from crs.types import AttributeKind
from tests.background import Step

CRS = (sys.executable, "-m", "ui.cli")

GOOD = [
    {"id": "a", "title": "Alien", "year": 1979, "text": "Space horror.", "attributes": {"genres": ["Horror", "Sci-Fi"], "runtime": 117, "mpaa": "R"}},
    {"id": 2, "title": "Up", "attributes": {"genres": ["Animation"], "runtime": 96}, "popularity": 3.5},
]


def write(tmp_path, lines, name="cat.jsonl"):
    p = tmp_path / name
    p.write_text("".join((l if isinstance(l, str) else json.dumps(l)) + "\n" for l in lines))
    return p


def test_roundtrip(tmp_path, redial_catalog):
    cat = load_jsonl(write(tmp_path, GOOD))
    assert len(cat) == 2 and cat.item("2").title == "Up"
    assert cat.schema.get("genres").kind is AttributeKind.MULTI
    assert cat.schema.get("runtime").kind is AttributeKind.NUMERIC
    assert cat.schema.get("mpaa").kind is AttributeKind.CATEGORICAL
    # real catalog round trip
    out = tmp_path / "redial.jsonl"
    dump_jsonl(redial_catalog, out)
    back = load_jsonl(out)
    assert len(back) == len(redial_catalog)
    for a, b in zip(redial_catalog.items[:500], back.items[:500]):
        assert (a.id, a.title, a.year, a.text, dict(a.attributes)) == (b.id, b.title, b.year, b.text, dict(b.attributes))
    assert [x.kind for x in back.schema] == [x.kind for x in redial_catalog.schema]


@pytest.mark.parametrize(
    "lines, line, fragment",
    [
        ([GOOD[0], '{"id": "b", "title": "Tru'], 2, "malformed JSON"),
        ([GOOD[0], {"id": "a", "title": "Again"}], 2, "duplicate id 'a'"),
        ([{"title": "No id"}], 1, "missing required field 'id'"),
        ([{"id": "x"}], 1, "missing required field 'title'"),
        ([{"id": "x", "title": "T", "year": "nineteen"}], 1, "'year' must be an integer"),
        ([GOOD[0], {"id": "y", "title": "T", "attributes": {"runtime": "long"}}], 2, "'runtime' must be a number"),
        ([{"id": ["x"], "title": "T"}], 1, "'id' must be a string or integer"),
        (["[1, 2]"], 1, "must be a JSON object"),
    ],
)
def test_bad_input(tmp_path, lines, line, fragment):
    p = write(tmp_path, lines)
    with pytest.raises(CatalogError) as e:
        load_jsonl(p)
    assert e.value.line == line
    assert fragment in str(e.value)
    assert str(p) in str(e.value)


def test_truncated_file(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_text(json.dumps(GOOD[0]) + "\n" + '{"id": "b", "title": "Cut')
    with pytest.raises(CatalogError, match="truncated"):
        load_jsonl(p)


def test_empty_and_missing(tmp_path):
    with pytest.raises(CatalogError, match="no items"):
        load_jsonl(write(tmp_path, []))
    with pytest.raises(CatalogError, match="file not found"):
        load_jsonl(tmp_path / "nope.jsonl")
    with pytest.raises(CatalogError, match="unknown catalog"):
        load_catalog("nope")


def test_bad_data_dir(tmp_path):
    with pytest.raises(CatalogError, match="file not found"):
        load_catalog("redial", data_dir=tmp_path)
    (tmp_path / "redial-movie-metadata").mkdir()
    (tmp_path / "redial-movie-metadata" / "id2info.json").write_text('{"1": {"name": "X (2000)"')
    with pytest.raises(CatalogError, match="malformed JSON"):
        load_catalog("redial", data_dir=tmp_path)


def _cli(data_dir: Path, workdir: Path) -> list[Step]:
    p = write(workdir, [GOOD[0], GOOD[0]])
    return [Step([*CRS, "data", "info", "--catalog", "jsonl", "--path", str(p)]),
            Step([*CRS, "data", "info", "--catalog", "redial", "--data-dir", str(data_dir), "--json"])]


BACKGROUND = {"cli": _cli}


@pytest.mark.background("cli")
def test_cli_error_is_one_line_exit_2(background):  # type: ignore[no-untyped-def]
    r = background.results()[0]
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "duplicate id" in r.stderr and ":2" in r.stderr


@pytest.mark.background("cli")
def test_cli_data_info_json(background):  # type: ignore[no-untyped-def]
    r = background.results()[1]
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert set(s) == {"catalog", "items", "attributes", "with_text", "interactions"}
    assert s["items"] >= 6500 and s["with_text"] >= 0.9
