"""Subprocess commands that start when the session starts and run beside the other tests.

The main test process is mostly one thread; on 2 cores a long command in a subprocess (a DQN trainer,
`crs eval order` training a sequence model) can use the other core. A test module lists such commands
in `BACKGROUND = {name: factory}`; a test marked `@pytest.mark.background(name)` gets the finished
`Job` from the `background` fixture (it waits for it). Jobs start at the end of collection for the
selected tests only, at low priority (`nice`) so they never slow the tests in the foreground, and
only jobs that need nothing the session builds (no ReDial item vectors: those would be encoded twice).
A factory gets the data directory and a fresh work directory and returns the commands to run one
after the other (`Step`s); the environment is the session's (the run's cache directory) plus `env`.
A job that needs an artifact of the session lists it in the module's `BACKGROUND_AFTER = {name: fixture}`:
it waits until that session fixture is built (`ready(fixture)`; the test requests the fixture too).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Step:
    argv: Sequence[str]
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = 900
    input: str | None = None
    """Standard input of the command."""


Factory = Callable[[Path, Path], Sequence[Step]]
READY: dict[str, threading.Event] = {}
ROOT = Path(__file__).resolve().parents[1]
"""The repository root: the commands' working directory (`python -c` then imports `tests.*`, `ui.*`)."""


def ready(fixture: str) -> None:
    """Called by a session fixture once built: jobs waiting for it may start."""
    READY.setdefault(fixture, threading.Event()).set()


class Job:
    """Runs its steps in a thread (each a subprocess); `results()` waits and returns them."""

    def __init__(self, name: str, steps: Sequence[Step], workdir: Path, after: str | None = None) -> None:
        self.name, self.steps, self.workdir = name, list(steps), workdir
        self.after = READY.setdefault(after, threading.Event()) if after else None
        self._results: list[subprocess.CompletedProcess[str]] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"background-{name}", daemon=True)

    def start(self) -> Job:
        self._thread.start()
        return self

    def _run(self) -> None:
        nice = ["nice", "-n", "19"] if shutil.which("nice") else []
        try:
            if self.after is not None:
                self.after.wait()
            for step in self.steps:
                self._results.append(subprocess.run([*nice, *step.argv], check=False, capture_output=True, text=True,
                                                    env={**os.environ, **step.env}, timeout=step.timeout,
                                                    input=step.input, cwd=ROOT))
        except BaseException as e:  # noqa: BLE001 - re-raised in the test that waits for the job
            self._error = e

    def results(self) -> list[subprocess.CompletedProcess[str]]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._results
