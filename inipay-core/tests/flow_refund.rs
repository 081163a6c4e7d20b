//! Refunds through the flow (전체취소/부분취소, PROTOCOL.md 4.3, 4.4): a card
//! payment approved through `Flow::next` against the real sandbox over HTTP
//! on 127.0.0.1, then refunded with `Flow::refund`; the ledger is SQLite in a
//! temp file. Every check looks at both sides: our books and INICIS's.
#![cfg(all(feature = "client", feature = "sqlite"))]

use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::config::{Endpoints, Merchant, test_keys};
use inipay_core::encoding::Charset;
use inipay_core::flow::{
    Flow, FlowConfig, NextOutcome, ParkedOutcome, RefundConfig, RefundError, RefundOutcome,
    RefundRequest,
};
use inipay_core::iniapi::{
    BankCode, ClientIp, IniapiConfig, PartialRefund, PayMethod, Refund, RefundAccount, RequestMeta,
};
use inipay_core::ledger::{
    Direction, Event, Intent, JournalEntry, Ledger, MemoryStore, Message, MessageKind, NewPayment,
    PaymentState, SqliteStore,
};
use inipay_core::outcome::Outcome;
use inipay_core::time::Timestamp;
use inipay_core::types::{Amount, Mid, OrderId, Tid};
use inipay_sandbox::clock::Clock;
use inipay_sandbox::faults::{Endpoint, Fault};
use inipay_sandbox::state::TxnStatus;
use inipay_sandbox::{Sandbox, SandboxConfig};
use secrecy::SecretString;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// 2024-01-01 12:00:00 KST.
const T0: u64 = 1_704_078_000_000;

fn now() -> Timestamp {
    Timestamp::from_unix_millis(T0)
}

/// A temp directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "inipay-refund-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Harness {
    sandbox: Sandbox,
    flow: Flow,
    ledger: Arc<dyn Ledger>,
    merchant: Merchant,
    _dir: TempDir,
}

fn merchant(sandbox: &Sandbox) -> Merchant {
    Merchant::test(
        "INIpayTest",
        test_keys::inipay_test(),
        Endpoints::sandbox(sandbox.base_url()).unwrap(),
    )
    .unwrap()
}

fn refunds() -> RefundConfig {
    RefundConfig::new(ClientIp::parse("192.0.0.1").unwrap())
}

async fn harness() -> Harness {
    let sandbox = Sandbox::start(SandboxConfig::default().with_clock(Clock::manual(T0)))
        .await
        .unwrap();
    let dir = TempDir::new();
    let ledger: Arc<dyn Ledger> =
        Arc::new(SqliteStore::open(dir.0.join("ledger.db")).await.unwrap());
    let merchant = merchant(&sandbox);
    let mut config = FlowConfig::new("http://127.0.0.1:8080", "/inicis").unwrap();
    // The seeded sandbox session answers approval in EUC-KR.
    config.result_charset = Charset::EucKr;
    let flow = Flow::new(
        merchant.clone(),
        GatewayClient::new(ClientConfig::default()).unwrap(),
        ledger.clone(),
        config,
    )
    .with_refunds(refunds());
    Harness {
        sandbox,
        flow,
        ledger,
        merchant,
        _dir: dir,
    }
}

fn oid(s: &str) -> OrderId {
    OrderId::new(s).unwrap()
}

/// Creates the order, authenticates it in the sandbox and approves it through
/// `Flow::next` (real HTTP): returns the approval TID.
async fn paid(h: &Harness, order: &str, amt: u64) -> Tid {
    h.ledger
        .create_payment(NewPayment::new(
            oid(order),
            Mid::new("INIpayTest").unwrap(),
            Amount::won(amt),
            now(),
        ))
        .await
        .unwrap();
    let auth = h
        .sandbox
        .__seed_authenticated_card("INIpayTest", order, amt);
    let body = format!(
        "P_STATUS=00&P_RMESG1=OK&P_TID={auth}&P_REQ_URL={}&P_AMT={amt}&P_NOTI=",
        h.sandbox.url("/smart/payReq.ini")
    );
    match h.flow.next(Some(order), body.as_bytes(), now()).await {
        NextOutcome::Paid { tid, .. } => tid,
        other => panic!("not paid: {other:?}"),
    }
}

