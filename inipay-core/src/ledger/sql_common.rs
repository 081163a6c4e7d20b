//! The SQL store, shared by SQLite and PostgreSQL.
//!
//! This file is compiled twice, as `sqlite::common` and `postgres::common`;
//! the parent module supplies `Db` (the sqlx database), `ROW_LOCKS` (whether
//! `SELECT ... FOR UPDATE` is needed) and `begin_write`. The SQL is the same
//! text for both (`$N` parameters work in SQLite too).
//!
//! Applying an event, in one transaction:
//! 1. if the message already has an outcome, answer it;
//! 2. insert the event's unique key (`ON CONFLICT DO NOTHING`): no row
//!    inserted means the event was applied before -> `Duplicate`. On
//!    PostgreSQL a racing insert of the same key waits here for the first
//!    transaction to commit;
//! 3. read the payment (PostgreSQL: `FOR UPDATE`; SQLite: the transaction
//!    began `IMMEDIATE`, so it already holds the write lock) and [`decide`];
//! 4. rejected: delete the key row again (it never becomes visible), so a
//!    later valid delivery of the same key still applies; accepted: update the
//!    payment with a version check;
//! 5. insert the message's outcome (primary key on the message id; it names
//!    the states before and after, so the key row needs no update).
//!
//! [`Core::record`] is the hot path (measured by `bench/ledger.sh`):
//! - PostgreSQL (`COMBINED_STATEMENTS`): two round trips and no
//!   transaction held across the network: read the payment and whether the
//!   event's key was applied, [`decide`], then one statement (data-modifying
//!   CTEs, atomic on its own) writes message, key, payment and outcome
//!   after re-checking the payment's version and the key. If a concurrent
//!   writer got in between, the statement aborts itself, nothing is
//!   written, and the message is recorded step by step.
//! - SQLite: the step-by-step transaction in two trips to the connection's
//!   thread: `BEGIN IMMEDIATE` + head (message, key, payment read), then
//!   tail (payment update, outcome) + `COMMIT` ([`RawTransaction`] closes
//!   the connection if the caller's future is dropped in between).
//!
//! The steps, their order (key before the payment lock) and the unique-key
//! idempotency are those above; the SQL text is static, so sqlx's
//! prepared-statement cache serves every call.
//! [`Core::apply`] and attempt events (`NetCancelFailed`, failed payment
//! attempts: their key names the message id) go step by step.

use super::{COMBINED_STATEMENTS, Db, ROW_LOCKS, begin_write};
use crate::ledger::codec::{applied_from_text, applied_to_text, intent_from_json, intent_to_json};
use crate::ledger::digest::BodyDigestKey;
use crate::ledger::message::{Direction, JournalEntry, Message, MessageId, MessageKind};
use crate::ledger::state::{Applied, Decision, EventKey, Rejection, Snapshot, decide};
use crate::ledger::{
    AttemptClaim, BillingAttempt, BillkeyContext, BillkeyRecord, Claimed, Created, EventId, Intent,
    LedgerError, NewOutboxEvent, NewPayment, OutboxEntry, OutboxKind, Payment, PaymentState,
    Prepared, Reconciliation, Recorded, ResultPath, SealedBillkey, Settle, Unconfirmed,
    charset_name, charset_parse, outcome_of,
};
use crate::time::Timestamp;
use crate::types::{Amount, Mid, OrderId, Tid};
use sqlx::{Pool, Row};

type Conn = <Db as sqlx::Database>::Connection;
type DbRow = <Db as sqlx::Database>::Row;

/// The payment columns [`payment_from_row`] reads.
macro_rules! payment_columns {
    () => {
        "order_id, mid, amount, state, tid, auth_tid, refunded, net_cancel_failures, \
         acknowledged_at, created_at, updated_at, version, result_path, vbank_deadline"
    };
}
const SELECT_PAYMENT: &str = concat!(
    "SELECT ",
    payment_columns!(),
    " FROM ledger_payments WHERE order_id = $1"
);
const SELECT_PAYMENT_FOR_UPDATE: &str = concat!(
    "SELECT ",
    payment_columns!(),
    " FROM ledger_payments WHERE order_id = $1 FOR UPDATE"
);
const SELECT_PAYMENT_BY_TID: &str = concat!(
    "SELECT ",
    payment_columns!(),
    " FROM ledger_payments WHERE tid = $1 OR auth_tid = $1 \
    ORDER BY CASE WHEN tid = $1 THEN 0 ELSE 1 END LIMIT 1"
);
const SELECT_IN_STATE: &str = concat!(
    "SELECT ",
    payment_columns!(),
    " FROM ledger_payments WHERE state = $1 ORDER BY created_at, order_id LIMIT $2"
);
const SELECT_UNACKNOWLEDGED: &str = concat!(
    "SELECT ",
    payment_columns!(),
    " FROM ledger_payments WHERE state IN ('approved', 'vbank_deposited', 'partially_refunded') \
    AND acknowledged_at IS NULL AND updated_at < $1 ORDER BY created_at, order_id"
);
const SELECT_FAILED_NET_CANCELS: &str = concat!(
    "SELECT ",
    payment_columns!(),
    " FROM ledger_payments WHERE net_cancel_failures > 0 \
    ORDER BY created_at, order_id"
);
const INSERT_MESSAGE: &str = "INSERT INTO ledger_messages \
    (at, direction, kind, order_id, tid, charset, body, masked, result_code, intent, body_sha256, intent_order) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";
/// PostgreSQL only: the payment update and the message outcome in one
/// round trip (the outcome is written only if the update matched).
const UPDATE_PAYMENT_AND_OUTCOME: &str = "WITH u AS (UPDATE ledger_payments SET state = $3, \
    tid = $4, auth_tid = $5, refunded = $6, net_cancel_failures = $7, updated_at = $8, \
    version = version + 1 WHERE order_id = $1 AND version = $2 RETURNING 1), \
    o AS (INSERT INTO ledger_applied (message_id, outcome, at) SELECT $9, $10, $8 FROM u \
    ON CONFLICT (message_id) DO NOTHING RETURNING 1) \
    SELECT (SELECT COUNT(*) FROM u) AS updated, (SELECT COUNT(*) FROM o) AS stored";
