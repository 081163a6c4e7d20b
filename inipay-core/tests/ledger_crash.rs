//! Crash safety: a writer process journals a deposit notification and is
//! killed (SIGKILL) before applying it. On restart the message is pending,
//! `recover()` applies it exactly once, and the gateway's retry of the same
//! notification is a duplicate. Run on SQLite and PostgreSQL.

mod ledger_support;

use inipay_core::ledger::{
    Applied, Ledger, MessageId, MessageKind, NewPayment, PaymentState, PostgresStore,
    SqliteOptions, SqliteStore,
};
use inipay_core::types::{Amount, OrderId, Tid};
use ledger_support::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const CHILD_ENV: &str = "INIPAY_LEDGER_CRASH_CHILD";

fn order() -> OrderId {
    oid("CRASH-1")
}

fn vbank() -> Tid {
    tid("INIMX_VBNK", 77)
}

async fn prepare(l: &dyn Ledger) {
    l.create_payment(NewPayment::new(order(), mid(), Amount::won(4500), at(0)))
        .await
        .unwrap();
    let r = l
        .record(
            msg(
                MessageKind::ApprovalReply,
                &order(),
                "P_STATUS=00&P_TYPE=VBANK",
                1,
            ),
            intent(
                &order(),
                inipay_core::ledger::Event::VbankIssued {
                    tid: vbank(),
                    amount: Amount::won(4500),
                },
            ),
        )
        .await
        .unwrap();
    assert!(r.applied.is_transition());
}

/// The writer process: journals the notification, reports its id, then waits
/// to be killed before it can apply it. Not a test on its own: it is started
/// by the tests below (and returns at once when run any other way).
#[tokio::test]
#[ignore = "entry point of the crash tests' child process"]
async fn crash_child() {
    let Ok(target) = std::env::var(CHILD_ENV) else {
        return;
    };
    let store: Box<dyn Ledger> = if let Some(path) = target.strip_prefix("sqlite:") {
        Box::new(
            SqliteStore::open_with(SqliteOptions::new(path))
                .await
                .unwrap(),
        )
    } else if let Some(url) = target.strip_prefix("postgres:") {
        Box::new(PostgresStore::connect(url).await.unwrap())
    } else {
        panic!("bad {CHILD_ENV}");
    };
    let (m, dep) = deposit_noti(&order(), &vbank(), 4500, 2);
    let id = store.append(m, Some(dep)).await.unwrap();
    println!("APPENDED {}", id.0);
    use std::io::Write as _;
    std::io::stdout().flush().unwrap();
    // Killed here: between the journal append and the transition.
    std::future::pending::<()>().await;
}

/// Starts the child on `target`, waits for its append, kills it.
fn run_and_kill_writer(target: &str) -> MessageId {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, target)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // libtest prints "test crash_child ... " first, on the same line.
            if let Some((_, n)) = line.split_once("APPENDED ") {
                let _ = tx.send(MessageId(n.trim().parse().unwrap()));
                return;
            }
        }
    });
    // A bound, not a timing: a writer that never appends fails the test
    // instead of hanging it.
    let id = match rx.recv_timeout(std::time::Duration::from_secs(120)) {
        Ok(id) => id,
        Err(e) => {
            let _ = child.kill();
            panic!("writer did not append: {e}; {:?}", child.wait());
        }
    };
    child.kill().unwrap(); // SIGKILL: no destructor, no pool shutdown, no commit.
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the writer was killed, it did not finish"
    );
    id
}

/// What the restarted process must see and do.
async fn restart_recovers_exactly_once(l: &dyn Ledger, id: MessageId) {
    let p = l.payment(&order()).await.unwrap().unwrap();
    assert_eq!(
        p.state,
        PaymentState::VbankIssued,
        "the kill came before the transition"
    );
    assert_eq!(l.pending().await.unwrap(), vec![id]);
    let j = l.messages_of(&order()).await.unwrap();
    assert_eq!(j.last().unwrap().id, id);
    assert_eq!(j.last().unwrap().outcome, None);

    let recovered = l.recover().await.unwrap();
    assert_eq!(
        recovered,
        vec![(
            id,
            Applied::Transitioned {
                from: PaymentState::VbankIssued,
                to: PaymentState::VbankDeposited
            }
        )]
    );
    assert!(
        l.recover().await.unwrap().is_empty(),
        "a second recovery applies nothing"
    );
    // INICIS retries the same notification: a duplicate, not a second deposit.
    let (m, dep) = deposit_noti(&order(), &vbank(), 4500, 3);
    assert_eq!(
        l.record(m, dep).await.unwrap().applied,
        Applied::Duplicate {
            state: PaymentState::VbankDeposited
        }
    );
    let p = l.payment(&order()).await.unwrap().unwrap();
    assert_eq!(p.state, PaymentState::VbankDeposited);
    assert_eq!(p.updated_at, at(2), "applied with the message's own time");
}

#[tokio::test]
async fn sqlite_writer_killed_between_append_and_transition() {
    let dir = TempDir::new("crash");
    let path = dir.path().join("ledger.db");
    let store = SqliteStore::open(&path).await.unwrap();
    prepare(&store).await;
    store.close().await;

    let id = run_and_kill_writer(&format!("sqlite:{}", path.display()));

    let restarted = SqliteStore::open(&path).await.unwrap();
    restart_recovers_exactly_once(&restarted, id).await;
    restarted.close().await;
}

#[tokio::test]
async fn postgres_writer_killed_between_append_and_transition() {
    with_postgres(
        "postgres_writer_killed_between_append_and_transition",
        |url| async move {
            let store = PostgresStore::connect(&url).await.unwrap();
            prepare(&store).await;
            store.close().await;

            let target = format!("postgres:{url}");
            let id = tokio::task::spawn_blocking(move || run_and_kill_writer(&target))
                .await
                .unwrap();

            let restarted = PostgresStore::connect(&url).await.unwrap();
            restart_recovers_exactly_once(&restarted, id).await;
            restarted.close().await;
        },
    )
    .await;
}
