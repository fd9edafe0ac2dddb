// Migration 0009 adds columns with defaults and two tables: a version-8 file keeps every row, the
// old subnets read with no DNS servers or host routes, the old lab copies with an empty
// description (so §5 recovery finds them by name, as before), and a lab pod works on at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLabDriver } from '../../../main/engine/drivers/lab';
import { openStore } from '../../../main/engine/store';

const NOW = '2025-01-01T00:00:00.000Z';

describe('migration 0009-updates-dhcp', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-mig-0009-'));
    file = join(dir, 'crosspod.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a version-8 file’s top and lab rows, with the new columns at their defaults', async () => {
    const v8 = await openStore(file, { targetVersion: 8 });
    const db = v8.db;
    db.prepare("INSERT INTO pods (pod_id, region_name, az_name, created_at, updated_at) VALUES ('pod-1', 'Pod1', 'az1', ?, ?)").run(NOW, NOW);
    db.prepare("INSERT INTO networks (id, name, project_id, az_hints, created_at, updated_at) VALUES ('net1', 'net1', 'proj1', '[\"az1\"]', ?, ?)").run(NOW, NOW);
    db.prepare("INSERT INTO subnets (id, network_id, project_id, cidr, ip_version, gateway_ip, created_at, updated_at) VALUES ('sub1', 'net1', 'proj1', '10.0.1.0/24', 4, '10.0.1.1', ?, ?)").run(NOW, NOW);
    db.prepare("INSERT INTO lab_networks (id, pod_id, name, project_id) VALUES ('bnet', 'pod-1', 'net1#net1', 'proj1')").run();
    db.prepare("INSERT INTO lab_subnets (id, pod_id, network_id, name, project_id, cidr, ip_version, gateway_ip) VALUES ('bsub', 'pod-1', 'bnet', 'sub1', 'proj1', '10.0.1.0/24', 4, '10.0.1.1')").run();
    db.prepare("INSERT INTO lab_ports (id, pod_id, network_id, name, project_id, mac_address) VALUES ('bport', 'pod-1', 'bnet', 'vm', 'proj1', 'fa:16:3e:00:01:04')").run();
    db.prepare("INSERT INTO lab_routers (id, pod_id, name, project_id) VALUES ('brouter', 'pod-1', 'r', 'proj1')").run();
    v8.close();

    const v9 = await openStore(file, { targetVersion: 9 });
    try {
      expect(v9.version).toBe(9);
      const d = v9.db;
      expect(d.prepare("SELECT dns_nameservers, host_routes FROM subnets WHERE id = 'sub1'").get()).toEqual({ dns_nameservers: '[]', host_routes: '[]' });
      for (const t of ['lab_networks', 'lab_subnets', 'lab_ports', 'lab_routers']) {
        expect(d.prepare(`SELECT description FROM ${t}`).pluck().all(), t).toEqual(['']);
      }
      const strict = d.prepare("SELECT name, strict FROM pragma_table_list WHERE name IN ('dhcp_reservations', 'lab_dhcp_pending') ORDER BY name").all();
      expect(strict).toEqual([
        { name: 'dhcp_reservations', strict: 1 },
        { name: 'lab_dhcp_pending', strict: 1 },
      ]);
      // A reservation goes with its subnet.
      d.prepare("INSERT INTO dhcp_reservations (subnet_id, ip_address) VALUES ('sub1', '10.0.1.2')").run();
      expect(() => d.prepare("INSERT INTO dhcp_reservations (subnet_id, ip_address) VALUES ('nope', '10.0.1.2')").run()).toThrow(/FOREIGN KEY/);
      d.prepare("DELETE FROM subnets WHERE id = 'sub1'").run();
      expect(d.prepare('SELECT COUNT(*) FROM dhcp_reservations').pluck().get()).toBe(0);
      // The lab pod reads its old rows and takes new ones.
      const lab = createLabDriver(d, 'pod-1');
      expect((await lab.get('subnet', 'bsub')).dns_nameservers).toEqual([]);
      expect((await lab.list('network', { description: '' })).map((n) => n.id)).toEqual(['bnet']);
      const keyed = await lab.create('network', { name: 'n2', project_id: 'proj1', description: 'crosspod:network:n2' });
      expect((await lab.list('network', { description: 'crosspod:network:n2' })).map((n) => n.id)).toEqual([keyed.id]);
    } finally {
      v9.close();
    }
  });
});
