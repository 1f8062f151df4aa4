# Two commands on a fresh machine: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | md5sum | cut -c1-8)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup reset-data install test lint check fixture vendor messages clean bench

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Migrate, load the Quảng Ninh data into an empty database (never over edits) and create the demo accounts.
setup: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_quang_ninh
	$(PY) manage.py create_demo_accounts

## Replace the Quảng Ninh data (every edit lost) by the shipped data; asks you to type "yes".
## FORCE=1 (scripts) does not ask.
reset-data: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py reset_quang_ninh $(if $(filter 1 yes true,$(FORCE)),--no-input)

## Set up and serve on http://127.0.0.1:8000
run: setup
	$(PY) manage.py runserver $(HOST):$(PORT)

## The whole test suite (SQLite unless DATABASE_URL says otherwise), on every core (pytest-xdist).
TEST_WORKERS ?= auto
test: install
	$(VENV)/bin/pytest -n $(TEST_WORKERS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

## Rebuild fixtures/quang_ninh.json through the services, on a scratch SQLite database.
fixture: install
	rm -f /tmp/quang_ninh_build.sqlite3
	DATABASE_URL=sqlite:////tmp/quang_ninh_build.sqlite3 $(PY) manage.py migrate -v0
	DATABASE_URL=sqlite:////tmp/quang_ninh_build.sqlite3 $(PY) manage.py build_quang_ninh

## Refresh the vendored Bootstrap from the npm registry (needs npm; the result is committed).
vendor:
	rm -rf /tmp/vendor-bootstrap && mkdir -p /tmp/vendor-bootstrap
	cd /tmp/vendor-bootstrap && npm pack --silent bootstrap@$$(cut -d' ' -f1 $(CURDIR)/static/vendor/bootstrap/VERSION) && tar xzf bootstrap-*.tgz
	cp /tmp/vendor-bootstrap/package/dist/css/bootstrap.min.css /tmp/vendor-bootstrap/package/dist/js/bootstrap.bundle.min.js /tmp/vendor-bootstrap/package/LICENSE static/vendor/bootstrap/
	sed -i 's#/\*\# sourceMappingURL=.*\*/##' static/vendor/bootstrap/bootstrap.min.css
	sed -i 's#//\# sourceMappingURL=.*##' static/vendor/bootstrap/bootstrap.bundle.min.js

## Recompile the shipped translations (needs gettext).
messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

# --- production: serve, back up, restore ------------------------------------------------
.PHONY: serve backup restore
WORKERS ?= 3
BACKUP_FILE ?=

## Production: DJANGO_DEBUG=0 (needs DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS), migrate, collect
## static files with hashed names, then gunicorn. Behind a TLS proxy; see "Deploying" in README.md.
serve: install
	DJANGO_DEBUG=0 $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=0 $(PY) manage.py collectstatic --no-input -v0
	DJANGO_DEBUG=0 $(VENV)/bin/gunicorn config.wsgi:application --bind $(HOST):$(PORT) --workers $(WORKERS) \
		--access-logfile - --forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-127.0.0.1}"

## Back up the database (DATABASE_URL): pg_dump or a SQLite copy, to BACKUP_FILE or backups/<name>-<timestamp>.
backup: install
	$(PY) manage.py backup_db $(if $(BACKUP_FILE),--output "$(BACKUP_FILE)")

## Replace the database by BACKUP_FILE (default: the newest under backups/); asks for confirmation.
restore: install
	$(PY) manage.py restore_db $(if $(BACKUP_FILE),--input "$(BACKUP_FILE)")

## Benchmark on PostgreSQL with the synthetic national data (not part of `make test`; needs wrk):
## each endpoint cached, uncached and against its fair floor (bench/floors.py), then reads under
## 0, 1 and 4 writes/s. Writes bench/RESULTS.md and .json (about 15 minutes). BENCH_DATABASE_URL
## chooses the database (created when missing). BENCH_QUICK=1: one 3 s run each, to check the harness.
bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) bench/run.py $(if $(filter 1 yes true,$(BENCH_QUICK)),--quick)

# --- fault tests -----------------------------------------------------------------------
.PHONY: test-faults

## The fault test alone (marker `faults`, deselected from `make test`): SIGKILLs a gunicorn worker and
## restarts the PostgreSQL cluster behind DATABASE_URL (on this machine, pg_ctlcluster) under API writes.
## RUN_FAULTS=1 turns a missing PostgreSQL/pg_ctlcluster into a failure instead of a skip (CI).
test-faults: install
	DATABASE_URL="$${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/test}" \
		$(VENV)/bin/pytest -m faults tests/faults -s -p no:cacheprovider
