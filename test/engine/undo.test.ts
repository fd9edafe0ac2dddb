// Undo and redo: each action's inverse runs through the engine as one audited operation; the lab is
// then exactly as before the action (by names and addresses, top and bottoms), and a redo exactly
// as after it. An undo the world no longer allows is refused and changes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../main/engine';
import type { ResourceKind } from '../../main/engine/drivers/driver';
import { dbChecksum } from '../contract/checksum';
import { newEngine, type TestEngine } from './support/engine';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** A MAC the user chose (a VM's) is part of the lab; those Crosspod draws for its own ports are not. */
const mac = (m: unknown, owner: unknown) => (String(owner).startsWith('compute:') ? m : '');

/** The lab by names and addresses (ids left out): every top resource and what each bottom pod holds. */
async function world(t: TestEngine) {
  const e = t.engine.api;
  const all = { limit: 10_000 };
  const nets = (await e['networks.list'](all)).items;
  const subs = (await e['subnets.list'](all)).items;
  const ports = (await e['ports.list'](all)).items;
  const netName = new Map(nets.map((n) => [n.id, n.name]));
  const subCidr = new Map(subs.map((s) => [s.id, s.cidr]));
  const portName = new Map(ports.map((p) => [p.id, p.name || p.fixed_ips.map((f) => f.ip_address).join(',')]));
  const fips = (await e['fips.list'](all)).items;
  const paths = await Promise.all(fips.map((f) => e['fips.path']({ id: f.id })));
  const bottoms: Record<string, unknown> = {};
  for (const region of ['Pod1', 'Pod2']) {
    const d = t.pod(region);
    const kinds: ResourceKind[] = ['network', 'subnet', 'port', 'router', 'floatingip'];
    const out: Record<string, string[]> = {};
    for (const k of kinds) {
      out[k] = (await d.list(k))
        .map((r) => {
          const o = r as unknown as Record<string, unknown>;
          return JSON.stringify([o.name, o.cidr, o.floating_ip_address, o.fixed_ip_address, (o.fixed_ips as { ip_address: string }[] | undefined)?.map((f) => f.ip_address), mac(o.mac_address, o.device_owner), o.device_owner]).replace(UUID, '<id>');
        })
        .sort();
    }
    bottoms[region] = out;
  }
  return {
    networks: nets.map((n) => [n.name, n.project_id, n['router:external'], n.availability_zone_hints, n['crosspod:bridge'], n.subnets.map((s) => subCidr.get(s))]).sort(),
    subnets: subs.map((s) => [netName.get(s.network_id), s.cidr, s.name, s.gateway_ip, s.allocation_pools, s.enable_dhcp]).sort(),
    ports: ports.map((p) => [netName.get(p.network_id), p.name.replace(UUID, '<id>'), p.fixed_ips.map((f) => [subCidr.get(f.subnet_id), f.ip_address]), mac(p.mac_address, p.device_owner), p.device_owner]).sort(),
    routers: (await e['routers.list'](all)).items.map((r) => [r.name, r.external_gateway_info && [netName.get(r.external_gateway_info.network_id), r.external_gateway_info.external_fixed_ips.map((f) => f.ip_address), r.external_gateway_info.enable_snat], r.routes]),
    fips: fips.map((f, k) => [f.floating_ip_address, f.project_id, f.port_id && portName.get(f.port_id), f.fixed_ip_address, f.status, paths[k].hops.map((h) => [h.role, h.address, h.region])]).sort(),
    bottoms,
  };
}

async function example(e: Engine) {
  await e.api['lab.loadExample']({});
  const fip = (await e.api['fips.list']({ floating_ip_address: '162.3.124.5' })).items[0];
  const router = (await e.api['routers.list']({ name: 'R' })).items[0];
  const net1 = (await e.api['networks.list']({ name: 'net1' })).items[0];
  const sub1 = (await e.api['subnets.list']({ name: 'subnet1' })).items[0];
  const vm = (await e.api['ports.list']({ name: 'vm1' })).items[0];
  const ext = (await e.api['networks.list']({ name: 'ext-net' })).items[0];
  return { fip, router, net1, sub1, vm, ext };
}

const lastAudit = (t: TestEngine, n = 1) =>
  (t.engine.store.db.prepare('SELECT actor, operation, result_code FROM audit_log ORDER BY id DESC LIMIT ?').all(n) as { actor: string; operation: string; result_code: string }[]).reverse();

describe('undo and redo', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await newEngine({ autoRunJobs: true });
  });
  afterEach(async () => {
    await t.close();
  });

  const undo = () => t.engine.api['undo.undo']({});
  const redo = () => t.engine.api['undo.redo']({});

  it('a fresh lab has nothing to undo or redo, and says so with stable codes', async () => {
    await expect(undo()).rejects.toMatchObject({ code: 'NOTHING_TO_UNDO', status: 409 });
    await expect(redo()).rejects.toMatchObject({ code: 'NOTHING_TO_REDO', status: 409 });
    await expect(t.engine.api['audit.undo']({ id: 1 })).rejects.toMatchObject({ code: 'NOTHING_TO_UNDO' });
    expect(await t.engine.api['undo.state']({})).toEqual({ undo: [], redo: [] });
    // The example is one action the engine does not invert (a new lab is its undo).
    await t.engine.api['lab.loadExample']({});
    expect(await t.engine.api['undo.state']({})).toEqual({ undo: [], redo: [] });
  });

  it('release: undo brings back the same address on the same port with the same hop chain; redo releases it again', async () => {
    const x = await example(t.engine);
    await t.engine.idle();
    const before = await world(t);
    expect(before.fips).toEqual([['162.3.124.5', 'proj1', 'vm1', '10.0.1.4', 'ACTIVE', [['external', '162.3.124.5', 'Pod2'], ['bridge', '100.128.0.3', 'Pod1'], ['fixed', '10.0.1.4', 'Pod1']]]]);

    await t.engine.api['fips.delete']({ id: x.fip.id });
    await t.engine.idle();
    const released = await world(t);
    expect(released.fips).toEqual([]);
    const state = await t.engine.api['undo.state']({});
    expect(state.undo.map((u) => [u.operation, u.text])).toEqual([['fips.delete', 'release 162.3.124.5']]);

    const u = await undo();
    await t.engine.idle();
    expect(u.entry).toMatchObject({ operation: 'fips.delete', text: 'release 162.3.124.5' });
    expect(u.state).toEqual({ undo: [], redo: [expect.objectContaining({ operation: 'fips.delete' })] });
    expect(await world(t)).toEqual(before);
    expect(lastAudit(t)).toEqual([{ actor: 'local', operation: 'undo fips.delete', result_code: 'OK' }]);

    const r = await redo();
    await t.engine.idle();
    expect(r.state.undo.map((e) => e.text)).toEqual(['release 162.3.124.5']);
    expect(await world(t)).toEqual(released);
    expect(lastAudit(t)).toEqual([{ actor: 'local', operation: 'redo fips.delete', result_code: 'OK' }]);

    // And back again: the recorded calls follow the new ids.
    await undo();
    await t.engine.idle();
    expect(await world(t)).toEqual(before);
  });

  it('a new action empties the redo list', async () => {
    const x = await example(t.engine);
    await t.engine.api['fips.disassociate']({ id: x.fip.id });
    await undo();
    expect((await t.engine.api['undo.state']({})).redo).toHaveLength(1);
    await t.engine.api['fips.create']({ floating_network_id: x.ext.id, floating_ip_address: '162.3.124.9' });
    expect(await t.engine.api['undo.state']({})).toMatchObject({ redo: [], undo: [{ text: 'allocate 162.3.124.9' }] });
    await expect(redo()).rejects.toMatchObject({ code: 'NOTHING_TO_REDO' });
  });

  it('disassociate, clear gateway and remove interface: each undo is exact, each redo too', async () => {
    const x = await example(t.engine);
    await t.engine.idle();
    const w0 = await world(t);
    await t.engine.api['fips.disassociate']({ id: x.fip.id });
    const w1 = await world(t);
    await t.engine.api['fips.delete']({ id: x.fip.id });
    const w2 = await world(t);
    await t.engine.api['routers.removeInterface']({ id: x.router.id, subnet_id: x.sub1.id });
    await t.engine.idle();
    const w3 = await world(t);
    await t.engine.api['routers.clearGateway']({ id: x.router.id });
    await t.engine.idle();
    const w4 = await world(t);
    expect(w4.routers).toEqual([['R', null, []]]);
    expect((await t.engine.api['undo.state']({})).undo.map((e) => e.text)).toEqual([
      'clear the gateway of router R',
      'remove 10.0.1.0/24 from router R',
      'release 162.3.124.5',
      'disassociate 162.3.124.5 from 10.0.1.4',
    ]);
    // A floating IP allocated without a port lives only at the top until it is associated (§13
    // row 2); a disassociated one keeps its unbound copy in the external pod. The undone release
    // is the former: the same lab but for that unbound copy, which the next undo binds again.
    const unbound = structuredClone(w1);
    const pod2 = unbound.bottoms.Pod2 as Record<string, string[]>;
    pod2.floatingip = [];
    pod2.port = pod2.port.filter((p) => !p.includes('162.3.124.5'));
    for (const w of [w3, w2, unbound, w0]) {
      await undo();
      await t.engine.idle();
      expect(await world(t)).toEqual(w);
    }
    expect(w4.routers).not.toEqual(w0.routers);
    expect(w0.routers).toEqual([['R', ['ext-net', ['162.3.124.2'], true], []]]);
    for (const w of [w1, w2, w3, w4]) {
      await redo();
      await t.engine.idle();
      expect(await world(t)).toEqual(w);
    }
  });

  it('deletes of ports, networks and routers come back with the same attributes and addresses', async () => {
    const x = await example(t.engine);
    await t.engine.idle();
    const w0 = await world(t);
    // The VM port takes its floating IP's association with it; undo puts both back.
    await t.engine.api['ports.delete']({ id: x.vm.id });
    await t.engine.idle();
    expect((await world(t)).fips[0].slice(2, 4)).toEqual([null, null]);
    await undo();
    await t.engine.idle();
    expect(await world(t)).toEqual(w0);

    const net = await t.engine.api['networks.create']({ name: 'net9', project_id: 'proj1', availability_zone_hints: ['az2'] });
    await t.engine.api['subnets.create']({ network_id: net.id, cidr: '10.0.9.0/24', name: 'subnet9', gateway_ip: '10.0.9.254', allocation_pools: [{ start: '10.0.9.10', end: '10.0.9.20' }] });
    const r2 = await t.engine.api['routers.create']({ name: 'R2', project_id: 'proj1' });
    await t.engine.idle();
    const w1 = await world(t);
    await t.engine.api['routers.delete']({ id: r2.id });
    await t.engine.api['networks.delete']({ id: net.id });
    await t.engine.idle();
    await undo();
    await undo();
    await t.engine.idle();
    expect(await world(t)).toEqual(w1);
    // Undo of the creates, down to the example.
    await undo();
    await undo();
    await undo();
    await t.engine.idle();
    expect(await world(t)).toEqual(w0);
  });

  it('an undo the world no longer allows is refused with UNDO_CONFLICT and changes nothing', async () => {
    const x = await example(t.engine);
    await t.engine.api['fips.delete']({ id: x.fip.id });
    const release = (await t.engine.api['undo.state']({})).undo[0];
    // Someone takes the address meanwhile.
    await t.engine.api['fips.create']({ floating_network_id: x.ext.id, floating_ip_address: '162.3.124.5' });
    await t.engine.idle();
    const before = dbChecksum(t.engine.store.db, ['audit_log']);
    const err = await t.engine.api['audit.undo']({ id: release.audit_id }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNDO_CONFLICT', status: 409, details: { audit_id: release.audit_id, step: 'fips.create', cause: { code: 'IP_ADDRESS_IN_USE' } } });
    expect((err as Error).message).toMatch(/^Cannot undo "release 162\.3\.124\.5": /);
    await t.engine.idle();
    expect(dbChecksum(t.engine.store.db, ['audit_log'])).toEqual(before);
    expect(lastAudit(t)).toEqual([{ actor: 'local', operation: 'undo fips.delete', result_code: 'UNDO_CONFLICT' }]);
    // Still on the list: it can be tried again once the address is free.
    expect((await t.engine.api['undo.state']({})).undo.map((u) => u.text)).toEqual(['allocate 162.3.124.5', 'release 162.3.124.5']);
  });

  it('an undo of an older action whose resource moved since is refused, naming it', async () => {
    const x = await example(t.engine);
    await t.engine.api['fips.disassociate']({ id: x.fip.id });
    const dis = (await t.engine.api['undo.state']({})).undo[0];
    const vm2 = await t.engine.api['ports.create']({ network_id: x.net1.id, name: 'vm2', device_owner: 'compute:az1' });
    await t.engine.api['fips.associate']({ id: x.fip.id, port_id: vm2.id });
    await t.engine.idle();
    const before = dbChecksum(t.engine.store.db, ['audit_log']);
    await expect(t.engine.api['audit.undo']({ id: dis.audit_id })).rejects.toMatchObject({
      code: 'UNDO_CONFLICT',
      message: 'Cannot undo "disassociate 162.3.124.5 from 10.0.1.4": the fip it acts on has changed since',
      details: { audit_id: dis.audit_id, kind: 'fip', id: x.fip.id },
    });
    expect(dbChecksum(t.engine.store.db, ['audit_log'])).toEqual(before);
    // The latest ones, in order, still undo; then the older one applies again.
    await undo();
    await undo();
    const r = await t.engine.api['audit.undo']({ id: dis.audit_id });
    expect(r.entry.text).toBe('disassociate 162.3.124.5 from 10.0.1.4');
    expect((await t.engine.api['fips.get']({ id: x.fip.id })).fixed_ip_address).toBe('10.0.1.4');
  });
});
