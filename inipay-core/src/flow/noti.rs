//! Step 4: notifications on `P_NOTI_URL` (PROTOCOL.md 2.6).
//!
//! Every delivery is journaled before it is answered. A notification carries
//! no signature, so what it may do is narrow:
//!
//! | notification | needs | effect |
//! |---|---|---|
//! | `00`, `P_TYPE=VBANK` (account issued) | - | journaled only: the approval reply already told us (2.6) |
//! | `00`, other types (1trs approval) | an order checked out with a 1trs method, the gateway's confirmation | paid, once |
//! | `02` (deposit, 입금통보) | an issued account with the same TID and amount, the gateway's confirmation | deposited, once |
//! | `01` (1trs failure) or any other code | - | journaled; an alert unless it is the failure of a pending 1trs order (which stays payable) |
//!
//! Confirmation is an INIAPI inquiry made by the flow ([`ConfirmConfig`](super::ConfirmConfig)).
//! What its reply does to the notification:
//!
//! | the inquiry says | answer to INICIS | ledger |
//! |---|---|---|
//! | it happened, same TID, MID, order and amount | `OK` | applied once |
//! | it did not happen (no such transaction, another status) | `OK` | journaled, alerted, never applied |
//! | the same transaction with another TID, MID, order id or amount than the ledger's | as for no answer | journaled, alerted, never applied; asked again |
//! | nothing usable (timeout, 5xx, refused) | `503` ([`WhenUnconfirmed::AskInicisToRetry`]), or `OK` and parked ([`WhenUnconfirmed::Park`]) | not applied |
//!
//! A disagreement is never answered as settled: a genuine deposit whose one
//! inquiry came back wrong would otherwise be lost for good (INICIS stops
//! retrying a notification answered `OK`). Found by the fault soak
//! (`bench/soak.sh`).

use super::confirm::{Claim, Verdict};
use super::{Flow, FlowError, NotiTrust, WhenUnconfirmed};
use crate::ledger::{
    Applied, Direction, Event, Intent, Message, MessageKind, Payment, PaymentState, ResultPath,
    Unconfirmed,
};
use crate::mobile::{NOTI_REPLY_OK, NotiStatus, Notification, PayType};
use crate::time::Timestamp;
use crate::types::{Amount, OrderId, Tid};
use std::net::IpAddr;

/// The HTTP answer to a notification: `200 OK` with body exactly `OK` once
/// the message is safely recorded (duplicates included), an error status
/// with an empty body otherwise, so INICIS retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotiReply {
    /// HTTP status.
    pub status: u16,
    /// Body: `OK` or empty.
    pub body: &'static str,
}

impl NotiReply {
    /// `200 OK`: recorded.
    pub const OK: NotiReply = NotiReply {
        status: 200,
        body: NOTI_REPLY_OK,
    };
    /// `403`: not from an allowed source.
    pub const FORBIDDEN: NotiReply = NotiReply {
        status: 403,
        body: "",
    };
    /// `400`: unreadable (journaled anyway).
    pub const BAD_REQUEST: NotiReply = NotiReply {
        status: 400,
        body: "",
    };
    /// `503`: the ledger is unavailable; INICIS will retry.
    pub const RETRY: NotiReply = NotiReply {
        status: 503,
        body: "",
    };

    /// Whether INICIS will consider the notification delivered.
    pub fn is_ok(&self) -> bool {
        self.status == 200 && self.body == NOTI_REPLY_OK
    }
}

