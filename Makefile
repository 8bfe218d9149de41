# AluMusic: `make run` starts everything locally, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test evals bench train install-local install-dev clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# Stamp files: reinstall only when a requirements file changes.
$(VENV)/.local-installed: requirements.txt requirements-local.txt | $(PY)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-local.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-local.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.local-installed

install-local: $(VENV)/.local-installed
install-dev: $(VENV)/.dev-installed

run: install-local  ## the whole system: embedded PostgreSQL/Redis unless configured, API, workers, scheduler, Streamlit
	$(PY) launcher.py

test: install-dev  ## the whole test suite (TEST_DATABASE_URL / TEST_REDIS_URL or embedded servers)
	$(PY) -m pytest $(PYTEST_ARGS)

evals: install-local  ## classifier quality on the golden set; fails below the thresholds
	$(PY) -m evals $(EVALS_ARGS)

train: install-local  ## rebuild the offline classifier from the training corpus
	$(PY) -m shared.classifiers.local train

bench: install-dev  ## benchmarks (run by hand; they print their figures)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache
