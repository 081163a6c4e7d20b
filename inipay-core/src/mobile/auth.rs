//! The authentication result (인증결과) INICIS sends the browser to `P_NEXT_URL`
//! with (PROTOCOL.md 2.4).
//!
//! It arrives as a POST body or a GET query string; pass either to
//! [`AuthResult::parse`] with the charset you sent as `P_CHARSET`
//! ([`PaymentForm::result_charset`](super::PaymentForm)). A successful
//! authentication has not moved any money yet: check it
//! ([`AuthSuccess::approval_request`]) and call approval (module
//! [`approval`](super::approval)).
//!
//! ```
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::encoding::Charset;
//! use inipay_core::mobile::{AuthResult, Idc};
//! use inipay_core::types::Amount;
//!
//! let body = "P_STATUS=00&P_RMESG1=%EC%A0%95%EC%83%81&P_TID=INIMX_AUTHINIpayTest20241029164022745656\
//!             &P_REQ_URL=https%3A%2F%2Fstgmobile.inicis.com%2Fsmart%2FpayReq.ini&idc_name=stg&P_AMT=2000";
//! let AuthResult::Success(auth) = AuthResult::parse(body.as_bytes(), Charset::Utf8)? else {
//!     panic!("not a success");
//! };
//! assert_eq!(auth.idc, Some(Idc::Stg));
//! let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(), Endpoints::inicis_staging())?;
//! let approval = auth.approval_request(&merchant, Amount::won(2000))?;
//! assert_eq!(approval.url(), "https://stgmobile.inicis.com/smart/payReq.ini");
//! assert_eq!(approval.body(), b"P_MID=INIpayTest&P_TID=INIMX_AUTHINIpayTest20241029164022745656");
//! // A different amount is refused before any money moves.
//! assert!(auth.approval_request(&merchant, Amount::won(1000)).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::approval::ApprovalRequest;
use super::reply::{AMOUNT_DIGITS, Message, ParseError, Reader, decode_body, put, put_amount};
use crate::config::{Merchant, origin_of};
use crate::encoding::{Charset, Form, LogSafe, percent_decode};
use crate::outcome::{Outcome, ResultCode};
use crate::types::{Amount, FieldErrorKind, Tid};
use std::fmt;

/// The INICIS data centre that authenticated the payment (`idc_name`, sent
/// with `centerCd=Y`; PROTOCOL.md 2.2.1, 2.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Idc {
    /// `fc`: `fcmobile.inicis.com`.
    Fc,
    /// `ks`: `ksmobile.inicis.com`.
    Ks,
    /// `stg`: staging, `stgmobile.inicis.com`.
    Stg,
    /// A value we do not know, kept as received.
    Unknown(String),
}

impl Idc {
    /// Reads an `idc_name` value (case-insensitive).
    pub fn from_wire(s: &str) -> Idc {
        match s.trim().to_ascii_lowercase().as_str() {
            "fc" => Idc::Fc,
            "ks" => Idc::Ks,
            "stg" => Idc::Stg,
            _ => Idc::Unknown(s.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Idc::Fc => "fc",
            Idc::Ks => "ks",
            Idc::Stg => "stg",
            Idc::Unknown(s) => s,
        }
    }

    /// The INICIS host serving this data centre's approvals, for known ones.
    pub fn inicis_host(&self) -> Option<&'static str> {
        match self {
            Idc::Fc => Some("fcmobile.inicis.com"),
            Idc::Ks => Some("ksmobile.inicis.com"),
            Idc::Stg => Some("stgmobile.inicis.com"),
            Idc::Unknown(_) => None,
        }
    }
}

