//! The notification sender (PROTOCOL.md 2.6, 7.5): EUC-KR form POSTs to
//! `P_NOTI_URL`; only HTTP 200 with the exact body `OK` counts as delivered;
//! otherwise it retries every `noti_retry_interval` for `noti_retry_window`
//! after the first attempt (10 minutes for 24 hours by default: attempts at
//! 0, 10, ..., 1440 minutes, 145 in all). Every attempt is recorded.
//!
//! Time comes from the sandbox [`crate::clock::Clock`]: with a manual clock,
//! tests advance it and call [`crate::Sandbox::deliver_due`].

use crate::faults::{Endpoint, Fault};
use crate::server::Shared;
use crate::state::{NotiAttempt, NotiJob, State};
use crate::wire::{Charset, Form};
use std::sync::Arc;
use std::time::Duration;

/// Charset of a noti for a payment that asked `charset` for its results.
pub(crate) fn noti_charset(sh: &Shared, charset: Charset) -> Charset {
    if sh.cfg.noti_follows_p_charset {
        charset
    } else {
        Charset::EucKr
    }
}

/// VBANK noti fields (`00` issuance, `02` deposit) of a transaction.
pub(crate) fn vbank_fields(
    sh: &Shared,
    st: &State,
    tid: &str,
    status: &str,
) -> Vec<(&'static str, String)> {
    let Some(t) = st.txns.get(tid) else {
        return Vec::new();
    };
    let (acct, date, time, bank) = t
        .vbank
        .as_ref()
        .map(|v| {
            (
                v.account.clone(),
                v.date.clone(),
                v.time.clone(),
                v.bank_code.clone(),
            )
        })
        .unwrap_or_default();
    let auth_dt = if status == "02" {
        sh.clock.kst_timestamp()
    } else {
        t.auth_dt.clone()
    };
    let auth_dt = if sh.cfg.vbank_noti_short_auth_dt {
        auth_dt[2..].to_owned()
    } else {
        auth_dt
    };
    let mut f = vec![
        ("P_TID", t.tid.clone()),
        ("P_MID", t.mid.clone()),
        ("P_AUTH_DT", auth_dt),
        ("P_STATUS", status.to_owned()),
        ("P_TYPE", "VBANK".to_owned()),
        ("P_OID", t.oid.clone()),
        ("P_FN_CD1", bank.clone()),
        ("P_FN_CD2", String::new()),
        (
            "P_FN_NM",
            crate::mobile::page::code_name(crate::mobile::page::BANKS, &bank).to_owned(),
        ),
        ("P_AMT", t.amount.to_string()),
        ("P_UNAME", t.buyer.clone()),
        (
            "P_RMESG1",
            format!("P_VACCT_NO={acct}|P_EXP_DT={date}{time}"),
        ),
        ("P_RMESG2", String::new()),
        ("P_NOTI", t.p_noti.clone()),
        ("P_AUTH_NO", String::new()),
    ];
    // The deposit noti carries the cash receipt issued at deposit.
    if status == "02"
        && let Some(c) = t.cash_receipt.as_ref().filter(|c| c.issued())
    {
        let all = crate::mobile::approve::cash_receipt_fields(c);
        for k in crate::mobile::approve::NOTI_CSHR_FIELDS {
            if let Some((_, v)) = all.iter().find(|(n, _)| *n == k) {
                f.push((k, v.clone()));
            }
        }
    }
    f
}

