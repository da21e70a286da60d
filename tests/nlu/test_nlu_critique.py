"""Critique → preference rewriting: the labelled set, relative references, the LLM path's validation."""

from __future__ import annotations

import json
from pathlib import Path

from crs.nlu.critique_eval import eval_critiques, load_critique_set
from crs.nlu.numbers import newest_year
from crs.types import Action, Constraint, DialogueState

SET = Path(__file__).resolve().parents[1] / "data" / "critiques.jsonl"


def test_critique_set_is_large_and_varied() -> None:
    recs = load_critique_set(SET)
    assert len(recs) >= 100
    assert len({r["text"].lower() for r in recs}) >= 100
    ops = {c[1] for r in recs for c in r["add"]}
    assert {"include", "exclude", "gt", "lt"} <= ops
    assert {r["catalog"] for r in recs} == {"default", "redial"}


def test_rules_meet_target_on_critique_set(default_catalog, redial_catalog) -> None:  # type: ignore[no-untyped-def]
    cats = {"default": default_catalog, "redial": redial_catalog}
    report = eval_critiques(SET, {"rules": None}, cats.__getitem__)
    assert report["skipped"] == 0
    assert report["rules"]["n"] >= 100
    assert report["rules"]["f1"] >= 0.85
    assert report["rules"]["exact_match"] >= 0.8


def test_relative_critique_uses_last_recommendation_unless_named(default_nlu, default_catalog) -> None:  # type: ignore[no-untyped-def]
    toy, titanic = default_catalog.item("1"), default_catalog.item("1721")
    state = DialogueState(turn=2, recommended=("1721", "1"), last_action=Action("recommend", items=("1",)))
    p = default_nlu.parse("something more recent", state)
    assert Constraint("year", "gt", toy.year) in p.add and p.critique.about_item == "1"
    state = DialogueState(turn=2, recommended=("1721",))
    p = default_nlu.parse("shorter please", state)
    assert p.add == (Constraint("runtime", "lt", titanic.attributes["runtime"]),)
    p = default_nlu.parse("something newer than Titanic", DialogueState(recommended=("1",)))
    assert Constraint("year", "gt", titanic.year) in p.add and p.critique.about_item == "1721"
    assert p.intent == "critique" and p.preferences


def test_less_like_more_like(default_nlu) -> None:  # type: ignore[no-untyped-def]
    p = default_nlu.parse("less like Titanic and more like Die Hard", DialogueState())
    pol = {m.entity: m.polarity for m in p.mentions if m.kind == "item"}
    assert pol == {"1721": -1, "1036": 1}
    assert set(p.add) == {Constraint("genres", "exclude", "Drama"), Constraint("genres", "exclude", "Romance")}
    assert any("Die Hard" in s for s in p.preferences)


class _FixedLLM:
    """A protocol-conforming backend that returns fixed text (to test validation, not a model)."""

    def __init__(self, reply: str) -> None:
        self.reply, self.prompts = reply, []

    def complete(self, prompt: str, max_tokens: int = 128) -> str:
        self.prompts.append(prompt)
        return self.reply


def test_llm_output_is_validated_against_schema(default_catalog) -> None:  # type: ignore[no-untyped-def]
    from crs.nlu import build_nlu

    state = DialogueState(recommended=("1258",))
    good = json.dumps({"add": [{"attribute": "genres", "op": "exclude", "value": "horror"},
                               {"attribute": "bogus", "op": "exclude", "value": "x"},
                               {"attribute": "genres", "op": "exclude", "value": "Spaceships"},
                               {"attribute": "year", "op": "gt", "value": "1980"}], "preference": "light comedy"})
    llm = _FixedLLM("Sure! " + good + " hope this helps")
    p = build_nlu(default_catalog, llm=llm, learned=False).parse("too scary", state)
    assert set(p.add) == {Constraint("genres", "exclude", "Horror"), Constraint("year", "gt", 1980)}
    assert p.critique.preference == "light comedy" and "The Shining" in llm.prompts[0]
    for junk in ("I cannot help with that", "{not json", json.dumps({"add": [{"attribute": "genres", "op": "drop", "value": "Horror"}]})):
        p = build_nlu(default_catalog, llm=_FixedLLM(junk), learned=False).parse("too scary", state)
        assert set(p.add) == {Constraint("genres", "exclude", "Horror")}  # the rules: "too scary" is not thriller


def test_relative_critique_without_reference_falls_back_to_absolute(default_nlu, default_catalog) -> None:  # type: ignore[no-untyped-def]
    newest = newest_year(default_catalog)
    p = default_nlu.parse("too long, something shorter", DialogueState())
    assert p.add == (Constraint("runtime", "le", 100),)  # never "runtime >= 140" from the word "long"
    p = default_nlu.parse("something more recent", DialogueState())
    assert p.add == (Constraint("year", "ge", newest - 5),)
    no_runtime = next(it.id for it in default_catalog.items if "runtime" not in it.attributes)
    p = default_nlu.parse("too long", DialogueState(recommended=(no_runtime,)))
    assert p.add == (Constraint("runtime", "le", 100),)


def test_a_critique_beside_a_rejected_film_is_about_it(default_nlu, default_catalog) -> None:  # type: ignore[no-untyped-def]
    """"not Titanic though, too long": shorter than Titanic (1997, 194 min), not the film on the table."""
    state = DialogueState(recommended=("1",), last_action=Action("recommend", items=("1",)))  # Toy Story, 81 min
    for text in ("not Titanic though, too long", "not Titanic, something shorter"):
        p = default_nlu.parse(text, state)
        assert p.critique is not None and p.critique.about_item == "1721", text
        assert Constraint("runtime", "lt", 194) in p.add, (text, p.add)
