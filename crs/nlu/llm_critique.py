"""Critique rewriting by an LLM, validated against the catalog schema (invalid → None → rules).

The model is asked for one JSON object {"add": [{"attribute", "op", "value"}], "preference": str}.
Every constraint must name a schema attribute, a valid op, and (for value attributes) a value the
schema knows (case-insensitive); numeric values must parse as numbers. Anything else is dropped;
when nothing valid remains the caller falls back to the rules.
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any

from crs.nlu.critique import item_value
from crs.nlu.lexicon import value_map
from crs.types import AttributeKind, Catalog, Constraint, Critique

if TYPE_CHECKING:
    from crs.protocols import LLM

log = logging.getLogger(__name__)

PROMPT = """Rewrite the movie critique as JSON constraints.
Attributes: {attrs}.
Ops: include, exclude (for genres/decade), gt, lt (for numbers).
Current movie: {item}.
Critique: "{text}"
Answer with JSON only, in this form: {{"add": [{{"attribute": "<attribute>", "op": "<op>", "value": "<value>"}}], "preference": "<what the user wants, in a few words>"}}
JSON:"""
"""The form uses placeholders, not a concrete example: small models copy examples verbatim, and a
copied placeholder fails validation (→ rules) instead of passing as a wrong but valid constraint."""


class LLMCritique:
    """Ask an `LLM` backend to rewrite a critique; validate; return None when unusable."""

    def __init__(self, llm: LLM, catalog: Catalog, max_tokens: int = 96) -> None:
        self.llm, self.catalog, self.max_tokens = llm, catalog, max_tokens
        self.calls = 0
        self.valid = 0
        """How many rewrites were asked for, and how many passed validation (the rest used the rules)."""

    def prompt(self, text: str, about: str | None) -> str:
        attrs = []
        for a in self.catalog.schema:
            if a.is_numeric:
                attrs.append(f"{a.name} (number)")
            elif len(a.values) <= 30:
                attrs.append(f"{a.name} ({', '.join(a.values)})")
        item = "none"
        if about and about in self.catalog:
            it = self.catalog.item(about)
            nums = {a.name: item_value(it, a.name) for a in self.catalog.schema if a.is_numeric}
            item = f"{it.display}; genres {', '.join(it.values('genres'))}; " + ", ".join(
                f"{k} {v:g}" for k, v in nums.items() if v is not None)
        return PROMPT.format(attrs="; ".join(attrs), item=item, text=text.replace('"', "'")[:300])

    def rewrite(self, text: str, about: str | None) -> Critique | None:
        self.calls += 1
        try:
            raw = self.llm.complete(self.prompt(text, about), self.max_tokens)
        except Exception as e:  # noqa: BLE001 - a failing backend means: use the rules
            log.warning("LLM critique backend failed (%s); using rules", e)
            return None
        out = self.validate(raw, text, about)
        self.valid += out is not None
        return out

    def validate(self, raw: str, text: str, about: str | None) -> Critique | None:
        obj = _first_json(raw or "")
        if not isinstance(obj, dict) or not isinstance(obj.get("add"), list):
            return None
        add = [c for c in (self._constraint(x) for x in obj["add"][:10]) if c is not None]
        if not add:
            return None
        pref = obj.get("preference")
        pref = pref.strip()[:200] if isinstance(pref, str) else ""
        return Critique(text, tuple(dict.fromkeys(add)), (), pref, about)

    def _constraint(self, x: Any) -> Constraint | None:
        if not isinstance(x, dict):
            return None
        attr, op, value = x.get("attribute"), x.get("op"), x.get("value")
        if not isinstance(attr, str) or attr not in self.catalog.schema or op not in Constraint.OPS:
            return None
        spec = self.catalog.schema.get(attr)
        if spec.kind is AttributeKind.NUMERIC:
            if op in ("include", "exclude"):
                return None
            try:
                num = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return None
            return Constraint(attr, op, int(num) if num.is_integer() else num)
        if op not in ("include", "exclude") or not isinstance(value, str):
            return None
        canon = value_map(self.catalog.schema, attr).get(value.strip().lower())
        return Constraint(attr, op, canon) if canon else None


def _first_json(raw: str) -> Any:
    """The first balanced {...} in the text that parses as JSON, else None."""
    start = raw.find("{")
    while start != -1:
        depth = 0
        for i in range(start, min(len(raw), start + 4000)):
            depth += raw[i] == "{"
            depth -= raw[i] == "}"
            if depth == 0:
                try:
                    return json.loads(raw[start:i + 1])
                except json.JSONDecodeError:
                    break
        start = raw.find("{", start + 1)
    m = re.search(r"\[.*\]", raw, re.DOTALL)
    return {"add": json.loads(m.group(0))} if m and _loads_ok(m.group(0)) else None


def _loads_ok(s: str) -> bool:
    try:
        return isinstance(json.loads(s), list)
    except json.JSONDecodeError:
        return False
