#!/usr/bin/env bash
# Puts the library's web build beside index.html, as a static-site user would: take web/ out of the
# packed npm tarball (npm pack ../../pkg) into ./spa-auth/. Idempotent: an unchanged build changes nothing.
# Then serve this folder with any static server that sends .wasm as application/wasm, e.g.
#   python3 -m http.server 8080 --bind 127.0.0.1 --directory examples/static-site
set -euo pipefail
cd "$(dirname "$0")"
source ../../scripts/lib/example.sh
require_pkg package.json web/spa_auth_bg.wasm

t=$(now)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(pack_library "$tmp")
tar -xzf "$tmp/$tarball" -C "$tmp" package/web
if ! diff -rq "$tmp/package/web" spa-auth >/dev/null 2>&1; then
  rm -rf spa-auth
  cp -R "$tmp/package/web" spa-auth
  took "copy-web-build" "$t"
else
  took "copy-web-build-unchanged" "$t"
fi
