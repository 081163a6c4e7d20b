//! Merchant ids, order ids and transaction ids.

use super::{FieldError, FieldErrorKind};
use std::fmt;

/// A merchant id (상점아이디, `P_MID` / `mid`): exactly 10 ASCII letters or digits
/// (PROTOCOL.md 0, 2.2).
///
/// ```
/// use inipay_core::types::Mid;
/// let mid = Mid::new("INIpayTest").unwrap();
/// assert!(mid.is_published_test_mid());
/// assert!(Mid::new("short").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mid(String);

impl Mid {
    /// The field name used in errors.
    pub const FIELD: &'static str = "P_MID";
    /// The length of every MID.
    pub const LEN: usize = 10;
    /// The public test MIDs whose keys INICIS publishes (PROTOCOL.md 1.3).
    pub const PUBLISHED_TEST_MIDS: [&'static str; 3] = ["INIpayTest", "iniescrow0", "INIBillTst"];

    /// Validates a MID.
    pub fn new(value: impl AsRef<str>) -> Result<Mid, FieldError> {
        let v = value.as_ref();
        if v.is_empty() {
            return Err(FieldError::new(Self::FIELD, FieldErrorKind::Missing));
        }
        if let Some(c) = v.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(FieldError::new(
                Self::FIELD,
                if c.is_ascii() {
                    FieldErrorKind::ForbiddenChar(c)
                } else {
                    FieldErrorKind::NotAscii
                },
            ));
        }
        if v.len() != Self::LEN {
            return Err(FieldError::new(
                Self::FIELD,
                FieldErrorKind::WrongLength {
                    expected: Self::LEN,
                    actual: v.len(),
                },
            ));
        }
        Ok(Mid(v.to_owned()))
    }

    /// The MID as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is one of INICIS's public test MIDs.
    pub fn is_published_test_mid(&self) -> bool {
        Self::PUBLISHED_TEST_MIDS.contains(&self.0.as_str())
    }
}

impl fmt::Debug for Mid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mid({})", self.0)
    }
}
impl fmt::Display for Mid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Characters INICIS forbids in an order id besides non-ASCII
/// (PROTOCOL.md 2.2: colon, question mark, backtick, double quote, ampersand,
/// newline, "other special symbols").
const OID_ALLOWED_SYMBOLS: &[char] = &['-', '_', '.'];

/// A merchant order number (주문번호, `P_OID` / `orderid` / `moid`): 1 to 40
/// ASCII letters, digits, `-`, `_` or `.`; no Korean, no `:` `?` `` ` `` `"`
/// `&` or newline (PROTOCOL.md 2.2). It must be unique per payment.
///
/// ```
/// use inipay_core::types::OrderId;
/// assert!(OrderId::new("ORD-2024_01.001").is_ok());
/// assert!(OrderId::new("a".repeat(40)).is_ok());
/// assert!(OrderId::new("a".repeat(41)).is_err());
/// assert!(OrderId::new("ORD?1").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderId(String);

impl OrderId {
    /// The field name used in errors.
    pub const FIELD: &'static str = "P_OID";
    /// Maximum length in bytes (P_OID, 40).
    pub const MAX_LEN: usize = 40;

    /// Validates an order id.
    pub fn new(value: impl AsRef<str>) -> Result<OrderId, FieldError> {
        Self::with_field(Self::FIELD, value.as_ref())
    }

    /// Validates an order id, naming `field` in errors (`orderid`, `moid`, ...).
    pub fn with_field(field: &'static str, v: &str) -> Result<OrderId, FieldError> {
        if v.is_empty() {
            return Err(FieldError::new(field, FieldErrorKind::Missing));
        }
        if let Some(c) = v
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || OID_ALLOWED_SYMBOLS.contains(c)))
        {
            return Err(FieldError::new(
                field,
                if c.is_ascii() {
                    FieldErrorKind::ForbiddenChar(c)
                } else {
                    FieldErrorKind::NotAscii
                },
            ));
        }
        if v.len() > Self::MAX_LEN {
            return Err(FieldError::new(
                field,
                FieldErrorKind::TooLong {
                    limit: Self::MAX_LEN,
                    actual: v.len(),
                },
            ));
        }
        Ok(OrderId(v.to_owned()))
    }

    /// The order id as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrderId({})", self.0)
    }
}
impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An INICIS transaction id (거래번호, TID): up to 40 ASCII letters, digits or
/// `_` (PROTOCOL.md 0). Observed layout: 10-character prefix
/// (`INIMX_AUTH`, `INIMX_CARD`, `INIMX_VBNK`, `StdpayCARD`, `INIAPICARD`, ...),
/// the 10-character MID, `yyyyMMddHHmmss` and 6 digits.
///
/// ```
/// use inipay_core::types::Tid;
/// let tid = Tid::new("INIMX_AUTHINIpayTest20241029164022745656").unwrap();
/// assert_eq!(tid.prefix(), Some("INIMX_AUTH"));
/// assert_eq!(tid.embedded_mid(), Some("INIpayTest"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tid(String);

