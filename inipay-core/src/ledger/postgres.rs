//! The PostgreSQL store (feature `postgres`): many app instances on one
//! database.

use super::LedgerError;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Pool, SqlSafeStr, Transaction};
use std::str::FromStr;
use std::time::Duration;

// The same SQL store source, compiled once per database (see its docs).
#[allow(clippy::duplicate_mod)]
#[path = "sql_common.rs"]
mod common;

type Db = sqlx::Postgres;
/// READ COMMITTED + `SELECT ... FOR UPDATE` on the payment row.
const ROW_LOCKS: bool = true;

/// Fold steps into data-modifying CTEs (fewer round trips per event).
const COMBINED_STATEMENTS: bool = true;

async fn begin_write(pool: &Pool<Db>) -> Result<Transaction<'static, Db>, sqlx::Error> {
    pool.begin().await
}

fn migrator() -> Migrator {
    let mut m = Migrator::with_migrations(vec![
        Migration::new(
            1,
            "ledger".into(),
            MigrationType::Simple,
            include_str!("migrations/postgres/0001_ledger.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            2,
            "lean writes".into(),
            MigrationType::Simple,
            include_str!("migrations/postgres/0002_lean_writes.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            3,
            "inline outcome".into(),
            MigrationType::Simple,
            include_str!("migrations/postgres/0003_inline_outcome.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            4,
            "trust and privacy".into(),
            MigrationType::Simple,
            include_str!("migrations/postgres/0004_trust_and_privacy.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            5,
            "outbox".into(),
            MigrationType::Simple,
            include_str!("migrations/postgres/0005_outbox.sql").into_sql_str(),
            false,
        ),
    ]);
    m.dangerous_set_table_name(super::MIGRATIONS_TABLE);
    m
}

/// Options of [`PostgresStore::connect_with`].
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// `postgres://user@host:port/database`.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
    /// How long to wait for a free connection.
    pub acquire_timeout: Duration,
    /// `synchronous_commit` of the ledger's sessions: `true` (the default)
    /// waits for each commit to reach the WAL on disk. `false` keeps
    /// atomicity and isolation but may lose the last commits on a server
    /// crash; for tests only.
    pub synchronous_commit: bool,
    /// How long stored message bodies are kept, in days (`None`, the
    /// default: forever). Past it, [`PostgresStore::purge_raw_bodies`] empties a
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

impl PostgresOptions {
    /// Defaults for `url`: 10 connections, 30 s acquire timeout.
    pub fn new(url: impl Into<String>) -> PostgresOptions {
        PostgresOptions {
            url: url.into(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(30),
            synchronous_commit: true,
            raw_body_retention_days: None,
            body_digest_key: None,
        }
    }
}

/// A [`Ledger`](super::Ledger) on PostgreSQL. Any number of processes may
/// share the database: idempotency rests on unique constraints and row locks,
/// and migrations take PostgreSQL's advisory lock.
///
/// ```no_run
/// use inipay_core::ledger::{Ledger, PostgresStore};
/// # async fn f() -> Result<(), inipay_core::ledger::LedgerError> {
/// let store = PostgresStore::connect("postgres://postgres@127.0.0.1:5432/shop").await?;
/// let report = store.reconciliation(inipay_core::time::Timestamp::now()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresStore {
    core: common::Core,
}

common::delegate_ledger!(PostgresStore);

impl PostgresStore {
    /// Connects with default options and applies the embedded migrations.
    pub async fn connect(url: &str) -> Result<PostgresStore, LedgerError> {
        PostgresStore::connect_with(PostgresOptions::new(url)).await
    }

    /// Connects with explicit options and applies the embedded migrations.
    pub async fn connect_with(options: PostgresOptions) -> Result<PostgresStore, LedgerError> {
        // The ledger's statements are point lookups and single-row writes
        // whose best plan never depends on the values: plan each prepared
        // statement once instead of five times (PostgreSQL's default tries
        // custom plans first, and planning the write CTEs costs as much as
        // running them).
        let mut connect = PgConnectOptions::from_str(&options.url)?
            .options([("plan_cache_mode", "force_generic_plan")]);
        if !options.synchronous_commit {
            connect = connect.options([("synchronous_commit", "off")]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        let mut store = PostgresStore::from_pool(pool).await?;
        store.core.retention_days = options.raw_body_retention_days;
        store.core.digest_key = options.body_digest_key.map(std::sync::Arc::new);
        Ok(store)
    }

    /// Uses an existing pool (the app's own) and applies the migrations.
    /// The pool's sessions keep their own settings; [`connect_with`]
    /// also sets `plan_cache_mode=force_generic_plan`, which the ledger's
    /// hot path relies on for its speed (not for its correctness).
    ///
    /// [`connect_with`]: PostgresStore::connect_with
    pub async fn from_pool(pool: Pool<Db>) -> Result<PostgresStore, LedgerError> {
        migrator().run(&pool).await?;
        Ok(PostgresStore {
            core: common::Core {
                writer: pool.clone(),
                reader: pool,
                retention_days: None,
                digest_key: None,
            },
        })
    }

    /// The pool.
    pub fn pool(&self) -> &Pool<Db> {
        &self.core.writer
    }

    /// Sets the retention of stored bodies (see
    /// [`PostgresOptions::raw_body_retention_days`]).
    #[must_use]
    pub fn with_raw_body_retention_days(mut self, days: u32) -> PostgresStore {
        self.core.retention_days = Some(days);
        self
    }

    /// Purges the stored body of every message journaled more than the
    /// retention period before `now` (see [`PostgresOptions::raw_body_retention_days`]);
    /// returns how many were purged. Run it periodically (daily, say).
    pub async fn purge_raw_bodies(&self, now: crate::time::Timestamp) -> Result<u64, LedgerError> {
        self.core.purge_raw_bodies(now).await
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.core.writer.close().await;
    }
}
