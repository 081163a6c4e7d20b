//! Buyer contact data: personal data, masked in `Debug`.

use super::{FieldError, FieldErrorKind, Text};
use std::fmt;

/// A buyer's name (구매자명, `P_UNAME` 30 EUC-KR bytes). Personal data: `Debug`
/// shows only the first character.
///
/// ```
/// use inipay_core::types::BuyerName;
/// let n = BuyerName::new("홍길동").unwrap();
/// assert_eq!(format!("{n:?}"), "BuyerName(홍**)");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BuyerName(Text<30>);

impl BuyerName {
    /// The EUC-KR byte limit of `P_UNAME` / `buyername`.
    pub const LIMIT: usize = 30;

    /// Validates a buyer name.
    pub fn new(value: impl Into<String>) -> Result<BuyerName, FieldError> {
        Text::new("P_UNAME", value).map(BuyerName)
    }

    /// The name as sent.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl From<Text<30>> for BuyerName {
    fn from(t: Text<30>) -> BuyerName {
        BuyerName(t)
    }
}

impl fmt::Debug for BuyerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BuyerName({})", mask_tail(self.0.as_str(), 1))
    }
}

/// Keeps the first `keep` characters and replaces the rest with `*`.
///
/// ```
/// assert_eq!(inipay_core::types::mask_tail("01012345678", 3), "010********");
/// ```
pub fn mask_tail(s: &str, keep: usize) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| if i < keep { c } else { '*' })
        .collect()
}

/// A buyer's phone number (`P_MOBILE` 20 bytes, `buyertel` 40): ASCII digits
/// and `-`, with 9 to 12 digits. Personal data: `Debug` is masked.
///
/// ```
/// use inipay_core::types::Phone;
/// let p = Phone::new("010-1234-5678").unwrap();
/// assert_eq!(p.digits(), "01012345678");
/// assert!(!format!("{p:?}").contains("5678"));
/// assert!(Phone::new("010 1234 5678").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// The field name used in errors.
    pub const FIELD: &'static str = "P_MOBILE";
    /// Byte limit of `P_MOBILE`.
    pub const MAX_LEN: usize = 20;

    /// Validates a phone number.
    pub fn new(value: impl AsRef<str>) -> Result<Phone, FieldError> {
        let v = value.as_ref();
        let field = Self::FIELD;
        if v.is_empty() {
            return Err(FieldError::new(field, FieldErrorKind::Missing));
        }
        if let Some(c) = v.chars().find(|c| !(c.is_ascii_digit() || *c == '-')) {
            return Err(FieldError::new(field, FieldErrorKind::ForbiddenChar(c)));
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
        let digits = v.bytes().filter(u8::is_ascii_digit).count();
        if !(9..=12).contains(&digits) {
            return Err(FieldError::new(
                field,
                FieldErrorKind::Format("a phone number with 9 to 12 digits"),
            ));
        }
        Ok(Phone(v.to_owned()))
    }

    /// The number as given (with any `-`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits only (`buyertel`, INIAPI `buyerTel`).
    pub fn digits(&self) -> String {
        self.0.chars().filter(char::is_ascii_digit).collect()
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", mask_tail(&self.0, 3))
    }
}

/// A buyer's e-mail (`P_EMAIL` 60 bytes): one `@`, non-empty local part and
/// domain, ASCII letters, digits and `.` `-` `_` only (PROTOCOL.md 2.2 allows
/// only `@` and `.` as special characters; `-` and `_` are accepted because
/// real addresses need them). Personal data: `Debug` is masked.
///
/// ```
/// use inipay_core::types::Email;
/// assert!(Email::new("test@example.com").is_ok());
/// assert!(Email::new("a+tag@example.com").is_err());
/// assert!(Email::new("no-at-sign").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// The field name used in errors.
    pub const FIELD: &'static str = "P_EMAIL";
    /// Byte limit of `P_EMAIL` / `buyeremail`.
    pub const MAX_LEN: usize = 60;

    /// Validates an e-mail address.
    pub fn new(value: impl AsRef<str>) -> Result<Email, FieldError> {
        let v = value.as_ref();
        let field = Self::FIELD;
        if v.is_empty() {
            return Err(FieldError::new(field, FieldErrorKind::Missing));
        }
        if let Some(c) = v
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '-' | '_')))
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
        let mut parts = v.split('@');
        let ok = matches!(
            (parts.next(), parts.next(), parts.next()),
            (Some(l), Some(d), None) if !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        );
        if !ok {
            return Err(FieldError::new(
                field,
                FieldErrorKind::Format("an address like name@example.com"),
            ));
        }
        Ok(Email(v.to_owned()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let domain = self.0.split('@').nth(1).unwrap_or("");
        write!(
            f,
            "Email({}@{domain})",
            mask_tail(self.0.split('@').next().unwrap_or(""), 1)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_limits() {
        assert!(Phone::new("0101234567890-------").is_err()); // 13 digits
        assert!(Phone::new("010-1234-5678-------").is_ok()); // exactly 20 bytes, 11 digits
        let e = Phone::new("010-1234-5678--------").unwrap_err(); // 21 bytes
        assert_eq!(
            e.kind,
            FieldErrorKind::TooLong {
                limit: 20,
                actual: 21
            }
        );
    }

    #[test]
    fn email_limits() {
        let at_limit = format!("{}@example.com", "a".repeat(48));
        assert_eq!(at_limit.len(), 60);
        assert!(Email::new(&at_limit).is_ok());
        let over = format!("{}@example.com", "a".repeat(49));
        assert_eq!(
            Email::new(&over).unwrap_err().kind,
            FieldErrorKind::TooLong {
                limit: 60,
                actual: 61
            }
        );
        assert!(Email::new("a@b@c.com").is_err());
        assert!(Email::new("홍@b.com").is_err());
    }

    #[test]
    fn debug_masks_personal_data() {
        let e = Email::new("secret.person@example.com").unwrap();
        assert!(!format!("{e:?}").contains("secret"));
        let n = BuyerName::new("홍길동").unwrap();
        assert!(!format!("{n:?}").contains("길동"));
    }
}
