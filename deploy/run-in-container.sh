#!/usr/bin/env bash
# Checks the seccomp choice for real, without pulling an image: publishes samples/WebApi, builds a root filesystem
# folder from the published app and this machine's .NET runtime, and runs it with podman twice:
#   1. with the engine's default seccomp profile: expects Zokio on epoll, and the log line saying why;
#   2. with deploy/seccomp/zokio-podman.json (Podman's default plus io_uring): expects Zokio on io_uring.
# It is also the check to use where base images cannot be pulled (offline, air-gapped): it needs podman, runc and the
# .NET SDK of this machine, nothing from a registry. No container is left behind: each one is removed on exit.
# Each run serves /healthz and /plaintext on loopback (host network, a port the kernel picks), then stops on SIGTERM.
#
#   deploy/run-in-container.sh           both runs
#   deploy/run-in-container.sh --probe   only whether this machine can run a container at all
#
# Exit status: 0 as expected; 1 a check failed; 3 the container engine cannot run here (the reason is printed).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${ZOKIO_CONTAINER_WORK:-$(mktemp -d /tmp/zokio-container.XXXXXX)}
containers=()

say() { printf '%s\n' "$*"; }
cannot_run() { say "CANNOT RUN HERE: $*"; exit 3; }
fail() { say "FAIL: $*"; exit 1; }

