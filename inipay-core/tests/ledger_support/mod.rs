//! Shared helpers of the ledger tests: stores (memory, SQLite temp file,
//! fresh PostgreSQL database), fixtures and the one store test suite.
#![allow(dead_code)]

pub mod suite;

use inipay_core::encoding::Charset;
use inipay_core::ledger::{
    Direction, Event, Intent, Message, MessageKind, PostgresOptions, PostgresStore, SqliteOptions,
    SqliteStore, Synchronous,
};
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, Mid, OrderId, Tid};
use sqlx::Connection;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A fixed instant: tests never read the clock.
pub const T0: u64 = 1_700_000_000_000;

pub fn at(offset_ms: u64) -> Timestamp {
    Timestamp::from_unix_millis(T0 + offset_ms)
}

pub fn oid(s: &str) -> OrderId {
    OrderId::new(s).unwrap()
}

pub fn mid() -> Mid {
    Mid::new("INIpayTest").unwrap()
}

/// A 40-character TID: `prefix` (10 chars) + MID + a number.
pub fn tid(prefix: &str, n: u64) -> Tid {
    Tid::new(format!("{prefix}INIpayTest{n:020}")).unwrap()
}

pub fn msg(kind: MessageKind, order: &OrderId, body: &str, t: u64) -> Message {
    Message::new(
        kind,
        Direction::Inbound,
        Charset::EucKr,
        body.as_bytes().to_vec(),
        at(t),
    )
    .order(order.clone())
}

pub fn intent(order: &OrderId, event: Event) -> Intent {
    Intent::new(order.clone(), event)
}

/// A deposit notification (PROTOCOL.md 2.6 example body) for `order`.
pub fn deposit_noti(order: &OrderId, tid: &Tid, amount: u64, t: u64) -> (Message, Intent) {
    let body = format!(
        "P_TID={tid}&P_MID=INIpayTest&P_AUTH_DT=20160505093012&P_STATUS=02&P_TYPE=VBANK&P_OID={order}\
         &P_FN_CD1=88&P_FN_NM=%BD%C5%C7%D1%C0%BA%C7%E0&P_AMT={amount}&P_UNAME=%C8%AB%B1%E6%B5%BF\
         &P_RMESG1=P_VACCT_NO%3D56211101573948%7CP_EXP_DT%3D20160514235900&P_NOTI="
    );
    (
        msg(MessageKind::Noti, order, &body, t).tid(tid.clone()),
        intent(
            order,
            Event::noti(tid.clone(), "02", Some(Amount::won(amount)), true),
        ),
    )
}

/// Creates `order` for 1,000 won and records its virtual account `tid` as
/// issued (the state a deposit notification finds).
pub async fn vbank_issued(l: &dyn inipay_core::ledger::Ledger, order: &OrderId, tid: &Tid) {
    l.create_payment(inipay_core::ledger::NewPayment::new(
        order.clone(),
        mid(),
        Amount::won(1000),
        at(0),
    ))
    .await
    .unwrap();
    let r = l
        .record(
            msg(
                MessageKind::ApprovalReply,
                order,
                "P_STATUS=00&P_TYPE=VBANK",
                1,
            ),
            intent(
                order,
                Event::VbankIssued {
                    tid: tid.clone(),
                    amount: Amount::won(1000),
                },
            ),
        )
        .await
        .unwrap();
    assert!(r.applied.is_transition(), "{:?}", r.applied);
}

/// A unique directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "inipay-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A SQLite store in a fresh temp file. `durable`: synchronous=FULL.
pub async fn sqlite_store(dir: &TempDir, durable: bool) -> SqliteStore {
    let mut o = SqliteOptions::new(dir.path().join("ledger.db"));
    if !durable {
        o.synchronous = Synchronous::Normal;
    }
    SqliteStore::open_with(o).await.unwrap()
}

/// Whether CI demands PostgreSQL (`INIPAY_REQUIRE_POSTGRES=1`).
pub fn postgres_required() -> bool {
    std::env::var("INIPAY_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// The admin URLs tried, in order: `INIPAY_TEST_POSTGRES_URL`, then trust
/// auth on 127.0.0.1:5432 as `postgres`, then as `root`.
fn admin_urls() -> Vec<String> {
    match std::env::var("INIPAY_TEST_POSTGRES_URL") {
        Ok(u) => vec![u],
        Err(_) => vec![
            "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
            "postgres://root@127.0.0.1:5432/postgres".to_owned(),
        ],
    }
}

async fn admin() -> Option<(String, sqlx::PgConnection)> {
    let mut last = String::new();
    for url in admin_urls() {
        match sqlx::PgConnection::connect(&url).await {
            Ok(c) => return Some((url, c)),
            Err(e) => last = format!("{url}: {e}"),
        }
    }
    if postgres_required() {
        panic!("INIPAY_REQUIRE_POSTGRES=1 but PostgreSQL is not reachable ({last})");
    }
    None
}

/// A fresh PostgreSQL database, created with a unique name and dropped when
/// `body` finishes (also when it panics). Returns `false` (after printing
/// why) when no server is reachable and CI does not require one.
pub async fn with_postgres<F, Fut>(test: &str, body: F) -> bool
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some((admin_url, mut conn)) = admin().await else {
        // Written to stderr directly so libtest's capture does not hide it.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: PostgreSQL not reachable ({}); \
             set INIPAY_REQUIRE_POSTGRES=1 to make this a failure",
            admin_urls().join(", ")
        );
        return false;
    };
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!(
        "inipay_ledger_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let url = match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => unreachable!(),
    };
    let result = tokio::spawn(body(url)).await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
    true
}

/// A PostgreSQL store; `durable: false` turns `synchronous_commit` off
/// (atomicity and isolation unchanged) to keep big concurrency runs short.
pub async fn postgres_store(url: &str, max_connections: u32, durable: bool) -> PostgresStore {
    let mut o = PostgresOptions::new(url);
    o.max_connections = max_connections;
    o.synchronous_commit = durable;
    PostgresStore::connect_with(o).await.unwrap()
}

/// A deterministic shuffle (xorshift), so runs are reproducible without a
/// random-number dependency.
pub fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for i in (1..n).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = usize::try_from(x % (i as u64 + 1)).unwrap();
        v.swap(i, j);
    }
    v
}

/// Runs each statement on the journal and checks that the append-only
/// triggers refuse it.
pub async fn assert_refused<DB: sqlx::Database>(pool: &sqlx::Pool<DB>, statements: &[String])
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    for sql in statements {
        let Err(err) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
            .execute(pool)
            .await
        else {
            panic!("{sql} succeeded on the journal");
        };
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}
