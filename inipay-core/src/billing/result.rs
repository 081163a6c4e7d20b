//! The billing-key result INICIS posts to `returnurl` (PROTOCOL.md 3.4, seed manual).
//!
//! There is no server-side approval and no signature: the billing key is
//! final once posted, and anyone could post a fake result (PROTOCOL.md 3.4).
//! So the result is checked against the form we signed
//! ([`BillingKeyResult::verify`]) and the merchant should confirm the key by
//! charging it or by an INIAPI inquiry.
//!
//! ```
//! use inipay_core::billing::BillingKeyResult;
//! use inipay_core::encoding::Charset;
//! use secrecy::ExposeSecret;
//!
//! let body = b"resultcode=00&resultmsg=OK&tid=INIMX_AUTHINIBillTst20130808171955123456\
//! &billkey=734f880246ece4ffdba841c1436399c9968d32cc&orderid=ORDERID1234&mid=INIBillTst\
//! &cardcd=06&cardno=536510******1234&cardkind=0&CheckFlag=0";
//! match BillingKeyResult::parse(body, Charset::Utf8).unwrap() {
//!     BillingKeyResult::Issued(issued) => {
//!         assert_eq!(issued.billkey_as_received().expose_secret(), "734f880246ece4ffdba841c1436399c9968d32cc");
//!     }
//!     BillingKeyResult::Failed(f) => panic!("{}", f.result),
//! }
//! ```

use super::cipher::{BillkeyIv, DecryptError, decrypt_field};
use super::form::BillingKeyForm;
use crate::config::Merchant;
use crate::encoding::{Charset, Form, MalformedForm};
use crate::outcome::{Outcome, ResultCode};
use crate::types::{FieldError, Tid};
use secrecy::SecretString;
use std::fmt;

/// The ASCII marker INICIS puts in `resultmsg` when the buyer cancels
/// (PROTOCOL.md 3.4).
pub const CANCEL_MARKER: &str = "[cancel]";

/// A billing-key result.
///
/// ```
/// use inipay_core::billing::BillingKeyResult;
/// use inipay_core::encoding::Charset;
/// use inipay_core::outcome::Outcome;
///
/// let failed = BillingKeyResult::parse("resultcode=01&resultmsg=실패&orderid=SUB-1".as_bytes(), Charset::Utf8)?;
/// let BillingKeyResult::Failed(f) = failed else { unreachable!() };
/// assert_eq!(f.result.code, "01");
/// assert_ne!(f.result.outcome, Outcome::Success);
/// let issued = BillingKeyResult::parse(
///     b"resultcode=00&resultmsg=ok&billkey=734f880246ece4ffdba841c1436399c9968d32cc&orderid=SUB-1",
///     Charset::Utf8,
/// )?;
/// assert!(matches!(issued, BillingKeyResult::Issued(_)));
/// assert!(!format!("{issued:?}").contains("734f88"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub enum BillingKeyResult {
    /// `resultcode=00` with a billing key (boxed: it is large).
    Issued(Box<Issued>),
    /// Anything else: user cancel or failure (see `result.outcome`).
    Failed(Failed),
}

/// Card details of an issued card billing key.
#[derive(Clone, PartialEq, Eq)]
pub struct CardInfo {
    /// `cardcd`: card company code (PROTOCOL.md 2.10).
    pub card_code: Option<String>,
    /// `cardno`: the card number as sent (masked by INICIS, e.g.
    /// `536510******1234`); `Debug` shows only the last 4 characters.
    pub card_no: Option<String>,
    /// `cardkind`: personal or corporate.
    pub card_kind: Option<CardKind>,
    /// `CheckFlag`: credit, check or gift card.
    pub check_flag: Option<CheckFlag>,
}

impl fmt::Debug for CardInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tail = self.card_no.as_deref().map(|n| {
            let keep: String = n
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("****{keep}")
        });
        f.debug_struct("CardInfo")
            .field("card_code", &self.card_code)
            .field("card_no", &tail)
            .field("card_kind", &self.card_kind)
            .field("check_flag", &self.check_flag)
            .finish()
    }
}

