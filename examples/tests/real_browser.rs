//! The demo shop in a real browser: headless Chromium driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`) clicks through
//!
//! 1. a card payment: products -> order -> card -> the checkout page
//!    auto-submits (EUC-KR) to the sandbox window -> approve -> the window
//!    auto-submits to `P_NEXT_URL` -> the result page says paid and, for the
//!    buyer's own browser (the order's secret cookie), shows the TID;
//! 2. its refund (환불): the result page's "결제 취소 (Cancel payment)" button
//!    -> INIAPI refund -> back on the order page, which says refunded;
//! 3. a virtual account (가상계좌): order -> VBANK -> the result page shows the
//!    issued account and waits for the deposit (입금 대기) -> the sandbox
//!    dashboard linked from the shop -> this order's 입금통보 (deposit)
//!    button -> the sandbox notifies the shop, which confirms by inquiry ->
//!    the dashboard confirms what was sent and the row says 입금완료
//!    (deposited) -> the order page, reloaded until it says the deposit
//!    arrived;
//! 4. a card with insufficient funds (`4000000000009995`): the result page
//!    says "승인되지 않음 (Not approved)" with INICIS's message.
//!
//! All at phone size: the window is 360 x 740 CSS pixels, and on every page
//! (home, order, result pages, dashboard) the document is no wider than the
//! window (`document.documentElement.scrollWidth <= innerWidth`: no
//! horizontal scroll; long values such as the 40-character TID wrap).
//!
//! A PNG screenshot of each step goes to
//! `target/browser-screenshots/NN-step.png` (the workspace's target
//! directory, or `CARGO_TARGET_DIR`).
//!
//! Skips with a message when chromedriver is not installed, unless
//! `INIPAY_REQUIRE_BROWSER=1` (set by `.ci/run` after installing it).

use base64::Engine as _;
use inipay_examples::shop::{self, LedgerChoice, RunningShop, ShopConfig};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long any one wait may take.
const WAIT: Duration = Duration::from_secs(20);
/// How long the deposit may take to reach the order page: sandbox -> shop
/// `/inicis/noti` -> INIAPI inquiry -> ledger.
const DEPOSIT_WAIT: Duration = Duration::from_secs(30);

struct Driver {
    base: String,
    http: reqwest::Client,
    child: Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let d = Driver {
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            child,
        };
        // Wait (bounded) until chromedriver answers.
        let deadline = Instant::now() + Duration::from_secs(20);
        while d
            .http
            .get(format!("{}/status", d.base))
            .send()
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "chromedriver did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        d
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        assert!(
            v["value"].get("error").is_none(),
            "webdriver error on {path}: {v}"
        );
        v["value"].clone()
    }

    async fn session(&self) -> String {
        let data_dir = profile_dir();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1200,1400",
                format!("--user-data-dir={}", data_dir.display())
            ]}
        }}});
        let v = self
            .call(reqwest::Method::POST, "/session", Some(caps))
            .await;
        v["sessionId"].as_str().unwrap().to_owned()
    }
}

fn profile_dir() -> PathBuf {
    std::env::temp_dir().join(format!("inipay-chromium-{}", std::process::id()))
}

/// `target/browser-screenshots` under the workspace's target directory
/// (`CARGO_TARGET_DIR` when set, relative to the workspace root).
fn screenshot_dir() -> PathBuf {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = examples.parent().unwrap_or(examples);
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| {
            if t.is_absolute() {
                t
            } else {
                workspace.join(t)
            }
        })
        .unwrap_or_else(|| workspace.join("target"));
    target.join("browser-screenshots")
}

struct Session<'a> {
    d: &'a Driver,
    id: String,
    shots: PathBuf,
}

