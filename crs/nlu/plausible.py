"""Whether a span that matches a title is meant as that title (`EntityLinker` of `crs.nlu.entities`):
short or common-word titles need capitals or a cue, shouted messages say nothing by their capitals,
request words, letters, greetings and film-talk nouns are no titles, and a longer title starting
inside a match is the one meant."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Protocol

from crs.nlu.title_words import (
    A_BEFORE,
    CAPITALISED_NEXT,
    COMMON,
    CUED,
    FILM_TALK,
    GREETING_BEFORE,
    INTERJECTIONS,
    NOT_A_TITLE_ALONE,
    ONE_AFTER,
    OPINION_VERBS,
    ORDINALS,
    REQUEST_TAIL,
    SEASON_AFTER,
    SENTENCE_WORDS,
    VERB_AFTER,
)

_YEAR_IN_PARENS = re.compile(r"^\s*\(\s*(?:18|19|20)\d\d\s*\)")


class _Linker(Protocol):
    """What the checks read from the linker: its title keys, longest title, surnames and lexicon."""

    @property
    def titles(self) -> Mapping[str, list[str]]: ...

    @property
    def max_n(self) -> int: ...

    @property
    def surnames(self) -> Collection[str]: ...

    @property
    def phrases(self) -> Collection[str]:
        """The lexicon's attribute phrases ("action", "rom com")."""
        ...


def shouted(text: str) -> bool:
    """Whether a message is written in capitals ("I WAS HOPING YOU COULD HELP SUGGEST A FEW GOOD FAMILY
    MOVIES"): its capitals say nothing about which words are titles or names."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def longer_inside(linker: _Linker, text: str, toks: list[tuple[str, int, int]], i: int, n: int) -> bool:
    """A title starting inside the match at `i` (n tokens) reaches further: "The Star Wars movies" is
    *Star Wars*, not *The Star*."""
    for j in range(i + 1, i + n):
        for m in range(min(linker.max_n, len(toks) - j), i + n - j, -1):
            key = " ".join(t for t, _, _ in toks[j:j + m])
            if key in linker.titles and plausible(linker, text, toks[j:j + m]):
                return True
    return False

def plausible(linker: _Linker, text: str, toks: list[tuple[str, int, int]]) -> bool:
    """Short or common-word titles ("It", "Up", "Heat") must be Capitalised in the text (or, in a
    message written in capitals, come right after a cue such as "like")."""
    words = [t for t, _, _ in toks]
    if all(w.isdigit() for w in words):  # "my 9 year old", "the first 2": numbers, not the films "9" or "2"
        return False
    if len(words) <= 2 and words[-1] in ORDINALS and ONE_AFTER.match(text[toks[-1][2]:]):
        return False  # "the last one you said": a reference to a shown film, not "The Last: Naruto the Movie"
    if _YEAR_IN_PARENS.match(text[toks[-1][2]:]):
        return True  # "Avatar (2009) is sci fantasy": a title with its year, wherever it stands
    if len(words) == 1 and len(words[0]) == 1:
        return False  # ":D", "plan B": a letter, not the film "D"
    if len(words) == 1 and (GREETING_BEFORE.search(text[: toks[0][1]])
                            or words[0] in ("happy", "merry") and SEASON_AFTER.match(text[toks[0][2]:])):
        return False  # "Happy Holidays", "Happy Halloween!": a greeting, not Holidays (2016) or Halloween
    if len(words) >= 2 and all(w in NOT_A_TITLE_ALONE or w in REQUEST_TAIL for w in words) \
            and not CUED.search(text[: toks[0][1]]):
        return False  # "Anything else you can think of?", "something new": a request, not Anything Else (2003)
    if len(words) >= 3 and not all(w in COMMON for w in words):
        return True
    if len(words) == 2 and not any(w in COMMON for w in words):
        return True
    if len(words) == 2 and words[0] == "the" and words[1] not in COMMON | FILM_TALK and CUED.search(text[: toks[0][1]]):
        return True  # "something like the notebook", "I loved the matrix": a cued "the X" in lower case
    if shouted(text):  # capitals say nothing here: only a cue does ("I NEED A COMEDY LIKE SUPERBAD")
        if len(words) == 1 and words[0] in NOT_A_TITLE_ALONE:
            return False  # "I HAVEN'T SEEN IT BUT WOULD LIKE TO": the words, not It (1990) and To (1964)
        return CUED.search(text[: toks[0][1]]) is not None
    if len(words) == 1 and words[0] in INTERJECTIONS and not CUED.search(text[:toks[0][1]]):
        return False  # "... @75822 Yes I have seen that one": a reply run on without a stop, not Yes (2004)
    if len(words) == 1 and words[0] in OPINION_VERBS:
        return False  # "i LOVED @140750", "like @78418 Loved those": the verb, not Loved (1997)
    if len(words) == 1 and A_BEFORE.search(text[:toks[0][1]]) and ONE_AFTER.match(text[toks[0][2]:]):
        return False  # "I am looking for a Vampire movie": a kind of film, not Vampire (2011)
    if len(words) == 1 and words[0] in COMMON and VERB_AFTER.match(text[toks[0][2]:]):
        return False  # "... never seen it It is famous": a pronoun starting an unpunctuated sentence
    surface = [text[s:e] for _, s, e in toks]
    content = [w for w in surface if w.lower() not in ("of", "the", "and", "a", "an", "in", "on", "to")]
    caps = bool(content) and all(w[:1].isupper() or w[:1].isdigit() for w in content)
    first_in_sentence = toks[0][1] == 0 or text[: toks[0][1]].rstrip()[-1:] in ".!?"
    nxt = CAPITALISED_NEXT.match(text[toks[0][2]:])
    if len(words) == 1 and nxt and nxt.group(1).lower() not in linker.titles \
            and nxt.group(1).lower() not in OPINION_VERBS | INTERJECTIONS:
        return False  # "the one with Emma Stone": part of a longer name, not the film "Emma" ("Jaws Titanic" is two)
    if caps and len(words) == 1 and words[0] in NOT_A_TITLE_ALONE and len(surface[0]) > 1 and surface[0].isupper():
        return False  # "I HAVEN'T SEEN IT ...", "I LOVE it": a shouted word inside a message, not It or Lóve
    if caps and first_in_sentence and len(words) == 1:  # "Inception was amazing", "Titanic is my favorite"
        w = words[0]
        return VERB_AFTER.match(text[toks[0][2]:]) is not None and w not in SENTENCE_WORDS \
            and w not in linker.phrases and w not in linker.surnames
    return caps
