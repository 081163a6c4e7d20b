//! The demo shop: actix-web on 127.0.0.1, an in-process INICIS sandbox, an
//! SQLite ledger, the test MID `INIpayTest` with its published keys, and the
//! [`inipay_actix`] routes mounted at `/inicis`.
//!
//! | page | |
//! |---|---|
//! | `GET /` | products |
//! | `POST /orders` | places an order (buyer name checked as checkout will), `303` to its secret link `/orders/{id}?key=...` |
//! | `GET /orders/{id}` | with the order's secret (link or cookie): the order with its payment methods, or the result the ledger records; without it: the state only, buyer and virtual account masked, no TID |
//! | `POST /orders/{id}/refund` | with the order's secret: a full refund (전체취소) of a paid order through INIAPI, `303` back to `/orders/{id}`; without it: `403`, nothing changes |
//! | `/inicis/...` | checkout, auth result, notifications ([`inipay_actix`]) |
//! | anything else | a friendly `404` page (Korean with English beside it); other errors of the shop's own routes (`405`, `413`, ...) get the same kind of page, the `/inicis/...` routes answer as the adapter does |
//!
//! Good practice shown here (issue 16): order ids are random (`DEMO-` and
//! 128 random bits), not a counter a visitor could walk; the order id goes
//! to INICIS, logs and receipts, so the details of an order are shown only
//! to who holds its secret link (compared in constant time). The link's
//! secret is also kept in an `HttpOnly`, `SameSite=Lax` cookie scoped to
//! the order's path, because the buyer comes back from the payment window
//! to `/orders/{id}` without it (the adapter's result page knows only the
//! order id, and must not hand the secret to whoever posts to `P_NEXT_URL`).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use inipay_examples::shop::{self, ShopConfig};
//! let running = shop::start(ShopConfig::from_env()?).await?;
//! println!("open {}", running.url);
//! running.server.await?;
//! # Ok(()) }
//! ```

pub mod catalog;
pub mod journal;
pub mod orders;
pub mod pages;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use inipay_actix::Inicis;
use inipay_core::client::{ClientConfig, ClientError, GatewayClient};
use inipay_core::config::{ConfigError, Endpoints, Merchant, test_keys};
use inipay_core::encoding::{Charset, Form};
use inipay_core::flow::{
    CheckoutSource, Flow, FlowConfig, RefundConfig, RefundError, RefundOutcome, RefundRequest,
};
use inipay_core::iniapi::ClientIp;
use inipay_core::ledger::{Ledger, LedgerError, MemoryStore, PaymentState, SqliteStore};
use inipay_core::mobile::NotiIpAllowList;
use inipay_core::time::Timestamp;
use inipay_core::types::OrderId;
use inipay_sandbox::{Sandbox, SandboxConfig, StartError};
use orders::{OrderBook, PlaceError, ShopEvents};
use pages::{Access, Chrome, Tone};
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;

/// Where the INICIS routes are mounted.
pub const MOUNT: &str = "/inicis";

/// Which ledger the shop keeps payments in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LedgerChoice {
    /// An SQLite file (created if missing).
    Sqlite(PathBuf),
    /// In memory (lost at exit).
    Memory,
}

/// How the shop starts.
#[derive(Debug, Clone)]
pub struct ShopConfig {
    /// Port on 127.0.0.1 (`0`: any free port).
    pub port: u16,
    /// Port of the in-process sandbox (`0`: any free port).
    pub sandbox_port: u16,
    /// The ledger.
    pub ledger: LedgerChoice,
    /// HTTP worker threads.
    pub workers: usize,
}

impl Default for ShopConfig {
    /// Port 8080, the sandbox on port 8081 (a fixed dashboard URL a bookmark
    /// or a firewall rule can rely on), `inipay-demo.db` in the current
    /// directory, two workers.
    fn default() -> ShopConfig {
        ShopConfig {
            port: 8080,
            sandbox_port: 8081,
            ledger: LedgerChoice::Sqlite(PathBuf::from("inipay-demo.db")),
            workers: 2,
        }
    }
}

