#!/usr/bin/env bash
# Runs every suite (C unit tests, store conformance, fuzz smoke, API tests, browser tests) and
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

# The fuzz harnesses, briefly over their committed corpora (tests/fuzz/run.sh):
# one test per harness; a crash counts as failed and prints its reproducer.
# They are (re)built here, so a direct run never smokes stale harnesses; that
# is a no-op when they are up to date and about a minute on a fresh checkout.
echo "== fuzz smoke"
if fuzz_build=$(make --no-print-directory -s -j2 fuzz-build 2>&1); then
  fuzz_out=$(bash tests/fuzz/run.sh smoke 2>&1)
else
  fuzz_out="$fuzz_build"
fi
printf '%s\n' "$fuzz_out" | grep -av '^fuzz: '
fuzz_line=$(printf '%s\n' "$fuzz_out" | grep -a '^fuzz: [0-9]* passed, [0-9]* failed$' | tail -n 1)
if [ -z "$fuzz_line" ]; then
  echo "fuzz smoke: no result"
  failed=$((failed + 1))
else
  passed=$((passed + $(printf '%s' "$fuzz_line" | sed 's/fuzz: \([0-9]*\) passed.*/\1/')))
  failed=$((failed + $(printf '%s' "$fuzz_line" | sed 's/.* \([0-9]*\) failed$/\1/')))
fi

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

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
