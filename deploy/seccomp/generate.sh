#!/usr/bin/env bash
# Writes Zokio's seccomp profiles, one per container engine: that engine's default profile plus one rule allowing the
# three io_uring system calls (io_uring_setup, io_uring_enter, io_uring_register), and nothing else changed.
#
#   deploy/seccomp/generate.sh                   the bases (kept in bases/) and the three profiles below, from the Debian
#                                                packages named here
#   deploy/seccomp/generate.sh --check           whether the kept bases still match a fresh extraction
#   deploy/seccomp/generate.sh --bases DIR       only the bases, as DIR/docker.json, DIR/containerd.json, DIR/podman.json
#   deploy/seccomp/generate.sh ENGINE BASE_FILE  one profile (ENGINE: docker, containerd or podman) from your own base,
#                                                e.g. moby's profiles/seccomp/default.json at your Docker's version
#
# Where each base comes from (all Debian 12 "bookworm" packages, fetched with apt-get download; no other network):
#   zokio-docker.json      moby's default, profiles/seccomp/default.json, from golang-github-docker-docker-dev
#                          20.10.24+dfsg1-1+deb12u1 (/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/
#                          default.json): the profile Debian's docker.io 20.10.24 compiles in. Docker's format: rules may
#                          depend on capabilities (includes/excludes caps), which dockerd resolves per container.
#   zokio-containerd.json  containerd's RuntimeDefault (what Kubernetes' RuntimeDefault means on containerd nodes), which
#                          containerd builds in code: DefaultProfile in contrib/seccomp/seccomp_default.go of
#                          golang-github-containerd-containerd-dev 1.6.20~ds1-1+deb12u3, run here with Go for this
#                          machine's architecture, a kernel of 4.8 or later, and no capabilities (the Kubernetes manifest
#                          drops ALL; with none, the capability-gated rules are left out, as containerd does). OCI
#                          runtime-spec format, the only one containerd reads for a Localhost profile: it ignores Docker's
#                          includes/excludes/archMap, so a Docker-format profile there would allow every
#                          capability-gated call (mount, unshare, setns, bpf...) to every container.
#   zokio-podman.json      Podman's and CRI-O's default, /usr/share/containers/seccomp.json from
#                          golang-github-containers-common 0.50.1+ds1-4 (Podman 4.3).
# Docker 20.10 to 24 and containerd 1.6 and 1.7 still allowed io_uring in their defaults; Docker 25.0 (moby/moby#46762)
# and containerd 2.0 (containerd/containerd#9320) removed exactly these three names. The script removes them wherever the
# base has them and adds them back as one rule of their own, so each profile is the current engines' default (the
# removal applied) plus io_uring, and the test (test/Zokio.EndToEnd.Tests/SeccompProfileTests.cs) can compare it with
# its base rule by rule.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

docker_package=golang-github-docker-docker-dev=20.10.24+dfsg1-1+deb12u1
containerd_package=golang-github-containerd-containerd-dev=1.6.20~ds1-1+deb12u3
containers_common_package=golang-github-containers-common=0.50.1+ds1-4
# What the containerd generator imports, besides containerd's own source.
go_packages=(golang-go golang-github-opencontainers-specs-dev golang-golang-x-sys-dev)
io_uring='["io_uring_enter", "io_uring_register", "io_uring_setup"]'

need() { command -v "$1" >/dev/null || { echo "$1 is needed: apt-get install $2" >&2; exit 1; }; }

# Downloads one package (name=version) into $work and unpacks it there; prints the unpacked root.
unpack() {
  local spec=$1 name=${1%%=*}
  (cd "$work" && apt-get download -q "$spec" >/dev/null 2>"$work/$name.err") ||
    { echo "apt-get download $spec failed: $(tail -n 2 "$work/$name.err") (apt-get update first; if Debian has moved on, pass the new version here and regenerate)" >&2; exit 1; }
  dpkg-deb -x "$work/${name}"_*.deb "$work/$name"
  echo "$work/$name"
}

bases() { # DIR: writes docker.json, containerd.json, podman.json
  local out=$1 root
  mkdir -p "$out"
  root=$(unpack "$docker_package")
  cp "$root/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json" "$out/docker.json"
  root=$(unpack "$containers_common_package")
  cp "$root/usr/share/containers/seccomp.json" "$out/podman.json"

  need go "${go_packages[*]}"
  for package in "${go_packages[@]:1}"; do
    dpkg -s "$package" >/dev/null 2>&1 || { echo "$package is needed: apt-get install ${go_packages[*]}" >&2; exit 1; }
  done
  root=$(unpack "$containerd_package")
  mkdir -p "$work/generator"
  cat > "$work/generator/main.go" <<'EOF'
// Prints containerd's RuntimeDefault seccomp profile for a container with no capabilities.
package main

import (
	"encoding/json"
	"os"

	"github.com/containerd/containerd/contrib/seccomp"
	"github.com/opencontainers/runtime-spec/specs-go"
)

func main() {
	spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{}}}
	if err := json.NewEncoder(os.Stdout).Encode(seccomp.DefaultProfile(spec)); err != nil {
		panic(err)
	}
}
EOF
  # GOPATH mode over Debian's Go source packages: containerd's from the download, its imports from the system.
  (cd "$work/generator" && GO111MODULE=off GOFLAGS= GOCACHE="$work/gocache" \
    GOPATH="$root/usr/share/gocode:/usr/share/gocode" go run main.go) > "$out/containerd.json"
}

profile() { # BASE_FILE: prints the base with the io_uring calls removed from its rules, then allowed by one rule
  jq --indent 2 --argjson calls "$io_uring" '
    .syscalls = ([.syscalls[] | .names -= $calls | select(.names | length > 0)] + [{
      "names": $calls,
      "action": "SCMP_ACT_ALLOW"
    }])' "$1"
}

need jq jq
work=$(mktemp -d /tmp/zokio-seccomp.XXXXXX)
trap 'rm -rf "$work"' EXIT

case "${1:-}" in
  --bases)
    [ -n "${2:-}" ] || { echo "usage: $0 --bases DIR" >&2; exit 2; }
    bases "$2"
    echo "wrote the bases to $2"
    ;;
  docker|containerd|podman)
    [ -r "${2:-}" ] || { echo "usage: $0 $1 BASE_FILE" >&2; exit 2; }
    profile "$2" > "$here/zokio-$1.json"
    echo "wrote $here/zokio-$1.json from $2"
    ;;
  --check)
    # The kept bases (what the profiles and their test are built from) against a fresh extraction.
    need apt-get apt
    bases "$work/bases"
    for engine in docker containerd podman; do
      diff -q <(jq -S . "$here/bases/$engine.json") <(jq -S . "$work/bases/$engine.json") >/dev/null ||
        { echo "bases/$engine.json differs from a fresh extraction: run $0 and review the diff" >&2; exit 1; }
    done
    echo "the kept bases match a fresh extraction"
    ;;
  "")
    need apt-get apt
    bases "$here/bases"
    for engine in docker containerd podman; do
      profile "$here/bases/$engine.json" > "$here/zokio-$engine.json"
      echo "wrote bases/$engine.json and zokio-$engine.json"
    done
    ;;
  *)
    echo "usage: $0 [--check | --bases DIR | docker|containerd|podman BASE_FILE]" >&2
    exit 2
    ;;
esac
