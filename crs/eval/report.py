"""Evaluation reports: JSON report, resolved configuration and PNG plots written to `--out DIR`.

Every `crs eval ...` command calls `write_report(out, name, report, config)`; plots are drawn from
whatever the report holds (success by turn, action distribution, Recall@k bars with baselines,
popularity of recommended items), so each command gets the plots its metrics support.
"""

from __future__ import annotations

import json
import platform
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crs.config import atomic_write_bytes


def _jsonable(o: Any) -> Any:
    import numpy as np

    if isinstance(o, Mapping):
        return {str(k): _jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_jsonable(v) for v in o]
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    return o


def environment() -> dict[str, Any]:
    """Machine and code version, recorded with every run."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True,
                                timeout=5, cwd=Path(__file__).resolve().parent).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    import os

    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "commit": commit, "time": time.strftime("%Y-%m-%dT%H:%M:%S")}


def write_report(out: str | Path | None, name: str, report: Mapping[str, Any], config: Mapping[str, Any]) -> list[Path]:
    """Write `<name>.json`, `<name>.config.json` and plots under `out`; returns the written paths."""
    if out is None:
        return []
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.json", out / f"{name}.config.json"]
    atomic_write_bytes(paths[0], json.dumps(_jsonable(report), indent=2).encode())
    atomic_write_bytes(paths[1], json.dumps(_jsonable({**config, "environment": environment()}), indent=2).encode())
    paths += plot_report(out, name, report)
    return paths


def plot_report(out: Path, name: str, report: Mapping[str, Any]) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    written: list[Path] = []
    for key, fn in (("success_by_turn", _plot_success), ("actions", _plot_actions),
                    ("recall", _plot_recall), ("popularity", _plot_popularity)):
        data = _find(report, key)
        if data is not None:
            path = out / f"{name}.{key}.png"
            fn(data, path, report)
            written.append(path)
    return written


def _find(report: Mapping[str, Any], key: str) -> Any:
    if key == "recall":
        rows = {k: v for k, v in report.items() if isinstance(v, Mapping) and "recall_at_10" in v}
        base = report.get("baselines")
        if isinstance(base, Mapping):
            rows.update({f"baseline:{k}": v for k, v in base.items() if isinstance(v, Mapping) and "recall_at_10" in v})
        return rows or None
    if key == "popularity":
        v = report.get("popularity") or report.get("popularity_percentiles")
        return v if v else None
    return report.get(key) or None


def _save(fig: Any, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    import matplotlib.pyplot as plt

    plt.close(fig)


def _plot_success(data: Any, path: Path, report: Mapping[str, Any]) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    series = data if isinstance(data, Mapping) and all(isinstance(v, list) for v in data.values()) else {"policy": data}
    for label, ys in series.items():
        ax.plot(range(1, len(ys) + 1), ys, marker="o", label=str(label))
    ax.set_xlabel("turn")
    ax.set_ylabel("success rate (cumulative)")
    ax.set_ylim(0, 1)
    ax.legend()
    ax.set_title("Success by turn")
    _save(fig, path)


def _plot_actions(data: Mapping[str, Any], path: Path, report: Mapping[str, Any]) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    ax.bar([str(k) for k in data], [float(v) for v in data.values()], color="#4c72b0")
    ax.set_ylabel("count")
    ax.set_title("Action distribution")
    _save(fig, path)


def _plot_recall(rows: Mapping[str, Mapping[str, Any]], path: Path, report: Mapping[str, Any]) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    ks = [k for k in ("recall_at_1", "recall_at_10", "recall_at_50") if any(k in r for r in rows.values())]
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / max(1, len(rows))
    x = np.arange(len(ks))
    for i, (label, r) in enumerate(rows.items()):
        ax.bar(x + i * width, [float(r.get(k, 0)) for k in ks], width, label=label)
    ax.set_xticks(x + width * (len(rows) - 1) / 2, [k.replace("recall_at_", "R@") for k in ks])
    ax.set_ylabel("recall")
    ax.legend(fontsize=7)
    ax.set_title("Recall@k with baselines")
    _save(fig, path)


def _plot_popularity(data: Any, path: Path, report: Mapping[str, Any]) -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    if isinstance(data, Mapping) and "percentiles" in data:
        data = data["percentiles"]
    if isinstance(data, Mapping):
        ax.bar([str(k) for k in data], [float(v) if not isinstance(v, Mapping) else float(v.get("mean_popularity_percentile", 0)) for v in data.values()])
        ax.set_ylabel("mean popularity percentile")
    else:
        ax.hist([float(v) for v in data], bins=20, range=(0, 100))
        ax.set_xlabel("popularity percentile of recommended items")
    ax.set_title("Popularity of recommended items")
    _save(fig, path)