async fn journal(h: &Harness, order: &str) -> Vec<JournalEntry> {
    h.ledger.messages_of(&oid(order)).await.unwrap()
}

async fn state(h: &Harness, order: &str) -> (PaymentState, Amount) {
    let p = h.ledger.payment(&oid(order)).await.unwrap().unwrap();
    (p.state, p.refunded)
}

fn body(e: &JournalEntry) -> String {
    String::from_utf8(e.message.body.clone()).unwrap()
}

/// The `confirmPrice=` of a journaled v1 request, or `None`.
fn confirm_price(e: &JournalEntry) -> Option<String> {
    body(e)
        .split('&')
        .find_map(|kv| kv.strip_prefix("confirmPrice=").map(str::to_owned))
}

fn cancels(h: &Harness, tid: &Tid) -> usize {
    h.sandbox.transaction(tid.as_str()).unwrap().cancels.len()
}

#[tokio::test]
async fn full_refund_of_an_approved_card_payment_is_recorded_with_request_and_reply() {
    let h = harness().await;
    let tid = paid(&h, "R-FULL", 1000).await;
    let before = journal(&h, "R-FULL").await.len();

    let out = h
        .flow
        .refund("R-FULL", RefundRequest::full("고객 요청 취소"), now())
        .await
        .unwrap();
    match &out {
        RefundOutcome::Refunded {
            refund_tid,
            amount,
            refunded,
            state,
            ..
        } => {
            assert_eq!(
                refund_tid, &tid,
                "a full refund is keyed by the approval TID"
            );
            assert_eq!(*amount, Amount::won(1000));
            assert_eq!(*refunded, Amount::won(1000));
            assert_eq!(*state, PaymentState::Refunded);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        state(&h, "R-FULL").await,
        (PaymentState::Refunded, Amount::won(1000))
    );

    // INICIS's side: cancelled once, in full.
    let txn = h.sandbox.transaction(tid.as_str()).unwrap();
    assert_eq!(txn.status, TxnStatus::Cancelled);
    assert_eq!(txn.remaining, 0);
    assert_eq!(txn.cancels.len(), 1);

    // The journal: the signed request, then the reply that moved the payment.
    let j = journal(&h, "R-FULL").await;
    assert_eq!(j.len(), before + 2);
    let (req, reply) = (&j[before], &j[before + 1]);
    assert_eq!(req.message.kind, MessageKind::IniapiRequest);
    assert_eq!(req.message.direction, Direction::Outbound);
    let sent = body(req);
    assert!(sent.starts_with("type=Refund&paymethod=Card&"), "{sent}");
    assert!(sent.contains(&format!("&tid={}&", tid.as_str())), "{sent}");
    assert!(sent.contains("&hashData="), "{sent}");
    assert_eq!(reply.message.kind, MessageKind::IniapiReply);
    assert_eq!(reply.message.direction, Direction::Inbound);
    assert_eq!(reply.result_code.as_deref(), Some("00"));
    assert!(
        reply
            .outcome
            .as_deref()
            .is_some_and(|o| o.starts_with("transitioned")),
        "{:?}",
        reply.outcome
    );
}

#[tokio::test]
async fn two_partial_refunds_then_the_rest() {
    let h = harness().await;
    let tid = paid(&h, "R-PART", 1000).await;

    let mut refund_tids = Vec::new();
    for (ask, refunded, expected_state, confirm) in [
        (300, 300, PaymentState::PartiallyRefunded, "700"),
        (200, 500, PaymentState::PartiallyRefunded, "500"),
    ] {
        let out = h
            .flow
            .refund(
                "R-PART",
                RefundRequest::partial(Amount::won(ask), "부분취소"),
                now(),
            )
            .await
            .unwrap();
        let RefundOutcome::Refunded {
            refund_tid,
            amount,
            refunded: total,
            state: st,
            ..
        } = out
        else {
            panic!("{out:?}")
        };
        assert_eq!(amount, Amount::won(ask));
        assert_eq!(total, Amount::won(refunded));
        assert_eq!(st, expected_state);
        assert_ne!(refund_tid, tid, "each partial refund has its own TID");
        refund_tids.push(refund_tid);
        // confirmPrice = what stays paid after this refund (PROTOCOL.md 4.4).
        let j = journal(&h, "R-PART").await;
        let req = &j[j.len() - 2];
        assert_eq!(req.message.kind, MessageKind::IniapiRequest);
        assert!(body(req).starts_with("type=PartialRefund&paymethod=Card&"));
        assert_eq!(confirm_price(req).as_deref(), Some(confirm));
        assert_eq!(
            state(&h, "R-PART").await,
            (expected_state, Amount::won(refunded))
        );
    }

    // The rest: a full refund of a partly refunded payment is a partial
    // refund of what remains, confirmPrice 0 (FullAfterPartial default).
    let out = h
        .flow
        .refund("R-PART", RefundRequest::full("잔액 취소"), now())
        .await
        .unwrap();
    let RefundOutcome::Refunded {
        refund_tid,
        amount,
        refunded,
        state: st,
        ..
    } = out
    else {
        panic!("{out:?}")
    };
    assert_eq!(
        (amount, refunded, st),
        (Amount::won(500), Amount::won(1000), PaymentState::Refunded)
    );
    refund_tids.push(refund_tid);
    let j = journal(&h, "R-PART").await;
    assert_eq!(confirm_price(&j[j.len() - 2]).as_deref(), Some("0"));
    assert!(body(&j[j.len() - 2]).contains("&price=500&"));
    refund_tids.dedup();
    assert_eq!(refund_tids.len(), 3);

    // INICIS agrees: three cancels adding up to the payment, nothing left.
    let txn = h.sandbox.transaction(tid.as_str()).unwrap();
    assert_eq!(txn.cancels.iter().map(|c| c.price).sum::<u64>(), 1000);
    assert_eq!(
        txn.cancels.iter().map(|c| c.remains).collect::<Vec<_>>(),
        [700, 500, 0]
    );
    assert_eq!(txn.remaining, 0);
    assert_eq!(txn.status, TxnStatus::Cancelled);
    assert_eq!(
        state(&h, "R-PART").await,
        (PaymentState::Refunded, Amount::won(1000))
    );
}

#[tokio::test]
async fn partial_refund_above_what_remains_is_refused_before_calling_inicis() {
    let h = harness().await;
    let tid = paid(&h, "R-OVER", 1000).await;
    let out = h
        .flow
        .refund(
            "R-OVER",
            RefundRequest::partial(Amount::won(600), "부분취소"),
            now(),
        )
        .await
        .unwrap();
    assert!(out.is_refunded(), "{out:?}");
    let journal_before = journal(&h, "R-OVER").await.len();

    let err = h
        .flow
        .refund(
            "R-OVER",
            RefundRequest::partial(Amount::won(500), "부분취소"),
            now(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RefundError::ExceedsRemaining { remaining, requested }
                if remaining == Amount::won(400) && requested == Amount::won(500)
        ),
        "{err:?}"
    );
    // INICIS never saw it; the books did not move.
    assert_eq!(cancels(&h, &tid), 1);
    assert_eq!(h.sandbox.transaction(tid.as_str()).unwrap().remaining, 400);
    assert_eq!(journal(&h, "R-OVER").await.len(), journal_before);
    assert_eq!(
        state(&h, "R-OVER").await,
        (PaymentState::PartiallyRefunded, Amount::won(600))
    );

    // A partial refund of 0 is refused too (a field error), before sending.
    let err = h
        .flow
        .refund(
            "R-OVER",
            RefundRequest::partial(Amount::ZERO, "부분취소"),
            now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, RefundError::Field(_)), "{err:?}");
    assert_eq!(cancels(&h, &tid), 1);
}

