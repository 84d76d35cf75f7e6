#!/usr/bin/env bash
# A local PostgreSQL for the TechEmpower database scenarios (bench/run.sh) and tests: Debian's postgresql,
# one throw-away cluster owned by a non-root user, reachable on a Unix socket (and on a loopback port when
# ZOKIO_DB_PORT is set), holding TechEmpower's hello_world database: World (10,000 rows) and Fortune (12 rows).
#
# Usage: bench/db/setup.sh [start]   start (installing postgresql when missing and run as root) or reuse the
#                                    cluster; the last line printed is the Npgsql connection string
#        bench/db/setup.sh stop      stop the cluster (its data stays for the next start)
#        bench/db/setup.sh status    exit 0 and print the connection string when the cluster runs, else exit 3
#        bench/db/setup.sh pid       print the postmaster's process id (bench/run.sh pins it to a core)
#
# Environment:
#   ZOKIO_DB_DIR   where the cluster lives (default /tmp/zokio-pg-$UID); the socket is in $ZOKIO_DB_DIR/run
#   ZOKIO_DB_PORT  also listen on 127.0.0.1:PORT and print a TCP connection string (default: Unix socket only,
#                  which can never collide with another server's port)
set -euo pipefail

DB_DIR=${ZOKIO_DB_DIR:-/tmp/zokio-pg-$UID}
DATA_DIR="$DB_DIR/data"
SOCKET_DIR="$DB_DIR/run"
LOG_FILE="$DB_DIR/postgres.log"
TCP_PORT=${ZOKIO_DB_PORT:-}
# The socket's file name carries a port number even when nothing listens on TCP.
PORT=${TCP_PORT:-5432}

# TechEmpower's names, so its tooling and other implementations' queries work unchanged.
DATABASE=hello_world
DB_USER_NAME=benchmarkdbuser
DB_PASSWORD=benchmarkdbpass
START_TIMEOUT_S=60

die() {
    echo "setup.sh: $*" >&2
    exit 1
}

# The newest installed server's binaries (Debian keeps them out of PATH, under /usr/lib/postgresql/<major>/bin).
find_bin_dir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [[ -n $dir && -x $dir/initdb && -x $dir/pg_ctl ]] && echo "$dir"
}

ensure_postgresql() {
    BIN_DIR=$(find_bin_dir) && return 0
    ((EUID == 0)) || die "PostgreSQL is not installed. Install it with: sudo apt-get install -y postgresql"
    echo "Installing postgresql ..." >&2
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 ||
        die "apt-get install postgresql failed."
    BIN_DIR=$(find_bin_dir) || die "postgresql was installed but no server binaries were found under /usr/lib/postgresql."
}

