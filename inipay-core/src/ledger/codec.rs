//! Stored forms of intents and outcomes (one format for every store).

// The readers are used by the SQL stores only.
#![cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]

use super::Intent;
use super::error::LedgerError;
use super::state::{Applied, Event, PaymentState, Rejection};
use crate::types::{Amount, OrderId, Tid};
use serde::{Deserialize, Serialize};

/// The JSON form of an [`Intent`] in the journal's `intent` column.
#[derive(Serialize, Deserialize)]
struct IntentRepr {
    order: String,
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    tid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    amount: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    vbank: Option<bool>,
}

pub(crate) fn intent_to_json(intent: &Intent) -> String {
    let mut r = IntentRepr {
        order: intent.order_id.as_str().to_owned(),
        kind: intent.event.kind().to_owned(),
        tid: None,
        amount: None,
        status: None,
        code: None,
        vbank: None,
    };
    match &intent.event {
        Event::Authenticated { tid, amount }
        | Event::Approved { tid, amount }
        | Event::VbankIssued { tid, amount } => {
            r.tid = Some(tid.as_str().to_owned());
            r.amount = Some(amount.get());
        }
        Event::CancelledByUser => {}
        Event::AuthFailed { code } | Event::Failed { code } | Event::Declined { code } => {
            r.code = Some(code.clone())
        }
        Event::Noti {
            tid,
            status,
            amount,
            vbank,
        } => {
            r.tid = Some(tid.as_str().to_owned());
            r.status = Some(status.clone());
            r.amount = amount.map(Amount::get);
            r.vbank = Some(*vbank);
        }
        Event::NetCancelled { tid } | Event::VbankExpired { tid } => {
            r.tid = Some(tid.as_str().to_owned());
        }
        Event::NetCancelFailed { tid, code } => {
            r.tid = Some(tid.as_str().to_owned());
            r.code = Some(code.clone());
        }
        Event::Refunded { refund_tid, amount } => {
            r.tid = Some(refund_tid.as_str().to_owned());
            r.amount = Some(amount.get());
        }
    }
    // Serializing a struct of strings and numbers cannot fail.
    serde_json::to_string(&r).unwrap_or_default()
}

const CORRUPT: LedgerError = LedgerError::Corrupt { column: "intent" };

pub(crate) fn intent_from_json(text: &str) -> Result<Intent, LedgerError> {
    let r: IntentRepr = serde_json::from_str(text).map_err(|_| CORRUPT)?;
    let order_id = OrderId::new(&r.order).map_err(|_| CORRUPT)?;
    let tid = || -> Result<Tid, LedgerError> {
        r.tid
            .as_deref()
            .and_then(|t| Tid::new(t).ok())
            .ok_or(CORRUPT)
    };
    let amount = || r.amount.map(Amount::won).ok_or(CORRUPT);
    let code = || r.code.clone().ok_or(CORRUPT);
    let event = match r.kind.as_str() {
        "authenticated" => Event::Authenticated {
            tid: tid()?,
            amount: amount()?,
        },
        "cancelled_by_user" => Event::CancelledByUser,
        "auth_failed" => Event::AuthFailed { code: code()? },
        "failed" => Event::Failed { code: code()? },
        "declined" => Event::Declined { code: code()? },
        "approved" => Event::Approved {
            tid: tid()?,
            amount: amount()?,
        },
        "vbank_issued" => Event::VbankIssued {
            tid: tid()?,
            amount: amount()?,
        },
        "noti" => Event::Noti {
            tid: tid()?,
            status: r.status.clone().ok_or(CORRUPT)?,
            amount: r.amount.map(Amount::won),
            vbank: r.vbank.unwrap_or(false),
        },
        "net_cancelled" => Event::NetCancelled { tid: tid()? },
        "net_cancel_failed" => Event::NetCancelFailed {
            tid: tid()?,
            code: code()?,
        },
        "vbank_expired" => Event::VbankExpired { tid: tid()? },
        "refunded" => Event::Refunded {
            refund_tid: tid()?,
            amount: amount()?,
        },
        _ => return Err(CORRUPT),
    };
    Ok(Intent { order_id, event })
}

const EVENT_KINDS: [&str; 12] = [
    "authenticated",
    "cancelled_by_user",
    "auth_failed",
    "failed",
    "declined",
    "approved",
    "vbank_issued",
    "noti",
    "net_cancelled",
    "net_cancel_failed",
    "vbank_expired",
    "refunded",
];

