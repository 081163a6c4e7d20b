//! Billing-key windows, INIAPI v1/v2 (billing, refunds, partial refunds,
//! inquiry) and the control API, over real HTTP (PROTOCOL.md 3-5, 7).

mod common;
use common::*;
use inipay_sandbox::browser::AutoForm;
use inipay_sandbox::wire;
use inipay_sandbox::{BillkeyIv, Sandbox, SandboxConfig};
use serde_json::Value;

const LITE: &str = "b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09";
const BILL_TS: &str = "20130808171939";

/// Opens an inibill window and presses a button; returns the result form.
async fn inibill(
    sb: &Sandbox,
    path: &str,
    fields: &[(&str, &str)],
    action: &str,
    extra: &[(&str, &str)],
) -> AutoForm {
    let page = client()
        .post(sb.url(path))
        .body(utf8_form(fields))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("빌링키 발급"), "{page}");
    let mut f = vec![
        ("session", session_of_bill(&page)),
        ("action", action.to_owned()),
    ];
    f.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = client()
        .post(sb.url("/inibill/sandbox/complete"))
        .body(utf8_form(&refs))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/html; charset=UTF-8");
    AutoForm::parse(&r.bytes().await.unwrap()).unwrap()
}

fn session_of_bill(page: &str) -> String {
    session_of(page)
}

/// PROTOCOL.md 3.3 / 6 V1: hashdata of the manual's sample (ORDERID1234, 20130808171939).
const V1_HASHDATA: &str = "964bc7c98d9b3ca3a1375d97bd5637a92209869b55f397ea8a47f9b088fe9c69";

fn card_req<'a>(
    oid: &'a str,
    hash: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut v = vec![
        ("mid", "INIBillTst"),
        ("authtype", "D"),
        ("orderid", oid),
        ("price", "1000"),
        ("goodname", "월정액"),
        ("buyername", "홍길동"),
        ("buyertel", "01012345678"),
        ("buyeremail", "test@example.com"),
        ("returnurl", "https://shop.example/bill/return"),
        ("timestamp", BILL_TS),
        ("period", "M2"),
        ("merchantreserved", "below1000=Y"),
        ("p_noti", "bm90aQ=="),
        ("hashdata", hash),
    ];
    v.extend_from_slice(extra);
    v
}

#[tokio::test]
async fn inibill_card_key_then_billing_charge_then_refund() {
    let (sb, _c) = start().await;
    // V1 vector of PROTOCOL.md 3.3.
    let req = card_req("ORDERID1234", V1_HASHDATA, &[]);
    let res = inibill(
        &sb,
        "/inibill/inibill_card.jsp",
        &req,
        "approve",
        &[("card_code", "06"), ("card_number", "5365101234561234")],
    )
    .await;
    assert_eq!(res.action, "https://shop.example/bill/return");
    let names: Vec<&str> = res.fields.pairs().iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "resultcode",
            "resultmsg",
            "tid",
            "billkey",
            "authkey",
            "orderid",
            "mid",
            "merchantreserved",
            "p_noti",
            "pgauthdate",
            "pgauthtime",
            "cardcd",
            "cardno",
            "cardkind",
            "CheckFlag"
        ]
    );
    let f = &res.fields;
    assert_eq!(f.get("resultcode"), Some("00"));
    assert_eq!(f.get("orderid"), Some("ORDERID1234"));
    assert_eq!(f.get("merchantreserved"), Some("below1000=Y"));
    assert_eq!(f.get("pgauthdate"), Some("20240101"));
    assert_eq!(f.get("cardno"), Some("536510******1234"));
    let key = f.get("billkey").unwrap().to_owned();
    assert!(
        key.len() == 40
            && key
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert!(sb.has_billkey(&key));
    assert_eq!(f.get("authkey").map(str::len), Some(40));
    assert!(f.get("data1").is_none(), "data1 only with flg_crypto=Y");
    // The browser body: UTF-8, '=' of merchantreserved percent-encoded.
    assert!(
        String::from_utf8(res.body())
            .unwrap()
            .contains("&merchantreserved=below1000%3DY&")
    );

    let r = v1_billing(&sb, "Card", "INIBillTst_1", "1000", &key).await;
    assert_eq!(r["resultCode"], "00");
    assert_eq!(
        r["resultMsg"],
        "[신용카드|빌링이 정상적으로 이루어졌습니다.]"
    );
    let tid = r["tid"].as_str().unwrap().to_owned();
    assert!(tid.starts_with("INIAPICARDINIBillTst20240101120000") && tid.len() == 40);
    assert_eq!(r["payDate"], "20240101");
    assert_eq!(r["cardCode"], "06");
    assert_eq!(r["price"], "1000");
    let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
    for k in [
        "payTime",
        "payAuthCode",
        "checkFlg",
        "payAuthQuota",
        "prtcCode",
    ] {
        assert!(keys.iter().any(|x| *x == k), "{k}");
    }
    // Refund it with INIBillTst's INIAPI key.
    let hash = sha512(&format!("{BILL_KEY}RefundCard{TS}{IP}INIBillTst{tid}"));
    let r = v1(
        &sb,
        "/api/v1/refund",
        &[
            ("type", "Refund"),
            ("paymethod", "Card"),
            ("timestamp", TS),
            ("clientIp", IP),
            ("mid", "INIBillTst"),
            ("tid", &tid),
            ("msg", "취소"),
            ("hashData", &hash),
        ],
    )
    .await;
    assert_eq!(r["resultCode"], "00");
    assert_eq!(r["cancelDate"], "20240101");
    assert_eq!(r["cancelTime"], "120000");
}

