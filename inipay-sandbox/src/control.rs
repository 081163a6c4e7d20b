//! Control API (JSON under `/sandbox/api/`) and the dashboard page
//! (`/sandbox/`): list transactions and notification attempts, trigger a
//! virtual-account deposit, inject faults, deliver due notis, advance a manual
//! clock, reset.
//!
//! | Method and path | Body | Effect |
//! |---|---|---|
//! | `GET /sandbox/api/transactions` | | every transaction |
//! | `GET /sandbox/api/notifications` | | `{"jobs": [...], "attempts": [...]}` |
//! | `GET /sandbox/api/receipts` | | cash receipts issued via `/v2/pg/receipt` |
//! | `POST /sandbox/api/vbank/deposit` | `{"tid": "INIMX_VBNK..."}` | deposit + `02` noti |
//! | `GET/POST /sandbox/api/faults` | `{"endpoint": "approval", "fault": {"kind": "http500"}, "count": 1}` | list / inject |
//! | (inquiry) | `{"endpoint": "inquiry", "fault": {"kind": "inquiry_status", "status": "1"}}` | next inquiry reports status `1` |
//! | `POST /sandbox/api/deliver` | | deliver notis due now |
//! | `POST /sandbox/api/clock/advance` | `{"millis": 600000}` | move a manual clock |
//! | `POST /sandbox/api/reset` | | forget everything |

use crate::faults::{Endpoint, Fault};
use crate::mobile::page;
use crate::noti;
use crate::server::{self, ControlError, Shared};
use crate::state::{State as Mem, TxnStatus};
use crate::wire::{Charset, Form, html_escape as esc};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

/// Marks a waiting virtual account as deposited and queues the `02` noti.
pub(crate) fn deposit_vbank(sh: &Shared, tid: &str) -> Result<(), ControlError> {
    {
        let mut st = sh.lock();
        let t = st.txns.get_mut(tid).ok_or(ControlError::UnknownTid)?;
        if t.status != TxnStatus::VbankWaiting {
            return Err(ControlError::NotWaitingVbank);
        }
        t.status = TxnStatus::Approved;
        if let Some(v) = t.vbank.as_mut() {
            v.deposited = true;
            v.deposited_at = sh.clock.kst_timestamp();
        }
        if let Some(c) = t.cash_receipt.as_mut() {
            c.issued_at = sh.clock.kst_timestamp();
            c.auth_no = sh.digits(9);
        }
        let (url, cs) = (t.noti_url.clone(), t.charset);
        let fields = noti::vbank_fields(sh, &st, tid, "02");
        let cs = noti::noti_charset(sh, cs);
        noti::enqueue(sh, &mut st, tid, "02", &url, fields, cs);
    }
    sh.noti_wake.notify_one();
    Ok(())
}

fn json_value<T: serde::Serialize>(v: &T) -> Response {
    server::respond(
        StatusCode::OK,
        "application/json",
        serde_json::to_vec(v).unwrap_or_default(),
    )
}

fn bad(msg: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "error": msg })),
    )
        .into_response()
}

pub(crate) async fn api_transactions(State(sh): State<Arc<Shared>>) -> Response {
    let st = sh.lock();
    let list: Vec<_> = st.txn_order.iter().filter_map(|t| st.txns.get(t)).collect();
    json_value(&list)
}

pub(crate) async fn api_notifications(State(sh): State<Arc<Shared>>) -> Response {
    let st = sh.lock();
    json_value(&serde_json::json!({ "jobs": st.noti_jobs, "attempts": st.noti_attempts }))
}

pub(crate) async fn api_receipts(State(sh): State<Arc<Shared>>) -> Response {
    json_value(&sh.lock().receipts)
}

#[derive(Deserialize)]
pub(crate) struct DepositBody {
    tid: String,
}

pub(crate) async fn api_deposit(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(b) = serde_json::from_slice::<DepositBody>(&body) else {
        return bad("expected {\"tid\": \"...\"}");
    };
    match deposit_vbank(&sh, &b.tid) {
        Ok(()) => json_value(&serde_json::json!({ "ok": true })),
        Err(e) => bad(&e.to_string()),
    }
}

#[derive(Deserialize)]
pub(crate) struct InjectBody {
    endpoint: Endpoint,
    fault: Fault,
    #[serde(default = "one")]
    count: u32,
}

fn one() -> u32 {
    1
}

pub(crate) async fn api_faults(State(sh): State<Arc<Shared>>) -> Response {
    json_value(&sh.lock().faults)
}