impl fmt::Display for Idc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed authentication result: success or failure.
///
/// ```
/// # use inipay_core::config::{Endpoints, Merchant, test_keys};
/// # let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(), Endpoints::sandbox("http://127.0.0.1:8081")?)?;
/// use inipay_core::encoding::Charset;
/// use inipay_core::mobile::AuthResult;
///
/// let body = b"P_STATUS=00&P_RMESG1=OK&P_TID=INIMX_AUTHINIpayTest20241029164022745656\
///              &P_REQ_URL=http://127.0.0.1:8081/smart/payReq.ini&P_AMT=1000&P_NOTI=";
/// let AuthResult::Success(auth) = AuthResult::parse(body, Charset::EucKr)? else { unreachable!() };
/// auth.check_approval_url(&merchant)?;
/// assert_eq!(auth.tid.as_str(), "INIMX_AUTHINIpayTest20241029164022745656");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthResult {
    /// `P_STATUS=00`: the buyer authenticated; approval is still to be called.
    Success(AuthSuccess),
    /// Anything else: no approval may be called.
    Failure(AuthFailure),
}

/// A successful authentication (`P_STATUS=00`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSuccess {
    /// The **authentication** TID (`INIMX_AUTH...`), sent back on approval and net cancel.
    pub tid: Tid,
    /// `P_REQ_URL`: where approval must be requested. Unchecked as parsed:
    /// use [`check_approval_url`](Self::check_approval_url).
    pub req_url: String,
    /// `P_AMT` echo, present for card, phone, bank and vbank.
    pub amount: Option<Amount>,
    /// `P_NOTI` echo (800 bytes).
    pub merchant_data: Option<String>,
    /// `idc_name` (with `centerCd=Y`).
    pub idc: Option<Idc>,
    /// `P_RMESG1`.
    pub message: String,
    /// The charset the result was decoded with (the `P_CHARSET` sent).
    pub charset: Charset,
    form: Form,
}

/// A failed or cancelled authentication.
///
/// INICIS uses `P_STATUS=01` both for a buyer who closed the window and for
/// real failures (PROTOCOL.md 2.4, 2.9), so the outcome is
/// [`Outcome::Unknown`]; the code, never the Korean message, decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    /// The code and message.
    pub result: ResultCode,
    /// `P_NOTI` echo, when sent (helps find the order).
    pub merchant_data: Option<String>,
    form: Form,
}

impl AuthFailure {
    /// Every field as received.
    pub fn form(&self) -> &Form {
        &self.form
    }
}

/// Limits of PROTOCOL.md 2.4.
const TID_PREFIX: &str = "INIMX_AUTH";
const NOTI_LIMIT: usize = 800;
const IDC_LIMIT: usize = 3;
const REQ_URL_LIMIT: usize = 2048;

impl AuthResult {
    /// Parses the body (POST) or query string (GET) delivered to `P_NEXT_URL`.
    ///
    /// `charset` is the `P_CHARSET` the payment request carried (results are
    /// EUC-KR unless `utf8` was sent). A success without `P_TID` or
    /// `P_REQ_URL` is an error: it cannot be approved.
    pub fn parse(body: &[u8], charset: Charset) -> Result<AuthResult, ParseError> {
        let form = decode_body(body, charset, Message::AuthResult)?;
        let r = Reader::new(&form, Message::AuthResult);
        let status = r.status()?;
        let message = r
            .raw_text("P_RMESG1")
            .map(|m| undo_double_encoding(m, charset))
            .unwrap_or_default();
        let merchant_data = r.limited("P_NOTI", NOTI_LIMIT)?;
        if status != "00" {
            return Ok(AuthResult::Failure(AuthFailure {
                result: ResultCode::new(Outcome::Unknown, status, message),
                merchant_data,
                form,
            }));
        }
        let tid = r
            .tid("P_TID")?
            .ok_or_else(|| r.err("P_TID", FieldErrorKind::Missing))?;
        let req_url = r
            .limited("P_REQ_URL", REQ_URL_LIMIT)?
            .ok_or_else(|| r.err("P_REQ_URL", FieldErrorKind::Missing))?;
        let amount = r.amount("P_AMT", AMOUNT_DIGITS)?;
        let idc = r
            .limited("idc_name", IDC_LIMIT)?
            .map(|s| Idc::from_wire(&s));
        Ok(AuthResult::Success(AuthSuccess {
            tid,
            req_url,
            amount,
            merchant_data,
            idc,
            message,
            charset,
            form,
        }))
    }

