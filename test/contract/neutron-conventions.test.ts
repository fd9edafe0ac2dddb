// Neutron's list conventions on /v2.0 (sort_key/sort_dir, fields, repeated filters, refused
// unknown filters, unsupported resources) and the per-region endpoints /regions/<r>/v2.0, over
// HTTP against a real engine with the worked example on lab pods. Refusals change nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../main/engine/index';
import { fileKeySecretBox } from '../../main/engine/secrets/file-key';
import type { Engine } from '../../main/engine/types';
import { startServer, type RunningServer } from '../../main/serve/server';
import { dbChecksum } from './checksum';

const TOKEN = 'neutron-conventions-token-93ab';
const auth = { 'X-Auth-Token': TOKEN };

let dir: string;
let engine: Engine;
let server: RunningServer;
let origin: string;

async function req(method: string, path: string, body?: unknown, headers: Record<string, string> = auth) {
  const r = await fetch(`${origin}${path}`, { method, headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, json: text ? JSON.parse(text) : undefined };
}

async function get(path: string): Promise<any> {
  const r = await req('GET', path);
  expect(r.status, `${path}: ${r.text}`).toBe(200);
  return r.json;
}

/** Neutron's error body with this status and type; nothing changed. */
async function neutronFail(method: string, path: string, status: number, type: string, message: string | RegExp, body?: unknown, headers?: Record<string, string>) {
  const before = dbChecksum(engine.store.db, ['audit_log']);
  const r = await req(method, path, body, headers);
  expect(r.status, r.text).toBe(status);
  expect(r.json).toEqual({ NeutronError: { type, message: expect.any(String), detail: '' } });
  if (typeof message === 'string') expect(r.json.NeutronError.message).toBe(message);
  else expect(r.json.NeutronError.message).toMatch(message);
  expect(dbChecksum(engine.store.db, ['audit_log'])).toEqual(before);
  return r;
}

async function api(method: string, body: unknown): Promise<any> {
  const r = await req('POST', `/api/${method}`, body);
  if (!r.json?.ok) throw new Error(`${method}: ${r.text}`);
  return r.json.value;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-neutron-conv-'));
  engine = await createEngine({ dbPath: join(dir, 'crosspod.db'), secrets: fileKeySecretBox(join(dir, 'secret.key')) });
  server = await startServer({ engine, port: 0, token: TOKEN, staticDir: dir });
  origin = `http://127.0.0.1:${server.port}`;
  await api('lab.loadExample', {});
  // Names that sort differently from creation order, in two projects.
  for (const [name, project_id] of [['zeta', 'p2'], ['alpha', 'p2'], ['mid', 'p1']]) await api('networks.create', { name, project_id, availability_zone_hints: ['az1'] });
  await engine.idle();
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

const names = (body: any, key = 'networks') => body[key].map((n: any) => n.name);

describe('/v2.0 list conventions', () => {
  it('sorts by sort_key/sort_dir, engine-side for one key and here for several', async () => {
    const all = names(await get('/v2.0/networks?fields=name'));
    const byName = [...all].sort();
    expect(names(await get('/v2.0/networks?sort_key=name'))).toEqual(byName);
    expect(names(await get('/v2.0/networks?sort_key=name&sort_dir=desc'))).toEqual([...byName].reverse());
    // Several keys: project first, then name descending within each project.
    const multi = (await get('/v2.0/networks?sort_key=project_id&sort_dir=asc&sort_key=name&sort_dir=desc&fields=name&fields=project_id')).networks;
    const expected = [...multi].sort((a: any, b: any) => (a.project_id === b.project_id ? (a.name < b.name ? 1 : -1) : a.project_id < b.project_id ? -1 : 1));
    expect(multi).toEqual(expected);
    expect(Object.keys(multi[0]).sort()).toEqual(['name', 'project_id']);
    // A key the engine does not sort on (admin_state_up) is sorted here; paging follows the order.
    const p1 = await get('/v2.0/networks?sort_key=name&limit=2');
    expect(names(p1)).toEqual(byName.slice(0, 2));
    const next = new URL(p1.networks_links[0].href);
    expect(names(await get(next.pathname + next.search))).toEqual(byName.slice(2, 4));
    const local = await get('/v2.0/networks?sort_key=admin_state_up&sort_key=name&limit=3');
    expect(names(local)).toEqual(byName.slice(0, 3));
    expect(local.networks_links).toEqual([expect.objectContaining({ rel: 'next' })]);
  });

  it('ORs repeated filters and ANDs different ones', async () => {
    expect(names(await get('/v2.0/networks?name=alpha&name=zeta&sort_key=name'))).toEqual(['alpha', 'zeta']);
    expect(names(await get('/v2.0/networks?name=alpha&name=mid&project_id=p2'))).toEqual(['alpha']);
    expect(names(await get('/v2.0/networks?tenant_id=p1'))).toEqual(['mid']);
  });

  it('refuses unknown filters, bad sorts and page_reverse with 400, and unsupported resources with 404', async () => {
    await neutronFail('GET', '/v2.0/networks?colour=red', 400, 'HTTPBadRequest', /^colour is an invalid attribute for filtering networks: filter on /);
    await neutronFail('GET', '/v2.0/ports?binding:host_id=h1', 400, 'HTTPBadRequest', /binding:host_id is an invalid attribute for filtering ports: .*fixed_ips/);
    await neutronFail('GET', '/v2.0/networks?sort_key=colour', 400, 'HTTPBadRequest', /^colour is an invalid attribute for sort_key/);
    await neutronFail('GET', '/v2.0/networks?sort_key=name&sort_dir=up', 400, 'HTTPBadRequest', "up is an invalid value for sort_dir, valid values are 'asc' and 'desc'");
    await neutronFail('GET', '/v2.0/networks?sort_key=name&sort_key=id&sort_dir=asc', 400, 'HTTPBadRequest', 'The number of sort_keys and sort_dirs must be same');
    await neutronFail('GET', '/v2.0/networks?sort_dir=asc', 400, 'HTTPBadRequest', 'The number of sort_keys and sort_dirs must be same');
    await neutronFail('GET', '/v2.0/networks?page_reverse=true', 400, 'HTTPBadRequest', /page_reverse is not supported/);
    await neutronFail('GET', '/v2.0/qos/policies', 404, 'HTTPNotFound', /^Crosspod does not serve \/v2.0\/qos: it serves networks, subnets, ports, routers, floatingips/);
    await neutronFail('POST', '/v2.0/trunks', 404, 'HTTPNotFound', /^Crosspod does not serve \/v2.0\/trunks/, { trunk: {} });
    expect((await get('/v2.0/networks?page_reverse=false&name=mid')).networks).toHaveLength(1);
  });
});

describe('/regions/<region>/v2.0', () => {
  it('serves a lab pod\'s bottom resources as its own Neutron, read-only', async () => {
    expect(await get('/regions/Pod1')).toEqual({ versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${origin}/regions/Pod1/v2.0/`, rel: 'self' }] }] });
    expect((await get('/regions/Pod1/v2.0')).resources.map((r: any) => r.collection)).toEqual(['networks', 'subnets', 'ports', 'routers', 'floatingips']);
    const snap = await api('lab.topology', {});
    const pod1 = snap.pods.find((p: any) => p.region_name === 'Pod1');
    const bottoms = snap.bottoms.find((b: any) => b.pod_id === pod1.pod_id);
    const nets = (await get('/regions/Pod1/v2.0/networks')).networks;
    expect(nets.map((n: any) => n.id).sort()).toEqual(bottoms.networks.map((n: any) => n.id).sort());
    expect(nets[0]).toMatchObject({ tenant_id: nets[0].project_id, description: expect.any(String), tags: [], shared: false });
    const routers = (await get('/regions/Pod1/v2.0/routers')).routers;
    expect(routers.map((r: any) => r.id).sort()).toEqual(bottoms.routers.map((r: any) => r.id).sort());
    // The VM's bottom port holds the worked example's address.
    const vm = (await get('/regions/Pod1/v2.0/ports?fixed_ips=ip_address%3D10.0.1.4')).ports;
    expect(vm).toHaveLength(1);
    expect(vm[0].fixed_ips[0].ip_address).toBe('10.0.1.4');
    expect(await get(`/regions/Pod1/v2.0/ports/${vm[0].id}?fields=id&fields=mac_address`)).toEqual({ port: { id: vm[0].id, mac_address: 'fa:16:3e:00:01:04' } });
    // The two DNAT steps: Pod2 holds the floating IP, Pod1 the bridge address → the VM.
    const fips = (await get('/regions/Pod2/v2.0/floatingips')).floatingips;
    expect(fips.map((f: any) => f.floating_ip_address)).toEqual(['162.3.124.5']);
    const step2 = (await get('/regions/Pod1/v2.0/floatingips?fields=floating_ip_address&fields=fixed_ip_address&fields=port_id')).floatingips;
    expect(step2).toEqual([{ floating_ip_address: fips[0].fixed_ip_address, fixed_ip_address: '10.0.1.4', port_id: vm[0].id }]);
    expect(fips[0].fixed_ip_address).toMatch(/^100\.128\./);
  });

  it('filters, sorts and pages the way /v2.0 does', async () => {
    const all = (await get('/regions/Pod1/v2.0/networks?sort_key=name')).networks;
    expect(all.map((n: any) => n.name)).toEqual(all.map((n: any) => n.name).sort());
    const page = await get('/regions/Pod1/v2.0/networks?sort_key=name&limit=1');
    expect(page.networks).toEqual([all[0]]);
    if (all.length > 1) {
      const next = new URL(page.networks_links[0].href);
      expect((await get(next.pathname + next.search)).networks).toEqual([all[1]]);
    }
    expect((await get(`/regions/Pod1/v2.0/networks?id=${all[0].id}&id=nope`)).networks).toEqual([all[0]]);
    expect((await get('/regions/Pod1/v2.0/routers?fields=id')).routers.every((r: any) => Object.keys(r).join() === 'id')).toBe(true);
  });

  it('refuses writes with 405, and unknown regions, resources, ids and filters', async () => {
    const r = await neutronFail('POST', '/regions/Pod1/v2.0/networks', 405, 'HTTPMethodNotAllowed', /^Region Pod1 is served read-only/, { network: { name: 'x' } });
    expect(r.headers.get('allow')).toBe('GET, HEAD');
    await neutronFail('DELETE', '/regions/Pod1/v2.0/networks/x', 405, 'HTTPMethodNotAllowed', /read-only/);
    await neutronFail('PUT', '/regions/Pod2/v2.0/floatingips/x', 405, 'HTTPMethodNotAllowed', /read-only/, { floatingip: {} });
    await neutronFail('GET', '/regions/Nowhere/v2.0/networks', 404, 'PodNotFound', 'No bottom pod has the region name Nowhere');
    await neutronFail('GET', '/regions/RegionOne/v2.0/networks', 404, 'PodNotFound', 'No bottom pod has the region name RegionOne');
    await neutronFail('GET', '/regions/Pod1/v2.0/security-groups', 404, 'HTTPNotFound', /^Region endpoints do not serve \/v2.0\/security-groups/);
    await neutronFail('GET', '/regions/Pod1/v2.0/networks/nope', 404, 'NetworkNotFound', /nope/);
    await neutronFail('GET', '/regions/Pod1/v2.0/networks?colour=red', 400, 'HTTPBadRequest', /^colour is an invalid attribute for filtering networks/);
    await neutronFail('GET', '/regions/Pod1/v2.0/networks?sort_key=colour', 400, 'HTTPBadRequest', /invalid attribute for sort_key/);
    await neutronFail('GET', '/regions/Pod1/v2.0/networks?marker=nope', 404, 'NetworkNotFound', /nope/);
    await neutronFail('GET', '/regions/Pod1/v2.0/networks', 401, 'HTTPUnauthorized', /Authentication required/, undefined, {});
  });

  it('refuses a real Neutron region: it has its own endpoint', async () => {
    await api('pods.create', { region_name: 'Real1', az_name: 'azr', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: 'http://127.0.0.1:9' } });
    await neutronFail('GET', '/regions/Real1/v2.0/networks', 404, 'NotFound', 'Real1 is a real Neutron region: ask its own endpoint');
  });
});
