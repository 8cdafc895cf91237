#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A throwaway PostgreSQL cluster for the tests: initdb into a directory under
# tests/.tmp, a server on a free loopback port, a database "chengguan" owned by
# a password-protected superuser of the same name.
#   cluster.sh start [DIR]  creates and starts it, waits until it accepts
#                           connections, prints its postgres:// URL
#   cluster.sh url [DIR]    prints the URL of the running cluster in DIR
#   cluster.sh stop [DIR]   stops it and removes DIR
#   cluster.sh restart [DIR]  restarts its server (fast shutdown, same port):
#                           the sessions of clients end, as in a failover
#   cluster.sh migrate [DIR]  applies migrations/postgres/NNNN_*.sql newer than
#                           the database, in order, each in one transaction
#                           with its row in schema_version; prints the version
#   cluster.sh psql DIR [ARG...]  psql on the database (ON_ERROR_STOP set)
# DIR defaults to tests/.tmp/pg. Run as root, the server runs as the `postgres`
# system user Debian's package creates (`nobody` without it): PostgreSQL refuses
# to run as root; when that user cannot reach DIR (a checkout under /root, say),
# the cluster's files go to a directory of its own under /tmp, named in DIR.
# The binaries are Debian's (/usr/lib/postgresql/15/bin), or
# those in PG_BIN; `make test-deps` installs them.
set -euo pipefail
umask 077
cd "$(dirname "$0")/../.."

command=${1:-}
dir=${2:-tests/.tmp/pg}
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac

die() { echo "cluster.sh: $*" >&2; exit 1; }

# The server binaries: PG_BIN, else Debian's for 15, else the newest Debian has.
find_bin() {
  local candidate
  for candidate in "${PG_BIN:-}" /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -n "$candidate" ] && [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then
      echo "$candidate"; return 0
    fi
  done
  die "no PostgreSQL server binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or PG_BIN;" \
    "run 'make test-deps' as root, or: sudo apt-get install -y postgresql"
}

# The user the server runs as: the caller, or an unprivileged one for root.
server_user() {
  if [ "$(id -u)" != 0 ]; then id -un
  elif getent passwd postgres >/dev/null; then echo postgres
  else echo nobody; fi
}

# Runs a command as the server's user (directly when that is the caller).
as_server_user() {
  local user=$1; shift
  if [ "$user" = "$(id -un)" ]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

# A port no one listens on now, from the kernel (node is a test tool anyway).
free_port() {
  node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => {
    console.log(s.address().port); s.close(); });"
}

# Where the cluster's files are (data/, password, logs): DIR, or the directory
# under /tmp that DIR names.
home() {
  local home
  [ -f "$dir/home" ] || die "no cluster in $dir"
  home=$(cat "$dir/home")
  case "$home" in "$dir" | */chengguan-pg-*) echo "$home" ;; *) die "$dir/home: not a cluster's home" ;; esac
}

url() {
  local home
  home=$(home)
  [ -f "$dir/port" ] || die "the cluster in $dir is not running"
  echo "postgres://chengguan:$(cat "$home/password")@127.0.0.1:$(cat "$dir/port")/chengguan"
}

