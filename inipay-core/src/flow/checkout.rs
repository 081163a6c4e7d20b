//! Step 1: the checkout page (결제요청).

use super::{Flow, FlowError};
use crate::ledger::{NewPayment, ResultPath};
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
    /// [`LedgerError::OrderConflict`](crate::ledger::LedgerError::OrderConflict).
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
        self.ledger
            .create_payment(
                NewPayment::new(
                    form.order_id.clone(),
                    self.merchant.mid().clone(),
                    form.amount,
                    now,
                )
                // Only a 1trs checkout makes a `P_STATUS=00` payment
                // notification acceptable later (PROTOCOL.md 2.1, 2.6).
                .result_path(if form.two_transaction {
                    ResultPath::TwoTransaction
                } else {
                    ResultPath::OneTransaction
                }),
            )
            .await?;
        tracing::info!(order_id = %form.order_id, amount = form.amount.get(), method = method.code(), "checkout");
        let html = html::page(&form, &self.config.html);
        Ok(Checkout { form, html })
    }
}
