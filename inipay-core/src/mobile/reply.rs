//! Pieces shared by every Mobile WEB message INICIS sends back: the parse
//! error, size limits, typed dates, payment types, cash receipts and the
//! [`Redacted`] wrapper for personal data.
//!
//! # Strictness
//!
//! Parsing is tolerant where INICIS is loose and strict where a wrong value
//! would move money (PROTOCOL.md 7.7): unknown fields are kept (every parsed
//! message exposes its raw [`Form`]), empty values count as absent, and
//! missing optional fields never fail. Identifiers and amounts (`P_STATUS`,
//! `P_TID`, `P_MID`, `P_OID`, `P_AMT`, `P_TYPE`) are checked against the limits
//! of the PROTOCOL.md 2.4 to 2.6 tables and fail with a [`ParseError`] naming
//! the field. Free text (messages, names) and secondary fields of an approval
//! reply are kept as received even when longer than the tables say: rejecting
//! a captured payment for a long message would only make it harder to settle.
//!
//! Amounts are read exactly as received, never trimmed: digits only, no
//! leading zero except `0` itself (PROTOCOL.md 0, 2.2; [`Amount::parse`]).
//! `P_AMT` breaking the rule is an error; a secondary amount breaking it
//! (`P_CSHR_AMT`, `P_CARD_APPLPRICE`, ...) is left unread (`None`, raw value
//! in the form), never read loosely.
//!
//! # Charsets
//!
//! Approval and net-cancel replies and notifications are decoded in the
//! charset asked for, and in the other one when the bytes are invalid in it
//! but valid in the other ([`Form::parse_with_fallback`]): INICIS answers an
//! unknown `P_TID` in EUC-KR even with `P_CHARSET=utf8`. The parsed message
//! says which charset was used, for the journal.
//!
//! # Logs
//!
//! A [`ParseError`] never carries a control character or an invalid byte in
//! its `Display` or `Debug`: field names from outside are escaped with
//! [`escape_bytes_for_log`](crate::encoding::escape_bytes_for_log), values
//! are never shown.
//!
//! ```
//! use inipay_core::mobile::{KstDateTime, PayType, Redacted};
//! let t = KstDateTime::parse("20241030120339").unwrap();
//! assert_eq!((t.date(), t.time()), ("20241030", "120339"));
//! assert_eq!(PayType::from_wire("VBANK"), PayType::Vbank);
//! let card = Redacted::new("529942*********0");
//! assert!(!format!("{card:?}").contains("529942"));
//! ```

use crate::encoding::{Charset, Form, MalformedForm, euc_kr_len};
use crate::types::{Amount, FieldError, FieldErrorKind, Mid, Tid};
use std::fmt;

/// The largest body any Mobile WEB parser accepts (64 KiB). Real messages are
/// a few hundred bytes (`P_NOTI` at most 800); anything near this is not from
/// INICIS.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Which INICIS message a [`ParseError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Message {
    /// The authentication result on `P_NEXT_URL` (인증결과, PROTOCOL.md 2.4).
    AuthResult,
    /// The approval reply from `P_REQ_URL` (승인결과, PROTOCOL.md 2.5).
    Approval,
    /// A notification on `P_NOTI_URL` (노티, PROTOCOL.md 2.6).
    Notification,
    /// The net-cancel reply (망취소, PROTOCOL.md 2.8).
    NetCancel,
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Message::AuthResult => "auth result",
            Message::Approval => "approval reply",
            Message::Notification => "notification",
            Message::NetCancel => "net-cancel reply",
        })
    }
}

/// A Mobile WEB message INICIS sent that cannot be used.
///
/// Messages name the field and the rule, never the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The body is larger than [`MAX_BODY_BYTES`].
    #[error("{message}: the body is {actual} bytes, the limit is {limit} bytes")]
    TooLarge {
        /// Which message.
        message: Message,
        /// The limit in bytes.
        limit: usize,
        /// The body length.
        actual: usize,
    },
    /// The body is not a form in the expected charset.
    #[error("{message}: {source}")]
    Malformed {
        /// Which message.
        message: Message,
        /// The decoding failure (names the key).
        #[source]
        source: MalformedForm,
    },
    /// A field is missing or breaks its rule.
    #[error("{message}: {source}")]
    Field {
        /// Which message.
        message: Message,
        /// The field and the rule.
        #[source]
        source: FieldError,
    },
}

