//! EUC-KR and UTF-8 form encoding, and INICIS's `key=value&...` reply format.
//!
//! INICIS speaks two charsets: the Mobile WEB payment form is submitted in
//! EUC-KR, results come back in EUC-KR unless `P_CHARSET=utf8` was sent, and
//! INIAPI is UTF-8 (PROTOCOL.md 2.2, 2.5, 7.4). `encoding_rs::EUC_KR` is the
//! WHATWG "euc-kr" encoding, which is CP949 (a superset of KS X 1001) in
//! practice.
//!
//! Replies are parsed with PHP `parse_str` semantics, the way almost every
//! INICIS integration reads them: split on `&`, split each pair at the first
//! `=`, turn `+` into a space, percent-decode `%XX`, then decode the bytes with
//! the charset (PROTOCOL.md 2.5).
//!
//! ```
//! use inipay_core::encoding::{Charset, Form};
//!
//! let body = Charset::EucKr.encode_form([("P_GOODS", "테스트상품"), ("P_AMT", "1000")]).unwrap();
//! assert_eq!(body, b"P_GOODS=%C5%D7%BD%BA%C6%AE%BB%F3%C7%B0&P_AMT=1000");
//! let form = Form::parse(&body, Charset::EucKr).unwrap();
//! assert_eq!(form.get("P_GOODS"), Some("테스트상품"));
//! ```

use std::borrow::Cow;
use std::fmt;

/// The character set of a message exchanged with INICIS.
///
/// ```
/// use inipay_core::encoding::Charset;
///
/// assert_eq!(Charset::EucKr.encode("홍길동")?.len(), 6);
/// assert_eq!(Charset::from_p_charset("utf8"), Charset::Utf8);
/// assert!(Charset::EucKr.encode("😀").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Charset {
    /// EUC-KR (CP949): the default of every Mobile WEB message.
    #[default]
    EucKr,
    /// UTF-8: INIAPI, and Mobile WEB results when `P_CHARSET=utf8` was sent.
    Utf8,
}

