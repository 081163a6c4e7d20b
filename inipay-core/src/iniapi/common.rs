//! What every INIAPI request shares: the API version, the caller's timestamp
//! and IP, the v1 and v2 signing rules and the signed [`ApiRequest`].

use crate::config::{ConfigError, Merchant, Origin};
use crate::crypto::{self, CryptoError};
use crate::encoding::percent_encode_into;
use crate::time::Timestamp;
use crate::types::{FieldError, FieldErrorKind, mask_tail};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::net::IpAddr;
use zeroize::Zeroizing;

/// Which INIAPI generation a merchant uses (PROTOCOL.md 4 vs 5). Chosen per
/// merchant in [`IniapiConfig`]: v2 is newer, v1 is the one confirmed to
/// accept inilitepay billing keys (PROTOCOL.md 3.6, (1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ApiVersion {
    /// `/api/v1/...`, form-encoded (default: the better documented one).
    #[default]
    V1,
    /// `/v2/pg/...`, JSON envelope.
    V2,
}

/// Per-merchant INIAPI settings.
///
/// ```
/// use inipay_core::iniapi::{ApiVersion, IniapiConfig};
/// assert_eq!(IniapiConfig::default().version, ApiVersion::V1);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IniapiConfig {
    /// The wire version used for every request of this merchant.
    pub version: ApiVersion,
}

impl IniapiConfig {
    /// Signs `request` for `merchant` with this configuration's version.
    pub fn sign<R: IniapiRequest + ?Sized>(
        &self,
        request: &R,
        merchant: &Merchant,
        meta: &RequestMeta,
    ) -> Result<ApiRequest, SignError> {
        request.sign(merchant, self.version, meta)
    }
}

/// An INIAPI request that can be signed in either version.
pub trait IniapiRequest {
    /// Signs for `merchant` in `version` at `meta`.
    fn sign(
        &self,
        merchant: &Merchant,
        version: ApiVersion,
        meta: &RequestMeta,
    ) -> Result<ApiRequest, SignError>;
}

/// The merchant server's IP (`clientIp`), sent and (v1) hashed as text.
///
/// ```
/// use inipay_core::iniapi::ClientIp;
/// assert_eq!(ClientIp::parse("192.0.0.1").unwrap().to_string(), "192.0.0.1");
/// assert!(ClientIp::parse("localhost").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(IpAddr);

impl ClientIp {
    /// Parses an IPv4 or IPv6 address.
    pub fn parse(text: &str) -> Result<ClientIp, FieldError> {
        text.trim()
            .parse()
            .map(ClientIp)
            .map_err(|_| FieldError::new("clientIp", FieldErrorKind::Format("an IP address")))
    }
}

impl From<IpAddr> for ClientIp {
    fn from(ip: IpAddr) -> ClientIp {
        ClientIp(ip)
    }
}

impl fmt::Display for ClientIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// When and from where a request is made: the two values every INIAPI hash
/// includes (v1) or sends (v2). Passed in, never read from a clock here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestMeta {
    /// The instant; sent as KST `YYYYMMDDhhmmss`.
    pub timestamp: Timestamp,
    /// The merchant server's IP.
    pub client_ip: ClientIp,
}

impl RequestMeta {
    /// A meta from a timestamp and an IP text.
    pub fn new(timestamp: Timestamp, client_ip: &str) -> Result<RequestMeta, FieldError> {
        Ok(RequestMeta {
            timestamp,
            client_ip: ClientIp::parse(client_ip)?,
        })
    }
}

/// `paymethod` of refunds and inquiries (PROTOCOL.md 4.1; case-sensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PayMethod {
    /// `Card`.
    Card,
    /// `Acct`: real-time account transfer.
    Acct,
    /// `Vacct`: virtual account after deposit (refund to the buyer's account;
    /// use [`VacctRefund`](super::VacctRefund)).
    Vacct,
    /// `GVacct`: virtual account before deposit (cancels the issued number).
    GVacct,
    /// `HPP`: phone.
    Hpp,
    /// `Receipt`: cash receipt.
    Receipt,
    /// `Voucher`: gift card.
    Voucher,
    /// `Paypal`.
    Paypal,
    /// `Apay`: Alipay.
    Apay,
    /// `TPAY`: WeChat Pay.
    Tpay,
}

