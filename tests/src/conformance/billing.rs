//! Billing keys (빌링키 발급, PROTOCOL.md 3) through every adapter's
//! `billing/return` route: the app serves the flow's inibill page, the
//! buyer issues a key in the sandbox's window, the window posts the result
//! back to the adapter. The harness runs as the billing test MID
//! `INIBillTst` ([`Options::billing`](super::Options::billing)).

use super::browser::{Page, submit};
use super::{Harness, T0};
use inipay_core::billing::{BillingKeyRequest, HppProduct};
use inipay_core::flow::FlowEvent;
use inipay_core::ledger::BillkeyKey;
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, OrderId};
use inipay_sandbox::wire::{Charset, Form};
use secrecy::ExposeSecret;

/// The key the harness's billing keys are sealed with.
pub fn seal_key() -> BillkeyKey {
    BillkeyKey::new("conformance", &[5u8; 32]).expect("a 32-byte key")
}

/// Opens the flow's billing page for `oid` (card, or phone when `phone`)
/// and submits it to the sandbox's window; the window page. The page asks
/// for encrypted delivery (`flg_crypto=Y`) exactly when the flow is set so.
async fn open_window(h: &Harness, oid: &str, phone: bool, encrypted: bool) -> Page {
    let request = if phone {
        BillingKeyRequest::phone(oid, Amount::won(9_900), HppProduct::Content)
    } else {
        BillingKeyRequest::card(oid, Amount::won(9_900))
    }
    .goods("월 구독")
    .buyer_name("홍길동")
    .return_url("https://replaced.invalid/")
    .build()
    .expect("billing request");
    let page = h
        .app
        .flow
        .billing_checkout(request, Timestamp::from_unix_millis(T0))
        .await
        .expect("billing page");
    assert_eq!(
        page.form.field("flg_crypto") == Some("Y"),
        encrypted,
        "flg_crypto of the page"
    );
    let window = submit(
        h,
        &Page {
            status: 200,
            content_type: "text/html; charset=utf-8".into(),
            location: None,
            cookies: Vec::new(),
            body: page.html.into_bytes(),
        },
    )
    .await;
    assert_eq!(window.status, 200, "{}", window.text());
    window
}

