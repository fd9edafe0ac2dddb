// Tricircle's admin API (/v1.0) of headless mode over HTTP, against a real engine on a temporary
// SQLite file with the worked example on lab pods: every route with Tricircle's bodies and
// statuses, every refusal in Tricircle's error format with Crosspod's stable code, and a refused
// request changes nothing (checksum of every table but the audit log, which records attempts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../shared/contract';
import { createEngine } from '../../main/engine/index';
import { fileKeySecretBox } from '../../main/engine/secrets/file-key';
import type { Engine } from '../../main/engine/types';
import { startServer, type RunningServer } from '../../main/serve/server';
import { dbChecksum } from './checksum';

const TOKEN = 'tricircle-api-test-token-41d9';
const auth = { 'X-Auth-Token': TOKEN };

let dir: string;
let engine: Engine;
let server: RunningServer;
let origin: string;
let pods: Record<string, string>;
let routerId: string;

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

async function ok(method: string, path: string, body: unknown, status = 200) {
  const r = await req(method, path, body);
  expect(r.status, `${method} ${path}: ${r.text}`).toBe(status);
  return r.json;
}

const TYPES: Record<number, string> = { 400: 'badRequest', 401: 'Error', 404: 'itemNotFound', 405: 'Error', 409: 'conflictingRequest', 422: 'Error' };

/** A refusal: Tricircle's body, this status, message and code, and no table changed. */
async function refused(method: string, path: string, body: unknown, status: number, message: string | RegExp, code: string, headers?: Record<string, string>) {
  const before = dbChecksum(engine.store.db, ['audit_log']);
  const r = await req(method, path, body, headers);
  expect(r.status, `${method} ${path}: ${r.text}`).toBe(status);
  expect(Object.keys(r.json)).toEqual([TYPES[status]]);
  const e = r.json[TYPES[status]];
  expect(e).toEqual({ message: expect.any(String), code: status, crosspod_code: code });
  if (typeof message === 'string') expect(e.message).toBe(message);
  else expect(e.message).toMatch(message);
  expect(dbChecksum(engine.store.db, ['audit_log'])).toEqual(before);
  return r;
}

async function api(method: string, body: unknown): Promise<any> {
  const r = await req('POST', `/api/${method}`, body);
  if (!r.json?.ok) throw new Error(`${method}: ${r.text}`);
  return r.json.value;
}

