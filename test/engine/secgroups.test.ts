// Security groups (issue 15 item 4) on lab pods: the project's default group, groups and rules at
// the top, their copies in the pods that hold the ports using them (exact bottom state after each
// change), refusals that change nothing, a failing pod that rolls everything back, and what a
// floating IP's VM admits from outside.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../main/engine';
import type { BottomSecurityGroup, PodDriver } from '../../main/engine/drivers/driver';
import type { Engine } from '../../main/engine/types';
import { dbChecksum } from '../contract/checksum';
import { newEngine, threePods, type TestEngine } from './support/engine';
import { engineSnapshot, remoteLab, type RemoteLab } from './support/faults';

/** A bottom group's rules, as comparable tuples; a remote group as `self` or its bottom id. */
const rulesOf = (g: BottomSecurityGroup) =>
  g.security_group_rules
    .map((r) => [r.direction, r.ethertype, r.protocol, r.port_range_min, r.port_range_max, r.remote_ip_prefix, r.remote_group_id === g.id ? 'self' : r.remote_group_id])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

const DEFAULT_RULES = [
  ['egress', 'IPv4', null, null, null, null, null],
  ['egress', 'IPv6', null, null, null, null, null],
  ['ingress', 'IPv4', null, null, null, null, 'self'],
  ['ingress', 'IPv6', null, null, null, null, 'self'],
];
const SSH = ['ingress', 'IPv4', 'tcp', 22, 22, '0.0.0.0/0', null];

