//! Journal messages: every inbound and outbound gateway message, raw.

use super::mask;
use crate::encoding::Charset;
use crate::time::Timestamp;
use crate::types::{OrderId, Tid};
use std::fmt;

/// Which way a message travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Direction {
    /// From INICIS (or the browser carrying INICIS's form) to us.
    Inbound,
    /// From us to INICIS.
    Outbound,
    /// A decision the library made itself, with no gateway body behind it
    /// (a refusal before sending, a timeout, an unreachable host, a body cut
    /// at the size limit). Never presented as something INICIS said.
    Local,
}

impl Direction {
    /// The stored name (`in` / `out` / `local`).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "in",
            Direction::Outbound => "out",
            Direction::Local => "local",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "in" => Some(Direction::Inbound),
            "out" => Some(Direction::Outbound),
            "local" => Some(Direction::Local),
            _ => None,
        }
    }
}

/// What kind of gateway message this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageKind {
    /// Authentication result posted to `P_NEXT_URL` (인증결과, PROTOCOL.md 2.4).
    AuthResult,
    /// Our approval request to `P_REQ_URL`.
    ApprovalRequest,
    /// The approval reply (승인결과, PROTOCOL.md 2.5).
    ApprovalReply,
    /// A notification on `P_NOTI_URL` (노티, PROTOCOL.md 2.6).
    Noti,
    /// Our net-cancel request (망취소, PROTOCOL.md 2.8).
    NetCancelRequest,
    /// The net-cancel reply.
    NetCancelReply,
    /// A billing-key issuance result (빌링키 발급 결과, PROTOCOL.md 3).
    BillingResult,
    /// An INIAPI request (PROTOCOL.md 4, 5).
    IniapiRequest,
    /// An INIAPI reply.
    IniapiReply,
    /// A decision of the reconciler ([`Flow::reconcile`](crate::flow::Flow::reconcile)):
    /// a virtual account expired, a stuck approval taken back (a local
    /// record, [`Direction::Local`]).
    Reconciler,
}

impl MessageKind {
    /// Every kind.
    pub const ALL: [MessageKind; 10] = [
        MessageKind::AuthResult,
        MessageKind::ApprovalRequest,
        MessageKind::ApprovalReply,
        MessageKind::Noti,
        MessageKind::NetCancelRequest,
        MessageKind::NetCancelReply,
        MessageKind::BillingResult,
        MessageKind::IniapiRequest,
        MessageKind::IniapiReply,
        MessageKind::Reconciler,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::AuthResult => "auth_result",
            MessageKind::ApprovalRequest => "approval_request",
            MessageKind::ApprovalReply => "approval_reply",
            MessageKind::Noti => "noti",
            MessageKind::NetCancelRequest => "net_cancel_request",
            MessageKind::NetCancelReply => "net_cancel_reply",
            MessageKind::BillingResult => "billing_result",
            MessageKind::IniapiRequest => "iniapi_request",
            MessageKind::IniapiReply => "iniapi_reply",
            MessageKind::Reconciler => "reconciler",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<MessageKind> {
        MessageKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A gateway message to journal, exactly as it was sent or received.
///
/// The body is kept as received (bytes and charset, every field in place) so
/// nothing is lost to a parser bug, with two exceptions made before anything
/// reaches the database: billing keys are replaced (they live sealed in the
/// billkey table) and personal data (card, phone and account numbers, names,
/// e-mail) is masked in place, keeping the body parseable. A digest of the
/// bytes as received is stored beside it ([`JournalEntry::body_sha256`]),
/// and a decoded copy with the same masks for operators
/// ([`JournalEntry::masked`]). See the [ledger docs](super#personal-data-at-rest).
///
/// ```
/// use inipay_core::encoding::Charset;
/// use inipay_core::ledger::{Direction, Message, MessageKind};
/// use inipay_core::time::Timestamp;
///
/// let m = Message::new(MessageKind::Noti, Direction::Inbound, Charset::EucKr,
///                      b"P_STATUS=02&P_TID=T1".to_vec(), Timestamp::from_unix_millis(0));
/// assert_eq!(m.result_code().as_deref(), Some("02"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    /// The order the message is about, when known.
    pub order_id: Option<OrderId>,
    /// The TID the message carries, when any.
    pub tid: Option<Tid>,
    /// Inbound or outbound.
    pub direction: Direction,
    /// What it is.
    pub kind: MessageKind,
    /// The charset of `body`.
    pub charset: Charset,
    /// The raw body.
    pub body: Vec<u8>,
    /// When it was received or sent.
    pub at: Timestamp,
}

impl Message {
    /// A message without order or TID (set them with [`Message::order`] and
    /// [`Message::tid`]).
    pub fn new(
        kind: MessageKind,
        direction: Direction,
        charset: Charset,
        body: Vec<u8>,
        at: Timestamp,
    ) -> Message {
        Message {
            order_id: None,
            tid: None,
            direction,
            kind,
            charset,
            body,
            at,
        }
    }

    /// Sets the order id.
    pub fn order(mut self, order: OrderId) -> Message {
        self.order_id = Some(order);
        self
    }

    /// Sets the TID.
    pub fn tid(mut self, tid: Tid) -> Message {
        self.tid = Some(tid);
        self
    }

    /// The result code carried by the body (`P_STATUS`, `resultcode`,
    /// `resultCode`), when it parses.
    pub fn result_code(&self) -> Option<String> {
        mask::result_code(&self.body, self.charset)
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("order_id", &self.order_id)
            .field("tid", &self.tid)
            .field("direction", &self.direction)
            .field("kind", &self.kind)
            .field("charset", &self.charset)
            .field("body", &format_args!("{} bytes", self.body.len()))
            .field("at", &self.at)
            .finish()
    }
}

/// The id of a journal entry (monotonic per store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub i64);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A journal entry as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// Its id.
    pub id: MessageId,
    /// The message (body as stored: billing keys removed, personal data
    /// masked; empty once purged, see [`JournalEntry::body_purged_at`]).
    pub message: Message,
    /// Digest of the body exactly as received (before masking): the
    /// evidence that this record is the message received. HMAC-SHA256
    /// under the store's [`BodyDigestKey`](super::BodyDigestKey) when one is
    /// configured; otherwise SHA-256 when the body carried no personal data
    /// and `None` when it did; `None` for messages journaled before schema
    /// version 4.
    pub body_sha256: Option<[u8; 32]>,
    /// When the stored body was purged by the retention setting (the masked
    /// copy and the digest stay).
    pub body_purged_at: Option<Timestamp>,
    /// Derived: the decoded fields with personal data masked, as
    /// `key=value` lines (`None` when the body did not decode).
    pub masked: Option<String>,
    /// Derived: `P_STATUS` / `resultcode` / `resultCode`.
    pub result_code: Option<String>,
    /// What applying it did, when it carried an event and was applied
    /// (`transitioned:created->authenticated`, `duplicate`, `rejected:...`).
    pub outcome: Option<String>,
}

impl fmt::Debug for JournalEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JournalEntry")
            .field("id", &self.id)
            .field("message", &self.message)
            .field("body_sha256", &self.body_sha256.map(hex::encode))
            .field("body_purged_at", &self.body_purged_at)
            .field("masked", &self.masked)
            .field("result_code", &self.result_code)
            .field("outcome", &self.outcome)
            .finish()
    }
}
