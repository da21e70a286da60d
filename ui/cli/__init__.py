"""The `crs` command: the composition root, the only package that imports every other one.

It picks catalogs, simulators, policies and front ends by name and hands them to the engine. The
command functions live in one module per command group (`core`: chat, demo, data; `evaluate` and
`evaluate_models`: eval; `train`; `bench`); the agents and simulators they build are made in
`factories`. This module wires them into one Typer app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from crs.errors import CRSError
from ui.cli import bench, core, evaluate, evaluate_models, evaluate_replay, serve, train
from ui.cli.common import err_console

app = typer.Typer(add_completion=False, no_args_is_help=True, help="crs: offline-first conversational recommender.")
data_app = typer.Typer(no_args_is_help=True, help="Catalogs and data sets.")
eval_app = typer.Typer(no_args_is_help=True, help="Evaluation runs (JSON reports with --json).")
train_app = typer.Typer(no_args_is_help=True, help="Train learned components (outputs go to the cache directory).")
bench_app = typer.Typer(no_args_is_help=True, help="Speed and memory benchmarks.")

COMMANDS: dict[typer.Typer, dict[str, Callable[..., Any]]] = {
    app: {"demo": core.demo, "chat": core.chat, "serve": serve.serve},
    data_app: {"info": core.data_info},
    eval_app: {"simulate": evaluate.eval_simulate, "transfer": evaluate.eval_transfer,
               "realism": evaluate.eval_realism,
               "nlu": evaluate_models.eval_nlu_cmd, "critiques": evaluate_models.eval_critiques_cmd,
               "understanding": evaluate_models.eval_understanding,
               "redial": evaluate_models.eval_redial, "reviews": evaluate_models.eval_reviews,
               "replay": evaluate_replay.eval_replay, "compare": evaluate_replay.eval_compare,
               "policy-features": evaluate_replay.eval_policy_features},
    train_app: {"nlu": train.train_nlu, "policy": train.train_policy,
                "retriever": train.train_retriever},
    bench_app: {"retrieval": bench.bench_retrieval, "turn": bench.bench_turn, "simulator": bench.bench_simulator,
                "ease": bench.bench_ease, "fuzz": bench.bench_fuzz, "titles": bench.bench_titles, "all": bench.bench_all_cmd,
                "serve": serve.bench_serve, "demo": serve.bench_demo},
}
for group, commands in COMMANDS.items():
    for name, fn in commands.items():
        group.command(name)(fn)
for sub, name in ((data_app, "data"), (eval_app, "eval"), (train_app, "train"), (bench_app, "bench")):
    app.add_typer(sub, name=name)


def main() -> None:
    """Console-script entry point: user errors become one line on stderr and exit code 2."""
    try:
        app(standalone_mode=False)
    except CRSError as e:
        err_console.print(f"[red]error:[/] {e}", highlight=False, soft_wrap=True)
        raise SystemExit(2) from None
    except typer.Exit as e:
        raise SystemExit(e.exit_code) from None
    except SystemExit as e:
        raise SystemExit(e.code) from None
    except typer.Abort:
        raise SystemExit(130) from None
    except Exception as e:  # click usage errors
        import click

        if isinstance(e, click.exceptions.ClickException):
            e.show()
            raise SystemExit(e.exit_code) from None
        raise


__all__ = ["COMMANDS", "app", "main"]
