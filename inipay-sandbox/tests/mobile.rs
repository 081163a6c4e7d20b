//! Mobile WEB flows over real HTTP: card 2trs, bank, phone, gift card,
//! approval idempotency, net-cancel, faults (PROTOCOL.md 2, 7).

mod common;
use common::*;
use inipay_sandbox::browser::AutoForm;
use inipay_sandbox::faults::{Endpoint, Fault};

/// Opens a card window and approves it in the window; returns the auth-result
/// form the browser would post to P_NEXT_URL.
async fn card_auth(
    sb: &inipay_sandbox::Sandbox,
    fields: &[(&'static str, String)],
    card: &str,
) -> AutoForm {
    let page = open_window(sb, "/smart/payment/", fields).await;
    let sid = session_of(&page);
    let r = press(
        sb,
        &sid,
        "approve",
        &[
            ("card_code", "04"),
            ("card_number", card),
            ("auth", "normal"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    AutoForm::parse(&r.bytes().await.unwrap()).unwrap()
}

#[tokio::test]
async fn card_2trs_wire_format_end_to_end() {
    let (sb, _clock) = start().await;
    let order = card_order("https://shop.example/next", "ORD20240101120000001", "1000");
    let page = open_window(&sb, "/smart/payment/", &order).await;
    // A real page: Korean with English beside it, the order, test cards.
    for s in [
        "결제 승인 (Approve)",
        "사용자 취소 (Cancel)",
        "ORD20240101120000001",
        "테스트상품",
        "1,000원",
        "4000000000000002",
    ] {
        assert!(page.contains(s), "page lacks {s}");
    }
    assert!(
        !page.contains("name=\"quota\""),
        "no installments below 50,000 won"
    );

    let sid = session_of(&page);
    let r = press(
        &sb,
        &sid,
        "approve",
        &[("card_code", "04"), ("card_number", "5365101234561238")],
    )
    .await;
    if r.headers()["content-type"] != "text/html; charset=EUC-KR" {
        panic!("{}", r.text().await.unwrap());
    }
    let auth = AutoForm::parse(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(auth.action, "https://shop.example/next");
    assert!(!auth.get);
    let names: Vec<&str> = auth
        .fields
        .pairs()
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "P_STATUS",
            "P_RMESG1",
            "P_TID",
            "P_REQ_URL",
            "P_NOTI",
            "idc_name",
            "P_AMT"
        ]
    );
    let body = auth.body();
    // 정상 처리 되었습니다. in EUC-KR, percent-encoded.
    let msg = pct(&euc_kr("정상 처리 되었습니다."));
    assert!(
        String::from_utf8(body.clone())
            .unwrap()
            .starts_with(&format!(
                "P_STATUS=00&P_RMESG1={msg}&P_TID=INIMX_AUTHINIpayTest2024010112000"
            ))
    );
    let f = decode_form(&body, false);
    let auth_tid = get(&f, "P_TID").to_owned();
    assert_eq!(auth_tid.len(), 40);
    assert_eq!(get(&f, "P_REQ_URL"), sb.url("/smart/payReq.ini"));
    assert_eq!(get(&f, "idc_name"), "stg");
    assert_eq!(get(&f, "P_AMT"), "1000");

    let (ct, bytes) = approve(&sb, "INIpayTest", &auth_tid).await;
    assert_eq!(ct, "text/plain; charset=EUC-KR");
    let ok_msg = euc_kr("성공적으로 처리 하였습니다.");
    let mut prefix = b"P_STATUS=00&P_RMESG1=".to_vec();
    prefix.extend_from_slice(&ok_msg);
    prefix.extend_from_slice(b"&P_TID=INIMX_CARDINIpayTest20240101120000");
    assert!(bytes.starts_with(&prefix), "{}", from_euc_kr(&bytes));
    let reply = decode_reply(&bytes, false);
    assert_eq!(get(&reply, "P_TYPE"), "CARD");
    assert_eq!(get(&reply, "P_AUTH_DT"), "20240101120000");
    assert_eq!(get(&reply, "P_OID"), "ORD20240101120000001");
    assert_eq!(get(&reply, "P_AMT"), "1000");
    assert_eq!(get(&reply, "P_UNAME"), "홍길동");
    assert_eq!(get(&reply, "P_FN_NM"), "현대카드");
    assert_eq!(get(&reply, "P_CARD_NUM"), "536510*********8");
    assert_eq!(get(&reply, "P_RMESG2"), "00");
    assert_eq!(get(&reply, "P_AUTH_NO").len(), 8);
    // Values stay raw except the four reserved characters: '=' as %3D.
    assert!(String::from_utf8_lossy(&bytes).contains("&P_MERCHANT_RESERVED=dXNlcG9pbnQ9MCY%3D"));
    let approval_tid = get(&reply, "P_TID").to_owned();

    // Idempotent: the same bytes again.
    let (_, again) = approve(&sb, "INIpayTest", &auth_tid).await;
    assert_eq!(again, bytes);
    assert_eq!(sb.transactions().len(), 1);
    assert_eq!(sb.transaction(&approval_tid).unwrap().amount, 1000);
}

#[tokio::test]
async fn utf8_results_when_p_charset_utf8() {
    let (sb, _c) = start().await;
    let mut order = card_order("https://shop.example/next", "U1", "2000");
    order.push(("P_CHARSET", "utf8".into()));
    let auth = card_auth(&sb, &order, "4111111111111111").await;
    assert_eq!(auth.charset, inipay_sandbox::wire::Charset::Utf8);
    let f = decode_form(&auth.body(), true);
    assert_eq!(get(&f, "P_RMESG1"), "정상 처리 되었습니다.");
    let (ct, bytes) = approve(&sb, "INIpayTest", get(&f, "P_TID")).await;
    assert_eq!(ct, "text/plain; charset=UTF-8");
    assert!(
        String::from_utf8(bytes)
            .unwrap()
            .starts_with("P_STATUS=00&P_RMESG1=성공적으로 처리 하였습니다.&P_TID=INIMX_CARD")
    );
    // The net-cancel reply follows the same charset.
    let r = client()
        .post(sb.url("/smart/payNetCancel.ini"))
        .body(utf8_form(&[
            ("P_TID", get(&f, "P_TID")),
            ("P_MID", "INIpayTest"),
            ("P_AMT", "2000"),
            ("P_OID", "U1"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/plain; charset=UTF-8");
    assert!(
        String::from_utf8(r.bytes().await.unwrap().to_vec())
            .unwrap()
            .starts_with("P_STATUS=00&P_RMESG1=정상처리되었습니다.")
    );
}

#[tokio::test]
async fn installments_offered_from_50000_won() {
    let (sb, _c) = start().await;
    let mut order = card_order("https://shop.example/next", "Q1", "50000");
    order.push(("P_QUOTABASE", "01:02:03:06".into()));
    let page = open_window(&sb, "/smart/payment/", &order).await;
    assert!(page.contains("name=\"quota\""));
    assert!(page.contains("6개월 (6 months)"));
    let sid = session_of(&page);
    let auth = AutoForm::parse(
        &press(&sb, &sid, "approve", &[("quota", "06")])
            .await
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    let tid = auth.fields.get("P_TID").unwrap().to_owned();
    let reply = decode_reply(&approve(&sb, "INIpayTest", &tid).await.1, false);
    assert_eq!(get(&reply, "P_RMESG2"), "06");
}

#[tokio::test]
async fn test_cards_decline_and_insufficient_funds_at_approval() {
    let (sb, _c) = start().await;
    for (card, word) in [
        ("4000000000000002", "승인거절"),
        ("4000000000009995", "잔액부족"),
    ] {
        let auth = card_auth(
            &sb,
            &card_order("https://shop.example/next", &format!("D{card}"), "1000"),
            card,
        )
        .await;
        assert_eq!(
            auth.fields.get("P_STATUS"),
            Some("00"),
            "authentication itself succeeds"
        );
        let (_, bytes) = approve(&sb, "INIpayTest", auth.fields.get("P_TID").unwrap()).await;
        let reply = decode_reply(&bytes, false);
        assert_eq!(get(&reply, "P_STATUS"), "01");
        assert!(get(&reply, "P_RMESG1").contains(word));
    }
    assert!(sb.transactions().is_empty());
}

#[tokio::test]
async fn user_cancel_and_decline_buttons() {
    let (sb, _c) = start().await;
    let page = open_window(
        &sb,
        "/smart/payment/",
        &card_order("https://shop.example/next", "C1", "1000"),
    )
    .await;
    let r = press(&sb, &session_of(&page), "cancel", &[]).await;
    let body = AutoForm::parse(&r.bytes().await.unwrap()).unwrap().body();
    let mut want = b"P_STATUS=01&P_RMESG1=".to_vec();
    want.extend(pct(&euc_kr("사용자가 결제를 취소하셨습니다.")).bytes());
    assert!(body.starts_with(&want));
    assert!(!decode_form(&body, false).iter().any(|(k, _)| k == "P_TID"));
    // A completed window cannot be completed twice.
    let again = press(&sb, &session_of(&page), "approve", &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        meta(&again, "inicis-error-kind").as_deref(),
        Some("already_completed")
    );

    let page = open_window(
        &sb,
        "/smart/payment/",
        &card_order("https://shop.example/next", "C2", "1000"),
    )
    .await;
    let r = press(&sb, &session_of(&page), "decline", &[]).await;
    let f = decode_form(
        &AutoForm::parse(&r.bytes().await.unwrap()).unwrap().body(),
        false,
    );
    assert_eq!(get(&f, "P_STATUS"), "01");
    assert!(!has(&f, "P_TID"));
}

#[tokio::test]
async fn net_cancel_by_auth_tid_is_idempotent_then_refund_says_already_cancelled() {
    let (sb, _c) = start().await;
    let auth = card_auth(
        &sb,
        &card_order("https://shop.example/next", "N1", "3000"),
        "4111111111111111",
    )
    .await;
    let auth_tid = auth.fields.get("P_TID").unwrap().to_owned();
    let reply = decode_reply(&approve(&sb, "INIpayTest", &auth_tid).await.1, false);
    let approval_tid = get(&reply, "P_TID").to_owned();
    let ts = "1704078000000";
    let chk = inipay_sandbox::wire::chkfake("3000", "N1", ts, "3CB8183A4BE283555ACC8363C0360223");
    let body = utf8_form(&[
        ("P_TID", &auth_tid),
        ("P_MID", "INIpayTest"),
        ("P_AMT", "3000"),
        ("P_OID", "N1"),
        ("P_TIMESTAMP", ts),
        ("P_CHKFAKE", &chk),
    ]);
    for _ in 0..2 {
        let r = client()
            .post(sb.url("/smart/payNetCancel.ini"))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let b = r.bytes().await.unwrap();
        let mut want = b"P_STATUS=00&P_RMESG1=".to_vec();
        want.extend(euc_kr("정상처리되었습니다. (net-cancelled)"));
        want.extend(format!("&P_TID={approval_tid}").bytes());
        assert_eq!(b.as_ref(), want.as_slice());
    }
    let t = sb.transaction(&approval_tid).unwrap();
    assert_eq!(format!("{:?}", t.status), "NetCancelled");
    // Wrong amount is refused.
    let bad = utf8_form(&[
        ("P_TID", &auth_tid),
        ("P_MID", "INIpayTest"),
        ("P_AMT", "2999"),
        ("P_OID", "N1"),
    ]);
    let r = client()
        .post(sb.url("/smart/payNetCancel.ini"))
        .body(bad)
        .send()
        .await
        .unwrap();
    assert!(r.bytes().await.unwrap().starts_with(b"P_STATUS=01&"));
    // Bad P_CHKFAKE is refused.
    let bad = utf8_form(&[
        ("P_TID", &auth_tid),
        ("P_MID", "INIpayTest"),
        ("P_AMT", "3000"),
        ("P_OID", "N1"),
        ("P_TIMESTAMP", ts),
        ("P_CHKFAKE", "AAAA"),
    ]);
    let r = client()
        .post(sb.url("/smart/payNetCancel.ini"))
        .body(bad)
        .send()
        .await
        .unwrap();
    assert!(r.bytes().await.unwrap().starts_with(b"P_STATUS=01&"));
}

/// POSTs a net-cancel for `INIpayTest` (no P_CHKFAKE); returns the reply pairs.
async fn net_cancel(
    sb: &inipay_sandbox::Sandbox,
    tid: &str,
    oid: &str,
    amt: &str,
) -> Vec<(String, String)> {
    let r = client()
        .post(sb.url("/smart/payNetCancel.ini"))
        .body(utf8_form(&[
            ("P_TID", tid),
            ("P_MID", "INIpayTest"),
            ("P_AMT", amt),
            ("P_OID", oid),
        ]))
        .send()
        .await
        .unwrap();
    decode_reply(&r.bytes().await.unwrap(), false)
}

/// PROTOCOL.md 2.8 / open question 8.7: the auth TID (official sample) and
/// the approval TID of the same transaction both net-cancel it; a P_AMT
/// other than the approved amount is refused either way and changes nothing.
#[tokio::test]
async fn net_cancel_by_either_tid_and_only_for_the_approved_amount() {
    let (sb, _c) = start().await;
    for (oid, by_auth) in [("NA1", true), ("NA2", false)] {
        let auth = card_auth(
            &sb,
            &card_order("https://shop.example/next", oid, "3000"),
            "4111111111111111",
        )
        .await;
        let auth_tid = auth.fields.get("P_TID").unwrap().to_owned();
        let reply = decode_reply(&approve(&sb, "INIpayTest", &auth_tid).await.1, false);
        let approval_tid = get(&reply, "P_TID").to_owned();
        assert_ne!(auth_tid, approval_tid);
        let tid = if by_auth { &auth_tid } else { &approval_tid };
        for wrong in ["2999", "3001", ""] {
            let r = net_cancel(&sb, tid, oid, wrong).await;
            assert_eq!(
                get(&r, "P_STATUS"),
                "01",
                "P_AMT={wrong:?} by_auth={by_auth}"
            );
            assert!(get(&r, "P_RMESG1").contains("P_AMT does not match"));
        }
        let t = sb.transaction(&approval_tid).unwrap();
        assert_eq!(
            (format!("{:?}", t.status), t.remaining),
            ("Approved".to_owned(), 3000)
        );
        let r = net_cancel(&sb, tid, oid, "3000").await;
        assert_eq!(get(&r, "P_STATUS"), "00", "by_auth={by_auth}");
        assert_eq!(get(&r, "P_TID"), approval_tid);
        let t = sb.transaction(&approval_tid).unwrap();
        assert_eq!(
            (format!("{:?}", t.status), t.remaining),
            ("NetCancelled".to_owned(), 0)
        );
        // Repeating it with the other TID is idempotent.
        let other = if by_auth { &approval_tid } else { &auth_tid };
        assert_eq!(
            get(&net_cancel(&sb, other, oid, "3000").await, "P_STATUS"),
            "00"
        );
    }
    // A TID the sandbox never issued is refused.
    let r = net_cancel(
        &sb,
        "INIMX_CARDINIpayTest20240101120000999999",
        "NA1",
        "3000",
    )
    .await;
    assert_eq!(get(&r, "P_STATUS"), "01");
}

#[tokio::test]
async fn approval_accepts_query_string_on_post() {
    let (sb, _c) = start().await;
    let auth = card_auth(
        &sb,
        &card_order("https://shop.example/next", "QS1", "1000"),
        "4111111111111111",
    )
    .await;
    let tid = auth.fields.get("P_TID").unwrap();
    let r = client()
        .post(format!(
            "{}?P_MID=INIpayTest&P_TID={tid}",
            sb.url("/smart/payReq.ini")
        ))
        .send()
        .await
        .unwrap();
    assert!(r.bytes().await.unwrap().starts_with(b"P_STATUS=00&"));
}

#[tokio::test]
async fn bank_2trs_phone_and_gift_card() {
    let (sb, _c) = start().await;
    // Bank transfer with twotrs_bank=Y.
    let mut bank = card_order("https://shop.example/next", "B1", "5000");
    bank[0].1 = "BANK".into();
    bank[7].1 = "twotrs_bank=Y&apprun_check=Y&centerCd=Y".into();
    let page = open_window(&sb, "/smart/payment/", &bank).await;
    assert!(page.contains("출금 은행 (Bank)"));
    let r = press(&sb, &session_of(&page), "approve", &[("bank_code", "20")]).await;
    let tid = AutoForm::parse(&r.bytes().await.unwrap())
        .unwrap()
        .fields
        .get("P_TID")
        .unwrap()
        .to_owned();
    let reply = decode_reply(&approve(&sb, "INIpayTest", &tid).await.1, false);
    assert_eq!(get(&reply, "P_TYPE"), "BANK");
    assert!(get(&reply, "P_TID").starts_with("INIMX_DBNKINIpayTest"));
    assert_eq!(get(&reply, "P_FN_CD1"), "20");
    assert_eq!(get(&reply, "P_FN_NM"), "우리은행");

    // Phone bill with P_HPP_METHOD=2.
    let mut phone = card_order("https://shop.example/next", "H1", "7000");
    phone[0].1 = "MOBILE".into();
    phone.push(("P_HPP_METHOD", "2".into()));
    let page = open_window(&sb, "/smart/payment/", &phone).await;
    let r = press(
        &sb,
        &session_of(&page),
        "approve",
        &[("carrier", "KTF"), ("phone", "010-9876-5432")],
    )
    .await;
    let tid = AutoForm::parse(&r.bytes().await.unwrap())
        .unwrap()
        .fields
        .get("P_TID")
        .unwrap()
        .to_owned();
    let reply = decode_reply(&approve(&sb, "INIpayTest", &tid).await.1, false);
    assert_eq!(get(&reply, "P_TYPE"), "MOBILE");
    assert!(get(&reply, "P_TID").starts_with("INIMX_HPP_INIpayTest"));
    assert_eq!(get(&reply, "P_HPP_CORP"), "KTF");
    assert_eq!(get(&reply, "P_HPP_NUM"), "01098765432");

    // Culture gift card through the legacy path (no P_INI_PAYMENT).
    let mut gift: Vec<_> = card_order("https://shop.example/next", "G1", "10000")
        .into_iter()
        .skip(1)
        .collect();
    gift.retain(|(k, _)| *k != "P_RESERVED");
    let page = open_window(&sb, "/smart/culture/", &gift).await;
    assert!(page.contains("문화상품권"));
    let r = press(&sb, &session_of(&page), "approve", &[("pin", "1234")]).await;
    let tid = AutoForm::parse(&r.bytes().await.unwrap())
        .unwrap()
        .fields
        .get("P_TID")
        .unwrap()
        .to_owned();
    let reply = decode_reply(&approve(&sb, "INIpayTest", &tid).await.1, false);
    assert_eq!(get(&reply, "P_TYPE"), "CULTURE");
    assert_eq!(get(&reply, "P_STATUS"), "00");
    assert!(!has(&f_or_empty(&reply), "P_CARD_NUM"));
}

fn f_or_empty(v: &[(String, String)]) -> Vec<(String, String)> {
    v.to_vec()
}

#[tokio::test]
async fn approval_faults_500_garbled_tamper_delay() {
    let (sb, _c) = start().await;
    let auth = card_auth(
        &sb,
        &card_order("https://shop.example/next", "F1", "1000"),
        "4111111111111111",
    )
    .await;
    let tid = auth.fields.get("P_TID").unwrap().to_owned();

    sb.inject(Endpoint::Approval, Fault::Http500, 1);
    let r = client()
        .post(sb.url("/smart/payReq.ini"))
        .body(format!("P_MID=INIpayTest&P_TID={tid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    assert!(sb.transactions().is_empty(), "a 500 has no effect");

    sb.inject(Endpoint::Approval, Fault::TamperAmount, 1);
    sb.inject(Endpoint::Approval, Fault::TamperOrderId, 1);
    let reply = decode_reply(&approve(&sb, "INIpayTest", &tid).await.1, false);
    assert_eq!(get(&reply, "P_AMT"), "1001");
    assert_eq!(get(&reply, "P_OID"), "F1X");
    assert_eq!(
        sb.transactions()[0].amount,
        1000,
        "the approval itself is for the real amount"
    );

    sb.inject(Endpoint::Approval, Fault::Garbled, 1);
    let (_, b) = approve(&sb, "INIpayTest", &tid).await;
    assert!(!b.starts_with(b"P_STATUS="));
    // Then the stored, untampered reply.
    let reply = decode_reply(&approve(&sb, "INIpayTest", &tid).await.1, false);
    assert_eq!(get(&reply, "P_AMT"), "1000");

    // Delay beyond a client timeout.
    sb.inject(Endpoint::Approval, Fault::Delay { millis: 400 }, 1);
    let short = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(100))
        .build()
        .unwrap();
    let err = short
        .post(sb.url("/smart/payReq.ini"))
        .body(format!("P_MID=INIpayTest&P_TID={tid}"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
}

#[tokio::test]
async fn repeat_approval_can_be_configured_as_error() {
    let (sb, _c) = start_with(|c| inipay_sandbox::SandboxConfig {
        repeat_approval: inipay_sandbox::RepeatApproval::Error,
        ..c
    })
    .await;
    let auth = card_auth(
        &sb,
        &card_order("https://shop.example/next", "R1", "1000"),
        "4111111111111111",
    )
    .await;
    let tid = auth.fields.get("P_TID").unwrap().to_owned();
    assert!(
        approve(&sb, "INIpayTest", &tid)
            .await
            .1
            .starts_with(b"P_STATUS=00&")
    );
    assert!(
        approve(&sb, "INIpayTest", &tid)
            .await
            .1
            .starts_with(b"P_STATUS=01&")
    );
}

#[tokio::test]
async fn window_faults_and_get_next_url_option() {
    let (sb, _c) = start().await;
    sb.inject(Endpoint::Payment, Fault::Http500, 1);
    let r = client()
        .post(sb.url("/smart/payment/"))
        .body(euc_form(&as_refs(&card_order("https://s/n", "W1", "1000"))))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    let mut order = card_order("https://shop.example/next", "W2", "1000");
    order[7].1.push_str("&nextUrl=GET");
    let auth = card_auth(&sb, &order, "4111111111111111").await;
    assert!(auth.get);
}

#[tokio::test]
async fn headless_browser_drives_shop_to_window_to_next_url() {
    use inipay_sandbox::browser::Browser;
    let (sb, _c) = start().await;
    let rx = Receiver::start().await;
    // What a shop's checkout page would contain: an EUC-KR auto-submit form.
    let mut inputs = String::new();
    for (k, v) in card_order(&rx.url("/next"), "BR1", "1000") {
        inputs.push_str(&format!(
            "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
            v.replace('&', "&amp;")
        ));
    }
    let checkout = format!(
        "<meta charset=\"euc-kr\"><form method=\"post\" action=\"{}\" accept-charset=\"euc-kr\">{inputs}</form>",
        sb.url("/smart/payment/")
    );
    let b = Browser::new(sb.base_url());
    let window = b
        .submit(&AutoForm::parse(&euc_kr(&checkout)).unwrap())
        .await
        .unwrap();
    assert!(window.text().contains("결제 승인 (Approve)"));
    let result = b
        .press(&window, "approve", &[("card_number", "4111111111111111")])
        .await
        .unwrap();
    let landing = b.submit(&result.auto_form().unwrap()).await.unwrap();
    assert_eq!(landing.status, 200);
    let got = rx.received();
    assert_eq!(got[0].path, "/next");
    let f = decode_form(&got[0].body, false);
    assert_eq!(get(&f, "P_STATUS"), "00");
    assert_eq!(get(&f, "P_AMT"), "1000");
}

#[tokio::test]
async fn approval_timeout_is_configurable() {
    let (sb, clock) = start_with(|c| inipay_sandbox::SandboxConfig {
        approval_timeout: Some(std::time::Duration::from_secs(600)),
        ..c
    })
    .await;
    let late = sb.__seed_authenticated_card("INIpayTest", "T1", 1000);
    clock.advance(std::time::Duration::from_secs(601));
    let on_time = sb.__seed_authenticated_card("INIpayTest", "T2", 1000);
    let (_, b) = approve(&sb, "INIpayTest", &late).await;
    assert!(b.starts_with(b"P_STATUS=01&"));
    assert!(
        approve(&sb, "INIpayTest", &on_time)
            .await
            .1
            .starts_with(b"P_STATUS=00&")
    );
    // Without the option there is no limit.
    let (sb, clock) = start().await;
    let t = sb.__seed_authenticated_card("INIpayTest", "T3", 1000);
    clock.advance(std::time::Duration::from_secs(86_400));
    assert!(
        approve(&sb, "INIpayTest", &t)
            .await
            .1
            .starts_with(b"P_STATUS=00&")
    );
}

#[tokio::test]
async fn delay_fault_follows_the_injected_clock() {
    let (sb, clock) = start().await;
    let tid = sb.__seed_authenticated_card("INIpayTest", "DL1", 1000);
    sb.inject(Endpoint::Approval, Fault::Delay { millis: 60_000 }, 1);
    let url = sb.url("/smart/payReq.ini");
    let mut call = tokio::spawn(async move {
        client()
            .post(url)
            .body(format!("P_MID=INIpayTest&P_TID={tid}"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    until_faults_taken(&sb).await;
    clock.advance(std::time::Duration::from_secs(59));
    // One second short of the delay: still no reply and no approval yet.
    let early = tokio::time::timeout(std::time::Duration::from_millis(50), &mut call).await;
    assert!(
        early.is_err(),
        "replied before the sandbox clock reached the delay"
    );
    assert!(sb.transactions().is_empty());
    clock.advance(std::time::Duration::from_secs(1));
    let body = call.await.unwrap();
    assert!(body.starts_with(b"P_STATUS=00&"));
    assert_eq!(sb.transactions().len(), 1);
}

#[tokio::test]
async fn delay_fault_on_the_system_clock_is_capped() {
    let sb = inipay_sandbox::Sandbox::start(inipay_sandbox::SandboxConfig {
        fault_delay_cap: std::time::Duration::from_millis(10),
        ..inipay_sandbox::SandboxConfig::default()
    })
    .await
    .unwrap();
    let tid = sb.__seed_authenticated_card("INIpayTest", "DL2", 1000);
    // An hour asked for; the cap (10 ms) bounds the real wait.
    sb.inject(Endpoint::Approval, Fault::Delay { millis: 3_600_000 }, 1);
    let (_, body) = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        approve(&sb, "INIpayTest", &tid),
    )
    .await
    .expect("the cap bounds the delay");
    assert!(body.starts_with(b"P_STATUS=00&"));
}

#[tokio::test]
async fn ios_app_bank_transfer_returns_to_the_app_scheme() {
    let (sb, _c) = start().await;
    let rx = Receiver::start().await;
    let order = |return_url: &str, reserved: &str| -> Vec<(&'static str, String)> {
        vec![
            ("P_INI_PAYMENT", "BANK".into()),
            ("P_MID", "INIpayTest".into()),
            ("P_OID", "IOS1".into()),
            ("P_AMT", "1000".into()),
            ("P_GOODS", "테스트상품".into()),
            ("P_UNAME", "홍길동".into()),
            ("P_NOTI_URL", rx.url("/noti")),
            ("P_RETURN_URL", return_url.into()),
            ("P_RESERVED", reserved.into()),
        ]
    };
    // iosapp=Y + app_scheme: P_RETURN_URL is the app's scheme (PROTOCOL.md 2.2.1).
    let page = open_window(
        &sb,
        "/smart/payment/",
        &order("myapp://", "iosapp=Y&app_scheme=myapp://"),
    )
    .await;
    assert!(page.contains("앱 복귀 스킴 (app_scheme): <code>myapp://</code>"));
    assert!(page.contains("iosapp=Y"));
    let r = press(&sb, &session_of(&page), "approve", &[("bank_code", "88")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "myapp://");
    sb.deliver_due().await;
    let got = rx.received();
    assert_eq!(got.len(), 1);
    let f = decode_form(&got[0].body, false);
    assert_eq!((get(&f, "P_STATUS"), get(&f, "P_TYPE")), ("00", "BANK"));

    // Card 2trs with app_scheme (ISP return on iOS): same protocol, the window
    // names the scheme.
    let mut card = card_order("https://shop.example/next", "IOS2", "1000");
    card[7].1.push_str("&app_scheme=kakaotalk://");
    let page = open_window(&sb, "/smart/payment/", &card).await;
    assert!(page.contains("<code>kakaotalk://</code>"));

    // Without iosapp=Y an app-scheme P_RETURN_URL is a URL error; a malformed
    // app_scheme is refused.
    let page = open_window(
        &sb,
        "/smart/payment/",
        &order("myapp://", "app_scheme=myapp://"),
    )
    .await;
    assert_eq!(meta(&page, "inicis-error-kind").as_deref(), Some("bad_url"));
    let page = open_window(
        &sb,
        "/smart/payment/",
        &order(&rx.url("/return"), "iosapp=Y&app_scheme=myapp"),
    )
    .await;
    assert_eq!(
        meta(&page, "inicis-error-kind").as_deref(),
        Some("bad_app_scheme")
    );
}

#[tokio::test]
async fn every_legacy_path_opens_its_method_and_approves_with_its_tid_prefix() {
    let (sb, _c) = start().await;
    let rx = Receiver::start().await;
    for (path, label, p_type, prefix) in [
        (
            "/smart/wcard/",
            "신용카드 (Credit card)",
            "CARD",
            "INIMX_CARD",
        ),
        (
            "/smart/bank/",
            "실시간 계좌이체 (Bank transfer)",
            "BANK",
            "INIMX_DBNK",
        ),
        (
            "/smart/vbank/",
            "가상계좌 (Virtual account)",
            "VBANK",
            "INIMX_VBNK",
        ),
        (
            "/smart/mobile/",
            "휴대폰 결제 (Phone bill)",
            "MOBILE",
            "INIMX_HPP_",
        ),
        (
            "/smart/culture/",
            "문화상품권 (Culture gift card)",
            "CULTURE",
            "INIMX_CULT",
        ),
        (
            "/smart/hpmn/",
            "해피머니 (Happy Money gift card)",
            "HPMN",
            "INIMX_HPMN",
        ),
        (
            "/smart/dgcl/",
            "스마트문화상품권 (Smart culture gift card)",
            "DGCL",
            "INIMX_DGCL",
        ),
    ] {
        // No P_INI_PAYMENT: the path decides the method.
        let order: Vec<(&'static str, String)> = vec![
            ("P_MID", "INIpayTest".into()),
            ("P_OID", format!("L{p_type}")),
            ("P_AMT", "1000".into()),
            ("P_GOODS", "테스트상품".into()),
            ("P_UNAME", "홍길동".into()),
            ("P_NEXT_URL", "https://shop.example/next".into()),
            ("P_NOTI_URL", rx.url("/noti")),
            ("P_HPP_METHOD", "2".into()),
            ("P_RESERVED", "twotrs_bank=Y".into()),
        ];
        let page = open_window(&sb, path, &order).await;
        assert!(page.contains(label), "{path}");
        let r = press(&sb, &session_of(&page), "approve", &[]).await;
        let auth = AutoForm::parse(&r.bytes().await.unwrap()).unwrap();
        let reply = decode_reply(
            &approve(&sb, "INIpayTest", auth.fields.get("P_TID").unwrap())
                .await
                .1,
            false,
        );
        assert_eq!(get(&reply, "P_STATUS"), "00", "{path}");
        assert_eq!(get(&reply, "P_TYPE"), p_type, "{path}");
        assert!(get(&reply, "P_TID").starts_with(prefix), "{path}");
    }
}

#[tokio::test]
async fn fixed_port_and_a_merchant_from_config() {
    // A port that was free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut shop = inipay_sandbox::MerchantKeys::new("MyShop0001");
    shop.mobile_hash_key = Some("00112233445566778899AABBCCDDEEFF".into());
    let sb = inipay_sandbox::Sandbox::start(
        inipay_sandbox::SandboxConfig::default()
            .with_port(port)
            .with_merchant(shop),
    )
    .await
    .unwrap();
    assert_eq!(sb.base_url(), format!("http://127.0.0.1:{port}"));
    let mut order = card_order("https://shop.example/next", "MS1", "1000");
    order[1].1 = "MyShop0001".into();
    order[7].1 = "amt_hash=Y".into();
    order.push(("P_TIMESTAMP", "1704078000000".into()));
    order.push((
        "P_CHKFAKE",
        inipay_sandbox::wire::chkfake(
            "1000",
            "MS1",
            "1704078000000",
            "00112233445566778899AABBCCDDEEFF",
        ),
    ));
    let page = open_window(&sb, "/smart/payment/", &order).await;
    assert!(page.contains("MyShop0001") && page.contains("name=\"session\""));
    // The published test MIDs stay known; an unconfigured one is refused.
    order[1].1 = "NotMine001".into();
    let page = open_window(&sb, "/smart/payment/", &order).await;
    assert_eq!(
        meta(&page, "inicis-error-kind").as_deref(),
        Some("unknown_mid")
    );
    sb.shutdown().await;
}
