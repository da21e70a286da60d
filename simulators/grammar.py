"""Phrase grammar mined from real ReDial seeker messages, with slots for titles and attributes.

Each real seeker message of the train dialogues becomes a template: `@id` mentions become
`{item0}`, `{item1}`; genre words and people's names found by `surface.Vocabulary` become
`{genre0[:form]}` / `{person0}`. The message's act comes from the heuristic classifier and the
post-chat labels (liked/disliked per movie). A message with preference words outside its slots
(`surface.UNLABELLED_PREFERENCE`: "a good children's movie", "something more recent") is dropped, so
every utterance says what its labels say and no more. Templates are grouped by act and slot signature and
weighted by how often they occur. The grammar is cached as JSON under the cache directory, keyed by
the dialogue files' bytes, the excluded conversation ids and the catalog.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import json
import logging
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crs.catalog.dialogues import Dialogue, Message, read_dialogues
from crs.config import atomic_write_bytes, cache_dir
from simulators.errors import SimulatorError
from simulators.surface import UNLABELLED_PREFERENCE, Span, Vocabulary, attr_polarity, chitchat_kind, classify
from simulators.templates import FALLBACK

log = logging.getLogger(__name__)
GRAMMAR_VERSION = 5
MAX_WORDS = 40
SLOT = re.compile(r"\{(item|genre|person|value)(\d)(?::(\w+))?\}")


@functools.lru_cache(maxsize=512)
def template_key(act: str, items: int = 0, genres: int = 0, persons: int = 0, polarity: int = 1,
                 sub: str = "", values: int = 0) -> str:
    """Group key of templates: act, slot signature, polarity of the attribute slots, sub-kind."""
    key = f"{act}:v{values}" if values else f"{act}:i{items}g{genres}p{persons}"
    if polarity < 0:
        key += "-"
    return f"{key}/{sub}" if sub else key


@dataclass(frozen=True)
class Grammar:
    """Templates by key, each list with cumulative weights for fast weighted sampling."""

    templates: Mapping[str, tuple[tuple[str, ...], tuple[float, ...]]]
    genre_counts: Mapping[str, int]
    source: str
    conversations: frozenset[str] = frozenset()
    """The dialogues the templates were mined from (leak checks)."""

    def has(self, key: str) -> bool:
        return key in self.templates or key in FALLBACK

    def pick(self, key: str, rng: random.Random) -> str:
        """A template for `key` (mined if available, else hand-written); KeyError if neither."""
        entry = self.templates.get(key)
        if entry is None:
            texts = FALLBACK[key]
            return texts[rng.randrange(len(texts))]
        texts, cum = entry
        return texts[bisect.bisect_right(cum, rng.random() * cum[-1])]

    def size(self) -> int:
        return sum(len(t) for t, _ in self.templates.values())

    @classmethod
    def from_counts(cls, counts: Mapping[str, Mapping[str, float]], genre_counts: Mapping[str, int], source: str,
                    conversations: Iterable[str] = ()) -> Grammar:
        table = {}
        for key, c in counts.items():
            pairs = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
            cum, total = [], 0.0
            for _, n in pairs:
                total += n
                cum.append(total)
            table[key] = (tuple(t for t, _ in pairs), tuple(cum))
        return cls(table, dict(genre_counts), source, frozenset(conversations))

    def to_json(self) -> dict[str, Any]:
        counts = {k: [[t, c - (cum[i - 1] if i else 0.0)] for i, (t, c) in enumerate(zip(texts, cum))]
                  for k, (texts, cum) in self.templates.items()}
        return {"version": GRAMMAR_VERSION, "source": self.source, "templates": counts,
                "genre_counts": dict(self.genre_counts), "conversations": sorted(self.conversations)}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Grammar:
        if obj.get("version") != GRAMMAR_VERSION:
            raise ValueError("grammar version mismatch")
        counts = {k: Counter({t: float(n) for t, n in pairs}) for k, pairs in obj["templates"].items()}
        return cls.from_counts(counts, obj["genre_counts"], obj["source"], obj.get("conversations", ()))


def fallback_grammar() -> Grammar:
    """Hand-written templates only (no data directory)."""
    return Grammar({}, {}, "fallback")


def _polarity(labels: Mapping[str, Mapping[str, int]], mid: str) -> int:
    q = labels.get(mid, {})
    if q.get("liked") == 1:
        return 1
    if q.get("liked") == 0 and q.get("seen") == 1:
        return -1
    return 0


def templatize(text: str, movies_pol: Mapping[str, int], vocab: Vocabulary) -> tuple[str, list[int], list[Span], int]:
    """Slot one message: returns (template, item polarities, attribute spans, attribute polarity)."""
    text = " ".join(text.replace("{", "(").replace("}", ")").split())
    order: list[str] = []

    def item_slot(m: re.Match[str]) -> str:
        mid = m.group(1)
        if mid not in order:
            order.append(mid)
        return f"{{item{order.index(mid)}}}"

    text = re.sub(r"@(\d+)", item_slot, text)
    spans = vocab.find(text)
    pols = {attr_polarity(text, s.start) for s in spans}
    pol = pols.pop() if len(pols) == 1 else (1 if not pols else 0)
    counters = {"genre": 0, "person": 0}
    parts, last = [], 0
    for s in spans:
        i = counters[s.kind]
        counters[s.kind] += 1
        if s.kind == "person":
            slot = f"{{person{i}}}"
        else:
            slot = f"{{genre{i}}}" if s.form == "base" else f"{{genre{i}:{s.form}}}"
        parts.append(text[last:s.start])
        parts.append(slot)
        last = s.end
    parts.append(text[last:])
    return "".join(parts), [movies_pol.get(m, 0) for m in order], spans, pol


def seeker_turns(d: Dialogue) -> Iterator[tuple[Message, bool]]:
    """Seeker messages of a dialogue, each with whether it answers a recommendation (the last
    recommender message named a movie, or followed one without asking a question)."""
    after_rec = False
    for m in d.messages:
        if m.role != "seeker":
            after_rec = bool(m.movies) or (after_rec and not m.text.strip().endswith("?"))
            continue
        yield m, after_rec


def mine(dialogues: Iterable[Dialogue], vocab: Vocabulary) -> Grammar:
    """Mine templates from the seeker messages of ReDial-format dialogues."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    genres: Counter[str] = Counter()
    dialogues = list(dialogues)
    for d in dialogues:
        for m, after_rec in seeker_turns(d):
            pols = {mid: _polarity(d.seeker_labels, mid) for mid in m.movies}
            tpl, item_pols, spans, apol = templatize(m.text, pols, vocab)
            n_g = sum(1 for s in spans if s.kind == "genre")
            n_p = len(spans) - n_g
            if (not tpl.strip() or len(tpl.split()) > MAX_WORDS or len(item_pols) > 2 or n_g > 2 or n_p > 1
                    or apol == 0 or UNLABELLED_PREFERENCE.search(SLOT.sub(" ", tpl))):
                continue
            act = classify(tpl, item_pols, len(spans), apol, after_rec)
            if act == "critique" and n_p:
                act = "state_attribute"
            if act == "other" or (spans and act not in ("state_attribute", "critique")):
                continue
            genres.update(s.value for s in spans if s.kind == "genre")
            sub = chitchat_kind(tpl) if act == "chitchat" else ""
            counts[template_key(act, len(item_pols), n_g, n_p, apol, sub)][tpl] += 1
    return Grammar.from_counts(counts, genres, "redial-mined", (d.conversation_id for d in dialogues))


