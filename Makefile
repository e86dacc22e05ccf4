# microtensor — build, test and demo. GNU make.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.stamp

LINT_DIRS := $(wildcard microtensor tests examples benchmarks docs)
TORCH_VERSION := 2.13.0

.DEFAULT_GOAL := help
.PHONY: help venv system-deps lint test oracle demo bench clean

help:
	@echo "make venv         create .venv and install microtensor with [dev,plot] (editable)"
	@echo "make system-deps  install Graphviz's 'dot' and Chromium (browser test) if missing and the machine allows it"
	@echo "make lint         ruff check the sources"
	@echo "make test         lint, then run the test suite"
	@echo "make oracle       run the tests that compare with PyTorch (installs torch $(TORCH_VERSION), CPU)"
	@echo "make demo         run 'microtensor demo'"
	@echo "make bench        benchmark ops (installs torch $(TORCH_VERSION) for comparison if possible)"
	@echo "make clean        remove .venv, build artefacts and caches"

venv: $(STAMP)

# Reinstall only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[dev,plot]'
	@touch $@

# Graphviz's `dot` renders the graph drawings; Debian's `chromium` runs the report's browser
# test (tests/test_report_browser.py). Each is installed only if its command is missing, and
# only where apt-get and root (or passwordless sudo) are available; otherwise one line says why.
system-deps:
	@bash tools/install-system-deps.sh graphviz:dot chromium:chromium
	@command -v chromium >/dev/null 2>&1 || echo "microtensor: without chromium, \
	tests/test_report_browser.py is skipped (the report itself does not need it)."

lint: venv
	$(VENV)/bin/ruff check $(LINT_DIRS)

test: venv system-deps
	@$(MAKE) --no-print-directory lint
	$(VENV)/bin/pytest --ignore=tests/oracle

# tests/oracle compares with PyTorch in float64. torch is a test-only dependency, pinned so
# that pip takes the CPU build (a bare `torch` or a range pulls a CUDA build of several GB).
oracle: venv
	@$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q torch==$(TORCH_VERSION)
	$(VENV)/bin/pytest tests/oracle

demo: venv system-deps
	$(VENV)/bin/microtensor demo

# The peers MyGrad and HIPS autograd come from the `bench` extra; PyTorch's CPU build is
# installed on its own (never the CUDA one). A peer that can't be installed is a skipped row.
# Options go through BENCH_ARGS, e.g. `make bench BENCH_ARGS="--only mlp_step --threads 2"`.
bench: venv
	@$(PY) -c "import mygrad, autograd" 2>/dev/null || $(PY) -m pip install -q -e '.[bench]' \
		|| echo "microtensor: could not install the bench extra (mygrad, autograd); their rows are skipped."
	@$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q torch==$(TORCH_VERSION) \
		|| echo "microtensor: could not install torch==$(TORCH_VERSION); benchmarking without the PyTorch comparison."
	$(PY) benchmarks/ops.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
