//! The in-memory store: same rules as the database stores, for unit tests of
//! the flow. Nothing survives the process.

use super::codec::applied_to_text;
use super::message::{JournalEntry, Message, MessageId};
use super::state::{Applied, Decision, EventKey, Snapshot, decide};
use super::{
    AttemptClaim, BillingAttempt, BillkeyRecord, BodyDigestKey, Claimed, Created, EventId, Intent,
    Ledger, LedgerError, LedgerFuture, NewOutboxEvent, NewPayment, OutboxEntry, OutboxKind,
    Payment, PaymentState, Prepared, Reconciliation, Recorded, ResultPath, Settle, Unconfirmed,
    outcome_of,
};
use crate::time::Timestamp;
use crate::types::{OrderId, Tid};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

/// A [`Ledger`] held in memory behind one mutex.
///
/// ```
/// use inipay_core::ledger::{Ledger, MemoryStore, PaymentState};
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = MemoryStore::new();
/// assert!(store.payments_in_state(PaymentState::Created, 10).await?.is_empty());
/// # Ok::<(), inipay_core::ledger::LedgerError>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    /// See [`MemoryStore::with_raw_body_retention_days`].
    retention_days: Option<u32>,
    /// See [`MemoryStore::with_body_digest_key`].
    digest_key: Option<BodyDigestKey>,
}

#[derive(Debug, Default)]
struct Inner {
    payments: BTreeMap<OrderId, Payment>,
    journal: Vec<Stored>,
    applied: HashMap<i64, Applied>,
    keys: HashSet<String>,
    billkeys: HashMap<OrderId, BillkeyRecord>,
    /// Billing attempts by nonce digest, with the time each was used.
    attempts: HashMap<String, (BillingAttempt, Option<Timestamp>)>,
    /// Parked notifications by message id, with the time each was resolved.
    unconfirmed: BTreeMap<i64, (Unconfirmed, Option<Timestamp>)>,
    /// Each payment's version (moves on every change, as in the SQL stores).
    versions: HashMap<OrderId, u64>,
    /// The outbox, in seq order.
    outbox: Vec<MemOutbox>,
}

#[derive(Debug, Clone)]
struct MemOutbox {
    entry: OutboxEntry,
    lease: Option<(Timestamp, String)>,
}

#[derive(Debug)]
struct Stored {
    message: Message,
    body_sha256: Option<[u8; 32]>,
    body_purged_at: Option<Timestamp>,
    prepared_masked: Option<String>,
    result_code: Option<String>,
    intent: Option<Intent>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Keeps stored bodies for `days` days: [`MemoryStore::purge_raw_bodies`]
    /// then empties the body of every older message (the masked copy and
    /// the digest stay), as the SQL stores' `raw_body_retention_days` does.
    #[must_use]
    pub fn with_raw_body_retention_days(mut self, days: u32) -> MemoryStore {
        self.retention_days = Some(days);
        self
    }

    /// Digests bodies that carry personal data with HMAC-SHA256 under `key`
    /// (without a key they get no digest; see [`BodyDigestKey`]), as the SQL
    /// stores' `body_digest_key` does.
    ///
    /// ```
    /// use inipay_core::ledger::{BodyDigestKey, MemoryStore};
    /// let store = MemoryStore::new().with_body_digest_key(BodyDigestKey::new([7; 32]));
    /// ```
    #[must_use]
    pub fn with_body_digest_key(mut self, key: BodyDigestKey) -> MemoryStore {
        self.digest_key = Some(key);
        self
    }

