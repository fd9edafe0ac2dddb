// Issue 9 on lab pods: more than one router per project, gateways in different pods, SNAT,
// IPv6, Neutron's validation rules and user routes. Every refusal proves, with a checksum of the
// whole database (audit log aside), that nothing changed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FipPath, Network, Port, Router, Subnet } from '../../shared/model';
import { dbChecksum } from '../contract/checksum';
import { newEngine, threePods, type TestEngine } from './support/engine';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
  await threePods(t.engine);
});
afterEach(async () => {
  await t.close();
});

const api = () => t.engine.api;

async function extNet(pod: string, cidr: string, name: string): Promise<{ net: Network; sub: Subnet }> {
  const net = await api()['networks.create']({ name, project_id: 'admin', 'router:external': true, availability_zone_hints: [pod] });
  const sub = await api()['subnets.create']({ network_id: net.id, cidr, enable_dhcp: false });
  return { net, sub };
}

async function tenantNet(az: string, cidr: string, name: string, project = 'proj1'): Promise<{ net: Network; sub: Subnet }> {
  const net = await api()['networks.create']({ name, project_id: project, availability_zone_hints: [az] });
  const sub = await api()['subnets.create']({ network_id: net.id, cidr, name: `${name}-sub` });
  return { net, sub };
}

async function vm(net: Network, ip: string, az: string): Promise<Port> {
  return api()['ports.create']({ network_id: net.id, fixed_ips: [{ ip_address: ip }], device_owner: `compute:${az}`, device_id: `vm-${ip}` });
}

/** Runs a call that must fail with `code`, and proves that the database is unchanged. */
async function refused(call: () => Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await t.engine.idle();
  const before = dbChecksum(t.engine.store.db, ['audit_log']);
  const err = await call().then(
    () => null,
    (e: unknown) => e as { code: string; message: string },
  );
  expect(err, `expected ${code}`).not.toBeNull();
  expect(err!.code).toBe(code);
  if (message) expect(err!.message).toMatch(message);
  await t.engine.idle();
  expect(dbChecksum(t.engine.store.db, ['audit_log'])).toEqual(before);
}

/** The bottom router of `router` in a region, with its gateway network's name and its interface addresses. */
async function bottomRouter(region: string, router: Router) {
  const d = t.pod(region);
  const br = (await d.list('router', { name: router.id }))[0];
  if (!br) return null;
  const gwNet = br.external_gateway_info ? await d.get('network', br.external_gateway_info.network_id) : null;
  const ifaces = (await d.list('port', { device_id: br.id, device_owner: 'network:router_interface' })).flatMap((p) => p.fixed_ips.map((i) => i.ip_address)).sort();
  return {
    id: br.id,
    gateway: br.external_gateway_info ? { network: gwNet!.name, external: gwNet!['router:external'], snat: br.external_gateway_info.enable_snat, ips: br.external_gateway_info.external_fixed_ips.map((i) => i.ip_address) } : null,
    interfaces: ifaces,
    routes: br.routes,
  };
}

const topNet = async (name: string) => (await api()['networks.list']({ name })).items[0];

