//! Encrypted `billkey` and `data1` (PROTOCOL.md 3.5, seed manual "보안추가방법").
//!
//! With `flg_crypto=Y` the billing key arrives as
//! `URL-encode(Base64(AES-256-CBC(key = the 32 ASCII bytes of the INILite key, IV, PKCS#7)))`,
//! and `data1` (the first two digits of the card password, sent to a few
//! merchants only) always does. The IV is the open question of PROTOCOL.md
//! 8.11: the manual's sample uses 16 zero bytes ([`BillkeyIv::Zero`], the
//! default); one consumer of the inilitepay flow uses the first 16 bytes of
//! the key ([`BillkeyIv::KeyPrefix`]).
//!
//! ```
//! use inipay_core::billing::{BillkeyIv, decrypt_field};
//! use secrecy::{ExposeSecret, SecretString};
//! let key = SecretString::from("b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09".to_owned());
//! let wire = "V6LdAjEUr5zcaqNlP2a%2B%2FJV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX";
//! let billkey = decrypt_field("billkey", wire, &key, BillkeyIv::Zero).unwrap();
//! assert_eq!(billkey.expose_secret(), "734f880246ece4ffdba841c1436399c9968d32cc");
//! ```

use crate::crypto::{self, CryptoError};
use crate::encoding::percent_decode;
use secrecy::{ExposeSecret, SecretString};

/// The IV of the billkey/`data1` cipher (PROTOCOL.md 3.5, 8.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BillkeyIv {
    /// 16 zero bytes: the mobile billing manual's sample (default).
    #[default]
    Zero,
    /// The first 16 bytes of the INILite key (one inilitepay consumer).
    KeyPrefix,
}

impl BillkeyIv {
    fn bytes(self, key: &[u8]) -> [u8; 16] {
        let mut iv = [0u8; 16];
        if self == BillkeyIv::KeyPrefix {
            for (dst, src) in iv.iter_mut().zip(key) {
                *dst = *src;
            }
        }
        iv
    }
}

/// An encrypted field could not be decrypted. Says which field and why;
/// never contains the key, the ciphertext or the plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptError {
    /// The merchant has no INILite key configured.
    #[error("{field}: the INILite key is not configured")]
    MissingKey {
        /// The field being decrypted.
        field: &'static str,
    },
    /// The cipher failed (bad Base64, wrong key or IV, damaged value).
    #[error("{field}: cannot be decrypted")]
    Cipher {
        /// The field being decrypted.
        field: &'static str,
        /// The cipher failure (carries nothing secret).
        #[source]
        source: CryptoError,
    },
    /// The plaintext is not printable ASCII, so key or IV is wrong.
    #[error("{field}: decrypted to something that is not printable ASCII (wrong key or IV)")]
    NotText {
        /// The field being decrypted.
        field: &'static str,
    },
}

/// Normalises a received ciphertext: percent-decodes it if it is still
/// URL-encoded (`%2B`), and turns spaces back into `+` (a form decoder may
/// have read a raw `+` as a space; Base64 has no spaces).
fn normalize(wire: &str) -> String {
    let once = if wire.contains('%') {
        String::from_utf8_lossy(&percent_decode(wire.trim().as_bytes())).into_owned()
    } else {
        wire.trim().to_owned()
    };
    once.replace(' ', "+")
}

/// Decrypts an encrypted `billkey` or `data1` value as received (URL-encoded
/// or not) with the INILite key.
pub fn decrypt_field(
    field: &'static str,
    wire: &str,
    inilite_key: &SecretString,
    iv: BillkeyIv,
) -> Result<SecretString, DecryptError> {
    let key = inilite_key.expose_secret().as_bytes();
    let plain = crypto::aes256_cbc_decrypt_b64(key, &iv.bytes(key), &normalize(wire))
        .map_err(|source| DecryptError::Cipher { field, source })?;
    if plain.is_empty() || !plain.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(DecryptError::NotText { field });
    }
    Ok(SecretString::from(plain))
}