pub(crate) async fn api_inject(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    match serde_json::from_slice::<InjectBody>(&body) {
        Ok(b) => {
            sh.lock().faults.inject(b.endpoint, b.fault, b.count);
            json_value(&serde_json::json!({ "ok": true }))
        }
        Err(_) => bad("expected {\"endpoint\": ..., \"fault\": {\"kind\": ...}, \"count\": N}"),
    }
}

pub(crate) async fn api_reset(State(sh): State<Arc<Shared>>) -> Response {
    *sh.lock() = Mem::default();
    json_value(&serde_json::json!({ "ok": true }))
}

pub(crate) async fn api_deliver(State(sh): State<Arc<Shared>>) -> Response {
    noti::deliver_due(&sh).await;
    json_value(&serde_json::json!({ "ok": true }))
}

#[derive(Deserialize)]
pub(crate) struct AdvanceBody {
    millis: u64,
}

pub(crate) async fn api_advance(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    if !sh.clock.is_manual() {
        return bad("the sandbox runs on the system clock");
    }
    match serde_json::from_slice::<AdvanceBody>(&body) {
        Ok(b) => {
            sh.clock.advance(std::time::Duration::from_millis(b.millis));
            json_value(&serde_json::json!({ "now_millis": sh.clock.now_millis() }))
        }
        Err(_) => bad("expected {\"millis\": N}"),
    }
}

fn see_dashboard() -> Response {
    let mut r = server::respond(StatusCode::SEE_OTHER, "text/plain", "");
    r.headers_mut().insert(
        axum::http::header::LOCATION,
        axum::http::HeaderValue::from_static("/sandbox/"),
    );
    r
}

/// Percent-encodes a query value (unreserved characters stay).
fn query_value(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Dashboard button: deposit (입금통보). Back to the dashboard, which
/// confirms what was sent (`?deposited=TID`) and scrolls to the
/// transaction; a refusal is a short page in Korean with English beside it.
pub(crate) async fn form_deposit(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    let f = Form::parse(&body, Charset::Utf8).unwrap_or_default();
    let tid = f.str("tid");
    match deposit_vbank(&sh, tid) {
        Ok(()) => {
            let q = query_value(tid);
            let mut r = server::respond(StatusCode::SEE_OTHER, "text/plain", "");
            if let Ok(v) =
                axum::http::HeaderValue::from_str(&format!("/sandbox/?deposited={q}#txn-{q}"))
            {
                r.headers_mut().insert(axum::http::header::LOCATION, v);
            }
            r
        }
        Err(e) => {
            let (ko, en) = match e {
                ControlError::UnknownTid => ("없는 거래입니다", "unknown transaction"),
                ControlError::NotWaitingVbank => (
                    "입금 대기 중인 가상계좌가 아닙니다 (이미 입금되었거나 취소됨)",
                    "not a virtual account waiting for a deposit (already deposited or cancelled)",
                ),
            };
            server::respond(
                StatusCode::BAD_REQUEST,
                "text/html; charset=UTF-8",
                format!(
                    "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\">\
                     <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                     <title>입금통보 실패 (deposit refused)</title><style>{style}</style></head><body>\
                     <h1>입금통보 실패 <small>(deposit refused)</small></h1><p>{ko} ({en}).</p>\
                     <p><a href=\"/sandbox/\">대시보드로 돌아가기 (back to the dashboard)</a></p></body></html>",
                    style = page::STYLE,
                ),
            )
        }
    }
}

/// Dashboard form: inject a fault (`endpoint`, `kind`, `millis`, `addr`,
/// `status`, `count`).
pub(crate) async fn form_fault(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    let f = Form::parse(&body, Charset::Utf8).unwrap_or_default();
    let endpoint: Result<Endpoint, _> =
        serde_json::from_value(serde_json::Value::String(f.str("endpoint").into()));
    let fault = match f.str("kind") {
        "delay" => Some(Fault::Delay {
            millis: f.str("millis").parse().unwrap_or(5_000),
        }),
        "http500" => Some(Fault::Http500),
        "garbled" => Some(Fault::Garbled),
        "tamper_amount" => Some(Fault::TamperAmount),
        "tamper_order_id" => Some(Fault::TamperOrderId),
        "tamper_tid" => Some(Fault::TamperTid),
        "tamper_mid" => Some(Fault::TamperMid),
        "inquiry_status" => Some(Fault::InquiryStatus {
            status: f.str("status").to_owned(),
        }),
        "duplicate_noti" => Some(Fault::DuplicateNoti),
        "reorder_noti" => Some(Fault::ReorderNoti),
        "noti_source" => Some(Fault::NotiSource {
            addr: f.str("addr").to_owned(),
        }),
        _ => None,
    };
    match (endpoint, fault) {
        (Ok(e), Some(fault)) => {
            sh.lock()
                .faults
                .inject(e, fault, f.str("count").parse().unwrap_or(1));
            see_dashboard()
        }
        _ => bad("unknown endpoint or fault kind"),
    }
}

/// Dashboard button: reset.
pub(crate) async fn form_reset(State(sh): State<Arc<Shared>>) -> Response {
    *sh.lock() = Mem::default();
    see_dashboard()
}

/// `20240101120000` -> `2024-01-01 12:00:00`.
fn readable_ts(ts: &str) -> String {
    if ts.len() != 14 || !ts.is_ascii() {
        return ts.to_owned();
    }
    format!(
        "{}-{}-{} {}:{}:{}",
        &ts[..4],
        &ts[4..6],
        &ts[6..8],
        &ts[8..10],
        &ts[10..12],
        &ts[12..]
    )
}

/// Korean with English beside it; a virtual account paid in is
/// "입금완료 (deposited)", not "승인".
fn status_label(t: &crate::state::Txn) -> &'static str {
    match t.status {
        TxnStatus::Approved if t.vbank.as_ref().is_some_and(|v| v.deposited) => {
            "입금완료 (deposited)"
        }
        TxnStatus::Approved => "승인 (approved)",
        TxnStatus::VbankWaiting => "입금대기 (waiting for deposit)",
        TxnStatus::Cancelled => "취소 (cancelled)",
        TxnStatus::NetCancelled => "망취소 (net-cancelled)",
    }
}

