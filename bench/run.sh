#!/usr/bin/env bash
# Side-by-side load benchmark: Zokio (io_uring), Zokio (epoll), Kestrel Sockets and nginx on
# loopback, following the project's measuring protocol. See bench/README.md for how to read the output.
#
# Usage: bench/run.sh [--rounds N] [--duration S] [--warmup S] [--unpinned]
#                     [--servers zokio,zokio-epoll,sockets,nginx] [--rate REQ_PER_S]
#                     [--db-options 'Npgsql;Options'] [scenario...]
#
#   --rate R        fixed-rate mode: send R req/s (messages/s for ws-echo) instead of as many as the server
#                   answers, to compare p99 at equal load; pick R below the slowest server's maximum
#   --db-options    appended to the database scenarios' connection string, e.g. 'Multiplexing=true'
#   servers zokio-loop and zokio-threadpool: Zokio io_uring with ApplicationScheduling=Loop / ThreadPool
#   (zokio itself runs the default, Adaptive); zokio-poll: io_uring receiving with a readiness poll and a direct
#   recv instead of multishot receives (ReceiveBuffers=0); scenario 'upload' means upload-1mib and upload-20mib
#
# Environment overrides (mostly for testing the harness itself):
#   ZOKIO_BENCH_APP_DLL          run this app instead of building samples/WebApi
#   ZOKIO_BENCH_H1_PORT/H2C_PORT/TLS_PORT   ports (default 18080/18081/18443)
#   ZOKIO_BENCH_IDLE_CONNECTIONS idle connections in many-connections (default 10000)
#   ZOKIO_BENCH_CALL_COUNTING_DELAY_MS  DOTNET_TC_CallCountingDelayMs of the .NET servers (default 0; see below)
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
RESULTS_DIR="$BENCH_DIR/results"

ALL_SCENARIOS=(plaintext plaintext-pipelined json echo-post h2c h2-tls grpc-unary many-connections connect-rate
               limited-conn grpc-stream h2c-post db queries-20 fortunes updates-20 upload-1mib upload-20mib ws-echo)
ALL_SERVERS=(zokio zokio-epoll zokio-poll zokio-reuseport zokio-loop zokio-threadpool sockets nginx)
DEFAULT_SERVERS=(zokio zokio-epoll sockets nginx)
H2_SCENARIOS=" h2c h2-tls grpc-unary grpc-stream h2c-post "
# nginx is the baseline only where it can serve the same bytes without an app behind it.
NGINX_SCENARIOS=" plaintext plaintext-pipelined json many-connections connect-rate limited-conn "
# TechEmpower's database tests: they need bench/db/setup.sh's PostgreSQL.
DB_SCENARIOS=" db queries-20 fortunes updates-20 "
# Messages per SayHellos call in grpc-stream, and the h2c-post body.
GRPC_STREAM_MESSAGES=100
H2C_POST_BYTES=65536

ROUNDS=3
DURATION=10
# Not the protocol's 5 s: even with no call-counting delay (below), a .NET server pinned to one core under h2load still
# promoted 280-780 methods to tier 1 between 5 s and 10 s of load (h2c, h2-tls; Zokio and Sockets alike), its JIT
# thread sharing the core with the server, and fewer than 20 from 10 s to 20 s. A 5 s warm-up left that compiling in
# the measured window.
WARMUP=10
PINNED=1
SERVERS=("${DEFAULT_SERVERS[@]}")
SCENARIOS=()
RATE=""
DB_OPTIONS=""
DB_CONNECTION=""
DB_STARTED=0

H1_PORT=${ZOKIO_BENCH_H1_PORT:-18080}
H2C_PORT=${ZOKIO_BENCH_H2C_PORT:-18081}
TLS_PORT=${ZOKIO_BENCH_TLS_PORT:-18443}
IDLE_CONNECTIONS=${ZOKIO_BENCH_IDLE_CONNECTIONS:-10000}
APP_DLL=${ZOKIO_BENCH_APP_DLL:-}

# Tiered compilation on one core under load: with the runtime's call-counting delay (100 ms) a server kept promoting
# methods to tier 1 for 20-30 s under h2load, so a 5 s warm-up measured half-jitted Kestrel (h2c rose 2-3x during
# the first 30 s, on Sockets and Zokio alike). With no delay every .NET server reaches its steady state within the
# 10 s warm-up; it changes when the runtime tiers up, not the code it ends with. 100 restores the runtime's default.
CALL_COUNTING_DELAY_MS=${ZOKIO_BENCH_CALL_COUNTING_DELAY_MS:-0}

READY_TIMEOUT_S=30
STOP_TIMEOUT_S=10
# Idle connections are opened this many at a time (below the listen backlogs, see
# open_idle_connections), each batch to be accepted within the timeout.
IDLE_BATCH=500
IDLE_BATCH_TIMEOUT_S=20
CERT_PASSWORD=zokio-bench
CLK_TCK=$(getconf CLK_TCK)

SERVER_PID=""
IDLE_WRK_PIDS=()
REQUEST_LOG_DIR=""
HAVE_H2LOAD=1
FAILED_RUNS=()