/// `cardkind` (카드구분, seed manual).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CardKind {
    /// `0`: personal card (개인카드).
    Personal,
    /// `1`: corporate card (법인카드).
    Corporate,
    /// Any other value, as received.
    Other(String),
}

impl CardKind {
    fn parse(v: &str) -> CardKind {
        match v {
            "0" => CardKind::Personal,
            "1" => CardKind::Corporate,
            o => CardKind::Other(o.to_owned()),
        }
    }
}

/// `CheckFlag` (카드종류, seed manual).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CheckFlag {
    /// `0`: credit card (신용카드).
    Credit,
    /// `1`: check card (체크카드).
    Check,
    /// `2`: gift card (기프트카드).
    Gift,
    /// Any other value, as received.
    Other(String),
}

impl CheckFlag {
    fn parse(v: &str) -> CheckFlag {
        match v {
            "0" => CheckFlag::Credit,
            "1" => CheckFlag::Check,
            "2" => CheckFlag::Gift,
            o => CheckFlag::Other(o.to_owned()),
        }
    }
}

/// An issued billing key (`resultcode=00`).
#[derive(Clone)]
pub struct Issued {
    /// `resultcode`/`resultmsg`.
    pub result: ResultCode,
    /// `tid`: the issuance transaction.
    pub tid: Option<Tid>,
    billkey: SecretString,
    /// `authkey`: billing authentication transaction id (빌링인증 트렌젝션 ID).
    pub authkey: Option<String>,
    /// `mid` echo.
    pub mid: Option<String>,
    /// `orderid` echo.
    pub order_id: Option<String>,
    /// `pgauthdate` (`YYYYMMDD`).
    pub auth_date: Option<String>,
    /// `pgauthtime` (`hhmmss`).
    pub auth_time: Option<String>,
    /// Card details (card billing; `None` when no card field was sent).
    pub card: Option<CardInfo>,
    /// `hppcorp`: the phone carrier (phone billing).
    pub hpp_corp: Option<String>,
    data1: Option<String>,
    /// `merchantreserved` echo.
    pub merchant_reserved: Option<String>,
    /// `p_noti` echo.
    pub merchant_data: Option<String>,
}

impl fmt::Debug for Issued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issued")
            .field("result", &self.result)
            .field("tid", &self.tid)
            .field("billkey", &"[REDACTED]")
            .field("authkey", &self.authkey)
            .field("mid", &self.mid)
            .field("order_id", &self.order_id)
            .field("card", &self.card)
            .field("hpp_corp", &self.hpp_corp)
            .field("data1", &self.data1.as_ref().map(|_| "[REDACTED]"))
            .finish_non_exhaustive()
    }
}

impl Issued {
    /// The `billkey` exactly as received: the key itself, or its encrypted
    /// form when the form was sent with `flg_crypto=Y`.
    pub fn billkey_as_received(&self) -> &SecretString {
        &self.billkey
    }

    /// The usable billing key: decrypted with the merchant's INILite key and
    /// `iv` when `form.encrypted`, else as received.
    pub fn billkey(
        &self,
        merchant: &Merchant,
        form: &BillingKeyForm,
        iv: BillkeyIv,
    ) -> Result<SecretString, DecryptError> {
        let received = secrecy::ExposeSecret::expose_secret(&self.billkey);
        // A plain 40-hex key can never be a ciphertext (it Base64-decodes to
        // 30 bytes, not a multiple of the 16-byte block), so when INICIS
        // ignores flg_crypto (S) the key is still usable.
        if !form.encrypted || is_plain_billkey(received) {
            return Ok(self.billkey.clone());
        }
        let key = merchant
            .inilite_key()
            .map_err(|_| DecryptError::MissingKey { field: "billkey" })?;
        decrypt_field(
            "billkey",
            secrecy::ExposeSecret::expose_secret(&self.billkey),
            key,
            iv,
        )
    }

