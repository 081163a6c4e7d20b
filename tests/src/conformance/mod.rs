//! The adapter conformance suite: the same HTTP requests against every web
//! framework adapter, the same observable results expected (STYLE.md,
//! "Adapters").
//!
//! Each scenario gets a fresh [`Harness`]: a real `inipay-sandbox` on
//! 127.0.0.1 with a manual clock, a [`Flow`] pointed at it with an in-memory
//! ledger and an event recorder, and the framework's server started on
//! 127.0.0.1 by a [`Serve`] function. The scenarios ([`scenarios`]) only see an
//! [`AppUnderTest`]: the server's base URL and its ledger.
//!
//! Adding a framework is one function of type [`Serve`] (see [`rocket`],
//! [`actix`] and [`axum`]) and one line in `tests/tests/conformance.rs`.
//!
//! ```no_run
//! # async fn demo() {
//! use inipay_tests::conformance::{Harness, rocket, scenarios};
//! let h = Harness::start(rocket::serve).await;
//! scenarios::card_paid(&h).await;
//! h.stop().await;
//! # }
//! ```

pub mod actix;
pub mod axum;
pub mod billing;
pub mod browser;
pub mod hostile;
pub mod ledgers;
pub mod loose_ends;
pub mod rocket;
pub mod scenarios;
pub mod shop;
pub mod trust;

use inipay_core::client::{ClientConfig, GatewayClient};
use inipay_core::config::{Endpoints, Merchant, test_keys};
use inipay_core::flow::{
    BoxFuture, CheckoutSource, Delivery, EventHandler, Flow, FlowConfig, FlowEvent, HandlerError,
};
use inipay_core::ledger::{Ledger, MemoryStore};
use inipay_core::mobile::NotiIpAllowList;
use inipay_core::time::Timestamp;
use inipay_sandbox::clock::Clock;
use inipay_sandbox::{Sandbox, SandboxConfig};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// 2024-01-01 12:00:00 KST, the sandbox's and the app's clock.
pub const T0: u64 = 1_704_078_000_000;

/// Where every adapter mounts its routes in the suite.
pub const MOUNT: &str = "/inicis";

/// The result page every adapter is configured with.
pub fn result_page(order_id: &str) -> String {
    format!("/orders/{order_id}")
}

/// What a framework adapter needs to serve the routes.
#[derive(Clone)]
pub struct AppSpec {
    /// The flow (its config says `public_base_url` and [`MOUNT`]).
    pub flow: Arc<Flow>,
    /// The app's orders.
    pub source: Arc<dyn CheckoutSource>,
    /// The result page for an order id ([`result_page`]).
    pub result_page: fn(&str) -> String,
    /// The app's clock (fixed at [`T0`]).
    pub now: fn() -> Timestamp,
    /// The port on 127.0.0.1 to listen on (the flow's public base URL uses it).
    pub port: u16,
    /// A trusted proxy header for the notification source (default none).
    pub proxy_header: Option<&'static str>,
}

/// A running server; stop it with [`Running::stop`].
pub struct Running {
    stop: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl Running {
    /// A running server stopped by calling `stop`.
    pub fn new(stop: impl FnOnce() + Send + Sync + 'static) -> Running {
        Running {
            stop: Some(Box::new(stop)),
        }
    }

    /// Asks the server to shut down.
    pub fn stop(mut self) {
        if let Some(f) = self.stop.take() {
            f();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(f) = self.stop.take() {
            f();
        }
    }
}

/// Starts a framework's server for `spec` and returns when it accepts
/// connections.
pub type Serve = fn(AppSpec) -> BoxFuture<'static, Running>;

/// The app as the scenarios see it: where it listens and what it remembers.
#[derive(Clone)]
pub struct AppUnderTest {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base_url: String,
    /// The mount point ([`MOUNT`]).
    pub mount: String,
    /// The app's payment ledger.
    pub ledger: Arc<dyn Ledger>,
    /// The app's flow (for the calls an app makes itself, such as
    /// [`Flow::confirm_parked`]).
    pub flow: Arc<Flow>,
}

impl AppUnderTest {
    /// `base_url + mount + path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}{path}", self.base_url, self.mount)
    }
}

/// Every delivery the app's handler received, in order.
#[derive(Debug, Default)]
pub struct Recorder {
    deliveries: Mutex<Vec<Delivery>>,
}

impl Recorder {
    /// The events so far.
    pub fn events(&self) -> Vec<FlowEvent> {
        self.deliveries().into_iter().map(|d| d.event).collect()
    }

    /// The deliveries so far (with their event ids).
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default()
    }

    /// How many events match `pred`.
    pub fn count(&self, pred: impl Fn(&FlowEvent) -> bool) -> usize {
        self.events().iter().filter(|e| pred(e)).count()
    }
}

impl EventHandler for Recorder {
    fn handle<'a>(
        &'a self,
        delivery: &'a Delivery,
    ) -> Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>> {
        if let Ok(mut e) = self.deliveries.lock() {
            e.push(delivery.clone());
        }
        Box::pin(async { Ok(()) })
    }
}