#[tokio::test]
async fn inibill_flg_crypto_encrypts_billkey_zero_iv_or_key_prefix() {
    for (iv_cfg, iv) in [
        (BillkeyIv::Zero, vec![0u8; 16]),
        (BillkeyIv::KeyPrefix, LITE.as_bytes()[..16].to_vec()),
    ] {
        let (sb, _c) = start_with(|c| SandboxConfig {
            billkey_iv: iv_cfg,
            ..c
        })
        .await;
        // V2 vector: price first.
        let req = card_req(
            "ORDERID1234",
            "0c74f9c01492fc059bc19ab0355e5a1c6534ed5401cd5b7803e6a1ae5205311d",
            &[("flg_crypto", "Y")],
        );
        let res = inibill(
            &sb,
            "/inibill/inibill_card.jsp",
            &req,
            "approve",
            &[("card_pw2", "34")],
        )
        .await;
        let enc = res.fields.get("billkey").unwrap();
        assert_eq!(enc.len(), 64, "Base64 of 48 bytes");
        let plain = wire::aes256_decrypt_b64(LITE.as_bytes(), &iv, enc).unwrap();
        assert!(sb.has_billkey(&plain), "{iv_cfg:?}");
        // data1: the card password's first two digits, same cipher (seeds/003).
        let data1 = res.fields.get("data1").unwrap();
        assert_eq!(data1.len(), 24, "Base64 of one 16-byte block");
        assert_eq!(
            wire::aes256_decrypt_b64(LITE.as_bytes(), &iv, data1).unwrap(),
            "34"
        );
        // The browser body URL-encodes the Base64 ('+', '/', '=').
        let body = String::from_utf8(res.body()).unwrap();
        assert!(body.contains(&format!("&data1={}", pct(data1.as_bytes()))));
        // Not two digits: the window refuses.
        let page = post_utf8_page(&sb, "/inibill/inibill_card.jsp", &req).await;
        assert!(page.contains("card_pw2"), "the window asks for it");
        let r = client()
            .post(sb.url("/inibill/sandbox/complete"))
            .body(utf8_form(&[
                ("session", &session_of(&page)),
                ("action", "approve"),
                ("card_pw2", "3x"),
            ]))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            meta(&r, "inicis-error-kind").as_deref(),
            Some("bad_card_pw")
        );
        // The hash without price is refused when flg_crypto=Y.
        let bad = card_req("ORDERID1234", V1_HASHDATA, &[("flg_crypto", "Y")]);
        let page = post_utf8_page(&sb, "/inibill/inibill_card.jsp", &bad).await;
        assert_eq!(
            meta(&page, "inicis-error-kind").as_deref(),
            Some("hash_mismatch")
        );
    }
}

