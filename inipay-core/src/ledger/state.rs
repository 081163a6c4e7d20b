//! The payment state machine: states, the events that move a payment, and the
//! pure decision of what an event does to a payment in a given state.
//!
//! Every store calls [`decide`], so the memory, SQLite and PostgreSQL stores
//! cannot disagree on the rules; the stores only differ in how they make the
//! decision atomic and idempotent (unique constraints on [`EventKey`]).
//!
//! ```text
//! created -> authenticated -> approved | declined | cancelled_by_user | net_cancelled | failed
//!                          -> vbank_issued -> vbank_deposited | vbank_expired      (가상계좌)
//! approved | vbank_deposited -> partially_refunded -> refunded                    (부분취소/취소)
//! declined | cancelled_by_user | failed | net_cancelled -> (payable again, like created)
//! ```
//!
//! A failed attempt (a cancel in the payment window, a decline, an approval
//! the gateway refused) leaves the order **payable**: the buyer may try again,
//! and an attacker who posts a forged auth result can at worst make one
//! attempt fail, never lock the order. Each attempt is its own event (keyed
//! by its journal message); a repeated auth TID is a duplicate. An
//! unsigned failure from the browser ([`Event::AuthFailed`]) never touches
//! an order whose approval is in flight (`authenticated`). A net cancel
//! (withdrawn approval) leaves the order payable too (the withdrawn TID
//! itself never counts again; another attempt's approval does). Only
//! money outcomes end a payment: approved, deposited, expired, refunded.
//!
//! ```
//! use inipay_core::ledger::{Event, PaymentState};
//! use inipay_core::types::{Amount, Tid};
//!
//! let tid = Tid::new("INIMX_VBNKINIpayTest20160504112903950668")?;
//! let deposit = Event::noti(tid.clone(), "02", Some(Amount::won(1000)), true);
//! assert_eq!(deposit.key_text(), "noti:INIMX_VBNKINIpayTest20160504112903950668:02");
//! assert!(PaymentState::VbankIssued.can_move_to(PaymentState::VbankDeposited));
//! assert!(!PaymentState::Created.can_move_to(PaymentState::VbankDeposited));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::types::{Amount, OrderId, Tid};
use std::fmt;

/// Where a payment is in its life. Stored as the snake-case name
/// ([`PaymentState::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PaymentState {
    /// The checkout page was served; the expected amount is recorded.
    Created,
    /// The buyer authenticated on the gateway (인증 성공, auth result `P_STATUS=00`).
    Authenticated,
    /// Approved (승인): the money is committed.
    Approved,
    /// The card company, bank or carrier declined.
    Declined,
    /// The buyer cancelled on the payment window.
    CancelledByUser,
    /// An approval was withdrawn with a net cancel (망취소, PROTOCOL.md 2.8).
    NetCancelled,
    /// Authentication or approval failed for another reason.
    Failed,
    /// A virtual account was issued (가상계좌 발급): **no money yet**.
    VbankIssued,
    /// The buyer deposited into the virtual account (입금통보 `P_STATUS=02`).
    VbankDeposited,
    /// The virtual account's deadline passed without a deposit.
    VbankExpired,
    /// Part of the paid amount was refunded (부분취소).
    PartiallyRefunded,
    /// The whole paid amount was refunded (전체취소).
    Refunded,
}

impl PaymentState {
    /// Every state, in declaration order.
    pub const ALL: [PaymentState; 12] = [
        PaymentState::Created,
        PaymentState::Authenticated,
        PaymentState::Approved,
        PaymentState::Declined,
        PaymentState::CancelledByUser,
        PaymentState::NetCancelled,
        PaymentState::Failed,
        PaymentState::VbankIssued,
        PaymentState::VbankDeposited,
        PaymentState::VbankExpired,
        PaymentState::PartiallyRefunded,
        PaymentState::Refunded,
    ];

