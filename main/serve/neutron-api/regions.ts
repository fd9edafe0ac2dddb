// Each lab pod as its own Neutron endpoint, /regions/<region>/v2.0: what the pod holds (its bottom
// networks, subnets, ports, routers and floating IPs, with the reference's bottom names), so an
// operator inspects a lab region with the same tools as a real one. Read-only: the bottoms are
// Crosspod's to change, through the top (/v2.0 or the console).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BOTTOM_KINDS } from '../../../shared/contract';
import { CrosspodError } from '../../../shared/errors';
import type { Engine } from '../../engine/types';
import { EXTENSIONS, extensionBody } from './discovery';
import { neutronError, toNeutronError } from './errors';
import { MAX_LIMIT, project, sortRows } from './query';

type Kind = (typeof BOTTOM_KINDS)[number];
type Obj = Record<string, unknown>;

/** Per collection: its kind, and the attributes a client may filter and sort on. */
const COLLECTIONS: Record<string, { kind: Kind; attrs: string[] }> = {
  networks: { kind: 'network', attrs: ['id', 'name', 'project_id', 'tenant_id', 'router:external', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id', 'admin_state_up', 'status', 'description', 'shared'] },
  subnets: { kind: 'subnet', attrs: ['id', 'name', 'network_id', 'project_id', 'tenant_id', 'cidr', 'ip_version', 'gateway_ip', 'enable_dhcp', 'description'] },
  ports: { kind: 'port', attrs: ['id', 'name', 'network_id', 'project_id', 'tenant_id', 'mac_address', 'device_id', 'device_owner', 'admin_state_up', 'status', 'description'] },
  routers: { kind: 'router', attrs: ['id', 'name', 'project_id', 'tenant_id', 'status', 'description'] },
  floatingips: { kind: 'floatingip', attrs: ['id', 'project_id', 'tenant_id', 'floating_network_id', 'floating_ip_address', 'port_id', 'fixed_ip_address', 'router_id', 'status', 'description'] },
};
const SINGULAR: Record<Kind, string> = { network: 'network', subnet: 'subnet', port: 'port', router: 'router', floatingip: 'floatingip' };
const RESERVED = new Set(['fields', 'limit', 'marker', 'sort_key', 'sort_dir']);

const bad = (message: string, details?: unknown) => new CrosspodError('INVALID_INPUT', message, details);

/** A bottom body with the attributes every Neutron body carries. */
function show(kind: Kind, b: Obj): Obj {
  const out: Obj = { description: '', tags: [], ...b, tenant_id: b.project_id };
  if (kind === 'network' && !('shared' in out)) out.shared = false;
  return out;
}

/** One query value against an attribute of the body: Neutron compares as text, booleans as true/false. */
function matches(value: unknown, wanted: string[]): boolean {
  const text = value === null || value === undefined ? '' : typeof value === 'boolean' ? String(value) : String(value);
  return wanted.some((w) => (typeof value === 'boolean' ? ['true', '1'].includes(w.toLowerCase()) === value : w === text));
}

export function createRegionsApi(opts: { engine: Engine }) {
  const { engine } = opts;
  const call = <M extends 'bottoms.list' | 'bottoms.get'>(m: M, input: unknown) => engine.call(m, input, { actor: 'neutron-api' });

  async function list(region: string, collection: string, url: URL, origin: string): Promise<{ status: number; body: unknown }> {
    const spec = COLLECTIONS[collection];
    const p = url.searchParams;
    const fields = p.getAll('fields').flatMap((f) => f.split(',')).filter(Boolean);
    let rows = (await call('bottoms.list', { region_name: region, resource: spec.kind })).items.map((b) => show(spec.kind, b));
    for (const key of new Set(p.keys())) {
      if (RESERVED.has(key)) continue;
      if (key === 'fixed_ips' && spec.kind === 'port') {
        const wanted = p.getAll(key).map((v) => v.split('='));
        rows = rows.filter((r) => wanted.every(([k, v]) => ((r.fixed_ips ?? []) as Obj[]).some((ip) => ip[k] === v)));
        continue;
      }
      if (!spec.attrs.includes(key)) throw bad(`${key} is an invalid attribute for filtering ${collection}: filter on ${spec.attrs.join(', ')}`, { filter: key });
      const wanted = p.getAll(key);
      rows = rows.filter((r) => matches(r[key], wanted));
    }
    const keys = p.getAll('sort_key');
    const dirs = p.getAll('sort_dir');
    if (dirs.length > 0 && dirs.length !== keys.length) throw bad('The number of sort_keys and sort_dirs must be same');
    for (const d of dirs) if (d !== 'asc' && d !== 'desc') throw bad(`${d} is an invalid value for sort_dir, valid values are 'asc' and 'desc'`);
    for (const k of keys) if (!spec.attrs.includes(k)) throw bad(`${k} is an invalid attribute for sort_key: sort on ${spec.attrs.join(', ')}`);
    rows = sortRows(rows, keys.map((key, i) => ({ key, dir: (dirs[i] ?? 'asc') as 'asc' | 'desc' })));
    const limitRaw = p.get('limit');
    let limit: number | undefined;
    if (limitRaw !== null && limitRaw !== '') {
      const n = Number(limitRaw);
      if (!Number.isInteger(n) || n < 0) throw bad(`Limit must be an integer 0 or greater and not '${limitRaw}'`);
      if (n > 0) limit = Math.min(n, MAX_LIMIT);
    }
    const marker = p.get('marker');
    if (marker) {
      const at = rows.findIndex((r) => r.id === marker);
      if (at < 0) throw new CrosspodError('NOT_FOUND', `Marker ${marker} is not a ${SINGULAR[spec.kind]} of this list`, { kind: spec.kind, id: marker });
      rows = rows.slice(at + 1);
    }
    const body: Obj = {};
    if (limit !== undefined) {
      const more = rows.length > limit;
      rows = rows.slice(0, limit);
      const q = new URLSearchParams(p);
      q.set('limit', String(limit));
      q.set('marker', String(rows[rows.length - 1]?.id ?? ''));
      body[`${collection}_links`] = more ? [{ rel: 'next', href: `${origin}/regions/${encodeURIComponent(region)}/v2.0/${collection}?${q.toString()}` }] : [];
    }
    body[collection] = rows.map((r) => project(r, fields));
    return { status: 200, body };
  }

  async function route(req: IncomingMessage, url: URL): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const origin = `http://${req.headers.host ?? '127.0.0.1'}`;
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    let segments: string[];
    try {
      segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw bad('malformed path');
    }
    const [, region, version, first, id, ...rest] = segments;
    if (region === undefined) throw new CrosspodError('UNKNOWN_METHOD', 'Name a region: /regions/<region>/v2.0');
    if (method !== 'GET') {
      const e = neutronError(405, 'HTTPMethodNotAllowed', `Region ${region} is served read-only: its bottom resources are Crosspod's to change; change the top through /v2.0 or the console`);
      return { ...e, headers: { Allow: 'GET, HEAD' } };
    }
    // The region must exist (and be a lab pod) whatever is asked of it.
    await call('bottoms.list', { region_name: region, resource: 'router' });
    const base = `${origin}/regions/${encodeURIComponent(region)}`;
    if (version === undefined) return { status: 200, body: { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${base}/v2.0/`, rel: 'self' }] }] } };
    if (version !== 'v2.0') throw new CrosspodError('UNKNOWN_METHOD', `Region endpoints serve v2.0 only: /regions/${region}/v2.0`);
    const collection = first?.replace(/\.json$/, '');
    if (collection === undefined) {
      return { status: 200, body: { resources: Object.entries(COLLECTIONS).map(([c, s]) => ({ name: SINGULAR[s.kind], collection: c, links: [{ href: `${base}/v2.0/${c}`, rel: 'self' }] })) } };
    }
    if (collection === 'extensions' && rest.length === 0) {
      if (id === undefined) return { status: 200, body: { extensions: EXTENSIONS.map(extensionBody) } };
      const ext = EXTENSIONS.find((e) => e.alias === id);
      if (!ext) return neutronError(404, 'ExtensionNotFound', `Extension with alias ${id} does not exist`);
      return { status: 200, body: { extension: extensionBody(ext) } };
    }
    const spec = COLLECTIONS[collection];
    if (!spec) throw new CrosspodError('UNKNOWN_METHOD', `Region endpoints do not serve /v2.0/${collection}: they serve ${Object.keys(COLLECTIONS).join(', ')} and extensions`, { resource: collection });
    if (rest.length > 0) throw new CrosspodError('UNKNOWN_METHOD', 'The resource could not be found.');
    if (id === undefined) return list(region, collection, url, origin);
    const one = show(spec.kind, await call('bottoms.get', { region_name: region, resource: spec.kind, id: id.replace(/\.json$/, '') }));
    return { status: 200, body: { [SINGULAR[spec.kind]]: project(one, url.searchParams.getAll('fields').flatMap((f) => f.split(',')).filter(Boolean)) } };
  }

  function reply(res: ServerResponse, status: number, body: unknown, requestId: string, headers: Record<string, string> = {}): void {
    const json = JSON.stringify(body);
    res.writeHead(status, { 'Cache-Control': 'no-store', 'X-Openstack-Request-Id': requestId, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json), ...headers });
    res.end(json);
  }

  return {
    matches: (url: URL) => url.pathname === '/regions' || url.pathname.startsWith('/regions/'),
    async handle(req: IncomingMessage, res: ServerResponse, url: URL, authorised: boolean): Promise<void> {
      const requestId = `req-${randomUUID()}`;
      if (!authorised) {
        const e = neutronError(401, 'HTTPUnauthorized', 'Authentication required: send the console token as X-Auth-Token');
        return reply(res, e.status, e.body, requestId, { 'WWW-Authenticate': 'Keystone uri="none"' });
      }
      try {
        const r = await route(req, url);
        reply(res, r.status, r.body, requestId, r.headers);
      } catch (e) {
        const kind = COLLECTIONS[url.pathname.split('/')[4]?.replace(/\.json$/, '') ?? '']?.kind;
        const n = toNeutronError(e, kind);
        if (n.error.code === 'INTERNAL') console.error(`crosspod: ${req.method} ${url.pathname} failed:`, e);
        reply(res, n.status, n.body, requestId);
      }
    },
  };
}
