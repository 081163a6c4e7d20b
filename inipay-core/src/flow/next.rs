//! Step 3: the auth result on `P_NEXT_URL`, approval, verification and net
//! cancel (PROTOCOL.md 2.4, 2.5, 2.8).

use super::{Flow, FlowError};
use crate::ledger::{Applied, Direction, Event, Intent, Message, MessageKind, Rejection};
use crate::mobile::{
    ApprovalReply, Approved, AuthResult, AuthSuccess, Expected, NetCancelRequest, VbankAccount,
    VerifyError,
};
use crate::outcome::{Outcome, ResultCode};
use crate::time::Timestamp;
use crate::types::{Amount, OrderId, Tid};

/// Which TID a net cancel (망취소) names (PROTOCOL.md 2.8).
///
/// The official sample sends the **auth** TID received on `P_NEXT_URL`;
/// other integrations send the approval TID of the reply. PROTOCOL.md marks
/// the point as uncertain, so it is configurable
/// ([`FlowConfig::net_cancel_tid`](super::FlowConfig::net_cancel_tid)).
///
/// ```
/// use inipay_core::flow::{FlowConfig, NetCancelTid};
/// let mut config = FlowConfig::new("https://shop.example.com", "/inicis")?;
/// assert_eq!(config.net_cancel_tid, NetCancelTid::Auth);
/// config.net_cancel_tid = NetCancelTid::Approval;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum NetCancelTid {
    /// The auth TID (`INIMX_AUTH...`), as the official sample does (default).
    #[default]
    Auth,
    /// The approval reply's `P_TID` when the reply was readable and carried
    /// one; the auth TID otherwise.
    Approval,
}

/// What the gateway's approval reply said it approved, as far as it was
/// readable: a net cancel names this amount and TID, never the ledger's
/// expectation (a mismatch between the two is what is being cancelled).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Approval<'a> {
    pub(super) tid: Option<&'a Tid>,
    pub(super) amount: Option<Amount>,
}

/// What happened to a payment on `P_NEXT_URL`. Every variant has been
/// recorded in the ledger; the adapter sends the browser to the app's result
/// page.
#[derive(Debug)]
#[non_exhaustive]
pub enum NextOutcome {
    /// Approved and verified: the money is captured.
    Paid {
        /// The order.
        order_id: OrderId,
        /// The approval TID.
        tid: Tid,
        /// The amount.
        amount: Amount,
    },
    /// A virtual account was issued; the order is paid when the deposit
    /// notification arrives.
    VbankIssued {
        /// The order.
        order_id: OrderId,
        /// The issuance TID.
        tid: Tid,
        /// The amount to deposit.
        amount: Amount,
        /// Account, bank, deadline (account number redacted in `Debug`).
        account: Box<VbankAccount>,
    },
    /// The buyer cancelled or authentication failed (INICIS does not tell
    /// which: `P_STATUS=01`, PROTOCOL.md 2.9). Nothing was charged.
    NotAuthenticated {
        /// The order, when the callback URL carried it.
        order_id: Option<OrderId>,
        /// The code and message.
        result: ResultCode,
    },
    /// Approval was refused by INICIS, the card company, bank or carrier.
    Declined {
        /// The order.
        order_id: OrderId,
        /// The code and message.
        result: ResultCode,
    },
    /// Approved, then undone with a net cancel because something did not
    /// match or could not be recorded. Nothing was charged.
    NetCancelled {
        /// The order.
        order_id: OrderId,
        /// Why.
        reason: &'static str,
        /// Whether the ledger recorded the net cancel (`false`: the ledger
        /// failed; the journal and the gateway still know it).
        recorded: bool,
    },
    /// Approved, and the net cancel failed: the money may be captured for an
    /// order we refused. Recorded, alerted, and listed by the reconciliation
    /// report; refund it with INIAPI.
    NetCancelFailed {
        /// The order.
        order_id: OrderId,
        /// Why the approval had to be undone.
        reason: &'static str,
        /// Whether the ledger recorded the failure (`false`: the ledger
        /// failed too; the alert was still raised).
        recorded: bool,
    },
    /// Not approved, nothing charged: the result was unusable or unsafe
    /// (unknown order, amount mismatch, `P_REQ_URL` not allowed, malformed).
    Rejected {
        /// The order, when known.
        order_id: Option<OrderId>,
        /// Why.
        reason: &'static str,
    },
    /// The same auth result was already handled (double submit, reload).
    /// Nothing was called again; the ledger state is attached.
    AlreadyProcessed {
        /// The order.
        order_id: OrderId,
        /// Whether the order is paid (approved or deposited).
        paid: bool,
    },
    /// The ledger failed before anything was approved.
    Error(FlowError),
}

