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
from typing import Any

import numpy as np

from crs.errors import CRSError

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


def split_iard(examples: Sequence[IntentExample], dev_fraction: float = 0.2, seed: int = 0):  # type: ignore[no-untyped-def]
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
    """Logistic regression on MiniLM vectors + TF-IDF n-grams of the message."""

    def __init__(self, C: float = 2.0) -> None:
        self.C = C
        self._tfidf: Any = None
        self._clf: Any = None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self._clf.classes_) if self._clf is not None else ()

    def _features(self, texts: Sequence[str]):  # type: ignore[no-untyped-def]
        from scipy.sparse import csr_matrix, hstack

        from crs.nlu.models import encode

        prepped = [prepare(t) for t in texts]
        return hstack([csr_matrix(encode(prepped)), self._tfidf.transform(prepped)]).tocsr()

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> IntentClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self._tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit([prepare(t) for t in texts])
        self._clf = LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000)
        self._clf.fit(self._features(texts), list(intents))
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if self._clf is None:
            raise RuntimeError("IntentClassifier is not fitted")
        return self._clf.predict_proba(self._features(texts))

    def predict(self, texts: Sequence[str]) -> list[str]:
        if len(texts) == 0:
            return []
        p = self.predict_proba(texts)
        return [self.labels[i] for i in p.argmax(axis=1)]

    def save(self, path) -> None:  # type: ignore[no-untyped-def]
        from crs.nlu.models import save_pickle

        save_pickle({"C": self.C, "tfidf": self._tfidf, "clf": self._clf}, path)

    @classmethod
    def load(cls, path) -> IntentClassifier | None:  # type: ignore[no-untyped-def]
        from crs.nlu.models import load_pickle

        raw = load_pickle(path)
        if not isinstance(raw, dict) or raw.get("clf") is None:
            return None
        m = cls(raw["C"])
        m._tfidf, m._clf = raw["tfidf"], raw["clf"]
        return m


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
