// Issue 9 on real Neutron pods: two routers of one project on the same external network,
// gateways in two pods with interfaces crossing, and enable_snat false. What Neutron holds is
// read back through a driver of our own, not through the engine.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createEngine } from '../../main/engine';
import type { PodDriver } from '../../main/engine/drivers/driver';
import { createNeutronDriver } from '../../main/engine/drivers/neutron';
import type { Engine } from '../../main/engine/types';
import type { Router } from '../../shared/model';

const pods = inject('neutronPods');
const dirs: string[] = [];
const engines: Engine[] = [];
afterAll(async () => {
  for (const e of engines) await e.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

const neutron: Record<'Pod1' | 'Pod2', PodDriver> = {
  Pod1: createNeutronDriver({ auth_type: 'noauth', endpoint: pods[0].url }),
  Pod2: createNeutronDriver({ auth_type: 'noauth', endpoint: pods[1].url }),
};

/** An engine over the two Neutron pods, with VLANs of its own (2500–2799 are this file’s; engine-scenarios uses 2001–2300). */
async function world(vlanBase: number) {
  const dir = mkdtempSync(join(tmpdir(), 'crosspod-neutron-mr-'));
  dirs.push(dir);
  const engine = await createEngine({ dbPath: join(dir, 'crosspod.db'), settings: { bridge: { vlan_min: vlanBase, vlan_max: vlanBase + 99 } } as never });
  engines.push(engine);
  const api = engine.api;
  await api['pods.create']({ region_name: 'RegionOne' });
  await api['pods.create']({ region_name: 'Pod1', az_name: 'az1', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: pods[0].url } });
  await api['pods.create']({ region_name: 'Pod2', az_name: 'az2', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: pods[1].url } });
  const uid = randomUUID().slice(0, 6);
  const proj = `proj-${uid}`;
  const ext = async (pod: string, cidr: string, name: string) => {
    const net = await api['networks.create']({ name, project_id: `admin-${uid}`, 'router:external': true, availability_zone_hints: [pod] });
    await api['subnets.create']({ network_id: net.id, cidr, enable_dhcp: false });
    return net;
  };
  const tenant = async (az: string, cidr: string, name: string) => {
    const net = await api['networks.create']({ name, project_id: proj, availability_zone_hints: [az] });
    const sub = await api['subnets.create']({ network_id: net.id, cidr, enable_dhcp: false });
    return { net, sub };
  };
  return { engine, api, proj, ext, tenant };
}

/** What Neutron holds for the bottom router of `router` in a region. */
async function bottom(region: 'Pod1' | 'Pod2', router: Router) {
  const d = neutron[region];
  const br = (await d.list('router', { name: router.id }))[0];
  const gw = br.external_gateway_info;
  const gwNet = gw ? await d.get('network', gw.network_id) : null;
  const ifaces = (await d.list('port', { device_id: br.id, device_owner: 'network:router_interface' })).flatMap((p) => p.fixed_ips.map((i) => i.ip_address)).sort();
  return { id: br.id, gwNetwork: gwNet?.name ?? null, external: gwNet?.['router:external'] ?? null, snat: gw?.enable_snat ?? null, gwIps: gw?.external_fixed_ips.map((i) => i.ip_address) ?? [], ifaces, routes: br.routes };
}

const hops = (p: { hops: { role: string; address: string; region: string; network_name: string }[] }) => p.hops.map((h) => [h.role, h.address, h.region, h.network_name]);

