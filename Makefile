# AluMusic: `make run` starts everything locally, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PIP_INSTALL := $(PIP) install --quiet --disable-pip-version-check

.PHONY: run test lint format lock audit evals bench train install-local install-dev clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Stamp files: reinstall only when a requirements file or the package definition changes.
# The project itself is installed in editable mode (`pip install -e .`), so every entry point imports it.
$(VENV)/.local-installed: requirements.txt requirements-local.txt pyproject.toml | $(PY)
	$(PIP_INSTALL) -r requirements-local.txt
	$(PIP_INSTALL) --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-local.txt requirements-dev.txt pyproject.toml | $(PY)
	$(PIP_INSTALL) -r requirements-dev.txt
	$(PIP_INSTALL) --no-deps -e .
	touch $@ $(VENV)/.local-installed

install-local: $(VENV)/.local-installed
install-dev: $(VENV)/.dev-installed

run: install-local  ## the whole system: embedded PostgreSQL/Redis unless configured, API, workers, scheduler, Streamlit
	$(PY) launcher.py

test: install-dev  ## the whole test suite (TEST_DATABASE_URL / TEST_REDIS_URL or embedded servers)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-dev  ## ruff: lint and formatting check (what CI runs)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev  ## ruff: fix what can be fixed and format
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lock: install-dev  ## requirements.lock: every runtime dependency pinned with hashes (the image installs it)
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
		--no-emit-find-links --output-file requirements.lock requirements.txt

audit: install-dev  ## known vulnerabilities in the pinned dependencies (needs the advisory database online)
	$(VENV)/bin/pip-audit --strict --progress-spinner off --disable-pip --no-deps -r requirements.lock -r requirements-dev.txt

evals: install-local  ## classifier quality on the golden and challenge sets, and the Q&A eval on the demo data; fails below the thresholds
	$(PY) -m evals $(EVALS_ARGS)

train: install-local  ## rebuild the offline classifier (corpus + curator corrections when a database is reachable)
	$(PY) -m flask --app ingest_api treinar

bench: install-dev  ## benchmarks (run by hand; they print their figures); installs wrk (load generator) when it can
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } \
		|| echo "aviso: sem wrk (apt-get install wrk); bench.ingest usa o cliente Python"
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache
