//! Wire primitives written from PROTOCOL.md alone: form decoding and encoding
//! in EUC-KR or UTF-8, the `KEY=VALUE&...` approval body, hashes, AES and
//! Korean time.
//!
//! The sandbox deliberately does not reuse `inipay-core` for any of this, so a
//! bug in the client cannot hide behind the same bug in the simulator. The
//! known-answer vectors of PROTOCOL.md 6 anchor every function here (see the
//! unit tests at the bottom).
//!
//! ```
//! use inipay_sandbox::wire::{self, Charset};
//! let form = wire::Form::parse(b"P_GOODS=%C5%D7%BD%BA%C6%AE&P_AMT=1000", Charset::EucKr).unwrap();
//! assert_eq!(form.get("P_GOODS"), Some("테스트"));
//! assert_eq!(wire::chkfake("1000", "url_99120", "1640061760611", "3CB8183A4BE283555ACC8363C0360223"),
//!     "bKVddmNY3kUqWWbeffnPN6r9NatBqhNZe7bx677NyxeLvb42wCRCxEjGx+aH2CATMm0BE8PEKw1x2PqFQbgrsA==");
//! ```

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

/// Character set of a form or reply (PROTOCOL.md 2.2, 7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Charset {
    /// EUC-KR (WHATWG `euc-kr`, CP949 in practice): the INICIS default.
    EucKr,
    /// UTF-8 (`P_CHARSET=utf8`, INIAPI).
    Utf8,
}

impl Charset {
    /// The charset a `P_CHARSET` value selects: `utf8`/`utf-8` is UTF-8,
    /// anything else (or nothing) is EUC-KR (PROTOCOL.md 2.2).
    pub fn from_p_charset(v: Option<&str>) -> Charset {
        match v.map(|s| s.trim().to_ascii_lowercase()) {
            Some(s) if s == "utf8" || s == "utf-8" => Charset::Utf8,
            _ => Charset::EucKr,
        }
    }

    /// The name used in `charset=` of a Content-Type header.
    pub fn http_name(self) -> &'static str {
        match self {
            Charset::EucKr => "EUC-KR",
            Charset::Utf8 => "UTF-8",
        }
    }

    /// Encodes text into bytes of this charset (unmappable characters become
    /// numeric character references, as browsers do).
    pub fn encode(self, s: &str) -> Vec<u8> {
        match self {
            Charset::Utf8 => s.as_bytes().to_vec(),
            Charset::EucKr => encoding_rs::EUC_KR.encode(s).0.into_owned(),
        }
    }

    /// Decodes bytes of this charset; malformed bytes are an error.
    pub fn decode(self, b: &[u8]) -> Result<String, WireError> {
        match self {
            Charset::Utf8 => String::from_utf8(b.to_vec()).map_err(|_| WireError::BadCharset),
            Charset::EucKr => encoding_rs::EUC_KR
                .decode_without_bom_handling_and_without_replacement(b)
                .map(|c| c.into_owned())
                .ok_or(WireError::BadCharset),
        }
    }
}

/// Why a body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// A `%` not followed by two hex digits.
    #[error("bad percent-escape in form body")]
    BadEscape,
    /// Bytes that are not valid in the declared charset.
    #[error("form body is not valid in the declared charset")]
    BadCharset,
    /// A name appears twice.
    #[error("field {0} appears more than once")]
    Duplicate(String),
}

