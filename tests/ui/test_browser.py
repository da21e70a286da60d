"""The demo as a person sees it: headless Chromium (Debian's `chromium`, installed by .ci/run) driven
by Playwright through a short conversation with an opinion, a typed critique and a one-click critique;
the cards, their review snippet and the side panel are read from the rendered page."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def _browser_or_fail() -> None:
    """A missing browser is a failure, never a skip (`make test` installs it: scripts/system-deps.sh)."""
    missing = []
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        missing.append("Debian's chromium (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install playwright)")
    if missing:
        msg = "browser test needs " + " and ".join(missing)
        pytest.fail(msg)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def page_url(ui_agent):  # type: ignore[no-untyped-def]
    _browser_or_fail()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from ui.gradio_app import build_demo

    ui_agent.warm_up()  # as `crs demo` does: the first turn does not pay for loading the encoder
    demo = build_demo(ui_agent)
    port = _free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def _text(page, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(page.inner_text(selector))


def _send(page, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type a message, press Enter, wait until the side panel shows the new turn."""
    before = _text(page, "#panel")
    box = page.get_by_placeholder("Say hi, name a movie you liked, or ask for something…")
    box.fill(text)
    box.press("Enter")
    _wait_for_update(page, before)


def _wait_for_update(page, before: str) -> None:  # type: ignore[no-untyped-def]
    """The panel differs from `before` and shows no progress timer ("0.2s") any more."""
    page.wait_for_function(_UPDATED, arg=["#panel", before], timeout=180_000)  # a loaded 2-core machine


def _first_card_title(page) -> str:  # type: ignore[no-untyped-def]
    """The first card's title once its critique row (a chained update) shows that same card; read in
    the same browser call that checks it (a second read could catch the next update's timer)."""
    handle = page.wait_for_function(_ROW_MATCHES, timeout=180_000)  # a loaded 2-core machine
    return str(handle.json_value()).strip()


_ROW_MATCHES = """() => { const h = document.querySelector("#cards h4"), r = document.querySelector("#card-0-critiques");
  if (!h || !r || r.offsetParent === null) return false;
  const first = r.innerText.split("\\n")[0].trim(), title = h.innerText.trim();
  const timer = /^[0-9.]+s$/.test(first) || /\\|\\s*[0-9.]+s\\b/.test(document.body.innerText);  // still updating
  return !timer && first.length > 0 && first === title ? first : false; }"""


_UPDATED = """([sel, old]) => { const t = document.querySelector(sel).innerText, b = document.body.innerText;
  const busy = /\\|\\s*[0-9.]+s\\b/.test(b) || /^\\s*[0-9.]+s\\s*$/m.test(b);  // "processing | 0.4s", a lone timer
  return t !== old && t.includes("session") && !busy; }"""


def test_conversation_cards_snippets_panel_and_one_click_critique(page_url, tmp_path):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(page_url, wait_until="load", timeout=60_000)
            page.wait_for_selector("#panel", timeout=60_000)
            # an opinion about a film and an aspect: the panel shows the stance per aspect and the film liked
            _send(page, "I loved the twist in The Sixth Sense")
            panel = _text(page, "#panel")
            assert "twist: 👍 wants" in panel
            assert "👍 The Sixth Sense (1999)" in panel
            # a wish with an unwanted aspect, then a request: cards with an aligned, attributed snippet
            _send(page, "something scary but no gore please, just give me something")
            first = _first_card_title(page)
            cards = _text(page, "#cards")
            assert "Why:" in cards and "— 👍 positive ·" in cards  # polarity shown with the quote
            assert "from ReDial conversation" in cards or "from MovieLens" in cards  # and its origin
            assert "gore: 👎 avoids" in _text(page, "#panel")
            assert first and first in cards
            # a typed critique goes into the constraints
            _send(page, "something lighter")
            assert "Constraints and critiques" in _text(page, "#panel")
            shown = _first_card_title(page)
            # one click on the first card's "Newer": the same message a user would type, through the same path
            before = _text(page, "#panel")
            page.click("#card-0-critique-2")
            _wait_for_update(page, before)
            body = _text(page, "body")
            assert f"something newer than {shown}" in body  # shown in the chat as the user's turn
            panel = _text(page, "#panel")
            assert "year gt" in panel, panel  # the critique became a constraint, as typed text would
            page.screenshot(path=str(tmp_path / "demo.png"), full_page=True)
        finally:
            browser.close()