    /// Purges the stored body of every message journaled more than the
    /// retention period before `now`; returns how many were purged (none
    /// without a retention setting). Each body is purged once.
    ///
    /// ```
    /// use inipay_core::encoding::Charset;
    /// use inipay_core::ledger::{Direction, Ledger, MemoryStore, Message, MessageKind};
    /// use inipay_core::time::Timestamp;
    /// use inipay_core::types::OrderId;
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let store = MemoryStore::new().with_raw_body_retention_days(30);
    /// let day = 86_400_000;
    /// let order = OrderId::new("ORD-1")?;
    /// let m = Message::new(MessageKind::Noti, Direction::Inbound, Charset::EucKr,
    ///                      b"P_STATUS=02&P_UNAME=Kim".to_vec(), Timestamp::from_unix_millis(day))
    ///     .order(order.clone());
    /// store.append(m, None).await?;
    /// assert_eq!(store.purge_raw_bodies(Timestamp::from_unix_millis(31 * day)).await?, 0);
    /// assert_eq!(store.purge_raw_bodies(Timestamp::from_unix_millis(32 * day)).await?, 1);
    /// let entry = &store.messages_of(&order).await?[0];
    /// assert!(entry.message.body.is_empty() && entry.body_purged_at.is_some());
    /// assert_eq!(entry.masked.as_deref(), Some("P_STATUS=02\nP_UNAME=K**"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn purge_raw_bodies(&self, now: Timestamp) -> Result<u64, LedgerError> {
        let Some(cutoff) = super::retention_cutoff(self.retention_days, now) else {
            return Ok(0);
        };
        let mut purged = 0;
        for s in &mut self.lock().journal {
            if s.message.at < cutoff && s.body_purged_at.is_none() {
                s.message.body = Vec::new();
                s.body_purged_at = Some(now);
                purged += 1;
            }
        }
        Ok(purged)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-applied event
        // (every mutation below is a few infallible inserts), so a poisoned
        // lock is still consistent.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn snapshot(p: &Payment) -> Snapshot {
    Snapshot {
        state: p.state,
        expected: p.amount,
        tid: p.tid.clone(),
        auth_tid: p.auth_tid.clone(),
        refunded: p.refunded,
        net_cancel_failures: p.net_cancel_failures,
    }
}

impl Inner {
    fn append(
        &mut self,
        message: Message,
        intent: Option<Intent>,
        digest_key: Option<&BodyDigestKey>,
    ) -> MessageId {
        let prepared = Prepared::new(&message, intent.as_ref(), digest_key);
        let mut message = message;
        message.body = prepared.body;
        self.journal.push(Stored {
            message,
            body_sha256: prepared.body_sha256,
            body_purged_at: None,
            prepared_masked: prepared.masked,
            result_code: prepared.result_code,
            intent,
        });
        MessageId(i64::try_from(self.journal.len()).unwrap_or(i64::MAX))
    }

    fn stored(&self, id: MessageId) -> Option<&Stored> {
        let idx = usize::try_from(id.0).ok()?.checked_sub(1)?;
        self.journal.get(idx)
    }

    fn apply(&mut self, id: MessageId) -> Result<Applied, LedgerError> {
        if let Some(done) = self.applied.get(&id.0) {
            return Ok(done.clone());
        }
        let stored = self.stored(id).ok_or(LedgerError::UnknownMessage(id))?;
        let intent = stored
            .intent
            .clone()
            .ok_or(LedgerError::NothingToApply(id))?;
        let at = stored.message.at;
        let applied = self.apply_intent(id, &intent, at);
        self.applied.insert(id.0, applied.clone());
        Ok(applied)
    }

    fn apply_intent(&mut self, id: MessageId, intent: &Intent, at: Timestamp) -> Applied {
        let key = EventKey::new(&intent.order_id, &intent.event, id.0);
        let payment = self.payments.get(&intent.order_id);
        if self.keys.contains(key.as_str())
            && let Some(p) = payment
        {
            return Applied::Duplicate { state: p.state };
        }
        let cur = payment.map(snapshot);
        match decide(cur.as_ref(), &intent.event) {
            Decision::Reject(r) => Applied::Rejected(r),
            Decision::Write(next) => {
                let Some(cur) = cur else {
                    return Applied::Rejected(super::Rejection::UnknownOrder);
                };
                if let Some(t) = &next.tid
                    && next.tid != cur.tid
                    && self.payments.values().any(|p| p.tid.as_ref() == Some(t))
                {
                    return Applied::Rejected(super::Rejection::TidMismatch);
                }
                self.keys.insert(key.as_str().to_owned());
                let applied = outcome_of(&cur, &next);
                let version = {
                    let v = self.versions.entry(intent.order_id.clone()).or_insert(0);
                    *v += 1;
                    *v
                };
                let kind =
                    OutboxKind::of_change(cur.state, next.state, cur.refunded != next.refunded);
                if let Some(p) = self.payments.get_mut(&intent.order_id) {
                    p.state = next.state;
                    p.tid = next.tid;
                    p.auth_tid = next.auth_tid;
                    p.refunded = next.refunded;
                    p.net_cancel_failures = next.net_cancel_failures;
                    p.updated_at = at;
                    // What the SQL stores' trigger writes (migration 5).
                    if let Some(kind) = kind {
                        let amount = if kind == OutboxKind::Refunded {
                            p.refunded.checked_sub(cur.refunded)
                        } else {
                            Some(p.amount)
                        };
                        let entry = OutboxEntry {
                            seq: 0,
                            id: EventId::of_transition(&p.order_id, version),
                            order_id: Some(p.order_id.clone()),
                            kind,
                            tid: p.tid.clone(),
                            amount,
                            detail: None,
                            created_at: at,
                            attempts: 0,
                            next_attempt_at: at,
                            last_error: None,
                            delivered_at: None,
                        };
                        self.push_outbox(entry);
                    }
                }
                applied
            }
        }
    }

