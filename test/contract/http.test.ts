// Every contract method through headless mode's HTTP transport, against a real engine on a
// temporary SQLite file: bad inputs, the core happy paths with exact values (the reference's
// worked example, §12), auth, static serving and server-sent events.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLabMethod, methods, type EngineEvent, type EngineMethod, type Input, type Method, type Output } from '../../shared/contract';
import type { Envelope } from '../../shared/errors';
import { createEngine } from '../../main/engine/index';
import { fileKeySecretBox } from '../../main/engine/secrets/file-key';
import type { Engine } from '../../main/engine/types';
import { MAX_BODY_BYTES, startServer, type RunningServer } from '../../main/serve/server';
import { CSP } from '../../main/serve/static';
import { auditMark, dbChecksum, refusedAudit } from './checksum';

const TOKEN = 'contract-test-token-3f9a1c';
const INDEX_HTML = '<!doctype html><html><head><title>Crosspod</title></head><body><div id="root"></div></body></html>';

let dir: string;
let engine: Engine;
let server: RunningServer;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** A raw HTTP request: node:http sends the path exactly as given (fetch would normalise it). */
function raw(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode!, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const auth = { 'X-Auth-Token': TOKEN };
const jsonAuth = { ...auth, 'Content-Type': 'application/json' };

function post(method: string, body: unknown, headers: Record<string, string> = auth): Promise<Reply> {
  return raw(`/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** A call that must succeed: 200 and `{ok: true, value}`. */
async function call<M extends Method>(method: M, input: Input<M>): Promise<Output<M>> {
  const r = await post(method, input);
  const env = r.json as Envelope<Output<M>>;
  if (!env?.ok) throw new Error(`${method} failed with ${r.status}: ${r.text}`);
  expect(r.status).toBe(200);
  return env.value;
}

/** A call that must fail with this code; returns the error body. */
async function fail(method: Method, input: unknown, code: string, status: number) {
  const r = await post(method, input);
  expect(r.json, r.text).toMatchObject({ ok: false, error: { code, status } });
  expect(r.status).toBe(status);
  return r.json.error as { code: string; message: string; status: number; details?: any };
}

const checksum = () => dbChecksum(engine.store.db);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-http-'));
  const staticDir = join(dir, 'renderer');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), INDEX_HTML);
  writeFileSync(join(staticDir, 'assets', 'app-abc123.js'), 'console.log("crosspod")');
  writeFileSync(join(dir, 'secret.txt'), 'TOP-SECRET-OUTSIDE-ROOT');
  engine = await createEngine({ dbPath: join(dir, 'crosspod.db'), secrets: fileKeySecretBox(join(dir, 'secret.key')) });
  server = await startServer({ engine, port: 0, token: TOKEN, staticDir });
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('server', () => {
  it('listens on loopback with the given token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.port).toBeGreaterThan(0);
    expect(server.token).toBe(TOKEN);
  });
});

describe('auth', () => {
  const unauthorised = (r: Reply) => {
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED', status: 401 } });
    expect(typeof r.json.error.message).toBe('string');
  };

  it('refuses everything without a token', async () => {
    unauthorised(await post('pods.list', {}, {}));
    unauthorised(await post('no.such', {}, {}));
    unauthorised(await raw('/api/events'));
    unauthorised(await raw('/'));
    unauthorised(await raw('/index.html'));
    unauthorised(await raw('/assets/app-abc123.js'));
  });

  it('refuses a wrong token, whatever its length', async () => {
    for (const t of ['wrong', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase(), ' ']) {
      unauthorised(await post('pods.list', {}, { 'X-Auth-Token': t }));
      unauthorised(await raw('/', { headers: { 'X-Auth-Token': t } }));
    }
  });

  it('accepts the X-Auth-Token header', async () => {
    const r = await post('pods.list', {});
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, value: { items: [], next_marker: null, total: 0 } });
    expect((await raw('/', { headers: auth })).status).toBe(200);
  });

  it('trades ?token= on a page load for an HttpOnly SameSite=Strict cookie and drops it from the URL', async () => {
    const r = await raw(`/?token=${TOKEN}`);
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/');
    const cookie = `crosspod_token_${server.port}=${TOKEN}`;
    expect(r.headers['set-cookie']).toEqual([`${cookie}; HttpOnly; SameSite=Strict; Path=/`]);

    const deep = await raw(`/routers?view=list&token=${encodeURIComponent(TOKEN)}`);
    expect(deep.status).toBe(302);
    expect(deep.headers.location).toBe('/routers?view=list');

    // The cookie then opens the page, the API and the event stream.
    const page = await raw('/', { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(page.text).toBe(INDEX_HTML);
    const api = await post('pods.list', {}, { Cookie: `other=1; ${cookie}` });
    expect(api.json).toEqual({ ok: true, value: { items: [], next_marker: null, total: 0 } });
  });

  it('refuses a wrong ?token= or a wrong cookie', async () => {
    const r = await raw('/?token=nope');
    unauthorised(r);
    expect(r.headers['set-cookie']).toBeUndefined();
    unauthorised(await raw('/', { headers: { Cookie: `crosspod_token_${server.port}=nope` } }));
    // A cookie for another console on this host does not count.
    unauthorised(await raw('/', { headers: { Cookie: `crosspod_token_1=${TOKEN}` } }));
    // ?token= is for page loads, not for the API.
    unauthorised(await raw(`/api/pods.list?token=${TOKEN}`, { method: 'POST', body: '{}' }));
  });

  it('refuses a foreign Host header (DNS rebinding), even with the token', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`]) {
      const r = await post('pods.list', {}, { ...auth, Host: host });
      expect(r.status, host).toBe(400);
      expect(r.json).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`]) {
      expect((await post('pods.list', {}, { ...auth, Host: host })).status, host).toBe(200);
    }
  });

  it('refuses cross-origin POSTs, even with the token', async () => {
    const foreign: Record<string, string>[] = [
      { Origin: 'http://evil.example' },
      { Origin: 'null' },
      { Origin: `http://localhost:${server.port}` },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
    ];
    for (const headers of foreign) {
      const before = checksum();
      const r = await post('pods.create', { region_name: 'Evil' }, { ...auth, ...headers });
      expect(r.status, JSON.stringify(headers)).toBe(401);
      expect(r.json).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
      expect(checksum()).toEqual(before);
    }
    const same = await post('pods.list', {}, { ...auth, Origin: `http://127.0.0.1:${server.port}`, 'Sec-Fetch-Site': 'same-origin' });
    expect(same.status).toBe(200);
  });
});

