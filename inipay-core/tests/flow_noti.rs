//! The notification step of the flow on a real ledger (memory and SQLite):
//! recorded before answering, `OK` for duplicates, never paid on mismatch,
//! never paid without the gateway's confirmation. (Confirmation against the
//! real sandbox over HTTP is in the conformance suite, tests/src/conformance.)

use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::config::{Endpoints, Keys, Merchant, test_keys};
use inipay_core::encoding::Charset;
use inipay_core::flow::{
    Flow, FlowConfig, FlowEvent, HandlerError, NotiReply, NotiTrust, ParkedOutcome, WhenUnconfirmed,
};
use inipay_core::ledger::{
    Direction, Event, Intent, Ledger, MemoryStore, Message, MessageKind, NewPayment, PaymentState,
    SqliteStore,
};
use inipay_core::mobile::NotiIpAllowList;
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, Mid, OrderId, Tid};
use std::sync::{Arc, Mutex};

const TID: &str = "INIMX_VBNKINIpayTest20160504112903950668";
const OID: &str = "INIpayTest_1462328917187";

fn at() -> Timestamp {
    Timestamp::from_unix_millis(1_462_400_000_000)
}

/// The address the notifications of these tests come from (a test
/// merchant's default allow-list is loopback and the sandbox host).
fn local() -> Option<std::net::IpAddr> {
    Some(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
}

/// A flow whose gateway (port 9) never answers, so no inquiry can confirm.
fn flow(ledger: Arc<dyn Ledger>, events: Arc<Mutex<Vec<FlowEvent>>>) -> Flow {
    flow_with(ledger, events, |_| {})
}

fn flow_with(
    ledger: Arc<dyn Ledger>,
    events: Arc<Mutex<Vec<FlowEvent>>>,
    tune: impl FnOnce(&mut FlowConfig),
) -> Flow {
    let mut config = FlowConfig::new("http://127.0.0.1:8080", "/inicis").unwrap();
    tune(&mut config);
    let merchant = Merchant::test(
        "INIpayTest",
        test_keys::inipay_test(),
        Endpoints::sandbox("http://127.0.0.1:9").unwrap(),
    )
    .unwrap();
    let handler = move |d: &inipay_core::flow::Delivery| -> Result<(), HandlerError> {
        events.lock().unwrap().push(d.event.clone());
        Ok(())
    };
    Flow::new(
        merchant,
        GatewayClient::new(ClientConfig::default()).unwrap(),
        ledger,
        config,
    )
    .with_events(Arc::new(handler))
}

/// The explicit unsafe setting: notifications applied as they arrive (what
/// the ledger's deduplication alone guarantees).
fn trusting(c: &mut FlowConfig) {
    c.confirm.trust = NotiTrust::UnsafeTrustUnsignedNotifications;
}

/// The deposit notification of PROTOCOL.md 2.6 (EUC-KR form), with `amount`.
fn deposit(amount: u64) -> Vec<u8> {
    format!(
        "P_TID={TID}&P_MID=INIpayTest&P_AUTH_DT=20160505093012&P_STATUS=02&P_TYPE=VBANK&P_OID={OID}&P_FN_CD1=88&P_FN_CD2=&P_FN_NM=%BD%C5%C7%D1%C0%BA%C7%E0&P_AMT={amount}&P_UNAME=%C8%AB%B1%E6%B5%BF&P_RMESG1=P_VACCT_NO%3D56211101573948%7CP_EXP_DT%3D20160514235900&P_RMESG2=&P_NOTI=&P_AUTH_NO="
    )
    .into_bytes()
}

async fn issued(ledger: &Arc<dyn Ledger>) {
    let oid = OrderId::new(OID).unwrap();
    ledger
        .create_payment(NewPayment::new(
            oid.clone(),
            Mid::new("INIpayTest").unwrap(),
            Amount::won(1000),
            at(),
        ))
        .await
        .unwrap();
    let reply = Message::new(
        MessageKind::ApprovalReply,
        Direction::Inbound,
        Charset::EucKr,
        b"P_STATUS=00".to_vec(),
        at(),
    );
    ledger
        .record(
            reply,
            Intent::new(
                oid,
                Event::VbankIssued {
                    tid: Tid::new(TID).unwrap(),
                    amount: Amount::won(1000),
                },
            ),
        )
        .await
        .unwrap();
}

async fn stores() -> Vec<(&'static str, Arc<dyn Ledger>, Option<std::path::PathBuf>)> {
    let dir = std::env::temp_dir().join(format!(
        "inipay-flow-noti-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = SqliteStore::open(dir.join("ledger.db")).await.unwrap();
    vec![
        (
            "memory",
            Arc::new(MemoryStore::new()) as Arc<dyn Ledger>,
            None,
        ),
        ("sqlite", Arc::new(sqlite) as Arc<dyn Ledger>, Some(dir)),
    ]
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[tokio::test]
async fn unsafe_trust_applies_a_deposit_once_and_answers_every_copy_ok() {
    for (name, ledger, dir) in stores().await {
        issued(&ledger).await;
        let events = Arc::new(Mutex::new(Vec::new()));
        let flow = flow_with(ledger.clone(), events.clone(), trusting);
        for _ in 0..3 {
            let reply = flow.noti(&deposit(1000), local(), at()).await;
            assert_eq!(reply, NotiReply::OK, "{name}");
            assert_eq!(reply.body, "OK");
        }
        let p = ledger
            .payment(&OrderId::new(OID).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.state, PaymentState::VbankDeposited, "{name}");
        assert!(
            p.acknowledged_at.is_some(),
            "{name}: handler succeeded, so acknowledged"
        );
        let deposits = events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, FlowEvent::Deposited { .. }))
            .count();
        assert_eq!(deposits, 1, "{name}: the app hears about the deposit once");
        let journal = ledger
            .messages_of(&OrderId::new(OID).unwrap())
            .await
            .unwrap();
        assert_eq!(
            journal
                .iter()
                .filter(|m| m.message.kind == MessageKind::Noti)
                .count(),
            3,
            "{name}: every copy journaled"
        );
        if let Some(d) = dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

#[tokio::test]
async fn wrong_amount_is_recorded_alerted_and_never_paid() {
    for (name, ledger, _) in stores().await {
        issued(&ledger).await;
        let events = Arc::new(Mutex::new(Vec::new()));
        let flow = flow(ledger.clone(), events.clone());
        assert_eq!(
            flow.noti(&deposit(999), local(), at()).await,
            NotiReply::OK,
            "{name}"
        );
        let p = ledger
            .payment(&OrderId::new(OID).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.state, PaymentState::VbankIssued, "{name}: not paid");
        assert!(
            events
                .lock()
                .unwrap()
                .iter()
                .any(|e| matches!(e, FlowEvent::Alert { .. })),
            "{name}"
        );
    }
}

#[tokio::test]
async fn unknown_order_and_garbage_are_journaled() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    let events = Arc::new(Mutex::new(Vec::new()));
    let flow = flow(ledger.clone(), events.clone());
    // No payment was created: recorded, alerted, answered OK (a retry cannot help).
    assert_eq!(
        flow.noti(&deposit(1000), local(), at()).await,
        NotiReply::OK
    );
    assert!(
        events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, FlowEvent::Alert { .. }))
    );
    // Garbage: 400 (journaled).
    assert_eq!(
        flow.noti(b"\xff\xfe\x00garbage", local(), at()).await,
        NotiReply::BAD_REQUEST
    );
    let rec = ledger.reconciliation(at()).await.unwrap();
    assert!(rec.pending_messages.is_empty());
}

#[tokio::test]
async fn source_allow_list_is_enforced() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    issued(&ledger).await;
    let merchant = Merchant::test(
        "INIpayTest",
        test_keys::inipay_test(),
        Endpoints::sandbox("http://127.0.0.1:9").unwrap(),
    )
    .unwrap();
    let mut config = FlowConfig::new("http://127.0.0.1:8080", "/inicis").unwrap();
    config.noti_sources = Some(NotiIpAllowList::current());
    trusting(&mut config);
    let flow = Flow::new(
        merchant,
        GatewayClient::new(ClientConfig::default()).unwrap(),
        ledger.clone(),
        config,
    );
    let stranger = "198.51.100.7".parse().unwrap();
    assert_eq!(
        flow.noti(&deposit(1000), Some(stranger), at()).await,
        NotiReply::FORBIDDEN
    );
    assert_eq!(
        flow.noti(&deposit(1000), None, at()).await,
        NotiReply::FORBIDDEN
    );
    let inicis = "203.238.37.15".parse().unwrap();
    assert_eq!(
        flow.noti(&deposit(1000), Some(inicis), at()).await,
        NotiReply::OK
    );
    let p = ledger
        .payment(&OrderId::new(OID).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.state, PaymentState::VbankDeposited);
}

#[tokio::test]
async fn a_deposit_the_gateway_cannot_confirm_is_never_applied_and_asked_again() {
    for (name, ledger, _) in stores().await {
        issued(&ledger).await;
        let events = Arc::new(Mutex::new(Vec::new()));
        let flow = flow(ledger.clone(), events.clone());
        for _ in 0..2 {
            assert_eq!(
                flow.noti(&deposit(1000), local(), at()).await,
                NotiReply::RETRY,
                "{name}: INICIS must deliver it again"
            );
        }
        let oid = OrderId::new(OID).unwrap();
        let p = ledger.payment(&oid).await.unwrap().unwrap();
        assert_eq!(p.state, PaymentState::VbankIssued, "{name}: not deposited");
        assert!(events.lock().unwrap().is_empty(), "{name}");
        let journal = ledger.messages_of(&oid).await.unwrap();
        let count = |kind, dir| {
            journal
                .iter()
                .filter(|m| m.message.kind == kind && m.message.direction == dir)
                .count()
        };
        assert_eq!(count(MessageKind::Noti, Direction::Inbound), 2, "{name}");
        assert_eq!(
            count(MessageKind::IniapiRequest, Direction::Outbound),
            2,
            "{name}"
        );
        // The failure is our own record, never presented as a gateway reply.
        assert_eq!(
            count(MessageKind::IniapiReply, Direction::Local),
            2,
            "{name}"
        );
        assert_eq!(
            count(MessageKind::IniapiReply, Direction::Inbound),
            0,
            "{name}"
        );
    }
}