#[tokio::test]
async fn inibill_cancel_and_unknown_mid() {
    let (sb, _c) = start().await;
    let req = card_req("ORDERID1234", V1_HASHDATA, &[]);
    let res = inibill(&sb, "/inibill/inibill_card.jsp", &req, "cancel", &[]).await;
    assert_eq!(res.fields.get("resultcode"), Some("01"));
    assert!(res.fields.get("resultmsg").unwrap().contains("[cancel]"));
    assert!(res.fields.get("billkey").is_none());
    let mut req = req.clone();
    req[0] = ("mid", "INIpayTest");
    let page = post_utf8_page(&sb, "/inibill/inibill_card.jsp", &req).await;
    assert_eq!(
        meta(&page, "inicis-error-kind").as_deref(),
        Some("unknown_mid")
    );
}

#[tokio::test]
async fn inibill_hpp_key_charges_only_the_same_amount() {
    let (sb, _c) = start().await;
    let req = card_req("ORDERID1234", V1_HASHDATA, &[]);
    let res = inibill(
        &sb,
        "/inibill/inibill_hpp.jsp",
        &req,
        "approve",
        &[("carrier", "LGT"), ("phone", "01055556666")],
    )
    .await;
    assert_eq!(res.fields.get("hppcorp"), Some("LGT"));
    assert_eq!(res.fields.get("hppno"), Some("010****6666"));
    let key = res.fields.get("billkey").unwrap().to_owned();
    assert!(
        v1_billing(&sb, "Card", "X1", "1000", &key).await["resultMsg"]
            .as_str()
            .unwrap()
            .starts_with("[1195]"),
        "a phone key is not a card key"
    );
    let r = v1_billing(&sb, "HPP", "X2", "1000", &key).await;
    assert_eq!(r["resultCode"], "00");
    assert!(
        r["tid"]
            .as_str()
            .unwrap()
            .starts_with("INIAPIHPP_INIBillTst")
    );
    let r = v1_billing(&sb, "HPP", "X3", "1500", &key).await;
    assert_eq!(r["resultCode"], "01");
    assert!(r["resultMsg"].as_str().unwrap().starts_with("[1196]"));
}

#[tokio::test]
async fn inilitepay_sha512_window() {
    let (sb, _c) = start().await;
    let req = [
        ("mid", "INIBillTst"),
        ("buyerTel", "01012345678"),
        ("buyerEmail", "a@b.c"),
        ("buyerName", "홍길동"),
        ("goodName", "월정액"),
        ("orderId", "ORDERID1234"),
        ("price", "1000"),
        ("timestamp", BILL_TS),
        ("returnUrl", "https://shop.example/lite/return"),
        ("merchantRedirectData", "r1"),
        (
            "hashdata",
            "0226275367811b18603c52f78608fad06f5f9107e9acd39513f2b8c1c207901ac0a2ee9c847000dca335fe64cb428a701c0dcdfd612a2acc7a31ebec8495872a",
        ),
    ];
    let res = inibill(&sb, "/pay/card/billing", &req, "approve", &[]).await;
    assert_eq!(res.action, "https://shop.example/lite/return");
    assert_eq!(res.fields.get("merchantRedirectData"), Some("r1"));
    assert!(sb.has_billkey(res.fields.get("billkey").unwrap()));
}

