//! Ledger throughput beside the database's own limit (not a test).
//!
//! For SQLite (WAL, `synchronous=FULL`: every commit fsynced) and PostgreSQL
//! (`synchronous_commit=on`), measures:
//! - **bare**: single-row `INSERT`s, one commit each, on the same database
//!   and pool: the limit for anything durable;
//! - **ledger**: deposit notifications recorded and transitioned
//!   (`Ledger::record`: journal append + state transition + outcome in one
//!   transaction), each on its own payment with an issued virtual account.
//!
//! Disk and CPU on a shared machine are noisy, so the two are measured in
//! alternating rounds and the medians are reported, with 1 writer task and
//! with 16 concurrent tasks. The ratio ledger/bare is the figure of merit
//! (target: >= 0.5). Run with `bench/ledger.sh`.
//!
//! Options: `--seconds S` per measurement (default 1), `--rounds R` (default
//! 5), `--skip-postgres`. PostgreSQL: a fresh database on 127.0.0.1:5432
//! (trust auth, user `postgres` or `root`, or `INIPAY_TEST_POSTGRES_URL`),
//! dropped afterwards.

use inipay_core::encoding::Charset;
use inipay_core::ledger::{
    Direction, Event, Intent, Ledger, Message, MessageKind, PostgresOptions, PostgresStore,
    SqliteStore,
};
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, OrderId, Tid};
use sqlx::Connection;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// One bare insert, as a boxed future.
type OpFuture = std::pin::Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send>>;
/// The bare-insert operation.
type BareOp = Arc<dyn Fn() -> OpFuture + Send + Sync>;

const CONCURRENT: usize = 16;
/// Payments prepared per database (more than any run can use).
const PREPARED: usize = 200_000;
const T0: i64 = 1_700_000_000_000;

fn order(i: usize) -> OrderId {
    OrderId::new(format!("BENCH-{i:07}")).unwrap_or_else(|_| unreachable!())
}

fn vbank(i: usize) -> Tid {
    Tid::new(format!("INIMX_VBNKINIpayTest{i:020}")).unwrap_or_else(|_| unreachable!())
}

fn noti(i: usize) -> (Message, Intent) {
    let body = format!(
        "P_TID={}&P_MID=INIpayTest&P_STATUS=02&P_TYPE=VBANK&P_OID={}&P_AMT=1000\
         &P_UNAME=%C8%AB%B1%E6%B5%BF&P_RMESG1=P_VACCT_NO%3D56211101573948%7CP_EXP_DT%3D20160514235900",
        vbank(i),
        order(i)
    );
    let at = Timestamp::from_unix_millis(T0 as u64);
    let m = Message::new(
        MessageKind::Noti,
        Direction::Inbound,
        Charset::EucKr,
        body.into_bytes(),
        at,
    )
    .order(order(i))
    .tid(vbank(i));
    let e = Event::noti(vbank(i), "02", Some(Amount::won(1000)), true);
    (m, Intent::new(order(i), e))
}

/// Payments `BENCH-i` in state `vbank_issued` with TID `vbank(i)`, inserted
/// in bulk (setup, not measured; same rows the API would write).
const SQLITE_SETUP: &str = "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 199999) \
    INSERT INTO ledger_payments (order_id, mid, amount, state, tid, refunded, net_cancel_failures, created_at, updated_at, version) \
    SELECT printf('BENCH-%07d', i), 'INIpayTest', 1000, 'vbank_issued', printf('INIMX_VBNKINIpayTest%020d', i), 0, 0, 1700000000000, 1700000000000, 1 FROM c; \
    CREATE TABLE bench_bare (id INTEGER PRIMARY KEY, body BLOB NOT NULL);";
const POSTGRES_SETUP: &str = "INSERT INTO ledger_payments (order_id, mid, amount, state, tid, refunded, net_cancel_failures, created_at, updated_at, version) \
    SELECT 'BENCH-' || lpad(i::text, 7, '0'), 'INIpayTest', 1000, 'vbank_issued', 'INIMX_VBNKINIpayTest' || lpad(i::text, 20, '0'), 0, 0, 1700000000000, 1700000000000, 1 \
    FROM generate_series(0, 199999) AS i; \
    CREATE TABLE bench_bare (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body BYTEA NOT NULL);";

/// Runs `op(k)` for k = next, next + 1, ... from `tasks` tasks for `secs`;
/// returns ops per second. `next` carries on across calls.
async fn measure<F, Fut>(
    tasks: usize,
    next: Arc<AtomicUsize>,
    secs: f64,
    op: Arc<F>,
) -> Result<f64, BoxError>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), BoxError>> + Send,
{
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (op, next) = (op.clone(), next.clone());
        handles.push(tokio::spawn(async move {
            let mut done = 0usize;
            while Instant::now() < deadline {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= PREPARED {
                    return Err::<usize, BoxError>("ran out of prepared payments".into());
                }
                op(k).await?;
                done += 1;
            }
            Ok(done)
        }));
    }
    let mut total = 0;
    for h in handles {
        total += h.await??;
    }
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

struct Row {
    store: &'static str,
    tasks: usize,
    bare: f64,
    ledger: f64,
    ratio: f64,
}

struct Plan {
    secs: f64,
    rounds: usize,
}

