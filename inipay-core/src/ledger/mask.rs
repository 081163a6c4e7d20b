//! Personal data at rest: what of a message reaches the database.
//!
//! Two derived forms of every body are stored, both built here before
//! anything is written:
//!
//! - the **stored body** ([`redact_raw`]): the bytes as received, except that
//!   billing keys are replaced by [`REDACTED`] and personal fields (card,
//!   phone and account numbers, names, e-mail) are masked in place. Form
//!   bodies (EUC-KR or UTF-8) keep every other byte as it was and stay
//!   parseable (masked values are percent-encoded in the body's charset);
//!   JSON bodies are re-serialized when something was masked. A JSON body
//!   that does not parse (cut at a size limit, say) is scrubbed by a lenient
//!   scan of its `"key": value` pairs;
//! - the **masked text** ([`masked_text`]): the decoded fields as
//!   `key=value` lines (or compact JSON) with the same masks, for operators.
//!
//! What stays visible (enough to answer a buyer, never a usable number):
//!
//! | kind | fields | kept |
//! |---|---|---|
//! | card number | `P_CARD_NUM`, `cardno`, `cardNumber` | first 6 and last 4 (PCI DSS) |
//! | phone number | `P_HPP_NUM`, `P_MOBILE`, `buyertel`, `hppno` | first 3 and last 4 |
//! | account number | `P_VACT_NUM`, `P_VACCT_NO` (also inside `P_RMESG1`, PROTOCOL.md 2.6), `accountNumber` | last 4 |
//! | name | `P_UNAME`, `buyername`, `refundAcctName`, `accountName` | first character |
//! | e-mail | `P_EMAIL`, `buyeremail`, `buyerMail` | first 2 characters |
//! | other identifiers | `refundAcctNum` (\[ENC\], PROTOCOL.md 4.3), `regNo`, `P_CSHR_ID`, `P_ISP_CARDCODE`, `P_CARD_MEMBER_NUM` | nothing |
//!
//! Numbers keep their ends only when at least 4 characters stay hidden;
//! shorter values are hidden entirely. Field names compare
//! case-insensitively (Mobile WEB `P_UNAME`, inibill `buyername`, INIAPI
//! `buyerName` ...).

use crate::encoding::{Charset, Form, percent_decode};
use crate::types::mask_tail;

/// Fields that carry a billing key (or data encrypted like one): removed from
/// the raw body before it is stored (PROTOCOL.md 3.4, 3.5, 4.2).
const BILLKEY_FIELDS: &[&str] = &["billkey", "p_hpp_billkey", "data1"];

/// The replacement stored instead of a billing key.
pub(crate) const REDACTED: &str = "[billkey-sealed]";

/// What a personal field holds, and so what of it stays visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Personal {
    /// First character.
    Name,
    /// First 2 characters.
    Email,
    /// First 3 and last 4.
    Phone,
    /// First 6 and last 4.
    Card,
    /// Last 4.
    Account,
    /// Nothing.
    Hidden,
}

/// Personal-data fields (lower case) and their kind.
const PERSONAL_FIELDS: &[(&str, Personal)] = &[
    ("p_uname", Personal::Name),
    ("buyername", Personal::Name),
    ("refundacctname", Personal::Name),
    ("accountname", Personal::Name),
    ("p_mobile", Personal::Phone),
    ("buyertel", Personal::Phone),
    ("p_hpp_num", Personal::Phone),
    ("hppno", Personal::Phone),
    ("p_email", Personal::Email),
    ("buyeremail", Personal::Email),
    ("buyermail", Personal::Email),
    ("p_card_num", Personal::Card),
    ("cardno", Personal::Card),
    ("cardnumber", Personal::Card),
    ("p_vact_num", Personal::Account),
    ("p_vacct_no", Personal::Account),
    ("vacctnum", Personal::Account),
    ("acctnum", Personal::Account),
    ("accountnumber", Personal::Account),
    // INIAPI refund account (PROTOCOL.md 4.3, 5.5): the [ENC] number.
    ("refundacctnum", Personal::Hidden),
    ("regno", Personal::Hidden),
    ("p_cshr_id", Personal::Hidden),
    ("p_card_member_num", Personal::Hidden),
    ("p_isp_cardcode", Personal::Hidden),
];

