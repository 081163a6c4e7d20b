//! Who may post notifications: the default allow-list for a merchant's mode.
//!
//! Notifications carry no signature (PROTOCOL.md 2.6), so the source address
//! is the first filter. The defaults fail closed:
//!
//! | merchant | [`FlowConfig::noti_sources`] `None` means |
//! |---|---|
//! | production | INICIS's published senders: the union of every list in PROTOCOL.md 2.6 ([`INICIS_NOTI_SOURCES`]; 8.19 leaves open which are current) |
//! | test | loopback (`127.0.0.1`, `::1`) and the configured sandbox host when it is an IP address |
//!
//! Accepting any source needs [`FlowConfig::unsafe_accept_notifications_from_any_source`].
//! Even then every notification that would move money is confirmed with the
//! gateway ([`NotiTrust`](super::NotiTrust)).
//!
//! ```
//! use inipay_core::flow::default_noti_sources;
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//!
//! let test = Merchant::test("INIpayTest", test_keys::inipay_test(),
//!     Endpoints::sandbox("http://127.0.0.1:8081")?)?;
//! let list = default_noti_sources(&test);
//! assert!(list.allows("127.0.0.1".parse()?));
//! assert!(!list.allows("203.0.113.9".parse()?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`FlowConfig::noti_sources`]: super::FlowConfig::noti_sources
//! [`FlowConfig::unsafe_accept_notifications_from_any_source`]: super::FlowConfig::unsafe_accept_notifications_from_any_source

use crate::config::{Merchant, Mode};
use crate::mobile::NotiIpAllowList;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Every notification sender INICIS has published in the sources of
/// PROTOCOL.md 2.6: the current mobile list, the legacy mobile list and the
/// PC virtual-account list, de-duplicated.
pub const INICIS_NOTI_SOURCES: [Ipv4Addr; 10] = [
    Ipv4Addr::new(203, 238, 37, 15),
    Ipv4Addr::new(118, 129, 210, 25),
    Ipv4Addr::new(183, 109, 71, 153),
    Ipv4Addr::new(211, 219, 96, 165),
    Ipv4Addr::new(118, 129, 210, 24),
    Ipv4Addr::new(39, 115, 212, 9),
    Ipv4Addr::new(203, 238, 37, 3),
    Ipv4Addr::new(203, 238, 37, 16),
    Ipv4Addr::new(203, 238, 37, 25),
    Ipv4Addr::new(203, 238, 37, 32),
];

/// The allow-list a flow uses for `merchant` when none is configured (see
/// the [module docs](self)).
pub fn default_noti_sources(merchant: &Merchant) -> NotiIpAllowList {
    match merchant.mode() {
        Mode::Production => NotiIpAllowList::new(INICIS_NOTI_SOURCES.map(IpAddr::V4)),
        Mode::Test => {
            let mut list = NotiIpAllowList::new([
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ]);
            if let Some(ip) = host_ip(&merchant.endpoints().mobile_payment)
                && !list.allows(ip)
            {
                list.add(ip);
            }
            list
        }
    }
}

/// The host of `url` when it is an IP literal.
fn host_ip(url: &str) -> Option<IpAddr> {
    let parsed = url::Url::parse(url).ok()?;
    match parsed.host()? {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Endpoints, Keys, test_keys};
    use secrecy::SecretString;

    #[test]
    fn production_defaults_to_every_published_sender_only() {
        let keys = Keys {
            mobile_hash_key: Some(SecretString::from("a-real-hash-key-of-ours".to_owned())),
            ..Keys::default()
        };
        let m = Merchant::production("shopmid001", keys, Endpoints::production()).unwrap();
        let list = default_noti_sources(&m);
        for ip in INICIS_NOTI_SOURCES {
            assert!(list.allows(IpAddr::V4(ip)), "{ip}");
        }
        assert!(!list.allows(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        assert!(!list.allows("198.51.100.7".parse().unwrap()));
        assert_eq!(list.ips().len(), INICIS_NOTI_SOURCES.len());
    }

    #[test]
    fn test_merchants_default_to_loopback_and_the_sandbox_host() {
        let m = Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::sandbox("http://10.9.8.7:8081").unwrap(),
        )
        .unwrap();
        let list = default_noti_sources(&m);
        assert!(list.allows("127.0.0.1".parse().unwrap()));
        assert!(list.allows("::1".parse().unwrap()));
        assert!(list.allows("10.9.8.7".parse().unwrap()));
        assert!(!list.allows("203.238.37.15".parse().unwrap()));
    }
}
