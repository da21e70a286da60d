"""The `crs eval nlu` and `crs eval critiques` commands (subprocesses run beside the other tests:
tests/background.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.background import Step

CRS = (sys.executable, "-c", "from ui.cli import main; main()")


def _commands(data_dir: Path, workdir: Path) -> list[Step]:
    # 80 raw train dialogues (~170 labelled mentions) plus garbage lines; the command must score them
    # and count the bad lines
    lines = (data_dir / "redial" / "train_subset_raw.jsonl").read_text(encoding="utf-8").splitlines()[:80]
    f = workdir / "dialogues.jsonl"
    f.write_text("\n".join(lines + ["{not json", "[]"]) + "\n", encoding="utf-8")
    return [Step([*CRS, "eval", "critiques", "--json"]),
            Step([*CRS, "eval", "nlu", "--dialogues", str(workdir / "missing.jsonl")]),
            Step([*CRS, "eval", "nlu", "--dialogues", str(f), "--json", "--include-training", "--data-dir", str(data_dir)])]


BACKGROUND = {"nlu-commands": _commands}


@pytest.mark.background("nlu-commands")
def test_eval_critiques_json(background) -> None:  # type: ignore[no-untyped-def]
    r = background.results()[0]
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["rules"]["n"] >= 100 and out["rules"]["f1"] >= 0.85


@pytest.mark.background("nlu-commands")
def test_eval_nlu_bad_file_is_a_clean_error(background) -> None:  # type: ignore[no-untyped-def]
    r = background.results()[1]
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.background("nlu-commands")
def test_eval_nlu_on_a_redial_format_file(background) -> None:  # type: ignore[no-untyped-def]
    r = background.results()[2]
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    s = out["sentiment"]
    assert set(s) >= {"macro_f1", "accuracy", "vader_macro_f1", "vader_accuracy", "n"}
    assert s["n"] > 120 and out["bad_lines"] == 2
    assert 0 <= s["vader_macro_f1"] <= 1 and 0 <= s["macro_f1"] <= 1
