//! The inibill billing-key request (빌링키 발급, PROTOCOL.md 3.1-3.3, seed manual):
//! card (`inibill_card.jsp`) and phone (`inibill_hpp.jsp`) forms.
//!
//! ```
//! use inipay_core::billing::{BillingKeyRequest, Period};
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::time::Timestamp;
//! use inipay_core::types::Amount;
//!
//! let merchant = Merchant::test("INIBillTst", test_keys::ini_bill_tst(),
//!     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
//! let form = BillingKeyRequest::card("SUB-20240101-1", Amount::won(9_900))
//!     .goods("월정액")
//!     .buyer_name("홍길동")
//!     .return_url("https://shop.example.com/bill/return")
//!     .period(Period::Monthly)
//!     .build()?
//!     .sign(&merchant, Timestamp::from_unix_millis(1_704_078_000_000))?;
//! assert_eq!(form.action, "http://127.0.0.1:8081/inibill/inibill_card.jsp");
//! assert_eq!(form.field("authtype"), Some("D"));
//! assert_eq!(form.field("hashdata").map(str::len), Some(64));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::fields::{
    Period, SizeUnit, check_ascii_data, check_email, check_order_id, check_phone,
    check_required_text, check_text, check_url,
};
use super::form::{BillingKeyForm, FormKind, SignError};
use super::hash::{HashInput, HashVersion};
use crate::config::Merchant;
use crate::time::Timestamp;
use crate::types::{Amount, FieldError, FieldErrorKind, mask_tail};
use std::fmt;

/// Which cards the buyer may register (`carduse`, 7 bytes; 개인/법인카드 선택).
/// Unset: the buyer chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardUse {
    /// `percard`: personal cards only (개인카드만).
    Personal,
    /// `cocard`: corporate cards only (법인카드만).
    Corporate,
}

impl CardUse {
    /// The wire value.
    pub fn code(self) -> &'static str {
        match self {
            CardUse::Personal => "percard",
            CardUse::Corporate => "cocard",
        }
    }
}

/// Phone-billing product kind (`type`, 1 byte; 휴대폰결제 상품유형).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HppProduct {
    /// `1`: digital content (컨텐츠).
    Content,
    /// `2`: physical goods (실물).
    Physical,
}

impl HppProduct {
    /// The wire digit.
    pub fn code(self) -> &'static str {
        match self {
            HppProduct::Content => "1",
            HppProduct::Physical => "2",
        }
    }
}

/// Card or phone billing key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BillingKind {
    /// Card billing key (`inibill_card.jsp`).
    Card,
    /// Phone billing key (`inibill_hpp.jsp`). The carrier authorises **and
    /// charges** the first payment at issuance; later charges must be the same
    /// amount, in the next month ±5 days (seed manual).
    Phone(HppProduct),
}

/// Byte sizes of the inibill fields (seed manual).
pub mod limits {
    /// `orderid`.
    pub const ORDER_ID: usize = 64;
    /// `price` (digits).
    pub const PRICE_DIGITS: usize = 12;
    /// `goodname`.
    pub const GOODS: usize = 80;
    /// `buyername`.
    pub const BUYER_NAME: usize = 30;
    /// `buyeremail`.
    pub const BUYER_EMAIL: usize = 60;
    /// `buyertel`.
    pub const BUYER_TEL: usize = 40;
    /// `period`.
    pub const PERIOD: usize = 24;
    /// `period_custom`.
    pub const PERIOD_CUSTOM: usize = 24;
    /// `merchantreserved`.
    pub const MERCHANT_RESERVED: usize = 1000;
}

