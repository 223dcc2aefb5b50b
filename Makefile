# motcua — the README's commands. Every target installs what it needs first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.motcua-installed

export MOTCUA_DATA_DIR ?= $(CURDIR)/data

.PHONY: install install-chromium install-services demo test test-production lint format lock docs bench bench-ingest bench-validate bench-incremental bench-report bench-feedback bench-dag bench-demo clean

install: $(STAMP)

# Create .venv with the interpreter, bring uv in with pip, then install exactly the lock.
$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	$(UV) pip sync --quiet --python $(PY) requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	@touch $(STAMP)

install-chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium)

# PostgreSQL and Redis from Debian's packages for the production topology (tests/production);
# the test starts its own server of each on 127.0.0.1 and stops it at the end.
install-services:
	@(command -v redis-server && ls /usr/lib/postgresql/*/bin/postgres) >/dev/null 2>&1 \
		|| (apt-get update -qq && apt-get install -y -qq postgresql redis-server)

demo: install
	$(VENV)/bin/motcua demo

test: install install-services install-chromium
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

# docker-compose.yml's CeleryExecutor topology on PostgreSQL and Redis, a worker killed mid-run
# (docs/operations.md, "The production topology, tested"); `make test` runs it too.
test-production: install install-services install-chromium
	$(PY) -m pytest -q -s -m production tests/production

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# dbt docs site: $(MOTCUA_DATA_DIR)/docs/dbt/index.html (static, offline; GX Data Docs: docs/gx/, written by each validation).
docs: install
	$(PY) -m motcua.warehouse.docs

# Benchmarks: each prints its figures, its last line is the ratio the issue targets.
bench: bench-ingest bench-validate bench-incremental bench-report bench-feedback bench-dag bench-demo

bench-ingest: install
	$(PY) benchmarks/ingest.py

bench-validate: install
	$(PY) benchmarks/validate.py

bench-incremental: install
	$(PY) benchmarks/incremental.py

bench-report: install
	$(PY) benchmarks/report.py

bench-feedback: install
	$(PY) benchmarks/feedback.py

bench-dag: install
	$(PY) benchmarks/dag_parse.py

# The hatinh-2026 demo end to end (issue #14: within 10 minutes on 2 cores).
bench-demo: install
	$(PY) benchmarks/demo.py --profile hatinh-2026 --end-to-end

# Regenerate the lock after changing pyproject.toml's dependencies.
lock: install
	$(UV) pip compile --quiet pyproject.toml --all-extras --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
