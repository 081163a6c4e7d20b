//! Configuration from the environment (`INICIS_*` variables), the way a
//! deployed app is configured: the merchant, the flow's routes, the ledger's
//! URL and the billing-key sealing key, checked as the types check them.
//!
//! | variable | required | meaning |
//! |---|---|---|
//! | `INICIS_MODE` | yes | `test` or `production`; nothing is assumed |
//! | `INICIS_MID` | yes | the merchant id (상점아이디) |
//! | `INICIS_PUBLIC_URL` | yes | the app's public origin as INICIS and buyers reach it (`https://` in production, [`Flow::deployment_problems`](crate::flow::Flow::deployment_problems)) |
//! | `INICIS_MOUNT` | no (`/inicis`) | where the adapter mounts the routes |
//! | `INICIS_HASH_KEY` | for mobile payments | the mobile HashKey (`P_CHKFAKE`) |
//! | `INICIS_INILITE_KEY` | for billing keys | the INILite key (`hashdata`, billkey AES) |
//! | `INICIS_INIAPI_KEY`, `INICIS_INIAPI_IV` | for refunds, charges, inquiries | INIAPI key and IV (16 characters each) |
//! | `INICIS_SANDBOX_URL` | no (test mode only) | a local sandbox's base URL; without it a test merchant uses INICIS's staging hosts; refused in production |
//! | `INICIS_LEDGER_URL` | no | `sqlite:PATH` or `postgres://...` |
//! | `INICIS_BILLKEY_SEAL_KEY` | for billing keys | 64 hex digits: the AES-256 key that seals billing keys in the ledger |
//! | `INICIS_BILLKEY_SEAL_KEY_ID` | no (`k1`) | its name (for rotation) |
//! | `INICIS_NOTI_SOURCES` | no | notification sender addresses, comma-separated (default: the mode's, [`default_noti_sources`](crate::flow::default_noti_sources)) |
//! | `INICIS_CLIENT_IP` | no (`127.0.0.1`) | this server's address, sent as INIAPI's `clientIp` (inquiries, refunds) |
//!
//! A test merchant with one of INICIS's public test MIDs (`INIpayTest`,
//! `INIBillTst`, `iniescrow0`) and no key variable gets that MID's published
//! keys; a production merchant never does, and refuses them
//! ([`Merchant::production`]). An empty variable is a missing one. Error
//! messages name the variable, never its value.
//!
//! ```
//! use inipay_core::settings::Settings;
//!
//! let settings = Settings::from_vars([
//!     ("INICIS_MODE", "test"),
//!     ("INICIS_MID", "INIpayTest"),
//!     ("INICIS_PUBLIC_URL", "http://127.0.0.1:8080"),
//!     ("INICIS_SANDBOX_URL", "http://127.0.0.1:8081"),
//!     ("INICIS_LEDGER_URL", "sqlite:shop.db"),
//! ])?;
//! assert_eq!(settings.merchant.mid().as_str(), "INIpayTest");
//! assert_eq!(settings.flow.noti_url(), "http://127.0.0.1:8080/inicis/noti");
//! assert_eq!(settings.ledger_url.as_deref(), Some("sqlite:shop.db"));
//! assert!(settings.billing.is_none(), "no sealing key, no billing keys");
//!
//! let err = Settings::from_vars([("INICIS_MODE", "production"), ("INICIS_MID", "INIpayTest")])
//!     .unwrap_err();
//! assert_eq!(err.to_string(), "INICIS_PUBLIC_URL is not set");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::config::{ConfigError, Endpoints, Keys, Merchant, Mode, test_keys};
use crate::flow::{BillingConfig, FlowConfig, RefundConfig};
use crate::iniapi::ClientIp;
use crate::ledger::BillkeyKey;
use crate::mobile::NotiIpAllowList;
use secrecy::SecretString;
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

/// The mount used when `INICIS_MOUNT` is not set.
pub const DEFAULT_MOUNT: &str = "/inicis";