impl PayMethod {
    /// The wire value.
    pub fn code(self) -> &'static str {
        match self {
            PayMethod::Card => "Card",
            PayMethod::Acct => "Acct",
            PayMethod::Vacct => "Vacct",
            PayMethod::GVacct => "GVacct",
            PayMethod::Hpp => "HPP",
            PayMethod::Receipt => "Receipt",
            PayMethod::Voucher => "Voucher",
            PayMethod::Paypal => "Paypal",
            PayMethod::Apay => "Apay",
            PayMethod::Tpay => "TPAY",
        }
    }
}

/// The INIAPI operation a request performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// Billing charge with a billkey (4.2, 5.2).
    Billing,
    /// Full refund (4.3, 5.3).
    Refund,
    /// Partial refund (4.4, 5.4).
    PartialRefund,
    /// Virtual-account refund to the buyer's account (4.3, 5.5).
    VacctRefund,
    /// Virtual-account partial refund (4.4, 5.5).
    VacctPartialRefund,
    /// Transaction inquiry (4.5, 5.6).
    Inquiry,
}

impl Service {
    /// The path appended to the INIAPI base URL.
    pub fn path(self, version: ApiVersion) -> &'static str {
        match (version, self) {
            (ApiVersion::V1, Service::Billing) => "/api/v1/billing",
            (
                ApiVersion::V1,
                Service::Refund
                | Service::PartialRefund
                | Service::VacctRefund
                | Service::VacctPartialRefund,
            ) => "/api/v1/refund",
            (ApiVersion::V1, Service::Inquiry) => "/api/v1/extra",
            (ApiVersion::V2, Service::Billing) => "/v2/pg/billing",
            (ApiVersion::V2, Service::Refund) => "/v2/pg/refund",
            (ApiVersion::V2, Service::PartialRefund) => "/v2/pg/partialRefund",
            (ApiVersion::V2, Service::VacctRefund) => "/v2/pg/refund/vacct",
            (ApiVersion::V2, Service::VacctPartialRefund) => "/v2/pg/partialRefund/vacct",
            (ApiVersion::V2, Service::Inquiry) => "/v2/pg/inquiry",
        }
    }

    /// Whether the operation moves money (and so must never be retried blindly).
    pub fn moves_money(self) -> bool {
        self != Service::Inquiry
    }
}

/// Why a request could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// A field is invalid.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The INIAPI key or IV is missing.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// An `[ENC]` field could not be encrypted (INIAPI key or IV of the wrong
    /// length). Carries nothing secret.
    #[error("cannot encrypt {field}: {source}")]
    Encrypt {
        /// The field.
        field: &'static str,
        /// The cipher failure.
        #[source]
        source: CryptoError,
    },
    /// The request has no form in this version.
    #[error("{0} is not available in INIAPI {1:?}")]
    Unsupported(&'static str, ApiVersion),
}

/// How a field's value may be shown.
#[derive(Clone)]
pub(crate) enum Value {
    /// Shown in `Debug`.
    Plain(String),
    /// Personal data (name, phone, e-mail): masked in `Debug`.
    Personal(String),
    /// A billkey or encrypted account number: never shown.
    Secret(SecretString),
}

impl Value {
    pub(crate) fn expose(&self) -> &str {
        match self {
            Value::Plain(s) | Value::Personal(s) => s,
            Value::Secret(s) => s.expose_secret(),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Plain(s) => fmt::Debug::fmt(s, f),
            Value::Personal(s) => fmt::Debug::fmt(&mask_tail(s, 1), f),
            Value::Secret(_) => f.write_str("[REDACTED]"),
        }
    }
}

