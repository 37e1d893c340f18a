# SLRT: two commands. `make run` starts the whole system; `make test` runs the whole suite.
# Both create the environment from nothing (a pinned uv in .tools/, the locked venv in .venv/).
SHELL := /bin/bash
PYTHON ?= python3
UV := .tools/bin/uv
VENV := .venv

.PHONY: run test env lint clean bench demo

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==0.13.9"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock shared/pyproject.toml services/*/pyproject.toml
	$(UV) sync --locked --all-packages --python $(PYTHON)
	touch $@

env: $(VENV)/.synced

run: env
	$(VENV)/bin/slrt dev

test: env
	$(VENV)/bin/lint-imports
	$(VENV)/bin/python -m pytest -q $(PYTEST_ARGS)

lint: env
	$(VENV)/bin/ruff check .

demo: env
	$(VENV)/bin/slrt demo

bench: env
	$(VENV)/bin/slrt bench

clean:
	rm -rf $(VENV) .tools var .pytest_cache
