//! The Mobile WEB payment request (결제요청, PROTOCOL.md 2.2).
//!
//! Build a [`PaymentRequest`] with [`PaymentRequest::builder`], then turn it
//! into a signed [`PaymentForm`] for one merchant with [`PaymentRequest::sign`].
//! The form renders to fields, to an EUC-KR body, or (module `html`) to an
//! auto-submitting page.
//!
//! ```
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::mobile::{Method, PaymentRequest};
//! use inipay_core::time::Timestamp;
//! use inipay_core::types::Amount;
//!
//! let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(),
//!     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
//! let request = PaymentRequest::builder(Method::Card, "ORD20240101120000001", Amount::won(1000))
//!     .goods("테스트상품")
//!     .buyer_name("홍길동")
//!     .next_url("https://shop.example.com/inicis/next")
//!     .build()?;
//! let form = request.sign(&merchant, Timestamp::from_unix_millis(1_704_078_000_000))?;
//! assert_eq!(form.field("P_AMT"), Some("1000"));
//! assert_eq!(form.field("P_CHKFAKE").map(str::len), Some(88));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::{Reserved, chkfake};
use crate::config::{ConfigError, Merchant, Origin};
use crate::encoding::{Charset, UnencodableField};
use crate::time::Timestamp;
use crate::types::{Amount, BuyerName, Email, FieldError, FieldErrorKind, OrderId, Phone, Text};
use std::fmt;

/// Phone-payment product kind (`P_HPP_METHOD`, PROTOCOL.md 2.2). Must match the
/// merchant's carrier contract; a mismatch is INICIS error MX1006.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HppMethod {
    /// `1`: digital content (컨텐츠).
    Content,
    /// `2`: physical goods (실물).
    Physical,
    /// `4`: billing, digital content.
    BillingContent,
    /// `5`: billing, physical goods.
    BillingPhysical,
}

impl HppMethod {
    /// The wire digit.
    pub fn code(self) -> &'static str {
        match self {
            HppMethod::Content => "1",
            HppMethod::Physical => "2",
            HppMethod::BillingContent => "4",
            HppMethod::BillingPhysical => "5",
        }
    }

    /// Parses the wire digit.
    pub fn from_code(code: &str) -> Option<HppMethod> {
        Some(match code {
            "1" => HppMethod::Content,
            "2" => HppMethod::Physical,
            "4" => HppMethod::BillingContent,
            "5" => HppMethod::BillingPhysical,
            _ => return None,
        })
    }

    /// Whether this is a billing kind (4 or 5).
    pub fn is_billing(self) -> bool {
        matches!(self, HppMethod::BillingContent | HppMethod::BillingPhysical)
    }
}

/// A Mobile WEB payment method (`P_INI_PAYMENT`).
///
/// Phone payment carries its product kind, so a phone payment without one
/// cannot be expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `CARD`: credit card incl. ISP and 안심클릭, app cards, easy-pay.
    Card,
    /// `BANK`: real-time account transfer (실시간 계좌이체).
    Bank,
    /// `VBANK`: virtual account (가상계좌); paid later, on deposit notification.
    Vbank,
    /// `MOBILE`: phone bill (휴대폰 결제) with its product kind.
    Mobile(HppMethod),
    /// `CULTURE`: 문화상품권 gift card.
    Culture,
    /// `HPMN`: 해피머니 gift card.
    HappyMoney,
    /// `DGCL`: 스마트문상 (smart culture gift card); legacy URL `/smart/dgcl/`.
    SmartCulture,
}

impl Method {
    /// The `P_INI_PAYMENT` value.
    pub fn code(self) -> &'static str {
        match self {
            Method::Card => "CARD",
            Method::Bank => "BANK",
            Method::Vbank => "VBANK",
            Method::Mobile(_) => "MOBILE",
            Method::Culture => "CULTURE",
            Method::HappyMoney => "HPMN",
            Method::SmartCulture => "DGCL",
        }
    }

    /// The legacy per-method path under the mobile host (PROTOCOL.md 2.2).
    pub fn legacy_path(self) -> &'static str {
        match self {
            Method::Card => "/smart/wcard/",
            Method::Bank => "/smart/bank/",
            Method::Vbank => "/smart/vbank/",
            Method::Mobile(_) => "/smart/mobile/",
            Method::Culture => "/smart/culture/",
            Method::HappyMoney => "/smart/hpmn/",
            Method::SmartCulture => "/smart/dgcl/",
        }
    }

    /// The methods without a product kind, plus phone with `kind`.
    pub fn all(kind: HppMethod) -> [Method; 7] {
        [
            Method::Card,
            Method::Bank,
            Method::Vbank,
            Method::Mobile(kind),
            Method::Culture,
            Method::HappyMoney,
            Method::SmartCulture,
        ]
    }
}

/// How a form reaches the payment window (PROTOCOL.md 2.2).
///
/// Whether `P_INI_PAYMENT=DGCL` is accepted on `/smart/payment/` is unknown
/// (PROTOCOL.md 8.1), so the default sends 스마트문상 to its legacy URL and
/// everything else to `/smart/payment/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Routing {
    /// `/smart/payment/` with `P_INI_PAYMENT`, except DGCL on `/smart/dgcl/`.
    #[default]
    Unified,
    /// `/smart/payment/` with `P_INI_PAYMENT` for every method, DGCL included.
    UnifiedIncludingDgcl,
    /// The legacy per-method URLs, without `P_INI_PAYMENT`.
    Legacy,
}

/// Service period shown to the buyer (`P_OFFER_PERIOD`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferPeriod {
    /// `M2`: monthly.
    Monthly,
    /// `Y2`: yearly.
    Yearly,
    /// `YYYYMMDDYYYYMMDD` (16 digits) or with times (24 digits).
    Range(String),
}

impl OfferPeriod {
    fn wire(&self) -> Result<String, FieldError> {
        match self {
            OfferPeriod::Monthly => Ok("M2".into()),
            OfferPeriod::Yearly => Ok("Y2".into()),
            OfferPeriod::Range(s) => {
                if (s.len() == 16 || s.len() == 24) && s.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(s.clone())
                } else {
                    Err(FieldError::new(
                        "P_OFFER_PERIOD",
                        FieldErrorKind::Format("M2, Y2, or 16 or 24 digits (YYYYMMDDYYYYMMDD)"),
                    ))
                }
            }
        }
    }
}

/// Virtual-account deposit deadline (`P_VBANK_DT` `YYYYMMDD`, `P_VBANK_TM` `hhmm`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VbankDeadline {
    /// `YYYYMMDD`.
    pub date: String,
    /// `hhmm`; `None` leaves INICIS's default (`0000` = 23:59:59 of the date).
    pub time: Option<String>,
}

/// Our cap on `P_CARD_OPTION` (see the builder's check).
const CARD_OPTION_MAX: usize = 64;

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl VbankDeadline {
    fn validate(&self, today_kst: &str) -> Result<(), FieldError> {
        let valid_date = self.date.len() == 8
            && self.date.bytes().all(|b| b.is_ascii_digit())
            && match (
                self.date[..4].parse::<u32>(),
                self.date[4..6].parse::<u32>(),
                self.date[6..8].parse::<u32>(),
            ) {
                (Ok(y), Ok(m), Ok(d)) => d >= 1 && d <= days_in_month(y, m),
                _ => false,
            };
        if !valid_date {
            return Err(FieldError::new(
                "P_VBANK_DT",
                FieldErrorKind::Format("a date YYYYMMDD"),
            ));
        }
        if self.date.as_str() < today_kst {
            return Err(FieldError::new(
                "P_VBANK_DT",
                FieldErrorKind::Format("today or later"),
            ));
        }
        if let Some(t) = &self.time {
            let ok = t.len() == 4
                && t.bytes().all(|b| b.is_ascii_digit())
                && matches!(t[..2].parse::<u8>(), Ok(0..=23))
                && matches!(t[2..].parse::<u8>(), Ok(0..=59));
            if !ok {
                return Err(FieldError::new(
                    "P_VBANK_TM",
                    FieldErrorKind::Format("a time hhmm"),
                ));
            }
            // PROTOCOL.md 2.2: 0000 means 23:59:59 of the date, rejected for today.
            if t == "0000" && self.date == today_kst {
                return Err(FieldError::new(
                    "P_VBANK_TM",
                    FieldErrorKind::Format("2359 when the deadline is today (0000 is rejected)"),
                ));
            }
        }
        Ok(())
    }
}

/// Installment months offered for amounts from 50,000 won (`P_QUOTABASE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaBase {
    /// Months, 1 to 36 (1 = lump sum).
    pub months: Vec<u8>,
    /// Remove the lump-sum option (`99`).
    pub without_lump_sum: bool,
}

impl QuotaBase {
    fn wire(&self) -> Result<String, FieldError> {
        if self.months.is_empty() || self.months.iter().any(|m| !(1..=36).contains(m)) {
            return Err(FieldError::new(
                "P_QUOTABASE",
                FieldErrorKind::OutOfRange { min: 1, max: 36 },
            ));
        }
        let mut parts: Vec<String> = self.months.iter().map(|m| format!("{m:02}")).collect();
        if self.without_lump_sum {
            parts.push("99".into());
        }
        Ok(parts.join(":"))
    }
}

/// The limit on `P_AMT` digits: the INICIS manual says 64 bytes, the Welcome
/// manual 8 (PROTOCOL.md 8.2). Default 8 (at most 99,999,999 won), the safe
/// choice; merchants with larger amounts can select the manual's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AmountLimit {
    /// 8 digits.
    #[default]
    EightDigits,
    /// No digit limit below `u64` (the manual's 64 bytes).
    Manual,
}

