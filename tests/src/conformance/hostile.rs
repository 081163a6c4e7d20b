//! Hostile or broken senders: what both adapters must do with input no
//! honest INICIS sends. Each scenario starts its own [`Harness`] (it needs a
//! ledger it can look into), so it takes the framework's [`Serve`].

use super::{Harness, Options, Serve};
use inipay_core::flow::FlowEvent;
use inipay_core::ledger::{
    Applied, AttemptClaim, BillingAttempt, BillkeyRecord, Created, Direction, Intent, JournalEntry,
    Ledger, LedgerFuture, MemoryStore, Message, MessageId, MessageKind, NewPayment, Payment,
    PaymentState, Reconciliation, Recorded, Unconfirmed,
};
use inipay_core::time::Timestamp;
use inipay_core::types::{OrderId, Tid};
use std::sync::{Arc, Mutex};

/// The adapters' default body limit (64 KiB).
pub const LIMIT: usize = 64 * 1024;

/// A memory ledger that also keeps a copy of every journaled message, so a
/// scenario can see messages attached to no order (a notification's order
/// is only in its body).
#[derive(Default)]
pub struct Tap {
    store: MemoryStore,
    journal: Mutex<Vec<Message>>,
}

impl Tap {
    /// Every message journaled so far, in order.
    pub fn messages(&self) -> Vec<Message> {
        self.journal.lock().map(|j| j.clone()).unwrap_or_default()
    }

    fn keep(&self, m: &Message) {
        if let Ok(mut j) = self.journal.lock() {
            j.push(m.clone());
        }
    }
}

impl Ledger for Tap {
    fn append(&self, m: Message, i: Option<Intent>) -> LedgerFuture<'_, MessageId> {
        self.keep(&m);
        self.store.append(m, i)
    }
    fn record(&self, m: Message, i: Intent) -> LedgerFuture<'_, Recorded> {
        self.keep(&m);
        self.store.record(m, i)
    }
    fn create_payment(&self, p: NewPayment) -> LedgerFuture<'_, Created> {
        self.store.create_payment(p)
    }
    fn apply(&self, id: MessageId) -> LedgerFuture<'_, Applied> {
        self.store.apply(id)
    }
    fn pending(&self) -> LedgerFuture<'_, Vec<MessageId>> {
        self.store.pending()
    }
    fn acknowledge<'a>(&'a self, o: &'a OrderId, at: Timestamp) -> LedgerFuture<'a, bool> {
        self.store.acknowledge(o, at)
    }
    fn payment<'a>(&'a self, o: &'a OrderId) -> LedgerFuture<'a, Option<Payment>> {
        self.store.payment(o)
    }
    fn payment_by_tid<'a>(&'a self, t: &'a Tid) -> LedgerFuture<'a, Option<Payment>> {
        self.store.payment_by_tid(t)
    }
    fn payments_in_state(&self, s: PaymentState, n: u32) -> LedgerFuture<'_, Vec<Payment>> {
        self.store.payments_in_state(s, n)
    }
    fn messages_of<'a>(&'a self, o: &'a OrderId) -> LedgerFuture<'a, Vec<JournalEntry>> {
        self.store.messages_of(o)
    }
    fn message(&self, id: MessageId) -> LedgerFuture<'_, Option<JournalEntry>> {
        self.store.message(id)
    }
    fn reconciliation(&self, before: Timestamp) -> LedgerFuture<'_, Reconciliation> {
        self.store.reconciliation(before)
    }
    fn put_billkey(&self, r: BillkeyRecord) -> LedgerFuture<'_, bool> {
        self.store.put_billkey(r)
    }
    fn sealed_billkey<'a>(&'a self, o: &'a OrderId) -> LedgerFuture<'a, Option<BillkeyRecord>> {
        self.store.sealed_billkey(o)
    }
    fn confirm_billkey<'a>(&'a self, o: &'a OrderId, at: Timestamp) -> LedgerFuture<'a, bool> {
        self.store.confirm_billkey(o, at)
    }
    fn create_billing_attempt(&self, a: BillingAttempt) -> LedgerFuture<'_, ()> {
        self.store.create_billing_attempt(a)
    }
    fn claim_billing_attempt<'a>(
        &'a self,
        o: &'a OrderId,
        digest: &'a str,
        at: Timestamp,
    ) -> LedgerFuture<'a, AttemptClaim> {
        self.store.claim_billing_attempt(o, digest, at)
    }
    fn park_unconfirmed(&self, u: Unconfirmed) -> LedgerFuture<'_, ()> {
        self.store.park_unconfirmed(u)
    }
    fn unconfirmed(&self, n: u32) -> LedgerFuture<'_, Vec<Unconfirmed>> {
        self.store.unconfirmed(n)
    }
    fn resolve_unconfirmed(&self, m: MessageId, at: Timestamp) -> LedgerFuture<'_, bool> {
        self.store.resolve_unconfirmed(m, at)
    }
    fn outbox_push(&self, e: inipay_core::ledger::NewOutboxEvent) -> LedgerFuture<'_, bool> {
        self.store.outbox_push(e)
    }
    fn outbox_claim<'a>(
        &'a self,
        o: Option<&'a OrderId>,
        now: Timestamp,
        until: Timestamp,
        token: &'a str,
        n: u32,
    ) -> LedgerFuture<'a, Vec<inipay_core::ledger::Claimed>> {
        self.store.outbox_claim(o, now, until, token, n)
    }
    fn outbox_settle<'a>(
        &'a self,
        id: &'a inipay_core::ledger::EventId,
        token: &'a str,
        how: inipay_core::ledger::Settle,
    ) -> LedgerFuture<'a, bool> {
        self.store.outbox_settle(id, token, how)
    }
    fn outbox_undelivered(
        &self,
        n: u32,
    ) -> LedgerFuture<'_, Vec<inipay_core::ledger::OutboxEntry>> {
        self.store.outbox_undelivered(n)
    }
    fn outbox_of<'a>(
        &'a self,
        o: &'a OrderId,
    ) -> LedgerFuture<'a, Vec<inipay_core::ledger::OutboxEntry>> {
        self.store.outbox_of(o)
    }
    fn set_vbank_details<'a>(
        &'a self,
        o: &'a OrderId,
        t: &'a Tid,
        deadline: Option<Timestamp>,
        detail: Option<String>,
    ) -> LedgerFuture<'a, bool> {
        self.store.set_vbank_details(o, t, deadline, detail)
    }
    fn overdue_vbanks(&self, now: Timestamp, n: u32) -> LedgerFuture<'_, Vec<Payment>> {
        self.store.overdue_vbanks(now, n)
    }
}

