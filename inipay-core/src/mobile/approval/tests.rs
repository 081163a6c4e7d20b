//! Tests of the approval module: the captured replies of PROTOCOL.md 2.5,
//! verification, redaction, proptests and round trips.

use super::*;
use crate::config::{Endpoints, test_keys};
use crate::mobile::reply::{CashReceiptKind, MAX_BODY_BYTES};
use proptest::prelude::*;

/// PROTOCOL.md 2.5, the ISP card capture, as shown decoded.
const ISP_TEXT: &str = "P_STATUS=00&P_AUTH_DT=20200821102612&P_AUTH_NO=22043784&P_RMESG1=성공적으로 처리 하였습니다.&P_RMESG2=00&P_TID=INIMX_ISP_INIpayTest20200821102612225347&P_FN_CD1=06&P_AMT=1005&P_TYPE=CARD&P_UNAME=홍길동&P_MID=INIpayTest&P_OID=I1234567890123&P_NOTI=tb_item_cart.ic_seq&P_NEXT_URL=https://gopet.kr/pet/mainpage/INI_return.php&P_MNAME=울모애견샵&P_NOTEURL=&P_CARD_MEMBER_NUM=&P_CARD_NUM=536510*********8&P_CARD_ISSUER_CODE=04&P_CARD_PURCHASE_CODE=06&P_CARD_PRTC_CODE=1&P_CARD_INTEREST=0&P_CARD_CHECKFLAG=1&P_CARD_ISSUER_NAME=국민카드&P_CARD_PURCHASE_NAME=국민계열&P_FN_NM=국민계열&P_ISP_CARDCODE=050204900094081&P_CARD_APPLPRICE=1005";

/// PROTOCOL.md 2.5, the VBANK issuance capture.
const VBANK_TEXT: &str = "P_STATUS=00&P_AUTH_DT=20160504112904&P_AUTH_NO=&P_RMESG1=성공적으로 처리 하였습니다.&P_RMESG2=&P_TID=INIMX_VBNKINIpayTest20160504112903950668&P_FN_CD1=&P_AMT=1000&P_TYPE=VBANK&P_UNAME=&P_MID=INIpayTest&P_OID=INIpayTest_1462328917187&P_NOTI=&P_NEXT_URL=http://sozo.bestvpn.net/m/pay_save.php&P_MNAME=해피정닷컴&P_NOTEURL=&P_VACT_NUM=56211101573948&P_VACT_DATE=20160514&P_VACT_TIME=235900&P_VACT_NAME=이니시스㈜테스트입&P_VACT_BANK_CODE=88";

/// PROTOCOL.md 2.5, the UTF-8 card capture (a parsed map), as pairs.
const CARD_MAP: &[(&str, &str)] = &[
    ("P_STATUS", "00"),
    ("P_RMESG1", "성공적으로 처리 하였습니다."),
    ("P_TID", "INIMX_CARDINIpayTest20241030120339525932"),
    ("P_TYPE", "CARD"),
    ("P_AUTH_DT", "20241030120339"),
    ("P_AUTH_NO", "00694683"),
    ("P_MID", "INIpayTest"),
    ("P_OID", "6e9143d98da24514"),
    ("P_AMT", "2000"),
    ("P_UNAME", "정상상"),
    ("P_MNAME", ""),
    ("P_NOTI", ""),
    ("P_NEXT_URL", "http://localhost:5000/api/pgreturn-mobile"),
    ("P_NOTEURL", ""),
    ("P_RMESG2", "00"),
    ("P_FN_CD1", "04"),
    ("P_FN_NM", "현대카드"),
    ("P_CARD_NUM", "529942*********0"),
    ("P_CARD_ISSUER_CODE", "00"),
    ("P_CARD_ISSUER_NAME", "현대(다이너스)카드"),
    ("P_CARD_PURCHASE_CODE", "04"),
    ("P_CARD_PURCHASE_NAME", "현대카드"),
    ("P_CARD_MEMBER_NUM", ""),
    ("P_CARD_PRTC_CODE", "1"),
    ("P_CARD_INTEREST", "0"),
    ("P_CARD_CHECKFLAG", "0"),
    ("P_CARD_APPLPRICE", "2000"),
    ("CARD_CorpFlag", "0"),
    ("EventCode", ""),
];