impl ParseError {
    /// The field at fault, when the error is about one field.
    pub fn field(&self) -> Option<&str> {
        match self {
            ParseError::TooLarge { .. } => None,
            ParseError::Malformed { source, .. } => Some(&source.field),
            ParseError::Field { source, .. } => Some(source.field),
        }
    }
}

/// Checks the size and decodes a body into a [`Form`].
pub(crate) fn decode_body(
    body: &[u8],
    charset: Charset,
    message: Message,
) -> Result<Form, ParseError> {
    check_size(body, message)?;
    Form::parse(body, charset).map_err(|source| ParseError::Malformed { message, source })
}

/// Checks the size and decodes a body in `preferred`, or in the other
/// charset when the bytes are invalid in `preferred` and valid in it
/// ([`Form::parse_with_fallback`]); returns the charset actually used.
pub(crate) fn decode_body_with_fallback(
    body: &[u8],
    preferred: Charset,
    message: Message,
) -> Result<(Form, Charset), ParseError> {
    check_size(body, message)?;
    Form::parse_with_fallback(body, preferred)
        .map_err(|source| ParseError::Malformed { message, source })
}

fn check_size(body: &[u8], message: Message) -> Result<(), ParseError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ParseError::TooLarge {
            message,
            limit: MAX_BODY_BYTES,
            actual: body.len(),
        });
    }
    Ok(())
}

/// Personal or card data as received from INICIS (card number, phone number,
/// account number, buyer name): `Debug` shows only its length, so it never
/// reaches a log by accident. [`expose`](Self::expose) is the one way to read it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Redacted(String);

impl Redacted {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Redacted {
        Redacted(value.into())
    }

    /// The value. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[redacted; {} chars]", self.0.chars().count())
    }
}

/// A Korean local date and time `YYYYMMDDhhmmss` (P_AUTH_DT, P_CSHR_DT,
/// virtual-account deadlines).
///
/// ```
/// use inipay_core::mobile::KstDateTime;
/// assert_eq!(KstDateTime::parse_yy("160505093012").unwrap().as_str(), "20160505093012");
/// assert!(KstDateTime::parse("20241330120000").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KstDateTime(String);

impl KstDateTime {
    /// Parses 14 digits `YYYYMMDDhhmmss` with month, day and time in range.
    pub fn parse(s: &str) -> Option<KstDateTime> {
        let ok = s.len() == 14
            && s.bytes().all(|b| b.is_ascii_digit())
            && in_range(&s[4..6], 1, 12)
            && in_range(&s[6..8], 1, 31)
            && in_range(&s[8..10], 0, 23)
            && in_range(&s[10..12], 0, 59)
            && in_range(&s[12..14], 0, 59);
        ok.then(|| KstDateTime(s.to_owned()))
    }

    /// Parses 12 digits `YYMMDDhhmmss` (years 2000 to 2099), the form some
    /// VBANK notifications use (PROTOCOL.md 2.6, 8.5).
    pub fn parse_yy(s: &str) -> Option<KstDateTime> {
        if s.len() != 12 {
            return None;
        }
        KstDateTime::parse(&format!("20{s}"))
    }

    /// Joins a date `YYYYMMDD` and a time `hhmmss` (P_VACT_DATE + P_VACT_TIME).
    pub fn from_date_time(date: &str, time: &str) -> Option<KstDateTime> {
        if date.len() != 8 || time.len() != 6 {
            return None;
        }
        KstDateTime::parse(&format!("{date}{time}"))
    }

    /// The 14 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The instant (the digits are Korean local time).
    ///
    /// ```
    /// use inipay_core::mobile::KstDateTime;
    /// let t = KstDateTime::parse("20160505093012").unwrap().to_timestamp();
    /// assert_eq!(t.kst_compact(), "20160505093012");
    /// ```
    pub fn to_timestamp(&self) -> crate::time::Timestamp {
        let n = |r: std::ops::Range<usize>| self.0[r].parse::<u32>().unwrap_or(0);
        crate::time::Timestamp::from_kst(
            i64::from(n(0..4)),
            n(4..6),
            n(6..8),
            n(8..10),
            n(10..12),
            n(12..14),
        )
    }

