//! Hashes and ciphers INICIS uses, with constant-time comparison.
//!
//! Every formula lives in the module of the message it signs; this module only
//! offers the primitives (PROTOCOL.md 6 lists the known-answer vectors).
//!
//! ```
//! use inipay_core::crypto;
//! assert_eq!(
//!     crypto::sha256_hex(b"INIBillTstORDERID123420130808171939b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09"),
//!     "964bc7c98d9b3ca3a1375d97bd5637a92209869b55f397ea8a47f9b088fe9c69"
//! );
//! assert!(crypto::ct_eq_str("abc", "abc"));
//! ```

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Lower-case hex SHA-512.
pub fn sha512_hex(data: &[u8]) -> String {
    hex::encode(Sha512::digest(data))
}

/// Standard Base64 (with padding) of the raw SHA-512 digest (`P_CHKFAKE`).
pub fn sha512_base64(data: &[u8]) -> String {
    B64.encode(Sha512::digest(data))
}

/// Compares two strings in constant time (for their common length; a length
/// difference returns `false` without looking at the content).
pub fn ct_eq_str(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Compares two hex digests in constant time, ignoring ASCII case
/// (INICIS's own case rule is unknown, PROTOCOL.md 6; we always send lower case).
pub fn ct_eq_hex(a: &str, b: &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let la: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let lb: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    bool::from(la.ct_eq(&lb))
}

/// A cipher failure. Carries no key, IV or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The key does not have the length the cipher needs.
    #[error("key must be {expected} bytes, got {actual}")]
    KeyLength {
        /// Required length.
        expected: usize,
        /// Given length.
        actual: usize,
    },
    /// The IV is not 16 bytes.
    #[error("IV must be 16 bytes, got {actual}")]
    IvLength {
        /// Given length.
        actual: usize,
    },
    /// The ciphertext is not valid Base64.
    #[error("ciphertext is not valid Base64")]
    Base64,
    /// Wrong key, wrong IV, truncated or tampered ciphertext.
    #[error("decryption failed (wrong key or IV, or damaged ciphertext)")]
    Decrypt,
    /// The plaintext is not UTF-8.
    #[error("decrypted text is not UTF-8")]
    NotUtf8,
}

fn iv16(iv: &[u8]) -> Result<[u8; 16], CryptoError> {
    iv.try_into()
        .map_err(|_| CryptoError::IvLength { actual: iv.len() })
}

/// AES-128-CBC/PKCS#7, then Base64: the INIAPI `[ENC]` field rule
/// (PROTOCOL.md 4.1). Key and IV are the raw ASCII bytes of the INIAPI key/IV.
pub fn aes128_cbc_encrypt_b64(
    key: &[u8],
    iv: &[u8],
    plaintext: &[u8],
) -> Result<String, CryptoError> {
    let key: [u8; 16] = key.try_into().map_err(|_| CryptoError::KeyLength {
        expected: 16,
        actual: key.len(),
    })?;
    let enc = cbc::Encryptor::<aes::Aes128>::new(&key.into(), &iv16(iv)?.into());
    Ok(B64.encode(enc.encrypt_padded_vec::<Pkcs7>(plaintext)))
}

/// Inverse of [`aes128_cbc_encrypt_b64`].
pub fn aes128_cbc_decrypt_b64(key: &[u8], iv: &[u8], b64: &str) -> Result<String, CryptoError> {
    let key: [u8; 16] = key.try_into().map_err(|_| CryptoError::KeyLength {
        expected: 16,
        actual: key.len(),
    })?;
    let data = B64.decode(b64.trim()).map_err(|_| CryptoError::Base64)?;
    let dec = cbc::Decryptor::<aes::Aes128>::new(&key.into(), &iv16(iv)?.into());
    let plain = dec
        .decrypt_padded_vec::<Pkcs7>(&data)
        .map_err(|_| CryptoError::Decrypt)?;
    String::from_utf8(plain).map_err(|_| CryptoError::NotUtf8)
}

/// AES-256-CBC/PKCS#7, then Base64: the inibill billkey/`data1` scheme
/// (PROTOCOL.md 3.5). The key is the 32 ASCII bytes of the INILite key.
pub fn aes256_cbc_encrypt_b64(
    key: &[u8],
    iv: &[u8],
    plaintext: &[u8],
) -> Result<String, CryptoError> {
    let key: [u8; 32] = key.try_into().map_err(|_| CryptoError::KeyLength {
        expected: 32,
        actual: key.len(),
    })?;
    let enc = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv16(iv)?.into());
    Ok(B64.encode(enc.encrypt_padded_vec::<Pkcs7>(plaintext)))
}

