//! Forged notifications (issue 10): INICIS notifications carry no signature,
//! so each forgery below comes from an allowed source (loopback, the test
//! merchant's default) with the real order id and amount. None may move
//! money: each is journaled, alerted, answered `OK`, and never applied.
//!
//! Forged and altered browser messages (issue 16): an auth result with an
//! invented TID, a checkout form whose amount was changed, an auth result
//! without `P_AMT`. The gateway's answer decides, never the message.

use super::Harness;
use super::browser::{
    Page, checkout, open_window, pay, press, press_any, session_of, submit_altered,
};
use super::scenarios::{CARD, issue_vbank};
use super::shop::AMOUNT;
use inipay_core::config::test_keys::INIPAYTEST_MOBILE_HASH_KEY;
use inipay_core::flow::FlowEvent;
use inipay_core::ledger::{Direction, JournalEntry, MessageKind, PaymentState};
use inipay_core::types::OrderId;
use inipay_sandbox::faults::{Endpoint, Fault};
use inipay_sandbox::state::TxnStatus;
use inipay_sandbox::wire::{Form, chkfake};

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
    unanswered_inquiry_then_confirmed(h, "ORD-SLOW", Fault::Http500).await;
}

/// Issues a virtual account for `oid`, makes the inquiries of its deposit
/// fail with `fault` (first call and the client's one retry), and checks:
/// not applied, `503` so INICIS retries; on the redelivery (the sandbox
/// clock moved past INICIS's 10-minute retry) confirmed and applied once.
async fn unanswered_inquiry_then_confirmed(h: &Harness, oid: &str, fault: Fault) {
    let tid = issue_vbank(h, oid).await;
    // Faults first: the sandbox's sender delivers as soon as the deposit
    // is queued.
    h.sandbox.inject(Endpoint::Inquiry, fault, 2);
    h.sandbox.deposit_vbank(&tid).expect("deposit");
    h.sandbox.deliver_due().await;
    assert_eq!(state(h, oid).await, PaymentState::VbankIssued);
    let first = deposit_attempts(h, &tid);
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].http_status, Some(503), "{first:?}");
    assert_eq!(paid(h), 0);
    h.clock.advance(std::time::Duration::from_secs(11 * 60));
    h.sandbox.deliver_due().await;
    assert_eq!(state(h, oid).await, PaymentState::VbankDeposited);
    assert_eq!(paid(h), 1);
}

/// The inquiry disagrees with the ledger (reports another amount for the
/// same TID): never applied, alerted, and not answered as settled (`503`),
/// so the question stays open; INICIS's retry, once the gateway agrees,
/// applies the genuine deposit once (found by the soak: answering `OK` lost
/// the deposit for good).
pub async fn inquiry_disagrees_never_applied(h: &Harness) {
    let oid = "ORD-DISAGREE";
    let tid = issue_vbank(h, oid).await;
    h.sandbox.inject(Endpoint::Inquiry, Fault::TamperAmount, 1);
    h.sandbox.deposit_vbank(&tid).expect("deposit");
    h.sandbox.deliver_due().await;
    assert_eq!(state(h, oid).await, PaymentState::VbankIssued);
    assert_eq!(alerts(h, oid), 1);
    assert_eq!(paid(h), 0);
    let first = deposit_attempts(h, &tid);
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].http_status, Some(503), "{first:?}");
    h.clock.advance(std::time::Duration::from_secs(11 * 60));
    h.sandbox.deliver_due().await;
    assert_eq!(state(h, oid).await, PaymentState::VbankDeposited);
    assert_eq!(paid(h), 1);
    assert_eq!(alerts(h, oid), 1, "one disagreement, one alert");
}

/// The sandbox's delivery attempts of the deposit notification of `tid`.
fn deposit_attempts(h: &Harness, tid: &str) -> Vec<inipay_sandbox::state::NotiAttempt> {
    h.sandbox
        .noti_attempts()
        .into_iter()
        .filter(|a| a.tid == tid && a.status == "02")
        .collect()
}

async fn journal(h: &Harness, oid: &str) -> Vec<JournalEntry> {
    let oid = OrderId::new(oid).expect("order id");
    h.app.ledger.messages_of(&oid).await.expect("ledger")
}

