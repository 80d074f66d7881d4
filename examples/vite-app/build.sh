#!/usr/bin/env bash
# Builds the example the way a new user would: pack the library (../../pkg) into a tarball,
# `npm install` it, `vite build` into dist/. Idempotent: npm install is skipped while node_modules
# matches package.json, package-lock.json and the tarball.
#   VITE_OIDC_ISSUER=... VITE_OIDC_CLIENT_ID=... bash examples/vite-app/build.sh
# Prints the time of each step on stderr ("timing: <step> <seconds>").
set -euo pipefail
cd "$(dirname "$0")"
source ../../scripts/lib/example.sh
require_pkg package.json bundler/spa_auth_bg.wasm

t=$(now)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(pack_library "$tmp")
cmp -s "$tmp/$tarball" "$tarball" || cp "$tmp/$tarball" "$tarball"
took "npm-pack" "$t"

install_tarball "$tarball" .spa-auth-example-stamp

t=$(now)
./node_modules/.bin/vite build --logLevel warn
took "vite-build" "$t"
