//! INIpay Mobile WEB (모바일 일반결제, PROTOCOL.md 2): payment request, signing,
//! the auto-submitting page, auth results, approval, notifications and net cancel.
//!
//! ```
//! use inipay_core::mobile::{HppMethod, Method};
//! assert_eq!(Method::Mobile(HppMethod::Physical).code(), "MOBILE");
//! ```

pub mod chkfake;
mod request;
mod reserved;

pub use request::{
    AmountLimit, HppMethod, Method, OfferPeriod, PaymentForm, PaymentRequest,
    PaymentRequestBuilder, QuotaBase, Routing, SignError, VbankDeadline,
};
pub use reserved::{Carrier, Reserved};