/// A decoded `application/x-www-form-urlencoded` body, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    /// Parses a form body: split on `&`, split each pair at the first `=`,
    /// `+` is a space, `%XX` a byte, then the bytes are decoded with
    /// `charset`. Empty segments are skipped. A repeated name is an error.
    pub fn parse(body: &[u8], charset: Charset) -> Result<Form, WireError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for seg in body.split(|b| *b == b'&') {
            if seg.is_empty() {
                continue;
            }
            let (k, v) = match seg.iter().position(|b| *b == b'=') {
                Some(i) => (&seg[..i], &seg[i + 1..]),
                None => (seg, &b""[..]),
            };
            let k = charset.decode(&percent_decode(k)?)?;
            let v = charset.decode(&percent_decode(v)?)?;
            if pairs.iter().any(|(n, _)| *n == k) {
                return Err(WireError::Duplicate(k));
            }
            pairs.push((k, v));
        }
        Ok(Form { pairs })
    }

    /// A form from name/value pairs.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        it: impl IntoIterator<Item = (K, V)>,
    ) -> Form {
        Form {
            pairs: it.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
        }
    }

    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, or `""`.
    pub fn str(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Adds pairs from `other` whose names are not present yet.
    pub fn merge_missing(&mut self, other: Form) {
        for (k, v) in other.pairs {
            if self.get(&k).is_none() {
                self.pairs.push((k, v));
            }
        }
    }

    /// Encodes as a form body in `charset`: unreserved bytes
    /// (`A-Z a-z 0-9 - . _ *`) stay, space becomes `+`, the rest `%XX`
    /// (upper-case hex, like browsers and PHP `urlencode`).
    pub fn encode(&self, charset: Charset) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, (k, v)) in self.pairs.iter().enumerate() {
            if i > 0 {
                out.push(b'&');
            }
            percent_encode_into(&charset.encode(k), &mut out);
            out.push(b'=');
            percent_encode_into(&charset.encode(v), &mut out);
        }
        out
    }
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes bytes (`+` is a space).
pub fn percent_decode(s: &[u8]) -> Result<Vec<u8>, WireError> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hi = s.get(i + 1).copied().and_then(hex_val);
                let lo = s.get(i + 2).copied().and_then(hex_val);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push(h << 4 | l),
                    _ => return Err(WireError::BadEscape),
                }
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

fn percent_encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    for &b in bytes {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => out.push(b),
            b' ' => out.push(b'+'),
            _ => {
                out.push(b'%');
                out.push(HEX_UPPER[usize::from(b >> 4)]);
                out.push(HEX_UPPER[usize::from(b & 15)]);
            }
        }
    }
}

/// Encodes an approval / net-cancel reply body: raw `KEY=VALUE&...` in
/// `charset`; values are sent raw unless they contain `&`, `=`, `%` or `+`,
/// in which case exactly those characters are percent-encoded (PROTOCOL.md
/// 7.4, inference).
pub fn encode_kv_reply(pairs: &[(&str, String)], charset: Charset) -> Vec<u8> {
    let mut text = String::with_capacity(pairs.len() * 24);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            text.push('&');
        }
        text.push_str(k);
        text.push('=');
        for c in v.chars() {
            match c {
                '&' => text.push_str("%26"),
                '=' => text.push_str("%3D"),
                '%' => text.push_str("%25"),
                '+' => text.push_str("%2B"),
                c => text.push(c),
            }
        }
    }
    charset.encode(&text)
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Lower-case hex SHA-512.
pub fn sha512_hex(data: &[u8]) -> String {
    hex::encode(Sha512::digest(data))
}

/// Standard padded Base64 of the raw SHA-512 digest.
pub fn sha512_b64(data: &[u8]) -> String {
    B64.encode(Sha512::digest(data))
}

/// `P_CHKFAKE = Base64(SHA-512(P_AMT ‖ P_OID ‖ P_TIMESTAMP ‖ HashKey))`
/// (PROTOCOL.md 2.3).
pub fn chkfake(amt: &str, oid: &str, timestamp: &str, hash_key: &str) -> String {
    sha512_b64(format!("{amt}{oid}{timestamp}{hash_key}").as_bytes())
}

/// Constant-time equality of two strings (length leaks, content does not).
pub fn ct_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Constant-time equality of two hex strings, ignoring ASCII case.
pub fn ct_eq_hex(a: &str, b: &str) -> bool {
    ct_eq(&a.to_ascii_lowercase(), &b.to_ascii_lowercase())
}

/// Why an AES operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CipherError {
    /// Key or IV of the wrong length.
    #[error("AES key must be {expected} bytes and IV 16 bytes")]
    Length {
        /// The key length the cipher needs.
        expected: usize,
    },
    /// The input is not Base64.
    #[error("ciphertext is not Base64")]
    Base64,
    /// Bad padding (wrong key or IV) or not UTF-8.
    #[error("decryption failed")]
    Decrypt,
}

