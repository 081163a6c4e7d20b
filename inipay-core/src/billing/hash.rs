//! `hashdata`, the request-tampering hash of the billing-key forms
//! (전문위변조 HASH, PROTOCOL.md 3.3, 3.6).
//!
//! | Version | Used by | Formula |
//! |---|---|---|
//! | [`HashVersion::V1`] | inibill (default) | `hex(SHA-256(mid ‖ orderid ‖ timestamp ‖ INILiteKey))` |
//! | [`HashVersion::V2`] | inibill with `flg_crypto=Y` (S) | `hex(SHA-256(price ‖ mid ‖ orderid ‖ timestamp ‖ INILiteKey))` |
//! | [`HashVersion::V3`] | inilitepay `/pay/card/billing` | `hex(SHA-512(price ‖ mid ‖ orderId ‖ timestamp ‖ INILiteKey))` |
//!
//! Hex is lower case. Values are concatenated exactly as sent.
//!
//! ```
//! use inipay_core::billing::{HashInput, HashVersion};
//! use secrecy::SecretString;
//! let key = SecretString::from("b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09".to_owned());
//! let input = HashInput { mid: "INIBillTst", order_id: "ORDERID1234",
//!     timestamp: "20130808171939", price: "1000" };
//! assert_eq!(HashVersion::V1.sign(&input, &key),
//!     "964bc7c98d9b3ca3a1375d97bd5637a92209869b55f397ea8a47f9b088fe9c69");
//! ```

use crate::crypto;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

/// Which `hashdata` formula a form uses (see the module table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashVersion {
    /// inibill: SHA-256 over mid, orderid, timestamp, key.
    V1,
    /// inibill with `flg_crypto=Y`: SHA-256 with the price in front (S).
    V2,
    /// inilitepay: SHA-512 with the price in front.
    V3,
}

/// The wire values a `hashdata` covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashInput<'a> {
    /// `mid`.
    pub mid: &'a str,
    /// `orderid` / `orderId`.
    pub order_id: &'a str,
    /// `timestamp` (`YYYYMMDDhhmmss`).
    pub timestamp: &'a str,
    /// `price` as sent (ignored by [`HashVersion::V1`]).
    pub price: &'a str,
}

impl HashVersion {
    /// Computes `hashdata` with the INILite key.
    pub fn sign(self, input: &HashInput<'_>, inilite_key: &SecretString) -> String {
        let key = inilite_key.expose_secret();
        let mut plain = Zeroizing::new(String::with_capacity(
            input.price.len()
                + input.mid.len()
                + input.order_id.len()
                + input.timestamp.len()
                + key.len(),
        ));
        if self != HashVersion::V1 {
            plain.push_str(input.price);
        }
        plain.push_str(input.mid);
        plain.push_str(input.order_id);
        plain.push_str(input.timestamp);
        plain.push_str(key);
        match self {
            HashVersion::V1 | HashVersion::V2 => crypto::sha256_hex(plain.as_bytes()),
            HashVersion::V3 => crypto::sha512_hex(plain.as_bytes()),
        }
    }

    /// Checks a received `hashdata` in constant time (case-insensitive hex):
    /// what the sandbox does with a posted form.
    pub fn verify(self, input: &HashInput<'_>, inilite_key: &SecretString, received: &str) -> bool {
        crypto::ct_eq_hex(&self.sign(input, inilite_key), received)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_keys::INIBILLTST_INILITE_KEY;

    fn key() -> SecretString {
        SecretString::from(INIBILLTST_INILITE_KEY.to_owned())
    }

    const INPUT: HashInput<'static> = HashInput {
        mid: "INIBillTst",
        order_id: "ORDERID1234",
        timestamp: "20130808171939",
        price: "1000",
    };

    // PROTOCOL.md 6, V1 (the manual's own sample).
    #[test]
    fn v1() {
        assert_eq!(
            HashVersion::V1.sign(&INPUT, &key()),
            "964bc7c98d9b3ca3a1375d97bd5637a92209869b55f397ea8a47f9b088fe9c69"
        );
    }

    // PROTOCOL.md 6, V2 (flg_crypto=Y).
    #[test]
    fn v2() {
        assert_eq!(
            HashVersion::V2.sign(&INPUT, &key()),
            "0c74f9c01492fc059bc19ab0355e5a1c6534ed5401cd5b7803e6a1ae5205311d"
        );
    }

    // PROTOCOL.md 6, V3 (inilitepay).
    #[test]
    fn v3() {
        assert_eq!(
            HashVersion::V3.sign(&INPUT, &key()),
            "0226275367811b18603c52f78608fad06f5f9107e9acd39513f2b8c1c207901ac0a2ee9c847000dca335fe64cb428a701c0dcdfd612a2acc7a31ebec8495872a"
        );
    }

    #[test]
    fn verify_is_strict_about_every_input() {
        let good = HashVersion::V2.sign(&INPUT, &key());
        assert!(HashVersion::V2.verify(&INPUT, &key(), &good.to_ascii_uppercase()));
        assert!(!HashVersion::V1.verify(&INPUT, &key(), &good));
        let other_price = HashInput {
            price: "1001",
            ..INPUT
        };
        assert!(!HashVersion::V2.verify(&other_price, &key(), &good));
        // V1 ignores the price.
        let v1 = HashVersion::V1.sign(&INPUT, &key());
        assert!(HashVersion::V1.verify(&other_price, &key(), &v1));
    }
}
