//! The running sandbox: shared state, the router, start and shutdown.

use crate::clock::Clock;
use crate::config::{MerchantKeys, SandboxConfig};
use crate::faults::{Endpoint, Fault};
use crate::state::{NotiAttempt, NotiJob, State, Txn};
use crate::{billing, control, iniapi, mobile, noti};
use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::Notify;

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// Binding 127.0.0.1:port failed (port in use?).
    #[error("cannot listen on 127.0.0.1:{port}")]
    Bind {
        /// The port asked for.
        port: u16,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The notification HTTP client could not be built.
    #[error("cannot build the notification HTTP client")]
    Client(#[source] reqwest::Error),
}

/// Why a control operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    /// No transaction with this TID.
    #[error("no transaction with this TID")]
    UnknownTid,
    /// The transaction is not a virtual account waiting for its deposit.
    #[error("transaction is not a virtual account waiting for a deposit")]
    NotWaitingVbank,
}

/// State shared by every handler and the notification sender.
#[derive(Debug)]
pub(crate) struct Shared {
    pub cfg: SandboxConfig,
    pub clock: Clock,
    pub base_url: String,
    state: Mutex<State>,
    seq: AtomicU64,
    pub noti_wake: Notify,
    pub http: reqwest::Client,
    pub deliver_lock: tokio::sync::Mutex<()>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn merchant(&self, mid: &str) -> Option<&MerchantKeys> {
        self.cfg.merchant(mid)
    }

    /// A pseudo-random 64-bit number (splitmix64 over a counter and the
    /// start time): unique per call, good enough for fake account numbers.
    pub(crate) fn next_random(&self) -> u64 {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        let mut z = n
            .wrapping_add(0x9E37_79B9_7F4A_7C15)
            .wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `n` random decimal digits.
    pub(crate) fn digits(&self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            s.push_str(&format!(
                "{:019}",
                self.next_random() % 10_000_000_000_000_000_000
            ));
        }
        s.truncate(n);
        s
    }

    /// A 40-character TID: 10-char prefix + MID (padded to 10) +
    /// `yyyyMMddHHmmss` (KST) + 6 digits from a counter (PROTOCOL.md 1, 7.2).
    pub(crate) fn tid(&self, prefix: &str, mid: &str) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed) % 1_000_000;
        format!(
            "{prefix:_<10.10}{mid:_<10.10}{}{n:06}",
            self.clock.kst_timestamp()
        )
    }

    pub(crate) fn take_faults(&self, e: Endpoint) -> Vec<Fault> {
        self.lock().faults.take(e)
    }

    /// The faults of every endpoint in `es` that apply to this one call.
    pub(crate) fn take_faults_of(&self, es: &[Endpoint]) -> Vec<Fault> {
        let mut st = self.lock();
        es.iter().flat_map(|e| st.faults.take(*e)).collect()
    }
}

/// A running sandbox. Dropping it does not stop the server; call
/// [`Sandbox::shutdown`] (or let the runtime end).
///
/// ```no_run
/// # async fn demo() -> Result<(), inipay_sandbox::StartError> {
/// use inipay_sandbox::{Sandbox, SandboxConfig};
/// let sandbox = Sandbox::start(SandboxConfig::default()).await?;
/// println!("INICIS is at {}", sandbox.base_url());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
    sender: tokio::task::JoinHandle<()>,
}

