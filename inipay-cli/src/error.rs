//! Why a command failed, and the exit code that tells a script.

use inipay_core::ledger::LedgerError;
use std::error::Error as _;

/// Why a command failed. [`CliError::exit_code`] maps it to 1 (failure) or
/// 2 (usage or configuration).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The configuration is wrong (exit 2).
    #[error("{0}")]
    Config(String),
    /// A configuration file could not be read or parsed (exit 2).
    #[error("cannot read {path}")]
    ConfigFile {
        /// The file.
        path: String,
        /// Cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The ledger could not be opened (exit 1: unreachable or failing
    /// database; a malformed URL is [`CliError::Config`]).
    #[error("cannot open the ledger at {url}")]
    OpenLedger {
        /// The URL, password removed.
        url: String,
        /// Cause.
        #[source]
        source: LedgerError,
    },
    /// A service did not answer (exit 1).
    #[error("cannot reach {what}")]
    Unreachable {
        /// What was called, without credentials.
        what: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A ledger read failed (exit 1).
    #[error("the ledger failed")]
    Ledger(#[source] LedgerError),
    /// No payment for this order id or TID (exit 1).
    #[error("no payment with order id or TID {0:?} in the ledger")]
    UnknownPayment(String),
    /// The sandbox could not be reached (exit 1).
    #[error("cannot reach the sandbox at {url}")]
    SandboxUnreachable {
        /// Its base URL.
        url: String,
        /// Cause.
        #[source]
        source: reqwest::Error,
    },
    /// The sandbox answered, but refused or said something unexpected
    /// (exit 1).
    #[error("the sandbox refused: {0}")]
    SandboxRefused(String),
    /// The sandbox could not start (exit 1).
    #[error("cannot start the sandbox")]
    SandboxStart(#[source] inipay_sandbox::StartError),
    /// The app did not acknowledge a notification with `OK` (exit 1).
    #[error("{0}")]
    NotAcknowledged(String),
    /// A flow call failed (exit 1).
    #[error("{0}")]
    Flow(String),
    /// The flow or the gateway refused (exit 1).
    #[error("{0}")]
    Refused(String),
    /// `inipay doctor` found a problem (exit 1).
    #[error("{0}")]
    ChecksFailed(String),
    /// No journal message with this id (exit 1).
    #[error("no journal message {0} in the ledger")]
    UnknownMessage(i64),
    /// The message cannot be replayed (exit 1).
    #[error("{0}")]
    NotReplayable(String),
    /// The app could not be reached (exit 1).
    #[error("cannot reach the app at {url}")]
    AppUnreachable {
        /// The URL posted to.
        url: String,
        /// Cause.
        #[source]
        source: reqwest::Error,
    },
}

impl CliError {
    /// 2 for usage and configuration errors, 1 for every other failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_) | CliError::ConfigFile { .. } => 2,
            _ => 1,
        }
    }
}

/// The error and its causes on one line: `a: b: c`.
pub fn report(e: &CliError) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(CliError::Config("x".into()).exit_code(), 2);
        assert_eq!(CliError::UnknownPayment("O1".into()).exit_code(), 1);
    }

    #[test]
    fn report_chains_causes() {
        let e = CliError::ConfigFile {
            path: "f.json".into(),
            source: "expected an array".into(),
        };
        assert_eq!(report(&e), "cannot read f.json: expected an array");
    }
}
