"""Sentiment per mention: does the user like the movie they mention?

`VaderBaseline`: VADER compound of the whole message ≥ 0 → liked (the baseline the issue quotes).
`MentionSentiment`: logistic regression on MiniLM vectors of the message with the mention masked
("[MOVIE]", other movies → "another movie") plus TF-IDF n-grams of the mention's clause; class
weights balanced and the decision threshold chosen by 5-fold cross-validation on the training
part (liked is ~96% of labels, so the threshold matters). `predict` adds one lexical veto: a
mention whose own clause has a VADER compound ≤ `VETO` ("@X was terrible and boring") is not liked
(the constant was chosen on the ReDial dev split; without it dev macro-F1 is 0.762 instead of 0.773).
Trained on ReDial seeker mentions whose post-chat answer `initiatorQuestions[id].liked` is 0 or 1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crs.catalog.dialogues import Dialogue

if TYPE_CHECKING:
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

Span = tuple[int, int]
VETO = -0.6
"""Clause-level VADER compound at or below which a mention is predicted not liked."""
_AT = re.compile(r"@\d+(?:\s*<[^>]{0,200}>)?")
_CLAUSE = re.compile(r"(?<=[.!?])\s+|\bbut\b|\bhowever\b|\balthough\b")


@dataclass(frozen=True)
class MentionExample:
    text: str
    span: Span
    label: int  # 1 liked, 0 not liked
    dialogue: str


def mention_examples(dialogues: Sequence[Dialogue]) -> list[MentionExample]:
    """Every seeker mention `@id` whose seeker-side `liked` label is 0 or 1, in dialogue order."""
    out = []
    for d in dialogues:
        for m in d.messages:
            if m.role != "seeker":
                continue
            for hit in re.finditer(r"@(\d+)", m.text):
                label = d.seeker_labels.get(hit.group(1), {}).get("liked")
                if label in (0, 1):
                    out.append(MentionExample(m.text, (hit.start(), hit.end()), int(label), d.conversation_id))
    return out


def masked(text: str, span: Span) -> str:
    """The message with the mention replaced by [MOVIE] and other `@id`s by 'another movie'."""
    before, after = _AT.sub("another movie", text[: span[0]]), _AT.sub("another movie", text[span[1]:])
    return f"{before}[MOVIE]{after}"[:1000]


def clause(text: str, span: Span) -> str:
    """The clause of the message that contains the mention."""
    m = masked(text, span)
    parts = [p for p in _CLAUSE.split(m) if p]
    return next((p for p in parts if "[MOVIE]" in p), m)


class VaderBaseline:
    """VADER on the whole message: compound ≥ 0 → liked."""

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._sia = SentimentIntensityAnalyzer()

    def compound(self, text: str) -> float:
        return float(self._sia.polarity_scores(text[:2000])["compound"])

    def predict_proba(self, texts: Sequence[str], spans: Sequence[Span] | None = None) -> np.ndarray:
        return np.array([(self.compound(t) + 1) / 2 for t in texts], dtype=np.float32)

    def predict(self, texts: Sequence[str], spans: Sequence[Span] | None = None) -> np.ndarray:
        return (self.predict_proba(texts) >= 0.5).astype(int)


class MentionSentiment:
    """Learned liked/not-liked classifier for one mention in its message."""

    def __init__(self, C: float = 1.0, threshold: float | None = None, veto: float | None = VETO) -> None:
        self.C, self.veto = C, veto
        self._vader: VaderBaseline | None = None
        self.threshold = threshold if threshold is not None else 0.5
        self._tfidf: Any = None
        self._clf: Any = None

    def _features(self, texts: Sequence[str], spans: Sequence[Span], vecs: np.ndarray | None = None) -> sp.csr_matrix:
        from scipy.sparse import csr_matrix, hstack

        from crs.nlu.models import encode

        if vecs is None:
            vecs = encode([masked(t, s) for t, s in zip(texts, spans)])
        return hstack([csr_matrix(vecs), self._tfidf.transform([clause(t, s) for t, s in zip(texts, spans)])]).tocsr()

    def fit(self, texts: Sequence[str], spans: Sequence[Span], labels: Sequence[int], tune: bool = True,
            vecs: np.ndarray | None = None) -> MentionSentiment:
        """Fit on mentions; `vecs` (the MiniLM vectors of the masked messages) may be passed when
        they were encoded already (cross-validation)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(labels, dtype=int)
        if len(set(y.tolist())) < 2:
            raise ValueError("sentiment training needs both liked and not-liked examples")
        self._tfidf = TfidfVectorizer(ngram_range=(1, 3), min_df=2, sublinear_tf=True)
        self._tfidf.fit([clause(t, s) for t, s in zip(texts, spans)] + [masked(t, s) for t, s in zip(texts, spans)])
        X = self._features(texts, spans, vecs)
        clf = LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000)
        if tune:
            self.threshold = _cv_threshold(clf, X, y)
        self._clf = clf.fit(X, y)
        return self

    def predict_proba(self, texts: Sequence[str], spans: Sequence[Span], vecs: np.ndarray | None = None) -> np.ndarray:
        """P(liked) per mention."""
        if self._clf is None:
            raise RuntimeError("MentionSentiment is not fitted")
        if len(texts) == 0:
            return np.zeros(0, dtype=np.float32)
        from crs.nlu import fast
        from crs.nlu.models import encode

        if vecs is None:
            vecs = encode([masked(t, s) for t, s in zip(texts, spans)])
        tf = fast.tfidf(self._tfidf, [clause(t, s) for t, s in zip(texts, spans)])
        return fast.proba(self._clf, tf, vecs)[:, 1].astype(np.float32)

    def predict(self, texts: Sequence[str], spans: Sequence[Span], vecs: np.ndarray | None = None) -> np.ndarray:
        """1 liked / 0 not liked: P(liked) ≥ threshold, unless the mention's clause is strongly negative."""
        liked = self.predict_proba(texts, spans, vecs) >= self.threshold
        if self.veto is not None and len(texts):
            if self._vader is None:
                self._vader = VaderBaseline()
            vader = self._vader
            liked &= np.array([vader.compound(clause(t, s)) > self.veto for t, s in zip(texts, spans)])
        return liked.astype(int)

    def save(self, path: str | Path) -> None:
        from crs.nlu.models import save_pickle

        save_pickle({"C": self.C, "threshold": self.threshold, "tfidf": self._tfidf, "clf": self._clf}, path)

    @classmethod
    def load(cls, path: str | Path) -> MentionSentiment | None:
        from crs.nlu.models import load_pickle

        raw = load_pickle(path)
        if not isinstance(raw, dict) or raw.get("clf") is None:
            return None
        m = cls(raw["C"], raw["threshold"])
        m._tfidf, m._clf = raw["tfidf"], raw["clf"]
        return m