impl ShopConfig {
    /// The defaults, with `PORT`, `INIPAY_SANDBOX_PORT` and `INIPAY_DEMO_DB`
    /// from the environment.
    pub fn from_env() -> Result<ShopConfig, ShopError> {
        ShopConfig::from_vars(|name| std::env::var(name).ok())
    }

    /// [`ShopConfig::from_env`] with the variables read by `var` (testable
    /// without touching the process environment); an empty value counts as
    /// unset.
    ///
    /// ```
    /// use inipay_examples::shop::{LedgerChoice, ShopConfig};
    /// let c = ShopConfig::from_vars(|n| match n {
    ///     "PORT" => Some("9000".into()),
    ///     "INIPAY_SANDBOX_PORT" => Some("9001".into()),
    ///     _ => None,
    /// })?;
    /// assert_eq!((c.port, c.sandbox_port), (9000, 9001));
    /// assert_eq!(c.ledger, LedgerChoice::Sqlite("inipay-demo.db".into()));
    /// assert!(ShopConfig::from_vars(|n| (n == "INIPAY_SANDBOX_PORT").then(|| "x".into())).is_err());
    /// # Ok::<(), inipay_examples::shop::ShopError>(())
    /// ```
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<ShopConfig, ShopError> {
        let get = |name| var(name).filter(|v| !v.trim().is_empty());
        let mut c = ShopConfig::default();
        if let Some(p) = get("PORT") {
            c.port = p.trim().parse().map_err(|_| ShopError::BadPort("PORT"))?;
        }
        if let Some(p) = get("INIPAY_SANDBOX_PORT") {
            c.sandbox_port = p
                .trim()
                .parse()
                .map_err(|_| ShopError::BadPort("INIPAY_SANDBOX_PORT"))?;
        }
        if let Some(db) = get("INIPAY_DEMO_DB") {
            c.ledger = LedgerChoice::Sqlite(PathBuf::from(db));
        }
        Ok(c)
    }
}

