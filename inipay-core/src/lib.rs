//! # inipay-core
//!
//! KG INICIS payments for Rust: the protocol layer (INIpay Mobile WEB, mobile
//! billing keys, INIAPI), EUC-KR, configuration and the gateway client.
//!
//! Protocol modules are pure: they build and sign requests and parse replies,
//! with no sockets and no clocks (time is passed in). The `client` module
//! does the I/O.
//!
//! ```
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::types::{Amount, OrderId, Text};
//!
//! // A test merchant against a local sandbox (INICIS production is never contacted).
//! let merchant = Merchant::test(
//!     "INIpayTest",
//!     test_keys::inipay_test(),
//!     Endpoints::sandbox("http://127.0.0.1:8081")?,
//! )?;
//! let order = OrderId::new("ORD20240101120000001")?;
//! let goods: Text<80> = Text::new("P_GOODS", "테스트상품")?;
//! assert_eq!(goods.euc_kr_len(), 10);
//! assert_eq!(Amount::won(1000).to_wire(), "1000");
//! assert_eq!(merchant.mid().as_str(), "INIpayTest");
//! # let _ = order;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Module map (PROTOCOL.md sections in parentheses):
//! - [`types`]: validated values with INICIS limits (MID, order id, amount, text in EUC-KR bytes).
//! - [`encoding`]: EUC-KR/UTF-8 forms and `parse_str`-style replies (2.5).
//! - [`crypto`]: SHA-256/512, AES-CBC, constant-time comparison (6).
//! - [`config`]: merchant, secrets, endpoints, test vs production (1).
//! - [`outcome`]: the result-code taxonomy.
//! - [`time`]: INICIS timestamp formats.
//! - `client` (feature `client`, default): the async gateway client with timeouts and redacted tracing.
//! - [`billing`]: mobile billing-key issuance (inibill, inilitepay), results, billkey AES (3).
//! - [`iniapi`]: INIAPI v1/v2 requests (billing charge, refunds, inquiry) and typed replies (4, 5).
//! - `flow` (feature `client`): checkout, auth result, approval, net cancel and notifications, decided once for every framework.
//! - [`ledger`]: the durable, idempotent payment ledger (journal, state machine, stores).
//! - [`order`]: the [`Order`] and [`BillingOrder`] traits a merchant's order type implements.
//! - [`request`]: what every web adapter reads from a request (a query parameter, a trusted proxy's client address).
//! - [`settings`]: the merchant, routes, ledger URL and billing sealing key from `INICIS_*` environment variables.
//! - [`spec`]: a merchant declared as static data (what `merchant!` writes).
//!
//! With the `derive` feature, `#[derive(Order)]`, `#[derive(BillingOrder)]`
//! and `merchant! { ... }` check an order type or a merchant declaration at
//! compile time (re-exported here, as serde does with its derives).

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod billing;
#[cfg(feature = "client")]
pub mod client;
pub mod config;
pub mod crypto;
pub mod encoding;
#[cfg(feature = "client")]
pub mod flow;
pub mod iniapi;
pub mod ledger;
pub mod mobile;
pub mod order;
pub mod outcome;
pub mod request;
#[cfg(feature = "client")]
pub mod settings;
pub mod spec;
pub mod time;
pub mod types;

pub use config::{Endpoints, Keys, Merchant, Mode};
pub use types::{Amount, Mid, OrderId, Text, Tid};

/// Not public API: the items `#[derive(Order)]` and `merchant!` expand to.
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use order::{BillingOrder, Order};

