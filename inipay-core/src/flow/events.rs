//! What the flow tells the app.

use crate::mobile::VbankAccount;
use crate::types::{Amount, OrderId, Tid};
use std::future::Future;
use std::pin::Pin;

/// Something the app must act on.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum FlowEvent {
    /// The order is paid (approved, or a one-transaction result arrived).
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
        /// Account, bank and deadline (account number redacted in `Debug`).
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
            | FlowEvent::BillkeyIssued { order_id, .. } => Some(order_id),
            FlowEvent::Alert { order_id, .. } => order_id.as_ref(),
        }
    }
}

/// The app's handler failed; the payment stays unacknowledged and appears in
/// the reconciliation report.
#[derive(Debug, thiserror::Error)]
#[error("event handler failed: {0}")]
pub struct HandlerError(pub String);

/// The app's reaction to flow events (ship the goods, e-mail the buyer).
///
/// ```
/// use inipay_core::flow::{EventHandler, FlowEvent, HandlerError};
/// use std::future::Future;
/// use std::pin::Pin;
///
/// struct Log;
/// impl EventHandler for Log {
///     fn handle<'a>(&'a self, event: &'a FlowEvent)
///         -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>> {
///         Box::pin(async move {
///             tracing::info!(?event, "payment event");
///             Ok(())
///         })
///     }
/// }
/// ```
pub trait EventHandler: Send + Sync {
    /// Handles one event. Called after the ledger recorded it.
    fn handle<'a>(
        &'a self,
        event: &'a FlowEvent,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>>;
}

/// A handler that ignores every event (payments stay unacknowledged).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEvents;

impl EventHandler for NoEvents {
    fn handle<'a>(
        &'a self,
        _event: &'a FlowEvent,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>> {
        Box::pin(async { Err(HandlerError("no event handler installed".into())) })
    }
}

impl<F> EventHandler for F
where
    F: Fn(&FlowEvent) -> Result<(), HandlerError> + Send + Sync,
{
    fn handle<'a>(
        &'a self,
        event: &'a FlowEvent,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>> {
        let r = self(event);
        Box::pin(async move { r })
    }
}