    /// The stored name (`created`, `vbank_issued`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Created => "created",
            PaymentState::Authenticated => "authenticated",
            PaymentState::Approved => "approved",
            PaymentState::Declined => "declined",
            PaymentState::CancelledByUser => "cancelled_by_user",
            PaymentState::NetCancelled => "net_cancelled",
            PaymentState::Failed => "failed",
            PaymentState::VbankIssued => "vbank_issued",
            PaymentState::VbankDeposited => "vbank_deposited",
            PaymentState::VbankExpired => "vbank_expired",
            PaymentState::PartiallyRefunded => "partially_refunded",
            PaymentState::Refunded => "refunded",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<PaymentState> {
        PaymentState::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether money has been received for this payment (approved or
    /// deposited, possibly partly refunded since).
    pub fn is_paid(self) -> bool {
        matches!(
            self,
            PaymentState::Approved | PaymentState::VbankDeposited | PaymentState::PartiallyRefunded
        )
    }

    /// Whether the order can still be paid: nothing is charged (`created`,
    /// `authenticated`, a failed attempt: `declined`, `cancelled_by_user`,
    /// `failed`, or an approval withdrawn by net cancel: `net_cancelled`).
    pub fn is_payable(self) -> bool {
        use PaymentState::*;
        matches!(
            self,
            Created | Authenticated | Declined | CancelledByUser | Failed | NetCancelled
        )
    }

    /// Whether the state machine allows `self -> to` at all (whatever the
    /// event's amounts and ids).
    ///
    /// ```
    /// use inipay_core::ledger::PaymentState;
    /// // A declined attempt leaves the order payable.
    /// assert!(PaymentState::Declined.can_move_to(PaymentState::Authenticated));
    /// assert!(!PaymentState::Refunded.can_move_to(PaymentState::Approved));
    /// ```
    pub fn can_move_to(self, to: PaymentState) -> bool {
        use PaymentState::*;
        match self {
            // Payable again; the withdrawn TID itself is never approved
            // again (see `approve`).
            Created | Declined | CancelledByUser | Failed | NetCancelled => matches!(
                to,
                Authenticated
                    | Approved
                    | VbankIssued
                    | Declined
                    | CancelledByUser
                    | Failed
                    | NetCancelled
            ),
            Authenticated => matches!(
                to,
                Authenticated
                    | Approved
                    | VbankIssued
                    | Declined
                    | CancelledByUser
                    | NetCancelled
                    | Failed
            ),
            Approved => matches!(to, NetCancelled | PartiallyRefunded | Refunded),
            VbankIssued => matches!(to, VbankDeposited | VbankExpired | NetCancelled),
            VbankDeposited | PartiallyRefunded => matches!(to, PartiallyRefunded | Refunded),
            VbankExpired => to == VbankDeposited,
            Refunded => false,
        }
    }
}

impl fmt::Display for PaymentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something the gateway (or our own call to it) said about a payment, in
/// typed form. The flow layer builds events from parsed gateway replies; the
/// ledger decides what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// Auth result `P_STATUS=00` with its TID and `P_AMT` (PROTOCOL.md 2.4).
    Authenticated {
        /// The authentication TID (`INIMX_AUTH...`).
        tid: Tid,
        /// `P_AMT` as echoed by the gateway.
        amount: Amount,
    },
    /// The buyer cancelled on the payment window.
    CancelledByUser,
    /// The browser delivered a failed auth result (`P_STATUS` other than
    /// `00` on `P_NEXT_URL`, PROTOCOL.md 2.4). Unsigned: it moves a payable
    /// order to `failed`, but never one that is `authenticated` (an approval
    /// may be in flight) or beyond.
    AuthFailed {
        /// The raw `P_STATUS`.
        code: String,
    },
    /// Approval failed (not a decline) as the gateway answered our own
    /// call, or a local failure before it; `code` is the result code.
    Failed {
        /// The raw result code (`P_STATUS`, `resultCode`).
        code: String,
    },
    /// The approval was declined by the card company, bank or carrier.
    Declined {
        /// The raw result code.
        code: String,
    },
    /// Approval reply `P_STATUS=00` (PROTOCOL.md 2.5).
    Approved {
        /// The approval TID.
        tid: Tid,
        /// `P_AMT` of the approval reply.
        amount: Amount,
    },
    /// Approval reply for a virtual account: issued, not paid (PROTOCOL.md 2.5).
    VbankIssued {
        /// The approval TID (`INIMX_VBNK...`).
        tid: Tid,
        /// `P_AMT` to be deposited.
        amount: Amount,
    },
    /// A notification on `P_NOTI_URL` (PROTOCOL.md 2.6). Deduplicated by
    /// TID + `P_STATUS`.
    Noti {
        /// `P_TID`.
        tid: Tid,
        /// `P_STATUS` as received (`00`, `01`, `02`, ...).
        status: String,
        /// `P_AMT`, when present.
        amount: Option<Amount>,
        /// Whether `P_TYPE` is `VBANK`.
        vbank: bool,
    },
    /// A net cancel (망취소) succeeded (PROTOCOL.md 2.8).
    NetCancelled {
        /// The TID that was cancelled.
        tid: Tid,
    },
    /// A net cancel attempt failed; the payment stays where it is and shows
    /// up in the reconciliation report.
    NetCancelFailed {
        /// The TID whose cancel failed.
        tid: Tid,
        /// The raw result code, or a local reason (`timeout`).
        code: String,
    },
    /// The virtual account's deadline passed.
    VbankExpired {
        /// The issued account's TID.
        tid: Tid,
    },
    /// A refund (INIAPI cancel or partial cancel) succeeded.
    Refunded {
        /// The refund's own TID (the idempotency key).
        refund_tid: Tid,
        /// The amount refunded by this call.
        amount: Amount,
    },
}

impl Event {
    /// A notification event (convenience constructor).
    pub fn noti(tid: Tid, status: impl Into<String>, amount: Option<Amount>, vbank: bool) -> Event {
        Event::Noti {
            tid,
            status: status.into(),
            amount,
            vbank,
        }
    }

