# A newcomer needs two commands: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench performance docs clean

run: $(VENV)/.installed
	$(BIN)/hsct-sim run scenarios/burt2006.toml

# the suite on every core (pytest-xdist): each test is independent of the others and of their order
test: lint
	$(BIN)/python -m pytest -n auto

# ruff (style, imports, likely bugs) over the whole tree and mypy over the package; `make test` runs it first
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy

# Every figure of issue 28's targets (met/missed, the machine's parallel ceiling beside the speed-ups) and the
# shortcuts against the libraries they mirror, in one run (many minutes)
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/engine.py

# Run the benchmark once and write docs/performance.md from its output: never type a timing
performance: $(VENV)/.installed
	$(BIN)/python scripts/performance_page.py

# Re-run every example of README.md and docs/ (slow ones too) and rewrite their output and figures: never type
# them; then the scenario-file and outcome references, from the schema and the outcome catalogue.
docs: $(VENV)/.installed
	$(BIN)/python scripts/readme_examples.py
	$(BIN)/python scripts/reference_docs.py

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "hsct-sim needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV)
