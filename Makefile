# Strongroom: `make demo` runs the portal on the embedded default; `make test` runs the suite.
# Both set up everything they need on a fresh machine (virtualenv, packages, database).

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: alert-e2e help demo demo-reset demo-totp serve test test-slow test-fast lint format migrate pg-roles system-deps check-deploy clean bench-ocr golden promtool test-system-deps install-debian

help:
	@echo "make demo        set up and run the portal on SQLite with in-process tasks (http://$(HOST):$(PORT)/)"
	@echo "make test        install and run the unit tests with coverage, without the slow tier (PostgreSQL if DATABASE_URL is set)"
	@echo "make test-slow   the slow tier: promtool/amtool, processes, the whole golden set, the URL fuzz"
	@echo "make golden      the golden dataset through the real pipeline; make holdout: the held-out set"
	@echo "make lock        recompile requirements*.txt (hashed) from requirements*.in"
	@echo "make lint        ruff lint and format check; import-linter layers (.importlinter)"
	@echo "make pg-roles    create the PostgreSQL roles and database (needs a superuser; see docs/postgres-roles.md)"
	@echo "make migrate     apply migrations (as the owner role when DATABASE_OWNER_URL is set)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Strongroom needs Python 3.11, found %s" % sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The lock files pin every package, transitive ones included, with hashes; pip refuses anything else.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime

# Regenerate the locks from requirements.in / requirements-dev.in (docs/decisions/0015): run after editing a
# .in file, then commit all four. `make lock LOCK_ARGS=--upgrade` also moves unpinned transitive packages on.
# pip-tools lives in its own virtualenv under var/ so it never enters the project's environment.
PIP_TOOLS_VERSION ?= 7.7.0
LOCK_VENV := var/pip-tools
LOCK_ARGS ?=
LOCK_FLAGS = --quiet --generate-hashes --allow-unsafe --no-strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
.PHONY: lock
lock:
	@test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) && \
	  $(LOCK_VENV)/bin/pip install --quiet pip-tools==$(PIP_TOOLS_VERSION); }
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) -o requirements.txt requirements.in
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) -o requirements-dev.txt requirements-dev.in

# Debian packages the project needs: Tesseract for OCR (the browser for end-to-end tests arrives with its issue).
SYSTEM_PACKAGES ?= tesseract-ocr tesseract-ocr-eng
# What the tests need on top: promtool and amtool for the alert rules and routing tests; nginx for the shipped
# TLS proxy test (tests/config/test_deploy_proxy.py); pgBackRest and restic for the backup and restore-drill tests.
TEST_SYSTEM_PACKAGES ?= prometheus prometheus-alertmanager nginx-light pgbackrest restic
system-deps:
	@$(MAKE) --no-print-directory install-debian PACKAGES="$(SYSTEM_PACKAGES)"

test-system-deps:
	@$(MAKE) --no-print-directory install-debian PACKAGES="$(SYSTEM_PACKAGES) $(TEST_SYSTEM_PACKAGES)"

install-debian:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi; \
	fi

migrate: $(VENV)/.runtime
	@if [ -n "$$DATABASE_OWNER_URL" ]; then $(BIN)/python manage.py migrate --database owner --no-input; \
	else $(BIN)/python manage.py migrate --no-input; fi

# The demo calls its own sandboxes (HMRC, Companies House, bank feed) and sends browsers back to itself at
# SITE_URL, so it follows HOST and PORT (make demo PORT=8101); DEMO_SITE_URL overrides it (e.g. HOST=0.0.0.0).
DEMO_SITE_URL ?= http://$(HOST):$(PORT)
DEMO_ENV = STRONGROOM_ENV=development SITE_URL=$(DEMO_SITE_URL)
demo: $(VENV)/.runtime system-deps
	$(DEMO_ENV) $(BIN)/python manage.py migrate --no-input -v 0
	@# The sandbox's own SQLite file (settings add the "sandbox" alias only on the embedded SQLite demo).
	@if STRONGROOM_ENV=development $(BIN)/python -c 'import config.settings as s, sys; sys.exit("sandbox" not in s.DATABASES)'; then \
	  STRONGROOM_ENV=development $(BIN)/python manage.py migrate --database sandbox --no-input -v 0; fi
	$(DEMO_ENV) $(BIN)/python manage.py collectstatic --no-input -v 0
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo
	@echo "Strongroom is running at $(DEMO_SITE_URL)/  (staff console /staff/, admin /admin/). Ctrl-C stops it."
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT) --insecure

