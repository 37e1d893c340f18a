# SLRT: two commands. `make run` starts the whole system; `make test` runs the whole suite.
# Both create the environment from nothing (a pinned uv in .tools/, the locked venv in .venv/).
SHELL := /bin/bash
PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv

.PHONY: run test test-fast env lint clean bench demo
FAST := not broker and not postgres and not browser and not e2e and not slow

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==0.13.9"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock contracts/pyproject.toml shared/pyproject.toml services/*/pyproject.toml
	$(UV) sync --locked --all-packages --python $(PYTHON)
	touch $@

env: $(VENV)/.synced

run: env
	$(VENV)/bin/slrt dev

# Everything: unit, contract, integration on the real broker and databases, processes, the browser.
# Under CI=true a test whose PostgreSQL or Chromium is missing fails instead of skipping.
test: env
	$(VENV)/bin/lint-imports
	$(VENV)/bin/python -m pytest -q --durations=25 $(PYTEST_ARGS)

# The loop: unit, contract and in-process tests; no broker, no PostgreSQL, no browser, no processes.
test-fast: env
	$(VENV)/bin/lint-imports
	$(VENV)/bin/python -m pytest -q -m "$(FAST)" $(PYTEST_ARGS)

lint: env
	$(VENV)/bin/ruff check .

demo: env
	$(VENV)/bin/slrt demo

bench: env
	$(VENV)/bin/slrt bench

clean:
	rm -rf $(VENV) .tools var .pytest_cache
