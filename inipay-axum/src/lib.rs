//! Axum adapter for inipay: the INICIS checkout and callback routes in one
//! [`Router`] under one mount point. It only translates HTTP to [`Flow`]
//! calls and back; the flow decides everything (ARCHITECTURE.md). The routes,
//! status codes, headers and bodies are those of `inipay-actix`; the
//! conformance suite runs the same scenarios against every adapter.
//!
//! | route | does |
//! |---|---|
//! | `GET {mount}/checkout/{order_id}?method=CARD` | the auto-submitting page that posts the signed form to INICIS (`text/html; charset=utf-8`); 404 for an unknown order, 400 for a bad method or field |
//! | `POST` or `GET {mount}/next?oid=...` | the auth result (`P_NEXT_URL`) -> [`Flow::next`] -> `303` to the app's result page |
//! | `POST {mount}/noti` | a notification (`P_NOTI_URL`) -> [`Flow::noti`] -> exactly its status and body (`OK`) |
//! | `GET {mount}/return?oid=...` | the 1trs landing (`P_RETURN_URL`) -> `303` to the app's result page |
//! | `POST` or `GET {mount}/billing/return?oid=...` | the billing-key result (`returnurl`) -> [`Flow::billing_return`] -> `303` to the app's result page |
//!
//! A request to one of these paths with another method (`GET /noti`,
//! `HEAD /checkout/...`) is not routed: `404` with an empty body, as on
//! actix, not axum's usual `405`.
//!
//! Bodies are read as raw bytes (INICIS sends EUC-KR or UTF-8; axum's `Form`
//! extractor would decode them as UTF-8) up to a limit (64 KiB by default).
//! A larger body is never held in memory: its first `limit` bytes are kept,
//! the rest only counted ([`BodyCollector`](inipay_core::flow::BodyCollector)),
//! the flow journals it truncated ([`Flow::oversized`]) and the answer is
//! `413` with an empty body.
//!
//! ```
//! use axum::body::Body;
//! use axum::http::{Request, StatusCode};
//! use inipay_axum::Inicis;
//! use inipay_core::client::{ClientConfig, GatewayClient};
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::flow::{BoxFuture, CheckoutSource, Flow, FlowConfig, OrderLookup};
//! use inipay_core::ledger::MemoryStore;
//! use inipay_core::mobile::{Method, PaymentRequest};
//! use inipay_core::order::{CheckoutContext, Order};
//! use inipay_core::types::{Amount, FieldError};
//! use std::sync::Arc;
//! use tower::ServiceExt;
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
//! let flow = Arc::new(Flow::new(merchant, GatewayClient::new(ClientConfig::default())?,
//!     Arc::new(MemoryStore::new()), FlowConfig::new("http://127.0.0.1:8080", "/inicis")?));
//! let inicis = Inicis::new(flow, Arc::new(Carts) as Arc<dyn CheckoutSource>)
//!     .result_page(|order_id| format!("/orders/{order_id}"));
//!
//! // The app's own routes, then the INICIS ones.
//! let app = axum::Router::new()
//!     .route("/", axum::routing::get(|| async { "shop" }))
//!     .merge(inicis.router());
//!
//! let page = Request::get("/inicis/checkout/CART-1?method=CARD").body(Body::empty())?;
//! assert_eq!(app.clone().oneshot(page).await?.status(), StatusCode::OK);
//! let unknown = Request::get("/inicis/checkout/NOPE?method=CARD").body(Body::empty())?;
//! assert_eq!(app.clone().oneshot(unknown).await?.status(), StatusCode::NOT_FOUND);
//! let back = Request::get("/inicis/return?oid=CART-1").body(Body::empty())?;
//! let back = app.oneshot(back).await?;
//! assert_eq!(back.status(), StatusCode::SEE_OTHER);
//! assert_eq!(back.headers()["location"], "/orders/CART-1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The notification's source address
//!
//! The flow checks where a notification comes from against an allow-list.
//! By default that is the TCP peer, which axum only knows when the app is
//! served with
//! [`into_make_service_with_connect_info::<SocketAddr>()`](axum::Router::into_make_service_with_connect_info):
//!
//! ```no_run
//! # async fn serve(app: axum::Router) -> std::io::Result<()> {
//! use std::net::SocketAddr;
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
//! axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await
//! # }
//! ```
//!
//! Served any other way, the source is unknown and every notification is
//! refused by the allow-list (`403`; never a panic). Behind a reverse proxy
//! you trust, name its header with [`Inicis::trust_proxy_header`].
//!
//! # Deployment checks
//!
//! The flow decides what must hold before real payments are served
//! ([`Flow::deployment_problems`]: a production merchant needs an `https`
//! public base URL). Build with [`Inicis::try_new`] to fail at start-up;
//! [`Inicis::new`] stays infallible so mounting stays one line, and a router
//! built from a flow with problems refuses to serve: every path under the
//! mount answers `503` with an empty body and each problem is logged at
//! error level. A test merchant has no problems.
//!
//! No route reads or sets a cookie, so the gateway's cross-site POSTs work
//! with `SameSite` cookies and CSRF middleware in front of the rest of the
//! app. Absolute URLs come from [`FlowConfig`](inipay_core::flow::FlowConfig),
//! never from the `Host` header.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod body;
mod client_ip;
mod routes;