describe('two routers of one project on the same external network', () => {
  it('each router gets its own N-S bridge; floating IPs go through the router that connects them', async () => {
    const ext = await extNet('Pod2', '162.3.124.0/24', 'ext-net');
    const n1 = await tenantNet('az1', '10.0.1.0/24', 'net1');
    const n2 = await tenantNet('az1', '10.0.2.0/24', 'net2');
    const r1 = await api()['routers.create']({ name: 'R1', project_id: 'proj1' });
    const r2 = await api()['routers.create']({ name: 'R2', project_id: 'proj1' });
    await api()['routers.addInterface']({ id: r1.id, subnet_id: n1.sub.id });
    await api()['routers.setGateway']({ id: r1.id, network_id: ext.net.id });
    // Failed on the old main with IP_ADDRESS_IN_USE "100.128.0.1 is already allocated".
    await api()['routers.addInterface']({ id: r2.id, subnet_id: n2.sub.id });
    await api()['routers.setGateway']({ id: r2.id, network_id: ext.net.id });
    const vm1 = await vm(n1.net, '10.0.1.4', 'az1');
    const vm2 = await vm(n2.net, '10.0.2.4', 'az1');
    const f1 = await api()['fips.create']({ floating_network_id: ext.net.id, floating_ip_address: '162.3.124.5', port_id: vm1.id });
    const f2 = await api()['fips.create']({ floating_network_id: ext.net.id, floating_ip_address: '162.3.124.6', port_id: vm2.id });
    await t.engine.idle();
    expect([f1.router_id, f2.router_id]).toEqual([r1.id, r2.id]);

    // The first router keeps the reference's names (§12); the second gets its own.
    const ns1 = await topNet('ns_bridge_net_proj1');
    const ns2 = await topNet(`ns_bridge_net_proj1_${r2.id}`);
    expect([ns1['provider:segmentation_id'], ns2['provider:segmentation_id']]).toEqual([2002, 2003]);
    expect((await api()['subnets.list']({ network_id: ns1.id })).items.map((s) => [s.name, s.cidr])).toEqual([['ns_bridge_subnet_proj1', '100.128.0.0/24']]);
    expect((await api()['subnets.list']({ network_id: ns2.id })).items.map((s) => [s.name, s.cidr])).toEqual([[`ns_bridge_subnet_proj1_${r2.id}`, '100.128.1.0/24']]);

    // Pod2: each router's bottom router holds the real gateway and its own bridge interface at .1.
    expect(await bottomRouter('Pod2', r1)).toMatchObject({ gateway: { network: ext.net.id, snat: true, ips: ['162.3.124.2'] }, interfaces: ['100.128.0.1'] });
    expect(await bottomRouter('Pod2', r2)).toMatchObject({ gateway: { network: ext.net.id, snat: true, ips: ['162.3.124.3'] }, interfaces: ['100.128.1.1'] });
    // Pod1: each bottom router's gateway is on its own bridge, external there.
    expect(await bottomRouter('Pod1', r1)).toMatchObject({ gateway: { network: ns1.id, external: true, ips: ['100.128.0.2'] }, interfaces: ['10.0.1.1', '100.0.0.2'] });
    expect(await bottomRouter('Pod1', r2)).toMatchObject({ gateway: { network: ns2.id, external: true, ips: ['100.128.1.2'] }, interfaces: ['10.0.2.1', '100.0.0.3'] });

    const p1 = await api()['fips.path']({ id: f1.id });
    const p2 = await api()['fips.path']({ id: f2.id });
    expect(p1).toEqual({
      id: f1.id,
      mode: 'two-step',
      observed_at: expect.any(String),
      router: { id: r1.id, name: 'R1' },
      hops: [
        { role: 'external', address: '162.3.124.5', region: 'Pod2', network_id: ext.net.id, network_name: 'ext-net' },
        { role: 'bridge', address: '100.128.0.3', region: 'Pod1', network_id: ns1.id, network_name: 'ns_bridge_net_proj1', vlan: 2002 },
        { role: 'fixed', address: '10.0.1.4', region: 'Pod1', network_id: n1.net.id, network_name: 'net1' },
      ],
      // The VMs keep their project's default group: nothing from outside is admitted (issue 15).
      admits: { ingress: false, rules: [] },
    } satisfies FipPath);
    expect(p2).toEqual({
      id: f2.id,
      mode: 'two-step',
      observed_at: expect.any(String),
      router: { id: r2.id, name: 'R2' },
      hops: [
        { role: 'external', address: '162.3.124.6', region: 'Pod2', network_id: ext.net.id, network_name: 'ext-net' },
        { role: 'bridge', address: '100.128.1.3', region: 'Pod1', network_id: ns2.id, network_name: `ns_bridge_net_proj1_${r2.id}`, vlan: 2003 },
        { role: 'fixed', address: '10.0.2.4', region: 'Pod1', network_id: n2.net.id, network_name: 'net2' },
      ],
      // The VMs keep their project's default group: nothing from outside is admitted (issue 15).
      admits: { ingress: false, rules: [] },
    } satisfies FipPath);
    // The Pod2 floating IPs sit on the right routers.
    const b2 = await t.pod('Pod2').list('floatingip');
    const b2r1 = (await bottomRouter('Pod2', r1))!.id;
    const b2r2 = (await bottomRouter('Pod2', r2))!.id;
    expect(b2.map((f) => [f.floating_ip_address, f.fixed_ip_address, f.router_id]).sort()).toEqual([
      ['162.3.124.5', '100.128.0.3', b2r1],
      ['162.3.124.6', '100.128.1.3', b2r2],
    ]);

    // Releasing R2's floating IP and removing R2 gives back its bridge: /24, VLAN and names.
    await api()['fips.delete']({ id: f2.id });
    await api()['routers.removeInterface']({ id: r2.id, subnet_id: n2.sub.id });
    await api()['routers.delete']({ id: r2.id });
    await t.engine.idle();
    expect(await topNet(`ns_bridge_net_proj1_${r2.id}`)).toBeUndefined();
    expect(await bottomRouter('Pod1', r2)).toBeNull();
    expect(await bottomRouter('Pod2', r2)).toBeNull();
    expect((await t.pod('Pod1').list('network')).map((n) => n.name)).not.toContain(ns2.id);
    // R1 and its floating IP are untouched.
    expect(await api()['fips.path']({ id: f1.id })).toEqual({ ...p1, observed_at: expect.any(String) });
    const r3 = await api()['routers.create']({ name: 'R3', project_id: 'proj1' });
    const n3 = await tenantNet('az1', '10.0.3.0/24', 'net3');
    await api()['routers.addInterface']({ id: r3.id, subnet_id: n3.sub.id });
    const ns3 = await topNet(`ns_bridge_net_proj1_${r3.id}`);
    expect(ns3['provider:segmentation_id']).toBe(2003);
    expect((await api()['subnets.list']({ network_id: ns3.id })).items[0].cidr).toBe('100.128.1.0/24');
  });

  it('deleting the router that holds the reference-named bridge frees those names for the next router', async () => {
    const ext = await extNet('Pod2', '162.3.124.0/24', 'ext-net');
    const n1 = await tenantNet('az1', '10.0.1.0/24', 'net1');
    const n2 = await tenantNet('az1', '10.0.2.0/24', 'net2');
    const r1 = await api()['routers.create']({ name: 'R1', project_id: 'proj1' });
    const r2 = await api()['routers.create']({ name: 'R2', project_id: 'proj1' });
    await api()['routers.addInterface']({ id: r1.id, subnet_id: n1.sub.id });
    await api()['routers.addInterface']({ id: r2.id, subnet_id: n2.sub.id });
    await api()['routers.setGateway']({ id: r2.id, network_id: ext.net.id });
    await api()['routers.removeInterface']({ id: r1.id, subnet_id: n1.sub.id });
    await api()['routers.delete']({ id: r1.id });
    expect(await topNet('ns_bridge_net_proj1')).toBeUndefined();
    // R2 keeps its own bridge; the E-W bridge stays while the project has a router.
    expect(await topNet(`ns_bridge_net_proj1_${r2.id}`)).toBeDefined();
    expect(await topNet('ew_bridge_net_proj1')).toBeDefined();
    const r3 = await api()['routers.create']({ name: 'R3', project_id: 'proj1' });
    await api()['routers.addInterface']({ id: r3.id, subnet_id: n1.sub.id });
    expect((await topNet('ns_bridge_net_proj1')).id).toBeTruthy();
    const vm1 = await vm(n1.net, '10.0.1.4', 'az1');
    await api()['routers.setGateway']({ id: r3.id, network_id: ext.net.id });
    const f = await api()['fips.create']({ floating_network_id: ext.net.id, floating_ip_address: '162.3.124.9', port_id: vm1.id });
    const path = await api()['fips.path']({ id: f.id });
    expect(path.router).toEqual({ id: r3.id, name: 'R3' });
    expect(path.hops.map((h) => [h.role, h.address, h.region, h.network_name])).toEqual([
      ['external', '162.3.124.9', 'Pod2', 'ext-net'],
      ['bridge', '100.128.0.3', 'Pod1', 'ns_bridge_net_proj1'],
      ['fixed', '10.0.1.4', 'Pod1', 'net1'],
    ]);
  });
});

