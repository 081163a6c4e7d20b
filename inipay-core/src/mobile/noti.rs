//! Notifications INICIS POSTs to `P_NOTI_URL` (노티, PROTOCOL.md 2.6):
//! virtual-account issuance (`00`) and deposit (`02`), and the results of
//! one-transaction payments (`00` / `01`).
//!
//! Answer every notification you stored with exactly [`NOTI_REPLY_OK`]
//! (also duplicates: deduplicate with [`Notification::key`]); anything else
//! makes INICIS retry. Check the sender with [`NotiIpAllowList`] first.
//!
//! ```
//! use inipay_core::mobile::{NotiMessage, NotiOptions, NotiStatus, Notification, NOTI_REPLY_OK};
//! use inipay_core::types::Amount;
//!
//! // PROTOCOL.md 2.6: a deposit notification, EUC-KR form data.
//! let body = b"P_TID=INIMX_VBNKINIpayTest20160504112903950668&P_MID=INIpayTest&P_AUTH_DT=20160505093012\
//! &P_STATUS=02&P_TYPE=VBANK&P_OID=INIpayTest_1462328917187&P_FN_CD1=88&P_FN_CD2=&P_FN_NM=%BD%C5%C7%D1%C0%BA%C7%E0\
//! &P_AMT=1000&P_UNAME=%C8%AB%B1%E6%B5%BF&P_RMESG1=P_VACCT_NO%3D56211101573948%7CP_EXP_DT%3D20160514235900\
//! &P_RMESG2=&P_NOTI=&P_AUTH_NO=";
//! let noti = Notification::parse(body, &NotiOptions::default())?;
//! assert_eq!(noti.status, NotiStatus::VbankDeposit);
//! assert!(noti.is_vbank_deposit());
//! assert_eq!(noti.amount, Amount::won(1000));
//! assert_eq!(noti.fn_name.as_deref(), Some("신한은행"));
//! let NotiMessage::VbankAccount { account_number, deadline } = &noti.message else { panic!() };
//! assert_eq!(account_number.expose(), "56211101573948");
//! assert_eq!(noti.key().to_string(), "INIMX_VBNKINIpayTest20160504112903950668:02");
//! assert_eq!(NOTI_REPLY_OK, "OK");
//! # let _ = deadline;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::approval::{Expected, MismatchKind};
use super::reply::{
    AMOUNT_DIGITS, CashReceipt, KstDateTime, Message, ParseError, PayType, Reader, Redacted,
    decode_body_with_fallback, put, put_amount,
};
use crate::encoding::{Charset, Form};
use crate::types::{Amount, FieldErrorKind, Mid, Tid};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

/// The only body that acknowledges a notification: `OK`, upper case, no
/// whitespace, no newline, no HTML (PROTOCOL.md 2.6).
pub const NOTI_REPLY_OK: &str = "OK";

/// What a notification reports (`P_STATUS`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NotiStatus {
    /// `00`: a one-transaction payment succeeded, or a virtual account was
    /// **issued** (for `P_TYPE=VBANK`: nothing is paid; two-transaction
    /// merchants already know it from the approval reply).
    Success,
    /// `01`: a one-transaction payment failed.
    Failure,
    /// `02`: money was deposited into a virtual account: the order is paid.
    VbankDeposit,
    /// Another code, as received.
    Other(String),
}

impl NotiStatus {
    /// Reads a `P_STATUS` value.
    pub fn from_wire(s: &str) -> NotiStatus {
        match s {
            "00" => NotiStatus::Success,
            "01" => NotiStatus::Failure,
            "02" => NotiStatus::VbankDeposit,
            _ => NotiStatus::Other(s.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            NotiStatus::Success => "00",
            NotiStatus::Failure => "01",
            NotiStatus::VbankDeposit => "02",
            NotiStatus::Other(s) => s,
        }
    }
}

/// Which `P_AUTH_DT` lengths a notification may carry. VBANK notifications
/// are documented as `YYMMDDhhmmss` (12 digits) by one source and treated as
/// 14 digits by others (PROTOCOL.md 2.6, 8.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthDtFormat {
    /// 12 or 14 digits (12 digits are read as years 2000 to 2099).
    #[default]
    Tolerant,
    /// Only `YYYYMMDDhhmmss`.
    Only14,
    /// Only `YYMMDDhhmmss`.
    Only12,
}

