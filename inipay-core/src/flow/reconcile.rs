//! The reconciler (대사): see [`Flow::reconcile`].

use super::next::Approval;
use super::{Flow, FlowError, NextOutcome, ParkedOutcome};
use crate::encoding::Charset;
use crate::ledger::{
    Applied, Direction, Event, Intent, Message, MessageKind, Payment, PaymentState, Reconciliation,
};
use crate::mobile::AuthResult;
use crate::time::Timestamp;
use crate::types::OrderId;
use std::time::Duration;

/// When the reconciler acts.
///
/// ```
/// use inipay_core::flow::ReconcileConfig;
/// use std::time::Duration;
/// let c = ReconcileConfig::default();
/// assert_eq!(c.net_cancel_delay(1), Duration::from_secs(60));
/// assert_eq!(c.net_cancel_delay(3), Duration::from_secs(240));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconcileConfig {
    /// An `authenticated` payment unchanged for this long has an approval
    /// of unknown outcome: it is net-cancelled.
    pub stuck_after: Duration,
    /// The wait after the first failed net cancel; doubled after each.
    pub net_cancel_first_retry: Duration,
    /// The longest wait between two net-cancel attempts.
    pub net_cancel_max_retry: Duration,
    /// After this many failed attempts the reconciler stops and the
    /// payment stays in [`Reconciliation::failed_net_cancels`] for a person.
    pub net_cancel_max_attempts: u32,
    /// A paid payment unacknowledged for this long is reported.
    pub unacknowledged_after: Duration,
}

impl Default for ReconcileConfig {
    fn default() -> ReconcileConfig {
        ReconcileConfig {
            stuck_after: Duration::from_secs(15 * 60),
            net_cancel_first_retry: Duration::from_secs(60),
            net_cancel_max_retry: Duration::from_secs(3600),
            net_cancel_max_attempts: 10,
            unacknowledged_after: Duration::from_secs(15 * 60),
        }
    }
}

impl ReconcileConfig {
    /// The wait after the `failures`-th failed net cancel (1-based).
    pub fn net_cancel_delay(&self, failures: u32) -> Duration {
        super::dispatch::doubling(
            self.net_cancel_first_retry,
            self.net_cancel_max_retry,
            failures,
        )
    }
}

/// What one reconciler round did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ReconcileReport {
    /// Parked notifications settled by inquiry (confirmed or refuted).
    pub parked: Vec<ParkedOutcome>,
    /// Orders whose approval was withdrawn this round.
    pub net_cancelled: Vec<OrderId>,
    /// Orders whose net cancel failed again (retried later).
    pub net_cancel_failed: Vec<OrderId>,
    /// Orders the reconciler cannot act on (no journaled auth result, or
    /// out of attempts): a person must look.
    pub needs_a_person: Vec<OrderId>,
    /// Virtual accounts expired this round.
    pub expired: Vec<OrderId>,
}

fn minus(t: Timestamp, d: Duration) -> Timestamp {
    let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    Timestamp::from_unix_millis(t.unix_millis().saturating_sub(ms))
}

impl Flow {
    /// The reconciliation report at `now` (cutoffs from the
    /// [`ReconcileConfig`]): undelivered events, failed net cancels,
    /// stuck approvals, overdue virtual accounts, parked notifications.
    pub async fn report(&self, now: Timestamp) -> Result<Reconciliation, FlowError> {
        let r = &self.reconcile_config;
        let mut report = self
            .ledger
            .reconciliation(minus(now, r.unacknowledged_after))
            .await?;
        let stuck = minus(now, r.stuck_after);
        report.stuck_authenticated.retain(|p| p.updated_at < stuck);
        report.overdue_vbanks = self.ledger.overdue_vbanks(now, u32::MAX).await?;
        Ok(report)
    }

    /// The reconciler (대사): settles the loose ends a request could not, from
    /// the ledger alone, on an injected clock.
    ///
    /// | loose end | action |
    /// |---|---|
    /// | a notification parked until the gateway confirms it | INIAPI inquiry ([`Flow::confirm_parked`]) |
    /// | a full refund whose reply was lost ([`RefundOutcome::OutcomeUnknown`](super::RefundOutcome::OutcomeUnknown)) | INIAPI inquiry: recorded when the gateway reports the payment cancelled (PROTOCOL.md 4.5); a partial one stays with a person |
    /// | a failed net cancel (망취소) | retried with backoff (PROTOCOL.md 2.8: repeatable) from the journaled auth result |
    /// | an approval whose outcome is unknown (`authenticated` for longer than [`ReconcileConfig::stuck_after`]: the process died, or the reply never came) | net-cancelled like a timeout: the buyer's money is never kept on an unconfirmed approval; the order is payable again |
    /// | a virtual account past its deadline (`P_VACT_DATE`/`P_VACT_TIME`, stored at issuance) | expired ([`FlowEvent::VbankExpired`](super::FlowEvent::VbankExpired)); a deposit that still arrives is applied and alerted |
    ///
    /// Every action is journaled (a [`MessageKind::Reconciler`] record, then the
    /// gateway exchange it caused).
    ///
    /// One round at `now`; run by [`Flow::start`] in the background, or
    /// call it yourself with any clock.
    pub async fn reconcile(&self, now: Timestamp) -> Result<ReconcileReport, FlowError> {
        let mut out = ReconcileReport {
            parked: self.confirm_parked(now).await?,
            ..ReconcileReport::default()
        };
        self.retry_net_cancels(now, &mut out).await?;
        self.expire_vbanks(now, &mut out).await?;
        Ok(out)
    }

