//! The payment ledger (결제 원장): a durable, idempotent record of every gateway
//! message and of each order's payment state.
//!
//! INICIS notifications are unsigned, retried for a day and sometimes
//! duplicated; approvals can succeed while the merchant's own database fails
//! (PROTOCOL.md 2.6, 2.8). The ledger is how the flow never loses a message and
//! never applies one twice:
//!
//! - **Journal** (append-only): every inbound and outbound message as
//!   received (bytes + [`Charset`](crate::encoding::Charset)) but with billing
//!   keys removed and personal data masked in place, the SHA-256 of the bytes
//!   received, and a decoded copy for operators (see
//!   [Personal data at rest](#personal-data-at-rest)).
//! - **Payments**: one row per order with its [`PaymentState`], the amount
//!   recorded at checkout (every later message is checked against it: a
//!   mismatch is [`Rejection::AmountMismatch`], never "paid"), the approval TID
//!   (unique), refunds, net-cancel failures and the app's acknowledgement.
//! - **Transitions**: each applied event under a unique [`EventKey`] built from
//!   INICIS ids (approval TID; noti TID + `P_STATUS`). The database's unique
//!   constraint, not a read-then-write check, makes a duplicate a no-op.
//! - **Billing keys** sealed with AES-256-GCM ([`BillkeyKey`]), with the
//!   time the gateway first confirmed each ([`Ledger::confirm_billkey`]).
//! - **Trusted facts** that unsigned messages
//!   are checked against (PROTOCOL.md 2.6, 3.4): each payment's
//!   [`ResultPath`] recorded at checkout (a one-transaction checkout of a
//!   payment still `created` records `1trs`; it is never reset), the
//!   billing-key attempts the app started ([`BillingAttempt`], stored by the
//!   SHA-256 of their one-time nonce only, claimed at most once by one
//!   conditional `UPDATE`, however many callers race:
//!   [`Ledger::claim_billing_attempt`]), and notifications parked until the
//!   gateway confirms them ([`Ledger::park_unconfirmed`], listed in
//!   [`Reconciliation::unconfirmed`]).
//!
//! The journal append and the transition run in one database transaction
//! ([`Ledger::record`]). When the flow must journal before it can decide
//! ([`Ledger::append`] with an [`Intent`], then [`Ledger::apply`]), a crash in
//! between leaves a pending message that [`Ledger::recover`] applies exactly
//! once on restart.
//!
//! # Stores
//!
//! | store | feature | for |
//! |---|---|---|
//! | [`MemoryStore`] | always | unit tests of the flow |
//! | `SqliteStore` | `sqlite` (default) | one app instance, one file (WAL, durable commits) |
//! | `PostgresStore` | `postgres` | many app instances on one database |
//!
//! Migrations are embedded and applied on open, versioned (sqlx's migration
//! table `_inipay_ledger_migrations`): 1 the schema, 2 and 3 leaner writes,
//! 4 the trusted facts and personal data at rest, 5 the event outbox
//! ([`OutboxEntry`], filled by a trigger in the transaction of each
//! transition) and virtual-account deadlines.
//!
//! # Personal data at rest
//!
//! The journal is append-only, so whatever it stores stays. Before anything
//! reaches the database (every store, every message kind, EUC-KR and UTF-8
//! form bodies, INIAPI JSON):
//!
//! - billing keys are replaced by `[billkey-sealed]` in the stored body;
//! - card numbers keep their first 6 and last 4 characters, phone numbers
//!   their first 3 and last 4, account numbers (`P_VACT_NUM`, `P_VACCT_NO`,
//!   also inside `P_RMESG1`) their last 4, names their first character,
//!   e-mail addresses their first 2; encrypted or identifying numbers
//!   (`refundAcctNum`, `regNo`, ...) are hidden entirely. Form bodies keep
//!   every other byte and still parse; JSON bodies are re-serialized; a
//!   JSON body that does not parse is scrubbed by a lenient scan;
//! - a digest of the body exactly as received is stored beside it
//!   ([`JournalEntry::body_sha256`]): whoever holds the original (INICIS's
//!   records, a capture) can show it is the message journaled. A body with
//!   no personal data gets its SHA-256; a body that carried a number gets
//!   HMAC-SHA256 under a [`BodyDigestKey`] kept outside the database
//!   (`SqliteOptions::body_digest_key`, `PostgresOptions::body_digest_key`,
//!   [`MemoryStore::with_body_digest_key`]), or no digest without a key: a
//!   plain hash of a masked number could be reversed by trying every value.
//!
//! Stored bodies can be purged after a retention period
//! (`SqliteOptions::raw_body_retention_days`,
//! `PostgresOptions::raw_body_retention_days`,
//! [`MemoryStore::with_raw_body_retention_days`]; none by default):
//! `purge_raw_bodies(now)` on the store empties the body of every message
//! older than that, once, and keeps the masked copy, the digest and every
//! other column ([`JournalEntry::body_purged_at`]). The database triggers
//! allow exactly that update and refuse every other `UPDATE`, `DELETE` (and,
//! on PostgreSQL, `TRUNCATE`) of the journal. Messages journaled before
//! migration 4 keep the bodies they were stored with (billing keys removed,
//! personal data not masked) and have no digest until the purge reaches
//! them.
//!
//! # Trait design
//!
//! [`Ledger`]'s methods return boxed futures ([`LedgerFuture`]) rather than
//! `async fn`: that keeps the trait dyn-compatible, so adapters can hold an
//! `Arc<dyn Ledger>` chosen at run time, and generic code still works
//! (`L: Ledger`). One allocation per call is nothing next to a database round
//! trip.
//!
//! ```
//! use inipay_core::encoding::Charset;
//! use inipay_core::ledger::*;
//! use inipay_core::time::Timestamp;
//! use inipay_core::types::{Amount, Mid, OrderId, Tid};
//! use std::sync::Arc;
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let ledger: Arc<dyn Ledger> = Arc::new(MemoryStore::new());
//! let order = OrderId::new("ORD-1")?;
//! let at = Timestamp::from_unix_millis(1_700_000_000_000);
//! ledger.create_payment(NewPayment::new(order.clone(), Mid::new("INIpayTest")?, Amount::won(1000), at)).await?;
//!
//! let tid = Tid::new("INIMX_VBNKINIpayTest20160504112903950668")?;
//! let reply = Message::new(MessageKind::ApprovalReply, Direction::Inbound, Charset::EucKr,
//!                          b"P_STATUS=00&P_TYPE=VBANK&P_AMT=1000".to_vec(), at);
//! ledger.record(reply, Intent::new(order.clone(), Event::VbankIssued { tid: tid.clone(), amount: Amount::won(1000) })).await?;
//!
//! // The deposit notification, delivered twice: applied once.
//! let noti = || Message::new(MessageKind::Noti, Direction::Inbound, Charset::EucKr,
//!                            b"P_STATUS=02&P_AMT=1000".to_vec(), at);
//! let deposit = Intent::new(order.clone(), Event::noti(tid.clone(), "02", Some(Amount::won(1000)), true));
//! let first = ledger.record(noti(), deposit.clone()).await?;
//! let again = ledger.record(noti(), deposit).await?;
//! assert!(first.applied.is_transition());
//! assert_eq!(again.applied, Applied::Duplicate { state: PaymentState::VbankDeposited });
//! assert_eq!(ledger.messages_of(&order).await?.len(), 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod billkey;
mod codec;
mod digest;
mod error;
mod mask;
mod memory;
mod message;
mod outbox;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;
mod state;
mod trust;

