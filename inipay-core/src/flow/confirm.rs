//! Confirming an unsigned notification with the gateway before money moves
//! (거래조회; PROTOCOL.md 2.6, 4.5, 5.6).
//!
//! A notification is a POST anyone can forge who knows an order id, its
//! amount and a TID. So a notification that would move money (a
//! one-transaction approval `P_STATUS=00`, a virtual-account deposit `02`) is
//! journaled, then checked with an INIAPI inquiry the flow makes itself: the
//! gateway's status, TID, MID, order id and amount must agree with the
//! notification and with the ledger. Only then is the event recorded, on the
//! inquiry's reply (the fact we asked for), never on the notification.
//!
//! | inquiry | what happens | answer to INICIS |
//! |---|---|---|
//! | agrees | applied once, the app is told | `OK` |
//! | disagrees (no such TID, not deposited, other amount...) | journaled, alert, never applied | `OK` (retrying a forgery helps nobody) |
//! | unreachable, timeout, unreadable | not applied; [`WhenUnconfirmed`] decides | `503` (retry) or `OK` (parked) |
//!
//! ```
//! use inipay_core::flow::{ConfirmConfig, NotiTrust, WhenUnconfirmed};
//! let c = ConfirmConfig::default();
//! assert_eq!(c.trust, NotiTrust::ConfirmByInquiry);
//! assert_eq!(c.when_unconfirmed, WhenUnconfirmed::AskInicisToRetry);
//! ```

use super::Flow;
use crate::encoding::Charset;
use crate::iniapi::{ClientIp, IniapiConfig, Inquiry, InquiryReply, RequestMeta, TxStatus};
use crate::ledger::{Direction, Message, MessageKind};
use crate::time::Timestamp;
use crate::types::{Amount, OrderId, Tid};
use std::net::{IpAddr, Ipv4Addr};

/// Whether unsigned notifications are believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum NotiTrust {
    /// Every notification that would move money is confirmed with an INIAPI
    /// inquiry first (the default; needs the merchant's INIAPI key).
    #[default]
    ConfirmByInquiry,
    /// **Unsafe.** Apply notifications as they arrive, unconfirmed: anyone who
    /// can reach the notification URL from an allowed address and knows an
    /// order id, amount and TID can mark an order paid. Only for a gateway
    /// contract without INIAPI access, and never without a source allow-list.
    UnsafeTrustUnsignedNotifications,
}

/// What happens when the inquiry cannot give an answer (unreachable,
/// timeout, HTTP error, unreadable reply). Nothing is applied either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum WhenUnconfirmed {
    /// Answer `503`, so INICIS delivers the notification again later (about
    /// every 10 minutes for a day, PROTOCOL.md 2.6); each delivery is
    /// journaled and confirmed anew. Needs nothing else running.
    #[default]
    AskInicisToRetry,
    /// Answer `OK` and park the notification in the ledger
    /// ([`Ledger::unconfirmed`](crate::ledger::Ledger::unconfirmed));
    /// [`Flow::confirm_parked`] asks the gateway again (run it periodically).
    Park,
}

/// How notifications are confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmConfig {
    /// Confirm (default) or, unsafely, trust.
    pub trust: NotiTrust,
    /// When the gateway gives no answer.
    pub when_unconfirmed: WhenUnconfirmed,
    /// The INIAPI wire version of the inquiry (v1 form by default).
    pub iniapi: IniapiConfig,
    /// `clientIp` sent (and hashed) with the inquiry: the merchant server's
    /// address (PROTOCOL.md 4.1; whether INICIS checks it is unknown).
    /// Default `127.0.0.1`; set your server's public address.
    pub client_ip: ClientIp,
}