async fn net_cancel_requests(h: &Harness, oid: &str) -> Vec<String> {
    journal(h, oid)
        .await
        .into_iter()
        .filter(|m| m.message.kind == MessageKind::NetCancelRequest)
        .map(|m| String::from_utf8_lossy(&m.message.body).into_owned())
        .collect()
}

/// A forged auth result: `P_STATUS=00`, an invented auth TID, the real
/// order id, amount and `P_REQ_URL`. The gateway answers the approval with
/// "unknown P_TID" (EUC-KR): not approved, so nothing to net-cancel and no
/// alert; the order is `failed` and still payable, and the buyer then pays.
pub async fn forged_auth_result_then_genuine_payment(h: &Harness) {
    let oid = "ORD-FAKEAUTH";
    assert_eq!(checkout(h, oid, "CARD").await.status, 200);
    let body = format!(
        "P_STATUS=00&P_RMESG1=&P_TID=INIMX_AUTHINIpayTest20240101120000999999&P_AMT={AMOUNT}&P_REQ_URL={}",
        h.sandbox.url("/smart/payReq.ini")
    );
    assert_eq!(post_next(h, oid, body).await, 303);
    assert_eq!(state(h, oid).await, PaymentState::Failed);
    assert_eq!(alerts(h, oid), 0, "no person is asked to refund anything");
    assert!(
        net_cancel_requests(h, oid).await.is_empty(),
        "nothing to cancel"
    );
    let replies: Vec<_> = journal(h, oid)
        .await
        .into_iter()
        .filter(|m| m.message.kind == MessageKind::ApprovalReply)
        .collect();
    assert_eq!(replies.len(), 1, "the gateway's refusal is journaled");
    assert_eq!(
        replies[0].result_code.as_deref(),
        Some("01"),
        "read, not unreadable"
    );
    assert!(h.sandbox.transactions().is_empty());

    let next = pay(h, oid, "CARD", "approve", CARD).await;
    assert_eq!(next.status, 303);
    assert_eq!(state(h, oid).await, PaymentState::Approved);
    assert_eq!(paid(h), 1);
    assert_eq!(alerts(h, oid), 0);
}

/// The buyer rewrites the checkout form to 100 won (re-signing `P_CHKFAKE`
/// with the public test HashKey) and drops `P_AMT` from the auth result, so
/// only the approval reply shows the difference. The gateway approved 100
/// won; the net cancel names 100 won (what was approved, not the order's
/// 1,000) and the sandbox accepts it: the approval is withdrawn, never paid.
pub async fn altered_form_net_cancelled_for_the_approved_amount(h: &Harness) {
    let oid = "ORD-ALTER";
    let page = checkout(h, oid, "CARD").await;
    assert_eq!(page.status, 200);
    let window = submit_altered(h, &page, |f| {
        let ts = f.str("P_TIMESTAMP").to_owned();
        let had_chkfake = f.get("P_CHKFAKE").is_some();
        Form::from_pairs(f.pairs().iter().map(|(k, v)| {
            let v = match k.as_str() {
                "P_AMT" => "100".to_owned(),
                "P_CHKFAKE" if had_chkfake => chkfake("100", oid, &ts, INIPAYTEST_MOBILE_HASH_KEY),
                _ => v.clone(),
            };
            (k.clone(), v)
        }))
    })
    .await;
    let result = press(h, &session_of(&window), "approve", CARD).await;
    let next = submit_altered(h, &result, |f| {
        Form::from_pairs(f.pairs().iter().filter(|(k, _)| k != "P_AMT").cloned())
    })
    .await;
    assert_eq!(next.status, 303);
    assert_eq!(state(h, oid).await, PaymentState::NetCancelled);
    let txns = h.sandbox.transactions();
    let txn = txns
        .iter()
        .find(|t| t.oid == oid)
        .expect("the sandbox approved it");
    assert_eq!(txn.amount, 100, "the gateway approved the altered amount");
    assert_eq!(txn.status, TxnStatus::NetCancelled, "and withdrew it");
    let cancels = net_cancel_requests(h, oid).await;
    assert_eq!(cancels.len(), 1, "accepted at the first try: {cancels:?}");
    assert!(cancels[0].contains("P_AMT=100&"), "{}", cancels[0]);
    assert!(
        cancels[0].contains("P_TID=INIMX_AUTH"),
        "the auth TID by default"
    );
    assert_eq!(alerts(h, oid), 1, "the mismatch is alerted once");
    assert_eq!(paid(h), 0);
}

