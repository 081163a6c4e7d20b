-- inipay ledger, version 2 (PostgreSQL): less work per recorded event.
-- Measured with bench/ledger.sh; nothing is dropped that a query reads.

-- Nothing looks event keys up by order.
DROP INDEX ledger_transitions_order;

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

-- The outcome's reference to its message was checked by a trigger on every
-- insert. Outcomes are written only by the ledger, in the statement or
-- transaction that holds the message's id, and the journal refuses DELETE,
-- so the check could never fail.
ALTER TABLE ledger_applied DROP CONSTRAINT ledger_applied_message_id_fkey;

-- The fast path of `record` (one statement) aborts itself with this error
-- when a concurrent writer changed the payment or claimed the event between
-- its read and its write; the ledger then records the message step by step.
CREATE FUNCTION ledger_fast_path_conflict() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: payment or event changed concurrently' USING ERRCODE = 'IL001';
END;
$$;
