// The pod registry through the engine API (reference §4, §6, §11 and §13 rows 8 and 16): one top
// pod, validation with Tricircle's codes, trimming and aliases, deletes refused while a pod hosts
// routed resources, AZ -> pod binding that never picks the top pod, sealed passwords.
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PodRegistry } from '../../main/engine/pods';
import { fileKeySecretBox } from '../../main/engine/secrets/file-key';
import { contract, type Method } from '../../shared/contract';
import { CrosspodError } from '../../shared/errors';
import { newEngine, threePods, type TestEngine } from './support/engine';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

async function refused(p: Promise<unknown>): Promise<CrosspodError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CrosspodError);
    return e as CrosspodError;
  }
  throw new Error('expected a CrosspodError, but the call succeeded');
}

describe('pods', () => {
  let t: TestEngine;
  let clock: number;
  beforeEach(async () => {
    clock = T0;
    t = await newEngine({ now: () => new Date(clock) });
  });
  afterEach(async () => {
    await t.close();
  });
  const api = () => t.engine.api;
  const bindings = () => t.engine.store.db.prepare('SELECT project_id, pod_id FROM pod_bindings ORDER BY created_at, rowid').all();

  describe('the top pod', () => {
    it('is the pod with an empty az_name; its body is exact', async () => {
      const top = await api()['pods.create']({ region_name: 'RegionOne' });
      expect(top).toEqual({
        pod_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        region_name: 'RegionOne',
        pod_name: 'RegionOne',
        az_name: '',
        pod_az_name: '',
        dc_name: '',
        is_top: true,
        driver: 'lab',
        driver_config: null,
        created_at: iso(T0),
        updated_at: iso(T0),
      });
      expect(await api()['pods.get']({ pod_id: top.pod_id })).toEqual(top);
    });

    it('forces pod_az_name to empty', async () => {
      const top = await api()['pods.create']({ region_name: 'RegionOne', pod_az_name: 'nova-az', dc_name: 'dc0' });
      expect([top.az_name, top.pod_az_name, top.dc_name, top.is_top]).toEqual(['', '', 'dc0', true]);
    });

    it('a second is refused with TOP_POD_EXISTS with az_name absent, explicitly "" and blank (§13 row 16)', async () => {
      const top = await api()['pods.create']({ region_name: 'RegionOne' });
      const before = t.fingerprint();
      for (const input of [{ region_name: 'RegionTwo' }, { region_name: 'RegionTwo', az_name: '' }, { region_name: 'RegionTwo', az_name: '   ' }, { pod_name: 'RegionTwo', az_name: '' }]) {
        const err = await refused(api()['pods.create'](input));
        expect(err.toBody(), JSON.stringify(input)).toEqual({ code: 'TOP_POD_EXISTS', message: 'Top region already exists', status: 409, details: { pod_id: top.pod_id } });
      }
      expect(t.fingerprint()).toEqual(before);
      expect((await api()['pods.list']({})).items.map((p) => p.region_name)).toEqual(['RegionOne']);
    });

    it('needs a name: POD_NAME_REQUIRED (422)', async () => {
      for (const input of [{}, { region_name: '' }, { region_name: '   ', az_name: '' }]) {
        const err = await refused(api()['pods.create'](input));
        expect(err.toBody()).toEqual({ code: 'POD_NAME_REQUIRED', message: 'Valid region_name is required for top region', status: 422 });
      }
      expect(t.fingerprint().pods).toBe(0);
    });
  });

  describe('bottom pods', () => {
    it('need a region name: POD_NAME_REQUIRED (422)', async () => {
      await api()['pods.create']({ region_name: 'RegionOne' });
      for (const input of [{ az_name: 'az1' }, { region_name: '', az_name: 'az1' }, { region_name: ' \t ', az_name: 'az1' }, { pod_name: '', az_name: 'az1' }]) {
        const err = await refused(api()['pods.create'](input));
        expect(err.toBody(), JSON.stringify(input)).toEqual({ code: 'POD_NAME_REQUIRED', message: 'Valid region_name is required for pod', status: 422 });
      }
      expect(t.fingerprint().pods).toBe(1);
    });

    it('are created with exact bodies; strings are trimmed; pod_name is an alias of region_name', async () => {
      await api()['pods.create']({ region_name: 'RegionOne' });
      clock = T0 + 1000;
      const p1 = await api()['pods.create']({ region_name: '  Pod1 ', az_name: ' az1 ', pod_az_name: ' nova-az1 ', dc_name: '\tdc1 ' });
      expect(p1).toEqual({
        pod_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        region_name: 'Pod1',
        pod_name: 'Pod1',
        az_name: 'az1',
        pod_az_name: 'nova-az1',
        dc_name: 'dc1',
        is_top: false,
        driver: 'lab',
        driver_config: null,
        created_at: iso(T0 + 1000),
        updated_at: iso(T0 + 1000),
      });
      const p2 = await api()['pods.create']({ pod_name: ' Pod2', az_name: 'az2' });
      expect([p2.region_name, p2.pod_name, p2.az_name, p2.pod_az_name, p2.dc_name]).toEqual(['Pod2', 'Pod2', 'az2', '', '']);
      // region_name wins over the alias when both are sent.
      const p3 = await api()['pods.create']({ region_name: 'Pod3', pod_name: 'Other', az_name: 'az3' });
      expect(p3.region_name).toBe('Pod3');
      // The stored row is trimmed too.
      expect(t.engine.store.db.prepare('SELECT region_name, az_name, pod_az_name, dc_name FROM pods WHERE pod_id = ?').get(p1.pod_id)).toEqual({
        region_name: 'Pod1',
        az_name: 'az1',
        pod_az_name: 'nova-az1',
        dc_name: 'dc1',
      });
    });

    it('two pods may share an AZ', async () => {
      await threePods(t.engine);
      const p = await api()['pods.create']({ region_name: 'Pod1b', az_name: 'az1' });
      expect(p.az_name).toBe('az1');
    });

    it('duplicate region names are refused: POD_NAME_DUPLICATED (409)', async () => {
      await threePods(t.engine);
      const before = t.fingerprint();
      const dup = await refused(api()['pods.create']({ region_name: 'Pod1', az_name: 'az9' }));
      expect(dup.toBody()).toEqual({ code: 'POD_NAME_DUPLICATED', message: 'A pod named Pod1 already exists', status: 409, details: { region_name: 'Pod1' } });
      const trimmed = await refused(api()['pods.create']({ pod_name: ' Pod2 ', az_name: 'az9' }));
      expect(trimmed.code).toBe('POD_NAME_DUPLICATED');
      const likeTop = await refused(api()['pods.create']({ region_name: 'RegionOne', az_name: 'az9' }));
      expect(likeTop.toBody()).toEqual({
        code: 'POD_NAME_DUPLICATED',
        message: 'Pod region name duplicated with the top region name',
        status: 409,
        details: { region_name: 'RegionOne' },
      });
      expect(t.fingerprint()).toEqual(before);
    });

    it('a top pod created after a bottom pod cannot take the bottom pod’s name', async () => {
      await api()['pods.create']({ region_name: 'Pod1', az_name: 'az1' });
      const err = await refused(api()['pods.create']({ region_name: 'Pod1' }));
      expect(err.code).toBe('POD_NAME_DUPLICATED');
      const top = await api()['pods.create']({ region_name: 'RegionOne' });
      expect(top.is_top).toBe(true);
    });
  });

  describe('get, list, update', () => {
    it('get and list return exact bodies; list filters and pages', async () => {
      await threePods(t.engine);
      const all = await api()['pods.list']({});
      expect(all.next_marker).toBeNull();
      expect(all.items.map((p) => [p.region_name, p.az_name, p.is_top])).toEqual([
        ['RegionOne', '', true],
        ['Pod1', 'az1', false],
        ['Pod2', 'az2', false],
      ]);
      for (const p of all.items) expect(await api()['pods.get']({ pod_id: p.pod_id })).toEqual(p);
      expect((await api()['pods.list']({ az_name: 'az2' })).items.map((p) => p.region_name)).toEqual(['Pod2']);
      expect((await api()['pods.list']({ pod_name: 'Pod1' })).items.map((p) => p.region_name)).toEqual(['Pod1']);
      expect((await api()['pods.list']({ is_top: true })).items.map((p) => p.region_name)).toEqual(['RegionOne']);
      const page1 = await api()['pods.list']({ limit: 2 });
      expect(page1.items.map((p) => p.region_name)).toEqual(['RegionOne', 'Pod1']);
      expect(page1.next_marker).toBe(all.items[1].pod_id);
      const page2 = await api()['pods.list']({ limit: 2, marker: page1.next_marker! });
      expect(page2).toEqual({ items: [all.items[2]], next_marker: null, total: 3 });
    });

    it('get of an unknown pod: POD_NOT_FOUND (404)', async () => {
      const err = await refused(api()['pods.get']({ pod_id: 'nope' }));
      expect(err.toBody()).toEqual({ code: 'POD_NOT_FOUND', message: 'Pod nope could not be found.', status: 404, details: { pod_id: 'nope' } });
    });

    it('update changes the given fields, trims them and stamps updated_at', async () => {
      await threePods(t.engine);
      const id = t.podId('Pod1');
      clock = T0 + 60_000;
      const p = await api()['pods.update']({ pod_id: id, dc_name: ' dc-north ', pod_az_name: 'nova1', region_name: ' Pod1-renamed ' });
      expect(p).toMatchObject({ pod_id: id, region_name: 'Pod1-renamed', pod_name: 'Pod1-renamed', az_name: 'az1', pod_az_name: 'nova1', dc_name: 'dc-north', created_at: iso(T0), updated_at: iso(T0 + 60_000) });
      expect(await api()['pods.get']({ pod_id: id })).toEqual(p);
      // Moving a bottom pod to another AZ is allowed.
      expect((await api()['pods.update']({ pod_id: id, az_name: 'az3' })).az_name).toBe('az3');
    });

    it('update refuses a duplicate name, a top/bottom switch, an unknown pod; nothing changes', async () => {
      await threePods(t.engine);
      const before = t.fingerprint();
      const snapshot = await api()['pods.list']({});
      const dup = await refused(api()['pods.update']({ pod_id: t.podId('Pod1'), region_name: 'Pod2' }));
      expect(dup.code).toBe('POD_NAME_DUPLICATED');
      const toTop = await refused(api()['pods.update']({ pod_id: t.podId('Pod1'), az_name: '' }));
      expect(toTop.code).toBe('INVALID_INPUT');
      const toBottom = await refused(api()['pods.update']({ pod_id: t.podId('RegionOne'), az_name: 'az1' }));
      expect(toBottom.code).toBe('INVALID_INPUT');
      const nameless = await refused(api()['pods.update']({ pod_id: t.podId('Pod1'), region_name: '  ' }));
      expect(nameless.code).toBe('POD_NAME_REQUIRED');
      const missing = await refused(api()['pods.update']({ pod_id: 'nope', dc_name: 'x' }));
      expect(missing.code).toBe('POD_NOT_FOUND');
      expect(t.fingerprint()).toEqual(before);
      expect(await api()['pods.list']({})).toEqual(snapshot);
    });

    it('the top pod can be renamed but keeps an empty pod_az_name', async () => {
      const top = await api()['pods.create']({ region_name: 'RegionOne' });
      const p = await api()['pods.update']({ pod_id: top.pod_id, region_name: 'CentralRegion', pod_az_name: 'x' });
      expect([p.region_name, p.az_name, p.pod_az_name, p.is_top]).toEqual(['CentralRegion', '', '', true]);
    });
  });

  describe('delete', () => {
    async function externalNetworkInPod2() {
      const ext = await api()['networks.create']({ name: 'ext-net', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'] });
      const sub = await api()['subnets.create']({ network_id: ext.id, cidr: '162.3.124.0/24', enable_dhcp: false });
      return { ext, sub };
    }

    it('refuses a pod that hosts routed resources with POD_IN_USE naming what is there', async () => {
      await threePods(t.engine);
      const { ext } = await externalNetworkInPod2();
      const pod2 = t.podId('Pod2');
      const before = t.fingerprint();
      const err = await refused(api()['pods.delete']({ pod_id: pod2 }));
      expect(err.toBody()).toEqual({
        code: 'POD_IN_USE',
        message: 'Pod Pod2 still hosts routed resources: 1 network, 1 subnet',
        status: 409,
        details: { still: { network: 1, subnet: 1 } },
      });
      expect(t.fingerprint()).toEqual(before);
      // Once the network is gone the pod can go.
      await api()['networks.delete']({ id: ext.id });
      expect(t.routings()).toEqual([]);
      await expect(api()['pods.delete']({ pod_id: pod2 })).resolves.toEqual({ pod_id: pod2 });
      expect((await refused(api()['pods.get']({ pod_id: pod2 }))).code).toBe('POD_NOT_FOUND');
      expect((await api()['pods.list']({})).items.map((p) => p.region_name)).toEqual(['RegionOne', 'Pod1']);
    });

    it('counts every routed resource type, pluralised', async () => {
      await threePods(t.engine);
      const net = await api()['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
      await api()['subnets.create']({ network_id: net.id, cidr: '10.0.1.0/24' });
      await api()['ports.create']({ network_id: net.id, device_owner: 'compute:nova', device_id: 'vm-1' });
      await api()['ports.create']({ network_id: net.id, device_owner: 'compute:nova', device_id: 'vm-2' });
      const err = await refused(api()['pods.delete']({ pod_id: t.podId('Pod1') }));
      // The VM ports' default security group is a routed resource of Pod1 too (issue 15).
      expect(err.message).toBe('Pod Pod1 still hosts routed resources: 1 network, 2 ports, 1 security_group, 1 subnet');
      expect(err.details).toEqual({ still: { network: 1, port: 2, security_group: 1, subnet: 1 } });
    });

    it('refuses the top pod while bottom pods exist', async () => {
      await threePods(t.engine);
      const err = await refused(api()['pods.delete']({ pod_id: t.podId('RegionOne') }));
      expect(err.toBody()).toEqual({ code: 'POD_IN_USE', message: 'The top pod cannot go while bottom pods exist', status: 409, details: { still: { pod: 2 } } });
    });

    it('deletes an unused pod with its bindings; an unknown pod is POD_NOT_FOUND', async () => {
      await threePods(t.engine);
      const pod1 = t.podId('Pod1');
      const reg = new PodRegistry(t.engine.store.db, () => iso(clock), undefined);
      reg.podForAz('az1', 'proj1');
      expect(bindings()).toEqual([{ project_id: 'proj1', pod_id: pod1 }]);
      await api()['pods.delete']({ pod_id: pod1 });
      expect(bindings()).toEqual([]);
      const err = await refused(api()['pods.delete']({ pod_id: pod1 }));
      expect(err.toBody()).toEqual({ code: 'POD_NOT_FOUND', message: `Pod ${pod1} could not be found.`, status: 404, details: { pod_id: pod1 } });
    });

    it('refuses to rename a pod that hosts routed resources', async () => {
      await threePods(t.engine);
      await externalNetworkInPod2();
      const err = await refused(api()['pods.update']({ pod_id: t.podId('Pod2'), region_name: 'Pod2-new' }));
      expect(err.code).toBe('POD_IN_USE');
      // Other fields can still change.
      expect((await api()['pods.update']({ pod_id: t.podId('Pod2'), dc_name: 'dc2' })).dc_name).toBe('dc2');
    });
  });

  describe('AZ -> pod binding (§6, §13 row 8)', () => {
    it('a network with no AZ hint lands in a bottom pod, never the top, and the project is bound there', async () => {
      await threePods(t.engine);
      const net = await api()['networks.create']({ name: 'net-any', project_id: 'proj1' });
      await api()['subnets.create']({ network_id: net.id, cidr: '10.0.9.0/24' });
      const port = await api()['ports.create']({ network_id: net.id, device_owner: 'compute:nova', device_id: 'vm-1' });
      const pod1 = t.podId('Pod1');
      expect(t.routings().map((r) => [r.top_id, r.pod_id, r.resource_type])).toEqual([
        [net.id, pod1, 'network'],
        [expect.any(String), pod1, 'subnet'],
        [port.id, pod1, 'port'],
        // The project's default security group, made in Pod1 for the VM port (issue 15).
        [expect.any(String), pod1, 'security_group'],
      ]);
      expect(bindings()).toEqual([{ project_id: 'proj1', pod_id: pod1 }]);
      expect(await t.pod('Pod1').list('port', { name: port.id })).toHaveLength(1);
    });

    it('podForAz("") picks the first bottom pod, binds it, and keeps to the binding', async () => {
      await threePods(t.engine);
      const reg = new PodRegistry(t.engine.store.db, () => iso(clock), undefined);
      expect(reg.podForAz('', 'projA').region_name).toBe('Pod1');
      expect(reg.podForAz('az2', 'projA').region_name).toBe('Pod2');
      expect(reg.podForAz('', 'projA').region_name).toBe('Pod1');
      expect(reg.podForAz('az2', 'projA').region_name).toBe('Pod2');
      expect(reg.podForAz('az2', 'projB').region_name).toBe('Pod2');
      expect(reg.podForAz('', 'projB').region_name).toBe('Pod2');
      expect(bindings()).toEqual([
        { project_id: 'projA', pod_id: t.podId('Pod1') },
        { project_id: 'projA', pod_id: t.podId('Pod2') },
        { project_id: 'projB', pod_id: t.podId('Pod2') },
      ]);
    });

    it('a binding to the top pod (from an older file) is ignored', async () => {
      await threePods(t.engine);
      t.engine.store.db.prepare("INSERT INTO pod_bindings (id, project_id, pod_id, created_at) VALUES ('legacy', 'projA', ?, ?)").run(t.podId('RegionOne'), iso(T0));
      const reg = new PodRegistry(t.engine.store.db, () => iso(clock), undefined);
      expect(reg.podForAz('', 'projA').region_name).toBe('Pod1');
    });

    it('an AZ with no pod: NO_POD_FOR_AZ (400); with only the top pod, "" has no pod either', async () => {
      await api()['pods.create']({ region_name: 'RegionOne' });
      const reg = new PodRegistry(t.engine.store.db, () => iso(clock), undefined);
      let err: unknown;
      try {
        reg.podForAz('', 'projA');
      } catch (e) {
        err = e;
      }
      expect((err as CrosspodError).toBody()).toEqual({ code: 'NO_POD_FOR_AZ', message: 'No pod bound to availability zone (any)', status: 400, details: { az_name: '' } });
      await api()['pods.create']({ region_name: 'Pod1', az_name: 'az1' });
      expect(() => reg.podForAz('az9', 'projA')).toThrow(expect.objectContaining({ code: 'NO_POD_FOR_AZ', details: { az_name: 'az9' } }));
      expect(bindings()).toEqual([]);
    });

    it('through the engine: with only the top pod a VM port on an unhinted network is refused, nothing bound', async () => {
      await api()['pods.create']({ region_name: 'RegionOne' });
      const net = await api()['networks.create']({ name: 'net', project_id: 'proj1' });
      await api()['subnets.create']({ network_id: net.id, cidr: '10.0.0.0/24' });
      const before = t.fingerprint();
      const err = await refused(api()['ports.create']({ network_id: net.id, device_owner: 'compute:nova' }));
      expect(err.code).toBe('NO_POD_FOR_AZ');
      expect(t.fingerprint()).toEqual(before);
      expect(bindings()).toEqual([]);
    });

    it('an AZ hint that names no pod AZ (including "") is refused at network create, never bound to the top', async () => {
      await threePods(t.engine);
      const before = t.fingerprint();
      for (const hints of [[''], ['az9']]) {
        const err = await refused(api()['networks.create']({ name: 'n', project_id: 'proj1', availability_zone_hints: hints }));
        expect(err.code).toBe('AVAILABILITY_ZONE_NOT_FOUND');
      }
      expect(t.fingerprint()).toEqual(before);
    });
  });

  describe('bad input', () => {
    const cases: [Method, unknown, string][] = [
      ['pods.create', { region_name: 42 }, 'region_name'],
      ['pods.create', { region_name: 'Pod9', az_name: 'az9', colour: 'blue' }, ''],
      ['pods.create', { region_name: 'Pod9', az_name: null }, 'az_name'],
      ['pods.create', { region_name: 'x'.repeat(256), az_name: 'az9' }, 'region_name'],
      ['pods.create', { region_name: 'Pod9', az_name: 'az9', driver: 'nova' }, 'driver'],
      ['pods.create', { region_name: 'Pod9', az_name: 'az9', driver: 'neutron', driver_config: { auth_type: 'kerberos' } }, 'driver_config.auth_type'],
      ['pods.create', { region_name: 'Pod9', az_name: 'az9', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: 'not a url' } }, 'driver_config.endpoint'],
      ['pods.create', { region_name: 'Pod9', az_name: 'az9', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: 'http://x', extra: 1 } }, 'driver_config'],
      ['pods.create', ['Pod9'], ''],
      ['pods.create', 'Pod9', ''],
      ['pods.get', {}, 'pod_id'],
      ['pods.get', { pod_id: '' }, 'pod_id'],
      ['pods.get', { pod_id: 7 }, 'pod_id'],
      ['pods.update', { region_name: 'x' }, 'pod_id'],
      ['pods.update', { pod_id: 'p', dc_name: ['dc'] }, 'dc_name'],
      ['pods.update', { pod_id: 'p', unknown: true }, ''],
      ['pods.delete', {}, 'pod_id'],
      ['pods.delete', { pod_id: 'p', force: 'yes' }, 'force'],
      ['pods.list', { limit: 0 }, 'limit'],
      ['pods.list', { limit: 'ten' }, 'limit'],
      ['pods.list', { az_name: { $ne: '' } }, 'az_name'],
    ];
    it.each(cases)('%s %j is INVALID_INPUT with the zod issues, and nothing changes', async (method, input, path) => {
      await threePods(t.engine);
      const before = t.fingerprint();
      const auditBefore = (await api()['audit.list']({})).items.length;
      const err = await refused(t.engine.call(method, input));
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.status).toBe(400);
      expect(err.message).toMatch(new RegExp(`^Invalid input for ${method.replace('.', '\\.')}: `));
      const issues = (err.details as { issues: { path: string; message: string; code: string }[] }).issues;
      expect(issues.length).toBeGreaterThan(0);
      for (const i of issues) expect(Object.keys(i).sort()).toEqual(['code', 'message', 'path']);
      expect(issues.map((i) => i.path)).toContain(path);
      expect(t.fingerprint()).toEqual(before);
      // Refused before the engine ran; a refused mutation is audited with its code, a read is not.
      const audit = (await api()['audit.list']({})).items;
      const mutates = contract[method].mutates;
      expect(audit.length).toBe(auditBefore + (mutates ? 1 : 0));
      if (mutates) expect([audit[0].operation, audit[0].result_code, audit[0].resource_ids]).toEqual([method, 'INVALID_INPUT', []]);
    });

    it('an unknown field is reported as unrecognized_keys', async () => {
      const err = await refused(t.engine.call('pods.create', { region_name: 'R', colour: 'blue' }));
      expect((err.details as { issues: unknown[] }).issues).toEqual([{ path: '', message: expect.stringContaining('colour'), code: 'unrecognized_keys' }]);
    });

    it('a neutron pod without a usable config is refused, nothing stored', async () => {
      await threePods(t.engine);
      const before = t.fingerprint();
      for (const driver_config of [undefined, { auth_type: 'noauth' as const }, { auth_type: 'password' as const, auth_url: 'http://127.0.0.1:5000/v3' }]) {
        const err = await refused(api()['pods.create']({ region_name: 'Pod9', az_name: 'az9', driver: 'neutron', driver_config }));
        expect(err.code).toBe('INVALID_INPUT');
      }
      expect(t.fingerprint()).toEqual(before);
    });
  });
});

