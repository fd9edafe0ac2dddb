// The contract over IPC, with a fake ipcMain against a real engine on a temp SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methods, type EngineEvent } from '../../shared/contract';
import { createEngine } from '../../main/engine/index';
import type { Engine } from '../../main/engine/types';
import { channelFor, EVENT_CHANNEL } from '../../main/shell/channels';
import { forwardEvents, registerIpcHandlers, trustedSender, type IpcMainLike } from '../../main/shell/ipc';
import { auditMark, dbChecksum, refusedAudit } from '../contract/checksum';

type Listener = Parameters<IpcMainLike['handle']>[1];

/** Behaves like Electron's ipcMain: a second handler for a channel is an error. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handleCalls = 0;
  handle(channel: string, listener: Listener): void {
    this.handleCalls++;
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(channel: string, frameUrl: string | null, ...args: unknown[]): Promise<any> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return h({ senderFrame: frameUrl === null ? null : { url: frameUrl } }, ...args);
  }
}

const APP = 'app://crosspod/index.html';
let dir: string;
let engine: Engine;
let ipc: FakeIpcMain;
let unregister: () => void;
const checksum = () => dbChecksum(engine.store.db);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-ipc-'));
  engine = await createEngine({ dbPath: join(dir, 'crosspod.db') });
  ipc = new FakeIpcMain();
  unregister = registerIpcHandlers(ipc, engine, { isTrustedSender: trustedSender() });
});

afterAll(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('registerIpcHandlers', () => {
  it('registers exactly one channel per contract method', () => {
    expect(ipc.handleCalls).toBe(methods.length);
    expect([...ipc.handlers.keys()].sort()).toEqual(methods.map((m) => `crosspod:${m}`).sort());
    expect(methods.map(channelFor)).toEqual(methods.map((m) => `crosspod:${m}`));
  });

  it('runs calls from the app window and returns envelopes with exact values', async () => {
    const created = await ipc.invoke('crosspod:pods.create', APP, { region_name: 'RegionOne' });
    expect(created).toEqual({
      ok: true,
      value: {
        pod_id: expect.any(String),
        region_name: 'RegionOne',
        pod_name: 'RegionOne',
        az_name: '',
        pod_az_name: '',
        dc_name: '',
        is_top: true,
        driver: 'lab',
        driver_config: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    });
    const pod1 = await ipc.invoke('crosspod:pods.create', 'app://crosspod/pods?x=1', { region_name: 'Pod1', az_name: 'az1' });
    expect(pod1.value).toMatchObject({ region_name: 'Pod1', az_name: 'az1', is_top: false });
    expect(await ipc.invoke('crosspod:pods.list', APP, {})).toEqual({
      ok: true,
      value: { items: expect.arrayContaining([created.value, pod1.value]), next_marker: null, total: 2 },
    });
    expect(await ipc.invoke('crosspod:pods.get', APP, { pod_id: pod1.value.pod_id })).toEqual({ ok: true, value: pod1.value });

    const net = await ipc.invoke('crosspod:networks.create', APP, { name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
    const sub = await ipc.invoke('crosspod:subnets.create', APP, { network_id: net.value.id, cidr: '10.0.1.0/24' });
    expect(sub.value).toMatchObject({ cidr: '10.0.1.0/24', gateway_ip: '10.0.1.1', allocation_pools: [{ start: '10.0.1.2', end: '10.0.1.254' }] });
    const port = await ipc.invoke('crosspod:ports.create', APP, { network_id: net.value.id });
    expect(port.value.fixed_ips).toEqual([{ subnet_id: sub.value.id, ip_address: '10.0.1.2' }]);

    const audit = await ipc.invoke('crosspod:audit.list', APP, {});
    expect(audit.value.items.map((a: { actor: string }) => a.actor)).toEqual(audit.value.items.map(() => 'desktop'));
  });

  it('turns engine errors into envelopes', async () => {
    expect(await ipc.invoke('crosspod:pods.get', APP, { pod_id: 'nope' })).toEqual({
      ok: false,
      error: { code: 'POD_NOT_FOUND', message: expect.any(String), status: 404, details: expect.anything() },
    });
    expect(await ipc.invoke('crosspod:pods.create', APP, { region_name: 'RegionTwo' })).toMatchObject({
      ok: false,
      error: { code: 'TOP_POD_EXISTS', status: 409 },
    });
  });

  it.each([
    ['another site', 'https://evil.example/index.html'],
    ['another app host', 'app://evil/index.html'],
    ['a look-alike host', 'app://crosspod.evil/index.html'],
    ['a file page', 'file:///work/main/dist/renderer/index.html'],
    ['a dev server that is not configured', 'http://localhost:5173/'],
    ['about:blank', 'about:blank'],
    ['no frame', null],
  ])('refuses %s and changes nothing', async (_what, url) => {
    const before = checksum();
    const r = await ipc.invoke('crosspod:pods.create', url, { region_name: 'Evil', az_name: 'evil' });
    expect(r).toEqual({ ok: false, error: { code: 'UNAUTHORIZED', message: expect.stringContaining('crosspod:pods.create'), status: 401 } });
    expect((await ipc.invoke('crosspod:pods.list', url, {})).ok).toBe(false);
    expect(checksum()).toEqual(before);
  });

  it('trusts a configured dev server origin only', () => {
    const trusted = trustedSender('http://localhost:5173');
    expect(trusted({ url: 'http://localhost:5173/#/routers' })).toBe(true);
    expect(trusted({ url: APP })).toBe(true);
    expect(trusted({ url: 'http://localhost:5174/' })).toBe(false);
    expect(trusted({ url: 'http://127.0.0.1:5173/' })).toBe(false);
    expect(trusted({ url: 'garbage' })).toBe(false);
    expect(trusted(null)).toBe(false);
  });

  it.each(methods)('%s: bad input → INVALID_INPUT envelope, nothing changed but the audit', async (method) => {
    const inputs = [42, 'text', [1], { __not_a_field__: { deep: true }, limit: -5 }];
    const before = dbChecksum(engine.store.db, ['audit_log']);
    const audit = auditMark(engine.store.db);
    for (const input of inputs) {
      const r = await ipc.invoke(channelFor(method), APP, input);
      expect(r, JSON.stringify(input)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', status: 400 } });
      expect(r.error.details.issues.length).toBeGreaterThan(0);
    }
    await engine.idle();
    expect(dbChecksum(engine.store.db, ['audit_log'])).toEqual(before);
    expect(audit.since()).toEqual(refusedAudit(method, 'desktop', inputs.length));
  });

  it('never throws across IPC, even when the engine does something unexpected', async () => {
    const fake = new FakeIpcMain();
    const broken = {
      call: async () => {
        throw new Error('boom');
      },
    } as unknown as Engine;
    registerIpcHandlers(fake, broken, { isTrustedSender: () => true });
    expect(await fake.invoke('crosspod:pods.list', APP, {})).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'boom', status: 500 } });
    const throwingCheck = new FakeIpcMain();
    registerIpcHandlers(throwingCheck, engine, {
      isTrustedSender: () => {
        throw new Error('bad frame');
      },
    });
    expect(await throwingCheck.invoke('crosspod:pods.list', APP, {})).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('removes every handler it registered', () => {
    const fake = new FakeIpcMain();
    const off = registerIpcHandlers(fake, engine, { isTrustedSender: () => true });
    expect(fake.handlers.size).toBe(methods.length);
    off();
    expect(fake.handlers.size).toBe(0);
  });
});

describe('forwardEvents', () => {
  it('sends engine events to the window until unsubscribed, and never to a destroyed one', async () => {
    const sent: [string, EngineEvent][] = [];
    let destroyed = false;
    const off = forwardEvents(engine, {
      send: (channel, e) => sent.push([channel, e as EngineEvent]),
      isDestroyed: () => destroyed,
    });
    const pod = await ipc.invoke('crosspod:pods.create', APP, { region_name: 'Pod2', az_name: 'az2' });
    expect(sent).toContainEqual([EVENT_CHANNEL, { name: 'pods.changed', ids: [pod.value.pod_id] }]);

    destroyed = true;
    sent.length = 0;
    await ipc.invoke('crosspod:pods.update', APP, { pod_id: pod.value.pod_id, dc_name: 'dc1' });
    expect(sent).toEqual([]);

    destroyed = false;
    off();
    await ipc.invoke('crosspod:pods.update', APP, { pod_id: pod.value.pod_id, dc_name: 'dc2' });
    expect(sent).toEqual([]);
  });

  it('unregisters cleanly', () => {
    unregister();
    expect(ipc.handlers.size).toBe(0);
  });
});
