// Keystone v3 password auth with project scope: the token and the pod's network endpoint from the
// catalog. The password and the token stay in this object; neither is ever logged or put in an
// error.
import { CrosspodError } from '../../../../shared/errors';
import { mapTransportError, parseNeutronError } from './errors';

export interface KeystoneConfig {
  auth_url: string;
  username: string;
  password: string;
  user_domain_name?: string;
  project_name: string;
  project_domain_name?: string;
  /** The catalog region whose `network` endpoint is used: the pod's region name. */
  region_name?: string;
  /** Overrides the catalog's endpoint when set. */
  endpoint?: string;
  interface?: 'public' | 'internal' | 'admin';
}

export interface KeystoneAuth {
  token: string;
  endpoint: string;
  expiresAt: number;
}

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; region_id?: string; region?: string; url: string }[];
}

/** Neutron's version-less root (`http://host:9696`), whatever form the catalog uses. */
export function neutronBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/v2\.0$/, '');
}

export class KeystoneSession {
  private current: KeystoneAuth | null = null;
  private pending: Promise<KeystoneAuth> | null = null;
  private issuedAt = 0;
  authCalls = 0;

  constructor(
    private readonly cfg: KeystoneConfig,
    private readonly timeoutMs: number,
    private readonly fetchImpl: typeof fetch,
    private readonly now: () => number = Date.now,
  ) {}

  /** A valid token; renewed ahead of expires_at (half the lifetime, at most a minute early). */
  async get(): Promise<KeystoneAuth> {
    const cur = this.current;
    if (cur) {
      const margin = Math.min(60_000, Math.max(0, (cur.expiresAt - this.issuedAt) / 2));
      if (this.now() < cur.expiresAt - margin) return cur;
    }
    return this.renew();
  }

  /** After a 401: forget the token and fetch a new one (concurrent callers share one request). */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = null;
  }

  clear(): void {
    this.current = null;
  }

  private renew(): Promise<KeystoneAuth> {
    if (!this.pending) {
      this.pending = this.authenticate().finally(() => (this.pending = null));
    }
    return this.pending;
  }

  private async authenticate(): Promise<KeystoneAuth> {
    const base = this.cfg.auth_url.replace(/\/+$/, '');
    const url = `${/\/v3$/.test(base) ? base : `${base}/v3`}/auth/tokens`;
    const ctx = { method: 'POST', path: '/v3/auth/tokens' };
    const body = {
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: {
              name: this.cfg.username,
              domain: { name: this.cfg.user_domain_name ?? 'Default' },
              password: this.cfg.password,
            },
          },
        },
        scope: { project: { name: this.cfg.project_name, domain: { name: this.cfg.project_domain_name ?? 'Default' } } },
      },
    };
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, this.timeoutMs);
    let status: number;
    let text: string;
    let token: string | null;
    this.authCalls++;
    try {
      const res = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
        signal: ac.signal,
      });
      status = res.status;
      token = res.headers.get('x-subject-token');
      text = await res.text();
    } catch (e) {
      throw mapTransportError(e, { ...ctx, url, timeoutMs: this.timeoutMs, timedOut });
    } finally {
      clearTimeout(timer);
    }
    if (status === 401 || status === 403 || (status >= 400 && status < 500)) {
      const { message } = parseNeutronError(text);
      throw new CrosspodError('POD_AUTH_FAILED', `Keystone refused the credentials of ${this.cfg.username}: ${message || `HTTP ${status}`}`, {
        status,
        auth_url: this.cfg.auth_url,
      });
    }
    if (status >= 300 || !token) {
      throw new CrosspodError('BOTTOM_POD_OPERATION_FAILURE', `Keystone answered HTTP ${status} without a token`, { status, auth_url: this.cfg.auth_url });
    }
    let parsed: { token?: { expires_at?: string; catalog?: CatalogEntry[] } };
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CrosspodError('BOTTOM_POD_OPERATION_FAILURE', 'Keystone answered with a body that is not JSON', { status });
    }
    const expiresAt = Date.parse(parsed.token?.expires_at ?? '');
    const endpoint = this.cfg.endpoint ? neutronBase(this.cfg.endpoint) : this.pickEndpoint(parsed.token?.catalog ?? []);
    this.issuedAt = this.now();
    this.current = { token, endpoint, expiresAt: Number.isFinite(expiresAt) ? expiresAt : this.issuedAt + 3600_000 };
    return this.current;
  }

  private pickEndpoint(catalog: CatalogEntry[]): string {
    const iface = this.cfg.interface ?? 'public';
    const region = this.cfg.region_name;
    const candidates = catalog
      .filter((s) => s.type === 'network')
      .flatMap((s) => s.endpoints)
      .filter((e) => e.interface === iface && (!region || e.region_id === region || e.region === region));
    if (candidates.length === 0 || (!region && candidates.length > 1)) {
      const why = candidates.length === 0 ? 'no' : 'more than one';
      throw new CrosspodError('POD_UNREACHABLE', `Keystone catalog has ${why} ${iface} network endpoint${region ? ` in region ${region}` : ''}`, {
        region_name: region ?? null,
        interface: iface,
      });
    }
    return neutronBase(candidates[0].url);
  }
}
