"""Dialogue-to-item retrieval: the query built from the whole dialogue so far, a learned query
projection, and the candidate rows a chat turn scores.

- `dialogue_query(catalog, state)`: one text from what the state holds, newest first (so MiniLM's
  256-token window keeps the latest words): the preference phrases (the parser's soft phrases and
  rewritten critiques; in the ReDial evaluation the seeker's messages with titles resolved), the
  titles of the items mentioned by either speaker (disliked ones left out), and the names of the
  other entities mentioned positively (genres, people).
- `QueryProjection`: q -> normalise(W q + b), trained on (dialogue context -> liked suggested film)
  pairs of the training dialogues (`crs.retrieval.train_projection`, `crs train retriever`). Item
  vectors are left as they are, so the dense index (exact or FAISS IVF-PQ) serves projected queries.
- `DialogueRetriever.candidates(state, allow)`: the live path of every turn at every catalog size:
  hybrid search under the allow-mask (the union of the dense top `DEPTH` for the projected query
  and the BM25 top `N_LEXICAL` over item text: on ReDial dev half A the union kept more of the
  recommended films than reciprocal-rank fusion of the two lists), the dense neighbours of the liked
  items, and the most popular allowed rows; the ranker re-scores only these rows, fusing the dense
  and BM25 scores with the other signals by learned weights.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Container, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from crs.retrieval.errors import RetrievalError
from crs.retrieval.text import TITLE_MARK, tokenize
from crs.types import Catalog, DialogueState

if TYPE_CHECKING:
    from crs.retrieval.engine import SearchEngine

MAX_PHRASES = 8
"""Newest preference phrases kept in the query."""
MAX_PHRASE_CHARS = 300
MAX_QUERY_CHARS = 250
"""The query is cut to this length, newest words kept (and a 10 MB message costs no more): one int8 MiniLM
encoding of ~58 word pieces per turn (~19 ms CPU; the float graph at 400 characters ~30 ms, at 1,500
~125 ms). 250 kept dev half A's recall of 400; 160 and 200 lost some (docs/retrieval-and-ranking.md)."""
REQUEST_WORDS = frozenset(
    """like likes liked enjoyed something anything ones one movie movies film films flick flicks want
    wanted wanting need looking look please recommend recommended recommendation recommendations
    suggest suggestion suggestions watch watched watching seen saw see maybe perhaps really also kind
    sort type thing things else any thanks thank hi hello hey yes yeah ok okay sure well got get give
    mood lately tonight today fine""".split()  # noqa: SIM905
)
"""Words of the request itself ("any good movies like ..."), not of what is wanted: left out of the BM25
query, where they matched titles ("any recent ones like 2018" → "Think Like a Man", "something with ..." →
"There's Something About Mary") on a catalog whose item text is little more than a title. Words that
can describe a film ("love", "fun", "good") stay: a longer list (them included) cost the ReDial profile
simulation 3 of 300 episodes, this one 2 (within noise). The dense query keeps every word."""
SHIPPED_DIR = Path(__file__).resolve().parents[2] / "data" / "models"
PROJECTION_NAME = "retriever-projection.npz"


def dialogue_query(catalog: Catalog, state: DialogueState, max_phrases: int = MAX_PHRASES) -> str:
    """The retrieval query of a dialogue state, newest first (see module doc); "" when nothing is known."""
    return ". ".join(text for _, text in query_parts(catalog, state, max_phrases))[:MAX_QUERY_CHARS]


