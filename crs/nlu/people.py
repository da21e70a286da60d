"""People asked for on a catalog that has no cast or crew: found, so the agent can say it cannot
search by them instead of matching the name's words against titles ("something with Tom Hanks" →
"There's Something About Mary", "Tom Jones").

Only written names are found: one to three capitalised words after a people cue ("with Tom Hanks",
"starring Meryl Streep", "directed by Nolan", "a film by Christopher Nolan"), or two or three before
"movies"/"films" ("Tom Cruise movies", "Wes Anderson's films"). Spans the linker already took
(a title such as "with Jurassic Park") are left alone; lower-case names are not found (no name list).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from crs.nlu.entities import Link

_NAME = r"[A-Z][a-zà-ÿ'’.-]+"
_AFTER_CUE = re.compile(
    rf"\b(?:(?:starring|featuring|directed by|(?:a |an )?(?:movie|film)s? by|by director|actor|actress|director)\s+"
    rf"((?:{_NAME})(?:\s+{_NAME}){{0,2}})|with\s+((?:{_NAME})(?:\s+{_NAME}){{1,2}}))"
)
_BEFORE_NOUN = re.compile(rf"\b((?:{_NAME})(?:\s+{_NAME}){{1,2}})(?:'s|’s)?\s+(?:movies|films|flicks)\b")
_NOT_NAMES = frozenset(["The", "A", "An", "I", "Any", "Some", "Something", "Anything", "Netflix", "Hulu", "Disney",
                        "Marvel", "Pixar", "Christmas", "Halloween", "English", "French", "Spanish", "Korean",
                        "Japanese", "Italian", "German", "Indian", "Chinese", "Bollywood", "Hollywood", "Oscar",
                        "Oscars", "Academy", "Award", "Awards", "My", "Your", "Our", "His", "Her", "Their"])


def unlinked_people(text: str, links: Sequence[Link]) -> list[tuple[tuple[int, int], str]]:
    """(span, name) of each written person name no link covers, in text order, each name once."""
    taken = [lk.span for lk in links]
    found: dict[str, tuple[int, int]] = {}
    for pattern in (_AFTER_CUE, _BEFORE_NOUN):
        for m in pattern.finditer(text):
            group = next(g for g in range(1, (m.lastindex or 1) + 1) if m.group(g))
            start, end = m.span(group)
            words = m.group(group).split()
            if words[0] in _NOT_NAMES or any(s < end and start < e for s, e in taken):
                continue
            name = re.sub(r"(?:'s|’s)$", "", " ".join(words).rstrip("."))
            found.setdefault(name, (start, end))
    return sorted(((span, name) for name, span in found.items()), key=lambda x: x[0])


def no_people_notice(names: Sequence[str]) -> str:
    """What the agent says when asked for people it has no data about."""
    who = " or ".join(dict.fromkeys(names))
    return (f"This catalog has no cast or crew information, so I can't search by {who}; "
            "genres, years, length or titles you liked work.")
