//! Cash receipts (현금영수증) over real HTTP: the `P_CSHR_*` fields of BANK
//! approvals and 1trs notis (`bank_receipt=Y`), VBANK issuance and deposit
//! notis (`vbank_receipt=Y`), their cancellation with a refund, and INIAPI v2
//! `/v2/pg/receipt` (PROTOCOL.md 2.2.1, 2.5, 2.6, 4.3, 5.7).

mod common;
use common::*;
use inipay_sandbox::Sandbox;
use inipay_sandbox::browser::AutoForm;
use inipay_sandbox::wire;
use serde_json::Value;

fn bank_order(rx: &Receiver, oid: &str, reserved: &str) -> Vec<(&'static str, String)> {
    vec![
        ("P_INI_PAYMENT", "BANK".into()),
        ("P_MID", "INIpayTest".into()),
        ("P_OID", oid.into()),
        ("P_AMT", "1000".into()),
        ("P_GOODS", "테스트상품".into()),
        ("P_UNAME", "홍길동".into()),
        ("P_MOBILE", "010-1234-5678".into()),
        ("P_NEXT_URL", rx.url("/next")),
        ("P_NOTI_URL", rx.url("/noti")),
        ("P_RETURN_URL", rx.url("/return")),
        ("P_RESERVED", reserved.into()),
    ]
}