def query_parts(catalog: Catalog, state: DialogueState, max_phrases: int = MAX_PHRASES) -> list[tuple[str, str]]:
    """The parts of the dialogue query, newest first, as (kind, text): kind "phrase" (a preference
    phrase), "title" (the display title of a film either speaker mentioned, disliked ones left out) or
    "name" (another entity mentioned positively: a genre, a person)."""
    parts = [("phrase", p.strip()[:MAX_PHRASE_CHARS]) for p in reversed(state.preferences[-max_phrases:]) if p.strip()]
    disliked = {m.entity for m in state.mentions if m.kind == "item" and m.polarity < 0} | set(state.rejected)
    seen: set[str] = set()
    for m in reversed(state.mentions):
        if m.entity in seen:
            continue
        seen.add(m.entity)
        if m.kind == "item":
            if m.entity in catalog and m.entity not in disliked:
                parts.append(("title", catalog.item(m.entity).display))
        elif m.polarity >= 0:  # an attribute value ("genres=horror") or a person ("person:Name")
            name = m.text or m.entity.split("=", 1)[-1].split(":", 1)[-1]
            parts.append(("name", name.strip()[:MAX_PHRASE_CHARS]))
    return [(kind, text) for kind, text in parts if text]


def lexical_query(catalog: Catalog, state: DialogueState) -> list[str]:
    """The BM25 tokens of the dialogue query (the same `MAX_QUERY_CHARS` of it): the words of phrases
    and names less stop words and `REQUEST_WORDS`, searched in the item text; the words of the titles
    of mentioned films searched in the title field as well (`title_terms`), so "funny" finds funny
    films and a named film still finds its sequels."""
    terms: list[str] = []
    start = 0
    for kind, text in query_parts(catalog, state):
        if start >= MAX_QUERY_CHARS:
            break
        words = tokenize(text[:MAX_QUERY_CHARS - start])
        start += len(text) + 2  # the ". " that joins the parts
        plain = [t for t in words if t not in REQUEST_WORDS]
        terms += plain if kind != "title" else plain + [TITLE_MARK + t for t in words]
    return terms


@dataclass(frozen=True)
class QueryProjection:
    """q -> normalise(W q + b): maps an encoded dialogue into the item-vector space."""

    W: np.ndarray
    b: np.ndarray
    key: str = ""
    """Fingerprint of the training config and data (the manifest's `key`)."""

    def __call__(self, q: np.ndarray) -> np.ndarray:
        v = self.W @ np.asarray(q, dtype=np.float32) + self.b
        n = float(np.linalg.norm(v))
        return (v / n).astype(np.float32) if n > 0 else np.asarray(q, dtype=np.float32)

    def batch(self, Q: np.ndarray) -> np.ndarray:
        V = np.asarray(Q, dtype=np.float32) @ self.W.T + self.b
        n = np.linalg.norm(V, axis=1, keepdims=True)
        return (V / np.where(n > 0, n, 1.0)).astype(np.float32)

    def save(self, path: Path) -> None:
        from crs.retrieval.persist import save_arrays

        save_arrays(Path(path), self.key, {"W": self.W.astype(np.float32), "b": self.b.astype(np.float32)})

    @classmethod
    def load(cls, path: Path) -> QueryProjection:
        """Load a saved projection; a missing, corrupt or malformed file raises `RetrievalError`."""
        from crs.retrieval.persist import load_arrays

        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                key = str(z["__fingerprint"].item())
        except Exception as e:
            raise RetrievalError(f"retriever projection {path} unreadable ({e}); run `crs train retriever`") from e
        arrays = load_arrays(path, key)
        if arrays is None or arrays["W"].ndim != 2 or arrays["W"].shape[0] != arrays["b"].shape[0]:
            raise RetrievalError(f"retriever projection {path} is corrupt; run `crs train retriever`")
        return cls(arrays["W"], arrays["b"], key)


def shipped_projection(dim: int, directory: Path = SHIPPED_DIR) -> QueryProjection | None:
    """The projection shipped in data/models (None when absent or of another dimension)."""
    path = directory / PROJECTION_NAME
    if not path.exists():
        return None
    proj = QueryProjection.load(path)
    return proj if proj.W.shape == (dim, dim) else None


