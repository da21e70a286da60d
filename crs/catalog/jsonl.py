"""Generic JSON-lines catalog so people can bring their own items.

Format (UTF-8, one JSON object per line):

    {"id": "m1", "title": "Alien", "text": "A crew meets a deadly creature...",
     "attributes": {"genres": ["Horror", "Sci-Fi"], "year": 1979, "mpaa": "R"},
     "popularity": 12.5}

Required: `id` (string or int, unique), `title` (string). Optional: `text`, `year` (int),
`attributes` (object), `popularity` (number). Attribute kinds are inferred: list → multi-valued,
number → numeric, string → categorical. An optional first line `{"schema": {"name": "kind", ...}}`
declares kinds explicitly (kinds: categorical, multi-valued, ordinal, numeric).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crs.catalog.errors import CatalogError
from crs.catalog.util import require_file
from crs.types import Attribute, AttributeKind, AttributeSchema, AttrValue, Catalog, Item


def _kind_of(value: Any) -> AttributeKind:
    if isinstance(value, list):
        return AttributeKind.MULTI
    if isinstance(value, bool):
        return AttributeKind.CATEGORICAL
    if isinstance(value, (int, float)):
        return AttributeKind.NUMERIC
    return AttributeKind.CATEGORICAL


def _coerce(path: Path, lineno: int, name: str, kind: AttributeKind, value: Any) -> AttrValue:
    if value is None:
        return None
    if kind is AttributeKind.MULTI:
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            raise CatalogError(path, f"attribute {name!r} must be a list of strings", line=lineno)
        return tuple(str(v) for v in value)
    if kind is AttributeKind.NUMERIC:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise CatalogError(path, f"attribute {name!r} must be a number, got {value!r}", line=lineno)
        return value
    if isinstance(value, (list, dict)):
        raise CatalogError(path, f"attribute {name!r} must be a single value, got {type(value).__name__}", line=lineno)
    return str(value)


def load_jsonl(path: str | Path, name: str = "jsonl") -> Catalog:
    path = require_file(Path(path))
    declared: dict[str, AttributeKind] = {}
    raw_items: list[tuple[int, dict[str, Any]]] = []
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                raise CatalogError(path, "line is not valid UTF-8", line=lineno) from None
            except json.JSONDecodeError as e:
                hint = " (truncated file?)" if not raw.endswith(b"\n") else ""
                raise CatalogError(path, f"malformed JSON: {e.msg}{hint}", line=lineno) from None
            if not isinstance(obj, dict):
                raise CatalogError(path, "each line must be a JSON object", line=lineno)
            if lineno == 1 and set(obj) == {"schema"}:
                try:
                    declared = {k: AttributeKind(v) for k, v in obj["schema"].items()}
                except (ValueError, AttributeError) as e:
                    raise CatalogError(path, f"bad schema line: {e}", line=lineno) from None
                continue
            raw_items.append((lineno, obj))
    if not raw_items:
        raise CatalogError(path, "no items in file")
    kinds = dict(declared)
    for lineno, obj in raw_items:
        attrs = obj.get("attributes", {})
        if not isinstance(attrs, dict):
            raise CatalogError(path, "'attributes' must be an object", line=lineno)
        for k, v in attrs.items():
            if k not in kinds and v is not None:
                kinds[k] = _kind_of(v)
    items: list[Item] = []
    seen: dict[str, int] = {}
    values: dict[str, set[str]] = {k: set() for k in kinds}
    for lineno, obj in raw_items:
        for req in ("id", "title"):
            if req not in obj:
                raise CatalogError(path, f"missing required field {req!r}", line=lineno)
        if not isinstance(obj["id"], (str, int)) or isinstance(obj["id"], bool):
            raise CatalogError(path, f"'id' must be a string or integer, got {obj['id']!r}", line=lineno)
        iid = str(obj["id"])
        if iid in seen:
            raise CatalogError(path, f"duplicate id {iid!r} (first on line {seen[iid]})", line=lineno)
        seen[iid] = lineno
        if not isinstance(obj["title"], str) or not obj["title"].strip():
            raise CatalogError(path, "'title' must be a non-empty string", line=lineno)
        year = obj.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            raise CatalogError(path, f"'year' must be an integer, got {year!r}", line=lineno)
        pop = obj.get("popularity", 0.0)
        if isinstance(pop, bool) or not isinstance(pop, (int, float)):
            raise CatalogError(path, f"'popularity' must be a number, got {pop!r}", line=lineno)
        text = obj.get("text", "")
        if not isinstance(text, str):
            raise CatalogError(path, "'text' must be a string", line=lineno)
        attrs = {k: _coerce(path, lineno, k, kinds[k], v) for k, v in obj.get("attributes", {}).items()}
        for k, v in attrs.items():
            if isinstance(v, tuple):
                values[k].update(v)
            elif isinstance(v, str):
                values[k].add(v)
        items.append(Item(iid, obj["title"].strip(), year, text, attrs, float(pop)))
    schema = AttributeSchema(tuple(Attribute(k, kinds[k], tuple(sorted(values[k]))) for k in kinds))
    return Catalog(name, tuple(items), schema, None, meta={"path": str(path)})


def dump_jsonl(catalog: Catalog, path: str | Path) -> None:
    """Write a catalog in the generic format (schema line first); `load_jsonl` round-trips it."""
    with Path(path).open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"schema": {a.name: a.kind.value for a in catalog.schema}}) + "\n")
        for it in catalog.items:
            attrs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in it.attributes.items()}
            rec = {"id": it.id, "title": it.title, "year": it.year, "text": it.text,
                   "attributes": attrs, "popularity": it.popularity}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
