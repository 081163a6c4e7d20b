//! Inquiry over real HTTP, v1 (`/api/v1/extra`, PROTOCOL.md 4.5) and v2
//! (`/v2/pg/inquiry`, 5.6): every transaction state, transactions approved in
//! the 1trs flow (2.1), and the inquiry faults (slow, 500, garbled, and the
//! ones that make the reply disagree with the truth).

mod common;
use common::*;
use inipay_sandbox::Sandbox;
use inipay_sandbox::faults::{Endpoint, Fault};
use serde_json::Value;

/// Asks both versions about `tid`; checks the v1 `status` and the v2
/// `transactionStatus` agree with `status`; returns (v1, v2).
async fn both(sb: &Sandbox, tid: &str, status: &str) -> (Value, Value) {
    let (a, b) = (v1_inquiry(sb, tid).await, v2_inquiry(sb, tid).await);
    assert_eq!(a["status"], status, "v1: {a}");
    assert_eq!(b["transactionStatus"], status, "v2: {b}");
    (a, b)
}

#[tokio::test]
async fn approved_card_reports_status_0_with_tid_mid_oid_and_price() {
    let (sb, _c) = start().await;
    let tid = approved_card(&sb, "Q1", 3000).await;
    let (a, b) = both(&sb, &tid, "0").await;
    assert_eq!(a["resultCode"], "00");
    assert_eq!(a["tid"], tid.as_str());
    assert_eq!(a["oid"], "Q1");
    assert_eq!(a["price"], "3000");
    assert_eq!(a["remainPrice"], "3000");
    assert_eq!(a["paymethod"], "Card");
    assert_eq!(a["applDate"], "20240101");
    assert_eq!(a["applTime"], "120000");
    assert_eq!(a["applNum"].as_str().unwrap().len(), 8);
    assert!(a.get("mid").is_none(), "v1 inquiry carries no mid");
    assert_eq!(b["resultCode"], "00");
    assert_eq!(b["tid"], tid.as_str());
    assert_eq!(b["mid"], "INIpayTest");
    assert_eq!(b["oid"], "Q1");
    assert_eq!(b["price"], "3000");
    assert_eq!(b["paymethod"], "Card");
    assert_eq!(b["availablePartCancel"], "Y");
    assert_eq!(b["availablePartCancelPrice"], "3000");
    assert_eq!(b["partCancelTransInfo"], serde_json::json!([]));
    assert!(
        b.get("vacctInfo").is_none(),
        "vacctInfo only for virtual accounts"
    );
}

#[tokio::test]
async fn cancelled_card_reports_status_1() {
    let (sb, _c) = start().await;
    let tid = approved_card(&sb, "Q2", 1000).await;
    assert_eq!(v1_refund(&sb, &tid).await["resultCode"], "00");
    let (a, b) = both(&sb, &tid, "1").await;
    assert_eq!(
        (a["price"].as_str(), a["remainPrice"].as_str()),
        (Some("1000"), Some("0"))
    );
    assert_eq!(b["availablePartCancel"], "N");
    assert_eq!(b["availablePartCancelPrice"], "0");
}

#[tokio::test]
async fn partially_refunded_card_is_still_0_with_the_remaining_amount() {
    let (sb, _c) = start().await;
    let tid = approved_card(&sb, "Q3", 1000).await;
    let r = v1_partial(&sb, &tid, 300, 700).await;
    assert_eq!(r["resultCode"], "00");
    let part_tid = r["tid"].as_str().unwrap().to_owned();
    let (a, b) = both(&sb, &tid, "0").await;
    assert_eq!(a["price"], "1000", "price stays the approved amount");
    assert_eq!(a["remainPrice"], "700");
    assert_eq!(b["price"], "1000");
    assert_eq!(b["availablePartCancel"], "Y");
    assert_eq!(b["availablePartCancelPrice"], "700");
    let parts = b["partCancelTransInfo"].as_array().unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0]["partCancelTid"], part_tid.as_str());
    assert_eq!(parts[0]["partCancelPrice"], "300");
    assert_eq!(parts[0]["remainPrice"], "700");
    // Asked by the partial-cancel TID: the original transaction answers.
    let (a, b) = both(&sb, &part_tid, "0").await;
    assert_eq!(a["tid"], tid.as_str());
    assert_eq!(b["tid"], tid.as_str());
    // Refunded down to zero by partial refunds: cancelled.
    assert_eq!(v1_partial(&sb, &tid, 700, 0).await["resultCode"], "00");
    let (a, _) = both(&sb, &tid, "1").await;
    assert_eq!(a["remainPrice"], "0");
}