impl NextOutcome {
    /// The order the outcome is about, when known.
    pub fn order_id(&self) -> Option<&OrderId> {
        match self {
            NextOutcome::Paid { order_id, .. }
            | NextOutcome::VbankIssued { order_id, .. }
            | NextOutcome::Declined { order_id, .. }
            | NextOutcome::NetCancelled { order_id, .. }
            | NextOutcome::NetCancelFailed { order_id, .. }
            | NextOutcome::AlreadyProcessed { order_id, .. } => Some(order_id),
            NextOutcome::NotAuthenticated { order_id, .. }
            | NextOutcome::Rejected { order_id, .. } => order_id.as_ref(),
            NextOutcome::Error(_) => None,
        }
    }

    /// Whether the order is paid now.
    pub fn is_paid(&self) -> bool {
        matches!(
            self,
            NextOutcome::Paid { .. } | NextOutcome::AlreadyProcessed { paid: true, .. }
        )
    }
}

impl Flow {
    /// Handles the auth result INICIS delivered to `P_NEXT_URL` (POST body or
    /// GET query): records it, approves it once, verifies the approval, and
    /// net-cancels whatever it cannot keep. `order_id` is the `oid` query
    /// parameter of [`FlowConfig::next_url`](super::FlowConfig::next_url).
    pub async fn next(&self, order_id: Option<&str>, body: &[u8], now: Timestamp) -> NextOutcome {
        let charset = self.config.result_charset;
        let oid = order_id.and_then(|s| OrderId::new(s).ok());
        let mut msg = Message::new(
            MessageKind::AuthResult,
            Direction::Inbound,
            charset,
            body.to_vec(),
            now,
        );
        if let Some(o) = &oid {
            msg = msg.order(o.clone());
        }
        let parsed = match AuthResult::parse(body, charset) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "unreadable auth result");
                return self.journal_only(msg, oid, "unreadable auth result").await;
            }
        };
        let auth = match parsed {
            AuthResult::Failure(f) => {
                let Some(o) = oid.clone() else {
                    return match self.ledger.append(msg, None).await {
                        Ok(_) => NextOutcome::NotAuthenticated {
                            order_id: None,
                            result: f.result,
                        },
                        Err(e) => NextOutcome::Error(e.into()),
                    };
                };
                // Unsigned: never moves an order whose approval may be in
                // flight (`Event::AuthFailed`); journaled either way.
                let event = Event::AuthFailed {
                    code: f.result.code.clone(),
                };
                return match self.ledger.record(msg, Intent::new(o.clone(), event)).await {
                    Ok(_) => NextOutcome::NotAuthenticated {
                        order_id: Some(o),
                        result: f.result,
                    },
                    Err(e) => NextOutcome::Error(e.into()),
                };
            }
            AuthResult::Success(s) => s,
        };
        msg = msg.tid(auth.tid.clone());
        let Some(oid) = oid else {
            return self
                .journal_only(msg, None, "auth result without order id")
                .await;
        };
        let payment = match self.ledger.payment(&oid).await {
            Ok(Some(p)) => p,
            Ok(None) => return self.journal_only(msg, Some(oid), "unknown order").await,
            Err(e) => return NextOutcome::Error(e.into()),
        };
        // An auth TID another order already holds (replayed from that
        // order's result) is never approved again for this one.
        match self.ledger.payment_by_tid(&auth.tid).await {
            Ok(Some(other)) if other.order_id != oid => {
                let reason = "auth TID belongs to another order";
                self.alert(Some(&oid), reason, now).await;
                return self.journal_only(msg, Some(oid), reason).await;
            }
            Ok(_) => {}
            Err(e) => return NextOutcome::Error(e.into()),
        }
        let expected = payment.amount;
        let event = Event::Authenticated {
            tid: auth.tid.clone(),
            amount: auth.amount.unwrap_or(expected),
        };
        match self
            .ledger
            .record(msg, Intent::new(oid.clone(), event))
            .await
        {
            Ok(rec) => match rec.applied {
                Applied::Transitioned { .. } | Applied::Unchanged { .. } => {}
                Applied::Duplicate { state } => {
                    return NextOutcome::AlreadyProcessed {
                        order_id: oid,
                        paid: state.is_paid(),
                    };
                }
                Applied::Rejected(Rejection::AmountMismatch { .. }) => {
                    self.alert(Some(&oid), "auth result amount differs from the order", now)
                        .await;
                    return NextOutcome::Rejected {
                        order_id: Some(oid),
                        reason: "auth result amount differs from the order",
                    };
                }
                Applied::Rejected(_) => {
                    return NextOutcome::Rejected {
                        order_id: Some(oid),
                        reason: "the order is not waiting for a payment",
                    };
                }
            },
            Err(e) => return NextOutcome::Error(e.into()),
        }
        self.approve(&auth, oid, expected, now).await
    }

    async fn approve(
        &self,
        auth: &AuthSuccess,
        oid: OrderId,
        expected: Amount,
        now: Timestamp,
    ) -> NextOutcome {
        let charset = self.config.result_charset;
        let request = match auth.approval_request(&self.merchant, expected) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(order_id = %oid, error = %e, "auth result refused before approval");
                let reason = match e {
                    crate::mobile::AuthCheckError::AmountMismatch { .. } => {
                        "auth result amount differs from the order"
                    }
                    crate::mobile::AuthCheckError::TidOfOtherMid => {
                        "auth TID belongs to another MID"
                    }
                    _ => "P_REQ_URL is not an allowed approval URL",
                };
                self.record_local(
                    &oid,
                    MessageKind::ApprovalRequest,
                    Event::Failed {
                        code: "refused".into(),
                    },
                    now,
                )
                .await;
                self.alert(Some(&oid), reason, now).await;
                return NextOutcome::Rejected {
                    order_id: Some(oid),
                    reason,
                };
            }
        };
        let outbound = Message::new(
            MessageKind::ApprovalRequest,
            Direction::Outbound,
            charset,
            request.body().to_vec(),
            now,
        )
        .order(oid.clone())
        .tid(auth.tid.clone());
        if let Err(e) = self.ledger.append(outbound, None).await {
            return NextOutcome::Error(e.into());
        }
        let exchange = match self.client.approve(&request).await {
            Ok(x) => x,
            Err(e) if e.is_outcome_unknown() => {
                return self
                    .undo(
                        auth,
                        oid,
                        expected,
                        Approval::default(),
                        "approval outcome unknown (timeout or broken reply)",
                        now,
                    )
                    .await;
            }
            Err(_) => {
                self.record_local(
                    &oid,
                    MessageKind::ApprovalReply,
                    Event::Failed {
                        code: "unreachable".into(),
                    },
                    now,
                )
                .await;
                return NextOutcome::Rejected {
                    order_id: Some(oid),
                    reason: "the approval host could not be reached; nothing was charged",
                };
            }
        };
        let reply_msg = Message::new(
            MessageKind::ApprovalReply,
            Direction::Inbound,
            charset,
            exchange.raw.body,
            now,
        )
        .order(oid.clone());
        let reply: ApprovalReply = match exchange.parsed {
            Ok(r) => r,
            Err(_) => {
                self.journal(reply_msg).await;
                return self
                    .undo(
                        auth,
                        oid,
                        expected,
                        Approval::default(),
                        "unreadable approval reply",
                        now,
                    )
                    .await;
            }
        };
        // Journaled in the charset the reply was actually read in.
        let mut reply_msg = reply_msg;
        reply_msg.charset = reply.charset;
        let reply_msg = match &reply.tid {
            Some(t) => reply_msg.tid(t.clone()),
            None => reply_msg,
        };
        // A net cancel names what the gateway approved (the reply's P_AMT
        // and TID), never the ledger's expectation: when the two differ,
        // that difference is exactly what is being undone.
        let approval = Approval {
            tid: reply.tid.as_ref(),
            amount: reply.amount,
        };
        match reply.verify(&Expected::new(
            self.merchant.mid().clone(),
            oid.clone(),
            expected,
        )) {
            Ok(Approved::Paid(p)) => {
                let event = Event::Approved {
                    tid: p.tid().clone(),
                    amount: p.amount(),
                };
                if let Err(reason) = self.keep(reply_msg, &oid, event).await {
                    return self.undo(auth, oid, expected, approval, reason, now).await;
                }
                self.deliver(Some(&oid), now).await;
                NextOutcome::Paid {
                    order_id: oid,
                    tid: p.tid().clone(),
                    amount: p.amount(),
                }
            }
            Ok(Approved::VbankIssued(v)) => {
                let event = Event::VbankIssued {
                    tid: v.tid().clone(),
                    amount: v.amount_due(),
                };
                if let Err(reason) = self.keep(reply_msg, &oid, event).await {
                    return self.undo(auth, oid, expected, approval, reason, now).await;
                }
                let deadline = v
                    .account()
                    .deadline
                    .as_ref()
                    .map(crate::mobile::KstDateTime::to_timestamp);
                let detail = super::dispatch::vbank_detail(v.account());
                if let Err(e) = self
                    .ledger
                    .set_vbank_details(&oid, v.tid(), deadline, Some(detail))
                    .await
                {
                    tracing::error!(order_id = %oid, error = %e, "could not record the virtual account's deadline");
                }
                self.deliver(Some(&oid), now).await;
                NextOutcome::VbankIssued {
                    order_id: oid,
                    tid: v.tid().clone(),
                    amount: v.amount_due(),
                    account: Box::new(v.account().clone()),
                }
            }
            Err(VerifyError::NotApproved(result)) => {
                let code = result.code.clone();
                let event = if result.outcome == Outcome::Declined {
                    Event::Declined { code }
                } else {
                    Event::Failed { code }
                };
                if let Err(e) = self
                    .ledger
                    .record(reply_msg, Intent::new(oid.clone(), event))
                    .await
                {
                    return NextOutcome::Error(e.into());
                }
                NextOutcome::Declined {
                    order_id: oid,
                    result,
                }
            }
            Err(VerifyError::Mismatch { field, .. }) => {
                tracing::warn!(order_id = %oid, field, "approval reply does not match the order");
                self.journal(reply_msg).await;
                self.alert(
                    Some(&oid),
                    "approval reply does not match the order (MID, order id or amount)",
                    now,
                )
                .await;
                self.undo(
                    auth,
                    oid,
                    expected,
                    approval,
                    "approval reply does not match the order",
                    now,
                )
                .await
            }
        }
    }

    /// Records a verified approval or issuance; `Err` names why it cannot
    /// be kept (the caller then net-cancels it).
    async fn keep(&self, reply: Message, oid: &OrderId, event: Event) -> Result<(), &'static str> {
        match self
            .ledger
            .record(reply, Intent::new(oid.clone(), event))
            .await
        {
            Ok(rec) if !matches!(rec.applied, Applied::Rejected(_)) => Ok(()),
            Ok(_) => Err("the ledger refused the approval"),
            Err(e) => {
                tracing::error!(order_id = %oid, error = %e, "ledger failed after approval");
                Err("the ledger failed after approval")
            }
        }
    }

    /// Net-cancels the approval of `auth` (망취소, PROTOCOL.md 2.8) and
    /// records the outcome.
    ///
    /// The request names our order id and the amount the gateway approved:
    /// the reply's `P_AMT` first, then (when the gateway refuses it, or the
    /// reply was unreadable) `requested`, the amount the order was checked
    /// out and authenticated for. Never the reply's `P_OID`: a reply naming
    /// another order must not withdraw that order's payment. Net cancels are
    /// repeatable, so a refused first try costs nothing; a timeout stops the
    /// attempts (outcome unknown).
    pub(super) async fn undo(
        &self,
        auth: &AuthSuccess,
        oid: OrderId,
        requested: Amount,
        approval: Approval<'_>,
        reason: &'static str,
        now: Timestamp,
    ) -> NextOutcome {
        tracing::warn!(order_id = %oid, reason, "net-cancelling the approval");
        let tid = match (self.config.net_cancel_tid, approval.tid) {
            (NetCancelTid::Approval, Some(t)) => t,
            _ => &auth.tid,
        };
        // Always our own order id: a reply naming another order (an auth
        // TID replayed from another order) must never make us withdraw
        // that order's payment; the gateway then refuses, and we alert.
        let mut amounts = vec![approval.amount.unwrap_or(requested)];
        if !amounts.contains(&requested) {
            amounts.push(requested);
        }
        let mut last_refusal = None;
        for amount in amounts {
            let Some(request) = self.net_cancel_request(auth, tid, &oid, amount, now) else {
                return self
                    .undo_failed(tid, oid, reason, "request", UNDO_FAILED, now)
                    .await;
            };
            let outbound = Message::new(
                MessageKind::NetCancelRequest,
                Direction::Outbound,
                crate::encoding::Charset::EucKr,
                request.body().to_vec(),
                now,
            )
            .order(oid.clone())
            .tid(tid.clone());
            self.journal(outbound).await;
            let exchange = match self.client.net_cancel(&request).await {
                Ok(x) => x,
                Err(_) => {
                    return self
                        .undo_failed(tid, oid, reason, "unreachable", UNDO_FAILED, now)
                        .await;
                }
            };
            // The reply's charset is not documented (PROTOCOL.md 2.8, (I)):
            // read in P_CHARSET, else the other one; journaled in the one used.
            let parsed = crate::mobile::NetCancelReply::parse(
                &exchange.raw.body,
                self.config.result_charset,
            );
            let charset = match &parsed {
                Ok(r) => r.charset,
                Err(_) => crate::encoding::Charset::EucKr,
            };
            let msg = Message::new(
                MessageKind::NetCancelReply,
                Direction::Inbound,
                charset,
                exchange.raw.body,
                now,
            )
            .order(oid.clone())
            .tid(tid.clone());
            match parsed {
                Ok(r) if r.result.is_success() => {
                    let event = Event::NetCancelled { tid: tid.clone() };
                    let recorded = self.record_logged(msg, &oid, event).await;
                    self.deliver(Some(&oid), now).await;
                    return NextOutcome::NetCancelled {
                        order_id: oid,
                        reason,
                        recorded,
                    };
                }
                Ok(r) => {
                    // Refused: perhaps the amount; try the next one.
                    self.journal(msg).await;
                    last_refusal = Some(r.result.code);
                }
                Err(_) => {
                    let event = Event::NetCancelFailed {
                        tid: tid.clone(),
                        code: "unreadable".into(),
                    };
                    let recorded = self.record_logged(msg, &oid, event).await;
                    self.alert(Some(&oid), "net cancel reply unreadable", now)
                        .await;
                    return NextOutcome::NetCancelFailed {
                        order_id: oid,
                        reason,
                        recorded,
                    };
                }
            }
        }
        let code = last_refusal.unwrap_or_else(|| "refused".into());
        self.undo_failed(
            tid,
            oid,
            reason,
            &code,
            "net cancel refused by the gateway",
            now,
        )
        .await
    }

    /// The net-cancel request for `tid` and `amount`, with `P_CHKFAKE` when
    /// configured (and without when the HashKey is missing).
    fn net_cancel_request(
        &self,
        auth: &AuthSuccess,
        tid: &Tid,
        oid: &OrderId,
        amount: Amount,
        now: Timestamp,
    ) -> Option<NetCancelRequest> {
        let make = |at| NetCancelRequest::new(&self.merchant, &auth.req_url, tid, oid, amount, at);
        let chkfake_at = self.config.net_cancel_chkfake.then_some(now);
        make(chkfake_at).or_else(|_| make(None)).ok()
    }

    /// Records a failed net cancel (a local record: the gateway's refusal,
    /// if any, is journaled already), alerts `alert`, and answers.
    async fn undo_failed(
        &self,
        tid: &Tid,
        oid: OrderId,
        reason: &'static str,
        code: &str,
        alert: &str,
        now: Timestamp,
    ) -> NextOutcome {
        let event = Event::NetCancelFailed {
            tid: tid.clone(),
            code: code.to_owned(),
        };
        let recorded = self
            .record_local_logged(&oid, MessageKind::NetCancelReply, event, now)
            .await;
        self.alert(Some(&oid), alert, now).await;
        NextOutcome::NetCancelFailed {
            order_id: oid,
            reason,
            recorded,
        }
    }

    /// Appends a message with no event; a ledger failure is logged (the
    /// caller's next step does not depend on it, and alerts on its own).
    pub(super) async fn journal(&self, msg: Message) -> bool {
        match self.ledger.append(msg, None).await {
            Ok(_) => true,
            Err(e) => {
                tracing::error!(error = %e, "could not journal a gateway message");
                false
            }
        }
    }

    /// Records `event` with `msg`; `false` (logged) when the ledger failed
    /// or refused the event.
    async fn record_logged(&self, msg: Message, oid: &OrderId, event: Event) -> bool {
        match self
            .ledger
            .record(msg, Intent::new(oid.clone(), event))
            .await
        {
            Ok(r) => refused_logged(oid, &r.applied),
            Err(e) => {
                tracing::error!(order_id = %oid, error = %e, "could not record a flow event");
                false
            }
        }
    }

    /// Journals a message that carries no event and rejects the result.
    async fn journal_only(
        &self,
        msg: Message,
        oid: Option<OrderId>,
        reason: &'static str,
    ) -> NextOutcome {
        match self.ledger.append(msg, None).await {
            Ok(_) => NextOutcome::Rejected {
                order_id: oid,
                reason,
            },
            Err(e) => NextOutcome::Error(e.into()),
        }
    }

    /// Records a local event that has no gateway body (a refusal before
    /// sending, a timeout) as an empty journal message of `kind`.
    pub(super) async fn record_local(
        &self,
        oid: &OrderId,
        kind: MessageKind,
        event: Event,
        now: Timestamp,
    ) {
        self.record_local_logged(oid, kind, event, now).await;
    }

    /// [`record_local`](Self::record_local), telling whether it was recorded.
    async fn record_local_logged(
        &self,
        oid: &OrderId,
        kind: MessageKind,
        event: Event,
        now: Timestamp,
    ) -> bool {
        let msg = Message::new(
            kind,
            Direction::Local,
            crate::encoding::Charset::Utf8,
            Vec::new(),
            now,
        )
        .order(oid.clone());
        self.record_logged(msg, oid, event).await
    }

    /// Delivers the outbox events of `order` (all due ones without an
    /// order) to the app's handler, if one is installed. Whatever is not
    /// delivered now stays in the outbox for the dispatcher.
    pub(super) async fn deliver(&self, order: Option<&OrderId>, now: Timestamp) {
        let Some(d) = &self.dispatcher else { return };
        let r = match order {
            Some(o) => d.deliver_order(o, now).await,
            None => d.deliver_due(now).await,
        };
        if let Err(e) = r {
            tracing::error!(error = %e, "outbox delivery failed; the dispatcher retries");
        }
    }

    /// Writes an event no payment change carries to the outbox, then
    /// delivers it.
    pub(super) async fn push_event(
        &self,
        order: Option<&OrderId>,
        kind: crate::ledger::OutboxKind,
        id: crate::ledger::EventId,
        tid: Option<Tid>,
        detail: Option<String>,
        now: Timestamp,
    ) {
        let event = crate::ledger::NewOutboxEvent {
            id,
            order_id: order.cloned(),
            kind,
            tid,
            detail,
            at: now,
        };
        if let Err(e) = self.ledger.outbox_push(event).await {
            tracing::error!(error = %e, "could not write an event to the outbox");
        }
        self.deliver(order, now).await;
    }

    pub(super) async fn alert(&self, oid: Option<&OrderId>, reason: &str, now: Timestamp) {
        tracing::error!(order_id = ?oid.map(OrderId::as_str), reason, "payment alert");
        self.push_event(
            oid,
            crate::ledger::OutboxKind::Alert,
            super::dispatch::fresh_event_id("alert"),
            None,
            Some(reason.to_owned()),
            now,
        )
        .await;
    }
}

/// The alert of a net cancel that failed without the gateway's refusal.
const UNDO_FAILED: &str = "net cancel failed: refund this payment";

/// `true` unless the ledger refused the event (then logged: the journal
/// keeps the message, the payment did not take the event).
fn refused_logged(oid: &OrderId, applied: &Applied) -> bool {
    match applied {
        Applied::Rejected(r) => {
            tracing::error!(order_id = %oid, rejection = %r, "the ledger refused a flow event");
            false
        }
        _ => true,
    }
}
