"""Persistence: SQLite in WAL mode for users, sessions, turns, feedback and reviews.

One `Store` per database file. Every turn is written in one transaction together with the
session's new dialogue state, so a crash (even `kill -9`) loses no committed turn and the
database reopens cleanly (WAL replays on open). Sessions are resumable by id: `load_state`
returns the last committed `DialogueState`. The connection is shared between threads behind a
lock (the Gradio app calls it from its worker threads).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from crs.errors import CRSError
from crs.types import Action, Constraint, DialogueState, Mention, Speaker

if TYPE_CHECKING:
    from crs.ranking.history import PastSession

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, created REAL NOT NULL, profile TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, catalog TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL, updated REAL NOT NULL, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, turn INTEGER NOT NULL,
    user_text TEXT NOT NULL, reply TEXT NOT NULL, action TEXT NOT NULL, payload TEXT NOT NULL,
    ts REAL NOT NULL, UNIQUE(session_id, turn));
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL, user_id TEXT NOT NULL,
    item_id TEXT NOT NULL, value INTEGER NOT NULL, ts REAL NOT NULL);
CREATE TABLE IF NOT EXISTS reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT, item_id TEXT NOT NULL, user_id TEXT NOT NULL,
    session_id TEXT NOT NULL, text TEXT NOT NULL, polarity INTEGER NOT NULL, ts REAL NOT NULL);
CREATE INDEX IF NOT EXISTS turns_session ON turns(session_id, turn);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id, updated);
CREATE INDEX IF NOT EXISTS feedback_user ON feedback(user_id);
CREATE INDEX IF NOT EXISTS reviews_item ON reviews(item_id);
"""


class StoreError(CRSError):
    """The database file cannot be opened or is not a crs store."""


@dataclass(frozen=True)
class TurnRecord:
    session_id: str
    turn: int
    user_text: str
    reply: str
    action: str
    payload: Mapping[str, Any]
    ts: float


@dataclass(frozen=True)
class UserHistory:
    """What a returning user liked and disliked (feedback, accepted and rejected items), oldest first."""

    liked: tuple[str, ...] = ()
    disliked: tuple[str, ...] = ()


# --- DialogueState <-> JSON -------------------------------------------------------------------


def state_to_dict(state: DialogueState) -> dict[str, Any]:
    """JSON-ready dict of a state (hand-written: `dataclasses.asdict` costs milliseconds per turn)."""
    la = state.last_action
    return {
        "session_id": state.session_id, "user_id": state.user_id, "turn": state.turn,
        "mentions": [{"entity": m.entity, "kind": m.kind, "turn": m.turn, "speaker": Speaker(m.speaker).value,
                      "polarity": m.polarity, "span": list(m.span), "text": m.text} for m in state.mentions],
        "constraints": [{"attribute": c.attribute, "op": c.op, "value": c.value} for c in state.constraints],
        "preferences": list(state.preferences), "accepted": list(state.accepted), "rejected": list(state.rejected),
        "recommended": list(state.recommended), "asked": list(state.asked),
        "last_action": None if la is None else {
            "kind": la.kind, "attribute": la.attribute, "items": list(la.items), "score": float(la.score),
            "alternatives": [[a, float(s)] for a, s in la.alternatives]},
        "candidate_handle": state.candidate_handle,
    }


def state_from_dict(d: Mapping[str, Any]) -> DialogueState:
    """Inverse of `state_to_dict`; unknown keys are ignored so older rows stay readable."""
    la = d.get("last_action")
    action = None
    if la:
        action = Action(kind=la["kind"], attribute=la.get("attribute"), items=tuple(la.get("items", ())),
                        score=float(la.get("score", 0.0)),
                        alternatives=tuple((str(a), float(s)) for a, s in la.get("alternatives", ())))
    mentions = tuple(Mention(entity=m["entity"], kind=m["kind"], turn=int(m["turn"]), speaker=Speaker(m["speaker"]),
                             polarity=int(m.get("polarity", 0)), span=tuple(m.get("span", (0, 0))),
                             text=m.get("text", "")) for m in d.get("mentions", ()))
    constraints = tuple(Constraint(c["attribute"], c["op"], c["value"]) for c in d.get("constraints", ()))
    return DialogueState(
        session_id=d.get("session_id", ""), user_id=d.get("user_id", ""), turn=int(d.get("turn", 0)),
        mentions=mentions, constraints=constraints, preferences=tuple(d.get("preferences", ())),
        accepted=tuple(d.get("accepted", ())), rejected=tuple(d.get("rejected", ())),
        recommended=tuple(d.get("recommended", ())), asked=tuple(d.get("asked", ())),
        last_action=action, candidate_handle=d.get("candidate_handle"),
    )


