"""`crs serve` (the HTTP JSON API with worker processes) and `crs bench serve` (load through it)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from crs.errors import CRSError
from ui.cli.common import (
    CatalogOpt,
    DataDirOpt,
    JsonOpt,
    PathOpt,
    PolicyOpt,
    dd,
    err_console,
    print_json,
    stderr_log,
)

if TYPE_CHECKING:
    from crs.dialogue.agent import Agent
    from crs.dialogue.build import AgentConfig

BACKENDS = ("local", "ray")
StoreOpt = typer.Option(None, "--store", help="SQLite file or postgresql://user@host/db URL (default: cache dir/chat.db).")
NluOpt = typer.Option("learned", "--nlu", help="learned | rules (see AgentConfig.nlu).")
WorkersOpt = typer.Option(2, "--workers", help="Worker processes sharing the store (--backend ray: replicas).")


def serve(
    catalog: str = CatalogOpt,
    data_dir: Optional[Path] = DataDirOpt,
    path: Optional[Path] = PathOpt,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port of the API (OpenAPI at /docs)."),
    workers: int = WorkersOpt,
    store: Optional[str] = StoreOpt,
    nlu: str = NluOpt,
    policy: str = PolicyOpt,
    backend: str = typer.Option("local", "--backend", help="local (forked workers) | ray (Ray Serve replicas)."),
    max_chars: int = typer.Option(8000, "--max-chars", help="Longer messages are refused with 413."),
    replicas: Optional[int] = typer.Option(None, "--replicas", help="--backend ray: replicas of the agent "
                                           "(default: --workers)."),
    min_replicas: Optional[int] = typer.Option(None, "--min-replicas", help="--backend ray: autoscaling lower bound."),
    max_replicas: Optional[int] = typer.Option(None, "--max-replicas", help="--backend ray: autoscaling upper bound."),
    address: Optional[str] = typer.Option(None, "--address", help="--backend ray: a running Ray cluster "
                                          "(default: start a local Ray)."),
) -> None:
    """Serve the chat agent as an HTTP JSON API (sessions, messages, feedback, history)."""
    from crs.config import cache_dir
    from crs.dialogue.build import AgentConfig, build_agent
    from crs.store import Store
    from ui.api.app import ApiConfig
    from ui.api.server import ServeConfig
    from ui.api.server import serve as run

    if backend not in BACKENDS:
        raise CRSError(f"unknown --backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if backend == "ray":
        serve_on_ray(AgentConfig(catalog=catalog, data_dir=dd(data_dir), path=str(path) if path else None, nlu=nlu,
                                 policy=policy), store, host, port, workers if replicas is None else replicas,
                     min_replicas, max_replicas, address, ApiConfig(max_chars=max_chars))
        return
    if not 1 <= workers <= 64:
        raise CRSError(f"--workers must be between 1 and 64, got {workers}")
    err_console.print(f"loading the {catalog} catalog and building the agent…", highlight=False)
    st = Store(store or cache_dir() / "chat.db", exclusive_turns=True)
    agent = build_agent(AgentConfig(catalog=catalog, data_dir=dd(data_dir), path=str(path) if path else None,
                                    nlu=nlu, policy=policy), store=st)
    agent.warm_up()  # lazy models load once in the parent; forked workers inherit them
    err_console.print(f"ready: {len(agent.catalog):,} items, {workers} workers, store {st.dialect}; "
                      f"API on http://{host}:{port} (OpenAPI at /docs)", highlight=False)
    run(agent, ServeConfig(host=host, port=port, workers=workers, api=ApiConfig(max_chars=max_chars)), stderr_log())


def serving_agent(config: AgentConfig, store: str) -> Agent:
    """The agent of one Ray Serve replica (picklable through `functools.partial`)."""
    from crs.dialogue.build import build_agent
    from crs.store import Store

    return build_agent(config, store=Store(store, exclusive_turns=True))


def serve_on_ray(config: AgentConfig, store: Optional[str], host: str, port: int, replicas: int,
                 min_replicas: Optional[int], max_replicas: Optional[int], address: Optional[str], api: Any) -> None:
    """`crs serve --backend ray`: build the agent once here (fails early, fills the caches the replicas
    read), then deploy replicas that each build their own over the shared store."""
    from functools import partial

    from crs.config import cache_dir
    from ui.api.ray_backend import RayServeConfig, check_reachable, serve_ray

    rcfg = RayServeConfig(host=host, port=port, replicas=replicas, min_replicas=min_replicas,
                          max_replicas=max_replicas, address=address, api=api)
    rcfg.check()
    if address is not None:
        check_reachable(address)  # before the agent is built: Ray would retry an unreachable cluster for minutes
    url = store or str(cache_dir() / "chat.db")
    if "://" not in url:
        url = str(Path(url).resolve())  # replicas may run in another working directory
    err_console.print(f"loading the {config.catalog} catalog and building the agent…", highlight=False)
    agent = serving_agent(config, url)
    agent.warm_up()
    err_console.print(f"ready: {len(agent.catalog):,} items, store {agent.store.dialect if agent.store else '-'}; "
                      f"starting Ray Serve…", highlight=False)
    if agent.store is not None:
        agent.store.close()
    del agent
    serve_ray(partial(serving_agent, config, url), rcfg, stderr_log())


def bench_serve(
    catalog: str = CatalogOpt,
    data_dir: Optional[Path] = DataDirOpt,
    sessions: int = typer.Option(50, "--sessions", help="Concurrent sessions."),
    turns: int = typer.Option(20, "--turns", help="Requests per session (about 1 in 4 hostile)."),
    workers: int = WorkersOpt,
    backend: str = typer.Option("local", "--backend", help="local | ray (the server this command starts)."),
    url: Optional[str] = typer.Option(None, "--url", help="A running server to drive (else one is started)."),
    store: Optional[str] = typer.Option(None, "--store", help="Store of the started server (default: a temporary SQLite file)."),
    nlu: str = NluOpt,
    kill_worker: bool = typer.Option(False, "--kill-worker", help="kill -9 one worker when half the requests are answered."),
    seed: int = typer.Option(0, "--seed", help="Seed of the session scripts."),
    as_json: bool = JsonOpt,
) -> None:
    """Load through the HTTP API: messages/s, p50/p99 ms, errors, leaks, lost turns."""
    from ui.api.load import LoadConfig, load
    from ui.cli.common import load as load_catalog

    if sessions < 1 or turns < 1:
        raise CRSError("--sessions and --turns must be at least 1")
    if backend not in BACKENDS:
        raise CRSError(f"unknown --backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if kill_worker and url:
        raise CRSError("--kill-worker needs a server started by this command (no --url)")
    cat = load_catalog(catalog, data_dir)
    titles = [it.title for it in sorted(cat.items, key=lambda i: -i.popularity)[:300]]
    cfg = LoadConfig(sessions=sessions, turns=turns, seed=seed)
    if url:
        report = load(url, cfg, titles)
    else:
        with tempfile.TemporaryDirectory(prefix="crs-bench-serve-") as tmp:
            server = start_server(catalog, data_dir, workers, store or str(Path(tmp) / "bench.db"), nlu, backend)
            try:
                report = load(server.url, cfg, titles, (lambda: kill_one_worker(server.proc.pid, backend)) if kill_worker else None)
            finally:
                server.stop()
        report["workers"] = workers
    report.update(catalog=catalog, backend=backend, nlu=nlu, cpus=os.cpu_count(), load_avg=round(os.getloadavg()[0], 2))
    if as_json:
        print_json(report)
        return
    for k, v in report.items():
        err_console.print(f"{k}: {v}", highlight=False)


def bench_demo(
    catalog: str = CatalogOpt,
    data_dir: Optional[Path] = DataDirOpt,
    sessions: int = typer.Option(20, "--sessions", help="Concurrent browser sessions."),
    turns: int = typer.Option(10, "--turns", help="Messages per session (about 1 in 4 hostile)."),
    url: Optional[str] = typer.Option(None, "--url", help="A running demo to drive (else `crs demo` is started)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the session scripts."),
    client: str = typer.Option("browser", "--client", help="browser (Gradio's queue protocol, as a page speaks it; "
                                                           "light) | gradio_client (one Client per session; heavy)."),
    as_json: bool = JsonOpt,
) -> None:
    """Load through the Gradio demo's /respond: messages/s, p50/p99 ms, errors, leaks."""
    from ui.cli.common import load as load_catalog
    from ui.demo_load import run_demo_load

    if sessions < 1 or turns < 1:
        raise CRSError("--sessions and --turns must be at least 1")
    if client not in ("browser", "gradio_client"):
        raise CRSError(f"--client must be browser or gradio_client, got {client!r}")
    cat = load_catalog(catalog, data_dir)
    titles = [it.title for it in sorted(cat.items, key=lambda i: -i.popularity)[:300]]
    if url:
        report = run_demo_load(url, sessions, turns, titles, seed, client)
    else:
        port = free_port()
        cmd = [sys.executable, "-m", "ui.cli", "demo", "--catalog", catalog, "--port", str(port)]
        if data_dir:
            cmd += ["--data-dir", str(data_dir)]
        server = Server(subprocess.Popen(cmd, stdout=2), f"http://127.0.0.1:{port}/")
        try:
            wait_until_up(server, server.url)
            report = run_demo_load(server.url, sessions, turns, titles, seed, client)
        finally:
            server.stop()
    report.update(catalog=catalog, cpus=os.cpu_count(), load_avg=round(os.getloadavg()[0], 2))
    if as_json:
        print_json(report)
        return
    for k, v in report.items():
        err_console.print(f"{k}: {v}", highlight=False)