# PostgreSQL refuses to run as root: as root the cluster belongs to the package's 'postgres' account.
run_as_owner() {
    if ((EUID == 0)); then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

owner_account() {
    if ((EUID == 0)); then
        id -u postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
        echo postgres
    else
        id -un
    fi
}

connection_string() {
    if [[ -n $TCP_PORT ]]; then
        echo "Host=127.0.0.1;Port=$TCP_PORT;Database=$DATABASE;Username=$DB_USER_NAME;Password=$DB_PASSWORD"
    else
        echo "Host=$SOCKET_DIR;Port=$PORT;Database=$DATABASE;Username=$DB_USER_NAME;Password=$DB_PASSWORD"
    fi
}

is_running() {
    [[ -n ${BIN_DIR:-} && -f $DATA_DIR/PG_VERSION ]] && run_as_owner "$BIN_DIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1
}

init_cluster() {
    local owner=$1
    mkdir -p "$DATA_DIR" "$SOCKET_DIR"
    chmod 0755 "$DB_DIR" "$SOCKET_DIR"
    chown -R "$owner" "$DB_DIR"
    chmod 0700 "$DATA_DIR"
    # Trust on the Unix socket (only local accounts reach it); passwords over TCP, as TechEmpower's setup.
    run_as_owner "$BIN_DIR/initdb" -D "$DATA_DIR" --username=postgres --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >"$DB_DIR/initdb.log" 2>&1 ||
        die "initdb failed; see $DB_DIR/initdb.log"
    echo "include_if_exists = 'zokio.conf'" >>"$DATA_DIR/postgresql.conf"
}

# Rewritten at every start, so ZOKIO_DB_PORT can change between runs.
write_config() {
    local listen="''"
    [[ -n $TCP_PORT ]] && listen="'127.0.0.1'"
    cat >"$DATA_DIR/zokio.conf" <<EOF
listen_addresses = $listen
port = $PORT
unix_socket_directories = '$SOCKET_DIR'
# The benchmark's connections (Npgsql's pool holds up to 100 per server) plus the tests' and psql's.
max_connections = 300
shared_buffers = 128MB
# A throw-away cluster whose data is recreated by this script: durability buys nothing here and costs every
# /updates request an fsync, which would measure the disk rather than the server under test.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    chown "$(stat -c %U "$DATA_DIR")" "$DATA_DIR/zokio.conf"
}

psql_admin() {
    PGOPTIONS='-c client_min_messages=warning' run_as_owner "$BIN_DIR/psql" -h "$SOCKET_DIR" -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

# TechEmpower's schema and data (its create-postgres.sql): unquoted names, so the tables are world and fortune.
create_schema() {
    psql_admin -d "$DATABASE" <<'EOF'
DROP TABLE IF EXISTS World;
CREATE TABLE World (id integer NOT NULL, randomNumber integer NOT NULL DEFAULT 0, PRIMARY KEY (id));
INSERT INTO World (id, randomNumber)
    SELECT x, least(floor(random() * 10000 + 1), 10000) FROM generate_series(1, 10000) AS x;
DROP TABLE IF EXISTS Fortune;
CREATE TABLE Fortune (id integer NOT NULL, message varchar(2048) NOT NULL, PRIMARY KEY (id));
INSERT INTO Fortune (id, message) VALUES
    (1, 'fortune: No such file or directory'),
    (2, 'A computer scientist is someone who fixes things that aren''t broken.'),
    (3, 'After enough decimal places, nobody gives a damn.'),
    (4, 'A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1'),
    (5, 'A computer program does what you tell it to do, not what you want it to do.'),
    (6, 'Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen'),
    (7, 'Any program that runs right is obsolete.'),
    (8, 'A list is only as strong as its weakest link. — Donald Knuth'),
    (9, 'Feature: A bug with seniority.'),
    (10, 'Computers make very fast, very accurate mistakes.'),
    (11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
    (12, 'フレームワークのベンチマーク');
GRANT SELECT, UPDATE ON World, Fortune TO benchmarkdbuser;
ANALYZE World;
ANALYZE Fortune;
EOF
}

ensure_database() {
    if [[ -z $(psql_admin -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER_NAME'") ]]; then
        psql_admin -d postgres -c "CREATE ROLE $DB_USER_NAME LOGIN PASSWORD '$DB_PASSWORD'"
    fi
    if [[ -z $(psql_admin -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'") ]]; then
        psql_admin -d postgres -c "CREATE DATABASE $DATABASE OWNER $DB_USER_NAME ENCODING 'UTF8'"
    fi
    # Recreated unless both tables hold exactly TechEmpower's row counts (an interrupted earlier setup, or a test
    # that added rows, must not leave the benchmark on other data).
    local counts
    counts=$(psql_admin -d "$DATABASE" -c \
        "SELECT (SELECT count(*) FROM world) || ' ' || (SELECT count(*) FROM fortune)" 2>/dev/null || true)
    if [[ $counts != "10000 12" ]]; then
        echo "Creating TechEmpower's World and Fortune tables in $DATABASE ..." >&2
        create_schema
    fi
}

start() {
    ensure_postgresql
    local owner
    owner=$(owner_account)
    [[ -f $DATA_DIR/PG_VERSION ]] || init_cluster "$owner"
    if ! is_running; then
        write_config
        # 9>&-: the server must not inherit the setup lock, or it would hold it for its whole life.
        run_as_owner "$BIN_DIR/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t "$START_TIMEOUT_S" start >/dev/null 9>&- ||
            die "PostgreSQL did not start; see $LOG_FILE"
    fi
    ensure_database
    connection_string
}

stop() {
    BIN_DIR=$(find_bin_dir) || return 0
    if is_running; then
        run_as_owner "$BIN_DIR/pg_ctl" -D "$DATA_DIR" -m fast -w -t "$START_TIMEOUT_S" stop >/dev/null
    fi
}

main() {
    local command=${1:-start}
    if [[ $command == start || $command == stop ]]; then
        mkdir -p "$(dirname "$DB_DIR")"
        # One start or stop at a time: tests and a benchmark may start the same cluster at once.
        exec 9>"$DB_DIR.lock"
        flock -w 120 9 || die "another setup.sh held $DB_DIR.lock for 120 s."
    fi
    case $command in
        start) start ;;
        stop) stop ;;
        status)
            BIN_DIR=$(find_bin_dir) || exit 3
            is_running || exit 3
            connection_string ;;
        pid)
            BIN_DIR=$(find_bin_dir) || exit 3
            is_running || exit 3
            head -1 "$DATA_DIR/postmaster.pid" ;;
        -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
        *) die "unknown command '$command' (start, stop, status, pid)" ;;
    esac
}

main "$@"
