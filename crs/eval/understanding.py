"""Understanding real people: the hand-labelled ReDial seeker messages of `data/understanding/`.

The label file keys each message by (data file, conversationId, message index) plus a short hash
of its text; the text itself is read from the data directory at evaluation time (a changed text is
an error, never a silent mismatch). Each message is read in its dialogue context: the films the
recommender showed and the seeker named before it form the ordered timeline of the state, and the
previous recommender message is the last action (`recommend` with its films, else `ask`/`wait`).

Scores (micro over messages of one split):
- `f1`: exact-constraint F1 over (attribute, op, value) tuples, ops include / exclude / min / max
  (numeric `ge`/`gt`/`le`/`lt`/`eq` and decades are normalised to min/max years) and drop (a
  constraint the message removes); a gold bound may carry a tolerance `tol` for vague words;
- `per_phenomenon`: the same F1 over the messages of each phenomenon (None when a phenomenon has
  neither gold nor predicted constraints);
- `intent_accuracy`, `items` (F1 over referenced film ids, position references resolved against
  the previous recommender message, and the polarity accuracy of matched liked/disliked films).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from crs.catalog.dialogues import Dialogue, read_dialogues
from crs.dialogue.track import record_system
from crs.errors import CRSError
from crs.protocols import NLU
from crs.types import Action, Catalog, Constraint, DialogueState, Mention, ParsedTurn, Speaker

LABELS = Path(__file__).resolve().parents[2] / "data" / "understanding" / "labels.jsonl"
"""The shipped label file (no message text: keys and hashes only)."""
SPLITS = ("tune", "test")
PHENOMENA = ("request", "critique", "mixed", "number", "quality", "reference", "correction", "seen", "title",
             "chitchat")
POLARITIES = ("liked", "disliked", "seen", "unseen", "asked", "mood")
OPS = ("include", "exclude", "min", "max", "drop")
ATTRIBUTES = ("genres", "year", "decade", "director", "writers", "stars", "tags")
"""Attributes a label may constrain: the ReDial catalog's schema (the labels are ReDial messages)."""

Key = tuple[str, str, float | str]


class UnderstandingError(CRSError):
    """The label file or the data it points at is missing, malformed or changed."""


@dataclass(frozen=True)
class Gold:
    """One expected constraint: op in OPS; `tol` widens a numeric bound (vague words)."""

    attribute: str
    op: str
    value: float | str
    tol: float = 0.0


@dataclass(frozen=True)
class LabelRow:
    file: str
    conversation_id: str
    index: int
    sha1: str
    split: str
    phenomena: tuple[str, ...]
    intent: str
    constraints: tuple[Gold, ...]
    soft: tuple[str, ...]
    items: tuple[tuple[str, str], ...]
    """(film id or `shown:N`, polarity); N counts from 1 (−1: the last one shown)."""


@dataclass(frozen=True)
class Example:
    """A labelled message with its verbatim text, its dialogue context and its resolved film ids."""

    row: LabelRow
    text: str
    state: DialogueState
    items: tuple[tuple[str, str], ...]


def _gold(raw: Mapping[str, Any], where: str) -> Gold:
    op = raw.get("op")
    if op not in OPS or raw.get("attribute") not in ATTRIBUTES or "value" not in raw:
        raise UnderstandingError(f"{where}: constraint needs attribute in {ATTRIBUTES}, op in {OPS} and value: {raw}")
    value = raw["value"]
    return Gold(raw["attribute"], op, float(value) if op in ("min", "max") else str(value), float(raw.get("tol", 0)))


