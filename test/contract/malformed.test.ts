// The malformed-input table: hundreds of bad requests, generated per method and per field, sent
// over real HTTP to /api and /v2.0. Each must get a 4xx with a stable code (the error code on
// /api, the NeutronError type on /v2.0), and the database must be unchanged but for the audit
// log (a refused mutation is audited as the attempt it was).
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract, methods, type Method } from '../../shared/contract';
import { createEngine } from '../../main/engine/index';
import { fileKeySecretBox } from '../../main/engine/secrets/file-key';
import type { Engine } from '../../main/engine/types';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH, startServer, type RunningServer } from '../../main/serve/server';
import { dbChecksum } from './checksum';

const TOKEN = 'malformed-table-token-5d1e';
const JSON_CT = { 'Content-Type': 'application/json' };
const AUTH = { 'X-Auth-Token': TOKEN };

interface Case {
  name: string;
  verb: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  status: number;
  /** /api: error.code; /v2.0: NeutronError.type. */
  code: string;
}

let dir: string;
let engine: Engine;
let server: RunningServer;
/** Real ids of the example lab, so semantic refusals reach the engine's own checks. */
const ids = { net: '', ext: '', subnet: '', port: '', router: '', fip: '' };

function send(c: Case): Promise<{ status: number; json: any; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...AUTH, ...(c.body !== undefined ? JSON_CT : {}), ...c.headers };
    if (c.body !== undefined) headers['Content-Length'] = Buffer.byteLength(c.body);
    const req = request({ host: '127.0.0.1', port: server.port, path: c.path, method: c.verb, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (x: Buffer) => chunks.push(x));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, json, text });
      });
    });
    req.on('error', reject);
    req.end(c.body);
  });
}

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const huge = () => JSON.stringify({ name: 'x'.repeat(MAX_BODY_BYTES + 10) });
/** Invalid for every field of every schema: no field takes an array of arrays of arrays. */
const NOTHING_TAKES_THIS = [[[]]];

type Shape = Record<string, { safeParse(v: unknown): { success: boolean } }>;
const shapeOf = (m: Method): Shape => (contract[m].input as unknown as { shape: Shape }).shape;
const strict = (m: Method) => !m.endsWith('.list') && m !== 'fips.listWithPaths';

