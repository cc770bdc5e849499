# The two commands of the README's quick start. Each sets up .venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.installed

.PHONY: demo test test-slow lint bench clean

demo: $(READY)
	$(BIN)/tracegrad

# `make test` leaves out the tests marked slow (pytest.mark.slow); `make test-slow` runs only those.
test: $(READY)
	$(BIN)/python -m pytest -m "not slow"
	$(BIN)/python -m ruff check .
	$(BIN)/vermin --quiet --target=3.11- --violations --no-tips --eval-annotations autograd nn viz

# pytest exits 5 when it collects no test: no slow test is no failure.
test-slow: $(READY)
	@status=0; $(BIN)/python -m pytest -m slow || status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test-slow: no test is marked slow"; exit 0; fi; exit $$status

lint: $(READY)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .

# Benchmarks run in their own environment, with micrograd from PyPI beside us.
bench:
	$(MAKE) -C benchmarks

$(READY): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "tracegrad needs Python 3.11 or newer; this is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(READY)

clean:
	rm -rf $(VENV) benchmarks/.venv build *.egg-info .pytest_cache .ruff_cache .hypothesis
