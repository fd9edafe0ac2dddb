// The doctor on lab pods: for every kind of drift, inject it straight into the bottoms (a lab
// driver over the same file, or SQL on the routing and IPAM tables), prove doctor.run finds it
// with exact fields, doctor.repair fixes it, a second run is clean and the §12 state still works.
import { afterEach, describe, expect, it } from 'vitest';
import { Ipam } from '../../main/engine/ipam';
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

const only = (fs: DoctorFinding[], kind: string) => fs.filter((f) => f.kind === kind);

describe('missing_bottom', () => {
  it('a bottom router deleted by hand stays mapped until the doctor forgets it; then the next interface-add works', async () => {
    const w = await world();
    await w.api['fips.disassociate']({ id: w.fip.id });
    const b1r = w.row(w.router.id, w.p.Pod1, 'router').bottom_id!;
    const ewTop = (await w.api['ports.list']({ name: `ew_bridge_port_proj1_${b1r}` })).items[0];
    // By hand, as in Neutron: routes cleared, interfaces off (Neutron deletes those ports), gateway off, router deleted.
    await w.pod1.setRoutes(b1r, []);
    for (const p of await w.pod1.list('port', { device_id: b1r, device_owner: 'network:router_interface' })) await w.pod1.removeInterface(b1r, { port_id: p.id });
    await w.pod1.removeGateway(b1r);
    await w.pod1.delete('router', b1r);

    // Today's failure: the stale id is returned and the next call fails.
    const net3 = await w.api['networks.create']({ name: 'net3', project_id: 'proj1', availability_zone_hints: ['az1'] });
    const sub3 = await w.api['subnets.create']({ network_id: net3.id, cidr: '10.0.3.0/24', name: 'subnet3' });
    await expect(w.api['routers.addInterface']({ id: w.router.id, subnet_id: sub3.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const found = await run();
    expect(found.map((f) => [f.kind, f.resource_type, f.pod?.region_name]).sort()).toEqual([
      ['missing_bottom', 'port', 'Pod1'],
      ['missing_bottom', 'port', 'Pod1'],
      ['missing_bottom', 'router', 'Pod1'],
    ]);
    const f = found.find((x) => x.resource_type === 'router')!;
    expect(f).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      kind: 'missing_bottom',
      pod: { pod_id: w.p.Pod1, region_name: 'Pod1' },
      resource_type: 'router',
      top_id: w.router.id,
      bottom_id: b1r,
      project_id: 'proj1',
      detail: `Router R is mapped in Pod1 to bottom router ${w.router.id} (${b1r}), which is gone`,
      repair: {
        action: 'rebuild',
        text: 'Forget the lost router: drop its routing row, release 2 bridge addresses, then rebuild from the top router R',
        args: { routing_id: w.row(w.router.id, w.p.Pod1, 'router').id },
      },
    });
    // The same drift keeps its id.
    expect((await run()).map((x) => x.id)).toEqual(found.map((x) => x.id));

    const { results } = await w.api['doctor.repair']({ ids: [f.id] });
    expect(results).toEqual([{ id: f.id, kind: 'missing_bottom', status: 'repaired', message: 'Rebuilt router R in Pod1' }]);
    await w.t.engine.idle();
    expect(await run()).toEqual([]);
    // A new bottom router, a new E-W port; the old E-W address went back and was taken again.
    const nb1r = w.row(w.router.id, w.p.Pod1, 'router').bottom_id!;
    expect(nb1r).not.toBe(b1r);
    expect((await w.api['ports.list']({ name: ewTop.name })).items).toEqual([]);
    expect((await w.api['ports.list']({ name: `ew_bridge_port_proj1_${nb1r}` })).items[0].fixed_ips[0].ip_address).toBe(ewTop.fixed_ips[0].ip_address);
    await w.api['routers.addInterface']({ id: w.router.id, subnet_id: sub3.id });
    await w.t.engine.idle();
    expect((await w.pod1.list('port', { device_id: nb1r, device_owner: 'network:router_interface' })).flatMap((p) => p.fixed_ips.map((i) => i.ip_address)).sort()).toEqual(['10.0.1.1', '10.0.3.1', ewTop.fixed_ips[0].ip_address]);
    await w.api['fips.associate']({ id: w.fip.id, port_id: w.vm.id });
    await w.t.engine.idle();
    await stillWorks(w);
  });

  it('a bottom router that vanished with a floating IP through it: the floating IP is realised again', async () => {
    const w = await world();
    const b1r = w.row(w.router.id, w.p.Pod1, 'router').bottom_id!;
    // Lost with its ports (interfaces, gateway), as a region restored from an old backup would be.
    const db = w.t.engine.store.db;
    const ipam = new Ipam(db);
    for (const ip of db.prepare('SELECT i.subnet_id, i.ip_address FROM lab_port_ips i JOIN lab_ports p ON p.id = i.port_id WHERE p.device_id = ?').all(b1r) as { subnet_id: string; ip_address: string }[]) ipam.release(ip.subnet_id, ip.ip_address);
    db.prepare('DELETE FROM lab_ports WHERE device_id = ?').run(b1r);
    w.t.engine.store.db.prepare('DELETE FROM lab_routers WHERE id = ?').run(b1r);
    const found = await run();
    expect(found.map((f) => [f.kind, f.resource_type]).sort()).toEqual([
      ['missing_bottom', 'port'],
      ['missing_bottom', 'port'],
      ['missing_bottom', 'router'],
    ]);
    expect(found.find((f) => f.resource_type === 'router')!.repair.text).toBe('Forget the lost router: drop its routing row, release 2 bridge addresses, then rebuild from the top router R, floating IP 162.3.124.5');
    expect((await w.api['doctor.repair']({ all: true })).results.map((r) => [r.status, r.message])).toEqual([
      ['repaired', 'Rebuilt router R in Pod1'],
      // The router's rebuild made its ports again: their findings are gone by then.
      ['skipped', 'Already gone: nothing to do'],
      ['skipped', 'Already gone: nothing to do'],
    ]);
    await w.t.engine.idle();
    expect(await run()).toEqual([]);
    await stillWorks(w);
  });

  it('a lost bridge floating-IP port frees its bridge address and the floating IP is realised again', async () => {
    const w = await world();
    const bridge = (await w.api['ports.list']({})).items.find((p) => p.name.startsWith('ns_bridge_port_proj1_None_'))!;
    expect(bridge.fixed_ips[0].ip_address).toBe('100.128.0.3');
    const r = w.row(bridge.id, w.p.Pod2, 'port');
    await w.pod2.delete('port', r.bottom_id!);
    const found = await run();
    expect(found).toEqual([
      {
        id: expect.any(String),
        kind: 'missing_bottom',
        pod: { pod_id: w.p.Pod2, region_name: 'Pod2' },
        resource_type: 'port',
        top_id: bridge.id,
        bottom_id: r.bottom_id,
        project_id: 'proj1',
        detail: `Port ${bridge.name} (100.128.0.3) is mapped in Pod2 to bottom port ns_bridge_port (${r.bottom_id}), which is gone`,
        repair: { action: 'rebuild', text: 'Forget the lost port: drop its routing row, then rebuild from the top floating IP 162.3.124.5', args: { routing_id: r.id } },
      },
    ]);
    await w.api['doctor.repair']({ ids: [found[0].id] });
    await w.t.engine.idle();
    expect(await run()).toEqual([]);
    // The old bridge port went (its address freed), a new one took the lowest free address: the same.
    expect((await w.api['ports.get']({ id: bridge.id }).catch((e) => e)).code).toBe('NOT_FOUND');
    const again = (await w.api['ports.list']({})).items.filter((p) => p.name.startsWith('ns_bridge_port_proj1_None_'));
    expect(again.map((p) => p.fixed_ips[0].ip_address)).toEqual(['100.128.0.3']);
    await stillWorks(w);
  });

  it('a lost VM port in its pod is made again and its floating IP realised', async () => {
    const w = await world();
    const r = w.row(w.vm.id, w.p.Pod1, 'port');
    await w.pod1.delete('port', r.bottom_id!);
    const found = await run();
    expect(found.map((f) => [f.kind, f.resource_type, f.top_id, f.detail])).toEqual([['missing_bottom', 'port', w.vm.id, `Port vm1 (10.0.1.4) is mapped in Pod1 to bottom port ${w.vm.id} (${r.bottom_id}), which is gone`]]);
    expect(found[0].repair.text).toBe('Forget the lost port: drop its routing row, then rebuild from the top port vm1 (10.0.1.4), floating IP 162.3.124.5');
    await w.api['doctor.repair']({ all: true });
    await w.t.engine.idle();
    expect(await run()).toEqual([]);
    expect((await w.pod1.list('port', { name: w.vm.id }))[0].fixed_ips.map((i) => i.ip_address)).toEqual(['10.0.1.4']);
    await stillWorks(w);
  });
});