#[tokio::test]
async fn unknown_unpaid_and_unconfigured_refunds_are_typed_errors() {
    let h = harness().await;
    let err = h
        .flow
        .refund("NO-SUCH-ORDER", RefundRequest::full("취소"), now())
        .await
        .unwrap_err();
    assert!(matches!(err, RefundError::UnknownOrder), "{err:?}");

    h.ledger
        .create_payment(NewPayment::new(
            oid("R-UNPAID"),
            Mid::new("INIpayTest").unwrap(),
            Amount::won(1000),
            now(),
        ))
        .await
        .unwrap();
    let err = h
        .flow
        .refund("R-UNPAID", RefundRequest::full("취소"), now())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RefundError::NotPaid {
                state: PaymentState::Created
            }
        ),
        "{err:?}"
    );
    assert!(
        journal(&h, "R-UNPAID").await.is_empty(),
        "nothing journaled"
    );

    let err = h
        .flow
        .refund("bad id with spaces", RefundRequest::full("취소"), now())
        .await
        .unwrap_err();
    assert!(matches!(err, RefundError::Field(_)), "{err:?}");

    // Without `with_refunds` there is no clientIp to sign with.
    let bare = Flow::new(
        h.merchant.clone(),
        GatewayClient::new(ClientConfig::default()).unwrap(),
        h.ledger.clone(),
        FlowConfig::new("http://127.0.0.1:8080", "/inicis").unwrap(),
    );
    let err = bare
        .refund("R-UNPAID", RefundRequest::full("취소"), now())
        .await
        .unwrap_err();
    assert!(matches!(err, RefundError::Config(_)), "{err:?}");
    assert!(h.sandbox.transactions().is_empty(), "INICIS never called");
}

