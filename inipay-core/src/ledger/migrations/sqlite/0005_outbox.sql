-- inipay ledger, version 5 (SQLite): the event outbox and virtual-account
-- deadlines.

-- P_VBANK_DT/TM of an issued virtual account (Unix ms), when known.
ALTER TABLE ledger_payments ADD COLUMN vbank_deadline INTEGER;

-- Every event the app must hear about, written in the same transaction as
-- the change that causes it (the trigger below) or, for events without a
-- payment change (alerts, billing keys), by the flow. Delivered at least
-- once, in seq order per order; one delivery in flight per event (lease).
CREATE TABLE ledger_outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    order_id        TEXT,
    kind            TEXT    NOT NULL,
    tid             TEXT,
    amount          INTEGER,
    detail          TEXT,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,
    lease_token     TEXT,
    last_error      TEXT,
    delivered_at    INTEGER
);
CREATE INDEX ledger_outbox_due ON ledger_outbox (seq) WHERE delivered_at IS NULL;
CREATE INDEX ledger_outbox_order ON ledger_outbox (order_id, seq) WHERE delivered_at IS NULL;

-- The states the app hears about (the Rust side: ledger::outbox::EMITTING).
-- The id names the order and the payment's new version: stable, unique.
CREATE TRIGGER ledger_outbox_on_transition AFTER UPDATE OF state, refunded ON ledger_payments
WHEN (NEW.state IS NOT OLD.state OR NEW.refunded IS NOT OLD.refunded)
    AND NEW.state IN ('approved', 'vbank_issued', 'vbank_deposited', 'vbank_expired',
                      'partially_refunded', 'refunded', 'net_cancelled')
BEGIN
    INSERT INTO ledger_outbox (id, order_id, kind, tid, amount, created_at, next_attempt_at)
    VALUES (
        'evt_' || NEW.order_id || '_' || NEW.version,
        NEW.order_id,
        CASE WHEN NEW.state IN ('partially_refunded', 'refunded') THEN 'refunded' ELSE NEW.state END,
        NEW.tid,
        CASE WHEN NEW.state IN ('partially_refunded', 'refunded') THEN NEW.refunded - OLD.refunded
             ELSE NEW.amount END,
        NEW.updated_at,
        NEW.updated_at
    );
END;
