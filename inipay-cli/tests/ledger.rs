//! `inipay ledger show|list|messages` and `inipay reconcile` against real
//! SQLite and PostgreSQL ledgers filled through inipay-core's ledger API.

mod common;
use common::*;
use inipay_core::encoding::Charset;
use inipay_core::ledger::{
    Direction, Event, Intent, Ledger, Message, MessageKind, NewPayment, PostgresStore, SqliteStore,
};
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, Mid, OrderId, Tid};

const AT: Timestamp = Timestamp::from_unix_millis(1_704_078_000_000);
const CARD_AUTH: &str = "INIMX_AUTHINIpayTest20240101120000000001";
const CARD_TID: &str = "INIMX_CARDINIpayTest20240101120000000002";
const VBANK_TID: &str = "INIMX_VBNKINIpayTest20240101120000000003";
const CARD_NUMBER: &str = "4111119876541111";
const ACCOUNT: &str = "56211234567890";

fn msg(kind: MessageKind, order: &OrderId, tid: &str, body: String) -> Message {
    Message::new(
        kind,
        Direction::Inbound,
        Charset::EucKr,
        body.into_bytes(),
        AT,
    )
    .order(order.clone())
    .tid(Tid::new(tid).unwrap())
}

/// Two payments: `CARD-1` approved (not acknowledged: the reconciliation
/// lists it) and `VBANK-1` issued, each with journaled messages holding a
/// card or account number.
async fn fill(l: &dyn Ledger) {
    let mid = Mid::new("INIpayTest").unwrap();
    let card = OrderId::new("CARD-1").unwrap();
    let vbank = OrderId::new("VBANK-1").unwrap();
    for o in [&card, &vbank] {
        l.create_payment(NewPayment::new(
            o.clone(),
            mid.clone(),
            Amount::won(20_000),
            AT,
        ))
        .await
        .unwrap();
    }
    let auth = Tid::new(CARD_AUTH).unwrap();
    let r = l
        .record(
            msg(
                MessageKind::AuthResult,
                &card,
                CARD_AUTH,
                format!("P_STATUS=00&P_TID={CARD_AUTH}&P_AMT=20000&P_OID=CARD-1"),
            ),
            Intent::new(
                card.clone(),
                Event::Authenticated {
                    tid: auth,
                    amount: Amount::won(20_000),
                },
            ),
        )
        .await
        .unwrap();
    assert!(r.applied.is_transition(), "{r:?}");
    let tid = Tid::new(CARD_TID).unwrap();
    let r = l
        .record(
            msg(
                MessageKind::ApprovalReply,
                &card,
                CARD_TID,
                format!("P_STATUS=00&P_TID={CARD_TID}&P_TYPE=CARD&P_AMT=20000&P_CARD_NUM={CARD_NUMBER}&P_UNAME=Hong"),
            ),
            Intent::new(card.clone(), Event::Approved { tid, amount: Amount::won(20_000) }),
        )
        .await
        .unwrap();
    assert!(r.applied.is_transition(), "{r:?}");
    let vtid = Tid::new(VBANK_TID).unwrap();
    let r = l
        .record(
            msg(
                MessageKind::ApprovalReply,
                &vbank,
                VBANK_TID,
                format!("P_STATUS=00&P_TID={VBANK_TID}&P_TYPE=VBANK&P_AMT=20000&P_VACT_NUM={ACCOUNT}&P_VACT_BANK_CODE=88"),
            ),
            Intent::new(vbank.clone(), Event::VbankIssued { tid: vtid, amount: Amount::won(20_000) }),
        )
        .await
        .unwrap();
    assert!(r.applied.is_transition(), "{r:?}");
    // The deposit notification (입금통보), journaled only.
    l.append(
        msg(
            MessageKind::Noti,
            &vbank,
            VBANK_TID,
            format!("P_STATUS=02&P_TID={VBANK_TID}&P_TYPE=VBANK&P_OID=VBANK-1&P_AMT=20000&P_VACT_NUM={ACCOUNT}&P_RMESG1=%C0%D4%B1%DD"),
        ),
        None,
    )
    .await
    .unwrap();
}

/// The journal id of the `kind` message of `order` (as listed by `ledger
/// messages --json`).
async fn message_id(db: &str, order: &str, kind: &str) -> String {
    let o = run(&["--json", "ledger", "messages", order, "--db", db]).await;
    assert_exit(&o, 0);
    let v = json(&o);
    v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} message of {order}: {v}"))["id"]
        .to_string()
}

