//! Billing charge with a billing key (빌링승인; PROTOCOL.md 4.2, 5.2).
//!
//! ```
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::iniapi::{ApiVersion, BillingCharge, BillingMethod, IniapiRequest, RequestMeta};
//! use inipay_core::time::Timestamp;
//! use inipay_core::types::Amount;
//! use secrecy::SecretString;
//!
//! let merchant = Merchant::test("INIBillTst", test_keys::ini_bill_tst(),
//!     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
//! let billkey = SecretString::from("734f880246ece4ffdba841c1436399c9968d32cc".to_owned());
//! let charge = BillingCharge::builder(BillingMethod::Card, "INIBillTst_20240101120000", Amount::won(1000), billkey)
//!     .site_url("www.inicis.com")
//!     .goods_name("테스트상품")
//!     .buyer_name("홍길동")
//!     .buyer_email("test@test.com")
//!     .buyer_tel("01012345678")
//!     .build()?;
//! let meta = RequestMeta::new(Timestamp::from_unix_millis(1_704_078_000_000), "192.0.0.1")?;
//! let request = charge.sign(&merchant, ApiVersion::V1, &meta)?;
//! assert!(request.hash_data().starts_with("5221a587"));
//! assert!(!format!("{request:?}").contains("734f88"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::common::{
    ApiRequest, ApiVersion, Fields, IniapiRequest, RequestMeta, Service, SignError, check_api_text,
    encrypt, personal, plain, secret, sign_v1, sign_v2,
};
use crate::config::Merchant;
use crate::types::{Amount, FieldError, FieldErrorKind, OrderId, mask_tail};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// What the billing key pays with (`paymethod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BillingMethod {
    /// `Card`.
    Card,
    /// `HPP`: phone billing. The carrier requires the first charge's amount,
    /// in the next month ±5 days (PROTOCOL.md 4.2).
    Hpp,
}

impl BillingMethod {
    /// The wire value.
    pub fn code(self) -> &'static str {
        match self {
            BillingMethod::Card => "Card",
            BillingMethod::Hpp => "HPP",
        }
    }
}

/// A validated billing charge.
///
/// ```
/// use inipay_core::iniapi::{BillingCharge, BillingMethod};
/// use inipay_core::types::Amount;
/// use secrecy::SecretString;
///
/// let charge = BillingCharge::builder(BillingMethod::Card, "SUB-1-202401", Amount::won(9_900),
///         SecretString::from("734f880246ece4ffdba841c1436399c9968d32cc".to_owned()))
///     .site_url("shop.example.com")
///     .goods_name("월정액").buyer_name("홍길동")
///     .buyer_email("buyer@example.com").buyer_tel("01012345678")
///     .build()?;
/// assert!(!format!("{charge:?}").contains("734f88"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct BillingCharge {
    /// `paymethod`.
    pub method: BillingMethod,
    /// `moid`: a new order number per charge.
    pub moid: OrderId,
    /// `price` (more than 0: INICIS answers `[1113]` otherwise).
    pub price: Amount,
    bill_key: SecretString,
    /// `url`: the merchant's site (domain or URL).
    pub site_url: String,
    /// `goodName`.
    pub goods_name: String,
    /// `buyerName` (personal data).
    pub buyer_name: String,
    /// `buyerEmail` (personal data).
    pub buyer_email: String,
    /// `buyerTel` (personal data).
    pub buyer_tel: String,
    /// `cardQuota`: installment months, 0 = lump sum (`00`).
    pub card_quota: u8,
    /// `quotaInterest`: interest-free installments (`1`) or normal (`0`).
    pub interest_free: bool,
    /// `tax` (VAT), optional.
    pub tax: Option<Amount>,
    /// `taxFree`, optional.
    pub tax_free: Option<Amount>,
    reg_no: Option<SecretString>,
    card_pw: Option<SecretString>,
}

