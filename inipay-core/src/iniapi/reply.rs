//! Typed INIAPI replies (PROTOCOL.md 4.2-4.5, 5.2-5.6).
//!
//! Every reply is JSON with `resultCode` (`00` = success) and `resultMsg`;
//! on failure other fields may be null or missing (PROTOCOL.md 4.1). Values
//! are read whether they come as strings or numbers. Amounts are strict
//! (PROTOCOL.md 0): a string must be digits without sign, space or leading
//! zero, a number a non-negative integer; anything else is a
//! [`ReplyError::Field`] naming the field. A failure is classified
//! by code ([`classify`]), never by its Korean message, and the raw code,
//! message and detail code are kept.
//!
//! ```
//! use inipay_core::iniapi::BillingReply;
//! use inipay_core::outcome::Outcome;
//! let r = BillingReply::parse(r#"{"resultCode":"01","resultMsg":"[1113][실시간빌링실패|요청금액 0원 이하]"}"#.as_bytes()).unwrap();
//! assert_eq!(r.result.outcome, Outcome::GatewayError);
//! assert_eq!(r.result.detail.as_deref(), Some("1113"));
//! ```

use super::lenient::{WireAmount, opt_amount, opt_object, opt_string};
use crate::outcome::{Outcome, ResultCode, bracketed_code};
use crate::types::{Amount, FieldError, FieldErrorKind, mask_tail};
use serde::Deserialize;
use std::fmt;

/// Codes PROTOCOL.md documents as INICIS rejecting the request or its state
/// (not the card company declining): `[1113]` amount 0 or less, `[1195]`
/// billing key not registered, `ER0102` parameter value error, `512626`
/// already cancelled (4.2, 4.3, 7.3).
pub const GATEWAY_ERROR_CODES: [&str; 4] = ["1113", "1195", "ER0102", "512626"];

/// `detailResultCode` of a refund of an already cancelled transaction
/// (기 취소 거래, PROTOCOL.md 4.3).
pub const ALREADY_CANCELLED: &str = "512626";

/// Classifies an INIAPI result by code: `00` is success; a failure whose
/// `resultCode`, `detailResultCode` or bracketed message code is in
/// [`GATEWAY_ERROR_CODES`] is a gateway error; any other failure is
/// [`Outcome::Unknown`] (PROTOCOL.md lists no decline codes, so a decline
/// cannot be told apart from other failures by code).
///
/// ```
/// use inipay_core::iniapi::classify;
/// use inipay_core::outcome::Outcome;
/// assert_eq!(classify("00", "ok", None).outcome, Outcome::Success);
/// assert_eq!(classify("01", "기 취소 거래", Some("512626")).outcome, Outcome::GatewayError);
/// assert_eq!(classify("01", "[9999][?]", None).outcome, Outcome::Unknown);
/// ```
pub fn classify(code: &str, message: &str, detail: Option<&str>) -> ResultCode {
    let detail = detail
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .or_else(|| bracketed_code(message));
    let outcome = if code == "00" {
        Outcome::Success
    } else if GATEWAY_ERROR_CODES
        .iter()
        .any(|c| *c == code || Some(*c) == detail)
    {
        Outcome::GatewayError
    } else {
        Outcome::Unknown
    };
    ResultCode {
        outcome,
        code: code.to_owned(),
        message: message.to_owned(),
        detail: detail.map(str::to_owned),
    }
}

/// A reply that cannot be read. Never contains the reply's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// The body is not a JSON object (escrow endpoints, a wrong URL or an
    /// HTML error page; PROTOCOL.md 4.1).
    #[error("INIAPI reply is not a JSON object (line {line}, column {column})")]
    NotJson {
        /// Where parsing stopped.
        line: usize,
        /// Where parsing stopped.
        column: usize,
    },
    /// No `resultCode`.
    #[error("INIAPI reply without resultCode")]
    MissingResultCode,
    /// A field is present but malformed (an amount with a comma, say).
    #[error("INIAPI reply: {0}")]
    Field(#[source] FieldError),
}

