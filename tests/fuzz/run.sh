#!/usr/bin/env bash
# Runs the libFuzzer harnesses built into .build/fuzz/ (make fuzz-build).
#   run.sh smoke [NAME...]  each harness over its committed corpus, then a few
#                           thousand inputs more (fixed seed, a few seconds each):
#                           what `make test` runs
#   run.sh long [NAME...]   each harness for FUZZ_SECONDS (default 60), keeping
#                           what it learns in .build/fuzz/corpus/NAME
# NAME is a harness without its fuzz_ prefix (json, router...); none means all.
# Prints one line per harness with its executions, the reproducer of a crash,
# and ends with "fuzz: N passed, N failed"; exits non-zero when any failed.
set -u
cd "$(dirname "$0")/../.."
mode=${1:-smoke}
shift || true
seconds=${FUZZ_SECONDS:-60}
smoke_runs=${FUZZ_SMOKE_RUNS:-4000}
smoke_seconds=${FUZZ_SMOKE_SECONDS:-4}
build=.build/fuzz
case $mode in smoke | long) ;; *) echo "usage: $0 smoke|long [NAME...]" >&2; exit 2 ;; esac

names=("$@")
if [ ${#names[@]} = 0 ]; then
  for source in tests/fuzz/fuzz_*.c; do
    name=${source#tests/fuzz/fuzz_}
    names+=("${name%.c}")
  done
fi

passed=0
failed=0
mkdir -p "$build/crashes"
# Leaks count as failures; the harnesses free what they allocate.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

for name in "${names[@]}"; do
  bin="$build/fuzz_$name"
  seeds="tests/fuzz/corpus/$name"
  if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
    echo "fuzz_$name: no harness binary or no corpus ($bin, $seeds)"
    failed=$((failed + 1))
    continue
  fi
  # New inputs go to the first directory, never into the committed corpus.
  if [ "$mode" = smoke ]; then
    work=$(mktemp -d)
    limits=(-seed=1 -runs="$smoke_runs" -max_total_time="$smoke_seconds")
  else
    work="$build/corpus/$name"
    mkdir -p "$work"
    limits=(-max_total_time="$seconds")
  fi
  dict=()
  [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
  log=$(mktemp)
  "$bin" "${limits[@]}" "${dict[@]}" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$build/crashes/$name-" "$work" "$seeds" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  found=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
  if [ "$rc" = 0 ] && [ -n "$runs" ]; then
    units=$(find "$work" "$seeds" -type f | wc -l)
    echo "fuzz_$name: ${runs} executions, corpus $units, no crash"
    passed=$((passed + 1))
  else
    grep -aE 'invariant broken|ERROR|SUMMARY|^    #[0-9] |^  ' "$log" | head -n 30
    echo "fuzz_$name: FAILED (exit $rc) after ${runs:-?} executions"
    if [ -n "$found" ]; then
      echo "  reproducer: $found"
      echo "  rerun: $bin $found"
    fi
    failed=$((failed + 1))
  fi
  rm -f "$log"
  [ "$mode" = smoke ] && rm -rf "$work"
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
