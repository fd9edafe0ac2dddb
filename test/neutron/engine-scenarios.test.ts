// The L3 engine's scenarios with Pod1 and Pod2 on real Neutron servers: the worked example of the
// reference (§12), the same-pod variant, disassociate / delete / re-associate, and a failure
// injected part-way. The same addresses and routing rows as on lab pods, and what Neutron itself
// holds read back after each step.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEngine } from '../../main/engine';
import type { PodDriver } from '../../main/engine/drivers/driver';
import { createNeutronDriver } from '../../main/engine/drivers/neutron';
import type { Engine } from '../../main/engine/types';
import { CrosspodError } from '../../shared/errors';
import type { Network, Port, Router, Subnet } from '../../shared/model';
import { semanticSnapshot } from '../engine/support/faults';
import { tapDriver } from '../engine/support/engine';

const pods = inject('neutronPods');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface World {
  engine: Engine;
  uid: string;
  proj: string;
  admin: string;
  neutron: Record<'Pod1' | 'Pod2', PodDriver>;
  plan: { failAt: number; calls: number; neutronCalls: number };
}

/** An engine whose bottom pods are the real Neutron servers; each world its own VLAN range. */
async function world(vlanBase: number): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'crosspod-neutron-'));
  dirs.push(dir);
  const plan = { failAt: 0, calls: 0, neutronCalls: 0 };
  const MUTATING = new Set(['create', 'update', 'delete', 'addInterface', 'removeInterface', 'addGateway', 'removeGateway', 'setRoutes']);
  const engine = await createEngine({
    dbPath: join(dir, 'crosspod.db'),
    settings: { bridge: { vlan_min: vlanBase, vlan_max: vlanBase + 99 } } as never,
    driverFactory: (pod, base) =>
      tapDriver(base(pod), (method) => {
        plan.neutronCalls++;
        if (MUTATING.has(method)) {
          plan.calls++;
          if (plan.failAt > 0 && plan.calls === plan.failAt) throw new CrosspodError('POD_UNREACHABLE', `injected failure at call ${plan.calls}`);
        }
      }),
  });
  const uid = randomUUID().slice(0, 6);
  await engine.api['pods.create']({ region_name: 'RegionOne' });
  await engine.api['pods.create']({ region_name: 'Pod1', az_name: 'az1', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: pods[0].url } });
  await engine.api['pods.create']({ region_name: 'Pod2', az_name: 'az2', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: pods[1].url } });
  return {
    engine,
    uid,
    proj: `proj1-${uid}`,
    admin: `admin-${uid}`,
    neutron: {
      Pod1: createNeutronDriver({ auth_type: 'noauth', endpoint: pods[0].url }),
      Pod2: createNeutronDriver({ auth_type: 'noauth', endpoint: pods[1].url }),
    },
    plan,
  };
}

