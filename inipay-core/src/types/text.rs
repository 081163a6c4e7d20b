//! Text measured in EUC-KR bytes.

use super::{FieldError, FieldErrorKind};
use crate::encoding::Charset;
use std::fmt;

/// Characters INICIS forbids in ordinary text fields (PROTOCOL.md 2.2:
/// "`:` `?` `` ` `` newline `"` `&` and other special symbols are not
/// allowed"). `<`, `>` and `\` are added because they break the HTML and
/// script contexts the values are echoed into. Control characters (newline
/// included) are rejected as well.
pub const FORBIDDEN_CHARS: &[char] = &['&', '"', '`', ':', '?', '<', '>', '\\'];

/// Text whose EUC-KR encoding fits in `N` bytes: the unit of INICIS size
/// limits on Mobile WEB fields (P_GOODS 80, P_UNAME 30, P_MNAME 30, ...).
///
/// A Hangul syllable takes two bytes, so 40 syllables fill an 80-byte
/// `P_GOODS`. Characters EUC-KR cannot carry (emoji) and the characters in
/// [`FORBIDDEN_CHARS`] are rejected with a [`FieldError`].
///
/// The capacity is a const generic so `#[derive(Order)]` can compare it with
/// the field's INICIS limit at compile time.
///
/// ```
/// use inipay_core::types::Text;
/// let name: Text<30> = Text::new("P_UNAME", "홍길동").unwrap();
/// assert_eq!(name.as_str(), "홍길동");
/// assert_eq!(name.euc_kr_len(), 6);
/// assert!(Text::<4>::new("P_UNAME", "홍길동").is_err()); // 6 bytes > 4
/// assert!(Text::<30>::new("P_UNAME", "🙂").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text<const N: usize> {
    value: String,
    euc_kr_len: usize,
}

impl<const N: usize> Text<N> {
    /// The capacity in EUC-KR bytes.
    pub const CAPACITY: usize = N;

    /// Validates `value` for the INICIS field `field`.
    pub fn new(field: &'static str, value: impl Into<String>) -> Result<Text<N>, FieldError> {
        let value = value.into();
        let euc_kr_len = check_text(field, &value, N)?;
        Ok(Text { value, euc_kr_len })
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// Its length in EUC-KR bytes.
    pub fn euc_kr_len(&self) -> usize {
        self.euc_kr_len
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// Re-checks the text against a smaller INICIS limit `M` (for a field
    /// that shares a type with a longer one).
    pub fn narrow<const M: usize>(self, field: &'static str) -> Result<Text<M>, FieldError> {
        if self.euc_kr_len > M {
            return Err(FieldError::new(
                field,
                FieldErrorKind::TooLong {
                    limit: M,
                    actual: self.euc_kr_len,
                },
            ));
        }
        Ok(Text {
            value: self.value,
            euc_kr_len: self.euc_kr_len,
        })
    }
}

/// Checks `value` for control characters, forbidden characters, EUC-KR
/// encodability and an EUC-KR length of at most `limit`; returns the length.
///
/// ```
/// use inipay_core::types::{check_text, FieldErrorKind};
/// assert_eq!(check_text("P_GOODS", "상품", 80).unwrap(), 4);
/// let e = check_text("P_GOODS", "a&b", 80).unwrap_err();
/// assert_eq!(e.kind, FieldErrorKind::ForbiddenChar('&'));
/// ```
pub fn check_text(field: &'static str, value: &str, limit: usize) -> Result<usize, FieldError> {
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() || FORBIDDEN_CHARS.contains(c))
    {
        return Err(FieldError::new(field, FieldErrorKind::ForbiddenChar(c)));
    }
    let len = Charset::EucKr
        .encode(value)
        .map_err(|e| FieldError::new(field, FieldErrorKind::Unencodable(e.ch)))?
        .len();
    if len > limit {
        return Err(FieldError::new(
            field,
            FieldErrorKind::TooLong { limit, actual: len },
        ));
    }
    Ok(len)
}

impl<const N: usize> fmt::Debug for Text<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.value, f)
    }
}

impl<const N: usize> fmt::Display for Text<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl<const N: usize> AsRef<str> for Text<N> {
    fn as_ref(&self) -> &str {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goods_80_bytes_exactly_and_one_over() {
        // 40 Hangul syllables = 80 EUC-KR bytes: accepted.
        let forty = "가".repeat(40);
        assert_eq!(
            Text::<80>::new("P_GOODS", forty.clone())
                .unwrap()
                .euc_kr_len(),
            80
        );
        // 40 syllables + 1 ASCII = 81 bytes: rejected, naming field and limit.
        let e = Text::<80>::new("P_GOODS", format!("{forty}a")).unwrap_err();
        assert_eq!(e.field, "P_GOODS");
        assert_eq!(
            e.kind,
            FieldErrorKind::TooLong {
                limit: 80,
                actual: 81
            }
        );
        assert_eq!(e.to_string(), "P_GOODS: is 81 bytes, the limit is 80 bytes");
        // 41 syllables are 82 bytes although only 41 characters.
        assert!(Text::<80>::new("P_GOODS", "가".repeat(41)).is_err());
    }

    #[test]
    fn uname_30_bytes() {
        assert!(Text::<30>::new("P_UNAME", "가".repeat(15)).is_ok());
        assert!(Text::<30>::new("P_UNAME", format!("{}a", "가".repeat(15))).is_err());
    }

    #[test]
    fn emoji_names_the_character_not_the_value() {
        let e = Text::<80>::new("P_GOODS", "선물🎁세트").unwrap_err();
        assert_eq!(e.kind, FieldErrorKind::Unencodable('🎁'));
        let msg = e.to_string();
        assert!(msg.contains("U+1F381") && !msg.contains("선물"), "{msg}");
    }

    #[test]
    fn control_and_forbidden() {
        assert_eq!(
            Text::<80>::new("P_GOODS", "a\nb").unwrap_err().kind,
            FieldErrorKind::ForbiddenChar('\n')
        );
        assert!(Text::<80>::new("P_GOODS", "Q&A").is_err());
        assert!(Text::<80>::new("P_GOODS", "1+1 (행사)").is_ok());
    }

    #[test]
    fn narrow_rechecks() {
        let t: Text<80> = Text::new("P_GOODS", "가".repeat(20)).unwrap();
        assert!(t.clone().narrow::<40>("goodName").is_ok());
        assert!(t.narrow::<39>("goodName").is_err());
    }
}
