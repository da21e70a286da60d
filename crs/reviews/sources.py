"""Where review snippets come from: dialogues, MovieLens tags with the tagger's rating, catalog tags, chat.

- ReDial seeker messages that mention exactly one movie, with the seeker's post-chat `liked`
  label as polarity (VADER's sign where the label is "didn't say");
- MovieLens user tags, grouped per (user, movie), with the polarity of that user's own rating of
  the movie (≥ 4 positive, ≤ 2.5 negative, else neutral): "“slow”, “boring”" from someone who gave
  it 2/5 is an honest negative;
- a catalog's `tags` attribute (one aggregated snippet per item) where no per-user tags exist;
- rating summaries ("41 of 60 MovieLens viewers rated it 4/5 or higher"; the negative count when
  at least two rated it ≤ 2.5): from the MovieLens files, or from a catalog's own explicit ratings
  (the embedded default catalog, whose packaged data has ratings but no tags or review text);
- opinions users gave in chat, persisted in the SQLite `Store`.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from crs.reviews.store import _MENTION, ReviewStore, Snippet, make_snippet, polarity_of
from crs.types import Catalog

if TYPE_CHECKING:
    from crs.catalog.dialogues import Dialogue
    from crs.store import Store

_CLAUSE = re.compile(r"(?<=[.!?])\s+|\bbut\b|\bhowever\b|\balthough\b")
LIKED_RATING = 4.0
"""A MovieLens rating at or above this makes the rater's tags a positive snippet."""
DISLIKED_RATING = 2.5
"""A MovieLens rating at or below this makes the rater's tags a negative snippet."""


def render_mentions(text: str, item_id: str, titles: dict[str, str]) -> str:
    """`@id` mentions replaced by titles (the snippet's own film by its title)."""
    return _MENTION.sub(lambda m: titles.get(m.group(1), "that one") if m.group(1) != item_id
                        else titles.get(item_id, "it"), text).strip()


def snippets_from_dialogues(dialogues: Iterable[Dialogue], catalog: Catalog, min_words: int = 4) -> list[Snippet]:
    """Seeker and recommender messages about a movie, polarity from that speaker's post-chat `liked`
    label (VADER's sign where the label is "didn't say"). A message naming several movies gives one
    snippet per labelled movie: the clause around its mention ("I loved A but B was boring")."""
    titles = {it.id: it.title for it in catalog.items}
    out: list[Snippet] = []
    for d in dialogues:
        for m in d.messages:
            labels = d.seeker_labels if m.role == "seeker" else d.recommender_labels
            movies = [x for x in dict.fromkeys(m.movies) if x in titles]
            for item in movies:
                liked = labels.get(item, {}).get("liked")
                if len(movies) > 1 and liked not in (0, 1):
                    continue
                raw = m.text if len(movies) == 1 else next((c for c in _CLAUSE.split(m.text) if c and item in _MENTION.findall(c)), "")
                text = render_mentions(raw, item, titles)
                if len(text.split()) < min_words:
                    continue
                pol = 1 if liked == 1 else -1 if liked == 0 else polarity_of(text)
                source = "redial" if m.role == "seeker" else "redial-recommender"
                out.append(make_snippet(item, text, pol, source, d.conversation_id))
    return out


def snippets_from_tags(catalog: Catalog, attribute: str = "tags") -> list[Snippet]:
    """One short review per item from its aggregated tags (VADER polarity of the tag words)."""
    if attribute not in catalog.schema:
        return []
    out = []
    for it in catalog.items:
        tags = it.values(attribute)
        if tags:
            text = ", ".join(f"“{t}”" for t in tags[:5])
            out.append(make_snippet(it.id, text, polarity_of(" ".join(tags)), "tags"))
    return out