/// A validated inibill request, not yet tied to a merchant and a time.
///
/// ```
/// use inipay_core::billing::{BillingKeyRequest, HashVersion};
/// use inipay_core::types::Amount;
///
/// let req = BillingKeyRequest::card("SUB-1", Amount::won(9_900))
///     .goods("월정액").buyer_name("홍길동")
///     .return_url("https://shop.example.com/bill/return")
///     .build()?;
/// assert_eq!(req.hash_version(), HashVersion::V1);
/// let encrypted = BillingKeyRequest::card("SUB-1", Amount::won(9_900))
///     .goods("월정액").buyer_name("홍길동")
///     .return_url("https://shop.example.com/bill/return")
///     .encrypted(true)
///     .build()?;
/// assert_eq!(encrypted.hash_version(), HashVersion::V2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BillingKeyRequest {
    /// Card or phone.
    pub kind: BillingKind,
    /// `orderid`.
    pub order_id: String,
    /// `price`.
    pub price: Amount,
    /// `goodname`.
    pub goods: String,
    /// `buyername` (personal data).
    pub buyer_name: String,
    /// `buyeremail` (card only; personal data).
    pub buyer_email: Option<String>,
    /// `buyertel` (card only; personal data).
    pub buyer_tel: Option<String>,
    /// `returnurl`.
    pub return_url: String,
    /// `period`.
    pub period: Option<Period>,
    /// `period_custom` (card only): free text shown instead of `period`.
    pub period_custom: Option<String>,
    /// `carduse` (card only).
    pub card_use: Option<CardUse>,
    /// `merchantreserved`, e.g. `below1000=Y`.
    pub merchant_reserved: Option<String>,
    /// `p_noti`: merchant data echoed in the result (ASCII only).
    pub merchant_data: Option<String>,
    /// `flg_crypto=Y`: hashdata V2 and an encrypted billkey (보안추가, S).
    pub encrypted: bool,
}

impl fmt::Debug for BillingKeyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillingKeyRequest")
            .field("kind", &self.kind)
            .field("order_id", &self.order_id)
            .field("price", &self.price)
            .field("goods", &self.goods)
            .field("buyer_name", &mask_tail(&self.buyer_name, 1))
            .field("buyer_email", &self.buyer_email.as_ref().map(|_| "***"))
            .field(
                "buyer_tel",
                &self.buyer_tel.as_deref().map(|t| mask_tail(t, 3)),
            )
            .field("return_url", &self.return_url)
            .field("encrypted", &self.encrypted)
            .finish_non_exhaustive()
    }
}

/// Builds a [`BillingKeyRequest`]; every check runs in [`build`](Self::build).
#[derive(Clone)]
#[must_use]
pub struct BillingKeyRequestBuilder {
    kind: BillingKind,
    order_id: String,
    price: Amount,
    goods: Option<String>,
    buyer_name: Option<String>,
    buyer_email: Option<String>,
    buyer_tel: Option<String>,
    return_url: Option<String>,
    period: Option<Period>,
    period_custom: Option<String>,
    card_use: Option<CardUse>,
    merchant_reserved: Option<String>,
    merchant_data: Option<String>,
    encrypted: bool,
    size_unit: SizeUnit,
}

impl fmt::Debug for BillingKeyRequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillingKeyRequestBuilder")
            .field("kind", &self.kind)
            .field("order_id", &self.order_id)
            .field("price", &self.price)
            .finish_non_exhaustive()
    }
}

impl BillingKeyRequest {
    /// Starts a card billing-key request.
    pub fn card(order_id: impl Into<String>, price: Amount) -> BillingKeyRequestBuilder {
        Self::builder(BillingKind::Card, order_id.into(), price)
    }

    /// Starts a phone billing-key request for a product kind.
    pub fn phone(
        order_id: impl Into<String>,
        price: Amount,
        product: HppProduct,
    ) -> BillingKeyRequestBuilder {
        Self::builder(BillingKind::Phone(product), order_id.into(), price)
    }

    fn builder(kind: BillingKind, order_id: String, price: Amount) -> BillingKeyRequestBuilder {
        BillingKeyRequestBuilder {
            kind,
            order_id,
            price,
            goods: None,
            buyer_name: None,
            buyer_email: None,
            buyer_tel: None,
            return_url: None,
            period: None,
            period_custom: None,
            card_use: None,
            merchant_reserved: None,
            merchant_data: None,
            encrypted: false,
            size_unit: SizeUnit::default(),
        }
    }

