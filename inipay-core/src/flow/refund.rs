//! Refunds of a paid order (환불): full (전체취소) and partial (부분취소)
//! INIAPI refunds, journaled and applied to the ledger exactly once
//! (PROTOCOL.md 4.3, 4.4, 5.3-5.5).
//!
//! [`Flow::refund`] checks the request against the ledger first (unknown
//! order, not paid, more than what remains: typed errors, INICIS is never
//! called), journals the signed request, calls INICIS once (a refund is never
//! retried), journals the reply and records [`Event::Refunded`] keyed by the
//! refund's TID, so a repeated reply cannot refund twice in the books.
//!
//! The contract of the result: `Err(_)` means **nothing was sent** to INICIS,
//! so nothing was refunded; `Ok(_)` means INICIS was called and
//! [`RefundOutcome`] says what it answered (or that the answer was lost).

use super::{Flow, FlowError};
use crate::client::ClientError;
use crate::config::ConfigError;
use crate::encoding::Charset;
use crate::iniapi::{
    ApiRequest, ClientIp, IniapiConfig, PartialRefund, PayMethod, Refund, RefundAccount,
    RequestMeta, SignError, VacctPartialRefund, VacctRefund,
};
use crate::ledger::{
    Applied, Direction, Event, Intent, LedgerError, Message, MessageKind, PaymentState, Rejection,
};
use crate::outcome::ResultCode;
use crate::time::Timestamp;
use crate::types::{Amount, FieldError, OrderId, Tid};

/// How the flow sends refunds: the INIAPI version and the merchant server's
/// IP (`clientIp`, sent and hashed with every request; whether INICIS checks
/// it is not known, PROTOCOL.md 4.1).
///
/// ```
/// use inipay_core::flow::{FullAfterPartial, RefundConfig};
/// use inipay_core::iniapi::{ApiVersion, ClientIp};
///
/// let config = RefundConfig::new(ClientIp::parse("192.0.0.1")?);
/// assert_eq!(config.iniapi.version, ApiVersion::V1);
/// assert_eq!(config.full_after_partial, FullAfterPartial::PartialOfRemainder);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundConfig {
    /// The INIAPI wire version (v1 form or v2 JSON).
    pub iniapi: IniapiConfig,
    /// `clientIp`: the merchant server's address.
    pub client_ip: ClientIp,
    /// How a full refund is sent once part of the payment was refunded.
    pub full_after_partial: FullAfterPartial,
}

impl RefundConfig {
    /// INIAPI v1 from `client_ip`; the rest of a partly refunded payment is
    /// refunded as a partial refund with `confirmPrice` 0.
    pub fn new(client_ip: ClientIp) -> RefundConfig {
        RefundConfig {
            iniapi: IniapiConfig::default(),
            client_ip,
            full_after_partial: FullAfterPartial::default(),
        }
    }
}

/// How a full refund (전체취소) is sent after one or more partial refunds.
///
/// PROTOCOL.md does not say whether INICIS accepts `type=Refund` on a TID
/// that was partly cancelled; a partial refund of everything that remains
/// (`confirmPrice` 0, PROTOCOL.md 4.4) is the documented way, so it is the
/// default.
///
/// ```
/// use inipay_core::flow::FullAfterPartial;
/// assert_eq!(FullAfterPartial::default(), FullAfterPartial::PartialOfRemainder);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum FullAfterPartial {
    /// `type=PartialRefund` with `price` = what remains, `confirmPrice` 0.
    #[default]
    PartialOfRemainder,
    /// `type=Refund` on the original TID (INICIS cancels what remains).
    FullRefund,
}

/// How much to refund.
///
/// ```
/// use inipay_core::flow::RefundAmount;
/// use inipay_core::types::Amount;
/// assert_ne!(RefundAmount::Full, RefundAmount::Partial(Amount::won(500)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundAmount {
    /// Everything still paid (전체취소).
    Full,
    /// This many won (부분취소); at most what is still paid.
    Partial(Amount),
}

