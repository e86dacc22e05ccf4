# microtensor — build, test and demo. GNU make.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.stamp

LINT_DIRS := $(wildcard microtensor tests examples benchmarks docs)
TORCH_VERSION := 2.13.0

.DEFAULT_GOAL := help
.PHONY: help venv system-deps lint test demo bench clean

help:
	@echo "make venv         create .venv and install microtensor with [dev,plot] (editable)"
	@echo "make system-deps  install Graphviz's 'dot' if missing and the machine allows it"
	@echo "make lint         ruff check the sources"
	@echo "make test         lint, then run the test suite"
	@echo "make demo         run 'microtensor demo'"
	@echo "make bench        benchmark ops (installs torch $(TORCH_VERSION) for comparison if possible)"
	@echo "make clean        remove .venv, build artefacts and caches"

venv: $(STAMP)

# Reinstall only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[dev,plot]'
	@touch $@

system-deps:
	@bash tools/install-system-deps.sh graphviz:dot

lint: venv
	$(VENV)/bin/ruff check $(LINT_DIRS)

test: venv system-deps
	@$(MAKE) --no-print-directory lint
	$(VENV)/bin/pytest

demo: venv system-deps
	$(VENV)/bin/microtensor demo

bench: venv
	@$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q torch==$(TORCH_VERSION) \
		|| echo "microtensor: could not install torch==$(TORCH_VERSION); benchmarking without the PyTorch comparison."
	$(PY) benchmarks/ops.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
