#!/usr/bin/env bash
# Point -> areas: the areas crate's in-memory view against PostGIS (GiST on whole polygons and on
# ST_Subdivide'd pieces), on real Scottish council areas and English wards with real postcode points.
# Installs PostGIS 3 for PostgreSQL 15 if it is missing; uses a scratch database `areas_bench` on
# BENCH_POSTGIS_URL (default postgres://postgres@127.0.0.1:5432/postgres), created and dropped.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! psql "${BENCH_POSTGIS_URL:-postgres://postgres@127.0.0.1:5432/postgres}" -tAc \
    "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'" | grep -q 1; then
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y postgresql-15-postgis-3
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/guildhall-target}"
cargo run --release -p areas --example bench_point_lookup
