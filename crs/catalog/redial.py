"""ReDial catalog: ReDial movies + IMDb metadata + MovieLens ratings/tags + ReDial dialogues.

Items are the union of `redial/movies_with_mentions.csv` and `redial-movie-metadata/id2info.json`
(ids = ReDial `@movieId`). Interactions (users × items): MovieLens ratings linked by IMDb id
(`"tt" + links.csv imdbId`), plus one pseudo-user per ReDial train dialogue whose seeker liked
(or mentioned) movies — the dialogue files used are configurable, and `exclude_ids` leaves out the
dialogues being evaluated. Popularity counts ratings plus mentions in those same training dialogues
(never the corpus-wide `nbMentions` of `movies_with_mentions.csv`, which counts every ReDial split).
`meta["dialogue_ids"]` lists the conversations the catalog learned from (leak checks).
"""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from crs.catalog.dialogues import read_dialogues
from crs.catalog.errors import CatalogError
from crs.catalog.util import decade, read_json, require_file, split_title_year
from crs.types import Attribute, AttributeKind, AttributeSchema, Catalog, Item

DEFAULT_DIALOGUES = ("redial/train_subset_1000_annotated.jsonl", "redial/train_subset_raw.jsonl")


def _read_csv(path: Path) -> list[dict[str, str]]:
    require_file(path)
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _movielens(root: Path, imdb_to_item: dict[str, str]
              ) -> tuple[dict[str, list[tuple[int, str, float, int]]], dict[str, Counter[str]]]:
    """Ratings and tags linked to ReDial item ids: {item: [(user, item, rating, ts)]}, {item: tag counts}."""
    ml = root / "movielens-latest-small"
    if not ml.exists():
        return {}, {}
    ml_to_item: dict[str, str] = {}
    for row in _read_csv(ml / "links.csv"):
        item = imdb_to_item.get("tt" + row["imdbId"])
        if item:
            ml_to_item[row["movieId"]] = item
    ratings: dict[str, list[tuple[int, str, float, int]]] = defaultdict(list)
    for row in _read_csv(ml / "ratings.csv"):
        item = ml_to_item.get(row["movieId"])
        if item:
            ratings[item].append((int(row["userId"]), item, float(row["rating"]), int(row["timestamp"])))
    tags: dict[str, Counter[str]] = defaultdict(Counter)
    for row in _read_csv(ml / "movies.csv"):  # titles, used where ReDial's own title is empty
        item = ml_to_item.get(row["movieId"])
        if item:
            tags[item]["\x00title:" + row["title"]] = 0
    for row in _read_csv(ml / "tags.csv"):
        item = ml_to_item.get(row["movieId"])
        if item and row["tag"].strip():
            tags[item][row["tag"].strip().lower()] += 1
    return ratings, tags


def _text(title: str, year: int | None, info: dict[str, Any], tags: Iterable[str]) -> str:
    parts = [f"{title} ({year})." if year else f"{title}."]
    if info.get("plot"):
        parts.append(str(info["plot"]).strip())
    if info.get("genre"):
        parts.append("Genres: " + ", ".join(info["genre"]) + ".")
    if info.get("director"):
        parts.append("Directed by " + ", ".join(info["director"]) + ".")
    if info.get("star"):
        parts.append("Starring " + ", ".join(info["star"]) + ".")
    tags = list(tags)
    if tags:
        parts.append("Tags: " + ", ".join(tags) + ".")
    return " ".join(parts)