pub use client_ip::ProxyHeader;

use axum::Router;
use axum::http::HeaderName;
use axum::routing::{MethodRouter, any};
use inipay_core::flow::{CheckoutSource, DeployError, DeployProblem, Flow};
use inipay_core::time::Timestamp;
use std::fmt;
use std::sync::Arc;

/// The default limit on request bodies (auth results and notifications are
/// a few KiB).
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

type ResultPage = Arc<dyn Fn(&str) -> String + Send + Sync>;
type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The INICIS routes for one [`Flow`], as a [`Router`] at
/// [`FlowConfig::mount`](inipay_core::flow::FlowConfig::mount) to merge
/// into the app's ([`Inicis::router`]). Cheap to clone (shared state).
#[derive(Clone)]
pub struct Inicis {
    shared: Shared,
}

/// The routes' state (axum's typed `State`).
#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) flow: Arc<Flow>,
    pub(crate) source: Arc<dyn CheckoutSource>,
    pub(crate) result_page: ResultPage,
    pub(crate) proxy: Option<ProxyHeader>,
    pub(crate) body_limit: usize,
    pub(crate) clock: Clock,
    pub(crate) problems: Arc<[DeployProblem]>,
}

impl fmt::Debug for Inicis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inicis")
            .field("mount", &self.shared.flow.config().mount)
            .field("proxy", &self.shared.proxy)
            .field("body_limit", &self.shared.body_limit)
            .finish_non_exhaustive()
    }
}

impl Inicis {
    /// Routes for `flow`, finding orders through `source`. Defaults: result
    /// page `/orders/{order_id}`, no trusted proxy header (the notification
    /// source is the TCP peer), 64 KiB body limit, the system clock.
    ///
    /// When the flow has [deployment problems](Flow::deployment_problems)
    /// the routes refuse to serve (`503`, see the [crate docs](crate));
    /// prefer [`Inicis::try_new`] to find out at start-up.
    pub fn new(flow: Arc<Flow>, source: Arc<dyn CheckoutSource>) -> Inicis {
        let problems = flow.deployment_problems().into();
        Inicis {
            shared: Shared {
                problems,
                flow,
                source,
                result_page: Arc::new(|order_id: &str| format!("/orders/{order_id}")),
                proxy: None,
                body_limit: DEFAULT_BODY_LIMIT,
                clock: Arc::new(Timestamp::now),
            },
        }
    }

