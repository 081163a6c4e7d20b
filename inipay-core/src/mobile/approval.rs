//! Approval (승인요청 / 승인결과, PROTOCOL.md 2.5): the server-to-server call
//! that actually captures the money, and its reply.
//!
//! 1. [`ApprovalRequest`] (usually from
//!    [`AuthSuccess::approval_request`](super::AuthSuccess::approval_request)):
//!    the checked `P_REQ_URL` and the body `P_MID=..&P_TID=..`. The client
//!    POSTs it; this module does no I/O.
//! 2. [`ApprovalReply::parse`] reads the `KEY=VALUE&...` reply in the result
//!    charset: common fields plus [`MethodDetails`] per `P_TYPE`. Unknown
//!    fields stay in [`ApprovalReply::form`].
//! 3. [`ApprovalReply::verify`] compares `P_MID`, `P_OID` and `P_AMT` with the
//!    order and returns [`Approved`]: a [`ApprovedPayment`] (money captured)
//!    or a [`VbankIssuance`] (a virtual account was issued; **nothing is paid
//!    yet**, the deposit notification says when it is). These types can only
//!    be obtained from a successful, verified reply and always carry the
//!    approval TID that refunds need.
//!
//! Once the approval request was sent, anything that goes wrong must end in
//! a net cancel with module [`net_cancel`](super::net_cancel) (PROTOCOL.md
//! 2.8, 7.7): a timeout or transport error, **any** [`ParseError`] of the
//! reply (an unreadable reply may well be a success), a [`VerifyError`] with
//! [`requires_net_cancel`](VerifyError::requires_net_cancel), or a failure
//! of the merchant's own storage. Only [`VerifyError::NotApproved`] means no
//! money moved. A net cancel of an authentication that was never approved
//! is expected to fail harmlessly (I: INICIS documents no codes for it).
//!
//! ```
//! use inipay_core::encoding::Charset;
//! use inipay_core::mobile::{ApprovalReply, Approved, Expected, PaidMethod};
//! use inipay_core::types::{Amount, Mid, OrderId};
//!
//! let body = "P_STATUS=00&P_RMESG1=ok&P_TID=INIMX_CARDINIpayTest20241030120339525932&P_TYPE=CARD\
//!             &P_MID=INIpayTest&P_OID=6e9143d98da24514&P_AMT=2000&P_CARD_NUM=529942*********0&P_RMESG2=03";
//! let reply = ApprovalReply::parse(body.as_bytes(), Charset::Utf8)?;
//! let expected = Expected::new(Mid::new("INIpayTest")?, OrderId::new("6e9143d98da24514")?, Amount::won(2000));
//! let Approved::Paid(payment) = reply.verify(&expected)? else { panic!("not paid") };
//! assert_eq!(payment.tid().as_str(), "INIMX_CARDINIpayTest20241030120339525932");
//! let PaidMethod::Card(card) = payment.method() else { panic!("not a card") };
//! assert_eq!(card.installment_months, Some(3));
//! assert!(!format!("{payment:?}").contains("529942"));
//!
//! // A reply for another amount must be net-cancelled.
//! let other = Expected::new(Mid::new("INIpayTest")?, OrderId::new("6e9143d98da24514")?, Amount::won(1000));
//! assert!(reply.verify(&other).unwrap_err().requires_net_cancel());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::PaymentForm;
use super::reply::{
    AMOUNT_DIGITS, CashReceipt, KstDateTime, Message, ParseError, PayType, Reader, Redacted,
    decode_body_with_fallback, put, put_amount,
};
use crate::config::{Merchant, Origin};
use crate::encoding::{Charset, Form, LogSafe};
use crate::outcome::{Outcome, ResultCode};
use crate::types::{Amount, Mid, OrderId, Tid};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// The approval request (승인요청): exactly `P_MID` and `P_TID`, form-encoded,
/// POSTed server-to-server to the checked `P_REQ_URL` (PROTOCOL.md 2.5).
///
/// Only [`ApprovalRequest::new`] makes one, and it refuses URLs outside the
/// merchant's allow-list.
///
/// ```
/// # use inipay_core::config::{Endpoints, Merchant, test_keys};
/// # let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(), Endpoints::sandbox("http://127.0.0.1:8081")?)?;
/// use inipay_core::encoding::Charset;
/// use inipay_core::mobile::ApprovalRequest;
/// use inipay_core::types::Tid;
///
/// let tid = Tid::new("INIMX_AUTHINIpayTest20241029164022745656")?;
/// let req = ApprovalRequest::new(&merchant, &tid, "http://127.0.0.1:8081/smart/payReq.ini", Charset::EucKr)?;
/// assert_eq!(req.body(), b"P_MID=INIpayTest&P_TID=INIMX_AUTHINIpayTest20241029164022745656");
/// // A P_REQ_URL outside the allow-list is refused.
/// assert!(ApprovalRequest::new(&merchant, &tid, "https://evil.example/payReq", Charset::EucKr).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRequest {
    url: String,
    body: Vec<u8>,
    reply_charset: Charset,
    origin: Origin,
}