describe('pod passwords are sealed', () => {
  const PLAINTEXT = 'Zebra-Plaintext-Pw-7731!';
  const USERNAME = 'crosspod-admin-user-4411';
  let keyDir: string;
  let t: TestEngine;
  beforeEach(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'crosspod-key-'));
    t = await newEngine({ secrets: fileKeySecretBox(join(keyDir, 'secret.key')) });
  });
  afterEach(async () => {
    await t.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  const fileBytes = () => {
    const parts = [readFileSync(t.dbPath)];
    if (existsSync(`${t.dbPath}-wal`)) parts.push(readFileSync(`${t.dbPath}-wal`));
    return parts;
  };
  const holds = (needle: string) => fileBytes().some((b) => b.includes(Buffer.from(needle, 'utf8')));

  it('never reaches the SQLite file, the audit log or pods.get', async () => {
    await t.engine.api['pods.create']({ region_name: 'RegionOne' });
    const pod = await t.engine.api['pods.create']({
      region_name: 'RegionNeutron',
      az_name: 'az-n',
      driver: 'neutron',
      driver_config: { auth_type: 'password', auth_url: 'http://127.0.0.1:5000/v3', username: USERNAME, project_name: 'admin', password: PLAINTEXT },
    });
    const cfg = { auth_type: 'password', auth_url: 'http://127.0.0.1:5000/v3', username: USERNAME, project_name: 'admin', has_password: true };
    expect(pod.driver).toBe('neutron');
    expect(pod.driver_config).toEqual(cfg);
    expect(await t.engine.api['pods.get']({ pod_id: pod.pod_id })).toMatchObject({ driver_config: cfg });
    expect(JSON.stringify((await t.engine.api['pods.list']({})).items)).not.toContain(PLAINTEXT);

    // The audit log masks it.
    const [entry] = (await t.engine.api['audit.list']({ operation: 'pods.create', limit: 1 })).items;
    expect(entry.input_summary).toContain('"password":"***"');
    expect(entry.input_summary).not.toContain(PLAINTEXT);

    // It is stored, sealed: the registry opens it with the key.
    const sealed = t.engine.store.db.prepare('SELECT sealed FROM pod_secrets WHERE pod_id = ?').pluck().get(pod.pod_id) as string;
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain(PLAINTEXT);
    const reg = new PodRegistry(t.engine.store.db, () => new Date().toISOString(), fileKeySecretBox(join(keyDir, 'secret.key')));
    expect(reg.password(pod.pod_id)).toBe(PLAINTEXT);

    // The file's bytes hold the username (the search works) but never the password.
    expect(holds(USERNAME)).toBe(true);
    expect(holds(PLAINTEXT)).toBe(false);
    t.engine.store.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(holds(USERNAME)).toBe(true);
    expect(holds(PLAINTEXT)).toBe(false);
  });

  it('a new password on update is sealed too; an update without one keeps has_password', async () => {
    const NEW = 'Second-Secret-Value-9090';
    const pod = await t.engine.api['pods.create']({
      region_name: 'RegionNeutron',
      az_name: 'az-n',
      driver: 'neutron',
      driver_config: { auth_type: 'password', auth_url: 'http://127.0.0.1:5000/v3', username: USERNAME, project_name: 'admin', password: PLAINTEXT },
    });
    const sealed1 = t.engine.store.db.prepare('SELECT sealed FROM pod_secrets WHERE pod_id = ?').pluck().get(pod.pod_id);
    const p2 = await t.engine.api['pods.update']({
      pod_id: pod.pod_id,
      driver_config: { auth_type: 'password', auth_url: 'http://127.0.0.1:5000/v3', username: USERNAME, project_name: 'admin', password: NEW },
    });
    expect(p2.driver_config).toMatchObject({ has_password: true });
    const sealed2 = t.engine.store.db.prepare('SELECT sealed FROM pod_secrets WHERE pod_id = ?').pluck().get(pod.pod_id);
    expect(sealed2).not.toBe(sealed1);
    const p3 = await t.engine.api['pods.update']({ pod_id: pod.pod_id, dc_name: 'dc-n' });
    expect(p3.driver_config).toEqual({ auth_type: 'password', auth_url: 'http://127.0.0.1:5000/v3', username: USERNAME, project_name: 'admin', has_password: true });
    const reg = new PodRegistry(t.engine.store.db, () => new Date().toISOString(), fileKeySecretBox(join(keyDir, 'secret.key')));
    expect(reg.password(pod.pod_id)).toBe(NEW);
    expect(holds(NEW)).toBe(false);
    expect(holds(PLAINTEXT)).toBe(false);
    const audits = (await t.engine.api['audit.list']({ operation: 'pods.update' })).items;
    expect(audits).toHaveLength(2);
    for (const a of audits) expect(a.input_summary).not.toContain(NEW);
  });
});