describe('§12 on real Neutron pods', () => {
  let w: World;
  let ext: Network, extSub: Subnet, net1: Network, sub1: Subnet, router: Router, vm: Port;
  let fipId: string;
  const rows = () => w.engine.store.db.prepare('SELECT top_id, pod_id, resource_type, bottom_id FROM resource_routings ORDER BY id').all() as { top_id: string; pod_id: string; resource_type: string; bottom_id: string }[];
  const podId = (r: string) => (w.engine.store.db.prepare('SELECT pod_id FROM pods WHERE region_name = ?').get(r) as { pod_id: string }).pod_id;

  beforeAll(async () => {
    w = await world(2001);
  });
  afterAll(async () => {
    await w.engine.close();
  });

  it('steps 2-3: the external network and subnet exist in Pod2 as Neutron holds them', async () => {
    const api = w.engine.api;
    ext = await api['networks.create']({ name: 'ext-net', project_id: w.admin, 'router:external': true, availability_zone_hints: ['Pod2'] });
    extSub = await api['subnets.create']({ network_id: ext.id, cidr: '162.3.124.0/24', enable_dhcp: false });
    const [n] = await w.neutron.Pod2.list('network', { name: ext.id });
    expect(n['router:external']).toBe(true);
    const [s] = await w.neutron.Pod2.list('subnet', { name: extSub.id });
    expect([s.cidr, s.gateway_ip, s.enable_dhcp, s.allocation_pools]).toEqual(['162.3.124.0/24', '162.3.124.1', false, [{ start: '162.3.124.2', end: '162.3.124.254' }]]);
    net1 = await api['networks.create']({ name: 'net1', project_id: w.proj, availability_zone_hints: ['az1'] });
    sub1 = await api['subnets.create']({ network_id: net1.id, cidr: '10.0.1.0/24' });
    router = await api['routers.create']({ name: 'R', project_id: w.proj });
    vm = await api['ports.create']({ network_id: net1.id, fixed_ips: [{ ip_address: '10.0.1.4' }], mac_address: 'fa:16:3e:00:01:04' });
    expect(await w.neutron.Pod1.list('network', { name: `${net1.id}#net1` })).toEqual([]);
  });

  it('step 4: interface-add builds B1-R, the bridges and the interface with the §12 addresses', async () => {
    await w.engine.api['routers.addInterface']({ id: router.id, subnet_id: sub1.id });
    await w.engine.idle();
    const [b1r] = await w.neutron.Pod1.list('router', { name: router.id });
    const ifaces = await w.neutron.Pod1.list('port', { device_id: b1r.id, device_owner: 'network:router_interface' });
    expect(ifaces.map((p) => p.fixed_ips[0].ip_address).sort()).toEqual(['10.0.1.1', '100.0.0.2']);
    expect(b1r.external_gateway_info?.external_fixed_ips.map((i) => i.ip_address)).toEqual(['100.128.0.2']);
    const nsNet = (await w.neutron.Pod1.get('network', b1r.external_gateway_info!.network_id));
    expect([nsNet['router:external'], nsNet['provider:network_type'], nsNet['provider:physical_network'], nsNet['provider:segmentation_id']]).toEqual([true, 'vlan', 'bridge', 2002]);
    const p1 = podId('Pod1');
    const top = podId('RegionOne');
    expect(rows().slice(2).map((r) => [r.pod_id === p1 ? 'pod-1' : r.pod_id === top ? 'pod-top' : 'pod-2', r.resource_type])).toEqual([
      ['pod-1', 'router'],
      ['pod-top', 'subnetpool'],
      ['pod-top', 'network'],
      ['pod-top', 'subnet'],
      ['pod-top', 'port'],
      ['pod-1', 'network'],
      ['pod-1', 'subnet'],
      ['pod-1', 'port'],
      ['pod-top', 'subnetpool'],
      ['pod-top', 'network'],
      ['pod-top', 'subnet'],
      ['pod-1', 'network'],
      ['pod-1', 'subnet'],
      ['pod-top', 'port'],
      ['pod-1', 'network'],
      ['pod-1', 'subnet'],
      ['pod-1', 'port'],
    ]);
  });

  it('step 5: gateway-set puts 162.3.124.2 on B2-R and the bridge interface at 100.128.0.1', async () => {
    await w.engine.api['routers.setGateway']({ id: router.id, network_id: ext.id, external_fixed_ips: [{ subnet_id: extSub.id, ip_address: '162.3.124.2' }] });
    const [b2r] = await w.neutron.Pod2.list('router', { name: router.id });
    expect(b2r.external_gateway_info?.external_fixed_ips.map((i) => i.ip_address)).toEqual(['162.3.124.2']);
    const ifaces = await w.neutron.Pod2.list('port', { device_id: b2r.id, device_owner: 'network:router_interface' });
    expect(ifaces.map((p) => p.fixed_ips[0].ip_address)).toEqual(['100.128.0.1']);
    expect(rows()).toHaveLength(22);
  });

  it('step 7: a cross-pod associate makes the two floating IPs in Neutron, through 100.128.0.3', async () => {
    const fip = await w.engine.api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.124.5', project_id: w.proj });
    fipId = fip.id;
    w.plan.neutronCalls = 0;
    const t0 = performance.now();
    await w.engine.api['fips.associate']({ id: fipId, port_id: vm.id });
    const ms = performance.now() - t0;
    console.log(`[neutron] cross-pod associate: ${w.plan.neutronCalls} driver calls, ${ms.toFixed(0)} ms`);
    const [b2fip] = await w.neutron.Pod2.list('floatingip', { floating_ip_address: '162.3.124.5', project_id: w.proj });
    expect([b2fip.fixed_ip_address, b2fip.port_id !== null]).toEqual(['100.128.0.3', true]);
    const bridgePort = await w.neutron.Pod2.get('port', b2fip.port_id!);
    expect(bridgePort.name).toBe('ns_bridge_port');
    const [b1fip] = await w.neutron.Pod1.list('floatingip', { floating_ip_address: '100.128.0.3', project_id: w.proj });
    expect(b1fip.fixed_ip_address).toBe('10.0.1.4');
    const vmPort = await w.neutron.Pod1.get('port', b1fip.port_id!);
    expect([vmPort.name, vmPort.mac_address]).toEqual([vm.id, 'fa:16:3e:00:01:04']);
    // The VM port takes its project's default security group: its copy in Pod1 is one more row.
    const pod1 = (await w.engine.api['pods.list']({ region_name: 'Pod1' })).items[0].pod_id;
    expect(rows().filter((r) => r.resource_type === 'security_group').map((r) => r.pod_id)).toEqual([pod1]);
    expect(rows()).toHaveLength(26);
    const path = await w.engine.api['fips.path']({ id: fipId });
    expect(path.hops.map((h) => [h.role, h.address, h.region, h.vlan ?? null])).toEqual([
      ['external', '162.3.124.5', 'Pod2', null],
      ['bridge', '100.128.0.3', 'Pod1', 2002],
      ['fixed', '10.0.1.4', 'Pod1', null],
    ]);
  });

  it('step 8: disassociate deletes the Pod1 bridge floating IP and the bridge port, and unbinds Pod2', async () => {
    await w.engine.api['fips.disassociate']({ id: fipId });
    expect(await w.neutron.Pod1.list('floatingip', { floating_ip_address: '100.128.0.3', project_id: w.proj })).toEqual([]);
    const [b2fip] = await w.neutron.Pod2.list('floatingip', { floating_ip_address: '162.3.124.5', project_id: w.proj });
    expect(b2fip.port_id).toBeNull();
    expect((await w.neutron.Pod2.list('port', { name: 'ns_bridge_port' })).filter((p) => p.project_id === w.proj)).toEqual([]);
    expect(rows()).toHaveLength(24);
  });

  it('re-associate reuses the Pod2 floating IP; delete then removes everything', async () => {
    const before = (await w.neutron.Pod2.list('floatingip', { floating_ip_address: '162.3.124.5', project_id: w.proj }))[0].id;
    await w.engine.api['fips.associate']({ id: fipId, port_id: vm.id });
    const after = await w.neutron.Pod2.list('floatingip', { floating_ip_address: '162.3.124.5', project_id: w.proj });
    expect(after.map((f) => [f.id, f.fixed_ip_address])).toEqual([[before, '100.128.0.3']]);
    await w.engine.api['fips.delete']({ id: fipId });
    expect(await w.neutron.Pod2.list('floatingip', { floating_ip_address: '162.3.124.5', project_id: w.proj })).toEqual([]);
    expect(await w.neutron.Pod1.list('floatingip', { floating_ip_address: '100.128.0.3', project_id: w.proj })).toEqual([]);
    expect(rows()).toHaveLength(24);
  });

  it('a failure injected part-way through a cross-pod associate leaves Neutron as it was', async () => {
    const fip = await w.engine.api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.124.6', project_id: w.proj });
    const snap = () => semanticSnapshot([{ region: 'Pod1', driver: w.neutron.Pod1 }, { region: 'Pod2', driver: w.neutron.Pod2 }]);
    const before = await snap();
    const topRows = rows();
    w.plan.calls = 0;
    w.plan.failAt = 3; // the VM port is realised already: bridge port, Pod2 floating IP, then this one fails
    await expect(w.engine.api['fips.associate']({ id: fip.id, port_id: vm.id })).rejects.toMatchObject({ code: 'POD_UNREACHABLE' });
    w.plan.failAt = 0;
    expect(await snap()).toEqual(before);
    expect(rows()).toEqual(topRows);
    expect((await w.engine.api['fips.get']({ id: fip.id })).port_id).toBeNull();
    expect((await w.engine.api['jobs.list']({ status: 'FAIL' })).items).toEqual([]);
  });
});

