"""The HTTP JSON API (FastAPI): the same `Agent` as the chat and the demo, for programs.

    POST /sessions                      {"user_id"?}                  → the new session
    POST /sessions/{id}/messages        {"text", "turn"?}             → the reply: text, cards, action,
                                                                        strategies, policy scores, state
    POST /sessions/{id}/feedback        {"item_id", "value": 1 | -1}  → stored thumbs up / down
    GET  /sessions/{id}                                              → state and history (every turn)
    GET  /health                                                     → catalog, items, worker pid
    GET  /docs, /openapi.json                                        → the OpenAPI schema

Bad input is a 4xx with a one-line `error`: unknown session (404), message over `max_chars`
(413), a body over `max_body` bytes (413), wrong JSON types or unknown keys (422), a `turn` that
does not follow the session (409). Several processes may serve the same store: each turn is saved
with the session's new state in one transaction, and a turn computed from a stale state (two
concurrent messages to one session on two workers) is refused by the store (`TurnConflict`) and
run again on the fresh state, so no turn is lost. A client that sends `turn` (the number its
message should become) may retry after a lost connection: a turn already stored with the same
text is returned again (`replayed: true`), not run twice. The `Server-Timing` header of a reply
gives the time spent on the message in the server (`turn;dur=ms`: the turn and its wait for the
session's lock and for a free turn slot of the worker, `ApiConfig.turns_at_once`).
"""

from __future__ import annotations

import os
import random
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from crs.dialogue.agent import Agent
from crs.dialogue.read import clean_text
from crs.dialogue.reply import turn_payload
from crs.errors import CRSError
from crs.store import Store, StoreError, TurnConflict, UnknownSessionError, state_to_dict
from crs.types import DialogueState


@dataclass(frozen=True)
class ApiConfig:
    """Limits of the HTTP API."""

    max_chars: int = 8000
    """Longer messages are refused (413); the agent itself reads the first `Agent.max_chars` (2,000)."""
    max_body: int = 65_536
    """Request bodies over this many bytes are refused (413)."""
    conflict_retries: int = 50
    """How often a turn refused as stale (another worker answered first) is run again, after a short
    random pause that grows with each try (every refusal means another turn of the session was stored)."""
    keep_alive: bool = False
    """Keep a client's connection open between requests. Off: every reply closes its connection, so
    each request is accepted anew, by the least loaded worker (`ui.api.balance`); a kept-alive
    connection stays with the worker that accepted it, whatever that worker's queue."""
    turns_at_once: int = 1
    """Turns one worker process runs at the same time. A turn is CPU-bound Python: more threads in
    one process only share the GIL (every reply slower, none sooner); queue them instead and use
    one worker process per core."""


