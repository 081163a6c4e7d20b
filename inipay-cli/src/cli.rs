//! The command-line grammar (clap derive) and the dispatch to each command.

use crate::error::CliError;
use clap::{Args, Parser, Subcommand};
use inipay_core::ledger::PaymentState;
use std::path::PathBuf;

/// Exit codes: 0 done, 1 failure (unknown order, unreachable service, the
/// app did not answer OK), 2 usage or configuration error.
#[derive(Debug, Parser)]
#[command(
    name = "inipay",
    version,
    about = "KG INICIS at the terminal: the sandbox, triggers, the payment ledger and reconciliation",
    after_help = "Exit codes: 0 done, 1 failure (unknown order, unreachable service, app did not answer OK), 2 usage or configuration error."
)]
pub struct Cli {
    /// Print one JSON document on stdout instead of a table.
    #[arg(long, global = true)]
    pub json: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the local INICIS sandbox in the foreground until Ctrl-C.
    Sandbox(SandboxArgs),
    /// Make a running sandbox send something to the app.
    #[command(subcommand)]
    Trigger(Trigger),
    /// Read the payment ledger.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// The reconciliation report: what needs a person.
    Reconcile {
        /// Settle what can be settled (the reconciler's own round: parked
        /// notifications and refunds by inquiry, net-cancel retries, stuck
        /// approvals, expired virtual accounts), with the `INICIS_*`
        /// configuration, and print each action.
        #[arg(long)]
        resolve: bool,
        /// The ledger (default with --resolve: `INICIS_LEDGER_URL`).
        #[command(flatten)]
        db: DbArg,
    },
    /// An operator's refund through the flow (checked against the ledger,
    /// journaled), with the `INICIS_*` configuration; asks for confirmation
    /// unless --yes.
    Refund {
        /// The order id.
        #[arg(value_name = "ORDER")]
        order: String,
        /// Refund this many won (부분취소); the whole remaining amount when
        /// absent (전체취소).
        #[arg(long)]
        amount: Option<u64>,
        /// The reason sent to INICIS.
        #[arg(long, default_value = "operator refund")]
        reason: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// The ledger (default: `INICIS_LEDGER_URL`).
        #[command(flatten)]
        db: DbArg,
    },
    /// Check the configuration in the `INICIS_*` environment variables (the
    /// library's own loader): keys, public URL, notification sources,
    /// ledger, gateway hosts; one line per check, exit 1 when one fails.
    Doctor {
        /// Do not look up or contact the gateway's hosts (the check says
        /// "not checked").
        #[arg(long)]
        offline: bool,
    },
    /// Re-deliver a journaled notification to an app (after fixing a bug
    /// in it, say), byte for byte as journaled (personal data masked), and
    /// print what the app answered.
    Replay(ReplayArgs),
}

/// `inipay replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The journal message id (`inipay ledger messages ORDER` lists them).
    #[arg(value_name = "MESSAGE_ID")]
    pub id: i64,
    /// Where to post it: the app's notification URL (`P_NOTI_URL`). The
    /// app's notification source allow-list applies: replay from an address
    /// it accepts (a test app, or a host INICIS's list names).
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// The ledger.
    #[command(flatten)]
    pub db: DbArg,
}

/// `inipay sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// TCP port on 127.0.0.1 (0 = any free port).
    #[arg(long, short, default_value_t = 8081)]
    pub port: u16,
    /// A JSON file of faults to inject at start: an array of
    /// `{"endpoint": "approval", "fault": {"kind": "http500"}, "count": 1}`
    /// (the body of `POST /sandbox/api/faults`).
    #[arg(long, value_name = "FILE")]
    pub faults: Option<PathBuf>,
}

/// `inipay trigger ...`.
#[derive(Debug, Subcommand)]
pub enum Trigger {
    /// Deposit into a waiting virtual account and deliver the `P_STATUS=02`
    /// notification to the app.
    Deposit(DepositArgs),
}

/// `inipay trigger deposit`.
#[derive(Debug, Args)]
pub struct DepositArgs {
    /// The virtual account's TID (`INIMX_VBNK...`) or its order id.
    #[arg(value_name = "ORDER_OR_TID")]
    pub target: String,
    /// Base URL of the running sandbox.
    #[arg(
        long,
        env = "INIPAY_SANDBOX_URL",
        default_value = "http://127.0.0.1:8081",
        value_name = "URL"
    )]
    pub sandbox: String,
    /// Deliver the notification this many times (1 or 2; 2 sends a duplicate
    /// even after `OK`).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub times: u8,
}

/// `--db URL`.
#[derive(Debug, Args)]
pub struct DbArg {
    /// The ledger: `sqlite:PATH` or `postgres://user@host:port/database`.
    #[arg(long, env = "INIPAY_DATABASE_URL", value_name = "URL")]
    pub db: Option<String>,
}

