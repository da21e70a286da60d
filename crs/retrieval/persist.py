"""Checksummed, atomically written array bundles for persisted indexes.

Every file stores its arrays, a `fingerprint` of the inputs it was built from and a sha256
`checksum` of its payload. `load_arrays` returns None (and logs a warning) when the file is
missing, unreadable, corrupt or stale, so the caller rebuilds instead of serving wrong results.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from crs.config import atomic_write_bytes

log = logging.getLogger(__name__)


def checksum(arrays: Mapping[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode())
        h.update(str(a.dtype).encode())
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save_arrays(path: Path, fingerprint: str, arrays: Mapping[str, np.ndarray]) -> None:
    buf = io.BytesIO()
    # allow_pickle spelled out (numpy's default) so no `**arrays` key can be taken for it
    np.savez(buf, allow_pickle=True, **arrays, __fingerprint=np.array(fingerprint),
             __checksum=np.array(checksum(arrays)))
    atomic_write_bytes(Path(path), buf.getvalue())


def load_arrays(path: Path, fingerprint: str) -> dict[str, np.ndarray] | None:
    """The arrays saved at `path` if the file is intact and was built for `fingerprint`, else None."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as e:  # noqa: BLE001 - any unreadable index is rebuilt
        log.warning("index file %s unreadable (%s): rebuilding", path, e)
        return None
    fp = arrays.pop("__fingerprint", None)
    cs = arrays.pop("__checksum", None)
    if fp is None or cs is None or fp.item() != fingerprint:
        log.warning("index file %s is stale (built for other inputs): rebuilding", path)
        return None
    if cs.item() != checksum(arrays):
        log.warning("index file %s is corrupt (checksum mismatch): rebuilding", path)
        return None
    return arrays


def fingerprint(*parts: object) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode())
        h.update(b"\x00")
    return h.hexdigest()[:20]