    async fn retry_net_cancels(
        &self,
        now: Timestamp,
        out: &mut ReconcileReport,
    ) -> Result<(), FlowError> {
        let r = self.reconcile_config.clone();
        let stuck = minus(now, r.stuck_after);
        let mut due: Vec<Payment> = Vec::new();
        for p in self
            .ledger
            .payments_in_state(PaymentState::Authenticated, u32::MAX)
            .await?
        {
            let ready = if p.net_cancel_failures == 0 {
                p.updated_at < stuck
            } else {
                let delay = r.net_cancel_delay(p.net_cancel_failures);
                minus(now, delay) >= p.updated_at
            };
            if !ready {
                continue;
            }
            if p.net_cancel_failures >= r.net_cancel_max_attempts {
                out.needs_a_person.push(p.order_id.clone());
                continue;
            }
            due.push(p);
        }
        for p in due {
            let oid = p.order_id.clone();
            let Some(auth_tid) = p.auth_tid.clone() else {
                out.needs_a_person.push(oid);
                continue;
            };
            // The auth result as journaled: the net-cancel host comes from
            // its P_REQ_URL (PROTOCOL.md 2.8).
            let mut auth = None;
            for e in self.ledger.messages_of(&oid).await?.into_iter().rev() {
                if e.message.kind != MessageKind::AuthResult
                    || e.message.direction != Direction::Inbound
                {
                    continue;
                }
                if let Ok(AuthResult::Success(a)) =
                    AuthResult::parse(&e.message.body, e.message.charset)
                    && a.tid == auth_tid
                {
                    auth = Some(a);
                    break;
                }
            }
            let Some(auth) = auth else {
                tracing::error!(order_id = %oid, "no journaled auth result to net-cancel from");
                out.needs_a_person.push(oid);
                continue;
            };
            let why = if p.net_cancel_failures == 0 {
                "approval outcome unknown: no answer recorded"
            } else {
                "retrying a failed net cancel"
            };
            self.journal(
                Message::new(
                    MessageKind::Reconciler,
                    Direction::Local,
                    Charset::Utf8,
                    format!(
                        "action=net_cancel&attempt={}&reason={}",
                        p.net_cancel_failures + 1,
                        why.replace(' ', "+")
                    )
                    .into_bytes(),
                    now,
                )
                .order(oid.clone())
                .tid(auth_tid.clone()),
            )
            .await;
            let approval = Approval {
                tid: p.tid.as_ref(),
                amount: None,
            };
            match self
                .undo(&auth, oid.clone(), p.amount, approval, why, now)
                .await
            {
                NextOutcome::NetCancelled { .. } => out.net_cancelled.push(oid),
                _ => out.net_cancel_failed.push(oid),
            }
        }
        Ok(())
    }

    async fn expire_vbanks(
        &self,
        now: Timestamp,
        out: &mut ReconcileReport,
    ) -> Result<(), FlowError> {
        for p in self.ledger.overdue_vbanks(now, u32::MAX).await? {
            let Some(tid) = p.tid.clone() else { continue };
            let deadline = p
                .vbank_deadline
                .map(|d| d.kst_compact())
                .unwrap_or_default();
            let msg = Message::new(
                MessageKind::Reconciler,
                Direction::Local,
                Charset::Utf8,
                format!("action=vbank_expired&deadline={deadline}").into_bytes(),
                now,
            )
            .order(p.order_id.clone())
            .tid(tid.clone());
            let rec = self
                .ledger
                .record(
                    msg,
                    Intent::new(p.order_id.clone(), Event::VbankExpired { tid }),
                )
                .await?;
            if let Applied::Transitioned { .. } = rec.applied {
                tracing::info!(order_id = %p.order_id, "virtual account expired");
                out.expired.push(p.order_id.clone());
                self.deliver(Some(&p.order_id), now).await;
            }
        }
        Ok(())
    }
}