/// A validated Mobile WEB payment request, not yet tied to a merchant.
///
/// ```
/// use inipay_core::mobile::{Method, PaymentRequest};
/// use inipay_core::types::{Amount, FieldErrorKind};
///
/// let req = PaymentRequest::builder(Method::Card, "ORD1", Amount::won(1000))
///     .goods("테스트상품")
///     .buyer_name("홍길동")
///     .next_url("https://shop.example.com/next")
///     .build()?;
/// assert_eq!(req.goods.euc_kr_len(), 10); // P_GOODS is counted in EUC-KR bytes
/// let err = PaymentRequest::builder(Method::Card, "주문1", Amount::won(1000)).build().unwrap_err();
/// assert_eq!((err.field, err.kind), ("P_OID", FieldErrorKind::NotAscii));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// Payment method.
    pub method: Method,
    /// `P_OID`.
    pub order_id: OrderId,
    /// `P_AMT`.
    pub amount: Amount,
    /// `P_GOODS` (80 EUC-KR bytes).
    pub goods: Text<80>,
    /// `P_UNAME` (30 EUC-KR bytes).
    pub buyer_name: BuyerName,
    /// `P_MOBILE`.
    pub buyer_phone: Option<Phone>,
    /// `P_EMAIL`.
    pub buyer_email: Option<Email>,
    /// `P_NEXT_URL` (2trs auth result).
    pub next_url: String,
    /// `P_NOTI_URL` (server-to-server notification).
    pub noti_url: Option<String>,
    /// `P_RETURN_URL` (1trs browser landing).
    pub return_url: Option<String>,
    /// `P_MNAME` (30 EUC-KR bytes).
    pub merchant_name: Option<Text<30>>,
    /// `P_NOTI`: merchant data echoed back (800 EUC-KR bytes).
    pub merchant_data: Option<Text<800>>,
    /// `P_TAX`.
    pub tax: Option<Amount>,
    /// `P_TAXFREE`.
    pub tax_free: Option<Amount>,
    /// `P_OFFER_PERIOD`.
    pub offer_period: Option<OfferPeriod>,
    /// `P_CHARSET`: the charset of results.
    pub result_charset: Charset,
    /// `P_VBANK_DT` / `P_VBANK_TM`.
    pub vbank_deadline: Option<VbankDeadline>,
    /// `P_QUOTABASE`.
    pub quota_base: Option<QuotaBase>,
    /// `P_CARD_OPTION` (at most 64 bytes here), e.g. `selcode=14`.
    pub card_option: Option<String>,
    /// `P_ONLY_CARDCODE`: two-digit card codes.
    pub only_card_codes: Vec<String>,
    /// `P_RESERVED`.
    pub reserved: Reserved,
    /// Send `P_TIMESTAMP` + `P_CHKFAKE` and `amt_hash=Y` (needs the mobile HashKey).
    pub amount_hash: bool,
    /// Which URL the form goes to.
    pub routing: Routing,
}

impl fmt::Debug for PaymentRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaymentRequest")
            .field("method", &self.method)
            .field("order_id", &self.order_id)
            .field("amount", &self.amount)
            .field("goods", &self.goods)
            .field("buyer_name", &self.buyer_name)
            .field("buyer_phone", &self.buyer_phone)
            .field("buyer_email", &self.buyer_email)
            .field("next_url", &self.next_url)
            .field("noti_url", &self.noti_url)
            .field("amount_hash", &self.amount_hash)
            .finish_non_exhaustive()
    }
}

/// Builds a [`PaymentRequest`]; every check runs in [`build`](Self::build).
///
/// `Debug` masks the buyer's name, phone and e-mail (not yet validated, so
/// printed only as masked text).
#[derive(Clone)]
#[must_use]
pub struct PaymentRequestBuilder {
    method: Method,
    order_id: String,
    amount: Amount,
    goods: Option<String>,
    buyer_name: Option<String>,
    buyer_phone: Option<String>,
    buyer_email: Option<String>,
    next_url: Option<String>,
    noti_url: Option<String>,
    return_url: Option<String>,
    merchant_name: Option<String>,
    merchant_data: Option<String>,
    tax: Option<Amount>,
    tax_free: Option<Amount>,
    offer_period: Option<OfferPeriod>,
    result_charset: Charset,
    vbank_deadline: Option<VbankDeadline>,
    quota_base: Option<QuotaBase>,
    card_option: Option<String>,
    only_card_codes: Vec<String>,
    reserved: Reserved,
    amount_hash: bool,
    amount_limit: AmountLimit,
    routing: Routing,
    today_kst: Option<String>,
}

impl fmt::Debug for PaymentRequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked = |v: &Option<String>, keep: usize| {
            v.as_deref().map(|s| crate::types::mask_tail(s, keep))
        };
        f.debug_struct("PaymentRequestBuilder")
            .field("method", &self.method)
            .field("order_id", &self.order_id)
            .field("amount", &self.amount)
            .field("goods", &self.goods)
            .field("buyer_name", &masked(&self.buyer_name, 1))
            .field("buyer_phone", &self.buyer_phone.as_ref().map(|_| "***"))
            .field("buyer_email", &self.buyer_email.as_ref().map(|_| "***"))
            .field("next_url", &self.next_url)
            .field("noti_url", &self.noti_url)
            .field("amount_hash", &self.amount_hash)
            .finish_non_exhaustive()
    }
}

impl PaymentRequest {
    /// Starts a request for `method`, order `order_id` and `amount`.
    pub fn builder(
        method: Method,
        order_id: impl Into<String>,
        amount: Amount,
    ) -> PaymentRequestBuilder {
        PaymentRequestBuilder {
            method,
            order_id: order_id.into(),
            amount,
            goods: None,
            buyer_name: None,
            buyer_phone: None,
            buyer_email: None,
            next_url: None,
            noti_url: None,
            return_url: None,
            merchant_name: None,
            merchant_data: None,
            tax: None,
            tax_free: None,
            offer_period: None,
            result_charset: Charset::Utf8,
            vbank_deadline: None,
            quota_base: None,
            card_option: None,
            only_card_codes: Vec::new(),
            reserved: Reserved::recommended(),
            amount_hash: true,
            amount_limit: AmountLimit::default(),
            routing: Routing::default(),
            today_kst: None,
        }
    }

    /// Whether this payment runs in the two-transaction flow (PROTOCOL.md 2.1).
    pub fn is_two_transaction(&self) -> bool {
        self.reserved.is_two_transaction(&self.method)
    }

