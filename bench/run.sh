#!/usr/bin/env bash
# Side-by-side load benchmark: Zokio (io_uring), Zokio (epoll), Kestrel Sockets and nginx on loopback, following the
# project's measuring protocol (bench/README.md). This script installs the load tools and starts the driver,
# bench/Zokio.Bench, which holds the scenarios, servers, rounds, measurement and results.
#
# Usage: bench/run.sh [--rounds N] [--duration S] [--warmup S] [--unpinned]
#                     [--servers zokio,zokio-epoll,sockets,nginx] [--rate REQ_PER_S]
#                     [--db-options 'Npgsql;Options'] [scenario...]
# `bench/run.sh --help` says what each option does and which environment variables it reads.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DRIVER_DLL="$BENCH_DIR/Zokio.Bench/bin/Release/net10.0/Zokio.Bench.dll"

die() {
    echo "run.sh: $*" >&2
    exit 1
}

have_tool() {
    command -v "$1" >/dev/null || [[ -x /usr/sbin/$1 ]]
}

# Installs what is missing when root; otherwise says exactly what to install. h2load alone is optional: without it
# the driver skips the HTTP/2 scenarios with a printed reason.
ensure_tools() {
    local -A package_of=([wrk]=wrk [h2load]=nghttp2-client [nginx]=nginx-light [taskset]=util-linux)
    local missing=() tool
    for tool in "${!package_of[@]}"; do
        have_tool "$tool" || missing+=("${package_of[$tool]}")
    done
    if ((${#missing[@]})) && ((EUID == 0)); then
        echo "Installing ${missing[*]} ..."
        apt-get update -qq >/dev/null || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
            echo "warning: apt-get install ${missing[*]} failed" >&2
        missing=()
        for tool in "${!package_of[@]}"; do
            have_tool "$tool" || missing+=("${package_of[$tool]}")
        done
    fi
    local required=("${missing[@]/nghttp2-client/}")
    if [[ -n ${required[*]// /} ]]; then
        echo "run.sh: missing tools. Install them with:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
}

command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is not on PATH."

# Up to date in seconds; built first because it checks the command line before anything is installed.
echo "Building bench/Zokio.Bench (Release) ..."
build_log=$(mktemp)
if ! dotnet build -c Release "$BENCH_DIR/Zokio.Bench" -nologo -v quiet >"$build_log" 2>&1; then
    tail -30 "$build_log" >&2
    rm -f "$build_log"
    die "building bench/Zokio.Bench failed."
fi
rm -f "$build_log"

# Exit 3: the usage was printed; 2: the command line is wrong (the driver said why).
status=0
dotnet "$DRIVER_DLL" --check "$@" || status=$?
case $status in
    0) ;;
    3) exit 0 ;;
    *) exit "$status" ;;
esac

ensure_tools
# many-connections holds 10,000 sockets in the server and 10,000 in wrk; the driver warns if the limit stays lower.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec dotnet "$DRIVER_DLL" "$@"