    /// The `hashdata` formula this request uses.
    pub fn hash_version(&self) -> HashVersion {
        if self.encrypted {
            HashVersion::V2
        } else {
            HashVersion::V1
        }
    }

    /// Signs the request for `merchant` at `now` (KST `YYYYMMDDhhmmss`):
    /// the form fields in the manual's order, ending with `hashdata`.
    pub fn sign(&self, merchant: &Merchant, now: Timestamp) -> Result<BillingKeyForm, SignError> {
        let key = merchant.inilite_key()?;
        let urls = merchant.endpoints();
        let timestamp = now.kst_compact();
        let mid = merchant.mid().as_str().to_owned();
        let price = self.price.to_wire();
        let period = match &self.period {
            Some(p) => p.wire("period")?,
            None => String::new(),
        };
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut fields: Vec<(&'static str, String)> = Vec::with_capacity(18);
        let (action, kind) = match self.kind {
            BillingKind::Card => {
                // Order of PROTOCOL.md 3.7 (the card table of the seed manual).
                fields.push(("mid", mid.clone()));
                fields.push(("authtype", "D".into()));
                fields.push(("orderid", self.order_id.clone()));
                fields.push(("price", price.clone()));
                fields.push(("goodname", self.goods.clone()));
                fields.push(("buyername", self.buyer_name.clone()));
                fields.push(("buyertel", opt(&self.buyer_tel)));
                fields.push(("buyeremail", opt(&self.buyer_email)));
                fields.push(("returnurl", self.return_url.clone()));
                fields.push(("timestamp", timestamp.clone()));
                fields.push(("period", period));
                fields.push(("period_custom", opt(&self.period_custom)));
                fields.push((
                    "carduse",
                    self.card_use.map(CardUse::code).unwrap_or("").into(),
                ));
                fields.push(("merchantreserved", opt(&self.merchant_reserved)));
                fields.push(("p_noti", opt(&self.merchant_data)));
                (urls.inibill_card.clone(), FormKind::InibillCard)
            }
            BillingKind::Phone(product) => {
                // Order of the phone table of the seed manual.
                fields.push(("mid", mid.clone()));
                fields.push(("orderid", self.order_id.clone()));
                fields.push(("price", price.clone()));
                fields.push(("type", product.code().into()));
                fields.push(("goodname", self.goods.clone()));
                fields.push(("buyername", self.buyer_name.clone()));
                fields.push(("returnurl", self.return_url.clone()));
                fields.push(("timestamp", timestamp.clone()));
                fields.push(("period", period));
                fields.push(("merchantreserved", opt(&self.merchant_reserved)));
                fields.push(("p_noti", opt(&self.merchant_data)));
                (urls.inibill_hpp.clone(), FormKind::InibillPhone)
            }
        };
        if self.encrypted {
            fields.push(("flg_crypto", "Y".into()));
        }
        let input = HashInput {
            mid: &mid,
            order_id: &self.order_id,
            timestamp: &timestamp,
            price: &price,
        };
        fields.push(("hashdata", self.hash_version().sign(&input, key)));
        Ok(BillingKeyForm::new(
            merchant.origin(),
            action,
            kind,
            self.order_id.clone(),
            self.price,
            self.encrypted,
            timestamp,
            fields,
        ))
    }
}

impl BillingKeyRequestBuilder {
    /// `goodname` (required, 80 bytes).
    pub fn goods(mut self, v: impl Into<String>) -> Self {
        self.goods = Some(v.into());
        self
    }
    /// `buyername` (required, 30 bytes).
    pub fn buyer_name(mut self, v: impl Into<String>) -> Self {
        self.buyer_name = Some(v.into());
        self
    }
    /// `buyeremail` (card only, 60 bytes).
    pub fn buyer_email(mut self, v: impl Into<String>) -> Self {
        self.buyer_email = Some(v.into());
        self
    }
    /// `buyertel` (card only, 40 bytes): digits and `-`.
    pub fn buyer_tel(mut self, v: impl Into<String>) -> Self {
        self.buyer_tel = Some(v.into());
        self
    }
    /// `returnurl` (required): where INICIS posts the result.
    pub fn return_url(mut self, v: impl Into<String>) -> Self {
        self.return_url = Some(v.into());
        self
    }
    /// `period`: the service period shown (phone: monthly or yearly only).
    pub fn period(mut self, v: Period) -> Self {
        self.period = Some(v);
        self
    }
    /// `period_custom` (card only, 24 bytes): text shown instead of `period`.
    pub fn period_custom(mut self, v: impl Into<String>) -> Self {
        self.period_custom = Some(v.into());
        self
    }
    /// `carduse` (card only).
    pub fn card_use(mut self, v: CardUse) -> Self {
        self.card_use = Some(v);
        self
    }
    /// `merchantreserved` (1000 bytes), e.g. `below1000=Y`.
    pub fn merchant_reserved(mut self, v: impl Into<String>) -> Self {
        self.merchant_reserved = Some(v.into());
        self
    }
    /// `p_noti`: merchant data echoed back (printable ASCII; base64-encode
    /// anything else).
    pub fn merchant_data(mut self, v: impl Into<String>) -> Self {
        self.merchant_data = Some(v.into());
        self
    }
    /// `flg_crypto=Y` (보안추가): price-including hash and an encrypted billkey.
    pub fn encrypted(mut self, on: bool) -> Self {
        self.encrypted = on;
        self
    }
    /// The unit of the byte limits (default UTF-8 bytes; see [`SizeUnit`]).
    pub fn size_unit(mut self, unit: SizeUnit) -> Self {
        self.size_unit = unit;
        self
    }

