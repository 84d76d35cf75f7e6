#!/usr/bin/env bash
# Long run of the HTTP/1 differential fuzz: COUNT mutated requests from SEED, each sent to Kestrel (Sockets) and to
# Zokio's server (io_uring and epoll in turn), and fed to Zokio's parser in-process (whole and in random pieces). Prints the number of cases, the differences and the
# shapes of Kestrel's answers. Usage: eng/fuzz-http1.sh [COUNT] [SEED]   (defaults: 20000, a seed from the clock)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-20000}"
seed="${2:-$(date +%s)}"
echo "fuzzing $count cases from seed $seed"
dotnet build -c Release test/Zokio.Http.Tests >/dev/null
ZOKIO_HTTP1_FUZZ_COUNT="$count" ZOKIO_HTTP1_FUZZ_SEED="$seed" dotnet test -c Release test/Zokio.Http.Tests --no-build \
  --filter "FullyQualifiedName~Http1FuzzTests" --logger "console;verbosity=detailed" 2>&1 \
  | sed -n "/ cases, /p; /Kestrel's answers/p; /Error Message/,/Stack Trace/p; /Passed!/p; /Failed!/p" | awk '!seen[$0]++'
