//! The `Order` trait: what a merchant's order type provides to start a
//! payment. `#[derive(Order)]` (feature `derive`) implements it; it can also be
//! written by hand.
//!
//! ```
//! use inipay_core::mobile::{Method, PaymentRequest};
//! use inipay_core::order::{CheckoutContext, Order};
//! use inipay_core::types::{Amount, FieldError};
//!
//! struct Subscription { id: String, won: u64 }
//!
//! impl Order for Subscription {
//!     const METHODS: &'static [Method] = &[Method::Card];
//!     fn order_id(&self) -> &str { &self.id }
//!     fn amount(&self) -> Amount { Amount::won(self.won) }
//!     fn payment_request(&self, ctx: &CheckoutContext) -> Result<PaymentRequest, FieldError> {
//!         ctx.builder(self)
//!             .goods("월 구독")
//!             .buyer_name("홍길동")
//!             .build()
//!     }
//! }
//!
//! let ctx = CheckoutContext::new(Method::Card, "https://shop.example.com/inicis/next");
//! let req = Subscription { id: "SUB-1".into(), won: 9_900 }.payment_request(&ctx).unwrap();
//! assert_eq!(req.amount, Amount::won(9_900));
//! ```

use crate::billing::{BillingKeyRequest, BillingKind};
use crate::mobile::{Method, PaymentRequest, PaymentRequestBuilder};
use crate::types::{Amount, FieldError, FieldErrorKind};

/// What the checkout route knows and the order does not: the method the buyer
/// chose and the absolute callback URLs from configuration (never from the
/// Host header, STYLE.md adapters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutContext {
    /// The method the buyer chose; must be one of the order's [`Order::METHODS`].
    pub method: Method,
    /// Absolute `P_NEXT_URL`.
    pub next_url: String,
    /// Absolute `P_NOTI_URL`, when the app mounted the notification route.
    pub noti_url: Option<String>,
    /// Absolute `P_RETURN_URL`, for 1trs flows.
    pub return_url: Option<String>,
    /// Today in Korea as `YYYYMMDD`, for virtual-account deadlines.
    pub today_kst: Option<String>,
}

impl CheckoutContext {
    /// A context for `method` with only a next URL.
    pub fn new(method: Method, next_url: impl Into<String>) -> CheckoutContext {
        CheckoutContext {
            method,
            next_url: next_url.into(),
            noti_url: None,
            return_url: None,
            today_kst: None,
        }
    }

    /// Sets the notification URL.
    #[must_use]
    pub fn with_noti_url(mut self, url: impl Into<String>) -> CheckoutContext {
        self.noti_url = Some(url.into());
        self
    }

    /// Sets the return URL.
    #[must_use]
    pub fn with_return_url(mut self, url: impl Into<String>) -> CheckoutContext {
        self.return_url = Some(url.into());
        self
    }

    /// Sets today's date in Korea (`YYYYMMDD`), which a virtual-account
    /// deadline is checked against.
    #[must_use]
    pub fn with_today_kst(mut self, yyyymmdd: impl Into<String>) -> CheckoutContext {
        self.today_kst = Some(yyyymmdd.into());
        self
    }

    /// A builder for `order` pre-filled with the method, order id, amount and URLs.
    pub fn builder<O: Order + ?Sized>(&self, order: &O) -> PaymentRequestBuilder {
        let mut b = PaymentRequest::builder(self.method, order.order_id(), order.amount())
            .next_url(self.next_url.clone());
        if let Some(u) = &self.noti_url {
            b = b.noti_url(u.clone());
        }
        if let Some(u) = &self.return_url {
            b = b.return_url(u.clone());
        }
        b
    }

    /// Checks that the chosen method is one `O` allows.
    pub fn check_method<O: Order + ?Sized>(&self) -> Result<(), FieldError> {
        if O::METHODS.contains(&self.method) {
            Ok(())
        } else {
            Err(FieldError::new(
                "P_INI_PAYMENT",
                FieldErrorKind::Format("one of the order's allowed payment methods"),
            ))
        }
    }
}

/// A merchant order that can be paid through INIpay Mobile WEB.
pub trait Order {
    /// The payment methods this order may be paid with.
    const METHODS: &'static [Method];

    /// The order id (`P_OID`); validated when the request is built.
    fn order_id(&self) -> &str;

    /// The amount to charge: the amount every later message is checked against.
    fn amount(&self) -> Amount;

    /// The unsigned payment request for the buyer's chosen method.
    fn payment_request(&self, ctx: &CheckoutContext) -> Result<PaymentRequest, FieldError>;
}

/// A merchant order that issues a billing key (빌키 발급, PROTOCOL.md 3):
/// what `#[derive(BillingOrder)]` (feature `derive`) implements. It yields
/// the unsigned [`BillingKeyRequest`]; [`BillingKeyRequest::sign`] adds the
/// merchant, the timestamp and `hashdata`.
///
/// ```
/// use inipay_core::billing::{BillingKeyRequest, BillingKind};
/// use inipay_core::order::BillingOrder;
/// use inipay_core::types::{Amount, FieldError};
///
/// struct Plan { id: String }
///
/// impl BillingOrder for Plan {
///     const KIND: BillingKind = BillingKind::Card;
///     fn order_id(&self) -> &str { &self.id }
///     fn price(&self) -> Amount { Amount::won(9_900) }
///     fn billing_request(&self, return_url: &str) -> Result<BillingKeyRequest, FieldError> {
///         BillingKeyRequest::card(self.order_id(), self.price())
///             .goods("월 구독")
///             .buyer_name("홍길동")
///             .return_url(return_url)
///             .build()
///     }
/// }
/// let req = Plan { id: "SUB-1".into() }
///     .billing_request("https://shop.example.com/bill/return")
///     .unwrap();
/// assert_eq!(req.order_id, "SUB-1");
/// ```
pub trait BillingOrder {
    /// Card, or phone with its product kind.
    const KIND: BillingKind;

    /// The order id (`orderid`); validated when the request is built.
    fn order_id(&self) -> &str;

    /// The price (`price`).
    fn price(&self) -> Amount;

    /// The unsigned billing-key request; `return_url` (`returnurl`, where
    /// INICIS posts the result) comes from configuration.
    fn billing_request(&self, return_url: &str) -> Result<BillingKeyRequest, FieldError>;
}