def _row(raw: Mapping[str, Any], where: str) -> LabelRow:
    try:
        row = LabelRow(str(raw["file"]), str(raw["conversation_id"]), int(raw["index"]), str(raw["sha1"]),
                       str(raw["split"]), tuple(raw["phenomena"]), str(raw["intent"]),
                       tuple(_gold(c, where) for c in raw.get("constraints", [])), tuple(raw.get("soft", [])),
                       tuple((str(i["ref"]), str(i["polarity"])) for i in raw.get("items", [])))
    except (KeyError, TypeError, ValueError) as e:
        raise UnderstandingError(f"{where}: bad label row ({e})") from None
    bad = [p for p in row.phenomena if p not in PHENOMENA] + [p for _, p in row.items if p not in POLARITIES]
    if row.split not in SPLITS or bad:
        raise UnderstandingError(f"{where}: unknown split or labels {bad or row.split!r}")
    return row


def load_labels(path: str | Path = LABELS) -> tuple[dict[str, Any], list[LabelRow]]:
    """(meta, rows) of a label file: a first line {"_meta": {...}}, then one JSON row per line."""
    path = Path(path)
    if not path.is_file():
        raise UnderstandingError(f"{path}: label file not found")
    meta: dict[str, Any] = {}
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError:
            raise UnderstandingError(f"{path}:{n}: not JSON") from None
        if "_meta" in raw:
            meta = dict(raw["_meta"])
        else:
            rows.append(_row(raw, f"{path}:{n}"))
    return meta, rows


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _context(d: Dialogue, index: int) -> tuple[DialogueState, tuple[str, ...]]:
    """The state before message `index`: every film named so far on the ordered timeline (the
    recommender's as shown items), the previous recommender message as the last action; and the
    films of that message (what "the first one" refers to). ReDial splits a turn into several
    messages: the previous recommender message is the recommender's last run of messages."""
    state = DialogueState(session_id=f"understanding-{d.conversation_id}")
    last: tuple[str, ...] = ()
    role = ""
    for m in d.messages[:index]:
        films = tuple(dict.fromkeys(m.movies))
        if m.role == "seeker":
            turn = state.turn + 1
            named = tuple(Mention(f, "item", turn, Speaker.USER, 0, text="(named)") for f in films)
            state = DialogueState(session_id=state.session_id, turn=turn, mentions=state.mentions + named,
                                  recommended=state.recommended, asked=state.asked, last_action=state.last_action)
            role = m.role
            continue
        last = tuple(dict.fromkeys((last if role == "recommender" else ()) + films))
        role = m.role
        action = Action("recommend", items=last) if last else Action("ask" if m.text.rstrip().endswith("?") else "wait")
        state = replace(record_system(state, action, films), last_action=action)  # the whole run, not its last message
    return state, last


