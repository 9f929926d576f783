# Every target sets up its own virtual environment, so a fresh clone needs only python3 (>= 3.11) and make.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo demo-fresh demo-google test bench clean mutate

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

BENCH_STAMP := $(VENV)/.bench-stamp

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	touch $(BENCH_STAMP)

demo: $(STAMP)
	$(PY) -m bot demo

test: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache   # the architecture contracts in .importlinter
	$(PY) -m pytest -q -n auto --maxprocesses=4   # one worker per core, at most 4 (pytest-xdist)

bench: $(BENCH_STAMP)
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) demo-output .pytest_cache build *.egg-info

demo-fresh: $(STAMP)
	$(PY) -m bot demo --fresh

# The Google Sheets path against the test suite's fake of Google (no account, no network).
demo-google: $(STAMP)
	$(PY) -m tools.google_tour

# Mutation testing of the rule modules (see [tool.mutmut] in pyproject.toml and docs/MUTATION.md); long.
mutate: $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check "mutmut==3.8.1"
	$(VENV)/bin/mutmut run
	$(VENV)/bin/mutmut results
