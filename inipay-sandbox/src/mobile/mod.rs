//! Mobile WEB payment (PROTOCOL.md 2): the window, its completion (2trs auth
//! result to `P_NEXT_URL`, or the 1trs noti + `P_RETURN_URL`), approval and
//! net-cancel.

pub mod approve;
pub mod page;
pub mod validate;

use crate::faults::{Endpoint, HttpFaults};
use crate::server::{self, Shared};
use crate::state::{
    CardOutcome, CashReceipt, Choice, Method, PaymentRequest, Session, SessionState,
};
use crate::wire::{Charset, Form};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use std::sync::Arc;

/// `P_RMESG1` of a user cancel (PROTOCOL.md 2.4).
pub const USER_CANCEL_MSG: &str = "사용자가 결제를 취소하셨습니다.";
/// `P_RMESG1` of a successful authentication.
pub const AUTH_OK_MSG: &str = "정상 처리 되었습니다.";

/// `POST /smart/payment/`.
pub(crate) async fn payment(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    open_window(&sh, None, &body).await
}

/// `POST /smart/{wcard,bank,vbank,mobile,culture,hpmn,dgcl}/`.
pub(crate) async fn legacy_payment(
    State(sh): State<Arc<Shared>>,
    Path(seg): Path<String>,
    body: Bytes,
) -> Response {
    match Method::from_legacy_path(&seg) {
        Some(m) => open_window(&sh, Some(m), &body).await,
        None => page::error_page(
            None,
            "unknown_method",
            "계약되지 않은 결제수단입니다 (payment method not contracted)",
        ),
    }
}

async fn open_window(sh: &Arc<Shared>, method: Option<Method>, body: &[u8]) -> Response {
    let faults = HttpFaults::from(&sh.take_faults(Endpoint::Payment));
    faults.delay(sh).await;
    if faults.http500 {
        return server::http500();
    }
    let req = match validate::validate(body, method, &sh.cfg) {
        Ok(r) => r,
        Err(e) => return page::error_page(e.code(), e.kind_name(), &e.message()),
    };
    if req.chkfake_failed {
        // PROTOCOL.md 2.3 / 7.3: straight back to P_NEXT_URL, P_STATUS=01, no P_TID.
        let fields = vec![
            ("P_STATUS", "01".to_owned()),
            (
                "P_RMESG1",
                "[P_CHKFAKE] 금액 위변조 검증에 실패했습니다. (amount hash mismatch)".to_owned(),
            ),
            ("P_NOTI", req.noti.clone()),
            ("P_AMT", req.amt.to_string()),
        ];
        return page::auto_submit(&req.next_url, false, &fields, req.charset);
    }
    let session = Session {
        auth_tid: sh.tid("INIMX_AUTH", &req.mid),
        req,
        state: SessionState::Pending,
        choice: Choice::default(),
        created_ms: sh.clock.now_millis(),
        approval_reply: None,
    };
    let resp = page::payment_page(&session);
    sh.lock().sessions.insert(session.auth_tid.clone(), session);
    resp
}

/// Whether this completion is a 1-transaction flow (PROTOCOL.md 2.1).
fn is_one_trs(req: &PaymentRequest, isp: bool) -> bool {
    match req.method {
        Method::Card => isp && !req.flag("twotrs_isp"),
        Method::Bank => !req.flag("twotrs_bank"),
        _ => false,
    }
}

fn mask_card(digits: &str) -> String {
    if digits.len() < 10 {
        return "*".repeat(digits.len());
    }
    format!(
        "{}{}{}",
        &digits[..6],
        "*".repeat(digits.len() - 7),
        &digits[digits.len() - 1..]
    )
}

