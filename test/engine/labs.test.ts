// Labs on real temp folders: every labs.* method through the lab host, switching engines, the
// real-region guard, snapshots by online backup, and lab documents (gallery, round trip, views).
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../shared/contract';
import { dataDirLayout, openLabHost, singleFileLayout, type LabHost } from '../../main/engine/labs/host';
import { exampleDocument } from '../../main/engine/labs/examples';
import { fileKeySecretBox } from '../../main/engine/secrets/file-key';
import { dbChecksum } from '../contract/checksum';

let dir: string;
let host: LabHost;
let events: EngineEvent[];

async function open(initial?: string): Promise<LabHost> {
  const h = await openLabHost({ ...dataDirLayout(dir), ...(initial ? { initial } : {}), engine: { secrets: fileKeySecretBox(join(dir, 'secret.key')) } });
  h.subscribe((e) => events.push(e));
  return h;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-labs-'));
  events = [];
  host = await open();
});
afterEach(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = <M extends Parameters<LabHost['call']>[0]>(m: M, input: unknown) => host.call(m, input);
const fail = async (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: { code: string; message: string; details?: unknown }) => e,
  );
/** Every file under the data folder with its size and hash: what "nothing created" compares. */
function tree(root = dir): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (!/-(wal|shm)$/.test(f)) out[p.slice(root.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(root);
  return out;
}

describe('labs', () => {
  it('starts on a new lab "default", remembers the last lab and reopens it', async () => {
    expect(await call('labs.current', {})).toMatchObject({ name: 'default', current: true, pods: 0, real_regions: [] });
    await call('labs.create', { name: 'alpha' });
    expect(host.current).toBe('alpha');
    expect(JSON.parse(readFileSync(join(dir, 'labs.json'), 'utf8'))).toEqual({ last_lab: 'alpha' });
    await host.close();
    host = await open();
    expect(host.current).toBe('alpha');
    const list = await call('labs.list', {});
    expect(list.current).toBe('alpha');
    expect(list.single_file).toBe(false);
    expect(list.labs.map((l) => [l.name, l.current])).toEqual([
      ['alpha', true],
      ['default', false],
    ]);
    expect(existsSync(join(dir, 'labs', 'alpha.db'))).toBe(true);
  });

  it('on one file (--db) lists only that lab, says so, and refuses to make labs', async () => {
    const file = join(dir, 'one', 'lab.db');
    const one = await openLabHost({ ...singleFileLayout(file), engine: { secrets: fileKeySecretBox(join(dir, 'secret.key')) } });
    try {
      const list = await one.call('labs.list', {});
      expect([list.single_file, list.current, list.labs.map((l) => l.name)]).toEqual([true, 'lab', ['lab']]);
      await expect(one.call('labs.create', { name: 'other' })).rejects.toMatchObject({ code: 'LABS_SINGLE_FILE' });
      expect(readdirSync(join(dir, 'one')).filter((f) => f.endsWith('.db'))).toEqual(['lab.db']);
    } finally {
      await one.close();
    }
  });

  it('switches engines without a restart: each lab keeps its own content, labs.changed says so', async () => {
    await call('pods.create', { region_name: 'RegionOne' });
    await call('labs.create', { name: 'second' });
    expect((await call('pods.list', {})).items).toEqual([]);
    expect(events.filter((e) => e.name === 'labs.changed').at(-1)).toEqual({ name: 'labs.changed', ids: ['second'], current: 'second' });
    await call('pods.create', { region_name: 'Other' });
    await call('labs.open', { name: 'DEFAULT' });
    expect(host.current).toBe('default');
    expect((await call('pods.list', {})).items.map((p) => p.region_name)).toEqual(['RegionOne']);
    await call('labs.open', { name: 'second' });
    expect((await call('pods.list', {})).items.map((p) => p.region_name)).toEqual(['Other']);
    // Events of the new engine are forwarded, the old one's are not.
    events = [];
    await call('pods.create', { region_name: 'Pod1', az_name: 'az1' });
    expect(events.map((e) => e.name)).toContain('pods.changed');
  });

  it('builds every gallery example with progress; the worked example is what lab.loadExample builds', async () => {
    const progress: string[] = [];
    host.subscribe((e) => e.lab_progress && progress.push(`${e.lab_progress.operation}:${e.lab_progress.step}`));
    for (const name of ['worked-example', 'two-routers-three-pods', 'same-pod'] as const) {
      const lab = await call('labs.create', { name, example: name });
      expect(lab).toMatchObject({ name, current: true });
      const shipped = readFileSync(join(__dirname, '../../main/engine/labs/examples', `${name}.json`), 'utf8');
      expect((await call('labs.export', {})).text).toBe(shipped);
    }
    expect(progress).toContain('create:floating IPs');
    await call('labs.create', { name: 'loaded' });
    await call('lab.loadExample', {});
    expect((await call('labs.export', {})).text).toBe(readFileSync(join(__dirname, '../../main/engine/labs/examples/worked-example.json'), 'utf8'));
    // The same-pod floating IP is one step; the two-router one crosses pods.
    await call('labs.open', { name: 'same-pod' });
    const fip = (await call('fips.list', {})).items[0];
    expect((await call('fips.path', { id: fip.id })).hops.map((h) => h.role)).toEqual(['external', 'fixed']);
  });

  it('the 20-pod demo document has 21 pods and 2,000 floating IPs, and is valid', async () => {
    const d = exampleDocument('demo-20-pods');
    expect(d.pods.length).toBe(21);
    expect(d.floating_ips!.length).toBe(2000);
    expect(new Set(d.floating_ips!.map((f) => f.address)).size).toBe(2000);
    const { checkDocument } = await import('../../main/engine/labs/document');
    expect(() => checkDocument(d)).not.toThrow();
  });

  it('renames (the current lab too, with its snapshots), duplicates and deletes', async () => {
    await call('labs.create', { name: 'a', example: 'worked-example' });
    const text = (await call('labs.export', {})).text;
    await call('labs.snapshot', { label: 'first' });
    expect(await call('labs.rename', { name: 'a', new_name: 'b' })).toMatchObject({ name: 'b', current: true });
    expect(host.current).toBe('b');
    expect(existsSync(join(dir, 'labs', 'a.db'))).toBe(false);
    expect((await call('labs.snapshots', {})).snapshots.map((s) => s.label)).toEqual(['first']);
    expect((await call('labs.export', {})).text).toBe(text);
    expect(await call('labs.duplicate', { name: 'b', new_name: 'c' })).toMatchObject({ name: 'c', current: false, pods: 3 });
    expect((await call('labs.export', { name: 'c' })).text).toBe(text);
    // A lab that is not open renames without a switch.
    await call('labs.rename', { name: 'c', new_name: 'd' });
    expect(host.current).toBe('b');
    expect((await fail(call('labs.delete', { name: 'b' }))).code).toBe('LAB_IN_USE');
    expect(await call('labs.delete', { name: 'd' })).toEqual({ name: 'd' });
    expect((await call('labs.list', {})).labs.map((l) => l.name)).toEqual(['b', 'default']);
    await call('labs.open', { name: 'default' });
    await call('labs.delete', { name: 'b' });
    expect(existsSync(join(dir, 'snapshots', 'b'))).toBe(false);
  });

  it('refuses bad names, taken names and missing labs with stable codes, changing nothing', async () => {
    await call('labs.create', { name: 'Taken' });
    const before = tree();
    for (const name of ['', ' lead', 'a/b', '../x', 'x.', 'con', 'a'.repeat(65), 'é']) {
      const e = await fail(call('labs.create', { name }));
      expect(e.code, name).toBe('LAB_NAME_INVALID');
    }
    expect((await fail(call('labs.create', { name: 'taken' }))).code).toBe('LAB_EXISTS');
    expect((await fail(call('labs.duplicate', { name: 'Taken', new_name: 'default' }))).code).toBe('LAB_EXISTS');
    expect((await fail(call('labs.rename', { name: 'Taken', new_name: 'DEFAULT' }))).code).toBe('LAB_EXISTS');
    expect((await fail(call('labs.open', { name: 'nope' }))).code).toBe('LAB_NOT_FOUND');
    expect((await fail(call('labs.export', { name: 'nope' }))).code).toBe('LAB_NOT_FOUND');
    expect((await fail(call('labs.restore', { snapshot: 'nope.db' }))).code).toBe('SNAPSHOT_NOT_FOUND');
    expect((await fail(call('labs.create', { name: 'x', example: 'big' }))).code).toBe('INVALID_INPUT');
    expect((await fail(call('labs.open', {}))).code).toBe('INVALID_INPUT');
    expect(tree()).toEqual(before);
  });

  it('snapshots by online backup, lists newest first, restores after a before-restore snapshot', async () => {
    await call('pods.create', { region_name: 'RegionOne' });
    const snap = await call('labs.snapshot', { label: 'one pod' });
    expect(snap).toMatchObject({ lab: 'default', label: 'one-pod' });
    expect(snap.id).toMatch(/^\d{8}T\d{9}Z-one-pod\.db$/);
    await call('pods.create', { region_name: 'Pod1', az_name: 'az1' });
    const r = await call('labs.restore', { snapshot: snap.id });
    expect(r.before.label).toBe('before-restore');
    expect((await call('pods.list', {})).items.map((p) => p.region_name)).toEqual(['RegionOne']);
    expect((await call('labs.snapshots', {})).snapshots.map((s) => s.label)).toEqual(['before-restore', 'one-pod']);
    // The before-restore snapshot undoes the restore.
    await call('labs.restore', { snapshot: r.before.id });
    expect((await call('pods.list', {})).items.map((p) => p.region_name).sort()).toEqual(['Pod1', 'RegionOne']);
    expect(events.filter((e) => e.name === 'labs.changed').length).toBeGreaterThanOrEqual(3);
  });

  it('resets to an empty lab (after a before-reset snapshot); another lab resets without a switch', async () => {
    await call('labs.create', { name: 'w', example: 'worked-example' });
    expect(await call('labs.reset', {})).toMatchObject({ name: 'w', pods: 0 });
    expect((await call('networks.list', {})).items).toEqual([]);
    expect((await call('labs.snapshots', {})).snapshots.map((s) => s.label)).toEqual(['before-reset']);
    await call('labs.create', { name: 'other', example: 'same-pod', open: false });
    expect(host.current).toBe('w');
    expect(await call('labs.reset', { name: 'other' })).toMatchObject({ name: 'other', pods: 0, current: false });
  });

  it('a lab with real-region pods says so; reset and restore refuse unless forced, and change nothing', async () => {
    await call('pods.create', { region_name: 'RegionOne' });
    await call('pods.create', { region_name: 'RealOne', az_name: 'az9', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: 'http://127.0.0.1:9/' } });
    const snap = await call('labs.snapshot', {});
    expect(await call('labs.current', {})).toMatchObject({ real_regions: ['RealOne'] });
    expect((await call('labs.list', {})).labs[0].real_regions).toEqual(['RealOne']);
    const before = tree();
    const sum = dbChecksum(host.store.db);
    for (const p of [call('labs.reset', {}), call('labs.restore', { snapshot: snap.id })]) {
      const e = await fail(p);
      expect(e.code).toBe('LAB_HAS_REAL_REGIONS');
      expect(e.message).toMatch(/RealOne/);
      expect(e.details).toEqual({ name: 'default', real_regions: ['RealOne'] });
    }
    expect(tree()).toEqual(before);
    expect(dbChecksum(host.store.db)).toEqual(sum);
    expect(await call('labs.reset', { force: true })).toMatchObject({ pods: 0, real_regions: [] });
  });

  it('exports a neutron pod as its endpoint and user, never its password', async () => {
    await call('pods.create', { region_name: 'RegionOne' });
    await call('pods.create', { region_name: 'RealOne', az_name: 'az9', driver: 'neutron', driver_config: { auth_type: 'password', auth_url: 'http://127.0.0.1:5000/v3', username: 'admin', project_name: 'admin', password: 'sekrit' } });
    const { document, text } = await call('labs.export', {});
    expect(document.pods[1]).toEqual({ region: 'RealOne', az: 'az9', driver: 'neutron', neutron: { auth_type: 'password', auth_url: 'http://127.0.0.1:5000/v3', username: 'admin', project_name: 'admin' } });
    expect(text).not.toMatch(/sekrit|"password":|has_password/);
  });

  it('view state travels with the document: ids become names and back', async () => {
    await call('labs.create', { name: 'v', example: 'worked-example' });
    const pod1 = (await call('pods.list', { region_name: 'Pod1' })).items[0];
    const router = (await call('routers.list', {})).items[0];
    await call('view.set', { view: `topology:pod:${pod1.pod_id}`, state: { positions: { [`router:${router.id}`]: { x: 1, y: 2 }, 'label': { x: 3, y: 4 } }, collapsed: [pod1.pod_id] } });
    await call('view.set', { view: 'console', state: { positions: {}, collapsed: [], project: 'proj1' } });
    const out = await call('labs.export', {});
    expect(out.document.views).toEqual({
      console: { positions: {}, collapsed: [], project: 'proj1' },
      'topology:pod:{pod:Pod1}': { positions: { label: { x: 3, y: 4 }, 'router:{router:R}': { x: 1, y: 2 } }, collapsed: ['{pod:Pod1}'] },
    });
    const copy = await call('labs.import', { name: 'v2', document: out.document });
    expect(copy.current).toBe(true);
    const pod1b = (await call('pods.list', { region_name: 'Pod1' })).items[0];
    const routerB = (await call('routers.list', {})).items[0];
    expect(pod1b.pod_id).not.toBe(pod1.pod_id);
    expect((await call('view.get', { view: `topology:pod:${pod1b.pod_id}` })).state).toEqual({ positions: { label: { x: 3, y: 4 }, [`router:${routerB.id}`]: { x: 1, y: 2 } }, collapsed: [pod1b.pod_id] });
    expect((await call('labs.export', {})).text).toBe(out.text);
  });

  it('imports a document given as text, and refuses JSON that is not', async () => {
    const text = readFileSync(join(__dirname, '../../main/engine/labs/examples/two-routers-three-pods.json'), 'utf8');
    await call('labs.import', { name: 't', document: text, open: false });
    expect((await call('labs.export', { name: 't' })).text).toBe(text);
    const e = await fail(call('labs.import', { name: 'u', document: '{ nope' }));
    expect(e.code).toBe('LAB_DOCUMENT_INVALID');
    expect(existsSync(join(dir, 'labs', 'u.db'))).toBe(false);
  });

  it('a replay step the engine refuses removes the new lab file again', async () => {
    const doc = exampleDocument('worked-example');
    // The floating IP takes the router gateway's address: only the engine knows.
    doc.floating_ips![0].address = '162.3.124.2';
    const before = tree();
    const sum = dbChecksum(host.store.db);
    const e = await fail(call('labs.import', { name: 'broken', document: doc }));
    expect(e.code).toBe('LAB_IMPORT_FAILED');
    expect(e.message).toMatch(/floating IP 162\.3\.124\.2.*IP_ADDRESS_IN_USE/);
    expect(tree()).toEqual(before);
    expect(dbChecksum(host.store.db)).toEqual(sum);
    expect(host.current).toBe('default');
  });
});