/// PostgreSQL: the head of [`Core::record`] in one round trip: message,
/// event key (`$13`), then the payment row locked `FOR UPDATE`. The lock
/// waits on the key insert through the `n` dependency (an init plan of the
/// `WHERE` clause), so locks are still taken key first, row second, as in
/// the step-by-step path; a row updated by a concurrent transaction is
/// returned in its latest committed version (READ COMMITTED re-check).
/// Payment columns are NULL when the order is unknown.
const RECORD_HEAD_PG: &str = concat!(
    "WITH m AS (INSERT INTO ledger_messages \
    (at, direction, kind, order_id, tid, charset, body, masked, result_code, intent, body_sha256, intent_order) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $14) RETURNING id), \
    k AS (INSERT INTO ledger_transitions (event_key, order_id, message_id, at) \
    SELECT $13, $12, m.id, $1 FROM m ON CONFLICT (event_key) DO NOTHING RETURNING 1), \
    n AS (SELECT COUNT(*) AS inserted FROM k), \
    p AS (SELECT ",
    payment_columns!(),
    " FROM ledger_payments WHERE order_id = $12 AND (SELECT inserted FROM n) >= 0 FOR UPDATE) \
    SELECT m.id AS id, n.inserted AS inserted, p.* FROM m CROSS JOIN n LEFT JOIN p ON true"
);
/// SQLite: `BEGIN IMMEDIATE` and the head of [`Core::record`] as one
/// multi-statement query (one trip to the connection's worker thread;
/// statements run in order, see [`RawTransaction`]): the message (row
/// `id`), the event key with the message's rowid (row `inserted` only if
/// the key is new), the payment (row with `order_id`, absent if unknown).
const BEGIN_AND_RECORD_HEAD_SQLITE: &str = concat!(
    "BEGIN IMMEDIATE; INSERT INTO ledger_messages \
    (at, direction, kind, order_id, tid, charset, body, masked, result_code, intent, body_sha256, intent_order) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $14) RETURNING id; \
    INSERT INTO ledger_transitions (event_key, order_id, message_id, at) \
    VALUES ($13, $12, last_insert_rowid(), $1) ON CONFLICT (event_key) DO NOTHING \
    RETURNING 1 AS inserted; \
    SELECT ",
    payment_columns!(),
    " FROM ledger_payments WHERE order_id = $12"
);
/// SQLite: the payment update and the outcome in one multi-statement query
/// (rows `updated` and `stored`). An update that matched no row leaves the
/// outcome NULL, which its NOT NULL constraint refuses: the query fails
/// before anything after it (a `COMMIT`) runs, and the caller rolls back.
/// `$set` names the TID columns the transition changes: SQLite rewrites the
/// index of every column a `SET` assigns, changed or not. `$end` is `""` or
/// `"; COMMIT"`.
macro_rules! update_payment_and_outcome_sqlite {
    ($set:literal, $end:literal) => {
        concat!(
            "UPDATE ledger_payments SET state = $3, ",
            $set,
            "refunded = $6, net_cancel_failures = $7, updated_at = $8, \
            version = version + 1 WHERE order_id = $1 AND version = $2 RETURNING 1 AS updated; \
            INSERT INTO ledger_applied (message_id, outcome, at) \
            VALUES ($9, CASE WHEN changes() = 1 THEN $10 END, $8) \
            ON CONFLICT (message_id) DO NOTHING RETURNING 1 AS stored",
            $end
        )
    };
}
/// [`update_payment_and_outcome_sqlite`] by (TID changes, auth TID changes).
macro_rules! update_payment_and_outcome_sqlite_sets {
    ($end:literal) => {
        [
            [
                update_payment_and_outcome_sqlite!("", $end),
                update_payment_and_outcome_sqlite!("auth_tid = $5, ", $end),
            ],
            [
                update_payment_and_outcome_sqlite!("tid = $4, ", $end),
                update_payment_and_outcome_sqlite!("tid = $4, auth_tid = $5, ", $end),
            ],
        ]
    };
}
/// [`update_payment_and_outcome_sqlite`] by (ends with `COMMIT`, TID
/// changes, auth TID changes).
const UPDATE_PAYMENT_AND_OUTCOME_SQLITE: [[[&str; 2]; 2]; 2] = [
    update_payment_and_outcome_sqlite_sets!(""),
    update_payment_and_outcome_sqlite_sets!("; COMMIT"),
];
/// PostgreSQL fast path of [`Core::record`], read (no transaction): the
/// payment (`$1`) and whether the event's key (`$2`) was applied before.
const FAST_SNAPSHOT_PG: &str = concat!(
    "SELECT ",
    payment_columns!(),
    ", EXISTS (SELECT 1 FROM ledger_transitions WHERE event_key = $2) AS seen \
    FROM ledger_payments WHERE order_id = $1"
);
/// PostgreSQL fast path, write of a transition decided on the snapshot, as
/// one statement (atomic without `BEGIN`/`COMMIT`): the event key under the
/// message's id (drawn first), the payment update if its version (`$15`) is
/// still the one decided on and the key was new, and the message with its
/// outcome (`$21`) in its own row (migration 3). Key first, payment row
/// second, as in the step-by-step path. Anything short of all three (the
/// key was claimed or the payment changed by a concurrent writer since the
/// read) aborts the whole statement with `IL001` (migration 2); a TID taken
/// by another order aborts it with the unique violation. Either way nothing
/// is written, also when the caller's future was dropped and the statement
/// runs unobserved: all or nothing, so a message never waits without its
/// outcome.
const FAST_TRANSITION_PG: &str = "WITH i AS (SELECT \
    nextval(pg_get_serial_sequence('ledger_messages', 'id')) AS id), \
    k AS (INSERT INTO ledger_transitions (event_key, order_id, message_id, at) \
    SELECT $13, $12, i.id, $1 FROM i ON CONFLICT (event_key) DO NOTHING RETURNING 1), \
    u AS (UPDATE ledger_payments SET state = $16, tid = $17, auth_tid = $18, refunded = $19, \
    net_cancel_failures = $20, updated_at = $1, version = version + 1 \
    WHERE order_id = $12 AND version = $15 AND EXISTS (SELECT 1 FROM k) RETURNING 1), \
    m AS (INSERT INTO ledger_messages (id, at, direction, kind, order_id, tid, charset, body, \
    masked, result_code, intent, body_sha256, intent_order, outcome) OVERRIDING SYSTEM VALUE \
    SELECT i.id, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $14, $21 FROM i RETURNING id) \
    SELECT m.id AS id, CASE WHEN NOT EXISTS (SELECT 1 FROM u) \
    THEN ledger_fast_path_conflict() END AS conflict FROM m";
/// PostgreSQL fast path, write of an outcome without a transition (`$15`)
/// as one statement: the message with the outcome in its own row, if `$16`
/// (a duplicate: a committed key never goes away) or if the payment's
/// version is still `$17` and the key still unapplied (a rejection decided
/// on the snapshot); otherwise the statement aborts with `IL001`, writing
/// nothing.
const FAST_OUTCOME_PG: &str = "WITH m AS (INSERT INTO ledger_messages \
    (at, direction, kind, order_id, tid, charset, body, masked, result_code, intent, body_sha256, \
    intent_order, outcome) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $14, $15) RETURNING id) \
    SELECT m.id AS id, CASE WHEN NOT ($16 OR EXISTS (SELECT 1 FROM ledger_payments \
    WHERE order_id = $12 AND version = $17 \
    AND NOT EXISTS (SELECT 1 FROM ledger_transitions WHERE event_key = $13))) \
    THEN ledger_fast_path_conflict() END AS conflict FROM m";
/// SQLSTATEs after which the fast path's statement left nothing behind and
/// the step-by-step path records the message instead: `ledger_fast_path_conflict()`
/// and `unique_violation` (a TID another order holds).
const FAST_PATH_FALLBACK: [&str; 2] = ["IL001", "23505"];
const SELECT_MESSAGE_INTENT: &str = "SELECT intent, at FROM ledger_messages WHERE id = $1";
/// The outcome of message `$1`, from its own row (migration 3) or from
/// `ledger_applied`; no row if it has none.
const SELECT_OUTCOME: &str = "SELECT COALESCE(m.outcome, a.outcome) AS outcome \
    FROM ledger_messages m LEFT JOIN ledger_applied a ON a.message_id = m.id \
    WHERE m.id = $1 AND (m.outcome IS NOT NULL OR a.message_id IS NOT NULL)";
macro_rules! insert_outcome {
    () => {
        "INSERT INTO ledger_applied (message_id, outcome, at) \
        VALUES ($1, $2, $3) ON CONFLICT (message_id) DO NOTHING"
    };
}
/// See [`insert_outcome`].
const INSERT_OUTCOME: &str = insert_outcome!();
/// SQLite, [`Core::record`]: the outcome and the transaction's `COMMIT`.
const INSERT_OUTCOME_AND_COMMIT: &str = concat!(insert_outcome!(), "; COMMIT");
const INSERT_KEY: &str = "INSERT INTO ledger_transitions \
    (event_key, order_id, message_id, at) VALUES ($1, $2, $3, $4) \
    ON CONFLICT (event_key) DO NOTHING";
const DELETE_KEY: &str = "DELETE FROM ledger_transitions WHERE event_key = $1";
const TID_TAKEN: &str =
    "SELECT order_id FROM ledger_payments WHERE tid = $1 AND order_id <> $2 LIMIT 1";
const INSERT_PAYMENT: &str = "INSERT INTO ledger_payments \
    (order_id, mid, amount, state, refunded, net_cancel_failures, created_at, updated_at, version, \
    result_path) VALUES ($1, $2, $3, 'created', 0, 0, $4, $4, 0, $5) \
    ON CONFLICT (order_id) DO NOTHING";
/// A one-transaction checkout of an existing payment that is still payable
/// ([`PaymentState::is_payable`](crate::ledger::PaymentState::is_payable):
/// a retry after a failed attempt) records its path (never reset to
/// two-transaction). The version moves, so a writer that decided on the old
/// row re-checks.
const SET_ONE_TRANSACTION: &str = "UPDATE ledger_payments SET result_path = '1trs', \
    version = version + 1 WHERE order_id = $1 AND state IN ('created', 'authenticated', \
    'declined', 'cancelled_by_user', 'failed', 'net_cancelled') AND result_path <> '1trs'";
const PENDING: &str = "SELECT m.id FROM ledger_messages m \
    LEFT JOIN ledger_applied a ON a.message_id = m.id \
    WHERE m.intent IS NOT NULL AND m.outcome IS NULL AND a.message_id IS NULL ORDER BY m.id";
const ACKNOWLEDGE: &str = "UPDATE ledger_payments SET acknowledged_at = $2 \
    WHERE order_id = $1 AND acknowledged_at IS NULL";
const EXISTS: &str = "SELECT 1 AS one FROM ledger_payments WHERE order_id = $1";
const MESSAGES_OF: &str = "SELECT m.id, m.at, m.direction, m.kind, m.order_id, m.tid, \
    m.charset, m.body, m.masked, m.result_code, COALESCE(m.outcome, a.outcome) AS outcome, \
    m.body_sha256, m.body_purged_at \
    FROM ledger_messages m \
    LEFT JOIN ledger_applied a ON a.message_id = m.id \
    WHERE m.id IN (SELECT id FROM ledger_messages WHERE order_id = $1 \
    UNION ALL SELECT id FROM ledger_messages WHERE intent_order = $1) ORDER BY m.id";
