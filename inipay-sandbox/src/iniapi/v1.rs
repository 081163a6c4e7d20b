//! INIAPI v1 (PROTOCOL.md 4): UTF-8 form requests, JSON replies, lower-case
//! hex SHA-512 `hashData` starting with the INIAPI key.

use super::{
    ChargeReq, NO_SUCH_TXN, RefundReq, Reply, charge, hash_error, inquire, json, mid_error,
    param_error, refund as do_refund,
};
use crate::config::MerchantKeys;
use crate::faults::{Endpoint, GARBLED_BODY, HttpFaults};
use crate::server::{self, Shared};
use crate::wire::{self, Charset, Form};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::Arc;

/// The v1 hash plain text of a request, per service (PROTOCOL.md 4.2-4.5).
pub fn hash_plain(key: &str, f: &Form) -> String {
    let g = |n: &str| f.str(n);
    // Escrow services hash without paymethod (PROTOCOL.md 4.6).
    let escrow_head = format!(
        "{key}{}{}{}{}",
        g("type"),
        g("timestamp"),
        g("clientIp"),
        g("mid")
    );
    match g("type") {
        "Dlv" => return format!("{escrow_head}{}{}{}", g("oid"), g("tid"), g("price")),
        "Dncf" => return format!("{escrow_head}{}", g("originalTid")),
        _ => {}
    }
    let head = format!(
        "{key}{}{}{}{}{}",
        g("type"),
        g("paymethod"),
        g("timestamp"),
        g("clientIp"),
        g("mid")
    );
    match g("type") {
        "Billing" => format!("{head}{}{}{}", g("moid"), g("price"), g("billKey")),
        "Refund" if g("paymethod") == "Vacct" => {
            format!("{head}{}{}", g("tid"), g("refundAcctNum"))
        }
        "Refund" => format!("{head}{}", g("tid")),
        "PartialRefund" if g("paymethod") == "Vacct" => format!(
            "{head}{}{}{}{}",
            g("tid"),
            g("price"),
            g("confirmPrice"),
            g("refundAcctNum")
        ),
        "PartialRefund" => format!("{head}{}{}{}", g("tid"), g("price"), g("confirmPrice")),
        _ => head,
    }
}

/// Decodes the form and checks the common fields, MID and hash.
fn common<'a>(sh: &'a Shared, body: &[u8]) -> Result<(Form, &'a MerchantKeys), Reply> {
    if body.first() == Some(&b'{') {
        return Err(Reply::fail(
            "01",
            "[ER0102][JSON 요청은 지원하지 않습니다 (v1 takes application/x-www-form-urlencoded)]",
        ));
    }
    let f = Form::parse(body, Charset::Utf8).map_err(|_| param_error("body"))?;
    let escrow = matches!(f.str("type"), "Dlv" | "Dncf");
    for n in [
        "type",
        "paymethod",
        "timestamp",
        "clientIp",
        "mid",
        "hashData",
    ] {
        if f.str(n).is_empty() && !(escrow && n == "paymethod") {
            return Err(param_error(n));
        }
    }
    let ts = f.str("timestamp");
    if ts.len() != 14 || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return Err(param_error("timestamp"));
    }
    let m = sh
        .merchant(f.str("mid"))
        .filter(|m| m.iniapi_key.is_some())
        .ok_or_else(mid_error)?;
    let key = m.iniapi_key.as_deref().unwrap_or_default();
    let want = wire::sha512_hex(hash_plain(key, &f).as_bytes());
    if !wire::ct_eq_hex(&want, f.str("hashData")) {
        return Err(hash_error());
    }
    Ok((f, m))
}

/// Runs a v1 service under the faults of `endpoints`.
async fn with_faults(
    sh: &Shared,
    endpoints: &[Endpoint],
    run: impl FnOnce(&HttpFaults) -> Reply,
) -> Response {
    let faults = HttpFaults::from(&sh.take_faults_of(endpoints));
    faults.delay(sh).await;
    if faults.http500 {
        return server::http500();
    }
    let reply = run(&faults);
    if faults.garbled {
        return server::respond(
            StatusCode::OK,
            "application/json;charset=UTF-8",
            GARBLED_BODY,
        );
    }
    json(&reply)
}

