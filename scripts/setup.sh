#!/usr/bin/env bash
# Installs everything the demo and the tests need on a fresh Debian 12 machine of this kind.
# Idempotent: each step checks first and skips what is already there (a cargo install costs minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_PACK_VERSION=0.15.1
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen crate in Cargo.lock (and examples/rust-spa's pin)

step() { printf '\n== setup: %s\n' "$*"; }

have_version() { command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -q "$2"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The smaller release build (scripts/build.sh) rebuilds std with the machine's nightly toolchain, when there is one.
if rustup run nightly rustc --version >/dev/null 2>&1; then
  if ! rustup component list --toolchain nightly --installed | grep -q '^rust-src'; then
    step "rust-src for the nightly toolchain"
    rustup component add rust-src --toolchain nightly
  fi
  if ! rustup target list --toolchain nightly --installed | grep -qx wasm32-unknown-unknown; then
    step "wasm32 target for the nightly toolchain"
    rustup target add wasm32-unknown-unknown --toolchain nightly
  fi
fi

if ! have_version wasm-pack "$WASM_PACK_VERSION"; then
  step "wasm-pack $WASM_PACK_VERSION (a few minutes)"
  cargo install wasm-pack --version "=$WASM_PACK_VERSION" --locked
fi

if ! have_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
  step "wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes)"
  # Not --locked: the registry mirror lacks one of its locked dependencies.
  cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION"
fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  step "cargo-fuzz (a few minutes; fuzzing uses the machine's nightly toolchain)"
  cargo install cargo-fuzz --locked
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  step "Chromium and chromedriver (Debian packages)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# wasm-opt from npm binaryen (Debian's binaryen breaks the output), the test OpenID provider, the browser driver.
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/oidc-provider ] || [ ! -d node_modules/playwright-core ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm packages (binaryen, oidc-provider, playwright-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi

step "ready"
