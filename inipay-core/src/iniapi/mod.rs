//! INIAPI, INICIS's server-to-server API (PROTOCOL.md 4 and 5): charging a
//! billing key, full and partial refunds (card, phone, virtual account with
//! the `[ENC]` refund account), and transaction inquiry, in both wire
//! versions:
//!
//! - **v1** (`/api/v1/...`): UTF-8 `application/x-www-form-urlencoded`
//!   requests, `hashData` over a service-specific concatenation (4.2-4.5);
//! - **v2** (`/v2/pg/...`): a JSON envelope whose `hashData` covers the compact
//!   JSON of `data` (5.1).
//!
//! Both answer JSON, parsed by the typed replies in this module
//! ([`BillingReply`], [`RefundReply`], [`PartialRefundReply`],
//! [`InquiryReply`]). Nothing here does I/O: a request signs into an
//! [`ApiRequest`] (URL, content type, body) that the gateway client posts, and
//! the reply bytes come back to `parse`.
//!
//! ```
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::iniapi::{ApiVersion, IniapiConfig, PayMethod, Refund, RefundReply, RequestMeta};
//! use inipay_core::time::Timestamp;
//!
//! let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(),
//!     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
//! let config = IniapiConfig { version: ApiVersion::V1 };
//! let meta = RequestMeta::new(Timestamp::from_unix_millis(1_704_078_000_000), "192.0.0.1")?;
//! let refund = Refund::new(PayMethod::Card, "StdpayCARDINIpayTest20210101111111111111", "거래취소요청")?;
//! let request = config.sign(&refund, &merchant, &meta)?;
//! assert_eq!(request.url, "http://127.0.0.1:8081/api/v1/refund");
//! assert!(request.hash_data().starts_with("1a6d92c3"));
//!
//! let reply = RefundReply::parse(br#"{"resultCode":"00","resultMsg":"ok","cancelDate":"20220210","cancelTime":"004139"}"#)?;
//! assert!(reply.result.is_success());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod billing;
mod common;
mod inquiry;
mod lenient;
mod refund;
mod reply;

pub use billing::{BillingCharge, BillingChargeBuilder, BillingMethod};
pub use common::{
    ApiRequest, ApiVersion, ClientIp, IniapiConfig, IniapiRequest, PayMethod, RequestMeta, Service,
    SignError,
};
pub use inquiry::Inquiry;
pub use refund::{
    BankCode, Currency, PartialRefund, Refund, RefundAccount, VacctPartialRefund, VacctRefund,
};
pub use reply::{
    ALREADY_CANCELLED, BillingReply, GATEWAY_ERROR_CODES, InquiryReply, PartialRefundReply,
    RefundReply, RemainsMismatch, ReplyError, TxStatus, VacctInfo, classify,
};
