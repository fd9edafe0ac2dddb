// The two ways the renderer reaches the engine: Electron's preload bridge or HTTP (headless mode).
import type { EngineEvent } from '../../shared/contract';
import type { ErrorInfo } from './errors';

/** The shared Envelope, with the error code widened: transports add their own (TRANSPORT_ERROR). */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export interface Transport {
  readonly kind: 'electron' | 'http' | 'custom';
  call(method: string, input: unknown): Promise<Envelope<unknown>>;
  subscribe(listener: (e: EngineEvent) => void, onReconnect?: () => void): () => void;
}

/** The object the Electron preload exposes as `window.crosspod`. */
export interface CrosspodBridge {
  readonly [method: string]: unknown;
  onEvent(listener: (e: EngineEvent) => void): () => void;
}

declare global {
  interface Window {
    crosspod?: CrosspodBridge;
  }
}

export function electronTransport(bridge: CrosspodBridge): Transport {
  return {
    kind: 'electron',
    async call(method, input) {
      const fn = bridge[method];
      if (typeof fn !== 'function') {
        return { ok: false, error: { code: 'UNKNOWN_METHOD', message: `unknown method ${method}`, status: 404 } };
      }
      return (await (fn as (i: unknown) => Promise<Envelope<unknown>>)(input)) ?? { ok: true, value: undefined };
    },
    subscribe(listener) {
      return bridge.onEvent(listener);
    },
  };
}

export interface HttpOptions {
  /** Where `api/` lives; defaults to the page's origin. */
  base?: string;
  fetch?: typeof fetch;
  EventSource?: typeof EventSource;
}

function isEnvelope(v: unknown): v is Envelope<unknown> {
  return !!v && typeof v === 'object' && 'ok' in v && typeof (v as { ok: unknown }).ok === 'boolean';
}

export function httpTransport(opts: HttpOptions = {}): Transport {
  const base = opts.base ?? (typeof location !== 'undefined' ? location.origin : '');
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  return {
    kind: 'http',
    async call(method, input) {
      let res: Response;
      try {
        res = await doFetch(`${base}/api/${method}`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        return { ok: false, error: { code: 'TRANSPORT_ERROR', message: `cannot reach the engine: ${message}`, status: 0 } };
      }
      let body: unknown = null;
      try {
        body = await res.json();
      } catch {
        // Not JSON: fall through to a status-derived error.
      }
      if (isEnvelope(body)) return body;
      const code = res.status === 401 ? 'UNAUTHORIZED' : res.status === 404 ? 'UNKNOWN_METHOD' : 'INTERNAL';
      return { ok: false, error: { code, message: `HTTP ${res.status} ${res.statusText}`.trim(), status: res.status } };
    },
    subscribe(listener, onReconnect) {
      const ES = opts.EventSource ?? (typeof EventSource !== 'undefined' ? EventSource : undefined);
      if (!ES) return () => {};
      const es = new ES(`${base}/api/events`, { withCredentials: true });
      let dropped = false;
      es.onmessage = (m) => {
        try {
          listener(JSON.parse(m.data) as EngineEvent);
        } catch {
          // A malformed event is ignored; the next refresh catches up.
        }
      };
      es.onerror = () => {
        dropped = true;
      };
      es.onopen = () => {
        // Events may have been missed while disconnected.
        if (dropped) onReconnect?.();
        dropped = false;
      };
      return () => es.close();
    },
  };
}

/** Electron when the preload bridge is present, else HTTP. */
export function detectTransport(): Transport {
  if (typeof window !== 'undefined' && window.crosspod) return electronTransport(window.crosspod);
  return httpTransport();
}
