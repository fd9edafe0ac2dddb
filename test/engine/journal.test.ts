// The operation journal (main/engine/runtime/journal.ts): the rows it writes around each remote
// bottom call, and recovery of each kind of interrupted operation.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../main/engine';
import type { CompensationAction } from '../../main/engine/context';
import type { PodDriver } from '../../main/engine/drivers/driver';
import { Journal, recover, type RecoveryDeps } from '../../main/engine/runtime/journal';
import { CrosspodError } from '../../shared/errors';
import { newEngine, threePods, type TestEngine } from './support/engine';

let t: TestEngine;
let journal: Journal;
let pod1: PodDriver;
let p1: string;
let netId: string;
let subId: string;

beforeEach(async () => {
  t = await newEngine();
  await threePods(t.engine);
  p1 = t.podId('Pod1');
  pod1 = t.pod('Pod1');
  journal = new Journal(join(t.dir, 'test.oplog'));
  const net = await pod1.create('network', { name: 'net-a', project_id: 'p' });
  netId = net.id;
  subId = (await pod1.create('subnet', { name: 'sub-a', network_id: net.id, project_id: 'p', cidr: '10.9.0.0/24', enable_dhcp: false })).id;
});
afterEach(async () => {
  journal.close();
  await t.close();
});

/** Recovery deps over the test engine's file, recording what recovery asked for. */
function deps(over: Partial<RecoveryDeps> = {}) {
  const log = { failed: [] as { pod_id: string; label: string; action: CompensationAction; code: string }[], remapped: [] as string[][], forgot: [] as string[] };
  const d: RecoveryDeps = {
    committed: () => false,
    driver: () => pod1,
    podName: () => 'Pod1',
    referenced: () => false,
    remapRouting: (pod, a, b) => void log.remapped.push([pod, a, b]),
    forgetRouting: (_pod, id) => (log.forgot.push(id), 1),
    failed: (f) => void log.failed.push({ pod_id: f.pod_id, label: f.label, action: f.action, code: (f.error as CrosspodError).code }),
    ...over,
  };
  return { d, log };
}

const portBody = (name: string, ip: string) => ({ name, network_id: netId, project_id: 'p', fixed_ips: [{ subnet_id: subId, ip_address: ip }] });

describe('journal rows', () => {
  it('an intent before each call, its result after, a compensation linked to its call; the file is 0600', async () => {
    const oj = journal.begin('fips.associate', 'op-1');
    const d = oj.wrap(p1, pod1);
    expect(oj.used).toBe(false);
    const port = await d.create('port', portBody('vm', '10.9.0.4'));
    oj.undo({ label: 'create port vm in Pod1', pod_id: p1, action: { verb: 'delete', kind: 'port', id: port.id } });
    const [listed] = await d.list('port', { name: 'vm' });
    await d.update('port', listed.id, { name: 'vm-renamed' });
    const steps = journal.steps('op-1');
    expect(steps.map((s) => [s.seq, s.type, s.verb, s.kind, s.target, s.state, s.undoes])).toEqual([
      [1, 'call', 'create', 'port', null, 'done', null],
      [2, 'undo', 'delete', null, null, 'done', 1],
      [3, 'call', 'update', 'port', port.id, 'done', null],
    ]);
    expect(steps[0].body).toEqual(portBody('vm', '10.9.0.4'));
    expect(steps[0].result).toEqual({ id: port.id });
    // The before-image of the update came from the list this operation made (no extra read).
    expect(steps[2].before).toMatchObject({ id: port.id, name: 'vm', fixed_ips: [{ subnet_id: subId, ip_address: '10.9.0.4' }] });
    expect(journal.openOps().map((o) => [o.op_id, o.label])).toEqual([['op-1', 'fips.associate']]);
    expect(statSync(journal.path).mode & 0o777).toBe(0o600);
    oj.finish();
    expect(journal.openOps()).toEqual([]);
    expect(journal.steps('op-1')).toEqual([]);
  });

  it('a refused call is settled as failed; a lost answer stays an intent', async () => {
    const oj = journal.begin('x', 'op-2');
    const lost: PodDriver = { ...pod1, create: async () => Promise.reject(new CrosspodError('POD_TIMEOUT', 'no answer')) };
    await pod1.create('port', portBody('holder', '10.9.0.20'));
    await expect(oj.wrap(p1, pod1).create('port', portBody('a', '10.9.0.20'))).rejects.toMatchObject({ code: 'IP_ADDRESS_IN_USE' });
    await expect(journal.begin('y', 'op-3').wrap(p1, lost).create('port', portBody('b', '10.9.0.9'))).rejects.toMatchObject({ code: 'POD_TIMEOUT' });
    expect(journal.steps('op-2').map((s) => s.state)).toEqual(['failed']);
    expect(journal.steps('op-3').map((s) => s.state)).toEqual(['intent']);
  });

  it('an operation that touches only lab pods writes nothing, and has no commit marker', async () => {
    const before = t.fingerprint();
    await t.engine.api['networks.create']({ name: 'n', project_id: 'p', availability_zone_hints: ['az1'] });
    const j = new Journal(`${t.dbPath}.oplog`);
    expect(j.db.prepare('SELECT COUNT(*) FROM steps').pluck().get()).toBe(0);
    j.close();
    expect(t.fingerprint().journal_commits).toBe(before.journal_commits);
    expect(t.fingerprint().journal_commits).toBe(0);
  });
});

