// Migration 0006 gives every N-S bridge network the router it serves: a version-5 file's N-S
// bridge goes to the project's first router, E-W bridges and tenant networks get none.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../main/engine/store';

const T1 = '2025-01-01T00:00:00.000Z';
const T2 = '2025-01-02T00:00:00.000Z';

describe('migration 0006-ns-bridge-per-router', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-mig-0006-'));
    file = join(dir, 'crosspod.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('assigns each N-S bridge to its project’s first router and keeps every other row', async () => {
    const v5 = await openStore(file, { targetVersion: 5 });
    const db = v5.db;
    const net = db.prepare("INSERT INTO networks (id, name, project_id, bridge, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)");
    net.run('ns1', 'ns_bridge_net_proj1', 'proj1', 'ns', T1, T1);
    net.run('ew1', 'ew_bridge_net_proj1', 'proj1', 'ew', T1, T1);
    net.run('ns2', 'ns_bridge_net_proj2', 'proj2', 'ns', T1, T1);
    net.run('n1', 'net1', 'proj1', null, T1, T1);
    const router = db.prepare('INSERT INTO routers (id, name, project_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
    router.run('r-late', 'R2', 'proj1', T2, T2);
    router.run('r-first', 'R1', 'proj1', T1, T1);
    const before = db.prepare('SELECT id, name, project_id, bridge FROM networks ORDER BY id').all();
    v5.close();

    const v6 = await openStore(file, { targetVersion: 6 });
    expect(v6.version).toBe(6);
    expect(v6.db.prepare('SELECT id, name, project_id, bridge FROM networks ORDER BY id').all()).toEqual(before);
    expect(v6.db.prepare('SELECT id, bridge_router_id FROM networks ORDER BY id').all()).toEqual([
      { id: 'ew1', bridge_router_id: null },
      { id: 'n1', bridge_router_id: null },
      { id: 'ns1', bridge_router_id: 'r-first' },
      // proj2 has no router any more: its bridge belongs to nobody.
      { id: 'ns2', bridge_router_id: null },
    ]);
    const plan = (v6.db.prepare("EXPLAIN QUERY PLAN SELECT * FROM networks WHERE bridge_router_id = 'r-first'").all() as { detail: string }[]).map((r) => r.detail).join(' ');
    expect(plan).toContain('networks_bridge_router');
    v6.close();
  });
});