/// Every read command against the ledger at `db`, happy paths and the
/// unknown-order failure.
async fn check_commands(db: &str) {
    // show, by order and by TID, as JSON and as a table.
    let o = run(&["--json", "ledger", "show", "CARD-1", "--db", db]).await;
    assert_exit(&o, 0);
    let v = json(&o);
    assert_eq!(v["order_id"], "CARD-1");
    assert_eq!(v["state"], "approved");
    assert_eq!(v["amount"], 20_000);
    assert_eq!(v["tid"], CARD_TID);
    assert_eq!(v["auth_tid"], CARD_AUTH);
    let o = run(&["ledger", "show", VBANK_TID, "--db", db]).await;
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("VBANK-1") && out.contains("vbank_issued") && out.contains("20000 won"),
        "{out}"
    );

    // list.
    let o = run(&[
        "--json",
        "ledger",
        "list",
        "--state",
        "vbank_issued",
        "--db",
        db,
    ])
    .await;
    assert_exit(&o, 0);
    let v = json(&o);
    let list = v["payments"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{v}");
    assert_eq!(list[0]["order_id"], "VBANK-1");
    let o = run(&[
        "ledger", "list", "--state", "approved", "--limit", "5", "--db", db,
    ])
    .await;
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("CARD-1"), "{}", stdout(&o));
    let o = run(&["ledger", "list", "--state", "refunded", "--db", db]).await;
    assert_exit(&o, 0);
    assert!(stdout(&o).contains("no payment in state refunded"));
    // --since (KST): the payments changed at 2024-01-01 12:00 KST.
    for (since, n) in [
        ("2024-01-01", 1),
        ("2024-01-01 12:00", 1),
        ("2024-01-01T12:00:01", 0),
        ("2024-01-02", 0),
    ] {
        let o = run(&[
            "--json", "ledger", "list", "--state", "approved", "--since", since, "--db", db,
        ])
        .await;
        assert_exit(&o, 0);
        let v = json(&o);
        assert_eq!(
            v["payments"].as_array().unwrap().len(),
            n,
            "--since {since}: {v}"
        );
    }
    let o = run(&[
        "ledger",
        "list",
        "--state",
        "approved",
        "--since",
        "yesterday",
        "--db",
        db,
    ])
    .await;
    assert_exit(&o, 2);

    // messages: masked text only.
    let o = run(&["--json", "ledger", "messages", "CARD-1", "--db", db]).await;
    assert_exit(&o, 0);
    let v = json(&o);
    let m = v["messages"].as_array().unwrap();
    assert_eq!(m.len(), 2, "{v}");
    assert_eq!(m[1]["kind"], "approval_reply");
    assert_eq!(m[1]["result_code"], "00");
    let masked = m[1]["masked"].as_str().unwrap();
    assert!(masked.contains("P_CARD_NUM=411111"), "{masked}");
    for out in [
        stdout(&o),
        stdout(&run(&["ledger", "messages", "CARD-1", "--db", db]).await),
    ] {
        assert!(!out.contains(CARD_NUMBER), "card number printed:\n{out}");
        assert!(!out.contains("Hong"), "buyer name printed:\n{out}");
    }
    let o = run(&["ledger", "messages", "VBANK-1", "--db", db]).await;
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("P_VACT_NUM=") && out.contains("7890"), "{out}");
    assert!(!out.contains(ACCOUNT), "account number printed:\n{out}");

    // messages --raw: the stored bodies decoded with their charset (EUC-KR
    // Korean as text), numbers still masked.
    let o = run(&[
        "--json", "ledger", "messages", "VBANK-1", "--raw", "--db", db,
    ])
    .await;
    assert_exit(&o, 0);
    let v = json(&o);
    let noti = v["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "noti")
        .unwrap()
        .clone();
    let raw = noti["raw"].as_str().unwrap();
    assert!(raw.starts_with("P_STATUS=02&P_TID=INIMX_VBNK"), "{raw}");
    assert!(raw.contains("P_VACT_NUM=") && raw.contains("7890"), "{raw}");
    assert!(
        raw.contains("P_RMESG1=%C0%D4%B1%DD"),
        "form bytes kept: {raw}"
    );
    let o = run(&["ledger", "messages", "CARD-1", "--raw", "--db", db]).await;
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(out.contains("raw (euc-kr): P_STATUS=00&P_TID="), "{out}");
    for out in [
        out,
        stdout(
            &run(&[
                "--json", "ledger", "messages", "VBANK-1", "--raw", "--db", db,
            ])
            .await,
        ),
    ] {
        assert!(!out.contains(CARD_NUMBER), "card number printed:\n{out}");
        assert!(!out.contains(ACCOUNT), "account number printed:\n{out}");
        assert!(!out.contains("Hong"), "buyer name printed:\n{out}");
    }

    // replay: the journaled notification, byte for byte as stored, to an
    // app; its answer decides the exit code.
    let app = App::start().await;
    let noti_id = message_id(db, "VBANK-1", "noti").await;
    let to = app.url("/inicis/noti");
    let o = run(&["--json", "replay", &noti_id, "--to", &to, "--db", db]).await;
    assert_exit(&o, 0);
    let v = json(&o);
    assert_eq!(
        (
            v["status"].as_u64(),
            v["answer"].as_str(),
            v["ok"].as_bool()
        ),
        (Some(200), Some("OK"), Some(true)),
        "{v}"
    );
    let got = app.bodies.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let sent = String::from_utf8(got[0].clone()).unwrap();
    assert_eq!(sent, raw, "the stored (masked) bytes are what was posted");
    assert!(!sent.contains(ACCOUNT));
    app.answer_with(500, "");
    let o = run(&["replay", &noti_id, "--to", &to, "--db", db]).await;
    assert_exit(&o, 1);
    assert!(
        stdout(&o).contains("the app answered 500"),
        "{}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("not 200 \"OK\""), "{}", stderr(&o));
    // Not a notification: a usage error; unknown id, unreachable app:
    // failures; a bad URL: a usage error.
    let approval_id = message_id(db, "CARD-1", "approval_reply").await;
    let o = run(&["replay", &approval_id, "--to", &to, "--db", db]).await;
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("not a notification"), "{}", stderr(&o));
    let o = run(&["replay", "999999", "--to", &to, "--db", db]).await;
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("no journal message 999999"),
        "{}",
        stderr(&o)
    );
    let dead = format!("http://127.0.0.1:{}/inicis/noti", dead_port());
    let o = run(&["replay", &noti_id, "--to", &dead, "--db", db]).await;
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("cannot reach the app"),
        "{}",
        stderr(&o)
    );
    let o = run(&["replay", &noti_id, "--to", "ftp://x", "--db", db]).await;
    assert_exit(&o, 2);
    assert_eq!(
        app.hits.load(std::sync::atomic::Ordering::Relaxed),
        2,
        "only the two replays reached the app"
    );

    // reconcile: the approved card payment was never acknowledged.
    let o = run(&["--json", "reconcile", "--db", db]).await;
    assert_exit(&o, 0);
    let v = json(&o);
    assert_eq!(v["needs_attention"], true);
    assert_eq!(v["unacknowledged"][0]["order_id"], "CARD-1");
    assert_eq!(v["failed_net_cancels"].as_array().unwrap().len(), 0);
    // No app took its `paid` event: it waits in the outbox.
    let undelivered = v["undelivered_events"].as_array().unwrap();
    assert!(
        undelivered
            .iter()
            .any(|e| e["order_id"] == "CARD-1" && e["kind"] == "approved" && e["attempts"] == 0),
        "{undelivered:?}"
    );
    let o = run(&["reconcile", "--db", db]).await;
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains("not acknowledged") && out.contains("CARD-1"),
        "{out}"
    );
    assert!(out.contains("events the app has not taken yet"), "{out}");

    // Unknown order: exit 1, a clear message, nothing on stdout.
    for args in [
        &["--json", "ledger", "show", "NO-SUCH-ORDER", "--db", db][..],
        &["ledger", "messages", "NO-SUCH-ORDER", "--db", db][..],
    ] {
        let o = run(args).await;
        assert_exit(&o, 1);
        assert!(
            stderr(&o).contains("no payment with order id or TID \"NO-SUCH-ORDER\""),
            "{}",
            stderr(&o)
        );
        assert!(o.stdout.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_ledger() {
    let path = temp_path("ledger.db");
    let store = SqliteStore::open(&path).await.unwrap();
    fill(&store).await;
    store.close().await;
    let db = format!("sqlite:{}", path.display());
    check_commands(&db).await;
    // The environment variable works like --db.
    let o = run_cmd(
        inipay()
            .args(["--json", "reconcile"])
            .env("INIPAY_DATABASE_URL", &db),
    )
    .await;
    assert_exit(&o, 0);
    assert_eq!(json(&o)["needs_attention"], true);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_ledger() {
    with_postgres("postgres_ledger", |url| async move {
        let store = PostgresStore::connect(&url).await.unwrap();
        fill(&store).await;
        store.close().await;
        check_commands(&url).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_or_unreachable_ledgers() {
    // Configuration errors: exit 2.
    let missing = temp_path("missing.db");
    let missing = format!("sqlite:{}", missing.display());
    for db in [
        missing.as_str(),
        "mysql://shop:s3cret@127.0.0.1/shop",
        "ledger.db",
        "sqlite:",
    ] {
        let o = run(&["ledger", "show", "CARD-1", "--db", db]).await;
        assert_exit(&o, 2);
        assert!(!stderr(&o).contains("s3cret"), "{}", stderr(&o));
    }
    let o = run(&["reconcile"]).await;
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("INIPAY_DATABASE_URL"), "{}", stderr(&o));
    assert!(
        !missing.is_empty() && !std::path::Path::new(&missing["sqlite:".len()..]).exists(),
        "a missing ledger must not be created"
    );

    // Unreachable PostgreSQL: exit 1, password never shown.
    let db = format!("postgres://shop:s3cret@127.0.0.1:{}/shop", dead_port());
    let o = run(&["--json", "reconcile", "--db", &db]).await;
    assert_exit(&o, 1);
    let err = stderr(&o);
    assert!(
        err.contains("cannot reach PostgreSQL at postgres://shop:***@127.0.0.1"),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");
    assert!(o.stdout.is_empty());
}
