//! Net cancel (망취소, PROTOCOL.md 2.8): undo an approval right after it
//! happened, when the merchant cannot complete the order (amount mismatch,
//! storage failure). Not a general refund: use INIAPI refund for that.
//!
//! The URL is the origin of the `P_REQ_URL` received with the auth result
//! and the path `/smart/payNetCancel.ini`; the origin must be one of the
//! merchant's approval origins. Fields: `P_TID`, `P_MID`, `P_AMT`, `P_OID`,
//! and optionally `P_TIMESTAMP` + `P_CHKFAKE` (Base64 SHA-512 as in 2.3).
//!
//! Which TID INICIS expects is not settled (PROTOCOL.md 8.7): the official
//! sample sends the **auth** TID received on `P_NEXT_URL`; whether the
//! approval TID also works is unknown. [`NetCancelRequest::for_auth`] uses
//! the auth TID; [`NetCancelRequest::new`] takes any TID.
//!
//! ```
//! use inipay_core::config::{Endpoints, Merchant, test_keys};
//! use inipay_core::encoding::Charset;
//! use inipay_core::mobile::{NetCancelReply, NetCancelRequest};
//! use inipay_core::time::Timestamp;
//! use inipay_core::types::{Amount, OrderId, Tid};
//!
//! let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(), Endpoints::inicis_staging())?;
//! let tid = Tid::new("INIMX_AUTHINIpayTest20241029164022745656")?;
//! let req = NetCancelRequest::new(
//!     &merchant,
//!     "https://stgmobile.inicis.com/smart/payReq.ini",
//!     &tid,
//!     &OrderId::new("ORD20240101120000001")?,
//!     Amount::won(1000),
//!     Some(Timestamp::from_unix_millis(1_704_078_000_000)),
//! )?;
//! assert_eq!(req.url(), "https://stgmobile.inicis.com/smart/payNetCancel.ini");
//! let body = String::from_utf8(req.body().to_vec())?;
//! assert!(body.ends_with("P_CHKFAKE=DmoyRuStniabOHAaP612Bmo%2FFOAfMKA1ktMoMH%2BQTNh%2FwN%2Fdckam1XbCe%2BpGPcAgHP9sIhYqz3FVeAOJeS72UQ%3D%3D"));
//!
//! let reply = NetCancelReply::parse(b"P_STATUS=00&P_RMESG1=ok&P_TID=INIMX_AUTHINIpayTest20241029164022745656", Charset::Utf8)?;
//! assert!(reply.is_cancelled());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::AuthSuccess;
use super::chkfake;
use super::reply::{
    AMOUNT_DIGITS, Message, ParseError, Reader, decode_body_with_fallback, put_amount,
};
use crate::config::{ConfigError, Merchant, Origin, origin_of};
use crate::encoding::{Charset, Form};
use crate::outcome::{Outcome, ResultCode};
use crate::time::Timestamp;
use crate::types::{Amount, OrderId, Tid};

/// The net-cancel path on the approval host.
pub const NET_CANCEL_PATH: &str = "/smart/payNetCancel.ini";

/// A net-cancel request: URL and form body. The client POSTs it.
///
/// ```
/// # use inipay_core::config::{Endpoints, Merchant, test_keys};
/// # let merchant = Merchant::test("INIpayTest", test_keys::inipay_test(), Endpoints::sandbox("http://127.0.0.1:8081")?)?;
/// use inipay_core::mobile::NetCancelRequest;
/// use inipay_core::types::{Amount, OrderId, Tid};
///
/// let req = NetCancelRequest::new(
///     &merchant,
///     "http://127.0.0.1:8081/smart/payReq.ini",
///     &Tid::new("INIMX_CARDINIpayTest20241030120339525932")?,
///     &OrderId::new("ORD1")?,
///     Amount::won(1000),
///     None,
/// )?;
/// assert!(req.body().starts_with(b"P_TID=INIMX_CARDINIpayTest20241030120339525932&P_MID=INIpayTest&P_AMT=1000"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetCancelRequest {
    url: String,
    body: Vec<u8>,
    tid: Tid,
    origin: Origin,
}