    /// Validates everything and returns the request, or the first error.
    pub fn build(self) -> Result<BillingKeyRequest, FieldError> {
        let unit = self.size_unit;
        let card = self.kind == BillingKind::Card;
        check_order_id("orderid", &self.order_id)?;
        if self.price.digits() > limits::PRICE_DIGITS {
            return Err(FieldError::new(
                "price",
                FieldErrorKind::TooLong {
                    limit: limits::PRICE_DIGITS,
                    actual: self.price.digits(),
                },
            ));
        }
        // Phone billing charges the first payment at issuance: it needs an amount.
        if !card && self.price.is_zero() {
            return Err(FieldError::new(
                "price",
                FieldErrorKind::OutOfRange {
                    min: 1,
                    max: 999_999_999_999,
                },
            ));
        }
        let goods = check_required_text("goodname", self.goods.as_deref(), limits::GOODS, unit)?;
        let buyer_name = check_required_text(
            "buyername",
            self.buyer_name.as_deref(),
            limits::BUYER_NAME,
            unit,
        )?;
        let card_only = |field: &'static str, set: bool| {
            if set && !card {
                Err(FieldError::new(
                    field,
                    FieldErrorKind::Format("sent only with card billing"),
                ))
            } else {
                Ok(())
            }
        };
        card_only("buyeremail", self.buyer_email.is_some())?;
        card_only("buyertel", self.buyer_tel.is_some())?;
        card_only("period_custom", self.period_custom.is_some())?;
        card_only("carduse", self.card_use.is_some())?;
        if let Some(e) = &self.buyer_email {
            check_email("buyeremail", e)?;
        }
        if let Some(t) = &self.buyer_tel {
            check_phone("buyertel", t)?;
        }
        let return_url = self
            .return_url
            .ok_or(FieldError::new("returnurl", FieldErrorKind::Missing))?;
        check_url("returnurl", &return_url, None)?;
        if let Some(p) = &self.period {
            if !card && matches!(p, Period::Range(_)) {
                return Err(FieldError::new(
                    "period",
                    FieldErrorKind::Format("M2 or Y2 for phone billing"),
                ));
            }
            p.wire("period")?;
        }
        if let Some(p) = &self.period_custom {
            check_text("period_custom", p, limits::PERIOD_CUSTOM, unit)?;
        }
        if let Some(r) = &self.merchant_reserved {
            check_text("merchantreserved", r, limits::MERCHANT_RESERVED, unit)?;
        }
        if let Some(d) = &self.merchant_data {
            check_ascii_data("p_noti", d, None)?;
        }
        Ok(BillingKeyRequest {
            kind: self.kind,
            order_id: self.order_id,
            price: self.price,
            goods,
            buyer_name,
            buyer_email: self.buyer_email,
            buyer_tel: self.buyer_tel,
            return_url,
            period: self.period,
            period_custom: self.period_custom,
            card_use: self.card_use,
            merchant_reserved: self.merchant_reserved,
            merchant_data: self.merchant_data,
            encrypted: self.encrypted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigError, Endpoints, Keys, test_keys};

    fn merchant() -> Merchant {
        Merchant::test(
            "INIBillTst",
            test_keys::ini_bill_tst(),
            Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
        )
        .unwrap()
    }

    /// 2013-08-08 17:19:39 KST, the manual's sample timestamp.
    const SAMPLE_TIME: Timestamp = Timestamp::from_unix_millis(1_375_949_979_000);

    /// PROTOCOL.md 3.7: the example card request, byte for byte (V1 hash).
    #[test]
    fn protocol_example_card_body() {
        assert_eq!(SAMPLE_TIME.kst_compact(), "20130808171939");
        let form = BillingKeyRequest::card("ORDERID1234", Amount::won(1000))
            .goods("월정액")
            .buyer_name("홍길동")
            .buyer_tel("01012345678")
            .buyer_email("test@example.com")
            .return_url("https://shop.example.com/bill/return")
            .period(Period::Monthly)
            .merchant_reserved("below1000=Y")
            .build()
            .unwrap()
            .sign(&merchant(), SAMPLE_TIME)
            .unwrap();
        let expected = "mid=INIBillTst&authtype=D&orderid=ORDERID1234&price=1000&goodname=%EC%9B%94%EC%A0%95%EC%95%A1&buyername=%ED%99%8D%EA%B8%B8%EB%8F%99&buyertel=01012345678&buyeremail=test%40example.com&returnurl=https%3A%2F%2Fshop.example.com%2Fbill%2Freturn&timestamp=20130808171939&period=M2&period_custom=&carduse=&merchantreserved=below1000%3DY&p_noti=&hashdata=964bc7c98d9b3ca3a1375d97bd5637a92209869b55f397ea8a47f9b088fe9c69";
        assert_eq!(
            String::from_utf8(form.to_body().unwrap()).unwrap(),
            expected
        );
        assert_eq!(
            form.action,
            "http://127.0.0.1:8081/inibill/inibill_card.jsp"
        );
        assert_eq!(form.origin.mid.as_str(), "INIBillTst");
        assert!(!form.encrypted);
    }

    /// flg_crypto=Y: V2 hash and the flag on the wire.
    #[test]
    fn encrypted_uses_v2() {
        let form = BillingKeyRequest::card("ORDERID1234", Amount::won(1000))
            .goods("g")
            .buyer_name("n")
            .return_url("https://a.example/r")
            .encrypted(true)
            .build()
            .unwrap()
            .sign(&merchant(), SAMPLE_TIME)
            .unwrap();
        assert_eq!(form.field("flg_crypto"), Some("Y"));
        assert_eq!(
            form.field("hashdata"),
            Some("0c74f9c01492fc059bc19ab0355e5a1c6534ed5401cd5b7803e6a1ae5205311d")
        );
        assert!(form.encrypted);
        assert_eq!(form.fields().last().map(|(k, _)| *k), Some("hashdata"));
    }

    #[test]
    fn phone_form_fields() {
        let form = BillingKeyRequest::phone("ORDERID1234", Amount::won(1000), HppProduct::Physical)
            .goods("월정액")
            .buyer_name("홍길동")
            .return_url("https://a.example/r")
            .period(Period::Yearly)
            .build()
            .unwrap()
            .sign(&merchant(), SAMPLE_TIME)
            .unwrap();
        let names: Vec<&str> = form.fields().iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            [
                "mid",
                "orderid",
                "price",
                "type",
                "goodname",
                "buyername",
                "returnurl",
                "timestamp",
                "period",
                "merchantreserved",
                "p_noti",
                "hashdata"
            ]
        );
        assert_eq!(form.field("type"), Some("2"));
        assert_eq!(form.field("period"), Some("Y2"));
        assert_eq!(form.action, "http://127.0.0.1:8081/inibill/inibill_hpp.jsp");
        assert_eq!(
            form.field("hashdata"),
            Some("964bc7c98d9b3ca3a1375d97bd5637a92209869b55f397ea8a47f9b088fe9c69")
        );
    }

