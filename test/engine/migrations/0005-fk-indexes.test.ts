// Migration 0005 adds indexes only: a version-4 file with top rows keeps them, and the deletes'
// foreign-key checks and the floating-IP router lookup now use the indexes instead of scans.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../main/engine/store';

const NOW = '2025-01-01T00:00:00.000Z';

describe('migration 0005-fk-indexes', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-mig-0005-'));
    file = join(dir, 'crosspod.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a version-4 file’s networks, subnets, ports, routers and floating IPs, and indexes them', async () => {
    const v4 = await openStore(file, { targetVersion: 4 });
    const db = v4.db;
    db.prepare("INSERT INTO networks (id, name, project_id, router_external, az_hints, created_at, updated_at) VALUES ('ext', 'ext-net', 'admin', 1, '[\"Pod2\"]', ?, ?)").run(NOW, NOW);
    db.prepare("INSERT INTO networks (id, name, project_id, az_hints, created_at, updated_at) VALUES ('net1', 'net1', 'proj1', '[\"az1\"]', ?, ?)").run(NOW, NOW);
    db.prepare("INSERT INTO subnets (id, network_id, project_id, cidr, ip_version, gateway_ip, created_at, updated_at) VALUES ('extsub', 'ext', 'admin', '162.3.124.0/24', 4, '162.3.124.1', ?, ?)").run(NOW, NOW);
    db.prepare("INSERT INTO subnets (id, network_id, project_id, cidr, ip_version, gateway_ip, created_at, updated_at) VALUES ('sub1', 'net1', 'proj1', '10.0.1.0/24', 4, '10.0.1.1', ?, ?)").run(NOW, NOW);
    db.prepare("INSERT INTO routers (id, name, project_id, created_at, updated_at) VALUES ('r', 'R', 'proj1', ?, ?)").run(NOW, NOW);
    const port = db.prepare("INSERT INTO ports (id, network_id, project_id, mac_address, device_owner, device_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    port.run('gw', 'ext', 'proj1', 'fa:16:3e:00:00:01', 'network:router_gateway', 'r', NOW, NOW);
    port.run('rif', 'net1', 'proj1', 'fa:16:3e:00:00:02', 'network:router_interface', 'r', NOW, NOW);
    port.run('vm', 'net1', 'proj1', 'fa:16:3e:00:01:04', '', '', NOW, NOW);
    const ip = db.prepare('INSERT INTO port_ips (port_id, subnet_id, ip_address, position) VALUES (?, ?, ?, 0)');
    ip.run('gw', 'extsub', '162.3.124.2');
    ip.run('rif', 'sub1', '10.0.1.1');
    ip.run('vm', 'sub1', '10.0.1.4');
    db.prepare("UPDATE routers SET gw_network_id = 'ext', gw_port_id = 'gw' WHERE id = 'r'").run();
    db.prepare("INSERT INTO floating_ips (id, project_id, floating_network_id, floating_subnet_id, floating_ip_address, port_id, fixed_ip_address, router_id, created_at, updated_at) VALUES ('f', 'proj1', 'ext', 'extsub', '162.3.124.5', 'vm', '10.0.1.4', 'r', ?, ?)").run(NOW, NOW);
    const snapshot = (d: typeof db) => ['networks', 'subnets', 'ports', 'port_ips', 'routers', 'floating_ips'].map((t) => d.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all());
    const before = snapshot(db);
    v4.close();

    const v5 = await openStore(file, { targetVersion: 5 });
    expect(v5.version).toBe(5);
    expect(v5.backupsTaken).toHaveLength(1);
    expect(snapshot(v5.db)).toEqual(before);
    const plan = (sql: string) => (v5.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    expect(plan("SELECT 1 FROM routers WHERE gw_port_id = 'gw'")).toContain('routers_gw_port');
    expect(plan("SELECT 1 FROM floating_ips WHERE floating_subnet_id = 'extsub'")).toContain('fips_subnet');
    expect(plan("SELECT 1 FROM port_ips WHERE subnet_id = 'sub1'")).toMatch(/port_ips_subnet|sqlite_autoindex_port_ips_2/);
    // The router between sub1 and ext, as the engine looks it up.
    const r = v5.db
      .prepare(
        `SELECT r.id FROM port_ips i JOIN ports p ON p.id = i.port_id AND p.device_owner = 'network:router_interface'
         JOIN routers r ON r.id = p.device_id WHERE i.subnet_id = ? AND r.gw_network_id = ? ORDER BY r.created_at LIMIT 1`,
      )
      .get('sub1', 'ext');
    expect(r).toEqual({ id: 'r' });
    v5.close();
  });
});