/// Opens the window, presses approve with `extra`, approves server-side;
/// returns the raw approval body.
async fn bank_2trs(
    sb: &Sandbox,
    order: &[(&'static str, String)],
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let page = open_window(sb, "/smart/payment/", order).await;
    let mut f = vec![("bank_code", "20")];
    f.extend_from_slice(extra);
    let r = press(sb, &session_of(&page), "approve", &f).await;
    let auth = AutoForm::parse(&r.bytes().await.unwrap()).unwrap();
    approve(sb, "INIpayTest", auth.fields.get("P_TID").unwrap())
        .await
        .1
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

#[tokio::test]
async fn bank_approval_carries_p_cshr_fields_when_bank_receipt_is_asked() {
    let (sb, _c) = start().await;
    let rx = Receiver::start().await;
    let order = bank_order(&rx, "CR1", "twotrs_bank=Y&bank_receipt=Y");
    let page = open_window(&sb, "/smart/payment/", &order).await;
    assert!(page.contains("현금영수증 (Cash receipt)"));
    assert!(page.contains("value=\"01012345678\""), "P_MOBILE prefilled");

    let bytes = bank_2trs(
        &sb,
        &order,
        &[
            ("cshr", "Y"),
            ("cshr_type", "1"),
            ("cshr_no", "123-45-67890"),
        ],
    )
    .await;
    // Exact wire: EUC-KR message, then the amounts in PROTOCOL.md 2.5 order.
    let mut want = b"&P_CSHR_CODE=220000&P_CSHR_MSG=".to_vec();
    want.extend(euc_kr("현금영수증 발행 성공 (cash receipt issued)"));
    want.extend(
        b"&P_CSHR_AMT=1000&P_CSHR_SUP_AMT=909&P_CSHR_TAX=91&P_CSHR_SRVC_AMT=0&P_CSHR_TYPE=1&P_CSHR_DT=20240101120000&P_CSHR_AUTH_NO=",
    );
    assert!(
        bytes.windows(want.len()).any(|w| w == want.as_slice()),
        "{}",
        from_euc_kr(&bytes)
    );
    let reply = decode_reply(&bytes, false);
    assert!(is_digits(get(&reply, "P_CSHR_AUTH_NO"), 9));
    let tid = get(&reply, "P_TID").to_owned();
    let t = sb.transaction(&tid).unwrap();
    let c = t.cash_receipt.unwrap();
    assert_eq!((c.kind.as_str(), c.number.as_str()), ("1", "1234567890"));

    // A full refund cancels the receipt too: cshrCancelNum is filled.
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
            ("msg", "취소"),
            ("hashData", &hash),
        ],
    )
    .await;
    assert_eq!(r["resultCode"], "00");
    assert!(is_digits(r["cshrCancelNum"].as_str().unwrap(), 9));
    // A card refund has no receipt to cancel.
    let card = approved_card(&sb, "CR1C", 1000).await;
    assert_eq!(v1_refund(&sb, &card).await["cshrCancelNum"], "");
}

#[tokio::test]
async fn no_p_cshr_fields_unless_asked_and_chosen_and_p_tax_is_honoured() {
    let (sb, _c) = start().await;
    let rx = Receiver::start().await;
    // Not offered: the window shows no receipt part and the reply has none.
    let order = bank_order(&rx, "CR2", "twotrs_bank=Y");
    assert!(
        !open_window(&sb, "/smart/payment/", &order)
            .await
            .contains("현금영수증")
    );
    let bytes = bank_2trs(&sb, &order, &[("cshr", "Y")]).await;
    assert!(!String::from_utf8_lossy(&bytes).contains("P_CSHR_"));
    // Offered, but the buyer unticked it (a browser then sends no `cshr`).
    let order = bank_order(&rx, "CR3", "twotrs_bank=Y&bank_receipt=Y");
    let bytes = bank_2trs(&sb, &order, &[]).await;
    assert!(!String::from_utf8_lossy(&bytes).contains("P_CSHR_"));
    // P_TAX from the merchant decides the VAT; P_TAXFREE the exempt part.
    let mut order = bank_order(&rx, "CR4", "twotrs_bank=Y&bank_receipt=Y");
    order.push(("P_TAX", "50".into()));
    let reply = decode_reply(&bank_2trs(&sb, &order, &[("cshr", "Y")]).await, false);
    assert_eq!(
        (
            get(&reply, "P_CSHR_SUP_AMT"),
            get(&reply, "P_CSHR_TAX"),
            get(&reply, "P_CSHR_TYPE")
        ),
        ("950", "50", "0")
    );
    let mut order = bank_order(&rx, "CR5", "twotrs_bank=Y&bank_receipt=Y");
    order.push(("P_TAXFREE", "1000".into()));
    let reply = decode_reply(&bank_2trs(&sb, &order, &[("cshr", "Y")]).await, false);
    assert_eq!(
        (get(&reply, "P_CSHR_SUP_AMT"), get(&reply, "P_CSHR_TAX")),
        ("1000", "0")
    );
}

#[tokio::test]
async fn bank_1trs_noti_carries_the_receipt() {
    let (sb, _c) = start().await;
    let rx = Receiver::start().await;
    let order = bank_order(&rx, "CR6", "bank_receipt=Y");
    let page = open_window(&sb, "/smart/bank/", &order).await;
    let r = press(
        &sb,
        &session_of(&page),
        "approve",
        &[("bank_code", "04"), ("cshr", "Y")],
    )
    .await;
    assert_eq!(r.status(), 303);
    sb.deliver_due().await;
    let noti = rx
        .received()
        .into_iter()
        .find(|r| r.path == "/noti")
        .unwrap();
    let body = String::from_utf8(noti.body).unwrap();
    assert!(
        body.contains(
            "&P_CSHR_AMT=1000&P_CSHR_SUP_AMT=909&P_CSHR_TAX=91&P_CSHR_SRVC_AMT=0&P_CSHR_TYPE=0&P_CSHR_DT=20240101120000&P_CSHR_AUTH_NO="
        ),
        "{body}"
    );
    assert!(
        !body.contains("P_CSHR_CODE"),
        "notis list no P_CSHR_CODE (PROTOCOL.md 2.6)"
    );
}

#[tokio::test]
async fn vbank_receipt_is_announced_at_issuance_and_issued_at_deposit() {
    let (sb, clock) = start().await;
    let rx = Receiver::start().await;
    let mut order = bank_order(&rx, "CR7", "vbank_receipt=Y");
    order[0].1 = "VBANK".into();
    let page = open_window(&sb, "/smart/payment/", &order).await;
    assert!(page.contains("현금영수증 (Cash receipt)"));
    let r = press(
        &sb,
        &session_of(&page),
        "approve",
        &[("bank_code", "88"), ("cshr", "Y")],
    )
    .await;
    let auth = AutoForm::parse(&r.bytes().await.unwrap()).unwrap();
    let reply = decode_reply(
        &approve(&sb, "INIpayTest", auth.fields.get("P_TID").unwrap())
            .await
            .1,
        false,
    );
    assert_eq!(get(&reply, "P_CSHR_AMT"), "1000");
    assert_eq!(get(&reply, "P_CSHR_TYPE"), "0");
    assert!(!has(&reply, "P_CSHR_AUTH_NO"), "numbered only at deposit");
    let tid = get(&reply, "P_TID").to_owned();
    sb.deliver_due().await;
    clock.advance(std::time::Duration::from_secs(7200));
    sb.deposit_vbank(&tid).unwrap();
    sb.deliver_due().await;
    let notis: Vec<_> = rx
        .received()
        .into_iter()
        .filter(|r| r.path == "/noti")
        .collect();
    assert_eq!(notis.len(), 2);
    assert!(
        !String::from_utf8_lossy(&notis[0].body).contains("P_CSHR_"),
        "issuance noti"
    );
    let f = decode_form(&notis[1].body, false);
    assert_eq!(get(&f, "P_STATUS"), "02");
    assert_eq!(get(&f, "P_CSHR_DT"), "20240101140000");
    assert!(is_digits(get(&f, "P_CSHR_AUTH_NO"), 9));
    assert_eq!(get(&f, "P_CSHR_SUP_AMT"), "909");
    let dash = get_text(&sb, "/sandbox/").await;
    assert!(dash.contains("현금영수증 (cash receipt)"));
}

fn receipt_body(data: &str) -> String {
    let hash = sha512(&format!("{KEY}INIpayTestreceipt{TS}{data}"));
    format!(
        "{{\"mid\":\"INIpayTest\",\"type\":\"receipt\",\"timestamp\":\"{TS}\",\"clientIp\":\"{IP}\",\"data\":{data},\"hashData\":\"{hash}\"}}"
    )
}

async fn post_v2(sb: &Sandbox, body: String) -> Value {
    let r = client()
        .post(sb.url("/v2/pg/receipt"))
        .header("Content-Type", "application/json;charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    r.json().await.unwrap()
}

fn receipt_data(price: &str, supply: &str, tax: &str, kind: &str, number: &str) -> String {
    format!(
        "{{\"price\":\"{price}\",\"supplyPrice\":\"{supply}\",\"tax\":\"{tax}\",\"servicePrice\":\"0\",\"issueType\":\"{kind}\",\"issueNumber\":\"{number}\",\"goodName\":\"테스트상품\",\"buyerName\":\"홍길동\",\"buyerEmail\":\"test@test.com\",\"buyerTel\":\"01012345678\",\"currency\":\"WON\"}}"
    )
}

#[tokio::test]
async fn v2_receipt_issues_a_cash_receipt() {
    let (sb, _c) = start().await;
    let enc = wire::aes128_encrypt_b64(KEY.as_bytes(), IV.as_bytes(), b"01012345678").unwrap();
    let r = post_v2(
        &sb,
        receipt_body(&receipt_data("1000", "909", "91", "0", &enc)),
    )
    .await;
    assert_eq!(r["resultCode"], "00", "{r}");
    let tid = r["tid"].as_str().unwrap();
    assert!(tid.starts_with("INIAPIRCPTINIpayTest20240101120000") && tid.len() == 40);
    assert!(is_digits(r["authNo"].as_str().unwrap(), 9));
    assert_eq!(
        (r["authDate"].as_str(), r["authTime"].as_str()),
        (Some("20240101"), Some("120000"))
    );
    let issued = sb.receipts();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].receipt.number, "01012345678");
    assert!(
        !format!("{issued:?}").contains("01012345678"),
        "Debug masks the number"
    );
    let list = get_json(&sb, "/sandbox/api/receipts").await;
    assert_eq!(list[0]["tid"], tid);
    assert!(
        list[0]["receipt"].get("number").is_none(),
        "the number is not exported"
    );
    let dash = get_text(&sb, "/sandbox/").await;
    assert!(dash.contains(tid));

    // Refusals: parts that do not add up, an unknown issueType, an issueNumber
    // that is not [ENC], a wrong key.
    for (data, field) in [
        (receipt_data("1000", "900", "91", "0", &enc), "price"),
        (receipt_data("0", "0", "0", "0", &enc), "price"),
        (receipt_data("1000", "909", "91", "2", &enc), "issueType"),
        (
            receipt_data("1000", "909", "91", "0", "01012345678"),
            "issueNumber",
        ),
        (receipt_data("1,000", "909", "91", "0", &enc), "price"),
    ] {
        let r = post_v2(&sb, receipt_body(&data)).await;
        assert_eq!(r["resultCode"], "01");
        let msg = r["resultMsg"].as_str().unwrap();
        assert!(msg.starts_with("[ER0102]") && msg.contains(field), "{msg}");
    }
    let data = receipt_data("1000", "909", "91", "0", &enc);
    let bad = receipt_body(&data).replace(
        &sha512(&format!("{KEY}INIpayTestreceipt{TS}{data}")),
        &sha512("x"),
    );
    assert!(
        post_v2(&sb, bad).await["resultMsg"]
            .as_str()
            .unwrap()
            .contains("hashData")
    );
    assert_eq!(sb.receipts().len(), 1);
}
