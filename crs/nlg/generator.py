"""Template generator: renders the policy's action as text tagged with sociable strategies.

`TemplateGenerator.render(action, state, ctx) -> Reply`. Titles, attribute values, ratings and
review snippets come only from the catalog (`ctx.catalog`) and the review store (`ctx.snippets`);
the generator never names an item that is not in `action.items`, `ctx.liked` or `ctx.answer_item`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from crs.nlg.explain import explain, format_value, label, phrase
from crs.nlg.reply import Card, Clarification, Reply
from crs.nlg.templates import join_words, pick
from crs.reviews import Snippet
from crs.types import Action, Catalog, Constraint, DialogueState, Item

MAX_SNIPPET = 160
MODEST_RATING = 6.5
"""Below this IMDb rating the reply encourages modestly ("It may be worth a look.")."""
YESNO = {"genres": "Are you in the mood for some {v}?", "decade": "Would you like a {noun} from the {v}?",
         "mpaa": "Should it be rated {v}?", "tags": "Would you like something “{v}”?"}


@dataclass(frozen=True)
class RenderContext:
    """Everything the generator may use besides the action and the state."""

    catalog: Catalog
    noun: str = "movie"
    intent: str = ""
    """How the agent read the user's turn: greet, off_topic, accept, question, chitchat, ..."""
    snippets: Mapping[str, Snippet] = field(default_factory=dict)
    echoes: tuple[Snippet, ...] = ()
    """Opinions of others that agree with what the user just said about a film they named."""
    liked: tuple[str, ...] = ()
    """Item ids the user liked, oldest first (for similarity explanations)."""
    options: tuple[str, ...] = ()
    """Values to offer when asking about `action.attribute` (most common in the candidates)."""
    answer_item: str | None = None
    answer_attribute: str | None = None
    candidates: int = -1
    suggestions: tuple[str, ...] = ()
    changes: tuple[Constraint, ...] = ()
    """Constraints added this turn (acknowledged back to the user)."""
    removed: tuple[Constraint, ...] = ()
    clarify: Clarification | None = None
    """A question back instead of a guess (contradictory wishes, a reference to nothing shown)."""


def describe_constraint(c: Constraint) -> str:
    if c.op == "include":
        return str(c.value)
    if c.op == "exclude":
        return f"no {c.value}"
    sym = {"ge": "at least", "gt": "over", "le": "at most", "lt": "under", "eq": "exactly"}[c.op]
    return f"{label(c.attribute)} {sym} {format_value(c.value)}"


def _snip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SNIPPET else text[:MAX_SNIPPET].rsplit(" ", 1)[0] + "…"