impl Tid {
    /// The field name used in errors.
    pub const FIELD: &'static str = "P_TID";
    /// Maximum length (40).
    pub const MAX_LEN: usize = 40;

    /// Validates a TID.
    pub fn new(value: impl AsRef<str>) -> Result<Tid, FieldError> {
        Self::with_field(Self::FIELD, value.as_ref())
    }

    /// Validates a TID, naming `field` in errors (`tid`, `originalTid`, ...).
    pub fn with_field(field: &'static str, v: &str) -> Result<Tid, FieldError> {
        if v.is_empty() {
            return Err(FieldError::new(field, FieldErrorKind::Missing));
        }
        if let Some(c) = v
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
        {
            return Err(FieldError::new(
                field,
                if c.is_ascii() {
                    FieldErrorKind::ForbiddenChar(c)
                } else {
                    FieldErrorKind::NotAscii
                },
            ));
        }
        if v.len() > Self::MAX_LEN {
            return Err(FieldError::new(
                field,
                FieldErrorKind::TooLong {
                    limit: Self::MAX_LEN,
                    actual: v.len(),
                },
            ));
        }
        Ok(Tid(v.to_owned()))
    }

    /// The TID as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 10-character prefix naming the kind of transaction, when the TID
    /// has the usual 40-character layout.
    pub fn prefix(&self) -> Option<&str> {
        (self.0.len() == Self::MAX_LEN).then(|| &self.0[..10])
    }

    /// The MID embedded at characters 10..20 of a 40-character TID (the
    /// official Node sample reads it this way for net-cancel).
    pub fn embedded_mid(&self) -> Option<&str> {
        (self.0.len() == Self::MAX_LEN).then(|| &self.0[10..20])
    }
}

impl fmt::Debug for Tid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tid({})", self.0)
    }
}
impl fmt::Display for Tid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mid_exactly_ten() {
        assert!(Mid::new("INIpayTest").is_ok());
        assert_eq!(
            Mid::new("INIpayTest1").unwrap_err().kind,
            FieldErrorKind::WrongLength {
                expected: 10,
                actual: 11
            }
        );
        assert_eq!(Mid::new("").unwrap_err().kind, FieldErrorKind::Missing);
        assert_eq!(
            Mid::new("INI-ayTest").unwrap_err().kind,
            FieldErrorKind::ForbiddenChar('-')
        );
    }

    #[test]
    fn oid_limit_40_and_41() {
        assert!(OrderId::new("x".repeat(40)).is_ok());
        let e = OrderId::new("x".repeat(41)).unwrap_err();
        assert_eq!(
            e.kind,
            FieldErrorKind::TooLong {
                limit: 40,
                actual: 41
            }
        );
        assert_eq!(e.field, "P_OID");
    }

    #[test]
    fn oid_forbidden_characters() {
        for c in [':', '?', '`', '"', '&', '\n', ' ', '='] {
            let e = OrderId::new(format!("A{c}B")).unwrap_err();
            assert_eq!(e.kind, FieldErrorKind::ForbiddenChar(c), "{c:?}");
        }
        assert_eq!(
            OrderId::new("주문").unwrap_err().kind,
            FieldErrorKind::NotAscii
        );
    }

    #[test]
    fn tid_limits() {
        assert!(Tid::new("A".repeat(40)).is_ok());
        assert!(Tid::new("A".repeat(41)).is_err());
        assert!(Tid::new("INIMX AUTH").is_err());
        let t = Tid::new("StdpayCARDINIpayTest20210101111111111111").unwrap();
        assert_eq!(t.prefix(), Some("StdpayCARD"));
        assert_eq!(Tid::new("short").unwrap().prefix(), None);
    }
}