describe('pod passwords when a pod leaves the neutron driver', () => {
  it('are dropped with its driver_config', async () => {
    const keyDir = mkdtempSync(join(tmpdir(), 'crosspod-key-'));
    const t = await newEngine({ secrets: fileKeySecretBox(join(keyDir, 'secret.key')) });
    try {
      const pod = await t.engine.api['pods.create']({
        region_name: 'RegionNeutron',
        az_name: 'az-n',
        driver: 'neutron',
        driver_config: { auth_type: 'password', auth_url: 'http://127.0.0.1:5000/v3', username: 'u', project_name: 'admin', password: 'pw-1' },
      });
      const secrets = () => t.engine.store.db.prepare('SELECT COUNT(*) FROM pod_secrets WHERE pod_id = ?').pluck().get(pod.pod_id);
      expect(secrets()).toBe(1);
      const lab = await t.engine.api['pods.update']({ pod_id: pod.pod_id, driver: 'lab' });
      expect([lab.driver, lab.driver_config]).toEqual(['lab', null]);
      expect(secrets()).toBe(0);
    } finally {
      await t.close();
      rmSync(keyDir, { recursive: true, force: true });
    }
  });
});

describe('pod passwords without a secret store', () => {
  it('are refused, and nothing is stored', async () => {
    const t = await newEngine();
    try {
      await t.engine.api['pods.create']({ region_name: 'RegionOne' });
      const before = t.fingerprint();
      const err = await refused(
        t.engine.api['pods.create']({
          region_name: 'RegionNeutron',
          az_name: 'az-n',
          driver: 'neutron',
          driver_config: { auth_type: 'password', auth_url: 'http://127.0.0.1:5000/v3', username: 'u', project_name: 'admin', password: 'pw-never-kept' },
        }),
      );
      expect(err.toBody()).toEqual({ code: 'INVALID_INPUT', message: 'No secret store is configured: passwords cannot be kept', status: 400 });
      expect(t.fingerprint()).toEqual(before);
    } finally {
      await t.close();
    }
  });
});