/// Why the shop could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShopError {
    /// `PORT` or `INIPAY_SANDBOX_PORT` is not a port number.
    #[error("{0} must be a number from 0 to 65535")]
    BadPort(&'static str),
    /// The shop's port is taken.
    #[error("cannot listen on 127.0.0.1:{port}")]
    Bind {
        /// The port.
        port: u16,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The sandbox did not start.
    #[error("the INICIS sandbox did not start")]
    Sandbox(#[from] StartError),
    /// The ledger did not open.
    #[error("the payment ledger did not open")]
    Ledger(#[from] LedgerError),
    /// The merchant configuration is invalid.
    #[error("invalid merchant configuration")]
    Config(#[from] ConfigError),
    /// The gateway client could not be built.
    #[error("the gateway client could not be built")]
    Client(#[from] ClientError),
    /// Recovery or the background task did not start.
    #[error("the payment background task did not start")]
    Background(#[from] inipay_core::flow::FlowError),
}

/// A started shop.
pub struct RunningShop {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The sandbox (its dashboard: `sandbox.url("/sandbox/")`).
    pub sandbox: Sandbox,
    /// The HTTP server; await it to serve until Ctrl-C.
    pub server: actix_web::dev::Server,
    /// The payment ledger.
    pub ledger: Arc<dyn Ledger>,
    /// Event redelivery and the reconciler (stop it after the server).
    pub background: inipay_core::flow::Background,
}

impl std::fmt::Debug for RunningShop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningShop")
            .field("url", &self.url)
            .field("sandbox", &self.sandbox.base_url())
            .finish_non_exhaustive()
    }
}

/// What the shop's own pages need.
struct ShopState {
    flow: Arc<Flow>,
    book: Arc<OrderBook>,
    events: Arc<ShopEvents>,
    chrome: Chrome,
}

/// Starts the sandbox, opens the ledger (applying any message a crash left
/// pending) and serves the shop. Call it inside a tokio runtime.
pub async fn start(config: ShopConfig) -> Result<RunningShop, ShopError> {
    let sandbox = Sandbox::start(SandboxConfig::default().with_port(config.sandbox_port)).await?;
    let listener =
        TcpListener::bind(("127.0.0.1", config.port)).map_err(|source| ShopError::Bind {
            port: config.port,
            source,
        })?;
    let port = listener
        .local_addr()
        .map_err(|source| ShopError::Bind {
            port: config.port,
            source,
        })?
        .port();
    let url = format!("http://127.0.0.1:{port}");

    let ledger: Arc<dyn Ledger> = match &config.ledger {
        LedgerChoice::Sqlite(path) => Arc::new(SqliteStore::open(path.clone()).await?),
        LedgerChoice::Memory => Arc::new(MemoryStore::new()),
    };

    let merchant = Merchant::test(
        "INIpayTest",
        test_keys::inipay_test(),
        Endpoints::sandbox(sandbox.base_url())?,
    )?;
    let mut flow_config = FlowConfig::new(&url, MOUNT)?;
    // Notifications only from the sandbox's address (production: the INICIS
    // list, `NotiIpAllowList::current()`).
    flow_config.noti_sources = Some(NotiIpAllowList::new([IpAddr::V4(Ipv4Addr::LOCALHOST)]));
    let events = Arc::new(ShopEvents::default());
    let flow = Arc::new(
        Flow::new(
            merchant,
            GatewayClient::new(ClientConfig::default())?,
            ledger.clone(),
            flow_config,
        )
        .with_events(events.clone())
        // Refunds (환불) through INIAPI; `clientIp` is this server's address.
        .with_refunds(RefundConfig::new(ClientIp::from(IpAddr::V4(
            Ipv4Addr::LOCALHOST,
        )))),
    );
    // Recovery, then event redelivery and the reconciler in the background.
    let background = flow.start().await?;
    let book = Arc::new(OrderBook::default());
    let inicis = Inicis::new(flow.clone(), book.clone() as Arc<dyn CheckoutSource>)
        .result_page(|order_id| format!("/orders/{order_id}"));
    let state = web::Data::new(ShopState {
        flow,
        book,
        events,
        chrome: Chrome {
            dashboard: sandbox.url("/sandbox/"),
            mount: MOUNT.to_owned(),
        },
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(16 * 1024))
            .configure(|c| inicis.configure(c))
            .route("/", web::get().to(home))
            .route("/orders", web::post().to(place_order))
            .route("/orders/{id}", web::get().to(order_page))
            .route("/orders/{id}/refund", web::post().to(refund_order))
            .route("/reconciliation", web::get().to(reconciliation_page))
            .default_service(web::to(not_found))
            .wrap(ErrorHandlers::new().default_handler(friendly_error))
    })
    .workers(config.workers.max(1))
    .listen(listener)
    .map_err(|source| ShopError::Bind { port, source })?
    .run();
    Ok(RunningShop {
        url,
        sandbox,
        server,
        ledger,
        background,
    })
}

fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(ContentType::html())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// `503` with a short "try again" page (the ledger could not be read).
fn unavailable(chrome: &Chrome) -> HttpResponse {
    html(
        StatusCode::SERVICE_UNAVAILABLE,
        pages::problem(
            chrome,
            "일시적 오류",
            "Temporarily unavailable",
            "잠시 후 다시 시도해 주세요. (Please try again shortly.)",
        ),
    )
}

async fn reconciliation_page(state: web::Data<ShopState>) -> HttpResponse {
    match state.flow.report(inipay_core::time::Timestamp::now()).await {
        Ok(r) => html(StatusCode::OK, pages::reconciliation(&state.chrome, &r)),
        Err(e) => {
            tracing::error!(error = %e, "ledger read failed");
            unavailable(&state.chrome)
        }
    }
}

/// Whether `path` is one of the adapter's routes (`/inicis`, `/inicis/...`),
/// which answer as the library decides.
fn is_library_path(path: &str) -> bool {
    path.strip_prefix(MOUNT)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The title and explanation of a friendly error page for `status`.
fn error_text(status: StatusCode) -> (&'static str, &'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => (
            "페이지 없음",
            "Page not found",
            "요청하신 페이지를 찾을 수 없습니다. 주소를 확인하시거나 상품 목록에서 다시 시작해 주세요. \
             (We could not find this page. Check the address, or start again from the products.)",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "잘못된 요청",
            "Method not allowed",
            "이 주소는 이 방식으로 열 수 없습니다. 상품 목록에서 다시 시작해 주세요. \
             (This address cannot be opened this way; please start again from the products.)",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "요청이 너무 큽니다",
            "Request too large",
            "보내신 내용이 너무 큽니다. (What was sent is too large.)",
        ),
        s if s.is_client_error() => (
            "잘못된 요청",
            "Bad request",
            "요청을 처리할 수 없습니다. 상품 목록에서 다시 시작해 주세요. \
             (The request could not be handled; please start again from the products.)",
        ),
        _ => (
            "일시적 오류",
            "Something went wrong",
            "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요. \
             (Something went wrong on our side; please try again shortly.)",
        ),
    }
}

/// A friendly error page for `status`.
fn error_page(chrome: &Chrome, status: StatusCode) -> HttpResponse {
    let (ko, en, detail) = error_text(status);
    html(status, pages::problem(chrome, ko, en, detail))
}

/// Any route the shop does not have: a friendly `404` page; under the
/// adapter's mount, the bare `404` the adapter's routes would give.
async fn not_found(state: web::Data<ShopState>, req: HttpRequest) -> HttpResponse {
    if is_library_path(req.path()) {
        return HttpResponse::NotFound().finish();
    }
    error_page(&state.chrome, StatusCode::NOT_FOUND)
}

/// Replaces a bare error (actix's own `405`, `413`, extractor errors: no
/// HTML body) on the shop's routes with a friendly page; leaves the shop's
/// own HTML pages and everything under the adapter's mount as they are.
fn friendly_error<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let chrome = res
        .request()
        .app_data::<web::Data<ShopState>>()
        .map(|s| s.chrome.clone());
    let (Some(chrome), false, false) = (chrome, is_html, is_library_path(res.request().path()))
    else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    let status = res.status();
    let (req, _) = res.into_parts();
    let page = error_page(&chrome, status);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, page).map_into_right_body(),
    ))
}

