"""Subprocess commands that run beside the other tests, on the CPU the tests leave idle.

The main test process is mostly one thread; on 2 cores a long command in a subprocess (a DQN trainer,
`crs bench serve` against forked workers, a Ray run) can use the other core. A test module lists such
commands in `BACKGROUND = {name: factory}`; a test marked `@pytest.mark.background(name)` gets the
finished `Job` from the `background` fixture (it waits for it).

At the end of collection the jobs of the selected tests are queued in the order the tests will need
them; two threads run them at the lowest priority (`nice 19`: they take only CPU the tests leave idle;
a `Step(nice=False)` runs at normal priority). A test that waits for a job not yet started moves it to the front. A job that
needs an artifact of the session lists it in the module's `BACKGROUND_AFTER = {name: fixture}`: it
is not started before that session fixture calls `ready(fixture)` (the test requests the fixture too).
A factory gets the data directory and a fresh work directory and returns the commands to run one
after the other (`Step`s); the environment is the session's (the run's cache directory) plus `env`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The repository root: the commands' working directory (`python -c` then imports `tests.*`, `ui.*`)."""


@dataclass(frozen=True)
class Step:
    argv: Sequence[str]
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = 900
    input: str | None = None
    """Standard input of the command."""
    nice: bool = True
    """Run at the lowest priority. False for commands with start-up deadlines of their own (Ray's
    processes time out when starved); they share the CPU with the tests as equals."""


Factory = Callable[[Path, Path], Sequence[Step]]


class Job:
    """Steps run one after the other by the scheduler; `results()` waits and returns them."""

    def __init__(self, name: str, steps: Sequence[Step], workdir: Path, after: str | None = None) -> None:
        self.name, self.steps, self.workdir, self.after = name, list(steps), workdir, after
        self.wanted = False
        self.done = threading.Event()
        self._results: list[subprocess.CompletedProcess[str]] = []
        self._error: BaseException | None = None

    def run(self) -> None:
        nice = ["nice", "-n", "19"] if shutil.which("nice") else []
        try:
            for step in self.steps:
                self._results.append(subprocess.run([*(nice if step.nice else []), *step.argv], check=False, capture_output=True, text=True,
                                                    env={**os.environ, **step.env}, timeout=step.timeout,
                                                    input=step.input, cwd=ROOT))
        except BaseException as e:  # noqa: BLE001 - re-raised in the test that waits for the job
            self._error = e
        finally:
            self.done.set()

    def results(self) -> list[subprocess.CompletedProcess[str]]:
        SCHEDULER.want(self)
        self.done.wait()
        if self._error is not None:
            raise self._error
        return self._results


WORKERS = 2
"""Jobs running at once: at their priority they share the core the tests leave idle, and both cores
while the tests wait for them."""


class Scheduler:
    """Worker threads run the queued jobs in order; wanted jobs first, jobs waiting for a fixture later."""

    def __init__(self) -> None:
        self.queue: list[Job] = []
        self.ready: set[str] = set()
        self.cond = threading.Condition()
        self.threads: list[threading.Thread] = []

    def add(self, job: Job) -> Job:
        with self.cond:
            self.queue.append(job)
            while len(self.threads) < WORKERS:
                self.threads.append(threading.Thread(target=self._loop, name=f"background-jobs-{len(self.threads)}",
                                                     daemon=True))
                self.threads[-1].start()
            self.cond.notify_all()
        return job

    def want(self, job: Job) -> None:
        with self.cond:
            job.wanted = True
            self.cond.notify_all()

    def mark_ready(self, fixture: str) -> None:
        with self.cond:
            self.ready.add(fixture)
            self.cond.notify_all()

    def _next(self) -> Job | None:
        runnable = [j for j in self.queue if j.after is None or j.after in self.ready]
        wanted = [j for j in runnable if j.wanted]
        return (wanted or runnable or [None])[0]

    def _loop(self) -> None:
        while True:
            with self.cond:
                job = self._next()
                while job is None:
                    self.cond.wait()
                    job = self._next()
                self.queue.remove(job)
            job.run()


SCHEDULER = Scheduler()


def ready(fixture: str) -> None:
    """Called by a session fixture once built: jobs waiting for it may start."""
    SCHEDULER.mark_ready(fixture)
