//! Step 4: notifications on `P_NOTI_URL` (PROTOCOL.md 2.6).

use super::Flow;
use super::events::FlowEvent;
use crate::ledger::{Applied, Direction, Event, Intent, Message, MessageKind, PaymentState};
use crate::mobile::{NOTI_REPLY_OK, Notification, PayType};
use crate::time::Timestamp;
use crate::types::OrderId;
use std::net::IpAddr;

/// The HTTP answer to a notification: `200 OK` with body exactly `OK` once
/// the message is safely recorded (duplicates included), an error status
/// with an empty body otherwise, so INICIS retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotiReply {
    /// HTTP status.
    pub status: u16,
    /// Body: `OK` or empty.
    pub body: &'static str,
}

impl NotiReply {
    /// `200 OK`: recorded.
    pub const OK: NotiReply = NotiReply {
        status: 200,
        body: NOTI_REPLY_OK,
    };
    /// `403`: not from an allowed source.
    pub const FORBIDDEN: NotiReply = NotiReply {
        status: 403,
        body: "",
    };
    /// `400`: unreadable (journaled anyway).
    pub const BAD_REQUEST: NotiReply = NotiReply {
        status: 400,
        body: "",
    };
    /// `503`: the ledger is unavailable; INICIS will retry.
    pub const RETRY: NotiReply = NotiReply {
        status: 503,
        body: "",
    };

    /// Whether INICIS will consider the notification delivered.
    pub fn is_ok(&self) -> bool {
        self.status == 200 && self.body == NOTI_REPLY_OK
    }
}

impl Flow {
    /// Handles a notification body from `source` (the peer address, or the
    /// address a trusted proxy reported). Records it before answering.
    pub async fn noti(&self, body: &[u8], source: Option<IpAddr>, now: Timestamp) -> NotiReply {
        let charset = self.config.noti.charset;
        let msg = Message::new(
            MessageKind::Noti,
            Direction::Inbound,
            charset,
            body.to_vec(),
            now,
        );
        if let Some(allow) = &self.config.noti_sources
            && !source.is_some_and(|ip| allow.allows(ip))
        {
            tracing::warn!(source = ?source, "notification from a source not on the allow-list");
            let _ = self.ledger.append(msg, None).await;
            return NotiReply::FORBIDDEN;
        }
        let noti = match Notification::parse(body, &self.config.noti) {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "unreadable notification");
                return match self.ledger.append(msg, None).await {
                    Ok(_) => NotiReply::BAD_REQUEST,
                    Err(_) => NotiReply::RETRY,
                };
            }
        };
        let msg = msg.tid(noti.tid.clone());
        let Ok(oid) = OrderId::new(&noti.order_id) else {
            return self
                .noti_unmatched(msg, None, "notification with an invalid order id", now)
                .await;
        };
        let msg = msg.order(oid.clone());
        match self.ledger.payment(&oid).await {
            Ok(Some(_)) => {}
            Ok(None) => {
                return self
                    .noti_unmatched(msg, Some(oid), "notification for an unknown order", now)
                    .await;
            }
            Err(_) => return NotiReply::RETRY,
        }
        if noti.mid != *self.merchant.mid() {
            return self
                .noti_unmatched(msg, Some(oid), "notification for another MID", now)
                .await;
        }
        let vbank = matches!(noti.pay_type, Some(PayType::Vbank));
        let event = Event::noti(
            noti.tid.clone(),
            noti.status.as_str(),
            Some(noti.amount),
            vbank,
        );
        let recorded = match self
            .ledger
            .record(msg, Intent::new(oid.clone(), event))
            .await
        {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(order_id = %oid, error = %e, "could not record a notification; asking for a retry");
                return NotiReply::RETRY;
            }
        };
        match recorded.applied {
            Applied::Transitioned {
                to: PaymentState::VbankDeposited,
                ..
            } => {
                let ev = FlowEvent::Deposited {
                    order_id: oid,
                    tid: noti.tid.clone(),
                    amount: noti.amount,
                };
                self.emit(&ev, now).await;
            }
            Applied::Transitioned {
                to: PaymentState::Approved,
                ..
            } => {
                let ev = FlowEvent::Paid {
                    order_id: oid,
                    tid: noti.tid.clone(),
                    amount: noti.amount,
                };
                self.emit(&ev, now).await;
            }
            Applied::Rejected(r) => {
                tracing::warn!(order_id = %oid, rejection = ?r, "notification refused by the ledger");
                self.alert(
                    Some(&oid),
                    "notification does not match the order; not marked paid",
                    now,
                )
                .await;
            }
            Applied::Transitioned { .. }
            | Applied::Unchanged { .. }
            | Applied::Duplicate { .. } => {}
        }
        NotiReply::OK
    }

    /// Journals a notification that matches no payment of ours, alerts, and
    /// answers `OK` (retrying would not help; it is recorded).
    async fn noti_unmatched(
        &self,
        msg: Message,
        oid: Option<OrderId>,
        reason: &str,
        now: Timestamp,
    ) -> NotiReply {
        if self.ledger.append(msg, None).await.is_err() {
            return NotiReply::RETRY;
        }
        self.alert(oid.as_ref(), reason, now).await;
        NotiReply::OK
    }
}
