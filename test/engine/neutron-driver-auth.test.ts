// The neutron driver's HTTP behaviour against a tiny fake Keystone v3 + Neutron on 127.0.0.1:
// token and catalog, renewal before expires_at, one re-auth after a 401, retries only for
// idempotent calls, timeouts, pagination and the Neutron error mapping. No real Neutron here.
// The password path itself (project-scoped token, catalog by region and interface, re-auth after a
// revocation, a wrong password) is tested against a real Keystone in test/neutron/keystone.test.ts;
// this fake stays for what a real Keystone cannot be made to do in a test: tokens that expire
// within a second, and a Neutron that answers 503, 401 forever or nothing at all.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CrosspodError } from '../../shared/errors';
import { createNeutronDriver, type NeutronDriverOptions } from '../../main/engine/drivers/neutron';
import { mapNeutronError } from '../../main/engine/drivers/neutron/errors';

const PASSWORD = 's3cret-pw-do-not-log';

interface Fake {
  url: string;
  /** Token lifetime Keystone grants, in ms. */
  lifetimeMs: number;
  tokens: Map<string, number>; // token → expires_at (ms)
  authBodies: unknown[];
  seen: { method: string; path: string; token: string | null }[];
  /** Next N Neutron requests answer 503. */
  fail503: number;
  /** Neutron answers 401 to every request. */
  reject401: boolean;
  /** Neutron never answers. */
  hang: boolean;
  networks: { id: string; name: string; tenant_id: string }[];
  issued: number;
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function neutronError(res: http.ServerResponse, status: number, type: string, message: string) {
  json(res, status, { NeutronError: { type, message, detail: '' } });
}

async function startFake(): Promise<{ fake: Fake; close: () => Promise<void> }> {
  const fake: Fake = {
    url: '',
    lifetimeMs: 3600_000,
    tokens: new Map(),
    authBodies: [],
    seen: [],
    fail503: 0,
    reject401: false,
    hang: false,
    networks: [],
    issued: 0,
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', fake.url);
      if (req.method === 'POST' && url.pathname === '/identity/v3/auth/tokens') {
        const body = JSON.parse(raw);
        fake.authBodies.push(body);
        const user = body.auth.identity.password.user;
        if (user.name !== 'crosspod' || user.password !== PASSWORD) {
          return json(res, 401, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
        }
        const token = `tok-${++fake.issued}`;
        const expires = Date.now() + fake.lifetimeMs;
        fake.tokens.set(token, expires);
        const ep = (region: string, iface: string, path: string) => ({ id: `${region}-${iface}`, interface: iface, region_id: region, region, url: `${fake.url}${path}` });
        return json(
          res,
          201,
          {
            token: {
              expires_at: new Date(expires).toISOString(),
              catalog: [
                { type: 'identity', name: 'keystone', endpoints: [ep('RegionOne', 'public', '/identity/v3')] },
                {
                  type: 'network',
                  name: 'neutron',
                  endpoints: [
                    ep('RegionOne', 'public', '/neutron-one'),
                    ep('RegionTwo', 'internal', '/wrong-interface'),
                    ep('RegionTwo', 'public', '/neutron-two/'),
                  ],
                },
              ],
            },
          },
          { 'X-Subject-Token': token },
        );
      }
      const token = (req.headers['x-auth-token'] as string | undefined) ?? null;
      fake.seen.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, token });
      if (fake.hang) return; // never answers
      if (!url.pathname.startsWith('/neutron-two/v2.0')) return neutronError(res, 404, 'HTTPNotFound', 'wrong endpoint');
      const exp = token ? fake.tokens.get(token) : undefined;
      if (fake.reject401 || exp === undefined || exp < Date.now()) return json(res, 401, { error: 'Authentication required' });
      if (fake.fail503 > 0) {
        fake.fail503--;
        return neutronError(res, 503, 'ServiceUnavailable', 'try later');
      }
      const path = url.pathname.slice('/neutron-two/v2.0'.length);
      if (req.method === 'GET' && path === '/') return json(res, 200, { resources: [] });
      if (req.method === 'GET' && path === '/extensions') {
        return json(res, 200, { extensions: ['router', 'external-net', 'extraroute', 'quotas'].map((alias) => ({ alias, name: alias })) });
      }
      if (req.method === 'GET' && path === '/networks') {
        const limit = Number(url.searchParams.get('limit') ?? 1000);
        const marker = url.searchParams.get('marker');
        const name = url.searchParams.get('name');
        let list = fake.networks.filter((x) => name === null || x.name === name);
        if (marker) list = list.slice(list.findIndex((x) => x.id === marker) + 1);
        const page = list.slice(0, limit);
        const body: Record<string, unknown> = { networks: page };
        if (page.length === limit) {
          // An absolute href naming another host: the driver must keep its own endpoint.
          body.networks_links = [{ rel: 'next', href: `http://internal-vip:9696/v2.0/networks?limit=${limit}&marker=${page[page.length - 1].id}` }];
        }
        return json(res, 200, body);
      }
      if (req.method === 'POST' && path === '/networks') {
        const b = JSON.parse(raw).network;
        const net = { id: `net-${fake.networks.length + 1}`, name: b.name, tenant_id: b.project_id };
        fake.networks.push(net);
        return json(res, 201, { network: { ...net, status: 'ACTIVE', admin_state_up: true, subnets: [] } });
      }
      if (req.method === 'GET' && path.startsWith('/networks/')) {
        const found = fake.networks.find((x) => x.id === path.slice('/networks/'.length));
        return found ? json(res, 200, { network: { ...found, status: 'ACTIVE', subnets: [] } }) : neutronError(res, 404, 'NetworkNotFound', 'Network could not be found.');
      }
      if (req.method === 'DELETE' && path.startsWith('/networks/')) {
        const i = fake.networks.findIndex((x) => x.id === path.slice('/networks/'.length));
        if (i < 0) return neutronError(res, 404, 'NetworkNotFound', 'Network could not be found.');
        fake.networks.splice(i, 1);
        res.writeHead(204).end();
        return;
      }
      return neutronError(res, 404, 'HTTPNotFound', 'no such path');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    fake,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function errorOf(p: Promise<unknown>): Promise<CrosspodError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CrosspodError);
    return e as CrosspodError;
  }
  throw new Error('expected a CrosspodError, got success');
}