pub use billkey::{BillkeyContext, BillkeyError, BillkeyKey, BillkeyRecord, SealedBillkey};
pub use digest::BodyDigestKey;
pub use error::LedgerError;
pub use memory::MemoryStore;
pub use message::{Direction, JournalEntry, Message, MessageId, MessageKind};
pub use outbox::{
    Claimed, EMITTING, ERROR_TEXT_CAP, EventId, NewOutboxEvent, OutboxEntry, OutboxKind, Settle,
};
#[cfg(feature = "postgres")]
pub use postgres::{PostgresOptions, PostgresStore};
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteOptions, SqliteStore, Synchronous};
pub use state::{Applied, Event, EventKey, PaymentState, Rejection};
pub use trust::{AttemptClaim, BillingAttempt, ResultPath, Unconfirmed, nonce_digest};

use crate::time::Timestamp;
use crate::types::{Amount, Mid, OrderId, Tid};
use secrecy::SecretString;
use std::future::Future;
use std::pin::Pin;

/// The future every [`Ledger`] method returns (boxed, `Send`, so the trait
/// is usable as `Arc<dyn Ledger>`).
pub type LedgerFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, LedgerError>> + Send + 'a>>;

/// A payment to create at checkout: the order, its merchant and the amount
/// every later message must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    /// The order id (`P_OID`).
    pub order_id: OrderId,
    /// The merchant.
    pub mid: Mid,
    /// The amount shown to the buyer at checkout.
    pub amount: Amount,
    /// When the checkout page was served.
    pub at: Timestamp,
    /// How the result is expected to arrive (one- or two-transaction).
    pub result_path: ResultPath,
}