demo-reset:
	rm -f var/strongroom.sqlite3 var/sandbox.sqlite3 var/demo-logins.txt
	@echo "Demo data removed; run make demo to seed it again."

# Print the current code for a TOTP secret (for the demo admin): make demo-totp SECRET=ABC...
demo-totp: $(VENV)/.runtime
	@$(BIN)/python -c 'import base64,sys,time; from django_otp.oath import totp; s=sys.argv[1]; print("%06d" % totp(base64.b32decode(s + "=" * (-len(s) % 8)), step=30, t0=0, digits=6))' "$(SECRET)"

# The quick loop: every unit test with coverage, except the slow tier (tests marked `slow`: promtool/amtool,
# processes, the whole golden set, the URL fuzz; docs/decisions/0015). `make test-slow` runs that tier and
# appends its coverage, so `make coverage-gate` after both (as CI does) counts every test.
# PYTEST_WORKERS processes (pytest-xdist; default: one per core, at most 4), each with its own test database and
# Redis databases (config/settings.py _per_test_worker); PYTEST_WORKERS=0 runs in this process.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)
test: $(VENV)/.dev test-system-deps
	$(BIN)/pytest -m "not slow" -n $(PYTEST_WORKERS) --cov --cov-report=term --cov-report=xml:var/coverage.xml \
	  $(PYTEST_ARGS)

test-slow: $(VENV)/.dev test-system-deps
	$(BIN)/pytest -m slow --cov --cov-append --cov-fail-under=0 --cov-report=xml:var/coverage.xml $(PYTEST_ARGS)

# Backups (issue #16): the real drills on a throwaway cluster (part of test-slow; this runs them alone, ~2 min).
test-backups: $(VENV)/.dev test-system-deps
	$(BIN)/pytest -q -p no:randomly tests/backups $(PYTEST_ARGS)

test-fast: $(VENV)/.dev
	$(BIN)/pytest -q -x -m "not slow" $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

pg-roles:
	bash scripts/pg_roles.sh

# Dry run of Django's deployment checks and Strongroom's production checks, from a clean environment (nothing
# inherited from the shell). The secrets are THROWAWAY values generated for this run only (never written
# anywhere, never to be used); host, site and vendor IP are examples; the HMRC endpoints are the real ones.
check-deploy: $(VENV)/.runtime
	@echo "check-deploy: dry run with THROWAWAY generated secrets and example host/IP values"
	env -i PATH="$$PATH" HOME="$$HOME" STRONGROOM_ENV=production \
	  SECRET_KEY="throwaway-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  FIELD_ENCRYPTION_KEKS="1:$$($(BIN)/python -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())')" \
	  HMRC_CLIENT_SECRET="throwaway-$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(16))')" \
	  HMRC_CLIENT_ID=throwaway-client-id HMRC_API_BASE_URL=https://api.service.hmrc.gov.uk \
	  HMRC_AUTHORIZE_URL=https://www.tax.service.gov.uk/oauth/authorize \
	  ALLOWED_HOSTS=strongroom.example SITE_URL=https://strongroom.example VENDOR_PUBLIC_IP=51.140.20.7 \
	  BEHIND_TLS_PROXY=true TRUSTED_PROXY_COUNT=1 CLIENT_PORT_HEADER=X-Client-Port \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var/staticfiles var/coverage.xml .pytest_cache .ruff_cache

# Benchmarks print figures; they assert nothing (shared, noisy machines). Compare ratios within one run.
# bench-ocr's throughput run needs a real worker, so PostgreSQL and Redis: when DATABASE_URL / CELERY_BROKER_URL
# are not set and the local services answer, it uses database $(BENCH_OCR_DB) and Redis databases 5 and 6.
BENCH_OCR_DB ?= strongroom_bench_ocr
bench-ocr: $(VENV)/.dev system-deps
	@set -e; \
	if [ -z "$$DATABASE_URL" ] && pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then \
	  PGUSER=postgres STRONGROOM_DB=$(BENCH_OCR_DB) bash scripts/pg_roles.sh >/dev/null; \
	  export DATABASE_URL=postgres://strongroom_app@127.0.0.1:5432/$(BENCH_OCR_DB); \
	  export DATABASE_OWNER_URL=postgres://strongroom_owner@127.0.0.1:5432/$(BENCH_OCR_DB); fi; \
	if [ -z "$$CELERY_BROKER_URL" ] && $(BIN)/python -c "import redis; redis.Redis(host='127.0.0.1', socket_timeout=2).ping()" 2>/dev/null; then \
	  export CELERY_BROKER_URL=redis://127.0.0.1:6379/5 CACHE_URL=redis://127.0.0.1:6379/6; fi; \
	export STRONGROOM_ENV=development STRONGROOM_VAR_DIR=$${STRONGROOM_VAR_DIR:-var/bench}; \
	if [ -n "$$DATABASE_OWNER_URL" ]; then $(BIN)/python manage.py migrate --database owner --no-input -v 0; \
	else $(BIN)/python manage.py migrate --no-input -v 0; fi; \
	echo "bench-ocr: database $${DATABASE_URL:-SQLite in $$STRONGROOM_VAR_DIR}, broker $${CELERY_BROKER_URL:-none}"; \
	OMP_THREAD_LIMIT=1 $(BIN)/python manage.py bench_ocr

