"""LLM backends (`crs/llm`): built by name without side effects, clear errors, the `LLM` protocol."""

from __future__ import annotations

import pytest

from crs.protocols import LLM


def test_llm_backends_build_without_side_effects() -> None:
    from crs.errors import CRSError
    from crs.llm import NoLLM, OpenAICompatible, build_llm

    assert isinstance(build_llm("none"), NoLLM) and build_llm("none").complete("hi") == ""
    ep = build_llm("openai:http://127.0.0.1:9/v1#tiny")
    assert isinstance(ep, OpenAICompatible) and ep.model == "tiny"
    with pytest.raises(CRSError):
        ep.complete("hello")  # nothing listens on port 9: a clear error, not a hang
    with pytest.raises(CRSError):
        build_llm("gpt-17")


def test_backends_are_llms() -> None:
    from crs.llm import NoLLM, OpenAICompatible, SmolLM2

    for backend in (NoLLM(), OpenAICompatible("http://127.0.0.1:9/v1"), SmolLM2()):  # nothing loads or connects
        assert isinstance(backend, LLM)
