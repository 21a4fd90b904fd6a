#!/usr/bin/env bash
# Incremental mutation testing (mutmut 3) of the code that decides where money goes and what is filed: the
# rules engine, VAT rates, journal balance checks and the VAT return computation (docs/mutation.md).
#
# Only the modules whose source differs from the record in tests/gates/mutation_baseline.json are mutated
# (scripts/mutation_plan.py), within MUTATION_BUDGET seconds of mutmut (default 1800). Modules that finish
# are written into that record: commit it with the change, and CI has nothing left to do for them.
#   MUTATION=always                       every module, whatever the record says
#   MUTATION_TARGETS="apps/ledger/vat.py" only these modules (if they are due; with MUTATION=always, anyway)
#   MUTATION_TESTS="tests/ledger/…"       override the runner tests
# mutmut 3 writes mutated copies under ./mutants/ of the directory it runs in, so it runs in a scratch copy
# of the project (var/mutation/work): the shared checkout is never mutated. Runner tests on SQLite.
# Prints the score of every module at its current source and fails under MUTATION_MIN (default 80), after
# subtracting the mutants docs/mutation.md lists as equivalent; with MUTATION_STRICT=1 also when a due module
# did not finish within the budget (otherwise that is printed, and the module stays due).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
OUT=${MUTATION_OUT:-$ROOT/var/mutation}
WORK=${MUTATION_WORK:-$OUT/work}
MIN=${MUTATION_MIN:-80}
BUDGET=${MUTATION_BUDGET:-1800}

PLAN_ARGS=()
if [ "${MUTATION:-changed}" = always ]; then PLAN_ARGS+=(--all); fi
if [ -n "${MUTATION_TARGETS:-}" ]; then read -r -a ONLY <<< "$MUTATION_TARGETS"; PLAN_ARGS+=(--only "${ONLY[@]}"); fi
PLAN=$("$PY" scripts/mutation_plan.py plan "${PLAN_ARGS[@]}")
targets=$(sed -n 1p <<< "$PLAN")
if [ -z "$targets" ]; then
  echo "mutation: no module changed since its record or the base commit (tests/gates/mutation_baseline.json); nothing to run"
  exec "$PY" scripts/mutation_plan.py report --min "$MIN"
fi
read -r -a TARGETS <<< "$targets"
read -r -a TESTS <<< "${MUTATION_TESTS:-$(sed -n 2p <<< "$PLAN")}"

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

echo "mutation testing (changed since the record): ${TARGETS[*]}"
echo "runner: pytest ${TESTS[*]} (SQLite); budget ${BUDGET} s"
cd "$WORK"
started=$SECONDS
# SQLite, in-process tasks: the rules engine and the balance checks need no services. At the budget mutmut is
# interrupted; the mutants it did not check stay "not checked" and their modules are left for the next run.
env -u DATABASE_URL -u DATABASE_OWNER_URL -u CELERY_BROKER_URL -u CACHE_URL -u REQUIRE_POSTGRES -u REQUIRE_REDIS \
  STRONGROOM_ENV=test STRONGROOM_VAR_DIR="$ROOT/var/mutation/var" \
  timeout --signal=INT --kill-after=60 "$BUDGET" "$PY" -m mutmut run --max-children "${MUTATION_JOBS:-2}" \
  >"$OUT/run.log" 2>&1 || true
elapsed=$((SECONDS - started))
env -u DATABASE_URL -u DATABASE_OWNER_URL "$PY" -m mutmut results --all true >"$OUT/results.txt" 2>&1 || true
cd "$ROOT"
echo "mutmut took ${elapsed} s; log: $OUT/run.log; every mutant's outcome: $OUT/results.txt (mutmut show <name> in $WORK)"
# This run's mutants: survivors to kill (or argue equivalent in docs/mutation.md), stale equivalents.
"$PY" scripts/mutation_score.py --results "$OUT/results.txt" --equivalents docs/mutation.md --this-run || true
unfinished=$("$PY" scripts/mutation_plan.py record --results "$OUT/results.txt" --equivalents docs/mutation.md \
  --run "${TARGETS[@]}" --seconds "$elapsed")
read -r -a PENDING <<< "$unfinished"
STRICT=(); if [ "${MUTATION_STRICT:-0}" = 1 ]; then STRICT=(--strict); fi
"$PY" scripts/mutation_plan.py report --min "$MIN" --pending "${PENDING[@]}" "${STRICT[@]}"
