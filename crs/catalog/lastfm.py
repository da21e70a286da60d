"""LastFM* multi-round CRS benchmark (EAR / SCPR / UNICORN), anonymised ids.

Items `item_<id>` with one multi-valued attribute `tags` (anonymised attribute ids, as strings),
interactions from the train user–item relation.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from crs.catalog.errors import CatalogError
from crs.catalog.util import read_json, require_file
from crs.types import Attribute, AttributeKind, AttributeSchema, Catalog, Item


def _read_tsv_ids(path: Path) -> list[tuple[int, ...]]:
    require_file(path)
    rows: list[tuple[int, ...]] = []
    with path.open(encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t")
        header = next(reader, None)
        if header is None:
            raise CatalogError(path, "empty file")
        for lineno, row in enumerate(reader, start=2):
            if not row:
                continue
            try:
                rows.append(tuple(int(x) for x in row))
            except ValueError:
                raise CatalogError(path, f"expected integer ids, got {row!r}", line=lineno) from None
    return rows


def load_lastfm_star(root: Path) -> Catalog:
    """Load LastFM* from `root` (the `lastfm-star` folder)."""
    root = Path(root)
    items_rows = _read_tsv_ids_names(root / "entities" / "items.csv")
    n_attr = len(_read_tsv_ids_names(root / "entities" / "attributes.csv"))
    item_attr = read_json(root / "relation_dict" / "item-attribute_dict.json")
    if not isinstance(item_attr, dict):
        raise CatalogError(root / "relation_dict" / "item-attribute_dict.json", "expected an object {item: [attributes]}")
    ui = _read_tsv_ids(root / "relations" / "user_item.csv")
    n_items = len(items_rows)
    counts = np.zeros(n_items, dtype=np.float32)
    users, cols = [], []
    for row in ui:
        if len(row) != 2:
            raise CatalogError(root / "relations" / "user_item.csv", f"expected 2 columns, got {row}")
        u, i = row
        if not 0 <= i < n_items:
            raise CatalogError(root / "relations" / "user_item.csv", f"unknown item id {i}")
        users.append(u)
        cols.append(i)
        counts[i] += 1
    n_users = max(users) + 1 if users else 0
    inter = sp.csr_matrix((np.ones(len(users), dtype=np.float32), (users, cols)), shape=(n_users, n_items))
    items = []
    for mid, _name in items_rows:
        tags = tuple(str(a) for a in item_attr.get(str(mid), []))
        items.append(
            Item(id=str(mid), title=f"item_{mid}", text="", attributes={"tags": tags}, popularity=float(counts[mid]))
        )
    schema = AttributeSchema(
        (Attribute("tags", AttributeKind.MULTI, tuple(str(a) for a in range(n_attr)), "anonymised LastFM tags"),)
    )
    return Catalog("lastfm-star", tuple(items), schema, inter, meta={"n_attributes": n_attr, "root": str(root)})


def _read_tsv_ids_names(path: Path) -> list[tuple[int, str]]:
    require_file(path)
    out: list[tuple[int, str]] = []
    with path.open(encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t")
        next(reader, None)
        for lineno, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) < 2:
                raise CatalogError(path, f"expected 'map_id<TAB>name', got {row!r}", line=lineno)
            try:
                out.append((int(row[0]), row[1]))
            except ValueError:
                raise CatalogError(path, f"map_id is not an integer: {row[0]!r}", line=lineno) from None
    ids = [i for i, _ in out]
    if ids != list(range(len(ids))):
        raise CatalogError(path, "map_id values must be 0..n-1 in order")
    return out


def load_split(path: Path) -> dict[str, list[str]]:
    """A LastFM*-style split file {user: [items]} → {user: [item ids as strings]}."""
    raw = read_json(Path(path))
    if not isinstance(raw, dict):
        raise CatalogError(path, "expected a JSON object {user: [items]}")
    out: dict[str, list[str]] = {}
    for user, items in raw.items():
        if not isinstance(items, list):
            raise CatalogError(path, f"user {user!r}: expected a list of item ids")
        out[str(user)] = [str(i) for i in items]
    return out
