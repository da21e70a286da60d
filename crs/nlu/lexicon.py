"""The synonym lexicon (a data file, `lexicon.json`) mapped onto one catalog's schema.

Domain words live in the JSON file; this module only knows how to align them with whatever
attribute values a catalog has (case-insensitive: `horror` and `Horror` are the same value).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from crs.types import AttributeKind, AttributeSchema


def load_lexicon(path: str | Path | None = None) -> dict[str, Any]:
    """The raw lexicon dict (the packaged file unless `path` is given)."""
    if path is not None:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    return json.loads(resources.files("crs.nlu").joinpath("lexicon.json").read_text(encoding="utf-8"))


def value_map(schema: AttributeSchema, attribute: str) -> dict[str, str]:
    """Lower-case value → the schema's spelling, for one attribute (empty if absent)."""
    if attribute not in schema:
        return {}
    return {v.lower(): v for v in schema.get(attribute).values}


@dataclass(frozen=True)
class SchemaLexicon:
    """The lexicon restricted to one schema: phrases → (attribute, canonical value) pairs."""

    schema: AttributeSchema
    raw: Mapping[str, Any]
    phrases: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, schema: AttributeSchema, raw: Mapping[str, Any] | None = None) -> SchemaLexicon:
        raw = raw if raw is not None else load_lexicon()
        phrases: dict[str, list[tuple[str, str]]] = {}
        for attr in schema:
            if attr.kind not in (AttributeKind.MULTI, AttributeKind.CATEGORICAL) or attr.name != "genres":
                continue
            vm = value_map(schema, attr.name)
            for low, canon in vm.items():  # every schema value names itself (and its plural)
                for form in {low, low + "s", low.replace("-", " ")}:
                    phrases.setdefault(form, []).append((attr.name, canon))
        for attr_name, table in raw.get("attribute_synonyms", {}).items():
            vm = value_map(schema, attr_name)
            for phrase, targets in table.items():
                hits = [(attr_name, v) for v in (_resolve(t, vm) for t in targets) if v]
                if hits:
                    phrases[phrase.lower()] = hits
        dedup = {k: tuple(dict.fromkeys(v)) for k, v in phrases.items()}
        return cls(schema, raw, dedup)

    def canonical(self, attribute: str, values: list[str]) -> list[str]:
        """Schema spellings of `values` for `attribute` (unknown values dropped, order kept)."""
        vm = value_map(self.schema, attribute)
        return list(dict.fromkeys(r for r in (_resolve(v, vm) for v in values) if r))

    def phrase_regex(self) -> re.Pattern[str]:
        alts = sorted((re.escape(p) for p in self.phrases), key=len, reverse=True)
        return re.compile(r"(?<![a-z0-9])(?:" + "|".join(alts) + r")(?![a-z0-9])") if alts else re.compile(r"(?!x)x")


def _resolve(target: str, vm: Mapping[str, str]) -> str | None:
    """'children|family' → the first alternative the schema has; a plain name → itself if known."""
    for alt in target.lower().split("|"):
        if alt in vm:
            return vm[alt]
    return None
