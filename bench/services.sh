#!/bin/sh
# Service engine submissions per second end to end (HTTP request → application started, page
# answered, submitted: two register checks under consent, the decision, the case, the approval
# email enqueued) beside a trivial axum handler on the same machine, on SQLite and (with
# GUILDHALL_TEST_POSTGRES_URL set) PostgreSQL. Prints both rates and their ratio.
#
#   bench/services.sh [SECONDS] [CLIENTS]
set -eu
cd "$(dirname "$0")/.."
exec cargo run -q -p guildhall --example services_bench -- "${1:-10}" "${2:-8}"
