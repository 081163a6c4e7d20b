//! Field rules shared by the inibill and inilitepay billing-key forms.
//!
//! The mobile billing manual (PROTOCOL.md 3, seed `003`) gives sizes in bytes
//! but the forms are posted in UTF-8 (`Accept-charset : UTF-8`), while every
//! other INICIS limit is counted in EUC-KR bytes. Which unit INICIS applies is
//! not documented, so [`SizeUnit`] makes it a setting. The default counts
//! **UTF-8 bytes**: for every character EUC-KR can carry, its UTF-8 form is at
//! least as long as its EUC-KR form (ASCII 1 = 1, Hangul 3 > 2), so a value
//! that fits in UTF-8 bytes fits under either reading of the manual.

use crate::encoding::{Charset, UnencodableChar};
use crate::types::{FORBIDDEN_CHARS, FieldError, FieldErrorKind};

/// The unit the manual's byte sizes are counted in (see the module docs).
///
/// ```
/// use inipay_core::billing::SizeUnit;
/// assert_eq!(SizeUnit::Utf8Bytes.measure("홍길동").unwrap(), 9);
/// assert_eq!(SizeUnit::EucKrBytes.measure("홍길동").unwrap(), 6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SizeUnit {
    /// UTF-8 bytes: the bytes INICIS receives. The safe default (a value
    /// within the limit is within it under both readings).
    #[default]
    Utf8Bytes,
    /// EUC-KR bytes, the unit of INICIS's other manuals (a Hangul syllable is
    /// 2). Allows longer Korean text; use it only once INICIS confirms it.
    EucKrBytes,
}

impl SizeUnit {
    /// The length of `text` in this unit. Fails on a character EUC-KR cannot
    /// carry, in both units (INICIS's back office is EUC-KR throughout).
    pub fn measure(self, text: &str) -> Result<usize, UnencodableChar> {
        let euc_kr = Charset::EucKr.encode(text)?.len();
        Ok(match self {
            SizeUnit::Utf8Bytes => text.len(),
            SizeUnit::EucKrBytes => euc_kr,
        })
    }
}

/// Checks a free-text field (goods name, buyer name, period text, reserved
/// data): no control characters, none of [`FORBIDDEN_CHARS`], only
/// characters EUC-KR can carry, and at most `limit` bytes in `unit`.
///
/// Characters outside EUC-KR (emoji) are rejected even though the form is
/// UTF-8: INICIS's back office is EUC-KR throughout (I), so they could not be
/// stored or shown.
pub(crate) fn check_text(
    field: &'static str,
    value: &str,
    limit: usize,
    unit: SizeUnit,
) -> Result<(), FieldError> {
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() || FORBIDDEN_CHARS.contains(c))
    {
        return Err(FieldError::new(field, FieldErrorKind::ForbiddenChar(c)));
    }
    let len = unit
        .measure(value)
        .map_err(|e| FieldError::new(field, FieldErrorKind::Unencodable(e.ch)))?;
    if len > limit {
        return Err(FieldError::new(
            field,
            FieldErrorKind::TooLong { limit, actual: len },
        ));
    }
    Ok(())
}

/// A required free-text field: [`check_text`] and not empty.
pub(crate) fn check_required_text(
    field: &'static str,
    value: Option<&str>,
    limit: usize,
    unit: SizeUnit,
) -> Result<String, FieldError> {
    let v = value.ok_or(FieldError::new(field, FieldErrorKind::Missing))?;
    if v.trim().is_empty() {
        return Err(FieldError::new(field, FieldErrorKind::Missing));
    }
    check_text(field, v, limit, unit)?;
    Ok(v.to_owned())
}

/// An order number for billing (`orderid`/`orderId`, 64 bytes): ASCII letters,
/// digits, `-`, `_`, `.` (the Mobile WEB rule of PROTOCOL.md 2.2, with the
/// billing manual's 64-byte size).
pub(crate) fn check_order_id(field: &'static str, v: &str) -> Result<(), FieldError> {
    const LIMIT: usize = 64;
    if v.is_empty() {
        return Err(FieldError::new(field, FieldErrorKind::Missing));
    }
    if let Some(c) = v
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
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
    if v.len() > LIMIT {
        return Err(FieldError::new(
            field,
            FieldErrorKind::TooLong {
                limit: LIMIT,
                actual: v.len(),
            },
        ));
    }
    Ok(())
}

/// A buyer phone (`buyertel`/`buyerTel`, 40 bytes): ASCII digits and `-`,
/// with at least one digit.
pub(crate) fn check_phone(field: &'static str, v: &str) -> Result<(), FieldError> {
    const LIMIT: usize = 40;
    if v.is_empty() {
        return Err(FieldError::new(field, FieldErrorKind::Missing));
    }
    if !v.bytes().any(|b| b.is_ascii_digit()) {
        return Err(FieldError::new(
            field,
            FieldErrorKind::Format("a phone number (digits and '-')"),
        ));
    }
    if let Some(c) = v.chars().find(|c| !(c.is_ascii_digit() || *c == '-')) {
        return Err(FieldError::new(field, FieldErrorKind::ForbiddenChar(c)));
    }
    if v.len() > LIMIT {
        return Err(FieldError::new(
            field,
            FieldErrorKind::TooLong {
                limit: LIMIT,
                actual: v.len(),
            },
        ));
    }
    Ok(())
}