/// With `NetCancelTid::Approval`, the net cancel of a mismatching approval
/// (the reply names another order id) names the approval reply's TID; the
/// sandbox accepts either TID (PROTOCOL.md 2.8 leaves it open).
pub async fn net_cancel_with_the_approval_tid(h: &Harness) {
    let oid = "ORD-APPRTID";
    h.sandbox
        .inject(Endpoint::Approval, Fault::TamperOrderId, 1);
    let next = pay(h, oid, "CARD", "approve", CARD).await;
    assert_eq!(next.status, 303);
    assert_eq!(state(h, oid).await, PaymentState::NetCancelled);
    let txns = h.sandbox.transactions();
    let txn = txns.iter().find(|t| t.oid == oid).expect("approved");
    assert_eq!(txn.status, TxnStatus::NetCancelled);
    // Our own order id, never the reply's; the approval TID.
    let cancels = net_cancel_requests(h, oid).await;
    assert_eq!(cancels.len(), 1, "{cancels:?}");
    assert!(
        cancels[0].contains(&format!("P_OID={oid}&")),
        "{}",
        cancels[0]
    );
    assert!(
        cancels[0].starts_with(&format!("P_TID={}&", txn.tid)),
        "{}",
        cancels[0]
    );
    let p = h
        .app
        .ledger
        .payment(&OrderId::new(oid).expect("id"))
        .await
        .expect("ledger")
        .expect("payment");
    assert_eq!(p.tid.map(|t| t.as_str().to_owned()), Some(txn.tid.clone()));
}

/// A genuine one-transaction result (account transfer without
/// `twotrs_bank`): the result arrives only on `P_NOTI_URL`, twice; confirmed
/// by inquiry and applied exactly once; the browser lands on `P_RETURN_URL`.
pub async fn genuine_one_transaction_result_applied_once(h: &Harness) {
    let oid = "ONE-BANK";
    let page = checkout(h, oid, "BANK").await;
    assert_eq!(page.status, 200, "{}", page.text());
    let session = open_window(h, &page).await;
    // The noti is queued when the window completes: duplicate it then.
    h.sandbox.inject(Endpoint::Noti, Fault::DuplicateNoti, 1);
    let landing = press_any(h, &session, "approve", &[("bank_code", "04")]).await;
    assert_eq!(landing.status, 303, "1trs: to P_RETURN_URL");
    let to = landing.location.expect("Location");
    assert!(to.contains("/return"), "{to}");
    h.sandbox.deliver_due().await;
    assert_eq!(state(h, oid).await, PaymentState::Approved);
    assert_eq!(paid(h), 1, "applied once");
    assert_eq!(
        notis_journaled(h, oid).await,
        2,
        "both deliveries journaled"
    );
    assert_eq!(alerts(h, oid), 0);
    let attempts = h.sandbox.noti_attempts();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert!(
        attempts
            .iter()
            .all(|a| a.http_status == Some(200) && a.reply == "OK"),
        "{attempts:?}"
    );
}

/// A deposit notification with Korean text (buyer name, bank name) in the
/// charset the sandbox sends: applied once, answered `OK`, journaled in the
/// charset it was read in.
async fn korean_deposit_applied_once(
    h: &Harness,
    oid: &str,
    sent_in: inipay_core::encoding::Charset,
) {
    let tid = issue_vbank(h, oid).await;
    h.sandbox.deposit_vbank(&tid).expect("deposit");
    h.sandbox.deliver_due().await;
    assert_eq!(state(h, oid).await, PaymentState::VbankDeposited);
    assert_eq!(paid(h), 1);
    let deposits: Vec<_> = journal(h, oid)
        .await
        .into_iter()
        .filter(|m| m.message.kind == MessageKind::Noti && m.result_code.as_deref() == Some("02"))
        .collect();
    assert_eq!(deposits.len(), 1);
    assert_eq!(deposits[0].message.charset, sent_in);
    // Form-encoded: Korean text shows as escapes of non-ASCII bytes.
    let body = &deposits[0].message.body;
    assert!(
        body.windows(2)
            .any(|w| w[0] == b'%' && matches!(w[1], b'8'..=b'9' | b'A'..=b'F' | b'a'..=b'f')),
        "the body carried Korean text: {}",
        String::from_utf8_lossy(body)
    );
    let attempts = deposit_attempts(h, &tid);
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(
        (attempts[0].http_status, attempts[0].reply.as_str()),
        (Some(200), "OK")
    );
}

