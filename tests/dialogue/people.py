"""Helpers for the conversation tests: talk to an agent, read its state."""

from __future__ import annotations

from crs.types import DialogueState


def talk(agent, *messages: str):  # type: ignore[no-untyped-def]
    state = agent.new_session("people-talk")
    replies = []
    for text in messages:
        state, reply = agent.step(state, text)
        replies.append(reply)
    return state, replies


def cons(state: DialogueState) -> set[tuple[str, str, str]]:
    return {(c.attribute, c.op, str(c.value).lower()) for c in state.constraints}


def genre_includes(state: DialogueState) -> set[str]:
    return {v for a, op, v in cons(state) if a == "genres" and op == "include"}


def shown(agent, state: DialogueState):  # type: ignore[no-untyped-def]
    """The items of the last recommendation (empty when the agent asked or answered instead)."""
    last = state.last_action
    return [agent.catalog.item(i) for i in last.items] if last is not None and last.kind == "recommend" else []


def genres_of(item) -> set[str]:  # type: ignore[no-untyped-def]
    return {g.lower() for g in item.values("genres")}
