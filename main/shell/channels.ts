// IPC channel names shared by main and the preload. One channel per contract method; no
// generic channel exists, so the renderer can only call what the contract names.
import type { Method } from '../../shared/contract';

export const CHANNEL_PREFIX = 'crosspod:';
/** Engine events, main → renderer. */
export const EVENT_CHANNEL = 'crosspod:event';
/** Menu commands, main → renderer. */
export const MENU_CHANNEL = 'crosspod:menu';

export function channelFor(method: Method): string {
  return `${CHANNEL_PREFIX}${method}`;
}
