//! SIGKILL of the app process between a transition and its handler call,
//! and inside the handler: after a restart the app's handler gets every
//! event, and applies each id exactly once (it dedupes by id). Real child
//! processes (`src/bin/outbox_child.rs`), a SQLite file and a fresh
//! PostgreSQL database. And two app processes delivering one PostgreSQL
//! outbox at once: every event once, never twice at the same time.

use inipay_core::types::OrderId;
use inipay_tests::conformance::ledgers::{Durable, open_ledger, with_durable_url};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const CHILD: &str = env!("CARGO_BIN_EXE_outbox_child");

/// Starts the child and waits for a line starting with `until` on its
/// stdout (then returns it, still running).
fn start(args: &[&str], until: &str) -> (Child, String) {
    let mut child = Command::new(CHILD)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the app process");
    let out = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(out).lines();
    loop {
        match lines.next() {
            Some(Ok(l)) if l.starts_with(until) => return (child, l),
            Some(Ok(_)) => {}
            other => panic!("the child ended before {until:?}: {other:?}"),
        }
    }
}

/// SIGKILL (what `Child::kill` sends on Unix), then reap it.
fn sigkill(mut child: Child) {
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("wait");
    assert!(!status.success(), "killed, not exited: {status}");
}

fn run(args: &[&str]) -> String {
    let out = Command::new(CHILD).args(args).output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

async fn killed_apps_lose_no_event(kind: Durable, test: &str) {
    with_durable_url(kind, test, |url| async move {
        let log = std::env::temp_dir().join(format!(
            "inipay-outbox-crash-{}-{:?}.log",
            std::process::id(),
            kind
        ));
        let _ = std::fs::remove_file(&log);
        let log = log.display().to_string();
        let url = url.as_str();
        // 1. Killed right after the transition committed.
        let (c, _) = start(&["record", url, "KILL-1", "1"], "recorded");
        sigkill(c);
        // 2. A restarted app claims the event and is killed in the handler
        //    (the handler ran, the outbox never heard back).
        let (c, line) = start(&["hang", url, &log], "in-handler");
        let first_id = line.trim_start_matches("in-handler ").to_owned();
        sigkill(c);
        // 3. Another payment, killed again before any handler call.
        let (c, _) = start(&["record", url, "KILL-2", "2"], "recorded");
        sigkill(c);
        // 4. Restart once the dead claim's lease ended (the injected clock
        //    is ten minutes on): both events reach the handler.
        assert_eq!(run(&["deliver", url, &log, "600000"]), "delivered 2");
        // 5. And a further restart delivers nothing again.
        assert_eq!(run(&["deliver", url, &log, "600000"]), "delivered 0");

        let ledger = open_ledger(url).await;
        let mut ids = Vec::new();
        for order in ["KILL-1", "KILL-2"] {
            let o = OrderId::new(order).unwrap();
            let events = ledger.outbox_of(&o).await.unwrap();
            assert_eq!(events.len(), 1, "{order}: one event");
            assert!(events[0].delivered_at.is_some(), "{order}: delivered");
            let p = ledger.payment(&o).await.unwrap().unwrap();
            assert!(p.acknowledged_at.is_some(), "{order}: acknowledged");
            ids.push(events[0].id.as_str().to_owned());
        }
        assert_eq!(first_id, ids[0], "the killed handler had KILL-1's event");
        let text = std::fs::read_to_string(&log).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // The killed handler started once; the app applied each id once.
        assert_eq!(
            lines,
            vec![
                format!("start {}", ids[0]),
                format!("done {}", ids[0]),
                format!("done {}", ids[1]),
            ]
        );
        let _ = std::fs::remove_file(&log);
    })
    .await;
}

#[tokio::test]
async fn sqlite_app_killed_between_transition_and_handler_loses_no_event() {
    killed_apps_lose_no_event(Durable::Sqlite, "sqlite_app_killed").await;
}

#[tokio::test]
async fn postgres_app_killed_between_transition_and_handler_loses_no_event() {
    killed_apps_lose_no_event(Durable::Postgres, "postgres_app_killed").await;
}

/// Two app processes deliver one PostgreSQL outbox at once.
#[tokio::test]
async fn two_app_processes_on_one_postgres_deliver_each_event_once() {
    with_durable_url(Durable::Postgres, "two_app_processes", |url| async move {
        const N: usize = 80;
        assert_eq!(run(&["seed", &url, &N.to_string()]), "seeded");
        let log =
            std::env::temp_dir().join(format!("inipay-outbox-two-{}.log", std::process::id()));
        let _ = std::fs::remove_file(&log);
        let log_s = log.display().to_string();
        let spawn = || {
            Command::new(CHILD)
                .args(["deliver-traced", &url, &log_s])
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawn")
        };
        let (a, b) = (spawn(), spawn());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        assert!(a.status.success() && b.status.success());
        let text = std::fs::read_to_string(&log).unwrap();
        let _ = std::fs::remove_file(&log);
        // Replay the trace: an id may never start while it is in flight,
        // and each id starts exactly once.
        let mut in_flight = std::collections::HashSet::new();
        let mut started = std::collections::HashMap::new();
        let mut pids = std::collections::HashSet::new();
        for line in text.lines() {
            let parts: Vec<&str> = line.split(' ').collect();
            let [what, id, pid] = parts[..] else {
                panic!("bad trace line {line:?}")
            };
            pids.insert(pid.to_owned());
            match what {
                "start" => {
                    assert!(in_flight.insert(id.to_owned()), "{id} twice at once");
                    *started.entry(id.to_owned()).or_insert(0) += 1;
                }
                "end" => assert!(in_flight.remove(id), "{id} ended unstarted"),
                _ => panic!("bad trace line {line:?}"),
            }
        }
        assert_eq!(started.len(), N, "every event delivered");
        assert!(started.values().all(|n| *n == 1), "each exactly once");
        assert_eq!(pids.len(), 2, "both processes delivered");
        let ledger = open_ledger(&url).await;
        assert!(ledger.outbox_undelivered(10).await.unwrap().is_empty());
    })
    .await;
}
