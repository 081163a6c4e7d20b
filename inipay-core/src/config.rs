//! Merchant configuration: MID, mode, secrets and endpoints.
//!
//! Test and production are distinct types: [`Endpoints<Test>`] can only point
//! at the local sandbox or INICIS's staging hosts, [`Endpoints<Production>`]
//! only at INICIS's production hosts, and a [`Merchant`] is built from one or
//! the other. A production merchant refuses the published test MIDs and keys
//! (PROTOCOL.md 1.3), so a copy-pasted sample key cannot go live.
//!
//! ```
//! use inipay_core::config::{Endpoints, Keys, Merchant, Mode, test_keys};
//!
//! let sandbox = Endpoints::sandbox("http://127.0.0.1:8081").unwrap();
//! let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(), sandbox).unwrap();
//! assert_eq!(merchant.mode(), Mode::Test);
//!
//! // Published test keys are refused in production:
//! let err = Merchant::production("MYSHOP0001", test_keys::inipay_test(), Endpoints::production());
//! assert!(err.is_err());
//! ```

use crate::types::{FieldError, Mid};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::marker::PhantomData;

/// Whether a merchant talks to a test or a production environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The local sandbox or INICIS staging; published test keys allowed.
    Test,
    /// INICIS production hosts; real keys only.
    Production,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Test => "test",
            Mode::Production => "production",
        })
    }
}

/// Type-level marker for test environments.
#[derive(Debug, Clone, Copy)]
pub enum Test {}
/// Type-level marker for production.
#[derive(Debug, Clone, Copy)]
pub enum Production {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Test {}
    impl Sealed for super::Production {}
}

/// [`Test`] or [`Production`].
pub trait Environment: sealed::Sealed {
    /// The runtime mode of this environment.
    const MODE: Mode;
}
impl Environment for Test {
    const MODE: Mode = Mode::Test;
}
impl Environment for Production {
    const MODE: Mode = Mode::Production;
}

/// Where each INICIS service lives, for one environment.
///
/// One value, so swapping INICIS for the sandbox is one line and no path is
/// hard-coded twice (ARCHITECTURE.md, contracts).
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoints<E: Environment> {
    urls: EndpointUrls,
    _env: PhantomData<E>,
}

/// The URLs of an [`Endpoints`] value, without the environment type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrls {
    /// Mobile WEB payment window (`.../smart/payment/`).
    pub mobile_payment: String,
    /// Origins (`scheme://host[:port]`) accepted as a `P_REQ_URL` / net-cancel
    /// host. The path must be `/smart/payReq.ini`.
    pub approval_origins: Vec<String>,
    /// inibill card billing-key window.
    pub inibill_card: String,
    /// inibill phone billing-key window.
    pub inibill_hpp: String,
    /// inilitepay billing-key window.
    pub inilitepay_billing: String,
    /// INIAPI base URL (`/api/v1/...` and `/v2/pg/...` are appended).
    pub iniapi_base: String,
}

impl<E: Environment> fmt::Debug for Endpoints<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoints")
            .field("mode", &E::MODE)
            .field("urls", &self.urls)
            .finish()
    }
}

impl<E: Environment> Endpoints<E> {
    /// The URLs.
    pub fn urls(&self) -> &EndpointUrls {
        &self.urls
    }
}

/// INICIS production origins for approval and net-cancel (PROTOCOL.md 1.1).
pub const PRODUCTION_APPROVAL_ORIGINS: [&str; 2] =
    ["https://fcmobile.inicis.com", "https://ksmobile.inicis.com"];
/// INICIS staging origin for approval and net-cancel.
pub const STAGING_APPROVAL_ORIGIN: &str = "https://stgmobile.inicis.com";

impl Endpoints<Production> {
    /// INICIS production (PROTOCOL.md 1.1).
    pub fn production() -> Endpoints<Production> {
        Endpoints {
            urls: EndpointUrls {
                mobile_payment: "https://mobile.inicis.com/smart/payment/".into(),
                approval_origins: PRODUCTION_APPROVAL_ORIGINS
                    .iter()
                    .map(|s| (*s).into())
                    .collect(),
                inibill_card: "https://inilite.inicis.com/inibill/inibill_card.jsp".into(),
                inibill_hpp: "https://inilite.inicis.com/inibill/inibill_hpp.jsp".into(),
                inilitepay_billing: "https://inilitepay.inicis.com/pay/card/billing".into(),
                iniapi_base: "https://iniapi.inicis.com".into(),
            },
            _env: PhantomData,
        }
    }
}