    /// Signs the request for `merchant` at `now`: the form fields in INICIS's
    /// order, `P_TIMESTAMP` + `P_CHKFAKE` when `amount_hash` is on.
    pub fn sign(&self, merchant: &Merchant, now: Timestamp) -> Result<PaymentForm, SignError> {
        let mut fields: Vec<(&'static str, String)> = Vec::with_capacity(24);
        let urls = merchant.endpoints();
        let use_unified = match self.routing {
            Routing::Legacy => false,
            Routing::Unified => self.method != Method::SmartCulture,
            Routing::UnifiedIncludingDgcl => true,
        };
        let action = if use_unified {
            fields.push(("P_INI_PAYMENT", self.method.code().to_owned()));
            urls.mobile_payment.clone()
        } else {
            let base = urls
                .mobile_payment
                .trim_end_matches('/')
                .trim_end_matches("/smart/payment");
            format!("{base}{}", self.method.legacy_path())
        };
        let amount = self.amount.to_wire();
        fields.push(("P_MID", merchant.mid().as_str().to_owned()));
        fields.push(("P_OID", self.order_id.as_str().to_owned()));
        fields.push(("P_AMT", amount.clone()));
        fields.push(("P_GOODS", self.goods.as_str().to_owned()));
        fields.push(("P_UNAME", self.buyer_name.as_str().to_owned()));
        if let Some(m) = &self.merchant_name {
            fields.push(("P_MNAME", m.as_str().to_owned()));
        }
        if let Some(p) = &self.buyer_phone {
            fields.push(("P_MOBILE", p.as_str().to_owned()));
        }
        if let Some(e) = &self.buyer_email {
            fields.push(("P_EMAIL", e.as_str().to_owned()));
        }
        if let Method::Mobile(kind) = self.method {
            fields.push(("P_HPP_METHOD", kind.code().to_owned()));
        }
        fields.push(("P_NEXT_URL", self.next_url.clone()));
        if let Some(u) = &self.noti_url {
            fields.push(("P_NOTI_URL", u.clone()));
        }
        if let Some(u) = &self.return_url {
            fields.push(("P_RETURN_URL", u.clone()));
        }
        if let Some(d) = &self.merchant_data {
            fields.push(("P_NOTI", d.as_str().to_owned()));
        }
        if let Some(t) = self.tax {
            fields.push(("P_TAX", t.to_wire()));
        }
        if let Some(t) = self.tax_free {
            fields.push(("P_TAXFREE", t.to_wire()));
        }
        if let Some(p) = &self.offer_period {
            fields.push(("P_OFFER_PERIOD", p.wire()?));
        }
        if let Some(v) = &self.vbank_deadline {
            fields.push(("P_VBANK_DT", v.date.clone()));
            if let Some(t) = &v.time {
                fields.push(("P_VBANK_TM", t.clone()));
            }
        }
        if let Some(q) = &self.quota_base {
            fields.push(("P_QUOTABASE", q.wire()?));
        }
        if let Some(c) = &self.card_option {
            fields.push(("P_CARD_OPTION", c.clone()));
        }
        if !self.only_card_codes.is_empty() {
            fields.push(("P_ONLY_CARDCODE", self.only_card_codes.join(":")));
        }
        fields.push(("P_CHARSET", self.result_charset.p_charset().to_owned()));
        if self.amount_hash {
            let key = merchant.mobile_hash_key()?;
            let ts = now.millis_string();
            let sig = chkfake::sign(&amount, self.order_id.as_str(), &ts, key);
            fields.push(("P_TIMESTAMP", ts));
            fields.push(("P_CHKFAKE", sig));
        }
        fields.push((
            "P_RESERVED",
            self.reserved.render(&self.method, self.amount_hash)?,
        ));
        Ok(PaymentForm {
            origin: merchant.origin(),
            action,
            method: self.method,
            order_id: self.order_id.clone(),
            amount: self.amount,
            result_charset: self.result_charset,
            two_transaction: self.is_two_transaction(),
            fields,
        })
    }
}

fn check_url(field: &'static str, url: &str) -> Result<(), FieldError> {
    // PROTOCOL.md 2.2: absolute http(s), no Korean domains; 250 bytes (Welcome manual).
    if url.len() > 250 {
        return Err(FieldError::new(
            field,
            FieldErrorKind::TooLong {
                limit: 250,
                actual: url.len(),
            },
        ));
    }
    let lower = url.to_ascii_lowercase();
    let has_scheme = lower.starts_with("https://") || lower.starts_with("http://");
    if !has_scheme || crate::config::origin_of(url).is_none() {
        return Err(FieldError::new(
            field,
            FieldErrorKind::Format("an absolute http:// or https:// URL"),
        ));
    }
    if let Some(c) = url
        .chars()
        .find(|c| !c.is_ascii() || c.is_ascii_control() || *c == ' ' || *c == '"')
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
    Ok(())
}

impl PaymentRequestBuilder {
    /// `P_GOODS`, the product name (required; 80 EUC-KR bytes).
    pub fn goods(mut self, v: impl Into<String>) -> Self {
        self.goods = Some(v.into());
        self
    }
    /// `P_UNAME`, the buyer's name (required; 30 EUC-KR bytes).
    pub fn buyer_name(mut self, v: impl Into<String>) -> Self {
        self.buyer_name = Some(v.into());
        self
    }
    /// `P_MOBILE`, the buyer's phone.
    pub fn buyer_phone(mut self, v: impl Into<String>) -> Self {
        self.buyer_phone = Some(v.into());
        self
    }
    /// `P_EMAIL`, the buyer's e-mail.
    pub fn buyer_email(mut self, v: impl Into<String>) -> Self {
        self.buyer_email = Some(v.into());
        self
    }
    /// `P_NEXT_URL` (required): where the auth result is delivered.
    pub fn next_url(mut self, v: impl Into<String>) -> Self {
        self.next_url = Some(v.into());
        self
    }
    /// `P_NOTI_URL`: notifications (required for VBANK and 1trs flows).
    pub fn noti_url(mut self, v: impl Into<String>) -> Self {
        self.noti_url = Some(v.into());
        self
    }
    /// `P_RETURN_URL`: 1trs browser landing page.
    pub fn return_url(mut self, v: impl Into<String>) -> Self {
        self.return_url = Some(v.into());
        self
    }
    /// `P_MNAME`, the merchant name shown in the window.
    pub fn merchant_name(mut self, v: impl Into<String>) -> Self {
        self.merchant_name = Some(v.into());
        self
    }
    /// `P_NOTI`, merchant data echoed in every result (800 EUC-KR bytes).
    pub fn merchant_data(mut self, v: impl Into<String>) -> Self {
        self.merchant_data = Some(v.into());
        self
    }
    /// `P_TAX`, VAT (only for merchants contracted for it; at most 10% of the amount).
    pub fn tax(mut self, v: Amount) -> Self {
        self.tax = Some(v);
        self
    }
    /// `P_TAXFREE`, the tax-free portion.
    pub fn tax_free(mut self, v: Amount) -> Self {
        self.tax_free = Some(v);
        self
    }
    /// `P_OFFER_PERIOD`.
    pub fn offer_period(mut self, v: OfferPeriod) -> Self {
        self.offer_period = Some(v);
        self
    }
    /// `P_CHARSET`: the charset of results (default UTF-8; INICIS's default is EUC-KR).
    pub fn result_charset(mut self, v: Charset) -> Self {
        self.result_charset = v;
        self
    }
    /// `P_VBANK_DT`/`P_VBANK_TM`, checked against `today_kst` (`YYYYMMDD`).
    pub fn vbank_deadline(mut self, v: VbankDeadline, today_kst: impl Into<String>) -> Self {
        self.vbank_deadline = Some(v);
        self.today_kst = Some(today_kst.into());
        self
    }
    /// `P_QUOTABASE`.
    pub fn quota_base(mut self, v: QuotaBase) -> Self {
        self.quota_base = Some(v);
        self
    }
    /// `P_CARD_OPTION`, e.g. `selcode=14`.
    pub fn card_option(mut self, v: impl Into<String>) -> Self {
        self.card_option = Some(v.into());
        self
    }
    /// `P_ONLY_CARDCODE`.
    pub fn only_card_codes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, v: I) -> Self {
        self.only_card_codes = v.into_iter().map(Into::into).collect();
        self
    }
    /// `P_RESERVED` options (default [`Reserved::recommended`]).
    pub fn reserved(mut self, v: Reserved) -> Self {
        self.reserved = v;
        self
    }
    /// `P_CHKFAKE` signing (default on; needs the merchant's mobile HashKey).
    pub fn amount_hash(mut self, on: bool) -> Self {
        self.amount_hash = on;
        self
    }
    /// The `P_AMT` digit limit (PROTOCOL.md 8.2).
    pub fn amount_limit(mut self, v: AmountLimit) -> Self {
        self.amount_limit = v;
        self
    }
    /// Which window URL the form is posted to.
    pub fn routing(mut self, v: Routing) -> Self {
        self.routing = v;
        self
    }