function apiCases(): Case[] {
  const out: Case[] = [];
  const post = (m: string, name: string, body: string | undefined, status: number, code: string, headers?: Record<string, string>) =>
    out.push({ name: `/api/${m}: ${name}`, verb: 'POST', path: `/api/${m}`, body, status, code, headers });
  for (const m of methods) {
    // Not an object.
    for (const b of ['[]', '"text"', '42', 'true', '[{}]']) post(m, `body ${b}`, b, 400, 'INVALID_INPUT');
    // Not JSON at all, or not said to be JSON.
    for (const b of ['{"a":', "{'a': 1}", '{"a": 1,}', 'undefined', '\u0000']) post(m, `syntax ${JSON.stringify(b)}`, b, 400, 'INVALID_INPUT');
    post(m, 'text/plain', '{}', 415, 'UNSUPPORTED_MEDIA_TYPE', { 'Content-Type': 'text/plain' });
    post(m, 'form', 'a=1', 415, 'UNSUPPORTED_MEDIA_TYPE', { 'Content-Type': 'application/x-www-form-urlencoded' });
    post(m, 'multipart', '--x--', 415, 'UNSUPPORTED_MEDIA_TYPE', { 'Content-Type': 'multipart/form-data; boundary=x' });
    // Too deep, too big.
    post(m, 'arrays 2,500 deep', deep(2_500), 400, 'INVALID_INPUT');
    post(m, `objects ${MAX_JSON_DEPTH + 1} deep`, deepObject(MAX_JSON_DEPTH + 1), 400, 'INVALID_INPUT');
    post(m, 'over 1 MiB', huge(), 400, 'INVALID_INPUT');
    // Auth.
    post(m, 'no token', '{}', 401, 'UNAUTHORIZED', { 'X-Auth-Token': '' });
    post(m, 'wrong token', '{}', 401, 'UNAUTHORIZED', { 'X-Auth-Token': `${TOKEN}x` });
    // Per field: a wrong type; per schema: missing required fields, and unknown ones where strict.
    const shape = shapeOf(m);
    for (const k of Object.keys(shape)) post(m, `${k}: wrong type`, JSON.stringify({ [k]: NOTHING_TAKES_THIS }), 400, 'INVALID_INPUT');
    if (Object.values(shape).some((s) => !s.safeParse(undefined).success)) post(m, 'missing required fields', '{}', 400, 'INVALID_INPUT');
    if (strict(m)) post(m, 'unknown field', JSON.stringify({ __bogus__: 1 }), 400, 'INVALID_INPUT');
    else post(m, 'filter that is an object', JSON.stringify({ name: { $ne: 1 } }), 400, 'INVALID_INPUT');
  }
  // Bad method names and verbs.
  for (const m of ['nope', 'pods.nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'pods', 'pods.create.x', '', 'PODS.CREATE', 'pods.list%00']) {
    post(m, 'unknown method', '{}', 404, 'UNKNOWN_METHOD');
  }
  out.push({ name: 'GET on a method', verb: 'GET', path: '/api/pods.list', status: 400, code: 'BAD_REQUEST' });
  out.push({ name: 'PUT on a method', verb: 'PUT', path: '/api/pods.create', body: '{}', status: 400, code: 'BAD_REQUEST' });
  out.push({ name: 'DELETE on a method', verb: 'DELETE', path: '/api/pods.delete', status: 400, code: 'BAD_REQUEST' });
  return out;
}

/** Semantic refusals: addresses, CIDRs and MACs that pass the schema but not the engine. */
function semanticCases(): Case[] {
  const out: Case[] = [];
  const post = (m: Method, body: unknown, status: number, code: string) =>
    out.push({ name: `/api/${m}: ${JSON.stringify(body)}`, verb: 'POST', path: `/api/${m}`, body: JSON.stringify(body), status, code });
  for (const cidr of ['10.0.0.0/33', '300.1.1.0/24', 'abc', '10.0.0.0/-1', '10.0.0.0', '::/129', '10.0.0.1/24', '10.0.0.0/0', 'fe80::/200', '10.0.0.0/8/8', ' 10.0.0.0/24', '10.0.0.0/24 ', '0x0a000000/24', '10.0.0.0/ 24']) {
    post('subnets.create', { network_id: ids.net, cidr }, 400, 'INVALID_CIDR');
  }
  post('subnets.create', { network_id: ids.net, cidr: '10.9.0.0/24', ip_version: 6 }, 400, 'INVALID_CIDR');
  post('subnets.create', { network_id: ids.net, cidr: '10.9.0.0/24', gateway_ip: 'nope' }, 400, 'INVALID_IP_ADDRESS');
  post('subnets.create', { network_id: ids.net, cidr: '10.9.0.0/24', gateway_ip: '10.8.0.1' }, 400, 'IP_NOT_IN_SUBNET');
  post('subnets.create', { network_id: ids.net, cidr: '10.9.0.0/24', allocation_pools: [{ start: 'x', end: 'y' }] }, 400, 'INVALID_IP_ADDRESS');
  post('subnets.create', { network_id: 'no-such-network', cidr: '10.9.0.0/24' }, 404, 'NOT_FOUND');
  for (const ip of ['10.0.1.999', 'abc', '10.0.1.-1', '::g']) post('ports.create', { network_id: ids.net, fixed_ips: [{ subnet_id: ids.subnet, ip_address: ip }] }, 400, 'INVALID_IP_ADDRESS');
  for (const ip of ['1.2.3.4', '10.0.1.0', '10.0.1.255']) post('ports.create', { network_id: ids.net, fixed_ips: [{ subnet_id: ids.subnet, ip_address: ip }] }, 400, 'IP_NOT_IN_SUBNET');
  for (const mac of ['zz:zz:zz:zz:zz:zz', 'fa:16:3e:00:01', 'fa-16-3e-00-01-04', 'fa:16:3e:00:01:04:05', '']) post('ports.create', { network_id: ids.net, mac_address: mac }, 400, 'INVALID_INPUT');
  for (const ip of ['abc', '999.1.1.1', '162.3.124']) post('fips.create', { floating_network_id: ids.ext, floating_ip_address: ip }, 400, 'INVALID_IP_ADDRESS');
  post('fips.create', { floating_network_id: ids.ext, floating_ip_address: '1.2.3.4' }, 400, 'IP_NOT_IN_SUBNET');
  post('fips.create', { floating_network_id: ids.net }, 400, 'NOT_EXTERNAL_NETWORK');
  post('fips.associate', { id: ids.fip, port_id: 'no-such-port' }, 404, 'NOT_FOUND');
  post('routers.update', { id: ids.router, routes: [{ destination: '10.0.0.0/24', nexthop: 'abc' }] }, 400, 'INVALID_INPUT');
  post('routers.update', { id: ids.router, routes: [{ destination: '10.0.0.0/24', nexthop: '10.9.9.9' }] }, 400, 'INVALID_ROUTES');
  post('routers.setGateway', { id: ids.router, network_id: ids.net }, 400, 'NOT_EXTERNAL_NETWORK');
  post('routers.addInterface', { id: ids.router }, 400, 'BAD_REQUEST');
  post('routers.addInterface', { id: ids.router, subnet_id: 'no-such-subnet' }, 404, 'NOT_FOUND');
  post('networks.create', { name: 'x', project_id: 'p', availability_zone_hints: ['no-such-az'] }, 404, 'AVAILABILITY_ZONE_NOT_FOUND');
  post('networks.create', { name: 'x', project_id: 'p', 'router:external': true }, 400, 'EXTERNAL_NET_POD_NOT_SPECIFIED');
  post('pods.create', { region_name: '' }, 422, 'POD_NAME_REQUIRED');
  post('pods.create', { region_name: 'X', driver: 'neutron', driver_config: { auth_type: 'password', auth_url: 'not a url' } }, 400, 'INVALID_INPUT');
  // Secrets under mistyped keys: refused like any unknown field.
  for (const k of ['Password', 'passwd', 'PASSWORD', 'api_key', 'token']) post('pods.create', { region_name: 'PodS', az_name: 'azs', [k]: 'Secret-In-Table-9q' }, 400, 'INVALID_INPUT');
  post('jobs.redo', { id: 'no-such-job' }, 404, 'NOT_FOUND');
  post('quotas.update', { project_id: 'p', network: 1.5 }, 400, 'INVALID_INPUT');
  post('audit.export', { since: 'yesterday' }, 400, 'INVALID_INPUT');
  post('audit.setRetention', { max_age_days: 0 }, 400, 'INVALID_INPUT');
  return out;
}

const NEUTRON: [collection: string, singular: string][] = [
  ['networks', 'network'],
  ['subnets', 'subnet'],
  ['ports', 'port'],
  ['routers', 'router'],
  ['floatingips', 'floatingip'],
];
const NOT_FOUND_TYPE: Record<string, string> = { networks: 'NetworkNotFound', subnets: 'SubnetNotFound', ports: 'PortNotFound', routers: 'RouterNotFound', floatingips: 'FloatingIPNotFound' };
const CREATE_KEYS: Record<string, Method> = { networks: 'networks.create', subnets: 'subnets.create', ports: 'ports.create', routers: 'routers.create', floatingips: 'fips.create' };

function neutronCases(): Case[] {
  const out: Case[] = [];
  const add = (verb: string, path: string, name: string, body: string | undefined, status: number, code: string, headers?: Record<string, string>) =>
    out.push({ name: `${verb} ${path}: ${name}`, verb, path, body, status, code, headers });
  const existing: Record<string, string> = { networks: ids.net, subnets: ids.subnet, ports: ids.port, routers: ids.router, floatingips: ids.fip };
  for (const [coll, one] of NEUTRON) {
    const base = `/v2.0/${coll}`;
    const item = `${base}/${existing[coll]}`;
    for (const [verb, path] of [
      ['POST', base],
      ['PUT', item],
    ] as const) {
      for (const b of ['[]', '"x"', '42', '{}', `{"${one}": []}`, `{"${one}": "x"}`, `{"${one}": null}`, `{"${one}s": {}}`]) add(verb, path, `body ${b}`, b, 400, 'HTTPBadRequest');
      for (const b of ['{"a":', "{'a': 1}", 'nope']) add(verb, path, `syntax ${b}`, b, 400, 'HTTPBadRequest');
      const [st, ty] = [400, 'HTTPBadRequest'];
      add(verb, path, 'unknown attribute', JSON.stringify({ [one]: { bogus_attr: 1 } }), st, ty);
      add(verb, path, 'id in the body', JSON.stringify({ [one]: { id: 'x' } }), st, ty);
      add(verb, path, 'tenant and project differ', JSON.stringify({ [one]: { tenant_id: 'a', project_id: 'b' } }), 400, 'HTTPBadRequest');
      add(verb, path, 'text/plain', JSON.stringify({ [one]: {} }), 415, 'HTTPUnsupportedMediaType', { 'Content-Type': 'text/plain' });
      add(verb, path, 'form', 'a=1', 415, 'HTTPUnsupportedMediaType', { 'Content-Type': 'application/x-www-form-urlencoded' });
      add(verb, path, 'arrays 2,500 deep', `{"${one}": ${deep(2_500)}}`, 400, 'HTTPBadRequest');
      add(verb, path, 'objects 100 deep', `{"${one}": ${deepObject(100)}}`, 400, 'HTTPBadRequest');
      add(verb, path, 'over 1 MiB', huge(), 400, 'HTTPBadRequest');
      add(verb, path, 'no token', '{}', 401, 'HTTPUnauthorized', { 'X-Auth-Token': '' });
      add(verb, path, 'wrong token', '{}', 401, 'HTTPUnauthorized', { 'X-Auth-Token': 'nope' });
    }
    add('POST', base, 'bulk create', JSON.stringify({ [coll]: [{}] }), 400, 'HTTPBadRequest');
    // Every attribute create takes, with a value nothing takes.
    for (const k of Object.keys(shapeOf(CREATE_KEYS[coll]))) add('POST', base, `${k}: wrong type`, JSON.stringify({ [one]: { [k]: NOTHING_TAKES_THIS } }), 400, 'HTTPBadRequest');
    add('GET', `${base}/no-such-id`, 'not found', undefined, 404, NOT_FOUND_TYPE[coll]);
    add('DELETE', `${base}/no-such-id`, 'not found', undefined, 404, NOT_FOUND_TYPE[coll]);
    add('PATCH', base, 'wrong verb', undefined, 405, 'HTTPMethodNotAllowed');
    add('PATCH', item, 'wrong verb', undefined, 405, 'HTTPMethodNotAllowed');
    add('GET', `${base}/${existing[coll]}/nope/extra`, 'too deep a path', undefined, 404, 'HTTPNotFound');
    add('GET', base, 'no token', undefined, 401, 'HTTPUnauthorized', { 'X-Auth-Token': '' });
    add('GET', `${base}?limit=abc`, 'limit not a number', undefined, 400, 'HTTPBadRequest');
    add('GET', `${base}?limit=-1`, 'negative limit', undefined, 400, 'HTTPBadRequest');
    add('GET', `${base}?admin_state_up=maybe`, 'boolean filter not a boolean', undefined, 400, 'HTTPBadRequest');
  }
  const r = `/v2.0/routers/${ids.router}`;
  for (const action of ['add_router_interface', 'remove_router_interface']) {
    for (const b of ['[]', '"x"', '{"subnet_id": 5}', '{"bogus": 1}', '{"subnet_id": "no-such-subnet"}', '{']) {
      const missing = action === 'add_router_interface' ? 'SubnetNotFound' : 'RouterInterfaceNotFound';
      const code = b.includes('no-such') ? 404 : 400;
      add('PUT', `${r}/${action}`, `body ${b}`, b, code, code === 404 ? missing : 'HTTPBadRequest');
    }
    add('PUT', `${r}/${action}`, 'text/plain', '{}', 415, 'HTTPUnsupportedMediaType', { 'Content-Type': 'text/plain' });
    add('POST', `${r}/${action}`, 'wrong verb', '{}', 405, 'HTTPMethodNotAllowed');
  }
  for (const action of ['add_extraroutes', 'remove_extraroutes']) {
    for (const b of ['{"router": {"routes": "x"}}', '{"router": {"routes": [1]}}', '{"router": {"bogus": []}}', '{"routes": []}']) add('PUT', `${r}/${action}`, `body ${b}`, b, 400, 'HTTPBadRequest');
    add('PUT', `${r}/${action}`, 'bad nexthop', JSON.stringify({ router: { routes: [{ destination: '10.5.0.0/24', nexthop: 'abc' }] } }), 400, 'InvalidInput');
    for (const destination of ['abc', '10.0.0.0/33', '10.0.0.1/24']) {
      add('PUT', `${r}/${action}`, `bad destination ${destination}`, JSON.stringify({ router: { routes: [{ destination, nexthop: '10.0.1.5' }] } }), 400, 'InvalidInput');
    }
  }
  add('PUT', `${r}/no_such_action`, 'unknown action', '{}', 404, 'HTTPNotFound');
  for (const p of ['/v2.0/nothing', '/v2.0/networks/x/y/z', '/v2.0/extensions/nope', '/v2.0/%zz', '/v2.0/qos/policies']) {
    const code = p.endsWith('/nope') ? 'ExtensionNotFound' : p.includes('%zz') ? 'HTTPBadRequest' : 'HTTPNotFound';
    add('GET', p, 'unknown path', undefined, p.includes('%zz') ? 400 : 404, code);
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-malformed-'));
  engine = await createEngine({ dbPath: join(dir, 'crosspod.db'), secrets: fileKeySecretBox(join(dir, 'secret.key')) });
  server = await startServer({ engine, port: 0, token: TOKEN, staticDir: dir });
  await engine.api['lab.loadExample']({});
  await engine.idle();
  const nets = (await engine.api['networks.list']({})).items;
  ids.net = nets.find((n) => n.name === 'net1')!.id;
  ids.ext = nets.find((n) => n['router:external'])!.id;
  ids.subnet = (await engine.api['subnets.list']({ network_id: ids.net })).items[0].id;
  ids.port = (await engine.api['ports.list']({ network_id: ids.net })).items[0].id;
  ids.router = (await engine.api['routers.list']({})).items[0].id;
  ids.fip = (await engine.api['fips.list']({})).items[0].id;
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('malformed input over HTTP: a 4xx with a stable code, and nothing changed', () => {
  it('has at least 250 cases across /api and /v2.0', () => {
    const cases = [...apiCases(), ...semanticCases(), ...neutronCases()];
    expect(cases.length).toBeGreaterThanOrEqual(250);
    expect(neutronCases().length).toBeGreaterThanOrEqual(100);
    const seen = new Set<string>();
    expect(cases.map((c) => c.name).filter((n) => seen.size === seen.add(n).size)).toEqual([]);
  });

  it.each([
    ['/api, per method and per field', apiCases],
    ['/api, addresses, CIDRs, MACs and other refusals of the engine', semanticCases],
    ['/v2.0, per collection and action', neutronCases],
  ] as const)('%s', async (_label, build) => {
    const cases = build();
    const before = dbChecksum(engine.store.db, ['audit_log']);
    const wrong: string[] = [];
    for (const c of cases) {
      const r = await send(c);
      const code = c.path.startsWith('/api') ? r.json?.error?.code : r.json?.NeutronError?.type;
      if (r.status !== c.status || code !== c.code) wrong.push(`${c.name} → ${r.status} ${code ?? r.text.slice(0, 120)} (want ${c.status} ${c.code})`);
      else if (c.path.startsWith('/api')) expect(r.json).toMatchObject({ ok: false, error: { code: c.code, status: c.status, message: expect.any(String) } });
    }
    expect(wrong).toEqual([]);
    await engine.idle();
    expect(dbChecksum(engine.store.db, ['audit_log'])).toEqual(before);
    // And no secret sent under a mistyped key reached the audit log.
    const summaries = engine.store.db.prepare('SELECT input_summary FROM audit_log').pluck().all() as string[];
    expect(summaries.some((s) => s.includes('Secret-In-Table-9q'))).toBe(false);
  });
});

// A route destination must be a CIDR with no host bits: refused before the engine runs.
describe('route destinations that are not CIDRs', () => {
  it.each(['abc', '10.0.0.0/33', '10.0.0.1/24'])('routers.update with destination %s', async (destination) => {
    const r = await send({ name: destination, verb: 'POST', path: '/api/routers.update', body: JSON.stringify({ id: ids.router, routes: [{ destination, nexthop: '10.0.1.5' }] }), status: 400, code: 'INVALID_INPUT' });
    expect(r.status).toBe(400);
  });
});

