// Migration 0008 adds the journal's commit markers: a version-7 file keeps its rows, and the new
// table takes one marker per operation id.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../main/engine/store';

describe('migration 0008-journal', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-mig-0008-'));
    file = join(dir, 'crosspod.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a version-7 file’s pods and adds journal_commits, one marker per operation', async () => {
    const v7 = await openStore(file, { targetVersion: 7 });
    v7.db.prepare("INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, driver, created_at, updated_at) VALUES ('p', 'RegionOne', '', '', '', 'lab', 't', 't')").run();
    v7.close();
    const v8 = await openStore(file, { targetVersion: 8 });
    expect(v8.version).toBe(8);
    expect(v8.db.prepare('SELECT region_name FROM pods').pluck().all()).toEqual(['RegionOne']);
    v8.db.prepare("INSERT INTO journal_commits (op_id, committed_at) VALUES ('op-1', 't')").run();
    expect(() => v8.db.prepare("INSERT INTO journal_commits (op_id, committed_at) VALUES ('op-1', 't')").run()).toThrow(/UNIQUE|PRIMARY/);
    v8.close();
  });
});