    /// Validates everything and returns the request, or the first error.
    pub fn build(self) -> Result<PaymentRequest, FieldError> {
        let order_id = OrderId::new(&self.order_id)?;
        if self.amount.is_zero() {
            return Err(FieldError::new(
                "P_AMT",
                FieldErrorKind::OutOfRange {
                    min: 1,
                    max: u64::MAX,
                },
            ));
        }
        if self.amount_limit == AmountLimit::EightDigits && self.amount.digits() > 8 {
            return Err(FieldError::new(
                "P_AMT",
                FieldErrorKind::TooLong {
                    limit: 8,
                    actual: self.amount.digits(),
                },
            ));
        }
        let goods = Text::<80>::new(
            "P_GOODS",
            self.goods
                .ok_or(FieldError::new("P_GOODS", FieldErrorKind::Missing))?,
        )?;
        if goods.is_empty() {
            return Err(FieldError::new("P_GOODS", FieldErrorKind::Missing));
        }
        let buyer_name = BuyerName::new(
            self.buyer_name
                .ok_or(FieldError::new("P_UNAME", FieldErrorKind::Missing))?,
        )?;
        if buyer_name.as_str().is_empty() {
            return Err(FieldError::new("P_UNAME", FieldErrorKind::Missing));
        }
        let buyer_phone = self.buyer_phone.map(Phone::new).transpose()?;
        let buyer_email = self.buyer_email.map(Email::new).transpose()?;
        let next_url = self
            .next_url
            .ok_or(FieldError::new("P_NEXT_URL", FieldErrorKind::Missing))?;
        check_url("P_NEXT_URL", &next_url)?;
        if let Some(u) = &self.noti_url {
            check_url("P_NOTI_URL", u)?;
        }
        if let Some(u) = &self.return_url {
            // An app scheme (myapp://) is allowed for iOS app bank transfer.
            if !(self.reserved.ios_app && u.contains("://") && u.is_ascii()) {
                check_url("P_RETURN_URL", u)?;
            }
        }
        let two_trs = self.reserved.is_two_transaction(&self.method);
        if (self.method == Method::Vbank || !two_trs) && self.noti_url.is_none() {
            return Err(FieldError::new("P_NOTI_URL", FieldErrorKind::Missing));
        }
        let merchant_name = self
            .merchant_name
            .map(|m| Text::<30>::new("P_MNAME", m))
            .transpose()?;
        let merchant_data = self
            .merchant_data
            .map(|m| Text::<800>::new("P_NOTI", m))
            .transpose()?;
        if let Some(t) = self.tax
            && t.get().saturating_mul(10) > self.amount.get()
        {
            return Err(FieldError::new(
                "P_TAX",
                FieldErrorKind::OutOfRange {
                    min: 0,
                    max: self.amount.get() / 10,
                },
            ));
        }
        let tax_sum = self
            .tax
            .unwrap_or_default()
            .get()
            .saturating_add(self.tax_free.unwrap_or_default().get());
        if tax_sum > self.amount.get() {
            return Err(FieldError::new(
                "P_TAXFREE",
                FieldErrorKind::OutOfRange {
                    min: 0,
                    max: self.amount.get(),
                },
            ));
        }
        if let Some(p) = &self.offer_period {
            p.wire()?;
        }
        if let Some(v) = &self.vbank_deadline {
            if self.method != Method::Vbank {
                return Err(FieldError::new(
                    "P_VBANK_DT",
                    FieldErrorKind::Format("sent only with VBANK"),
                ));
            }
            v.validate(self.today_kst.as_deref().unwrap_or(""))?;
        }
        if let Some(q) = &self.quota_base {
            q.wire()?;
        }
        if let Some(c) = &self.card_option {
            // `selcode=14`, `onlycard=visa3d|isp`, `selcode=14:onlycard=visa3d`
            // (PROTOCOL.md 2.2): letters, digits, `=`, `:`, `|`, `_` and `-`.
            // Every other character is refused (the generic text check stops
            // at the first forbidden character, so `:` cannot be exempted
            // through it).
            if let Some(ch) = c.chars().find(|ch| {
                !(ch.is_ascii_alphanumeric() || matches!(ch, '=' | ':' | '|' | '_' | '-'))
            }) {
                return Err(FieldError::new(
                    "P_CARD_OPTION",
                    if ch.is_ascii() {
                        FieldErrorKind::ForbiddenChar(ch)
                    } else {
                        FieldErrorKind::NotAscii
                    },
                ));
            }
            // The Welcome manual says 10 bytes, but PROTOCOL.md 2.2's own
            // examples (`selcode=14:onlycard=visa3d`, 26 bytes) are longer,
            // so the documented 10 cannot be the real limit. 64 is our cap.
            if c.len() > CARD_OPTION_MAX {
                return Err(FieldError::new(
                    "P_CARD_OPTION",
                    FieldErrorKind::TooLong {
                        limit: CARD_OPTION_MAX,
                        actual: c.len(),
                    },
                ));
            }
        }
        if self
            .only_card_codes
            .iter()
            .any(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(FieldError::new(
                "P_ONLY_CARDCODE",
                FieldErrorKind::Format("two-digit card codes"),
            ));
        }
        self.reserved.validate(&self.method)?;
        Ok(PaymentRequest {
            method: self.method,
            order_id,
            amount: self.amount,
            goods,
            buyer_name,
            buyer_phone,
            buyer_email,
            next_url,
            noti_url: self.noti_url,
            return_url: self.return_url,
            merchant_name,
            merchant_data,
            tax: self.tax,
            tax_free: self.tax_free,
            offer_period: self.offer_period,
            result_charset: self.result_charset,
            vbank_deadline: self.vbank_deadline,
            quota_base: self.quota_base,
            card_option: self.card_option,
            only_card_codes: self.only_card_codes,
            reserved: self.reserved,
            amount_hash: self.amount_hash,
            routing: self.routing,
        })
    }
}