const MESSAGE_BY_ID: &str = "SELECT m.id, m.at, m.direction, m.kind, m.order_id, m.tid, \
    m.charset, m.body, m.masked, m.result_code, COALESCE(m.outcome, a.outcome) AS outcome, \
    m.body_sha256, m.body_purged_at \
    FROM ledger_messages m \
    LEFT JOIN ledger_applied a ON a.message_id = m.id \
    WHERE m.id = $1";
const INSERT_BILLKEY: &str = "INSERT INTO ledger_billkeys \
    (order_id, mid, tid, key_id, nonce, ciphertext, at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
    ON CONFLICT (order_id) DO NOTHING";
const SELECT_BILLKEY: &str = "SELECT order_id, mid, tid, key_id, nonce, ciphertext, at, \
    confirmed_at FROM ledger_billkeys WHERE order_id = $1";
/// Matches the key's row whether or not it was confirmed before (so the row
/// count says whether it exists); the first time stays.
const CONFIRM_BILLKEY: &str = "UPDATE ledger_billkeys \
    SET confirmed_at = COALESCE(confirmed_at, $2) WHERE order_id = $1";
const INSERT_ATTEMPT: &str = "INSERT INTO ledger_billing_attempts \
    (nonce_digest, order_id, mid, encrypted, amount, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
    ON CONFLICT (nonce_digest) DO NOTHING";
/// The claim itself: one statement, so at most one caller ever sees the row
/// (PostgreSQL: a racing update waits for the first to commit, then finds
/// `used_at` set and matches nothing; SQLite: writes are serialized).
const CLAIM_ATTEMPT: &str = "UPDATE ledger_billing_attempts SET used_at = $3 \
    WHERE nonce_digest = $1 AND order_id = $2 AND used_at IS NULL \
    RETURNING nonce_digest, order_id, mid, encrypted, amount, created_at";
const ATTEMPT_USED_AT: &str = "SELECT used_at FROM ledger_billing_attempts \
    WHERE nonce_digest = $1 AND order_id = $2";
const PARK: &str = "INSERT INTO ledger_unconfirmed (message_id, order_id, intent, parked_at) \
    VALUES ($1, $2, $3, $4) ON CONFLICT (message_id) DO NOTHING";
const UNCONFIRMED: &str = "SELECT message_id, intent, parked_at FROM ledger_unconfirmed \
    WHERE resolved_at IS NULL ORDER BY message_id LIMIT $1";
const RESOLVE: &str = "UPDATE ledger_unconfirmed SET resolved_at = $2 \
    WHERE message_id = $1 AND resolved_at IS NULL";
/// The retention purge, in batches (SQLite holds its write lock for one
/// batch only): the only update the journal's trigger lets through.
const PURGE_BODIES: &str = "UPDATE ledger_messages SET body = $2, body_purged_at = $3 \
    WHERE id IN (SELECT id FROM ledger_messages \
    WHERE at < $1 AND body_purged_at IS NULL ORDER BY id LIMIT $4)";
const PURGE_BATCH: i64 = 500;
const SELECT_STUCK_AUTHENTICATED: &str = concat!(
    "SELECT ",
    payment_columns!(),
    " FROM ledger_payments WHERE state = 'authenticated' AND updated_at < $1 \
    ORDER BY created_at, order_id"
);
const SELECT_OVERDUE_VBANKS: &str = concat!(
    "SELECT ",
    payment_columns!(),
    " FROM ledger_payments WHERE state = 'vbank_issued' AND vbank_deadline < $1 \
    ORDER BY created_at, order_id LIMIT $2"
);
/// The outbox columns [`outbox_from_row`] reads.
macro_rules! outbox_columns {
    () => {
        "seq, id, order_id, kind, tid, amount, detail, created_at, attempts, next_attempt_at, \
         last_error, delivered_at"
    };
}
const OUTBOX_PUSH: &str = "INSERT INTO ledger_outbox \
    (id, order_id, kind, tid, detail, created_at, next_attempt_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING";
/// The claim (see [`Core::outbox_claim`]); `$lock` is `FOR UPDATE SKIP
/// LOCKED` on PostgreSQL (concurrent claimers skip each other's rows
/// instead of waiting; a row claimed and committed meanwhile is re-checked
/// and excluded by its lease), nothing on SQLite (one writer).
macro_rules! outbox_claim {
    ($lock:literal) => {
        concat!(
            "UPDATE ledger_outbox SET lease_until = $2, lease_token = $3, attempts = attempts + 1 \
            WHERE seq IN (SELECT o.seq FROM ledger_outbox o WHERE o.delivered_at IS NULL \
            AND o.next_attempt_at <= $1 AND (o.lease_until IS NULL OR o.lease_until <= $1) \
            AND ($5 IS NULL OR o.order_id = $5) \
            AND NOT EXISTS (SELECT 1 FROM ledger_outbox e WHERE e.delivered_at IS NULL \
            AND e.order_id = o.order_id AND e.seq < o.seq) \
            ORDER BY o.seq LIMIT $4",
            $lock,
            ") RETURNING ",
            outbox_columns!()
        )
    };
}
const OUTBOX_CLAIM: &str = if ROW_LOCKS {
    outbox_claim!(" FOR UPDATE SKIP LOCKED")
} else {
    outbox_claim!("")
};
const OUTBOX_DELIVERED: &str = "UPDATE ledger_outbox SET delivered_at = $3, detail = $4, \
    last_error = NULL, lease_until = NULL, lease_token = NULL \
    WHERE id = $1 AND lease_token = $2 AND delivered_at IS NULL RETURNING kind, order_id";
const OUTBOX_RETRY: &str = "UPDATE ledger_outbox SET last_error = $3, next_attempt_at = $4, \
    lease_until = NULL, lease_token = NULL \
    WHERE id = $1 AND lease_token = $2 AND delivered_at IS NULL";
const OUTBOX_RELEASE: &str = "UPDATE ledger_outbox SET attempts = attempts - 1, \
    lease_until = NULL, lease_token = NULL \
    WHERE id = $1 AND lease_token = $2 AND delivered_at IS NULL AND attempts > 0";
const OUTBOX_UNDELIVERED: &str = concat!(
    "SELECT ",
    outbox_columns!(),
    " FROM ledger_outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT $1"
);
const OUTBOX_OF: &str = concat!(
    "SELECT ",
    outbox_columns!(),
    " FROM ledger_outbox WHERE order_id = $1 ORDER BY seq"
);
const SET_VBANK_DEADLINE: &str = "UPDATE ledger_payments \
    SET vbank_deadline = COALESCE($3, vbank_deadline) WHERE order_id = $1 AND tid = $2";
const SET_VBANK_DETAIL: &str = "UPDATE ledger_outbox SET detail = $3 \
    WHERE order_id = $1 AND tid = $2 AND kind = 'vbank_issued' AND delivered_at IS NULL \
    AND detail IS NULL";

