"""Extra template groups of the profile user model, taken from the mined seeker grammar.

The natural simulator's grammar groups real seeker messages by act and slot signature. The profile
user also needs reactions the oracle never makes, so three sub-groups are filtered out of the mined
`reject`, `accept`, `chitchat/other` and `ask_rec` templates (real seeker messages, same weights), each topped up with a
few hand-written lines so a group is never empty:

- `reject:i0g0p0/seen`: "seen it" with no sign of liking it, no title and no question ("I've seen
  that one already", "seen it, what else", "I've watched it. I wasn't a big fan of it");
- `chitchat:i0g0p0/ask`: a question about the shown film ("What is it about?", "I haven't seen that
  one. Who's in it?");
- `chitchat:i0g0p0/indifferent`: "no preference" answers ("I'm open to anything :)", "It doesn't
  matter.");
- `ask_rec:i0g0p0/more`: a request for another film, said after "seen it" ("Any others?"), from
  the mined `ask_rec` templates.

A template is kept only if it has no slot, no genre or person the vocabulary recognises, no
unlabelled preference word (`surface.UNLABELLED_PREFERENCE`) and no capitalised word inside a
sentence (a title or a name), so its labels (none) are exactly what it says.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from simulators.grammar import SLOT, Grammar, template_key
from simulators.surface import GREETING, UNLABELLED_PREFERENCE, Vocabulary
from simulators.templates import FALLBACK

SEEN_KEY = template_key("reject", sub="seen")
ASK_KEY = template_key("chitchat", sub="ask")
INDIFFERENT_KEY = template_key("chitchat", sub="indifferent")
MORE_KEY = template_key("ask_rec", sub="more")
_MORE = re.compile(r"\b(other|others|else|more|another|next)\b", re.IGNORECASE)

_SEEN_VERB = re.compile(r"\b(?:seen|watched|saw)\s+(?:it|that|this)\b", re.IGNORECASE)
_SEEN_INVERTED = re.compile(r"\bthat one i(?:'ve| have) (?:already )?seen\b", re.IGNORECASE)
_SEEN_NEGATED = re.compile(r"(?:n'?t|\bnot|\bnever|\bno|\bnope|\bif|\bhave you|\bdid you|\byou)\W+(?:[\w']+\W+){0,5}$",
                           re.IGNORECASE)
_SEEN_OFF = re.compile(
    r"\b(good|great|love|loved|like|liked|awesome|favou?rites?|enjo\w*|enver|fun|amazing|funny|hilarious|best|excellent|"
    r"cool|cute|classic|wonderful|fantastic|bomb|interesting|check|again|want|will|might|maybe|heard|sounds?|first|"
    r"second|both|all|those|these|them|either|trailer|previews?|part|series|brother|sister|they|he|she|wife|husband|"
    r"kids?|agree|remember|possible|rewatch|google)\b|\?", re.IGNORECASE)
_ASK = re.compile(
    r"\b(what(?:'?s| is| was)?\s+(?:it|that|this)(?:\s+one|\s+movie)?\s+about|who(?:'?s| is)?\s+in\s+(?:it|that|this)|"
    r"who\s+stars\s+in|what\s+happens|is\s+(?:it|that)(?:\s+one)?\s+(?:any\s+)?good|how\s+is\s+it|"
    r"what(?:'?s| is)\s+(?:the\s+)?(?:plot|story))\b", re.IGNORECASE)
_ASK_OFF = re.compile(r"\b(like|love|liked|first|second|either|mentioned|music|movies|you|yourself|interested)\b",
                      re.IGNORECASE)
_INDIFFERENT = re.compile(
    r"\W*(?:anything|it doesn'?t matter|doesn'?t matter(?: to me)?|i'?m (?:open to anything|game for anything|"
    r"not sure|open)|i don'?t (?:really )?(?:mind|care)|no preference|not really|nothing in particular|"
    r"no one in particular|not picky)[\s.!:)]*", re.IGNORECASE)
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)(\S+)")
_WORD = re.compile(r"[A-Za-z][\w']*")
EXTRA_FALLBACK: dict[str, tuple[str, ...]] = {
    SEEN_KEY: ("I've seen that one already.", "seen it", "I have seen that one", "Seen that. Anything else?"),
    ASK_KEY: ("What is it about?", "Who's in it?", "I haven't seen that one. What is it about?", "Is it good?"),
    INDIFFERENT_KEY: FALLBACK[INDIFFERENT_KEY] + ("I'm open to anything.", "No one in particular."),
    MORE_KEY: ("Any other suggestions?", "Anything else?", "Do you have another one?"),
}


def _has_name(text: str) -> bool:
    """A capitalised word that does not start a sentence (a title or a name), other than I/I'm/..."""
    starts = {m.start(1) for m in _SENTENCE_START.finditer(text)}
    for w in _WORD.finditer(text):
        if w.start() in starts or not w.group(0)[0].isupper():
            continue
        if w.group(0).lower().replace("'", "") not in {"i", "im", "ive", "id", "ill", "no", "yes", "ok", "lol"}:
            return True
    return False