/// A refund the merchant asks for.
///
/// ```
/// use inipay_core::flow::{RefundAmount, RefundRequest};
/// use inipay_core::iniapi::{BankCode, PayMethod, RefundAccount};
/// use inipay_core::types::Amount;
/// use secrecy::SecretString;
///
/// let full = RefundRequest::full("고객 요청 취소");
/// assert_eq!(full.amount, RefundAmount::Full);
///
/// let part = RefundRequest::partial(Amount::won(300), "부분취소").method(PayMethod::Card);
/// assert_eq!(part.amount, RefundAmount::Partial(Amount::won(300)));
///
/// // A deposited virtual account is paid back to the buyer's account.
/// let account = RefundAccount::new(BankCode::new("20")?, SecretString::from("123456789".to_owned()), "홍길동")?;
/// let vacct = RefundRequest::full("환불").account(account);
/// assert!(!format!("{vacct:?}").contains("123456789"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RefundRequest {
    /// Full or partial.
    pub amount: RefundAmount,
    /// `msg`: the reason sent to INICIS (at most 100 characters, (I)).
    pub reason: String,
    /// `paymethod`; `None` reads it from the approval TID (`INIMX_CARD`,
    /// `INIMX_ISP_`, `StdpayCARD`, `INIAPICARD`: `Card`; `..._HPP_`: `HPP`;
    /// `..._DBNK`: `Acct`; `..._VBNK`: `Vacct`). See [`refund_method`].
    pub method: Option<PayMethod>,
    /// The buyer's account, required for a deposited virtual account
    /// (`Vacct`, PROTOCOL.md 4.3, 5.5); ignored for other methods.
    pub account: Option<RefundAccount>,
}

impl RefundRequest {
    /// A full refund (전체취소) of everything still paid.
    pub fn full(reason: &str) -> RefundRequest {
        RefundRequest {
            amount: RefundAmount::Full,
            reason: reason.to_owned(),
            method: None,
            account: None,
        }
    }

    /// A partial refund (부분취소) of `amount` won.
    pub fn partial(amount: Amount, reason: &str) -> RefundRequest {
        RefundRequest {
            amount: RefundAmount::Partial(amount),
            ..RefundRequest::full(reason)
        }
    }

    /// Sets `paymethod` instead of reading it from the TID.
    #[must_use]
    pub fn method(mut self, method: PayMethod) -> RefundRequest {
        self.method = Some(method);
        self
    }

    /// Sets the buyer's refund account (virtual accounts).
    #[must_use]
    pub fn account(mut self, account: RefundAccount) -> RefundRequest {
        self.account = Some(account);
        self
    }
}

/// The refund `paymethod` of an approval TID, when its prefix tells it
/// (PROTOCOL.md 4.1, 7.2): the method code follows a six-character prefix
/// (`INIMX_`, `Stdpay`, `INIAPI`).
///
/// ```
/// use inipay_core::flow::refund_method;
/// use inipay_core::iniapi::PayMethod;
/// use inipay_core::types::Tid;
///
/// let card = Tid::new("INIMX_CARDINIpayTest20240101120000123456")?;
/// assert_eq!(refund_method(&card), Some(PayMethod::Card));
/// let vbank = Tid::new("INIMX_VBNKINIpayTest20160504112903950668")?;
/// assert_eq!(refund_method(&vbank), Some(PayMethod::Vacct));
/// assert_eq!(refund_method(&Tid::new("XYZ123")?), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn refund_method(tid: &Tid) -> Option<PayMethod> {
    let t = tid.as_str();
    let prefix = t.get(..6)?;
    if !matches!(prefix, "INIMX_" | "Stdpay" | "INIAPI") {
        return None;
    }
    match t.get(6..10)? {
        "CARD" | "ISP_" => Some(PayMethod::Card),
        "HPP_" => Some(PayMethod::Hpp),
        "DBNK" => Some(PayMethod::Acct),
        "VBNK" => Some(PayMethod::Vacct),
        _ => None,
    }
}