fn outbox_from_row(row: &DbRow) -> Result<OutboxEntry, LedgerError> {
    let order: Option<String> = row.try_get("order_id")?;
    let amount: Option<i64> = row.try_get("amount")?;
    let delivered: Option<i64> = row.try_get("delivered_at")?;
    let attempts: i64 = row.try_get("attempts")?;
    Ok(OutboxEntry {
        seq: row.try_get("seq")?,
        id: EventId::new(row.try_get::<String, _>("id")?),
        order_id: order
            .map(|o| OrderId::new(o).map_err(|_| corrupt("order_id")))
            .transpose()?,
        kind: OutboxKind::parse(&row.try_get::<String, _>("kind")?).ok_or(corrupt("kind"))?,
        tid: opt_tid(row.try_get("tid")?, "tid")?,
        amount: amount.map(|a| won(a, "amount")).transpose()?,
        detail: row.try_get("detail")?,
        created_at: ts(row.try_get("created_at")?, "created_at")?,
        attempts: u32::try_from(attempts).map_err(|_| corrupt("attempts"))?,
        next_attempt_at: ts(row.try_get("next_attempt_at")?, "next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        delivered_at: delivered.map(|d| ts(d, "delivered_at")).transpose()?,
    })
}

/// A journal row (`MESSAGES_OF`, `MESSAGE_BY_ID` columns) as an entry.
fn journal_entry(r: &DbRow) -> Result<JournalEntry, LedgerError> {
    let direction: String = r.try_get("direction")?;
    let kind: String = r.try_get("kind")?;
    let charset: String = r.try_get("charset")?;
    let order_id: Option<String> = r.try_get("order_id")?;
    Ok(JournalEntry {
        id: MessageId(r.try_get("id")?),
        message: Message {
            order_id: order_id
                .map(|o| OrderId::new(o).map_err(|_| corrupt("order_id")))
                .transpose()?,
            tid: opt_tid(r.try_get("tid")?, "tid")?,
            direction: Direction::parse(&direction).ok_or(corrupt("direction"))?,
            kind: MessageKind::parse(&kind).ok_or(corrupt("kind"))?,
            charset: charset_parse(&charset)?,
            body: r.try_get("body")?,
            at: ts(r.try_get("at")?, "at")?,
        },
        body_sha256: r
            .try_get::<Option<Vec<u8>>, _>("body_sha256")?
            .map(|d| <[u8; 32]>::try_from(d).map_err(|_| corrupt("body_sha256")))
            .transpose()?,
        body_purged_at: r
            .try_get::<Option<i64>, _>("body_purged_at")?
            .map(|t| ts(t, "body_purged_at"))
            .transpose()?,
        masked: r.try_get("masked")?,
        result_code: r.try_get("result_code")?,
        outcome: r.try_get("outcome")?,
    })
}

fn corrupt(column: &'static str) -> LedgerError {
    LedgerError::Corrupt { column }
}

fn to_i64(v: u64, column: &'static str) -> Result<i64, LedgerError> {
    i64::try_from(v).map_err(|_| corrupt(column))
}

fn millis(t: Timestamp) -> Result<i64, LedgerError> {
    to_i64(t.unix_millis(), "at")
}

fn ts(v: i64, column: &'static str) -> Result<Timestamp, LedgerError> {
    u64::try_from(v)
        .map(Timestamp::from_unix_millis)
        .map_err(|_| corrupt(column))
}

fn won(v: i64, column: &'static str) -> Result<Amount, LedgerError> {
    u64::try_from(v)
        .map(Amount::won)
        .map_err(|_| corrupt(column))
}

fn opt_tid(v: Option<String>, column: &'static str) -> Result<Option<Tid>, LedgerError> {
    v.map(|t| Tid::new(t).map_err(|_| corrupt(column)))
        .transpose()
}

fn payment_from_row(row: &DbRow) -> Result<(Payment, i64), LedgerError> {
    let state: String = row.try_get("state")?;
    let failures: i64 = row.try_get("net_cancel_failures")?;
    let ack: Option<i64> = row.try_get("acknowledged_at")?;
    Ok((
        Payment {
            order_id: OrderId::new(row.try_get::<String, _>("order_id")?)
                .map_err(|_| corrupt("order_id"))?,
            mid: Mid::new(row.try_get::<String, _>("mid")?).map_err(|_| corrupt("mid"))?,
            amount: won(row.try_get("amount")?, "amount")?,
            state: PaymentState::parse(&state).ok_or(corrupt("state"))?,
            tid: opt_tid(row.try_get("tid")?, "tid")?,
            auth_tid: opt_tid(row.try_get("auth_tid")?, "auth_tid")?,
            refunded: won(row.try_get("refunded")?, "refunded")?,
            net_cancel_failures: u32::try_from(failures)
                .map_err(|_| corrupt("net_cancel_failures"))?,
            acknowledged_at: ack.map(|a| ts(a, "acknowledged_at")).transpose()?,
            created_at: ts(row.try_get("created_at")?, "created_at")?,
            updated_at: ts(row.try_get("updated_at")?, "updated_at")?,
            result_path: ResultPath::parse(&row.try_get::<String, _>("result_path")?)
                .ok_or(corrupt("result_path"))?,
            vbank_deadline: row
                .try_get::<Option<i64>, _>("vbank_deadline")?
                .map(|d| ts(d, "vbank_deadline"))
                .transpose()?,
        },
        row.try_get("version")?,
    ))
}

fn payments(rows: Vec<DbRow>) -> Result<Vec<Payment>, LedgerError> {
    rows.iter()
        .map(|r| payment_from_row(r).map(|(p, _)| p))
        .collect()
}

fn snapshot(p: &Payment) -> Snapshot {
    Snapshot {
        state: p.state,
        expected: p.amount,
        tid: p.tid.clone(),
        auth_tid: p.auth_tid.clone(),
        refunded: p.refunded,
        net_cancel_failures: p.net_cancel_failures,
    }
}

/// The journal's `intent_order` column: the order an intent applies to, kept
/// only when the message itself names another order or none (migration 2
/// indexes only the rows that have one; `messages_of` reads both columns).
fn stored_intent_order(message: &Message, intent: Option<&Intent>) -> Option<String> {
    intent
        .map(|i| &i.order_id)
        .filter(|o| message.order_id.as_ref() != Some(*o))
        .map(|o| o.as_str().to_owned())
}

/// A query on this database.
type Query<'a> = sqlx::query::Query<'a, Db, <Db as sqlx::Database>::Arguments>;

/// Binds the parameters shared by the statements that journal a message
/// together with its event: `$1`-`$11` the message's columns, `$12` the
/// intent's order, `$13` the event key, `$14` the stored `intent_order`.
fn bind_journal<'a>(
    query: Query<'a>,
    message: &Message,
    intent: &Intent,
    key: &EventKey,
    digest_key: Option<&BodyDigestKey>,
) -> Result<Query<'a>, LedgerError> {
    Ok(bind_message(query, message, Some(intent), digest_key)?
        .bind(intent.order_id.as_str().to_owned())
        .bind(key.as_str().to_owned())
        .bind(stored_intent_order(message, Some(intent))))
}

/// Binds `$1`-`$11`: the journal columns of `message` (with `intent` as
/// JSON, if any; `$11` the digest of the body as received, see
/// [`BodyDigestKey`]).
fn bind_message<'a>(
    query: Query<'a>,
    message: &Message,
    intent: Option<&Intent>,
    digest_key: Option<&BodyDigestKey>,
) -> Result<Query<'a>, LedgerError> {
    let prepared = Prepared::new(message, intent, digest_key);
    Ok(query
        .bind(millis(message.at)?)
        .bind(message.direction.as_str())
        .bind(message.kind.as_str())
        .bind(message.order_id.as_ref().map(|o| o.as_str().to_owned()))
        .bind(message.tid.as_ref().map(|t| t.as_str().to_owned()))
        .bind(charset_name(message.charset))
        .bind(prepared.body)
        .bind(prepared.masked)
        .bind(prepared.result_code)
        .bind(prepared.intent)
        .bind(prepared.body_sha256.map(|d| d.to_vec())))
}

async fn insert_message(
    conn: &mut Conn,
    message: &Message,
    intent: Option<&Intent>,
    digest_key: Option<&BodyDigestKey>,
) -> Result<MessageId, LedgerError> {
    let row = bind_message(sqlx::query(INSERT_MESSAGE), message, intent, digest_key)?
        .bind(stored_intent_order(message, intent))
        .fetch_one(&mut *conn)
        .await?;
    Ok(MessageId(row.try_get("id")?))
}

/// What the head of [`Core::record`] found: the new message, whether the
/// event's key was new (1) or already applied (0), and the payment (locked
/// on PostgreSQL) with its version.
struct Head {
    id: MessageId,
    key_inserted: u64,
    current: Option<(Payment, i64)>,
}

/// Inserts the message and the event's key and reads the payment in one
/// round trip (events whose key does not depend on the message id): `sql`
/// is [`RECORD_HEAD_PG`] or [`BEGIN_AND_RECORD_HEAD_SQLITE`].
async fn record_head(
    conn: &mut Conn,
    message: &Message,
    intent: &Intent,
    sql: &'static str,
    digest_key: Option<&BodyDigestKey>,
) -> Result<Head, LedgerError> {
    let key = EventKey::new(&intent.order_id, &intent.event, 0);
    let rows = bind_journal(sqlx::query(sql), message, intent, &key, digest_key)?
        .fetch_all(&mut *conn)
        .await?;
    head_from_rows(&rows)
}

/// Reads the rows of a record head (either database).
fn head_from_rows(rows: &[DbRow]) -> Result<Head, LedgerError> {
    let (mut id, mut key_inserted, mut current) = (None, 0u64, None);
    for row in rows {
        if row.try_column("id").is_ok() {
            id = Some(MessageId(row.try_get("id")?));
        }
        if row.try_column("inserted").is_ok() {
            let n: i64 = row.try_get("inserted")?;
            key_inserted = u64::try_from(n).map_err(|_| corrupt("inserted"))?;
        }
        if row.try_column("order_id").is_ok()
            && row.try_get::<Option<String>, _>("order_id")?.is_some()
        {
            current = Some(payment_from_row(row)?);
        }
    }
    Ok(Head {
        id: id.ok_or(corrupt("id"))?,
        key_inserted,
        current,
    })
}

async fn load_payment(
    conn: &mut Conn,
    order: &OrderId,
    lock: bool,
) -> Result<Option<(Payment, i64)>, LedgerError> {
    let sql = if lock && ROW_LOCKS {
        SELECT_PAYMENT_FOR_UPDATE
    } else {
        SELECT_PAYMENT
    };
    sqlx::query(sql)
        .bind(order.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| payment_from_row(&r))
        .transpose()
}