cleanup() {
  local name
  for name in "${containers[@]}"; do podman rm -f -t 0 "$name" >/dev/null 2>&1; done
  [ -n "${ZOKIO_CONTAINER_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

command -v podman >/dev/null || cannot_run "podman is not installed (apt-get install podman runc)"

# crun (podman's default runtime on Debian) refuses hosts with a hybrid cgroup v1/v2 layout; runc handles them.
runtime_args=()
if command -v runc >/dev/null; then runtime_args=(--runtime runc); fi

# podman 4.3 ignores --ulimit with --rootfs and asks for 1048576 open files, which a process without
# CAP_SYS_RESOURCE cannot raise its limit to; its containers.conf default_ulimits is honoured, so set them there.
hard_nofile=$(ulimit -Hn)
[ "$hard_nofile" = unlimited ] && hard_nofile=1048576
printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=4096:4096"]\n' "$hard_nofile" "$hard_nofile" > "$work/containers.conf"
export CONTAINERS_CONF="$work/containers.conf"

# Copies each file with the shared libraries it links against, keeping their paths.
copy_with_libraries() {
  local root=$1; shift
  local file lib
  for file in "$@"; do
    mkdir -p "$root$(dirname "$file")"
    cp -L "$file" "$root$file"
    for lib in $(ldd "$file" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*'); do
      [ -e "$root$lib" ] && continue
      mkdir -p "$root$(dirname "$lib")"
      cp -L "$lib" "$root$lib"
    done
  done
}

# Callers add the name to containers before they call this: it may run in a background subshell (&), whose changes to
# the array the cleanup trap would never see.
run_container() { # name, then podman run options, then --rootfs DIR COMMAND...
  local name=$1; shift
  podman "${runtime_args[@]}" run --name "$name" --network host --read-only --user 65534:65534 -e HOME=/tmp "$@"
}

# --- can this machine run a container at all? (a two-file root filesystem running /bin/true) ---
probe=$work/probe
copy_with_libraries "$probe" "$(type -P true)"
containers+=("zokio-probe-$$")
probe_log=$(run_container "zokio-probe-$$" --rm --rootfs "$probe" "$(type -P true)" 2>&1)
probe_status=$?
if [ $probe_status -ne 0 ]; then
  cannot_run "podman ${runtime_args[*]} could not start a container: $(tail -n 3 <<<"$probe_log")"
fi
say "podman ${runtime_args[*]} runs containers here."
[ "${1:-}" = --probe ] && exit 0

# --- the root filesystem: the published app plus the host's .NET runtime and the libraries they load ---
rootfs=$work/rootfs
mkdir -p "$rootfs/app" "$rootfs/tmp" "$rootfs/etc"
say "Publishing samples/WebApi..."
dotnet publish "$repo/samples/WebApi/WebApi.csproj" -c Release -o "$rootfs/app" --nologo -v quiet >"$work/publish.log" 2>&1 ||
  fail "dotnet publish failed: $(tail -n 20 "$work/publish.log")"
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
mkdir -p "$rootfs/usr/share/dotnet/shared"
cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$rootfs/usr/share/dotnet/"
cp -a "$dotnet_root/shared/Microsoft.NETCore.App" "$dotnet_root/shared/Microsoft.AspNetCore.App" "$rootfs/usr/share/dotnet/shared/"
# libssl and libcrypto are loaded with dlopen (ldd cannot see them); the rest are linked.
copy_with_libraries "$rootfs" "$dotnet_root/dotnet" $(find "$rootfs/usr/share/dotnet" -name '*.so' | sed "s|^$rootfs||;s|^/usr/share/dotnet|$dotnet_root|") \
  $(ls /usr/lib/x86_64-linux-gnu/libssl.so.3 /usr/lib/x86_64-linux-gnu/libcrypto.so.3 2>/dev/null)
printf 'root:x:0:0::/root:/bin/false\nnobody:x:65534:65534::/tmp:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
chmod 1777 "$rootfs/tmp"
say "Root filesystem: $(du -sh "$rootfs" | cut -f1) in $rootfs"

# --- one run: start, wait for the listening line, request, check the backend, stop with SIGTERM ---
check_run() { # label, expected backend, then podman options
  local label=$1 expected=$2; shift 2
  local name="zokio-$label-$$" log="$work/$label.log" url="" i
  say ""
  say "== $label: expecting $expected"
  containers+=("$name")
  run_container "$name" "$@" --rootfs "$rootfs" /usr/share/dotnet/dotnet /app/WebApi.dll \
    --contentRoot /app \
    --Kestrel:Endpoints:h1:Url=http://127.0.0.1:0 --Kestrel:Endpoints:h2c:Url=http://127.0.0.1:0 >"$log" 2>&1 &
  for i in $(seq 1 600); do
    url=$(grep -oE 'WebApi listening on http://127\.0\.0\.1:[0-9]+' "$log" | grep -oE 'http://[^ ,]+' | head -n 1)
    [ -n "$url" ] && break
    podman container exists "$name" 2>/dev/null || [ $i -lt 50 ] || break
    sleep 0.1
  done
  [ -n "$url" ] || fail "$label: the app did not start listening; its log: $(tail -n 30 "$log")"
  local health plaintext
  health=$(curl -fsS --max-time 10 "$url/healthz") || fail "$label: GET /healthz failed"
  plaintext=$(curl -fsS --max-time 10 "$url/plaintext") || fail "$label: GET /plaintext failed"
  [ "$health" = Healthy ] || fail "$label: /healthz answered '$health'"
  [ "$plaintext" = "Hello, World!" ] || fail "$label: /plaintext answered '$plaintext'"
  local stop_started=$SECONDS
  podman stop -t 20 "$name" >/dev/null 2>&1
  wait
  say "(stopped in $((SECONDS - stop_started)) s)"
  sed 's/^/    /' "$log"
  grep -q "Zokio started [0-9]* event loop(s) on $expected" "$log" || fail "$label: the log does not say Zokio started on $expected"
  if [ "$expected" = Epoll ]; then
    grep -q "Zokio is using epoll because io_uring is unavailable: io_uring_setup is blocked by a seccomp filter" "$log" ||
      fail "$label: the log does not say that the seccomp filter made it choose epoll"
  fi
  grep -q "Application is shutting down" "$log" || fail "$label: the app did not shut down on SIGTERM"
  podman rm -f -t 0 "$name" >/dev/null 2>&1
  say "OK: $label served /healthz and /plaintext on $expected and stopped on SIGTERM."
}

check_run default-seccomp Epoll
check_run zokio-seccomp IoUring --security-opt "seccomp=$repo/deploy/seccomp/zokio-podman.json"
say ""
say "Both runs behaved as expected."