/// How notifications are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotiOptions {
    /// The body charset: EUC-KR by default; INICIS may send UTF-8 when the
    /// payment had `P_CHARSET=utf8` (PROTOCOL.md 2.6, 8.4), so it is
    /// configurable. A body that is not valid text in this charset but is in
    /// the other is read in the other ([`Notification::charset`] says which);
    /// a body valid in both (ASCII, say) is read in this one.
    pub charset: Charset,
    /// Accepted `P_AUTH_DT` formats.
    pub auth_dt: AuthDtFormat,
}

impl Default for NotiOptions {
    fn default() -> NotiOptions {
        NotiOptions {
            charset: Charset::EucKr,
            auth_dt: AuthDtFormat::Tolerant,
        }
    }
}

/// `P_RMESG1` of a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotiMessage {
    /// The VBANK form `P_VACCT_NO={account}|P_EXP_DT={YYYYMMDDhhmmss}`.
    VbankAccount {
        /// The virtual account (redacted in `Debug`).
        account_number: Redacted,
        /// The deposit deadline, when present and well formed.
        deadline: Option<KstDateTime>,
    },
    /// Any other message text.
    Text(String),
    /// No message.
    Empty,
}

impl NotiMessage {
    fn parse(raw: Option<String>) -> NotiMessage {
        let Some(raw) = raw else {
            return NotiMessage::Empty;
        };
        let mut account = None;
        let mut deadline = None;
        for part in raw.split('|') {
            match part.trim().split_once('=') {
                Some(("P_VACCT_NO", v)) if !v.trim().is_empty() => {
                    account = Some(Redacted::new(v.trim()));
                }
                Some(("P_EXP_DT", v)) => {
                    let v = v.trim();
                    deadline = KstDateTime::parse(v).or_else(|| KstDateTime::parse_yy(v));
                }
                _ => {}
            }
        }
        match account {
            Some(account_number) => NotiMessage::VbankAccount {
                account_number,
                deadline,
            },
            None => NotiMessage::Text(raw),
        }
    }

    fn to_wire(&self) -> Option<String> {
        match self {
            NotiMessage::VbankAccount {
                account_number,
                deadline,
            } => Some(format!(
                "P_VACCT_NO={}|P_EXP_DT={}",
                account_number.expose(),
                deadline.as_ref().map(KstDateTime::as_str).unwrap_or("")
            )),
            NotiMessage::Text(t) => Some(t.clone()),
            NotiMessage::Empty => None,
        }
    }
}

/// A parsed notification. `Debug` redacts the payer's name and account and
/// card numbers.
///
/// ```
/// use inipay_core::mobile::{NotiOptions, NotiStatus, Notification};
/// use inipay_core::types::Amount;
///
/// // PROTOCOL.md 2.6: a virtual-account deposit, EUC-KR form data.
/// let body = b"P_TID=INIMX_VBNKINIpayTest20160504112903950668&P_MID=INIpayTest&P_AUTH_DT=20160505093012\
///              &P_STATUS=02&P_TYPE=VBANK&P_OID=INIpayTest_1462328917187&P_AMT=1000\
///              &P_UNAME=%C8%AB%B1%E6%B5%BF&P_RMESG1=P_VACCT_NO%3D56211101573948%7CP_EXP_DT%3D20160514235900";
/// let noti = Notification::parse(body, &NotiOptions::default())?;
/// assert_eq!(noti.status, NotiStatus::VbankDeposit);
/// assert!(noti.is_vbank_deposit());
/// assert_eq!(noti.amount, Amount::won(1000));
/// assert!(!format!("{noti:?}").contains("56211101573948"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// `P_STATUS`.
    pub status: NotiStatus,
    /// `P_TID`: the approval TID (for VBANK the TID of the issuance).
    pub tid: Tid,
    /// `P_MID`.
    pub mid: Mid,
    /// `P_TYPE`.
    pub pay_type: Option<PayType>,
    /// `P_OID` (40 bytes).
    pub order_id: String,
    /// `P_AMT`.
    pub amount: Amount,
    /// `P_AUTH_DT`: approval or deposit time.
    pub auth_dt: Option<KstDateTime>,
    /// `P_FN_CD1`: bank or card code.
    pub fn_code: Option<String>,
    /// `P_FN_CD2`.
    pub fn_code2: Option<String>,
    /// `P_FN_NM`: institution name.
    pub fn_name: Option<String>,
    /// `P_UNAME`: the payer (redacted in `Debug`).
    pub payer_name: Option<Redacted>,
    /// `P_RMESG1`.
    pub message: NotiMessage,
    /// `P_RMESG2` (card: installment months).
    pub message2: Option<String>,
    /// `P_NOTI` echo.
    pub merchant_data: Option<String>,
    /// `P_AUTH_NO`.
    pub auth_no: Option<String>,
    /// `P_SRC_CODE`.
    pub src_code: Option<String>,
    /// `P_CARD_NUM` of a one-transaction card payment (redacted in `Debug`).
    pub card_number: Option<Redacted>,
    /// `P_CARD_ISSUER_CODE`.
    pub card_issuer_code: Option<String>,
    /// Cash receipt fields (deposit notification, when requested).
    pub cash_receipt: Option<CashReceipt>,
    /// The charset the body was actually decoded with: the configured one
    /// ([`NotiOptions::charset`]), or the other when the bytes were only
    /// valid in that one. Journal the body with it.
    pub charset: Charset,
    form: Form,
}