/// `P_REQ_URL` is not an allowed approval URL for the merchant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("P_REQ_URL is not an allowed approval URL for this merchant")]
#[non_exhaustive]
pub struct ApprovalUrlNotAllowed;

impl ApprovalRequest {
    /// The content type of the body.
    pub const CONTENT_TYPE: &'static str = "application/x-www-form-urlencoded";

    /// The request for auth TID `auth_tid` to `req_url`; `reply_charset` is
    /// the `P_CHARSET` the payment was requested with.
    pub fn new(
        merchant: &Merchant,
        auth_tid: &Tid,
        req_url: &str,
        reply_charset: Charset,
    ) -> Result<ApprovalRequest, ApprovalUrlNotAllowed> {
        if !merchant.is_allowed_approval_url(req_url) {
            return Err(ApprovalUrlNotAllowed);
        }
        let body = format!(
            "P_MID={}&P_TID={}",
            merchant.mid().as_str(),
            auth_tid.as_str()
        )
        .into_bytes();
        Ok(ApprovalRequest {
            url: req_url.to_owned(),
            body,
            reply_charset,
            origin: merchant.origin(),
        })
    }

    /// The URL to POST to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `application/x-www-form-urlencoded` body (MID and TID are ASCII
    /// letters, digits and `_`, so the body needs no escaping).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The charset the reply will be in.
    pub fn reply_charset(&self) -> Charset {
        self.reply_charset
    }

    /// The MID and mode that made the request.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
}

macro_rules! wire_code {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $code:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $var,)*
            /// Any other value, as received.
            Other(String),
        }
        impl $name {
            /// Reads the wire value.
            pub fn from_wire(s: &str) -> $name {
                match s {
                    $($code => $name::$var,)*
                    _ => $name::Other(s.to_owned()),
                }
            }
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$var => $code,)*
                    $name::Other(s) => s,
                }
            }
        }
    };
}

wire_code! {
    /// Interest terms of a card installment (`P_CARD_INTEREST`).
    CardInterest {
        /// `0`: normal.
        Normal = "0",
        /// `1`: interest-free (무이자).
        InterestFree = "1",
    }
}

wire_code! {
    /// Kind of card (`P_CARD_CHECKFLAG`).
    CardKind {
        /// `0`: credit card.
        Credit = "0",
        /// `1`: check/debit card (체크카드).
        Check = "1",
        /// `2`: gift card (기프트카드).
        Gift = "2",
    }
}

wire_code! {
    /// Whether a card approval can be partially cancelled (`P_CARD_PRTC_CODE`).
    PartialCancel {
        /// `1`: partial cancel possible.
        Allowed = "1",
        /// `0`: not possible.
        NotAllowed = "0",
    }
}

wire_code! {
    /// Personal or corporate card (`CARD_CorpFlag`, also spelled `CARD_CorpFlg`).
    CorpFlag {
        /// `0`: personal.
        Personal = "0",
        /// `1`: corporate (법인).
        Corporate = "1",
        /// `9`: INICIS does not know.
        Unknown = "9",
    }
}

/// Card approval details (PROTOCOL.md 2.5, CARD).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardDetails {
    /// `P_CARD_NUM`: the masked card number (`529942*********0`). Redacted in `Debug`.
    pub card_number: Option<Redacted>,
    /// `P_CARD_ISSUER_CODE`.
    pub issuer_code: Option<String>,
    /// `P_CARD_ISSUER_NAME`.
    pub issuer_name: Option<String>,
    /// `P_CARD_PURCHASE_CODE`: acquirer.
    pub purchase_code: Option<String>,
    /// `P_CARD_PURCHASE_NAME`.
    pub purchase_name: Option<String>,
    /// `P_FN_CD1`: card company code.
    pub company_code: Option<String>,
    /// `P_FN_NM`: card company name.
    pub company_name: Option<String>,
    /// `P_CARD_MEMBER_NUM`: the card company's merchant number.
    pub member_number: Option<String>,
    /// `P_RMESG2`: installment months (`0` = lump sum, 일시불).
    pub installment_months: Option<u8>,
    /// `P_CARD_INTEREST`.
    pub interest: Option<CardInterest>,
    /// `P_CARD_CHECKFLAG`.
    pub kind: Option<CardKind>,
    /// `P_CARD_PRTC_CODE`.
    pub partial_cancel: Option<PartialCancel>,
    /// `P_ISP_CARDCODE`: ISP (VP) card code.
    pub isp_card_code: Option<String>,
    /// `P_CARD_APPLPRICE`: amount actually charged to the card.
    pub applied_price: Option<Amount>,
    /// `CARD_CorpFlag` (or `CARD_CorpFlg`).
    pub corp_flag: Option<CorpFlag>,
    /// `P_COUPONFLG`.
    pub coupon_flag: Option<String>,
    /// `P_COUPON_DISCOUNT`.
    pub coupon_discount: Option<Amount>,
    /// `P_CARD_USEPOINT`.
    pub used_points: Option<Amount>,
    /// `P_MERCHANT_RESERVED` as received (Base64 of INICIS's reserved string).
    pub merchant_reserved: Option<String>,
    /// `EventCode`.
    pub event_code: Option<String>,
}

