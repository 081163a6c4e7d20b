//! Errors of the gateway client.

/// A gateway call that did not produce a usable reply.
///
/// [`ClientError::is_outcome_unknown`] tells whether INICIS may have acted on
/// the request (a timeout after sending): after an approval, such an error
/// means "maybe charged" and the caller must net-cancel or inquire, never
/// assume failure.
///
/// ```
/// use inipay_core::client::ClientError;
///
/// // Too large a reply may hide an approval: the outcome is unknown.
/// assert!(ClientError::BodyTooLarge { limit: 1024 }.is_outcome_unknown());
/// // A bad URL was never sent.
/// assert!(!ClientError::BadUrl.is_outcome_unknown());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The HTTP client could not be built (TLS provider, invalid settings).
    #[error("could not build the HTTP client")]
    Build(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The URL is not an absolute http(s) URL.
    #[error("the gateway URL is not an absolute http(s) URL")]
    BadUrl,
    /// The URL is not on the merchant's allow-list (PROTOCOL.md 1.1, 2.4).
    #[error("the gateway URL is not on the allow-list for this merchant")]
    UrlNotAllowed,
    /// Connecting failed: the request was never delivered.
    #[error("could not connect to the gateway")]
    Connect(#[source] reqwest::Error),
    /// The connect or total timeout expired.
    #[error("the gateway did not answer in time")]
    Timeout(#[source] reqwest::Error),
    /// Sending or reading failed midway.
    #[error("the gateway connection failed")]
    Transport(#[source] reqwest::Error),
    /// The reply body was larger than allowed.
    #[error("the gateway reply exceeded {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A signed request was handed to the wrong call (a refund request to
    /// `billing_charge`, say). Nothing was sent.
    #[error("the {call} call cannot send a {service} request")]
    WrongRequest {
        /// The call's name ([`super::Call::name`]).
        call: &'static str,
        /// The request's service.
        service: &'static str,
    },
    /// The gateway answered with a non-2xx status.
    #[error("the gateway answered HTTP {status}")]
    Status {
        /// The status code.
        status: u16,
        /// The whole reply, for the journal.
        reply: Box<super::RawReply>,
    },
}

impl ClientError {
    pub(super) fn from_send(e: reqwest::Error) -> ClientError {
        if e.is_timeout() {
            ClientError::Timeout(e)
        } else if e.is_connect() {
            ClientError::Connect(e)
        } else {
            ClientError::Transport(e)
        }
    }

    pub(super) fn from_body(e: reqwest::Error) -> ClientError {
        if e.is_timeout() {
            ClientError::Timeout(e)
        } else {
            ClientError::Transport(e)
        }
    }

    /// Whether the gateway may have processed the request although no usable
    /// reply arrived (timeout, broken connection after sending, 5xx, garbled
    /// reply). For an approval, this means "maybe charged".
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            ClientError::Timeout(_)
            | ClientError::Transport(_)
            | ClientError::BodyTooLarge { .. } => true,
            ClientError::Status { status, .. } => *status >= 500,
            ClientError::Build(_)
            | ClientError::BadUrl
            | ClientError::UrlNotAllowed
            | ClientError::WrongRequest { .. }
            | ClientError::Connect(_) => false,
        }
    }

    /// Whether an idempotent call may be retried after this error.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ClientError::Connect(_) | ClientError::Timeout(_) | ClientError::Transport(_)
        ) || matches!(self, ClientError::Status { status, .. } if *status >= 500)
    }
}
