#!/usr/bin/env bash
# Writes deploy/seccomp/zokio.json: a container engine's default seccomp profile plus one rule that allows the three
# io_uring system calls (io_uring_setup, io_uring_enter, io_uring_register), and nothing else changed.
#
#   deploy/seccomp/generate.sh [DEFAULT_PROFILE]
#
# DEFAULT_PROFILE defaults to /usr/share/containers/seccomp.json, the default profile of Podman and CRI-O (Debian
# package golang-github-containers-common), which follows Docker's default list; Docker (since 25.0), containerd and
# Podman all leave io_uring out of their defaults. Regenerate from the default of the engine your nodes run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
default=${1:-/usr/share/containers/seccomp.json}
[ -r "$default" ] || { echo "no default profile at $default (apt-get install golang-github-containers-common, or pass the path)" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is needed: apt-get install jq" >&2; exit 1; }

jq --indent 2 '.syscalls += [{
    "names": ["io_uring_enter", "io_uring_register", "io_uring_setup"],
    "action": "SCMP_ACT_ALLOW",
    "comment": "Zokio: io_uring event loops; without these Zokio falls back to epoll"
  }]' "$default" > "$here/zokio.json"
echo "wrote $here/zokio.json from $default"
