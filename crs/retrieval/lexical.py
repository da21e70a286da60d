"""BM25 (Okapi, rank-bm25's exact formula) served from a term-major scipy CSR matrix.

Each stored weight is the full BM25 term contribution idf(t) * tf*(k1+1) / (tf + k1*(1-b+b*dl/avgdl)),
so a query is a gather of the posting rows of its terms plus a sum: no per-document Python loop.
Scores equal `rank_bm25.BM25Okapi(tokens).get_scores(query_tokens)` (tests check 1e-4).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from crs.lru import LRU
from crs.retrieval.errors import check_k
from crs.retrieval.persist import load_arrays, save_arrays
from crs.retrieval.text import TITLE_MARK, title_terms, tokenize
from crs.retrieval.topk import top_k
from crs.types import Results


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
        (what z-normalising `get_scores` needs) computed from the touched documents alone."""
        cand, scores = self._accumulate(self.query_terms(query))
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros(len(rows))
        if len(cand):
            pos = np.minimum(np.searchsorted(cand, rows), len(cand) - 1)
            hit = cand[pos] == rows
            out[hit] = scores[pos[hit]]
        n = self.n_docs
        mean = float(scores.sum()) / n
        var = max(0.0, float(np.dot(scores, scores)) / n - mean * mean)
        return out, mean, var ** 0.5

    def search(self, query: str | Sequence[str], k: int = 10, allow: np.ndarray | None = None) -> Results:
        """Top-k documents with a positive score among `allow` (exact with respect to the mask)."""
        k = check_k(k)
        cand, scores = self._accumulate(self.query_terms(query))
        if len(cand) == 0:
            return Results(np.zeros(0, np.int64), np.zeros(0, np.float32))
        if allow is not None:
            keep = allow[cand]
            cand, scores = cand[keep], scores[keep]
        sel = top_k(scores, k)
        return Results(cand[sel].astype(np.int64), scores[sel].astype(np.float32))

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