def _resolve(row: LabelRow, shown: Sequence[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for ref, pol in row.items:
        if ref.startswith("shown:"):
            k = int(ref.split(":", 1)[1])
            if not shown or not (1 <= k <= len(shown) or k == -1):
                raise UnderstandingError(f"{row.conversation_id}#{row.index}: {ref} but {len(shown)} film(s) shown")
            ref = shown[k - 1] if k > 0 else shown[-1]
        out.append((ref, pol))
    return tuple(out)


def load_examples(rows: Iterable[LabelRow], data_dir: str | Path) -> list[Example]:
    """The labelled messages with their text read from `data_dir`; a missing file, conversation or
    message, or a text whose hash differs from the label, raises `UnderstandingError`."""
    rows = list(rows)
    by_file: dict[str, dict[str, Dialogue]] = {}
    out = []
    for row in rows:
        if row.file not in by_file:
            path = Path(data_dir) / row.file
            if not path.is_file():
                raise UnderstandingError(f"{path}: dialogue file of the labels not found (pass --data-dir)")
            by_file[row.file] = {d.conversation_id: d for d in read_dialogues(path).dialogues}
        d = by_file[row.file].get(row.conversation_id)
        if d is None or not 0 <= row.index < len(d.messages):
            raise UnderstandingError(f"{row.file}: conversation {row.conversation_id} message {row.index} not found")
        text = d.messages[row.index].text
        if text_hash(text) != row.sha1:
            raise UnderstandingError(f"{row.file}: conversation {row.conversation_id} message {row.index} changed "
                                     f"(hash {text_hash(text)}, label {row.sha1})")
        state, shown = _context(d, row.index)
        out.append(Example(row, text, state, _resolve(row, shown)))
    return out


# --- scoring ---------------------------------------------------------------------------------------

def _num(v: float | str) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def normalise(c: Constraint) -> list[Key]:
    """A predicted constraint as comparable keys: numeric ops → min/max, a decade → a year range."""
    value = c.value
    if c.attribute == "decade" and c.op == "include":
        m = re.match(r"(\d{4})s?$", str(value))
        if m:
            start = float(m.group(1))
            return [("year", "min", start), ("year", "max", start + 9)]
    v = _num(value)
    if c.op in ("ge", "gt", "le", "lt", "eq") and v is not None:
        if c.op == "eq":
            return [(c.attribute, "min", v), (c.attribute, "max", v)]
        op = "min" if c.op in ("ge", "gt") else "max"
        return [(c.attribute, op, v + (1 if c.op == "gt" else -1 if c.op == "lt" else 0))]
    return [(c.attribute, c.op, str(value).lower())]


def predicted_keys(parsed: ParsedTurn) -> list[Key]:
    add = list(parsed.add)
    remove = list(parsed.remove)
    if parsed.critique is not None:
        add += [c for c in parsed.critique.add if c not in add]
        remove += [c for c in parsed.critique.remove if c not in remove]
    keys = [k for c in add for k in normalise(c)]
    keys += [(c.attribute, "drop", str(c.value).lower()) for c in remove]
    return list(dict.fromkeys(keys))


def _matches(g: Gold, k: Key) -> bool:
    if (g.attribute, g.op) != k[:2]:
        return False
    if g.op in ("min", "max"):
        v = _num(k[2])
        return v is not None and abs(v - float(g.value)) <= g.tol
    return str(g.value).lower() == str(k[2]).lower()


def constraint_counts(gold: Sequence[Gold], pred: Sequence[Key]) -> tuple[int, int, int]:
    """(tp, fp, fn) with one-to-one greedy matching."""
    left = list(pred)
    tp = 0
    for g in gold:
        hit = next((k for k in left if _matches(g, k)), None)
        if hit is not None:
            left.remove(hit)
            tp += 1
    return tp, len(left), len(gold) - tp


def _f1(tp: int, fp: int, fn: int) -> float | None:
    if tp + fp + fn == 0:
        return None
    return round(2 * tp / (2 * tp + fp + fn), 4)


def score(examples: Sequence[Example], predict: Callable[[Example], ParsedTurn]) -> dict[str, Any]:
    """Constraint F1 (overall and per phenomenon), intent accuracy and item references of `predict`."""
    c: Counter[str] = Counter()
    per: dict[str, Counter[str]] = {p: Counter() for p in PHENOMENA}
    for ex in examples:
        parsed = predict(ex)
        tp, fp, fn = constraint_counts(ex.row.constraints, predicted_keys(parsed))
        pred_items = {m.entity: m.polarity for m in parsed.mentions if m.kind == "item"}
        gold_items = dict(ex.items)
        itp = sum(1 for i in gold_items if i in pred_items)
        pol = [(pred_items[i], p) for i, p in gold_items.items() if i in pred_items and p in ("liked", "disliked")]
        row = Counter(tp=tp, fp=fp, fn=fn, n=1, intent_ok=int(parsed.intent == ex.row.intent), itp=itp,
                      ifp=len(pred_items) - itp, ifn=len(gold_items) - itp, pol_n=len(pol),
                      pol_ok=sum(1 for v, p in pol if (v > 0) == (p == "liked") and v != 0))
        c.update(row)
        for p in ex.row.phenomena:
            per[p].update(row)
    n = c["n"]
    return {
        "n": n,
        "f1": _f1(c["tp"], c["fp"], c["fn"]) or 0.0,
        "precision": round(c["tp"] / (c["tp"] + c["fp"]), 4) if c["tp"] + c["fp"] else 0.0,
        "recall": round(c["tp"] / (c["tp"] + c["fn"]), 4) if c["tp"] + c["fn"] else 0.0,
        "per_phenomenon": {p: _f1(v["tp"], v["fp"], v["fn"]) for p, v in per.items() if v["n"]},
        "per_phenomenon_n": {p: v["n"] for p, v in per.items() if v["n"]},
        "per_phenomenon_items_f1": {p: _f1(v["itp"], v["ifp"], v["ifn"]) for p, v in per.items() if v["n"]},
        "intent_accuracy": round(c["intent_ok"] / n, 4) if n else 0.0,
        "items": {"f1": _f1(c["itp"], c["ifp"], c["ifn"]) or 0.0, "support": c["itp"] + c["ifn"],
                  "polarity_accuracy": round(c["pol_ok"] / c["pol_n"], 4) if c["pol_n"] else None},
        "gold_constraints": c["tp"] + c["fn"],
    }


def oracle_turn(ex: Example) -> ParsedTurn:
    """The labels as a ParsedTurn (a perfect parser; used to check the scorer)."""
    add = []
    remove = []
    for g in ex.row.constraints:
        if g.op == "drop":
            remove.append(Constraint(g.attribute, "exclude", g.value))
        elif g.op in ("min", "max"):
            add.append(Constraint(g.attribute, "ge" if g.op == "min" else "le", g.value))
        else:
            add.append(Constraint(g.attribute, g.op, g.value))
    pol = {"liked": 1, "disliked": -1}
    mentions = tuple(Mention(i, "item", ex.state.turn + 1, Speaker.USER, pol.get(p, 0)) for i, p in ex.items)
    return ParsedTurn(ex.text, ex.row.intent, mentions, tuple(add), tuple(remove), ex.row.soft)


def empty_turn(ex: Example) -> ParsedTurn:
    """The empty parser: hears nothing (the floor every parser must beat)."""
    return ParsedTurn(ex.text)


def evaluate_understanding(examples: Sequence[Example], parsers: Mapping[str, Callable[[Example], ParsedTurn]],
                           headline: str) -> dict[str, Any]:
    """The headline parser's scores at the top level, every parser's (baselines) under `baselines`."""
    scores = {name: score(examples, fn) for name, fn in parsers.items()}
    report = dict(scores[headline])
    report["parser"] = headline
    report["baselines"] = {name: {k: s[k] for k in ("f1", "precision", "recall", "per_phenomenon", "intent_accuracy", "items")}
                           for name, s in scores.items() if name != headline}
    return report


def reading_parser(nlu: NLU, catalog: Catalog) -> Callable[[Example], ParsedTurn]:
    """The agent's real reading path (`crs.dialogue.read`: clean the text, the NLU, yes/no and
    reaction cues) in each message's context."""
    from crs.dialogue.elicit import Elicitor
    from crs.dialogue.read import clean_text, read

    elicitor = Elicitor.for_catalog(catalog)

    def parse(ex: Example) -> ParsedTurn:
        text, _ = clean_text(ex.text)
        return read(text, ex.state, nlu, catalog, elicitor).parsed

    return parse


def select(rows: Iterable[LabelRow], split: str) -> list[LabelRow]:
    if split not in (*SPLITS, "all"):
        raise UnderstandingError(f"unknown split {split!r}; use tune, test or all")
    return [r for r in rows if split == "all" or r.split == split]


__all__ = ["LABELS", "PHENOMENA", "Example", "Gold", "LabelRow", "UnderstandingError", "constraint_counts",
           "empty_turn", "evaluate_understanding", "load_examples", "load_labels", "normalise", "oracle_turn",
           "predicted_keys", "reading_parser", "score", "select", "text_hash"]