/// A service's own fields, in wire order.
pub(crate) type Fields = Vec<(&'static str, Value)>;

pub(crate) fn plain(name: &'static str, v: impl Into<String>) -> (&'static str, Value) {
    (name, Value::Plain(v.into()))
}
pub(crate) fn personal(name: &'static str, v: impl Into<String>) -> (&'static str, Value) {
    (name, Value::Personal(v.into()))
}
pub(crate) fn secret(name: &'static str, v: &SecretString) -> (&'static str, Value) {
    (name, Value::Secret(v.clone()))
}

/// A signed INIAPI request: where to post it and what to post.
///
/// `Debug` masks billkeys, account numbers and buyer data.
///
/// ```
/// # use inipay_core::config::{Endpoints, Merchant, test_keys};
/// # let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(), Endpoints::sandbox("http://127.0.0.1:8081")?)?;
/// use inipay_core::iniapi::{IniapiConfig, Inquiry, RequestMeta};
/// use inipay_core::time::Timestamp;
///
/// let meta = RequestMeta::new(Timestamp::from_unix_millis(1_704_078_000_000), "192.0.0.1")?;
/// let req = IniapiConfig::default()
///     .sign(&Inquiry::by_tid("StdpayCARDINIpayTest20210101111111111111")?, &merchant, &meta)?;
/// assert_eq!(req.url, "http://127.0.0.1:8081/api/v1/extra");
/// assert_eq!(req.content_type(), "application/x-www-form-urlencoded; charset=utf-8");
/// assert_eq!(req.field("type"), Some("Extra"));
/// assert!(req.hash_data().starts_with("d858b62f")); // PROTOCOL.md 6, V11
/// assert!(String::from_utf8(req.to_body())?.ends_with(req.hash_data()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ApiRequest {
    /// The MID and mode that made it.
    pub origin: Origin,
    /// The wire version.
    pub version: ApiVersion,
    /// The operation.
    pub service: Service,
    /// The full URL (`Merchant::endpoints().iniapi_base` + the service path).
    pub url: String,
    head: Vec<(&'static str, String)>,
    fields: Fields,
    hash_data: String,
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRequest")
            .field("origin", &self.origin)
            .field("version", &self.version)
            .field("service", &self.service)
            .field("url", &self.url)
            .field("head", &self.head)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

/// `application/x-www-form-urlencoded; charset=utf-8` (PROTOCOL.md 4.1).
pub const V1_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
/// `application/json;charset=utf-8` (PROTOCOL.md 5.1).
pub const V2_CONTENT_TYPE: &str = "application/json;charset=utf-8";

impl ApiRequest {
    /// The `hashData` sent.
    pub fn hash_data(&self) -> &str {
        &self.hash_data
    }

    /// The gateway client's name for this call, which decides retry safety
    /// (only inquiries are retried).
    #[cfg(feature = "client")]
    pub fn call(&self) -> crate::client::Call {
        use crate::client::Call;
        match self.service {
            Service::Billing => Call::BillingCharge,
            Service::Refund | Service::VacctRefund => Call::Refund,
            Service::PartialRefund | Service::VacctPartialRefund => Call::PartialRefund,
            Service::Inquiry => Call::Inquiry,
        }
    }

    /// The `Content-Type` header to send.
    pub fn content_type(&self) -> &'static str {
        match self.version {
            ApiVersion::V1 => V1_CONTENT_TYPE,
            ApiVersion::V2 => V2_CONTENT_TYPE,
        }
    }

    /// A non-secret field's value (envelope fields such as `type` or `mid`,
    /// or a service field); `None` for absent and for secret fields (billkey,
    /// encrypted account number).
    pub fn field(&self, name: &str) -> Option<&str> {
        if name == "hashData" {
            return Some(&self.hash_data);
        }
        if let Some((_, v)) = self.head.iter().find(|(k, _)| *k == name) {
            return Some(v);
        }
        self.fields
            .iter()
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| match v {
                Value::Secret(_) => None,
                other => Some(other.expose()),
            })
    }

    /// The names of every field sent, in order (for v2: envelope and `data`
    /// keys).
    pub fn field_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.head.iter().map(|(k, _)| *k).collect();
        names.extend(self.fields.iter().map(|(k, _)| *k));
        names.push("hashData");
        names
    }

    /// The body to post. Contains the billkey of a billing charge: do not log
    /// it.
    ///
    /// v1: `key=value&...`, every value percent-encoded in UTF-8, ending in
    /// `hashData`. v2: the JSON envelope `{"mid":..,"type":..,[paymethod],
    /// "timestamp":..,"clientIp":..,"data":{..},"hashData":..}`.
    pub fn to_body(&self) -> Vec<u8> {
        match self.version {
            ApiVersion::V1 => {
                let mut out = Vec::with_capacity(512);
                let pairs = self
                    .head
                    .iter()
                    .map(|(k, v)| (*k, v.as_str()))
                    .chain(self.fields.iter().map(|(k, v)| (*k, v.expose())))
                    .chain(std::iter::once(("hashData", self.hash_data.as_str())));
                for (i, (k, v)) in pairs.enumerate() {
                    if i > 0 {
                        out.push(b'&');
                    }
                    percent_encode_into(k.as_bytes(), &mut out);
                    out.push(b'=');
                    percent_encode_into(v.as_bytes(), &mut out);
                }
                out
            }
            ApiVersion::V2 => {
                let mut out = String::with_capacity(512);
                out.push('{');
                for (k, v) in &self.head {
                    json_string(k, &mut out);
                    out.push(':');
                    json_string(v, &mut out);
                    out.push(',');
                }
                out.push_str("\"data\":");
                out.push_str(&json_data(&self.fields));
                out.push_str(",\"hashData\":");
                json_string(&self.hash_data, &mut out);
                out.push('}');
                out.into_bytes()
            }
        }
    }
}

