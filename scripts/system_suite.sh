#!/usr/bin/env bash
# Run one system suite (e2e, visual, integration, gates) against PostgreSQL and Redis:
#   scripts/system_suite.sh NAME [pytest args and paths...]
# Processes the suite starts (gunicorn, worker, beat) are recorded in a pid file and their
# process groups are ended on exit, whatever happened to pytest. Screenshots and traces of
# failing journeys go to var/test-artifacts/NAME/ (printed at the end).
set -uo pipefail
cd "$(dirname "$0")/.."
name=$1; shift
source scripts/e2e_env.sh
export STRONGROOM_SUITE=$name
out="$STRONGROOM_TEST_ARTIFACTS/$name"
mkdir -p "$out"
export STRONGROOM_STACK_PIDFILE="$out/stack.pids"
: > "$STRONGROOM_STACK_PIDFILE"
cleanup() {
  [ -f "$STRONGROOM_STACK_PIDFILE" ] || return 0
  while read -r pid; do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -TERM -- "-$pid" 2>/dev/null
  done < "$STRONGROOM_STACK_PIDFILE"
  sleep 1
  while read -r pid; do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
  done < "$STRONGROOM_STACK_PIDFILE"
  rm -f "$STRONGROOM_STACK_PIDFILE"
}
trap cleanup EXIT INT TERM
.venv/bin/pytest -p no:randomly --junitxml="$STRONGROOM_TEST_ARTIFACTS/junit-$name.xml" \
  --output "$out" --screenshot only-on-failure --tracing retain-on-failure "$@"
rc=$?
echo "$name: artefacts (screenshots and traces of failures, diff images, process logs) in $out"
exit $rc
