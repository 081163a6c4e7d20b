//! Helpers of the `inipay` binary tests: run the built binary, a merchant app
//! that answers notifications, a fresh PostgreSQL database.
#![allow(dead_code, missing_docs)]

use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// The binary under test, with no ledger or sandbox taken from the
/// developer's environment.
pub fn inipay() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_inipay"));
    c.env_remove("INIPAY_DATABASE_URL")
        .env_remove("INIPAY_SANDBOX_URL")
        .env("NO_COLOR", "1");
    c
}

/// Runs `inipay ARGS` off the async runtime (the in-process sandbox keeps
/// serving meanwhile).
pub async fn run(args: &[&str]) -> Output {
    run_cmd(inipay().args(args)).await
}

/// Runs a prepared command off the async runtime.
pub async fn run_cmd(cmd: &mut Command) -> Output {
    let mut cmd = std::mem::replace(cmd, Command::new("true"));
    tokio::task::spawn_blocking(move || cmd.output().expect("run inipay"))
        .await
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The exit code, with the output shown when it is not the expected one.
#[track_caller]
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}

/// Parses stdout as exactly one JSON document.
#[track_caller]
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", stdout(o)))
}

/// The app's scripted answer, its request counter and the bodies it got.
type AppState = (Arc<Mutex<Answer>>, Arc<AtomicU32>, Arc<Mutex<Vec<Vec<u8>>>>);

/// HTTP status and body the app answers with.
type Answer = (u16, &'static str);

/// A merchant app on 127.0.0.1 that answers every request with a settable
/// status and body (default `200 OK`) and counts them.
#[derive(Clone)]
pub struct App {
    pub base: String,
    pub answer: Arc<Mutex<Answer>>,
    pub hits: Arc<AtomicU32>,
    /// Every request body received, in order.
    pub bodies: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl App {
    pub async fn start() -> App {
        let answer = Arc::new(Mutex::new((200u16, "OK")));
        let hits = Arc::new(AtomicU32::new(0));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let st = (answer.clone(), hits.clone(), bodies.clone());
        async fn any(
            axum::extract::State((answer, hits, bodies)): axum::extract::State<AppState>,
            body: axum::body::Bytes,
        ) -> (axum::http::StatusCode, &'static str) {
            hits.fetch_add(1, Ordering::Relaxed);
            bodies.lock().unwrap().push(body.to_vec());
            let (code, body) = *answer.lock().unwrap();
            (axum::http::StatusCode::from_u16(code).unwrap(), body)
        }
        let app = axum::Router::new().fallback(any).with_state(st);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        App {
            base,
            answer,
            hits,
            bodies,
        }
    }

    pub fn url(&self, p: &str) -> String {
        format!("{}{}", self.base, p)
    }

    pub fn answer_with(&self, code: u16, body: &'static str) {
        *self.answer.lock().unwrap() = (code, body);
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A fresh file path under the temp dir (the file does not exist yet).
pub fn temp_path(name: &str) -> std::path::PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "inipay-cli-{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Whether CI demands PostgreSQL (`INIPAY_REQUIRE_POSTGRES=1`).
pub fn postgres_required() -> bool {
    std::env::var("INIPAY_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Runs `body` with the URL of a fresh PostgreSQL database, created with a
/// unique name and dropped afterwards (also when `body` panics). Prints
/// SKIPPED and returns `false` when PostgreSQL is unreachable, unless
/// `INIPAY_REQUIRE_POSTGRES=1`, which makes that a failure.
pub async fn with_postgres<F, Fut>(test: &str, body: F) -> bool
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    use sqlx::Connection as _;
    let mut conn = match sqlx::PgConnection::connect(ADMIN_URL).await {
        Ok(c) => c,
        Err(e) => {
            if postgres_required() {
                panic!(
                    "INIPAY_REQUIRE_POSTGRES=1 but PostgreSQL is not reachable at {ADMIN_URL}: {e}"
                );
            }
            eprintln!(
                "SKIPPED {test}: PostgreSQL not reachable at {ADMIN_URL} ({e}); set INIPAY_REQUIRE_POSTGRES=1 to make this a failure"
            );
            return false;
        }
    };
    static N: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "inipay_cli_{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
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
