# Two commands on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Python 3.12+ on PATH first, then pyenv's installed versions (whose shims fail
# unless a version is selected, so they are called by their full path).
define FIND_PYTHON
for c in python3.13 python3.12 python3; do \
  p=$$(command -v $$c 2>/dev/null) || continue; \
  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; exit 0; }; \
done; \
root=$$(pyenv root 2>/dev/null); \
for p in $$(ls -d $$root/versions/3.1[2-9]* $$root/versions/3.[2-9][0-9]* 2>/dev/null | sort -V); do \
  for b in $$p/bin/python3.*[0-9] $$p/bin/python3; do \
    [ -x $$b ] && $$b -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$b; exit 0; }; \
  done; \
done; \
exit 1
endef

.PHONY: run test setup lint migrate seed messages bench mutants clean

$(STAMP): pyproject.toml
	@base=$$($(FIND_PYTHON)) || { echo "This project needs Python 3.12 or newer (Django 6.1); none was found on PATH or under pyenv." >&2; exit 1; }; \
	echo "Using $$base"; \
	[ -x $(PY) ] || $$base -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo "Serving on http://127.0.0.1:$(PORT)/  (admin: /admin/, health: /healthz)"
	PORT=$(PORT) $(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test: lint
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

messages: setup
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=node_modules
	$(PY) manage.py compilemessages --ignore=.venv

# Each bench builds its own PostgreSQL database (see docs/benchmarks.md); needs wrk.
bench: setup
	$(PY) bench/run_all.py

# Mutation testing of the money and stock modules (docs/testing.md); MODULE=refunds for one.
mutants: setup
	$(PY) mutation/run.py $(MODULE)

clean:
	rm -rf $(VENV) var db.sqlite3*