#[tokio::test]
async fn deposited_virtual_account_needs_the_refund_account() {
    // Ledger-only: the refund is refused before anything is signed or sent.
    let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
    let order = oid("R-VBANK");
    let tid = Tid::new("INIMX_VBNKINIpayTest20160504112903950668").unwrap();
    ledger
        .create_payment(NewPayment::new(
            order.clone(),
            Mid::new("INIpayTest").unwrap(),
            Amount::won(1000),
            now(),
        ))
        .await
        .unwrap();
    let msg = || {
        Message::new(
            MessageKind::Noti,
            Direction::Inbound,
            Charset::EucKr,
            b"P_STATUS=02".to_vec(),
            now(),
        )
    };
    for event in [
        Event::VbankIssued {
            tid: tid.clone(),
            amount: Amount::won(1000),
        },
        Event::noti(tid.clone(), "02", Some(Amount::won(1000)), true),
    ] {
        ledger
            .record(msg(), Intent::new(order.clone(), event))
            .await
            .unwrap();
    }
    let flow = Flow::new(
        Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::sandbox("http://127.0.0.1:9").unwrap(),
        )
        .unwrap(),
        GatewayClient::new(ClientConfig::default()).unwrap(),
        ledger.clone(),
        FlowConfig::new("http://127.0.0.1:8080", "/inicis").unwrap(),
    )
    .with_refunds(refunds());
    let err = flow
        .refund("R-VBANK", RefundRequest::full("환불"), now())
        .await
        .unwrap_err();
    assert!(matches!(err, RefundError::AccountRequired), "{err:?}");
    // With the account, the request is built and sent (port 9 refuses the
    // connection: nothing delivered, typed as unreachable).
    let account = RefundAccount::new(
        BankCode::new("20").unwrap(),
        SecretString::from("123456789".to_owned()),
        "홍길동",
    )
    .unwrap();
    let err = flow
        .refund(
            "R-VBANK",
            RefundRequest::full("환불").account(account),
            now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, RefundError::Unreachable(_)), "{err:?}");
    assert!(!format!("{err:?} {err}").contains("123456789"));
    // The journaled request masks the account (number and holder).
    let j = ledger.messages_of(&order).await.unwrap();
    let req = j.last().unwrap();
    assert_eq!(req.message.kind, MessageKind::IniapiRequest);
    let masked = req.masked.as_deref().unwrap();
    assert!(masked.contains("paymethod=Vacct"), "{masked}");
    assert!(!masked.contains("qwMHVJqsmXKoR"), "{masked}");
    assert!(!masked.contains("홍길동"), "{masked}");
    assert_eq!(
        ledger.payment(&order).await.unwrap().unwrap().state,
        PaymentState::VbankDeposited
    );
}