class TemplateGenerator:
    """Implements `crs.protocols.Generator` with INSPIRED-style strategy templates."""

    def render(self, action: Action, state: DialogueState, ctx: RenderContext) -> Reply:
        seed = f"{state.session_id}:{state.turn}"
        head, head_s = self._preamble(state, ctx, seed)
        if action.kind == "recommend" and action.items:
            body, strategies, cards = self._recommend(action, state, ctx, seed)
        elif action.kind == "recommend":
            body = pick("no_results", seed, noun=ctx.noun) + " " + pick(
                "relax", seed, prefs=join_words([describe_constraint(c) for c in state.constraints], "and") or "none")
            strategies, cards = ("transparency",), ()
        elif action.kind == "answer":
            body, strategies, cards = self._answer(ctx, seed)
            follow = action.follow
            if follow is not None and follow.kind == "recommend" and follow.items:
                more, more_s, cards = self._recommend(follow, state, ctx, seed)
                body, strategies = f"{body} {more}", strategies + more_s
            elif follow is not None and follow.kind == "ask":
                body, strategies = f"{body} {self._ask(follow, ctx, seed)}", strategies + ("opinion_inquiry",)
        elif action.kind == "ask":
            body, strategies, cards = self._ask(action, ctx, seed), ("opinion_inquiry",), ()
        else:
            body, strategies, cards = self._wait(state, ctx, seed)
        text = " ".join(p for p in (head, body) if p)
        return Reply(text, action.kind, tuple(dict.fromkeys(head_s + strategies)), cards, text)

    # --- pieces -------------------------------------------------------------------------------
    def _preamble(self, state: DialogueState, ctx: RenderContext, seed: str) -> tuple[str, tuple[str, ...]]:
        parts: list[str] = []
        strategies: tuple[str, ...] = ()
        if ctx.intent == "greet" and state.turn <= 1:
            parts.append(pick("offer_help", seed, noun=ctx.noun))
            strategies += ("offer_help",)
        elif ctx.intent == "off_topic":
            parts.append(pick("off_topic", seed, noun=ctx.noun))
            strategies += ("transparency",)
        elif ctx.intent == "small_talk":
            parts.append(pick("small_talk", seed, noun=ctx.noun))
            strategies += ("acknowledgment",)
        if ctx.suggestions:
            parts.append(pick("did_you_mean", seed, options=join_words([f"“{s}”" for s in ctx.suggestions[:3]])))
            strategies += ("preference_confirmation",)
        for echo in ctx.echoes[:1]:
            item = ctx.catalog.item(echo.item_id).display if echo.item_id in ctx.catalog else "it"
            parts.append(f"Some agree with you on {item}: {replace(echo, text=_snip(echo.text)).quote}")
            strategies += ("personal_opinion",)
        said = list(dict.fromkeys(describe_constraint(c) for c in ctx.changes))
        if said:
            parts.append(pick("preference_confirmation", seed, prefs=join_words(said, "and")))
            strategies += ("preference_confirmation",)
        flipped = {(c.attribute, str(c.value).lower()) for c in ctx.changes if c.op in ("include", "exclude")}
        dropped = list(dict.fromkeys(str(c.value) if c.op in ("include", "exclude") else describe_constraint(c)
                                     for c in ctx.removed if str(c.value) != "*"  # "no Drama" already says it
                                     and (c.attribute, str(c.value).lower()) not in flipped))
        if dropped:
            parts.append(f"Okay, I'll forget about {join_words(dropped, 'and')}.")
            strategies += ("acknowledgment",)
        return " ".join(parts), strategies

    def _recommend(self, action: Action, state: DialogueState, ctx: RenderContext,
                   seed: str) -> tuple[str, tuple[str, ...], tuple[Card, ...]]:
        cat = ctx.catalog
        liked = [cat.item(i) for i in ctx.liked if i in cat]
        cards = tuple(self._card(cat.item(i), state, ctx, liked) for i in action.items if i in cat)
        top = cat.item(cards[0].id)
        reason, similar = explain(top, state, cat, liked)
        parts = [pick("recommend_one", seed, title=f"**{top.display}**")]
        strategies: list[str] = ["encouragement"]
        if similar is not None:
            parts.append(pick("similarity", seed, liked=similar.display, reason=reason))
            strategies.append("similarity")
        elif reason:
            parts.append(reason[0].upper() + reason[1:] + ".")
            strategies.append("personal_opinion")
        rating = top.attributes.get("imdb_rating")
        if isinstance(rating, (int, float)) and rating:
            votes = top.attributes.get("imdb_votes")
            n_votes = int(votes) if isinstance(votes, (int, float, str)) and votes else 0
            parts.append(pick("credibility_rating", seed, rating=f"{rating:.1f}", votes=f"{n_votes:,}"))
            strategies.append("credibility")
        top_snip = ctx.snippets.get(cards[0].id)
        if top_snip is not None and top_snip.source in ("redial", "redial-recommender"):
            parts.append(pick("credibility_review", seed, snippet=cards[0].snippet))
            strategies.append("credibility")
        elif top_snip is not None:
            quote = replace(top_snip, text=cards[0].snippet).quote
            parts.append(quote[0].upper() + quote[1:])
            strategies.append("credibility")
        modest = isinstance(rating, (int, float)) and 0 < rating < MODEST_RATING  # no "I highly recommend" for a 5.3
        parts.append(pick("encouragement_modest" if modest else "encouragement", seed))
        if len(cards) > 1:
            parts.append(pick("also", seed, others=join_words([f"**{cat.item(c.id).display}**" for c in cards[1:]],
                                                              "and")))
        parts.append(pick("experience_inquiry", seed))
        strategies.append("experience_inquiry")
        return " ".join(parts), tuple(strategies), cards

    def _card(self, item: Item, state: DialogueState, ctx: RenderContext, liked: Sequence[Item]) -> Card:
        reason, _ = explain(item, state, ctx.catalog, liked)
        snip = ctx.snippets.get(item.id)
        attrs = {a: item.attributes[a] for a in ctx.catalog.schema.names if a in item.attributes}
        if snip is None:
            return Card(item.id, item.title, item.year, attrs, reason)
        return Card(item.id, item.title, item.year, attrs, reason, _snip(snip.text), snip.source, snip.polarity,
                    snip.attribution)

    def _answer(self, ctx: RenderContext, seed: str) -> tuple[str, tuple[str, ...], tuple[Card, ...]]:
        cat = ctx.catalog
        if ctx.answer_item is None or ctx.answer_item not in cat:
            return pick("unknown_item", seed, noun=ctx.noun), ("transparency",), ()
        item = cat.item(ctx.answer_item)
        attr = ctx.answer_attribute
        if attr in (None, "", "text"):
            about = item.text.strip() or f"{item.display}: {format_value(item.attributes.get('genres'))}"
            said = ctx.snippets.get(item.id)
            quote = replace(said, text=_snip(said.text)).quote if said else ""
            quote = " " + quote[0].upper() + quote[1:] if quote else ""
            return f"Here's what I know about **{item.display}**: {_snip(about)}{quote}", ("credibility",), ()
        value = item.attributes.get(attr)
        if value in (None, ()):
            return f"I don't know the {label(attr)} of **{item.display}**, sorry.", ("transparency",), ()
        return f"**{item.display}** is {phrase(attr, value)}.", ("credibility",), ()

    def _ask(self, action: Action, ctx: RenderContext, seed: str) -> str:
        if action.attribute is None:
            return pick("experience_inquiry_open", seed, noun=ctx.noun)
        if "=" in action.attribute:  # a yes/no question about one value ("genres=horror")
            name, value = action.attribute.split("=", 1)
            tpl = YESNO.get(name, "Would you like something " + phrase(name, value) + "?")
            return tpl.format(v=value, noun=ctx.noun)
        name = label(action.attribute)
        if ctx.options:
            return pick("ask_attribute", seed, label=name, options=join_words(list(ctx.options[:3])))
        return pick("ask_attribute_open", seed, label=name)

    def _wait(self, state: DialogueState, ctx: RenderContext, seed: str) -> tuple[str, tuple[str, ...], tuple[Card, ...]]:
        if ctx.clarify is not None and ctx.clarify.kind == "contradiction":
            return pick("clarify_contradiction", seed, value=ctx.clarify.value, noun=ctx.noun), ("transparency",), ()
        if ctx.clarify is not None:
            return pick("clarify_reference", seed, noun=ctx.noun), ("transparency",), ()
        if ctx.intent == "goodbye":
            return pick("goodbye", seed, noun=ctx.noun), ("acknowledgment",), ()
        if ctx.intent == "accept" and state.accepted:
            title = ctx.catalog.item(state.accepted[-1]).display if state.accepted[-1] in ctx.catalog else "it"
            text = pick("accept", seed, title=f"**{title}**") + " " + pick("accept_more", seed)
            return text, ("acknowledgment", "encouragement"), ()
        if ctx.intent == "greet" and state.turn <= 1:
            return pick("opinion_inquiry", seed, noun=ctx.noun), ("opinion_inquiry",), ()
        if ctx.intent in ("greet", "off_topic", "chitchat", "small_talk") or not state.mentions:
            return pick("opinion_inquiry", seed, noun=ctx.noun), ("opinion_inquiry",), ()
        return pick("acknowledgment", seed) + " " + pick("invite", seed, noun=ctx.noun), ("acknowledgment",), ()
