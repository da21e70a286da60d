"""Inference helpers for fitted scikit-learn text models, without scikit-learn's per-call overhead.

On a chat turn the NLU classifies one short message. scikit-learn's input validation
(`validate_data`, dataframe detection) costs several milliseconds per call, more than the model
itself; these functions compute the same numbers from the fitted attributes:

- `tfidf(vectorizer, texts)`: a fitted `TfidfVectorizer`'s matrix (its analyzer, vocabulary,
  sublinear tf, idf and norm), equal to `vectorizer.transform(texts)`;
- `proba(clf, X, dense=None)`: a fitted `LogisticRegression`'s `predict_proba` for sparse `X`,
  optionally with dense feature columns in front (the MiniLM vector of `hstack([dense, X])`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

_ANALYZERS: weakref.WeakKeyDictionary[TfidfVectorizer, Callable[[str], list[str]]] = weakref.WeakKeyDictionary()


def tfidf(vectorizer: TfidfVectorizer, texts: Sequence[str]) -> csr_matrix:
    """`vectorizer.transform(texts)` for a fitted TfidfVectorizer (norm l2 or None)."""
    analyze = _ANALYZERS.get(vectorizer)
    if analyze is None:
        analyze = _ANALYZERS[vectorizer] = vectorizer.build_analyzer()
    vocab = vectorizer.vocabulary_
    idf = getattr(vectorizer, "idf_", None)
    indptr, indices, data = [0], [], []
    for text in texts:
        counts: dict[int, int] = {}
        for tok in analyze(text):
            j = vocab.get(tok)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        cols = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
        vals = np.array([counts[j] for j in cols], dtype=np.float64)
        if vectorizer.sublinear_tf and len(vals):
            vals = np.log(vals) + 1.0
        if idf is not None and len(vals):
            vals = vals * idf[cols]
        if vectorizer.norm == "l2" and len(vals):
            vals = vals / (float(np.sqrt(vals @ vals)) or 1.0)
        elif vectorizer.norm not in ("l2", None):
            return vectorizer.transform(texts)
        indices.append(cols)
        data.append(vals)
        indptr.append(indptr[-1] + len(cols))
    ind = np.concatenate(indices) if indices else np.zeros(0, np.int64)
    val = np.concatenate(data) if data else np.zeros(0)
    return csr_matrix((val, ind, np.asarray(indptr)), shape=(len(texts), len(vocab)))


def proba(clf: LogisticRegression, X: csr_matrix, dense: np.ndarray | None = None) -> np.ndarray:
    """`clf.predict_proba(hstack([dense, X]))` (or of `X` alone) for a fitted LogisticRegression."""
    coef = np.asarray(clf.coef_)
    scores = np.asarray(X @ coef[:, coef.shape[1] - X.shape[1]:].T)
    if dense is not None:
        scores = scores + np.asarray(dense, dtype=np.float64) @ coef[:, : coef.shape[1] - X.shape[1]].T
    scores = scores + clf.intercept_
    if len(clf.classes_) <= 2:
        p1 = 1.0 / (1.0 + np.exp(-scores[:, 0]))
        return np.column_stack([1.0 - p1, p1])
    scores = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(scores)
    return e / e.sum(axis=1, keepdims=True)
