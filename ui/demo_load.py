"""A load client for the Gradio demo: concurrent sessions through `gradio_client`, as browsers would.

Each session is one `gradio_client.Client` (its own Gradio session and `View` state) sending the
same kind of script as the HTTP API's load client (`ui.api.load.script`: ordinary messages and
about one in four hostile ones, each session with its own marker) to the demo's `/respond`
endpoint. A *leak* is a reply to one session that carries another session's marker; an *error* is
an exception from the client (the demo answers every message, hostile ones included).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

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


def run_demo_load(url: str, sessions: int, turns: int, titles: Sequence[str] = (), seed: int = 0) -> dict[str, Any]:
    """`sessions` threads, each a client sending `turns` messages to `/respond` one after another."""
    from gradio_client import Client

    markers = [f"zq{i:04d}x{random.Random(seed * 7919 + i).getrandbits(24):06x}" for i in range(sessions)]
    latencies: list[float] = []
    errors: list[str] = []
    counts = {"leaks": 0, "own_marker_seen": 0, "answered": 0}
    lock = threading.Lock()

    def session(i: int) -> None:
        steps = script(random.Random(seed * 100_003 + i), markers[i], turns, titles)
        try:
            client = Client(url, verbose=False)
        except Exception as e:  # noqa: BLE001 - a session that cannot connect counts as errors
            with lock:
                errors.extend([f"connect: {type(e).__name__}"] * len(steps))
            return
        for step in steps:
            t0 = time.perf_counter()
            try:
                out = client.predict(_text(step.body), api_name="/respond")
            except Exception as e:  # noqa: BLE001 - counted, the session goes on
                with lock:
                    errors.append(f"{type(e).__name__}: {str(e)[:120]}")
                continue
            found = set(MARKER.findall(_flat(out)))
            with lock:
                latencies.append(time.perf_counter() - t0)
                counts["answered"] += 1
                counts["own_marker_seen"] += markers[i] in found
                counts["leaks"] += bool(found - {markers[i]})

    start = time.perf_counter()
    threads = [threading.Thread(target=session, args=(i,), daemon=True) for i in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    lat = np.asarray(latencies) * 1000
    return {"url": url, "sessions": sessions, "turns": turns, "requests": sessions * turns,
            "messages_per_s": round(counts["answered"] / wall, 2) if wall > 0 else 0.0, "wall_s": round(wall, 2),
            "p50_ms": round(float(np.percentile(lat, 50)), 1) if lat.size else None,
            "p99_ms": round(float(np.percentile(lat, 99)), 1) if lat.size else None,
            "errors": len(errors), "error_examples": errors[:3], **counts}
