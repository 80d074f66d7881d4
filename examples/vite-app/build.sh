#!/usr/bin/env bash
# Builds the example the way a new user would: pack the library (../../pkg) into a tarball,
# `npm install` it, `vite build` into dist/. Idempotent: npm install is skipped while node_modules
# matches package.json, package-lock.json and the tarball.
#   VITE_OIDC_ISSUER=... VITE_OIDC_CLIENT_ID=... bash examples/vite-app/build.sh
# Prints the time of each step on stderr ("timing: <step> <seconds>").
set -euo pipefail
cd "$(dirname "$0")"
pkg=../../pkg
now() { date +%s%N; }
took() { local ms=$(( ($(now) - $2) / 1000000 )); printf 'timing: %s %d.%03d s\n' "$1" $((ms / 1000)) $((ms % 1000)) >&2; }

[ -f "$pkg/package.json" ] && [ -f "$pkg/bundler/spa_auth_bg.wasm" ] \
  || { echo "vite-app: $pkg is not built: run bash scripts/build.sh first" >&2; exit 1; }

# 1. npm pack (deterministic: the same pkg/ gives the same bytes, so an unchanged build changes nothing).
t=$(now)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(cd "$pkg" && npm pack --silent --pack-destination "$tmp" 2>/dev/null | tail -n 1)
cmp -s "$tmp/$tarball" "$tarball" || cp "$tmp/$tarball" "$tarball"
took "npm-pack" "$t"

# 2. npm install, only when something changed. Naming the tarball makes npm re-read it (with a
#    file: dependency alone, npm trusts the integrity in package-lock.json and may reuse its cache).
stamp=node_modules/.spa-auth-example-stamp
fingerprint() { cat package.json package-lock.json "$tarball" 2>/dev/null | sha256sum | cut -d' ' -f1; }
t=$(now)
if [ "$(cat "$stamp" 2>/dev/null)" != "$(fingerprint)" ]; then
  npm install --no-audit --no-fund --loglevel=error "./$tarball"
  fingerprint > "$stamp"
  took "npm-install" "$t"
else
  took "npm-install-skipped" "$t"
fi

# 3. vite build.
t=$(now)
./node_modules/.bin/vite build --logLevel warn
took "vite-build" "$t"