/// Appends `s` as a JSON string the way `serde_json` and PHP's
/// `json_encode(.., JSON_UNESCAPED_UNICODE)` + `\/`→`/` do: `"` `\` and control
/// characters escaped, `/` and non-ASCII left as they are (PROTOCOL.md 5.1).
pub(crate) fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The compact JSON of `data`, keys in the order sent. Contains secrets.
pub(crate) fn json_data(fields: &Fields) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(256));
    out.push('{');
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_string(k, &mut out);
        out.push(':');
        json_string(v.expose(), &mut out);
    }
    out.push('}');
    out
}

/// Signs a v1 request: `hashData = hex(SHA-512(key ‖ type ‖ paymethod ‖
/// timestamp ‖ clientIp ‖ mid ‖ hash_tail...))` (PROTOCOL.md 4.1-4.5).
pub(crate) fn sign_v1(
    merchant: &Merchant,
    meta: &RequestMeta,
    service: Service,
    (kind, paymethod): (&'static str, &'static str),
    fields: Fields,
    hash_tail: &[&str],
) -> Result<ApiRequest, SignError> {
    let key = merchant.iniapi_key()?;
    let timestamp = meta.timestamp.kst_compact();
    let ip = meta.client_ip.to_string();
    let mid = merchant.mid().as_str();
    let mut plain = Zeroizing::new(String::with_capacity(256));
    for part in [key.expose_secret(), kind, paymethod, &timestamp, &ip, mid] {
        plain.push_str(part);
    }
    for part in hash_tail {
        plain.push_str(part);
    }
    let hash_data = crypto::sha512_hex(plain.as_bytes());
    Ok(ApiRequest {
        origin: merchant.origin(),
        version: ApiVersion::V1,
        service,
        url: url(merchant, service, ApiVersion::V1),
        head: vec![
            ("type", kind.to_owned()),
            ("paymethod", paymethod.to_owned()),
            ("timestamp", timestamp),
            ("clientIp", ip),
            ("mid", mid.to_owned()),
        ],
        fields,
        hash_data,
    })
}

/// Signs a v2 request: `hashData = hex(SHA-512(key ‖ mid ‖ type ‖ timestamp ‖
/// JSON(data)))` (PROTOCOL.md 5.1).
pub(crate) fn sign_v2(
    merchant: &Merchant,
    meta: &RequestMeta,
    service: Service,
    kind: &'static str,
    paymethod: Option<&'static str>,
    data: Fields,
) -> Result<ApiRequest, SignError> {
    let key = merchant.iniapi_key()?;
    let timestamp = meta.timestamp.kst_compact();
    let mid = merchant.mid().as_str();
    let json = json_data(&data);
    let mut plain = Zeroizing::new(String::with_capacity(256 + json.len()));
    for part in [key.expose_secret(), mid, kind, &timestamp, json.as_str()] {
        plain.push_str(part);
    }
    let hash_data = crypto::sha512_hex(plain.as_bytes());
    let mut head = vec![("mid", mid.to_owned()), ("type", kind.to_owned())];
    if let Some(p) = paymethod {
        head.push(("paymethod", p.to_owned()));
    }
    head.push(("timestamp", timestamp));
    head.push(("clientIp", meta.client_ip.to_string()));
    Ok(ApiRequest {
        origin: merchant.origin(),
        version: ApiVersion::V2,
        service,
        url: url(merchant, service, ApiVersion::V2),
        head,
        fields: data,
        hash_data,
    })
}

fn url(merchant: &Merchant, service: Service, version: ApiVersion) -> String {
    format!(
        "{}{}",
        merchant.endpoints().iniapi_base.trim_end_matches('/'),
        service.path(version)
    )
}