fn personal_kind(key: &str) -> Option<Personal> {
    PERSONAL_FIELDS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .map(|(_, kind)| *kind)
}

fn is_billkey(key: &str) -> bool {
    BILLKEY_FIELDS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// Whether a field's value is changed before storage.
fn is_sensitive(key: &str) -> bool {
    is_billkey(key) || personal_kind(key).is_some() || key.eq_ignore_ascii_case("p_rmesg1")
}

fn is_json(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{')
}

/// Keeps the first `head` and last `tail` characters, if at least 4 stay
/// hidden; otherwise hides everything.
fn mask_ends(value: &str, head: usize, tail: usize) -> String {
    let n = value.chars().count();
    let (head, tail) = if n >= head + tail + 4 {
        (head, tail)
    } else {
        (0, 0)
    };
    value
        .chars()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { c } else { '*' })
        .collect()
}

fn mask_personal(kind: Personal, value: &str) -> String {
    match kind {
        Personal::Name => mask_tail(value, 1),
        Personal::Email => mask_tail(value, 2),
        Personal::Phone => mask_ends(value, 3, 4),
        Personal::Card => mask_ends(value, 6, 4),
        Personal::Account => mask_ends(value, 0, 4),
        Personal::Hidden => mask_tail(value, 0),
    }
}

/// Masks one value: billing keys entirely, personal data as in the module
/// table, and the account number inside a virtual-account `P_RMESG1`
/// (`P_VACCT_NO=...|P_EXP_DT=...`, PROTOCOL.md 2.6).
fn mask_value(key: &str, value: &str) -> String {
    if is_billkey(key) {
        return REDACTED.to_owned();
    }
    if let Some(kind) = personal_kind(key) {
        return mask_personal(kind, value);
    }
    if key.eq_ignore_ascii_case("p_rmesg1") && value.to_ascii_lowercase().contains("p_vacct_no=") {
        return value
            .split('|')
            .map(|part| match part.split_once('=') {
                Some((k, v)) if k.eq_ignore_ascii_case("p_vacct_no") => {
                    format!("{k}={}", mask_personal(Personal::Account, v))
                }
                _ => part.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("|");
    }
    value.to_owned()
}

/// Masks the values of `v` in place; `key` is the field that holds `v` (array
/// items inherit it).
fn mask_json(v: &mut serde_json::Value, key: Option<&str>) {
    use serde_json::Value;
    let sensitive = key.filter(|k| is_sensitive(k));
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                mask_json(val, Some(k));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| mask_json(i, key)),
        Value::String(s) => {
            if let Some(k) = sensitive {
                *s = mask_value(k, s);
            }
        }
        // A number where a card or phone number belongs (a forged body).
        Value::Number(n) => {
            if let Some(k) = sensitive {
                *v = Value::String(mask_value(k, &n.to_string()));
            }
        }
        Value::Bool(_) | Value::Null => {}
    }
}

/// The masked, decoded copy of a body: `key=value` lines for forms, compact
/// JSON for JSON; `None` when the body does not decode.
pub(crate) fn masked_text(body: &[u8], charset: Charset) -> Option<String> {
    if is_json(body) {
        let text = charset.decode(body).ok()?;
        let mut v: serde_json::Value = serde_json::from_str(&text).ok()?;
        mask_json(&mut v, None);
        return Some(v.to_string());
    }
    let form = Form::parse(body, charset).ok()?;
    Some(
        form.pairs()
            .iter()
            .map(|(k, v)| format!("{k}={}", mask_value(k, v)))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// `P_STATUS`, `resultcode` or `resultCode` of a body.
pub(crate) fn result_code(body: &[u8], charset: Charset) -> Option<String> {
    const KEYS: [&str; 3] = ["P_STATUS", "resultcode", "resultCode"];
    if is_json(body) {
        let v: serde_json::Value = serde_json::from_slice(body).ok()?;
        return KEYS
            .iter()
            .find_map(|k| v.get(k).and_then(|c| c.as_str()).map(str::to_owned));
    }
    let form = Form::parse(body, charset).ok()?;
    KEYS.iter()
        .find_map(|k| form.get(k))
        .map(|c| c.chars().take(16).collect())
}

/// Appends `bytes` percent-encoded like [`crate::encoding::percent_encode_into`],
/// but keeps the mask character `*` readable.
fn percent_encode_masked(bytes: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'*') {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0F)]]);
        }
    }
}

