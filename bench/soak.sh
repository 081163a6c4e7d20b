#!/usr/bin/env bash
# Fault soak (issue 13): the flow behind the Actix adapter, a real sandbox on
# 127.0.0.1 and a durable SQLite ledger, driven by concurrent buyers through
# every mobile method, billing keys (card and phone) with charges, and
# refunds, while faults are injected at random (approval timeouts, 500s,
# garbled and tampered replies, failing net cancels, inquiries, billing
# windows and charges, duplicate / re-ordered / forged notifications, forged
# and replayed billing-key results, app restarts graceful and hard with the
# ledger reopened). Then the loose ends are settled as production settles
# them and every money invariant is checked against the sandbox's own
# transaction record (see the doc comment of tests/src/bin/soak.rs).
#
#   bench/soak.sh [--seconds N] [--buyers N] [--seed N]   # defaults 30, 8, 1
#
# The last line is exactly `soak: P payments, F faults, V violations`
# (P = gateway transactions); the exit status is 1 when V > 0, 2 when the
# soak could not run. Violations and a summary go to stderr. Not a test:
# CI does not run it. Release build; about N seconds plus the build and a
# few seconds of settling.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p inipay-tests --bin soak
exec target/release/soak "$@"