/// The deduplication key of a notification: TID and status (INICIS may
/// deliver the same notification more than once, PROTOCOL.md 2.6).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NotiKey {
    /// `P_TID`.
    pub tid: Tid,
    /// `P_STATUS` as received.
    pub status: String,
}

impl fmt::Display for NotiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.tid, self.status)
    }
}

/// A notification field that does not match the order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notification {field} {kind}")]
#[non_exhaustive]
pub struct NotiMismatch {
    /// `P_MID`, `P_OID` or `P_AMT`.
    pub field: &'static str,
    /// How it differs.
    pub kind: MismatchKind,
}

const OID_LIMIT: usize = 40;
const NOTI_LIMIT: usize = 800;

impl Notification {
    /// Parses a notification body. `P_STATUS`, `P_TID`, `P_MID`, `P_OID` and
    /// `P_AMT` are required (a notification without them cannot be matched
    /// to an order); everything else is optional. `P_AMT` is digits without
    /// a leading zero, exactly as received (PROTOCOL.md 0).
    ///
    /// The body is decoded in [`NotiOptions::charset`], or in the other
    /// charset when it is invalid in the configured one and valid in the
    /// other ([`charset`](Self::charset) says which).
    ///
    /// ```
    /// use inipay_core::encoding::Charset;
    /// use inipay_core::mobile::{NotiOptions, Notification};
    ///
    /// // A UTF-8 notification although EUC-KR is configured.
    /// let body = "P_TID=INIMX_VBNKINIpayTest20160504112903950668&P_MID=INIpayTest&P_STATUS=02\
    ///             &P_OID=O1&P_AMT=1000&P_FN_NM=신한은행";
    /// let noti = Notification::parse(body.as_bytes(), &NotiOptions::default())?;
    /// assert_eq!(noti.charset, Charset::Utf8);
    /// assert_eq!(noti.fn_name.as_deref(), Some("신한은행"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(body: &[u8], options: &NotiOptions) -> Result<Notification, ParseError> {
        let (form, charset) =
            decode_body_with_fallback(body, options.charset, Message::Notification)?;
        let r = Reader::new(&form, Message::Notification);
        let status = NotiStatus::from_wire(&r.status()?);
        let tid = r
            .tid("P_TID")?
            .ok_or_else(|| r.err("P_TID", FieldErrorKind::Missing))?;
        let mid = r
            .mid("P_MID")?
            .ok_or_else(|| r.err("P_MID", FieldErrorKind::Missing))?;
        let order_id = r
            .limited("P_OID", OID_LIMIT)?
            .ok_or_else(|| r.err("P_OID", FieldErrorKind::Missing))?;
        let amount = r
            .amount("P_AMT", AMOUNT_DIGITS)?
            .ok_or_else(|| r.err("P_AMT", FieldErrorKind::Missing))?;
        let auth_dt = match r.text("P_AUTH_DT") {
            None => None,
            Some(s) => Some(parse_auth_dt(&s, options.auth_dt).ok_or_else(|| {
                r.err(
                    "P_AUTH_DT",
                    FieldErrorKind::Format(match options.auth_dt {
                        AuthDtFormat::Tolerant => "YYYYMMDDhhmmss or YYMMDDhhmmss",
                        AuthDtFormat::Only14 => "YYYYMMDDhhmmss",
                        AuthDtFormat::Only12 => "YYMMDDhhmmss",
                    }),
                )
            })?),
        };
        let noti = Notification {
            status,
            tid,
            mid,
            pay_type: r.pay_type()?,
            order_id,
            amount,
            auth_dt,
            fn_code: r.text("P_FN_CD1"),
            fn_code2: r.text("P_FN_CD2"),
            fn_name: r.text("P_FN_NM"),
            payer_name: r.text("P_UNAME").map(Redacted::new),
            message: NotiMessage::parse(r.raw_text("P_RMESG1")),
            message2: r.text("P_RMESG2"),
            merchant_data: r.limited("P_NOTI", NOTI_LIMIT)?,
            auth_no: r.text("P_AUTH_NO"),
            src_code: r.text("P_SRC_CODE"),
            card_number: r.text("P_CARD_NUM").map(Redacted::new),
            card_issuer_code: r.text("P_CARD_ISSUER_CODE"),
            cash_receipt: CashReceipt::read(&r),
            charset,
            form: Form::new(),
        };
        Ok(Notification { form, ..noti })
    }

    /// The deduplication key (TID + status).
    pub fn key(&self) -> NotiKey {
        NotiKey {
            tid: self.tid.clone(),
            status: self.status.as_str().to_owned(),
        }
    }

    /// Whether this says money arrived in a virtual account (`P_STATUS=02`).
    pub fn is_vbank_deposit(&self) -> bool {
        self.status == NotiStatus::VbankDeposit
    }

    /// Whether this is the issuance notice of a virtual account (`00` with
    /// `P_TYPE=VBANK`), which two-transaction merchants should just
    /// acknowledge.
    pub fn is_vbank_issuance(&self) -> bool {
        self.status == NotiStatus::Success && self.pay_type == Some(PayType::Vbank)
    }

    /// Compares MID, order id and amount with the order.
    pub fn check(&self, expected: &Expected) -> Result<(), NotiMismatch> {
        let diff = |field| {
            Err(NotiMismatch {
                field,
                kind: MismatchKind::Different,
            })
        };
        if self.mid != expected.mid {
            return diff("P_MID");
        }
        if self.order_id != expected.order_id.as_str() {
            return diff("P_OID");
        }
        if self.amount != expected.amount {
            return diff("P_AMT");
        }
        Ok(())
    }

    /// Every field as received.
    pub fn form(&self) -> &Form {
        &self.form
    }

    /// The notification as a form (for tests and the sandbox): typed fields
    /// only, `P_AUTH_DT` in 14 digits.
    pub fn to_form(&self) -> Form {
        let mut f = Form::new();
        f.push("P_TID", self.tid.as_str());
        f.push("P_MID", self.mid.as_str());
        put(
            &mut f,
            "P_AUTH_DT",
            self.auth_dt.as_ref().map(KstDateTime::as_str),
        );
        f.push("P_STATUS", self.status.as_str());
        put(
            &mut f,
            "P_TYPE",
            self.pay_type.as_ref().map(PayType::as_str),
        );
        f.push("P_OID", self.order_id.as_str());
        put(&mut f, "P_FN_CD1", self.fn_code.as_deref());
        put(&mut f, "P_FN_CD2", self.fn_code2.as_deref());
        put(&mut f, "P_FN_NM", self.fn_name.as_deref());
        put_amount(&mut f, "P_AMT", Some(self.amount));
        put(
            &mut f,
            "P_UNAME",
            self.payer_name.as_ref().map(Redacted::expose),
        );
        put(&mut f, "P_RMESG1", self.message.to_wire().as_deref());
        put(&mut f, "P_RMESG2", self.message2.as_deref());
        put(&mut f, "P_NOTI", self.merchant_data.as_deref());
        put(&mut f, "P_AUTH_NO", self.auth_no.as_deref());
        put(&mut f, "P_SRC_CODE", self.src_code.as_deref());
        put(
            &mut f,
            "P_CARD_NUM",
            self.card_number.as_ref().map(Redacted::expose),
        );
        put(
            &mut f,
            "P_CARD_ISSUER_CODE",
            self.card_issuer_code.as_deref(),
        );
        if let Some(c) = &self.cash_receipt {
            c.write(&mut f);
        }
        f
    }
}

