// Concurrency by resource (issue 10, item 2): an engine with a REMOTE pod (a lab-region server,
// its own process-like HTTP server and file) and two lab pods. Floating IP operations on
// different routers run side by side; on the same floating IP, port or router they run one
// after another; callers never see SQLITE_BUSY, a double binding or a lost update.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../main/engine/types';
import { fipBridgePortName } from '../../main/engine/l3/fips';
import { bigIntToIp, fromHex } from '../../main/engine/ipam/cidr';
import { createLabDriver } from '../../main/engine/drivers/lab';
import { regionState, rng } from './support/crash';
import { dbChecksum } from '../contract/checksum';
import { engineWithRemoteRegion, gateAnswers, type LabRegionServer } from './support/lab-region-server';

const dir = mkdtempSync(join(tmpdir(), 'crosspod-concurrency-'));
let server: LabRegionServer;
let engine: Engine;
const N = 5;
const groups: { ext: string; fips: { id: string; address: string }[]; ports: { id: string; name: string; ip: string }[]; vmPod: string; extPod: string }[] = [];

beforeAll(async () => {
  ({ server, engine } = await engineWithRemoteRegion(dir, { LabA: 'azA', LabB: 'azB' }));
  const api = engine.api;
  // Group 0: VMs in LabA, floating IPs on an external network in the remote pod (cross-pod).
  // Group 1: VMs and external network both in LabB (same pod).
  for (const [k, [extPod, az]] of ([['Remote', 'azA'], ['LabB', 'azB']] as const).entries()) {
    const project = `proj${k}`;
    const ext = await api['networks.create']({ name: `ext${k}`, project_id: 'admin', 'router:external': true, availability_zone_hints: [extPod] });
    const extSub = await api['subnets.create']({ network_id: ext.id, cidr: `162.3.${k + 1}.0/24`, enable_dhcp: false });
    const net = await api['networks.create']({ name: `net${k}`, project_id: project, availability_zone_hints: [az] });
    const sub = await api['subnets.create']({ network_id: net.id, cidr: `10.0.${k + 1}.0/24` });
    const router = await api['routers.create']({ name: `R${k}`, project_id: project });
    await api['routers.addInterface']({ id: router.id, subnet_id: sub.id });
    await api['routers.setGateway']({ id: router.id, network_id: ext.id, external_fixed_ips: [{ subnet_id: extSub.id, ip_address: `162.3.${k + 1}.2` }] });
    const g = { ext: ext.id, fips: [] as { id: string; address: string }[], ports: [] as { id: string; name: string; ip: string }[], vmPod: k === 0 ? 'LabA' : 'LabB', extPod };
    for (let i = 0; i < N; i++) {
      const p = await api['ports.create']({ network_id: net.id, name: `vm${k}-${i}`, fixed_ips: [{ ip_address: `10.0.${k + 1}.${10 + i}` }] });
      g.ports.push({ id: p.id, name: p.name, ip: p.fixed_ips[0].ip_address });
      const f = await api['fips.create']({ floating_network_id: ext.id, floating_ip_address: `162.3.${k + 1}.${10 + i}` });
      g.fips.push({ id: f.id, address: f.floating_ip_address });
    }
    groups.push(g);
  }
  // Warm up: the N-S bridge and the bottom copies exist before the measured runs.
  for (const g of groups) {
    await api['fips.associate']({ id: g.fips[0].id, port_id: g.ports[0].id });
    await api['fips.disassociate']({ id: g.fips[0].id });
  }
}, 120_000);