# --- the store --------------------------------------------------------------------------------


class Store:
    """SQLite (WAL) store. `synchronous=NORMAL` survives process crashes (kill -9) with no loss of
    committed transactions; pass `durable=True` for `FULL` (also survives power loss, slower)."""

    def __init__(self, path: str | Path, durable: bool = False) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot open store {path}: {e}") from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tx(self) -> _Tx:
        return _Tx(self)

    # users and sessions

    def ensure_user(self, user_id: str) -> str:
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO users(id, created) VALUES (?, ?)", (user_id, time.time()))
        return user_id

    def new_session(self, user_id: str = "", catalog: str = "", session_id: str | None = None) -> DialogueState:
        """Create a session (and its user); returns the empty state carrying both ids."""
        user_id = user_id or f"anon-{uuid.uuid4().hex[:12]}"
        sid = session_id or uuid.uuid4().hex
        state = DialogueState(session_id=sid, user_id=user_id)
        now = time.time()
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO users(id, created) VALUES (?, ?)", (user_id, now))
            db.execute("INSERT INTO sessions(id, user_id, catalog, created, updated, state) VALUES (?,?,?,?,?,?)",
                       (sid, user_id, catalog, now, now, json.dumps(state_to_dict(state))))
        return state

    def load_state(self, session_id: str) -> DialogueState:
        """The last committed state of a session; StoreError if the id is unknown."""
        with self._lock:
            row = self._db.execute("SELECT state FROM sessions WHERE id=?", (session_id,)).fetchone()
        if row is None:
            raise StoreError(f"unknown session {session_id!r}")
        return state_from_dict(json.loads(row[0]))

    def sessions(self, user_id: str) -> list[str]:
        """A user's session ids, most recently updated first."""
        with self._lock:
            rows = self._db.execute("SELECT id FROM sessions WHERE user_id=? ORDER BY updated DESC",
                                    (user_id,)).fetchall()
        return [r[0] for r in rows]

    # turns

    def save_turn(self, state: DialogueState, user_text: str, reply: str, action: str,
                  payload: Mapping[str, Any] | None = None) -> None:
        """Record one turn and the session's new state atomically (one transaction)."""
        now = time.time()
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO users(id, created) VALUES (?, ?)", (state.user_id, now))
            db.execute(
                "INSERT INTO sessions(id, user_id, created, updated, state) VALUES (?,?,?,?,?) "
                "ON CONFLICT(id) DO UPDATE SET state=excluded.state, updated=excluded.updated",
                (state.session_id, state.user_id, now, now, json.dumps(state_to_dict(state))))
            db.execute("INSERT OR REPLACE INTO turns(session_id, turn, user_text, reply, action, payload, ts) "
                       "VALUES (?,?,?,?,?,?,?)",
                       (state.session_id, state.turn, user_text, reply, action, json.dumps(payload or {}), now))

    def turns(self, session_id: str) -> list[TurnRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT session_id, turn, user_text, reply, action, payload, ts FROM turns "
                "WHERE session_id=? ORDER BY turn", (session_id,)).fetchall()
        return [TurnRecord(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6]) for r in rows]

    # feedback and reviews

    def add_feedback(self, session_id: str, user_id: str, item_id: str, value: int) -> None:
        """Thumbs up (+1) / down (-1) on a recommended item."""
        if value not in (-1, 1):
            raise StoreError(f"feedback value must be +1 or -1, got {value!r}")
        with self._tx() as db:
            db.execute("INSERT INTO feedback(session_id, user_id, item_id, value, ts) VALUES (?,?,?,?,?)",
                       (session_id, user_id, item_id, value, time.time()))

    def feedback(self, user_id: str) -> list[tuple[str, int]]:
        with self._lock:
            rows = self._db.execute("SELECT item_id, value FROM feedback WHERE user_id=? ORDER BY id",
                                    (user_id,)).fetchall()
        return [(r[0], int(r[1])) for r in rows]

    def add_review(self, item_id: str, text: str, polarity: int, user_id: str = "", session_id: str = "") -> None:
        with self._tx() as db:
            db.execute("INSERT INTO reviews(item_id, user_id, session_id, text, polarity, ts) VALUES (?,?,?,?,?,?)",
                       (item_id, user_id, session_id, text, int(polarity), time.time()))

    def reviews(self) -> Iterator[tuple[str, str, int, str]]:
        """All chat opinions as (item_id, text, polarity, user_id), oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT item_id, text, polarity, user_id FROM reviews ORDER BY id").fetchall()
        return iter([(r[0], r[1], int(r[2]), r[3]) for r in rows])

    def user_history(self, user_id: str, exclude_session: str = "") -> UserHistory:
        """Liked/disliked items of a user across past sessions (accepted/rejected + feedback)."""
        liked: list[str] = []
        disliked: list[str] = []
        with self._lock:
            rows = self._db.execute("SELECT state FROM sessions WHERE user_id=? AND id<>? ORDER BY created",
                                    (user_id, exclude_session)).fetchall()
        for (raw,) in rows:
            d = json.loads(raw)
            liked += d.get("accepted", [])
            liked += [m["entity"] for m in d.get("mentions", []) if m.get("kind") == "item"
                      and m.get("polarity", 0) > 0 and m.get("speaker") == "user"]
            disliked += d.get("rejected", [])
        for item, value in self.feedback(user_id):
            (liked if value > 0 else disliked).append(item)
        dis = set(disliked)
        return UserHistory(tuple(dict.fromkeys(i for i in liked if i not in dis)), tuple(dict.fromkeys(disliked)))


class _Tx:
    """`with store._tx() as db:` — BEGIN IMMEDIATE … COMMIT under the store's lock."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> sqlite3.Connection:
        self.store._lock.acquire()
        self.store._db.execute("BEGIN IMMEDIATE")
        return self.store._db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        try:
            self.store._db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.store._lock.release()


