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
#   cluster.sh up [DIR]     starts the cluster in DIR again if it is down, or
#                           a new one there; prints its URL
#   cluster.sh migrate [DIR]  applies migrations/postgres/NNNN_*.sql newer than
#                           the database, in order, each in one transaction
#                           with its row in schema_version; prints the version
#   cluster.sh psql DIR [ARG...]  psql on the database (ON_ERROR_STOP set)
# A primary with a streaming standby, for failover:
#   cluster.sh start-standby PRIMARY_DIR STANDBY_DIR  copies the running
#                           primary in PRIMARY_DIR (pg_basebackup -R, as a
#                           replication role) into a standby on its own free
#                           port, makes it the primary's synchronous standby,
#                           prints its URL
#   cluster.sh promote DIR  makes the standby in DIR a primary (pg_ctl promote)
#   cluster.sh stop-now DIR   stops the server in DIR at once, as if it died
#                           (pg_ctl -m immediate); DIR stays for `stop`
#   cluster.sh multi-url DIR...  prints one URL naming every cluster's port, with
#                           target_session_attrs=read-write: libpq connects to
#                           whichever of them is the primary now
#   cluster.sh bin          prints the directory of the PostgreSQL binaries
# PG_DURABLE=1 with start or up makes a new cluster durable, for benchmarks:
# fsync and full-page writes on, PostgreSQL's default 128 MB of shared buffers;
# the cluster keeps that ($DIR/durable) when it is started again.
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

# A directory argument as an absolute path.
absolute() {
  case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac
}

# Where the files of the cluster in a directory are (data/, password, logs):
# that directory, or the directory under /tmp it names.
home_of() {
  local home
  [ -f "$1/home" ] || die "no cluster in $1"
  home=$(cat "$1/home")
  case "$home" in "$1" | */chengguan-pg-*) echo "$home" ;; *) die "$1/home: not a cluster's home" ;; esac
}

home() { home_of "$dir"; }

# The port the cluster in a directory was started on. It stays after
# stop-now, so a multi-host URL keeps naming a primary that died.
port_of() {
  [ -f "$1/port" ] || die "the cluster in $1 is not running"
  cat "$1/port"
}

url_of() {
  local home port
  home=$(home_of "$1")
  port=$(port_of "$1")
  echo "postgres://chengguan:$(cat "$home/password")@127.0.0.1:$port/chengguan"
}

url() { url_of "$dir"; }