/// Alternates bare and ledger rounds for 1 and 16 tasks.
async fn compare<L>(
    name: &'static str,
    plan: &Plan,
    store: L,
    bare: BareOp,
    rows: &mut Vec<Row>,
) -> Result<(), BoxError>
where
    L: Ledger + Clone + 'static,
{
    let next = Arc::new(AtomicUsize::new(0));
    for tasks in [1, CONCURRENT] {
        let (mut b, mut l, mut r) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..plan.rounds {
            let bare = bare.clone();
            let rb = measure(
                tasks,
                Arc::new(AtomicUsize::new(0)),
                plan.secs,
                Arc::new(move |_| bare()),
            )
            .await?;
            let s = store.clone();
            let rl = measure(
                tasks,
                next.clone(),
                plan.secs,
                Arc::new(move |k| {
                    let s = s.clone();
                    async move {
                        let (m, i) = noti(k);
                        let r = s.record(m, i).await?;
                        if !r.applied.is_transition() {
                            return Err(format!("payment {k}: {:?}", r.applied).into());
                        }
                        Ok(())
                    }
                }),
            )
            .await?;
            b.push(rb);
            l.push(rl);
            r.push(rl / rb);
        }
        rows.push(Row {
            store: name,
            tasks,
            bare: median(b),
            ledger: median(l),
            ratio: median(r),
        });
    }
    Ok(())
}

async fn bench_sqlite(plan: &Plan, rows: &mut Vec<Row>) -> Result<(), BoxError> {
    let dir = std::env::temp_dir().join(format!("inipay-ledger-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = SqliteStore::open(dir.join("ledger.db")).await?; // WAL + synchronous=FULL
    sqlx::raw_sql(SQLITE_SETUP).execute(store.pool()).await?;
    let mode: (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await?;
    let sync: (i64,) = sqlx::query_as("PRAGMA synchronous")
        .fetch_one(store.pool())
        .await?;
    println!(
        "sqlite: journal_mode={} synchronous={} (2 = FULL)",
        mode.0, sync.0
    );
    let pool = store.pool().clone();
    let body = noti(0).0.body;
    let bare = Arc::new(move || {
        let (pool, body) = (pool.clone(), body.clone());
        Box::pin(async move {
            sqlx::query("INSERT INTO bench_bare (body) VALUES ($1)")
                .bind(body)
                .execute(&pool)
                .await?;
            Ok(())
        }) as OpFuture
    });
    compare("sqlite (WAL, FULL)", plan, store.clone(), bare, rows).await?;
    store.close().await;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

async fn bench_postgres(plan: &Plan, rows: &mut Vec<Row>) -> Result<(), BoxError> {
    let admin_urls = match std::env::var("INIPAY_TEST_POSTGRES_URL") {
        Ok(u) => vec![u],
        Err(_) => vec![
            "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
            "postgres://root@127.0.0.1:5432/postgres".to_owned(),
        ],
    };
    let mut admin = None;
    for u in &admin_urls {
        if let Ok(c) = sqlx::PgConnection::connect(u).await {
            admin = Some((u.clone(), c));
            break;
        }
    }
    let Some((admin_url, mut admin)) = admin else {
        println!(
            "postgres: not reachable ({}), skipped",
            admin_urls.join(", ")
        );
        return Ok(());
    };
    let name = format!("inipay_ledger_bench_{}", std::process::id());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    let url = format!(
        "{}/{name}",
        admin_url.rsplit_once('/').map_or("", |(b, _)| b)
    );
    let result = async {
        let mut o = PostgresOptions::new(&url);
        o.max_connections = CONCURRENT as u32;
        let store = PostgresStore::connect_with(o).await?; // synchronous_commit=on
        sqlx::raw_sql(POSTGRES_SETUP).execute(store.pool()).await?;
        sqlx::raw_sql("VACUUM ANALYZE ledger_payments")
            .execute(store.pool())
            .await?;
        let sc: (String,) = sqlx::query_as("SHOW synchronous_commit")
            .fetch_one(store.pool())
            .await?;
        let fsync: (String,) = sqlx::query_as("SHOW fsync").fetch_one(store.pool()).await?;
        println!("postgres: synchronous_commit={} fsync={}", sc.0, fsync.0);
        let pool = store.pool().clone();
        let body = noti(0).0.body;
        let bare = Arc::new(move || {
            let (pool, body) = (pool.clone(), body.clone());
            Box::pin(async move {
                sqlx::query("INSERT INTO bench_bare (body) VALUES ($1)")
                    .bind(body)
                    .execute(&pool)
                    .await?;
                Ok(())
            }) as OpFuture
        });
        compare("postgres (sync commit)", plan, store.clone(), bare, rows).await?;
        store.close().await;
        Ok::<(), BoxError>(())
    }
    .await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await?;
    result
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, BoxError> {
    match args
        .iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
    {
        Some(v) => v
            .parse::<T>()
            .map_err(|_| format!("bad value for {name}").into()),
        None => Ok(default),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let plan = Plan {
        secs: arg(&args, "--seconds", 1.0)?,
        rounds: arg(&args, "--rounds", 5)?,
    };
    let mut rows = Vec::new();
    bench_sqlite(&plan, &mut rows).await?;
    if !args.iter().any(|a| a == "--skip-postgres") {
        bench_postgres(&plan, &mut rows).await?;
    }
    println!(
        "\nmedians of {} alternating rounds of {} s each\n{:<24} {:>5} {:>16} {:>18} {:>7}",
        plan.rounds, plan.secs, "store", "tasks", "bare inserts/s", "ledger notis/s", "ratio"
    );
    for r in &rows {
        println!(
            "{:<24} {:>5} {:>16.0} {:>18.0} {:>7.2}",
            r.store, r.tasks, r.bare, r.ledger, r.ratio
        );
    }
    Ok(())
}