def _csv(path: Path, *columns: str) -> list[tuple[str, ...]]:
    """The named columns of a CSV file with a header row (plain `csv.reader`: ratings.csv has 100k rows)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows, [])
        idx = [header.index(c) for c in columns]
        return [tuple(r[i] for i in idx) for r in rows if len(r) == len(header)]


def _movielens(root: Path, catalog: Catalog) -> tuple[list[tuple[str, str, str]], dict[tuple[str, str], float]]:
    """MovieLens (user, item, tag) rows and {(user, item): rating}, items linked to the catalog by IMDb id."""
    info_path, ml = root / "redial-movie-metadata" / "id2info.json", root / "movielens-latest-small"
    if not info_path.is_file() or not (ml / "tags.csv").is_file():
        return [], {}
    info = json.loads(info_path.read_text(encoding="utf-8"))
    imdb = {str(v.get("imdb_id")): k for k, v in info.items() if isinstance(v, dict) and v.get("imdb_id")}
    link = {m: item for m, i in _csv(ml / "links.csv", "movieId", "imdbId")
            if (item := imdb.get("tt" + i)) and item in catalog}
    tags = [(u, link[m], t.strip()) for u, m, t in _csv(ml / "tags.csv", "userId", "movieId", "tag")
            if m in link and t.strip()]
    ratings = {(u, link[m]): float(r) for u, m, r in _csv(ml / "ratings.csv", "userId", "movieId", "rating") if m in link}
    return tags, ratings


def _stance(stars: float | None) -> int:
    return 0 if stars is None else 1 if stars >= LIKED_RATING else -1 if stars <= DISLIKED_RATING else 0


def snippets_from_movielens(root: Path, catalog: Catalog, min_raters: int = 5) -> list[Snippet]:
    """MovieLens evidence for the ReDial bundle under `root` ([] when its files are absent):

    - tags per (user, movie), polarity from that user's own rating of the movie;
    - a rating summary per movie with at least `min_raters` ratings: how many rated it ≥ 4/5
      (positive) and, when at least two did, how many ≤ 2.5/5 (negative): real opinions, not text."""
    tag_rows, ratings = _movielens(root, catalog)
    tags: dict[tuple[str, str], list[str]] = defaultdict(list)
    for user, item, tag in tag_rows:
        if tag.lower() not in (t.lower() for t in tags[(user, item)]):
            tags[(user, item)].append(tag)
    out = []
    for (user, item), words in sorted(tags.items()):
        stars = ratings.get((user, item))
        text = ", ".join(f"“{t}”" for t in words[:6])
        out.append(make_snippet(item, text, _stance(stars), "movielens", f"movielens-user-{user}", rating=stars))
    per_item: dict[str, list[float]] = defaultdict(list)
    for (_user, item), stars in ratings.items():
        per_item[item].append(stars)
    return out + rating_summaries(per_item, min_raters)


def rating_summaries(per_item: dict[str, list[float]], min_raters: int = 5, who: str = "MovieLens viewers") -> list[Snippet]:
    """Per item with at least `min_raters` ratings on a 0.5–5 scale: how many rated it ≥ 4 (positive)
    and, when at least two did, how many ≤ 2.5 (negative). Real opinions, though not text."""
    out = []
    for item, stars_list in sorted(per_item.items()):
        n = len(stars_list)
        if n < min_raters:
            continue
        liked = sum(x >= LIKED_RATING for x in stars_list)
        disliked = sum(x <= DISLIKED_RATING for x in stars_list)
        if liked:
            out.append(Snippet(item, f"{liked} of {n} {who} rated it {LIKED_RATING:g}/5 or higher", 1, (), "ratings", -1.0))
        if disliked >= 2:
            out.append(Snippet(item, f"{disliked} of {n} {who} rated it {DISLIKED_RATING:g}/5 or lower", -1, (), "ratings", -1.0))
    return out


def snippets_from_ratings(catalog: Catalog, min_raters: int = 5) -> list[Snippet]:
    """Rating summaries from a catalog's own explicit ratings (values on a 0.5–5 scale, e.g. the
    embedded default catalog's MovieLens ratings); [] for implicit or other scales."""
    X = catalog.interactions
    if X is None or X.nnz == 0:
        return []
    vals = X.data
    if float(vals.min()) < 0.5 or float(vals.max()) > 5.0 or float(vals.min()) == float(vals.max()):
        return []
    csc = X.tocsc()
    per_item = {catalog.items[c].id: csc.data[csc.indptr[c]:csc.indptr[c + 1]].tolist() for c in range(csc.shape[1])
                if csc.indptr[c + 1] - csc.indptr[c] >= min_raters}
    who = "MovieLens viewers" if "movielens" in str(catalog.meta.get("source", "")).lower() else "raters"
    return rating_summaries(per_item, min_raters, who)


def build_reviews(catalog: Catalog, data_dir: str | Path | None = None, store: Store | None = None,
                  dialogue_files: Sequence[str | Path] | None = None,
                  exclude: Iterable[str] = ()) -> ReviewStore:
    """Review store for a catalog: ReDial seeker messages and MovieLens per-user tags (ReDial catalog
    with a data dir; the dialogues the catalog excludes and those in `exclude` are left out), the
    catalog's aggregated tags otherwise, and the chat opinions persisted in `store`."""
    excluded = frozenset(catalog.meta.get("excluded_dialogues", ())) | frozenset(exclude)
    snippets: list[Snippet] = []
    if catalog.name == "redial" and (data_dir is not None or dialogue_files):
        from crs.catalog.dialogues import read_dialogues
        from crs.catalog.redial import DEFAULT_DIALOGUES

        root = Path(data_dir) if data_dir is not None else Path(".")
        snippets += snippets_from_movielens(root, catalog)
        for f in dialogue_files or [root / p for p in DEFAULT_DIALOGUES]:
            if Path(f).exists():
                snippets += snippets_from_dialogues([d for d in read_dialogues(f).dialogues
                                                     if d.conversation_id not in excluded], catalog)
    if not any(s.source == "movielens" for s in snippets):
        snippets += snippets_from_tags(catalog) + snippets_from_ratings(catalog)
    if store is not None:
        snippets += [make_snippet(i, t, p, "chat") for i, t, p, _u in store.reviews() if i in catalog]
    return ReviewStore(snippets, store)
