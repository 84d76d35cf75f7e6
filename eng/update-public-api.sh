#!/usr/bin/env bash
# Writes each shipped project's PublicAPI.Unshipped.txt from its current public surface, for the public-API analyzer
# (Microsoft.CodeAnalysis.PublicApiAnalyzers), whose code fix cannot be applied from the command line. Run it after a
# deliberate change to the public API and review the diff; PublicAPI.Shipped.txt is left alone (move lines there when a
# version is released). Symbols removed from the shipped list are reported, not fixed: that is a breaking change.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
for project in src/*/*.csproj; do
  dir=$(dirname "$project")
  unshipped="$dir/PublicAPI.Unshipped.txt"
  printf '#nullable enable\n' > "$unshipped"
  # RS0016 names each public symbol missing from the files, in the files' own format.
  log=$(dotnet build "$project" -c Release --no-incremental -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= 2>&1 || true)
  # Only this project's warnings: the build of its references reports theirs too.
  mine=$(grep -F "[$(pwd)/$project]" <<<"$log" || true)
  grep -oE "warning RS0016: Symbol '[^']+'" <<<"$mine" \
    | sed -E "s/^warning RS0016: Symbol '(.*)'$/\1/" \
    | LC_ALL=C sort -u >> "$unshipped"
  if grep -q "warning RS0017" <<<"$mine"; then
    echo "$dir: symbols in PublicAPI.Shipped.txt no longer exist (a breaking change; mark them *REMOVED* by hand):" >&2
    grep -oE "warning RS0017: [^[]+" <<<"$mine" | LC_ALL=C sort -u >&2
    status=1
  fi
  echo "$unshipped: $(($(wc -l < "$unshipped") - 1)) symbol(s)"
done
exit $status
