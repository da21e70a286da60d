"""Review snippets: other people's opinions, retrieved in line with the user's stance.

`store` holds snippets, opinions and aligned retrieval; `sources` builds a store from dialogues,
MovieLens tags, catalog tags and chat opinions; `evaluate` scores aligned retrieval honestly.
"""

from __future__ import annotations

from crs.reviews.sources import (
    build_reviews,
    rating_summaries,
    render_mentions,
    snippets_from_dialogues,
    snippets_from_movielens,
    snippets_from_ratings,
    snippets_from_tags,
)
from crs.reviews.store import (
    ASPECTS,
    Opinion,
    ReadOnlyReviews,
    ReviewStore,
    Snippet,
    aligned_text,
    alignment,
    film_opinion,
    find_aspects,
    is_opinion,
    make_snippet,
    merge_opinions,
    polarity_of,
    read_opinion,
    sentiment,
    wish_opinion,
)

__all__ = [
    "ASPECTS",
    "Opinion",
    "ReadOnlyReviews",
    "ReviewStore",
    "Snippet",
    "aligned_text",
    "alignment",
    "build_reviews",
    "film_opinion",
    "find_aspects",
    "is_opinion",
    "make_snippet",
    "merge_opinions",
    "polarity_of",
    "rating_summaries",
    "read_opinion",
    "render_mentions",
    "sentiment",
    "snippets_from_dialogues",
    "snippets_from_movielens",
    "snippets_from_ratings",
    "snippets_from_tags",
    "wish_opinion",
]
