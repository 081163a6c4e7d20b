//! The scenarios: same requests in, same observable results out (status,
//! headers that matter, body, ledger state, events told to the app, what the
//! sandbox saw). Each takes a fresh [`Harness`].

use super::browser::{Page, checkout, pay, submit};
use super::shop::AMOUNT;
use super::{Harness, result_page};
use inipay_core::flow::FlowEvent;
use inipay_core::ledger::{Payment, PaymentState};
use inipay_core::types::OrderId;
use inipay_sandbox::faults::{Endpoint, Fault};
use inipay_sandbox::state::TxnStatus;

/// A test card that approves.
pub const CARD: &[(&str, &str)] = &[("card_number", "4111111111111111"), ("card_code", "04")];

async fn payment(h: &Harness, order_id: &str) -> Option<Payment> {
    let oid = OrderId::new(order_id).expect("valid order id");
    h.app.ledger.payment(&oid).await.expect("ledger readable")
}

async fn state(h: &Harness, order_id: &str) -> PaymentState {
    payment(h, order_id)
        .await
        .unwrap_or_else(|| panic!("no payment for {order_id}"))
        .state
}

async fn journal_len(h: &Harness, order_id: &str) -> usize {
    let oid = OrderId::new(order_id).expect("valid order id");
    h.app
        .ledger
        .messages_of(&oid)
        .await
        .expect("ledger readable")
        .len()
}

fn paid_events(h: &Harness, order_id: &str) -> usize {
    h.events.count(|e| {
        matches!(e, FlowEvent::Paid { .. } | FlowEvent::Deposited { .. })
            && e.order_id().map(|o| o.as_str()) == Some(order_id)
    })
}

fn assert_redirect_to_result(page: &Page, order_id: &str) {
    assert_eq!(page.status, 303, "expected 303, body: {}", page.text());
    assert_eq!(
        page.location.as_deref(),
        Some(result_page(order_id).as_str())
    );
    assert!(page.cookies.is_empty(), "no cookies: {:?}", page.cookies);
}

fn assert_text_plain(page: &Page) {
    assert!(
        page.content_type
            .to_ascii_lowercase()
            .starts_with("text/plain"),
        "content type {:?}",
        page.content_type
    );
}

/// `GET checkout` serves the auto-submitting page in UTF-8 whose form posts
/// to the sandbox in EUC-KR, and records the order with its amount.
pub async fn checkout_page(h: &Harness) {
    let page = checkout(h, "ORD-PAGE", "card").await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert_eq!(
        page.content_type.to_ascii_lowercase().replace(' ', ""),
        "text/html;charset=utf-8"
    );
    assert!(page.cookies.is_empty(), "no cookies: {:?}", page.cookies);
    let html = page.text();
    assert!(html.contains(&h.sandbox.url("/smart/payment/")), "{html}");
    assert!(html.contains("accept-charset=\"euc-kr\""), "{html}");
    assert!(html.contains("P_CHKFAKE"), "{html}");
    assert!(html.contains(&h.app.url("/next?oid=ORD-PAGE")), "{html}");
    let p = payment(h, "ORD-PAGE")
        .await
        .expect("order recorded at checkout");
    assert_eq!(p.state, PaymentState::Created);
    assert_eq!(p.amount.get(), AMOUNT);
}

/// Unknown order: `404`, nothing recorded. Bad or missing method: `400`
/// with a short plain-text message, nothing recorded.
pub async fn checkout_errors(h: &Harness) {
    let page = checkout(h, "NOPE-1", "CARD").await;
    assert_eq!(page.status, 404, "{}", page.text());
    assert!(payment(h, "NOPE-1").await.is_none());

    for method in ["BITCOIN", "CULTURE", ""] {
        let page = checkout(h, "ORD-BAD", method).await;
        assert_eq!(page.status, 400, "method {method:?}: {}", page.text());
        assert_text_plain(&page);
        assert!(
            !page.body.is_empty() && page.body.len() < 300,
            "{}",
            page.text()
        );
        assert!(payment(h, "ORD-BAD").await.is_none());
    }
    let missing = h
        .http
        .get(h.app.url("/checkout/ORD-BAD"))
        .send()
        .await
        .expect("request");
    let missing = Page::read(missing).await;
    assert_eq!(missing.status, 400);
    assert_text_plain(&missing);
    assert_eq!(
        missing.text(),
        inipay_core::flow::CheckoutReply::MISSING_METHOD,
        "both adapters answer the same words"
    );
}

