#!/usr/bin/env bash
# CPU profile of one server under one load, for explaining a benchmark ratio: the sample app pinned to core 0, the load
# pinned to core 1 (as bench/run.sh), `perf record -e cpu-clock` on the server with .NET's perf map, then the hottest
# symbols and the share per module (kernel, CoreLib, Kestrel, Zokio, ...).
#
# Usage: bench/profile.sh SERVER LOAD [SECONDS]
#   SERVER  zokio | zokio-epoll | zokio-loop | zokio-threadpool | sockets | zokio-server | zokio-server-epoll
#   LOAD    plaintext | plaintext-pipelined | json | connect-rate | limited-conn | h2c | h2-tls | grpc-unary | db | fortunes
#   SECONDS recorded (default 10), after a 10 s warm-up (ZOKIO_PROFILE_WARMUP; as run.sh, so the JIT is done)
# Environment: ZOKIO_DB (a connection string, for db and fortunes; bench/db/setup.sh prints one).
# Writes bench/results/tmp/profile-SERVER-LOAD.{txt,data}; prints the summary.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
SERVER=${1:?usage: bench/profile.sh SERVER LOAD [SECONDS]}
LOAD=${2:?usage: bench/profile.sh SERVER LOAD [SECONDS]}
SECONDS_RECORDED=${3:-10}
WARMUP_S=${ZOKIO_PROFILE_WARMUP:-10}
APP_DLL="$REPO_DIR/samples/WebApi/bin/Release/net10.0/WebApi.dll"
OUT="$BENCH_DIR/results/tmp/profile-$SERVER-$LOAD"
H1=http://127.0.0.1:18080
H2C=http://127.0.0.1:18081
mkdir -p "$(dirname "$OUT")"

command -v perf >/dev/null || { echo "profile.sh: perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
[[ -f $APP_DLL ]] || dotnet build -c Release "$REPO_DIR/samples/WebApi" -v q --nologo >/dev/null

args=()
case $SERVER in
    zokio) ;;
    zokio-epoll) args=(--Zokio:Backend=Epoll) ;;
    zokio-loop) args=(--Zokio:ApplicationScheduling=Loop) ;;
    zokio-threadpool) args=(--Zokio:ApplicationScheduling=ThreadPool) ;;
    sockets) args=(--Zokio:Enabled=false) ;;
    zokio-server) args=(--Zokio:Server=Zokio) ;;
    zokio-server-epoll) args=(--Zokio:Server=Zokio --Zokio:Backend=Epoll) ;;
    *) echo "profile.sh: unknown server $SERVER" >&2; exit 2 ;;
esac
[[ -z ${ZOKIO_DB:-} ]] || args+=(--ConnectionStrings:Db="$ZOKIO_DB")

