//! Issue 16, parser level: strict wire amounts in every reply and
//! notification, the charset of replies and notifications (with the one
//! actually used reported), and errors that cannot break a log line.

use inipay_core::billing::BillingKeyResult;
use inipay_core::encoding::Charset;
use inipay_core::iniapi::{
    BillingReply, InquiryReply, PartialRefundReply, RefundReply, ReplyError,
};
use inipay_core::mobile::{
    ApprovalReply, AuthResult, NetCancelReply, NotiOptions, Notification, ParseError,
};
use inipay_core::types::{Amount, FieldErrorKind};
use proptest::prelude::*;

const AUTH_TID: &str = "INIMX_AUTHINIpayTest20241029164022745656";
const CARD_TID: &str = "INIMX_CARDINIpayTest20241030120339525932";
const VBNK_TID: &str = "INIMX_VBNKINIpayTest20160504112903950668";

/// Amounts the wire forbids (PROTOCOL.md 0, 2.2), each with the rule it breaks.
const BAD_AMOUNTS: [(&str, FieldErrorKind); 7] = [
    ("012000", FieldErrorKind::LeadingZero),
    (" 12000", FieldErrorKind::NotDigits),
    ("12000 ", FieldErrorKind::NotDigits),
    ("+12000", FieldErrorKind::NotDigits),
    ("-1", FieldErrorKind::NotDigits),
    ("1,000", FieldErrorKind::NotDigits),
    ("1e3", FieldErrorKind::NotDigits),
];

/// Amounts the wire allows.
const GOOD_AMOUNTS: [(&str, u64); 2] = [("0", 0), ("12000", 12000)];

fn utf8_form(pairs: &[(&str, &str)]) -> Vec<u8> {
    Charset::Utf8.encode_form(pairs.iter().copied()).unwrap()
}

fn euc_kr(text: &str) -> Vec<u8> {
    let (b, _, had_errors) = encoding_rs::EUC_KR.encode(text);
    assert!(!had_errors);
    b.into_owned()
}

/// The error is about `P_AMT` breaking `kind`, and its message does not
/// repeat the value.
fn assert_amount_error(e: &ParseError, kind: &FieldErrorKind, value: &str) {
    let ParseError::Field { source, .. } = e else {
        panic!("{value:?}: not a field error: {e:?}")
    };
    assert_eq!(source.field, "P_AMT", "{value:?}");
    assert_eq!(&source.kind, kind, "{value:?}");
    let shown = format!("{e} {e:?}");
    assert!(
        value.trim().is_empty() || !shown.contains(value.trim()),
        "{value:?} in {shown}"
    );
}

fn auth(amount: &str) -> Result<AuthResult, ParseError> {
    let body = utf8_form(&[
        ("P_STATUS", "00"),
        ("P_TID", AUTH_TID),
        ("P_REQ_URL", "https://stgmobile.inicis.com/smart/payReq.ini"),
        ("P_AMT", amount),
    ]);
    AuthResult::parse(&body, Charset::Utf8)
}

fn approval(status: &str, amount: &str) -> Result<ApprovalReply, ParseError> {
    let body = utf8_form(&[
        ("P_STATUS", status),
        ("P_TID", CARD_TID),
        ("P_TYPE", "CARD"),
        ("P_MID", "INIpayTest"),
        ("P_OID", "O1"),
        ("P_AMT", amount),
    ]);
    ApprovalReply::parse(&body, Charset::Utf8)
}

fn noti(amount: &str) -> Result<Notification, ParseError> {
    let body = utf8_form(&[
        ("P_STATUS", "02"),
        ("P_TID", VBNK_TID),
        ("P_MID", "INIpayTest"),
        ("P_OID", "O1"),
        ("P_AMT", amount),
    ]);
    Notification::parse(&body, &NotiOptions::default())
}

fn net_cancel(status: &str, amount: &str) -> Result<NetCancelReply, ParseError> {
    let body = utf8_form(&[("P_STATUS", status), ("P_TID", AUTH_TID), ("P_AMT", amount)]);
    NetCancelReply::parse(&body, Charset::Utf8)
}

#[test]
fn auth_result_amount_is_strict() {
    for (bad, kind) in &BAD_AMOUNTS {
        assert_amount_error(&auth(bad).unwrap_err(), kind, bad);
    }
    for (good, won) in GOOD_AMOUNTS {
        let AuthResult::Success(s) = auth(good).unwrap() else {
            panic!("{good}")
        };
        assert_eq!(s.amount, Some(Amount::won(won)));
    }
    // P_AMT is optional in an auth result (gift cards do not echo it).
    let AuthResult::Success(s) = auth("").unwrap() else {
        panic!()
    };
    assert_eq!(s.amount, None);
}

