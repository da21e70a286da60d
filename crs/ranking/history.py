"""User history and look-alike users.

`HistorySource` is the seam to persistence: the SQLite store (`crs/store.py`) implements it for real
users; `InMemoryHistory` implements it from ReDial dialogues grouped by seeker worker id (each
dialogue is one past session; the seeker's post-chat answers are the feedback of that session).

A `Profile` aggregates a user's past sessions (liked / disliked item ids, most recent weighted
highest); look-alike users are the users whose liked items overlap most with the current profile
plus the dialogue's liked items (overlap coefficient), and their liked items enter fusion as a signal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from crs.catalog.dialogues import Dialogue


@dataclass(frozen=True)
class PastSession:
    session_id: str
    liked: tuple[str, ...] = ()
    disliked: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    """A user's preference profile built from past sessions: item id → weight (>0 liked, <0 disliked)."""

    user_id: str
    weights: Mapping[str, float] = field(default_factory=dict)
    sessions: int = 0

    @property
    def liked(self) -> tuple[str, ...]:
        return tuple(i for i, w in self.weights.items() if w > 0)

    @property
    def disliked(self) -> tuple[str, ...]:
        return tuple(i for i, w in self.weights.items() if w < 0)


@runtime_checkable
class HistorySource(Protocol):
    """Past sessions per user, and look-alike users by overlap of liked items."""

    def sessions(self, user_id: str) -> Sequence[PastSession]: ...

    def lookalikes(self, liked: Iterable[str], k: int = 20, exclude_user: str = "") -> list[tuple[str, float, tuple[str, ...]]]:
        """Up to k (user_id, similarity, that user's liked item ids), most similar first."""
        ...


def build_profile(user_id: str, sessions: Sequence[PastSession], decay: float = 0.8) -> Profile:
    """Most recent session (last in the list) weighs 1, the one before `decay`, and so on."""
    weights: dict[str, float] = defaultdict(float)
    for age, s in enumerate(reversed(list(sessions))):
        w = decay**age
        for i in s.liked:
            weights[i] += w
        for i in s.disliked:
            weights[i] -= w
    return Profile(user_id, {i: w for i, w in weights.items() if w != 0}, len(sessions))


class InMemoryHistory:
    """HistorySource held in memory: {user_id: [PastSession, ...]} (oldest first)."""

    def __init__(self, sessions_by_user: Mapping[str, Sequence[PastSession]]) -> None:
        self._sessions = {u: list(s) for u, s in sessions_by_user.items()}
        self._liked: dict[str, frozenset[str]] = {}
        self._by_item: dict[str, set[str]] = defaultdict(set)
        for u, ss in self._sessions.items():
            liked = frozenset(i for s in ss for i in s.liked)
            self._liked[u] = liked
            for i in liked:
                self._by_item[i].add(u)

    @classmethod
    def from_dialogues(cls, dialogues: Iterable[Dialogue], exclude: Iterable[str] = ()) -> InMemoryHistory:
        """One session per ReDial dialogue, grouped by seeker worker id, in conversationId order.

        Liked = movies the seeker said they liked (post-chat `liked == 1`) or, without an answer,
        mentioned themselves; disliked = `liked == 0`. Dialogues whose id is in `exclude` are skipped.
        """
        skip = set(exclude)
        by_user: dict[str, list[tuple[str, PastSession]]] = defaultdict(list)
        for d in dialogues:
            if d.conversation_id in skip or not d.seeker:
                continue
            said = {m for msg in d.messages if msg.role == "seeker" for m in msg.movies}
            liked, disliked = [], []
            for m in dict.fromkeys([*d.seeker_labels, *sorted(said)]):
                ans = d.seeker_labels.get(m, {}).get("liked", 2)
                if ans == 0:
                    disliked.append(m)
                elif ans == 1 or m in said:
                    liked.append(m)
            by_user[d.seeker].append((d.conversation_id, PastSession(d.conversation_id, tuple(liked), tuple(disliked))))
        return cls({u: [s for _, s in sorted(v, key=lambda p: _order_key(p[0]))] for u, v in by_user.items()})

    def users(self) -> list[str]:
        return list(self._sessions)

    def sessions(self, user_id: str) -> Sequence[PastSession]:
        return tuple(self._sessions.get(user_id, ()))

    def without(self, session_ids: Iterable[str]) -> InMemoryHistory:
        """A copy without the given sessions (e.g. the dialogue being evaluated)."""
        drop = set(session_ids)
        return InMemoryHistory({u: [s for s in ss if s.session_id not in drop] for u, ss in self._sessions.items()})

    def lookalikes(self, liked: Iterable[str], k: int = 20, exclude_user: str = "") -> list[tuple[str, float, tuple[str, ...]]]:
        mine = set(liked)
        if not mine:
            return []
        overlap: dict[str, int] = defaultdict(int)
        for i in mine:
            for u in self._by_item.get(i, ()):
                if u != exclude_user:
                    overlap[u] += 1
        scored = [(u, n / min(len(mine), len(self._liked[u]))) for u, n in overlap.items()]
        scored.sort(key=lambda p: (-p[1], -overlap[p[0]], p[0]))
        return [(u, s, tuple(sorted(self._liked[u]))) for u, s in scored[:k]]


def _order_key(conversation_id: str) -> tuple[int, str]:
    return (int(conversation_id), "") if conversation_id.isdigit() else (0, conversation_id)