impl Flow {
    /// Handles a notification body from `source` (the peer address, or the
    /// address a trusted proxy reported). Journals it before answering;
    /// applies it only as the module docs say.
    pub async fn noti(&self, body: &[u8], source: Option<IpAddr>, now: Timestamp) -> NotiReply {
        let parsed = Notification::parse(body, &self.config.noti);
        // Journaled in the charset the body was actually read in (the
        // configured one, or the other when only it fits: PROTOCOL.md 8.4).
        let charset = parsed
            .as_ref()
            .map_or(self.config.noti.charset, |n| n.charset);
        let mut msg = Message::new(
            MessageKind::Noti,
            Direction::Inbound,
            charset,
            body.to_vec(),
            now,
        );
        if let Ok(n) = &parsed {
            msg = msg.tid(n.tid.clone());
            if let Ok(o) = OrderId::new(&n.order_id) {
                msg = msg.order(o);
            }
        }
        if let Some(allow) = &self.noti_allow
            && !source.is_some_and(|ip| allow.allows(ip))
        {
            tracing::warn!(source = ?source, "notification from a source not on the allow-list");
            return self.journal_noti(msg, NotiReply::FORBIDDEN).await;
        }
        let noti = match parsed {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "unreadable notification");
                return self.journal_noti(msg, NotiReply::BAD_REQUEST).await;
            }
        };
        let Ok(oid) = OrderId::new(&noti.order_id) else {
            return self
                .noti_unmatched(msg, None, "notification with an invalid order id", now)
                .await;
        };
        let payment = match self.ledger.payment(&oid).await {
            Ok(Some(p)) => p,
            Ok(None) => {
                return self
                    .noti_unmatched(msg, Some(oid), "notification for an unknown order", now)
                    .await;
            }
            Err(e) => {
                tracing::error!(order_id = %oid, error = %e, "ledger unavailable; asking for a retry");
                return NotiReply::RETRY;
            }
        };
        if noti.mid != *self.merchant.mid() {
            return self
                .noti_unmatched(msg, Some(oid), "notification for another MID", now)
                .await;
        }
        let vbank = matches!(noti.pay_type, Some(PayType::Vbank));
        let claim = match (&noti.status, vbank) {
            // Issuance: the approval reply already told us (PROTOCOL.md 2.6).
            (NotiStatus::Success, true) => return self.journal_noti(msg, NotiReply::OK).await,
            (NotiStatus::Success, false) if payment.result_path != ResultPath::OneTransaction => {
                return self
                    .noti_unmatched(
                        msg,
                        Some(oid),
                        "payment notification for an order not checked out with a one-transaction method: not applied",
                        now,
                    )
                    .await;
            }
            (NotiStatus::Success, false) => Claim::Approved,
            (NotiStatus::VbankDeposit, _) => Claim::Deposited,
            (NotiStatus::Failure, _)
                if payment.result_path == ResultPath::OneTransaction
                    && payment.state.is_payable()
                    && payment.state != PaymentState::Authenticated =>
            {
                tracing::info!(order_id = %oid, "one-transaction payment failed; the order stays payable");
                return self.journal_noti(msg, NotiReply::OK).await;
            }
            (NotiStatus::Failure | NotiStatus::Other(_), _) => {
                return self
                    .noti_unmatched(
                        msg,
                        Some(oid),
                        "failure, cancel or unknown notification: not applied (INICIS cancels nothing by notification; check with an inquiry)",
                        now,
                    )
                    .await;
            }
        };
        let event = Event::noti(
            noti.tid.clone(),
            noti.status.as_str(),
            Some(noti.amount),
            vbank,
        );
        let found = Found {
            oid,
            tid: noti.tid.clone(),
            amount: noti.amount,
            claim,
            event,
        };
        if self.config.confirm.trust == NotiTrust::UnsafeTrustUnsignedNotifications {
            return self.apply_unconfirmed(msg, found, now).await;
        }
        match settle(&payment, &found) {
            Settled::Moves => {}
            Settled::Duplicate => return self.journal_noti(msg, NotiReply::OK).await,
            Settled::Mismatch(reason) => {
                return self.noti_unmatched(msg, Some(found.oid), reason, now).await;
            }
        }
        let id = match self.ledger.append(msg, None).await {
            Ok(id) => id,
            Err(e) => {
                tracing::error!(order_id = %found.oid, error = %e, "could not journal a notification; asking for a retry");
                return NotiReply::RETRY;
            }
        };
        match self.confirm_and_apply(&found, now).await {
            Ok(Confirmed::Applied | Confirmed::Refuted) => NotiReply::OK,
            Ok(Confirmed::Unknown) => match self.config.confirm.when_unconfirmed {
                WhenUnconfirmed::AskInicisToRetry => NotiReply::RETRY,
                WhenUnconfirmed::Park => {
                    let parked = Unconfirmed {
                        message: id,
                        order_id: found.oid.clone(),
                        event: found.event.clone(),
                        parked_at: now,
                    };
                    match self.ledger.park_unconfirmed(parked).await {
                        Ok(()) => NotiReply::OK,
                        Err(e) => {
                            tracing::error!(order_id = %found.oid, error = %e, "could not park a notification; asking for a retry");
                            NotiReply::RETRY
                        }
                    }
                }
            },
            Err(e) => {
                tracing::error!(order_id = %found.oid, error = %e, "ledger failed while confirming a notification; asking for a retry");
                NotiReply::RETRY
            }
        }
    }

    /// Asks the gateway about every parked notification
    /// ([`WhenUnconfirmed::Park`]) and applies those it confirms, once.
    /// Refuted ones are resolved with an alert; those still without an
    /// answer stay parked. Run it periodically (the reconciler will).
    pub async fn confirm_parked(&self, now: Timestamp) -> Result<Vec<ParkedOutcome>, FlowError> {
        let mut out = Vec::new();
        for item in self.ledger.unconfirmed(u32::MAX).await? {
            let outcome = self.confirm_one_parked(&item, now).await?;
            if outcome != ParkedOutcome::StillUnconfirmed {
                self.ledger.resolve_unconfirmed(item.message, now).await?;
            }
            out.push(outcome);
        }
        Ok(out)
    }

    async fn confirm_one_parked(
        &self,
        item: &Unconfirmed,
        now: Timestamp,
    ) -> Result<ParkedOutcome, FlowError> {
        let Some(payment) = self.ledger.payment(&item.order_id).await? else {
            return Ok(ParkedOutcome::Refuted);
        };
        let (tid, amount, claim) = match &item.event {
            Event::Noti {
                tid,
                status,
                amount: Some(amount),
                ..
            } => match status.as_str() {
                "00" => (tid, *amount, Claim::Approved),
                "02" => (tid, *amount, Claim::Deposited),
                _ => return Ok(ParkedOutcome::Refuted),
            },
            // A full refund of unknown outcome, keyed by the approval TID;
            // the inquiry reports the payment's own price.
            Event::Refunded { refund_tid, .. } => (refund_tid, payment.amount, Claim::Refunded),
            _ => return Ok(ParkedOutcome::Refuted),
        };
        let found = Found {
            oid: item.order_id.clone(),
            tid: tid.clone(),
            amount,
            claim,
            event: item.event.clone(),
        };
        match settle(&payment, &found) {
            Settled::Moves => {}
            Settled::Duplicate => return Ok(ParkedOutcome::AlreadyApplied),
            Settled::Mismatch(reason) => {
                self.alert(Some(&found.oid), reason, now).await;
                return Ok(ParkedOutcome::Refuted);
            }
        }
        Ok(match self.confirm_and_apply(&found, now).await? {
            Confirmed::Applied => ParkedOutcome::Applied,
            Confirmed::Refuted => ParkedOutcome::Refuted,
            Confirmed::Unknown => ParkedOutcome::StillUnconfirmed,
        })
    }

    /// Inquires, and on confirmation records the event on the inquiry reply
    /// and tells the app. A refutation is alerted.
    async fn confirm_and_apply(
        &self,
        found: &Found,
        now: Timestamp,
    ) -> Result<Confirmed, crate::ledger::LedgerError> {
        let verdict = self
            .inquire(found.claim, &found.oid, &found.tid, found.amount, now)
            .await?;
        match verdict {
            Verdict::Confirmed { reply } => {
                let recorded = self
                    .ledger
                    .record(reply, Intent::new(found.oid.clone(), found.event.clone()))
                    .await?;
                self.after_record(found, &recorded.applied, now).await;
                Ok(Confirmed::Applied)
            }
            Verdict::Refuted(reason) => {
                tracing::warn!(order_id = %found.oid, reason, "claim refuted by the gateway; not applied");
                let what = if found.claim == Claim::Refunded {
                    "refund of unknown outcome not made at INICIS"
                } else {
                    "notification not confirmed by the gateway"
                };
                self.alert(
                    Some(&found.oid),
                    &format!("{what} ({reason}); not applied"),
                    now,
                )
                .await;
                Ok(Confirmed::Refuted)
            }
            Verdict::Conflict(reason) => {
                tracing::error!(order_id = %found.oid, reason, "the gateway's record disagrees with the ledger; not applied");
                self.alert(
                    Some(&found.oid),
                    &format!(
                        "the gateway's record disagrees with the ledger ({reason}); not applied, asked again later"
                    ),
                    now,
                )
                .await;
                Ok(Confirmed::Unknown)
            }
            Verdict::Unknown(reason) => {
                tracing::warn!(order_id = %found.oid, reason, "notification not confirmed yet; not applied");
                Ok(Confirmed::Unknown)
            }
        }
    }

    /// [`NotiTrust::UnsafeTrustUnsignedNotifications`]: records the event on
    /// the notification itself.
    async fn apply_unconfirmed(&self, msg: Message, found: Found, now: Timestamp) -> NotiReply {
        match self
            .ledger
            .record(msg, Intent::new(found.oid.clone(), found.event.clone()))
            .await
        {
            Ok(r) => {
                self.after_record(&found, &r.applied, now).await;
                NotiReply::OK
            }
            Err(e) => {
                tracing::error!(order_id = %found.oid, error = %e, "could not record a notification; asking for a retry");
                NotiReply::RETRY
            }
        }
    }

    /// Tells the app what recording a notification's event did.
    async fn after_record(&self, found: &Found, applied: &Applied, now: Timestamp) {
        let oid = found.oid.clone();
        match applied {
            Applied::Transitioned { from, .. } => {
                if *from == PaymentState::VbankExpired {
                    tracing::warn!(order_id = %oid, "deposit after the virtual account expired");
                    self.alert(
                        Some(&oid),
                        "deposit arrived after the virtual account expired; applied as paid",
                        now,
                    )
                    .await;
                }
                self.deliver(Some(&oid), now).await;
            }
            Applied::Rejected(r) => {
                tracing::warn!(order_id = %oid, rejection = ?r, "notification refused by the ledger");
                self.alert(
                    Some(&oid),
                    "notification does not match the order; not marked paid",
                    now,
                )
                .await;
            }
            Applied::Unchanged { .. } | Applied::Duplicate { .. } => {}
        }
    }

    /// Journals a notification that changes nothing and answers `reply`
    /// (or asks for a retry when the journal fails: nothing is lost).
    async fn journal_noti(&self, msg: Message, reply: NotiReply) -> NotiReply {
        match self.ledger.append(msg, None).await {
            Ok(_) => reply,
            Err(e) => {
                tracing::error!(error = %e, "could not journal a notification; asking for a retry");
                NotiReply::RETRY
            }
        }
    }

    /// Journals a notification that matches no payment of ours (or that we
    /// refuse), alerts, and answers `OK` (retrying would not help; it is
    /// recorded).
    async fn noti_unmatched(
        &self,
        msg: Message,
        oid: Option<OrderId>,
        reason: &str,
        now: Timestamp,
    ) -> NotiReply {
        let reply = self.journal_noti(msg, NotiReply::OK).await;
        if reply.is_ok() {
            tracing::warn!(order_id = ?oid.as_ref().map(OrderId::as_str), reason, "notification not applied");
            self.alert(oid.as_ref(), reason, now).await;
        }
        reply
    }
}

