//! Upgrading a ledger written by version 1 of the schema: the embedded
//! migrations bring it to the current version on open, keep every row, and
//! the rows written under version 1 still answer every query (SQLite, and
//! PostgreSQL when reachable; required under `INIPAY_REQUIRE_POSTGRES=1`).

mod ledger_support;

use inipay_core::ledger::{Applied, EventKey, Ledger, PaymentState, PostgresStore};
use ledger_support::*;
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// Version 1 exactly as released (same SQL, so the same checksum).
fn version_1(sql: &'static str) -> Migrator {
    let mut m = Migrator::with_migrations(vec![Migration::new(
        1,
        "ledger".into(),
        MigrationType::Simple,
        sql.into_sql_str(),
        false,
    )]);
    m.dangerous_set_table_name("_inipay_ledger_migrations");
    m
}

/// Rows as version 1 wrote them for a virtual account issued to `UPG-1`:
/// the approval reply (message 1, `intent_order` set as version 1 always
/// did) with its event key and outcome, and a noti journaled without an
/// order of its own (message 2, found only through `intent_order`).
fn version_1_rows(issued_key: &str) -> String {
    format!(
        "INSERT INTO ledger_payments (order_id, mid, amount, state, tid, auth_tid, refunded, \
         net_cancel_failures, created_at, updated_at, version) VALUES ('UPG-1', 'INIpayTest', 1000, \
         'vbank_issued', '{t}', '{t}', 0, 0, {T0}, {T0}, 1);
         INSERT INTO ledger_messages (at, direction, kind, order_id, tid, charset, body, masked, \
         result_code, intent, intent_order) VALUES ({T0}, 'in', 'approval_reply', 'UPG-1', \
         '{t}', 'euc-kr', 'P_STATUS=00', 'P_STATUS=00', '00', NULL, 'UPG-1');
         INSERT INTO ledger_messages (at, direction, kind, order_id, tid, charset, body, masked, \
         result_code, intent, intent_order) VALUES ({T0}, 'in', 'noti', NULL, '{t}', \
         'euc-kr', 'P_STATUS=00', 'P_STATUS=00', '00', NULL, 'UPG-1');
         INSERT INTO ledger_transitions (event_key, order_id, message_id, at) \
         VALUES ('{issued_key}', 'UPG-1', 1, {T0});
         INSERT INTO ledger_applied (message_id, outcome, at) \
         VALUES (1, 'transitioned:created->vbank_issued', {T0});
         INSERT INTO ledger_billkeys (order_id, mid, tid, key_id, nonce, ciphertext, at) \
         VALUES ('UPG-BILL', 'INIBillTst', NULL, 'k1', 'n', 'c', {T0});",
        t = tid("INIMX_VBNK", 77),
    )
}

fn issued_key() -> String {
    let event = inipay_core::ledger::Event::VbankIssued {
        tid: tid("INIMX_VBNK", 77),
        amount: inipay_core::types::Amount::won(1000),
    };
    EventKey::new(&oid("UPG-1"), &event, 0).as_str().to_owned()
}

