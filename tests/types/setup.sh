#!/usr/bin/env bash
# Installs the packed spa-auth package (npm pack ../../pkg) and TypeScript here, for the type checks.
# Idempotent: npm install is skipped while node_modules matches package.json, package-lock.json and
# the tarball. Prints "timing: <step> <seconds> s" lines on stderr.
set -euo pipefail
cd "$(dirname "$0")"
source ../../scripts/lib/example.sh
require_pkg package.json bundler/spa_auth.d.ts web/spa_auth.d.ts

t=$(now)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(pack_library "$tmp")
cmp -s "$tmp/$tarball" "$tarball" || cp "$tmp/$tarball" "$tarball"
took "npm-pack" "$t"

install_tarball "$tarball" .spa-auth-types-stamp --save-dev