fn require(f: &Form, names: &[&'static str]) -> Result<(), Reply> {
    for n in names {
        if f.str(n).is_empty() {
            return Err(param_error(n));
        }
    }
    Ok(())
}

/// `POST /api/v1/billing`.
pub(crate) async fn billing(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    let sh2 = sh.clone();
    with_faults(&sh, &[Endpoint::IniapiV1], move |_| {
        let (f, _) = match common(&sh2, &body) {
            Ok(x) => x,
            Err(r) => return r,
        };
        if f.str("type") != "Billing" {
            return param_error("type");
        }
        if !matches!(f.str("paymethod"), "Card" | "HPP") {
            return param_error("paymethod");
        }
        if let Err(r) = require(
            &f,
            &[
                "url",
                "moid",
                "goodName",
                "buyerName",
                "buyerEmail",
                "buyerTel",
                "price",
                "billKey",
            ],
        ) {
            return r;
        }
        if f.str("paymethod") == "Card" && f.str("authentification") != "00" {
            return param_error("authentification");
        }
        let mut st = sh2.lock();
        charge(
            &sh2,
            &mut st,
            &ChargeReq {
                mid: f.str("mid"),
                paymethod: f.str("paymethod"),
                moid: f.str("moid"),
                price: f.str("price"),
                billkey: f.str("billKey"),
                goods: f.str("goodName"),
                buyer: f.str("buyerName"),
                quota: f.str("cardQuota"),
            },
        )
    })
    .await
}

/// `POST /api/v1/refund` (`type=Refund` or `PartialRefund`).
pub(crate) async fn refund_v1(sh: Arc<Shared>, body: Bytes) -> Response {
    let sh2 = sh.clone();
    with_faults(&sh, &[Endpoint::IniapiV1], move |_| {
        let (f, m) = match common(&sh2, &body) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let partial = match f.str("type") {
            "Refund" => false,
            "PartialRefund" => true,
            _ => return param_error("type"),
        };
        if let Err(r) = require(&f, &["tid", "msg"]) {
            return r;
        }
        let vacct = f.str("paymethod") == "Vacct";
        if vacct {
            if let Err(r) = require(&f, &["refundAcctNum", "refundBankCode", "refundAcctName"]) {
                return r;
            }
            let (k, iv) = (
                m.iniapi_key.as_deref().unwrap_or_default(),
                m.iniapi_iv.as_deref().unwrap_or_default(),
            );
            match wire::aes128_decrypt_b64(k.as_bytes(), iv.as_bytes(), f.str("refundAcctNum")) {
                Ok(acct)
                    if !acct.is_empty()
                        && acct.bytes().all(|b| b.is_ascii_digit() || b == b'-') => {}
                _ => return param_error("refundAcctNum ([ENC] AES-128-CBC)"),
            }
        }
        let amounts = if partial {
            let p = f.str("price").parse::<u64>();
            let c = f.str("confirmPrice").parse::<u64>();
            match (p, c) {
                (Ok(p), Ok(c)) => Some((p, c)),
                (Err(_), _) => return param_error("price"),
                (_, Err(_)) => return param_error("confirmPrice"),
            }
        } else {
            None
        };
        let mut st = sh2.lock();
        do_refund(
            &sh2,
            &mut st,
            &RefundReq {
                mid: f.str("mid"),
                tid: f.str("tid"),
                paymethod: Some(f.str("paymethod")),
                vacct,
                partial: amounts,
            },
        )
    })
    .await
}

/// Axum handler for `/api/v1/refund`.
pub(crate) async fn refund(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    refund_v1(sh, body).await
}

/// `POST /api/v1/escrow` (PROTOCOL.md 4.6, one source): `type=Dlv`
/// registers the delivery of an escrow payment (`oid`, `tid` and `price` must
/// match it), `type=Dncf` confirms the buyer's refusal (`originalTid`) and
/// cancels the payment. Replies are JSON like the other v1 services (I: g7
/// also accepts key=value text from escrow endpoints).
pub(crate) async fn escrow(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    let sh2 = sh.clone();
    with_faults(&sh, &[Endpoint::IniapiV1], move |_| {
        let (f, _) = match common(&sh2, &body) {
            Ok(x) => x,
            Err(r) => return r,
        };
        let mut st = sh2.lock();
        match f.str("type") {
            "Dlv" => {
                if let Err(r) = require(&f, &["oid", "tid", "price"]) {
                    return r;
                }
                super::escrow_delivery(
                    &sh2,
                    &mut st,
                    f.str("mid"),
                    f.str("tid"),
                    f.str("oid"),
                    f.str("price"),
                )
            }
            "Dncf" => {
                if let Err(r) = require(&f, &["originalTid"]) {
                    return r;
                }
                super::escrow_refusal(&sh2, &mut st, f.str("mid"), f.str("originalTid"))
            }
            _ => param_error("type"),
        }
    })
    .await
}

/// `POST /api/v1/extra` (`type=Extra`, `paymethod=Inquiry`, PROTOCOL.md
/// 4.5), under the `IniapiV1` and `Inquiry` faults. Found: `resultCode`
/// `00`, `tid` (the approval TID, also when asked by a partial-cancel TID),
/// `oid`, `price` (the approved amount), `remainPrice` (what is left after
/// partial refunds), `status`, `paymethod`, `applDate`, `applTime`,
/// `applNum`. Unknown (or another MID's): `resultCode` `01` with `status`
/// `9`.
pub(crate) async fn extra(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    let sh2 = sh.clone();
    with_faults(
        &sh,
        &[Endpoint::IniapiV1, Endpoint::Inquiry],
        move |faults| {
            let (f, _) = match common(&sh2, &body) {
                Ok(x) => x,
                Err(r) => return r,
            };
            if f.str("type") != "Extra" {
                return param_error("type");
            }
            if f.str("paymethod") != "Inquiry" {
                return param_error("paymethod");
            }
            if f.str("originalTid").is_empty() && f.str("oid").is_empty() {
                return param_error("originalTid");
            }
            let st = sh2.lock();
            match inquire(
                &st,
                f.str("mid"),
                f.str("originalTid"),
                f.str("oid"),
                faults,
            ) {
                Err(status) => {
                    let mut r = Reply::fail("01", NO_SUCH_TXN);
                    r.0.push(("status", status));
                    r
                }
                Ok(t) => Reply(vec![
                    ("resultCode", "00".into()),
                    ("resultMsg", "정상처리되었습니다.".into()),
                    ("tid", t.tid),
                    ("oid", t.oid),
                    ("price", t.price.to_string()),
                    ("remainPrice", t.remaining.to_string()),
                    ("status", t.status),
                    ("paymethod", t.paymethod.into()),
                    ("applDate", t.auth_dt[..8].to_owned()),
                    ("applTime", t.auth_dt[8..].to_owned()),
                    ("applNum", t.auth_no),
                ]),
            }
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escrow_plain_texts_leave_paymethod_out() {
        let f = Form::from_pairs([
            ("type", "Dlv"),
            ("paymethod", "Card"),
            ("timestamp", "20240101120000"),
            ("clientIp", "192.0.0.1"),
            ("mid", "iniescrow0"),
            ("oid", "O1"),
            ("tid", "T1"),
            ("price", "1000"),
        ]);
        assert_eq!(
            hash_plain("K", &f),
            "KDlv20240101120000192.0.0.1iniescrow0O1T11000"
        );
        let f = Form::from_pairs([
            ("type", "Dncf"),
            ("timestamp", "20240101120000"),
            ("clientIp", "192.0.0.1"),
            ("mid", "iniescrow0"),
            ("originalTid", "T1"),
        ]);
        assert_eq!(
            hash_plain("K", &f),
            "KDncf20240101120000192.0.0.1iniescrow0T1"
        );
    }

    #[test]
    fn v7_to_v11_plain_texts() {
        let f = Form::from_pairs([
            ("type", "Billing"),
            ("paymethod", "Card"),
            ("timestamp", "20240101120000"),
            ("clientIp", "192.0.0.1"),
            ("mid", "INIBillTst"),
            ("moid", "INIBillTst_20240101120000"),
            ("price", "1000"),
            ("billKey", "734f880246ece4ffdba841c1436399c9968d32cc"),
        ]);
        assert_eq!(
            wire::sha512_hex(hash_plain("rKnPljRn5m6J9Mzz", &f).as_bytes()),
            "5221a587e945accefb10c6a1074a6255111e2fb82c8f692de7d8c21369013724db8e371f929aabf06a0b0149ba8d1e191d07ec50943267ec629c2c774f0f5fbd"
        );
        let base = [
            ("paymethod", "Card"),
            ("timestamp", "20240101120000"),
            ("clientIp", "192.0.0.1"),
            ("mid", "INIpayTest"),
            ("tid", "StdpayCARDINIpayTest20210101111111111111"),
            ("price", "500"),
            ("confirmPrice", "500"),
        ];
        let mut refund = Form::from_pairs(base);
        refund.merge_missing(Form::from_pairs([("type", "Refund")]));
        assert_eq!(
            wire::sha512_hex(hash_plain("ItEQKi3rY7uvDS8l", &refund).as_bytes()),
            "1a6d92c3e4a67d3b31be1395b908591082802218a678ae3d5d9d9329dd0ddd09af6a88da254613eececd456f67b0ca576a5366a1e1164c9c39e3546523103d59"
        );
        let mut partial = Form::from_pairs(base);
        partial.merge_missing(Form::from_pairs([("type", "PartialRefund")]));
        assert_eq!(
            wire::sha512_hex(hash_plain("ItEQKi3rY7uvDS8l", &partial).as_bytes()),
            "a66b0a5dc8c30b885536339ad0d215ef211301ef7f97483c1f273fd0ea929fb68f75609ff26d1adfdf9572a40be1b5f61579c7caf4745f62caeeca577efddc93"
        );
        let vacct = Form::from_pairs([
            ("type", "Refund"),
            ("paymethod", "Vacct"),
            ("timestamp", "20240101120000"),
            ("clientIp", "192.0.0.1"),
            ("mid", "INIpayTest"),
            ("tid", "INIMX_VBNKINIpayTest20160504112903950668"),
            ("refundAcctNum", "qwMHVJqsmXKoR+d8wQTS4g=="),
        ]);
        assert_eq!(
            wire::sha512_hex(hash_plain("ItEQKi3rY7uvDS8l", &vacct).as_bytes()),
            "ab0bda87f27a712ccb9a3310f6c0d9acf03385c14daeac200608e87aaadc47d312df86e9dbd678c909b7ce372486b3e346e07d0e5622fdf5929d7d6a4e4faf61"
        );
        let inq = Form::from_pairs([
            ("type", "Extra"),
            ("paymethod", "Inquiry"),
            ("timestamp", "20240101120000"),
            ("clientIp", "192.0.0.1"),
            ("mid", "INIpayTest"),
            ("originalTid", "x"),
        ]);
        assert_eq!(
            wire::sha512_hex(hash_plain("ItEQKi3rY7uvDS8l", &inq).as_bytes()),
            "d858b62f64c2e6f7b42db0ea17c09d201389f8960de649bb57f8672e6410bae9bc885a4704cc6fff67f82ea71f148d20b31010954b67a0937c9960c38319c557"
        );
    }
}