describe('pod passwords from the environment', () => {
  it('CROSSPOD_PASSWORD_<REGION> is read when no password is stored', async () => {
    const { passwordFromEnv } = await import('../../main/engine/index');
    expect(passwordFromEnv('RegionTwo', { CROSSPOD_PASSWORD_REGIONTWO: 's3cret' })).toBe('s3cret');
    expect(passwordFromEnv('pod-2.east', { CROSSPOD_PASSWORD_POD_2_EAST: 'x' })).toBe('x');
    expect(passwordFromEnv('RegionTwo', {})).toBeUndefined();
    expect(passwordFromEnv('RegionTwo', { CROSSPOD_PASSWORD_REGIONTWO: '' })).toBeUndefined();

    const seen: (string | undefined)[] = [];
    process.env.CROSSPOD_PASSWORD_ENVPOD = 'from-env';
    try {
      const t2 = await newEngine({ driverFactory: (pod, base) => (seen.push(pod.password), base({ ...pod, driver: 'lab' })) });
      await t2.engine.api['pods.create']({ region_name: 'RegionOne' });
      const pod = await t2.engine.api['pods.create']({
        region_name: 'EnvPod',
        az_name: 'az1',
        driver: 'neutron',
        driver_config: { auth_type: 'password', auth_url: 'http://127.0.0.1:1/v3', username: 'u', project_name: 'p' },
      });
      await t2.engine.api['pods.testConnection']({ pod_id: pod.pod_id });
      expect(seen).toEqual(['from-env']);
      await t2.close();
    } finally {
      delete process.env.CROSSPOD_PASSWORD_ENVPOD;
    }
  });
});
