//! Step 1: the checkout page (결제요청).

use super::{Flow, FlowError};
use crate::ledger::{Created, LedgerError, NewPayment, ResultPath};
use crate::mobile::{Method, PaymentForm, html};
use crate::order::{CheckoutContext, Order};
use crate::time::Timestamp;

/// A signed checkout: the form and the auto-submitting page that posts it to
/// INICIS in EUC-KR (serve the page as `text/html; charset=utf-8`).
#[derive(Debug, Clone)]
pub struct Checkout {
    /// The signed form.
    pub form: PaymentForm,
    /// The page.
    pub html: String,
}

impl Flow {
    /// Builds and signs the payment form for `order` paid with `method`, and
    /// records the payment in the ledger with the amount every later message
    /// is checked against. Reloading the page is harmless; changing the
    /// amount of an order already checked out is
    /// [`LedgerError::OrderConflict`].
    /// After a failed attempt (cancel in the window, decline) the order can
    /// be paid again; an order that is paid, issued a virtual account, or
    /// otherwise ended is [`FlowError::NotPayable`].
    pub async fn checkout<O: Order + ?Sized>(
        &self,
        order: &O,
        method: Method,
        now: Timestamp,
    ) -> Result<Checkout, FlowError> {
        let oid = order.order_id();
        let ctx = CheckoutContext {
            method,
            next_url: self.config.next_url(oid),
            noti_url: Some(self.config.noti_url()),
            return_url: Some(self.config.return_url(oid)),
            today_kst: Some(now.kst_date()),
        };
        ctx.check_method::<O>()?;
        let request = order.payment_request(&ctx)?;
        let form = request.sign(&self.merchant, now).map_err(|e| match e {
            crate::mobile::SignError::Field(f) => FlowError::Field(f),
            crate::mobile::SignError::Config(c) => FlowError::Config(c),
        })?;
        // Only a 1trs checkout makes a `P_STATUS=00` payment notification
        // acceptable later (PROTOCOL.md 2.1, 2.6).
        let path = if form.two_transaction {
            ResultPath::TwoTransaction
        } else {
            ResultPath::OneTransaction
        };
        // A reloaded page of an order already recorded as it is now only
        // reads: no write transaction, no fsync (issue 12).
        let recorded = self.ledger.payment(&form.order_id).await?;
        let unchanged = recorded.as_ref().is_some_and(|p| {
            p.mid == *self.merchant.mid()
                && p.amount == form.amount
                && (path == ResultPath::TwoTransaction
                    || p.result_path == ResultPath::OneTransaction)
        });
        let state = if unchanged {
            recorded.map(|p| p.state)
        } else {
            let created = self
                .ledger
                .create_payment(
                    NewPayment::new(
                        form.order_id.clone(),
                        self.merchant.mid().clone(),
                        form.amount,
                        now,
                    )
                    .result_path(path),
                )
                .await?;
            match created {
                Created::New => None,
                Created::Existing => Some(
                    self.ledger
                        .payment(&form.order_id)
                        .await?
                        .map(|p| p.state)
                        .ok_or(FlowError::Ledger(LedgerError::Corrupt {
                            column: "payments",
                        }))?,
                ),
            }
        };
        if let Some(state) = state
            && !state.is_payable()
        {
            return Err(FlowError::NotPayable { state });
        }
        tracing::info!(order_id = %form.order_id, amount = form.amount.get(), method = method.code(), "checkout");
        let html = html::page(&form, &self.config.html);
        Ok(Checkout { form, html })
    }
}

/// What a checkout page request answers, decided once for every adapter:
/// the adapters only copy status, content type and body.
///
/// ```
/// use inipay_core::flow::{CheckoutReply, FlowError};
/// use inipay_core::ledger::PaymentState;
///
/// let paid = CheckoutReply::from_result(Err(FlowError::NotPayable { state: PaymentState::Approved }));
/// assert_eq!(paid.status, 409);
/// assert!(!paid.html);
/// let unknown = CheckoutReply::from_result(Ok(None));
/// assert_eq!((unknown.status, unknown.body.as_str()), (404, "unknown order"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutReply {
    /// HTTP status.
    pub status: u16,
    /// `true`: `text/html; charset=utf-8`; `false`: `text/plain; charset=utf-8`.
    /// Both are sent with `Cache-Control: no-store`.
    pub html: bool,
    /// The page, or a short message naming no personal data.
    pub body: String,
}

impl CheckoutReply {
    /// The whole checkout route, decided once for every adapter: the
    /// `method` of the raw query string (core's
    /// [`query_param`](crate::request::query_param): the first one),
    /// `source` finding and checking out `order_id`, and the reply.
    pub async fn for_request(
        source: &(dyn super::CheckoutSource + '_),
        flow: &Flow,
        order_id: &str,
        raw_query: &str,
        now: Timestamp,
    ) -> CheckoutReply {
        let Some(method) =
            crate::request::query_param(raw_query, "method").filter(|m| !m.is_empty())
        else {
            return CheckoutReply::missing_method();
        };
        CheckoutReply::from_result(source.checkout(flow, order_id, &method, now).await)
    }

    /// The message when the `method` query parameter is missing.
    pub const MISSING_METHOD: &'static str =
        "missing payment method (method=CARD, BANK, VBANK, MOBILE, CULTURE, HPMN or DGCL)";

    /// `400` for a checkout request without a payment method.
    pub fn missing_method() -> CheckoutReply {
        CheckoutReply::text(400, Self::MISSING_METHOD)
    }

    /// The reply to the outcome of
    /// [`CheckoutSource::checkout`](super::CheckoutSource::checkout).
    pub fn from_result(result: Result<Option<Checkout>, FlowError>) -> CheckoutReply {
        match result {
            Ok(Some(c)) => CheckoutReply {
                status: 200,
                html: true,
                body: c.html,
            },
            Ok(None) => CheckoutReply::text(404, "unknown order"),
            // FieldError text names the field and the limit, never the value.
            Err(FlowError::Field(e)) => CheckoutReply::text(400, e.to_string()),
            Err(FlowError::Ledger(LedgerError::OrderConflict { .. })) => CheckoutReply::text(
                409,
                "this order was already checked out with a different amount",
            ),
            Err(FlowError::NotPayable { state }) => CheckoutReply::text(
                409,
                if state.is_paid() {
                    "this order is already paid"
                } else {
                    "this order can no longer be paid"
                },
            ),
            Err(e) => {
                tracing::error!(error = %e, "checkout failed");
                CheckoutReply::text(503, "payment is unavailable right now; please try again")
            }
        }
    }

    fn text(status: u16, body: impl Into<String>) -> CheckoutReply {
        CheckoutReply {
            status,
            html: false,
            body: body.into(),
        }
    }
}
