# chengguan: build, run and test. `make run` and `make test` are the two commands
# a newcomer needs; both install what is missing on Debian 12 when run as root.

SHELL   := /bin/bash
CC      ?= cc
# libpq: the PostgreSQL engine (src/postgres) is linked into every build.
# libxml2: Open311's XML answers, and with minizip reading XLSX files for the
# bulk import (src/core/table_xlsx.c).
PKGS    := libmicrohttpd sqlite3 libcjson libsodium libpq xlsxwriter libxml-2.0 minizip
APT_DEV := libmicrohttpd-dev libsqlite3-dev libcjson-dev libsodium-dev libpq-dev libxlsxwriter-dev \
           libxml2-dev libminizip-dev \
           pkg-config
APT_TEST := libcriterion-dev nodejs npm chromium sqlite3 fonts-wqy-microhei postgresql libxml2-utils
# Debian 12's PostgreSQL server binaries (initdb, pg_ctl, postgres): the tests
# start throwaway clusters with them (tests/pg/cluster.sh).
PG_BIN   := /usr/lib/postgresql/15/bin

WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Iinclude $(WARNINGS) -g -MMD -MP

ifeq ($(SAN),1)
BUILD   := .build/san
BIN     := .build/san/chengguan
# Test builds (SAN, COV) carry the clock tests move (CHENGGUAN_TEST_CLOCK_FILE,
# src/main.c); a release binary has none.
OPT     := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
           -DCHENGGUAN_TEST_CLOCK
else ifeq ($(COV),1)
# Coverage build (make coverage): gcov counters, no optimisation, no sanitizers.
BUILD   := .build/cov
BIN     := .build/cov/chengguan
OPT     := -O0 --coverage -DCHENGGUAN_TEST_CLOCK
else
BUILD   := .build/release
BIN     := chengguan
OPT     := -O2
endif

# pkg-config is asked only when a target needs the libraries, after the check
# below had its chance to install them.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  = $(CFLAGS_BASE) $(OPT) $(PKG_CFLAGS)
LDLIBS  = $(PKG_LIBS) -lpthread -lm

