// Migration 0014: the lab's own settings (bridge pools, VLAN range, physnet) on a version-13 file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../main/engine/store';

const dir = mkdtempSync(join(tmpdir(), 'crosspod-mig14-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('migration 0014-lab-settings', () => {
  it('adds an empty lab_settings key/value table to a version-13 file, keeping what it held', async () => {
    const file = join(dir, 'v13.db');
    const v13 = await openStore(file, { targetVersion: 13 });
    expect(v13.db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'lab_settings'").pluck().get()).toBe(0);
    v13.db.prepare("INSERT INTO networks (id, name, project_id, az_hints, created_at, updated_at) VALUES ('net1', 'net1', 'proj1', '[]', 'now', 'now')").run();
    v13.close();
    const s = await openStore(file, { targetVersion: 14 });
    expect(s.version).toBe(14);
    expect(s.db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck().all('lab_settings')).toEqual(['key', 'value']);
    expect(s.db.prepare('SELECT COUNT(*) FROM lab_settings').pluck().get()).toBe(0);
    expect(s.db.prepare('SELECT name FROM networks').pluck().all()).toEqual(['net1']);
    s.db.prepare("INSERT INTO lab_settings (key, value) VALUES ('bridge', '{}')").run();
    expect(() => s.db.prepare("INSERT INTO lab_settings (key, value) VALUES ('bridge', '{}')").run()).toThrow(/UNIQUE|PRIMARY/);
    s.close();
  });
});
