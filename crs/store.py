"""Persistence: users, sessions, turns, feedback and reviews in SQLite (WAL, the embedded default)
or PostgreSQL (`Store("postgresql://...")`), through one interface (`crs.sql`).

One `Store` per database. Every turn is written in one transaction together with the session's
new dialogue state, so a crash (even `kill -9`) loses no committed turn and the database reopens
cleanly (WAL replays on open). Sessions are resumable by id: `load_state` returns the last
committed `DialogueState`. The connection is shared between threads behind a lock (the Gradio
app and the HTTP API call it from their worker threads); several processes may open the same
database (one connection each). With `exclusive_turns=True` a turn never replaces a committed
turn of the same number: a turn computed from a stale state (two concurrent turns on one
session, in two processes) raises `TurnConflict` and writes nothing, so the caller can reload
the state and run the turn again.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from crs.sql import SQLConnection, StoreError, connect, is_url
from crs.types import Action, Constraint, DialogueState, Mention, Speaker

if TYPE_CHECKING:
    from crs.ranking.history import PastSession

class TurnConflict(StoreError):
    """A turn computed from a stale state: the session already has a turn with that number."""


class UnknownSessionError(StoreError):
    """No session with that id."""


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
        "last_action": _action_to_dict(la),
        "candidate_handle": state.candidate_handle,
    }


def _action_to_dict(la: Action | None) -> dict[str, Any] | None:
    if la is None:
        return None
    return {"kind": la.kind, "attribute": la.attribute, "items": list(la.items), "score": float(la.score),
            "alternatives": [[a, float(s)] for a, s in la.alternatives], "follow": _action_to_dict(la.follow)}


def _action_from_dict(la: Mapping[str, Any] | None) -> Action | None:
    if not la:
        return None
    return Action(kind=la["kind"], attribute=la.get("attribute"), items=tuple(la.get("items", ())),
                  score=float(la.get("score", 0.0)),
                  alternatives=tuple((str(a), float(s)) for a, s in la.get("alternatives", ())),
                  follow=_action_from_dict(la.get("follow")))


def state_from_dict(d: Mapping[str, Any]) -> DialogueState:
    """Inverse of `state_to_dict`; unknown keys are ignored so older rows stay readable."""
    action = _action_from_dict(d.get("last_action"))
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
    """The session store over SQLite (a path, WAL, `synchronous=NORMAL`: kill -9 loses no committed
    transaction; `durable=True` for FULL, which also survives power loss) or PostgreSQL (a
    `postgresql://` URL). `exclusive_turns=True` makes `save_turn` refuse to replace a committed
    turn (`TurnConflict`): the HTTP API's setting, where two processes may serve one session."""

    def __init__(self, path: str | Path, durable: bool = False, exclusive_turns: bool = False) -> None:
        self.target = str(path)
        self.path = Path(path) if not is_url(path) else Path()
        self.durable, self.exclusive_turns = durable, exclusive_turns
        self._lock = threading.RLock()
        self._db: SQLConnection = connect(path, durable)
        self._accepted_memo: dict[str, tuple[float, tuple[str, ...]]] = {}
        """session id -> (updated, accepted) of sessions `recent_accepted` decoded."""

    @property
    def dialect(self) -> str:
        """"sqlite" or "postgresql"."""
        return self._db.dialect

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def reopen(self) -> None:
        """A fresh connection to the same database (a forked worker process must not use its
        parent's connection: the parent closes it before forking, each child reopens)."""
        with self._lock:
            self._db = connect(self.target, self.durable)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tx(self) -> _Tx:
        return _Tx(self)

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # users and sessions

    def ensure_user(self, user_id: str) -> str:
        with self._tx() as db:
            db.execute("INSERT INTO users(id, created) VALUES (?, ?) ON CONFLICT(id) DO NOTHING", (user_id, time.time()))
        return user_id

    def new_session(self, user_id: str = "", catalog: str = "", session_id: str | None = None) -> DialogueState:
        """Create a session (and its user); returns the empty state carrying both ids."""
        user_id = user_id or f"anon-{uuid.uuid4().hex[:12]}"
        sid = session_id or uuid.uuid4().hex
        state = DialogueState(session_id=sid, user_id=user_id)
        now = time.time()
        with self._tx() as db:
            db.execute("INSERT INTO users(id, created) VALUES (?, ?) ON CONFLICT(id) DO NOTHING", (user_id, now))
            db.execute("INSERT INTO sessions(id, user_id, catalog, created, updated, state) VALUES (?,?,?,?,?,?)",
                       (sid, user_id, catalog, now, now, json.dumps(state_to_dict(state))))
        return state

    def load_state(self, session_id: str) -> DialogueState:
        """The last committed state of a session; UnknownSessionError if the id is unknown."""
        rows = self._rows("SELECT state FROM sessions WHERE id=?", (session_id,))
        if not rows:
            raise UnknownSessionError(f"unknown session {session_id!r}")
        return state_from_dict(json.loads(rows[0][0]))

    def sessions(self, user_id: str) -> list[str]:
        """A user's session ids, most recently updated first."""
        return [r[0] for r in self._rows("SELECT id FROM sessions WHERE user_id=? ORDER BY updated DESC", (user_id,))]

    # turns

    def save_turn(self, state: DialogueState, user_text: str, reply: str, action: str,
                  payload: Mapping[str, Any] | None = None) -> None:
        """Record one turn and the session's new state atomically (one transaction). With
        `exclusive_turns`, a turn number the session already has raises `TurnConflict` (nothing written)."""
        now = time.time()
        keep = "DO NOTHING" if self.exclusive_turns else (
            "DO UPDATE SET user_text=excluded.user_text, reply=excluded.reply, action=excluded.action, "
            "payload=excluded.payload, ts=excluded.ts")
        with self._tx() as db:
            cur = db.execute(f"INSERT INTO turns(session_id, turn, user_text, reply, action, payload, ts) "
                             f"VALUES (?,?,?,?,?,?,?) ON CONFLICT(session_id, turn) {keep}",
                             (state.session_id, state.turn, user_text, reply, action, json.dumps(payload or {}), now))
            if cur.rowcount == 0:
                raise TurnConflict(f"session {state.session_id!r} already has turn {state.turn}: "
                                   "the turn was computed from a stale state")
            db.execute("INSERT INTO users(id, created) VALUES (?, ?) ON CONFLICT(id) DO NOTHING", (state.user_id, now))
            db.execute(
                "INSERT INTO sessions(id, user_id, created, updated, state) VALUES (?,?,?,?,?) "
                "ON CONFLICT(id) DO UPDATE SET state=excluded.state, updated=excluded.updated",
                (state.session_id, state.user_id, now, now, json.dumps(state_to_dict(state))))

    def turns(self, session_id: str, since: int = 0) -> list[TurnRecord]:
        """A session's turns numbered above `since`, in order."""
        rows = self._rows("SELECT session_id, turn, user_text, reply, action, payload, ts FROM turns "
                          "WHERE session_id=? AND turn>? ORDER BY turn", (session_id, since))
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
        return [(r[0], int(r[1])) for r in self._rows("SELECT item_id, value FROM feedback WHERE user_id=? ORDER BY id",
                                                      (user_id,))]

    def add_review(self, item_id: str, text: str, polarity: int, user_id: str = "", session_id: str = "") -> None:
        with self._tx() as db:
            db.execute("INSERT INTO reviews(item_id, user_id, session_id, text, polarity, ts) VALUES (?,?,?,?,?,?)",
                       (item_id, user_id, session_id, text, int(polarity), time.time()))

    def reviews(self) -> Iterator[tuple[str, str, int, str]]:
        """All chat opinions as (item_id, text, polarity, user_id), oldest first."""
        rows = self._rows("SELECT item_id, text, polarity, user_id FROM reviews ORDER BY id")
        return iter([(r[0], r[1], int(r[2]), r[3]) for r in rows])

    def user_history(self, user_id: str, exclude_session: str = "") -> UserHistory:
        """Liked/disliked items of a user across past sessions (accepted/rejected + feedback)."""
        liked: list[str] = []
        disliked: list[str] = []
        rows = self._rows("SELECT state FROM sessions WHERE user_id=? AND id<>? ORDER BY created",
                          (user_id, exclude_session))
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

    def accepted_rejected(self, user_id: str) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
        """(session id, accepted, rejected) of a user's sessions, oldest first (only the two lists
        are decoded, not the whole state)."""
        acc, rej = self._db.json_field("state", "accepted"), self._db.json_field("state", "rejected")
        rows = self._rows(f"SELECT id, {acc}, {rej} FROM sessions WHERE user_id=? ORDER BY created", (user_id,))
        return [(sid, _ids(a), _ids(r)) for sid, a, r in rows]

    def recent_accepted(self, exclude_user: str, limit: int) -> list[tuple[str, tuple[str, ...]]]:
        """(user id, accepted) of the `limit` most recently updated sessions of other users.

        Every look-alike turn asks this, so it must not decode `limit` whole states (6 KB of JSON
        each: ~25 ms at 500 sessions): the ids come from the covering index `sessions_recent`
        (~0.5 ms), and only sessions updated since this store last read them are decoded; the
        rest come from a per-store memo keyed by (session id, updated)."""
        with self._lock:
            rows = self._rows("SELECT id, user_id, updated FROM sessions WHERE user_id<>? ORDER BY updated DESC LIMIT ?",
                              (exclude_user, limit))
            memo = self._accepted_memo
            stale = [sid for sid, _, updated in rows if memo.get(sid, (None, ()))[0] != updated]
            acc = self._db.json_field("state", "accepted")
            for start in range(0, len(stale), 200):
                part = stale[start:start + 200]
                marks = ",".join("?" * len(part))
                for sid, updated, raw in self._rows(f"SELECT id, updated, {acc} FROM sessions WHERE id IN ({marks})",
                                                    tuple(part)):
                    memo[sid] = (updated, _ids(raw))
            if len(memo) > 4 * max(limit, 1):  # forget sessions that left the window
                keep = {sid for sid, _, _ in rows}
                self._accepted_memo = memo = {sid: v for sid, v in memo.items() if sid in keep}
            return [(uid, memo[sid][1]) for sid, uid, _ in rows if sid in memo]