/// Applies the event of message `id` inside the caller's transaction.
async fn apply_in(
    conn: &mut Conn,
    id: MessageId,
    intent: &Intent,
    at: Timestamp,
    fresh: bool,
    head: Option<(u64, Option<(Payment, i64)>)>,
    commit: bool,
) -> Result<Applied, LedgerError> {
    // A message appended in this same transaction has no outcome yet.
    if !fresh
        && let Some(row) = sqlx::query(SELECT_OUTCOME)
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await?
    {
        return applied_from_text(&row.try_get::<String, _>("outcome")?);
    }
    let order = &intent.order_id;
    let key = EventKey::new(order, &intent.event, id.0);
    let (inserted, current) = match head {
        Some(h) => h,
        None => {
            let inserted = sqlx::query(INSERT_KEY)
                .bind(key.as_str())
                .bind(order.as_str())
                .bind(id.0)
                .bind(millis(at)?)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            (inserted, load_payment(conn, order, true).await?)
        }
    };
    let applied = if inserted == 0 {
        match &current {
            Some((p, _)) => Applied::Duplicate { state: p.state },
            None => Applied::Rejected(Rejection::UnknownOrder),
        }
    } else {
        let cur = current.as_ref().map(|(p, _)| snapshot(p));
        let decision = match decide(cur.as_ref(), &intent.event) {
            Decision::Write(next)
                if next.tid.is_some() && next.tid != cur.as_ref().and_then(|c| c.tid.clone()) =>
            {
                let taken = sqlx::query(TID_TAKEN)
                    .bind(next.tid.as_ref().map(|t| t.as_str().to_owned()))
                    .bind(order.as_str())
                    .fetch_optional(&mut *conn)
                    .await?;
                if taken.is_some() {
                    Decision::Reject(Rejection::TidMismatch)
                } else {
                    Decision::Write(next)
                }
            }
            d => d,
        };
        match (decision, cur, current) {
            (Decision::Write(next), Some(cur), Some((_, version))) => {
                let applied = outcome_of(&cur, &next);
                let update = sqlx::query(if COMBINED_STATEMENTS {
                    UPDATE_PAYMENT_AND_OUTCOME
                } else {
                    UPDATE_PAYMENT_AND_OUTCOME_SQLITE[usize::from(commit)]
                        [usize::from(next.tid != cur.tid)]
                        [usize::from(next.auth_tid != cur.auth_tid)]
                })
                .bind(order.as_str())
                .bind(version)
                .bind(next.state.as_str())
                .bind(next.tid.as_ref().map(|t| t.as_str().to_owned()))
                .bind(next.auth_tid.as_ref().map(|t| t.as_str().to_owned()))
                .bind(to_i64(next.refunded.get(), "refunded")?)
                .bind(i64::from(next.net_cancel_failures))
                .bind(millis(at)?);
                let rows = update
                    .bind(id.0)
                    .bind(applied_to_text(&applied))
                    .fetch_all(&mut *conn)
                    .await?;
                let (mut updated, mut stored) = (0i64, 0i64);
                for row in &rows {
                    if row.try_column("updated").is_ok() {
                        updated += row.try_get::<i64, _>("updated")?;
                    }
                    if row.try_column("stored").is_ok() {
                        stored += row.try_get::<i64, _>("stored")?;
                    }
                }
                // The key is unique per event, so no other transaction can
                // hold this message's outcome; anything else is contention
                // (the caller's transaction rolls back).
                if updated != 1 || stored != 1 {
                    return Err(LedgerError::Contention {
                        order: order.to_string(),
                    });
                }
                return Ok(applied);
            }
            (Decision::Reject(r), _, _) => {
                sqlx::query(DELETE_KEY)
                    .bind(key.as_str())
                    .execute(&mut *conn)
                    .await?;
                Applied::Rejected(r)
            }
            _ => {
                sqlx::query(DELETE_KEY)
                    .bind(key.as_str())
                    .execute(&mut *conn)
                    .await?;
                Applied::Rejected(Rejection::UnknownOrder)
            }
        }
    };
    let stored = sqlx::query(if commit {
        INSERT_OUTCOME_AND_COMMIT
    } else {
        INSERT_OUTCOME
    })
    .bind(id.0)
    .bind(applied_to_text(&applied))
    .bind(millis(at)?)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if stored == 0 {
        // A racing apply of the same message stored its outcome first.
        let row = sqlx::query(SELECT_OUTCOME)
            .bind(id.0)
            .fetch_one(&mut *conn)
            .await?;
        return applied_from_text(&row.try_get::<String, _>("outcome")?);
    }
    Ok(applied)
}

/// SQLite: [`Core::record`] in two trips to the connection's thread, the
/// first beginning the transaction (`BEGIN IMMEDIATE` and the head), the
/// second ending it (the tail and `COMMIT`); a TID change adds one lookup.
/// The same steps as the step-by-step path; on an error the caller rolls
/// back.
async fn record_in(
    conn: &mut Conn,
    message: &Message,
    intent: &Intent,
    digest_key: Option<&BodyDigestKey>,
) -> Result<Recorded, LedgerError> {
    let head = record_head(
        conn,
        message,
        intent,
        BEGIN_AND_RECORD_HEAD_SQLITE,
        digest_key,
    )
    .await?;
    let applied = apply_in(
        conn,
        head.id,
        intent,
        message.at,
        true,
        Some((head.key_inserted, head.current)),
        true,
    )
    .await?;
    Ok(Recorded {
        message: head.id,
        applied,
    })
}

/// A writer connection in a transaction begun by SQL text rather than by
/// sqlx (so that `BEGIN` and `COMMIT` share trips with other statements).
/// Dropped before [`RawTransaction::done`] or a successful rollback (a
/// cancelled future, a panic), the connection is closed instead of going
/// back to the pool, and SQLite rolls the open transaction back.
struct RawTransaction {
    conn: Option<sqlx::pool::PoolConnection<Db>>,
}

impl RawTransaction {
    async fn acquire(pool: &Pool<Db>) -> Result<RawTransaction, LedgerError> {
        Ok(RawTransaction {
            conn: Some(pool.acquire().await?),
        })
    }

    fn conn(&mut self) -> &mut Conn {
        match self.conn.as_mut() {
            Some(c) => c,
            // `done` and `rollback` take `self`: no call can follow them.
            None => unreachable!("RawTransaction used after it ended"),
        }
    }

    /// The transaction committed (or never began): back to the pool.
    fn done(mut self) {
        self.conn = None;
    }

    /// Rolls back and returns the connection to the pool; if `ROLLBACK`
    /// fails (also when no transaction began), closes it instead: a fresh
    /// connection is cheap, one left inside a transaction is not.
    async fn rollback(mut self) {
        if let Some(mut c) = self.conn.take()
            && sqlx::query("ROLLBACK").execute(&mut *c).await.is_err()
        {
            c.close_on_drop();
        }
    }
}

impl Drop for RawTransaction {
    fn drop(&mut self) {
        if let Some(c) = self.conn.as_mut() {
            c.close_on_drop();
        }
    }
}

/// The database-independent part of a SQL store.
#[derive(Debug, Clone)]
pub(super) struct Core {
    /// Connections that write (SQLite: exactly one).
    pub writer: Pool<Db>,
    /// Connections that only read.
    pub reader: Pool<Db>,
    /// Days stored bodies are kept (`None`: forever).
    pub retention_days: Option<u32>,
    /// The key of the body digests (`None`: see [`BodyDigestKey`]).
    pub digest_key: Option<std::sync::Arc<BodyDigestKey>>,
}

