# Two commands set everything up on a fresh machine (see README):
#   make run    - install into .venv and start the app (CLI demo on a headless machine)
#   make test   - install into .venv (with test and training extras) and run the tests
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup setup-test run test lint

$(VENV)/.app-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.app-installed
	$(PY) -m pip install -q -e '.[test,train]'
	touch $@

setup: $(VENV)/.app-installed
setup-test: $(VENV)/.test-installed

run: setup
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
		$(VENV)/bin/fmf-desktop; \
	else \
		echo "No display found: identifying the bundled sample with the CLI instead."; \
		$(VENV)/bin/fmf-desktop identify assets/sample.jpg; \
	fi

test: setup-test
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

lint: setup-test
	$(VENV)/bin/ruff check .