def _cv_threshold(clf: LogisticRegression, X: sp.csr_matrix, y: np.ndarray) -> float:
    """Threshold maximising macro-F1 of out-of-fold probabilities (5 folds)."""
    from sklearn.base import clone
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = min(5, int(np.bincount(y).min()))
    if folds < 2:
        return 0.5
    p = cross_val_predict(clone(clf), X, y, cv=StratifiedKFold(folds, shuffle=True, random_state=0),
                          method="predict_proba")[:, 1]
    grid = np.arange(0.05, 0.95, 0.025)
    scores = [f1_score(y, (p >= t).astype(int), average="macro") for t in grid]
    return float(grid[int(np.argmax(scores))])


def cross_validate(examples: Sequence[MentionExample], settings: dict[str, dict[str, Any]], folds: int = 5,
                   seed: int = 0) -> dict[str, Any]:
    """Macro-F1 per fold of each `MentionSentiment` setting (keyword arguments: C, veto) and of
    VADER, with folds grouped by conversation (no dialogue is in a training and a test fold). The
    MiniLM vectors are encoded once; TF-IDF, the threshold (inner CV) and the classifier are fitted
    on each training fold only."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import GroupKFold

    from crs.nlu.models import encode

    texts, spans = [e.text for e in examples], [e.span for e in examples]
    y = np.array([e.label for e in examples])
    groups = np.array([e.dialogue for e in examples])
    vecs = encode([masked(t, s) for t, s in zip(texts, spans)])
    vader = VaderBaseline().predict(texts)
    scores: dict[str, list[float]] = {name: [] for name in (*settings, "vader")}
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, y, groups):
        pick = [int(i) for i in train]
        held = [int(i) for i in test]
        for name, kwargs in settings.items():
            model = MentionSentiment(**kwargs).fit([texts[i] for i in pick], [spans[i] for i in pick], y[train],
                                                   vecs=vecs[train])
            pred = model.predict([texts[i] for i in held], [spans[i] for i in held], vecs[test])
            scores[name].append(float(f1_score(y[test], pred, average="macro", labels=[0, 1], zero_division=0)))
        scores["vader"].append(float(f1_score(y[test], vader[test], average="macro", labels=[0, 1], zero_division=0)))
    return {name: {"folds": [round(v, 4) for v in vs], "mean": round(float(np.mean(vs)), 4),
                   "sd": round(float(np.std(vs, ddof=1)), 4) if len(vs) > 1 else 0.0}
            for name, vs in scores.items()} | {"n": len(examples), "n_not_liked": int((y == 0).sum()),
                                               "dialogues": len(set(groups.tolist())), "k": folds}