/// AES-128-CBC/PKCS#7, Base64 out (INIAPI `[ENC]`, PROTOCOL.md 4.1).
pub fn aes128_encrypt_b64(key: &[u8], iv: &[u8], plain: &[u8]) -> Result<String, CipherError> {
    let k: [u8; 16] = key
        .try_into()
        .map_err(|_| CipherError::Length { expected: 16 })?;
    let v: [u8; 16] = iv
        .try_into()
        .map_err(|_| CipherError::Length { expected: 16 })?;
    let enc = cbc::Encryptor::<aes::Aes128>::new(&k.into(), &v.into());
    Ok(B64.encode(enc.encrypt_padded_vec::<Pkcs7>(plain)))
}

/// Inverse of [`aes128_encrypt_b64`].
pub fn aes128_decrypt_b64(key: &[u8], iv: &[u8], b64: &str) -> Result<String, CipherError> {
    let k: [u8; 16] = key
        .try_into()
        .map_err(|_| CipherError::Length { expected: 16 })?;
    let v: [u8; 16] = iv
        .try_into()
        .map_err(|_| CipherError::Length { expected: 16 })?;
    let data = B64.decode(b64).map_err(|_| CipherError::Base64)?;
    let dec = cbc::Decryptor::<aes::Aes128>::new(&k.into(), &v.into());
    let p = dec
        .decrypt_padded_vec::<Pkcs7>(&data)
        .map_err(|_| CipherError::Decrypt)?;
    String::from_utf8(p).map_err(|_| CipherError::Decrypt)
}

/// AES-256-CBC/PKCS#7, Base64 out (inibill encrypted billkey, PROTOCOL.md 3.5).
pub fn aes256_encrypt_b64(key: &[u8], iv: &[u8], plain: &[u8]) -> Result<String, CipherError> {
    let k: [u8; 32] = key
        .try_into()
        .map_err(|_| CipherError::Length { expected: 32 })?;
    let v: [u8; 16] = iv
        .try_into()
        .map_err(|_| CipherError::Length { expected: 32 })?;
    let enc = cbc::Encryptor::<aes::Aes256>::new(&k.into(), &v.into());
    Ok(B64.encode(enc.encrypt_padded_vec::<Pkcs7>(plain)))
}