impl Endpoints<Test> {
    /// A local sandbox (or any non-INICIS test server) serving every INICIS
    /// path under `base_url`, e.g. `http://127.0.0.1:8081`.
    ///
    /// Refuses INICIS hosts, so a test configuration can never reach
    /// production.
    pub fn sandbox(base_url: &str) -> Result<Endpoints<Test>, ConfigError> {
        let base = base_url.trim_end_matches('/');
        let origin = origin_of(base).ok_or(ConfigError::BadUrl("sandbox base URL"))?;
        if host_of(&origin).is_some_and(|h| h == "inicis.com" || h.ends_with(".inicis.com")) {
            return Err(ConfigError::ProductionHostInTest);
        }
        Ok(Endpoints {
            urls: EndpointUrls {
                mobile_payment: format!("{base}/smart/payment/"),
                approval_origins: vec![origin],
                inibill_card: format!("{base}/inibill/inibill_card.jsp"),
                inibill_hpp: format!("{base}/inibill/inibill_hpp.jsp"),
                inilitepay_billing: format!("{base}/pay/card/billing"),
                iniapi_base: base.to_owned(),
            },
            _env: PhantomData,
        })
    }

    /// INICIS's staging services for the public test MIDs: the shared payment
    /// window (the MID decides test vs live, PROTOCOL.md 1.1), approval only on
    /// `stgmobile.inicis.com`, INIAPI on `stginiapi.inicis.com`.
    pub fn inicis_staging() -> Endpoints<Test> {
        Endpoints {
            urls: EndpointUrls {
                mobile_payment: "https://mobile.inicis.com/smart/payment/".into(),
                approval_origins: vec![STAGING_APPROVAL_ORIGIN.into()],
                inibill_card: "https://inilite.inicis.com/inibill/inibill_card.jsp".into(),
                inibill_hpp: "https://inilite.inicis.com/inibill/inibill_hpp.jsp".into(),
                inilitepay_billing: "https://inilitepay.inicis.com/pay/card/billing".into(),
                iniapi_base: "https://stginiapi.inicis.com".into(),
            },
            _env: PhantomData,
        }
    }
}

/// `scheme://host[:port]` of an absolute http(s) URL, lower-cased.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return None;
    }
    Some(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

fn host_of(origin: &str) -> Option<&str> {
    let rest = origin.split_once("://")?.1;
    if let Some(r) = rest.strip_prefix('[') {
        return r.split(']').next();
    }
    rest.split(':').next()
}

/// A merchant's four separate secrets (PROTOCOL.md 1.2). None is
/// interchangeable with another; each is optional because a merchant only
/// needs the ones of the products it uses.
#[derive(Clone, Default)]
pub struct Keys {
    /// Mobile "HashKey" (모바일 금액위변조 Hashkey), for `P_CHKFAKE`.
    pub mobile_hash_key: Option<SecretString>,
    /// INILite key, for inibill/inilitepay `hashdata` and billkey AES.
    pub inilite_key: Option<SecretString>,
    /// INIAPI key (16 ASCII characters), for `hashData` and `[ENC]` fields.
    pub iniapi_key: Option<SecretString>,
    /// INIAPI IV (16 ASCII characters, used raw, not Base64-decoded).
    pub iniapi_iv: Option<SecretString>,
    /// signKey (PC web-standard only; kept for completeness).
    pub sign_key: Option<SecretString>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = |k: &Option<SecretString>| if k.is_some() { "[REDACTED]" } else { "None" };
        f.debug_struct("Keys")
            .field("mobile_hash_key", &s(&self.mobile_hash_key))
            .field("inilite_key", &s(&self.inilite_key))
            .field("iniapi_key", &s(&self.iniapi_key))
            .field("iniapi_iv", &s(&self.iniapi_iv))
            .field("sign_key", &s(&self.sign_key))
            .finish()
    }
}

