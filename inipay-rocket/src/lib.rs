//! # inipay-rocket
//!
//! [Rocket](https://rocket.rs) routes for KG INICIS mobile payments. The
//! adapter only translates HTTP to [`inipay_core::flow::Flow`] calls and back:
//! every payment decision (approval, verification, net cancel 망취소, ledger)
//! is made by the flow, the same for every framework.
//!
//! Mount [`Inicis::routes`] at [`FlowConfig::mount`] and attach
//! [`Inicis::fairing`]; the fairing checks at ignite that the routes are
//! mounted where `P_NEXT_URL`/`P_NOTI_URL` point and manages the shared state
//! (the pattern of `rocket_db_pools` and `FileServer`).
//!
//! | route | what it does |
//! |---|---|
//! | `GET {mount}/checkout/<order_id>?method=CARD` | auto-submitting page that posts the signed form to INICIS (`text/html; charset=utf-8`); `404` unknown order; `400` bad method or field |
//! | `POST {mount}/next?oid=...` | auth result (인증결과) -> [`Flow::next`] -> `303` to the result page |
//! | `GET {mount}/next?oid=...&P_STATUS=...` | the same, with the result in the query string (`nextUrl=GET`) |
//! | `POST {mount}/noti` | notification (노티) -> [`Flow::noti`] -> exactly its status and body (`OK`) |
//! | `GET {mount}/return?oid=...` | 1trs landing (`P_RETURN_URL`) -> `303` to the result page |
//! | `POST` or `GET {mount}/billing/return?oid=...` | the billing-key result (`returnurl`) -> [`Flow::billing_return`] -> `303` to the result page |
//!
//! What the buyer's browser is answered is decided in core
//! ([`BrowserReply`](inipay_core::flow::BrowserReply)), the same for every
//! adapter.
//!
//! Bodies are read as raw bytes (EUC-KR or UTF-8, never Rocket's form
//! decoding), at most [`BODY_LIMIT`] bytes; a larger one is journaled
//! truncated by the flow and answered `413` with an empty body. No cookie is read or set, so the
//! gateway's cross-site POSTs work with `SameSite` cookies and CSRF
//! protection on the rest of the app. Absolute URLs come from
//! [`FlowConfig::public_base_url`], never from the `Host` header.
//!
//! ```
//! use inipay_core::client::{ClientConfig, GatewayClient};
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::flow::{BoxFuture, CheckoutSource, Flow, FlowConfig, OrderLookup};
//! use inipay_core::ledger::MemoryStore;
//! use inipay_core::mobile::{Method, PaymentRequest};
//! use inipay_core::order::{CheckoutContext, Order};
//! use inipay_core::types::{Amount, FieldError};
//! use rocket::http::Status;
//! use rocket::local::asynchronous::Client;
//! use std::sync::Arc;
//!
//! struct Cart { id: String }
//! impl Order for Cart {
//!     const METHODS: &'static [Method] = &[Method::Card];
//!     fn order_id(&self) -> &str { &self.id }
//!     fn amount(&self) -> Amount { Amount::won(1_000) }
//!     fn payment_request(&self, ctx: &CheckoutContext) -> Result<PaymentRequest, FieldError> {
//!         ctx.builder(self).goods("책").buyer_name("홍길동").build()
//!     }
//! }
//! struct Carts;
//! impl OrderLookup for Carts {
//!     type Order = Cart;
//!     fn find<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Option<Cart>> {
//!         Box::pin(async move { (id == "CART-1").then(|| Cart { id: id.to_owned() }) })
//!     }
//! }
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(),
//!     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
//! let flow = Arc::new(Flow::new(
//!     merchant,
//!     GatewayClient::new(ClientConfig::default())?,
//!     Arc::new(MemoryStore::new()),
//!     FlowConfig::new("https://shop.example.com", "/inicis")?,
//! ));
//! let inicis = inipay_rocket::Inicis::new(flow, Arc::new(Carts) as Arc<dyn CheckoutSource>)
//!     .result_page(|oid| format!("/orders/{oid}"));
//! let rocket = rocket::build()
//!     .attach(inicis.fairing())
//!     .mount(inicis.mount_path(), inicis.routes());
//!
//! let client = Client::tracked(rocket).await?;
//! let page = client.get("/inicis/checkout/CART-1?method=CARD").dispatch().await;
//! assert_eq!(page.status(), Status::Ok);
//! assert!(page.into_string().await.unwrap_or_default().contains("P_CHKFAKE"));
//! let missing = client.get("/inicis/checkout/NOPE?method=CARD").dispatch().await;
//! assert_eq!(missing.status(), Status::NotFound);
//! let back = client.get("/inicis/return?oid=CART-1").dispatch().await;
//! assert_eq!(back.status(), Status::SeeOther);
//! assert_eq!(back.headers().get_one("Location"), Some("/orders/CART-1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`FlowConfig::mount`]: inipay_core::flow::FlowConfig::mount
//! [`FlowConfig::public_base_url`]: inipay_core::flow::FlowConfig::public_base_url
//! [`Flow::next`]: inipay_core::flow::Flow::next
//! [`Flow::noti`]: inipay_core::flow::Flow::noti
//! [`Flow::billing_return`]: inipay_core::flow::Flow::billing_return

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod fairing;
mod http;
mod routes;

