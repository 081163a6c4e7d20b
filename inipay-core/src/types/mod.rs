//! Validated values with their INICIS limits.
//!
//! Every constructor checks what INICIS would otherwise reject at run time and
//! returns a [`FieldError`] naming the field and the limit. Error messages never
//! contain the rejected value (it may be personal data); they name the field,
//! the rule and, for a forbidden character, the character.
//!
//! ```
//! use inipay_core::types::{Amount, OrderId, Text};
//!
//! let oid = OrderId::new("ORD20240101120000001").unwrap();
//! let goods: Text<80> = Text::new("P_GOODS", "테스트상품").unwrap();
//! assert_eq!(goods.euc_kr_len(), 10);
//! assert_eq!(Amount::won(1000).to_wire(), "1000");
//! assert!(OrderId::new("주문1").is_err());
//! # let _ = oid;
//! ```

mod amount;
mod contact;
mod ids;
mod text;

pub use amount::Amount;
pub use contact::mask_tail;
pub use contact::{BuyerName, Email, Phone};
pub use ids::{Mid, OrderId, Tid};
pub use text::{FORBIDDEN_CHARS, Text, check_text};

use std::fmt;

/// A value rejected by an INICIS field rule.
///
/// `field` is the INICIS parameter name (`P_OID`, `P_GOODS`, `price`, ...);
/// the message never repeats the value itself.
///
/// ```
/// use inipay_core::types::{FieldErrorKind, Text};
///
/// let err = Text::<30>::new("P_UNAME", "가".repeat(16)).unwrap_err();
/// assert_eq!(err.field, "P_UNAME");
/// assert_eq!(err.kind, FieldErrorKind::TooLong { limit: 30, actual: 32 });
/// assert_eq!(err.to_string(), "P_UNAME: is 32 bytes, the limit is 30 bytes");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {kind}")]
#[non_exhaustive]
pub struct FieldError {
    /// The INICIS field name.
    pub field: &'static str,
    /// What rule the value broke.
    pub kind: FieldErrorKind,
}

impl FieldError {
    /// A new error for `field`.
    pub fn new(field: &'static str, kind: FieldErrorKind) -> FieldError {
        FieldError { field, kind }
    }
}

/// The rule a field value broke.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldErrorKind {
    /// A required field is absent or empty.
    Missing,
    /// Longer than INICIS accepts; lengths are in bytes of the wire charset
    /// (EUC-KR for Mobile WEB text).
    TooLong {
        /// The maximum in bytes.
        limit: usize,
        /// The actual length in bytes.
        actual: usize,
    },
    /// Shorter than the field requires.
    TooShort {
        /// The minimum.
        min: usize,
        /// The actual length.
        actual: usize,
    },
    /// Exactly this many characters are required.
    WrongLength {
        /// The required length.
        expected: usize,
        /// The actual length.
        actual: usize,
    },
    /// A character INICIS forbids in this field.
    ForbiddenChar(char),
    /// A character the wire charset (EUC-KR) cannot carry, such as an emoji.
    Unencodable(char),
    /// Only ASCII digits are allowed.
    NotDigits,
    /// A number written with a leading zero (`012000`): wire amounts are
    /// digits without leading zeros, `0` itself excepted (PROTOCOL.md 0).
    LeadingZero,
    /// Korean (or other non-ASCII) text where INICIS allows none.
    NotAscii,
    /// The number is outside the allowed range.
    OutOfRange {
        /// Inclusive minimum.
        min: u64,
        /// Inclusive maximum.
        max: u64,
    },
    /// The value does not have the expected shape.
    Format(&'static str),
}

impl fmt::Display for FieldErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldErrorKind::Missing => f.write_str("is required"),
            FieldErrorKind::TooLong { limit, actual } => {
                write!(f, "is {actual} bytes, the limit is {limit} bytes")
            }
            FieldErrorKind::TooShort { min, actual } => {
                write!(f, "is {actual} long, at least {min} is required")
            }
            FieldErrorKind::WrongLength { expected, actual } => {
                write!(f, "is {actual} characters, exactly {expected} are required")
            }
            FieldErrorKind::ForbiddenChar(c) => {
                write!(f, "contains the forbidden character {c:?}")
            }
            FieldErrorKind::Unencodable(c) => write!(
                f,
                "contains U+{:04X}, which EUC-KR cannot encode (emoji and rare symbols are not accepted by INICIS)",
                u32::from(*c)
            ),
            FieldErrorKind::NotDigits => f.write_str("must contain ASCII digits only"),
            FieldErrorKind::LeadingZero => f.write_str("must not start with a zero"),
            FieldErrorKind::NotAscii => {
                f.write_str("must be ASCII (Korean text is not allowed here)")
            }
            FieldErrorKind::OutOfRange { min, max } => {
                write!(f, "must be between {min} and {max}")
            }
            FieldErrorKind::Format(expected) => write!(f, "must be {expected}"),
        }
    }
}
