"""Review store: aspects with negation, stance-aligned retrieval (wishes, films, questions), chat
opinions persisted, MovieLens evidence with the tagger's rating, the honest alignment evaluation."""

from __future__ import annotations

from crs.reviews import (
    Opinion,
    ReviewStore,
    aligned_text,
    build_reviews,
    film_opinion,
    find_aspects,
    make_snippet,
    read_opinion,
    snippets_from_movielens,
    wish_opinion,
)
from crs.store import Store


def test_aspects_and_opinions():
    assert ("twist", False) in find_aspects("What a twist at the end!")
    assert ("gore", True) in find_aspects("it is not gory at all")
    assert read_opinion("I loved the twist").aspects == (("twist", 1),)
    assert read_opinion("I loved the twist").polarity == 1
    assert ("gore", -1) in read_opinion("I hate gore").aspects
    assert ("gore", -1) in read_opinion("no gore please").aspects
    assert read_opinion("is it too slow?") == Opinion(0, (), ("pace",))
    assert film_opinion("I hated how slow Drive was", -1) == Opinion(-1, (("pace", -1),))


def test_wish_latest_stance_wins_and_questions_ask_for_honesty():
    assert wish_opinion(["no gore please", "actually some gore is fine"]).aspects == (("gore", 1),)
    assert wish_opinion(["I loved the twist", "no gore"]) == Opinion(1, (("twist", 1), ("gore", -1)))
    asked = wish_opinion(["something with a twist", "is it too slow?"])
    assert asked.polarity == 0 and asked.questions == ("pace",) and ("twist", 1) in asked.aspects


SNIPS = [make_snippet("m", "Great twist, I never saw it coming, loved it", 1, "redial"),
         make_snippet("m", "Boring and way too slow, I hated it honestly", -1, "redial"),
         make_snippet("m", "Very bloody and gory, lots of violence everywhere", 1, "redial"),
         make_snippet("m", "It is not gory at all, a fun and clever ride", 1, "redial")]


def test_aligned_retrieval_agrees_with_the_stance():
    rs = ReviewStore(SNIPS)
    assert "twist" in rs.retrieve("m", read_opinion("I loved the twist in Fight Club"))[0].text
    assert "not gory" in rs.retrieve("m", wish_opinion(["no gore please"]))[0].text  # reassurance
    assert rs.retrieve("m", Opinion(-1))[0].polarity == -1
    assert "slow" in rs.retrieve("m", read_opinion("is it too slow?"))[0].text  # the honest negative
    assert rs.retrieve("unknown", Opinion(1)) == []
    ev = rs.evidence(["m", "unknown"], read_opinion("I loved the twist"))
    assert ev[0] > 0 and ev[1] == 0.0
    text = aligned_text(rs, ["m", "unknown"], wish_opinion(["no gore please"]))
    assert "not gory" in text and "bloody" not in text
    assert rs.retrieve("m", Opinion(1))[0].attribution == "a viewer said"


def test_chat_opinions_are_persisted(tmp_path, default_catalog):
    item = default_catalog.items[0].id
    with Store(tmp_path / "s.db") as st:
        rs = build_reviews(default_catalog, store=st)
        rs.add_opinion(item, "I loved the soundtrack", 1, "u", "s")
    with Store(tmp_path / "s.db") as st:
        again = build_reviews(default_catalog, store=st)
        chat = [s for s in again.for_item(item) if s.source == "chat"]
        assert [s.text for s in chat] == ["I loved the soundtrack"]
        assert chat[0].aspects == (("music", False),)


def test_movielens_tags_take_the_taggers_rating(redial_catalog, data_dir):
    snips = snippets_from_movielens(data_dir, redial_catalog)
    tags = [s for s in snips if s.source == "movielens"]
    assert len(tags) > 1000 and all(s.item_id in redial_catalog for s in tags)
    assert {s.polarity for s in tags} == {-1, 0, 1}
    assert all((s.rating is None and s.polarity == 0) or s.rating is not None for s in tags)
    assert all(s.polarity == -1 for s in tags if s.rating is not None and s.rating <= 2.5)
    neg = next(s for s in tags if s.polarity == -1)
    assert "rated it" in neg.attribution
    summaries = [s for s in snips if s.source == "ratings"]
    assert summaries and all("MovieLens viewers rated it" in s.text for s in summaries)


