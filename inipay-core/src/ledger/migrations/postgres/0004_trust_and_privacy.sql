-- inipay ledger, version 4 (PostgreSQL): facts that unsigned messages are
-- checked against, and personal data at rest.

-- How the result of a payment is expected to arrive (PROTOCOL.md 2.1):
-- '2trs' or '1trs'. Existing payments were all two-transaction (a constant
-- default: no table rewrite).
ALTER TABLE ledger_payments ADD COLUMN result_path TEXT NOT NULL DEFAULT '2trs';

-- When the gateway first confirmed a billing key (its first charge).
ALTER TABLE ledger_billkeys ADD COLUMN confirmed_at BIGINT;

-- Billing-key issuances the app started, by the SHA-256 of their one-time
-- nonce (the nonce itself is never stored); used_at is set once.
CREATE TABLE ledger_billing_attempts (
    nonce_digest TEXT    PRIMARY KEY NOT NULL,
    order_id     TEXT    NOT NULL,
    mid          TEXT    NOT NULL,
    encrypted    BOOLEAN NOT NULL,
    amount       BIGINT  CHECK (amount >= 0),
    created_at   BIGINT  NOT NULL,
    used_at      BIGINT
);

-- Journaled notifications waiting for the gateway's confirmation, with the
-- intent they would apply (JSON, as in ledger_messages.intent).
CREATE TABLE ledger_unconfirmed (
    message_id  BIGINT PRIMARY KEY NOT NULL,
    order_id    TEXT   NOT NULL,
    intent      TEXT   NOT NULL,
    parked_at   BIGINT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX ledger_unconfirmed_open ON ledger_unconfirmed (message_id)
    WHERE resolved_at IS NULL;

-- From version 4 on the stored body has personal data masked (by the
-- ledger, before the insert); body_sha256 is the SHA-256 of the body as
-- received. Rows written before keep their bodies and have no digest.
ALTER TABLE ledger_messages ADD COLUMN body_sha256 BYTEA;
ALTER TABLE ledger_messages ADD COLUMN body_purged_at BIGINT;

-- The journal stays append-only, with one exception: the retention purge,
-- which empties a body once and changes nothing else (every other column,
-- including any added later, compared as JSON). TRUNCATE is refused too.
CREATE OR REPLACE FUNCTION ledger_messages_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.body_purged_at IS NULL AND NEW.body_purged_at IS NOT NULL
           AND NEW.body = ''::bytea
           AND to_jsonb(NEW) - 'body' - 'body_purged_at'
               = to_jsonb(OLD) - 'body' - 'body_purged_at' THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'ledger journal is append-only';
END;
$$;
CREATE TRIGGER ledger_messages_no_truncate BEFORE TRUNCATE ON ledger_messages
FOR EACH STATEMENT EXECUTE FUNCTION ledger_messages_append_only();
