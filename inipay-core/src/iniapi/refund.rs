//! Refunds (취소/환불; PROTOCOL.md 4.3-4.4, 5.3-5.5): full, partial, and the
//! virtual-account variants that pay back to the buyer's bank account.
//!
//! A partial refund states the amount that stays approved (`confirmPrice`);
//! INICIS checks it against its own remaining amount (PROTOCOL.md 4.4). The
//! constructor computes it from the remaining amount the caller knows, and
//! refuses a refund of 0 or of more than what remains:
//!
//! ```
//! use inipay_core::iniapi::{PartialRefund, PayMethod};
//! use inipay_core::types::Amount;
//! let r = PartialRefund::new(PayMethod::Card, "StdpayCARDINIpayTest20210101111111111111",
//!     "부분취소", Amount::won(700), Amount::won(1000)).unwrap();
//! assert_eq!(r.confirm_price(), Amount::won(300));
//! assert!(PartialRefund::new(PayMethod::Card, "StdpayCARDINIpayTest20210101111111111111",
//!     "부분취소", Amount::won(1001), Amount::won(1000)).is_err());
//! ```

use super::PayMethod;
use super::common::{
    ApiRequest, ApiVersion, Fields, IniapiRequest, RequestMeta, Service, SignError, check_api_text,
    encrypt, personal, plain, secret, sign_v1, sign_v2,
};
use crate::config::Merchant;
use crate::types::{Amount, FieldError, FieldErrorKind, Tid, mask_tail};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// The limit used for `msg` (the refund reason). Not documented; (I).
const MSG_LIMIT: usize = 100;

/// `currency` of a partial refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Currency {
    /// `WON` (default).
    #[default]
    Won,
    /// `USD`.
    Usd,
}

impl Currency {
    /// The wire value.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Won => "WON",
            Currency::Usd => "USD",
        }
    }
}

/// A bank code (`refundBankCode`): two ASCII letters or digits
/// (`20` 우리, `88` 신한, `D1` ... securities; PROTOCOL.md 2.10).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BankCode(String);

impl BankCode {
    /// Validates a bank code.
    pub fn new(code: &str) -> Result<BankCode, FieldError> {
        if code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(BankCode(code.to_ascii_uppercase()))
        } else {
            Err(FieldError::new(
                "refundBankCode",
                FieldErrorKind::Format("a two-character bank code"),
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The buyer's bank account a virtual-account payment is refunded to.
/// Personal data: `Debug` shows the bank only.
#[derive(Clone)]
pub struct RefundAccount {
    /// `refundBankCode`.
    pub bank: BankCode,
    number: SecretString,
    holder: String,
}

impl fmt::Debug for RefundAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefundAccount")
            .field("bank", &self.bank)
            .field("number", &"[REDACTED]")
            .field("holder", &mask_tail(&self.holder, 1))
            .finish()
    }
}

impl RefundAccount {
    /// An account: `number` is digits only (it is sent AES-encrypted as
    /// `refundAcctNum`), `holder` the account holder's name (`refundAcctName`).
    pub fn new(
        bank: BankCode,
        number: SecretString,
        holder: &str,
    ) -> Result<RefundAccount, FieldError> {
        let n = number.expose_secret();
        if n.is_empty() {
            return Err(FieldError::new("refundAcctNum", FieldErrorKind::Missing));
        }
        if !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new("refundAcctNum", FieldErrorKind::NotDigits));
        }
        if n.len() > 20 {
            return Err(FieldError::new(
                "refundAcctNum",
                FieldErrorKind::TooLong {
                    limit: 20,
                    actual: n.len(),
                },
            ));
        }
        let holder = check_api_text("refundAcctName", holder, 30)?;
        Ok(RefundAccount {
            bank,
            number,
            holder,
        })
    }
}

fn tid(v: &str) -> Result<Tid, FieldError> {
    Tid::with_field("tid", v)
}

fn msg(v: &str) -> Result<String, FieldError> {
    check_api_text("msg", v, MSG_LIMIT)
}

/// `confirmPrice = remaining - price`, with `0 < price <= remaining`.
fn confirm_price(price: Amount, remaining: Amount) -> Result<Amount, FieldError> {
    if price.is_zero() {
        return Err(FieldError::new(
            "price",
            FieldErrorKind::OutOfRange {
                min: 1,
                max: remaining.get(),
            },
        ));
    }
    remaining.checked_sub(price).ok_or(FieldError::new(
        "price",
        FieldErrorKind::OutOfRange {
            min: 1,
            max: remaining.get(),
        },
    ))
}