    fn card() -> BillingKeyRequestBuilder {
        BillingKeyRequest::card("O1", Amount::won(1000))
            .goods("g")
            .buyer_name("n")
            .return_url("https://a.example/r")
    }

    #[test]
    fn phone_rejects_card_only_fields_and_ranges() {
        let phone = || {
            BillingKeyRequest::phone("O1", Amount::won(1000), HppProduct::Content)
                .goods("g")
                .buyer_name("n")
                .return_url("https://a.example/r")
        };
        assert_eq!(
            phone().buyer_tel("0101234").build().unwrap_err().field,
            "buyertel"
        );
        assert_eq!(
            phone()
                .card_use(CardUse::Personal)
                .build()
                .unwrap_err()
                .field,
            "carduse"
        );
        assert_eq!(
            phone()
                .period(Period::Range("2024010120241231".into()))
                .build()
                .unwrap_err()
                .field,
            "period"
        );
        assert_eq!(
            BillingKeyRequest::phone("O1", Amount::ZERO, HppProduct::Content)
                .goods("g")
                .buyer_name("n")
                .return_url("https://a.example/r")
                .build()
                .unwrap_err()
                .field,
            "price"
        );
        let f = card()
            .card_use(CardUse::Corporate)
            .build()
            .unwrap()
            .sign(&merchant(), SAMPLE_TIME)
            .unwrap();
        assert_eq!(f.field("carduse"), Some("cocard"));
    }