impl Default for ConfirmConfig {
    fn default() -> ConfirmConfig {
        ConfirmConfig {
            trust: NotiTrust::default(),
            when_unconfirmed: WhenUnconfirmed::default(),
            iniapi: IniapiConfig::default(),
            client_ip: ClientIp::from(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        }
    }
}

/// What a notification claims happened at the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Claim {
    /// A one-transaction payment was approved (`P_STATUS=00`).
    Approved,
    /// Money arrived in the virtual account (`P_STATUS=02`).
    Deposited,
    /// Our full refund whose reply was lost was made (the reconciler,
    /// [`Flow::reconcile`](super::Flow::reconcile)): the gateway reports
    /// the payment cancelled.
    Refunded,
}

/// What an inquiry reply says about a claim (pure, see [`judge`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Judged {
    /// The gateway confirms.
    Confirmed,
    /// The gateway contradicts the claim: it did not happen.
    Refuted(&'static str),
    /// The gateway reports the transaction with details that disagree with
    /// the ledger (another TID, MID, order id or amount). Not a forgery (the
    /// inquiry names the ledger's own transaction) but a disagreement a
    /// person must see; the question stays open.
    Conflict(&'static str),
    /// The reply does not settle it.
    Unknown(&'static str),
}

/// The gateway's answer to a claim.
#[derive(Debug)]
pub(super) enum Verdict {
    /// The gateway confirms; the event may be recorded on `reply`.
    Confirmed {
        /// The inquiry reply as journaled (not yet written).
        reply: Message,
    },
    /// The gateway contradicts the notification (journaled).
    Refuted(&'static str),
    /// The gateway's record disagrees with the ledger (journaled).
    Conflict(&'static str),
    /// No answer could be had (journaled as a local record).
    Unknown(&'static str),
}

impl Flow {
    /// Asks the gateway about `tid` and judges what it says against `claim`
    /// for `order` of `amount`. The request is journaled before it is sent;
    /// a refuting or unreadable reply is journaled here; a confirming reply
    /// is handed back unwritten so the caller records the event on it.
    pub(super) async fn inquire(
        &self,
        claim: Claim,
        order: &OrderId,
        tid: &Tid,
        amount: Amount,
        now: Timestamp,
    ) -> Result<Verdict, crate::ledger::LedgerError> {
        let config = &self.config.confirm;
        let meta = RequestMeta {
            timestamp: now,
            client_ip: config.client_ip,
        };
        let request = match config
            .iniapi
            .sign(&Inquiry::ByTid(tid.clone()), &self.merchant, &meta)
        {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(order_id = %order, error = %e, "cannot sign an inquiry (INIAPI key configured?)");
                self.journal_local(order, tid, "inquiry not signed: configuration", now)
                    .await?;
                return Ok(Verdict::Unknown("the inquiry could not be signed"));
            }
        };
        let outbound = Message::new(
            MessageKind::IniapiRequest,
            Direction::Outbound,
            Charset::Utf8,
            request.to_body(),
            now,
        )
        .order(order.clone())
        .tid(tid.clone());
        self.ledger.append(outbound, None).await?;
        let exchange = match self.client.inquiry(&request).await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(order_id = %order, error = %e, "inquiry failed; notification not applied");
                self.journal_local(order, tid, "inquiry failed: no reply", now)
                    .await?;
                return Ok(Verdict::Unknown("the inquiry got no reply"));
            }
        };
        let reply_msg = Message::new(
            MessageKind::IniapiReply,
            Direction::Inbound,
            Charset::Utf8,
            exchange.raw.body,
            now,
        )
        .order(order.clone())
        .tid(tid.clone());
        let judged = match exchange.parsed {
            Err(_) => Judged::Unknown("the inquiry reply is unreadable"),
            Ok(reply) => judge(
                claim,
                &reply,
                self.merchant.mid().as_str(),
                order,
                tid,
                amount,
            ),
        };
        let verdict = match judged {
            Judged::Confirmed => return Ok(Verdict::Confirmed { reply: reply_msg }),
            Judged::Refuted(r) => Verdict::Refuted(r),
            Judged::Conflict(r) => Verdict::Conflict(r),
            Judged::Unknown(r) => Verdict::Unknown(r),
        };
        self.ledger.append(reply_msg, None).await?;
        Ok(verdict)
    }

    /// Journals a decision of ours about `order` as a local record.
    pub(super) async fn journal_local(
        &self,
        order: &OrderId,
        tid: &Tid,
        what: &str,
        now: Timestamp,
    ) -> Result<(), crate::ledger::LedgerError> {
        let msg = Message::new(
            MessageKind::IniapiReply,
            Direction::Local,
            Charset::Utf8,
            what.as_bytes().to_vec(),
            now,
        )
        .order(order.clone())
        .tid(tid.clone());
        self.ledger.append(msg, None).await.map(|_| ())
    }
}

/// Judges an inquiry reply against a claim (pure).
///
/// "It did not happen" (no such transaction, another status) refutes the
/// claim. A reply about the same transaction whose TID, MID, order id or
/// amount disagree with the ledger is a [`Judged::Conflict`]: never applied,
/// never answered as settled either (the soak found that a one-off
/// disagreement otherwise lost a genuine deposit for good).
///
/// The v1 `status` codes are PROTOCOL.md 4.5's; a v2 reply's
/// `transactionStatus` is read with the same table when it holds one of those
/// codes, and is otherwise not understood (its value set is unknown,
/// PROTOCOL.md 8.13): not understood is never "confirmed".
pub(super) fn judge(
    claim: Claim,
    reply: &InquiryReply,
    mid: &str,
    order: &OrderId,
    tid: &Tid,
    amount: Amount,
) -> Judged {
    let status = reply
        .status
        .clone()
        .or_else(|| reply.transaction_status.as_deref().and_then(v1_status));
    if status == Some(TxStatus::NotFound) {
        return Judged::Refuted("the gateway knows no such transaction");
    }
    if !reply.result.is_success() {
        return Judged::Unknown("the inquiry was refused");
    }
    if reply.tid.as_deref().is_some_and(|t| t != tid.as_str()) {
        return Judged::Conflict("the gateway reports another TID");
    }
    if reply.mid.as_deref().is_some_and(|m| m != mid) {
        return Judged::Conflict("the gateway reports another MID");
    }
    if reply.oid.as_deref().is_some_and(|o| o != order.as_str()) {
        return Judged::Conflict("the gateway reports another order id");
    }
    match reply.price {
        Some(p) if p != amount => return Judged::Conflict("the gateway reports another amount"),
        Some(_) => {}
        None => return Judged::Unknown("the inquiry reply has no amount"),
    }
    let wanted = match claim {
        Claim::Approved => TxStatus::Approved,
        Claim::Deposited => TxStatus::Deposited,
        Claim::Refunded => TxStatus::Cancelled,
    };
    if claim == Claim::Deposited
        && let Some(d) = reply.vacct.as_ref().and_then(|v| v.deposit_amount)
        && d != amount
    {
        return Judged::Conflict("the gateway reports another deposited amount");
    }
    match status {
        Some(s) if s == wanted => Judged::Confirmed,
        Some(TxStatus::Other(_)) | None => {
            Judged::Unknown("the inquiry reply has no status this library understands")
        }
        Some(_) => match claim {
            Claim::Approved => Judged::Refuted("the gateway does not report it approved"),
            Claim::Deposited => Judged::Refuted("the gateway does not report it deposited"),
            Claim::Refunded => Judged::Refuted("the gateway does not report it cancelled"),
        },
    }
}

/// A v1 inquiry `status` code (PROTOCOL.md 4.5), or `None` for anything else.
fn v1_status(code: &str) -> Option<TxStatus> {
    Some(match code {
        "0" => TxStatus::Approved,
        "1" => TxStatus::Cancelled,
        "9" => TxStatus::NotFound,
        "N" => TxStatus::AwaitingDeposit,
        "Y" => TxStatus::Deposited,
        "C" => TxStatus::CancelledBeforeDeposit,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TID: &str = "INIMX_VBNKINIpayTest20240101120000123456";

    fn reply(json: &str) -> InquiryReply {
        InquiryReply::parse(json.as_bytes()).unwrap()
    }

    fn verdict(claim: Claim, json: &str) -> String {
        let oid = OrderId::new("ORD-1").unwrap();
        let tid = Tid::new(TID).unwrap();
        match judge(
            claim,
            &reply(json),
            "INIpayTest",
            &oid,
            &tid,
            Amount::won(1000),
        ) {
            Judged::Confirmed => "confirmed".into(),
            Judged::Refuted(r) => format!("refuted: {r}"),
            Judged::Conflict(r) => format!("conflict: {r}"),
            Judged::Unknown(r) => format!("unknown: {r}"),
        }
    }

    #[test]
    fn deposit_confirmed_only_when_the_gateway_says_deposited_for_the_same_amount() {
        let ok = format!(r#"{{"resultCode":"00","tid":"{TID}","price":"1000","status":"Y"}}"#);
        assert_eq!(verdict(Claim::Deposited, &ok), "confirmed");
        let waiting = format!(r#"{{"resultCode":"00","tid":"{TID}","price":"1000","status":"N"}}"#);
        assert!(verdict(Claim::Deposited, &waiting).starts_with("refuted"));
        let other = format!(r#"{{"resultCode":"00","tid":"{TID}","price":"999","status":"Y"}}"#);
        assert_eq!(
            verdict(Claim::Deposited, &other),
            "conflict: the gateway reports another amount"
        );
        let none = r#"{"resultCode":"01","status":"9"}"#;
        assert!(verdict(Claim::Deposited, none).starts_with("refuted"));
        assert!(verdict(Claim::Deposited, none).contains("no such transaction"));
        let tid2 = r#"{"resultCode":"00","tid":"INIMX_VBNKINIpayTest20240101120000999999","price":"1000","status":"Y"}"#;
        assert_eq!(
            verdict(Claim::Deposited, tid2),
            "conflict: the gateway reports another TID"
        );
    }

    #[test]
    fn approval_needs_status_approved_and_the_same_order_and_mid() {
        let ok = format!(r#"{{"resultCode":"00","tid":"{TID}","price":"1000","status":"0"}}"#);
        assert_eq!(verdict(Claim::Approved, &ok), "confirmed");
        assert!(verdict(Claim::Deposited, &ok).starts_with("refuted"));
        let cancelled =
            format!(r#"{{"resultCode":"00","tid":"{TID}","price":"1000","status":"1"}}"#);
        assert!(verdict(Claim::Approved, &cancelled).starts_with("refuted"));
        let oid = format!(
            r#"{{"resultCode":"00","tid":"{TID}","oid":"ORD-2","price":"1000","status":"0"}}"#
        );
        assert_eq!(
            verdict(Claim::Approved, &oid),
            "conflict: the gateway reports another order id"
        );
        let mid = format!(
            r#"{{"resultCode":"00","tid":"{TID}","mid":"INIpayTst2","price":"1000","status":"0"}}"#
        );
        assert_eq!(
            verdict(Claim::Approved, &mid),
            "conflict: the gateway reports another MID"
        );
    }

    #[test]
    fn no_answer_is_never_a_confirmation() {
        for json in [
            r#"{"resultCode":"01","resultMsg":"hash"}"#.to_owned(),
            format!(r#"{{"resultCode":"00","tid":"{TID}","status":"0"}}"#),
            format!(r#"{{"resultCode":"00","tid":"{TID}","price":"1000"}}"#),
            format!(
                r#"{{"resultCode":"00","tid":"{TID}","price":"1000","transactionStatus":"??"}}"#
            ),
        ] {
            assert!(
                verdict(Claim::Approved, &json).starts_with("unknown"),
                "{json}"
            );
        }
        let v2 = format!(
            r#"{{"resultCode":"00","tid":"{TID}","price":"1000","transactionStatus":"0"}}"#
        );
        assert_eq!(verdict(Claim::Approved, &v2), "confirmed");
    }
}