afterAll(async () => {
  await engine.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every bottom agrees with the top, and the top with itself. */
async function checkConsistent(): Promise<void> {
  const db = engine.store.db;
  const remote = server.pod('Remote');
  const lab = (r: string) => createLabDriver(db, db.prepare('SELECT pod_id FROM pods WHERE region_name = ?').pluck().get(r) as string);
  const drivers = { Remote: remote, LabA: lab('LabA'), LabB: lab('LabB') } as const;
  const fips = (await engine.api['fips.list']({ limit: 100 })).items;
  // No double binding: a port holds at most one floating IP per external network.
  const seen = new Set<string>();
  for (const f of fips.filter((x) => x.port_id)) {
    const k = `${f.port_id}/${f.floating_network_id}`;
    expect(seen.has(k), `port ${f.port_id} bound twice on ${f.floating_network_id}`).toBe(false);
    seen.add(k);
  }
  for (const g of groups) {
    const ext = drivers[g.extPod as keyof typeof drivers];
    const vm = drivers[g.vmPod as keyof typeof drivers];
    const bound = (await ext.list('floatingip')).filter((f) => f.port_id && g.fips.some((x) => x.address === f.floating_ip_address));
    const expected = fips.filter((f) => f.floating_network_id === g.ext && f.port_id);
    expect(bound.map((b) => b.floating_ip_address).sort()).toEqual(expected.map((f) => f.floating_ip_address).sort());
    if (g.vmPod !== g.extPod) {
      // Cross-pod: one bridge port per bound floating IP, and a bridge floating IP on its VM.
      const bridges = (db.prepare("SELECT name FROM ports WHERE name LIKE 'ns_bridge_port_%_None_%'").pluck().all() as string[]).sort();
      expect(bridges.length).toBe(expected.length);
      const vmFips = (await vm.list('floatingip')).filter((f) => f.floating_ip_address.startsWith('100.'));
      expect(vmFips.length).toBe(expected.length);
      for (const f of expected) {
        const vmBottom = db.prepare("SELECT bottom_id FROM resource_routings WHERE top_id = ? AND resource_type = 'port'").pluck().get(f.port_id) as string;
        expect(bridges).toContain(fipBridgePortName('proj0', vmBottom)); // the router's project's bridge
        expect(vmFips.some((v) => v.port_id === vmBottom)).toBe(true);
      }
    } else {
      // Same pod: the floating IP is bound to the VM port's own bottom copy.
      for (const f of expected) {
        const vmBottom = db.prepare("SELECT bottom_id FROM resource_routings WHERE top_id = ? AND resource_type = 'port'").pluck().get(f.port_id) as string;
        expect(bound.find((b) => b.floating_ip_address === f.floating_ip_address)!.port_id).toBe(vmBottom);
      }
    }
  }
  // The top's addresses are exactly its rows', and no operation's undo log is left.
  for (const sub of db.prepare('SELECT id FROM subnets').pluck().all() as string[]) {
    const held = [
      ...(db.prepare('SELECT ip_address FROM port_ips WHERE subnet_id = ?').pluck().all(sub) as string[]),
      ...(db.prepare('SELECT floating_ip_address FROM floating_ips WHERE floating_subnet_id = ?').pluck().all(sub) as string[]),
      ...(db.prepare('SELECT ip_address FROM dhcp_reservations WHERE subnet_id = ?').pluck().all(sub) as string[]),
    ].sort();
    const allocated = (db.prepare('SELECT address FROM ipam_allocations WHERE subnet_id = ?').pluck().all(sub) as string[]).map((h) => bigIntToIp(fromHex(h), h.length > 8 ? 6 : 4));
    expect(allocated.sort(), `subnet ${sub}`).toEqual(held);
  }
  expect(db.prepare('SELECT COUNT(*) FROM op_undo').pluck().get()).toBe(0);
}

/** Holds every answer of the remote pod until the returned function is called (or 20 s pass). */
const gateRemote = () => gateAnswers(server);

describe('operations on independent resources run at the same time', () => {
  it('a slow remote pod does not hold up a floating IP operation in another pod', async () => {
    const order: string[] = [];
    const open = gateRemote();
    const slow = engine.api['fips.associate']({ id: groups[0].fips[1].id, port_id: groups[0].ports[1].id }).then(() => order.push('remote'));
    const fast = engine.api['fips.associate']({ id: groups[1].fips[1].id, port_id: groups[1].ports[1].id }).then(() => order.push('lab'));
    await fast;
    order.push('gate');
    open();
    await slow;
    expect(order).toEqual(['lab', 'gate', 'remote']);
    await checkConsistent();
  }, 60_000);

  it('a cross-pod associate on one router runs beside an interface-add on another; on the same router they queue', async () => {
    const api = engine.api;
    const order: string[] = [];
    const [r0, r1] = [(await api['routers.list']({ name: 'R0' })).items[0], (await api['routers.list']({ name: 'R1' })).items[0]];
    const extraNet = async (name: string, cidr: string, az: string, project: string) => {
      const net = await api['networks.create']({ name, project_id: project, availability_zone_hints: [az] });
      return api['subnets.create']({ network_id: net.id, cidr });
    };
    // Another router (R1, all in LabB) takes an interface while R0's cross-pod associate waits on the remote pod.
    const s1 = await extraNet('side1', '10.9.1.0/24', 'azB', 'proj1');
    await engine.idle();
    const open = gateRemote();
    const slow = api['fips.associate']({ id: groups[0].fips[3].id, port_id: groups[0].ports[3].id }).then(() => order.push('remote'));
    const iface = api['routers.addInterface']({ id: r1.id, subnet_id: s1.id }).then(() => order.push('interface R1'));
    await iface;
    order.push('gate');
    open();
    await slow;
    expect(order).toEqual(['interface R1', 'gate', 'remote']);
    expect((await api['ports.list']({ device_id: r1.id })).items.some((p) => p.fixed_ips[0].subnet_id === s1.id)).toBe(true);

    // The same router: R0's interface-add waits for R0's associate to finish.
    order.length = 0;
    await engine.idle();
    const open2 = gateRemote();
    const s0 = await extraNet('side0', '10.9.0.0/24', 'azA', 'proj0');
    const slow2 = api['fips.disassociate']({ id: groups[0].fips[3].id }).then(() => order.push('remote'));
    const iface2 = api['routers.addInterface']({ id: r0.id, subnet_id: s0.id }).then(() => order.push('interface R0'));
    await new Promise((r) => setTimeout(r, 300));
    order.push('gate');
    open2();
    await Promise.all([slow2, iface2]);
    expect(order).toEqual(['gate', 'remote', 'interface R0']);
    // And out again, beside nothing: the interface port is gone from the top.
    await api['routers.removeInterface']({ id: r0.id, subnet_id: s0.id });
    await api['routers.removeInterface']({ id: r1.id, subnet_id: s1.id });
    expect((await api['ports.list']({ device_id: r1.id })).items.some((p) => p.fixed_ips[0].subnet_id === s1.id)).toBe(false);
    await checkConsistent();
  }, 90_000);

  it('a VM port made in one pod does not wait for a cross-pod associate in another', async () => {
    const api = engine.api;
    const order: string[] = [];
    const net1 = (await api['networks.list']({ name: 'net1' })).items[0];
    // Jobs left by earlier tests (extra routes) take the whole engine: let them finish first.
    await engine.idle();
    const open = gateRemote();
    const slow = api['fips.associate']({ id: groups[0].fips[4].id, port_id: groups[0].ports[4].id }).then(() => order.push('remote'));
    const vm = api['ports.create']({ network_id: net1.id, name: 'side-vm', device_owner: 'compute:azB', fixed_ips: [{ ip_address: '10.0.2.99' }] }).then((p) => {
      order.push('port');
      return p;
    });
    const port = await vm;
    order.push('gate');
    open();
    await slow;
    expect(order).toEqual(['port', 'gate', 'remote']);
    // The port's bottom copy is in LabB, named by the routing table.
    const labB = createLabDriver(engine.store.db, (await api['pods.list']({})).items.find((p) => p.region_name === 'LabB')!.pod_id);
    const bottomId = engine.store.db.prepare("SELECT bottom_id FROM resource_routings WHERE top_id = ? AND resource_type = 'port'").pluck().get(port.id) as string;
    expect((await labB.get('port', bottomId)).fixed_ips).toEqual([expect.objectContaining({ ip_address: '10.0.2.99' })]);
    await api['ports.delete']({ id: port.id });
    await api['fips.disassociate']({ id: groups[0].fips[4].id });
    await checkConsistent();
  }, 60_000);

  it('50 concurrent associates and disassociates: no SQLITE_BUSY, no double binding, no lost update', async () => {
    const seed = Number(process.env.CROSSPOD_CRASH_SEED ?? 4242);
    const rand = rng(seed);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
    const done: { fip: string; port: string | null }[] = [];
    const errors: string[] = [];
    const calls = Array.from({ length: 50 }, () => {
      const g = pick(groups);
      const f = pick(g.fips);
      const assoc = rand() < 0.7;
      const port = assoc ? pick(g.ports).id : null;
      const p = assoc ? engine.api['fips.associate']({ id: f.id, port_id: port! }) : engine.api['fips.disassociate']({ id: f.id });
      return p.then(
        () => done.push({ fip: f.id, port }),
        (e: { code?: string }) => errors.push(e.code ?? String(e)),
      );
    });
    await Promise.all(calls);
    // The only refusal is the business rule (a port already holding a floating IP on that network).
    expect(errors.filter((c) => c !== 'FLOATING_IP_ASSOCIATED')).toEqual([]);
    expect(done.length).toBeGreaterThan(25);
    // No lost update: each floating IP is bound as its last acknowledged operation left it.
    const last = new Map<string, string | null>();
    for (const d of done) last.set(d.fip, d.port);
    for (const [fip, port] of last) expect((await engine.api['fips.get']({ id: fip })).port_id, `floating IP ${fip}`).toBe(port);
    await checkConsistent();
  }, 120_000);

  it('a cross-pod associate that fails at its last remote call leaves the top and every pod as they were', async () => {
    const db = engine.store.db;
    const g = groups[0];
    await engine.api['fips.disassociate']({ id: g.fips[2].id });
    await engine.idle();
    // The undo log puts the top's rows back; the audit, the jobs and derived counts are not compared.
    const before = { top: dbChecksum(db, ['audit_log', 'async_jobs']), remote: await regionState(server.pod('Remote')) };
    // The external pod makes the floating IP binding, then the answer is lost (a 500 after the fact).
    server.afterRequest = (r) => {
      if (r.method === 'PUT' && r.path.startsWith('/floatingips/')) throw new Error('answer lost');
    };
    const err = await engine.api['fips.associate']({ id: g.fips[2].id, port_id: g.ports[2].id }).catch((e: { code: string }) => e);
    server.afterRequest = undefined;
    expect((err as { code: string }).code).toMatch(/^(BOTTOM_POD_OPERATION_FAILURE|INTERNAL)$/);
    expect(dbChecksum(db, ['audit_log', 'async_jobs'])).toEqual(before.top);
    expect(await regionState(server.pod('Remote'))).toEqual(before.remote);
    expect((await engine.api['fips.get']({ id: g.fips[2].id })).port_id).toBeNull();
    await checkConsistent();
  }, 60_000);
});

// The other resource-scoped mutations (runtime/plans.ts): each runs beside work on other
// resources, and queues behind work on its own. In each test the remote pod's answers are held;
// what is not held back finishes before the gate opens, what waits on it after.
describe('networks, subnets, ports, routers and security groups lock what they touch', () => {
  const api = () => engine.api;
  const settle = () => new Promise((r) => setTimeout(r, 300));
  let n = 0;
  /** A fresh VM port on net0 (LabA) and a floating IP on ext0 (Remote): a cross-pod associate. */
  async function crossPodPair(): Promise<{ fip: string; port: string }> {
    n++;
    const net0 = (await api()['networks.list']({ name: 'net0' })).items[0];
    const port = await api()['ports.create']({ network_id: net0.id, name: `vm-lock-${n}`, fixed_ips: [{ ip_address: `10.0.1.${100 + n}` }] });
    const fip = await api()['fips.create']({ floating_network_id: groups[0].ext, floating_ip_address: `162.3.1.${100 + n}` });
    return { fip: fip.id, port: port.id };
  }
  const done = (order: string[], what: string) => () => {
    order.push(what);
  };
  const refused = (order: string[], what: string) => (e: { code?: string }) => {
    order.push(`${what}: ${e.code}`);
  };

  it('a subnet made on one network runs beside a cross-pod associate; on the VM port network it waits', async () => {
    const order: string[] = [];
    const side = await api()['networks.create']({ name: 'side-s', project_id: 'proj1', availability_zone_hints: ['azB'] });
    const net0 = (await api()['networks.list']({ name: 'net0' })).items[0];
    const pair = await crossPodPair();
    await engine.idle();
    const open = gateRemote();
    const slow = api()['fips.associate']({ id: pair.fip, port_id: pair.port }).then(done(order, 'remote'));
    const beside = api()['subnets.create']({ network_id: side.id, cidr: '10.8.0.0/24' });
    // net0's subnets are read by the associate (its VM port's bottom copy is made now). Another
    // project's subnet: only the network is shared.
    const queued = api()['subnets.create']({ network_id: net0.id, cidr: '10.0.21.0/24', project_id: 'proj1' });
    const sub = await beside;
    order.push('subnet side-s');
    await settle();
    order.push('gate');
    open();
    const [, sub0] = await Promise.all([slow, queued.then((s) => (order.push('subnet net0'), s))]);
    expect(order).toEqual(['subnet side-s', 'gate', 'remote', 'subnet net0']);
    expect((await api()['subnets.get']({ id: sub.id })).cidr).toBe('10.8.0.0/24');
    expect((await api()['fips.get']({ id: pair.fip })).port_id).toBe(pair.port);
    await api()['subnets.delete']({ id: sub0.id });
    await api()['networks.delete']({ id: side.id });
    await api()['fips.disassociate']({ id: pair.fip });
    await checkConsistent();
  }, 60_000);

  it('a router update waits for an associate through that router (and a delete is refused after it); another router changes beside it', async () => {
    const order: string[] = [];
    const [r0, r1] = [(await api()['routers.list']({ name: 'R0' })).items[0], (await api()['routers.list']({ name: 'R1' })).items[0]];
    const pair = await crossPodPair();
    await engine.idle();
    const open = gateRemote();
    const slow = api()['fips.associate']({ id: pair.fip, port_id: pair.port }).then(done(order, 'remote'));
    const beside = api()['routers.update']({ id: r1.id, name: 'R1-renamed' }).then(done(order, 'R1'));
    const queued = api()['routers.update']({ id: r0.id, name: 'R0-renamed' }).then(done(order, 'R0'));
    const del = api()['routers.delete']({ id: r0.id }).then(done(order, 'R0 deleted'), refused(order, 'R0 delete'));
    await beside;
    await settle();
    order.push('gate');
    open();
    await Promise.all([slow, queued, del]);
    expect(order).toEqual(['R1', 'gate', 'remote', 'R0', 'R0 delete: ROUTER_IN_USE']);
    // The update saw the associate's router, and the associate the renamed one's gateway: both kept.
    expect((await api()['routers.get']({ id: r0.id })).name).toBe('R0-renamed');
    expect((await api()['fips.get']({ id: pair.fip })).router_id).toBe(r0.id);
    await api()['routers.update']({ id: r0.id, name: 'R0' });
    await api()['routers.update']({ id: r1.id, name: 'R1' });
    await api()['fips.disassociate']({ id: pair.fip });
    await checkConsistent();
  }, 60_000);

  it("a security-group rule change in a project waits for a VM port made in that project's remote pod, not in another project", async () => {
    const order: string[] = [];
    const net = await api()['networks.create']({ name: 'remote-s', project_id: 'projS', availability_zone_hints: ['azR'] });
    await api()['subnets.create']({ network_id: net.id, cidr: '10.7.0.0/24' });
    const [gS, gT] = [await api()['secgroups.create']({ name: 'web', project_id: 'projS' }), await api()['secgroups.create']({ name: 'web', project_id: 'projT' })];
    await engine.idle();
    const open = gateRemote();
    // The VM port is made in the remote pod with its project's default group.
    const slow = api()['ports.create']({ network_id: net.id, name: 'vm-s', device_owner: 'compute:azR' }).then((p) => {
      order.push('port');
      return p;
    });
    const rule = (g: string) => api()['secgroupRules.create']({ security_group_id: g, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22 });
    const beside = rule(gT.id).then(done(order, 'rule projT'));
    const queued = rule(gS.id).then(done(order, 'rule projS'));
    await beside;
    await settle();
    order.push('gate');
    open();
    const [port] = await Promise.all([slow, queued]);
    expect(order).toEqual(['rule projT', 'gate', 'port', 'rule projS']);
    // The port's bottom copy and its default group are in the remote pod, named by the routing table.
    const db = engine.store.db;
    const bottomPort = db.prepare("SELECT bottom_id FROM resource_routings WHERE top_id = ? AND resource_type = 'port'").pluck().get(port.id) as string;
    const dflt = (await api()['secgroups.list']({ project_id: 'projS', name: 'default' })).items[0];
    const bottomGroup = db.prepare("SELECT bottom_id FROM resource_routings WHERE top_id = ? AND resource_type = 'security_group'").pluck().get(dflt.id) as string;
    expect((await server.pod('Remote').get('port', bottomPort)).security_groups).toEqual([bottomGroup]);
    expect((await api()['secgroupRules.list']({ security_group_id: gS.id, protocol: 'tcp' })).items.map((r) => r.port_range_min)).toEqual([22]);
    await api()['ports.delete']({ id: port.id });
    await engine.idle();
    await api()['networks.delete']({ id: net.id });
    await checkConsistent();
  }, 60_000);

  it('a network delete waits for a port being made on it, and is then refused; another network goes beside it', async () => {
    const order: string[] = [];
    // The network is projN's, the port projS's: only the network (and its range) is shared.
    const net = await api()['networks.create']({ name: 'remote-d', project_id: 'projN', availability_zone_hints: ['azR'] });
    await api()['subnets.create']({ network_id: net.id, cidr: '10.6.0.0/24' });
    const other = await api()['networks.create']({ name: 'empty-d', project_id: 'projT', availability_zone_hints: ['azB'] });
    await api()['subnets.create']({ network_id: other.id, cidr: '10.6.1.0/24' });
    await engine.idle();
    const open = gateRemote();
    const slow = api()['ports.create']({ network_id: net.id, project_id: 'projS', name: 'vm-d', device_owner: 'compute:azR' }).then((p) => {
      order.push('port');
      return p;
    });
    const beside = api()['networks.delete']({ id: other.id }).then(done(order, 'empty-d deleted'));
    const queued = api()['networks.delete']({ id: net.id }).then(done(order, 'remote-d deleted'), refused(order, 'remote-d delete'));
    await beside;
    await settle();
    order.push('gate');
    open();
    const [port] = await Promise.all([slow, queued]);
    expect(order).toEqual(['empty-d deleted', 'gate', 'port', 'remote-d delete: NETWORK_IN_USE']);
    expect((await api()['networks.list']({ name: 'empty-d' })).items).toEqual([]);
    expect((await api()['ports.get']({ id: port.id })).network_id).toBe(net.id);
    await api()['ports.delete']({ id: port.id });
    await engine.idle();
    await api()['networks.delete']({ id: net.id });
    await checkConsistent();
  }, 60_000);

  it('bad input on the durable path fails with its own error and changes nothing', async () => {
    const db = engine.store.db;
    await engine.idle();
    const none = '00000000-0000-4000-8000-000000000000';
    const net0 = (await api()['networks.list']({ name: 'net0' })).items[0];
    const r0 = (await api()['routers.list']({ name: 'R0' })).items[0];
    const ew = (await api()['networks.list']({ name: 'ew_bridge_net_proj0' })).items[0];
    const ifPort = (await api()['ports.list']({ device_id: r0.id, device_owner: 'network:router_interface' })).items[0];
    const before = { top: dbChecksum(db, ['audit_log', 'async_jobs']), remote: await regionState(server.pod('Remote')) };
    const calls: [string, () => Promise<unknown>, string][] = [
      ['subnets.create on no network', () => api()['subnets.create']({ network_id: none, cidr: '10.5.0.0/24' }), 'NOT_FOUND'],
      ['subnets.create overlapping', () => api()['subnets.create']({ network_id: net0.id, cidr: '10.0.1.128/25' }), 'SUBNET_OVERLAP'],
      ['subnets.delete in use', () => api()['subnets.delete']({ id: net0.subnets[0] }), 'SUBNET_IN_USE'],
      ['networks.delete of a bridge', () => api()['networks.delete']({ id: ew.id }), 'NETWORK_IN_USE'],
      ['networks.update of a bridge', () => api()['networks.update']({ id: ew.id, name: 'x' }), 'CONFLICT'],
      ['ports.update of no port', () => api()['ports.update']({ id: none, name: 'x' }), 'NOT_FOUND'],
      ['ports.delete of a router port', () => api()['ports.delete']({ id: ifPort.id }), 'PORT_IN_USE'],
      ['routers.delete with interfaces', () => api()['routers.delete']({ id: r0.id }), 'ROUTER_IN_USE'],
      ['routers.setGateway on a tenant network', () => api()['routers.setGateway']({ id: r0.id, network_id: net0.id }), 'NOT_EXTERNAL_NETWORK'],
      ['fips.create on a tenant network', () => api()['fips.create']({ floating_network_id: net0.id }), 'NOT_EXTERNAL_NETWORK'],
      ['secgroupRules.delete of no rule', () => api()['secgroupRules.delete']({ id: none }), 'NOT_FOUND'],
    ];
    for (const [what, call, code] of calls) {
      const err = await call().then(
        () => null,
        (e: { code?: string }) => e.code,
      );
      expect(err, what).toBe(code);
    }
    expect(dbChecksum(db, ['audit_log', 'async_jobs'])).toEqual(before.top);
    expect(await regionState(server.pod('Remote'))).toEqual(before.remote);
  }, 60_000);
});