/// Every field any reply may carry, read tolerantly.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Raw {
    #[serde(deserialize_with = "opt_string")]
    result_code: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    result_msg: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    detail_result_code: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    tid: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    mid: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    oid: Option<String>,
    #[serde(deserialize_with = "opt_amount")]
    price: Option<WireAmount>,
    #[serde(deserialize_with = "opt_string")]
    paymethod: Option<String>,
    // billing
    #[serde(deserialize_with = "opt_string")]
    pay_date: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pay_time: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pay_auth_code: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    card_code: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    card_name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    check_flg: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pay_auth_quota: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    prtc_code: Option<String>,
    // refund
    #[serde(deserialize_with = "opt_string")]
    cancel_date: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    cancel_time: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    cshr_cancel_num: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    receipt_info: Option<String>,
    // partial refund
    #[serde(deserialize_with = "opt_string")]
    prtc_tid: Option<String>,
    #[serde(deserialize_with = "opt_amount")]
    prtc_price: Option<WireAmount>,
    #[serde(deserialize_with = "opt_amount")]
    prtc_remains: Option<WireAmount>,
    #[serde(deserialize_with = "opt_string")]
    prtc_cnt: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    prtc_type: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    prtc_date: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    prtc_time: Option<String>,
    // inquiry
    #[serde(deserialize_with = "opt_string")]
    status: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    appl_num: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    appl_date: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    appl_time: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    goods_name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    approved_date: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    approved_time: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    buyer_name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    buyer_tel: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    buyer_mail: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    transaction_status: Option<String>,
    #[serde(deserialize_with = "opt_amount")]
    available_part_cancel_price: Option<WireAmount>,
    #[serde(deserialize_with = "opt_object")]
    vacct_info: Option<RawVacct>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawVacct {
    #[serde(deserialize_with = "opt_string")]
    account_number: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    bank_code: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    bank_name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    account_name: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    valid_date: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    deposit_status: Option<String>,
    #[serde(deserialize_with = "opt_amount")]
    deposit_amount: Option<WireAmount>,
    #[serde(deserialize_with = "opt_string")]
    deposit_date: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    deposit_time: Option<String>,
}

impl Raw {
    fn parse(body: &[u8]) -> Result<(Raw, ResultCode), ReplyError> {
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        // A derived struct would also accept a JSON array: insist on an object.
        let start = body.iter().position(|b| !b.is_ascii_whitespace());
        if start.is_none_or(|i| body[i] != b'{') {
            return Err(ReplyError::NotJson {
                line: 1,
                column: start.map_or(0, |i| i + 1),
            });
        }
        let raw: Raw = serde_json::from_slice(body).map_err(|e| ReplyError::NotJson {
            line: e.line(),
            column: e.column(),
        })?;
        let code = raw
            .result_code
            .as_deref()
            .map(str::trim)
            .ok_or(ReplyError::MissingResultCode)?;
        let result = classify(
            code,
            raw.result_msg.as_deref().unwrap_or(""),
            raw.detail_result_code.as_deref(),
        );
        Ok((raw, result))
    }
}

/// An amount field: a JSON string following the wire rule exactly
/// ([`Amount::parse`]: digits, no sign, no space, no leading zero), or a
/// JSON number that is a non-negative integer (PROTOCOL.md 0, 7.4). The
/// error names the field, never the value.
fn amount(field: &'static str, v: &Option<WireAmount>) -> Result<Option<Amount>, ReplyError> {
    match v {
        None => Ok(None),
        Some(WireAmount::Won(n)) => Ok(Some(Amount::won(*n))),
        Some(WireAmount::Text(s)) => Amount::parse(field, s).map(Some).map_err(ReplyError::Field),
        Some(WireAmount::NotAnAmount) => Err(ReplyError::Field(FieldError::new(
            field,
            FieldErrorKind::Format("a non-negative whole number of won"),
        ))),
    }
}

