"""Stage 1 of a turn, reading the message: the one place in the dialogue manager that reads user text.

`clean_text` coerces and trims whatever arrived; `read` runs the NLU (`crs.protocols.NLU`) and
adds what the agent must route itself from surface cues:

- a short yes/no right after a value question ("in the mood for some drama?") becomes an
  include/exclude of that value;
- a short reaction to the item on the table ("not that one", "thanks, I'll watch it") becomes a
  reject/accept mention of it;
- year ranges the NLU derived from vague words with no number ("a classic", "something new") are
  dropped (the words stay in the preference phrase the ranker reads);
- a person named right after "any director you'd like?" is read as that attribute (`Elicitor.reattribute`);
- the agent's routing intent (`Intent`), the attribute a question is about, and the user's
  opinion (polarity and aspects) for review alignment.

Everything after this stage works on the `Reading`, never on the raw text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Literal

from crs.dialogue import cues
from crs.dialogue.elicit import Elicitor
from crs.dialogue.track import intent_kind, last_top
from crs.nlg.questions import question_attribute
from crs.nlg.reply import Clarification
from crs.nlu.numbers import LAST_YEARS, RECENT
from crs.nlu.references import find_references, shown_lists
from crs.nlu.text import open_to
from crs.protocols import NLU
from crs.reviews import Opinion, find_aspects, wish_opinion
from crs.types import Catalog, Constraint, DialogueState, Mention, ParsedTurn, Speaker

Intent = Literal["greet", "question", "request", "accept", "reject", "off_topic", "chitchat", "small_talk", "inform",
                 "empty", "clarify", "goodbye"]
"""How the agent routes a turn (built on the NLU's IARD intent plus the surface cues below)."""

_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}

YES_NO_WORDS = 8
"""Longest reply still read as a yes/no to a value question ("in the mood for some drama?")."""
REACTION_WORDS = 8
"""Longest reply still read as a reaction (accept / reject) to the item on the table."""


@dataclass(frozen=True)
class Reading:
    """What the agent understood of one message."""

    text: str
    parsed: ParsedTurn
    intent: Intent
    question: str | None = None
    """The attribute a question about an item asks for ("who directed it?" → director)."""
    clarify: Clarification | None = None
    """Set when the message cannot be acted on without asking back (contradiction, dangling reference)."""


def clean_text(text: object, max_chars: int = 2000) -> tuple[str, tuple[str, ...]]:
    """Coerce to str, decode HTML entities, drop control/format characters, collapse whitespace, truncate."""
    s = text if isinstance(text, str) else ("" if text is None else str(text))
    s = s.encode("utf-8", "replace").decode("utf-8")
    if "&" in s[: max_chars * 2]:  # text pasted from a web page: "I&quot;m", "Tom &amp; Jerry"
        s = html.unescape(s[: max_chars * 2])
    s = "".join(ch if unicodedata.category(ch) not in _CONTROL else " " for ch in s[: max_chars * 2])
    s = " ".join(s.split())
    notices: tuple[str, ...] = ()
    if len(s) > max_chars:
        s = s[:max_chars]
        notices = (f"Your message was long, so I read only the first {max_chars} characters.",)
    return s, notices


