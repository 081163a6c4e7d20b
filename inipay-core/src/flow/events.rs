//! What the flow tells the app.

use crate::ledger::EventId;
use crate::mobile::VbankAccount;
use crate::time::Timestamp;
use crate::types::{Amount, OrderId, Tid};
use std::future::Future;
use std::pin::Pin;

/// Something the app must act on. Delivered inside a [`Delivery`] that
/// names its [`EventId`]: the same id on every redelivery.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum FlowEvent {
    /// The order is paid (approved, or a one-transaction result confirmed).
    Paid {
        /// The order.
        order_id: OrderId,
        /// The approval TID (keep it: refunds use it).
        tid: Tid,
        /// The amount.
        amount: Amount,
    },
    /// A virtual account was issued: tell the buyer where to pay. Not paid.
    VbankIssued {
        /// The order.
        order_id: OrderId,
        /// The issuance TID.
        tid: Tid,
        /// The amount to deposit.
        amount: Amount,
        /// Account, bank and deadline (account number redacted in `Debug`;
        /// the outbox masks it once this event was delivered).
        account: Box<VbankAccount>,
    },
    /// Money arrived in the virtual account (입금통보): the order is paid.
    Deposited {
        /// The order.
        order_id: OrderId,
        /// The TID.
        tid: Tid,
        /// The amount deposited.
        amount: Amount,
    },
    /// The virtual account's deadline passed without a deposit
    /// ([`Flow::reconcile`](super::Flow::reconcile)). A deposit that still
    /// arrives is confirmed, applied (then [`FlowEvent::Deposited`]) and
    /// alerted.
    VbankExpired {
        /// The order.
        order_id: OrderId,
        /// The issuance TID.
        tid: Tid,
    },
    /// A refund (전체취소/부분취소) went through.
    Refunded {
        /// The order.
        order_id: OrderId,
        /// The payment's TID.
        tid: Option<Tid>,
        /// This refund's amount.
        amount: Amount,
    },
    /// The approval was withdrawn (망취소): nothing stays charged.
    NetCancelled {
        /// The order.
        order_id: OrderId,
        /// The TID named by the net cancel.
        tid: Option<Tid>,
    },
    /// A billing key was issued and stored sealed in the ledger.
    BillkeyIssued {
        /// The billing order.
        order_id: OrderId,
        /// The issuance TID.
        tid: Option<Tid>,
    },
    /// Something needs a person: a mismatch, an unknown order, a failed net
    /// cancel. Nothing was marked paid.
    Alert {
        /// The order, when known.
        order_id: Option<OrderId>,
        /// What happened (no personal data).
        reason: String,
    },
}

impl FlowEvent {
    /// The order the event is about.
    pub fn order_id(&self) -> Option<&OrderId> {
        match self {
            FlowEvent::Paid { order_id, .. }
            | FlowEvent::VbankIssued { order_id, .. }
            | FlowEvent::Deposited { order_id, .. }
            | FlowEvent::VbankExpired { order_id, .. }
            | FlowEvent::Refunded { order_id, .. }
            | FlowEvent::NetCancelled { order_id, .. }
            | FlowEvent::BillkeyIssued { order_id, .. } => Some(order_id),
            FlowEvent::Alert { order_id, .. } => order_id.as_ref(),
        }
    }
}

/// One delivery of an event to the app's [`EventHandler`].
///
/// Delivery is at least once: after a crash, a timeout or a handler error
/// the same event comes again with the same [`Delivery::id`]. Make the
/// handler idempotent by that id (e.g. a unique column in your own table).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Delivery {
    /// The event's id: stable across redeliveries, unique per event.
    pub id: EventId,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// When the change happened.
    pub created_at: Timestamp,
    /// The event.
    pub event: FlowEvent,
}

impl Delivery {
    /// A delivery (for tests of a handler).
    pub fn new(id: EventId, attempt: u32, created_at: Timestamp, event: FlowEvent) -> Delivery {
        Delivery {
            id,
            attempt,
            created_at,
            event,
        }
    }
}

/// The app's handler failed: the event stays in the outbox and is delivered
/// again later (with backoff); the reconciliation report lists it with this
/// error's text.
///
/// ```
/// use inipay_core::flow::HandlerError;
/// let e = HandlerError::from_source(std::io::Error::other("mail server down"));
/// assert_eq!(e.to_string(), "event handler failed: mail server down");
/// assert!(std::error::Error::source(&e).is_some());
/// ```
#[derive(Debug, thiserror::Error)]
#[error("event handler failed: {message}")]
pub struct HandlerError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl HandlerError {
    /// An error with a message (no personal data: it is stored).
    pub fn new(message: impl Into<String>) -> HandlerError {
        HandlerError {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by `source` (kept as the error's source).
    pub fn from_source(source: impl std::error::Error + Send + Sync + 'static) -> HandlerError {
        HandlerError {
            message: source.to_string(),
            source: Some(Box::new(source)),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// The app's reaction to flow events (ship the goods, e-mail the buyer).
///
/// ```
/// use inipay_core::flow::{Delivery, EventHandler, HandlerError};
/// use std::future::Future;
/// use std::pin::Pin;
///
/// struct Log;
/// impl EventHandler for Log {
///     fn handle<'a>(&'a self, delivery: &'a Delivery)
///         -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>> {
///         Box::pin(async move {
///             tracing::info!(id = %delivery.id, event = ?delivery.event, "payment event");
///             Ok(())
///         })
///     }
/// }
/// ```
pub trait EventHandler: Send + Sync {
    /// Handles one delivery. Called after the ledger committed the event;
    /// `Ok` takes it out of the outbox, an error (or a timeout) schedules
    /// it again.
    fn handle<'a>(
        &'a self,
        delivery: &'a Delivery,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>>;
}

/// No handler: events wait in the outbox (listed in the reconciliation
/// report) until a flow with a handler delivers them.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEvents;

impl EventHandler for NoEvents {
    fn handle<'a>(
        &'a self,
        _delivery: &'a Delivery,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>> {
        Box::pin(async { Err(HandlerError::new("no event handler installed")) })
    }
}

impl<F> EventHandler for F
where
    F: Fn(&Delivery) -> Result<(), HandlerError> + Send + Sync,
{
    fn handle<'a>(
        &'a self,
        delivery: &'a Delivery,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>> {
        let r = self(delivery);
        Box::pin(async move { r })
    }
}