#[tokio::test]
async fn partial_refunds_down_to_zero_then_inquiry() {
    let (sb, _c) = start().await;
    let tid = approved_card(&sb, "PR1", 1000).await;
    let r = v1_partial(&sb, &tid, 300, 700).await;
    assert_eq!(r["resultCode"], "00");
    let t1 = r["tid"].as_str().unwrap().to_owned();
    assert_ne!(t1, tid);
    assert!(t1.starts_with("INIMX_CARDINIpayTest") && t1.len() == 40);
    assert_eq!(r["prtcTid"], tid.as_str());
    assert_eq!(r["prtcPrice"], "300");
    assert_eq!(r["prtcRemains"], "700");
    assert_eq!(r["prtcCnt"], "1");
    assert_eq!(r["prtcType"], "1");
    let r = v1_partial(&sb, &tid, 700, 0).await;
    assert_eq!(r["prtcRemains"], "0");
    assert_eq!(r["prtcCnt"], "2");
    let r = v1_partial(&sb, &tid, 1, 0).await;
    assert_eq!(r["detailResultCode"], "512626");
    assert_eq!(v1_refund(&sb, &tid).await["detailResultCode"], "512626");
    let t = sb.transaction(&tid).unwrap();
    assert_eq!((t.remaining, t.partial_cancels, t.cancels.len()), (0, 2, 2));

    let r = v1_inquiry(&sb, &tid).await;
    assert_eq!(r["resultCode"], "00");
    assert_eq!(r["status"], "1");
    assert_eq!(r["price"], "1000");
    let live = approved_card(&sb, "PR2", 5000).await;
    let r = v1_inquiry_as(&sb, "INIpayTest", KEY, "", "PR2").await;
    assert_eq!(
        (r["tid"].as_str().unwrap(), r["status"].as_str().unwrap()),
        (live.as_str(), "0")
    );
    let r = v1_inquiry(&sb, "INIMX_CARDINIpayTest20240101120000000000").await;
    assert_eq!(r["status"], "9");
}

#[tokio::test]
async fn vacct_refund_with_aes128_account_and_gvacct_before_deposit() {
    let (sb, _c) = start().await;
    let rx = Receiver::start().await;
    // Before deposit: GVacct cancels the issued number; Card is the wrong paymethod.
    let t1 = issue_vbank(&sb, &rx, "VA1").await;
    let hash = sha512(&format!("{KEY}RefundCard{TS}{IP}INIpayTest{t1}"));
    let r = v1(
        &sb,
        "/api/v1/refund",
        &[
            ("type", "Refund"),
            ("paymethod", "Card"),
            ("timestamp", TS),
            ("clientIp", IP),
            ("mid", "INIpayTest"),
            ("tid", &t1),
            ("msg", "x"),
            ("hashData", &hash),
        ],
    )
    .await;
    assert_eq!(r["resultCode"], "01");
    let hash = sha512(&format!("{KEY}RefundGVacct{TS}{IP}INIpayTest{t1}"));
    let r = v1(
        &sb,
        "/api/v1/refund",
        &[
            ("type", "Refund"),
            ("paymethod", "GVacct"),
            ("timestamp", TS),
            ("clientIp", IP),
            ("mid", "INIpayTest"),
            ("tid", &t1),
            ("msg", "x"),
            ("hashData", &hash),
        ],
    )
    .await;
    assert_eq!(r["resultCode"], "00");

    // After deposit: Vacct with the [ENC] account number (A1: 123456789).
    let t2 = issue_vbank(&sb, &rx, "VA2").await;
    sb.deposit_vbank(&t2).unwrap();
    let enc = "qwMHVJqsmXKoR+d8wQTS4g==";
    let hash = sha512(&format!(
        "{KEY}PartialRefundVacct{TS}{IP}INIpayTest{t2}50019500{enc}"
    ));
    let body = utf8_form(&[
        ("type", "PartialRefund"),
        ("paymethod", "Vacct"),
        ("timestamp", TS),
        ("clientIp", IP),
        ("mid", "INIpayTest"),
        ("tid", &t2),
        ("msg", "환불"),
        ("price", "500"),
        ("confirmPrice", "19500"),
        ("refundAcctNum", enc),
        ("refundBankCode", "20"),
        ("refundAcctName", "홍길동"),
        ("hashData", &hash),
    ]);
    assert!(body.contains("refundAcctNum=qwMHVJqsmXKoR%2Bd8wQTS4g%3D%3D"));
    let r: Value = client()
        .post(sb.url("/api/v1/refund"))
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["resultCode"], "00", "{r}");
    assert_eq!(r["prtcRemains"], "19500");
    // An account number that does not decrypt is refused.
    let bad = "AAAAAAAAAAAAAAAAAAAAAA==";
    let hash = sha512(&format!("{KEY}RefundVacct{TS}{IP}INIpayTest{t2}{bad}"));
    let r = v1(
        &sb,
        "/api/v1/refund",
        &[
            ("type", "Refund"),
            ("paymethod", "Vacct"),
            ("timestamp", TS),
            ("clientIp", IP),
            ("mid", "INIpayTest"),
            ("tid", &t2),
            ("msg", "x"),
            ("refundAcctNum", bad),
            ("refundBankCode", "20"),
            ("refundAcctName", "홍"),
            ("hashData", &hash),
        ],
    )
    .await;
    assert!(r["resultMsg"].as_str().unwrap().contains("refundAcctNum"));
    let hash = sha512(&format!("{KEY}RefundVacct{TS}{IP}INIpayTest{t2}{enc}"));
    let r = v1(
        &sb,
        "/api/v1/refund",
        &[
            ("type", "Refund"),
            ("paymethod", "Vacct"),
            ("timestamp", TS),
            ("clientIp", IP),
            ("mid", "INIpayTest"),
            ("tid", &t2),
            ("msg", "x"),
            ("refundAcctNum", enc),
            ("refundBankCode", "20"),
            ("refundAcctName", "홍"),
            ("hashData", &hash),
        ],
    )
    .await;
    assert_eq!(r["resultCode"], "00");
}

