"""Small rule helpers of the pipeline: absolute attribute words, removals and corrections, positive text."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from crs.nlu.entities import Link
from crs.nlu.lexicon import SchemaLexicon
from crs.nlu.numbers import newest_year, one_film
from crs.nlu.text import about_time, inside, open_to, said_of_a_film
from crs.types import Catalog, Constraint, DialogueState

_INVERT = {"ge": "lt", "gt": "le", "le": "gt", "lt": "ge"}
_REMOVE = re.compile(r"\b(forget|never ?mind|drop|ignore|scratch|remove|doesn'?t matter|don'?t care about|fine with|ok with|okay with)\b", re.IGNORECASE)
CORRECTION = re.compile(r"\b(actually|instead|rather|make it|change (it|that) to|switch (it )?to|(go )?back to|"
                        r"on second thought|scratch that|no wait|changed my mind)\b", re.IGNORECASE)
_STOP = frozenset(["loved", "love", "liked", "enjoyed", "saw", "seen", "watched", "hmm", "ok", "okay", "thanks", "so", "i", "me", "my", "a", "an", "the", "and", "or", "to", "of", "for", "with", "in", "on", "is", "it", "that", "this", "something", "some", "movie", "movies", "film", "films", "want", "would", "like", "please", "can", "you", "could", "maybe", "anything", "really", "just", "one", "any", "also", "show", "me", "give", "find", "see", "watch",
                   "i've", "i'm", "i'd", "already", "have", "has", "had", "yet", "still", "again", "what", "else"])


def absolute_constraints(text: str, lexicon: SchemaLexicon, catalog: Catalog, scopes: list[tuple[int, int]],
                         consumed: Sequence[tuple[int, int]]) -> list[Constraint]:
    """Lexicon `absolute` words: "recent" → year ≥ newest − 5, "short" → runtime ≤ 100; negated → inverted."""
    out = []
    for rule in lexicon.raw.get("absolute", []):
        attr = rule["attribute"]
        if attr not in catalog.schema:
            continue
        for m in re.finditer(rule["pattern"], text, re.IGNORECASE):
            if inside(m.span(), list(consumed)) or open_to(text, m.start()) or said_of_a_film(text, m.start()) \
                    or one_film(text, m.span()) or about_time(text, m.span()):
                continue  # "open to older movies": accepted; "it was just really long", "the new one": one film
            value = rule.get("value")
            if "relative_to_max" in rule:
                newest = newest_year(catalog)
                value = (newest + int(rule["relative_to_max"])) if newest else None
            if value is None:
                continue
            op = _INVERT.get(rule["op"], rule["op"]) if inside(m.span(), scopes) else rule["op"]
            out.append(Constraint(attr, op, value))
            break
    return out


def removals(text: str, links: Sequence[Link], add: Sequence[Constraint], state: DialogueState,
             attribute_words: Mapping[str, Sequence[str]] | None = None) -> list[Constraint]:
    """Constraints to drop: the opposite of each new include/exclude, values and attributes the user lets
    go of ("forget horror", "horror doesn't matter", "forget about the year"), and, after a correction
    cue ("actually", "instead", "back to"), the earlier includes of an attribute the message re-states."""
    attribute_words = attribute_words or {}
    out: list[Constraint] = []
    flip = {"include": "exclude", "exclude": "include"}
    for c in add:
        if c.op in flip:
            opposite = Constraint(c.attribute, flip[c.op], c.value)
            if opposite in state.constraints:
                out.append(opposite)
    windows = removal_windows(text)
    for lk in links:
        if lk.kind in ("attribute", "person") and inside(lk.span, windows):
            out += [c for c in state.constraints if c.attribute == lk.attribute and str(c.value).lower() == lk.value.lower()]
    low = text.lower()
    for attr, words in _attribute_words(state, attribute_words).items():  # "forget about the year"
        for w in words:
            for m in re.finditer(r"\b" + re.escape(w) + r"s?\b", low):
                if inside(m.span(), windows):
                    out += [c for c in state.constraints if c.attribute == attr]
    if CORRECTION.search(text):  # "actually a horror instead", "back to comedy": the new value replaces the old
        wanted = {(c.attribute, str(c.value).lower()) for c in add if c.op == "include"}
        attrs = {a for a, _ in wanted}
        out += [c for c in state.constraints if c.op == "include" and c.attribute in attrs
                and (c.attribute, str(c.value).lower()) not in wanted]
    return list(dict.fromkeys(out))


def _attribute_words(state: DialogueState, extra: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Words naming each constrained attribute: its name ("year", "imdb rating") and the lexicon's synonyms."""
    out: dict[str, list[str]] = {}
    for c in state.constraints:
        out.setdefault(c.attribute, [c.attribute.replace("_", " "), *extra.get(c.attribute, ())])
    return out


def removal_windows(text: str) -> list[tuple[int, int]]:
    """Spans where the user lets a value go ("forget horror", "horror doesn't matter")."""
    out = []
    for m in _REMOVE.finditer(text):
        out.append((max(0, m.start() - 25), m.end() + 40) if m.group(1).lower().startswith(("doesn", "fine", "ok"))
                   else (m.start(), m.end() + 40))
    return out


_CONDITIONAL = re.compile(r"\b(?:if|when) not\b(?:(?!\b(?:then|maybe|perhaps|how about|what about|any|some)\b)[^,;.!?])*",
                          re.IGNORECASE)


def conditional_windows(text: str) -> list[tuple[int, int]]:
    """Clauses that name a value as a fallback, not a wish nor a ban ("If not horror, any good
    comedies?": comedies are wanted, horror is neither banned nor asked for)."""
    return [m.span() for m in _CONDITIONAL.finditer(text)]


_SAID_OF_A_FILM = re.compile(r"\b(?:it|that|this|that one|this one|they|those)\s*(?:was|is|were|are|'s|seemed|looked)\b"
                             r"(?!\s+been\b)(?:\s+[^\s,.;!?]+){0,6}", re.IGNORECASE)
_RELATIVE = re.compile(r"\b(?:something|anything|movies?|films?|ones|stuff)\s+$", re.IGNORECASE)
"""Before "that is ...", a relative clause about the films wished for ("something that is a thriller")."""


def positive_text(text: str, scopes: list[tuple[int, int]], consumed: Sequence[tuple[int, int]]) -> str:
    """The message without negated or critiqued parts, for retrieval; '' when nothing content-ful is
    left. In a message with a negation, what it says of a film is the complaint ("i didnt like it, it
    was just really long") and is cut too; in a liking one ("it was great, loved the twist") it stays:
    cutting it there cost the replay of the dev dialogues 0.130 → 0.120 SR."""
    said = [m.span() for m in _SAID_OF_A_FILM.finditer(text)
            if scopes and not _RELATIVE.search(text[max(0, m.start() - 20):m.start()])]
    cut = sorted(list(scopes) + list(consumed) + said)
    keep, pos = [], 0
    for s, e in cut:
        if s > pos:
            keep.append(text[pos:s])
        pos = max(pos, e)
    keep.append(text[pos:])
    out = re.sub(r"@\d+\s*(<[^>]*>)?", " ", " ".join(keep))
    out = re.sub(r"\s+", " ", out).strip(" ,.;:!?-")
    out = re.sub(r"(?i)(\s+(but|and|or|though|however|so))+$", "", out)
    words = re.findall(r"[a-z0-9']+", out.lower())
    return out[:200] if any(w not in _STOP for w in words) else ""
