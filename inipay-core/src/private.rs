//! Not public API: the items `#[derive(Order)]`, `#[derive(BillingOrder)]`
//! and `merchant!` expand to. Names here may change in any release.
//!
//! The traits let generated code accept several field types for one role
//! (`String`, `&str`, `Text<N>`, `Option<...>`) and carry a type's capacity to
//! a `const` assertion; their `#[diagnostic::on_unimplemented]` messages are
//! what a user sees for a field of the wrong type.

pub use crate::config::Mode;
pub use crate::encoding::Charset;
pub use crate::mobile::{
    Carrier, HppMethod, Method, OfferPeriod, PaymentRequest, QuotaBase, Reserved, VbankDeadline,
};
pub use crate::order::{BillingFields, BillingKind, BillingOrder, CheckoutContext, Order};
pub use crate::spec::{EndpointSpec, KeySlot, MerchantSpec, Secret};
pub use crate::types::{
    Amount, BuyerName, Email, FieldError, FieldErrorKind, OrderId, Phone, Text,
};
use std::borrow::Cow;

/// A field usable as an amount of won.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an INICIS amount",
    label = "this field's type is not a whole number of won",
    note = "INICIS amounts are whole won (원), never negative or fractional: use `u64`, `u32` or `inipay_core::Amount`"
)]
pub trait AmountField {
    /// The amount.
    fn to_amount(&self) -> Amount;
}

macro_rules! amount_from_unsigned {
    ($($t:ty),*) => {$(
        impl AmountField for $t {
            fn to_amount(&self) -> Amount {
                Amount::won(u64::from(*self))
            }
        }
    )*};
}
amount_from_unsigned!(u8, u16, u32, u64);

impl AmountField for Amount {
    fn to_amount(&self) -> Amount {
        *self
    }
}

/// A field usable as an optional amount (`P_TAX`, `P_TAXFREE`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an optional INICIS amount",
    label = "expected a whole number of won, optionally in an `Option`",
    note = "INICIS amounts are whole won (원), never negative or fractional: use `u64`, `Option<u64>` or `inipay_core::Amount`"
)]
pub trait OptionalAmount {
    /// The amount, if any.
    fn opt_amount(&self) -> Option<Amount>;
}

impl<T: AmountField> OptionalAmount for T {
    fn opt_amount(&self) -> Option<Amount> {
        Some(self.to_amount())
    }
}

impl<T: AmountField> OptionalAmount for Option<T> {
    fn opt_amount(&self) -> Option<Amount> {
        self.as_ref().map(AmountField::to_amount)
    }
}

/// A field usable as text; `CAPACITY` is the most EUC-KR bytes the type can
/// hold (`None`: unbounded, checked at run time).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as INICIS text",
    label = "expected `String`, `&str`, `Text<N>` or an inipay value type",
    note = "text roles accept `String`, `&str`, `Box<str>`, `Cow<str>`, `inipay_core::Text<N>`, `OrderId`, `BuyerName`, `Phone` or `Email`"
)]
pub trait TextField {
    /// The capacity in EUC-KR bytes, when the type bounds it.
    const CAPACITY: Option<usize>;
    /// The text.
    fn as_text(&self) -> &str;
}

