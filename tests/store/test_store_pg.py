"""The store on PostgreSQL (a real throwaway server): the same round trip as SQLite, stale turns
refused, two connections writing one session at once, history for the ranker. The server must
start: when it cannot, these tests fail (they never skip)."""

from __future__ import annotations

import threading

import pytest

from crs.store import Store, StoreError, StoreHistory, TurnConflict, UnknownSessionError
from crs.types import DialogueState
from tests.store.pg_server import postgres
from tests.store.test_store import _state


@pytest.fixture(scope="module")
def pg_url():  # type: ignore[no-untyped-def]
    with postgres() as url:
        yield url


def test_round_trip_on_postgres(pg_url):  # type: ignore[no-untyped-def]
    with Store(pg_url) as st:
        assert st.dialect == "postgresql"
        s0 = st.new_session("u1", "redial")
        s1 = _state(s0.session_id, 1)
        st.save_turn(s1, "I liked Heat", "Try Ronin", "recommend", {"recommendations": ["123"]})
        st.save_turn(s1, "I liked Heat!", "Try Ronin", "recommend", {"recommendations": ["123"]})  # replaces
        st.add_feedback(s0.session_id, "u1", "555", 1)
        st.add_review("123", "loved the twist", 1, "u1", s0.session_id)
    with Store(pg_url) as st:  # a new connection: everything is there
        assert st.load_state(s0.session_id) == s1
        assert [t.user_text for t in st.turns(s0.session_id)] == ["I liked Heat!"]
        assert st.sessions("u1") == [s0.session_id]
        h = st.user_history("u1")
        assert "123" in h.liked and "555" in h.liked and "9" in h.disliked
        assert ("123", "loved the twist", 1, "u1") in list(st.reviews())
        past = StoreHistory(st).sessions("u1")
        assert past[0].liked == ("123",) and past[0].disliked == ("9",)
        other = st.new_session("u2")
        st.save_turn(_state(other.session_id, 1), "x", "y", "wait")
        assert StoreHistory(st).lookalikes(["123"], exclude_user="u2")[0][0] == "u1"
        with pytest.raises(UnknownSessionError):
            st.load_state("nope")


def test_stale_turns_are_refused_on_postgres(pg_url):  # type: ignore[no-untyped-def]
    a, b = Store(pg_url, exclusive_turns=True), Store(pg_url, exclusive_turns=True)
    s = a.new_session("racer")
    a.save_turn(DialogueState(session_id=s.session_id, user_id="racer", turn=1), "first", "r1", "wait")
    with pytest.raises(TurnConflict):
        b.save_turn(DialogueState(session_id=s.session_id, user_id="racer", turn=1, preferences=("x",)),
                    "stale", "r1", "wait")
    assert [t.user_text for t in b.turns(s.session_id)] == ["first"] and b.load_state(s.session_id).preferences == ()
    wins: list[int] = []

    def write(st: Store, tag: str) -> None:  # each writer retries on conflict with the fresh turn number
        for _ in range(20):
            while True:
                turn = st.load_state(s.session_id).turn + 1
                try:
                    st.save_turn(DialogueState(session_id=s.session_id, user_id="racer", turn=turn), tag, "r", "wait")
                    wins.append(turn)
                    break
                except TurnConflict:
                    continue

    threads = [threading.Thread(target=write, args=(st, tag)) for st, tag in ((a, "a"), (b, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    turns = a.turns(s.session_id)
    assert [t.turn for t in turns] == list(range(1, 42)) and sorted(wins) == list(range(2, 42))
    assert sum(t.user_text == "a" for t in turns) == 20 and sum(t.user_text == "b" for t in turns) == 20
    a.close()
    b.close()


def test_bad_postgres_url_is_a_clear_error():  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError, match="cannot open store postgresql://u:\\*\\*\\*@"):
        Store("postgresql://u:secret@127.0.0.1:1/none?connect_timeout=2")
