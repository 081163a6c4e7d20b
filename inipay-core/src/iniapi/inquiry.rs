//! Transaction inquiry (거래조회; PROTOCOL.md 4.5, 5.6).
//!
//! ```
//! use inipay_core::iniapi::Inquiry;
//! let q = Inquiry::by_tid("StdpayCARDINIpayTest20210101111111111111").unwrap();
//! assert!(Inquiry::by_order_id("ORD-1").is_ok());
//! # let _ = q;
//! ```

use super::common::{
    ApiRequest, ApiVersion, Fields, IniapiRequest, RequestMeta, Service, SignError, plain, sign_v1,
    sign_v2,
};
use crate::config::Merchant;
use crate::types::{FieldError, OrderId, Tid};

/// Looks a transaction up by TID, or by order number (v1 only, and only for
/// merchants with INICIS's duplicate-order-number prevention option).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inquiry {
    /// `originalTid` (v1) / `tid` (v2).
    ByTid(Tid),
    /// `oid` (v1 only).
    ByOrderId(OrderId),
}

impl Inquiry {
    /// By TID.
    pub fn by_tid(tid: &str) -> Result<Inquiry, FieldError> {
        Tid::with_field("originalTid", tid).map(Inquiry::ByTid)
    }

    /// By order number (v1 only).
    pub fn by_order_id(oid: &str) -> Result<Inquiry, FieldError> {
        OrderId::with_field("oid", oid).map(Inquiry::ByOrderId)
    }
}

impl IniapiRequest for Inquiry {
    fn sign(
        &self,
        merchant: &Merchant,
        version: ApiVersion,
        meta: &RequestMeta,
    ) -> Result<ApiRequest, SignError> {
        match (version, self) {
            (ApiVersion::V1, _) => {
                let fields: Fields = match self {
                    Inquiry::ByTid(t) => vec![plain("originalTid", t.as_str())],
                    Inquiry::ByOrderId(o) => vec![plain("oid", o.as_str())],
                };
                // No TID in the v1 inquiry hash (PROTOCOL.md 4.5).
                sign_v1(
                    merchant,
                    meta,
                    Service::Inquiry,
                    ("Extra", "Inquiry"),
                    fields,
                    &[],
                )
            }
            (ApiVersion::V2, Inquiry::ByTid(t)) => sign_v2(
                merchant,
                meta,
                Service::Inquiry,
                "inquiry",
                None,
                vec![plain("tid", t.as_str())],
            ),
            (ApiVersion::V2, Inquiry::ByOrderId(_)) => Err(SignError::Unsupported(
                "inquiry by order number",
                ApiVersion::V2,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Endpoints, test_keys};
    use crate::time::Timestamp;

    const TID: &str = "StdpayCARDINIpayTest20210101111111111111";

    fn merchant() -> Merchant {
        Merchant::test(
            "INIpayTest",
            test_keys::inipay_test(),
            Endpoints::sandbox("http://127.0.0.1:8081/").unwrap(),
        )
        .unwrap()
    }

    fn meta() -> RequestMeta {
        RequestMeta::new(Timestamp::from_unix_millis(1_704_078_000_000), "192.0.0.1").unwrap()
    }

    /// V11.
    #[test]
    fn v11_v1_inquiry() {
        let r = Inquiry::by_tid(TID)
            .unwrap()
            .sign(&merchant(), ApiVersion::V1, &meta())
            .unwrap();
        assert_eq!(
            r.hash_data(),
            "d858b62f64c2e6f7b42db0ea17c09d201389f8960de649bb57f8672e6410bae9bc885a4704cc6fff67f82ea71f148d20b31010954b67a0937c9960c38319c557"
        );
        assert_eq!(r.url, "http://127.0.0.1:8081/api/v1/extra");
        assert_eq!(
            String::from_utf8(r.to_body()).unwrap(),
            format!(
                "type=Extra&paymethod=Inquiry&timestamp=20240101120000&clientIp=192.0.0.1&mid=INIpayTest&originalTid={TID}&hashData={}",
                r.hash_data()
            )
        );
        // The hash does not depend on which transaction is asked for.
        let by_oid = Inquiry::by_order_id("ORD-1")
            .unwrap()
            .sign(&merchant(), ApiVersion::V1, &meta())
            .unwrap();
        assert_eq!(by_oid.hash_data(), r.hash_data());
        assert_eq!(by_oid.field("oid"), Some("ORD-1"));
    }

    /// V15.
    #[test]
    fn v15_v2_inquiry() {
        let r = Inquiry::by_tid(TID)
            .unwrap()
            .sign(&merchant(), ApiVersion::V2, &meta())
            .unwrap();
        assert_eq!(
            r.hash_data(),
            "0f4b4f411960a92f048d9bbd8a9cc9524912d67b7f751fa7bf2458b60533e1efc1729cb30fd6867c95fd7a4bd1a7e9b376d1eadb8e529d776b32efb11c8efaf4"
        );
        assert_eq!(r.url, "http://127.0.0.1:8081/v2/pg/inquiry");
        assert!(!r.service.moves_money());
        assert_eq!(
            Inquiry::by_order_id("O1")
                .unwrap()
                .sign(&merchant(), ApiVersion::V2, &meta())
                .unwrap_err(),
            SignError::Unsupported("inquiry by order number", ApiVersion::V2)
        );
    }
}
