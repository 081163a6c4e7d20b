//! `inipay refund` and `inipay reconcile --resolve` against a real sandbox
//! and a real SQLite ledger, configured by `INICIS_*` variables as the app
//! is: a card payment approved through the flow (real HTTP to the sandbox),
//! then refunded by an operator at the terminal.

mod common;
use common::*;
use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::config::{Endpoints, Merchant, test_keys};
use inipay_core::encoding::Charset;
use inipay_core::flow::{Flow, FlowConfig, NextOutcome};
use inipay_core::ledger::{Ledger, NewPayment, PaymentState, SqliteStore};
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, Mid, OrderId};
use inipay_sandbox::state::TxnStatus;
use inipay_sandbox::{Sandbox, SandboxConfig};
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::sync::Arc;

/// Approves `order` for `amt` won through the flow on the ledger at `db`.
async fn paid(sandbox: &Sandbox, db: &std::path::Path, order: &str, amt: u64) -> String {
    let ledger: Arc<dyn Ledger> = Arc::new(SqliteStore::open(db).await.unwrap());
    let merchant = Merchant::test(
        "INIpayTest",
        test_keys::inipay_test(),
        Endpoints::sandbox(sandbox.base_url()).unwrap(),
    )
    .unwrap();
    let mut config = FlowConfig::new("http://127.0.0.1:8080", "/inicis").unwrap();
    config.result_charset = Charset::EucKr;
    let flow = Flow::new(
        merchant,
        GatewayClient::new(ClientConfig::default()).unwrap(),
        ledger.clone(),
        config,
    );
    let now = Timestamp::now();
    let (_, body) = authenticated(sandbox, ledger.as_ref(), order, amt, now).await;
    let tid = match flow.next(Some(order), body.as_bytes(), now).await {
        NextOutcome::Paid { tid, .. } => tid,
        other => panic!("not paid: {other:?}"),
    };
    drop(flow);
    tid.as_str().to_owned()
}

fn with_config(cmd: &mut Command, sandbox: &Sandbox, ledger: &str) {
    cmd.env("INICIS_MODE", "test")
        .env("INICIS_MID", "INIpayTest")
        .env("INICIS_PUBLIC_URL", "http://127.0.0.1:8080")
        .env("INICIS_SANDBOX_URL", sandbox.base_url())
        .env("INICIS_LEDGER_URL", ledger)
        .env_remove("INICIS_HASH_KEY")
        .env_remove("INICIS_INIAPI_KEY")
        .env_remove("INICIS_INIAPI_IV");
}

async fn state_of(db: &std::path::Path, order: &str) -> (PaymentState, u64) {
    let l = SqliteStore::open(db).await.unwrap();
    let p = l
        .payment(&OrderId::new(order).unwrap())
        .await
        .unwrap()
        .unwrap();
    l.close().await;
    (p.state, p.refunded.get())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_refunds_partly_then_fully_and_reconciles() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let db = temp_path("operate.db");
    let tid = paid(&sandbox, &db, "OP-1", 10_000).await;
    let ledger = format!("sqlite:{}", db.display());

    // Without --yes, a "no" refunds nothing (exit 2).
    let mut cmd = inipay();
    with_config(&mut cmd, &sandbox, &ledger);
    let mut child = cmd
        .args(["refund", "OP-1", "--amount", "3000"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"no\n").unwrap();
    let o = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("refund 3000 won of order OP-1 (10000 won, approved"),
        "{}",
        stderr(&o)
    );
    assert_eq!(state_of(&db, "OP-1").await, (PaymentState::Approved, 0));
    assert!(sandbox.transaction(&tid).unwrap().cancels.is_empty());

    // "yes" typed: a partial refund (부분취소) of 3,000.
    let mut cmd = inipay();
    with_config(&mut cmd, &sandbox, &ledger);
    let mut child = cmd
        .args([
            "--json", "refund", "OP-1", "--amount", "3000", "--reason", "파손",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"yes\n").unwrap();
    let o = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_exit(&o, 0);
    let v = json(&o);
    assert_eq!(v["refunded"], true, "{v}");
    assert_eq!(v["state"], "partially_refunded");
    assert_eq!(v["refunded_total"], 3000);
    assert_eq!(
        state_of(&db, "OP-1").await,
        (PaymentState::PartiallyRefunded, 3000)
    );
    assert_eq!(sandbox.transaction(&tid).unwrap().remaining, 7_000);

    // More than remains: refused by the flow before INICIS is called.
    let mut cmd = inipay();
    with_config(&mut cmd, &sandbox, &ledger);
    let o = run_cmd(cmd.args(["refund", "OP-1", "--amount", "8000", "--yes"])).await;
    assert_exit(&o, 1);
    assert!(stderr(&o).contains("refund refused"), "{}", stderr(&o));
    assert_eq!(sandbox.transaction(&tid).unwrap().remaining, 7_000);

    // The rest (전체취소), without a prompt.
    let mut cmd = inipay();
    with_config(&mut cmd, &sandbox, &ledger);
    let o = run_cmd(cmd.args(["refund", "OP-1", "--yes"])).await;
    assert_exit(&o, 0);
    assert!(
        stdout(&o).contains("order OP-1: refunded (now refunded, 10000 won refunded)"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        state_of(&db, "OP-1").await,
        (PaymentState::Refunded, 10_000)
    );
    assert_eq!(
        sandbox.transaction(&tid).unwrap().status,
        TxnStatus::Cancelled
    );

    // Unknown order: exit 1; no configuration: exit 2.
    let mut cmd = inipay();
    with_config(&mut cmd, &sandbox, &ledger);
    let o = run_cmd(cmd.args(["refund", "NO-SUCH", "--yes"])).await;
    assert_exit(&o, 1);
    let mut cmd = inipay();
    cmd.env_remove("INICIS_MODE");
    let o = run_cmd(cmd.args(["refund", "OP-1", "--yes", "--db", &ledger])).await;
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("INICIS_MODE is not set"),
        "{}",
        stderr(&o)
    );

    // reconcile --resolve: an approval left by a process that died
    // mid-approval 20 minutes ago (approved at INICIS, `authenticated` in
    // the ledger) is net-cancelled (망취소) by the reconciler's own round.
    stuck_approval(&sandbox, &db, "OP-STUCK", 5_000).await;
    let mut cmd = inipay();
    with_config(&mut cmd, &sandbox, &ledger);
    let o = run_cmd(cmd.args(["--json", "reconcile", "--resolve"])).await;
    assert_exit(&o, 0);
    let v = json(&o);
    assert_eq!(v["net_cancelled"], serde_json::json!(["OP-STUCK"]), "{v}");
    for k in ["parked", "net_cancel_failed", "needs_a_person", "expired"] {
        assert_eq!(v[k].as_array().map(Vec::len), Some(0), "{k}: {v}");
    }
    assert_eq!(
        state_of(&db, "OP-STUCK").await,
        (PaymentState::NetCancelled, 0)
    );
    let txn = sandbox
        .transactions()
        .into_iter()
        .find(|t| t.oid == "OP-STUCK")
        .unwrap();
    assert_eq!(txn.status, TxnStatus::NetCancelled);
    // A second round finds nothing left.
    let mut cmd = inipay();
    with_config(&mut cmd, &sandbox, &ledger);
    let o = run_cmd(cmd.args(["reconcile", "--resolve"])).await;
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("approvals net-cancelled (망취소): none")
            && out.contains("needs a person: none"),
        "{out}"
    );
    sandbox.shutdown().await;
}