/// A deposit notification with Korean text in EUC-KR (the
/// sandbox's default, INICIS's documented charset).
pub async fn korean_deposit_in_euc_kr_applied_once(h: &Harness) {
    korean_deposit_applied_once(h, "ORD-KR-EUC", inipay_core::encoding::Charset::EucKr).await;
}

/// A deposit notification with Korean text in UTF-8 (the
/// payment's `P_CHARSET`; run with `Options::noti_in_p_charset`): read by
/// the fallback of the EUC-KR-configured flow.
pub async fn korean_deposit_in_utf8_applied_once(h: &Harness) {
    korean_deposit_applied_once(h, "ORD-KR-UTF8", inipay_core::encoding::Charset::Utf8).await;
}

/// The phone number the buyer types in the sandbox's phone window.
const PHONE: &str = "01098765432";
/// A full card number a forged notification carries.
const CARD_NUMBER: &str = "4111111111111111";

/// Personal data at rest, over HTTP on a durable ledger whose files are
/// under `files`: a phone payment (the approval reply carries the full
/// `P_HPP_NUM`) and a forged notification carrying a full card number and
/// phone number are journaled, and no full number is anywhere in the
/// database files (scanned byte by byte, WAL included).
pub async fn numbers_never_stored_in_full(h: &Harness, files: &std::path::Path) {
    let next = pay(
        h,
        "ORD-PRIV",
        "MOBILE",
        "approve",
        &[("phone", PHONE), ("carrier", "SKT")],
    )
    .await;
    assert_eq!(next.status, 303);
    assert_eq!(state(h, "ORD-PRIV").await, PaymentState::Approved);
    let body = format!(
        "P_TID=INIMX_CARDINIpayTest20240101120500999998&P_MID=INIpayTest&P_AUTH_DT=20240101120500&P_STATUS=00&P_TYPE=CARD&P_OID=ORD-PRIV&P_AMT={AMOUNT}&P_CARD_NUM={CARD_NUMBER}&P_HPP_NUM={PHONE}&P_RMESG1=&P_NOTI="
    );
    let r = post_noti(h, body).await;
    assert_eq!((r.status, r.body.as_slice()), (200, b"OK".as_slice()));
    assert_eq!(notis_journaled(h, "ORD-PRIV").await, 1);
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(files).expect("ledger dir") {
        let path = entry.expect("entry").path();
        bytes.extend(std::fs::read(&path).expect("ledger file"));
    }
    let find = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(find("ORD-PRIV"), "the scan sees the ledger's data");
    assert!(!find(PHONE), "a full phone number is in the database files");
    assert!(
        !find(CARD_NUMBER),
        "a full card number is in the database files"
    );
}

/// Loose amounts (`01000`, ` 1000`, `+1000`) are refused wherever a message
/// carries one (PROTOCOL.md 2.2: digits only): an auth result is never
/// approved, a deposit notification is `400` (unreadable, journaled), and
/// nothing changes.
pub async fn loose_amounts_refused(h: &Harness) {
    assert_eq!(checkout(h, "ORD-LOOSE", "CARD").await.status, 200);
    let tid = issue_vbank(h, "ORD-LOOSE-V").await;
    for amount in ["01000", "%201000", "%2B1000", "1000%20"] {
        let body = format!(
            "P_STATUS=00&P_RMESG1=&P_TID=INIMX_AUTHINIpayTest20240101120000999997&P_AMT={amount}&P_REQ_URL={}",
            h.sandbox.url("/smart/payReq.ini")
        );
        assert_eq!(post_next(h, "ORD-LOOSE", body).await, 303, "{amount}");
        assert_eq!(
            state(h, "ORD-LOOSE").await,
            PaymentState::Created,
            "{amount}"
        );

        let deposit = format!(
            "P_TID={tid}&P_MID=INIpayTest&P_AUTH_DT=20240101120500&P_STATUS=02&P_TYPE=VBANK&P_OID=ORD-LOOSE-V&P_FN_CD1=88&P_AMT={amount}&P_RMESG1=&P_NOTI="
        );
        let r = post_noti(h, deposit).await;
        assert_eq!(r.status, 400, "{amount}: {}", r.text());
        assert_eq!(
            state(h, "ORD-LOOSE-V").await,
            PaymentState::VbankIssued,
            "{amount}"
        );
    }
    assert!(
        h.sandbox
            .transactions()
            .iter()
            .all(|t| t.oid != "ORD-LOOSE"),
        "never sent for approval"
    );
    assert_eq!(
        journal(h, "ORD-LOOSE").await.len(),
        4,
        "every auth result journaled"
    );
    assert_eq!(paid(h), 0);
}

