"""The NLU pipeline: sanitise → link entities → negation scopes → critique → polarity → constraints → intent.

`NLUPipeline.parse(text, state)` never raises: any internal failure is logged and answered with a
minimal `ParsedTurn` carrying a notice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from crs.nlu.content import Content, compile_content, read_content
from crs.nlu.critique import CritiqueResult, CritiqueRules, discussed_item
from crs.nlu.entities import EntityLinker, Link
from crs.nlu.lexicon import SchemaLexicon
from crs.nlu.numbers import Numbers, read_numbers
from crs.nlu.people import no_people_notice, unlinked_people
from crs.nlu.references import find_references
from crs.nlu.remarks import compared, describes, moderated, panned, praised, qualified
from crs.nlu.rules import absolute_constraints, conditional_windows, positive_text, removal_windows, removals
from crs.nlu.spelling import Speller, rule_words
from crs.nlu.text import ScopeFinder, inside, normalise, sanitise
from crs.types import Constraint, Critique, DialogueState, Mention, ParsedTurn, Speaker

if TYPE_CHECKING:
    from crs.nlu.intent import IntentClassifier
    from crs.nlu.llm_critique import LLMCritique
    from crs.nlu.sentiment import MentionSentiment

log = logging.getLogger(__name__)

_NUMERIC = ("ge", "gt", "le", "lt", "eq")
_SERIES_AFTER = re.compile(r"^\s*(?:movies|films|series|franchise|saga|trilogy|flicks)\b", re.IGNORECASE)
"""After a title, a wish for its series ("any harry potter films?"): the words stay in the preference phrase."""
FUZZY_LINK = 90.0
"""rapidfuzz score from which an unknown title is linked (below: only suggested)."""


@dataclass
class NLUModels:
    """Optional learned parts; None means the rule/VADER fallback is used."""

    sentiment: MentionSentiment | None = None
    intent: IntentClassifier | None = None
    llm_critique: LLMCritique | None = None


class NLUPipeline:
    """Parses user messages for one catalog. Build with `crs.nlu.build_nlu`."""

    def __init__(self, linker: EntityLinker, models: NLUModels | None = None) -> None:
        from crs.nlu.sentiment import VaderBaseline

        self.linker = linker
        self.catalog = linker.catalog
        self.lexicon: SchemaLexicon = linker.lexicon
        raw = self.lexicon.raw
        self.scopes = ScopeFinder(raw["negation_cues"], raw.get("negation_exceptions", []), raw["scope_breakers"],
                                  raw.get("short_negation_cues", []))
        self.critiques = CritiqueRules(self.catalog, self.lexicon)
        self.content_rules = compile_content(self.lexicon)
        self.models = models or NLUModels()
        self.vader = VaderBaseline()
        self.speller = Speller(rule_words(self.lexicon.phrases, (r["pattern"] for r in raw.get("content_words", {}).get("rules", []))),
                               (w for key in (*linker.titles, *linker.people) for w in key.split()))

    def parse(self, text: str, state: DialogueState) -> ParsedTurn:
        """Parse one user message. Never raises."""
        clean = sanitise(text)
        try:
            return self._parse(self.speller.fix(clean.text), state, clean.notices)
        except Exception:
            log.exception("NLU failed on a message of %d characters", len(clean.text))
            return ParsedTurn(clean.text[:2000], "other", notices=clean.notices + ("sorry, I could not understand that message",))

    def _parse(self, text: str, state: DialogueState, notices: tuple[str, ...]) -> ParsedTurn:
        if not re.search(r"\w", text):
            return ParsedTurn(text, "other", notices=notices + (() if text else ("empty message",)))
        links = [lk for lk in self.linker.link(text) if lk.kind != "unlinked"]
        suggestions, fuzzy = self._unknown_titles(text, links)
        people = [] if self.linker.people else unlinked_people(text, links + fuzzy)  # a catalog without cast or crew
        if people:
            notices += (no_people_notice([name for _, name in people]),)
        links = self._with_references(text, self._in_context(sorted(links + fuzzy, key=lambda lk: lk.span), state), state)
        cue_scopes, scopes = self.scopes.both(text)
        crit = self.critiques.rewrite(text, state, links, cue_scopes)
        critique = self._llm_critique(text, state, crit)
        items = [lk.span for lk in links if lk.kind == "item"]
        numbers = read_numbers(text, self.catalog, scopes, items + list(crit.consumed if crit else ()))
        content = read_content(text, self.content_rules, scopes, items + list(crit.consumed if crit else ()) +
                               list(numbers.consumed), self._genre(links, scopes, state))
        wanted: dict[tuple[str, str], set[str]] = {(c.attribute, str(c.value).lower()): set()
                                                   for c in state.constraints if c.op == "include"}
        for lk in links:  # values wanted in this message, with the words that said so
            if lk.kind == "attribute" and not inside(lk.span, scopes):
                wanted.setdefault((lk.attribute, lk.value.lower()), set()).add(normalise(lk.text))
        mentions, stances = self._mentions(text, links, scopes, crit, state, wanted)
        shown = state.last_action is not None and state.last_action.kind in ("recommend", "answer")
        add = self._constraints(text, links, scopes, crit, critique, numbers, content, wanted, shown)
        if critique is not None and any(c not in add for c in critique.add):  # superseded: the tracker applies both
            critique = replace(critique, add=tuple(c for c in critique.add if c in add))
        remove = removals(text, links, add, state, self.lexicon.raw.get("attribute_words", {}))
        intent = self._intent(text, critique is not None, len(links), links)
        prefs = []
        if critique is not None and critique.preference:
            prefs.append(critique.preference)
        prefs += list(content.preferences) + [p for p in numbers.preferences if not _filtered(p, add)]
        if intent in ("ask_rec", "add_details", "critique"):
            named = [s for s in items if not _SERIES_AFTER.match(text[s[1]:])]  # "harry potter films" stays a wish
            cut = list(crit.consumed if crit else ()) + named + list(numbers.consumed) + list(content.consumed) \
                + removal_windows(text) + [span for span, _ in people] + [lk.span for lk in links if panned(text, lk)]
            pos = positive_text(text, scopes, cut)
            if pos:
                prefs.append(pos)
        return ParsedTurn(text, intent, tuple(mentions), tuple(add), tuple(remove), tuple(dict.fromkeys(prefs)),
                          critique, tuple(suggestions), notices, stances)

    def _in_context(self, links: list[Link], state: DialogueState) -> list[Link]:
        """A title typed without its year that several films share means the one already in the
        conversation, newest mention first ("I haven't seen Titanic" after the recommender named
        Titanic (1997)), else the linker's pick (the most popular)."""
        recent = [m.entity for m in reversed(state.mentions) if m.kind == "item"]
        if not recent:
            return links
        out = []
        for lk in links:
            ids = self.linker.titles.get(normalise(lk.text), ()) if lk.kind == "item" else ()
            if len(ids) > 1 and lk.entity in ids:
                lk = replace(lk, entity=next((i for i in recent if i in ids), lk.entity))
            out.append(lk)
        return out

    def _with_references(self, text: str, links: list[Link], state: DialogueState) -> list[Link]:
        """Shown films referred to by position or description ("the second one", "the one with X",
        "seen them both") become item links, so polarity and masking treat them like named titles."""
        taken = [lk.span for lk in links]
        named = [lk for lk in links if lk.kind == "item"]
        refs = []
        for r in find_references(text, state, self.catalog):
            item = r.item
            if r.kind == "that":  # "I saw @X but hated it": "it" is the film named before it in the message
                item = next((lk.entity for lk in reversed(named) if lk.span[1] <= r.span[0]), item)
            if item is not None and item in self.catalog and not any(r.span[0] < e and s < r.span[1] for s, e in taken):
                refs.append(Link(item, "item", r.span, r.text, 0.9))
        return sorted(links + refs, key=lambda lk: lk.span) if refs else links

    def _genre(self, links: list[Link], scopes: list[tuple[int, int]], state: DialogueState) -> str:
        """The genre a content phrase is about: one wanted in this message, else in the state, else
        the discussed item's first genre ("too gory" about a horror film → "... horror with little gore")."""
        wanted = [lk.value for lk in links if lk.kind == "attribute" and lk.attribute == "genres"
                  and not inside(lk.span, scopes)]
        wanted += [str(c.value) for c in reversed(state.constraints) if c.attribute == "genres" and c.op == "include"]
        if not wanted:
            about = discussed_item(state)
            if about is not None and about in self.catalog:
                wanted = list(self.catalog.item(about).values("genres"))[:1]
        return wanted[0].lower() if wanted else ""

    # -- steps ---------------------------------------------------------------------------------
    def _unknown_titles(self, text: str, links: list[Link]) -> tuple[list[str], list[Link]]:
        suggestions: list[str] = []
        fuzzy: list[Link] = []
        for span, surface in self.linker.unknown_titles(text, links)[:5]:
            hits = self.linker.fuzzy(surface)
            if not hits:
                continue
            if hits[0][1] >= FUZZY_LINK and (len(hits) == 1 or hits[0][1] - hits[1][1] >= 3):
                fuzzy.append(Link(hits[0][0], "item", span, surface, hits[0][1] / 100))
            else:
                suggestions += [self.catalog.item(i).display for i, _ in hits]
        return list(dict.fromkeys(suggestions)), fuzzy

    def _llm_critique(self, text: str, state: DialogueState, crit: CritiqueResult | None) -> Critique | None:
        rules = crit.critique if crit else None
        if self.models.llm_critique is None or crit is None:
            return rules
        out = self.models.llm_critique.rewrite(text, rules.about_item if rules else None)
        return out if out is not None else rules

    def _mentions(self, text: str, links: list[Link], scopes: list[tuple[int, int]], crit: CritiqueResult | None,
                  state: DialogueState, wanted: Mapping[tuple[str, str], set[str]] | None = None,
                  ) -> tuple[list[Mention], tuple[tuple[str, int], ...]]:
        """The mentions of the message, and the stance per film for review alignment (`ParsedTurn.stances`)."""
        items = [lk for lk in links if lk.kind == "item"]
        liked, stance = self._item_polarity(text, items)
        stances: dict[str, int] = {}
        excluded = {c.value for c in (crit.critique.add if crit else ()) if c.op == "exclude"}
        out = []
        for lk in links:
            kind = lk.kind
            if kind == "unlinked":  # never here: `_parse` drops unlinked links
                continue
            if kind == "item":
                pol = (crit.polarity.get(lk.entity) if crit else None) or (-1 if inside(lk.span, scopes) else liked[lk.span])
                anchor = pol > 0 and _ANCHOR.search(text[:lk.span[0]]) is not None  # "something like X but less violent"
                stances[lk.entity] = stance.get(lk.span, pol) if pol > 0 and not anchor else pol
            elif moderated(text, lk) or compared(text, lk) or (kind == "person" and describes(text, lk)) or (
                    inside(lk.span, scopes) and lk.value not in excluded and (
                    qualified(text, lk) or _kind_of_wanted(lk, wanted or {}))):
                pol = 0
            else:
                pol = -1 if inside(lk.span, scopes) or lk.value in excluded or panned(text, lk) else 1
            out.append(Mention(lk.entity, kind, state.turn, Speaker.USER, pol, lk.span, lk.text))
        return out, tuple(stances.items())

    def _item_polarity(self, text: str, items: list[Link]) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
        """(the tracker's polarity, the review stance) per film span; the stance is the learned
        model's balanced-accuracy reading (without the model, VADER's polarity serves both)."""
        if not items:
            return {}, {}
        if self.models.sentiment is not None:
            pred, stance = self.models.sentiment.read([text] * len(items), [lk.span for lk in items])
            return ({lk.span: 1 if p else -1 for lk, p in zip(items, pred)},
                    {lk.span: 1 if p else -1 for lk, p in zip(items, stance)})
        from crs.nlu.sentiment import clause

        out = {}
        for lk in items:
            c = self.vader.compound(clause(text, lk.span))
            out[lk.span] = 1 if c >= 0.05 else -1 if c <= -0.05 else 0
        return out, out

    def _constraints(self, text: str, links: list[Link], scopes: list[tuple[int, int]], crit: CritiqueResult | None,
                     critique: Critique | None, numbers: Numbers, content: Content,
                     wanted: Mapping[tuple[str, str], set[str]] | None = None, shown: bool = False) -> list[Constraint]:
        """Hard constraints of the message; `shown`: a film is on the table (a person praised right
        after their name comments on its cast, `remarks.praised`)."""
        consumed = list(crit.consumed if crit else ()) + list(numbers.consumed)
        out: list[Constraint] = []
        skip = consumed + removal_windows(text) + conditional_windows(text)
        banned: set[tuple[int, int]] = set()  # spans of attribute phrases already turned into a ban
        for lk in links:
            if lk.kind not in ("attribute", "person") or inside(lk.span, skip) or describes(text, lk) \
                    or compared(text, lk) or panned(text, lk) or (shown and praised(text, lk)):
                continue
            negated = inside(lk.span, scopes)
            if negated and (qualified(text, lk) or moderated(text, lk)):  # "not grossout comedies", "nothing too silly"
                continue
            if negated and _kind_of_wanted(lk, wanted or {}):
                continue  # "a scary movie" ... "not slasher stuff": a kind of the wanted genre, not a ban of it
            if negated and lk.kind == "attribute":
                if lk.span in banned:
                    continue  # "no rom-coms" bans romance (the phrase's first value), not every comedy
                banned.add(lk.span)
            out.append(Constraint(lk.attribute, "exclude" if negated else "include", lk.value))
        out += list(numbers.add) + list(content.add)
        taken = {c.attribute for c in out if c.op in _NUMERIC}
        decades = [c for c in out if c.attribute == "decade" and c.op == "include"]
        # a number beats a vague comparative ("this century" over "too old"), and so does a named decade
        # the comparative contradicts ("older 80's comedies" is the 80s, not the 80s and before 1980: nothing)
        out = [c for c in (critique.add if critique else ()) if not (c.op in _NUMERIC and (
            c.attribute in taken or (c.attribute == "year" and decades and not _meets(c, decades))))] + out
        taken |= {c.attribute for c in out if c.op in _NUMERIC}
        if decades:
            taken.add("year")  # "classic settings of the 1920s": the named decade, not "classic" = before 1980
        out += [c for c in absolute_constraints(text, self.lexicon, self.catalog, scopes, consumed) if c.attribute not in taken]
        excluded = {(c.attribute, c.value) for c in out if c.op == "exclude"}
        out = [c for c in out if not (c.op == "include" and (c.attribute, c.value) in excluded)]
        return list(dict.fromkeys(out))

    @staticmethod
    def _masked(text: str, links: list[Link]) -> str:
        """The message with linked titles replaced by "[MOVIE]", as in the IARD training texts
        (`@id` → "[MOVIE]"). With one title this is the same string the mention-sentiment model
        encodes, so the turn costs one MiniLM encoding, not two."""
        out, end = [], 0
        for lk in sorted((lk for lk in links if lk.kind == "item"), key=lambda lk: lk.span):
            if lk.span[0] < end:
                continue
            out += [text[end:lk.span[0]], "[MOVIE]"]
            end = lk.span[1]
        return "".join(out) + text[end:] if out else text

    def _intent(self, text: str, has_critique: bool, n_links: int, links: list[Link] | None = None) -> str:
        from crs.nlu.intent import rule_intent

        if self.models.intent is None:
            return rule_intent(text, has_critique, n_links)
        intent = self.models.intent.predict([self._masked(text, links or [])])[0]
        if has_critique and intent not in ("ask_about_item",):
            return "critique"
        return intent