/// What INICIS answered to a refund (INICIS was called). Every reply is in
/// the journal; only [`RefundOutcome::Refunded`] changed the ledger.
///
/// ```
/// use inipay_core::flow::RefundOutcome;
/// use inipay_core::ledger::PaymentState;
/// use inipay_core::types::{Amount, OrderId, Tid};
///
/// let done = RefundOutcome::Refunded {
///     order_id: OrderId::new("ORD-1")?,
///     refund_tid: Tid::new("INIMX_CARDINIpayTest20240101120000123456")?,
///     amount: Amount::won(1000),
///     refunded: Amount::won(1000),
///     state: PaymentState::Refunded,
/// };
/// assert!(done.is_refunded());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefundOutcome {
    /// INICIS refunded and the ledger recorded it.
    Refunded {
        /// The order.
        order_id: OrderId,
        /// The refund's TID: the new TID of a partial refund, the approval
        /// TID of a full refund (its reply carries none, PROTOCOL.md 4.3).
        refund_tid: Tid,
        /// Refunded by this call.
        amount: Amount,
        /// Refunded in total so far.
        refunded: Amount,
        /// The payment's state now (`PartiallyRefunded` or `Refunded`).
        state: PaymentState,
    },
    /// The ledger already shows the payment fully refunded; INICIS was not
    /// called again.
    AlreadyRefunded {
        /// The order.
        order_id: OrderId,
        /// Refunded in total.
        refunded: Amount,
    },
    /// INICIS says the transaction is already cancelled (기 취소 거래,
    /// `detailResultCode` 512626, PROTOCOL.md 4.3) although the ledger did
    /// not know: cancelled elsewhere (the admin console) or by an earlier call
    /// whose answer was lost. The ledger is unchanged; confirm with an
    /// inquiry (PROTOCOL.md 4.5) before marking it refunded.
    AlreadyCancelled {
        /// The order.
        order_id: OrderId,
        /// The code and message as received.
        result: ResultCode,
    },
    /// INICIS refused the refund. Nothing was refunded; the ledger is
    /// unchanged. The code and message are kept raw.
    Declined {
        /// The order.
        order_id: OrderId,
        /// The code and message as received.
        result: ResultCode,
    },
    /// The request was sent but no usable answer came back (timeout, broken
    /// connection, HTTP 5xx, unreadable reply): INICIS may have refunded.
    /// Run an inquiry (PROTOCOL.md 4.5) before trying again.
    OutcomeUnknown {
        /// The order.
        order_id: OrderId,
        /// What went wrong (no personal data).
        reason: &'static str,
    },
    /// INICIS refunded, but the ledger could not record it (a database
    /// failure, or the books disagree, e.g. a concurrent refund). Alerted;
    /// reconcile by hand.
    Unrecorded {
        /// The order.
        order_id: OrderId,
        /// The refund's TID, when INICIS sent one.
        refund_tid: Option<Tid>,
        /// Refunded by this call.
        amount: Amount,
        /// Why it is not in the books.
        reason: String,
    },
}

impl RefundOutcome {
    /// Whether this call refunded money and recorded it.
    pub fn is_refunded(&self) -> bool {
        matches!(self, RefundOutcome::Refunded { .. })
    }
}

