//! Loose ends settled by the reconciler (issue 11), over real HTTP with the
//! sandbox: a net cancel that fails twice and succeeds when retried, a
//! virtual account that expires (and a deposit that still arrives after
//! its deadline), every step delivered to the app as an event.

use super::Harness;
use super::browser::pay;
use super::scenarios::{CARD, issue_vbank};
use inipay_core::flow::FlowEvent;
use inipay_core::ledger::{Direction, MessageKind, PaymentState};
use inipay_core::time::Timestamp;
use inipay_core::types::OrderId;
use inipay_sandbox::faults::{Endpoint, Fault};
use inipay_sandbox::state::TxnStatus;

async fn payment(h: &Harness, oid: &str) -> inipay_core::ledger::Payment {
    h.app
        .ledger
        .payment(&OrderId::new(oid).expect("order id"))
        .await
        .expect("ledger")
        .expect("payment")
}

fn events_of(h: &Harness, oid: &str, pred: impl Fn(&FlowEvent) -> bool) -> usize {
    h.events
        .count(|e| e.order_id().map(|o| o.as_str()) == Some(oid) && pred(e))
}

/// The sandbox's transaction of an order (the gateway's own record).
fn gateway_txn(h: &Harness, oid: &str) -> inipay_sandbox::state::Txn {
    h.sandbox
        .transactions()
        .into_iter()
        .find(|t| t.oid == oid)
        .expect("a transaction at the gateway")
}

fn plus_ms(t: Timestamp, ms: u64) -> Timestamp {
    Timestamp::from_unix_millis(t.unix_millis() + ms)
}

/// The approval reply is lost (the gateway approved), the net cancel fails
/// on the request and on the first retry, and succeeds on the second retry
/// (backoff 1 min, then 2 min on the reconciler's clock); then the buyer
/// pays the same order once.
pub async fn net_cancel_failing_twice_succeeds_on_retry(h: &Harness) {
    let oid = "ORD-RETRY-NC";
    h.sandbox.inject(Endpoint::Approval, Fault::Garbled, 1);
    h.sandbox.inject(Endpoint::NetCancel, Fault::Http500, 2);
    let next = pay(h, oid, "CARD", "approve", CARD).await;
    assert_eq!(next.status, 303);
    let p = payment(h, oid).await;
    assert_eq!(
        (p.state, p.net_cancel_failures),
        (PaymentState::Authenticated, 1)
    );
    let txn = gateway_txn(h, oid);
    assert_eq!(txn.status, TxnStatus::Approved, "money taken, reply lost");
    let flow = &h.app.flow;
    let failed_at = p.updated_at;
    // Not due before the first backoff.
    let r = flow
        .reconcile(plus_ms(failed_at, 59_000))
        .await
        .expect("reconcile");
    assert!(r.net_cancelled.is_empty() && r.net_cancel_failed.is_empty());
    // First retry: fails (the second injected 500).
    let r = flow
        .reconcile(plus_ms(failed_at, 60_000))
        .await
        .expect("reconcile");
    assert_eq!(r.net_cancel_failed.len(), 1, "{r:?}");
    let p = payment(h, oid).await;
    assert_eq!(p.net_cancel_failures, 2);
    // Second retry, after 2 minutes more: withdrawn.
    let again = p.updated_at;
    let r = flow
        .reconcile(plus_ms(again, 119_000))
        .await
        .expect("reconcile");
    assert!(r.net_cancelled.is_empty(), "backoff doubled");
    let r = flow
        .reconcile(plus_ms(again, 120_000))
        .await
        .expect("reconcile");
    assert_eq!(r.net_cancelled.len(), 1, "{r:?}");
    assert_eq!(payment(h, oid).await.state, PaymentState::NetCancelled);
    let txn = gateway_txn(h, oid);
    assert_eq!(
        txn.status,
        TxnStatus::NetCancelled,
        "withdrawn at the gateway"
    );
    // Each reconciler action is journaled.
    let journal = h
        .app
        .ledger
        .messages_of(&OrderId::new(oid).expect("id"))
        .await
        .expect("journal");
    let decisions = journal
        .iter()
        .filter(|m| m.message.kind == MessageKind::Reconciler)
        .count();
    assert_eq!(decisions, 2, "two reconciler attempts");
    let requests = journal
        .iter()
        .filter(|m| {
            m.message.kind == MessageKind::NetCancelRequest
                && m.message.direction == Direction::Outbound
        })
        .count();
    assert_eq!(requests, 3, "the request's try and two retries");
    assert_eq!(
        events_of(h, oid, |e| matches!(e, FlowEvent::NetCancelled { .. })),
        1
    );
    // The order is payable again: paid once.
    let next = pay(h, oid, "CARD", "approve", CARD).await;
    assert_eq!(next.status, 303);
    assert_eq!(payment(h, oid).await.state, PaymentState::Approved);
    assert_eq!(
        events_of(h, oid, |e| matches!(e, FlowEvent::Paid { .. })),
        1
    );
    assert!(
        flow.report(plus_ms(again, 120_000))
            .await
            .expect("report")
            .stuck_authenticated
            .is_empty()
    );
}

