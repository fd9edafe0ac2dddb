// The two ways the renderer reaches the engine: Electron's preload bridge or HTTP (headless mode).
import type { EngineEvent } from '../../shared/contract';
import type { ErrorInfo } from './errors';

/** The shared Envelope, with the error code widened: transports add their own (TRANSPORT_ERROR). */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** Whether the server answers: 'down' once a call or the event stream cannot reach it. */
export type ServerStatus = 'up' | 'down';

export interface Transport {
  readonly kind: 'electron' | 'http' | 'custom';
  call(method: string, input: unknown): Promise<Envelope<unknown>>;
  subscribe(listener: (e: EngineEvent) => void, onReconnect?: () => void): () => void;
  /** HTTP only: the server's status, as it changes; and a try to reach it again now. */
  status?(): ServerStatus;
  onStatus?(listener: (s: ServerStatus) => void): () => void;
  reconnect?(): Promise<boolean>;
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
  /** How often a tab whose server went away tries it again (ms). */
  retryMs?: number;
}

function isEnvelope(v: unknown): v is Envelope<unknown> {
  return !!v && typeof v === 'object' && 'ok' in v && typeof (v as { ok: unknown }).ok === 'boolean';
}

export function httpTransport(opts: HttpOptions = {}): Transport {
  const base = opts.base ?? (typeof location !== 'undefined' ? location.origin : '');
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const retryMs = opts.retryMs ?? 2000;
  let status: ServerStatus = 'up';
  const statusListeners = new Set<(s: ServerStatus) => void>();
  let retry: ReturnType<typeof setInterval> | null = null;
  /** The event stream, reopened when the browser gave up on it (a server that came back). */
  let reopen: (() => void) | null = null;
  const setStatus = (s: ServerStatus) => {
    if (s === status) return;
    status = s;
    // While the server is away, try it again now and then: the tab comes back by itself.
    if (s === 'down' && !retry) retry = setInterval(() => void reconnect(), retryMs);
    if (s === 'up' && retry) {
      clearInterval(retry);
      retry = null;
    }
    for (const l of statusListeners) l(s);
  };

  async function call(method: string, input: unknown): Promise<Envelope<unknown>> {
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
      setStatus('down');
      return { ok: false, error: { code: 'TRANSPORT_ERROR', message: `cannot reach the Crosspod server at ${base || 'this page'}: ${message}`, status: 0 } };
    }
    setStatus('up');
    let body: unknown = null;
    try {
      body = await res.json();
    } catch {
      // Not JSON: fall through to a status-derived error.
    }
    if (isEnvelope(body)) return body;
    const code = res.status === 401 ? 'UNAUTHORIZED' : res.status === 404 ? 'UNKNOWN_METHOD' : 'INTERNAL';
    return { ok: false, error: { code, message: `HTTP ${res.status} ${res.statusText}`.trim(), status: res.status } };
  }

  /** One cheap read; the event stream is reopened if the browser closed it. */
  async function reconnect(): Promise<boolean> {
    const r = await call('audit.getRetention', {});
    const up = r.ok || (r.error.code !== 'TRANSPORT_ERROR' && r.error.code !== 'UNAUTHORIZED');
    if (up) reopen?.();
    return up;
  }

  return {
    kind: 'http',
    call,
    status: () => status,
    onStatus(l) {
      statusListeners.add(l);
      return () => statusListeners.delete(l);
    },
    reconnect,
    subscribe(listener, onReconnect) {
      const ES = opts.EventSource ?? (typeof EventSource !== 'undefined' ? EventSource : undefined);
      if (!ES) return () => {};
      let es: EventSource;
      let dropped = false;
      const open = () => {
        es = new ES(`${base}/api/events`, { withCredentials: true });
        es.onmessage = (m) => {
          try {
            listener(JSON.parse(m.data) as EngineEvent);
          } catch {
            // A malformed event is ignored; the next refresh catches up.
          }
        };
        es.onerror = () => {
          dropped = true;
          setStatus('down');
        };
        es.onopen = () => {
          setStatus('up');
          // Events may have been missed while disconnected.
          if (dropped) onReconnect?.();
          dropped = false;
        };
      };
      open();
      reopen = () => {
        if (es.readyState !== 2 /* CLOSED */) return;
        dropped = true;
        open();
      };
      return () => {
        reopen = null;
        es.close();
      };
    },
  };
}

/** Electron when the preload bridge is present, else HTTP. */
export function detectTransport(): Transport {
  if (typeof window !== 'undefined' && window.crosspod) return electronTransport(window.crosspod);
  return httpTransport();
}
