"""Grounded explanations: why an item fits, from the attributes it actually has.

Every clause names a value the item carries in the catalog: a constraint it satisfies, a value it
shares with an item the user liked, or a value the user asked for in words. Nothing is invented.
Attribute phrasing comes from `PHRASES` (known schema names) with a generic fallback, so any
catalog schema works.
"""

from __future__ import annotations

from collections.abc import Sequence

from crs.types import AttributeKind, AttrValue, Catalog, DialogueState, Item

PHRASES: dict[str, str] = {
    "director": "directed by {v}",
    "writers": "written by {v}",
    "stars": "starring {v}",
    "genres": "{v}",
    "tags": "tagged “{v}”",
    "decade": "from the {v}",
    "mpaa": "rated {v}",
    "year": "from {v}",
    "runtime": "{v} minutes long",
}
LABELS: dict[str, str] = {"genres": "genre", "stars": "actor", "writers": "writer", "tags": "theme",
                          "mpaa": "age rating", "imdb_rating": "IMDb rating", "imdb_votes": "number of votes"}
SKIP_SHARED = {"year", "imdb_votes", "imdb_rating", "runtime"}


def label(attribute: str) -> str:
    return LABELS.get(attribute, attribute.replace("_", " "))


def phrase(attribute: str, value: AttrValue) -> str:
    v = ", ".join(map(str, value[:3])) if isinstance(value, tuple) else str(value)
    if isinstance(value, float) and value.is_integer():
        v = str(int(value))
    return PHRASES.get(attribute, label(attribute) + " {v}").format(v=v)


def format_value(value: AttrValue) -> str:
    if isinstance(value, tuple):
        return ", ".join(map(str, value[:4]))
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def constraint_reasons(item: Item, state: DialogueState) -> list[str]:
    """Clauses for the hard constraints the item satisfies (include and numeric bounds)."""
    out: list[str] = []
    for c in state.constraints:
        if c.op == "include" and str(c.value) in item.values(c.attribute):
            out.append(phrase(c.attribute, str(c.value)))
        elif c.op in ("ge", "gt", "le", "lt", "eq"):
            v = item.attributes.get(c.attribute)
            if isinstance(v, (int, float)):
                out.append(phrase(c.attribute, v))
    return list(dict.fromkeys(out))


def shared_with(item: Item, liked: Sequence[Item], catalog: Catalog) -> tuple[Item, str] | None:
    """The most specific attribute value the item shares with a liked item (most recent first).

    Specificity: attributes with more distinct values (director, stars) beat broad ones (genres)."""
    attrs = sorted((a for a in catalog.schema if a.name not in SKIP_SHARED and a.kind is not AttributeKind.NUMERIC),
                   key=lambda a: -len(a.values))
    for a in attrs:
        mine = set(item.values(a.name))
        if not mine:
            continue
        for other in reversed(liked):
            if other.id == item.id:
                continue
            common = [v for v in other.values(a.name) if v in mine]
            if common:
                return other, phrase(a.name, tuple(common[:2]))
    return None


def preference_reasons(item: Item, state: DialogueState, catalog: Catalog) -> list[str]:
    """Clauses for values of the item that the user named in a preference phrase."""
    if not state.preferences:
        return []
    text = " ".join(state.preferences[-3:]).lower()
    out = []
    for a in catalog.schema:
        if a.kind is AttributeKind.NUMERIC:
            continue
        for v in item.values(a.name):
            if len(v) >= 3 and v.lower() in text:
                out.append(phrase(a.name, v))
    return out[:2]


def explain(item: Item, state: DialogueState, catalog: Catalog, liked: Sequence[Item]) -> tuple[str, Item | None]:
    """A short grounded reason for recommending `item`, and the liked item it resembles (if any)."""
    clauses = constraint_reasons(item, state) + preference_reasons(item, state, catalog)
    similar = shared_with(item, liked, catalog)
    if similar is not None:
        clauses = [c for c in clauses if c not in similar[1]]  # no "also action; it's action"
        clauses.insert(0, "it's also " + similar[1])
    clauses = list(dict.fromkeys(clauses))[:3]
    if not clauses:
        fallback = [phrase(n, item.attributes[n]) for n in ("genres", "director", "decade") if item.attributes.get(n)]
        clauses = ["it's " + ", ".join(fallback[:2])] if fallback else []
    text = "; ".join(c if c.startswith("it") else "it's " + c for c in clauses)
    return text, (similar[0] if similar else None)
