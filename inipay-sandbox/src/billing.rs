//! Billing-key issuance windows (PROTOCOL.md 3): `/inibill/inibill_card.jsp`,
//! `/inibill/inibill_hpp.jsp` (hashdata V1, or V2 with `flg_crypto=Y` and an
//! AES-256-CBC encrypted billkey), and inilitepay `/pay/card/billing`
//! (SHA-512 hashdata V3). The result is POSTed by the browser to the
//! merchant's return URL; billkeys are remembered for INIAPI billing.

use crate::config::BillkeyIv;
use crate::faults::{Endpoint, HttpFaults};
use crate::mobile::approve::{mask_phone, new_billkey};
use crate::mobile::page::{self, CARDS, CARRIERS};
use crate::server::{self, Shared};
use crate::state::{BillKind, BillSession, Billkey};
use crate::wire::{self, Charset, Form, html_escape as esc};
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use std::sync::Arc;

/// `POST /inibill/inibill_card.jsp`.
pub(crate) async fn inibill_card(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    open(&sh, BillKind::InibillCard, &body).await
}

/// `POST /inibill/inibill_hpp.jsp`.
pub(crate) async fn inibill_hpp(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    open(&sh, BillKind::InibillHpp, &body).await
}

/// `POST /pay/card/billing`.
pub(crate) async fn inilitepay(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    open(&sh, BillKind::Inilitepay, &body).await
}

/// Field names per flavour: (orderid, returnurl, goodname, buyername).
fn names(kind: BillKind) -> (&'static str, &'static str, &'static str, &'static str) {
    match kind {
        BillKind::Inilitepay => ("orderId", "returnUrl", "goodName", "buyerName"),
        _ => ("orderid", "returnurl", "goodname", "buyername"),
    }
}