/// The stored value of a sensitive form field: masked, in the body's charset,
/// percent-encoded. A value that does not decode is hidden entirely.
fn redact_form_value(key: &str, raw: &[u8], charset: Charset, out: &mut Vec<u8>) {
    let decoded = percent_decode(raw);
    match charset.decode(&decoded) {
        Ok(text) => {
            let masked = mask_value(key, &text);
            if masked == text {
                out.extend_from_slice(raw); // nothing to hide: byte for byte
                return;
            }
            match charset.encode(&masked) {
                Ok(bytes) => percent_encode_masked(&bytes, out),
                Err(_) => out.extend(std::iter::repeat_n(b'*', masked.chars().count())),
            }
        }
        Err(_) => out.extend(std::iter::repeat_n(b'*', decoded.len())),
    }
}

/// The body to store: the raw bytes with billing keys replaced and personal
/// data masked (see the module docs). Form bodies are edited in place; JSON
/// bodies are re-serialized only when something was masked.
pub(crate) fn redact_raw(body: &[u8], charset: Charset) -> Vec<u8> {
    if is_json(body) {
        return redact_json(body, charset);
    }
    let mut out = Vec::with_capacity(body.len());
    for (i, segment) in body.split(|&b| b == b'&').enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        let Some(p) = segment.iter().position(|&b| b == b'=') else {
            out.extend_from_slice(segment);
            continue;
        };
        let key = percent_decode(&segment[..p]);
        match std::str::from_utf8(&key) {
            Ok(k) if is_billkey(k) => {
                out.extend_from_slice(&segment[..=p]);
                out.extend_from_slice(REDACTED.as_bytes());
            }
            Ok(k) if is_sensitive(k) => {
                out.extend_from_slice(&segment[..=p]);
                redact_form_value(k, &segment[p + 1..], charset, &mut out);
            }
            _ => out.extend_from_slice(segment),
        }
    }
    out
}

fn redact_json(body: &[u8], charset: Charset) -> Vec<u8> {
    let Ok(text) = charset.decode(body) else {
        return scrub_json(body);
    };
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return scrub_json(body);
    };
    let before = v.clone();
    mask_json(&mut v, None);
    if v == before {
        return body.to_vec();
    }
    let out = v.to_string();
    match charset.encode(&out) {
        Ok(bytes) => bytes.into_owned(),
        // Cannot happen (every character came from this charset); stay safe.
        Err(_) => scrub_json(body),
    }
}