/// A body of `len` bytes that starts like a notification, so the journaled
/// prefix is recognisably the sender's bytes.
fn big_body(len: usize) -> Vec<u8> {
    let mut b =
        b"P_STATUS=02&P_TID=INIMX_VBNKINIpayTest20240101120000000001&P_AMT=1000&P_RMESG1=".to_vec();
    b.extend((0..len.saturating_sub(b.len())).map(|i| b'A' + (i % 26) as u8));
    b.truncate(len);
    b
}

/// Checks the two messages one refused body left: its first [`LIMIT`] bytes
/// inbound, then the local record of the limit and the total length.
fn assert_truncated(new: &[Message], kind: MessageKind, sent: &[u8], order: Option<&str>) {
    assert_eq!(new.len(), 2, "the prefix and the local record");
    let (inbound, local) = (&new[0], &new[1]);
    assert_eq!(
        (inbound.kind, inbound.direction),
        (kind, Direction::Inbound)
    );
    assert_eq!(inbound.body.len(), LIMIT, "prefix length = limit");
    assert!(inbound.body == sent[..LIMIT], "the sender's first bytes");
    assert_eq!((local.kind, local.direction), (kind, Direction::Local));
    let record = String::from_utf8_lossy(&local.body);
    assert!(
        record.contains("reason=body_over_limit")
            && record.contains(&format!("&limit={LIMIT}&"))
            && record.ends_with(&format!("&received={}", sent.len())),
        "{record}"
    );
    for m in new {
        assert_eq!(m.order_id.as_ref().map(|o| o.as_str()), order);
    }
}

/// A 70 KB and a 10 MB body to `{mount}/noti` and to `{mount}/next?oid=...`:
/// `413` with an empty body, and journaled truncated before the answer
/// (prefix of exactly the limit, the total in a `Direction::Local` record,
/// both on the order the URL names). The app is alerted once per body.
pub async fn oversized_bodies(serve: Serve) {
    let tap = Arc::new(Tap::default());
    let h = Harness::start_with(
        serve,
        Options {
            ledger: Some(tap.clone()),
            ..Options::default()
        },
    )
    .await;
    for len in [70_000, 10 * 1024 * 1024] {
        let body = big_body(len);
        for (path, kind, order) in [
            ("/noti".to_owned(), MessageKind::Noti, None),
            (
                format!("/next?oid=ORD-HUGE-{len}"),
                MessageKind::AuthResult,
                Some(format!("ORD-HUGE-{len}")),
            ),
        ] {
            let before = tap.messages().len();
            let r = h
                .http
                .post(h.app.url(&path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body.clone())
                .send()
                .await
                .expect("answered");
            assert_eq!(r.status().as_u16(), 413, "{path} {len}");
            assert!(r.bytes().await.expect("body").is_empty(), "empty 413");
            let new = tap.messages().split_off(before);
            assert_truncated(&new, kind, &body, order.as_deref());
            if let Some(o) = &order {
                let oid = OrderId::new(o).expect("order id");
                let of_order = h.app.ledger.messages_of(&oid).await.expect("ledger");
                assert_eq!(of_order.len(), 2, "both on the order");
            }
        }
    }
    assert_eq!(
        h.events.count(|e| matches!(e, FlowEvent::Alert { .. })),
        4,
        "{:?}",
        h.events.events()
    );
    h.stop().await;
}