/// `POST /smart/sandbox/complete`: the tester pressed a button.
pub(crate) async fn complete(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(form) = Form::parse(&body, Charset::Utf8) else {
        return page::error_page(None, "bad_encoding", "잘못된 요청 (bad request)");
    };
    let action = form.str("action").to_owned();
    let mut st = sh.lock();
    let Some(sess) = st.sessions.get_mut(form.str("session")) else {
        return page::error_page(
            None,
            "unknown_session",
            "결제 세션이 없습니다 (no such payment session)",
        );
    };
    if sess.state != SessionState::Pending {
        return page::error_page(
            None,
            "already_completed",
            "이미 처리된 결제입니다 (this payment window was already completed)",
        );
    }
    let req = sess.req.clone();
    let isp = form.str("auth") == "isp";
    let one_trs = is_one_trs(&req, isp);
    let fail = |msg: &str| -> Vec<(&'static str, String)> {
        vec![
            ("P_STATUS", "01".to_owned()),
            ("P_RMESG1", msg.to_owned()),
            ("P_NOTI", req.noti.clone()),
            ("P_AMT", req.amt.to_string()),
        ]
    };
    match action.as_str() {
        "cancel" | "decline" => {
            sess.state = SessionState::Failed;
            let msg = if action == "cancel" {
                USER_CANCEL_MSG
            } else {
                "[V013]인증에 실패하였습니다. (authentication failed)"
            };
            if !req.next_url.is_empty() {
                return page::auto_submit(
                    &req.next_url,
                    req.option("nextUrl") == Some("GET"),
                    &fail(msg),
                    req.charset,
                );
            }
            return page::redirect(&req.return_url);
        }
        "approve" => {}
        _ => return page::error_page(None, "bad_action", "알 수 없는 동작 (unknown action)"),
    }

    let digits: String = form
        .str("card_number")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let mut choice = Choice {
        quota: {
            let q = form.str("quota");
            if q.is_empty() {
                "00".into()
            } else {
                q.to_owned()
            }
        },
        isp,
        ..Choice::default()
    };
    match req.method {
        Method::Card => {
            choice.fn_code = pick(form.str("card_code"), page::CARDS);
            choice.card_masked = mask_card(if digits.is_empty() {
                "4111111111111111"
            } else {
                &digits
            });
            choice.outcome = Some(CardOutcome::of_card_number(&digits));
        }
        Method::Bank | Method::Vbank => {
            choice.fn_code = pick(form.str("bank_code"), page::BANKS);
            if page::offers_cash_receipt(&req) && form.str("cshr") == "Y" {
                let (supply, tax) = CashReceipt::split(req.amt, req.tax, req.taxfree);
                let number: String = form
                    .str("cshr_no")
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect();
                choice.cash_receipt = Some(CashReceipt {
                    kind: if form.str("cshr_type") == "1" {
                        "1"
                    } else {
                        "0"
                    }
                    .into(),
                    number: if number.is_empty() {
                        "0100001234".into()
                    } else {
                        number
                    },
                    amount: req.amt,
                    supply,
                    tax,
                    service: 0,
                    issued_at: String::new(),
                    auth_no: String::new(),
                });
            }
        }
        Method::Mobile => {
            choice.carrier = pick(form.str("carrier"), page::CARRIERS);
            choice.phone = form
                .str("phone")
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
        }
        _ => {}
    }
    sess.choice = choice;
    sess.state = SessionState::Authenticated;
    let auth_tid = sess.auth_tid.clone();

    if one_trs {
        if req.noti_url.is_empty() || req.return_url.is_empty() {
            sess.state = SessionState::Failed;
            return page::error_page(
                None,
                "noti_url_required",
                "ISP/계좌이체 1트랜잭션 결제에는 P_NOTI_URL 과 P_RETURN_URL 이 필요합니다 (P_NOTI_URL and P_RETURN_URL required for 1trs)",
            );
        }
        let out = approve::approve_session(&sh, &mut st, &auth_tid);
        let status = if out.approved { "00" } else { "01" };
        let tid = out.tid.clone().unwrap_or_default();
        let fields = approve::noti_fields_1trs(&st, &auth_tid, &out);
        crate::noti::enqueue(
            &sh,
            &mut st,
            &tid,
            status,
            &req.noti_url,
            fields,
            crate::noti::noti_charset(&sh, req.charset),
        );
        drop(st);
        sh.noti_wake.notify_one();
        return page::redirect(&req.return_url);
    }
    drop(st);
    let mut fields = vec![
        ("P_STATUS", "00".to_owned()),
        ("P_RMESG1", AUTH_OK_MSG.to_owned()),
        ("P_TID", auth_tid),
        ("P_REQ_URL", format!("{}/smart/payReq.ini", sh.base_url)),
        ("P_NOTI", req.noti.clone()),
    ];
    if req.flag("centerCd") {
        fields.push(("idc_name", sh.cfg.idc_name.clone()));
    }
    fields.push(("P_AMT", req.amt.to_string()));
    page::auto_submit(
        &req.next_url,
        req.option("nextUrl") == Some("GET"),
        &fields,
        req.charset,
    )
}

fn pick(v: &str, table: &[(&str, &str)]) -> String {
    if table.iter().any(|(c, _)| *c == v) {
        v.to_owned()
    } else {
        table
            .first()
            .map(|(c, _)| (*c).to_owned())
            .unwrap_or_default()
    }
}

/// See [`crate::Sandbox::__seed_authenticated_card`].
pub(crate) fn seed_authenticated_card(sh: &Shared, mid: &str, oid: &str, amt: u64) -> String {
    let req = PaymentRequest {
        method: Method::Card,
        mid: mid.to_owned(),
        oid: oid.to_owned(),
        amt,
        goods: "테스트상품".into(),
        uname: "홍길동".into(),
        mname: String::new(),
        next_url: "http://127.0.0.1/next".into(),
        noti_url: String::new(),
        return_url: String::new(),
        noti: String::new(),
        charset: Charset::EucKr,
        hpp_method: String::new(),
        mobile: String::new(),
        tax: None,
        taxfree: 0,
        quotabase: Vec::new(),
        vbank_deadline: None,
        reserved: Vec::new(),
        chkfake_failed: false,
    };
    let auth_tid = sh.tid("INIMX_AUTH", mid);
    let s = Session {
        auth_tid: auth_tid.clone(),
        req,
        state: SessionState::Authenticated,
        choice: Choice {
            fn_code: "04".into(),
            card_masked: "411111*********1".into(),
            quota: "00".into(),
            outcome: Some(CardOutcome::Approve),
            ..Choice::default()
        },
        created_ms: sh.clock.now_millis(),
        approval_reply: None,
    };
    sh.lock().sessions.insert(auth_tid.clone(), s);
    auth_tid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_masking() {
        assert_eq!(mask_card("5365101234561238"), "536510*********8");
        assert_eq!(mask_card("123"), "***");
    }
}