    /// `YYYYMMDD`.
    pub fn date(&self) -> &str {
        &self.0[..8]
    }

    /// `hhmmss`.
    pub fn time(&self) -> &str {
        &self.0[8..]
    }
}

impl fmt::Display for KstDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn in_range(s: &str, min: u8, max: u8) -> bool {
    s.parse::<u8>().is_ok_and(|v| (min..=max).contains(&v))
}

/// The payment method an approval or notification reports (`P_TYPE`,
/// PROTOCOL.md 2.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayType {
    /// `CARD` (ISP, 안심클릭, app cards, easy-pay).
    Card,
    /// `BANK`: real-time account transfer.
    Bank,
    /// `VBANK`: virtual account.
    Vbank,
    /// `MOBILE`: phone bill.
    Mobile,
    /// `CULTURE`: 문화상품권.
    Culture,
    /// `HPMN`: 해피머니.
    HappyMoney,
    /// `DGCL`: 스마트문상.
    SmartCulture,
    /// Anything else (`EWALLET`, `ETC_`, new types), as received.
    Other(String),
}

impl PayType {
    /// Reads a `P_TYPE` value (case-insensitive for the known ones).
    pub fn from_wire(s: &str) -> PayType {
        match s.trim().to_ascii_uppercase().as_str() {
            "CARD" => PayType::Card,
            "BANK" => PayType::Bank,
            "VBANK" => PayType::Vbank,
            "MOBILE" => PayType::Mobile,
            "CULTURE" => PayType::Culture,
            "HPMN" => PayType::HappyMoney,
            "DGCL" => PayType::SmartCulture,
            _ => PayType::Other(s.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            PayType::Card => "CARD",
            PayType::Bank => "BANK",
            PayType::Vbank => "VBANK",
            PayType::Mobile => "MOBILE",
            PayType::Culture => "CULTURE",
            PayType::HappyMoney => "HPMN",
            PayType::SmartCulture => "DGCL",
            PayType::Other(s) => s,
        }
    }
}

/// Cash receipt (현금영수증) fields of a BANK or VBANK approval or deposit
/// notification (PROTOCOL.md 2.5).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CashReceipt {
    /// `P_CSHR_CODE`: `220000` means issued.
    pub code: Option<String>,
    /// `P_CSHR_MSG`.
    pub message: Option<String>,
    /// `P_CSHR_AMT`: total = supply + tax + service.
    pub amount: Option<Amount>,
    /// `P_CSHR_SUP_AMT`.
    pub supply_amount: Option<Amount>,
    /// `P_CSHR_TAX`.
    pub tax: Option<Amount>,
    /// `P_CSHR_SRVC_AMT`.
    pub service_amount: Option<Amount>,
    /// `P_CSHR_TYPE`.
    pub kind: Option<CashReceiptKind>,
    /// `P_CSHR_DT`.
    pub issued_at: Option<KstDateTime>,
    /// `P_CSHR_AUTH_NO` (for VBANK only sent with the deposit notification).
    pub auth_no: Option<String>,
}

/// What a cash receipt is for (`P_CSHR_TYPE`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CashReceiptKind {
    /// `0`: income deduction (소득공제).
    IncomeDeduction,
    /// `1`: expense proof (지출증빙).
    ExpenseProof,
    /// Anything else, as received.
    Other(String),
}

impl CashReceiptKind {
    fn from_wire(s: &str) -> CashReceiptKind {
        match s {
            "0" => CashReceiptKind::IncomeDeduction,
            "1" => CashReceiptKind::ExpenseProof,
            _ => CashReceiptKind::Other(s.to_owned()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            CashReceiptKind::IncomeDeduction => "0",
            CashReceiptKind::ExpenseProof => "1",
            CashReceiptKind::Other(s) => s,
        }
    }
}

impl CashReceipt {
    /// The code INICIS uses for "issued".
    pub const ISSUED: &'static str = "220000";

    /// Whether the receipt was issued (`P_CSHR_CODE=220000`).
    pub fn is_issued(&self) -> bool {
        self.code.as_deref() == Some(Self::ISSUED)
    }