/// The reply to a billing charge (PROTOCOL.md 4.2; v2 assumed identical, 5.2).
///
/// ```
/// use inipay_core::iniapi::BillingReply;
/// use inipay_core::types::Amount;
///
/// let r = BillingReply::parse(br#"{"resultCode":"00","resultMsg":"ok","tid":"INIAPICARDINIBillTst20240101120000123456","price":"1000","prtcCode":"1"}"#)?;
/// assert!(r.result.is_success());
/// assert_eq!(r.price, Some(Amount::won(1000)));
/// assert_eq!(r.partial_cancel_allowed, Some(true));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingReply {
    /// The result.
    pub result: ResultCode,
    /// `tid`: the approval TID (`INIAPICARD...`), needed to refund.
    pub tid: Option<String>,
    /// `payDate` (`YYYYMMDD`).
    pub pay_date: Option<String>,
    /// `payTime` (`hhmmss`).
    pub pay_time: Option<String>,
    /// `payAuthCode`: the card approval number.
    pub pay_auth_code: Option<String>,
    /// `cardCode`: card company code.
    pub card_code: Option<String>,
    /// `cardName`, when sent.
    pub card_name: Option<String>,
    /// `checkFlg`: `0` credit, `1` check, `2` gift.
    pub check_flag: Option<String>,
    /// `payAuthQuota`: installment months.
    pub installment: Option<String>,
    /// `prtcCode`: whether partial cancel is possible (`1`).
    pub partial_cancel_allowed: Option<bool>,
    /// `price`: the amount charged.
    pub price: Option<Amount>,
}

impl BillingReply {
    /// Parses a reply body.
    pub fn parse(body: &[u8]) -> Result<BillingReply, ReplyError> {
        let (raw, result) = Raw::parse(body)?;
        Ok(BillingReply {
            price: amount("price", &raw.price)?,
            result,
            tid: raw.tid,
            pay_date: raw.pay_date,
            pay_time: raw.pay_time,
            pay_auth_code: raw.pay_auth_code,
            card_code: raw.card_code,
            card_name: raw.card_name,
            check_flag: raw.check_flg,
            installment: raw.pay_auth_quota,
            partial_cancel_allowed: raw.prtc_code.map(|c| c.trim() == "1"),
        })
    }
}

/// The reply to a full refund (PROTOCOL.md 4.3; v2 assumed identical, 5.3).
///
/// ```
/// use inipay_core::iniapi::RefundReply;
///
/// let again = RefundReply::parse(r#"{"resultCode":"01","resultMsg":"기 취소 거래","detailResultCode":"512626"}"#.as_bytes())?;
/// assert!(!again.result.is_success());
/// assert!(again.is_already_cancelled());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReply {
    /// The result (`detail` holds `detailResultCode`).
    pub result: ResultCode,
    /// `cancelDate` (`YYYYMMDD`).
    pub cancel_date: Option<String>,
    /// `cancelTime` (`hhmmss`).
    pub cancel_time: Option<String>,
    /// `cshrCancelNum`: cash-receipt cancellation number, if a receipt existed.
    pub cash_receipt_cancel_num: Option<String>,
    /// `receiptInfo`.
    pub receipt_info: Option<String>,
}

impl RefundReply {
    /// Parses a reply body.
    pub fn parse(body: &[u8]) -> Result<RefundReply, ReplyError> {
        let (raw, result) = Raw::parse(body)?;
        Ok(RefundReply {
            result,
            cancel_date: raw.cancel_date,
            cancel_time: raw.cancel_time,
            cash_receipt_cancel_num: raw.cshr_cancel_num,
            receipt_info: raw.receipt_info,
        })
    }

    /// Whether INICIS says the transaction was already cancelled
    /// (`detailResultCode` 512626): a repeated refund, safe to treat as done
    /// after checking with an inquiry.
    pub fn is_already_cancelled(&self) -> bool {
        self.result.detail.as_deref() == Some(ALREADY_CANCELLED)
    }
}

/// The remaining amount INICIS reports differs from the `confirmPrice` sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("partial refund: INICIS reports {reported} remaining, {expected} was expected")]
pub struct RemainsMismatch {
    /// The `confirmPrice` sent.
    pub expected: Amount,
    /// `prtcRemains` received.
    pub reported: Amount,
}