def load_redial(root: Path, dialogue_files: Iterable[str | Path] | None = None,
                exclude_ids: Iterable[str] = ()) -> Catalog:
    """Load the ReDial catalog from a data directory holding the ReDial bundle, learning from the
    dialogues of `dialogue_files` except the conversations in `exclude_ids`."""
    root = Path(root)
    info_path = root / "redial-movie-metadata" / "id2info.json"
    id2info = read_json(info_path)
    if not isinstance(id2info, dict):
        raise CatalogError(info_path, "expected a JSON object {movieId: info}")
    mentions_csv = _read_csv(root / "redial" / "movies_with_mentions.csv")
    excluded = frozenset(str(i) for i in exclude_ids)
    files = [Path(f) if Path(f).is_absolute() else root / f for f in (dialogue_files if dialogue_files is not None else DEFAULT_DIALOGUES)]
    dialogues = [d for f in files if f.exists() for d in read_dialogues(f).dialogues if d.conversation_id not in excluded]
    n_mentions: Counter[str] = Counter(m for d in dialogues for m in {*d.mentions, *(x for msg in d.messages for x in msg.movies)})
    names = {r["movieId"]: r["movieName"] for r in mentions_csv}
    for mid, info in id2info.items():
        if not isinstance(info, dict) or "name" not in info:
            raise CatalogError(info_path, f"entry {mid!r} lacks 'name'")
        names.setdefault(mid, info["name"])
    ids = sorted(names, key=lambda x: int(x) if x.isdigit() else x)
    imdb_to_item = {str(info.get("imdb_id")): mid for mid, info in id2info.items() if info.get("imdb_id")}
    ratings, tags = _movielens(root, imdb_to_item)

    items: list[Item] = []
    values: dict[str, set[str]] = defaultdict(set)
    for mid in ids:
        info = id2info.get(mid, {})
        title, year = split_title_year(info.get("name") or names[mid])
        item_tags = tags.get(mid, Counter())
        if not title:  # a few ReDial entries have an empty title: take MovieLens's, else a placeholder
            ml_title = next((t[7:] for t in item_tags if t.startswith("\x00title:")), "")
            title = split_title_year(ml_title)[0] or f"ReDial movie {mid}"
        top_tags = tuple(t for t, n in item_tags.most_common(10) if n > 0)
        attrs: dict[str, Any] = {
            "genres": tuple(g.strip().lower() for g in info.get("genre", []) if g.strip()),
            "year": year,
            "decade": decade(year),
            "director": tuple(info.get("director", [])),
            "writers": tuple(info.get("writer", [])),
            "stars": tuple(info.get("star", [])),
            "tags": top_tags,
        }
        attrs = {k: v for k, v in attrs.items() if v is not None and v != ()}
        for k, v in attrs.items():
            if isinstance(v, tuple):
                values[k].update(v)
            elif k == "decade":
                values[k].add(v)
        text = _text(title, year, info, top_tags) if (info.get("plot") or top_tags) else ""
        pop = math.log1p(n_mentions.get(mid, 0) + len(ratings.get(mid, ())))
        items.append(Item(mid, title, year, text, attrs, pop))
    row_of = {it.id: i for i, it in enumerate(items)}

    rows, cols, vals = [], [], []
    for recs in ratings.values():
        for user, item, rating, _ts in recs:
            rows.append(user)
            cols.append(row_of[item])
            vals.append(rating)
    n_users = max(rows) + 1 if rows else 0
    n_dialogue_users = 0
    for d in dialogues:
        liked = [m for m, q in d.seeker_labels.items() if q.get("liked") != 0 and m in row_of]
        if len(liked) < 2:
            continue
        for m in liked:
            rows.append(n_users + n_dialogue_users)
            cols.append(row_of[m])
            vals.append(4.0)
        n_dialogue_users += 1
    inter = sp.csr_matrix((np.array(vals, np.float32), (rows, cols)), shape=(n_users + n_dialogue_users, len(items)))
    inter.sum_duplicates()
    decades = sorted(values.pop("decade", set()))
    schema = AttributeSchema((
        Attribute("genres", AttributeKind.MULTI, tuple(sorted(values["genres"])), "IMDb genres (lower case)"),
        Attribute("year", AttributeKind.NUMERIC, (), "release year"),
        Attribute("decade", AttributeKind.ORDINAL, tuple(decades), "release decade"),
        Attribute("director", AttributeKind.MULTI, tuple(sorted(values["director"])), "directors"),
        Attribute("writers", AttributeKind.MULTI, tuple(sorted(values["writers"])), "writers"),
        Attribute("stars", AttributeKind.MULTI, tuple(sorted(values["stars"])), "top-billed actors"),
        Attribute("tags", AttributeKind.MULTI, tuple(sorted(values["tags"])), "MovieLens user tags"),
    ))
    meta = {
        "root": str(root),
        "with_metadata": sum(1 for i in ids if i in id2info),
        "movielens_users": n_users,
        "dialogue_users": n_dialogue_users,
        "imdb_ids": {mid: info.get("imdb_id") for mid, info in id2info.items()},
        "ratings": ratings,
        "dialogue_ids": frozenset(d.conversation_id for d in dialogues),
        "excluded_dialogues": excluded,
    }
    return Catalog("redial", tuple(items), schema, inter, meta=meta)