def test_alignment_evaluation_is_leak_free_and_beats_its_baselines(redial_catalog, redial_split, data_dir):
    from crs.reviews.evaluate import evaluate_reviews, labelled_queries, vader_stance

    train, dev = redial_split
    qs = labelled_queries(dev, redial_catalog)
    assert any(q.gold < 0 for q in qs) and any(q.next_film for q in qs)
    assert all(q.film != q.next_film for q in qs)
    rep = evaluate_reviews(dev, train, redial_catalog, vader_stance, data_dir)
    assert rep["folds"] == 1 and rep["leaked_snippets"] == 0  # dev shares no dialogue with train
    assert rep["n_neg"] >= 20 and rep["n_pos"] > 500
    assert abs(rep["baselines"]["constant"] - 0.5) < 0.05  # always-positive is worth nothing balanced
    assert rep["balanced_accuracy"] > rep["baselines"]["constant"] + 0.03
    assert rep["balanced_accuracy"] > rep["baselines"]["unaligned"] + 0.03
    assert rep["detail"]["oracle_stance"]["balanced_accuracy"] >= rep["balanced_accuracy"]
    cv = evaluate_reviews(dev[:60], dev[:200], redial_catalog, vader_stance, None, folds=3)
    assert cv["folds"] == 3 and cv["leaked_snippets"] == 0


def test_default_catalog_gets_rating_snippets(default_catalog):
    rs = build_reviews(default_catalog)  # the embedded catalog: packaged ratings, no tags or review text
    top = max(default_catalog.items, key=lambda i: i.popularity)
    got = rs.for_item(top.id)
    assert {s.polarity for s in got} == {1, -1} and all(s.source == "ratings" for s in got)
    pos = rs.retrieve(top.id, wish_opinion(["something fun"]))[0]
    assert pos.polarity == 1 and "MovieLens viewers rated it 4/5 or higher" in pos.quote
    assert rs.retrieve(top.id, Opinion(-1))[0].polarity == -1


def test_an_echo_needs_words_that_agree():
    """"Some agree with you" is never said with a quote whose words say the opposite (a ReDial
    label can be wrong: this praise of Black Panther came with its speaker's "disliked" label)."""
    from crs.dialogue.reply import agrees

    praise = "Red Sparrow is one of the best movies in theatres right now of course it still can't beat out Black Panther"
    assert not agrees(-1, praise, -1)
    assert agrees(-1, "it was boring and way too long", -1)
    assert agrees(-1, "I watched it with my sister", -1)  # neutral words: the label decides
    assert agrees(1, praise, 1) and not agrees(1, praise, -1)


def test_only_opinions_are_quoted(redial_agent):  # type: ignore[no-untyped-def]
    """A snippet from someone who had not seen the film, or a request or question, is not what
    someone thought of it: the reply quotes the next best snippet that is (real ReDial snippets)."""
    import re

    from crs.reviews import is_opinion

    assert not is_opinion("I haven't seen Gone Girl ! I'm obviously way behind on my movies.")
    assert not is_opinion("Or maybe a good crime movie like Prisoners Oh. I haven't watched that movie yet.")
    assert not is_opinion("what's the plot of the second one?")
    assert is_opinion("Gone Girl and Shutter Island are some of my favs I like dark thrillers")
    quoted = []
    for script in (["hello", "I'm into psychological thrillers like Gone Girl", "I've seen Prisoners, loved it"],
                   ["hi", "I loved The Notebook", "something romantic please"]):
        state = redial_agent.new_session("quotes")
        for text in script:
            state, reply = redial_agent.step(state, text)
            quoted += re.findall(r"“([^”]+)”", reply.text)
    assert quoted  # the replies do quote people
    assert all(is_opinion(q.rstrip("…")) for q in quoted), quoted
