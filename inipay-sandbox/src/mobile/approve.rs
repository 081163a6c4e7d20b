//! Approval (`/smart/payReq.ini`, PROTOCOL.md 2.5) and net-cancel
//! (`/smart/payNetCancel.ini`, 2.8): key=value replies in the session charset.

use super::page::{self, BANKS, CARDS, CARRIERS};
use crate::config::RepeatApproval;
use crate::faults::{Endpoint, GARBLED_BODY, HttpFaults};
use crate::noti;
use crate::server::{self, Shared};
use crate::state::{
    Billkey, CardOutcome, CashReceipt, Method, Origin, SessionState, State as Mem, Txn, TxnStatus,
    VbankInfo,
};
use crate::wire::{self, Charset, Form};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::Arc;

/// `P_RMESG1` of a successful approval.
pub const APPROVAL_OK_MSG: &str = "성공적으로 처리 하였습니다.";

/// Result of approving a session.
#[derive(Debug, Clone)]
pub(crate) struct ApprovalOutcome {
    pub approved: bool,
    pub tid: Option<String>,
    pub reply: Vec<(&'static str, String)>,
}

fn kv_response(pairs: &[(&str, String)], charset: Charset) -> Response {
    server::respond(
        StatusCode::OK,
        &format!("text/plain; charset={}", charset.http_name()),
        wire::encode_kv_reply(pairs, charset),
    )
}

fn failure(msg: &str) -> Vec<(&'static str, String)> {
    vec![("P_STATUS", "01".into()), ("P_RMESG1", msg.into())]
}

/// Approves an authenticated session: creates the transaction (or the
/// decline) and returns the reply fields. The caller holds the state lock.
pub(crate) fn approve_session(sh: &Shared, st: &mut Mem, auth_tid: &str) -> ApprovalOutcome {
    let Some(sess) = st.sessions.get(auth_tid) else {
        return ApprovalOutcome {
            approved: false,
            tid: None,
            reply: failure("거래정보가 없습니다. (unknown P_TID)"),
        };
    };
    let req = sess.req.clone();
    let choice = sess.choice.clone();
    let now = sh.clock.kst_timestamp();
    let method = req.method;
    let common_head = |tid: &str, status: &str, msg: &str| -> Vec<(&'static str, String)> {
        vec![
            ("P_STATUS", status.into()),
            ("P_RMESG1", msg.into()),
            ("P_TID", tid.into()),
            ("P_TYPE", method.p_type().into()),
            ("P_AUTH_DT", now.clone()),
        ]
    };
    if let Some(o @ (CardOutcome::Decline | CardOutcome::InsufficientFunds)) = choice.outcome {
        let msg = if o == CardOutcome::Decline {
            "[카드사 승인거절] 거래가 거절되었습니다. (declined by the card company)"
        } else {
            "[잔액부족] 결제 가능 금액이 부족합니다. (insufficient funds)"
        };
        let mut reply = common_head("", "01", msg);
        reply.extend([
            ("P_MID", req.mid.clone()),
            ("P_OID", req.oid.clone()),
            ("P_AMT", req.amt.to_string()),
        ]);
        if let Some(s) = st.sessions.get_mut(auth_tid) {
            s.state = SessionState::Declined;
        }
        return ApprovalOutcome {
            approved: false,
            tid: None,
            reply,
        };
    }

    let tid = sh.tid(method.tid_prefix(choice.isp), &req.mid);
    let auth_no = if method == Method::Card {
        sh.digits(8)
    } else {
        String::new()
    };
    let fn_name = match method {
        Method::Card => page::code_name(CARDS, &choice.fn_code),
        Method::Bank | Method::Vbank => page::code_name(BANKS, &choice.fn_code),
        Method::Mobile => page::code_name(CARRIERS, &choice.carrier),
        _ => "",
    };
    let mut reply = common_head(&tid, "00", APPROVAL_OK_MSG);
    reply.extend([
        ("P_AUTH_NO", auth_no.clone()),
        ("P_MID", req.mid.clone()),
        ("P_OID", req.oid.clone()),
        ("P_AMT", req.amt.to_string()),
        ("P_UNAME", req.uname.clone()),
        ("P_MNAME", req.mname.clone()),
        ("P_NOTI", req.noti.clone()),
        ("P_NEXT_URL", req.next_url.clone()),
        ("P_NOTEURL", req.noti_url.clone()),
        (
            "P_RMESG2",
            if method == Method::Card {
                choice.quota.clone()
            } else {
                String::new()
            },
        ),
        ("P_FN_CD1", choice.fn_code.clone()),
        ("P_FN_NM", fn_name.into()),
    ]);
    let mut vbank = None;
    let mut status = TxnStatus::Approved;
    let mut cash_receipt = choice.cash_receipt.clone();
    match method {
        Method::Card => {
            reply.extend([
                ("P_CARD_NUM", choice.card_masked.clone()),
                ("P_CARD_ISSUER_CODE", choice.fn_code.clone()),
                ("P_CARD_ISSUER_NAME", fn_name.into()),
                ("P_CARD_PURCHASE_CODE", choice.fn_code.clone()),
                ("P_CARD_PURCHASE_NAME", fn_name.into()),
                ("P_CARD_MEMBER_NUM", String::new()),
                ("P_CARD_PRTC_CODE", "1".into()),
                ("P_CARD_INTEREST", "0".into()),
                ("P_CARD_CHECKFLAG", "0".into()),
                ("P_CARD_APPLPRICE", req.amt.to_string()),
                ("CARD_CorpFlag", "0".into()),
                ("EventCode", String::new()),
                ("P_MERCHANT_RESERVED", "dXNlcG9pbnQ9MCY=".into()),
            ]);
            if choice.isp {
                reply.push(("P_ISP_CARDCODE", format!("0502{}", sh.digits(11))));
            }
        }
        Method::Vbank => {
            let (date, time) = match &req.vbank_deadline {
                Some((d, t)) => (
                    d.clone(),
                    if t == "0000" {
                        "235959".into()
                    } else {
                        format!("{t}59")
                    },
                ),
                None => {
                    let later = wire_days_later(sh.clock.now_millis(), 10);
                    (later[..8].to_owned(), "235959".to_owned())
                }
            };
            let info = VbankInfo {
                account: format!("562{}", sh.digits(11)),
                bank_code: choice.fn_code.clone(),
                date,
                time,
                holder: "이니시스㈜테스트입".into(),
                deposited: false,
                deposited_at: String::new(),
            };
            reply.extend([
                ("P_VACT_NUM", info.account.clone()),
                ("P_VACT_DATE", info.date.clone()),
                ("P_VACT_TIME", info.time.clone()),
                ("P_VACT_NAME", info.holder.clone()),
                ("P_VACT_BANK_CODE", info.bank_code.clone()),
            ]);
            vbank = Some(info);
            status = TxnStatus::VbankWaiting;
            // Asked for with vbank_receipt=Y: announced now, issued (with
            // its approval number) only at deposit (PROTOCOL.md 2.5, 2.6).
            if let Some(c) = &cash_receipt {
                reply.extend(cash_receipt_fields(c));
            }
        }
        Method::Mobile => {
            reply.extend([
                ("P_HPP_CORP", choice.carrier.clone()),
                ("P_HPP_NUM", choice.phone.clone()),
            ]);
            if req.flag("hpp_bill") {
                let key = new_billkey(sh);
                st.billkeys.insert(
                    key.clone(),
                    Billkey {
                        key: key.clone(),
                        mid: req.mid.clone(),
                        oid: req.oid.clone(),
                        paymethod: "HPP",
                        code: choice.carrier.clone(),
                        masked: mask_phone(&choice.phone),
                        fixed_amount: Some(req.amt),
                        charges: 0,
                    },
                );
                reply.push(("P_HPP_BILLKEY", key));
            }
        }
        Method::Bank => {
            if let Some(c) = cash_receipt.as_mut() {
                c.issued_at = now.clone();
                c.auth_no = sh.digits(9);
                reply.extend(cash_receipt_fields(c));
            }
        }
        Method::Culture | Method::Hpmn | Method::Dgcl => {}
    }
    let txn = Txn {
        tid: tid.clone(),
        auth_tid: auth_tid.to_owned(),
        mid: req.mid.clone(),
        oid: req.oid.clone(),
        method,
        isp: choice.isp,
        origin: Origin::Mobile,
        amount: req.amt,
        remaining: req.amt,
        partial_cancels: 0,
        status,
        auth_dt: now.clone(),
        auth_no,
        fn_code: if method == Method::Mobile {
            choice.carrier.clone()
        } else {
            choice.fn_code.clone()
        },
        card_masked: choice.card_masked.clone(),
        quota: choice.quota.clone(),
        goods: req.goods.clone(),
        buyer: req.uname.clone(),
        vbank,
        noti_url: req.noti_url.clone(),
        p_noti: req.noti.clone(),
        charset: req.charset,
        cancels: Vec::new(),
        cash_receipt,
        escrow: req
            .flag("useescrow")
            .then_some(crate::state::Escrow::AwaitingDelivery),
    };
    st.insert_txn(txn);
    if let Some(s) = st.sessions.get_mut(auth_tid) {
        s.state = SessionState::Approved(tid.clone());
    }
    if method == Method::Vbank {
        let fields = noti::vbank_fields(sh, st, &tid, "00");
        noti::enqueue(
            sh,
            st,
            &tid,
            "00",
            &req.noti_url,
            fields,
            noti::noti_charset(sh, req.charset),
        );
    }
    ApprovalOutcome {
        approved: true,
        tid: Some(tid),
        reply,
    }
}

/// `P_CSHR_*` approval fields of a cash receipt (PROTOCOL.md 2.5). An issued
/// receipt carries `P_CSHR_DT` and `P_CSHR_AUTH_NO`; a VBANK receipt is only
/// announced at issuance (I: code `220000`, message saying it is issued at
/// deposit) and gets its number in the deposit noti.
pub(crate) fn cash_receipt_fields(c: &CashReceipt) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("P_CSHR_CODE", "220000".to_owned()),
        (
            "P_CSHR_MSG",
            if c.issued() {
                "현금영수증 발행 성공 (cash receipt issued)".to_owned()
            } else {
                "입금 완료 시 현금영수증 발행 (issued at deposit)".to_owned()
            },
        ),
        ("P_CSHR_AMT", c.amount.to_string()),
        ("P_CSHR_SUP_AMT", c.supply.to_string()),
        ("P_CSHR_TAX", c.tax.to_string()),
        ("P_CSHR_SRVC_AMT", c.service.to_string()),
        ("P_CSHR_TYPE", c.kind.clone()),
    ];
    if c.issued() {
        f.push(("P_CSHR_DT", c.issued_at.clone()));
        f.push(("P_CSHR_AUTH_NO", c.auth_no.clone()));
    }
    f
}