impl NewPayment {
    /// A new two-transaction payment (see [`NewPayment::result_path`]).
    pub fn new(order_id: OrderId, mid: Mid, amount: Amount, at: Timestamp) -> NewPayment {
        NewPayment {
            order_id,
            mid,
            amount,
            at,
            result_path: ResultPath::TwoTransaction,
        }
    }

    /// Sets how the result is expected to arrive.
    #[must_use]
    pub fn result_path(mut self, path: ResultPath) -> NewPayment {
        self.result_path = path;
        self
    }
}

/// Whether [`Ledger::create_payment`] created the payment or found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Created {
    /// A new payment in state `created`.
    New,
    /// The same order, MID and amount already existed (a reloaded checkout
    /// page); nothing changed.
    Existing,
}

/// A payment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The order id.
    pub order_id: OrderId,
    /// The merchant.
    pub mid: Mid,
    /// The amount recorded at checkout.
    pub amount: Amount,
    /// Where the payment is.
    pub state: PaymentState,
    /// The approval TID (unique across payments), once approved or issued.
    pub tid: Option<Tid>,
    /// The authentication TID, once authenticated.
    pub auth_tid: Option<Tid>,
    /// The total refunded so far.
    pub refunded: Amount,
    /// How many net-cancel attempts failed.
    pub net_cancel_failures: u32,
    /// When the app acknowledged the outcome ([`Ledger::acknowledge`]).
    pub acknowledged_at: Option<Timestamp>,
    /// When the payment was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// How the result is expected to arrive: [`ResultPath::OneTransaction`]
    /// once any checkout of the order used a one-transaction method (only
    /// then is a `P_STATUS=00` payment notification accepted).
    pub result_path: ResultPath,
    /// The deposit deadline of an issued virtual account (`P_VACT_DATE` +
    /// `P_VACT_TIME`), once recorded ([`Ledger::set_vbank_details`]).
    pub vbank_deadline: Option<Timestamp>,
}

/// An event for an order: what a journal message means, as decided by the
/// flow layer from the parsed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    /// The order it is about.
    pub order_id: OrderId,
    /// What happened.
    pub event: Event,
}

impl Intent {
    /// An intent.
    pub fn new(order_id: OrderId, event: Event) -> Intent {
        Intent { order_id, event }
    }
}

/// The answer of [`Ledger::record`]: where the message was journaled and what
/// applying its event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The journal entry.
    pub message: MessageId,
    /// The outcome.
    pub applied: Applied,
}

/// The reconciliation report for operators (대사).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reconciliation {
    /// Paid (approved or deposited) but not acknowledged by the app, last
    /// changed before the cutoff: money taken, goods maybe not delivered.
    pub unacknowledged: Vec<Payment>,
    /// Payments with failed net-cancel attempts that are still not net
    /// cancelled: money maybe taken for an order the shop refused.
    pub failed_net_cancels: Vec<Payment>,
    /// Journal messages carrying an event that was never applied (a crash
    /// between append and apply); [`Ledger::recover`] applies them.
    pub pending_messages: Vec<MessageId>,
    /// Notifications that would move money and still wait for the
    /// gateway's confirmation ([`Ledger::unconfirmed`]).
    pub unconfirmed: Vec<Unconfirmed>,
    /// Events the app's handler has not taken yet, oldest first, with the
    /// last error ([`OutboxEntry::last_error`]).
    pub undelivered: Vec<OutboxEntry>,
    /// Payments still `authenticated` (approval asked, no answer recorded)
    /// that last changed before the cutoff: the outcome is unknown.
    pub stuck_authenticated: Vec<Payment>,
    /// Virtual accounts still waiting for their deposit whose deadline
    /// passed before the cutoff (the reconciler expires them).
    pub overdue_vbanks: Vec<Payment>,
}