usage() {
    sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

die() {
    echo "run.sh: $*" >&2
    exit 2
}

parse_args() {
    while (($#)); do
        case $1 in
            --rounds) ROUNDS=$2; shift 2 ;;
            --duration) DURATION=$2; shift 2 ;;
            --warmup) WARMUP=$2; shift 2 ;;
            --unpinned) PINNED=0; shift ;;
            --servers) IFS=, read -r -a SERVERS <<<"$2"; shift 2 ;;
            --rate) RATE=$2; shift 2 ;;
            --db-options) DB_OPTIONS=$2; shift 2 ;;
            -h|--help) usage; exit 0 ;;
            -*) die "unknown option '$1' (see --help)" ;;
            upload) SCENARIOS+=(upload-1mib upload-20mib); shift ;;
            *) SCENARIOS+=("$1"); shift ;;
        esac
    done
    ((${#SCENARIOS[@]})) || SCENARIOS=("${ALL_SCENARIOS[@]}")
    if [[ -n $RATE ]]; then
        [[ $RATE =~ ^[1-9][0-9]*$ ]] || die "--rate must be a positive whole number of requests per second; got '$RATE'."
        [[ " ${SCENARIOS[*]} " != *" plaintext-pipelined "* ]] ||
            die "--rate cannot pace plaintext-pipelined: wrk sends 16 requests per write there. Leave it out of a fixed-rate run."
    fi

    [[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive integer; got '$ROUNDS'."
    [[ $DURATION =~ ^[1-9][0-9]*$ ]] || die "--duration must be a positive number of seconds; got '$DURATION'."
    [[ $WARMUP =~ ^[0-9]+$ ]] || die "--warmup must be a number of seconds (0 allowed); got '$WARMUP'."
    local s
    for s in "${SCENARIOS[@]}"; do
        [[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || die "unknown scenario '$s'; known: ${ALL_SCENARIOS[*]}"
    done
    for s in "${SERVERS[@]}"; do
        [[ " ${ALL_SERVERS[*]} " == *" $s "* ]] || die "unknown server '$s'; known: ${ALL_SERVERS[*]}"
    done
}

# --- tools ---------------------------------------------------------------------------------------

# Installs what is missing when root; otherwise says exactly what to install. h2load alone is
# optional: without it the HTTP/2 scenarios are skipped with a printed reason.
ensure_tools() {
    local -A package_of=([wrk]=wrk [h2load]=nghttp2-client [nginx]=nginx-light [taskset]=util-linux
                         [curl]=curl [openssl]=openssl)
    local missing=() tool
    for tool in wrk h2load nginx taskset curl openssl; do
        have_tool "$tool" || missing+=("${package_of[$tool]}")
    done
    if ((${#missing[@]})) && ((EUID == 0)); then
        echo "Installing ${missing[*]} ..."
        apt-get update -qq >/dev/null || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
            echo "warning: apt-get install ${missing[*]} failed" >&2
        missing=()
        for tool in wrk h2load nginx taskset curl openssl; do
            have_tool "$tool" || missing+=("${package_of[$tool]}")
        done
    fi
    local required=("${missing[@]/nghttp2-client/}")
    if [[ -n ${required[*]// /} ]]; then
        echo "run.sh: missing tools. Install them with:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    if ! have_tool h2load; then
        HAVE_H2LOAD=0
        echo "note: h2load (apt package nghttp2-client) is not installed and could not be installed;" \
             "skipping the HTTP/2 scenarios:${H2_SCENARIOS% }."
    fi
    command -v dotnet >/dev/null || { echo "run.sh: the .NET 10 SDK (dotnet) is not on PATH." >&2; exit 1; }
}

have_tool() {
    command -v "$1" >/dev/null || [[ -x /usr/sbin/$1 ]]
}

nginx_bin() {
    command -v nginx || echo /usr/sbin/nginx
}

# --- setup ---------------------------------------------------------------------------------------

build() {
    if [[ -n $APP_DLL ]]; then
        [[ -f $APP_DLL ]] || die "ZOKIO_BENCH_APP_DLL=$APP_DLL does not exist."
        echo "Using app $APP_DLL (ZOKIO_BENCH_APP_DLL; samples/WebApi not built)."
    else
        echo "Building samples/WebApi (Release) ..."
        dotnet build -c Release "$REPO_DIR/samples/WebApi" -nologo -v quiet >"$RUN_TMP/build-webapi.log" 2>&1 ||
            { tail -30 "$RUN_TMP/build-webapi.log" >&2; die "building samples/WebApi failed (log: $RUN_TMP/build-webapi.log)."; }
        APP_DLL="$REPO_DIR/samples/WebApi/bin/Release/net10.0/WebApi.dll"
    fi
    # Built up front so a broken report tool fails before spending minutes on load.
    echo "Building bench/Zokio.BenchReport and bench/Zokio.BenchClient (Release) ..."
    local project
    for project in Zokio.BenchReport Zokio.BenchClient; do
        dotnet build -c Release "$BENCH_DIR/$project" -nologo -v quiet >"$RUN_TMP/build-$project.log" 2>&1 ||
            { tail -30 "$RUN_TMP/build-$project.log" >&2; die "building bench/$project failed."; }
    done
    CLIENT_DLL="$BENCH_DIR/Zokio.BenchClient/bin/Release/net10.0/Zokio.BenchClient.dll"
}

# PostgreSQL for the database scenarios (bench/db/setup.sh), pinned with the load generator so the server's core
# runs only the server. Stopped at the end if this run started it.
start_database() {
    local scenario needed=0
    for scenario in "${SCENARIOS[@]}"; do
        [[ $DB_SCENARIOS == *" $scenario "* ]] && needed=1
    done
    ((needed)) || return 0
    "$BENCH_DIR/db/setup.sh" status >/dev/null 2>&1 || DB_STARTED=1
    echo "Starting PostgreSQL (bench/db/setup.sh) ..."
    DB_CONNECTION=$("$BENCH_DIR/db/setup.sh" 2>"$RUN_TMP/db-setup.log" | tail -1) ||
        { cat "$RUN_TMP/db-setup.log" >&2; die "bench/db/setup.sh failed; the database scenarios cannot run."; }
    [[ -z $DB_OPTIONS ]] || DB_CONNECTION="$DB_CONNECTION;$DB_OPTIONS"
    if ((PINNED)); then
        local pid
        # Backends are forked from the postmaster and inherit its affinity; pin the ones already running too.
        for pid in $(proc_tree "$("$BENCH_DIR/db/setup.sh" pid)"); do
            taskset -a -p -c 1 "$pid" >/dev/null
        done
    fi
}

make_inputs() {
    # Self-signed cert for h2-tls, as a .pfx because that is what Kestrel's config binds.
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$RUN_TMP/key.pem" -out "$RUN_TMP/cert.pem" 2>/dev/null
    openssl pkcs12 -export -inkey "$RUN_TMP/key.pem" -in "$RUN_TMP/cert.pem" \
        -out "$RUN_TMP/cert.pfx" -passout "pass:$CERT_PASSWORD"

    # gRPC-framed HelloRequest{name="World"}: flag 0, big-endian length 7, then field 1 (0x0a), len 5.
    printf '\x00\x00\x00\x00\x07\x0a\x05World' >"$RUN_TMP/grpc-hello.bin"
    # The same with field 2 (count, tag 0x10) = GRPC_STREAM_MESSAGES, a one-byte varint (so at most 127): length 9.
    printf "\\x00\\x00\\x00\\x00\\x09\\x0a\\x05World\\x10\\x$(printf %02x "$GRPC_STREAM_MESSAGES")" >"$RUN_TMP/grpc-hellos.bin"
    head -c "$H2C_POST_BYTES" /dev/zero | tr '\0' z >"$RUN_TMP/h2c-post.bin"
    head -c 1048576 /dev/zero | tr '\0' z >"$RUN_TMP/upload-probe.bin"

    mkdir -p "$RUN_TMP/nginx"
    sed "s/127\.0\.0\.1:18080/127.0.0.1:$H1_PORT/" "$BENCH_DIR/nginx.conf" >"$RUN_TMP/nginx/nginx.conf"
}

# Raise the fd limit: many-connections holds 10,000 sockets in the server and 10,000 in wrk.
raise_fd_limit() {
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    local limit
    limit=$(ulimit -n)
    if [[ $limit != unlimited ]] && ((limit < IDLE_CONNECTIONS + 1024)); then
        echo "warning: fd limit $limit is below the $((IDLE_CONNECTIONS + 1024)) that many-connections needs" >&2
    fi
}

# --- servers -------------------------------------------------------------------------------------

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Starts $1 pinned to core 0 and waits until it answers on the endpoint scenario $2 uses.
start_server() {
    local server=$1 scenario=$2 log="$RUN_TMP/$3.server.log" port
    for port in "$H1_PORT" "$H2C_PORT" "$TLS_PORT"; do
        if port_in_use "$port"; then
            FAIL_REASON="port $port is already in use before starting $server (a stale server?)"
            return 1
        fi
    done

    if [[ $server == nginx ]]; then
        "${SERVER_PIN[@]}" "$(nginx_bin)" -c "$RUN_TMP/nginx/nginx.conf" -p "$RUN_TMP/nginx" \
            -g 'daemon off;' >"$log" 2>&1 &
    else
        local transport_args=()
        case $server in
            zokio) ;;
            zokio-epoll) transport_args=(--Zokio:Backend=Epoll) ;;
            zokio-poll) transport_args=(--Zokio:ReceiveBuffers=0) ;;
            # One SO_REUSEPORT listening socket per loop instead of the default one listener dealing round-robin;
            # the two differ only with more than one loop, so compare them with --unpinned.
            zokio-reuseport) transport_args=(--Zokio:ReusePort=true) ;;
            zokio-loop) transport_args=(--Zokio:ApplicationScheduling=Loop) ;;
            zokio-threadpool) transport_args=(--Zokio:ApplicationScheduling=ThreadPool) ;;
            sockets) transport_args=(--Zokio:Enabled=false) ;;
        esac
        [[ -z $DB_CONNECTION ]] || transport_args+=(--ConnectionStrings:Db="$DB_CONNECTION")
        ASPNETCORE_ENVIRONMENT=Production DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_TC_CallCountingDelayMs=$CALL_COUNTING_DELAY_MS \
            "${SERVER_PIN[@]}" dotnet "$APP_DLL" \
            --Kestrel:Endpoints:h1:Url="http://127.0.0.1:$H1_PORT" \
            --Kestrel:Endpoints:h2c:Url="http://127.0.0.1:$H2C_PORT" \
            --Kestrel:Endpoints:h2c:Protocols=Http2 \
            --Kestrel:Endpoints:h2tls:Url="https://127.0.0.1:$TLS_PORT" \
            --Kestrel:Endpoints:h2tls:Protocols=Http2 \
            --Kestrel:Endpoints:h2tls:Certificate:Path="$RUN_TMP/cert.pfx" \
            --Kestrel:Endpoints:h2tls:Certificate:Password="$CERT_PASSWORD" \
            --Logging:LogLevel:Default=Warning \
            "${transport_args[@]}" >"$log" 2>&1 &
    fi
    SERVER_PID=$!

    local deadline=$((SECONDS + READY_TIMEOUT_S))
    until probe "$scenario" >/dev/null 2>&1; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            FAIL_REASON="$server exited during startup: $(log_excerpt "$log")"
            SERVER_PID=""
            return 1
        fi
        if ((SECONDS >= deadline)); then
            FAIL_REASON="$server did not answer the $scenario probe within ${READY_TIMEOUT_S}s: $(probe "$scenario" 2>&1 | tail -c 300 | tr '\n' ' ')"
            return 1
        fi
        sleep 0.2
    done
}

# The line of a server log that says what went wrong (a stack trace's tail says nothing).
log_excerpt() {
    local line
    line=$(grep -m1 -E 'Unhandled exception|Exception:|\[(emerg|alert|crit|error)\]' "$1" 2>/dev/null) ||
        line=$(tail -c 300 "$1" 2>/dev/null | tr '\n' ' ')
    echo "${line:0:400} (log: $1)"
}

# One request of the kind scenario $1 sends, checked end to end (status, protocol, gRPC status),
# because the load tools count bytes and status codes but would not notice e.g. h2 falling back to
# HTTP/1.1 or a gRPC error carried in a 200.
probe() {
    local base="http://127.0.0.1:$H1_PORT"
    case $1 in
        h2c)
            [[ $(curl -fsS --max-time 2 --http2-prior-knowledge -o /dev/null -w '%{http_version}' \
                "http://127.0.0.1:$H2C_PORT/plaintext") == 2 ]] ;;
        h2-tls)
            [[ $(curl -fsSk --max-time 2 --http2 -o /dev/null -w '%{http_version}' \
                "https://127.0.0.1:$TLS_PORT/plaintext") == 2 ]] ;;
        grpc-unary)
            curl -fsS --max-time 2 --http2-prior-knowledge -D - -o /dev/null \
                -H 'content-type: application/grpc' -H 'te: trailers' \
                --data-binary "@$RUN_TMP/grpc-hello.bin" \
                "http://127.0.0.1:$H2C_PORT/greet.Greeter/SayHello" | grep -qi '^grpc-status: 0' ;;
        grpc-stream)
            # All the call's messages, then grpc-status 0 in the trailers.
            curl -fsS --max-time 2 --http2-prior-knowledge -D - -o "$RUN_TMP/grpc-stream.probe" \
                -H 'content-type: application/grpc' -H 'te: trailers' --data-binary "@$RUN_TMP/grpc-hellos.bin" \
                "http://127.0.0.1:$H2C_PORT/greet.Greeter/SayHellos" | grep -qi '^grpc-status: 0' &&
                grep -q "Hello World $GRPC_STREAM_MESSAGES" "$RUN_TMP/grpc-stream.probe" ;;
        h2c-post)
            [[ $(curl -fsS --max-time 2 --http2-prior-knowledge --data-binary "@$RUN_TMP/h2c-post.bin" \
                -o "$RUN_TMP/h2c-post.probe" -w '%{http_version}' "http://127.0.0.1:$H2C_PORT/echo") == 2 ]] &&
                cmp -s "$RUN_TMP/h2c-post.bin" "$RUN_TMP/h2c-post.probe" ;;
        upload-*)
            [[ $(curl -fsS --max-time 5 --data-binary "@$RUN_TMP/upload-probe.bin" "$base/upload") == 1048576 ]] ;;
        db|queries-20|fortunes|updates-20)
            curl -fsS --max-time 2 -o /dev/null "$base/db" ;;
        json)
            curl -fsS --max-time 2 "$base/json" | grep -q '"message":"Hello, World!"' ;;
        echo-post)
            [[ $(curl -fsS --max-time 2 --data-binary 'zokio' "$base/echo") == zokio ]] ;;
        *)
            [[ $(curl -fsS --max-time 2 "$base/plaintext") == 'Hello, World!' ]] ;;
    esac
}

