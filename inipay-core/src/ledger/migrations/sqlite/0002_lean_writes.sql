-- inipay ledger, version 2 (SQLite): fewer pages written per recorded event.
-- Measured with bench/ledger.sh; nothing is dropped that a query reads.

-- Nothing looks event keys up by order: the index only cost a page per event.
DROP INDEX ledger_transitions_order;

-- Event keys are only ever looked up by key: keep them in the key's own
-- B-tree (WITHOUT ROWID) instead of a rowid table plus a unique index.
CREATE TABLE ledger_transitions_v2 (
    event_key  TEXT    PRIMARY KEY NOT NULL,
    order_id   TEXT    NOT NULL,
    message_id INTEGER NOT NULL,
    at         INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO ledger_transitions_v2 (event_key, order_id, message_id, at)
    SELECT event_key, order_id, message_id, at FROM ledger_transitions;
DROP TABLE ledger_transitions;
ALTER TABLE ledger_transitions_v2 RENAME TO ledger_transitions;

-- From version 2 on, `intent_order` is stored only when it differs from the
-- message's own `order_id` (older rows keep theirs; queries read both
-- columns), and `auth_tid` is NULL until an authentication names it: index
-- only the rows that have one.
DROP INDEX ledger_messages_intent_order;
CREATE INDEX ledger_messages_intent_order ON ledger_messages (intent_order)
    WHERE intent_order IS NOT NULL;
DROP INDEX ledger_payments_auth_tid;
CREATE INDEX ledger_payments_auth_tid ON ledger_payments (auth_tid)
    WHERE auth_tid IS NOT NULL;
