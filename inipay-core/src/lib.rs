//! # inipay-core
//!
//! KG INICIS payments for Rust: the protocol layer (INIpay Mobile WEB, mobile
//! billing keys, INIAPI), EUC-KR, configuration and the gateway client.
//!
//! Protocol modules are pure: they build and sign requests and parse replies,
//! with no sockets and no clocks (time is passed in). The [`client`] module
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
pub mod time;
pub mod types;

pub use config::{Endpoints, Keys, Merchant, Mode};
pub use types::{Amount, Mid, OrderId, Text, Tid};

/// Not public API: the items `#[derive(Order)]` and `merchant!` expand to.
#[doc(hidden)]
pub mod __private {}