/// A full refund of a card, transfer, phone, gift-card... payment
/// (`type=Refund` / v2 `refund`).
///
/// ```
/// # use inipay_core::config::{Endpoints, Merchant, test_keys};
/// # let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(), Endpoints::sandbox("http://127.0.0.1:8081")?)?;
/// use inipay_core::iniapi::{ApiVersion, IniapiConfig, PayMethod, Refund, RequestMeta};
/// use inipay_core::time::Timestamp;
///
/// let refund = Refund::new(PayMethod::Card, "StdpayCARDINIpayTest20210101111111111111", "거래취소요청")?;
/// let meta = RequestMeta::new(Timestamp::from_unix_millis(1_704_078_000_000), "192.0.0.1")?;
/// let v2 = IniapiConfig { version: ApiVersion::V2 }.sign(&refund, &merchant, &meta)?;
/// assert_eq!(v2.url, "http://127.0.0.1:8081/v2/pg/refund");
/// assert!(v2.hash_data().starts_with("544b407d")); // PROTOCOL.md 6, V13
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// `paymethod`.
    pub method: PayMethod,
    /// `tid`: the **approval** TID (for Mobile WEB, the `P_TID` of the approval,
    /// not the `INIMX_AUTH` one; PROTOCOL.md 4.3).
    pub tid: Tid,
    /// `msg`: the reason.
    pub msg: String,
}

impl Refund {
    /// A full refund. A deposited virtual account needs the buyer's account:
    /// use [`VacctRefund`] (`Vacct` is refused here).
    pub fn new(method: PayMethod, tid_: &str, msg_: &str) -> Result<Refund, FieldError> {
        if method == PayMethod::Vacct {
            return Err(FieldError::new(
                "paymethod",
                FieldErrorKind::Format("not Vacct (use VacctRefund, which carries the account)"),
            ));
        }
        Ok(Refund {
            method,
            tid: tid(tid_)?,
            msg: msg(msg_)?,
        })
    }
}

impl IniapiRequest for Refund {
    fn sign(
        &self,
        merchant: &Merchant,
        version: ApiVersion,
        meta: &RequestMeta,
    ) -> Result<ApiRequest, SignError> {
        let fields: Fields = vec![plain("tid", self.tid.as_str()), plain("msg", &self.msg)];
        match version {
            ApiVersion::V1 => sign_v1(
                merchant,
                meta,
                Service::Refund,
                ("Refund", self.method.code()),
                fields,
                &[self.tid.as_str()],
            ),
            ApiVersion::V2 => sign_v2(merchant, meta, Service::Refund, "refund", None, fields),
        }
    }
}

/// A partial refund (`type=PartialRefund` / v2 `partialRefund`). Each one
/// creates a new TID; later partial refunds still name the original TID.
///
/// ```
/// use inipay_core::iniapi::{PartialRefund, PayMethod};
/// use inipay_core::types::Amount;
///
/// // 1000 approved, 300 refunded before: refund 500 now, 200 stays approved.
/// let r = PartialRefund::new(PayMethod::Card, "StdpayCARDINIpayTest20210101111111111111", "부분취소",
///     Amount::won(500), Amount::won(700))?;
/// assert_eq!(r.confirm_price(), Amount::won(200));
/// assert!(PartialRefund::new(PayMethod::Card, "StdpayCARDINIpayTest20210101111111111111", "부분취소",
///     Amount::won(800), Amount::won(700)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialRefund {
    /// `paymethod`.
    pub method: PayMethod,
    /// `tid`: the original approval TID.
    pub tid: Tid,
    /// `msg`: the reason.
    pub msg: String,
    /// `price`: the amount refunded now.
    pub price: Amount,
    confirm_price: Amount,
    /// `currency` (default `WON`).
    pub currency: Currency,
    /// `tax`: VAT part of the refund, optional.
    pub tax: Option<Amount>,
    /// `taxFree` (v1) / `taxfree` (v2): tax-free part, optional.
    pub tax_free: Option<Amount>,
}

