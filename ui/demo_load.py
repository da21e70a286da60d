"""A load client for the Gradio demo: concurrent sessions, as browsers would.

Each session (its own Gradio session hash, so its own `View` state on the server) sends the same
kind of script as the HTTP API's load client (`ui.api.load.script`: ordinary messages and about one
in four hostile ones, each session with its own marker) to the demo's `/respond` endpoint. A *leak*
is a reply to one session that carries another session's marker; an *error* is an exception from the
client (the demo answers every message, hostile ones included).

Two clients (`client=`): "browser" (default) speaks the protocol a browser's page speaks (Gradio's
queue: `POST {api_prefix}/queue/join`, then the event's result from the `queue/data` server-sent
event stream), all sessions on one asyncio loop; "gradio_client" runs one `gradio_client.Client`
per session in a thread. Both load the server alike, but gradio_client costs its own process ~80 ms
of CPU per message (4x the demo's work), which on a 2-core machine is taken from the server being
measured (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np

from crs.errors import CRSError
from ui.api.load import MARKER, script


def _text(body: Any) -> str:
    """The message a person would type for a script step (the API's wrong-type body becomes text)."""
    value = body.get("text", "") if isinstance(body, dict) else body
    return value if isinstance(value, str) else str(value)


def _flat(x: Any) -> str:
    """Every string inside a Gradio output (chat history, markdown, radio choices)."""
    if isinstance(x, str):
        return x
    if isinstance(x, dict):
        return " ".join(_flat(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return " ".join(_flat(v) for v in x)
    return ""


class _Tally:
    """What the sessions of one load run saw: latencies, errors, answers, own markers and leaks
    (thread-safe: the gradio_client sessions run in threads)."""

    def __init__(self, sessions: int, seed: int) -> None:
        self.markers = [f"zq{i:04d}x{random.Random(seed * 7919 + i).getrandbits(24):06x}" for i in range(sessions)]
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.counts = {"leaks": 0, "own_marker_seen": 0, "answered": 0}
        self._lock = threading.Lock()

    def answer(self, session: int, out: Any, started: float) -> None:
        found = set(MARKER.findall(_flat(out)))
        marker = self.markers[session]
        with self._lock:
            self.latencies.append(time.perf_counter() - started)
            self.counts["answered"] += 1
            self.counts["own_marker_seen"] += marker in found
            self.counts["leaks"] += bool(found - {marker})

    def error(self, message: str, times: int = 1) -> None:
        with self._lock:
            self.errors.extend([message] * times)

    def report(self, url: str, sessions: int, turns: int, wall: float, client: str) -> dict[str, Any]:
        lat = np.asarray(self.latencies) * 1000
        return {"url": url, "sessions": sessions, "turns": turns, "requests": sessions * turns,
                "messages_per_s": round(self.counts["answered"] / wall, 2) if wall > 0 else 0.0,
                "wall_s": round(wall, 2),
                "p50_ms": round(float(np.percentile(lat, 50)), 1) if lat.size else None,
                "p99_ms": round(float(np.percentile(lat, 99)), 1) if lat.size else None,
                "errors": len(self.errors), "error_examples": self.errors[:3], **self.counts, "client": client}


def _failure(e: Exception) -> str:
    return f"{type(e).__name__}: {str(e)[:120]}"


def run_demo_load(url: str, sessions: int, turns: int, titles: Sequence[str] = (), seed: int = 0,
                  client: str = "browser") -> dict[str, Any]:
    """`sessions` concurrent sessions, each sending `turns` messages to `/respond` one after another."""
    if client == "browser":
        return asyncio.run(_browser_load(url, sessions, turns, titles, seed))
    if client != "gradio_client":
        raise CRSError(f"unknown demo load client {client!r} (browser | gradio_client)")
    from gradio_client import Client

    tally = _Tally(sessions, seed)

    def session(i: int) -> None:
        steps = script(random.Random(seed * 100_003 + i), tally.markers[i], turns, titles)
        try:
            client = Client(url, verbose=False)
        except Exception as e:  # noqa: BLE001 - a session that cannot connect counts as errors
            tally.error(f"connect: {type(e).__name__}", len(steps))
            return
        for step in steps:
            t0 = time.perf_counter()
            try:
                out = client.predict(_text(step.body), api_name="/respond")
            except Exception as e:  # noqa: BLE001 - counted, the session goes on
                tally.error(_failure(e))
                continue
            tally.answer(i, out, t0)

    start = time.perf_counter()
    threads = [threading.Thread(target=session, args=(i,), daemon=True) for i in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally.report(url, sessions, turns, time.perf_counter() - start, "gradio_client")


def respond_endpoint(config: dict[str, Any]) -> tuple[str, int, int]:
    """(api prefix, fn_index, number of inputs) of the demo's `/respond`, from the page's `/config`."""
    if config.get("protocol") != "sse_v3":
        raise CRSError(f"the demo speaks Gradio protocol {config.get('protocol')!r}; the browser load client "
                       "knows sse_v3 (use client='gradio_client')")
    for dep in config.get("dependencies", []):
        if dep.get("api_name") == "respond":
            return str(config.get("api_prefix", "")), int(dep["id"]), len(dep["inputs"])
    raise CRSError("the demo has no /respond endpoint")


async def _ask(http: Any, prefix: str, fn: int, n_inputs: int, session: str, text: str) -> Any:
    """One message as a browser sends it: join the queue, then read the event's result from the stream."""
    r = await http.post(f"{prefix}/queue/join", json={"data": [text] + [None] * (n_inputs - 1), "fn_index": fn,
                                                      "session_hash": session, "event_data": None, "trigger_id": None})
    r.raise_for_status()
    event = r.json()["event_id"]
    async with http.stream("GET", f"{prefix}/queue/data", params={"session_hash": session}) as stream:
        async for line in stream.aiter_lines():
            if not line.startswith("data:"):
                continue
            msg = json.loads(line[5:])
            if msg.get("msg") == "process_completed" and msg.get("event_id") == event:
                if not msg.get("success", False):
                    raise RuntimeError(f"the demo failed the message: {str(msg.get('output'))[:120]}")
                return msg["output"]["data"]
    raise RuntimeError("the event stream ended without the result")


async def _browser_load(url: str, sessions: int, turns: int, titles: Sequence[str], seed: int) -> dict[str, Any]:
    import httpx

    tally = _Tally(sessions, seed)
    limits = httpx.Limits(max_connections=2 * sessions + 4)
    async with httpx.AsyncClient(base_url=url, timeout=60.0, limits=limits) as http:
        r = await http.get("config")
        r.raise_for_status()
        prefix, fn, n_inputs = respond_endpoint(r.json())

        async def session(i: int) -> None:
            steps = script(random.Random(seed * 100_003 + i), tally.markers[i], turns, titles)
            session_hash = uuid.UUID(int=random.Random(seed * 31 + i).getrandbits(128)).hex[:12]
            for step in steps:
                t0 = time.perf_counter()
                try:
                    out = await _ask(http, prefix, fn, n_inputs, session_hash, _text(step.body))
                except Exception as e:  # noqa: BLE001 - counted, the session goes on
                    tally.error(_failure(e))
                    continue
                tally.answer(i, out, t0)

        start = time.perf_counter()
        await asyncio.gather(*(session(i) for i in range(sessions)))
    return tally.report(url, sessions, turns, time.perf_counter() - start, "browser")