start() {
  local bin user home password port attempt
  bin=$(find_bin)
  user=$(server_user)
  [ ! -e "$dir" ] || die "$dir exists; stop that cluster first (cluster.sh stop $dir)"
  mkdir -p "$dir"
  chmod 0700 "$dir"
  home=$dir
  if [ "$user" != "$(id -un)" ]; then
    chown "$user" "$dir"
    if ! runuser -u "$user" -- test -w "$dir"; then
      home=$(mktemp -d "${TMPDIR:-/tmp}/chengguan-pg-XXXXXX")
      chown "$user" "$home"
    fi
  fi
  echo "$home" > "$dir/home"
  # Whatever fails below, a half-made cluster does not outlive this script.
  trap '[ -n "${started:-}" ] || stop >/dev/null 2>&1 || true' EXIT
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s\n' "$password" > "$home/password"
  [ "$user" = "$(id -un)" ] || chown "$user" "$home/password"
  # A test cluster: no fsync (it is thrown away, a power loss is not what it
  # tests), few connections, little memory; UTF-8 with the C locale, so text
  # sorts by bytes as in SQLite.
  as_server_user "$user" "$bin/initdb" --pgdata="$home/data" --username=chengguan \
    --pwfile="$home/password" --auth=scram-sha-256 --encoding=UTF8 --locale=C \
    --no-sync --no-instructions >"$home/initdb.log" 2>&1 ||
    { cat "$home/initdb.log" >&2; die "initdb failed"; }
  # The port is free when asked, but another process may take it before the
  # server binds it: then try another.
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_server_user "$user" "$bin/pg_ctl" --pgdata="$home/data" --log="$home/server.log" \
        --wait --timeout=60 --silent start \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$home' \
            -c fsync=off -c full_page_writes=off -c max_connections=20 -c shared_buffers=16MB" \
        >/dev/null 2>&1; then
      echo "$port" > "$dir/port"
      break
    fi
    [ "$attempt" != 5 ] || { tail -n 20 "$home/server.log" >&2; die "the server did not start"; }
  done
  PGPASSWORD=$password "$bin/psql" -X -q -v ON_ERROR_STOP=1 \
    "postgres://chengguan@127.0.0.1:$port/postgres" -c 'CREATE DATABASE chengguan' ||
    die "could not create the database"
  started=1
  url
}

# psql on the cluster's database, stopping at the first error.
run_psql() {
  "$(find_bin)/psql" -X -q -v ON_ERROR_STOP=1 --dbname="$(url)" "$@"
}

# The schema version: the highest in schema_version, 0 before migration 0001.
schema_version() {
  local exists
  exists=$(run_psql -tA -c "SELECT to_regclass('schema_version') IS NOT NULL") || return 1
  if [ "$exists" = t ]; then
    run_psql -tA -c "SELECT coalesce(max(version), 0) FROM schema_version"
  else
    echo 0
  fi
}

# Applies each migration newer than the database in order, as SQLite's are at
# start-up: the file and its schema_version row in one transaction.
migrate() {
  local current file name version
  current=$(schema_version) || die "cannot read the schema version"
  for file in migrations/postgres/[0-9][0-9][0-9][0-9]_*.sql; do
    name=$(basename "$file" .sql)
    [[ "$name" =~ ^[0-9]{4}_[a-z0-9_]+$ ]] || die "$file: not a migration name"
    version=$((10#${name:0:4}))
    [ "$version" -gt "$current" ] || continue
    run_psql --single-transaction -f "$file" \
      -c "INSERT INTO schema_version (version, name, applied_at) VALUES ($version, '$name',
          (extract(epoch FROM clock_timestamp()) * 1000)::bigint)" ||
      die "migration $name failed; the database stays at version $current"
    current=$version
  done
  echo "schema version $current"
}

stop() {
  local bin home
  # Only a directory start made (it names the cluster's home) is removed.
  home=$(home)
  if [ -f "$home/data/postmaster.pid" ]; then
    bin=$(find_bin)
    as_server_user "$(stat -c %U "$home/data")" "$bin/pg_ctl" --pgdata="$home/data" \
      --wait --timeout=60 --mode=fast --silent stop || die "pg_ctl stop failed; left $dir"
  fi
  rm -rf "$home" "$dir"
}

# Restarts the server with the options it was started with (pg_ctl keeps
# them in postmaster.opts): every session is cut off.
restart() {
  local home
  home=$(home)
  [ -f "$home/data/postmaster.pid" ] || die "the cluster in $dir is not running"
  as_server_user "$(stat -c %U "$home/data")" "$(find_bin)/pg_ctl" --pgdata="$home/data" \
    --log="$home/server.log" --wait --timeout=60 --mode=fast --silent restart >/dev/null ||
    die "pg_ctl restart failed"
}

case "$command" in
  start) start ;;
  restart) restart ;;
  url) url ;;
  stop) stop ;;
  migrate) migrate ;;
  psql) shift $(($# < 2 ? $# : 2)); run_psql "$@" ;;
  *) echo "usage: $0 start|url|stop|restart|migrate [DIR] | psql DIR [ARG...]" >&2; exit 2 ;;
esac