/// The reply to a partial refund (PROTOCOL.md 4.4; v2 assumed identical, 5.4).
///
/// ```
/// use inipay_core::iniapi::PartialRefundReply;
/// use inipay_core::types::Amount;
///
/// // Numbers or strings, both read.
/// let r = PartialRefundReply::parse(br#"{"resultCode":"00","resultMsg":"ok","prtcPrice":500,"prtcRemains":"500","prtcCnt":1}"#)?;
/// assert_eq!(r.refunded, Some(Amount::won(500)));
/// assert!(r.check_remaining(Amount::won(500)).is_ok());
/// assert!(r.check_remaining(Amount::won(400)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialRefundReply {
    /// The result.
    pub result: ResultCode,
    /// `tid`: the new TID of this partial cancel.
    pub tid: Option<String>,
    /// `prtcTid`: the original TID.
    pub original_tid: Option<String>,
    /// `prtcPrice`: refunded now.
    pub refunded: Option<Amount>,
    /// `prtcRemains`: still approved.
    pub remaining: Option<Amount>,
    /// `prtcCnt`: partial cancels so far.
    pub count: Option<u32>,
    /// `prtcType`: `0` re-approval style, `1` partial cancel.
    pub kind: Option<String>,
    /// `prtcDate` (`YYYYMMDD`).
    pub date: Option<String>,
    /// `prtcTime` (`hhmmss`).
    pub time: Option<String>,
}

impl PartialRefundReply {
    /// Parses a reply body.
    pub fn parse(body: &[u8]) -> Result<PartialRefundReply, ReplyError> {
        let (raw, result) = Raw::parse(body)?;
        let count = raw
            .prtc_cnt
            .as_deref()
            .map(|c| {
                c.trim().parse::<u32>().map_err(|_| {
                    ReplyError::Field(FieldError::new("prtcCnt", FieldErrorKind::NotDigits))
                })
            })
            .transpose()?;
        Ok(PartialRefundReply {
            refunded: amount("prtcPrice", &raw.prtc_price)?,
            remaining: amount("prtcRemains", &raw.prtc_remains)?,
            result,
            tid: raw.tid,
            original_tid: raw.prtc_tid,
            count,
            kind: raw.prtc_type,
            date: raw.prtc_date,
            time: raw.prtc_time,
        })
    }

    /// Checks a successful reply's `prtcRemains` against the `confirmPrice`
    /// sent. A missing `prtcRemains` passes (not every reply carries it).
    pub fn check_remaining(&self, confirm_price: Amount) -> Result<(), RemainsMismatch> {
        match self.remaining {
            Some(r) if self.result.is_success() && r != confirm_price => Err(RemainsMismatch {
                expected: confirm_price,
                reported: r,
            }),
            _ => Ok(()),
        }
    }
}

/// A transaction's state in an inquiry (`status`, PROTOCOL.md 4.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TxStatus {
    /// `0`: approved.
    Approved,
    /// `1`: cancelled.
    Cancelled,
    /// `9`: no such transaction.
    NotFound,
    /// `N`: virtual account waiting for deposit.
    AwaitingDeposit,
    /// `Y`: virtual account deposited.
    Deposited,
    /// `C`: virtual account cancelled before deposit.
    CancelledBeforeDeposit,
    /// Anything else, as received.
    Other(String),
}

impl TxStatus {
    fn parse(v: &str) -> TxStatus {
        match v.trim() {
            "0" => TxStatus::Approved,
            "1" => TxStatus::Cancelled,
            "9" => TxStatus::NotFound,
            "N" => TxStatus::AwaitingDeposit,
            "Y" => TxStatus::Deposited,
            "C" => TxStatus::CancelledBeforeDeposit,
            o => TxStatus::Other(o.to_owned()),
        }
    }
}

/// Virtual-account details of a v2 inquiry (`vacctInfo`). `Debug` masks the
/// account number and holder.
#[derive(Clone, PartialEq, Eq)]
pub struct VacctInfo {
    /// `accountNumber` (personal data).
    pub account_number: Option<String>,
    /// `bankCode`.
    pub bank_code: Option<String>,
    /// `bankName`.
    pub bank_name: Option<String>,
    /// `accountName` (personal data).
    pub account_name: Option<String>,
    /// `validDate`.
    pub valid_date: Option<String>,
    /// `depositStatus` (value set unknown, PROTOCOL.md 8.13).
    pub deposit_status: Option<String>,
    /// `depositAmount`.
    pub deposit_amount: Option<Amount>,
    /// `depositDate`.
    pub deposit_date: Option<String>,
    /// `depositTime`.
    pub deposit_time: Option<String>,
}

