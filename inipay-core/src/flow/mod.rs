//! The payment flows, decided once for every web framework (ARCHITECTURE.md).
//!
//! An adapter (Actix, Rocket, or your own handler) turns an HTTP request into
//! one [`Flow`] call and the answer into an HTTP response. The flow does the
//! rest: it signs the checkout form, records every gateway message in the
//! [`Ledger`] **before** acting on it, calls approval,
//! verifies order id, MID and amount, net-cancels (망취소) whatever it cannot
//! keep, and answers notifications with exactly `OK`, duplicates included.
//!
//! | step | call | PROTOCOL.md |
//! |---|---|---|
//! | checkout page | [`Flow::checkout`] | 2.2, 2.3 |
//! | auth result on `P_NEXT_URL` | [`Flow::next`] | 2.4, 2.5, 2.8 |
//! | notification on `P_NOTI_URL` | [`Flow::noti`] | 2.6 |
//! | 1trs landing on `P_RETURN_URL` | [`Flow::status`] | 2.7 |
//! | billing-key page | [`Flow::billing_checkout`] | 3.2, 3.3 |
//! | billing-key result on `returnurl` | [`Flow::billing_return`] | 3.4, 3.5 |
//! | refund (전체취소/부분취소) | [`Flow::refund`] | 4.3, 4.4, 5.3-5.5 |
//! | events to the app, redelivered until taken | [`Flow::with_events`], [`Dispatcher`] | |
//! | loose ends: parked notifications, failed net cancels, unknown approvals and refunds, expired virtual accounts | [`Flow::reconcile`], [`Flow::report`] | 2.8, 4.5 |
//! | recovery, dispatcher and reconciler in the background | [`Flow::start`] | |
//!
//! # Threat model
//!
//! Notifications and billing-key results are unsigned (PROTOCOL.md 2.6, 3.4):
//! treat every inbound POST as possibly forged by someone who knows the order
//! id, the amount and a TID.
//!
//! | an attacker sends | the flow |
//! |---|---|
//! | a notification from outside the allow-list | journaled, `403`, nothing changes |
//! | a 1trs "paid" or a vbank "deposited" notification | journaled; applied only when an INIAPI inquiry confirms status, TID, MID, order and amount ([`ConfirmConfig`]) |
//! | a cancel or failure notification | journaled, alerted, nothing changes |
//! | an auth result with an invented TID | approval refused by the gateway: not approved, no net cancel, no alert; the order stays payable ([`PaymentState::is_payable`](crate::ledger::PaymentState::is_payable)) |
//! | an altered checkout form (another amount) | the approval reply disagrees: alert, net cancel for the amount and TID the gateway approved ([`NetCancelTid`]) |
//! | a forged, replayed or downgraded billing-key result | refused with a [`BillingRefusal`], nothing stored |
//! | a body over the size limit | journaled truncated before `413` |
//!
//! ```
//! use inipay_core::client::{ClientConfig, GatewayClient};
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::flow::{Flow, FlowConfig};
//! use inipay_core::ledger::MemoryStore;
//! use std::sync::Arc;
//!
//! let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(),
//!     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
//! let flow = Flow::new(
//!     merchant,
//!     GatewayClient::new(ClientConfig::default())?,
//!     Arc::new(MemoryStore::new()),
//!     FlowConfig::new("http://127.0.0.1:8080", "/inicis")?,
//! );
//! assert_eq!(flow.config().next_url("ORD-1"), "http://127.0.0.1:8080/inicis/next?oid=ORD-1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod background;
mod billing;
mod browser;
mod checkout;
mod confirm;
mod deploy;
mod dispatch;
mod events;
mod next;
mod noti;
mod noti_source;
mod oversized;
mod reconcile;
mod refund;
mod source;

pub use background::{Background, BackgroundOptions};
pub use billing::{BillingCheckout, BillingConfig, BillingOutcome, BillingRefusal};
pub use browser::BrowserReply;
pub use checkout::{Checkout, CheckoutReply};
pub use confirm::{ConfirmConfig, NotiTrust, WhenUnconfirmed};
pub use deploy::{DeployError, DeployProblem};
pub use dispatch::{DispatchConfig, DispatchReport, Dispatcher};
pub use events::{Delivery, EventHandler, FlowEvent, HandlerError, NoEvents};
pub use next::{NetCancelTid, NextOutcome};
pub use noti::{NotiReply, ParkedOutcome};
pub use noti_source::{INICIS_NOTI_SOURCES, default_noti_sources};
pub use oversized::{BodyCollector, BodyLength, COUNT_CAP, Callback, CollectedBody, OversizedBody};
pub use reconcile::{ReconcileConfig, ReconcileReport};
pub use refund::{
    FullAfterPartial, RefundAmount, RefundConfig, RefundError, RefundOutcome, RefundRequest,
    refund_method,
};
pub use source::{BoxFuture, CheckoutSource, OrderLookup, method_for};

