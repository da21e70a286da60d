"""A throwaway PostgreSQL server for the tests (Debian's postgresql-15 binaries, a Unix socket in
a temporary directory, trust authentication). Run as root (CI) it runs the server as the
`postgres` user; otherwise as the current user. Any failure to start is an error, never a skip."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")


def _run(argv: list[str], as_postgres: bool) -> None:
    cmd = ["su", "postgres", "-c", " ".join(argv)] if as_postgres else argv
    r = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:2])} failed: {r.stderr.strip() or r.stdout.strip()}")


@contextmanager
def postgres(port: int | None = None) -> Iterator[str]:
    """Yield a postgresql:// URL of a fresh server; stop and delete it afterwards."""
    if port is None:
        with socket.socket() as s:  # a port number nobody uses now (the server listens on a Unix socket only)
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
    if not (BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL 15 is not installed ({BIN}/initdb missing): apt-get install postgresql")
    as_postgres = os.geteuid() == 0
    d = Path(tempfile.mkdtemp(prefix="crs-pg-"))
    if as_postgres:
        shutil.chown(d, "postgres")
    data = d / "data"
    _run([str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"], as_postgres)
    _run([str(BIN / "pg_ctl"), "-D", str(data), "-o", f"'-p {port} -k {d} -h \"\"'", "-l", str(d / "log"), "-w",
          "start"], as_postgres)
    try:
        yield f"postgresql://postgres@/postgres?host={d}&port={port}"
    finally:
        _run([str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], as_postgres)
        shutil.rmtree(d, ignore_errors=True)
