//! The demo shop end to end over HTTP, the path a person clicks in a browser:
//! products -> order -> method -> sandbox window -> approve -> result page,
//! plus a virtual account paid from the sandbox dashboard's deposit button,
//! a card payment cancelled (환불) by its buyer, and the demo's good
//! practice: random order ids, details and the refund button only behind
//! the order's secret link, buyer names checked when the order is placed.

use inipay_core::ledger::{Ledger, PaymentState, SqliteStore};
use inipay_core::types::OrderId;
use inipay_examples::shop::{self, LedgerChoice, RunningShop, ShopConfig};
use inipay_sandbox::Sandbox;
use inipay_sandbox::browser::AutoForm;
use inipay_sandbox::faults::{Endpoint, Fault};
use inipay_sandbox::state::TxnStatus;
use inipay_sandbox::wire::Charset;
use std::path::PathBuf;
use std::sync::Arc;

struct Browser {
    url: String,
    sandbox: Sandbox,
    ledger: Arc<dyn Ledger>,
    http: reqwest::Client,
}

fn temp_db() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!(
        "inipay-shop-test-{}-{nanos}.db",
        std::process::id()
    ))
}

fn remove_db(db: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

async fn open(db: PathBuf) -> Browser {
    let RunningShop {
        url,
        sandbox,
        server,
        ledger,
        background: _,
    } = shop::start(ShopConfig {
        port: 0,
        sandbox_port: 0,
        ledger: LedgerChoice::Sqlite(db),
        workers: 1,
    })
    .await
    .unwrap();
    tokio::spawn(server);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Browser {
        url,
        sandbox,
        ledger,
        http,
    }
}

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The order id in an order page path (`/orders/{id}` or its secret link
/// `/orders/{id}?key=...`).
fn id_of(path: &str) -> &str {
    let tail = path.rsplit('/').next().unwrap();
    tail.split('?').next().unwrap()
}

/// `/orders/{id}`: the page a visitor without the secret opens.
fn public(path: &str) -> String {
    format!("/orders/{}", id_of(path))
}

/// The text of the first table cell after `marker` in `html`.
fn attr_text_after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in page"));
    let td = html[start..].find("<td").unwrap() + start;
    let open = html[td..].find('>').unwrap() + td + 1;
    html[open..open + html[open..].find("</td>").unwrap()].to_owned()
}

/// The value of the first `attr="..."` after `marker` in `html`.
fn attr_after(html: &str, marker: &str, attr: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in page"));
    let pat = format!("{attr}=\"");
    let i = html[start..].find(&pat).unwrap() + start + pat.len();
    html[i..i + html[i..].find('"').unwrap()].replace("&amp;", "&")
}

impl Browser {
    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.url)
        }
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// `GET` with a `Cookie` header (this client keeps no cookies).
    async fn get_with_cookie(&self, path: &str, cookie: &str) -> String {
        let r = self
            .http
            .get(self.url(path))
            .header("Cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.text().await.unwrap()
    }

    /// Places an order for `product` by `buyer`; the response.
    async fn order_as(&self, product: &str, buyer: &str) -> reqwest::Response {
        let body = format!("product={product}&buyer={}", pct(buyer));
        self.post_form("/orders", body.into_bytes()).await
    }

    async fn post_form(&self, url: &str, body: Vec<u8>) -> reqwest::Response {
        self.http
            .post(self.url(url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Clicks "주문하기" for `product`; returns the order's secret link
    /// (`/orders/{id}?key=...`) the shop redirects to.
    async fn place(&self, product: &str) -> String {
        let (status, home) = self.get("/").await;
        assert_eq!(status, 200);
        assert!(home.contains(&format!("name=\"product\" value=\"{product}\"")));
        let r = self.order_as(product, "홍길동").await;
        assert_eq!(r.status(), 303);
        r.headers()["location"].to_str().unwrap().to_owned()
    }

    /// Picks `method` on the order page, lets the checkout page auto-submit
    /// to the sandbox window, presses `button` there with `choices`, and
    /// follows the auth result back to the shop; returns the result page path.
    async fn pay(&self, order_page: &str, method: &str, button: &str, choices: &str) -> String {
        let (status, page) = self.get(order_page).await;
        assert_eq!(status, 200);
        assert!(page.contains("결제 수단 선택"));
        let end = page.find(&format!("?method={method}\"")).unwrap();
        let start = page[..end].rfind("href=\"").unwrap() + "href=\"".len();
        let link = format!("{}?method={method}", &page[start..end]);
        assert!(link.starts_with("/inicis/checkout/DEMO-"), "{link}");
        let r = self.http.get(self.url(&link)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{link}");
        let mut checkout = AutoForm::parse(&r.bytes().await.unwrap()).unwrap();
        checkout.charset = Charset::EucKr; // accept-charset="euc-kr"
        let r = self.post_form(&checkout.action, checkout.body()).await;
        assert_eq!(r.status(), 200);
        let window = r.text().await.unwrap();
        assert!(window.contains("홍길동"), "the buyer's name arrived intact");
        let session = attr_after(&window, "name=\"session\"", "value");
        let action = attr_after(&window, "<form", "action");
        let body = format!("session={session}&action={button}{choices}");
        let r = self
            .post_form(&self.sandbox.url(&action), body.into_bytes())
            .await;
        assert_eq!(r.status(), 200);
        let auth = AutoForm::parse(&r.bytes().await.unwrap()).unwrap();
        let r = self.post_form(&auth.action, auth.body()).await;
        assert_eq!(r.status(), 303);
        r.headers()["location"].to_str().unwrap().to_owned()
    }

    /// `POST /orders/{id}/refund`, with `cookie` as the `Cookie` header when
    /// given (this client keeps no cookies).
    async fn refund(&self, order_page: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut r = self
            .http
            .post(self.url(&format!("{}/refund", public(order_page))))
            .header("Content-Type", "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            r = r.header("Cookie", c);
        }
        r.send().await.unwrap()
    }

    /// The sandbox's own record of the order's transaction.
    fn gateway_status(&self, order_page: &str) -> TxnStatus {
        let id = id_of(order_page);
        let t = self.sandbox.transactions();
        let txn = t.iter().find(|t| t.oid == id).expect("a transaction");
        txn.status
    }

    async fn state(&self, order_page: &str) -> PaymentState {
        let id = id_of(order_page);
        self.ledger
            .payment(&OrderId::new(id).unwrap())
            .await
            .unwrap()
            .unwrap()
            .state
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_payment_through_the_shop() {
    let db = temp_db();
    let b = open(db.clone()).await;
    let order = b.place("mug").await;
    assert!(order.starts_with("/orders/DEMO-"));
    let result = b
        .pay(
            &order,
            "CARD",
            "approve",
            "&card_code=04&card_number=4111111111111111",
        )
        .await;
    assert_eq!(result, public(&order), "back on the order's own page");
    // Without the secret: paid, the amount, but no TID and a masked buyer.
    let (status, page) = b.get(&result).await;
    assert_eq!(status, 200);
    assert!(page.contains("data-state=\"approved\""));
    assert!(page.contains("결제 완료 <small>(Paid)</small>"));
    assert!(page.contains("56,000원"));
    assert!(
        !page.contains("INIMX_") && !page.contains("거래번호"),
        "{page}"
    );
    assert!(page.contains("홍**") && !page.contains("홍길동"), "{page}");
    // With it (the link, or the cookie the browser brings back): the TID.
    let (_, owner) = b.get(&order).await;
    assert!(
        owner.contains("거래번호 (TID)") && owner.contains("INIMX_CARD"),
        "{owner}"
    );
    assert!(owner.contains("홍길동"));
    assert_eq!(b.state(&order).await, PaymentState::Approved);

    // The ledger is the SQLite file: another connection reads the same state.
    let file = SqliteStore::open(db.clone()).await.unwrap();
    let id = OrderId::new(id_of(&order)).unwrap();
    assert_eq!(
        file.payment(&id).await.unwrap().unwrap().state,
        PaymentState::Approved
    );
    // The shop's handler took the event: acknowledged, nothing to reconcile.
    let p = file.payment(&id).await.unwrap().unwrap();
    assert!(p.acknowledged_at.is_some());
    let events = file.outbox_of(&id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert!(events[0].delivered_at.is_some());
    let (status, report) = b.get("/reconciliation").await;
    assert_eq!(status, 200);
    assert!(
        report.contains("대사 <small>(Reconciliation)</small>"),
        "{report}"
    );
    assert!(
        report.contains("전달되지 않은 이벤트 (Undelivered events) <small>0</small>"),
        "{report}"
    );
    remove_db(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn virtual_account_paid_from_the_dashboard() {
    let db = temp_db();
    let b = open(db.clone()).await;
    let order = b.place("tea").await;
    let result = b.pay(&order, "VBANK", "approve", "&bank_code=88").await;
    let (_, page) = b.get(&order).await;
    assert!(page.contains("data-state=\"vbank_issued\""), "{page}");
    assert!(page.contains("입금 대기") && page.contains("신한은행 (88)"));
    assert!(page.contains("입금기한 (Deadline)") && page.contains("23:59:59 KST"));
    // The buyer (secret link) sees the account to pay into; a visitor only
    // its last four digits.
    let account = attr_text_after(&page, "계좌번호 (Account)");
    assert!(
        account.len() >= 10 && account.bytes().all(|c| c.is_ascii_digit()),
        "{account}"
    );
    let (_, visitor) = b.get(&result).await;
    assert!(visitor.contains("data-state=\"vbank_issued\""));
    assert!(!visitor.contains(&account), "{visitor}");
    assert!(visitor.contains(&inipay_examples::shop::pages::mask_account(&account)));
    let dashboard = b.sandbox.url("/sandbox/");
    assert!(page.contains(&dashboard), "links the sandbox dashboard");
    assert_eq!(b.state(&order).await, PaymentState::VbankIssued);

    // Not paid yet: nothing to refund (409, INICIS not called).
    assert!(!page.contains("/refund\""), "{page}");
    let key = order.split_once("?key=").unwrap().1;
    let cookie = format!("order_key={key}");
    let r = b.refund(&order, Some(&cookie)).await;
    assert_eq!(r.status(), 409);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("결제가 완료된 주문만 취소할 수 있습니다")
    );
    assert_eq!(b.state(&order).await, PaymentState::VbankIssued);

    // On the dashboard, press 입금통보 (deposit) for this transaction.
    let (_, dash) = b.get(&dashboard).await;
    let tid = attr_after(&dash, "name=\"tid\"", "value");
    assert!(tid.starts_with("INIMX_VBNK"));
    let r = b
        .post_form(
            &b.sandbox.url("/sandbox/deposit"),
            format!("tid={tid}").into_bytes(),
        )
        .await;
    assert_eq!(r.status(), 303);
    // Back on the dashboard: a confirmation naming the order, its goods and
    // amount, and the row now reads deposited.
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with(&format!("/sandbox/?deposited={tid}")),
        "{back}"
    );
    b.sandbox.deliver_due().await;
    let (status, dash) = b.get(&b.sandbox.url(&back)).await;
    assert_eq!(status, 200);
    let confirm = &dash[dash.find("data-deposited=").expect("a confirmation")..];
    assert!(
        confirm.contains("입금통보를 보냈습니다 (Deposit notified)"),
        "{dash}"
    );
    let id = id_of(&order);
    assert!(confirm.contains(id) && confirm.contains("제주 녹차") && confirm.contains("12,000원"));
    assert!(confirm.contains("P_STATUS=02"));
    let card = &dash[dash
        .find(&format!("data-oid=\"{id}\""))
        .expect("the order's card")..];
    let card = &card[..card.find("<div class=\"txn\"").unwrap_or(card.len())];
    assert!(
        card.contains("입금완료 (deposited)") && !card.contains("승인 (approved)"),
        "{card}"
    );
    assert!(
        !card.contains("입금통보 (deposit)</button>"),
        "no second button"
    );
    // Its notification history: issuance (00) and deposit (02), each
    // delivered with the shop's answer.
    assert!(card.contains("노티 기록 (notification history)"), "{card}");
    assert!(
        card.contains("P_STATUS=02") && card.contains("HTTP 200 “OK”"),
        "{card}"
    );
    assert!(
        card.contains("data-noti-status=\"02\" data-delivered=\"true\""),
        "{card}"
    );

    let (_, page) = b.get(&result).await;
    assert!(page.contains("data-state=\"vbank_deposited\""), "{page}");
    assert!(page.contains("입금 확인"));
    assert_eq!(b.state(&order).await, PaymentState::VbankDeposited);

    // A deposited virtual account is refunded to the buyer's own account,
    // which the demo does not collect: no button, an explanation, and the
    // route refuses (nothing sent to INICIS).
    let (_, owner) = b.get(&order).await;
    assert!(!owner.contains("/refund\""), "{owner}");
    assert!(owner.contains("입금하신 분의 은행 계좌로 환불"), "{owner}");
    let r = b.refund(&order, Some(&cookie)).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("환불받을 계좌"));
    assert_eq!(b.state(&order).await, PaymentState::VbankDeposited);
    assert_eq!(b.gateway_status(&order), TxnStatus::Approved);
    remove_db(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_then_order_again() {
    let db = temp_db();
    let b = open(db.clone()).await;
    let order = b.place("notebook").await;
    let result = b.pay(&order, "CARD", "cancel", "").await;
    let (_, page) = b.get(&result).await;
    assert!(
        page.contains("취소 또는 인증 실패 <small>(Cancelled or not authenticated)</small>")
            && page.contains("청구된 금액은 없습니다"),
        "{page}"
    );
    assert!(!b.state(&order).await.is_paid());
    assert!(
        !page.contains("다시 주문하기"),
        "a visitor cannot reorder as the buyer"
    );
    let (_, page) = b.get(&order).await;
    assert!(page.contains("다시 주문하기 (Order again)"));
    // Ordering again makes a new order that can be paid.
    let again = b.place("notebook").await;
    assert_ne!(again, order);
    b.pay(&again, "BANK", "approve", "&bank_code=04").await;
    assert_eq!(b.state(&again).await, PaymentState::Approved);
    remove_db(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_orders_get_short_pages() {
    let db = temp_db();
    let b = open(db.clone()).await;
    let r = b
        .post_form("/orders", b"product=nope&buyer=x".to_vec())
        .await;
    assert_eq!(r.status(), 400);
    let long = pct(&"가".repeat(40));
    let r = b
        .post_form("/orders", format!("product=tea&buyer={long}").into_bytes())
        .await;
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("30바이트") && !text.contains("가가"),
        "{text}"
    );
    let (status, _) = b.get("/orders/DEMO-0-0000").await;
    assert_eq!(status, 404);
    // Markup characters in a buyer name are refused (P_UNAME forbids them)...
    let r = b
        .post_form(
            "/orders",
            format!("product=tea&buyer={}", pct("<i>홍</i>")).into_bytes(),
        )
        .await;
    assert_eq!(r.status(), 400);
    // ...and what is allowed is escaped on the pages.
    let r = b
        .post_form(
            "/orders",
            format!("product=tea&buyer={}", pct("O'Hong")).into_bytes(),
        )
        .await;
    assert_eq!(r.status(), 303);
    let order = r.headers()["location"].to_str().unwrap().to_owned();
    let (_, page) = b.get(&order).await;
    assert!(page.contains("O&#39;Hong") && !page.contains("O'Hong"));
    remove_db(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_ids_are_random_and_details_need_the_secret_link() {
    let db = temp_db();
    let b = open(db.clone()).await;
    let first = b.place("tea").await;
    let second = b.place("tea").await;
    for link in [&first, &second] {
        let id = id_of(link);
        let hex = id.strip_prefix("DEMO-").expect("DEMO- prefix");
        assert_eq!(hex.len(), 32, "{id}");
        assert!(hex.bytes().all(|c| c.is_ascii_hexdigit()), "{id}");
        assert!(id.len() <= 40 && OrderId::new(id).is_ok(), "a valid P_OID");
        let key = link.split_once("?key=").expect("the secret link").1;
        assert_eq!(key.len(), 64, "256-bit secret");
    }
    assert_ne!(id_of(&first), id_of(&second));
    let (h1, h2) = (
        id_of(&first).trim_start_matches("DEMO-"),
        id_of(&second).trim_start_matches("DEMO-"),
    );
    assert_ne!(&h1[..8], &h2[..8], "not a counter or a clock");

    // The link shows the order and its payment methods...
    let (_, owner) = b.get(&first).await;
    assert!(owner.contains("결제 수단 선택") && owner.contains("홍길동"));
    // ...the bare id, a wrong key or another order's key do not.
    let other_key = second.split_once("?key=").unwrap().1;
    for path in [
        public(&first),
        format!("{}?key={}", public(&first), "0".repeat(64)),
        format!("{}?key={other_key}", public(&first)),
        format!("{}?key=", public(&first)),
    ] {
        let (status, page) = b.get(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            !page.contains("결제 수단 선택") && !page.contains("method=CARD"),
            "{path}: {page}"
        );
        assert!(page.contains("홍**") && !page.contains("홍길동"), "{path}");
        assert!(
            page.contains("주문할 때 받은 링크"),
            "tells where the details are"
        );
    }

    // Placing the order sets the secret as a cookie scoped to the order's
    // path, which the browser brings back from the payment window.
    let r = b.order_as("mug", "홍길동").await;
    let link = r.headers()["location"].to_str().unwrap().to_owned();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    let key = link.split_once("?key=").unwrap().1;
    assert_eq!(
        cookie,
        format!(
            "order_key={key}; Path={}; HttpOnly; SameSite=Lax",
            public(&link)
        )
    );
    let page = b
        .get_with_cookie(&public(&link), &format!("order_key={key}"))
        .await;
    assert!(
        page.contains("결제 수단 선택"),
        "the cookie opens the order"
    );
    let page = b
        .get_with_cookie(&public(&link), &format!("order_key={other_key}"))
        .await;
    assert!(
        !page.contains("결제 수단 선택"),
        "another order's secret does not"
    );
    remove_db(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buyer_names_are_checked_when_the_order_is_placed() {
    let db = temp_db();
    let b = open(db.clone()).await;
    for blank in ["", "   ", "\u{3000}"] {
        let r = b.order_as("tea", blank).await;
        assert_eq!(r.status(), 400, "{blank:?}");
        let text = r.text().await.unwrap();
        assert!(text.contains("구매자 이름을 입력해 주세요"), "{text}");
    }
    // 16 Korean letters are 32 EUC-KR bytes: over P_UNAME's 30.
    let r = b.order_as("tea", &"가".repeat(16)).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("30바이트"));
    let r = b.order_as("tea", &"a".repeat(31)).await;
    assert_eq!(r.status(), 400);
    // An emoji has no EUC-KR form: refused now, not at checkout.
    let r = b.order_as("tea", "홍😀").await;
    assert_eq!(r.status(), 400);
    // What is accepted here is accepted by checkout: 15 letters, trimmed.
    for name in [" 가나다라마바사아자차카타파하가 ", &"a".repeat(30)] {
        let r = b.order_as("tea", name).await;
        assert_eq!(r.status(), 303, "{name:?}");
        let link = r.headers()["location"].to_str().unwrap().to_owned();
        let (status, page) = b
            .get(&format!("/inicis/checkout/{}?method=CARD", id_of(&link)))
            .await;
        assert_eq!(status, 200, "{name:?}: {page}");
        assert!(page.contains("P_CHKFAKE"), "a signed checkout form");
    }
    remove_db(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_payment_refunded_only_by_the_holder_of_its_secret() {
    let db = temp_db();
    let b = open(db.clone()).await;
    let order = b.place("mug").await;
    b.pay(
        &order,
        "CARD",
        "approve",
        "&card_code=04&card_number=4111111111111111",
    )
    .await;
    let key = order.split_once("?key=").unwrap().1.to_owned();
    let cookie = format!("order_key={key}");
    let form = format!("action=\"{}/refund\"", public(&order));

    // The buyer's page offers the button; a visitor's does not.
    let (_, owner) = b.get(&order).await;
    assert!(owner.contains(&form), "{owner}");
    assert!(owner.contains("결제 취소 (Cancel payment)"));
    let (_, visitor) = b.get(&public(&order)).await;
    assert!(!visitor.contains("/refund\"") && !visitor.contains("결제 취소 (Cancel payment)"));

    // Without the secret, or with another order's: 403, nothing changes.
    let other = b.place("tea").await;
    let other_key = other.split_once("?key=").unwrap().1;
    for c in [
        None,
        Some(format!("order_key={other_key}")),
        Some("order_key=".to_owned()),
        Some(format!("order_key={}", "0".repeat(64))),
    ] {
        let r = b.refund(&order, c.as_deref()).await;
        assert_eq!(r.status(), 403, "{c:?}");
        let text = r.text().await.unwrap();
        assert!(
            text.contains("권한 없음 <small>(Forbidden)</small>"),
            "{text}"
        );
        assert!(!text.contains("INIMX_"), "no TID to a stranger");
    }
    assert_eq!(b.state(&order).await, PaymentState::Approved);
    assert_eq!(b.gateway_status(&order), TxnStatus::Approved);

    // A lost answer is "being checked", not a success: INICIS answers 500
    // (the call has no effect there), the books stay paid.
    b.sandbox.inject(Endpoint::IniapiV1, Fault::Http500, 1);
    let r = b.refund(&order, Some(&cookie)).await;
    assert_eq!(r.status(), 202);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("확인 중 <small>(Being checked)</small>"),
        "{text}"
    );
    assert!(text.contains("다시 누르지 마세요"), "{text}");
    assert_eq!(b.state(&order).await, PaymentState::Approved);
    assert_eq!(b.gateway_status(&order), TxnStatus::Approved);

    // With the secret: refunded at INICIS and in the books, 303 back to the
    // order page, which says so and offers the button no more.
    let r = b.refund(&order, Some(&cookie)).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], public(&order).as_str());
    assert_eq!(b.state(&order).await, PaymentState::Refunded);
    assert_eq!(b.gateway_status(&order), TxnStatus::Cancelled);
    let page = b.get_with_cookie(&public(&order), &cookie).await;
    assert!(page.contains("data-state=\"refunded\""), "{page}");
    assert!(
        page.contains("환불 완료 <small>(Refunded)</small>"),
        "{page}"
    );
    assert!(
        page.contains("환불액 (Refunded)</th><td>56,000원"),
        "{page}"
    );
    assert!(!page.contains(&form), "{page}");
    assert!(!page.contains("4111111111111111") && !page.contains("411111"));

    // Pressing again (a reload that resubmits) changes nothing.
    let r = b.refund(&order, Some(&cookie)).await;
    assert_eq!(r.status(), 303);
    assert_eq!(b.state(&order).await, PaymentState::Refunded);
    let ledger = b
        .ledger
        .payment(&OrderId::new(id_of(&order)).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ledger.refunded.get(), 56_000);

    // An order never checked out has no payment to refund.
    let other_cookie = format!("order_key={other_key}");
    let r = b.refund(&other, Some(&other_cookie)).await;
    assert_eq!(r.status(), 404);
    remove_db(&db);
}

/// The owner's page for the order after paying with `method` and `choices`
/// (`button` in the window): the page the buyer's browser sees.
async fn outcome_page(b: &Browser, button: &str, choices: &str) -> (String, String) {
    let order = b.place("mug").await;
    b.pay(&order, "CARD", button, choices).await;
    let (status, page) = b.get(&order).await;
    assert_eq!(status, 200);
    (order, page)
}

/// The status box of a result page (title and sentences).
fn status_box(page: &str) -> &str {
    let start = page.find("<div class=\"status").expect("a status box");
    let end = page[start..].find("</div>").unwrap() + start;
    &page[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_decline_and_insufficient_funds_read_differently() {
    let db = temp_db();
    let b = open(db.clone()).await;

    // Cancelled in the window: the auth result is P_STATUS=01, which INICIS
    // also sends for a failed authentication (PROTOCOL.md 2.9): the page
    // says both, and shows INICIS's own words.
    let (cancel_order, cancel) = outcome_page(&b, "cancel", "").await;
    assert_eq!(b.state(&cancel_order).await, PaymentState::Failed);
    assert!(
        cancel.contains("취소 또는 인증 실패 <small>(Cancelled or not authenticated)</small>"),
        "{cancel}"
    );
    assert!(cancel.contains("결제가 취소되었거나 인증되지 않았습니다"));
    assert!(
        cancel.contains("인증 (authentication) · 코드 (code) 01"),
        "{cancel}"
    );
    assert!(cancel.contains(inipay_sandbox::mobile::USER_CANCEL_MSG));

    // Declined at approval (4000000000000002) and insufficient funds
    // (4000000000009995): both authenticated, both refused at approval with
    // P_STATUS=01 and no finer code, so the same headline; each shows the
    // gateway's message as sent.
    let (declined_order, declined) =
        outcome_page(&b, "approve", "&card_code=04&card_number=4000000000000002").await;
    let (poor_order, poor) =
        outcome_page(&b, "approve", "&card_code=04&card_number=4000000000009995").await;
    for (order, page) in [(&declined_order, &declined), (&poor_order, &poor)] {
        assert_eq!(b.state(order).await, PaymentState::Failed);
        assert!(
            page.contains("승인되지 않음 <small>(Not approved)</small>"),
            "{page}"
        );
        assert!(page.contains("승인 (approval) · 코드 (code) 01"), "{page}");
        assert!(page.contains("청구된 금액은 없습니다"));
        assert!(page.contains("다시 주문하기 (Order again)"));
        assert!(!page.contains("4000000000"), "no card number: {page}");
    }
    assert!(declined.contains("[카드사 승인거절]") && !declined.contains("[잔액부족]"));
    assert!(poor.contains("[잔액부족]") && !poor.contains("[카드사 승인거절]"));
    assert!(!cancel.contains("[카드사 승인거절]") && !cancel.contains("[잔액부족]"));
    // Three different pages: the cancel's headline differs from the
    // approval refusals'; the two refusals differ in INICIS's message.
    assert_ne!(status_box(&cancel), status_box(&declined));
    assert_ne!(
        attr_text_after(&declined, "INICIS 결과 (Gateway result)"),
        attr_text_after(&poor, "INICIS 결과 (Gateway result)")
    );
    // A visitor (no secret) reads the headline, not the gateway's answer.
    let (_, visitor) = b.get(&public(&declined_order)).await;
    assert!(visitor.contains("승인되지 않음") && !visitor.contains("INICIS 결과"));
    remove_db(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_order_shows_how_it_was_paid_and_offers_no_payment_window() {
    let db = temp_db();
    let b = open(db.clone()).await;
    let order = b.place("mug").await;
    let (_, before) = b.get(&order).await;
    assert!(before.contains("결제 수단 선택") && before.contains("/inicis/checkout/"));
    b.pay(
        &order,
        "CARD",
        "approve",
        "&card_code=04&card_number=4111111111111111&quota=03",
    )
    .await;
    assert_eq!(b.state(&order).await, PaymentState::Approved);
    // Going back to the order's own link shows the result, no methods.
    let (status, page) = b.get(&order).await;
    assert_eq!(status, 200);
    assert!(page.contains("결제 완료 <small>(Paid)</small>"), "{page}");
    assert!(
        !page.contains("결제 수단 선택") && !page.contains("/inicis/checkout/"),
        "{page}"
    );
    assert!(!page.contains("?method="), "no payment button: {page}");
    // The library's checkout refuses a paid order (409) should the browser
    // come back to it.
    let (status, _) = b
        .get(&format!("/inicis/checkout/{}?method=CARD", id_of(&order)))
        .await;
    assert_eq!(status, 409);
    // How it was paid, from the approval reply in the journal.
    assert!(
        page.contains("결제 수단 (Method)</th><td>신용카드 (Credit card)"),
        "{page}"
    );
    assert!(
        page.contains("카드사 (Card company)</th><td>현대카드"),
        "{page}"
    );
    assert!(
        page.contains("할부 (Installments)</th><td>3개월 (3 months)"),
        "{page}"
    );
    let auth_no = attr_text_after(&page, "승인번호 (Approval no.)");
    assert!(auth_no.contains('>'), "{auth_no}");
    let digits: String = auth_no.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(digits.len(), 8, "{auth_no}");
    assert!(attr_text_after(&page, "승인 시각 (Approved at)").ends_with(" KST"));
    let tid = b
        .ledger
        .payment(&OrderId::new(id_of(&order)).unwrap())
        .await
        .unwrap()
        .unwrap()
        .tid
        .unwrap();
    assert!(page.contains(&format!(
        "https://iniweb.inicis.com/DefaultWebApp/mall/cr/cm/mCmReceipt_head.jsp?noTid={}&amp;noMethod=1",
        tid.as_str()
    )));
    assert!(!page.contains("4111111111111111") && !page.contains("411111*"));
    // A visitor sees neither the details nor the receipt.
    let (_, visitor) = b.get(&public(&order)).await;
    assert!(!visitor.contains("승인번호") && !visitor.contains("iniweb.inicis.com"));
    remove_db(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_seven_methods_are_offered_and_gift_cards_pay() {
    let db = temp_db();
    let b = open(db.clone()).await;
    let order = b.place("tea").await;
    let (_, page) = b.get(&order).await;
    let offered: Vec<&str> = page
        .match_indices("?method=")
        .map(|(i, _)| {
            let rest = &page[i + "?method=".len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(
        offered,
        ["CARD", "BANK", "VBANK", "MOBILE", "CULTURE", "HPMN", "DGCL"]
    );
    for (method, name) in [
        ("CULTURE", "문화상품권"),
        ("HPMN", "해피머니"),
        ("DGCL", "스마트문상"),
    ] {
        assert!(page.contains(name), "{name}");
        let order = b.place("tea").await;
        b.pay(&order, method, "approve", "").await;
        assert_eq!(b.state(&order).await, PaymentState::Approved, "{method}");
        let (_, paid) = b.get(&order).await;
        assert!(
            paid.contains(&format!("상품권 (Gift card)</th><td>{name}")),
            "{method}: {paid}"
        );
    }
    remove_db(&db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_get_a_friendly_page() {
    let db = temp_db();
    let b = open(db.clone()).await;
    for path in ["/nope", "/orders/DEMO-1/nope", "/favicon.ico"] {
        let r = b.http.get(b.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let text = r.text().await.unwrap();
        assert!(
            text.contains("페이지 없음 <small>(Page not found)</small>"),
            "{path}: {text}"
        );
        assert!(
            text.contains("요청하신 페이지를 찾을 수 없습니다")
                && text.contains("We could not find this page")
        );
        assert!(text.contains("href=\"/\""), "a way back");
    }
    // An error actix answers itself on a shop route (the order form over
    // its 16 KiB limit): a friendly page too, not actix's plain text.
    let r = b.post_form("/orders", vec![b'a'; 20 * 1024]).await;
    assert_eq!(r.status(), 413);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("요청이 너무 큽니다 <small>(Request too large)</small>"),
        "{text}"
    );
    // The adapter's routes answer as before: bare 404, no shop page.
    let (status, text) = b.get("/inicis/nope").await;
    assert_eq!(status, 404);
    assert!(text.is_empty(), "{text}");
    remove_db(&db);
}
