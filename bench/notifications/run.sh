#!/bin/sh
# Accepted notifications per second over HTTP (201 = committed) beside a trivial axum handler,
# and 201-to-hand-off latency p50/p99, SQLite then PostgreSQL.
# Usage: bench/notifications/run.sh [requests] [concurrency]   (PostgreSQL at $PG or 127.0.0.1:5432)
set -eu
N=${1:-20000}
C=${2:-128}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/guildhall-target}
cargo build --release -p notifications --example bench_accept
BIN=$CARGO_TARGET_DIR/release/examples/bench_accept
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
DIR=$(mktemp -d)
"$BIN" "sqlite://$DIR/bench.sqlite" "$N" "$C"
rm -rf "$DIR"
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS guildhall_notify_bench WITH (FORCE)"
psql "$PG/postgres" -qc "CREATE DATABASE guildhall_notify_bench"
"$BIN" "$PG/guildhall_notify_bench" "$N" "$C" || true
psql "$PG/postgres" -qc "DROP DATABASE guildhall_notify_bench WITH (FORCE)"