/// Bank transfer details (PROTOCOL.md 2.5, BANK).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BankDetails {
    /// `P_FN_CD1`: bank code.
    pub bank_code: Option<String>,
    /// `P_FN_NM`: bank name.
    pub bank_name: Option<String>,
    /// Cash receipt, when requested.
    pub cash_receipt: Option<CashReceipt>,
}

/// A virtual account issued for the buyer to pay into (PROTOCOL.md 2.5,
/// VBANK). An issuance, not a payment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VbankAccount {
    /// `P_VACT_NUM`: account number. Redacted in `Debug`.
    pub account_number: Option<Redacted>,
    /// `P_VACT_DATE` + `P_VACT_TIME`: deposit deadline.
    pub deadline: Option<KstDateTime>,
    /// `P_VACT_NAME`: account holder (the merchant's name as INICIS shows it).
    pub holder_name: Option<String>,
    /// `P_VACT_BANK_CODE`.
    pub bank_code: Option<String>,
    /// `P_FN_NM`: bank name.
    pub bank_name: Option<String>,
    /// Cash receipt, when requested.
    pub cash_receipt: Option<CashReceipt>,
}

/// Phone payment details (PROTOCOL.md 2.5, MOBILE).
#[derive(Debug, Clone, Default)]
pub struct MobileDetails {
    /// `P_HPP_CORP`: carrier code (`SKT`, `KTF`, `LGT`, ...).
    pub carrier: Option<String>,
    /// `P_HPP_NUM`: the phone number. Redacted in `Debug`.
    pub phone_number: Option<Redacted>,
    /// `P_HPP_BILLKEY`: phone billing key (with `hpp_bill=Y`). A secret.
    pub billkey: Option<SecretString>,
}

impl PartialEq for MobileDetails {
    fn eq(&self, other: &MobileDetails) -> bool {
        let key_eq = match (&self.billkey, &other.billkey) {
            (None, None) => true,
            (Some(a), Some(b)) => crate::crypto::ct_eq_str(a.expose_secret(), b.expose_secret()),
            _ => false,
        };
        self.carrier == other.carrier && self.phone_number == other.phone_number && key_eq
    }
}
impl Eq for MobileDetails {}

/// A gift-card method (only the common fields are known, PROTOCOL.md 8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GiftCard {
    /// `CULTURE`: 문화상품권.
    Culture,
    /// `HPMN`: 해피머니.
    HappyMoney,
    /// `DGCL`: 스마트문상.
    SmartCulture,
}

/// What an approval reply says per method (`P_TYPE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MethodDetails {
    /// `CARD`.
    Card(CardDetails),
    /// `BANK`.
    Bank(BankDetails),
    /// `VBANK`: an account was issued; the money has **not** arrived.
    VbankIssued(VbankAccount),
    /// `MOBILE`.
    Mobile(MobileDetails),
    /// `CULTURE`, `HPMN`, `DGCL`.
    GiftCard(GiftCard),
    /// Any other `P_TYPE` (`EWALLET`, `ETC_`, new ones) as received; empty
    /// when `P_TYPE` was absent.
    Other(String),
}