def read(text: str, state: DialogueState, nlu: NLU, catalog: Catalog, elicitor: Elicitor) -> Reading:
    """Parse `text` (already cleaned) in the context of `state` and decide how to route it."""
    parsed = _parse(text, state, nlu, elicitor)
    parsed, clarify = resolve_references(text, parsed, state, catalog)
    if clarify is None:
        parsed, clarify = _contradiction(parsed)
    titles = [m.span for m in parsed.mentions if m.kind == "item"]
    question = question_attribute(_blank(text, titles), catalog.schema) if text else None  # "Toy Story": no plot question
    intent: Intent = "clarify" if clarify is not None else _intent(text, parsed, state, question)
    return Reading(text, parsed, intent, question, clarify)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the characters of `spans` replaced by spaces (offsets kept)."""
    chars = list(text)
    for a, b in spans:
        a, b = max(0, a), min(len(chars), b)
        chars[a:b] = " " * max(0, b - a)
    return "".join(chars)


def resolve_references(text: str, parsed: ParsedTurn, state: DialogueState,
                       catalog: Catalog) -> tuple[ParsedTurn, Clarification | None]:
    """What the user says about the films of this turn (named, or referred to by position or
    description, which the NLU resolved against the shown films), clause by clause:
    seen (a "(seen)" mention: never shown again, no negative evidence unless they say they disliked
    it), not in the mood (a neutral "(not now)" mention: out of this session only), didn't like (-1, a
    reject), liked / taken (+1, an accept), a question (neutral; the film is answered about).
    A reference by position when nothing was shown yet asks back."""
    if not text:
        return parsed, None
    dangling = [r for r in find_references(text, state, catalog)
                if r.item is None and r.kind != "that" and (r.kind == "position" or not shown_lists(state))]
    if dangling and not any(m.kind == "item" for m in parsed.mentions):
        return replace(parsed, intent="other"), Clarification("reference")
    mentions, kinds = [], []
    explicit: set[int] = set()  # positions of mentions whose clause states a stance (not the model's guess)
    for m in parsed.mentions:
        if m.kind != "item" or m.speaker is not Speaker.USER:
            mentions.append(m)
            continue
        kind, polarity, tag = _stance(_clause(text, m.span), m.polarity)
        kinds.append(kind)
        if kind:
            explicit.add(len(mentions))
        mentions.append(replace(m, polarity=polarity, text=f"{m.text} {tag}".strip()))
    if not kinds:
        return parsed, None
    intent = parsed.intent
    shown = set(state.recommended)
    on_table = [k for k, m in zip(kinds, [m for m in parsed.mentions if m.kind == "item" and m.speaker is Speaker.USER])
                if m.entity in shown]
    passive = [k for k in on_table if k in ("seen", "not_now")]
    if on_table and on_table[-1] in ("reject", "accept", "ask_about_item"):
        intent = on_table[-1]
    elif passive and all(k in ("seen", "not_now", "unseen", "") for k in on_table):  # "seen both of them": not an accept
        intent = passive[-1]
    elif kinds and all(k in ("seen", "not_now") for k in kinds):
        intent = kinds[-1]
    elif intent == "reject" and "unseen" in on_table and not cues.DISLIKED.search(text) \
            and not _NEGATION.search(_UNSEEN.sub(" ", text)):
        intent = "neutral"  # "did not see that one": not having seen a film is no rejection of it
        # ("I haven't seen it and not really into it" still is)
    return replace(parsed, mentions=_one_per_film(mentions, explicit), intent=intent), None


_TAG = re.compile(r"\s*\((?:seen|not now)\)")
"""The clause tags `_stance` appends to a mention's text."""


def _one_per_film(mentions: list[Mention], explicit: set[int]) -> tuple[Mention, ...]:
    """The user's mentions of one film in one message ("I have seen @X, but I didn't like it": the
    title, then "it") as one mention at the first. Its polarity: the last clear one among the
    clauses that state a stance (liked, didn't like, seen, ...), else the first mention's, else the
    last clear one — a later neutral clause ("have you seen it?") or the sentiment model's guess on
    "it was ..." does not undo "I loved @X". The clause tags are kept."""
    groups: dict[str, list[int]] = {}
    for i, m in enumerate(mentions):
        if m.kind == "item" and m.speaker is Speaker.USER:
            groups.setdefault(m.entity, []).append(i)
    merged = {idx[0]: _merge([mentions[i] for i in idx], [i in explicit for i in idx])
              for idx in groups.values() if len(idx) > 1}
    drop = {i for idx in groups.values() for i in idx[1:]}
    return tuple(merged.get(i, m) for i, m in enumerate(mentions) if i not in drop)


def _merge(same: list[Mention], stated: list[bool]) -> Mention:
    clear = [m.polarity for m, s in zip(same, stated, strict=True) if m.polarity and s]
    if not clear and same[0].polarity:
        clear = [same[0].polarity]
    clear = clear or [m.polarity for m in same if m.polarity]
    tags = " ".join(dict.fromkeys(t.strip() for m in same for t in _TAG.findall(m.text)))
    bare = _TAG.sub("", same[0].text)
    return replace(same[0], polarity=clear[-1] if clear else 0, text=f"{bare} {tags}".strip())


