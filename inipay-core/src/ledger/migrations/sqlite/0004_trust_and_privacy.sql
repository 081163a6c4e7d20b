-- inipay ledger, version 4 (SQLite): facts that unsigned messages are
-- checked against, and personal data at rest.

-- How the result of a payment is expected to arrive (PROTOCOL.md 2.1):
-- '2trs' or '1trs'. Existing payments were all two-transaction.
ALTER TABLE ledger_payments ADD COLUMN result_path TEXT NOT NULL DEFAULT '2trs';

-- When the gateway first confirmed a billing key (its first charge).
ALTER TABLE ledger_billkeys ADD COLUMN confirmed_at INTEGER;

-- Billing-key issuances the app started, by the SHA-256 of their one-time
-- nonce (the nonce itself is never stored); used_at is set once.
CREATE TABLE ledger_billing_attempts (
    nonce_digest TEXT    PRIMARY KEY NOT NULL,
    order_id     TEXT    NOT NULL,
    mid          TEXT    NOT NULL,
    encrypted    INTEGER NOT NULL,
    amount       INTEGER CHECK (amount >= 0),
    created_at   INTEGER NOT NULL,
    used_at      INTEGER
) WITHOUT ROWID;

-- Journaled notifications waiting for the gateway's confirmation, with the
-- intent they would apply (JSON, as in ledger_messages.intent).
CREATE TABLE ledger_unconfirmed (
    message_id  INTEGER PRIMARY KEY NOT NULL,
    order_id    TEXT    NOT NULL,
    intent      TEXT    NOT NULL,
    parked_at   INTEGER NOT NULL,
    resolved_at INTEGER
);
CREATE INDEX ledger_unconfirmed_open ON ledger_unconfirmed (message_id)
    WHERE resolved_at IS NULL;

-- From version 4 on the stored body has personal data masked (by the
-- ledger, before the insert); body_sha256 is the SHA-256 of the body as
-- received. Rows written before keep their bodies and have no digest.
ALTER TABLE ledger_messages ADD COLUMN body_sha256 BLOB;
ALTER TABLE ledger_messages ADD COLUMN body_purged_at INTEGER;

-- The journal stays append-only, with one exception: the retention purge,
-- which empties a body once and changes nothing else. (A later migration
-- that adds a column to ledger_messages must add it to this list.)
DROP TRIGGER ledger_messages_no_update;
CREATE TRIGGER ledger_messages_no_update BEFORE UPDATE ON ledger_messages
WHEN NOT (
    OLD.body_purged_at IS NULL AND NEW.body_purged_at IS NOT NULL AND NEW.body = X''
    AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.direction IS OLD.direction
    AND NEW.kind IS OLD.kind AND NEW.order_id IS OLD.order_id AND NEW.tid IS OLD.tid
    AND NEW.charset IS OLD.charset AND NEW.masked IS OLD.masked
    AND NEW.result_code IS OLD.result_code AND NEW.intent IS OLD.intent
    AND NEW.intent_order IS OLD.intent_order AND NEW.outcome IS OLD.outcome
    AND NEW.body_sha256 IS OLD.body_sha256
)
BEGIN SELECT RAISE(ABORT, 'ledger journal is append-only'); END;