describe('multi-router L3 on real Neutron', () => {
  it('two routers of one project on the same external network, each with its own N-S bridge', async () => {
    const w = await world(2501);
    const ext = await w.ext('Pod2', '162.3.130.0/24', 'ext-net');
    const n1 = await w.tenant('az1', '10.0.1.0/24', 'net1');
    const n2 = await w.tenant('az1', '10.0.2.0/24', 'net2');
    const r1 = await w.api['routers.create']({ name: 'R1', project_id: w.proj });
    const r2 = await w.api['routers.create']({ name: 'R2', project_id: w.proj });
    await w.api['routers.addInterface']({ id: r1.id, subnet_id: n1.sub.id });
    await w.api['routers.setGateway']({ id: r1.id, network_id: ext.id });
    await w.api['routers.addInterface']({ id: r2.id, subnet_id: n2.sub.id });
    await w.api['routers.setGateway']({ id: r2.id, network_id: ext.id });
    const vm1 = await w.api['ports.create']({ network_id: n1.net.id, fixed_ips: [{ ip_address: '10.0.1.4' }], device_owner: 'compute:az1' });
    const vm2 = await w.api['ports.create']({ network_id: n2.net.id, fixed_ips: [{ ip_address: '10.0.2.4' }], device_owner: 'compute:az1' });
    const f1 = await w.api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.130.5', port_id: vm1.id });
    const f2 = await w.api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.130.6', port_id: vm2.id });
    await w.engine.idle();

    const ns1 = (await w.api['networks.list']({ name: `ns_bridge_net_${w.proj}` })).items[0];
    const ns2 = (await w.api['networks.list']({ name: `ns_bridge_net_${w.proj}_${r2.id}` })).items[0];
    expect(await bottom('Pod2', r1)).toMatchObject({ gwNetwork: ext.id, gwIps: ['162.3.130.2'], ifaces: ['100.128.0.1'], snat: true });
    expect(await bottom('Pod2', r2)).toMatchObject({ gwNetwork: ext.id, gwIps: ['162.3.130.3'], ifaces: ['100.128.1.1'], snat: true });
    expect(await bottom('Pod1', r1)).toMatchObject({ gwNetwork: ns1.id, external: true, gwIps: ['100.128.0.2'] });
    expect(await bottom('Pod1', r2)).toMatchObject({ gwNetwork: ns2.id, external: true, gwIps: ['100.128.1.2'] });
    // Neutron's own floating IPs in Pod2 sit on the two routers, at the two bridge addresses.
    const b2 = await neutron.Pod2.list('floatingip', { floating_network_id: (await neutron.Pod2.list('network', { name: ext.id }))[0].id });
    expect(b2.map((f) => [f.floating_ip_address, f.fixed_ip_address, f.router_id]).sort()).toEqual([
      ['162.3.130.5', '100.128.0.3', (await bottom('Pod2', r1)).id],
      ['162.3.130.6', '100.128.1.3', (await bottom('Pod2', r2)).id],
    ]);
    expect(hops(await w.api['fips.path']({ id: f2.id }))).toEqual([
      ['external', '162.3.130.6', 'Pod2', 'ext-net'],
      ['bridge', '100.128.1.3', 'Pod1', `ns_bridge_net_${w.proj}_${r2.id}`],
      ['fixed', '10.0.2.4', 'Pod1', 'net2'],
    ]);
    expect((await w.api['fips.path']({ id: f1.id })).router).toEqual({ id: r1.id, name: 'R1' });
    expect((await w.api['jobs.list']({ status: 'FAIL' })).items).toEqual([]);
  });

  it('gateways in two pods with interfaces crossing', async () => {
    const w = await world(2601);
    const extA = await w.ext('Pod2', '162.3.131.0/24', 'ext-a');
    const extB = await w.ext('Pod1', '172.30.1.0/24', 'ext-b');
    const n1 = await w.tenant('az1', '10.0.1.0/24', 'net1');
    const n2 = await w.tenant('az2', '10.0.2.0/24', 'net2');
    const r1 = await w.api['routers.create']({ name: 'R1', project_id: w.proj });
    const r2 = await w.api['routers.create']({ name: 'R2', project_id: w.proj });
    await w.api['routers.addInterface']({ id: r1.id, subnet_id: n1.sub.id });
    await w.api['routers.setGateway']({ id: r1.id, network_id: extA.id });
    await w.api['routers.addInterface']({ id: r2.id, subnet_id: n2.sub.id });
    await w.api['routers.setGateway']({ id: r2.id, network_id: extB.id });
    const vm1 = await w.api['ports.create']({ network_id: n1.net.id, fixed_ips: [{ ip_address: '10.0.1.4' }], device_owner: 'compute:az1' });
    const vm2 = await w.api['ports.create']({ network_id: n2.net.id, fixed_ips: [{ ip_address: '10.0.2.4' }], device_owner: 'compute:az2' });
    const fa = await w.api['fips.create']({ floating_network_id: extA.id, floating_ip_address: '162.3.131.5', port_id: vm1.id });
    const fb = await w.api['fips.create']({ floating_network_id: extB.id, floating_ip_address: '172.30.1.5', port_id: vm2.id });
    await w.engine.idle();
    const ns2 = (await w.api['networks.list']({ name: `ns_bridge_net_${w.proj}_${r2.id}` })).items[0];
    expect(await bottom('Pod1', r2)).toMatchObject({ gwNetwork: extB.id, gwIps: ['172.30.1.2'], ifaces: ['100.128.1.1'] });
    expect(await bottom('Pod2', r2)).toMatchObject({ gwNetwork: ns2.id, external: true, gwIps: ['100.128.1.2'] });
    expect(hops(await w.api['fips.path']({ id: fa.id }))).toEqual([
      ['external', '162.3.131.5', 'Pod2', 'ext-a'],
      ['bridge', '100.128.0.3', 'Pod1', `ns_bridge_net_${w.proj}`],
      ['fixed', '10.0.1.4', 'Pod1', 'net1'],
    ]);
    expect(hops(await w.api['fips.path']({ id: fb.id }))).toEqual([
      ['external', '172.30.1.5', 'Pod1', 'ext-b'],
      ['bridge', '100.128.1.3', 'Pod2', `ns_bridge_net_${w.proj}_${r2.id}`],
      ['fixed', '10.0.2.4', 'Pod2', 'net2'],
    ]);
  });

  it('enable_snat false reaches the real gateway and the bridge gateway, and back on', async () => {
    const w = await world(2701);
    const ext = await w.ext('Pod2', '162.3.132.0/24', 'ext-net');
    const n1 = await w.tenant('az1', '10.0.1.0/24', 'net1');
    const r = await w.api['routers.create']({ name: 'R', project_id: w.proj });
    await w.api['routers.addInterface']({ id: r.id, subnet_id: n1.sub.id });
    await w.api['routers.setGateway']({ id: r.id, network_id: ext.id, enable_snat: false });
    await w.engine.idle();
    expect(await bottom('Pod2', r)).toMatchObject({ snat: false, gwIps: ['162.3.132.2'], routes: [{ destination: '10.0.1.0/24', nexthop: '100.128.0.2' }] });
    expect(await bottom('Pod1', r)).toMatchObject({ snat: false, gwIps: ['100.128.0.2'] });
    await w.api['routers.update']({ id: r.id, external_gateway_info: { network_id: ext.id, enable_snat: true } });
    await w.engine.idle();
    // The same gateway ports: Neutron changed SNAT only.
    expect(await bottom('Pod2', r)).toMatchObject({ snat: true, gwIps: ['162.3.132.2'], routes: [] });
    expect(await bottom('Pod1', r)).toMatchObject({ snat: true, gwIps: ['100.128.0.2'] });
    expect((await w.api['jobs.list']({ status: 'FAIL' })).items).toEqual([]);
  });
});