async fn home(state: web::Data<ShopState>) -> HttpResponse {
    html(StatusCode::OK, pages::home(&state.chrome))
}

/// The cookie that remembers an order's secret on its own path.
const KEY_COOKIE: &str = "order_key";

/// `Set-Cookie` for the order's secret: only sent back to `/orders/{id}`,
/// never readable by scripts, sent on the top-level navigation back from
/// the payment window (`Lax`). Add `Secure` when served over https.
fn key_cookie(order: &orders::ShopOrder) -> String {
    format!(
        "{KEY_COOKIE}={}; Path=/orders/{}; HttpOnly; SameSite=Lax",
        order.secret.as_str(),
        order.id
    )
}

/// The secret the request presents for the order: `?key=` first, else the
/// order's cookie.
fn presented_key(req: &HttpRequest) -> Option<String> {
    let from_query = req
        .query_string()
        .split('&')
        .find_map(|p| p.strip_prefix("key=").map(str::to_owned));
    from_query.or_else(|| {
        req.headers()
            .get_all(header::COOKIE)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|c| {
                let (k, v) = c.trim().split_once('=')?;
                (k == KEY_COOKIE).then(|| v.to_owned())
            })
    })
}

/// `POST /orders` with `product` and `buyer` (a UTF-8 form from our page).
async fn place_order(state: web::Data<ShopState>, body: web::Bytes) -> HttpResponse {
    let bad = |detail: &str| {
        html(
            StatusCode::BAD_REQUEST,
            pages::problem(&state.chrome, "주문 오류", "Order error", detail),
        )
    };
    let Ok(form) = Form::parse(&body, Charset::Utf8) else {
        return bad("주문서를 읽을 수 없습니다. (Unreadable order form.)");
    };
    let Some(product) = form.get("product").and_then(catalog::product) else {
        return bad("없는 상품입니다. (Unknown product.)");
    };
    let buyer = form.get("buyer").unwrap_or_default();
    match state.book.place(product, buyer, Timestamp::now()) {
        Ok(order) => HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/orders/{}?key={}", order.id, order.secret.as_str()),
            ))
            .insert_header((header::SET_COOKIE, key_cookie(&order)))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        Err(e @ PlaceError::Random(_)) => {
            tracing::error!(error = %e, "order not placed");
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                pages::problem(
                    &state.chrome,
                    "일시적 오류",
                    "Temporarily unavailable",
                    &e.friendly(),
                ),
            )
        }
        // Names the rule, never the value.
        Err(e) => bad(&e.friendly()),
    }
}