fn empty_row(cols: usize, text: &str) -> String {
    format!("<tr><td colspan=\"{cols}\" class=\"empty\">{text}</td></tr>")
}

/// The value of `key` in a raw query string (percent-decoded, UTF-8).
fn query_param(raw: Option<&str>, key: &str) -> Option<String> {
    let raw = raw?;
    raw.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| {
            let f = Form::parse(format!("v={v}").as_bytes(), Charset::Utf8).unwrap_or_default();
            f.str("v").to_owned()
        })
    })
}

/// One notification attempt in a transaction's history: when, what, the
/// answer.
fn attempt_item(a: &crate::state::NotiAttempt) -> String {
    let answer = match (a.http_status, &a.error) {
        (Some(code), _) => {
            let reply: String = a.reply.chars().take(60).collect();
            format!("HTTP {code} “{}”", esc(&reply))
        }
        (None, Some(e)) => format!("오류 (error): {}", esc(e)),
        (None, None) => "응답 없음 (no answer)".to_owned(),
    };
    format!(
        "<li data-noti-status=\"{status}\" data-delivered=\"{delivered}\">{at} · P_STATUS={status} · #{n} → {answer} · {result}</li>",
        at = readable_ts(&crate::clock::kst_timestamp(a.at_ms)),
        status = esc(&a.status),
        n = a.attempt,
        delivered = a.delivered,
        result = if a.delivered {
            "전달됨 (delivered)"
        } else {
            "재시도 예정 (will retry)"
        },
    )
}

/// The confirmation after the 입금통보 button: what was recorded and sent.
fn deposit_confirmation(st: &Mem, tid: &str) -> String {
    let Some(t) = st.txns.get(tid) else {
        return String::new();
    };
    let delivered = st
        .noti_attempts
        .iter()
        .any(|a| a.tid == t.tid && a.status == "02" && a.delivered);
    format!(
        "<div class=\"confirm\" role=\"status\" data-deposited=\"{tid}\"><b>입금통보를 보냈습니다 (Deposit notified)</b>\
         <p>주문 (order) <b class=\"oid\">{oid}</b> · {goods} · <b>{amount}원</b>: 입금 처리 후 노티 \
         <code>P_STATUS=02</code> (TID <code>{tid}</code>)를 <code>{url}</code>로 보냅니다 \
         (deposit recorded; notification P_STATUS=02 sent to the shop's P_NOTI_URL). {state}</p></div>",
        tid = esc(&t.tid),
        oid = esc(&t.oid),
        goods = esc(&t.goods),
        amount = page::group(t.amount),
        url = esc(&t.noti_url),
        state = if delivered {
            "상점이 OK로 답했습니다 (the shop answered OK)."
        } else {
            "전달 결과는 아래 이 거래의 노티 기록에 나옵니다; 새로고침하세요 \
             (the delivery result appears in this transaction's notification history below; reload)."
        },
    )
}