    /// The short name of the event kind (`approved`, `noti`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Authenticated { .. } => "authenticated",
            Event::CancelledByUser => "cancelled_by_user",
            Event::AuthFailed { .. } => "auth_failed",
            Event::Failed { .. } => "failed",
            Event::Declined { .. } => "declined",
            Event::Approved { .. } => "approved",
            Event::VbankIssued { .. } => "vbank_issued",
            Event::Noti { .. } => "noti",
            Event::NetCancelled { .. } => "net_cancelled",
            Event::NetCancelFailed { .. } => "net_cancel_failed",
            Event::VbankExpired { .. } => "vbank_expired",
            Event::Refunded { .. } => "refunded",
        }
    }

    /// The idempotency key text for this event, without order context:
    /// INICIS ids where the event has them (`approval:{TID}`,
    /// `noti:{TID}:{P_STATUS}`), see [`EventKey`].
    pub fn key_text(&self) -> String {
        match self {
            Event::Authenticated { tid, .. } => format!("auth:{tid}"),
            Event::Approved { tid, .. } | Event::VbankIssued { tid, .. } => {
                format!("approval:{tid}")
            }
            Event::Noti { tid, status, .. } => format!("noti:{tid}:{status}"),
            Event::NetCancelled { tid } => format!("net_cancel:{tid}"),
            Event::VbankExpired { tid } => format!("vbank_expired:{tid}"),
            Event::Refunded { refund_tid, .. } => format!("refund:{refund_tid}"),
            // Attempt outcomes without a TID: keyed by their journal
            // message too ([`Event::keyed_by_message`]).
            Event::CancelledByUser
            | Event::AuthFailed { .. }
            | Event::Failed { .. }
            | Event::Declined { .. } => "outcome".to_owned(),
            // Each failed attempt counts: keyed by its journal message.
            Event::NetCancelFailed { tid, .. } => format!("net_cancel_failed:{tid}"),
        }
    }

    /// Whether every delivery of this event is an attempt of its own, so
    /// that its key names the journal message ([`EventKey::new`]): a failed
    /// net cancel, and the failed payment attempts (cancel in the window,
    /// decline, failure) after which the order stays payable.
    pub fn keyed_by_message(&self) -> bool {
        matches!(
            self,
            Event::NetCancelFailed { .. }
                | Event::CancelledByUser
                | Event::AuthFailed { .. }
                | Event::Failed { .. }
                | Event::Declined { .. }
        )
    }
}