/// Posts an auth result `body` to `{mount}/next?oid={oid}`; the status.
async fn post_next(h: &Harness, oid: &str, body: impl Into<reqwest::Body>) -> u16 {
    h.http
        .post(h.app.url(&format!("/next?oid={oid}")))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("next")
        .status()
        .as_u16()
}

/// While the genuine approval is in flight (the sandbox holds its reply
/// until the test moves the clock), an attacker posts a failed auth result
/// and a forged successful one with an invented TID. Neither may hide the
/// genuine approval: it comes back with another amount, is net-cancelled,
/// and that is recorded (not refused by a state the forgeries caused); the
/// order stays payable and the buyer then pays.
pub async fn forgeries_during_an_approval_in_flight(h: &Harness) {
    let oid = "ORD-RACE";
    let page = checkout(h, oid, "CARD").await;
    let session = open_window(h, &page).await;
    let result = press(h, &session, "approve", CARD).await;
    h.sandbox
        .inject(Endpoint::Approval, Fault::Delay { millis: 60_000 }, 1);
    h.sandbox.inject(Endpoint::Approval, Fault::TamperAmount, 1);
    let genuine = super::browser::submit(h, &result);
    let attacker = async {
        // Wait until the genuine auth result is recorded (the approval is
        // then on its way to the sandbox, which holds the reply).
        for _ in 0..500 {
            if state(h, oid).await == PaymentState::Authenticated {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(state(h, oid).await, PaymentState::Authenticated);
        let failed = "P_STATUS=01&P_RMESG1=".to_owned();
        assert_eq!(post_next(h, oid, failed).await, 303);
        assert_eq!(
            state(h, oid).await,
            PaymentState::Authenticated,
            "an unsigned failure never touches an approval in flight"
        );
        let forged = format!(
            "P_STATUS=00&P_RMESG1=&P_TID=INIMX_AUTHINIpayTest20240101120000999996&P_AMT={AMOUNT}&P_REQ_URL={}",
            h.sandbox.url("/smart/payReq.ini")
        );
        assert_eq!(post_next(h, oid, forged).await, 303);
        assert_eq!(
            state(h, oid).await,
            PaymentState::Failed,
            "the forged attempt failed"
        );
        // Let the sandbox answer the genuine approval.
        h.clock.advance(std::time::Duration::from_secs(61));
    };
    let (next, ()) = tokio::join!(genuine, attacker);
    assert_eq!(next.status, 303);
    assert_eq!(
        state(h, oid).await,
        PaymentState::NetCancelled,
        "recorded, not refused"
    );
    let txns = h.sandbox.transactions();
    let txn = txns.iter().find(|t| t.oid == oid).expect("approved");
    assert_eq!(txn.status, TxnStatus::NetCancelled);
    let p = h
        .app
        .ledger
        .payment(&OrderId::new(oid).expect("id"))
        .await
        .expect("ledger")
        .expect("payment");
    assert_eq!(p.net_cancel_failures, 0);
    assert_eq!(paid(h), 0);

    let again = pay(h, oid, "CARD", "approve", CARD).await;
    assert_eq!(again.status, 303);
    assert_eq!(state(h, oid).await, PaymentState::Approved);
    assert_eq!(paid(h), 1);
}

/// A failed card attempt, then the same order paid by account transfer in
/// one transaction: the retry's checkout records the one-transaction path,
/// so its notification is confirmed and applied once.
pub async fn one_transaction_after_a_failed_attempt(h: &Harness) {
    let oid = "ONE-RETRY";
    let first = pay(h, oid, "CARD", "cancel", &[]).await;
    assert_eq!(first.status, 303);
    assert_eq!(state(h, oid).await, PaymentState::Failed);
    let page = checkout(h, oid, "BANK").await;
    assert_eq!(page.status, 200, "{}", page.text());
    let session = open_window(h, &page).await;
    let landing = press_any(h, &session, "approve", &[("bank_code", "04")]).await;
    assert_eq!(landing.status, 303);
    h.sandbox.deliver_due().await;
    assert_eq!(state(h, oid).await, PaymentState::Approved);
    assert_eq!(paid(h), 1);
    assert_eq!(alerts(h, oid), 0);
}

/// The inquiry really times out (the sandbox holds its reply past the
/// client's 1 s timeout, on the first call and the client's one retry;
/// run with `Options::client_timeout`): not applied, `503`; on the
/// redelivery applied once.
pub async fn inquiry_times_out_then_confirmed(h: &Harness) {
    let hold = Fault::Delay { millis: 3_600_000 };
    unanswered_inquiry_then_confirmed(h, "ORD-TIMEOUT", hold).await;
}

/// With `WhenUnconfirmed::Park`, a deposit the gateway cannot confirm yet
/// (no answer to the inquiry) is answered `OK`, parked and not applied;
/// `Flow::confirm_parked` asks again and applies it once.
pub async fn parked_deposit_confirmed_later(h: &Harness) {
    let tid = issue_vbank(h, "ORD-PARK").await;
    h.sandbox.inject(Endpoint::Inquiry, Fault::Http500, 2);
    h.sandbox.deposit_vbank(&tid).expect("deposit");
    h.sandbox.deliver_due().await;
    let attempts = deposit_attempts(h, &tid);
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(
        (attempts[0].http_status, attempts[0].reply.as_str()),
        (Some(200), "OK")
    );
    assert_eq!(
        state(h, "ORD-PARK").await,
        PaymentState::VbankIssued,
        "parked, not applied"
    );
    assert_eq!(h.app.ledger.unconfirmed(10).await.expect("ledger").len(), 1);
    assert_eq!(paid(h), 0);

    let now = inipay_core::time::Timestamp::from_unix_millis(super::T0 + 60_000);
    let outcomes = h.app.flow.confirm_parked(now).await.expect("confirm");
    assert_eq!(outcomes, vec![inipay_core::flow::ParkedOutcome::Applied]);
    assert_eq!(state(h, "ORD-PARK").await, PaymentState::VbankDeposited);
    assert!(
        h.app
            .ledger
            .unconfirmed(10)
            .await
            .expect("ledger")
            .is_empty()
    );
    assert_eq!(paid(h), 1);
    // Asking again changes nothing.
    assert!(
        h.app
            .flow
            .confirm_parked(now)
            .await
            .expect("confirm")
            .is_empty()
    );
    assert_eq!(paid(h), 1);
}

/// An attacker replays the auth result of an order they paid (X) on another
/// order (Y) with the same amount: the auth TID belongs to X, so it is never
/// sent for approval again under Y (alert, journaled, nothing to cancel);
/// X's payment stays untouched at the gateway.
pub async fn auth_tid_of_another_order_refused(h: &Harness) {
    let page = checkout(h, "ORD-X", "CARD").await;
    let session = open_window(h, &page).await;
    let result = press(h, &session, "approve", CARD).await;
    let next = super::browser::submit(h, &result).await;
    assert_eq!(next.status, 303);
    assert_eq!(state(h, "ORD-X").await, PaymentState::Approved);
    assert_eq!(checkout(h, "ORD-Y", "CARD").await.status, 200);
    let form = inipay_sandbox::browser::AutoForm::parse(&result.body).expect("form");
    let body = form.fields.encode(form.charset);
    assert_eq!(post_next(h, "ORD-Y", body).await, 303);
    assert_eq!(state(h, "ORD-Y").await, PaymentState::Created);
    assert_eq!(alerts(h, "ORD-Y"), 1);
    assert!(net_cancel_requests(h, "ORD-Y").await.is_empty());
    let txns = h.sandbox.transactions();
    let x = txns.iter().find(|t| t.oid == "ORD-X").expect("X approved");
    assert_eq!(x.status, TxnStatus::Approved, "X untouched");
    assert_eq!(txns.len(), 1, "no second approval");
    assert_eq!(paid(h), 1);
}
