//! INIpay Mobile WEB (모바일 일반결제, PROTOCOL.md 2): payment request, signing,
//! the auto-submitting page, auth results, approval, notifications and net cancel.
//!
//! Everything here is pure: builders return URLs and bodies, parsers take
//! bytes and the charset. The gateway client does the I/O.
//!
//! The two-transaction flow, step by step (PROTOCOL.md 2.1):
//! 1. [`PaymentRequest`] -> [`PaymentForm`] -> [`html::page`] (browser posts it in EUC-KR).
//! 2. [`AuthResult::parse`] on `P_NEXT_URL`; [`AuthSuccess::approval_request`] checks it.
//! 3. POST the [`ApprovalRequest`]; [`ApprovalReply::parse`] then
//!    [`ApprovalReply::verify`] -> [`Approved`].
//! 4. On any failure after approval: [`NetCancelRequest`] (module [`net_cancel`]).
//! 5. Virtual accounts: [`Notification::parse`] on `P_NOTI_URL`, reply [`NOTI_REPLY_OK`].
//!
//! ```
//! use inipay_core::mobile::{HppMethod, Method};
//! assert_eq!(Method::Mobile(HppMethod::Physical).code(), "MOBILE");
//! ```

pub mod approval;
pub mod auth;
pub mod chkfake;
pub mod html;
pub mod net_cancel;
pub mod noti;
mod reply;
mod request;
mod reserved;

pub use approval::{
    ApprovalReply, ApprovalRequest, ApprovalUrlNotAllowed, Approved, ApprovedPayment, BankDetails,
    CardDetails, CardInterest, CardKind, CorpFlag, Expected, GiftCard, MethodDetails, MismatchKind,
    MobileDetails, PaidMethod, PartialCancel, VbankAccount, VbankIssuance, VerifyError,
};
pub use auth::{AuthCheckError, AuthFailure, AuthResult, AuthSuccess, Idc};
pub use html::HtmlOptions;
pub use net_cancel::{NetCancelError, NetCancelReply, NetCancelRequest};
pub use noti::{
    AuthDtFormat, NOTI_REPLY_OK, NotiIpAllowList, NotiKey, NotiMessage, NotiOptions, NotiStatus,
    Notification,
};
pub use reply::{
    CashReceipt, CashReceiptKind, KstDateTime, MAX_BODY_BYTES, Message, ParseError, PayType,
    Redacted,
};
pub use request::{
    AmountLimit, HppMethod, Method, OfferPeriod, PaymentForm, PaymentRequest,
    PaymentRequestBuilder, QuotaBase, Routing, SignError, VbankDeadline,
};
pub use reserved::{Carrier, Reserved};
