"""NLU accuracy against a simulator's turn labels (act, attributes, entities, polarity).

Gold: the simulated turn's `act.name` and `labels` (`attributes`: (name, value, polarity);
`entities`: (item id, polarity)). Predicted: the agent's `ParsedTurn` for the same text:
`intent`, item mentions, attribute mentions (`name=value`), person mentions and constraints.

Counts are kept per turn and summed (`merge_nlu`); `nlu_summary` gives
- act accuracy: share of turns whose intent is one the act maps to (`ACT_INTENTS`),
- entity / attribute precision, recall, F1 (micro, over (id) and (name, value) pairs),
- polarity accuracy: share of correctly found entities / attributes whose polarity sign matches.
"""

from __future__ import annotations

from typing import Any

from crs.types import ParsedTurn

ACT_INTENTS: dict[str, frozenset[str]] = {
    "state_attribute": frozenset({"add_details", "ask_rec"}),
    "mention_liked": frozenset({"add_details", "seen", "ask_rec"}),
    "mention_disliked": frozenset({"add_details", "reject", "seen", "critique"}),
    "critique": frozenset({"critique", "reject"}),
    "ask_rec": frozenset({"ask_rec"}),
    "accept": frozenset({"accept"}),
    "reject": frozenset({"reject", "seen"}),
    "chitchat": frozenset({"chitchat", "neutral", "other"}),
}
"""Simulator act -> NLU intents (IARD taxonomy) that count as understanding it. Stating a
preference is IARD's PRO (add_details) but often phrased as a request ("can you recommend a good
comedy"), which IARD labels IQU (ask_rec): both count."""

_COUNTS = ("turns", "act_ok", "ent_tp", "ent_fp", "ent_fn", "ent_pol_ok", "attr_tp", "attr_fp", "attr_fn",
           "attr_pol_ok")


def _predicted(parsed: ParsedTurn | None) -> tuple[dict[str, int], dict[tuple[str, str], int], set[str]]:
    """(item id -> polarity, (attribute, value) -> polarity, person names) from a ParsedTurn."""
    items: dict[str, int] = {}
    attrs: dict[tuple[str, str], int] = {}
    persons: set[str] = set()
    if parsed is None:
        return items, attrs, persons
    for m in parsed.mentions:
        if m.kind == "item":
            items.setdefault(m.entity, m.polarity)
        elif m.kind == "attribute" and "=" in m.entity:
            name, value = m.entity.split("=", 1)
            attrs.setdefault((name, value.lower()), m.polarity)
        elif m.kind == "person":
            persons.add(m.entity.split(":", 1)[-1].lower())
            attrs.setdefault(("person", m.entity.split(":", 1)[-1].lower()), m.polarity)
    adds = tuple(parsed.add) + (tuple(parsed.critique.add) if parsed.critique is not None else ())
    for c in adds:
        pol = -1 if c.op == "exclude" else 1
        attrs.setdefault((c.attribute, str(c.value).lower()), pol)
    return items, attrs, persons


def _sign(x: int) -> int:
    return (x > 0) - (x < 0)


def score_turn(turn: Any, parsed: ParsedTurn | None, person_attrs: tuple[str, ...] = ("stars", "director")) -> dict[str, Any]:
    """Counts for one user turn (gold: `turn.act`, `turn.labels`; predicted: `parsed`)."""
    items, attrs, _ = _predicted(parsed)
    act = turn.act.name
    intent = (parsed.intent if parsed is not None else "").lower()
    c: dict[str, Any] = dict.fromkeys(_COUNTS, 0)
    c["turns"] = 1
    c["act_ok"] = int(intent in ACT_INTENTS.get(act, frozenset({act})))
    gold_items = dict(turn.labels.entities)
    for item, pol in gold_items.items():
        if item in items:
            c["ent_tp"] += 1
            c["ent_pol_ok"] += int(_sign(items[item]) == _sign(pol))
        else:
            c["ent_fn"] += 1
    c["ent_fp"] = sum(1 for i in items if i not in gold_items)
    matched: set[tuple[str, str]] = set()
    for name, value, pol in turn.labels.attributes:
        key = ("person", value.lower()) if name in person_attrs else (name, value.lower())
        if key in attrs:
            c["attr_tp"] += 1
            c["attr_pol_ok"] += int(_sign(attrs[key]) == _sign(pol))
            matched.add(key)
        else:
            c["attr_fn"] += 1
    c["attr_fp"] = sum(1 for k in attrs if k not in matched)
    c["confusion"] = {f"{act}->{intent or 'none'}": 1}
    return c


def merge_nlu(total: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """Add the counts of `part` into `total` (in place); returns `total`."""
    for k, v in part.items():
        if k == "confusion":
            conf = total.setdefault("confusion", {})
            for pair, n in v.items():
                conf[pair] = conf.get(pair, 0) + n
        else:
            total[k] = total.get(k, 0) + v
    return total


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "support": tp + fn}


def nlu_summary(c: dict[str, Any]) -> dict[str, Any]:
    """Accuracies and P/R/F1 from summed counts; the 12 most common act->intent pairs."""
    if not c.get("turns"):
        return {"turns": 0}
    conf = sorted(c.get("confusion", {}).items(), key=lambda kv: -kv[1])[:12]
    return {
        "turns": c["turns"],
        "act_accuracy": round(c["act_ok"] / c["turns"], 4),
        "entities": _prf(c["ent_tp"], c["ent_fp"], c["ent_fn"]),
        "entity_polarity_accuracy": round(c["ent_pol_ok"] / c["ent_tp"], 4) if c["ent_tp"] else None,
        "attributes": _prf(c["attr_tp"], c["attr_fp"], c["attr_fn"]),
        "attribute_polarity_accuracy": round(c["attr_pol_ok"] / c["attr_tp"], 4) if c["attr_tp"] else None,
        "act_to_intent": dict(conf),
    }