# One URL for a primary and its standbys (they share the password: a standby
# is a copy of the primary). libpq tries the hosts in the order given and,
# with target_session_attrs=read-write, passes over one that is down or still
# a standby (read-only), so clients find the new primary after a failover
# without being told.
multi_url() {
  local home hosts="" cluster port
  [ $# -ge 1 ] || die "multi-url needs at least one directory"
  home=$(home_of "$(absolute "$1")")
  for cluster in "$@"; do
    port=$(port_of "$(absolute "$cluster")")
    hosts="$hosts${hosts:+,}127.0.0.1:$port"
  done
  echo "postgres://chengguan:$(cat "$home/password")@$hosts/chengguan?target_session_attrs=read-write"
}

# Makes $dir (owned by the server's user) and the cluster's home: $dir, or a
# directory of its own under /tmp when that user cannot reach $dir. From here
# on, whatever fails, a half-made cluster does not outlive this script.
make_home() {
  local user=$1 home
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
  trap '[ -n "${started:-}" ] || stop >/dev/null 2>&1 || true' EXIT
}

# Writes a file in the cluster's home, readable by the server's user alone.
write_secret() {
  local user=$1 file=$2 text=$3
  printf '%s\n' "$text" > "$file"
  [ "$user" = "$(id -un)" ] || chown "$user" "$file"
}

# Starts the server on the data directory in the cluster's home and records its
# port in $dir/port. The port is free when asked, but another process may take
# it before the server binds it: then try another. A test cluster: no fsync (it
# is thrown away; a power loss is not what it tests), few connections, little
# memory (connections enough for two servers and a few clients). A durable one
# ($dir/durable, for benchmarks): what a real server must do for a COMMIT.
start_server() {
  local bin=$1 user=$2 home=$3 port attempt settings
  settings="-c fsync=off -c full_page_writes=off -c shared_buffers=16MB"
  [ ! -f "$dir/durable" ] || settings="-c fsync=on -c full_page_writes=on -c shared_buffers=128MB"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if as_server_user "$user" "$bin/pg_ctl" --pgdata="$home/data" --log="$home/server.log" \
        --wait --timeout=60 --silent start \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$home' \
            -c max_connections=300 $settings" \
        >/dev/null 2>&1; then
      echo "$port" > "$dir/port"
      return 0
    fi
  done
  tail -n 20 "$home/server.log" >&2
  die "the server did not start"
}

start() {
  local bin user home password port
  bin=$(find_bin)
  user=$(server_user)
  make_home "$user"
  home=$(home)
  [ "${PG_DURABLE:-}" != 1 ] || touch "$dir/durable"
  password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  write_secret "$user" "$home/password" "$password"
  # UTF-8 with the C locale, so text sorts by bytes as in SQLite.
  as_server_user "$user" "$bin/initdb" --pgdata="$home/data" --username=chengguan \
    --pwfile="$home/password" --auth=scram-sha-256 --encoding=UTF8 --locale=C \
    --no-sync --no-instructions >"$home/initdb.log" 2>&1 ||
    { cat "$home/initdb.log" >&2; die "initdb failed"; }
  start_server "$bin" "$user" "$home"
  port=$(port_of "$dir")
  PGPASSWORD=$password "$bin/psql" -X -q -v ON_ERROR_STOP=1 \
    "postgres://chengguan@127.0.0.1:$port/postgres" -c 'CREATE DATABASE chengguan' ||
    die "could not create the database"
  started=1
  url
}

# The cluster in $dir, started again if it is down (after a reboot, say), or
# a new one; prints its URL. `make run-pg` keeps its data this way.
up() {
  local home
  [ -e "$dir" ] || { start; return; }
  home=$(home)
  [ -d "$home/data" ] || die "the files of the cluster in $dir ($home) are gone; remove it: $0 stop $dir"
  if ! pg_ctl_here status >/dev/null 2>&1; then
    rm -f "$dir/port"
    start_server "$(find_bin)" "$(stat -c %U "$home/data")" "$home"
  fi
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

# psql on the database of the cluster in another directory (the primary, for
# a standby's commands).
psql_on() {
  local url
  url=$(url_of "$1"); shift
  "$(find_bin)/psql" -X -q -v ON_ERROR_STOP=1 -tA --dbname="$url" "$@"
}

# Waits up to a minute until a query on the cluster in a directory returns want.
wait_for() {
  local cluster=$1 sql=$2 want=$3 tries got=""
  for tries in $(seq 600); do
    got=$(psql_on "$cluster" -c "$sql" 2>/dev/null) || true
    [ "$got" != "$want" ] || return 0
    sleep 0.1
  done
  die "waited a minute for \"$sql\" to return \"$want\" (last: \"$got\")"
}

# pg_ctl on the data of the cluster in $dir, as the user that owns it.
pg_ctl_here() {
  local home
  home=$(home)
  as_server_user "$(stat -c %U "$home/data")" "$(find_bin)/pg_ctl" --pgdata="$home/data" "$@"
}

# The primary's role for standbys (REPLICATION, not a superuser), made once;
# prints its password, kept in the primary's home.
replication_password() {
  local primary=$1 home password
  home=$(home_of "$primary")
  if [ ! -f "$home/replication_password" ]; then
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    psql_on "$primary" -c "CREATE ROLE replicator WITH LOGIN REPLICATION PASSWORD '$password'" ||
      die "could not create the replication role"
    write_secret "$(stat -c %U "$home/data")" "$home/replication_password" "$password"
  fi
  cat "$home/replication_password"
}

# A standby of the running primary in $primary, in $dir. Its name on the
# primary (application_name) comes from $dir.
start_standby() {
  local bin user home primary_home primary_port password name
  bin=$(find_bin)
  user=$(server_user)
  primary_home=$(home_of "$primary")
  primary_port=$(port_of "$primary")
  password=$(replication_password "$primary")
  make_home "$user"
  home=$(home)
  # The same chengguan password: the standby is a copy of the primary.
  write_secret "$user" "$home/password" "$(cat "$primary_home/password")"
  write_secret "$user" "$home/pgpass" "127.0.0.1:$primary_port:*:replicator:$password"
  name=standby_$(basename "$dir" | tr -c 'a-zA-Z0-9_\n' _)
  # -R writes primary_conninfo (with this application_name, which the
  # primary's synchronous_standby_names names) and standby.signal.
  as_server_user "$user" env PGPASSFILE="$home/pgpass" "$bin/pg_basebackup" \
    --pgdata="$home/data" --write-recovery-conf --wal-method=stream --checkpoint=fast \
    --no-sync --dbname="host=127.0.0.1 port=$primary_port user=replicator application_name=$name" \
    >"$home/basebackup.log" 2>&1 || { cat "$home/basebackup.log" >&2; die "pg_basebackup failed"; }
  # A copy of a primary that already had a synchronous standby would, once
  # promoted, wait for that standby at every commit: it starts without one.
  as_server_user "$user" sed -i '/^synchronous_standby_names/d' "$home/data/postgresql.auto.conf"
  start_server "$bin" "$user" "$home"
  wait_for "$primary" "SELECT state FROM pg_stat_replication WHERE application_name = '$name'" streaming
  # Synchronous replication: the primary answers a COMMIT only once this
  # standby has the commit's WAL on disk (synchronous_commit = on). With
  # asynchronous replication a commit the client was told about may not have
  # reached the standby yet when the primary dies, and is gone after the
  # promotion: a case the citizen got a number for would be missing. The price
  # is a round trip to the standby per commit, and commits wait while the
  # standby is down. One standby is synchronous: the last one started.
  psql_on "$primary" -c "ALTER SYSTEM SET synchronous_standby_names = '\"$name\"'" \
    -c "ALTER SYSTEM SET synchronous_commit = on" -c "SELECT pg_reload_conf()" >/dev/null ||
    die "could not make $name the synchronous standby"
  wait_for "$primary" "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$name'" sync
  started=1
  url
}

# Makes the standby in $dir a primary: it stops replaying and takes writes.
promote() {
  pg_ctl_here --wait --timeout=60 --silent promote || die "pg_ctl promote failed"
  wait_for "$dir" "SELECT pg_is_in_recovery()" f
}

# Stops the server in $dir at once, without a checkpoint or a word to its
# clients or standbys: what they see when a primary dies.
stop_now() {
  pg_ctl_here --wait --timeout=60 --mode=immediate --silent stop || die "pg_ctl stop failed"
}

stop() {
  local home
  # Only a directory start made (it names the cluster's home) is removed.
  home=$(home)
  if [ -f "$home/data/postmaster.pid" ]; then
    pg_ctl_here --wait --timeout=60 --mode=fast --silent stop || die "pg_ctl stop failed; left $dir"
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
  up) up ;;
  url) url ;;
  stop) stop ;;
  migrate) migrate ;;
  psql) shift $(($# < 2 ? $# : 2)); run_psql "$@" ;;
  start-standby)
    [ $# = 3 ] || die "usage: $0 start-standby PRIMARY_DIR STANDBY_DIR"
    primary=$dir; dir=$(absolute "$3"); start_standby ;;
  promote) promote ;;
  stop-now) stop_now ;;
  multi-url) shift; multi_url "$@" ;;
  bin) find_bin ;;
  *) echo "usage: $0 start|up|url|stop|restart|migrate|promote|stop-now [DIR] | psql DIR [ARG...]" \
       "| start-standby PRIMARY_DIR STANDBY_DIR | multi-url DIR... | bin" >&2; exit 2 ;;
esac