#[tokio::test]
async fn unknown_or_other_merchants_transaction_is_9() {
    let (sb, _c) = start().await;
    let tid = approved_card(&sb, "Q4", 1000).await;
    let (a, b) = both(&sb, "INIMX_CARDINIpayTest20240101120000999999", "9").await;
    assert_eq!(a["resultCode"], "01");
    assert_eq!(b["resultCode"], "01");
    assert!(b.get("tid").is_none());
    // INIBillTst asking about INIpayTest's transaction: no such transaction.
    let r = v1_inquiry_as(&sb, "INIBillTst", BILL_KEY, &tid, "").await;
    assert_eq!(r["status"], "9");
    let r = v2_inquiry_as(&sb, "INIBillTst", BILL_KEY, &tid).await;
    assert_eq!(r["transactionStatus"], "9");
}

async fn v1_refund_as(sb: &Sandbox, paymethod: &str, tid: &str, extra: &[(&str, &str)]) -> Value {
    let acct = extra
        .iter()
        .find(|(k, _)| *k == "refundAcctNum")
        .map(|(_, v)| *v)
        .unwrap_or_default();
    let hash = sha512(&format!(
        "{KEY}Refund{paymethod}{TS}{IP}INIpayTest{tid}{acct}"
    ));
    let mut f = vec![
        ("type", "Refund"),
        ("paymethod", paymethod),
        ("timestamp", TS),
        ("clientIp", IP),
        ("mid", "INIpayTest"),
        ("tid", tid),
        ("msg", "x"),
        ("hashData", &hash),
    ];
    f.extend_from_slice(extra);
    v1(sb, "/api/v1/refund", &f).await
}

#[tokio::test]
async fn virtual_account_waiting_deposited_and_cancelled() {
    let (sb, clock) = start().await;
    let rx = Receiver::start().await;
    let tid = issue_vbank(&sb, &rx, "QV1").await;
    let acct = sb.transaction(&tid).unwrap().vbank.unwrap().account;
    // Issued, waiting: N.
    let (a, b) = both(&sb, &tid, "N").await;
    assert_eq!(a["paymethod"], "VBank");
    assert_eq!(a["price"], "20000");
    let v = &b["vacctInfo"];
    assert_eq!(v["depositStatus"], "N");
    assert_eq!(v["depositAmount"], "0");
    assert_eq!(v["depositDate"], "");
    assert_eq!(v["accountNumber"], acct.as_str());
    assert_eq!(v["bankCode"], "88");
    assert_eq!(v["bankName"], "신한은행");
    assert_eq!(v["validDate"], "20240105235959");
    assert_eq!(b["availablePartCancel"], "N");
    // Deposited an hour later: Y.
    clock.advance(std::time::Duration::from_secs(3600));
    sb.deposit_vbank(&tid).unwrap();
    let (_, b) = both(&sb, &tid, "Y").await;
    let v = &b["vacctInfo"];
    assert_eq!(v["depositStatus"], "Y");
    assert_eq!(v["depositAmount"], "20000");
    assert_eq!(
        (v["depositDate"].as_str(), v["depositTime"].as_str()),
        (Some("20240101"), Some("130000"))
    );
    assert_eq!(b["availablePartCancel"], "Y");
    // Deposited, then refunded to the buyer's account: 1 (the deposit happened).
    let r = v1_refund_as(
        &sb,
        "Vacct",
        &tid,
        &[
            ("refundAcctNum", "qwMHVJqsmXKoR+d8wQTS4g=="),
            ("refundBankCode", "20"),
            ("refundAcctName", "홍길동"),
        ],
    )
    .await;
    assert_eq!(r["resultCode"], "00", "{r}");
    let (_, b) = both(&sb, &tid, "1").await;
    assert_eq!(b["vacctInfo"]["depositStatus"], "Y");

    // Another one cancelled before its deposit (GVacct): C.
    let t2 = issue_vbank(&sb, &rx, "QV2").await;
    assert_eq!(
        v1_refund_as(&sb, "GVacct", &t2, &[]).await["resultCode"],
        "00"
    );
    let (_, b) = both(&sb, &t2, "C").await;
    assert_eq!(b["vacctInfo"]["depositStatus"], "C");
    assert_eq!(b["vacctInfo"]["depositAmount"], "0");
}

