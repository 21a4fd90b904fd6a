#!/usr/bin/env bash
# Mutation testing of the rules engine, the VAT rate logic, the journal balance checks
# (and the VAT return computation when it exists), with mutmut 3.
#
# mutmut 3 writes mutated copies under ./mutants/ of the directory it runs in, so we run it in a
# scratch copy of the project (var/mutation/work): the shared checkout is never mutated, and other
# processes importing apps/ are unaffected. Runner: tests/ledger on SQLite (fast, no services).
# Prints the score and fails under MUTATION_MIN (default 80) after subtracting the mutants
# docs/mutation.md lists as equivalent (with the reason there).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
OUT=${MUTATION_OUT:-$ROOT/var/mutation}
WORK=${MUTATION_WORK:-$OUT/work}
MIN=${MUTATION_MIN:-80}

# Modules under test: the rules engine, VAT rates, journal balance checks, and the VAT return computation
# (apps/filing: the nine boxes, their arithmetic, and the return's figures from the ledger).
# MUTATION_TARGETS / MUTATION_TESTS override (space-separated paths), e.g. to run one module.
DEFAULT_TARGETS="apps/ledger/rules_engine.py apps/ledger/vat.py apps/ledger/services/journal.py"
DEFAULT_TESTS="tests/ledger"
if [ -f apps/filing/boxes.py ]; then
  DEFAULT_TARGETS="$DEFAULT_TARGETS apps/filing/boxes.py apps/filing/domain.py apps/filing/calculation.py"
  DEFAULT_TESTS="$DEFAULT_TESTS tests/filing/test_boxes.py tests/filing/test_domain.py tests/filing/test_calculation.py tests/filing/test_golden_vat.py tests/filing/test_return_blockers_words.py"
fi
read -r -a TARGETS <<< "${MUTATION_TARGETS:-$DEFAULT_TARGETS}"
read -r -a TESTS <<< "${MUTATION_TESTS:-$DEFAULT_TESTS}"

rm -rf "$WORK"
mkdir -p "$WORK" "$OUT"
# A copy of what the tests import (not var/, .venv, .git).
tar -cf - --exclude="__pycache__" apps config golden templates static tests manage.py pyproject.toml | tar -xf - -C "$WORK"
# mutmut reads [tool.mutmut] from pyproject.toml first: keep the copy's pyproject free of it and use setup.cfg.
{
  echo "[mutmut]"
  echo "source_paths=apps"
  printf 'only_mutate=\n'; for t in "${TARGETS[@]}"; do printf '    %s\n' "$t"; done
  printf 'also_copy=\n    config\n    golden\n    templates\n    static\n    manage.py\n'
  printf 'pytest_add_cli_args_test_selection=\n'; for t in "${TESTS[@]}"; do printf '    %s\n' "$t"; done
  printf 'pytest_add_cli_args=\n    -p\n    no:randomly\n    -q\n    -x\n'
  echo "use_git_change_detection=false"
  # A mutant whose run exceeds 15 × the tests' own time plus this many seconds counts as killed (timeout);
  # generous, so that a busy machine does not turn survivors into timeouts.
  echo "timeout_constant=${MUTATION_TIMEOUT:-10}"
} > "$WORK/setup.cfg"

echo "mutation testing: ${TARGETS[*]}"
echo "runner: pytest ${TESTS[*]} (SQLite)"
cd "$WORK"
# SQLite, in-process tasks: the rules engine and the balance checks need no services.
env -u DATABASE_URL -u DATABASE_OWNER_URL -u CELERY_BROKER_URL -u CACHE_URL -u REQUIRE_POSTGRES -u REQUIRE_REDIS \
  STRONGROOM_ENV=test STRONGROOM_VAR_DIR="$ROOT/var/mutation/var" \
  "$PY" -m mutmut run --max-children "${MUTATION_JOBS:-2}" >"$OUT/run.log" 2>&1 || true
env -u DATABASE_URL -u DATABASE_OWNER_URL "$PY" -m mutmut results --all true >"$OUT/results.txt" 2>&1 || true
cd "$ROOT"
echo "mutmut log: $OUT/run.log; every mutant's outcome: $OUT/results.txt (mutmut show <name> in $WORK)"
"$PY" scripts/mutation_score.py --results "$OUT/results.txt" --equivalents docs/mutation.md --min "$MIN"
