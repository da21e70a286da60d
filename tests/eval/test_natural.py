"""Full-pipeline natural-language evaluation: NLU scoring, episodes, reproducibility, backends, CLI."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import pytest

from crs.eval.backends import run_tasks
from crs.eval.natural import EpisodeJob, aggregate, components, episode_seeds, to_simulator
from crs.eval.nlu_score import merge_nlu, nlu_summary, score_turn
from crs.types import Act, Action, Constraint, Mention, ParsedTurn, Speaker
from tests.background import Step


class _Labels:
    def __init__(self, attributes=(), entities=()):  # type: ignore[no-untyped-def]
        self.attributes, self.entities = attributes, entities


class _Turn:
    def __init__(self, act, labels):  # type: ignore[no-untyped-def]
        self.act, self.labels = Act(act), labels


def test_score_turn_counts_hits_misses_and_polarity():
    turn = _Turn("state_attribute", _Labels(attributes=(("genres", "comedy", 1), ("genres", "horror", -1),
                                                        ("director", "Paul Feig", 1))))
    parsed = ParsedTurn("...", intent="add_details",
                        mentions=(Mention("genres=comedy", "attribute", 1, Speaker.USER, 1),
                                  Mention("person:Paul Feig", "person", 1, Speaker.USER, 1)),
                        add=(Constraint("genres", "include", "horror"), Constraint("decade", "include", "1990s")))
    c = score_turn(turn, parsed)
    assert (c["act_ok"], c["attr_tp"], c["attr_fn"], c["attr_fp"]) == (1, 3, 0, 1)
    assert c["attr_pol_ok"] == 2  # horror was wanted as include, the user did not want it
    turn2 = _Turn("reject", _Labels(entities=(("42", -1),)))
    c2 = score_turn(turn2, ParsedTurn("no", intent="chitchat"))
    assert (c2["act_ok"], c2["ent_fn"], c2["ent_tp"]) == (0, 1, 0)
    s = nlu_summary(merge_nlu(merge_nlu({}, c), c2))
    assert s["turns"] == 2 and s["act_accuracy"] == 0.5
    assert s["attributes"]["recall"] == 1.0 and s["attributes"]["precision"] == 0.75
    assert s["entities"]["recall"] == 0.0 and s["entity_polarity_accuracy"] is None
    assert s["act_to_intent"]["reject->chitchat"] == 1


def test_value_questions_reach_the_simulator_as_attribute_questions():
    assert to_simulator(Action("ask", "genres=drama")).attribute == "genres"
    assert to_simulator(Action("recommend", items=("1", "2"))).items == ("1", "2")


def test_aggregate_success_by_turn_and_turns():
    base = {"actions": {"recommend": 1}, "strategies": {}, "nlu": {}, "recommended": 3, "popularity": 90.0}
    results = [dict(base, success=True, turns=2, rank=1, end="success"),
               dict(base, success=False, turns=7, rank=None, end="user_left")]
    r = aggregate(results, 15)
    assert r["sr_at_15"] == 0.5 and r["sr_at_5"] == 0.5
    assert r["avg_turns"] == (2 + 15) / 2
    assert r["success_by_turn"][0] == 0.0 and r["success_by_turn"][1] == 0.5
    assert r["popularity"]["percentiles"]["90-100"] == 1.0


def _job(data_dir: str) -> EpisodeJob:
    """The job `crs eval simulate --simulator natural --nlu rules` runs (a picklable factory)."""
    from ui.cli.factories import natural_components, natural_target

    factory = functools.partial(natural_components, "redial", data_dir, "rules", "bayes", None, 3, 0)
    return EpisodeJob(factory, key=repr(("redial", data_dir, "rules", "bayes", None, 3, 0)), max_turns=15,
                      target_of=natural_target)


@pytest.fixture(scope="module")
def job(data_dir, fast_agent):  # type: ignore[no-untyped-def]
    """The job, its agent built in this process (from the session's cache: `fast_agent` encoded the items)."""
    j = _job(str(data_dir))
    components(j)
    return j


RAY = """
import json, sys
from crs.eval.backends import run_tasks
from crs.eval.natural import episode_seeds
from tests.eval.test_natural import _job
print(json.dumps(run_tasks(_job(sys.argv[1]), episode_seeds(11, 3), backend="ray", workers=1)))
"""


def _ray(data_dir: Path, workdir: Path) -> list[Step]:
    """One Ray worker process rebuilds the agent from the picklable factory (the costly part): a
    subprocess beside the other tests, once the session has the item vectors and EASE in its cache,
    at normal priority (a starved Ray start-up times out)."""
    env = {"RAY_AUTH_MODE": "disabled"}  # as `make test` sets it (local Ray runs)
    return [Step([sys.executable, "-c", RAY, str(data_dir)], env, timeout=600, nice=False)]


BACKGROUND = {"ray": _ray}
BACKGROUND_AFTER = {"ray": "fast_agent"}


def test_episodes_are_reproducible_and_scored(job):  # type: ignore[no-untyped-def]
    seeds = episode_seeds(5, 4)
    assert seeds == episode_seeds(5, 4) and seeds != episode_seeds(6, 4)
    first = run_tasks(job, seeds, backend="local")
    again = run_tasks(job, list(reversed(seeds)), backend="local")[::-1]  # order must not matter
    assert first == again
    r = aggregate(first)
    assert r["episodes"] == 4 and 0.0 <= r["sr_at_15"] <= 1.0
    assert r["nlu"]["turns"] == sum(x["turns"] for x in first)
    assert sum(r["actions"].values()) == r["nlu"]["turns"]
    assert all(1 <= x["turns"] <= 15 for x in first)
    causes = ("success", "excluded", "rejected", "recommended", "mentioned", "rank>50", "rank<=50")
    assert all(x["failure"] in causes for x in first)
    assert sum(r["failure_causes"].values()) == sum(not x["success"] for x in first)


@pytest.mark.background("ray")
def test_process_and_ray_backends_equal_local(job, fast_agent, background):  # type: ignore[no-untyped-def]
    seeds = episode_seeds(11, 3)
    local = run_tasks(job, seeds, backend="local")
    assert run_tasks(job, seeds, backend="process", workers=2) == local
    (ray,) = background.results()  # run_tasks(job, seeds, backend="ray", workers=1) in a subprocess
    assert ray.returncode == 0, ray.stderr[-2000:]
    assert json.loads(ray.stdout.strip().splitlines()[-1]) == json.loads(json.dumps(local))


def _last_json(stdout: str) -> dict:
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    assert lines, stdout[-2000:]
    return json.loads(lines[-1])


def test_cli_natural_simulation_writes_report(job, data_dir, tmp_path):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from ui.cli import app

    args = ["eval", "simulate", "--simulator", "natural", "--catalog", "redial", "--data-dir", str(data_dir),
            "--nlu", "rules", "--episodes", "3", "--seed", "0", "--out", str(tmp_path), "--json"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    report = _last_json(res.stdout)
    assert report["episodes"] == 3 and "nlu" in report and "action_shares" in report
    saved = json.loads((tmp_path / "simulate-natural.json").read_text())
    assert saved["sr_at_15"] == report["sr_at_15"]
    config = json.loads((tmp_path / "simulate-natural.config.json").read_text())
    assert config["seed"] == 0 and config["environment"]["cpus"] >= 1
    assert (tmp_path / "simulate-natural.success_by_turn.png").stat().st_size > 1000
    again = CliRunner().invoke(app, args[:-3] + ["--json"])  # same run without --out
    assert _last_json(again.stdout) == report


def test_cli_rejects_bad_episode_count(data_dir):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from ui.cli import app

    res = CliRunner().invoke(app, ["eval", "simulate", "--simulator", "natural", "--catalog", "redial",
                                   "--episodes", "0", "--json"])
    assert res.exit_code != 0
    assert "--episodes must be positive" in str(res.exception) or "--episodes" in res.output


def _fake_command(dialogues: str, seed: int = 0, out=None, as_json: bool = False):  # type: ignore[no-untyped-def]
    from ui.cli.common import finish

    report = {"all": {"recall_at_1": 0.1, "recall_at_10": 0.3, "recall_at_50": 0.5},
              "baselines": {"popularity": {"recall_at_1": 0.0, "recall_at_10": 0.1, "recall_at_50": 0.2}}}
    return finish("fake", report, None, out, as_json)


def test_finish_writes_report_config_with_parameters_and_plots(tmp_path, capsys):  # type: ignore[no-untyped-def]
    assert _fake_command("d.jsonl", 7, tmp_path, True) is True
    printed = json.loads(capsys.readouterr().out.strip())
    assert printed["all"]["recall_at_10"] == 0.3
    config = json.loads((tmp_path / "fake.config.json").read_text())
    assert config["command"] == "_fake_command" and config["dialogues"] == "d.jsonl" and config["seed"] == 7
    assert (tmp_path / "fake.recall.png").stat().st_size > 1000
    assert _fake_command("d.jsonl") is False and capsys.readouterr().out == ""


def test_replay_of_real_dialogues_scores_decisions_and_recall(job, data_dir, redial_catalog):  # type: ignore[no-untyped-def]
    from crs.catalog.dialogues import read_dialogues
    from crs.eval.transfer import play_replay, replay_metrics
    from simulators.replay import ReplaySimulator

    agent, _, _ = components(job)
    dialogues = read_dialogues(data_dir / "redial" / "train_subset_1000_annotated.jsonl").dialogues[:3]
    sim = ReplaySimulator(dialogues, redial_catalog)
    rows = [play_replay(agent, sim, i) for i in range(3)]
    assert all(r["turns"] >= 1 and r["agree"] <= r["turns"] for r in rows)
    m = replay_metrics(rows)
    assert m["dialogues"] == 3 and m["turns"] == sum(r["turns"] for r in rows)
    assert 0.0 <= m["decision_accuracy"] <= 1.0
    assert m["human_recommend_share"] > 0  # real recommenders name movies in these dialogues
    assert m["recall_at_k"] is None or 0.0 <= m["recall_at_k"] <= 1.0


def test_diagnosis_follows_the_agents_or_of_includes(job):  # type: ignore[no-untyped-def]
    """A target meeting one of two genre includes is allowed (the agent ORs them): not `excluded`."""
    from crs.eval.natural import diagnose, excluding_constraints
    from crs.types import DialogueState

    agent = components(job)[0]
    cat = agent.catalog
    target = next(it.id for it in cat.items if set(it.values("genres")) == {"comedy"} and it.year and it.year > 1990)
    either = DialogueState(constraints=(Constraint("genres", "include", "comedy"), Constraint("genres", "include", "horror")))
    assert diagnose(agent, either, target) != "excluded"
    assert excluding_constraints(agent, either, target) == []
    neither = DialogueState(constraints=(Constraint("genres", "include", "horror"), Constraint("genres", "include", "war"),
                                         Constraint("year", "lt", 1990)))
    assert diagnose(agent, neither, target) == "excluded"
    assert sorted(excluding_constraints(agent, neither, target)) == ["genres include", "year lt"]
