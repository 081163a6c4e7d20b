//! Concurrency: 64 tasks deliver the same 1,000 deposit notifications, each
//! task in its own shuffled order (64,000 deliveries: duplicates,
//! interleaved). Every payment must be transitioned exactly once and every
//! delivery journaled, on SQLite and on PostgreSQL; two pools (two app
//! instances) on one PostgreSQL database must agree.

mod ledger_support;

use inipay_core::ledger::{Applied, Ledger, NewPayment, PaymentState};
use inipay_core::types::{Amount, OrderId, Tid};
use ledger_support::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

const PAYMENTS: usize = 1000;
const TASKS: usize = 64;

fn order(i: usize) -> OrderId {
    oid(&format!("CONC-{i:05}"))
}

fn vbank_tid(i: usize) -> Tid {
    tid("INIMX_VBNK", i as u64)
}

fn won(i: usize) -> u64 {
    1000 + i as u64
}

async fn setup(l: &dyn Ledger) {
    for i in 0..PAYMENTS {
        let o = order(i);
        l.create_payment(NewPayment::new(
            o.clone(),
            mid(),
            Amount::won(won(i)),
            at(0),
        ))
        .await
        .unwrap();
        let r = l
            .record(
                msg(
                    inipay_core::ledger::MessageKind::ApprovalReply,
                    &o,
                    "P_STATUS=00",
                    1,
                ),
                intent(
                    &o,
                    inipay_core::ledger::Event::VbankIssued {
                        tid: vbank_tid(i),
                        amount: Amount::won(won(i)),
                    },
                ),
            )
            .await
            .unwrap();
        assert!(r.applied.is_transition());
    }
}

/// Runs `tasks` tasks, task `t` on `stores[t % stores.len()]`; returns how
/// many times each payment was transitioned.
async fn deliver(stores: &[Arc<dyn Ledger>], tasks: usize) -> Vec<u32> {
    let transitions: Arc<Vec<AtomicU32>> =
        Arc::new((0..PAYMENTS).map(|_| AtomicU32::new(0)).collect());
    let mut handles = Vec::new();
    for t in 0..tasks {
        let store = stores[t % stores.len()].clone();
        let transitions = transitions.clone();
        handles.push(tokio::spawn(async move {
            for i in shuffled(PAYMENTS, t as u64 + 1) {
                let (m, dep) = deposit_noti(&order(i), &vbank_tid(i), won(i), 10 + t as u64);
                match store.record(m, dep).await.unwrap().applied {
                    Applied::Transitioned { from, to } => {
                        assert_eq!(
                            (from, to),
                            (PaymentState::VbankIssued, PaymentState::VbankDeposited)
                        );
                        transitions[i].fetch_add(1, Ordering::SeqCst);
                    }
                    Applied::Duplicate { state } => assert_eq!(state, PaymentState::VbankDeposited),
                    other => panic!("payment {i}: unexpected {other:?}"),
                }
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    transitions
        .iter()
        .map(|c| c.load(Ordering::SeqCst))
        .collect()
}

/// What every store must show afterwards.
async fn check(l: &dyn Ledger, transitions: &[u32], deliveries: usize) {
    for (i, n) in transitions.iter().enumerate() {
        assert_eq!(*n, 1, "payment {i} transitioned {n} times");
    }
    let deposited = l
        .payments_in_state(PaymentState::VbankDeposited, 10 * PAYMENTS as u32)
        .await
        .unwrap();
    assert_eq!(deposited.len(), PAYMENTS);
    assert!(
        l.payments_in_state(PaymentState::VbankIssued, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Every delivery is in the journal with its outcome (sampled orders).
    for i in (0..PAYMENTS).step_by(97) {
        let j = l.messages_of(&order(i)).await.unwrap();
        assert_eq!(j.len(), 1 + deliveries, "order {i}");
        let outcomes: Vec<&str> = j[1..]
            .iter()
            .map(|e| e.outcome.as_deref().unwrap())
            .collect();
        assert_eq!(
            outcomes
                .iter()
                .filter(|o| **o == "transitioned:vbank_issued->vbank_deposited")
                .count(),
            1
        );
        assert_eq!(
            outcomes
                .iter()
                .filter(|o| **o == "duplicate:vbank_deposited")
                .count(),
            deliveries - 1
        );
    }
    assert!(l.pending().await.unwrap().is_empty());
}

/// `SELECT COUNT(*)` on a store's pool (SQLite or PostgreSQL).
macro_rules! count_sql {
    ($pool:expr, $sql:expr) => {{
        let (n,): (i64,) = sqlx::query_as($sql).fetch_one($pool).await.unwrap();
        n
    }};
}

const NOTI_ROWS: &str = "SELECT COUNT(*) FROM ledger_messages WHERE kind = 'noti'";
const NOTI_TRANSITIONS: &str =
    "SELECT COUNT(*) FROM ledger_transitions WHERE event_key LIKE '%/noti:%:02'";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_64_tasks_same_1000_notis_transition_once() {
    let dir = TempDir::new("conc");
    // synchronous=NORMAL: this test is about atomicity, not power loss, and
    // 64,000 fsyncs would take minutes (the benchmark measures durable mode).
    let store = sqlite_store(&dir, false).await;
    setup(&store).await;
    let shared: Arc<dyn Ledger> = Arc::new(store.clone());
    let transitions = deliver(std::slice::from_ref(&shared), TASKS).await;
    check(shared.as_ref(), &transitions, TASKS).await;
    assert_eq!(
        count_sql!(store.pool(), NOTI_ROWS),
        (TASKS * PAYMENTS) as i64
    );
    assert_eq!(count_sql!(store.pool(), NOTI_TRANSITIONS), PAYMENTS as i64);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_64_tasks_same_1000_notis_transition_once() {
    with_postgres(
        "postgres_64_tasks_same_1000_notis_transition_once",
        |url| async move {
            let store = postgres_store(&url, 16, false).await;
            setup(&store).await;
            let shared: Arc<dyn Ledger> = Arc::new(store.clone());
            let transitions = deliver(std::slice::from_ref(&shared), TASKS).await;
            check(shared.as_ref(), &transitions, TASKS).await;
            assert_eq!(
                count_sql!(store.pool(), NOTI_ROWS),
                (TASKS * PAYMENTS) as i64
            );
            assert_eq!(count_sql!(store.pool(), NOTI_TRANSITIONS), PAYMENTS as i64);
            store.close().await;
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_pools_on_one_database_agree() {
    with_postgres(
        "postgres_two_pools_on_one_database_agree",
        |url| async move {
            // Two app instances: separate pools, each migrating on open.
            let (a, b) = tokio::join!(
                postgres_store(&url, 8, false),
                postgres_store(&url, 8, false)
            );
            setup(&a).await;
            let stores: Vec<Arc<dyn Ledger>> = vec![Arc::new(a.clone()), Arc::new(b.clone())];
            let transitions = deliver(&stores, TASKS).await;
            check(&a, &transitions, TASKS).await;
            check(&b, &transitions, TASKS).await;
            let pa = a
                .payments_in_state(PaymentState::VbankDeposited, 2000)
                .await
                .unwrap();
            let pb = b
                .payments_in_state(PaymentState::VbankDeposited, 2000)
                .await
                .unwrap();
            assert_eq!(pa, pb);
            assert_eq!(count_sql!(b.pool(), NOTI_TRANSITIONS), PAYMENTS as i64);
            a.close().await;
            b.close().await;
        },
    )
    .await;
}
