// The OpenStack Networking API (/v2.0) of headless mode, over HTTP with fetch, against a real
// engine on a temporary SQLite file with lab pods: discovery, auth, the reference's worked
// example with exact values, list filters and pagination, and Neutron-format errors.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../main/engine/index';
import { fileKeySecretBox } from '../../main/engine/secrets/file-key';
import type { Engine } from '../../main/engine/types';
import { startServer, type RunningServer } from '../../main/serve/server';
import { auditMark, dbChecksum } from './checksum';

const TOKEN = 'neutron-api-test-token-7c2e';
const INDEX_HTML = '<!doctype html><title>Crosspod</title>';
const auth = { 'X-Auth-Token': TOKEN };

let dir: string;
let engine: Engine;
let server: RunningServer;
let origin: string;

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

async function req(method: string, path: string, body?: unknown, headers: Record<string, string> = auth): Promise<Reply> {
  const r = await fetch(`${origin}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json };
}

const get = (path: string, headers?: Record<string, string>) => req('GET', path, undefined, headers);

/** A request that must answer `status`; returns the JSON body. */
async function ok(method: string, path: string, body: unknown, status: number, headers?: Record<string, string>) {
  const r = await req(method, path, body, headers);
  expect(r.status, `${method} ${path}: ${r.text}`).toBe(status);
  return r.json;
}

/** A request that must fail in Neutron's format with this status and type. */
async function neutronFail(method: string, path: string, body: unknown, status: number, type: string, headers?: Record<string, string>) {
  const r = await req(method, path, body, headers);
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(r.json).toEqual({ NeutronError: { type, message: expect.any(String), detail: '' } });
  return r.json.NeutronError.message as string;
}

async function api(method: string, body: unknown): Promise<any> {
  const r = await req('POST', `/api/${method}`, body);
  if (!r.json?.ok) throw new Error(`${method}: ${r.text}`);
  return r.json.value;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-neutron-api-'));
  const staticDir = join(dir, 'renderer');
  mkdirSync(staticDir, { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), INDEX_HTML);
  engine = await createEngine({ dbPath: join(dir, 'crosspod.db'), secrets: fileKeySecretBox(join(dir, 'secret.key')) });
  server = await startServer({ engine, port: 0, token: TOKEN, staticDir });
  origin = `http://127.0.0.1:${server.port}`;
  await api('pods.create', { region_name: 'RegionOne' });
  await api('pods.create', { region_name: 'Pod1', az_name: 'az1' });
  await api('pods.create', { region_name: 'Pod2', az_name: 'az2' });
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('auth', () => {
  it('answers 401 in Neutron format without the token or with a wrong one, and changes nothing', async () => {
    const before = dbChecksum(engine.store.db);
    for (const headers of [{}, { 'X-Auth-Token': 'wrong' }, { 'X-Auth-Token': `${TOKEN}x` }] as Record<string, string>[]) {
      await neutronFail('GET', '/v2.0/networks', undefined, 401, 'HTTPUnauthorized', headers);
      await neutronFail('GET', '/v2.0', undefined, 401, 'HTTPUnauthorized', headers);
      await neutronFail('POST', '/v2.0/networks', { network: { name: 'x' } }, 401, 'HTTPUnauthorized', headers);
      await neutronFail('GET', '/', undefined, 401, 'HTTPUnauthorized', { ...headers, Accept: 'application/json' });
    }
    expect(dbChecksum(engine.store.db)).toEqual(before);
  });

  it('accepts the console cookie as well as X-Auth-Token', async () => {
    const r = await get('/v2.0/networks', { Cookie: `crosspod_token_${server.port}=${TOKEN}` });
    expect(r.status).toBe(200);
  });
});

describe('discovery', () => {
  it('serves the versions document at / to JSON clients, and the console to browsers', async () => {
    const r = await get('/', { ...auth, Accept: 'application/json' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${origin}/v2.0/`, rel: 'self' }] }] });
    const page = await get('/', { ...auth, Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' });
    expect(page.text).toBe(INDEX_HTML);
    expect((await get('/', auth)).text).toBe(INDEX_HTML);
  });

  it('lists the resources at /v2.0 and /v2.0/', async () => {
    for (const path of ['/v2.0', '/v2.0/']) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.json.resources.map((x: { collection: string }) => x.collection)).toEqual(['networks', 'subnets', 'ports', 'routers', 'floatingips', 'security-groups', 'security-group-rules']);
      expect(r.json.resources[0]).toEqual({ name: 'network', collection: 'networks', links: [{ href: `${origin}/v2.0/networks`, rel: 'self' }] });
    }
  });

  it('advertises the extensions it serves, one by alias, and 404 for others', async () => {
    const r = await get('/v2.0/extensions');
    const aliases = r.json.extensions.map((e: { alias: string }) => e.alias);
    for (const a of ['router', 'external-net', 'extraroute', 'extraroute-atomic', 'ext-gw-mode', 'availability_zone', 'network_availability_zone', 'provider', 'pagination', 'security-group', 'port-security']) {
      expect(aliases).toContain(a);
    }
    expect(r.json.extensions[0]).toEqual({ alias: 'router', name: 'Neutron L3 Router', description: expect.any(String), updated: expect.any(String), links: [] });
    expect((await get('/v2.0/extensions/external-net')).json.extension).toMatchObject({ alias: 'external-net', name: 'Neutron external network' });
    await neutronFail('GET', '/v2.0/extensions/dvr', undefined, 404, 'ExtensionNotFound');
  });

  it('lists the bottom pods’ availability zones for networks and routers', async () => {
    const r = await get('/v2.0/availability_zones');
    expect(r.json).toEqual({
      availability_zones: [
        { name: 'az1', resource: 'network', state: 'available' },
        { name: 'az1', resource: 'router', state: 'available' },
        { name: 'az2', resource: 'network', state: 'available' },
        { name: 'az2', resource: 'router', state: 'available' },
      ],
    });
    expect((await get('/v2.0/availability_zones?resource=router')).json.availability_zones.map((z: { name: string }) => z.name)).toEqual(['az1', 'az2']);
  });

  it('answers Keystone project lookups (OSC sends them for --project): projects are plain ids', async () => {
    const json = { ...auth, Accept: 'application/json' };
    expect((await get('/projects/proj1', json)).json.project).toMatchObject({ id: 'proj1', name: 'proj1', domain_id: 'default', enabled: true });
    expect((await get('/projects?name=proj9', json)).json.projects).toMatchObject([{ id: 'proj9', name: 'proj9' }]);
  });
});

describe('the worked example through /v2.0', () => {
  const ids: Record<string, string> = {};

  it('creates the external network in Pod2 (project admin by default) and its subnet', async () => {
    const mark = auditMark(engine.store.db);
    const net = (await ok('POST', '/v2.0/networks', { network: { name: 'ext-net', 'router:external': true, availability_zone_hints: ['Pod2'], admin_state_up: true } }, 201)).network;
    expect(net).toMatchObject({ name: 'ext-net', project_id: 'admin', tenant_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'], admin_state_up: true, status: 'ACTIVE', subnets: [], description: '', tags: [] });
    ids.ext = net.id;
    const sub = (await ok('POST', '/v2.0/subnets', { subnet: { name: 'ext-sub', network_id: net.id, cidr: '162.3.124.0/24', ip_version: 4, enable_dhcp: false } }, 201)).subnet;
    expect(sub).toMatchObject({ name: 'ext-sub', network_id: net.id, project_id: 'admin', cidr: '162.3.124.0/24', ip_version: 4, gateway_ip: '162.3.124.1', enable_dhcp: false, allocation_pools: [{ start: '162.3.124.2', end: '162.3.124.254' }], dns_nameservers: [], host_routes: [] });
    ids.extSub = sub.id;
    expect(mark.since().map((r) => [r.actor, r.operation, r.result_code])).toEqual([
      ['neutron-api', 'networks.create', 'OK'],
      ['neutron-api', 'subnets.create', 'OK'],
    ]);
  });

  it('creates net1 in az1 for proj1 (X-Project-Id), its subnet inheriting the project, and router R (tenant_id)', async () => {
    const net = (await ok('POST', '/v2.0/networks', { network: { name: 'net1', availability_zone_hints: ['az1'] } }, 201, { ...auth, 'X-Project-Id': 'proj1' })).network;
    expect(net).toMatchObject({ name: 'net1', project_id: 'proj1', 'router:external': false, availability_zone_hints: ['az1'] });
    ids.net1 = net.id;
    const sub = (await ok('POST', '/v2.0/subnets', { subnet: { name: 'sub1', network_id: net.id, cidr: '10.0.1.0/24', ip_version: 4 } }, 201)).subnet;
    expect(sub).toMatchObject({ project_id: 'proj1', gateway_ip: '10.0.1.1', enable_dhcp: true });
    ids.sub1 = sub.id;
    const router = (await ok('POST', '/v2.0/routers', { router: { name: 'R', tenant_id: 'proj1', admin_state_up: true } }, 201)).router;
    expect(router).toMatchObject({ name: 'R', project_id: 'proj1', external_gateway_info: null, routes: [], status: 'ACTIVE' });
    ids.router = router.id;
  });

  it('adds the interface: Neutron’s unwrapped interface info', async () => {
    const info = await ok('PUT', `/v2.0/routers/${ids.router}/add_router_interface`, { subnet_id: ids.sub1 }, 200);
    expect(info).toEqual({ id: ids.router, tenant_id: 'proj1', project_id: 'proj1', port_id: expect.any(String), subnet_id: ids.sub1, subnet_ids: [ids.sub1], network_id: ids.net1 });
    const port = (await ok('GET', `/v2.0/ports/${info.port_id}`, undefined, 200)).port;
    expect(port).toMatchObject({ device_owner: 'network:router_interface', device_id: ids.router, fixed_ips: [{ subnet_id: ids.sub1, ip_address: '10.0.1.1' }] });
  });

  it('sets the gateway with PUT external_gateway_info (routers.setGateway)', async () => {
    const mark = auditMark(engine.store.db);
    const body = { router: { external_gateway_info: { network_id: ids.ext, external_fixed_ips: [{ subnet_id: ids.extSub, ip_address: '162.3.124.2' }] } } };
    const r = (await ok('PUT', `/v2.0/routers/${ids.router}`, body, 200)).router;
    expect(r.external_gateway_info).toEqual({ network_id: ids.ext, enable_snat: true, external_fixed_ips: [{ subnet_id: ids.extSub, ip_address: '162.3.124.2' }] });
    expect(mark.since().map((x) => x.operation)).toEqual(['routers.setGateway']);
  });

  it('creates the VM port at 10.0.1.4 (admin_state_up true is accepted, false refused)', async () => {
    await neutronFail('POST', '/v2.0/ports', { port: { network_id: ids.net1, admin_state_up: false } }, 400, 'HTTPBadRequest');
    const port = (await ok('POST', '/v2.0/ports', { port: { name: 'vm1', network_id: ids.net1, admin_state_up: true, fixed_ips: [{ subnet_id: ids.sub1, ip_address: '10.0.1.4' }] } }, 201)).port;
    expect(port).toMatchObject({ name: 'vm1', project_id: 'proj1', network_id: ids.net1, fixed_ips: [{ subnet_id: ids.sub1, ip_address: '10.0.1.4' }], admin_state_up: true });
    ids.vm = port.id;
  });

  it('refuses a second port at 10.0.1.4 with 409 IpAddressInUse', async () => {
    const msg = await neutronFail('POST', '/v2.0/ports', { port: { network_id: ids.net1, fixed_ips: [{ ip_address: '10.0.1.4' }] } }, 409, 'IpAddressInUse');
    expect(msg).toContain('10.0.1.4');
  });

  it('creates floating IP 162.3.124.5 with the port: two-step DNAT through 100.128.0.3', async () => {
    const fip = (await ok('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ids.ext, floating_ip_address: '162.3.124.5', port_id: ids.vm } }, 201)).floatingip;
    expect(fip).toMatchObject({ floating_ip_address: '162.3.124.5', floating_network_id: ids.ext, port_id: ids.vm, fixed_ip_address: '10.0.1.4', router_id: ids.router, project_id: 'proj1' });
    ids.fip = fip.id;
    const path = await api('fips.path', { id: fip.id });
    expect(path.mode).toBe('two-step');
    expect(path.hops.map((h: { address: string; region: string }) => [h.address, h.region])).toEqual([
      ['162.3.124.5', 'Pod2'],
      ['100.128.0.3', 'Pod1'],
      ['10.0.1.4', 'Pod1'],
    ]);
  });

  it('PUT port_id null disassociates, PUT port_id associates again', async () => {
    const off = (await ok('PUT', `/v2.0/floatingips/${ids.fip}`, { floatingip: { port_id: null } }, 200)).floatingip;
    expect(off).toMatchObject({ port_id: null, fixed_ip_address: null, router_id: null });
    expect((await api('fips.path', { id: ids.fip })).mode).toBe('unbound');
    const on = (await ok('PUT', `/v2.0/floatingips/${ids.fip}`, { floatingip: { port_id: ids.vm } }, 200)).floatingip;
    expect(on).toMatchObject({ port_id: ids.vm, fixed_ip_address: '10.0.1.4' });
    expect((await api('fips.path', { id: ids.fip })).hops.map((h: { address: string }) => h.address)).toEqual(['162.3.124.5', '100.128.0.3', '10.0.1.4']);
    // An empty update changes nothing.
    expect((await ok('PUT', `/v2.0/floatingips/${ids.fip}`, { floatingip: {} }, 200)).floatingip).toMatchObject({ port_id: ids.vm });
    await neutronFail('PUT', `/v2.0/floatingips/${ids.fip}`, { floatingip: { floating_ip_address: '162.3.124.6' } }, 400, 'HTTPBadRequest');
  });

  it('edits routes with PUT and with add_extraroutes / remove_extraroutes', async () => {
    const route = { destination: '10.0.9.0/24', nexthop: '10.0.1.9' };
    expect((await ok('PUT', `/v2.0/routers/${ids.router}`, { router: { routes: [route] } }, 200)).router.routes).toEqual([route]);
    const extra = { destination: '10.0.8.0/24', nexthop: '10.0.1.8' };
    expect((await ok('PUT', `/v2.0/routers/${ids.router}/add_extraroutes`, { router: { routes: [extra, route] } }, 200)).router.routes).toEqual([route, extra]);
    expect((await ok('PUT', `/v2.0/routers/${ids.router}/remove_extraroutes`, { router: { routes: [route] } }, 200)).router.routes).toEqual([extra]);
    await neutronFail('PUT', `/v2.0/routers/${ids.router}/add_extraroutes`, { router: { routes: [{ destination: '10.0.7.0/24', nexthop: '192.0.2.1' }] } }, 400, 'BadRequest');
    expect((await ok('PUT', `/v2.0/routers/${ids.router}`, { router: { routes: [] } }, 200)).router.routes).toEqual([]);
  });

  it('renames a network and a router', async () => {
    expect((await ok('PUT', `/v2.0/networks/${ids.net1}`, { network: { name: 'net1b' } }, 200)).network.name).toBe('net1b');
    expect((await ok('PUT', `/v2.0/networks/${ids.net1}`, { network: { name: 'net1' } }, 200)).network.name).toBe('net1');
    expect((await ok('PUT', `/v2.0/routers/${ids.router}`, { router: { name: 'R2', admin_state_up: true } }, 200)).router.name).toBe('R2');
    await ok('PUT', `/v2.0/routers/${ids.router}`, { router: { name: 'R' } }, 200);
    await neutronFail('PUT', `/v2.0/networks/${ids.net1}`, { network: { 'router:external': true } }, 400, 'HTTPBadRequest');
  });

  it('updates a subnet and a port with PUT (subnets.update, ports.update)', async () => {
    const sub = (await ok('PUT', `/v2.0/subnets/${ids.sub1}`, { subnet: { name: 'sub1b', dns_nameservers: ['8.8.8.8'] } }, 200)).subnet;
    expect([sub.name, sub.dns_nameservers, sub.host_routes]).toEqual(['sub1b', ['8.8.8.8'], []]);
    await ok('PUT', `/v2.0/subnets/${ids.sub1}`, { subnet: { name: 'sub1', dns_nameservers: [] } }, 200);
    const port = (await ok('PUT', `/v2.0/ports/${ids.vm}`, { port: { name: 'vm1b', admin_state_up: false } }, 200)).port;
    expect([port.name, port.admin_state_up]).toEqual(['vm1b', false]);
    await ok('PUT', `/v2.0/ports/${ids.vm}`, { port: { name: 'vm1', admin_state_up: true } }, 200);
    await neutronFail('PUT', `/v2.0/subnets/${ids.sub1}`, { subnet: { cidr: '10.9.0.0/24' } }, 400, 'HTTPBadRequest');
  });

  it('lists with filters, fields, repeated values and fixed_ips', async () => {
    const names = async (path: string) => (await ok('GET', path, undefined, 200)).networks.map((n: { name: string }) => n.name);
    expect(await names('/v2.0/networks?name=ext-net')).toEqual(['ext-net']);
    expect(await names('/v2.0/networks?router:external=True')).toEqual(['ext-net']);
    expect(await names('/v2.0/networks?router%3Aexternal=true&tenant_id=admin')).toEqual(['ext-net']);
    expect(await names('/v2.0/networks?project_id=proj1&name=net1')).toEqual(['net1']);
    expect(await names(`/v2.0/networks?id=${ids.ext}&id=${ids.net1}`)).toEqual(['ext-net', 'net1']);
    expect(await names('/v2.0/networks?name=none')).toEqual([]);
    expect((await ok('GET', `/v2.0/networks?name=net1&fields=id&fields=name`, undefined, 200)).networks).toEqual([{ id: ids.net1, name: 'net1' }]);
    expect((await ok('GET', `/v2.0/networks/${ids.net1}?fields=name`, undefined, 200)).network).toEqual({ name: 'net1' });
    const ports = (await ok('GET', '/v2.0/ports?fixed_ips=ip_address%3D10.0.1.4', undefined, 200)).ports;
    expect(ports.map((p: { id: string }) => p.id)).toEqual([ids.vm]);
    expect((await ok('GET', `/v2.0/ports?fixed_ips=subnet_id%3D${ids.sub1}&device_owner=network:router_interface`, undefined, 200)).ports).toHaveLength(1);
    const fips = (await ok('GET', '/v2.0/floatingips?floating_ip_address=162.3.124.5', undefined, 200)).floatingips;
    expect(fips.map((f: { id: string }) => f.id)).toEqual([ids.fip]);
    await neutronFail('GET', '/v2.0/networks?router:external=maybe', undefined, 400, 'HTTPBadRequest');
    await neutronFail('GET', '/v2.0/ports?fixed_ips=mac=1', undefined, 400, 'HTTPBadRequest');
  });

  it('pages with limit and marker and a next link that works', async () => {
    const all = (await ok('GET', '/v2.0/networks', undefined, 200)).networks.map((n: { id: string }) => n.id);
    expect(all.length).toBe(4); // ext-net, net1 and the project's two bridges
    const first = await ok('GET', '/v2.0/networks?limit=3', undefined, 200);
    expect(first.networks.map((n: { id: string }) => n.id)).toEqual(all.slice(0, 3));
    expect(first.networks_links).toEqual([{ rel: 'next', href: `${origin}/v2.0/networks?limit=3&marker=${all[2]}` }]);
    const second = await ok('GET', first.networks_links[0].href.slice(origin.length), undefined, 200);
    expect(second.networks.map((n: { id: string }) => n.id)).toEqual(all.slice(3));
    expect(second.networks_links).toEqual([]);
    // The same through the local filter path (repeated values).
    const q = all.map((id: string) => `id=${id}`).join('&');
    const local = await ok('GET', `/v2.0/networks?${q}&limit=2&marker=${all[0]}`, undefined, 200);
    expect(local.networks.map((n: { id: string }) => n.id)).toEqual(all.slice(1, 3));
    expect(local.networks_links[0].href).toContain(`marker=${all[2]}`);
    expect((await ok('GET', '/v2.0/networks?limit=0', undefined, 200)).networks).toHaveLength(4);
    await neutronFail('GET', '/v2.0/networks?limit=-1', undefined, 400, 'HTTPBadRequest');
    await neutronFail('GET', '/v2.0/networks?limit=two', undefined, 400, 'HTTPBadRequest');
  });

  it('tears down: delete the floating IP (204), clear the gateway, remove the interface, delete everything', async () => {
    const del = await req('DELETE', `/v2.0/floatingips/${ids.fip}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    await neutronFail('GET', `/v2.0/floatingips/${ids.fip}`, undefined, 404, 'FloatingIPNotFound');

    const mark = auditMark(engine.store.db);
    const r = (await ok('PUT', `/v2.0/routers/${ids.router}`, { router: { external_gateway_info: {} } }, 200)).router;
    expect(r.external_gateway_info).toBeNull();
    expect(mark.since().map((x) => x.operation)).toEqual(['routers.clearGateway']);
    const info = await ok('PUT', `/v2.0/routers/${ids.router}/remove_router_interface`, { subnet_id: ids.sub1 }, 200);
    expect(info).toMatchObject({ id: ids.router, subnet_id: ids.sub1 });
    for (const path of [`/v2.0/ports/${ids.vm}`, `/v2.0/routers/${ids.router}`, `/v2.0/subnets/${ids.sub1}`, `/v2.0/subnets/${ids.extSub}`, `/v2.0/networks/${ids.net1}`, `/v2.0/networks/${ids.ext}`]) {
      expect((await req('DELETE', path)).status, path).toBe(204);
    }
    const msg = await neutronFail('GET', `/v2.0/networks/${ids.net1}`, undefined, 404, 'NetworkNotFound');
    expect(msg).toBe(`Network ${ids.net1} could not be found.`);
    expect((await ok('GET', '/v2.0/networks', undefined, 200)).networks).toEqual([]);
  });
});

describe('security groups through /v2.0 (issue 15)', () => {
  it('creates, lists, shows, updates and deletes groups and rules in Neutron’s shapes, with Neutron’s errors', async () => {
    const web = (await ok('POST', '/v2.0/security-groups', { security_group: { name: 'web', description: 'tier', tenant_id: 'sgproj' } }, 201)).security_group;
    expect(web).toMatchObject({ name: 'web', description: 'tier', project_id: 'sgproj', tenant_id: 'sgproj', stateful: true, tags: [] });
    expect(web.security_group_rules.map((r: { direction: string; ethertype: string }) => `${r.direction} ${r.ethertype}`)).toEqual(['egress IPv4', 'egress IPv6']);
    // The project's default group came first, as Neutron makes it.
    const listed = (await ok('GET', '/v2.0/security-groups?project_id=sgproj&fields=id&fields=name', undefined, 200)).security_groups;
    expect(listed).toEqual([
      { id: expect.any(String), name: 'default' },
      { id: web.id, name: 'web' },
    ]);
    const rule = (
      await ok('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: web.id, direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' } }, 201)
    ).security_group_rule;
    expect(rule).toEqual({
      id: expect.any(String),
      security_group_id: web.id,
      project_id: 'sgproj',
      tenant_id: 'sgproj',
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 22,
      port_range_max: 22,
      remote_ip_prefix: '0.0.0.0/0',
      remote_group_id: null,
      description: '',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect((await ok('GET', `/v2.0/security-group-rules?security_group_id=${web.id}&direction=ingress`, undefined, 200)).security_group_rules.map((r: { id: string }) => r.id)).toEqual([rule.id]);
    expect((await ok('GET', `/v2.0/security-group-rules?port_range_min=22`, undefined, 200)).security_group_rules.map((r: { id: string }) => r.id)).toEqual([rule.id]);
    expect((await ok('GET', `/v2.0/security-groups/${web.id}`, undefined, 200)).security_group.security_group_rules).toHaveLength(3);
    expect((await ok('PUT', `/v2.0/security-groups/${web.id}`, { security_group: { name: 'www' } }, 200)).security_group.name).toBe('www');

    const before = dbChecksum(engine.store.db, ['audit_log']);
    expect(await neutronFail('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' } }, 409, 'SecurityGroupRuleExists')).toContain(rule.id);
    await neutronFail('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 30, port_range_max: 20 } }, 400, 'InvalidInput');
    await neutronFail('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: web.id, direction: 'ingress', bogus: 1 } }, 400, 'HTTPBadRequest');
    await neutronFail('PUT', `/v2.0/security-group-rules/${rule.id}`, { security_group_rule: { direction: 'egress' } }, 405, 'HTTPMethodNotAllowed');
    await neutronFail('DELETE', `/v2.0/security-groups/${listed[0].id}`, undefined, 409, 'SecurityGroupCannotRemoveDefault');
    await neutronFail('POST', '/v2.0/security-groups', { security_group: { name: 'default', project_id: 'sgproj' } }, 409, 'SecurityGroupDefaultAlreadyExists');
    expect(await neutronFail('GET', '/v2.0/security-groups/nope', undefined, 404, 'SecurityGroupNotFound')).toBe('Security group nope could not be found.');
    await neutronFail('DELETE', '/v2.0/security-group-rules/nope', undefined, 404, 'SecurityGroupRuleNotFound');
    expect(dbChecksum(engine.store.db, ['audit_log'])).toEqual(before);

    expect((await req('DELETE', `/v2.0/security-group-rules/${rule.id}`)).status).toBe(204);
    expect((await req('DELETE', `/v2.0/security-groups/${web.id}`)).status).toBe(204);
    expect((await ok('GET', '/v2.0/security-groups?project_id=sgproj', undefined, 200)).security_groups.map((g: { name: string }) => g.name)).toEqual(['default']);
  });
});

describe('port security through /v2.0', () => {
  it('takes port_security_enabled on create and update, with Neutron’s refusals', async () => {
    const net = (await ok('POST', '/v2.0/networks', { network: { name: 'psnet', tenant_id: 'psproj', availability_zone_hints: ['az1'] } }, 201)).network;
    await ok('POST', '/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.77.0.0/24', ip_version: 4 } }, 201);
    const open = (await ok('POST', '/v2.0/ports', { port: { network_id: net.id, name: 'open', port_security_enabled: false } }, 201)).port;
    expect([open.port_security_enabled, open.security_groups]).toEqual([false, []]);
    const guarded = (await ok('POST', '/v2.0/ports', { port: { network_id: net.id, name: 'guarded' } }, 201)).port;
    expect([guarded.port_security_enabled, guarded.security_groups.length]).toEqual([true, 1]);
    expect((await ok('GET', `/v2.0/ports?network_id=${net.id}&port_security_enabled=false&fields=name`, undefined, 200)).ports).toEqual([{ name: 'open' }]);

    const before = dbChecksum(engine.store.db, ['audit_log']);
    await neutronFail('PUT', `/v2.0/ports/${guarded.id}`, { port: { port_security_enabled: false } }, 409, 'PortSecurityPortHasSecurityGroup');
    await neutronFail('PUT', `/v2.0/ports/${open.id}`, { port: { security_groups: guarded.security_groups } }, 400, 'PortSecurityAndIPRequiredForSecurityGroups');
    await neutronFail('POST', '/v2.0/ports', { port: { network_id: net.id, port_security_enabled: false, security_groups: guarded.security_groups } }, 400, 'PortSecurityAndIPRequiredForSecurityGroups');
    expect(dbChecksum(engine.store.db, ['audit_log'])).toEqual(before);

    const off = (await ok('PUT', `/v2.0/ports/${guarded.id}`, { port: { port_security_enabled: false, security_groups: [] } }, 200)).port;
    expect([off.port_security_enabled, off.security_groups]).toEqual([false, []]);
    for (const p of [open, guarded]) expect((await req('DELETE', `/v2.0/ports/${p.id}`)).status).toBe(204);
    expect((await req('DELETE', `/v2.0/networks/${net.id}`)).status).toBe(204);
  });
});

describe('errors in Neutron format', () => {
  it('maps Tricircle’s pod errors', async () => {
    await neutronFail('POST', '/v2.0/networks', { network: { name: 'e', 'router:external': true } }, 400, 'ExternalNetPodNotSpecify');
    const pod = await neutronFail('POST', '/v2.0/networks', { network: { name: 'e', 'router:external': true, availability_zone_hints: ['Pod9'] } }, 404, 'PodNotFound');
    expect(pod).toContain('Pod9');
    await neutronFail('POST', '/v2.0/networks', { network: { name: 'n', availability_zone_hints: ['az9'] } }, 404, 'AvailabilityZoneNotFound');
  });

  it('names the missing resource, whichever the path', async () => {
    expect(await neutronFail('GET', '/v2.0/routers/nope', undefined, 404, 'RouterNotFound')).toBe('Router nope could not be found.');
    await neutronFail('GET', '/v2.0/ports/nope', undefined, 404, 'PortNotFound');
    await neutronFail('DELETE', '/v2.0/subnets/nope', undefined, 404, 'SubnetNotFound');
    // The port's network is what is missing here.
    await neutronFail('POST', '/v2.0/ports', { port: { network_id: 'nope' } }, 404, 'NetworkNotFound');
  });

  it('refuses bad bodies with 400 and changes nothing', async () => {
    const before = dbChecksum(engine.store.db, ['audit_log']);
    expect(await neutronFail('POST', '/v2.0/networks', { network: { name: 'x', foo: 1, bar: 2 } }, 400, 'HTTPBadRequest')).toBe("Unrecognized attribute(s) 'foo, bar'");
    expect(await neutronFail('POST', '/v2.0/networks', { name: 'x' }, 400, 'HTTPBadRequest')).toBe("Unable to find 'network' in request body");
    await neutronFail('POST', '/v2.0/networks', '{"network": ', 400, 'HTTPBadRequest');
    await neutronFail('POST', '/v2.0/networks', { networks: [{ name: 'a' }] }, 400, 'HTTPBadRequest');
    await neutronFail('POST', '/v2.0/networks', { network: { name: 'x', project_id: 'a', tenant_id: 'b' } }, 400, 'HTTPBadRequest');
    await neutronFail('POST', '/v2.0/subnets', { subnet: { cidr: '10.9.0.0/24' } }, 400, 'HTTPBadRequest');
    await neutronFail('PUT', '/v2.0/routers/x/add_router_interface', [], 400, 'HTTPBadRequest');
    expect(dbChecksum(engine.store.db, ['audit_log'])).toEqual(before);
  });

  it('answers unknown paths 404 and wrong methods 405, always in JSON', async () => {
    for (const path of ['/v2.0/widgets', '/v2.0/networks/a/b', '/v2.0/routers/a/explode', '/v2.0/networks/a/add_router_interface', '/v2.0/extensions/a/b']) {
      await neutronFail('GET', path, undefined, 404, 'HTTPNotFound');
    }
    const r = await req('DELETE', '/v2.0/networks');
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(r.json.NeutronError.type).toBe('HTTPMethodNotAllowed');
    await neutronFail('POST', '/v2.0/extensions', {}, 405, 'HTTPMethodNotAllowed');
    await neutronFail('GET', '/v2.0/routers/x/add_router_interface', undefined, 405, 'HTTPMethodNotAllowed');
  });

  it('serves the .json suffix Neutron also accepts', async () => {
    expect((await ok('GET', '/v2.0/networks.json', undefined, 200)).networks).toEqual([]);
  });
});