    /// The success, if it is one.
    pub fn success(&self) -> Option<&AuthSuccess> {
        match self {
            AuthResult::Success(s) => Some(s),
            AuthResult::Failure(_) => None,
        }
    }

    /// Every field as received.
    pub fn form(&self) -> &Form {
        match self {
            AuthResult::Success(s) => &s.form,
            AuthResult::Failure(f) => &f.form,
        }
    }
}

/// With `P_CHARSET=utf8` and ISP, `P_RMESG1` may arrive URL-encoded a second
/// time (PROTOCOL.md 2.4). Decode once more when the result is valid text.
fn undo_double_encoding(message: String, charset: Charset) -> String {
    let b = message.as_bytes();
    let has_escape = b
        .windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit());
    if !has_escape {
        return message;
    }
    let decoded = percent_decode(b);
    match charset.decode(&decoded) {
        Ok(s) => s.into_owned(),
        Err(_) => message,
    }
}

/// Why an authentication result must not be approved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthCheckError {
    /// `P_REQ_URL` is not one of the merchant's approval origins with path
    /// `/smart/payReq.ini` (SSRF guard, PROTOCOL.md 1.1).
    #[error("P_REQ_URL is not an allowed approval URL for this merchant")]
    ApprovalUrlNotAllowed,
    /// `idc_name` names a different data centre than the `P_REQ_URL` host.
    #[error("idc_name {} does not match the P_REQ_URL host", LogSafe::new(idc.as_str()))]
    IdcMismatch {
        /// The `idc_name` received.
        idc: Idc,
    },
    /// `P_AMT` differs from the order's amount.
    #[error("P_AMT differs from the order amount")]
    AmountMismatch {
        /// The order's amount.
        expected: Amount,
        /// `P_AMT` as received.
        received: Amount,
    },
    /// The auth TID names a different MID than the merchant's.
    #[error("P_TID belongs to a different MID")]
    TidOfOtherMid,
}

impl AuthSuccess {
    /// Checks `P_REQ_URL` against the merchant's allow-list and `idc_name`
    /// against the `P_REQ_URL` host.
    ///
    /// The `idc_name` check applies only when the host is one of INICIS's
    /// `{fc,ks,stg}mobile.inicis.com`: there `idc_name` must name that host
    /// (an unknown `idc_name` is refused too, since it cannot be matched).
    /// For any other allowed origin (the local sandbox, a test proxy)
    /// `idc_name` cannot be mapped to a host and is not checked; the
    /// allow-list is the guard. An absent `idc_name` (no `centerCd=Y`) is
    /// accepted.
    pub fn check_approval_url(&self, merchant: &Merchant) -> Result<(), AuthCheckError> {
        if !merchant.is_allowed_approval_url(&self.req_url) {
            return Err(AuthCheckError::ApprovalUrlNotAllowed);
        }
        let Some(idc) = &self.idc else {
            return Ok(());
        };
        let origin = origin_of(&self.req_url).ok_or(AuthCheckError::ApprovalUrlNotAllowed)?;
        let host = origin
            .split_once("://")
            .map(|(_, a)| a.split(':').next().unwrap_or(a))
            .unwrap_or("");
        let inicis_hosts = [Idc::Fc, Idc::Ks, Idc::Stg].map(|i| i.inicis_host());
        if !inicis_hosts.contains(&Some(host)) {
            return Ok(());
        }
        if idc.inicis_host() == Some(host) {
            Ok(())
        } else {
            Err(AuthCheckError::IdcMismatch { idc: idc.clone() })
        }
    }