/// The stored text of an outcome: `transitioned:created->authenticated`,
/// `unchanged:vbank_issued`, `duplicate:approved`, `rejected:amount_mismatch:1000:999`...
pub(crate) fn applied_to_text(a: &Applied) -> String {
    match a {
        Applied::Transitioned { from, to } => format!("transitioned:{from}->{to}"),
        Applied::Unchanged { state } => format!("unchanged:{state}"),
        Applied::Duplicate { state } => format!("duplicate:{state}"),
        Applied::Rejected(r) => format!(
            "rejected:{}",
            match r {
                Rejection::UnknownOrder => "unknown_order".to_owned(),
                Rejection::AmountMismatch { expected, received } =>
                    format!("amount_mismatch:{}:{}", expected.get(), received.get()),
                Rejection::TidMismatch => "tid_mismatch".to_owned(),
                Rejection::InvalidTransition { from, event } =>
                    format!("invalid_transition:{from}:{event}"),
                Rejection::UnknownNotiStatus => "unknown_noti_status".to_owned(),
                Rejection::RefundExceedsPaid {
                    remaining,
                    requested,
                } => format!(
                    "refund_exceeds_paid:{}:{}",
                    remaining.get(),
                    requested.get()
                ),
            }
        ),
    }
}

pub(crate) fn applied_from_text(text: &str) -> Result<Applied, LedgerError> {
    const C: LedgerError = LedgerError::Corrupt { column: "outcome" };
    let state = |s: &str| PaymentState::parse(s).ok_or(C);
    let won = |s: &str| s.parse::<u64>().map(Amount::won).map_err(|_| C);
    let (head, rest) = text.split_once(':').ok_or(C)?;
    Ok(match head {
        "transitioned" => {
            let (from, to) = rest.split_once("->").ok_or(C)?;
            Applied::Transitioned {
                from: state(from)?,
                to: state(to)?,
            }
        }
        "unchanged" => Applied::Unchanged {
            state: state(rest)?,
        },
        "duplicate" => Applied::Duplicate {
            state: state(rest)?,
        },
        "rejected" => {
            let parts: Vec<&str> = rest.split(':').collect();
            Applied::Rejected(match parts.as_slice() {
                ["unknown_order"] => Rejection::UnknownOrder,
                ["amount_mismatch", e, r] => Rejection::AmountMismatch {
                    expected: won(e)?,
                    received: won(r)?,
                },
                ["tid_mismatch"] => Rejection::TidMismatch,
                ["invalid_transition", from, ev] => Rejection::InvalidTransition {
                    from: state(from)?,
                    event: EVENT_KINDS.iter().find(|k| *k == ev).ok_or(C)?,
                },
                ["unknown_noti_status"] => Rejection::UnknownNotiStatus,
                ["refund_exceeds_paid", rem, req] => Rejection::RefundExceedsPaid {
                    remaining: won(rem)?,
                    requested: won(req)?,
                },
                _ => return Err(C),
            })
        }
        _ => return Err(C),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tid() -> Tid {
        Tid::new("INIMX_CARDINIpayTest20241030120339525932").unwrap()
    }

    #[test]
    fn every_event_round_trips() {
        let t = tid();
        let a = Amount::won(1234);
        let events = [
            Event::Authenticated {
                tid: t.clone(),
                amount: a,
            },
            Event::CancelledByUser,
            Event::AuthFailed { code: "01".into() },
            Event::Failed { code: "01".into() },
            Event::Declined {
                code: "V013".into(),
            },
            Event::Approved {
                tid: t.clone(),
                amount: a,
            },
            Event::VbankIssued {
                tid: t.clone(),
                amount: a,
            },
            Event::noti(t.clone(), "02", Some(a), true),
            Event::noti(t.clone(), "00", None, false),
            Event::NetCancelled { tid: t.clone() },
            Event::NetCancelFailed {
                tid: t.clone(),
                code: "timeout".into(),
            },
            Event::VbankExpired { tid: t.clone() },
            Event::Refunded {
                refund_tid: t.clone(),
                amount: a,
            },
        ];
        for event in events {
            assert!(EVENT_KINDS.contains(&event.kind()));
            let intent = Intent {
                order_id: OrderId::new("O-1").unwrap(),
                event,
            };
            assert_eq!(intent_from_json(&intent_to_json(&intent)).unwrap(), intent);
        }
        assert!(intent_from_json("{}").is_err());
        assert!(intent_from_json(r#"{"order":"O-1","kind":"approved"}"#).is_err());
    }

    #[test]
    fn every_outcome_round_trips() {
        let outcomes = [
            Applied::Transitioned {
                from: PaymentState::Created,
                to: PaymentState::PartiallyRefunded,
            },
            Applied::Unchanged {
                state: PaymentState::VbankIssued,
            },
            Applied::Duplicate {
                state: PaymentState::Approved,
            },
            Applied::Rejected(Rejection::UnknownOrder),
            Applied::Rejected(Rejection::AmountMismatch {
                expected: Amount::won(1000),
                received: Amount::won(1),
            }),
            Applied::Rejected(Rejection::TidMismatch),
            Applied::Rejected(Rejection::InvalidTransition {
                from: PaymentState::Created,
                event: "noti",
            }),
            Applied::Rejected(Rejection::UnknownNotiStatus),
            Applied::Rejected(Rejection::RefundExceedsPaid {
                remaining: Amount::won(3),
                requested: Amount::won(4),
            }),
        ];
        for a in outcomes {
            assert_eq!(applied_from_text(&applied_to_text(&a)).unwrap(), a);
        }
        assert!(applied_from_text("rejected:nope").is_err());
        assert!(applied_from_text("").is_err());
    }
}
