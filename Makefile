# The two commands of the README's quick start. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.installed

.PHONY: demo test lint bench clean

demo: $(READY)
	$(BIN)/tracegrad

test: $(READY)
	$(BIN)/python -m pytest
	$(BIN)/python -m ruff check .

lint: $(READY)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .

# Benchmarks run in their own environment, with micrograd from PyPI beside us.
bench:
	$(MAKE) -C benchmarks

$(READY): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "tracegrad needs Python 3.10 or newer; this is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(READY)

clean:
	rm -rf $(VENV) benchmarks/.venv build *.egg-info .pytest_cache .ruff_cache .hypothesis
