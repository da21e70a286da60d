"""End-to-end conversations through `Agent.step` on the real ReDial catalog (learned NLU, strict)."""

from __future__ import annotations

import re

import numpy as np
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


def _demo_conversation(a) -> None:  # type: ignore[no-untyped-def]
    s = a.new_session("demo")
    s, replies = talk(a, s, "hello", "I want a comedy from the 1990s", "just give me something")
    rec = replies[-1]
    assert rec.action == "recommend" and rec.cards
    assert all("Comedy" in a.catalog.item(c.id).values("genres") for c in rec.cards)
    assert all(1990 <= (a.catalog.item(c.id).year or 0) < 2000 for c in rec.cards)


def _hashed_vectors(catalog) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Deterministic bag-of-words vectors of the item texts (feature hashing), instead of MiniLM."""
    import zlib

    from crs.embed import item_text

    rng = np.random.default_rng(0)
    table = rng.standard_normal((4096, 384)).astype(np.float32)
    vecs = np.zeros((len(catalog), 384), np.float32)
    for i, it in enumerate(catalog.items):
        words = item_text(it).lower().split()
        vecs[i] = table[[zlib.crc32(w.encode()) % 4096 for w in words]].sum(axis=0) if words else table[0]
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def test_default_catalog_demo_path(default_catalog, tmp_path):
    """`make demo`'s agent: the default catalog, no data directory, rule NLU, its own store and ranker.

    The search engine gets hashed bag-of-words item vectors instead of encoding the 9,066 items
    with MiniLM (over a minute on 2 cores; the encoding is the same code the ReDial engine runs, and
    the real thing is `test_default_catalog_demo_path_encoded`, marked slow)."""
    from crs.dialogue.build import AgentConfig, build_agent
    from crs.retrieval import build_engine
    from crs.store import Store

    engine = build_engine(default_catalog, cache=tmp_path / "cache", vectors=_hashed_vectors(default_catalog),
                          progress=False)
    a = build_agent(AgentConfig(catalog="default", nlu="rules", strict=True), catalog=default_catalog,
                    store=Store(tmp_path / "d.db"), engine=engine)
    _demo_conversation(a)


@pytest.mark.slow
def test_default_catalog_demo_path_encoded(default_catalog, tmp_path):
    """`make demo` on a fresh machine: the default catalog's items encoded with MiniLM (cold)."""
    from crs.dialogue.build import AgentConfig, build_agent
    from crs.store import Store

    _demo_conversation(build_agent(AgentConfig(catalog="default", nlu="rules", strict=True),
                                   catalog=default_catalog, store=Store(tmp_path / "d.db")))


def test_an_answer_is_followed_by_the_policys_own_move(redial_agent):
    """A question about a film is answered first; the policy's choice follows in the same reply."""
    from crs.types import Action, Constraint

    a = redial_agent
    s, _ = talk(a, a.new_session("follow-up"), "I'm looking for a crime movie", "just recommend something")
    first = s.last_action.items[0]
    question = "what is the first one about?"
    asked, reply = a.respond(a.understand(s, question), Action("ask", attribute="genres=drama"))
    grounded(a, reply)
    title = a.catalog.item(first).title
    assert reply.action == "answer" and reply.text.startswith(f"Here's what I know about **{title}")
    assert "drama" in reply.text.split(title, 1)[1].lower() and not reply.cards
    assert reply.follow_up == "ask genres=drama"  # shown in `crs chat --json` and the side panel
    yes, _ = a.step(asked, "yes")
    assert Constraint("genres", "include", "drama") in yes.constraints  # "yes" answers the follow-up question
    more, reply = a.respond(a.understand(s, question), Action("recommend"))
    grounded(a, reply)
    assert reply.action == "answer" and reply.cards and first not in [c.id for c in reply.cards]
    assert more.last_action.kind == "recommend" and more.last_action.items == tuple(c.id for c in reply.cards)
    quiet, reply = a.respond(a.understand(s, question), Action("wait"))
    assert reply.action == "answer" and not reply.cards and quiet.last_action.items == (first,) and not reply.follow_up