/// `GET /orders/{id}`: methods while unpaid, else the ledger's result; the
/// details only with the order's secret ([`presented_key`]).
async fn order_page(
    state: web::Data<ShopState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let order = state.book.get(&id);
    let owned = presented_key(&req).and_then(|k| state.book.owned(&id, &k));
    let access = if owned.is_some() {
        Access::Owner
    } else {
        Access::Visitor
    };
    let payment = match state.flow.status(&id).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "ledger read failed");
            return unavailable(&state.chrome);
        }
    };
    let mut page = match (order, payment) {
        (Some(o), None) => html(StatusCode::OK, pages::order(&state.chrome, &o, access)),
        (Some(o), Some(p)) if p.state == PaymentState::Created => {
            html(StatusCode::OK, pages::order(&state.chrome, &o, access))
        }
        (o, Some(p)) => {
            let account = state.events.account(&id);
            let attempt = latest_attempt(&state.flow, &p.order_id).await;
            let view = pages::View {
                order_id: &id,
                order: o.as_ref(),
                payment: &p,
                account: account.as_ref(),
                attempt: &attempt,
                access,
            };
            html(StatusCode::OK, pages::result(&state.chrome, &view))
        }
        (None, None) => html(
            StatusCode::NOT_FOUND,
            pages::problem(
                &state.chrome,
                "주문 없음",
                "No such order",
                "주문을 찾을 수 없습니다. (We could not find this order.)",
            ),
        ),
    };
    // Opened from the link: remember the secret for the way back from the
    // payment window.
    if let Some(o) = &owned
        && let Ok(v) = header::HeaderValue::from_str(&key_cookie(o))
    {
        page.headers_mut().insert(header::SET_COOKIE, v);
    }
    page
}

/// How the order's latest payment attempt ended, from the ledger's journal;
/// [`journal::Attempt::Unknown`] when the journal cannot be read (the page
/// then says what the state alone says).
async fn latest_attempt(flow: &Flow, order_id: &OrderId) -> journal::Attempt {
    match flow.ledger().messages_of(order_id).await {
        Ok(entries) => journal::latest_attempt(&entries),
        Err(e) => {
            tracing::warn!(%order_id, error = %e, "journal read failed");
            journal::Attempt::Unknown
        }
    }
}

/// The reason sent to INICIS with the buyer's refund (`msg`).
const REFUND_REASON: &str = "구매자 취소";

/// How the shop answers a refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefundAnswer {
    /// The ledger records the payment refunded: `303` to the order page,
    /// which shows it.
    ToOrder,
    /// A page saying what happened, with a link back to the order.
    Page {
        /// The HTTP status.
        status: StatusCode,
        /// Settled-but-refused or still open.
        tone: Tone,
        /// Title in Korean.
        ko: &'static str,
        /// Title in English.
        en: &'static str,
        /// What happened and what to do, Korean with English beside it.
        detail: String,
    },
}

impl RefundAnswer {
    fn page(
        status: StatusCode,
        tone: Tone,
        ko: &'static str,
        en: &'static str,
        detail: &str,
    ) -> RefundAnswer {
        RefundAnswer::Page {
            status,
            tone,
            ko,
            en,
            detail: detail.to_owned(),
        }
    }

