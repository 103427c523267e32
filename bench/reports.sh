#!/usr/bin/env bash
# Report a problem at GB scale: reports routed per second (point -> areas -> bodies -> rules), and
# routed, stored and queued per second (one transaction each, one at a time and BENCH_CONCURRENCY at
# once), over the real English wards, Scottish council areas and a nested parish layer, with real
# Code-Point postcode points. SQLite always; PostgreSQL too when GUILDHALL_TEST_POSTGRES_URL is set
# (a fresh database, dropped afterwards). BENCH_REPORTS (default 5000) points. Figures: bench/reports.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/guildhall-target}"
export GUILDHALL_TEST_POSTGRES_URL="${GUILDHALL_TEST_POSTGRES_URL-postgres://postgres@127.0.0.1:5432/postgres}"
cargo run --release -p reports --example gb_route_bench
