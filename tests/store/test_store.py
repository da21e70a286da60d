"""Store: round trips, resumable sessions, history, and kill -9 durability."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from crs.store import Store, StoreError, state_from_dict, state_to_dict
from crs.types import Action, Constraint, DialogueState, Mention, Speaker


def _state(sid: str, turn: int) -> DialogueState:
    return DialogueState(
        session_id=sid, user_id="u1", turn=turn,
        mentions=(Mention("123", "item", 1, Speaker.USER, 1, (0, 3), "Heat"),
                  Mention("genres=horror", "attribute", 2, Speaker.USER, -1)),
        constraints=(Constraint("genres", "exclude", "horror"), Constraint("year", "ge", 1990.0)),
        preferences=("a twisty thriller",), accepted=("123",), rejected=("9",), recommended=("123", "9"),
        asked=("genres",), last_action=Action("recommend", None, ("123",), 0.7, (("ask:genres", 0.2),)),
    )


def test_state_roundtrip():
    s = _state("s", 3)
    assert state_from_dict(state_to_dict(s)) == s


def test_session_resume_and_history(tmp_path):
    path = tmp_path / "crs.db"
    with Store(path) as st:
        s0 = st.new_session("u1", "redial")
        s1 = _state(s0.session_id, 1)
        st.save_turn(s1, "I liked Heat", "Try Ronin", "recommend", {"recommendations": ["123"]})
        st.add_feedback(s0.session_id, "u1", "555", 1)
        st.add_feedback(s0.session_id, "u1", "9", -1)
        st.add_review("123", "loved the twist", 1, "u1", s0.session_id)
    with Store(path) as st:  # reopen: everything is there
        assert st.load_state(s0.session_id) == s1
        turns = st.turns(s0.session_id)
        assert [t.user_text for t in turns] == ["I liked Heat"] and turns[0].payload == {"recommendations": ["123"]}
        assert st.sessions("u1") == [s0.session_id]
        h = st.user_history("u1")
        assert "123" in h.liked and "555" in h.liked and "9" in h.disliked and "9" not in h.liked
        assert list(st.reviews()) == [("123", "loved the twist", 1, "u1")]
        with pytest.raises(StoreError):
            st.load_state("nope")
        with pytest.raises(StoreError):
            st.add_feedback(s0.session_id, "u1", "1", 5)


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        Store(bad)


WRITER = textwrap.dedent("""
    import sys
    from crs.store import Store
    from crs.types import DialogueState
    st = Store(sys.argv[1])
    sid = "kill-session"
    st.new_session("killer", "default", session_id=sid)
    turn = 0
    while True:
        turn += 1
        st.save_turn(DialogueState(session_id=sid, user_id="killer", turn=turn), f"msg {turn}", f"reply {turn}",
                     "wait", {"n": turn})
        print(turn, flush=True)  # printed only after COMMIT returned
""")


def test_kill_9_loses_no_committed_turn(tmp_path):
    path = tmp_path / "crs.db"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    committed = 0
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            committed = int(line)
            if committed >= 200:
                break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert committed >= 200
    with Store(path) as st:
        assert st._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        turns = st.turns("kill-session")
        numbers = [t.turn for t in turns]
        assert numbers[:committed] == list(range(1, committed + 1))  # no committed turn lost, in order
        assert st.load_state("kill-session").turn >= committed
        st.save_turn(DialogueState(session_id="kill-session", user_id="killer", turn=numbers[-1] + 1), "after", "ok", "wait")
        assert st.turns("kill-session")[-1].user_text == "after"


def test_exclusive_turns_refuse_a_stale_turn(tmp_path):
    from crs.store import TurnConflict

    path = tmp_path / "x.db"
    a, b = Store(path, exclusive_turns=True), Store(path, exclusive_turns=True)
    s = a.new_session("u")
    a.save_turn(DialogueState(session_id=s.session_id, user_id="u", turn=1), "first", "r1", "wait")
    with pytest.raises(TurnConflict):  # computed from the state before turn 1, on another connection
        b.save_turn(DialogueState(session_id=s.session_id, user_id="u", turn=1, preferences=("stale",)),
                    "second", "r2", "wait")
    assert [t.user_text for t in b.turns(s.session_id)] == ["first"]
    assert b.load_state(s.session_id).preferences == ()  # the session's state was not written either
    b.save_turn(DialogueState(session_id=s.session_id, user_id="u", turn=2), "second", "r2", "wait")
    assert [t.turn for t in a.turns(s.session_id)] == [1, 2] and [t.turn for t in a.turns(s.session_id, since=1)] == [2]
    a.close()
    b.close()


def test_recent_accepted_sees_other_connections_updates(tmp_path):
    """Look-alike scans decode only sessions updated since the last scan, and still see every change
    another process makes (two connections on one file, as two API workers)."""
    from dataclasses import replace

    path = tmp_path / "crs.db"
    a, b = Store(path), Store(path)
    s1, s2 = a.new_session("u1"), a.new_session("u2")
    a.save_turn(replace(_state(s1.session_id, 1), accepted=("10",)), "x", "y", "recommend")
    a.save_turn(replace(_state(s2.session_id, 1), user_id="u2", accepted=("20",)), "x", "y", "recommend")
    assert a.recent_accepted("nobody", 10) == [("u2", ("20",)), ("u1", ("10",))]
    b.save_turn(replace(_state(s1.session_id, 2), accepted=("10", "11")), "x", "y", "recommend")  # the other worker
    assert a.recent_accepted("nobody", 10) == [("u1", ("10", "11")), ("u2", ("20",))]
    assert a.recent_accepted("u1", 10) == [("u2", ("20",))]
    assert a.recent_accepted("nobody", 1) == [("u1", ("10", "11"))]
    a.close()
    b.close()