impl Session<'_> {
    async fn go(&self, url: &str) {
        self.d
            .call(
                reqwest::Method::POST,
                &format!("/session/{}/url", self.id),
                Some(json!({"url": url})),
            )
            .await;
    }

    async fn click(&self, css: &str) {
        let e = self.wait_for(css).await;
        self.click_element(&e).await;
    }

    async fn click_element(&self, e: &str) {
        self.d
            .call(
                reqwest::Method::POST,
                &format!("/session/{}/element/{e}/click", self.id),
                Some(json!({})),
            )
            .await;
    }

    /// The rendered text of an element.
    async fn text(&self, e: &str) -> String {
        let v = self
            .d
            .call(
                reqwest::Method::GET,
                &format!("/session/{}/element/{e}/text", self.id),
                None,
            )
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// An attribute of an element.
    async fn attribute(&self, e: &str, name: &str) -> String {
        let v = self
            .d
            .call(
                reqwest::Method::GET,
                &format!("/session/{}/element/{e}/attribute/{name}", self.id),
                None,
            )
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Saves a PNG of the viewport as `NN-name.png` in the screenshot
    /// directory; its path.
    async fn screenshot(&self, name: &str) -> PathBuf {
        let v = self
            .d
            .call(
                reqwest::Method::GET,
                &format!("/session/{}/screenshot", self.id),
                None,
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64 PNG"))
            .expect("valid base64");
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 1_000,
            "{name}: not a PNG"
        );
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, &png).unwrap();
        eprintln!("screenshot: {}", path.display());
        path
    }

    async fn source(&self) -> String {
        let v = self
            .d
            .call(
                reqwest::Method::GET,
                &format!("/session/{}/source", self.id),
                None,
            )
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    async fn current_url(&self) -> String {
        let v = self
            .d
            .call(
                reqwest::Method::GET,
                &format!("/session/{}/url", self.id),
                None,
            )
            .await;
        v.as_str().unwrap_or_default().to_owned()
    }

    /// Sets the window to `width` x `height` and returns the viewport's
    /// CSS width (`innerWidth`).
    async fn resize(&self, width: u32, height: u32) -> u64 {
        self.d
            .call(
                reqwest::Method::POST,
                &format!("/session/{}/window/rect", self.id),
                Some(json!({"width": width, "height": height})),
            )
            .await;
        self.widths().await.1
    }

    /// `document.documentElement.scrollWidth` and `window.innerWidth`.
    async fn widths(&self) -> (u64, u64) {
        let v = self
            .d
            .call(
                reqwest::Method::POST,
                &format!("/session/{}/execute/sync", self.id),
                Some(json!({
                    "script": "return [document.documentElement.scrollWidth, window.innerWidth];",
                    "args": []
                })),
            )
            .await;
        let n = |i: usize| v[i].as_u64().unwrap_or_else(|| panic!("a width: {v}"));
        (n(0), n(1))
    }

    /// Asserts the page does not scroll sideways, then saves its screenshot.
    async fn fits(&self, name: &str) {
        let (scroll, inner) = self.widths().await;
        let path = self.screenshot(name).await;
        assert!(
            scroll <= inner,
            "{name}: horizontal scroll ({scroll} px of content in a {inner} px window) at {}; see {}",
            self.current_url().await,
            path.display()
        );
    }

    /// Types `text` into an (emptied) input.
    async fn type_into(&self, css: &str, text: &str) {
        let e = self.wait_for(css).await;
        self.d
            .call(
                reqwest::Method::POST,
                &format!("/session/{}/element/{e}/clear", self.id),
                Some(json!({})),
            )
            .await;
        self.d
            .call(
                reqwest::Method::POST,
                &format!("/session/{}/element/{e}/value", self.id),
                Some(json!({"text": text})),
            )
            .await;
    }

    /// Waits (bounded) until an element matching `css` exists; its id.
    async fn wait_for(&self, css: &str) -> String {
        self.wait_for_by("css selector", css).await
    }

    /// Waits (bounded) until an element matching the XPath exists; its id.
    async fn wait_for_xpath(&self, xpath: &str) -> String {
        self.wait_for_by("xpath", xpath).await
    }

    async fn wait_for_by(&self, using: &str, css: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let v: Value = self
                .d
                .http
                .post(format!("{}/session/{}/element", self.d.base, self.id))
                .json(&json!({"using": using, "value": css}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(id) = v["value"][ELEMENT].as_str() {
                return id.to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "no element {css}; page: {}",
                self.source().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (bounded) until the page text contains `needle`.
    async fn wait_text(&self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let s = self.source().await;
            if s.contains(needle) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "{needle:?} never appeared at {}: {s}",
                self.current_url().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The text of the first table cell after `marker` in `html`.
fn cell_after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in page"));
    let td = html[start..].find("<td").unwrap() + start;
    let open = html[td..].find('>').unwrap() + td + 1;
    html[open..open + html[open..].find("</td>").unwrap()].to_owned()
}

/// The order id in a URL ending in `/orders/{id}`.
fn order_id_of(url: &str) -> String {
    let tail = url.rsplit("/orders/").next().unwrap();
    tail.split(['?', '/', '#']).next().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_refund_and_virtual_account_deposit_clicked_through_in_chromium() {
    let required = std::env::var("INIPAY_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        assert!(
            !required,
            "INIPAY_REQUIRE_BROWSER=1 but {CHROMEDRIVER} or {CHROMIUM} is missing"
        );
        eprintln!(
            "SKIPPED: real-browser test needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
        );
        return;
    }
    let shots = screenshot_dir();
    // Only this run's pictures: an old run's must not pass for this one's.
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let db = std::env::temp_dir().join(format!("inipay-browser-{}.db", std::process::id()));
    let RunningShop {
        url,
        server,
        sandbox,
        ..
    } = shop::start(ShopConfig {
        port: 0,
        sandbox_port: 0,
        ledger: LedgerChoice::Sqlite(db.clone()),
        workers: 1,
    })
    .await
    .unwrap();
    tokio::spawn(server);

    let driver = Driver::start().await;
    let s = Session {
        id: driver.session().await,
        d: &driver,
        shots,
    };
    // A phone: 360 CSS pixels wide (headless Chromium has no window
    // decorations, so the viewport is the window).
    let inner = s.resize(360, 740).await;
    assert!(inner <= 360, "the viewport is phone-sized: {inner}");

    // 1. Card payment.
    s.go(&format!("{url}/")).await;
    s.wait_text("주문하기").await;
    s.fits("01-home").await;
    s.click("form button.btn").await; // first product: order
    s.wait_text("결제 수단 선택").await;
    let card_link = s.current_url().await;
    for code in ["CARD", "BANK", "VBANK", "MOBILE", "CULTURE", "HPMN", "DGCL"] {
        s.wait_for(&format!("a[href$='method={code}']")).await;
    }
    s.fits("01b-order").await;
    s.click("a[href*='method=CARD']").await; // pay by card
    // The checkout page auto-submits to the sandbox window (EUC-KR form).
    s.click("button.approve").await;
    let page = s.wait_text("결제 완료").await;
    let card_url = s.current_url().await;
    assert!(
        card_url.starts_with(&format!("{url}/orders/")),
        "landed on the result page"
    );
    // The browser came back from the payment window to `/orders/{id}`
    // without the link's `?key=`; the order's cookie still opens its details.
    assert!(
        page.contains("거래번호 (TID)") && page.contains("INIMX_CARD"),
        "the buyer's browser sees the approval TID"
    );
    assert!(page.contains("data-state=\"approved\""), "{page}");
    assert!(
        page.contains("결제 수단 (Method)</th><td>신용카드 (Credit card)")
            && page.contains("승인번호 (Approval no.)"),
        "{page}"
    );
    s.fits("02-card-paid").await;
    // Back to the order's own link: the result, no payment methods.
    s.go(&card_link).await;
    let page = s.wait_text("data-state=\"approved\"").await;
    assert!(
        !page.contains("결제 수단 선택") && !page.contains("/inicis/checkout/"),
        "a paid order offers no payment window: {page}"
    );

    // 2. Its refund: the button posts to `/orders/{id}/refund` with the
    // order's cookie; the shop refunds through INIAPI and sends the browser
    // back to the order page.
    let card_id = order_id_of(&card_url);
    let refund = format!("form[action='/orders/{card_id}/refund'] button");
    let button = s.wait_for(&refund).await;
    assert_eq!(s.text(&button).await, "결제 취소 (Cancel payment)");
    s.click_element(&button).await;
    let page = s.wait_text("data-state=\"refunded\"").await;
    assert_eq!(
        s.current_url().await,
        format!("{url}/orders/{card_id}"),
        "redirected back to the order page"
    );
    assert!(
        page.contains("환불 완료 <small>(Refunded)</small>"),
        "{page}"
    );
    assert!(
        page.contains("결제가 취소되어 전액 환불되었습니다.")
            && page.contains("The payment was cancelled and refunded in full"),
        "{page}"
    );
    assert!(
        page.contains("환불액 (Refunded)</th><td>12,000원"),
        "{page}"
    );
    assert!(
        !page.contains("/refund'") && !page.contains("/refund\""),
        "no second refund button"
    );
    assert!(
        !page.contains("4111111111111111"),
        "no card number on the page"
    );
    s.fits("03-card-refunded").await;

    // 3. Virtual account: the second product, paid by VBANK.
    s.go(&format!("{url}/")).await;
    s.click(".grid .card:nth-child(2) form button.btn").await;
    s.click("a[href*='method=VBANK']").await;
    s.click("button.approve").await; // the window's default bank
    let page = s.wait_text("data-state=\"vbank_issued\"").await;
    let vbank_url = s.current_url().await;
    let vbank_id = order_id_of(&vbank_url);
    assert_ne!(vbank_id, card_id);
    assert!(
        page.contains("입금 대기 <small>(Awaiting deposit)</small>"),
        "{page}"
    );
    let account = cell_after(&page, "계좌번호 (Account)");
    assert!(
        account.len() >= 10 && account.bytes().all(|c| c.is_ascii_digit()),
        "the buyer sees the account to pay into: {account}"
    );
    assert!(page.contains("8,500원"), "{page}");
    let tid = cell_after(&page, "거래번호 (TID)");
    assert!(tid.starts_with("INIMX_VBNK"), "{tid}");
    assert!(
        !page.contains("결제 취소 (Cancel payment)"),
        "nothing to refund yet"
    );
    s.fits("04-vbank-issued").await;

    // The sandbox dashboard, from the shop's own link.
    let link = s.wait_for("header nav a[target='_blank']").await;
    let dashboard = s.attribute(&link, "href").await;
    assert_eq!(dashboard, sandbox.url("/sandbox/"));
    s.go(&dashboard).await;
    s.wait_text("INICIS 샌드박스 대시보드").await;
    // This order's row (naming its goods and amount), and in it the
    // deposit form for this TID.
    let row = format!("//div[@class='txn'][@data-oid='{vbank_id}']");
    let text = s.text(&s.wait_for_xpath(&row).await).await;
    assert!(
        text.contains(&vbank_id) && text.contains("한지 노트") && text.contains("8,500원"),
        "{text}"
    );
    let deposit = format!(
        "{row}//form[@action='/sandbox/deposit'][input[@name='tid'][@value='{tid}']]/button"
    );
    let button = s.wait_for_xpath(&deposit).await;
    s.fits("05-dashboard").await;
    s.click_element(&button).await;
    // The sandbox marks it deposited, queues the `02` notification and
    // says what it sent.
    let confirm = s
        .wait_for_xpath(&format!("//div[@class='confirm'][@data-deposited='{tid}']"))
        .await;
    let text = s.text(&confirm).await;
    assert!(
        text.contains("입금통보를 보냈습니다")
            && text.contains(&vbank_id)
            && text.contains("8,500원")
            && text.contains("P_STATUS=02"),
        "{text}"
    );
    s.wait_for_xpath(&format!(
        "{row}//span[@data-status][starts-with(normalize-space(), '입금완료')]"
    ))
    .await;
    s.fits("05b-dashboard-deposited").await;

    // Back on the shop's order page: reload (bounded) until the
    // notification has been confirmed and applied.
    let deadline = Instant::now() + DEPOSIT_WAIT;
    let page = loop {
        s.go(&format!("{url}/orders/{vbank_id}")).await;
        let page = s.source().await;
        if page.contains("data-state=\"vbank_deposited\"") {
            break page;
        }
        assert!(
            Instant::now() < deadline,
            "the deposit never reached the order page; notification attempts: {:?}; page: {page}",
            sandbox.noti_attempts()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(
        page.contains("입금 확인 <small>(Deposit received)</small>"),
        "{page}"
    );
    assert!(
        page.contains("가상계좌 입금이 확인되었습니다. 주문을 준비하겠습니다.")
            && page.contains("Your deposit arrived; we are preparing your order."),
        "{page}"
    );
    // Refunded to the buyer's own bank account: explained, no button.
    assert!(
        page.contains("입금하신 분의 은행 계좌로 환불")
            && !page.contains("결제 취소 (Cancel payment)"),
        "{page}"
    );
    s.fits("06-vbank-deposited").await;

    // The notification and the shop's answer, in the transaction's history.
    s.go(&dashboard).await;
    s.wait_for_xpath(&format!(
        "{row}//li[@data-noti-status='02'][@data-delivered='true']"
    ))
    .await;

    // 4. A card with insufficient funds: refused at approval.
    s.go(&format!("{url}/")).await;
    s.click(".grid .card:nth-child(3) form button.btn").await;
    s.click("a[href*='method=CARD']").await;
    s.type_into("input[name='card_number']", "4000000000009995")
        .await;
    s.click("button.approve").await;
    let page = s.wait_text("data-state=\"failed\"").await;
    assert!(
        page.contains("승인되지 않음 <small>(Not approved)</small>")
            && page.contains("[잔액부족]")
            && page.contains("청구된 금액은 없습니다"),
        "{page}"
    );
    assert!(!page.contains("4000000000009995"), "no card number");
    s.fits("07-card-not-approved").await;

    let _ = driver
        .call(reqwest::Method::DELETE, &format!("/session/{}", s.id), None)
        .await;
    let _ = std::fs::remove_dir_all(profile_dir());
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}
