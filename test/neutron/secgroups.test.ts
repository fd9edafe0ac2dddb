// Issue 15 item 4 on real Neutron pods: security groups mirrored to the pods where the project's
// VM ports are, bound to those ports, kept in step, and read back from what Neutron holds (its own
// `default` group of the bottom project stays apart: ours is `<id>#default`). A cross-pod floating
// IP's path says whether the VM admits traffic from outside.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEngine } from '../../main/engine';
import type { BottomSecurityGroup, PodDriver } from '../../main/engine/drivers/driver';
import { createNeutronDriver } from '../../main/engine/drivers/neutron';
import type { Engine } from '../../main/engine/types';
import type { Port, SecurityGroup } from '../../shared/model';

const pods = inject('neutronPods');
let dir: string;
let engine: Engine;
let n1: PodDriver;
let n2: PodDriver;
let proj: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-neutron-secgroups-'));
  // VLANs 2941-2999 are this suite's (issue 15 item 4).
  engine = await createEngine({ dbPath: join(dir, 'crosspod.db'), settings: { bridge: { vlan_min: 2941, vlan_max: 2999 } } as never });
  await engine.api['pods.create']({ region_name: 'RegionOne' });
  await engine.api['pods.create']({ region_name: 'Pod1', az_name: 'az1', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: pods[0].url } });
  await engine.api['pods.create']({ region_name: 'Pod2', az_name: 'az2', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: pods[1].url } });
  n1 = createNeutronDriver({ auth_type: 'noauth', endpoint: pods[0].url });
  n2 = createNeutronDriver({ auth_type: 'noauth', endpoint: pods[1].url });
  proj = `proj-${randomUUID().slice(0, 6)}`;
});
afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const bottomOf = (topId: string, type: string, region: string): string | undefined =>
  engine.store.db
    .prepare('SELECT bottom_id FROM resource_routings WHERE top_id = ? AND resource_type = ? AND pod_id = (SELECT pod_id FROM pods WHERE region_name = ?)')
    .pluck()
    .get(topId, type, region) as string | undefined;

/** Rules as Neutron holds them: tuples, a remote group as `self` or the top id it stands for. */
const rulesOf = (g: BottomSecurityGroup, names: Record<string, string> = {}) =>
  g.security_group_rules
    .map((r) => [r.direction, r.ethertype, r.protocol, r.port_range_min, r.port_range_max, r.remote_ip_prefix, r.remote_group_id === null ? null : r.remote_group_id === g.id ? 'self' : (names[r.remote_group_id] ?? r.remote_group_id)])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const DEFAULT_RULES = [
  ['egress', 'IPv4', null, null, null, null, null],
  ['egress', 'IPv6', null, null, null, null, null],
  ['ingress', 'IPv4', null, null, null, null, 'self'],
  ['ingress', 'IPv6', null, null, null, null, 'self'],
];

