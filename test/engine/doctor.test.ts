// The doctor on lab pods: for every kind of drift, inject it straight into the bottoms (a lab
// driver over the same file, or SQL on the routing and IPAM tables), prove doctor.run finds it
// with exact fields, doctor.repair fixes it, a second run is clean and the §12 state still works.
import { afterEach, describe, expect, it } from 'vitest';
import { Ipam } from '../../main/engine/ipam';
import { CrosspodError } from '../../shared/errors';
import { auditMark, dbChecksum } from '../contract/checksum';
import type { DoctorFinding } from '../../shared/contract';
import { newEngine, threePods, type TestEngine } from './support/engine';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** §12 plus a second network in Pod2 on the same router: both bridges, routes between pods and a two-step floating IP. */
async function world() {
  return worldOn(await newEngine());
}

async function worldOn(engine: TestEngine) {
  t = engine;
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

/** An engine whose lab drivers throw what `fail` returns for a (region, verb, kind). */
async function faultyEngine(fail: (region: string, verb: string, kind: unknown) => CrosspodError | null): Promise<TestEngine> {
  return newEngine({
    driverFactory: (pod, base) => {
      const d = base(pod);
      return new Proxy(d, {
        get(target, prop, recv) {
          const v = Reflect.get(target, prop, recv);
          if (typeof v !== 'function') return v;
          return (...args: unknown[]) => {
            const e = fail(pod.region_name, String(prop), args[0]);
            if (e) throw e;
            return v.apply(target, args);
          };
        },
      });
    },
  });
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
    expect((await w.pod1.list('port', { description: `crosspod:port:${w.vm.id}` }))[0].fixed_ips.map((i) => i.ip_address)).toEqual(['10.0.1.4']);
    await stillWorks(w);
  });
});

describe('orphan_bottom', () => {
  it('a port, a router with an interface and a floating IP named as Crosspod names them, unknown to the routing table, are deleted', async () => {
    const w = await world();
    const b1net = w.row(w.net1.id, w.p.Pod1, 'network').bottom_id!;
    const b1sub = w.row(w.sub1.id, w.p.Pod1, 'subnet').bottom_id!;
    const orphanPort = await w.pod1.create('port', { name: crypto.randomUUID(), network_id: b1net, project_id: 'proj1', fixed_ips: [{ subnet_id: b1sub, ip_address: '10.0.1.60' }] });
    const orphanRouter = await w.pod1.create('router', { name: crypto.randomUUID(), project_id: 'proj1' });
    const ifPort = await w.pod1.create('port', { name: '', network_id: b1net, project_id: 'proj1', fixed_ips: [{ subnet_id: b1sub, ip_address: '10.0.1.61' }] });
    await w.pod1.addInterface(orphanRouter.id, { port_id: ifPort.id });
    const b2ext = w.row(w.ext.id, w.p.Pod2, 'network').bottom_id!;
    const orphanFip = await w.pod2.create('floatingip', { floating_network_id: b2ext, project_id: 'proj1', floating_ip_address: '162.3.124.77' });
    // Someone else's router, not a Crosspod name: left alone.
    await w.pod1.create('router', { name: 'operators-router', project_id: 'proj1' });

    const found = await run();
    expect(found.map((f) => [f.kind, f.resource_type, f.bottom_id, f.repair.action])).toEqual([
      ['orphan_bottom', 'port', orphanPort.id, 'delete_bottom'],
      ['orphan_bottom', 'router', orphanRouter.id, 'delete_bottom'],
      ['orphan_bottom', 'floatingip', orphanFip.id, 'delete_bottom'],
    ]);
    expect(found[0]).toEqual({
      id: expect.any(String),
      kind: 'orphan_bottom',
      pod: { pod_id: w.p.Pod1, region_name: 'Pod1' },
      resource_type: 'port',
      top_id: null,
      bottom_id: orphanPort.id,
      project_id: 'proj1',
      detail: `Bottom port ${orphanPort.name} (${orphanPort.id}, 10.0.1.60) in Pod1 is named as Crosspod names its ports, but no routing row knows it`,
      repair: { action: 'delete_bottom', text: 'Delete it in Pod1', args: { pod_id: w.p.Pod1, type: 'port', bottom_id: orphanPort.id } },
    });
    expect(found[1].repair.text).toBe('Delete it in Pod1 (interfaces and gateway detached first)');
    expect(found[2].detail).toBe(`Bottom floating IP 162.3.124.77 (${orphanFip.id}) in Pod2 is on a network Crosspod manages, but no top floating IP or bridge port holds it`);
    const { results } = await w.api['doctor.repair']({ all: true });
    // Floating IPs first, then routers (interfaces detached), then ports.
    expect(results.map((r) => [r.status, r.message])).toEqual([
      ['repaired', `Deleted bottom floatingip ${orphanFip.id} in Pod2`],
      ['repaired', `Deleted bottom router ${orphanRouter.id} in Pod1`],
      ['repaired', `Deleted bottom port ${orphanPort.id} in Pod1`],
    ]);
    expect(await run()).toEqual([]);
    expect((await w.pod1.list('router')).map((r) => r.name).sort()).toEqual([w.router.id, 'operators-router'].sort());
    expect((await w.pod1.list('port')).some((p) => p.fixed_ips.some((i) => ['10.0.1.60', '10.0.1.61'].includes(i.ip_address)))).toBe(false);
    await stillWorks(w);
  });
});