#[tokio::test]
async fn net_cancelled_card_reports_status_1() {
    let (sb, _c) = start().await;
    let tid = approved_card(&sb, "QN", 1000).await;
    let r = client()
        .post(sb.url("/smart/payNetCancel.ini"))
        .body(utf8_form(&[
            ("P_TID", &tid),
            ("P_MID", "INIpayTest"),
            ("P_AMT", "1000"),
            ("P_OID", "QN"),
        ]))
        .send()
        .await
        .unwrap();
    assert!(r.bytes().await.unwrap().starts_with(b"P_STATUS=00&"));
    both(&sb, &tid, "1").await;
}

/// Completes a 1trs window: checks the browser goes to P_RETURN_URL and
/// the result noti (P_STATUS=00, approval TID, P_AMT) arrives without any
/// approval call; returns the noti's fields.
async fn complete_one_trs(
    sb: &Sandbox,
    rx: &Receiver,
    method: &str,
    oid: &str,
    buttons: &[(&str, &str)],
) -> Vec<(String, String)> {
    let page = open_window(
        sb,
        "/smart/payment/",
        &one_trs_order(rx, method, oid, "apprun_check=Y"),
    )
    .await;
    let r = press(sb, &session_of(&page), "approve", buttons).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        rx.url(&format!("/return?oid={oid}")).as_str()
    );
    sb.deliver_due().await;
    let got: Vec<_> = rx
        .received()
        .into_iter()
        .filter(|r| r.path == "/noti")
        .collect();
    assert_eq!(got.len(), 1);
    assert!(rx.received().iter().all(|r| r.path != "/next"));
    let f = decode_form(&got[0].body, false);
    assert_eq!(get(&f, "P_STATUS"), "00");
    assert_eq!(get(&f, "P_OID"), oid);
    assert_eq!(get(&f, "P_AMT"), "1005");
    f
}

#[tokio::test]
async fn isp_1trs_approval_is_visible_to_inquiry_as_approved() {
    let (sb, _c) = start().await;
    let rx = Receiver::start().await;
    let f = complete_one_trs(
        &sb,
        &rx,
        "CARD",
        "Q1T",
        &[("card_code", "06"), ("auth", "isp")],
    )
    .await;
    let tid = get(&f, "P_TID").to_owned();
    assert!(
        tid.starts_with("INIMX_ISP_INIpayTest") && tid.len() == 40,
        "{tid}"
    );
    let (a, b) = both(&sb, &tid, "0").await;
    assert_eq!(
        (a["tid"].as_str(), a["price"].as_str(), a["oid"].as_str()),
        (Some(tid.as_str()), Some("1005"), Some("Q1T"))
    );
    assert_eq!(
        (
            b["mid"].as_str(),
            b["price"].as_str(),
            b["paymethod"].as_str()
        ),
        (Some("INIpayTest"), Some("1005"), Some("Card"))
    );
    assert_eq!(a["applNum"], get(&f, "P_AUTH_NO"));
}

#[tokio::test]
async fn bank_1trs_approval_is_visible_to_inquiry_as_approved() {
    let (sb, _c) = start().await;
    let rx = Receiver::start().await;
    let f = complete_one_trs(&sb, &rx, "BANK", "Q1B", &[("bank_code", "04")]).await;
    let tid = get(&f, "P_TID").to_owned();
    assert!(tid.starts_with("INIMX_DBNKINIpayTest"), "{tid}");
    assert_eq!(get(&f, "P_TYPE"), "BANK");
    let (a, b) = both(&sb, &tid, "0").await;
    assert_eq!(
        (a["price"].as_str(), a["paymethod"].as_str()),
        (Some("1005"), Some("DirectBank"))
    );
    assert_eq!(
        (b["oid"].as_str(), b["price"].as_str()),
        (Some("Q1B"), Some("1005"))
    );
}