/// The unique key under which an event is applied at most once: the order id
/// plus [`Event::key_text`], plus the journal message id for events that are
/// attempts rather than facts ([`Event::keyed_by_message`]).
///
/// ```
/// use inipay_core::ledger::{Event, EventKey};
/// use inipay_core::types::OrderId;
///
/// let order = OrderId::new("ORD-1")?;
/// let failed = Event::Failed { code: "01".into() };
/// assert_eq!(EventKey::new(&order, &failed, 7).as_str(), "ORD-1/outcome/7");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventKey(String);

impl EventKey {
    /// The key of `event` for `order`, carried by journal message `message`.
    pub fn new(order: &OrderId, event: &Event, message: i64) -> EventKey {
        if event.keyed_by_message() {
            EventKey(format!("{order}/{}/{message}", event.key_text()))
        } else {
            EventKey(format!("{order}/{}", event.key_text()))
        }
    }

    /// The stored text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why an event was not applied. A rejection is an answer, not an error: the
/// message stays in the journal and the payment is untouched (in particular,
/// a mismatch never marks anything paid).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// No payment was created for this order id.
    UnknownOrder,
    /// The amount differs from the one recorded at checkout.
    AmountMismatch {
        /// Recorded at checkout.
        expected: Amount,
        /// Carried by the message.
        received: Amount,
    },
    /// The TID differs from the payment's approval TID.
    TidMismatch,
    /// The state machine does not allow this event in this state (for
    /// example a deposit for a virtual account never issued).
    InvalidTransition {
        /// The payment's state.
        from: PaymentState,
        /// The event kind ([`Event::kind`]).
        event: &'static str,
    },
    /// A notification `P_STATUS` the ledger does not know.
    UnknownNotiStatus,
    /// A refund larger than what remains paid.
    RefundExceedsPaid {
        /// Remaining refundable amount.
        remaining: Amount,
        /// Requested by the event.
        requested: Amount,
    },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::UnknownOrder => f.write_str("unknown order"),
            Rejection::AmountMismatch { expected, received } => write!(
                f,
                "amount mismatch: expected {} won, received {} won",
                expected.get(),
                received.get()
            ),
            Rejection::TidMismatch => f.write_str("TID differs from the payment's approval TID"),
            Rejection::InvalidTransition { from, event } => {
                write!(f, "event {event} not allowed in state {from}")
            }
            Rejection::UnknownNotiStatus => f.write_str("unknown notification P_STATUS"),
            Rejection::RefundExceedsPaid {
                remaining,
                requested,
            } => write!(
                f,
                "refund of {} won exceeds the {} won still paid",
                requested.get(),
                remaining.get()
            ),
        }
    }
}

/// What applying an event did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Applied {
    /// The payment moved from one state to another.
    Transitioned {
        /// Before.
        from: PaymentState,
        /// After.
        to: PaymentState,
    },
    /// The event was valid and recorded but changes nothing (a virtual
    /// account issuance noti after the approval reply already recorded it; a
    /// failed net-cancel attempt).
    Unchanged {
        /// The payment's state.
        state: PaymentState,
    },
    /// The same event (same key) was applied before; nothing happened now.
    Duplicate {
        /// The payment's current state.
        state: PaymentState,
    },
    /// The event was refused; see [`Rejection`].
    Rejected(Rejection),
}

impl Applied {
    /// Whether this call moved the payment.
    pub fn is_transition(&self) -> bool {
        matches!(self, Applied::Transitioned { .. })
    }
}

