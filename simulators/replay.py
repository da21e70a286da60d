"""Replay of real dialogues: the seeker side of ReDial / INSPIRED conversations, turn by turn.

Consecutive messages of one role form one turn. `reset` returns the seeker's first turn; each
`respond(action)` returns the next seeker turn, whatever the system did (it is a replay). Every
turn carries the human recommender's next message and its movies (`SimTurn.reference`) so an
agent can be scored offline (Recall@k against the movies the human recommended), plus labels:
movies the seeker mentioned with the polarity from the post-chat questionnaire, genre/person
values found in the text, and a heuristic act. `success` is true when the system recommends a
movie the seeker said they liked.

Readers: ReDial JSONL (`crs.catalog.dialogues.read_dialogues`), INSPIRED `dev.tsv`-style files and
UniCRS-format JSONL (`{"dialog_id", "dialog": [{"role", "text", "movie"}]}`); INSPIRED titles are
linked to catalog ids when a catalog is given (else kept as titles).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from crs.catalog.dialogues import Dialogue, Message, read_dialogues
from crs.types import Act, Action, Catalog
from simulators.errors import SimulatorError
from simulators.surface import Vocabulary, attr_polarity, chitchat_kind, classify
from simulators.types import Reference, SimTurn, TurnLabels


@dataclass(frozen=True)
class ReplayTurn:
    """One turn of a replayed dialogue: all consecutive messages of one role."""

    role: str
    text: str
    movies: tuple[str, ...]


def turns_of(dialogue: Dialogue) -> list[ReplayTurn]:
    """Merge consecutive messages of the same role."""
    out: list[ReplayTurn] = []
    for m in dialogue.messages:
        if not m.text.strip():
            continue
        if out and out[-1].role == m.role:
            prev = out[-1]
            out[-1] = ReplayTurn(m.role, f"{prev.text} {m.text.strip()}", prev.movies + m.movies)
        else:
            out.append(ReplayTurn(m.role, m.text.strip(), tuple(m.movies)))
    return out


class ReplaySimulator:
    """Replays the seeker side of real dialogues; implements `crs.protocols.Simulator`."""

    def __init__(self, dialogues: Sequence[Dialogue], catalog: Catalog | None = None,
                 vocab: Vocabulary | None = None) -> None:
        self.dialogues = [d for d in dialogues if any(t.role == "seeker" for t in turns_of(d))]
        if not self.dialogues:
            raise SimulatorError("no dialogue with a seeker message to replay")
        self.catalog = catalog
        self.vocab = vocab
        if vocab is None and catalog is not None and "genres" in catalog.schema:
            persons = tuple(a for a in ("stars", "director") if a in catalog.schema)
            self.vocab = Vocabulary.from_catalog(catalog, "genres", persons)
        self._next = 0
        self._turns: list[ReplayTurn] = []
        self._pos = -1
        self.dialogue: Dialogue | None = None
        self._done = True

    def reset(self, seed: int | None = None) -> SimTurn:
        """Start the next dialogue (in file order), or dialogue `seed % n` when a seed is given."""
        idx = self._next if seed is None else seed % len(self.dialogues)
        self._next = idx + 1 if idx + 1 < len(self.dialogues) else 0
        self.dialogue = self.dialogues[idx]
        self._turns = turns_of(self.dialogue)
        self._pos = -1
        self._done = False
        return self._advance(None)

    def respond(self, action: Action, reply_text: str = "") -> SimTurn:
        """The next real seeker turn (the system's action only decides `success`)."""
        if self._done:
            raise SimulatorError("episode is over or not started: call reset() first")
        return self._advance(action)

    @property
    def liked(self) -> frozenset[str]:
        """Movies the current seeker said they liked (post-chat questionnaire)."""
        d = self.dialogue
        return frozenset(m for m, q in (d.seeker_labels if d else {}).items() if q.get("liked") == 1)

    def _advance(self, action: Action | None) -> SimTurn:
        i = self._pos + 1
        while self._turns[i].role != "seeker":
            i += 1
        self._pos = i
        seeker = self._turns[i]
        after_rec = i > 0 and bool(self._turns[i - 1].movies)
        ref = self._turns[i + 1] if i + 1 < len(self._turns) else None
        self._done = not any(t.role == "seeker" for t in self._turns[i + 1:])
        success = bool(action is not None and action.kind == "recommend" and set(action.items) & self.liked)
        act, labels = self._label(seeker, after_rec)
        return SimTurn(seeker.text, act, labels, self._done, success,
                       Reference(ref.text, ref.movies) if ref is not None else None)

    def _label(self, turn: ReplayTurn, after_rec: bool) -> tuple[Act, TurnLabels]:
        d = self.dialogue
        q = d.seeker_labels if d else {}
        ents = tuple((m, _polarity(q.get(m, {}))) for m in dict.fromkeys(turn.movies))
        attrs: tuple[tuple[str, str, int], ...] = ()
        if self.vocab is not None:
            spans = self.vocab.find(turn.text)
            attrs = tuple((s.attribute, s.value, attr_polarity(turn.text, s.start)) for s in spans)
        name = classify(turn.text, [p for _, p in ents], len(attrs), 1, after_rec)
        if name == "other":  # movies without questionnaire labels (INSPIRED): guess from negation
            name = "mention_disliked" if attr_polarity(turn.text, len(turn.text)) < 0 else "mention_liked"
        slots = {"source": "heuristic"}
        if name == "chitchat":
            slots["kind"] = chitchat_kind(turn.text)
        return Act(name, slots), TurnLabels(attrs, ents)


def _polarity(q: Mapping[str, int]) -> int:
    if q.get("liked") == 1:
        return 1
    return -1 if q.get("liked") == 0 and q.get("seen") == 1 else 0


# --- readers --------------------------------------------------------------------------------
def _norm_title(t: str) -> str:
    return re.sub(r"[^a-z0-9()]+", " ", t.lower()).strip()


def _title_index(catalog: Catalog | None) -> dict[str, str]:
    if catalog is None:
        return {}
    idx: dict[str, str] = {}
    for it in catalog.items:
        idx.setdefault(_norm_title(it.display), it.id)
    return idx


def _message(role: str, text: str, titles: Sequence[str], index: dict[str, str]) -> Message:
    movies = tuple(index.get(_norm_title(t), t.strip()) for t in titles if t.strip())
    return Message(text.replace("QUOTATION_MARK", '"'), role, role, movies)


def read_inspired_tsv(path: str | Path, catalog: Catalog | None = None) -> list[Dialogue]:
    """INSPIRED dialogue TSV (dialog_id, speaker, text, movies separated by ';')."""
    path = Path(path)
    csv.field_size_limit(sys.maxsize)
    index = _title_index(catalog)
    by_id: dict[str, list[Message]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        need = {"dialog_id", "speaker", "text"}
        if not need <= set(reader.fieldnames or ()):
            raise SimulatorError(f"{path}: not an INSPIRED tsv (needs columns {sorted(need)}, "
                                 f"has {reader.fieldnames})")
        for row in reader:
            role = "seeker" if row["speaker"].strip().upper() == "SEEKER" else "recommender"
            titles = (row.get("movies") or "").split(";")
            by_id.setdefault(row["dialog_id"], []).append(_message(role, row["text"] or "", titles, index))
    return [Dialogue(k, "seeker", "recommender", tuple(v)) for k, v in by_id.items()]


def read_unicrs_jsonl(path: str | Path, catalog: Catalog | None = None) -> list[Dialogue]:
    """UniCRS-format JSONL: {"dialog_id", "dialog": [{"role", "text", "movie": [titles]}]}."""
    index = _title_index(catalog)
    out = []
    for lineno, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
            msgs = tuple(_message("seeker" if t["role"].upper() == "SEEKER" else "recommender", t["text"],
                                  t.get("movie") or (), index) for t in obj["dialog"])
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
            raise SimulatorError(f"{path}:{lineno}: not a UniCRS dialogue ({e})") from None
        out.append(Dialogue(str(obj.get("dialog_id", lineno)), "seeker", "recommender", msgs))
    return out


def load_replay_dialogues(path: str | Path, catalog: Catalog | None = None) -> list[Dialogue]:
    """ReDial JSONL, UniCRS JSONL or INSPIRED TSV, by content; a clear error when none fits."""
    path = Path(path)
    if not path.is_file():
        raise SimulatorError(f"{path}: dialogue file not found")
    if path.suffix == ".tsv":
        dialogues = read_inspired_tsv(path, catalog)
    else:
        with path.open(encoding="utf-8", errors="replace") as fh:
            first = next((line for line in fh if line.strip()), "")
        dialogues = read_unicrs_jsonl(path, catalog) if '"dialog"' in first and '"messages"' not in first \
            else read_dialogues(path).dialogues
    if not dialogues:
        raise SimulatorError(f"{path}: no dialogues found (empty file or wrong format)")
    return dialogues
