//! Not public API: the items `#[derive(Order)]`, `#[derive(BillingOrder)]`
//! and `merchant!` expand to. Names here may change in any release.
//!
//! The traits let generated code accept several field types for one role
//! (`String`, `&str`, `Text<N>`, `Option<...>`) and carry a type's capacity to
//! a `const` assertion; their `#[diagnostic::on_unimplemented]` messages are
//! what a user sees for a field of the wrong type.

pub use crate::billing::{BillingKeyRequest, BillingKind, CardUse, HppProduct, Period, SizeUnit};
pub use crate::config::Mode;
pub use crate::encoding::Charset;
pub use crate::mobile::{
    Carrier, HppMethod, Method, OfferPeriod, PaymentRequest, QuotaBase, Reserved, VbankDeadline,
};
pub use crate::order::{BillingOrder, CheckoutContext, Order};
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

/// A field usable as a billing period.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a billing period",
    label = "expected `inipay_core::billing::Period` or `Option<Period>`"
)]
pub trait OptionalPeriod {
    /// The period, if any.
    fn opt_period(&self) -> Option<&Period>;
}
impl OptionalPeriod for Period {
    fn opt_period(&self) -> Option<&Period> {
        Some(self)
    }
}
impl OptionalPeriod for Option<Period> {
    fn opt_period(&self) -> Option<&Period> {
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

/// One `reserved(...)` option of `#[derive(Order)]`, applied on top of
/// [`Reserved::recommended`].
#[derive(Debug, Clone, Copy)]
pub enum ReservedOption {
    /// `twotrs_isp`.
    TwotrsIsp(bool),
    /// `twotrs_bank`.
    TwotrsBank(bool),
    /// `apprun_check`.
    ApprunCheck(bool),
    /// `app_scheme`.
    AppScheme(&'static str),
    /// `ios_app`.
    IosApp(bool),
    /// `center_cd`.
    CenterCd(bool),
    /// `below_1000`.
    Below1000(bool),
    /// `vbank_receipt`.
    VbankReceipt(bool),
    /// `bank_receipt`.
    BankReceipt(bool),
    /// `card_points`.
    CardPoints(bool),
    /// `escrow`.
    Escrow(bool),
    /// `ismart_use_sign`.
    IsmartUseSign(bool),
    /// `hpp_corps`.
    HppCorps(&'static [Carrier]),
    /// `hpp_default_corp`.
    HppDefaultCorp(Carrier),
    /// `hpp_nofix`.
    HppNofix(bool),
    /// `hpp_bill`.
    HppBill(bool),
    /// `extra(key = "value")`.
    Extra(&'static str, &'static str),
}

impl ReservedOption {
    fn apply(self, r: &mut Reserved) {
        match self {
            ReservedOption::TwotrsIsp(b) => r.twotrs_isp = b,
            ReservedOption::TwotrsBank(b) => r.twotrs_bank = b,
            ReservedOption::ApprunCheck(b) => r.apprun_check = b,
            ReservedOption::AppScheme(s) => r.app_scheme = Some(s.to_owned()),
            ReservedOption::IosApp(b) => r.ios_app = b,
            ReservedOption::CenterCd(b) => r.center_cd = b,
            ReservedOption::Below1000(b) => r.below_1000 = b,
            ReservedOption::VbankReceipt(b) => r.vbank_receipt = b,
            ReservedOption::BankReceipt(b) => r.bank_receipt = Some(b),
            ReservedOption::CardPoints(b) => r.card_points = b,
            ReservedOption::Escrow(b) => r.escrow = b,
            ReservedOption::IsmartUseSign(b) => r.ismart_use_sign = b,
            ReservedOption::HppCorps(c) => r.hpp_corps = c.to_vec(),
            ReservedOption::HppDefaultCorp(c) => r.hpp_default_corp = Some(c),
            ReservedOption::HppNofix(b) => r.hpp_nofix = b,
            ReservedOption::HppBill(b) => r.hpp_bill = b,
            ReservedOption::Extra(k, v) => r.extra.push((k.to_owned(), v.to_owned())),
        }
    }
}

/// The static choices of a derived order (its struct attributes), as one
/// constant per type.
#[derive(Debug, Clone, Copy)]
pub struct OrderConfig {
    /// `noti`: a notification URL is required.
    pub noti: bool,
    /// `offer_period = "..."` (already checked by the macro).
    pub offer_period: Option<&'static str>,
    /// `merchant_name = "..."`.
    pub merchant_name: Option<&'static str>,
    /// `card_option = "..."`.
    pub card_option: Option<&'static str>,
    /// `amount_hash = ...`.
    pub amount_hash: Option<bool>,
    /// `charset = "..."`.
    pub result_charset: Option<Charset>,
    /// `installments(...)` months; empty for none.
    pub installments: &'static [u8],
    /// `installments(..., no_lump_sum)`.
    pub no_lump_sum: bool,
    /// `reserved(...)`; empty keeps the recommended set.
    pub reserved: &'static [ReservedOption],
}

impl OrderConfig {
    /// No struct-level choices beyond the methods: generated code writes only
    /// what differs (`..OrderConfig::DEFAULT`).
    pub const DEFAULT: OrderConfig = OrderConfig {
        noti: false,
        offer_period: None,
        merchant_name: None,
        card_option: None,
        amount_hash: None,
        result_charset: None,
        installments: &[],
        no_lump_sum: false,
        reserved: &[],
    };
}

/// The per-order values of a derived order (its fields and literals).
#[derive(Debug, Clone, Copy)]
pub struct OrderValues<'a> {
    /// `P_OID`.
    pub order_id: &'a str,
    /// `P_AMT`.
    pub amount: Amount,
    /// `P_GOODS`.
    pub goods: &'a str,
    /// `P_UNAME`.
    pub buyer_name: &'a str,
    /// `P_MOBILE`.
    pub buyer_phone: Option<&'a str>,
    /// `P_EMAIL`.
    pub buyer_email: Option<&'a str>,
    /// `P_NOTI`.
    pub merchant_data: Option<&'a str>,
    /// `P_TAX`.
    pub tax: Option<Amount>,
    /// `P_TAXFREE`.
    pub tax_free: Option<Amount>,
    /// `P_VBANK_DT`/`P_VBANK_TM`.
    pub vbank_deadline: Option<&'a VbankDeadline>,
    /// `P_OFFER_PERIOD` from a field.
    pub offer_period: Option<&'a OfferPeriod>,
}

impl OrderValues<'static> {
    /// The optional values all absent: generated code writes only the roles
    /// the order fills (`..OrderValues::EMPTY`).
    pub const EMPTY: OrderValues<'static> = OrderValues {
        order_id: "",
        amount: Amount::ZERO,
        goods: "",
        buyer_name: "",
        buyer_phone: None,
        buyer_email: None,
        merchant_data: None,
        tax: None,
        tax_free: None,
        vbank_deadline: None,
        offer_period: None,
    };
}

/// What a derived `Order::payment_request` does, compiled once here rather
/// than once per order type: check the method, require the noti URL when the
/// order declares `noti`, and fill [`PaymentRequest::builder`] from the
/// values and the static choices.
pub fn payment_request(
    ctx: &CheckoutContext,
    methods: &[Method],
    config: &OrderConfig,
    v: OrderValues<'_>,
) -> Result<PaymentRequest, FieldError> {
    if !methods.contains(&ctx.method) {
        return Err(FieldError::new(
            "P_INI_PAYMENT",
            FieldErrorKind::Format("one of the order's allowed payment methods"),
        ));
    }
    if config.noti && ctx.noti_url.is_none() {
        return Err(FieldError::new("P_NOTI_URL", FieldErrorKind::Missing));
    }
    let mut b = PaymentRequest::builder(ctx.method, v.order_id, v.amount)
        .next_url(ctx.next_url.clone())
        .goods(v.goods)
        .buyer_name(v.buyer_name);
    if let Some(u) = &ctx.noti_url {
        b = b.noti_url(u.clone());
    }
    if let Some(u) = &ctx.return_url {
        b = b.return_url(u.clone());
    }
    if let Some(x) = v.buyer_phone {
        b = b.buyer_phone(x);
    }
    if let Some(x) = v.buyer_email {
        b = b.buyer_email(x);
    }
    if let Some(x) = v.merchant_data {
        b = b.merchant_data(x);
    }
    if let Some(x) = v.tax {
        b = b.tax(x);
    }
    if let Some(x) = v.tax_free {
        b = b.tax_free(x);
    }
    if ctx.method == Method::Vbank
        && let Some(d) = v.vbank_deadline
    {
        b = b.vbank_deadline(d.clone(), ctx.today_kst.clone().unwrap_or_default());
    }
    let period = match (v.offer_period, config.offer_period) {
        (Some(p), _) => Some(p.clone()),
        (None, Some("M2")) => Some(OfferPeriod::Monthly),
        (None, Some("Y2")) => Some(OfferPeriod::Yearly),
        (None, Some(range)) => Some(OfferPeriod::Range(range.to_owned())),
        (None, None) => None,
    };
    if let Some(p) = period {
        b = b.offer_period(p);
    }
    if let Some(x) = config.merchant_name {
        b = b.merchant_name(x);
    }
    if let Some(x) = config.card_option {
        b = b.card_option(x);
    }
    if let Some(x) = config.amount_hash {
        b = b.amount_hash(x);
    }
    if let Some(x) = config.result_charset {
        b = b.result_charset(x);
    }
    if !config.installments.is_empty() {
        b = b.quota_base(QuotaBase {
            months: config.installments.to_vec(),
            without_lump_sum: config.no_lump_sum,
        });
    }
    if !config.reserved.is_empty() {
        let mut r = Reserved::recommended();
        for o in config.reserved {
            o.apply(&mut r);
        }
        b = b.reserved(r);
    }
    b.build()
}

/// The static choices of a derived billing order.
#[derive(Debug, Clone, Copy)]
pub struct BillingConfig {
    /// `flg_crypto`.
    pub encrypted: bool,
    /// `below_1000`: `merchantreserved=below1000=Y`.
    pub below_1000: bool,
    /// `card_use = ...`.
    pub card_use: Option<CardUse>,
    /// `period = "..."` (already checked by the macro).
    pub period: Option<&'static str>,
    /// `period_custom = "..."`.
    pub period_custom: Option<&'static str>,
    /// `size_unit = ...`.
    pub size_unit: Option<SizeUnit>,
}

impl BillingConfig {
    /// No choices: generated code writes only what differs.
    pub const DEFAULT: BillingConfig = BillingConfig {
        encrypted: false,
        below_1000: false,
        card_use: None,
        period: None,
        period_custom: None,
        size_unit: None,
    };
}

/// The per-order values of a derived billing order.
#[derive(Debug, Clone, Copy)]
pub struct BillingValues<'a> {
    /// `orderid`.
    pub order_id: &'a str,
    /// `price`.
    pub price: Amount,
    /// `goodname`.
    pub goods: &'a str,
    /// `buyername`.
    pub buyer_name: &'a str,
    /// `buyertel`.
    pub buyer_phone: Option<&'a str>,
    /// `buyeremail`.
    pub buyer_email: Option<&'a str>,
    /// `p_noti`.
    pub merchant_data: Option<&'a str>,
    /// `period` from a field.
    pub period: Option<&'a Period>,
}