fn euc_kr(text: &str) -> Vec<u8> {
    let (bytes, _, had_errors) = encoding_rs::EUC_KR.encode(text);
    assert!(!had_errors);
    bytes.into_owned()
}

/// The UTF-8 card map as INICIS sends it: raw values, only `%` for the `=`
/// inside P_MERCHANT_RESERVED.
fn card_body() -> Vec<u8> {
    let mut s: Vec<String> = CARD_MAP.iter().map(|(k, v)| format!("{k}={v}")).collect();
    s.push("P_MERCHANT_RESERVED=dXNlcG9pbnQ9MCY%3D".into());
    s.join("&").into_bytes()
}

fn expected(oid: &str, amount: u64) -> Expected {
    Expected::new(
        Mid::new("INIpayTest").unwrap(),
        OrderId::new(oid).unwrap(),
        Amount::won(amount),
    )
}

#[test]
fn isp_card_capture_euc_kr() {
    let body = euc_kr(ISP_TEXT);
    assert!(body.len() < ISP_TEXT.len(), "Korean is 2 bytes in EUC-KR");
    let r = ApprovalReply::parse(&body, Charset::EucKr).unwrap();
    assert!(r.is_success());
    assert_eq!(r.result.outcome, Outcome::Success);
    assert_eq!(r.result.message, "성공적으로 처리 하였습니다.");
    assert_eq!(
        r.tid.as_ref().unwrap().as_str(),
        "INIMX_ISP_INIpayTest20200821102612225347"
    );
    assert_eq!(r.pay_type, Some(PayType::Card));
    assert_eq!(r.approved_at.as_ref().unwrap().as_str(), "20200821102612");
    assert_eq!(r.auth_no.as_deref(), Some("22043784"));
    assert_eq!(r.mid.as_ref().unwrap().as_str(), "INIpayTest");
    assert_eq!(r.order_id.as_deref(), Some("I1234567890123"));
    assert_eq!(r.amount, Some(Amount::won(1005)));
    assert_eq!(r.buyer_name.as_ref().unwrap().expose(), "홍길동");
    assert_eq!(r.merchant_name.as_deref(), Some("울모애견샵"));
    assert_eq!(r.merchant_data.as_deref(), Some("tb_item_cart.ic_seq"));
    assert_eq!(
        r.next_url.as_deref(),
        Some("https://gopet.kr/pet/mainpage/INI_return.php")
    );
    assert_eq!(r.noti_url, None, "empty means absent");
    let MethodDetails::Card(c) = &r.details else {
        panic!("{:?}", r.details)
    };
    assert_eq!(c.card_number.as_ref().unwrap().expose(), "536510*********8");
    assert_eq!(c.issuer_code.as_deref(), Some("04"));
    assert_eq!(c.issuer_name.as_deref(), Some("국민카드"));
    assert_eq!(c.purchase_code.as_deref(), Some("06"));
    assert_eq!(c.purchase_name.as_deref(), Some("국민계열"));
    assert_eq!(c.company_code.as_deref(), Some("06"));
    assert_eq!(c.company_name.as_deref(), Some("국민계열"));
    assert_eq!(c.member_number, None);
    assert_eq!(c.installment_months, Some(0));
    assert_eq!(c.interest, Some(CardInterest::Normal));
    assert_eq!(c.kind, Some(CardKind::Check));
    assert_eq!(c.partial_cancel, Some(PartialCancel::Allowed));
    assert_eq!(c.isp_card_code.as_deref(), Some("050204900094081"));
    assert_eq!(c.applied_price, Some(Amount::won(1005)));
    assert_eq!(c.corp_flag, None);

    let Approved::Paid(p) = r.verify(&expected("I1234567890123", 1005)).unwrap() else {
        panic!("card is paid")
    };
    assert_eq!(p.tid().prefix(), Some("INIMX_ISP_"));
    assert_eq!(p.amount(), Amount::won(1005));
    assert!(matches!(p.method(), PaidMethod::Card(_)));
}

