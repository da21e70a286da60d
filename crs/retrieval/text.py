"""Tokenisation shared by the BM25 index and its rank-bm25 reference: lower-case word tokens,
English stop words removed. Deterministic and dependency-free."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was we were what when where which while who whom
    why will with would you your yours yourself yourselves s t""".split()  # noqa: SIM905
)


def tokenize(text: str) -> list[str]:
    """'A scary movie from the 80s!' → ['scary', 'movie', '80s']."""
    return [t for t in _TOKEN.findall(text.casefold()) if t not in STOPWORDS]


TITLE_MARK = "t:"
"""Prefix of an item's title words in the BM25 index: a field of their own. `tokenize` never yields
":", so a marked token cannot collide with a word."""


def item_tokens(title: str, text: str) -> list[str]:
    """BM25 tokens of an item: the words of its title marked (`TITLE_MARK`), the rest of its text plain
    (the title is cut from the start of the text when the text begins with it). A free word of a
    request ("funny") then finds films described by it, not films named by it ("Funny Face"); the
    words of a title the user named are searched in both fields (`title_terms`)."""
    body = text[len(title):] if title and text.startswith(title) else text
    return [TITLE_MARK + w for w in tokenize(title)] + tokenize(body)


def title_terms(words: list[str]) -> list[str]:
    """Query terms that search the title field and the text for each word."""
    return [t for w in words for t in (w, TITLE_MARK + w)]