function insertJob(id: string, type: string, resourceId: string, status: string, timestamp: string) {
  engine.store.db
    .prepare('INSERT INTO async_jobs (id, type, resource_id, project_id, status, timestamp, attempts, error, payload) VALUES (?, ?, ?, ?, ?, ?, 1, NULL, ?)')
    .run(id, type, resourceId, 'proj1', status, timestamp, JSON.stringify({ router_id: resourceId }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-tricircle-api-'));
  // Jobs stay as made, so each state can be asked about.
  engine = await createEngine({ dbPath: join(dir, 'crosspod.db'), secrets: fileKeySecretBox(join(dir, 'secret.key')), autoRunJobs: false });
  server = await startServer({ engine, port: 0, token: TOKEN, staticDir: dir });
  origin = `http://127.0.0.1:${server.port}`;
  await api('lab.loadExample', {});
  pods = Object.fromEntries((await api('pods.list', {})).items.map((p: any) => [p.region_name, p.pod_id]));
  routerId = (await api('routers.list', { name: 'R' })).items[0].id;
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('auth and paths', () => {
  it('answers 401 without the token or with a wrong one, and accepts X-Auth-Token', async () => {
    for (const headers of [{}, { 'X-Auth-Token': 'wrong' }] as Record<string, string>[]) {
      const r = await refused('GET', '/v1.0/pods', undefined, 401, 'Authentication required: send the console token as X-Auth-Token', 'UNAUTHORIZED', headers);
      expect(r.headers.get('www-authenticate')).toBe('Keystone uri="none"');
      await refused('POST', '/v1.0/pods', { pod: { region_name: 'PodX', az_name: 'azx' } }, 401, /Authentication required/, 'UNAUTHORIZED', headers);
    }
    expect((await ok('GET', '/v1.0/pods', undefined)).pods).toHaveLength(3);
  });

  it('lists its collections at /v1.0 and refuses unknown ones and methods', async () => {
    expect(await ok('GET', '/v1.0', undefined)).toEqual({
      version: { id: 'v1.0', status: 'CURRENT', links: ['pods', 'routings', 'jobs'].map((c) => ({ rel: c, href: `/v1.0/${c}` })) },
    });
    await refused('GET', '/v1.0/bindings', undefined, 404, /Crosspod serves pods, routings and jobs/, 'NOT_FOUND');
    await refused('GET', '/v1.0/pods/x/y', undefined, 404, /could not be found/, 'NOT_FOUND');
    const r = await refused('PUT', '/v1.0/pods', { pod: {} }, 405, 'PUT is not allowed on /v1.0/pods', 'METHOD_NOT_ALLOWED');
    expect(r.headers.get('allow')).toBe('GET, HEAD, POST');
    await refused('POST', '/v1.0', {}, 405, 'POST is not allowed on /v1.0', 'METHOD_NOT_ALLOWED');
    await refused('PUT', `/v1.0/pods/${pods.Pod1}`, { pod: {} }, 405, /pods are created and deleted/, 'METHOD_NOT_ALLOWED');
  });
});

describe('/v1.0/pods', () => {
  it('lists and shows pods with Tricircle fields', async () => {
    const list = (await ok('GET', '/v1.0/pods', undefined)).pods;
    expect(list).toEqual(
      expect.arrayContaining([
        { pod_id: pods.RegionOne, region_name: 'RegionOne', pod_az_name: '', dc_name: '', az_name: '' },
        { pod_id: pods.Pod1, region_name: 'Pod1', pod_az_name: '', dc_name: '', az_name: 'az1' },
        { pod_id: pods.Pod2, region_name: 'Pod2', pod_az_name: '', dc_name: '', az_name: 'az2' },
      ]),
    );
    expect(await ok('GET', `/v1.0/pods/${pods.Pod1}`, undefined)).toEqual({ pod: list.find((p: any) => p.region_name === 'Pod1') });
    await refused('GET', '/v1.0/pods/nope', undefined, 404, 'Pod not found', 'POD_NOT_FOUND');
  });

  it('creates a pod (200, trimmed fields), which the console sees at once, and deletes it ({})', async () => {
    const events: EngineEvent[] = [];
    const off = engine.subscribe((e) => events.push(e));
    const created = (await ok('POST', '/v1.0/pods', { pod: { region_name: ' Pod3 ', az_name: 'az3', pod_az_name: 'paz3', dc_name: 'dc1' } })).pod;
    expect(created).toEqual({ pod_id: expect.any(String), region_name: 'Pod3', pod_az_name: 'paz3', dc_name: 'dc1', az_name: 'az3' });
    expect(events).toContainEqual({ name: 'pods.changed', ids: [created.pod_id] });
    expect((await api('pods.get', { pod_id: created.pod_id })).driver).toBe('lab');
    expect(await ok('DELETE', `/v1.0/pods/${created.pod_id}`, undefined)).toEqual({});
    off();
    expect(events.filter((e) => e.name === 'pods.changed')).toHaveLength(2);
    await refused('DELETE', `/v1.0/pods/${created.pod_id}`, undefined, 404, 'Pod not found', 'POD_NOT_FOUND');
  });

  it('refuses bad pod bodies with Tricircle statuses and changes nothing', async () => {
    await refused('POST', '/v1.0/pods', {}, 400, 'Request body pod not found', 'INVALID_INPUT');
    await refused('POST', '/v1.0/pods', { pod: 'Pod3' }, 400, 'pod must be a JSON object', 'INVALID_INPUT');
    await refused('POST', '/v1.0/pods', { pod: { region_name: 'Pod3', az_name: 'az3', driver: 'neutron' } }, 400, /Unrecognized attribute\(s\) of the pod: driver/, 'INVALID_INPUT');
    await refused('POST', '/v1.0/pods', { pod: { region_name: 3 } }, 400, 'Field region_name must be a string', 'INVALID_INPUT');
    await refused('POST', '/v1.0/pods', { pod: { region_name: '  ' } }, 422, 'Valid region_name is required for top region', 'POD_NAME_REQUIRED');
    await refused('POST', '/v1.0/pods', { pod: { region_name: '', az_name: 'az9' } }, 422, 'Valid region_name is required for pod', 'POD_NAME_REQUIRED');
    await refused('POST', '/v1.0/pods', { pod: { region_name: 'Top2' } }, 409, /Top region already exists/, 'TOP_POD_EXISTS');
    await refused('POST', '/v1.0/pods', { pod: { region_name: 'RegionOne', az_name: 'az9' } }, 409, /duplicated with the top region name/, 'POD_NAME_DUPLICATED');
    await refused('POST', '/v1.0/pods', { pod: { region_name: 'Pod1', az_name: 'az9' } }, 409, /.+/, 'POD_NAME_DUPLICATED');
    await refused('POST', '/v1.0/pods', '{"pod": ', 400, 'request body is not valid JSON', 'INVALID_INPUT');
    // A pod that bottoms still use stays.
    await refused('DELETE', `/v1.0/pods/${pods.Pod1}`, undefined, 409, /.+/, 'POD_IN_USE');
  });
});

describe('/v1.0/routings', () => {
  it('lists id-descending with filters, pages with routings_links as Tricircle, and shows one', async () => {
    const all = (await ok('GET', '/v1.0/routings', undefined)).routings;
    expect(all.length).toBeGreaterThan(4);
    expect(all.map((r: any) => r.id)).toEqual([...all.map((r: any) => r.id)].sort((a, b) => b - a));
    expect(Object.keys(all[0]).sort()).toEqual(['bottom_id', 'created_at', 'id', 'pod_id', 'project_id', 'resource_type', 'top_id', 'updated_at']);
    const routers = (await ok('GET', `/v1.0/routings?resource_type=router&top_id=${routerId}`, undefined)).routings;
    expect(routers.map((r: any) => r.pod_id).sort()).toEqual([pods.Pod1, pods.Pod2].sort());
    expect((await ok('GET', `/v1.0/routings?id=${all[1].id}`, undefined)).routings).toEqual([all[1]]);
    const first = await ok('GET', '/v1.0/routings?limit=2', undefined);
    expect(first.routings).toEqual(all.slice(0, 2));
    expect(first.routings_links).toEqual([{ rel: 'next', href: `/v1.0/routings?limit=2&marker=${all[1].id}` }]);
    const second = await ok('GET', `/v1.0/routings?limit=2&marker=${all[1].id}`, undefined);
    expect(second.routings).toEqual(all.slice(2, 4));
    // A page that is not full has no link; limit 0 or less is the maximum page.
    expect(await ok('GET', `/v1.0/routings?limit=${all.length + 1}`, undefined)).toEqual({ routings: all });
    expect((await ok('GET', '/v1.0/routings?limit=-1', undefined)).routings).toEqual(all);
    expect(await ok('GET', `/v1.0/routings/${all[0].id}`, undefined)).toEqual({ routing: all[0] });
  });

  it('refuses bad list queries', async () => {
    await refused('GET', '/v1.0/routings?limit=ten', undefined, 400, "Limit should be an integer or a valid literal for int() rather than 'ten'", 'INVALID_INPUT');
    await refused('GET', '/v1.0/routings?marker=x', undefined, 400, "Marker should be an integer or a valid literal for int() rather than 'x'", 'INVALID_INPUT');
    await refused('GET', '/v1.0/routings?marker=999999', undefined, 400, 'Marker 999999 is an invalid ID', 'INVALID_INPUT');
    await refused('GET', '/v1.0/routings?colour=red&size=2', undefined, 400, 'Unsupported filter type: colour, size', 'INVALID_INPUT');
    await refused('GET', '/v1.0/routings?id=one', undefined, 400, "Id should be an integer or a valid literal for int() rather than 'one'", 'INVALID_INPUT');
    await refused('GET', '/v1.0/routings/999999', undefined, 404, 'Resource routing not found', 'NOT_FOUND');
    await refused('GET', '/v1.0/routings/abc', undefined, 404, 'Resource routing not found', 'NOT_FOUND');
  });

  it('creates, updates and deletes a routing, each seen by the console at once', async () => {
    const events: EngineEvent[] = [];
    const off = engine.subscribe((e) => events.push(e));
    const body = { top_id: ' top-sg-1 ', bottom_id: 'bottom-sg-1', pod_id: pods.Pod1, project_id: 'proj1', resource_type: 'security_group' };
    const created = (await ok('POST', '/v1.0/routings', { routing: body })).routing;
    expect(created).toEqual({ id: expect.any(Number), top_id: 'top-sg-1', bottom_id: 'bottom-sg-1', pod_id: pods.Pod1, project_id: 'proj1', resource_type: 'security_group', created_at: expect.any(String), updated_at: expect.any(String) });
    expect((await api('routings.list', { top_id: 'top-sg-1' })).items).toEqual([created]);
    await refused('POST', '/v1.0/routings', { routing: body }, 409, 'Resource routing already exists', 'ROUTING_EXISTS');
    const updated = (await ok('PUT', `/v1.0/routings/${created.id}`, { routing: { bottom_id: 'bottom-sg-2', pod_id: pods.Pod2 } })).routing;
    expect(updated).toMatchObject({ id: created.id, bottom_id: 'bottom-sg-2', pod_id: pods.Pod2, top_id: 'top-sg-1' });
    expect(await ok('PUT', `/v1.0/routings/${created.id}`, { routing: {} })).toEqual({ routing: updated });
    const del = await req('DELETE', `/v1.0/routings/${created.id}`);
    expect(del.status).toBe(200);
    expect(del.text).toBe('');
    off();
    expect(events.filter((e) => e.name === 'routings.changed').length).toBe(3);
    expect((await api('routings.list', { top_id: 'top-sg-1' })).items).toEqual([]);
    await refused('DELETE', `/v1.0/routings/${created.id}`, undefined, 404, 'Resource routing not found', 'NOT_FOUND');
  });

  it('refuses bad routing bodies and changes nothing', async () => {
    const good = { top_id: 't', bottom_id: 'b', pod_id: pods.Pod1, project_id: 'p', resource_type: 'network' };
    await refused('POST', '/v1.0/routings', {}, 400, 'Request body not found', 'INVALID_INPUT');
    for (const f of ['top_id', 'bottom_id', 'pod_id', 'project_id', 'resource_type']) {
      await refused('POST', '/v1.0/routings', { routing: { ...good, [f]: '  ' } }, 400, `Field ${f} can not be empty`, 'INVALID_INPUT');
      const { [f]: _drop, ...without } = good as Record<string, string>;
      await refused('POST', '/v1.0/routings', { routing: without }, 400, `Field ${f} can not be empty`, 'INVALID_INPUT');
    }
    await refused('POST', '/v1.0/routings', { routing: { ...good, resource_type: 'volume' } }, 400, 'There is no such resource type', 'RESOURCE_TYPE_UNKNOWN');
    await refused('POST', '/v1.0/routings', { routing: { ...good, pod_id: 'nope' } }, 400, "The pod nope doesn't exist", 'POD_NOT_FOUND');
    await refused('POST', '/v1.0/routings', { routing: { ...good, id: 5 } }, 400, /Unrecognized attribute\(s\) of the routing: id/, 'INVALID_INPUT');
    await refused('POST', '/v1.0/routings', { routing: { ...good, top_id: 7 } }, 400, 'Field top_id must be a string', 'INVALID_INPUT');
    const row = (await ok('GET', '/v1.0/routings?limit=1', undefined)).routings[0];
    await refused('PUT', '/v1.0/routings/999999', { routing: { bottom_id: 'x' } }, 404, 'Resource routing not found', 'NOT_FOUND');
    await refused('PUT', `/v1.0/routings/${row.id}`, {}, 400, 'Request body not found', 'INVALID_INPUT');
    await refused('PUT', `/v1.0/routings/${row.id}`, { routing: { bottom_id: ' ' } }, 400, 'Field bottom_id can not be empty', 'INVALID_INPUT');
    await refused('PUT', `/v1.0/routings/${row.id}`, { routing: { resource_type: 'volume' } }, 400, 'There is no such resource type', 'RESOURCE_TYPE_UNKNOWN');
    await refused('PUT', `/v1.0/routings/${row.id}`, { routing: { pod_id: 'nope' } }, 400, "The pod nope doesn't exist", 'POD_NOT_FOUND');
    const other = (await ok('GET', `/v1.0/routings?limit=2`, undefined)).routings[1];
    await refused('PUT', `/v1.0/routings/${row.id}`, { routing: { top_id: other.top_id, pod_id: other.pod_id, resource_type: other.resource_type } }, 409, 'Resource routing already exists', 'ROUTING_EXISTS');
    await refused('POST', `/v1.0/routings/${row.id}`, { routing: good }, 405, 'POST is not allowed on a routing', 'METHOD_NOT_ALLOWED');
  });
});

describe('/v1.0/jobs', () => {
  it('serves the schemas of the jobs an operator may create', async () => {
    expect(await ok('GET', '/v1.0/jobs/schemas', undefined)).toEqual({
      schemas: [
        { type: 'configure_route', resource: ['router_id'] },
        { type: 'router_resync', resource: ['router_id'] },
      ],
    });
  });

  it('creates a job as NEW (Tricircle names), which the console sees at once, and coalesces a second', async () => {
    const events: EngineEvent[] = [];
    const off = engine.subscribe((e) => events.push(e));
    const job = (await ok('POST', '/v1.0/jobs', { job: { type: 'configure_route', project_id: 'proj1', resource: { router_id: routerId } } })).job;
    expect(job).toEqual({ id: expect.any(String), project_id: 'proj1', type: 'configure_route', timestamp: expect.any(String), status: 'NEW', resource: { router_id: routerId } });
    expect(await api('jobs.get', { id: job.id })).toMatchObject({ type: 'configure_extra_routes', resource_id: routerId, status: 'NEW' });
    expect(events).toContainEqual(expect.objectContaining({ name: 'jobs.changed', ids: [job.id] }));
    expect((await ok('POST', '/v1.0/jobs', { job: { type: 'configure_route', project_id: 'proj1', resource: { router_id: routerId } } })).job.id).toBe(job.id);
    off();
    expect(await ok('GET', `/v1.0/jobs/${job.id}`, undefined)).toEqual({ job: { ...job, timestamp: expect.any(String) } });
    expect(await ok('PUT', `/v1.0/jobs/${job.id}`, undefined)).toEqual({ job: { ...job, timestamp: expect.any(String) } });
    expect(await ok('DELETE', `/v1.0/jobs/${job.id}`, undefined)).toEqual({});
    await refused('GET', `/v1.0/jobs/${job.id}`, undefined, 404, 'Resource not found', 'NOT_FOUND');
  });

  it('refuses bad job bodies and changes nothing', async () => {
    const job = (o: object) => ({ job: { type: 'router_resync', project_id: 'proj1', resource: { router_id: routerId }, ...o } });
    await refused('POST', '/v1.0/jobs', {}, 400, 'Request body not found', 'INVALID_INPUT');
    await refused('POST', '/v1.0/jobs', { job: { project_id: 'proj1', resource: {} } }, 400, "type isn't provided in request body", 'INVALID_INPUT');
    await refused('POST', '/v1.0/jobs', job({ project_id: ' ' }), 400, "project_id can't be empty", 'INVALID_INPUT');
    await refused('POST', '/v1.0/jobs', job({ type: 'seg_rule_setup' }), 400, 'There is no such job type: seg_rule_setup', 'INVALID_INPUT');
    await refused('POST', '/v1.0/jobs', job({ type: 'port_delete' }), 400, /made by Crosspod itself/, 'INVALID_INPUT');
    await refused('POST', '/v1.0/jobs', { job: { type: 'router_resync', project_id: 'proj1' } }, 400, 'Failed to create job, because the resource is not specified', 'INVALID_INPUT');
    await refused('POST', '/v1.0/jobs', job({ resource: {} }), 400, 'Some required fields are not specified: router_id', 'INVALID_INPUT');
    await refused('POST', '/v1.0/jobs', job({ resource: { router_id: routerId, pod_id: 'x' } }), 400, 'Some fields are redundant: pod_id', 'INVALID_INPUT');
    await refused('POST', '/v1.0/jobs', job({ project_id: 'proj2' }), 400, `router ${routerId} doesn't belong to the project proj2`, 'JOB_RESOURCE_NOT_OWNED');
    await refused('POST', '/v1.0/jobs', job({ resource: { router_id: 'nope' } }), 400, "router nope doesn't belong to the project proj1", 'NOT_FOUND');
    await refused('POST', '/v1.0/jobs', job({ extra: 1 }), 400, /Unrecognized attribute\(s\) of the job: extra/, 'INVALID_INPUT');
  });

  it('lists active jobs first, then the log, newest first, with filters and jobs_links', async () => {
    insertJob('00000000-0000-4000-8000-00000000000a', 'configure_extra_routes', routerId, 'SUCCESS', '2030-01-01T00:00:03.000Z');
    insertJob('00000000-0000-4000-8000-00000000000b', 'configure_extra_routes', routerId, 'FAIL', '2030-01-01T00:00:01.000Z');
    insertJob('00000000-0000-4000-8000-00000000000c', 'port_delete', `${pods.Pod1}#bottom-port-1`, 'RUNNING', '2030-01-01T00:00:02.000Z');
    const all = (await ok('GET', '/v1.0/jobs', undefined)).jobs;
    const ids = all.map((j: any) => j.id);
    expect(ids.indexOf('00000000-0000-4000-8000-00000000000c')).toBeLessThan(ids.indexOf('00000000-0000-4000-8000-00000000000b'));
    expect(all.findIndex((j: any) => j.status === 'SUCCESS')).toBeGreaterThan(all.findLastIndex((j: any) => j.status !== 'SUCCESS'));
    expect(all.find((j: any) => j.id.endsWith('c'))).toEqual({ id: '00000000-0000-4000-8000-00000000000c', project_id: 'proj1', type: 'port_delete', timestamp: '2030-01-01T00:00:02.000Z', status: 'RUNNING', resource: { pod_id: pods.Pod1, port_id: 'bottom-port-1' } });
    expect((await ok('GET', '/v1.0/jobs?status=fail', undefined)).jobs.map((j: any) => j.id)).toEqual(['00000000-0000-4000-8000-00000000000b']);
    expect((await ok('GET', '/v1.0/jobs?type=configure_route&status=SUCCESS', undefined)).jobs.map((j: any) => j.id)).toContain('00000000-0000-4000-8000-00000000000a');
    expect((await ok('GET', '/v1.0/jobs?project_id=nobody', undefined)).jobs).toEqual([]);
    const page = await ok('GET', '/v1.0/jobs?limit=1', undefined);
    expect(page).toEqual({ jobs: [all[0]], jobs_links: [{ rel: 'next', href: `/v1.0/jobs?limit=1&marker=${all[0].id}` }] });
    expect((await ok('GET', `/v1.0/jobs/detail?limit=1&marker=${all[0].id}`, undefined)).jobs).toEqual([all[1]]);
    await refused('GET', '/v1.0/jobs?marker=nope', undefined, 400, 'Invalid marker: nope', 'INVALID_INPUT');
    await refused('GET', '/v1.0/jobs?status=done', undefined, 400, /Invalid job status done/, 'INVALID_INPUT');
    await refused('GET', '/v1.0/jobs?resource_id=x', undefined, 400, 'Unsupported filter type: resource_id', 'INVALID_INPUT');
    await refused('GET', '/v1.0/jobs?limit=x', undefined, 400, "Limit should be an integer or a valid literal for int() rather than 'x'", 'INVALID_INPUT');
  });

  it('redoes a FAIL job by PUT, refuses RUNNING and SUCCESS ones, and deletes only NEW and FAIL', async () => {
    await refused('PUT', '/v1.0/jobs/00000000-0000-4000-8000-00000000000a', undefined, 400, 'Job 00000000-0000-4000-8000-00000000000a is from job log', 'JOB_NOT_REDOABLE');
    await refused('PUT', '/v1.0/jobs/00000000-0000-4000-8000-00000000000c', undefined, 400, "Can't redo job 00000000-0000-4000-8000-00000000000c which is running", 'JOB_NOT_REDOABLE');
    await refused('DELETE', '/v1.0/jobs/00000000-0000-4000-8000-00000000000a', undefined, 400, 'Job 00000000-0000-4000-8000-00000000000a is from job log', 'JOB_NOT_DELETABLE');
    await refused('DELETE', '/v1.0/jobs/00000000-0000-4000-8000-00000000000c', undefined, 400, 'Failed to delete the running job 00000000-0000-4000-8000-00000000000c', 'JOB_NOT_DELETABLE');
    await refused('PUT', '/v1.0/jobs/nope', undefined, 404, 'Job nope not found', 'NOT_FOUND');
    await refused('DELETE', '/v1.0/jobs/nope', undefined, 404, 'Job nope not found', 'NOT_FOUND');
    await refused('POST', '/v1.0/jobs/schemas', {}, 405, 'POST is not allowed on /v1.0/jobs/schemas', 'METHOD_NOT_ALLOWED');
    const redone = (await ok('PUT', '/v1.0/jobs/00000000-0000-4000-8000-00000000000b', undefined)).job;
    expect(redone).toMatchObject({ id: '00000000-0000-4000-8000-00000000000b', status: 'NEW', type: 'configure_route' });
    expect(await ok('DELETE', '/v1.0/jobs/00000000-0000-4000-8000-00000000000b', undefined)).toEqual({});
    expect((await api('jobs.list', { id: '00000000-0000-4000-8000-00000000000b' })).items).toEqual([]);
  });
});
