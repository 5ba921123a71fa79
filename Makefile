# The two commands of the README: `make demo` and `make test`. Each sets up what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup demo serve test lint format messages lock clean

# uv installs the pinned packages from the lock file (pip itself only brings uv): several
# times quicker than pip, which matters on every fresh clone CI makes.
UV_VERSION := 0.13.9
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

demo: setup
	$(BIN)/renraku migrate --noinput
	$(BIN)/renraku seed-demo
	$(BIN)/renraku demo-devices & trap 'kill $$! 2>/dev/null' EXIT INT TERM; $(BIN)/renraku serve

serve: setup
	$(BIN)/renraku migrate --noinput
	$(BIN)/renraku serve

test: setup lint
	tools/ensure-chromium
	$(BIN)/pytest -n auto --durations=15 $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Needs GNU gettext (Debian: gettext). The compiled .mo files are committed so that the
# demo runs without it; a test checks that they match the .po files.
messages: setup
	cd renraku && ../$(BIN)/renraku makemessages --locale ja --no-obsolete --ignore 'migrations/*' --ignore 'tests/*' --ignore testing.py
	cd renraku && ../$(BIN)/renraku compilemessages

# Re-pin every dependency at its newest allowed version.
lock:
	rm -rf /tmp/renraku-lock && $(PYTHON) -m venv /tmp/renraku-lock
	/tmp/renraku-lock/bin/pip install --quiet '.[test]'
	/tmp/renraku-lock/bin/pip freeze --exclude renraku > requirements.lock

clean:
	rm -rf $(VENV) var