def manifest_key(config: dict[str, object], pairs: Sequence[tuple[str, str]]) -> str:
    """Fingerprint of a training run: its config and the (context digest, target id) pairs."""
    h = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    for a, b in pairs:
        h.update(f"{a}\t{b}\n".encode())
    return h.hexdigest()[:16]


DEPTH = 300
"""Rows the dense search (projected dialogue query) returns per turn."""
N_LEXICAL = 100
"""Rows the BM25 search (dialogue query over item text) returns per turn."""
N_LIKED = 100
"""Dense neighbours of the liked-items centroid added to the candidates."""
N_POPULAR = 100
"""Most popular allowed rows added to the candidates (the prior that carries cold turns)."""


class DialogueRetriever:
    """The per-turn candidate generator over a `SearchEngine`, with an optional query projection."""

    def __init__(self, catalog: Catalog, engine: SearchEngine, projection: QueryProjection | None = None,
                 depth: int = DEPTH, n_lexical: int = N_LEXICAL, n_liked: int = N_LIKED,
                 n_popular: int = N_POPULAR) -> None:
        self.catalog = catalog
        self.engine = engine
        self.projection = projection
        self.depth, self.n_lexical, self.n_liked, self.n_popular = depth, n_lexical, n_liked, n_popular
        self._popular_order: np.ndarray | None = None

    def query(self, state: DialogueState) -> str:
        return dialogue_query(self.catalog, state)

    def lexical_query(self, state: DialogueState) -> list[str]:
        return lexical_query(self.catalog, state)

    def vector(self, text: str) -> np.ndarray | None:
        """The (projected) query vector of a dialogue query; None for an empty or vocabulary-free query."""
        if not meaningful(text, self.engine.lexical.words):
            return None
        q = self.engine.encode_query(text)
        return self.projection(q) if self.projection is not None else q

    def candidates(self, state: DialogueState, allow: np.ndarray, liked: Sequence[int] = ()) -> np.ndarray:
        """Sorted unique allowed rows worth scoring this turn (see module doc)."""
        engine = self.engine
        parts = [self.popular(allow, self.n_popular)]
        text = self.query(state)
        vec = self.vector(text)
        if vec is not None:  # both lists under the filter; their scores are fused by the ranker's learned weights
            parts.append(np.asarray(engine.dense.search(vec, self.depth, allow).ids, dtype=np.int64))
            parts.append(np.asarray(engine.lexical.search(self.lexical_query(state), self.n_lexical, allow).ids, dtype=np.int64))
        if liked:
            c = engine.vectors[np.asarray(liked, dtype=np.int64)].mean(axis=0)
            if float(np.linalg.norm(c)) > 0:
                c = c / np.linalg.norm(c)
                parts.append(np.asarray(engine.dense.search(c, self.n_liked, allow, complete=False).ids, np.int64))
        return np.unique(np.concatenate(parts))

    def popular(self, allow: np.ndarray, k: int) -> np.ndarray:
        """The k most popular allowed rows, scanning rows in popularity order (computed once) in
        growing chunks: O(k / selectivity) instead of O(catalog) per call."""
        if self._popular_order is None:
            self._popular_order = np.argsort(-np.asarray(self.engine.columns.popularity), kind="stable")
        order = self._popular_order
        out: list[np.ndarray] = []
        got, start, chunk = 0, 0, max(4 * k, 4096)
        while got < k and start < len(order):
            seg = order[start:start + chunk]
            sel = seg[allow[seg]]
            out.append(sel)
            got += len(sel)
            start += chunk
            chunk *= 4
        return np.concatenate(out)[:k].astype(np.int64) if out else np.zeros(0, np.int64)


def meaningful(text: str, vocab: Container[str]) -> bool:
    """At least half of the query's words (3+ letters) are in the catalog's vocabulary: gibberish
    has nothing to retrieve and would cost an encoding."""
    words = [t for t in tokenize(text[:MAX_QUERY_CHARS]) if len(t) >= 3]
    return bool(words) and sum(t in vocab for t in words) * 2 >= len(words)