    /// Checks the `P_AMT` echo against the order's amount. An absent `P_AMT`
    /// passes (gift cards do not echo it); the approval reply's `P_AMT` is
    /// checked again in any case.
    pub fn check_amount(&self, expected: Amount) -> Result<(), AuthCheckError> {
        match self.amount {
            Some(received) if received != expected => {
                Err(AuthCheckError::AmountMismatch { expected, received })
            }
            _ => Ok(()),
        }
    }

    /// Runs every check and builds the approval request (승인요청): URL and
    /// `idc_name`, `P_AMT` against `expected`, and the MID embedded in the
    /// TID (when it has the usual 40-character layout) against the merchant.
    pub fn approval_request(
        &self,
        merchant: &Merchant,
        expected: Amount,
    ) -> Result<ApprovalRequest, AuthCheckError> {
        self.check_approval_url(merchant)?;
        self.check_amount(expected)?;
        if self.tid.prefix() == Some(TID_PREFIX)
            && self.tid.embedded_mid() != Some(merchant.mid().as_str())
        {
            return Err(AuthCheckError::TidOfOtherMid);
        }
        ApprovalRequest::new(merchant, &self.tid, &self.req_url, self.charset)
            .map_err(|_| AuthCheckError::ApprovalUrlNotAllowed)
    }

    /// Every field as received.
    pub fn form(&self) -> &Form {
        &self.form
    }

    /// The result as a form (for tests and the sandbox): the typed fields
    /// only, in INICIS's order.
    pub fn to_form(&self) -> Form {
        let mut f = Form::new();
        f.push("P_STATUS", "00");
        f.push("P_RMESG1", self.message.as_str());
        f.push("P_TID", self.tid.as_str());
        f.push("P_REQ_URL", self.req_url.as_str());
        put(&mut f, "P_NOTI", self.merchant_data.as_deref());
        put(&mut f, "idc_name", self.idc.as_ref().map(Idc::as_str));
        put_amount(&mut f, "P_AMT", self.amount);
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Endpoints, test_keys};
    use proptest::prelude::*;

    const TID: &str = "INIMX_AUTHINIpayTest20241029164022745656";