    /// Appends an outbox row (false if its id is there already).
    fn push_outbox(&mut self, mut entry: OutboxEntry) -> bool {
        if self.outbox.iter().any(|o| o.entry.id == entry.id) {
            return false;
        }
        entry.seq = i64::try_from(self.outbox.len() + 1).unwrap_or(i64::MAX);
        self.outbox.push(MemOutbox { entry, lease: None });
        true
    }

    fn entry(&self, idx: usize, s: &Stored) -> JournalEntry {
        let id = i64::try_from(idx + 1).unwrap_or(i64::MAX);
        JournalEntry {
            id: MessageId(id),
            message: s.message.clone(),
            body_sha256: s.body_sha256,
            body_purged_at: s.body_purged_at,
            masked: s.prepared_masked.clone(),
            result_code: s.result_code.clone(),
            outcome: self.applied.get(&id).map(applied_to_text),
        }
    }
}

fn sorted(mut v: Vec<Payment>) -> Vec<Payment> {
    v.sort_by(|a, b| (a.created_at, &a.order_id).cmp(&(b.created_at, &b.order_id)));
    v
}

impl Ledger for MemoryStore {
    fn create_payment(&self, p: NewPayment) -> LedgerFuture<'_, Created> {
        let r = (|| {
            let mut g = self.lock();
            if let Some(existing) = g.payments.get_mut(&p.order_id) {
                return if existing.amount == p.amount && existing.mid == p.mid {
                    if p.result_path == ResultPath::OneTransaction && existing.state.is_payable() {
                        existing.result_path = ResultPath::OneTransaction;
                    }
                    Ok(Created::Existing)
                } else {
                    Err(LedgerError::OrderConflict {
                        order: p.order_id.to_string(),
                    })
                };
            }
            g.payments.insert(
                p.order_id.clone(),
                Payment {
                    order_id: p.order_id,
                    mid: p.mid,
                    amount: p.amount,
                    state: PaymentState::Created,
                    tid: None,
                    auth_tid: None,
                    refunded: crate::types::Amount::ZERO,
                    net_cancel_failures: 0,
                    acknowledged_at: None,
                    created_at: p.at,
                    updated_at: p.at,
                    result_path: p.result_path,
                    vbank_deadline: None,
                },
            );
            Ok(Created::New)
        })();
        Box::pin(async move { r })
    }

    fn append(&self, message: Message, intent: Option<Intent>) -> LedgerFuture<'_, MessageId> {
        let id = self
            .lock()
            .append(message, intent, self.digest_key.as_ref());
        Box::pin(async move { Ok(id) })
    }

    fn apply(&self, id: MessageId) -> LedgerFuture<'_, Applied> {
        let r = self.lock().apply(id);
        Box::pin(async move { r })
    }

    fn record(&self, message: Message, intent: Intent) -> LedgerFuture<'_, Recorded> {
        let r = {
            let mut g = self.lock();
            let id = g.append(message, Some(intent), self.digest_key.as_ref());
            g.apply(id).map(|applied| Recorded {
                message: id,
                applied,
            })
        };
        Box::pin(async move { r })
    }

    fn pending(&self) -> LedgerFuture<'_, Vec<MessageId>> {
        let g = self.lock();
        let ids = g
            .journal
            .iter()
            .enumerate()
            .filter(|(_, s)| s.intent.is_some())
            .map(|(i, _)| i64::try_from(i + 1).unwrap_or(i64::MAX))
            .filter(|id| !g.applied.contains_key(id))
            .map(MessageId)
            .collect();
        Box::pin(async move { Ok(ids) })
    }

    fn acknowledge<'a>(&'a self, order: &'a OrderId, at: Timestamp) -> LedgerFuture<'a, bool> {
        let found = match self.lock().payments.get_mut(order) {
            Some(p) => {
                p.acknowledged_at.get_or_insert(at);
                true
            }
            None => false,
        };
        Box::pin(async move { Ok(found) })
    }

    fn payment<'a>(&'a self, order: &'a OrderId) -> LedgerFuture<'a, Option<Payment>> {
        let p = self.lock().payments.get(order).cloned();
        Box::pin(async move { Ok(p) })
    }

    fn payment_by_tid<'a>(&'a self, tid: &'a Tid) -> LedgerFuture<'a, Option<Payment>> {
        let g = self.lock();
        let p = g
            .payments
            .values()
            .find(|p| p.tid.as_ref() == Some(tid))
            .or_else(|| {
                g.payments
                    .values()
                    .find(|p| p.auth_tid.as_ref() == Some(tid))
            })
            .cloned();
        Box::pin(async move { Ok(p) })
    }

    fn payments_in_state(&self, state: PaymentState, limit: u32) -> LedgerFuture<'_, Vec<Payment>> {
        let all = self
            .lock()
            .payments
            .values()
            .filter(|p| p.state == state)
            .cloned()
            .collect();
        let mut v = sorted(all);
        v.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Box::pin(async move { Ok(v) })
    }

    fn messages_of<'a>(&'a self, order: &'a OrderId) -> LedgerFuture<'a, Vec<JournalEntry>> {
        let g = self.lock();
        let v = g
            .journal
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.message.order_id.as_ref() == Some(order)
                    || s.intent.as_ref().is_some_and(|i| &i.order_id == order)
            })
            .map(|(i, s)| g.entry(i, s))
            .collect();
        Box::pin(async move { Ok(v) })
    }

    fn message(&self, id: MessageId) -> LedgerFuture<'_, Option<JournalEntry>> {
        let g = self.lock();
        let found = usize::try_from(id.0)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| g.journal.get(i).map(|s| g.entry(i, s)));
        Box::pin(async move { Ok(found) })
    }

    fn reconciliation(&self, before: Timestamp) -> LedgerFuture<'_, Reconciliation> {
        let g = self.lock();
        let unacknowledged = sorted(
            g.payments
                .values()
                .filter(|p| {
                    p.state.is_paid() && p.acknowledged_at.is_none() && p.updated_at < before
                })
                .cloned()
                .collect(),
        );
        let failed_net_cancels = sorted(
            g.payments
                .values()
                .filter(|p| p.net_cancel_failures > 0)
                .cloned()
                .collect(),
        );
        let stuck_authenticated = sorted(
            g.payments
                .values()
                .filter(|p| p.state == PaymentState::Authenticated && p.updated_at < before)
                .cloned()
                .collect(),
        );
        drop(g);
        Box::pin(async move {
            Ok(Reconciliation {
                unacknowledged,
                failed_net_cancels,
                pending_messages: self.pending().await?,
                unconfirmed: self.unconfirmed(u32::MAX).await?,
                undelivered: self.outbox_undelivered(u32::MAX).await?,
                stuck_authenticated,
                overdue_vbanks: self.overdue_vbanks(before, u32::MAX).await?,
            })
        })
    }

    fn put_billkey(&self, record: BillkeyRecord) -> LedgerFuture<'_, bool> {
        let mut g = self.lock();
        let stored = if g.billkeys.contains_key(&record.context.order_id) {
            false
        } else {
            // The key and its event under one lock, as the SQL stores do in
            // one transaction.
            let event = NewOutboxEvent::billkey_issued(&record);
            g.billkeys.insert(record.context.order_id.clone(), record);
            g.push_outbox(pushed_entry(event));
            true
        };
        Box::pin(async move { Ok(stored) })
    }

    fn sealed_billkey<'a>(&'a self, order: &'a OrderId) -> LedgerFuture<'a, Option<BillkeyRecord>> {
        let r = self.lock().billkeys.get(order).cloned();
        Box::pin(async move { Ok(r) })
    }

    fn confirm_billkey<'a>(&'a self, order: &'a OrderId, at: Timestamp) -> LedgerFuture<'a, bool> {
        let found = match self.lock().billkeys.get_mut(order) {
            Some(r) => {
                r.confirmed_at.get_or_insert(at);
                true
            }
            None => false,
        };
        Box::pin(async move { Ok(found) })
    }

    fn create_billing_attempt(&self, attempt: BillingAttempt) -> LedgerFuture<'_, ()> {
        let mut g = self.lock();
        let r = if g.attempts.contains_key(&attempt.nonce_digest) {
            Err(LedgerError::OrderConflict {
                order: attempt.order_id.to_string(),
            })
        } else {
            g.attempts
                .insert(attempt.nonce_digest.clone(), (attempt, None));
            Ok(())
        };
        Box::pin(async move { r })
    }

    fn claim_billing_attempt<'a>(
        &'a self,
        order: &'a OrderId,
        digest: &'a str,
        at: Timestamp,
    ) -> LedgerFuture<'a, AttemptClaim> {
        let claim = match self.lock().attempts.get_mut(digest) {
            Some((a, _)) if &a.order_id != order => AttemptClaim::Unknown,
            Some((_, Some(used))) => AttemptClaim::AlreadyUsed { used_at: *used },
            Some((a, used)) => {
                *used = Some(at);
                AttemptClaim::Claimed(a.clone())
            }
            None => AttemptClaim::Unknown,
        };
        Box::pin(async move { Ok(claim) })
    }

    fn park_unconfirmed(&self, item: Unconfirmed) -> LedgerFuture<'_, ()> {
        self.lock()
            .unconfirmed
            .entry(item.message.0)
            .or_insert((item, None));
        Box::pin(async { Ok(()) })
    }

    fn unconfirmed(&self, limit: u32) -> LedgerFuture<'_, Vec<Unconfirmed>> {
        let v = self
            .lock()
            .unconfirmed
            .values()
            .filter(|(_, resolved)| resolved.is_none())
            .map(|(u, _)| u.clone())
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect();
        Box::pin(async move { Ok(v) })
    }

    fn resolve_unconfirmed(&self, message: MessageId, at: Timestamp) -> LedgerFuture<'_, bool> {
        let done = match self.lock().unconfirmed.get_mut(&message.0) {
            Some((_, r @ None)) => {
                *r = Some(at);
                true
            }
            _ => false,
        };
        Box::pin(async move { Ok(done) })
    }

    fn outbox_push(&self, event: NewOutboxEvent) -> LedgerFuture<'_, bool> {
        let wrote = self.lock().push_outbox(pushed_entry(event));
        Box::pin(async move { Ok(wrote) })
    }

    fn outbox_claim<'a>(
        &'a self,
        order: Option<&'a OrderId>,
        now: Timestamp,
        lease_until: Timestamp,
        token: &'a str,
        limit: u32,
    ) -> LedgerFuture<'a, Vec<Claimed>> {
        let mut g = self.lock();
        let mut claimed = Vec::new();
        let mut blocked: HashSet<OrderId> = HashSet::new();
        for o in g.outbox.iter_mut() {
            if o.entry.delivered_at.is_some() {
                continue;
            }
            // Only the oldest undelivered event of an order.
            if let Some(oid) = &o.entry.order_id
                && !blocked.insert(oid.clone())
            {
                continue;
            }
            let due = o.entry.next_attempt_at <= now
                && o.lease.as_ref().is_none_or(|(until, _)| *until <= now)
                && order.is_none_or(|want| o.entry.order_id.as_ref() == Some(want));
            if due && claimed.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
                o.entry.attempts = o.entry.attempts.saturating_add(1);
                o.lease = Some((lease_until, token.to_owned()));
                claimed.push(Claimed {
                    entry: o.entry.clone(),
                    token: token.to_owned(),
                    lease_until,
                });
            }
        }
        Box::pin(async move { Ok(claimed) })
    }

    fn outbox_settle<'a>(
        &'a self,
        id: &'a EventId,
        token: &'a str,
        how: Settle,
    ) -> LedgerFuture<'a, bool> {
        let mut g = self.lock();
        let mut ack = None;
        let held = match g.outbox.iter_mut().find(|o| &o.entry.id == id) {
            Some(o)
                if o.entry.delivered_at.is_none()
                    && o.lease.as_ref().is_some_and(|(_, t)| t == token) =>
            {
                o.lease = None;
                match how {
                    Settle::Delivered { at, detail } => {
                        o.entry.delivered_at = Some(at);
                        o.entry.detail = detail;
                        o.entry.last_error = None;
                        if o.entry.kind.acknowledges() {
                            ack = o.entry.order_id.clone().map(|oid| (oid, at));
                        }
                    }
                    Settle::Retry {
                        error,
                        next_attempt_at,
                    } => {
                        o.entry.last_error = Some(error);
                        o.entry.next_attempt_at = next_attempt_at;
                    }
                    Settle::Release => o.entry.attempts = o.entry.attempts.saturating_sub(1),
                }
                true
            }
            _ => false,
        };
        if let Some((oid, at)) = ack
            && let Some(p) = g.payments.get_mut(&oid)
        {
            p.acknowledged_at.get_or_insert(at);
        }
        Box::pin(async move { Ok(held) })
    }

    fn outbox_undelivered(&self, limit: u32) -> LedgerFuture<'_, Vec<OutboxEntry>> {
        let v = self
            .lock()
            .outbox
            .iter()
            .filter(|o| o.entry.delivered_at.is_none())
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|o| o.entry.clone())
            .collect();
        Box::pin(async move { Ok(v) })
    }

    fn outbox_of<'a>(&'a self, order: &'a OrderId) -> LedgerFuture<'a, Vec<OutboxEntry>> {
        let v = self
            .lock()
            .outbox
            .iter()
            .filter(|o| o.entry.order_id.as_ref() == Some(order))
            .map(|o| o.entry.clone())
            .collect();
        Box::pin(async move { Ok(v) })
    }

    fn set_vbank_details<'a>(
        &'a self,
        order: &'a OrderId,
        tid: &'a Tid,
        deadline: Option<Timestamp>,
        detail: Option<String>,
    ) -> LedgerFuture<'a, bool> {
        let mut g = self.lock();
        let found = match g.payments.get_mut(order) {
            Some(p) if p.tid.as_ref() == Some(tid) => {
                if deadline.is_some() {
                    p.vbank_deadline = deadline;
                }
                true
            }
            _ => false,
        };
        if found && detail.is_some() {
            for o in g.outbox.iter_mut() {
                if o.entry.order_id.as_ref() == Some(order)
                    && o.entry.kind == OutboxKind::VbankIssued
                    && o.entry.tid.as_ref() == Some(tid)
                    && o.entry.delivered_at.is_none()
                    && o.entry.detail.is_none()
                {
                    o.entry.detail = detail.clone();
                }
            }
        }
        Box::pin(async move { Ok(found) })
    }

    fn overdue_vbanks(&self, now: Timestamp, limit: u32) -> LedgerFuture<'_, Vec<Payment>> {
        let all = self
            .lock()
            .payments
            .values()
            .filter(|p| {
                p.state == PaymentState::VbankIssued && p.vbank_deadline.is_some_and(|d| d < now)
            })
            .cloned()
            .collect();
        let mut v = sorted(all);
        v.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Box::pin(async move { Ok(v) })
    }
}

/// The outbox row of an event the flow (or a billing key) writes: due now,
/// never attempted.
fn pushed_entry(event: NewOutboxEvent) -> OutboxEntry {
    OutboxEntry {
        seq: 0,
        id: event.id,
        order_id: event.order_id,
        kind: event.kind,
        tid: event.tid,
        amount: None,
        detail: event.detail,
        created_at: event.at,
        attempts: 0,
        next_attempt_at: event.at,
        last_error: None,
        delivered_at: None,
    }
}
