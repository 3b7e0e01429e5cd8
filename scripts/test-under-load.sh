#!/usr/bin/env bash
# The whole test suite (`npm test`: set-up, build, every tier) run several times in a row while a
# CPU hog keeps every core busy: the proof that no test depends on the machine being idle.
# Stops at the first failing run. Prints each run's result and duration, and a summary.
#
#   scripts/test-under-load.sh            three runs
#   LOAD_RUNS=1 scripts/test-under-load.sh
#
# The hog is Debian's stress-ng (installed with apt-get when missing and possible), else one Node
# busy loop per core. It is stopped on every way out of this script (success, failure, Ctrl-C,
# TERM, HUP).
set -uo pipefail
cd "$(dirname "$0")/.."

runs="${LOAD_RUNS:-3}"
cores="$(nproc)"
logdir="$(mktemp -d "${TMPDIR:-/tmp}/lsos-under-load.XXXXXX")"
hog_pgid=""
run_pgid=""

stop_run() {
  if [ -n "$run_pgid" ]; then
    # Interrupted mid-run: the test run (npm, vitest, its servers and workers) goes too.
    kill -TERM -- "-$run_pgid" 2>/dev/null
    run_pgid=""
  fi
}

stop_hog() {
  if [ -n "$hog_pgid" ]; then
    # The hog runs in a process group of its own (setsid): end that group, by its id.
    kill -TERM -- "-$hog_pgid" 2>/dev/null
    for _ in $(seq 1 50); do
      kill -0 -- "-$hog_pgid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$hog_pgid" 2>/dev/null
    echo "under-load: CPU hog stopped"
    hog_pgid=""
  fi
}
trap 'stop_run; stop_hog' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if ! command -v stress-ng >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "under-load: installing stress-ng from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng >/dev/null 2>&1; } ||
    echo "under-load: stress-ng not installable, using Node busy loops" >&2
fi

if command -v stress-ng >/dev/null 2>&1; then
  hog="stress-ng --cpu $cores (one busy worker per core, until stopped)"
  setsid stress-ng --cpu "$cores" --cpu-method all --timeout 0 --quiet &
else
  hog="$cores Node busy loops (one per core)"
  # shellcheck disable=SC2016
  setsid bash -c 'for _ in $(seq 1 "$1"); do node -e "for(;;){}" & done; wait' _ "$cores" &
fi
hog_pgid=$!
sleep 2
if ! kill -0 -- "-$hog_pgid" 2>/dev/null; then
  echo "under-load: the CPU hog did not start" >&2
  exit 2
fi
echo "under-load: $hog on $cores cores; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
echo "under-load: $runs runs of npm test; logs in $logdir"

summary=()
status=0
for i in $(seq 1 "$runs"); do
  log="$logdir/run-$i.log"
  json="$logdir/run-$i.json"
  echo "under-load: run $i of $runs started $(date -u +%H:%M:%SZ)"
  t0=$(date +%s)
  # In the background with its own process group, so a signal to this script is handled at once
  # (bash runs traps only between foreground commands) and the run can be ended as a whole.
  setsid npm test -- --reporter=default --reporter=json --outputFile="$json" >"$log" 2>&1 &
  run_pgid=$!
  wait "$run_pgid"
  rc=$?
  run_pgid=""
  secs=$(($(date +%s) - t0))
  counts="no test report (see $log)"
  if [ -f "$json" ]; then
    counts="$(node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
      console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
    ' "$json")"
  fi
  if [ "$rc" -eq 0 ]; then result="green"; else result="FAILED (exit $rc)"; fi
  line="run $i: $result in ${secs} s ($counts; load average $(cut -d' ' -f1-3 /proc/loadavg))"
  echo "under-load: $line"
  summary+=("$line")
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "under-load: stopping at the first failure; its failures:"
    grep -E "FAIL|×|AssertionError|Error:" "$log" | head -40
    break
  fi
done

echo "under-load: summary ($hog)"
for l in "${summary[@]}"; do echo "  $l"; done
exit "$status"
