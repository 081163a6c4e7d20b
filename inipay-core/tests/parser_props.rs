//! Property tests filling the gaps of the per-module ones: every parser of
//! gateway input takes arbitrary bytes without panicking and gives back what
//! was built, in EUC-KR and UTF-8 where the wire allows both.
//!
//! INIAPI replies are JSON, which is UTF-8 by definition (PROTOCOL.md 4.1):
//! their round trips are UTF-8 only, and EUC-KR bytes are a typed error.

use inipay_core::billing::BillingKeyResult;
use inipay_core::crypto::{
    CryptoError, aes128_cbc_decrypt_b64, aes128_cbc_encrypt_b64, aes256_cbc_decrypt_b64,
    aes256_cbc_encrypt_b64,
};
use inipay_core::encoding::Charset;
use inipay_core::iniapi::{
    BillingReply, ClientIp, InquiryReply, RefundReply, ReplyError, TxStatus,
};
use inipay_core::mobile::KstDateTime;
use inipay_core::outcome::Outcome;
use inipay_core::types::Amount;
use proptest::prelude::*;
use secrecy::ExposeSecret;

const KEY128: &[u8] = b"ItEQKi3rY7uvDS8l";
const IV128: &[u8] = b"HYb3yQ4f65QL89==";
const KEY256: &[u8] = b"b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09";

/// Korean and ASCII text INICIS messages are made of (no `&`, `=`, `%`, `+`
/// which the form encoder escapes anyway).
fn message() -> impl Strategy<Value = String> {
    "[가-힣a-zA-Z0-9 .\\[\\]|()]{0,30}"
}

fn charset() -> impl Strategy<Value = Charset> {
    prop_oneof![Just(Charset::EucKr), Just(Charset::Utf8)]
}