/// Card, two transactions: checkout, window, approve, auth result to
/// `/next` (POST), `303` to the result page, ledger approved, sandbox
/// approved, app told once.
pub async fn card_paid(h: &Harness) {
    let next = pay(h, "ORD-CARD", "CARD", "approve", CARD).await;
    assert_redirect_to_result(&next, "ORD-CARD");
    let p = payment(h, "ORD-CARD").await.expect("payment");
    assert_eq!(p.state, PaymentState::Approved);
    let tid = p.tid.expect("approval TID recorded");
    let txn = h
        .sandbox
        .transaction(tid.as_str())
        .expect("sandbox knows the TID");
    assert_eq!(txn.status, TxnStatus::Approved);
    assert_eq!(txn.amount, AMOUNT);
    assert_eq!(paid_events(h, "ORD-CARD"), 1);
    // A paid order is never offered the payment window again.
    let again = checkout(h, "ORD-CARD", "CARD").await;
    assert_eq!(again.status, 409, "{}", again.text());
    assert_text_plain(&again);
    assert_eq!(again.text(), "this order is already paid");
}

/// The buyer cancels in the window: `303`, not paid, nothing approved. The
/// auth result says only `P_STATUS=01` (PROTOCOL.md 2.4, 2.9: the same code
/// for a cancel and a failure; the Korean message is never parsed), so the
/// ledger records `failed`, and the order stays payable: the buyer pays on
/// the second try.
pub async fn user_cancel(h: &Harness) {
    let next = pay(h, "ORD-CANCEL", "CARD", "cancel", &[]).await;
    assert_redirect_to_result(&next, "ORD-CANCEL");
    assert_eq!(state(h, "ORD-CANCEL").await, PaymentState::Failed);
    assert!(h.sandbox.transactions().is_empty());
    assert_eq!(paid_events(h, "ORD-CANCEL"), 0);

    let again = pay(h, "ORD-CANCEL", "CARD", "approve", CARD).await;
    assert_redirect_to_result(&again, "ORD-CANCEL");
    assert_eq!(state(h, "ORD-CANCEL").await, PaymentState::Approved);
    assert_eq!(paid_events(h, "ORD-CANCEL"), 1);
    // Both attempts journaled: the cancelled auth result and the paid one.
    let auth_results = h
        .app
        .ledger
        .messages_of(&OrderId::new("ORD-CANCEL").expect("id"))
        .await
        .expect("journal")
        .iter()
        .filter(|m| m.message.kind == inipay_core::ledger::MessageKind::AuthResult)
        .count();
    assert_eq!(auth_results, 2);
    assert_eq!(h.sandbox.transactions().len(), 1, "charged once");
}

/// The same auth result, with `nextUrl=GET`: delivered in the query string
/// of `GET /next`, handled the same way.
pub async fn card_paid_next_get(h: &Harness) {
    let page = checkout(h, "GET-CARD", "CARD").await;
    assert_eq!(page.status, 200, "{}", page.text());
    let session = super::browser::open_window(h, &page).await;
    let result = super::browser::press(h, &session, "approve", CARD).await;
    assert!(
        result.text().contains("method=\"get\""),
        "the sandbox delivers by GET"
    );
    let next = submit(h, &result).await;
    assert_redirect_to_result(&next, "GET-CARD");
    assert_eq!(state(h, "GET-CARD").await, PaymentState::Approved);
    assert_eq!(paid_events(h, "GET-CARD"), 1);
}

