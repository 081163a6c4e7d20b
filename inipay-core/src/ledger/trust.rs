//! What the ledger remembers so that unsigned messages can be checked: how a
//! payment's result is expected to arrive, the billing-key attempts the app
//! started, and the notifications still waiting for the gateway's
//! confirmation.
//!
//! INICIS notifications and billing-key results carry no signature
//! (PROTOCOL.md 2.6, 3.4). The flow therefore believes such a message only when
//! it fits something the app itself started (a checkout with a one-transaction
//! method, a pending billing attempt with its one-time nonce) and, where money
//! moves, when an INIAPI inquiry agrees (PROTOCOL.md 4.5, 5.6).
//!
//! ```
//! use inipay_core::ledger::{ResultPath, BillingAttempt, nonce_digest};
//! assert_eq!(ResultPath::parse(ResultPath::OneTransaction.as_str()), Some(ResultPath::OneTransaction));
//! // Only a digest of the nonce is stored; the same nonce gives the same digest.
//! assert_eq!(nonce_digest("n0nce"), nonce_digest("n0nce"));
//! assert_ne!(nonce_digest("n0nce"), nonce_digest("other"));
//! # let _ = std::mem::size_of::<BillingAttempt>();
//! ```

use super::message::MessageId;
use super::state::Event;
use crate::time::Timestamp;
use crate::types::{Amount, Mid, OrderId};
use sha2::{Digest, Sha256};

/// How the result of a payment reaches the merchant (PROTOCOL.md 2.1),
/// recorded at checkout from the method and its `P_RESERVED` options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ResultPath {
    /// Two transactions (2trs): an auth result on `P_NEXT_URL`, then our own
    /// approval call. A `P_STATUS=00` payment notification is not expected.
    #[default]
    TwoTransaction,
    /// One transaction (1trs: ISP without `twotrs_isp`, bank transfer without
    /// `twotrs_bank`): INICIS approves on its own and the result arrives on
    /// `P_NOTI_URL`. Only such payments accept a `P_STATUS=00` notification.
    OneTransaction,
}

impl ResultPath {
    /// The stored name (`2trs` / `1trs`).
    pub fn as_str(self) -> &'static str {
        match self {
            ResultPath::TwoTransaction => "2trs",
            ResultPath::OneTransaction => "1trs",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<ResultPath> {
        match s {
            "2trs" => Some(ResultPath::TwoTransaction),
            "1trs" => Some(ResultPath::OneTransaction),
            _ => None,
        }
    }
}

/// The lower-case hex SHA-256 of a one-time nonce: the only form in which a
/// nonce is stored or compared (a database lookup by digest leaks nothing
/// about the nonce through timing).
pub fn nonce_digest(nonce: &str) -> String {
    hex::encode(Sha256::digest(nonce.as_bytes()))
}

/// A billing-key issuance the app started ([`Flow::billing_checkout`]): the
/// result posted to `returnurl` is accepted only for a pending attempt, once.
///
/// [`Flow::billing_checkout`]: crate::flow::Flow::billing_checkout
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingAttempt {
    /// The billing order (`orderid`).
    pub order_id: OrderId,
    /// The merchant the form was signed for.
    pub mid: Mid,
    /// [`nonce_digest`] of the nonce carried in `returnurl`.
    pub nonce_digest: String,
    /// Whether `flg_crypto=Y` was requested (the key must come back encrypted).
    pub encrypted: bool,
    /// The amount the form announced (`price`), if any.
    pub amount: Option<Amount>,
    /// When the form was signed.
    pub created_at: Timestamp,
}

/// The answer of [`Ledger::claim_billing_attempt`](super::Ledger::claim_billing_attempt).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptClaim {
    /// The attempt was pending and is now used by this call.
    Claimed(BillingAttempt),
    /// The attempt exists and was used before (a replayed result).
    AlreadyUsed {
        /// When it was used.
        used_at: Timestamp,
    },
    /// No attempt of this order has this nonce (forged or foreign).
    Unknown,
}

/// A notification that would move money, journaled but not applied because
/// the gateway has not confirmed it yet (the inquiry could not be made, or its
/// outcome was unknown). [`Flow::confirm_parked`] asks again.
///
/// [`Flow::confirm_parked`]: crate::flow::Flow::confirm_parked
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unconfirmed {
    /// The journaled notification.
    pub message: MessageId,
    /// Its order.
    pub order_id: OrderId,
    /// The event it would apply once confirmed.
    pub event: Event,
    /// When it was parked.
    pub parked_at: Timestamp,
}
