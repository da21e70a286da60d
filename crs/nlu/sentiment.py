"""Sentiment per mention: does the user like the movie they mention?

`VaderBaseline`: VADER compound of the whole message ≥ 0 → liked (the baseline the issue quotes).
`MentionSentiment`: logistic regression over
- the MiniLM vector of the message with the mention masked ("[MOVIE]", other movies → "another movie"),
- the MiniLM vector of the mention's *window* (its sentence and the next one: "I saw [MOVIE]. It was
  too corny" — for a one- or two-sentence message this is the message itself, a cached encoding),
- `CUES` dense features: VADER compound / negative / positive of the message, the clause, the window
  and the words right after the mention, and counts of negation cues before / after / around the
  mention, a question mark, a contrast word, "haven't seen", the number of other movies,
- TF-IDF 1–3-grams of the mention's clause.
Class weights balanced; the decision threshold maximises macro-F1 of out-of-fold probabilities of
an inner 5-fold CV on the training part, folds grouped by conversation when groups are given (liked
is ~96% of labels, so the threshold matters). `predict` keeps one lexical veto: a mention whose own
clause has a VADER compound ≤ `VETO` ("@X was terrible and boring") is not liked.
A second threshold from the same out-of-fold probabilities, `stance_threshold`, maximises balanced
accuracy (the mean of liked and not-liked recall): `stance` reads the user's stance for review
alignment with it, hearing more of the rare dislikes than the tracker's `predict` (docs/chatbot.md).
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
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_NEG = re.compile(r"\b(?:not|no|never|least|hate|hated|dislike|disliked|worst|boring|terrible|awful|overrated|meh|okay|ok|"
                  r"corny|silly|disappoint\w*)\b|n't\b", re.IGNORECASE)
_CONTRAST = re.compile(r"\b(?:but|though|however|although)\b", re.IGNORECASE)
_UNSEEN = re.compile(r"\b(?:haven'?t|have not|never|didn'?t) (?:seen|watched|heard|see|watch)", re.IGNORECASE)
MODEL_VERSION = 5
"""Bumped when the features change: a pickle of another version is not loaded (it is retrained)."""
FEW = 8
"""Up to this many mentions are encoded one text at a time (`Encoder.encode_one`, cached), not as a batch."""
CUES = 19
"""Number of dense cue features (`cue_features`)."""


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


def window(text: str, span: Span) -> str:
    """The sentence of the masked message that contains the mention and the sentence after it, up to
    the next other movie ("I loved [MOVIE], but another movie was dull" → "I loved [MOVIE], but")."""
    parts = [p for p in _SENTENCE.split(masked(text, span)) if p]
    i = next((k for k, p in enumerate(parts) if "[MOVIE]" in p), 0)
    head, _, tail = " ".join(parts[i:i + 2]).partition("[MOVIE]")
    return f"{head}[MOVIE]{tail.split('another movie')[0]}".rstrip()


def cue_features(vader: VaderBaseline, text: str, span: Span) -> list[float]:
    """`CUES` numbers: VADER (compound, neg, pos) of message, clause, window and the 10 words after
    the mention; negation cues in the 6 words before / 10 after / the clause (before and after stop
    at another movie or a sentence end); '?' in the clause; a
    contrast word; "haven't seen"; the number of other movies in the message."""
    m, c = masked(text, span), clause(text, span)
    head, _, tail = m.partition("[MOVIE]")
    head = re.split(r"another movie|[.!?](?:\s|$)", head)[-1]  # the mention's own side: other movies
    tail = re.split(r"another movie|[.!?](?:\s|$)", tail)[0]  # and sentence ends bound it
    left, right = " ".join(head.split()[-6:]), " ".join(tail.split()[:10])
    out: list[float] = []
    for part in (m, c, window(text, span), right):
        out += vader.scores(part)
    return out + [len(_NEG.findall(left)), len(_NEG.findall(right)), len(_NEG.findall(c)), float("?" in c),
                  float(bool(_CONTRAST.search(m))), float(bool(_UNSEEN.search(m))), float(m.count("another movie"))]


class VaderBaseline:
    """VADER on the whole message: compound ≥ 0 → liked."""

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._sia = SentimentIntensityAnalyzer()

    def compound(self, text: str) -> float:
        return float(self._sia.polarity_scores(text[:2000])["compound"])

    def scores(self, text: str) -> list[float]:
        """VADER (compound, neg, pos) of a text."""
        s = self._sia.polarity_scores(text[:2000])
        return [float(s["compound"]), float(s["neg"]), float(s["pos"])]

    def predict_proba(self, texts: Sequence[str], spans: Sequence[Span] | None = None) -> np.ndarray:
        return np.array([(self.compound(t) + 1) / 2 for t in texts], dtype=np.float32)

    def predict(self, texts: Sequence[str], spans: Sequence[Span] | None = None) -> np.ndarray:
        return (self.predict_proba(texts) >= 0.5).astype(int)


Vectors = tuple[np.ndarray, np.ndarray]
"""MiniLM vectors per mention: (masked message, window)."""


def mention_vectors(texts: Sequence[str], spans: Sequence[Span]) -> Vectors:
    """The MiniLM encodings the model reads (unique texts encoded once; for one mention whose
    window is the whole message, one cached encoding)."""
    from crs.embed import shared_encoder
    from crs.nlu.models import encode

    m, w = [masked(t, s) for t, s in zip(texts, spans)], [window(t, s) for t, s in zip(texts, spans)]
    if 0 < len(texts) <= FEW:  # a chat turn: the cached one-sentence path, one text at a time
        enc = shared_encoder()
        return np.array([enc.encode_one(x) for x in m]), np.array([enc.encode_one(x) for x in w])
    return encode(m), encode(w)


class MentionSentiment:
    """Learned liked/not-liked classifier for one mention in its message. `use_window` and
    `use_cues` switch the window vector and the cue features off (the earlier model: both off)."""

    def __init__(self, C: float = 1.0, threshold: float | None = None, veto: float | None = VETO,
                 use_window: bool = True, use_cues: bool = True) -> None:
        self.C, self.veto, self.use_window, self.use_cues = C, veto, use_window, use_cues
        self._vader: VaderBaseline | None = None
        self.threshold = threshold if threshold is not None else 0.5
        self.stance_threshold = self.threshold
        """P(liked) threshold of `stance` (balanced accuracy); the macro-F1 `threshold` when not tuned."""
        self._tfidf: Any = None
        self._clf: Any = None

    @property
    def vader(self) -> VaderBaseline:
        if self._vader is None:
            self._vader = VaderBaseline()
        return self._vader

    def _dense(self, texts: Sequence[str], spans: Sequence[Span], vecs: Vectors | None) -> np.ndarray:
        """[message vector, window vector, cues] per mention (the enabled parts)."""
        if vecs is None:
            vecs = mention_vectors(texts, spans)
        parts = [vecs[0]] + ([vecs[1]] if self.use_window else [])
        if self.use_cues:
            vader = self.vader
            parts.append(np.array([cue_features(vader, t, s) for t, s in zip(texts, spans)], dtype=np.float64)
                         .reshape(len(texts), CUES))
        return np.hstack(parts)

    def fit(self, texts: Sequence[str], spans: Sequence[Span], labels: Sequence[int], tune: bool = True,
            vecs: Vectors | None = None, groups: Sequence[str] | None = None) -> MentionSentiment:
        """Fit on mentions. `vecs` (from `mention_vectors`) may be passed when they were encoded
        already (cross-validation); `groups` (conversation ids) group the folds of the threshold's
        inner cross-validation, so that no conversation is on both sides. Tuning sets `threshold`
        (macro-F1, the tracker's) and `stance_threshold` (balanced accuracy, review alignment's)."""
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(labels, dtype=int)
        if len(set(y.tolist())) < 2:
            raise ValueError("sentiment training needs both liked and not-liked examples")
        clauses = [clause(t, s) for t, s in zip(texts, spans)]
        self._tfidf = TfidfVectorizer(ngram_range=(1, 3), min_df=2, sublinear_tf=True)
        self._tfidf.fit(clauses + [masked(t, s) for t, s in zip(texts, spans)])
        X = hstack([csr_matrix(self._dense(texts, spans, vecs)), self._tfidf.transform(clauses)]).tocsr()
        clf = LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000)
        if tune:
            ok = self._not_vetoed(texts, spans)
            best = _cv_thresholds(clf, X, y, ok, None if groups is None else np.asarray(groups))
            self.threshold, self.stance_threshold = best["macro_f1"], best["balanced"]
        self._clf = clf.fit(X, y)
        return self

    def predict_proba(self, texts: Sequence[str], spans: Sequence[Span], vecs: Vectors | None = None) -> np.ndarray:
        """P(liked) per mention."""
        if self._clf is None:
            raise RuntimeError("MentionSentiment is not fitted")
        if len(texts) == 0:
            return np.zeros(0, dtype=np.float32)
        from crs.nlu import fast

        tf = fast.tfidf(self._tfidf, [clause(t, s) for t, s in zip(texts, spans)])
        return fast.proba(self._clf, tf, self._dense(texts, spans, vecs))[:, 1].astype(np.float32)

    def _not_vetoed(self, texts: Sequence[str], spans: Sequence[Span]) -> np.ndarray:
        if self.veto is None:
            return np.ones(len(texts), dtype=bool)
        vader = self.vader
        return np.array([vader.compound(clause(t, s)) > self.veto for t, s in zip(texts, spans)], dtype=bool)

    def predict(self, texts: Sequence[str], spans: Sequence[Span], vecs: Vectors | None = None) -> np.ndarray:
        """1 liked / 0 not liked: P(liked) ≥ threshold, unless the mention's clause is strongly negative."""
        liked = self.predict_proba(texts, spans, vecs) >= self.threshold
        if len(texts):
            liked &= self._not_vetoed(texts, spans)
        return liked.astype(int)

    def stance(self, texts: Sequence[str], spans: Sequence[Span], vecs: Vectors | None = None) -> np.ndarray:
        """1 liked / 0 not liked for review alignment: as `predict`, at `stance_threshold`."""
        return self.read(texts, spans, vecs)[1]

    def read(self, texts: Sequence[str], spans: Sequence[Span],
             vecs: Vectors | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(`predict`, `stance`) from one pass over the mentions."""
        p = self.predict_proba(texts, spans, vecs)
        ok = self._not_vetoed(texts, spans) if len(texts) else np.ones(0, dtype=bool)
        return ((p >= self.threshold) & ok).astype(int), ((p >= self.stance_threshold) & ok).astype(int)

    def save(self, path: str | Path) -> None:
        from crs.nlu.models import save_pickle

        save_pickle({"version": MODEL_VERSION, "C": self.C, "threshold": self.threshold,
                     "stance_threshold": self.stance_threshold, "veto": self.veto,
                     "use_window": self.use_window, "use_cues": self.use_cues, "tfidf": self._tfidf,
                     "clf": self._clf}, path)

    @classmethod
    def load(cls, path: str | Path) -> MentionSentiment | None:
        """The saved model, or None when the file is missing, unreadable or of another version."""
        from crs.nlu.models import load_pickle

        raw = load_pickle(path)
        if not isinstance(raw, dict) or raw.get("clf") is None or raw.get("version") != MODEL_VERSION:
            return None
        m = cls(raw["C"], raw["threshold"], raw["veto"], raw["use_window"], raw["use_cues"])
        m._tfidf, m._clf = raw["tfidf"], raw["clf"]
        m.stance_threshold = float(raw["stance_threshold"])
        return m


def _cv_thresholds(clf: LogisticRegression, X: sp.csr_matrix, y: np.ndarray, ok: np.ndarray,
                   groups: np.ndarray | None) -> dict[str, float]:
    """Thresholds maximising macro-F1 and balanced accuracy (the mean of the two classes' recall),
    with the veto `ok` applied, of the same out-of-fold probabilities (5 folds, grouped by `groups`
    when given, else stratified)."""
    from sklearn.base import clone
    from sklearn.metrics import f1_score
    from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict

    folds = min(5, int(np.bincount(y).min()))
    if groups is not None:
        folds = min(folds, len(set(groups.tolist())))
    if folds < 2:
        return {"macro_f1": 0.5, "balanced": 0.5}
    cv = (GroupKFold(folds, shuffle=True, random_state=1) if groups is not None
          else StratifiedKFold(folds, shuffle=True, random_state=0))
    p = cross_val_predict(clone(clf), X, y, cv=cv, groups=groups, method="predict_proba")[:, 1]
    grid = np.arange(0.05, 0.95, 0.025)
    preds = [(p >= t) & ok for t in grid]
    f1 = [f1_score(y, pr.astype(int), average="macro") for pr in preds]
    bal = [(pr[y == 1].mean() + (~pr[y == 0]).mean()) / 2 for pr in preds]
    return {"macro_f1": float(grid[int(np.argmax(f1))]), "balanced": float(grid[int(np.argmax(bal))])}


def cross_validate(examples: Sequence[MentionExample], settings: dict[str, dict[str, Any]], folds: int = 5,
                   seed: int = 0) -> dict[str, Any]:
    """Macro-F1 per fold of each `MentionSentiment` setting (keyword arguments: C, veto, use_window,
    use_cues) and of VADER, with folds grouped by conversation (no dialogue is in a training and a
    test fold). The MiniLM vectors are encoded once; TF-IDF, the threshold (inner CV, grouped by
    conversation) and the classifier are fitted on each training fold only."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import GroupKFold

    texts, spans = [e.text for e in examples], [e.span for e in examples]
    y = np.array([e.label for e in examples])
    groups = np.array([e.dialogue for e in examples])
    vm, vw = mention_vectors(texts, spans)
    vader = VaderBaseline().predict(texts)
    scores: dict[str, list[float]] = {name: [] for name in (*settings, "vader")}
    splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, y, groups):
        pick = [int(i) for i in train]
        held = [int(i) for i in test]
        for name, kwargs in settings.items():
            model = MentionSentiment(**kwargs).fit([texts[i] for i in pick], [spans[i] for i in pick], y[train],
                                                   vecs=(vm[train], vw[train]), groups=groups[train])
            pred = model.predict([texts[i] for i in held], [spans[i] for i in held], (vm[test], vw[test]))
            scores[name].append(float(f1_score(y[test], pred, average="macro", labels=[0, 1], zero_division=0)))
        scores["vader"].append(float(f1_score(y[test], vader[test], average="macro", labels=[0, 1], zero_division=0)))
    return {name: {"folds": [round(v, 4) for v in vs], "mean": round(float(np.mean(vs)), 4),
                   "sd": round(float(np.std(vs, ddof=1)), 4) if len(vs) > 1 else 0.0}
            for name, vs in scores.items()} | {"n": len(examples), "n_not_liked": int((y == 0).sum()),
                                               "dialogues": len(set(groups.tolist())), "k": folds}