impl PartialRefund {
    /// Refunds `price` out of `remaining`, the amount still approved before
    /// this refund. `confirmPrice` becomes `remaining - price`; refunding
    /// everything that remains (confirmPrice 0) is allowed.
    pub fn new(
        method: PayMethod,
        tid_: &str,
        msg_: &str,
        price: Amount,
        remaining: Amount,
    ) -> Result<PartialRefund, FieldError> {
        if method == PayMethod::Vacct {
            return Err(FieldError::new(
                "paymethod",
                FieldErrorKind::Format("not Vacct (use VacctPartialRefund)"),
            ));
        }
        Ok(PartialRefund {
            method,
            tid: tid(tid_)?,
            msg: msg(msg_)?,
            price,
            confirm_price: confirm_price(price, remaining)?,
            currency: Currency::Won,
            tax: None,
            tax_free: None,
        })
    }

    /// `confirmPrice`: what stays approved after this refund.
    pub fn confirm_price(&self) -> Amount {
        self.confirm_price
    }

    /// Sets `tax` and `taxFree`; their sum may not exceed `price`.
    pub fn with_tax(mut self, tax: Amount, tax_free: Amount) -> Result<PartialRefund, FieldError> {
        if tax.checked_add(tax_free).is_none_or(|t| t > self.price) {
            return Err(FieldError::new(
                "tax",
                FieldErrorKind::OutOfRange {
                    min: 0,
                    max: self.price.get(),
                },
            ));
        }
        self.tax = Some(tax);
        self.tax_free = Some(tax_free);
        Ok(self)
    }

    /// Sets `currency`.
    pub fn with_currency(mut self, currency: Currency) -> PartialRefund {
        self.currency = currency;
        self
    }
}

impl IniapiRequest for PartialRefund {
    fn sign(
        &self,
        merchant: &Merchant,
        version: ApiVersion,
        meta: &RequestMeta,
    ) -> Result<ApiRequest, SignError> {
        let price = self.price.to_wire();
        let confirm = self.confirm_price.to_wire();
        let tax_free_name = match version {
            ApiVersion::V1 => "taxFree",
            // Lower-case f in the v2 samples (PROTOCOL.md 5.4).
            ApiVersion::V2 => "taxfree",
        };
        let mut fields: Fields = vec![
            plain("tid", self.tid.as_str()),
            plain("msg", &self.msg),
            plain("price", &price),
            plain("confirmPrice", &confirm),
            plain("currency", self.currency.code()),
        ];
        if let Some(t) = self.tax {
            fields.push(plain("tax", t.to_wire()));
        }
        if let Some(t) = self.tax_free {
            fields.push(plain(tax_free_name, t.to_wire()));
        }
        match version {
            ApiVersion::V1 => sign_v1(
                merchant,
                meta,
                Service::PartialRefund,
                ("PartialRefund", self.method.code()),
                fields,
                &[self.tid.as_str(), &price, &confirm],
            ),
            ApiVersion::V2 => sign_v2(
                merchant,
                meta,
                Service::PartialRefund,
                "partialRefund",
                None,
                fields,
            ),
        }
    }
}

/// A full refund of a deposited virtual-account payment to the buyer's
/// account (`paymethod=Vacct`; v2 `/v2/pg/refund/vacct`).
///
/// ```
/// # use inipay_core::config::{Endpoints, Merchant, test_keys};
/// # let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(), Endpoints::sandbox("http://127.0.0.1:8081")?)?;
/// use inipay_core::iniapi::{BankCode, IniapiConfig, RefundAccount, RequestMeta, VacctRefund};
/// use inipay_core::time::Timestamp;
/// use secrecy::SecretString;
///
/// let account = RefundAccount::new(BankCode::new("20")?, SecretString::from("123456789".to_owned()), "홍길동")?;
/// let refund = VacctRefund::new("INIMX_VBNKINIpayTest20160504112903950668", "환불", account)?;
/// let meta = RequestMeta::new(Timestamp::from_unix_millis(1_704_078_000_000), "192.0.0.1")?;
/// let req = IniapiConfig::default().sign(&refund, &merchant, &meta)?;
/// // The account number travels AES-128 encrypted (PROTOCOL.md 6, A1) and is never shown.
/// let body = String::from_utf8(req.to_body())?;
/// assert!(body.contains("refundAcctNum=qwMHVJqsmXKoR%2Bd8wQTS4g%3D%3D"));
/// assert_eq!(req.field("refundAcctNum"), None);
/// assert!(!format!("{req:?}").contains("qwMHVJ"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct VacctRefund {
    /// `tid`.
    pub tid: Tid,
    /// `msg`.
    pub msg: String,
    /// Where the money goes.
    pub account: RefundAccount,
}