    fn staging() -> Merchant {
        Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::inicis_staging(),
        )
        .unwrap()
    }

    fn sandbox() -> Merchant {
        Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
        )
        .unwrap()
    }

    fn success(req_url: &str, idc: Option<&str>) -> AuthSuccess {
        let mut pairs = vec![
            ("P_STATUS", "00"),
            ("P_TID", TID),
            ("P_REQ_URL", req_url),
            ("P_AMT", "2000"),
        ];
        if let Some(i) = idc {
            pairs.push(("idc_name", i));
        }
        let body = Charset::Utf8.encode_form(pairs).unwrap();
        match AuthResult::parse(&body, Charset::Utf8).unwrap() {
            AuthResult::Success(s) => s,
            AuthResult::Failure(f) => panic!("{f:?}"),
        }
    }

    /// PROTOCOL.md 2.4, the real capture (UTF-8).
    #[test]
    fn real_capture_utf8() {
        let body = Charset::Utf8
            .encode_form([
                ("P_STATUS", "00"),
                ("P_RMESG1", "정상 처리 되었습니다."),
                ("P_TID", TID),
                ("P_REQ_URL", "https://ksmobile.inicis.com/smart/payReq.ini"),
                ("P_NOTI", ""),
                ("idc_name", "ks"),
                ("P_AMT", "2000"),
            ])
            .unwrap();
        let AuthResult::Success(s) = AuthResult::parse(&body, Charset::Utf8).unwrap() else {
            panic!()
        };
        assert_eq!(s.tid.as_str(), TID);
        assert_eq!(s.req_url, "https://ksmobile.inicis.com/smart/payReq.ini");
        assert_eq!(s.idc, Some(Idc::Ks));
        assert_eq!(s.amount, Some(Amount::won(2000)));
        assert_eq!(s.merchant_data, None);
        assert_eq!(s.message, "정상 처리 되었습니다.");
        // A production merchant allows ksmobile; idc ks agrees with the host.
        let prod = Merchant::production(
            "MYSHOP0001",
            crate::config::Keys::default(),
            Endpoints::production(),
        )
        .unwrap();
        assert_eq!(s.check_approval_url(&prod), Ok(()));
        // ... but the test TID names INIpayTest, not MYSHOP0001.
        assert_eq!(
            s.approval_request(&prod, Amount::won(2000)).unwrap_err(),
            AuthCheckError::TidOfOtherMid
        );
    }

    #[test]
    fn euc_kr_raw_failure_is_unknown_outcome() {
        let (body, _, _) =
            encoding_rs::EUC_KR.encode("P_STATUS=01&P_RMESG1=사용자가 결제를 취소하셨습니다.");
        let AuthResult::Failure(f) = AuthResult::parse(&body, Charset::EucKr).unwrap() else {
            panic!()
        };
        assert_eq!(f.result.outcome, Outcome::Unknown);
        assert_eq!(f.result.code, "01");
        assert_eq!(f.result.message, "사용자가 결제를 취소하셨습니다.");
        // A failure needs no TID; an odd code is kept as received.
        let AuthResult::Failure(f) =
            AuthResult::parse(b"P_STATUS=9999&P_RMESG1=x", Charset::Utf8).unwrap()
        else {
            panic!()
        };
        assert_eq!(f.result.code, "9999");
    }

    #[test]
    fn success_without_tid_or_req_url_is_a_typed_error() {
        let e = AuthResult::parse(
            b"P_STATUS=00&P_REQ_URL=https%3A%2F%2Fksmobile.inicis.com%2Fsmart%2FpayReq.ini",
            Charset::Utf8,
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("P_TID"));
        let e = AuthResult::parse(
            format!("P_STATUS=00&P_TID={TID}&P_REQ_URL=").as_bytes(),
            Charset::Utf8,
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("P_REQ_URL"));
        let e = AuthResult::parse(b"P_RMESG1=x", Charset::Utf8).unwrap_err();
        assert_eq!(e.field(), Some("P_STATUS"));
        let e = AuthResult::parse(
            format!("P_STATUS=00&P_TID={TID}X&P_REQ_URL=u").as_bytes(),
            Charset::Utf8,
        )
        .unwrap_err();
        assert!(matches!(
            e,
            ParseError::Field { source, .. } if source.kind == FieldErrorKind::TooLong { limit: 40, actual: 41 }
        ));
        let e = AuthResult::parse(
            format!("P_STATUS=00&P_TID={TID}&P_REQ_URL=u&P_AMT=1,000").as_bytes(),
            Charset::Utf8,
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("P_AMT"));
    }

    #[test]
    fn limits_of_the_table() {
        let noti = "a".repeat(801);
        let body = format!("P_STATUS=01&P_NOTI={noti}");
        let e = AuthResult::parse(body.as_bytes(), Charset::Utf8).unwrap_err();
        assert_eq!(e.field(), Some("P_NOTI"));
        let body = format!("P_STATUS=01&P_NOTI={}", &noti[1..]);
        assert!(AuthResult::parse(body.as_bytes(), Charset::Utf8).is_ok());
        let e = AuthResult::parse(b"P_STATUS=00000", Charset::Utf8).unwrap_err();
        assert_eq!(e.field(), Some("P_STATUS"));
    }

    #[test]
    fn get_query_and_double_encoded_message() {
        // GET delivery: the same parser on the query string; P_RMESG1 URL-encoded twice.
        let q = format!(
            "P_STATUS=00&P_RMESG1=%25EC%25A0%2595%25EC%2583%2581%2B%25EC%25B2%2598%25EB%25A6%25AC&P_TID={TID}&P_REQ_URL=https://stgmobile.inicis.com/smart/payReq.ini"
        );
        let AuthResult::Success(s) = AuthResult::parse(q.as_bytes(), Charset::Utf8).unwrap() else {
            panic!()
        };
        assert_eq!(s.message, "정상 처리");
        assert_eq!(s.amount, None);
        assert_eq!(s.check_amount(Amount::won(1)), Ok(()));
    }

    #[test]
    fn approval_url_allow_list_and_idc() {
        let m = staging();
        let stg = "https://stgmobile.inicis.com/smart/payReq.ini";
        assert_eq!(success(stg, Some("stg")).check_approval_url(&m), Ok(()));
        assert_eq!(success(stg, None).check_approval_url(&m), Ok(()));
        assert_eq!(
            success(stg, Some("ks")).check_approval_url(&m),
            Err(AuthCheckError::IdcMismatch { idc: Idc::Ks })
        );
        assert_eq!(
            success(stg, Some("zz")).check_approval_url(&m),
            Err(AuthCheckError::IdcMismatch {
                idc: Idc::Unknown("zz".into())
            })
        );
        for bad in [
            "https://ksmobile.inicis.com/smart/payReq.ini", // production host, test merchant
            "https://stgmobile.inicis.com/smart/other",
            "https://stgmobile.inicis.com.evil.example/smart/payReq.ini",
            "https://evil.example/smart/payReq.ini",
            "javascript:alert(1)",
        ] {
            assert_eq!(
                success(bad, Some("stg")).check_approval_url(&m),
                Err(AuthCheckError::ApprovalUrlNotAllowed),
                "{bad}"
            );
        }
        // Sandbox origin: idc_name cannot be mapped to a host, not checked.
        let sb = "http://127.0.0.1:8081/smart/payReq.ini";
        assert_eq!(
            success(sb, Some("ks")).check_approval_url(&sandbox()),
            Ok(())
        );
    }

    #[test]
    fn amount_check() {
        let s = success("http://127.0.0.1:8081/smart/payReq.ini", Some("ks"));
        assert_eq!(s.check_amount(Amount::won(2000)), Ok(()));
        assert_eq!(
            s.check_amount(Amount::won(2001)),
            Err(AuthCheckError::AmountMismatch {
                expected: Amount::won(2001),
                received: Amount::won(2000)
            })
        );
        let req = s.approval_request(&sandbox(), Amount::won(2000)).unwrap();
        assert_eq!(req.url(), "http://127.0.0.1:8081/smart/payReq.ini");
        assert!(s.approval_request(&sandbox(), Amount::won(1)).is_err());
    }

    fn arb_success() -> impl Strategy<Value = AuthSuccess> {
        (
            "[A-Za-z0-9_]{1,40}",
            proptest::option::of(0u64..100_000_000),
            proptest::option::of("[가-힣a-zA-Z0-9 .=&%+]{1,40}"),
            proptest::option::of(prop_oneof![
                Just(Idc::Fc),
                Just(Idc::Ks),
                Just(Idc::Stg),
                "[a-z]{1,3}".prop_map(|s| Idc::from_wire(&s))
            ]),
            "[가-힣a-zA-Z0-9 .]{0,40}",
        )
            .prop_map(|(tid, amt, noti, idc, msg)| AuthSuccess {
                tid: Tid::new(tid).unwrap(),
                req_url: "https://ksmobile.inicis.com/smart/payReq.ini".into(),
                amount: amt.map(Amount::won),
                merchant_data: noti.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()),
                idc,
                message: msg.trim().to_owned(),
                charset: Charset::Utf8,
                form: Form::new(),
            })
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = AuthResult::parse(&bytes, Charset::EucKr);
            let _ = AuthResult::parse(&bytes, Charset::Utf8);
        }

        #[test]
        fn roundtrip(s in arb_success(), euc in any::<bool>()) {
            let charset = if euc { Charset::EucKr } else { Charset::Utf8 };
            let body = s.to_form().encode(charset).unwrap();
            let AuthResult::Success(mut p) = AuthResult::parse(&body, charset).unwrap() else {
                panic!("not a success")
            };
            p.form = Form::new();
            let mut expected = s.clone();
            expected.charset = charset;
            prop_assert_eq!(p, expected);
        }
    }
}