describe('gateways in two pods, interfaces crossing', () => {
  it('R1 (net1 in Pod1) leaves through Pod2, R2 (net2 in Pod2) through Pod1; both floating IPs work', async () => {
    const extA = await extNet('Pod2', '162.3.124.0/24', 'ext-a');
    const extB = await extNet('Pod1', '172.30.0.0/24', 'ext-b');
    const n1 = await tenantNet('az1', '10.0.1.0/24', 'net1');
    const n2 = await tenantNet('az2', '10.0.2.0/24', 'net2');
    const r1 = await api()['routers.create']({ name: 'R1', project_id: 'proj1' });
    const r2 = await api()['routers.create']({ name: 'R2', project_id: 'proj1' });
    await api()['routers.addInterface']({ id: r1.id, subnet_id: n1.sub.id });
    await api()['routers.setGateway']({ id: r1.id, network_id: extA.net.id });
    await api()['routers.addInterface']({ id: r2.id, subnet_id: n2.sub.id });
    // Failed on the old main with CONFLICT "External network … is in use by router gateways or floating IPs".
    await api()['routers.setGateway']({ id: r2.id, network_id: extB.net.id });
    const vm1 = await vm(n1.net, '10.0.1.4', 'az1');
    const vm2 = await vm(n2.net, '10.0.2.4', 'az2');
    const fa = await api()['fips.create']({ floating_network_id: extA.net.id, floating_ip_address: '162.3.124.5', port_id: vm1.id });
    const fb = await api()['fips.create']({ floating_network_id: extB.net.id, floating_ip_address: '172.30.0.5', port_id: vm2.id });
    await t.engine.idle();

    const ns1 = await topNet('ns_bridge_net_proj1');
    const ns2 = await topNet(`ns_bridge_net_proj1_${r2.id}`);
    // R1's bridge is external in Pod1 and internal in Pod2; R2's the other way round.
    expect(await bottomRouter('Pod1', r1)).toMatchObject({ gateway: { network: ns1.id, external: true, ips: ['100.128.0.2'] } });
    expect(await bottomRouter('Pod2', r1)).toMatchObject({ gateway: { network: extA.net.id, ips: ['162.3.124.2'] }, interfaces: ['100.128.0.1'] });
    expect(await bottomRouter('Pod2', r2)).toMatchObject({ gateway: { network: ns2.id, external: true, ips: ['100.128.1.2'] } });
    expect(await bottomRouter('Pod1', r2)).toMatchObject({ gateway: { network: extB.net.id, ips: ['172.30.0.2'] }, interfaces: ['100.128.1.1'] });

    expect((await api()['fips.path']({ id: fa.id })).hops.map((h) => [h.role, h.address, h.region, h.network_name])).toEqual([
      ['external', '162.3.124.5', 'Pod2', 'ext-a'],
      ['bridge', '100.128.0.3', 'Pod1', 'ns_bridge_net_proj1'],
      ['fixed', '10.0.1.4', 'Pod1', 'net1'],
    ]);
    const pb = await api()['fips.path']({ id: fb.id });
    expect(pb.router).toEqual({ id: r2.id, name: 'R2' });
    expect(pb.hops.map((h) => [h.role, h.address, h.region, h.network_name])).toEqual([
      ['external', '172.30.0.5', 'Pod1', 'ext-b'],
      ['bridge', '100.128.1.3', 'Pod2', `ns_bridge_net_proj1_${r2.id}`],
      ['fixed', '10.0.2.4', 'Pod2', 'net2'],
    ]);
    // Disassociating one leaves the other whole.
    await api()['fips.disassociate']({ id: fa.id });
    expect((await api()['fips.path']({ id: fa.id })).mode).toBe('unbound');
    expect((await api()['fips.path']({ id: fb.id })).hops).toHaveLength(3);
  });
});

