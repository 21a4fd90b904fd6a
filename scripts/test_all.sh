#!/usr/bin/env bash
# make test-all: every suite in turn, each timed; a failing suite does not stop the others.
# Ends with ONE summary (scripts/test_summary.py) and exits non-zero if any suite failed.
#
#   unit         make test (pytest with coverage of apps/, fail under 85%, without the slow tier)
#   slow         make test-slow (promtool/amtool, processes, whole golden set, URL fuzz; coverage appended)
#   coverage     the coverage gate and per-file ratchet over unit + slow
#   integration  web, worker and beat as processes, tests/integration
#   golden       manage.py golden (the golden dataset through the real pipeline)
#   holdout      manage.py golden --holdout (the held-out set, holdout/README.md)
#   e2e          Playwright journeys (tests/e2e) against gunicorn + worker
#   visual       gallery screenshots against tests/visual/baselines
#   gates        tests of the gates and the query-count bounds (tests/gates)
#   alert-e2e    make alert-e2e, when the Makefile has it
#   chaos        make chaos: the short chaos set (CHAOS=full: all) on a stack of its own; nothing stored
#   mutation     make mutation: the mutated modules changed since tests/gates/mutation_baseline.json, time-boxed
#                (MUTATION=always: every module; MUTATION=never: skip)
set -uo pipefail
cd "$(dirname "$0")/.."
ART=${STRONGROOM_TEST_ARTIFACTS:-$PWD/var/test-artifacts}
export STRONGROOM_TEST_ARTIFACTS=$ART
rm -rf "$ART"; mkdir -p "$ART"
: > "$ART/steps.tsv"
MAKE=${MAKE:-make}

step() {  # step NAME COMMAND...: run, time, log to $ART/NAME.log (and the terminal), record the outcome
  local name=$1; shift
  echo "== $name: $*"
  local start=$SECONDS
  "$@" 2>&1 | tee "$ART/$name.log"
  local rc=${PIPESTATUS[0]}
  printf '%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - start))" >> "$ART/steps.tsv"
}

step unit $MAKE --no-print-directory test PYTEST_ARGS="-q -p no:randomly --junitxml=$ART/junit-unit.xml"
step slow $MAKE --no-print-directory test-slow PYTEST_ARGS="-q -p no:randomly --junitxml=$ART/junit-slow.xml"
step coverage $MAKE --no-print-directory coverage-gate
step integration $MAKE --no-print-directory integration
# The golden set is about reading and classifying, not the database: SQLite and in-process tasks, as documented.
step golden env -u DATABASE_URL -u DATABASE_OWNER_URL -u CELERY_BROKER_URL -u CACHE_URL -u REQUIRE_POSTGRES \
  -u REQUIRE_REDIS $MAKE --no-print-directory golden
# The held-out set (issue #12): same pipeline, its own thresholds (holdout/threshold.json).
step holdout env -u DATABASE_URL -u DATABASE_OWNER_URL -u CELERY_BROKER_URL -u CACHE_URL -u REQUIRE_POSTGRES \
  -u REQUIRE_REDIS $MAKE --no-print-directory holdout
step e2e $MAKE --no-print-directory e2e
step visual $MAKE --no-print-directory visual
step gates $MAKE --no-print-directory gates
if $MAKE -n alert-e2e >/dev/null 2>&1; then
  step alert-e2e $MAKE --no-print-directory alert-e2e
fi
# H4: chaos experiments (their own PostgreSQL, Redis and processes; prints pass/fail, lost, duplicated, drain).
step chaos $MAKE --no-print-directory chaos CHAOS_ARGS=--no-store
# Incremental: only the mutated modules whose source differs from tests/gates/mutation_baseline.json, within
# MUTATION_BUDGET seconds; with nothing due it just prints the recorded scores (docs/mutation.md).
if [ "${MUTATION:-changed}" != never ]; then
  step mutation $MAKE --no-print-directory mutation
fi
.venv/bin/python scripts/test_summary.py "$ART"
