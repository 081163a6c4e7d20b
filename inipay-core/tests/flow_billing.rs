//! Billing-key issuance through the flow: the page, the result on
//! `returnurl`, decryption and sealed storage in the ledger.

use inipay_core::billing::{BillingKeyRequest, BillkeyIv};
use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::config::{Endpoints, Merchant, test_keys};
use inipay_core::flow::{BillingConfig, BillingOutcome, BillingRefusal, Flow, FlowConfig};
use inipay_core::ledger::{BillkeyKey, Ledger, MemoryStore, MessageKind};
use inipay_core::outcome::Outcome;
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, OrderId};
use secrecy::ExposeSecret;
use std::sync::Arc;

const PLAIN: &str = "734f880246ece4ffdba841c1436399c9968d32cc";
/// PROTOCOL.md 6, A4 (zero IV), URL-encoded as INICIS sends it.
const A4_URL: &str = "V6LdAjEUr5zcaqNlP2a%2B%2FJV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX";

fn flow(ledger: Arc<dyn Ledger>, iv: BillkeyIv) -> Flow {
    let merchant = Merchant::test(
        "INIBillTst",
        test_keys::ini_bill_tst(),
        Endpoints::sandbox("http://127.0.0.1:9").unwrap(),
    )
    .unwrap();
    let mut billing = BillingConfig::new(BillkeyKey::new("k1", &[9u8; 32]).unwrap());
    billing.iv = iv;
    Flow::new(
        merchant,
        GatewayClient::new(ClientConfig::default()).unwrap(),
        ledger,
        FlowConfig::new("http://127.0.0.1:8080", "/inicis").unwrap(),
    )
    .with_billing(billing)
}

const T: Timestamp = Timestamp::from_unix_millis(1_704_078_000_000);

/// Starts a billing attempt for `oid` and returns the query string of its
/// `returnurl` (`oid=...&n=NONCE`), as the buyer's browser will post to it.
async fn start(flow: &Flow, oid: &str) -> String {
    let request = BillingKeyRequest::card(oid, Amount::won(9_900))
        .goods("월 구독")
        .buyer_name("홍길동")
        .return_url("https://placeholder.invalid/")
        .build()
        .unwrap();
    let page = flow.billing_checkout(request, T).await.unwrap();
    let url = page.form.field("returnurl").unwrap().to_owned();
    url.split_once('?').unwrap().1.to_owned()
}

fn refused(out: &BillingOutcome) -> Option<BillingRefusal> {
    match out {
        BillingOutcome::Rejected { reason, .. } => Some(*reason),
        _ => None,
    }
}

fn result(oid: &str, billkey: &str) -> Vec<u8> {
    format!(
        "resultcode=00&resultmsg=OK&tid=INIBILLCRDINIBillTst20240101120000123456&billkey={billkey}&orderid={oid}&mid=INIBillTst&pgauthdate=20240101&pgauthtime=120000&cardcd=06&cardno=536510******1234&cardkind=0&CheckFlag=0"
    )
    .into_bytes()
}

#[tokio::test]
async fn encrypted_billkey_is_decrypted_sealed_and_revealed_only_on_request() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    let flow = flow(ledger.clone(), BillkeyIv::Zero);
    let request = BillingKeyRequest::card("BILL-1", Amount::won(9_900))
        .goods("월 구독")
        .buyer_name("홍길동")
        .return_url("https://placeholder.invalid/")
        .build()
        .unwrap();
    let page = flow.billing_checkout(request, T).await.unwrap();
    assert!(page.form.encrypted);
    assert!(page.html.contains("accept-charset=\"utf-8\""));
    assert!(page.html.contains("flg_crypto"));
    assert!(
        page.html
            .contains("/inicis/billing/return?oid=BILL-1&amp;n=")
    );
    let url = page.form.field("returnurl").unwrap();
    let query = url.split_once('?').unwrap().1;

    let out = flow
        .billing_return(query, &result("BILL-1", A4_URL), T)
        .await;
    assert!(matches!(out, BillingOutcome::Issued { .. }), "{out:?}");
    let key = BillkeyKey::new("k1", &[9u8; 32]).unwrap();
    let oid = OrderId::new("BILL-1").unwrap();
    let revealed = ledger.reveal_billkey(&key, &oid).await.unwrap().unwrap();
    assert_eq!(revealed.expose_secret(), PLAIN);
    let record = ledger.sealed_billkey(&oid).await.unwrap().unwrap();
    assert_eq!(
        record.confirmed_at, None,
        "unconfirmed until its first charge"
    );
    // The journal keeps the message but never the key.
    let journal = ledger.messages_of(&oid).await.unwrap();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].message.kind, MessageKind::BillingResult);
    let stored = String::from_utf8_lossy(&journal[0].message.body).to_string();
    assert!(
        !stored.contains("V6LdAjEUr5") && !stored.contains(PLAIN),
        "{stored}"
    );
}