# Checks the answers of scenario $1 in depth before it is measured, as TechEmpower's verifier does (row counts for
# every queries value, rows and updates against the database, fortunes sorted and escaped; the WebSocket echo and its
# close status): a fast wrong answer must fail the run, not win it.
validate() {
    local scenario=$1 out=$2 test
    case $scenario in
        db|fortunes|ws-echo) test=$scenario ;;
        queries-20) test=queries ;;
        updates-20) test=updates ;;
        *) return 0 ;;
    esac
    if ! "${CLIENT_PIN[@]}" dotnet "$CLIENT_DLL" validate "$test" "http://127.0.0.1:$H1_PORT" "$DB_CONNECTION" >"$out" 2>&1; then
        FAIL_REASON="response validation failed: $(head -3 "$out" | tr '\n' ' ' | cut -c1-400) (all: $out)"
        return 1
    fi
}

# SIGTERM, then SIGKILL after STOP_TIMEOUT_S: a server that hangs on shutdown must not block the run.
stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT_S))
    while kill -0 "$SERVER_PID" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "  warning: server $SERVER_PID ignored SIGTERM for ${STOP_TIMEOUT_S}s; killing it" >&2
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

cleanup() {
    local pid
    [[ $REQUEST_LOG_DIR == /dev/shm/* ]] && rm -rf "$REQUEST_LOG_DIR"
    for pid in "${IDLE_WRK_PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
    stop_server
    if ((DB_STARTED)); then
        "$BENCH_DIR/db/setup.sh" stop || true
    fi
}

# --- process stats -------------------------------------------------------------------------------

# The server and its descendants (nginx's worker is a child of its master).
proc_tree() {
    local pid=$1 child
    [[ -d /proc/$pid ]] || return 0
    echo "$pid"
    for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
        proc_tree "$child"
    done
}

# utime + stime (fields 14 and 15 of /proc/PID/stat, in clock ticks) summed over the tree.
cpu_ticks() {
    local total=0 pid stat fields
    for pid in $(proc_tree "$1"); do
        stat=$(cat /proc/"$pid"/stat 2>/dev/null) || continue
        # The command name (field 2) may hold spaces; split after its closing parenthesis.
        read -r -a fields <<<"${stat##*) }"
        total=$((total + fields[11] + fields[12]))
    done
    echo "$total"
}

# Sum of a /proc/PID/status field in kB (VmRSS now, VmHWM peak) over the tree.
mem_kb() {
    local field=$1 total=0 pid kb
    for pid in $(proc_tree "$2"); do
        kb=$(awk -v f="$field:" '$1 == f { print $2 }' /proc/"$pid"/status 2>/dev/null) || continue
        total=$((total + ${kb:-0}))
    done
    echo "$total"
}

# Established connections on the HTTP/1.1 port whose sockets the server's processes own: unlike
# the kernel's count of established connections, this excludes those still waiting in the listen
# backlog, and unlike a count of fds it ignores the warmup's connections still being torn down.
server_connections() {
    local port_hex
    port_hex=$(printf '%04X' "$H1_PORT")
    local pid
    for pid in $(proc_tree "$1"); do
        ls -l /proc/"$pid"/fd 2>/dev/null
    done | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' |
        awk -v port="$port_hex" '
            NR == FNR { owned[$1] = 1; next }
            FNR > 1 && $4 == "01" && substr($2, length($2) - 3) == port && ($10 in owned) { n++ }
            END { print n + 0 }' - /proc/net/tcp
}

# --- load ----------------------------------------------------------------------------------------

# Runs the scenario's load generator for $2 seconds, writing its output to $3. With --rate, wrk runs the scenario's
# script through wrk/fixed-rate.lua, h2load paces each client with --rps and the WebSocket client with --rate.
run_load() {
    local scenario=$1 seconds=$2 out=$3
    local h1="http://127.0.0.1:$H1_PORT" h2c="http://127.0.0.1:$H2C_PORT"
    local grpc=(-H 'content-type: application/grpc' -H 'te: trailers')
    case $scenario in
        plaintext|many-connections)
            load_wrk 256 "$seconds" get.lua "$h1/plaintext" ;;
        plaintext-pipelined)
            "${CLIENT_PIN[@]}" wrk -t1 -c256 -d"${seconds}s" -s "$BENCH_DIR/pipeline.lua" "$h1/plaintext" -- 16 ;;
        json)
            load_wrk 256 "$seconds" get.lua "$h1/json" ;;
        echo-post)
            load_wrk 256 "$seconds" echo-post.lua "$h1/echo" ;;
        connect-rate)
            # Fewer connections than the keep-alive runs: each one is a full TCP handshake and close.
            load_wrk 64 "$seconds" get.lua "$h1/plaintext" -H 'Connection: close' ;;
        limited-conn)
            load_wrk 256 "$seconds" limited-conn.lua "$h1/plaintext" -- 10 ;;
        # The database scenarios wait on PostgreSQL (Npgsql's pool holds 100 connections for wrk's 256) and the
        # 20 MiB uploads on bulk transfer: wrk's default 2 s timeout would count slow answers as errors, so they get
        # TechEmpower's 8 s.
        db)
            load_wrk 256 "$seconds" db.lua "$h1/db" --timeout 8s -- 1 ;;
        queries-20)
            load_wrk 256 "$seconds" db.lua "$h1/queries?queries=20" --timeout 8s -- 20 ;;
        updates-20)
            load_wrk 256 "$seconds" db.lua "$h1/updates?queries=20" --timeout 8s -- 20 ;;
        fortunes)
            load_wrk 256 "$seconds" db.lua "$h1/fortunes" --timeout 8s -- 14 '<tr>' ;;
        upload-1mib)
            load_wrk 64 "$seconds" upload.lua "$h1/upload" -- 1048576 ;;
        upload-20mib)
            load_wrk 16 "$seconds" upload.lua "$h1/upload" --timeout 8s -- 20971520 ;;
        ws-echo)
            local rate=()
            [[ -z $RATE ]] || rate=(--rate "$RATE")
            # Inline socket completions: the client's continuations run on .NET's epoll thread instead of hopping to
            # the thread pool, which lets one core drive more messages (the server must be the bottleneck).
            DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 "${CLIENT_PIN[@]}" dotnet "$CLIENT_DLL" \
                ws-echo "ws://127.0.0.1:$H1_PORT/ws" --connections 256 --duration "$seconds" --message-bytes 32 "${rate[@]}" ;;
        h2c)
            load_h2load 64 16 "$seconds" "$out" "$h2c/plaintext" ;;
        h2-tls)
            load_h2load 64 16 "$seconds" "$out" "https://127.0.0.1:$TLS_PORT/plaintext" ;;
        grpc-unary)
            load_h2load 64 16 "$seconds" "$out" -d "$RUN_TMP/grpc-hello.bin" "${grpc[@]}" "$h2c/greet.Greeter/SayHello" ;;
        grpc-stream)
            # One request is one call of GRPC_STREAM_MESSAGES streamed replies.
            load_h2load 64 16 "$seconds" "$out" -d "$RUN_TMP/grpc-hellos.bin" "${grpc[@]}" "$h2c/greet.Greeter/SayHellos" ;;
        h2c-post)
            # Fewer streams than h2c: each carries H2C_POST_BYTES each way.
            load_h2load 16 16 "$seconds" "$out" -d "$RUN_TMP/h2c-post.bin" "$h2c/echo" ;;
    esac >"$out" 2>&1
}

# wrk -t1 with $1 connections for $2 seconds running wrk/$3 against $4; the rest are wrk's arguments after the URL.
load_wrk() {
    local connections=$1 seconds=$2 script="$BENCH_DIR/wrk/$3" url=$4
    shift 4
    local extra=() args=()
    # wrk's -H options go before the URL; what follows "--" is the script's.
    while (($#)) && [[ $1 != -- ]]; do extra+=("$1"); shift; done
    args=("$@")
    if [[ -n $RATE ]]; then
        ZOKIO_BENCH_SCRIPT=$script ZOKIO_BENCH_RATE=$RATE "${CLIENT_PIN[@]}" wrk -t1 -c"$connections" -d"${seconds}s" \
            "${extra[@]}" -s "$BENCH_DIR/wrk/fixed-rate.lua" "$url" "${args[@]}"
    else
        "${CLIENT_PIN[@]}" wrk -t1 -c"$connections" -d"${seconds}s" "${extra[@]}" -s "$script" "$url" "${args[@]}"
    fi
}

# h2load -t1 with $1 clients of $2 streams each for $3 seconds, logging each request next to output file $4.
load_h2load() {
    local clients=$1 streams=$2 seconds=$3 out=$4
    shift 4
    local rate=()
    [[ -z $RATE ]] || rate=(--rps="$(awk -v r="$RATE" -v c="$clients" 'BEGIN { printf "%.3f", r / c }')")
    "${CLIENT_PIN[@]}" h2load -c"$clients" -m"$streams" -t1 -D "$seconds" "${rate[@]}" --log-file="$(request_log "$out")" "$@"
}

# Where h2load logs every request of load output $1. On tmpfs: written to the disk under RUN_TMP, that log capped
# h2load at ~60k req/s (a line per request), below what the servers answer, so every h2 ratio came out near 1.
request_log() {
    echo "$REQUEST_LOG_DIR/${1##*/}.requests"
}

# Parses a load run into L_* variables; returns 1 with FAIL_REASON on any error.
parse_load() {
    local scenario=$1 out=$2
    L_RPS="" L_P50_MS="" L_P99_MS="" L_ERRORS_JSON="{}"
    if [[ $H2_SCENARIOS == *" $scenario "* ]]; then
        parse_h2load "$out" || return 1
    else
        parse_wrk "$out" || return 1
    fi
    # A fixed-rate run compares latency at equal load only if every server really carried that load.
    if [[ -n $RATE ]] && awk -v got="$L_RPS" -v want="$RATE" 'BEGIN { exit !(got < 0.95 * want) }'; then
        FAIL_REASON="served $L_RPS req/s of the fixed $RATE: not an equal-load comparison (lower --rate below this server's maximum)"
        return 1
    fi
}

parse_wrk() {
    local out=$1 line kv
    line=$(grep -m1 '^ZOKIO_BENCH ' "$out") ||
        { FAIL_REASON="wrk printed no summary: $(tail -c 300 "$out" | tr '\n' ' ')"; return 1; }
    local -A w=()
    for kv in ${line#ZOKIO_BENCH }; do
        w[${kv%%=*}]=${kv#*=}
    done
    L_RPS=$(awk -v r="${w[requests]}" -v d="${w[duration_us]}" 'BEGIN { printf "%.1f", (d > 0) ? r / (d / 1e6) : 0 }')
    # -1 is report.lua's "wrk could not compute it"; it becomes null in the JSON.
    L_P50_MS=$(awk -v v="${w[p50_us]}" 'BEGIN { if (v >= 0) printf "%.3f", v / 1000 }')
    L_P99_MS=$(awk -v v="${w[p99_us]}" 'BEGIN { if (v >= 0) printf "%.3f", v / 1000 }')
    # invalid: responses a scenario script's response() check rejected (absent from scripts that check nothing).
    : "${w[invalid]:=0}"
    L_ERRORS_JSON=$(printf '{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,"invalid":%d}' \
        "${w[connect]}" "${w[read]}" "${w[write]}" "${w[timeout]}" "${w[status]}" "${w[invalid]}")
    local errors=$((w[connect] + w[read] + w[write] + w[timeout] + w[status] + w[invalid]))
    if ((errors > 0)); then
        FAIL_REASON="load errors: connect ${w[connect]}, read ${w[read]}, write ${w[write]}, timeout ${w[timeout]}, non-2xx/3xx ${w[status]}, invalid responses ${w[invalid]}"
        return 1
    fi
    if ((w[requests] == 0)); then
        FAIL_REASON="wrk completed no requests"
        return 1
    fi
}

parse_h2load() {
    local out=$1 line
    line=$(grep -m1 '^requests: ' "$out") ||
        { FAIL_REASON="h2load printed no summary: $(tail -c 300 "$out" | tr '\n' ' ')"; return 1; }
    # requests: T total, S started, D done, OK succeeded, F failed, E errored, TO timeout
    local total done ok failed errored timeout
    read -r total done ok failed errored timeout < <(awk '{ print $2, $6, $8, $10, $12, $14 }' <<<"$line")
    local s2 s3 s4 s5
    read -r s2 s3 s4 s5 < <(grep -m1 '^status codes: ' "$out" | awk '{ print $3, $5, $7, $9 }')
    L_RPS=$(grep -m1 '^finished in ' "$out" | awk '{ print $4 }')
    L_ERRORS_JSON=$(printf '{"failed":%d,"errored":%d,"timeout":%d,"status":%d}' \
        "$failed" "$errored" "$timeout" "$((s4 + s5))")

    # h2load prints only min/max/mean/sd, so take p50/p99 from its per-request log (3rd column, µs).
    local n=0 log
    log=$(request_log "$out")
    [[ -f $log ]] && n=$(wc -l <"$log")
    if ((n > 0)); then
        read -r L_P50_MS L_P99_MS < <(cut -f3 "$log" | sort -n | awk -v n="$n" '
            BEGIN { i50 = int(n * 0.50); if (i50 < 1) i50 = 1; i99 = int(n * 0.99); if (i99 < 1) i99 = 1 }
            NR == i50 { p50 = $1 } NR == i99 { p99 = $1; exit }
            END { printf "%.3f %.3f\n", p50 / 1000, p99 / 1000 }')
        rm -f "$log"  # millions of lines; the summary is what matters
    fi

    if ! grep -q '^Application protocol: h2' "$out"; then
        FAIL_REASON="h2load did not negotiate HTTP/2: $(grep -m1 -i 'protocol' "$out" || echo 'no protocol line')"
        return 1
    fi
    if ((failed + errored + timeout + s4 + s5 > 0)); then
        FAIL_REASON="h2load errors: failed $failed, errored $errored, timeout $timeout, 4xx $s4, 5xx $s5"
        return 1
    fi
    if ((ok == 0)); then
        FAIL_REASON="h2load completed no requests ($total total, $done done)"
        return 1
    fi
}

# --- many-connections ----------------------------------------------------------------------------

# Opens IDLE_CONNECTIONS nearly idle keep-alive connections (wrk/idle.lua) in batches no larger
# than the servers' listen backlog (Kestrel 512, nginx 511), waiting for the server to accept each
# batch. Opening all 10,000 at once overflows the accept queue; with SYN cookies the client then
# believes some connections are established that the server never accepted, and they stay so
# until the client next sends, so the server would never hold all of them.
open_idle_connections() {
    local out=$1 opened=0 batch n held=0 deadline
    IDLE_WRK_PIDS=()
    for ((batch = 0; opened < IDLE_CONNECTIONS; batch++)); do
        n=$((IDLE_CONNECTIONS - opened < IDLE_BATCH ? IDLE_CONNECTIONS - opened : IDLE_BATCH))
        "${CLIENT_PIN[@]}" wrk -t1 -c"$n" -d1h --timeout 30s -s "$BENCH_DIR/wrk/idle.lua" \
            "http://127.0.0.1:$H1_PORT/plaintext" -- "$n" >"$out.$batch" 2>&1 &
        IDLE_WRK_PIDS+=($!)
        opened=$((opened + n))
        deadline=$((SECONDS + IDLE_BATCH_TIMEOUT_S))
        until (((held = $(server_connections "$SERVER_PID")) >= opened)); do
            if ((SECONDS >= deadline)); then
                FAIL_REASON="server holds only $held of the $opened idle connections opened so far, ${IDLE_BATCH_TIMEOUT_S}s after the last batch of $n"
                return 1
            fi
            sleep 0.2
        done
    done
}

# SIGINT makes wrk stop and print its summary; every idle connection must have been served its
# first request without an error, or the RSS per connection would not be what it claims.
close_idle_connections() {
    local out=$1 pid batch=0 served=0 reason=""
    for pid in "${IDLE_WRK_PIDS[@]}"; do
        kill -INT "$pid" 2>/dev/null || true
    done
    for pid in "${IDLE_WRK_PIDS[@]}"; do
        local deadline=$((SECONDS + 10))
        while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        if [[ -z $reason ]] && ! parse_wrk "$out.$batch"; then
            reason="idle connections (batch $batch): $FAIL_REASON"
        fi
        served=$((served + $(grep -m1 -o 'requests=[0-9]*' "$out.$batch" | cut -d= -f2 || echo 0)))
        batch=$((batch + 1))
    done
    IDLE_WRK_PIDS=()
    [[ -n $reason ]] && { FAIL_REASON=$reason; return 1; }
    if ((served < IDLE_CONNECTIONS)); then
        FAIL_REASON="idle connections: only $served of $IDLE_CONNECTIONS were served their first request"
        return 1
    fi
}

# --- one measured run ----------------------------------------------------------------------------

# Prints "STEAL TOTAL": the ticks the hypervisor ran other guests on the server's CPU instead of this machine (the steal column
# of /proc/stat) and all its ticks; the server's core when pinned, every CPU otherwise. Steal is host noise made
# visible: the run lost that share of its core to another machine, and such a host usually slows the rest down too.
steal_ticks() {
    local cpu=cpu fields
    ((PINNED)) && cpu=cpu0
    read -r -a fields < <(grep -m1 "^$cpu " /proc/stat)
    # user nice system idle iowait irq softirq steal
    echo "${fields[8]} $((fields[1] + fields[2] + fields[3] + fields[4] + fields[5] + fields[6] + fields[7] + fields[8]))"
}

# Adds "key": number $2 to the JSON object in extra (run_one's).
add_extra() {
    [[ $extra == "{}" ]] && extra="{\"$1\":$2}" || extra="${extra%\}},\"$1\":$2}"
}

# Runs scenario $1 on server $2 for round $3 and appends one JSON object to RUNS_FILE.
run_one() {
    local scenario=$1 server=$2 round=$3
    local tag="$scenario.$server.r$round"
    local out="$RUN_TMP/$tag.load.txt"
    FAIL_REASON=""
    L_RPS="" L_P50_MS="" L_P99_MS="" L_ERRORS_JSON="{}"
    local cpu="" steal="" peak_rss="" extra="{}"

    if measure "$scenario" "$server" "$tag" "$out"; then
        report_line "$scenario" "$server" "$round" ok
    else
        report_line "$scenario" "$server" "$round" failed
        FAILED_RUNS+=("$scenario/$server round $round: $FAIL_REASON")
    fi
    stop_server

    local ok=true failure=null
    [[ -z $FAIL_REASON ]] || { ok=false; failure=$(json_str "$FAIL_REASON"); }
    [[ -z $steal ]] || add_extra steal_percent "$steal"
    [[ -z $RATE ]] || add_extra target_rps "$RATE"
    printf '{"scenario":"%s","server":"%s","round":%d,"ok":%s,"failure":%s,"requests_per_sec":%s,"latency_p50_ms":%s,"latency_p99_ms":%s,"errors":%s,"cpu_percent":%s,"peak_rss_mib":%s,"extra":%s}\n' \
        "$(scenario_label "$scenario")" "$server" "$round" "$ok" "$failure" "$(json_num "$L_RPS")" "$(json_num "$L_P50_MS")" \
        "$(json_num "$L_P99_MS")" "$L_ERRORS_JSON" "$(json_num "$cpu")" "$(json_num "$peak_rss")" "$extra" >>"$RUNS_FILE"
}

# The scenario as results name it: a fixed-rate run is another measurement than the full-speed one.
scenario_label() {
    if [[ -n $RATE ]]; then echo "$1@${RATE}rps"; else echo "$1"; fi
}

# Start, validate, warm up, measure, sample. Sets cpu/peak_rss/extra in run_one's scope.
measure() {
    local scenario=$1 server=$2 tag=$3 out=$4
    start_server "$server" "$scenario" "$tag" || return 1
    validate "$scenario" "$RUN_TMP/$tag.validate.txt" || return 1

    if ((WARMUP > 0)); then
        run_load "$scenario" "$WARMUP" "$RUN_TMP/$tag.warmup.txt" || true
        rm -f "$(request_log "$RUN_TMP/$tag.warmup.txt")"
    fi

    local idle_out="$RUN_TMP/$tag.idle.txt" rss_idle=0 rss_conns=0
    if [[ $scenario == many-connections ]]; then
        rss_idle=$(mem_kb VmRSS "$SERVER_PID")
        if ! open_idle_connections "$idle_out"; then
            local reason=$FAIL_REASON
            close_idle_connections "$idle_out" || true
            FAIL_REASON=$reason
            return 1
        fi
        # Let each connection's first request finish and the connect burst's SYN retransmits and
        # allocations die down before sampling RSS and measuring.
        sleep 3
        rss_conns=$(mem_kb VmRSS "$SERVER_PID")
    fi

    local ticks0 ticks1 t0 t1 steal0 steal1
    ticks0=$(cpu_ticks "$SERVER_PID")
    read -r -a steal0 < <(steal_ticks)
    t0=$(date +%s%N)
    run_load "$scenario" "$DURATION" "$out" || true  # judged by its summary, not its exit code
    t1=$(date +%s%N)
    ticks1=$(cpu_ticks "$SERVER_PID")
    read -r -a steal1 < <(steal_ticks)
    cpu=$(awk -v d="$((ticks1 - ticks0))" -v hz="$CLK_TCK" -v ns="$((t1 - t0))" 'BEGIN { printf "%.1f", (d / hz) / (ns / 1e9) * 100 }')
    steal=$(awk -v s="$((steal1[0] - steal0[0]))" -v t="$((steal1[1] - steal0[1]))" 'BEGIN { printf "%.1f", (t > 0 ? s / t * 100 : 0) }')
    peak_rss=$(awk -v kb="$(mem_kb VmHWM "$SERVER_PID")" 'BEGIN { printf "%.1f", kb / 1024 }')

    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        FAIL_REASON="$server died during the run: $(log_excerpt "$RUN_TMP/$tag.server.log")"
        SERVER_PID=""
        local reason=$FAIL_REASON
        [[ $scenario != many-connections ]] || close_idle_connections "$idle_out" || true
        FAIL_REASON=$reason
        return 1
    fi

    if [[ $scenario == many-connections ]]; then
        # Checked before the load is parsed: both go through parse_wrk, which sets L_*.
        close_idle_connections "$idle_out" || return 1
        extra=$(awk -v i="$rss_idle" -v c="$rss_conns" -v n="$IDLE_CONNECTIONS" 'BEGIN {
            printf "{\"idle_connections\":%d,\"rss_idle_mib\":%.1f,\"rss_with_connections_mib\":%.1f,\"rss_per_connection_kib\":%.2f}",
                n, i / 1024, c / 1024, (c - i) / n }')
    fi
    parse_load "$scenario" "$out"
}

report_line() {
    local scenario=$1 server=$2 round=$3 status=$4
    if [[ $status == ok ]]; then
        printf '  %-20s %-12s round %d: %10s req/s  p50 %8s ms  p99 %8s ms  cpu %5s%%  steal %4s%%  rss %6s MiB\n' \
            "$scenario" "$server" "$round" "$L_RPS" "$L_P50_MS" "$L_P99_MS" "$cpu" "$steal" "$peak_rss"
    else
        printf '  %-20s %-12s round %d: FAILED: %s\n' "$scenario" "$server" "$round" "$FAIL_REASON"
    fi
}

# --- JSON ----------------------------------------------------------------------------------------

json_str() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    printf '"%s"' "$(tr -d '\000-\037' <<<"$s")"
}

json_num() {
    if [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then printf '%s' "$1"; else printf 'null'; fi
}

tool_version() {
    "$@" 2>&1 | head -1 | tr -d '\r' || true
}

write_results() {
    local json=$1 scenarios_json servers_json scenario
    scenarios_json=$(for scenario in "${SCENARIOS[@]}"; do printf '"%s",' "$(scenario_label "$scenario")"; done)
    servers_json=$(printf '"%s",' "${SERVERS[@]}")
    {
        printf '{\n  "schema": 1,\n  "timestamp": "%s",\n' "$STAMP"
        printf '  "host": {"kernel": %s, "cpus": %d, "dotnet": %s, "wrk": %s, "h2load": %s, "nginx": %s, "postgresql": %s},\n' \
            "$(json_str "$(uname -r)")" "$(nproc)" "$(json_str "$(tool_version dotnet --version)")" \
            "$(json_str "$(tool_version wrk -v)")" "$(json_str "$( ((HAVE_H2LOAD)) && tool_version h2load --version)")" \
            "$(json_str "$(tool_version "$(nginx_bin)" -v)")" \
            "$(json_str "$([[ -n $DB_CONNECTION ]] && tool_version psql --version)")"
        printf '  "config": {"rounds": %d, "duration_s": %d, "warmup_s": %d, "pinned": %s, "app": %s, "idle_connections": %d, "rate": %s, "db_options": %s, "scenarios": [%s], "servers": [%s]},\n' \
            "$ROUNDS" "$DURATION" "$WARMUP" "$( ((PINNED)) && echo true || echo false)" "$(json_str "${APP_DLL#"$REPO_DIR"/}")" \
            "$IDLE_CONNECTIONS" "$(json_num "$RATE")" "$(json_str "$DB_OPTIONS")" "${scenarios_json%,}" "${servers_json%,}"
        printf '  "runs": [\n'
        sed '$!s/$/,/; s/^/    /' "$RUNS_FILE"
        printf '  ]\n}\n'
    } >"$json"
}

# --- main ----------------------------------------------------------------------------------------

servers_for() {
    local scenario=$1 server
    for server in "${SERVERS[@]}"; do
        [[ $server == nginx && $NGINX_SCENARIOS != *" $scenario "* ]] && continue
        echo "$server"
    done
}

main() {
    parse_args "$@"
    ensure_tools
    raise_fd_limit

    STAMP=$(date -u +%Y%m%dT%H%M%SZ)
    # Logs and load outputs of the latest run only (git-ignored), kept for reading failures.
    RUN_TMP="$RESULTS_DIR/tmp/$STAMP"
    rm -rf "$RESULTS_DIR/tmp"
    mkdir -p "$RUN_TMP"
    REQUEST_LOG_DIR=$RUN_TMP
    if [[ -d /dev/shm && -w /dev/shm ]]; then
        REQUEST_LOG_DIR=$(mktemp -d /dev/shm/zokio-bench.XXXXXX)
    fi
    RUNS_FILE="$RUN_TMP/runs.jsonl"
    : >"$RUNS_FILE"
    trap cleanup EXIT
    trap 'exit 130' INT TERM

    if ((PINNED)); then
        SERVER_PIN=(taskset -c 0)
        CLIENT_PIN=(taskset -c 1)
    else
        SERVER_PIN=()
        CLIENT_PIN=()
    fi

    build
    make_inputs
    start_database
    echo "Rounds $ROUNDS, warmup ${WARMUP}s, measure ${DURATION}s, $( ((PINNED)) && echo 'server on core 0, load on core 1' || echo unpinned)$([[ -z $DB_CONNECTION ]] || echo ', PostgreSQL with the load')$([[ -z $RATE ]] || echo ", fixed rate $RATE req/s")."

    local scenario round server
    for scenario in "${SCENARIOS[@]}"; do
        if [[ $H2_SCENARIOS == *" $scenario "* ]] && ((!HAVE_H2LOAD)); then
            echo "[$scenario] SKIPPED: h2load is not installed."
            continue
        fi
        echo "[$scenario]"
        for ((round = 1; round <= ROUNDS; round++)); do
            for server in $(servers_for "$scenario"); do
                run_one "$scenario" "$server" "$round"
            done
        done
    done

    mkdir -p "$RESULTS_DIR"
    local json="$RESULTS_DIR/$STAMP.json"
    write_results "$json"
    cp "$json" "$RESULTS_DIR/latest.json"
    dotnet "$BENCH_DIR/Zokio.BenchReport/bin/Release/net10.0/Zokio.BenchReport.dll" \
        "$json" "$RESULTS_DIR/latest.md" "$RESULTS_DIR/latest.png"
    echo
    cat "$RESULTS_DIR/latest.md"
    echo
    echo "Raw: $json   Table: $RESULTS_DIR/latest.md   Chart: $RESULTS_DIR/latest.png   Logs: $RUN_TMP"

    if ((${#FAILED_RUNS[@]})); then
        echo
        echo "FAILED runs (${#FAILED_RUNS[@]}):"
        printf '  %s\n' "${FAILED_RUNS[@]}"
        exit 1
    fi
}

# --- static: files through GET /files/{name} ------------------------------------------------------
# Self-contained: it adds its scenarios and wraps make_inputs, probe and run_load, leaving the rest of the script as
# it is. static-16k and static-1m fetch a 16 KiB and a 1 MiB file from samples/WebApi's GET /files/{name}: ZokioFile
# on the Zokio servers, Kestrel's Results.File on sockets (the sample's path where no loop runs). The servers find
# the folder through configuration in the environment (Files__Root), set once the files exist.
ALL_SCENARIOS+=(static-16k static-1m)

# Defines function $2 with the body of function $1, so $1 can be redefined around it.
copy_function() {
    local definition
    definition=$(declare -f "$1")
    eval "${definition/#$1/$2}"
}

copy_function make_inputs make_inputs_before_static
make_inputs() {
    make_inputs_before_static
    mkdir -p "$RUN_TMP/files"
    head -c 16384 /dev/urandom >"$RUN_TMP/files/16k.bin"
    head -c 1048576 /dev/urandom >"$RUN_TMP/files/1m.bin"
    export Files__Root="$RUN_TMP/files"
}

copy_function probe probe_before_static
probe() {
    case $1 in
        static-16k|static-1m)
            # Byte for byte: a wrong file would be measured just as fast.
            local name=${1#static-}.bin
            cmp -s <(curl -fsS --max-time 5 "http://127.0.0.1:$H1_PORT/files/$name") "$RUN_TMP/files/$name" ;;
        *) probe_before_static "$@" ;;
    esac
}

copy_function run_load run_load_before_static
run_load() {
    case $1 in
        static-16k|static-1m)
            load_wrk 64 "$2" get.lua "http://127.0.0.1:$H1_PORT/files/${1#static-}.bin" >"$3" 2>&1 ;;
        *) run_load_before_static "$@" ;;
    esac
}

main "$@"
