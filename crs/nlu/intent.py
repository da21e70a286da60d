"""Intents (dialogue acts) of user messages, learned from IARD (Cai & Chen, UMAP 2020).

IARD labels every ReDial utterance with sub-intents; seeker sub-intents map onto a small taxonomy:

| intent | IARD sub-intents |
|---|---|
| ask_rec | IQU (initial query), CON (continue), REF (reformulate), STO (start over) |
| add_details | PRO (provide preference), ANS (answer), ASK (ask the other's opinion) |
| accept / reject | ACC / REJ |
| critique | CRI-F (feature), CRI-A (add), CRI-C (compare) |
| seen | SEE (has seen the recommended movie) |
| ask_about_item | INQ (inquire about the item) |
| neutral | NRE (neutral response) |
| chitchat | OTH (greetings, thanks, small talk) |

A multi-label utterance takes the first of its labels in `PRIORITY`. `other` is reserved for text
with no words. `rule_intent` is the fallback used when no IARD data is available.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crs.errors import CRSError

if TYPE_CHECKING:
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

SUB_TO_INTENT = {
    "IQU": "ask_rec", "CON": "ask_rec", "REF": "ask_rec", "STO": "ask_rec",
    "PRO": "add_details", "ANS": "add_details", "ASK": "add_details",
    "ACC": "accept", "REJ": "reject", "CRI-F": "critique", "CRI-A": "critique", "CRI-C": "critique",
    "SEE": "seen", "INQ": "ask_about_item", "NRE": "neutral", "OTH": "chitchat",
}
PRIORITY = ("critique", "reject", "accept", "ask_rec", "ask_about_item", "add_details", "seen", "neutral", "chitchat")
INTENTS = PRIORITY + ("other",)
_AT = re.compile(r"@\d+(?:\s*<[^>]{0,200}>)?")


class IntentDataError(CRSError):
    """The IARD file is missing or malformed."""


@dataclass(frozen=True)
class IntentExample:
    text: str
    intent: str
    dialogue: str


def read_iard(path: str | Path) -> list[IntentExample]:
    """Seeker utterances of an IARD JSON file with their mapped intent, in dialogue order."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IntentDataError(f"{path}: IARD file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise IntentDataError(f"{path}: not a JSON file ({e})") from None
    if not isinstance(raw, dict):
        raise IntentDataError(f"{path}: expected a JSON object of dialogues")
    out = []
    for key, dlg in raw.items():
        info = dlg.get("dialogue_info") if isinstance(dlg, dict) else None
        if not isinstance(info, dict):
            continue
        for utt in sorted(info.values(), key=lambda u: u.get("utterance_pos", 0) if isinstance(u, dict) else 0):
            if not isinstance(utt, dict) or utt.get("role") != "seeker":
                continue
            intent = map_labels(utt.get("sub-intent/action") or [])
            if intent:
                out.append(IntentExample(str(utt.get("utterance_text", "")), intent, str(key)))
    return out


def map_labels(subs: Sequence[str]) -> str | None:
    """IARD sub-intents → the highest-priority intent of the taxonomy (None if none is known)."""
    mapped = {SUB_TO_INTENT[s] for s in subs if s in SUB_TO_INTENT}
    return next((i for i in PRIORITY if i in mapped), None)