impl Keys {
    fn all(&self) -> impl Iterator<Item = (&'static str, &SecretString)> {
        [
            ("mobile_hash_key", &self.mobile_hash_key),
            ("inilite_key", &self.inilite_key),
            ("iniapi_key", &self.iniapi_key),
            ("iniapi_iv", &self.iniapi_iv),
            ("sign_key", &self.sign_key),
        ]
        .into_iter()
        .filter_map(|(n, k)| k.as_ref().map(|k| (n, k)))
    }
}

/// The published keys of INICIS's public test MIDs (PROTOCOL.md 1.3), for
/// tests and the sandbox only: [`Merchant::production`] refuses every one.
pub mod test_keys {
    use super::Keys;
    use secrecy::SecretString;

    /// The shared test signKey.
    pub const SIGN_KEY: &str = "SU5JTElURV9UUklQTEVERVNfS0VZU1RS";
    /// `INIpayTest` mobile HashKey.
    pub const INIPAYTEST_MOBILE_HASH_KEY: &str = "3CB8183A4BE283555ACC8363C0360223";
    /// `INIpayTest` INIAPI key.
    pub const INIPAYTEST_INIAPI_KEY: &str = "ItEQKi3rY7uvDS8l";
    /// `INIpayTest` INIAPI IV.
    pub const INIPAYTEST_INIAPI_IV: &str = "HYb3yQ4f65QL89==";
    /// `iniescrow0` mobile HashKey.
    pub const INIESCROW0_MOBILE_HASH_KEY: &str = "37F3A120C1DFCDEB708B00F5383D2263";
    /// `iniescrow0` INIAPI key.
    pub const INIESCROW0_INIAPI_KEY: &str = "yERbIlJ3NhTeObsA";
    /// `iniescrow0` INIAPI IV.
    pub const INIESCROW0_INIAPI_IV: &str = "tOGDXbfoajk2DQ==";
    /// `INIBillTst` INIAPI key.
    pub const INIBILLTST_INIAPI_KEY: &str = "rKnPljRn5m6J9Mzz";
    /// `INIBillTst` INIAPI IV.
    pub const INIBILLTST_INIAPI_IV: &str = "W2KLNKra6Wxc1P==";
    /// `INIBillTst` INILite key.
    pub const INIBILLTST_INILITE_KEY: &str = "b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09";
    /// A published IV that does NOT reproduce INICIS's AES example (A3).
    pub const WRONG_INIPAYTEST_IV: &str = "2IgsAQSbMqHkAkj3";

    /// Every published test secret.
    pub const ALL: [&str; 10] = [
        SIGN_KEY,
        INIPAYTEST_MOBILE_HASH_KEY,
        INIPAYTEST_INIAPI_KEY,
        INIPAYTEST_INIAPI_IV,
        INIESCROW0_MOBILE_HASH_KEY,
        INIESCROW0_INIAPI_KEY,
        INIESCROW0_INIAPI_IV,
        INIBILLTST_INIAPI_KEY,
        INIBILLTST_INIAPI_IV,
        INIBILLTST_INILITE_KEY,
    ];

    fn s(v: &str) -> Option<SecretString> {
        Some(SecretString::from(v.to_owned()))
    }

    /// Keys of `INIpayTest` (general payments).
    pub fn inipay_test() -> Keys {
        Keys {
            mobile_hash_key: s(INIPAYTEST_MOBILE_HASH_KEY),
            inilite_key: None,
            iniapi_key: s(INIPAYTEST_INIAPI_KEY),
            iniapi_iv: s(INIPAYTEST_INIAPI_IV),
            sign_key: s(SIGN_KEY),
        }
    }

    /// Keys of `iniescrow0` (escrow).
    pub fn iniescrow0() -> Keys {
        Keys {
            mobile_hash_key: s(INIESCROW0_MOBILE_HASH_KEY),
            inilite_key: None,
            iniapi_key: s(INIESCROW0_INIAPI_KEY),
            iniapi_iv: s(INIESCROW0_INIAPI_IV),
            sign_key: s(SIGN_KEY),
        }
    }

    /// Keys of `INIBillTst` (billing).
    pub fn ini_bill_tst() -> Keys {
        Keys {
            mobile_hash_key: None,
            inilite_key: s(INIBILLTST_INILITE_KEY),
            iniapi_key: s(INIBILLTST_INIAPI_KEY),
            iniapi_iv: s(INIBILLTST_INIAPI_IV),
            sign_key: s(SIGN_KEY),
        }
    }
}

