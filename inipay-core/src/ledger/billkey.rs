//! Billing keys (빌링키) sealed at rest with AES-256-GCM under a merchant key.
//!
//! A billing key charges the buyer's card without them: it is as sensitive as
//! the card itself. The ledger never stores it in plain text: the store only
//! sees a [`SealedBillkey`] (random 96-bit nonce, ciphertext and tag, the id
//! of the key that sealed it) and the plain key comes back only through the
//! explicit [`BillkeyKey::open`] / [`Ledger::reveal_billkey`](super::Ledger::reveal_billkey)
//! call, as a [`SecretString`].
//!
//! The ciphertext is bound to its order and MID (associated data), so a sealed
//! key copied onto another order's row does not open.
//!
//! ```
//! use inipay_core::ledger::{BillkeyKey, BillkeyContext};
//! use inipay_core::types::{Mid, OrderId};
//! use secrecy::{ExposeSecret, SecretString};
//!
//! let key = BillkeyKey::new("2026-11", &[7u8; 32])?;
//! let ctx = BillkeyContext::new(Mid::new("INIBillTst")?, OrderId::new("BILL-1")?);
//! let plain = SecretString::from("734f880246ece4ffdba841c1436399c9968d32cc");
//! let sealed = key.seal(&plain, &ctx)?;
//! assert!(!sealed.ciphertext.windows(6).any(|w| w == b"734f88"));
//! assert_eq!(key.open(&sealed, &ctx)?.expose_secret(), plain.expose_secret());
//! let other = BillkeyContext::new(Mid::new("INIBillTst")?, OrderId::new("BILL-2")?);
//! assert!(key.open(&sealed, &other).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::time::Timestamp;
use crate::types::{Mid, OrderId, Tid};
use aes_gcm::aead::{Aead, Generate, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use zeroize::Zeroizing;

/// The AES-256 key length in bytes.
pub const KEY_LEN: usize = 32;
/// The AES-GCM nonce length in bytes.
pub const NONCE_LEN: usize = 12;

/// Why a billing key could not be sealed or opened. Never carries key
/// material or the billing key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum BillkeyError {
    /// The merchant key is not 32 bytes.
    #[error("billkey encryption key: must be {expected} bytes, got {actual}")]
    KeyLength {
        /// 32.
        expected: usize,
        /// What was given.
        actual: usize,
    },
    /// The merchant key is not valid base64.
    #[error("billkey encryption key: not valid base64")]
    KeyEncoding,
    /// Sealed with another key id than the one given.
    #[error("billkey was sealed with key id {sealed_with:?}, not {given:?}")]
    WrongKeyId {
        /// The key id stored with the billing key.
        sealed_with: String,
        /// The key id of the key given.
        given: String,
    },
    /// The nonce is not 12 bytes (a damaged row).
    #[error("sealed billkey: nonce must be {NONCE_LEN} bytes")]
    BadNonce,
    /// Encryption failed.
    #[error("billkey could not be sealed")]
    Seal,
    /// Authentication failed: wrong key, another order's row, or tampering.
    #[error("billkey could not be opened (wrong key, wrong order or tampered)")]
    Open,
}

/// What a billing key is bound to: its merchant and order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillkeyContext {
    /// The merchant.
    pub mid: Mid,
    /// The order the key was issued for (inibill `orderid`).
    pub order_id: OrderId,
}

impl BillkeyContext {
    /// A context.
    pub fn new(mid: Mid, order_id: OrderId) -> BillkeyContext {
        BillkeyContext { mid, order_id }
    }

    fn aad(&self) -> Vec<u8> {
        format!("inipay-billkey/v1|{}|{}", self.mid, self.order_id).into_bytes()
    }
}

/// A billing key as stored: never the plain key.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedBillkey {
    /// The merchant's name for the key that sealed it (for rotation).
    pub key_id: String,
    /// The random 96-bit nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext followed by the 16-byte tag.
    pub ciphertext: Vec<u8>,
}

impl fmt::Debug for SealedBillkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedBillkey")
            .field("key_id", &self.key_id)
            .field(
                "ciphertext",
                &format_args!("{} bytes", self.ciphertext.len()),
            )
            .finish_non_exhaustive()
    }
}

/// A sealed billing key with what identifies it, as the ledger stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillkeyRecord {
    /// Merchant and order.
    pub context: BillkeyContext,
    /// The issuance TID, when the result carried one.
    pub tid: Option<Tid>,
    /// The sealed key.
    pub sealed: SealedBillkey,
    /// When it was stored.
    pub at: Timestamp,
    /// When the gateway confirmed it (its first successful charge); `None`
    /// while unconfirmed: a billing-key result is unsigned (PROTOCOL.md 3.4).
    pub confirmed_at: Option<Timestamp>,
}

/// The merchant-provided AES-256-GCM key that seals billing keys.
/// `Debug` shows only the key id.
#[derive(Clone)]
pub struct BillkeyKey {
    id: String,
    cipher: Aes256Gcm,
}