/// An order authenticated 20 minutes ago whose approval the gateway made
/// while the ledger never heard the reply: the journaled auth result (with
/// its `P_REQ_URL`) and `authenticated` in the ledger, approved at the
/// sandbox.
async fn stuck_approval(sandbox: &Sandbox, db: &std::path::Path, order: &str, amt: u64) {
    use inipay_core::ledger::{Direction, Event, Intent, Message, MessageKind};
    use inipay_core::types::Tid;
    let then = Timestamp::from_unix_millis(Timestamp::now().unix_millis() - 20 * 60_000);
    let l = SqliteStore::open(db).await.unwrap();
    let o = OrderId::new(order).unwrap();
    let (auth, body) = authenticated(sandbox, &l, order, amt, then).await;
    let tid = Tid::new(&auth).unwrap();
    let r = l
        .record(
            Message::new(
                MessageKind::AuthResult,
                Direction::Inbound,
                Charset::EucKr,
                body.into_bytes(),
                then,
            )
            .order(o.clone())
            .tid(tid.clone()),
            Intent::new(
                o,
                Event::Authenticated {
                    tid,
                    amount: Amount::won(amt),
                },
            ),
        )
        .await
        .unwrap();
    assert!(r.applied.is_transition(), "{r:?}");
    l.close().await;
    // The approval the dead process asked for: made at the gateway.
    let reply = reqwest::Client::new()
        .post(sandbox.url("/smart/payReq.ini"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("P_TID={auth}&P_MID=INIpayTest"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let approved = sandbox
        .transactions()
        .into_iter()
        .find(|t| t.oid == order)
        .unwrap();
    assert_eq!(approved.status, TxnStatus::Approved);
}

/// Records `order` for `amt` won at `at` and authenticates it in the
/// sandbox (as the buyer's window would): the auth TID and the auth result
/// INICIS posts to `P_NEXT_URL`.
async fn authenticated(
    sandbox: &Sandbox,
    ledger: &dyn Ledger,
    order: &str,
    amt: u64,
    at: Timestamp,
) -> (String, String) {
    ledger
        .create_payment(NewPayment::new(
            OrderId::new(order).unwrap(),
            Mid::new("INIpayTest").unwrap(),
            Amount::won(amt),
            at,
        ))
        .await
        .unwrap();
    let auth = sandbox.__seed_authenticated_card("INIpayTest", order, amt);
    let body = format!(
        "P_STATUS=00&P_RMESG1=OK&P_TID={auth}&P_REQ_URL={}&P_AMT={amt}&P_NOTI=",
        sandbox.url("/smart/payReq.ini")
    );
    (auth, body)
}
