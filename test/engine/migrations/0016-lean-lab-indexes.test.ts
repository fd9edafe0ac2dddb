// Migration 0016: seven indexes the associate path paid for on every write are dropped; the rows
// stay, and the lab filters they served still go through an index on the pod, not a table scan.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../main/engine/store';

const dir = mkdtempSync(join(tmpdir(), 'crosspod-mig16-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DROPPED = [
  'lab_floating_ips_pod_address',
  'lab_floating_ips_pod_fixed',
  'lab_floating_ips_pod_project',
  'lab_ports_pod_description',
  'lab_ports_pod_owner',
  'lab_ports_pod_project',
  'routings_top_type',
];
const indexNames = (db: import('better-sqlite3').Database): string[] =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name IN (" + DROPPED.map(() => '?').join(', ') + ') ORDER BY name').pluck().all(...DROPPED) as string[];
const plan = (db: import('better-sqlite3').Database, sql: string): string =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');

describe('migration 0016-lean-lab-indexes', () => {
  it('drops the seven indexes of a version-15 file, keeps its rows, and its pod filters still use an index', async () => {
    const file = join(dir, 'v15.db');
    const v15 = await openStore(file, { targetVersion: 15 });
    expect(indexNames(v15.db)).toEqual(DROPPED);
    v15.db.prepare("INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, driver, driver_config, created_at, updated_at) VALUES ('pod-1', 'Pod1', 'az1', '', '', 'lab', '{}', 'now', 'now')").run();
    v15.db
      .prepare("INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at, updated_at) VALUES ('net-top', 'net-b', 'pod-1', 'proj', 'network', 'now', 'now')")
      .run();
    v15.close();

    const s = await openStore(file, { targetVersion: 16 });
    expect(s.version).toBe(16);
    expect(indexNames(s.db)).toEqual([]);
    expect(s.db.prepare('SELECT bottom_id FROM resource_routings WHERE top_id = ? AND resource_type = ?').pluck().all('net-top', 'network')).toEqual(['net-b']);
    // Each of these filters reaches the pod's rows through an index, never a scan of every pod's.
    expect(plan(s.db, "SELECT id FROM lab_ports WHERE pod_id = 'p' AND device_owner = 'x'")).toMatch(/SEARCH lab_ports USING INDEX/);
    expect(plan(s.db, "SELECT id FROM lab_ports WHERE pod_id = 'p' AND project_id = 'x'")).toMatch(/SEARCH lab_ports USING INDEX/);
    expect(plan(s.db, "SELECT id FROM lab_floating_ips WHERE pod_id = 'p' AND fixed_ip_address = 'x'")).toMatch(/SEARCH lab_floating_ips USING INDEX/);
    expect(plan(s.db, "SELECT id FROM lab_floating_ips WHERE pod_id = 'p' AND floating_ip_address = 'x'")).toMatch(/SEARCH lab_floating_ips USING INDEX/);
    expect(plan(s.db, "SELECT * FROM resource_routings WHERE top_id = 'x' AND resource_type = 'port'")).toMatch(/SEARCH resource_routings USING (COVERING )?INDEX sqlite_autoindex_resource_routings_1 \(top_id=\?\)/);
    s.close();
  });
});
