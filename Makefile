# skilleval — two commands on a fresh clone: `make run` and `make test` (README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/skilleval
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint serve check-python messages clean prod-check

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "skilleval needs Python 3.11 (set PYTHON=...)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	touch $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py bootstrap
	@echo "skilleval: http://127.0.0.1:$(PORT)/  (admin: http://127.0.0.1:$(PORT)/admin/)"
	@$(MAKE) --no-print-directory serve

# The web server and the job worker together; Ctrl-C stops both.
serve:
	@if [ "$$TASKS_BACKEND" = "rq" ]; then worker="$(PY) manage.py rqworker default --job-class django_tasks_rq.Job"; \
	 else worker="$(PY) manage.py db_worker"; fi; \
	 $$worker & wpid=$$!; trap 'kill $$wpid 2>/dev/null' EXIT INT TERM; \
	 $(BIN)/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile -

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run --verbosity 0

# SQLite always; PostgreSQL and Redis too when they answer on localhost (in CI their absence fails).
test: lint
	$(BIN)/pytest -q
	@if $(PY) scripts/probe_services.py "$(PG_URL)" "$(REDIS_TEST_URL)"; then \
	   echo "== again on PostgreSQL ($(PG_URL)) with Redis =="; \
	   DATABASE_URL="$(PG_URL)" REDIS_URL="$(REDIS_TEST_URL)" $(BIN)/pytest -q; \
	 elif [ "$$CI" = "true" ]; then \
	   echo "CI: PostgreSQL or Redis is not reachable on localhost; that is a failure in CI"; exit 1; \
	 else \
	   echo "SKIPPED: PostgreSQL/Redis not reachable on localhost, so the PostgreSQL run and the concurrency tests did not run"; \
	 fi

# Verify a production configuration (the environment this shell passes): README "Production".
prod-check: $(STAMP)
	$(PY) manage.py check_production

messages: $(STAMP)
	$(PY) manage.py makemessages --locale zh_Hans --locale en --ignore '.venv/*' --ignore 'var/*' --ignore 'bench/*' --ignore 'tests/*' --no-obsolete
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var
