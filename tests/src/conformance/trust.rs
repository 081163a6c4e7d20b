//! Forged notifications (issue 10): INICIS notifications carry no signature,
//! so each forgery below comes from an allowed source (loopback, the test
//! merchant's default) with the real order id and amount. None may move
//! money: each is journaled, alerted, answered `OK`, and never applied.

use super::Harness;
use super::browser::{Page, checkout};
use super::scenarios::issue_vbank;
use super::shop::AMOUNT;
use inipay_core::flow::FlowEvent;
use inipay_core::ledger::{Direction, MessageKind, PaymentState};
use inipay_core::types::OrderId;
use inipay_sandbox::faults::{Endpoint, Fault};

async fn post_noti(h: &Harness, body: String) -> Page {
    let r = h
        .http
        .post(h.app.url("/noti"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("noti");
    Page::read(r).await
}

fn noti(status: &str, pay_type: &str, tid: &str, oid: &str) -> String {
    format!(
        "P_TID={tid}&P_MID=INIpayTest&P_AUTH_DT=20240101120500&P_STATUS={status}&P_TYPE={pay_type}&P_OID={oid}&P_FN_CD1=88&P_AMT={AMOUNT}&P_RMESG1=&P_NOTI="
    )
}

async fn state(h: &Harness, oid: &str) -> PaymentState {
    let oid = OrderId::new(oid).expect("order id");
    h.app
        .ledger
        .payment(&oid)
        .await
        .expect("ledger")
        .expect("payment")
        .state
}

async fn notis_journaled(h: &Harness, oid: &str) -> usize {
    let oid = OrderId::new(oid).expect("order id");
    h.app
        .ledger
        .messages_of(&oid)
        .await
        .expect("ledger")
        .iter()
        .filter(|m| {
            m.message.kind == MessageKind::Noti && m.message.direction == Direction::Inbound
        })
        .count()
}

fn alerts(h: &Harness, oid: &str) -> usize {
    h.events.count(|e| {
        matches!(e, FlowEvent::Alert { .. }) && e.order_id().map(|o| o.as_str()) == Some(oid)
    })
}

fn paid(h: &Harness) -> usize {
    h.events
        .count(|e| matches!(e, FlowEvent::Paid { .. } | FlowEvent::Deposited { .. }))
}

/// A card order (checked out, 2trs) "paid" by a forged one-transaction
/// result with an invented TID: refused (no 1trs checkout), journaled,
/// alerted; the order stays `created`.
pub async fn forged_card_result_with_invented_tid(h: &Harness) {
    let page = checkout(h, "ORD-FORGE1", "CARD").await;
    assert_eq!(page.status, 200);
    let tid = "INIMX_CARDINIpayTest20240101120500999999";
    let r = post_noti(h, noti("00", "CARD", tid, "ORD-FORGE1")).await;
    assert_eq!((r.status, r.body.as_slice()), (200, b"OK".as_slice()));
    assert_eq!(state(h, "ORD-FORGE1").await, PaymentState::Created);
    assert_eq!(notis_journaled(h, "ORD-FORGE1").await, 1);
    assert_eq!(alerts(h, "ORD-FORGE1"), 1);
    assert_eq!(paid(h), 0);
}

/// A forged deposit with the real TID, order id and amount of an issued
/// virtual account nobody paid: the gateway's inquiry says "waiting", so it
/// is refuted, journaled, alerted, never applied. Then the real deposit
/// (the sandbox's 입금통보) applies exactly once.
pub async fn forged_vbank_deposit_then_the_real_one(h: &Harness) {
    let tid = issue_vbank(h, "ORD-FORGE2").await;
    for _ in 0..2 {
        let r = post_noti(h, noti("02", "VBANK", &tid, "ORD-FORGE2")).await;
        assert_eq!((r.status, r.body.as_slice()), (200, b"OK".as_slice()));
    }
    assert_eq!(state(h, "ORD-FORGE2").await, PaymentState::VbankIssued);
    assert_eq!(
        notis_journaled(h, "ORD-FORGE2").await,
        3,
        "issuance + 2 forgeries"
    );
    assert_eq!(alerts(h, "ORD-FORGE2"), 2);
    assert_eq!(paid(h), 0);

    h.sandbox.deposit_vbank(&tid).expect("deposit");
    h.sandbox.deliver_due().await;
    assert_eq!(state(h, "ORD-FORGE2").await, PaymentState::VbankDeposited);
    assert_eq!(paid(h), 1);
}

/// A forged cancel (`P_STATUS=01`) of an issued account: journaled,
/// alerted, nothing changes.
pub async fn forged_cancel_changes_nothing(h: &Harness) {
    let tid = issue_vbank(h, "ORD-FORGE3").await;
    let r = post_noti(h, noti("01", "VBANK", &tid, "ORD-FORGE3")).await;
    assert_eq!((r.status, r.body.as_slice()), (200, b"OK".as_slice()));
    assert_eq!(state(h, "ORD-FORGE3").await, PaymentState::VbankIssued);
    assert_eq!(alerts(h, "ORD-FORGE3"), 1);
    assert_eq!(notis_journaled(h, "ORD-FORGE3").await, 2);
}

/// The inquiry gets no answer (HTTP 500 on the first call and on the
/// client's one retry of this idempotent call): the real deposit is not
/// applied and INICIS is asked to retry (503); on the redelivery the gateway
/// confirms and it is applied once.
pub async fn inquiry_timeout_then_confirmed(h: &Harness) {
    let tid = issue_vbank(h, "ORD-SLOW").await;
    h.sandbox.deposit_vbank(&tid).expect("deposit");
    h.sandbox.inject(Endpoint::Inquiry, Fault::Http500, 2);
    h.sandbox.deliver_due().await;
    assert_eq!(state(h, "ORD-SLOW").await, PaymentState::VbankIssued);
    let first: Vec<_> = h
        .sandbox
        .noti_attempts()
        .into_iter()
        .filter(|a| a.tid == tid && a.status == "02")
        .collect();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].http_status, Some(503), "{first:?}");
    assert_eq!(paid(h), 0);
    // INICIS retries (about every 10 minutes): advance the sandbox clock.
    h.clock.advance(std::time::Duration::from_secs(11 * 60));
    h.sandbox.deliver_due().await;
    assert_eq!(state(h, "ORD-SLOW").await, PaymentState::VbankDeposited);
    assert_eq!(paid(h), 1);
}

/// The inquiry disagrees (reports another amount): refuted, never applied.
pub async fn inquiry_disagrees_never_applied(h: &Harness) {
    let tid = issue_vbank(h, "ORD-DISAGREE").await;
    h.sandbox.deposit_vbank(&tid).expect("deposit");
    h.sandbox.inject(Endpoint::Inquiry, Fault::TamperAmount, 1);
    h.sandbox.deliver_due().await;
    assert_eq!(state(h, "ORD-DISAGREE").await, PaymentState::VbankIssued);
    assert_eq!(alerts(h, "ORD-DISAGREE"), 1);
    assert_eq!(paid(h), 0);
}