class StoreHistory:
    """`crs.ranking.HistorySource` over the store: past sessions per user and look-alike users.

    Look-alikes are scanned among the `scan` most recently updated sessions (Jaccard overlap of liked
    items); a deployment with many users would precompute them."""

    def __init__(self, store: Store, scan: int = 500) -> None:
        self.store, self.scan = store, scan

    def sessions(self, user_id: str) -> list[PastSession]:
        from crs.ranking.history import PastSession

        with self.store._lock:
            rows = self.store._db.execute(  # only the two lists, not the whole state, are decoded
                "SELECT id, json_extract(state, '$.accepted'), json_extract(state, '$.rejected') FROM sessions "
                "WHERE user_id=? ORDER BY created", (user_id,)).fetchall()
        out = []
        for sid, acc, rej in rows:
            out.append(PastSession(sid, tuple(json.loads(acc) if acc else ()), tuple(json.loads(rej) if rej else ())))
        fb = self.store.feedback(user_id)
        if fb:
            out.append(PastSession("feedback", tuple(i for i, v in fb if v > 0), tuple(i for i, v in fb if v < 0)))
        return [s for s in out if s.liked or s.disliked]

    def lookalikes(self, liked: Iterable[str], k: int = 20, exclude_user: str = "") -> list[tuple[str, float, tuple[str, ...]]]:
        mine = set(liked)
        if not mine:
            return []
        with self.store._lock:
            rows = self.store._db.execute("SELECT user_id, json_extract(state, '$.accepted') FROM sessions "
                                          "WHERE user_id<>? ORDER BY updated DESC LIMIT ?",
                                          (exclude_user, self.scan)).fetchall()
        theirs: dict[str, set[str]] = {}
        for user, acc in rows:
            theirs.setdefault(user, set()).update(json.loads(acc) if acc else ())
        scored = [(u, len(mine & s) / len(mine | s), tuple(sorted(s - mine))) for u, s in theirs.items() if mine & s]
        return sorted(scored, key=lambda t: -t[1])[:k]
