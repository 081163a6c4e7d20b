//! What the ledger's journal (the messages INICIS sent about an order) adds
//! to its state for the result page: how a failed attempt ended (at
//! authentication or at approval, with the gateway's code and message) and,
//! for a paid order, the method details of the approval reply.
//!
//! Decided by message kind, direction and result code only (typed), never
//! by the Korean message text, which is only shown as received.

use inipay_core::ledger::{Direction, JournalEntry, MessageKind};
use inipay_core::mobile::{
    ApprovalReply, AuthResult, CardInterest, GiftCard, KstDateTime, MethodDetails, PayType,
};
use inipay_core::outcome::ResultCode;

/// How the latest payment attempt of an order ended, as the journal tells.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Attempt {
    /// The journal says nothing the state does not (no message, or the
    /// bodies were purged).
    Unknown,
    /// The authentication result on `P_NEXT_URL` was not `P_STATUS=00`:
    /// the buyer cancelled in the payment window **or** authentication
    /// failed. INICIS reports both with `01` (PROTOCOL.md 2.4, 2.9), so the
    /// page cannot tell them apart.
    NotAuthenticated(ResultCode),
    /// The buyer authenticated, but the approval reply (승인결과) was not a
    /// success: its code, class and message.
    NotApproved(ResultCode),
    /// No approval reply was received: the approval host could not be
    /// reached, or the library refused to call it (a local record, never
    /// something INICIS said).
    NoApprovalReply,
    /// The approval reply was a success (or issued a virtual account).
    Approved(Box<PaidDetails>),
}

/// What a successful approval reply says about how the buyer paid. No card,
/// phone or account number: those stay in the (masked) journal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaidDetails {
    /// `P_TYPE`.
    pub pay_type: Option<PayType>,
    /// `P_AUTH_DT`: when INICIS approved it.
    pub approved_at: Option<KstDateTime>,
    /// `P_AUTH_NO`: the card approval number (승인번호), when not empty.
    pub auth_no: Option<String>,
    /// Card company (카드사) or bank name (`P_FN_NM`, or the issuer's name).
    pub institution: Option<String>,
    /// Card installments (할부) in months; `0` is a lump sum (일시불).
    pub installment_months: Option<u8>,
    /// Whether the installments are interest-free (무이자).
    pub interest_free: bool,
    /// Phone carrier (통신사) code.
    pub carrier: Option<String>,
    /// Which gift card (상품권).
    pub gift_card: Option<GiftCard>,
}

impl PaidDetails {
    fn of(reply: &ApprovalReply) -> PaidDetails {
        let mut d = PaidDetails {
            pay_type: reply.pay_type.clone(),
            approved_at: reply.approved_at.clone(),
            auth_no: reply.auth_no.clone().filter(|a| !a.trim().is_empty()),
            ..PaidDetails::default()
        };
        let named = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        match &reply.details {
            MethodDetails::Card(c) => {
                d.institution = named(&c.company_name)
                    .or_else(|| named(&c.issuer_name))
                    .or_else(|| named(&c.purchase_name));
                d.installment_months = c.installment_months;
                d.interest_free = c.interest == Some(CardInterest::InterestFree);
            }
            MethodDetails::Bank(b) => d.institution = named(&b.bank_name),
            MethodDetails::VbankIssued(v) => d.institution = named(&v.bank_name),
            MethodDetails::Mobile(m) => d.carrier = named(&m.carrier),
            MethodDetails::GiftCard(g) => d.gift_card = Some(*g),
            _ => {}
        }
        d
    }
}

/// Reads the journal of one order (oldest first, as
/// [`Ledger::messages_of`](inipay_core::ledger::Ledger::messages_of)
/// returns it) from its latest attempt backwards.
pub fn latest_attempt(entries: &[JournalEntry]) -> Attempt {
    for e in entries.iter().rev() {
        let m = &e.message;
        match (m.kind, m.direction) {
            (MessageKind::ApprovalReply, Direction::Local) => return Attempt::NoApprovalReply,
            (MessageKind::ApprovalReply, Direction::Inbound) if !m.body.is_empty() => {
                match ApprovalReply::parse(&m.body, m.charset) {
                    Ok(r) if r.is_success() => {
                        return Attempt::Approved(Box::new(PaidDetails::of(&r)));
                    }
                    Ok(r) => return Attempt::NotApproved(r.result),
                    // An unreadable reply was net-cancelled: the state says it.
                    Err(_) => return Attempt::Unknown,
                }
            }
            (MessageKind::AuthResult, Direction::Inbound) if !m.body.is_empty() => {
                return match AuthResult::parse(&m.body, m.charset) {
                    Ok(AuthResult::Failure(f)) => Attempt::NotAuthenticated(f.result),
                    // Authenticated and no approval reply after it: in flight.
                    _ => Attempt::Unknown,
                };
            }
            _ => {}
        }
    }
    Attempt::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;
    use inipay_core::encoding::Charset;
    use inipay_core::ledger::{Message, MessageId};
    use inipay_core::time::Timestamp;

    fn entry(id: i64, kind: MessageKind, direction: Direction, body: &str) -> JournalEntry {
        JournalEntry {
            id: MessageId(id),
            message: Message::new(
                kind,
                direction,
                Charset::Utf8,
                body.as_bytes().to_vec(),
                Timestamp::from_unix_millis(0),
            ),
            body_sha256: None,
            body_purged_at: None,
            masked: None,
            result_code: None,
            outcome: None,
        }
    }

    #[test]
    fn the_stage_decides_not_the_message() {
        let cancel = entry(
            1,
            MessageKind::AuthResult,
            Direction::Inbound,
            "P_STATUS=01&P_RMESG1=anything",
        );
        assert!(matches!(
            latest_attempt(std::slice::from_ref(&cancel)),
            Attempt::NotAuthenticated(r) if r.code == "01"
        ));
        let declined = entry(
            3,
            MessageKind::ApprovalReply,
            Direction::Inbound,
            "P_STATUS=01&P_RMESG1=no&P_OID=X&P_AMT=1000",
        );
        // The latest attempt wins.
        assert!(matches!(
            latest_attempt(&[cancel.clone(), declined]),
            Attempt::NotApproved(r) if r.code == "01" && r.message == "no"
        ));
        let local = entry(4, MessageKind::ApprovalReply, Direction::Local, "");
        assert_eq!(latest_attempt(&[cancel, local]), Attempt::NoApprovalReply);
        assert_eq!(latest_attempt(&[]), Attempt::Unknown);
    }
}
