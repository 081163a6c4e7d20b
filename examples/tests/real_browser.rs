//! The demo shop in a real browser: headless Chromium driven over WebDriver
//! (Debian's `chromium` and `chromium-driver`) clicks through a card payment:
//! products -> order -> card -> the checkout page auto-submits (EUC-KR) to the
//! sandbox window -> approve -> the window auto-submits to `P_NEXT_URL` ->
//! the result page says paid and, for the buyer's own browser (the order's
//! secret cookie), shows the TID.
//!
//! Skips with a message when chromedriver is not installed, unless
//! `INIPAY_REQUIRE_BROWSER=1` (set by `.ci/run` after installing it).

use inipay_examples::shop::{self, LedgerChoice, RunningShop, ShopConfig};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

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
                "--disable-dev-shm-usage", format!("--user-data-dir={}", data_dir.display())
            ]}
        }}});
        let v = self
            .call(reqwest::Method::POST, "/session", Some(caps))
            .await;
        v["sessionId"].as_str().unwrap().to_owned()
    }
}

fn profile_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("inipay-chromium-{}", std::process::id()))
}

struct Session<'a> {
    d: &'a Driver,
    id: String,
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
        self.d
            .call(
                reqwest::Method::POST,
                &format!("/session/{}/element/{e}/click", self.id),
                Some(json!({})),
            )
            .await;
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

    /// Waits (bounded) until an element matching `css` exists; its id.
    async fn wait_for(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let v: Value = self
                .d
                .http
                .post(format!("{}/session/{}/element", self.d.base, self.id))
                .json(&json!({"using": "css selector", "value": css}))
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
        let deadline = Instant::now() + Duration::from_secs(20);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn card_payment_clicked_through_in_chromium() {
    let required = std::env::var("INIPAY_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        assert!(
            !required,
            "INIPAY_REQUIRE_BROWSER=1 but {CHROMEDRIVER} or {CHROMIUM} is missing"
        );
        eprintln!(
            "SKIPPED: real-browser test needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
        );
        return;
    }
    let db = std::env::temp_dir().join(format!("inipay-browser-{}.db", std::process::id()));
    let RunningShop {
        url,
        server,
        sandbox: _sandbox,
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
    };
    s.go(&format!("{url}/")).await;
    s.wait_text("주문하기").await;
    s.click("form button.btn").await; // first product: order
    s.click("a[href*='method=CARD']").await; // pay by card
    // The checkout page auto-submits to the sandbox window (EUC-KR form).
    s.click("button.approve").await;
    let page = s.wait_text("결제 완료").await;
    assert!(
        s.current_url().await.starts_with(&format!("{url}/orders/")),
        "landed on the result page"
    );
    // The browser came back from the payment window to `/orders/{id}`
    // without the link's `?key=`; the order's cookie still opens its details.
    assert!(
        page.contains("거래번호 (TID)") && page.contains("INIMX_CARD"),
        "the buyer's browser sees the approval TID"
    );

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
