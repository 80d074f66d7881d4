#!/usr/bin/env bash
# Installs the packed spa-auth package (npm pack ../../pkg) and TypeScript here, for the type checks.
# Idempotent: npm install is skipped while node_modules matches package.json, package-lock.json and
# the tarball. Prints "timing: <step> <seconds> s" lines on stderr.
set -euo pipefail
cd "$(dirname "$0")"
pkg=../../pkg
now() { date +%s%N; }
took() { local ms=$(( ($(now) - $2) / 1000000 )); printf 'timing: %s %d.%03d s\n' "$1" $((ms / 1000)) $((ms % 1000)) >&2; }

[ -f "$pkg/package.json" ] && [ -f "$pkg/bundler/spa_auth.d.ts" ] && [ -f "$pkg/web/spa_auth.d.ts" ] \
  || { echo "types: $pkg is not built: run bash scripts/build.sh first" >&2; exit 1; }

t=$(now)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(cd "$pkg" && npm pack --silent --pack-destination "$tmp" 2>/dev/null | tail -n 1)
cmp -s "$tmp/$tarball" "$tarball" || cp "$tmp/$tarball" "$tarball"
took "npm-pack" "$t"

# Naming the tarball makes npm re-read it (a file: dependency alone reuses the cached integrity).
stamp=node_modules/.spa-auth-types-stamp
fingerprint() { cat package.json package-lock.json "$tarball" 2>/dev/null | sha256sum | cut -d' ' -f1; }
t=$(now)
if [ "$(cat "$stamp" 2>/dev/null)" != "$(fingerprint)" ]; then
  npm install --no-audit --no-fund --loglevel=error --save-dev "./$tarball"
  fingerprint > "$stamp"
  took "npm-install" "$t"
else
  took "npm-install-skipped" "$t"
fi