/// Presses "issue" in the billing window; the page that posts the result
/// to the app.
async fn issue(h: &Harness, window: &Page, phone: bool) -> Page {
    let html = window.text();
    let pat = "name=\"session\" value=\"";
    let start = html.find(pat).expect("a session in the window") + pat.len();
    let session = &html[start..start + html[start..].find('"').expect("session end")];
    let mut pairs = vec![("session", session), ("action", "approve")];
    if phone {
        pairs.extend([("carrier", "SKT"), ("phone", "01012345678")]);
    } else {
        pairs.extend([("card_code", "06"), ("card_number", "5365101234561234")]);
    }
    let r = h
        .http
        .post(h.sandbox.url("/inibill/sandbox/complete"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(Form::from_pairs(pairs).encode(Charset::Utf8))
        .send()
        .await
        .expect("window result");
    let page = Page::read(r).await;
    assert_eq!(page.status, 200, "{}", page.text());
    page
}

/// Issues a key for `oid` and checks what every adapter must do with the
/// result: `303` to the order's result page, the key stored sealed and equal
/// to the one the gateway issued, `BillkeyIssued` heard once; the same
/// result posted again changes nothing (refused as a replay, alerted).
async fn issued_once(h: &Harness, oid: &str, phone: bool, encrypted: bool) {
    let window = open_window(h, oid, phone, encrypted).await;
    let result = issue(h, &window, phone).await;
    let back = submit(h, &result).await;
    assert_eq!(back.status, 303, "{}", back.text());
    assert_eq!(back.location.as_deref(), Some(&*format!("/orders/{oid}")));
    let order = OrderId::new(oid).expect("order id");
    let key = h
        .app
        .ledger
        .reveal_billkey(&seal_key(), &order)
        .await
        .expect("ledger")
        .expect("a stored key");
    let issued: Vec<_> = h
        .sandbox
        .billkeys()
        .into_iter()
        .filter(|b| b.oid == oid)
        .collect();
    assert_eq!(issued.len(), 1);
    assert_eq!(key.expose_secret(), issued[0].key, "the gateway's key");
    assert_eq!(issued[0].paymethod, if phone { "HPP" } else { "Card" });
    let heard = |h: &Harness| {
        h.events.count(
            |e| matches!(e, FlowEvent::BillkeyIssued { order_id, .. } if order_id.as_str() == oid),
        )
    };
    assert_eq!(heard(h), 1);
    let alerts = |h: &Harness| {
        h.events
            .count(|e| matches!(e, FlowEvent::Alert { order_id: Some(o), .. } if o.as_str() == oid))
    };
    assert_eq!(alerts(h), 0);

    let again = submit(h, &result).await;
    assert_eq!(again.status, 303);
    assert_eq!(again.location.as_deref(), Some(&*format!("/orders/{oid}")));
    assert_eq!(heard(h), 1, "a replay announces nothing");
    assert_eq!(alerts(h), 1, "a replay is alerted");
    let still = h
        .app
        .ledger
        .reveal_billkey(&seal_key(), &order)
        .await
        .expect("ledger")
        .expect("the key stays");
    assert_eq!(still.expose_secret(), key.expose_secret());
}

/// A card billing key (encrypted delivery, `flg_crypto=Y`, the default).
pub async fn billing_key_card(h: &Harness) {
    issued_once(h, "BILL-CARD", false, true).await;
}

/// A phone billing key (encrypted delivery).
pub async fn billing_key_phone(h: &Harness) {
    issued_once(h, "BILL-HPP", true, true).await;
}

/// A billing key delivered in clear (`flg_crypto` not asked).
pub async fn billing_key_plain(h: &Harness) {
    issued_once(h, "BILL-PLAIN", false, false).await;
}

/// A forged result (PROTOCOL.md 3.4: unsigned) for an order nobody
/// started, and one for a started order without the attempt's nonce: `303`
/// to the order's page, nothing stored, alerted; the buyer's genuine result
/// is then stored.
pub async fn forged_billing_results_store_nothing(h: &Harness) {
    let forged = |oid: &str| {
        format!(
            "resultcode=00&resultmsg=OK&tid=INIBILLCRDINIBillTst20240101120000999999&billkey=0123456789abcdef0123456789abcdef01234567&orderid={oid}&mid=INIBillTst&cardcd=06&cardno=536510******1234"
        )
    };
    let post = |query: String, body: String| {
        let http = h.http.clone();
        let url = h.app.url(&format!("/billing/return?{query}"));
        async move {
            Page::read(
                http.post(url)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .expect("post"),
            )
            .await
        }
    };
    let r = post("oid=BILL-NOBODY&n=0000".into(), forged("BILL-NOBODY")).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location.as_deref(), Some("/orders/BILL-NOBODY"));
    // A started order: the forger lacks the nonce of the page.
    let window = open_window(h, "BILL-FORGED", false, true).await;
    let r = post("oid=BILL-FORGED".into(), forged("BILL-FORGED")).await;
    assert_eq!(r.status, 303);
    for oid in ["BILL-NOBODY", "BILL-FORGED"] {
        let order = OrderId::new(oid).expect("order id");
        assert!(
            h.app
                .ledger
                .sealed_billkey(&order)
                .await
                .expect("ledger")
                .is_none(),
            "{oid}: nothing stored"
        );
    }
    assert_eq!(h.events.count(|e| matches!(e, FlowEvent::Alert { .. })), 2);
    assert_eq!(
        h.events
            .count(|e| matches!(e, FlowEvent::BillkeyIssued { .. })),
        0
    );
    // The buyer goes on and issues the genuine key.
    let result = issue(h, &window, false).await;
    assert_eq!(submit(h, &result).await.status, 303);
    assert!(
        h.app
            .ledger
            .sealed_billkey(&OrderId::new("BILL-FORGED").expect("order id"))
            .await
            .expect("ledger")
            .is_some()
    );
}
