//! The event outbox: what the app must hear about, stored beside the change
//! that caused it, until the app's handler took it.
//!
//! - A payment entering a state in [`EMITTING`] (or a refund changing
//!   `refunded`) writes one outbox row **in the same database transaction**
//!   (a trigger on SQLite and PostgreSQL; the store itself in
//!   [`MemoryStore`](super::MemoryStore)). Its [`EventId`] is
//!   `evt_{order}_{version}`: stable across redeliveries, unique per change.
//! - Events without a payment change (alerts, issued billing keys) are
//!   written by the flow ([`Ledger::outbox_push`](super::Ledger::outbox_push)).
//! - A dispatcher ([`Dispatcher`](crate::flow::Dispatcher)) claims due events
//!   ([`Ledger::outbox_claim`](super::Ledger::outbox_claim)): only the oldest
//!   undelivered event of each order (in order per payment), each under a
//!   lease with a fresh token, so no two deliveries of one event run at once
//!   (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one writer). It settles
//!   each with [`Settle::Delivered`] (the payment is then acknowledged for
//!   `paid` and `deposited`) or [`Settle::Retry`].

use crate::time::Timestamp;
use crate::types::{Amount, OrderId, Tid};
use std::fmt;

/// The payment states whose entry writes an outbox event (as the SQL
/// triggers of migration 5 list them).
pub const EMITTING: [super::PaymentState; 7] = [
    super::PaymentState::Approved,
    super::PaymentState::VbankIssued,
    super::PaymentState::VbankDeposited,
    super::PaymentState::VbankExpired,
    super::PaymentState::PartiallyRefunded,
    super::PaymentState::Refunded,
    super::PaymentState::NetCancelled,
];

/// The id of an outbox event: the app's idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(String);

impl EventId {
    /// An id as stored.
    pub fn new(id: impl Into<String>) -> EventId {
        EventId(id.into())
    }

