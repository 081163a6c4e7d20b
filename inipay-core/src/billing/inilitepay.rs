//! The newer billing-key window, inilitepay `/pay/card/billing` (PC and
//! mobile, PROTOCOL.md 3.6), signed with SHA-512 ([`HashVersion::V3`]).
//!
//! Its result parameters are not documented (PROTOCOL.md 8.12); the SDK reads
//! them with the inibill parser ([`BillingKeyResult`](super::BillingKeyResult)),
//! which also accepts the camelCase spellings this request uses
//! (`resultCode`, `billKey`, `orderId`, `merchantRedirectData`), until INICIS
//! confirms the names (I). Billing keys from this flow were
//! reported to work with INIAPI v1 billing but not v2 (PROTOCOL.md 3.6, (1)).
//!
//! ```
//! use inipay_core::billing::{InilitepayRequest, Period};
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::time::Timestamp;
//! use inipay_core::types::Amount;
//!
//! let merchant = Merchant::test("INIBillTst", test_keys::ini_bill_tst(),
//!     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
//! let form = InilitepayRequest::builder("ORDERID1234", Amount::won(1000))
//!     .goods("월정액")
//!     .buyer_name("홍길동")
//!     .buyer_tel("01012345678")
//!     .buyer_email("test@example.com")
//!     .return_url("https://shop.example.com/bill/return")
//!     .period(Period::Monthly)
//!     .build()?
//!     .sign(&merchant, Timestamp::from_unix_millis(1_375_949_979_000))?;
//! assert_eq!(form.action, "http://127.0.0.1:8081/pay/card/billing");
//! assert_eq!(form.field("customData"), Some(r#"{"period":"M2"}"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::fields::{
    Period, SizeUnit, check_ascii_data, check_email, check_order_id, check_phone,
    check_required_text, check_url,
};
use super::form::{BillingKeyForm, FormKind, SignError};
use super::hash::{HashInput, HashVersion};
use crate::config::Merchant;
use crate::time::Timestamp;
use crate::types::{Amount, FieldError, FieldErrorKind, mask_tail};
use std::fmt;

/// Byte sizes of the inilitepay fields (PROTOCOL.md 3.6).
pub mod limits {
    /// `goodName` (shorter than inibill's 80).
    pub const GOODS: usize = 40;
    /// `buyerName`.
    pub const BUYER_NAME: usize = 30;
    /// `returnUrl`.
    pub const RETURN_URL: usize = 1000;
    /// `customData.period`.
    pub const CUSTOM_PERIOD: usize = 100;
}

/// A validated inilitepay billing-key request.
#[derive(Clone, PartialEq, Eq)]
pub struct InilitepayRequest {
    /// `orderId` (64).
    pub order_id: String,
    /// `price` (12 digits).
    pub price: Amount,
    /// `goodName` (40).
    pub goods: String,
    /// `buyerName` (30; personal data).
    pub buyer_name: String,
    /// `buyerTel` (40; personal data).
    pub buyer_tel: String,
    /// `buyerEmail` (60; personal data).
    pub buyer_email: String,
    /// `returnUrl` (1000).
    pub return_url: String,
    /// `merchantRedirectData`: echoed back (ASCII).
    pub merchant_data: Option<String>,
    /// `customData.period`.
    pub period: Option<Period>,
}

impl fmt::Debug for InilitepayRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InilitepayRequest")
            .field("order_id", &self.order_id)
            .field("price", &self.price)
            .field("goods", &self.goods)
            .field("buyer_name", &mask_tail(&self.buyer_name, 1))
            .field("buyer_tel", &mask_tail(&self.buyer_tel, 3))
            .field("buyer_email", &"***")
            .field("return_url", &self.return_url)
            .finish_non_exhaustive()
    }
}

/// Builds an [`InilitepayRequest`]; every check runs in [`build`](Self::build).
#[derive(Clone)]
#[must_use]
pub struct InilitepayRequestBuilder {
    order_id: String,
    price: Amount,
    goods: Option<String>,
    buyer_name: Option<String>,
    buyer_tel: Option<String>,
    buyer_email: Option<String>,
    return_url: Option<String>,
    merchant_data: Option<String>,
    period: Option<Period>,
    size_unit: SizeUnit,
}

