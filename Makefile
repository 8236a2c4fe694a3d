# Two commands do all set-up: `make run` and `make test`.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: run build test test-slow lint check browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The project and its run-time dependencies.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# Plus the test and lint tools.
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

# The customers' portal (site/) and the agents' portal (site-internal/, served at /internal/).
build: $(VENV)/.installed-run
	$(BIN)/kb build
	$(BIN)/kb build --audience internal

run: build
	$(BIN)/kb serve --host $(HOST) --port $(PORT)

check: $(VENV)/.installed-run
	$(BIN)/kb check

# Debian's Chromium (and CJK fonts for screenshots) for the browser tests.
browser:
	scripts/ensure-chromium

test: $(VENV)/.installed-test browser
	$(BIN)/pytest

# The load test: 60 s of mixed traffic against gunicorn, per database backend.
test-slow: $(VENV)/.installed-test
	$(BIN)/pytest -m slow

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf site site-internal var build .pytest_cache .mypy_cache .ruff_cache
