"""The `crs eval nlu` and `crs eval critiques` commands."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _crs(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from ui.cli import main; main()", *args],
                          check=False, capture_output=True, text=True, timeout=900)


def test_eval_critiques_json() -> None:
    r = _crs("eval", "critiques", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["rules"]["n"] >= 100 and out["rules"]["f1"] >= 0.85


def test_eval_nlu_bad_file_is_a_clean_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = _crs("eval", "nlu", "--dialogues", str(tmp_path / "missing.jsonl"))
    assert r.returncode == 2 and "not found" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_eval_nlu_on_a_redial_format_file(tmp_path, data_dir) -> None:  # type: ignore[no-untyped-def]
    # 200 raw train dialogues plus garbage lines; the command must score them and count the bad lines
    lines = (data_dir / "redial" / "train_subset_raw.jsonl").read_text(encoding="utf-8").splitlines()[:200]
    f = tmp_path / "dialogues.jsonl"
    f.write_text("\n".join(lines + ["{not json", "[]"]) + "\n", encoding="utf-8")
    r = _crs("eval", "nlu", "--dialogues", str(f), "--json", "--include-training", "--data-dir", str(data_dir))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    s = out["sentiment"]
    assert set(s) >= {"macro_f1", "accuracy", "vader_macro_f1", "vader_accuracy", "n"}
    assert s["n"] > 300 and out["bad_lines"] == 2
    assert 0 <= s["vader_macro_f1"] <= 1 and 0 <= s["macro_f1"] <= 1
