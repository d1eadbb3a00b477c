# Two commands do all set-up on a fresh machine with python3 (3.11+) and make:
#   make demo   - create .venv, install, run the main job on a bundled school
#   make test   - same set-up, run the whole suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/junior-middle.yaml
OUT ?= out/demo

.PHONY: demo test test-quick lint typecheck bench clean install

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24,<27"

# constraints.txt pins every package version that was tested, so a clean install next month
# behaves the same; pyproject.toml keeps the looser bounds for people installing the library.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/reopen-sim demo $(SCENARIO) -o $(OUT)

test: install
	MPLBACKEND=Agg $(BIN)/python -m pytest -q

# The quick tier for iterating: leaves out the long statistical runs and the browser tests
# (CI runs everything through `make test`).
test-quick: install
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -m "not slow and not browser"

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

# Speed figures, run by hand on an idle machine and recorded in bench/README.md (several minutes).
bench: install
	for script in bench/bench_*.py; do echo "== $$script"; MPLBACKEND=Agg $(BIN)/python -u $$script || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
