"""Questions about an item ("who directed it?", "what's it about?") → the attribute to answer from.

Patterns are keyed by attribute name and used only for attributes the catalog's schema has; the
pseudo-attribute "text" means the item's description. Routing a question is dialogue management,
answering it is `TemplateGenerator` reading the catalog.
"""

from __future__ import annotations

import re

from crs.types import AttributeSchema

MORE_INFO = r"\btell me more\b|\bmore (?:info|information|details)\b"
"""A request for more about the film on the table, wherever it stands ("sounds good, tell me more")."""
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((a, re.compile(p, re.IGNORECASE)) for a, p in (
    ("director", r"\bwho\b.*\b(direct|directed|made)\b|\bdirector\b"),
    ("writers", r"\bwho wrote\b|\bwriters?\b|\bscreenplay\b"),
    ("stars", r"\bwho('s| is| are)? (in|starring)\b|\bactors?\b|\bactress\b|\bcast\b|\bwho stars\b|\bstarring\b"),
    ("runtime", r"\bhow long\b|\bruntime\b|\blength\b|\bminutes\b"),
    ("year", r"\b(what|which) year\b|\bwhen\b.*\b(made|released|come out|came out)\b|\bhow old\b"),
    ("imdb_rating", r"\bimdb\b|\bscore\b|\bhow good\b|\brating\b"),
    ("mpaa", r"\brated\b|\bage rating\b|\bmpaa\b|\bkid[- ]friendly\b"),
    ("genres", r"\bgenres?\b|\bwhat kind of (movie|film)\b"),
    ("tags", r"\btags?\b|\bthemes?\b"),
    ("text", r"\bwhat('s| is)\b.*\babout\b|\bplot\b|\bsynopsis\b|\bstory\b|\btell me (more )?about\b|\bdescribe\b|"
             + MORE_INFO),
))
_QUESTION = re.compile(r"\?\s*$|^\s*(who|what|when|how|which|tell me|is it|does it)\b|" + MORE_INFO, re.IGNORECASE)


def question_attribute(text: str, schema: AttributeSchema) -> str | None:
    """The attribute a question asks about, or None when `text` is not an item question."""
    if not _QUESTION.search(text):
        return None
    for attr, rx in PATTERNS:
        if rx.search(text):
            return attr  # may be absent from the schema: the generator then says it does not know
    return None
