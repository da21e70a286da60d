"""User-facing errors. The CLI prints any `CRSError` in one line (no traceback) and exits 2."""

from __future__ import annotations


class CRSError(Exception):
    """Base class for errors caused by input, configuration or data, not by a bug."""