/// The payment ledger. See the [module docs](self) for the model and an
/// example; every store passes the same test suite.
pub trait Ledger: Send + Sync {
    /// Records a payment at checkout with the amount every later message is
    /// checked against. Idempotent for the same order, MID and amount;
    /// [`LedgerError::OrderConflict`] otherwise. A checkout with
    /// [`ResultPath::OneTransaction`] of an existing payment still in
    /// `created` records that path (it is never reset to two-transaction).
    fn create_payment(&self, payment: NewPayment) -> LedgerFuture<'_, Created>;

    /// Appends a message to the journal (committed on return), optionally
    /// with the event it carries, to be applied by [`Ledger::apply`] or
    /// [`Ledger::recover`].
    fn append(&self, message: Message, intent: Option<Intent>) -> LedgerFuture<'_, MessageId>;

    /// Applies the event of a journaled message, exactly once: a second call
    /// (or a racing one) answers the stored outcome.
    fn apply(&self, id: MessageId) -> LedgerFuture<'_, Applied>;

    /// Appends a message and applies its event in one database transaction.
    fn record(&self, message: Message, intent: Intent) -> LedgerFuture<'_, Recorded>;

    /// Messages appended with an event that was never applied, oldest first.
    fn pending(&self) -> LedgerFuture<'_, Vec<MessageId>>;

    /// Marks that the app has handled the payment's outcome (shipped the
    /// goods, ...). Returns whether the payment exists.
    fn acknowledge<'a>(&'a self, order: &'a OrderId, at: Timestamp) -> LedgerFuture<'a, bool>;

    /// The payment of an order.
    fn payment<'a>(&'a self, order: &'a OrderId) -> LedgerFuture<'a, Option<Payment>>;

    /// The payment with this approval or authentication TID.
    fn payment_by_tid<'a>(&'a self, tid: &'a Tid) -> LedgerFuture<'a, Option<Payment>>;

    /// Payments in a state, oldest first, at most `limit`.
    fn payments_in_state(&self, state: PaymentState, limit: u32) -> LedgerFuture<'_, Vec<Payment>>;

    /// Every journal message of an order, in journal order.
    fn messages_of<'a>(&'a self, order: &'a OrderId) -> LedgerFuture<'a, Vec<JournalEntry>>;

    /// One journal message by its id (`inipay replay`, operators).
    fn message(&self, id: MessageId) -> LedgerFuture<'_, Option<JournalEntry>>;

    /// The reconciliation report; payments changed at or after `before` are
    /// not yet counted as unacknowledged.
    fn reconciliation(&self, before: Timestamp) -> LedgerFuture<'_, Reconciliation>;

    /// Stores a sealed billing key for an order (idempotent: the first one
    /// stays; returns whether this call stored it) and, in the same
    /// transaction, its [`OutboxKind::BillkeyIssued`] event (id
    /// `billkey_{order}`), so the app hears of every key stored.
    fn put_billkey(&self, record: BillkeyRecord) -> LedgerFuture<'_, bool>;

    /// The sealed billing key of an order.
    fn sealed_billkey<'a>(&'a self, order: &'a OrderId) -> LedgerFuture<'a, Option<BillkeyRecord>>;

    /// Marks the billing key of `order` confirmed by the gateway (its first
    /// successful charge; PROTOCOL.md 3.4 gives the result no signature).
    /// Returns whether a key exists; the first confirmation time stays.
    fn confirm_billkey<'a>(&'a self, order: &'a OrderId, at: Timestamp) -> LedgerFuture<'a, bool>;