/// A parsed approval reply (승인결과), successful or not. Made only by
/// [`ApprovalReply::parse`]; turn it into a payment with [`verify`](Self::verify).
///
/// `Debug` redacts card, phone and account numbers, the buyer's name and the
/// billing key.
///
/// ```
/// use inipay_core::encoding::Charset;
/// use inipay_core::mobile::{ApprovalReply, Approved, Expected};
/// use inipay_core::types::{Amount, Mid, OrderId};
///
/// let text = "P_STATUS=00&P_RMESG1=성공적으로 처리 하였습니다.&P_TID=INIMX_CARDINIpayTest20241030120339525932\
///             &P_TYPE=CARD&P_AUTH_DT=20241030120339&P_MID=INIpayTest&P_OID=ORD1&P_AMT=2000";
/// let (body, _, _) = encoding_rs::EUC_KR.encode(text);
/// let reply = ApprovalReply::parse(&body, Charset::EucKr)?;
/// assert!(reply.is_success());
/// let expected = Expected::new(Mid::new("INIpayTest")?, OrderId::new("ORD1")?, Amount::won(2000));
/// let Approved::Paid(paid) = reply.verify(&expected)? else { unreachable!() };
/// assert_eq!(paid.amount(), Amount::won(2000));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalReply {
    /// `P_STATUS` / `P_RMESG1`: `00` is [`Outcome::Success`]; any other code is
    /// [`Outcome::Unknown`] (INICIS reports no cause, PROTOCOL.md 8.7).
    pub result: ResultCode,
    /// `P_TID`: the **approval** TID (`INIMX_CARD...`, `INIMX_VBNK...`); refunds use it.
    pub tid: Option<Tid>,
    /// `P_TYPE`.
    pub pay_type: Option<PayType>,
    /// `P_AUTH_DT`: approval time.
    pub approved_at: Option<KstDateTime>,
    /// `P_AUTH_NO`: card approval number.
    pub auth_no: Option<String>,
    /// `P_MID`.
    pub mid: Option<Mid>,
    /// `P_OID` (up to 100 bytes).
    pub order_id: Option<String>,
    /// `P_AMT`.
    pub amount: Option<Amount>,
    /// `P_UNAME`: the buyer's name. Redacted in `Debug`.
    pub buyer_name: Option<Redacted>,
    /// `P_MNAME`.
    pub merchant_name: Option<String>,
    /// `P_NOTI` echo.
    pub merchant_data: Option<String>,
    /// `P_NEXT_URL` echo.
    pub next_url: Option<String>,
    /// `P_NOTEURL` echo (of `P_NOTI_URL`).
    pub noti_url: Option<String>,
    /// `P_SRC_CODE`: app/easy-pay source (`O` Kakao Pay, `C` PAYCO, ...).
    pub src_code: Option<String>,
    /// Per-method fields.
    pub details: MethodDetails,
    /// The charset the body was actually decoded with: the one asked for, or
    /// the other when the bytes were only valid in that one (INICIS answers
    /// an unknown `P_TID` in EUC-KR even with `P_CHARSET=utf8`). Journal the
    /// body with it.
    pub charset: Charset,
    form: Form,
}

/// `P_OID` in an approval reply: 100 bytes (PROTOCOL.md 2.5).
const OID_LIMIT: usize = 100;