impl TextField for String {
    const CAPACITY: Option<usize> = None;
    fn as_text(&self) -> &str {
        self
    }
}
impl TextField for str {
    const CAPACITY: Option<usize> = None;
    fn as_text(&self) -> &str {
        self
    }
}
impl TextField for Box<str> {
    const CAPACITY: Option<usize> = None;
    fn as_text(&self) -> &str {
        self
    }
}
impl TextField for Cow<'_, str> {
    const CAPACITY: Option<usize> = None;
    fn as_text(&self) -> &str {
        self
    }
}
impl<T: TextField + ?Sized> TextField for &T {
    const CAPACITY: Option<usize> = T::CAPACITY;
    fn as_text(&self) -> &str {
        (**self).as_text()
    }
}
impl<const N: usize> TextField for Text<N> {
    const CAPACITY: Option<usize> = Some(N);
    fn as_text(&self) -> &str {
        self.as_str()
    }
}
impl TextField for OrderId {
    const CAPACITY: Option<usize> = Some(OrderId::MAX_LEN);
    fn as_text(&self) -> &str {
        self.as_str()
    }
}
impl TextField for BuyerName {
    const CAPACITY: Option<usize> = Some(BuyerName::LIMIT);
    fn as_text(&self) -> &str {
        self.as_str()
    }
}
impl TextField for Phone {
    const CAPACITY: Option<usize> = Some(Phone::MAX_LEN);
    fn as_text(&self) -> &str {
        self.as_str()
    }
}
impl TextField for Email {
    const CAPACITY: Option<usize> = Some(Email::MAX_LEN);
    fn as_text(&self) -> &str {
        self.as_str()
    }
}

/// A field usable as optional text (`P_MOBILE`, `P_EMAIL`, `P_NOTI`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as optional INICIS text",
    label = "expected a text type, optionally in an `Option`",
    note = "optional text roles accept `String`, `&str`, `Text<N>`, ... or an `Option` of one"
)]
pub trait OptionalText {
    /// The capacity in EUC-KR bytes, when the type bounds it.
    const CAPACITY: Option<usize>;
    /// The text, if any.
    fn opt_text(&self) -> Option<&str>;
}

impl<T: TextField + ?Sized> OptionalText for T {
    const CAPACITY: Option<usize> = T::CAPACITY;
    fn opt_text(&self) -> Option<&str> {
        Some(self.as_text())
    }
}
impl<T: TextField> OptionalText for Option<T> {
    const CAPACITY: Option<usize> = T::CAPACITY;
    fn opt_text(&self) -> Option<&str> {
        self.as_ref().map(TextField::as_text)
    }
}

/// Whether a type of capacity `cap` fits an INICIS limit of `limit` bytes.
pub const fn fits(cap: Option<usize>, limit: usize) -> bool {
    match cap {
        Some(c) => c <= limit,
        None => true,
    }
}

/// A field usable as a virtual-account deadline.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a virtual-account deadline",
    label = "expected `VbankDeadline` or `Option<VbankDeadline>`"
)]
pub trait OptionalVbankDeadline {
    /// The deadline, if any.
    fn opt_deadline(&self) -> Option<&VbankDeadline>;
}
impl OptionalVbankDeadline for VbankDeadline {
    fn opt_deadline(&self) -> Option<&VbankDeadline> {
        Some(self)
    }
}
impl OptionalVbankDeadline for Option<VbankDeadline> {
    fn opt_deadline(&self) -> Option<&VbankDeadline> {
        self.as_ref()
    }
}

/// A field usable as an offer period.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an offer period",
    label = "expected `OfferPeriod` or `Option<OfferPeriod>`"
)]
pub trait OptionalOfferPeriod {
    /// The period, if any.
    fn opt_period(&self) -> Option<&OfferPeriod>;
}
impl OptionalOfferPeriod for OfferPeriod {
    fn opt_period(&self) -> Option<&OfferPeriod> {
        Some(self)
    }
}
impl OptionalOfferPeriod for Option<OfferPeriod> {
    fn opt_period(&self) -> Option<&OfferPeriod> {
        self.as_ref()
    }
}

/// `Reserved::recommended()` with `f` applied: how the derive states its
/// `reserved(...)` options.
pub fn reserved(f: impl FnOnce(&mut Reserved)) -> Reserved {
    let mut r = Reserved::recommended();
    f(&mut r);
    r
}

/// The error the generated `payment_request` returns when an order declares
/// `noti` but the checkout context carries no notification URL.
pub fn missing_noti_url() -> FieldError {
    FieldError::new("P_NOTI_URL", FieldErrorKind::Missing)
}
