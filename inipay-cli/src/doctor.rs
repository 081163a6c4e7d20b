//! `inipay doctor`: checks a deployment's configuration, read from the
//! `INICIS_*` environment variables by the library's own loader
//! ([`Settings::from_env`]), one line per check; exit 1 when one fails.
//!
//! | check | fails when |
//! |---|---|
//! | `configuration` | a variable is missing or refused (a test MID or key in production, a sandbox URL in production, ...) |
//! | `keys` | the INIAPI key or IV is missing or not 16 characters (notifications are confirmed by INIAPI inquiry), or neither the mobile HashKey nor the INILite key is set |
//! | `public URL` | the flow has deployment problems (a production merchant without `https`) |
//! | `notification sources` | never: lists the senders the flow accepts |
//! | `ledger` | `INICIS_LEDGER_URL` is not set, or the ledger does not open (opening applies its migrations) |
//! | `gateway` | an INICIS (or sandbox) host does not resolve, or a sandbox does not answer (not checked with `--offline`) |

use crate::error::CliError;
use crate::table::{print_json, printable};
use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::config::Mode;
use inipay_core::flow::{Flow, default_noti_sources};
use inipay_core::ledger::MemoryStore;
use inipay_core::settings::Settings;
use secrecy::ExposeSecret;
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// One check's result.
struct Check {
    name: &'static str,
    ok: bool,
    detail: String,
}

fn ok(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok: true,
        detail: detail.into(),
    }
}

fn fail(name: &'static str, detail: impl Into<String>) -> Check {
    Check {
        name,
        ok: false,
        detail: detail.into(),
    }
}

/// Runs every check on the process environment.
pub async fn run(offline: bool, json: bool) -> Result<(), CliError> {
    let checks = checks(Settings::from_env(), offline).await;
    let all_ok = checks.iter().all(|c| c.ok);
    if json {
        print_json(&json!({
            "ok": all_ok,
            "checks": checks.iter().map(|c| json!({
                "check": c.name,
                "ok": c.ok,
                "detail": c.detail,
            })).collect::<Vec<_>>(),
        }));
    } else {
        for c in &checks {
            let mark = if c.ok { "ok  " } else { "FAIL" };
            println!("{mark} {}: {}", c.name, printable(&c.detail));
        }
    }
    if all_ok {
        Ok(())
    } else {
        let failed: Vec<&str> = checks.iter().filter(|c| !c.ok).map(|c| c.name).collect();
        Err(CliError::ChecksFailed(format!(
            "{} check(s) failed: {}",
            failed.len(),
            failed.join(", ")
        )))
    }
}

async fn checks(
    loaded: Result<Settings, inipay_core::settings::SettingsError>,
    offline: bool,
) -> Vec<Check> {
    let s = match loaded {
        Ok(s) => s,
        // Nothing else can be checked without a configuration.
        Err(e) => return vec![fail("configuration", e.to_string())],
    };
    let m = &s.merchant;
    let mut out = vec![ok(
        "configuration",
        format!("MID {}, {} mode", m.mid(), m.mode()),
    )];
    out.push(keys(&s));
    out.push(public_url(&s));
    let sources = s
        .flow
        .noti_sources
        .clone()
        .unwrap_or_else(|| default_noti_sources(m));
    out.push(ok(
        "notification sources",
        format!("accepted from {sources:?}"),
    ));
    out.push(ledger(&s).await);
    out.push(if offline {
        ok("gateway", "not checked (--offline)")
    } else {
        gateway(&s).await
    });
    out
}

