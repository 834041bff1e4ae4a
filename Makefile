# Two commands for a newcomer: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of PyTorch; on the project's machines this file lies on disk.
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed

.PHONY: install demo lint test test-fast bench docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q -e ".[dev,docs,distributed]"
	touch $(STAMP)

install: $(STAMP)

# Fetches VADER's human-rated sentences (vaderSentiment==3.3.2 sdist, via pip) so the report's
# V-axis section shows the zero-shot table; without network it carries on and the section says
# what is missing and how to add it. `make test` never fetches anything.
demo: $(STAMP)
	-$(BIN)/python benchmarks/_data.py
	HF_HUB_OFFLINE=1 $(BIN)/skvalence reproduce --profile quick --out results/demo

lint: $(STAMP)
	$(BIN)/ruff check skvalence tests examples benchmarks docs

test: lint
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

# The same suite without the integration tests marked slow: for the edit-test loop. It also
# leaves out the VAxisTransformer doctests: each fits the full default axis with MiniLM again
# (about 3 s apiece), which tests/text/test_vaxis.py already does once with a shared fixture.
test-fast: lint
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -m "not slow" --deselect skvalence/text/vaxis.py

bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/run_all.py

docs: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) docs/_build docs/auto_examples docs/generated results .pytest_cache