/// Encrypts `plain` the way INICIS sends an encrypted field: the URL-encoded
/// Base64 wire value. For the sandbox and round-trip tests.
///
/// ```
/// use inipay_core::billing::{BillkeyIv, encrypt_field};
/// use secrecy::SecretString;
/// let key = SecretString::from("b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09".to_owned());
/// assert_eq!(encrypt_field("4111111111111111", &key, BillkeyIv::Zero).unwrap(),
///            "SnHW7X%2BHFo%2B5OHj0w06ZnCLhy7PqNOZ5Ydk9EH0INfs%3D");
/// ```
pub fn encrypt_field(
    plain: &str,
    inilite_key: &SecretString,
    iv: BillkeyIv,
) -> Result<String, CryptoError> {
    let key = inilite_key.expose_secret().as_bytes();
    let b64 = crypto::aes256_cbc_encrypt_b64(key, &iv.bytes(key), plain.as_bytes())?;
    let mut out = Vec::with_capacity(b64.len() + 8);
    crate::encoding::percent_encode_into(b64.as_bytes(), &mut out);
    // percent_encode_into only emits ASCII.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::test_keys::INIBILLTST_INILITE_KEY;
    use proptest::prelude::*;

    fn key() -> SecretString {
        SecretString::from(INIBILLTST_INILITE_KEY.to_owned())
    }
    const BILLKEY: &str = "734f880246ece4ffdba841c1436399c9968d32cc";

    // PROTOCOL.md 6, A4: zero IV, raw Base64, URL-encoded, and `+` read as space.
    #[test]
    fn a4_every_wire_form() {
        for wire in [
            "V6LdAjEUr5zcaqNlP2a+/JV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX",
            "V6LdAjEUr5zcaqNlP2a%2B%2FJV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX",
            "V6LdAjEUr5zcaqNlP2a /JV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX",
        ] {
            let plain = decrypt_field("billkey", wire, &key(), BillkeyIv::Zero).unwrap();
            assert_eq!(plain.expose_secret(), BILLKEY, "{wire}");
        }
        assert_eq!(
            encrypt_field(BILLKEY, &key(), BillkeyIv::Zero).unwrap(),
            "V6LdAjEUr5zcaqNlP2a%2B%2FJV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX"
        );
    }

    // A5: the data1-style vector (a full padding block).
    #[test]
    fn a5() {
        let p = decrypt_field(
            "data1",
            "SnHW7X+HFo+5OHj0w06ZnCLhy7PqNOZ5Ydk9EH0INfs=",
            &key(),
            BillkeyIv::Zero,
        )
        .unwrap();
        assert_eq!(p.expose_secret(), "4111111111111111");
    }

    // A6: the key-prefix IV alternative, and each IV fails on the other's data.
    #[test]
    fn a6_and_iv_mismatch() {
        let a6 = "8Ak9Dq5vm3F2HkZvc11PlxfcZ5vO1vuj+8ckJagDFCEIQ0+HtKQFUWJu3h3577o/";
        let p = decrypt_field("billkey", a6, &key(), BillkeyIv::KeyPrefix).unwrap();
        assert_eq!(p.expose_secret(), BILLKEY);
        assert_eq!(
            encrypt_field(BILLKEY, &key(), BillkeyIv::KeyPrefix).unwrap(),
            "8Ak9Dq5vm3F2HkZvc11PlxfcZ5vO1vuj%2B8ckJagDFCEIQ0%2BHtKQFUWJu3h3577o%2F"
        );
        // In CBC the IV only changes the first block, so the wrong IV yields
        // garbage in the first 16 bytes: rejected as not text (or bad padding).
        let wrong = decrypt_field("billkey", a6, &key(), BillkeyIv::Zero);
        assert!(wrong.is_err());
        let wrong2 = decrypt_field(
            "billkey",
            "V6LdAjEUr5zcaqNlP2a+/JV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX",
            &key(),
            BillkeyIv::KeyPrefix,
        );
        assert!(wrong2.is_err());
    }

    #[test]
    fn errors_contain_nothing_secret() {
        let e = decrypt_field("billkey", "not base64!", &key(), BillkeyIv::Zero).unwrap_err();
        assert!(matches!(
            e,
            DecryptError::Cipher {
                field: "billkey",
                source: CryptoError::Base64
            }
        ));
        let short = SecretString::from("shortkey".to_owned());
        let e2 = decrypt_field("billkey", "AAAA", &short, BillkeyIv::Zero).unwrap_err();
        for e in [e, e2] {
            let msg = format!("{e} {e:?}");
            assert!(
                !msg.contains(INIBILLTST_INILITE_KEY) && !msg.contains("shortkey"),
                "{msg}"
            );
        }
    }

    proptest! {
        #[test]
        fn round_trip(plain in "[!-~]{1,64}", prefix in any::<bool>()) {
            let iv = if prefix { BillkeyIv::KeyPrefix } else { BillkeyIv::Zero };
            let wire = encrypt_field(&plain, &key(), iv).unwrap();
            let back = decrypt_field("billkey", &wire, &key(), iv).unwrap();
            prop_assert_eq!(back.expose_secret(), plain.as_str());
        }

        #[test]
        fn arbitrary_input_never_panics(wire in "\\PC{0,120}") {
            let _ = decrypt_field("billkey", &wire, &key(), BillkeyIv::Zero);
        }
    }
}
