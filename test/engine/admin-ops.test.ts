// Issue 11 item 2: routings.delete/update with Tricircle's semantics (§11.2), pods.delete with
// force for a dead pod, and routers.resync as a job. Bad input gets a stable code and changes nothing.
import { afterEach, describe, expect, it } from 'vitest';
import type { Method } from '../../shared/contract';
import { dbChecksum } from '../contract/checksum';
import { newEngine, threePods, type TestEngine } from './support/engine';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function estate() {
  t = await newEngine();
  const api = t.engine.api;
  await threePods(t.engine);
  const ext = await api['networks.create']({ name: 'ext-net', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'] });
  await api['subnets.create']({ network_id: ext.id, cidr: '162.3.124.0/24', enable_dhcp: false });
  const net1 = await api['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
  const sub1 = await api['subnets.create']({ network_id: net1.id, cidr: '10.0.1.0/24', name: 'subnet1' });
  const router = await api['routers.create']({ name: 'R', project_id: 'proj1' });
  await api['routers.addInterface']({ id: router.id, subnet_id: sub1.id });
  await api['routers.setGateway']({ id: router.id, network_id: ext.id });
  const vm = await api['ports.create']({ network_id: net1.id, name: 'vm1', fixed_ips: [{ ip_address: '10.0.1.4' }], device_owner: 'compute:az1' });
  const fip = await api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.124.5', port_id: vm.id });
  await t.engine.idle();
  return { t, api, ext, net1, sub1, router, vm, fip, p1: t.podId('Pod1'), p2: t.podId('Pod2') };
}

/** Calls a method with bad input: a stable code, and not one row changed (audit log aside). */
async function refused(method: Method, input: unknown, code: string, message?: string) {
  const before = dbChecksum(t!.engine.store.db, ['audit_log']);
  const e = await t!.engine.call(method, input).catch((x) => x);
  expect(e).toMatchObject({ code, ...(message ? { message } : {}) });
  await t!.engine.idle();
  expect(dbChecksum(t!.engine.store.db, ['audit_log'])).toEqual(before);
}

describe('routings.delete and routings.update', () => {
  it('delete drops one row by id; update changes the fields given and checks pod and type', async () => {
    const w = await estate();
    const row = w.t.routings().find((r) => r.top_id === w.vm.id && r.pod_id === w.p1)!;
    const other = w.t.routings().find((r) => r.top_id === w.sub1.id && r.pod_id === w.p1)!;

    const upd = await w.api['routings.update']({ id: row.id, bottom_id: 'b-new', project_id: 'proj9' });
    expect(upd).toEqual({ ...row, bottom_id: 'b-new', project_id: 'proj9', updated_at: expect.any(String) });
    expect(w.t.routings().find((r) => r.id === row.id)).toEqual(upd);

    await refused('routings.update', { id: row.id, pod_id: 'no-such-pod' }, 'POD_NOT_FOUND', 'Pod no-such-pod could not be found.');
    await refused('routings.update', { id: row.id, resource_type: 'vm' }, 'RESOURCE_TYPE_UNKNOWN');
    await refused('routings.update', { id: row.id, top_id: other.top_id, resource_type: 'subnet' }, 'ROUTING_EXISTS', 'Resource routing already exists: the same top_id, pod_id and resource_type are mapped by another row');
    await refused('routings.update', { id: 999_999, bottom_id: 'x' }, 'NOT_FOUND', 'Resource routing 999999 not found');
    await refused('routings.update', { id: row.id, bottom_id: '  ' }, 'INVALID_INPUT');
    await refused('routings.update', { id: row.id }, 'INVALID_INPUT');
    await refused('routings.update', { id: row.id, extra: 1 }, 'INVALID_INPUT');

    expect(await w.api['routings.delete']({ id: row.id })).toEqual({ id: row.id });
    expect(w.t.routings().some((r) => r.id === row.id)).toBe(false);
    await refused('routings.delete', { id: row.id }, 'NOT_FOUND', `Resource routing ${row.id} not found`);
    await refused('routings.delete', { id: 'one' }, 'INVALID_INPUT');
    await refused('routings.delete', { id: 0 }, 'INVALID_INPUT');
    expect((await w.api['audit.list']({ operation: 'routings.delete', result_code: 'OK' })).items).toHaveLength(1);
  });
});

describe('pods.delete with force', () => {
  it('refuses without force, then forgets a dead pod: its routing rows and lab rows go, and it says what may be left', async () => {
    const w = await estate();
    // A dead pod: every call fails. Without force the routing rows keep it.
    await refused('pods.delete', { pod_id: w.p1 }, 'POD_IN_USE');
    const rows = w.t.routings().filter((r) => r.pod_id === w.p1);
    const db = w.t.engine.store.db;
    expect(db.prepare('SELECT COUNT(*) FROM lab_routers WHERE pod_id = ?').pluck().get(w.p1)).toBe(1);
    const out = await w.api['pods.delete']({ pod_id: w.p1, force: true });
    const b1r = rows.find((r) => r.resource_type === 'router')!;
    expect(out.pod_id).toBe(w.p1);
    // The VM port's default security group was in Pod1 too (issue 15).
    expect(Object.keys(out.left!).sort()).toEqual(['network', 'port', 'router', 'security_group', 'subnet']);
    expect(out.left!.router).toEqual([{ bottom_id: b1r.bottom_id, name: w.router.id, top_id: w.router.id }]);
    expect(out.left!.network).toContainEqual({ bottom_id: rows.find((r) => r.top_id === w.net1.id)!.bottom_id, name: `${w.net1.id}#net1`, top_id: w.net1.id });
    expect(out.left!.port).toContainEqual({ bottom_id: rows.find((r) => r.top_id === w.vm.id)!.bottom_id, name: w.vm.id, top_id: w.vm.id });
    expect(Object.values(out.left!).flat()).toHaveLength(rows.length);
    expect(w.t.routings().filter((r) => r.pod_id === w.p1)).toEqual([]);
    for (const table of ['lab_networks', 'lab_subnets', 'lab_ports', 'lab_routers', 'lab_floating_ips', 'lab_security_groups', 'lab_security_group_rules']) expect(db.prepare(`SELECT COUNT(*) FROM ${table} WHERE pod_id = ?`).pluck().get(w.p1)).toBe(0);
    expect((await w.api['pods.list']({})).items.map((p) => p.region_name)).toEqual(['RegionOne', 'Pod2']);
  });

  it('refuses the top pod and a pod that hosts external networks, changing nothing', async () => {
    const w = await estate();
    await refused('pods.delete', { pod_id: w.t.podId('RegionOne'), force: true }, 'INVALID_INPUT', 'force is for a dead bottom pod; RegionOne is the top pod');
    await refused('pods.delete', { pod_id: w.p2, force: true }, 'POD_IN_USE', `Pod Pod2 hosts external networks: ${w.ext.id}`);
    await refused('pods.delete', { pod_id: w.p1, force: 'yes' }, 'INVALID_INPUT');
    await refused('pods.delete', { pod_id: 'nope', force: true }, 'POD_NOT_FOUND');
  });
});

describe('routers.resync', () => {
  it('is a job that rebuilds a bottom router deleted by hand, with its interfaces, E-W port, N-S gateway and routes', async () => {
    const w = await estate();
    const b1r = w.t.routings().find((r) => r.top_id === w.router.id && r.pod_id === w.p1)!.bottom_id!;
    const pod1 = w.t.pod('Pod1');
    await w.api['fips.disassociate']({ id: w.fip.id });
    for (const p of await pod1.list('port', { device_id: b1r, device_owner: 'network:router_interface' })) await pod1.removeInterface(b1r, { port_id: p.id });
    await pod1.removeGateway(b1r);
    await pod1.delete('router', b1r);
    const job = await w.api['routers.resync']({ id: w.router.id });
    expect(job).toMatchObject({ type: 'router_resync', resource_id: w.router.id, project_id: 'proj1', status: 'NEW' });
    await w.t.engine.idle();
    expect(await w.api['jobs.get']({ id: job.id })).toMatchObject({ status: 'SUCCESS' });
    const nb1r = w.t.routings().find((r) => r.top_id === w.router.id && r.pod_id === w.p1)!.bottom_id!;
    expect(nb1r).not.toBe(b1r);
    const br = await pod1.get('router', nb1r);
    expect(br.external_gateway_info?.external_fixed_ips.map((i) => i.ip_address)).toEqual(['100.128.0.2']);
    expect((await pod1.list('port', { device_id: nb1r, device_owner: 'network:router_interface' })).flatMap((p) => p.fixed_ips.map((i) => i.ip_address)).sort()).toEqual(['10.0.1.1', '100.0.0.2']);
    expect((await w.api['doctor.run']({})).findings).toEqual([]);
    await w.api['fips.associate']({ id: w.fip.id, port_id: w.vm.id });
    expect((await w.api['fips.path']({ id: w.fip.id })).hops.map((h) => h.address)).toEqual(['162.3.124.5', '100.128.0.3', '10.0.1.4']);
    await refused('routers.resync', { id: 'no-such-router' }, 'NOT_FOUND');
  });
});