use crate::client::GatewayClient;
use crate::config::{ConfigError, Merchant};
use crate::encoding::Charset;
use crate::ledger::{Ledger, LedgerError, Payment};
use crate::mobile::{HtmlOptions, NotiIpAllowList, NotiOptions};
use crate::types::{FieldError, OrderId};
use std::fmt;
use std::sync::Arc;

/// Where the app's callback routes live and how messages are read.
#[derive(Debug, Clone)]
pub struct FlowConfig {
    /// The app's public origin as INICIS and the buyer's browser reach it,
    /// e.g. `https://shop.example.com`. Never taken from the Host header.
    pub public_base_url: String,
    /// The path the adapter mounts the routes under, e.g. `/inicis`.
    pub mount: String,
    /// `P_CHARSET`: the charset auth results and approval replies come in.
    pub result_charset: Charset,
    /// How notifications are read (charset, `P_AUTH_DT` format).
    pub noti: NotiOptions,
    /// Source addresses allowed to post notifications. `None` (the default)
    /// means the default for the merchant's mode, which fails closed: INICIS's
    /// published senders in production, loopback and the sandbox host for
    /// test merchants ([`default_noti_sources`]).
    pub noti_sources: Option<NotiIpAllowList>,
    /// **Unsafe.** Accept notifications from any address (set with
    /// [`FlowConfig::unsafe_accept_notifications_from_any_source`]). Money
    /// still moves only on what the gateway confirms ([`ConfirmConfig`]).
    pub unsafe_any_noti_source: bool,
    /// How notifications that would move money are confirmed with the
    /// gateway before they are applied (on by default).
    pub confirm: ConfirmConfig,
    /// Send `P_TIMESTAMP` + `P_CHKFAKE` on net cancel (needs the HashKey).
    pub net_cancel_chkfake: bool,
    /// Which TID a net cancel names: the auth TID (default, as INICIS's
    /// sample) or the approval TID (PROTOCOL.md 2.8 leaves it open).
    pub net_cancel_tid: NetCancelTid,
    /// How the checkout page looks.
    pub html: HtmlOptions,
}

impl FlowConfig {
    /// A configuration for routes mounted at `mount` under `public_base_url`.
    pub fn new(public_base_url: &str, mount: &str) -> Result<FlowConfig, ConfigError> {
        let base = public_base_url.trim_end_matches('/');
        if crate::config::origin_of(base).is_none() {
            return Err(ConfigError::BadUrl("public base URL"));
        }
        let mount = format!("/{}", mount.trim_matches('/'));
        let mount = if mount == "/" { String::new() } else { mount };
        Ok(FlowConfig {
            public_base_url: base.to_owned(),
            mount,
            result_charset: Charset::Utf8,
            noti: NotiOptions::default(),
            noti_sources: None,
            unsafe_any_noti_source: false,
            confirm: ConfirmConfig::default(),
            net_cancel_chkfake: true,
            net_cancel_tid: NetCancelTid::Auth,
            html: HtmlOptions::default(),
        })
    }

    /// **Unsafe.** Accepts notifications from any source address instead
    /// of the allow-list. Anyone on the internet can then post to the
    /// notification URL; only the gateway confirmation ([`ConfirmConfig`])
    /// stands between a forged notification and a paid order.
    #[must_use]
    pub fn unsafe_accept_notifications_from_any_source(mut self) -> FlowConfig {
        self.unsafe_any_noti_source = true;
        self
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}{path}", self.public_base_url, self.mount)
    }

    /// `P_NEXT_URL` for an order: the auth result carries no `P_OID`
    /// (PROTOCOL.md 2.4), so the order id travels in the query string.
    pub fn next_url(&self, order_id: &str) -> String {
        self.url(&format!("/next?oid={order_id}"))
    }

    /// `P_NOTI_URL`.
    pub fn noti_url(&self) -> String {
        self.url("/noti")
    }

    /// `P_RETURN_URL` for an order (1trs landing; INICIS appends nothing).
    pub fn return_url(&self, order_id: &str) -> String {
        self.url(&format!("/return?oid={order_id}"))
    }
}

/// What the flow needs: one merchant, the gateway client, the ledger and the
/// app's event handler. Share one `Arc<Flow>` across the app.
pub struct Flow {
    merchant: Merchant,
    client: GatewayClient,
    ledger: Arc<dyn Ledger>,
    config: FlowConfig,
    /// Delivers the outbox to the app's handler (`None`: no handler, events
    /// wait in the outbox).
    dispatcher: Option<Dispatcher>,
    /// When the reconciler acts.
    reconcile_config: ReconcileConfig,
    billing: Option<BillingConfig>,
    refunds: Option<RefundConfig>,
    /// The effective notification allow-list (`None`: any source, only with
    /// [`FlowConfig::unsafe_any_noti_source`]).
    noti_allow: Option<NotiIpAllowList>,
}

