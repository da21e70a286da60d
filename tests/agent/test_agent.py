"""End-to-end conversations through `Agent.step` on the real ReDial catalog (learned NLU, strict)."""

from __future__ import annotations

import re

import pytest

from crs.dialogue.track import last_top

BOLD = re.compile(r"\*\*(.+?)\*\*")


def grounded(agent, reply) -> None:  # type: ignore[no-untyped-def]
    """Every bold title is a catalog item and every card is a catalog item with its real fields."""
    displays = {it.display for it in agent.catalog.items}
    for span in BOLD.findall(reply.text):
        assert span in displays, f"invented title {span!r} in {reply.text!r}"
    for c in reply.cards:
        item = agent.catalog.item(c.id)
        assert (c.title, c.year) == (item.title, item.year)
        assert all(item.attributes[k] == v for k, v in c.attributes.items())


def talk(agent, state, *messages):  # type: ignore[no-untyped-def]
    replies = []
    for m in messages:
        state, r = agent.step(state, m)
        grounded(agent, r)
        replies.append(r)
    return state, replies


def test_asks_then_recommends_then_answers(redial_agent):
    a = redial_agent
    s = a.new_session("e2e-1")
    s, (hi,) = talk(a, s, "hi there!")
    assert hi.action in ("ask", "wait") and not hi.cards and "offer_help" in hi.strategies
    s, (r1, r2) = talk(a, s, "I'm looking for a comedy", "I really loved Superbad")
    rec = r2
    assert r1.action in ("ask", "recommend") and rec.action == "recommend" and len(rec.cards) == 3
    superbad = {it.id for it in a.catalog.items if it.title == "Superbad"}
    assert not superbad & {c.id for c in rec.cards}
    assert all("comedy" in a.catalog.item(c.id).values("genres") for c in rec.cards)
    assert all(c.reason for c in rec.cards) and "experience_inquiry" in rec.strategies
    top = last_top(s)
    assert top == rec.cards[0].id
    s, (ans,) = talk(a, s, "who directed it?")
    assert ans.action == "answer" and a.catalog.item(top).values("director")[0] in ans.text
    s, (about,) = talk(a, s, "what's it about?")
    assert about.action == "answer" and a.catalog.item(top).title in about.text


def test_critique_and_change_of_mind(redial_agent):
    a = redial_agent
    s = a.new_session("e2e-2")
    s, (r,) = talk(a, s, "just give me something")
    assert r.action == "recommend" and len(r.cards) == 3  # the user may ask for items at any time
    s, (r,) = talk(a, s, "I want a horror movie")
    assert any(c.attribute == "genres" and c.op == "include" and c.value == "horror" for c in s.constraints)
    s, (r,) = talk(a, s, "something funny, no horror please")
    assert any(c.op == "exclude" and c.value == "horror" for c in s.constraints)
    s, (r,) = talk(a, s, "give me something")
    assert r.action == "recommend" and r.cards
    assert all("horror" not in a.catalog.item(c.id).values("genres") for c in r.cards)
    s, (r,) = talk(a, s, "forget horror")
    assert not any(c.value == "horror" for c in s.constraints)


def test_rejection_gets_new_items(redial_agent):
    a = redial_agent
    s = a.new_session("e2e-3")
    s, (r1,) = talk(a, s, "recommend me a sci-fi movie")
    assert r1.action == "recommend"
    s, (r2,) = talk(a, s, "not that one")
    assert r2.action == "recommend" and r1.cards[0].id in s.rejected
    assert not {c.id for c in r1.cards} & {c.id for c in r2.cards}


def test_off_topic_is_steered_back(redial_agent):
    s = redial_agent.new_session("e2e-4")
    s, (r,) = talk(redial_agent, s, "what is the capital of France and how is the weather there")
    assert r.action in ("ask", "wait", "recommend") and "movie" in r.text.lower()


def test_resume_session_and_returning_user(redial_agent, chat_store):
    a = redial_agent
    s = a.new_session("returning-user")
    s, replies = talk(a, s, "I loved The Dark Knight", "give me something like it")
    card = replies[-1].cards[0].id
    a.feedback(s, card, 1)
    resumed = a.resume(s.session_id)
    assert resumed == s
    assert [t.user_text for t in chat_store.turns(s.session_id)] == ["I loved The Dark Knight", "give me something like it"]
    s2, (r,) = talk(a, resumed, "who is in it?")
    assert r.action == "answer" and s2.turn == s.turn + 1
    fresh = a.new_session("returning-user")  # a new session of the same user: history feeds the ranker
    assert card in chat_store.user_history("returning-user").liked
    assert "history" in a.ranker.signals(fresh)


@pytest.mark.slow
def test_default_catalog_demo_path(default_catalog, tmp_path):
    """`make demo` runs on the default catalog with no data directory."""
    from crs.dialogue.build import AgentConfig, build_agent
    from crs.store import Store

    a = build_agent(AgentConfig(catalog="default", nlu="rules", strict=True), catalog=default_catalog,
                    store=Store(tmp_path / "d.db"))
    s = a.new_session("demo")
    s, replies = talk(a, s, "hello", "I want a comedy from the 1990s", "just give me something")
    rec = replies[-1]
    assert rec.action == "recommend" and rec.cards
    assert all("Comedy" in a.catalog.item(c.id).values("genres") for c in rec.cards)
