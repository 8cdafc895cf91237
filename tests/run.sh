#!/usr/bin/env bash
# Runs every suite (C unit tests, store conformance, fuzz smoke, API tests,
# browser tests, crash and soak runs) and ends with one line "N passed, N
# failed". Exits non-zero when anything failed.
# CHENGGUAN_TEST_BUILD names the build to test (default .build/san; `make
# coverage` passes .build/cov), CHENGGUAN_TEST_SUITES the suites to run (default
# "unit store pg fuzz api e2e crash"; the fuzz harnesses always build into .build/fuzz).
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
build=${CHENGGUAN_TEST_BUILD:-.build/san}
suites=" ${CHENGGUAN_TEST_SUITES:-unit store pg fuzz api e2e crash} "
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

# The fuzz harnesses, briefly over their committed corpora (tests/fuzz/run.sh):
# one test per harness; a crash counts as failed and prints its reproducer.
# They are (re)built here, so a direct run never smokes stale harnesses; that
# is a no-op when they are up to date and about a minute on a fresh checkout.
run_fuzz_smoke() {
  echo "== fuzz smoke"
  local out line
  if out=$(make --no-print-directory -s -j2 fuzz-build 2>&1); then
    out=$(bash tests/fuzz/run.sh smoke 2>&1)
  fi
  printf '%s\n' "$out" | grep -av '^fuzz: '
  line=$(printf '%s\n' "$out" | grep -a '^fuzz: [0-9]* passed, [0-9]* failed$' | tail -n 1)
  if [ -z "$line" ]; then
    echo "fuzz smoke: no result"
    failed=$((failed + 1))
    return
  fi
  passed=$((passed + $(printf '%s' "$line" | sed 's/fuzz: \([0-9]*\) passed.*/\1/')))
  failed=$((failed + $(printf '%s' "$line" | sed 's/.* \([0-9]*\) failed$/\1/')))
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
# On PostgreSQL each binary makes and drops a template database of its own.
if [[ "$suites" == *" store "* ]]; then
  store_template="$PWD/tests/.tmp/store-template-$$.db"
  case "${CHENGGUAN_TEST_STORE:-}" in postgres://* | postgresql://* | host=* | dbname=*) store_template= ;; esac
  CHENGGUAN_TEST_STORE_TEMPLATE="$store_template" \
    run_criterion_suite "store conformance${CHENGGUAN_TEST_STORE:+ ($CHENGGUAN_TEST_STORE)}" \
    "$build/tests/store" tests/store/test_*.c
  rm -f "$store_template" "$store_template.lock"
fi
# The PostgreSQL engine's tests (tests/pg/test_*.c) and the store conformance
# suite on PostgreSQL (a database per test on the same server) share one
# throwaway cluster (tests/pg/cluster.sh), started here and removed afterwards.
pg_api="tests/api/auth.test.mjs tests/api/calendar_stats.test.mjs tests/api/case_lists.test.mjs
  tests/api/frontage.test.mjs tests/api/open311.test.mjs tests/api/city_setup.test.mjs
  tests/api/city_from_nothing.test.mjs tests/api/bulk_import.test.mjs tests/api/geocode.test.mjs
  tests/api/cases.test.mjs tests/api/categories.test.mjs tests/api/jurisdiction.test.mjs
  tests/api/places.test.mjs tests/api/public.test.mjs tests/api/stages.test.mjs
  tests/api/users.test.mjs tests/api/attachments.test.mjs tests/api/hardening_parse.test.mjs
  tests/api/two_servers.test.mjs tests/api/ratelimit.test.mjs tests/api/routes.test.mjs
  tests/api/escalation.test.mjs tests/api/assessment.test.mjs tests/api/export.test.mjs
  tests/api/trend.test.mjs tests/api/drilldown.test.mjs tests/api/wall.test.mjs
  tests/api/honours.test.mjs tests/api/points.test.mjs tests/api/outbox.test.mjs
  tests/api/public_reports.test.mjs tests/api/notify.test.mjs"
if [[ "$suites" == *" pg "* ]]; then
  pg_dir="$PWD/tests/.tmp/pg-run-$$"
  if pg_url=$(bash tests/pg/cluster.sh start "$pg_dir"); then
    CHENGGUAN_TEST_PG_URL="$pg_url" \
      run_criterion_suite "PostgreSQL engine" "$build/tests/pg" tests/pg/test_*.c
    CHENGGUAN_TEST_STORE="${pg_url%/*}/cg_{n}" CHENGGUAN_TEST_STORE_TEMPLATE="" \
      run_criterion_suite "store conformance (PostgreSQL)" "$build/tests/store" tests/store/test_*.c
    # The API tests whose subject is what the store keeps, once more with every
    # server on a database of its own on this cluster, copied from a migrated
    # template (tests/api/lib.mjs, CHENGGUAN_TEST_PG). The other files test the
    # HTTP layer, the process (signals, the disk), the SQLite file itself or
    # static rules, none of which depends on the engine.
    if psql "$pg_url" -X -qc "CREATE DATABASE cg_template" >/dev/null &&
        "$CHENGGUAN_BIN" migrate --db "${pg_url%/*}/cg_template" >/dev/null 2>&1; then
      CHENGGUAN_TEST_PG="$pg_url" run_node_suite "API tests on PostgreSQL" $pg_api
    else
      echo "== API tests on PostgreSQL"
      echo "could not make the migrated template database cg_template"
      failed=$((failed + 1))
    fi
    bash tests/pg/cluster.sh stop "$pg_dir" || true
  else
    echo "== PostgreSQL engine"
    echo "tests/pg/cluster.sh start failed (run 'make test-deps' as root)"
    failed=$((failed + 1))
  fi
fi
if [[ "$suites" == *" fuzz "* ]]; then
  run_fuzz_smoke
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
if [[ "$suites" == *" crash "* ]]; then
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
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