#[test]
fn approval_reply_amount_is_strict() {
    for (bad, kind) in &BAD_AMOUNTS {
        assert_amount_error(&approval("00", bad).unwrap_err(), kind, bad);
        // A failure moved no money: a malformed amount is dropped, not read.
        assert_eq!(approval("01", bad).unwrap().amount, None, "{bad:?}");
    }
    for (good, won) in GOOD_AMOUNTS {
        assert_eq!(approval("00", good).unwrap().amount, Some(Amount::won(won)));
    }
    // Empty: absent, which verification then reports as missing.
    assert_eq!(approval("00", "").unwrap().amount, None);
}

#[test]
fn approval_reply_secondary_amounts_are_never_read_loosely() {
    for (bad, _) in &BAD_AMOUNTS {
        let body = utf8_form(&[
            ("P_STATUS", "00"),
            ("P_TID", CARD_TID),
            ("P_TYPE", "BANK"),
            ("P_MID", "INIpayTest"),
            ("P_OID", "O1"),
            ("P_AMT", "12000"),
            ("P_CSHR_CODE", "220000"),
            ("P_CSHR_AMT", bad),
            ("P_CSHR_SUP_AMT", "10909"),
        ]);
        let r = ApprovalReply::parse(&body, Charset::Utf8).unwrap();
        let inipay_core::mobile::MethodDetails::Bank(b) = &r.details else {
            panic!()
        };
        let c = b.cash_receipt.as_ref().unwrap();
        assert_eq!(c.amount, None, "{bad:?}");
        assert_eq!(c.supply_amount, Some(Amount::won(10909)));
        assert_eq!(r.form().get("P_CSHR_AMT"), Some(*bad), "kept as received");
    }
}

#[test]
fn notification_amount_is_strict() {
    for (bad, kind) in &BAD_AMOUNTS {
        assert_amount_error(&noti(bad).unwrap_err(), kind, bad);
    }
    for (good, won) in GOOD_AMOUNTS {
        assert_eq!(noti(good).unwrap().amount, Amount::won(won));
    }
    assert_amount_error(&noti("").unwrap_err(), &FieldErrorKind::Missing, "");
}

#[test]
fn net_cancel_reply_amount_is_strict() {
    for (bad, kind) in &BAD_AMOUNTS {
        assert_amount_error(&net_cancel("00", bad).unwrap_err(), kind, bad);
        assert_eq!(net_cancel("01", bad).unwrap().amount, None, "{bad:?}");
    }
    for (good, won) in GOOD_AMOUNTS {
        assert_eq!(
            net_cancel("00", good).unwrap().amount,
            Some(Amount::won(won))
        );
    }
    assert_eq!(net_cancel("00", "").unwrap().amount, None);
}