/// A buyer e-mail (60 bytes), with the rules of [`crate::types::Email`] but
/// naming `field` in errors.
pub(crate) fn check_email(field: &'static str, v: &str) -> Result<(), FieldError> {
    crate::types::Email::new(v)
        .map(|_| ())
        .map_err(|e| FieldError::new(field, e.kind))
}

/// An absolute http(s) URL of at most `limit` bytes, ASCII only.
pub(crate) fn check_url(
    field: &'static str,
    url: &str,
    limit: Option<usize>,
) -> Result<(), FieldError> {
    if url.is_empty() {
        return Err(FieldError::new(field, FieldErrorKind::Missing));
    }
    if let Some(limit) = limit
        && url.len() > limit
    {
        return Err(FieldError::new(
            field,
            FieldErrorKind::TooLong {
                limit,
                actual: url.len(),
            },
        ));
    }
    if let Some(c) = url
        .chars()
        .find(|c| !c.is_ascii() || c.is_ascii_control() || matches!(c, ' ' | '"' | '<' | '>'))
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
    if crate::config::origin_of(url).is_none() {
        return Err(FieldError::new(
            field,
            FieldErrorKind::Format("an absolute http:// or https:// URL"),
        ));
    }
    Ok(())
}

/// Printable ASCII only (merchant data that INICIS echoes: "Korean not
/// allowed", PROTOCOL.md 3.2), without `&` or `"`.
pub(crate) fn check_ascii_data(
    field: &'static str,
    v: &str,
    limit: Option<usize>,
) -> Result<(), FieldError> {
    if !v.is_ascii() {
        return Err(FieldError::new(field, FieldErrorKind::NotAscii));
    }
    if let Some(c) = v
        .chars()
        .find(|c| c.is_ascii_control() || matches!(c, '&' | '"'))
    {
        return Err(FieldError::new(field, FieldErrorKind::ForbiddenChar(c)));
    }
    if let Some(limit) = limit
        && v.len() > limit
    {
        return Err(FieldError::new(
            field,
            FieldErrorKind::TooLong {
                limit,
                actual: v.len(),
            },
        ));
    }
    Ok(())
}

/// The service period shown to the buyer (`period`, 24 bytes; 제공기간).
/// Display only: it does not change what is charged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Period {
    /// `M2`: monthly payment (월단위결제).
    Monthly,
    /// `Y2`: yearly payment (년단위결제).
    Yearly,
    /// `YYYYMMDDYYYYMMDD` start and end date (16 digits), or with hours and
    /// minutes `YYYYMMDDhhmmYYYYMMDDhhmm` (24 digits). Card billing only.
    Range(String),
}

impl Period {
    /// The wire value, checked.
    pub(crate) fn wire(&self, field: &'static str) -> Result<String, FieldError> {
        match self {
            Period::Monthly => Ok("M2".into()),
            Period::Yearly => Ok("Y2".into()),
            Period::Range(s) => {
                if (s.len() == 16 || s.len() == 24) && s.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(s.clone())
                } else {
                    Err(FieldError::new(
                        field,
                        FieldErrorKind::Format("M2, Y2, or 16 or 24 digits (YYYYMMDDYYYYMMDD)"),
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_never_shorter_than_euc_kr() {
        for s in ["abc", "홍길동", "·αβ", "漢字", "가a나b"] {
            let u = SizeUnit::Utf8Bytes.measure(s).unwrap();
            let e = SizeUnit::EucKrBytes.measure(s).unwrap();
            assert!(u >= e, "{s}: {u} < {e}");
        }
    }

    #[test]
    fn emoji_rejected_in_both_units() {
        for unit in [SizeUnit::Utf8Bytes, SizeUnit::EucKrBytes] {
            assert_eq!(
                check_text("goodname", "선물🎁", 80, unit).unwrap_err().kind,
                FieldErrorKind::Unencodable('🎁')
            );
        }
    }

    #[test]
    fn order_id_64_and_65() {
        assert!(check_order_id("orderid", &"a".repeat(64)).is_ok());
        assert_eq!(
            check_order_id("orderid", &"a".repeat(65)).unwrap_err().kind,
            FieldErrorKind::TooLong {
                limit: 64,
                actual: 65
            }
        );
        assert_eq!(
            check_order_id("orderid", "주문").unwrap_err().kind,
            FieldErrorKind::NotAscii
        );
    }

    #[test]
    fn phone_40_and_41() {
        assert!(check_phone("buyertel", &"1".repeat(40)).is_ok());
        assert!(check_phone("buyertel", &"1".repeat(41)).is_err());
        assert!(check_phone("buyertel", "010 1234").is_err());
    }

    #[test]
    fn period_forms() {
        assert_eq!(Period::Monthly.wire("period").unwrap(), "M2");
        assert_eq!(Period::Yearly.wire("period").unwrap(), "Y2");
        assert!(
            Period::Range("2024010120241231".into())
                .wire("period")
                .is_ok()
        );
        assert!(
            Period::Range("202401010000202412312359".into())
                .wire("period")
                .is_ok()
        );
        assert!(Period::Range("20240101".into()).wire("period").is_err());
    }
}