/// Everything an app needs to build its [`Flow`](crate::flow::Flow) and
/// ledger. `Debug` shows no secret.
#[derive(Clone)]
#[non_exhaustive]
pub struct Settings {
    /// The merchant (MID, mode, keys, endpoints).
    pub merchant: Merchant,
    /// The flow's routes and notification sources.
    pub flow: FlowConfig,
    /// The ledger's URL, when given.
    pub ledger_url: Option<String>,
    /// Billing-key settings, when a sealing key is given.
    pub billing: Option<BillingConfig>,
    /// Refund settings (this server's `clientIp`).
    pub refunds: RefundConfig,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("merchant", &self.merchant)
            .field("mount", &self.flow.mount)
            .field("public_base_url", &self.flow.public_base_url)
            .field("ledger", &self.ledger_url.as_deref().map(redact_url))
            .field("billing", &self.billing)
            .field("refunds", &self.refunds)
            .finish()
    }
}

/// Why the configuration could not be loaded. Names the variable, never its
/// value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A required variable is not set (or empty).
    #[error("{0} is not set")]
    Missing(&'static str),
    /// A variable's value is not acceptable.
    #[error("{name}: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong with it (never the value itself).
        reason: &'static str,
    },
    /// The merchant configuration is refused by the types (a test MID or
    /// key in production, a bad URL, ...).
    #[error("{name}: {source}")]
    Config {
        /// The variable it came from.
        name: &'static str,
        /// Why.
        #[source]
        source: ConfigError,
    },
}

