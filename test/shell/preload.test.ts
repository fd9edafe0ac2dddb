import { beforeAll, describe, expect, it, vi } from 'vitest';
import { methods } from '../../shared/contract';

// The preload's only imports from electron, faked: the real module cannot load here.
const electron = vi.hoisted(() => {
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  return {
    exposed: new Map<string, unknown>(),
    listeners,
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => electron.exposed.set(key, api),
    },
    ipcRenderer: {
      invoke: vi.fn(async (channel: string, input: unknown) => ({ ok: true, value: { channel, input } })),
      on: vi.fn((channel: string, fn: (...args: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(fn);
      }),
      removeListener: vi.fn((channel: string, fn: (...args: unknown[]) => void) => {
        listeners.get(channel)?.delete(fn);
      }),
    },
  };
});
vi.mock('electron', () => ({ contextBridge: electron.contextBridge, ipcRenderer: electron.ipcRenderer }));

let api: Record<string, (...args: unknown[]) => unknown>;

beforeAll(async () => {
  await import('../../main/shell/preload');
  api = electron.exposed.get('crosspod') as typeof api;
});

describe('preload', () => {
  it('exposes exactly one object, window.crosspod, frozen', () => {
    expect([...electron.exposed.keys()]).toEqual(['crosspod']);
    expect(Object.isFrozen(api)).toBe(true);
    expect(() => {
      (api as Record<string, unknown>).invoke = () => 0;
    }).toThrow(TypeError);
    expect(api.invoke).toBeUndefined();
  });

  it('has one function per contract method plus the two subscriptions, and nothing else', () => {
    expect(Object.keys(api).sort()).toEqual([...methods, 'onEvent', 'onMenu'].sort());
    for (const k of Object.keys(api)) expect(typeof api[k], k).toBe('function');
  });

  it('sends each method on its own channel with the input as the only argument', async () => {
    for (const m of methods) {
      electron.ipcRenderer.invoke.mockClear();
      const input = { probe: m };
      await expect(api[m](input, 'extra')).resolves.toEqual({ ok: true, value: { channel: `crosspod:${m}`, input } });
      expect(electron.ipcRenderer.invoke).toHaveBeenCalledExactlyOnceWith(`crosspod:${m}`, input);
    }
  });

  it.each([
    ['onEvent', 'crosspod:event', { name: 'pods.changed', ids: ['p1'] }],
    ['onMenu', 'crosspod:menu', { type: 'navigate', view: 'routers' }],
  ])('%s passes only the payload and unsubscribes', (fn, channel, payload) => {
    const seen: unknown[][] = [];
    const off = api[fn]((...args: unknown[]) => seen.push(args)) as () => void;
    const fakeEvent = { sender: 'ipcRenderer internals' };
    for (const l of electron.listeners.get(channel)!) l(fakeEvent, payload);
    expect(seen).toEqual([[payload]]);
    off();
    expect(electron.listeners.get(channel)!.size).toBe(0);
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledWith(channel, expect.any(Function));
  });
});
