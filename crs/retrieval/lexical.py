"""BM25 (Okapi, rank-bm25's exact formula) served from a term-major scipy CSR matrix.

Each stored weight is the full BM25 term contribution idf(t) * tf*(k1+1) / (tf + k1*(1-b+b*dl/avgdl)),
so a query is a gather of the posting rows of its terms plus a sum: no per-document Python loop.
Scores equal `rank_bm25.BM25Okapi(tokens).get_scores(query_tokens)` (tests check 1e-4).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from crs.lru import LRU
from crs.retrieval.errors import check_k
from crs.retrieval.persist import load_arrays, save_arrays
from crs.retrieval.text import TITLE_MARK, title_terms, tokenize
from crs.retrieval.topk import top_k
from crs.types import Results

COMMON_MIN_DOCS = 100_000
"""From this many documents on, the terms in at least `COMMON_SHARE` of them are summed as one dense
vector per set of such terms, cached (`_common`): a dialogue query on a large corpus keeps naming a
few words that half the corpus holds, and re-gathering their postings each turn dominated the search."""
COMMON_SHARE = 1 / 16
COMMON_TOP = 4_096
"""Documents kept per cached common part, best first (the candidates no rarer query term touches)."""
COMMON_CACHE_BYTES = 64 << 20


@dataclass(frozen=True)
class _Common:
    """The common terms' summed scores over every document, their maximum, sum and sum of squares
    (catalog statistics); `key` names the terms."""

    key: tuple[tuple[int, int], ...]
    scores: np.ndarray
    max: float
    total: float
    total_sq: float


class BM25Index:
    """Term-major BM25 index over `n_docs` documents. Build with `from_texts`/`from_tokens`/`from_ids`."""

    def __init__(self, weights: sp.csr_matrix, vocab: Sequence[str], doc_len: np.ndarray,
                 k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> None:
        self.weights = weights  # (n_terms, n_docs) CSR, float32
        self.vocab = list(vocab)
        self.term_id = {t: i for i, t in enumerate(self.vocab)}
        self.doc_len = doc_len
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self._acc: LRU[tuple[np.ndarray, np.ndarray]] = LRU(4)
        self.common_min_docs = COMMON_MIN_DOCS
        self._commons: LRU[_Common] = LRU(max(1, COMMON_CACHE_BYTES // (8 * max(1, self.n_docs))))
        self._common_tops: LRU[np.ndarray] = LRU(16)
        self.words = frozenset(t.removeprefix(TITLE_MARK) for t in self.vocab)
        """Every word the index knows, in the text or a title (the gibberish check of a query)."""

    @property
    def n_docs(self) -> int:
        return int(self.weights.shape[1])

    # --- building -------------------------------------------------------------------------
    @classmethod
    def from_texts(cls, texts: Iterable[str], **params: float) -> BM25Index:
        return cls.from_tokens([tokenize(t) for t in texts], **params)

    @classmethod
    def from_tokens(cls, docs: Sequence[Sequence[str]], **params: float) -> BM25Index:
        vocab: dict[str, int] = {}
        ids = [vocab.setdefault(t, len(vocab)) for d in docs for t in d]
        ptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum([len(d) for d in docs], out=ptr[1:])
        return cls.from_ids(ptr, np.asarray(ids, dtype=np.int64), list(vocab), **params)

    @classmethod
    def from_ids(cls, doc_ptr: np.ndarray, term_ids: np.ndarray, vocab: Sequence[str],
                 k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> BM25Index:
        """Build from a flat array of term ids with document offsets `doc_ptr` (len n_docs + 1)."""
        n_docs, n_terms = len(doc_ptr) - 1, len(vocab)
        if n_docs <= 0:
            raise ValueError("cannot build a BM25 index over zero documents")
        doc_len = np.diff(doc_ptr).astype(np.float64)
        docs = np.repeat(np.arange(n_docs, dtype=np.int32), np.diff(doc_ptr))
        tf = sp.csr_matrix((np.ones(len(term_ids), np.float32), (term_ids.astype(np.int32), docs)),
                           shape=(n_terms, n_docs))
        tf.sum_duplicates()
        df = np.diff(tf.indptr).astype(np.float64)
        idf = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
        eps = epsilon * idf.mean() if n_terms else 0.0
        idf[idf < 0] = eps
        avgdl = doc_len.mean() if doc_len.sum() else 1.0
        norm = k1 * (1 - b + b * doc_len / avgdl)
        t = tf.data.astype(np.float64)
        row = np.repeat(np.arange(n_terms), np.diff(tf.indptr))
        tf.data = (idf[row] * t * (k1 + 1) / (t + norm[tf.indices])).astype(np.float32)
        return cls(tf, vocab, doc_len.astype(np.float32), k1, b, epsilon)

    # --- querying -------------------------------------------------------------------------
    def query_terms(self, query: str | Sequence[str]) -> Counter[int]:
        """Term counts of a query: free text searches the title field and the text with each word
        (`title_terms`); a token list is taken as it is (marked tokens search titles only)."""
        tokens = title_terms(tokenize(query)) if isinstance(query, str) else list(query)
        return Counter(self.term_id[t] for t in tokens if t in self.term_id)

    def get_scores(self, query: str | Sequence[str]) -> np.ndarray:
        """Dense BM25 scores of every document (float64), like rank-bm25's `get_scores`."""
        cand, scores = self._accumulate(self.query_terms(query))
        dense = np.zeros(self.n_docs)
        dense[cand] = scores
        return dense

    def scores_at(self, query: str | Sequence[str], rows: np.ndarray) -> tuple[np.ndarray, float, float]:
        """BM25 scores of `rows`, with the mean and standard deviation of the scores of every document
        (what z-normalising `get_scores` needs) computed from the touched documents alone (and the
        cached common part on a large corpus: exact, no catalog-sized work per call)."""
        cand, scores, common = self._split(self.query_terms(query))
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros(len(rows))
        if len(cand):
            pos = np.minimum(np.searchsorted(cand, rows), len(cand) - 1)
            hit = cand[pos] == rows
            out[hit] = scores[pos[hit]]
        n = self.n_docs
        total, total_sq = float(scores.sum()), float(np.dot(scores, scores))
        if common is not None:
            out += common.scores[rows]
            at = common.scores[cand]
            total += common.total
            total_sq += common.total_sq + 2.0 * float(np.dot(scores, at))
        mean = total / n
        var = max(0.0, total_sq / n - mean * mean)
        return out, mean, var ** 0.5

    def search(self, query: str | Sequence[str], k: int = 10, allow: np.ndarray | None = None) -> Results:
        """Top-k documents with a positive score among `allow` (exact with respect to the mask)."""
        k = check_k(k)
        touched, scores, common = self._split(self.query_terms(query))
        cand = touched
        if common is not None:
            scores = scores + common.scores[cand]
        if len(cand) and allow is not None:
            keep = allow[cand]
            cand, scores = cand[keep], scores[keep]
        sel = top_k(scores, k)
        cand, scores = cand[sel], scores[sel]
        if common is not None and (len(sel) < k or scores[-1] <= common.max):
            # a document no rarer term touches may still compete by the common terms alone
            extra = self._untouched_best(common, touched, k, allow)
            cand = np.concatenate([cand, extra])
            scores = np.concatenate([scores, common.scores[extra]])
            order = np.lexsort((cand, -scores))[:k]
            cand, scores = cand[order], scores[order]
            positive = scores > 0
            cand, scores = cand[positive], scores[positive]
        return Results(cand.astype(np.int64), scores.astype(np.float32))

    def _split(self, terms: Counter[int]) -> tuple[np.ndarray, np.ndarray, _Common | None]:
        """(documents touched by the rarer terms, their scores from those terms, the common terms'
        cached part or None). Below `common_min_docs` documents every term is accumulated."""
        if self.n_docs < self.common_min_docs:
            return (*self._accumulate(terms), None)
        ptr = self.weights.indptr
        floor = self.n_docs * COMMON_SHARE
        common = Counter({t: c for t, c in terms.items() if ptr[t + 1] - ptr[t] >= floor})
        if not common:
            return (*self._accumulate(terms), None)
        rare = Counter({t: c for t, c in terms.items() if t not in common})
        return (*self._accumulate(rare), self._common(common))

    def _common(self, terms: Counter[int]) -> _Common:
        key = tuple(sorted(terms.items()))
        hit = self._commons.get(key)
        if hit is not None:
            return hit
        ptr, idx, data = self.weights.indptr, self.weights.indices, self.weights.data
        vec = np.zeros(self.n_docs)
        for t, c in terms.items():  # a term's documents are distinct: one scatter-add each, no temporary copies
            w = data[ptr[t]:ptr[t + 1]]
            vec[idx[ptr[t]:ptr[t + 1]]] += w if c == 1 else w.astype(np.float64) * c
        vec.setflags(write=False)
        return self._commons.put(key, _Common(key, vec, float(vec.max()), float(vec.sum()), float(np.dot(vec, vec))))

    def _untouched_best(self, common: _Common, touched: np.ndarray, k: int, allow: np.ndarray | None) -> np.ndarray:
        """The k best allowed documents outside `touched` by the common part alone (score descending,
        id ascending): from its `COMMON_TOP` best documents (computed once per common part), else a
        scan of the allowed documents when they are few."""
        if allow is not None and np.count_nonzero(allow) * 4 <= self.n_docs:
            return self._scan_untouched(common, touched, k, allow)
        top = self._common_tops.get(common.key)
        if top is None:
            top = self._common_tops.put(common.key, top_k(common.scores, min(COMMON_TOP, self.n_docs)))
        ok = np.ones(len(top), bool) if allow is None else allow[top].copy()
        if len(touched):
            pos = np.minimum(np.searchsorted(touched, top), len(touched) - 1)
            ok &= touched[pos] != top
        found = top[ok][:k]
        return found if len(found) == k or len(top) == self.n_docs else self._scan_untouched(common, touched, k, allow)

    def _scan_untouched(self, common: _Common, touched: np.ndarray, k: int, allow: np.ndarray | None) -> np.ndarray:
        free = np.ones(self.n_docs, bool) if allow is None else allow.copy()
        free[touched] = False
        rows = np.flatnonzero(free)
        return rows[top_k(common.scores[rows], k)]

    def _accumulate(self, terms: Counter[int]) -> tuple[np.ndarray, np.ndarray]:
        """(touched documents in increasing order, their scores) of a query, kept for the next call
        with the same terms: a chat turn searches and scores one dialogue query (read-only arrays)."""
        key = tuple(sorted(terms.items()))
        hit = self._acc.get(key)
        if hit is not None:
            return hit
        rows, w = self._gather(terms)
        cand: np.ndarray
        scores: np.ndarray
        if len(rows) == 0:
            cand, scores = np.zeros(0, np.int64), np.zeros(0)
        elif len(rows) * 4 < self.n_docs:  # sparse accumulation over touched documents only
            cand, inv = np.unique(rows, return_inverse=True)
            scores = np.bincount(inv, weights=w)
        else:
            dense = np.bincount(rows, weights=w, minlength=self.n_docs)
            cand = np.flatnonzero(dense)
            scores = dense[cand]
        cand, scores = cand.astype(np.int64), scores.astype(np.float64)
        cand.setflags(write=False)
        scores.setflags(write=False)
        return self._acc.put(key, (cand, scores))

    def _gather(self, terms: Counter[int]) -> tuple[np.ndarray, np.ndarray]:
        ptr, idx, data = self.weights.indptr, self.weights.indices, self.weights.data
        rows = [idx[ptr[t]:ptr[t + 1]] for t in terms]
        w = [data[ptr[t]:ptr[t + 1]].astype(np.float64) * c for t, c in terms.items()]
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0)
        return np.concatenate(rows), np.concatenate(w)

    # --- persistence ----------------------------------------------------------------------
    def save(self, path: Path, fingerprint: str) -> None:
        m = self.weights
        save_arrays(path, fingerprint, {
            "indptr": m.indptr, "indices": m.indices, "data": m.data, "doc_len": self.doc_len,
            "vocab": np.array(self.vocab, dtype=str), "params": np.array([self.k1, self.b, self.epsilon]),
        })

    @classmethod
    def load(cls, path: Path, fingerprint: str) -> BM25Index | None:
        """The saved index, or None when missing, corrupt or built for other inputs (logged)."""
        a = load_arrays(path, fingerprint)
        if a is None:
            return None
        n_docs, vocab = len(a["doc_len"]), a["vocab"].tolist()
        m = sp.csr_matrix((a["data"], a["indices"], a["indptr"]), shape=(len(vocab), n_docs))
        k1, b, eps = (float(x) for x in a["params"])
        return cls(m, vocab, a["doc_len"], k1, b, eps)