impl VacctRefund {
    /// A virtual-account refund.
    pub fn new(tid_: &str, msg_: &str, account: RefundAccount) -> Result<VacctRefund, FieldError> {
        Ok(VacctRefund {
            tid: tid(tid_)?,
            msg: msg(msg_)?,
            account,
        })
    }
}

fn account_fields(fields: &mut Fields, enc: &SecretString, account: &RefundAccount) {
    fields.push(secret("refundAcctNum", enc));
    fields.push(plain("refundBankCode", account.bank.as_str()));
    fields.push(personal("refundAcctName", &account.holder));
}

impl IniapiRequest for VacctRefund {
    fn sign(
        &self,
        merchant: &Merchant,
        version: ApiVersion,
        meta: &RequestMeta,
    ) -> Result<ApiRequest, SignError> {
        let enc = encrypt(merchant, "refundAcctNum", &self.account.number)?;
        let mut fields: Fields = vec![plain("tid", self.tid.as_str()), plain("msg", &self.msg)];
        account_fields(&mut fields, &enc, &self.account);
        match version {
            ApiVersion::V1 => sign_v1(
                merchant,
                meta,
                Service::VacctRefund,
                ("Refund", PayMethod::Vacct.code()),
                fields,
                &[self.tid.as_str(), enc.expose_secret()],
            ),
            ApiVersion::V2 => sign_v2(merchant, meta, Service::VacctRefund, "refund", None, fields),
        }
    }
}

/// A partial refund of a deposited virtual-account payment
/// (`type=PartialRefund&paymethod=Vacct`; v2 `/v2/pg/partialRefund/vacct`).
#[derive(Debug, Clone)]
pub struct VacctPartialRefund {
    /// `tid`.
    pub tid: Tid,
    /// `msg`.
    pub msg: String,
    /// `price`: refunded now.
    pub price: Amount,
    confirm_price: Amount,
    /// Where the money goes.
    pub account: RefundAccount,
}

impl VacctPartialRefund {
    /// Refunds `price` out of `remaining` to `account`; see [`PartialRefund::new`].
    pub fn new(
        tid_: &str,
        msg_: &str,
        price: Amount,
        remaining: Amount,
        account: RefundAccount,
    ) -> Result<VacctPartialRefund, FieldError> {
        Ok(VacctPartialRefund {
            tid: tid(tid_)?,
            msg: msg(msg_)?,
            price,
            confirm_price: confirm_price(price, remaining)?,
            account,
        })
    }

    /// `confirmPrice`.
    pub fn confirm_price(&self) -> Amount {
        self.confirm_price
    }
}