/// Every INIAPI amount field, read from a reply carrying `value` (raw JSON).
fn iniapi_amounts(value: &str) -> Vec<(&'static str, Result<Option<Amount>, ReplyError>)> {
    let body = |field: &str| format!(r#"{{"resultCode":"00","resultMsg":"ok","{field}":{value}}}"#);
    let vacct = format!(r#"{{"resultCode":"00","vacctInfo":{{"depositAmount":{value}}}}}"#);
    vec![
        (
            "price",
            BillingReply::parse(body("price").as_bytes()).map(|r| r.price),
        ),
        (
            "prtcPrice",
            PartialRefundReply::parse(body("prtcPrice").as_bytes()).map(|r| r.refunded),
        ),
        (
            "prtcRemains",
            PartialRefundReply::parse(body("prtcRemains").as_bytes()).map(|r| r.remaining),
        ),
        (
            "price",
            InquiryReply::parse(body("price").as_bytes()).map(|r| r.price),
        ),
        (
            "availablePartCancelPrice",
            InquiryReply::parse(body("availablePartCancelPrice").as_bytes())
                .map(|r| r.available_partial_cancel),
        ),
        (
            "depositAmount",
            InquiryReply::parse(vacct.as_bytes()).map(|r| r.vacct.and_then(|v| v.deposit_amount)),
        ),
    ]
}

#[test]
fn iniapi_amounts_are_strict() {
    for (bad, kind) in &BAD_AMOUNTS {
        let json = serde_json::to_string(bad).unwrap();
        for (field, r) in iniapi_amounts(&json) {
            let Err(ReplyError::Field(e)) = &r else {
                panic!("{field} {bad:?}: {r:?}")
            };
            assert_eq!((e.field, &e.kind), (field, kind), "{bad:?}");
            assert!(!e.to_string().contains(bad.trim()), "{e}");
        }
    }
    // JSON numbers must be non-negative integers.
    for bad in ["-1", "1.5", "1e3", "12000.0", "true"] {
        for (field, r) in iniapi_amounts(bad) {
            let Err(ReplyError::Field(e)) = &r else {
                panic!("{field} {bad}: {r:?}")
            };
            assert_eq!(e.field, field);
            assert!(matches!(e.kind, FieldErrorKind::Format(_)), "{bad}: {e}");
        }
    }
    for (good, won) in GOOD_AMOUNTS {
        for json in [good.to_owned(), format!("\"{good}\"")] {
            for (field, r) in iniapi_amounts(&json) {
                assert_eq!(r, Ok(Some(Amount::won(won))), "{field} {json}");
            }
        }
    }
    // Empty and null: absent (failures carry blanks, PROTOCOL.md 4.1).
    for empty in ["\"\"", "null"] {
        for (field, r) in iniapi_amounts(empty) {
            assert_eq!(r, Ok(None), "{field} {empty}");
        }
    }
}

// ---------------------------------------------------------------- charsets

/// `신한은행` in each charset; each is invalid in the other (checked).
fn korean_bodies() -> (Vec<u8>, Vec<u8>) {
    let text = format!(
        "P_TID={VBNK_TID}&P_MID=INIpayTest&P_STATUS=02&P_TYPE=VBANK&P_OID=O1&P_AMT=1000&P_FN_NM=신한은행&P_RMESG1=입금완료"
    );
    let (euc, utf8) = (euc_kr(&text), text.into_bytes());
    assert!(Charset::Utf8.decode(&euc).is_err());
    assert!(Charset::EucKr.decode(&utf8).is_err());
    (euc, utf8)
}

#[test]
fn notifications_in_either_charset_under_either_configuration() {
    let (euc, utf8) = korean_bodies();
    for configured in [Charset::EucKr, Charset::Utf8] {
        let options = NotiOptions {
            charset: configured,
            ..NotiOptions::default()
        };
        for (body, sent) in [(&euc, Charset::EucKr), (&utf8, Charset::Utf8)] {
            let n = Notification::parse(body, &options).unwrap();
            assert_eq!(n.charset, sent, "configured {configured:?}");
            assert_eq!(n.fn_name.as_deref(), Some("신한은행"));
            assert_eq!(
                n.message,
                inipay_core::mobile::NotiMessage::Text("입금완료".into())
            );
        }
        // ASCII only: valid in both, read in the configured charset.
        let ascii = format!("P_TID={VBNK_TID}&P_MID=INIpayTest&P_STATUS=02&P_OID=O1&P_AMT=1000");
        let n = Notification::parse(ascii.as_bytes(), &options).unwrap();
        assert_eq!(n.charset, configured);
    }
}

#[test]
fn approval_and_net_cancel_replies_fall_back_to_the_other_charset() {
    // What the sandbox (and INICIS) answers for an unknown P_TID: EUC-KR,
    // whatever P_CHARSET said.
    let text = "P_STATUS=01&P_RMESG1=거래정보가 없습니다. (unknown P_TID)";
    let (euc, utf8) = (euc_kr(text), text.as_bytes().to_vec());
    assert!(Charset::Utf8.decode(&euc).is_err());
    assert!(Charset::EucKr.decode(&utf8).is_err());
    for asked in [Charset::EucKr, Charset::Utf8] {
        for (body, sent) in [(&euc, Charset::EucKr), (&utf8, Charset::Utf8)] {
            let a = ApprovalReply::parse(body, asked).unwrap();
            assert_eq!(a.charset, sent, "asked {asked:?}");
            assert_eq!(a.result.message, "거래정보가 없습니다. (unknown P_TID)");
            let n = NetCancelReply::parse(body, asked).unwrap();
            assert_eq!(n.charset, sent, "asked {asked:?}");
            assert_eq!(n.result.message, "거래정보가 없습니다. (unknown P_TID)");
        }
        let ascii = ApprovalReply::parse(b"P_STATUS=01&P_RMESG1=fail", asked).unwrap();
        assert_eq!(ascii.charset, asked);
        let ascii = NetCancelReply::parse(b"P_STATUS=00", asked).unwrap();
        assert_eq!(ascii.charset, asked);
    }
    // Valid in neither: still a typed error.
    for asked in [Charset::EucKr, Charset::Utf8] {
        let e = ApprovalReply::parse(b"P_STATUS=01&P_RMESG1=%B0", asked).unwrap_err();
        assert!(matches!(e, ParseError::Malformed { .. }), "{e:?}");
        let e = NetCancelReply::parse(b"P_STATUS=01&P_RMESG1=%B0", asked).unwrap_err();
        assert!(matches!(e, ParseError::Malformed { .. }), "{e:?}");
    }
}

// ----------------------------------------------------------- log injection

/// Characters that would break or forge a log line.
fn breaks_a_log_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

fn assert_log_safe(what: &str, e: &(impl std::fmt::Display + std::fmt::Debug)) {
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(
            !shown.contains(breaks_a_log_line),
            "{what}: {}",
            shown.escape_debug()
        );
    }
}

/// The body of the attack (issue 16): a field *name* with `%0A` and an
/// invalid EUC-KR byte, meant to forge `INFO paid: ship the goods`.
const ATTACK: &str = "P_STATUS=02&P_TID=INIMX_VBNKINIpayTest20160504112903950668&P_FOO%0AINFO%20paid%3A%20ship%20the%20goods%B0=1";

#[test]
fn the_attack_body_cannot_forge_a_log_line() {
    for charset in [Charset::EucKr, Charset::Utf8] {
        let options = NotiOptions {
            charset,
            ..NotiOptions::default()
        };
        let e = Notification::parse(ATTACK.as_bytes(), &options).unwrap_err();
        assert!(matches!(e, ParseError::Malformed { .. }), "{e:?}");
        assert_eq!(
            e.field(),
            Some("P_FOO\\nINFO paid: ship the goods\\xB0"),
            "the name is kept, escaped"
        );
        assert_log_safe("notification", &e);
        // What the flow logs (`error = %e`) stays one line.
        let line = format!("WARN unreadable notification error={e}");
        assert_eq!(line.lines().count(), 1, "{line}");
    }
    // The same name sent raw (not percent-encoded), and as a valid name
    // whose value is undecodable.
    let raw = b"P_STATUS=02&P_FOO\r\nINFO paid: ship the goods\xB0=1";
    let valid_name = b"P_STATUS=02&P_FOO%0D%0AINFO%20paid%E2%80%A8=%B0";
    for body in [&raw[..], &valid_name[..]] {
        for charset in [Charset::EucKr, Charset::Utf8] {
            let options = NotiOptions {
                charset,
                ..NotiOptions::default()
            };
            assert_log_safe(
                "notification",
                &Notification::parse(body, &options).unwrap_err(),
            );
            assert_log_safe(
                "approval",
                &ApprovalReply::parse(body, charset).unwrap_err(),
            );
            assert_log_safe("auth", &AuthResult::parse(body, charset).unwrap_err());
            assert_log_safe(
                "net cancel",
                &NetCancelReply::parse(body, charset).unwrap_err(),
            );
            assert_log_safe(
                "billing key",
                &BillingKeyResult::parse(body, charset).unwrap_err(),
            );
        }
    }
}

#[test]
fn gateway_messages_in_verify_errors_are_escaped() {
    let body = utf8_form(&[
        ("P_STATUS", "01"),
        (
            "P_RMESG1",
            "거절\nINFO paid: ship the goods\u{2028}\u{1b}[0m",
        ),
    ]);
    let r = ApprovalReply::parse(&body, Charset::Utf8).unwrap();
    let e = r
        .verify(&inipay_core::mobile::Expected::new(
            inipay_core::types::Mid::new("INIpayTest").unwrap(),
            inipay_core::types::OrderId::new("O1").unwrap(),
            Amount::won(1),
        ))
        .unwrap_err();
    assert_log_safe("verify", &e);
    assert!(e.to_string().contains("거절\\nINFO paid"), "{e}");
}

/// Bytes a key or value may be made of: known names, escapes of control
/// characters and invalid bytes, and anything at all.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            "P_STATUS",
            "00",
            "01",
            "02",
            "P_TID",
            CARD_TID,
            "P_AMT",
            "P_MID",
            "INIpayTest",
            "P_OID",
            "P_TYPE",
            "CARD",
            "P_REQ_URL",
            "idc_name",
            "%0A",
            "%0D",
            "%1B",
            "%B0",
            "%E2%80%A8",
            "%C2%85",
            "%7F",
            "%09",
            "resultcode",
            "billkey",
            "tid",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 0..12),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        proptest::collection::vec(
            (
                proptest::collection::vec(piece(), 1..4),
                proptest::collection::vec(piece(), 0..4)
            ),
            0..10
        )
        .prop_map(|pairs| {
            let mut out = Vec::new();
            for (k, v) in pairs {
                out.extend(k.concat());
                out.push(b'=');
                out.extend(v.concat());
                out.push(b'&');
            }
            out
        }),
    ]
}