/// Why a request could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// A field is invalid.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// A key the request needs is missing.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// A signed payment form for one merchant: what the browser posts to INICIS.
///
/// ```
/// # use inipay_core::config::{Endpoints, Merchant, test_keys};
/// # let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(), Endpoints::sandbox("http://127.0.0.1:8081")?)?;
/// use inipay_core::encoding::{Charset, Form};
/// use inipay_core::mobile::{Method, PaymentRequest};
/// use inipay_core::time::Timestamp;
/// use inipay_core::types::Amount;
///
/// let form = PaymentRequest::builder(Method::Card, "ORD1", Amount::won(1000))
///     .goods("테스트상품").buyer_name("홍길동")
///     .next_url("https://shop.example.com/next")
///     .build()?
///     .sign(&merchant, Timestamp::from_unix_millis(1_704_078_000_000))?;
/// assert_eq!(form.field("P_AMT"), Some("1000"));
/// assert!(form.field("P_CHKFAKE").is_some()); // amount hash on by default
/// // What the browser posts (EUC-KR), read back:
/// let body = form.to_euc_kr_body()?;
/// assert_eq!(Form::parse(&body, Charset::EucKr)?.get("P_GOODS"), Some("테스트상품"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PaymentForm {
    /// The MID and mode that made it.
    pub origin: Origin,
    /// The window URL the form is posted to.
    pub action: String,
    /// The method.
    pub method: Method,
    /// The order id (`P_OID`).
    pub order_id: OrderId,
    /// The amount (`P_AMT`): the amount every later message is checked against.
    pub amount: Amount,
    /// The charset results will arrive in.
    pub result_charset: Charset,
    /// Whether the result comes back on `P_NEXT_URL` for our own approval
    /// (2trs), or only as a notification on `P_NOTI_URL` (1trs, PROTOCOL.md 2.1).
    pub two_transaction: bool,
    fields: Vec<(&'static str, String)>,
}