/// A virtual account past its deadline (stored at issuance from
/// `P_VACT_DATE`/`P_VACT_TIME`) expires once, with an event; a deposit that
/// still arrives is confirmed, applied, and alerted.
pub async fn vbank_expires_and_a_late_deposit_is_kept(h: &Harness) {
    let oid = "ORD-VB-EXPIRE";
    let tid = issue_vbank(h, oid).await;
    let p = payment(h, oid).await;
    let deadline = p.vbank_deadline.expect("deadline stored at issuance");
    assert!(deadline > p.created_at, "a deadline in the future");
    // The event carried the account (number redacted in Debug).
    let issued = h
        .events
        .events()
        .into_iter()
        .find_map(|e| match e {
            FlowEvent::VbankIssued {
                order_id, account, ..
            } if order_id.as_str() == oid => Some(account),
            _ => None,
        })
        .expect("issuance event");
    assert!(issued.account_number.is_some() && issued.deadline.is_some());
    let flow = &h.app.flow;
    let r = flow.reconcile(deadline).await.expect("reconcile");
    assert!(r.expired.is_empty(), "not before the deadline has passed");
    let r = flow
        .reconcile(plus_ms(deadline, 1))
        .await
        .expect("reconcile");
    assert_eq!(r.expired.len(), 1);
    let r = flow
        .reconcile(plus_ms(deadline, 2))
        .await
        .expect("reconcile");
    assert!(r.expired.is_empty(), "expired once");
    assert_eq!(payment(h, oid).await.state, PaymentState::VbankExpired);
    assert_eq!(
        events_of(h, oid, |e| matches!(e, FlowEvent::VbankExpired { .. })),
        1
    );
    // The buyer pays anyway.
    h.sandbox.deposit_vbank(&tid).expect("deposit");
    h.sandbox.deliver_due().await;
    assert_eq!(payment(h, oid).await.state, PaymentState::VbankDeposited);
    assert_eq!(
        events_of(h, oid, |e| matches!(e, FlowEvent::Deposited { .. })),
        1
    );
    assert_eq!(
        events_of(
            h,
            oid,
            |e| matches!(e, FlowEvent::Alert { reason, .. } if reason.contains("after the virtual account expired"))
        ),
        1
    );
    // Delivered: the outbox kept only the account's last 4 digits.
    let outbox = h
        .app
        .ledger
        .outbox_of(&OrderId::new(oid).expect("id"))
        .await
        .expect("outbox");
    assert!(
        outbox.iter().all(|e| e.delivered_at.is_some()),
        "{outbox:?}"
    );
    let number = issued.account_number.expect("number");
    let detail = outbox[0].detail.clone().expect("detail");
    assert!(!detail.contains(number.expose()), "{detail}");
    assert!(detail.contains(&number.expose()[number.expose().len() - 4..]));
}