impl Charset {
    /// The value INICIS uses for this charset in `P_CHARSET` (`euc-kr` / `utf8`).
    pub fn p_charset(self) -> &'static str {
        match self {
            Charset::EucKr => "euc-kr",
            Charset::Utf8 => "utf8",
        }
    }

    /// Reads a `P_CHARSET` value; anything but a UTF-8 spelling means EUC-KR,
    /// INICIS's default (PROTOCOL.md 2.2).
    ///
    /// ```
    /// use inipay_core::encoding::Charset;
    /// assert_eq!(Charset::from_p_charset("UTF-8"), Charset::Utf8);
    /// assert_eq!(Charset::from_p_charset(""), Charset::EucKr);
    /// ```
    pub fn from_p_charset(value: &str) -> Charset {
        let v = value.trim();
        if v.eq_ignore_ascii_case("utf8") || v.eq_ignore_ascii_case("utf-8") {
            Charset::Utf8
        } else {
            Charset::EucKr
        }
    }

    /// The other charset INICIS speaks: EUC-KR for UTF-8 and UTF-8 for EUC-KR.
    ///
    /// ```
    /// use inipay_core::encoding::Charset;
    /// assert_eq!(Charset::EucKr.other(), Charset::Utf8);
    /// assert_eq!(Charset::Utf8.other(), Charset::EucKr);
    /// ```
    pub fn other(self) -> Charset {
        match self {
            Charset::EucKr => Charset::Utf8,
            Charset::Utf8 => Charset::EucKr,
        }
    }

    /// The HTML `accept-charset` / `meta charset` label.
    pub fn html_label(self) -> &'static str {
        match self {
            Charset::EucKr => "euc-kr",
            Charset::Utf8 => "utf-8",
        }
    }

    /// Encodes text in this charset; fails on the first character the charset
    /// cannot carry (an emoji in EUC-KR, say).
    ///
    /// ```
    /// use inipay_core::encoding::Charset;
    /// assert_eq!(Charset::EucKr.encode("홍길동").unwrap().len(), 6);
    /// assert!(Charset::EucKr.encode("pay 😀").is_err());
    /// ```
    pub fn encode(self, text: &str) -> Result<Cow<'_, [u8]>, UnencodableChar> {
        match self {
            Charset::Utf8 => Ok(Cow::Borrowed(text.as_bytes())),
            Charset::EucKr => {
                if text.is_ascii() {
                    return Ok(Cow::Borrowed(text.as_bytes()));
                }
                let (bytes, _, had_errors) = encoding_rs::EUC_KR.encode(text);
                if had_errors {
                    let ch = first_unencodable_euc_kr(text).unwrap_or('\u{FFFD}');
                    return Err(UnencodableChar { ch, charset: self });
                }
                Ok(bytes)
            }
        }
    }

    /// Decodes bytes in this charset; fails on malformed input rather than
    /// guessing.
    pub fn decode(self, bytes: &[u8]) -> Result<Cow<'_, str>, MalformedText> {
        let enc = match self {
            Charset::Utf8 => encoding_rs::UTF_8,
            Charset::EucKr => encoding_rs::EUC_KR,
        };
        enc.decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or(MalformedText { charset: self })
    }

    /// Percent-encodes `key=value` pairs into an
    /// `application/x-www-form-urlencoded` body in this charset.
    ///
    /// Unreserved characters (`A-Z a-z 0-9 - . _ ~`) stay as they are; every
    /// other byte becomes `%XX` (a space is `%20`, never `+`).
    pub fn encode_form<'a, I, K, V>(self, pairs: I) -> Result<Vec<u8>, UnencodableField>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str> + 'a,
        V: AsRef<str> + 'a,
    {
        let mut out = Vec::new();
        for (i, (k, v)) in pairs.into_iter().enumerate() {
            if i > 0 {
                out.push(b'&');
            }
            let key = k.as_ref();
            let kb = self.encode(key).map_err(|e| UnencodableField {
                field: key.to_owned(),
                source: e,
            })?;
            percent_encode_into(&kb, &mut out);
            out.push(b'=');
            let vb = self.encode(v.as_ref()).map_err(|e| UnencodableField {
                field: key.to_owned(),
                source: e,
            })?;
            percent_encode_into(&vb, &mut out);
        }
        Ok(out)
    }
}

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.html_label())
    }
}

fn first_unencodable_euc_kr(text: &str) -> Option<char> {
    let mut buf = [0u8; 4];
    text.chars().find(|c| {
        let s = c.encode_utf8(&mut buf);
        let (_, _, had_errors) = encoding_rs::EUC_KR.encode(s);
        had_errors
    })
}

/// The number of bytes `text` takes in EUC-KR, the unit of every INICIS size
/// limit on Mobile WEB fields (a Hangul syllable counts 2).
///
/// ```
/// use inipay_core::encoding::euc_kr_len;
/// assert_eq!(euc_kr_len("테스트상품").unwrap(), 10);
/// assert_eq!(euc_kr_len("abc").unwrap(), 3);
/// ```
pub fn euc_kr_len(text: &str) -> Result<usize, UnencodableChar> {
    Charset::EucKr.encode(text).map(|b| b.len())
}

/// Appends `bytes` percent-encoded (RFC 3986 unreserved characters kept).
pub fn percent_encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b);
        } else {
            out.push(b'%');
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0x0F)]);
        }
    }
}

