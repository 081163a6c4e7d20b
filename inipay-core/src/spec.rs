//! A merchant declared as static data, as `merchant! { ... }` (feature
//! `derive`) writes it: the MID and mode are literals checked at compile
//! time, secrets are named environment variables read at run time.
//!
//! [`MerchantSpec::load`] reads the process environment and yields the core
//! [`Merchant`]; [`MerchantSpec::load_with`] takes any lookup (tests, a
//! secrets manager). A missing variable is a [`SpecError::MissingEnv`] naming
//! the variable, never its value.
//!
//! ```
//! use inipay_core::config::Mode;
//! use inipay_core::spec::{EndpointSpec, KeySlot, MerchantSpec, Secret, SpecError};
//! use inipay_core::mobile::Method;
//!
//! static SHOP: MerchantSpec = MerchantSpec::new("MYSHOP0001", Mode::Production, EndpointSpec::Production)
//!     .with_keys(&[(KeySlot::MobileHashKey, Secret::Env("SHOP_HASH_KEY"))])
//!     .with_methods(&[Method::Card]);
//!
//! let missing = SHOP.load_with(|_| None).unwrap_err();
//! assert_eq!(missing.to_string(), "environment variable SHOP_HASH_KEY (the mobile HashKey) is not set");
//! let merchant = SHOP
//!     .load_with(|var| (var == "SHOP_HASH_KEY").then(|| "0123456789ABCDEF0123456789ABCDEF".to_owned()))
//!     .unwrap();
//! assert_eq!(merchant.mid().as_str(), "MYSHOP0001");
//! assert!(matches!(SpecError::MissingEnv { var: "X", key: KeySlot::IniapiKey }, SpecError::MissingEnv { .. }));
//! ```

use crate::config::{ConfigError, Endpoints, Keys, Merchant, Mode};
use crate::encoding::Charset;
use crate::mobile::Method;
use secrecy::SecretString;
use std::fmt;

/// Where a merchant's endpoints point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointSpec {
    /// A local sandbox at this base URL (test mode).
    Sandbox(&'static str),
    /// A local sandbox whose base URL is read from this environment variable
    /// (test mode).
    SandboxFromEnv(&'static str),
    /// INICIS staging for the public test MIDs (test mode).
    InicisStaging,
    /// INICIS production.
    Production,
}

/// One of the merchant's secrets (PROTOCOL.md 1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeySlot {
    /// Mobile HashKey (모바일 금액위변조 Hashkey), for `P_CHKFAKE`.
    MobileHashKey,
    /// INILite key, for billing-key `hashdata` and billkey AES.
    IniliteKey,
    /// INIAPI key.
    IniapiKey,
    /// INIAPI IV.
    IniapiIv,
    /// signKey.
    SignKey,
}

impl fmt::Display for KeySlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeySlot::MobileHashKey => "mobile HashKey",
            KeySlot::IniliteKey => "INILite key",
            KeySlot::IniapiKey => "INIAPI key",
            KeySlot::IniapiIv => "INIAPI IV",
            KeySlot::SignKey => "signKey",
        })
    }
}

/// Where a secret comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// Read from this environment variable at run time.
    Env(&'static str),
    /// A literal: `merchant!` allows it only for INICIS's public test MIDs in
    /// test mode, whose keys are published (PROTOCOL.md 1.3).
    Published(&'static str),
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Env(v) => f.debug_tuple("Env").field(v).finish(),
            Secret::Published(_) => f.write_str("Published([REDACTED])"),
        }
    }
}

/// Why a [`MerchantSpec`] could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// An environment variable the spec names is not set (or empty).
    #[error("environment variable {var} (the {key}) is not set")]
    MissingEnv {
        /// The variable.
        var: &'static str,
        /// The secret it holds.
        key: KeySlot,
    },
    /// The sandbox base-URL variable is not set.
    #[error("environment variable {0} (the sandbox base URL) is not set")]
    MissingSandboxUrl(&'static str),
    /// The values do not make a valid merchant.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// A merchant declared as static data: see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MerchantSpec {
    mid: &'static str,
    mode: Mode,
    endpoints: EndpointSpec,
    keys: &'static [(KeySlot, Secret)],
    methods: &'static [Method],
    merchant_name: Option<&'static str>,
    result_charset: Option<Charset>,
}

impl MerchantSpec {
    /// A spec with no keys, methods or defaults.
    pub const fn new(mid: &'static str, mode: Mode, endpoints: EndpointSpec) -> MerchantSpec {
        MerchantSpec {
            mid,
            mode,
            endpoints,
            keys: &[],
            methods: &[],
            merchant_name: None,
            result_charset: None,
        }
    }

    /// Sets where each secret comes from.
    #[must_use]
    pub const fn with_keys(mut self, keys: &'static [(KeySlot, Secret)]) -> MerchantSpec {
        self.keys = keys;
        self
    }

    /// Sets the payment methods the merchant's contract covers.
    #[must_use]
    pub const fn with_methods(mut self, methods: &'static [Method]) -> MerchantSpec {
        self.methods = methods;
        self
    }

    /// Sets the default `P_MNAME` shown in the payment window.
    #[must_use]
    pub const fn with_merchant_name(mut self, name: &'static str) -> MerchantSpec {
        self.merchant_name = Some(name);
        self
    }