/// Inverse of [`aes256_cbc_encrypt_b64`].
pub fn aes256_cbc_decrypt_b64(key: &[u8], iv: &[u8], b64: &str) -> Result<String, CryptoError> {
    let key: [u8; 32] = key.try_into().map_err(|_| CryptoError::KeyLength {
        expected: 32,
        actual: key.len(),
    })?;
    let data = B64.decode(b64.trim()).map_err(|_| CryptoError::Base64)?;
    let dec = cbc::Decryptor::<aes::Aes256>::new(&key.into(), &iv16(iv)?.into());
    let plain = dec
        .decrypt_padded_vec::<Pkcs7>(&data)
        .map_err(|_| CryptoError::Decrypt)?;
    String::from_utf8(plain).map_err(|_| CryptoError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    // PROTOCOL.md 6, V6 (mKey of the shared signKey).
    #[test]
    fn v6_mkey() {
        assert_eq!(
            sha256_hex(b"SU5JTElURV9UUklQTEVERVNfS0VZU1RS"),
            "3a9503069192f207491d4b19bd743fc249a761ed94246c8c42fed06c3cd15a33"
        );
    }

    // A1, A2, A3.
    #[test]
    fn a1_a2_a3_iniapi_aes128() {
        let (k, iv) = (b"ItEQKi3rY7uvDS8l", b"HYb3yQ4f65QL89==");
        assert_eq!(
            aes128_cbc_encrypt_b64(k, iv, b"123456789").unwrap(),
            "qwMHVJqsmXKoR+d8wQTS4g=="
        );
        assert_eq!(
            aes128_cbc_encrypt_b64(k, iv, b"1002856123456").unwrap(),
            "b4mftjDfaxGYpI5lC4andg=="
        );
        assert_eq!(
            aes128_cbc_decrypt_b64(k, iv, "qwMHVJqsmXKoR+d8wQTS4g==").unwrap(),
            "123456789"
        );
        assert_eq!(
            aes128_cbc_encrypt_b64(k, b"2IgsAQSbMqHkAkj3", b"123456789").unwrap(),
            "cElvlCsm4itQcw2o0dslPg=="
        );
    }

    // A4, A5, A6.
    #[test]
    fn a4_a5_a6_inilite_aes256() {
        let k = b"b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09";
        let zero = [0u8; 16];
        assert_eq!(
            aes256_cbc_encrypt_b64(k, &zero, b"734f880246ece4ffdba841c1436399c9968d32cc").unwrap(),
            "V6LdAjEUr5zcaqNlP2a+/JV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX"
        );
        assert_eq!(
            aes256_cbc_encrypt_b64(k, &zero, b"4111111111111111").unwrap(),
            "SnHW7X+HFo+5OHj0w06ZnCLhy7PqNOZ5Ydk9EH0INfs="
        );
        assert_eq!(
            aes256_cbc_encrypt_b64(k, &k[..16], b"734f880246ece4ffdba841c1436399c9968d32cc")
                .unwrap(),
            "8Ak9Dq5vm3F2HkZvc11PlxfcZ5vO1vuj+8ckJagDFCEIQ0+HtKQFUWJu3h3577o/"
        );
        assert_eq!(
            aes256_cbc_decrypt_b64(
                k,
                &zero,
                "V6LdAjEUr5zcaqNlP2a+/JV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX"
            )
            .unwrap(),
            "734f880246ece4ffdba841c1436399c9968d32cc"
        );
    }

    // A4 and A5 in their hex form (PROTOCOL.md 6 gives hex and Base64).
    #[test]
    fn a4_a5_hex_forms() {
        use base64::Engine as _;
        let k = b"b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09";
        let hex_of = |plain: &[u8]| {
            let b64 = aes256_cbc_encrypt_b64(k, &[0u8; 16], plain).unwrap();
            hex::encode(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap(),
            )
        };
        assert_eq!(
            hex_of(b"734f880246ece4ffdba841c1436399c9968d32cc"),
            "57a2dd023114af9cdc6aa3653f66befc9577876415e26ce1d828aa24557c7ef60088f8054390f1b6cac73025d6591257"
        );
        assert_eq!(
            hex_of(b"4111111111111111"),
            "4a71d6ed7f87168fb93878f4c34e999c22e1cbb3ea34e67961d93d107d0835fb"
        );
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let k = b"b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09";
        assert_eq!(
            aes256_cbc_decrypt_b64(k, &[0; 16], "!!!"),
            Err(CryptoError::Base64)
        );
        assert_eq!(
            aes256_cbc_decrypt_b64(k, &[0; 16], "AAAA"),
            Err(CryptoError::Decrypt)
        );
        assert_eq!(
            aes256_cbc_decrypt_b64(&k[..5], &[0; 16], "AAAA"),
            Err(CryptoError::KeyLength {
                expected: 32,
                actual: 5
            })
        );
        assert_eq!(
            aes128_cbc_encrypt_b64(b"ItEQKi3rY7uvDS8l", b"short", b"x"),
            Err(CryptoError::IvLength { actual: 5 })
        );
    }

    #[test]
    fn ct_eq() {
        assert!(ct_eq_hex("ABCdef", "abcDEF"));
        assert!(!ct_eq_hex("abc", "abd"));
        assert!(!ct_eq_str("abc", "abcd"));
    }
}