/// Derives [`order::Order`] for a merchant's order struct: the compiler, not a
/// customer at checkout, tells you what INICIS would reject.
///
/// # Field roles
///
/// Each role fills one INICIS field. Mark a field `#[inipay(role)]`, or name
/// it after the role (a field named `amount` is the amount) and use
/// `#[inipay(skip)]` to opt a field out. One field may take several roles
/// (`#[inipay(order_id, merchant_data)]`).
///
/// | role | INICIS field | accepted types | limit |
/// |---|---|---|---|
/// | `order_id` (required) | `P_OID` | `String`, `&str`, `Text<N>`, `OrderId`, ... | 40 bytes |
/// | `amount` (required) | `P_AMT` | `u8`..`u64`, [`Amount`] (never a float or signed) | 8 digits by default |
/// | `goods` (required) | `P_GOODS` | text | 80 EUC-KR bytes |
/// | `buyer_name` (required) | `P_UNAME` | text | 30 EUC-KR bytes |
/// | `buyer_phone` | `P_MOBILE` | text or `Option` of it | 20 |
/// | `buyer_email` | `P_EMAIL` | text or `Option` of it | 60 |
/// | `merchant_data` | `P_NOTI` | text or `Option` of it | 800 EUC-KR bytes |
/// | `tax` / `tax_free` | `P_TAX` / `P_TAXFREE` | amount or `Option` of it | |
/// | `vbank_deadline` | `P_VBANK_DT`/`P_VBANK_TM` | [`mobile::VbankDeadline`] or `Option` of it (sent for VBANK only, checked against [`CheckoutContext::with_today_kst`](order::CheckoutContext::with_today_kst)) | |
/// | `offer_period` | `P_OFFER_PERIOD` | [`mobile::OfferPeriod`] or `Option` of it | |
/// | `skip` | - | anything | |
///
/// "Text" is `String`, `&str`, `Box<str>`, `Cow<str>`, [`Text<N>`](types::Text),
/// or the typed values [`OrderId`], [`types::BuyerName`], [`types::Phone`],
/// [`types::Email`]. A `Text<N>` whose capacity `N` exceeds the INICIS limit is
/// a compile error (`Text<100>` for an 80-byte `P_GOODS`); `String` values are
/// checked when the request is built, with a typed [`types::FieldError`].
///
/// # Struct attributes (`#[inipay(...)]` on the struct)
///
/// - `methods(card, bank, vbank, phone(content|physical|billing_content|billing_physical), culture, happy_money, smart_culture)`
///   (required): the payment methods this order may be paid with
///   (`P_INI_PAYMENT`); phone payment names its product kind (`P_HPP_METHOD`).
/// - `noti`: the app mounts the notification route (`P_NOTI_URL`). Required
///   with `vbank` and with one-transaction flows (`twotrs_bank = false`,
///   `twotrs_isp = false`), whose results arrive only there. The generated
///   code then refuses a [`order::CheckoutContext`] without a noti URL.
/// - `installments(2, 3, 6, 12[, no_lump_sum])`: `P_QUOTABASE` months (1 to
///   36) for card payments; `no_lump_sum` adds `99`.
/// - Literal defaults for roles no field fills: `goods = "월 구독"`,
///   `buyer_name = "..."`, `merchant_data = "..."`, `offer_period = "M2"`
///   (`"Y2"`, or 16/24 digits). Checked in EUC-KR at compile time.
/// - `merchant_name = "..."` (`P_MNAME`, 30 bytes), `card_option = "selcode=14"`
///   (`P_CARD_OPTION`, at most 64 bytes), `amount_hash = false` (no `P_CHKFAKE`),
///   `charset = "utf8" | "euc-kr"` (`P_CHARSET`, the charset of results).
/// - `reserved(...)`: `P_RESERVED` options on top of
///   [`mobile::Reserved::recommended`]: flags `twotrs_isp`, `twotrs_bank`,
///   `apprun_check`, `ios_app`, `center_cd`, `below_1000`, `vbank_receipt`,
///   `card_points`, `escrow`, `ismart_use_sign`, `hpp_nofix`, `hpp_bill`
///   (bare = `true`, or `= false`); `bank_receipt = true|false`;
///   `app_scheme = "myapp://"`; `hpp_corps(skt, kt, lgu)`;
///   `hpp_default_corp = skt`; `extra(key = "value", ...)`.
///   Contradictions are compile errors: `app_scheme` with `apprun_check`
///   (on by default: add `apprun_check = false`), `ios_app` without
///   `app_scheme`, `hpp_bill` without a billing phone kind, an option for a
///   method the order does not accept.
/// - `crate = "path::to::inipay_core"`: where generated code finds this crate.
///
/// Every mistake of one struct is reported at once, each at its token, with
/// "did you mean" for unknown keys.
///
/// ```
/// use inipay_core::Order;
/// use inipay_core::mobile::{Method, VbankDeadline};
/// use inipay_core::order::CheckoutContext;
/// use inipay_core::types::Text;
///
/// #[derive(Order)]
/// #[inipay(methods(card, vbank, phone(physical)), noti, installments(2, 3, 6),
///          goods = "월 구독", merchant_name = "내 상점",
///          reserved(vbank_receipt, hpp_corps(skt, kt)))]
/// struct Subscription {
///     #[inipay(order_id, merchant_data)]
///     id: String,
///     amount: u64,
///     buyer_name: Text<30>,
///     buyer_phone: Option<String>,
///     vbank_deadline: Option<VbankDeadline>,
///     #[inipay(skip)]
///     goods: String, // internal name; the literal above is sent
/// }
///
/// let order = Subscription {
///     id: "SUB-1".into(),
///     amount: 9_900,
///     buyer_name: Text::new("P_UNAME", "홍길동")?,
///     buyer_phone: None,
///     vbank_deadline: None,
///     goods: "internal".into(),
/// };
/// let ctx = CheckoutContext::new(Method::Card, "https://shop.example.com/inicis/next")
///     .with_noti_url("https://shop.example.com/inicis/noti");
/// let req = order.payment_request(&ctx)?;
/// assert_eq!(req.goods.as_str(), "월 구독");
/// assert_eq!(Subscription::METHODS.len(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// What INICIS would reject does not compile, e.g. an 80-byte `P_GOODS` held
/// in a `Text<100>`, or an emoji EUC-KR cannot carry:
///
/// ```compile_fail
/// #[derive(inipay_core::Order)]
/// #[inipay(methods(card))]
/// struct Gift {
///     order_id: String,
///     amount: u64,
///     goods: inipay_core::Text<100>,
///     buyer_name: String,
/// }
/// ```
///
/// ```compile_fail
/// #[derive(inipay_core::Order)]
/// #[inipay(methods(card), goods = "선물 🎁")]
/// struct Gift { order_id: String, amount: u64, buyer_name: String }
/// ```
#[cfg(feature = "derive")]
pub use inipay_macros::Order;

