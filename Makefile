# The two commands a new user needs: `make plan` and `make test`.
# Both create .venv on first use and reuse it afterwards.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CODE := $(wildcard src tests examples benchmarks)
STORE ?= sqlite:///schedcore.sqlite

.PHONY: plan test lint typecheck unit bench stress clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files re-run the install only when pyproject.toml changes.
$(VENV)/.installed-run: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[all]'
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

plan: $(VENV)/.installed-run
	$(BIN)/schedcore plan --apply --store $(STORE)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

unit: $(VENV)/.installed-dev
	$(BIN)/pytest

test: lint typecheck unit

# The fault-injection runs at their large sizes (see tests/reliability/conftest.py): 22
# concurrent writers, 400 kills, 300 stateful sequences; `make test` runs the small sizes.
stress: $(VENV)/.installed-dev
	SCHEDCORE_STRESS=1 $(BIN)/pytest tests/reliability -q -s -p no:cacheprovider

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