impl ApprovalReply {
    /// Parses an approval reply in `charset` (the `P_CHARSET` of the
    /// payment), or in the other charset when the bytes are not valid text
    /// in `charset` but are in the other (PROTOCOL.md 2.5; valid EUC-KR is
    /// never "unreadable"); [`charset`](Self::charset) says which was used.
    /// For a success, `P_STATUS`, `P_TID`, `P_MID`, `P_OID`, `P_AMT` and
    /// `P_TYPE` must be well formed; for a failure only `P_STATUS` is
    /// required and malformed identifiers are dropped. Every other field is
    /// optional and read tolerantly (see module `reply` notes).
    ///
    /// ```
    /// use inipay_core::encoding::Charset;
    /// use inipay_core::mobile::ApprovalReply;
    ///
    /// // The answer for an unknown P_TID comes in EUC-KR although utf8 was asked for.
    /// let (body, _, _) = encoding_rs::EUC_KR.encode("P_STATUS=01&P_RMESG1=거래정보가 없습니다.");
    /// let reply = ApprovalReply::parse(&body, Charset::Utf8)?;
    /// assert_eq!(reply.charset, Charset::EucKr);
    /// assert_eq!(reply.result.message, "거래정보가 없습니다.");
    /// // P_AMT is digits without a leading zero, exactly.
    /// let e = ApprovalReply::parse(b"P_STATUS=00&P_AMT=012000", Charset::Utf8).unwrap_err();
    /// assert_eq!(e.field(), Some("P_AMT"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(body: &[u8], charset: Charset) -> Result<ApprovalReply, ParseError> {
        let (form, charset) = decode_body_with_fallback(body, charset, Message::Approval)?;
        let r = Reader::new(&form, Message::Approval);
        let status = r.status()?;
        let success = status == "00";
        let message = r.raw_text("P_RMESG1").unwrap_or_default();
        let outcome = if success {
            Outcome::Success
        } else {
            Outcome::Unknown
        };
        // Identifiers: strict on success, dropped when malformed on failure.
        let tid = strict_if(success, r.tid("P_TID"))?;
        let mid = strict_if(success, r.mid("P_MID"))?;
        let order_id = strict_if(success, r.limited("P_OID", OID_LIMIT))?;
        let amount = strict_if(success, r.amount("P_AMT", AMOUNT_DIGITS))?;
        let pay_type = strict_if(success, r.pay_type())?;
        let details = read_details(&r, pay_type.as_ref());
        let reply = ApprovalReply {
            result: ResultCode::new(outcome, status, message),
            tid,
            pay_type,
            approved_at: r
                .text("P_AUTH_DT")
                .and_then(|s| KstDateTime::parse(&s).or_else(|| KstDateTime::parse_yy(&s))),
            auth_no: r.text("P_AUTH_NO"),
            mid,
            order_id,
            amount,
            buyer_name: r.text("P_UNAME").map(Redacted::new),
            merchant_name: r.text("P_MNAME"),
            merchant_data: r.text("P_NOTI"),
            next_url: r.text("P_NEXT_URL"),
            noti_url: r.text("P_NOTEURL"),
            src_code: r.text("P_SRC_CODE"),
            details,
            charset,
            form: Form::new(),
        };
        Ok(ApprovalReply { form, ..reply })
    }

    /// Every field as received, unknown ones included.
    pub fn form(&self) -> &Form {
        &self.form
    }

    /// Whether `P_STATUS` is `00`.
    pub fn is_success(&self) -> bool {
        self.result.is_success()
    }

    /// Compares the reply with the order and returns the verified result.
    ///
    /// On [`VerifyError::NotApproved`] no money moved. On every other error
    /// INICIS approved something that is not this order (or cannot be
    /// identified): the caller must net-cancel
    /// ([`VerifyError::requires_net_cancel`]).
    pub fn verify(&self, expected: &Expected) -> Result<Approved, VerifyError> {
        if !self.is_success() {
            return Err(VerifyError::NotApproved(self.result.clone()));
        }
        let Some(tid) = self.tid.clone() else {
            return Err(VerifyError::mismatch("P_TID", MismatchKind::Missing));
        };
        compare(
            "P_MID",
            self.mid.as_ref().map(Mid::as_str),
            expected.mid.as_str(),
        )?;
        compare(
            "P_OID",
            self.order_id.as_deref(),
            expected.order_id.as_str(),
        )?;
        match self.amount {
            None => return Err(VerifyError::mismatch("P_AMT", MismatchKind::Missing)),
            Some(a) if a != expected.amount => {
                return Err(VerifyError::mismatch("P_AMT", MismatchKind::Different));
            }
            Some(_) => {}
        }
        let common = Verified {
            tid,
            mid: expected.mid.clone(),
            order_id: expected.order_id.clone(),
            amount: expected.amount,
            reply: Box::new(self.clone()),
        };
        if let MethodDetails::VbankIssued(account) = &self.details {
            let Some(number) = account.account_number.clone() else {
                return Err(VerifyError::mismatch("P_VACT_NUM", MismatchKind::Missing));
            };
            return Ok(Approved::VbankIssued(VbankIssuance {
                common,
                account_number: number,
            }));
        }
        Ok(Approved::Paid(ApprovedPayment { common }))
    }

    /// The reply as a form (for tests and the sandbox): the typed fields only.
    pub fn to_form(&self) -> Form {
        let mut f = Form::new();
        f.push("P_STATUS", self.result.code.as_str());
        f.push("P_RMESG1", self.result.message.as_str());
        put(&mut f, "P_TID", self.tid.as_ref().map(Tid::as_str));
        put(
            &mut f,
            "P_TYPE",
            self.pay_type.as_ref().map(PayType::as_str),
        );
        put(
            &mut f,
            "P_AUTH_DT",
            self.approved_at.as_ref().map(KstDateTime::as_str),
        );
        put(&mut f, "P_AUTH_NO", self.auth_no.as_deref());
        put(&mut f, "P_MID", self.mid.as_ref().map(Mid::as_str));
        put(&mut f, "P_OID", self.order_id.as_deref());
        put_amount(&mut f, "P_AMT", self.amount);
        put(
            &mut f,
            "P_UNAME",
            self.buyer_name.as_ref().map(Redacted::expose),
        );
        put(&mut f, "P_MNAME", self.merchant_name.as_deref());
        put(&mut f, "P_NOTI", self.merchant_data.as_deref());
        put(&mut f, "P_NEXT_URL", self.next_url.as_deref());
        put(&mut f, "P_NOTEURL", self.noti_url.as_deref());
        put(&mut f, "P_SRC_CODE", self.src_code.as_deref());
        write_details(&self.details, &mut f);
        f
    }
}