/// Percent-decodes with `parse_str` rules: `+` is a space, `%XX` a byte, and a
/// `%` not followed by two hex digits is kept literally (PHP does the same).
pub fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() => match (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h << 4) | l);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A decoded form or `key=value&...` reply: the pairs in the order received.
///
/// Lookups return the **last** value of a repeated key, as PHP's `parse_str`
/// does. Unknown keys are kept, so nothing INICIS sends is lost.
///
/// ```
/// use inipay_core::encoding::{Charset, Form};
///
/// // PHP parse_str semantics: percent-decoding, `+` as space, first `=` splits.
/// let form = Form::parse(b"P_UNAME=%C8%AB%B1%E6%B5%BF&P_RMESG1=a+b=c&P_NOTI=", Charset::EucKr)?;
/// assert_eq!(form.get("P_UNAME"), Some("홍길동"));
/// assert_eq!(form.get("P_RMESG1"), Some("a b=c"));
/// assert_eq!(form.get_nonempty("P_NOTI"), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    /// An empty form.
    pub fn new() -> Form {
        Form::default()
    }

    /// Parses an `application/x-www-form-urlencoded` body or an INICIS
    /// `key=value&...` reply, decoding text with `charset`.
    ///
    /// Empty segments (`a=1&&b=2`) are skipped; a segment without `=` is a key
    /// with an empty value. A key or value that is not valid text in `charset`
    /// is a [`MalformedForm`] error naming the key.
    ///
    /// ```
    /// use inipay_core::encoding::{Charset, Form};
    /// let f = Form::parse(b"P_STATUS=00&P_RMESG1=ok+done&P_X=%3D", Charset::Utf8).unwrap();
    /// assert_eq!(f.get("P_RMESG1"), Some("ok done"));
    /// assert_eq!(f.get("P_X"), Some("="));
    /// ```
    pub fn parse(body: &[u8], charset: Charset) -> Result<Form, MalformedForm> {
        let mut pairs = Vec::new();
        for segment in body.split(|&b| b == b'&') {
            if segment.is_empty() {
                continue;
            }
            let (k, v) = match segment.iter().position(|&b| b == b'=') {
                Some(p) => (&segment[..p], &segment[p + 1..]),
                None => (segment, &[][..]),
            };
            let kd = percent_decode(k);
            let key = charset
                .decode(&kd)
                .map_err(|source| MalformedForm::new(&kd, source))?
                .into_owned();
            let vd = percent_decode(v);
            let value = charset
                .decode(&vd)
                .map_err(|source| MalformedForm::new(key.as_bytes(), source))?
                .into_owned();
            pairs.push((key, value));
        }
        Ok(Form { pairs })
    }

    /// Parses like [`parse`](Self::parse) in `preferred`, and when the bytes
    /// are not valid text in it but are in the [other](Charset::other)
    /// charset, in that one. Returns the form and the charset actually used,
    /// for the caller to journal.
    ///
    /// INICIS does not always answer in the charset asked for: an approval
    /// or net-cancel reply for an unknown `P_TID` comes in EUC-KR even with
    /// `P_CHARSET=utf8`, and whether notifications follow `P_CHARSET` is
    /// unknown (PROTOCOL.md 2.5, 2.6, 8.4). Bytes valid in both (ASCII, and
    /// some Hangul) are always read in `preferred`. When neither works, the
    /// error is the one of `preferred`.
    ///
    /// ```
    /// use inipay_core::encoding::{Charset, Form};
    /// // "P_RMESG1=거래정보가 없습니다." in EUC-KR, although UTF-8 was asked for.
    /// let (body, _, _) = encoding_rs::EUC_KR.encode("P_STATUS=01&P_RMESG1=거래정보가 없습니다.");
    /// let (form, used) = Form::parse_with_fallback(&body, Charset::Utf8)?;
    /// assert_eq!(used, Charset::EucKr);
    /// assert_eq!(form.get("P_RMESG1"), Some("거래정보가 없습니다."));
    /// // ASCII is read in the charset asked for.
    /// assert_eq!(Form::parse_with_fallback(b"P_STATUS=00", Charset::Utf8)?.1, Charset::Utf8);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse_with_fallback(
        body: &[u8],
        preferred: Charset,
    ) -> Result<(Form, Charset), MalformedForm> {
        match Form::parse(body, preferred) {
            Ok(form) => Ok((form, preferred)),
            Err(e) => Form::parse(body, preferred.other())
                .map(|form| (form, preferred.other()))
                .map_err(|_| e),
        }
    }

    /// Builds a form from pairs.
    pub fn from_pairs<I, K, V>(pairs: I) -> Form
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Form {
            pairs: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The last value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `key` when present and not empty after trimming.
    pub fn get_nonempty(&self, key: &str) -> Option<&str> {
        self.get(key).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Appends a pair.
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.pairs.push((key.into(), value.into()));
    }

    /// All pairs in the order received, duplicates included.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether the form has no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Encodes the form as a body in `charset`.
    pub fn encode(&self, charset: Charset) -> Result<Vec<u8>, UnencodableField> {
        charset.encode_form(self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }
}

/// Debug output shows keys only: values may carry personal data.
impl fmt::Debug for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.pairs.iter().map(|(k, _)| k))
            .finish()
    }
}

