"""Generator: strategy tags, grounded cards and explanations, answers, paraphrase grounding check."""

from __future__ import annotations

from crs.nlg import Paraphraser, RenderContext, TemplateGenerator, grounded
from crs.nlg.questions import question_attribute
from crs.reviews import make_snippet
from crs.types import Action, Constraint, DialogueState, Mention, Speaker


def _find(catalog, title):
    return next(it for it in catalog.items if it.title == title)


def test_recommend_is_grounded_and_tagged(default_catalog):
    gen = TemplateGenerator()
    items = [it for it in default_catalog.items if it.attributes.get("imdb_rating")][:3]
    liked = items[0]
    state = DialogueState("s", "u", 2, mentions=(Mention(liked.id, "item", 1, Speaker.USER, 1),),
                          constraints=(Constraint("genres", "include", items[1].values("genres")[0]),))
    snip = make_snippet(items[1].id, "A gripping story with great acting", 1, "redial")
    ctx = RenderContext(default_catalog, snippets={items[1].id: snip}, liked=(liked.id,))
    r = gen.render(Action("recommend", items=(items[1].id, items[2].id)), state, ctx)
    assert r.action == "recommend" and [c.id for c in r.cards] == [items[1].id, items[2].id]
    assert items[1].display in r.text and items[2].display in r.text
    assert "credibility" in r.strategies and "experience_inquiry" in r.strategies
    assert "gripping story" in r.text and r.cards[0].snippet.startswith("A gripping")
    assert r.cards[0].attributes["genres"] == items[1].attributes["genres"]
    assert r.cards[0].reason  # grounded in a constraint or a shared value
    value = items[1].values("genres")[0]
    assert value in r.cards[0].reason or liked.display in r.text


def test_similarity_names_the_liked_item(redial_catalog):
    heat = _find(redial_catalog, "Heat")
    other = next(it for it in redial_catalog.items if it.id != heat.id
                 and set(it.values("director")) & set(heat.values("director")))
    state = DialogueState("s", "u", 2, mentions=(Mention(heat.id, "item", 1, Speaker.USER, 1),))
    r = TemplateGenerator().render(Action("recommend", items=(other.id,)), state,
                                   RenderContext(redial_catalog, liked=(heat.id,)))
    assert "similarity" in r.strategies and heat.display in r.text
    assert "directed by" in r.text and heat.values("director")[0] in r.text


def test_ask_answer_wait(redial_catalog):
    gen = TemplateGenerator()
    st = DialogueState("s", "u", 1)
    r = gen.render(Action("ask", attribute="genres"), st, RenderContext(redial_catalog, options=("drama", "comedy")))
    assert r.action == "ask" and "drama" in r.text and r.strategies == ("opinion_inquiry",)
    r = gen.render(Action("ask", attribute="genres=horror"), st, RenderContext(redial_catalog))
    assert "horror" in r.text and r.text.endswith("?")
    heat = _find(redial_catalog, "Heat")
    r = gen.render(Action("answer"), st, RenderContext(redial_catalog, answer_item=heat.id, answer_attribute="director"))
    assert heat.values("director")[0] in r.text and r.action == "answer"
    r = gen.render(Action("answer"), st, RenderContext(redial_catalog, answer_item=heat.id, answer_attribute="text"))
    assert heat.text[:30] in r.text
    r = gen.render(Action("wait"), st, RenderContext(redial_catalog, intent="greet"))
    assert "offer_help" in r.strategies and "opinion_inquiry" in r.strategies
    r = gen.render(Action("recommend"), replace_constraints(st), RenderContext(redial_catalog))
    assert "no horror" in r.text and not r.cards


def replace_constraints(st):
    from dataclasses import replace

    return replace(st, constraints=(Constraint("genres", "exclude", "horror"),))


def test_question_routing(redial_catalog, default_catalog):
    assert question_attribute("who directed it?", redial_catalog.schema) == "director"
    assert question_attribute("What's it about?", redial_catalog.schema) == "text"
    assert question_attribute("who is in it?", redial_catalog.schema) == "stars"
    assert question_attribute("how long is it?", default_catalog.schema) == "runtime"
    assert question_attribute("I like horror", redial_catalog.schema) is None


class EchoLLM:
    def __init__(self, out: str) -> None:
        self.out = out

    def complete(self, prompt: str, max_tokens: int = 128) -> str:
        return self.out


def test_paraphrase_grounding_check(default_catalog):
    it = default_catalog.items[0]
    state = DialogueState("s", "u", 1)
    reply = TemplateGenerator().render(Action("recommend", items=(it.id,)), state, RenderContext(default_catalog))
    good = Paraphraser(EchoLLM(f"You'll love **{it.display}**, trust me!"), default_catalog)(reply)
    assert good.paraphrased and it.display in good.text
    invented = Paraphraser(EchoLLM(f"Try **{it.display}** or **Zorblax Returns (2031)**"), default_catalog)(reply)
    assert not invented.paraphrased and invented.text == reply.template_text
    dropped = Paraphraser(EchoLLM("Watch something nice tonight."), default_catalog)(reply)
    assert not dropped.paraphrased
    assert not grounded("See “Not A Real Film 9”", reply, Paraphraser(EchoLLM(""), default_catalog).index)


def test_a_poorly_rated_film_gets_modest_encouragement(default_catalog):
    """Jaws 2 (IMDb 5.3) came with "I highly recommend it."."""
    from crs.nlg.generator import MODEST_RATING
    from crs.nlg.templates import BANK

    low = [it for it in default_catalog.items if 0 < float(it.attributes.get("imdb_rating") or 0) < MODEST_RATING][:5]
    high = [it for it in default_catalog.items if float(it.attributes.get("imdb_rating") or 0) >= 8][:5]
    assert low and high
    gen = TemplateGenerator()
    for turn, it in enumerate(low + high):
        r = gen.render(Action("recommend", items=(it.id,)), DialogueState("s", "u", turn), RenderContext(default_catalog))
        bold = any(t in r.text for t in BANK["encouragement"])
        modest = any(t in r.text for t in BANK["encouragement_modest"])
        assert (modest and not bold) if it in low else (bold and not modest), r.text