/// The `P_CSHR_*` fields a noti carries (PROTOCOL.md 2.6).
pub(crate) const NOTI_CSHR_FIELDS: [&str; 7] = [
    "P_CSHR_AMT",
    "P_CSHR_SUP_AMT",
    "P_CSHR_TAX",
    "P_CSHR_SRVC_AMT",
    "P_CSHR_TYPE",
    "P_CSHR_DT",
    "P_CSHR_AUTH_NO",
];

/// KST `YYYYMMDDhhmmss` `days` days after `millis`.
fn wire_days_later(millis: u64, days: u64) -> String {
    crate::clock::kst_timestamp(millis + days * 86_400_000)
}

/// A new 40-hex billing key.
pub(crate) fn new_billkey(sh: &Shared) -> String {
    let seed = format!("{}{}", sh.next_random(), sh.next_random());
    wire::sha256_hex(seed.as_bytes())[..40].to_owned()
}

/// `010****5678`-style masking.
pub(crate) fn mask_phone(p: &str) -> String {
    if p.len() < 8 {
        return "*".repeat(p.len());
    }
    format!("{}****{}", &p[..3], &p[p.len() - 4..])
}

/// Noti fields of a 1trs result (PROTOCOL.md 2.6).
pub(crate) fn noti_fields_1trs(
    st: &Mem,
    auth_tid: &str,
    out: &ApprovalOutcome,
) -> Vec<(&'static str, String)> {
    let get = |k: &str| {
        out.reply
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (mid, oid, amt, uname, noti) = match st.sessions.get(auth_tid) {
        Some(s) => (
            s.req.mid.clone(),
            s.req.oid.clone(),
            s.req.amt.to_string(),
            s.req.uname.clone(),
            s.req.noti.clone(),
        ),
        None => Default::default(),
    };
    let mut f = vec![
        ("P_TID", get("P_TID")),
        ("P_MID", mid),
        ("P_AUTH_DT", get("P_AUTH_DT")),
        ("P_STATUS", get("P_STATUS")),
        ("P_TYPE", get("P_TYPE")),
        ("P_OID", oid),
        ("P_FN_CD1", get("P_FN_CD1")),
        ("P_FN_CD2", String::new()),
        ("P_FN_NM", get("P_FN_NM")),
        ("P_AMT", amt),
        ("P_UNAME", uname),
        ("P_RMESG1", get("P_RMESG1")),
        ("P_RMESG2", get("P_RMESG2")),
        ("P_NOTI", noti),
        ("P_AUTH_NO", get("P_AUTH_NO")),
    ];
    if get("P_TYPE") == "CARD" {
        f.extend([
            ("P_CARD_ISSUER_CODE", get("P_CARD_ISSUER_CODE")),
            ("P_CARD_NUM", get("P_CARD_NUM")),
            ("P_PRTC_CODE", get("P_CARD_PRTC_CODE")),
        ]);
    }
    for k in NOTI_CSHR_FIELDS {
        if out.reply.iter().any(|(n, _)| *n == k) {
            f.push((k, get(k)));
        }
    }
    f
}

/// Reads a body form (EUC-KR; these fields are ASCII) merged with the query
/// string (some integrations send P_MID/P_TID as a query on a POST).
fn read_form(body: &[u8], query: Option<&str>) -> Form {
    let mut f = Form::parse(body, Charset::EucKr).unwrap_or_default();
    if let Some(q) = query
        && let Ok(qf) = Form::parse(q.as_bytes(), Charset::EucKr)
    {
        f.merge_missing(qf);
    }
    f
}

/// `POST /smart/payReq.ini` (also GET with a query).
pub(crate) async fn approve(
    State(sh): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let faults = HttpFaults::from(&sh.take_faults(Endpoint::Approval));
    faults.delay(&sh).await;
    if faults.http500 {
        return server::http500();
    }
    let form = read_form(&body, query.as_deref());
    let (mid, tid) = (form.str("P_MID"), form.str("P_TID"));
    if mid.is_empty() || tid.is_empty() {
        return kv_response(
            &failure("P_TID 또는 P_MID 가 없습니다. (P_TID and P_MID are required)"),
            Charset::EucKr,
        );
    }
    let (bytes, charset) = {
        let mut st = sh.lock();
        let Some(sess) = st.sessions.get(tid) else {
            return kv_response(
                &failure("거래정보가 없습니다. (unknown P_TID)"),
                Charset::EucKr,
            );
        };
        let charset = sess.req.charset;
        if sess.req.mid != mid {
            return kv_response(
                &failure("상점아이디가 일치하지 않습니다. (P_MID does not match)"),
                charset,
            );
        }
        let expired = sh.cfg.approval_timeout.is_some_and(|t| {
            let limit = u64::try_from(t.as_millis()).unwrap_or(u64::MAX);
            sh.clock.now_millis().saturating_sub(sess.created_ms) > limit
        });
        if expired && sess.state == SessionState::Authenticated {
            if let Some(s) = st.sessions.get_mut(tid) {
                s.state = SessionState::Failed;
            }
            return kv_response(
                &failure("승인 요청 가능 시간이 지났습니다. (approval window expired)"),
                charset,
            );
        }
        match (&sess.state, &sess.approval_reply) {
            (SessionState::Authenticated, _) => {
                let out = approve_session(&sh, &mut st, tid);
                let pairs = if faults.tamper_amount || faults.tamper_oid {
                    Some(tamper(&out.reply, faults.tamper_amount, faults.tamper_oid))
                } else {
                    None
                };
                let bytes = Arc::new(wire::encode_kv_reply(&out.reply, charset));
                if let Some(s) = st.sessions.get_mut(tid) {
                    s.approval_reply = Some(bytes.clone());
                }
                drop(st);
                sh.noti_wake.notify_one();
                match pairs {
                    Some(p) => (Arc::new(wire::encode_kv_reply(&p, charset)), charset),
                    None => (bytes, charset),
                }
            }
            (SessionState::Approved(_) | SessionState::Declined, Some(prev))
                if sh.cfg.repeat_approval == RepeatApproval::SameReply =>
            {
                (prev.clone(), charset)
            }
            (SessionState::Approved(_) | SessionState::Declined, _) => {
                return kv_response(
                    &failure("이미 승인 처리된 거래입니다. (already approved)"),
                    charset,
                );
            }
            _ => {
                return kv_response(
                    &failure("승인할 수 없는 거래 상태입니다. (transaction not authenticated)"),
                    charset,
                );
            }
        }
    };
    if faults.garbled {
        return server::respond(StatusCode::OK, "text/plain", GARBLED_BODY);
    }
    server::respond(
        StatusCode::OK,
        &format!("text/plain; charset={}", charset.http_name()),
        bytes.as_ref().clone(),
    )
}

fn tamper(
    reply: &[(&'static str, String)],
    amount: bool,
    oid: bool,
) -> Vec<(&'static str, String)> {
    reply
        .iter()
        .map(|(k, v)| match *k {
            "P_AMT" if amount => (
                *k,
                v.parse::<u64>()
                    .map(|a| (a + 1).to_string())
                    .unwrap_or_default(),
            ),
            "P_OID" if oid => (*k, format!("{v}X")),
            _ => (*k, v.clone()),
        })
        .collect()
}

/// `POST /smart/payNetCancel.ini`.
pub(crate) async fn net_cancel(
    State(sh): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let faults = HttpFaults::from(&sh.take_faults(Endpoint::NetCancel));
    faults.delay(&sh).await;
    if faults.http500 {
        return server::http500();
    }
    let form = read_form(&body, query.as_deref());
    let tid = form.str("P_TID");
    let mut st = sh.lock();
    // The auth TID (official sample) or the approval TID.
    let auth_tid = if st.sessions.contains_key(tid) {
        tid.to_owned()
    } else if let Some(t) = st.txns.get(tid) {
        t.auth_tid.clone()
    } else {
        return kv_response(
            &failure("거래정보가 없습니다. (unknown P_TID)"),
            Charset::EucKr,
        );
    };
    let Some(sess) = st.sessions.get(&auth_tid) else {
        return kv_response(
            &failure("거래정보가 없습니다. (unknown P_TID)"),
            Charset::EucKr,
        );
    };
    let (charset, req) = (sess.req.charset, sess.req.clone());
    let state = sess.state.clone();
    for (name, want) in [
        ("P_MID", req.mid.as_str()),
        ("P_OID", req.oid.as_str()),
        ("P_AMT", &req.amt.to_string()),
    ] {
        if form.str(name) != want {
            return kv_response(
                &failure(&format!(
                    "{name} 가 일치하지 않습니다. ({name} does not match)"
                )),
                charset,
            );
        }
    }
    if let Some(chk) = form.get("P_CHKFAKE").filter(|c| !c.is_empty()) {
        let ok = sh
            .merchant(&req.mid)
            .and_then(|m| m.mobile_hash_key.as_ref())
            .is_some_and(|k| {
                wire::ct_eq(
                    &wire::chkfake(
                        form.str("P_AMT"),
                        form.str("P_OID"),
                        form.str("P_TIMESTAMP"),
                        k,
                    ),
                    chk,
                )
            });
        if !ok {
            return kv_response(&failure("[P_CHKFAKE] 검증 실패 (hash mismatch)"), charset);
        }
    }
    let reply_tid = match &state {
        SessionState::Approved(t) => {
            let t = t.clone();
            if let Some(txn) = st.txns.get_mut(&t) {
                if txn.status == TxnStatus::Cancelled {
                    return kv_response(
                        &failure("이미 취소된 거래입니다. (already cancelled)"),
                        charset,
                    );
                }
                txn.status = TxnStatus::NetCancelled;
                txn.remaining = 0;
            }
            t
        }
        SessionState::Authenticated => auth_tid.clone(),
        SessionState::NetCancelled => match st.txns.values().find(|t| t.auth_tid == auth_tid) {
            Some(t) => t.tid.clone(),
            None => auth_tid.clone(),
        },
        _ => {
            return kv_response(
                &failure("취소할 승인 거래가 없습니다. (nothing approved to cancel)"),
                charset,
            );
        }
    };
    if let Some(s) = st.sessions.get_mut(&auth_tid) {
        s.state = SessionState::NetCancelled;
    }
    drop(st);
    if faults.garbled {
        return server::respond(StatusCode::OK, "text/plain", GARBLED_BODY);
    }
    kv_response(
        &[
            ("P_STATUS", "00".into()),
            ("P_RMESG1", "정상처리되었습니다. (net-cancelled)".into()),
            ("P_TID", reply_tid),
        ],
        charset,
    )
}