/// The error when `strict`, otherwise `None` in place of a malformed value.
fn strict_if<T>(strict: bool, res: Result<Option<T>, ParseError>) -> Result<Option<T>, ParseError> {
    match res {
        Err(_) if !strict => Ok(None),
        other => other,
    }
}

fn compare(field: &'static str, got: Option<&str>, expected: &str) -> Result<(), VerifyError> {
    match got {
        None => Err(VerifyError::mismatch(field, MismatchKind::Missing)),
        Some(g) if g != expected => Err(VerifyError::mismatch(field, MismatchKind::Different)),
        Some(_) => Ok(()),
    }
}

fn read_details(r: &Reader<'_>, pay_type: Option<&PayType>) -> MethodDetails {
    let t = |k: &str| r.text(k);
    match pay_type {
        Some(PayType::Card) => MethodDetails::Card(CardDetails {
            card_number: t("P_CARD_NUM").map(Redacted::new),
            issuer_code: t("P_CARD_ISSUER_CODE"),
            issuer_name: t("P_CARD_ISSUER_NAME"),
            purchase_code: t("P_CARD_PURCHASE_CODE"),
            purchase_name: t("P_CARD_PURCHASE_NAME"),
            company_code: t("P_FN_CD1"),
            company_name: t("P_FN_NM"),
            member_number: t("P_CARD_MEMBER_NUM"),
            installment_months: t("P_RMESG2")
                .filter(|s| s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse().ok()),
            interest: t("P_CARD_INTEREST").map(|s| CardInterest::from_wire(&s)),
            kind: t("P_CARD_CHECKFLAG").map(|s| CardKind::from_wire(&s)),
            partial_cancel: t("P_CARD_PRTC_CODE").map(|s| PartialCancel::from_wire(&s)),
            isp_card_code: t("P_ISP_CARDCODE"),
            applied_price: r.lenient_amount("P_CARD_APPLPRICE"),
            corp_flag: t("CARD_CorpFlag")
                .or_else(|| t("CARD_CorpFlg"))
                .map(|s| CorpFlag::from_wire(&s)),
            coupon_flag: t("P_COUPONFLG"),
            coupon_discount: r.lenient_amount("P_COUPON_DISCOUNT"),
            used_points: r.lenient_amount("P_CARD_USEPOINT"),
            merchant_reserved: t("P_MERCHANT_RESERVED"),
            event_code: t("EventCode"),
        }),
        Some(PayType::Bank) => MethodDetails::Bank(BankDetails {
            bank_code: t("P_FN_CD1"),
            bank_name: t("P_FN_NM"),
            cash_receipt: CashReceipt::read(r),
        }),
        Some(PayType::Vbank) => MethodDetails::VbankIssued(VbankAccount {
            account_number: t("P_VACT_NUM").map(Redacted::new),
            deadline: match (t("P_VACT_DATE"), t("P_VACT_TIME")) {
                (Some(d), Some(tm)) => KstDateTime::from_date_time(&d, &tm),
                _ => None,
            },
            holder_name: t("P_VACT_NAME"),
            bank_code: t("P_VACT_BANK_CODE"),
            bank_name: t("P_FN_NM"),
            cash_receipt: CashReceipt::read(r),
        }),
        Some(PayType::Mobile) => MethodDetails::Mobile(MobileDetails {
            carrier: t("P_HPP_CORP"),
            phone_number: t("P_HPP_NUM").map(Redacted::new),
            billkey: t("P_HPP_BILLKEY").map(SecretString::from),
        }),
        Some(PayType::Culture) => MethodDetails::GiftCard(GiftCard::Culture),
        Some(PayType::HappyMoney) => MethodDetails::GiftCard(GiftCard::HappyMoney),
        Some(PayType::SmartCulture) => MethodDetails::GiftCard(GiftCard::SmartCulture),
        Some(PayType::Other(s)) => MethodDetails::Other(s.clone()),
        None => MethodDetails::Other(String::new()),
    }
}