proptest! {
    /// `[ENC]` and billkey ciphertexts come from the gateway or the browser:
    /// any text decrypts to a value or a typed error.
    #[test]
    fn aes_decrypt_of_any_text_is_typed(s in "\\PC{0,80}", b64 in "[A-Za-z0-9+/=]{0,88}") {
        for input in [s.as_str(), b64.as_str()] {
            let r = aes128_cbc_decrypt_b64(KEY128, IV128, input);
            prop_assert!(r.is_ok() || matches!(r, Err(CryptoError::Base64 | CryptoError::Decrypt | CryptoError::NotUtf8)), "{:?}", r);
            let r = aes256_cbc_decrypt_b64(KEY256, &[0; 16], input);
            prop_assert!(r.is_ok() || matches!(r, Err(CryptoError::Base64 | CryptoError::Decrypt | CryptoError::NotUtf8)), "{:?}", r);
        }
        // Wrong key sizes are typed too.
        prop_assert!(aes128_cbc_decrypt_b64(b"short", IV128, &b64).is_err());
        prop_assert!(aes256_cbc_decrypt_b64(KEY128, &[0; 16], &b64).is_err());
    }

    #[test]
    fn aes_round_trip(plain in "[가-힣a-zA-Z0-9]{1,40}") {
        let c = aes128_cbc_encrypt_b64(KEY128, IV128, plain.as_bytes()).unwrap();
        prop_assert_eq!(aes128_cbc_decrypt_b64(KEY128, IV128, &c).unwrap(), plain.clone());
        let c = aes256_cbc_encrypt_b64(KEY256, &[0; 16], plain.as_bytes()).unwrap();
        prop_assert_eq!(aes256_cbc_decrypt_b64(KEY256, &[0; 16], &c).unwrap(), plain);
    }

    /// Gateway timestamps: any text is a date or `None`.
    #[test]
    fn kst_datetime_parse_never_panics(s in "\\PC{0,20}", d in "[0-9]{0,16}") {
        for input in [s.as_str(), d.as_str()] {
            if let Some(t) = KstDateTime::parse(input) {
                prop_assert_eq!(t.as_str().len(), 14);
                prop_assert_eq!(format!("{}{}", t.date(), t.time()), t.as_str());
            }
            let _ = KstDateTime::parse_yy(input);
            let _ = KstDateTime::from_date_time(input, input);
        }
    }

    #[test]
    fn kst_datetime_round_trip(y in 2000u32..2100, mo in 1u32..=12, day in 1u32..=28,
                               h in 0u32..24, mi in 0u32..60, sec in 0u32..60) {
        let s = format!("{y:04}{mo:02}{day:02}{h:02}{mi:02}{sec:02}");
        let t = KstDateTime::parse(&s).unwrap();
        prop_assert_eq!(t.as_str(), s.as_str());
        let yy = KstDateTime::parse_yy(&s[2..]).unwrap();
        prop_assert_eq!(yy.as_str(), s.as_str());
        prop_assert_eq!(KstDateTime::from_date_time(&s[..8], &s[8..]).unwrap(), t);
    }

    #[test]
    fn client_ip_parse_never_panics(s in "\\PC{0,50}") {
        if let Ok(ip) = ClientIp::parse(&s) {
            prop_assert_eq!(ClientIp::parse(&ip.to_string()).unwrap(), ip);
        }
    }

    /// A billing-key failure with a Korean message, in either charset.
    #[test]
    fn billing_key_failure_round_trip(msg in message(), oid in "[A-Za-z0-9_-]{1,40}", cs in charset()) {
        let body = cs.encode_form([
            ("resultcode", "01"), ("resultmsg", msg.as_str()), ("orderid", oid.as_str()), ("mid", "INIBillTst"),
        ]).unwrap();
        let BillingKeyResult::Failed(f) = BillingKeyResult::parse(&body, cs).unwrap() else {
            return Err(TestCaseError::fail("01 must not be issued"));
        };
        prop_assert_eq!(f.result.code.as_str(), "01");
        prop_assert_eq!(f.result.message.as_str(), msg.trim());
        prop_assert_eq!(f.order_id.as_deref(), Some(oid.as_str()));
        prop_assert_eq!(f.mid.as_deref(), Some("INIBillTst"));
    }

    /// A billing key issued, with a Korean message, in either charset.
    #[test]
    fn billing_key_issued_round_trip(msg in message(), key in "[0-9a-f]{40}", cs in charset()) {
        let body = cs.encode_form([
            ("resultcode", "00"), ("resultmsg", msg.as_str()), ("billkey", key.as_str()),
            ("orderid", "SUB-1"), ("mid", "INIBillTst"),
        ]).unwrap();
        let BillingKeyResult::Issued(i) = BillingKeyResult::parse(&body, cs).unwrap() else {
            return Err(TestCaseError::fail("00 with a billkey is issued"));
        };
        prop_assert_eq!(i.result.outcome, Outcome::Success);
        prop_assert_eq!(i.result.message.as_str(), msg.trim());
        prop_assert_eq!(i.billkey_as_received().expose_secret(), key.as_str());
    }

    /// Billing, refund and inquiry replies: values sent as strings or
    /// numbers, Korean messages, read back equal.
    #[test]
    fn iniapi_replies_round_trip(msg in message(), price in 0u64..1_000_000_000_000, as_number in any::<bool>(),
                                 tid in "[A-Za-z0-9_]{1,40}", status in prop::sample::select(vec!["0", "1", "9", "N", "Y", "C"])) {
        let n = |v: u64| if as_number { serde_json::json!(v) } else { serde_json::json!(v.to_string()) };
        let billing = serde_json::json!({
            "resultCode": "00", "resultMsg": msg, "tid": tid, "price": n(price),
            "payDate": "20240101", "payTime": "120001", "payAuthCode": "00862734", "prtcCode": "1",
        });
        let r = BillingReply::parse(&serde_json::to_vec(&billing).unwrap()).unwrap();
        prop_assert!(r.result.is_success());
        // A blank value reads as absent (PROTOCOL.md 4.1: nulls and blanks on failure).
        let expected_msg = if msg.trim().is_empty() { "" } else { msg.as_str() };
        prop_assert_eq!(r.result.message.as_str(), expected_msg);
        prop_assert_eq!(r.tid.as_deref(), Some(tid.as_str()));
        prop_assert_eq!(r.price, Some(Amount::won(price)));
        prop_assert_eq!(r.partial_cancel_allowed, Some(true));

        let refund = serde_json::json!({
            "resultCode": "01", "resultMsg": msg, "detailResultCode": "512626",
            "cancelDate": n(20240101), "cancelTime": "120001",
        });
        let r = RefundReply::parse(&serde_json::to_vec(&refund).unwrap()).unwrap();
        prop_assert_eq!(r.result.outcome, Outcome::GatewayError);
        prop_assert!(r.is_already_cancelled());
        prop_assert_eq!(r.cancel_date.as_deref(), Some("20240101"));

        let inquiry = serde_json::json!({
            "resultCode": "00", "resultMsg": msg, "tid": tid, "price": n(price), "status": status,
        });
        let r = InquiryReply::parse(&serde_json::to_vec(&inquiry).unwrap()).unwrap();
        prop_assert_eq!(r.price, Some(Amount::won(price)));
        prop_assert!(!matches!(r.status, Some(TxStatus::Other(_)) | None));
    }

    /// JSON in EUC-KR bytes (not JSON by definition) never panics. Most
    /// Hangul byte pairs are invalid UTF-8 and give `NotJson`; the few that
    /// happen to be valid UTF-8 (the pair C7 A8 reads as `Ǩ`) read as other
    /// text, never as the Korean sent.
    #[test]
    fn iniapi_reply_in_euc_kr_never_panics(msg in "[가-힣]{1,20}") {
        let text = format!(r#"{{"resultCode":"00","resultMsg":"{msg}"}}"#);
        let bytes = encoding_rs::EUC_KR.encode(&text).0.into_owned();
        let r = RefundReply::parse(&bytes);
        prop_assert!(matches!(r, Ok(_) | Err(ReplyError::NotJson { .. })), "{:?}", r);
        if let Ok(r) = r {
            prop_assert_ne!(r.result.message, msg);
        }
    }
}

#[test]
fn iniapi_reply_in_euc_kr_is_not_json() {
    let bytes = encoding_rs::EUC_KR
        .encode(r#"{"resultCode":"00","resultMsg":"정상처리되었습니다."}"#)
        .0
        .into_owned();
    assert!(matches!(
        RefundReply::parse(&bytes),
        Err(ReplyError::NotJson { .. })
    ));
}
