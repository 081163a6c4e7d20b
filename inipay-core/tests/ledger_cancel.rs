//! A `record` whose future is dropped part-way (a request handler timed out,
//! a client hung up) leaves nothing half-done: the notification is either
//! recorded and applied or not recorded at all, the store keeps working, and
//! the gateway's next delivery settles it exactly once.

mod ledger_support;

use inipay_core::ledger::{Applied, Ledger, PaymentState};
use ledger_support::*;
use std::time::Duration;

async fn drop_part_way_then_redeliver(l: &dyn Ledger) {
    let (mut cut, mut finished) = (0, 0);
    for i in 0..60u64 {
        let (o, t) = (oid(&format!("CANCEL-{i}")), tid("INIMX_VBNK", i));
        vbank_issued(l, &o, &t).await;
        let (m, dep) = deposit_noti(&o, &t, 1000, 5);
        // Budgets from 0 to ~3 ms cut the call before, inside and after its
        // transaction on this machine; both outcomes are counted below.
        let budget = Duration::from_micros(i * 50);
        match tokio::time::timeout(budget, l.record(m.clone(), dep.clone())).await {
            Ok(r) => {
                assert!(r.unwrap().applied.is_transition());
                finished += 1;
            }
            Err(_) => cut += 1,
        }
        let again = l.record(m, dep).await.unwrap();
        assert!(
            again.applied.is_transition()
                || again.applied
                    == Applied::Duplicate {
                        state: PaymentState::VbankDeposited
                    },
            "{:?}",
            again.applied
        );
        assert_eq!(
            l.payment(&o).await.unwrap().unwrap().state,
            PaymentState::VbankDeposited
        );
        let journal = l.messages_of(&o).await.unwrap();
        let transitions = journal
            .iter()
            .filter(|e| e.outcome.as_deref() == Some("transitioned:vbank_issued->vbank_deposited"))
            .count();
        assert_eq!(transitions, 1, "{i}: applied exactly once");
        assert!(
            journal.iter().all(|e| e.outcome.is_some()),
            "{i}: no half-applied message: {:?}",
            journal
                .iter()
                .map(|e| (e.id, e.message.kind, e.outcome.clone()))
                .collect::<Vec<_>>()
        );
    }
    assert!(l.pending().await.unwrap().is_empty());
    assert!(cut > 0, "no call was cut off: the test showed nothing");
    eprintln!("cut off {cut} calls, {finished} finished within their budget");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_record_dropped_part_way_leaves_nothing_half_done() {
    let dir = TempDir::new("cancel");
    let store = sqlite_store(&dir, true).await;
    drop_part_way_then_redeliver(&store).await;
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_record_dropped_part_way_leaves_nothing_half_done() {
    with_postgres("postgres_record_dropped_part_way", |url| async move {
        let store = postgres_store(&url, 4, true).await;
        drop_part_way_then_redeliver(&store).await;
        store.close().await;
    })
    .await;
}