def split_iard(examples: Sequence[IntentExample], dev_fraction: float = 0.2,
               seed: int = 0) -> tuple[list[IntentExample], list[IntentExample]]:
    """Deterministic split by dialogue (hash of the IARD key)."""
    train: list[IntentExample] = []
    dev: list[IntentExample] = []
    for ex in examples:
        h = int(hashlib.md5(f"{seed}:{ex.dialogue}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (dev if h < dev_fraction else train).append(ex)
    return train, dev


def prepare(text: str) -> str:
    return _AT.sub("[MOVIE]", text)[:1000]


class IntentClassifier:
    """Logistic regression on MiniLM vectors + TF-IDF n-grams of the message, behind a cheap cascade.

    A second logistic regression on the TF-IDF n-grams alone (no encoding, ~1 ms) answers when its
    top probability is at least `tau`; only the other messages are encoded with MiniLM. `tau` is
    the smallest value whose cascade macro-F1 in 5-fold cross-validation on the training part is
    within `CASCADE_TOLERANCE` of the full model's (so the cascade costs no measurable accuracy)."""

    def __init__(self, C: float = 2.0, cheap_C: float = 2.0) -> None:
        self.C, self.cheap_C = C, cheap_C
        self.tau = 1.01  # > 1: every message goes to the full model until a cascade is fitted
        self._tfidf: Any = None
        self._clf: Any = None
        self._cheap: Any = None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self._clf.classes_) if self._clf is not None else ()

    def _features(self, texts: Sequence[str], tfidf: sp.csr_matrix | None = None) -> sp.csr_matrix:
        from scipy.sparse import csr_matrix, hstack

        from crs.nlu.models import encode

        prepped = [prepare(t) for t in texts]
        tf = self._tfidf.transform(prepped) if tfidf is None else tfidf
        return hstack([csr_matrix(encode(prepped)), tf]).tocsr()

    def fit(self, texts: Sequence[str], intents: Sequence[str], cascade: bool = True) -> IntentClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(list(intents))
        self._tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit([prepare(t) for t in texts])
        tf = self._tfidf.transform([prepare(t) for t in texts])
        X = self._features(texts, tf)
        self._clf = LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000).fit(X, y)
        if cascade:
            self._cheap = LogisticRegression(C=self.cheap_C, class_weight="balanced", max_iter=3000).fit(tf, y)
            self.tau = _cv_tau(self._clf, self._cheap, X, tf, y)
        return self

    def predict_proba(self, texts: Sequence[str], cascade: bool = True) -> np.ndarray:
        """Class probabilities; with `cascade`, the cheap model's where it is sure (≥ tau)."""
        if self._clf is None:
            raise RuntimeError("IntentClassifier is not fitted")
        from crs.nlu import fast
        from crs.nlu.models import encode

        prepped = [prepare(t) for t in texts]
        tf = fast.tfidf(self._tfidf, prepped)
        if not cascade or self._cheap is None:
            return fast.proba(self._clf, tf, encode(prepped))
        p = fast.proba(self._cheap, tf)
        unsure = np.flatnonzero(p.max(axis=1) < self.tau)
        if len(unsure):
            p[unsure] = fast.proba(self._clf, tf[unsure], encode([prepped[i] for i in unsure]))
        return p

    def cheap_share(self, texts: Sequence[str]) -> float:
        """Share of texts the cheap model answers alone (no MiniLM encoding)."""
        if self._cheap is None or len(texts) == 0:
            return 0.0
        from crs.nlu import fast

        p = fast.proba(self._cheap, fast.tfidf(self._tfidf, [prepare(t) for t in texts]))
        return float(np.mean(p.max(axis=1) >= self.tau))

    def predict(self, texts: Sequence[str], cascade: bool = True) -> list[str]:
        if len(texts) == 0:
            return []
        p = self.predict_proba(texts, cascade)
        return [self.labels[i] for i in p.argmax(axis=1)]

    def save(self, path: str | Path) -> None:
        from crs.nlu.models import save_pickle

        save_pickle({"C": self.C, "tfidf": self._tfidf, "clf": self._clf, "cheap": self._cheap,
                     "cheap_C": self.cheap_C, "tau": self.tau}, path)

    @classmethod
    def load(cls, path: str | Path) -> IntentClassifier | None:
        from crs.nlu.models import load_pickle

        raw = load_pickle(path)
        if not isinstance(raw, dict) or raw.get("clf") is None:
            return None
        m = cls(raw["C"], raw.get("cheap_C", 2.0))
        m._tfidf, m._clf, m._cheap = raw["tfidf"], raw["clf"], raw.get("cheap")
        m.tau = float(raw.get("tau", 1.01))
        return m


CASCADE_TOLERANCE = 0.005
"""How much cross-validated macro-F1 the cheap-first cascade may lose against the full model."""


def _cv_tau(full: LogisticRegression, cheap: LogisticRegression, X: sp.csr_matrix, tf: sp.csr_matrix,
            y: np.ndarray) -> float:
    """Smallest confidence threshold whose out-of-fold cascade macro-F1 ≥ full − tolerance."""
    from sklearn.base import clone
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = min(5, int(np.unique(y, return_counts=True)[1].min()))
    if folds < 2:
        return 1.01
    cv = StratifiedKFold(folds, shuffle=True, random_state=0)
    pf = cross_val_predict(clone(full), X, y, cv=cv, method="predict_proba")
    pc = cross_val_predict(clone(cheap), tf, y, cv=cv, method="predict_proba")
    labels = np.unique(y)
    full_pred = labels[pf.argmax(axis=1)]
    target = f1_score(y, full_pred, average="macro") - CASCADE_TOLERANCE
    for tau in np.arange(0.30, 1.0, 0.025):
        sure = pc.max(axis=1) >= tau
        pred = np.where(sure, labels[pc.argmax(axis=1)], full_pred)
        if f1_score(y, pred, average="macro") >= target:
            return float(round(tau, 3))
    return 1.01


_RULES = (
    ("ask_rec", r"\b(recommend|suggest|suggestion|looking for|in the mood|what should i watch|any ideas|can you find|help me find)\b"),
    ("reject", r"\b(not interested|no thanks|nah|don't want|dont want|not for me|already (seen|watched)|pass on)\b|^no\b"),
    ("accept", r"\b(sounds (good|great|interesting)|i'll (watch|check|try)|will (watch|check)|perfect|that works|add it)\b|^(yes|yeah|sure|ok|okay)\b"),
    ("ask_about_item", r"\b(what is it about|who (is|stars|directed)|what's it about|is it (good|scary|long)|how long is)\b"),
    ("seen", r"\b(i('ve| have) seen|i saw|i watched)\b"),
    ("chitchat", r"^\W*(hi|hello|hey|thanks|thank you|bye|good (morning|evening|night)|how are you)\b"),
)


def rule_intent(text: str, has_critique: bool = False, n_mentions: int = 0) -> str:
    """Keyword rules: the fallback when no trained classifier is available."""
    low = text.lower().strip()
    if not re.search(r"\w", low):
        return "other"
    if has_critique:
        return "critique"
    for intent, pattern in _RULES:
        if re.search(pattern, low):
            return intent
    return "add_details" if n_mentions else "chitchat" if len(low) < 25 else "other"
