-- inipay ledger, version 3 (SQLite): an outcome known when its message is
-- journaled may be stored in the message's own row; outcomes decided later
-- stay in ledger_applied. A message has at most one of the two; readers
-- take whichever is there. (The SQLite store writes ledger_applied only;
-- the column keeps both schemas and their queries alike.)
ALTER TABLE ledger_messages ADD COLUMN outcome TEXT;