impl Sandbox {
    /// Binds 127.0.0.1 (ephemeral port when `config.port == 0`), spawns the
    /// server and the notification sender on the current tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, StartError> {
        let port = config.port;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| StartError::Bind { port, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { port, source })?;
        let http = reqwest::Client::builder()
            .timeout(config.noti_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(StartError::Client)?;
        let shared = Arc::new(Shared {
            clock: config.clock.clone(),
            base_url: format!("http://{addr}"),
            cfg: config,
            state: Mutex::new(State::default()),
            seq: AtomicU64::new(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1),
            ),
            noti_wake: Notify::new(),
            http,
            deliver_lock: tokio::sync::Mutex::new(()),
        });
        let app = router(shared.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        let sender = tokio::spawn(noti::run_sender(shared.clone()));
        Ok(Sandbox {
            shared,
            addr,
            stop: Some(tx),
            server,
            sender,
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): the one base URL under
    /// which every INICIS path is served.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.shared.base_url, path)
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The sandbox clock (advance a manual clock to drive retries).
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// Every transaction, oldest first.
    pub fn transactions(&self) -> Vec<Txn> {
        let st = self.shared.lock();
        st.txn_order
            .iter()
            .filter_map(|t| st.txns.get(t).cloned())
            .collect()
    }

    /// One transaction by approval TID.
    pub fn transaction(&self, tid: &str) -> Option<Txn> {
        self.shared.lock().txns.get(tid).cloned()
    }

    /// Every notification attempt, in order.
    pub fn noti_attempts(&self) -> Vec<NotiAttempt> {
        self.shared.lock().noti_attempts.clone()
    }

    /// Every notification job (pending and finished).
    pub fn noti_jobs(&self) -> Vec<NotiJob> {
        self.shared.lock().noti_jobs.clone()
    }

    /// Delivers every notification due now (by the sandbox clock) and returns
    /// when those attempts are recorded. Tests with a manual clock call this
    /// after [`Clock::advance`] instead of sleeping.
    pub async fn deliver_due(&self) {
        noti::deliver_due(&self.shared).await;
    }

    /// Simulates the deposit into a virtual account (the admin's
    /// "입금통보테스트"): marks it paid and queues the `P_STATUS=02` noti.
    pub fn deposit_vbank(&self, tid: &str) -> Result<(), ControlError> {
        control::deposit_vbank(&self.shared, tid)
    }

    /// Makes the next `count` calls of `endpoint` suffer `fault`.
    pub fn inject(&self, endpoint: Endpoint, fault: Fault, count: u32) {
        self.shared.lock().faults.inject(endpoint, fault, count);
    }

    /// The faults not yet used up: endpoint, fault, remaining count.
    pub fn pending_faults(&self) -> Vec<(Endpoint, Fault, u32)> {
        self.shared.lock().faults.list().to_vec()
    }

    /// Drops every pending fault (transactions and notifications stay).
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Every billing key issued so far (with its order id), in no order.
    pub fn billkeys(&self) -> Vec<crate::state::Billkey> {
        self.shared.lock().billkeys.values().cloned().collect()
    }

    /// Forgets every session, transaction, billkey, noti and fault.
    pub fn reset(&self) {
        *self.shared.lock() = State::default();
    }

    /// Cash receipts issued through INIAPI v2 `/v2/pg/receipt`.
    pub fn receipts(&self) -> Vec<crate::state::IssuedReceipt> {
        self.shared.lock().receipts.clone()
    }

    /// Whether a billing key (plain 40-hex form) is known.
    pub fn has_billkey(&self, key: &str) -> bool {
        self.shared.lock().billkeys.contains_key(key)
    }

    /// Stops the server and the sender and waits for them.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.sender.abort();
        let _ = (&mut self.server).await;
    }

    #[doc(hidden)]
    /// Bench/test support: registers an authenticated card session as if a
    /// tester had approved the window, and returns its auth TID.
    pub fn __seed_authenticated_card(&self, mid: &str, oid: &str, amt: u64) -> String {
        mobile::seed_authenticated_card(&self.shared, mid, oid, amt)
    }
}

fn router(sh: Arc<Shared>) -> Router {
    Router::new()
        .route("/smart/payment/", post(mobile::payment))
        .route("/smart/payment", post(mobile::payment))
        .route("/smart/{legacy}/", post(mobile::legacy_payment))
        .route("/smart/sandbox/complete", post(mobile::complete))
        .route(
            "/smart/payReq.ini",
            post(mobile::approve::approve).get(mobile::approve::approve),
        )
        .route("/smart/payNetCancel.ini", post(mobile::approve::net_cancel))
        .route("/inibill/inibill_card.jsp", post(billing::inibill_card))
        .route("/inibill/inibill_hpp.jsp", post(billing::inibill_hpp))
        .route("/pay/card/billing", post(billing::inilitepay))
        .route("/inibill/sandbox/complete", post(billing::complete))
        .route("/api/v1/billing", post(iniapi::v1::billing))
        .route("/api/v1/refund", post(iniapi::v1::refund))
        .route("/api/v1/extra", post(iniapi::v1::extra))
        .route("/api/v1/escrow", post(iniapi::v1::escrow))
        .route("/v2/pg/{*service}", post(iniapi::v2::dispatch))
        .route("/sandbox/", get(control::dashboard))
        .route("/sandbox", get(control::dashboard))
        .route("/sandbox/api/transactions", get(control::api_transactions))
        .route(
            "/sandbox/api/notifications",
            get(control::api_notifications),
        )
        .route("/sandbox/api/receipts", get(control::api_receipts))
        .route("/sandbox/api/vbank/deposit", post(control::api_deposit))
        .route(
            "/sandbox/api/faults",
            get(control::api_faults).post(control::api_inject),
        )
        .route("/sandbox/api/reset", post(control::api_reset))
        .route("/sandbox/api/deliver", post(control::api_deliver))
        .route("/sandbox/api/clock/advance", post(control::api_advance))
        .route("/sandbox/deposit", post(control::form_deposit))
        .route("/sandbox/reset", post(control::form_reset))
        .route("/sandbox/fault", post(control::form_fault))
        .with_state(sh)
}

/// A response with a body and content type.
pub(crate) fn respond(status: StatusCode, content_type: &str, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

/// HTML in UTF-8.
pub(crate) fn html(body: String) -> Response {
    respond(StatusCode::OK, "text/html; charset=UTF-8", body)
}

/// HTTP 500 with an empty body (the `Http500` fault).
pub(crate) fn http500() -> Response {
    respond(
        StatusCode::INTERNAL_SERVER_ERROR,
        "text/plain",
        Vec::<u8>::new(),
    )
}