/// A notification that would move money, as the flow read it.
struct Found {
    oid: OrderId,
    tid: Tid,
    amount: Amount,
    claim: Claim,
    event: Event,
}

/// What confirming a notification did.
enum Confirmed {
    Applied,
    Refuted,
    Unknown,
}

/// What a notification would do to `payment`, decided before anything is
/// asked of the gateway.
enum Settled {
    /// It would move money: confirm it first.
    Moves,
    /// It was applied before (a redelivery): nothing to do.
    Duplicate,
    /// It fits neither: journal and alert.
    Mismatch(&'static str),
}

fn settle(payment: &Payment, found: &Found) -> Settled {
    use PaymentState::*;
    let same_tid = payment.tid.as_ref() == Some(&found.tid);
    let after = match found.claim {
        Claim::Approved => matches!(payment.state, Approved | PartiallyRefunded | Refunded),
        Claim::Deposited => matches!(payment.state, VbankDeposited | PartiallyRefunded | Refunded),
        Claim::Refunded => payment.state == Refunded,
    };
    if after && same_tid {
        return Settled::Duplicate;
    }
    if found.amount != payment.amount {
        return Settled::Mismatch("notification amount differs from the order; not applied");
    }
    let moves = match found.claim {
        // Any payable state: a one-transaction retry after a failed or
        // withdrawn attempt (the ledger refuses the withdrawn TID itself).
        Claim::Approved => payment.state.is_payable(),
        // Also after the deadline: money that arrived is never lost (it is
        // confirmed like any deposit, applied, and alerted).
        Claim::Deposited => matches!(payment.state, VbankIssued | VbankExpired) && same_tid,
        Claim::Refunded => payment.state.is_paid() && same_tid,
    };
    if moves {
        Settled::Moves
    } else {
        Settled::Mismatch("notification does not fit the order's state or TID; not applied")
    }
}

/// What [`Flow::confirm_parked`] did with one parked notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParkedOutcome {
    /// The gateway confirmed it; it was applied now.
    Applied,
    /// It had been applied since (a redelivery was confirmed).
    AlreadyApplied,
    /// The gateway contradicted it (alerted); resolved, never applied.
    Refuted,
    /// Still no answer from the gateway; it stays parked.
    StillUnconfirmed,
}
