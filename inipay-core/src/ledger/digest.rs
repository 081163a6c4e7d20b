//! The digest kept of every journaled body as received (before masking):
//! the evidence that a stored record is the message INICIS sent, kept even
//! after the retention setting purged the body.
//!
//! A plain SHA-256 of a body that carried a phone, card or account number
//! would let anyone who reads the database recover the masked number by
//! trying every value (a Korean mobile number has about 10^8). So:
//!
//! | store | body | digest |
//! |---|---|---|
//! | with a [`BodyDigestKey`] | every body | HMAC-SHA256 of the body under the key |
//! | without a key | no personal data (masking changed nothing) | SHA-256 of the body |
//! | without a key | personal data | none |
//!
//! A store uses one of the two schemes for all its messages: keep the key
//! for as long as the journal is kept. Messages journaled under schema 4
//! before this rule (inipay 0.1 development builds) keep the plain SHA-256
//! they were stored with.
//!
//! Keep the key outside the database (like the billing-key key); set it with
//! `SqliteOptions::body_digest_key`, `PostgresOptions::body_digest_key` or
//! [`MemoryStore::with_body_digest_key`](super::MemoryStore::with_body_digest_key).
//!
//! ```
//! use inipay_core::ledger::BodyDigestKey;
//! let key = BodyDigestKey::new([7; 32]);
//! assert_eq!(format!("{key:?}"), "BodyDigestKey(..)");
//! ```

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretBox};
use sha2::{Digest, Sha256};
use std::fmt;

/// The secret key of the journal's body digests (HMAC-SHA256). Never
/// printed; kept outside the database.
pub struct BodyDigestKey(SecretBox<[u8; 32]>);

impl BodyDigestKey {
    /// A key from 32 secret bytes (e.g. decoded from an environment variable
    /// the deployment keeps in its secret store).
    pub fn new(bytes: [u8; 32]) -> BodyDigestKey {
        BodyDigestKey(SecretBox::new(Box::new(bytes)))
    }
}

impl Clone for BodyDigestKey {
    fn clone(&self) -> BodyDigestKey {
        BodyDigestKey::new(*self.0.expose_secret())
    }
}

impl fmt::Debug for BodyDigestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BodyDigestKey(..)")
    }
}

/// The digest of `raw` (the body as received), `stored` being what the
/// journal keeps of it (masked): see the module docs.
pub(crate) fn body_digest(
    key: Option<&BodyDigestKey>,
    raw: &[u8],
    stored: &[u8],
) -> Option<[u8; 32]> {
    match key {
        Some(k) => {
            // HMAC takes a key of any length: this cannot fail.
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(k.0.expose_secret()).ok()?;
            mac.update(raw);
            Some(mac.finalize().into_bytes().into())
        }
        None if raw == stored => Some(Sha256::digest(raw).into()),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_gets_no_plain_digest() {
        let raw = b"P_HPP_NUM=01012345678";
        let masked = b"P_HPP_NUM=010****5678";
        assert_eq!(body_digest(None, raw, masked), None);
        let plain: [u8; 32] = Sha256::digest(raw).into();
        let keyed = body_digest(Some(&BodyDigestKey::new([1; 32])), raw, masked);
        assert!(keyed.is_some());
        assert_ne!(keyed, Some(plain), "keyed, not the brute-forceable hash");
        assert_ne!(
            keyed,
            body_digest(Some(&BodyDigestKey::new([2; 32])), raw, masked)
        );
        let clean = b"P_STATUS=00";
        assert_eq!(
            body_digest(None, clean, clean),
            Some(Sha256::digest(clean).into())
        );
    }
}