/// Queues a notification (due now), applying the `Noti` faults.
pub(crate) fn enqueue(
    sh: &Shared,
    st: &mut State,
    tid: &str,
    status: &str,
    url: &str,
    fields: Vec<(&'static str, String)>,
    charset: Charset,
) {
    if url.is_empty() {
        return;
    }
    let now = sh.clock.now_millis();
    let mut job = NotiJob {
        id: (st.noti_jobs.len() + usize::from(st.noti_held.is_some())) as u64 + 1,
        tid: tid.to_owned(),
        status: status.to_owned(),
        url: url.to_owned(),
        body: Form::from_pairs(fields).encode(charset),
        charset,
        first_ms: now,
        next_ms: now,
        attempts: 0,
        done: false,
        source_addr: sh.cfg.noti_source_addr.clone(),
        duplicate: false,
    };
    let mut reorder = false;
    for f in st.faults.take(Endpoint::Noti) {
        match f {
            Fault::DuplicateNoti => job.duplicate = true,
            Fault::ReorderNoti => reorder = true,
            Fault::NotiSource { addr } => job.source_addr = Some(addr),
            _ => {}
        }
    }
    if reorder && st.noti_held.is_none() {
        st.noti_held = Some(job);
        return;
    }
    st.noti_jobs.push(job);
    if let Some(mut held) = st.noti_held.take() {
        held.first_ms = now;
        held.next_ms = now;
        st.noti_jobs.push(held);
    }
}

struct Due {
    id: u64,
    tid: String,
    status: String,
    url: String,
    body: Vec<u8>,
    source: Option<String>,
    attempt: u32,
}

/// Delivers every job due now; returns once their attempts are recorded.
pub(crate) async fn deliver_due(sh: &Arc<Shared>) {
    let _round = sh.deliver_lock.lock().await;
    // A duplicate fault re-sends within the same round, hence the loop.
    for _ in 0..3 {
        let now = sh.clock.now_millis();
        let due: Vec<Due> = {
            let mut st = sh.lock();
            st.noti_jobs
                .iter_mut()
                .filter(|j| !j.done && j.next_ms <= now)
                .map(|j| {
                    j.attempts += 1;
                    Due {
                        id: j.id,
                        tid: j.tid.clone(),
                        status: j.status.clone(),
                        url: j.url.clone(),
                        body: j.body.clone(),
                        source: j.source_addr.clone(),
                        attempt: j.attempts,
                    }
                })
                .collect()
        };
        if due.is_empty() {
            return;
        }
        for d in due {
            let attempt = send(sh, &d, now).await;
            let mut st = sh.lock();
            let interval =
                u64::try_from(sh.cfg.noti_retry_interval.as_millis()).unwrap_or(u64::MAX);
            let window = u64::try_from(sh.cfg.noti_retry_window.as_millis()).unwrap_or(u64::MAX);
            if let Some(j) = st.noti_jobs.iter_mut().find(|j| j.id == d.id) {
                if attempt.delivered {
                    if j.duplicate {
                        j.duplicate = false;
                    } else {
                        j.done = true;
                    }
                } else {
                    let next = now.saturating_add(interval.max(1));
                    if next > j.first_ms.saturating_add(window) {
                        j.done = true;
                    } else {
                        j.next_ms = next;
                    }
                }
            }
            st.noti_attempts.push(attempt);
        }
    }
}

async fn send(sh: &Shared, d: &Due, now: u64) -> NotiAttempt {
    let mut req = sh
        .http
        .post(&d.url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(d.body.clone());
    if let Some(addr) = &d.source {
        req = req.header(sh.cfg.noti_source_header.as_str(), addr.as_str());
    }
    let mut a = NotiAttempt {
        job: d.id,
        tid: d.tid.clone(),
        status: d.status.clone(),
        url: d.url.clone(),
        attempt: d.attempt,
        at_ms: now,
        http_status: None,
        reply: String::new(),
        delivered: false,
        error: None,
    };
    match req.send().await {
        Ok(resp) => {
            let code = resp.status().as_u16();
            a.http_status = Some(code);
            match resp.bytes().await {
                Ok(b) => {
                    a.delivered = code == 200 && b.as_ref() == b"OK";
                    a.reply = String::from_utf8_lossy(&b[..b.len().min(200)]).into_owned();
                }
                Err(e) => a.error = Some(error_kind(&e)),
            }
        }
        Err(e) => a.error = Some(error_kind(&e)),
    }
    a
}

fn error_kind(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connect".into()
    } else {
        "transport".into()
    }
}

/// The background sender: delivers due jobs, then waits for a new job, a
/// manual clock move, or (system clock) the next due time.
pub(crate) async fn run_sender(sh: Arc<Shared>) {
    loop {
        deliver_due(&sh).await;
        if sh.clock.is_manual() {
            tokio::select! {
                _ = sh.noti_wake.notified() => {}
                _ = sh.clock.changed() => {}
            }
        } else {
            let now = sh.clock.now_millis();
            let next = {
                let st = sh.lock();
                st.noti_jobs
                    .iter()
                    .filter(|j| !j.done)
                    .map(|j| j.next_ms)
                    .min()
            };
            let wait = next.map_or(3_600_000, |n| n.saturating_sub(now).max(1));
            tokio::select! {
                _ = sh.noti_wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(wait)) => {}
            }
        }
    }
}
