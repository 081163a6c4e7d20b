//! The event outbox on every store (memory, SQLite file, fresh PostgreSQL
//! database): events written with the change that causes them, claimed
//! under a lease, delivered in order per payment, retried with backoff on
//! the injected clock, and — on PostgreSQL — two app instances delivering
//! one outbox without ever running one event twice at once.

mod ledger_support;

use inipay_core::flow::{Delivery, DispatchConfig, Dispatcher, FlowEvent, HandlerError};
use inipay_core::ledger::{
    EventId, Ledger, MemoryStore, MessageKind, NewOutboxEvent, NewPayment, OutboxKind, Settle,
};
use inipay_core::types::Amount;
use ledger_support::*;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn approved(l: &dyn Ledger, order: &str, n: u64) {
    let o = oid(order);
    l.create_payment(NewPayment::new(o.clone(), mid(), Amount::won(1000), at(0)))
        .await
        .unwrap();
    let r = l
        .record(
            msg(MessageKind::ApprovalReply, &o, "P_STATUS=00&P_TYPE=CARD", 1),
            intent(
                &o,
                inipay_core::ledger::Event::Approved {
                    tid: tid("INIMX_CARD", n),
                    amount: Amount::won(1000),
                },
            ),
        )
        .await
        .unwrap();
    assert!(r.applied.is_transition());
}