/// Inverse of [`aes256_encrypt_b64`].
pub fn aes256_decrypt_b64(key: &[u8], iv: &[u8], b64: &str) -> Result<String, CipherError> {
    let k: [u8; 32] = key
        .try_into()
        .map_err(|_| CipherError::Length { expected: 32 })?;
    let v: [u8; 16] = iv
        .try_into()
        .map_err(|_| CipherError::Length { expected: 32 })?;
    let data = B64.decode(b64).map_err(|_| CipherError::Base64)?;
    let dec = cbc::Decryptor::<aes::Aes256>::new(&k.into(), &v.into());
    let p = dec
        .decrypt_padded_vec::<Pkcs7>(&data)
        .map_err(|_| CipherError::Decrypt)?;
    String::from_utf8(p).map_err(|_| CipherError::Decrypt)
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // PROTOCOL.md 6: V1-V11, A1-A6.
    #[test]
    fn v1_v2_sha256_hashdata() {
        assert_eq!(
            sha256_hex(b"INIBillTstORDERID123420130808171939b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09"),
            "964bc7c98d9b3ca3a1375d97bd5637a92209869b55f397ea8a47f9b088fe9c69"
        );
        assert_eq!(
            sha256_hex(b"1000INIBillTstORDERID123420130808171939b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09"),
            "0c74f9c01492fc059bc19ab0355e5a1c6534ed5401cd5b7803e6a1ae5205311d"
        );
    }

    #[test]
    fn v3_sha512_inilitepay() {
        assert_eq!(
            sha512_hex(b"1000INIBillTstORDERID123420130808171939b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09"),
            "0226275367811b18603c52f78608fad06f5f9107e9acd39513f2b8c1c207901ac0a2ee9c847000dca335fe64cb428a701c0dcdfd612a2acc7a31ebec8495872a"
        );
    }

    #[test]
    fn v4_v5_chkfake() {
        let k = "3CB8183A4BE283555ACC8363C0360223";
        assert_eq!(
            chkfake("1000", "url_99120", "1640061760611", k),
            "bKVddmNY3kUqWWbeffnPN6r9NatBqhNZe7bx677NyxeLvb42wCRCxEjGx+aH2CATMm0BE8PEKw1x2PqFQbgrsA=="
        );
        assert_eq!(
            chkfake("1000", "ORD20240101120000001", "1704078000000", k),
            "DmoyRuStniabOHAaP612Bmo/FOAfMKA1ktMoMH+QTNh/wN/dckam1XbCe+pGPcAgHP9sIhYqz3FVeAOJeS72UQ=="
        );
    }

    #[test]
    fn v7_to_v11_iniapi_v1() {
        let cases = [
            (
                "rKnPljRn5m6J9MzzBillingCard20240101120000192.0.0.1INIBillTstINIBillTst_202401011200001000734f880246ece4ffdba841c1436399c9968d32cc",
                "5221a587e945accefb10c6a1074a6255111e2fb82c8f692de7d8c21369013724db8e371f929aabf06a0b0149ba8d1e191d07ec50943267ec629c2c774f0f5fbd",
            ),
            (
                "ItEQKi3rY7uvDS8lRefundCard20240101120000192.0.0.1INIpayTestStdpayCARDINIpayTest20210101111111111111",
                "1a6d92c3e4a67d3b31be1395b908591082802218a678ae3d5d9d9329dd0ddd09af6a88da254613eececd456f67b0ca576a5366a1e1164c9c39e3546523103d59",
            ),
            (
                "ItEQKi3rY7uvDS8lPartialRefundCard20240101120000192.0.0.1INIpayTestStdpayCARDINIpayTest20210101111111111111500500",
                "a66b0a5dc8c30b885536339ad0d215ef211301ef7f97483c1f273fd0ea929fb68f75609ff26d1adfdf9572a40be1b5f61579c7caf4745f62caeeca577efddc93",
            ),
            (
                "ItEQKi3rY7uvDS8lRefundVacct20240101120000192.0.0.1INIpayTestINIMX_VBNKINIpayTest20160504112903950668qwMHVJqsmXKoR+d8wQTS4g==",
                "ab0bda87f27a712ccb9a3310f6c0d9acf03385c14daeac200608e87aaadc47d312df86e9dbd678c909b7ce372486b3e346e07d0e5622fdf5929d7d6a4e4faf61",
            ),
            (
                "ItEQKi3rY7uvDS8lExtraInquiry20240101120000192.0.0.1INIpayTest",
                "d858b62f64c2e6f7b42db0ea17c09d201389f8960de649bb57f8672e6410bae9bc885a4704cc6fff67f82ea71f148d20b31010954b67a0937c9960c38319c557",
            ),
        ];
        for (plain, want) in cases {
            assert_eq!(sha512_hex(plain.as_bytes()), want, "{plain}");
        }
    }

    #[test]
    fn a1_to_a3_aes128() {
        let (k, iv) = (b"ItEQKi3rY7uvDS8l", b"HYb3yQ4f65QL89==");
        assert_eq!(
            aes128_encrypt_b64(k, iv, b"123456789").unwrap(),
            "qwMHVJqsmXKoR+d8wQTS4g=="
        );
        assert_eq!(
            aes128_encrypt_b64(k, iv, b"1002856123456").unwrap(),
            "b4mftjDfaxGYpI5lC4andg=="
        );
        assert_eq!(
            aes128_encrypt_b64(k, b"2IgsAQSbMqHkAkj3", b"123456789").unwrap(),
            "cElvlCsm4itQcw2o0dslPg=="
        );
        assert_eq!(
            aes128_decrypt_b64(k, iv, "qwMHVJqsmXKoR+d8wQTS4g==").unwrap(),
            "123456789"
        );
    }

    #[test]
    fn a4_to_a6_aes256() {
        let k = b"b09LVzhuTGZVaEY1WmJoQnZzdXpRdz09";
        let zero = [0u8; 16];
        let a4 = aes256_encrypt_b64(k, &zero, b"734f880246ece4ffdba841c1436399c9968d32cc").unwrap();
        assert_eq!(
            a4,
            "V6LdAjEUr5zcaqNlP2a+/JV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX"
        );
        assert_eq!(
            hex::encode(B64.decode(&a4).unwrap()),
            "57a2dd023114af9cdc6aa3653f66befc9577876415e26ce1d828aa24557c7ef60088f8054390f1b6cac73025d6591257"
        );
        assert_eq!(
            Form::from_pairs([("b", a4.as_str())]).encode(Charset::Utf8),
            b"b=V6LdAjEUr5zcaqNlP2a%2B%2FJV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX"
        );
        assert_eq!(
            aes256_encrypt_b64(k, &zero, b"4111111111111111").unwrap(),
            "SnHW7X+HFo+5OHj0w06ZnCLhy7PqNOZ5Ydk9EH0INfs="
        );
        assert_eq!(
            aes256_encrypt_b64(k, &k[..16], b"734f880246ece4ffdba841c1436399c9968d32cc").unwrap(),
            "8Ak9Dq5vm3F2HkZvc11PlxfcZ5vO1vuj+8ckJagDFCEIQ0+HtKQFUWJu3h3577o/"
        );
        assert_eq!(
            aes256_decrypt_b64(k, &zero, &a4).unwrap(),
            "734f880246ece4ffdba841c1436399c9968d32cc"
        );
    }

    #[test]
    fn euc_kr_form_bytes_of_protocol_example() {
        let f = Form::from_pairs([("P_GOODS", "테스트상품"), ("P_UNAME", "홍길동")]);
        assert_eq!(
            f.encode(Charset::EucKr),
            b"P_GOODS=%C5%D7%BD%BA%C6%AE%BB%F3%C7%B0&P_UNAME=%C8%AB%B1%E6%B5%BF"
        );
        let back = Form::parse(&f.encode(Charset::EucKr), Charset::EucKr).unwrap();
        assert_eq!(back, f);
    }

    #[test]
    fn parse_rules() {
        let f = Form::parse(b"a=1+2&b=&c&&d=x=y", Charset::Utf8).unwrap();
        assert_eq!(f.get("a"), Some("1 2"));
        assert_eq!(f.get("b"), Some(""));
        assert_eq!(f.get("c"), Some(""));
        assert_eq!(f.get("d"), Some("x=y"));
        assert_eq!(
            Form::parse(b"a=%G1", Charset::Utf8),
            Err(WireError::BadEscape)
        );
        assert_eq!(
            Form::parse(b"a=%C5", Charset::EucKr),
            Err(WireError::BadCharset)
        );
        assert!(matches!(
            Form::parse(b"a=1&a=2", Charset::Utf8),
            Err(WireError::Duplicate(_))
        ));
    }

    #[test]
    fn kv_reply_escapes_only_reserved() {
        let b = encode_kv_reply(
            &[
                ("P_RMESG1", "정상 처리".into()),
                ("P_X", "a&b=c%+d :/".into()),
            ],
            Charset::Utf8,
        );
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "P_RMESG1=정상 처리&P_X=a%26b%3Dc%25%2Bd :/"
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = Form::parse(&bytes, Charset::EucKr);
            let _ = Form::parse(&bytes, Charset::Utf8);
        }

        #[test]
        fn encode_parse_round_trip(pairs in proptest::collection::vec(("[A-Za-z_]{1,8}", "[가-힣a-z0-9 &=%+/]{0,12}"), 0..6)) {
            let mut seen = std::collections::HashSet::new();
            let pairs: Vec<_> = pairs.into_iter().filter(|(k, _)| seen.insert(k.clone())).collect();
            let f = Form::from_pairs(pairs);
            for cs in [Charset::EucKr, Charset::Utf8] {
                prop_assert_eq!(Form::parse(&f.encode(cs), cs).unwrap(), f.clone());
            }
        }
    }
}
