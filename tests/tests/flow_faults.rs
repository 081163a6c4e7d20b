//! The merchant's own database fails right after INICIS approved: the flow
//! must net-cancel (망취소) and never report the order paid. Real HTTP, real
//! sandbox, the Actix adapter; the ledger is a memory store that refuses to
//! record approvals (the failure under test), everything else passes through.

use inipay_core::ledger::{
    Applied, AttemptClaim, BillingAttempt, BillkeyRecord, Created, Event, Intent, JournalEntry,
    Ledger, LedgerError, LedgerFuture, MemoryStore, Message, MessageId, NewPayment, Payment,
    PaymentState, Reconciliation, Recorded, Unconfirmed,
};
use inipay_core::time::Timestamp;
use inipay_core::types::{OrderId, Tid};
use inipay_sandbox::state::TxnStatus;
use inipay_tests::conformance::browser::pay;
use inipay_tests::conformance::scenarios::CARD;
use inipay_tests::conformance::{Harness, Options, actix};
use std::sync::Arc;

/// A memory ledger whose `record` of an approval fails like a lost database,
/// and whose `create_payment` fails too once its switch is on.
struct FailsOnApproval(MemoryStore, std::sync::atomic::AtomicBool);

impl FailsOnApproval {
    fn new() -> FailsOnApproval {
        FailsOnApproval(
            MemoryStore::new(),
            std::sync::atomic::AtomicBool::new(false),
        )
    }
}

impl Ledger for FailsOnApproval {
    fn create_payment(&self, p: NewPayment) -> LedgerFuture<'_, Created> {
        if self.1.load(std::sync::atomic::Ordering::SeqCst) {
            return Box::pin(async {
                Err(LedgerError::Corrupt {
                    column: "simulated outage of writes",
                })
            });
        }
        self.0.create_payment(p)
    }
    fn append(&self, m: Message, i: Option<Intent>) -> LedgerFuture<'_, MessageId> {
        self.0.append(m, i)
    }
    fn apply(&self, id: MessageId) -> LedgerFuture<'_, Applied> {
        self.0.apply(id)
    }
    fn record(&self, m: Message, i: Intent) -> LedgerFuture<'_, Recorded> {
        if matches!(i.event, Event::Approved { .. }) {
            return Box::pin(async {
                Err(LedgerError::Corrupt {
                    column: "simulated outage",
                })
            });
        }
        self.0.record(m, i)
    }
    fn pending(&self) -> LedgerFuture<'_, Vec<MessageId>> {
        self.0.pending()
    }
    fn acknowledge<'a>(&'a self, o: &'a OrderId, at: Timestamp) -> LedgerFuture<'a, bool> {
        self.0.acknowledge(o, at)
    }
    fn payment<'a>(&'a self, o: &'a OrderId) -> LedgerFuture<'a, Option<Payment>> {
        self.0.payment(o)
    }
    fn payment_by_tid<'a>(&'a self, t: &'a Tid) -> LedgerFuture<'a, Option<Payment>> {
        self.0.payment_by_tid(t)
    }
    fn payments_in_state(&self, s: PaymentState, limit: u32) -> LedgerFuture<'_, Vec<Payment>> {
        self.0.payments_in_state(s, limit)
    }
    fn messages_of<'a>(&'a self, o: &'a OrderId) -> LedgerFuture<'a, Vec<JournalEntry>> {
        self.0.messages_of(o)
    }
    fn message(&self, id: MessageId) -> LedgerFuture<'_, Option<JournalEntry>> {
        self.0.message(id)
    }
    fn reconciliation(&self, before: Timestamp) -> LedgerFuture<'_, Reconciliation> {
        self.0.reconciliation(before)
    }
    fn put_billkey(&self, r: BillkeyRecord) -> LedgerFuture<'_, bool> {
        self.0.put_billkey(r)
    }
    fn sealed_billkey<'a>(&'a self, o: &'a OrderId) -> LedgerFuture<'a, Option<BillkeyRecord>> {
        self.0.sealed_billkey(o)
    }
    fn confirm_billkey<'a>(&'a self, o: &'a OrderId, at: Timestamp) -> LedgerFuture<'a, bool> {
        self.0.confirm_billkey(o, at)
    }
    fn create_billing_attempt(&self, a: BillingAttempt) -> LedgerFuture<'_, ()> {
        self.0.create_billing_attempt(a)
    }
    fn claim_billing_attempt<'a>(
        &'a self,
        o: &'a OrderId,
        d: &'a str,
        at: Timestamp,
    ) -> LedgerFuture<'a, AttemptClaim> {
        self.0.claim_billing_attempt(o, d, at)
    }
    fn park_unconfirmed(&self, u: Unconfirmed) -> LedgerFuture<'_, ()> {
        self.0.park_unconfirmed(u)
    }
    fn unconfirmed(&self, limit: u32) -> LedgerFuture<'_, Vec<Unconfirmed>> {
        self.0.unconfirmed(limit)
    }
    fn resolve_unconfirmed(&self, m: MessageId, at: Timestamp) -> LedgerFuture<'_, bool> {
        self.0.resolve_unconfirmed(m, at)
    }
    fn outbox_push(&self, e: inipay_core::ledger::NewOutboxEvent) -> LedgerFuture<'_, bool> {
        self.0.outbox_push(e)
    }
    fn outbox_claim<'a>(
        &'a self,
        o: Option<&'a OrderId>,
        now: Timestamp,
        until: Timestamp,
        token: &'a str,
        n: u32,
    ) -> LedgerFuture<'a, Vec<inipay_core::ledger::Claimed>> {
        self.0.outbox_claim(o, now, until, token, n)
    }
    fn outbox_settle<'a>(
        &'a self,
        id: &'a inipay_core::ledger::EventId,
        token: &'a str,
        how: inipay_core::ledger::Settle,
    ) -> LedgerFuture<'a, bool> {
        self.0.outbox_settle(id, token, how)
    }
    fn outbox_undelivered(
        &self,
        n: u32,
    ) -> LedgerFuture<'_, Vec<inipay_core::ledger::OutboxEntry>> {
        self.0.outbox_undelivered(n)
    }
    fn outbox_of<'a>(
        &'a self,
        o: &'a OrderId,
    ) -> LedgerFuture<'a, Vec<inipay_core::ledger::OutboxEntry>> {
        self.0.outbox_of(o)
    }
    fn set_vbank_details<'a>(
        &'a self,
        o: &'a OrderId,
        t: &'a Tid,
        deadline: Option<Timestamp>,
        detail: Option<String>,
    ) -> LedgerFuture<'a, bool> {
        self.0.set_vbank_details(o, t, deadline, detail)
    }
    fn overdue_vbanks(&self, now: Timestamp, n: u32) -> LedgerFuture<'_, Vec<Payment>> {
        self.0.overdue_vbanks(now, n)
    }
}