#[tokio::test]
async fn phone_billkey_from_mobile_window_with_hpp_bill() {
    let (sb, _c) = start_with(|c| {
        c.with_merchant(inipay_sandbox::MerchantKeys {
            mid: "INIBillTst".into(),
            ..inipay_sandbox::MerchantKeys::published_test_merchants().remove(2)
        })
    })
    .await;
    let fields = vec![
        ("P_INI_PAYMENT", "MOBILE".to_owned()),
        ("P_MID", "INIBillTst".into()),
        ("P_OID", "HB1".into()),
        ("P_AMT", "9900".into()),
        ("P_GOODS", "구독".into()),
        ("P_UNAME", "홍길동".into()),
        ("P_NEXT_URL", "https://shop.example/next".into()),
        ("P_HPP_METHOD", "4".into()),
        ("P_RESERVED", "hpp_bill=Y".into()),
    ];
    let page = open_window(&sb, "/smart/payment/", &fields).await;
    let r = press(
        &sb,
        &session_of(&page),
        "approve",
        &[("carrier", "SKT"), ("phone", "01011112222")],
    )
    .await;
    let auth = AutoForm::parse(&r.bytes().await.unwrap()).unwrap();
    let reply = decode_reply(
        &approve(&sb, "INIBillTst", auth.fields.get("P_TID").unwrap())
            .await
            .1,
        false,
    );
    let key = get(&reply, "P_HPP_BILLKEY").to_owned();
    assert_eq!(
        v1_billing(&sb, "HPP", "HB2", "9900", &key).await["resultCode"],
        "00"
    );
    assert_eq!(
        v1_billing(&sb, "HPP", "HB3", "9000", &key).await["resultCode"],
        "01"
    );
}

