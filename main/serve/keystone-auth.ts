// Keystone tokens on the console's OpenStack APIs (`--keystone-url`): a client that logged in to
// Keystone, and found the console in its catalog, sends that token as X-Auth-Token. The console
// checks it with Keystone's GET /v3/auth/tokens, sending the token as its own subject (Keystone's
// policy lets a token validate itself), so the console holds no Keystone credentials. Only tokens
// with the admin role are taken: the console's APIs act for any project, like Neutron's admin.
// Answers are cached briefly, by the token's digest, never longer than the token lives.
import { createHash } from 'node:crypto';

export interface KeystoneVerifierOptions {
  /** Keystone's URL, with or without /v3. */
  url: string;
  /** How long an accepted token is trusted before asking Keystone again (default 30 s; 0: every time). */
  cacheMs?: number;
  /** The role a token needs (default admin). */
  role?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export type KeystoneVerdict =
  | { ok: true; project_id: string; user_id: string; user_name: string }
  | { ok: false; status: 401 | 403; message: string };

export interface KeystoneVerifier {
  verify(token: string): Promise<KeystoneVerdict>;
}

const MAX_CACHED = 1000;

export function createKeystoneVerifier(opts: KeystoneVerifierOptions): KeystoneVerifier {
  const base = opts.url.replace(/\/+$/, '');
  const validateUrl = `${/\/v3$/.test(base) ? base : `${base}/v3`}/auth/tokens`;
  const cacheMs = opts.cacheMs ?? 30_000;
  const role = opts.role ?? 'admin';
  const fetchImpl = opts.fetch ?? globalThis.fetch;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { verdict: KeystoneVerdict; until: number }>();

  async function ask(token: string): Promise<{ verdict: KeystoneVerdict; expiresAt: number }> {
    let res: Response;
    try {
      res = await fetchImpl(validateUrl, {
        headers: { 'X-Auth-Token': token, 'X-Subject-Token': token, Accept: 'application/json' },
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
    } catch {
      // Keystone down: nobody gets in on a Keystone token (the console's own token still works).
      return { verdict: { ok: false, status: 401, message: 'Keystone could not be reached to validate the token' }, expiresAt: 0 };
    }
    const text = await res.text();
    if (res.status !== 200) return { verdict: { ok: false, status: 401, message: 'The Keystone token is not valid' }, expiresAt: 0 };
    let t: { expires_at?: string; project?: { id?: string }; user?: { id?: string; name?: string }; roles?: { name?: string }[] } | undefined;
    try {
      t = (JSON.parse(text) as { token?: typeof t }).token;
    } catch {
      t = undefined;
    }
    const expiresAt = Date.parse(t?.expires_at ?? '');
    if (!t?.project?.id || !Number.isFinite(expiresAt)) {
      return { verdict: { ok: false, status: 401, message: 'A project-scoped Keystone token is required' }, expiresAt: 0 };
    }
    if (!(t.roles ?? []).some((r) => r.name === role)) {
      return { verdict: { ok: false, status: 403, message: `The Keystone token lacks the ${role} role` }, expiresAt };
    }
    return { verdict: { ok: true, project_id: t.project.id, user_id: t.user?.id ?? '', user_name: t.user?.name ?? '' }, expiresAt };
  }

  return {
    async verify(token: string): Promise<KeystoneVerdict> {
      const key = createHash('sha256').update(token).digest('base64');
      const hit = cache.get(key);
      if (hit && now() < hit.until) return hit.verdict;
      cache.delete(key);
      const { verdict, expiresAt } = await ask(token);
      // Only Keystone's own answers about a live token are kept; a refusal is asked again.
      if (cacheMs > 0 && verdict.ok) {
        if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
        cache.set(key, { verdict, until: Math.min(now() + cacheMs, expiresAt) });
      }
      return verdict;
    },
  };
}