/// Derives [`order::BillingOrder`] for a billing-key order (빌키 발급,
/// PROTOCOL.md 3): the order yields an unsigned
/// [`billing::BillingKeyRequest`]; signing (`hashdata`) stays in [`billing`].
///
/// Field roles (by attribute or by field name, `skip` to opt out), with the
/// inibill sizes of [`billing::limits`]:
///
/// | role | field | accepted types | limit |
/// |---|---|---|---|
/// | `order_id` (required) | `orderid` | text | 64 bytes |
/// | `amount` (required) | `price` | `u8`..`u64`, [`Amount`] | 12 digits |
/// | `goods` (required) | `goodname` | text | 80 bytes |
/// | `buyer_name` (required) | `buyername` | text | 30 bytes |
/// | `buyer_phone` | `buyertel` (card only) | text or `Option` of it | 40 |
/// | `buyer_email` | `buyeremail` (card only) | text or `Option` of it | 60 |
/// | `merchant_data` | `p_noti` | text or `Option` of it (printable ASCII) | |
/// | `period` | `period` | [`billing::Period`] or `Option` of it | |
///
/// Struct attributes:
///
/// - `billing = card | phone(content | physical)` (required): the window,
///   and for phone billing its product kind (`type`).
/// - `flg_crypto`: `flg_crypto=Y`, an encrypted billkey and the
///   price-including `hashdata` (PROTOCOL.md 3.3 (S)).
/// - `below_1000`: `merchantreserved=below1000=Y`.
/// - `card_use = personal | corporate` (`carduse`, card only),
///   `period_custom = "..."` (card only, 24 bytes).
/// - `size_unit = utf8 | euc_kr`: how byte limits count (see
///   [`billing::SizeUnit`]; UTF-8 by default, Hangul = 3 bytes). Literals are
///   checked at compile time in this unit.
/// - Literal defaults: `goods = "..."`, `buyer_name = "..."`,
///   `merchant_data = "..."`, `period = "M2" | "Y2" | "YYYYMMDDYYYYMMDD"`
///   (phone billing: `M2` or `Y2` only).
/// - `crate = "path::to::inipay_core"`.
///
/// Compile errors: a missing role or kind, phone billing without its product
/// kind, a card-only role or option on a phone order, a literal over its
/// size, `Text<N>` over a limit, and the checks shared with
/// [`derive(Order)`](macro@Order) (unknown keys, duplicates, float amounts).
///
/// ```
/// use inipay_core::BillingOrder;
/// use inipay_core::billing::{BillingKind, HashVersion};
///
/// #[derive(BillingOrder)]
/// #[inipay(billing = card, period = "M2", goods = "월 구독", flg_crypto)]
/// struct Plan { order_id: String, amount: u32, buyer_name: String }
///
/// let plan = Plan { order_id: "BILL-1".into(), amount: 9_900, buyer_name: "홍길동".into() };
/// let req = plan.billing_request("https://shop.example.com/bill/return")?;
/// assert_eq!(Plan::KIND, BillingKind::Card);
/// assert_eq!((req.goods.as_str(), req.hash_version()), ("월 구독", HashVersion::V2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "derive")]
pub use inipay_macros::BillingOrder;

