// The OpenStack Networking API (v2.0) served by headless mode: a thin mapping of Neutron's
// REST resources onto the engine contract, so the `openstack` CLI and SDKs drive Crosspod as
// they would a region. Same port and token as /api; Neutron's bodies, statuses and errors.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LISTS, type Method, type Output } from '../../../shared/contract';
import { CrosspodError } from '../../../shared/errors';
import type { Body } from '../body';
import { parseCidr, parseIp } from '../../engine/ipam/cidr';
import type { Engine } from '../../engine/types';
import { EXTENSIONS, extensionBody, resourcesDoc, versionsDoc } from './discovery';
import { neutronError, toNeutronError } from './errors';
import { MAX_LIMIT, nextLink, planList, project, sortRows, type Capabilities } from './query';
import { acceptedKeys, byCollection, RESOURCES, type ResourceDef } from './resources';

export interface NeutronApiOptions {
  engine: Engine;
  /** The server's own body reader (size limit, JSON parse errors). */
  readBody(req: IncomingMessage): Promise<Body>;
}

export interface NeutronApi {
  /** /v2.0…, plus the JSON-only discovery paths a client reads first (/ and Keystone's /projects). */
  matches(req: IncomingMessage, url: URL): boolean;
  handle(req: IncomingMessage, res: ServerResponse, url: URL, authorised: boolean): Promise<void>;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (message: string, details?: unknown) => new CrosspodError('INVALID_INPUT', message, details);
const notFound = () => new CrosspodError('UNKNOWN_METHOD', 'The resource could not be found.');
const ACTOR = { actor: 'neutron-api' };

/** A browser navigating to / wants the console; an API client asking for JSON gets documents. */
function wantsJson(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

function unrecognised(attrs: Obj, allowed: Set<string>): void {
  const extra = Object.keys(attrs).filter((k) => !allowed.has(k) || k === 'id');
  if (extra.length) throw bad(`Unrecognized attribute(s) '${extra.join(', ')}'`, { attributes: extra });
}

/** The body key of a collection: Neutron's paths use dashes (security-groups), its bodies underscores. */
const listKey = (def: ResourceDef): string => def.collection.replace(/-/g, '_');

function projectBody(id: string, origin: string) {
  return { id, name: id, domain_id: 'default', enabled: true, description: '', is_domain: false, parent_id: 'default', tags: [], links: { self: `${origin}/projects/${encodeURIComponent(id)}` } };
}

/** What a collection's engine list filters and sorts on. */
export function capabilities(method: keyof typeof LISTS): Capabilities {
  return { filters: new Set<string>(LISTS[method].filters), sorts: new Set<string>(LISTS[method].sorts) };
}

export function createNeutronApi(opts: NeutronApiOptions): NeutronApi {
  const { engine } = opts;
  const call = <M extends Method>(m: M, input: unknown): Promise<Output<M>> => engine.call(m, input, ACTOR);
  /** Every matching row: the engine pages (200 by default), Neutron lists without a limit are whole. */
  async function all<M extends Method>(m: M, filters: Obj): Promise<Obj[]> {
    const out: Obj[] = [];
    let marker: string | undefined;
    do {
      const page = (await call(m, { ...filters, limit: MAX_LIMIT, ...(marker ? { marker } : {}) })) as unknown as { items: Obj[]; next_marker: string | null };
      out.push(...page.items);
      marker = page.next_marker ?? undefined;
    } while (marker);
    return out;
  }

  /** `{"network": {...}}` → its attributes, with tenant_id folded into project_id. */
  async function resourceBody(req: IncomingMessage, def: ResourceDef): Promise<Obj> {
    const read = await opts.readBody(req);
    if (!read.ok) throw read.error;
    const v = read.value;
    if (isObj(v) && Array.isArray(v[listKey(def)])) throw bad(`Bulk ${def.collection} create is not supported; send one ${def.singular} per request`);
    const inner = isObj(v) ? v[def.singular] : undefined;
    if (!isObj(inner)) throw bad(`Unable to find '${def.singular}' in request body`);
    const attrs = { ...inner };
    if ('tenant_id' in attrs) {
      if (attrs.project_id !== undefined && attrs.project_id !== attrs.tenant_id) throw bad("'project_id' and 'tenant_id' do not match");
      attrs.project_id = attrs.tenant_id;
      delete attrs.tenant_id;
    }
    return attrs;
  }

  async function plainBody(req: IncomingMessage): Promise<Obj> {
    const read = await opts.readBody(req);
    if (!read.ok) throw read.error;
    if (!isObj(read.value)) throw bad('The request body must be a JSON object');
    return read.value;
  }

  async function list(def: ResourceDef, url: URL, origin: string): Promise<Reply> {
    const method = `${def.domain}.list` as const;
    const plan = planList(def, url.searchParams, capabilities(method));
    let items: Obj[];
    let next: string | null = null;
    if (plan.local.length === 0 && !plan.localSort && plan.limit !== undefined) {
      const page = await call(method, { ...plan.engine, ...plan.engineSort, limit: plan.limit, marker: plan.marker });
      items = page.items as unknown as Obj[];
      next = page.next_marker;
    } else {
      let rows = (await all(method, { ...plan.engine, ...plan.engineSort })).filter((i) => plan.local.every((f) => f(i)));
      if (plan.localSort) rows = sortRows(rows.map((i) => def.show(i)), plan.localSort);
      const start = plan.marker === undefined ? 0 : rows.findIndex((i) => i.id === plan.marker) + 1;
      items = start === 0 && plan.marker !== undefined ? [] : rows.slice(start);
      if (plan.limit !== undefined && items.length > plan.limit) {
        items = items.slice(0, plan.limit);
        next = String(items[items.length - 1].id);
      }
    }
    const body: Obj = { [listKey(def)]: items.map((i) => project(def.show(i), plan.fields)) };
    if (plan.limit !== undefined) body[`${listKey(def)}_links`] = next === null ? [] : [nextLink(origin, def.collection, url.searchParams, plan.limit, next)];
    return { status: 200, body };
  }

  async function create(def: ResourceDef, req: IncomingMessage): Promise<Reply> {
    const attrs = await resourceBody(req, def);
    const method = `${def.domain}.create` as const;
    for (const [k, v] of Object.entries(def.fixed ?? {})) {
      if (!(k in attrs)) continue;
      if (attrs[k] !== v) throw bad(`Crosspod ${def.collection} always have ${k}=${JSON.stringify(v)}`, { attribute: k });
      delete attrs[k];
    }
    unrecognised(attrs, acceptedKeys(method));
    if (attrs.project_id === undefined) {
      // Project: the body's, else X-Project-Id, else admin where the engine needs one; a subnet,
      // port or floating IP without one inherits its network's or port's, as the engine does.
      const header = req.headers['x-project-id'];
      const p = typeof header === 'string' && header !== '' ? header : def.projectRequired ? 'admin' : undefined;
      if (p !== undefined) attrs.project_id = p;
    }
    const out = await call(method, attrs);
    return { status: 201, body: { [def.singular]: def.show(out) } };
  }

  async function update(def: ResourceDef, id: string, req: IncomingMessage): Promise<Reply> {
    const attrs = await resourceBody(req, def);
    const wrap = (out: object): Reply => ({ status: 200, body: { [def.singular]: def.show(out) } });
    switch (def.domain) {
      case 'networks':
        unrecognised(attrs, acceptedKeys('networks.update'));
        return wrap(await call('networks.update', { ...attrs, id }));
      case 'subnets':
        unrecognised(attrs, acceptedKeys('subnets.update'));
        return wrap(await call('subnets.update', { ...attrs, id }));
      case 'ports':
        unrecognised(attrs, acceptedKeys('ports.update'));
        return wrap(await call('ports.update', { ...attrs, id }));
      case 'routers': {
        unrecognised(attrs, acceptedKeys('routers.update'));
        const keys = Object.keys(attrs);
        if (keys.length === 1 && keys[0] === 'external_gateway_info') {
          const g = attrs.external_gateway_info;
          if (g === null || (isObj(g) && Object.keys(g).length === 0)) return wrap(await call('routers.clearGateway', { id }));
          if (!isObj(g)) throw bad('external_gateway_info must be an object or null');
          return wrap(await call('routers.setGateway', { ...g, id }));
        }
        // Mixed with other attributes: one engine call, so it stays one atomic operation.
        return wrap(await call('routers.update', { ...attrs, id }));
      }
      case 'fips': {
        unrecognised(attrs, new Set(['port_id', 'fixed_ip_address']));
        if (!('port_id' in attrs)) {
          if (attrs.fixed_ip_address !== undefined) throw bad('fixed_ip_address needs port_id');
          return wrap(await call('fips.get', { id }));
        }
        if (attrs.port_id === null) return wrap(await call('fips.disassociate', { id }));
        return wrap(await call('fips.associate', { ...attrs, id }));
      }
      case 'secgroups':
        unrecognised(attrs, acceptedKeys('secgroups.update'));
        return wrap(await call('secgroups.update', { ...attrs, id }));
      default:
        return methodNotAllowed(`Crosspod does not update ${def.collection}; delete and create instead`, 'GET, DELETE');
    }
  }

  async function routerAction(id: string, action: string, req: IncomingMessage): Promise<Reply> {
    if (action === 'add_router_interface' || action === 'remove_router_interface') {
      const attrs = await plainBody(req);
      const method = action === 'add_router_interface' ? 'routers.addInterface' : 'routers.removeInterface';
      unrecognised(attrs, acceptedKeys(method));
      return { status: 200, body: await call(method, { ...attrs, id }) };
    }
    // extraroute-atomic: the engine takes the whole list, so merge here.
    const def = byCollection.get('routers')!;
    const attrs = await resourceBody(req, def);
    unrecognised(attrs, new Set(['routes']));
    if (!Array.isArray(attrs.routes) || !attrs.routes.every(isObj)) throw bad('routes must be a list of {destination, nexthop}');
    const given = attrs.routes as { destination?: unknown; nexthop?: unknown }[];
    // Neutron validates the routes of either action, even those it is asked to remove.
    for (const r of given) {
      parseCidr(r.destination as string);
      parseIp(r.nexthop as string);
    }
    const key = (r: { destination?: unknown; nexthop?: unknown }) => `${String(r.destination)} ${String(r.nexthop)}`;
    const cur = (await call('routers.get', { id })).routes;
    const drop = new Set(given.map(key));
    const routes =
      action === 'add_extraroutes'
        ? [...cur, ...given.filter((r, i) => !cur.some((c) => key(c) === key(r)) && given.findIndex((x) => key(x) === key(r)) === i)]
        : cur.filter((c) => !drop.has(key(c)));
    return { status: 200, body: { router: def.show(await call('routers.update', { id, routes })) } };
  }

  async function availabilityZones(url: URL): Promise<Reply> {
    const pods = (await all('pods.list', {})) as unknown as Output<'pods.get'>[];
    const names = [...new Set(pods.filter((p) => !p.is_top && p.az_name !== '').map((p) => p.az_name))];
    let zones: Obj[] = names.flatMap((name) => ['network', 'router'].map((resource) => ({ name, resource, state: 'available' })));
    for (const [k, v] of url.searchParams) if (k !== 'fields') zones = zones.filter((z) => String(z[k]) === v);
    return { status: 200, body: { availability_zones: zones } };
  }

  /** Keystone's project lookups, which OSC sends to the same endpoint for `--project`. Crosspod's projects are plain ids. */
  async function projects(segments: string[], url: URL, origin: string): Promise<Reply> {
    if (segments.length === 2) return { status: 200, body: { project: projectBody(segments[1], origin) } };
    const name = url.searchParams.get('name');
    if (name !== null) return { status: 200, body: { projects: [projectBody(name, origin)] } };
    const ids = new Set<string>();
    for (const n of await all('networks.list', {})) ids.add(String(n.project_id));
    for (const r of await all('routers.list', {})) ids.add(String(r.project_id));
    return { status: 200, body: { projects: [...ids].map((id) => projectBody(id, origin)) } };
  }

  function methodNotAllowed(message: string, allow: string): Reply {
    const e = neutronError(405, 'HTTPMethodNotAllowed', message);
    return { status: e.status, body: e.body, headers: { Allow: allow } };
  }

  async function route(req: IncomingMessage, url: URL): Promise<Reply> {
    const origin = `http://${req.headers.host ?? '127.0.0.1'}`;
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    let segments: string[];
    try {
      segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw bad('malformed path');
    }
    const onlyGet = (): Reply | null => (method === 'GET' ? null : methodNotAllowed(`${method} is not allowed on ${url.pathname}`, 'GET, HEAD'));

    if (segments.length === 0) return onlyGet() ?? { status: 200, body: versionsDoc(origin) };
    if (segments[0] === 'projects') {
      if (segments.length > 2) throw notFound();
      return onlyGet() ?? projects(segments, url, origin);
    }
    if (segments[0] !== 'v2.0') throw notFound();
    const [, first, id, action, ...rest] = segments;
    // Neutron also answers /v2.0/networks.json.
    const collection = first?.replace(/\.json$/, '');
    if (collection === undefined) return onlyGet() ?? { status: 200, body: resourcesDoc(origin, [...RESOURCES]) };
    if (collection === 'extensions' && action === undefined) {
      const denied = onlyGet();
      if (denied) return denied;
      if (id === undefined) return { status: 200, body: { extensions: EXTENSIONS.map(extensionBody) } };
      const ext = EXTENSIONS.find((e) => e.alias === id);
      if (!ext) return { status: 404, body: neutronError(404, 'ExtensionNotFound', `Extension with alias ${id} does not exist`).body };
      return { status: 200, body: { extension: extensionBody(ext) } };
    }
    if (collection === 'availability_zones' && id === undefined) return onlyGet() ?? availabilityZones(url);

    const def = byCollection.get(collection);
    if (!def) {
      const served = [...RESOURCES.map((r) => r.collection), 'availability_zones', 'extensions'].join(', ');
      throw new CrosspodError('UNKNOWN_METHOD', `Crosspod does not serve /v2.0/${collection}: it serves ${served} (see /v2.0/extensions)`, { resource: collection });
    }
    if (rest.length > 0) throw notFound();
    if (id === undefined) {
      if (method === 'GET') return list(def, url, origin);
      if (method === 'POST') return create(def, req);
      return methodNotAllowed(`${method} is not allowed on ${def.collection}`, 'GET, HEAD, POST');
    }
    const one = id.replace(/\.json$/, '');
    if (action !== undefined) {
      const actions = ['add_router_interface', 'remove_router_interface', 'add_extraroutes', 'remove_extraroutes'];
      if (def.domain !== 'routers' || !actions.includes(action)) throw notFound();
      if (method !== 'PUT') return methodNotAllowed(`use PUT for ${action}`, 'PUT');
      return routerAction(one, action, req);
    }
    if (method === 'GET') {
      const out = await call(`${def.domain}.get`, { id: one });
      return { status: 200, body: { [def.singular]: project(def.show(out), url.searchParams.getAll('fields').flatMap((f) => f.split(',')).filter(Boolean)) } };
    }
    if (method === 'PUT') return update(def, one, req);
    if (method === 'DELETE') {
      await call(`${def.domain}.delete`, { id: one });
      return { status: 204 };
    }
    return methodNotAllowed(`${method} is not allowed on a ${def.singular}`, 'GET, HEAD, PUT, DELETE');
  }

  function reply(res: ServerResponse, r: Reply, requestId: string): void {
    const headers: Record<string, string | number> = { 'Cache-Control': 'no-store', 'X-Openstack-Request-Id': requestId, ...r.headers };
    if (r.status === 204) {
      res.writeHead(204, headers);
      return void res.end();
    }
    const json = JSON.stringify(r.body);
    res.writeHead(r.status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
    res.end(json);
  }

  return {
    matches(req, url) {
      const p = url.pathname;
      if (p === '/v2.0' || p.startsWith('/v2.0/')) return true;
      return wantsJson(req) && (p === '/' || p === '/projects' || p.startsWith('/projects/'));
    },
    async handle(req, res, url, authorised) {
      const requestId = `req-${randomUUID()}`;
      if (!authorised) {
        const e = neutronError(401, 'HTTPUnauthorized', 'Authentication required: send the console token as X-Auth-Token');
        return reply(res, { status: e.status, body: e.body, headers: { 'WWW-Authenticate': 'Keystone uri="none"' } }, requestId);
      }
      const collection = url.pathname.split('/')[2]?.replace(/\.json$/, '');
      try {
        reply(res, await route(req, url), requestId);
      } catch (e) {
        const n = toNeutronError(e, byCollection.get(collection ?? '')?.singular);
        if (n.error.code === 'INTERNAL') console.error(`crosspod: ${req.method} ${url.pathname} failed:`, e);
        reply(res, { status: n.status, body: n.body }, requestId);
      }
    },
  };
}