/// The suite every store passes.
async fn suite(l: &dyn Ledger) {
    // A transition writes exactly one event, with a stable id.
    approved(l, "OB-1", 1).await;
    let events = l.outbox_of(&oid("OB-1")).await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    let paid = &events[0];
    assert_eq!(paid.kind, OutboxKind::Paid);
    assert_eq!(paid.amount, Some(Amount::won(1000)));
    assert_eq!(paid.tid, Some(tid("INIMX_CARD", 1)));
    assert!(paid.id.as_str().starts_with("evt_OB-1_"), "{}", paid.id);
    assert_eq!((paid.attempts, paid.delivered_at), (0, None));
    // The same approval again: a duplicate, no second event.
    let again = l
        .record(
            msg(MessageKind::ApprovalReply, &oid("OB-1"), "P_STATUS=00", 2),
            intent(
                &oid("OB-1"),
                inipay_core::ledger::Event::Approved {
                    tid: tid("INIMX_CARD", 1),
                    amount: Amount::won(1000),
                },
            ),
        )
        .await
        .unwrap();
    assert!(!again.applied.is_transition());
    assert_eq!(l.outbox_of(&oid("OB-1")).await.unwrap().len(), 1);

    // Claimed under a lease: a second claimer gets nothing until it ends.
    let c = l
        .outbox_claim(None, at(10), at(1_000), "tok-a", 10)
        .await
        .unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].entry.attempts, 1);
    assert!(
        l.outbox_claim(None, at(20), at(2_000), "tok-b", 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A wrong token settles nothing; a retry reschedules.
    let retry = |at_ms| Settle::Retry {
        error: "mail server down".into(),
        next_attempt_at: at(at_ms),
    };
    assert!(
        !l.outbox_settle(&paid.id, "tok-b", retry(500))
            .await
            .unwrap()
    );
    assert!(
        l.outbox_settle(&paid.id, "tok-a", retry(500))
            .await
            .unwrap()
    );
    assert!(
        l.outbox_claim(None, at(499), at(2_000), "tok-c", 10)
            .await
            .unwrap()
            .is_empty(),
        "not due before its next attempt"
    );
    let undelivered = l.outbox_undelivered(10).await.unwrap();
    assert_eq!(undelivered.len(), 1);
    assert_eq!(
        undelivered[0].last_error.as_deref(),
        Some("mail server down")
    );
    // The lease of a claim that never settles ends; another takes it.
    let c = l
        .outbox_claim(None, at(500), at(600), "tok-c", 10)
        .await
        .unwrap();
    assert_eq!(c.len(), 1);
    let c = l
        .outbox_claim(None, at(600), at(5_000), "tok-d", 10)
        .await
        .unwrap();
    assert_eq!((c.len(), c[0].entry.attempts), (1, 3));
    assert!(
        !l.outbox_settle(
            &paid.id,
            "tok-c",
            Settle::Delivered {
                at: at(601),
                detail: None
            }
        )
        .await
        .unwrap(),
        "the stale holder cannot settle"
    );
    assert!(
        l.payment(&oid("OB-1"))
            .await
            .unwrap()
            .unwrap()
            .acknowledged_at
            .is_none()
    );
    assert!(
        l.outbox_settle(
            &paid.id,
            "tok-d",
            Settle::Delivered {
                at: at(602),
                detail: None
            }
        )
        .await
        .unwrap()
    );
    // Delivering `paid` acknowledged the payment in the same step.
    let p = l.payment(&oid("OB-1")).await.unwrap().unwrap();
    assert_eq!(p.acknowledged_at, Some(at(602)));
    assert!(l.outbox_undelivered(10).await.unwrap().is_empty());

    // In order per payment: a refund's event waits for the earlier one.
    approved(l, "OB-2", 2).await;
    let refund = |n: u64, amount: u64, t: u64| {
        (
            msg(MessageKind::IniapiReply, &oid("OB-2"), "resultCode=00", t),
            intent(
                &oid("OB-2"),
                inipay_core::ledger::Event::Refunded {
                    refund_tid: tid("StdpayCARD", 100 + n),
                    amount: Amount::won(amount),
                },
            ),
        )
    };
    for (n, amount) in [(1, 300), (2, 200)] {
        let (m, i) = refund(n, amount, 3 + n);
        assert!(l.record(m, i).await.unwrap().applied.is_transition() || n == 2);
    }
    let all = l.outbox_of(&oid("OB-2")).await.unwrap();
    let kinds: Vec<_> = all.iter().map(|e| (e.kind, e.amount)).collect();
    assert_eq!(
        kinds,
        vec![
            (OutboxKind::Paid, Some(Amount::won(1000))),
            (OutboxKind::Refunded, Some(Amount::won(300))),
            (OutboxKind::Refunded, Some(Amount::won(200))),
        ]
    );
    for (i, expect) in all.iter().enumerate() {
        let c = l
            .outbox_claim(Some(&oid("OB-2")), at(1_000), at(9_000), "tok-o", 10)
            .await
            .unwrap();
        assert_eq!(c.len(), 1, "only the head of the order, round {i}");
        assert_eq!(&c[0].entry.id, &expect.id);
        assert!(
            l.outbox_settle(
                &expect.id,
                "tok-o",
                Settle::Delivered {
                    at: at(1_001),
                    detail: None
                }
            )
            .await
            .unwrap()
        );
    }

    // Events without a payment change: pushed once per id.
    let alert = NewOutboxEvent {
        id: EventId::new("alert_test_1"),
        order_id: Some(oid("OB-2")),
        kind: OutboxKind::Alert,
        tid: None,
        detail: Some("net cancel failed: refund this payment".into()),
        at: at(2_000),
    };
    assert!(l.outbox_push(alert.clone()).await.unwrap());
    assert!(!l.outbox_push(alert).await.unwrap());
    let pushed = l.outbox_undelivered(10).await.unwrap();
    assert_eq!(pushed.len(), 1);
    assert_eq!(pushed[0].kind, OutboxKind::Alert);
    // A claim given back (a stopping dispatcher): not counted, free again.
    let c = l
        .outbox_claim(None, at(2_000), at(9_000), "tok-r", 10)
        .await
        .unwrap();
    assert_eq!((c.len(), c[0].entry.attempts), (1, 1));
    assert!(
        l.outbox_settle(&c[0].entry.id, "tok-r", Settle::Release)
            .await
            .unwrap()
    );
    let c = l
        .outbox_claim(None, at(2_001), at(9_000), "tok-s", 10)
        .await
        .unwrap();
    assert_eq!((c.len(), c[0].entry.attempts), (1, 1), "claimable at once");
    assert!(
        l.outbox_settle(&c[0].entry.id, "tok-s", Settle::Release)
            .await
            .unwrap()
    );

    // A virtual account: its deadline on the payment, its details on the
    // event, and an overdue list.
    let vt = tid("INIMX_VBNK", 3);
    vbank_issued(l, &oid("OB-3"), &vt).await;
    assert!(
        l.set_vbank_details(&oid("OB-3"), &vt, Some(at(50_000)), Some("{}".into()))
            .await
            .unwrap()
    );
    assert!(
        !l.set_vbank_details(&oid("OB-3"), &tid("INIMX_VBNK", 4), Some(at(1)), None)
            .await
            .unwrap(),
        "another TID"
    );
    let issued = l.outbox_of(&oid("OB-3")).await.unwrap();
    assert_eq!(issued[0].kind, OutboxKind::VbankIssued);
    assert_eq!(issued[0].detail.as_deref(), Some("{}"));
    let p = l.payment(&oid("OB-3")).await.unwrap().unwrap();
    assert_eq!(p.vbank_deadline, Some(at(50_000)));
    assert!(l.overdue_vbanks(at(50_000), 10).await.unwrap().is_empty());
    let overdue = l.overdue_vbanks(at(50_001), 10).await.unwrap();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].order_id, oid("OB-3"));
    let report = l.reconciliation(at(60_000)).await.unwrap();
    assert_eq!(report.overdue_vbanks.len(), 1);
    assert_eq!(report.undelivered.len(), 2, "the alert and the issuance");

    // A stored billing key writes its event in the same transaction (no
    // window in which a crash stores the key and loses the event); a second
    // key for the order is refused and writes nothing.
    let key = inipay_core::ledger::BillkeyKey::new("k1", &[3u8; 32]).unwrap();
    let context = |o: &str| inipay_core::ledger::BillkeyContext::new(mid(), oid(o));
    let billkey =
        secrecy::SecretString::from("734f880246ece4ffdba841c1436399c9968d32cc".to_owned());
    let bt = Some(tid("INIBILLCRD", 5));
    assert!(
        l.store_billkey(&key, context("OB-B"), bt.clone(), &billkey, at(70_000))
            .await
            .unwrap()
    );
    assert!(
        !l.store_billkey(&key, context("OB-B"), None, &billkey, at(70_001))
            .await
            .unwrap()
    );
    let events = l.outbox_of(&oid("OB-B")).await.unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].id.as_str(), "billkey_OB-B");
    assert_eq!(events[0].kind, OutboxKind::BillkeyIssued);
    assert_eq!(events[0].tid, bt);
    assert_eq!((events[0].attempts, events[0].delivered_at), (0, None));
}