/// The columns of a payment the decision reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub state: PaymentState,
    pub expected: Amount,
    pub tid: Option<Tid>,
    pub auth_tid: Option<Tid>,
    pub refunded: Amount,
    pub net_cancel_failures: u32,
}

/// The outcome of [`decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Write `next` (its state may equal the current one: then it is
    /// reported as [`Applied::Unchanged`]).
    Write(Snapshot),
    /// Refuse; nothing is written but the journal outcome.
    Reject(Rejection),
}

fn check_amount(expected: Amount, received: Amount) -> Result<(), Rejection> {
    if expected == received {
        Ok(())
    } else {
        Err(Rejection::AmountMismatch { expected, received })
    }
}

/// Decides what `event` does to a payment currently at `cur`. Pure: the
/// stores make it atomic.
pub(crate) fn decide(cur: Option<&Snapshot>, event: &Event) -> Decision {
    let Some(cur) = cur else {
        return Decision::Reject(Rejection::UnknownOrder);
    };
    match step(cur, event) {
        Ok(next) => Decision::Write(next),
        Err(r) => Decision::Reject(r),
    }
}

fn step(cur: &Snapshot, event: &Event) -> Result<Snapshot, Rejection> {
    use PaymentState::*;
    let invalid = || Rejection::InvalidTransition {
        from: cur.state,
        event: event.kind(),
    };
    let mut next = cur.clone();
    let goto = |next: &mut Snapshot, to: PaymentState| -> Result<(), Rejection> {
        if cur.state.can_move_to(to) {
            next.state = to;
            Ok(())
        } else {
            Err(invalid())
        }
    };
    match event {
        Event::Authenticated { tid, amount } => {
            // A newer auth TID replaces the older one (the buyer tried
            // again, or the older one was forged and refused at approval);
            // the same TID again is a duplicate, caught by its key.
            check_amount(cur.expected, *amount)?;
            goto(&mut next, Authenticated)?;
            next.auth_tid = Some(tid.clone());
        }
        Event::CancelledByUser => goto(&mut next, CancelledByUser)?,
        Event::AuthFailed { .. } => {
            if cur.state == Authenticated {
                return Err(invalid());
            }
            goto(&mut next, Failed)?;
        }
        Event::Failed { .. } => goto(&mut next, Failed)?,
        Event::Declined { .. } => goto(&mut next, Declined)?,
        Event::Approved { tid, amount } => approve(cur, &mut next, tid, *amount, Approved)?,
        Event::VbankIssued { tid, amount } => approve(cur, &mut next, tid, *amount, VbankIssued)?,
        Event::Noti {
            tid,
            status,
            amount,
            vbank,
        } => match status.as_str() {
            "00" => {
                let amount = amount.unwrap_or(cur.expected);
                let to = if *vbank { VbankIssued } else { Approved };
                approve(cur, &mut next, tid, amount, to)?;
            }
            "01" => {
                if cur.tid.as_ref().is_some_and(|t| t != tid) {
                    return Err(Rejection::TidMismatch);
                }
                goto(&mut next, Failed)?;
            }
            "02" => {
                // A deposit after the deadline is still money received.
                if !matches!(cur.state, VbankIssued | VbankExpired) {
                    return Err(invalid());
                }
                if cur.tid.as_ref() != Some(tid) {
                    return Err(Rejection::TidMismatch);
                }
                if let Some(a) = amount {
                    check_amount(cur.expected, *a)?;
                }
                goto(&mut next, VbankDeposited)?;
            }
            _ => return Err(Rejection::UnknownNotiStatus),
        },
        Event::NetCancelled { tid } => {
            if cur.tid.as_ref().is_some_and(|t| t != tid) {
                return Err(Rejection::TidMismatch);
            }
            goto(&mut next, NetCancelled)?;
            // The approval whose cancels failed is withdrawn now; failures
            // of another attempt (no recorded TID) stay listed.
            if cur.tid.as_ref() == Some(tid) {
                next.net_cancel_failures = 0;
            }
            if next.tid.is_none() {
                next.tid = Some(tid.clone());
            }
        }
        Event::NetCancelFailed { .. } => {
            // An approval we could not withdraw may have captured money,
            // whichever attempt of the order it belonged to: always
            // counted (state unchanged), so the reconciliation lists it.
            next.net_cancel_failures = cur.net_cancel_failures.saturating_add(1);
        }
        Event::VbankExpired { tid } => {
            if cur.state == VbankIssued && cur.tid.as_ref() != Some(tid) {
                return Err(Rejection::TidMismatch);
            }
            goto(&mut next, VbankExpired)?;
        }
        Event::Refunded { amount, .. } => {
            if !cur.state.is_paid() {
                return Err(invalid());
            }
            let remaining = cur
                .expected
                .checked_sub(cur.refunded)
                .unwrap_or(Amount::ZERO);
            if *amount > remaining || amount.is_zero() {
                return Err(Rejection::RefundExceedsPaid {
                    remaining,
                    requested: *amount,
                });
            }
            next.refunded = cur.refunded.checked_add(*amount).unwrap_or(cur.expected);
            let to = if next.refunded == cur.expected {
                Refunded
            } else {
                PartiallyRefunded
            };
            goto(&mut next, to)?;
        }
    }
    Ok(next)
}

