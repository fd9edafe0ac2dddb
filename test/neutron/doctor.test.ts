// The doctor on real Neutron pods: drift injected by calling Neutron directly (a bottom port
// deleted, an orphan named like Crosspod's, a floating IP unbound, routes changed, a bottom
// router deleted by hand), found by doctor.run and repaired by doctor.repair. VLANs 2801–2900.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEngine } from '../../main/engine';
import type { PodDriver } from '../../main/engine/drivers/driver';
import { createNeutronDriver } from '../../main/engine/drivers/neutron';
import type { Engine } from '../../main/engine/types';
import type { DoctorFinding } from '../../shared/contract';
import type { FloatingIp, Network, Port, Router, Subnet } from '../../shared/model';

const pods = inject('neutronPods');
const neutron: Record<'Pod1' | 'Pod2', PodDriver> = {
  Pod1: createNeutronDriver({ auth_type: 'noauth', endpoint: pods[0].url }),
  Pod2: createNeutronDriver({ auth_type: 'noauth', endpoint: pods[1].url }),
};

let dir: string;
let engine: Engine;
let api: Engine['api'];
const uid = randomUUID().slice(0, 6);
const proj = `proj-${uid}`;
let ext: Network, net1: Network, sub1: Subnet, sub2: Subnet, router: Router, vm: Port, fip: FloatingIp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-neutron-doctor-'));
  engine = await createEngine({ dbPath: join(dir, 'crosspod.db'), settings: { bridge: { vlan_min: 2801, vlan_max: 2900 } } as never });
  api = engine.api;
  await api['pods.create']({ region_name: 'RegionOne' });
  await api['pods.create']({ region_name: 'Pod1', az_name: 'az1', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: pods[0].url } });
  await api['pods.create']({ region_name: 'Pod2', az_name: 'az2', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: pods[1].url } });
  ext = await api['networks.create']({ name: 'ext-net', project_id: `admin-${uid}`, 'router:external': true, availability_zone_hints: ['Pod2'] });
  await api['subnets.create']({ network_id: ext.id, cidr: '162.3.140.0/24', enable_dhcp: false });
  net1 = await api['networks.create']({ name: 'net1', project_id: proj, availability_zone_hints: ['az1'] });
  sub1 = await api['subnets.create']({ network_id: net1.id, cidr: '10.0.1.0/24', enable_dhcp: false, name: 'subnet1' });
  const net2 = await api['networks.create']({ name: 'net2', project_id: proj, availability_zone_hints: ['az2'] });
  sub2 = await api['subnets.create']({ network_id: net2.id, cidr: '10.0.2.0/24', enable_dhcp: false, name: 'subnet2' });
  router = await api['routers.create']({ name: 'R', project_id: proj });
  await api['routers.addInterface']({ id: router.id, subnet_id: sub1.id });
  await api['routers.addInterface']({ id: router.id, subnet_id: sub2.id });
  await api['routers.setGateway']({ id: router.id, network_id: ext.id });
  vm = await api['ports.create']({ network_id: net1.id, name: 'vm1', fixed_ips: [{ ip_address: '10.0.1.4' }], device_owner: 'compute:az1' });
  fip = await api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.140.5', port_id: vm.id });
  await engine.idle();
});

afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

const podId = async (region: string) => (await api['pods.list']({ region_name: region })).items[0].pod_id;
const bottomOf = async (top: string, region: string, type: string) => (await api['routings.list']({ top_id: top, pod_id: await podId(region), resource_type: type })).items[0].bottom_id!;
const run = async (): Promise<DoctorFinding[]> => (await api['doctor.run']({})).findings;
const hops = async () => (await api['fips.path']({ id: fip.id })).hops.map((h) => [h.role, h.address, h.region]);
const expectWorking = async () => {
  expect(await hops()).toEqual([
    ['external', '162.3.140.5', 'Pod2'],
    ['bridge', '100.128.0.3', 'Pod1'],
    ['fixed', '10.0.1.4', 'Pod1'],
  ]);
};

/** Repairs exactly the findings given, then the doctor comes back clean and the floating IP works. */
async function repairAndCheck(found: DoctorFinding[]) {
  const { results } = await api['doctor.repair']({ ids: found.map((f) => f.id) });
  expect(results.map((r) => [r.kind, r.status, r.error?.message])).toEqual(found.map((f) => [f.kind, 'repaired', undefined]));
  await engine.idle();
  expect(await run()).toEqual([]);
  expect((await api['jobs.list']({ status: 'FAIL' })).items).toEqual([]);
}