#[test]
fn card_capture_utf8() {
    let r = ApprovalReply::parse(&card_body(), Charset::Utf8).unwrap();
    assert_eq!(r.order_id.as_deref(), Some("6e9143d98da24514"));
    assert_eq!(r.amount, Some(Amount::won(2000)));
    assert_eq!(r.buyer_name.as_ref().unwrap().expose(), "정상상");
    assert_eq!(r.merchant_name, None);
    let MethodDetails::Card(c) = &r.details else {
        panic!()
    };
    assert_eq!(c.card_number.as_ref().unwrap().expose(), "529942*********0");
    assert_eq!(c.issuer_code.as_deref(), Some("00"));
    assert_eq!(c.issuer_name.as_deref(), Some("현대(다이너스)카드"));
    assert_eq!(c.purchase_name.as_deref(), Some("현대카드"));
    assert_eq!(c.kind, Some(CardKind::Credit));
    assert_eq!(c.corp_flag, Some(CorpFlag::Personal));
    assert_eq!(c.event_code, None);
    assert_eq!(c.merchant_reserved.as_deref(), Some("dXNlcG9pbnQ9MCY="));
    assert_eq!(
        r.form().get("P_MERCHANT_RESERVED"),
        Some("dXNlcG9pbnQ9MCY=")
    );
    let a = r.verify(&expected("6e9143d98da24514", 2000)).unwrap();
    assert_eq!(a.tid().as_str(), "INIMX_CARDINIpayTest20241030120339525932");
}

/// The same card capture as INICIS sends it by default, in EUC-KR bytes
/// (PROTOCOL.md 2.5: EUC-KR unless `P_CHARSET=utf8`): the same typed values.
#[test]
fn card_capture_euc_kr() {
    let text = String::from_utf8(card_body()).unwrap();
    let body = euc_kr(&text);
    assert!(body.len() < text.len(), "Korean is 2 bytes in EUC-KR");
    let r = ApprovalReply::parse(&body, Charset::EucKr).unwrap();
    assert_eq!(r.charset, Charset::EucKr);
    assert_eq!(
        r,
        ApprovalReply {
            charset: Charset::EucKr,
            ..ApprovalReply::parse(&card_body(), Charset::Utf8).unwrap()
        }
    );
    assert_eq!(r.result.message, "성공적으로 처리 하였습니다.");
    assert_eq!(r.buyer_name.as_ref().unwrap().expose(), "정상상");
    assert_eq!(r.auth_no.as_deref(), Some("00694683"));
    assert_eq!(r.approved_at.as_ref().unwrap().as_str(), "20241030120339");
    let MethodDetails::Card(c) = &r.details else {
        panic!("{:?}", r.details)
    };
    assert_eq!(c.issuer_name.as_deref(), Some("현대(다이너스)카드"));
    assert_eq!(c.company_name.as_deref(), Some("현대카드"));
    assert_eq!(c.applied_price, Some(Amount::won(2000)));
    assert_eq!(c.partial_cancel, Some(PartialCancel::Allowed));
    assert_eq!(c.interest, Some(CardInterest::Normal));
    let Approved::Paid(p) = r.verify(&expected("6e9143d98da24514", 2000)).unwrap() else {
        panic!("card is paid")
    };
    assert_eq!(p.tid().prefix(), Some("INIMX_CARD"));
    // Asked for UTF-8, the EUC-KR bytes (invalid UTF-8) are read as EUC-KR,
    // and the reply says so.
    let as_utf8 = ApprovalReply::parse(&body, Charset::Utf8).unwrap();
    assert_eq!(as_utf8.charset, Charset::EucKr);
    assert_eq!(as_utf8, r);
}

