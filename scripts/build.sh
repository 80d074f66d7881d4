#!/usr/bin/env bash
# Builds pkg/ (the npm package) from pkg-template/ and two wasm-pack builds of the crate:
#   pkg/bundler/  for bundlers (the package's main entry)
#   pkg/web/      for <script type="module"> on static sites (subpath "spa-auth/web")
# Release builds go through wasm-opt from npm binaryen (node_modules/.bin), never Debian's.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

profile=--release
[ "${1:-}" = "--dev" ] && profile=--dev

rm -rf pkg
mkdir -p pkg
for target in bundler web; do
  wasm-pack --log-level warn build $profile --target "$target" --out-dir "pkg/$target" --out-name spa_auth --no-pack
  # The AuthError class is a JS snippet that wasm-bindgen imports; export it from the entry module too.
  snippet=$(cd "pkg/$target" && find snippets -name auth_error.js | head -n 1)
  [ -n "$snippet" ] || { echo "build: auth_error.js snippet not found in pkg/$target" >&2; exit 1; }
  printf 'export { AuthError } from "./%s";\n' "$snippet" >> "pkg/$target/spa_auth.js"
  rm -f "pkg/$target/.gitignore" "pkg/$target/package.json" "pkg/$target/README.md"
done
cp -R pkg-template/. pkg/
cp LICENSE-MIT LICENSE-APACHE CHANGELOG.md pkg/

for target in bundler web; do
  w=$(gzip -9c "pkg/$target/spa_auth_bg.wasm" | wc -c)
  j=0; for f in "pkg/$target"/*.js; do j=$((j + $(gzip -9c "$f" | wc -c))); done
  echo "build: pkg/$target wasm ${w} B + JS ${j} B gzip -9 = $((w + j)) B"
done