#[tokio::test]
async fn v2_billing_refund_partial_inquiry() {
    let (sb, _c) = start().await;
    let req = card_req("ORDERID1234", V1_HASHDATA, &[]);
    let key = inibill(&sb, "/inibill/inibill_card.jsp", &req, "approve", &[])
        .await
        .fields
        .get("billkey")
        .unwrap()
        .to_owned();
    let data = format!(
        "{{\"url\":\"www.inicis.com\",\"moid\":\"V2B1\",\"goodName\":\"테스트상품\",\"buyerName\":\"홍길동\",\"buyerEmail\":\"test@test.com\",\"buyerTel\":\"01012345678\",\"price\":\"1000\",\"billKey\":\"{key}\",\"authentification\":\"00\",\"cardQuota\":\"00\",\"quotaInterest\":\"0\"}}"
    );
    let r = v2(
        &sb,
        "billing",
        v2_body("INIBillTst", "billing", BILL_KEY, &data, Some("Card")),
    )
    .await;
    assert_eq!(r["resultCode"], "00", "{r}");

    let tid = approved_card(&sb, "V2R", 1000).await;
    // PHP-style body: "\/" and \uXXXX escapes inside data; the hash is over the unescaped form.
    let plain_data = format!(
        "{{\"tid\":\"{tid}\",\"msg\":\"부분취소 a/b\",\"price\":\"700\",\"confirmPrice\":\"300\",\"currency\":\"WON\",\"tax\":\"0\",\"taxfree\":\"0\"}}"
    );
    let hash = sha512(&format!("{KEY}INIpayTestpartialRefund{TS}{plain_data}"));
    let escaped = plain_data.replace("부분취소 a/b", "\\ubd80\\ubd84\\ucde8\\uc18c a\\/b");
    let body = format!(
        "{{\"mid\":\"INIpayTest\",\"type\":\"partialRefund\",\"timestamp\":\"{TS}\",\"clientIp\":\"{IP}\",\"data\": {escaped} ,\"hashData\":\"{hash}\"}}"
    );
    let r = v2(&sb, "partialRefund", body).await;
    assert_eq!(r["resultCode"], "00", "{r}");
    assert_eq!(r["prtcRemains"], "300");

    let r = v2_inquiry(&sb, &tid).await;
    assert_eq!(r["transactionStatus"], "0");
    assert_eq!(r["availablePartCancelPrice"], "300");
    assert_eq!(r["oid"], "V2R");

    let refund = format!("{{\"tid\":\"{tid}\",\"msg\":\"거래취소요청\"}}");
    assert_eq!(
        v2(
            &sb,
            "refund",
            v2_body("INIpayTest", "refund", KEY, &refund, None)
        )
        .await["resultCode"],
        "00"
    );
    let r = v2(
        &sb,
        "refund",
        v2_body("INIpayTest", "refund", KEY, &refund, None),
    )
    .await;
    assert_eq!(r["detailResultCode"], "512626");
    // Wrong key: hash mismatch. Type not matching the path: parameter error.
    assert!(
        v2(
            &sb,
            "refund",
            v2_body("INIpayTest", "refund", "0000000000000000", &refund, None)
        )
        .await["resultMsg"]
            .as_str()
            .unwrap()
            .contains("hashData")
    );
    assert!(
        v2(
            &sb,
            "refund",
            v2_body("INIpayTest", "inquiry", KEY, &refund, None)
        )
        .await["resultMsg"]
            .as_str()
            .unwrap()
            .starts_with("[ER0102]")
    );
}

#[tokio::test]
async fn v2_node_style_hash_is_accepted() {
    let (sb, _c) = start().await;
    let tid = approved_card(&sb, "V2N", 1000).await;
    // JSON.stringify keeps `\"`; the Node sample strips every backslash before hashing.
    let data = format!("{{\"tid\":\"{tid}\",\"msg\":\"say \\\"hi\\\"\"}}");
    let hash = sha512(&format!(
        "{KEY}INIpayTestrefund{TS}{}",
        data.replace('\\', "")
    ));
    let body = format!(
        "{{\"mid\":\"INIpayTest\",\"type\":\"refund\",\"timestamp\":\"{TS}\",\"clientIp\":\"{IP}\",\"data\":{data},\"hashData\":\"{hash}\"}}"
    );
    assert_eq!(v2(&sb, "refund", body).await["resultCode"], "00");
}