#[test]
fn corp_flag_both_spellings() {
    for key in ["CARD_CorpFlag", "CARD_CorpFlg"] {
        let body = format!("P_STATUS=00&P_TYPE=CARD&{key}=1");
        let r = ApprovalReply::parse(body.as_bytes(), Charset::Utf8).unwrap();
        let MethodDetails::Card(c) = r.details else {
            panic!()
        };
        assert_eq!(c.corp_flag, Some(CorpFlag::Corporate), "{key}");
    }
}

#[test]
fn vbank_capture_is_an_issuance_not_a_payment() {
    let r = ApprovalReply::parse(&euc_kr(VBANK_TEXT), Charset::EucKr).unwrap();
    let MethodDetails::VbankIssued(v) = &r.details else {
        panic!()
    };
    assert_eq!(
        v.account_number.as_ref().unwrap().expose(),
        "56211101573948"
    );
    assert_eq!(v.deadline.as_ref().unwrap().as_str(), "20160514235900");
    assert_eq!(v.holder_name.as_deref(), Some("이니시스㈜테스트입"));
    assert_eq!(v.bank_code.as_deref(), Some("88"));
    assert_eq!(r.auth_no, None);
    assert_eq!(r.buyer_name, None);
    match r
        .verify(&expected("INIpayTest_1462328917187", 1000))
        .unwrap()
    {
        Approved::VbankIssued(i) => {
            assert_eq!(i.amount_due(), Amount::won(1000));
            assert_eq!(i.account_number().expose(), "56211101573948");
            assert_eq!(i.account().deadline.as_ref().unwrap().date(), "20160514");
            assert_eq!(i.tid().prefix(), Some("INIMX_VBNK"));
            let d = format!("{i:?}");
            assert!(!d.contains("56211101573948"), "{d}");
        }
        Approved::Paid(p) => panic!("a vbank issuance became a payment: {p:?}"),
    }
    // An issuance without an account number cannot be used: net-cancel.
    let no_acct = VBANK_TEXT.replace("P_VACT_NUM=56211101573948", "P_VACT_NUM=");
    let r = ApprovalReply::parse(&euc_kr(&no_acct), Charset::EucKr).unwrap();
    let e = r
        .verify(&expected("INIpayTest_1462328917187", 1000))
        .unwrap_err();
    assert_eq!(
        e,
        VerifyError::Mismatch {
            field: "P_VACT_NUM",
            kind: MismatchKind::Missing
        }
    );
    assert!(e.requires_net_cancel());
}

#[test]
fn verify_names_the_mismatching_field() {
    let r = ApprovalReply::parse(&card_body(), Charset::Utf8).unwrap();
    let cases = [
        (
            Expected::new(
                Mid::new("OTHERMID01").unwrap(),
                OrderId::new("6e9143d98da24514").unwrap(),
                Amount::won(2000),
            ),
            "P_MID",
        ),
        (expected("6e9143d98da24515", 2000), "P_OID"),
        (expected("6e9143d98da24514", 2001), "P_AMT"),
    ];
    for (exp, field) in cases {
        let e = r.verify(&exp).unwrap_err();
        assert_eq!(
            e,
            VerifyError::Mismatch {
                field,
                kind: MismatchKind::Different
            }
        );
        assert!(e.requires_net_cancel());
        assert!(e.to_string().contains(field), "{e}");
    }
    for field in ["P_TID", "P_MID", "P_OID", "P_AMT"] {
        let body: Vec<String> = CARD_MAP
            .iter()
            .filter(|(k, _)| *k != field)
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let r = ApprovalReply::parse(body.join("&").as_bytes(), Charset::Utf8).unwrap();
        assert_eq!(
            r.verify(&expected("6e9143d98da24514", 2000)).unwrap_err(),
            VerifyError::Mismatch {
                field,
                kind: MismatchKind::Missing
            }
        );
    }
}

