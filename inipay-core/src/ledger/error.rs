//! The ledger's error type.

use super::billkey::BillkeyError;
use super::message::MessageId;

/// Why a ledger call failed. Rejected events are not errors (see
/// [`Applied::Rejected`](super::Applied::Rejected)); these are failures of the
/// store itself. Messages never contain personal data or key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The database failed (connection, I/O, constraint, timeout).
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    #[error("ledger database error")]
    Database(#[source] sqlx::Error),
    /// Applying the embedded migrations failed.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    #[error("ledger migration failed")]
    Migration(#[source] sqlx::migrate::MigrateError),
    /// A stored value does not read back (a damaged or foreign row).
    #[error("ledger row holds an invalid {column} value")]
    Corrupt {
        /// The column.
        column: &'static str,
    },
    /// No journal message has this id.
    #[error("journal message {0} not found")]
    UnknownMessage(MessageId),
    /// `apply` was called for a message that carries no event.
    #[error("journal message {0} carries no event to apply")]
    NothingToApply(MessageId),
    /// The order exists with another amount or MID: the checkout amount is
    /// fixed once recorded.
    #[error("order {order} already exists with a different amount or MID")]
    OrderConflict {
        /// The order id.
        order: String,
    },
    /// A billing key could not be sealed or opened.
    #[error("billing key")]
    Billkey(#[from] BillkeyError),
    /// The payment kept changing under a transition after several retries.
    #[error("payment {order} changed concurrently; retries exhausted")]
    Contention {
        /// The order id.
        order: String,
    },
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl From<sqlx::Error> for LedgerError {
    fn from(e: sqlx::Error) -> LedgerError {
        LedgerError::Database(e)
    }
}

#[cfg(any(feature = "sqlite", feature = "postgres"))]
impl From<sqlx::migrate::MigrateError> for LedgerError {
    fn from(e: sqlx::migrate::MigrateError) -> LedgerError {
        LedgerError::Migration(e)
    }
}
