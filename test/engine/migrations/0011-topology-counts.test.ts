// Migrations 0010 and 0011: the view-state table, and the topology counts back-filled from the rows
// a version-9 file already holds, then kept by triggers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../main/engine/store';

const NOW = '2025-01-01T00:00:00.000Z';

describe('migrations 0010-view-state and 0011-topology-counts', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-mig-0011-'));
    file = join(dir, 'crosspod.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('back-fills the port and floating-IP counts of a version-9 file and keeps them with its rows', async () => {
    const v9 = await openStore(file, { targetVersion: 9 });
    const db = v9.db;
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
    v9.close();

    const s = await openStore(file, { targetVersion: 11 });
    expect(s.version).toBe(11);
    expect(s.db.prepare('SELECT network_id, n FROM topo_port_counts ORDER BY network_id').all()).toEqual([
      { network_id: 'ext', n: 1 },
      { network_id: 'net1', n: 2 },
    ]);
    expect(s.db.prepare('SELECT ext_network_id, port_network_id, project_id, n FROM topo_fip_groups').all()).toEqual([{ ext_network_id: 'ext', port_network_id: 'net1', project_id: 'proj1', n: 1 }]);
    s.db.prepare("UPDATE floating_ips SET port_id = NULL, fixed_ip_address = NULL WHERE id = 'f'").run();
    expect(s.db.prepare('SELECT port_network_id, n FROM topo_fip_groups').all()).toEqual([{ port_network_id: '', n: 1 }]);
    s.db.prepare("DELETE FROM floating_ips WHERE id = 'f'").run();
    s.db.prepare("DELETE FROM ports WHERE id = 'vm'").run();
    expect(s.db.prepare('SELECT COUNT(*) FROM topo_fip_groups').pluck().get()).toBe(0);
    expect(s.db.prepare("SELECT n FROM topo_port_counts WHERE network_id = 'net1'").pluck().get()).toBe(1);
    s.db.prepare("INSERT INTO view_state (view, state, updated_at) VALUES ('topology:estate', '{}', ?)").run(NOW);
    expect(s.db.prepare('SELECT view FROM view_state').pluck().all()).toEqual(['topology:estate']);
    s.close();
  });
});
