"""Serving the HTTP API with Ray Serve: replicas of the agent behind Ray's HTTP proxy.

The same FastAPI app as the local workers (`ui.api.app.build_app`) is the ingress of a Ray Serve
deployment (`serve.ingress`, built late in each replica by `__serve_build_asgi_app__`). Each replica
is a Ray actor process that builds its own agent with the picklable `agent_factory` (its own store
connection), so nothing crosses a process boundary but the factory. Sessions live in the shared SQL
store with `exclusive_turns=True`: the state is read from the store at every message and a turn
computed from a stale state is refused and run again, so any replica continues any session and a
replica that dies loses no committed turn (Ray starts a new one). Every reply names the replica that
answered in the `X-CRS-Replica` header.

`serve_ray` blocks until SIGTERM / SIGINT, then deletes the application (and, for a Ray it started
itself, shuts Serve and Ray down).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crs.dialogue.agent import Agent
from crs.errors import CRSError
from ui.api.app import ApiConfig, build_app

APP_NAME = "crs"
REPLICA_HEADER = "X-CRS-Replica"


@dataclass(frozen=True)
class RayServeConfig:
    """Where Ray Serve listens and how many replicas of the agent it runs."""

    host: str = "127.0.0.1"
    """Interface of Ray's HTTP proxy (behind a reverse proxy keep 127.0.0.1)."""
    port: int = 8000
    replicas: int = 2
    """Replicas at start (and always, unless min_replicas < max_replicas)."""
    min_replicas: int | None = None
    """Autoscaling lower bound (default: `replicas`)."""
    max_replicas: int | None = None
    """Autoscaling upper bound (default: `replicas`); bounds that differ turn autoscaling on."""
    target_ongoing_requests: float = 2.0
    """Autoscaling aims at this many requests in flight per replica."""
    max_ongoing_requests: int = 16
    """Requests one replica accepts at once (its turns still run one at a time, `ApiConfig.turns_at_once`);
    more wait in Ray's proxy."""
    replica_cpus: float = 1.0
    """CPUs Ray reserves for each replica (a turn is CPU-bound Python: one core each)."""
    threads: int = 1
    """torch intra-op threads per replica."""
    address: str | None = None
    """A running Ray cluster (`ray start --head`; "auto" finds the local one); None starts a local Ray."""
    api: ApiConfig = field(default_factory=ApiConfig)

    def bounds(self) -> tuple[int, int]:
        lo = self.replicas if self.min_replicas is None else self.min_replicas
        hi = self.replicas if self.max_replicas is None else self.max_replicas
        return lo, hi

    def check(self) -> None:
        lo, hi = self.bounds()
        if not 1 <= self.replicas <= 64:
            raise CRSError(f"--replicas must be between 1 and 64, got {self.replicas}")
        if not 1 <= lo <= self.replicas <= hi <= 64:
            raise CRSError(f"replica bounds must satisfy 1 <= --min-replicas ({lo}) <= --replicas ({self.replicas}) "
                           f"<= --max-replicas ({hi}) <= 64")
        if not 1 <= self.port <= 65535:
            raise CRSError(f"--port must be between 1 and 65535, got {self.port}")


class AgentReplica:
    """One Ray Serve replica: its own agent (and store connection), the API app over it."""

    def __init__(self, agent_factory: Callable[[], Agent], api: ApiConfig, threads: int) -> None:
        self.agent = agent_factory()
        self.agent.warm_up()
        if threads > 0:  # after the build: the native pools to limit are loaded by then
            from crs.config import serving_threads

            serving_threads(threads)
        self.api = api
        self.name = f"{os.uname().nodename}:{os.getpid()}"

    def __serve_build_asgi_app__(self) -> Any:
        app = build_app(self.agent, self.api)

        @app.middleware("http")
        async def name_replica(request: Any, call_next: Any) -> Any:
            response = await call_next(request)
            response.headers[REPLICA_HEADER] = self.name
            return response

        return app


def deployment_options(config: RayServeConfig) -> dict[str, Any]:
    """Options of the Ray Serve deployment: a fixed number of replicas, or autoscaling bounds."""
    lo, hi = config.bounds()
    opts: dict[str, Any] = {"name": "AgentReplica", "max_ongoing_requests": config.max_ongoing_requests,
                            "ray_actor_options": {"num_cpus": config.replica_cpus}}
    if lo == hi:
        opts["num_replicas"] = config.replicas
    else:
        opts["autoscaling_config"] = {"min_replicas": lo, "max_replicas": hi, "initial_replicas": config.replicas,
                                      "target_ongoing_requests": config.target_ongoing_requests}
    return opts


def start_ray(config: RayServeConfig, agent_factory: Callable[[], Agent]) -> Callable[[], None]:
    """Start (or join) Ray, deploy the app and wait until every replica is ready; returns `stop`."""
    config.check()
    try:
        import ray
        from ray import serve
    except ImportError as e:
        raise CRSError(f"--backend ray needs Ray Serve (pip install 'ray[serve]==2.60.0'): {e}") from None
    own_ray = config.address is None and not ray.is_initialized()
    if config.address is not None:
        check_reachable(config.address)
    try:
        if own_ray:
            ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
        elif not ray.is_initialized():
            ray.init(address=config.address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        serve.start(http_options={"host": config.host, "port": config.port}, logging_config={"log_level": "WARNING"})
        ingress = serve.ingress()(AgentReplica)
        deployment = serve.deployment(**deployment_options(config))(ingress)
        serve.run(deployment.bind(agent_factory, config.api, config.threads), name=APP_NAME, route_prefix="/")
    except CRSError:
        raise
    except Exception as e:  # noqa: BLE001 - Ray raises many kinds; say which and stop cleanly
        _shutdown(own_ray)
        raise CRSError(f"Ray Serve could not start: {type(e).__name__}: {str(e)[:500]}") from None

    def stop() -> None:
        _shutdown(own_ray)

    return stop


def check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """A `host:port` (or `ray://host:port`) cluster address must answer a TCP connection: Ray itself
    retries an unreachable address for minutes. `auto` and `local` are left to Ray."""
    import socket

    if address in ("auto", "local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not port.isdigit() or not host:
        raise CRSError(f"--address {address!r} is not host:port, ray://host:port or auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as e:
        raise CRSError(f"cannot reach the Ray cluster at {address}: {e.strerror or e}") from None


def _shutdown(own_ray: bool) -> None:
    import ray
    from ray import serve

    if not ray.is_initialized():
        return
    try:
        if own_ray:
            serve.shutdown()
        else:
            serve.delete(APP_NAME)
    finally:
        if own_ray:
            ray.shutdown()


def serve_ray(agent_factory: Callable[[], Agent], config: RayServeConfig, log: Callable[[str], None]) -> None:
    """Run the API on Ray Serve until SIGTERM / SIGINT."""
    done = threading.Event()
    previous = {s: signal.signal(s, lambda *_: done.set()) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        stop = start_ray(config, agent_factory)
        try:
            lo, hi = config.bounds()
            scale = f"{config.replicas} replicas" + (f" (autoscaling {lo}..{hi})" if lo != hi else "")
            log(f"Ray Serve: {scale} on http://{config.host}:{config.port} (OpenAPI at /docs)")
            while not done.wait(1.0):
                pass
        finally:
            log("stopping Ray Serve…")
            stop()
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
