// Migration 0012: the durable undo log (runtime/undo.ts) on a version-11 file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../main/engine/store';

const dir = mkdtempSync(join(tmpdir(), 'crosspod-mig12-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('migration 0012-undo-log', () => {
  it('adds an empty op_undo table with its (op_id, seq) index to a version-11 file', async () => {
    const file = join(dir, 'v11.db');
    const v11 = await openStore(file, { targetVersion: 11 });
    expect(v11.db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'op_undo'").pluck().get()).toBe(0);
    v11.close();
    const s = await openStore(file, { targetVersion: 12 });
    expect(s.version).toBe(12);
    expect(s.db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck().all('op_undo')).toEqual(['seq', 'op_id', 'sql']);
    expect(s.db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').pluck().all('op_undo_op')).toEqual(['op_id', 'seq']);
    expect(s.db.prepare('SELECT COUNT(*) FROM op_undo').pluck().get()).toBe(0);
    s.close();
  });
});