# Restore benchmark (issue #16): a generated ~1 GB database in a scratch cluster, a pgBackRest full backup, and the
# restore timed phase by phase against pg_restore (needs root: PostgreSQL runs as the postgres user; ports 57610-1
# unless BENCH_RESTORE_ARGS="--port N"). Prints figures, asserts nothing; about 6 minutes on 2 cores.
.PHONY: bench-restore
bench-restore: $(VENV)/.dev test-system-deps
	STRONGROOM_ENV=development $(BIN)/python manage.py bench_restore $(BENCH_RESTORE_ARGS)

# Scale benchmark (issue #18): seeds 20 businesses x 10,000 documents (+ one of 1,000) on PostgreSQL with RLS in
# the database of DATABASE_URL / DATABASE_OWNER_URL (reused when already seeded), then times every portal and staff
# page as the application role: p50/p95, bytes, queries, growth small -> big business. Prints a markdown table.
.PHONY: seed-scale bench-scale
seed-scale: $(VENV)/.dev
	@if [ -n "$$DATABASE_OWNER_URL" ]; then STRONGROOM_ENV=development $(BIN)/python manage.py migrate --database owner --no-input -v 0; \
	else STRONGROOM_ENV=development $(BIN)/python manage.py migrate --no-input -v 0; fi
	STRONGROOM_ENV=development $(BIN)/python manage.py seed_scale $(SEED_SCALE_ARGS)

bench-scale: seed-scale
	STRONGROOM_ENV=development $(BIN)/python manage.py bench_scale $(BENCH_SCALE_ARGS)

golden: $(VENV)/.dev system-deps
	STRONGROOM_ENV=development STRONGROOM_VAR_DIR=$${STRONGROOM_VAR_DIR:-var/golden-run} $(BIN)/python manage.py migrate --no-input -v 0
	STRONGROOM_ENV=development STRONGROOM_VAR_DIR=$${STRONGROOM_VAR_DIR:-var/golden-run} OMP_THREAD_LIMIT=1 $(BIN)/python manage.py golden

# The held-out set (holdout/README.md): a second generator nobody tunes on, through the same pipeline; exits
# non-zero below holdout/threshold.json. HOLDOUT_ARGS="--json var/holdout.json" writes the figures as JSON.
# Its fonts (TrueType, Debian) are needed only to regenerate the committed documents: make holdout-generate.
HOLDOUT_FONT_PACKAGES ?= fonts-liberation fonts-dejavu-core fonts-dejavu-extra
HOLDOUT_ARGS ?=
.PHONY: holdout holdout-generate
holdout: $(VENV)/.dev system-deps
	STRONGROOM_ENV=development STRONGROOM_VAR_DIR=$${STRONGROOM_VAR_DIR:-var/golden-run} $(BIN)/python manage.py migrate --no-input -v 0
	STRONGROOM_ENV=development STRONGROOM_VAR_DIR=$${STRONGROOM_VAR_DIR:-var/golden-run} OMP_THREAD_LIMIT=1 $(BIN)/python manage.py golden --holdout $(HOLDOUT_ARGS)

holdout-generate: $(VENV)/.dev
	@$(MAKE) --no-print-directory install-debian PACKAGES="$(HOLDOUT_FONT_PACKAGES)"
	$(BIN)/python -m holdout.generate

# Loopback alert test: real gunicorn + Debian Prometheus and Alertmanager + a webhook; a filing backlog must page
# with its runbook link in under 120 s (prints the measured time; takes about 3 minutes). Fails if a binary is missing.
alert-e2e: $(VENV)/.dev test-system-deps
	STRONGROOM_ALERT_E2E=1 $(BIN)/pytest -q -s tests/observability/test_alert_e2e.py

