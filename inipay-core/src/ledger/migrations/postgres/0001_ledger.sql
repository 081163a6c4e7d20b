-- inipay ledger, version 1 (PostgreSQL). Amounts in won, instants in Unix milliseconds.

CREATE TABLE ledger_payments (
    order_id            TEXT   PRIMARY KEY NOT NULL,
    mid                 TEXT   NOT NULL,
    amount              BIGINT NOT NULL CHECK (amount >= 0),
    state               TEXT   NOT NULL,
    tid                 TEXT   UNIQUE,
    auth_tid            TEXT,
    refunded            BIGINT NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
    net_cancel_failures BIGINT NOT NULL DEFAULT 0,
    acknowledged_at     BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    version             BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ledger_payments_state ON ledger_payments (state, created_at, order_id);
CREATE INDEX ledger_payments_auth_tid ON ledger_payments (auth_tid);

-- The journal: append-only (the trigger refuses UPDATE and DELETE).
CREATE TABLE ledger_messages (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           BIGINT NOT NULL,
    direction    TEXT   NOT NULL,
    kind         TEXT   NOT NULL,
    order_id     TEXT,
    tid          TEXT,
    charset      TEXT   NOT NULL,
    body         BYTEA  NOT NULL,
    masked       TEXT,
    result_code  TEXT,
    intent       TEXT,
    intent_order TEXT
);
CREATE INDEX ledger_messages_order ON ledger_messages (order_id);
CREATE INDEX ledger_messages_intent_order ON ledger_messages (intent_order);
CREATE FUNCTION ledger_messages_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger journal is append-only';
END;
$$;
CREATE TRIGGER ledger_messages_append_only BEFORE UPDATE OR DELETE ON ledger_messages
FOR EACH ROW EXECUTE FUNCTION ledger_messages_append_only();

-- What applying each journaled event did (at most one outcome per message).
CREATE TABLE ledger_applied (
    message_id BIGINT PRIMARY KEY NOT NULL REFERENCES ledger_messages (id),
    outcome    TEXT   NOT NULL,
    at         BIGINT NOT NULL
);

-- Applied events under their unique INICIS-derived key (the outcome of the
-- message that applied it is in ledger_applied).
CREATE TABLE ledger_transitions (
    event_key  TEXT   PRIMARY KEY NOT NULL,
    order_id   TEXT   NOT NULL,
    message_id BIGINT NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX ledger_transitions_order ON ledger_transitions (order_id);

-- Billing keys, sealed with AES-256-GCM; never plain text.
CREATE TABLE ledger_billkeys (
    order_id   TEXT   PRIMARY KEY NOT NULL,
    mid        TEXT   NOT NULL,
    tid        TEXT,
    key_id     TEXT   NOT NULL,
    nonce      BYTEA  NOT NULL,
    ciphertext BYTEA  NOT NULL,
    at         BIGINT NOT NULL
);
