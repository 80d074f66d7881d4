#!/usr/bin/env bash
# The demo: a local OpenID provider, a protected API and the www/ SPA on 127.0.0.1, after set-up and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec node scripts/demo.mjs