#[tokio::test]
async fn refund_declined_by_inicis_is_typed_and_changes_nothing() {
    let h = harness().await;
    let tid = paid(&h, "R-DECL", 1000).await;
    let before = journal(&h, "R-DECL").await.len();
    // The sandbox (like INICIS) refuses a paymethod that does not match the
    // transaction: a phone refund of a card payment.
    let out = h
        .flow
        .refund(
            "R-DECL",
            RefundRequest::full("취소").method(PayMethod::Hpp),
            now(),
        )
        .await
        .unwrap();
    let RefundOutcome::Declined { result, .. } = out else {
        panic!("{out:?}")
    };
    assert_eq!(result.code, "01");
    assert_ne!(result.outcome, Outcome::Success);
    assert!(
        result.message.contains("결제수단 불일치"),
        "raw message kept"
    );
    assert_eq!(
        state(&h, "R-DECL").await,
        (PaymentState::Approved, Amount::ZERO)
    );
    let txn = h.sandbox.transaction(tid.as_str()).unwrap();
    assert_eq!((txn.status, txn.cancels.len()), (TxnStatus::Approved, 0));
    // Request and reply are journaled; the reply carried no transition.
    let j = journal(&h, "R-DECL").await;
    assert_eq!(j.len(), before + 2);
    assert_eq!(j[before + 1].result_code.as_deref(), Some("01"));
    assert_eq!(j[before + 1].outcome, None);
}

#[tokio::test]
async fn partial_refund_with_books_out_of_step_is_declined_on_confirm_price() {
    let h = harness().await;
    let tid = paid(&h, "R-SKEW", 1000).await;
    // Someone refunds 100 at INICIS behind the ledger's back.
    let meta = RequestMeta::new(now(), "192.0.0.1").unwrap();
    let direct = IniapiConfig::default()
        .sign(
            &PartialRefund::new(
                PayMethod::Card,
                tid.as_str(),
                "직접",
                Amount::won(100),
                Amount::won(1000),
            )
            .unwrap(),
            &h.merchant,
            &meta,
        )
        .unwrap();
    let client = GatewayClient::new(ClientConfig::default()).unwrap();
    let r = client.partial_refund(&direct).await.unwrap();
    assert!(r.parsed.unwrap().result.is_success());

    // The flow's confirmPrice (1000 - 300 = 700) no longer matches INICIS's
    // 900 - 300 = 600: declined, nothing recorded.
    let out = h
        .flow
        .refund(
            "R-SKEW",
            RefundRequest::partial(Amount::won(300), "부분취소"),
            now(),
        )
        .await
        .unwrap();
    assert!(matches!(out, RefundOutcome::Declined { .. }), "{out:?}");
    assert_eq!(
        state(&h, "R-SKEW").await,
        (PaymentState::Approved, Amount::ZERO)
    );
    assert_eq!(cancels(&h, &tid), 1);
}

#[tokio::test]
async fn full_refund_twice_refunds_once() {
    let h = harness().await;
    let tid = paid(&h, "R-TWICE", 1000).await;
    let first = h
        .flow
        .refund("R-TWICE", RefundRequest::full("취소"), now())
        .await
        .unwrap();
    assert!(first.is_refunded(), "{first:?}");
    let after_first = journal(&h, "R-TWICE").await.len();

    let second = h
        .flow
        .refund("R-TWICE", RefundRequest::full("취소"), now())
        .await
        .unwrap();
    assert_eq!(
        second,
        RefundOutcome::AlreadyRefunded {
            order_id: oid("R-TWICE"),
            refunded: Amount::won(1000)
        }
    );
    assert_eq!(cancels(&h, &tid), 1, "INICIS not called again");
    assert_eq!(journal(&h, "R-TWICE").await.len(), after_first);
    assert_eq!(
        state(&h, "R-TWICE").await,
        (PaymentState::Refunded, Amount::won(1000))
    );
}

#[tokio::test]
async fn already_cancelled_at_inicis_is_typed_and_the_ledger_is_untouched() {
    let h = harness().await;
    let tid = paid(&h, "R-GONE", 1000).await;
    // Cancelled at INICIS outside the flow (admin console, lost reply).
    let meta = RequestMeta::new(now(), "192.0.0.1").unwrap();
    let direct = IniapiConfig::default()
        .sign(
            &Refund::new(PayMethod::Card, tid.as_str(), "직접").unwrap(),
            &h.merchant,
            &meta,
        )
        .unwrap();
    let client = GatewayClient::new(ClientConfig::default()).unwrap();
    assert!(
        client
            .refund(&direct)
            .await
            .unwrap()
            .parsed
            .unwrap()
            .result
            .is_success()
    );

    let out = h
        .flow
        .refund("R-GONE", RefundRequest::full("취소"), now())
        .await
        .unwrap();
    let RefundOutcome::AlreadyCancelled { result, .. } = out else {
        panic!("{out:?}")
    };
    assert_eq!(result.detail.as_deref(), Some("512626"));
    assert_eq!(
        state(&h, "R-GONE").await,
        (PaymentState::Approved, Amount::ZERO),
        "not guessed: the merchant confirms with an inquiry"
    );
}