describe('static renderer', () => {
  it('serves index.html at / with the CSP and security headers', async () => {
    const r = await raw('/', { headers: auth });
    expect(r.status).toBe(200);
    expect(r.text).toBe(INDEX_HTML);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toBe(CSP);
    expect(CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'",
    );
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
  });

  it('sends the security headers on API answers and refusals too', async () => {
    for (const r of [await post('pods.list', {}), await post('pods.list', {}, {})]) {
      expect(r.headers['content-security-policy']).toBe(CSP);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('serves assets with their type and falls back to index.html for client routes only', async () => {
    const js = await raw('/assets/app-abc123.js', { headers: auth });
    expect(js.status).toBe(200);
    expect(js.text).toBe('console.log("crosspod")');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');

    const route = await raw('/routers/abc', { headers: auth });
    expect(route.status).toBe(200);
    expect(route.text).toBe(INDEX_HTML);

    const missing = await raw('/assets/missing.js', { headers: auth });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it.each([
    '/../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%2e%2e/',
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e%5c%2e%2e%5csecret.txt',
    '/..\\secret.txt',
    '/%00/../secret.txt',
  ])('does not serve %s', async (path) => {
    const r = await raw(path, { headers: auth });
    expect(r.text).not.toContain('TOP-SECRET-OUTSIDE-ROOT');
    expect(r.text).not.toMatch(/root:.*:0:0:/);
    // Either refused, or folded inside the root and answered with the app itself.
    if (r.status === 200) expect(r.text).toBe(INDEX_HTML);
    else expect([400, 404]).toContain(r.status);
  });

  it('answers only GET and HEAD outside /api', async () => {
    expect((await raw('/', { method: 'POST', headers: auth })).status).toBe(400);
    const head = await raw('/', { method: 'HEAD', headers: auth });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });
});

describe('transport errors', () => {
  it('answers an unknown method with 404 UNKNOWN_METHOD', async () => {
    for (const m of ['pods.explode', 'constructor', '__proto__', 'toString', 'events.list', '']) {
      const r = await post(m, {});
      expect(r.status, m).toBe(404);
      expect(r.json).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD', status: 404 } });
    }
  });

  it('refuses malformed JSON with 400 INVALID_INPUT', async () => {
    const before = checksum();
    for (const body of ['{', '{"region_name": }', "{'a': 1}", 'undefined']) {
      const r = await raw('/api/pods.create', { method: 'POST', headers: jsonAuth, body });
      expect(r.status, body).toBe(400);
      expect(r.json).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', status: 400 } });
    }
    expect(checksum()).toEqual(before);
  });

  it('refuses a body over 1 MiB with 400 INVALID_INPUT', async () => {
    const before = checksum();
    const big = JSON.stringify({ region_name: 'x'.repeat(MAX_BODY_BYTES) });
    const r = await raw('/api/pods.create', { method: 'POST', headers: jsonAuth, body: big });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { limit: 1024 * 1024 } } });
    expect(checksum()).toEqual(before);
    // Just under the limit is read (and then refused by the schema: names are at most 255).
    const under = JSON.stringify({ region_name: 'x'.repeat(MAX_BODY_BYTES - 100) });
    expect((await raw('/api/pods.create', { method: 'POST', headers: jsonAuth, body: under })).json.error.details.issues[0].path).toBe(
      'region_name',
    );
  });

  it('takes an empty body as {}', async () => {
    const r = await raw('/api/pods.list', { method: 'POST', headers: auth });
    expect(r.json).toEqual({ ok: true, value: { items: [], next_marker: null, total: 0 } });
  });

  it('wants POST for methods and GET for events', async () => {
    const r = await raw('/api/pods.list', { headers: auth });
    expect(r.status).toBe(400);
    expect(r.headers.allow).toBe('POST');
    expect((await raw('/api/events', { method: 'POST', headers: auth })).status).toBe(400);
  });
});

/** State the worked example builds, shared by the steps below. */
const s = {} as {
  top: Output<'pods.create'>;
  pod1: Output<'pods.create'>;
  pod2: Output<'pods.create'>;
  ext: Output<'networks.create'>;
  extSub: Output<'subnets.create'>;
  net1: Output<'networks.create'>;
  sub1: Output<'subnets.create'>;
  router: Output<'routers.create'>;
  vmPort: Output<'ports.create'>;
  rif: Output<'routers.addInterface'>;
  fip: Output<'fips.create'>;
};

const stamp = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
const anyId = expect.stringMatching(/^\S+$/);

describe('happy path over HTTP: the worked example (reference §12)', () => {
  it('pods: create the top pod and two bottom pods, get, list, update', async () => {
    s.top = await call('pods.create', { region_name: 'RegionOne' });
    expect(s.top).toEqual({
      pod_id: anyId,
      region_name: 'RegionOne',
      pod_name: 'RegionOne',
      az_name: '',
      pod_az_name: '',
      dc_name: '',
      is_top: true,
      driver: 'lab',
      driver_config: null,
      created_at: stamp,
      updated_at: stamp,
    });
    s.pod1 = await call('pods.create', { region_name: 'Pod1', az_name: 'az1' });
    expect(s.pod1).toMatchObject({ region_name: 'Pod1', pod_name: 'Pod1', az_name: 'az1', pod_az_name: '', is_top: false, driver: 'lab' });
    s.pod2 = await call('pods.create', { pod_name: 'Pod2', az_name: 'az2' });
    expect(s.pod2).toMatchObject({ region_name: 'Pod2', pod_name: 'Pod2', az_name: 'az2', is_top: false });

    expect(await call('pods.get', { pod_id: s.pod1.pod_id })).toEqual(s.pod1);
    const list = await call('pods.list', {});
    expect(list.items.map((p) => p.region_name).sort()).toEqual(['Pod1', 'Pod2', 'RegionOne']);
    expect(list.next_marker).toBeNull();
    expect((await call('pods.list', { az_name: 'az2' })).items).toEqual([s.pod2]);

    const updated = await call('pods.update', { pod_id: s.pod2.pod_id, dc_name: 'dc-west' });
    expect(updated).toEqual({ ...s.pod2, dc_name: 'dc-west', updated_at: stamp });
    s.pod2 = updated;

    const conn = await call('pods.testConnection', { pod_id: s.pod1.pod_id });
    expect(conn).toMatchObject({ reachable: true, error: null });
  });

  it('pods: refuse a second top pod and a duplicate name', async () => {
    await fail('pods.create', { region_name: 'RegionTwo' }, 'TOP_POD_EXISTS', 409);
    await fail('pods.create', { region_name: 'Pod1', az_name: 'az9' }, 'POD_NAME_DUPLICATED', 409);
    await fail('pods.get', { pod_id: 'no-such-pod' }, 'POD_NOT_FOUND', 404);
  });

  it('networks and subnets: the external network in Pod2 and a tenant network in az1', async () => {
    await fail('networks.create', { name: 'ext-net', project_id: 'admin', 'router:external': true }, 'EXTERNAL_NET_POD_NOT_SPECIFIED', 400);
    s.ext = await call('networks.create', {
      name: 'ext-net',
      project_id: 'admin',
      'router:external': true,
      availability_zone_hints: ['Pod2'],
    });
    expect(s.ext).toMatchObject({
      id: anyId,
      name: 'ext-net',
      project_id: 'admin',
      tenant_id: 'admin',
      'router:external': true,
      availability_zone_hints: ['Pod2'],
      admin_state_up: true,
      shared: false,
      subnets: [],
      'crosspod:bridge': null,
    });
    s.extSub = await call('subnets.create', { network_id: s.ext.id, cidr: '162.3.124.0/24', name: 'ext-subnet', enable_dhcp: false });
    expect(s.extSub).toEqual({
      id: anyId,
      name: 'ext-subnet',
      network_id: s.ext.id,
      project_id: 'admin',
      tenant_id: 'admin',
      cidr: '162.3.124.0/24',
      ip_version: 4,
      gateway_ip: '162.3.124.1',
      allocation_pools: [{ start: '162.3.124.2', end: '162.3.124.254' }],
      enable_dhcp: false,
      dns_nameservers: [],
      host_routes: [],
      created_at: stamp,
      updated_at: stamp,
    });
    expect((await call('networks.get', { id: s.ext.id })).subnets).toEqual([s.extSub.id]);

    s.net1 = await call('networks.create', { name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
    expect(s.net1).toMatchObject({ name: 'net1', project_id: 'proj1', 'router:external': false, availability_zone_hints: ['az1'] });
    s.sub1 = await call('subnets.create', { network_id: s.net1.id, cidr: '10.0.1.0/24', name: 'sub1' });
    expect(s.sub1).toMatchObject({
      network_id: s.net1.id,
      project_id: 'proj1',
      cidr: '10.0.1.0/24',
      gateway_ip: '10.0.1.1',
      allocation_pools: [{ start: '10.0.1.2', end: '10.0.1.254' }],
      enable_dhcp: true,
    });
    await fail('subnets.create', { network_id: s.net1.id, cidr: '10.0.1.128/25' }, 'SUBNET_OVERLAP', 400);
    await fail('subnets.create', { network_id: s.net1.id, cidr: '10.0.300.0/24' }, 'INVALID_CIDR', 400);

    const renamed = await call('networks.update', { id: s.net1.id, name: 'net1-renamed' });
    expect(renamed).toMatchObject({ id: s.net1.id, name: 'net1-renamed' });
    expect((await call('networks.update', { id: s.net1.id, name: 'net1' })).name).toBe('net1');

    expect((await call('networks.list', { project_id: 'proj1' })).items.map((n) => n.id)).toEqual([s.net1.id]);
    expect((await call('subnets.list', { network_id: s.ext.id })).items).toEqual([s.extSub]);
    expect(await call('subnets.get', { id: s.sub1.id })).toEqual(s.sub1);
  });

  it('ports: the VM port with an explicit address and MAC, and the lowest free address', async () => {
    s.vmPort = await call('ports.create', {
      network_id: s.net1.id,
      name: 'vm1',
      fixed_ips: [{ subnet_id: s.sub1.id, ip_address: '10.0.1.4' }],
      mac_address: 'fa:16:3e:00:01:04',
      device_owner: 'compute:az1',
      device_id: 'vm-1',
    });
    expect(s.vmPort).toEqual({
      id: anyId,
      name: 'vm1',
      network_id: s.net1.id,
      project_id: 'proj1',
      tenant_id: 'proj1',
      mac_address: 'fa:16:3e:00:01:04',
      fixed_ips: [{ subnet_id: s.sub1.id, ip_address: '10.0.1.4' }],
      device_owner: 'compute:az1',
      device_id: 'vm-1',
      admin_state_up: true,
      status: expect.any(String),
      // The project's default security group, made with the project's first port (issue 15).
      security_groups: [anyId],
      port_security_enabled: true,
      created_at: stamp,
      updated_at: stamp,
    });
    await fail('ports.create', { network_id: s.net1.id, fixed_ips: [{ ip_address: '10.0.1.4' }] }, 'IP_ADDRESS_IN_USE', 409);
    await fail('ports.create', { network_id: s.net1.id, fixed_ips: [{ ip_address: '10.0.2.4' }] }, 'IP_NOT_IN_SUBNET', 400);

    // Lowest free: .1 is the gateway, .2 the DHCP port of the subnet's copy in Pod1 (the VM port
    // put it there), so .3.
    const spare = await call('ports.create', { network_id: s.net1.id });
    expect(spare.fixed_ips).toEqual([{ subnet_id: s.sub1.id, ip_address: '10.0.1.3' }]);
    expect(spare.mac_address).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);
    expect(await call('ports.get', { id: spare.id })).toEqual(spare);
    expect(await call('ports.delete', { id: spare.id })).toEqual({ id: spare.id });
    await fail('ports.get', { id: spare.id }, 'NOT_FOUND', 404);
    expect((await call('ports.list', { network_id: s.net1.id })).items.map((p) => p.id)).toEqual([s.vmPort.id]);
  });

  it('routers: create, interface, gateway with an explicit address', async () => {
    s.router = await call('routers.create', { name: 'R', project_id: 'proj1' });
    expect(s.router).toEqual({
      id: anyId,
      name: 'R',
      project_id: 'proj1',
      tenant_id: 'proj1',
      admin_state_up: true,
      status: 'ACTIVE',
      external_gateway_info: null,
      routes: [],
      created_at: stamp,
      updated_at: stamp,
    });

    s.rif = await call('routers.addInterface', { id: s.router.id, subnet_id: s.sub1.id });
    expect(s.rif).toEqual({
      id: s.router.id,
      tenant_id: 'proj1',
      project_id: 'proj1',
      port_id: anyId,
      subnet_id: s.sub1.id,
      subnet_ids: [s.sub1.id],
      network_id: s.net1.id,
    });
    const rifPort = await call('ports.get', { id: s.rif.port_id });
    expect(rifPort).toMatchObject({
      device_owner: 'network:router_interface',
      device_id: s.router.id,
      fixed_ips: [{ subnet_id: s.sub1.id, ip_address: '10.0.1.1' }],
    });
    await fail('routers.addInterface', { id: s.router.id, subnet_id: s.sub1.id }, 'ROUTER_INTERFACE_EXISTS', 400);

    const gw = await call('routers.setGateway', {
      id: s.router.id,
      network_id: s.ext.id,
      external_fixed_ips: [{ subnet_id: s.extSub.id, ip_address: '162.3.124.2' }],
    });
    expect(gw).toMatchObject({
      id: s.router.id,
      external_gateway_info: {
        network_id: s.ext.id,
        enable_snat: true,
        external_fixed_ips: [{ subnet_id: s.extSub.id, ip_address: '162.3.124.2' }],
      },
    });
    expect(await call('routers.get', { id: s.router.id })).toEqual({ ...gw, updated_at: stamp });

    const upd = await call('routers.update', { id: s.router.id, name: 'T-R' });
    expect(upd).toMatchObject({ id: s.router.id, name: 'T-R', external_gateway_info: gw.external_gateway_info });
    expect((await call('routers.list', { project_id: 'proj1' })).items.map((r) => r.id)).toEqual([s.router.id]);

    await idle();
    // Bottom routers in both pods, recorded in the routing table.
    const routings = await call('routings.list', { top_id: s.router.id });
    expect(routings.items.map((r) => r.pod_id).sort()).toEqual([s.pod1.pod_id, s.pod2.pod_id].sort());
    for (const r of routings.items) expect(r).toMatchObject({ resource_type: 'router', project_id: 'proj1', bottom_id: anyId });
  });

  it('floating IPs: create, associate across pods, path read from the bottoms', async () => {
    s.fip = await call('fips.create', { floating_network_id: s.ext.id, floating_ip_address: '162.3.124.5', project_id: 'proj1' });
    expect(s.fip).toEqual({
      id: anyId,
      project_id: 'proj1',
      tenant_id: 'proj1',
      floating_network_id: s.ext.id,
      floating_ip_address: '162.3.124.5',
      port_id: null,
      fixed_ip_address: null,
      router_id: null,
      status: 'DOWN',
      created_at: stamp,
      updated_at: stamp,
    });
    await fail('fips.create', { floating_network_id: s.ext.id, floating_ip_address: '162.3.124.5' }, 'IP_ADDRESS_IN_USE', 409);
    await fail('fips.create', { floating_network_id: s.net1.id }, 'NOT_EXTERNAL_NETWORK', 400);
    expect(await call('fips.path', { id: s.fip.id })).toEqual({
      id: s.fip.id,
      mode: 'unbound',
      observed_at: expect.any(String),
      hops: [{ role: 'external', address: '162.3.124.5', region: 'Pod2', network_id: s.ext.id, network_name: 'ext-net' }],
      router: null,
    });

    const assoc = await call('fips.associate', { id: s.fip.id, port_id: s.vmPort.id });
    expect(assoc).toMatchObject({
      id: s.fip.id,
      floating_ip_address: '162.3.124.5',
      port_id: s.vmPort.id,
      fixed_ip_address: '10.0.1.4',
      router_id: s.router.id,
    });
    await idle();
    const path = await call('fips.path', { id: s.fip.id });
    expect(path).toEqual({
      id: s.fip.id,
      mode: 'two-step',
      observed_at: expect.any(String),
      router: { id: s.router.id, name: 'T-R' },
      hops: [
        { role: 'external', address: '162.3.124.5', region: 'Pod2', network_id: s.ext.id, network_name: 'ext-net' },
        // .1 is the bridge gateway, .2 the router's N-S gateway port: the first free is .3. It is
        // a floating IP on B1-R's gateway, in Pod1 (§12 step 7).
        {
          role: 'bridge',
          address: '100.128.0.3',
          region: 'Pod1',
          network_id: anyId,
          network_name: 'ns_bridge_net_proj1',
          vlan: expect.any(Number),
        },
        { role: 'fixed', address: '10.0.1.4', region: 'Pod1', network_id: s.net1.id, network_name: 'net1' },
      ],
      // The default security group admits only its members (issue 15).
      admits: { ingress: false, rules: [] },
    });
    expect(path.hops[1].vlan).toBeGreaterThanOrEqual(2001);
    expect(path.hops[1].vlan).toBeLessThanOrEqual(3000);

    expect(await call('fips.get', { id: s.fip.id })).toEqual(assoc);
    expect((await call('fips.list', { port_id: s.vmPort.id })).items).toEqual([assoc]);
    const withPaths = await call('fips.listWithPaths', {});
    expect(withPaths.items).toEqual([{ ...assoc, path: { ...path, observed_at: expect.any(String) } }]);
  });

  it('jobs, audit, quotas and the lab topology reflect what happened', async () => {
    const jobs = await call('jobs.list', {});
    for (const j of jobs.items) expect(j.status).toBe('SUCCESS');
    if (jobs.items.length > 0) expect(await call('jobs.get', { id: jobs.items[0].id })).toEqual(jobs.items[0]);

    const audit = await call('audit.list', { limit: 500 });
    const ops = audit.items.map((a) => a.operation);
    for (const m of ['pods.create', 'networks.create', 'subnets.create', 'ports.create', 'routers.create', 'routers.addInterface', 'routers.setGateway', 'fips.create', 'fips.associate']) {
      expect(ops, m).toContain(m);
    }
    expect(audit.items.every((a) => a.actor === 'http')).toBe(true);
    expect(audit.items.find((a) => a.operation === 'fips.associate')).toMatchObject({ result_code: 'OK' });

    expect(await call('quotas.get', { project_id: 'proj1' })).toEqual({
      project_id: 'proj1',
      network: 100,
      subnet: 100,
      port: 500,
      router: 10,
      floatingip: 50,
    });
    expect(await call('quotas.update', { project_id: 'proj1', router: 3 })).toMatchObject({ project_id: 'proj1', router: 3, network: 100 });

    const topo = await call('lab.topology', { project_id: 'proj1' });
    expect(topo.pods.map((p) => p.region_name).sort()).toEqual(['Pod1', 'Pod2', 'RegionOne']);
    expect(topo.fips.map((f) => f.id)).toEqual([s.fip.id]);
  });
});

describe('bad input: every method refuses it with 400 INVALID_INPUT and changes nothing', () => {
  /** One schema-breaking input per method, with the path of the issue it must name. */
  const bad = {
    'pods.create': [{ region_name: 5 }, 'region_name'],
    'pods.list': [{ limit: 0 }, 'limit'],
    'pods.get': [{}, 'pod_id'],
    'pods.update': [{ pod_id: 'x', driver: 'kvm' }, 'driver'],
    'pods.delete': [{ pod_id: '' }, 'pod_id'],
    'pods.testConnection': [{ pod_id: 1 }, 'pod_id'],
    'pods.health': [{ pod_id: 'x' }, ''],
    'networks.create': [{ name: 'n' }, 'project_id'],
    'networks.createExternal': [{ name: 'x', project_id: 'p', region_name: 'Pod2' }, 'subnet'],
    'networks.list': [{ limit: 'ten' }, 'limit'],
    'networks.get': [{ id: 'x', extra: 1 }, ''],
    'networks.update': [{ id: 'x', admin_state_up: 'yes' }, 'admin_state_up'],
    'networks.delete': [{}, 'id'],
    'subnets.create': [{ network_id: 'x' }, 'cidr'],
    'subnets.list': [{ marker: 5 }, 'marker'],
    'subnets.get': [{ id: null }, 'id'],
    'subnets.update': [{ id: 'x', dns_nameservers: '8.8.8.8' }, 'dns_nameservers'],
    'subnets.delete': [{ id: '' }, 'id'],
    'ports.create': [{ network_id: 'x', mac_address: 'nope' }, 'mac_address'],
    'ports.list': [{ limit: 10_001 }, 'limit'],
    'ports.get': [{ id: ['x'] }, 'id'],
    'ports.update': [{ id: 'x', fixed_ips: [] }, 'fixed_ips'],
    'ports.delete': [{ id: 'x'.repeat(256) }, 'id'],
    'routers.create': [{ name: 'r' }, 'project_id'],
    'routers.list': [{ limit: 1.5 }, 'limit'],
    'routers.get': [{}, 'id'],
    'routers.update': [{ id: 'x', routes: [{ destination: '10.0.0.0/8' }] }, 'routes.0.nexthop'],
    'routers.delete': [{ id: 7 }, 'id'],
    'routers.addInterface': [{ subnet_id: 's' }, 'id'],
    'routers.removeInterface': [{ id: 'r', bogus: true }, ''],
    'routers.setGateway': [{ id: 'r' }, 'network_id'],
    'routers.clearGateway': [{}, 'id'],
    'fips.create': [{}, 'floating_network_id'],
    'fips.list': [{ port_id: { nested: 1 } }, 'port_id'],
    'fips.listWithPaths': [{ limit: -1 }, 'limit'],
    'fips.get': [{ id: false }, 'id'],
    'fips.associate': [{ id: 'f' }, 'port_id'],
    'fips.disassociate': [{ id: 'f', port_id: null }, ''],
    'fips.delete': [{}, 'id'],
    'fips.path': [{ id: '' }, 'id'],
    'secgroups.create': [{ name: 'web' }, 'project_id'],
    'secgroups.list': [{ stateful: { no: 1 } }, 'stateful'],
    'secgroups.get': [{}, 'id'],
    'secgroups.update': [{ id: 'x', stateful: 'yes' }, 'stateful'],
    'secgroups.delete': [{ id: '' }, 'id'],
    'secgroupRules.create': [{ security_group_id: 'g', direction: 'in' }, 'direction'],
    'secgroupRules.list': [{ limit: 0 }, 'limit'],
    'secgroupRules.get': [{ id: 3 }, 'id'],
    'secgroupRules.delete': [{}, 'id'],
    'routings.list': [{ limit: 0 }, 'limit'],
    'routings.delete': [{ id: 'seven' }, 'id'],
    'routings.get': [{ id: 0 }, 'id'],
    'bottoms.list': [{ region_name: 'Pod1', resource: 'security_group' }, 'resource'],
    'bottoms.get': [{ region_name: '', resource: 'port', id: 'x' }, 'region_name'],
    'routings.create': [{ top_id: 't', bottom_id: 'b', pod_id: 'p', project_id: ' ', resource_type: 'network' }, 'project_id'],
    'routings.update': [{ id: 1, pod_id: '   ' }, 'pod_id'],
    'routers.resync': [{}, 'id'],
    'doctor.run': [{ deep: true }, ''],
    'doctor.repair': [{ ids: ['not-a-finding'] }, 'ids.0'],
    'jobs.list': [{ status: ['FAIL'] }, 'status'],
    'jobs.get': [{}, 'id'],
    'jobs.redo': [{ id: 3 }, 'id'],
    'jobs.create': [{ type: 'port_delete', project_id: 'p', router_id: 'r' }, 'type'],
    'jobs.delete': [{ id: '' }, 'id'],
    'audit.list': [{ marker: {} }, 'marker'],
    'audit.export': [{ format: 'xml' }, 'format'],
    'audit.getRetention': [{ days: 1 }, ''],
    'audit.setRetention': [{ max_entries: 5 }, 'max_entries'],
    'audit.undo': [{ id: 'latest' }, 'id'],
    'undo.undo': [{ steps: 2 }, ''],
    'undo.redo': [{ all: true }, ''],
    'undo.state': [{ depth: 1 }, ''],
    'quotas.get': [{}, 'project_id'],
    'quotas.update': [{ project_id: 'p', network: -2 }, 'network'],
    'lab.loadExample': [{ example: 'big' }, ''],
    'lab.topology': [{ project_id: '' }, 'project_id'],
    'topology.summary': [{ project_id: 3 }, 'project_id'],
    'topology.detail': [{ scope: 'region', id: 'x' }, 'scope'],
    'topology.search': [{ q: '   ' }, 'q'],
    'topology.router': [{}, 'id'],
    'topology.network': [{ id: '' }, 'id'],
    'topology.fip': [{ id: '' }, 'id'],
    'view.get': [{ view: '' }, 'view'],
    'view.set': [{ view: 'topology:estate', state: { positions: { a: { x: 'left', y: 0 } }, collapsed: [] } }, 'state.positions.a.x'],
  } satisfies Record<EngineMethod, [unknown, string]>;
  // labs.* are the lab host's (their bad inputs: test/engine/labs.test.ts and test/contract/labs-http.test.ts).
  const engineMethods = methods.filter((m): m is EngineMethod => !isLabMethod(m));

  it('has a bad input for every method in the contract', () => {
    expect(Object.keys(bad).sort()).toEqual([...engineMethods].sort());
  });

  it.each(engineMethods)('%s', async (method) => {
    const [input, path] = bad[method];
    const bodies = [input, [1, 2], 'a string', 42];
    const before = dbChecksum(engine.store.db, ['audit_log']);
    const audit = auditMark(engine.store.db);
    for (const body of bodies) {
      const r = await post(method, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', status: 400, message: expect.any(String) } });
      const issues = r.json.error.details.issues as { path: string; message: string; code: string }[];
      expect(issues.length).toBeGreaterThan(0);
      for (const i of issues) expect(i).toEqual({ path: expect.any(String), message: expect.any(String), code: expect.any(String) });
      if (body === input) expect(issues.map((i) => i.path)).toContain(path);
    }
    await idle();
    expect(dbChecksum(engine.store.db, ['audit_log'])).toEqual(before);
    // The only trace: a refused mutation is audited as the attempt it was.
    expect(audit.since()).toEqual(refusedAudit(method, 'http', bodies.length));
  });
});

describe('happy path over HTTP: taking it all down again', () => {
  it('disassociates, deletes and clears, leaving no bottom resources behind', async () => {
    const dis = await call('fips.disassociate', { id: s.fip.id });
    expect(dis).toMatchObject({ id: s.fip.id, port_id: null, fixed_ip_address: null, router_id: null, floating_ip_address: '162.3.124.5' });
    expect(await call('fips.delete', { id: s.fip.id })).toEqual({ id: s.fip.id });
    await fail('fips.get', { id: s.fip.id }, 'NOT_FOUND', 404);

    await fail('networks.delete', { id: s.net1.id }, 'NETWORK_IN_USE', 409);
    const cleared = await call('routers.clearGateway', { id: s.router.id });
    expect(cleared.external_gateway_info).toBeNull();
    const removed = await call('routers.removeInterface', { id: s.router.id, subnet_id: s.sub1.id });
    expect(removed).toMatchObject({ id: s.router.id, subnet_id: s.sub1.id, port_id: s.rif.port_id, network_id: s.net1.id });
    expect(await call('routers.delete', { id: s.router.id })).toEqual({ id: s.router.id });
    expect(await call('ports.delete', { id: s.vmPort.id })).toEqual({ id: s.vmPort.id });
    expect(await call('subnets.delete', { id: s.sub1.id })).toEqual({ id: s.sub1.id });
    expect(await call('networks.delete', { id: s.net1.id })).toEqual({ id: s.net1.id });
    expect(await call('subnets.delete', { id: s.extSub.id })).toEqual({ id: s.extSub.id });
    expect(await call('networks.delete', { id: s.ext.id })).toEqual({ id: s.ext.id });
    await idle();

    for (const m of ['ports.list', 'subnets.list', 'routers.list', 'fips.list'] as const) {
      expect((await call(m, { project_id: 'proj1' })).items, m).toEqual([]);
    }
    // The last router took the project's bridge networks with it (reference §13 row 4).
    expect((await call('networks.list', {})).items).toEqual([]);
    const topo = await call('lab.topology', {});
    expect(topo.bottoms.map((b) => b.pod_id).sort()).toEqual([s.pod1.pod_id, s.pod2.pod_id].sort());
    for (const b of topo.bottoms) expect(b).toEqual({ pod_id: b.pod_id, networks: [], routers: [], floatingips: [] });
    // Only the bridge subnet pools stay, owned by the top pod and no project.
    const routings = (await call('routings.list', {})).items;
    expect(routings.map((r) => [r.top_id, r.resource_type, r.pod_id, r.project_id]).sort()).toEqual([
      ['ew_bridge_subnet_pool', 'subnetpool', s.top.pod_id, null],
      ['ns_bridge_subnet_pool', 'subnetpool', s.top.pod_id, null],
    ]);
    const spare = await call('pods.create', { region_name: 'Pod9', az_name: 'az9' });
    expect(await call('pods.delete', { pod_id: spare.pod_id })).toEqual({ pod_id: spare.pod_id });
    await fail('pods.get', { pod_id: spare.pod_id }, 'POD_NOT_FOUND', 404);
  });
});

describe('server-sent events', () => {
  /** Opens /api/events and collects what arrives until `until` says stop. */
  function stream(headers: Record<string, string>, until: (text: string) => boolean, after?: () => Promise<unknown>) {
    return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/api/events', headers }, (res) => {
        let text = '';
        let started = false;
        const timer = setTimeout(() => {
          req.destroy();
          reject(new Error(`timed out; got ${JSON.stringify(text)}`));
        }, 10_000);
        res.on('data', (c: Buffer) => {
          text += c.toString('utf8');
          if (!started && text.includes(': connected')) {
            started = true;
            after?.().catch(reject);
          }
          if (until(text)) {
            clearTimeout(timer);
            req.destroy();
            resolve({ status: res.statusCode!, headers: res.headers, text });
          }
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode!, headers: res.headers, text });
        });
      });
      req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
      req.end();
    });
  }

  const events = (text: string): EngineEvent[] =>
    text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as EngineEvent);

  it('streams pods.changed with the new pod id', async () => {
    let created: Output<'pods.create'> | undefined;
    const r = await stream(
      auth,
      (text) => created !== undefined && events(text).some((e) => e.name === 'pods.changed' && e.ids.includes(created!.pod_id)),
      async () => {
        created = await call('pods.create', { region_name: 'Pod3', az_name: 'az3' });
      },
    );
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-store');
    const e = events(r.text).find((x) => x.name === 'pods.changed')!;
    expect(e).toEqual({ name: 'pods.changed', ids: [created!.pod_id] });
    expect(r.text).toMatch(/^retry: \d+\n/);
    expect(r.text).toMatch(/\nid: \d+\ndata: /);
  });

  it('accepts the cookie, and refuses no token', async () => {
    const ok = await stream({ Cookie: `crosspod_token_${server.port}=${TOKEN}` }, (t) => t.includes(': connected'));
    expect(ok.status).toBe(200);
    const no = await raw('/api/events');
    expect(no.status).toBe(401);
  });

  it('sends heartbeats and stops streaming when the server closes', async () => {
    const hbEngine = engine;
    const hb = await startServer({ engine: hbEngine, port: 0, token: TOKEN, heartbeatMs: 20, staticDir: join(dir, 'renderer') });
    const text = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: hb.port, path: '/api/events', headers: auth }, (res) => {
        let t = '';
        res.on('data', (c: Buffer) => {
          t += c.toString('utf8');
          if ((t.match(/: ping\n\n/g) ?? []).length >= 2) void hb.close();
        });
        res.on('end', () => resolve(t));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(text.match(/: ping\n\n/g)!.length).toBeGreaterThanOrEqual(2);
  });
});

async function idle(): Promise<void> {
  await engine.idle();
}
