//! Sandbox configuration: port, merchants and their keys, notification
//! schedule, clock, and the switches for behaviour PROTOCOL.md marks uncertain.
//!
//! ```
//! use inipay_sandbox::{SandboxConfig, clock::Clock};
//! use std::time::Duration;
//! let cfg = SandboxConfig::default()
//!     .with_clock(Clock::manual(1_704_078_000_000))
//!     .with_noti_schedule(Duration::from_millis(10), Duration::from_millis(50));
//! assert!(cfg.merchant("INIpayTest").is_some());
//! assert_eq!(cfg.noti_retry_interval, Duration::from_millis(10));
//! ```

use crate::clock::Clock;
use std::fmt;
use std::time::Duration;

/// The published test keys (PROTOCOL.md 1.3), duplicated here on purpose so
/// the sandbox shares nothing with the client.
pub mod test_keys {
    /// `INIpayTest` mobile HashKey (P_CHKFAKE).
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
    /// `INIBillTst` INILite key (inibill hashdata, encrypted billkey).
    pub const INIBILLTST_INILITE_KEY: &str = "b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09";
}

/// One merchant the sandbox knows: its MID and keys. A MID not configured is
/// an "unknown MID" error everywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct MerchantKeys {
    /// The MID (10 characters).
    pub mid: String,
    /// Mobile HashKey for `P_CHKFAKE`.
    pub mobile_hash_key: Option<String>,
    /// INIAPI key (16 ASCII characters).
    pub iniapi_key: Option<String>,
    /// INIAPI IV (16 ASCII characters, used raw).
    pub iniapi_iv: Option<String>,
    /// INILite key (inibill/inilitepay hashdata; AES-256 key for billkeys).
    pub inilite_key: Option<String>,
}

impl fmt::Debug for MerchantKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mask = |o: &Option<String>| if o.is_some() { "<set>" } else { "<none>" };
        f.debug_struct("MerchantKeys")
            .field("mid", &self.mid)
            .field("mobile_hash_key", &mask(&self.mobile_hash_key))
            .field("iniapi_key", &mask(&self.iniapi_key))
            .field("iniapi_iv", &mask(&self.iniapi_iv))
            .field("inilite_key", &mask(&self.inilite_key))
            .finish()
    }
}

impl MerchantKeys {
    /// A merchant with no keys yet.
    pub fn new(mid: impl Into<String>) -> MerchantKeys {
        MerchantKeys {
            mid: mid.into(),
            mobile_hash_key: None,
            iniapi_key: None,
            iniapi_iv: None,
            inilite_key: None,
        }
    }

    /// The three public test merchants of PROTOCOL.md 1.3.
    pub fn published_test_merchants() -> Vec<MerchantKeys> {
        use test_keys::*;
        let s = |v: &str| Some(v.to_owned());
        vec![
            MerchantKeys {
                mobile_hash_key: s(INIPAYTEST_MOBILE_HASH_KEY),
                iniapi_key: s(INIPAYTEST_INIAPI_KEY),
                iniapi_iv: s(INIPAYTEST_INIAPI_IV),
                ..MerchantKeys::new("INIpayTest")
            },
            MerchantKeys {
                mobile_hash_key: s(INIESCROW0_MOBILE_HASH_KEY),
                iniapi_key: s(INIESCROW0_INIAPI_KEY),
                iniapi_iv: s(INIESCROW0_INIAPI_IV),
                ..MerchantKeys::new("iniescrow0")
            },
            MerchantKeys {
                iniapi_key: s(INIBILLTST_INIAPI_KEY),
                iniapi_iv: s(INIBILLTST_INIAPI_IV),
                inilite_key: s(INIBILLTST_INILITE_KEY),
                ..MerchantKeys::new("INIBillTst")
            },
        ]
    }
}

/// Which IV encrypts billkeys when `flg_crypto=Y` (PROTOCOL.md 3.5, open
/// question 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BillkeyIv {
    /// 16 zero bytes (the mobile billing manual, (S)). Default.
    #[default]
    Zero,
    /// The first 16 bytes of the INILite key (one inilitepay consumer).
    KeyPrefix,
}

/// What a repeated approval call for the same auth TID answers (PROTOCOL.md
/// 2.5, open question 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RepeatApproval {
    /// The same reply again, byte for byte. Default.
    #[default]
    SameReply,
    /// `P_STATUS=01`, already approved.
    Error,
}

