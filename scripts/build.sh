#!/usr/bin/env bash
# Builds pkg/ (the npm package) from pkg-template/ and two wasm-pack builds of the crate's core (feature `js`,
# without the Rust driver), each with the JavaScript driver (src/js/driver.js) as its entry module:
#   pkg/bundler/  for bundlers (the package's main entry)
#   pkg/web/      for <script type="module"> on static sites (subpath "spa-auth/web"; `init()` loads the wasm)
# Release builds go through wasm-opt from npm binaryen (node_modules/.bin), never Debian's.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

profile=--release
[ "${1:-}" = "--dev" ] && profile=--dev

# Size: with the machine's nightly toolchain (and its rust-src, added by scripts/setup.sh), a release build
# rebuilds std with panics that abort at once, so no panic message or formatting code ships (-13% gzip), without
# panic locations (source paths) or Debug output (-464 B; nothing user-visible is written with Debug).
# Without it, or if that build fails, the stable build is used; both are tested the same way.
nightly_ready() {
  rustup run nightly rustc --version >/dev/null 2>&1 \
    && rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src' \
    && rustup target list --toolchain nightly --installed 2>/dev/null | grep -qx wasm32-unknown-unknown
}
# Without the reference-types and multi-value target features (on by default since Rust 1.82), wasm-bindgen keeps
# JavaScript values in a table of its glue instead of an externref table in the wasm, and returns pairs through
# memory: wasm -972 B, JS +358 B gzip (bundler build, 2026-12-01; README "Size history"). The features stay available to the browser.
WASM_FEATURES="-Ctarget-feature=-reference-types,-multivalue"
# wasm-opt for release builds. --low-memory-unused: Rust's wasm32 layout puts the stack first, so the low 1 KiB of
# memory is never data (-753 B gzip with --converge and --strip-producers). --flatten --rereloop -Oz -Oz: the control
# flow rebuilt by Binaryen's relooper and optimized again (-641 B gzip; about 6 s more per build).
WASM_OPT=(-Oz --low-memory-unused --converge --strip-producers --flatten --rereloop -Oz -Oz --enable-bulk-memory
  --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals)
build() { # TARGET [CARGO ARGS...]
  local target=$1
  shift
  RUSTFLAGS="${RUSTFLAGS:-$WASM_FEATURES}" wasm-pack --log-level warn build $profile --target "$target" --out-dir "pkg/$target" --out-name spa_auth_core --no-pack . \
    -- --no-default-features --features js "$@"
}
build_small() { # TARGET
  RUSTUP_TOOLCHAIN=nightly RUSTFLAGS="$WASM_FEATURES -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none" CARGO_TARGET_DIR=target/nightly \
    build "$1" -Z build-std=std,panic_abort
}
small=no
[ "$profile" = --release ] && nightly_ready && small=yes

web_entry() { # DIR SNIPPET: the web build's single entry module, on standard output
  local dir=$1 snippet=$2
  sed 's/^export class /class /' "$dir/$snippet"
  sed -e '/^import { AuthError } from /d' -e 's/^export class /class /' -e 's/^export function /function /' \
    -e 's/^export { initSync, __wbg_init as default };$/export { initSync, __wbg_init as default };/' "$dir/spa_auth_core.js"
  sed -e 's/^export //' "$dir/webcrypto.js"
  sed -e '/^import {$/,/^} from "\.\/spa_auth_core\.js";$/d' -e '/^import { AuthError } from /d' \
    -e '/^import { .* } from "\.\/webcrypto\.js";$/d' "$dir/driver.js"
}

