// The audit log: every mutation appended with when, who, what, the input summary, the result
// code and the ids it touched; reads are not logged; readable with filters and pages.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../shared/model';
import { CrosspodError } from '../../shared/errors';
import { newEngine, type TestEngine } from './support/engine';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('audit log', () => {
  let t: TestEngine;
  let clock: number;
  beforeEach(async () => {
    clock = T0;
    t = await newEngine({ now: () => new Date(clock) });
  });
  afterEach(async () => {
    await t.close();
  });
  const all = async (): Promise<AuditEntry[]> => (await t.engine.api['audit.list']({})).items;

  it('records a mutation: when, who, operation, input summary, OK and the affected ids', async () => {
    clock = T0 + 5_000;
    const top = await t.engine.call('pods.create', { region_name: 'RegionOne', dc_name: 'dc0' }, { actor: 'alice' });
    expect(await all()).toEqual([
      {
        id: 1,
        at: iso(T0 + 5_000),
        actor: 'alice',
        operation: 'pods.create',
        input_summary: '{"region_name":"RegionOne","dc_name":"dc0"}',
        result_code: 'OK',
        resource_ids: [top.pod_id],
      },
    ]);
  });

  it('the actor defaults to "local" for the typed api', async () => {
    await t.engine.api['pods.create']({ region_name: 'RegionOne' });
    expect((await all()).map((a) => a.actor)).toEqual(['local']);
  });

  it('records a refused mutation with its error code and no ids', async () => {
    await t.engine.call('pods.create', { region_name: 'RegionOne' }, { actor: 'alice' });
    clock = T0 + 1_000;
    await expect(t.engine.call('pods.create', { region_name: 'RegionTwo', az_name: '' }, { actor: 'bob' })).rejects.toBeInstanceOf(CrosspodError);
    await expect(t.engine.call('pods.delete', { pod_id: 'nope' }, { actor: 'bob' })).rejects.toMatchObject({ code: 'POD_NOT_FOUND' });
    const entries = await all();
    expect(entries.map((e) => [e.id, e.actor, e.operation, e.result_code, e.resource_ids])).toEqual([
      [3, 'bob', 'pods.delete', 'POD_NOT_FOUND', []],
      [2, 'bob', 'pods.create', 'TOP_POD_EXISTS', []],
      [1, 'alice', 'pods.create', 'OK', [expect.any(String)]],
    ]);
    expect(entries[1]).toMatchObject({ at: iso(T0 + 1_000), input_summary: '{"region_name":"RegionTwo","az_name":""}' });
  });

  it('records every kind of mutation with the ids it touched; reads are not logged', async () => {
    await t.engine.api['pods.create']({ region_name: 'RegionOne' });
    const p2 = await t.engine.api['pods.create']({ region_name: 'Pod2', az_name: 'az2' });
    const ext = await t.engine.api['networks.create']({ name: 'ext', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'] });
    const sub = await t.engine.api['subnets.create']({ network_id: ext.id, cidr: '162.3.124.0/24' });
    await t.engine.api['quotas.update']({ project_id: 'proj1', network: 5 });
    await t.engine.api['pods.update']({ pod_id: p2.pod_id, dc_name: 'dc2' });
    // Reads.
    await t.engine.api['pods.list']({});
    await t.engine.api['pods.get']({ pod_id: p2.pod_id });
    await t.engine.api['networks.get']({ id: ext.id });
    await t.engine.api['quotas.get']({ project_id: 'proj1' });
    await t.engine.api['audit.list']({});
    const entries = (await all()).reverse();
    expect(entries.map((e) => e.operation)).toEqual(['pods.create', 'pods.create', 'networks.create', 'subnets.create', 'quotas.update', 'pods.update']);
    expect(entries.every((e) => e.result_code === 'OK')).toBe(true);
    expect(entries[2].resource_ids).toEqual([ext.id]);
    expect([...entries[3].resource_ids].sort()).toEqual([ext.id, sub.id].sort());
    expect(entries[5].resource_ids).toEqual([p2.pod_id]);
    expect(entries[4].input_summary).toBe('{"project_id":"proj1","network":5}');
    // Ids are increasing, times are the engine clock's.
    expect(entries.map((e) => e.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(entries.map((e) => e.at))).toEqual(new Set([iso(T0)]));
  });

  it('survives the rollback of the failed mutation it records', async () => {
    await t.engine.api['pods.create']({ region_name: 'RegionOne' });
    const before = t.fingerprint();
    await expect(t.engine.api['networks.create']({ name: 'ext', project_id: 'admin', 'router:external': true, availability_zone_hints: ['NoSuchPod'] })).rejects.toMatchObject({
      code: 'POD_NOT_FOUND',
    });
    expect(t.fingerprint()).toEqual(before);
    const [last] = await all();
    expect([last.operation, last.result_code, last.resource_ids]).toEqual(['networks.create', 'POD_NOT_FOUND', []]);
  });

  it('masks secrets and truncates long input summaries at 500 characters', async () => {
    await t.engine.api['pods.create']({ region_name: 'RegionOne' });
    await expect(
      t.engine.api['pods.create']({
        region_name: 'PodN',
        az_name: 'azn',
        driver: 'neutron',
        driver_config: { auth_type: 'password', auth_url: 'http://127.0.0.1:5000/v3', username: 'u', project_name: 'p', password: 'hunter2-secret' },
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' }); // no secret store in this engine
    const [masked] = await all();
    expect(masked.input_summary).toBe(
      '{"region_name":"PodN","az_name":"azn","driver":"neutron","driver_config":{"auth_type":"password","auth_url":"http://127.0.0.1:5000/v3","username":"u","project_name":"p","password":"***"}}',
    );
    const long = await t.engine.api['pods.create']({ region_name: 'R'.repeat(255), az_name: 'a'.repeat(255), dc_name: 'd'.repeat(255) });
    const [entry] = await all();
    expect(entry.resource_ids).toEqual([long.pod_id]);
    expect(entry.input_summary).toHaveLength(500);
    expect(entry.input_summary.startsWith(`{"region_name":"${'R'.repeat(255)}","az_name":"`)).toBe(true);
    expect(entry.input_summary.endsWith('...')).toBe(true);
  });

  describe('reading', () => {
    beforeEach(async () => {
      // 1 OK, 2 TOP_POD_EXISTS, 3 OK, 4 POD_NAME_DUPLICATED, 5 OK, 6 POD_NOT_FOUND, 7 OK
      await t.engine.call('pods.create', { region_name: 'RegionOne' }, { actor: 'alice' });
      await t.engine.call('pods.create', { region_name: 'Again' }, { actor: 'bob' }).catch(() => undefined);
      await t.engine.call('pods.create', { region_name: 'Pod1', az_name: 'az1' }, { actor: 'alice' });
      await t.engine.call('pods.create', { region_name: 'Pod1', az_name: 'az2' }, { actor: 'bob' }).catch(() => undefined);
      await t.engine.call('quotas.update', { project_id: 'p', router: 3 }, { actor: 'carol' });
      await t.engine.call('pods.delete', { pod_id: 'nope' }, { actor: 'bob' }).catch(() => undefined);
      await t.engine.call('pods.update', { pod_id: t.podId('Pod1'), dc_name: 'x' }, { actor: 'alice' });
    });

    it('lists newest first', async () => {
      expect((await all()).map((e) => [e.id, e.result_code])).toEqual([
        [7, 'OK'],
        [6, 'POD_NOT_FOUND'],
        [5, 'OK'],
        [4, 'POD_NAME_DUPLICATED'],
        [3, 'OK'],
        [2, 'TOP_POD_EXISTS'],
        [1, 'OK'],
      ]);
    });

    it('filters by operation, result_code and actor', async () => {
      const ops = await t.engine.api['audit.list']({ operation: 'pods.create' });
      expect(ops.items.map((e) => e.id)).toEqual([4, 3, 2, 1]);
      const ok = await t.engine.api['audit.list']({ result_code: 'OK' });
      expect(ok.items.map((e) => e.id)).toEqual([7, 5, 3, 1]);
      const both = await t.engine.api['audit.list']({ operation: 'pods.create', result_code: 'OK' });
      expect(both.items.map((e) => [e.id, e.actor])).toEqual([
        [3, 'alice'],
        [1, 'alice'],
      ]);
      const failed = await t.engine.api['audit.list']({ operation: 'pods.create', result_code: 'TOP_POD_EXISTS' });
      expect(failed.items.map((e) => [e.id, e.actor])).toEqual([[2, 'bob']]);
      const bob = await t.engine.api['audit.list']({ actor: 'bob' });
      expect(bob.items.map((e) => e.id)).toEqual([6, 4, 2]);
      expect((await t.engine.api['audit.list']({ operation: 'networks.create' })).items).toEqual([]);
    });

    it('pages with limit and marker', async () => {
      const p1 = await t.engine.api['audit.list']({ limit: 3 });
      expect(p1.items.map((e) => e.id)).toEqual([7, 6, 5]);
      expect(p1.next_marker).toBe('5');
      const p2 = await t.engine.api['audit.list']({ limit: 3, marker: p1.next_marker! });
      expect(p2.items.map((e) => e.id)).toEqual([4, 3, 2]);
      expect(p2.next_marker).toBe('2');
      const p3 = await t.engine.api['audit.list']({ limit: 3, marker: p2.next_marker! });
      expect(p3).toMatchObject({ next_marker: null });
      expect(p3.items.map((e) => e.id)).toEqual([1]);
      // Filters and pages together.
      const f1 = await t.engine.api['audit.list']({ result_code: 'OK', limit: 2 });
      expect([f1.items.map((e) => e.id), f1.next_marker]).toEqual([[7, 5], '5']);
      const f2 = await t.engine.api['audit.list']({ result_code: 'OK', limit: 2, marker: '5' });
      expect([f2.items.map((e) => e.id), f2.next_marker]).toEqual([[3, 1], null]);
    });

    it('refuses bad list input', async () => {
      for (const input of [{ limit: 0 }, { limit: 1.5 }, { marker: 5 }, { operation: ['pods.create'] }]) {
        await expect(t.engine.call('audit.list', input)).rejects.toMatchObject({ code: 'INVALID_INPUT', status: 400 });
      }
    });
  });
});
