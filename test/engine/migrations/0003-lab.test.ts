import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLabDriver } from '../../../main/engine/drivers/lab';
import { Ipam, normalizeSubnet } from '../../../main/engine/ipam';
import { loadMigrations, openStore } from '../../../main/engine/store';

const LAB_TABLES = ['lab_floating_ips', 'lab_networks', 'lab_port_ips', 'lab_ports', 'lab_router_ports', 'lab_routers', 'lab_subnets'];
const NOW = '2025-01-01T00:00:00.000Z';

describe('migration 0003-lab', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-mig-0003-'));
    file = join(dir, 'crosspod.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A version-2 file as Crosspod wrote it: pods, a binding, routings, a top subnet's addresses. */
  async function version2Fixture(): Promise<void> {
    const v2 = await openStore(file, { targetVersion: 2 });
    expect(v2.version).toBe(2);
    const db = v2.db;
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name LIKE 'lab\\_%' ESCAPE '\\'").pluck().get()).toBe(0);
    const pod = db.prepare(
      `INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, driver, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'lab', ?, ?)`,
    );
    db.transaction(() => {
      pod.run('pod-top', 'RegionOne', '', '', '', NOW, NOW);
      pod.run('pod-1', 'Pod1', 'az1', 'az1-pod', 'dc1', NOW, NOW);
      pod.run('pod-2', 'Pod2', 'az2', 'az2-pod', 'dc1', NOW, NOW);
      db.prepare('INSERT INTO pod_bindings (id, project_id, pod_id, created_at) VALUES (?, ?, ?, ?)').run('b2', 'proj', 'pod-2', NOW);
      db.prepare(
        `INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run('net-top', 'net-bottom', 'pod-2', 'proj', 'network', NOW, NOW);
      const ipam = new Ipam(db);
      ipam.addSubnet('top-subnet', normalizeSubnet({ cidr: '10.0.1.0/24' }));
      ipam.allocate('top-subnet');
      ipam.allocate('top-subnet', '10.0.1.9');
    })();
    v2.close();
  }

  it('migrates a version-2 file with data to the latest schema, keeping its rows; the lab tables work on old pods', async () => {
    await version2Fixture();
    const latest = await openStore(file);
    try {
      const db = latest.db;
      expect(latest.version).toBe(loadMigrations().length);
      expect(latest.backupsTaken).toHaveLength(1);
      expect(db.prepare('SELECT name FROM schema_migrations WHERE version = 3').pluck().get()).toBe('lab');

      // The fixture rows survived.
      expect(db.prepare('SELECT pod_id, region_name, az_name FROM pods ORDER BY pod_id').all()).toEqual([
        { pod_id: 'pod-1', region_name: 'Pod1', az_name: 'az1' },
        { pod_id: 'pod-2', region_name: 'Pod2', az_name: 'az2' },
        { pod_id: 'pod-top', region_name: 'RegionOne', az_name: '' },
      ]);
      expect(db.prepare('SELECT bottom_id FROM resource_routings WHERE top_id = ?').pluck().get('net-top')).toBe('net-bottom');
      const ipam = new Ipam(db);
      expect(ipam.allocatedCount('top-subnet')).toBe(2);
      expect(ipam.isAllocated('top-subnet', '10.0.1.9')).toBe(true);

      // The new tables exist, empty and STRICT, with the IPAM trigger.
      const tables = db.prepare('PRAGMA table_list').all() as { name: string; strict: number }[];
      for (const t of LAB_TABLES) {
        expect(tables.find((x) => x.name === t), t).toMatchObject({ strict: 1 });
        expect(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get(), t).toBe(0);
      }
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'lab_subnets'").pluck().all()).toEqual(['lab_subnets_drop_ipam']);
      expect(() => db.prepare("INSERT INTO lab_networks (id, pod_id, router_external) VALUES ('n', 'pod-1', 'yes')").run()).toThrow();
      expect(() => db.prepare("INSERT INTO lab_networks (id, pod_id) VALUES ('n', 'no-such-pod')").run()).toThrow(/FOREIGN KEY/);

      // A lab driver on a pod that existed before the migration.
      const d = createLabDriver(db, 'pod-1');
      const net = await d.create('network', { name: 'n', project_id: 'proj' });
      const sub = await d.create('subnet', { name: 's', network_id: net.id, project_id: 'proj', cidr: '10.0.1.0/24', enable_dhcp: false });
      const port = await d.create('port', { name: 'p', network_id: net.id, project_id: 'proj' });
      // Same cidr as the top subnet, separate addresses: the lab's subnet has its own IPAM rows.
      expect(port.fixed_ips).toEqual([{ subnet_id: sub.id, ip_address: '10.0.1.2' }]);
      expect(ipam.allocatedCount(sub.id)).toBe(1);

      // Deleting the old pod cascades to its lab rows and their IPAM rows only.
      db.prepare('DELETE FROM pods WHERE pod_id = ?').run('pod-1');
      for (const t of LAB_TABLES) expect(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get(), t).toBe(0);
      expect(db.prepare('SELECT count(*) FROM ipam_subnets WHERE subnet_id = ?').pluck().get(sub.id)).toBe(0);
      expect(ipam.allocatedCount('top-subnet')).toBe(2);
    } finally {
      latest.close();
    }
  });

  it('stops exactly at version 3, and reopening applies nothing more than the later migrations', async () => {
    await version2Fixture();
    const v3 = await openStore(file, { targetVersion: 3 });
    try {
      expect(v3.version).toBe(3);
      const names = (v3.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'lab\\_%' ESCAPE '\\'").pluck().all() as string[]).sort();
      expect(names).toEqual(LAB_TABLES);
      // A row as version 3's lab_networks holds it (today's driver writes later columns too).
      v3.db.prepare("INSERT INTO lab_networks (id, pod_id, name, project_id) VALUES ('kept-id', 'pod-2', 'kept', 'proj')").run();
    } finally {
      v3.close();
    }
    const latest = await openStore(file);
    try {
      expect(latest.version).toBe(loadMigrations().length);
      expect((await createLabDriver(latest.db, 'pod-2').list('network', { name: 'kept' })).map((n) => n.name)).toEqual(['kept']);
      expect(latest.db.prepare('SELECT count(*) FROM schema_migrations WHERE version = 3').pluck().get()).toBe(1);
    } finally {
      latest.close();
    }
  });
});
