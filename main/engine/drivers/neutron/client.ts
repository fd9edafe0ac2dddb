// HTTP to one Neutron endpoint: auth headers, a timeout on every attempt, retries with backoff
// for idempotent calls only, pagination, and call counting.
import { CrosspodError } from '../../../../shared/errors';
import { mapNeutronError, mapTransportError } from './errors';
import { type KeystoneSession, neutronBase } from './keystone';

export type ClientAuth = { kind: 'noauth'; endpoint: string } | { kind: 'keystone'; session: KeystoneSession };

export interface ClientOptions {
  auth: ClientAuth;
  timeoutMs: number;
  /** Extra attempts after a connection error or a 5xx, for idempotent calls only. */
  retries: number;
  retryBackoffMs: number;
  pageSize: number;
  fetchImpl: typeof fetch;
}

export interface RequestOptions {
  /** Default: every method but POST. Router actions pass false: repeating them is not a no-op. */
  retry?: boolean;
  /** Override retries (health checks want a fast answer). */
  retries?: number;
}

interface RawResponse {
  status: number;
  text: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class NeutronClient {
  calls = 0;
  retried = 0;

  constructor(private readonly opts: ClientOptions) {}

  /** Where requests go and the token to send (none in noauth). */
  async target(): Promise<{ base: string; token: string | null }> {
    if (this.opts.auth.kind === 'noauth') return { base: neutronBase(this.opts.auth.endpoint), token: null };
    const a = await this.opts.auth.session.get();
    return { base: a.endpoint, token: a.token };
  }

  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, ro: RequestOptions = {}): Promise<T> {
    const retryable = ro.retry ?? method !== 'POST';
    const maxRetries = retryable ? (ro.retries ?? this.opts.retries) : 0;
    let retries = 0;
    let reauthed = false;
    let transientSeen = false;
    for (;;) {
      const { base, token } = await this.target();
      let res: RawResponse;
      try {
        res = await this.send(method, base, path, body, token);
      } catch (e) {
        // Timeouts are not retried: the server may still be working on the first attempt.
        if (e instanceof CrosspodError && e.code === 'POD_UNREACHABLE' && retries < maxRetries) {
          transientSeen = true;
          await this.backoff(retries++);
          continue;
        }
        throw e;
      }
      // A 401 means the request was not processed, so one retry with a new token is safe for any method.
      if (res.status === 401 && token && !reauthed && this.opts.auth.kind === 'keystone') {
        this.opts.auth.session.invalidate(token);
        reauthed = true;
        continue;
      }
      if (res.status >= 500 && retries < maxRetries) {
        transientSeen = true;
        await this.backoff(retries++);
        continue;
      }
      // An earlier attempt may have deleted it before the connection dropped.
      if (method === 'DELETE' && res.status === 404 && transientSeen) return undefined as T;
      if (res.status >= 400) throw mapNeutronError(res.status, res.text, { method, path: stripQuery(path) });
      if (!res.text) return undefined as T;
      try {
        return JSON.parse(res.text) as T;
      } catch {
        throw new CrosspodError('BOTTOM_POD_OPERATION_FAILURE', `Neutron answered ${method} ${stripQuery(path)} with a body that is not JSON`, {
          status: res.status,
          method,
          path: stripQuery(path),
        });
      }
    }
  }

  /** Every item of a collection, following `<collection>_links` rel=next (limit & marker). */
  async list<T>(collection: string, query: Record<string, string | string[]>): Promise<T[]> {
    // An array is sent as a repeated parameter: Neutron matches any of the values.
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
    params.set('limit', String(this.opts.pageSize));
    let path = `/v2.0/${collection}?${params}`;
    const out: T[] = [];
    const seen = new Set<string>();
    // Paths use dashes (security-groups), bodies underscores (security_groups).
    const key = collection.replace(/-/g, '_');
    for (;;) {
      const page = await this.request<Record<string, unknown>>('GET', path);
      const items = (page?.[key] ?? []) as T[];
      out.push(...items);
      const links = (page?.[`${key}_links`] ?? []) as { rel: string; href: string }[];
      const next = links.find((l) => l.rel === 'next');
      if (!next || items.length === 0) return out;
      // Keep our own base (the href names the host the server saw) and take only its query.
      const search = new URL(next.href, 'http://neutron.invalid').search;
      if (seen.has(search)) return out;
      seen.add(search);
      path = `/v2.0/${collection}${search}`;
    }
  }

  private async send(method: string, base: string, path: string, body: unknown, token: string | null): Promise<RawResponse> {
    const url = `${base}${path}`;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers['X-Auth-Token'] = token;
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, this.opts.timeoutMs);
    this.calls++;
    try {
      const res = await this.opts.fetchImpl(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: ac.signal,
      });
      return { status: res.status, text: await res.text() };
    } catch (e) {
      throw mapTransportError(e, { method, path: stripQuery(path), url: `${base}${stripQuery(path)}`, timeoutMs: this.opts.timeoutMs, timedOut });
    } finally {
      clearTimeout(timer);
    }
  }

  private async backoff(attempt: number): Promise<void> {
    this.retried++;
    await sleep(this.opts.retryBackoffMs * 2 ** attempt);
  }
}

function stripQuery(path: string): string {
  const i = path.indexOf('?');
  return i < 0 ? path : path.slice(0, i);
}