    /// [`Inicis::new`], or the flow's deployment problems (a production
    /// merchant without an `https` public base URL, ...): the app should not
    /// start.
    ///
    /// ```
    /// use inipay_axum::Inicis;
    /// use inipay_core::client::{ClientConfig, GatewayClient};
    /// use inipay_core::config::{Endpoints, Keys, Merchant};
    /// use inipay_core::flow::{BoxFuture, DeployProblem, Flow, FlowConfig, OrderLookup};
    /// use inipay_core::ledger::MemoryStore;
    /// use std::sync::Arc;
    /// # use inipay_core::{mobile::{Method, PaymentRequest}, order::{CheckoutContext, Order}};
    /// # use inipay_core::types::{Amount, FieldError};
    /// # struct Cart;
    /// # impl Order for Cart {
    /// #     const METHODS: &'static [Method] = &[Method::Card];
    /// #     fn order_id(&self) -> &str { "CART-1" }
    /// #     fn amount(&self) -> Amount { Amount::won(1_000) }
    /// #     fn payment_request(&self, ctx: &CheckoutContext) -> Result<PaymentRequest, FieldError> {
    /// #         ctx.builder(self).goods("책").buyer_name("홍길동").build()
    /// #     }
    /// # }
    /// # struct Carts;
    /// # impl OrderLookup for Carts {
    /// #     type Order = Cart;
    /// #     fn find<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Option<Cart>> { Box::pin(async { None }) }
    /// # }
    ///
    /// let keys = Keys { mobile_hash_key: Some("0123456789ABCDEF0123456789ABCDEF".to_owned().into()),
    ///                   ..Keys::default() };
    /// let merchant = Merchant::production("SHOPMID001", keys, Endpoints::production())?;
    /// let flow = Arc::new(Flow::new(merchant, GatewayClient::new(ClientConfig::default())?,
    ///     Arc::new(MemoryStore::new()), FlowConfig::new("http://shop.example.com", "/inicis")?));
    /// let err = Inicis::try_new(flow, Arc::new(Carts)).unwrap_err();
    /// assert!(err.problems().contains(&DeployProblem::InsecurePublicBaseUrl));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_new(
        flow: Arc<Flow>,
        source: Arc<dyn CheckoutSource>,
    ) -> Result<Inicis, DeployError> {
        flow.check_deployment()?;
        Ok(Inicis::new(flow, source))
    }

    fn map(mut self, f: impl FnOnce(&mut Shared)) -> Inicis {
        f(&mut self.shared);
        self
    }

    /// Where the buyer's browser goes after a payment (`303 See Other`): the
    /// app's page for the order, given the validated order id (`[A-Za-z0-9-_.]`,
    /// safe in a URL). Relative paths are fine.
    #[must_use]
    pub fn result_page<F>(self, page: F) -> Inicis
    where
        F: Fn(&str) -> String + Send + Sync + 'static,
    {
        self.map(|s| s.result_page = Arc::new(page))
    }

    /// Takes the notification's source address from `header` as written by
    /// a reverse proxy you trust (its last hop: `X-Forwarded-For: client,
    /// proxy1` gives `proxy1`), instead of the TCP peer. Off by default: a
    /// header anyone can send must not decide the allow-list. When the
    /// header is set here but missing or unreadable on a request, the source
    /// is unknown (refused by an allow-list).
    #[must_use]
    pub fn trust_proxy_header(self, header: HeaderName) -> Inicis {
        self.map(|s| s.proxy = Some(ProxyHeader::new(header)))
    }

    /// The largest body accepted on `next`, `noti` and `billing/return`
    /// (above it: journaled truncated, then `413`).
    #[must_use]
    pub fn body_limit(self, bytes: usize) -> Inicis {
        self.map(|s| s.body_limit = bytes)
    }

    /// The clock the flow is called with (tests inject a fixed time).
    #[must_use]
    pub fn clock<F>(self, now: F) -> Inicis
    where
        F: Fn() -> Timestamp + Send + Sync + 'static,
    {
        self.map(|s| s.clock = Arc::new(now))
    }

    /// The flow.
    pub fn flow(&self) -> &Arc<Flow> {
        &self.shared.flow
    }

    /// The routes at [`FlowConfig::mount`](inipay_core::flow::FlowConfig::mount),
    /// with their state: merge them into the app's router
    /// (`Router::new().route(...).merge(inicis.router())`). An app router
    /// with its own state merges them after its `with_state(...)`.
    ///
    /// For a flow with [deployment problems](Flow::deployment_problems) the
    /// router refuses to serve: every path under the mount answers `503`
    /// with an empty body, and each problem is logged at error level.
    pub fn router(&self) -> Router {
        let mount = self.shared.flow.config().mount.as_str();
        if !self.shared.problems.is_empty() {
            for p in self.shared.problems.iter() {
                tracing::error!(problem = %p, "inipay refuses to serve this configuration");
            }
            // `mount` is "" (the root) or "/segment...", never ending in '/'.
            let mut refusing = Router::new()
                .route(&format!("{mount}/"), any(routes::refused))
                .route(&format!("{mount}/{{*rest}}"), any(routes::refused));
            if !mount.is_empty() {
                refusing = refusing.route(mount, any(routes::refused));
            }
            return refusing;
        }
        let path = |p: &str| format!("{mount}{p}");
        Router::new()
            .route(&path("/checkout/{order_id}"), only().get(routes::checkout))
            .route(
                &path("/next"),
                only().post(routes::next_post).get(routes::next_get),
            )
            .route(&path("/noti"), only().post(routes::noti))
            .route(&path("/return"), only().get(routes::return_landing))
            .route(
                &path("/billing/return"),
                only().post(routes::billing_post).get(routes::billing_get),
            )
            .with_state(self.shared.clone())
    }
}

/// A path's method table, to which exactly its methods are added. axum
/// would also route `HEAD` to a `GET` handler and answer other methods
/// `405` with an `Allow` header; actix (the reference) routes neither, and
/// an unrouted request is a `404` with an empty body and no `Allow`.
fn only() -> MethodRouter<Shared> {
    any(routes::not_routed).head(routes::not_routed)
}