/// The app died between asking for the approval and recording its answer:
/// the gateway approved, the ledger says `authenticated`. Once the payment
/// has been `authenticated` for [`ReconcileConfig::stuck_after`] (15 min),
/// the reconciler net-cancels it from the journaled auth result (the
/// documented choice: money is never kept on an approval nobody confirmed),
/// and the buyer can pay the order again.
///
/// [`ReconcileConfig::stuck_after`]: inipay_core::flow::ReconcileConfig::stuck_after
pub async fn approval_of_a_dead_process_net_cancelled(h: &Harness) {
    let oid = "ORD-DIED";
    let page = super::browser::checkout(h, oid, "CARD").await;
    let session = super::browser::open_window(h, &page).await;
    let result = super::browser::press(h, &session, "approve", CARD).await;
    // What the dead process did: journal the auth result, record it, call
    // approval; then nothing more.
    let form = inipay_sandbox::browser::AutoForm::parse(&result.body).expect("auth result form");
    let (wire, core) = match form.charset {
        inipay_sandbox::wire::Charset::EucKr => (
            inipay_sandbox::wire::Charset::EucKr,
            inipay_core::encoding::Charset::EucKr,
        ),
        _ => (
            inipay_sandbox::wire::Charset::Utf8,
            inipay_core::encoding::Charset::Utf8,
        ),
    };
    let body = form.fields.encode(wire);
    let auth = match inipay_core::mobile::AuthResult::parse(&body, core).expect("auth result") {
        inipay_core::mobile::AuthResult::Success(a) => a,
        other => panic!("not authenticated: {other:?}"),
    };
    let died_at = Timestamp::now();
    let order = OrderId::new(oid).expect("id");
    let msg = inipay_core::ledger::Message::new(
        MessageKind::AuthResult,
        Direction::Inbound,
        core,
        body.clone(),
        died_at,
    )
    .order(order.clone());
    let amount = inipay_core::types::Amount::won(super::shop::AMOUNT);
    h.app
        .ledger
        .record(
            msg,
            inipay_core::ledger::Intent::new(
                order.clone(),
                inipay_core::ledger::Event::Authenticated {
                    tid: auth.tid.clone(),
                    amount,
                },
            ),
        )
        .await
        .expect("record");
    let request = auth
        .approval_request(h.app.flow.merchant(), amount)
        .expect("approval request");
    let client =
        inipay_core::client::GatewayClient::new(inipay_core::client::ClientConfig::default())
            .expect("client");
    client
        .approve(&request)
        .await
        .expect("approved at the gateway");
    let txn = gateway_txn(h, oid);
    assert_eq!(txn.status, TxnStatus::Approved);
    assert_eq!(payment(h, oid).await.state, PaymentState::Authenticated);

    let flow = &h.app.flow;
    let r = flow
        .reconcile(plus_ms(died_at, 15 * 60_000 - 1_000))
        .await
        .expect("reconcile");
    assert!(
        r.net_cancelled.is_empty(),
        "an approval may still be in flight"
    );
    let report = flow
        .report(plus_ms(died_at, 15 * 60_000 + 1_000))
        .await
        .expect("report");
    assert_eq!(
        report.stuck_authenticated.len(),
        1,
        "listed as outcome unknown"
    );
    let r = flow
        .reconcile(plus_ms(died_at, 15 * 60_000 + 1_000))
        .await
        .expect("reconcile");
    assert_eq!(r.net_cancelled, vec![order.clone()], "{r:?}");
    assert_eq!(payment(h, oid).await.state, PaymentState::NetCancelled);
    let txn = gateway_txn(h, oid);
    assert_eq!(
        txn.status,
        TxnStatus::NetCancelled,
        "withdrawn at the gateway"
    );
    assert_eq!(
        events_of(h, oid, |e| matches!(e, FlowEvent::NetCancelled { .. })),
        1
    );
    let next = pay(h, oid, "CARD", "approve", CARD).await;
    assert_eq!(next.status, 303);
    assert_eq!(payment(h, oid).await.state, PaymentState::Approved);
    assert_eq!(
        events_of(h, oid, |e| matches!(e, FlowEvent::Paid { .. })),
        1
    );
}
