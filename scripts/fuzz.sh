#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ (cargo-fuzz, libFuzzer, nightly) for N seconds each (default 60),
# one at a time, one job, at the lowest priority. Not part of scripts/test.sh: an input that fails
# is kept under fuzz/artifacts/<target>/ and, once fixed, as a unit test in the crate it concerns.
#   scripts/fuzz.sh [seconds-per-target]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
log() { printf '\033[1;34m[fuzz]\033[0m %s\n' "$*" >&2; }

command -v cargo-fuzz >/dev/null || nice -n 19 cargo install cargo-fuzz --locked
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal

failed=()
for t in $(cargo +nightly fuzz list); do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  seeds=()
  [ -d "fuzz/seeds/$t" ] && seeds=("fuzz/seeds/$t")
  before=$(ls "fuzz/artifacts/$t" | wc -l)
  log "$t: ${secs}s"
  # -jobs=1 runs the fuzzer in a child whose output goes to ./fuzz-0.log
  nice -n 19 cargo +nightly fuzz run "$t" "fuzz/corpus/$t" "${seeds[@]}" -- \
    -max_total_time="$secs" -jobs=1 -workers=1 -rss_limit_mb=2048 -print_final_stats=1 || true
  mv -f fuzz-0.log "fuzz/artifacts/$t.log" 2>/dev/null || true
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' "fuzz/artifacts/$t.log" >&2 || true
  if [ "$(ls "fuzz/artifacts/$t" | wc -l)" -gt "$before" ] || grep -q '^SUMMARY' "fuzz/artifacts/$t.log"; then
    failed+=("$t")
    grep -E -A3 'panicked at|^SUMMARY' "fuzz/artifacts/$t.log" | head -20 >&2 || true
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  log "FAILED: ${failed[*]} (inputs in fuzz/artifacts/; replay: cargo +nightly fuzz run TARGET FILE)"
  exit 1
fi
log "no failures"