/// A character the target charset cannot represent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("character U+{:04X} cannot be encoded in {charset}", u32::from(*ch))]
#[non_exhaustive]
pub struct UnencodableChar {
    /// The offending character.
    pub ch: char,
    /// The charset that cannot carry it.
    pub charset: Charset,
}

/// A field whose value cannot be encoded in the form's charset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {field}: {source}")]
#[non_exhaustive]
pub struct UnencodableField {
    /// The field name.
    pub field: String,
    /// What could not be encoded.
    #[source]
    pub source: UnencodableChar,
}

/// Bytes that are not valid text in the expected charset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bytes are not valid {charset} text")]
#[non_exhaustive]
pub struct MalformedText {
    /// The charset the bytes were decoded with.
    pub charset: Charset,
}

/// A form whose key or value is not valid text in its charset.
///
/// The key comes from outside, so it is kept escaped for logs
/// ([`escape_bytes_for_log`]): `Display` and `Debug` never carry a control
/// character or an invalid byte.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {field}: {source}")]
#[non_exhaustive]
pub struct MalformedForm {
    /// The key (for an undecodable key, its percent-decoded bytes), escaped
    /// with [`escape_bytes_for_log`] and cut to
    /// [`MalformedForm::FIELD_CHARS`] characters. An ordinary key such as
    /// `P_FN_NM` is unchanged.
    pub field: String,
    /// The decoding failure.
    #[source]
    pub source: MalformedText,
}

impl MalformedForm {
    /// The most characters of the key kept in [`field`](Self::field).
    pub const FIELD_CHARS: usize = 40;

    fn new(key: &[u8], source: MalformedText) -> MalformedForm {
        MalformedForm {
            field: escape_bytes_for_log(key)
                .chars()
                .take(Self::FIELD_CHARS)
                .collect(),
            source,
        }
    }
}

