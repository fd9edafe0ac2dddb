-- Commit markers of journaled operations (main/engine/runtime/journal.ts). An operation that
-- drove a remote bottom pod inserts its id here inside its own transaction, so after a crash
-- recovery can tell an operation that committed from one that rolled back. Markers go once the
-- journal has forgotten the operation.
CREATE TABLE journal_commits (
  op_id TEXT PRIMARY KEY,
  committed_at TEXT NOT NULL
) STRICT;