    /// Sets the default `P_CHARSET` of results.
    #[must_use]
    pub const fn with_result_charset(mut self, charset: Charset) -> MerchantSpec {
        self.result_charset = Some(charset);
        self
    }

    /// The MID.
    pub const fn mid(&self) -> &'static str {
        self.mid
    }
    /// Test or production.
    pub const fn mode(&self) -> Mode {
        self.mode
    }
    /// The endpoints.
    pub const fn endpoints(&self) -> EndpointSpec {
        self.endpoints
    }
    /// Where each secret comes from.
    pub const fn keys(&self) -> &'static [(KeySlot, Secret)] {
        self.keys
    }
    /// The declared payment methods.
    pub const fn methods(&self) -> &'static [Method] {
        self.methods
    }
    /// The default merchant name.
    pub const fn merchant_name(&self) -> Option<&'static str> {
        self.merchant_name
    }
    /// The default result charset.
    pub const fn result_charset(&self) -> Option<Charset> {
        self.result_charset
    }

    /// Builds the [`Merchant`], reading secrets from the process environment.
    pub fn load(&self) -> Result<Merchant, SpecError> {
        self.load_with(|var| std::env::var(var).ok())
    }

    /// Builds the [`Merchant`], reading secrets through `lookup` (a variable
    /// name in, its value out). An empty value counts as missing.
    pub fn load_with(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Merchant, SpecError> {
        let mut keys = Keys::default();
        for (slot, source) in self.keys {
            let value = match source {
                Secret::Published(v) => (*v).to_owned(),
                Secret::Env(var) => lookup(var)
                    .filter(|v| !v.is_empty())
                    .ok_or(SpecError::MissingEnv { var, key: *slot })?,
            };
            let value = Some(SecretString::from(value));
            match slot {
                KeySlot::MobileHashKey => keys.mobile_hash_key = value,
                KeySlot::IniliteKey => keys.inilite_key = value,
                KeySlot::IniapiKey => keys.iniapi_key = value,
                KeySlot::IniapiIv => keys.iniapi_iv = value,
                KeySlot::SignKey => keys.sign_key = value,
            }
        }
        let merchant = match self.endpoints {
            EndpointSpec::Production => {
                Merchant::production(self.mid, keys, Endpoints::production())?
            }
            EndpointSpec::InicisStaging => {
                Merchant::test(self.mid, keys, Endpoints::inicis_staging())?
            }
            EndpointSpec::Sandbox(url) => Merchant::test(self.mid, keys, Endpoints::sandbox(url)?)?,
            EndpointSpec::SandboxFromEnv(var) => {
                let url = lookup(var)
                    .filter(|v| !v.is_empty())
                    .ok_or(SpecError::MissingSandboxUrl(var))?;
                Merchant::test(self.mid, keys, Endpoints::sandbox(&url)?)?
            }
        };
        Ok(merchant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_keys;

    #[test]
    fn published_literals_load_in_test_mode() {
        static S: MerchantSpec = MerchantSpec::new(
            "INIpayTest",
            Mode::Test,
            EndpointSpec::Sandbox("http://127.0.0.1:8081"),
        )
        .with_keys(&[(
            KeySlot::MobileHashKey,
            Secret::Published(test_keys::INIPAYTEST_MOBILE_HASH_KEY),
        )]);
        let m = S.load_with(|_| None).unwrap();
        assert_eq!(m.mode(), Mode::Test);
        assert!(m.mobile_hash_key().is_ok());
        assert!(m.inilite_key().is_err());
    }

    #[test]
    fn missing_and_empty_env_name_the_variable() {
        static S: MerchantSpec = MerchantSpec::new(
            "INIpayTest",
            Mode::Test,
            EndpointSpec::SandboxFromEnv("SBX"),
        )
        .with_keys(&[(KeySlot::IniapiKey, Secret::Env("API_KEY"))]);
        assert_eq!(
            S.load_with(|_| Some(String::new())).unwrap_err(),
            SpecError::MissingEnv {
                var: "API_KEY",
                key: KeySlot::IniapiKey
            }
        );
        assert_eq!(
            S.load_with(|v| (v == "API_KEY").then(|| "k".to_owned()))
                .unwrap_err(),
            SpecError::MissingSandboxUrl("SBX")
        );
        let m = S
            .load_with(|v| {
                Some(
                    if v == "SBX" {
                        "http://127.0.0.1:9"
                    } else {
                        "k"
                    }
                    .to_owned(),
                )
            })
            .unwrap();
        assert_eq!(
            m.endpoints().mobile_payment,
            "http://127.0.0.1:9/smart/payment/"
        );
    }

    #[test]
    fn production_still_refuses_published_keys_at_run_time() {
        static S: MerchantSpec =
            MerchantSpec::new("MYSHOP0001", Mode::Production, EndpointSpec::Production)
                .with_keys(&[(KeySlot::IniapiKey, Secret::Env("K"))]);
        let e = S
            .load_with(|_| Some(test_keys::INIPAYTEST_INIAPI_KEY.to_owned()))
            .unwrap_err();
        assert!(matches!(
            e,
            SpecError::Config(ConfigError::TestKeyInProduction(_))
        ));
        let dbg = format!("{:?}", Secret::Published("secret-value"));
        assert!(!dbg.contains("secret-value"));
    }
}