def _seen_it(text: str) -> bool:
    """Says the film was seen (no negation before the verb), with no opinion that it was liked,
    no other film or person, and no question."""
    text = text.replace("\u2019", "'")
    m = _SEEN_VERB.search(text) or _SEEN_INVERTED.search(text)
    return m is not None and not _SEEN_NEGATED.search(text[:m.start()]) and not _SEEN_OFF.search(text)


def _clean(text: str, vocab: Vocabulary | None) -> bool:
    if SLOT.search(text) or UNLABELLED_PREFERENCE.search(text) or _has_name(text):
        return False
    return vocab is None or not vocab.find(text)


def _weighted(grammar: Grammar, keys: Iterable[str]) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for key in keys:
        entry = grammar.templates.get(key)
        if entry is None:
            continue
        texts, cum = entry
        out.extend((t, cum[i] - (cum[i - 1] if i else 0.0)) for i, t in enumerate(texts))
    return out


def select(grammar: Grammar, vocab: Vocabulary | None) -> dict[str, dict[str, float]]:
    """The profile sub-groups (text -> weight) from a grammar's mined templates, with the fallback
    lines added."""
    groups: dict[str, dict[str, float]] = {k: defaultdict(float) for k in EXTRA_FALLBACK}
    for text, w in _weighted(grammar, (template_key("accept"),)):  # "seen it" lines mined as accepts
        if len(text.split()) <= 20 and _seen_it(text) and _clean(text, vocab):
            groups[SEEN_KEY][text] += w
    for text, w in _weighted(grammar, (template_key("reject"), template_key("chitchat", sub="other"))):
        if len(text.split()) > 20 or not _clean(text, vocab):
            continue
        if _seen_it(text):
            groups[SEEN_KEY][text] += w
        elif len(text.split()) <= 16 and "?" in text and _ASK.search(text) and not _ASK_OFF.search(text):
            groups[ASK_KEY][text] += w
        elif _INDIFFERENT.fullmatch(text):
            groups[INDIFFERENT_KEY][text] += w
    for text, w in _weighted(grammar, (template_key("ask_rec"),)):
        if len(text.split()) <= 12 and _MORE.search(text) and not GREETING.search(text) and _clean(text, vocab):
            groups[MORE_KEY][text] += w
    for key, lines in EXTRA_FALLBACK.items():
        for line in lines:
            groups[key][line] += 1.0
    return groups


def profile_grammar(grammar: Grammar, vocab: Vocabulary | None) -> Grammar:
    """`grammar` plus the seen / ask-about / indifferent / ask-for-more groups (idempotent)."""
    if all(k in grammar.templates for k in EXTRA_FALLBACK):
        return grammar
    counts: dict[str, Counter[str]] = {}
    for key, (texts, cum) in grammar.templates.items():
        counts[key] = Counter({t: cum[i] - (cum[i - 1] if i else 0.0) for i, t in enumerate(texts)})
    counts.update({k: Counter(dict(v)) for k, v in select(grammar, vocab).items()})
    return Grammar.from_counts(counts, grammar.genre_counts, f"{grammar.source}+profile", grammar.conversations)


def group_sizes(grammar: Grammar) -> Mapping[str, int]:
    """How many templates each profile group holds (for reports)."""
    return {k: len(grammar.templates[k][0]) if k in grammar.templates else 0 for k in EXTRA_FALLBACK}
