//! Fault injection: make the next N calls of an endpoint misbehave the way
//! production sometimes does (slow, HTTP 500, garbled, tampered, duplicated
//! or re-ordered notifications, notifications from an odd address) or make
//! an inquiry disagree with the truth.
//!
//! ```
//! use inipay_sandbox::faults::{Endpoint, Fault, Faults};
//! let mut f = Faults::default();
//! f.inject(Endpoint::Approval, Fault::Http500, 2);
//! assert_eq!(f.take(Endpoint::Approval), vec![Fault::Http500]);
//! assert_eq!(f.take(Endpoint::Approval), vec![Fault::Http500]);
//! assert!(f.take(Endpoint::Approval).is_empty());
//! ```

use serde::{Deserialize, Serialize};

/// An endpoint faults can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Endpoint {
    /// `/smart/payment/` and the legacy window paths.
    Payment,
    /// `/smart/payReq.ini`.
    Approval,
    /// `/smart/payNetCancel.ini`.
    NetCancel,
    /// Outbound notifications (one noti job = one call).
    Noti,
    /// `/inibill/*` and `/pay/card/billing`.
    BillingWindow,
    /// `/api/v1/*`.
    IniapiV1,
    /// `/v2/pg/*`.
    IniapiV2,
    /// Inquiry calls only: `/api/v1/extra` (`type=Extra`,
    /// `paymethod=Inquiry`, PROTOCOL.md 4.5) and `/v2/pg/inquiry` (5.6).
    /// Billing and refunds never see these faults, while an inquiry call
    /// still also takes the faults of its `IniapiV1` / `IniapiV2` endpoint.
    Inquiry,
}

/// A misbehaviour.
///
/// The inquiry faults (on [`Endpoint::Inquiry`]) make the reply disagree
/// with the sandbox's own state, which stays untouched: `TamperAmount`,
/// `TamperOrderId`, `TamperTid`, `TamperMid` and `InquiryStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// Answer only after this many milliseconds (beyond a client's timeout),
    /// measured on the sandbox clock: with a manual clock the reply comes
    /// when the test advances it; on the system clock the real wait is capped
    /// by `SandboxConfig::fault_delay_cap`.
    Delay {
        /// Delay in ms.
        millis: u64,
    },
    /// HTTP 500 with an empty body (the call has no effect).
    Http500,
    /// HTTP 200 with a body that is not the protocol's format (the call has
    /// its effect: an approval is made, then the reply is lost).
    Garbled,
    /// Approval reply with `P_AMT` one won higher than approved; inquiry
    /// reply with `price` (and a deposited virtual account's
    /// `vacctInfo.depositAmount`) one won higher than the truth.
    TamperAmount,
    /// Approval or inquiry reply with a different order id (`P_OID` /
    /// `oid`: the true one with `X` appended).
    TamperOrderId,
    /// Inquiry reply naming another transaction: `tid` with its last digit
    /// changed (the 40-character layout kept).
    TamperTid,
    /// Inquiry reply naming another merchant: v2 `mid` with its last
    /// character changed (v1 inquiry replies carry no `mid`).
    TamperMid,
    /// Inquiry reply with this status instead of the true one: v1 `status`
    /// and v2 `transactionStatus` (values as in the sandbox README, e.g. `0`
    /// approved, `1` cancelled, `9` no such transaction, `N`/`Y`/`C` for
    /// virtual accounts). Also replaces the `9` of an unknown TID.
    InquiryStatus {
        /// The status to report.
        status: String,
    },
    /// Deliver the notification twice, even after `OK`.
    DuplicateNoti,
    /// Hold this notification back and send it after the next one.
    ReorderNoti,
    /// Claim this source address in the source header of the notification.
    NotiSource {
        /// Address written in the header.
        addr: String,
    },
}

/// Pending faults per endpoint; each has a remaining count.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Faults {
    pending: Vec<(Endpoint, Fault, u32)>,
}