impl Core {
    pub async fn create_payment(&self, p: NewPayment) -> Result<Created, LedgerError> {
        let mut tx = begin_write(&self.writer).await?;
        let inserted = sqlx::query(INSERT_PAYMENT)
            .bind(p.order_id.as_str())
            .bind(p.mid.as_str())
            .bind(to_i64(p.amount.get(), "amount")?)
            .bind(millis(p.at)?)
            .bind(p.result_path.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let created = if inserted == 1 {
            Created::New
        } else {
            match load_payment(&mut tx, &p.order_id, true).await? {
                Some((e, _)) if e.amount == p.amount && e.mid == p.mid => {
                    if p.result_path == ResultPath::OneTransaction {
                        sqlx::query(SET_ONE_TRANSACTION)
                            .bind(p.order_id.as_str())
                            .execute(&mut *tx)
                            .await?;
                    }
                    Created::Existing
                }
                _ => {
                    return Err(LedgerError::OrderConflict {
                        order: p.order_id.to_string(),
                    });
                }
            }
        };
        tx.commit().await?;
        Ok(created)
    }

    pub async fn append(
        &self,
        message: Message,
        intent: Option<Intent>,
    ) -> Result<MessageId, LedgerError> {
        let mut conn = self.writer.acquire().await?;
        insert_message(
            &mut conn,
            &message,
            intent.as_ref(),
            self.digest_key.as_deref(),
        )
        .await
    }

    pub async fn apply(&self, id: MessageId) -> Result<Applied, LedgerError> {
        let mut tx = begin_write(&self.writer).await?;
        let row = sqlx::query(SELECT_MESSAGE_INTENT)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(LedgerError::UnknownMessage(id))?;
        let intent: Option<String> = row.try_get("intent")?;
        let intent = intent_from_json(&intent.ok_or(LedgerError::NothingToApply(id))?)?;
        let at = ts(row.try_get("at")?, "at")?;
        let applied = apply_in(&mut tx, id, &intent, at, false, None, false).await?;
        tx.commit().await?;
        Ok(applied)
    }

    pub async fn record(&self, message: Message, intent: Intent) -> Result<Recorded, LedgerError> {
        // Attempts (`Event::keyed_by_message`): the key names the message
        // id, step by step.
        let keyed_by_message = intent.event.keyed_by_message();
        if COMBINED_STATEMENTS
            && !keyed_by_message
            && let Some(r) = self.record_fast(&message, &intent).await?
        {
            return Ok(r);
        }
        if !COMBINED_STATEMENTS && !keyed_by_message {
            let mut tx = RawTransaction::acquire(&self.writer).await?;
            return match record_in(tx.conn(), &message, &intent, self.digest_key.as_deref()).await {
                Ok(r) => {
                    tx.done();
                    Ok(r)
                }
                Err(e) => {
                    tx.rollback().await;
                    Err(e)
                }
            };
        }
        let mut tx = begin_write(&self.writer).await?;
        let (id, head) = if keyed_by_message || !COMBINED_STATEMENTS {
            (
                insert_message(&mut tx, &message, Some(&intent), self.digest_key.as_deref())
                    .await?,
                None,
            )
        } else {
            // PostgreSQL, after the one-statement path stepped aside.
            let h = record_head(
                &mut tx,
                &message,
                &intent,
                RECORD_HEAD_PG,
                self.digest_key.as_deref(),
            )
            .await?;
            (h.id, Some((h.key_inserted, h.current)))
        };
        let applied = apply_in(&mut tx, id, &intent, message.at, true, head, false).await?;
        tx.commit().await?;
        Ok(Recorded {
            message: id,
            applied,
        })
    }

    /// PostgreSQL: [`Core::record`] in two round trips, neither holding a
    /// lock across the network: read the payment and whether the event was
    /// applied, [`decide`], then write message, key, payment and outcome as
    /// one statement that re-checks the payment's version and the key. When
    /// a concurrent writer got in between, the statement aborts, nothing is
    /// written, and `None` sends the caller down the step-by-step path (as
    /// for an unknown order).
    async fn record_fast(
        &self,
        message: &Message,
        intent: &Intent,
    ) -> Result<Option<Recorded>, LedgerError> {
        let order = &intent.order_id;
        let key = EventKey::new(order, &intent.event, 0);
        // One connection for both statements (no transaction spans them).
        let mut conn = self.writer.acquire().await?;
        let Some(row) = sqlx::query(FAST_SNAPSHOT_PG)
            .bind(order.as_str())
            .bind(key.as_str())
            .fetch_optional(&mut *conn)
            .await?
        else {
            return Ok(None); // unknown order: rare, keep one code path
        };
        let (payment, version) = payment_from_row(&row)?;
        let cur = snapshot(&payment);
        let plan = if row.try_get::<bool, _>("seen")? {
            Err((Applied::Duplicate { state: cur.state }, true))
        } else {
            match decide(Some(&cur), &intent.event) {
                Decision::Write(next) => Ok(next),
                Decision::Reject(r) => Err((Applied::Rejected(r), false)),
            }
        };
        let written = match &plan {
            Ok(next) => {
                let applied = outcome_of(&cur, next);
                bind_journal(
                    sqlx::query(FAST_TRANSITION_PG),
                    message,
                    intent,
                    &key,
                    self.digest_key.as_deref(),
                )?
                .bind(version)
                .bind(next.state.as_str())
                .bind(next.tid.as_ref().map(|t| t.as_str().to_owned()))
                .bind(next.auth_tid.as_ref().map(|t| t.as_str().to_owned()))
                .bind(to_i64(next.refunded.get(), "refunded")?)
                .bind(i64::from(next.net_cancel_failures))
                .bind(applied_to_text(&applied))
                .fetch_one(&mut *conn)
                .await
                .map(|row| (row, applied))
            }
            Err((applied, duplicate)) => bind_journal(
                sqlx::query(FAST_OUTCOME_PG),
                message,
                intent,
                &key,
                self.digest_key.as_deref(),
            )?
            .bind(applied_to_text(applied))
            .bind(*duplicate)
            .bind(version)
            .fetch_one(&mut *conn)
            .await
            .map(|row| (row, applied.clone())),
        };
        match written {
            Ok((row, applied)) => Ok(Some(Recorded {
                message: MessageId(row.try_get("id")?),
                applied,
            })),
            Err(sqlx::Error::Database(e))
                if e.code()
                    .is_some_and(|c| FAST_PATH_FALLBACK.contains(&c.as_ref())) =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn pending(&self) -> Result<Vec<MessageId>, LedgerError> {
        let rows = sqlx::query(PENDING).fetch_all(&self.reader).await?;
        rows.iter()
            .map(|r| Ok(MessageId(r.try_get("id")?)))
            .collect()
    }

    pub async fn acknowledge(&self, order: &OrderId, at: Timestamp) -> Result<bool, LedgerError> {
        let mut conn = self.writer.acquire().await?;
        sqlx::query(ACKNOWLEDGE)
            .bind(order.as_str())
            .bind(millis(at)?)
            .execute(&mut *conn)
            .await?;
        Ok(sqlx::query(EXISTS)
            .bind(order.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .is_some())
    }

    pub async fn payment(&self, order: &OrderId) -> Result<Option<Payment>, LedgerError> {
        let mut conn = self.reader.acquire().await?;
        Ok(load_payment(&mut conn, order, false).await?.map(|(p, _)| p))
    }

    pub async fn payment_by_tid(&self, tid: &Tid) -> Result<Option<Payment>, LedgerError> {
        sqlx::query(SELECT_PAYMENT_BY_TID)
            .bind(tid.as_str())
            .fetch_optional(&self.reader)
            .await?
            .map(|r| payment_from_row(&r).map(|(p, _)| p))
            .transpose()
    }

    pub async fn payments_in_state(
        &self,
        state: PaymentState,
        limit: u32,
    ) -> Result<Vec<Payment>, LedgerError> {
        payments(
            sqlx::query(SELECT_IN_STATE)
                .bind(state.as_str())
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?,
        )
    }

    pub async fn messages_of(&self, order: &OrderId) -> Result<Vec<JournalEntry>, LedgerError> {
        let rows = sqlx::query(MESSAGES_OF)
            .bind(order.as_str())
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(journal_entry).collect()
    }

    pub async fn message(&self, id: MessageId) -> Result<Option<JournalEntry>, LedgerError> {
        sqlx::query(MESSAGE_BY_ID)
            .bind(id.0)
            .fetch_optional(&self.reader)
            .await?
            .as_ref()
            .map(journal_entry)
            .transpose()
    }

    pub async fn reconciliation(&self, before: Timestamp) -> Result<Reconciliation, LedgerError> {
        Ok(Reconciliation {
            unacknowledged: payments(
                sqlx::query(SELECT_UNACKNOWLEDGED)
                    .bind(millis(before)?)
                    .fetch_all(&self.reader)
                    .await?,
            )?,
            failed_net_cancels: payments(
                sqlx::query(SELECT_FAILED_NET_CANCELS)
                    .fetch_all(&self.reader)
                    .await?,
            )?,
            pending_messages: self.pending().await?,
            unconfirmed: self.unconfirmed(u32::MAX).await?,
            undelivered: self.outbox_undelivered(u32::MAX).await?,
            stuck_authenticated: payments(
                sqlx::query(SELECT_STUCK_AUTHENTICATED)
                    .bind(millis(before)?)
                    .fetch_all(&self.reader)
                    .await?,
            )?,
            overdue_vbanks: self.overdue_vbanks(before, u32::MAX).await?,
        })
    }

    pub async fn outbox_push(&self, e: NewOutboxEvent) -> Result<bool, LedgerError> {
        let n = sqlx::query(OUTBOX_PUSH)
            .bind(e.id.as_str())
            .bind(e.order_id.as_ref().map(|o| o.as_str().to_owned()))
            .bind(e.kind.as_str())
            .bind(e.tid.as_ref().map(|t| t.as_str().to_owned()))
            .bind(e.detail)
            .bind(millis(e.at)?)
            .execute(&self.writer)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    pub async fn outbox_claim(
        &self,
        order: Option<&OrderId>,
        now: Timestamp,
        lease_until: Timestamp,
        token: &str,
        limit: u32,
    ) -> Result<Vec<Claimed>, LedgerError> {
        let rows = sqlx::query(OUTBOX_CLAIM)
            .bind(millis(now)?)
            .bind(millis(lease_until)?)
            .bind(token)
            .bind(i64::from(limit))
            .bind(order.map(|o| o.as_str().to_owned()))
            .fetch_all(&self.writer)
            .await?;
        let mut v = rows
            .iter()
            .map(|r| {
                Ok(Claimed {
                    entry: outbox_from_row(r)?,
                    token: token.to_owned(),
                    lease_until,
                })
            })
            .collect::<Result<Vec<_>, LedgerError>>()?;
        v.sort_by_key(|c| c.entry.seq);
        Ok(v)
    }

    pub async fn outbox_settle(
        &self,
        id: &EventId,
        token: &str,
        how: Settle,
    ) -> Result<bool, LedgerError> {
        match how {
            Settle::Delivered { at, detail } => {
                let mut tx = begin_write(&self.writer).await?;
                let row = sqlx::query(OUTBOX_DELIVERED)
                    .bind(id.as_str())
                    .bind(token)
                    .bind(millis(at)?)
                    .bind(detail)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(row) = row else {
                    tx.rollback().await?;
                    return Ok(false);
                };
                let kind =
                    OutboxKind::parse(&row.try_get::<String, _>("kind")?).ok_or(corrupt("kind"))?;
                if kind.acknowledges()
                    && let Some(order) = row.try_get::<Option<String>, _>("order_id")?
                {
                    sqlx::query(ACKNOWLEDGE)
                        .bind(order)
                        .bind(millis(at)?)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(true)
            }
            Settle::Release => {
                let n = sqlx::query(OUTBOX_RELEASE)
                    .bind(id.as_str())
                    .bind(token)
                    .execute(&self.writer)
                    .await?
                    .rows_affected();
                Ok(n == 1)
            }
            Settle::Retry {
                error,
                next_attempt_at,
            } => {
                let n = sqlx::query(OUTBOX_RETRY)
                    .bind(id.as_str())
                    .bind(token)
                    .bind(error)
                    .bind(millis(next_attempt_at)?)
                    .execute(&self.writer)
                    .await?
                    .rows_affected();
                Ok(n == 1)
            }
        }
    }

    pub async fn outbox_undelivered(&self, limit: u32) -> Result<Vec<OutboxEntry>, LedgerError> {
        sqlx::query(OUTBOX_UNDELIVERED)
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(outbox_from_row)
            .collect()
    }

    pub async fn outbox_of(&self, order: &OrderId) -> Result<Vec<OutboxEntry>, LedgerError> {
        sqlx::query(OUTBOX_OF)
            .bind(order.as_str())
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(outbox_from_row)
            .collect()
    }

    pub async fn set_vbank_details(
        &self,
        order: &OrderId,
        tid: &Tid,
        deadline: Option<Timestamp>,
        detail: Option<String>,
    ) -> Result<bool, LedgerError> {
        let mut tx = begin_write(&self.writer).await?;
        let found = sqlx::query(SET_VBANK_DEADLINE)
            .bind(order.as_str())
            .bind(tid.as_str())
            .bind(deadline.map(millis).transpose()?)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if found && detail.is_some() {
            sqlx::query(SET_VBANK_DETAIL)
                .bind(order.as_str())
                .bind(tid.as_str())
                .bind(detail)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(found)
    }

    pub async fn overdue_vbanks(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<Payment>, LedgerError> {
        payments(
            sqlx::query(SELECT_OVERDUE_VBANKS)
                .bind(millis(now)?)
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?,
        )
    }

    /// Stores the key and, in the same transaction, its `BillkeyIssued`
    /// outbox event.
    pub async fn put_billkey(&self, r: BillkeyRecord) -> Result<bool, LedgerError> {
        let event = NewOutboxEvent::billkey_issued(&r);
        let mut tx = begin_write(&self.writer).await?;
        let n = sqlx::query(INSERT_BILLKEY)
            .bind(r.context.order_id.as_str())
            .bind(r.context.mid.as_str())
            .bind(r.tid.as_ref().map(|t| t.as_str().to_owned()))
            .bind(r.sealed.key_id)
            .bind(r.sealed.nonce)
            .bind(r.sealed.ciphertext)
            .bind(millis(r.at)?)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 1 {
            sqlx::query(OUTBOX_PUSH)
                .bind(event.id.as_str())
                .bind(event.order_id.as_ref().map(|o| o.as_str().to_owned()))
                .bind(event.kind.as_str())
                .bind(event.tid.as_ref().map(|t| t.as_str().to_owned()))
                .bind(event.detail)
                .bind(millis(event.at)?)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }

    pub async fn sealed_billkey(
        &self,
        order: &OrderId,
    ) -> Result<Option<BillkeyRecord>, LedgerError> {
        let Some(r) = sqlx::query(SELECT_BILLKEY)
            .bind(order.as_str())
            .fetch_optional(&self.reader)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(BillkeyRecord {
            context: BillkeyContext::new(
                Mid::new(r.try_get::<String, _>("mid")?).map_err(|_| corrupt("mid"))?,
                OrderId::new(r.try_get::<String, _>("order_id")?)
                    .map_err(|_| corrupt("order_id"))?,
            ),
            tid: opt_tid(r.try_get("tid")?, "tid")?,
            sealed: SealedBillkey {
                key_id: r.try_get("key_id")?,
                nonce: r.try_get("nonce")?,
                ciphertext: r.try_get("ciphertext")?,
            },
            at: ts(r.try_get("at")?, "at")?,
            confirmed_at: r
                .try_get::<Option<i64>, _>("confirmed_at")?
                .map(|t| ts(t, "confirmed_at"))
                .transpose()?,
        }))
    }

    pub async fn confirm_billkey(
        &self,
        order: &OrderId,
        at: Timestamp,
    ) -> Result<bool, LedgerError> {
        let n = sqlx::query(CONFIRM_BILLKEY)
            .bind(order.as_str())
            .bind(millis(at)?)
            .execute(&self.writer)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    pub async fn create_billing_attempt(&self, a: BillingAttempt) -> Result<(), LedgerError> {
        let n = sqlx::query(INSERT_ATTEMPT)
            .bind(a.nonce_digest.as_str())
            .bind(a.order_id.as_str())
            .bind(a.mid.as_str())
            .bind(a.encrypted)
            .bind(a.amount.map(|v| to_i64(v.get(), "amount")).transpose()?)
            .bind(millis(a.created_at)?)
            .execute(&self.writer)
            .await?
            .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(LedgerError::OrderConflict {
                order: a.order_id.to_string(),
            })
        }
    }

    pub async fn claim_billing_attempt(
        &self,
        order: &OrderId,
        digest: &str,
        at: Timestamp,
    ) -> Result<AttemptClaim, LedgerError> {
        let mut conn = self.writer.acquire().await?;
        if let Some(r) = sqlx::query(CLAIM_ATTEMPT)
            .bind(digest)
            .bind(order.as_str())
            .bind(millis(at)?)
            .fetch_optional(&mut *conn)
            .await?
        {
            return Ok(AttemptClaim::Claimed(BillingAttempt {
                order_id: OrderId::new(r.try_get::<String, _>("order_id")?)
                    .map_err(|_| corrupt("order_id"))?,
                mid: Mid::new(r.try_get::<String, _>("mid")?).map_err(|_| corrupt("mid"))?,
                nonce_digest: r.try_get("nonce_digest")?,
                encrypted: r.try_get("encrypted")?,
                amount: r
                    .try_get::<Option<i64>, _>("amount")?
                    .map(|v| won(v, "amount"))
                    .transpose()?,
                created_at: ts(r.try_get("created_at")?, "created_at")?,
            }));
        }
        // Not claimable: used before (a committed `used_at` never goes
        // away), or no attempt of this order has this digest.
        let used = sqlx::query(ATTEMPT_USED_AT)
            .bind(digest)
            .bind(order.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        match used {
            Some(r) => {
                let used_at: Option<i64> = r.try_get("used_at")?;
                Ok(AttemptClaim::AlreadyUsed {
                    used_at: ts(used_at.ok_or(corrupt("used_at"))?, "used_at")?,
                })
            }
            None => Ok(AttemptClaim::Unknown),
        }
    }

    pub async fn park_unconfirmed(&self, u: Unconfirmed) -> Result<(), LedgerError> {
        let intent = Intent::new(u.order_id.clone(), u.event);
        sqlx::query(PARK)
            .bind(u.message.0)
            .bind(u.order_id.as_str())
            .bind(intent_to_json(&intent))
            .bind(millis(u.parked_at)?)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub async fn unconfirmed(&self, limit: u32) -> Result<Vec<Unconfirmed>, LedgerError> {
        let rows = sqlx::query(UNCONFIRMED)
            .bind(i64::from(limit))
            .fetch_all(&self.reader)
            .await?;
        rows.iter()
            .map(|r| {
                let intent = intent_from_json(&r.try_get::<String, _>("intent")?)?;
                Ok(Unconfirmed {
                    message: MessageId(r.try_get("message_id")?),
                    order_id: intent.order_id,
                    event: intent.event,
                    parked_at: ts(r.try_get("parked_at")?, "parked_at")?,
                })
            })
            .collect()
    }

    pub async fn resolve_unconfirmed(
        &self,
        message: MessageId,
        at: Timestamp,
    ) -> Result<bool, LedgerError> {
        let n = sqlx::query(RESOLVE)
            .bind(message.0)
            .bind(millis(at)?)
            .execute(&self.writer)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Empties the stored body of every message journaled more than the
    /// retention period before `now` (once each; the journal's trigger
    /// allows this update and no other), stamping `now`; returns how many.
    pub async fn purge_raw_bodies(&self, now: Timestamp) -> Result<u64, LedgerError> {
        let Some(cutoff) = crate::ledger::retention_cutoff(self.retention_days, now) else {
            return Ok(0);
        };
        let mut purged = 0;
        loop {
            let n = sqlx::query(PURGE_BODIES)
                .bind(millis(cutoff)?)
                .bind(Vec::<u8>::new())
                .bind(millis(now)?)
                .bind(PURGE_BATCH)
                .execute(&self.writer)
                .await?
                .rows_affected();
            purged += n;
            if n < u64::try_from(PURGE_BATCH).unwrap_or(u64::MAX) {
                return Ok(purged);
            }
        }
    }
}

/// Implements [`Ledger`](crate::ledger::Ledger) for a store type holding a
/// `core: Core` field.
macro_rules! delegate_ledger {
    ($store:ty) => {
        impl $crate::ledger::Ledger for $store {
            fn create_payment(
                &self,
                p: $crate::ledger::NewPayment,
            ) -> $crate::ledger::LedgerFuture<'_, $crate::ledger::Created> {
                Box::pin(self.core.create_payment(p))
            }
            fn append(
                &self,
                m: $crate::ledger::Message,
                i: Option<$crate::ledger::Intent>,
            ) -> $crate::ledger::LedgerFuture<'_, $crate::ledger::MessageId> {
                Box::pin(self.core.append(m, i))
            }
            fn apply(
                &self,
                id: $crate::ledger::MessageId,
            ) -> $crate::ledger::LedgerFuture<'_, $crate::ledger::Applied> {
                Box::pin(self.core.apply(id))
            }
            fn record(
                &self,
                m: $crate::ledger::Message,
                i: $crate::ledger::Intent,
            ) -> $crate::ledger::LedgerFuture<'_, $crate::ledger::Recorded> {
                Box::pin(self.core.record(m, i))
            }
            fn pending(&self) -> $crate::ledger::LedgerFuture<'_, Vec<$crate::ledger::MessageId>> {
                Box::pin(self.core.pending())
            }
            fn acknowledge<'a>(
                &'a self,
                o: &'a $crate::types::OrderId,
                at: $crate::time::Timestamp,
            ) -> $crate::ledger::LedgerFuture<'a, bool> {
                Box::pin(self.core.acknowledge(o, at))
            }
            fn payment<'a>(
                &'a self,
                o: &'a $crate::types::OrderId,
            ) -> $crate::ledger::LedgerFuture<'a, Option<$crate::ledger::Payment>> {
                Box::pin(self.core.payment(o))
            }
            fn payment_by_tid<'a>(
                &'a self,
                t: &'a $crate::types::Tid,
            ) -> $crate::ledger::LedgerFuture<'a, Option<$crate::ledger::Payment>> {
                Box::pin(self.core.payment_by_tid(t))
            }
            fn payments_in_state(
                &self,
                s: $crate::ledger::PaymentState,
                limit: u32,
            ) -> $crate::ledger::LedgerFuture<'_, Vec<$crate::ledger::Payment>> {
                Box::pin(self.core.payments_in_state(s, limit))
            }
            fn messages_of<'a>(
                &'a self,
                o: &'a $crate::types::OrderId,
            ) -> $crate::ledger::LedgerFuture<'a, Vec<$crate::ledger::JournalEntry>> {
                Box::pin(self.core.messages_of(o))
            }
            fn message(
                &self,
                id: $crate::ledger::MessageId,
            ) -> $crate::ledger::LedgerFuture<'_, Option<$crate::ledger::JournalEntry>> {
                Box::pin(self.core.message(id))
            }
            fn reconciliation(
                &self,
                before: $crate::time::Timestamp,
            ) -> $crate::ledger::LedgerFuture<'_, $crate::ledger::Reconciliation> {
                Box::pin(self.core.reconciliation(before))
            }
            fn put_billkey(
                &self,
                r: $crate::ledger::BillkeyRecord,
            ) -> $crate::ledger::LedgerFuture<'_, bool> {
                Box::pin(self.core.put_billkey(r))
            }
            fn sealed_billkey<'a>(
                &'a self,
                o: &'a $crate::types::OrderId,
            ) -> $crate::ledger::LedgerFuture<'a, Option<$crate::ledger::BillkeyRecord>> {
                Box::pin(self.core.sealed_billkey(o))
            }
            fn confirm_billkey<'a>(
                &'a self,
                o: &'a $crate::types::OrderId,
                at: $crate::time::Timestamp,
            ) -> $crate::ledger::LedgerFuture<'a, bool> {
                Box::pin(self.core.confirm_billkey(o, at))
            }
            fn create_billing_attempt(
                &self,
                a: $crate::ledger::BillingAttempt,
            ) -> $crate::ledger::LedgerFuture<'_, ()> {
                Box::pin(self.core.create_billing_attempt(a))
            }
            fn claim_billing_attempt<'a>(
                &'a self,
                o: &'a $crate::types::OrderId,
                d: &'a str,
                at: $crate::time::Timestamp,
            ) -> $crate::ledger::LedgerFuture<'a, $crate::ledger::AttemptClaim> {
                Box::pin(self.core.claim_billing_attempt(o, d, at))
            }
            fn park_unconfirmed(
                &self,
                u: $crate::ledger::Unconfirmed,
            ) -> $crate::ledger::LedgerFuture<'_, ()> {
                Box::pin(self.core.park_unconfirmed(u))
            }
            fn unconfirmed(
                &self,
                limit: u32,
            ) -> $crate::ledger::LedgerFuture<'_, Vec<$crate::ledger::Unconfirmed>> {
                Box::pin(self.core.unconfirmed(limit))
            }
            fn resolve_unconfirmed(
                &self,
                m: $crate::ledger::MessageId,
                at: $crate::time::Timestamp,
            ) -> $crate::ledger::LedgerFuture<'_, bool> {
                Box::pin(self.core.resolve_unconfirmed(m, at))
            }
            fn outbox_push(
                &self,
                e: $crate::ledger::NewOutboxEvent,
            ) -> $crate::ledger::LedgerFuture<'_, bool> {
                Box::pin(self.core.outbox_push(e))
            }
            fn outbox_claim<'a>(
                &'a self,
                order: Option<&'a $crate::types::OrderId>,
                now: $crate::time::Timestamp,
                lease_until: $crate::time::Timestamp,
                token: &'a str,
                limit: u32,
            ) -> $crate::ledger::LedgerFuture<'a, Vec<$crate::ledger::Claimed>> {
                Box::pin(
                    self.core
                        .outbox_claim(order, now, lease_until, token, limit),
                )
            }
            fn outbox_settle<'a>(
                &'a self,
                id: &'a $crate::ledger::EventId,
                token: &'a str,
                how: $crate::ledger::Settle,
            ) -> $crate::ledger::LedgerFuture<'a, bool> {
                Box::pin(self.core.outbox_settle(id, token, how))
            }
            fn outbox_undelivered(
                &self,
                limit: u32,
            ) -> $crate::ledger::LedgerFuture<'_, Vec<$crate::ledger::OutboxEntry>> {
                Box::pin(self.core.outbox_undelivered(limit))
            }
            fn outbox_of<'a>(
                &'a self,
                order: &'a $crate::types::OrderId,
            ) -> $crate::ledger::LedgerFuture<'a, Vec<$crate::ledger::OutboxEntry>> {
                Box::pin(self.core.outbox_of(order))
            }
            fn set_vbank_details<'a>(
                &'a self,
                order: &'a $crate::types::OrderId,
                tid: &'a $crate::types::Tid,
                deadline: Option<$crate::time::Timestamp>,
                detail: Option<String>,
            ) -> $crate::ledger::LedgerFuture<'a, bool> {
                Box::pin(self.core.set_vbank_details(order, tid, deadline, detail))
            }
            fn overdue_vbanks(
                &self,
                now: $crate::time::Timestamp,
                limit: u32,
            ) -> $crate::ledger::LedgerFuture<'_, Vec<$crate::ledger::Payment>> {
                Box::pin(self.core.overdue_vbanks(now, limit))
            }
        }
    };
}
pub(super) use delegate_ledger;
