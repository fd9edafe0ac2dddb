import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../main/engine/store';
import { Ipam, PrefixPool, VlanPool, normalizeSubnet } from '../../../main/engine/ipam';

const IPAM_TABLES = [
  'ipam_allocations',
  'ipam_free_ranges',
  'ipam_pools',
  'ipam_prefix_allocations',
  'ipam_prefix_free',
  'ipam_prefix_pools',
  'ipam_subnets',
  'ipam_vlan_allocations',
  'ipam_vlan_free',
  'ipam_vlan_ranges',
];

const NOW = '2025-01-01T00:00:00.000Z';

describe('migration 0002-ipam', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-mig-0002-'));
    file = join(dir, 'crosspod.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates a version-1 file with data, keeping its rows, and the new tables work', async () => {
    const v1 = await openStore(file, { targetVersion: 1 });
    expect(v1.version).toBe(1);
    const db1 = v1.db;
    const ipamTables = () =>
      (db1.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ipam\\_%' ESCAPE '\\'").pluck().all() as string[]).sort();
    expect(ipamTables()).toEqual([]);
    db1.transaction(() => {
      db1.prepare(
        `INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, driver, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'lab', ?, ?)`,
      ).run('pod-top', 'RegionOne', '', '', '', NOW, NOW);
      db1.prepare(
        `INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, driver, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'lab', ?, ?)`,
      ).run('pod-1', 'Pod1', 'az1', 'az1-pod', 'dc1', NOW, NOW);
      db1.prepare('INSERT INTO pod_bindings (id, project_id, pod_id, created_at) VALUES (?, ?, ?, ?)').run('b1', 'proj', 'pod-1', NOW);
      db1.prepare(
        `INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run('net-top', 'net-bottom', 'pod-1', 'proj', 'network', NOW, NOW);
      db1.prepare(
        'INSERT INTO async_jobs (id, type, resource_id, project_id, status, timestamp) VALUES (?, ?, ?, ?, ?, ?)',
      ).run('job-1', 'router_setup', 'router-1', 'proj', 'FAIL', NOW);
      db1.prepare(
        'INSERT INTO audit_log (at, actor, operation, input_summary, result_code) VALUES (?, ?, ?, ?, ?)',
      ).run(NOW, 'test', 'pods.create', '{}', 'OK');
      db1.prepare("INSERT INTO settings (key, value) VALUES ('lab.name', 'fixture')").run();
    })();
    v1.close();

    const latest = await openStore(file);
    try {
      const db = latest.db;
      expect(latest.version).toBeGreaterThanOrEqual(2);
      // Fixture rows survived.
      expect(db.prepare('SELECT pod_id, region_name, az_name FROM pods ORDER BY pod_id').all()).toEqual([
        { pod_id: 'pod-1', region_name: 'Pod1', az_name: 'az1' },
        { pod_id: 'pod-top', region_name: 'RegionOne', az_name: '' },
      ]);
      expect(db.prepare('SELECT bottom_id FROM resource_routings WHERE top_id = ?').pluck().get('net-top')).toBe('net-bottom');
      expect(db.prepare('SELECT status FROM async_jobs WHERE id = ?').pluck().get('job-1')).toBe('FAIL');
      expect(db.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(1);
      expect(db.prepare("SELECT value FROM settings WHERE key = 'lab.name'").pluck().get()).toBe('fixture');
      expect(db.prepare('SELECT project_id FROM pod_bindings WHERE id = ?').pluck().get('b1')).toBe('proj');

      // The new tables exist, are STRICT, and work.
      const tables = db.prepare("PRAGMA table_list").all() as { name: string; strict: number }[];
      for (const t of IPAM_TABLES) expect(tables.find((x) => x.name === t), t).toMatchObject({ strict: 1 });
      expect(() =>
        db.prepare("INSERT INTO ipam_vlan_allocations (physnet, vlan) VALUES ('p', 'not a number')").run(),
      ).toThrow();
      const ipam = new Ipam(db);
      ipam.addSubnet('subnet-1', normalizeSubnet({ cidr: '10.0.1.0/24' }));
      expect(ipam.allocate('subnet-1')).toBe('10.0.1.2');
      const prefixes = new PrefixPool(db);
      prefixes.ensurePool('ew', '100.0.0.0/9', 24);
      expect(prefixes.allocate('ew')).toBe('100.0.0.0/24');
      const vlans = new VlanPool(db);
      vlans.ensureRange('bridge', 2000, 2010);
      expect(vlans.allocate('bridge')).toBe(2000);
    } finally {
      latest.close();
    }
  });

  it('stops exactly at version 2 with the IPAM tables in place', async () => {
    const v2 = await openStore(file, { targetVersion: 2 });
    try {
      expect(v2.version).toBe(2);
      const names = (
        v2.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ipam\\_%' ESCAPE '\\'").pluck().all() as string[]
      ).sort();
      expect(names).toEqual(IPAM_TABLES);
      const ipam = new Ipam(v2.db);
      ipam.addSubnet('s', normalizeSubnet({ cidr: '2001:db8::/64' }));
      expect(ipam.allocate('s')).toBe('2001:db8::2');
    } finally {
      v2.close();
    }
    // And it carries its data on to the latest version.
    const latest = await openStore(file);
    try {
      expect(new Ipam(latest.db).allocate('s')).toBe('2001:db8::3');
    } finally {
      latest.close();
    }
  });
});