_CLAUSE = re.compile(r"[.!?;]+|,\s*(?=but\b|though\b|and\b)|\s+but\s+|\s+though\s+|\s+however\s+", re.IGNORECASE)
_ASKS_THE_BOT = re.compile(r"^\W*(?:(?:and|so|but|ok(?:ay)?|hmm|well),?\s+)?" + cues.TO_THE_BOT + r"\b", re.IGNORECASE)
"""A clause that is a question to the bot about a film (it starts with it: "have you seen it?"; "I
didn't like it, have you liked those?" keeps the user's stance)."""
_UNSEEN = re.compile(r"\b(haven'?t|have not|hadn'?t|never|not|didn'?t|did not)\s+(?:(?:yet|even|ever|actually)\s+)?"
                     r"(seen|watched|heard of|see|watch)\b", re.IGNORECASE)
"""Not seen ("haven't even heard of that one", "did not see the new @X"): no stance on the film."""
_NEGATION = re.compile(r"\b(?:not|no|never|nothing|nope)\b|n't\b", re.IGNORECASE)
_POSITIVE = re.compile(r"\b(good|great|loved?|liked?|enjoy(ed)?|awesome|amazing|funny|hilarious|favou?rite|best|fantastic|"
                       r"excellent|fun|cool|nice|solid)\b", re.IGNORECASE)


def _clause(text: str, span: tuple[int, int]) -> str:
    """The clause around a mention: from the previous clause break to the next one."""
    start, end = 0, len(text)
    for m in _CLAUSE.finditer(text):
        if m.end() <= span[0]:
            start = m.end()
        elif m.start() >= span[1]:
            end = m.start()
            break
    return text[start:end]


def _stance(clause: str, polarity: int) -> tuple[str, int, str]:
    """(intent, polarity, tag) of what a clause says about the film in it; the NLU's polarity when
    the clause says nothing explicit."""
    if _ASKS_THE_BOT.match(clause):  # "have you seen it?", "did you like the second one?": not the user's stance
        return "ask_about_item", 0, ""
    if cues.NOT_NOW.search(clause):
        return "not_now", 0, "(not now)"
    if _UNSEEN.search(clause):
        return "unseen", 0, ""
    disliked = bool(cues.DISLIKED.search(clause))
    if cues.SEEN.search(clause):
        return "seen", -1 if disliked else 1 if _POSITIVE.search(clause) else 0, "(seen)"
    if disliked:
        return "reject", -1, ""
    if cues.ASK.search(clause):
        return "ask_about_item", 0, ""
    if cues.LIKED.search(clause):
        return "accept", 1, ""
    return "", polarity, ""


def _contradiction(parsed: ParsedTurn) -> tuple[ParsedTurn, Clarification | None]:
    """The same value wanted and not wanted in one message ("a comedy but not a comedy"): nothing about
    that value is applied, and the user is asked which they mean."""
    signs: dict[str, set[int]] = {}
    for m in parsed.mentions:
        if m.kind == "attribute" and m.polarity:
            signs.setdefault(m.entity, set()).add(m.polarity)
    both = [e for e, s in signs.items() if s == {1, -1}]
    if not both:
        return parsed, None
    entity = both[0]
    attr, value = entity.split("=", 1)

    def keep(c: Constraint) -> bool:
        return not (c.attribute == attr and str(c.value).lower() == value.lower())

    return replace(parsed, add=tuple(c for c in parsed.add if keep(c)), remove=tuple(c for c in parsed.remove if keep(c)),
                   mentions=tuple(m for m in parsed.mentions if m.entity != entity),
                   preferences=tuple(p for p in parsed.preferences if value.lower() not in p.lower())), \
        Clarification("contradiction", value)


