#!/bin/sh
# Accepted notifications per second over HTTP and 201-to-hand-off latency, SQLite then PostgreSQL.
# Usage: bench/notifications/run.sh [requests] [concurrency]   (PostgreSQL at $PG or 127.0.0.1:5432)
set -eu
N=${1:-5000}
C=${2:-32}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/guildhall-target}
cargo build --release -p notifications --example bench_accept
BIN=$CARGO_TARGET_DIR/release/examples/bench_accept
DIR=$(mktemp -d)
"$BIN" "sqlite://$DIR/bench.sqlite" "$N" "$C"
rm -rf "$DIR"
psql "$PG/postgres" -qc "CREATE DATABASE guildhall_notify_bench"
"$BIN" "$PG/guildhall_notify_bench" "$N" "$C" || true
psql "$PG/postgres" -qc "DROP DATABASE guildhall_notify_bench WITH (FORCE)"
