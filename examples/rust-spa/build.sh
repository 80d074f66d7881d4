#!/usr/bin/env bash
# Builds the Rust SPA into dist/ (wasm-pack --target web, release, wasm-opt from npm binaryen).
# It shares the repository's target directory, so the spa-auth crate is not compiled twice.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="$root/target"
source ../../scripts/lib/example.sh
t=$(now)
wasm-pack --log-level warn build --release --target web --out-dir dist --out-name rust_spa --no-pack
rm -f dist/.gitignore
took "wasm-pack-build" "$t"
w=$(gzip -9c dist/rust_spa_bg.wasm | wc -c); j=$(gzip -9c dist/rust_spa.js | wc -c)
echo "rust-spa: wasm ${w} B + JS ${j} B gzip -9"
