//! The gateway client: the only place `inipay-core` does network I/O.
//!
//! One [`GatewayClient`] (reqwest with rustls) is shared by the whole app. Every
//! call has a connect timeout and a total timeout, runs in a `tracing` span
//! named `inicis_call` that carries the call kind, MID, mode, host and outcome
//! and never a body, a secret or personal data, and is never retried when it
//! is not idempotent (approval, net cancel, billing charge, refund): a second
//! approval attempt after a timeout could charge twice.
//!
//! ```no_run
//! use inipay_core::client::{Call, ClientConfig, GatewayClient};
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(),
//!     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
//! let client = GatewayClient::new(ClientConfig::default())?;
//! let reply = client
//!     .post(&merchant.origin(), Call::Approval, "http://127.0.0.1:8081/smart/payReq.ini",
//!           b"P_MID=INIpayTest&P_TID=...".to_vec(), inipay_core::client::FORM_CONTENT_TYPE)
//!     .await?;
//! println!("{} bytes", reply.body.len());
//! # Ok(()) }
//! ```

mod error;
mod iniapi;
mod mobile;

pub use error::ClientError;
pub use mobile::Exchange;

use crate::config::Origin;
use std::time::{Duration, Instant};
use tracing::Instrument as _;

/// `application/x-www-form-urlencoded` (Mobile WEB, INIAPI v1).
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";
/// `application/x-www-form-urlencoded; charset=utf-8` (INIAPI v1, PROTOCOL.md 4.1).
pub const FORM_UTF8_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
/// `application/json;charset=utf-8` (INIAPI v2, PROTOCOL.md 5.1).
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=utf-8";

/// Which gateway operation a call performs; decides retry safety and logging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Call {
    /// Mobile approval (승인요청) to `P_REQ_URL`.
    Approval,
    /// Mobile net cancel (망취소).
    NetCancel,
    /// INIAPI billing charge with a billkey.
    BillingCharge,
    /// INIAPI full refund.
    Refund,
    /// INIAPI partial refund.
    PartialRefund,
    /// INIAPI transaction inquiry.
    Inquiry,
}

impl Call {
    /// The name used in logs and spans.
    pub fn name(self) -> &'static str {
        match self {
            Call::Approval => "approval",
            Call::NetCancel => "net_cancel",
            Call::BillingCharge => "billing_charge",
            Call::Refund => "refund",
            Call::PartialRefund => "partial_refund",
            Call::Inquiry => "inquiry",
        }
    }

    /// Whether repeating the call can never change money: only inquiries.
    pub fn is_idempotent(self) -> bool {
        matches!(self, Call::Inquiry)
    }
}

/// Timeouts and identity of the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// TCP + TLS connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout (connect, send, wait, read body).
    pub total_timeout: Duration,
    /// Extra attempts for idempotent calls (inquiry) after a connect failure or
    /// timeout. Non-idempotent calls are never retried, whatever this says.
    pub idempotent_retries: u8,
    /// Largest reply body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(30),
            idempotent_retries: 1,
            max_body_bytes: 1024 * 1024,
            user_agent: concat!("inipay/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// A reply as received: HTTP status, content type and raw bytes. Parsing is
/// the protocol modules' job.
#[derive(Clone, PartialEq, Eq)]
pub struct RawReply {
    /// HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// How long the call took.
    pub elapsed: Duration,
}

impl std::fmt::Debug for RawReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawReply")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .field("elapsed", &self.elapsed)
            .finish()
    }
}

/// The async gateway client. Cheap to clone (shares one connection pool).
///
/// ```
/// use inipay_core::client::{Call, ClientConfig, GatewayClient};
/// use std::time::Duration;
///
/// let client = GatewayClient::new(ClientConfig {
///     total_timeout: Duration::from_secs(10),
///     ..ClientConfig::default()
/// })?;
/// assert_eq!(client.config().total_timeout, Duration::from_secs(10));
/// assert!(Call::Inquiry.is_idempotent() && !Call::Approval.is_idempotent());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct GatewayClient {
    http: reqwest::Client,
    config: ClientConfig,
}

impl GatewayClient {
    /// Builds a client with rustls and the configured timeouts.
    pub fn new(config: ClientConfig) -> Result<GatewayClient, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::Build(Box::new(e)))?;
        Ok(GatewayClient { http, config })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// POSTs `body` to `url` for `origin`'s merchant. Only idempotent calls
    /// are retried, and only when the request could not have been processed
    /// (connect failure) or timed out ([`ClientConfig::idempotent_retries`]).
    ///
    /// A non-2xx status is [`ClientError::Status`]; the body is still kept.
    pub async fn post(
        &self,
        origin: &Origin,
        call: Call,
        url: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<RawReply, ClientError> {
        let host = crate::config::origin_of(url).ok_or(ClientError::BadUrl)?;
        let span = tracing::info_span!(
            "inicis_call",
            call = call.name(),
            mid = %origin.mid,
            mode = %origin.mode,
            host = %host,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
            attempt = tracing::field::Empty,
        );
        async {
            let attempts = if call.is_idempotent() {
                1 + u32::from(self.config.idempotent_retries)
            } else {
                1
            };
            let mut last = None;
            for attempt in 1..=attempts {
                tracing::Span::current().record("attempt", attempt);
                match self.once(url, body.clone(), content_type).await {
                    Ok(reply) => return Ok(reply),
                    Err(e) if e.is_retryable() && attempt < attempts => {
                        tracing::warn!(error = %e, "idempotent call failed, retrying");
                        last = Some(e);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, outcome_unknown = e.is_outcome_unknown(), "gateway call failed");
                        return Err(e);
                    }
                }
            }
            Err(last.unwrap_or(ClientError::BadUrl))
        }
        .instrument(span)
        .await
    }

    async fn once(
        &self,
        url: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<RawReply, ClientError> {
        let started = Instant::now();
        let resp = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .map_err(ClientError::from_send)?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_limited(resp, self.config.max_body_bytes).await?;
        let elapsed = started.elapsed();
        let span = tracing::Span::current();
        span.record("status", status);
        span.record(
            "elapsed_ms",
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        );
        let reply = RawReply {
            status,
            content_type,
            body,
            elapsed,
        };
        if !(200..300).contains(&status) {
            return Err(ClientError::Status {
                status,
                reply: Box::new(reply),
            });
        }
        tracing::debug!(bytes = reply.body.len(), "gateway replied");
        Ok(reply)
    }
}

async fn read_limited(mut resp: reqwest::Response, limit: usize) -> Result<Vec<u8>, ClientError> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(ClientError::from_body)? {
        if out.len() + chunk.len() > limit {
            return Err(ClientError::BodyTooLarge { limit });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}
