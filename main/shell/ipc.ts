// The contract over Electron IPC: one handle() per method, each checking the sender and
// returning an Envelope. Written against a minimal IpcMainLike so it runs under plain Node.
import { methods, type EngineEvent, type Method } from '../../shared/contract';
import { CrosspodError, toErrorBody, type Envelope } from '../../shared/errors';
import type { Engine } from '../engine/types';
import { channelFor, EVENT_CHANNEL } from './channels';
import { isAppUrl } from './protocol';

export interface SenderFrameLike {
  url: string;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame: SenderFrameLike | null }, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcOptions {
  isTrustedSender(frame: SenderFrameLike | null): boolean;
}

/** app://crosspod, or the dev server's origin when one is given (unpackaged runs only). */
export function trustedSender(devServerUrl?: string): (frame: SenderFrameLike | null) => boolean {
  const devOrigin = devServerUrl ? new URL(devServerUrl).origin : null;
  return (frame) => {
    if (!frame) return false;
    if (isAppUrl(frame.url)) return true;
    if (devOrigin === null) return false;
    try {
      return new URL(frame.url).origin === devOrigin;
    } catch {
      return false;
    }
  };
}

/** Registers every method; returns a function that removes them again. */
export function registerIpcHandlers(ipcMain: IpcMainLike, engine: Engine, opts: IpcOptions): () => void {
  const channels: string[] = [];
  for (const method of methods) {
    const channel = channelFor(method);
    ipcMain.handle(channel, async (event, input): Promise<Envelope<unknown>> => {
      try {
        if (!opts.isTrustedSender(event.senderFrame)) {
          throw new CrosspodError('UNAUTHORIZED', `${channel} refused: the sender is not the Crosspod window`);
        }
        // engine.call validates the input against the contract (INVALID_INPUT with zod issues).
        return { ok: true, value: await engine.call(method as Method, input, { actor: 'desktop' }) };
      } catch (e) {
        return { ok: false, error: toErrorBody(e) };
      }
    });
    channels.push(channel);
  }
  return () => {
    for (const c of channels) ipcMain.removeHandler(c);
  };
}

export interface EventTarget {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

/** Pushes engine events to a window's webContents; returns the unsubscribe. */
export function forwardEvents(engine: Pick<Engine, 'subscribe'>, target: EventTarget): () => void {
  return engine.subscribe((e: EngineEvent) => {
    if (!target.isDestroyed()) target.send(EVENT_CHANNEL, e);
  });
}
