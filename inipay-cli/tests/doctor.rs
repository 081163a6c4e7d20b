//! `inipay doctor` against a real sandbox and a real SQLite ledger, the
//! configuration in `INICIS_*` variables as a deployed app has it.

mod common;
use common::*;
use inipay_core::ledger::SqliteStore;
use inipay_sandbox::{Sandbox, SandboxConfig};
use std::process::Command;

/// Every variable the loader reads, removed so the developer's environment
/// never leaks into a case.
const VARS: &[&str] = &[
    "INICIS_MODE",
    "INICIS_MID",
    "INICIS_PUBLIC_URL",
    "INICIS_MOUNT",
    "INICIS_HASH_KEY",
    "INICIS_INILITE_KEY",
    "INICIS_INIAPI_KEY",
    "INICIS_INIAPI_IV",
    "INICIS_SANDBOX_URL",
    "INICIS_LEDGER_URL",
    "INICIS_BILLKEY_SEAL_KEY",
    "INICIS_BILLKEY_SEAL_KEY_ID",
    "INICIS_NOTI_SOURCES",
];

fn doctor(vars: &[(&str, &str)], json: bool) -> Command {
    let mut c = inipay();
    for v in VARS {
        c.env_remove(v);
    }
    c.envs(vars.iter().copied());
    if json {
        c.arg("--json");
    }
    c.arg("doctor");
    c
}

