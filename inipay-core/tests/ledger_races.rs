//! PostgreSQL: `record` reads the payment, decides, then writes message, key,
//! payment and outcome as one statement. These tests put a concurrent writer
//! exactly between that read and that write (an open transaction holding the
//! row or the key until the ledger waits on it) and check that the ledger
//! then decides on what the other writer committed, never on its stale read.

mod ledger_support;

use inipay_core::ledger::{Applied, EventKey, Ledger, PaymentState, PostgresStore, Rejection};
use inipay_core::types::{OrderId, Tid};
use ledger_support::*;
use sqlx::{Connection, Executor};
use std::time::{Duration, Instant};

/// Waits until some session of this database waits on a lock (the ledger's
/// write, queued behind the open transaction), at most 20 s.
async fn until_a_session_waits_on_a_lock(url: &str) {
    let mut watcher = sqlx::PgConnection::connect(url).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut watcher)
        .await
        .unwrap();
        if n > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the ledger never waited on the lock"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Records a deposit noti for `o` while `other` (an open transaction) holds
/// what the ledger's write needs; commits `other` once the ledger waits on it.
async fn deposit_behind(
    store: &PostgresStore,
    url: &str,
    mut other: sqlx::PgConnection,
    o: &OrderId,
    t: &Tid,
) -> inipay_core::ledger::Recorded {
    let (m, dep) = deposit_noti(o, t, 1000, 5);
    let s = store.clone();
    let recording = tokio::spawn(async move { s.record(m, dep).await });
    until_a_session_waits_on_a_lock(url).await;
    other.execute("COMMIT").await.unwrap();
    recording.await.unwrap().unwrap()
}

async fn deposit_key_rows(store: &PostgresStore, o: &OrderId, t: &Tid) -> i64 {
    let (_, dep) = deposit_noti(o, t, 1000, 0);
    let key = EventKey::new(o, &dep.event, 0);
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM ledger_transitions WHERE event_key = $1")
            .bind(key.as_str())
            .fetch_one(store.pool())
            .await
            .unwrap();
    n
}

/// Another instance withdraws the virtual account (net cancel) after the
/// ledger read it as issued: the deposit must not be applied on the stale
/// read. The write that saw the change leaves nothing behind (one journal
/// row for the noti, key not consumed) and the decision is made again on
/// the withdrawn account.
#[tokio::test]
async fn postgres_payment_changed_between_read_and_write_is_decided_again() {
    with_postgres(
        "postgres_payment_changed_between_read_and_write",
        |url| async move {
            let store = postgres_store(&url, 4, true).await;
            let (o, t) = (oid("RACE-1"), tid("INIMX_VBNK", 1));
            vbank_issued(&store, &o, &t).await;
            let mut other = sqlx::PgConnection::connect(&url).await.unwrap();
            other.execute("BEGIN").await.unwrap();
            other
                .execute(
                    "UPDATE ledger_payments SET state = 'net_cancelled', version = version + 1 \
                 WHERE order_id = 'RACE-1'",
                )
                .await
                .unwrap();
            let r = deposit_behind(&store, &url, other, &o, &t).await;
            assert!(
                matches!(
                    r.applied,
                    Applied::Rejected(Rejection::InvalidTransition { .. })
                ),
                "{:?}",
                r.applied
            );
            assert_eq!(
                store.payment(&o).await.unwrap().unwrap().state,
                PaymentState::NetCancelled
            );
            let j = store.messages_of(&o).await.unwrap();
            assert_eq!(j.len(), 2, "issuance + the noti, journaled once");
            assert_eq!(j[1].id, r.message);
            assert_eq!(
                deposit_key_rows(&store, &o, &t).await,
                0,
                "key not consumed"
            );
            assert!(store.pending().await.unwrap().is_empty());
            store.close().await;
        },
    )
    .await;
}

/// Another delivery of the same deposit claims the event key after the
/// ledger read it as unclaimed: the ledger must answer `Duplicate` and leave
/// the payment alone, with the message journaled and its outcome stored.
#[tokio::test]
async fn postgres_key_claimed_between_read_and_write_is_a_duplicate() {
    with_postgres(
        "postgres_key_claimed_between_read_and_write",
        |url| async move {
            let store = postgres_store(&url, 4, true).await;
            let (o, t) = (oid("RACE-2"), tid("INIMX_VBNK", 2));
            vbank_issued(&store, &o, &t).await;
            let (_, dep) = deposit_noti(&o, &t, 1000, 0);
            let key = EventKey::new(&o, &dep.event, 0);
            let mut other = sqlx::PgConnection::connect(&url).await.unwrap();
            other.execute("BEGIN").await.unwrap();
            sqlx::query(
                "INSERT INTO ledger_transitions (event_key, order_id, message_id, at) \
             VALUES ($1, 'RACE-2', 0, 0)",
            )
            .bind(key.as_str())
            .execute(&mut other)
            .await
            .unwrap();
            let r = deposit_behind(&store, &url, other, &o, &t).await;
            assert_eq!(
                r.applied,
                Applied::Duplicate {
                    state: PaymentState::VbankIssued
                }
            );
            assert_eq!(
                store.payment(&o).await.unwrap().unwrap().state,
                PaymentState::VbankIssued,
                "the payment is left to whoever claimed the key"
            );
            let j = store.messages_of(&o).await.unwrap();
            assert_eq!(j.len(), 2);
            assert_eq!(j[1].outcome.as_deref(), Some("duplicate:vbank_issued"));
            assert!(store.pending().await.unwrap().is_empty());
            store.close().await;
        },
    )
    .await;
}
