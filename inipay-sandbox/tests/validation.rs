//! One test per validation row of PROTOCOL.md 7.3, over real HTTP.

mod common;
use common::*;
use inipay_sandbox::browser::AutoForm;
use inipay_sandbox::wire::chkfake;

const HASH_KEY: &str = "3CB8183A4BE283555ACC8363C0360223";

async fn window_error(fields: &[(&'static str, String)]) -> (Option<String>, Option<String>) {
    window_error_at("/smart/payment/", fields).await
}

async fn window_error_at(
    path: &str,
    fields: &[(&'static str, String)],
) -> (Option<String>, Option<String>) {
    let (sb, _c) = start().await;
    let page = open_window(&sb, path, fields).await;
    assert!(
        !page.contains("name=\"session\""),
        "no payment window must open"
    );
    (
        meta(&page, "inicis-error-code").filter(|c| !c.is_empty()),
        meta(&page, "inicis-error-kind"),
    )
}

fn order() -> Vec<(&'static str, String)> {
    card_order("https://shop.example/next", "V1", "1000")
}

fn set(
    mut v: Vec<(&'static str, String)>,
    k: &'static str,
    val: &str,
) -> Vec<(&'static str, String)> {
    v.retain(|(n, _)| *n != k);
    v.push((k, val.into()));
    v
}

fn without(mut v: Vec<(&'static str, String)>, k: &str) -> Vec<(&'static str, String)> {
    v.retain(|(n, _)| *n != k);
    v
}

#[tokio::test]
async fn amount_missing_is_mx1003() {
    let (code, _) = window_error(&without(order(), "P_AMT")).await;
    assert_eq!(code.as_deref(), Some("MX1003"));
    let (code, _) = window_error(&set(order(), "P_AMT", "")).await;
    assert_eq!(code.as_deref(), Some("MX1003"));
}

#[tokio::test]
async fn letters_in_numeric_fields_are_mx3001() {
    for (k, v) in [
        ("P_AMT", "1,000"),
        ("P_AMT", "10a0"),
        ("P_TAX", "9l"),
        ("P_TIMESTAMP", "17040780000OO"),
    ] {
        let (code, _) = window_error(&set(order(), k, v)).await;
        assert_eq!(code.as_deref(), Some("MX3001"), "{k}={v}");
    }
}

#[tokio::test]
async fn phone_with_wrong_hpp_method_is_mx1006() {
    let phone = set(order(), "P_INI_PAYMENT", "MOBILE");
    for v in ["", "3", "x"] {
        let (code, _) = window_error(&set(phone.clone(), "P_HPP_METHOD", v)).await;
        assert_eq!(code.as_deref(), Some("MX1006"), "P_HPP_METHOD={v}");
    }
    // And via the legacy path.
    let (code, _) = window_error_at("/smart/mobile/", &without(order(), "P_INI_PAYMENT")).await;
    assert_eq!(code.as_deref(), Some("MX1006"));
}

#[tokio::test]
async fn unknown_method_or_mid_is_a_window_error_without_code() {
    assert_eq!(
        window_error(&set(order(), "P_INI_PAYMENT", "BITCOIN")).await,
        (None, Some("unknown_method".into()))
    );
    assert_eq!(
        window_error(&without(order(), "P_INI_PAYMENT")).await,
        (None, Some("unknown_method".into()))
    );
    assert_eq!(
        window_error(&set(order(), "P_MID", "NOTAMID001")).await,
        (None, Some("unknown_mid".into()))
    );
    let (sb, _c) = start().await;
    let page = client()
        .post(sb.url("/smart/paypal/"))
        .body("P_MID=INIpayTest")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        meta(&page, "inicis-error-kind").as_deref(),
        Some("unknown_method")
    );
}

#[tokio::test]
async fn urls_without_scheme_are_window_errors() {
    for k in ["P_NEXT_URL", "P_NOTI_URL", "P_RETURN_URL"] {
        for bad in ["shop.example/x", "ftp://shop.example/x", "//shop.example/x"] {
            assert_eq!(
                window_error(&set(order(), k, bad)).await,
                (None, Some("bad_url".into())),
                "{k}={bad}"
            );
        }
    }
}

#[tokio::test]
async fn vbank_without_noti_url_is_a_window_error() {
    let v = set(order(), "P_INI_PAYMENT", "VBANK");
    assert_eq!(
        window_error(&v).await,
        (None, Some("noti_url_required".into()))
    );
    // And 1trs bank transfer needs P_NOTI_URL and P_RETURN_URL.
    let b = set(
        set(order(), "P_INI_PAYMENT", "BANK"),
        "P_RESERVED",
        "centerCd=Y",
    );
    assert_eq!(
        window_error(&b).await,
        (None, Some("noti_url_required".into()))
    );
}

#[tokio::test]
async fn sizes_and_forbidden_characters() {
    assert_eq!(
        window_error(&set(order(), "P_OID", &"9".repeat(41)))
            .await
            .1
            .as_deref(),
        Some("too_long")
    );
    assert_eq!(
        window_error(&set(order(), "P_GOODS", &"상".repeat(41)))
            .await
            .1
            .as_deref(),
        Some("too_long")
    );
    assert_eq!(
        window_error(&set(order(), "P_OID", "A?B"))
            .await
            .1
            .as_deref(),
        Some("bad_character")
    );
    assert_eq!(
        window_error(&without(order(), "P_GOODS"))
            .await
            .1
            .as_deref(),
        Some("missing")
    );
    assert_eq!(
        window_error(&without(order(), "P_NEXT_URL"))
            .await
            .1
            .as_deref(),
        Some("missing")
    );
    // Not EUC-KR at all (a lone lead byte).
    let (sb, _c) = start().await;
    let page = client()
        .post(sb.url("/smart/payment/"))
        .body("P_MID=INIpayTest&P_GOODS=%C5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        meta(&page, "inicis-error-kind").as_deref(),
        Some("bad_encoding")
    );
}

#[tokio::test]
async fn amt_hash_mismatch_goes_back_to_next_url_with_status_01_and_no_tid() {
    let (sb, _c) = start().await;
    let ts = "1704078000000";
    let base = set(
        set(
            order(),
            "P_RESERVED",
            "twotrs_isp=Y&block_isp=Y&twotrs_isp_noti=N&centerCd=Y&amt_hash=Y",
        ),
        "P_TIMESTAMP",
        ts,
    );
    // Right hash: the window opens.
    let good = set(
        base.clone(),
        "P_CHKFAKE",
        &chkfake("1000", "V1", ts, HASH_KEY),
    );
    assert!(
        open_window(&sb, "/smart/payment/", &good)
            .await
            .contains("name=\"session\"")
    );
    // Hash over a different amount: straight back to P_NEXT_URL.
    let bad = set(
        base.clone(),
        "P_CHKFAKE",
        &chkfake("100", "V1", ts, HASH_KEY),
    );
    let r = client()
        .post(sb.url("/smart/payment/"))
        .body(euc_form(&as_refs(&bad)))
        .send()
        .await
        .unwrap();
    let auth = AutoForm::parse(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(auth.action, "https://shop.example/next");
    let f = decode_form(&auth.body(), false);
    assert_eq!(get(&f, "P_STATUS"), "01");
    assert!(!has(&f, "P_TID"));
    // amt_hash=Y without P_CHKFAKE at all.
    let page = open_window(&sb, "/smart/payment/", &base).await;
    assert_eq!(
        meta(&page, "inicis-error-kind").as_deref(),
        Some("chkfake_missing")
    );
}

#[tokio::test]
async fn chkfake_without_amt_hash_is_checked_only_when_configured() {
    let ts = "1704078000000";
    let bad = set(
        set(order(), "P_TIMESTAMP", ts),
        "P_CHKFAKE",
        "bm90IGEgaGFzaA==",
    );
    let (sb, _c) = start().await;
    assert!(
        open_window(&sb, "/smart/payment/", &bad)
            .await
            .contains("name=\"session\"")
    );
    let (sb, _c) = start_with(|c| inipay_sandbox::SandboxConfig {
        chkfake_always: true,
        ..c
    })
    .await;
    let r = client()
        .post(sb.url("/smart/payment/"))
        .body(euc_form(&as_refs(&bad)))
        .send()
        .await
        .unwrap();
    let f = decode_form(
        &AutoForm::parse(&r.bytes().await.unwrap()).unwrap().body(),
        false,
    );
    assert_eq!(get(&f, "P_STATUS"), "01");
}

#[tokio::test]
async fn approval_with_missing_or_wrong_mid_or_tid_is_status_01() {
    let (sb, _c) = start().await;
    let auth = sb.__seed_authenticated_card("INIpayTest", "A1", 1000);
    for body in [
        format!("P_TID={auth}"),
        "P_MID=INIpayTest".to_owned(),
        format!("P_MID=iniescrow0&P_TID={auth}"),
        "P_MID=INIpayTest&P_TID=INIMX_AUTHINIpayTest20240101120000999999".to_owned(),
    ] {
        let r = client()
            .post(sb.url("/smart/payReq.ini"))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let b = r.bytes().await.unwrap();
        assert!(b.starts_with(b"P_STATUS=01&P_RMESG1="), "{body}");
    }
    assert!(sb.transactions().is_empty());
    // The approval TID is not an auth TID.
    let tid = approved_card(&sb, "A2", 1000).await;
    let (_, b) = approve(&sb, "INIpayTest", &tid).await;
    assert!(b.starts_with(b"P_STATUS=01&"));
}

#[tokio::test]
async fn iniapi_hash_mismatch_and_missing_fields() {
    let (sb, _c) = start().await;
    let tid = approved_card(&sb, "H1", 1000).await;
    let r = v1(
        &sb,
        "/api/v1/refund",
        &[
            ("type", "Refund"),
            ("paymethod", "Card"),
            ("timestamp", TS),
            ("clientIp", IP),
            ("mid", "INIpayTest"),
            ("tid", &tid),
            ("msg", "x"),
            ("hashData", &sha512("wrong")),
        ],
    )
    .await;
    assert_eq!(r["resultCode"], "01");
    assert!(r["resultMsg"].as_str().unwrap().contains("hashData"));
    let r = v1(
        &sb,
        "/api/v1/refund",
        &[
            ("type", "Refund"),
            ("paymethod", "Card"),
            ("mid", "INIpayTest"),
        ],
    )
    .await;
    assert_eq!(r["resultCode"], "01");
    assert!(r["resultMsg"].as_str().unwrap().starts_with("[ER0102]"));
    // v1 refuses JSON bodies.
    let r = client()
        .post(sb.url("/api/v1/refund"))
        .body("{\"type\":\"Refund\"}")
        .send()
        .await
        .unwrap();
    let j: serde_json::Value = r.json().await.unwrap();
    assert_eq!(j["resultCode"], "01");
    // Billing without buyer fields: ER0102.
    let hash = sha512(&format!("{BILL_KEY}BillingCard{TS}{IP}INIBillTstm11000k"));
    let r = v1(
        &sb,
        "/api/v1/billing",
        &[
            ("type", "Billing"),
            ("paymethod", "Card"),
            ("timestamp", TS),
            ("clientIp", IP),
            ("mid", "INIBillTst"),
            ("url", "x"),
            ("moid", "m1"),
            ("goodName", "g"),
            ("price", "1000"),
            ("billKey", "k"),
            ("authentification", "00"),
            ("hashData", &hash),
        ],
    )
    .await;
    assert!(r["resultMsg"].as_str().unwrap().contains("buyerName"));
    assert_eq!(sb.transaction(&tid).unwrap().remaining, 1000);
}

#[tokio::test]
async fn refund_of_cancelled_tid_is_512626() {
    let (sb, _c) = start().await;
    let tid = approved_card(&sb, "R1", 1000).await;
    assert_eq!(v1_refund(&sb, &tid).await["resultCode"], "00");
    let r = v1_refund(&sb, &tid).await;
    assert_eq!(r["resultCode"], "01");
    assert_eq!(r["resultMsg"], "기 취소 거래");
    assert_eq!(r["detailResultCode"], "512626");
}

#[tokio::test]
async fn partial_refund_with_wrong_confirm_price_fails_unless_disabled() {
    let (sb, _c) = start().await;
    let tid = approved_card(&sb, "P1", 1000).await;
    let r = v1_partial(&sb, &tid, 300, 600).await;
    assert_eq!(r["resultCode"], "01");
    assert!(r["resultMsg"].as_str().unwrap().contains("confirmPrice"));
    assert_eq!(sb.transaction(&tid).unwrap().remaining, 1000);
    let r = v1_partial(&sb, &tid, 1001, 0).await;
    assert_eq!(r["resultCode"], "01");

    let (sb, _c) = start_with(|c| inipay_sandbox::SandboxConfig {
        check_confirm_price: false,
        ..c
    })
    .await;
    let tid = approved_card(&sb, "P2", 1000).await;
    assert_eq!(v1_partial(&sb, &tid, 300, 600).await["resultCode"], "00");
}

#[tokio::test]
async fn billing_with_zero_price_or_unknown_billkey() {
    let (sb, _c) = start().await;
    let r = v1_billing(
        &sb,
        "Card",
        "M1",
        "0",
        "734f880246ece4ffdba841c1436399c9968d32cc",
    )
    .await;
    assert_eq!(r["resultCode"], "01");
    assert_eq!(r["resultMsg"], "[1113][실시간빌링실패|요청금액 0원 이하]");
    let r = v1_billing(
        &sb,
        "Card",
        "M2",
        "1000",
        "734f880246ece4ffdba841c1436399c9968d32cc",
    )
    .await;
    assert_eq!(r["resultCode"], "01");
    assert!(r["resultMsg"].as_str().unwrap().starts_with("[1195]"));
}