    /// Sizes: UTF-8 bytes by default (Hangul = 3), EUC-KR bytes as the option
    /// (Hangul = 2); at the limit and one byte over in each unit.
    #[test]
    fn goodname_limit_in_both_units() {
        // UTF-8: 26 syllables (78 bytes) + "ab" = 80 bytes: accepted.
        let at = format!("{}ab", "가".repeat(26));
        assert!(card().goods(at.clone()).build().is_ok());
        let over = format!("{at}c");
        let e = card().goods(over.clone()).build().unwrap_err();
        assert_eq!(e.field, "goodname");
        assert_eq!(
            e.kind,
            FieldErrorKind::TooLong {
                limit: 80,
                actual: 81
            }
        );
        // EUC-KR: 40 syllables = 80 bytes: accepted; 41 = 82 rejected.
        let forty = "가".repeat(40);
        assert!(card().goods(forty.clone()).build().is_err());
        assert!(
            card()
                .goods(forty.clone())
                .size_unit(SizeUnit::EucKrBytes)
                .build()
                .is_ok()
        );
        assert_eq!(
            card()
                .goods(format!("{forty}a"))
                .size_unit(SizeUnit::EucKrBytes)
                .build()
                .unwrap_err()
                .kind,
            FieldErrorKind::TooLong {
                limit: 80,
                actual: 81
            }
        );
    }