fn write_details(details: &MethodDetails, f: &mut Form) {
    match details {
        MethodDetails::Card(c) => {
            put(
                f,
                "P_CARD_NUM",
                c.card_number.as_ref().map(Redacted::expose),
            );
            put(f, "P_CARD_ISSUER_CODE", c.issuer_code.as_deref());
            put(f, "P_CARD_ISSUER_NAME", c.issuer_name.as_deref());
            put(f, "P_CARD_PURCHASE_CODE", c.purchase_code.as_deref());
            put(f, "P_CARD_PURCHASE_NAME", c.purchase_name.as_deref());
            put(f, "P_FN_CD1", c.company_code.as_deref());
            put(f, "P_FN_NM", c.company_name.as_deref());
            put(f, "P_CARD_MEMBER_NUM", c.member_number.as_deref());
            if let Some(m) = c.installment_months {
                f.push("P_RMESG2", format!("{m:02}"));
            }
            put(
                f,
                "P_CARD_INTEREST",
                c.interest.as_ref().map(CardInterest::as_str),
            );
            put(f, "P_CARD_CHECKFLAG", c.kind.as_ref().map(CardKind::as_str));
            put(
                f,
                "P_CARD_PRTC_CODE",
                c.partial_cancel.as_ref().map(PartialCancel::as_str),
            );
            put(f, "P_ISP_CARDCODE", c.isp_card_code.as_deref());
            put_amount(f, "P_CARD_APPLPRICE", c.applied_price);
            put(
                f,
                "CARD_CorpFlag",
                c.corp_flag.as_ref().map(CorpFlag::as_str),
            );
            put(f, "P_COUPONFLG", c.coupon_flag.as_deref());
            put_amount(f, "P_COUPON_DISCOUNT", c.coupon_discount);
            put_amount(f, "P_CARD_USEPOINT", c.used_points);
            put(f, "P_MERCHANT_RESERVED", c.merchant_reserved.as_deref());
            put(f, "EventCode", c.event_code.as_deref());
        }
        MethodDetails::Bank(b) => {
            put(f, "P_FN_CD1", b.bank_code.as_deref());
            put(f, "P_FN_NM", b.bank_name.as_deref());
            if let Some(c) = &b.cash_receipt {
                c.write(f);
            }
        }
        MethodDetails::VbankIssued(v) => {
            put(
                f,
                "P_VACT_NUM",
                v.account_number.as_ref().map(Redacted::expose),
            );
            if let Some(d) = &v.deadline {
                f.push("P_VACT_DATE", d.date());
                f.push("P_VACT_TIME", d.time());
            }
            put(f, "P_VACT_NAME", v.holder_name.as_deref());
            put(f, "P_VACT_BANK_CODE", v.bank_code.as_deref());
            put(f, "P_FN_NM", v.bank_name.as_deref());
            if let Some(c) = &v.cash_receipt {
                c.write(f);
            }
        }
        MethodDetails::Mobile(m) => {
            put(f, "P_HPP_CORP", m.carrier.as_deref());
            put(
                f,
                "P_HPP_NUM",
                m.phone_number.as_ref().map(Redacted::expose),
            );
            put(
                f,
                "P_HPP_BILLKEY",
                m.billkey.as_ref().map(|k| k.expose_secret()),
            );
        }
        MethodDetails::GiftCard(_) | MethodDetails::Other(_) => {}
    }
}

/// What the order says an approval must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// The merchant's MID.
    pub mid: Mid,
    /// The order id sent as `P_OID`.
    pub order_id: OrderId,
    /// The amount sent as `P_AMT`.
    pub amount: Amount,
}

impl Expected {
    /// The expectations for an order.
    pub fn new(mid: Mid, order_id: OrderId, amount: Amount) -> Expected {
        Expected {
            mid,
            order_id,
            amount,
        }
    }
}

impl From<&PaymentForm> for Expected {
    fn from(form: &PaymentForm) -> Expected {
        Expected::new(form.origin.mid.clone(), form.order_id.clone(), form.amount)
    }
}

/// How a field of the reply disagrees with the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MismatchKind {
    /// The reply does not carry the field.
    Missing,
    /// The reply carries a different value.
    Different,
}

impl fmt::Display for MismatchKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MismatchKind::Missing => "is missing",
            MismatchKind::Different => "differs from the order",
        })
    }
}

/// Why an approval reply does not yield a payment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// INICIS did not approve (`P_STATUS` not `00`). No money moved. The
    /// gateway's message is escaped for logs in `Display`.
    #[error("approval failed: {}", LogSafe::new(&.0.to_string()))]
    NotApproved(ResultCode),
    /// INICIS approved, but `field` does not match the order or is missing:
    /// net-cancel.
    #[error("approval reply {field} {kind}; the approval must be net-cancelled")]
    Mismatch {
        /// `P_TID`, `P_MID`, `P_OID`, `P_AMT` or `P_VACT_NUM`.
        field: &'static str,
        /// Missing or different.
        kind: MismatchKind,
    },
}

impl VerifyError {
    fn mismatch(field: &'static str, kind: MismatchKind) -> VerifyError {
        VerifyError::Mismatch { field, kind }
    }