pub use fairing::InicisFairing;
pub use http::BODY_LIMIT;

use inipay_core::flow::{CheckoutSource, Flow};
use inipay_core::time::Timestamp;
use std::fmt;
use std::sync::Arc;

type ResultPage = Arc<dyn Fn(&str) -> String + Send + Sync>;
type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The INICIS integration for one Rocket app: the flow, the app's orders, and
/// where the buyer lands afterwards. Build it once, then attach
/// [`Inicis::fairing`] and mount [`Inicis::routes`] at [`Inicis::mount_path`].
#[derive(Clone)]
pub struct Inicis {
    pub(crate) flow: Arc<Flow>,
    pub(crate) source: Arc<dyn CheckoutSource>,
    pub(crate) result_page: ResultPage,
    pub(crate) proxy_header: Option<String>,
    pub(crate) clock: Clock,
}

impl fmt::Debug for Inicis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inicis")
            .field("flow", &self.flow)
            .field("proxy_header", &self.proxy_header)
            .finish_non_exhaustive()
    }
}

impl Inicis {
    /// An integration over `flow` whose checkout page finds orders in
    /// `source`. The result page defaults to `/` (set
    /// [`Inicis::result_page`]), client addresses are the TCP peer's, and the
    /// clock is the system clock.
    pub fn new(flow: Arc<Flow>, source: Arc<dyn CheckoutSource>) -> Inicis {
        Inicis {
            flow,
            source,
            result_page: Arc::new(|_: &str| "/".to_owned()),
            proxy_header: None,
            clock: Arc::new(Timestamp::now),
        }
    }

    /// Where the buyer is sent (`303 See Other`) after `/next` and `/return`:
    /// a path or absolute URL for the order id. The page reads the outcome
    /// from the ledger ([`Flow::status`](inipay_core::flow::Flow::status)).
    #[must_use]
    pub fn result_page(mut self, page: impl Fn(&str) -> String + Send + Sync + 'static) -> Inicis {
        self.result_page = Arc::new(page);
        self
    }

    /// Reads the notification's source address from `header` (e.g.
    /// `X-Forwarded-For`, last entry: the address the trusted proxy saw)
    /// instead of the TCP peer. Off by default: set it only when every
    /// request passes through a proxy you control, or anyone can claim an
    /// INICIS address. A missing or unreadable header means "no address".
    #[must_use]
    pub fn trusted_proxy_header(mut self, header: &str) -> Inicis {
        self.proxy_header = Some(header.to_owned());
        self
    }

    /// Replaces the clock (tests use a fixed or manual time).
    #[must_use]
    pub fn clock(mut self, now: impl Fn() -> Timestamp + Send + Sync + 'static) -> Inicis {
        self.clock = Arc::new(now);
        self
    }

    /// The flow.
    pub fn flow(&self) -> &Arc<Flow> {
        &self.flow
    }

    /// The path to mount [`Inicis::routes`] at: the flow's
    /// [`FlowConfig::mount`](inipay_core::flow::FlowConfig::mount), or `/`.
    pub fn mount_path(&self) -> String {
        let m = &self.flow.config().mount;
        if m.is_empty() {
            "/".to_owned()
        } else {
            m.clone()
        }
    }

    /// The fairing that validates the configuration at ignite and manages
    /// the state the routes need.
    pub fn fairing(&self) -> InicisFairing {
        InicisFairing::new(self.clone())
    }

    /// The routes, to mount at [`Inicis::mount_path`].
    pub fn routes(&self) -> Vec<rocket::Route> {
        routes::all()
    }
}