/// What every store must still answer about the version-1 rows, and the
/// deposit that follows them.
async fn version_1_rows_still_answer(l: &dyn Ledger) {
    let o = oid("UPG-1");
    let t = tid("INIMX_VBNK", 77);
    let p = l.payment(&o).await.unwrap().unwrap();
    assert_eq!(p.state, PaymentState::VbankIssued);
    assert_eq!(l.payment_by_tid(&t).await.unwrap().unwrap().order_id, o);
    let j = l.messages_of(&o).await.unwrap();
    assert_eq!(j.len(), 2, "both version-1 messages, one without an order");
    assert!(j[1].message.order_id.is_none());
    // The version-1 event key still makes a repeat a duplicate.
    let again = l
        .record(
            msg(
                inipay_core::ledger::MessageKind::ApprovalReply,
                &o,
                "P_STATUS=00",
                5,
            ),
            intent(
                &o,
                inipay_core::ledger::Event::VbankIssued {
                    tid: t.clone(),
                    amount: inipay_core::types::Amount::won(1000),
                },
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        again.applied,
        Applied::Duplicate {
            state: PaymentState::VbankIssued
        }
    );
    let (m, dep) = deposit_noti(&o, &t, 1000, 6);
    let r = l.record(m, dep).await.unwrap();
    assert_eq!(
        r.applied,
        Applied::Transitioned {
            from: PaymentState::VbankIssued,
            to: PaymentState::VbankDeposited
        }
    );
    assert_eq!(l.messages_of(&o).await.unwrap().len(), 4);
    version_4_on_old_rows(l).await;
}

/// Migration 4 on rows written before it: payments read as two-transaction
/// (and a reloaded 1trs checkout still records 1trs), old messages have no
/// digest (their bodies were stored before masking), new ones do unless
/// they carried personal data and no digest key is set, a billing
/// key from version 1 can be confirmed once, and the new tables work.
async fn version_4_on_old_rows(l: &dyn Ledger) {
    use inipay_core::ledger::{
        AttemptClaim, BillingAttempt, NewPayment, ResultPath, Unconfirmed, nonce_digest,
    };
    let o = oid("UPG-1");
    assert_eq!(
        l.payment(&o).await.unwrap().unwrap().result_path,
        ResultPath::TwoTransaction
    );
    let j = l.messages_of(&o).await.unwrap();
    assert_eq!((j[0].body_sha256, j[1].body_sha256), (None, None));
    // New ones do: SHA-256 of a body without personal data; none for the
    // deposit (buyer name, account number) without a digest key.
    {
        use sha2::{Digest, Sha256};
        let plain: [u8; 32] = Sha256::digest(b"P_STATUS=00").into();
        assert_eq!(j[2].body_sha256, Some(plain));
        assert_eq!(j[3].body_sha256, None);
    }
    assert!(j.iter().all(|e| e.body_purged_at.is_none()));
    let old = oid("UPG-2");
    let mut checkout = NewPayment::new(
        old.clone(),
        mid(),
        inipay_core::types::Amount::won(500),
        at(0),
    );
    l.create_payment(checkout.clone()).await.unwrap();
    checkout = checkout.result_path(ResultPath::OneTransaction);
    l.create_payment(checkout).await.unwrap();
    assert_eq!(
        l.payment(&old).await.unwrap().unwrap().result_path,
        ResultPath::OneTransaction
    );
    let bill = oid("UPG-BILL");
    assert_eq!(
        l.sealed_billkey(&bill).await.unwrap().unwrap().confirmed_at,
        None
    );
    assert!(l.confirm_billkey(&bill, at(7)).await.unwrap());
    assert!(l.confirm_billkey(&bill, at(8)).await.unwrap());
    assert_eq!(
        l.sealed_billkey(&bill).await.unwrap().unwrap().confirmed_at,
        Some(at(7))
    );
    let a = BillingAttempt {
        order_id: bill.clone(),
        mid: inipay_core::types::Mid::new("INIBillTst").unwrap(),
        nonce_digest: nonce_digest("upgrade"),
        encrypted: true,
        amount: None,
        created_at: at(9),
    };
    l.create_billing_attempt(a.clone()).await.unwrap();
    assert_eq!(
        l.claim_billing_attempt(&bill, &a.nonce_digest, at(10))
            .await
            .unwrap(),
        AttemptClaim::Claimed(a)
    );
    let (_, dep) = deposit_noti(&o, &tid("INIMX_VBNK", 77), 1000, 0);
    let parked = Unconfirmed {
        message: j[1].id,
        order_id: o.clone(),
        event: dep.event,
        parked_at: at(11),
    };
    l.park_unconfirmed(parked.clone()).await.unwrap();
    assert_eq!(
        l.reconciliation(at(0)).await.unwrap().unconfirmed,
        vec![parked]
    );
}

#[tokio::test]
async fn sqlite_ledger_written_by_version_1_upgrades_on_open() {
    let dir = TempDir::new("upgrade");
    let path = dir.path().join("ledger.db");
    {
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        version_1(include_str!(
            "../src/ledger/migrations/sqlite/0001_ledger.sql"
        ))
        .run(&pool)
        .await
        .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(version_1_rows(&issued_key())))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let store = inipay_core::ledger::SqliteStore::open(&path).await.unwrap();
    let versions: Vec<(i64,)> = sqlx::query_as("SELECT version FROM _inipay_ledger_migrations")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(versions, vec![(1,), (2,), (3,), (4,), (5,)]);
    version_1_rows_still_answer(&store).await;
    still_append_only(store.pool(), "X''").await;
    store.close().await;
}

#[tokio::test]
async fn postgres_ledger_written_by_version_1_upgrades_on_connect() {
    with_postgres(
        "postgres_ledger_written_by_version_1_upgrades_on_connect",
        |url| async move {
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            version_1(include_str!(
                "../src/ledger/migrations/postgres/0001_ledger.sql"
            ))
            .run(&pool)
            .await
            .unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(version_1_rows(&issued_key())))
                .execute(&pool)
                .await
                .unwrap();
            pool.close().await;
            let store = PostgresStore::connect(&url).await.unwrap();
            let versions: Vec<(i64,)> =
                sqlx::query_as("SELECT version FROM _inipay_ledger_migrations ORDER BY version")
                    .fetch_all(store.pool())
                    .await
                    .unwrap();
            assert_eq!(versions, vec![(1,), (2,), (3,), (4,), (5,)]);
            version_1_rows_still_answer(&store).await;
            still_append_only(store.pool(), "''::bytea").await;
            store.close().await;
        },
    )
    .await;
}

/// After the upgrade the journal still refuses changes, version-1 rows
/// included, except the one purge (which a version-1 row also accepts).
async fn still_append_only<DB: sqlx::Database>(pool: &sqlx::Pool<DB>, empty: &str)
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    assert_refused(
        pool,
        &[
            "UPDATE ledger_messages SET kind = 'noti' WHERE id = 1".to_owned(),
            "DELETE FROM ledger_messages WHERE id = 1".to_owned(),
            format!(
                "UPDATE ledger_messages SET body = {empty}, masked = NULL, body_purged_at = 1 \
                 WHERE id = 1"
            ),
        ],
    )
    .await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "UPDATE ledger_messages SET body = {empty}, body_purged_at = 1 WHERE id = 1"
    )))
    .execute(pool)
    .await
    .unwrap();
}