describe('neutron driver over Keystone v3 (fake server)', () => {
  let fake: Fake;
  let close: () => Promise<void>;
  const cfg = (over: Partial<NeutronDriverOptions> = {}): NeutronDriverOptions => ({
    auth_type: 'password',
    auth_url: `${fake.url}/identity/v3`,
    username: 'crosspod',
    password: PASSWORD,
    user_domain_name: 'Default',
    project_name: 'admin',
    project_domain_name: 'Default',
    region_name: 'RegionTwo',
    retry_backoff_ms: 5,
    ...over,
  });

  beforeAll(async () => {
    ({ fake, close } = await startFake());
  });
  afterAll(() => close());
  beforeEach(() => {
    Object.assign(fake, { lifetimeMs: 3600_000, authBodies: [], seen: [], fail503: 0, reject401: false, hang: false, networks: [], issued: 0 });
    fake.tokens.clear();
  });

  it('authenticates once with project scope and uses the region’s public network endpoint', async () => {
    const d = createNeutronDriver(cfg());
    const created = await d.create('network', { name: 'n1', project_id: 'p1' });
    expect(created).toMatchObject({ id: 'net-1', name: 'n1', project_id: 'p1', 'provider:network_type': null, 'router:external': false });
    expect(await d.get('network', 'net-1')).toMatchObject({ id: 'net-1', project_id: 'p1' });
    expect(fake.authBodies).toEqual([
      {
        auth: {
          identity: { methods: ['password'], password: { user: { name: 'crosspod', domain: { name: 'Default' }, password: PASSWORD } } },
          scope: { project: { name: 'admin', domain: { name: 'Default' } } },
        },
      },
    ]);
    expect(fake.seen).toEqual([
      { method: 'POST', path: '/neutron-two/v2.0/networks', token: 'tok-1' },
      { method: 'GET', path: '/neutron-two/v2.0/networks/net-1', token: 'tok-1' },
    ]);
    expect(d.stats()).toEqual({ calls: 2, retries: 0, auth_calls: 1 });
  });

  it('renews the token before expires_at', async () => {
    fake.lifetimeMs = 1200; // renewed once half the lifetime is gone
    const d = createNeutronDriver(cfg());
    await d.list('network');
    await d.list('network');
    expect(fake.seen.map((s) => s.token)).toEqual(['tok-1', 'tok-1']);
    await new Promise((r) => setTimeout(r, 700));
    await d.list('network');
    expect(fake.seen.map((s) => s.token)).toEqual(['tok-1', 'tok-1', 'tok-2']);
    expect(d.stats()).toEqual({ calls: 3, retries: 0, auth_calls: 2 });
  });

  it('re-authenticates once after a 401, even for a POST', async () => {
    const d = createNeutronDriver(cfg());
    await d.list('network');
    fake.tokens.clear(); // Keystone revoked every token
    const net = await d.create('network', { name: 'after-revoke', project_id: 'p1' });
    expect(net.name).toBe('after-revoke');
    expect(fake.seen.map((s) => [s.method, s.token])).toEqual([
      ['GET', 'tok-1'],
      ['POST', 'tok-1'],
      ['POST', 'tok-2'],
    ]);
    expect(fake.networks).toHaveLength(1);
    expect(d.stats()).toEqual({ calls: 3, retries: 0, auth_calls: 2 });
  });

  it('gives POD_AUTH_FAILED when Neutron keeps answering 401 after the re-auth', async () => {
    fake.reject401 = true;
    const d = createNeutronDriver(cfg());
    const e = await errorOf(d.get('network', 'net-1'));
    expect(e.code).toBe('POD_AUTH_FAILED');
    expect(e.details).toMatchObject({ status: 401, method: 'GET', path: '/v2.0/networks/net-1' });
    expect(d.stats()).toEqual({ calls: 2, retries: 0, auth_calls: 2 });
  });

  it('gives POD_AUTH_FAILED for a wrong password and never puts a secret in the error', async () => {
    const d = createNeutronDriver(cfg({ password: 'wrong-password' }));
    const e = await errorOf(d.list('network'));
    expect(e.code).toBe('POD_AUTH_FAILED');
    expect(e.status).toBe(502);
    expect(JSON.stringify({ ...e.toBody(), stack: e.stack })).not.toContain('wrong-password');
    expect(fake.seen).toEqual([]);
    expect(await d.health()).toEqual({
      reachable: true,
      auth: 'failed',
      extensions: { router: false, 'external-net': false, extraroute: false },
      error: { code: 'POD_AUTH_FAILED', message: expect.stringContaining('crosspod') },
    });
  });

  it('refuses a region with no network endpoint in the catalog', async () => {
    const d = createNeutronDriver(cfg({ region_name: 'RegionNine' }));
    const e = await errorOf(d.list('network'));
    expect(e.code).toBe('POD_UNREACHABLE');
    expect(e.message).toContain('RegionNine');
  });

  it('reports health: reachable, auth ok and the extensions', async () => {
    const d = createNeutronDriver(cfg());
    expect(await d.health()).toEqual({ reachable: true, auth: 'ok', extensions: { router: true, 'external-net': true, extraroute: true }, error: null });
    expect(fake.seen.map((s) => s.path)).toEqual(['/neutron-two/v2.0/', '/neutron-two/v2.0/extensions']);
  });

  it('retries a GET after 5xx with backoff, never a POST', async () => {
    const d = createNeutronDriver(cfg());
    fake.fail503 = 2;
    expect(await d.list('network')).toEqual([]);
    expect(d.stats()).toEqual({ calls: 3, retries: 2, auth_calls: 1 });
    fake.fail503 = 3;
    const e = await errorOf(d.list('network'));
    expect(e.code).toBe('BOTTOM_POD_OPERATION_FAILURE');
    expect(e.details).toMatchObject({ status: 503, neutron_type: 'ServiceUnavailable' });
    expect(d.stats().calls).toBe(6);
    fake.fail503 = 1;
    const p = await errorOf(d.create('network', { name: 'x', project_id: 'p1' }));
    expect(p.code).toBe('BOTTOM_POD_OPERATION_FAILURE');
    expect(d.stats().calls).toBe(7);
    expect(fake.networks).toEqual([]);
  });

  it('treats a 404 on a retried DELETE as done', async () => {
    const d = createNeutronDriver(cfg());
    const n = await d.create('network', { name: 'gone', project_id: 'p1' });
    await d.delete('network', n.id);
    expect((await errorOf(d.delete('network', n.id))).code).toBe('NOT_FOUND');
    fake.fail503 = 1;
    await expect(d.delete('network', n.id)).resolves.toBeUndefined();
  });

  it('times out with POD_TIMEOUT and does not retry a timeout', async () => {
    const d = createNeutronDriver(cfg({ timeout_ms: 150 }));
    fake.hang = true;
    const t0 = Date.now();
    const e = await errorOf(d.list('network'));
    expect(e.code).toBe('POD_TIMEOUT');
    expect(e.status).toBe(504);
    expect(e.details).toMatchObject({ method: 'GET', path: '/v2.0/networks', timeout_ms: 150 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(d.stats().calls).toBe(1);
  });

  it('follows next links page by page on its own endpoint', async () => {
    fake.networks = Array.from({ length: 5 }, (_, i) => ({ id: `net-${i + 1}`, name: i % 2 ? 'odd' : 'even', tenant_id: 'p1' }));
    const d = createNeutronDriver(cfg({ page_size: 2 }));
    expect((await d.list('network')).map((x) => x.id)).toEqual(['net-1', 'net-2', 'net-3', 'net-4', 'net-5']);
    expect(fake.seen.map((s) => s.path)).toEqual([
      '/neutron-two/v2.0/networks?limit=2',
      '/neutron-two/v2.0/networks?limit=2&marker=net-2',
      '/neutron-two/v2.0/networks?limit=2&marker=net-4',
    ]);
    fake.seen = [];
    expect((await d.list('network', { name: 'odd' })).map((x) => x.id)).toEqual(['net-2', 'net-4']);
    expect(fake.seen.map((s) => s.path)).toEqual(['/neutron-two/v2.0/networks?name=odd&limit=2', '/neutron-two/v2.0/networks?limit=2&marker=net-4']);
  });

  it('reports a closed port as unreachable, retrying GETs only', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    const d = createNeutronDriver({ auth_type: 'noauth', endpoint: `http://127.0.0.1:${port}/`, retry_backoff_ms: 5 });
    const e = await errorOf(d.get('router', 'r1'));
    expect(e.code).toBe('POD_UNREACHABLE');
    expect(e.details).toMatchObject({ method: 'GET', path: '/v2.0/routers/r1', cause: 'ECONNREFUSED' });
    expect(d.stats()).toEqual({ calls: 3, retries: 2, auth_calls: 0 });
    await errorOf(d.create('router', { name: 'r', project_id: 'p' }));
    expect(d.stats().calls).toBe(4);
  });

  it('checks its configuration', () => {
    expect(() => createNeutronDriver({ auth_type: 'noauth' })).toThrow(/endpoint/);
    const e = (() => {
      try {
        createNeutronDriver({ auth_type: 'password', auth_url: 'http://127.0.0.1:1/v3', username: 'u' });
      } catch (err) {
        return err as CrosspodError;
      }
      throw new Error('no error');
    })();
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.details).toEqual({ fields: ['password', 'project_name'] });
  });
});