#[tokio::test]
async fn ledger_failure_after_approval_is_net_cancelled_never_paid() {
    let ledger: Arc<dyn Ledger> = Arc::new(FailsOnApproval::new());
    let h = Harness::start_with(
        actix::serve,
        Options {
            ledger: Some(ledger.clone()),
            ..Options::default()
        },
    )
    .await;
    let next = pay(&h, "ORD-DBDOWN", "CARD", "approve", CARD).await;
    assert_eq!(
        next.status, 303,
        "the browser still lands on the result page"
    );

    let oid = OrderId::new("ORD-DBDOWN").unwrap();
    let p = ledger.payment(&oid).await.unwrap().unwrap();
    assert_eq!(
        p.state,
        PaymentState::NetCancelled,
        "never approved in our books"
    );
    let txn = h
        .sandbox
        .transactions()
        .into_iter()
        .find(|t| t.oid == "ORD-DBDOWN")
        .expect("INICIS approved it");
    assert_eq!(
        txn.status,
        TxnStatus::NetCancelled,
        "and the approval was withdrawn at INICIS"
    );
    // The approval reply that could not be applied is still in the journal.
    let kinds: Vec<_> = ledger
        .messages_of(&oid)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.message.kind)
        .collect();
    assert!(
        kinds.contains(&inipay_core::ledger::MessageKind::NetCancelReply),
        "{kinds:?}"
    );
    assert_eq!(
        h.events
            .count(|e| matches!(e, inipay_core::flow::FlowEvent::Paid { .. })),
        0,
        "the app is never told it was paid"
    );
    h.stop().await;
}

/// A reloaded checkout page of an order the ledger already records with the
/// same amount only reads the ledger (issue 12): with every payment write
/// failing, the reload still serves the page; a new order still needs the
/// write and fails.
#[tokio::test]
async fn a_reloaded_checkout_page_only_reads() {
    let ledger = Arc::new(FailsOnApproval::new());
    let h = Harness::start_with(
        actix::serve,
        Options {
            ledger: Some(ledger.clone() as Arc<dyn Ledger>),
            ..Options::default()
        },
    )
    .await;
    let get = |path: String| {
        let http = h.http.clone();
        async move {
            http.get(path)
                .send()
                .await
                .expect("checkout")
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        get(h.app.url("/checkout/ORD-RELOAD?method=CARD")).await,
        200
    );
    ledger.1.store(true, std::sync::atomic::Ordering::SeqCst);
    for _ in 0..3 {
        assert_eq!(
            get(h.app.url("/checkout/ORD-RELOAD?method=CARD")).await,
            200,
            "a reload writes nothing"
        );
    }
    assert_eq!(
        get(h.app.url("/checkout/ORD-FRESH?method=CARD")).await,
        503,
        "a new order (known to the shop) needs its write"
    );
    h.stop().await;
}
