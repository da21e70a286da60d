"""`crs chat` with piped stdin: one JSON object per turn (in-process and through the real CLI)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from tests.background import Step
from ui.terminal import chat


def test_piped_json_turns(ui_agent):
    lines = io.StringIO("hello\nI want a comedy\n\njust give me something\nwho directed it?\n")
    out = io.StringIO()
    chat(ui_agent, user_id="term", as_json=True, stdin=lines, stdout=out)
    turns = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(turns) == 4
    for t in turns:
        assert {"reply", "action", "recommendations", "state"} <= set(t)
        assert t["action"] in ("ask", "recommend", "wait", "answer")
        assert {"preferences", "constraints", "mentions"} <= set(t["state"])
    rec = turns[2]
    assert rec["action"] == "recommend" and rec["recommendations"]
    card = rec["recommendations"][0]
    assert {"id", "title", "year", "attributes", "reason"} <= set(card)
    assert "genres" in card["attributes"] and "comedy" in card["attributes"]["genres"]
    assert turns[3]["action"] == "answer"
    assert turns[1]["state"]["constraints"][0]["value"] == "comedy"


def test_piped_plain_text(ui_agent):
    out = io.StringIO()
    chat(ui_agent, user_id="term2", stdin=io.StringIO("hi\njust give me something\n"), stdout=out)
    text = out.getvalue()
    assert "you: hi" in text and "crs" in text


def _cli_chat(data_dir: Path, workdir: Path) -> list[Step]:
    return [Step([sys.executable, "-m", "ui.cli", "chat", "--catalog", "redial", "--json", "--store",
                  str(workdir / "c.db"), "--user", "cli"], {"CRS_DATA_DIR": str(data_dir)}, 600,
                 input="hi\njust give me something\n")]


BACKGROUND = {"cli-chat": _cli_chat}
BACKGROUND_AFTER = {"cli-chat": "fast_agent"}  # it loads the item vectors and EASE the session built


@pytest.mark.background("cli-chat")
def test_cli_chat_json(fast_agent, background):  # type: ignore[no-untyped-def]
    (proc,) = background.results()
    assert proc.returncode == 0, proc.stderr[-2000:]
    turns = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(turns) == 2 and turns[1]["action"] == "recommend" and turns[1]["recommendations"]
