#!/usr/bin/env bash
# Address search benchmark: our index vs PostgreSQL pg_trgm on the same generated addresses.
# Usage: bench/address-search/run.sh [ADDRESSES (default 1000000)] [QUERIES (default 2000)]
# Needs PostgreSQL with pg_trgm at BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres);
# a scratch database address_search_bench is created and dropped. BENCH_NO_PG=1 skips the baseline;
# BENCH_PG_QUERIES sets how many autocomplete queries PostgreSQL gets (default 500).
set -euo pipefail
cd "$(dirname "$0")/../../crates/address-search"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/guildhall-target}"
cargo build --release --example bench
exec "$CARGO_TARGET_DIR/release/examples/bench" "${1:-1000000}" "${2:-2000}"