/// The sandbox tampers with the approved amount: the app net-cancels, the
/// sandbox sees the net cancel, the order is never paid.
pub async fn tampered_amount_net_cancelled(h: &Harness) {
    h.sandbox.inject(Endpoint::Approval, Fault::TamperAmount, 1);
    let next = pay(h, "ORD-TAMPER", "CARD", "approve", CARD).await;
    assert_redirect_to_result(&next, "ORD-TAMPER");
    let s = state(h, "ORD-TAMPER").await;
    assert_eq!(s, PaymentState::NetCancelled);
    let txns = h.sandbox.transactions();
    let txn = txns
        .iter()
        .find(|t| t.oid == "ORD-TAMPER")
        .expect("the sandbox approved it");
    assert_eq!(txn.status, TxnStatus::NetCancelled);
    assert_eq!(paid_events(h, "ORD-TAMPER"), 0);
    // The reply's amount (1,001) first, refused by the gateway, then the
    // amount the approval was requested for (1,000), accepted.
    let oid = inipay_core::types::OrderId::new("ORD-TAMPER").expect("id");
    let cancels: Vec<String> = h
        .app
        .ledger
        .messages_of(&oid)
        .await
        .expect("ledger")
        .into_iter()
        .filter(|m| m.message.kind == inipay_core::ledger::MessageKind::NetCancelRequest)
        .map(|m| String::from_utf8_lossy(&m.message.body).into_owned())
        .collect();
    assert_eq!(cancels.len(), 2, "{cancels:?}");
    assert!(
        cancels[0].contains(&format!("P_AMT={}&", AMOUNT + 1)),
        "{}",
        cancels[0]
    );
    assert!(
        cancels[1].contains(&format!("P_AMT={AMOUNT}&")),
        "{}",
        cancels[1]
    );
}

/// Issues a virtual account for `order_id` through the browser and returns
/// its TID, with every notification due so far delivered.
pub async fn issue_vbank(h: &Harness, order_id: &str) -> String {
    let next = pay(h, order_id, "VBANK", "approve", &[("bank_code", "88")]).await;
    assert_redirect_to_result(&next, order_id);
    let p = payment(h, order_id).await.expect("payment");
    assert_eq!(p.state, PaymentState::VbankIssued);
    h.sandbox.deliver_due().await;
    assert_eq!(state(h, order_id).await, PaymentState::VbankIssued);
    assert_eq!(paid_events(h, order_id), 0, "issued is not paid");
    p.tid.expect("issuance TID").as_str().to_owned()
}

/// Virtual account: issuance, then the deposit notification (입금통보),
/// which the sandbox delivers twice: each answered exactly `OK`, applied
/// once.
pub async fn vbank_deposit_applied_once(h: &Harness) {
    let tid = issue_vbank(h, "ORD-VBANK").await;
    h.sandbox.inject(Endpoint::Noti, Fault::DuplicateNoti, 1);
    h.sandbox.deposit_vbank(&tid).expect("deposit");
    h.sandbox.deliver_due().await;
    let deposits: Vec<_> = h
        .sandbox
        .noti_attempts()
        .into_iter()
        .filter(|a| a.tid == tid && a.status == "02")
        .collect();
    assert!(deposits.len() >= 2, "duplicated: {deposits:?}");
    for a in &deposits {
        assert_eq!(a.http_status, Some(200), "{a:?}");
        assert_eq!(a.reply, "OK", "{a:?}");
        assert!(a.delivered, "{a:?}");
    }
    assert_eq!(state(h, "ORD-VBANK").await, PaymentState::VbankDeposited);
    assert_eq!(
        h.events.count(|e| matches!(e, FlowEvent::Deposited { .. })),
        1
    );
}