impl fmt::Debug for BillkeyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BillkeyKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl BillkeyKey {
    /// A key from 32 raw bytes, named `id` (stored beside each sealed key so
    /// a rotated key is recognised).
    pub fn new(id: impl Into<String>, key: &[u8]) -> Result<BillkeyKey, BillkeyError> {
        if key.len() != KEY_LEN {
            return Err(BillkeyError::KeyLength {
                expected: KEY_LEN,
                actual: key.len(),
            });
        }
        let key = Key::<Aes256Gcm>::try_from(key).map_err(|_| BillkeyError::KeyLength {
            expected: KEY_LEN,
            actual: key.len(),
        })?;
        Ok(BillkeyKey {
            id: id.into(),
            cipher: Aes256Gcm::new(&key),
        })
    }

    /// A key from its standard base64 form (44 characters), as a merchant
    /// would keep it in a secret store.
    pub fn from_base64(
        id: impl Into<String>,
        key: &SecretString,
    ) -> Result<BillkeyKey, BillkeyError> {
        let raw = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(key.expose_secret().trim())
                .map_err(|_| BillkeyError::KeyEncoding)?,
        );
        BillkeyKey::new(id, &raw)
    }

    /// The key's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seals `billkey` for `context` under a fresh random nonce.
    pub fn seal(
        &self,
        billkey: &SecretString,
        context: &BillkeyContext,
    ) -> Result<SealedBillkey, BillkeyError> {
        let nonce = Nonce::generate();
        let aad = context.aad();
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: billkey.expose_secret().as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| BillkeyError::Seal)?;
        Ok(SealedBillkey {
            key_id: self.id.clone(),
            nonce: nonce.to_vec(),
            ciphertext,
        })
    }

    /// Opens a sealed billing key: the one explicit way to read it.
    pub fn open(
        &self,
        sealed: &SealedBillkey,
        context: &BillkeyContext,
    ) -> Result<SecretString, BillkeyError> {
        if sealed.key_id != self.id {
            return Err(BillkeyError::WrongKeyId {
                sealed_with: sealed.key_id.clone(),
                given: self.id.clone(),
            });
        }
        let nonce = Nonce::try_from(sealed.nonce.as_slice()).map_err(|_| BillkeyError::BadNonce)?;
        let aad = context.aad();
        let plain = Zeroizing::new(
            self.cipher
                .decrypt(
                    &nonce,
                    Payload {
                        msg: &sealed.ciphertext,
                        aad: &aad,
                    },
                )
                .map_err(|_| BillkeyError::Open)?,
        );
        let text = std::str::from_utf8(&plain).map_err(|_| BillkeyError::Open)?;
        Ok(SecretString::from(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(order: &str) -> BillkeyContext {
        BillkeyContext::new(
            Mid::new("INIBillTst").unwrap(),
            OrderId::new(order).unwrap(),
        )
    }

    #[test]
    fn round_trip_with_fresh_nonces() {
        let key = BillkeyKey::new("k1", &[1u8; 32]).unwrap();
        let plain = SecretString::from("734f880246ece4ffdba841c1436399c9968d32cc");
        let a = key.seal(&plain, &ctx("O1")).unwrap();
        let b = key.seal(&plain, &ctx("O1")).unwrap();
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
        assert_eq!(a.ciphertext.len(), 40 + 16);
        assert_eq!(
            key.open(&a, &ctx("O1")).unwrap().expose_secret(),
            plain.expose_secret()
        );
    }

    #[test]
    fn wrong_key_tamper_and_bad_input_are_typed_errors() {
        let key = BillkeyKey::new("k1", &[1u8; 32]).unwrap();
        let other = BillkeyKey::new("k1", &[2u8; 32]).unwrap();
        let sealed = key.seal(&SecretString::from("bk"), &ctx("O1")).unwrap();
        assert_eq!(
            other.open(&sealed, &ctx("O1")).unwrap_err(),
            BillkeyError::Open
        );
        let mut tampered = sealed.clone();
        tampered.ciphertext[0] ^= 1;
        assert_eq!(
            key.open(&tampered, &ctx("O1")).unwrap_err(),
            BillkeyError::Open
        );
        let renamed = BillkeyKey::new("k2", &[1u8; 32]).unwrap();
        assert!(matches!(
            renamed.open(&sealed, &ctx("O1")),
            Err(BillkeyError::WrongKeyId { .. })
        ));
        let mut short = sealed;
        short.nonce.pop();
        assert_eq!(
            key.open(&short, &ctx("O1")).unwrap_err(),
            BillkeyError::BadNonce
        );
        assert!(matches!(
            BillkeyKey::new("k", &[0u8; 16]),
            Err(BillkeyError::KeyLength {
                expected: 32,
                actual: 16
            })
        ));
        assert_eq!(
            BillkeyKey::from_base64("k", &SecretString::from("not base64!")).unwrap_err(),
            BillkeyError::KeyEncoding
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
        assert!(BillkeyKey::from_base64("k", &SecretString::from(b64)).is_ok());
        assert!(!format!("{key:?}").contains("1, 1"));
    }
}