fn parse_auth_dt(s: &str, format: AuthDtFormat) -> Option<KstDateTime> {
    match format {
        AuthDtFormat::Tolerant => KstDateTime::parse(s).or_else(|| KstDateTime::parse_yy(s)),
        AuthDtFormat::Only14 => KstDateTime::parse(s),
        AuthDtFormat::Only12 => KstDateTime::parse_yy(s),
    }
}

/// The addresses INICIS sends notifications from (PROTOCOL.md 2.6, 8.19).
///
/// [`current`](Self::current) (also the `Default`) holds the current mobile
/// list; [`with_legacy`](Self::with_legacy) adds the older one seen in legacy
/// samples. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`, common behind
/// dual-stack sockets) are matched as IPv4.
///
/// ```
/// use inipay_core::mobile::NotiIpAllowList;
/// let list = NotiIpAllowList::current();
/// assert!(list.allows("203.238.37.15".parse().unwrap()));
/// assert!(list.allows("::ffff:183.109.71.153".parse().unwrap()));
/// assert!(!list.allows("211.219.96.165".parse().unwrap()));
/// assert!(NotiIpAllowList::with_legacy().allows("211.219.96.165".parse().unwrap()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotiIpAllowList {
    ips: Vec<IpAddr>,
}

impl NotiIpAllowList {
    /// Current mobile notification senders.
    pub const CURRENT: [Ipv4Addr; 3] = [
        Ipv4Addr::new(203, 238, 37, 15),
        Ipv4Addr::new(118, 129, 210, 25),
        Ipv4Addr::new(183, 109, 71, 153),
    ];
    /// Older senders in legacy samples.
    pub const LEGACY: [Ipv4Addr; 3] = [
        Ipv4Addr::new(211, 219, 96, 165),
        Ipv4Addr::new(118, 129, 210, 24),
        Ipv4Addr::new(39, 115, 212, 9),
    ];