#[tokio::test]
async fn inquiry_500_and_garbled_leave_billing_and_refunds_alone() {
    let (sb, _c) = start().await;
    let tid = approved_card(&sb, "QF1", 1000).await;
    sb.inject(Endpoint::Inquiry, Fault::Http500, 2);
    // A refund is not an inquiry: it does not take the fault.
    assert_eq!(v1_partial(&sb, &tid, 100, 900).await["resultCode"], "00");
    let url_v1 = sb.url("/api/v1/extra");
    let hash = sha512(&format!("{KEY}ExtraInquiry{TS}{IP}INIpayTest"));
    let form = utf8_form(&[
        ("type", "Extra"),
        ("paymethod", "Inquiry"),
        ("timestamp", TS),
        ("clientIp", IP),
        ("mid", "INIpayTest"),
        ("originalTid", &tid),
        ("hashData", &hash),
    ]);
    let r = client()
        .post(&url_v1)
        .body(form.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.bytes().await.unwrap().is_empty());
    let data = format!("{{\"tid\":\"{tid}\"}}");
    let v2_req = v2_body("INIpayTest", "inquiry", KEY, &data, None);
    let r = client()
        .post(sb.url("/v2/pg/inquiry"))
        .body(v2_req.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    // Both taken: the truth again.
    both(&sb, &tid, "0").await;

    sb.inject(Endpoint::Inquiry, Fault::Garbled, 2);
    let refund = format!(
        "{{\"tid\":\"{tid}\",\"msg\":\"x\",\"price\":\"100\",\"confirmPrice\":\"800\",\"currency\":\"WON\",\"tax\":\"0\",\"taxfree\":\"0\"}}"
    );
    let r = v2(
        &sb,
        "partialRefund",
        v2_body("INIpayTest", "partialRefund", KEY, &refund, None),
    )
    .await;
    assert_eq!(r["resultCode"], "00", "a v2 refund is not an inquiry: {r}");
    for (url, body) in [(url_v1, form), (sb.url("/v2/pg/inquiry"), v2_req)] {
        let r = client().post(url).body(body).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let b = r.bytes().await.unwrap();
        assert!(
            serde_json::from_slice::<Value>(&b).is_err(),
            "garbled body parsed as JSON"
        );
    }
    let (a, _) = both(&sb, &tid, "0").await;
    assert_eq!(a["remainPrice"], "800");
}

#[tokio::test]
async fn inquiry_delay_waits_on_the_manual_clock_while_refunds_answer() {
    let (sb, clock) = start().await;
    let tid = approved_card(&sb, "QD1", 1000).await;
    sb.inject(Endpoint::Inquiry, Fault::Delay { millis: 30_000 }, 1);
    // A refund first: answered at once, the fault still pending.
    assert_eq!(v1_partial(&sb, &tid, 100, 900).await["resultCode"], "00");
    let pending = get_json(&sb, "/sandbox/api/faults").await;
    assert_eq!(pending["pending"].as_array().unwrap().len(), 1);
    let url = sb.url("/v2/pg/inquiry");
    let data = format!("{{\"tid\":\"{tid}\"}}");
    let body = v2_body("INIpayTest", "inquiry", KEY, &data, None);
    let mut call = tokio::spawn(async move {
        client()
            .post(url)
            .body(body)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    });
    until_faults_taken(&sb).await;
    clock.advance(std::time::Duration::from_secs(29));
    let early = tokio::time::timeout(std::time::Duration::from_millis(50), &mut call).await;
    assert!(
        early.is_err(),
        "replied before the sandbox clock reached the delay"
    );
    clock.advance(std::time::Duration::from_secs(1));
    let r = call.await.unwrap();
    assert_eq!(r["transactionStatus"], "0");
    assert_eq!(r["availablePartCancelPrice"], "900");
}

#[tokio::test]
async fn inquiry_status_fault_reports_a_status_the_sandbox_does_not_hold() {
    let (sb, _c) = start().await;
    let tid = approved_card(&sb, "QS1", 1000).await;
    sb.inject(
        Endpoint::Inquiry,
        Fault::InquiryStatus { status: "1".into() },
        2,
    );
    let (a, b) = both(&sb, &tid, "1").await;
    // Everything else is still the truth.
    assert_eq!(
        (a["tid"].as_str(), a["price"].as_str()),
        (Some(tid.as_str()), Some("1000"))
    );
    assert_eq!(b["oid"], "QS1");
    // The state is untouched: the next inquiry says approved, refunds work.
    both(&sb, &tid, "0").await;
    assert_eq!(v1_refund(&sb, &tid).await["resultCode"], "00");
    // An unknown TID can be reported as approved.
    sb.inject(
        Endpoint::Inquiry,
        Fault::InquiryStatus { status: "0".into() },
        1,
    );
    let r = v1_inquiry(&sb, "INIMX_CARDINIpayTest20240101120000999999").await;
    assert_eq!(
        (r["resultCode"].as_str(), r["status"].as_str()),
        (Some("01"), Some("0"))
    );
}

#[tokio::test]
async fn tamper_faults_make_inquiry_disagree_on_amount_oid_tid_and_mid() {
    let (sb, _c) = start().await;
    let tid = approved_card(&sb, "QT1", 1000).await;
    sb.inject(Endpoint::Inquiry, Fault::TamperAmount, 2);
    let (a, b) = both(&sb, &tid, "0").await;
    assert_eq!(
        (a["price"].as_str(), b["price"].as_str()),
        (Some("1001"), Some("1001"))
    );
    assert_eq!(
        (a["tid"].as_str(), b["oid"].as_str()),
        (Some(tid.as_str()), Some("QT1"))
    );

    sb.inject(Endpoint::Inquiry, Fault::TamperOrderId, 2);
    let (a, b) = both(&sb, &tid, "0").await;
    assert_eq!(
        (a["oid"].as_str(), b["oid"].as_str()),
        (Some("QT1X"), Some("QT1X"))
    );
    assert_eq!(a["price"], "1000");

    sb.inject(Endpoint::Inquiry, Fault::TamperTid, 2);
    let (a, b) = both(&sb, &tid, "0").await;
    let other = a["tid"].as_str().unwrap();
    assert_ne!(other, tid);
    assert_eq!((other.len(), &other[..39]), (40, &tid[..39]));
    assert_eq!(b["tid"], other);

    sb.inject(Endpoint::Inquiry, Fault::TamperMid, 1);
    let b = v2_inquiry(&sb, &tid).await;
    assert_eq!(
        (b["mid"].as_str(), b["tid"].as_str()),
        (Some("INIpayTesX"), Some(tid.as_str()))
    );

    // Faults used up: the truth again.
    let b = v2_inquiry(&sb, &tid).await;
    assert_eq!(
        (b["mid"].as_str(), b["oid"].as_str(), b["price"].as_str()),
        (Some("INIpayTest"), Some("QT1"), Some("1000"))
    );

    // A deposited virtual account's depositAmount is tampered with its price.
    let rx = Receiver::start().await;
    let vt = issue_vbank(&sb, &rx, "QT2").await;
    sb.deposit_vbank(&vt).unwrap();
    sb.inject(Endpoint::Inquiry, Fault::TamperAmount, 1);
    let b = v2_inquiry(&sb, &vt).await;
    assert_eq!(
        (
            b["price"].as_str(),
            b["vacctInfo"]["depositAmount"].as_str()
        ),
        (Some("20001"), Some("20001"))
    );
}

#[tokio::test]
async fn inquiry_faults_from_the_control_api_and_the_dashboard() {
    let (sb, _c) = start().await;
    let tid = approved_card(&sb, "QC1", 1000).await;
    let r = client()
        .post(sb.url("/sandbox/api/faults"))
        .body(r#"{"endpoint":"inquiry","fault":{"kind":"inquiry_status","status":"9"},"count":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let listed = get_json(&sb, "/sandbox/api/faults").await;
    assert_eq!(listed["pending"][0][0], "inquiry");
    assert_eq!(
        listed["pending"][0][1],
        serde_json::json!({"kind": "inquiry_status", "status": "9"})
    );
    // Billing-side v1 call first: the inquiry fault waits for an inquiry.
    assert_eq!(v1_partial(&sb, &tid, 100, 900).await["resultCode"], "00");
    assert_eq!(v1_inquiry(&sb, &tid).await["status"], "9");
    assert_eq!(v1_inquiry(&sb, &tid).await["status"], "0");
    for kind in ["tamper_amount", "tamper_tid"] {
        let r = client()
            .post(sb.url("/sandbox/api/faults"))
            .body(format!(
                r#"{{"endpoint":"inquiry","fault":{{"kind":"{kind}"}}}}"#
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let b = v2_inquiry(&sb, &tid).await;
    assert_eq!(b["price"], "1001");
    assert_ne!(b["tid"], tid.as_str());

    // Dashboard form.
    let r = client()
        .post(sb.url("/sandbox/fault"))
        .body(utf8_form(&[
            ("endpoint", "inquiry"),
            ("kind", "inquiry_status"),
            ("status", "C"),
            ("count", "1"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(v2_inquiry(&sb, &tid).await["transactionStatus"], "C");
    let page = get_text(&sb, "/sandbox/").await;
    assert!(
        page.contains("<option>inquiry</option>")
            && page.contains("<option>inquiry_status</option>")
    );
}