# Prometheus rules and Alertmanager config: lint, promtool unit tests, routing (tools from SYSTEM_PACKAGES).
promtool: $(VENV)/.runtime test-system-deps
	$(BIN)/python manage.py generate_slo_rules --check
	promtool check rules --lint-fatal deploy/prometheus/rules/slo.rules.yml deploy/prometheus/rules/alerts.rules.yml
	promtool check config deploy/prometheus/prometheus.yml
	promtool test rules deploy/prometheus/tests/*.test.yml
	amtool check-config deploy/alertmanager/alertmanager.yml

# --- Test automation: system suites, gates and the one command (issue #5) --------------------------
.PHONY: test-all integration e2e visual visual-update gates mutation coverage-gate e2e-system-deps
.PHONY: chaos  # H4
# The browser for end-to-end and visual tests is Debian's Chromium (never `playwright install`); the
# visual baselines are made with fonts-dejavu-core $(VISUAL_FONT_VERSION) (tests/visual/conftest.py checks it).
E2E_SYSTEM_PACKAGES ?= chromium fonts-dejavu-core
VISUAL_FONT_VERSION ?= 2.37-6
export VISUAL_FONT_VERSION

e2e-system-deps:
	@$(MAKE) --no-print-directory install-debian PACKAGES="$(SYSTEM_PACKAGES) $(E2E_SYSTEM_PACKAGES)"

# Everything, one summary (see scripts/test_all.sh; README "Test automation" for the timings).
test-all: $(VENV)/.dev
	@bash scripts/test_all.sh

# Unit-suite coverage of apps/ against the 85% bar and the per-file ratchet (tests/gates/coverage_ratchet.json).
coverage-gate: $(VENV)/.dev
	$(BIN)/coverage json -q -o var/coverage.json
	$(BIN)/python scripts/coverage_gate.py var/coverage.json

# Web (gunicorn), worker and beat as local processes on PostgreSQL and Redis; stopped at the end.
integration: $(VENV)/.dev system-deps
	@bash scripts/system_suite.sh integration tests/integration $(PYTEST_ARGS)

e2e: $(VENV)/.dev e2e-system-deps
	@bash scripts/system_suite.sh e2e tests/e2e $(PYTEST_ARGS)

visual: $(VENV)/.dev e2e-system-deps
	@bash scripts/system_suite.sh visual tests/visual $(PYTEST_ARGS)

# Accept intended changes: rewrite tests/visual/baselines/ from this machine (then review and commit them).
visual-update: $(VENV)/.dev e2e-system-deps
	@VISUAL_UPDATE=1 bash scripts/system_suite.sh visual tests/visual $(PYTEST_ARGS)
	@git status --short tests/visual/baselines

gates: $(VENV)/.dev e2e-system-deps
	@bash scripts/system_suite.sh gates tests/gates $(PYTEST_ARGS)

# Secrets (issue #15): regenerate the detect-secrets baseline after reviewing a new finding as harmless
# (tests/gates/test_secrets_scan.py fails on any finding not in it). Commit .secrets.baseline with the change.
.PHONY: secrets-baseline
# The mutation record holds SHA-256 digests and commit ids by design: hex, never a secret.
SECRETS_SCAN_EXCLUDE := (\.(png|jpe?g|pdf|gif|ico|woff2?|ttf)$$|^requirements.*\.txt$$|^\.secrets\.baseline$$|^tests/gates/mutation_baseline\.json$$)
secrets-baseline: $(VENV)/.dev
	$(BIN)/detect-secrets scan --exclude-files '$(SECRETS_SCAN_EXCLUDE)' > .secrets.baseline

# H4: chaos experiments (deploy/chaos/) against a stack of their own on ports 57400-57499, stopped at the end.
# The short set (the five of issue #17's "done when"); CHAOS=full runs every experiment with full-length faults.
chaos: $(VENV)/.dev system-deps
	@$(BIN)/python manage.py chaos $(if $(filter full,$(CHAOS)),--full,) $(CHAOS_ARGS)

# mutmut on the rules engine, VAT rates, journal balance checks and the VAT return, incrementally: only the modules
# changed since tests/gates/mutation_baseline.json (commit it after a run), within MUTATION_BUDGET s; prints the score.
mutation: $(VENV)/.dev
	@bash scripts/mutation.sh
