#!/usr/bin/env bash
# Ledger throughput beside a bare single-row insert loop on the same database
# (SQLite WAL + synchronous=FULL, and PostgreSQL with synchronous_commit=on).
# Bounded: about 4 x SECONDS of measurement plus setup. Not a test.
#   bench/ledger.sh [--seconds N] [--skip-postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --release -q -p inipay-core --features postgres --example ledger_bench -- "$@"