def _ids(raw: str | None) -> tuple[str, ...]:
    return tuple(json.loads(raw)) if raw else ()


class _Tx:
    """`with store._tx() as db:` — BEGIN (IMMEDIATE) … COMMIT under the store's lock."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> SQLConnection:
        self.store._lock.acquire()
        try:
            self.store._db.begin()
        except BaseException:
            self.store._lock.release()
            raise
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

        out = [PastSession(sid, acc, rej) for sid, acc, rej in self.store.accepted_rejected(user_id)]
        fb = self.store.feedback(user_id)
        if fb:
            out.append(PastSession("feedback", tuple(i for i, v in fb if v > 0), tuple(i for i, v in fb if v < 0)))
        return [s for s in out if s.liked or s.disliked]

    def lookalikes(self, liked: Iterable[str], k: int = 20, exclude_user: str = "") -> list[tuple[str, float, tuple[str, ...]]]:
        mine = set(liked)
        if not mine:
            return []
        theirs: dict[str, set[str]] = {}
        for user, acc in self.store.recent_accepted(exclude_user, self.scan):
            theirs.setdefault(user, set()).update(acc)
        scored = [(u, len(mine & s) / len(mine | s), tuple(sorted(s - mine))) for u, s in theirs.items() if mine & s]
        return sorted(scored, key=lambda t: -t[1])[:k]
