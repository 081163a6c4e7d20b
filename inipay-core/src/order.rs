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

use crate::mobile::{Method, OfferPeriod, PaymentRequest, PaymentRequestBuilder};
use crate::types::{Amount, FieldError, FieldErrorKind, OrderId, check_text, mask_tail};
use std::fmt;

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

/// Which billing-key window an order opens (PROTOCOL.md 3.1): the card
/// (`inibill_card.jsp`) or the phone (`inibill_hpp.jsp`) one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BillingKind {
    /// Card billing key (카드 빌링).
    Card,
    /// Phone-bill billing key (휴대폰 빌링).
    Phone,
}

/// The values a billing-key order contributes to an inibill request
/// (PROTOCOL.md 3.2), already checked: what [`BillingOrder::billing_fields`]
/// returns and what `inipay_core::billing` turns into a signed form.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BillingFields {
    /// `orderid`.
    pub order_id: OrderId,
    /// `price`.
    pub price: Amount,
    /// `goodname`.
    pub goods: String,
    /// `buyername`.
    pub buyer_name: String,
    /// `buyertel`.
    pub buyer_phone: Option<String>,
    /// `buyeremail`.
    pub buyer_email: Option<String>,
    /// `period`: `M2`, `Y2` or a date range.
    pub period: Option<OfferPeriod>,
    /// `p_noti`: merchant data echoed back with the result.
    pub merchant_data: Option<String>,
}

impl fmt::Debug for BillingFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillingFields")
            .field("order_id", &self.order_id)
            .field("price", &self.price)
            .field("goods", &self.goods)
            .field("buyer_name", &mask_tail(&self.buyer_name, 1))
            .field(
                "buyer_phone",
                &self.buyer_phone.as_ref().map(|_| "[REDACTED]"),
            )
            .field(
                "buyer_email",
                &self.buyer_email.as_ref().map(|_| "[REDACTED]"),
            )
            .field("period", &self.period)
            .field("merchant_data", &self.merchant_data.is_some())
            .finish()
    }
}

impl BillingFields {
    /// Checks the values: the order id (`orderid`), a non-zero price, a
    /// non-empty product and buyer name without forbidden characters, and the
    /// period's shape. inibill sizes are not published (PROTOCOL.md 8.10), so
    /// only the inilitepay limits that are known are applied (buyer name 30
    /// bytes, phone 40, e-mail 60).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        order_id: &str,
        price: Amount,
        goods: &str,
        buyer_name: &str,
        buyer_phone: Option<&str>,
        buyer_email: Option<&str>,
        period: Option<OfferPeriod>,
        merchant_data: Option<&str>,
    ) -> Result<BillingFields, FieldError> {
        let order_id = OrderId::with_field("orderid", order_id)?;
        if price.is_zero() {
            return Err(FieldError::new(
                "price",
                FieldErrorKind::OutOfRange {
                    min: 1,
                    max: u64::MAX,
                },
            ));
        }
        let nonempty = |field: &'static str, v: &str, limit: usize| {
            if v.is_empty() {
                return Err(FieldError::new(field, FieldErrorKind::Missing));
            }
            check_text(field, v, limit).map(|_| ())
        };
        nonempty("goodname", goods, usize::MAX)?;
        nonempty("buyername", buyer_name, 30)?;
        if let Some(p) = buyer_phone {
            nonempty("buyertel", p, 40)?;
        }
        if let Some(e) = buyer_email {
            nonempty("buyeremail", e, 60)?;
        }
        if let Some(d) = merchant_data {
            check_text("p_noti", d, usize::MAX)?;
        }
        if let Some(OfferPeriod::Range(r)) = &period
            && !((r.len() == 16 || r.len() == 24) && r.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(FieldError::new(
                "period",
                FieldErrorKind::Format("M2, Y2, or 16 or 24 digits (YYYYMMDDYYYYMMDD)"),
            ));
        }
        Ok(BillingFields {
            order_id,
            price,
            goods: goods.to_owned(),
            buyer_name: buyer_name.to_owned(),
            buyer_phone: buyer_phone.map(str::to_owned),
            buyer_email: buyer_email.map(str::to_owned),
            period,
            merchant_data: merchant_data.map(str::to_owned),
        })
    }
}

/// A merchant order that issues a billing key (빌키 발급, PROTOCOL.md 3):
/// what `#[derive(BillingOrder)]` implements. The billing module signs the
/// request (`hashdata`) from these values and the merchant's INILite key.
///
/// ```
/// use inipay_core::order::{BillingFields, BillingKind, BillingOrder};
/// use inipay_core::types::{Amount, FieldError};
///
/// struct Plan { id: String }
///
/// impl BillingOrder for Plan {
///     const KIND: BillingKind = BillingKind::Card;
///     const ENCRYPTED_BILLKEY: bool = false;
///     const BELOW_1000: bool = false;
///     fn billing_fields(&self) -> Result<BillingFields, FieldError> {
///         BillingFields::new(&self.id, Amount::won(9_900), "월 구독", "홍길동",
///             None, None, None, None)
///     }
/// }
/// let f = Plan { id: "SUB-1".into() }.billing_fields().unwrap();
/// assert_eq!(f.order_id.as_str(), "SUB-1");
/// ```
pub trait BillingOrder {
    /// Card or phone billing key.
    const KIND: BillingKind;
    /// `flg_crypto=Y`: ask for an encrypted billkey (and the price-including
    /// `hashdata` formula). Only the mobile billing manual describes it
    /// (PROTOCOL.md 3.3, 8.11 (S)).
    const ENCRYPTED_BILLKEY: bool;
    /// `merchantreserved=below1000=Y`: allow amounts below 1,000 won.
    const BELOW_1000: bool;

    /// The checked request values.
    fn billing_fields(&self) -> Result<BillingFields, FieldError>;
}