impl fmt::Debug for InilitepayRequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InilitepayRequestBuilder")
            .field("order_id", &self.order_id)
            .field("price", &self.price)
            .finish_non_exhaustive()
    }
}

impl InilitepayRequest {
    /// Starts a request.
    pub fn builder(order_id: impl Into<String>, price: Amount) -> InilitepayRequestBuilder {
        InilitepayRequestBuilder {
            order_id: order_id.into(),
            price,
            goods: None,
            buyer_name: None,
            buyer_tel: None,
            buyer_email: None,
            return_url: None,
            merchant_data: None,
            period: None,
            size_unit: SizeUnit::default(),
        }
    }

    /// Signs for `merchant` at `now`, fields in the manual's order.
    pub fn sign(&self, merchant: &Merchant, now: Timestamp) -> Result<BillingKeyForm, SignError> {
        let key = merchant.inilite_key()?;
        let timestamp = now.kst_compact();
        let mid = merchant.mid().as_str().to_owned();
        let price = self.price.to_wire();
        let hash = HashVersion::V3.sign(
            &HashInput {
                mid: &mid,
                order_id: &self.order_id,
                timestamp: &timestamp,
                price: &price,
            },
            key,
        );
        let mut fields: Vec<(&'static str, String)> = vec![
            ("mid", mid),
            ("buyerTel", self.buyer_tel.clone()),
            ("buyerEmail", self.buyer_email.clone()),
            ("buyerName", self.buyer_name.clone()),
            ("goodName", self.goods.clone()),
            ("orderId", self.order_id.clone()),
            ("price", price),
            ("timestamp", timestamp.clone()),
            ("returnUrl", self.return_url.clone()),
            ("hashdata", hash),
        ];
        if let Some(d) = &self.merchant_data {
            fields.push(("merchantRedirectData", d.clone()));
        }
        if let Some(p) = &self.period {
            // The period is M2/Y2/digits: no JSON escaping needed.
            fields.push((
                "customData",
                format!(r#"{{"period":"{}"}}"#, p.wire("period")?),
            ));
        }
        Ok(BillingKeyForm::new(
            merchant.origin(),
            merchant.endpoints().inilitepay_billing.clone(),
            FormKind::Inilitepay,
            self.order_id.clone(),
            self.price,
            false,
            timestamp,
            fields,
        ))
    }
}

impl InilitepayRequestBuilder {
    /// `goodName` (required, 40 bytes).
    pub fn goods(mut self, v: impl Into<String>) -> Self {
        self.goods = Some(v.into());
        self
    }
    /// `buyerName` (required, 30 bytes).
    pub fn buyer_name(mut self, v: impl Into<String>) -> Self {
        self.buyer_name = Some(v.into());
        self
    }
    /// `buyerTel` (required, 40 bytes).
    pub fn buyer_tel(mut self, v: impl Into<String>) -> Self {
        self.buyer_tel = Some(v.into());
        self
    }
    /// `buyerEmail` (required, 60 bytes).
    pub fn buyer_email(mut self, v: impl Into<String>) -> Self {
        self.buyer_email = Some(v.into());
        self
    }
    /// `returnUrl` (required, 1000 bytes).
    pub fn return_url(mut self, v: impl Into<String>) -> Self {
        self.return_url = Some(v.into());
        self
    }
    /// `merchantRedirectData`: echoed back (printable ASCII).
    pub fn merchant_data(mut self, v: impl Into<String>) -> Self {
        self.merchant_data = Some(v.into());
        self
    }
    /// `customData` `{"period": ...}`.
    pub fn period(mut self, v: Period) -> Self {
        self.period = Some(v);
        self
    }
    /// The unit of the byte limits (see [`SizeUnit`]).
    pub fn size_unit(mut self, unit: SizeUnit) -> Self {
        self.size_unit = unit;
        self
    }