def opinion_of(state: DialogueState, text: str = "") -> Opinion:
    """The user's wish for review alignment (`crs.reviews.wish_opinion`): aspect stances from the
    latest preference phrases and `text`, the latest stance winning; a question about an aspect
    ("is it too slow?") asks for honest snippets, negatives included."""
    return wish_opinion((*state.preferences[-3:], text))


_ERA = re.compile(r"\b(old|older|oldies|classics?|vintage|new|newer|recent|modern)\b", re.IGNORECASE)
_FINE_TOO = re.compile(r"[\w\s',-]{0,20}?\b(either (?:is|one is|way is|works)|(?:is|are) (?:also )?(?:fine|ok|okay|good) too|"
                       r"(?:is|are) also (?:fine|ok|okay|good))\b", re.IGNORECASE)


def _era_welcome(text: str) -> bool:
    """Whether an era is accepted rather than asked for: "I will also watch new films", "I'm open to
    classics", "I don't mind older films", "newer ones are fine too", "classics or new ones, either is
    fine" (`crs.nlu.text.open_to`)."""
    return any(open_to(text, m.start()) or _FINE_TOO.match(text, m.end()) for m in _ERA.finditer(text))


def _year_range(c: Constraint) -> bool:
    return c.attribute == "year" and c.op in cues.NUMERIC_OPS


_TITLE_YEAR = re.compile(r"\(\s*(?:18|19|20)\d\d\s*\)")


def drop_vague_years(parsed: ParsedTurn, text: str) -> ParsedTurn:
    """Drop year ranges the NLU derived from vague words ("new", "old", "classic") when the text names no
    year, decade or century and asks for no recent films (`crs.nlu.numbers.RECENT`: "lately", "new
    releases"; not "we recently watched"), or accepts an era beside the one it asks for ("I like classics,
    but I will also watch new films", "I like old movies but newer ones are fine too": no era to filter by).

    A critique about an item ("something more recent than that") keeps its relative year."""
    said = _TITLE_YEAR.sub(" ", text)  # "Lethal Weapon (1987) is definitely a classic": the film's year, no wish
    if cues.NUMBER.search(said) or LAST_YEARS.search(said):
        return parsed
    welcome = _era_welcome(text)
    if (parsed.critique is not None and (parsed.critique.about_item or not welcome)) or \
            (RECENT.search(text) and not welcome):
        return parsed
    add = tuple(c for c in parsed.add if not _year_range(c))
    crit = parsed.critique
    if crit is not None and any(_year_range(c) for c in crit.add):  # here only a critique about no film
        crit = replace(crit, add=tuple(c for c in crit.add if not _year_range(c)))
    return parsed if len(add) == len(parsed.add) and crit is parsed.critique else replace(parsed, add=add, critique=crit)


def item_question(parsed: ParsedTurn, text: str, state: DialogueState) -> ParsedTurn:
    """One question about the film on the table, yes/no ("is it scary?") or wh- ("how long is it?"),
    asks about that film: its words are not wishes (no constraint, preference or critique from them;
    "is it scary?" used to add horror and steer the next films). A request cue ("what else") wins."""
    if not (state.recommended and (cues.ITEM_QUESTION.match(text) or cues.WH_ITEM_QUESTION.match(text))) or cues.REQUEST.search(text):
        return parsed
    return replace(parsed, intent="ask_about_item", add=(), remove=(), preferences=(), critique=None,
                   mentions=tuple(m for m in parsed.mentions if m.kind == "item"))


