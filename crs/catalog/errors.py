"""Errors raised while loading catalogs."""

from __future__ import annotations

from pathlib import Path

from crs.errors import CRSError


class CatalogError(CRSError):
    """A catalog file is missing, malformed or inconsistent. Names the file, line and problem."""

    def __init__(self, path: str | Path | None, problem: str, line: int | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.problem = problem
        where = self.path or "<catalog>"
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: {problem}")