impl Faults {
    /// Makes the next `count` calls of `endpoint` suffer `fault`.
    pub fn inject(&mut self, endpoint: Endpoint, fault: Fault, count: u32) {
        if count > 0 {
            self.pending.push((endpoint, fault, count));
        }
    }

    /// The faults that apply to this call of `endpoint` (decrementing them).
    pub fn take(&mut self, endpoint: Endpoint) -> Vec<Fault> {
        if self.pending.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (e, f, n) in &mut self.pending {
            if *e == endpoint && *n > 0 {
                out.push(f.clone());
                *n -= 1;
            }
        }
        self.pending.retain(|(_, _, n)| *n > 0);
        out
    }

    /// Every pending fault.
    pub fn list(&self) -> &[(Endpoint, Fault, u32)] {
        &self.pending
    }

    /// Removes every fault.
    pub fn clear(&mut self) {
        self.pending.clear();
    }
}

/// Faults split by what they do to an HTTP reply.
#[derive(Debug, Default, Clone)]
pub(crate) struct HttpFaults {
    pub delay_ms: u64,
    pub http500: bool,
    pub garbled: bool,
    pub tamper_amount: bool,
    pub tamper_oid: bool,
    pub tamper_tid: bool,
    pub tamper_mid: bool,
    pub inquiry_status: Option<String>,
}

impl HttpFaults {
    pub(crate) fn from(list: &[Fault]) -> HttpFaults {
        let mut h = HttpFaults::default();
        for f in list {
            match f {
                Fault::Delay { millis } => h.delay_ms = h.delay_ms.max(*millis),
                Fault::Http500 => h.http500 = true,
                Fault::Garbled => h.garbled = true,
                Fault::TamperAmount => h.tamper_amount = true,
                Fault::TamperOrderId => h.tamper_oid = true,
                Fault::TamperTid => h.tamper_tid = true,
                Fault::TamperMid => h.tamper_mid = true,
                Fault::InquiryStatus { status } => h.inquiry_status = Some(status.clone()),
                Fault::DuplicateNoti | Fault::ReorderNoti | Fault::NotiSource { .. } => {}
            }
        }
        h
    }

    /// Waits out the delay fault, if any, on the sandbox clock (see
    /// [`crate::clock::Clock::wait`]).
    pub(crate) async fn delay(&self, sh: &crate::server::Shared) {
        if self.delay_ms > 0 {
            sh.clock
                .wait(
                    std::time::Duration::from_millis(self.delay_ms),
                    sh.cfg.fault_delay_cap,
                )
                .await;
        }
    }
}

/// A body that is not key=value nor JSON.
pub(crate) const GARBLED_BODY: &[u8] = b"<html><body>\xff\xfe502 Bad Gateway\x00</body>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_endpoint() {
        let mut f = Faults::default();
        f.inject(Endpoint::Noti, Fault::DuplicateNoti, 1);
        f.inject(Endpoint::Approval, Fault::Delay { millis: 5 }, 1);
        f.inject(Endpoint::Approval, Fault::Garbled, 0);
        assert!(f.take(Endpoint::Payment).is_empty());
        assert_eq!(f.take(Endpoint::Approval), vec![Fault::Delay { millis: 5 }]);
        assert_eq!(f.list().len(), 1);
        f.clear();
        assert!(f.take(Endpoint::Noti).is_empty());
    }

    #[test]
    fn fault_json_shape() {
        let f: Fault = serde_json::from_str(r#"{"kind":"delay","millis":300}"#).unwrap();
        assert_eq!(f, Fault::Delay { millis: 300 });
        let f: Fault = serde_json::from_str(r#"{"kind":"noti_source","addr":"1.2.3.4"}"#).unwrap();
        assert_eq!(
            f,
            Fault::NotiSource {
                addr: "1.2.3.4".into()
            }
        );
        let f: Fault = serde_json::from_str(r#"{"kind":"inquiry_status","status":"1"}"#).unwrap();
        assert_eq!(f, Fault::InquiryStatus { status: "1".into() });
        let e: Endpoint = serde_json::from_str(r#""inquiry""#).unwrap();
        assert_eq!(e, Endpoint::Inquiry);
    }
}
