//! Mobile billing-key issuance (모바일빌링, 빌링키 발급; PROTOCOL.md 3):
//! the inibill card and phone forms, the newer inilitepay form, their
//! `hashdata`, the result posted to `returnurl`, and encrypted billkeys.
//!
//! The flow: sign a [`BillingKeyRequest`] into a [`BillingKeyForm`], let the
//! browser post it (UTF-8) to `form.action`, then parse what INICIS posts back
//! with [`BillingKeyResult::parse`], [`verify`](BillingKeyResult::verify) it
//! against the form, and take the key with [`Issued::billkey`]. Charging the
//! key later is [`crate::iniapi`] billing.
//!
//! ```
//! use inipay_core::billing::{BillingKeyRequest, BillingKeyResult, BillkeyIv};
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::encoding::Charset;
//! use inipay_core::time::Timestamp;
//! use inipay_core::types::Amount;
//! use secrecy::ExposeSecret;
//!
//! let merchant = Merchant::test("INIBillTst", test_keys::ini_bill_tst(),
//!     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
//! let form = BillingKeyRequest::card("SUB-1", Amount::won(9_900))
//!     .goods("월정액").buyer_name("홍길동")
//!     .return_url("https://shop.example.com/bill/return")
//!     .build()?
//!     .sign(&merchant, Timestamp::from_unix_millis(1_704_078_000_000))?;
//!
//! let posted = b"resultcode=00&resultmsg=ok&billkey=734f880246ece4ffdba841c1436399c9968d32cc\
//!                &orderid=SUB-1&mid=INIBillTst";
//! let result = BillingKeyResult::parse(posted, Charset::Utf8)?;
//! result.verify(&form)?;
//! if let BillingKeyResult::Issued(issued) = result {
//!     let key = issued.billkey(&merchant, &form, BillkeyIv::Zero)?;
//!     assert_eq!(key.expose_secret().len(), 40);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cipher;
mod fields;
mod form;
mod hash;
mod inilitepay;
mod request;
mod result;

pub use cipher::{BillkeyIv, DecryptError, decrypt_field, encrypt_field};
pub use fields::{Period, SizeUnit};
pub use form::{BillingKeyForm, FormKind, SignError};
pub use hash::{HashInput, HashVersion};
pub use inilitepay::{InilitepayRequest, InilitepayRequestBuilder};
pub use request::{
    BillingKeyRequest, BillingKeyRequestBuilder, BillingKind, CardUse, HppProduct, limits,
};
pub use result::{
    BillingKeyResult, CANCEL_MARKER, CardInfo, CardKind, CheckFlag, EchoMismatch, Failed, Issued,
    ResultError,
};

/// Byte sizes of the inilitepay fields (PROTOCOL.md 3.6).
pub mod inilitepay_limits {
    pub use super::inilitepay::limits::*;
}