describe('Neutron error mapping', () => {
  const ctx = { method: 'PUT', path: '/v2.0/routers/r/add_router_interface' };
  const body = (type: string, message = 'm') => JSON.stringify({ NeutronError: { type, message, detail: '' } });
  it.each([
    [409, 'IpAddressAlreadyAllocated', 'x', 'IP_ADDRESS_IN_USE'],
    [409, 'IpAddressInUse', 'x', 'IP_ADDRESS_IN_USE'],
    [409, 'PortInUse', 'x', 'PORT_IN_USE'],
    [409, 'RouterInUse', 'x', 'ROUTER_IN_USE'],
    [409, 'RouterInterfaceInUseByRoute', 'x', 'ROUTER_IN_USE'],
    [404, 'ExternalGatewayForFloatingIPNotFound', 'x', 'EXTERNAL_GATEWAY_NOT_FOUND'],
    [400, 'BadRequest', 'Bad router request: Router already has a port on subnet s1.', 'ROUTER_INTERFACE_EXISTS'],
    [400, 'BadRequest', 'Bad router request: something else', 'BAD_REQUEST'],
    [404, 'PortNotFound', 'x', 'NOT_FOUND'],
    [404, 'HTTPNotFound', 'x', 'NOT_FOUND'],
    [409, 'SubnetInUse', 'x', 'SUBNET_IN_USE'],
    [409, 'NetworkInUse', 'x', 'NETWORK_IN_USE'],
    [409, 'ServicePortInUse', 'x', 'PORT_IN_USE'],
    [404, 'RouterInterfaceNotFoundForSubnet', 'x', 'ROUTER_INTERFACE_NOT_FOUND'],
    [404, 'RouterInterfaceNotFound', 'x', 'ROUTER_INTERFACE_NOT_FOUND'],
    [404, 'RouterNotFound', 'x', 'NOT_FOUND'],
    [409, 'FloatingIPPortAlreadyAssociated', 'x', 'FLOATING_IP_ASSOCIATED'],
    [409, 'IpAddressGenerationFailure', 'x', 'SUBNET_EXHAUSTED'],
    [400, 'InvalidIpForNetwork', 'x', 'IP_NOT_IN_SUBNET'],
    [400, 'InvalidIpForSubnet', 'x', 'IP_NOT_IN_SUBNET'],
    [400, 'InvalidInput', 'Invalid input for operation: Requested subnet with cidr: 10.0.1.0/24 for network: n overlaps with another subnet.', 'SUBNET_OVERLAP'],
    [400, 'BadRequest', 'Bad router request: Cidr 10.0.1.0/24 of subnet a overlaps with cidr 10.0.0.0/16 of subnet b.', 'SUBNET_OVERLAP'],
    [409, 'FlatNetworkInUse', 'x', 'CONFLICT'],
    [409, 'MacAddressInUse', 'x', 'CONFLICT'],
    [409, 'OverQuota', 'x', 'OVER_QUOTA'],
    [400, 'InvalidInput', 'x', 'BAD_REQUEST'],
    [401, 'HTTPUnauthorized', 'x', 'POD_AUTH_FAILED'],
    [403, 'HTTPForbidden', 'x', 'POD_AUTH_FAILED'],
    [500, 'HTTPInternalServerError', 'x', 'BOTTOM_POD_OPERATION_FAILURE'],
    [503, 'ServiceUnavailable', 'x', 'BOTTOM_POD_OPERATION_FAILURE'],
  ])('%i %s → %s', (status, type, message, code) => {
    const e = mapNeutronError(status, body(type, message), ctx);
    expect(e.code).toBe(code);
    expect(e.details).toEqual({ status, neutron_type: type, method: 'PUT', path: ctx.path });
  });

  it('maps any 409 on remove_router_interface to ROUTER_IN_USE', () => {
    expect(mapNeutronError(409, body('Conflict'), { method: 'PUT', path: '/v2.0/routers/r/remove_router_interface' }).code).toBe('ROUTER_IN_USE');
  });

  it('copes with a body that is not Neutron JSON', () => {
    const e = mapNeutronError(502, '<html><body>Bad Gateway</body></html>', { method: 'GET', path: '/v2.0/ports' });
    expect(e.code).toBe('BOTTOM_POD_OPERATION_FAILURE');
    expect(e.message).toBe('<html><body>Bad Gateway</body></html>');
    expect(e.details).toEqual({ status: 502, neutron_type: null, method: 'GET', path: '/v2.0/ports' });
  });
});