#[tokio::test]
async fn lost_replies_are_outcome_unknown_never_guessed() {
    let h = harness().await;
    let tid = paid(&h, "R-LOST", 1000).await;
    // HTTP 500: INICIS may or may not have acted; we cannot tell.
    h.sandbox.inject(Endpoint::IniapiV1, Fault::Http500, 1);
    let out = h
        .flow
        .refund("R-LOST", RefundRequest::full("취소"), now())
        .await
        .unwrap();
    assert!(
        matches!(out, RefundOutcome::OutcomeUnknown { .. }),
        "{out:?}"
    );
    assert_eq!(
        state(&h, "R-LOST").await,
        (PaymentState::Approved, Amount::ZERO)
    );

    // A garbled reply after INICIS refunded: still unknown, not "declined"
    // and not "refunded" (the sandbox did cancel it).
    h.sandbox.inject(Endpoint::IniapiV1, Fault::Garbled, 1);
    let out = h
        .flow
        .refund(
            "R-LOST",
            RefundRequest::partial(Amount::won(100), "부분취소"),
            now(),
        )
        .await
        .unwrap();
    assert!(
        matches!(out, RefundOutcome::OutcomeUnknown { .. }),
        "{out:?}"
    );
    assert_eq!(cancels(&h, &tid), 1, "INICIS did refund");
    assert_eq!(
        state(&h, "R-LOST").await,
        (PaymentState::Approved, Amount::ZERO)
    );
}

/// A full refund whose reply was lost is settled by the reconciler's
/// inquiry: refunded when the gateway reports the payment cancelled, left
/// paid when it reports it approved. Each settles once.
#[tokio::test]
async fn full_refunds_of_unknown_outcome_are_settled_by_inquiry() {
    let h = harness().await;
    // The gateway refunded, the reply was garbled.
    let tid = paid(&h, "R-SETTLE", 1000).await;
    h.sandbox.inject(Endpoint::IniapiV1, Fault::Garbled, 1);
    let out = h
        .flow
        .refund("R-SETTLE", RefundRequest::full("취소"), now())
        .await
        .unwrap();
    assert!(
        matches!(out, RefundOutcome::OutcomeUnknown { .. }),
        "{out:?}"
    );
    assert_eq!(cancels(&h, &tid), 1);
    // The gateway did nothing (HTTP 500).
    paid(&h, "R-NOTHING", 1000).await;
    h.sandbox.inject(Endpoint::IniapiV1, Fault::Http500, 1);
    let out = h
        .flow
        .refund("R-NOTHING", RefundRequest::full("취소"), now())
        .await
        .unwrap();
    assert!(
        matches!(out, RefundOutcome::OutcomeUnknown { .. }),
        "{out:?}"
    );
    assert_eq!(
        h.ledger.unconfirmed(10).await.unwrap().len(),
        2,
        "both parked"
    );

    let r = h.flow.reconcile(now()).await.unwrap();
    let mut parked = r.parked.clone();
    parked.sort_by_key(|p| format!("{p:?}"));
    assert_eq!(
        parked,
        vec![ParkedOutcome::Applied, ParkedOutcome::Refuted],
        "{r:?}"
    );
    assert_eq!(
        state(&h, "R-SETTLE").await,
        (PaymentState::Refunded, Amount::won(1000))
    );
    assert_eq!(
        state(&h, "R-NOTHING").await,
        (PaymentState::Approved, Amount::ZERO)
    );
    // The refund event went to the outbox with the transition.
    let events = h.ledger.outbox_of(&oid("R-SETTLE")).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == inipay_core::ledger::OutboxKind::Refunded
                && e.amount == Some(Amount::won(1000))),
        "{events:?}"
    );
    let again = h.flow.reconcile(now()).await.unwrap();
    assert!(again.parked.is_empty(), "settled once");
    assert!(h.ledger.unconfirmed(10).await.unwrap().is_empty());
    assert_eq!(cancels(&h, &tid), 1, "no second refund");
}