impl fmt::Debug for BillingCharge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillingCharge")
            .field("method", &self.method)
            .field("moid", &self.moid)
            .field("price", &self.price)
            .field("bill_key", &"[REDACTED]")
            .field("goods_name", &self.goods_name)
            .field("buyer_name", &mask_tail(&self.buyer_name, 1))
            .field("buyer_email", &"***")
            .field("buyer_tel", &mask_tail(&self.buyer_tel, 3))
            .finish_non_exhaustive()
    }
}

/// Builds a [`BillingCharge`]; checks run in [`build`](Self::build).
#[must_use]
pub struct BillingChargeBuilder {
    method: BillingMethod,
    moid: String,
    price: Amount,
    bill_key: SecretString,
    site_url: Option<String>,
    goods_name: Option<String>,
    buyer_name: Option<String>,
    buyer_email: Option<String>,
    buyer_tel: Option<String>,
    card_quota: u8,
    interest_free: bool,
    tax: Option<Amount>,
    tax_free: Option<Amount>,
    reg_no: Option<SecretString>,
    card_pw: Option<SecretString>,
}

impl fmt::Debug for BillingChargeBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillingChargeBuilder")
            .field("method", &self.method)
            .field("moid", &self.moid)
            .field("price", &self.price)
            .finish_non_exhaustive()
    }
}

impl BillingCharge {
    /// Starts a charge of `price` on `bill_key` under the new order `moid`.
    pub fn builder(
        method: BillingMethod,
        moid: impl Into<String>,
        price: Amount,
        bill_key: SecretString,
    ) -> BillingChargeBuilder {
        BillingChargeBuilder {
            method,
            moid: moid.into(),
            price,
            bill_key,
            site_url: None,
            goods_name: None,
            buyer_name: None,
            buyer_email: None,
            buyer_tel: None,
            card_quota: 0,
            interest_free: false,
            tax: None,
            tax_free: None,
            reg_no: None,
            card_pw: None,
        }
    }

    fn optional_tax(&self, fields: &mut Fields, tax_free_name: &'static str) {
        if let Some(t) = self.tax {
            fields.push(plain("tax", t.to_wire()));
        }
        if let Some(t) = self.tax_free {
            fields.push(plain(tax_free_name, t.to_wire()));
        }
    }
}

impl IniapiRequest for BillingCharge {
    fn sign(
        &self,
        merchant: &Merchant,
        version: ApiVersion,
        meta: &RequestMeta,
    ) -> Result<ApiRequest, SignError> {
        let price = self.price.to_wire();
        let quota = format!("{:02}", self.card_quota);
        let interest = if self.interest_free { "1" } else { "0" };
        match version {
            ApiVersion::V1 => {
                // Order of the PROTOCOL.md 4.2 example request.
                let mut fields: Fields = vec![
                    plain("url", &self.site_url),
                    plain("moid", self.moid.as_str()),
                    plain("goodName", &self.goods_name),
                    personal("buyerName", &self.buyer_name),
                    personal("buyerEmail", &self.buyer_email),
                    personal("buyerTel", &self.buyer_tel),
                    plain("price", &price),
                    plain("currency", "WON"),
                    secret("billKey", &self.bill_key),
                    plain("authentification", "00"),
                    plain("cardQuota", &quota),
                    plain("quotaInterest", interest),
                ];
                self.optional_tax(&mut fields, "taxFree");
                if let Some(r) = &self.reg_no {
                    fields.push(secret("regNo", &encrypt(merchant, "regNo", r)?));
                }
                if let Some(p) = &self.card_pw {
                    fields.push(secret("cardPw", &encrypt(merchant, "cardPw", p)?));
                }
                sign_v1(
                    merchant,
                    meta,
                    Service::Billing,
                    ("Billing", self.method.code()),
                    fields,
                    &[self.moid.as_str(), &price, self.bill_key.expose_secret()],
                )
            }
            ApiVersion::V2 if self.reg_no.is_some() || self.card_pw.is_some() => Err(
                SignError::Unsupported("authenticated billing (regNo/cardPw)", ApiVersion::V2),
            ),
            ApiVersion::V2 => {
                // Order of the official v2 sample (PROTOCOL.md 5.2).
                let mut data: Fields = vec![
                    plain("url", &self.site_url),
                    plain("moid", self.moid.as_str()),
                    plain("goodName", &self.goods_name),
                    personal("buyerName", &self.buyer_name),
                    personal("buyerEmail", &self.buyer_email),
                    personal("buyerTel", &self.buyer_tel),
                    plain("price", &price),
                    secret("billKey", &self.bill_key),
                    plain("authentification", "00"),
                    plain("cardQuota", &quota),
                    plain("quotaInterest", interest),
                ];
                self.optional_tax(&mut data, "taxFree");
                sign_v2(
                    merchant,
                    meta,
                    Service::Billing,
                    "billing",
                    Some(self.method.code()),
                    data,
                )
            }
        }
    }
}