    /// Whether INICIS approved something the merchant must undo with a net
    /// cancel (PROTOCOL.md 2.8).
    pub fn requires_net_cancel(&self) -> bool {
        matches!(self, VerifyError::Mismatch { .. })
    }
}

/// What a verified approval produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approved {
    /// Money was captured.
    Paid(ApprovedPayment),
    /// A virtual account was issued. Nothing is paid until the deposit
    /// notification (`P_STATUS=02`) arrives.
    VbankIssued(VbankIssuance),
}

impl Approved {
    /// The approval TID.
    pub fn tid(&self) -> &Tid {
        match self {
            Approved::Paid(p) => p.tid(),
            Approved::VbankIssued(v) => v.tid(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Verified {
    tid: Tid,
    mid: Mid,
    order_id: OrderId,
    amount: Amount,
    reply: Box<ApprovalReply>,
}

/// Money paid by [`PaidMethod`]: only [`ApprovalReply::verify`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedPayment {
    common: Verified,
}

/// How an [`ApprovedPayment`] was paid, borrowed from its reply. There is no
/// virtual-account variant: an issued account is a [`VbankIssuance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaidMethod<'a> {
    /// Card.
    Card(&'a CardDetails),
    /// Real-time bank transfer.
    Bank(&'a BankDetails),
    /// Phone bill.
    Mobile(&'a MobileDetails),
    /// Gift card.
    GiftCard(GiftCard),
    /// Another `P_TYPE`, as received.
    Other(&'a str),
}

impl ApprovedPayment {
    /// The approval TID (store it: refunds and inquiries use it).
    pub fn tid(&self) -> &Tid {
        &self.common.tid
    }
    /// The MID.
    pub fn mid(&self) -> &Mid {
        &self.common.mid
    }
    /// The order id.
    pub fn order_id(&self) -> &OrderId {
        &self.common.order_id
    }
    /// The amount paid.
    pub fn amount(&self) -> Amount {
        self.common.amount
    }
    /// `P_AUTH_DT`.
    pub fn approved_at(&self) -> Option<&KstDateTime> {
        self.common.reply.approved_at.as_ref()
    }
    /// `P_AUTH_NO` (card).
    pub fn auth_no(&self) -> Option<&str> {
        self.common.reply.auth_no.as_deref()
    }
    /// The method and its details.
    pub fn method(&self) -> PaidMethod<'_> {
        match &self.common.reply.details {
            MethodDetails::Card(c) => PaidMethod::Card(c),
            MethodDetails::Bank(b) => PaidMethod::Bank(b),
            MethodDetails::Mobile(m) => PaidMethod::Mobile(m),
            MethodDetails::GiftCard(g) => PaidMethod::GiftCard(*g),
            MethodDetails::Other(t) => PaidMethod::Other(t),
            // verify() turns VBANK replies into a VbankIssuance, never into a
            // payment; this arm only exists because the reply type has it.
            MethodDetails::VbankIssued(_) => PaidMethod::Other("VBANK"),
        }
    }
    /// The full reply.
    pub fn reply(&self) -> &ApprovalReply {
        &self.common.reply
    }
}

/// A virtual account issued for an order (가상계좌 발급): **not a payment**.
/// Only [`ApprovalReply::verify`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VbankIssuance {
    common: Verified,
    account_number: Redacted,
}

impl VbankIssuance {
    /// The approval TID (the deposit notification carries the same TID).
    pub fn tid(&self) -> &Tid {
        &self.common.tid
    }
    /// The MID.
    pub fn mid(&self) -> &Mid {
        &self.common.mid
    }
    /// The order id.
    pub fn order_id(&self) -> &OrderId {
        &self.common.order_id
    }
    /// The amount the buyer must deposit.
    pub fn amount_due(&self) -> Amount {
        self.common.amount
    }
    /// The account number (redacted in `Debug`).
    pub fn account_number(&self) -> &Redacted {
        &self.account_number
    }
    /// The account details (deadline, holder, bank).
    pub fn account(&self) -> &VbankAccount {
        match &self.common.reply.details {
            MethodDetails::VbankIssued(a) => a,
            // verify() only builds a VbankIssuance from VbankIssued details.
            _ => &EMPTY_ACCOUNT,
        }
    }
    /// The full reply.
    pub fn reply(&self) -> &ApprovalReply {
        &self.common.reply
    }
}

static EMPTY_ACCOUNT: VbankAccount = VbankAccount {
    account_number: None,
    deadline: None,
    holder_name: None,
    bank_code: None,
    bank_name: None,
    cash_receipt: None,
};

#[cfg(test)]
mod tests;