/// The deposit notification replayed after it was applied: `200 OK`
/// (text/plain, no newline), recorded, nothing changes.
pub async fn noti_replay_after_success(h: &Harness) {
    let tid = issue_vbank(h, "ORD-REPLAY").await;
    h.sandbox.deposit_vbank(&tid).expect("deposit");
    h.sandbox.deliver_due().await;
    assert_eq!(state(h, "ORD-REPLAY").await, PaymentState::VbankDeposited);
    let job = h
        .sandbox
        .noti_jobs()
        .into_iter()
        .find(|j| j.tid == tid && j.status == "02")
        .expect("the deposit notification");
    let before = payment(h, "ORD-REPLAY").await.expect("payment");
    let journal = journal_len(h, "ORD-REPLAY").await;
    for _ in 0..2 {
        let r = h
            .http
            .post(h.app.url("/noti"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(job.body.clone())
            .send()
            .await
            .expect("noti replay");
        let page = Page::read(r).await;
        assert_eq!(page.status, 200);
        assert_eq!(page.body, b"OK");
        assert_text_plain(&page);
    }
    let after = payment(h, "ORD-REPLAY").await.expect("payment");
    assert_eq!(after.state, before.state);
    assert_eq!(after.tid, before.tid);
    assert_eq!(after.updated_at, before.updated_at);
    assert_eq!(
        journal_len(h, "ORD-REPLAY").await,
        journal + 2,
        "replays are journaled"
    );
    assert_eq!(
        h.events.count(|e| matches!(e, FlowEvent::Deposited { .. })),
        1
    );
}

/// `/return` sends the buyer to the result page; without a valid order id it
/// is a `404` (unknown order). `/next` without an order id is a `400`
/// (journaled by the flow, nothing approved, no page to send the buyer to).
pub async fn return_and_missing_order_id(h: &Harness) {
    let r = h
        .http
        .get(h.app.url("/return?oid=ORD-RET"))
        .send()
        .await
        .expect("return");
    assert_redirect_to_result(&Page::read(r).await, "ORD-RET");
    for path in ["/return", "/return?oid=", "/return?oid=%FF"] {
        let r = h.http.get(h.app.url(path)).send().await.expect("return");
        assert_text_reply(r, 404, "unknown order", path).await;
    }
    let r = h
        .http
        .post(h.app.url("/next"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("P_STATUS=01&P_RMESG1=cancel")
        .send()
        .await
        .expect("next");
    assert_text_reply(r, 400, "payment result without an order id", "/next").await;
}

/// A short plain-text answer, the same on every adapter (decided in core:
/// `BrowserReply`): status, `text/plain`, `no-store`, exact body.
async fn assert_text_reply(r: reqwest::Response, status: u16, body: &str, what: &str) {
    assert_eq!(r.status().as_u16(), status, "{what}");
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(header("content-type").starts_with("text/plain"), "{what}");
    assert_eq!(header("cache-control"), "no-store", "{what}");
    assert_eq!(r.text().await.expect("body"), body, "{what}");
}

/// A card refused at approval (승인거절): `303`, not paid. The approval
/// reply carries only `P_STATUS=01` (PROTOCOL.md 2.9, 8.7: no cause), so the
/// ledger records `failed`; the bracketed Korean message is never parsed.
/// The order stays payable: another card pays it.
pub async fn card_declined(h: &Harness) {
    let card = [("card_number", "4000000000000002"), ("card_code", "04")];
    let next = pay(h, "ORD-DECLINE", "CARD", "approve", &card).await;
    assert_redirect_to_result(&next, "ORD-DECLINE");
    assert_eq!(state(h, "ORD-DECLINE").await, PaymentState::Failed);
    let txns = h.sandbox.transactions();
    assert!(
        txns.iter()
            .all(|t| t.oid != "ORD-DECLINE" || t.status != TxnStatus::Approved),
        "{txns:?}"
    );
    assert_eq!(paid_events(h, "ORD-DECLINE"), 0);

    let again = pay(h, "ORD-DECLINE", "CARD", "approve", CARD).await;
    assert_redirect_to_result(&again, "ORD-DECLINE");
    assert_eq!(state(h, "ORD-DECLINE").await, PaymentState::Approved);
    assert_eq!(paid_events(h, "ORD-DECLINE"), 1);
}

/// A successful auth result for an order the app never checked out: `303`
/// (the URL names the order), journaled, never approved at the gateway.
pub async fn auth_result_for_unknown_order(h: &Harness) {
    let body = format!(
        "P_STATUS=00&P_TID=INIMX_AUTHINIpayTest20240101120000123456&P_AMT=1000&P_REQ_URL={}",
        h.sandbox.url("/smart/payReq.ini")
    );
    let r = h
        .http
        .post(h.app.url("/next?oid=ORD-GHOST"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("next");
    assert_redirect_to_result(&Page::read(r).await, "ORD-GHOST");
    assert!(payment(h, "ORD-GHOST").await.is_none());
    assert_eq!(journal_len(h, "ORD-GHOST").await, 1, "journaled");
    assert!(h.sandbox.transactions().is_empty(), "never approved");
}

/// With a trusted proxy header configured, the last entry of
/// `X-Forwarded-For` (what the proxy saw) decides the notification source.
pub async fn noti_source_from_trusted_proxy(h: &Harness) {
    let inicis_ip = inipay_core::mobile::NotiIpAllowList::current()
        .ips()
        .first()
        .copied()
        .expect("an INICIS address")
        .to_string();
    let send = |xff: String| {
        h.http
            .post(h.app.url("/noti"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Forwarded-For", xff)
            .body("not a notification")
            .send()
    };
    // Allowed source, unreadable body: 400 (not 403).
    let r = send(format!("198.51.100.7, {inicis_ip}"))
        .await
        .expect("noti");
    assert_eq!(r.status().as_u16(), 400);
    // A client-supplied first entry does not count.
    let r = send(format!("{inicis_ip}, 198.51.100.7"))
        .await
        .expect("noti");
    assert_eq!(r.status().as_u16(), 403);
    let r = h
        .http
        .post(h.app.url("/noti"))
        .body("P_STATUS=02")
        .send()
        .await
        .expect("noti");
    assert_eq!(r.status().as_u16(), 403, "no header: unknown source");
}

/// With an allow-list of INICIS addresses, a notification from 127.0.0.1
/// is refused (`403`, empty body) even when it claims an INICIS address in
/// `X-Forwarded-For` / `X-Real-IP`: no proxy header is trusted by default.
pub async fn noti_source_is_the_peer(h: &Harness) {
    let inicis_ip = inipay_core::mobile::NotiIpAllowList::current()
        .ips()
        .first()
        .copied()
        .expect("an INICIS address")
        .to_string();
    let r = h
        .http
        .post(h.app.url("/noti"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Forwarded-For", &inicis_ip)
        .header("X-Real-IP", &inicis_ip)
        .body("P_STATUS=02&P_TID=x")
        .send()
        .await
        .expect("noti");
    let page = Page::read(r).await;
    assert_eq!(page.status, 403);
    assert!(page.body.is_empty(), "{}", page.text());
}

/// Bodies over 64 KiB are journaled truncated, then refused with an empty
/// `413`; 64 KiB exactly is read (and is an unreadable notification: `400`).
pub async fn body_limit(h: &Harness) {
    let limit = 64 * 1024;
    let post = |path: &str, len: usize| {
        h.http
            .post(h.app.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(vec![b'a'; len])
            .send()
    };
    let r = post("/noti", limit + 1).await.expect("noti");
    assert_eq!(r.status().as_u16(), 413);
    assert!(r.bytes().await.expect("body").is_empty(), "empty 413");
    let r = post("/next?oid=ORD-BIG", limit + 1).await.expect("next");
    assert_eq!(r.status().as_u16(), 413);
    assert!(r.bytes().await.expect("body").is_empty(), "empty 413");
    // Journaled before the 413: the first `limit` bytes, then the local
    // record of the length seen.
    let oid = OrderId::new("ORD-BIG").expect("valid order id");
    let journal = h
        .app
        .ledger
        .messages_of(&oid)
        .await
        .expect("ledger readable");
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[0].message.body, vec![b'a'; limit]);
    assert_eq!(
        String::from_utf8_lossy(&journal[1].message.body),
        format!(
            "reason=body_over_limit&route=next&limit={limit}&kept={limit}&received={}",
            limit + 1
        )
    );
    let r = post("/noti", limit).await.expect("noti");
    assert_eq!(r.status().as_u16(), 400);
}
