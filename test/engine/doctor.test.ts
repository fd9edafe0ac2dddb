// The doctor on lab pods: for every kind of drift, inject it straight into the bottoms (a lab
// driver over the same file, or SQL on the routing and IPAM tables), prove doctor.run finds it
// with exact fields, doctor.repair fixes it, a second run is clean and the §12 state still works.
import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorFinding } from '../../shared/contract';
import { newEngine, threePods, type TestEngine } from './support/engine';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** §12 plus a second network in Pod2 on the same router: both bridges, routes between pods and a two-step floating IP. */
async function world() {
  t = await newEngine();
  const api = t.engine.api;
  await threePods(t.engine);
  const ext = await api['networks.create']({ name: 'ext-net', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'] });
  const extSub = await api['subnets.create']({ network_id: ext.id, cidr: '162.3.124.0/24', name: 'ext-subnet', enable_dhcp: false });
  const net1 = await api['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
  const sub1 = await api['subnets.create']({ network_id: net1.id, cidr: '10.0.1.0/24', name: 'subnet1' });
  const net2 = await api['networks.create']({ name: 'net2', project_id: 'proj1', availability_zone_hints: ['az2'] });
  const sub2 = await api['subnets.create']({ network_id: net2.id, cidr: '10.0.2.0/24', name: 'subnet2' });
  const router = await api['routers.create']({ name: 'R', project_id: 'proj1' });
  await api['routers.addInterface']({ id: router.id, subnet_id: sub1.id });
  await api['routers.addInterface']({ id: router.id, subnet_id: sub2.id });
  await api['routers.setGateway']({ id: router.id, network_id: ext.id, external_fixed_ips: [{ subnet_id: extSub.id, ip_address: '162.3.124.2' }] });
  const vm = await api['ports.create']({ network_id: net1.id, name: 'vm1', fixed_ips: [{ ip_address: '10.0.1.4' }], device_owner: 'compute:az1' });
  const vm2 = await api['ports.create']({ network_id: net2.id, name: 'vm2', fixed_ips: [{ ip_address: '10.0.2.4' }], device_owner: 'compute:az2' });
  const fip = await api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.124.5', port_id: vm.id });
  await t.engine.idle();
  const p = { RegionOne: t.podId('RegionOne'), Pod1: t.podId('Pod1'), Pod2: t.podId('Pod2') };
  const row = (top: string, pod: string, type: string) => t!.routings().find((r) => r.top_id === top && r.pod_id === pod && r.resource_type === type)!;
  return { t, api, ext, extSub, net1, sub1, net2, sub2, router, vm, vm2, fip, p, row, pod1: t.pod('Pod1'), pod2: t.pod('Pod2') };
}

async function run(): Promise<DoctorFinding[]> {
  return (await t!.engine.api['doctor.run']({})).findings;
}

/** The §12 state works: the floating IP reaches the VM (path read from the bottoms), and re-associates. */
async function stillWorks(w: Awaited<ReturnType<typeof world>>) {
  const path = await w.api['fips.path']({ id: w.fip.id });
  expect(path.hops.map((h) => [h.role, h.address, h.region])).toEqual([
    ['external', '162.3.124.5', 'Pod2'],
    ['bridge', '100.128.0.3', 'Pod1'],
    ['fixed', '10.0.1.4', 'Pod1'],
  ]);
  await w.api['fips.disassociate']({ id: w.fip.id });
  await w.api['fips.associate']({ id: w.fip.id, port_id: w.vm.id });
  await w.t.engine.idle();
  expect((await w.api['fips.path']({ id: w.fip.id })).mode).toBe('two-step');
  expect(await run()).toEqual([]);
}

describe('doctor on lab pods', () => {
  it('a healthy §12 estate is clean', async () => {
    const w = await world();
    expect(await run()).toEqual([]);
    await stillWorks(w);
  });
});