/// Configuration of a [`crate::Sandbox`].
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// TCP port on 127.0.0.1; `0` picks a free one.
    pub port: u16,
    /// Known merchants (default: the three published test MIDs).
    pub merchants: Vec<MerchantKeys>,
    /// The clock (default: system).
    pub clock: Clock,
    /// Time between notification attempts (default 10 minutes).
    pub noti_retry_interval: Duration,
    /// How long after the first attempt retries go on (default 24 hours).
    pub noti_retry_window: Duration,
    /// Timeout of one notification POST (default 10 s).
    pub noti_timeout: Duration,
    /// Header naming the notification's claimed source address (default
    /// `X-Forwarded-For`), set when a source fault or default is given.
    pub noti_source_header: String,
    /// Source address sent in that header on every noti, if any.
    pub noti_source_addr: Option<String>,
    /// `idc_name` returned with `centerCd=Y` (default `stg`).
    pub idc_name: String,
    /// IV used for encrypted billkeys.
    pub billkey_iv: BillkeyIv,
    /// Repeat-approval behaviour.
    pub repeat_approval: RepeatApproval,
    /// Verify `P_CHKFAKE` whenever it is sent, not only with `amt_hash=Y`
    /// (PROTOCOL.md open question 8). Default `false`.
    pub chkfake_always: bool,
    /// Send notis in UTF-8 when the payment asked `P_CHARSET=utf8` (open
    /// question 4). Default `false`: always EUC-KR.
    pub noti_follows_p_charset: bool,
    /// INIAPI refunds must use the paymethod that matches the transaction
    /// (`Card` for cards, `Acct` bank, `Vacct`/`GVacct` virtual account after/
    /// before deposit, `HPP` phone). Default `true`.
    pub strict_paymethod: bool,
    /// `P_AUTH_DT` of VBANK notis as 12 digits `YYMMDDhhmmss` (inicisjs)
    /// instead of 14 (open question 5). Default `false`.
    pub vbank_noti_short_auth_dt: bool,
    /// Partial refunds must carry `confirmPrice = remaining - price`
    /// (PROTOCOL.md 4.4, open question 16). Default `true`.
    pub check_confirm_price: bool,
    /// Approval must come within this time after the window opened, else
    /// `P_STATUS=01` (open question 6: INICIS's limit is unknown). Default
    /// `None`: no limit.
    pub approval_timeout: Option<Duration>,
    /// Longest real wait of a `Delay` fault on the system clock (default
    /// 30 s). With a manual clock a delayed reply comes when the test moves
    /// the clock past the delay, never by sleeping.
    pub fault_delay_cap: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            merchants: MerchantKeys::published_test_merchants(),
            clock: Clock::system(),
            noti_retry_interval: Duration::from_secs(600),
            noti_retry_window: Duration::from_secs(24 * 3600),
            noti_timeout: Duration::from_secs(10),
            noti_source_header: "X-Forwarded-For".into(),
            noti_source_addr: None,
            idc_name: "stg".into(),
            billkey_iv: BillkeyIv::Zero,
            repeat_approval: RepeatApproval::SameReply,
            chkfake_always: false,
            noti_follows_p_charset: false,
            strict_paymethod: true,
            vbank_noti_short_auth_dt: false,
            check_confirm_price: true,
            approval_timeout: None,
            fault_delay_cap: Duration::from_secs(30),
        }
    }
}

impl SandboxConfig {
    /// Listens on a fixed port.
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Uses this clock.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Retry interval and window of the notification sender.
    pub fn with_noti_schedule(mut self, interval: Duration, window: Duration) -> Self {
        self.noti_retry_interval = interval;
        self.noti_retry_window = window;
        self
    }

    /// Adds or replaces a merchant.
    pub fn with_merchant(mut self, m: MerchantKeys) -> Self {
        self.merchants.retain(|x| x.mid != m.mid);
        self.merchants.push(m);
        self
    }

    /// The merchant with this MID.
    pub fn merchant(&self, mid: &str) -> Option<&MerchantKeys> {
        self.merchants.iter().find(|m| m.mid == mid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_keys() {
        let s = format!("{:?}", SandboxConfig::default());
        assert!(!s.contains("ItEQKi3rY7uvDS8l"));
        assert!(s.contains("INIpayTest"));
    }
}
