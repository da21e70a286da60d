"""Gradio demo: chat plus a side panel (preferences, critiques, entity timeline, candidate count,
chosen action with its alternatives' scores) and recommendation cards with thumbs up/down.

`build_demo(agent)` returns the `gr.Blocks`; the per-browser-session `gr.State` holds a `View`
(the immutable `DialogueState` plus the chat history), so no session can see another's. The
handlers call `Agent.step` only; `to_messages` is the one adapter to Gradio's chat format.
Endpoints (explicit api names): `/respond` (message → chat, panel, cards), `/thumbs_up` and
`/thumbs_down` (card choice → feedback stored). A module-level `demo` is built lazily on first
access (default catalog), so importing this module loads nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crs.dialogue.agent import Agent
from crs.dialogue.reply import TurnReply
from crs.types import DialogueState


@dataclass(frozen=True)
class View:
    """One browser session: dialogue state, chat history and the last reply's cards."""

    state: DialogueState
    history: tuple[tuple[str, str], ...] = ()
    cards: tuple[tuple[str, str], ...] = ()
    """(item id, "Title (Year)") of the cards on screen."""
    last: TurnReply | None = None


def to_messages(history: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    """(user, bot) pairs → Gradio's messages format."""
    out: list[dict[str, str]] = []
    for user, bot in history:
        out += [{"role": "user", "content": user}, {"role": "assistant", "content": bot}]
    return out


def panel_markdown(view: View, agent: Agent) -> str:
    st, cat = view.state, agent.catalog
    def name(m: Any) -> str:
        return cat.item(m.entity).display if m.kind == "item" and m.entity in cat else m.entity
    timeline = "\n".join(f"{n}. {'👍' if m.polarity > 0 else '👎' if m.polarity < 0 else '·'} {name(m)} "
                         f"({m.speaker.value}, turn {m.turn})" for n, m in enumerate(st.mentions[-12:], 1))
    cons = "\n".join(f"- {c.attribute} **{c.op}** {c.value}" for c in st.constraints) or "- none"
    prefs = "\n".join(f"- {p}" for p in st.preferences) or "- none"
    last = view.last
    action = "—"
    if last is not None:
        alts = ", ".join(f"{a} ({s:.2f})" for a, s in last.alternatives) or "none"
        action = f"**{last.action}** · strategies: {', '.join(last.strategies)}\n\nalternatives: {alts}"
    count = f"{last.candidates:,}" if last is not None and last.candidates >= 0 else "—"
    return (f"### Preferences\n{prefs}\n\n### Constraints and critiques\n{cons}\n\n"
            f"### Timeline\n{timeline or 'empty'}\n\n### Candidates\n{count} of {len(cat):,}\n\n"
            f"### Action\n{action}\n\n<small>session {st.session_id}</small>")


def cards_markdown(reply: TurnReply | None) -> str:
    if reply is None or not reply.cards:
        return "_No recommendations yet._"
    blocks = []
    for c in reply.cards:
        attrs = " · ".join(f"{k}: {', '.join(map(str, v[:3])) if isinstance(v, tuple) else v}"
                           for k, v in list(c.attributes.items())[:4])
        quote = f"\n\n> {c.snippet}" if c.snippet else ""
        blocks.append(f"#### {c.title} ({c.year or '?'})\n{attrs}\n\n**Why:** {c.reason or '—'}{quote}")
    return "\n\n---\n\n".join(blocks)


def build_demo(agent: Agent) -> Any:
    import gradio as gr

    def start(view: View | None) -> View:
        return view if view is not None else View(agent.new_session())

    def respond(message: str, view: View | None) -> tuple[Any, ...]:
        view = start(view)
        state, reply = agent.step(view.state, message or "")
        cards = tuple((c.id, f"{c.title} ({c.year})" if c.year else c.title) for c in reply.cards)
        view = View(state, (*view.history, (message or "", reply.text)), cards or view.cards, reply)
        choices = [label for _, label in view.cards]
        return ("", to_messages(view.history), view, panel_markdown(view, agent), cards_markdown(reply),
                gr.update(choices=choices, value=choices[0] if choices else None))

    def thumbs(choice: str | None, view: View | None, value: int) -> tuple[str, View]:
        view = start(view)
        item = next((i for i, label in view.cards if label == choice), None)
        if item is None:
            return "Pick one of the recommendations first.", view
        agent.feedback(view.state, item, value)
        return f"Thanks! Saved {'👍' if value > 0 else '👎'} for {choice}.", view

    with gr.Blocks(title="crs: movie chat") as blocks:
        view = gr.State(None)
        gr.Markdown(f"## crs · conversational recommender ({agent.catalog.name}, {len(agent.catalog):,} items)")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Chat", height=460)
                box = gr.Textbox(placeholder="Say hi, name a movie you liked, or ask for something…", label="Message")
                send = gr.Button("Send", variant="primary")
                cards = gr.Markdown("_No recommendations yet._")
                with gr.Row():
                    pick = gr.Radio(choices=[], label="Rate a recommendation")
                    up, down = gr.Button("👍"), gr.Button("👎")
                note = gr.Markdown()
            with gr.Column(scale=2):
                panel = gr.Markdown("### Preferences\n- none")
        outs = [box, chat, view, panel, cards, pick]
        box.submit(respond, [box, view], outs, api_name="respond")
        send.click(respond, [box, view], outs, api_visibility="private")  # the same call as /respond, not an API
        up.click(lambda c, v: thumbs(c, v, 1), [pick, view], [note, view], api_name="thumbs_up")
        down.click(lambda c, v: thumbs(c, v, -1), [pick, view], [note, view], api_name="thumbs_down")
    return blocks


_DEMO: Any = None


def __getattr__(name: str) -> Any:  # lazy module-level `demo` for `gradio ui/gradio_app.py`
    global _DEMO
    if name == "demo":
        if _DEMO is None:
            from crs.dialogue.build import build_agent

            _DEMO = build_demo(build_agent())
        return _DEMO
    raise AttributeError(name)


__all__ = ["View", "build_demo", "cards_markdown", "panel_markdown", "to_messages"]
