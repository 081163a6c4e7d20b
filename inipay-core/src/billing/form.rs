//! A signed billing-key form: what the browser posts to INICIS (UTF-8).

use crate::config::{ConfigError, Origin};
use crate::encoding::{Charset, UnencodableField};
use crate::types::{Amount, FieldError};
use std::fmt;

/// Which billing-key window a form opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormKind {
    /// inibill card (`inibill_card.jsp`).
    InibillCard,
    /// inibill phone (`inibill_hpp.jsp`).
    InibillPhone,
    /// inilitepay (`/pay/card/billing`).
    Inilitepay,
}

/// Why a billing-key request could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// A field is invalid.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The INILite key is missing.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// A signed billing-key form for one merchant.
///
/// Keep it (or its `order_id`, `origin` and `encrypted`) until the result
/// arrives: the result is checked against it
/// ([`BillingKeyResult::verify`](super::BillingKeyResult::verify)).
///
/// ```
/// # use inipay_core::config::{Endpoints, Merchant, test_keys};
/// # let merchant = Merchant::test("INIBillTst", test_keys::ini_bill_tst(), Endpoints::sandbox("http://127.0.0.1:8081")?)?;
/// use inipay_core::billing::BillingKeyRequest;
/// use inipay_core::encoding::Charset;
/// use inipay_core::time::Timestamp;
/// use inipay_core::types::Amount;
///
/// let form = BillingKeyRequest::card("SUB-1", Amount::won(9_900))
///     .goods("월정액").buyer_name("홍길동")
///     .return_url("https://shop.example.com/bill/return")
///     .build()?
///     .sign(&merchant, Timestamp::from_unix_millis(1_704_078_000_000))?;
/// assert_eq!(form.action, "http://127.0.0.1:8081/inibill/inibill_card.jsp");
/// assert_eq!(form.charset(), Charset::Utf8);
/// assert_eq!(form.field("hashdata").map(str::len), Some(64));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct BillingKeyForm {
    /// The MID and mode that made it.
    pub origin: Origin,
    /// Where the form is posted (from `Merchant::endpoints()`).
    pub action: String,
    /// Which window.
    pub kind: FormKind,
    /// `orderid` / `orderId`.
    pub order_id: String,
    /// `price`.
    pub price: Amount,
    /// Whether the billkey will come back encrypted (`flg_crypto=Y`).
    pub encrypted: bool,
    /// The `timestamp` sent (KST `YYYYMMDDhhmmss`).
    pub timestamp: String,
    fields: Vec<(&'static str, String)>,
}

impl BillingKeyForm {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        origin: Origin,
        action: String,
        kind: FormKind,
        order_id: String,
        price: Amount,
        encrypted: bool,
        timestamp: String,
        fields: Vec<(&'static str, String)>,
    ) -> BillingKeyForm {
        BillingKeyForm {
            origin,
            action,
            kind,
            order_id,
            price,
            encrypted,
            timestamp,
            fields,
        }
    }

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

    /// The form's charset: UTF-8 (`Accept-charset : UTF-8`, seed manual).
    pub fn charset(&self) -> Charset {
        Charset::Utf8
    }

    /// The `application/x-www-form-urlencoded` body in UTF-8, as a browser
    /// posts it with `accept-charset="utf-8"`.
    pub fn to_body(&self) -> Result<Vec<u8>, UnencodableField> {
        Charset::Utf8.encode_form(self.fields.iter().map(|(k, v)| (*k, v.as_str())))
    }
}

/// Field names only: values carry buyer data.
impl fmt::Debug for BillingKeyForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillingKeyForm")
            .field("origin", &self.origin)
            .field("action", &self.action)
            .field("kind", &self.kind)
            .field("order_id", &self.order_id)
            .field("price", &self.price)
            .field("encrypted", &self.encrypted)
            .field(
                "fields",
                &self.fields.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            )
            .finish()
    }
}