_ANCHOR = re.compile(r"\b(?:like|similar to|in the vein of|along the lines of|closer to)\s*$", re.IGNORECASE)
"""A film named as the model of the wish: the user's stance on it is the tracker's (liked), whatever
the rest of the message criticises."""


def _kind_of_wanted(lk: Link, wanted: Mapping[tuple[str, str], set[str]]) -> bool:
    """A negated word for a kind of a value the user wants ("a scary movie" ... "not slasher stuff"):
    not the value's own name ("horror", "horrors"), and not the word that asked for it in this
    message ("a couple of funny moments but not too funny" stays a contradiction)."""
    said = wanted.get((lk.attribute, lk.value.lower()))
    surface = normalise(lk.text)
    return said is not None and surface[:4] != normalise(lk.value)[:4] and surface not in said


def _meets(bound: Constraint, decades: Sequence[Constraint]) -> bool:
    """Whether a year bound leaves some year of the named decades ("1980s" → 1980–1989)."""
    try:
        v = float(bound.value)
    except (TypeError, ValueError):
        return True
    for d in decades:
        m = re.match(r"(\d{4})", str(d.value))
        if m is None:
            return True
        lo, hi = int(m.group(1)), int(m.group(1)) + 9
        if {"ge": hi >= v, "gt": hi > v, "le": lo <= v, "lt": lo < v, "eq": lo <= v <= hi}.get(bound.op, True):
            return True
    return False


def _filtered(phrase: str, add: list[Constraint]) -> bool:
    """A duration phrase is redundant when the runtime is filtered exactly."""
    return phrase.startswith("short film under") and any(c.attribute == "runtime" for c in add)