describe('the doctor on real Neutron', () => {
  it('a healthy estate is clean', async () => {
    expect(await run()).toEqual([]);
    await expectWorking();
  });

  it('a VM port deleted in Neutron: missing_bottom, made again with its floating IP', async () => {
    const b = await bottomOf(vm.id, 'Pod1', 'port');
    await neutron.Pod1.delete('port', b);
    const found = await run();
    expect(found.map((f) => [f.kind, f.resource_type, f.top_id, f.bottom_id, f.pod?.region_name, f.detail])).toEqual([
      ['missing_bottom', 'port', vm.id, b, 'Pod1', `Port vm1 (10.0.1.4) is mapped in Pod1 to bottom port ${vm.id} (${b}), which is gone`],
    ]);
    await repairAndCheck(found);
    expect((await neutron.Pod1.list('port', { description: `crosspod:port:${vm.id}` })).map((p) => p.fixed_ips.map((i) => i.ip_address))).toEqual([['10.0.1.4']]);
    await expectWorking();
  });

  it("an orphan router named like Crosspod's, with an interface: orphan_bottom, detached and deleted", async () => {
    const bnet = await bottomOf(net1.id, 'Pod1', 'network');
    const bsub = await bottomOf(sub1.id, 'Pod1', 'subnet');
    const orphan = await neutron.Pod1.create('router', { name: randomUUID(), project_id: proj });
    const port = await neutron.Pod1.create('port', { name: '', network_id: bnet, project_id: proj, fixed_ips: [{ subnet_id: bsub, ip_address: '10.0.1.61' }] });
    await neutron.Pod1.addInterface(orphan.id, { port_id: port.id });
    const found = await run();
    expect(found.map((f) => [f.kind, f.resource_type, f.bottom_id, f.project_id, f.repair.text])).toEqual([['orphan_bottom', 'router', orphan.id, proj, 'Delete it in Pod1 (interfaces and gateway detached first)']]);
    await repairAndCheck(found);
    expect((await neutron.Pod1.list('router', { name: orphan.name }))).toEqual([]);
    expect((await neutron.Pod1.list('port', { network_id: bnet })).some((p) => p.fixed_ips.some((i) => i.ip_address === '10.0.1.61'))).toBe(false);
  });

  it('the floating IP unbound in Neutron: fip_binding_drift, bound again', async () => {
    const bext = await bottomOf(ext.id, 'Pod2', 'network');
    const [b] = await neutron.Pod2.list('floatingip', { floating_network_id: bext, floating_ip_address: '162.3.140.5' });
    await neutron.Pod2.update('floatingip', b.id, { port_id: null });
    const found = await run();
    expect(found.map((f) => [f.kind, f.bottom_id, f.detail])).toEqual([
      ['fip_binding_drift', b.id, 'Floating IP 162.3.140.5 is bound to 10.0.1.4 at the top, but Pod2 holds 162.3.140.5 unbound (it should be bound to bridge port 100.128.0.3)'],
    ]);
    await repairAndCheck(found);
    await expectWorking();
  });

  it("routes changed in Neutron: routes_drift, Crosspod's routes back and the operator's kept", async () => {
    const b = await bottomOf(router.id, 'Pod1', 'router');
    const before = (await neutron.Pod1.get('router', b)).routes;
    expect(before).toEqual([{ destination: '10.0.2.0/24', nexthop: expect.stringMatching(/^100\.0\.0\.\d+$/) }]);
    const mine = { destination: '192.168.7.0/24', nexthop: '10.0.1.200' };
    await neutron.Pod1.setRoutes(b, [mine]);
    const found = await run();
    expect(found.map((f) => [f.kind, f.bottom_id, f.detail])).toEqual([['routes_drift', b, `The bottom router of router R in Pod1 lacks routes Crosspod manages: 10.0.2.0/24 via ${before[0].nexthop}`]]);
    await repairAndCheck(found);
    expect((await neutron.Pod1.get('router', b)).routes.map((r) => r.destination).sort()).toEqual(['10.0.2.0/24', '192.168.7.0/24']);
    await neutron.Pod1.setRoutes(b, before);
  });

  it('security groups changed in Neutron: an orphan group and rule deleted, a lost rule and a lost group copy made again', async () => {
    const dflt = (await api['secgroups.list']({ project_id: proj, name: 'default' })).items[0];
    const copy = await bottomOf(dflt.id, 'Pod1', 'security_group');
    const vmBottom = await bottomOf(vm.id, 'Pod1', 'port');
    expect((await neutron.Pod1.get('port', vmBottom)).security_groups).toEqual([copy]);
    const lost = randomUUID();
    const orphan = await neutron.Pod1.create('security_group', { name: `${lost}#web`, description: `crosspod:security_group:${lost}`, project_id: proj });
    const extra = await neutron.Pod1.create('security_group_rule', { security_group_id: copy, project_id: proj, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' });
    const v6 = (await neutron.Pod1.get('security_group', copy)).security_group_rules.find((r) => r.direction === 'egress' && r.ethertype === 'IPv6')!;
    await neutron.Pod1.delete('security_group_rule', v6.id);
    let found = await run();
    expect(found.map((f) => [f.kind, f.resource_type, f.bottom_id, f.detail])).toEqual([
      ['orphan_bottom', 'security_group_rule', extra.id, `Bottom rule ingress IPv4 tcp 22-22 from 0.0.0.0/0 (${extra.id}) of security group default (${dflt.id}) in Pod1 is not one of the top group's rules`],
      ['missing_bottom', 'security_group_rule', copy, `The copy of security group default (${dflt.id}) in Pod1 (bottom ${copy}) lacks a rule: egress IPv6 any`],
      ['orphan_bottom', 'security_group', orphan.id, `Bottom security group ${lost}#web (${orphan.id}) in Pod1 is named as Crosspod names its groups, but no routing row knows it`],
    ]);
    // Repairs run orphans first (rules, then groups), then what is missing.
    await repairAndCheck([found[0], found[2], found[1]]);
    expect(await neutron.Pod1.list('security_group', { name: `${lost}#web` })).toEqual([]);
    const rules = (await neutron.Pod1.get('security_group', copy)).security_group_rules.map((r) => [r.direction, r.ethertype, r.protocol, r.remote_group_id === copy ? 'self' : r.remote_group_id]);
    expect(rules.sort()).toEqual([['egress', 'IPv4', null, null], ['egress', 'IPv6', null, null], ['ingress', 'IPv4', null, 'self'], ['ingress', 'IPv6', null, 'self']].sort());

    // The copy itself deleted by hand (off the VM port first: Neutron refuses a group in use).
    await neutron.Pod1.update('port', vmBottom, { security_groups: [] });
    await neutron.Pod1.delete('security_group', copy);
    found = await run();
    expect(found.map((f) => [f.kind, f.resource_type, f.top_id, f.bottom_id, f.repair.text])).toEqual([
      ['missing_bottom', 'security_group', dflt.id, copy, "Forget the lost group and make it again in Pod1 with the top's rules, bound again to 1 port there"],
    ]);
    await repairAndCheck(found);
    const again = await bottomOf(dflt.id, 'Pod1', 'security_group');
    expect(again).not.toBe(copy);
    expect(await neutron.Pod1.get('security_group', again)).toMatchObject({ name: `${dflt.id}#default`, description: `crosspod:security_group:${dflt.id}`, project_id: proj });
    expect((await neutron.Pod1.get('security_group', again)).security_group_rules).toHaveLength(4);
    expect((await neutron.Pod1.get('port', vmBottom)).security_groups).toEqual([again]);
    await expectWorking();
  });

  it('a bottom router deleted by hand in Neutron stays mapped until repaired; then the next interface-add works', async () => {
    await api['fips.disassociate']({ id: fip.id });
    const b = await bottomOf(router.id, 'Pod1', 'router');
    await neutron.Pod1.setRoutes(b, []);
    for (const p of await neutron.Pod1.list('port', { device_id: b, device_owner: 'network:router_interface' })) await neutron.Pod1.removeInterface(b, { port_id: p.id });
    await neutron.Pod1.removeGateway(b);
    await neutron.Pod1.delete('router', b);
    const net3 = await api['networks.create']({ name: 'net3', project_id: proj, availability_zone_hints: ['az1'] });
    const sub3 = await api['subnets.create']({ network_id: net3.id, cidr: '10.0.3.0/24', enable_dhcp: false });
    await expect(api['routers.addInterface']({ id: router.id, subnet_id: sub3.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const found = await run();
    expect(found.map((f) => [f.kind, f.resource_type, f.pod?.region_name]).sort()).toEqual([
      ['missing_bottom', 'port', 'Pod1'],
      ['missing_bottom', 'port', 'Pod1'],
      ['missing_bottom', 'router', 'Pod1'],
    ]);
    const r = found.find((f) => f.resource_type === 'router')!;
    expect(r.detail).toBe(`Router R is mapped in Pod1 to bottom router ${router.id} (${b}), which is gone`);
    const { results } = await api['doctor.repair']({ all: true });
    expect(results.map((x) => x.status).sort()).toEqual(['repaired', 'skipped', 'skipped']);
    await engine.idle();
    expect(await run()).toEqual([]);
    await api['routers.addInterface']({ id: router.id, subnet_id: sub3.id });
    await api['fips.associate']({ id: fip.id, port_id: vm.id });
    await engine.idle();
    const nb = await bottomOf(router.id, 'Pod1', 'router');
    expect(nb).not.toBe(b);
    expect((await neutron.Pod1.list('port', { device_id: nb, device_owner: 'network:router_interface' })).flatMap((p) => p.fixed_ips.map((i) => i.ip_address)).sort()).toEqual(['10.0.1.1', '10.0.3.1', '100.0.0.2']);
    expect(await run()).toEqual([]);
    await expectWorking();
  });
});
