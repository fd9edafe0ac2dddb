-- The undo log of running operations (main/engine/runtime/undo.ts). An operation that drives a
-- remote pod commits its top writes as it goes, so no write transaction stays open across a
-- remote call; TEMP triggers on the writer connection record here, in the same statement, the
-- SQL that puts each changed row back. A failed operation applies its rows in reverse; recovery
-- does the same for an operation a crash interrupted. The operation's last short transaction
-- deletes its rows (with its commit marker): rows left here belong to an unfinished operation.
CREATE TABLE op_undo (
  seq INTEGER PRIMARY KEY,
  op_id TEXT NOT NULL,
  sql TEXT NOT NULL
) STRICT;
CREATE INDEX op_undo_op ON op_undo (op_id, seq);
