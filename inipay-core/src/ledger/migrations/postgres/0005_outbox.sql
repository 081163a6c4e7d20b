-- inipay ledger, version 5 (PostgreSQL): the event outbox and
-- virtual-account deadlines.

-- P_VBANK_DT/TM of an issued virtual account (Unix ms), when known.
ALTER TABLE ledger_payments ADD COLUMN vbank_deadline BIGINT;

-- Every event the app must hear about, written in the same transaction as
-- the change that causes it (the trigger below) or, for events without a
-- payment change (alerts, billing keys), by the flow. Delivered at least
-- once, in seq order per order; one delivery in flight per event (a lease
-- taken with FOR UPDATE SKIP LOCKED).
CREATE TABLE ledger_outbox (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT   NOT NULL UNIQUE,
    order_id        TEXT,
    kind            TEXT   NOT NULL,
    tid             TEXT,
    amount          BIGINT,
    detail          TEXT,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    lease_token     TEXT,
    last_error      TEXT,
    delivered_at    BIGINT
);
CREATE INDEX ledger_outbox_due ON ledger_outbox (seq) WHERE delivered_at IS NULL;
CREATE INDEX ledger_outbox_order ON ledger_outbox (order_id, seq) WHERE delivered_at IS NULL;

-- The states the app hears about (the Rust side: ledger::outbox::EMITTING).
-- The id names the order and the payment's new version: stable, unique.
CREATE FUNCTION ledger_outbox_on_transition() RETURNS trigger LANGUAGE plpgsql AS $$
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
    RETURN NULL;
END;
$$;
CREATE TRIGGER ledger_outbox_on_transition AFTER UPDATE OF state, refunded ON ledger_payments
FOR EACH ROW
WHEN ((NEW.state IS DISTINCT FROM OLD.state OR NEW.refunded IS DISTINCT FROM OLD.refunded)
      AND NEW.state IN ('approved', 'vbank_issued', 'vbank_deposited', 'vbank_expired',
                        'partially_refunded', 'refunded', 'net_cancelled'))
EXECUTE FUNCTION ledger_outbox_on_transition();