#[tokio::test]
async fn control_api_faults_lists_and_reset() {
    let (sb, clock) = start().await;
    let tid = approved_card(&sb, "CT1", 1000).await;
    let c = client();
    let r = c
        .post(sb.url("/sandbox/api/faults"))
        .body(r#"{"endpoint":"iniapi_v1","fault":{"kind":"http500"},"count":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let faults: Value = c
        .get(sb.url("/sandbox/api/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(faults["pending"][0][0], "iniapi_v1");
    let r = c
        .post(sb.url("/api/v1/refund"))
        .body("type=Refund")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    c.post(sb.url("/sandbox/api/faults"))
        .body(r#"{"endpoint":"iniapi_v1","fault":{"kind":"garbled"}}"#)
        .send()
        .await
        .unwrap();
    let r = c
        .post(sb.url("/api/v1/refund"))
        .body("type=Refund")
        .send()
        .await
        .unwrap();
    assert!(serde_json::from_slice::<Value>(&r.bytes().await.unwrap()).is_err());
    assert_eq!(
        c.post(sb.url("/sandbox/api/faults"))
            .body("{}")
            .send()
            .await
            .unwrap()
            .status(),
        400
    );

    let list: Value = c
        .get(sb.url("/sandbox/api/transactions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["tid"], tid.as_str());
    assert_eq!(list[0]["remaining"], 1000);
    let r: Value = c
        .post(sb.url("/sandbox/api/clock/advance"))
        .body(r#"{"millis":60000}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["now_millis"], T0 + 60_000);
    assert_eq!(clock.kst_timestamp(), "20240101120100");
    assert_eq!(
        c.post(sb.url("/sandbox/api/deliver"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.post(sb.url("/sandbox/api/reset"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(sb.transactions().is_empty());
    let dash = c
        .get(sb.url("/sandbox/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dash.contains("샌드박스 대시보드 <small>(sandbox dashboard)</small>"));
}

#[tokio::test]
async fn dashboard_fault_form() {
    let (sb, _c) = start().await;
    let r = client()
        .post(sb.url("/sandbox/fault"))
        .body("endpoint=approval&kind=http500&count=2")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let dash = get_text(&sb, "/sandbox/").await;
    assert!(dash.contains("Approval: Http500 × 2"));
    let auth = sb.__seed_authenticated_card("INIpayTest", "DF1", 1000);
    for _ in 0..2 {
        let r = client()
            .post(sb.url("/smart/payReq.ini"))
            .body(format!("P_MID=INIpayTest&P_TID={auth}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 500);
    }
    assert!(
        approve(&sb, "INIpayTest", &auth)
            .await
            .1
            .starts_with(b"P_STATUS=00&")
    );
    let r = client()
        .post(sb.url("/sandbox/fault"))
        .body("endpoint=nowhere&kind=http500")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn paymethod_check_can_be_relaxed() {
    for strict in [true, false] {
        let (sb, _c) = start_with(|c| SandboxConfig {
            strict_paymethod: strict,
            ..c
        })
        .await;
        let tid = approved_card(&sb, "SP1", 1000).await;
        let hash = sha512(&format!("{KEY}RefundAcct{TS}{IP}INIpayTest{tid}"));
        let r = v1(
            &sb,
            "/api/v1/refund",
            &[
                ("type", "Refund"),
                ("paymethod", "Acct"),
                ("timestamp", TS),
                ("clientIp", IP),
                ("mid", "INIpayTest"),
                ("tid", &tid),
                ("msg", "x"),
                ("hashData", &hash),
            ],
        )
        .await;
        assert_eq!(
            r["resultCode"],
            if strict { "01" } else { "00" },
            "strict={strict}"
        );
    }
}

const ESCROW_KEY: &str = "yERbIlJ3NhTeObsA";

async fn escrow_call(sb: &Sandbox, fields: &[(&str, &str)]) -> Value {
    v1(sb, "/api/v1/escrow", fields).await
}

async fn dlv(sb: &Sandbox, tid: &str, oid: &str, price: &str) -> Value {
    let hash = sha512(&format!(
        "{ESCROW_KEY}Dlv{TS}{IP}iniescrow0{oid}{tid}{price}"
    ));
    escrow_call(
        sb,
        &[
            ("type", "Dlv"),
            ("timestamp", TS),
            ("clientIp", IP),
            ("mid", "iniescrow0"),
            ("oid", oid),
            ("tid", tid),
            ("price", price),
            ("hashData", &hash),
        ],
    )
    .await
}

async fn dncf(sb: &Sandbox, tid: &str) -> Value {
    let hash = sha512(&format!("{ESCROW_KEY}Dncf{TS}{IP}iniescrow0{tid}"));
    escrow_call(
        sb,
        &[
            ("type", "Dncf"),
            ("timestamp", TS),
            ("clientIp", IP),
            ("mid", "iniescrow0"),
            ("originalTid", tid),
            ("hashData", &hash),
        ],
    )
    .await
}

/// A card payment on the escrow test MID through the window.
async fn escrow_payment(sb: &Sandbox, oid: &str, reserved: &str) -> String {
    let mut order = card_order("https://shop.example/next", oid, "25000");
    order[1].1 = "iniescrow0".into();
    order[7].1 = reserved.into();
    let page = open_window(sb, "/smart/payment/", &order).await;
    let r = press(sb, &session_of(&page), "approve", &[]).await;
    let auth = AutoForm::parse(&r.bytes().await.unwrap()).unwrap();
    let reply = decode_reply(
        &approve(sb, "iniescrow0", auth.fields.get("P_TID").unwrap())
            .await
            .1,
        false,
    );
    get(&reply, "P_TID").to_owned()
}

#[tokio::test]
async fn v1_escrow_delivery_then_refusal_confirmation() {
    let (sb, _c) = start().await;
    let tid = escrow_payment(&sb, "ES1", "useescrow=Y&twotrs_isp=Y").await;
    assert!(sb.transaction(&tid).unwrap().escrow.is_some());
    // Refusal before delivery, or a delivery for another amount: refused.
    assert_eq!(dncf(&sb, &tid).await["resultCode"], "01");
    assert_eq!(dlv(&sb, &tid, "ES1", "24000").await["resultCode"], "01");
    let r = dlv(&sb, &tid, "ES1", "25000").await;
    assert_eq!(r["resultCode"], "00", "{r}");
    assert_eq!(r["tid"], tid.as_str());
    assert_eq!(r["dlvDate"], "20240101");
    assert_eq!(
        dlv(&sb, &tid, "ES1", "25000").await["resultCode"],
        "01",
        "only once"
    );
    let r = dncf(&sb, &tid).await;
    assert_eq!(r["resultCode"], "00", "{r}");
    let t = sb.transaction(&tid).unwrap();
    assert_eq!(
        (format!("{:?}", t.status), t.remaining),
        ("Cancelled".into(), 0)
    );
    assert_eq!(dncf(&sb, &tid).await["detailResultCode"], "512626");

    // Not an escrow payment; a wrong hash (paymethod is not part of it).
    let plain = escrow_payment(&sb, "ES2", "twotrs_isp=Y").await;
    assert!(
        dlv(&sb, &plain, "ES2", "25000").await["resultMsg"]
            .as_str()
            .unwrap()
            .contains("not an escrow payment")
    );
    let hash = sha512(&format!(
        "{ESCROW_KEY}DlvCard{TS}{IP}iniescrow0ES2{plain}25000"
    ));
    let r = escrow_call(
        &sb,
        &[
            ("type", "Dlv"),
            ("paymethod", "Card"),
            ("timestamp", TS),
            ("clientIp", IP),
            ("mid", "iniescrow0"),
            ("oid", "ES2"),
            ("tid", &plain),
            ("price", "25000"),
            ("hashData", &hash),
        ],
    )
    .await;
    assert!(r["resultMsg"].as_str().unwrap().contains("hashData"));
}