impl Settings {
    /// Loads from the process environment.
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_vars(std::env::vars())
    }

    /// Loads from `vars` (name, value) pairs; names not starting with
    /// `INICIS_` are ignored. The same rules as [`Settings::from_env`],
    /// testable without touching the process environment.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Settings, SettingsError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let vars: HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .filter(|(k, v)| k.starts_with("INICIS_") && !v.trim().is_empty())
            .collect();
        let get = |name: &'static str| vars.get(name).map(|v| v.trim().to_owned());
        let need = |name: &'static str| get(name).ok_or(SettingsError::Missing(name));

        let mode = match need("INICIS_MODE")?.as_str() {
            "test" => Mode::Test,
            "production" => Mode::Production,
            _ => {
                return Err(SettingsError::Invalid {
                    name: "INICIS_MODE",
                    reason: "must be `test` or `production`",
                });
            }
        };
        let mid = need("INICIS_MID")?;
        let public_url = need("INICIS_PUBLIC_URL")?;
        let mount = get("INICIS_MOUNT").unwrap_or_else(|| DEFAULT_MOUNT.to_owned());
        let secret = |name: &'static str| get(name).map(SecretString::from);
        let given = Keys {
            mobile_hash_key: secret("INICIS_HASH_KEY"),
            inilite_key: secret("INICIS_INILITE_KEY"),
            iniapi_key: secret("INICIS_INIAPI_KEY"),
            iniapi_iv: secret("INICIS_INIAPI_IV"),
            sign_key: None,
        };
        let no_keys = given.mobile_hash_key.is_none()
            && given.inilite_key.is_none()
            && given.iniapi_key.is_none()
            && given.iniapi_iv.is_none();
        let config = |name| move |source| SettingsError::Config { name, source };
        let merchant = match mode {
            Mode::Test => {
                let keys = match mid.as_str() {
                    "INIpayTest" if no_keys => test_keys::inipay_test(),
                    "INIBillTst" if no_keys => test_keys::ini_bill_tst(),
                    "iniescrow0" if no_keys => test_keys::iniescrow0(),
                    _ => given,
                };
                let endpoints = match get("INICIS_SANDBOX_URL") {
                    Some(url) => Endpoints::sandbox(&url).map_err(config("INICIS_SANDBOX_URL"))?,
                    None => Endpoints::inicis_staging(),
                };
                Merchant::test(&mid, keys, endpoints).map_err(config("INICIS_MID"))?
            }
            Mode::Production => {
                if get("INICIS_SANDBOX_URL").is_some() {
                    return Err(SettingsError::Invalid {
                        name: "INICIS_SANDBOX_URL",
                        reason: "a production merchant talks to INICIS only; unset it",
                    });
                }
                Merchant::production(&mid, given, Endpoints::production())
                    .map_err(config("INICIS_MID / key variables"))?
            }
        };
        let mut flow = FlowConfig::new(&public_url, &mount).map_err(config("INICIS_PUBLIC_URL"))?;
        if let Some(list) = get("INICIS_NOTI_SOURCES") {
            let ips = list
                .split(',')
                .map(|s| s.trim().parse::<IpAddr>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| SettingsError::Invalid {
                    name: "INICIS_NOTI_SOURCES",
                    reason: "must be IP addresses separated by commas",
                })?;
            flow.noti_sources = Some(NotiIpAllowList::new(ips));
        }
        let client_ip = match get("INICIS_CLIENT_IP") {
            None => ClientIp::from(IpAddr::from([127, 0, 0, 1])),
            Some(ip) => ClientIp::parse(&ip).map_err(|_| SettingsError::Invalid {
                name: "INICIS_CLIENT_IP",
                reason: "must be an IP address",
            })?,
        };
        flow.confirm.client_ip = client_ip;
        let ledger_url = get("INICIS_LEDGER_URL");
        if let Some(url) = &ledger_url
            && !(url.starts_with("sqlite:")
                || url.starts_with("postgres://")
                || url.starts_with("postgresql://"))
        {
            return Err(SettingsError::Invalid {
                name: "INICIS_LEDGER_URL",
                reason: "must be sqlite:PATH or postgres://user@host:port/database",
            });
        }
        let billing = match get("INICIS_BILLKEY_SEAL_KEY") {
            None => None,
            Some(hex_key) => {
                let bad = SettingsError::Invalid {
                    name: "INICIS_BILLKEY_SEAL_KEY",
                    reason: "must be 64 hexadecimal digits (a 32-byte AES-256 key)",
                };
                let bytes = hex::decode(hex_key).map_err(|_| bad.clone())?;
                let id = get("INICIS_BILLKEY_SEAL_KEY_ID").unwrap_or_else(|| "k1".to_owned());
                let key = BillkeyKey::new(id, &bytes).map_err(|_| bad)?;
                Some(BillingConfig::new(key))
            }
        };
        Ok(Settings {
            merchant,
            flow,
            ledger_url,
            billing,
            refunds: RefundConfig::new(client_ip),
        })
    }
}