def _fingerprint(files: Sequence[Path], exclude: Iterable[str], vocab_key: str) -> str:
    h = hashlib.sha256(f"v{GRAMMAR_VERSION}:{vocab_key}".encode())
    for f in files:
        h.update(f.read_bytes())
        h.update(b"\x00")
    h.update(",".join(sorted(exclude)).encode())
    return h.hexdigest()[:20]


def load_grammar(files: Sequence[str | Path], vocab: Vocabulary, vocab_key: str,
                 exclude_ids: Iterable[str] = (), cache: str | Path | None = None) -> Grammar:
    """Mined grammar for the given ReDial train files (minus `exclude_ids`), cached on disk.

    `vocab_key` identifies the vocabulary (e.g. the catalog fingerprint plus attribute names).
    Missing files are a SimulatorError; a corrupt cache file is rebuilt.
    """
    paths = [Path(f) for f in files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise SimulatorError(f"dialogue file(s) for the phrase grammar not found: {', '.join(missing)}")
    exclude = set(exclude_ids)
    path = cache_dir(cache) / "simulators" / f"grammar-{_fingerprint(paths, exclude, vocab_key)}.json"
    if path.exists():
        try:
            return Grammar.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as e:
            log.warning("grammar cache %s unreadable (%s): rebuilding", path, e)
    dialogues = [d for p in paths for d in read_dialogues(p).dialogues if d.conversation_id not in exclude]
    if not dialogues:
        raise SimulatorError(f"no dialogues left to mine the phrase grammar from ({', '.join(map(str, paths))})")
    grammar = mine(dialogues, vocab)
    atomic_write_bytes(path, json.dumps(grammar.to_json()).encode("utf-8"))
    return grammar
