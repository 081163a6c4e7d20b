//! The result-code taxonomy: what a gateway answer means for the merchant.
//!
//! INICIS reports results as codes and Korean messages. We classify by code
//! only (never by matching Korean text) and keep the raw code and message so
//! nothing is lost (STYLE.md, errors).
//!
//! ```
//! use inipay_core::outcome::{Outcome, ResultCode};
//! let ok = ResultCode::new(Outcome::Success, "00", "정상처리되었습니다.");
//! assert!(ok.is_success());
//! ```

use std::fmt;

/// What a result means, independent of the product that reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// The operation succeeded.
    Success,
    /// The buyer cancelled (closed the window, pressed cancel).
    UserCancel,
    /// The card company, bank or carrier declined (limit, balance, fraud...).
    Declined,
    /// INICIS rejected the request or failed (parameters, hash, state, system).
    GatewayError,
    /// A failure whose cause the code does not tell (Mobile WEB's `P_STATUS=01`
    /// is used both for user cancel and for failures, PROTOCOL.md 2.9).
    Unknown,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Success => "success",
            Outcome::UserCancel => "cancelled by the buyer",
            Outcome::Declined => "declined",
            Outcome::GatewayError => "gateway error",
            Outcome::Unknown => "failed (cause not reported)",
        })
    }
}

/// A gateway result: its class plus the raw code and message as received.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResultCode {
    /// The classification.
    pub outcome: Outcome,
    /// The raw code (`P_STATUS`, `resultcode`, `resultCode`).
    pub code: String,
    /// The raw message (`P_RMESG1`, `resultmsg`, `resultMsg`), as sent.
    pub message: String,
    /// A finer code when the gateway sent one (`detailResultCode`, or an ASCII
    /// code in brackets at the start of the message such as `[1113]`).
    pub detail: Option<String>,
}

impl ResultCode {
    /// A result with no detail code.
    pub fn new(
        outcome: Outcome,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> ResultCode {
        let message = message.into();
        let detail = bracketed_code(&message).map(str::to_owned);
        ResultCode {
            outcome,
            code: code.into(),
            message,
            detail,
        }
    }

    /// Whether the outcome is [`Outcome::Success`].
    pub fn is_success(&self) -> bool {
        self.outcome == Outcome::Success
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {}", self.outcome, self.code)?;
        if let Some(d) = &self.detail {
            write!(f, ", detail {d}")?;
        }
        write!(f, "): {}", self.message)
    }
}

/// The ASCII code in leading square brackets of an INICIS message
/// (`[1113][실시간빌링실패|...]` gives `1113`, `[MX1003]...` gives `MX1003`).
///
/// ```
/// use inipay_core::outcome::bracketed_code;
/// assert_eq!(bracketed_code("[1113][실시간빌링실패|요청금액 0원 이하]"), Some("1113"));
/// assert_eq!(bracketed_code("[신용카드|빌링이 정상적으로 이루어졌습니다.]"), None);
/// ```
pub fn bracketed_code(message: &str) -> Option<&str> {
    let rest = message.trim_start().strip_prefix('[')?;
    let end = rest.find(']')?;
    let code = &rest[..end];
    (!code.is_empty() && code.len() <= 12 && code.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then_some(code)
}
