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

# Size: with the machine's nightly toolchain (and its rust-src, added by scripts/setup.sh), a release build
# rebuilds std with panics that abort at once, so no panic message or formatting code ships (-13% gzip).
# Without it, or if that build fails, the stable build is used; both are tested the same way.
nightly_ready() {
  rustup run nightly rustc --version >/dev/null 2>&1 \
    && rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src' \
    && rustup target list --toolchain nightly --installed 2>/dev/null | grep -qx wasm32-unknown-unknown
}
build() { # TARGET [CARGO ARGS...]
  local target=$1
  shift
  wasm-pack --log-level warn build $profile --target "$target" --out-dir "pkg/$target" --out-name spa_auth --no-pack . "$@"
}
build_small() { # TARGET
  RUSTUP_TOOLCHAIN=nightly RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" CARGO_TARGET_DIR=target/nightly \
    build "$1" -- -Z build-std=std,panic_abort
}
small=no
[ "$profile" = --release ] && nightly_ready && small=yes

rm -rf pkg
mkdir -p pkg
for target in bundler web; do
  if [ "$small" = yes ] && ! build_small "$target"; then
    echo "build: the nightly build-std build failed; using the stable build" >&2
    small=no
  fi
  [ "$small" = yes ] || build "$target"
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
  echo "build: pkg/$target wasm ${w} B + JS ${j} B gzip -9 = $((w + j)) B (immediate-abort std: $small)"
done