    /// The receipt fields of `form`, or `None` when none is present.
    pub(crate) fn read(r: &Reader<'_>) -> Option<CashReceipt> {
        let c = CashReceipt {
            code: r.text("P_CSHR_CODE"),
            message: r.text("P_CSHR_MSG"),
            amount: r.lenient_amount("P_CSHR_AMT"),
            supply_amount: r.lenient_amount("P_CSHR_SUP_AMT"),
            tax: r.lenient_amount("P_CSHR_TAX"),
            service_amount: r.lenient_amount("P_CSHR_SRVC_AMT"),
            kind: r
                .text("P_CSHR_TYPE")
                .map(|s| CashReceiptKind::from_wire(&s)),
            issued_at: r.text("P_CSHR_DT").and_then(|s| KstDateTime::parse(&s)),
            auth_no: r.text("P_CSHR_AUTH_NO"),
        };
        (c != CashReceipt::default()).then_some(c)
    }

    /// Appends the fields that are set.
    pub(crate) fn write(&self, form: &mut Form) {
        put(form, "P_CSHR_CODE", self.code.as_deref());
        put(form, "P_CSHR_MSG", self.message.as_deref());
        put_amount(form, "P_CSHR_AMT", self.amount);
        put_amount(form, "P_CSHR_SUP_AMT", self.supply_amount);
        put_amount(form, "P_CSHR_TAX", self.tax);
        put_amount(form, "P_CSHR_SRVC_AMT", self.service_amount);
        put(form, "P_CSHR_TYPE", self.kind.as_ref().map(|k| k.as_str()));
        put(
            form,
            "P_CSHR_DT",
            self.issued_at.as_ref().map(KstDateTime::as_str),
        );
        put(form, "P_CSHR_AUTH_NO", self.auth_no.as_deref());
    }
}

/// Appends `key=value` when `value` is set.
pub(crate) fn put(form: &mut Form, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        form.push(key, v);
    }
}

/// Appends an amount when set.
pub(crate) fn put_amount(form: &mut Form, key: &str, value: Option<Amount>) {
    if let Some(a) = value {
        form.push(key, a.to_wire());
    }
}

/// Typed reads from a decoded form, producing [`ParseError`]s for one message.
pub(crate) struct Reader<'a> {
    pub(crate) form: &'a Form,
    pub(crate) message: Message,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(form: &'a Form, message: Message) -> Reader<'a> {
        Reader { form, message }
    }

    pub(crate) fn err(&self, field: &'static str, kind: FieldErrorKind) -> ParseError {
        ParseError::Field {
            message: self.message,
            source: FieldError::new(field, kind),
        }
    }

    /// The trimmed value, `None` when absent or empty.
    pub(crate) fn text(&self, key: &str) -> Option<String> {
        self.form.get_nonempty(key).map(str::to_owned)
    }

    /// The value as received (not trimmed), `None` when absent or empty.
    pub(crate) fn raw_text(&self, key: &str) -> Option<String> {
        self.form
            .get(key)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_owned)
    }

    /// A present, non-empty field.
    pub(crate) fn required(&self, key: &'static str) -> Result<&'a str, ParseError> {
        self.form
            .get_nonempty(key)
            .ok_or_else(|| self.err(key, FieldErrorKind::Missing))
    }

    /// A value of at most `limit` bytes (EUC-KR bytes, INICIS's unit; UTF-8
    /// bytes for text EUC-KR cannot carry).
    pub(crate) fn limited(
        &self,
        key: &'static str,
        limit: usize,
    ) -> Result<Option<String>, ParseError> {
        match self.text(key) {
            None => Ok(None),
            Some(v) => {
                let len = euc_kr_len(&v).unwrap_or(v.len());
                if len > limit {
                    Err(self.err(key, FieldErrorKind::TooLong { limit, actual: len }))
                } else {
                    Ok(Some(v))
                }
            }
        }
    }

    /// An optional TID (40 bytes).
    pub(crate) fn tid(&self, key: &'static str) -> Result<Option<Tid>, ParseError> {
        self.text(key)
            .map(|v| Tid::with_field(key, &v))
            .transpose()
            .map_err(|source| ParseError::Field {
                message: self.message,
                source,
            })
    }

    /// An optional MID (exactly 10 characters).
    pub(crate) fn mid(&self, key: &'static str) -> Result<Option<Mid>, ParseError> {
        match self.text(key) {
            None => Ok(None),
            Some(v) => Mid::new(&v).map(Some).map_err(|e| self.err(key, e.kind)),
        }
    }

    /// An optional amount, exactly as received (nothing trimmed): ASCII
    /// digits without a leading zero, at most `max_digits` (PROTOCOL.md 0,
    /// 2.2). `None` when absent or empty; ` 12000`, `012000`, `+1` or
    /// `1,000` are errors naming the field.
    pub(crate) fn amount(
        &self,
        key: &'static str,
        max_digits: usize,
    ) -> Result<Option<Amount>, ParseError> {
        let Some(v) = self.form.get(key).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        if v.len() > max_digits && v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.err(
                key,
                FieldErrorKind::TooLong {
                    limit: max_digits,
                    actual: v.len(),
                },
            ));
        }
        Amount::parse(key, v)
            .map(Some)
            .map_err(|source| ParseError::Field {
                message: self.message,
                source,
            })
    }

    /// A secondary amount (cash receipt, coupon, points) when it is a
    /// well-formed wire amount; otherwise `None`, the raw value staying in
    /// the form. Never an error: a captured payment is not refused for a
    /// side field (module notes), but `012000` is never read as 12000 either.
    pub(crate) fn lenient_amount(&self, key: &'static str) -> Option<Amount> {
        self.form.get(key).and_then(|v| Amount::parse(key, v).ok())
    }

    /// The status code (`P_STATUS`, 4 bytes), required.
    pub(crate) fn status(&self) -> Result<String, ParseError> {
        let s = self.required("P_STATUS")?;
        if s.len() > 4 {
            return Err(self.err(
                "P_STATUS",
                FieldErrorKind::TooLong {
                    limit: 4,
                    actual: s.len(),
                },
            ));
        }
        if let Some(c) = s.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(self.err(
                "P_STATUS",
                if c.is_ascii() {
                    FieldErrorKind::ForbiddenChar(c)
                } else {
                    FieldErrorKind::NotAscii
                },
            ));
        }
        Ok(s.to_owned())
    }

    /// `P_TYPE` (10 bytes), optional.
    pub(crate) fn pay_type(&self) -> Result<Option<PayType>, ParseError> {
        Ok(self.limited("P_TYPE", 10)?.map(|s| PayType::from_wire(&s)))
    }
}