/// Options of a harness.
#[derive(Clone, Default)]
pub struct Options {
    /// The flow's notification source allow-list (default: none, any source).
    pub noti_sources: Option<NotiIpAllowList>,
    /// The adapter's trusted proxy header (default: none, the TCP peer).
    pub proxy_header: Option<&'static str>,
    /// The ledger (default: a fresh [`MemoryStore`]); fault scenarios pass a
    /// wrapper that fails on purpose.
    pub ledger: Option<Arc<dyn Ledger>>,
    /// Which TID net cancels name (default: the auth TID).
    pub net_cancel_tid: inipay_core::flow::NetCancelTid,
    /// The sandbox sends notifications in the payment's `P_CHARSET` (UTF-8
    /// here) instead of EUC-KR (PROTOCOL.md 8.4 is open; default `false`).
    pub noti_in_p_charset: bool,
    /// The gateway client's whole-request timeout (default: the client's).
    pub client_timeout: Option<std::time::Duration>,
    /// What the flow does with a notification it cannot confirm yet
    /// (default: ask INICIS to retry).
    pub when_unconfirmed: inipay_core::flow::WhenUnconfirmed,
    /// Billing keys: the merchant is the billing test MID `INIBillTst`
    /// (its INILite key) with these settings, instead of `INIpayTest`.
    pub billing: Option<inipay_core::flow::BillingConfig>,
}

/// One scenario's world: sandbox, app, event recorder, HTTP client.
pub struct Harness {
    /// The local INICIS.
    pub sandbox: Sandbox,
    /// The sandbox clock (manual, at [`T0`]).
    pub clock: Clock,
    /// The app under test.
    pub app: AppUnderTest,
    /// What the app's event handler received.
    pub events: Arc<Recorder>,
    /// A client that does not follow redirects (the test plays the browser).
    pub http: reqwest::Client,
    running: Running,
}

fn fixed_now() -> Timestamp {
    Timestamp::from_unix_millis(T0)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

impl Harness {
    /// A harness with default [`Options`].
    pub async fn start(serve: Serve) -> Harness {
        Harness::start_with(serve, Options::default()).await
    }

    /// Starts the sandbox and the app served by `serve`.
    pub async fn start_with(serve: Serve, options: Options) -> Harness {
        let clock = Clock::manual(T0);
        let mut sandbox_config = SandboxConfig::default().with_clock(clock.clone());
        sandbox_config.noti_follows_p_charset = options.noti_in_p_charset;
        let sandbox = Sandbox::start(sandbox_config)
            .await
            .expect("sandbox starts");
        let port = free_port();
        let base_url = format!("http://127.0.0.1:{port}");
        let (mid, keys) = match options.billing {
            Some(_) => ("INIBillTst", test_keys::ini_bill_tst()),
            None => ("INIpayTest", test_keys::inipay_test()),
        };
        let merchant = Merchant::test(
            mid,
            keys,
            Endpoints::sandbox(sandbox.base_url()).expect("sandbox endpoints"),
        )
        .expect("test merchant");
        let mut config = FlowConfig::new(&base_url, MOUNT).expect("flow config");
        config.noti_sources = options.noti_sources;
        config.net_cancel_tid = options.net_cancel_tid;
        config.confirm.when_unconfirmed = options.when_unconfirmed;
        let mut client_config = ClientConfig::default();
        if let Some(t) = options.client_timeout {
            client_config.total_timeout = t;
        }
        let ledger: Arc<dyn Ledger> = options
            .ledger
            .clone()
            .unwrap_or_else(|| Arc::new(MemoryStore::new()));
        let events = Arc::new(Recorder::default());
        let mut flow = Flow::new(
            merchant,
            GatewayClient::new(client_config).expect("gateway client"),
            ledger.clone(),
            config,
        )
        .with_events(events.clone());
        if let Some(b) = options.billing {
            flow = flow.with_billing(b);
        }
        let flow = Arc::new(flow);
        let spec = AppSpec {
            flow: flow.clone(),
            source: Arc::new(shop::Shop),
            result_page,
            now: fixed_now,
            port,
            proxy_header: options.proxy_header,
        };
        let running = serve(spec).await;
        Harness {
            sandbox,
            clock,
            app: AppUnderTest {
                base_url,
                mount: MOUNT.to_owned(),
                ledger,
                flow,
            },
            events,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
            running,
        }
    }

    /// Stops the app and the sandbox.
    pub async fn stop(self) {
        self.running.stop();
        self.sandbox.shutdown().await;
        // Every scenario: the app heard each event once (by id).
        let deliveries = self.events.deliveries();
        let ids: std::collections::HashSet<_> = deliveries.iter().map(|d| d.id.clone()).collect();
        assert_eq!(
            ids.len(),
            deliveries.len(),
            "an event delivered twice: {deliveries:?}"
        );
    }
}
