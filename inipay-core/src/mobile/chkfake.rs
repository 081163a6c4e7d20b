//! `P_CHKFAKE`, the amount-tampering hash (금액위변조 방지, PROTOCOL.md 2.3).
//!
//! `P_CHKFAKE = Base64(SHA-512_raw(P_AMT ‖ P_OID ‖ P_TIMESTAMP ‖ HashKey))`:
//! the raw 64-byte digest, standard Base64 with padding (88 characters),
//! never hex.
//!
//! ```
//! use inipay_core::mobile::chkfake;
//! use secrecy::SecretString;
//! let key = SecretString::from("3CB8183A4BE283555ACC8363C0360223".to_owned());
//! let sig = chkfake::sign("1000", "url_99120", "1640061760611", &key);
//! assert_eq!(sig, "bKVddmNY3kUqWWbeffnPN6r9NatBqhNZe7bx677NyxeLvb42wCRCxEjGx+aH2CATMm0BE8PEKw1x2PqFQbgrsA==");
//! assert!(chkfake::verify("1000", "url_99120", "1640061760611", &key, &sig));
//! ```

use crate::crypto;
use secrecy::{ExposeSecret, SecretString};

/// Computes `P_CHKFAKE` from the exact wire values.
pub fn sign(amount: &str, order_id: &str, timestamp_ms: &str, hash_key: &SecretString) -> String {
    let key = hash_key.expose_secret();
    let mut plain =
        String::with_capacity(amount.len() + order_id.len() + timestamp_ms.len() + key.len());
    plain.push_str(amount);
    plain.push_str(order_id);
    plain.push_str(timestamp_ms);
    plain.push_str(key);
    crypto::sha512_base64(plain.as_bytes())
}

/// Checks a received `P_CHKFAKE` in constant time.
pub fn verify(
    amount: &str,
    order_id: &str,
    timestamp_ms: &str,
    hash_key: &SecretString,
    received: &str,
) -> bool {
    crypto::ct_eq_str(&sign(amount, order_id, timestamp_ms, hash_key), received)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretString {
        SecretString::from(crate::config::test_keys::INIPAYTEST_MOBILE_HASH_KEY.to_owned())
    }

    // PROTOCOL.md 6, V4.
    #[test]
    fn v4() {
        assert_eq!(
            sign("1000", "url_99120", "1640061760611", &key()),
            "bKVddmNY3kUqWWbeffnPN6r9NatBqhNZe7bx677NyxeLvb42wCRCxEjGx+aH2CATMm0BE8PEKw1x2PqFQbgrsA=="
        );
    }

    // PROTOCOL.md 6, V5.
    #[test]
    fn v5() {
        let s = sign("1000", "ORD20240101120000001", "1704078000000", &key());
        assert_eq!(
            s,
            "DmoyRuStniabOHAaP612Bmo/FOAfMKA1ktMoMH+QTNh/wN/dckam1XbCe+pGPcAgHP9sIhYqz3FVeAOJeS72UQ=="
        );
        assert_eq!(s.len(), 88);
        assert!(!verify(
            "1001",
            "ORD20240101120000001",
            "1704078000000",
            &key(),
            &s
        ));
    }
}
