#!/usr/bin/env bash
# Runs every suite (C unit tests, store conformance, API tests, browser tests) and
# ends with one line "N passed, N failed". Exits non-zero when anything failed.
# CHENGGUAN_TEST_BUILD names the build to test (default .build/san; `make
# coverage` passes .build/cov), CHENGGUAN_TEST_SUITES the suites to run (default
# "unit store api e2e").
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
build=${CHENGGUAN_TEST_BUILD:-.build/san}
suites=" ${CHENGGUAN_TEST_SUITES:-unit store api e2e} "
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# The API tests start this build's server and benchmark generator (tests/api/lib.mjs).
export CHENGGUAN_BIN="${CHENGGUAN_BIN:-$PWD/$build/chengguan}"
export CHENGGUAN_GEN="${CHENGGUAN_GEN:-$PWD/$build/bench/gen}"

# Runs one Criterion binary per source given (tests/unit/test_x.c is run as
# $build/tests/test_x) and adds its counts. A source whose binary is missing, and
# a binary that ends without its summary line, count as one failure. Criterion
# counts a crashed test among the failing ones too, so crashes are not added
# again.
run_criterion_suite() {
  local name=$1 bindir=$2; shift 2
  echo "== $name"
  local source t out rc line p f c
  for source in "$@"; do
    t="$bindir/$(basename "$source" .c)"
    if [ ! -x "$t" ]; then
      echo "$(basename "$t"): missing ($t was not built)"
      failed=$((failed + 1))
      continue
    fi
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
    p=${p:-0}; f=${f:-0}; c=${c:-0}
    if [ "$rc" != 0 ] || [ "$f" != 0 ]; then
      printf '%s\n' "$out" | grep -av '^\[----\]' | tail -n 40
    fi
    local crashed=""
    [ "$c" != 0 ] && crashed=" ($c of them crashed)"
    echo "$(basename "$t"): $p passed, $f failed$crashed"
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then failed=$((failed + 1)); fi
  done
}

# The tests a node test file declares: its test(...) and t.test(...) calls at the
# start of a line. A file that makes tests in a loop states its count instead
# in a comment line "// expected tests: N".
declared_tests() {
  local stated
  stated=$(sed -n 's|^// expected tests: \([0-9][0-9]*\)$|\1|p' "$1" | head -n 1)
  if [ -n "$stated" ]; then echo "$stated"; return; fi
  grep -cE '^\s*(await\s+)?(t\.)?(test|it)\(' "$1"
}

run_node_suite() {
  local name=$1; shift
  echo "== $name"
  local log counts
  log=$(mktemp)
  counts=$(mktemp)
  # awk, not head, caps what is shown: it reads to the end, so the pipe never
  # closes early and tee keeps the whole log (and its summary) however many fail.
  node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=./tests/file-counts.mjs --test-reporter-destination="$counts" \
    --test-concurrency=2 "$@" 2>&1 | tee "$log" | grep -av '^\s*$' |
    grep -aE '✖|✔|Error|error|expected|actual' |
    awk 'NR <= 400 { print } NR == 401 { print "... (more lines cut; the failures follow)" }'
  grep -aE '^ℹ (tests|pass|fail|cancelled|skipped|todo) ' "$log" | tail -n 6
  local p f cancelled
  p=$(grep -a 'ℹ pass ' "$log" | tail -n 1 | sed 's/.*pass \([0-9]*\).*/\1/')
  f=$(grep -a 'ℹ fail ' "$log" | tail -n 1 | sed 's/.*fail \([0-9]*\).*/\1/')
  cancelled=$(grep -a 'ℹ cancelled ' "$log" | tail -n 1 | sed 's/.*cancelled \([0-9]*\).*/\1/')
  f=$((${f:-0} + ${cancelled:-0}))
  if [ -z "$p" ]; then
    tail -n 40 "$log"; echo "$name: no result"; f=$((f + 1)); p=0
  fi
  if [ "$f" != 0 ]; then
    echo "---- failure details ($name)"
    awk '/failing tests:/{show=1} show' "$log" | head -n 200
  fi
  # Each file must have run every test it declares: one that stopped early
  # (process.exit midway) reported fewer, or only itself.
  local file want ran
  for file in "$@"; do
    want=$(declared_tests "$file")
    ran=$(awk -F '\t' -v f="$PWD/$file" '$1 == f { n++ } END { print n + 0 }' "$counts")
    if [ "$ran" != "$want" ]; then
      echo "$file: declares $want tests but $ran ran"
      f=$((f + 1))
    fi
  done
  rm -f "$log" "$counts"
  passed=$((passed + p)); failed=$((failed + f))
}

shopt -s nullglob
if [[ "$suites" == *" unit "* ]]; then
  run_criterion_suite "C unit tests" "$build/tests" tests/unit/test_*.c
fi
# The store conformance suite runs against CHENGGUAN_TEST_STORE when set (see
# tests/store/fixture.c), else against a fresh SQLite file per test, each a copy
# of one seeded template that every binary of the suite shares.
if [[ "$suites" == *" store "* ]]; then
  store_template="$PWD/tests/.tmp/store-template-$$.db"
  CHENGGUAN_TEST_STORE_TEMPLATE="$store_template" \
    run_criterion_suite "store conformance${CHENGGUAN_TEST_STORE:+ ($CHENGGUAN_TEST_STORE)}" \
    "$build/tests/store" tests/store/test_*.c
  rm -f "$store_template" "$store_template.lock"
fi

api=(tests/api/*.test.mjs)
# The API suite's exchanges are recorded (tests/api/lib.mjs), then checked
# against the OpenAPI document (tests/openapi).
if [[ "$suites" == *" api "* ]] && [ ${#api[@]} -gt 0 ]; then
  mkdir -p tests/.tmp
  export CHENGGUAN_API_RECORD
  CHENGGUAN_API_RECORD=$(mktemp -d "$PWD/tests/.tmp/openapi-XXXXXX")
  run_node_suite "API tests" "${api[@]}"
  run_node_suite "API responses against the OpenAPI document" tests/openapi/*.test.mjs
  rm -rf "$CHENGGUAN_API_RECORD"
  unset CHENGGUAN_API_RECORD
fi
e2e=(tests/e2e/*.test.mjs)
if [[ "$suites" == *" e2e "* ]] && [ ${#e2e[@]} -gt 0 ]; then
  run_node_suite "browser tests" "${e2e[@]}"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