/** proj1 with a VM in Pod1 (net1) and one in Pod2 (net2). */
async function twoVms(e: Engine) {
  const api = e.api;
  const net1 = await api['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
  await api['subnets.create']({ network_id: net1.id, cidr: '10.0.1.0/24' });
  const net2 = await api['networks.create']({ name: 'net2', project_id: 'proj1', availability_zone_hints: ['az2'] });
  await api['subnets.create']({ network_id: net2.id, cidr: '10.0.2.0/24' });
  const vm1 = await api['ports.create']({ network_id: net1.id, name: 'vm1', device_owner: 'compute:az1' });
  const vm2 = await api['ports.create']({ network_id: net2.id, name: 'vm2', device_owner: 'compute:az2' });
  return { net1, net2, vm1, vm2 };
}

describe('security groups on lab pods', () => {
  let t: TestEngine;
  afterEach(async () => t?.close());

  const groupIn = async (pod: PodDriver, topId: string) => (await pod.list('security_group', { description: `crosspod:security_group:${topId}` }))[0];

  it('a VM port gets its project default group, made on first need and mirrored to its pod', async () => {
    t = await newEngine();
    await threePods(t.engine);
    const { vm1, vm2 } = await twoVms(t.engine);
    const groups = (await t.engine.api['secgroups.list']({ project_id: 'proj1' })).items;
    expect(groups.map((g) => [g.name, g.description, g.stateful])).toEqual([['default', 'Default security group', true]]);
    const dflt = groups[0];
    expect(dflt.security_group_rules.map((r) => [r.direction, r.ethertype, r.remote_group_id]).sort()).toEqual([
      ['egress', 'IPv4', null],
      ['egress', 'IPv6', null],
      ['ingress', 'IPv4', dflt.id],
      ['ingress', 'IPv6', dflt.id],
    ]);
    expect(vm1.security_groups).toEqual([dflt.id]);
    for (const [region, vm] of [['Pod1', vm1], ['Pod2', vm2]] as const) {
      const pod = t.pod(region);
      const [g] = await pod.list('security_group');
      expect(g).toMatchObject({ name: `${dflt.id}#default`, project_id: 'proj1', stateful: true });
      expect(rulesOf(g)).toEqual(DEFAULT_RULES);
      expect((await pod.list('port', { description: `crosspod:port:${vm.id}` }))[0].security_groups).toEqual([g.id]);
      expect(t.routings().filter((r) => r.resource_type === 'security_group' && r.pod_id === t.podId(region)).map((r) => [r.top_id, r.bottom_id])).toEqual([[dflt.id, g.id]]);
    }
    // Ports of network:* owners get no group (Neutron's trusted ports).
    const dhcpLike = await t.engine.api['ports.create']({ network_id: vm1.network_id, device_owner: 'network:dhcp' });
    expect(dhcpLike.security_groups).toEqual([]);
  });

  it('groups and rules follow every change in every pod that uses them, and leave pods that no longer do', async () => {
    t = await newEngine();
    await threePods(t.engine);
    const api = t.engine.api;
    const { vm1, vm2 } = await twoVms(t.engine);
    const pod1 = t.pod('Pod1');
    const pod2 = t.pod('Pod2');
    const dflt = (await api['secgroups.list']({ name: 'default' })).items[0];
    const web = await api['secgroups.create']({ name: 'web', description: 'the web tier', project_id: 'proj1' });
    expect(rulesOf({ ...web, security_group_rules: web.security_group_rules } as never)).toEqual([DEFAULT_RULES[0], DEFAULT_RULES[1]]);
    // Not used anywhere yet: no pod holds it.
    expect(await pod1.list('security_group', { name: `${web.id}#web` })).toEqual([]);
    const ssh = await api['secgroupRules.create']({ security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' });
    expect(ssh).toMatchObject({ ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0', project_id: 'proj1' });

    // vm1 uses web too: web is made in Pod1 only, with its three rules, and bound to vm1's copy.
    const up = await api['ports.update']({ id: vm1.id, security_groups: [dflt.id, web.id] });
    expect(up.security_groups).toEqual([dflt.id, web.id]);
    const b1web = await groupIn(pod1, web.id);
    expect(b1web).toMatchObject({ name: `${web.id}#web` });
    expect(rulesOf(b1web)).toEqual([DEFAULT_RULES[0], DEFAULT_RULES[1], SSH]);
    const b1dflt = await groupIn(pod1, dflt.id);
    expect((await pod1.list('port', { description: `crosspod:port:${vm1.id}` }))[0].security_groups).toEqual([b1dflt.id, b1web.id]);
    expect(await groupIn(pod2, web.id)).toBeUndefined();

    // A rule added and removed at the top is added to and removed from the copy.
    const http = await api['secgroupRules.create']({ security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 80 });
    expect(rulesOf(await groupIn(pod1, web.id))).toEqual([DEFAULT_RULES[0], DEFAULT_RULES[1], SSH, ['ingress', 'IPv4', 'tcp', 80, 80, null, null]]);
    await api['secgroupRules.delete']({ id: ssh.id });
    expect(rulesOf(await groupIn(pod1, web.id))).toEqual([DEFAULT_RULES[0], DEFAULT_RULES[1], ['ingress', 'IPv4', 'tcp', 80, 80, null, null]]);
    // A rule naming another group as remote: that group is made in the pod too, and referenced there.
    const db = await api['secgroups.create']({ name: 'db', project_id: 'proj1' });
    await api['secgroupRules.create']({ security_group_id: web.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 8080, remote_group_id: db.id });
    const b1db = await groupIn(pod1, db.id);
    expect(rulesOf(await groupIn(pod1, web.id))).toContainEqual(['ingress', 'IPv4', 'tcp', 8080, 8080, null, b1db.id]);
    await api['secgroupRules.delete']({ id: http.id });

    // Renamed: the copies follow (found by description, named <id>#<name>).
    await api['secgroups.update']({ id: web.id, name: 'www', description: 'renamed' });
    expect((await groupIn(pod1, web.id)).name).toBe(`${web.id}#www`);

    // vm1 back to default only: the prune job drops web and db from Pod1 with their routing rows.
    await api['ports.update']({ id: vm1.id, security_groups: [dflt.id] });
    await t.engine.idle();
    expect((await pod1.list('port', { description: `crosspod:port:${vm1.id}` }))[0].security_groups).toEqual([b1dflt.id]);
    expect((await pod1.list('security_group')).map((g) => g.name)).toEqual([`${dflt.id}#default`]);
    expect(t.routings().filter((r) => r.resource_type === 'security_group').map((r) => [r.top_id, r.pod_id])).toEqual([
      [dflt.id, t.podId('Pod1')],
      [dflt.id, t.podId('Pod2')],
    ]);

    // Deleting vm2 takes its port out of Pod2, then the prune job takes the default group's copy.
    await api['ports.delete']({ id: vm2.id });
    await t.engine.idle();
    expect(await pod2.list('security_group')).toEqual([]);
    expect(t.routings().filter((r) => r.resource_type === 'security_group').map((r) => r.pod_id)).toEqual([t.podId('Pod1')]);

    // A group used nowhere is deleted at the top and, through its job, in every pod.
    await api['ports.update']({ id: vm1.id, security_groups: [web.id] });
    await api['ports.update']({ id: vm1.id, security_groups: [dflt.id] });
    await t.engine.idle();
    await api['secgroups.delete']({ id: db.id });
    await t.engine.idle();
    await expect(api['secgroups.get']({ id: db.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await api['jobs.list']({ status: 'FAIL' })).items).toEqual([]);
  });

  it('refusals carry Neutron codes and change nothing', async () => {
    t = await newEngine();
    await threePods(t.engine);
    const api = t.engine.api;
    const { vm1 } = await twoVms(t.engine);
    await t.engine.idle();
    const dflt = (await api['secgroups.list']({ name: 'default' })).items[0];
    const web = await api['secgroups.create']({ name: 'web', project_id: 'proj1' });
    const other = await api['secgroups.create']({ name: 'other', project_id: 'proj2' });
    await api['ports.update']({ id: vm1.id, security_groups: [dflt.id, web.id] });
    await t.engine.idle();
    const db = t.engine.store.db;
    const before = dbChecksum(db, ['audit_log']);
    const refusals: [Promise<unknown>, string, RegExp][] = [
      [api['secgroups.delete']({ id: dflt.id }), 'SECURITY_GROUP_DEFAULT_CANNOT_DELETE', /default security group default/],
      [api['secgroups.delete']({ id: web.id }), 'SECURITY_GROUP_IN_USE', /in use by port vm1 \(10\.0\.1\.\d+\)/],
      [api['secgroups.update']({ id: dflt.id, name: 'mine' }), 'SECURITY_GROUP_DEFAULT_CANNOT_UPDATE', /default/],
      [api['secgroups.update']({ id: web.id, name: 'default' }), 'SECURITY_GROUP_DEFAULT_EXISTS', /web/],
      [api['secgroups.update']({ id: web.id, stateful: false }), 'SECURITY_GROUP_IN_USE', /stateful/],
      [api['secgroups.create']({ name: 'default', project_id: 'proj1' }), 'SECURITY_GROUP_DEFAULT_EXISTS', /already exists/],
      [api['secgroupRules.create']({ security_group_id: web.id, direction: 'egress', ethertype: 'IPv4' }), 'SECURITY_GROUP_RULE_EXISTS', /already exists/],
      [api['secgroupRules.create']({ security_group_id: web.id, direction: 'egress', remote_ip_prefix: '0.0.0.0/0' }), 'SECURITY_GROUP_RULE_EXISTS', /already exists/],
      [api['secgroupRules.create']({ security_group_id: web.id, direction: 'ingress', port_range_min: 22 }), 'INVALID_SECURITY_GROUP_RULE', /Port ranges/],
      [api['secgroupRules.create']({ security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 90, port_range_max: 80 }), 'INVALID_SECURITY_GROUP_RULE', /port_range_min must be <= port_range_max/],
      [api['secgroupRules.create']({ security_group_id: web.id, direction: 'ingress', ethertype: 'IPv4', remote_ip_prefix: '2001:db8::/32' }), 'INVALID_SECURITY_GROUP_RULE', /Conflicting value ethertype IPv4/],
      [api['secgroupRules.create']({ security_group_id: web.id, direction: 'ingress', remote_ip_prefix: '10.0.0.0/8', remote_group_id: dflt.id }), 'INVALID_SECURITY_GROUP_RULE', /Only remote_ip_prefix or remote_group_id/],
      [api['secgroupRules.create']({ security_group_id: web.id, direction: 'ingress', protocol: 'bogus' }), 'INVALID_SECURITY_GROUP_RULE', /protocol bogus not supported/],
      [api['secgroupRules.create']({ security_group_id: web.id, direction: 'ingress', remote_group_id: other.id }), 'NOT_FOUND', /security group/],
      [api['secgroupRules.create']({ security_group_id: 'nope', direction: 'ingress' }), 'NOT_FOUND', /security group: nope/],
      [api['secgroupRules.delete']({ id: 'nope' }), 'NOT_FOUND', /rule/],
      [api['ports.update']({ id: vm1.id, security_groups: [other.id] }), 'NOT_FOUND', /belongs to project proj2/],
      [api['ports.create']({ network_id: vm1.network_id, security_groups: ['missing'] }), 'NOT_FOUND', /missing/],
      [api['secgroupRules.create']({ security_group_id: web.id, direction: 'sideways' } as never), 'INVALID_INPUT', /direction/],
    ];
    for (const [p, code, message] of refusals) {
      await expect(p).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    }
    expect(dbChecksum(db, ['audit_log'])).toEqual(before);
  });

  it("a floating IP's path says whether the VM's groups admit traffic from outside", async () => {
    t = await newEngine();
    const api = t.engine.api;
    const { fips } = await api['lab.loadExample']({});
    const before = await api['fips.path']({ id: fips[0] });
    expect(before.admits).toEqual({ ingress: false, rules: [] });
    const vmPort = (await api['fips.get']({ id: fips[0] })).port_id!;
    const dflt = (await api['ports.get']({ id: vmPort })).security_groups[0];
    const only = await api['secgroupRules.create']({ security_group_id: dflt, direction: 'ingress', protocol: 'tcp', port_range_min: 443, remote_ip_prefix: '192.0.2.0/24' });
    expect((await api['fips.path']({ id: fips[0] })).admits).toEqual({
      ingress: false,
      rules: [{ id: expect.any(String), security_group_id: dflt, security_group_name: 'default', protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '192.0.2.0/24', anywhere: false }],
    });
    await api['secgroupRules.create']({ security_group_id: dflt, direction: 'ingress', protocol: 'icmp' });
    const page = await api['fips.listWithPaths']({});
    expect(page.items[0].path.admits).toMatchObject({ ingress: true, rules: [{ remote_ip_prefix: '192.0.2.0/24', anywhere: false }, { protocol: 'icmp', remote_ip_prefix: null, anywhere: true }] });
    await api['secgroupRules.delete']({ id: only.id });
    expect((await api['fips.path']({ id: fips[0] })).admits?.rules.map((r) => r.protocol)).toEqual(['icmp']);
  });
});

describe('port security (port-security extension) on lab pods', () => {
  let t: TestEngine;
  afterEach(async () => t?.close());

  it('a port with port security off has no groups, in its pod too, and its floating IP admits everything', async () => {
    t = await newEngine();
    const api = t.engine.api;
    const { fips } = await api['lab.loadExample']({});
    await t.engine.idle();
    const vmId = (await api['fips.get']({ id: fips[0] })).port_id!;
    const vm = await api['ports.get']({ id: vmId });
    expect(vm.port_security_enabled).toBe(true);
    const pod1 = t.pod('Pod1');
    const bottomId = t.routings().find((r) => r.top_id === vmId && r.resource_type === 'port')!.bottom_id!;
    const db = t.engine.store.db;

    // Refused as Neutron refuses: off with groups left, or groups on a port without port security.
    let before = dbChecksum(db, ['audit_log']);
    await expect(api['ports.update']({ id: vmId, port_security_enabled: false })).rejects.toMatchObject({
      code: 'PORT_SECURITY_PORT_HAS_SECURITY_GROUP',
      message: `Port vm1 (10.0.1.4) has security groups; remove them (security_groups: []) in the same update to turn port security off`,
    });
    await expect(api['ports.create']({ network_id: vm.network_id, name: 'x', port_security_enabled: false, security_groups: vm.security_groups })).rejects.toMatchObject({
      code: 'PORT_SECURITY_REQUIRED_FOR_SECURITY_GROUPS',
      message: 'Port x: port security must be enabled in order to use security groups',
    });
    expect(dbChecksum(db, ['audit_log'])).toEqual(before);

    const off = await api['ports.update']({ id: vmId, port_security_enabled: false, security_groups: [] });
    expect([off.port_security_enabled, off.security_groups]).toEqual([false, []]);
    await t.engine.idle();
    const b = await pod1.get('port', bottomId);
    expect([b.port_security_enabled, b.security_groups]).toEqual([false, []]);
    expect((await api['fips.path']({ id: fips[0] })).admits).toEqual({ ingress: true, rules: [], port_security_enabled: false });
    // The pod rejects groups on it as Neutron does.
    await expect(pod1.update('port', bottomId, { security_groups: [vm.security_groups[0]] })).rejects.toMatchObject({ code: 'PORT_SECURITY_REQUIRED_FOR_SECURITY_GROUPS' });
    before = dbChecksum(db, ['audit_log']);
    await expect(api['ports.update']({ id: vmId, security_groups: vm.security_groups })).rejects.toMatchObject({ code: 'PORT_SECURITY_REQUIRED_FOR_SECURITY_GROUPS' });
    expect(dbChecksum(db, ['audit_log'])).toEqual(before);

    // On again with its group: the bottom follows and the groups decide again.
    const on = await api['ports.update']({ id: vmId, port_security_enabled: true, security_groups: vm.security_groups });
    expect([on.port_security_enabled, on.security_groups]).toEqual([true, vm.security_groups]);
    await t.engine.idle();
    const b2 = await pod1.get('port', bottomId);
    expect(b2.port_security_enabled).toBe(true);
    expect(b2.security_groups).toHaveLength(1);
    expect((await api['fips.path']({ id: fips[0] })).admits).toEqual({ ingress: false, rules: [] });

    // A new VM port without port security: no default group, none in its pod.
    const bare = await api['ports.create']({ network_id: vm.network_id, name: 'bare', device_owner: 'compute:az1', port_security_enabled: false });
    expect([bare.port_security_enabled, bare.security_groups]).toEqual([false, []]);
    const bb = await pod1.get('port', t.routings().find((r) => r.top_id === bare.id && r.resource_type === 'port')!.bottom_id!);
    expect([bb.port_security_enabled, bb.security_groups]).toEqual([false, []]);
  });
});

describe('security groups with a failing pod', () => {
  interface World {
    engine: Engine;
    lab: RemoteLab;
    dir: string;
    web: string;
    vm1: string;
    vm2: string;
    dflt: string;
  }
  const open: World[] = [];
  afterEach(async () => {
    for (const w of open.splice(0)) {
      await w.engine.close();
      w.lab.store.close();
      rmSync(w.dir, { recursive: true, force: true });
    }
  });

  /** Two VMs in two pods (pods in a second file, as real regions); `web` used by vm1 only. */
  async function world(): Promise<World> {
    const dir = mkdtempSync(join(tmpdir(), 'crosspod-secgroup-faults-'));
    const lab = await remoteLab(dir);
    const engine = await createEngine({ dbPath: join(dir, 'crosspod.db'), driverFactory: lab.driverFactory });
    await threePods(engine);
    const { vm1, vm2 } = await twoVms(engine);
    const web = await engine.api['secgroups.create']({ name: 'web', project_id: 'proj1' });
    const dflt = vm1.security_groups[0];
    await engine.api['ports.update']({ id: vm1.id, security_groups: [dflt, web.id] });
    await engine.idle();
    const w = { engine, lab, dir, web: web.id, vm1: vm1.id, vm2: vm2.id, dflt };
    open.push(w);
    return w;
  }

  const cases: { name: string; run: (w: World) => Promise<unknown> }[] = [
    { name: 'a rule added to a group two pods hold', run: (w) => w.engine.api['secgroupRules.create']({ security_group_id: w.dflt, direction: 'ingress', protocol: 'tcp', port_range_min: 22 }) },
    { name: 'a port given a group its pod does not hold yet', run: (w) => w.engine.api['ports.update']({ id: w.vm2, security_groups: [w.dflt, w.web] }) },
    { name: 'a group renamed', run: (w) => w.engine.api['secgroups.update']({ id: w.dflt === w.web ? w.web : w.web, name: 'www' }) },
    {
      name: 'a VM port booted with two groups',
      run: async (w) => {
        const net = (await w.engine.api['ports.get']({ id: w.vm2 })).network_id;
        return w.engine.api['ports.create']({ network_id: net, device_owner: 'compute:az2', security_groups: [w.web, w.dflt] });
      },
    },
  ];

  describe.each(cases)('$name', (c) => {
    it('fails at each bottom call in turn and leaves top and bottoms exactly as they were', async () => {
      const ok = await world();
      ok.lab.arm(0);
      await c.run(ok);
      const total = ok.lab.plan.calls;
      expect(total).toBeGreaterThan(0);
      for (let n = 1; n <= total; n++) {
        const w = await world();
        const top = engineSnapshot(w.engine.store.db);
        const exact = w.lab.snapshot();
        w.lab.arm(n);
        await expect(c.run(w), `failure at call ${n} of ${total}`).rejects.toMatchObject({ code: 'POD_UNREACHABLE' });
        w.lab.disarm();
        await w.engine.idle();
        expect(engineSnapshot(w.engine.store.db), `top after failure at call ${n}: ${w.lab.plan.log.join(', ')}`).toEqual(top);
        expect(w.lab.snapshot(), `bottom rows after failure at call ${n}: ${w.lab.plan.log.join(', ')}`).toEqual(exact);
        expect((await w.engine.api['jobs.list']({ status: 'FAIL' })).items).toEqual([]);
        await w.engine.close();
        w.lab.store.close();
        rmSync(w.dir, { recursive: true, force: true });
        open.splice(open.indexOf(w), 1);
      }
    });
  });

  it('a rule removed from a group two pods hold is put back in the first pod when the second fails', async () => {
    const w = await world();
    const rule = await w.engine.api['secgroupRules.create']({ security_group_id: w.dflt, direction: 'ingress', protocol: 'udp', port_range_min: 53 });
    const key = () =>
      Object.fromEntries(
        Object.entries(w.lab.snapshot()).map(([k, rows]) => [
          k,
          k === 'lab_security_group_rules' ? (rows as Record<string, unknown>[]).map(({ id: _id, ...rest }) => JSON.stringify(rest)).sort() : rows,
        ]),
      );
    const top = engineSnapshot(w.engine.store.db);
    const before = key();
    w.lab.arm(2);
    await expect(w.engine.api['secgroupRules.delete']({ id: rule.id })).rejects.toMatchObject({ code: 'POD_UNREACHABLE' });
    w.lab.disarm();
    expect(engineSnapshot(w.engine.store.db)).toEqual(top);
    // The rule is back in the first pod (a new bottom id: Neutron rules cannot be undeleted).
    expect(key()).toEqual(before);
  });
});
