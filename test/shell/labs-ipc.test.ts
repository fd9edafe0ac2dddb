// Labs through the desktop shell's handlers: a fake ipcMain and webContents against the real lab
// host on a temp user-data folder. Switching needs no new registration: the handlers call the
// host, which swaps the engine behind them, and the window hears labs.changed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methods, type EngineEvent } from '../../shared/contract';
import { dataDirLayout, openLabHost, type LabHost } from '../../main/engine/labs/host';
import { EVENT_CHANNEL } from '../../main/shell/channels';
import { forwardEvents, registerIpcHandlers, trustedSender, type IpcMainLike } from '../../main/shell/ipc';

type Listener = Parameters<IpcMainLike['handle']>[1];

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(channel: string, frameUrl: string, ...args: unknown[]): Promise<any> {
    return this.handlers.get(channel)!({ senderFrame: { url: frameUrl } }, ...args);
  }
}

const APP = 'app://crosspod/index.html';
let dir: string;
let host: LabHost;
const ipc = new FakeIpcMain();
const sent: EngineEvent[] = [];
const invoke = (m: string, input: unknown) => ipc.invoke(`crosspod:${m}`, APP, input);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-labs-ipc-'));
  host = await openLabHost(dataDirLayout(dir));
  registerIpcHandlers(ipc, host, { isTrustedSender: trustedSender() });
  forwardEvents(host, { send: (channel, e) => channel === EVENT_CHANNEL && sent.push(e as EngineEvent), isDestroyed: () => false });
});
afterAll(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('labs over IPC', () => {
  it('registers the labs.* channels with the rest of the contract', () => {
    for (const m of methods.filter((x) => x.startsWith('labs.'))) expect(ipc.handlers.has(`crosspod:${m}`), m).toBe(true);
  });

  it('creates, switches and exports; every call after a switch reaches the new lab, the window hears labs.changed', async () => {
    expect(await invoke('labs.create', { name: 'example', example: 'worked-example' })).toMatchObject({ ok: true, value: { name: 'example', current: true, pods: 3 } });
    expect(sent).toContainEqual({ name: 'labs.changed', ids: ['example'], current: 'example' });
    expect(sent.some((e) => e.name === 'labs.progress' && e.lab_progress?.operation === 'create')).toBe(true);
    expect((await invoke('networks.list', {})).value.items.map((n: { name: string }) => n.name).sort()).toEqual(['ext-net', 'ew_bridge_net_proj1', 'net1', 'ns_bridge_net_proj1'].sort());
    await invoke('labs.open', { name: 'default' });
    expect((await invoke('networks.list', {})).value.items).toEqual([]);
    const exported = await invoke('labs.export', { name: 'example' });
    expect(await invoke('labs.import', { name: 'copy', document: exported.value.document })).toMatchObject({ ok: true, value: { name: 'copy', current: true } });
    expect((await invoke('labs.export', {})).value.text).toBe(exported.value.text);
    // Events of the current lab's engine reach the window.
    sent.length = 0;
    await invoke('pods.create', { region_name: 'Extra', az_name: 'az9' });
    expect(sent.map((e) => e.name)).toContain('pods.changed');
  });

  it('answers lab errors as envelopes with their codes', async () => {
    expect(await invoke('labs.open', { name: 'missing' })).toMatchObject({ ok: false, error: { code: 'LAB_NOT_FOUND', status: 404 } });
    expect(await invoke('labs.create', { name: '../evil' })).toMatchObject({ ok: false, error: { code: 'LAB_NAME_INVALID', status: 400 } });
    expect(await invoke('labs.import', { name: 'bad', document: { crosspod_lab: 9, pods: [] } })).toMatchObject({ ok: false, error: { code: 'LAB_DOCUMENT_INVALID', details: { issues: [{ path: 'crosspod_lab' }] } } });
  });
});
