"""Surface noise of the natural-language simulator, kept apart from its response model: register,
typos and sloppy titles. (Answer noise of the attribute simulator lives in `simulators.noise`.)

Noise is applied to the template text before slots are filled, so titles and names that carry
labels are never corrupted; titles get their own (label-preserving) sloppiness.
"""

from __future__ import annotations

import random
import re

_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)


def apply_register(text: str, register: str, rng: random.Random) -> str:
    """casual: lower-case start, drop the final full stop; formal: capitalise and punctuate."""
    if not text:
        return text
    if register == "casual":
        if rng.random() < 0.7 and not text.startswith("{"):
            text = text[0].lower() + text[1:]
        if text.endswith(".") and not text.endswith(".."):
            text = text[:-1]
    elif register == "formal":
        text = text[0].upper() + text[1:]
        if text[-1] not in ".!?)}":
            text += "."
    return text


def add_typo(text: str, rng: random.Random) -> str:
    """Swap two adjacent letters inside one word that is not a slot."""
    words = [m for m in re.finditer(r"[A-Za-z]{4,}", text) if not _in_slot(text, m.start())]
    if not words:
        return text
    m = words[rng.randrange(len(words))]
    i = rng.randrange(m.start() + 1, m.end() - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


def _in_slot(text: str, pos: int) -> bool:
    return text.rfind("{", 0, pos) > text.rfind("}", 0, pos)


def title_surface(title: str, year: int | None, exact: bool, rng: random.Random) -> str:
    """'Title (Year)' when exact, else a sloppy version: no year, sometimes lower case, no article."""
    if exact:
        return f"{title} ({year})" if year and rng.random() < 0.8 else title
    t = title
    if rng.random() < 0.5:
        t = _ARTICLE.sub("", t) or t
    return t.lower() if rng.random() < 0.6 else t