impl fmt::Debug for PaymentForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaymentForm")
            .field("origin", &self.origin)
            .field("action", &self.action)
            .field("method", &self.method)
            .field("order_id", &self.order_id)
            .field("amount", &self.amount)
            .field(
                "fields",
                &self.fields.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl PaymentForm {
    /// The fields in the order they are sent.
    pub fn fields(&self) -> &[(&'static str, String)] {
        &self.fields
    }

    /// One field's value.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `application/x-www-form-urlencoded` body in EUC-KR, as the browser
    /// sends it with `accept-charset="euc-kr"` (PROTOCOL.md 2.2).
    pub fn to_euc_kr_body(&self) -> Result<Vec<u8>, UnencodableField> {
        Charset::EucKr.encode_form(self.fields.iter().map(|(k, v)| (*k, v.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Endpoints, test_keys};

    fn merchant() -> Merchant {
        Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
        )
        .unwrap()
    }

    /// PROTOCOL.md 2.3.1: the complete example request, byte for byte.
    #[test]
    fn protocol_example_wire_body() {
        let req = PaymentRequest::builder(Method::Card, "ORD20240101120000001", Amount::won(1000))
            .goods("테스트상품")
            .buyer_name("홍길동")
            .buyer_phone("010-1234-5678")
            .buyer_email("test@example.com")
            .next_url("https://shop.example.com/inicis/next")
            .noti_url("https://shop.example.com/inicis/noti")
            .merchant_data("ORD20240101120000001")
            .build()
            .unwrap();
        let form = req
            .sign(&merchant(), Timestamp::from_unix_millis(1_704_078_000_000))
            .unwrap();
        let body = form.to_euc_kr_body().unwrap();
        let expected = "P_INI_PAYMENT=CARD&P_MID=INIpayTest&P_OID=ORD20240101120000001&P_AMT=1000&P_GOODS=%C5%D7%BD%BA%C6%AE%BB%F3%C7%B0&P_UNAME=%C8%AB%B1%E6%B5%BF&P_MOBILE=010-1234-5678&P_EMAIL=test%40example.com&P_NEXT_URL=https%3A%2F%2Fshop.example.com%2Finicis%2Fnext&P_NOTI_URL=https%3A%2F%2Fshop.example.com%2Finicis%2Fnoti&P_NOTI=ORD20240101120000001&P_CHARSET=utf8&P_TIMESTAMP=1704078000000&P_CHKFAKE=DmoyRuStniabOHAaP612Bmo%2FFOAfMKA1ktMoMH%2BQTNh%2FwN%2Fdckam1XbCe%2BpGPcAgHP9sIhYqz3FVeAOJeS72UQ%3D%3D&P_RESERVED=twotrs_isp%3DY%26block_isp%3DY%26twotrs_isp_noti%3DN%26apprun_check%3DY%26centerCd%3DY%26amt_hash%3DY";
        assert_eq!(String::from_utf8(body).unwrap(), expected);
        assert_eq!(form.action, "http://127.0.0.1:8081/smart/payment/");
        assert_eq!(form.origin.mid.as_str(), "INIpayTest");
    }

    fn base(method: Method) -> PaymentRequestBuilder {
        PaymentRequest::builder(method, "O1", Amount::won(1000))
            .goods("상품")
            .buyer_name("홍길동")
            .next_url("https://shop.example.com/next")
    }

    #[test]
    fn required_fields_are_named() {
        let e = PaymentRequest::builder(Method::Card, "O1", Amount::won(1000))
            .build()
            .unwrap_err();
        assert_eq!(e.field, "P_GOODS");
        assert_eq!(base(Method::Vbank).build().unwrap_err().field, "P_NOTI_URL");
        assert!(
            base(Method::Vbank)
                .noti_url("https://s.example/noti")
                .build()
                .is_ok()
        );
        let mut r = Reserved::recommended();
        r.twotrs_bank = false;
        assert_eq!(
            base(Method::Bank).reserved(r).build().unwrap_err().field,
            "P_NOTI_URL"
        );
        assert_eq!(
            base(Method::Card)
                .next_url("shop.example.com/next")
                .build()
                .unwrap_err()
                .field,
            "P_NEXT_URL"
        );
        assert_eq!(
            PaymentRequest::builder(Method::Card, "O1", Amount::ZERO)
                .goods("g")
                .buyer_name("n")
                .next_url("https://a.b/c")
                .build()
                .unwrap_err()
                .field,
            "P_AMT"
        );
    }

    #[test]
    fn amount_digit_limit_both_ways() {
        let eight = base(Method::Card);
        let over = PaymentRequest::builder(Method::Card, "O1", Amount::won(100_000_000))
            .goods("g")
            .buyer_name("n")
            .next_url("https://a.b/c");
        assert!(eight.build().is_ok());
        assert_eq!(
            over.clone().build().unwrap_err().kind,
            FieldErrorKind::TooLong {
                limit: 8,
                actual: 9
            }
        );
        assert!(over.amount_limit(AmountLimit::Manual).build().is_ok());
    }

    #[test]
    fn phone_legacy_and_dgcl_routing() {
        let req = base(Method::Mobile(HppMethod::Physical)).build().unwrap();
        let form = req
            .sign(&merchant(), Timestamp::from_unix_millis(0))
            .unwrap();
        assert_eq!(form.field("P_HPP_METHOD"), Some("2"));
        let dgcl = base(Method::SmartCulture)
            .build()
            .unwrap()
            .sign(&merchant(), Timestamp::from_unix_millis(0))
            .unwrap();
        assert_eq!(dgcl.action, "http://127.0.0.1:8081/smart/dgcl/");
        assert_eq!(dgcl.field("P_INI_PAYMENT"), None);
        let dgcl2 = base(Method::SmartCulture)
            .routing(Routing::UnifiedIncludingDgcl)
            .build()
            .unwrap()
            .sign(&merchant(), Timestamp::from_unix_millis(0))
            .unwrap();
        assert_eq!(dgcl2.field("P_INI_PAYMENT"), Some("DGCL"));
        let legacy = base(Method::Bank)
            .routing(Routing::Legacy)
            .build()
            .unwrap()
            .sign(&merchant(), Timestamp::from_unix_millis(0))
            .unwrap();
        assert_eq!(legacy.action, "http://127.0.0.1:8081/smart/bank/");
    }

    #[test]
    fn vbank_deadline_rules() {
        let v = |d: &str, t: Option<&str>| VbankDeadline {
            date: d.into(),
            time: t.map(Into::into),
        };
        let b = || base(Method::Vbank).noti_url("https://s.example/n");
        assert!(
            b().vbank_deadline(v("20240111", Some("2359")), "20240101")
                .build()
                .is_ok()
        );
        assert!(
            b().vbank_deadline(v("20240101", Some("0000")), "20240101")
                .build()
                .is_err()
        );
        assert!(
            b().vbank_deadline(v("20240102", Some("0000")), "20240101")
                .build()
                .is_ok()
        );
        assert!(
            b().vbank_deadline(v("20231231", None), "20240101")
                .build()
                .is_err()
        );
        assert!(
            b().vbank_deadline(v("20241301", None), "20240101")
                .build()
                .is_err()
        );
        assert!(
            b().vbank_deadline(v("20240111", Some("2460")), "20240101")
                .build()
                .is_err()
        );
        for (date, ok) in [
            ("20240229", true),
            ("20250229", false),
            ("20240431", false),
            ("20240430", true),
        ] {
            let r = b().vbank_deadline(v(date, None), "20240101").build();
            assert_eq!(r.is_ok(), ok, "{date}");
        }
    }

    #[test]
    fn tax_and_quota() {
        assert!(base(Method::Card).tax(Amount::won(100)).build().is_ok());
        assert_eq!(
            base(Method::Card)
                .tax(Amount::won(101))
                .build()
                .unwrap_err()
                .field,
            "P_TAX"
        );
        let q = QuotaBase {
            months: vec![1, 2, 3, 6, 12],
            without_lump_sum: false,
        };
        let f = base(Method::Card)
            .quota_base(q)
            .build()
            .unwrap()
            .sign(&merchant(), Timestamp::from_unix_millis(0))
            .unwrap();
        assert_eq!(f.field("P_QUOTABASE"), Some("01:02:03:06:12"));
        assert!(
            base(Method::Card)
                .quota_base(QuotaBase {
                    months: vec![37],
                    without_lump_sum: false
                })
                .build()
                .is_err()
        );
    }

    #[test]
    fn card_option_characters_and_length() {
        let b = |v: &str| base(Method::Card).card_option(v).build();
        assert!(b("selcode=14").is_ok());
        assert!(b("onlycard=i").is_ok());
        assert_eq!(
            b("a:<").unwrap_err().kind,
            FieldErrorKind::ForbiddenChar('<'),
            "a forbidden character after ':' is still refused"
        );
        assert_eq!(
            b("a&b").unwrap_err().kind,
            FieldErrorKind::ForbiddenChar('&')
        );
        assert_eq!(
            b("a b").unwrap_err().kind,
            FieldErrorKind::ForbiddenChar(' ')
        );
        assert_eq!(b("카드").unwrap_err().kind, FieldErrorKind::NotAscii);
        assert!(
            b("selcode=14:onlycard=visa3d").is_ok(),
            "PROTOCOL.md 2.2 example"
        );
        assert!(b(&"a".repeat(64)).is_ok());
        assert_eq!(
            b(&"a".repeat(65)).unwrap_err().kind,
            FieldErrorKind::TooLong {
                limit: 64,
                actual: 65
            }
        );
    }

    #[test]
    fn missing_hash_key_is_a_config_error() {
        let m = Merchant::test(
            "INIpayTest",
            crate::config::Keys::default(),
            Endpoints::sandbox("http://127.0.0.1:1").unwrap(),
        )
        .unwrap();
        let e = base(Method::Card)
            .build()
            .unwrap()
            .sign(&m, Timestamp::from_unix_millis(0))
            .unwrap_err();
        assert!(matches!(e, SignError::Config(ConfigError::MissingKey(_))));
        assert!(
            base(Method::Card)
                .amount_hash(false)
                .build()
                .unwrap()
                .sign(&m, Timestamp::from_unix_millis(0))
                .is_ok()
        );
    }
}
