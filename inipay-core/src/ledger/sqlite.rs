//! The SQLite store (feature `sqlite`, the default): one file, WAL, durable
//! commits.

use super::LedgerError;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, SqlSafeStr, Transaction};
use std::path::PathBuf;
use std::time::Duration;

// The same SQL store source, compiled once per database (see its docs).
#[allow(clippy::duplicate_mod)]
#[path = "sql_common.rs"]
mod common;

type Db = sqlx::Sqlite;
/// SQLite locks the whole database for a write transaction begun
/// `IMMEDIATE`; no row locks needed.
const ROW_LOCKS: bool = false;

/// SQLite has no data-modifying CTEs: grouped steps run as multi-statement
/// queries instead.
const COMBINED_STATEMENTS: bool = false;

async fn begin_write(pool: &Pool<Db>) -> Result<Transaction<'static, Db>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

fn migrator() -> Migrator {
    let mut m = Migrator::with_migrations(vec![
        Migration::new(
            1,
            "ledger".into(),
            MigrationType::Simple,
            include_str!("migrations/sqlite/0001_ledger.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            2,
            "lean writes".into(),
            MigrationType::Simple,
            include_str!("migrations/sqlite/0002_lean_writes.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            3,
            "inline outcome".into(),
            MigrationType::Simple,
            include_str!("migrations/sqlite/0003_inline_outcome.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            4,
            "trust and privacy".into(),
            MigrationType::Simple,
            include_str!("migrations/sqlite/0004_trust_and_privacy.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            5,
            "outbox".into(),
            MigrationType::Simple,
            include_str!("migrations/sqlite/0005_outbox.sql").into_sql_str(),
            false,
        ),
    ]);
    m.dangerous_set_table_name(super::MIGRATIONS_TABLE);
    m
}

/// How commits reach the disk (SQLite `PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Synchronous {
    /// Every commit is fsynced before it returns (the default: a recorded
    /// payment survives a power cut).
    #[default]
    Full,
    /// WAL commits are fsynced at checkpoints only: survives a crash of the
    /// process, may lose the last commits on power loss. For tests.
    Normal,
}

/// Options of [`SqliteStore::open_with`].
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// The database file (created if missing).
    pub path: PathBuf,
    /// Durability of commits.
    pub synchronous: Synchronous,
    /// Read connections (writes always go through one connection).
    pub readers: u32,
    /// How long a writer waits for another process's write lock.
    pub busy_timeout: Duration,
    /// How long stored message bodies are kept, in days (`None`, the
    /// default: forever). Past it, [`SqliteStore::purge_raw_bodies`] empties a
    /// message's body and keeps its masked copy and SHA-256 digest; nothing
    /// else in the journal can be changed or deleted. See the
    /// [ledger docs](super#personal-data-at-rest).
    pub raw_body_retention_days: Option<u32>,
    /// The key of the journal's body digests: bodies carrying personal data
    /// are digested with HMAC-SHA256 under it; without a key they get no
    /// digest (a plain SHA-256 of a masked phone number can be reversed by
    /// trying every number). Keep it outside the database. Default: none.
    pub body_digest_key: Option<super::BodyDigestKey>,
}

impl SqliteOptions {
    /// Defaults for `path`: durable commits, 4 readers, 30 s busy timeout.
    pub fn new(path: impl Into<PathBuf>) -> SqliteOptions {
        SqliteOptions {
            path: path.into(),
            synchronous: Synchronous::Full,
            readers: 4,
            busy_timeout: Duration::from_secs(30),
            raw_body_retention_days: None,
            body_digest_key: None,
        }
    }
}

/// A [`Ledger`](super::Ledger) in one SQLite file (WAL mode). Writes are
/// serialized through one connection (SQLite allows one writer at a time;
/// queuing in the pool beats spinning on `SQLITE_BUSY`); reads use a small
/// pool. Several processes may open the same file: write transactions begin
/// `IMMEDIATE` and wait up to the busy timeout.
///
/// ```
/// use inipay_core::ledger::{Ledger, SqliteStore, PaymentState};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let dir = std::env::temp_dir().join(format!("inipay-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let store = SqliteStore::open(dir.join("ledger.db")).await?; // migrates
/// assert!(store.payments_in_state(PaymentState::Approved, 10).await?.is_empty());
/// store.close().await;
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    core: common::Core,
}

common::delegate_ledger!(SqliteStore);

impl SqliteStore {
    /// Opens (or creates) the ledger at `path` with durable defaults and
    /// applies the embedded migrations.
    pub async fn open(path: impl Into<PathBuf>) -> Result<SqliteStore, LedgerError> {
        SqliteStore::open_with(SqliteOptions::new(path)).await
    }

    /// Opens with explicit options.
    pub async fn open_with(options: SqliteOptions) -> Result<SqliteStore, LedgerError> {
        let connect = SqliteConnectOptions::new()
            .filename(&options.path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match options.synchronous {
                Synchronous::Full => SqliteSynchronous::Full,
                Synchronous::Normal => SqliteSynchronous::Normal,
            })
            .foreign_keys(true)
            .busy_timeout(options.busy_timeout);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(connect.clone())
            .await?;
        migrator().run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(options.readers.max(1))
            .connect_with(connect.read_only(true))
            .await?;
        Ok(SqliteStore {
            core: common::Core {
                writer,
                reader,
                retention_days: options.raw_body_retention_days,
                digest_key: options.body_digest_key.map(std::sync::Arc::new),
            },
        })
    }

    /// The write pool (one connection), for apps that keep their own tables
    /// in the same file.
    pub fn pool(&self) -> &Pool<Db> {
        &self.core.writer
    }

    /// Sets the retention of stored bodies (see
    /// [`SqliteOptions::raw_body_retention_days`]).
    #[must_use]
    pub fn with_raw_body_retention_days(mut self, days: u32) -> SqliteStore {
        self.core.retention_days = Some(days);
        self
    }

    /// Purges the stored body of every message journaled more than the
    /// retention period before `now` (see [`SqliteOptions::raw_body_retention_days`]);
    /// returns how many were purged. Run it periodically (daily, say).
    pub async fn purge_raw_bodies(&self, now: crate::time::Timestamp) -> Result<u64, LedgerError> {
        self.core.purge_raw_bodies(now).await
    }

    /// Closes both pools, waiting for connections to finish.
    pub async fn close(&self) {
        self.core.writer.close().await;
        self.core.reader.close().await;
    }
}
