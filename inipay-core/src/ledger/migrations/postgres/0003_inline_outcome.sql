-- inipay ledger, version 3 (PostgreSQL): an outcome known when its message
-- is journaled (the one-statement path of `record`) is stored in the
-- message's own row; outcomes decided later stay in ledger_applied. A
-- message has at most one of the two; readers take whichever is there.
ALTER TABLE ledger_messages ADD COLUMN outcome TEXT;
