// Tricircle's admin API (/v1.0: pods, routings, jobs; reference §11.2), served by headless mode on
// the same port and token, so python-tricircleclient (`openstack multiregion networking …`) and
// scripts written for Tricircle drive Crosspod. Every call goes through engine.call, like the
// console's, so each change is audited and shows in the UI at once. Bodies, statuses and error
// messages are Tricircle's; errors are `{"<badRequest|…>": {message, code}}` plus our stable code.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Method, Output } from '../../../shared/contract';
import { CrosspodError, toErrorBody, type ErrorCode } from '../../../shared/errors';
import type { Job, Pod, Routing } from '../../../shared/model';
import type { Body } from '../body';
import type { Engine } from '../../engine/types';

export interface TricircleApiOptions {
  engine: Engine;
  readBody(req: IncomingMessage): Promise<Body>;
}

type Obj = Record<string, unknown>;
interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const ACTOR = { actor: 'tricircle-api' };
/** Tricircle's `pagination_max_limit`: a list without a limit (or with a larger one) gets this many. */
export const PAGINATION_MAX_LIMIT = 2000;

/** Tricircle's `format_error`: the type is named by the status. */
const ERROR_TYPES: Record<number, string> = { 400: 'badRequest', 403: 'forbidden', 404: 'itemNotFound', 409: 'conflictingRequest', 500: 'internalServerError' };

/** An error with Tricircle's status and message, keeping Crosspod's stable code. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: ErrorCode | 'METHOD_NOT_ALLOWED',
  ) {
    super(message);
  }
}
const fail = (status: number, message: string, code: ErrorCode | 'METHOD_NOT_ALLOWED' = status === 404 ? 'NOT_FOUND' : 'INVALID_INPUT') => new ApiError(status, message, code);

export function errorBody(status: number, message: string, code: string) {
  return { [ERROR_TYPES[status] ?? 'Error']: { message, code: status, crosspod_code: code } };
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Crosspod's job types under Tricircle's names where one exists (the client expands these). */
const TYPE_OUT: Record<string, string> = { configure_extra_routes: 'configure_route' };
const TYPE_IN: Record<string, string> = Object.fromEntries(Object.entries(TYPE_OUT).map(([k, v]) => [v, k]));
/** Each job type's resource fields, in the order its resource_id joins them with '#'. */
const JOB_RESOURCES: Record<string, string[]> = {
  configure_route: ['router_id'],
  router_resync: ['router_id'],
  port_delete: ['pod_id', 'port_id'],
  compensate: ['pod_id'],
};
/** What POST /v1.0/jobs creates: the router jobs, which only rebuild what the top says. */
const CREATABLE = ['configure_route', 'router_resync'];
const ROUTING_FIELDS = ['top_id', 'bottom_id', 'pod_id', 'project_id', 'resource_type'] as const;
const ROUTING_FILTERS = new Set(['id', 'top_id', 'bottom_id', 'pod_id', 'project_id', 'resource_type', 'created_at', 'updated_at']);
const JOB_FILTERS = new Set(['project_id', 'type', 'status']);
const JOB_STATUSES = new Set(['NEW', 'RUNNING', 'SUCCESS', 'FAIL']);

export function showPod(p: Pod) {
  return { pod_id: p.pod_id, region_name: p.region_name, pod_az_name: p.pod_az_name, dc_name: p.dc_name, az_name: p.az_name };
}

export function showJob(j: Job) {
  const type = TYPE_OUT[j.type] ?? j.type;
  const fields = JOB_RESOURCES[type] ?? ['resource_id'];
  const parts = fields.length === 1 ? [j.resource_id] : j.resource_id.split('#');
  return { id: j.id, project_id: j.project_id, type, timestamp: j.timestamp, status: j.status, resource: Object.fromEntries(fields.map((f, i) => [f, parts[i] ?? null])) };
}

/** Tricircle's int() of a query value. */
function integer(raw: string, what: string): number {
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isInteger(n)) throw fail(400, `${what} should be an integer or a valid literal for int() rather than '${raw}'`);
  return n;
}

function limitOf(params: URLSearchParams): number {
  const raw = params.get('limit');
  if (raw === null) return PAGINATION_MAX_LIMIT;
  const n = integer(raw, 'Limit');
  return n > 0 ? Math.min(n, PAGINATION_MAX_LIMIT) : PAGINATION_MAX_LIMIT;
}

