#!/usr/bin/env bash
# Generator throughput and memory at national scale, beside a baseline: reading the same bytes back
# (`wc -l` over the file written), i.e. what any consumer of the CSV pays at least.
# Run from the repository root with ../shared beside it:  bash bench/addresses/run.sh [COUNT...]
set -euo pipefail
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/guildhall-target}
cargo build --release -q -p addresses --example generate
bin=$CARGO_TARGET_DIR/release/examples/generate
out=${BENCH_OUT:-/tmp/guildhall-addresses.csv}
for count in "${@:-1000000 10000000 40000000}"; do
  for n in $count; do
    echo "== $n addresses, seed 1 -> $out"
    /usr/bin/time -f "max RSS %M KiB, wall %e s" "$bin" "$n" 1 "$out"
    ls -l "$out" | awk '{printf "file %.1f MiB\n", $5/1048576}'
    start=$(date +%s.%N); lines=$(wc -l < "$out"); end=$(date +%s.%N)
    echo "baseline: wc -l read $lines lines in $(echo "$end - $start" | bc) s"
  done
done
rm -f "$out"
