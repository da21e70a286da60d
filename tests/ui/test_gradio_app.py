"""The Gradio app served on 127.0.0.1 and driven by a real `gradio_client` (explicit api names)."""

from __future__ import annotations

import socket

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(ui_agent):  # type: ignore[no-untyped-def]
    import os

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.gradio_app import build_demo

    demo = build_demo(ui_agent)
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def _last_bot(chat) -> str:  # type: ignore[no-untyped-def]
    msg = chat[-1]
    content = msg["content"] if isinstance(msg, dict) else msg[1]
    if isinstance(content, list):  # newer Gradio: a list of content parts
        content = " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return str(content)


def test_chat_panel_cards_and_feedback(served, ui_agent):
    from gradio_client import Client

    a = Client(served, verbose=False)
    b = Client(served, verbose=False)
    box, chat, panel, cards, pick = a.predict("hi there", api_name="/respond")
    assert box == "" and len(chat) == 2 and _last_bot(chat)
    assert "Preferences" in panel and "Candidates" in panel
    box, chat, panel, cards, pick = a.predict("I want a horror movie, just give me something", api_name="/respond")
    assert len(chat) == 4
    reply = _last_bot(chat)
    titles = [line[5:].rsplit(" (", 1)[0] for line in cards.splitlines() if line.startswith("#### ")]
    assert titles and all(t in reply for t in titles)
    assert all(any(it.title == t for it in ui_agent.catalog.items) for t in titles)
    assert "genres **include** horror" in panel and "recommend" in panel
    note = a.predict(pick["value"] if isinstance(pick, dict) else pick, api_name="/thumbs_up")
    assert note.startswith("Thanks")
    # another browser session sees nothing of the first
    box, chat_b, panel_b, cards_b, _ = b.predict("hello", api_name="/respond")
    assert len(chat_b) == 2 and "horror" not in panel_b and "No recommendations" in cards_b
    liked = ui_agent.store.feedback  # feedback is stored for the first session's user
    session = panel.rsplit("session ", 1)[1].split("<", 1)[0].strip()
    user = ui_agent.store.load_state(session).user_id
    assert len(liked(user)) == 1 and liked(user)[0][1] == 1


def test_demo_load_client_counts_answers_errors_and_leaks(served, ui_agent):  # type: ignore[no-untyped-def]
    """`crs bench demo`'s clients (the browser protocol and gradio_client): concurrent sessions, hostile
    messages answered, no leaks, the same replies from both."""
    from ui.demo_load import run_demo_load

    titles = [it.title for it in ui_agent.catalog.items[:20]]
    reports = [run_demo_load(served, sessions=3, turns=4, titles=titles, seed=1, client=c)
               for c in ("browser", "gradio_client")]
    for r in reports:
        assert r["requests"] == 12 and r["answered"] == 12 and r["errors"] == 0 and r["leaks"] == 0, r
        assert r["p50_ms"] is not None and r["p99_ms"] >= r["p50_ms"] and r["messages_per_s"] > 0
    assert reports[0]["own_marker_seen"] == reports[1]["own_marker_seen"]


def test_browser_protocol_keeps_each_sessions_state(served):  # type: ignore[no-untyped-def]
    """The browser client's messages of one session hash share the demo's `View` state; another hash
    starts fresh."""
    import asyncio

    import httpx

    from ui.demo_load import _ask, respond_endpoint

    async def talk() -> tuple[str, str]:
        async with httpx.AsyncClient(base_url=served, timeout=60) as http:
            prefix, fn, n = respond_endpoint((await http.get("config")).json())
            await _ask(http, prefix, fn, n, "session-a", "I want a comedy")
            a = await _ask(http, prefix, fn, n, "session-a", "from the 90s")
            b = await _ask(http, prefix, fn, n, "session-b", "from the 90s")
            return str(a[3]), str(b[3])  # the side panel

    def constraints(panel: str) -> str:
        return panel.split("### Constraints", 1)[1].split("###", 1)[0].lower()

    panel_a, panel_b = asyncio.run(talk())
    assert "comedy" in constraints(panel_a) and "1990s" in constraints(panel_a)
    assert "comedy" not in constraints(panel_b) and "1990s" in constraints(panel_b)