/// The checks of a `--json` run, by name: (ok, detail).
fn checks(o: &std::process::Output) -> Vec<(String, bool, String)> {
    json(o)["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap().to_owned(),
                c["ok"].as_bool().unwrap(),
                c["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn failed(o: &std::process::Output) -> Vec<String> {
    checks(o)
        .into_iter()
        .filter(|(_, ok, _)| !ok)
        .map(|(n, _, _)| n)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sound_test_configuration_passes_every_check() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let db = temp_path("doctor.db");
    SqliteStore::open(&db).await.unwrap().close().await;
    let ledger = format!("sqlite:{}", db.display());
    let vars = [
        ("INICIS_MODE", "test"),
        ("INICIS_MID", "INIpayTest"),
        ("INICIS_PUBLIC_URL", "http://127.0.0.1:8080"),
        ("INICIS_SANDBOX_URL", sandbox.base_url()),
        ("INICIS_LEDGER_URL", ledger.as_str()),
    ];
    let o = run_cmd(&mut doctor(&vars, true)).await;
    assert_exit(&o, 0);
    let got = checks(&o);
    let names: Vec<&str> = got.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "configuration",
            "keys",
            "public URL",
            "notification sources",
            "ledger",
            "gateway"
        ]
    );
    assert!(got.iter().all(|(_, ok, _)| *ok), "{got:?}");
    assert_eq!(got[0].2, "MID INIpayTest, test mode");
    assert!(
        got[5]
            .2
            .starts_with("a local sandbox answers at 127.0.0.1:"),
        "{got:?}"
    );
    // The same as lines for people; no key is printed.
    let o = run_cmd(&mut doctor(&vars, false)).await;
    assert_exit(&o, 0);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 6, "{out}");
    assert!(out.lines().all(|l| l.starts_with("ok   ")), "{out}");
    for secret in inipay_core::config::test_keys::ALL {
        assert!(!out.contains(secret), "a key printed:\n{out}");
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_problem_fails_its_check_with_exit_1() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let db = temp_path("doctor.db");
    SqliteStore::open(&db).await.unwrap().close().await;
    let ledger = format!("sqlite:{}", db.display());

    // No configuration at all: the one check that can run fails.
    let o = run_cmd(&mut doctor(&[], true)).await;
    assert_exit(&o, 1);
    assert_eq!(
        checks(&o),
        [(
            "configuration".to_owned(),
            false,
            "INICIS_MODE is not set".to_owned()
        )]
    );
    assert!(
        stderr(&o).contains("1 check(s) failed: configuration"),
        "{}",
        stderr(&o)
    );

    // A production merchant: plain http public URL, no ledger; `--offline`,
    // so no test ever looks up INICIS's hosts.
    let prod = [
        ("INICIS_MODE", "production"),
        ("INICIS_MID", "SHOPMID001"),
        ("INICIS_PUBLIC_URL", "http://shop.example.com"),
        ("INICIS_HASH_KEY", "0123456789ABCDEF0123456789ABCDEF"),
        ("INICIS_INIAPI_KEY", "abcdefghijklmnop"),
        ("INICIS_INIAPI_IV", "ponmlkjihgfedcba"),
    ];
    let o = run_cmd(doctor(&prod, true).arg("--offline")).await;
    assert_exit(&o, 1);
    let f = failed(&o);
    assert_eq!(f, ["public URL", "ledger"], "{:?}", checks(&o));
    let gateway = checks(&o).into_iter().find(|c| c.0 == "gateway").unwrap();
    assert_eq!(
        (gateway.1, gateway.2.as_str()),
        (true, "not checked (--offline)")
    );
    assert!(f.contains(&"public URL".to_owned()), "{:?}", checks(&o));
    assert!(f.contains(&"ledger".to_owned()), "{:?}", checks(&o));
    assert!(!f.contains(&"keys".to_owned()), "{:?}", checks(&o));
    assert!(!stdout(&o).contains("0123456789ABCDEF"), "a key printed");

    // A test merchant of its own without INIAPI keys; a sandbox that is not
    // there; a PostgreSQL ledger nobody answers.
    let dead_sandbox = format!("http://127.0.0.1:{}", dead_port());
    let dead_db = format!("postgres://inipay@127.0.0.1:{}/x", dead_port());
    let own = [
        ("INICIS_MODE", "test"),
        ("INICIS_MID", "SHOPTEST01"),
        ("INICIS_PUBLIC_URL", "http://127.0.0.1:8080"),
        ("INICIS_HASH_KEY", "0123456789ABCDEF0123456789ABCDEF"),
        ("INICIS_SANDBOX_URL", dead_sandbox.as_str()),
        ("INICIS_LEDGER_URL", dead_db.as_str()),
    ];
    let o = run_cmd(&mut doctor(&own, true)).await;
    assert_exit(&o, 1);
    assert_eq!(
        failed(&o),
        ["keys", "ledger", "gateway"],
        "{:?}",
        checks(&o)
    );
    let o = run_cmd(&mut doctor(&own, false)).await;
    assert_exit(&o, 1);
    let out = stdout(&o);
    assert!(
        out.contains("FAIL keys: INICIS_INIAPI_KEY and INICIS_INIAPI_IV are needed"),
        "{out}"
    );
    assert!(out.contains("FAIL gateway: 127.0.0.1:"), "{out}");

    // The same merchant fixed: real sandbox, SQLite ledger, INIAPI keys.
    let fixed = [
        ("INICIS_MODE", "test"),
        ("INICIS_MID", "SHOPTEST01"),
        ("INICIS_PUBLIC_URL", "http://127.0.0.1:8080"),
        ("INICIS_HASH_KEY", "0123456789ABCDEF0123456789ABCDEF"),
        ("INICIS_INIAPI_KEY", "abcdefghijklmnop"),
        ("INICIS_INIAPI_IV", "ponmlkjihgfedcb"),
        ("INICIS_SANDBOX_URL", sandbox.base_url()),
        ("INICIS_LEDGER_URL", ledger.as_str()),
    ];
    let o = run_cmd(&mut doctor(&fixed, true)).await;
    assert_exit(&o, 1);
    assert_eq!(failed(&o), ["keys"], "a 15-character IV: {:?}", checks(&o));
    let mut fixed = fixed;
    fixed[5].1 = "ponmlkjihgfedcba";
    let o = run_cmd(&mut doctor(&fixed, true)).await;
    assert_exit(&o, 0);
    sandbox.shutdown().await;
}