/// A configuration mistake.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The MID is malformed.
    #[error("invalid MID: {0}")]
    Mid(#[source] FieldError),
    /// A production merchant uses one of INICIS's public test MIDs.
    #[error("MID {0} is a public INICIS test MID and cannot be used in production")]
    TestMidInProduction(String),
    /// A production merchant carries a published test key.
    #[error("{0} is a published INICIS test key and cannot be used in production")]
    TestKeyInProduction(&'static str),
    /// A test configuration points at an INICIS host.
    #[error("a test configuration cannot point at INICIS hosts; use Endpoints::inicis_staging()")]
    ProductionHostInTest,
    /// A URL is not an absolute http(s) URL.
    #[error("{0} must be an absolute http:// or https:// URL")]
    BadUrl(&'static str),
    /// A key needed for an operation is not configured.
    #[error("the {0} is not configured for this merchant")]
    MissingKey(&'static str),
    /// A key has the wrong length.
    #[error("the {name} must be {expected} bytes, it is {actual}")]
    KeyLength {
        /// Which key.
        name: &'static str,
        /// Required length.
        expected: usize,
        /// Actual length.
        actual: usize,
    },
}

/// Who makes a request: recorded on every request the crate builds, so logs
/// and the ledger can tell test traffic from production.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The MID that made the request.
    pub mid: Mid,
    /// The mode it was made in.
    pub mode: Mode,
}

/// A merchant: MID, mode, secrets and endpoints.
///
/// Cheap to clone; share one per MID.
#[derive(Clone)]
pub struct Merchant {
    mid: Mid,
    mode: Mode,
    keys: Keys,
    urls: EndpointUrls,
}

impl fmt::Debug for Merchant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Merchant")
            .field("mid", &self.mid)
            .field("mode", &self.mode)
            .field("keys", &self.keys)
            .field("urls", &self.urls)
            .finish()
    }
}

impl Merchant {
    /// A merchant on a test environment (sandbox or INICIS staging).
    pub fn test(
        mid: &str,
        keys: Keys,
        endpoints: Endpoints<Test>,
    ) -> Result<Merchant, ConfigError> {
        let mid = Mid::new(mid).map_err(ConfigError::Mid)?;
        Ok(Merchant {
            mid,
            mode: Mode::Test,
            keys,
            urls: endpoints.urls,
        })
    }

    /// A merchant on INICIS production. Refuses the public test MIDs and every
    /// published test key.
    pub fn production(
        mid: &str,
        keys: Keys,
        endpoints: Endpoints<Production>,
    ) -> Result<Merchant, ConfigError> {
        let mid = Mid::new(mid).map_err(ConfigError::Mid)?;
        if mid.is_published_test_mid() {
            return Err(ConfigError::TestMidInProduction(mid.as_str().to_owned()));
        }
        for (name, key) in keys.all() {
            let k = key.expose_secret();
            if test_keys::ALL
                .iter()
                .any(|t| crate::crypto::ct_eq_str(t, k))
            {
                return Err(ConfigError::TestKeyInProduction(name));
            }
        }
        Ok(Merchant {
            mid,
            mode: Mode::Production,
            keys,
            urls: endpoints.urls,
        })
    }

    /// The MID.
    pub fn mid(&self) -> &Mid {
        &self.mid
    }

    /// Test or production.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The MID and mode, as recorded on each request.
    pub fn origin(&self) -> Origin {
        Origin {
            mid: self.mid.clone(),
            mode: self.mode,
        }
    }

    /// The configured secrets.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The endpoint URLs.
    pub fn endpoints(&self) -> &EndpointUrls {
        &self.urls
    }

    /// The mobile HashKey, or [`ConfigError::MissingKey`].
    pub fn mobile_hash_key(&self) -> Result<&SecretString, ConfigError> {
        self.keys
            .mobile_hash_key
            .as_ref()
            .ok_or(ConfigError::MissingKey("mobile HashKey"))
    }

    /// The INILite key, or [`ConfigError::MissingKey`].
    pub fn inilite_key(&self) -> Result<&SecretString, ConfigError> {
        self.keys
            .inilite_key
            .as_ref()
            .ok_or(ConfigError::MissingKey("INILite key"))
    }

