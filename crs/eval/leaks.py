"""Leak checks: did anything the agent or the simulated user learned from see the dialogues being evaluated?

An evaluation on dialogues (goals of simulated users, replayed dialogues) is honest only when
every source the agent and the simulator learn from was built without them. Each source declares
the conversations it learned from (`conversations`) and, where it keeps text, the messages it
holds (`texts`):

- the catalog: collaborative pseudo-user rows and popularity counts (`Catalog.meta["dialogue_ids"]`);
- review snippets (`ReviewStore.origins` / `texts`);
- the learned NLU (its training dialogues);
- the simulator's mined grammar and its goals, a trained policy's training goals (given by the caller).

`leak_check` counts goal dialogues found in each source, and goal seeker messages found verbatim
among a source's texts; every count must be 0.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from crs.catalog.dialogues import Dialogue
from crs.errors import CRSError
from crs.types import Catalog

MIN_MESSAGE_WORDS = 4
"""Shorter seeker messages ("hi", "thanks!") are common to every dialogue and not counted as leaked text."""


@dataclass(frozen=True)
class Source:
    """What one component learned from."""

    conversations: Collection[str] = frozenset()
    texts: Collection[str] = frozenset()


@dataclass(frozen=True)
class Sources:
    """The sources of one evaluation run, by name."""

    by_name: Mapping[str, Source] = field(default_factory=dict)

    def with_(self, name: str, source: Source) -> Sources:
        return Sources({**self.by_name, name: source})


def catalog_source(catalog: Catalog) -> Source:
    """Conversations behind the catalog's collaborative rows and popularity counts (ReDial)."""
    return Source(frozenset(catalog.meta.get("dialogue_ids", ())))


def leak_check(goals: Sequence[Dialogue], sources: Sources) -> dict[str, Any]:
    """Goal dialogues (and goal seeker messages) found in each source; `total` must be 0."""
    ids = {d.conversation_id for d in goals}
    messages = {m.text.strip() for d in goals for m in d.messages
                if m.role == "seeker" and len(m.text.split()) >= MIN_MESSAGE_WORDS}
    out: dict[str, Any] = {"goal_dialogues": len(ids)}
    total = 0
    for name, src in sorted(sources.by_name.items()):
        n_conv = len(ids & set(src.conversations))
        n_text = len(messages & {t.strip() for t in src.texts}) if src.texts else 0
        out[name] = {"dialogues": n_conv, "messages": n_text}
        total += n_conv + n_text
    out["total"] = total
    return out


def require_no_leak(report: Mapping[str, Any]) -> None:
    """Raise when a leak check found goal dialogues in a source (evaluations refuse to report them)."""
    if report.get("total", 0):
        bad = {k: v for k, v in report.items() if isinstance(v, dict) and (v["dialogues"] or v["messages"])}
        raise CRSError(f"leak check failed: goal dialogues found in {bad}")
