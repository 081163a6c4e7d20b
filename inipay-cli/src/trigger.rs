//! `inipay trigger deposit`: drives a running sandbox through its control
//! API (`/sandbox/api/...`, see the `inipay-sandbox` crate) and reports the
//! notification attempts it recorded, i.e. what the app answered.

use crate::cli::DepositArgs;
use crate::error::CliError;
use crate::table::{Table, print_json, printable};
use reqwest::{Client, Url};
use serde::Deserialize;
use serde_json::json;
use std::time::Duration;

/// The fields of a sandbox transaction this command reads (the virtual
/// account number is never read, so it cannot be printed).
#[derive(Debug, Deserialize)]
struct TxnView {
    tid: String,
    oid: String,
    status: String,
    #[serde(default)]
    noti_url: String,
}

/// One notification attempt as the control API lists it.
#[derive(Debug, Deserialize)]
struct AttemptView {
    tid: String,
    status: String,
    url: String,
    attempt: u32,
    http_status: Option<u16>,
    #[serde(default)]
    reply: String,
    delivered: bool,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Notifications {
    attempts: Vec<AttemptView>,
}

/// A client of one sandbox's control API.
struct Control {
    http: Client,
    base: String,
}

impl Control {
    fn new(base: &str) -> Result<Control, CliError> {
        let base = base.trim_end_matches('/');
        match Url::parse(base) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {}
            _ => {
                return Err(CliError::Config(format!(
                    "--sandbox {:?}: expected a base URL such as http://127.0.0.1:8081",
                    printable(base)
                )));
            }
        }
        let http = Client::builder()
            // A notification may wait for the sandbox's 10-second noti timeout.
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| CliError::Config(format!("cannot build an HTTP client: {e}")))?;
        Ok(Control {
            http,
            base: base.to_owned(),
        })
    }

    fn unreachable(&self, source: reqwest::Error) -> CliError {
        CliError::SandboxUnreachable {
            url: self.base.clone(),
            source,
        }
    }

    /// Sends a request, maps a refusal (non-2xx) to its `{"error": ...}`.
    async fn call(&self, req: reqwest::RequestBuilder, what: &str) -> Result<Vec<u8>, CliError> {
        let resp = req.send().await.map_err(|e| self.unreachable(e))?;
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| self.unreachable(e))?;
        if status.is_success() {
            return Ok(body.to_vec());
        }
        let why = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
            .unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
        Err(CliError::SandboxRefused(format!(
            "{what}: {}",
            printable(&why)
        )))
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, CliError> {
        let body = self
            .call(self.http.get(format!("{}{path}", self.base)), path)
            .await?;
        serde_json::from_slice(&body).map_err(|e| {
            CliError::SandboxRefused(format!("{path}: not the sandbox's control API ({e})"))
        })
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> Result<(), CliError> {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json")
            .body(body.to_string());
        self.call(req, path).await.map(|_| ())
    }
}

/// `inipay trigger deposit ORDER_OR_TID [--sandbox URL] [--times N]`.
pub async fn deposit(args: DepositArgs, json: bool) -> Result<(), CliError> {
    let ctl = Control::new(&args.sandbox)?;
    let txns: Vec<TxnView> = ctl.get("/sandbox/api/transactions").await?;
    let target = args.target.as_str();
    let txn = txns
        .iter()
        .find(|t| t.tid == target)
        .or_else(|| {
            // By order id: the latest waiting one, else the latest.
            txns.iter()
                .filter(|t| t.oid == target)
                .max_by_key(|t| t.status == "VbankWaiting")
        })
        .ok_or_else(|| {
            CliError::SandboxRefused(format!(
                "no transaction with TID or order id {:?} (see {}/sandbox/)",
                printable(target),
                ctl.base
            ))
        })?;
    if txn.status != "VbankWaiting" {
        return Err(CliError::SandboxRefused(format!(
            "{} (order {}) is not a virtual account waiting for a deposit (status {})",
            txn.tid,
            printable(&txn.oid),
            printable(&txn.status)
        )));
    }
    if args.times == 2 {
        // The sandbox re-sends a notification once, even after OK, with
        // this fault on the next notification it queues: the deposit's.
        ctl.post(
            "/sandbox/api/faults",
            json!({"endpoint": "noti", "fault": {"kind": "duplicate_noti"}, "count": 1}),
        )
        .await?;
    }
    ctl.post("/sandbox/api/vbank/deposit", json!({ "tid": txn.tid }))
        .await?;
    // Delivers what is due now and returns once the attempts are recorded
    // (it waits for a round the background sender may have begun).
    ctl.post("/sandbox/api/deliver", json!({})).await?;
    let notis: Notifications = ctl.get("/sandbox/api/notifications").await?;
    let attempts: Vec<&AttemptView> = notis
        .attempts
        .iter()
        .filter(|a| a.tid == txn.tid && a.status == "02")
        .collect();
    let acknowledged = attempts.iter().any(|a| a.delivered);
    if json {
        print_json(&json!({
            "tid": txn.tid,
            "order_id": txn.oid,
            "deposited": true,
            "notification_url": txn.noti_url,
            "acknowledged": acknowledged,
            "attempts": attempts.iter().map(|a| json!({
                "attempt": a.attempt,
                "url": a.url,
                "http_status": a.http_status,
                "reply": a.reply,
                "delivered": a.delivered,
                "error": a.error,
            })).collect::<Vec<_>>(),
        }));
    } else {
        println!(
            "deposited into {} (order {}); P_STATUS=02 notification to {}",
            txn.tid,
            printable(&txn.oid),
            printable(if txn.noti_url.is_empty() {
                "(no P_NOTI_URL)"
            } else {
                &txn.noti_url
            })
        );
        let mut t = Table::new(&["attempt", "http", "app answered", "delivered"]);
        for a in &attempts {
            t.row(vec![
                a.attempt.to_string(),
                a.http_status.map_or_else(
                    || a.error.clone().unwrap_or_else(|| "-".into()),
                    |s| s.to_string(),
                ),
                format!("{:?}", a.reply),
                if a.delivered { "yes" } else { "no" }.to_owned(),
            ]);
        }
        if !t.is_empty() {
            print!("{}", t.render());
        }
    }
    if txn.noti_url.is_empty() {
        return Err(CliError::NotAcknowledged(
            "the payment has no P_NOTI_URL: no notification was sent".into(),
        ));
    }
    if !acknowledged {
        return Err(CliError::NotAcknowledged(
            "the app did not answer the notification with exactly OK; the sandbox retries \
             every 10 minutes for 24 hours"
                .into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_url_checked() {
        assert!(Control::new("http://127.0.0.1:8081/").is_ok());
        assert_eq!(Control::new("127.0.0.1:8081").err().unwrap().exit_code(), 2);
        assert_eq!(Control::new("ftp://h").err().unwrap().exit_code(), 2);
    }

    #[test]
    fn attempts_parse_from_the_control_api_shape() {
        let n: Notifications = serde_json::from_str(
            r#"{"jobs": [], "attempts": [{"job": 1, "tid": "T", "status": "02", "url": "http://a/noti",
                "attempt": 1, "at_ms": 0, "http_status": 200, "reply": "OK", "delivered": true, "error": null}]}"#,
        )
        .unwrap();
        assert!(n.attempts[0].delivered);
        assert_eq!(n.attempts[0].http_status, Some(200));
    }
}