/// `GET /sandbox/` (`?deposited=TID` after the 입금통보 button).
pub(crate) async fn dashboard(
    State(sh): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Response {
    let st = sh.lock();
    let deposited = query_param(query.as_deref(), "deposited");
    let mut rows = String::new();
    for t in st.txn_order.iter().rev().filter_map(|t| st.txns.get(t)) {
        let action = if t.status == TxnStatus::VbankWaiting {
            format!(
                "<form method=\"post\" action=\"/sandbox/deposit\"><input type=\"hidden\" name=\"tid\" value=\"{}\">\
                 <button class=\"approve\">입금통보 (deposit)</button></form>",
                esc(&t.tid)
            )
        } else {
            String::new()
        };
        let cshr = match &t.cash_receipt {
            Some(c) if c.issued() => " · 현금영수증 (cash receipt)",
            Some(_) => " · 현금영수증 대기 (cash receipt at deposit)",
            None => "",
        };
        let history: String = st
            .noti_attempts
            .iter()
            .filter(|a| a.tid == t.tid)
            .map(attempt_item)
            .collect();
        let queued = st
            .noti_jobs
            .iter()
            .filter(|j| j.tid == t.tid && !j.done)
            .count();
        let history = match (history.is_empty(), queued) {
            (true, 0) => String::new(),
            (_, q) => format!(
                "<div class=\"hist\"><b>노티 기록 (notification history)</b><ol>{history}{}</ol></div>",
                if q > 0 {
                    format!("<li>보내는 중 또는 대기 (sending or queued): {q}</li>")
                } else {
                    String::new()
                }
            ),
        };
        // The confirmation of a deposit just notified sits in its own card.
        let confirm = if deposited.as_deref() == Some(t.tid.as_str()) {
            deposit_confirmation(&st, &t.tid)
        } else {
            String::new()
        };
        // Order, goods, amount, status and the deposit button first: each
        // card names whose deposit the button is, on a phone too.
        rows.push_str(&format!(
            "<div class=\"txn\" id=\"txn-{tid}\" data-tid=\"{tid}\" data-oid=\"{oid}\">{confirm}\
             <div class=\"head\"><span class=\"st\" data-status>{status}</span> \
             <span>주문 (order) <b class=\"oid\">{oid}</b></span></div>\
             <div class=\"what\">{goods} · <b>{amount}원</b> · {method}{cshr}</div>{action}\
             <div class=\"meta\">잔액 (remaining) {remaining}원 · TID <code>{tid}</code> · MID {mid} · 승인 시각 (approved at) {at}</div>\
             {history}</div>",
            tid = esc(&t.tid),
            oid = esc(&t.oid),
            status = status_label(t),
            goods = esc(&t.goods),
            amount = page::group(t.amount),
            method = t.method.p_type(),
            remaining = page::group(t.remaining),
            mid = esc(&t.mid),
            at = readable_ts(&t.auth_dt),
        ));
    }
    if rows.is_empty() {
        rows = "<p class=\"note\">아직 거래가 없습니다 (no transactions yet)</p>".to_owned();
    }
    let mut notis = String::new();
    for a in st.noti_attempts.iter().rev().take(200) {
        notis.push_str(&format!(
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            a.job,
            esc(&a.tid),
            esc(&a.status),
            a.attempt,
            readable_ts(&crate::clock::kst_timestamp(a.at_ms)),
            esc(&a.url),
            a.http_status.map(|s| s.to_string()).unwrap_or_else(|| a.error.clone().unwrap_or_default()),
            if a.delivered { "<b class=\"ok\">OK</b>" } else { "재시도 (retry)" }
        ));
    }
    if notis.is_empty() {
        notis = empty_row(8, "아직 노티가 없습니다 (no notifications yet)");
    }
    let pending = st.noti_jobs.iter().filter(|j| !j.done).count();
    let mut receipts = String::new();
    for r in st.receipts.iter().rev() {
        receipts.push_str(&format!(
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.tid),
            esc(&r.mid),
            page::group(r.receipt.amount),
            if r.receipt.kind == "1" { "지출증빙 (expense proof)" } else { "소득공제 (income deduction)" },
            esc(&r.receipt.auth_no),
        ));
    }
    let receipts = if receipts.is_empty() {
        String::new()
    } else {
        format!(
            "<h2>현금영수증 (Cash receipts, /v2/pg/receipt)</h2><div class=\"scroll\"><table><tr><th>TID</th><th>MID</th>\
             <th>금액 (amount)</th><th>용도 (type)</th><th>승인번호 (approval no.)</th></tr>{receipts}</table></div>"
        )
    };
    let faults: String = st
        .faults
        .list()
        .iter()
        .map(|(e, f, n)| format!("<li>{e:?}: {f:?} × {n}</li>"))
        .collect();
    let faults = if faults.is_empty() {
        "<p class=\"note\">없음 (none)</p>".to_owned()
    } else {
        format!("<ul>{faults}</ul>")
    };
    drop(st);
    server::html(format!(
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>INICIS sandbox</title>\
         <style>{style}body{{max-width:72rem}}.scroll{{overflow-x:auto;max-width:100%}}td,th{{font-size:.85rem;white-space:nowrap}}\
         code{{overflow-wrap:anywhere;word-break:break-all}}\
         .txn{{border:1px solid #ddd;border-radius:8px;padding:.6rem .8rem;margin:.6rem 0;overflow-wrap:anywhere}}\
         .txn .head{{display:flex;flex-wrap:wrap;gap:.2rem .6rem;align-items:baseline}}.txn .st{{font-weight:bold}}\
         .txn .what{{margin:.2rem 0}}.txn .meta{{font-size:.8rem;color:#555}}.txn button{{font-size:1rem;padding:.55rem .9rem}}\
         .hist{{font-size:.8rem;margin-top:.4rem}}.hist ol{{margin:.2rem 0;padding-left:1.2rem}}\
         .confirm{{background:#ecfdf3;border:1px solid #a6e3bf;border-radius:8px;padding:.6rem .8rem;margin-bottom:.5rem;overflow-wrap:anywhere}}.confirm p{{margin:.3rem 0 0}}\
         td.num{{text-align:right}}td.empty{{color:#777;text-align:center;white-space:normal}}td.wrap{{white-space:normal;min-width:8rem}}.ok{{color:#080}}\
         td form{{margin:.3rem 0 0}}td button{{font-size:.85rem;padding:.4rem .7rem;border-radius:4px;border:1px solid #e4002b}}\
         form .actions{{max-width:24rem}}\
         .approve{{background:#e4002b;color:#fff}}h2{{font-size:1.05rem;margin-top:1.4rem}}\
         .fault label{{display:inline-block;margin:.2rem .6rem .2rem 0}}</style>\
         </head><body><h1>INICIS 샌드박스 대시보드 <small>(sandbox dashboard)</small></h1>\
         <p>기준 URL (base URL): <code>{base}</code><br>시각 (clock, KST): {now} · <a href=\"/sandbox/\">새로고침 (reload)</a></p>\
         <h2>거래 (Transactions)</h2><div class=\"txns\">{rows}</div>\
         <h2>노티 시도 (Notification attempts) · 대기 중 (pending jobs): {pending}</h2><div class=\"scroll\"><table><tr><th>job</th><th>TID</th><th>P_STATUS</th><th>#</th>\
         <th>시각 (at)</th><th>URL</th><th>HTTP</th><th>결과 (result)</th></tr>{notis}</table></div>{receipts}\
         <h2>주입된 장애 (Injected faults)</h2>{faults}\
         <form method=\"post\" action=\"/sandbox/fault\" class=\"fault\">\
         <label>대상 (endpoint) <select name=\"endpoint\"><option>payment</option><option selected>approval</option><option>net_cancel</option>\
         <option>noti</option><option>billing_window</option><option>iniapi_v1</option><option>iniapi_v2</option><option>inquiry</option></select></label>\
         <label>장애 (fault) <select name=\"kind\"><option>delay</option><option>http500</option><option>garbled</option><option>tamper_amount</option>\
         <option>tamper_order_id</option><option>tamper_tid</option><option>tamper_mid</option><option>inquiry_status</option>\
         <option>duplicate_noti</option><option>reorder_noti</option><option>noti_source</option></select></label>\
         <label>횟수 (next N calls) <input name=\"count\" value=\"1\" size=\"3\" inputmode=\"numeric\"></label>\
         <label>지연 (delay, ms) <input name=\"millis\" value=\"5000\" size=\"7\" inputmode=\"numeric\"></label>\
         <label>조회 상태 (inquiry status) <input name=\"status\" value=\"1\" size=\"2\"></label>\
         <label>노티 출발지 (noti source address) <input name=\"addr\" value=\"203.238.37.15\" size=\"14\"></label>\
         <div class=\"actions\"><button>장애 주입 (inject fault)</button></div></form>\
         <form method=\"post\" action=\"/sandbox/reset\"><div class=\"actions\"><button>모두 초기화 (reset everything)</button></div></form></body></html>",
        style = page::STYLE,
        base = esc(&sh.base_url),
        now = readable_ts(&sh.clock.kst_timestamp()),
    ))
}
