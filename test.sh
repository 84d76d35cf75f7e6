#!/usr/bin/env bash
# Zokio's test command: builds the solution, runs every test project with coverage, prints line coverage per
# project and one closing line "N passed, N failed" summed over all projects (from their TRX results).
set -uo pipefail
cd "$(dirname "$0")"

results="$(pwd)/TestResults"
rm -rf "$results"
mkdir -p "$results"

# Some tests need programs from Debian packages. Run as root, they install the missing ones with apt-get; otherwise
# they are skipped with the reason. Say so before, and list what was installed after.
installed_packages() { dpkg-query -W -f='${binary:Package}\n' 2>/dev/null | sort; }
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Running as root: tests install these Debian packages with apt-get when missing (and their dependencies):"
  echo "  chromium chromium-driver (the dashboard in a browser), podman runc jq curl (deploy/run-in-container.sh),"
  echo "  golang-go golang-github-opencontainers-specs-dev golang-golang-x-sys-dev (the seccomp profiles' bases),"
  echo "  python3-yaml (the Kubernetes manifests), postgresql (the database tests, through bench/db/setup.sh)."
  echo
fi
packages_before=$(installed_packages)

# Release builds run the same code the benchmarks measure; coverage works on it through the portable PDBs.
dotnet test Zokio.sln -c Release \
  --logger "trx" \
  --results-directory "$results" \
  --collect "XPlat Code Coverage" \
  -- RunConfiguration.TestSessionTimeout=1500000
status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done

echo
echo "Line coverage per project (all test projects merged):"
# ReportGenerator merges the Cobertura files of every test project: a line counts as covered if any test ran it.
if dotnet tool restore >/dev/null 2>&1 && dotnet reportgenerator \
     "-reports:$results/*/coverage.cobertura.xml" "-targetdir:$results/coverage" \
     "-reporttypes:TextSummary" >/dev/null 2>&1; then
  # The summary lists each assembly with its line coverage ("Zokio.Runtime   91.2%").
  grep -E '^Zokio\.' "$results/coverage/Summary.txt" | awk '{ printf "  %-20s %s\n", $1, $2 }'
else
  echo "  (coverage summary skipped: the ReportGenerator tool could not be restored)"
fi

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # dotnet test failed without a failing test (build error, crash): count it so the run is not mistaken for green.
  failed=1
fi

new_packages=$(comm -13 <(echo "$packages_before") <(installed_packages) | paste -sd ' ')
if [ -n "$new_packages" ]; then
  echo
  echo "Debian packages installed by this run: $new_packages"
fi

echo
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