describe('enable_snat', () => {
  it('reaches the real gateway and every N-S bridge gateway, on set and on later updates', async () => {
    const ext = await extNet('Pod2', '162.3.124.0/24', 'ext-net');
    const n1 = await tenantNet('az1', '10.0.1.0/24', 'net1');
    const r = await api()['routers.create']({ name: 'R', project_id: 'proj1' });
    await api()['routers.addInterface']({ id: r.id, subnet_id: n1.sub.id });
    await api()['routers.setGateway']({ id: r.id, network_id: ext.net.id, enable_snat: false });
    await t.engine.idle();
    expect((await api()['routers.get']({ id: r.id })).external_gateway_info?.enable_snat).toBe(false);
    expect((await bottomRouter('Pod2', r))!.gateway!.snat).toBe(false);
    // Failed on the old main: the bridge gateway kept SNAT on.
    expect((await bottomRouter('Pod1', r))!.gateway!.snat).toBe(false);
    // Without SNAT, replies to Pod1's VMs come back to Pod2's router unNATed: it routes them over the bridge.
    expect((await bottomRouter('Pod2', r))!.routes).toEqual([{ destination: '10.0.1.0/24', nexthop: '100.128.0.2' }]);

    await api()['routers.update']({ id: r.id, external_gateway_info: { network_id: ext.net.id, enable_snat: true } });
    await t.engine.idle();
    expect((await api()['routers.get']({ id: r.id })).external_gateway_info).toMatchObject({ enable_snat: true, external_fixed_ips: [{ ip_address: '162.3.124.2' }] });
    expect((await bottomRouter('Pod2', r))!.gateway).toMatchObject({ snat: true, ips: ['162.3.124.2'] });
    expect((await bottomRouter('Pod1', r))!.gateway).toMatchObject({ snat: true, ips: ['100.128.0.2'] });
    expect((await bottomRouter('Pod2', r))!.routes).toEqual([]);

    // A bottom router added later takes the router's current setting.
    await api()['routers.update']({ id: r.id, external_gateway_info: { network_id: ext.net.id, enable_snat: false } });
    const n3 = await tenantNet('az1', '10.0.3.0/24', 'net3', 'proj1');
    await api()['routers.addInterface']({ id: r.id, subnet_id: n3.sub.id });
    expect((await bottomRouter('Pod1', r))!.gateway!.snat).toBe(false);
  });
});