impl BillingChargeBuilder {
    /// `url` (required): the merchant's site, e.g. `www.example.com`.
    pub fn site_url(mut self, v: impl Into<String>) -> Self {
        self.site_url = Some(v.into());
        self
    }
    /// `goodName` (required).
    pub fn goods_name(mut self, v: impl Into<String>) -> Self {
        self.goods_name = Some(v.into());
        self
    }
    /// `buyerName` (required; missing buyer fields are INICIS error `ER0102`).
    pub fn buyer_name(mut self, v: impl Into<String>) -> Self {
        self.buyer_name = Some(v.into());
        self
    }
    /// `buyerEmail` (required).
    pub fn buyer_email(mut self, v: impl Into<String>) -> Self {
        self.buyer_email = Some(v.into());
        self
    }
    /// `buyerTel` (required): digits and `-`.
    pub fn buyer_tel(mut self, v: impl Into<String>) -> Self {
        self.buyer_tel = Some(v.into());
        self
    }
    /// `cardQuota`: installment months (0 = lump sum, the default; at most 36).
    pub fn card_quota(mut self, months: u8) -> Self {
        self.card_quota = months;
        self
    }
    /// `quotaInterest=1`: interest-free installments.
    pub fn interest_free(mut self, on: bool) -> Self {
        self.interest_free = on;
        self
    }
    /// `tax` (VAT).
    pub fn tax(mut self, v: Amount) -> Self {
        self.tax = Some(v);
        self
    }
    /// `taxFree`.
    pub fn tax_free(mut self, v: Amount) -> Self {
        self.tax_free = Some(v);
        self
    }

    /// `regNo` (\[ENC\]): birth date (`YYMMDD`) or business number, for
    /// merchants contracted for authenticated billing (PROTOCOL.md 4.2; v1
    /// only, sent AES-128 encrypted and not part of `hashData`).
    pub fn reg_no(mut self, v: SecretString) -> Self {
        self.reg_no = Some(v);
        self
    }
    /// `cardPw` (\[ENC\]): the first two digits of the card password, for
    /// authenticated billing (v1 only).
    pub fn card_pw(mut self, v: SecretString) -> Self {
        self.card_pw = Some(v);
        self
    }