    /// The INIAPI key, or [`ConfigError::MissingKey`].
    pub fn iniapi_key(&self) -> Result<&SecretString, ConfigError> {
        self.keys
            .iniapi_key
            .as_ref()
            .ok_or(ConfigError::MissingKey("INIAPI key"))
    }

    /// The INIAPI IV, or [`ConfigError::MissingKey`].
    pub fn iniapi_iv(&self) -> Result<&SecretString, ConfigError> {
        self.keys
            .iniapi_iv
            .as_ref()
            .ok_or(ConfigError::MissingKey("INIAPI IV"))
    }

    /// Whether `url` is an allowed approval/net-cancel URL for this merchant:
    /// its origin is one of the configured approval origins and its path is
    /// `/smart/payReq.ini` (PROTOCOL.md 1.1, 2.4: never call an unchecked
    /// `P_REQ_URL`; the allow-list prevents SSRF).
    ///
    /// ```
    /// use inipay_core::config::{Endpoints, Merchant, test_keys};
    /// let m = Merchant::test("INIpayTest", test_keys::inipay_test(),
    ///     Endpoints::sandbox("http://127.0.0.1:8081").unwrap()).unwrap();
    /// assert!(m.is_allowed_approval_url("http://127.0.0.1:8081/smart/payReq.ini"));
    /// assert!(!m.is_allowed_approval_url("https://ksmobile.inicis.com/smart/payReq.ini"));
    /// assert!(!m.is_allowed_approval_url("http://127.0.0.1:8081/other"));
    /// ```
    pub fn is_allowed_approval_url(&self, url: &str) -> bool {
        let Some(origin) = origin_of(url) else {
            return false;
        };
        let (_, rest) = url.split_at(origin.len().min(url.len()));
        let path = rest.split(['?', '#']).next().unwrap_or("");
        path == "/smart/payReq.ini" && self.urls.approval_origins.contains(&origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_refuses_inicis_hosts() {
        assert_eq!(
            Endpoints::sandbox("https://ksmobile.inicis.com").unwrap_err(),
            ConfigError::ProductionHostInTest
        );
        assert_eq!(
            Endpoints::sandbox("ftp://x").unwrap_err(),
            ConfigError::BadUrl("sandbox base URL")
        );
        let e = Endpoints::sandbox("http://127.0.0.1:9/").unwrap();
        assert_eq!(e.urls().mobile_payment, "http://127.0.0.1:9/smart/payment/");
    }

    #[test]
    fn production_refuses_each_test_key() {
        for k in test_keys::ALL {
            let keys = Keys {
                iniapi_key: Some(SecretString::from(k.to_owned())),
                ..Keys::default()
            };
            assert!(matches!(
                Merchant::production("MYSHOP0001", keys, Endpoints::production()),
                Err(ConfigError::TestKeyInProduction("iniapi_key"))
            ));
        }
        for mid in Mid::PUBLISHED_TEST_MIDS {
            assert!(matches!(
                Merchant::production(mid, Keys::default(), Endpoints::production()),
                Err(ConfigError::TestMidInProduction(_))
            ));
        }
        let ok = Merchant::production(
            "MYSHOP0001",
            Keys {
                mobile_hash_key: Some(SecretString::from(
                    "0123456789ABCDEF0123456789ABCDEF".to_owned(),
                )),
                ..Keys::default()
            },
            Endpoints::production(),
        )
        .unwrap();
        assert_eq!(ok.origin().mode, Mode::Production);
        assert!(ok.is_allowed_approval_url("https://fcmobile.inicis.com/smart/payReq.ini"));
        assert!(!ok.is_allowed_approval_url("https://stgmobile.inicis.com/smart/payReq.ini"));
        assert!(!ok.is_allowed_approval_url("https://evil.example/smart/payReq.ini"));
        assert!(
            !ok.is_allowed_approval_url(
                "https://ksmobile.inicis.com.evil.example/smart/payReq.ini"
            )
        );
    }

    #[test]
    fn debug_never_shows_keys() {
        let m = Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::inicis_staging(),
        )
        .unwrap();
        let d = format!("{m:?}");
        for k in test_keys::ALL {
            assert!(!d.contains(k), "{d}");
        }
    }
}
