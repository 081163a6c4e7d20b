//! Checks of literal text at expansion time, mirroring
//! `inipay_core::types::check_text`: forbidden characters, EUC-KR
//! encodability and the EUC-KR byte length.

/// Characters INICIS forbids in text fields (same list as
/// `inipay_core::types::FORBIDDEN_CHARS`, PROTOCOL.md 2.2).
const FORBIDDEN: &[char] = &['&', '"', '`', ':', '?', '<', '>', '\\'];

/// The unit a byte limit counts in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// EUC-KR bytes (Mobile WEB; a Hangul syllable is 2).
    EucKr,
    /// UTF-8 bytes (the billing forms' default reading; Hangul is 3).
    Utf8,
}

/// What is wrong with a literal.
pub(crate) enum TextProblem {
    /// A forbidden or control character.
    Forbidden(char),
    /// A character EUC-KR cannot encode.
    Unencodable(char),
    /// Longer than the limit, in the unit's bytes.
    TooLong(usize, Unit),
    /// Empty where text is required.
    Empty,
}

/// The EUC-KR length of `s`, or the first character EUC-KR cannot encode.
pub(crate) fn euc_kr_len(s: &str) -> Result<usize, char> {
    let mut len = 0;
    let mut buf = [0u8; 4];
    for ch in s.chars() {
        let one = ch.encode_utf8(&mut buf);
        let (bytes, _, unmappable) = encoding_rs::EUC_KR.encode(one);
        if unmappable {
            return Err(ch);
        }
        len += bytes.len();
    }
    Ok(len)
}

/// Checks `s` against the rules of a text field of `limit` EUC-KR bytes.
pub(crate) fn check(
    s: &str,
    limit: Option<usize>,
    forbid: bool,
    unit: Unit,
) -> Result<usize, TextProblem> {
    if s.is_empty() {
        return Err(TextProblem::Empty);
    }
    if let Some(c) = s
        .chars()
        .find(|c| c.is_control() || (forbid && FORBIDDEN.contains(c)))
    {
        return Err(TextProblem::Forbidden(c));
    }
    let euc_kr = euc_kr_len(s).map_err(TextProblem::Unencodable)?;
    let len = match unit {
        Unit::EucKr => euc_kr,
        Unit::Utf8 => s.len(),
    };
    match limit {
        Some(l) if len > l => Err(TextProblem::TooLong(len, unit)),
        _ => Ok(len),
    }
}

/// A newcomer-friendly message for `problem` in the INICIS field `field`.
pub(crate) fn message(field: &str, limit: Option<usize>, problem: &TextProblem) -> String {
    match problem {
        TextProblem::Empty => format!("{field} cannot be empty"),
        TextProblem::Forbidden(c) if c.is_control() => {
            format!("{field} cannot contain control characters such as {c:?}")
        }
        TextProblem::Forbidden(c) => {
            format!("{field} cannot contain {c:?}: INICIS forbids & \" ` : ? < > \\ in text fields")
        }
        TextProblem::Unencodable(c) => format!(
            "{field} cannot contain {c:?} (U+{:04X}): INICIS sends text in EUC-KR, which has no such character (emoji and rare symbols are rejected)",
            u32::from(*c)
        ),
        TextProblem::TooLong(len, Unit::EucKr) => format!(
            "{field} is {len} EUC-KR bytes, INICIS accepts at most {} (a Hangul syllable takes 2 bytes)",
            limit.unwrap_or(0)
        ),
        TextProblem::TooLong(len, Unit::Utf8) => format!(
            "{field} is {len} UTF-8 bytes, the limit is {} (a Hangul syllable takes 3; `size_unit = euc_kr` counts 2)",
            limit.unwrap_or(0)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hangul_is_two_bytes_and_emoji_fails() {
        let e = Unit::EucKr;
        assert_eq!(euc_kr_len("월 구독"), Ok(7));
        assert_eq!(euc_kr_len("a🎁"), Err('🎁'));
        let forty = "가".repeat(40);
        assert!(matches!(
            check(&"가".repeat(41), Some(80), true, e),
            Err(TextProblem::TooLong(82, _))
        ));
        assert!(matches!(check(&forty, Some(80), true, e), Ok(80)));
        let utf8 = check(&forty, Some(80), true, Unit::Utf8);
        assert!(matches!(utf8, Err(TextProblem::TooLong(120, Unit::Utf8))));
        assert!(matches!(
            check("Q&A", Some(80), true, e),
            Err(TextProblem::Forbidden('&'))
        ));
        assert!(matches!(check("", None, true, e), Err(TextProblem::Empty)));
    }
}