impl IniapiRequest for VacctPartialRefund {
    fn sign(
        &self,
        merchant: &Merchant,
        version: ApiVersion,
        meta: &RequestMeta,
    ) -> Result<ApiRequest, SignError> {
        let enc = encrypt(merchant, "refundAcctNum", &self.account.number)?;
        let price = self.price.to_wire();
        let confirm = self.confirm_price.to_wire();
        // Order of the official v2 partialRefund/vacct sample (PROTOCOL.md 5.5).
        let mut fields: Fields = vec![
            plain("tid", self.tid.as_str()),
            plain("msg", &self.msg),
            plain("price", &price),
            plain("confirmPrice", &confirm),
        ];
        account_fields(&mut fields, &enc, &self.account);
        match version {
            ApiVersion::V1 => sign_v1(
                merchant,
                meta,
                Service::VacctPartialRefund,
                ("PartialRefund", PayMethod::Vacct.code()),
                fields,
                &[self.tid.as_str(), &price, &confirm, enc.expose_secret()],
            ),
            ApiVersion::V2 => sign_v2(
                merchant,
                meta,
                Service::VacctPartialRefund,
                "partialRefund",
                None,
                fields,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigError, Endpoints, Keys, test_keys};
    use crate::time::Timestamp;
    use proptest::prelude::*;

    const TID: &str = "StdpayCARDINIpayTest20210101111111111111";
    const VTID: &str = "INIMX_VBNKINIpayTest20160504112903950668";

    fn merchant() -> Merchant {
        Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
        )
        .unwrap()
    }

    fn meta() -> RequestMeta {
        RequestMeta::new(Timestamp::from_unix_millis(1_704_078_000_000), "192.0.0.1").unwrap()
    }

    fn account(number: &str) -> RefundAccount {
        RefundAccount::new(
            BankCode::new("20").unwrap(),
            SecretString::from(number.to_owned()),
            "홍길동",
        )
        .unwrap()
    }

    /// V8 and the PROTOCOL.md 4.3 example body, byte for byte.
    #[test]
    fn v8_and_protocol_example_body() {
        let r = Refund::new(PayMethod::Card, TID, "거래취소요청")
            .unwrap()
            .sign(&merchant(), ApiVersion::V1, &meta())
            .unwrap();
        let expected = "type=Refund&paymethod=Card&timestamp=20240101120000&clientIp=192.0.0.1&mid=INIpayTest&tid=StdpayCARDINIpayTest20210101111111111111&msg=%EA%B1%B0%EB%9E%98%EC%B7%A8%EC%86%8C%EC%9A%94%EC%B2%AD&hashData=1a6d92c3e4a67d3b31be1395b908591082802218a678ae3d5d9d9329dd0ddd09af6a88da254613eececd456f67b0ca576a5366a1e1164c9c39e3546523103d59";
        assert_eq!(String::from_utf8(r.to_body()).unwrap(), expected);
        assert_eq!(r.url, "http://127.0.0.1:8081/api/v1/refund");
    }

    /// V9.
    #[test]
    fn v9_partial_refund() {
        let r = PartialRefund::new(
            PayMethod::Card,
            TID,
            "부분취소",
            Amount::won(500),
            Amount::won(1000),
        )
        .unwrap()
        .sign(&merchant(), ApiVersion::V1, &meta())
        .unwrap();
        assert_eq!(
            r.hash_data(),
            "a66b0a5dc8c30b885536339ad0d215ef211301ef7f97483c1f273fd0ea929fb68f75609ff26d1adfdf9572a40be1b5f61579c7caf4745f62caeeca577efddc93"
        );
        assert_eq!(r.field("confirmPrice"), Some("500"));
        assert_eq!(r.field("currency"), Some("WON"));
        assert_eq!(r.field("type"), Some("PartialRefund"));
    }

    /// V10 and A1: the [ENC] account number inside the hash and, percent-encoded, on the wire.
    #[test]
    fn v10_a1_vacct_refund() {
        let r = VacctRefund::new(VTID, "환불", account("123456789"))
            .unwrap()
            .sign(&merchant(), ApiVersion::V1, &meta())
            .unwrap();
        assert_eq!(
            r.hash_data(),
            "ab0bda87f27a712ccb9a3310f6c0d9acf03385c14daeac200608e87aaadc47d312df86e9dbd678c909b7ce372486b3e346e07d0e5622fdf5929d7d6a4e4faf61"
        );
        let body = String::from_utf8(r.to_body()).unwrap();
        assert!(
            body.contains("&refundAcctNum=qwMHVJqsmXKoR%2Bd8wQTS4g%3D%3D&"),
            "{body}"
        );
        assert!(body.contains("&refundBankCode=20&"), "{body}");
        assert_eq!(r.field("paymethod"), Some("Vacct"));
        assert_eq!(r.field("refundAcctNum"), None);
        let d = format!("{r:?}");
        assert!(!d.contains("qwMHVJ") && !d.contains("길동"), "{d}");
    }

    /// V13: v2 refund.
    #[test]
    fn v13_v2_refund() {
        let r = Refund::new(PayMethod::Card, TID, "거래취소요청")
            .unwrap()
            .sign(&merchant(), ApiVersion::V2, &meta())
            .unwrap();
        assert_eq!(
            r.hash_data(),
            "544b407da4fc36858d0d36286607d2bf8e174994fee0f62aa39b92a2512a936ebba55a2ebe6872dc16d03e57ec260f80bfc1303662af7bf8b61ed254345f6a49"
        );
        assert_eq!(r.url, "http://127.0.0.1:8081/v2/pg/refund");
        let body = String::from_utf8(r.to_body()).unwrap();
        assert_eq!(
            body,
            format!(
                r#"{{"mid":"INIpayTest","type":"refund","timestamp":"20240101120000","clientIp":"192.0.0.1","data":{{"tid":"{TID}","msg":"거래취소요청"}},"hashData":"{}"}}"#,
                r.hash_data()
            )
        );
    }

    /// V14: v2 partialRefund with `taxfree` (lower-case f).
    #[test]
    fn v14_v2_partial_refund() {
        let req = PartialRefund::new(
            PayMethod::Card,
            TID,
            "부분취소",
            Amount::won(700),
            Amount::won(1000),
        )
        .unwrap()
        .with_tax(Amount::ZERO, Amount::ZERO)
        .unwrap();
        let r = req.sign(&merchant(), ApiVersion::V2, &meta()).unwrap();
        assert_eq!(
            r.hash_data(),
            "5af2493e56be62d414fc67273b42313e5b94d18287797b28caa6a32de258bb49473985d5b8b031b883ccb9e8bb018867b32bcf995f78b50437bc745fc84d5371"
        );
        assert_eq!(r.field("taxfree"), Some("0"));
        assert_eq!(r.url, "http://127.0.0.1:8081/v2/pg/partialRefund");
        // v1 spells it taxFree.
        let v1 = req.sign(&merchant(), ApiVersion::V1, &meta()).unwrap();
        assert_eq!(v1.field("taxFree"), Some("0"));
        assert_eq!(v1.field("taxfree"), None);
    }

    /// A2: v2 partialRefund/vacct carries the encrypted account inside `data`.
    #[test]
    fn a2_v2_vacct_partial_refund() {
        let r = VacctPartialRefund::new(
            "StdpayVBNKINIpayTest20231012133902671264",
            "부분취소",
            Amount::won(700),
            Amount::won(1000),
            account("1002856123456"),
        )
        .unwrap()
        .sign(&merchant(), ApiVersion::V2, &meta())
        .unwrap();
        assert_eq!(r.url, "http://127.0.0.1:8081/v2/pg/partialRefund/vacct");
        let v: serde_json::Value = serde_json::from_slice(&r.to_body()).unwrap();
        assert_eq!(v["type"], "partialRefund");
        assert_eq!(v["data"]["refundAcctNum"], "b4mftjDfaxGYpI5lC4andg==");
        assert_eq!(v["data"]["confirmPrice"], "300");
        // The hash covers data exactly as sent.
        let data = r#"{"tid":"StdpayVBNKINIpayTest20231012133902671264","msg":"부분취소","price":"700","confirmPrice":"300","refundAcctNum":"b4mftjDfaxGYpI5lC4andg==","refundBankCode":"20","refundAcctName":"홍길동"}"#;
        let plain = format!(
            "{}INIpayTestpartialRefund20240101120000{data}",
            test_keys::INIPAYTEST_INIAPI_KEY
        );
        assert_eq!(r.hash_data(), crate::crypto::sha512_hex(plain.as_bytes()));
        // v1: the formula of PROTOCOL.md 4.4 with the encrypted value last.
        let v1 = VacctPartialRefund::new(
            VTID,
            "m",
            Amount::won(500),
            Amount::won(1000),
            account("123456789"),
        )
        .unwrap()
        .sign(&merchant(), ApiVersion::V1, &meta())
        .unwrap();
        let plain1 = format!(
            "{}PartialRefundVacct20240101120000192.0.0.1INIpayTest{VTID}500500qwMHVJqsmXKoR+d8wQTS4g==",
            test_keys::INIPAYTEST_INIAPI_KEY
        );
        assert_eq!(v1.hash_data(), crate::crypto::sha512_hex(plain1.as_bytes()));
    }

    #[test]
    fn v2_vacct_refund_path_and_type() {
        let r = VacctRefund::new(VTID, "환불", account("123456789"))
            .unwrap()
            .sign(&merchant(), ApiVersion::V2, &meta())
            .unwrap();
        assert_eq!(r.url, "http://127.0.0.1:8081/v2/pg/refund/vacct");
        assert_eq!(r.field("type"), Some("refund"));
    }

    /// confirmPrice edge cases, down to zero.
    #[test]
    fn confirm_price_edges() {
        let p = |price, remaining| {
            PartialRefund::new(
                PayMethod::Card,
                TID,
                "m",
                Amount::won(price),
                Amount::won(remaining),
            )
        };
        assert_eq!(p(1, 1000).unwrap().confirm_price(), Amount::won(999));
        assert_eq!(p(1000, 1000).unwrap().confirm_price(), Amount::ZERO);
        assert_eq!(p(1, 1).unwrap().confirm_price(), Amount::ZERO);
        assert_eq!(
            p(0, 1000).unwrap_err().kind,
            FieldErrorKind::OutOfRange { min: 1, max: 1000 }
        );
        assert_eq!(
            p(1001, 1000).unwrap_err().kind,
            FieldErrorKind::OutOfRange { min: 1, max: 1000 }
        );
        assert!(p(1, 0).is_err(), "nothing left to refund");
        // Successive partial refunds down to zero.
        let mut remaining = Amount::won(1000);
        for price in [300, 300, 400] {
            let r = p(price, remaining.get()).unwrap();
            assert_eq!(r.confirm_price().get(), remaining.get() - price);
            remaining = r.confirm_price();
        }
        assert!(remaining.is_zero());
        assert!(p(1, remaining.get()).is_err());
        assert!(
            VacctPartialRefund::new(VTID, "m", Amount::won(2), Amount::won(1), account("1"))
                .is_err()
        );
    }

    #[test]
    fn input_rules() {
        assert_eq!(
            Refund::new(PayMethod::Vacct, TID, "m").unwrap_err().field,
            "paymethod"
        );
        assert_eq!(
            Refund::new(PayMethod::Card, "bad tid", "m")
                .unwrap_err()
                .field,
            "tid"
        );
        assert_eq!(
            Refund::new(PayMethod::Card, TID, "").unwrap_err().field,
            "msg"
        );
        assert!(Refund::new(PayMethod::GVacct, TID, "m").is_ok());
        assert_eq!(BankCode::new("2").unwrap_err().field, "refundBankCode");
        assert_eq!(BankCode::new("d1").unwrap().as_str(), "D1");
        let num = |n: &str| {
            RefundAccount::new(
                BankCode::new("20").unwrap(),
                SecretString::from(n.to_owned()),
                "n",
            )
        };
        assert_eq!(num("123-456").unwrap_err().kind, FieldErrorKind::NotDigits);
        assert!(num(&"1".repeat(20)).is_ok());
        assert!(num(&"1".repeat(21)).is_err());
        let e = num("12a").unwrap_err().to_string();
        assert!(!e.contains("12a"), "{e}");
        let t = PartialRefund::new(
            PayMethod::Card,
            TID,
            "m",
            Amount::won(100),
            Amount::won(100),
        )
        .unwrap();
        assert!(
            t.clone()
                .with_tax(Amount::won(50), Amount::won(51))
                .is_err()
        );
        assert_eq!(
            t.with_currency(Currency::Usd)
                .sign(&merchant(), ApiVersion::V1, &meta())
                .unwrap()
                .field("currency"),
            Some("USD")
        );
    }

    #[test]
    fn missing_iv_is_a_config_error() {
        let mut keys = test_keys::inipay_test();
        keys.iniapi_iv = None;
        let m = Merchant::test(
            "INIpayTest",
            keys,
            Endpoints::sandbox("http://127.0.0.1:1").unwrap(),
        )
        .unwrap();
        let e = VacctRefund::new(VTID, "m", account("1"))
            .unwrap()
            .sign(&m, ApiVersion::V1, &meta())
            .unwrap_err();
        assert_eq!(e, SignError::Config(ConfigError::MissingKey("INIAPI IV")));
        let bad = Keys {
            iniapi_key: Some(SecretString::from("short".to_owned())),
            iniapi_iv: Some(SecretString::from("HYb3yQ4f65QL89==".to_owned())),
            ..Keys::default()
        };
        let m = Merchant::test(
            "INIpayTest",
            bad,
            Endpoints::sandbox("http://127.0.0.1:1").unwrap(),
        )
        .unwrap();
        let e = VacctRefund::new(VTID, "m", account("1"))
            .unwrap()
            .sign(&m, ApiVersion::V1, &meta())
            .unwrap_err();
        assert!(matches!(
            e,
            SignError::Encrypt {
                field: "refundAcctNum",
                ..
            }
        ));
        assert!(!e.to_string().contains("short"));
    }

    proptest! {
        /// For any remaining amount and refund, either the refund is valid and
        /// confirmPrice + price == remaining, or it is refused.
        #[test]
        fn confirm_price_invariant(price in 0u64..2_000_000, remaining in 0u64..2_000_000) {
            match PartialRefund::new(PayMethod::Card, TID, "m", Amount::won(price), Amount::won(remaining)) {
                Ok(r) => {
                    prop_assert!(price > 0 && price <= remaining);
                    prop_assert_eq!(r.confirm_price().get() + price, remaining);
                }
                Err(e) => {
                    prop_assert!(price == 0 || price > remaining);
                    prop_assert_eq!(e.field, "price");
                }
            }
        }
    }
}