/// Declares a merchant as a checked constant: a [`spec::MerchantSpec`] whose
/// [`load`](spec::MerchantSpec::load) reads the secrets from environment
/// variables and yields the core [`Merchant`].
///
/// Keys (each at most once, in any order):
///
/// - `mid: "..."` (required): 10 ASCII letters or digits.
/// - `mode: test | production` (required).
/// - `endpoints:` `sandbox("http://127.0.0.1:8081")`, `sandbox(env("VAR"))`,
///   `inicis_staging` (test mode; the default for test) or `production`
///   (the default for production).
/// - `keys: { slot: env("VAR"), ... }` with slots `mobile_hash_key`,
///   `inilite_key`, `iniapi_key`, `iniapi_iv`, `sign_key`. A string literal
///   instead of `env(...)` is allowed only in test mode for INICIS's public
///   test MIDs (`INIpayTest`, `iniescrow0`, `INIBillTst`), whose keys are
///   published: **a literal secret in production mode is a compile error.**
/// - `methods: [card, bank, vbank, phone(physical), culture, happy_money, smart_culture]`.
/// - `defaults: { merchant_name: "...", charset: utf8 | euc_kr }`.
/// - `crate: "path::to::inipay_core"`.
///
/// Compile-time checks: the MID's shape, a public test MID in production,
/// unknown keys, slots, methods and options (with "did you mean"), duplicate
/// keys, environment-variable names, endpoints that do not match the mode.
/// At run time a missing variable is [`spec::SpecError::MissingEnv`], naming
/// the variable and never a value.
///
/// ```
/// use inipay_core::merchant;
/// use inipay_core::spec::{MerchantSpec, SpecError};
///
/// static SHOP: MerchantSpec = merchant! {
///     mid: "MYSHOP0001",
///     mode: production,
///     keys: { mobile_hash_key: env("SHOP_HASH_KEY"), iniapi_key: env("SHOP_API_KEY") },
///     methods: [card, vbank, phone(physical)],
///     defaults: { merchant_name: "내 상점", charset: utf8 },
/// };
///
/// let err = SHOP.load_with(|var| (var == "SHOP_HASH_KEY").then(|| "0123456789ABCDEF".into()));
/// assert!(matches!(err, Err(SpecError::MissingEnv { var: "SHOP_API_KEY", .. })));
///
/// // The public test MID may carry its published key as a literal.
/// let test = merchant! {
///     mid: "INIpayTest",
///     mode: test,
///     endpoints: sandbox("http://127.0.0.1:8081"),
///     keys: { mobile_hash_key: "3CB8183A4BE283555ACC8363C0360223" },
/// };
/// assert_eq!(test.load()?.mid().as_str(), "INIpayTest");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A secret written into a production declaration does not compile:
///
/// ```compile_fail
/// static SHOP: inipay_core::spec::MerchantSpec = inipay_core::merchant! {
///     mid: "MYSHOP0001",
///     mode: production,
///     keys: { iniapi_key: "s3cr3t-in-source" },
/// };
/// ```
#[cfg(feature = "derive")]
pub use inipay_macros::merchant;