#[test]
fn failure_reply_is_not_approved_and_needs_no_net_cancel() {
    let body = euc_kr("P_STATUS=01&P_RMESG1=[500021]한도초과&P_TID=garbage tid&P_AMT=x");
    let r = ApprovalReply::parse(&body, Charset::EucKr).unwrap();
    assert!(!r.is_success());
    assert_eq!(r.result.outcome, Outcome::Unknown);
    assert_eq!(r.result.detail.as_deref(), Some("500021"));
    assert_eq!(r.tid, None, "malformed ids are dropped on failure");
    assert_eq!(r.amount, None);
    let e = r.verify(&expected("O1", 1)).unwrap_err();
    assert!(matches!(e, VerifyError::NotApproved(ref c) if c.code == "01"));
    assert!(!e.requires_net_cancel());
}

#[test]
fn malformed_success_is_a_typed_error() {
    for (body, field) in [
        ("P_STATUS=00&P_AMT=1.5", "P_AMT"),
        ("P_STATUS=00&P_MID=short", "P_MID"),
        ("P_STATUS=00&P_TID=a b", "P_TID"),
        ("P_RMESG1=x", "P_STATUS"),
        ("P_STATUS=00&P_TYPE=ABCDEFGHIJK", "P_TYPE"),
    ] {
        let e = ApprovalReply::parse(body.as_bytes(), Charset::Utf8).unwrap_err();
        assert_eq!(e.field(), Some(field), "{body}");
        assert!(e.to_string().contains("approval reply"), "{e}");
    }
    let oid = "o".repeat(101);
    let e = ApprovalReply::parse(format!("P_STATUS=00&P_OID={oid}").as_bytes(), Charset::Utf8)
        .unwrap_err();
    assert_eq!(e.field(), Some("P_OID"));
    assert!(
        ApprovalReply::parse(
            format!("P_STATUS=00&P_OID={}", &oid[1..]).as_bytes(),
            Charset::Utf8
        )
        .is_ok()
    );
    // Valid in neither charset (a lone EUC-KR lead byte, invalid UTF-8 too).
    let e = ApprovalReply::parse(b"P_STATUS=00&P_RMESG1=%B0", Charset::Utf8).unwrap_err();
    assert!(matches!(e, ParseError::Malformed { .. }));
    assert_eq!(e.field(), Some("P_RMESG1"));
    let big = vec![b'a'; MAX_BODY_BYTES + 1];
    assert!(matches!(
        ApprovalReply::parse(&big, Charset::Utf8),
        Err(ParseError::TooLarge { .. })
    ));
}

#[test]
fn method_details_per_type() {
    let phone = "P_STATUS=00&P_TYPE=MOBILE&P_HPP_CORP=SKT&P_HPP_NUM=01012345678&P_HPP_BILLKEY=BILLKEYSECRET123";
    let r = ApprovalReply::parse(phone.as_bytes(), Charset::Utf8).unwrap();
    let MethodDetails::Mobile(m) = &r.details else {
        panic!()
    };
    assert_eq!(m.carrier.as_deref(), Some("SKT"));
    assert_eq!(m.phone_number.as_ref().unwrap().expose(), "01012345678");
    assert_eq!(
        m.billkey.as_ref().unwrap().expose_secret(),
        "BILLKEYSECRET123"
    );
    let bank = "P_STATUS=00&P_TYPE=BANK&P_FN_CD1=88&P_FN_NM=Shinhan&P_CSHR_CODE=220000&P_CSHR_AMT=1000&P_CSHR_TYPE=0&P_CSHR_DT=20240101120000";
    let r = ApprovalReply::parse(bank.as_bytes(), Charset::Utf8).unwrap();
    let MethodDetails::Bank(b) = &r.details else {
        panic!()
    };
    assert_eq!(b.bank_code.as_deref(), Some("88"));
    let c = b.cash_receipt.as_ref().unwrap();
    assert!(c.is_issued());
    assert_eq!(c.amount, Some(Amount::won(1000)));
    assert_eq!(c.kind, Some(CashReceiptKind::IncomeDeduction));
    for (t, g) in [
        ("CULTURE", GiftCard::Culture),
        ("HPMN", GiftCard::HappyMoney),
        ("DGCL", GiftCard::SmartCulture),
    ] {
        let r = ApprovalReply::parse(format!("P_STATUS=00&P_TYPE={t}").as_bytes(), Charset::Utf8)
            .unwrap();
        assert_eq!(r.details, MethodDetails::GiftCard(g));
    }
    let r = ApprovalReply::parse(b"P_STATUS=00&P_TYPE=EWALLET", Charset::Utf8).unwrap();
    assert_eq!(r.details, MethodDetails::Other("EWALLET".into()));
    let r = ApprovalReply::parse(b"P_STATUS=00", Charset::Utf8).unwrap();
    assert_eq!(r.details, MethodDetails::Other(String::new()));
}

