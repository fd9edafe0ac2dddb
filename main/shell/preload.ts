// The sandboxed preload: exposes one frozen `window.crosspod` with one function per contract
// method (each its own channel) and event subscriptions. No generic invoke, no ipcRenderer.
import { contextBridge, ipcRenderer } from 'electron';
import { methods, type EngineEvent, type Input, type Method, type Output } from '../../shared/contract';
import type { Envelope } from '../../shared/errors';
import { channelFor, EVENT_CHANNEL, MENU_CHANNEL } from './channels';
import type { MenuCommand } from './menu';

export type CrosspodBridge = { [M in Method]: (input: Input<M>) => Promise<Envelope<Output<M>>> } & {
  onEvent(listener: (e: EngineEvent) => void): () => void;
  onMenu(listener: (c: MenuCommand) => void): () => void;
};

function subscribe<T>(channel: string, listener: (payload: T) => void): () => void {
  // Only the payload reaches the page, never the IpcRendererEvent (it carries `sender`).
  const wrapped = (_event: unknown, payload: T) => listener(payload);
  ipcRenderer.on(channel, wrapped);
  return () => {
    ipcRenderer.removeListener(channel, wrapped);
  };
}

const api: Record<string, unknown> = {};
for (const method of methods) {
  api[method] = (input: unknown) => ipcRenderer.invoke(channelFor(method), input);
}
api.onEvent = (listener: (e: EngineEvent) => void) => subscribe(EVENT_CHANNEL, listener);
api.onMenu = (listener: (c: MenuCommand) => void) => subscribe(MENU_CHANNEL, listener);

contextBridge.exposeInMainWorld('crosspod', Object.freeze(api) as CrosspodBridge);
