"""Phrase grammar mined from real ReDial seeker messages: slots, acts, cache, exclusion."""

from __future__ import annotations

import json
import random

import pytest

from crs.catalog.dialogues import read_dialogues
from simulators.errors import SimulatorError
from simulators.grammar import SLOT, Grammar, load_grammar, mine, templatize
from simulators.surface import Vocabulary, classify

FILES = ("redial/train_subset_1000_annotated.jsonl", "redial/train_subset_raw.jsonl")


@pytest.fixture(scope="module")
def vocab(redial_catalog):  # type: ignore[no-untyped-def]
    return Vocabulary.from_catalog(redial_catalog, "genres", ("stars", "director"))


def test_templatize_slots_titles_genres_people(vocab):  # type: ignore[no-untyped-def]
    tpl, pols, spans, pol = templatize("I loved @111 and @222, any scary movies with Tom Hanks?",
                                       {"111": 1, "222": 1}, vocab)
    assert tpl == "I loved {item0} and {item1}, any {genre0:adj} movies with {person0}?"
    assert pols == [1, 1] and pol == 1
    assert [(s.attribute, s.value) for s in spans] == [("genres", "horror"), ("stars", "Tom Hanks")]
    tpl, _, spans, pol = templatize("I don't like comedies", {}, vocab)
    assert tpl == "I don't like {genre0:plural}" and pol == -1


def test_family_needs_a_movie_word(vocab):  # type: ignore[no-untyped-def]
    assert not vocab.find("I am watching with my family tonight")
    assert [s.value for s in vocab.find("any family movies?")] == ["family"]


def test_classifier_on_typical_messages():
    assert classify("hi there", [], 0, 1, False) == "chitchat"
    assert classify("Can you recommend something?", [], 0, 1, False) == "ask_rec"
    assert classify("I loved {item0}", [1], 0, 1, False) == "mention_liked"
    assert classify("That sounds good, I'll check it out", [], 0, 1, True) == "accept"
    assert classify("I've already seen it", [], 0, 1, True) == "reject"
    assert classify("something more {genre0:adj} maybe", [], 1, 1, True) == "critique"


def test_mined_templates_match_their_keys(data_dir, vocab):  # type: ignore[no-untyped-def]
    dialogues = [d for f in FILES for d in read_dialogues(data_dir / f).dialogues]
    g = mine(dialogues[:600], vocab)
    assert g.size() > 1000 and g.genre_counts["comedy"] > 10
    for key, (texts, cum) in g.templates.items():
        act, sig = key.split(":")[0], key.split(":")[1].split("/")[0].rstrip("-")
        n_items, n_genres, n_persons = int(sig[1]), int(sig[3]), int(sig[5])
        assert list(cum) == sorted(cum) and len(texts) == len(cum)
        for t in texts:
            slots = [m.group(1) for m in SLOT.finditer(t)]
            assert len({m.group(0) for m in SLOT.finditer(t) if m.group(1) == "item"}) == n_items, (key, t)
            assert slots.count("genre") >= n_genres and slots.count("person") == n_persons, (key, t)
            assert "@" not in t or not any(c.isdigit() for c in t.split("@", 1)[1][:1])
        assert act in ("state_attribute", "mention_liked", "mention_disliked", "critique", "ask_rec",
                       "accept", "reject", "chitchat")


def test_cache_and_exclusion(data_dir, vocab, tmp_path):  # type: ignore[no-untyped-def]
    files = [data_dir / f for f in FILES]
    first = read_dialogues(files[1]).dialogues[:30]
    excluded = {d.conversation_id for d in first}
    g = load_grammar(files, vocab, "test", excluded, cache=tmp_path)
    cached = list((tmp_path / "simulators").glob("grammar-*.json"))
    assert len(cached) == 1
    again = load_grammar(files, vocab, "test", excluded, cache=tmp_path)
    assert again.templates == g.templates
    # a corrupt cache file is rebuilt, not fatal
    cached[0].write_text("{not json", encoding="utf-8")
    assert load_grammar(files, vocab, "test", excluded, cache=tmp_path).templates == g.templates
    assert json.loads(cached[0].read_text(encoding="utf-8"))["source"] == "redial-mined"
    assert Grammar.from_json(g.to_json()).templates == g.templates
    full = load_grammar(files, vocab, "test", (), cache=tmp_path)
    assert full.size() > g.size()
    rng = random.Random(0)
    assert g.pick("chitchat:i0g0p0/greet", rng)


def test_missing_file_is_a_clear_error(vocab, tmp_path):  # type: ignore[no-untyped-def]
    with pytest.raises(SimulatorError, match="not found"):
        load_grammar([tmp_path / "nope.jsonl"], vocab, "k", cache=tmp_path)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(SimulatorError, match="no dialogues left"):
        load_grammar([empty], vocab, "k", cache=tmp_path)


def test_mined_templates_say_no_more_than_their_labels(natural_sim):  # type: ignore[no-untyped-def]
    """Real seeker phrases with preference words outside the slots ("a good children's movie",
    "something more recent") are not mined: the simulated utterance must express its labels only."""
    import re

    from simulators.grammar import SLOT
    from simulators.surface import UNLABELLED_PREFERENCE

    grammar = natural_sim.grammar  # mined from the ReDial train part by `build_natural`
    texts = [t for texts, _ in grammar.templates.values() for t in texts]
    assert len(texts) > 1000
    leaking = [t for t in texts if UNLABELLED_PREFERENCE.search(SLOT.sub(" ", t))]
    assert leaking == []
    assert UNLABELLED_PREFERENCE.search("I am looking for a good childrens movie")
    assert UNLABELLED_PREFERENCE.search("anything more recent?")
    assert not UNLABELLED_PREFERENCE.search(re.sub(r"\s+", " ", "I have seen that one, it was great"))