/// The most digits an amount INICIS sends may have when parsed: the tables
/// say 8 (Welcome manual) or 64 (INICIS manual, PROTOCOL.md 8.2); parsers
/// accept anything that fits `u64` won.
pub(crate) const AMOUNT_DIGITS: usize = 19;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_rules() {
        assert!(KstDateTime::parse("20240229235959").is_some());
        for bad in [
            "2024022923595",
            "20240229235960",
            "20240001000000",
            "2024010100000a",
            "20240132000000",
        ] {
            assert!(KstDateTime::parse(bad).is_none(), "{bad}");
        }
        let t = KstDateTime::from_date_time("20160514", "235900").unwrap();
        assert_eq!(t.as_str(), "20160514235900");
        assert!(KstDateTime::from_date_time("2016051", "2359000").is_none());
        assert!(KstDateTime::parse_yy("20160505093012").is_none());
    }

    #[test]
    fn body_limit_is_enforced() {
        let big = vec![b'a'; MAX_BODY_BYTES + 1];
        let e = decode_body(&big, Charset::Utf8, Message::Approval).unwrap_err();
        assert!(matches!(e, ParseError::TooLarge { actual, .. } if actual == MAX_BODY_BYTES + 1));
        assert!(decode_body(&big[1..], Charset::Utf8, Message::Approval).is_ok());
    }

    #[test]
    fn redacted_debug_hides_value() {
        let r = Redacted::new("01012345678");
        assert_eq!(format!("{r:?}"), "[redacted; 11 chars]");
        assert_eq!(r.expose(), "01012345678");
    }

    #[test]
    fn cash_receipt_absent_and_present() {
        let f = Form::from_pairs([("P_STATUS", "00")]);
        assert_eq!(CashReceipt::read(&Reader::new(&f, Message::Approval)), None);
        let f = Form::from_pairs([("P_CSHR_CODE", "220000"), ("P_CSHR_TYPE", "1")]);
        let c = CashReceipt::read(&Reader::new(&f, Message::Approval)).unwrap();
        assert!(c.is_issued());
        assert_eq!(c.kind, Some(CashReceiptKind::ExpenseProof));
    }
}