    /// The answer to what [`Flow::refund`] returned. Only a refund the ledger
    /// records is shown as done; when INICIS may have refunded but the books
    /// do not say so, the buyer reads "확인 중 (being checked)" (`202`), never
    /// a success and never "nothing happened".
    ///
    /// ```
    /// use actix_web::http::StatusCode;
    /// use inipay_core::flow::{RefundError, RefundOutcome};
    /// use inipay_core::types::OrderId;
    /// use inipay_examples::shop::RefundAnswer;
    ///
    /// let unknown = Ok(RefundOutcome::OutcomeUnknown {
    ///     order_id: OrderId::new("DEMO-1")?,
    ///     reason: "timeout",
    /// });
    /// let RefundAnswer::Page { status, ko, .. } = RefundAnswer::of(&unknown) else {
    ///     panic!("not a success")
    /// };
    /// assert_eq!((status, ko), (StatusCode::ACCEPTED, "확인 중"));
    /// let refused = Err(RefundError::AccountRequired);
    /// assert!(matches!(
    ///     RefundAnswer::of(&refused),
    ///     RefundAnswer::Page { status: StatusCode::CONFLICT, .. }
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn of(result: &Result<RefundOutcome, RefundError>) -> RefundAnswer {
        use RefundAnswer as A;
        let checking = |detail: &str| {
            A::page(
                StatusCode::ACCEPTED,
                Tone::Wait,
                "확인 중",
                "Being checked",
                detail,
            )
        };
        let refused = |detail: &str| {
            A::page(
                StatusCode::CONFLICT,
                Tone::Bad,
                "취소할 수 없음",
                "Cannot be cancelled",
                detail,
            )
        };
        let failed = |status: StatusCode, detail: &str| {
            A::page(
                status,
                Tone::Bad,
                "취소하지 못했습니다",
                "Not cancelled",
                detail,
            )
        };
        match result {
            Ok(RefundOutcome::Refunded { .. } | RefundOutcome::AlreadyRefunded { .. }) => {
                A::ToOrder
            }
            Ok(RefundOutcome::OutcomeUnknown { .. }) => checking(
                "INICIS의 응답을 받지 못해 환불 여부를 확인하고 있습니다. 다시 누르지 마세요; 확인되면 주문 페이지에 표시됩니다. \
                 (No answer came back from INICIS, so we are checking whether the refund went through. \
                 Please do not press again; the order page shows it once it is settled.)",
            ),
            Ok(RefundOutcome::AlreadyCancelled { .. }) => checking(
                "INICIS에는 이미 취소된 거래로 나옵니다. 확인한 뒤 주문 페이지에 반영하겠습니다. \
                 (INICIS reports this payment as already cancelled; we are confirming it before the order page shows it.)",
            ),
            Ok(RefundOutcome::Unrecorded { .. }) => checking(
                "INICIS가 환불했지만 주문 기록에 아직 반영하지 못했습니다. 담당자가 확인합니다. \
                 (INICIS refunded the payment, but our records do not show it yet; a person is checking.)",
            ),
            Ok(RefundOutcome::Declined { result, .. }) => A::page(
                StatusCode::CONFLICT,
                Tone::Bad,
                "취소 거절",
                "Cancellation refused",
                &format!(
                    "INICIS가 결제 취소를 거절했습니다 (코드 {}). 결제는 그대로이며 환불된 금액은 없습니다. \
                     (INICIS refused to cancel the payment (code {}); it stands and nothing was refunded.)",
                    result.code, result.code
                ),
            ),
            // A new outcome this page does not know: INICIS was called, so
            // say neither "done" nor "nothing happened".
            Ok(_) => checking(
                "결제 취소 결과를 확인하고 있습니다. (We are checking the result of the cancellation.)",
            ),
            Err(RefundError::UnknownOrder) => A::page(
                StatusCode::NOT_FOUND,
                Tone::Bad,
                "주문 없음",
                "No such order",
                "결제 기록이 없는 주문입니다. (There is no payment for this order.)",
            ),
            Err(RefundError::NotPaid { .. } | RefundError::ExceedsRemaining { .. }) => refused(
                "결제가 완료된 주문만 취소할 수 있습니다. 환불된 금액은 없습니다. \
                 (Only a paid order can be cancelled; nothing was refunded.)",
            ),
            Err(RefundError::AccountRequired) => refused(
                "가상계좌 결제는 입금하신 분의 은행 계좌로 환불되므로 여기서 취소할 수 없습니다. 환불받을 계좌를 알려 주세요. \
                 (A virtual-account payment is refunded to your own bank account, so it cannot be cancelled here; \
                 please contact us with the account to refund to.)",
            ),
            Err(RefundError::UnknownMethod) => refused(
                "이 결제 수단은 여기서 취소할 수 없습니다. 고객센터로 문의해 주세요. \
                 (This payment method cannot be cancelled here; please contact us.)",
            ),
            Err(RefundError::Unreachable(_)) => failed(
                StatusCode::SERVICE_UNAVAILABLE,
                "INICIS에 연결하지 못했습니다. 결제는 그대로이며 환불된 금액은 없습니다. 잠시 후 다시 시도해 주세요. \
                 (INICIS could not be reached; the payment stands and nothing was refunded. Please try again shortly.)",
            ),
            Err(RefundError::Ledger(_)) => failed(
                StatusCode::SERVICE_UNAVAILABLE,
                "일시적 오류로 취소 요청을 보내지 못했습니다. 환불된 금액은 없습니다. 잠시 후 다시 시도해 주세요. \
                 (A temporary error stopped the request before it was sent; nothing was refunded. Please try again shortly.)",
            ),
            // Configuration, signing, a payment without its TID: ours to fix.
            Err(_) => failed(
                StatusCode::INTERNAL_SERVER_ERROR,
                "취소 요청을 보내지 못했습니다. 환불된 금액은 없습니다. 고객센터로 문의해 주세요. \
                 (The request could not be sent; nothing was refunded. Please contact us.)",
            ),
        }
    }
}