/// Whether `c` must not reach a log line as it is: `\` (the escape
/// character itself), control characters (C0 incl. `\n`, `\r`, `\t`, ESC;
/// DEL; C1 incl. NEL), the Unicode line and paragraph separators
/// U+2028/U+2029, and the bidirectional controls that reorder what a reader
/// sees (U+200E/F, U+202A..U+202E, U+2066..U+2069) and the BOM.
///
/// ```
/// use inipay_core::encoding::needs_log_escape;
/// assert!(needs_log_escape('\n') && needs_log_escape('\u{202E}'));
/// assert!(!needs_log_escape('가'));
/// ```
pub fn needs_log_escape(c: char) -> bool {
    c == '\\'
        || c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

fn write_escaped_char(out: &mut impl fmt::Write, c: char) -> fmt::Result {
    match c {
        '\\' => out.write_str("\\\\"),
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        c if needs_log_escape(c) => write!(out, "\\u{{{:x}}}", u32::from(c)),
        c => out.write_char(c),
    }
}

fn write_escaped_str(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    let mut rest = text;
    while let Some(i) = rest.find(needs_log_escape) {
        out.write_str(&rest[..i])?;
        let c = rest[i..].chars().next().unwrap_or('\u{FFFD}');
        write_escaped_char(out, c)?;
        rest = &rest[i + c.len_utf8()..];
    }
    out.write_str(rest)
}

fn write_escaped_bytes(out: &mut impl fmt::Write, bytes: &[u8]) -> fmt::Result {
    for chunk in bytes.utf8_chunks() {
        write_escaped_str(out, chunk.valid())?;
        for b in chunk.invalid() {
            write!(out, "\\x{b:02X}")?;
        }
    }
    Ok(())
}

/// Text from outside (a gateway reply, a browser, a notification) made safe
/// for one log line: its `Display` escapes what could end the line or forge
/// another one, so an attacker's field name cannot become a fake
/// `INFO paid: ship the goods` line.
///
/// Escaped: `\` as `\\`; `\n`, `\r`, `\t` as `\\n`, `\\r`, `\\t`; other
/// control characters (ESC, DEL, C1), U+2028/U+2029, bidirectional controls
/// and the BOM as `\u{..}`; with [`LogSafe::bytes`], bytes that are not
/// UTF-8 as `\xNN`. Everything else, Korean included, is kept. Use it for
/// every outside text in an error message or a log field (the flow and the
/// adapters use the same one); [`escape_for_log`] and
/// [`escape_bytes_for_log`] give the same as a string.
///
/// ```
/// use inipay_core::encoding::LogSafe;
///
/// let name = "P_FOO\nINFO paid: ship the goods";
/// assert_eq!(LogSafe::new(name).to_string(), "P_FOO\\nINFO paid: ship the goods");
/// assert_eq!(LogSafe::bytes(b"P_FOO\r\n\xB0").to_string(), "P_FOO\\r\\n\\xB0");
/// assert_eq!(LogSafe::new("거래\u{2028}\u{1b}[31m").to_string(), "거래\\u{2028}\\u{1b}[31m");
/// assert_eq!(LogSafe::new("정상 처리").to_string(), "정상 처리");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct LogSafe<'a>(LogText<'a>);

#[derive(Clone, Copy, PartialEq, Eq)]
enum LogText<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

impl<'a> LogSafe<'a> {
    /// Wraps text.
    pub fn new(text: &'a str) -> LogSafe<'a> {
        LogSafe(LogText::Text(text))
    }

    /// Wraps bytes of unknown encoding: valid UTF-8 is shown as text, the
    /// other bytes as `\xNN`.
    pub fn bytes(bytes: &'a [u8]) -> LogSafe<'a> {
        LogSafe(LogText::Bytes(bytes))
    }
}

impl fmt::Display for LogSafe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            LogText::Text(t) => write_escaped_str(f, t),
            LogText::Bytes(b) => write_escaped_bytes(f, b),
        }
    }
}

/// Quoted, escaped the same way as `Display`.
impl fmt::Debug for LogSafe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// `text` escaped for a log line as [`LogSafe`] does; borrowed when nothing
/// needed escaping.
///
/// ```
/// use inipay_core::encoding::escape_for_log;
/// assert_eq!(escape_for_log("a\r\nb"), "a\\r\\nb");
/// assert!(matches!(escape_for_log("P_AMT"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn escape_for_log(text: &str) -> Cow<'_, str> {
    if text.contains(needs_log_escape) {
        Cow::Owned(LogSafe::new(text).to_string())
    } else {
        Cow::Borrowed(text)
    }
}