    /// Validates everything.
    pub fn build(self) -> Result<InilitepayRequest, FieldError> {
        let unit = self.size_unit;
        check_order_id("orderId", &self.order_id)?;
        if self.price.digits() > 12 {
            return Err(FieldError::new(
                "price",
                FieldErrorKind::TooLong {
                    limit: 12,
                    actual: self.price.digits(),
                },
            ));
        }
        let goods = check_required_text("goodName", self.goods.as_deref(), limits::GOODS, unit)?;
        let buyer_name = check_required_text(
            "buyerName",
            self.buyer_name.as_deref(),
            limits::BUYER_NAME,
            unit,
        )?;
        let buyer_tel = self
            .buyer_tel
            .ok_or(FieldError::new("buyerTel", FieldErrorKind::Missing))?;
        check_phone("buyerTel", &buyer_tel)?;
        let buyer_email = self
            .buyer_email
            .ok_or(FieldError::new("buyerEmail", FieldErrorKind::Missing))?;
        check_email("buyerEmail", &buyer_email)?;
        let return_url = self
            .return_url
            .ok_or(FieldError::new("returnUrl", FieldErrorKind::Missing))?;
        check_url("returnUrl", &return_url, Some(limits::RETURN_URL))?;
        if let Some(d) = &self.merchant_data {
            check_ascii_data("merchantRedirectData", d, None)?;
        }
        if let Some(p) = &self.period {
            p.wire("period")?;
        }
        Ok(InilitepayRequest {
            order_id: self.order_id,
            price: self.price,
            goods,
            buyer_name,
            buyer_tel,
            buyer_email,
            return_url,
            merchant_data: self.merchant_data,
            period: self.period,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Endpoints, test_keys};

    fn merchant() -> Merchant {
        Merchant::test(
            "INIBillTst",
            test_keys::ini_bill_tst(),
            Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
        )
        .unwrap()
    }

    fn base() -> InilitepayRequestBuilder {
        InilitepayRequest::builder("ORDERID1234", Amount::won(1000))
            .goods("월정액")
            .buyer_name("홍길동")
            .buyer_tel("01012345678")
            .buyer_email("test@example.com")
            .return_url("https://shop.example.com/bill/return")
    }

    /// V3 on the wire, fields in the manual's order.
    #[test]
    fn v3_form() {
        let form = base()
            .merchant_data("sub-1")
            .build()
            .unwrap()
            .sign(&merchant(), Timestamp::from_unix_millis(1_375_949_979_000))
            .unwrap();
        assert_eq!(
            form.field("hashdata"),
            Some(
                "0226275367811b18603c52f78608fad06f5f9107e9acd39513f2b8c1c207901ac0a2ee9c847000dca335fe64cb428a701c0dcdfd612a2acc7a31ebec8495872a"
            )
        );
        let names: Vec<&str> = form.fields().iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            [
                "mid",
                "buyerTel",
                "buyerEmail",
                "buyerName",
                "goodName",
                "orderId",
                "price",
                "timestamp",
                "returnUrl",
                "hashdata",
                "merchantRedirectData"
            ]
        );
        assert_eq!(form.kind, FormKind::Inilitepay);
    }

    #[test]
    fn limits_at_and_over() {
        // goodName 40 UTF-8 bytes: 13 syllables (39) + 1 ASCII.
        assert!(
            base()
                .goods(format!("{}a", "가".repeat(13)))
                .build()
                .is_ok()
        );
        assert_eq!(
            base()
                .goods(format!("{}ab", "가".repeat(13)))
                .build()
                .unwrap_err()
                .kind,
            FieldErrorKind::TooLong {
                limit: 40,
                actual: 41
            }
        );
        // In EUC-KR bytes 20 syllables fit.
        assert!(
            base()
                .goods("가".repeat(20))
                .size_unit(SizeUnit::EucKrBytes)
                .build()
                .is_ok()
        );
        let url = |n: usize| format!("https://a.example/{}", "x".repeat(n - 18));
        assert!(base().return_url(url(1000)).build().is_ok());
        assert_eq!(
            base().return_url(url(1001)).build().unwrap_err().field,
            "returnUrl"
        );
        assert_eq!(
            InilitepayRequest::builder("O", Amount::won(1))
                .goods("g")
                .buyer_name("n")
                .build()
                .unwrap_err()
                .field,
            "buyerTel"
        );
    }
}
