"""ReDial dialogues on another movie catalog: ids matched by normalised title and year.

The default catalog (MovieLens) has no ReDial ids, but the same films: `crosswalk` maps each
ReDial movie to the catalog item with the same normalised title and year (about two thirds of the
films that ReDial seekers accepted have one), and `translate_dialogues` rewrites a dialogue's
movie ids (mentions, labels, `@id` tokens in the text). A film without a match keeps a
`redial:`-prefixed id that no catalog has, so it can never be confused with another catalog's id.
This lets the target-free user model and the chat policy's training run on the default catalog.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from crs.catalog.dialogues import Dialogue
from crs.types import Catalog

_MENTION = re.compile(r"@(\d+)")
UNMATCHED = "redial:"


def title_key(title: str, year: int | None) -> tuple[str, int | None]:
    """Lower-case alphanumerics of the title, and the year."""
    return re.sub(r"[^a-z0-9]", "", title.lower()), year


def crosswalk(source: Catalog, target: Catalog) -> dict[str, str]:
    """source id → target id for every film of `source` with a same-title, same-year film in `target`."""
    by_key: dict[tuple[str, int | None], str] = {}
    for it in target.items:
        by_key.setdefault(title_key(it.title, it.year), it.id)
    out = {}
    for it in source.items:
        hit = by_key.get(title_key(it.title, it.year))
        if hit is not None:
            out[it.id] = hit
    return out


def translate_dialogues(dialogues: Iterable[Dialogue], ids: Mapping[str, str]) -> list[Dialogue]:
    """The dialogues with their movie ids mapped by `ids` (unmatched ids get the `redial:` prefix)."""

    def to(mid: str) -> str:
        return ids.get(mid, f"{UNMATCHED}{mid}")

    out = []
    for d in dialogues:
        messages = tuple(replace(m, text=_MENTION.sub(lambda g: f"@{to(g.group(1))}", m.text),
                                 movies=tuple(to(x) for x in m.movies)) for m in d.messages)
        out.append(replace(d, messages=messages, mentions={to(k): v for k, v in d.mentions.items()},
                           seeker_labels={to(k): v for k, v in d.seeker_labels.items()},
                           recommender_labels={to(k): v for k, v in d.recommender_labels.items()}))
    return out


def on_catalog(dialogues: Iterable[Dialogue], catalog: Catalog, data_dir: str | None) -> list[Dialogue]:
    """ReDial dialogues with ids of `catalog` (unchanged for the ReDial catalog itself)."""
    if catalog.name == "redial":
        return list(dialogues)
    from crs.catalog import load_catalog

    return translate_dialogues(dialogues, crosswalk(load_catalog("redial", data_dir=data_dir), catalog))
