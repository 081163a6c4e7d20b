//! The actix routes over real HTTP on 127.0.0.1 against a real
//! `inipay-sandbox`, with reqwest playing the buyer's browser.

mod common;
use common::*;
use inipay_core::ledger::{MessageKind, PaymentState};
use inipay_core::types::OrderId;
use inipay_sandbox::faults::{Endpoint, Fault};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_2trs_payment_end_to_end() {
    let h = start().await;
    let form = h.checkout("ORD-CARD-1", "card").await;
    assert_eq!(form.action, h.sandbox.url("/smart/payment/"));
    assert_eq!(form.fields.get("P_OID"), Some("ORD-CARD-1"));
    assert_eq!(
        form.fields.get("P_NEXT_URL"),
        Some(h.url("/inicis/next?oid=ORD-CARD-1").as_str())
    );
    assert_eq!(h.state("ORD-CARD-1").await, PaymentState::Created);

    let auth = h.pay(&form, "approve", CARD).await;
    assert_eq!(h.finish(&auth).await, "/orders/ORD-CARD-1");
    let p = h.payment("ORD-CARD-1").await;
    assert_eq!(p.state, PaymentState::Approved);
    let tid = p.tid.expect("approval TID");
    assert!(tid.as_str().starts_with("INIMX_CARD"));
    assert_eq!(
        h.sandbox.transaction(tid.as_str()).unwrap().amount,
        1_000,
        "the sandbox captured exactly the order amount"
    );
    assert_eq!(h.events(), ["paid"]);
    assert!(p.acknowledged_at.is_some());

    // A reload of the auth result (double submit) changes nothing.
    assert_eq!(h.finish(&auth).await, "/orders/ORD-CARD-1");
    assert_eq!(h.state("ORD-CARD-1").await, PaymentState::Approved);
    assert_eq!(h.sandbox.transactions().len(), 1);
    assert_eq!(h.events(), ["paid"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_cancel_is_not_paid() {
    let h = start().await;
    let form = h.checkout("ORD-CANCEL", "CARD").await;
    let auth = h.pay(&form, "cancel", &[]).await;
    assert_eq!(auth.fields.get("P_STATUS"), Some("01"));
    assert_eq!(h.finish(&auth).await, "/orders/ORD-CANCEL");
    let p = h.payment("ORD-CANCEL").await;
    assert!(!p.state.is_paid());
    assert!(
        matches!(
            p.state,
            PaymentState::CancelledByUser | PaymentState::Failed
        ),
        "{:?}",
        p.state
    );
    assert!(h.sandbox.transactions().is_empty());
    assert!(h.events().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vbank_issue_then_duplicated_deposit_noti_applied_once() {
    let h = start().await;
    let form = h.checkout("ORD-VBANK", "VBANK").await;
    let auth = h.pay(&form, "approve", &[("bank_code", "88")]).await;
    assert_eq!(h.finish(&auth).await, "/orders/ORD-VBANK");
    let p = h.payment("ORD-VBANK").await;
    assert_eq!(p.state, PaymentState::VbankIssued);
    assert!(!p.state.is_paid());
    let tid = p.tid.expect("issuance TID").as_str().to_owned();
    assert!(tid.starts_with("INIMX_VBNK"));

    // The sandbox notifies the issuance (P_STATUS=00): answered OK, still unpaid.
    h.sandbox.deliver_due().await;
    for a in h.notis(&tid, "00") {
        assert_eq!(a.http_status, Some(200));
        assert_eq!(a.reply, "OK");
    }
    assert_eq!(h.state("ORD-VBANK").await, PaymentState::VbankIssued);

    // The buyer deposits; the sandbox delivers the notification twice.
    h.sandbox.inject(Endpoint::Noti, Fault::DuplicateNoti, 1);
    h.sandbox.deposit_vbank(&tid).unwrap();
    h.sandbox.deliver_due().await;
    let deposits = h.notis(&tid, "02");
    assert!(deposits.len() >= 2, "{deposits:?}");
    for a in &deposits {
        assert_eq!(a.http_status, Some(200));
        assert_eq!(a.reply, "OK", "exactly OK, no newline");
        assert!(a.delivered);
    }
    assert_eq!(h.state("ORD-VBANK").await, PaymentState::VbankDeposited);
    let events = h.events();
    assert_eq!(
        events.iter().filter(|e| *e == "deposited").count(),
        1,
        "{events:?}"
    );
    let notis = inipay_core::ledger::Ledger::messages_of(
        h.ledger.as_ref(),
        &OrderId::new("ORD-VBANK").unwrap(),
    )
    .await
    .unwrap()
    .into_iter()
    .filter(|m| m.message.kind == MessageKind::Noti)
    .count();
    assert!(notis >= 2, "every delivery is journaled ({notis})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_approval_amount_is_net_cancelled_never_paid() {
    let h = start().await;
    let form = h.checkout("ORD-TAMPER", "CARD").await;
    let auth = h.pay(&form, "approve", CARD).await;
    h.sandbox.inject(Endpoint::Approval, Fault::TamperAmount, 1);
    assert_eq!(h.finish(&auth).await, "/orders/ORD-TAMPER");
    let p = h.payment("ORD-TAMPER").await;
    assert_eq!(p.state, PaymentState::NetCancelled);
    assert!(!h.events().contains(&"paid".to_owned()));
    assert!(h.events().contains(&"alert".to_owned()));
    let txns = h.sandbox.transactions();
    assert_eq!(txns.len(), 1);
    assert_eq!(
        txns[0].status,
        inipay_sandbox::state::TxnStatus::NetCancelled,
        "the sandbox undid the approval"
    );
    assert_eq!(txns[0].remaining, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_result_by_get_query_string() {
    let h = start().await;
    let form = h.checkout("ORD-GET", "CARD").await;
    let mut auth = h.pay(&form, "approve", CARD).await;
    auth.get = true; // INICIS may deliver the result in the query string.
    assert_eq!(h.finish(&auth).await, "/orders/ORD-GET");
    assert_eq!(h.state("ORD-GET").await, PaymentState::Approved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkout_errors_are_short_and_typed() {
    let h = start().await;
    let get = |p: &str| h.http.get(h.url(p)).send();
    let r = get("/inicis/checkout/NOPE-1?method=CARD").await.unwrap();
    assert_eq!(r.status(), 404);
    let r = get("/inicis/checkout/ORD-1?method=BITCOIN").await.unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("P_INI_PAYMENT"));
    let r = get("/inicis/checkout/ORD-1?method=CULTURE").await.unwrap();
    assert_eq!(r.status(), 400, "not one of the order's methods");
    let r = get("/inicis/checkout/ORD-1").await.unwrap();
    assert_eq!(r.status(), 400);
    let r = get("/inicis/checkout/BADNAME-1?method=CARD").await.unwrap();
    assert_eq!(r.status(), 400);
    let body = r.text().await.unwrap();
    assert!(body.contains("P_UNAME"), "{body}");
    assert!(!body.contains('가'), "never echoes the value: {body}");
    // Nothing was recorded for refused checkouts.
    assert!(
        inipay_core::ledger::Ledger::payment(
            h.ledger.as_ref(),
            &OrderId::new("BADNAME-1").unwrap()
        )
        .await
        .unwrap()
        .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn return_landing_and_next_without_order() {
    let h = start().await;
    let r = h
        .http
        .get(h.url("/inicis/return?oid=ORD-9"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/orders/ORD-9");
    let r = h
        .http
        .get(h.url("/inicis/return?oid=%0d%0aSet-Cookie:x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = h
        .http
        .post(h.url("/inicis/next"))
        .body("P_STATUS=01&P_RMESG1=cancel")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn noti_replies_exactly_and_limits_the_body() {
    let h = start().await;
    // Unreadable: an error status, empty body (INICIS retries).
    let r = h
        .http
        .post(h.url("/inicis/noti"))
        .body("garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "text/plain");
    assert_eq!(r.bytes().await.unwrap().len(), 0);
    // Over 64 KiB: journaled truncated by the flow, then 413, empty body.
    let r = h
        .http
        .post(h.url("/inicis/noti"))
        .body(vec![b'a'; 64 * 1024 + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.bytes().await.unwrap().len(), 0);
}

async fn noti_status(h: &Harness, xff: Option<&str>) -> u16 {
    let mut req = h.http.post(h.url("/inicis/noti")).body("unreadable");
    if let Some(v) = xff {
        req = req.header("X-Forwarded-For", v);
    }
    req.send().await.unwrap().status().as_u16()
}

/// 403: refused by the allow-list; 400: passed it (then unreadable).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn noti_source_is_the_peer_unless_a_proxy_header_is_trusted() {
    use actix_web::http::header::HeaderName;
    use inipay_core::mobile::NotiIpAllowList;
    let inicis_ip = "203.238.37.15";
    let allow = |c: &mut inipay_core::flow::FlowConfig| {
        c.noti_sources = Some(NotiIpAllowList::current());
    };

    // Default: the header is ignored, the peer (127.0.0.1) is not INICIS.
    let h = start_with(allow, |i| i).await;
    assert_eq!(noti_status(&h, Some(inicis_ip)).await, 403);
    assert_eq!(noti_status(&h, None).await, 403);

    // Trusted proxy header: its last hop counts.
    let h = start_with(allow, |i| {
        i.trust_proxy_header(HeaderName::from_static("x-forwarded-for"))
    })
    .await;
    assert_eq!(
        noti_status(&h, Some(&format!("10.9.9.9, {inicis_ip}"))).await,
        400
    );
    assert_eq!(
        noti_status(&h, Some(&format!("{inicis_ip}, 10.9.9.9"))).await,
        403
    );
    assert_eq!(noti_status(&h, Some("not-an-ip")).await, 403);
    assert_eq!(noti_status(&h, None).await, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billing_key_issued_in_the_sandbox_window_is_stored_sealed() {
    use inipay_core::billing::BillingKeyRequest;
    use inipay_core::ledger::{BillkeyKey, Ledger};
    use inipay_core::time::Timestamp;
    use inipay_core::types::Amount;
    use secrecy::ExposeSecret;

    let key = || BillkeyKey::new("k1", &[7u8; 32]).unwrap();
    let h = start_billing(key()).await;
    // The app serves the billing page itself (its own route and order).
    let request = BillingKeyRequest::card("BILL-1", Amount::won(9_900))
        .goods("월 구독")
        .buyer_name("홍길동")
        .return_url("https://replaced.invalid/")
        .build()
        .unwrap();
    let page = h
        .flow
        .billing_checkout(request, Timestamp::from_unix_millis(T0))
        .await
        .unwrap();
    let form = inipay_sandbox::browser::AutoForm::parse(page.html.as_bytes()).unwrap();
    assert_eq!(form.action, h.sandbox.url("/inibill/inibill_card.jsp"));
    let window = h.submit(&form).await;
    assert_eq!(window.status(), 200);
    let window = window.bytes().await.unwrap();
    let page_form = inipay_sandbox::browser::AutoForm::parse(&window).unwrap();
    let session = page_form.fields.get("session").unwrap().to_owned();
    let r = h
        .http
        .post(h.sandbox.url(&page_form.action))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!(
            "session={session}&action=approve&card_code=06&card_number=5365101234561234"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let result = inipay_sandbox::browser::AutoForm::parse(&r.bytes().await.unwrap()).unwrap();
    assert!(
        result
            .action
            .starts_with(&h.url("/inicis/billing/return?oid=BILL-1"))
    );
    let r = h.submit(&result).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/orders/BILL-1");

    let revealed = h
        .ledger
        .reveal_billkey(&key(), &OrderId::new("BILL-1").unwrap())
        .await
        .unwrap()
        .expect("billing key stored");
    assert!(
        h.sandbox.has_billkey(revealed.expose_secret()),
        "the key the sandbox issued, decrypted"
    );
}
