//! `inipay`: the KG INICIS sandbox, its triggers, the payment ledger and the
//! reconciliation report at a terminal.
//!
//! ```text
//! inipay sandbox [--port N] [--faults FILE]        run the local INICIS until Ctrl-C
//! inipay trigger deposit ORDER_OR_TID [--sandbox URL] [--times N]
//!                                                   deposit into a virtual account, print what the app answered
//! inipay ledger show ORDER_OR_TID [--db URL]       one payment
//! inipay ledger list --state S [--since TIME] [--limit N] [--db URL]
//!                                                   payments in a state, oldest first
//! inipay ledger messages ORDER [--raw] [--db URL]  the order's journal, masked (--raw: bodies decoded, still masked)
//! inipay reconcile [--resolve] [--db URL]          what needs a person; --resolve settles what can be settled
//! inipay refund ORDER [--amount N] [--reason R] [--yes]
//!                                                   an operator's refund through the flow
//! inipay replay MESSAGE_ID --to URL [--db URL]    re-deliver a journaled notification to an app
//! inipay doctor                                    check the INICIS_* configuration, one line per check
//! ```
//!
//! Every read command takes `--json` and then prints exactly one JSON
//! document on stdout; otherwise it prints a table for people. Diagnostics go
//! to stderr.
//!
//! The ledger is named by `--db URL` or the environment variable
//! `INIPAY_DATABASE_URL`: `sqlite:PATH` (the file must exist) or
//! `postgres://user@host:port/database`. It is opened through
//! `inipay_core::ledger` (`SqliteStore`, `PostgresStore`), which applies the
//! ledger's embedded migrations on open, like the application does.
//! Passwords in a URL are never printed.
//!
//! # Exit codes
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done |
//! | 1 | failure: unknown order or TID, the sandbox or database unreachable, the sandbox refused, the app did not answer `OK` to a notification |
//! | 2 | usage or configuration error: unknown argument, bad `--db` URL, missing SQLite file, unreadable `--faults` file |
//!
//! # Privacy
//!
//! `ledger messages` prints [`JournalEntry::masked`] (card, phone and
//! account numbers, names and e-mail masked by the ledger) and, with
//! `--raw`, the stored body decoded with its charset, masked again before it
//! is printed (bodies journaled before the ledger's migration 4 were stored
//! unmasked); never the body's SHA-256 digest (with the masked text at hand,
//! the digest would give the hidden digits away to a brute-force search).
//! `replay` posts the journaled body as stored (masked).
//! `trigger deposit` never prints the virtual account number.
//!
//! # Not yet here
//!
//! `reconcile --resolve` and `refund` build a flow from the same
//! `INICIS_*` configuration `doctor` checks (`--db` overrides
//! `INICIS_LEDGER_URL`). From issue 15, progress bars and
//! the `trigger noti|cancel|expire` kinds (and `--shuffle`) are left for
//! later. `trigger deposit --times` is limited to 2:
//! the sandbox can deliver a notification once more (its `duplicate_noti`
//! fault), not N times.
//!
//! [`JournalEntry::masked`]: inipay_core::ledger::JournalEntry::masked

mod cli;
mod db;
mod doctor;
mod error;
mod ledger;
mod operate;
mod replay;
mod sandbox;
mod table;
mod trigger;

use clap::Parser as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("inipay: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("inipay: {}", error::report(&e));
            ExitCode::from(e.exit_code())
        }
    }
}
