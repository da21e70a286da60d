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