impl fmt::Debug for VacctInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VacctInfo")
            .field(
                "account_number",
                &self.account_number.as_ref().map(|_| "[REDACTED]"),
            )
            .field("bank_code", &self.bank_code)
            .field(
                "account_name",
                &self.account_name.as_deref().map(|n| mask_tail(n, 1)),
            )
            .field("deposit_status", &self.deposit_status)
            .field("deposit_amount", &self.deposit_amount)
            .finish_non_exhaustive()
    }
}

/// The reply to an inquiry (v1 4.5 and the v2 consumer models of 5.6).
///
/// ```
/// use inipay_core::iniapi::{InquiryReply, TxStatus};
/// use inipay_core::types::Amount;
///
/// let r = InquiryReply::parse(br#"{"resultCode":"00","resultMsg":"ok","tid":"T1","price":1000,"status":"1"}"#)?;
/// assert_eq!(r.status, Some(TxStatus::Cancelled));
/// assert_eq!(r.price, Some(Amount::won(1000)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct InquiryReply {
    /// The result of the inquiry itself.
    pub result: ResultCode,
    /// `tid`.
    pub tid: Option<String>,
    /// `mid` (v2).
    pub mid: Option<String>,
    /// `oid`.
    pub oid: Option<String>,
    /// `price`.
    pub price: Option<Amount>,
    /// `status` (v1), parsed.
    pub status: Option<TxStatus>,
    /// `transactionStatus` (v2; value set unknown, PROTOCOL.md 8.13).
    pub transaction_status: Option<String>,
    /// `paymethod`.
    pub paymethod: Option<String>,
    /// `applNum`.
    pub approval_number: Option<String>,
    /// `applDate` / `approvedDate`.
    pub approved_date: Option<String>,
    /// `applTime` / `approvedTime`.
    pub approved_time: Option<String>,
    /// `goodsName` (v2).
    pub goods_name: Option<String>,
    /// `buyerName` (v2; personal data).
    pub buyer_name: Option<String>,
    /// `buyerTel` (v2; personal data).
    pub buyer_tel: Option<String>,
    /// `buyerMail` (v2; personal data).
    pub buyer_email: Option<String>,
    /// `availablePartCancelPrice` (v2).
    pub available_partial_cancel: Option<Amount>,
    /// `vacctInfo` (v2).
    pub vacct: Option<VacctInfo>,
}

impl fmt::Debug for InquiryReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InquiryReply")
            .field("result", &self.result)
            .field("tid", &self.tid)
            .field("oid", &self.oid)
            .field("price", &self.price)
            .field("status", &self.status)
            .field("transaction_status", &self.transaction_status)
            .field(
                "buyer_name",
                &self.buyer_name.as_deref().map(|n| mask_tail(n, 1)),
            )
            .field("buyer_tel", &self.buyer_tel.as_ref().map(|_| "***"))
            .field("buyer_email", &self.buyer_email.as_ref().map(|_| "***"))
            .field("vacct", &self.vacct)
            .finish_non_exhaustive()
    }
}

