# The two commands a new user needs: `make plan` and `make test`.
# Both create .venv on first use and reuse it afterwards.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CODE := $(wildcard src tests examples benchmarks tools docs/conf.py docs/_ext)
STORE ?= sqlite:///schedcore.sqlite

.PHONY: plan test lint typecheck unit docs bench stress clean browser

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

# The page tests (tests/browser) drive Debian's Chromium through Playwright (the dev extra);
# no browser is ever downloaded.  As root with apt, a missing chromium is installed here;
# elsewhere the tests say why they skip, and fail under CI=true.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
		echo "no chromium and no root apt-get: the browser tests skip (and fail under CI=true);" \
			"install Debian's chromium to run them"; \
	fi

unit: $(VENV)/.installed-dev browser
	$(BIN)/pytest

# The documentation site (docs/, Sphinx + MyST) into build/docs, API and CLI references
# generated from the code. Strict: a warning, a broken link or a missing reference fails it.
docs: $(VENV)/.installed-dev
	rm -rf build/docs
	$(BIN)/sphinx-build -b html -n -W --keep-going -q docs build/docs
	@echo "docs: build/docs/index.html"

test: lint typecheck unit docs

# The fault-injection runs at their large sizes (see tests/reliability/conftest.py): 22
# concurrent writers with 3 projection runners, 400 bulk kills, 320 runner kills, 300 stateful
# sequences; `make test` runs the small sizes.
stress: $(VENV)/.installed-dev
	SCHEDCORE_STRESS=1 $(BIN)/pytest tests/reliability -q -s -p no:cacheprovider

# Benchmarks: ours against its baselines, alternating, median of the paired ratios.
# `make bench` is the full run behind docs/benchmarks.md (about half an hour on 2 cores); `make bench QUICK=1`
# runs every suite small, in under two minutes.  Results: benchmarks/results/<mode>.json|.md.
# BENCH_POSTGRES (default: the local test server) adds PostgreSQL; BENCH_ARGS passes more.
BENCH_POSTGRES ?= postgresql://postgres@127.0.0.1:5432/test
bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/run.py $(if $(QUICK),--quick) \
		$(if $(BENCH_POSTGRES),--postgres $(BENCH_POSTGRES),--no-postgres) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
