import { describe, expect, it, vi } from 'vitest';
import { ApiError, createClient, electronTransport, httpTransport, type CrosspodBridge } from '../../renderer/api';
import type { Transport } from '../../renderer/api/transport';
import type { EngineEvent } from '../../shared/contract';

function fakeTransport(reply: (method: string, input: unknown) => unknown): Transport & { call: ReturnType<typeof vi.fn> } {
  return {
    kind: 'custom',
    call: vi.fn(async (m: string, i: unknown) => reply(m, i)) as never,
    subscribe: () => () => {},
  };
}

describe('contract client', () => {
  it('unwraps an ok envelope into its value', async () => {
    const t = fakeTransport(() => ({ ok: true, value: { items: [{ pod_id: 'p1' }], next_marker: null } }));
    const { api } = createClient(t);
    await expect(api['pods.list']({})).resolves.toEqual({ items: [{ pod_id: 'p1' }], next_marker: null });
    expect(t.call).toHaveBeenCalledWith('pods.list', {});
  });

  it('throws ApiError carrying the code, message, status and details', async () => {
    const t = fakeTransport(() => ({ ok: false, error: { code: 'SUBNET_OVERLAP', message: '10.0.1.0/25 overlaps 10.0.1.0/24', status: 400, details: { with: 's1' } } }));
    const { api } = createClient(t);
    const err = await api['subnets.create']({ network_id: 'n', cidr: '10.0.1.0/25' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'SUBNET_OVERLAP', message: '10.0.1.0/25 overlaps 10.0.1.0/24', status: 400, details: { with: 's1' }, method: 'subnets.create' });
  });

  it('derives methods by name and is safe to await (no `then`)', async () => {
    const t = fakeTransport((m) => ({ ok: true, value: m }));
    const { api } = createClient(t);
    expect((api as unknown as Record<string, unknown>).then).toBeUndefined();
    expect(await Promise.resolve(api)).toBe(api);
    await expect(api['fips.listWithPaths']({ limit: 5 })).resolves.toBe('fips.listWithPaths');
    await expect(api['lab.loadExample']({})).resolves.toBe('lab.loadExample');
  });

  it('uses the Electron bridge when given one', async () => {
    const listener = vi.fn();
    const bridge: CrosspodBridge = Object.freeze({
      'pods.get': async (i: unknown) => ({ ok: true, value: { echoed: i } }),
      onEvent: (l: (e: EngineEvent) => void) => {
        l({ name: 'pods.changed', ids: ['p1'] });
        return () => {};
      },
    });
    const c = createClient(electronTransport(bridge));
    await expect(c.api['pods.get']({ pod_id: 'p1' })).resolves.toEqual({ echoed: { pod_id: 'p1' } });
    await expect(c.api['pods.delete']({ pod_id: 'p1' })).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
    c.subscribe(listener);
    expect(listener).toHaveBeenCalledWith({ name: 'pods.changed', ids: ['p1'] });
  });

  it('posts JSON to /api/<method> over HTTP with the cookie', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ ok: true, value: { id: 'r1' } }), { status: 200 }));
    const c = createClient(httpTransport({ base: 'http://127.0.0.1:1234', fetch: fetch as never }));
    await expect(c.api['routers.get']({ id: 'r1' })).resolves.toEqual({ id: 'r1' });
    expect(fetch).toHaveBeenCalledWith('http://127.0.0.1:1234/api/routers.get', expect.objectContaining({ method: 'POST', credentials: 'same-origin', body: '{"id":"r1"}' }));
  });

  it('passes an HTTP error envelope through and maps non-envelope failures', async () => {
    const replies = [
      new Response(JSON.stringify({ ok: false, error: { code: 'POD_NOT_FOUND', message: 'no pod x', status: 404 } }), { status: 404 }),
      new Response('nope', { status: 401, statusText: 'Unauthorized' }),
    ];
    const fetch = vi.fn(async () => replies.shift()!);
    const c = createClient(httpTransport({ base: '', fetch: fetch as never }));
    await expect(c.api['pods.get']({ pod_id: 'x' })).rejects.toMatchObject({ code: 'POD_NOT_FOUND', status: 404 });
    await expect(c.api['pods.get']({ pod_id: 'x' })).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    const down = createClient(httpTransport({ base: '', fetch: (async () => { throw new TypeError('fetch failed'); }) as never }));
    await expect(down.api['pods.list']({})).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
  });
});

describe('a server that went away', () => {
  it('says so, tries again by itself, and is back once the server answers', async () => {
    let up = false;
    const fetch = vi.fn(async (_url: string) => {
      if (!up) throw new TypeError('Failed to fetch');
      return new Response(JSON.stringify({ ok: true, value: { max_age_days: 90, max_entries: 100000 } }), { status: 200 });
    });
    const t = httpTransport({ base: 'http://127.0.0.1:1', fetch: fetch as never, retryMs: 20 });
    const seen: string[] = [];
    t.onStatus!((s) => seen.push(s));
    const r = await t.call('pods.list', {});
    expect(r).toEqual({ ok: false, error: { code: 'TRANSPORT_ERROR', message: 'cannot reach the Crosspod server at http://127.0.0.1:1: Failed to fetch', status: 0 } });
    expect(t.status!()).toBe('down');
    // Retries while down: each a cheap read.
    await vi.waitFor(() => expect(fetch.mock.calls.length).toBeGreaterThanOrEqual(3));
    expect(fetch.mock.calls.at(-1)![0]).toBe('http://127.0.0.1:1/api/audit.getRetention');
    up = true;
    await vi.waitFor(() => expect(t.status!()).toBe('up'));
    expect(seen).toEqual(['down', 'up']);
    const n = fetch.mock.calls.length;
    await new Promise((r) => setTimeout(r, 80));
    expect(fetch.mock.calls.length).toBe(n); // no more retries once up
    expect(await t.reconnect!()).toBe(true);
  });
});
