//! INIAPI v2 (PROTOCOL.md 5): JSON envelope, `hashData = hex(SHA-512(key ‖
//! mid ‖ type ‖ timestamp ‖ JSON(data)))` where `JSON(data)` is the compact
//! form of `data` as sent, with Unicode and `/` unescaped (the PHP samples),
//! or with every backslash removed (the Node sample); both are accepted.
//!
//! Services: `billing`, `refund`, `partialRefund`, `refund/vacct`,
//! `partialRefund/vacct`, `inquiry` and `receipt` (cash receipt, 5.7).

use super::{
    ChargeReq, RefundReq, Reply, charge, hash_error, json, mid_error, param_error, refund,
};
use crate::faults::{Endpoint, GARBLED_BODY, HttpFaults};
use crate::server::{self, Shared};
use crate::wire;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::sync::Arc;

/// Compacts JSON text as PHP `json_encode(.., JSON_UNESCAPED_UNICODE)` +
/// `str_replace('\/', '/')` would print it: whitespace outside strings
/// removed, `\/` -> `/`, `\uXXXX` of printable non-ASCII -> the character.
/// Key order and every other escape stay as sent.
pub fn canonical_json(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        if !in_str {
            if c.is_whitespace() {
                continue;
            }
            if c == '"' {
                in_str = true;
            }
            out.push(c);
            continue;
        }
        match c {
            '"' => {
                in_str = false;
                out.push(c);
            }
            '\\' => match chars.next() {
                Some('/') => out.push('/'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let cp = u32::from_str_radix(&hex, 16).ok();
                    let decoded = match cp {
                        Some(hi @ 0xD800..=0xDBFF) => {
                            // A surrogate pair: expect \uDC00-\uDFFF next.
                            let mut look = chars.clone();
                            if look.next() == Some('\\') && look.next() == Some('u') {
                                let lo_hex: String = look.by_ref().take(4).collect();
                                match u32::from_str_radix(&lo_hex, 16) {
                                    Ok(lo @ 0xDC00..=0xDFFF) => {
                                        chars = look;
                                        char::from_u32(
                                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00),
                                        )
                                    }
                                    _ => None,
                                }
                            } else {
                                None
                            }
                        }
                        Some(cp) if cp >= 0x80 => char::from_u32(cp),
                        _ => None,
                    };
                    match decoded {
                        Some(ch) => out.push(ch),
                        None => {
                            out.push_str("\\u");
                            out.push_str(&hex);
                        }
                    }
                }
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct Envelope {
    #[serde(default)]
    mid: String,
    #[serde(rename = "type", default)]
    ty: String,
    #[serde(default)]
    timestamp: String,
    #[serde(default)]
    clientIp: String,
    #[serde(default)]
    paymethod: String,
    data: Option<Box<RawValue>>,
    #[serde(default)]
    hashData: String,
}

/// Field of `data` as a string (numbers accepted too).
fn field(data: &serde_json::Map<String, serde_json::Value>, k: &str) -> String {
    match data.get(k) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// `POST /v2/pg/{service}`.
pub(crate) async fn dispatch(
    State(sh): State<Arc<Shared>>,
    Path(service): Path<String>,
    body: Bytes,
) -> Response {
    let endpoints: &[Endpoint] = if service == "inquiry" {
        &[Endpoint::IniapiV2, Endpoint::Inquiry]
    } else {
        &[Endpoint::IniapiV2]
    };
    let faults = HttpFaults::from(&sh.take_faults_of(endpoints));
    faults.delay(&sh).await;
    if faults.http500 {
        return server::http500();
    }
    let reply = handle(&sh, &service, &body, &faults);
    if faults.garbled {
        return server::respond(
            StatusCode::OK,
            "application/json;charset=UTF-8",
            GARBLED_BODY,
        );
    }
    match reply {
        Out::Flat(r) => json(&r),
        Out::Inquiry(r) => server::respond(
            StatusCode::OK,
            "application/json;charset=UTF-8",
            serde_json::to_vec(&r).unwrap_or_default(),
        ),
    }
}

/// A v2 reply: flat string fields, or the nested inquiry reply.
enum Out {
    Flat(Reply),
    Inquiry(Box<InquiryReply>),
}

impl From<Reply> for Out {
    fn from(r: Reply) -> Out {
        Out::Flat(r)
    }
}

/// The v2 inquiry reply (PROTOCOL.md 5.6 field names, from consumer models).
/// `transactionStatus` takes the v1 `status` values and `depositStatus` is
/// `N` / `Y` / `C` (the sandbox's choice: the real value sets are unknown,
/// 8.13). The names inside `partCancelTransInfo` are the sandbox's invention.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InquiryReply {
    result_code: &'static str,
    result_msg: &'static str,
    #[serde(flatten)]
    found: Option<Found>,
    transaction_status: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Found {
    tid: String,
    mid: String,
    oid: String,
    price: String,
    goods_name: String,
    paymethod: &'static str,
    approved_date: String,
    approved_time: String,
    buyer_name: String,
    available_part_cancel: &'static str,
    available_part_cancel_price: String,
    part_cancel_trans_info: Vec<PartCancel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vacct_info: Option<VacctInfo>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PartCancel {
    part_cancel_tid: String,
    part_cancel_price: String,
    remain_price: String,
    part_cancel_date: String,
    part_cancel_time: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VacctInfo {
    account_number: String,
    bank_code: String,
    bank_name: &'static str,
    account_name: String,
    valid_date: String,
    deposit_status: &'static str,
    deposit_amount: String,
    deposit_date: String,
    deposit_time: String,
}

fn inquiry_reply(r: Result<super::Inquired, String>) -> InquiryReply {
    let t = match r {
        Err(status) => {
            return InquiryReply {
                result_code: "01",
                result_msg: super::NO_SUCH_TXN,
                found: None,
                transaction_status: status,
            };
        }
        Ok(t) => t,
    };
    let (date, time) = super::split_ts(&t.auth_dt);
    let open = t.status == "0" || t.status == "Y";
    InquiryReply {
        result_code: "00",
        result_msg: "정상처리되었습니다.",
        transaction_status: t.status,
        found: Some(Found {
            tid: t.tid,
            mid: t.mid,
            oid: t.oid,
            price: t.price.to_string(),
            goods_name: t.goods,
            paymethod: t.paymethod,
            approved_date: date,
            approved_time: time,
            buyer_name: t.buyer,
            available_part_cancel: if open && t.remaining > 0 { "Y" } else { "N" },
            available_part_cancel_price: t.remaining.to_string(),
            part_cancel_trans_info: t
                .partials
                .into_iter()
                .map(|c| {
                    let (date, time) = super::split_ts(&c.at);
                    PartCancel {
                        part_cancel_tid: c.tid,
                        part_cancel_price: c.price.to_string(),
                        remain_price: c.remains.to_string(),
                        part_cancel_date: date,
                        part_cancel_time: time,
                    }
                })
                .collect(),
            vacct_info: t.vacct.map(|v| {
                let (date, time) = if v.deposited_at.len() == 14 {
                    super::split_ts(&v.deposited_at)
                } else {
                    (String::new(), String::new())
                };
                VacctInfo {
                    bank_name: crate::mobile::page::code_name(
                        crate::mobile::page::BANKS,
                        &v.bank_code,
                    ),
                    account_number: v.account,
                    bank_code: v.bank_code,
                    account_name: v.holder,
                    valid_date: v.valid,
                    deposit_status: v.deposit_status,
                    deposit_amount: v.deposit_amount.to_string(),
                    deposit_date: date,
                    deposit_time: time,
                }
            }),
        }),
    }
}

fn handle(sh: &Shared, service: &str, body: &[u8], faults: &HttpFaults) -> Out {
    let Ok(env) = serde_json::from_slice::<Envelope>(body) else {
        return param_error("body (JSON)").into();
    };
    let expected_type = match service {
        "billing" => "billing",
        "refund" | "refund/vacct" => "refund",
        "partialRefund" | "partialRefund/vacct" => "partialRefund",
        "inquiry" => "inquiry",
        "receipt" => "receipt",
        _ => {
            return Reply::fail(
                "01",
                "[ER0100][지원하지 않는 서비스 (service not simulated)]",
            )
            .into();
        }
    };
    for (n, v) in [
        ("mid", &env.mid),
        ("type", &env.ty),
        ("timestamp", &env.timestamp),
        ("clientIp", &env.clientIp),
        ("hashData", &env.hashData),
    ] {
        if v.is_empty() {
            return param_error(n).into();
        }
    }
    if env.ty != expected_type {
        return param_error("type").into();
    }
    let Some(raw) = env.data.as_ref() else {
        return param_error("data").into();
    };
    let Some(m) = sh.merchant(&env.mid).filter(|m| m.iniapi_key.is_some()) else {
        return mid_error().into();
    };
    let key = m.iniapi_key.as_deref().unwrap_or_default();
    let canon = canonical_json(raw.get());
    let head = format!("{key}{}{}{}", env.mid, env.ty, env.timestamp);
    let php = wire::sha512_hex(format!("{head}{canon}").as_bytes());
    let node = wire::sha512_hex(format!("{head}{}", canon.replace('\\', "")).as_bytes());
    if !(wire::ct_eq_hex(&php, &env.hashData) | wire::ct_eq_hex(&node, &env.hashData)) {
        return hash_error().into();
    }
    let Ok(data) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(raw.get())
    else {
        return param_error("data").into();
    };
    let g = |k: &str| field(&data, k);
    let mut st = sh.lock();
    Out::Flat(match service {
        "billing" => {
            for n in [
                "moid",
                "goodName",
                "buyerName",
                "buyerEmail",
                "buyerTel",
                "price",
                "billKey",
            ] {
                if g(n).is_empty() {
                    return param_error(n).into();
                }
            }
            let pm = if env.paymethod.is_empty() {
                "Card".to_owned()
            } else {
                env.paymethod.clone()
            };
            let (moid, price, billkey, goods, buyer, quota) = (
                g("moid"),
                g("price"),
                g("billKey"),
                g("goodName"),
                g("buyerName"),
                g("cardQuota"),
            );
            charge(
                sh,
                &mut st,
                &ChargeReq {
                    mid: &env.mid,
                    paymethod: &pm,
                    moid: &moid,
                    price: &price,
                    billkey: &billkey,
                    goods: &goods,
                    buyer: &buyer,
                    quota: &quota,
                },
            )
        }
        "refund" | "refund/vacct" | "partialRefund" | "partialRefund/vacct" => {
            let tid = g("tid");
            if tid.is_empty() {
                return param_error("tid").into();
            }
            let vacct = service.ends_with("/vacct");
            if vacct {
                for n in ["refundAcctNum", "refundBankCode", "refundAcctName"] {
                    if g(n).is_empty() {
                        return param_error(n).into();
                    }
                }
                let iv = m.iniapi_iv.as_deref().unwrap_or_default();
                if wire::aes128_decrypt_b64(key.as_bytes(), iv.as_bytes(), &g("refundAcctNum"))
                    .is_err()
                {
                    return param_error("refundAcctNum ([ENC] AES-128-CBC)").into();
                }
            }
            let partial = if service.starts_with("partialRefund") {
                match (g("price").parse::<u64>(), g("confirmPrice").parse::<u64>()) {
                    (Ok(p), Ok(c)) => Some((p, c)),
                    (Err(_), _) => return param_error("price").into(),
                    (_, Err(_)) => return param_error("confirmPrice").into(),
                }
            } else {
                None
            };
            refund(
                sh,
                &mut st,
                &RefundReq {
                    mid: &env.mid,
                    tid: &tid,
                    paymethod: None,
                    vacct,
                    partial,
                },
            )
        }
        "receipt" => {
            let iv = m.iniapi_iv.as_deref().unwrap_or_default();
            super::receipt(sh, &mut st, &env.mid, key, iv, &g)
        }
        _ => {
            return Out::Inquiry(Box::new(inquiry_reply(super::inquire(
                &st,
                &env.mid,
                &g("tid"),
                &g("oid"),
                faults,
            ))));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const V12_DATA: &str = r#"{"url":"www.inicis.com","moid":"INIBillTst_20240101120000","goodName":"테스트상품","buyerName":"홍길동","buyerEmail":"test@test.com","buyerTel":"01012345678","price":"1000","billKey":"734f880246ece4ffdba841c1436399c9968d32cc","authentification":"00","cardQuota":"00","quotaInterest":"0"}"#;

    #[test]
    fn v12_to_v15() {
        let h = |plain: String| wire::sha512_hex(plain.as_bytes());
        assert_eq!(
            h(format!(
                "rKnPljRn5m6J9MzzINIBillTstbilling20240101120000{}",
                canonical_json(V12_DATA)
            )),
            "f9facbe185be1010814e8df07711ac000dbe5a28421e7ba7aa4300b6042de5d4e4d240224e8249bf04157349914fb58eca0c0b70cf575e1db4c0d5b80deaf1bc"
        );
        assert_eq!(
            h(format!(
                "ItEQKi3rY7uvDS8lINIpayTestrefund20240101120000{}",
                canonical_json(
                    r#"{"tid":"StdpayCARDINIpayTest20210101111111111111","msg":"거래취소요청"}"#
                )
            )),
            "544b407da4fc36858d0d36286607d2bf8e174994fee0f62aa39b92a2512a936ebba55a2ebe6872dc16d03e57ec260f80bfc1303662af7bf8b61ed254345f6a49"
        );
        assert_eq!(
            h(format!(
                "ItEQKi3rY7uvDS8lINIpayTestpartialRefund20240101120000{}",
                canonical_json(
                    r#"{"tid":"StdpayCARDINIpayTest20210101111111111111","msg":"부분취소","price":"700","confirmPrice":"300","currency":"WON","tax":"0","taxfree":"0"}"#
                )
            )),
            "5af2493e56be62d414fc67273b42313e5b94d18287797b28caa6a32de258bb49473985d5b8b031b883ccb9e8bb018867b32bcf995f78b50437bc745fc84d5371"
        );
        assert_eq!(
            h(format!(
                "ItEQKi3rY7uvDS8lINIpayTestinquiry20240101120000{}",
                canonical_json(r#"{"tid":"StdpayCARDINIpayTest20210101111111111111"}"#)
            )),
            "0f4b4f411960a92f048d9bbd8a9cc9524912d67b7f751fa7bf2458b60533e1efc1729cb30fd6867c95fd7a4bd1a7e9b376d1eadb8e529d776b32efb11c8efaf4"
        );
    }

    #[test]
    fn php_escaped_body_canonicalises_to_the_same_text() {
        // What PHP's json_encode without flags puts in the body.
        let escaped = "{ \"url\" : \"https:\\/\\/x\", \"n\":\"\\ud14c\\uc2a4\\ud2b8\", \"e\":\"\\ud83d\\ude00\", \"q\":\"a\\\"b\", \"c\":\"\\u0041\" }";
        assert_eq!(
            canonical_json(escaped),
            "{\"url\":\"https://x\",\"n\":\"테스트\",\"e\":\"😀\",\"q\":\"a\\\"b\",\"c\":\"\\u0041\"}"
        );
    }

    proptest::proptest! {
        #[test]
        fn canonical_never_panics(s in "\\PC{0,80}") {
            let _ = canonical_json(&s);
        }

        #[test]
        fn arbitrary_bodies_give_a_reply(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = serde_json::from_slice::<Envelope>(&bytes);
        }
    }
}