#[test]
fn debug_redacts_personal_and_card_data() {
    let phone = "P_STATUS=00&P_TYPE=MOBILE&P_UNAME=%ED%99%8D%EA%B8%B8%EB%8F%99&P_HPP_NUM=01099998888&P_HPP_BILLKEY=BILLKEYSECRET123";
    let r = ApprovalReply::parse(phone.as_bytes(), Charset::Utf8).unwrap();
    let card = ApprovalReply::parse(&card_body(), Charset::Utf8).unwrap();
    let vbank = ApprovalReply::parse(&euc_kr(VBANK_TEXT), Charset::EucKr).unwrap();
    let all = format!(
        "{r:?}{card:?}{vbank:?}{:?}",
        card.verify(&expected("6e9143d98da24514", 2000)).unwrap()
    );
    for secret in [
        "01099998888",
        "BILLKEYSECRET123",
        "홍길동",
        "529942",
        "정상상",
        "56211101573948",
    ] {
        assert!(!all.contains(secret), "{secret} leaked");
    }
    assert!(all.contains("INIMX_CARDINIpayTest20241030120339525932"));
}

#[test]
fn approval_request_is_exactly_mid_and_tid() {
    let m = Merchant::test(
        "INIpayTest",
        test_keys::inipay_test(),
        Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
    )
    .unwrap();
    let tid = Tid::new("INIMX_AUTHINIpayTest20241029164022745656").unwrap();
    let req = ApprovalRequest::new(
        &m,
        &tid,
        "http://127.0.0.1:8081/smart/payReq.ini",
        Charset::EucKr,
    )
    .unwrap();
    assert_eq!(req.url(), "http://127.0.0.1:8081/smart/payReq.ini");
    let f = Form::parse(req.body(), Charset::Utf8).unwrap();
    assert_eq!(
        f.pairs(),
        &[
            ("P_MID".to_owned(), "INIpayTest".to_owned()),
            ("P_TID".to_owned(), tid.as_str().to_owned())
        ]
    );
    assert_eq!(req.reply_charset(), Charset::EucKr);
    assert_eq!(
        ApprovalRequest::new(
            &m,
            &tid,
            "http://127.0.0.2:8081/smart/payReq.ini",
            Charset::EucKr
        ),
        Err(ApprovalUrlNotAllowed)
    );
}

fn opt<T: std::fmt::Debug + Clone>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<T>> {
    proptest::option::of(s)
}

fn text() -> impl Strategy<Value = String> {
    // Trimmed, non-empty text with Korean and the characters that need escaping.
    "[가-힣a-zA-Z0-9=&%+.:/()㈜]([가-힣a-zA-Z0-9 =&%+.:/()㈜]{0,18}[가-힣a-zA-Z0-9=&%+.:/()㈜])?"
}

fn amount() -> impl Strategy<Value = Amount> {
    (0u64..10_000_000_000).prop_map(Amount::won)
}

