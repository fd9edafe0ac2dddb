// The lab driver: the conformance suite on a real SQLite file, then what only the lab promises
// (lowest-first addresses, many pods in one file, cascades, the shape of its SQL).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BottomNetwork, BottomSubnet, Filters, PodDriver, ResourceKind } from '../../main/engine/drivers/driver';
import { createLabDriver } from '../../main/engine/drivers/lab';
import { FILTER_FIELDS, listQuery, SELECT } from '../../main/engine/drivers/lab/rows';
import { openStore, type Store } from '../../main/engine/store';
import type { ErrorCode } from '../../shared/errors';
import { defineDriverSuite, errorOf } from './driver-suite';

function addPod(store: Store, region: string): string {
  const id = randomUUID();
  const now = new Date().toISOString();
  store.db
    .prepare("INSERT INTO pods (pod_id, region_name, az_name, driver, created_at, updated_at) VALUES (?, ?, ?, 'lab', ?, ?)")
    .run(id, region, `az-${region}`, now, now);
  return id;
}

async function tempStore(): Promise<{ store: Store; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'crosspod-lab-'));
  return { store: await openStore(join(dir, 'crosspod.db')), dir };
}

defineDriverSuite(
  'lab',
  async () => {
    const { store, dir } = await tempStore();
    const driver = createLabDriver(store.db, addPod(store, 'RegionOne'));
    return {
      driver,
      cleanup: async () => {
        // Everything the suite made was deleted through the driver: no row and no address is left.
        for (const t of ['lab_networks', 'lab_subnets', 'lab_ports', 'lab_port_ips', 'lab_routers', 'lab_router_ports', 'lab_floating_ips', 'ipam_subnets', 'ipam_allocations']) {
          expect(store.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get(), t).toBe(0);
        }
        store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { exactCodes: true },
);

const code = async (p: Promise<unknown>): Promise<ErrorCode> => (await errorOf(p)).code;

describe('lab driver specifics', () => {
  let store: Store;
  let dir: string;
  let podA: string;
  let podB: string;
  let a: PodDriver;
  let b: PodDriver;

  beforeEach(async () => {
    ({ store, dir } = await tempStore());
    podA = addPod(store, 'RegionOne');
    podB = addPod(store, 'RegionTwo');
    a = createLabDriver(store.db, podA);
    b = createLabDriver(store.db, podB);
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = (table: string, where = '1', ...params: unknown[]) =>
    store.db.prepare(`SELECT count(*) FROM ${table} WHERE ${where}`).pluck().get(...params) as number;

  // DHCP off: these tests count addresses, and a pod's DHCP agent would take one (see the DHCP tests).
  async function net(d: PodDriver, cidr: string, extra: Record<string, unknown> = {}): Promise<{ net: BottomNetwork; sub: BottomSubnet }> {
    const n = await d.create('network', { name: 'n', project_id: 'p', ...extra });
    const s = await d.create('subnet', { name: 's', network_id: n.id, project_id: 'p', cidr, enable_dhcp: false });
    return { net: n, sub: s };
  }

  const ext = (d: PodDriver, cidr = '162.3.124.0/24') =>
    net(d, cidr, { 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'extnet' });

  it('allocates the lowest free address, reuses freed ones, and reports SUBNET_EXHAUSTED', async () => {
    const { net: n, sub } = await net(a, '10.0.0.0/29'); // hosts .1-.6, gateway .1, pool .2-.6
    const ips: string[] = [];
    const ports = [];
    for (let i = 0; i < 5; i++) {
      const p = await a.create('port', { name: `p${i}`, network_id: n.id, project_id: 'p' });
      ports.push(p);
      ips.push(p.fixed_ips[0].ip_address);
      expect(p.fixed_ips[0].subnet_id).toBe(sub.id);
    }
    expect(ips).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    expect(await code(a.create('port', { name: 'full', network_id: n.id, project_id: 'p' }))).toBe('SUBNET_EXHAUSTED');
    await a.delete('port', ports[1].id);
    expect((await a.create('port', { name: 'reuse', network_id: n.id, project_id: 'p' })).fixed_ips).toEqual([{ subnet_id: sub.id, ip_address: '10.0.0.3' }]);
    // A subnet alone in fixed_ips gets its lowest free address too; the gateway is outside the pool.
    await a.delete('port', ports[4].id);
    const bySubnet = await a.create('port', { name: 'sub', network_id: n.id, project_id: 'p', fixed_ips: [{ subnet_id: sub.id }] });
    expect(bySubnet.fixed_ips).toEqual([{ subnet_id: sub.id, ip_address: '10.0.0.6' }]);
  });

  it('gives gateways and floating IPs the lowest free external address when none is asked for', async () => {
    const e = await ext(a);
    const int = await net(a, '10.0.1.0/24');
    const r = await a.create('router', { name: 'r', project_id: 'p' });
    const withGw = await a.addGateway(r.id, { network_id: e.net.id });
    expect(withGw.external_gateway_info).toEqual({ network_id: e.net.id, enable_snat: true, external_fixed_ips: [{ subnet_id: e.sub.id, ip_address: '162.3.124.2' }] });
    await a.addInterface(r.id, { subnet_id: int.sub.id });
    const fip = await a.create('floatingip', { floating_network_id: e.net.id, project_id: 'p' });
    expect(fip.floating_ip_address).toBe('162.3.124.3');
    // The floating IP holds its address through a network:floatingip port, as in Neutron.
    const [fport] = await a.list('port', { device_id: fip.id });
    expect(fport).toMatchObject({ device_owner: 'network:floatingip', network_id: e.net.id, project_id: '', fixed_ips: [{ subnet_id: e.sub.id, ip_address: '162.3.124.3' }] });
    expect(await code(a.delete('port', fport.id))).toBe('PORT_IN_USE');
    // An explicit address outside the pool is accepted (Neutron does too).
    const outside = await a.create('floatingip', { floating_network_id: e.net.id, project_id: 'p', floating_ip_address: '162.3.124.1' });
    expect(outside.floating_ip_address).toBe('162.3.124.1');
    // enable_snat is kept.
    const r2 = await a.create('router', { name: 'r2', project_id: 'p' });
    expect((await a.addGateway(r2.id, { network_id: e.net.id, enable_snat: false })).external_gateway_info).toMatchObject({ enable_snat: false, external_fixed_ips: [{ ip_address: '162.3.124.4' }] });
  });

  it('gives the exact codes for Neutron refusals the engine can tell apart', async () => {
    const e = await ext(a);
    const int = await net(a, '10.0.1.0/24');
    const r = await a.create('router', { name: 'r', project_id: 'p' });
    await a.addGateway(r.id, { network_id: e.net.id });
    const iface = await a.addInterface(r.id, { subnet_id: int.sub.id });
    expect(await code(a.delete('port', iface.port_id))).toBe('PORT_IN_USE');
    expect(await code(a.delete('network', int.net.id))).toBe('NETWORK_IN_USE');
    expect(await code(a.delete('subnet', int.sub.id))).toBe('SUBNET_IN_USE');
    // The gateway port keeps the external network in use too.
    expect(await code(a.delete('network', e.net.id))).toBe('NETWORK_IN_USE');
    expect(await code(a.create('subnet', { name: 'x', network_id: int.net.id, project_id: 'p', cidr: '10.0.1.0/25' }))).toBe('SUBNET_OVERLAP');
    // A second interface whose cidr overlaps one the router has.
    const other = await net(a, '10.0.1.0/24');
    expect(await code(a.addInterface(r.id, { subnet_id: other.sub.id }))).toBe('SUBNET_OVERLAP');
    // The router's gateway subnet counts as a port on that subnet.
    expect(await code(a.addInterface(r.id, { subnet_id: e.sub.id }))).toBe('ROUTER_INTERFACE_EXISTS');
    expect(await code(a.removeInterface(r.id, { subnet_id: other.sub.id }))).toBe('ROUTER_INTERFACE_NOT_FOUND');
    const p = await a.create('port', { name: 'p', network_id: int.net.id, project_id: 'p', fixed_ips: [{ ip_address: '10.0.1.4' }] });
    expect(await code(a.removeInterface(r.id, { port_id: p.id }))).toBe('ROUTER_INTERFACE_NOT_FOUND');
    expect(await code(a.create('port', { name: 'q', network_id: int.net.id, project_id: 'p', fixed_ips: [{ ip_address: '10.0.9.4' }] }))).toBe('IP_NOT_IN_SUBNET');
    expect(await code(a.create('port', { name: 'q', network_id: int.net.id, project_id: 'p', fixed_ips: [{ subnet_id: e.sub.id }] }))).toBe('BAD_REQUEST');
    expect(await code(a.create('port', { name: 'q', network_id: int.net.id, project_id: 'p', fixed_ips: [{ ip_address: 'not-an-ip' }] }))).toBe('INVALID_IP_ADDRESS');
    expect(await code(a.create('subnet', { name: 'x', network_id: int.net.id, project_id: 'p', cidr: '10.0.5.1/24' }))).toBe('INVALID_CIDR');
    const f1 = await a.create('floatingip', { floating_network_id: e.net.id, project_id: 'p', port_id: p.id });
    const f2 = await a.create('floatingip', { floating_network_id: e.net.id, project_id: 'p' });
    expect(await code(a.update('floatingip', f2.id, { port_id: p.id }))).toBe('FLOATING_IP_ASSOCIATED');
    // Re-binding the same floating IP to the same port is fine.
    expect((await a.update('floatingip', f1.id, { port_id: p.id })).fixed_ip_address).toBe('10.0.1.4');
    expect(await code(a.update('floatingip', f2.id, { port_id: p.id, fixed_ip_address: '10.0.1.5' }))).toBe('BAD_REQUEST');
    expect(await code(a.addInterface(r.id, { subnet_id: int.sub.id, port_id: p.id } as never))).toBe('BAD_REQUEST');
    expect(await code(a.setRoutes(r.id, [{ destination: '10.0.9.0/24', nexthop: '10.0.1.1' }]))).toBe('BAD_REQUEST'); // the router's own address
    expect(await code(a.setRoutes(r.id, [{ destination: '10.0.9.1/24', nexthop: '10.0.1.9' }]))).toBe('BAD_REQUEST');
    expect(await code(a.setRoutes(r.id, [{ destination: '10.0.9.0/24', nexthop: '10.0.1.9' }, { destination: '10.0.9.0/24', nexthop: '10.0.1.9' }]))).toBe('BAD_REQUEST');
  });

  it("enforces ML2's one flat network and one VLAN id per physical network, per pod", async () => {
    await ext(a);
    expect(await code(ext(a, '162.3.125.0/24'))).toBe('CONFLICT');
    await ext(b); // another pod has its own physical networks
    const vlan = { 'provider:network_type': 'vlan', 'provider:physical_network': 'bridge', 'provider:segmentation_id': 2001 };
    await a.create('network', { name: 'v', project_id: 'p', ...vlan });
    expect(await code(a.create('network', { name: 'v2', project_id: 'p', ...vlan }))).toBe('CONFLICT');
    await a.create('network', { name: 'v3', project_id: 'p', ...vlan, 'provider:segmentation_id': 2002 });
  });

  it('keeps two pods in one file apart', async () => {
    const ea = await ext(a);
    const eb = await ext(b);
    const ia = await net(a, '10.0.1.0/24');
    const ib = await net(b, '10.0.1.0/24');
    const pa = await a.create('port', { name: 'same', network_id: ia.net.id, project_id: 'p', fixed_ips: [{ ip_address: '10.0.1.4' }] });
    const pb = await b.create('port', { name: 'same', network_id: ib.net.id, project_id: 'p', fixed_ips: [{ ip_address: '10.0.1.4' }] });
    expect((await a.list('port', { name: 'same' })).map((p) => p.id)).toEqual([pa.id]);
    expect((await b.list('port', { name: 'same' })).map((p) => p.id)).toEqual([pb.id]);
    expect((await a.list('network')).map((n) => n.id)).toEqual([ea.net.id, ia.net.id]);
    expect((await b.list('network', { 'router:external': true })).map((n) => n.id)).toEqual([eb.net.id]);
    // Another pod's ids do not exist here, for reads, writes and references alike.
    expect(await code(a.get('port', pb.id))).toBe('NOT_FOUND');
    expect(await code(a.delete('network', ib.net.id))).toBe('NOT_FOUND');
    expect(await code(a.create('port', { name: 'x', network_id: ib.net.id, project_id: 'p' }))).toBe('NOT_FOUND');
    const ra = await a.create('router', { name: 'r', project_id: 'p' });
    expect(await code(a.addInterface(ra.id, { subnet_id: ib.sub.id }))).toBe('NOT_FOUND');
    expect(await code(a.addGateway(ra.id, { network_id: eb.net.id }))).toBe('NOT_FOUND');
    expect(await code(b.addInterface(ra.id, { subnet_id: ib.sub.id }))).toBe('NOT_FOUND');
    expect(await a.list('port', { id: pb.id })).toEqual([]);
  });

  it('a pod delete cascades to its lab rows and their addresses, and leaves the other pod alone', async () => {
    const e = await ext(a);
    const int = await net(a, '10.0.1.0/24');
    const r = await a.create('router', { name: 'r', project_id: 'p' });
    await a.addGateway(r.id, { network_id: e.net.id });
    await a.addInterface(r.id, { subnet_id: int.sub.id });
    await a.setRoutes(r.id, [{ destination: '10.0.9.0/24', nexthop: '10.0.1.9' }]);
    const p = await a.create('port', { name: 'vm', network_id: int.net.id, project_id: 'p' });
    await a.create('floatingip', { floating_network_id: e.net.id, project_id: 'p', port_id: p.id });
    const kept = await net(b, '10.0.1.0/24');
    await b.create('port', { name: 'vm', network_id: kept.net.id, project_id: 'p' });
    expect(count('ipam_allocations')).toBe(5); // a: gateway, interface, vm, floating IP; b: vm

    store.db.prepare('DELETE FROM pods WHERE pod_id = ?').run(podA);

    for (const t of ['lab_networks', 'lab_subnets', 'lab_ports', 'lab_port_ips', 'lab_routers', 'lab_router_ports', 'lab_floating_ips']) {
      expect(count(t, 'pod_id = ?', podA), t).toBe(0);
    }
    expect(count('ipam_subnets', 'subnet_id IN (?, ?)', e.sub.id, int.sub.id)).toBe(0);
    expect(count('ipam_allocations', 'subnet_id IN (?, ?)', e.sub.id, int.sub.id)).toBe(0);
    expect(count('ipam_free_ranges', 'subnet_id IN (?, ?)', e.sub.id, int.sub.id)).toBe(0);
    expect(count('ipam_allocations', 'subnet_id = ?', kept.sub.id)).toBe(1);
    expect(await b.list('port')).toHaveLength(1);
    // The driver of a deleted pod says so.
    expect((await a.health()).reachable).toBe(false);
    expect(await code(a.create('network', { name: 'n', project_id: 'p' }))).toBe('POD_NOT_FOUND');
  });

  it("flips router:external like Neutron: on at any time, off only while no gateway or floating IP uses it", async () => {
    const bridge = await net(a, '100.128.0.0/24');
    const r = await a.create('router', { name: 'r', project_id: 'p' });
    expect(await code(a.addGateway(r.id, { network_id: bridge.net.id }))).toBe('BAD_REQUEST');
    const flip = (on: boolean) => a.update('network', bridge.net.id, { 'router:external': on } as never);
    expect((await flip(true))['router:external']).toBe(true);
    await a.addGateway(r.id, { network_id: bridge.net.id });
    expect(await code(flip(false))).toBe('CONFLICT');
    await a.removeGateway(r.id);
    expect((await flip(false))['router:external']).toBe(false);
  });

  it('a network delete takes its subnets and their IPAM rows with it', async () => {
    const { net: n, sub } = await net(a, '10.0.1.0/24');
    expect(count('ipam_subnets', 'subnet_id = ?', sub.id)).toBe(1);
    await a.delete('network', n.id);
    expect(count('lab_subnets')).toBe(0);
    expect(count('ipam_subnets', 'subnet_id = ?', sub.id)).toBe(0);
    expect(count('ipam_free_ranges', 'subnet_id = ?', sub.id)).toBe(0);
  });

  it('runs inside a caller\'s transaction: a rollback undoes the driver\'s writes', async () => {
    const { net: n } = await net(a, '10.0.1.0/24');
    const undone = store.db.transaction(() => {
      void a.create('port', { name: 'undone', network_id: n.id, project_id: 'p', fixed_ips: [{ ip_address: '10.0.1.4' }] });
      throw new Error('roll back');
    });
    expect(() => undone()).toThrow('roll back');
    expect(await a.list('port', { name: 'undone' })).toEqual([]);
    const p = await a.create('port', { name: 'again', network_id: n.id, project_id: 'p', fixed_ips: [{ ip_address: '10.0.1.4' }] });
    expect(p.fixed_ips[0].ip_address).toBe('10.0.1.4');
  });

  it('a failed mutation leaves nothing behind (one transaction per call)', async () => {
    const e = await ext(a);
    const lonely = await net(a, '10.0.3.0/24');
    const p = await a.create('port', { name: 'p', network_id: lonely.net.id, project_id: 'p' });
    const before = count('ipam_allocations');
    expect(await code(a.create('floatingip', { floating_network_id: e.net.id, project_id: 'p', port_id: p.id }))).toBe('EXTERNAL_GATEWAY_NOT_FOUND');
    expect(count('ipam_allocations')).toBe(before);
    expect(count('lab_ports', 'network_id = ?', e.net.id)).toBe(0);
  });

  it('removing an interface by subnet keeps a port that still has addresses on other subnets', async () => {
    const n = await a.create('network', { name: 'dual', project_id: 'p' });
    const v4 = await a.create('subnet', { name: 'v4', network_id: n.id, project_id: 'p', cidr: '10.0.1.0/24', enable_dhcp: false });
    const v6 = await a.create('subnet', { name: 'v6', network_id: n.id, project_id: 'p', cidr: '2001:db8::/64', enable_dhcp: false });
    const p = await a.create('port', { name: 'dual', network_id: n.id, project_id: 'p', fixed_ips: [{ subnet_id: v4.id }, { subnet_id: v6.id }] });
    expect(p.fixed_ips).toEqual([
      { subnet_id: v4.id, ip_address: '10.0.1.2' },
      { subnet_id: v6.id, ip_address: '2001:db8::2' },
    ]);
    const r = await a.create('router', { name: 'r', project_id: 'p' });
    await a.addInterface(r.id, { port_id: p.id });
    await a.removeInterface(r.id, { subnet_id: v6.id });
    expect((await a.get('port', p.id)).fixed_ips).toEqual([{ subnet_id: v4.id, ip_address: '10.0.1.2' }]);
    await a.removeInterface(r.id, { subnet_id: v4.id });
    expect(await code(a.get('port', p.id))).toBe('NOT_FOUND');
  });

  it('many driver instances on one database are cheap and see the same pods', async () => {
    const drivers = Array.from({ length: 1000 }, () => createLabDriver(store.db, podA));
    const n = await drivers[0].create('network', { name: 'shared', project_id: 'p' });
    expect((await drivers[999].get('network', n.id)).name).toBe('shared');
    expect(await drivers[500].health()).toEqual({ reachable: true, auth: 'not-required', extensions: { router: true, 'external-net': true, extraroute: true }, error: null });
  });

  it('answers every filter the engine uses from an index on that very column', () => {
    const plan = (sql: string, params: unknown[]) =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');
    const cases: [ResourceKind, Filters][] = [
      ['network', { id: 'x' }],
      ['network', { name: 'x' }],
      ['network', { project_id: 'x' }],
      ['network', { 'router:external': true }],
      ['subnet', { id: 'x' }],
      ['subnet', { name: 'x' }],
      ['subnet', { network_id: 'x' }],
      ['subnet', { cidr: '10.0.1.0/24' }],
      ['port', { id: 'x' }],
      ['port', { name: 'x' }],
      ['port', { network_id: 'x' }],
      ['port', { device_id: 'x' }],
      ['port', { device_owner: 'network:router_interface' }],
      ['port', { project_id: 'x' }],
      ['port', { network_id: 'x', device_owner: 'network:router_interface' }],
      ['router', { id: 'x' }],
      ['router', { name: 'x' }],
      ['router', { project_id: 'x' }],
      ['floatingip', { id: 'x' }],
      ['floatingip', { floating_ip_address: '162.3.124.5' }],
      ['floatingip', { floating_network_id: 'x' }],
      ['floatingip', { floating_network_id: 'x', floating_ip_address: '162.3.124.5' }],
      ['floatingip', { port_id: 'x' }],
      ['floatingip', { router_id: 'x' }],
      ['floatingip', { fixed_ip_address: '10.0.1.4' }],
      ['floatingip', { project_id: 'x' }],
    ];
    for (const [kind, filters] of cases) {
      const q = listQuery(kind, podA, filters)!;
      const p = plan(q.sql, q.params);
      const column = FILTER_FIELDS[kind][Object.keys(filters)[0]].column;
      expect(p, `${kind} ${JSON.stringify(filters)}: ${p}`).toMatch(new RegExp(`SEARCH t USING (COVERING )?INDEX \\S+ \\([^)]*\\b${column}=\\?`));
    }
    // The whole pod: still an index on pod_id, never a scan of every pod's rows.
    for (const kind of Object.keys(SELECT) as ResourceKind[]) {
      const q = listQuery(kind, podA, {})!;
      expect(plan(q.sql, q.params)).toMatch(/SEARCH t USING (COVERING )?INDEX \S+ \(pod_id=\?/);
    }
  });
});
