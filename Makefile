# The two commands: `make demo` and `make test`. Each does its own set-up.
#   make demo   venv + pip + npm, migrate, collectstatic, load the demo corps, serve on http://127.0.0.1:8000
#   make test   the whole pytest suite (fails when no test ran); PYTEST_ARGS="-k audit" to narrow it
#   make lint   ruff check, ruff format --check, mypy (django-stubs)
#   make check  Django system checks, and no model change without its migration
#   make ci     what CI runs (.ci/run): lint, tests on SQLite, tests on the local PostgreSQL
#   make backup   database + files into var/backups/xinfang-<time>/ (BACKUP_DIR=... to choose the folder)
#   make restore FROM=var/backups/xinfang-<time>   restore a backup (overwrites; stop the system first)
#   make fuzz   the long API and spreadsheet fuzzing run (≥ 2,000 generated API requests); `make test` runs a short one
#   make bench DATABASE_URL=postgres://...   page timings on a generated database (generate_load); bench-http: gunicorn throughput
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo-code demo test lint check ci install static migrate serve clean backup restore fuzz bench bench-http

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "需要 Python >= 3.11，当前为 " + sys.version.split()[0] + "；可用 make PYTHON=python3.12 指定解释器")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Bootstrap, htmx, ECharts and the icons come from npm (package-lock.json) and are served from
# node_modules through STATICFILES_DIRS; no third-party front-end file is committed.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "需要 Node.js 和 npm（安装前端依赖），例如 apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

var:
	mkdir -p var/static

migrate: install var
	$(PY) manage.py migrate --noinput

static: install var
	$(PY) manage.py collectstatic --noinput --verbosity 0

# The demo runs with development keys, so DEBUG is on (settings refuse dev keys otherwise);
# --insecure keeps static files served whatever DEBUG says. Re-running reuses var/xinfang.sqlite3.
demo: export DEBUG := true
demo: migrate static
	$(PY) manage.py load_demo
	@echo "演示系统：http://$(HOST):$(PORT)/  （按 Ctrl+C 停止）"
	$(PY) manage.py runserver $(HOST):$(PORT) --insecure

serve: export DEBUG := true
serve: install var
	$(PY) manage.py runserver $(HOST):$(PORT) --insecure

# pytest exits 5 when it collected no test: make fails then too.
test: export XINFANG_TESTING := 1
test: install var
	$(PY) -m pytest $(PYTEST_ARGS)

# mypy's Django plugin imports the settings: XINFANG_TESTING provides the development keys.
lint: export XINFANG_TESTING := 1
# All three run (so one run shows every problem); lint fails if any of them failed.
lint: $(VENV)/.installed
	@rc=0; \
	echo "[lint] ruff check ."; $(VENV)/bin/ruff check . || rc=1; \
	echo "[lint] ruff format --check ."; $(VENV)/bin/ruff format --check . || rc=1; \
	echo "[lint] mypy xinfang"; $(VENV)/bin/mypy xinfang || rc=1; \
	exit $$rc

# An in-memory database: the checks need no var/ and touch no real data.
check: export XINFANG_TESTING := 1
check: export DATABASE_URL := sqlite://:memory:
check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

ci:
	bash .ci/run

# Backups use the running system's settings (DATABASE_URL, XINFANG_MEDIA_ROOT, keys): run them in its environment.
# DEBUG defaults to true only so that the demo (development keys) can be backed up too; nothing is served.
backup: export DEBUG ?= true
backup: install var
	$(PY) manage.py backup $(if $(BACKUP_DIR),--dir "$(BACKUP_DIR)")

restore: export DEBUG ?= true
restore: install var
	@test -n "$(FROM)" || { echo "用法：make restore FROM=var/backups/xinfang-<时间>"; exit 2; }
	$(PY) manage.py restore "$(FROM)" $(RESTORE_ARGS)

# The long fuzzing run (SQLite): schemathesis over the whole OpenAPI schema with random seeds (25 examples per operation
# and mode, at least 2,000 requests), 500 random mutations per importer on top of the hostile spreadsheets, and the
# formula-injection walk over every export.
fuzz: export XINFANG_TESTING := 1
fuzz: export XINFANG_FUZZ_EXAMPLES ?= 25
fuzz: export XINFANG_FUZZ_MIN_REQUESTS ?= 2000
fuzz: export XINFANG_FUZZ_MUTATIONS ?= 500
fuzz: export XINFANG_FUZZ_RANDOM ?= 1
fuzz: install var
	$(PY) -m pytest tests/test_fuzz_api.py tests/test_fuzz_xlsx.py tests/test_fuzz_exports.py -q -p no:logging $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules var/static

# The current TOTP code of the demo admin accounts (sysadmin, secadmin, auditor): demo data only.
demo-code: install
	@DEBUG=true $(PY) manage.py shell -v 0 -c "from xinfang.core.otp import demo_code; print(demo_code())"

# Load testing (issue 8). Generate the data first, on a fresh PostgreSQL database, with the same keys:
#   createdb xf_national
#   make bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_national BENCH_ARGS=--generate   (≈ migrate + generate_load)
# or by hand: .venv/bin/python manage.py generate_load --preset national   (province: 100,000 cases)
# Both targets run with DEBUG off and load-test keys (synthetic data only — never for real data); override them in the
# environment to bench a copy of a real system. `make bench` writes var/bench/bench-*.json, `make bench-http` http-*.json.
LOADTEST_ENV = DEBUG=false SECRET_KEY=$${SECRET_KEY:-loadtest-secret-key-not-for-real-data-0123456789} \
	FIELD_ENCRYPTION_KEYS=$${FIELD_ENCRYPTION_KEYS:-loadtest-field-key-synthetic-data-only} \
	HASH_INDEX_KEY=$${HASH_INDEX_KEY:-loadtest-hash-key-synthetic-data-only} DB_CONN_MAX_AGE=$${DB_CONN_MAX_AGE:-60}
GENERATE_ARGS ?= --preset national

bench: install var
	@test -n "$(DATABASE_URL)" || { echo "用法：make bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_national"; exit 2; }
	$(LOADTEST_ENV) DATABASE_URL="$(DATABASE_URL)" $(PY) manage.py migrate --noinput -v 0
	$(LOADTEST_ENV) DATABASE_URL="$(DATABASE_URL)" $(PY) manage.py collectstatic --noinput -v 0
	$(if $(filter --generate,$(BENCH_ARGS)),$(LOADTEST_ENV) DATABASE_URL="$(DATABASE_URL)" $(PY) manage.py generate_load $(GENERATE_ARGS))
	$(LOADTEST_ENV) DATABASE_URL="$(DATABASE_URL)" $(PY) manage.py bench $(filter-out --generate,$(BENCH_ARGS))

bench-http: install var
	@test -n "$(DATABASE_URL)" || { echo "用法：make bench-http DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_national"; exit 2; }
	$(LOADTEST_ENV) DATABASE_URL="$(DATABASE_URL)" $(PY) manage.py collectstatic --noinput -v 0
	$(LOADTEST_ENV) DATABASE_URL="$(DATABASE_URL)" $(PY) manage.py bench_http $(BENCH_HTTP_ARGS)