fn datetime() -> impl Strategy<Value = KstDateTime> {
    (
        2000u32..2100,
        1u32..13,
        1u32..29,
        0u32..24,
        0u32..60,
        0u32..60,
    )
        .prop_map(|(y, mo, d, h, mi, s)| {
            KstDateTime::parse(&format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")).unwrap()
        })
}

fn cash_receipt() -> impl Strategy<Value = Option<CashReceipt>> {
    opt((
        opt("[0-9]{6}"),
        opt(text()),
        opt(amount()),
        opt(amount()),
        opt(prop_oneof![
            Just(CashReceiptKind::IncomeDeduction),
            Just(CashReceiptKind::ExpenseProof)
        ]),
        opt(datetime()),
        opt("[0-9]{9}"),
    )
        .prop_map(
            |(code, message, amount, tax, kind, issued_at, auth_no)| CashReceipt {
                code,
                message,
                amount,
                supply_amount: amount,
                tax,
                service_amount: None,
                kind,
                issued_at,
                auth_no,
            },
        ))
    .prop_map(|c| c.filter(|c| *c != CashReceipt::default()))
}

fn details() -> impl Strategy<Value = (PayType, MethodDetails)> {
    let card = (
        opt("[0-9]{6}\\*{9}[0-9]"),
        opt("[0-9]{2}"),
        opt(text()),
        opt(0u8..37),
        opt(prop_oneof![
            Just(CardKind::Credit),
            Just(CardKind::Check),
            Just(CardKind::Gift)
        ]),
        opt(amount()),
        opt(prop_oneof![
            Just(CorpFlag::Personal),
            Just(CorpFlag::Corporate),
            Just(CorpFlag::Unknown),
            "[A-Z]".prop_map(|s| CorpFlag::from_wire(&s))
        ]),
    )
        .prop_map(|(num, code, name, months, kind, price, corp)| {
            (
                PayType::Card,
                MethodDetails::Card(CardDetails {
                    card_number: num.map(Redacted::new),
                    issuer_code: code.clone(),
                    issuer_name: name.clone(),
                    purchase_code: code.clone(),
                    purchase_name: name.clone(),
                    company_code: code,
                    company_name: name,
                    installment_months: months,
                    interest: Some(CardInterest::InterestFree),
                    kind,
                    partial_cancel: Some(PartialCancel::NotAllowed),
                    isp_card_code: Some("050204900094081".into()),
                    applied_price: price,
                    corp_flag: corp,
                    ..CardDetails::default()
                }),
            )
        });
    let bank = (opt("[0-9]{2}"), opt(text()), cash_receipt()).prop_map(|(c, n, r)| {
        (
            PayType::Bank,
            MethodDetails::Bank(BankDetails {
                bank_code: c,
                bank_name: n,
                cash_receipt: r,
            }),
        )
    });
    let vbank = (
        opt("[0-9]{10,20}"),
        opt(datetime()),
        opt(text()),
        cash_receipt(),
    )
        .prop_map(|(a, d, n, r)| {
            (
                PayType::Vbank,
                MethodDetails::VbankIssued(VbankAccount {
                    account_number: a.map(Redacted::new),
                    deadline: d,
                    holder_name: n.clone(),
                    bank_code: Some("88".into()),
                    bank_name: n,
                    cash_receipt: r,
                }),
            )
        });
    let mobile =
        (opt("SKT|KTF|LGT"), opt("01[0-9]{9}"), opt("[a-f0-9]{40}")).prop_map(|(c, n, k)| {
            (
                PayType::Mobile,
                MethodDetails::Mobile(MobileDetails {
                    carrier: c,
                    phone_number: n.map(Redacted::new),
                    billkey: k.map(SecretString::from),
                }),
            )
        });
    let gift = prop_oneof![
        Just((PayType::Culture, MethodDetails::GiftCard(GiftCard::Culture))),
        Just((
            PayType::HappyMoney,
            MethodDetails::GiftCard(GiftCard::HappyMoney)
        )),
        Just((
            PayType::SmartCulture,
            MethodDetails::GiftCard(GiftCard::SmartCulture)
        )),
        Just((
            PayType::Other("ETC_".into()),
            MethodDetails::Other("ETC_".into())
        )),
    ];
    prop_oneof![card, bank, vbank, mobile, gift]
}

fn arb_reply() -> impl Strategy<Value = ApprovalReply> {
    (
        prop_oneof![Just("00"), Just("01")],
        text(),
        "[A-Za-z0-9_]{40}",
        details(),
        opt(datetime()),
        opt("[0-9]{8}"),
        "[A-Za-z0-9_.-]{1,100}",
        amount(),
        opt(text()),
        opt(text()),
        opt("[A-Z]"),
    )
        .prop_map(
            |(status, msg, tid, (pay_type, details), at, auth_no, oid, amt, name, noti, src)| {
                ApprovalReply {
                    result: ResultCode::new(
                        if status == "00" {
                            Outcome::Success
                        } else {
                            Outcome::Unknown
                        },
                        status,
                        msg,
                    ),
                    tid: Some(Tid::new(tid).unwrap()),
                    pay_type: Some(pay_type),
                    approved_at: at,
                    auth_no,
                    mid: Some(Mid::new("INIpayTest").unwrap()),
                    order_id: Some(oid),
                    amount: Some(amt),
                    buyer_name: name.map(Redacted::new),
                    merchant_name: Some("울모애견샵".into()),
                    merchant_data: noti,
                    next_url: Some("https://shop.example.com/next?a=1&b=2".into()),
                    noti_url: None,
                    src_code: src,
                    details,
                    charset: Charset::EucKr,
                    form: Form::new(),
                }
            },
        )
}

proptest! {
    #[test]
    fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..768)) {
        for cs in [Charset::EucKr, Charset::Utf8] {
            if let Ok(r) = ApprovalReply::parse(&bytes, cs) {
                let _ = r.verify(&expected("O1", 1));
                let _ = format!("{r:?}");
            }
        }
    }

    #[test]
    fn parse_never_panics_on_near_valid(
        pairs in proptest::collection::vec((
            prop_oneof![
                Just("P_STATUS"), Just("P_TID"), Just("P_TYPE"), Just("P_AMT"), Just("P_MID"),
                Just("P_OID"), Just("P_RMESG2"), Just("P_VACT_DATE"), Just("P_VACT_TIME"),
                Just("P_AUTH_DT"), Just("P_CARD_APPLPRICE"), Just("CARD_CorpFlag")
            ],
            prop_oneof![Just("00".to_owned()), Just("CARD".to_owned()), Just("VBANK".to_owned()), "\\PC{0,12}"],
        ), 0..16)
    ) {
        let body = Charset::Utf8.encode_form(pairs).unwrap();
        let _ = ApprovalReply::parse(&body, Charset::Utf8).map(|r| r.verify(&expected("O1", 1)));
    }

    #[test]
    fn roundtrip(reply in arb_reply(), euc in any::<bool>()) {
        let charset = if euc { Charset::EucKr } else { Charset::Utf8 };
        let body = reply.to_form().encode(charset).unwrap();
        let mut parsed = ApprovalReply::parse(&body, charset).unwrap();
        prop_assert_eq!(parsed.form().len(), reply.to_form().len());
        parsed.form = Form::new();
        prop_assert_eq!(parsed.charset, charset);
        prop_assert_eq!(&parsed, &ApprovalReply { charset, ..reply.clone() });
        // Verification agrees with the typed values.
        let exp = Expected::new(
            Mid::new("INIpayTest").unwrap(),
            OrderId::new("x").unwrap(),
            reply.amount.unwrap(),
        );
        let v = parsed.verify(&exp);
        if reply.is_success() {
            prop_assert!(v.unwrap_err().requires_net_cancel() || reply.order_id.as_deref() == Some("x"));
        } else {
            prop_assert!(matches!(v, Err(VerifyError::NotApproved(_))));
        }
    }
}