/// Why a billing request is refused (shown as a window error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillError {
    /// A required field is missing.
    Missing(&'static str),
    /// MID unknown or without an INILite key.
    UnknownMid,
    /// `hashdata` does not match.
    HashMismatch,
    /// Letters in `price` or `timestamp`.
    NotNumeric(&'static str),
    /// `returnurl` is not an absolute http(s) URL.
    BadUrl,
}

/// Validates an issuance request (hash formulas of PROTOCOL.md 3.3 and 3.6).
pub fn check_request(
    form: &Form,
    kind: BillKind,
    cfg: &crate::SandboxConfig,
) -> Result<(), BillError> {
    let (oid_n, ret_n, goods_n, buyer_n) = names(kind);
    let crypto = kind != BillKind::Inilitepay && form.str("flg_crypto") == "Y";
    let mut required = vec![
        "mid",
        oid_n,
        "timestamp",
        "hashdata",
        ret_n,
        goods_n,
        buyer_n,
    ];
    if kind == BillKind::Inilitepay || crypto {
        required.push("price");
    }
    for n in required {
        if form.str(n).is_empty() {
            return Err(BillError::Missing(n));
        }
    }
    for n in ["price", "timestamp"] {
        if !form.str(n).bytes().all(|b| b.is_ascii_digit()) {
            return Err(BillError::NotNumeric(n));
        }
    }
    let ret = form.str(ret_n).to_ascii_lowercase();
    if !(ret.starts_with("http://") || ret.starts_with("https://")) {
        return Err(BillError::BadUrl);
    }
    let key = cfg
        .merchant(form.str("mid"))
        .and_then(|m| m.inilite_key.clone())
        .ok_or(BillError::UnknownMid)?;
    let (mid, oid, ts, price) = (
        form.str("mid"),
        form.str(oid_n),
        form.str("timestamp"),
        form.str("price"),
    );
    let (want, got) = match kind {
        BillKind::Inilitepay => (
            wire::sha512_hex(format!("{price}{mid}{oid}{ts}{key}").as_bytes()),
            form.str("hashdata"),
        ),
        _ if crypto => (
            wire::sha256_hex(format!("{price}{mid}{oid}{ts}{key}").as_bytes()),
            form.str("hashdata"),
        ),
        _ => (
            wire::sha256_hex(format!("{mid}{oid}{ts}{key}").as_bytes()),
            form.str("hashdata"),
        ),
    };
    if !wire::ct_eq_hex(&want, got) {
        return Err(BillError::HashMismatch);
    }
    Ok(())
}

fn parse_any(body: &[u8]) -> Option<Form> {
    Form::parse(body, Charset::Utf8)
        .or_else(|_| Form::parse(body, Charset::EucKr))
        .ok()
}

async fn open(sh: &Arc<Shared>, kind: BillKind, body: &[u8]) -> Response {
    let faults = HttpFaults::from(&sh.take_faults(Endpoint::BillingWindow));
    faults.delay(sh).await;
    if faults.http500 {
        return server::http500();
    }
    let Some(form) = parse_any(body) else {
        return page::error_page(None, "bad_encoding", "잘못된 요청 (bad form encoding)");
    };
    if let Err(e) = check_request(&form, kind, &sh.cfg) {
        let (k, m) = match e {
            BillError::Missing(n) => (
                "missing",
                format!("필수 항목 {n} 이(가) 없습니다 ({n} is required)"),
            ),
            BillError::UnknownMid => (
                "unknown_mid",
                "등록되지 않은 상점아이디입니다 (unknown MID or no INILite key)".into(),
            ),
            BillError::HashMismatch => (
                "hash_mismatch",
                "hashdata 검증 실패 (hashdata mismatch)".into(),
            ),
            BillError::NotNumeric(n) => (
                "not_numeric",
                format!("{n} 는 숫자만 가능합니다 ({n} must be digits)"),
            ),
            BillError::BadUrl => (
                "bad_url",
                "returnurl 은 http(s) URL 이어야 합니다 (returnurl must be http(s))".into(),
            ),
        };
        return page::error_page(None, k, &m);
    }
    let (oid_n, _, goods_n, buyer_n) = names(kind);
    let sid = format!("BILL{}", sh.digits(16));
    let crypto = kind != BillKind::Inilitepay && form.str("flg_crypto") == "Y";
    let options = |table: &[(&str, &str)]| -> String {
        table
            .iter()
            .map(|(c, n)| format!("<option value=\"{c}\">{n} ({c})</option>"))
            .collect()
    };
    let choices = if kind == BillKind::InibillHpp {
        format!(
            "<fieldset><legend>휴대폰 (Phone)</legend><select name=\"carrier\">{}</select>\
             <label>휴대폰 번호 (Phone number)<br><input name=\"phone\" value=\"01012345678\" inputmode=\"tel\"></label></fieldset>",
            options(CARRIERS)
        )
    } else {
        // data1 (card password, first two digits) is returned only with
        // flg_crypto=Y (PROTOCOL.md 3.4, 3.5; seeds/003).
        let pw = if crypto {
            "<label>카드 비밀번호 앞 2자리 (first 2 digits of the card password)<br>\
             <input name=\"card_pw2\" value=\"12\" inputmode=\"numeric\" maxlength=\"2\" size=\"3\"></label>"
        } else {
            ""
        };
        format!(
            "<fieldset><legend>카드 (Card)</legend><select name=\"card_code\">{}</select>\
             <label>카드번호 (Card number)<br><input name=\"card_number\" value=\"4111111111111111\" inputmode=\"numeric\" size=\"19\"></label>{pw}</fieldset>",
            options(CARDS)
        )
    };
    let price = form.str("price");
    let price = match price.parse::<u64>() {
        Ok(p) => format!("{}원 (KRW)", page::group(p)),
        Err(_) => "-".to_owned(),
    };
    let html = format!(
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>빌링키 발급 (billing key)</title><style>{style}</style></head><body>\
         <h1>KG이니시스 샌드박스 빌링키 발급 <small>(INICIS sandbox billing key)</small></h1>\
         <table><tr><th>상점 (Merchant)</th><td>{mid}</td></tr>\
         <tr><th>주문번호 (Order)</th><td>{oid}</td></tr>\
         <tr><th>상품 (Goods)</th><td>{goods}</td></tr>\
         <tr><th>구매자 (Buyer)</th><td>{buyer}</td></tr>\
         <tr><th>금액 (Amount)</th><td class=\"amount\"><b>{price}</b></td></tr></table>\
         <form method=\"post\" action=\"/inibill/sandbox/complete\" accept-charset=\"utf-8\">\
         <input type=\"hidden\" name=\"session\" value=\"{sid}\">{choices}<div class=\"actions\">\
         <button class=\"approve\" name=\"action\" value=\"approve\">발급 (Issue)</button>\
         <button name=\"action\" value=\"cancel\">취소 (Cancel)</button></div></form>\
         <p class=\"note\">이 화면은 로컬 시뮬레이터입니다. (This is a local simulator; no card is registered.)</p></body></html>",
        style = page::STYLE,
        mid = esc(form.str("mid")),
        oid = esc(form.str(oid_n)),
        goods = esc(form.str(goods_n)),
        buyer = esc(form.str(buyer_n)),
    );
    sh.lock()
        .bill_sessions
        .insert(sid, BillSession { kind, form });
    server::html(html)
}

/// `POST /inibill/sandbox/complete`: issue (or cancel) and auto-submit the
/// result to the return URL.
pub(crate) async fn complete(State(sh): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(input) = Form::parse(&body, Charset::Utf8) else {
        return page::error_page(None, "bad_encoding", "잘못된 요청 (bad request)");
    };
    let Some(sess) = sh.lock().bill_sessions.remove(input.str("session")) else {
        return page::error_page(
            None,
            "unknown_session",
            "세션이 없습니다 (no such billing session)",
        );
    };
    let f = &sess.form;
    let (oid_n, ret_n, _, _) = names(sess.kind);
    let mid = f.str("mid").to_owned();
    let echo = |out: &mut Vec<(&'static str, String)>| {
        out.push(("orderid", f.str(oid_n).to_owned()));
        out.push(("mid", mid.clone()));
        out.push(("merchantreserved", f.str("merchantreserved").to_owned()));
        out.push(("p_noti", f.str("p_noti").to_owned()));
        if sess.kind == BillKind::Inilitepay {
            out.push((
                "merchantRedirectData",
                f.str("merchantRedirectData").to_owned(),
            ));
        }
    };
    let mut out: Vec<(&'static str, String)> = Vec::new();
    if input.str("action") != "approve" {
        out.push(("resultcode", "01".into()));
        out.push((
            "resultmsg",
            "[cancel] 고객이 결제를 취소하였습니다. (user cancelled)".into(),
        ));
        echo(&mut out);
        return page::auto_submit(f.str(ret_n), false, &out, Charset::Utf8);
    }
    let key = new_billkey(&sh);
    let hpp = sess.kind == BillKind::InibillHpp;
    let (code, masked) = if hpp {
        let phone: String = input
            .str("phone")
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let c = input.str("carrier");
        let c = if CARRIERS.iter().any(|(x, _)| *x == c) {
            c
        } else {
            "SKT"
        };
        (c.to_owned(), mask_phone(&phone))
    } else {
        let digits: String = input
            .str("card_number")
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let digits = if digits.len() < 12 {
            "4111111111111111".to_owned()
        } else {
            digits
        };
        let c = input.str("card_code");
        let c = if CARDS.iter().any(|(x, _)| *x == c) {
            c
        } else {
            "04"
        };
        (
            c.to_owned(),
            format!("{}******{}", &digits[..6], &digits[digits.len() - 4..]),
        )
    };
    let price: u64 = f.str("price").parse().unwrap_or(0);
    let crypto = sess.kind != BillKind::Inilitepay && f.str("flg_crypto") == "Y";
    let lite = sh
        .merchant(&mid)
        .and_then(|m| m.inilite_key.clone())
        .unwrap_or_default();
    let iv: Vec<u8> = match sh.cfg.billkey_iv {
        BillkeyIv::Zero => vec![0u8; 16],
        BillkeyIv::KeyPrefix => lite.as_bytes().iter().take(16).copied().collect(),
    };
    // PROTOCOL.md 3.5: AES-256-CBC with the INILite key, Base64 (the browser
    // form encoding then URL-encodes it).
    let encrypt = |plain: &str| wire::aes256_encrypt_b64(lite.as_bytes(), &iv, plain.as_bytes());
    let bad_key = || {
        page::error_page(
            None,
            "bad_key",
            "INILite 키가 AES-256 키가 아닙니다 (INILite key is not 32 bytes)",
        )
    };
    let billkey_out = if crypto {
        match encrypt(&key) {
            Ok(c) => c,
            Err(_) => return bad_key(),
        }
    } else {
        key.clone()
    };
    // data1 is sent "only to specific merchants" (seed manual): a window
    // submitted without the password field issues the key without data1.
    let pw = input.str("card_pw2");
    let data1 = if crypto && !hpp && !pw.is_empty() {
        if pw.len() != 2 || !pw.bytes().all(|b| b.is_ascii_digit()) {
            return page::error_page(
                None,
                "bad_card_pw",
                "카드 비밀번호 앞 2자리를 숫자로 입력하세요 (enter the first 2 digits of the card password)",
            );
        }
        match encrypt(pw) {
            Ok(c) => Some(c),
            Err(_) => return bad_key(),
        }
    } else {
        None
    };
    let now = sh.clock.kst_timestamp();
    let prefix = if hpp { "INIBILLHPP" } else { "INIBILLCRD" };
    out.push(("resultcode", "00".into()));
    out.push((
        "resultmsg",
        "정상처리되었습니다. (billing key issued)".into(),
    ));
    out.push(("tid", sh.tid(prefix, &mid)));
    out.push(("billkey", billkey_out));
    out.push(("authkey", sh.tid("INIBILLAUT", &mid)));
    echo(&mut out);
    out.push(("pgauthdate", now[..8].to_owned()));
    out.push(("pgauthtime", now[8..].to_owned()));
    if hpp {
        out.push(("hppcorp", code.clone()));
        out.push(("hppno", masked.clone()));
    } else {
        out.push(("cardcd", code.clone()));
        out.push(("cardno", masked.clone()));
        out.push(("cardkind", "0".into()));
        out.push(("CheckFlag", "0".into()));
        if let Some(d) = data1 {
            out.push(("data1", d));
        }
    }
    sh.lock().billkeys.insert(
        key.clone(),
        Billkey {
            key,
            mid: mid.clone(),
            oid: f.str(oid_n).to_owned(),
            paymethod: if hpp { "HPP" } else { "Card" },
            code,
            masked,
            fixed_amount: if hpp { Some(price) } else { None },
            charges: 0,
        },
    );
    page::auto_submit(f.str(ret_n), false, &out, Charset::Utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        Form::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn v1_v2_v3_request_hashes() {
        let cfg = crate::SandboxConfig::default();
        let mut base = vec![
            ("mid", "INIBillTst"),
            ("orderid", "ORDERID1234"),
            ("timestamp", "20130808171939"),
            ("returnurl", "https://shop.example/r"),
            ("goodname", "월정액"),
            ("buyername", "홍길동"),
            ("price", "1000"),
            (
                "hashdata",
                "964bc7c98d9b3ca3a1375d97bd5637a92209869b55f397ea8a47f9b088fe9c69",
            ),
        ];
        assert_eq!(
            check_request(&form(&base), BillKind::InibillCard, &cfg),
            Ok(())
        );
        base.push(("flg_crypto", "Y"));
        assert_eq!(
            check_request(&form(&base), BillKind::InibillCard, &cfg),
            Err(BillError::HashMismatch)
        );
        base.retain(|(k, _)| *k != "hashdata");
        base.push((
            "hashdata",
            "0c74f9c01492fc059bc19ab0355e5a1c6534ed5401cd5b7803e6a1ae5205311d",
        ));
        assert_eq!(
            check_request(&form(&base), BillKind::InibillHpp, &cfg),
            Ok(())
        );
        let lite = form(&[
            ("mid", "INIBillTst"),
            ("orderId", "ORDERID1234"),
            ("timestamp", "20130808171939"),
            ("returnUrl", "https://shop.example/r"),
            ("goodName", "월정액"),
            ("buyerName", "홍길동"),
            ("price", "1000"),
            (
                "hashdata",
                "0226275367811b18603c52f78608fad06f5f9107e9acd39513f2b8c1c207901ac0a2ee9c847000dca335fe64cb428a701c0dcdfd612a2acc7a31ebec8495872a",
            ),
        ]);
        assert_eq!(check_request(&lite, BillKind::Inilitepay, &cfg), Ok(()));
    }
}
