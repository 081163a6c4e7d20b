//! The one store test suite, run against every store: memory, SQLite (a temp
//! file) and PostgreSQL (a fresh database on 127.0.0.1:5432, created and
//! dropped by the test; skipped with a message when unreachable, a failure
//! when `INIPAY_REQUIRE_POSTGRES=1`).

mod ledger_support;

use inipay_core::ledger::{Ledger, MemoryStore, PostgresStore};
use ledger_support::*;
use std::sync::Arc;

#[tokio::test]
async fn memory_store_passes_the_suite() {
    let store: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    suite::run(store.as_ref()).await;
}

#[tokio::test]
async fn sqlite_store_passes_the_suite() {
    let dir = TempDir::new("suite");
    let store = sqlite_store(&dir, true).await;
    suite::run(&store).await;
    append_only(store.pool()).await;
    store.close().await;
    // Reopening applies no migration twice and keeps everything.
    let store = sqlite_store(&dir, true).await;
    assert_eq!(
        store.payment(&oid("CARD-1")).await.unwrap().unwrap().state,
        inipay_core::ledger::PaymentState::Approved
    );
    let versions: Vec<(i64,)> = sqlx::query_as("SELECT version FROM _inipay_ledger_migrations")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(versions, vec![(1,), (2,), (3,), (4,), (5,)]);
    store.close().await;
}

async fn append_only<DB: sqlx::Database>(pool: &sqlx::Pool<DB>)
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    for sql in [
        "UPDATE ledger_messages SET kind = 'noti'",
        "DELETE FROM ledger_messages",
    ] {
        let Err(err) = sqlx::raw_sql(sql).execute(pool).await else {
            panic!("{sql} succeeded on the journal");
        };
        assert!(err.to_string().contains("append-only"), "{err}");
    }
}

#[tokio::test]
async fn postgres_store_passes_the_suite() {
    with_postgres("postgres_store_passes_the_suite", |url| async move {
        let store = postgres_store(&url, 4, true).await;
        suite::run(&store).await;
        append_only(store.pool()).await;
        store.close().await;
        let again = PostgresStore::connect(&url).await.unwrap();
        assert!(again.payment(&oid("CARD-1")).await.unwrap().is_some());
        again.close().await;
    })
    .await;
}