    #[test]
    fn other_limits_at_and_over() {
        // buyername 30: 10 syllables = 30 UTF-8 bytes; one more ASCII = 31.
        assert!(card().buyer_name("가".repeat(10)).build().is_ok());
        assert_eq!(
            card()
                .buyer_name(format!("{}a", "가".repeat(10)))
                .build()
                .unwrap_err()
                .kind,
            FieldErrorKind::TooLong {
                limit: 30,
                actual: 31
            }
        );
        // buyername in EUC-KR: 15 syllables = 30.
        assert!(
            card()
                .buyer_name("가".repeat(15))
                .size_unit(SizeUnit::EucKrBytes)
                .build()
                .is_ok()
        );
        // orderid 64/65.
        assert!(
            BillingKeyRequest::card("x".repeat(64), Amount::won(1))
                .goods("g")
                .buyer_name("n")
                .return_url("https://a.example/r")
                .build()
                .is_ok()
        );
        assert_eq!(
            BillingKeyRequest::card("x".repeat(65), Amount::won(1))
                .goods("g")
                .buyer_name("n")
                .return_url("https://a.example/r")
                .build()
                .unwrap_err()
                .field,
            "orderid"
        );
        // price: 12 digits / 13 digits.
        let p = |won| {
            BillingKeyRequest::card("O1", Amount::won(won))
                .goods("g")
                .buyer_name("n")
                .return_url("https://a.example/r")
                .build()
        };
        assert!(p(999_999_999_999).is_ok());
        assert_eq!(
            p(1_000_000_000_000).unwrap_err().kind,
            FieldErrorKind::TooLong {
                limit: 12,
                actual: 13
            }
        );
        // buyeremail 60/61.
        let at = format!("{}@example.com", "a".repeat(48));
        assert!(card().buyer_email(at).build().is_ok());
        let over = format!("{}@example.com", "a".repeat(49));
        assert_eq!(
            card().buyer_email(over).build().unwrap_err().field,
            "buyeremail"
        );
        // period_custom 24: 8 syllables = 24 UTF-8 bytes.
        assert!(card().period_custom("가".repeat(8)).build().is_ok());
        assert!(
            card()
                .period_custom(format!("{}a", "가".repeat(8)))
                .build()
                .is_err()
        );
        // merchantreserved 1000 / 1001.
        assert!(card().merchant_reserved("a".repeat(1000)).build().is_ok());
        assert_eq!(
            card()
                .merchant_reserved("a".repeat(1001))
                .build()
                .unwrap_err()
                .field,
            "merchantreserved"
        );
        // p_noti: ASCII only.
        assert_eq!(
            card().merchant_data("한글").build().unwrap_err().kind,
            FieldErrorKind::NotAscii
        );
    }

    #[test]
    fn missing_required_and_bad_url() {
        let e = BillingKeyRequest::card("O1", Amount::won(1000))
            .build()
            .unwrap_err();
        assert_eq!(e.field, "goodname");
        assert_eq!(
            card().return_url("shop/return").build().unwrap_err().field,
            "returnurl"
        );
        assert_eq!(card().goods("  ").build().unwrap_err().field, "goodname");
    }

    #[test]
    fn missing_inilite_key_is_a_config_error() {
        let m = Merchant::test(
            "INIBillTst",
            Keys::default(),
            Endpoints::sandbox("http://127.0.0.1:1").unwrap(),
        )
        .unwrap();
        let e = card().build().unwrap().sign(&m, SAMPLE_TIME).unwrap_err();
        assert_eq!(e, SignError::Config(ConfigError::MissingKey("INILite key")));
    }

    #[test]
    fn debug_masks_buyer_data() {
        let r = card()
            .buyer_name("홍길동")
            .buyer_email("secret.person@example.com")
            .buyer_tel("01099998888")
            .build()
            .unwrap();
        let d = format!("{r:?}");
        for s in ["길동", "secret", "99998888"] {
            assert!(!d.contains(s), "{d}");
        }
        let form = r.sign(&merchant(), SAMPLE_TIME).unwrap();
        let d = format!("{form:?}");
        for s in [
            "길동",
            "secret",
            "99998888",
            test_keys::INIBILLTST_INILITE_KEY,
        ] {
            assert!(!d.contains(s), "{d}");
        }
    }
}