describe('same-pod variant on real Neutron', () => {
  it('one floating IP in Pod1 bound to the VM port; disassociation unbinds it', async () => {
    const w = await world(2101);
    const api = w.engine.api;
    const ext = await api['networks.create']({ name: 'ext-net', project_id: w.admin, 'router:external': true, availability_zone_hints: ['Pod1'] });
    await api['subnets.create']({ network_id: ext.id, cidr: '162.3.125.0/24', enable_dhcp: false });
    const net1 = await api['networks.create']({ name: 'net1', project_id: w.proj, availability_zone_hints: ['az1'] });
    const sub1 = await api['subnets.create']({ network_id: net1.id, cidr: '10.0.1.0/24' });
    const router = await api['routers.create']({ name: 'R', project_id: w.proj });
    const vm = await api['ports.create']({ network_id: net1.id, fixed_ips: [{ ip_address: '10.0.1.4' }] });
    await api['routers.addInterface']({ id: router.id, subnet_id: sub1.id });
    await api['routers.setGateway']({ id: router.id, network_id: ext.id });
    const fip = await api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.125.5', port_id: vm.id, project_id: w.proj });
    const path = await api['fips.path']({ id: fip.id });
    expect([path.mode, path.hops.map((h) => h.address)]).toEqual(['same-pod', ['162.3.125.5', '10.0.1.4']]);
    const [f] = await w.neutron.Pod1.list('floatingip', { floating_ip_address: '162.3.125.5', project_id: w.proj });
    expect(f.fixed_ip_address).toBe('10.0.1.4');
    expect((await w.neutron.Pod1.get('port', f.port_id!)).name).toBe(vm.id);
    expect(await w.neutron.Pod2.list('router', { name: router.id })).toEqual([]);
    await api['fips.disassociate']({ id: fip.id });
    expect((await w.neutron.Pod1.list('floatingip', { floating_ip_address: '162.3.125.5', project_id: w.proj }))[0].port_id).toBeNull();
    await w.engine.close();
  });
});

describe('Test connection through the engine', () => {
  it('reports reachability, auth and extensions for a real pod, and a clear error for a wrong endpoint', async () => {
    const w = await world(2201);
    const pod1 = (await w.engine.api['pods.list']({ region_name: 'Pod1' })).items[0];
    expect(await w.engine.api['pods.testConnection']({ pod_id: pod1.pod_id })).toEqual({
      reachable: true,
      auth: 'not-required',
      extensions: { router: true, 'external-net': true, extraroute: true },
      error: null,
    });
    // Nothing listens on port 1 of loopback.
    const bad = await w.engine.api['pods.create']({ region_name: 'PodX', az_name: 'azx', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: 'http://127.0.0.1:1', timeout_ms: 2000 } });
    const r = await w.engine.api['pods.testConnection']({ pod_id: bad.pod_id });
    expect(r.reachable).toBe(false);
    expect(r.error?.code).toBe('POD_UNREACHABLE');
    expect(r.error?.message).toMatch(/127\.0\.0\.1:1/);
    await w.engine.close();
  });
});