describe('IPv6', () => {
  it('an IPv6 subnet on a router that spans pods is refused at interface-add, and IPv4 keeps its routes', async () => {
    const n1 = await tenantNet('az1', '10.0.1.0/24', 'net1');
    const n2 = await tenantNet('az2', '10.0.2.0/24', 'net2');
    const v6 = await tenantNet('az2', '2001:db8:1::/64', 'net6');
    const r = await api()['routers.create']({ name: 'R', project_id: 'proj1' });
    await api()['routers.addInterface']({ id: r.id, subnet_id: n1.sub.id });
    await api()['routers.addInterface']({ id: r.id, subnet_id: n2.sub.id });
    await refused(() => api()['routers.addInterface']({ id: r.id, subnet_id: v6.sub.id }), 'CROSS_POD_IPV6_NOT_SUPPORTED', /IPv6 subnet net6-sub \(2001:db8:1::\/64\) cannot be on router R across pods/);
    await t.engine.idle();
    expect((await api()['jobs.list']({ status: 'FAIL' })).items).toEqual([]);
    expect((await bottomRouter('Pod1', r))!.routes).toEqual([{ destination: '10.0.2.0/24', nexthop: '100.0.0.3' }]);
    expect((await bottomRouter('Pod2', r))!.routes).toEqual([{ destination: '10.0.1.0/24', nexthop: '100.0.0.2' }]);
  });

  it('a single-pod router takes IPv6, and then cannot spread to another pod', async () => {
    const v6 = await tenantNet('az1', '2001:db8:1::/64', 'net6');
    const n1 = await tenantNet('az1', '10.0.1.0/24', 'net1');
    const n2 = await tenantNet('az2', '10.0.2.0/24', 'net2');
    const r = await api()['routers.create']({ name: 'R', project_id: 'proj1' });
    await api()['routers.addInterface']({ id: r.id, subnet_id: v6.sub.id });
    await api()['routers.addInterface']({ id: r.id, subnet_id: n1.sub.id });
    await t.engine.idle();
    expect((await bottomRouter('Pod1', r))!.interfaces).toEqual(['10.0.1.1', '100.0.0.2', '2001:db8:1::1']);
    expect((await api()['jobs.list']({ status: 'FAIL' })).items).toEqual([]);
    await refused(() => api()['routers.addInterface']({ id: r.id, subnet_id: n2.sub.id }), 'CROSS_POD_IPV6_NOT_SUPPORTED');
    const ext = await extNet('Pod2', '162.3.124.0/24', 'ext-net');
    await refused(() => api()['routers.setGateway']({ id: r.id, network_id: ext.net.id }), 'CROSS_POD_IPV6_NOT_SUPPORTED');
  });
});