    /// Records a billing-key attempt started by the app. Its
    /// [`BillingAttempt::nonce_digest`] is unique.
    fn create_billing_attempt(&self, attempt: BillingAttempt) -> LedgerFuture<'_, ()>;

    /// Uses the pending attempt of `order` whose nonce digest is `digest`:
    /// atomically, at most once, however many callers race.
    fn claim_billing_attempt<'a>(
        &'a self,
        order: &'a OrderId,
        digest: &'a str,
        at: Timestamp,
    ) -> LedgerFuture<'a, AttemptClaim>;

    /// Parks a journaled notification that waits for the gateway's
    /// confirmation (idempotent per message).
    fn park_unconfirmed(&self, item: Unconfirmed) -> LedgerFuture<'_, ()>;

    /// Parked notifications not yet resolved, oldest first, at most `limit`.
    fn unconfirmed(&self, limit: u32) -> LedgerFuture<'_, Vec<Unconfirmed>>;

    /// Marks a parked notification resolved (confirmed and applied, or
    /// refuted by the gateway). Returns whether it was parked and unresolved.
    fn resolve_unconfirmed(&self, message: MessageId, at: Timestamp) -> LedgerFuture<'_, bool>;

    /// Writes an event that no payment change carries (alerts, issued
    /// billing keys) to the outbox. Returns whether this call wrote it (an
    /// id already there is left alone).
    fn outbox_push(&self, event: NewOutboxEvent) -> LedgerFuture<'_, bool>;

    /// Claims up to `limit` events due at `now` for delivery (of `order`
    /// only, or of any): the oldest undelivered event of each order, not
    /// delivered and not under another claim's lease. Each gets `token` and
    /// a lease until `lease_until`, and its attempt count grows by one.
    fn outbox_claim<'a>(
        &'a self,
        order: Option<&'a OrderId>,
        now: Timestamp,
        lease_until: Timestamp,
        token: &'a str,
        limit: u32,
    ) -> LedgerFuture<'a, Vec<Claimed>>;

    /// Ends the claim of `token` on event `id`. Returns whether the claim
    /// was still held (false: its lease ended and another dispatcher took
    /// it, or it was settled). Delivering a `paid` or `deposited` event also
    /// acknowledges the payment, in the same transaction.
    fn outbox_settle<'a>(
        &'a self,
        id: &'a EventId,
        token: &'a str,
        how: Settle,
    ) -> LedgerFuture<'a, bool>;

    /// Undelivered events, oldest first, at most `limit`.
    fn outbox_undelivered(&self, limit: u32) -> LedgerFuture<'_, Vec<OutboxEntry>>;

    /// Every outbox event of an order, oldest first.
    fn outbox_of<'a>(&'a self, order: &'a OrderId) -> LedgerFuture<'a, Vec<OutboxEntry>>;

    /// Records the deposit deadline of the virtual account `tid` issued to
    /// `order`, and the account's details (JSON) on its undelivered
    /// `vbank_issued` event. Returns whether the payment holds that TID.
    fn set_vbank_details<'a>(
        &'a self,
        order: &'a OrderId,
        tid: &'a Tid,
        deadline: Option<Timestamp>,
        detail: Option<String>,
    ) -> LedgerFuture<'a, bool>;

    /// Virtual accounts still `vbank_issued` whose deadline is before `now`,
    /// oldest first, at most `limit`.
    fn overdue_vbanks(&self, now: Timestamp, limit: u32) -> LedgerFuture<'_, Vec<Payment>>;

    /// Applies every pending message (see [`Ledger::pending`]) once, in
    /// journal order; run it at start-up.
    fn recover(&self) -> LedgerFuture<'_, Vec<(MessageId, Applied)>> {
        Box::pin(async move {
            let mut done = Vec::new();
            for id in self.pending().await? {
                let applied = self.apply(id).await?;
                done.push((id, applied));
            }
            Ok(done)
        })
    }

    /// Seals `billkey` with `key` and stores it.
    fn store_billkey<'a>(
        &'a self,
        key: &'a BillkeyKey,
        context: BillkeyContext,
        tid: Option<Tid>,
        billkey: &'a SecretString,
        at: Timestamp,
    ) -> LedgerFuture<'a, bool> {
        Box::pin(async move {
            let sealed = key.seal(billkey, &context)?;
            self.put_billkey(BillkeyRecord {
                context,
                tid,
                sealed,
                at,
                confirmed_at: None,
            })
            .await
        })
    }

    /// The explicit call that reads a billing key in clear.
    fn reveal_billkey<'a>(
        &'a self,
        key: &'a BillkeyKey,
        order: &'a OrderId,
    ) -> LedgerFuture<'a, Option<SecretString>> {
        Box::pin(async move {
            match self.sealed_billkey(order).await? {
                Some(rec) => Ok(Some(key.open(&rec.sealed, &rec.context)?)),
                None => Ok(None),
            }
        })
    }
}