# src/ holds main.c and the commands beside it, and one folder per layer
# (core, domain, api, store, sqlite); objects mirror that tree under $(BUILD).
SOURCES    := $(sort $(wildcard src/*.c src/*/*.c))
OBJECTS    := $(SOURCES:src/%.c=$(BUILD)/%.o) $(BUILD)/migrations.o $(BUILD)/openapi.o
LIB_OBJECTS := $(filter-out $(BUILD)/main.o,$(OBJECTS))
MIGRATIONS := $(sort $(wildcard migrations/*.sql))
PG_MIGRATIONS := $(sort $(wildcard migrations/postgres/*.sql))
UNIT_TESTS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(UNIT_TESTS:tests/unit/%.c=$(BUILD)/tests/%)
# The store conformance suite: one Criterion binary per tests/store/test_*.c,
# each linked with the suite's fixture and every non-main object.
STORE_TESTS   := $(sort $(wildcard tests/store/test_*.c))
STORE_BINS    := $(STORE_TESTS:tests/store/%.c=$(BUILD)/tests/store/%)
STORE_FIXTURE := $(BUILD)/tests/store/fixture.o

# Fuzzing (see README "Fuzzing"): one libFuzzer harness per tests/fuzz/fuzz_*.c,
# built with Debian's clang, ASan and UBSan into .build/fuzz/. The sources are
# compiled once more with clang's coverage instrumentation into an archive, so a
# harness links only the modules it reaches. `make fuzz` runs each harness for
# FUZZ_SECONDS (FUZZ_TARGETS="json router" picks some); `make fuzz-smoke` runs
# each over its corpus and a few thousand inputs more, as `make test` does.
FUZZ_CC        := clang
FUZZ_BUILD     := .build/fuzz
FUZZ_SECONDS   ?= 60
FUZZ_TARGETS   ?=
FUZZ_HARNESSES := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS      := $(FUZZ_HARNESSES:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_OBJECTS   := $(filter-out $(FUZZ_BUILD)/obj/main.o,$(SOURCES:src/%.c=$(FUZZ_BUILD)/obj/%.o)) \
                  $(FUZZ_BUILD)/obj/migrations.o $(FUZZ_BUILD)/obj/openapi.o
FUZZ_LIB       := $(FUZZ_BUILD)/libchengguan.a
FUZZ_CFLAGS     = $(CFLAGS_BASE) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                  -fno-sanitize-recover=all $(PKG_CFLAGS)

.PHONY: all deps test-deps run test unit-tests store-tests pg-tests pg-dialect format clean web-vendor \
        bench bench-deps bench-floors bench-tools bench-db bench-backup bench-engines bench-export bench-assessment bench-gazetteer coverage coverage-deps \
        install uninstall crash soak fuzz fuzz-deps fuzz-build fuzz-smoke pg-deps run-pg stop-pg

all: deps $(BIN)

# The shell that installs the Debian packages named in $$missing (a shell
# variable: each name after a space) when it is not empty: as root directly,
# otherwise it prints the command to run and fails. $(1) says what they are.
apt_install = if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing $(1):$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else \
	    echo "missing $(1); run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

# Install the -dev packages when a pkg-config check fails.
deps:
	@missing=""; pkg-config --exists $(PKGS) 2>/dev/null || missing=" $(APT_DEV)"; \
	$(call apt_install,libraries)

# PostgreSQL's server (for the tests' clusters and `make run-pg`) and libpq.
pg-deps: deps
	@missing=""; \
	[ -x $(PG_BIN)/initdb ] && [ -x $(PG_BIN)/pg_ctl ] || missing="$$missing postgresql"; \
	pkg-config --exists libpq 2>/dev/null || missing="$$missing libpq-dev"; \
	$(call apt_install,PostgreSQL)

test-deps: pg-deps
	@missing=""; \
	pkg-config --exists criterion 2>/dev/null || missing="$$missing libcriterion-dev"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v sqlite3 >/dev/null 2>&1 || missing="$$missing sqlite3"; \
	command -v xmllint >/dev/null 2>&1 || missing="$$missing libxml2-utils"; \
	[ -d /usr/share/fonts/truetype/wqy ] || missing="$$missing fonts-wqy-microhei"; \
	$(call apt_install,test tools)

$(BIN): $(OBJECTS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# Bytes on standard input as the items of a C array initialiser ("0x7b,0x0a,...").
C_BYTES := od -An -v -tx1 | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'

# The migrations become one C file: each SQLite text followed by its
# user_version pragma (STORE_MIGRATIONS), then each PostgreSQL text as it is
# (STORE_PG_MIGRATIONS: the runner records the version in schema_version).
# embed_migrations NAME PREFIX FILES SUFFIX: the array NAME_MIGRATIONS and its
# NAME_MIGRATION_COUNT, each file followed by the output of the shell command
# SUFFIX ($$n is its number).
embed_migrations = \
	for f in $(3); do \
	  n=$$(basename $$f | cut -c1-4); \
	  echo "static const char $(2)_$$n[] = {"; \
	  { cat $$f; $(4); } | $(C_BYTES); \
	  echo "0x00};"; \
	done; \
	echo "const struct store_migration $(1)_MIGRATIONS[] = {"; \
	for f in $(3); do \
	  n=$$(basename $$f | cut -c1-4); \
	  echo "    {$$((10\#$$n)), \"$$(basename $$f)\", $(2)_$$n},"; \
	done; \
	echo "    {0, 0, 0}};"; \
	echo "const int $(1)_MIGRATION_COUNT = $(words $(3));"

$(BUILD)/migrations.c $(FUZZ_BUILD)/migrations.c: $(MIGRATIONS) $(PG_MIGRATIONS) Makefile
	@mkdir -p $(dir $@)
	@{ echo '#include "store_migrations.h"'; \
	  $(call embed_migrations,STORE,migration,$(MIGRATIONS),printf '\nPRAGMA user_version=%d;\n' $$((10#$$n))); \
	  $(call embed_migrations,STORE_PG,pg_migration,$(PG_MIGRATIONS),true); } > $@

$(BUILD)/migrations.o: $(BUILD)/migrations.c
	$(CC) $(CFLAGS) -Wno-missing-prototypes -c -o $@ $<

# The OpenAPI document becomes one C file too: its bytes, NUL-terminated, and an
# ETag from their SHA-256, so a new document is a new tag (include/openapi.h).
OPENAPI := src/api/openapi.json

$(BUILD)/openapi.c $(FUZZ_BUILD)/openapi.c: $(OPENAPI) Makefile
	@mkdir -p $(dir $@)
	@{ echo '#include "openapi.h"'; \
	  echo "const char OPENAPI_DOCUMENT[] = {"; \
	  cat $(OPENAPI) | $(C_BYTES); \
	  echo "0x00};"; \
	  echo "const size_t OPENAPI_DOCUMENT_SIZE = sizeof OPENAPI_DOCUMENT - 1;"; \
	  echo "const char OPENAPI_ETAG[] = \"\\\"$$(sha256sum $(OPENAPI) | cut -c1-32)\\\"\";"; } > $@

$(BUILD)/openapi.o: $(BUILD)/openapi.c
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJECTS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJECTS) $$(pkg-config --cflags --libs criterion) $(LDLIBS)

unit-tests: $(UNIT_BINS)

# The fixture puts each test's store under tests/.tmp/ of this checkout unless
# CHENGGUAN_TEST_STORE names another location (see tests/store/fixture.c).
$(STORE_FIXTURE): tests/store/fixture.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DCONFORMANCE_TMP='"$(CURDIR)/tests/.tmp"' $$(pkg-config --cflags criterion) \
	  -c -o $@ $<

# The databases of a server engine for the suite (tests/store/server_databases.h),
# made through libpq by PostgreSQL's harness.
STORE_SERVER_DBS := $(BUILD)/tests/store/store_databases.o

$(STORE_SERVER_DBS): tests/pg/store_databases.c tests/store/server_databases.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/store $$(pkg-config --cflags criterion) -c -o $@ $<

$(BUILD)/tests/store/%: tests/store/%.c $(STORE_FIXTURE) $(STORE_SERVER_DBS) $(LIB_OBJECTS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(STORE_FIXTURE) $(STORE_SERVER_DBS) $(LIB_OBJECTS) \
	  $$(pkg-config --cflags --libs criterion) $(LDLIBS)

store-tests: $(STORE_BINS)

# The PostgreSQL engine's tests: one Criterion binary per tests/pg/test_*.c,
# linked with their harness (tests/pg/harness.c: a throwaway cluster through
# tests/pg/cluster.sh) and every non-main object; they see src/postgres's
# private header.
PG_TESTS   := $(sort $(wildcard tests/pg/test_*.c))
PG_BINS    := $(PG_TESTS:tests/pg/%.c=$(BUILD)/tests/pg/%)
PG_HARNESS := $(BUILD)/tests/pg/harness.o
PG_TEST_CFLAGS = -Isrc/postgres -DPGT_ROOT='"$(CURDIR)"' $$(pkg-config --cflags criterion)

$(PG_HARNESS): tests/pg/harness.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PG_TEST_CFLAGS) -c -o $@ $<

$(BUILD)/tests/pg/%: tests/pg/%.c $(PG_HARNESS) $(LIB_OBJECTS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PG_TEST_CFLAGS) -o $@ $< $(PG_HARNESS) $(LIB_OBJECTS) \
	  $$(pkg-config --libs criterion) $(LDLIBS)

pg-tests: $(PG_BINS)

# The SQL dialect audit (see README's PostgreSQL section): every statement of
# the store logic (tests/pg/sql_statements.mjs) prepared on a migrated
# throwaway cluster; prints those PostgreSQL refuses, with its error.
$(BUILD)/tests/pg/pg_dialect: tests/pg/pg_dialect.c $(LIB_OBJECTS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc/postgres -o $@ $< $(LIB_OBJECTS) $(LDLIBS)

pg-dialect: test-deps
	@$(MAKE) --no-print-directory $(BUILD)/tests/pg/pg_dialect
	@dir=$(CURDIR)/tests/.tmp/pg-dialect-$$$$; url=$$(bash tests/pg/cluster.sh start $$dir) || exit 1; \
	node tests/pg/sql_statements.mjs | $(BUILD)/tests/pg/pg_dialect "$$url"; rc=$$?; \
	bash tests/pg/cluster.sh stop $$dir; exit $$rc

# Benchmark (not a test; see README "Benchmarks"): the floor servers, built
# from tests/bench/ with the release flags into .build/release/bench/, and the
# harness tests/bench/scale.mjs, which builds or reuses the databases and prints
# the table of issue 9's targets. `make bench TEN_MILLION=1` adds 10M cases;
# BENCH_ARGS passes more options (e.g. BENCH_ARGS="--seconds 5").
BENCH_DIR    := .build/release/bench
BENCH_FLOORS := $(BENCH_DIR)/floor_read $(BENCH_DIR)/floor_insert
BENCH_PKGS   := libmicrohttpd sqlite3
APT_BENCH    := wrk nodejs sqlite3

bench-deps: deps
	@missing=""; \
	command -v wrk >/dev/null 2>&1 || missing="$$missing wrk"; \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs"; \
	command -v sqlite3 >/dev/null 2>&1 || missing="$$missing sqlite3"; \
	command -v xmllint >/dev/null 2>&1 || missing="$$missing libxml2-utils"; \
	$(call apt_install,benchmark tools)

$(BENCH_DIR)/floor_%: tests/bench/floor_%.c tests/bench/floor.c tests/bench/floor.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -O2 $$(pkg-config --cflags $(BENCH_PKGS)) -o $@ $< tests/bench/floor.c \
	  $$(pkg-config --libs $(BENCH_PKGS)) -lpthread

bench-floors: $(BENCH_FLOORS)

bench: bench-deps
	@$(MAKE) --no-print-directory SAN=0 chengguan bench-floors
	node tests/bench/scale.mjs $(if $(TEN_MILLION),--ten-million) $(BENCH_ARGS)

# PostgreSQL beside SQLite (tests/bench/engines.mjs, README "Benchmarks"): the
# same city on both engines in one run, ratios into tests/bench/engines.md.
# 100k cases unless CASES is given (`make bench-engines CASES=1000000`); the
# PostgreSQL copy of the city is made once in a durable cluster in
# .build/bench/pg and reused. BENCH_ARGS passes more (e.g. "--db FILE").
bench-engines: bench-deps pg-deps
	@$(MAKE) --no-print-directory SAN=0 chengguan
	node tests/bench/engines.mjs --cases $(if $(filter command line,$(origin CASES)),$(CASES),100000) $(BENCH_ARGS)

# The benchmark database generator (tests/bench/gen.c, driving the city and the
# simulation of src/gen/), linked with the library objects like the tests;
# `make bench-db CASES=N` builds .build/bench/cases-N.db once with the release
# build and reuses it afterwards; YEARS=Y spreads them over Y years of history
# (default 2) into .build/bench/cases-N-yY.db.
GEN_SOURCES := tests/bench/gen.c
GEN_OBJECTS := $(GEN_SOURCES:tests/bench/%.c=$(BUILD)/bench/%.o)
CASES ?= 1000000

$(BUILD)/bench/%.o: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/bench/gen: $(GEN_OBJECTS) $(LIB_OBJECTS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

bench-tools: $(BUILD)/bench/gen

# Backup under load (tests/bench/backup_load.mjs): a generated city of about
# 100 MB (BACKUP_CASES cases, made once into .build/bench) served with steady
# writes while `chengguan backup` copies it; prints the time and checks the copy.
BACKUP_CASES ?= 16000

bench-backup: bench-deps
	@$(MAKE) --no-print-directory SAN=0 chengguan .build/release/bench/gen
	node tests/bench/backup_load.mjs --cases $(BACKUP_CASES) $(BENCH_ARGS)

# Exports of a generated city (tests/bench/export.mjs): CSV and XLSX of every
# case, rows/s side by side, the server's RSS under 150 MB. Runs on a copy of
# .build/bench/cases-$(EXPORT_CASES).db (make bench-db CASES=...), which the
# server may migrate.
EXPORT_CASES ?= 100000

bench-export: bench-deps
	@$(MAKE) --no-print-directory SAN=0 chengguan
	@test -f .build/bench/cases-$(EXPORT_CASES).db || $(MAKE) --no-print-directory bench-db CASES=$(EXPORT_CASES)
	@cp .build/bench/cases-$(EXPORT_CASES).db .build/bench/export-$(EXPORT_CASES).db
	node tests/bench/export.mjs --db .build/bench/export-$(EXPORT_CASES).db $(BENCH_ARGS); \
	  status=$$?; rm -f .build/bench/export-$(EXPORT_CASES).db*; exit $$status

# A month's assessment against the length of the history (tests/bench/assessment.mjs,
# README "Benchmarks"): 100k cases over 2 years beside 1M over 20 years (about
# the same cases a month) and 1M over 2 years, on copies; the escalation scans too.
bench-assessment: bench-deps
	@$(MAKE) --no-print-directory SAN=0 chengguan
	@$(MAKE) --no-print-directory bench-db CASES=100000
	@$(MAKE) --no-print-directory bench-db CASES=1000000 YEARS=20
	@$(MAKE) --no-print-directory bench-db CASES=1000000
	node tests/bench/assessment.mjs $(BENCH_ARGS)

# Geocoding, reverse geocoding and the base map on the demo gazetteer and on a
# generated one of 5,000 roads and 200,000 house numbers (tests/bench/gazetteer.mjs).
bench-gazetteer: bench-deps
	@$(MAKE) --no-print-directory SAN=0 chengguan
	node tests/bench/gazetteer.mjs $(BENCH_ARGS)

bench-db: deps
	@$(MAKE) --no-print-directory .build/release/bench/gen
	@db=.build/bench/cases-$(CASES)$(if $(YEARS),-y$(YEARS)).db; \
	if [ -f $$db ]; then echo "$$db exists; reusing it"; else \
	  mkdir -p .build/bench && rm -f $$db.part $$db.part-wal $$db.part-shm && \
	  .build/release/bench/gen --cases $(CASES) $(if $(YEARS),--years $(YEARS)) --out $$db.part && mv $$db.part $$db && \
	  echo "$$db ready"; fi

# The long crash and soak runs (README "Crash and soak runs"; make test runs
# short ones) against the release ./chengguan: 200 kill -9 cycles under write
# load; 10 minutes of mixed load on a generated city of 20,000 cases with RSS
# and descriptors sampled. CRASH_ARGS and SOAK_ARGS pass more options (e.g.
# CRASH_ARGS="--seconds 5 --concurrency 16").
crash: test-deps
	@$(MAKE) --no-print-directory SAN=0 chengguan
	node tests/bench/crash.mjs --cycles 200 $(CRASH_ARGS)

soak: test-deps
	@$(MAKE) --no-print-directory SAN=0 chengguan .build/release/bench/gen
	node tests/bench/soak.mjs --seconds 600 --cases 20000 $(SOAK_ARGS)

# Fuzzing: the harnesses and their runs (variables above).
# clang and its fuzzer runtime (libclang_rt.fuzzer, in libclang-rt-14-dev):
# installed as root when a one-line harness does not link.
fuzz-deps: deps
	@missing=""; \
	if ! command -v $(FUZZ_CC) >/dev/null 2>&1; then missing=" clang libclang-rt-14-dev"; \
	elif ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }' | \
	  $(FUZZ_CC) -fsanitize=fuzzer -x c - -o /dev/null >/dev/null 2>&1; then \
	  missing=" libclang-rt-14-dev"; fi; \
	$(call apt_install,fuzzing tools)

$(FUZZ_BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/obj/migrations.o: $(FUZZ_BUILD)/migrations.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

$(FUZZ_BUILD)/obj/openapi.o: $(FUZZ_BUILD)/openapi.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJECTS)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) $(LDLIBS)

fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh long $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	@bash tests/fuzz/run.sh smoke $(FUZZ_TARGETS)

# Front-end libraries pinned in web/package.json, copied into web/vendor/.
web-vendor:
	@if [ -f web/package.json ]; then \
	  if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules ]; then \
	    (cd web && npm ci --no-audit --no-fund --silent) || exit 1; \
	  fi; \
	  sh web/vendor.sh; \
	fi

run: all web-vendor
	./chengguan migrate
	./chengguan seed-demo --if-empty
	./chengguan serve

# `make run` on PostgreSQL: a local cluster in PG_RUN_DIR (tests/pg/cluster.sh:
# a free loopback port, fsync off, so for trying, not for a city's data),
# started again if it is down and kept between runs; the demo city in it; the
# server on it. `make stop-pg` stops the cluster and removes its data.
PG_RUN_DIR := .build/pg
run-pg: all web-vendor pg-deps
	@url=$$(bash tests/pg/cluster.sh up $(PG_RUN_DIR)) && \
	./chengguan migrate --db "$$url" && \
	./chengguan seed-demo --if-empty --db "$$url" && \
	exec ./chengguan serve --db "$$url"

stop-pg:
	@[ ! -e $(PG_RUN_DIR) ] || bash tests/pg/cluster.sh stop $(PG_RUN_DIR)

# Install (README, "Install and run as a service"): the binary, the front end
# without its npm files, the systemd unit with these paths filled in, the
# README and LICENSE, and an example settings file that is never overwritten.
# The migrations are compiled into the binary. As root without DESTDIR it also
# creates the service user `chengguan`. It installs the build of this make: the
# release one, or the sanitizer one with SAN=1 (the install test does that, to
# avoid a second build).
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
WEBDIR     ?= $(PREFIX)/share/chengguan/web
DOCDIR     ?= $(PREFIX)/share/doc/chengguan
SYSCONFDIR ?= /etc
# systemd reads units from /usr/lib/systemd/system and /usr/local/lib/systemd/system;
# under any other prefix the unit goes where the administrator's units live.
ifneq ($(filter /usr /usr/local,$(PREFIX)),)
UNITDIR ?= $(PREFIX)/lib/systemd/system
else
UNITDIR ?= /etc/systemd/system
endif
WEB_NOT_INSTALLED := node_modules package.json package-lock.json vendor.sh

install: all
	@[ -f web/vendor/leaflet/leaflet.css ] || $(MAKE) --no-print-directory web-vendor
	install -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/chengguan
	rm -rf $(DESTDIR)$(WEBDIR)
	install -d -m 0755 $(DESTDIR)$(WEBDIR)
	tar -C web $(WEB_NOT_INSTALLED:%=--exclude=./%) -cf - . | \
	  tar -C $(DESTDIR)$(WEBDIR) --no-same-owner -xf -
	chmod -R u=rwX,go=rX $(DESTDIR)$(WEBDIR)
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@WEBDIR@|$(WEBDIR)|g' \
	  -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' src/dist/chengguan.service > $(DESTDIR)$(UNITDIR)/chengguan.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/chengguan.service
	install -m 0644 README.md LICENSE $(DESTDIR)$(DOCDIR)/
	@if [ ! -e $(DESTDIR)$(SYSCONFDIR)/chengguan/chengguan.env ]; then \
	  install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/chengguan && \
	  install -m 0600 src/dist/chengguan.env $(DESTDIR)$(SYSCONFDIR)/chengguan/chengguan.env; fi
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	  if ! getent passwd chengguan >/dev/null; then \
	    useradd --system --user-group --home-dir /var/lib/chengguan --no-create-home \
	      --shell /usr/sbin/nologin chengguan && echo "created the service user chengguan"; fi; \
	  if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi; \
	  echo "installed; start it with: systemctl enable --now chengguan"; fi

# Removes what install put in place; keeps the data (/var/lib/chengguan), the
# settings and the service user.
uninstall:
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then \
	  systemctl disable --now chengguan 2>/dev/null || true; fi
	rm -f $(DESTDIR)$(BINDIR)/chengguan $(DESTDIR)$(UNITDIR)/chengguan.service
	rm -rf $(DESTDIR)$(WEBDIR) $(DESTDIR)$(DOCDIR)
	@rmdir $(DESTDIR)$(PREFIX)/share/chengguan 2>/dev/null || true
	@if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
	@echo "kept: /var/lib/chengguan (the data), $(SYSCONFDIR)/chengguan and the user chengguan"

test: test-deps fuzz-deps
	@$(MAKE) --no-print-directory SAN=1 .build/san/chengguan unit-tests store-tests pg-tests bench-tools
	@$(MAKE) --no-print-directory SAN=0 chengguan
	@$(MAKE) --no-print-directory web-vendor
	@if [ -f tests/package.json ] && { [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules ]; }; then \
	  (cd tests && npm ci --no-audit --no-fund --silent); fi
	@bash tests/run.sh

# Line and branch coverage of the unit, store and API tests (not the browser
# tests): a gcov build in .build/cov, its counters reset, the suites run on it,
# then gcovr's per-file table and totals. Fails when the tests fail or when a
# file of COVERAGE_BRANCH_FILES has less than COVERAGE_BRANCH_MIN % of its
# branches taken.
COVERAGE_BRANCH_FILES := src/api/api_users.c src/store/store_users.c src/core/request.c \
                         src/store/store_attachments.c
COVERAGE_BRANCH_MIN   := 75
GCOVR := gcovr -r . --object-directory .build/cov -f 'src/' --exclude-unreachable-branches

coverage-deps: test-deps
	@missing=""; command -v gcovr >/dev/null 2>&1 || missing=" gcovr"; \
	$(call apt_install,coverage tools)

coverage: coverage-deps
	@$(MAKE) --no-print-directory COV=1 .build/cov/chengguan unit-tests store-tests bench-tools
	@$(MAKE) --no-print-directory web-vendor
	@if [ -f tests/package.json ] && { [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules ]; }; then \
	  (cd tests && npm ci --no-audit --no-fund --silent); fi
	@find .build/cov -name '*.gcda' -delete
	@CHENGGUAN_TEST_BUILD=.build/cov CHENGGUAN_TEST_SUITES="unit store api" bash tests/run.sh; \
	tests=$$?; \
	echo "== line coverage"; $(GCOVR) | tail -n +4; \
	echo "== branch coverage"; $(GCOVR) --branches | tail -n +4 > .build/cov/branches.txt; \
	cat .build/cov/branches.txt; \
	low=0; for f in $(COVERAGE_BRANCH_FILES); do \
	  pct=$$(awk -v f="$$f" '$$1 == f { sub("%", "", $$4); print $$4 }' .build/cov/branches.txt); \
	  echo "$$f: $${pct:-?}% of branches (at least $(COVERAGE_BRANCH_MIN)%)"; \
	  if [ -z "$$pct" ] || [ "$${pct%.*}" -lt $(COVERAGE_BRANCH_MIN) ]; then low=1; fi; \
	done; \
	[ $$tests = 0 ] && [ $$low = 0 ]

format:
	clang-format -i $(wildcard src/*.c src/*/*.c src/*/*.h include/*.h tests/*/*.c tests/bench/*.h)

clean: stop-pg
	rm -rf .build chengguan

-include $(OBJECTS:.o=.d) $(UNIT_BINS:=.d) $(STORE_BINS:=.d) $(STORE_FIXTURE:.o=.d) \
  $(PG_BINS:=.d) $(PG_HARNESS:.o=.d) $(STORE_SERVER_DBS:.o=.d) \
  $(GEN_OBJECTS:.o=.d) $(FUZZ_OBJECTS:.o=.d) $(FUZZ_BINS:=.d)