def _parse(text: str, state: DialogueState, nlu: NLU, elicitor: Elicitor) -> ParsedTurn:
    parsed = drop_vague_years(nlu.parse(text, state), text) if text else ParsedTurn(text="", intent="empty")
    parsed = item_question(parsed, text, state)
    last = state.last_action
    asked = last.said if last is not None else None  # an answer's follow-up question counts
    parsed = elicitor.reattribute(parsed, asked)
    if asked is not None and asked.kind == "ask" and asked.attribute and "=" in asked.attribute \
            and not parsed.add and not parsed.remove and _short_answer(text, parsed):
        name, value = asked.attribute.split("=", 1)
        if cues.YES.search(text):
            parsed = replace(parsed, intent="inform", add=(Constraint(name, "include", value),))
        elif cues.NO.search(text) and not cues.INDIFFERENT.search(text):  # "no preference" wants nothing
            parsed = replace(parsed, intent="inform", add=(Constraint(name, "exclude", value),))
    elif last is not None and last.kind in ("recommend", "answer") and intent_kind(parsed.intent) is None \
            and not parsed.add and len(text.split()) <= REACTION_WORDS:  # a reaction to the item on the table
        reaction = "reject" if cues.REJECT.search(text) else "accept" if cues.ACCEPT.search(text) else None
        target = last_top(state)
        if reaction and target:
            named = any(m.kind == "item" for m in parsed.mentions)
            extra = () if named else (Mention(target, "item", state.turn + 1, Speaker.USER,
                                              -1 if reaction == "reject" else 1, text=text),)
            parsed = replace(parsed, intent=reaction, mentions=tuple(parsed.mentions) + extra)
    return parsed


def _intent(text: str, parsed: ParsedTurn, state: DialogueState, question: str | None) -> Intent:
    """Built on the NLU's intent (IARD taxonomy: ask_rec, add_details, accept, reject, critique,
    seen, ask_about_item, neutral, chitchat, other) with a few surface cues for the turns the
    agent must route itself (greetings, "just give me something", questions about an item)."""
    if not text:
        return "empty"
    name = (parsed.intent or "").lower()
    closing = "?" not in text and not cues.REQUEST.search(text)
    if closing and cues.FAREWELL.search(text):
        return "goodbye"
    if name in ("seen", "not_now") and state.recommended:  # "I've seen the first one": show something else
        return "request"
    if closing and cues.GOODBYE.search(text) and name not in cues.NOT_CLOSING and not (parsed.add or parsed.remove or parsed.critique):
        return "goodbye"
    kind = intent_kind(name)
    last_rec = state.last_action is not None and state.last_action.kind in ("recommend", "answer")
    if kind == "accept" and question == "text" and state.recommended:
        return "question"  # "sounds good, tell me more": the description first, not "enjoy it!"
    if kind == "accept" and last_rec and cues.ONE_MORE.search(text):
        return "request"  # "great options, you name one more?": the next film, not "enjoy it!"
    if kind and last_rec:
        return kind
    has_item = bool(parsed.mentions) or bool(state.recommended)
    answered = state.last_action is not None and state.last_action.said.kind == "ask" and bool(parsed.add)
    # the model's item-question guess yields to "what else could they watch?" and to new constraints
    # ("they are 6 and 8"); a reply to our question that names what the user wants is an answer
    guessed = name == "ask_about_item" and not parsed.add and not cues.REQUEST.search(text)
    if has_item and not answered and (question or guessed):
        return "question"
    informative = parsed.mentions or parsed.add or parsed.remove or parsed.preferences or parsed.critique
    if cues.REQUEST.search(text) or cues.DEFER.search(text) or (name == "ask_rec" and not informative):
        return "request"
    if cues.INDIFFERENT.search(text) and not informative:  # "anything is fine": an answer, not off topic
        return "inform"
    if informative or find_aspects(text):
        return "inform"
    if cues.SMALL_TALK.search(text):
        return "small_talk"  # "How are you today?": answered in kind, then back to films
    if cues.GREET.search(text):
        return "greet"
    if name in ("chitchat", "other", "unknown", "neutral", ""):
        off = len(text.split()) >= 3 and not (last_rec or cues.YES.search(text) or cues.THANKS.search(text)
                                              or cues.FILM_TALK.search(text))  # "oh wow I've never heard of that"
        return "off_topic" if off else "chitchat"
    return "inform"


def _short_answer(text: str, parsed: ParsedTurn) -> bool:
    """A reply that can be a yes/no to the last value question: short and naming no item ("Yes!",
    "sure, why not"). "Definitely! I loved Up" answers with a movie, not about the asked value."""
    return len(text.split()) <= YES_NO_WORDS and not any(m.kind == "item" for m in parsed.mentions)