fn keys(s: &Settings) -> Check {
    let m = &s.merchant;
    let len16 =
        |k: Result<&secrecy::SecretString, _>| k.map(|k| k.expose_secret().chars().count() == 16);
    match (len16(m.iniapi_key()), len16(m.iniapi_iv())) {
        (Err(_), _) | (_, Err(_)) => {
            return fail(
                "keys",
                "INICIS_INIAPI_KEY and INICIS_INIAPI_IV are needed: notifications are confirmed by INIAPI inquiry before money moves",
            );
        }
        (Ok(false), _) | (_, Ok(false)) => {
            return fail(
                "keys",
                "INICIS_INIAPI_KEY and INICIS_INIAPI_IV must be 16 characters each",
            );
        }
        (Ok(true), Ok(true)) => {}
    }
    let mobile = m.mobile_hash_key().is_ok();
    let billing = m.inilite_key().is_ok();
    if !mobile && !billing {
        return fail(
            "keys",
            "neither INICIS_HASH_KEY (mobile payments) nor INICIS_INILITE_KEY (billing keys) is set",
        );
    }
    let mut products = Vec::new();
    if mobile {
        products.push("mobile payments (HashKey)");
    }
    if billing {
        products.push(if s.billing.is_some() {
            "billing keys (INILite key, sealing key)"
        } else {
            "billing keys need INICIS_BILLKEY_SEAL_KEY too"
        });
    }
    products.push("INIAPI (key, IV)");
    ok("keys", products.join("; "))
}

fn public_url(s: &Settings) -> Check {
    let client = match GatewayClient::new(ClientConfig::default()) {
        Ok(c) => c,
        Err(e) => return fail("public URL", format!("gateway client: {e}")),
    };
    let flow = Flow::new(
        s.merchant.clone(),
        client,
        Arc::new(MemoryStore::new()),
        s.flow.clone(),
    );
    let problems = flow.deployment_problems();
    if problems.is_empty() {
        ok(
            "public URL",
            format!("notifications to {}", s.flow.noti_url()),
        )
    } else {
        let words: Vec<String> = problems.iter().map(ToString::to_string).collect();
        fail("public URL", words.join("; "))
    }
}

async fn ledger(s: &Settings) -> Check {
    let Some(url) = s.ledger_url.as_deref() else {
        return fail("ledger", "INICIS_LEDGER_URL is not set");
    };
    match crate::db::open(Some(url)).await {
        Ok(_) => ok(
            "ledger",
            format!("{} opens, migrations applied", crate::db::redact(url)),
        ),
        Err(e) => fail("ledger", crate::error::report(&e)),
    }
}

async fn gateway(s: &Settings) -> Check {
    let urls = s.merchant.endpoints();
    let mut hosts = BTreeSet::new();
    for u in [&urls.mobile_payment, &urls.inibill_card, &urls.iniapi_base]
        .into_iter()
        .chain(urls.approval_origins.iter())
    {
        if let Ok(parsed) = reqwest::Url::parse(u)
            && let Some(host) = parsed.host_str()
        {
            let port = parsed.port_or_known_default().unwrap_or(443);
            hosts.insert((host.trim_matches(['[', ']']).to_owned(), port));
        }
    }
    let sandbox = s.merchant.mode() == Mode::Test
        && hosts
            .iter()
            .all(|(h, _)| h == "127.0.0.1" || h == "localhost" || h == "::1");
    for (host, port) in &hosts {
        let reached = if sandbox {
            // A local sandbox must answer.
            tokio::time::timeout(
                Duration::from_secs(5),
                tokio::net::TcpStream::connect((host.as_str(), *port)),
            )
            .await
            .map(|r| r.map(|_| ()))
        } else {
            tokio::time::timeout(
                Duration::from_secs(5),
                tokio::net::lookup_host((host.as_str(), *port)),
            )
            .await
            .map(|r| r.map(|_| ()))
        };
        match reached {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return fail("gateway", format!("{host}:{port}: {e}")),
            Err(_) => return fail("gateway", format!("{host}:{port}: no answer within 5 s")),
        }
    }
    let names: Vec<String> = hosts.iter().map(|(h, p)| format!("{h}:{p}")).collect();
    let how = if sandbox {
        "a local sandbox answers at"
    } else {
        "resolves"
    };
    ok("gateway", format!("{how} {}", names.join(", ")))
}