class Server:
    """A `crs serve` or `crs demo` child process on a free port."""

    def __init__(self, proc: subprocess.Popen[bytes], url: str) -> None:
        self.proc, self.url = proc, url

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(catalog: str, data_dir: Optional[Path], workers: int, store: str, nlu: str, backend: str = "local",
                 wait_s: float = 900.0) -> Server:
    """Start `crs serve` on a free port and wait until /health answers."""
    port = free_port()
    cmd = [sys.executable, "-m", "ui.cli", "serve", "--catalog", catalog, "--port", str(port), "--workers", str(workers),
           "--store", store, "--nlu", nlu, "--backend", backend]
    if data_dir:
        cmd += ["--data-dir", str(data_dir)]
    proc = subprocess.Popen(cmd, stdout=2)  # the server's output (Ray's included) to stderr: stdout stays JSON
    server = Server(proc, f"http://127.0.0.1:{port}")
    wait_until_up(server, f"{server.url}/health", wait_s)
    return server


def wait_until_up(server: Server, probe: str, wait_s: float = 900.0) -> None:
    """Wait until `probe` answers 200; stop the server and raise when it exits or the time is up."""
    import httpx

    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise CRSError(f"the server exited with code {server.proc.returncode} before it was ready")
        try:
            if httpx.get(probe, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    server.stop()
    raise CRSError(f"the server did not answer within {wait_s:.0f} s")


def kill_one_worker(server_pid: int, backend: str = "local") -> dict[str, Any]:
    """kill -9 one worker process of the server (a Ray Serve replica for `ray`); returns its pid."""
    import psutil

    children = psutil.Process(server_pid).children(recursive=backend == "ray")
    if backend == "ray":
        children = [p for p in children if _cmdline(p).startswith("ray::ServeReplica")]
    if not children:
        return {"killed": None}
    os.kill(children[0].pid, signal.SIGKILL)
    return {"killed": children[0].pid}


def _cmdline(proc: Any) -> str:
    try:
        return " ".join(proc.cmdline())
    except Exception:  # noqa: BLE001 - a process that ended or is not ours: not a replica
        return ""