#[tokio::test]
async fn a_replayed_result_is_refused_and_stores_nothing_more() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    let flow = flow(ledger.clone(), BillkeyIv::Zero);
    let query = start(&flow, "BILL-R").await;
    let body = result("BILL-R", A4_URL);
    let first = flow.billing_return(&query, &body, T).await;
    assert!(matches!(first, BillingOutcome::Issued { .. }), "{first:?}");
    let again = flow.billing_return(&query, &body, T).await;
    assert_eq!(refused(&again), Some(BillingRefusal::Replayed));
    // Both deliveries journaled.
    let oid = OrderId::new("BILL-R").unwrap();
    assert_eq!(ledger.messages_of(&oid).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_plain_key_is_refused_when_encryption_was_requested() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    let flow = flow(ledger.clone(), BillkeyIv::Zero);
    let query = start(&flow, "BILL-P").await;
    let out = flow
        .billing_return(&query, &result("BILL-P", PLAIN), T)
        .await;
    assert_eq!(refused(&out), Some(BillingRefusal::PlainKeyWhenEncrypted));
    let oid = OrderId::new("BILL-P").unwrap();
    assert!(ledger.sealed_billkey(&oid).await.unwrap().is_none());
}

#[tokio::test]
async fn an_unknown_or_missing_nonce_is_refused() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    let flow = flow(ledger.clone(), BillkeyIv::Zero);
    let real = start(&flow, "BILL-U").await;
    let body = result("BILL-U", A4_URL);
    for query in [
        "oid=BILL-U".to_owned(),
        "oid=BILL-U&n=00112233445566778899aabbccddeeff".to_owned(),
        // The nonce of another order's attempt.
        start(&flow, "BILL-V").await.replace("BILL-V", "BILL-U"),
    ] {
        let out = flow.billing_return(&query, &body, T).await;
        assert_eq!(
            refused(&out),
            Some(BillingRefusal::UnknownAttempt),
            "{query}"
        );
    }
    let oid = OrderId::new("BILL-U").unwrap();
    assert!(ledger.sealed_billkey(&oid).await.unwrap().is_none());
    // The genuine attempt is still pending and works.
    let out = flow.billing_return(&real, &body, T).await;
    assert!(matches!(out, BillingOutcome::Issued { .. }), "{out:?}");
}

#[tokio::test]
async fn a_second_key_for_the_same_order_is_an_error_not_issued() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    let flow = flow(ledger.clone(), BillkeyIv::Zero);
    let first = start(&flow, "BILL-D").await;
    let second = start(&flow, "BILL-D").await;
    let body = result("BILL-D", A4_URL);
    let out = flow.billing_return(&first, &body, T).await;
    assert!(matches!(out, BillingOutcome::Issued { .. }), "{out:?}");
    let out = flow.billing_return(&second, &body, T).await;
    assert_eq!(refused(&out), Some(BillingRefusal::AlreadyStored));
}

#[tokio::test]
async fn wrong_iv_setting_is_rejected_not_stored() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    let flow = flow(ledger.clone(), BillkeyIv::KeyPrefix);
    let query = start(&flow, "BILL-2").await;
    let out = flow
        .billing_return(&query, &result("BILL-2", A4_URL), T)
        .await;
    assert_eq!(refused(&out), Some(BillingRefusal::Undecryptable));
    let key = BillkeyKey::new("k1", &[9u8; 32]).unwrap();
    assert!(
        ledger
            .reveal_billkey(&key, &OrderId::new("BILL-2").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn result_for_another_order_is_rejected() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    let flow = flow(ledger.clone(), BillkeyIv::Zero);
    let query = start(&flow, "BILL-3").await;
    let out = flow
        .billing_return(&query, &result("BILL-OTHER", A4_URL), T)
        .await;
    assert_eq!(refused(&out), Some(BillingRefusal::OrderOrMidMismatch));
    let key = BillkeyKey::new("k1", &[9u8; 32]).unwrap();
    assert!(
        ledger
            .reveal_billkey(&key, &OrderId::new("BILL-3").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn user_cancel_is_typed() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    let flow = flow(ledger.clone(), BillkeyIv::Zero);
    let body = "resultcode=01&resultmsg=%5Bcancel%5D%20%EC%82%AC%EC%9A%A9%EC%9E%90%20%EC%B7%A8%EC%86%8C&orderid=BILL-4&mid=INIBillTst";
    match flow.billing_return("oid=BILL-4", body.as_bytes(), T).await {
        BillingOutcome::NotIssued { result, .. } => assert_eq!(result.outcome, Outcome::UserCancel),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn billing_needs_a_sealing_key() {
    let merchant = Merchant::test(
        "INIBillTst",
        test_keys::ini_bill_tst(),
        Endpoints::sandbox("http://127.0.0.1:9").unwrap(),
    )
    .unwrap();
    let flow = Flow::new(
        merchant,
        GatewayClient::new(ClientConfig::default()).unwrap(),
        Arc::new(MemoryStore::new()),
        FlowConfig::new("http://127.0.0.1:8080", "/inicis").unwrap(),
    );
    let request = BillingKeyRequest::card("BILL-5", Amount::won(1000))
        .goods("g")
        .buyer_name("n")
        .return_url("https://placeholder.invalid/")
        .build()
        .unwrap();
    assert!(flow.billing_checkout(request, T).await.is_err());
}