/// A body as the ledger stores it: billing keys removed and personal data
/// masked in place (see [Personal data at rest](self#personal-data-at-rest));
/// every other byte kept, so a form still parses. Masking a stored body again
/// changes nothing, so a reader can apply it to any journaled body (bodies
/// journaled before migration 4 were stored unmasked).
///
/// ```
/// use inipay_core::encoding::Charset;
/// use inipay_core::ledger::redact_body;
///
/// let body = b"P_STATUS=00&P_CARD_NUM=4111119876541111&P_AMT=1000";
/// let stored = redact_body(body, Charset::EucKr);
/// let text = String::from_utf8(stored.clone()).unwrap();
/// assert!(text.starts_with("P_STATUS=00&P_CARD_NUM=411111") && text.ends_with("1111&P_AMT=1000"));
/// assert!(!text.contains("4111119876541111"));
/// assert_eq!(redact_body(&stored, Charset::EucKr), stored);
/// ```
pub fn redact_body(body: &[u8], charset: crate::encoding::Charset) -> Vec<u8> {
    mask::redact_raw(body, charset)
}

/// A message prepared for storage: body with billing keys removed and
/// personal data masked, the digest of the body as received (module
/// `digest`), derived
/// columns, intent as JSON (read by the SQL stores).
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) struct Prepared {
    pub body: Vec<u8>,
    pub body_sha256: Option<[u8; 32]>,
    pub masked: Option<String>,
    pub result_code: Option<String>,
    pub intent: Option<String>,
}

impl Prepared {
    pub(crate) fn new(
        message: &Message,
        intent: Option<&Intent>,
        digest_key: Option<&BodyDigestKey>,
    ) -> Prepared {
        let body = mask::redact_raw(&message.body, message.charset);
        Prepared {
            body_sha256: digest::body_digest(digest_key, &message.body, &body),
            body,
            masked: mask::masked_text(&message.body, message.charset),
            result_code: message.result_code(),
            intent: intent.map(codec::intent_to_json),
        }
    }
}

/// The instant before which stored bodies are purged under a retention of
/// `days` days (`None`: no retention, nothing is purged).
pub(crate) fn retention_cutoff(days: Option<u32>, now: Timestamp) -> Option<Timestamp> {
    const DAY_MS: u64 = 86_400_000;
    days.map(|d| {
        Timestamp::from_unix_millis(now.unix_millis().saturating_sub(u64::from(d) * DAY_MS))
    })
}

/// How a store reports the result of [`state::decide`] on a snapshot:
/// `Applied` for the caller, and whether to write `next`.
pub(crate) fn outcome_of(cur: &state::Snapshot, next: &state::Snapshot) -> Applied {
    if next.state == cur.state {
        Applied::Unchanged { state: cur.state }
    } else {
        Applied::Transitioned {
            from: cur.state,
            to: next.state,
        }
    }
}

/// Stored text of a charset.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn charset_name(c: crate::encoding::Charset) -> &'static str {
    c.p_charset()
}

/// Reads a stored charset name.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn charset_parse(s: &str) -> Result<crate::encoding::Charset, LedgerError> {
    match s {
        "euc-kr" => Ok(crate::encoding::Charset::EucKr),
        "utf8" => Ok(crate::encoding::Charset::Utf8),
        _ => Err(LedgerError::Corrupt { column: "charset" }),
    }
}

/// The table recording which ledger migrations ran (apart from the app's own
/// sqlx migrations, which may share the database).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) const MIGRATIONS_TABLE: &str = "_inipay_ledger_migrations";