describe('recovery', () => {
  it('an operation whose commit marker is in the database is forgotten, its bottoms kept', async () => {
    const oj = journal.begin('x', 'op-c');
    const port = await oj.wrap(p1, pod1).create('port', portBody('kept', '10.9.0.5'));
    const { d } = deps({ committed: (id) => id === 'op-c' });
    expect(await recover(journal, d)).toMatchObject({ committed: 1, undone: 0, steps: 0 });
    expect(await pod1.get('port', port.id)).toMatchObject({ name: 'kept' });
    expect(journal.openOps()).toEqual([]);
  });

  it('a rolled-back operation is undone in reverse: compensations run, creates deleted, updates reverted, deletes re-made', async () => {
    const victim = await pod1.create('port', portBody('bridge', '10.9.0.7'));
    const fip = await pod1.create('floatingip', { floating_network_id: netId, project_id: 'p', floating_ip_address: '10.9.0.50' }).catch(() => null);
    expect(fip).toBeNull(); // not an external network: floating IPs are tested in the crash tests
    const oj = journal.begin('fips.associate', 'op-r');
    const d = oj.wrap(p1, pod1);
    const a = await d.create('port', portBody('a', '10.9.0.4'));
    oj.undo({ label: 'create port a', pod_id: p1, action: { verb: 'delete', kind: 'port', id: a.id } });
    const b = await d.create('port', portBody('b', '10.9.0.5')); // crash before its compensation
    await d.update('port', a.id, { name: 'a2' });
    await d.delete('port', victim.id); // no compensation: re-made from its before-image
    const { d: deps1, log } = deps();
    const rep = await recover(journal, deps1);
    expect(rep).toEqual({ committed: 0, undone: 1, steps: 4, found: 0, recreated: 1, forgotten: 0, irreversible: 0, failed: 0 });
    const ports = await pod1.list('port', { network_id: netId });
    expect(ports.map((p) => [p.name, p.fixed_ips[0].ip_address, p.mac_address])).toEqual([['bridge', '10.9.0.7', victim.mac_address]]);
    expect(log.remapped).toEqual([[p1, victim.id, ports[0].id]]);
    await expect(pod1.get('port', b.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a create whose answer was lost is found by its name and address and deleted, unless the routing table knows it', async () => {
    const oj = journal.begin('x', 'op-f');
    // The call reaches the pod, then the answer is lost: the step stays an intent.
    const lossy: PodDriver = {
      ...pod1,
      create: async (kind, body) => {
        await pod1.create(kind, body);
        throw new CrosspodError('POD_UNREACHABLE', 'connection reset');
      },
    };
    await expect(oj.wrap(p1, lossy).create('port', portBody('ns_bridge_port', '10.9.0.9'))).rejects.toMatchObject({ code: 'POD_UNREACHABLE' });
    // Another port of the same name and network, at another address, and one the routing table holds.
    const other = await pod1.create('port', portBody('ns_bridge_port', '10.9.0.10'));
    await expect(journal.begin('y', 'op-g').wrap(p1, lossy).create('port', portBody('routed', '10.9.0.11'))).rejects.toThrow();
    const routed = (await pod1.list('port', { name: 'routed' }))[0];
    const { d } = deps({ referenced: (_p, id) => id === routed.id });
    expect(await recover(journal, d)).toMatchObject({ undone: 2, found: 1, failed: 0 });
    expect((await pod1.list('port', { network_id: netId })).map((p) => p.id).sort()).toEqual([other.id, routed.id].sort());
  });

  it('a step that cannot be undone (pod unreachable) becomes a FAIL job; the op is still finished', async () => {
    const oj = journal.begin('x', 'op-u');
    const port = await oj.wrap(p1, pod1).create('port', portBody('stuck', '10.9.0.12'));
    const down: PodDriver = { ...pod1, delete: async () => Promise.reject(new CrosspodError('POD_UNREACHABLE', 'Cannot reach Pod1')) };
    const { d, log } = deps({ driver: () => down });
    expect(await recover(journal, d)).toMatchObject({ undone: 1, failed: 1, steps: 0 });
    expect(log.failed).toEqual([{ pod_id: p1, label: 'port made by an interrupted operation in Pod1', action: { verb: 'delete', kind: 'port', id: port.id }, code: 'POD_UNREACHABLE' }]);
    expect(journal.openOps()).toEqual([]);
  });
});

describe('recovery in createEngine', () => {
  it('an interrupted operation on an unreachable neutron pod becomes a FAIL compensate job and a recovery audit entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crosspod-journal-'));
    try {
      const dbPath = join(dir, 'c.db');
      let e = await createEngine({ dbPath });
      await e.api['pods.create']({ region_name: 'RegionOne' });
      const pod = await e.api['pods.create']({ region_name: 'Far', az_name: 'az9', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: 'http://127.0.0.1:9/v2.0', timeout_ms: 2000 } });
      await e.close();
      // What a crash leaves: a journaled create that answered, with no commit marker.
      const j = new Journal(`${dbPath}.oplog`);
      const oj = j.begin('fips.associate', 'op-crashed');
      const fake: PodDriver = { ...pod1, create: async () => ({ id: 'bottom-port-1' }) as never };
      await oj.wrap(pod.pod_id, fake).create('port', portBody('vm', '10.9.0.4'));
      j.close();

      e = await createEngine({ dbPath, autoRunJobs: false });
      const jobs = (await e.api['jobs.list']({ status: 'FAIL' })).items;
      expect(jobs.map((x) => [x.type, x.resource_id, x.payload])).toEqual([
        ['compensate', `${pod.pod_id}#port made by an interrupted operation in Far`, { pod_id: pod.pod_id, label: 'port made by an interrupted operation in Far', action: { verb: 'delete', kind: 'port', id: 'bottom-port-1' } }],
      ]);
      const audit = (await e.api['audit.list']({ operation: 'recovery' })).items;
      expect(audit.map((a) => [a.actor, a.result_code, JSON.parse(a.input_summary)])).toEqual([
        ['crosspod', 'PARTIAL', { committed: 0, undone: 1, steps: 0, found: 0, recreated: 0, forgotten: 0, irreversible: 0, failed: 1 }],
      ]);
      await e.close();
      const again = new Journal(`${dbPath}.oplog`);
      expect(again.openOps()).toEqual([]);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a failed operation with a lost answer (no crash)', () => {
  it('a bottom floating IP made by a call whose answer timed out is found and deleted with the rollback', async () => {
    const { startLabRegionServer } = await import('./support/lab-region-server');
    const dir = mkdtempSync(join(tmpdir(), 'crosspod-journal-lost-'));
    const server = await startLabRegionServer({ dbPath: join(dir, 'regions.db'), regions: ['Pod1', 'Pod2'] });
    let loseNext = false;
    try {
      const e = await createEngine({
        dbPath: join(dir, 'c.db'),
        driverFactory: (pod, base) => {
          const d = base(pod);
          if (pod.region_name !== 'Pod1') return d;
          // The create reaches Pod1; its answer never comes back.
          return { ...d, create: async (kind, body) => {
            const r = await d.create(kind, body);
            if (loseNext && kind === 'floatingip') throw new CrosspodError('POD_TIMEOUT', 'No answer from Pod1 within 30000 ms');
            return r;
          } } as PodDriver;
        },
      });
      await e.api['pods.create']({ region_name: 'RegionOne' });
      for (const r of ['Pod1', 'Pod2'] as const) await e.api['pods.create']({ region_name: r, az_name: r === 'Pod1' ? 'az1' : 'az2', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: server.endpoint(r) } });
      const { fips } = await e.api['lab.loadExample']({});
      const fip = await e.api['fips.get']({ id: fips[0] });
      await e.api['fips.disassociate']({ id: fip.id });
      await e.idle();
      const before = { p1: await server.pod('Pod1').list('floatingip'), p2: await server.pod('Pod2').list('port', { name: 'ns_bridge_port' }) };
      expect(before).toEqual({ p1: [], p2: [] });
      loseNext = true;
      await expect(e.api['fips.associate']({ id: fip.id, port_id: fip.port_id! })).rejects.toMatchObject({ code: 'POD_TIMEOUT' });
      expect(await server.pod('Pod1').list('floatingip')).toEqual([]);
      expect(await server.pod('Pod2').list('port', { name: 'ns_bridge_port' })).toEqual([]);
      expect((await server.pod('Pod2').list('floatingip', { floating_ip_address: '162.3.124.5' }))[0].port_id).toBeNull();
      expect((await e.api['fips.get']({ id: fip.id })).port_id).toBeNull();
      expect((await e.api['jobs.list']({ status: 'FAIL' })).items).toEqual([]);
      await e.close();
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
