// Labs in headless mode: the lab host behind the real HTTP transport. One server, one URL and
// token, many labs: switching is a call, and the event stream says so.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../shared/contract';
import { dataDirLayout, openLabHost, type LabHost } from '../../main/engine/labs/host';
import { startServer, type RunningServer } from '../../main/serve/server';

const TOKEN = 'labs-http-token';
let dir: string;
let host: LabHost;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-labs-http-'));
  host = await openLabHost(dataDirLayout(dir));
  server = await startServer({ engine: host, port: 0, token: TOKEN, staticDir: join(dir, 'renderer') });
});
afterAll(async () => {
  await server.close();
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(method: string, body: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(`${server.url}api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': TOKEN }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}
const value = async (method: string, body: unknown) => {
  const r = await post(method, body);
  if (!r.json.ok) throw new Error(`${method}: ${JSON.stringify(r.json.error)}`);
  return r.json.value;
};

/** Reads server-sent events until `until` holds. */
async function collect(until: (seen: EngineEvent[]) => boolean, during: () => Promise<void>): Promise<EngineEvent[]> {
  const ac = new AbortController();
  const r = await fetch(`${server.url}api/events`, { headers: { 'x-auth-token': TOKEN }, signal: ac.signal });
  const reader = r.body!.getReader();
  const seen: EngineEvent[] = [];
  let buf = '';
  const reading = (async () => {
    for (;;) {
      const { value: chunk, done } = await reader.read();
      if (done) return;
      buf += new TextDecoder().decode(chunk);
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const data = buf.slice(0, i).split('\n').find((l) => l.startsWith('data: '));
        buf = buf.slice(i + 2);
        if (data) seen.push(JSON.parse(data.slice(6)));
        if (until(seen)) return;
      }
    }
  })();
  await during();
  await reading;
  ac.abort();
  return seen;
}

describe('labs over HTTP (headless mode)', () => {
  it('switches between labs on one server: the same URL and token reach each lab, and events say so', async () => {
    await value('pods.create', { region_name: 'RegionOne' });
    const seen = await collect(
      (s) => s.some((e) => e.name === 'labs.changed' && e.current === 'example'),
      async () => {
        expect(await value('labs.create', { name: 'example', example: 'worked-example' })).toMatchObject({ name: 'example', current: true, pods: 3 });
      },
    );
    expect(seen.some((e) => e.name === 'labs.progress' && e.lab_progress?.step === 'floating IPs')).toBe(true);
    const fip = (await value('fips.list', {})).items[0];
    expect(fip.floating_ip_address).toBe('162.3.124.5');
    expect((await value('fips.path', { id: fip.id })).hops.length).toBeGreaterThan(1);

    expect(await value('labs.open', { name: 'default' })).toMatchObject({ name: 'default', current: true, pods: 1 });
    expect((await value('fips.list', {})).items).toEqual([]);
    expect((await value('labs.list', {})).labs.map((l: { name: string; current: boolean }) => [l.name, l.current])).toEqual([
      ['default', true],
      ['example', false],
    ]);
    await value('labs.open', { name: 'example' });
    expect((await value('fips.list', {})).items.map((f: { id: string }) => f.id)).toEqual([fip.id]);
  });

  it('exports and imports documents, and refuses bad ones with their codes', async () => {
    const out = await value('labs.export', {});
    expect(await value('labs.import', { name: 'third', document: out.text })).toMatchObject({ name: 'third', current: true });
    expect((await value('labs.export', {})).text).toBe(out.text);
    const bad = await post('labs.import', { name: 'fourth', document: { crosspod_lab: 1, pods: [{ region: 'RegionOne', top: true }], networks: [{ name: 'n', project: 'p', subnets: [{ cidr: '10.0.0.1/24' }] }] } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'LAB_DOCUMENT_INVALID', details: { issues: [{ path: 'networks.0.subnets.0.cidr' }] } });
    expect((await post('labs.open', { name: 'fourth' })).json.error.code).toBe('LAB_NOT_FOUND');
    expect((await post('labs.create', { name: 7 })).json.error.code).toBe('INVALID_INPUT');
  });

  it('snapshots and restores over HTTP', async () => {
    const snap = await value('labs.snapshot', { label: 'before' });
    await value('fips.delete', { id: (await value('fips.list', {})).items[0].id });
    const r = await value('labs.restore', { snapshot: snap.id });
    expect(r.before.label).toBe('before-restore');
    expect((await value('fips.list', {})).items.map((f: { floating_ip_address: string }) => f.floating_ip_address)).toEqual(['162.3.124.5']);
  });
});
