"""The same session scripts through the local server and through Ray Serve with 2 replicas.

Run as `python -m tests.ui.api_ray WORKDIR CACHE_DIR`: the default catalog's test agent
(`tests.ui.api_server.default_agent`: rule NLU, hashed item vectors) first behind the local
pre-forked server (`python -m tests.ui.api_server`, 2 workers), then deployed with
`ui.api.ray_backend.start_ray` (one local Ray, 2 replicas, each building its own agent over a
shared SQLite store). Both get the same seeded scripts (`ui.api.load.script`: ordinary and hostile
messages, sent in order with their turn numbers); then Ray gets more turns on the first session
until another replica than the one that answered before has answered it. Prints one JSON line:
per server the answers (status and body without ids or timings) and, for Ray, the replica of each.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

import httpx

SESSIONS, TURNS, SEED, EXTRA = 2, 10, 7, 40


def scripts() -> list[list[Any]]:
    from crs.catalog import load_catalog
    from ui.api.load import script

    cat = load_catalog("default")
    titles = [it.title for it in sorted(cat.items, key=lambda i: -i.popularity)[:100]]
    rng = random.Random(SEED)
    return [[s.body for s in script(rng, f"zq{1000 + i}xabcdef", TURNS, titles)] for i in range(SESSIONS)]


def comparable(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """What must be equal across servers: the status and the answer without ids."""
    body = dict(body)
    body.pop("session_id", None)
    if isinstance(body.get("state"), dict):
        body["state"] = {k: v for k, v in body["state"].items() if k != "session_id"}
    return {"status": status, "body": body}


def drive(url: str, all_scripts: list[list[Any]], sessions: list[str] | None = None) -> dict[str, Any]:
    """Each script in its own session (new ones, or `sessions`), one message after the other, with
    turn numbers."""
    out: dict[str, Any] = {"answers": [], "replicas": [], "session_ids": []}
    with httpx.Client(base_url=url, timeout=120) as client:
        for n, bodies in enumerate(all_scripts):
            sid = sessions[n] if sessions else client.post("/sessions", json={"user_id": f"user{n}"}).json()["session_id"]
            turn = 0
            out["session_ids"].append(sid)
            answers, replicas = [], []
            for body in bodies:
                send = {**body, "turn": turn + 1} if isinstance(body.get("text"), str) else body
                r = client.post(f"/sessions/{sid}/messages", json=send)
                if r.status_code == 200:
                    turn = r.json()["turn"]
                answers.append(comparable(r.status_code, r.json()))
                replicas.append(r.headers.get("x-crs-replica"))
            out["answers"].append(answers)
            out["replicas"].append(replicas)
    return out


def wait_health(url: str, proc: subprocess.Popen[bytes] | None, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the local server exited with code {proc.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {wait_s:.0f} s")


def local_run(workdir: Path, cache: Path, all_scripts: list[list[Any]]) -> dict[str, Any]:
    from ui.cli.serve import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "tests.ui.api_server", str(workdir / "local.db"), str(port), "2",
                             str(cache)])
    try:
        wait_health(f"http://127.0.0.1:{port}", proc, 600)
        return drive(f"http://127.0.0.1:{port}", all_scripts)
    finally:
        proc.terminate()
        proc.wait(60)


def ray_run(workdir: Path, cache: Path, all_scripts: list[list[Any]], sessions: list[str]) -> dict[str, Any]:
    """The scripts through Ray Serve, in sessions with the local run's ids (the id seeds the reply's
    wording), created in the Ray store beforehand; then a new session moved between replicas."""
    from crs.store import Store
    from tests.ui.api_server import default_agent
    from ui.api.ray_backend import RayServeConfig, start_ray
    from ui.cli.serve import free_port

    store = Store(workdir / "ray.db", exclusive_turns=True)
    for n, sid in enumerate(sessions):
        store.new_session(f"user{n}", "default", session_id=sid)
    store.close()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    stop = start_ray(RayServeConfig(port=port, replicas=2, replica_cpus=0.5),
                     partial(default_agent, str(workdir / "ray.db"), cache))
    try:
        wait_health(url, None, 60)
        out = drive(url, all_scripts, sessions)
        out["continued"] = continue_elsewhere(url)
        return out
    finally:
        stop()


def continue_elsewhere(url: str) -> dict[str, Any]:
    """A new session, then turns until a replica other than the one that answered the turn before
    answers it; the history read back afterwards must hold every turn."""
    with httpx.Client(base_url=url, timeout=120) as client:
        sid = client.post("/sessions", json={"user_id": "mover"}).json()["session_id"]
        first = client.post(f"/sessions/{sid}/messages", json={"text": "I loved Toy Story", "turn": 1})
        before, last = client.get(f"/sessions/{sid}").json(), first.headers.get("x-crs-replica")
        for _ in range(EXTRA):
            r = client.post(f"/sessions/{sid}/messages", json={"text": "something funny please",
                                                               "turn": before["turn"] + 1})
            after = r.json()
            if r.headers.get("x-crs-replica") != last:
                break
            last, before = r.headers.get("x-crs-replica") or last, client.get(f"/sessions/{sid}").json()
        history = client.get(f"/sessions/{sid}").json()
        return {"from": last, "to": r.headers.get("x-crs-replica"), "status": r.status_code,
                "turn_before": before["turn"], "turn_after": after.get("turn"),
                "stored_turns": [t["turn"] for t in history["turns"]]}


def main(workdir: str, cache: str) -> None:
    all_scripts = scripts()
    local = local_run(Path(workdir), Path(cache), all_scripts)
    ray = ray_run(Path(workdir), Path(cache), all_scripts, local["session_ids"])
    print(json.dumps({"local": local, "ray": ray}))


if __name__ == "__main__":
    main(*sys.argv[1:])
