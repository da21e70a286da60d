"""Robustness: 20 concurrent sessions × 50 turns, and ≥ 10,000 hostile messages, with zero errors.

Both use the rule NLU (VADER + keywords; no MiniLM per message) in strict mode, so any exception
in any component fails the test instead of being turned into an apology.
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crs.types import DialogueState

BOLD = re.compile(r"\*\*(.+?)\*\*")
GENRES = ("comedy", "horror", "drama", "action", "romance", "animation", "thriller", "documentary", "western",
          "musical", "war", "sci-fi", "fantasy", "crime", "mystery", "family", "adventure", "biography",
          "history", "sport")


def _conversation(agent, n: int, genre: str, out: dict, errors: list) -> None:  # type: ignore[no-untyped-def]
    try:
        s = agent.new_session(f"conc-{n}")
        script = ["hi", f"I want a {genre} movie", "just give me something", "who directed it?", "not that one",
                  "what's it about?", "something more recent", f"forget {genre}", f"I want a {genre} movie",
                  "thanks, looks great"]
        replies = []
        for t in range(50):
            s, r = agent.step(s, script[t % len(script)])
            replies.append(r)
        out[n] = (s, replies)
    except Exception as e:  # noqa: BLE001 - collected and asserted on in the main thread
        errors.append((n, repr(e)))


def test_twenty_concurrent_sessions_fifty_turns(fast_agent, chat_store):
    out: dict = {}
    errors: list = []
    threads = [threading.Thread(target=_conversation, args=(fast_agent, n, GENRES[n], out, errors)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(out) == 20
    for n, (state, replies) in out.items():
        assert state.user_id == f"conc-{n}" and state.turn == 50
        mine = GENRES[n]
        # no leakage: only this session's genre ever became a constraint
        genres = {c.value for c in state.constraints if c.attribute == "genres"}
        assert genres <= {mine}, state.constraints
        assert all(g not in genres for g in GENRES if g != mine)
        mentioned = " ".join(m.text for m in state.mentions if m.speaker.value == "user").lower()
        assert all(g not in mentioned for g in GENRES if g != mine and g not in mine)
        assert len(chat_store.turns(state.session_id)) == 50
        assert chat_store.load_state(state.session_id) == state
        assert sum(r.action == "recommend" for r in replies) >= 5


HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=80),
    st.sampled_from([
        "", " ", "\x00\x01\x02", "'; DROP TABLE turns; --", "<script>alert(1)</script>", "**Fake Movie (2099)**",
        "@@@@@", "@999999999 @12", "{{slot}} {title}", "%s %d %(x)s", "\u202e\u200b\ufeff", "🎬🍿" * 50,
        "no no no no not not never", "forget forget forget", "who directed it?", "what's it about?",
        "I loved @" + "9" * 40, "a" * 5000, "yes", "no", "not that one", "just give me something",
    ]),
    st.builds(lambda a, b: f"I loved {a} but not {b}?!", st.text(max_size=30), st.text(max_size=30)),
    st.lists(st.sampled_from(["no", "horror", "comedy", "forget", "Heat", "Titanic", "1990s", "before", "after",
                              "2000", "?", "who", "directed", "it", "like", "hate", "@111776", "not"]),
             max_size=12).map(" ".join),
)


def _states(agent):  # type: ignore[no-untyped-def]
    s0 = DialogueState(session_id="hostile-0", user_id="hostile")
    s1, _ = agent.step(DialogueState(session_id="hostile-1", user_id="hostile"), "I want a comedy")
    s2, _ = agent.step(s1, "just give me something")
    return [s0, s1, s2]


@pytest.mark.slow
def test_ten_thousand_hostile_messages(fast_agent):
    agent = replace(fast_agent, store=None)  # hostile volume does not need persisting (the store is tested apart)
    states = _states(agent)
    displays = {it.display for it in agent.catalog.items}
    seen = {"n": 0}

    @settings(max_examples=10_000, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(text=HOSTILE, which=st.integers(0, 2))
    def run(text: str, which: int) -> None:
        state, reply = agent.step(states[which], text)
        seen["n"] += 1
        assert isinstance(reply.text, str) and reply.text.strip()
        assert reply.action in ("ask", "recommend", "wait", "answer")
        assert state.turn == states[which].turn + 1
        assert all(c.id in agent.catalog for c in reply.cards)
        assert all(span in displays for span in BOLD.findall(reply.text)), reply.text

    run()
    assert seen["n"] >= 10_000
