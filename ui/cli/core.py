"""`crs data info`, `crs demo`, `crs chat`: catalogs and the two front ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from ui.cli.common import (
    CatalogOpt,
    DataDirOpt,
    JsonOpt,
    PathOpt,
    PolicyOpt,
    console,
    err_console,
    load,
    print_json,
)


def data_info(
    catalog: str = CatalogOpt,
    data_dir: Optional[Path] = DataDirOpt,
    path: Optional[Path] = PathOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Item count, attributes with value counts, share of items with text, interaction count."""
    from crs.catalog import summary

    s = summary(load(catalog, data_dir, path))
    if as_json:
        print_json({k: s[k] for k in ("catalog", "items", "attributes", "with_text", "interactions")})
        return
    _print_summary(s)


def _print_summary(s: dict[str, Any]) -> None:
    console.print(f"[bold]{s['catalog']}[/]: {s['items']:,} items, {s['with_text']:.1%} with text, "
                  f"{s['interactions']:,} interactions from {s['users']:,} users")
    t = Table("attribute", "kind", "values", "coverage", "most common")
    for name, d in s["details"].items():
        top = ", ".join(f"{k} ({n})" for k, n in d["top"][:4])
        t.add_row(name, d["kind"], f"{s['attributes'][name]:,}", f"{d['coverage']:.0%}", top)
    console.print(t)


def demo(
    catalog: str = CatalogOpt,
    data_dir: Optional[Path] = DataDirOpt,
    path: Optional[Path] = PathOpt,
    port: int = typer.Option(7860, "--port", help="Port for the web demo."),
    policy: str = PolicyOpt,
) -> None:
    """Prepare the catalog and launch the chat demo (Gradio, http://127.0.0.1:PORT)."""
    from crs.config import serving_threads
    from crs.dialogue.build import AgentConfig, build_agent
    from ui.gradio_app import build_demo, settle_web_stack

    err_console.print(f"loading the {catalog} catalog and building indexes (first run: a few minutes)…")
    agent = build_agent(AgentConfig(catalog=catalog, data_dir=str(data_dir) if data_dir else None,
                                    path=str(path) if path else None, policy=policy))
    agent.warm_up()  # load the lazy models now, not on the first visitor's message
    serving_threads(1)  # concurrent visitors, one thread each (after the build, which uses every core)
    if agent.policy_notice:
        err_console.print(agent.policy_notice)
    err_console.print(f"ready: {len(agent.catalog):,} items, policy {agent.policy.name}; open http://127.0.0.1:{port}")
    settle_web_stack()
    build_demo(agent).launch(server_name="127.0.0.1", server_port=port, show_error=True)


def chat(
    catalog: str = CatalogOpt,
    data_dir: Optional[Path] = DataDirOpt,
    path: Optional[Path] = PathOpt,
    user: str = typer.Option("", "--user", help="User id (returning users get their history)."),
    session: Optional[str] = typer.Option(None, "--session", help="Resume a session by id."),
    store: Optional[Path] = typer.Option(None, "--store", help="SQLite store (default: cache dir/chat.db)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per turn (reply, action, recommendations, state)."),
    policy: str = PolicyOpt,
    llm: str = typer.Option("none", "--llm", help="none | smollm2 | openai:URL[#model]: grounded paraphrase."),
) -> None:
    """Chat in the terminal; with piped stdin, one message per line."""
    from crs.dialogue.build import AgentConfig, build_agent
    from ui.terminal import chat as run_chat

    agent = build_agent(AgentConfig(catalog=catalog, data_dir=str(data_dir) if data_dir else None,
                                    path=str(path) if path else None, store=str(store) if store else None,
                                    policy=policy, llm=llm))
    run_chat(agent, user_id=user, session_id=session, as_json=as_json)