/// `bytes` escaped for a log line as [`LogSafe::bytes`] does: UTF-8 text
/// escaped like [`escape_for_log`], other bytes as `\xNN`.
///
/// ```
/// use inipay_core::encoding::escape_bytes_for_log;
/// assert_eq!(escape_bytes_for_log(b"goods\xB0"), "goods\\xB0");
/// assert_eq!(escape_bytes_for_log("홍길동".as_bytes()), "홍길동");
/// ```
pub fn escape_bytes_for_log(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => escape_for_log(text),
        Err(_) => Cow::Owned(LogSafe::bytes(bytes).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn needs_log_escape_except_backslash(c: char) -> bool {
        c != '\\' && needs_log_escape(c)
    }

    #[test]
    fn euc_kr_bytes_of_protocol_example() {
        // PROTOCOL.md 2.3.1: 테스트상품 = C5 D7 BD BA C6 AE BB F3 C7 B0, 홍길동 = C8 AB B1 E6 B5 BF
        assert_eq!(
            Charset::EucKr.encode("테스트상품").unwrap().as_ref(),
            &[0xC5, 0xD7, 0xBD, 0xBA, 0xC6, 0xAE, 0xBB, 0xF3, 0xC7, 0xB0]
        );
        assert_eq!(
            Charset::EucKr.encode("홍길동").unwrap().as_ref(),
            &[0xC8, 0xAB, 0xB1, 0xE6, 0xB5, 0xBF]
        );
    }

    #[test]
    fn emoji_is_rejected_in_euc_kr_with_the_character() {
        let err = Charset::EucKr.encode("상품🎁").unwrap_err();
        assert_eq!(err.ch, '🎁');
        assert!(err.to_string().contains("U+1F381"), "{err}");
        assert!(Charset::Utf8.encode("상품🎁").is_ok());
    }

    #[test]
    fn parse_str_semantics() {
        let f = Form::parse(b"a=1&&b&c=x=y&a=2&d=%zz&e=%4", Charset::Utf8).unwrap();
        assert_eq!(f.get("a"), Some("2"), "last value wins");
        assert_eq!(f.get("b"), Some(""));
        assert_eq!(f.get("c"), Some("x=y"), "split at the first =");
        assert_eq!(f.get("d"), Some("%zz"), "bad escape kept");
        assert_eq!(f.get("e"), Some("%4"));
        assert_eq!(f.len(), 6);
    }

    #[test]
    fn raw_korean_in_euc_kr_reply() {
        let (body, _, _) =
            encoding_rs::EUC_KR.encode("P_STATUS=00&P_RMESG1=성공적으로 처리 하였습니다.");
        let f = Form::parse(&body, Charset::EucKr).unwrap();
        assert_eq!(f.get("P_RMESG1"), Some("성공적으로 처리 하였습니다."));
    }

    #[test]
    fn malformed_utf8_names_the_field() {
        let err = Form::parse(b"P_RMESG1=%C5%D7", Charset::Utf8).unwrap_err();
        assert_eq!(err.field, "P_RMESG1");
    }

    /// Issue 16: a key carrying a newline and an invalid EUC-KR byte.
    #[test]
    fn malformed_key_is_escaped_for_logs() {
        let body = b"P_STATUS=02&P_FOO%0AINFO%20paid%3A%20ship%20the%20goods%B0=1";
        for charset in [Charset::EucKr, Charset::Utf8] {
            let err = Form::parse(body, charset).unwrap_err();
            assert_eq!(err.field, "P_FOO\\nINFO paid: ship the goods\\xB0");
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains('\n'), "{shown}");
        }
        // A valid key whose value is not valid text: the key is escaped too.
        let err = Form::parse(b"a%0Db=%B0", Charset::EucKr).unwrap_err();
        assert_eq!(err.field, "a\\rb");
        // Long keys are cut.
        let long = [b'k'; 100];
        let err = Form::parse(&[&long[..], b"%B0"].concat(), Charset::Utf8).unwrap_err();
        assert_eq!(err.field.chars().count(), MalformedForm::FIELD_CHARS);
    }

    #[test]
    fn log_escapes() {
        for (raw, shown) in [
            ("plain P_AMT", "plain P_AMT"),
            ("a\nb\rc\td", "a\\nb\\rc\\td"),
            ("back\\slash", "back\\\\slash"),
            ("esc\u{1b}[2J", "esc\\u{1b}[2J"),
            ("del\u{7f} nel\u{85}", "del\\u{7f} nel\\u{85}"),
            ("ls\u{2028}ps\u{2029}", "ls\\u{2028}ps\\u{2029}"),
            ("rlo\u{202e}bom\u{feff}", "rlo\\u{202e}bom\\u{feff}"),
            ("홍길동 거래", "홍길동 거래"),
        ] {
            assert_eq!(escape_for_log(raw), shown);
            assert_eq!(LogSafe::new(raw).to_string(), shown);
            assert_eq!(format!("{:?}", LogSafe::new(raw)), format!("\"{shown}\""));
        }
        assert_eq!(
            escape_bytes_for_log(b"\xB0\xA1 ok\n\xFF"),
            "\\xB0\\xA1 ok\\n\\xFF"
        );
    }

    #[test]
    fn fallback_to_the_other_charset() {
        let (euc, _, _) = encoding_rs::EUC_KR.encode("P_RMESG1=거래정보가 없습니다.");
        let utf8 = "P_RMESG1=거래정보가 없습니다.".as_bytes();
        for (body, preferred, used) in [
            (&euc[..], Charset::Utf8, Charset::EucKr),
            (&euc[..], Charset::EucKr, Charset::EucKr),
            (utf8, Charset::EucKr, Charset::Utf8),
            (utf8, Charset::Utf8, Charset::Utf8),
            (b"P_STATUS=00".as_slice(), Charset::EucKr, Charset::EucKr),
            (b"P_STATUS=00".as_slice(), Charset::Utf8, Charset::Utf8),
        ] {
            let (form, got) = Form::parse_with_fallback(body, preferred).unwrap();
            assert_eq!(got, used, "{preferred:?}");
            if form.get("P_RMESG1").is_some() {
                assert_eq!(form.get("P_RMESG1"), Some("거래정보가 없습니다."));
            }
        }
        // Invalid in both: the error of the preferred charset.
        let err = Form::parse_with_fallback(b"P_X=%B0", Charset::Utf8).unwrap_err();
        assert_eq!(err.source.charset, Charset::Utf8);
    }

    #[test]
    fn debug_hides_values() {
        let f = Form::from_pairs([("P_CARD_NUM", "4111111111111111")]);
        let d = format!("{f:?}");
        assert!(d.contains("P_CARD_NUM") && !d.contains("4111"), "{d}");
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Form::parse(&bytes, Charset::EucKr);
            let _ = Form::parse(&bytes, Charset::Utf8);
        }

        #[test]
        fn log_escape_leaves_no_line_breaks(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let text = String::from_utf8_lossy(&bytes);
            for shown in [escape_bytes_for_log(&bytes).into_owned(), escape_for_log(&text).into_owned()] {
                prop_assert!(!shown.contains(needs_log_escape_except_backslash), "{:?}", shown);
            }
        }

        #[test]
        fn roundtrip_utf8(pairs in proptest::collection::vec(("[A-Za-z_]{1,12}", "\\PC{0,24}"), 0..8)) {
            let body = Charset::Utf8.encode_form(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
            let form = Form::parse(&body, Charset::Utf8).unwrap();
            prop_assert_eq!(form.pairs(), &pairs[..]);
        }

        #[test]
        fn roundtrip_euc_kr(pairs in proptest::collection::vec(("[A-Za-z_]{1,12}", "[가-힣a-z0-9 =&%+]{0,16}"), 0..8)) {
            let body = Charset::EucKr.encode_form(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
            let form = Form::parse(&body, Charset::EucKr).unwrap();
            prop_assert_eq!(form.pairs(), &pairs[..]);
        }
    }
}
