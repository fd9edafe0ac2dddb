import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLabDriver } from '../../../main/engine/drivers/lab';
import { Ipam } from '../../../main/engine/ipam';
import { openStore } from '../../../main/engine/store';

const TOP_TABLES = ['floating_ips', 'managed_routes', 'networks', 'port_ips', 'ports', 'routers', 'subnets'];
const NOW = '2025-01-01T00:00:00.000Z';

describe('migration 0004-top', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-mig-0004-'));
    file = join(dir, 'crosspod.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const tablesLike = (db: Database.Database, names: string[]) =>
    (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (${names.map(() => '?').join(', ')}) ORDER BY name`).pluck().all(...names) as string[]);

  it('migrates a version-3 file with pods, routings and lab pods, keeping them all, and the top tables work', async () => {
    const v3 = await openStore(file, { targetVersion: 3 });
    expect(v3.version).toBe(3);
    const db3 = v3.db;
    expect(tablesLike(db3, TOP_TABLES)).toEqual([]);

    // Fixture: the reference's three pods; in Pod2 (a lab pod) an external network with a
    // subnet, a bottom router with its gateway and an interface, a VM port and a floating IP;
    // their routing rows; a job; a quota.
    const pod = db3.prepare(
      "INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, driver, created_at, updated_at) VALUES (?, ?, ?, '', '', 'lab', ?, ?)",
    );
    pod.run('pod-top', 'RegionOne', '', NOW, NOW);
    pod.run('pod-1', 'Pod1', 'az1', NOW, NOW);
    pod.run('pod-2', 'Pod2', 'az2', NOW, NOW);
    // Today's lab driver writes today's lab columns: it builds the pod in a scratch file at the
    // latest version, whose rows are then copied into the version-3 file's columns.
    const scratch = await openStore(join(dir, 'scratch.db'));
    scratch.db.prepare("INSERT INTO pods (pod_id, region_name, az_name, created_at, updated_at) VALUES ('pod-2', 'Pod2', 'az2', ?, ?)").run(NOW, NOW);
    const lab = createLabDriver(scratch.db, 'pod-2');
    const ext = await lab.create('network', { name: 'ext-top-id', project_id: 'admin', 'router:external': true });
    const extSub = await lab.create('subnet', { name: 'ext-sub-top-id', network_id: ext.id, project_id: 'admin', cidr: '162.3.124.0/24', enable_dhcp: false });
    const net = await lab.create('network', { name: 'net2-top-id#net2', project_id: 'proj1' });
    const sub = await lab.create('subnet', { name: 'sub2-top-id', network_id: net.id, project_id: 'proj1', cidr: '10.0.2.0/24', enable_dhcp: false });
    const router = await lab.create('router', { name: 'router-top-id', project_id: 'proj1' });
    await lab.addGateway(router.id, { network_id: ext.id, external_fixed_ips: [{ ip_address: '162.3.124.10' }] });
    await lab.addInterface(router.id, { subnet_id: sub.id });
    const vm = await lab.create('port', { name: 'vm-port-top-id', network_id: net.id, project_id: 'proj1', fixed_ips: [{ ip_address: '10.0.2.4' }], mac_address: 'fa:16:3e:00:02:04', device_owner: 'compute:az2' });
    const fip = await lab.create('floatingip', { floating_network_id: ext.id, project_id: 'proj1', floating_ip_address: '162.3.124.20', port_id: vm.id });
    const route = db3.prepare(
      'INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    route.run('ext-top-id', ext.id, 'pod-2', 'admin', 'network', NOW, NOW);
    route.run('ext-sub-top-id', extSub.id, 'pod-2', 'admin', 'subnet', NOW, NOW);
    route.run('router-top-id', router.id, 'pod-2', 'proj1', 'router', NOW, NOW);
    db3.prepare("INSERT INTO async_jobs (id, type, resource_id, project_id, status, timestamp) VALUES ('job-1', 'configure_extra_routes', 'router-top-id', 'proj1', 'NEW', ?)").run(NOW);
    db3.prepare("INSERT INTO quotas (project_id, resource, hard_limit) VALUES ('proj1', 'network', 3)").run();
    const before = {
      networks: await lab.list('network'),
      subnets: await lab.list('subnet'),
      ports: await lab.list('port'),
      routers: await lab.list('router'),
      fips: await lab.list('floatingip'),
    };
    // The router's gateway and interface ports, the VM port and the floating IP's port.
    expect(before.ports.map((p) => p.device_owner).sort()).toEqual(['compute:az2', 'network:floatingip', 'network:router_gateway', 'network:router_interface']);
    expect(before.fips).toEqual([expect.objectContaining({ id: fip.id, floating_ip_address: '162.3.124.20', port_id: vm.id, fixed_ip_address: '10.0.2.4', router_id: router.id })]);
    scratch.close();
    db3.prepare('ATTACH DATABASE ? AS scratch').run(join(dir, 'scratch.db'));
    for (const t of ['lab_networks', 'lab_subnets', 'lab_ports', 'lab_port_ips', 'lab_routers', 'lab_router_ports', 'lab_floating_ips', 'ipam_subnets', 'ipam_pools', 'ipam_free_ranges', 'ipam_allocations']) {
      const cols = (db3.prepare(`SELECT name FROM pragma_table_info('${t}')`).pluck().all() as string[]).join(', ');
      db3.exec(`INSERT INTO main.${t} (${cols}) SELECT ${cols} FROM scratch.${t}`);
    }
    db3.exec('DETACH DATABASE scratch');
    v3.close();

    // From version 3 through 0004 (and the later migrations, which today's lab driver needs).
    const v4 = await openStore(file);
    try {
      const db = v4.db;
      expect(v4.backupsTaken).toHaveLength(1);
      expect((db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as unknown[]).slice(0, 4)).toEqual([
        { version: 1, name: 'core' },
        { version: 2, name: 'ipam' },
        { version: 3, name: 'lab' },
        { version: 4, name: 'top' },
      ]);

      // The fixture survived, row for row.
      expect(db.prepare('SELECT pod_id, region_name, az_name FROM pods ORDER BY pod_id').all()).toEqual([
        { pod_id: 'pod-1', region_name: 'Pod1', az_name: 'az1' },
        { pod_id: 'pod-2', region_name: 'Pod2', az_name: 'az2' },
        { pod_id: 'pod-top', region_name: 'RegionOne', az_name: '' },
      ]);
      expect(db.prepare('SELECT top_id, bottom_id, resource_type FROM resource_routings ORDER BY id').all()).toEqual([
        { top_id: 'ext-top-id', bottom_id: ext.id, resource_type: 'network' },
        { top_id: 'ext-sub-top-id', bottom_id: extSub.id, resource_type: 'subnet' },
        { top_id: 'router-top-id', bottom_id: router.id, resource_type: 'router' },
      ]);
      expect(db.prepare("SELECT status FROM async_jobs WHERE id = 'job-1'").pluck().get()).toBe('NEW');
      expect(db.prepare("SELECT hard_limit FROM quotas WHERE project_id = 'proj1'").pluck().get()).toBe(3);
      const lab4 = createLabDriver(db, 'pod-2');
      expect({
        networks: await lab4.list('network'),
        subnets: await lab4.list('subnet'),
        ports: await lab4.list('port'),
        routers: await lab4.list('router'),
        fips: await lab4.list('floatingip'),
      }).toEqual(before);
      // The lab pod's IPAM carried on: the next address of its subnet skips what is taken.
      expect(new Ipam(db).allocate(sub.id)).toBe('10.0.2.2');
      // And the lab pod still works on the migrated file.
      const vm2 = await lab4.create('port', { name: 'vm2', network_id: net.id, project_id: 'proj1', fixed_ips: [{ ip_address: '10.0.2.5' }] });
      expect(vm2.fixed_ips).toEqual([{ subnet_id: sub.id, ip_address: '10.0.2.5' }]);

      // The new tables exist, are STRICT, and take rows with exact values.
      expect(tablesLike(db, TOP_TABLES)).toEqual(TOP_TABLES);
      const strict = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main'").all() as { name: string; strict: number }[];
      for (const t of TOP_TABLES) expect(strict.find((x) => x.name === t), t).toEqual({ name: t, strict: 1 });

      db.prepare(
        `INSERT INTO networks (id, name, project_id, router_external, az_hints, provider_network_type, provider_physical_network, provider_segmentation_id, created_at, updated_at)
         VALUES ('ext-top-id', 'ext-net', 'admin', 1, '["Pod2"]', 'flat', 'extern', NULL, ?, ?)`,
      ).run(NOW, NOW);
      db.prepare(
        "INSERT INTO networks (id, name, project_id, az_hints, bridge, created_at, updated_at) VALUES ('net1', 'net1', 'proj1', '[\"az1\"]', NULL, ?, ?)",
      ).run(NOW, NOW);
      db.prepare(
        `INSERT INTO subnets (id, name, network_id, project_id, cidr, ip_version, gateway_ip, allocation_pools, enable_dhcp, created_at, updated_at)
         VALUES ('ext-sub-top-id', '', 'ext-top-id', 'admin', '162.3.124.0/24', 4, '162.3.124.1', '[{"start":"162.3.124.2","end":"162.3.124.254"}]', 0, ?, ?)`,
      ).run(NOW, NOW);
      db.prepare(
        "INSERT INTO subnets (id, network_id, project_id, cidr, ip_version, gateway_ip, created_at, updated_at) VALUES ('sub1', 'net1', 'proj1', '10.0.1.0/24', 4, '10.0.1.1', ?, ?)",
      ).run(NOW, NOW);
      db.prepare(
        "INSERT INTO ports (id, network_id, project_id, mac_address, device_owner, device_id, created_at, updated_at) VALUES ('vm1', 'net1', 'proj1', 'fa:16:3e:00:01:04', 'compute:az1', 'server-1', ?, ?)",
      ).run(NOW, NOW);
      db.prepare("INSERT INTO port_ips (port_id, subnet_id, ip_address, position) VALUES ('vm1', 'sub1', '10.0.1.4', 0)").run();
      db.prepare(
        "INSERT INTO routers (id, name, project_id, gw_network_id, enable_snat, routes, created_at, updated_at) VALUES ('router-top-id', 'R', 'proj1', 'ext-top-id', 1, '[]', ?, ?)",
      ).run(NOW, NOW);
      db.prepare(
        `INSERT INTO floating_ips (id, project_id, floating_network_id, floating_subnet_id, floating_ip_address, port_id, fixed_ip_address, router_id, created_at, updated_at)
         VALUES ('fip1', 'proj1', 'ext-top-id', 'ext-sub-top-id', '162.3.124.20', 'vm1', '10.0.1.4', 'router-top-id', ?, ?)`,
      ).run(NOW, NOW);
      db.prepare("INSERT INTO managed_routes (pod_id, bottom_router_id, routes) VALUES ('pod-2', ?, '[{\"destination\":\"10.0.1.0/24\",\"nexthop\":\"100.0.0.3\"}]')").run(router.id);

      expect(db.prepare("SELECT * FROM networks WHERE id = 'net1'").get()).toEqual({
        id: 'net1',
        name: 'net1',
        project_id: 'proj1',
        router_external: 0,
        az_hints: '["az1"]',
        provider_network_type: null,
        provider_physical_network: null,
        provider_segmentation_id: null,
        admin_state_up: 1,
        shared: 0,
        status: 'ACTIVE',
        bridge: null,
        bridge_router_id: null,
        created_at: NOW,
        updated_at: NOW,
      });
      expect(db.prepare("SELECT * FROM subnets WHERE id = 'sub1'").get()).toEqual({
        id: 'sub1',
        name: '',
        network_id: 'net1',
        project_id: 'proj1',
        cidr: '10.0.1.0/24',
        ip_version: 4,
        gateway_ip: '10.0.1.1',
        allocation_pools: '[]',
        enable_dhcp: 1,
        created_at: NOW,
        updated_at: NOW,
        // 0006's columns, at their defaults.
        dns_nameservers: '[]',
        host_routes: '[]',
      });
      expect(db.prepare("SELECT * FROM ports WHERE id = 'vm1'").get()).toEqual({
        id: 'vm1',
        name: '',
        network_id: 'net1',
        project_id: 'proj1',
        mac_address: 'fa:16:3e:00:01:04',
        device_owner: 'compute:az1',
        device_id: 'server-1',
        admin_state_up: 1,
        status: 'DOWN',
        created_at: NOW,
        updated_at: NOW,
        // 0015's column, at its default.
        port_security_enabled: 1,
      });
      expect(db.prepare('SELECT * FROM port_ips').all()).toEqual([{ port_id: 'vm1', subnet_id: 'sub1', ip_address: '10.0.1.4', position: 0 }]);
      expect(db.prepare("SELECT * FROM routers WHERE id = 'router-top-id'").get()).toEqual({
        id: 'router-top-id',
        name: 'R',
        project_id: 'proj1',
        admin_state_up: 1,
        status: 'ACTIVE',
        gw_network_id: 'ext-top-id',
        gw_port_id: null,
        enable_snat: 1,
        routes: '[]',
        created_at: NOW,
        updated_at: NOW,
      });
      expect(db.prepare("SELECT * FROM floating_ips WHERE id = 'fip1'").get()).toEqual({
        id: 'fip1',
        project_id: 'proj1',
        floating_network_id: 'ext-top-id',
        floating_subnet_id: 'ext-sub-top-id',
        floating_ip_address: '162.3.124.20',
        port_id: 'vm1',
        fixed_ip_address: '10.0.1.4',
        router_id: 'router-top-id',
        status: 'DOWN',
        created_at: NOW,
        updated_at: NOW,
      });
      expect(db.prepare('SELECT * FROM managed_routes').all()).toEqual([
        { pod_id: 'pod-2', bottom_router_id: router.id, routes: '[{"destination":"10.0.1.0/24","nexthop":"100.0.0.3"}]' },
      ]);

      // STRICT typing refuses a wrong type.
      expect(() =>
        db.prepare("INSERT INTO networks (id, project_id, router_external, created_at, updated_at) VALUES ('n2', 'p', 'yes', ?, ?)").run(NOW, NOW),
      ).toThrow(/cannot store TEXT value in INTEGER column networks.router_external/);
      expect(() =>
        db.prepare("INSERT INTO subnets (id, network_id, project_id, cidr, ip_version, created_at, updated_at) VALUES ('s2', 'net1', 'p', '10.9.0.0/24', 'four', ?, ?)").run(NOW, NOW),
      ).toThrow(/cannot store TEXT value in INTEGER column subnets.ip_version/);
      expect(() => db.prepare("INSERT INTO port_ips (port_id, subnet_id, ip_address, position) VALUES ('vm1', 'sub1', '10.0.1.9', 'first')").run()).toThrow(
        /cannot store TEXT value in INTEGER column port_ips.position/,
      );
      // Keys and constraints.
      expect(() => db.prepare("INSERT INTO port_ips (port_id, subnet_id, ip_address, position) VALUES ('vm1', 'sub1', '10.0.1.4', 1)").run()).toThrow(
        /UNIQUE constraint failed: port_ips.subnet_id, port_ips.ip_address/,
      );
      expect(() =>
        db.prepare("INSERT INTO subnets (id, network_id, project_id, cidr, ip_version, created_at, updated_at) VALUES ('s3', 'no-net', 'p', '10.9.0.0/24', 4, ?, ?)").run(NOW, NOW),
      ).toThrow(/FOREIGN KEY constraint failed/);
      expect(() =>
        db.prepare("INSERT INTO ports (id, network_id, project_id, mac_address, created_at, updated_at) VALUES ('vm2', 'net1', 'proj1', 'fa:16:3e:00:01:04', ?, ?)").run(NOW, NOW),
      ).toThrow(/UNIQUE constraint failed: ports.mac_address/);
      expect(() =>
        db.prepare(
          "INSERT INTO floating_ips (id, project_id, floating_network_id, floating_subnet_id, floating_ip_address, created_at, updated_at) VALUES ('fip2', 'proj1', 'ext-top-id', 'ext-sub-top-id', '162.3.124.20', ?, ?)",
        ).run(NOW, NOW),
      ).toThrow(/UNIQUE constraint failed: floating_ips.floating_network_id, floating_ips.floating_ip_address/);
      expect(() => db.prepare("INSERT INTO networks (id, project_id, bridge, created_at, updated_at) VALUES ('b', 'p', 'both', ?, ?)").run(NOW, NOW)).toThrow(
        /CHECK constraint failed/,
      );
      // A port's addresses go with it; a pod's managed routes go with the pod.
      db.prepare("DELETE FROM floating_ips WHERE id = 'fip1'").run();
      db.prepare("DELETE FROM ports WHERE id = 'vm1'").run();
      expect(db.prepare('SELECT COUNT(*) FROM port_ips').pluck().get()).toBe(0);
      db.prepare("DELETE FROM resource_routings WHERE pod_id = 'pod-2'").run();
      db.prepare("DELETE FROM pods WHERE pod_id = 'pod-2'").run();
      expect(db.prepare('SELECT COUNT(*) FROM managed_routes').pluck().get()).toBe(0);
      expect(db.prepare("SELECT COUNT(*) FROM lab_networks WHERE pod_id = 'pod-2'").pluck().get()).toBe(0);
    } finally {
      v4.close();
    }
  });

  it('version 3 has the lab tables but none of the top tables; version 4 adds exactly them', async () => {
    const v3 = await openStore(file, { targetVersion: 3 });
    const at3 = v3.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    expect(at3).toContain('lab_networks');
    expect(tablesLike(v3.db, TOP_TABLES)).toEqual([]);
    v3.close();
    const v4 = await openStore(file, { targetVersion: 4 });
    try {
      const at4 = v4.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
      expect(at4.filter((n) => !at3.includes(n))).toEqual(TOP_TABLES);
      expect(at3.filter((n) => !at4.includes(n))).toEqual([]);
    } finally {
      v4.close();
    }
  });
});