/// A JSON body that does not parse: every `"key": value` whose key is
/// sensitive has its value's characters replaced by `*` (up to the closing
/// quote, the end of a bare value, or the end of the body).
fn scrub_json(body: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    let mut i = 0;
    while let Some(q) = out[i..].iter().position(|&b| b == b'"').map(|q| q + i) {
        let Some(end) = out[q + 1..]
            .iter()
            .position(|&b| b == b'"')
            .map(|e| e + q + 1)
        else {
            break;
        };
        i = end + 1;
        if !std::str::from_utf8(&out[q + 1..end]).is_ok_and(is_sensitive) {
            continue;
        }
        let skip_ws = |mut j: usize, out: &[u8]| {
            while out.get(j).is_some_and(u8::is_ascii_whitespace) {
                j += 1;
            }
            j
        };
        let colon = skip_ws(end + 1, &out);
        if out.get(colon) != Some(&b':') {
            continue;
        }
        let start = skip_ws(colon + 1, &out);
        let quoted = out.get(start) == Some(&b'"');
        let mut k = if quoted { start + 1 } else { start };
        let mut escaped = false;
        while let Some(&b) = out.get(k) {
            let stop = if quoted {
                b == b'"' && !escaped
            } else {
                matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace()
            };
            if stop {
                break;
            }
            escaped = quoted && b == b'\\' && !escaped;
            out[k] = b'*';
            k += 1;
        }
        i = (k + 1).min(out.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn masks_personal_fields_of_an_approval_reply() {
        let body = "P_STATUS=00&P_UNAME=홍길동&P_CARD_NUM=536510*********8&P_VACT_NUM=56211101573948&P_AMT=1000";
        let text = masked_text(body.as_bytes(), Charset::Utf8).unwrap();
        assert!(text.contains("P_UNAME=홍**"), "{text}");
        assert!(text.contains("P_VACT_NUM=**********3948"), "{text}");
        assert!(text.contains("P_CARD_NUM=536510*********8"), "{text}");
        assert!(text.contains("P_AMT=1000"));
        assert!(!text.contains("56211101573948"));
        assert_eq!(
            result_code(body.as_bytes(), Charset::Utf8).as_deref(),
            Some("00")
        );
    }

    #[test]
    fn masks_account_inside_vbank_noti_message() {
        let body = b"P_STATUS=02&P_RMESG1=P_VACCT_NO%3D56211101573948%7CP_EXP_DT%3D20160514235900";
        let text = masked_text(body, Charset::EucKr).unwrap();
        assert!(
            text.contains("P_VACCT_NO=**********3948|P_EXP_DT=20160514235900"),
            "{text}"
        );
        // The stored body: masked in place, still a form that parses.
        let stored = redact_raw(body, Charset::EucKr);
        let form = Form::parse(&stored, Charset::EucKr).unwrap();
        assert_eq!(
            form.get("P_RMESG1"),
            Some("P_VACCT_NO=**********3948|P_EXP_DT=20160514235900")
        );
        assert_eq!(form.get("P_STATUS"), Some("02"));
    }

    #[test]
    fn numbers_keep_their_ends_only_when_enough_stays_hidden() {
        assert_eq!(mask_personal(Personal::Phone, "01012345678"), "010****5678");
        assert_eq!(
            mask_personal(Personal::Card, "4111111111111111"),
            "411111******1111"
        );
        assert_eq!(mask_personal(Personal::Account, "123456789"), "*****6789");
        assert_eq!(mask_personal(Personal::Account, "1234567"), "*******");
        assert_eq!(mask_personal(Personal::Hidden, "abc"), "***");
        assert_eq!(mask_personal(Personal::Phone, ""), "");
    }

    #[test]
    fn billkeys_never_stored_in_forms_or_json() {
        let form = b"resultcode=00&billkey=734f880246ece4ffdba841c1436399c9968d32cc&cardno=536510******1234";
        let stored = redact_raw(form, Charset::EucKr);
        assert_eq!(
            stored,
            b"resultcode=00&billkey=[billkey-sealed]&cardno=536510******1234"
        );
        let json =
            br#"{"resultCode":"00","data":{"billKey":"734f880246ece4ffdba841c1436399c9968d32cc"}}"#;
        let stored = String::from_utf8(redact_raw(json, Charset::Utf8)).unwrap();
        assert!(!stored.contains("734f88"), "{stored}");
        assert_eq!(result_code(json, Charset::Utf8).as_deref(), Some("00"));
        // Bodies without anything to hide are untouched, byte for byte.
        assert_eq!(redact_raw(b"a=%C8%AB&b", Charset::EucKr), b"a=%C8%AB&b");
        let plain = br#"{ "resultCode" : "00" }"#;
        assert_eq!(redact_raw(plain, Charset::Utf8), plain);
    }

    #[test]
    fn personal_fields_masked_in_the_stored_form_body_in_both_charsets() {
        // EUC-KR, raw (not percent-encoded) as approval replies arrive.
        let mut euc = b"P_STATUS=00&P_UNAME=".to_vec();
        euc.extend_from_slice(b"\xc8\xab\xb1\xe6\xb5\xbf");
        euc.extend_from_slice(
            b"&P_HPP_NUM=01012345678&P_CARD_NUM=5365101234567890&P_RMESG1=\xbc\xba\xb0\xf8",
        );
        let stored = redact_raw(&euc, Charset::EucKr);
        let text = String::from_utf8_lossy(&stored).into_owned();
        for full in ["01012345678", "5365101234567890"] {
            assert!(!text.contains(full), "{text}");
        }
        assert!(!stored.windows(6).any(|w| w == b"\xc8\xab\xb1\xe6\xb5\xbf"));
        let form = Form::parse(&stored, Charset::EucKr).unwrap();
        assert_eq!(form.get("P_UNAME"), Some("홍**"));
        assert_eq!(form.get("P_HPP_NUM"), Some("010****5678"));
        assert_eq!(form.get("P_CARD_NUM"), Some("536510******7890"));
        assert_eq!(
            form.get("P_RMESG1"),
            Some("성공"),
            "other fields byte for byte"
        );
        assert!(stored.ends_with(b"&P_RMESG1=\xbc\xba\xb0\xf8"));
        // UTF-8, percent-encoded.
        let utf = "buyername=%ED%99%8D%EA%B8%B8%EB%8F%99&buyertel=010-1234-5678&buyeremail=kim%40example.com";
        let stored = redact_raw(utf.as_bytes(), Charset::Utf8);
        let form = Form::parse(&stored, Charset::Utf8).unwrap();
        assert_eq!(form.get("buyername"), Some("홍**"));
        assert_eq!(form.get("buyertel"), Some("010******5678"));
        assert_eq!(form.get("buyeremail"), Some("ki*************"));
    }

    #[test]
    fn personal_fields_masked_in_stored_json_also_nested_numeric_or_cut() {
        let json = r#"{"resultCode":"00","buyerName":"홍길동","buyerTel":"01012345678","vacctInfo":{"accountNumber":"56211102345678","accountName":"홍길동"},"cardNo":4111111111111111,"list":{"refundAcctNum":["qwMHVJqsmXKoR+d8wQTS4g=="]}}"#;
        let stored = String::from_utf8(redact_raw(json.as_bytes(), Charset::Utf8)).unwrap();
        for full in [
            "01012345678",
            "56211102345678",
            "4111111111111111",
            "홍길동",
            "qwMHVJ",
        ] {
            assert!(!stored.contains(full), "{full} in {stored}");
        }
        let v: serde_json::Value = serde_json::from_str(&stored).unwrap();
        assert_eq!(v["buyerTel"], "010****5678");
        assert_eq!(v["vacctInfo"]["accountNumber"], "**********5678");
        assert_eq!(v["cardNo"], "411111******1111");
        assert_eq!(v["resultCode"], "00");
        // Cut at a size limit: does not parse, still scrubbed.
        let cut = &json[..json.find("\"cardNo\"").unwrap() + 14];
        let stored = String::from_utf8(redact_raw(cut.as_bytes(), Charset::Utf8)).unwrap();
        assert!(serde_json::from_str::<serde_json::Value>(cut).is_err());
        for full in ["01012345678", "56211102345678", "4111111", "홍길동"] {
            assert!(!stored.contains(full), "{full} in {stored}");
        }
        assert!(stored.contains(r#""resultCode":"00""#), "{stored}");
        let escaped = redact_raw(br#"{"buyerName":"a\"b","x":"1"#, Charset::Utf8);
        assert_eq!(escaped, br#"{"buyerName":"****","x":"1"#);
    }

    proptest! {
        #[test]
        fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = masked_text(&body, Charset::EucKr);
            let _ = masked_text(&body, Charset::Utf8);
            let _ = result_code(&body, Charset::EucKr);
            let _ = scrub_json(&body);
            for charset in [Charset::EucKr, Charset::Utf8] {
                let stored = redact_raw(&body, charset);
                if !is_json(&body) {
                    prop_assert_eq!(
                        stored.split(|&b| b == b'&').count(),
                        body.split(|&b| b == b'&').count()
                    );
                }
            }
        }

        #[test]
        fn stored_phone_and_card_numbers_are_never_whole(
            phone in "01[0-9]{8,9}",
            card in "[0-9]{15,16}",
            euc in any::<bool>(),
        ) {
            let charset = if euc { Charset::EucKr } else { Charset::Utf8 };
            let form = format!("P_HPP_NUM={phone}&cardno={card}&P_STATUS=00");
            let stored = redact_raw(form.as_bytes(), charset);
            let text = String::from_utf8_lossy(&stored).into_owned();
            prop_assert!(!text.contains(&phone) && !text.contains(&card), "{}", text);
            let json = format!(r#"{{"buyerTel":"{phone}","cardNumber":"{card}"}}"#);
            let text = String::from_utf8_lossy(&redact_raw(json.as_bytes(), charset)).into_owned();
            prop_assert!(!text.contains(&phone) && !text.contains(&card), "{}", text);
        }
    }
}