cert_args=()
if [[ $LOAD == h2-tls ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 -keyout "$OUT.key" -out "$OUT.crt" 2>/dev/null
    openssl pkcs12 -export -inkey "$OUT.key" -in "$OUT.crt" -out "$OUT.pfx" -passout pass:p
    cert_args=(--Kestrel:Endpoints:h2tls:Url=https://127.0.0.1:18443 --Kestrel:Endpoints:h2tls:Protocols=Http2
               --Kestrel:Endpoints:h2tls:Certificate:Path="$OUT.pfx" --Kestrel:Endpoints:h2tls:Certificate:Password=p)
fi

DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 DOTNET_TC_CallCountingDelayMs=${ZOKIO_BENCH_CALL_COUNTING_DELAY_MS:-0} ASPNETCORE_ENVIRONMENT=Production taskset -c 0 dotnet "$APP_DLL" \
    --Kestrel:Endpoints:h1:Url=$H1 --Kestrel:Endpoints:h2c:Url=$H2C --Kestrel:Endpoints:h2c:Protocols=Http2 \
    "${cert_args[@]}" --Logging:LogLevel:Default=Warning "${args[@]}" >"$OUT.server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null $H1/plaintext && break; sleep 0.2; done

total=$((SECONDS_RECORDED + WARMUP_S))
grpc_frame="$OUT.grpc.bin"
printf '\x00\x00\x00\x00\x07\x0a\x05world' >"$grpc_frame"
case $LOAD in
    plaintext) taskset -c 1 wrk -t1 -c256 -d${total}s $H1/plaintext >"$OUT.load.txt" & ;;
    plaintext-pipelined) taskset -c 1 wrk -t1 -c256 -d${total}s -s "$BENCH_DIR/pipeline.lua" $H1/plaintext -- 16 >"$OUT.load.txt" & ;;
    json) taskset -c 1 wrk -t1 -c256 -d${total}s $H1/json >"$OUT.load.txt" & ;;
    connect-rate) taskset -c 1 wrk -t1 -c64 -d${total}s -H 'Connection: close' $H1/plaintext >"$OUT.load.txt" & ;;
    limited-conn) taskset -c 1 wrk -t1 -c256 -d${total}s -s "$BENCH_DIR/wrk/limited-conn.lua" $H1/plaintext -- 10 >"$OUT.load.txt" & ;;
    h2c) taskset -c 1 h2load -c64 -m16 -t1 -D $total $H2C/plaintext >"$OUT.load.txt" & ;;
    h2-tls) taskset -c 1 h2load -c64 -m16 -t1 -D $total https://127.0.0.1:18443/plaintext >"$OUT.load.txt" & ;;
    grpc-unary) taskset -c 1 h2load -c64 -m16 -t1 -D $total -d "$grpc_frame" -H 'content-type: application/grpc' \
                    -H 'te: trailers' $H2C/greet.Greeter/SayHello >"$OUT.load.txt" & ;;
    db) taskset -c 1 wrk -t1 -c256 -d${total}s $H1/db >"$OUT.load.txt" & ;;
    fortunes) taskset -c 1 wrk -t1 -c256 -d${total}s $H1/fortunes >"$OUT.load.txt" & ;;
    *) echo "profile.sh: unknown load $LOAD" >&2; exit 2 ;;
esac
load=$!
sleep "$WARMUP_S"
perf record -e cpu-clock -F 2999 -g -p $server -o "$OUT.data" -- sleep "$SECONDS_RECORDED" 2>/dev/null >/dev/null
wait $load

{
    echo "# $SERVER under $LOAD: $(grep -E 'Requests/sec|finished in' "$OUT.load.txt" | tr -s ' ' | head -2 | tr '\n' ' ')"
    echo "## share per module"
    perf report -i "$OUT.data" --no-children --sort dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -15
    echo "## share per component (managed code by assembly; runtime = coreclr, GC, stubs, libc)"
    perf report -i "$OUT.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | awk '
        { pct = $1; sub(/%/, "", pct); key = "other"
          if ($0 ~ /\[kernel/) key = "kernel"
          else if ($0 ~ /libcoreclr|libclrjit|ld-linux|libc\.so|JIT_|stub /) key = "runtime"
          else if (match($0, /\[(Npgsql|Grpc[A-Za-z.]*|Zokio[A-Za-z.]*|Microsoft\.AspNetCore[A-Za-z.]*|System\.[A-Za-z.]*)\]/)) key = substr($0, RSTART + 1, RLENGTH - 2)
          else if (match($0, /[A-Za-z.]+\.dll/)) key = substr($0, RSTART, RLENGTH - 4)
          sub(/^Zokio.*/, "Zokio", key); sub(/^Microsoft\.AspNetCore\.Server\.Kestrel.*/, "Kestrel", key)
          share[key] += pct }
        END { for (k in share) printf "%7.2f%%  %s\n", share[k], k }' | sort -rn | head -12
    echo "## hottest symbols (self)"
    perf report -i "$OUT.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -45
} | tee "$OUT.txt"