proptest! {
    /// No error of any parser of gateway input shows a control character,
    /// whatever bytes came in.
    #[test]
    fn errors_of_every_parser_are_log_safe(bytes in body()) {
        let check = |what: &str, shown: String| -> Result<(), TestCaseError> {
            prop_assert!(!shown.contains(breaks_a_log_line), "{}: {}", what, shown.escape_debug());
            Ok(())
        };
        let expected = inipay_core::mobile::Expected::new(
            inipay_core::types::Mid::new("INIpayTest").unwrap(),
            inipay_core::types::OrderId::new("O1").unwrap(),
            Amount::won(1),
        );
        for charset in [Charset::EucKr, Charset::Utf8] {
            let options = NotiOptions { charset, ..NotiOptions::default() };
            if let Err(e) = AuthResult::parse(&bytes, charset) {
                check("auth", format!("{e} {e:?}"))?;
            }
            match ApprovalReply::parse(&bytes, charset) {
                Err(e) => check("approval", format!("{e} {e:?}"))?,
                Ok(r) => {
                    if let Err(e) = r.verify(&expected) {
                        check("verify", format!("{e} {e:?}"))?;
                    }
                }
            }
            if let Err(e) = Notification::parse(&bytes, &options) {
                check("notification", format!("{e} {e:?}"))?;
            }
            if let Err(e) = NetCancelReply::parse(&bytes, charset) {
                check("net cancel", format!("{e} {e:?}"))?;
            }
            if let Err(e) = BillingKeyResult::parse(&bytes, charset) {
                check("billing key", format!("{e} {e:?}"))?;
            }
        }
        if let Err(e) = BillingReply::parse(&bytes) {
            check("billing", format!("{e} {e:?}"))?;
        }
        if let Err(e) = RefundReply::parse(&bytes) {
            check("refund", format!("{e} {e:?}"))?;
        }
        if let Err(e) = PartialRefundReply::parse(&bytes) {
            check("partial refund", format!("{e} {e:?}"))?;
        }
        if let Err(e) = InquiryReply::parse(&bytes) {
            check("inquiry", format!("{e} {e:?}"))?;
        }
    }

    /// INIAPI replies with control characters in every string.
    #[test]
    fn iniapi_errors_are_log_safe(s in "[\\x00-\\x1f\\u{2028}a-z0-9 ,.+-]{0,12}") {
        let body = serde_json::json!({
            "resultCode": s, "resultMsg": s, "price": s, "prtcRemains": s, "prtcCnt": s,
            "vacctInfo": {"depositAmount": s},
        });
        let bytes = serde_json::to_vec(&body).unwrap();
        for r in [
            BillingReply::parse(&bytes).err(),
            PartialRefundReply::parse(&bytes).err(),
            InquiryReply::parse(&bytes).err(),
        ].into_iter().flatten() {
            let shown = format!("{r} {r:?}");
            prop_assert!(!shown.contains(breaks_a_log_line), "{}", shown.escape_debug());
        }
    }
}

#[test]
fn an_idc_name_from_outside_is_escaped() {
    use inipay_core::config::{Endpoints, Merchant, test_keys};
    let body = utf8_form(&[
        ("P_STATUS", "00"),
        ("P_TID", AUTH_TID),
        ("P_REQ_URL", "https://stgmobile.inicis.com/smart/payReq.ini"),
        ("idc_name", "k\ns"),
    ]);
    let AuthResult::Success(s) = AuthResult::parse(&body, Charset::Utf8).unwrap() else {
        panic!()
    };
    let m = Merchant::test(
        "INIpayTest",
        test_keys::inipay_test(),
        Endpoints::inicis_staging(),
    )
    .unwrap();
    let e = s.check_approval_url(&m).unwrap_err();
    assert_log_safe("idc", &e);
    assert_eq!(
        e.to_string(),
        "idc_name k\\ns does not match the P_REQ_URL host"
    );
}