rm -rf pkg
mkdir -p pkg
for target in bundler web; do
  if [ "$small" = yes ] && ! build_small "$target"; then
    echo "build: the nightly build-std build failed; using the stable build" >&2
    small=no
  fi
  [ "$small" = yes ] || build "$target"
  if [ "$profile" = --release ]; then
    # The closure invokers nothing can call out of the function table (scripts/lib/closed-table.mjs), then wasm-opt.
    node scripts/lib/closed-table.mjs "pkg/$target/spa_auth_core_bg.wasm"
    wasm-opt "${WASM_OPT[@]}" "pkg/$target/spa_auth_core_bg.wasm" -o "pkg/$target/spa_auth_core_bg.wasm"
  fi
  # Short import and export names in the .wasm and its glue (-1 KB gzip; scripts/lib/short-names.mjs).
  [ "$profile" = --release ] && node scripts/lib/short-names.mjs "pkg/$target" "$target"
  # What no page can reach out of wasm-bindgen's glue (scripts/lib/trim-glue.mjs).
  if [ "$profile" = --release ]; then
    glue=pkg/$target/spa_auth_core.js
    [ "$target" = bundler ] && glue=pkg/$target/spa_auth_core_bg.js
    node scripts/lib/trim-glue.mjs "$glue"
  fi
  # The wasm keeps its published name (spa_auth_bg.wasm) for servers, bundlers and apps that name it.
  mv "pkg/$target/spa_auth_core_bg.wasm" "pkg/$target/spa_auth_bg.wasm"
  mv "pkg/$target/spa_auth_core_bg.wasm.d.ts" "pkg/$target/spa_auth_bg.wasm.d.ts"
  sed -i 's/spa_auth_core_bg\.wasm/spa_auth_bg.wasm/g' "pkg/$target"/spa_auth_core*.js
  # The entry module: the driver, importing the core and the AuthError snippet (wasm-bindgen names its folder).
  snippet=$(cd "pkg/$target" && find snippets -name auth_error.js | head -n 1)
  [ -n "$snippet" ] || { echo "build: auth_error.js snippet not found in pkg/$target" >&2; exit 1; }
  sed "s#__AUTH_ERROR__#./$snippet#" src/js/driver.js > "pkg/$target/driver.js"
  cp src/browser/webcrypto.js "pkg/$target/webcrypto.js"
  [ "$target" = web ] && cp "pkg/$target/spa_auth_core.d.ts" "pkg/$target/spa_auth_core.d.ts.keep"
  cp src/js/spa_auth.d.ts "pkg/$target/spa_auth.d.ts"
  if [ "$target" = web ]; then
    # One module for a page to load (no import waterfall before init()): the AuthError class, wasm-bindgen's
    # glue with its exports made internal, then the driver without its imports.
    web_entry "pkg/$target" "$snippet" > "pkg/$target/spa_auth.js"
    rm -r "pkg/$target/driver.js" "pkg/$target/webcrypto.js" "pkg/$target/spa_auth_core.js" "pkg/$target/spa_auth_core.d.ts" "pkg/$target/snippets"
    # init()'s declarations, as wasm-bindgen wrote them.
    sed -n '/^export type InitInput/,$p' "pkg/$target/spa_auth_core.d.ts.keep" >> "pkg/$target/spa_auth.d.ts"
    rm "pkg/$target/spa_auth_core.d.ts.keep"
  else
    printf 'export * from "./driver.js";\n' > "pkg/$target/spa_auth.js"
  fi
  rm -f "pkg/$target/.gitignore" "pkg/$target/package.json" "pkg/$target/README.md"
  # Every JS file the page loads, minified (esbuild, per file, no bundling: imports and export names stay), with
  # an external source map beside it for the browser's devtools: -6.7 KB gzip for the web build.
  if [ "$profile" = --release ]; then
    for f in $(find "pkg/$target" -name '*.js'); do
      esbuild "$f" --minify --format=esm --sourcemap --log-level=warning --outfile="$f" --allow-overwrite
    done
  fi
done
cp -R pkg-template/. pkg/
cp LICENSE-MIT LICENSE-APACHE CHANGELOG.md pkg/
cp docs/API.md pkg/API.md

for target in bundler web; do
  w=$(gzip -9c "pkg/$target/spa_auth_bg.wasm" | wc -c)
  # Every JS file the page loads: the entry, the driver, wasm-bindgen's glue and the AuthError snippet.
  j=0; for f in $(find "pkg/$target" -name '*.js'); do j=$((j + $(gzip -9c "$f" | wc -c))); done
  echo "build: pkg/$target wasm ${w} B + JS ${j} B gzip -9 = $((w + j)) B (immediate-abort std: $small)"
done