/// A refund that was not sent: nothing was refunded.
///
/// ```
/// use inipay_core::flow::RefundError;
/// use inipay_core::types::Amount;
/// let e = RefundError::ExceedsRemaining { remaining: Amount::won(300), requested: Amount::won(500) };
/// assert_eq!(e.to_string(), "a refund of 500 won exceeds the 300 won still paid");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RefundError {
    /// No payment exists for this order id.
    #[error("unknown order")]
    UnknownOrder,
    /// The payment is not paid (not approved, or a virtual account without
    /// deposit, or already fully refunded for a partial request).
    #[error("the payment cannot be refunded in state {state}")]
    NotPaid {
        /// The payment's state.
        state: PaymentState,
    },
    /// The payment is paid but has no approval TID in the ledger.
    #[error("the payment has no approval TID")]
    NoTid,
    /// A partial refund larger than what is still paid.
    #[error(
        "a refund of {} won exceeds the {} won still paid",
        requested.get(),
        remaining.get()
    )]
    ExceedsRemaining {
        /// Still paid.
        remaining: Amount,
        /// Asked for.
        requested: Amount,
    },
    /// The TID does not tell the payment method; set
    /// [`RefundRequest::method`].
    #[error("the payment method cannot be read from the TID; set it in the request")]
    UnknownMethod,
    /// A deposited virtual account (`Vacct`) needs the buyer's account
    /// ([`RefundRequest::account`]).
    #[error("a virtual-account refund needs the buyer's refund account")]
    AccountRequired,
    /// Refunds are not configured ([`Flow::with_refunds`]) or the INIAPI key
    /// is missing.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A field is invalid (order id, reason, amount 0...).
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The request could not be signed.
    #[error("the refund request could not be signed")]
    Sign(#[source] SignError),
    /// The ledger failed before anything was sent.
    #[error("the payment ledger failed; nothing was sent")]
    Ledger(#[from] LedgerError),
    /// INICIS could not be reached; the request was not delivered.
    #[error("the gateway could not be reached; nothing was refunded")]
    Unreachable(#[source] ClientError),
}

impl From<RefundError> for FlowError {
    fn from(e: RefundError) -> FlowError {
        match e {
            RefundError::Config(c) => FlowError::Config(c),
            RefundError::Field(f) => FlowError::Field(f),
            RefundError::Ledger(l) => FlowError::Ledger(l),
            other => FlowError::Refund(Box::new(other)),
        }
    }
}

/// A signed request and what it refunds.
struct Prepared {
    request: ApiRequest,
    partial: bool,
    amount: Amount,
    confirm_price: Amount,
}

impl Flow {
    /// Enables [`Flow::refund`] with these settings.
    #[must_use]
    pub fn with_refunds(mut self, refunds: RefundConfig) -> Flow {
        self.refunds = Some(refunds);
        self
    }

    /// Refunds a paid order (환불): in full (전체취소, `type=Refund`,
    /// PROTOCOL.md 4.3/5.3) or in part (부분취소, `type=PartialRefund` with
    /// `confirmPrice` = what stays paid, 4.4/5.4); a deposited virtual
    /// account is paid back to the account in the request (5.5).
    ///
    /// The amount is checked against the ledger before INICIS is called; the
    /// request and the reply are journaled (`IniapiRequest`/`IniapiReply`,
    /// account numbers masked); a success records [`Event::Refunded`] once,
    /// keyed by the refund TID. See [`RefundOutcome`] and [`RefundError`].
    ///
    /// ```no_run
    /// use inipay_core::client::{ClientConfig, GatewayClient};
    /// use inipay_core::config::{Endpoints, Merchant, test_keys};
    /// use inipay_core::flow::{Flow, FlowConfig, RefundConfig, RefundOutcome, RefundRequest};
    /// use inipay_core::iniapi::ClientIp;
    /// use inipay_core::ledger::MemoryStore;
    /// use inipay_core::time::Timestamp;
    /// use inipay_core::types::Amount;
    /// use std::sync::Arc;
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(),
    ///     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
    /// let flow = Flow::new(merchant, GatewayClient::new(ClientConfig::default())?,
    ///         Arc::new(MemoryStore::new()), FlowConfig::new("http://127.0.0.1:8080", "/inicis")?)
    ///     .with_refunds(RefundConfig::new(ClientIp::parse("192.0.0.1")?));
    /// let now = Timestamp::from_unix_millis(1_704_078_000_000);
    /// match flow.refund("ORD-1", RefundRequest::partial(Amount::won(300), "부분취소"), now).await? {
    ///     RefundOutcome::Refunded { refunded, state, .. } => println!("{refunded:?} refunded, {state}"),
    ///     RefundOutcome::OutcomeUnknown { .. } => println!("inquire before retrying"),
    ///     other => println!("{other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn refund(
        &self,
        order_id: &str,
        request: RefundRequest,
        now: Timestamp,
    ) -> Result<RefundOutcome, RefundError> {
        let oid = OrderId::new(order_id)?;
        let config = self.refunds.as_ref().ok_or(ConfigError::MissingKey(
            "refund settings (Flow::with_refunds)",
        ))?;
        let payment = self
            .ledger
            .payment(&oid)
            .await?
            .ok_or(RefundError::UnknownOrder)?;
        if payment.state == PaymentState::Refunded {
            return match request.amount {
                RefundAmount::Full => Ok(RefundOutcome::AlreadyRefunded {
                    order_id: oid,
                    refunded: payment.refunded,
                }),
                RefundAmount::Partial(requested) => Err(RefundError::ExceedsRemaining {
                    remaining: Amount::ZERO,
                    requested,
                }),
            };
        }
        if !payment.state.is_paid() {
            return Err(RefundError::NotPaid {
                state: payment.state,
            });
        }
        let tid = payment.tid.clone().ok_or(RefundError::NoTid)?;
        let remaining = payment
            .amount
            .checked_sub(payment.refunded)
            .unwrap_or(Amount::ZERO);
        let method = request
            .method
            .or_else(|| refund_method(&tid))
            .ok_or(RefundError::UnknownMethod)?;
        let refunded_before = !payment.refunded.is_zero();
        let prepared = self.prepare(
            config,
            &request,
            &tid,
            method,
            (remaining, refunded_before),
            now,
        )?;

        let outbound = Message::new(
            MessageKind::IniapiRequest,
            Direction::Outbound,
            Charset::Utf8,
            prepared.request.to_body(),
            now,
        )
        .order(oid.clone())
        .tid(tid.clone());
        self.ledger.append(outbound, None).await?;

        if prepared.partial {
            self.send_partial(oid, tid, prepared, now).await
        } else {
            self.send_full(oid, tid, prepared, now).await
        }
    }

    /// Checks the amount and builds the signed request.
    fn prepare(
        &self,
        config: &RefundConfig,
        request: &RefundRequest,
        tid: &Tid,
        method: PayMethod,
        (remaining, refunded_before): (Amount, bool),
        now: Timestamp,
    ) -> Result<Prepared, RefundError> {
        let (partial, amount) = match request.amount {
            RefundAmount::Partial(a) if a > remaining => {
                return Err(RefundError::ExceedsRemaining {
                    remaining,
                    requested: a,
                });
            }
            RefundAmount::Partial(a) => (true, a),
            RefundAmount::Full => (
                refunded_before
                    && config.full_after_partial == FullAfterPartial::PartialOfRemainder,
                remaining,
            ),
        };
        let account = match method {
            PayMethod::Vacct => Some(
                request
                    .account
                    .clone()
                    .ok_or(RefundError::AccountRequired)?,
            ),
            _ => None,
        };
        let meta = RequestMeta {
            timestamp: now,
            client_ip: config.client_ip,
        };
        let t = tid.as_str();
        let sign = |r: Result<ApiRequest, SignError>| r.map_err(RefundError::Sign);
        let (request, confirm_price) = match (partial, account) {
            (false, None) => {
                let r = Refund::new(method, t, &request.reason)?;
                (
                    sign(config.iniapi.sign(&r, &self.merchant, &meta))?,
                    Amount::ZERO,
                )
            }
            (false, Some(acct)) => {
                let r = VacctRefund::new(t, &request.reason, acct)?;
                (
                    sign(config.iniapi.sign(&r, &self.merchant, &meta))?,
                    Amount::ZERO,
                )
            }
            (true, None) => {
                let r = PartialRefund::new(method, t, &request.reason, amount, remaining)?;
                let c = r.confirm_price();
                (sign(config.iniapi.sign(&r, &self.merchant, &meta))?, c)
            }
            (true, Some(acct)) => {
                let r = VacctPartialRefund::new(t, &request.reason, amount, remaining, acct)?;
                let c = r.confirm_price();
                (sign(config.iniapi.sign(&r, &self.merchant, &meta))?, c)
            }
        };
        Ok(Prepared {
            request,
            partial,
            amount,
            confirm_price,
        })
    }

    async fn send_full(
        &self,
        oid: OrderId,
        tid: Tid,
        prepared: Prepared,
        now: Timestamp,
    ) -> Result<RefundOutcome, RefundError> {
        let exchange = match self.client.refund(&prepared.request).await {
            Ok(x) => x,
            Err(e) => {
                let outcome = self.send_failed(oid.clone(), tid.clone(), e, now).await?;
                self.park_full_refund(&outcome, &tid, prepared.amount, now)
                    .await;
                return Ok(outcome);
            }
        };
        let reply_msg = reply_message(exchange.raw.body, &oid, &tid, now);
        let reply = match exchange.parsed {
            Ok(r) => r,
            Err(_) => {
                let outcome = self.unreadable(reply_msg, oid, now).await?;
                self.park_full_refund(&outcome, &tid, prepared.amount, now)
                    .await;
                return Ok(outcome);
            }
        };
        if reply.result.is_success() {
            // A full refund's reply carries no TID (PROTOCOL.md 4.3): the
            // approval TID it cancelled is the idempotency key.
            return self
                .keep_refund(reply_msg, oid, tid, prepared.amount, now)
                .await;
        }
        self.ledger.append(reply_msg, None).await?;
        if reply.is_already_cancelled() {
            self.alert(
                Some(&oid),
                "INICIS reports the payment already cancelled; confirm with an inquiry",
                now,
            )
            .await;
            return Ok(RefundOutcome::AlreadyCancelled {
                order_id: oid,
                result: reply.result,
            });
        }
        Ok(RefundOutcome::Declined {
            order_id: oid,
            result: reply.result,
        })
    }

    /// A full refund of unknown outcome waits for the reconciler's inquiry
    /// ([`Flow::reconcile`]): parked under a local journal record, keyed by
    /// the approval TID as a full refund's own record is. Applied once the
    /// gateway reports the payment cancelled; a partial refund of unknown
    /// outcome stays with a person (an inquiry does not tell which part).
    async fn park_full_refund(
        &self,
        outcome: &RefundOutcome,
        tid: &Tid,
        amount: Amount,
        now: Timestamp,
    ) {
        let RefundOutcome::OutcomeUnknown { order_id, .. } = outcome else {
            return;
        };
        let note = Message::new(
            MessageKind::IniapiReply,
            Direction::Local,
            Charset::Utf8,
            b"refund outcome unknown; parked until an inquiry settles it".to_vec(),
            now,
        )
        .order(order_id.clone())
        .tid(tid.clone());
        let parked = async {
            let message = self.ledger.append(note, None).await?;
            self.ledger
                .park_unconfirmed(crate::ledger::Unconfirmed {
                    message,
                    order_id: order_id.clone(),
                    event: Event::Refunded {
                        refund_tid: tid.clone(),
                        amount,
                    },
                    parked_at: now,
                })
                .await
        };
        if let Err(e) = parked.await {
            tracing::error!(order_id = %order_id, error = %e, "could not park a refund of unknown outcome");
        }
    }

    async fn send_partial(
        &self,
        oid: OrderId,
        tid: Tid,
        prepared: Prepared,
        now: Timestamp,
    ) -> Result<RefundOutcome, RefundError> {
        let exchange = match self.client.partial_refund(&prepared.request).await {
            Ok(x) => x,
            Err(e) => return self.send_failed(oid, tid, e, now).await,
        };
        let reply_msg = reply_message(exchange.raw.body, &oid, &tid, now);
        let reply = match exchange.parsed {
            Ok(r) => r,
            Err(_) => return self.unreadable(reply_msg, oid, now).await,
        };
        if !reply.result.is_success() {
            self.ledger.append(reply_msg, None).await?;
            return Ok(RefundOutcome::Declined {
                order_id: oid,
                result: reply.result,
            });
        }
        let amount = prepared.amount;
        let refund_tid = reply.tid.as_deref().and_then(|t| Tid::new(t).ok());
        let problem = if refund_tid.is_none() {
            Some("partial refund reply without a usable TID".to_owned())
        } else if reply.refunded.is_some_and(|r| r != amount) {
            Some("INICIS reports a different refunded amount (prtcPrice)".to_owned())
        } else {
            None
        };
        if let (Some(refund_tid), None) = (refund_tid.clone(), &problem) {
            if let Err(m) = reply.check_remaining(prepared.confirm_price) {
                // The refund happened; the books follow what was refunded and
                // a person looks at the difference in what remains.
                tracing::warn!(order_id = %oid, error = %m, "partial refund: remaining differs");
                self.alert(
                    Some(&oid),
                    "INICIS reports a different remaining amount after a partial refund",
                    now,
                )
                .await;
            }
            return self
                .keep_refund(reply_msg, oid, refund_tid, amount, now)
                .await;
        }
        let reason = problem.unwrap_or_default();
        self.journal(reply_msg).await;
        self.alert(Some(&oid), &reason, now).await;
        Ok(RefundOutcome::Unrecorded {
            order_id: oid,
            refund_tid,
            amount,
            reason,
        })
    }

    /// Records a successful refund: exactly once per refund TID.
    async fn keep_refund(
        &self,
        reply: Message,
        oid: OrderId,
        refund_tid: Tid,
        amount: Amount,
        now: Timestamp,
    ) -> Result<RefundOutcome, RefundError> {
        let event = Event::Refunded {
            refund_tid: refund_tid.clone(),
            amount,
        };
        let unrecorded = |reason: String| RefundOutcome::Unrecorded {
            order_id: oid.clone(),
            refund_tid: Some(refund_tid.clone()),
            amount,
            reason,
        };
        let applied = match self
            .ledger
            .record(reply, Intent::new(oid.clone(), event))
            .await
        {
            Ok(rec) => rec.applied,
            Err(e) => {
                tracing::error!(order_id = %oid, error = %e, "ledger failed after a refund");
                self.alert(Some(&oid), "refunded at INICIS but not recorded", now)
                    .await;
                return Ok(unrecorded("the ledger failed after the refund".into()));
            }
        };
        match applied {
            Applied::Transitioned { .. } | Applied::Unchanged { .. } => {
                self.deliver(Some(&oid), now).await;
            }
            Applied::Duplicate { .. } => {}
            Applied::Rejected(r) => {
                let reason = rejection_text(&r);
                self.alert(
                    Some(&oid),
                    "refunded at INICIS but the ledger refused it",
                    now,
                )
                .await;
                return Ok(unrecorded(reason));
            }
        }
        let payment = self.ledger.payment(&oid).await?;
        let (refunded, state) = payment
            .map(|p| (p.refunded, p.state))
            .unwrap_or((amount, PaymentState::PartiallyRefunded));
        Ok(RefundOutcome::Refunded {
            order_id: oid,
            refund_tid,
            amount,
            refunded,
            state,
        })
    }

    async fn send_failed(
        &self,
        oid: OrderId,
        tid: Tid,
        e: ClientError,
        now: Timestamp,
    ) -> Result<RefundOutcome, RefundError> {
        if !e.is_outcome_unknown() {
            return Err(RefundError::Unreachable(e));
        }
        if let ClientError::Status { reply, .. } = &e {
            let msg = reply_message(reply.body.clone(), &oid, &tid, now);
            self.journal(msg).await;
        }
        tracing::warn!(order_id = %oid, error = %e, "refund outcome unknown");
        self.alert(
            Some(&oid),
            "refund outcome unknown: inquire before trying again",
            now,
        )
        .await;
        Ok(RefundOutcome::OutcomeUnknown {
            order_id: oid,
            reason: "no usable reply (timeout, broken connection or HTTP 5xx)",
        })
    }

    async fn unreadable(
        &self,
        reply: Message,
        oid: OrderId,
        now: Timestamp,
    ) -> Result<RefundOutcome, RefundError> {
        self.journal(reply).await;
        self.alert(
            Some(&oid),
            "refund reply unreadable: inquire before trying again",
            now,
        )
        .await;
        Ok(RefundOutcome::OutcomeUnknown {
            order_id: oid,
            reason: "the refund reply could not be read",
        })
    }
}

fn reply_message(body: Vec<u8>, oid: &OrderId, tid: &Tid, now: Timestamp) -> Message {
    Message::new(
        MessageKind::IniapiReply,
        Direction::Inbound,
        Charset::Utf8,
        body,
        now,
    )
    .order(oid.clone())
    .tid(tid.clone())
}

fn rejection_text(r: &Rejection) -> String {
    format!("the ledger refused the refund: {r}")
}