/// Approval (or virtual account issuance): from created/authenticated, or an
/// idempotent repeat of the same TID in the target state.
fn approve(
    cur: &Snapshot,
    next: &mut Snapshot,
    tid: &Tid,
    amount: Amount,
    to: PaymentState,
) -> Result<(), Rejection> {
    if cur.state == to {
        return if cur.tid.as_ref() == Some(tid) {
            check_amount(cur.expected, amount)
        } else {
            Err(Rejection::TidMismatch)
        };
    }
    // The approval a net cancel withdrew never counts again (a late or
    // re-applied reply); another attempt's may (a parallel tab, a retry).
    if cur.state == PaymentState::NetCancelled && cur.tid.as_ref() == Some(tid) {
        return Err(Rejection::InvalidTransition {
            from: cur.state,
            event: "approved",
        });
    }
    check_amount(cur.expected, amount)?;
    if !cur.state.can_move_to(to) {
        return Err(Rejection::InvalidTransition {
            from: cur.state,
            event: if to == PaymentState::VbankIssued {
                "vbank_issued"
            } else {
                "approved"
            },
        });
    }
    next.state = to;
    next.tid = Some(tid.clone());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tid(s: &str) -> Tid {
        Tid::new(format!("INIMX_VBNKINIpayTest2016050411290395066{s}")).unwrap()
    }

    fn snap(state: PaymentState) -> Snapshot {
        Snapshot {
            state,
            expected: Amount::won(1000),
            tid: Some(tid("8")),
            auth_tid: None,
            refunded: Amount::ZERO,
            net_cancel_failures: 0,
        }
    }

    fn to_state(d: Decision) -> PaymentState {
        match d {
            Decision::Write(s) => s.state,
            Decision::Reject(r) => panic!("rejected: {r}"),
        }
    }

    #[test]
    fn state_names_round_trip() {
        for s in PaymentState::ALL {
            assert_eq!(PaymentState::parse(s.as_str()), Some(s));
        }
        assert_eq!(PaymentState::parse("paid"), None);
    }

    #[test]
    fn deposit_needs_issued_account_and_matching_tid_and_amount() {
        let dep = Event::noti(tid("8"), "02", Some(Amount::won(1000)), true);
        assert_eq!(
            to_state(decide(Some(&snap(PaymentState::VbankIssued)), &dep)),
            PaymentState::VbankDeposited
        );
        for s in [
            PaymentState::Created,
            PaymentState::Authenticated,
            PaymentState::VbankDeposited,
        ] {
            assert!(matches!(
                decide(Some(&snap(s)), &dep),
                Decision::Reject(Rejection::InvalidTransition { .. })
            ));
        }
        let other = Event::noti(tid("9"), "02", Some(Amount::won(1000)), true);
        assert_eq!(
            decide(Some(&snap(PaymentState::VbankIssued)), &other),
            Decision::Reject(Rejection::TidMismatch)
        );
        let short = Event::noti(tid("8"), "02", Some(Amount::won(999)), true);
        assert_eq!(
            decide(Some(&snap(PaymentState::VbankIssued)), &short),
            Decision::Reject(Rejection::AmountMismatch {
                expected: Amount::won(1000),
                received: Amount::won(999)
            })
        );
    }

    #[test]
    fn approval_amount_mismatch_is_never_paid() {
        let ev = Event::Approved {
            tid: tid("8"),
            amount: Amount::won(10),
        };
        assert!(matches!(
            decide(Some(&snap(PaymentState::Authenticated)), &ev),
            Decision::Reject(Rejection::AmountMismatch { .. })
        ));
        assert_eq!(decide(None, &ev), Decision::Reject(Rejection::UnknownOrder));
    }

    #[test]
    fn issuance_noti_after_issuance_reply_is_unchanged() {
        let ev = Event::noti(tid("8"), "00", Some(Amount::won(1000)), true);
        let cur = snap(PaymentState::VbankIssued);
        assert_eq!(decide(Some(&cur), &ev), Decision::Write(cur.clone()));
    }

    #[test]
    fn refunds_accumulate_and_cannot_exceed() {
        let r = |t: &str, a: u64| Event::Refunded {
            refund_tid: tid(t),
            amount: Amount::won(a),
        };
        let Decision::Write(s1) = decide(Some(&snap(PaymentState::Approved)), &r("1", 400)) else {
            panic!()
        };
        assert_eq!(s1.state, PaymentState::PartiallyRefunded);
        assert_eq!(s1.refunded, Amount::won(400));
        assert!(matches!(
            decide(Some(&s1), &r("2", 601)),
            Decision::Reject(Rejection::RefundExceedsPaid { .. })
        ));
        assert_eq!(
            to_state(decide(Some(&s1), &r("2", 600))),
            PaymentState::Refunded
        );
        assert!(matches!(
            decide(Some(&snap(PaymentState::VbankIssued)), &r("1", 1)),
            Decision::Reject(Rejection::InvalidTransition { .. })
        ));
    }

    #[test]
    fn transition_table_has_no_way_out_of_terminal_states() {
        for to in PaymentState::ALL {
            assert!(!PaymentState::Refunded.can_move_to(to), "refunded -> {to}");
            // Money that arrives after the deadline is still money received.
            assert_eq!(
                PaymentState::VbankExpired.can_move_to(to),
                to == PaymentState::VbankDeposited,
                "vbank_expired -> {to}"
            );
        }
        let late = Event::noti(tid("8"), "02", Some(Amount::won(1000)), true);
        assert_eq!(
            to_state(decide(Some(&snap(PaymentState::VbankExpired)), &late)),
            PaymentState::VbankDeposited
        );
        assert!(!PaymentState::Approved.can_move_to(PaymentState::Approved));
    }

    #[test]
    fn failed_attempts_leave_the_order_payable() {
        let auth = |t: &str| Event::Authenticated {
            tid: tid(t),
            amount: Amount::won(1000),
        };
        let approved = Event::Approved {
            tid: tid("5"),
            amount: Amount::won(1000),
        };
        for from in [
            PaymentState::Declined,
            PaymentState::CancelledByUser,
            PaymentState::Failed,
            PaymentState::NetCancelled,
        ] {
            assert!(from.is_payable());
            let mut cur = snap(from);
            cur.tid = None;
            assert_eq!(
                to_state(decide(Some(&cur), &auth("1"))),
                PaymentState::Authenticated
            );
            assert_eq!(
                to_state(decide(Some(&cur), &approved)),
                PaymentState::Approved
            );
            if from == PaymentState::NetCancelled {
                // ... but never the approval the net cancel withdrew.
                let mut withdrawn = cur.clone();
                withdrawn.tid = Some(tid("5"));
                assert!(matches!(
                    decide(Some(&withdrawn), &approved),
                    Decision::Reject(Rejection::InvalidTransition { .. })
                ));
            }
            // Another failed attempt: state unchanged, recorded.
            let again = Event::Failed { code: "01".into() };
            assert_eq!(to_state(decide(Some(&cur), &again)), PaymentState::Failed);
        }
        // A newer auth TID replaces the older one.
        let mut cur = snap(PaymentState::Authenticated);
        cur.tid = None;
        cur.auth_tid = Some(tid("1"));
        let Decision::Write(next) = decide(Some(&cur), &auth("2")) else {
            panic!("refused")
        };
        assert_eq!(next.state, PaymentState::Authenticated);
        assert_eq!(next.auth_tid, Some(tid("2")));
        // ... but never with another amount, and never once paid.
        let short = Event::Authenticated {
            tid: tid("3"),
            amount: Amount::won(999),
        };
        assert!(matches!(
            decide(Some(&cur), &short),
            Decision::Reject(Rejection::AmountMismatch { .. })
        ));
        for paid in [PaymentState::Approved, PaymentState::VbankIssued] {
            assert!(!paid.is_payable());
            assert!(matches!(
                decide(Some(&snap(paid)), &auth("4")),
                Decision::Reject(Rejection::InvalidTransition { .. })
            ));
            assert!(matches!(
                decide(Some(&snap(paid)), &Event::Failed { code: "01".into() }),
                Decision::Reject(Rejection::InvalidTransition { .. })
            ));
        }
    }

    #[test]
    fn unsigned_failure_never_touches_an_approval_in_flight() {
        let forged = Event::AuthFailed { code: "01".into() };
        let mut cur = snap(PaymentState::Authenticated);
        cur.tid = None;
        assert!(matches!(
            decide(Some(&cur), &forged),
            Decision::Reject(Rejection::InvalidTransition { .. })
        ));
        // ... while our own approval call's refusal does move it.
        let refused = Event::Failed { code: "01".into() };
        assert_eq!(to_state(decide(Some(&cur), &refused)), PaymentState::Failed);
        let mut created = snap(PaymentState::Created);
        created.tid = None;
        assert_eq!(
            to_state(decide(Some(&created), &forged)),
            PaymentState::Failed
        );
    }

    #[test]
    fn net_cancel_after_a_failed_attempt_is_recorded_and_payable() {
        let mut cur = snap(PaymentState::Failed);
        cur.tid = None;
        let cancelled = Event::NetCancelled { tid: tid("7") };
        let Decision::Write(next) = decide(Some(&cur), &cancelled) else {
            panic!("refused")
        };
        assert_eq!(next.state, PaymentState::NetCancelled);
        assert!(next.state.is_payable());
        let failed = Event::NetCancelFailed {
            tid: tid("7"),
            code: "01".into(),
        };
        for s in PaymentState::ALL {
            let Decision::Write(n) = decide(Some(&snap(s)), &failed) else {
                panic!("{s}: a failed net cancel is always counted")
            };
            assert_eq!((n.state, n.net_cancel_failures), (s, 1));
        }
        // A late net cancel of another attempt never undoes a paid order.
        assert_eq!(
            decide(
                Some(&snap(PaymentState::Approved)),
                &Event::NetCancelled { tid: tid("6") }
            ),
            Decision::Reject(Rejection::TidMismatch)
        );
    }

    #[test]
    fn attempts_are_keyed_by_message_facts_are_not() {
        let order = OrderId::new("ORD-1").unwrap();
        let declined = Event::Declined { code: "01".into() };
        assert_ne!(
            EventKey::new(&order, &declined, 1),
            EventKey::new(&order, &declined, 2)
        );
        let auth = Event::Authenticated {
            tid: tid("1"),
            amount: Amount::won(1000),
        };
        assert_eq!(
            EventKey::new(&order, &auth, 1),
            EventKey::new(&order, &auth, 2)
        );
    }
}
