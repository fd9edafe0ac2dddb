// The console's Keystone token check (main/serve/keystone-auth.ts) against a scripted Keystone:
// what it asks, what it accepts, and how long it trusts an answer. The real Keystone is exercised
// in test/neutron/keystone.test.ts and openstack-cli-keystone.test.ts; the clock and the token
// lifetimes here are what a real one cannot be made to show quickly.
import { describe, expect, it } from 'vitest';
import { createKeystoneVerifier } from '../../main/serve/keystone-auth';

function scripted(answer: (token: string) => { status: number; body?: unknown }) {
  const asked: { url: string; auth: string | null; subject: string | null }[] = [];
  const f: typeof fetch = async (input, init) => {
    const h = new Headers(init?.headers);
    asked.push({ url: String(input), auth: h.get('x-auth-token'), subject: h.get('x-subject-token') });
    const a = answer(h.get('x-subject-token') ?? '');
    return new Response(a.body === undefined ? '' : JSON.stringify(a.body), { status: a.status });
  };
  return { asked, fetch: f };
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
const tokenBody = (roles: string[], expiresInMs = 3600_000, project: string | null = 'p1') => ({
  token: { expires_at: new Date(T0 + expiresInMs).toISOString(), project: project ? { id: project } : undefined, user: { id: 'u1', name: 'alice' }, roles: roles.map((name) => ({ name })) },
});

describe('Keystone tokens on the console', () => {
  it('asks GET /v3/auth/tokens with the token as its own subject, and takes an admin token’s project', async () => {
    const ks = scripted(() => ({ status: 200, body: tokenBody(['admin', 'member']) }));
    const v = createKeystoneVerifier({ url: 'http://ks:5000', fetch: ks.fetch, now: () => T0 });
    expect(await v.verify('tok-a')).toEqual({ ok: true, project_id: 'p1', user_id: 'u1', user_name: 'alice' });
    expect(ks.asked).toEqual([{ url: 'http://ks:5000/v3/auth/tokens', auth: 'tok-a', subject: 'tok-a' }]);
  });

  it('refuses a token Keystone does not know (401), one without admin (403), and one without a project (401)', async () => {
    const ks = scripted((t) =>
      t === 'member' ? { status: 200, body: tokenBody(['member', 'reader']) } : t === 'unscoped' ? { status: 200, body: tokenBody(['admin'], 3600_000, null) } : { status: 404, body: { error: { code: 404 } } },
    );
    const v = createKeystoneVerifier({ url: 'http://ks:5000/v3/', fetch: ks.fetch, now: () => T0 });
    expect(await v.verify('nope')).toEqual({ ok: false, status: 401, message: 'The Keystone token is not valid' });
    expect(await v.verify('member')).toEqual({ ok: false, status: 403, message: 'The Keystone token lacks the admin role' });
    expect(await v.verify('unscoped')).toEqual({ ok: false, status: 401, message: 'A project-scoped Keystone token is required' });
    expect(ks.asked.map((a) => a.url)).toEqual(Array(3).fill('http://ks:5000/v3/auth/tokens'));
  });

  it('trusts an accepted token for cacheMs, never past its expiry, and asks again about a refusal', async () => {
    let now = T0;
    let valid = true;
    const ks = scripted((t) => (valid ? { status: 200, body: tokenBody(['admin'], t === 'short' ? 5_000 : 3600_000) } : { status: 404 }));
    const v = createKeystoneVerifier({ url: 'http://ks:5000', cacheMs: 30_000, fetch: ks.fetch, now: () => now });
    await v.verify('long');
    await v.verify('short');
    now += 10_000; // past the short token's expiry, within cacheMs
    expect((await v.verify('long')).ok).toBe(true);
    expect((await v.verify('short')).ok).toBe(true);
    expect(ks.asked.map((a) => a.subject)).toEqual(['long', 'short', 'short']);
    valid = false; // revoked in Keystone: seen once the cache runs out
    now += 19_000;
    expect((await v.verify('long')).ok).toBe(true);
    now += 2_000;
    expect(await v.verify('long')).toMatchObject({ ok: false, status: 401 });
    expect(await v.verify('long')).toMatchObject({ ok: false, status: 401 });
    expect(ks.asked.map((a) => a.subject)).toEqual(['long', 'short', 'short', 'long', 'long']);
  });

  it('refuses every Keystone token while Keystone cannot be reached', async () => {
    const v = createKeystoneVerifier({ url: 'http://ks:5000', fetch: async () => Promise.reject(new TypeError('fetch failed')) });
    expect(await v.verify('any')).toEqual({ ok: false, status: 401, message: 'Keystone could not be reached to validate the token' });
  });
});