impl InquiryReply {
    /// Parses a reply body.
    pub fn parse(body: &[u8]) -> Result<InquiryReply, ReplyError> {
        let (raw, result) = Raw::parse(body)?;
        let vacct = raw
            .vacct_info
            .map(|v| {
                Ok::<_, ReplyError>(VacctInfo {
                    deposit_amount: amount("depositAmount", &v.deposit_amount)?,
                    account_number: v.account_number,
                    bank_code: v.bank_code,
                    bank_name: v.bank_name,
                    account_name: v.account_name,
                    valid_date: v.valid_date,
                    deposit_status: v.deposit_status,
                    deposit_date: v.deposit_date,
                    deposit_time: v.deposit_time,
                })
            })
            .transpose()?;
        Ok(InquiryReply {
            price: amount("price", &raw.price)?,
            available_partial_cancel: amount(
                "availablePartCancelPrice",
                &raw.available_part_cancel_price,
            )?,
            result,
            tid: raw.tid,
            mid: raw.mid,
            oid: raw.oid,
            status: raw.status.as_deref().map(TxStatus::parse),
            transaction_status: raw.transaction_status,
            paymethod: raw.paymethod,
            approval_number: raw.appl_num,
            approved_date: raw.appl_date.or(raw.approved_date),
            approved_time: raw.appl_time.or(raw.approved_time),
            goods_name: raw.goods_name,
            buyer_name: raw.buyer_name,
            buyer_tel: raw.buyer_tel,
            buyer_email: raw.buyer_mail,
            vacct,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// PROTOCOL.md 4.2 reply.
    #[test]
    fn billing_reply_capture() {
        let body = r#"{"resultCode":"00","resultMsg":"[신용카드|빌링이 정상적으로 이루어졌습니다.]","tid":"INIAPICARDINIBillTst20240101120000123456","payDate":"20240101","payTime":"120001","payAuthCode":"00862734","cardCode":"04","checkFlg":"0","payAuthQuota":"00","prtcCode":"1","price":"1000"}"#;
        let r = BillingReply::parse(body.as_bytes()).unwrap();
        assert!(r.result.is_success());
        assert_eq!(r.result.detail, None);
        assert_eq!(
            r.tid.as_deref(),
            Some("INIAPICARDINIBillTst20240101120000123456")
        );
        assert_eq!(r.price, Some(Amount::won(1000)));
        assert_eq!(r.partial_cancel_allowed, Some(true));
        assert_eq!(r.pay_auth_code.as_deref(), Some("00862734"));
        assert_eq!(r.installment.as_deref(), Some("00"));
        // Numbers instead of strings.
        let n = BillingReply::parse(br#"{"resultCode":0,"price":1000,"prtcCode":0}"#).unwrap();
        assert_eq!(n.result.code, "0");
        assert!(!n.result.is_success(), "only the string 00 is success");
        assert_eq!(n.price, Some(Amount::won(1000)));
        assert_eq!(n.partial_cancel_allowed, Some(false));
        let ok = BillingReply::parse(br#"{"resultCode":"00","price":1000}"#).unwrap();
        assert!(ok.result.is_success());
    }

    /// PROTOCOL.md 4.2 failure: `[1113]`, other fields null or empty.
    #[test]
    fn billing_failure_1113() {
        let body = r#"{"resultCode":"01","resultMsg":"[1113][실시간빌링실패|요청금액 0원 이하]","tid":null,"payDate":"","price":null,"cardCode":null}"#;
        let r = BillingReply::parse(body.as_bytes()).unwrap();
        assert_eq!(r.result.outcome, Outcome::GatewayError);
        assert_eq!(r.result.code, "01");
        assert_eq!(r.result.detail.as_deref(), Some("1113"));
        assert_eq!(r.result.message, "[1113][실시간빌링실패|요청금액 0원 이하]");
        assert_eq!((r.tid, r.pay_date, r.price), (None, None, None));
        let r = BillingReply::parse(
            r#"{"resultCode":"01","resultMsg":"[1195][빌링 미등록]"}"#.as_bytes(),
        )
        .unwrap();
        assert_eq!(r.result.outcome, Outcome::GatewayError);
        let r = BillingReply::parse(br#"{"resultCode":"ER0102","resultMsg":"x"}"#).unwrap();
        assert_eq!(r.result.outcome, Outcome::GatewayError);
        let r = BillingReply::parse(br#"{"resultCode":"01","resultMsg":"[5001][x]"}"#).unwrap();
        assert_eq!(r.result.outcome, Outcome::Unknown);
        assert_eq!(r.result.detail.as_deref(), Some("5001"));
    }

    /// PROTOCOL.md 4.3 reply (real capture) and the already-cancelled case.
    #[test]
    fn refund_reply_capture() {
        let body = r#"{"resultCode":"00","resultMsg":"정상처리되었습니다.","cancelDate":"20220210","cancelTime":"004139","receiptInfo":"","cshrCancelNum":"","detailResultCode":""}"#;
        let r = RefundReply::parse(body.as_bytes()).unwrap();
        assert!(r.result.is_success());
        assert_eq!(r.cancel_date.as_deref(), Some("20220210"));
        assert_eq!(r.cancel_time.as_deref(), Some("004139"));
        assert_eq!(r.cash_receipt_cancel_num, None);
        assert_eq!(r.result.detail, None);
        assert!(!r.is_already_cancelled());
        let again = RefundReply::parse(
            r#"{"resultCode":"01","resultMsg":"기 취소 거래","detailResultCode":"512626"}"#
                .as_bytes(),
        )
        .unwrap();
        assert!(again.is_already_cancelled());
        assert_eq!(again.result.outcome, Outcome::GatewayError);
        assert_eq!(again.result.message, "기 취소 거래");
    }

    /// PROTOCOL.md 4.4 example reply.
    #[test]
    fn partial_refund_reply() {
        let body = r#"{"resultCode":"00","resultMsg":"정상처리되었습니다.","tid":"StdpayCARDINIpayTest20240101120001123456","prtcTid":"StdpayCARDINIpayTest20210101111111111111","prtcPrice":"500","prtcRemains":"500","prtcCnt":"1","prtcType":"1","prtcDate":"20240101","prtcTime":"120001"}"#;
        let r = PartialRefundReply::parse(body.as_bytes()).unwrap();
        assert_eq!(r.refunded, Some(Amount::won(500)));
        assert_eq!(r.remaining, Some(Amount::won(500)));
        assert_eq!(r.count, Some(1));
        assert_eq!(
            r.original_tid.as_deref(),
            Some("StdpayCARDINIpayTest20210101111111111111")
        );
        assert!(r.check_remaining(Amount::won(500)).is_ok());
        assert_eq!(
            r.check_remaining(Amount::won(400)),
            Err(RemainsMismatch {
                expected: Amount::won(400),
                reported: Amount::won(500)
            })
        );
        let bad =
            PartialRefundReply::parse(br#"{"resultCode":"00","prtcRemains":"1,000"}"#).unwrap_err();
        assert_eq!(
            bad,
            ReplyError::Field(FieldError::new("prtcRemains", FieldErrorKind::NotDigits))
        );
        let bad = PartialRefundReply::parse(br#"{"resultCode":"00","prtcCnt":"x"}"#).unwrap_err();
        assert!(matches!(bad, ReplyError::Field(_)));
    }

    #[test]
    fn inquiry_replies() {
        let v1 = InquiryReply::parse(
            br#"{"resultCode":"00","resultMsg":"ok","tid":"T","price":1000,"status":"0"}"#,
        )
        .unwrap();
        assert_eq!(v1.status, Some(TxStatus::Approved));
        assert_eq!(v1.price, Some(Amount::won(1000)));
        let vb = InquiryReply::parse(br#"{"resultCode":"00","status":"N"}"#).unwrap();
        assert_eq!(vb.status, Some(TxStatus::AwaitingDeposit));
        let v2 = InquiryReply::parse(
            r#"{"resultCode":"00","resultMsg":"ok","tid":"T","mid":"INIpayTest","oid":"O1","price":"5000","goodsName":"상품","buyerName":"홍길동","buyerTel":"01012345678","buyerMail":"a@b.com","transactionStatus":"PAID","availablePartCancelPrice":"5000","vacctInfo":{"accountNumber":"56211102345678","bankCode":"04","accountName":"홍길동","depositStatus":"Y","depositAmount":5000}}"#.as_bytes(),
        )
        .unwrap();
        let vacct = v2.vacct.clone().unwrap();
        assert_eq!(vacct.deposit_amount, Some(Amount::won(5000)));
        assert_eq!(vacct.bank_code.as_deref(), Some("04"));
        assert_eq!(v2.available_partial_cancel, Some(Amount::won(5000)));
        let d = format!("{v2:?}");
        for s in ["56211102345678", "길동", "01012345678", "a@b.com"] {
            assert!(!d.contains(s), "{s} in {d}");
        }
        // vacctInfo of the wrong shape is ignored.
        let odd = InquiryReply::parse(br#"{"resultCode":"00","vacctInfo":"none"}"#).unwrap();
        assert!(odd.vacct.is_none());
    }

    #[test]
    fn malformed_bodies_are_typed_errors() {
        assert!(matches!(
            BillingReply::parse(b""),
            Err(ReplyError::NotJson { .. })
        ));
        assert!(matches!(
            BillingReply::parse(b"resultCode=00&resultMsg=ok"),
            Err(ReplyError::NotJson { .. })
        ));
        assert!(matches!(
            BillingReply::parse(b"[1,2]"),
            Err(ReplyError::NotJson { .. })
        ));
        assert_eq!(
            BillingReply::parse(b"{}"),
            Err(ReplyError::MissingResultCode)
        );
        assert_eq!(
            BillingReply::parse(br#"{"resultCode":null}"#),
            Err(ReplyError::MissingResultCode)
        );
        // A BOM and unknown fields are fine.
        assert!(
            BillingReply::parse(b"\xEF\xBB\xBF{\"resultCode\":\"00\",\"new\":{\"x\":[1]}}").is_ok()
        );
        // The error never repeats the content.
        let e = BillingReply::parse(br#""4111111111111111""#).unwrap_err();
        assert!(!e.to_string().contains("4111"), "{e}");
    }

    fn value_strategy() -> impl Strategy<Value = serde_json::Value> {
        prop_oneof![
            Just(serde_json::Value::Null),
            any::<u64>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(serde_json::Value::from),
            "\\PC{0,12}".prop_map(serde_json::Value::from),
            "[0-9]{0,14}".prop_map(serde_json::Value::from),
            any::<bool>().prop_map(serde_json::Value::from),
            Just(serde_json::json!({"a": [1, {"b": null}]})),
        ]
    }

    const KEYS: [&str; 14] = [
        "resultCode",
        "resultMsg",
        "detailResultCode",
        "tid",
        "price",
        "prtcPrice",
        "prtcRemains",
        "prtcCnt",
        "status",
        "vacctInfo",
        "payDate",
        "prtcCode",
        "availablePartCancelPrice",
        "unknownField",
    ];

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = BillingReply::parse(&bytes);
            let _ = RefundReply::parse(&bytes);
            let _ = PartialRefundReply::parse(&bytes);
            let _ = InquiryReply::parse(&bytes);
        }

        #[test]
        fn arbitrary_json_objects_never_panic(
            entries in proptest::collection::vec((0usize..KEYS.len(), value_strategy()), 0..10)
        ) {
            let mut map = serde_json::Map::new();
            for (k, v) in entries {
                map.insert(KEYS[k].to_owned(), v);
            }
            let body = serde_json::to_vec(&serde_json::Value::Object(map)).unwrap();
            let _ = BillingReply::parse(&body);
            let _ = RefundReply::parse(&body);
            let _ = PartialRefundReply::parse(&body);
            let _ = InquiryReply::parse(&body);
        }

        /// Round trip: amounts and codes sent as strings or numbers read back equal.
        #[test]
        fn round_trip(price in 0u64..10_000_000_000, remains in 0u64..10_000_000, as_number in any::<bool>(),
                      tid in "[A-Za-z0-9_]{1,40}", cnt in 0u32..100) {
            let v = |n: u64| if as_number { serde_json::json!(n) } else { serde_json::json!(n.to_string()) };
            let body = serde_json::json!({
                "resultCode": "00", "resultMsg": "ok", "tid": tid,
                "prtcPrice": v(price), "prtcRemains": v(remains), "prtcCnt": v(u64::from(cnt)),
            });
            let r = PartialRefundReply::parse(&serde_json::to_vec(&body).unwrap()).unwrap();
            prop_assert!(r.result.is_success());
            prop_assert_eq!(r.refunded, Some(Amount::won(price)));
            prop_assert_eq!(r.remaining, Some(Amount::won(remains)));
            prop_assert_eq!(r.count, Some(cnt));
            prop_assert_eq!(r.tid.as_deref(), Some(tid.as_str()));
        }
    }
}
