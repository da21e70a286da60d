"""Gradio demo: chat plus a side panel (preferences, stance per aspect, critiques, entity timeline,
candidate count, chosen action with its alternatives' scores) and recommendation cards with their
aligned review snippet, one-click critiques per card and thumbs up/down (`ui.gradio_cards`).

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
from ui.gradio_cards import cards_markdown, critiques_for, panel_markdown

CONCURRENCY = 2
"""Turns the demo runs at once (Gradio's queue; its default, 1, serves one visitor at a time). Turns of
different sessions may overlap: each browser's state is its own `View`, the agent's shared parts lock.
One per core: 20 sessions on 2 cores got 9.8-10.4 messages/s, p99 2.7-3.3 s at 2 against 8.1-9.6,
p99 3.7-4.2 s at 4 and 7.8, p99 3.7 s at 1 (docs/BENCHMARKS.md)."""


@dataclass(frozen=True)
class View:
    """One browser session: dialogue state, chat history and the last reply's cards."""

    state: DialogueState
    history: tuple[tuple[str, str], ...] = ()
    cards: tuple[tuple[str, str], ...] = ()
    """(item id, "Title (Year)") of the cards on screen."""
    last: TurnReply | None = None
    shown: TurnReply | None = None
    """The latest reply with cards: its cards stay on screen (and critiquable) until new ones come."""


def to_messages(history: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    """(user, bot) pairs → Gradio's messages format."""
    out: list[dict[str, str]] = []
    for user, bot in history:
        out += [{"role": "user", "content": user}, {"role": "assistant", "content": bot}]
    return out


def build_demo(agent: Agent) -> Any:
    import gradio as gr

    def start(view: View | None) -> View:
        return view if view is not None else View(agent.new_session())

    critiques = critiques_for(agent.catalog)

    def respond(message: str, view: View | None) -> tuple[Any, ...]:
        view = start(view)
        state, reply = agent.step(view.state, message or "")
        cards = tuple((c.id, f"{c.title} ({c.year})" if c.year else c.title) for c in reply.cards)
        text = "\n\n".join((*(f"_{n}_" for n in reply.notices), reply.text))  # e.g. the policy fallback notice
        view = View(state, (*view.history, (message or "", text)), cards or view.cards, reply,
                    reply if reply.cards else view.shown)
        choices = [label for _, label in view.cards]
        return ("", to_messages(view.history), view, panel_markdown(view.state, view.last, agent),
                cards_markdown(view.shown), gr.update(choices=choices, value=choices[0] if choices else None))

    def critique(slot: int, n: int, view: View | None) -> tuple[Any, ...]:
        """One click on card `slot`'s critique `n`: the message a user would type, through `respond`."""
        view = start(view)
        if slot >= len(view.cards):
            return respond("", view)
        return respond(critiques[n].message(view.cards[slot][1]), view)

    def card_controls(view: View | None) -> list[Any]:
        """Show one row of critique buttons per card on screen, labelled with its title."""
        shown = view.cards if view is not None else ()
        out: list[Any] = []
        for slot in range(agent.k):
            label = f"**{shown[slot][1]}**" if slot < len(shown) else ""
            out += [gr.update(visible=slot < len(shown)), gr.update(value=label)]
        return out

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
                cards = gr.Markdown("_No recommendations yet._", elem_id="cards")
                rows, buttons = [], []
                for slot in range(agent.k):  # one row of one-click critiques per card slot
                    with gr.Row(visible=False, elem_id=f"card-{slot}-critiques") as row:
                        title = gr.Markdown()
                        buttons.append([gr.Button(c.label, size="sm", elem_id=f"card-{slot}-critique-{n}")
                                        for n, c in enumerate(critiques)])
                    rows += [row, title]
                with gr.Row():
                    pick = gr.Radio(choices=[], label="Rate a recommendation")
                    up, down = gr.Button("👍"), gr.Button("👎")
                note = gr.Markdown()
            with gr.Column(scale=2):
                panel = gr.Markdown("### Preferences\n- none", elem_id="panel")
        outs = [box, chat, view, panel, cards, pick]
        box.submit(respond, [box, view], outs, api_name="respond").then(
            card_controls, [view], rows, api_visibility="private")
        send.click(respond, [box, view], outs, api_visibility="private").then(  # the same call as /respond
            card_controls, [view], rows, api_visibility="private")
        for slot, row_buttons in enumerate(buttons):
            for n, button in enumerate(row_buttons):
                button.click(lambda v, s=slot, k=n: critique(s, k, v), [view], outs, api_visibility="private").then(
                    card_controls, [view], rows, api_visibility="private")
        up.click(lambda c, v: thumbs(c, v, 1), [pick, view], [note, view], api_name="thumbs_up")
        down.click(lambda c, v: thumbs(c, v, -1), [pick, view], [note, view], api_name="thumbs_down")
    return blocks.queue(default_concurrency_limit=CONCURRENCY)  # several sessions' turns at once


def settle_web_stack() -> None:
    """Resolve matplotlib's backend to Agg once, before the first visitor. Gradio asks matplotlib for
    its backend and switches it around every event; unresolved, the first events import pyplot and
    probe GUI backends (~0.3-1 s each under load: a fresh demo's first 20 messages waited ~1 s)."""
    try:
        import matplotlib
    except ImportError:
        return
    matplotlib.use("agg")


_DEMO: Any = None


def __getattr__(name: str) -> Any:  # lazy module-level `demo` for `gradio ui/gradio_app.py`
    global _DEMO
    if name == "demo":
        if _DEMO is None:
            from crs.dialogue.build import build_agent

            _DEMO = build_demo(build_agent())
        return _DEMO
    raise AttributeError(name)


__all__ = ["View", "build_demo", "cards_markdown", "panel_markdown", "to_messages"]  # the last two: ui.gradio_cards