/// A ledger URL without a password.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(mode: &str, mid: &str) -> Vec<(&'static str, String)> {
        vec![
            ("INICIS_MODE", mode.to_owned()),
            ("INICIS_MID", mid.to_owned()),
            ("INICIS_PUBLIC_URL", "https://shop.example.com".to_owned()),
        ]
    }

    fn load(vars: Vec<(&'static str, String)>) -> Result<Settings, SettingsError> {
        Settings::from_vars(vars)
    }

    #[test]
    fn every_required_variable_is_named_when_missing() {
        for missing in ["INICIS_MODE", "INICIS_MID", "INICIS_PUBLIC_URL"] {
            let vars: Vec<_> = base("test", "INIpayTest")
                .into_iter()
                .filter(|(k, _)| *k != missing)
                .collect();
            assert_eq!(load(vars).unwrap_err(), SettingsError::Missing(missing));
        }
        let mut blank = base("test", "INIpayTest");
        blank[1].1 = "  ".into();
        assert_eq!(
            load(blank).unwrap_err(),
            SettingsError::Missing("INICIS_MID")
        );
        let mut odd = base("live", "INIpayTest");
        odd[0].1 = "live".into();
        assert!(matches!(
            load(odd).unwrap_err(),
            SettingsError::Invalid {
                name: "INICIS_MODE",
                ..
            }
        ));
    }

    #[test]
    fn test_mids_get_their_published_keys_only_in_test_mode() {
        let s = load(base("test", "INIBillTst")).unwrap();
        assert_eq!(s.merchant.mode(), Mode::Test);
        assert!(s.merchant.inilite_key().is_ok());
        assert!(
            s.merchant.endpoints().mobile_payment.contains("inicis.com"),
            "staging by default"
        );
        let e = load(base("production", "INIpayTest")).unwrap_err();
        assert!(
            matches!(
                e,
                SettingsError::Config {
                    source: ConfigError::TestMidInProduction(_),
                    ..
                }
            ),
            "{e}"
        );
        // A production MID with a published test key.
        let mut vars = base("production", "SHOPMID001");
        vars.push((
            "INICIS_HASH_KEY",
            test_keys::INIPAYTEST_MOBILE_HASH_KEY.to_owned(),
        ));
        let e = load(vars).unwrap_err();
        assert!(
            matches!(
                e,
                SettingsError::Config {
                    source: ConfigError::TestKeyInProduction(_),
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            !e.to_string()
                .contains(test_keys::INIPAYTEST_MOBILE_HASH_KEY)
        );
    }

    #[test]
    fn production_refuses_a_sandbox_and_takes_its_own_keys() {
        let mut vars = base("production", "SHOPMID001");
        vars.push(("INICIS_HASH_KEY", "0123456789ABCDEF0123456789ABCDEF".into()));
        vars.push(("INICIS_SANDBOX_URL", "http://127.0.0.1:8081".into()));
        assert!(matches!(
            load(vars.clone()).unwrap_err(),
            SettingsError::Invalid {
                name: "INICIS_SANDBOX_URL",
                ..
            }
        ));
        vars.pop();
        let s = load(vars).unwrap();
        assert_eq!(s.merchant.mode(), Mode::Production);
        assert!(s.merchant.mobile_hash_key().is_ok());
        let debug = format!("{s:?}");
        assert!(!debug.contains("0123456789ABCDEF"), "{debug}");
    }

    #[test]
    fn ledger_noti_sources_and_sealing_key() {
        let mut vars = base("test", "INIBillTst");
        vars.push((
            "INICIS_LEDGER_URL",
            "postgres://shop:secret@127.0.0.1:5432/shop".into(),
        ));
        vars.push(("INICIS_NOTI_SOURCES", "127.0.0.1, ::1".into()));
        vars.push(("INICIS_BILLKEY_SEAL_KEY", "ab".repeat(32)));
        vars.push(("INICIS_MOUNT", "pay".into()));
        vars.push(("INICIS_CLIENT_IP", "10.1.2.3".into()));
        let s = load(vars.clone()).unwrap();
        assert_eq!(s.flow.mount, "/pay");
        assert_eq!(s.flow.confirm.client_ip.to_string(), "10.1.2.3");
        assert_eq!(s.refunds.client_ip.to_string(), "10.1.2.3");
        let sources = s.flow.noti_sources.as_ref().unwrap();
        assert!(sources.allows("127.0.0.1".parse().unwrap()));
        assert!(!sources.allows("203.238.37.15".parse().unwrap()));
        assert!(s.billing.is_some());
        let debug = format!("{s:?}");
        assert!(
            !debug.contains("secret") && !debug.contains(&"ab".repeat(32)),
            "{debug}"
        );
        for (name, value) in [
            ("INICIS_LEDGER_URL", "mysql://x"),
            ("INICIS_NOTI_SOURCES", "127.0.0.1, inicis"),
            ("INICIS_BILLKEY_SEAL_KEY", "abcd"),
            ("INICIS_CLIENT_IP", "server-1"),
        ] {
            let mut bad = vars.clone();
            bad.retain(|(k, _)| *k != name);
            bad.push((name, value.into()));
            let e = load(bad).unwrap_err();
            assert!(
                matches!(e, SettingsError::Invalid { name: n, .. } if n == name),
                "{e}"
            );
            assert!(!e.to_string().contains(value), "{e}");
        }
    }
}
