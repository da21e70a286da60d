"""The dialogue-to-item retriever: the query from the whole dialogue, the projection, the candidates."""

from __future__ import annotations

import time

import numpy as np
import pytest

from crs.retrieval.dialogue import (
    MAX_QUERY_CHARS,
    DialogueRetriever,
    QueryProjection,
    dialogue_query,
    meaningful,
    shipped_projection,
)
from crs.retrieval.errors import RetrievalError
from crs.types import Constraint, DialogueState, Mention, Speaker


def test_query_newest_first_titles_resolved_disliked_left_out(redial_catalog) -> None:  # type: ignore[no-untyped-def]
    a, b, c = (redial_catalog.items[i] for i in (10, 20, 30))
    state = DialogueState(
        preferences=("something scary", "with little gore"),
        mentions=(Mention(a.id, "item", 1, Speaker.USER, 1), Mention("genres=horror", "attribute", 1, Speaker.USER, 1),
                  Mention(b.id, "item", 2, Speaker.SYSTEM), Mention(c.id, "item", 3, Speaker.USER, -1)),
        rejected=())
    q = dialogue_query(redial_catalog, state)
    assert q.startswith("with little gore. something scary")
    assert q.index(b.display) < q.index(a.display)  # newest mention first, either speaker
    assert "horror" in q and c.display not in q  # disliked film left out
    assert dialogue_query(redial_catalog, DialogueState()) == ""


def test_query_is_bounded_for_a_huge_message(redial_catalog) -> None:  # type: ignore[no-untyped-def]
    state = DialogueState(preferences=("horror " * 1_500_000,))  # ~10 MB
    t = time.perf_counter()
    q = dialogue_query(redial_catalog, state)
    assert len(q) <= MAX_QUERY_CHARS and time.perf_counter() - t < 1.0


def test_projection_roundtrip_and_corrupt_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    W = np.eye(8, dtype=np.float32) + 0.1 * rng.standard_normal((8, 8)).astype(np.float32)
    p = QueryProjection(W, np.zeros(8, np.float32), "k1")
    p.save(tmp_path / "p.npz")
    back = QueryProjection.load(tmp_path / "p.npz")
    q = rng.standard_normal(8).astype(np.float32)
    assert back.key == "k1" and np.allclose(back(q), p(q)) and abs(float(np.linalg.norm(p(q))) - 1) < 1e-5
    assert np.allclose(p.batch(q[None])[0], p(q), atol=1e-6)
    (tmp_path / "bad.npz").write_bytes(b"not a numpy file")
    with pytest.raises(RetrievalError, match="crs train retriever"):
        QueryProjection.load(tmp_path / "bad.npz")
    assert shipped_projection(8, tmp_path) is None  # no shipped file in that folder


def test_shipped_projection_loads() -> None:
    p = shipped_projection(384)
    assert p is not None and p.W.shape == (384, 384) and p.key


def test_candidates_respect_the_filter_and_follow_the_dialogue(redial_catalog, redial_engine) -> None:  # type: ignore[no-untyped-def]
    r = DialogueRetriever(redial_catalog, redial_engine, shipped_projection(384))
    allow = np.asarray(redial_engine.mask([Constraint("genres", "include", "horror")]))
    state = DialogueState(preferences=("a slasher with a masked killer at a summer camp",))
    rows = r.candidates(state, allow)
    assert allow[rows].all() and 200 <= len(rows) <= r.depth + r.n_lexical + r.n_popular
    titles = {redial_catalog.items[int(i)].title for i in rows}
    assert "Friday the 13th" in titles
    none = np.zeros(len(redial_catalog), dtype=bool)
    assert len(r.candidates(state, none)) == 0  # a filter that matches nothing: no candidates, no error


def test_gibberish_and_empty_queries_fall_back_to_popular(redial_catalog, redial_engine) -> None:  # type: ignore[no-untyped-def]
    r = DialogueRetriever(redial_catalog, redial_engine)
    allow = np.ones(len(redial_catalog), dtype=bool)
    assert not meaningful("xqzv blorf wugga", redial_engine.lexical.words)
    for prefs in (("xqzv blorf wugga",), ()):
        rows = r.candidates(DialogueState(preferences=prefs), allow)
        assert np.array_equal(rows, np.sort(r.popular(allow, r.n_popular)))


def test_title_words_are_a_field_searched_with_the_titles_the_user_named(redial_catalog, redial_engine) -> None:  # type: ignore[no-untyped-def]
    from crs.retrieval.dialogue import lexical_query
    from crs.retrieval.text import TITLE_MARK, item_tokens, tokenize

    assert item_tokens("Toy Story", "Toy Story (1995). Toys come alive.") == ["t:toy", "t:story", "1995", "toys", "come", "alive"]
    lex = redial_engine.lexical
    # a free word of a wish searches the item text only: every hit has the word outside its title
    hits = lex.search(lexical_query(redial_catalog, DialogueState(preferences=("I want something funny",))), k=20)
    bodies = [set(item_tokens(it.title, it.text or it.display)) for it in (redial_catalog.items[int(i)] for i in hits.ids)]
    assert len(bodies) == 20 and all("funny" in b for b in bodies)
    # a film the user named searches the title field too: its sequels come back
    toy = next(it for it in redial_catalog.items if it.title == "Toy Story")
    terms = lexical_query(redial_catalog, DialogueState(mentions=(Mention(toy.id, "item", 1, Speaker.USER, 1),)))
    assert TITLE_MARK + "toy" in terms and "toy" in terms
    titles = {redial_catalog.items[int(i)].title for i in lex.search(terms, k=8).ids}
    assert {"Toy Story 2", "Toy Story 3"} <= titles
    # free text given to the engine searches both fields (a search box finds titles)
    assert "Toy Story" in {redial_catalog.items[int(i)].title for i in redial_engine.search("toy story", 5, mode="lexical").ids}
    assert all(w in lex.words for w in tokenize("toy story funny"))