/// Why a net-cancel request cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NetCancelError {
    /// The `P_REQ_URL` is not an allowed approval URL for the merchant, so
    /// its host is not trusted either.
    #[error("P_REQ_URL is not an allowed approval URL for this merchant")]
    UrlNotAllowed,
    /// `P_CHKFAKE` was requested but the mobile HashKey is not configured.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl NetCancelRequest {
    /// The content type of the body.
    pub const CONTENT_TYPE: &'static str = "application/x-www-form-urlencoded";

    /// A net cancel of `tid` for the approval made at `req_url`.
    /// `chkfake_at` adds `P_TIMESTAMP` (that instant) and `P_CHKFAKE`
    /// (needs the merchant's mobile HashKey); `None` sends neither.
    pub fn new(
        merchant: &Merchant,
        req_url: &str,
        tid: &Tid,
        order_id: &OrderId,
        amount: Amount,
        chkfake_at: Option<Timestamp>,
    ) -> Result<NetCancelRequest, NetCancelError> {
        if !merchant.is_allowed_approval_url(req_url) {
            return Err(NetCancelError::UrlNotAllowed);
        }
        let origin = origin_of(req_url).ok_or(NetCancelError::UrlNotAllowed)?;
        let amt = amount.to_wire();
        let mut fields: Vec<(&str, String)> = vec![
            ("P_TID", tid.as_str().to_owned()),
            ("P_MID", merchant.mid().as_str().to_owned()),
            ("P_AMT", amt.clone()),
            ("P_OID", order_id.as_str().to_owned()),
        ];
        if let Some(at) = chkfake_at {
            let key = merchant.mobile_hash_key()?;
            let ts = at.millis_string();
            let sig = chkfake::sign(&amt, order_id.as_str(), &ts, key);
            fields.push(("P_TIMESTAMP", ts));
            fields.push(("P_CHKFAKE", sig));
        }
        // Every value is ASCII, so the body is the same in any charset.
        let body = Charset::EucKr
            .encode_form(fields.iter().map(|(k, v)| (*k, v.as_str())))
            .map_err(|_| NetCancelError::UrlNotAllowed)?;
        Ok(NetCancelRequest {
            url: format!("{origin}{NET_CANCEL_PATH}"),
            body,
            tid: tid.clone(),
            origin: merchant.origin(),
        })
    }

    /// A net cancel for an authentication: its auth TID and `P_REQ_URL`, as
    /// the official sample does.
    pub fn for_auth(
        merchant: &Merchant,
        auth: &AuthSuccess,
        order_id: &OrderId,
        amount: Amount,
        chkfake_at: Option<Timestamp>,
    ) -> Result<NetCancelRequest, NetCancelError> {
        NetCancelRequest::new(
            merchant,
            &auth.req_url,
            &auth.tid,
            order_id,
            amount,
            chkfake_at,
        )
    }

    /// The URL to POST to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The form body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The TID being cancelled.
    pub fn tid(&self) -> &Tid {
        &self.tid
    }

    /// The MID and mode that made the request.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }
}

/// The net-cancel reply: `P_STATUS` (`00` = cancelled), `P_RMESG1`, `P_TID`
/// (format assumed equal to the approval reply, PROTOCOL.md 2.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetCancelReply {
    /// `00` is [`Outcome::Success`]; other codes are [`Outcome::Unknown`]
    /// (INICIS documents no failure codes, PROTOCOL.md 8.7).
    pub result: ResultCode,
    /// `P_TID`, when sent and well formed.
    pub tid: Option<Tid>,
    /// `P_AMT`, when sent (not documented for net cancel; the approval
    /// format is assumed, PROTOCOL.md 2.8 (I)). Digits without a leading
    /// zero: a malformed one is an error in a success, dropped in a failure.
    pub amount: Option<Amount>,
    /// The charset the body was actually decoded with: the one asked for, or
    /// the other when the bytes were only valid in that one. Journal the
    /// body with it.
    pub charset: Charset,
    form: Form,
}

