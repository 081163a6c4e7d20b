//! `inipay replay MESSAGE_ID --to URL`: re-delivers a journaled notification
//! to an app, as INICIS would post it, and prints what the app answered.
//!
//! The bytes sent are the journaled body: as INICIS sent them, except card,
//! phone and account numbers and names, which the ledger masked before it
//! stored them (a notification needs none of them: the flow confirms a
//! deposit by INIAPI inquiry). The app journals the replay like any
//! notification and applies nothing twice. Its notification source
//! allow-list still applies (a production app refuses a replay from an
//! address INICIS does not use: `403`).

use crate::error::CliError;
use crate::table::{print_json, printable};
use inipay_core::ledger::{Direction, Ledger, MessageId, MessageKind};
use serde_json::json;
use std::time::Duration;

/// The answer INICIS needs (PROTOCOL.md 2.6).
const OK: &str = "OK";

/// Replays message `id` of the ledger to `to`.
pub async fn run(ledger: &dyn Ledger, id: i64, to: &str, json: bool) -> Result<(), CliError> {
    let url = reqwest::Url::parse(to)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| {
            CliError::Config(format!(
                "--to {:?}: an http(s) URL of the app's notification route",
                printable(to)
            ))
        })?;
    let entry = ledger
        .message(MessageId(id))
        .await
        .map_err(CliError::Ledger)?
        .ok_or(CliError::UnknownMessage(id))?;
    let m = &entry.message;
    if m.kind != MessageKind::Noti || m.direction != Direction::Inbound {
        return Err(CliError::Config(format!(
            "message {id} is a {} ({}), not a notification from INICIS: only notifications are replayed",
            m.kind.as_str(),
            m.direction.as_str()
        )));
    }
    if entry.body_purged_at.is_some() {
        return Err(CliError::NotReplayable(format!(
            "message {id}: its body was purged under the retention setting"
        )));
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| CliError::Config(format!("HTTP client: {e}")))?;
    let res = http
        .post(url.clone())
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(m.body.clone())
        .send()
        .await
        .map_err(|source| CliError::AppUnreachable {
            url: url.to_string(),
            source,
        })?;
    let status = res.status().as_u16();
    let answer = res.text().await.unwrap_or_default();
    let ok = status == 200 && answer == OK;
    if json {
        print_json(&json!({
            "message_id": id,
            "to": url.as_str(),
            "status": status,
            "answer": answer,
            "ok": ok,
        }));
    } else {
        println!(
            "replayed message {id} ({} bytes, {}) to {url}: the app answered {status} {:?}",
            m.body.len(),
            m.charset.p_charset(),
            printable(&answer)
        );
    }
    if ok {
        Ok(())
    } else {
        Err(CliError::NotAcknowledged(format!(
            "the app answered {status} {:?}, not 200 \"OK\"",
            printable(&answer)
        )))
    }
}