impl BillingValues<'static> {
    /// The optional values all absent.
    pub const EMPTY: BillingValues<'static> = BillingValues {
        order_id: "",
        price: Amount::ZERO,
        goods: "",
        buyer_name: "",
        buyer_phone: None,
        buyer_email: None,
        merchant_data: None,
        period: None,
    };
}

/// What a derived `BillingOrder::billing_request` does, compiled once here:
/// fill [`BillingKeyRequest`]'s builder from the values and the choices.
pub fn billing_request(
    kind: BillingKind,
    return_url: &str,
    config: &BillingConfig,
    v: BillingValues<'_>,
) -> Result<BillingKeyRequest, FieldError> {
    let mut b = match kind {
        BillingKind::Card => BillingKeyRequest::card(v.order_id, v.price),
        BillingKind::Phone(p) => BillingKeyRequest::phone(v.order_id, v.price, p),
    }
    .goods(v.goods)
    .buyer_name(v.buyer_name)
    .return_url(return_url)
    .encrypted(config.encrypted);
    if let Some(x) = v.buyer_phone {
        b = b.buyer_tel(x);
    }
    if let Some(x) = v.buyer_email {
        b = b.buyer_email(x);
    }
    if let Some(x) = v.merchant_data {
        b = b.merchant_data(x);
    }
    let period = match (v.period, config.period) {
        (Some(p), _) => Some(p.clone()),
        (None, Some("M2")) => Some(Period::Monthly),
        (None, Some("Y2")) => Some(Period::Yearly),
        (None, Some(range)) => Some(Period::Range(range.to_owned())),
        (None, None) => None,
    };
    if let Some(p) = period {
        b = b.period(p);
    }
    if let Some(x) = config.period_custom {
        b = b.period_custom(x);
    }
    if let Some(x) = config.card_use {
        b = b.card_use(x);
    }
    if config.below_1000 {
        b = b.merchant_reserved("below1000=Y");
    }
    if let Some(u) = config.size_unit {
        b = b.size_unit(u);
    }
    b.build()
}