    /// `data1`, the first two digits of the card password (카드비밀번호 앞2자리),
    /// decrypted; `None` when not sent (only some merchants receive it).
    pub fn card_password_prefix(
        &self,
        merchant: &Merchant,
        iv: BillkeyIv,
    ) -> Result<Option<SecretString>, DecryptError> {
        let Some(wire) = &self.data1 else {
            return Ok(None);
        };
        let key = merchant
            .inilite_key()
            .map_err(|_| DecryptError::MissingKey { field: "data1" })?;
        decrypt_field("data1", wire, key, iv).map(Some)
    }
}

/// The inilitepay (camelCase) spelling of an inibill result field.
fn camel_case(field: &str) -> Option<&'static str> {
    Some(match field {
        "resultcode" => "resultCode",
        "resultmsg" => "resultMsg",
        "billkey" => "billKey",
        "orderid" => "orderId",
        "authkey" => "authKey",
        "p_noti" => "merchantRedirectData",
        _ => return None,
    })
}

/// The normal billkey shape: 40 lower-case hex characters (PROTOCOL.md 3.4).
fn is_plain_billkey(v: &str) -> bool {
    v.len() == 40 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A failed or cancelled issuance. Some fields may be null on failure
/// (seed manual), so the echoes are optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    /// The result: [`Outcome::UserCancel`] when `resultmsg` carries
    /// [`CANCEL_MARKER`], else [`Outcome::Unknown`] (inibill reports no cause
    /// code beyond `01`, PROTOCOL.md 3.4).
    pub result: ResultCode,
    /// `mid` echo, if sent.
    pub mid: Option<String>,
    /// `orderid` echo, if sent.
    pub order_id: Option<String>,
    /// `p_noti` echo, if sent.
    pub merchant_data: Option<String>,
}

