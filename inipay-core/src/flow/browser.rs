//! What the buyer's browser is answered on the callback routes it is sent
//! to (`P_NEXT_URL`, `P_RETURN_URL`, the billing `returnurl`), decided once
//! for every adapter, as [`NotiReply`](super::NotiReply) is for INICIS and
//! [`CheckoutReply`](super::CheckoutReply) for the checkout page.
//!
//! | route | outcome | answer |
//! |---|---|---|
//! | `next` | any outcome about an order, or a valid `oid` in the URL | `303` to the app's result page of that order |
//! | `next` | neither | `400` `payment result without an order id` |
//! | `return` | a valid `oid` in the URL | `303` to the result page (it reads the ledger) |
//! | `return` | none | `404` `unknown order` |
//! | `billing/return` | the outcome's order, or a valid `oid` in the URL | `303` to the result page |
//! | `billing/return` | neither | `400` `billing result without an order id` |
//!
//! The result page is the app's; it reads the ledger ([`Flow::status`]), so
//! the answer never says "paid" by itself: a forged post to `next` only
//! sends its sender to a page that shows what the ledger knows.
//!
//! Every answer carries `Cache-Control: no-store`; a text answer is
//! `text/plain; charset=utf-8`.

#[cfg(doc)]
use super::Flow;
use super::{BillingOutcome, NextOutcome};
use crate::types::OrderId;

/// The answer to the buyer's browser on a callback route.
///
/// ```
/// use inipay_core::flow::BrowserReply;
/// use inipay_core::types::OrderId;
///
/// assert_eq!(
///     BrowserReply::after_return(Some("ORD-1")),
///     BrowserReply::ToResultPage(OrderId::new("ORD-1")?)
/// );
/// let none = BrowserReply::after_return(Some("bad id!"));
/// assert_eq!(none, BrowserReply::Text { status: 404, body: "unknown order" });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BrowserReply {
    /// `303 See Other` to the app's result page of this order.
    ToResultPage(OrderId),
    /// A short `text/plain` answer (no internals, no personal data).
    Text {
        /// HTTP status.
        status: u16,
        /// The body.
        body: &'static str,
    },
}

impl BrowserReply {
    /// The answer after [`Flow::next`] handled an auth result; `query_oid`
    /// is the `oid` of `P_NEXT_URL`'s query string. Logs the outcome (order
    /// id and outcome only).
    pub fn after_next(outcome: &NextOutcome, query_oid: Option<&str>) -> BrowserReply {
        match outcome {
            NextOutcome::Error(e) => tracing::error!(error = %e, "auth result not processed"),
            o if o.is_paid() => tracing::info!(
                order_id = o.order_id().map(OrderId::as_str),
                "payment result: paid"
            ),
            o => tracing::info!(outcome = ?o, "payment result: not paid"),
        }
        match outcome.order_id().cloned().or_else(|| valid(query_oid)) {
            Some(o) => BrowserReply::ToResultPage(o),
            None => BrowserReply::Text {
                status: 400,
                body: "payment result without an order id",
            },
        }
    }

    /// The answer on the one-transaction landing (`P_RETURN_URL`): the
    /// result page of `query_oid`, which shows what the ledger knows
    /// (pending until the notification lands).
    pub fn after_return(query_oid: Option<&str>) -> BrowserReply {
        match valid(query_oid) {
            Some(o) => BrowserReply::ToResultPage(o),
            None => BrowserReply::Text {
                status: 404,
                body: "unknown order",
            },
        }
    }

    /// The answer after [`Flow::billing_return`] handled a billing-key
    /// result. Logs the outcome (order id and refusal only; never a key).
    pub fn after_billing(outcome: &BillingOutcome, query_oid: Option<&str>) -> BrowserReply {
        let order = match outcome {
            BillingOutcome::Issued { order_id, .. } => {
                tracing::info!(order_id = order_id.as_str(), "billing key issued");
                Some(order_id.clone())
            }
            BillingOutcome::Error(e) => {
                tracing::error!(error = %e, "billing result not processed");
                None
            }
            other => {
                tracing::info!(outcome = ?other, "billing key not issued");
                None
            }
        };
        match order.or_else(|| valid(query_oid)) {
            Some(o) => BrowserReply::ToResultPage(o),
            None => BrowserReply::Text {
                status: 400,
                body: "billing result without an order id",
            },
        }
    }
}

/// `oid` when it is a valid order id (safe in a URL).
fn valid(oid: Option<&str>) -> Option<OrderId> {
    oid.and_then(|o| OrderId::new(o).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::BillingRefusal;

    #[test]
    fn next_goes_to_the_outcomes_order_then_the_querys() {
        let rejected = NextOutcome::Rejected {
            order_id: None,
            reason: "unreadable",
        };
        assert_eq!(
            BrowserReply::after_next(&rejected, Some("ORD-9")),
            BrowserReply::ToResultPage(OrderId::new("ORD-9").unwrap())
        );
        assert_eq!(
            BrowserReply::after_next(&rejected, Some("not valid!")),
            BrowserReply::Text {
                status: 400,
                body: "payment result without an order id"
            }
        );
        let about = NextOutcome::Rejected {
            order_id: Some(OrderId::new("ORD-1").unwrap()),
            reason: "amount",
        };
        assert_eq!(
            BrowserReply::after_next(&about, Some("ORD-9")),
            BrowserReply::ToResultPage(OrderId::new("ORD-1").unwrap())
        );
    }

    #[test]
    fn billing_refusals_still_go_to_the_querys_order() {
        let refused = BillingOutcome::Rejected {
            order_id: None,
            reason: BillingRefusal::UnknownAttempt,
        };
        assert_eq!(
            BrowserReply::after_billing(&refused, Some("BILL-1")),
            BrowserReply::ToResultPage(OrderId::new("BILL-1").unwrap())
        );
        assert_eq!(
            BrowserReply::after_billing(&refused, None),
            BrowserReply::Text {
                status: 400,
                body: "billing result without an order id"
            }
        );
        assert_eq!(
            BrowserReply::after_return(None),
            BrowserReply::Text {
                status: 404,
                body: "unknown order"
            }
        );
    }
}