impl NetCancelReply {
    /// Parses the reply in `charset` (the `P_CHARSET` of the payment), or in
    /// the other charset when the bytes are not valid text in `charset` but
    /// are in the other (the sandbox, like INICIS for approvals, answers an
    /// unknown `P_TID` in EUC-KR whatever was asked).
    ///
    /// ```
    /// use inipay_core::encoding::Charset;
    /// use inipay_core::mobile::NetCancelReply;
    ///
    /// let (body, _, _) = encoding_rs::EUC_KR.encode("P_STATUS=01&P_RMESG1=거래정보가 없습니다.");
    /// let reply = NetCancelReply::parse(&body, Charset::Utf8)?;
    /// assert_eq!(reply.charset, Charset::EucKr);
    /// assert!(!reply.is_cancelled());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse(body: &[u8], charset: Charset) -> Result<NetCancelReply, ParseError> {
        let (form, charset) = decode_body_with_fallback(body, charset, Message::NetCancel)?;
        let r = Reader::new(&form, Message::NetCancel);
        let status = r.status()?;
        let success = status == "00";
        let outcome = if success {
            Outcome::Success
        } else {
            Outcome::Unknown
        };
        let message = r.raw_text("P_RMESG1").unwrap_or_default();
        let tid = r.tid("P_TID").ok().flatten();
        let amount = match r.amount("P_AMT", AMOUNT_DIGITS) {
            Err(_) if !success => None,
            other => other?,
        };
        Ok(NetCancelReply {
            result: ResultCode::new(outcome, status, message),
            tid,
            amount,
            charset,
            form,
        })
    }

    /// Whether INICIS cancelled the approval.
    pub fn is_cancelled(&self) -> bool {
        self.result.is_success()
    }

    /// Every field as received.
    pub fn form(&self) -> &Form {
        &self.form
    }

    /// The reply as a form (for tests and the sandbox).
    pub fn to_form(&self) -> Form {
        let mut f = Form::new();
        f.push("P_STATUS", self.result.code.as_str());
        f.push("P_RMESG1", self.result.message.as_str());
        if let Some(t) = &self.tid {
            f.push("P_TID", t.as_str());
        }
        put_amount(&mut f, "P_AMT", self.amount);
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Endpoints, Keys, test_keys};
    use proptest::prelude::*;

    const TID: &str = "INIMX_AUTHINIpayTest20241029164022745656";

    fn sandbox(keys: Keys) -> Merchant {
        Merchant::test(
            "INIpayTest",
            keys,
            Endpoints::sandbox("http://127.0.0.1:8081").unwrap(),
        )
        .unwrap()
    }

    fn oid() -> OrderId {
        OrderId::new("ORD20240101120000001").unwrap()
    }

    #[test]
    fn fields_url_and_chkfake() {
        let m = sandbox(test_keys::inipay_test());
        let tid = Tid::new(TID).unwrap();
        let req = NetCancelRequest::new(
            &m,
            "http://127.0.0.1:8081/smart/payReq.ini",
            &tid,
            &oid(),
            Amount::won(1000),
            Some(Timestamp::from_unix_millis(1_704_078_000_000)),
        )
        .unwrap();
        assert_eq!(req.url(), "http://127.0.0.1:8081/smart/payNetCancel.ini");
        let f = Form::parse(req.body(), Charset::Utf8).unwrap();
        let keys: Vec<&str> = f.pairs().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "P_TID",
                "P_MID",
                "P_AMT",
                "P_OID",
                "P_TIMESTAMP",
                "P_CHKFAKE"
            ]
        );
        assert_eq!(f.get("P_TID"), Some(TID));
        assert_eq!(f.get("P_MID"), Some("INIpayTest"));
        assert_eq!(f.get("P_AMT"), Some("1000"));
        assert_eq!(f.get("P_TIMESTAMP"), Some("1704078000000"));
        // PROTOCOL.md 6, V5.
        assert_eq!(
            f.get("P_CHKFAKE"),
            Some(
                "DmoyRuStniabOHAaP612Bmo/FOAfMKA1ktMoMH+QTNh/wN/dckam1XbCe+pGPcAgHP9sIhYqz3FVeAOJeS72UQ=="
            )
        );

        let plain = NetCancelRequest::new(
            &m,
            "http://127.0.0.1:8081/smart/payReq.ini",
            &tid,
            &oid(),
            Amount::won(1000),
            None,
        )
        .unwrap();
        let f = Form::parse(plain.body(), Charset::Utf8).unwrap();
        assert_eq!(f.len(), 4);
        assert_eq!(f.get("P_CHKFAKE"), None);
    }

    #[test]
    fn origin_must_be_allowed_and_key_present() {
        let m = sandbox(test_keys::inipay_test());
        let tid = Tid::new(TID).unwrap();
        for bad in [
            "https://ksmobile.inicis.com/smart/payReq.ini",
            "http://127.0.0.1:8082/smart/payReq.ini",
            "http://127.0.0.1:8081/smart/payNetCancel.ini",
            "not a url",
        ] {
            assert_eq!(
                NetCancelRequest::new(&m, bad, &tid, &oid(), Amount::won(1), None),
                Err(NetCancelError::UrlNotAllowed),
                "{bad}"
            );
        }
        let no_key = sandbox(Keys::default());
        assert!(matches!(
            NetCancelRequest::new(
                &no_key,
                "http://127.0.0.1:8081/smart/payReq.ini",
                &tid,
                &oid(),
                Amount::won(1),
                Some(Timestamp::from_unix_millis(0))
            ),
            Err(NetCancelError::Config(ConfigError::MissingKey(_)))
        ));
    }

    #[test]
    fn for_auth_uses_the_auth_tid_and_host() {
        let m = Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::inicis_staging(),
        )
        .unwrap();
        let body = format!(
            "P_STATUS=00&P_TID={TID}&P_REQ_URL=https://stgmobile.inicis.com/smart/payReq.ini&idc_name=stg"
        );
        let auth = match crate::mobile::AuthResult::parse(body.as_bytes(), Charset::EucKr).unwrap()
        {
            crate::mobile::AuthResult::Success(s) => s,
            crate::mobile::AuthResult::Failure(f) => panic!("{f:?}"),
        };
        let req = NetCancelRequest::for_auth(&m, &auth, &oid(), Amount::won(1000), None).unwrap();
        assert_eq!(
            req.url(),
            "https://stgmobile.inicis.com/smart/payNetCancel.ini"
        );
        assert_eq!(req.tid().as_str(), TID);
    }

    #[test]
    fn reply_parsing() {
        let text = format!("P_STATUS=00&P_RMESG1=망취소 성공&P_TID={TID}");
        let (body, _, _) = encoding_rs::EUC_KR.encode(&text);
        let r = NetCancelReply::parse(&body, Charset::EucKr).unwrap();
        assert!(r.is_cancelled());
        assert_eq!(r.result.message, "망취소 성공");
        assert_eq!(r.tid.as_ref().unwrap().as_str(), TID);
        let r = NetCancelReply::parse(b"P_STATUS=01&P_RMESG1=[R201]x", Charset::Utf8).unwrap();
        assert!(!r.is_cancelled());
        assert_eq!(r.result.outcome, Outcome::Unknown);
        assert_eq!(r.result.detail.as_deref(), Some("R201"));
        assert_eq!(r.tid, None);
        assert_eq!(
            NetCancelReply::parse(b"P_RMESG1=x", Charset::Utf8)
                .unwrap_err()
                .field(),
            Some("P_STATUS")
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = NetCancelReply::parse(&bytes, Charset::EucKr);
            let _ = NetCancelReply::parse(&bytes, Charset::Utf8);
        }

        #[test]
        fn roundtrip(
            status in "[0-9]{2}",
            msg in "[가-힣a-z0-9=&%+]([가-힣a-z0-9 =&%+]{0,20}[가-힣a-z0-9=&%+])?",
            tid in proptest::option::of("[A-Za-z0-9_]{1,40}"),
            amount in proptest::option::of(0u64..10_000_000_000_000_000_000),
            euc in any::<bool>(),
        ) {
            let charset = if euc { Charset::EucKr } else { Charset::Utf8 };
            let outcome = if status == "00" { Outcome::Success } else { Outcome::Unknown };
            let reply = NetCancelReply {
                result: ResultCode::new(outcome, status, msg),
                tid: tid.map(|t| Tid::new(t).unwrap()),
                amount: amount.map(Amount::won),
                charset,
                form: Form::new(),
            };
            let body = reply.to_form().encode(charset).unwrap();
            let mut p = NetCancelReply::parse(&body, charset).unwrap();
            p.form = Form::new();
            prop_assert_eq!(p, reply);
        }
    }
}
