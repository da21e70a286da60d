"""Serving the HTTP API with several worker processes on one machine (pre-fork).

The parent builds and warms the agent once, closes its store connection, binds the socket and
forks `workers` children; each child reopens the store (a connection must not cross a fork),
builds the FastAPI app and serves it with uvicorn's HTTP protocol on the shared socket, accepting a
connection only while no other worker has fewer open (`ui.api.balance`: join the shortest queue). The parent only supervises: a worker that dies (even `kill -9`) is replaced by
a new fork of the warm parent, and SIGTERM / SIGINT stop every worker. Every turn is committed
with its session state before the reply is sent, so a killed worker loses no committed turn and
any other worker continues the session.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from crs.dialogue.agent import Agent
from crs.errors import CRSError
from ui.api.app import ApiConfig, build_app
from ui.api.balance import BalancedServer, Loads


@dataclass(frozen=True)
class ServeConfig:
    """Where and how many processes serve the API."""

    host: str = "127.0.0.1"
    """Interface to listen on (behind a reverse proxy keep 127.0.0.1)."""
    port: int = 8000
    workers: int = 2
    """Worker processes (one per core is a good start)."""
    threads: int = 1
    """torch, BLAS and OpenMP threads per worker (`crs.config.serving_threads`)."""
    api: ApiConfig = field(default_factory=ApiConfig)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket shared by the workers."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise CRSError(f"cannot listen on {host}:{port}: {e.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(agent: Agent, config: ServeConfig, log: Callable[[str], None]) -> None:
    """Run the API with `config.workers` forked workers until SIGTERM / SIGINT."""
    if config.workers < 1:
        raise CRSError(f"--workers must be at least 1, got {config.workers}")
    if agent.store is None:
        raise CRSError("serving needs an agent with a store")
    sock = bind(config.host, config.port)
    agent.store.close()  # each worker opens its own connection
    Supervisor(agent, sock, config, log).run()


class Supervisor:
    """Forks the workers, replaces any that dies, stops them all on SIGTERM / SIGINT."""

    def __init__(self, agent: Agent, sock: socket.socket, config: ServeConfig, log: Callable[[str], None]) -> None:
        self.agent, self.sock, self.config, self.log = agent, sock, config, log
        self.children: dict[int, tuple[float, int]] = {}  # pid -> (start time, slot in `loads`)
        self.loads = Loads(config.workers)  # shared with the workers: made before they are forked
        self.stopping = False
        self.quick_deaths = 0

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for slot in range(self.config.workers):
            self._spawn(slot)
        self.log(f"workers {sorted(self.children)} on http://{self.config.host}:{self.sock.getsockname()[1]}")
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            child = self.children.pop(pid, None)
            if child is None or self.stopping:
                continue
            started, slot = child
            self.loads.vacate(slot)
            self.log(f"worker {pid} died ({_describe(status)}); starting another")
            self.quick_deaths = self.quick_deaths + 1 if time.monotonic() - started < 2.0 else 0
            if self.quick_deaths > 5:
                self._stop()
                raise CRSError("workers keep dying at start; see the errors above")
            self._spawn(slot)
        self.sock.close()

    def _spawn(self, slot: int) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                run_worker(self.agent, self.sock, self.config, self.loads, slot)
            except BaseException:  # noqa: BLE001 - a worker reports and exits, the parent replaces it
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        self.children[pid] = (time.monotonic(), slot)

    def _stop(self, *_: object) -> None:
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def run_worker(agent: Agent, sock: socket.socket, config: ServeConfig, loads: Loads, slot: int) -> None:
    """One worker process: its own store connection, the app, uvicorn on the shared socket, accepting
    while it is the least loaded worker (`ui.api.balance`)."""
    import uvicorn

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    if agent.store is not None:
        agent.store.reopen()
    from crs.config import serving_threads

    serving_threads(config.threads)
    app = build_app(agent, config.api)
    # asyncio and h11 named: uvicorn's "auto" would switch to uvloop / httptools once installed (ray[serve] brings them)
    BalancedServer(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", loop="asyncio",
                                  http="h11", timeout_keep_alive=30), loads, slot).run(sockets=[sock])


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.WEXITSTATUS(status)}"
