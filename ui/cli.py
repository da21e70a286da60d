"""The `crs` command: the composition root. The only module that imports every package.

It picks catalogs, simulators, policies and front ends by name and hands them to the engine.
The command functions live in `ui/cmd_*.py`; this module wires them into one Typer app:
data, eval, train, bench, chat, demo.
"""

from __future__ import annotations

import typer

from crs.errors import CRSError
from ui import cmd_bench, cmd_core, cmd_eval, cmd_eval_models, cmd_train
from ui.common import err_console

app = typer.Typer(add_completion=False, no_args_is_help=True, help="crs: offline-first conversational recommender.")
data_app = typer.Typer(no_args_is_help=True, help="Catalogs and data sets.")
eval_app = typer.Typer(no_args_is_help=True, help="Evaluation runs (JSON reports with --json).")
train_app = typer.Typer(no_args_is_help=True, help="Train learned components (outputs go to the cache directory).")
bench_app = typer.Typer(no_args_is_help=True, help="Speed and memory benchmarks.")

COMMANDS = {
    app: {"demo": cmd_core.demo, "chat": cmd_core.chat},
    data_app: {"info": cmd_core.data_info},
    eval_app: {"simulate": cmd_eval.eval_simulate, "transfer": cmd_eval.eval_transfer,
               "realism": cmd_eval.eval_realism, "order": cmd_eval.eval_order,
               "nlu": cmd_eval_models.eval_nlu_cmd, "critiques": cmd_eval_models.eval_critiques_cmd,
               "redial": cmd_eval_models.eval_redial, "reviews": cmd_eval_models.eval_reviews},
    train_app: {"policy": cmd_train.train_policy, "sequence": cmd_train.train_sequence},
    bench_app: {"retrieval": cmd_bench.bench_retrieval, "turn": cmd_bench.bench_turn,
                "simulator": cmd_bench.bench_simulator, "ease": cmd_bench.bench_ease, "all": cmd_bench.bench_all_cmd},
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
    except (typer.Exit, SystemExit) as e:
        code = getattr(e, "exit_code", None)
        if code is None:
            code = getattr(e, "code", 0)
        raise SystemExit(code) from None
    except typer.Abort:
        raise SystemExit(130) from None
    except Exception as e:  # click usage errors
        import click

        if isinstance(e, click.exceptions.ClickException):
            e.show()
            raise SystemExit(e.exit_code) from None
        raise


if __name__ == "__main__":
    main()