/// `inipay ledger ...`.
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// One payment, by order id or TID (approval or authentication).
    Show {
        /// Order id or TID.
        #[arg(value_name = "ORDER_OR_TID")]
        key: String,
        /// The ledger.
        #[command(flatten)]
        db: DbArg,
    },
    /// Payments in a state, oldest first.
    List {
        /// The state: created, authenticated, approved, declined,
        /// cancelled_by_user, net_cancelled, failed, vbank_issued,
        /// vbank_deposited, vbank_expired, partially_refunded, refunded.
        #[arg(long, value_parser = parse_state)]
        state: PaymentState,
        /// Only payments changed at or after this time, in KST:
        /// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DDTHH:MM:SS`.
        #[arg(long, value_parser = parse_since, value_name = "TIME")]
        since: Option<inipay_core::time::Timestamp>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// The ledger.
        #[command(flatten)]
        db: DbArg,
    },
    /// The journal of an order (masked bodies only).
    Messages {
        /// The order id.
        #[arg(value_name = "ORDER")]
        order: String,
        /// Also show each stored body decoded with its charset (card, phone
        /// and account numbers still masked).
        #[arg(long)]
        raw: bool,
        /// The ledger.
        #[command(flatten)]
        db: DbArg,
    },
}

/// A KST time: `YYYY-MM-DD`, optionally followed (by a space or `T`) by
/// `HH:MM` or `HH:MM:SS`.
fn parse_since(s: &str) -> Result<inipay_core::time::Timestamp, String> {
    let bad = || format!("{s:?}: expected YYYY-MM-DD[ HH:MM[:SS]] (KST)");
    let (date, time) = match s.trim().split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t)),
        None => (s.trim(), None),
    };
    let num = |v: Option<&str>, lo: u32, hi: u32| -> Result<u32, String> {
        let v = v.ok_or_else(bad)?;
        if v.is_empty() || v.len() > 4 || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: u32 = v.parse().map_err(|_| bad())?;
        if (lo..=hi).contains(&n) {
            Ok(n)
        } else {
            Err(bad())
        }
    };
    let mut d = date.split('-');
    let year = num(d.next(), 2000, 9999)?;
    let month = num(d.next(), 1, 12)?;
    let day = num(d.next(), 1, 31)?;
    if d.next().is_some() {
        return Err(bad());
    }
    let (hour, minute, second) = match time {
        None => (0, 0, 0),
        Some(t) => {
            let mut p = t.split(':');
            let h = num(p.next(), 0, 23)?;
            let m = num(p.next(), 0, 59)?;
            let sec = match p.next() {
                Some(v) => num(Some(v), 0, 59)?,
                None => 0,
            };
            if p.next().is_some() {
                return Err(bad());
            }
            (h, m, sec)
        }
    };
    Ok(inipay_core::time::Timestamp::from_kst(
        i64::from(year),
        month,
        day,
        hour,
        minute,
        second,
    ))
}

fn parse_state(s: &str) -> Result<PaymentState, String> {
    PaymentState::parse(s).ok_or_else(|| {
        let names: Vec<&str> = PaymentState::ALL.iter().map(|s| s.as_str()).collect();
        format!("unknown state (one of: {})", names.join(", "))
    })
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let json = cli.json;
    match cli.command {
        Command::Sandbox(a) => crate::sandbox::run(a).await,
        Command::Trigger(Trigger::Deposit(a)) => crate::trigger::deposit(a, json).await,
        Command::Ledger(LedgerCommand::Show { key, db }) => {
            let l = crate::db::open(db.db.as_deref()).await?;
            crate::ledger::show(l.as_ref(), &key, json).await
        }
        Command::Ledger(LedgerCommand::List {
            state,
            since,
            limit,
            db,
        }) => {
            let l = crate::db::open(db.db.as_deref()).await?;
            crate::ledger::list(l.as_ref(), state, since, limit, json).await
        }
        Command::Ledger(LedgerCommand::Messages { order, raw, db }) => {
            let l = crate::db::open(db.db.as_deref()).await?;
            crate::ledger::messages(l.as_ref(), &order, raw, json).await
        }
        Command::Reconcile { resolve: true, db } => {
            crate::operate::resolve(db.db.as_deref(), json).await
        }
        Command::Reconcile { resolve: false, db } => {
            let l = crate::db::open(db.db.as_deref()).await?;
            crate::ledger::reconcile(l.as_ref(), json).await
        }
        Command::Refund {
            order,
            amount,
            reason,
            yes,
            db,
        } => crate::operate::refund(&order, amount, &reason, yes, db.db.as_deref(), json).await,
        Command::Doctor { offline } => crate::doctor::run(offline, json).await,
        Command::Replay(a) => {
            let l = crate::db::open(a.db.db.as_deref()).await?;
            crate::replay::run(l.as_ref(), a.id, &a.to, json).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn since_is_a_kst_date_or_date_and_time() {
        let t = |s| parse_since(s).map(|t| t.kst_compact());
        assert_eq!(t("2024-01-01"), Ok("20240101000000".into()));
        assert_eq!(t("2024-01-01 09:30"), Ok("20240101093000".into()));
        assert_eq!(t("2024-12-31T23:59:59"), Ok("20241231235959".into()));
        for bad in [
            "",
            "2024",
            "2024-13-01",
            "2024-01-01 24:00",
            "2024-01-01 9:3:1:0",
            "yesterday",
            "2024-01-01x",
        ] {
            assert!(parse_since(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn states_parse_by_stored_name() {
        assert_eq!(parse_state("vbank_issued"), Ok(PaymentState::VbankIssued));
        assert!(parse_state("paid").unwrap_err().contains("vbank_deposited"));
    }

    #[test]
    fn times_is_one_or_two() {
        let ok = Cli::try_parse_from(["inipay", "trigger", "deposit", "T", "--times", "2"]);
        assert!(ok.is_ok());
        let e = Cli::try_parse_from(["inipay", "trigger", "deposit", "T", "--times", "3"]);
        assert_eq!(e.unwrap_err().exit_code(), 2);
    }
}
