#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets) for the given seconds each (default 20: the test command's
# short run; use 600 or more for a real session). Needs the nightly toolchain and cargo-fuzz (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-20}
for target in callback_url id_token token_response options steps; do
  mkdir -p "corpus/$target"
  echo "== fuzz $target for ${seconds}s"
  log="target/fuzz-$target.log"
  mkdir -p target
  if ! cargo +nightly fuzz run -O "$target" "corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz: $target failed (a finding is saved under fuzz/artifacts/$target)" >&2
    exit 1
  fi
  grep -E "^Done [0-9]+ runs" "$log" || tail -n 3 "$log"
done
