#!/bin/sh
# Service engine submissions per second end to end (HTTP request → application started, page
# answered, submitted: two register checks under consent, the decision, the case, the approval
# email enqueued) beside a trivial axum handler on the same machine, on SQLite and (with
# GUILDHALL_TEST_POSTGRES_URL set) PostgreSQL. Prints both rates, their ratio, and the bench
# process's CPU time per request. Built with the release profile; 64 clients by default, so
# that the engine's group commits have concurrent writes to share.
#
#   bench/services.sh [SECONDS] [CLIENTS]
set -eu
cd "$(dirname "$0")/.."
exec cargo run -q --release -p guildhall --example services_bench -- "${1:-10}" "${2:-64}"