class ApiError(Exception):
    """A client error with its HTTP status and one-line message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewSession(_Strict):
    user_id: StrictStr = Field("", max_length=200, description="Returning users get their history; empty: anonymous.")


class Message(_Strict):
    text: StrictStr = Field(..., description="The user's message (any text; over max_chars: 413).")
    turn: StrictInt | None = Field(None, ge=1, description=(
        "Optional: the turn number this message should become (the session's turn + 1). A retry with the same "
        "turn and text returns the stored reply instead of running the turn twice; another text is a 409."))


class Rating(_Strict):
    item_id: StrictStr = Field(..., max_length=200, description="A catalog item id (a card's `id`).")
    value: Literal[1, -1] = Field(..., description="1 thumbs up, -1 thumbs down.")


def build_app(agent: Agent, config: ApiConfig | None = None) -> FastAPI:
    """The FastAPI app over `agent`, whose store must refuse stale turns (`exclusive_turns=True`)."""
    cfg = config or ApiConfig()
    store = agent.store
    if store is None or not store.exclusive_turns:
        raise CRSError("the HTTP API needs an agent whose store has exclusive_turns=True")
    sessions = _Sessions(agent, store, cfg)
    app = FastAPI(title="crs", version="1", description=(
        f"Conversational recommender over the {agent.catalog.name} catalog ({len(agent.catalog):,} items)."))

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Any:
        size = request.headers.get("content-length")
        if size is not None and (not size.isdigit() or int(size) > cfg.max_body):
            return _error(413, f"request body too large (limit {cfg.max_body} bytes)")
        response = await call_next(request)
        if not cfg.keep_alive:
            response.headers["Connection"] = "close"
        return response

    @app.exception_handler(ApiError)
    async def api_error(request: Request, e: ApiError) -> JSONResponse:
        return _error(e.status, e.message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, e: RequestValidationError) -> JSONResponse:
        errs = e.errors()
        first = "; ".join(f"{'.'.join(str(p) for p in x.get('loc', ()))}: {x.get('msg', '')}" for x in errs[:3])
        return _error(422, f"invalid request: {first}", [{k: x.get(k) for k in ("loc", "msg", "type")} for x in errs])

    @app.exception_handler(StoreError)
    async def store_down(request: Request, e: StoreError) -> JSONResponse:
        return _error(503, f"the session store failed: {e}")

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "catalog": agent.catalog.name, "items": len(agent.catalog), "pid": os.getpid(),
                "store": store.dialect}

    @app.post("/sessions", status_code=201)
    def create(body: NewSession | None = None) -> dict[str, Any]:
        state = agent.new_session(body.user_id if body is not None else "")
        return {"session_id": state.session_id, "user_id": state.user_id, "turn": state.turn}

    @app.post("/sessions/{session_id}/messages")
    def message(session_id: str, body: Message, response: Response) -> dict[str, Any]:
        if len(body.text) > cfg.max_chars:
            raise ApiError(413, f"message too long: {len(body.text):,} characters (limit {cfg.max_chars:,})")
        t0 = time.perf_counter()
        out = sessions.turn(session_id, body.text, body.turn)
        response.headers["Server-Timing"] = f"turn;dur={(time.perf_counter() - t0) * 1000:.1f}"
        return out

    @app.post("/sessions/{session_id}/feedback")
    def feedback(session_id: str, body: Rating) -> dict[str, Any]:
        state = sessions.load(session_id)
        if body.item_id not in agent.catalog:
            raise ApiError(404, f"no item {body.item_id!r} in the {agent.catalog.name} catalog")
        agent.feedback(state, body.item_id, body.value)
        return {"session_id": session_id, "item_id": body.item_id, "value": body.value, "stored": True}

    @app.get("/sessions/{session_id}")
    def history(session_id: str) -> dict[str, Any]:
        state = sessions.load(session_id)
        turns = [{"turn": t.turn, "user": t.user_text, "reply": t.reply, "action": t.action,
                  "recommendations": t.payload.get("recommendations", []), "ts": t.ts}
                 for t in store.turns(session_id)]
        return {"session_id": session_id, "user_id": state.user_id, "turn": state.turn,
                "state": _state_view(state), "turns": turns}

    return app


class _Sessions:
    """Turns on stored sessions: one at a time per session in this process (a lock per session),
    and safe across processes through the store's refusal of stale turns."""

    def __init__(self, agent: Agent, store: Store, cfg: ApiConfig) -> None:
        self.agent, self.store, self.cfg = agent, store, cfg
        self._locks: weakref.WeakValueDictionary[str, threading.Lock] = weakref.WeakValueDictionary()
        self._guard = threading.Lock()
        self._gate = FifoGate(cfg.turns_at_once)

    def load(self, session_id: str) -> DialogueState:
        try:
            return self.store.load_state(session_id)
        except UnknownSessionError:
            raise ApiError(404, f"unknown session {session_id[:80]!r}: create one with POST /sessions") from None

    def _lock(self, session_id: str) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(session_id)
            if lock is None:
                lock = self._locks[session_id] = threading.Lock()
            return lock

    def turn(self, session_id: str, text: str, expected: int | None) -> dict[str, Any]:
        lock = self._lock(session_id)
        with lock:
            for attempt in range(self.cfg.conflict_retries + 1):
                if attempt:
                    time.sleep(random.uniform(0, 0.005 * min(attempt, 20)))
                state = self.load(session_id)
                if expected is not None and expected <= state.turn:
                    return self._replay(session_id, text, expected)
                if expected is not None and expected > state.turn + 1:
                    raise ApiError(409, f"turn {expected} does not follow: session {session_id[:80]!r} is at turn "
                                        f"{state.turn}, the next message is turn {state.turn + 1}")
                try:
                    with self._gate:
                        new, reply = self.agent.step(state, text)
                except TurnConflict:
                    continue  # another worker answered this session first: run on its state
                out = turn_payload(reply, new)
                return {"session_id": session_id, "turn": new.turn, **out, "notices": list(reply.notices),
                        "replayed": False}
        raise ApiError(409, f"session {session_id[:80]!r} is being changed by other requests; try again")

    def _replay(self, session_id: str, text: str, turn: int) -> dict[str, Any]:
        stored = next(iter(self.store.turns(session_id, since=turn - 1)), None)
        clean, _ = clean_text(text, self.agent.max_chars)
        if stored is None or stored.turn != turn or stored.user_text != clean:
            raise ApiError(409, f"turn {turn} of session {session_id[:80]!r} was already answered "
                                "(with another message)")
        return {"session_id": session_id, "turn": turn, **stored.payload, "notices": [], "replayed": True}


class FifoGate:
    """At most `slots` holders at once; waiters get a slot in the order they asked for it (a freed slot
    is handed to the longest waiter, never taken by a newcomer), so no request waits behind later ones."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise CRSError(f"turns_at_once must be at least 1, got {slots}")
        self._lock = threading.Lock()
        self._free = slots
        self._waiters: deque[threading.Lock] = deque()

    def __enter__(self) -> None:
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by the holder that hands its slot to this waiter

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._free += 1


def _state_view(state: DialogueState) -> dict[str, Any]:
    d = state_to_dict(state)
    return {k: d[k] for k in ("preferences", "constraints", "mentions", "accepted", "rejected", "recommended",
                              "asked", "turn", "session_id", "user_id")}


def _error(status: int, message: str, detail: Any = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if detail is not None:
        body["detail"] = detail
    return JSONResponse(body, status_code=status)
