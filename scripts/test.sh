#!/usr/bin/env bash
# Every test, in three layers, after installing what they need (idempotent):
#   1. native cargo test (pure core), and a short cargo-fuzz run of each target   2. wasm-pack test in headless Chromium (browser shell)
#   3. the release build end to end in Chromium (Playwright) against a local OpenID provider.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver

# The contract shipped as docs/API.md (and in the npm package) is the project's, word for word.
if [ -f ../shared/API.md ] && ! cmp -s ../shared/API.md docs/API.md; then
  echo "docs/API.md differs from ../shared/API.md: copy the contract over (cp ../shared/API.md docs/API.md)" >&2
  exit 1
fi

echo "== layer 1: native tests"
cargo test --quiet

echo "== layer 1b: short fuzzing run (about 20 s per target)"
bash scripts/fuzz.sh 20

echo "== layer 2: browser tests (wasm-pack, headless Chromium)"
wasm-pack --log-level warn test --headless --chrome -- --features js

echo "== layer 3: release build, end to end"
bash scripts/build.sh
node --test --test-concurrency=1 tests/e2e/