    /// Validates everything.
    pub fn build(self) -> Result<BillingCharge, FieldError> {
        let moid = OrderId::with_field("moid", &self.moid)?;
        if self.price.is_zero() || self.price.digits() > 12 {
            return Err(FieldError::new(
                "price",
                FieldErrorKind::OutOfRange {
                    min: 1,
                    max: 999_999_999_999,
                },
            ));
        }
        let key = self.bill_key.expose_secret();
        if key.is_empty() {
            return Err(FieldError::new("billKey", FieldErrorKind::Missing));
        }
        if key.len() > 40 {
            return Err(FieldError::new(
                "billKey",
                FieldErrorKind::TooLong {
                    limit: 40,
                    actual: key.len(),
                },
            ));
        }
        if !key
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        {
            return Err(FieldError::new(
                "billKey",
                FieldErrorKind::Format("printable ASCII (decrypt an encrypted billkey first)"),
            ));
        }
        let req = |field: &'static str, v: Option<String>| {
            v.ok_or(FieldError::new(field, FieldErrorKind::Missing))
        };
        let site_url = req("url", self.site_url)?;
        if site_url.is_empty() || !site_url.is_ascii() || site_url.contains(['"', '\\', ' ']) {
            return Err(FieldError::new(
                "url",
                FieldErrorKind::Format("an ASCII domain or URL"),
            ));
        }
        let goods_name = check_api_text("goodName", &req("goodName", self.goods_name)?, 80)?;
        let buyer_name = check_api_text("buyerName", &req("buyerName", self.buyer_name)?, 30)?;
        let buyer_email = req("buyerEmail", self.buyer_email)?;
        crate::types::Email::new(&buyer_email)
            .map_err(|e| FieldError::new("buyerEmail", e.kind))?;
        let buyer_tel = req("buyerTel", self.buyer_tel)?;
        if buyer_tel.is_empty() || !buyer_tel.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return Err(FieldError::new(
                "buyerTel",
                FieldErrorKind::Format("digits and '-'"),
            ));
        }
        if buyer_tel.len() > 40 {
            return Err(FieldError::new(
                "buyerTel",
                FieldErrorKind::TooLong {
                    limit: 40,
                    actual: buyer_tel.len(),
                },
            ));
        }
        let digits = |field: &'static str, v: &Option<SecretString>, lens: &[usize]| match v
            .as_ref()
            .map(|s| s.expose_secret())
        {
            Some(d) if !d.bytes().all(|b| b.is_ascii_digit()) || !lens.contains(&d.len()) => {
                Err(FieldError::new(
                    field,
                    FieldErrorKind::Format("digits of the documented length"),
                ))
            }
            _ => Ok(()),
        };
        digits("regNo", &self.reg_no, &[6, 10])?;
        digits("cardPw", &self.card_pw, &[2])?;
        if self.card_quota > 36 {
            return Err(FieldError::new(
                "cardQuota",
                FieldErrorKind::OutOfRange { min: 0, max: 36 },
            ));
        }
        let taxes = self
            .tax
            .unwrap_or_default()
            .checked_add(self.tax_free.unwrap_or_default());
        if taxes.is_none_or(|t| t > self.price) {
            return Err(FieldError::new(
                "tax",
                FieldErrorKind::OutOfRange {
                    min: 0,
                    max: self.price.get(),
                },
            ));
        }
        Ok(BillingCharge {
            method: self.method,
            moid,
            price: self.price,
            bill_key: self.bill_key,
            site_url,
            goods_name,
            buyer_name,
            buyer_email,
            buyer_tel,
            card_quota: self.card_quota,
            interest_free: self.interest_free,
            tax: self.tax,
            tax_free: self.tax_free,
            reg_no: self.reg_no,
            card_pw: self.card_pw,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Endpoints, test_keys};
    use crate::time::Timestamp;

    const BILLKEY: &str = "734f880246ece4ffdba841c1436399c9968d32cc";

    fn merchant() -> Merchant {
        Merchant::test(
            "INIBillTst",
            test_keys::ini_bill_tst(),
            Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
        )
        .unwrap()
    }

    fn meta(ip: &str) -> RequestMeta {
        // 2024-01-01 12:00:00 KST.
        RequestMeta::new(Timestamp::from_unix_millis(1_704_078_000_000), ip).unwrap()
    }

    fn builder() -> BillingChargeBuilder {
        BillingCharge::builder(
            BillingMethod::Card,
            "INIBillTst_20240101120000",
            Amount::won(1000),
            SecretString::from(BILLKEY.to_owned()),
        )
        .site_url("www.inicis.com")
        .goods_name("테스트상품")
        .buyer_name("홍길동")
        .buyer_email("test@test.com")
        .buyer_tel("01012345678")
    }

    /// PROTOCOL.md 4.2 example and V7, byte for byte.
    #[test]
    fn v7_and_protocol_example_body() {
        let r = builder()
            .build()
            .unwrap()
            .sign(&merchant(), ApiVersion::V1, &meta("192.0.0.1"))
            .unwrap();
        assert_eq!(
            r.hash_data(),
            "5221a587e945accefb10c6a1074a6255111e2fb82c8f692de7d8c21369013724db8e371f929aabf06a0b0149ba8d1e191d07ec50943267ec629c2c774f0f5fbd"
        );
        let expected = "type=Billing&paymethod=Card&timestamp=20240101120000&clientIp=192.0.0.1&mid=INIBillTst&url=www.inicis.com&moid=INIBillTst_20240101120000&goodName=%ED%85%8C%EC%8A%A4%ED%8A%B8%EC%83%81%ED%92%88&buyerName=%ED%99%8D%EA%B8%B8%EB%8F%99&buyerEmail=test%40test.com&buyerTel=01012345678&price=1000&currency=WON&billKey=734f880246ece4ffdba841c1436399c9968d32cc&authentification=00&cardQuota=00&quotaInterest=0&hashData=5221a587e945accefb10c6a1074a6255111e2fb82c8f692de7d8c21369013724db8e371f929aabf06a0b0149ba8d1e191d07ec50943267ec629c2c774f0f5fbd";
        assert_eq!(String::from_utf8(r.to_body()).unwrap(), expected);
        assert_eq!(r.url, "http://127.0.0.1:8081/api/v1/billing");
        assert_eq!(
            r.content_type(),
            "application/x-www-form-urlencoded; charset=utf-8"
        );
        assert_eq!(r.origin.mid.as_str(), "INIBillTst");
        assert_eq!(r.field("billKey"), None, "secret fields are not readable");
        assert_eq!(r.field("moid"), Some("INIBillTst_20240101120000"));
    }

    /// PROTOCOL.md 5.2 complete request and V12, byte for byte (clientIp
    /// 192.0.0.0 as in the sample; v2 does not hash it).
    #[test]
    fn v12_and_protocol_v2_body() {
        let r = builder()
            .build()
            .unwrap()
            .sign(&merchant(), ApiVersion::V2, &meta("192.0.0.0"))
            .unwrap();
        let hash = "f9facbe185be1010814e8df07711ac000dbe5a28421e7ba7aa4300b6042de5d4e4d240224e8249bf04157349914fb58eca0c0b70cf575e1db4c0d5b80deaf1bc";
        assert_eq!(r.hash_data(), hash);
        let expected = format!(
            r#"{{"mid":"INIBillTst","type":"billing","paymethod":"Card","timestamp":"20240101120000","clientIp":"192.0.0.0","data":{{"url":"www.inicis.com","moid":"INIBillTst_20240101120000","goodName":"테스트상품","buyerName":"홍길동","buyerEmail":"test@test.com","buyerTel":"01012345678","price":"1000","billKey":"734f880246ece4ffdba841c1436399c9968d32cc","authentification":"00","cardQuota":"00","quotaInterest":"0"}},"hashData":"{hash}"}}"#
        );
        assert_eq!(String::from_utf8(r.to_body()).unwrap(), expected);
        assert_eq!(r.url, "http://127.0.0.1:8081/v2/pg/billing");
        assert_eq!(r.content_type(), "application/json;charset=utf-8");
        // The body is valid JSON.
        let v: serde_json::Value = serde_json::from_slice(&r.to_body()).unwrap();
        assert_eq!(v["data"]["billKey"], BILLKEY);
    }

    #[test]
    fn hpp_and_options() {
        let r = BillingCharge::builder(
            BillingMethod::Hpp,
            "M1",
            Amount::won(5000),
            SecretString::from("k".repeat(40)),
        )
        .site_url("shop.example.com")
        .goods_name("g")
        .buyer_name("n")
        .buyer_email("a@b.com")
        .buyer_tel("010-1234-5678")
        .card_quota(3)
        .interest_free(true)
        .tax(Amount::won(454))
        .tax_free(Amount::won(0))
        .build()
        .unwrap()
        .sign(&merchant(), ApiVersion::V1, &meta("10.0.0.1"))
        .unwrap();
        assert_eq!(r.field("paymethod"), Some("HPP"));
        assert_eq!(r.field("cardQuota"), Some("03"));
        assert_eq!(r.field("quotaInterest"), Some("1"));
        assert_eq!(r.field("tax"), Some("454"));
        assert_eq!(r.field("taxFree"), Some("0"));
        assert_eq!(r.field_names().last(), Some(&"hashData"));
    }

    #[test]
    fn validation() {
        let bk = || SecretString::from(BILLKEY.to_owned());
        let zero = BillingCharge::builder(BillingMethod::Card, "M1", Amount::ZERO, bk());
        assert_eq!(zero.build().unwrap_err().field, "price");
        assert_eq!(
            BillingCharge::builder(BillingMethod::Card, "M1", Amount::won(1), bk())
                .build()
                .unwrap_err()
                .field,
            "url"
        );
        assert_eq!(
            builder().buyer_email("nope").build().unwrap_err().field,
            "buyerEmail"
        );
        assert_eq!(
            builder().buyer_tel("abc").build().unwrap_err().field,
            "buyerTel"
        );
        assert_eq!(
            builder().card_quota(37).build().unwrap_err().field,
            "cardQuota"
        );
        assert_eq!(
            builder().tax(Amount::won(1001)).build().unwrap_err().field,
            "tax"
        );
        let long = BillingCharge::builder(
            BillingMethod::Card,
            "M1",
            Amount::won(1),
            SecretString::from("k".repeat(41)),
        );
        assert_eq!(long.build().unwrap_err().field, "billKey");
        let enc = BillingCharge::builder(
            BillingMethod::Card,
            "M1",
            Amount::won(1),
            SecretString::from("V6Ld AjE=".to_owned()),
        );
        assert_eq!(enc.build().unwrap_err().field, "billKey");
        assert_eq!(
            builder().goods_name("a\"b").build().unwrap_err().field,
            "goodName"
        );
    }

    #[test]
    fn authenticated_billing_fields_are_encrypted() {
        let c = builder()
            .reg_no(SecretString::from("800101".to_owned()))
            .card_pw(SecretString::from("12".to_owned()))
            .build()
            .unwrap();
        let r = c
            .sign(&merchant(), ApiVersion::V1, &meta("192.0.0.1"))
            .unwrap();
        let body = String::from_utf8(r.to_body()).unwrap();
        let enc = |p: &str| {
            crate::crypto::aes128_cbc_encrypt_b64(
                test_keys::INIBILLTST_INIAPI_KEY.as_bytes(),
                test_keys::INIBILLTST_INIAPI_IV.as_bytes(),
                p.as_bytes(),
            )
            .unwrap()
        };
        let mut expected = Vec::new();
        crate::encoding::percent_encode_into(enc("800101").as_bytes(), &mut expected);
        let expected = String::from_utf8(expected).unwrap();
        assert!(body.contains(&format!("&regNo={expected}&")), "{body}");
        assert!(!body.contains("800101"));
        // Not part of the hash: V7 still holds.
        assert!(r.hash_data().starts_with("5221a587"));
        assert!(!format!("{r:?}").contains(&enc("12")));
        assert!(matches!(
            c.sign(&merchant(), ApiVersion::V2, &meta("192.0.0.1")),
            Err(SignError::Unsupported(_, ApiVersion::V2))
        ));
        assert_eq!(
            builder()
                .card_pw(SecretString::from("123".to_owned()))
                .build()
                .unwrap_err()
                .field,
            "cardPw"
        );
        assert_eq!(
            builder()
                .reg_no(SecretString::from("80010".to_owned()))
                .build()
                .unwrap_err()
                .field,
            "regNo"
        );
    }

    #[test]
    fn debug_masks_billkey_and_buyer() {
        let c = builder()
            .buyer_email("secret.person@test.com")
            .build()
            .unwrap();
        for v in [ApiVersion::V1, ApiVersion::V2] {
            let r = c.sign(&merchant(), v, &meta("192.0.0.1")).unwrap();
            for d in [format!("{c:?}"), format!("{r:?}")] {
                for s in [
                    BILLKEY,
                    "길동",
                    "secret.person",
                    "12345678",
                    test_keys::INIBILLTST_INIAPI_KEY,
                ] {
                    assert!(!d.contains(s), "{s} in {d}");
                }
            }
        }
    }
}
