//! Durable ledgers for the conformance scenarios: the same scenarios over
//! real HTTP with a SQLite file and with a fresh PostgreSQL database, so
//! that what the memory store proves also holds for the stores merchants
//! deploy.

use inipay_core::ledger::{Ledger, PostgresOptions, PostgresStore, SqliteStore};
use sqlx::Connection as _;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// Which durable store a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durable {
    /// A SQLite file in a fresh temporary directory.
    Sqlite,
    /// A fresh PostgreSQL database on 127.0.0.1:5432, dropped afterwards.
    Postgres,
}

fn unique(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "inipay_conf_{tag}_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Whether CI demands PostgreSQL (`INIPAY_REQUIRE_POSTGRES=1`).
fn postgres_required() -> bool {
    std::env::var("INIPAY_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// The admin URL: `INIPAY_TEST_POSTGRES_URL`, else trust auth on
/// 127.0.0.1:5432 as `postgres`, then as `root`.
async fn admin() -> Option<(String, sqlx::PgConnection)> {
    let urls = match std::env::var("INIPAY_TEST_POSTGRES_URL") {
        Ok(u) => vec![u],
        Err(_) => vec![
            "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
            "postgres://root@127.0.0.1:5432/postgres".to_owned(),
        ],
    };
    let mut last = String::new();
    for url in &urls {
        match sqlx::PgConnection::connect(url).await {
            Ok(c) => return Some((url.clone(), c)),
            Err(e) => last = format!("{url}: {e}"),
        }
    }
    if postgres_required() {
        panic!("INIPAY_REQUIRE_POSTGRES=1 but PostgreSQL is not reachable ({last})");
    }
    None
}

/// Runs `body` with a ledger in a SQLite file in a fresh directory, and
/// that directory (to scan the files); removed afterwards.
pub async fn with_sqlite_files<F, Fut>(body: F)
where
    F: FnOnce(Arc<dyn Ledger>, PathBuf) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = std::env::temp_dir().join(unique("files"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = SqliteStore::open(dir.join("ledger.db"))
        .await
        .expect("SQLite ledger");
    let result = tokio::spawn(body(Arc::new(store), dir.clone())).await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Runs `body` with a fresh durable ledger of `kind`, cleaned up afterwards
/// (also when `body` panics, whose panic is then resumed). Without a
/// reachable PostgreSQL and without `INIPAY_REQUIRE_POSTGRES=1`, a
/// PostgreSQL run prints `SKIPPED` and returns.
pub async fn with_durable<F, Fut>(kind: Durable, test: &str, body: F)
where
    F: FnOnce(Arc<dyn Ledger>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    with_durable_url(kind, test, |url| async move {
        body(open_ledger(&url).await).await;
    })
    .await;
}

/// Opens the ledger at `url` (`sqlite:PATH` or `postgres://...`), as an
/// app process would.
pub async fn open_ledger(url: &str) -> Arc<dyn Ledger> {
    match url.strip_prefix("sqlite:") {
        Some(path) => Arc::new(SqliteStore::open(path).await.expect("SQLite ledger")),
        None => Arc::new(
            PostgresStore::connect_with(PostgresOptions::new(url))
                .await
                .expect("PostgreSQL ledger"),
        ),
    }
}

/// Runs `body` with the URL of a fresh, empty durable ledger of `kind`
/// (`sqlite:PATH` of a file in a fresh directory, or a fresh PostgreSQL
/// database), cleaned up afterwards; see [`with_durable`].
pub async fn with_durable_url<F, Fut>(kind: Durable, test: &str, body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    match kind {
        Durable::Sqlite => {
            let dir = std::env::temp_dir().join(unique("sqlite"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let path: PathBuf = dir.join("ledger.db");
            let result = tokio::spawn(body(format!("sqlite:{}", path.display()))).await;
            let _ = std::fs::remove_dir_all(&dir);
            if let Err(e) = result {
                std::panic::resume_unwind(e.into_panic());
            }
        }
        Durable::Postgres => {
            let Some((admin_url, mut conn)) = admin().await else {
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED {test}: PostgreSQL not reachable; set INIPAY_REQUIRE_POSTGRES=1 to make this a failure"
                );
                return;
            };
            let name = unique("pg");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create database");
            let url = match admin_url.rsplit_once('/') {
                Some((base, _)) => format!("{base}/{name}"),
                None => panic!("admin URL without a database: {admin_url}"),
            };
            let result = tokio::spawn(body(url)).await;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await
            .expect("drop database");
            if let Err(e) = result {
                std::panic::resume_unwind(e.into_panic());
            }
        }
    }
}