function unsupported(params: URLSearchParams, allowed: Set<string>): void {
  const bad = [...new Set(params.keys())].filter((k) => k !== 'limit' && k !== 'marker' && !allowed.has(k));
  if (bad.length) throw fail(400, `Unsupported filter type: ${bad.join(', ')}`);
  for (const k of new Set(params.keys())) if (params.getAll(k).length > 1) throw fail(400, `Filter ${k} is given more than once`);
}

export function createTricircleApi(opts: TricircleApiOptions) {
  const { engine } = opts;
  const call = <M extends Method>(m: M, input: unknown): Promise<Output<M>> => engine.call(m, input, ACTOR);

  async function all<M extends 'pods.list' | 'jobs.list'>(m: M, filters: Obj): Promise<Output<M>['items']> {
    const out: Output<M>['items'] = [];
    let marker: string | undefined;
    do {
      const page = (await call(m, { ...filters, limit: 10_000, ...(marker ? { marker } : {}) })) as Output<M>;
      out.push(...(page.items as never[]));
      marker = page.next_marker ?? undefined;
    } while (marker);
    return out;
  }

  /** `{"<key>": {...}}` → its object; Tricircle's "Request body not found" otherwise. */
  async function wrapped(req: IncomingMessage, key: string, missing: string): Promise<Obj> {
    const read = await opts.readBody(req);
    if (!read.ok) throw read.error;
    const inner = isObj(read.value) ? read.value[key] : undefined;
    if (inner === undefined) throw fail(400, missing);
    if (!isObj(inner)) throw fail(400, `${key} must be a JSON object`);
    return inner;
  }

  function strings(o: Obj, allowed: readonly string[], what: string): Record<string, string> {
    const extra = Object.keys(o).filter((k) => !allowed.includes(k));
    if (extra.length) throw fail(400, `Unrecognized attribute(s) of the ${what}: ${extra.join(', ')} (it takes ${allowed.join(', ')})`);
    for (const [k, v] of Object.entries(o)) if (v !== null && typeof v !== 'string') throw fail(400, `Field ${k} must be a string`);
    return o as Record<string, string>;
  }

  // ---- pods ----
  async function pods(method: string, id: string | undefined, req: IncomingMessage): Promise<Reply> {
    if (id === undefined) {
      if (method === 'GET') return { status: 200, body: { pods: (await all('pods.list', {})).map(showPod) } };
      if (method === 'POST') {
        const pod = strings(await wrapped(req, 'pod', 'Request body pod not found'), ['region_name', 'az_name', 'pod_az_name', 'dc_name'], 'pod');
        const t = (k: string) => (pod[k] ?? '').trim();
        const input = { region_name: t('region_name'), az_name: t('az_name'), pod_az_name: t('pod_az_name'), dc_name: t('dc_name') };
        return { status: 200, body: { pod: showPod(await call('pods.create', input)) } };
      }
      throw fail(405, `${method} is not allowed on /v1.0/pods`, 'METHOD_NOT_ALLOWED');
    }
    try {
      if (method === 'GET') return { status: 200, body: { pod: showPod(await call('pods.get', { pod_id: id })) } };
      if (method === 'DELETE') {
        await call('pods.delete', { pod_id: id });
        return { status: 200, body: {} };
      }
    } catch (e) {
      if (e instanceof CrosspodError && e.code === 'POD_NOT_FOUND') throw fail(404, 'Pod not found', 'POD_NOT_FOUND');
      throw e;
    }
    throw fail(405, `${method} is not allowed on a pod: pods are created and deleted`, 'METHOD_NOT_ALLOWED');
  }

  // ---- routings ----
  async function routingOr404(raw: string): Promise<Routing> {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw fail(404, 'Resource routing not found');
    try {
      return await call('routings.get', { id: n });
    } catch (e) {
      if (e instanceof CrosspodError && e.code === 'NOT_FOUND') throw fail(404, 'Resource routing not found');
      throw e;
    }
  }

  function routingChecks(r: Record<string, string>, required: boolean): void {
    const fields = required ? ROUTING_FIELDS : ROUTING_FIELDS.filter((f) => f in r);
    for (const f of fields) if (r[f] === undefined || r[f] === null || r[f].trim() === '') throw fail(400, `Field ${f} can not be empty`);
  }

  /** Engine refusals of a routing write, in Tricircle's words. */
  function routingError(e: unknown, podId: string | undefined): never {
    if (e instanceof CrosspodError) {
      if (e.code === 'RESOURCE_TYPE_UNKNOWN') throw fail(400, 'There is no such resource type', e.code);
      if (e.code === 'POD_NOT_FOUND') throw fail(400, `The pod ${podId} doesn't exist`, e.code);
      if (e.code === 'ROUTING_EXISTS') throw fail(409, 'Resource routing already exists', e.code);
    }
    throw e;
  }

  async function listRoutings(url: URL): Promise<Reply> {
    const p = url.searchParams;
    const limit = limitOf(p);
    let marker: number | undefined;
    if (p.get('marker') !== null) {
      marker = integer(p.get('marker')!, 'Marker');
      if (marker < 1) throw fail(400, `Marker ${marker} is an invalid ID`);
      await call('routings.get', { id: marker }).catch(() => {
        throw fail(400, `Marker ${marker} is an invalid ID`);
      });
    }
    unsupported(p, ROUTING_FILTERS);
    const filters: Obj = {};
    for (const k of ROUTING_FILTERS) {
      const v = p.get(k);
      if (v !== null) filters[k] = k === 'id' ? integer(v, 'Id') : v;
    }
    const page = await call('routings.list', { ...filters, limit, ...(marker ? { marker: String(marker) } : {}), sort_key: 'id', sort_dir: 'desc' });
    const body: Obj = { routings: page.items };
    const last = page.items[page.items.length - 1];
    // Tricircle links a full page, except when it ends at the first row.
    if (page.items.length >= limit && last && last.id !== 1) {
      const q = new URLSearchParams(Object.entries(filters).map(([k, v]) => [k, String(v)]));
      q.set('limit', String(limit));
      q.set('marker', String(last.id));
      body.routings_links = [{ rel: 'next', href: `/v1.0/routings?${q.toString()}` }];
    }
    return { status: 200, body };
  }

  async function routings(method: string, id: string | undefined, req: IncomingMessage, url: URL): Promise<Reply> {
    if (id === undefined) {
      if (method === 'GET') return listRoutings(url);
      if (method === 'POST') {
        const r = strings(await wrapped(req, 'routing', 'Request body not found'), ROUTING_FIELDS, 'routing');
        routingChecks(r, true);
        try {
          return { status: 200, body: { routing: await call('routings.create', r) } };
        } catch (e) {
          routingError(e, r.pod_id);
        }
      }
      throw fail(405, `${method} is not allowed on /v1.0/routings`, 'METHOD_NOT_ALLOWED');
    }
    if (method === 'GET') return { status: 200, body: { routing: await routingOr404(id) } };
    if (method === 'DELETE') {
      const row = await routingOr404(id);
      await call('routings.delete', { id: row.id });
      return { status: 200 };
    }
    if (method === 'PUT') {
      const row = await routingOr404(id);
      const r = strings(await wrapped(req, 'routing', 'Request body not found'), ROUTING_FIELDS, 'routing');
      routingChecks(r, false);
      if (Object.keys(r).length === 0) return { status: 200, body: { routing: row } };
      const trimmed = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.trim()]));
      try {
        return { status: 200, body: { routing: await call('routings.update', { ...trimmed, id: row.id }) } };
      } catch (e) {
        routingError(e, trimmed.pod_id);
      }
    }
    throw fail(405, `${method} is not allowed on a routing`, 'METHOD_NOT_ALLOWED');
  }

  // ---- jobs ----
  async function jobOr404(id: string, message = 'Resource not found'): Promise<Job> {
    try {
      return await call('jobs.get', { id });
    } catch (e) {
      if (e instanceof CrosspodError && e.code === 'NOT_FOUND') throw fail(404, message);
      throw e;
    }
  }

  async function listJobs(url: URL): Promise<Reply> {
    const p = url.searchParams;
    const limit = limitOf(p);
    unsupported(p, JOB_FILTERS);
    const filters: Obj = {};
    if (p.get('project_id') !== null) filters.project_id = p.get('project_id');
    const type = p.get('type');
    if (type !== null) filters.type = TYPE_IN[type] ?? type;
    const status = p.get('status');
    if (status !== null) {
      if (!JOB_STATUSES.has(status.toUpperCase())) throw fail(400, `Invalid job status ${status}: one of new, running, success, fail`);
      filters.status = status.toUpperCase();
    }
    // Active jobs first, then the log (SUCCESS), each newest first (timestamp, then id, descending).
    const order = (a: Job, b: Job) => (a.timestamp === b.timestamp ? (a.id < b.id ? 1 : -1) : a.timestamp < b.timestamp ? 1 : -1);
    const rows = await all('jobs.list', filters);
    const sorted = [...rows.filter((j) => j.status !== 'SUCCESS').sort(order), ...rows.filter((j) => j.status === 'SUCCESS').sort(order)];
    let start = 0;
    const marker = p.get('marker');
    if (marker !== null) {
      start = sorted.findIndex((j) => j.id === marker) + 1;
      if (start === 0) {
        // A marker of another filter's list is still a job: Tricircle only refuses unknown ids.
        await jobOr404(marker).catch(() => {
          throw fail(400, `Invalid marker: ${marker}`);
        });
        start = sorted.length;
      }
    }
    const items = sorted.slice(start, start + limit);
    const body: Obj = { jobs: items.map(showJob) };
    if (items.length >= limit) {
      const q = new URLSearchParams([...p].filter(([k]) => k !== 'limit' && k !== 'marker'));
      q.set('limit', String(limit));
      q.set('marker', items[items.length - 1].id);
      body.jobs_links = [{ rel: 'next', href: `/v1.0/jobs?${q.toString()}` }];
    }
    return { status: 200, body };
  }

  async function createJob(req: IncomingMessage): Promise<Reply> {
    const job = await wrapped(req, 'job', 'Request body not found');
    const extra = Object.keys(job).filter((k) => !['type', 'project_id', 'resource'].includes(k));
    if (extra.length) throw fail(400, `Unrecognized attribute(s) of the job: ${extra.join(', ')} (it takes type, project_id, resource)`);
    for (const f of ['type', 'project_id']) {
      const v = job[f];
      if (v === undefined || v === null) throw fail(400, `${f} isn't provided in request body`);
      if (typeof v !== 'string') throw fail(400, `${f} must be a string`);
      if (v.trim() === '') throw fail(400, `${f} can't be empty`);
    }
    const type = job.type as string;
    if (!JOB_RESOURCES[type]) throw fail(400, `There is no such job type: ${type}`);
    if (!CREATABLE.includes(type)) throw fail(400, `Jobs of type ${type} are made by Crosspod itself; create one of ${CREATABLE.join(', ')}`);
    if (job.resource === undefined) throw fail(400, 'Failed to create job, because the resource is not specified');
    if (!isObj(job.resource)) throw fail(400, 'resource must be a JSON object');
    const want = JOB_RESOURCES[type];
    const given = Object.keys(job.resource);
    const missing = want.filter((f) => !given.includes(f));
    const redundant = given.filter((f) => !want.includes(f));
    if (missing.length) throw fail(400, `Some required fields are not specified: ${missing.join(', ')}`);
    if (redundant.length) throw fail(400, `Some fields are redundant: ${redundant.join(', ')}`);
    const routerId = job.resource.router_id;
    if (typeof routerId !== 'string' || routerId.trim() === '') throw fail(400, 'router_id must be a non-empty string');
    const projectId = job.project_id as string;
    try {
      return { status: 200, body: { job: showJob(await call('jobs.create', { type: TYPE_IN[type] ?? type, project_id: projectId, router_id: routerId })) } };
    } catch (e) {
      if (e instanceof CrosspodError && (e.code === 'NOT_FOUND' || e.code === 'JOB_RESOURCE_NOT_OWNED')) {
        throw fail(400, `router ${routerId} doesn't belong to the project ${projectId}`, e.code);
      }
      throw e;
    }
  }

  async function jobs(method: string, id: string | undefined, req: IncomingMessage, url: URL): Promise<Reply> {
    if (id === undefined) {
      if (method === 'GET') return listJobs(url);
      if (method === 'POST') return createJob(req);
      throw fail(405, `${method} is not allowed on /v1.0/jobs`, 'METHOD_NOT_ALLOWED');
    }
    if (id === 'schemas' || id === 'detail') {
      if (method !== 'GET') throw fail(405, `${method} is not allowed on /v1.0/jobs/${id}`, 'METHOD_NOT_ALLOWED');
      if (id === 'detail') return listJobs(url);
      return { status: 200, body: { schemas: CREATABLE.map((type) => ({ type, resource: JOB_RESOURCES[type] })) } };
    }
    if (method === 'GET') return { status: 200, body: { job: showJob(await jobOr404(id)) } };
    if (method === 'DELETE' || method === 'PUT') {
      const j = await jobOr404(id, `Job ${id} not found`);
      if (j.status === 'SUCCESS') throw fail(400, `Job ${id} is from job log`, method === 'PUT' ? 'JOB_NOT_REDOABLE' : 'JOB_NOT_DELETABLE');
      if (j.status === 'RUNNING') {
        throw method === 'PUT' ? fail(400, `Can't redo job ${id} which is running`, 'JOB_NOT_REDOABLE') : fail(400, `Failed to delete the running job ${id}`, 'JOB_NOT_DELETABLE');
      }
      if (method === 'DELETE') {
        await call('jobs.delete', { id });
        return { status: 200, body: {} };
      }
      // A NEW job is already queued: redoing it is doing it, as it will be.
      const redone = j.status === 'FAIL' ? await call('jobs.redo', { id }) : j;
      return { status: 200, body: { job: showJob(redone) } };
    }
    throw fail(405, `${method} is not allowed on a job`, 'METHOD_NOT_ALLOWED');
  }

  async function route(req: IncomingMessage, url: URL): Promise<Reply> {
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    let segments: string[];
    try {
      segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw fail(400, 'malformed path');
    }
    const [, collection, id, ...rest] = segments;
    if (collection === undefined) {
      if (method !== 'GET') throw fail(405, `${method} is not allowed on /v1.0`, 'METHOD_NOT_ALLOWED');
      const links = ['pods', 'routings', 'jobs'].map((c) => ({ rel: c, href: `/v1.0/${c}` }));
      return { status: 200, body: { version: { id: 'v1.0', status: 'CURRENT', links } } };
    }
    if (rest.length > 0) throw fail(404, `The resource could not be found: ${url.pathname}`);
    if (collection === 'pods') return pods(method, id, req);
    if (collection === 'routings') return routings(method, id, req, url);
    if (collection === 'jobs') return jobs(method, id, req, url);
    throw fail(404, `The resource could not be found: /v1.0/${collection} (Crosspod serves pods, routings and jobs; Tricircle's seed bindings are gone)`);
  }

  function reply(res: ServerResponse, r: Reply, requestId: string): void {
    const json = r.body === undefined ? '' : JSON.stringify(r.body);
    res.writeHead(r.status, {
      'Cache-Control': 'no-store',
      'X-Openstack-Request-Id': requestId,
      ...(json ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
      'Content-Length': Buffer.byteLength(json),
      ...r.headers,
    });
    res.end(json);
  }

  return {
    matches: (url: URL) => url.pathname === '/v1.0' || url.pathname.startsWith('/v1.0/'),
    async handle(req: IncomingMessage, res: ServerResponse, url: URL, authorised: boolean): Promise<void> {
      const requestId = `req-${randomUUID()}`;
      if (!authorised) {
        return reply(res, { status: 401, body: errorBody(401, 'Authentication required: send the console token as X-Auth-Token', 'UNAUTHORIZED'), headers: { 'WWW-Authenticate': 'Keystone uri="none"' } }, requestId);
      }
      try {
        reply(res, await route(req, url), requestId);
      } catch (e) {
        if (e instanceof ApiError) {
          const headers: Record<string, string> = e.status === 405 ? { Allow: allowOf(url.pathname) } : {};
          return reply(res, { status: e.status, body: errorBody(e.status, e.message, e.code), headers }, requestId);
        }
        const err = toErrorBody(e);
        if (err.code === 'INTERNAL') console.error(`crosspod: ${req.method} ${url.pathname} failed:`, e);
        reply(res, { status: err.status, body: errorBody(err.status, err.message, err.code) }, requestId);
      }
    },
  };
}

/** The methods a /v1.0 path answers, for a 405's Allow header. */
function allowOf(path: string): string {
  const parts = path.split('/').filter(Boolean);
  if (parts.length <= 1) return 'GET, HEAD';
  if (parts.length === 2) return 'GET, HEAD, POST';
  if (parts[1] === 'pods') return 'GET, HEAD, DELETE';
  if (parts[1] === 'jobs' && (parts[2] === 'schemas' || parts[2] === 'detail')) return 'GET, HEAD';
  return 'GET, HEAD, PUT, DELETE';
}