describe('security groups on real Neutron pods', () => {
  let vm: Port;
  let dflt: SecurityGroup;
  let web: SecurityGroup;
  let fipId: string;

  beforeAll(async () => {
    const api = engine.api;
    const ext = await api['networks.create']({ name: 'ext-sg', project_id: proj, 'router:external': true, availability_zone_hints: ['Pod2'] });
    await api['subnets.create']({ network_id: ext.id, cidr: '172.30.9.0/24', enable_dhcp: false });
    const net = await api['networks.create']({ name: 'net-sg', project_id: proj, availability_zone_hints: ['az1'] });
    const sub = await api['subnets.create']({ network_id: net.id, cidr: '10.9.1.0/24', enable_dhcp: false });
    const router = await api['routers.create']({ name: 'R-sg', project_id: proj });
    await api['routers.addInterface']({ id: router.id, subnet_id: sub.id });
    await api['routers.setGateway']({ id: router.id, network_id: ext.id });
    vm = await api['ports.create']({ network_id: net.id, name: 'vm-sg', device_owner: 'compute:az1', device_id: 'server-sg' });
    fipId = (await api['fips.create']({ floating_network_id: ext.id, port_id: vm.id, project_id: proj })).id;
    await engine.idle();
    dflt = (await api['secgroups.list']({ project_id: proj, name: 'default' })).items[0];
  });

  it('the VM port is bound in Pod1 to the copy of its default group, with Neutron holding exactly its four rules', async () => {
    expect(vm.security_groups).toEqual([dflt.id]);
    const b = await n1.get('security_group', bottomOf(dflt.id, 'security_group', 'Pod1')!);
    expect(b).toMatchObject({ name: `${dflt.id}#default`, description: `crosspod:security_group:${dflt.id}`, project_id: proj });
    expect(rulesOf(b)).toEqual(DEFAULT_RULES);
    expect((await n1.get('port', bottomOf(vm.id, 'port', 'Pod1')!)).security_groups).toEqual([b.id]);
    // Neutron made the bottom project's own default group; the VM does not use it.
    const own = await n1.list('security_group', { project_id: proj, name: 'default' });
    expect(own.map((g) => g.id)).not.toContain(b.id);
    // Pod2 holds no VM port of the project: no copy there.
    expect(bottomOf(dflt.id, 'security_group', 'Pod2')).toBeUndefined();
    expect(await n2.list('security_group', { description: `crosspod:security_group:${dflt.id}` })).toEqual([]);
  });

  it('the path of the cross-pod floating IP admits nothing from outside yet', async () => {
    const path = await engine.api['fips.path']({ id: fipId });
    expect(path.mode).toBe('two-step');
    expect(path.admits).toEqual({ ingress: false, rules: [] });
  });

  it('a new group given to the port is made in Pod1 with its rules, and the port bound to both', async () => {
    web = await engine.api['secgroups.create']({ name: 'web', project_id: proj });
    await engine.api['secgroupRules.create']({ security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' });
    await engine.api['ports.update']({ id: vm.id, security_groups: [dflt.id, web.id] });
    const bWeb = bottomOf(web.id, 'security_group', 'Pod1')!;
    const g = await n1.get('security_group', bWeb);
    expect(g.name).toBe(`${web.id}#web`);
    expect(rulesOf(g)).toEqual([DEFAULT_RULES[0], DEFAULT_RULES[1], ['ingress', 'IPv4', 'tcp', 22, 22, '0.0.0.0/0', null]]);
    expect((await n1.get('port', bottomOf(vm.id, 'port', 'Pod1')!)).security_groups.sort()).toEqual([bottomOf(dflt.id, 'security_group', 'Pod1'), bWeb].sort());
    const admits = (await engine.api['fips.path']({ id: fipId })).admits!;
    expect(admits).toMatchObject({ ingress: true, rules: [{ security_group_name: 'web', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0', anywhere: true }] });
  });

  it('rules added and removed at the top are added to and removed from what Neutron holds', async () => {
    const icmp = await engine.api['secgroupRules.create']({ security_group_id: web.id, direction: 'ingress', protocol: 'icmp' });
    const remote = await engine.api['secgroupRules.create']({ security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 5432, remote_group_id: dflt.id });
    const names = { [bottomOf(dflt.id, 'security_group', 'Pod1')!]: 'default' };
    const read = async () => rulesOf(await n1.get('security_group', bottomOf(web.id, 'security_group', 'Pod1')!), names);
    expect(await read()).toEqual([
      DEFAULT_RULES[0],
      DEFAULT_RULES[1],
      ['ingress', 'IPv4', 'icmp', null, null, null, null],
      ['ingress', 'IPv4', 'tcp', 22, 22, '0.0.0.0/0', null],
      ['ingress', 'IPv4', 'tcp', 5432, 5432, null, 'default'],
    ]);
    await engine.api['secgroupRules.delete']({ id: icmp.id });
    await engine.api['secgroupRules.delete']({ id: remote.id });
    expect(await read()).toEqual([DEFAULT_RULES[0], DEFAULT_RULES[1], ['ingress', 'IPv4', 'tcp', 22, 22, '0.0.0.0/0', null]]);
    await engine.api['secgroups.update']({ id: web.id, name: 'www' });
    expect((await n1.get('security_group', bottomOf(web.id, 'security_group', 'Pod1')!)).name).toBe(`${web.id}#www`);
  });

  it('a group dropped from the port leaves Pod1; deleted at the top, it is gone everywhere', async () => {
    const bWeb = bottomOf(web.id, 'security_group', 'Pod1')!;
    await engine.api['ports.update']({ id: vm.id, security_groups: [dflt.id] });
    await engine.idle();
    expect((await n1.get('port', bottomOf(vm.id, 'port', 'Pod1')!)).security_groups).toEqual([bottomOf(dflt.id, 'security_group', 'Pod1')]);
    await expect(n1.get('security_group', bWeb)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(bottomOf(web.id, 'security_group', 'Pod1')).toBeUndefined();
    await engine.api['secgroups.delete']({ id: web.id });
    await engine.idle();
    expect((await engine.api['jobs.list']({ status: 'FAIL' })).items).toEqual([]);
    await expect(engine.api['secgroups.delete']({ id: dflt.id })).rejects.toMatchObject({ code: 'SECURITY_GROUP_DEFAULT_CANNOT_DELETE' });
  });

  it('port security off: Neutron holds the VM port without groups and with port security off, and the floating IP admits everything', async () => {
    const bVm = bottomOf(vm.id, 'port', 'Pod1')!;
    await expect(engine.api['ports.update']({ id: vm.id, port_security_enabled: false })).rejects.toMatchObject({ code: 'PORT_SECURITY_PORT_HAS_SECURITY_GROUP' });
    // Neutron itself refuses the same, with the code Crosspod maps it to.
    await expect(n1.update('port', bVm, { port_security_enabled: false })).rejects.toMatchObject({ code: 'PORT_SECURITY_PORT_HAS_SECURITY_GROUP' });
    const off = await engine.api['ports.update']({ id: vm.id, port_security_enabled: false, security_groups: [] });
    expect([off.port_security_enabled, off.security_groups]).toEqual([false, []]);
    await engine.idle();
    const b = await n1.get('port', bVm);
    expect([b.port_security_enabled, b.security_groups]).toEqual([false, []]);
    expect((await engine.api['fips.path']({ id: fipId })).admits).toEqual({ ingress: true, rules: [], port_security_enabled: false });
    // The copy went with its last user (a prune job); Neutron's own default group of the project is there to try.
    expect(bottomOf(dflt.id, 'security_group', 'Pod1')).toBeUndefined();
    const own = (await n1.list('security_group', { project_id: proj, name: 'default' }))[0];
    await expect(n1.update('port', bVm, { security_groups: [own.id] })).rejects.toMatchObject({ code: 'PORT_SECURITY_REQUIRED_FOR_SECURITY_GROUPS' });

    const on = await engine.api['ports.update']({ id: vm.id, port_security_enabled: true, security_groups: [dflt.id] });
    expect([on.port_security_enabled, on.security_groups]).toEqual([true, [dflt.id]]);
    await engine.idle();
    const b2 = await n1.get('port', bVm);
    expect([b2.port_security_enabled, b2.security_groups]).toEqual([true, [bottomOf(dflt.id, 'security_group', 'Pod1')]]);
    expect((await engine.api['fips.path']({ id: fipId })).admits).toEqual({ ingress: false, rules: [] });
    expect((await engine.api['jobs.list']({ status: 'FAIL' })).items).toEqual([]);
  });
});