/// `[ENC]` field: Base64(AES-128-CBC(INIAPI key, INIAPI IV)) (PROTOCOL.md 4.1).
pub(crate) fn encrypt(
    merchant: &Merchant,
    field: &'static str,
    plain: &SecretString,
) -> Result<SecretString, SignError> {
    let key = merchant.iniapi_key()?;
    let iv = merchant.iniapi_iv()?;
    crypto::aes128_cbc_encrypt_b64(
        key.expose_secret().as_bytes(),
        iv.expose_secret().as_bytes(),
        plain.expose_secret().as_bytes(),
    )
    .map(SecretString::from)
    .map_err(|source| SignError::Encrypt { field, source })
}

/// Free text for INIAPI (`goodName`, `buyerName`, `msg`, ...): no control
/// characters, no `"` or `\` (their JSON escaping differs between INICIS's
/// PHP and Node samples, so a v2 hash could not match, PROTOCOL.md 5.1), only
/// characters EUC-KR can carry, at most `limit` UTF-8 bytes. INIAPI gives no
/// sizes for these fields; the limits used are those of the same data in the
/// billing-key forms (I), counted in UTF-8 bytes like there (the safe unit,
/// see [`crate::billing::SizeUnit`]).
pub(crate) fn check_api_text(
    field: &'static str,
    value: &str,
    limit: usize,
) -> Result<String, FieldError> {
    if value.trim().is_empty() {
        return Err(FieldError::new(field, FieldErrorKind::Missing));
    }
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() || matches!(c, '"' | '\\'))
    {
        return Err(FieldError::new(field, FieldErrorKind::ForbiddenChar(c)));
    }
    crate::encoding::euc_kr_len(value)
        .map_err(|e| FieldError::new(field, FieldErrorKind::Unencodable(e.ch)))?;
    if value.len() > limit {
        return Err(FieldError::new(
            field,
            FieldErrorKind::TooLong {
                limit,
                actual: value.len(),
            },
        ));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_string_matches_serde_json() {
        for s in [
            "a/b",
            "테스트",
            "q\"b\\s",
            "\u{1}\n\t",
            "www.inicis.com",
            "\u{7f}",
        ] {
            let mut ours = String::new();
            json_string(s, &mut ours);
            assert_eq!(ours, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn api_text_rules() {
        assert!(check_api_text("msg", "거래취소요청", 100).is_ok());
        assert!(check_api_text("msg", "a/b: c?&d", 100).is_ok());
        assert_eq!(
            check_api_text("msg", "a\"b", 100).unwrap_err().kind,
            FieldErrorKind::ForbiddenChar('"')
        );
        assert_eq!(
            check_api_text("msg", "", 100).unwrap_err().kind,
            FieldErrorKind::Missing
        );
        assert!(check_api_text("msg", "😀", 100).is_err());
        assert!(check_api_text("goodName", &"가".repeat(26), 80).is_ok());
        assert!(check_api_text("goodName", &"가".repeat(27), 80).is_err());
    }

    #[cfg(feature = "client")]
    #[test]
    fn client_call_mapping_matches_retry_safety() {
        use crate::config::{Endpoints, test_keys};
        let m = Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
        )
        .unwrap();
        let meta = RequestMeta::new(Timestamp::from_unix_millis(0), "127.0.0.1").unwrap();
        let q = super::super::Inquiry::by_tid("T1").unwrap();
        let r = IniapiConfig::default().sign(&q, &m, &meta).unwrap();
        assert!(r.call().is_idempotent());
        let refund = super::super::Refund::new(PayMethod::Card, "T1", "m").unwrap();
        let r = IniapiConfig {
            version: ApiVersion::V2,
        }
        .sign(&refund, &m, &meta)
        .unwrap();
        assert!(!r.call().is_idempotent());
        assert_eq!(r.service.moves_money(), !r.call().is_idempotent());
    }

    #[test]
    fn paths() {
        assert_eq!(
            Service::PartialRefund.path(ApiVersion::V1),
            "/api/v1/refund"
        );
        assert_eq!(
            Service::VacctPartialRefund.path(ApiVersion::V2),
            "/v2/pg/partialRefund/vacct"
        );
        assert_eq!(Service::Inquiry.path(ApiVersion::V1), "/api/v1/extra");
        assert!(!Service::Inquiry.moves_money());
    }
}