describe('security groups', () => {
  /** The bottom copy of proj1's default group in a pod, and the VM port's bottom there. */
  async function defaultCopy(w: Awaited<ReturnType<typeof world>>, pod: 'Pod1' | 'Pod2') {
    const dflt = (await w.api['secgroups.list']({ project_id: 'proj1', name: 'default' })).items[0];
    return { dflt, row: w.row(dflt.id, w.p[pod], 'security_group') };
  }
  const rulesOf = async (d: Awaited<ReturnType<typeof world>>['pod1'], id: string) =>
    (await d.get('security_group', id)).security_group_rules.map((r) => [r.direction, r.ethertype, r.protocol, r.port_range_min, r.remote_ip_prefix, r.remote_group_id === id ? 'self' : r.remote_group_id]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const DEFAULT_RULES = [
    ['egress', 'IPv4', null, null, null, null],
    ['egress', 'IPv6', null, null, null, null],
    ['ingress', 'IPv4', null, null, null, 'self'],
    ['ingress', 'IPv6', null, null, null, 'self'],
  ];

  it('a bottom group deleted by hand is made again with its rules and bound again to the VM port', async () => {
    const w = await world();
    const { dflt, row } = await defaultCopy(w, 'Pod1');
    const vmBottom = w.row(w.vm.id, w.p.Pod1, 'port').bottom_id!;
    expect((await w.pod1.get('port', vmBottom)).security_groups).toEqual([row.bottom_id]);
    // By hand: off the port (Neutron refuses to delete a group in use), then deleted.
    await w.pod1.update('port', vmBottom, { security_groups: [] });
    await w.pod1.delete('security_group', row.bottom_id!);

    const found = await run();
    expect(found).toEqual([
      {
        id: expect.any(String),
        kind: 'missing_bottom',
        pod: { pod_id: w.p.Pod1, region_name: 'Pod1' },
        resource_type: 'security_group',
        top_id: dflt.id,
        bottom_id: row.bottom_id,
        project_id: 'proj1',
        detail: `Security group default (${dflt.id}) is mapped in Pod1 to bottom group ${row.bottom_id}, which is gone`,
        repair: { action: 'rebuild', text: "Forget the lost group and make it again in Pod1 with the top's rules, bound again to 1 port there", args: { routing_id: row.id } },
      },
    ]);
    const { results } = await w.api['doctor.repair']({ ids: [found[0].id] });
    expect(results).toEqual([{ id: found[0].id, kind: 'missing_bottom', status: 'repaired', message: 'Security group default made again in Pod1 and bound to 1 port' }]);
    const again = w.row(dflt.id, w.p.Pod1, 'security_group');
    expect(again.bottom_id).not.toBe(row.bottom_id);
    const copy = await w.pod1.get('security_group', again.bottom_id!);
    expect(copy).toMatchObject({ name: `${dflt.id}#default`, description: `crosspod:security_group:${dflt.id}`, project_id: 'proj1' });
    expect(await rulesOf(w.pod1, again.bottom_id!)).toEqual(DEFAULT_RULES);
    expect((await w.pod1.get('port', vmBottom)).security_groups).toEqual([again.bottom_id]);
    expect(await run()).toEqual([]);
    await stillWorks(w);
  });

  it('an orphan group, a rule the top lacks and a rule the bottom lacks are found and set right; an operator’s group is left alone', async () => {
    const w = await world();
    const { dflt, row } = await defaultCopy(w, 'Pod2');
    const copy = row.bottom_id!;
    const lost = crypto.randomUUID();
    const orphan = await w.pod2.create('security_group', { name: `${lost}#web`, description: `crosspod:security_group:${lost}`, project_id: 'proj1' });
    await w.pod2.create('security_group', { name: 'operators-sg', description: 'not ours', project_id: 'proj1' });
    const extra = await w.pod2.create('security_group_rule', { security_group_id: copy, project_id: 'proj1', direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' });
    const v6 = (await w.pod2.get('security_group', copy)).security_group_rules.find((r) => r.direction === 'egress' && r.ethertype === 'IPv6')!;
    await w.pod2.delete('security_group_rule', v6.id);

    const found = await run();
    expect(found.map((f) => [f.kind, f.resource_type, f.top_id, f.bottom_id, f.repair.action])).toEqual([
      ['orphan_bottom', 'security_group_rule', dflt.id, extra.id, 'delete_bottom'],
      ['missing_bottom', 'security_group_rule', dflt.id, copy, 'sync_rules'],
      ['orphan_bottom', 'security_group', null, orphan.id, 'delete_bottom'],
    ]);
    expect(found.map((f) => f.detail)).toEqual([
      `Bottom rule ingress IPv4 tcp 22-22 from 0.0.0.0/0 (${extra.id}) of security group default (${dflt.id}) in Pod2 is not one of the top group's rules`,
      `The copy of security group default (${dflt.id}) in Pod2 (bottom ${copy}) lacks a rule: egress IPv6 any`,
      `Bottom security group ${lost}#web (${orphan.id}) in Pod2 is named as Crosspod names its groups, but no routing row knows it`,
    ]);
    const { results } = await w.api['doctor.repair']({ all: true });
    // Orphans first (rules, then groups), then what is missing.
    expect(results.map((r) => [r.kind, r.status, r.message])).toEqual([
      ['orphan_bottom', 'repaired', `Deleted bottom security_group_rule ${extra.id} in Pod2`],
      ['orphan_bottom', 'repaired', `Deleted bottom security_group ${orphan.id} in Pod2`],
      ['missing_bottom', 'repaired', "Rules of security group default made equal to the top's in Pod2"],
    ]);
    expect(await run()).toEqual([]);
    expect(await rulesOf(w.pod2, copy)).toEqual(DEFAULT_RULES);
    expect((await w.pod2.list('security_group')).map((g) => g.name).sort()).toEqual([`${dflt.id}#default`, 'operators-sg'].sort());
    await stillWorks(w);
  });
});

describe('mismatch', () => {
  it('a bottom VM port at another address is made again from the top', async () => {
    const w = await world();
    const r = w.row(w.vm.id, w.p.Pod1, 'port');
    const b1sub = w.row(w.sub1.id, w.p.Pod1, 'subnet').bottom_id!;
    const db = w.t.engine.store.db;
    // Moved in the region: the bottom port (and the pod's IPAM) now say 10.0.1.9.
    const ipam = new Ipam(db);
    ipam.release(b1sub, '10.0.1.4');
    ipam.allocate(b1sub, '10.0.1.9');
    db.prepare("UPDATE lab_port_ips SET ip_address = '10.0.1.9' WHERE port_id = ?").run(r.bottom_id);
    const found = await run();
    expect(found).toEqual([
      {
        id: expect.any(String),
        kind: 'mismatch',
        pod: { pod_id: w.p.Pod1, region_name: 'Pod1' },
        resource_type: 'port',
        top_id: w.vm.id,
        bottom_id: r.bottom_id,
        project_id: 'proj1',
        detail: `Port vm1 (10.0.1.4) in Pod1 (bottom ${r.bottom_id}) has 10.0.1.9, the top says 10.0.1.4`,
        repair: { action: 'recreate', text: 'Recreate the bottom port from the top: drop its routing row, then rebuild from the top port vm1 (10.0.1.4), floating IP 162.3.124.5', args: { routing_id: r.id } },
      },
    ]);
    expect((await w.api['doctor.repair']({ ids: [found[0].id] })).results[0].status).toBe('repaired');
    await w.t.engine.idle();
    expect(await run()).toEqual([]);
    expect((await w.pod1.list('port', { description: `crosspod:port:${w.vm.id}` })).map((p) => p.fixed_ips.map((i) => i.ip_address))).toEqual([['10.0.1.4']]);
    await stillWorks(w);
  });

  it("a bottom network's external flag and admin state are set back from the top and its N-S role", async () => {
    const w = await world();
    const ns = (await w.api['networks.list']({ name: 'ns_bridge_net_proj1' })).items[0];
    const r = w.row(ns.id, w.p.Pod1, 'network');
    w.t.engine.store.db.prepare('UPDATE lab_networks SET router_external = 0, admin_state_up = 0 WHERE id = ?').run(r.bottom_id);
    const found = await run();
    expect(found.map((f) => [f.kind, f.resource_type, f.detail, f.repair.action, f.repair.text, f.repair.args])).toEqual([
      [
        'mismatch',
        'network',
        `Network ns_bridge_net_proj1 in Pod1 (bottom ${r.bottom_id}): router:external is false, its role there wants true; admin_state_up is false, the top says true`,
        'update_bottom',
        'Set router:external=true, admin_state_up=true on the bottom network',
        { routing_id: r.id, body: { 'router:external': true, admin_state_up: true } },
      ],
    ]);
    await w.api['doctor.repair']({ all: true });
    expect(await run()).toEqual([]);
    expect(await w.pod1.get('network', r.bottom_id!)).toMatchObject({ 'router:external': true, admin_state_up: true });
    await stillWorks(w);
  });

  it("a bottom subnet with another gateway is made again, with the router's interface and the VM port on it", async () => {
    const w = await world();
    const r = w.row(w.sub2.id, w.p.Pod2, 'subnet');
    w.t.engine.store.db.prepare("UPDATE lab_subnets SET gateway_ip = '10.0.2.254' WHERE id = ?").run(r.bottom_id);
    const found = await run();
    expect(found.map((f) => [f.kind, f.resource_type, f.detail, f.repair.action])).toEqual([
      ['mismatch', 'subnet', `Subnet subnet2 (10.0.2.0/24) in Pod2 (bottom ${r.bottom_id}) has gateway 10.0.2.254, the top says 10.0.2.1`, 'recreate'],
    ]);
    expect(found[0].repair.text).toBe('Recreate the bottom subnet from the top: drop 3 routing rows, then rebuild from the top port vm2 (10.0.2.4), router R');
    expect((await w.api['doctor.repair']({ all: true })).results.map((x) => x.status)).toEqual(['repaired']);
    await w.t.engine.idle();
    expect(await run()).toEqual([]);
    const nsub = w.row(w.sub2.id, w.p.Pod2, 'subnet').bottom_id!;
    expect(nsub).not.toBe(r.bottom_id);
    expect(await w.pod2.get('subnet', nsub)).toMatchObject({ cidr: '10.0.2.0/24', gateway_ip: '10.0.2.1' });
    const b2r = w.row(w.router.id, w.p.Pod2, 'router').bottom_id!;
    const ifaces = (await w.pod2.list('port', { device_id: b2r, device_owner: 'network:router_interface' })).flatMap((p) => p.fixed_ips.map((i) => i.ip_address));
    expect(ifaces).toContain('10.0.2.1');
    expect((await w.pod2.list('port', { description: `crosspod:port:${w.vm2.id}` }))[0].fixed_ips[0].ip_address).toBe('10.0.2.4');
    await stillWorks(w);
  });
});

describe('stale_routing and ipam_leak', () => {
  it('an incomplete routing row past its expiry is dropped', async () => {
    const w = await world();
    const db = w.t.engine.store.db;
    const old = new Date(Date.now() - 3600_000).toISOString();
    const id = Number(db.prepare("INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at, updated_at) VALUES (?, NULL, ?, 'proj1', 'port', ?, ?)").run(w.vm2.id, w.p.Pod1, old, old).lastInsertRowid);
    // A fresh lock is a creation in progress, not drift.
    const fresh = new Date().toISOString();
    db.prepare("INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at, updated_at) VALUES (?, NULL, ?, 'proj1', 'router', ?, ?)").run(w.router.id, w.p.RegionOne, fresh, fresh);
    const found = await run();
    expect(found).toEqual([
      {
        id: expect.any(String),
        kind: 'stale_routing',
        pod: { pod_id: w.p.Pod1, region_name: 'Pod1' },
        resource_type: 'port',
        top_id: w.vm2.id,
        bottom_id: null,
        project_id: 'proj1',
        detail: `Routing row #${id} for port vm2 (10.0.2.4) in Pod1 was never completed (a creation lock 3600 s old, past the 30 s expiry)`,
        repair: { action: 'drop_routing', text: `Drop routing row #${id}`, args: { routing_id: id } },
      },
    ]);
    await w.api['doctor.repair']({ ids: [found[0].id] });
    expect(db.prepare('SELECT COUNT(*) FROM resource_routings WHERE id = ?').pluck().get(id)).toBe(0);
    expect(await run()).toEqual([]);
    await stillWorks(w);
  });

  it('an address allocated at the top that nothing holds is released', async () => {
    const w = await world();
    const ipam = new Ipam(w.t.engine.store.db);
    ipam.allocate(w.sub1.id, '10.0.1.77');
    const found = await run();
    expect(found).toEqual([
      {
        id: expect.any(String),
        kind: 'ipam_leak',
        pod: null,
        resource_type: 'ip_address',
        top_id: w.sub1.id,
        bottom_id: null,
        project_id: 'proj1',
        detail: '10.0.1.77 is allocated in subnet subnet1 (10.0.1.0/24), but no port, floating IP or gateway holds it',
        repair: { action: 'release_address', text: 'Release 10.0.1.77', args: { subnet_id: w.sub1.id, ip_address: '10.0.1.77' } },
      },
    ]);
    await w.api['doctor.repair']({ all: true });
    expect(ipam.isAllocated(w.sub1.id, '10.0.1.77')).toBe(false);
    expect(await run()).toEqual([]);
    await stillWorks(w);
  });
});

describe('routes_drift', () => {
  it("a bottom router that lost Crosspod's routes gets them back; the operator's own route stays", async () => {
    const w = await world();
    const b1r = w.row(w.router.id, w.p.Pod1, 'router').bottom_id!;
    const before = (await w.pod1.get('router', b1r)).routes;
    expect(before.length).toBeGreaterThan(0);
    const mine = { destination: '192.168.7.0/24', nexthop: '10.0.1.200' };
    await w.pod1.setRoutes(b1r, [mine]);
    const found = await run();
    expect(found).toEqual([
      {
        id: expect.any(String),
        kind: 'routes_drift',
        pod: { pod_id: w.p.Pod1, region_name: 'Pod1' },
        resource_type: 'router',
        top_id: w.router.id,
        bottom_id: b1r,
        project_id: 'proj1',
        detail: `The bottom router of router R in Pod1 lacks routes Crosspod manages: ${before.map((r) => `${r.destination} via ${r.nexthop}`).join(', ')}`,
        repair: { action: 'configure_routes', text: 'Run configure_extra_routes for the router (routes set by others are kept)', args: { router_id: w.router.id } },
      },
    ]);
    await w.api['doctor.repair']({ all: true });
    expect((await w.pod1.get('router', b1r)).routes).toEqual([mine, ...before]);
    expect(await run()).toEqual([]);
    await stillWorks(w);
  });
});

describe('fip_binding_drift', () => {
  it("the external pod's floating IP unbound by hand is realised again", async () => {
    const w = await world();
    const b2ext = w.row(w.ext.id, w.p.Pod2, 'network').bottom_id!;
    const [b2fip] = await w.pod2.list('floatingip', { floating_network_id: b2ext, floating_ip_address: '162.3.124.5' });
    await w.pod2.update('floatingip', b2fip.id, { port_id: null });
    const found = await run();
    expect(found).toEqual([
      {
        id: expect.any(String),
        kind: 'fip_binding_drift',
        pod: { pod_id: w.p.Pod2, region_name: 'Pod2' },
        resource_type: 'floatingip',
        top_id: w.fip.id,
        bottom_id: b2fip.id,
        project_id: 'proj1',
        detail: 'Floating IP 162.3.124.5 is bound to 10.0.1.4 at the top, but Pod2 holds 162.3.124.5 unbound (it should be bound to bridge port 100.128.0.3)',
        repair: { action: 'realise_fip', text: 'Re-realise it from the top (disassociate, then associate with 10.0.1.4 again)', args: { fip_id: w.fip.id } },
      },
    ]);
    await w.api['doctor.repair']({ ids: [found[0].id] });
    expect(await run()).toEqual([]);
    await stillWorks(w);
  });

  it('the bridge floating IP deleted in the VM pod is made again', async () => {
    const w = await world();
    const [inner] = (await w.pod1.list('floatingip')).filter((f) => f.floating_ip_address === '100.128.0.3');
    await w.pod1.delete('floatingip', inner.id);
    const found = await run();
    expect(found.map((f) => [f.kind, f.detail])).toEqual([['fip_binding_drift', 'Floating IP 162.3.124.5 is bound to 10.0.1.4 at the top, but Pod1 has no floating IP 100.128.0.3 (it should be bound to port 10.0.1.4)']]);
    await w.api['doctor.repair']({ all: true });
    expect(await run()).toEqual([]);
    await stillWorks(w);
  });

  it('a floating IP unbound at the top but bound in its pod is unbound there', async () => {
    const w = await world();
    await w.api['fips.disassociate']({ id: w.fip.id });
    const b2ext = w.row(w.ext.id, w.p.Pod2, 'network').bottom_id!;
    const [b2fip] = await w.pod2.list('floatingip', { floating_network_id: b2ext, floating_ip_address: '162.3.124.5' });
    const vm2Bottom = w.row(w.vm2.id, w.p.Pod2, 'port').bottom_id!;
    await w.pod2.update('floatingip', b2fip.id, { port_id: vm2Bottom });
    const found = await run();
    expect(found.map((f) => [f.kind, f.bottom_id, f.detail, f.repair.action, f.repair.text])).toEqual([
      ['fip_binding_drift', b2fip.id, 'Floating IP 162.3.124.5 is unbound at the top, but Pod2 binds it to 10.0.2.4', 'unbind_fip', 'Unbind it in Pod2'],
    ]);
    await w.api['doctor.repair']({ all: true });
    expect((await w.pod2.get('floatingip', b2fip.id)).port_id).toBeNull();
    expect(await run()).toEqual([]);
    await w.api['fips.associate']({ id: w.fip.id, port_id: w.vm.id });
    await w.t.engine.idle();
    await stillWorks(w);
  });
});

describe('a pod that does not answer', () => {
  it('is one finding of its own, and the other pods are still checked and repaired', async () => {
    let down = false;
    const w = await worldOn(await faultyEngine((region) => (down && region === 'Pod1' ? new CrosspodError('POD_UNREACHABLE', 'Pod1 at http://127.0.0.1:1 refused the connection') : null)));
    const b2ext = w.row(w.ext.id, w.p.Pod2, 'network').bottom_id!;
    const orphan = await w.pod2.create('floatingip', { floating_network_id: b2ext, project_id: 'proj1', floating_ip_address: '162.3.124.78' });
    down = true;
    const found = await run();
    expect(found.map((f) => [f.kind, f.pod?.region_name, f.bottom_id])).toEqual([
      ['pod_unreachable', 'Pod1', null],
      ['orphan_bottom', 'Pod2', orphan.id],
    ]);
    expect(found[0]).toMatchObject({
      resource_type: 'pod',
      detail: 'Pod Pod1 does not answer (POD_UNREACHABLE: Pod1 at http://127.0.0.1:1 refused the connection); its resources were not checked',
      repair: { action: 'none', text: 'Nothing: bring the pod back, or delete it with force', args: {} },
    });
    const { results } = await w.api['doctor.repair']({ all: true });
    expect(results.map((r) => [r.kind, r.status])).toEqual([
      ['orphan_bottom', 'repaired'],
      ['pod_unreachable', 'skipped'],
    ]);
    down = false;
    expect(await run()).toEqual([]);
    await stillWorks(w);
  });
});

describe('doctor.repair', () => {
  it('audits each repair; an unknown id is refused with FINDING_NOT_FOUND and changes nothing', async () => {
    const w = await world();
    const ipam = new Ipam(w.t.engine.store.db);
    ipam.allocate(w.sub1.id, '10.0.1.77');
    ipam.allocate(w.sub2.id, '10.0.2.77');
    const found = await run();
    const before = dbChecksum(w.t.engine.store.db, ['audit_log']);
    await expect(w.api['doctor.repair']({ ids: [found[0].id, '0123456789abcdef'] })).rejects.toMatchObject({ code: 'FINDING_NOT_FOUND', status: 404, message: 'No current finding has the id 0123456789abcdef: run the doctor again (the drift may be gone already)' });
    await expect(w.api['doctor.repair']({ ids: [] } as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(w.api['doctor.repair']({})).rejects.toMatchObject({ code: 'INVALID_INPUT', message: 'Invalid input for doctor.repair: (input): give either ids or all: true' });
    await expect(w.api['doctor.repair']({ ids: [found[0].id], all: true })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(dbChecksum(w.t.engine.store.db, ['audit_log'])).toEqual(before);
    const audit = auditMark(w.t.engine.store.db);
    await w.api['doctor.repair']({ all: true });
    expect(found.map((f) => f.top_id).sort()).toEqual([w.sub1.id, w.sub2.id].sort());
    expect(audit.since()).toEqual([
      ...found.map((f) => ({ actor: 'doctor', operation: 'doctor.repair.ipam_leak', result_code: 'OK', resource_ids: JSON.stringify([f.top_id]) })),
      { actor: 'local', operation: 'doctor.repair', result_code: 'OK', resource_ids: '[]' },
    ]);
  });

  it('a repair that fails is undone and reported; the others still apply', async () => {
    let failing = false;
    const w = await worldOn(await faultyEngine((region, verb, kind) => (failing && region === 'Pod1' && verb === 'create' && kind === 'floatingip' ? new CrosspodError('BOTTOM_POD_OPERATION_FAILURE', 'Pod1 refused the floating IP') : null)));
    const ipam = new Ipam(w.t.engine.store.db);
    ipam.allocate(w.sub1.id, '10.0.1.77');
    const b2ext = w.row(w.ext.id, w.p.Pod2, 'network').bottom_id!;
    const [b2fip] = await w.pod2.list('floatingip', { floating_network_id: b2ext, floating_ip_address: '162.3.124.5' });
    await w.pod2.update('floatingip', b2fip.id, { port_id: null });
    failing = true;
    const found = await run();
    expect(found.map((f) => f.kind).sort()).toEqual(['fip_binding_drift', 'ipam_leak']);
    const before = await w.pod2.get('floatingip', b2fip.id);
    const { results } = await w.api['doctor.repair']({ all: true });
    expect(results.map((r) => [r.kind, r.status, r.error?.code])).toEqual([
      ['ipam_leak', 'repaired', undefined],
      ['fip_binding_drift', 'failed', 'BOTTOM_POD_OPERATION_FAILURE'],
    ]);
    expect(results[1].message).toBe('Re-realise it from the top (disassociate, then associate with 10.0.1.4 again) failed: Pod1 refused the floating IP');
    // The failed one left everything as it was: top binding and the bottom floating IP.
    expect((await w.api['fips.get']({ id: w.fip.id })).port_id).toBe(w.vm.id);
    expect(await w.pod2.get('floatingip', b2fip.id)).toEqual(before);
    expect(ipam.isAllocated(w.sub1.id, '10.0.1.77')).toBe(false);
    expect((await w.api['audit.list']({ limit: 3 })).items.map((a) => [a.operation, a.result_code])).toEqual([
      ['doctor.repair', 'OK'],
      ['doctor.repair.fip_binding_drift', 'BOTTOM_POD_OPERATION_FAILURE'],
      ['doctor.repair.ipam_leak', 'OK'],
    ]);
    failing = false;
    expect((await w.api['doctor.repair']({ all: true })).results.map((r) => r.status)).toEqual(['repaired']);
    expect(await run()).toEqual([]);
    await stillWorks(w);
  });
});
