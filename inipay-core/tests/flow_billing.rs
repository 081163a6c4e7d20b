//! Billing-key issuance through the flow: the page, the result on
//! `returnurl`, decryption and sealed storage in the ledger.

use inipay_core::billing::{BillingKeyRequest, BillkeyIv};
use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::config::{Endpoints, Merchant, test_keys};
use inipay_core::flow::{BillingConfig, BillingOutcome, Flow, FlowConfig};
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
    let page = flow
        .billing_checkout(request, Timestamp::from_unix_millis(1_704_078_000_000))
        .unwrap();
    assert!(page.form.encrypted);
    assert!(page.html.contains("accept-charset=\"utf-8\""));
    assert!(page.html.contains("flg_crypto"));
    assert!(page.html.contains("/inicis/billing/return?oid=BILL-1"));

    let out = flow
        .billing_return(
            Some("BILL-1"),
            &result("BILL-1", A4_URL),
            Timestamp::from_unix_millis(0),
        )
        .await;
    assert!(matches!(out, BillingOutcome::Issued { .. }), "{out:?}");
    let key = BillkeyKey::new("k1", &[9u8; 32]).unwrap();
    let oid = OrderId::new("BILL-1").unwrap();
    let revealed = ledger.reveal_billkey(&key, &oid).await.unwrap().unwrap();
    assert_eq!(revealed.expose_secret(), PLAIN);
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
async fn wrong_iv_setting_is_rejected_not_stored() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    let flow = flow(ledger.clone(), BillkeyIv::KeyPrefix);
    let out = flow
        .billing_return(
            Some("BILL-2"),
            &result("BILL-2", A4_URL),
            Timestamp::from_unix_millis(0),
        )
        .await;
    assert!(matches!(out, BillingOutcome::Rejected { .. }), "{out:?}");
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
    let out = flow
        .billing_return(
            Some("BILL-3"),
            &result("BILL-OTHER", A4_URL),
            Timestamp::from_unix_millis(0),
        )
        .await;
    assert!(matches!(out, BillingOutcome::Rejected { .. }), "{out:?}");
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
    match flow
        .billing_return(
            Some("BILL-4"),
            body.as_bytes(),
            Timestamp::from_unix_millis(0),
        )
        .await
    {
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
    assert!(
        flow.billing_checkout(request, Timestamp::from_unix_millis(0))
            .is_err()
    );
}
