//! Derived journal columns: personal data masked, billing keys removed.
//!
//! The raw body of a message is kept (bytes and charset) for audits; what
//! operators read is the masked copy built here. Billing keys are removed
//! even from the raw body, because they must never rest in plain text.

use crate::encoding::{Charset, Form, percent_decode};
use crate::types::mask_tail;

/// Fields that carry a billing key (or data encrypted like one): removed from
/// the raw body before it is stored (PROTOCOL.md 3.4, 3.5, 4.2).
const BILLKEY_FIELDS: &[&str] = &["billkey", "p_hpp_billkey", "data1"];

/// The replacement stored instead of a billing key.
pub(crate) const REDACTED: &str = "[billkey-sealed]";

/// Personal-data fields and how many leading characters stay visible.
/// Names are compared case-insensitively (Mobile WEB `P_UNAME`, inibill
/// `buyername`, INIAPI `buyerName` ...).
const PERSONAL_FIELDS: &[(&str, usize)] = &[
    ("p_uname", 1),
    ("buyername", 1),
    ("p_mobile", 3),
    ("buyertel", 3),
    ("p_hpp_num", 3),
    ("p_email", 2),
    ("buyeremail", 2),
    ("p_card_num", 6),
    ("cardno", 6),
    ("cardnumber", 6),
    ("p_card_member_num", 0),
    ("p_isp_cardcode", 0),
    ("p_vact_num", 3),
    ("p_vacct_no", 3),
    ("vacctnum", 3),
    ("acctnum", 3),
    // INIAPI refund account (PROTOCOL.md 4.3, 5.5): the [ENC] number and the holder.
    ("refundacctnum", 0),
    ("refundacctname", 1),
    ("regno", 0),
    ("p_cshr_id", 0),
];

fn personal_keep(key: &str) -> Option<usize> {
    let k = key.to_ascii_lowercase();
    PERSONAL_FIELDS
        .iter()
        .find(|(name, _)| *name == k)
        .map(|(_, keep)| *keep)
}

fn is_billkey(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    BILLKEY_FIELDS.contains(&k.as_str())
}

fn is_json(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{')
}

/// Masks one value: billing keys entirely, personal data but its first
/// characters, and the account number inside a virtual-account `P_RMESG1`
/// (`P_VACCT_NO=...|P_EXP_DT=...`, PROTOCOL.md 2.6).
fn mask_value(key: &str, value: &str) -> String {
    if is_billkey(key) {
        return REDACTED.to_owned();
    }
    if let Some(keep) = personal_keep(key) {
        return mask_tail(value, keep);
    }
    if key.eq_ignore_ascii_case("p_rmesg1") && value.contains("P_VACCT_NO=") {
        return value
            .split('|')
            .map(|part| match part.split_once('=') {
                Some((k, v)) if k.eq_ignore_ascii_case("p_vacct_no") => {
                    format!("{k}={}", mask_tail(v, 3))
                }
                _ => part.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("|");
    }
    value.to_owned()
}

fn mask_json(v: &mut serde_json::Value, billkeys_only: bool) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if let serde_json::Value::String(s) = val {
                    if billkeys_only {
                        if is_billkey(k) {
                            *s = REDACTED.to_owned();
                        }
                    } else {
                        *s = mask_value(k, s);
                    }
                } else {
                    mask_json(val, billkeys_only);
                }
            }
        }
        serde_json::Value::Array(items) => {
            items.iter_mut().for_each(|i| mask_json(i, billkeys_only));
        }
        _ => {}
    }
}

/// The masked, decoded copy of a body: `key=value` lines for forms, compact
/// JSON for JSON; `None` when the body does not decode.
pub(crate) fn masked_text(body: &[u8], charset: Charset) -> Option<String> {
    if is_json(body) {
        let text = charset.decode(body).ok()?;
        let mut v: serde_json::Value = serde_json::from_str(&text).ok()?;
        mask_json(&mut v, false);
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

/// The body to store: the raw bytes, except that billing-key values are
/// replaced. Form bodies are edited in place (everything else stays
/// byte-identical); JSON bodies are re-serialized only when they held a key.
pub(crate) fn strip_billkeys(body: &[u8]) -> Vec<u8> {
    if is_json(body) {
        if let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(body) {
            let before = v.clone();
            mask_json(&mut v, true);
            if v != before {
                return v.to_string().into_bytes();
            }
        }
        return body.to_vec();
    }
    let mut out = Vec::with_capacity(body.len());
    for (i, segment) in body.split(|&b| b == b'&').enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        match segment.iter().position(|&b| b == b'=') {
            Some(p)
                if std::str::from_utf8(&percent_decode(&segment[..p])).is_ok_and(is_billkey) =>
            {
                out.extend_from_slice(&segment[..=p]);
                out.extend_from_slice(REDACTED.as_bytes());
            }
            _ => out.extend_from_slice(segment),
        }
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
        assert!(text.contains("P_VACT_NUM=562***********"), "{text}");
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
            text.contains("P_VACCT_NO=562***********|P_EXP_DT=20160514235900"),
            "{text}"
        );
    }

    #[test]
    fn billkeys_never_stored_in_forms_or_json() {
        let form = b"resultcode=00&billkey=734f880246ece4ffdba841c1436399c9968d32cc&cardno=536510******1234";
        let stored = strip_billkeys(form);
        assert_eq!(
            stored,
            b"resultcode=00&billkey=[billkey-sealed]&cardno=536510******1234"
        );
        let json =
            br#"{"resultCode":"00","data":{"billKey":"734f880246ece4ffdba841c1436399c9968d32cc"}}"#;
        let stored = String::from_utf8(strip_billkeys(json)).unwrap();
        assert!(!stored.contains("734f88"), "{stored}");
        assert_eq!(result_code(json, Charset::Utf8).as_deref(), Some("00"));
        // Bodies without a key are untouched, byte for byte.
        assert_eq!(strip_billkeys(b"a=%C8%AB&b"), b"a=%C8%AB&b");
    }

    proptest! {
        #[test]
        fn arbitrary_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = masked_text(&body, Charset::EucKr);
            let _ = masked_text(&body, Charset::Utf8);
            let _ = result_code(&body, Charset::EucKr);
            let stored = strip_billkeys(&body);
            if !is_json(&body) {
                prop_assert_eq!(
                    stored.split(|&b| b == b'&').count(),
                    body.split(|&b| b == b'&').count()
                );
            }
        }
    }
}
