// Migration 0016: the routing table's (top_id, resource_type) index, a duplicate of its UNIQUE
// key's prefix, is dropped; the rows stay and the lookups it served still search an index.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../main/engine/store';

const dir = mkdtempSync(join(tmpdir(), 'crosspod-mig16-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hasIndex = (db: import('better-sqlite3').Database): number =>
  db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'routings_top_type'").pluck().get() as number;
const plan = (db: import('better-sqlite3').Database, sql: string): string =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');

describe('migration 0016-redundant-routing-index', () => {
  it('drops routings_top_type from a version-15 file, keeps the rows, and lookups by top id still use an index', async () => {
    const file = join(dir, 'v15.db');
    const v15 = await openStore(file, { targetVersion: 15 });
    expect(hasIndex(v15.db)).toBe(1);
    v15.db.prepare("INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, driver, driver_config, created_at, updated_at) VALUES ('pod-1', 'Pod1', 'az1', '', '', 'lab', '{}', 'now', 'now')").run();
    v15.db
      .prepare("INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at, updated_at) VALUES ('net-top', 'net-b', 'pod-1', 'proj', 'network', 'now', 'now')")
      .run();
    v15.close();

    const s = await openStore(file, { targetVersion: 16 });
    expect(s.version).toBe(16);
    expect(hasIndex(s.db)).toBe(0);
    expect(s.db.prepare('SELECT bottom_id FROM resource_routings WHERE top_id = ? AND resource_type = ?').pluck().all('net-top', 'network')).toEqual(['net-b']);
    expect(plan(s.db, "SELECT * FROM resource_routings WHERE top_id = 'x' AND resource_type = 'port' AND bottom_id IS NOT NULL ORDER BY id")).toMatch(
      /SEARCH resource_routings USING INDEX sqlite_autoindex_resource_routings_1 \(top_id=\?\)/,
    );
    s.close();
  });
});
