//! `inipay sandbox` and `inipay trigger deposit` against a real sandbox:
//! the binary's own, and one started in-process with a manual clock.

mod common;
use common::*;
use inipay_sandbox::clock::Clock;
use inipay_sandbox::wire::{Charset, Form};
use inipay_sandbox::{Sandbox, SandboxConfig};
use std::io::{BufRead as _, BufReader};
use std::process::Stdio;

/// 2024-01-01 12:00:00 KST.
const T0: u64 = 1_704_078_000_000;

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default().with_clock(Clock::manual(T0)))
        .await
        .unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Issues a 20,000-won virtual account for `oid` through the payment window
/// and the approval call, notifications to `app`; returns its TID.
async fn issue_vbank(sb: &Sandbox, app: &App, oid: &str) -> String {
    let form = [
        ("P_INI_PAYMENT", "VBANK".to_owned()),
        ("P_MID", "INIpayTest".into()),
        ("P_OID", oid.into()),
        ("P_AMT", "20000".into()),
        ("P_GOODS", "goods".into()),
        ("P_UNAME", "Hong".into()),
        ("P_NEXT_URL", app.url("/next")),
        ("P_NOTI_URL", app.url("/noti")),
        ("P_VBANK_DT", "20240105".into()),
        ("P_VBANK_TM", "2359".into()),
    ];
    let body = Form::from_pairs(form.to_vec()).encode(Charset::EucKr);
    let page = http()
        .post(sb.url("/smart/payment/"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let pat = "name=\"session\" value=\"";
    let i = page.find(pat).expect("session field") + pat.len();
    let session = &page[i..i + page[i..].find('"').unwrap()];
    let press = Form::from_pairs(vec![
        ("session", session.to_owned()),
        ("action", "approve".to_owned()),
        ("bank_code", "88".to_owned()),
    ])
    .encode(Charset::Utf8);
    let r = http()
        .post(sb.url("/smart/sandbox/complete"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(press)
        .send()
        .await
        .unwrap();
    let auto = inipay_sandbox::browser::AutoForm::parse(&r.bytes().await.unwrap()).unwrap();
    let auth_tid = auto.fields.get("P_TID").unwrap().to_owned();
    let reply = http()
        .post(sb.url("/smart/payReq.ini"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("P_MID=INIpayTest&P_TID={auth_tid}"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let reply = Form::parse(&reply, Charset::EucKr).unwrap();
    assert_eq!(reply.str("P_TYPE"), "VBANK");
    reply.str("P_TID").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_lists_the_commands() {
    let o = run(&["--help"]).await;
    assert_exit(&o, 0);
    let out = stdout(&o);
    for c in [
        "sandbox",
        "trigger",
        "ledger",
        "reconcile",
        "replay",
        "doctor",
        "--json",
        "Exit codes",
    ] {
        assert!(out.contains(c), "{c} missing from --help:\n{out}");
    }
    let o = run(&["ledger", "list", "--state", "paid", "--db", "sqlite:x.db"]).await;
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("vbank_deposited"), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_runs_in_the_foreground_with_faults_from_a_file() {
    let faults = temp_path("faults.json");
    std::fs::write(
        &faults,
        r#"[{"endpoint": "approval", "fault": {"kind": "http500"}, "count": 2}]"#,
    )
    .unwrap();
    let mut child = inipay()
        .args(["sandbox", "--port", "0", "--faults"])
        .arg(&faults)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(out).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let base = first
        .trim()
        .strip_prefix("INICIS sandbox listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_owned();
    let listed: serde_json::Value = http()
        .get(format!("{base}/sandbox/api/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let text = listed.to_string();
    assert!(
        text.contains("approval") && text.contains("http500"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_refuses_a_bad_faults_file_and_a_busy_port() {
    let faults = temp_path("faults.json");
    std::fs::write(
        &faults,
        r#"[{"endpoint": "nowhere", "fault": {"kind": "http500"}}]"#,
    )
    .unwrap();
    let o = run_cmd(
        inipay()
            .args(["sandbox", "--port", "0", "--faults"])
            .arg(&faults),
    )
    .await;
    assert_exit(&o, 2);
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
    let o = run(&["sandbox", "--faults", "/nonexistent/faults.json"]).await;
    assert_exit(&o, 2);

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let o = run(&["sandbox", "--port", &port]).await;
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("cannot start the sandbox"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_deposit_prints_what_the_app_answered() {
    let sb = sandbox().await;
    let app = App::start().await;
    let tid = issue_vbank(&sb, &app, "VB-1").await;
    let account = sb.transaction(&tid).unwrap().vbank.unwrap().account;
    let o = run(&[
        "--json",
        "trigger",
        "deposit",
        &tid,
        "--sandbox",
        sb.base_url(),
    ])
    .await;
    assert_exit(&o, 0);
    let v = json(&o);
    assert_eq!(v["tid"], tid.as_str());
    assert_eq!(v["order_id"], "VB-1");
    assert_eq!(v["acknowledged"], true);
    let attempts = v["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "{v}");
    assert_eq!(attempts[0]["http_status"], 200);
    assert_eq!(attempts[0]["reply"], "OK");
    assert_eq!(attempts[0]["url"], app.url("/noti").as_str());
    assert!(!stdout(&o).contains(&account), "account number printed");
    // The sandbox saw the deposit and delivered its notification.
    let deposit: Vec<_> = sb
        .noti_attempts()
        .into_iter()
        .filter(|a| a.tid == tid && a.status == "02")
        .collect();
    assert_eq!(deposit.len(), 1);
    assert!(deposit[0].delivered);

    // A second deposit is refused by the sandbox: exit 1, a clear message.
    let o = run(&["trigger", "deposit", &tid, "--sandbox", sb.base_url()]).await;
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("not a virtual account waiting for a deposit"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_deposit_by_order_twice_as_a_table() {
    let sb = sandbox().await;
    let app = App::start().await;
    let tid = issue_vbank(&sb, &app, "VB-2").await;
    let o = run(&[
        "trigger",
        "deposit",
        "VB-2",
        "--times",
        "2",
        "--sandbox",
        sb.base_url(),
    ])
    .await;
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert!(
        out.contains(&format!("deposited into {tid} (order VB-2)")),
        "{out}"
    );
    let rows: Vec<&str> = out.lines().filter(|l| l.contains("\"OK\"")).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert!(rows.iter().all(|r| r.trim_end().ends_with("yes")), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_deposit_fails_when_the_app_does_not_answer_ok() {
    let sb = sandbox().await;
    let app = App::start().await;
    let tid = issue_vbank(&sb, &app, "VB-3").await;
    app.answer_with(500, "boom");
    let o = run(&[
        "--json",
        "trigger",
        "deposit",
        &tid,
        "--sandbox",
        sb.base_url(),
    ])
    .await;
    assert_exit(&o, 1);
    let v = json(&o);
    assert_eq!(v["acknowledged"], false);
    assert_eq!(v["attempts"][0]["http_status"], 500);
    assert_eq!(v["attempts"][0]["reply"], "boom");
    assert!(stderr(&o).contains("did not answer"), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trigger_deposit_unknown_tid_and_unreachable_sandbox() {
    let sb = sandbox().await;
    let o = run(&[
        "trigger",
        "deposit",
        "INIMX_VBNKINIpayTest20240101120000000000",
        "--sandbox",
        sb.base_url(),
    ])
    .await;
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("no transaction with TID or order id"),
        "{}",
        stderr(&o)
    );

    let url = format!("http://127.0.0.1:{}", dead_port());
    let o = run(&["--json", "trigger", "deposit", "VB-1", "--sandbox", &url]).await;
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains(&format!("cannot reach the sandbox at {url}")),
        "{}",
        stderr(&o)
    );
    assert!(o.stdout.is_empty());

    let o = run(&["trigger", "deposit", "VB-1", "--sandbox", "not a url"]).await;
    assert_exit(&o, 2);
}
