"""Terminal chat over `Agent.step`: a Rich UI when interactive, one reply per line when piped.

With piped stdin each non-empty line is one user message. `--json` prints one JSON object per
turn: `reply`, `action`, `recommendations` ([{id, title, year, attributes, reason, snippet}]),
`state` ({preferences, constraints, mentions (in order), ...}), `strategies`, `candidates`.
Interactive commands: /new (new session), /state, /quit.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

import numpy as np
from rich.console import Console
from rich.table import Table

from crs.dialogue.agent import Agent
from crs.dialogue.reply import TurnReply, turn_payload
from crs.types import DialogueState


def _json_default(o: object) -> object:
    if isinstance(o, np.generic):
        return o.item()  # numpy scalars
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    return str(o)


def show_reply(console: Console, reply: TurnReply) -> None:
    console.print(f"[bold cyan]crs[/] [dim]({reply.action}; {', '.join(reply.strategies)})[/]: {reply.text}")
    for note in reply.notices:
        console.print(f"[yellow]note:[/] {note}")
    if reply.cards:
        t = Table("#", "title", "year", "key attributes", "why", "people say", show_lines=False)
        for n, c in enumerate(reply.cards, 1):
            attrs = "; ".join(f"{k}: {', '.join(map(str, v[:3])) if isinstance(v, tuple) else v}"
                              for k, v in list(c.attributes.items())[:3])
            t.add_row(str(n), c.title, str(c.year or ""), attrs, c.reason, c.snippet)
        console.print(t)


def show_state(console: Console, state: DialogueState, catalog: Any) -> None:
    prefs = ", ".join(state.preferences) or "none"
    cons = ", ".join(f"{c.attribute} {c.op} {c.value}" for c in state.constraints) or "none"
    timeline = " → ".join(
        f"{'+' if m.polarity > 0 else '-' if m.polarity < 0 else '·'}"
        f"{catalog.item(m.entity).title if m.kind == 'item' and m.entity in catalog else m.entity}"
        for m in state.mentions) or "empty"
    console.print(f"[dim]session {state.session_id} · user {state.user_id} · turn {state.turn}[/]")
    console.print(f"[dim]preferences: {prefs}\nconstraints: {cons}\ntimeline: {timeline}[/]")


def run_piped(agent: Agent, state: DialogueState, lines: TextIO, out: TextIO, as_json: bool) -> DialogueState:
    """Answer each non-empty input line; JSON (one object per turn) or plain text."""
    console = Console(file=out, soft_wrap=True, highlight=False)
    for line in lines:
        text = line.rstrip("\n")
        if not text.strip():
            continue
        state, reply = agent.step(state, text)
        if as_json:
            out.write(json.dumps(turn_payload(reply, state), default=_json_default, ensure_ascii=False) + "\n")
            out.flush()
        else:
            console.print(f"[bold]you[/]: {text}")
            show_reply(console, reply)
    return state


def run_interactive(agent: Agent, state: DialogueState, console: Console | None = None) -> DialogueState:
    console = console or Console()
    console.print(f"[bold]crs chat[/] on the {agent.catalog.name} catalog ({len(agent.catalog):,} items). "
                  f"Session [cyan]{state.session_id}[/] (resume with --session). /quit to leave.")
    while True:
        try:
            text = console.input("[bold green]you[/]: ")
        except (EOFError, KeyboardInterrupt):
            break
        cmd = text.strip().lower()
        if cmd in ("/quit", "/exit", "quit", "exit"):
            break
        if cmd == "/new":
            state = agent.new_session(state.user_id)
            console.print(f"[dim]new session {state.session_id}[/]")
            continue
        if cmd == "/state":
            show_state(console, state, agent.catalog)
            continue
        state, reply = agent.step(state, text)
        show_reply(console, reply)
    return state


def chat(agent: Agent, user_id: str = "", session_id: str | None = None, as_json: bool = False,
         stdin: TextIO | None = None, stdout: TextIO | None = None) -> DialogueState:
    """Entry point for `crs chat`: resume `session_id` or start a session for `user_id`."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    state = agent.resume(session_id) if session_id else agent.new_session(user_id)
    if as_json or not stdin.isatty():
        return run_piped(agent, state, stdin, stdout, as_json)
    return run_interactive(agent, state)