#[tokio::test]
async fn memory_store_passes_the_outbox_suite() {
    suite(&MemoryStore::new()).await;
}

#[tokio::test]
async fn sqlite_store_passes_the_outbox_suite() {
    let dir = TempDir::new("outbox");
    let store = sqlite_store(&dir, true).await;
    suite(&store).await;
    store.close().await;
}

#[tokio::test]
async fn postgres_store_passes_the_outbox_suite() {
    with_postgres("postgres_store_passes_the_outbox_suite", |url| async move {
        let store = postgres_store(&url, 4, true).await;
        suite(&store).await;
        store.close().await;
    })
    .await;
}

/// A handler that fails its first `fail` calls.
fn flaky(fail: u32, calls: Arc<AtomicU32>) -> impl Fn(&Delivery) -> Result<(), HandlerError> {
    move |_d: &Delivery| {
        let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
        if n <= fail {
            Err(HandlerError::from_source(std::io::Error::other(format!(
                "warehouse API down (call {n})"
            ))))
        } else {
            Ok(())
        }
    }
}

async fn fails_three_times_then_delivered(l: Arc<dyn Ledger>) {
    approved(l.as_ref(), "FL-1", 9).await;
    let calls = Arc::new(AtomicU32::new(0));
    let d = Dispatcher::new(l.clone(), Arc::new(flaky(3, calls.clone())));
    // Backoff 1 s, 2 s, 4 s on the injected clock: a round before each due
    // time delivers nothing.
    let mut now = 1; // the approval's instant
    for (attempt, wait) in [(1, 1_000), (2, 2_000), (3, 4_000)] {
        let r = d.deliver_due(at(now)).await.unwrap();
        assert_eq!(r.failed.len(), 1, "attempt {attempt} fails");
        assert!(
            r.failed[0].1.contains(&format!("(call {attempt})")),
            "{:?}",
            r.failed
        );
        let pending = l.outbox_undelivered(10).await.unwrap();
        assert_eq!(pending[0].attempts, attempt);
        assert_eq!(pending[0].next_attempt_at, at(now + wait), "backoff");
        let early = d.deliver_due(at(now + wait - 1)).await.unwrap();
        assert!(early.delivered.is_empty() && early.failed.is_empty());
        now += wait;
    }
    let r = d.deliver_due(at(now)).await.unwrap();
    assert_eq!(r.delivered.len(), 1, "delivered on the 4th try");
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    let p = l.payment(&oid("FL-1")).await.unwrap().unwrap();
    assert_eq!(p.acknowledged_at, Some(at(now)), "acknowledged only then");
    assert!(l.outbox_undelivered(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_handler_failing_three_times_gets_the_event_on_the_fourth_try() {
    fails_three_times_then_delivered(Arc::new(MemoryStore::new())).await;
    let dir = TempDir::new("outbox-flaky");
    fails_three_times_then_delivered(Arc::new(sqlite_store(&dir, true).await)).await;
}

#[tokio::test]
async fn a_handler_slower_than_its_timeout_is_retried() {
    let l: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    approved(l.as_ref(), "SLOW-1", 11).await;
    struct Slow;
    impl inipay_core::flow::EventHandler for Slow {
        fn handle<'a>(
            &'a self,
            _d: &'a Delivery,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<(), HandlerError>> + Send + 'a>,
        > {
            Box::pin(async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(())
            })
        }
    }
    let mut config = DispatchConfig::default();
    config.handler_timeout = Duration::from_millis(50);
    let d = Dispatcher::new(l.clone(), Arc::new(Slow)).with_config(config);
    let r = d.deliver_due(at(1)).await.unwrap();
    assert_eq!(r.failed.len(), 1);
    assert_eq!(r.failed[0].1, "event handler timed out");
    assert_eq!(l.outbox_undelivered(1).await.unwrap()[0].attempts, 1);
}

/// Two app instances (two pools) deliver one PostgreSQL outbox at once:
/// every event is delivered exactly once, never twice concurrently.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_deliver_every_event_once() {
    with_postgres(
        "two_instances_on_one_postgres_deliver_every_event_once",
        |url| async move {
            let setup = postgres_store(&url, 4, false).await;
            const N: u64 = 120;
            for n in 0..N {
                approved(&setup, &format!("TWO-{n}"), 1_000 + n).await;
            }
            let in_flight: Arc<Mutex<HashSet<String>>> = Arc::default();
            let seen: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
            let overlap = Arc::new(AtomicU32::new(0));
            let mut tasks = Vec::new();
            let mut dispatchers = Vec::new();
            for instance in 0..2usize {
                let store: Arc<dyn Ledger> = Arc::new(postgres_store(&url, 4, false).await);
                let (in_flight, seen, overlap) = (in_flight.clone(), seen.clone(), overlap.clone());
                struct Track {
                    instance: usize,
                    in_flight: Arc<Mutex<HashSet<String>>>,
                    seen: Arc<Mutex<Vec<(String, usize)>>>,
                    overlap: Arc<AtomicU32>,
                }
                impl inipay_core::flow::EventHandler for Track {
                    fn handle<'a>(
                        &'a self,
                        d: &'a Delivery,
                    ) -> std::pin::Pin<
                        Box<dyn std::future::Future<Output = Result<(), HandlerError>> + Send + 'a>,
                    > {
                        Box::pin(async move {
                            let id = d.id.as_str().to_owned();
                            if !self.in_flight.lock().unwrap().insert(id.clone()) {
                                self.overlap.fetch_add(1, Ordering::SeqCst);
                            }
                            assert!(matches!(d.event, FlowEvent::Paid { .. }));
                            // Long enough for the other instance to try.
                            tokio::time::sleep(Duration::from_millis(2)).await;
                            self.seen.lock().unwrap().push((id.clone(), self.instance));
                            self.in_flight.lock().unwrap().remove(&id);
                            Ok(())
                        })
                    }
                }
                let handler = Arc::new(Track {
                    instance,
                    in_flight,
                    seen,
                    overlap,
                });
                let mut config = DispatchConfig::default();
                config.batch = 5;
                dispatchers.push(Dispatcher::new(store, handler).with_config(config));
            }
            let start = Arc::new(tokio::sync::Barrier::new(2));
            for d in dispatchers {
                let start = start.clone();
                tasks.push(tokio::spawn(async move {
                    start.wait().await;
                    let mut delivered = 0;
                    for round in 0..200u64 {
                        let r = d.deliver_due(at(10_000 + round)).await.unwrap();
                        delivered += r.delivered.len();
                        assert!(r.lost_lease.is_empty());
                        if r.delivered.is_empty() && round > 3 {
                            break;
                        }
                    }
                    delivered
                }));
            }
            let mut per_instance = Vec::new();
            for t in tasks {
                per_instance.push(t.await.unwrap());
            }
            let seen = seen.lock().unwrap().clone();
            let ids: HashSet<&String> = seen.iter().map(|(id, _)| id).collect();
            assert_eq!(seen.len() as u64, N, "every event once: {per_instance:?}");
            assert_eq!(ids.len() as u64, N, "no event twice");
            assert_eq!(overlap.load(Ordering::SeqCst), 0, "never twice at once");
            assert!(
                per_instance.iter().all(|n| *n > 0),
                "both instances delivered: {per_instance:?}"
            );
            assert!(setup.outbox_undelivered(10).await.unwrap().is_empty());
            setup.close().await;
        },
    )
    .await;
}