#[tokio::test]
async fn park_answers_ok_keeps_it_unapplied_and_listed_until_confirmed() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    issued(&ledger).await;
    let events = Arc::new(Mutex::new(Vec::new()));
    let flow = flow_with(ledger.clone(), events.clone(), |c| {
        c.confirm.when_unconfirmed = WhenUnconfirmed::Park;
    });
    assert_eq!(
        flow.noti(&deposit(1000), local(), at()).await,
        NotiReply::OK
    );
    let oid = OrderId::new(OID).unwrap();
    assert_eq!(
        ledger.payment(&oid).await.unwrap().unwrap().state,
        PaymentState::VbankIssued
    );
    let rec = ledger.reconciliation(at()).await.unwrap();
    assert_eq!(rec.unconfirmed.len(), 1);
    assert_eq!(rec.unconfirmed[0].order_id, oid);
    // The gateway still does not answer: it stays parked.
    assert_eq!(
        flow.confirm_parked(at()).await.unwrap(),
        vec![ParkedOutcome::StillUnconfirmed]
    );
    assert_eq!(ledger.unconfirmed(10).await.unwrap().len(), 1);
    assert!(events.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_issuance_notification_changes_nothing() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    let oid = OrderId::new(OID).unwrap();
    ledger
        .create_payment(NewPayment::new(
            oid.clone(),
            Mid::new("INIpayTest").unwrap(),
            Amount::won(1000),
            at(),
        ))
        .await
        .unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    // Even trusting notifications, a `00` for VBANK issues nothing (2.6).
    let flow = flow_with(ledger.clone(), events.clone(), trusting);
    let body = String::from_utf8(deposit(1000))
        .unwrap()
        .replace("P_STATUS=02", "P_STATUS=00");
    assert_eq!(
        flow.noti(body.as_bytes(), local(), at()).await,
        NotiReply::OK
    );
    let p = ledger.payment(&oid).await.unwrap().unwrap();
    assert_eq!(p.state, PaymentState::Created);
    assert_eq!(
        ledger.messages_of(&oid).await.unwrap().len(),
        1,
        "journaled"
    );
}

#[tokio::test]
async fn a_production_flow_without_a_source_list_accepts_only_inicis_addresses() {
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    issued(&ledger).await;
    let keys = Keys {
        iniapi_key: Some(secrecy::SecretString::from("ourOwnIniapiKey1".to_owned())),
        ..Keys::default()
    };
    let merchant = Merchant::production("shopmid001", keys, Endpoints::production()).unwrap();
    let config = FlowConfig::new("https://shop.example.com", "/inicis").unwrap();
    assert!(config.noti_sources.is_none());
    let flow = Flow::new(
        merchant,
        GatewayClient::new(ClientConfig::default()).unwrap(),
        ledger.clone(),
        config,
    );
    for source in [
        None,
        Some("127.0.0.1".parse().unwrap()),
        Some("198.51.100.7".parse().unwrap()),
        Some("10.0.0.1".parse().unwrap()),
    ] {
        assert_eq!(
            flow.noti(&deposit(1000), source, at()).await,
            NotiReply::FORBIDDEN,
            "{source:?}"
        );
    }
    let oid = OrderId::new(OID).unwrap();
    assert_eq!(
        ledger.payment(&oid).await.unwrap().unwrap().state,
        PaymentState::VbankIssued
    );
    // Refused, but journaled.
    let notis = ledger
        .messages_of(&oid)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.message.kind == MessageKind::Noti)
        .count();
    assert_eq!(notis, 4);
}