/// A result that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResultError {
    /// The body is not a form in the expected charset.
    #[error("malformed billing-key result: {0}")]
    Malformed(#[source] MalformedForm),
    /// A field every result (or every success) carries is missing.
    #[error("billing-key result without {0}")]
    Missing(&'static str),
    /// A field is present but malformed.
    #[error("billing-key result: {0}")]
    Field(#[source] FieldError),
}

/// The result does not belong to the form we sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("billing-key result: {field} does not match the request")]
#[non_exhaustive]
pub struct EchoMismatch {
    /// `mid` or `orderid`.
    pub field: &'static str,
}

impl BillingKeyResult {
    /// Parses the posted body (`charset`: UTF-8 in practice; INICIS does not
    /// document it, PROTOCOL.md 8.4).
    pub fn parse(body: &[u8], charset: Charset) -> Result<BillingKeyResult, ResultError> {
        let form = Form::parse(body, charset).map_err(ResultError::Malformed)?;
        Self::from_form(&form)
    }

    /// Reads an already decoded form.
    pub fn from_form(form: &Form) -> Result<BillingKeyResult, ResultError> {
        // inibill names (PROTOCOL.md 3.4), else the camelCase spelling the
        // inilitepay request uses, since its result names are undocumented
        // (PROTOCOL.md 8.12; (I)).
        let get = |k: &str| {
            form.get_nonempty(k)
                .or_else(|| camel_case(k).and_then(|c| form.get_nonempty(c)))
                .map(str::to_owned)
        };
        let code = get("resultcode").ok_or(ResultError::Missing("resultcode"))?;
        let message = get("resultmsg").unwrap_or_default();
        if code != "00" {
            let outcome = if message.to_ascii_lowercase().contains(CANCEL_MARKER) {
                Outcome::UserCancel
            } else {
                Outcome::Unknown
            };
            return Ok(BillingKeyResult::Failed(Failed {
                result: ResultCode::new(outcome, code, message),
                mid: get("mid"),
                order_id: get("orderid"),
                merchant_data: get("p_noti"),
            }));
        }
        let billkey = get("billkey").ok_or(ResultError::Missing("billkey"))?;
        let tid = get("tid")
            .map(|t| Tid::with_field("tid", &t))
            .transpose()
            .map_err(ResultError::Field)?;
        let card_fields = ["cardcd", "cardno", "cardkind", "CheckFlag"];
        let card = card_fields
            .iter()
            .any(|k| form.get_nonempty(k).is_some())
            .then(|| CardInfo {
                card_code: get("cardcd"),
                card_no: get("cardno"),
                card_kind: form.get_nonempty("cardkind").map(CardKind::parse),
                check_flag: form.get_nonempty("CheckFlag").map(CheckFlag::parse),
            });
        Ok(BillingKeyResult::Issued(Box::new(Issued {
            result: ResultCode::new(Outcome::Success, code, message),
            tid,
            billkey: SecretString::from(billkey),
            authkey: get("authkey"),
            mid: get("mid"),
            order_id: get("orderid"),
            auth_date: get("pgauthdate"),
            auth_time: get("pgauthtime"),
            card,
            hpp_corp: get("hppcorp"),
            data1: get("data1"),
            merchant_reserved: get("merchantreserved"),
            merchant_data: get("p_noti"),
        })))
    }

    /// The result code.
    pub fn result(&self) -> &ResultCode {
        match self {
            BillingKeyResult::Issued(i) => &i.result,
            BillingKeyResult::Failed(f) => &f.result,
        }
    }

    /// Checks the `mid` and `orderid` echoes against the form we sent. An
    /// issued key must echo both; a failure may omit them (null on failure,
    /// seed manual) but must not contradict them.
    pub fn verify(&self, form: &BillingKeyForm) -> Result<(), EchoMismatch> {
        let (mid, oid, required) = match self {
            BillingKeyResult::Issued(i) => (&i.mid, &i.order_id, true),
            BillingKeyResult::Failed(f) => (&f.mid, &f.order_id, false),
        };
        let check = |field: &'static str, got: &Option<String>, want: &str| match got {
            Some(g) if g == want => Ok(()),
            None if !required => Ok(()),
            _ => Err(EchoMismatch { field }),
        };
        check("mid", mid, form.origin.mid.as_str())?;
        check("orderid", oid, &form.order_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::{BillingKeyRequest, encrypt_field};
    use crate::config::{Endpoints, test_keys};
    use crate::time::Timestamp;
    use crate::types::Amount;
    use proptest::prelude::*;
    use secrecy::ExposeSecret;

    const BILLKEY: &str = "734f880246ece4ffdba841c1436399c9968d32cc";

    fn merchant() -> Merchant {
        Merchant::test(
            "INIBillTst",
            test_keys::ini_bill_tst(),
            Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
        )
        .unwrap()
    }

    fn form(encrypted: bool) -> BillingKeyForm {
        BillingKeyRequest::card("ORDERID1234", Amount::won(1000))
            .goods("월정액")
            .buyer_name("홍길동")
            .return_url("https://shop.example.com/bill/return")
            .encrypted(encrypted)
            .build()
            .unwrap()
            .sign(&merchant(), Timestamp::from_unix_millis(1_375_949_979_000))
            .unwrap()
    }

    /// PROTOCOL.md 3.7: the example result.
    const EXAMPLE: &str = "resultcode=00&resultmsg=...&tid=INIMX_AUTHINIBillTst20130808171955123456&billkey=734f880246ece4ffdba841c1436399c9968d32cc&orderid=ORDERID1234&mid=INIBillTst&pgauthdate=20130808&pgauthtime=171955&cardcd=06&cardno=536510******1234&cardkind=0&CheckFlag=0&merchantreserved=below1000%3DY&p_noti=";

    #[test]
    fn protocol_example_card_result() {
        let r = BillingKeyResult::parse(EXAMPLE.as_bytes(), Charset::Utf8).unwrap();
        r.verify(&form(false)).unwrap();
        let BillingKeyResult::Issued(i) = r else {
            panic!("not issued")
        };
        assert!(i.result.is_success());
        assert_eq!(
            i.billkey(&merchant(), &form(false), BillkeyIv::Zero)
                .unwrap()
                .expose_secret(),
            BILLKEY
        );
        let card = i.card.clone().unwrap();
        assert_eq!(card.card_code.as_deref(), Some("06"));
        assert_eq!(card.card_kind, Some(CardKind::Personal));
        assert_eq!(card.check_flag, Some(CheckFlag::Credit));
        assert_eq!(i.merchant_reserved.as_deref(), Some("below1000=Y"));
        assert_eq!(i.auth_date.as_deref(), Some("20130808"));
        assert_eq!(i.merchant_data, None);
        let d = format!("{i:?}");
        assert!(!d.contains(BILLKEY) && !d.contains("536510"), "{d}");
        assert!(d.contains("****1234"), "{d}");
    }

    #[test]
    fn phone_result_with_authkey_and_hppcorp() {
        let body = "resultcode=00&resultmsg=ok&tid=INIMX_HPP_INIBillTst20130808171955123456&billkey=abc123&authkey=INIMX_AUTHINIBillTst20130808171955000001&orderid=ORDERID1234&mid=INIBillTst&hppcorp=SKT";
        let BillingKeyResult::Issued(i) =
            BillingKeyResult::parse(body.as_bytes(), Charset::Utf8).unwrap()
        else {
            panic!()
        };
        assert_eq!(i.hpp_corp.as_deref(), Some("SKT"));
        assert_eq!(
            i.authkey.as_deref(),
            Some("INIMX_AUTHINIBillTst20130808171955000001")
        );
        assert!(i.card.is_none());
    }

    /// flg_crypto=Y: the billkey arrives URL-encoded and encrypted (A4), and
    /// data1 too (A5); both IV choices.
    #[test]
    fn encrypted_billkey_and_data1() {
        let key = merchant().inilite_key().unwrap().clone();
        for iv in [BillkeyIv::Zero, BillkeyIv::KeyPrefix] {
            let wire_key = encrypt_field(BILLKEY, &key, iv).unwrap();
            let wire_d1 = encrypt_field("12", &key, iv).unwrap();
            // The wire value is URL-encoded once more by the form encoding.
            let body = Charset::Utf8
                .encode_form([
                    ("resultcode", "00"),
                    ("resultmsg", "ok"),
                    ("billkey", wire_key.as_str()),
                    ("data1", wire_d1.as_str()),
                    ("orderid", "ORDERID1234"),
                    ("mid", "INIBillTst"),
                ])
                .unwrap();
            let BillingKeyResult::Issued(i) =
                BillingKeyResult::parse(&body, Charset::Utf8).unwrap()
            else {
                panic!()
            };
            let f = form(true);
            assert_eq!(
                i.billkey(&merchant(), &f, iv).unwrap().expose_secret(),
                BILLKEY
            );
            assert_eq!(
                i.card_password_prefix(&merchant(), iv)
                    .unwrap()
                    .unwrap()
                    .expose_secret(),
                "12"
            );
        }
        // A4 exactly as PROTOCOL.md gives it, posted raw (browser-decoded once).
        let body = "resultcode=00&billkey=V6LdAjEUr5zcaqNlP2a%2B%2FJV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX&orderid=ORDERID1234&mid=INIBillTst";
        let BillingKeyResult::Issued(i) =
            BillingKeyResult::parse(body.as_bytes(), Charset::Utf8).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            i.billkey(&merchant(), &form(true), BillkeyIv::Zero)
                .unwrap()
                .expose_secret(),
            BILLKEY
        );
        let e = i
            .billkey(&merchant(), &form(true), BillkeyIv::KeyPrefix)
            .unwrap_err();
        assert!(!e.to_string().contains("V6Ld"));
    }

    /// flg_crypto=Y but INICIS sent the plain key: still usable, whatever the IV.
    #[test]
    fn plain_key_despite_flg_crypto() {
        let r = BillingKeyResult::parse(EXAMPLE.as_bytes(), Charset::Utf8).unwrap();
        let BillingKeyResult::Issued(i) = r else {
            panic!()
        };
        for iv in [BillkeyIv::Zero, BillkeyIv::KeyPrefix] {
            assert_eq!(
                i.billkey(&merchant(), &form(true), iv)
                    .unwrap()
                    .expose_secret(),
                BILLKEY
            );
        }
        assert!(is_plain_billkey(BILLKEY));
        assert!(!is_plain_billkey(&BILLKEY.to_ascii_uppercase()));
        assert!(!is_plain_billkey(
            "V6LdAjEUr5zcaqNlP2a+/JV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX"
        ));
    }

    /// inilitepay results (undocumented) in camelCase are read too, and
    /// verified against an inilitepay form.
    #[test]
    fn camel_case_inilitepay_result() {
        let f = crate::billing::InilitepayRequest::builder("ORDERID1234", Amount::won(1000))
            .goods("g")
            .buyer_name("n")
            .buyer_tel("01012345678")
            .buyer_email("a@b.com")
            .return_url("https://a.example/r")
            .build()
            .unwrap()
            .sign(&merchant(), Timestamp::from_unix_millis(0))
            .unwrap();
        let body = b"resultCode=00&resultMsg=ok&billKey=734f880246ece4ffdba841c1436399c9968d32cc&orderId=ORDERID1234&mid=INIBillTst&merchantRedirectData=x";
        let r = BillingKeyResult::parse(body, Charset::Utf8).unwrap();
        r.verify(&f).unwrap();
        let BillingKeyResult::Issued(i) = r else {
            panic!()
        };
        assert_eq!(i.merchant_data.as_deref(), Some("x"));
        assert_eq!(
            i.billkey(&merchant(), &f, BillkeyIv::Zero)
                .unwrap()
                .expose_secret(),
            BILLKEY
        );
        // The inibill spelling wins when both are present.
        let both = b"resultcode=01&resultCode=00&resultmsg=a";
        assert!(matches!(
            BillingKeyResult::parse(both, Charset::Utf8).unwrap(),
            BillingKeyResult::Failed(_)
        ));
    }

    /// The result charset is undocumented (PROTOCOL.md 8.4): EUC-KR parses too.
    #[test]
    fn euc_kr_result() {
        let body = Charset::EucKr
            .encode_form([
                ("resultcode", "01"),
                ("resultmsg", "[cancel]사용자 취소"),
                ("orderid", "ORDERID1234"),
            ])
            .unwrap();
        let r = BillingKeyResult::parse(&body, Charset::EucKr).unwrap();
        assert_eq!(r.result().outcome, Outcome::UserCancel);
        assert_eq!(r.result().message, "[cancel]사용자 취소");
        // The same bytes are not UTF-8: a typed error, not a panic.
        assert!(matches!(
            BillingKeyResult::parse(&body, Charset::Utf8),
            Err(ResultError::Malformed(_))
        ));
    }

    #[test]
    fn user_cancel_by_ascii_marker_only() {
        let body = "resultcode=01&resultmsg=%5Bcancel%5D%EC%82%AC%EC%9A%A9%EC%9E%90+%EC%B7%A8%EC%86%8C&orderid=ORDERID1234&mid=INIBillTst";
        let r = BillingKeyResult::parse(body.as_bytes(), Charset::Utf8).unwrap();
        assert_eq!(r.result().outcome, Outcome::UserCancel);
        r.verify(&form(false)).unwrap();
        // Korean "cancelled" text without the marker is not a user cancel.
        let body2 = "resultcode=01&resultmsg=%EC%82%AC%EC%9A%A9%EC%9E%90+%EC%B7%A8%EC%86%8C";
        let r2 = BillingKeyResult::parse(body2.as_bytes(), Charset::Utf8).unwrap();
        assert_eq!(r2.result().outcome, Outcome::Unknown);
        // A failure without echoes still verifies; a contradicting echo does not.
        r2.verify(&form(false)).unwrap();
        let r3 = BillingKeyResult::parse(b"resultcode=01&orderid=OTHER", Charset::Utf8).unwrap();
        assert_eq!(
            r3.verify(&form(false)),
            Err(EchoMismatch { field: "orderid" })
        );
    }

    #[test]
    fn echo_checks_on_success() {
        let wrong_mid = EXAMPLE.replace("mid=INIBillTst", "mid=INIpayTest");
        let r = BillingKeyResult::parse(wrong_mid.as_bytes(), Charset::Utf8).unwrap();
        assert_eq!(r.verify(&form(false)), Err(EchoMismatch { field: "mid" }));
        let no_oid = EXAMPLE.replace("orderid=ORDERID1234", "");
        let r = BillingKeyResult::parse(no_oid.as_bytes(), Charset::Utf8).unwrap();
        assert_eq!(
            r.verify(&form(false)),
            Err(EchoMismatch { field: "orderid" })
        );
    }

    #[test]
    fn success_without_billkey_is_an_error() {
        assert_eq!(
            BillingKeyResult::parse(b"resultcode=00&resultmsg=ok&billkey=", Charset::Utf8)
                .unwrap_err(),
            ResultError::Missing("billkey")
        );
        assert_eq!(
            BillingKeyResult::parse(b"resultmsg=ok", Charset::Utf8).unwrap_err(),
            ResultError::Missing("resultcode")
        );
        assert!(matches!(
            BillingKeyResult::parse(b"resultcode=00&billkey=k&tid=bad%20tid", Charset::Utf8),
            Err(ResultError::Field(_))
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = BillingKeyResult::parse(&bytes, Charset::Utf8);
            let _ = BillingKeyResult::parse(&bytes, Charset::EucKr);
        }

        #[test]
        fn arbitrary_fields_never_panic(
            code in "(00|01|[0-9A-Z]{0,4})",
            msg in "\\PC{0,40}",
            billkey in "[ -~]{0,60}",
            tid in "[ -~]{0,50}",
        ) {
            let body = Charset::Utf8
                .encode_form([("resultcode", code.as_str()), ("resultmsg", msg.as_str()),
                    ("billkey", billkey.as_str()), ("tid", tid.as_str()), ("mid", "INIBillTst")])
                .unwrap();
            if let Ok(r) = BillingKeyResult::parse(&body, Charset::Utf8) {
                let _ = r.verify(&form(false));
                if let BillingKeyResult::Issued(i) = r {
                    prop_assert_eq!(code.as_str(), "00");
                    let _ = i.billkey(&merchant(), &form(true), BillkeyIv::Zero);
                }
            }
        }

        /// Round trip: a result built from values parses back to them.
        #[test]
        fn round_trip(
            billkey in "[0-9a-f]{40}",
            oid in "[A-Za-z0-9_-]{1,64}",
            cardcd in "[0-9]{2}",
            kind in "[01]",
            check in "[012]",
        ) {
            let body = Charset::Utf8.encode_form([
                ("resultcode", "00"), ("resultmsg", "ok"), ("billkey", billkey.as_str()),
                ("orderid", oid.as_str()), ("mid", "INIBillTst"), ("cardcd", cardcd.as_str()),
                ("cardkind", kind.as_str()), ("CheckFlag", check.as_str()),
            ]).unwrap();
            let BillingKeyResult::Issued(i) = BillingKeyResult::parse(&body, Charset::Utf8).unwrap() else {
                return Err(TestCaseError::fail("not issued"));
            };
            prop_assert_eq!(i.billkey_as_received().expose_secret(), billkey.as_str());
            prop_assert_eq!(i.order_id.as_deref(), Some(oid.as_str()));
            let card = i.card.unwrap();
            prop_assert_eq!(card.card_code.as_deref(), Some(cardcd.as_str()));
            prop_assert_eq!(card.card_kind.unwrap(), CardKind::parse(&kind));
            prop_assert_eq!(card.check_flag.unwrap(), CheckFlag::parse(&check));
        }
    }
}
