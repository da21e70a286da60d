"""Helpers shared by catalog loaders: title/year parsing, decade, JSON reading with clear errors."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

from crs.catalog.errors import CatalogError

_YEAR = re.compile(r"\s*\((\d{4})(?:[-–]\d{0,4})?\)\s*$")
_ARTICLE = re.compile(r"^(.*), (The|A|An|Les|La|Le|Il|El|Die|Das|Der)$", re.IGNORECASE)


def split_title_year(name: str) -> tuple[str, int | None]:
    """'Toy Story (1995)' → ('Toy Story', 1995); 'Matrix, The (1999)' → ('The Matrix', 1999)."""
    name = (name or "").strip()
    m = _YEAR.search(name)
    year = int(m.group(1)) if m else None
    title = name[: m.start()].strip() if m else name
    a = _ARTICLE.match(title)
    if a:
        title = f"{a.group(2)} {a.group(1)}"
    return title, year


def normalise_title(title: str) -> str:
    """Lower-case, accents stripped, punctuation removed, leading article moved/removed."""
    t = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    t = t.lower().strip()
    a = _ARTICLE.match(t)
    if a:
        t = f"{a.group(2)} {a.group(1)}"
    t = re.sub(r"^(the|a|an) ", "", t)
    t = re.sub(r"[^a-z0-9]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def decade(year: int | None) -> str | None:
    return f"{year // 10 * 10}s" if year else None


def read_json(path: Path) -> Any:
    if not path.exists():
        raise CatalogError(path, "file not found")
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as e:
        raise CatalogError(path, f"malformed JSON: {e.msg} (column {e.colno})", line=e.lineno) from None
    except UnicodeDecodeError as e:
        raise CatalogError(path, f"not UTF-8 text: {e.reason}") from None


def require_file(path: Path) -> Path:
    if not path.exists():
        raise CatalogError(path, "file not found (check --data-dir or CRS_DATA_DIR)")
    return path