    /// The id of the change that brought `order` to `version`.
    pub fn of_transition(order: &OrderId, version: u64) -> EventId {
        EventId(format!("evt_{order}_{version}"))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of event a row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutboxKind {
    /// The payment was approved (or a one-transaction result confirmed).
    Paid,
    /// A virtual account was issued.
    VbankIssued,
    /// The virtual account's deposit arrived.
    Deposited,
    /// The virtual account's deadline passed without a deposit.
    VbankExpired,
    /// A refund (full or partial) went through; the amount is this refund's.
    Refunded,
    /// The approval was withdrawn (망취소).
    NetCancelled,
    /// Something needs a person.
    Alert,
    /// A billing key was issued.
    BillkeyIssued,
}

impl OutboxKind {
    /// The stored name (`approved` for [`OutboxKind::Paid`], as the state).
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxKind::Paid => "approved",
            OutboxKind::VbankIssued => "vbank_issued",
            OutboxKind::Deposited => "vbank_deposited",
            OutboxKind::VbankExpired => "vbank_expired",
            OutboxKind::Refunded => "refunded",
            OutboxKind::NetCancelled => "net_cancelled",
            OutboxKind::Alert => "alert",
            OutboxKind::BillkeyIssued => "billkey_issued",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<OutboxKind> {
        Some(match s {
            "approved" => OutboxKind::Paid,
            "vbank_issued" => OutboxKind::VbankIssued,
            "vbank_deposited" => OutboxKind::Deposited,
            "vbank_expired" => OutboxKind::VbankExpired,
            "refunded" => OutboxKind::Refunded,
            "net_cancelled" => OutboxKind::NetCancelled,
            "alert" => OutboxKind::Alert,
            "billkey_issued" => OutboxKind::BillkeyIssued,
            _ => return None,
        })
    }

    /// The event a payment entering `to` (from `from`, refunded total
    /// `refunded_before` -> `refunded_after`) writes, if any: the rule the
    /// SQL triggers implement.
    pub(crate) fn of_change(
        from: super::PaymentState,
        to: super::PaymentState,
        refunded_changed: bool,
    ) -> Option<OutboxKind> {
        use super::PaymentState as S;
        if (from == to && !refunded_changed) || !EMITTING.contains(&to) {
            return None;
        }
        Some(match to {
            S::Approved => OutboxKind::Paid,
            S::VbankIssued => OutboxKind::VbankIssued,
            S::VbankDeposited => OutboxKind::Deposited,
            S::VbankExpired => OutboxKind::VbankExpired,
            S::PartiallyRefunded | S::Refunded => OutboxKind::Refunded,
            _ => OutboxKind::NetCancelled,
        })
    }

    /// Whether delivering it acknowledges the payment (money taken: the app
    /// must ship).
    pub fn acknowledges(self) -> bool {
        matches!(self, OutboxKind::Paid | OutboxKind::Deposited)
    }
}

/// An event the flow writes itself ([`Ledger::outbox_push`](super::Ledger::outbox_push)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxEvent {
    /// Its id (a second push of the same id is ignored).
    pub id: EventId,
    /// The order, when known.
    pub order_id: Option<OrderId>,
    /// The kind.
    pub kind: OutboxKind,
    /// A TID, when the event has one.
    pub tid: Option<Tid>,
    /// Details as JSON (no personal data: it is kept after delivery).
    pub detail: Option<String>,
    /// When it happened.
    pub at: Timestamp,
}

impl NewOutboxEvent {
    /// The `BillkeyIssued` event every store writes in the transaction that
    /// stores a billing key ([`Ledger::put_billkey`](super::Ledger::put_billkey)),
    /// id `billkey_{order}`: a crash right after the key is stored can no
    /// longer leave the app unaware of it (found by the fault soak).
    pub(crate) fn billkey_issued(record: &super::BillkeyRecord) -> NewOutboxEvent {
        NewOutboxEvent {
            id: EventId::new(format!("billkey_{}", record.context.order_id)),
            order_id: Some(record.context.order_id.clone()),
            kind: OutboxKind::BillkeyIssued,
            tid: record.tid.clone(),
            detail: None,
            at: record.at,
        }
    }
}

/// An outbox row.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Position in the outbox (delivery order within an order).
    pub seq: i64,
    /// The id.
    pub id: EventId,
    /// The order, when known.
    pub order_id: Option<OrderId>,
    /// The kind.
    pub kind: OutboxKind,
    /// The payment's TID at the change (or the event's own).
    pub tid: Option<Tid>,
    /// The amount: the payment's, or this refund's.
    pub amount: Option<Amount>,
    /// Details as JSON: the alert's reason; a virtual account's bank,
    /// holder, deadline and (until delivered) number.
    pub detail: Option<String>,
    /// When the change happened.
    pub created_at: Timestamp,
    /// Delivery attempts started so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt_at: Timestamp,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the handler took it.
    pub delivered_at: Option<Timestamp>,
}

impl fmt::Debug for OutboxEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `detail` may hold a virtual account number until delivered.
        f.debug_struct("OutboxEntry")
            .field("seq", &self.seq)
            .field("id", &self.id)
            .field("order_id", &self.order_id)
            .field("kind", &self.kind)
            .field("tid", &self.tid)
            .field("amount", &self.amount)
            .field("detail", &self.detail.as_ref().map(|_| "[redacted]"))
            .field("created_at", &self.created_at)
            .field("attempts", &self.attempts)
            .field("next_attempt_at", &self.next_attempt_at)
            .field("last_error", &self.last_error)
            .field("delivered_at", &self.delivered_at)
            .finish()
    }
}

/// An event claimed for delivery: only the holder of `token` can settle it,
/// until `lease_until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The event.
    pub entry: OutboxEntry,
    /// The lease's token.
    pub token: String,
    /// When the lease ends (another dispatcher may then claim it).
    pub lease_until: Timestamp,
}

/// How a claimed delivery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    /// The handler returned `Ok`. `detail` replaces the stored detail (the
    /// virtual account number is masked once the app has it).
    Delivered {
        /// When.
        at: Timestamp,
        /// The detail to keep.
        detail: Option<String>,
    },
    /// Not attempted after all (the dispatcher is stopping): the claim is
    /// given back, its attempt not counted.
    Release,
    /// The handler failed; try again at `next_attempt_at`.
    Retry {
        /// The error, as text (log-escaped, bounded).
        error: String,
        /// When to try again.
        next_attempt_at: Timestamp,
    },
}

/// Error text kept in the outbox: at most this many characters.
pub const ERROR_TEXT_CAP: usize = 500;