impl fmt::Debug for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Flow")
            .field("merchant", &self.merchant)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Flow {
    /// A flow with no event handler (see [`Flow::with_events`]). The
    /// notification allow-list is resolved here: the configured one, else
    /// the default for the merchant's mode ([`default_noti_sources`]).
    pub fn new(
        merchant: Merchant,
        client: GatewayClient,
        ledger: Arc<dyn Ledger>,
        config: FlowConfig,
    ) -> Flow {
        let noti_allow = if config.unsafe_any_noti_source {
            tracing::warn!(mid = %merchant.mid(), "UNSAFE: notifications accepted from any source address");
            None
        } else {
            Some(
                config
                    .noti_sources
                    .clone()
                    .unwrap_or_else(|| default_noti_sources(&merchant)),
            )
        };
        if config.confirm.trust == NotiTrust::UnsafeTrustUnsignedNotifications {
            tracing::warn!(mid = %merchant.mid(), "UNSAFE: notifications are applied without confirmation by the gateway");
        }
        Flow {
            noti_allow,
            merchant,
            client,
            ledger,
            config,
            dispatcher: None,
            reconcile_config: ReconcileConfig::default(),
            billing: None,
            refunds: None,
        }
    }

    /// Sets the handler told about payments (paid, deposited, alerts).
    ///
    /// Every event is first written to the ledger's outbox, in the
    /// transaction of the change that causes it; the flow then delivers it
    /// at once, and what fails (a handler error, a timeout, a crash) is
    /// delivered again by [`Flow::start`]'s dispatcher with backoff, with
    /// the same [`Delivery::id`]. A delivered `Paid` or `Deposited`
    /// acknowledges the payment. Without a handler, events wait in the
    /// outbox (listed in the reconciliation report).
    #[must_use]
    pub fn with_events(mut self, events: Arc<dyn EventHandler>) -> Flow {
        let config = self
            .dispatcher
            .as_ref()
            .map(|d| d.config().clone())
            .unwrap_or_default();
        self.dispatcher = Some(Dispatcher::new(self.ledger.clone(), events).with_config(config));
        self
    }

    /// Sets how events are delivered (after [`Flow::with_events`]).
    #[must_use]
    pub fn with_dispatch_config(mut self, config: DispatchConfig) -> Flow {
        self.dispatcher = self.dispatcher.map(|d| d.with_config(config));
        self
    }

    /// Sets when the reconciler acts ([`Flow::reconcile`]).
    #[must_use]
    pub fn with_reconcile_config(mut self, config: ReconcileConfig) -> Flow {
        self.reconcile_config = config;
        self
    }

    /// The dispatcher of the app's handler, if one is installed.
    pub fn dispatcher(&self) -> Option<&Dispatcher> {
        self.dispatcher.as_ref()
    }

    /// Enables billing-key issuance with keys sealed by `billing.billkey_key`.
    #[must_use]
    pub fn with_billing(mut self, billing: BillingConfig) -> Flow {
        self.billing = Some(billing);
        self
    }

    /// The merchant.
    pub fn merchant(&self) -> &Merchant {
        &self.merchant
    }

    /// The configuration.
    pub fn config(&self) -> &FlowConfig {
        &self.config
    }

    /// The ledger.
    pub fn ledger(&self) -> &Arc<dyn Ledger> {
        &self.ledger
    }

    /// What the ledger knows about an order (for the 1trs return page and the
    /// app's own result page). An invalid order id is `Ok(None)`.
    pub async fn status(&self, order_id: &str) -> Result<Option<Payment>, FlowError> {
        let Ok(oid) = OrderId::new(order_id) else {
            return Ok(None);
        };
        Ok(self.ledger.payment(&oid).await?)
    }
}

/// A flow step that could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// The order or request is invalid (names the INICIS field and limit).
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The merchant configuration lacks something (a key).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The ledger failed; nothing was acted on.
    #[error("the payment ledger failed")]
    Ledger(#[from] LedgerError),
    /// A refund was not sent ([`Flow::refund`]); nothing was refunded.
    #[error(transparent)]
    Refund(Box<RefundError>),
    /// The operating system's random number generator failed (a one-time
    /// nonce could not be made); nothing was started.
    #[error("the system random number generator failed")]
    Randomness,
    /// The order cannot be paid (again): it is paid, has a virtual account
    /// waiting for its deposit, or ended (net-cancelled, expired, refunded).
    #[error("the order cannot be paid: it is {state}")]
    NotPayable {
        /// The payment's state.
        state: crate::ledger::PaymentState,
    },
}
