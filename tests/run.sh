#!/usr/bin/env bash
# Runs every suite (C unit tests, store conformance, API tests, browser tests) and
# ends with one line "N passed, N failed". Exits non-zero when anything failed.
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# Runs the Criterion binaries given and adds their counts; a binary that ends
# without its summary line counts as one failure.
run_criterion_suite() {
  local name=$1; shift
  echo "== $name"
  local t
  for t in "$@"; do
    [ -x "$t" ] || continue
    [[ "$t" == *.d ]] && continue
    out=$("$t" --jobs 2 2>&1); rc=$?
    line=$(printf '%s\n' "$out" | grep -a 'Synthesis:' | tail -n 1)
    if [ -z "$line" ]; then
      printf '%s\n' "$out" | tail -n 20
      echo "$(basename "$t"): crashed (exit $rc)"
      failed=$((failed + 1))
      continue
    fi
    p=$(printf '%s' "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
    f=$(printf '%s' "$line" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
    c=$(printf '%s' "$line" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
    if [ "$rc" != 0 ] || [ "${f:-0}" != 0 ] || [ "${c:-0}" != 0 ]; then
      printf '%s\n' "$out" | grep -av '^\[----\]' | tail -n 40
    fi
    echo "$(basename "$t"): $p passed, $((f + c)) failed"
    passed=$((passed + p)); failed=$((failed + f + c))
    if [ "$rc" != 0 ] && [ "$((f + c))" = 0 ]; then failed=$((failed + 1)); fi
  done
}

run_criterion_suite "C unit tests" .build/san/tests/test_*
# The store conformance suite runs against CHENGGUAN_TEST_STORE when set (see
# tests/store/fixture.c), else against a fresh SQLite file per test, each a copy
# of one seeded template that every binary of the suite shares.
store_template="$PWD/tests/.tmp/store-template-$$.db"
CHENGGUAN_TEST_STORE_TEMPLATE="$store_template" \
  run_criterion_suite "store conformance${CHENGGUAN_TEST_STORE:+ ($CHENGGUAN_TEST_STORE)}" \
  .build/san/tests/store/test_*
rm -f "$store_template" "$store_template.lock"

run_node_suite() {
  local name=$1; shift
  echo "== $name"
  local log
  log=$(mktemp)
  node --test --test-reporter=spec --test-concurrency=2 "$@" 2>&1 | tee "$log" | grep -av '^\s*$' | grep -aE '✖|✔|ℹ|Error|error|expected|actual' | head -n 400
  local p f
  p=$(grep -a 'ℹ pass ' "$log" | tail -n 1 | sed 's/.*pass \([0-9]*\).*/\1/')
  f=$(grep -a 'ℹ fail ' "$log" | tail -n 1 | sed 's/.*fail \([0-9]*\).*/\1/')
  if [ -z "$p" ]; then
    tail -n 40 "$log"; echo "$name: no result"; f=1; p=0
  fi
  if [ "${f:-0}" != 0 ]; then
    echo "---- failure details ($name)"
    awk '/failing tests:/{show=1} show' "$log" | head -n 200
  fi
  rm -f "$log"
  passed=$((passed + p)); failed=$((failed + ${f:-0}))
}

shopt -s nullglob
api=(tests/api/*.test.mjs)
[ ${#api[@]} -gt 0 ] && run_node_suite "API tests" "${api[@]}"
e2e=(tests/e2e/*.test.mjs)
[ ${#e2e[@]} -gt 0 ] && run_node_suite "browser tests" "${e2e[@]}"

# The short crash and soak runs (tests/bench/crash.mjs and soak.mjs, README
# "Crash and soak runs") against the release ./chengguan, one test each, and two
# that show the crash run's checks bite: with --sabotage photo it deletes one
# acknowledged photo's file and must fail reporting that one lost and nothing
# else; with --sabotage records it changes a tally and forges an event, which
# `chengguan check` and `audit verify` must report.
# run_bench_test NAME [PATTERN...] -- COMMAND...: without patterns COMMAND must
# exit 0; with them it must exit 1 and its output must match each extended
# regex (or match none when the pattern starts with "!").
run_bench_test() {
  local name=$1; shift
  local want=() out rc ok=1 w
  while [ "$1" != -- ]; do want+=("$1"); shift; done
  shift
  out=$("$@" 2>&1); rc=$?
  if [ ${#want[@]} = 0 ]; then
    [ "$rc" = 0 ] || ok=0
  else
    [ "$rc" = 1 ] || ok=0
    for w in "${want[@]}"; do
      if [[ "$w" == '!'* ]]; then
        ! printf '%s\n' "$out" | grep -qaE -- "${w#!}" || ok=0
      else
        printf '%s\n' "$out" | grep -qaE -- "$w" || ok=0
      fi
    done
  fi
  if [ "$ok" = 1 ]; then
    printf '%s\n' "$out" | grep -aE '^(acknowledged|lost|duration|answers|RSS|descriptors|server errors)' | sed 's/^/  /'
    echo "$name: passed"
    passed=$((passed + 1))
  else
    printf '%s\n' "$out" | grep -av ' info access ' | tail -n 40
    echo "$name: FAILED (exit $rc)"
    failed=$((failed + 1))
  fi
}
echo "== crash and soak runs"
run_bench_test "crash: 5 kill -9 cycles" -- node tests/bench/crash.mjs --cycles 5 --seconds 2
run_bench_test "crash: a deleted photo is reported lost" '^lost: 1$' '^  LOST photo ' '!PROBLEM' -- \
  node tests/bench/crash.mjs --cycles 2 --seconds 1.5 --sabotage photo
run_bench_test "crash: a changed tally and a forged event fail check and audit verify" '^lost: 0$' \
  '^  PROBLEM after kill 1: chengguan check exited 1: .*integrity ok' \
  'overview counts DIFFER from a recount' \
  '^  PROBLEM after kill 1: chengguan audit verify exited 1: audit chain BROKEN' -- \
  node tests/bench/crash.mjs --cycles 1 --seconds 1 --sabotage records
run_bench_test "soak: 20 s of mixed load" -- \
  node tests/bench/soak.mjs --seconds 20 --sample 2 --warmup 6 --max-rss-growth 50

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