describe('Neutron validation rules', () => {
  let ext: { net: Network; sub: Subnet };
  let n1: { net: Network; sub: Subnet };
  let r: Router;
  let vm1: Port;
  beforeEach(async () => {
    ext = await extNet('Pod2', '162.3.124.0/24', 'ext-net');
    n1 = await tenantNet('az1', '10.0.1.0/24', 'net1');
    r = await api()['routers.create']({ name: 'R', project_id: 'proj1' });
    await api()['routers.addInterface']({ id: r.id, subnet_id: n1.sub.id });
    await api()['routers.setGateway']({ id: r.id, network_id: ext.net.id });
    vm1 = await vm(n1.net, '10.0.1.4', 'az1');
  });

  it('overlapping CIDRs on one router across pods', async () => {
    const other = await tenantNet('az2', '10.0.1.0/24', 'net1-again');
    await refused(() => api()['routers.addInterface']({ id: r.id, subnet_id: other.sub.id }), 'ROUTER_SUBNET_OVERLAP', /net1-again-sub \(10\.0\.1\.0\/24\) overlaps subnet net1-sub \(10\.0\.1\.0\/24\), already on router R/);
    const wider = await tenantNet('az2', '10.0.0.0/16', 'wide');
    await refused(() => api()['routers.addInterface']({ id: r.id, subnet_id: wider.sub.id }), 'ROUTER_SUBNET_OVERLAP');
    // Another router of the project may hold the same CIDR.
    const r2 = await api()['routers.create']({ name: 'R2', project_id: 'proj1' });
    await api()['routers.addInterface']({ id: r2.id, subnet_id: other.sub.id });
  });

  it('a floating IP on a router, DHCP or other network-owned port', async () => {
    const fip = await api()['fips.create']({ floating_network_id: ext.net.id, floating_ip_address: '162.3.124.5' });
    const rif = (await api()['ports.list']({ device_id: r.id, device_owner: 'network:router_interface' })).items[0];
    await refused(() => api()['fips.associate']({ id: fip.id, port_id: rif.id }), 'PORT_NOT_ASSOCIABLE', /owned by network:router_interface/);
    const dhcp = await api()['ports.create']({ network_id: n1.net.id, device_owner: 'network:dhcp', device_id: 'dhcp-agent' });
    await refused(() => api()['fips.associate']({ id: fip.id, port_id: dhcp.id }), 'PORT_NOT_ASSOCIABLE', /owned by network:dhcp/);
    await refused(() => api()['fips.create']({ floating_network_id: ext.net.id, floating_ip_address: '162.3.124.6', port_id: dhcp.id }), 'PORT_NOT_ASSOCIABLE');
    // A VM port is fine.
    expect((await api()['fips.associate']({ id: fip.id, port_id: vm1.id })).fixed_ip_address).toBe('10.0.1.4');
  });

  it('MACs: broadcast, all-zero and multicast are refused', async () => {
    for (const mac of ['ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00', '01:00:5e:00:00:01', '33:33:00:00:00:01']) {
      await refused(() => api()['ports.create']({ network_id: n1.net.id, mac_address: mac }), 'INVALID_INPUT');
    }
    expect((await api()['ports.create']({ network_id: n1.net.id, mac_address: 'fa:16:3e:00:00:99' })).mac_address).toBe('fa:16:3e:00:00:99');
  });

  it('routes: a CIDR destination, a nexthop on a connected subnet that is not the router itself', async () => {
    for (const destination of ['abc', '10.0.0.0/33', '10.0.9.5/24', '']) {
      await refused(() => api()['routers.update']({ id: r.id, routes: [{ destination, nexthop: '10.0.1.10' }] }), 'INVALID_INPUT');
    }
    await refused(() => api()['routers.update']({ id: r.id, routes: [{ destination: '10.0.9.0/24', nexthop: 'x' }] }), 'INVALID_INPUT');
    await refused(() => api()['routers.update']({ id: r.id, routes: [{ destination: '10.0.9.0/24', nexthop: '10.9.9.9' }] }), 'INVALID_ROUTES', /not on a subnet connected to router R/);
    await refused(() => api()['routers.update']({ id: r.id, routes: [{ destination: '10.0.9.0/24', nexthop: '10.0.1.1' }] }), 'INVALID_ROUTES', /an address of router R itself/);
    await refused(() => api()['routers.update']({ id: r.id, routes: [{ destination: '2001:db8:9::/64', nexthop: '10.0.1.10' }] }), 'INVALID_ROUTES', /different IP versions/);
  });

  it('a nexthop on the gateway subnet is accepted and reaches the other pods over the N-S bridge', async () => {
    await api()['routers.update']({ id: r.id, routes: [{ destination: '192.168.50.0/24', nexthop: '162.3.124.20' }] });
    await t.engine.idle();
    expect((await bottomRouter('Pod2', r))!.routes).toEqual([{ destination: '192.168.50.0/24', nexthop: '162.3.124.20' }]);
    expect((await bottomRouter('Pod1', r))!.routes).toEqual([{ destination: '192.168.50.0/24', nexthop: '100.128.0.1' }]);
  });

  it('a user route reaches every bottom router: on-link where the nexthop is, via E-W elsewhere', async () => {
    const n2 = await tenantNet('az2', '10.0.2.0/24', 'net2');
    await api()['routers.addInterface']({ id: r.id, subnet_id: n2.sub.id });
    await api()['routers.update']({ id: r.id, routes: [{ destination: '172.16.9.0/24', nexthop: '10.0.2.253' }] });
    await t.engine.idle();
    expect((await bottomRouter('Pod2', r))!.routes).toEqual([
      { destination: '172.16.9.0/24', nexthop: '10.0.2.253' },
      { destination: '10.0.1.0/24', nexthop: '100.0.0.2' },
    ]);
    expect((await bottomRouter('Pod1', r))!.routes).toEqual([
      { destination: '172.16.9.0/24', nexthop: '100.0.0.3' },
      { destination: '10.0.2.0/24', nexthop: '100.0.0.3' },
    ]);
  });

  it('a gateway address equal to the external subnet’s gateway', async () => {
    const r2 = await api()['routers.create']({ name: 'R2', project_id: 'proj1' });
    await refused(() => api()['routers.setGateway']({ id: r2.id, network_id: ext.net.id, external_fixed_ips: [{ ip_address: '162.3.124.1' }] }), 'IP_ADDRESS_IN_USE', /162\.3\.124\.1/);
  });

  it('removing an interface that floating IPs need is refused at the top, naming them by address', async () => {
    await api()['fips.create']({ floating_network_id: ext.net.id, floating_ip_address: '162.3.124.5', port_id: vm1.id });
    const vm2 = await vm(n1.net, '10.0.1.5', 'az1');
    await api()['fips.create']({ floating_network_id: ext.net.id, floating_ip_address: '162.3.124.7', port_id: vm2.id });
    await refused(
      () => api()['routers.removeInterface']({ id: r.id, subnet_id: n1.sub.id }),
      'ROUTER_INTERFACE_IN_USE',
      /^The interface of router R on subnet net1-sub \(10\.0\.1\.0\/24\) is used by floating IPs 162\.3\.124\.5, 162\.3\.124\.7: disassociate them first$/,
    );
  });
});
