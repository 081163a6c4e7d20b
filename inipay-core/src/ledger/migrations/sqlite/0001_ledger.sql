-- inipay ledger, version 1 (SQLite). Amounts in won, instants in Unix milliseconds.

CREATE TABLE ledger_payments (
    order_id            TEXT    PRIMARY KEY NOT NULL,
    mid                 TEXT    NOT NULL,
    amount              INTEGER NOT NULL CHECK (amount >= 0),
    state               TEXT    NOT NULL,
    tid                 TEXT    UNIQUE,
    auth_tid            TEXT,
    refunded            INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
    net_cancel_failures INTEGER NOT NULL DEFAULT 0,
    acknowledged_at     INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    version             INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ledger_payments_state ON ledger_payments (state, created_at, order_id);
CREATE INDEX ledger_payments_auth_tid ON ledger_payments (auth_tid);

-- The journal: append-only (the triggers refuse UPDATE and DELETE).
CREATE TABLE ledger_messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    direction    TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    order_id     TEXT,
    tid          TEXT,
    charset      TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    masked       TEXT,
    result_code  TEXT,
    intent       TEXT,
    intent_order TEXT
);
CREATE INDEX ledger_messages_order ON ledger_messages (order_id);
CREATE INDEX ledger_messages_intent_order ON ledger_messages (intent_order);
CREATE TRIGGER ledger_messages_no_update BEFORE UPDATE ON ledger_messages
BEGIN SELECT RAISE(ABORT, 'ledger journal is append-only'); END;
CREATE TRIGGER ledger_messages_no_delete BEFORE DELETE ON ledger_messages
BEGIN SELECT RAISE(ABORT, 'ledger journal is append-only'); END;

-- What applying each journaled event did (at most one outcome per message).
CREATE TABLE ledger_applied (
    message_id INTEGER PRIMARY KEY NOT NULL REFERENCES ledger_messages (id),
    outcome    TEXT    NOT NULL,
    at         INTEGER NOT NULL
);

-- Applied events under their unique INICIS-derived key (the outcome of the
-- message that applied it is in ledger_applied).
CREATE TABLE ledger_transitions (
    event_key  TEXT    PRIMARY KEY NOT NULL,
    order_id   TEXT    NOT NULL,
    message_id INTEGER NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX ledger_transitions_order ON ledger_transitions (order_id);

-- Billing keys, sealed with AES-256-GCM; never plain text.
CREATE TABLE ledger_billkeys (
    order_id   TEXT    PRIMARY KEY NOT NULL,
    mid        TEXT    NOT NULL,
    tid        TEXT,
    key_id     TEXT    NOT NULL,
    nonce      BLOB    NOT NULL,
    ciphertext BLOB    NOT NULL,
    at         INTEGER NOT NULL
);