/// `POST /orders/{id}/refund`: a full refund (전체취소) for the holder of
/// the order's secret (its cookie, scoped to `/orders/{id}`, comes with this
/// path; compared in constant time). Without it: `403` and nothing is sent.
async fn refund_order(
    state: web::Data<ShopState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    if presented_key(&req)
        .and_then(|k| state.book.owned(&id, &k))
        .is_none()
    {
        return html(
            StatusCode::FORBIDDEN,
            pages::problem(
                &state.chrome,
                "권한 없음",
                "Forbidden",
                "주문할 때 받은 링크를 연 브라우저에서만 결제를 취소할 수 있습니다. \
                 (Only the browser that opened the order's link can cancel its payment.)",
            ),
        );
    }
    let result = state
        .flow
        .refund(&id, RefundRequest::full(REFUND_REASON), Timestamp::now())
        .await;
    // Order id and outcome only: the flow journals the exchange (account
    // numbers masked); nothing here holds a card or account number.
    match &result {
        Ok(o) if o.is_refunded() => tracing::info!(order_id = %id, "refunded"),
        Ok(RefundOutcome::AlreadyRefunded { .. }) => {
            tracing::info!(order_id = %id, "refund asked again: already refunded")
        }
        Ok(RefundOutcome::Declined { result, .. }) => {
            tracing::warn!(order_id = %id, result = %result, "refund declined")
        }
        Ok(other) => tracing::error!(order_id = %id, outcome = ?other, "refund not settled"),
        Err(e) => tracing::warn!(order_id = %id, error = %e, "refund not sent"),
    }
    match RefundAnswer::of(&result) {
        RefundAnswer::ToOrder => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/orders/{id}")))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        RefundAnswer::Page {
            status,
            tone,
            ko,
            en,
            detail,
        } => html(
            status,
            pages::refund_answer(&state.chrome, &id, tone, ko, en, &detail),
        ),
    }
}