    /// The current list.
    pub fn current() -> NotiIpAllowList {
        NotiIpAllowList::new(Self::CURRENT.map(IpAddr::V4))
    }

    /// The current and the legacy list.
    pub fn with_legacy() -> NotiIpAllowList {
        NotiIpAllowList::new(
            Self::CURRENT
                .into_iter()
                .chain(Self::LEGACY)
                .map(IpAddr::V4),
        )
    }

    /// A custom list (a sandbox on 127.0.0.1, a proxy, a new INICIS range).
    pub fn new(ips: impl IntoIterator<Item = IpAddr>) -> NotiIpAllowList {
        NotiIpAllowList {
            ips: ips.into_iter().map(canonical).collect(),
        }
    }

    /// Adds an address.
    pub fn add(&mut self, ip: IpAddr) {
        self.ips.push(canonical(ip));
    }

    /// Whether `ip` may send notifications.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.ips.contains(&canonical(ip))
    }

    /// The addresses.
    pub fn ips(&self) -> &[IpAddr] {
        &self.ips
    }
}

impl Default for NotiIpAllowList {
    fn default() -> NotiIpAllowList {
        NotiIpAllowList::current()
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mobile::reply::CashReceiptKind;
    use crate::types::OrderId;
    use proptest::prelude::*;

    /// PROTOCOL.md 2.6, the example deposit notification (percent-encoded EUC-KR).
    const DEPOSIT: &[u8] = b"P_TID=INIMX_VBNKINIpayTest20160504112903950668&P_MID=INIpayTest&P_AUTH_DT=20160505093012&P_STATUS=02&P_TYPE=VBANK&P_OID=INIpayTest_1462328917187&P_FN_CD1=88&P_FN_CD2=&P_FN_NM=%BD%C5%C7%D1%C0%BA%C7%E0&P_AMT=1000&P_UNAME=%C8%AB%B1%E6%B5%BF&P_RMESG1=P_VACCT_NO%3D56211101573948%7CP_EXP_DT%3D20160514235900&P_RMESG2=&P_NOTI=&P_AUTH_NO=";

    fn expected() -> Expected {
        Expected::new(
            Mid::new("INIpayTest").unwrap(),
            OrderId::new("INIpayTest_1462328917187").unwrap(),
            Amount::won(1000),
        )
    }

    #[test]
    fn deposit_example() {
        let n = Notification::parse(DEPOSIT, &NotiOptions::default()).unwrap();
        assert_eq!(n.status, NotiStatus::VbankDeposit);
        assert!(n.is_vbank_deposit() && !n.is_vbank_issuance());
        assert_eq!(n.tid.as_str(), "INIMX_VBNKINIpayTest20160504112903950668");
        assert_eq!(n.mid.as_str(), "INIpayTest");
        assert_eq!(n.auth_dt.as_ref().unwrap().as_str(), "20160505093012");
        assert_eq!(n.pay_type, Some(PayType::Vbank));
        assert_eq!(n.order_id, "INIpayTest_1462328917187");
        assert_eq!(n.fn_code.as_deref(), Some("88"));
        assert_eq!(n.fn_code2, None);
        assert_eq!(n.fn_name.as_deref(), Some("신한은행"));
        assert_eq!(n.amount, Amount::won(1000));
        assert_eq!(n.payer_name.as_ref().unwrap().expose(), "홍길동");
        assert_eq!(
            n.message,
            NotiMessage::VbankAccount {
                account_number: Redacted::new("56211101573948"),
                deadline: KstDateTime::parse("20160514235900"),
            }
        );
        assert_eq!(n.message2, None);
        assert_eq!(n.auth_no, None);
        assert_eq!(n.cash_receipt, None);
        assert_eq!(n.check(&expected()), Ok(()));
        let d = format!("{n:?}");
        assert!(
            !d.contains("56211101573948") && !d.contains("홍길동"),
            "{d}"
        );
    }

    #[test]
    fn auth_dt_12_and_14_digits_per_policy() {
        let twelve = String::from_utf8(DEPOSIT.to_vec())
            .unwrap()
            .replace("P_AUTH_DT=20160505093012", "P_AUTH_DT=160505093012");
        let opts = |auth_dt| NotiOptions {
            auth_dt,
            ..NotiOptions::default()
        };
        for (body, policy, ok) in [
            (DEPOSIT.to_vec(), AuthDtFormat::Tolerant, true),
            (twelve.clone().into_bytes(), AuthDtFormat::Tolerant, true),
            (DEPOSIT.to_vec(), AuthDtFormat::Only14, true),
            (twelve.clone().into_bytes(), AuthDtFormat::Only14, false),
            (DEPOSIT.to_vec(), AuthDtFormat::Only12, false),
            (twelve.clone().into_bytes(), AuthDtFormat::Only12, true),
        ] {
            let r = Notification::parse(&body, &opts(policy));
            match r {
                Ok(n) => {
                    assert!(ok, "{policy:?}");
                    assert_eq!(n.auth_dt.unwrap().as_str(), "20160505093012");
                }
                Err(e) => {
                    assert!(!ok, "{policy:?}: {e}");
                    assert_eq!(e.field(), Some("P_AUTH_DT"));
                }
            }
        }
    }

    #[test]
    fn required_fields_and_mismatch() {
        let s = String::from_utf8(DEPOSIT.to_vec()).unwrap();
        for field in ["P_STATUS", "P_TID", "P_MID", "P_OID", "P_AMT"] {
            let body: Vec<&str> = s
                .split('&')
                .filter(|p| !p.starts_with(&format!("{field}=")))
                .collect();
            let e = Notification::parse(body.join("&").as_bytes(), &NotiOptions::default())
                .unwrap_err();
            assert_eq!(e.field(), Some(field));
        }
        let n = Notification::parse(
            s.replace("P_AMT=1000", "P_AMT=999").as_bytes(),
            &NotiOptions::default(),
        )
        .unwrap();
        assert_eq!(
            n.check(&expected()),
            Err(NotiMismatch {
                field: "P_AMT",
                kind: MismatchKind::Different
            })
        );
        let e = Notification::parse(
            s.replace(
                "P_OID=INIpayTest_1462328917187",
                &format!("P_OID={}", "x".repeat(41)),
            )
            .as_bytes(),
            &NotiOptions::default(),
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("P_OID"));
    }

    #[test]
    fn issuance_card_and_cash_receipt() {
        let issued = String::from_utf8(DEPOSIT.to_vec())
            .unwrap()
            .replace("P_STATUS=02", "P_STATUS=00");
        let n = Notification::parse(issued.as_bytes(), &NotiOptions::default()).unwrap();
        assert!(n.is_vbank_issuance() && !n.is_vbank_deposit());
        assert_ne!(
            n.key(),
            Notification::parse(DEPOSIT, &NotiOptions::default())
                .unwrap()
                .key()
        );

        let card = "P_TID=INIMX_ISP_INIpayTest20200821102612225347&P_MID=INIpayTest&P_STATUS=01&P_TYPE=CARD&P_OID=O1&P_AMT=5000&P_RMESG1=%B0%C5%C0%FD&P_CARD_NUM=536510*********8&P_SRC_CODE=A";
        let n = Notification::parse(card.as_bytes(), &NotiOptions::default()).unwrap();
        assert_eq!(n.status, NotiStatus::Failure);
        assert_eq!(n.message, NotiMessage::Text("거절".into()));
        assert_eq!(n.src_code.as_deref(), Some("A"));
        assert!(!format!("{n:?}").contains("536510"));

        let receipt = format!(
            "{}&P_CSHR_CODE=220000&P_CSHR_AMT=1000&P_CSHR_SUP_AMT=909&P_CSHR_TAX=91&P_CSHR_SRVC_AMT=0&P_CSHR_TYPE=0&P_CSHR_DT=20160505093012&P_CSHR_AUTH_NO=123456789",
            String::from_utf8(DEPOSIT.to_vec()).unwrap()
        );
        let n = Notification::parse(receipt.as_bytes(), &NotiOptions::default()).unwrap();
        let c = n.cash_receipt.unwrap();
        assert!(c.is_issued());
        assert_eq!(c.supply_amount, Some(Amount::won(909)));
        assert_eq!(c.tax, Some(Amount::won(91)));
        assert_eq!(c.kind, Some(CashReceiptKind::IncomeDeduction));
        assert_eq!(c.auth_no.as_deref(), Some("123456789"));
    }

    #[test]
    fn utf8_charset_is_configurable() {
        let body = Charset::Utf8
            .encode_form([
                ("P_TID", "INIMX_VBNKINIpayTest20160504112903950668"),
                ("P_MID", "INIpayTest"),
                ("P_STATUS", "02"),
                ("P_OID", "O1"),
                ("P_AMT", "1"),
                ("P_FN_NM", "신한은행"),
            ])
            .unwrap();
        let utf8 = NotiOptions {
            charset: Charset::Utf8,
            ..NotiOptions::default()
        };
        assert_eq!(
            Notification::parse(&body, &utf8)
                .unwrap()
                .fn_name
                .as_deref(),
            Some("신한은행")
        );
        // EUC-KR bytes with UTF-8 configured: invalid UTF-8, valid EUC-KR,
        // so read as EUC-KR (and said so), not refused.
        let euc = Notification::parse(DEPOSIT, &utf8).unwrap();
        assert_eq!(euc.charset, Charset::EucKr);
        assert_eq!(euc.fn_name.as_deref(), Some("신한은행"));
        // Invalid in both: a typed error naming the field.
        let bad = String::from_utf8(DEPOSIT.to_vec())
            .unwrap()
            .replace("P_FN_NM=%BD%C5", "P_FN_NM=%BD");
        for options in [utf8, NotiOptions::default()] {
            let e = Notification::parse(bad.as_bytes(), &options).unwrap_err();
            assert!(matches!(e, ParseError::Malformed { .. }));
            assert_eq!(e.field(), Some("P_FN_NM"));
        }
    }

    #[test]
    fn ip_allow_list() {
        let cur = NotiIpAllowList::default();
        for ip in NotiIpAllowList::CURRENT {
            assert!(cur.allows(IpAddr::V4(ip)));
            assert!(cur.allows(IpAddr::V6(ip.to_ipv6_mapped())));
        }
        for ip in NotiIpAllowList::LEGACY {
            assert!(!cur.allows(IpAddr::V4(ip)));
            assert!(NotiIpAllowList::with_legacy().allows(IpAddr::V4(ip)));
        }
        assert!(!cur.allows("127.0.0.1".parse().unwrap()));
        let mut local = NotiIpAllowList::new([]);
        local.add("::ffff:127.0.0.1".parse().unwrap());
        assert!(local.allows("127.0.0.1".parse().unwrap()));
        assert_eq!(local.ips(), &["127.0.0.1".parse::<IpAddr>().unwrap()]);
    }

    fn arb_noti() -> impl Strategy<Value = Notification> {
        let text = "[가-힣a-zA-Z0-9=&%+.]([가-힣a-zA-Z0-9 =&%+.]{0,18}[가-힣a-zA-Z0-9=&%+.])?";
        (
            prop_oneof![Just("00"), Just("01"), Just("02"), Just("99")],
            "[A-Za-z0-9_]{40}",
            "[A-Za-z0-9_.-]{1,40}",
            0u64..10_000_000_000,
            proptest::option::of((2000u32..2100, 1u32..13, 1u32..29, 0u32..24)),
            prop_oneof![
                ("[0-9]{10,20}", proptest::option::of(Just("20160514235900"))).prop_map(
                    |(a, d)| NotiMessage::VbankAccount {
                        account_number: Redacted::new(a),
                        deadline: d.and_then(KstDateTime::parse),
                    }
                ),
                "[가-힣a-z]([가-힣a-z ]{0,10}[가-힣a-z])?".prop_map(NotiMessage::Text),
                Just(NotiMessage::Empty),
            ],
            proptest::option::of(text),
            proptest::option::of("[가-힣]{2,4}"),
            proptest::option::of(prop_oneof![
                Just(PayType::Vbank),
                Just(PayType::Card),
                Just(PayType::Bank)
            ]),
        )
            .prop_map(
                |(st, tid, oid, amt, dt, message, noti, name, pt)| Notification {
                    status: NotiStatus::from_wire(st),
                    tid: Tid::new(tid).unwrap(),
                    mid: Mid::new("INIpayTest").unwrap(),
                    pay_type: pt,
                    order_id: oid,
                    amount: Amount::won(amt),
                    auth_dt: dt.and_then(|(y, m, d, h)| {
                        KstDateTime::parse(&format!("{y:04}{m:02}{d:02}{h:02}0000"))
                    }),
                    fn_code: Some("88".into()),
                    fn_code2: None,
                    fn_name: name.clone(),
                    payer_name: name.map(Redacted::new),
                    message,
                    message2: None,
                    merchant_data: noti,
                    auth_no: None,
                    src_code: None,
                    card_number: None,
                    card_issuer_code: None,
                    cash_receipt: None,
                    charset: Charset::EucKr,
                    form: Form::new(),
                },
            )
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..768)) {
            for charset in [Charset::EucKr, Charset::Utf8] {
                for auth_dt in [AuthDtFormat::Tolerant, AuthDtFormat::Only12, AuthDtFormat::Only14] {
                    if let Ok(n) = Notification::parse(&bytes, &NotiOptions { charset, auth_dt }) {
                        let _ = (n.key(), n.check(&expected()), format!("{n:?}"));
                    }
                }
            }
        }

        #[test]
        fn roundtrip(n in arb_noti(), euc in any::<bool>()) {
            let charset = if euc { Charset::EucKr } else { Charset::Utf8 };
            let body = n.to_form().encode(charset).unwrap();
            let mut p = Notification::parse(&body, &NotiOptions { charset, auth_dt: AuthDtFormat::Only14 }).unwrap();
            p.form = Form::new();
            prop_assert_eq!(p, Notification { charset, ..n });
        }
    }
}
