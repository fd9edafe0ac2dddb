// Real clients against `npm run serve` beyond /v2.0: the `openstack` CLI (Debian's
// python3-openstackclient 6.0.0) inspecting a lab pod through its own region endpoint
// /regions/<region>, and python-tricircleclient's /v1.0 requests made as the client makes them
// with Debian's keystoneauth1 (test/neutron/tricircle_client_shapes.py says why not the client).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from './serve-process';

const OPENSTACK = '/usr/bin/openstack';
const PYTHON = '/usr/bin/python3';
const SHAPES = join(__dirname, 'tricircle_client_shapes.py');
const TOKEN = 'admin-clients-token-2f7a';

const dir = mkdtempSync(join(tmpdir(), 'crosspod-openstack-admin-'));
let serve: ServeProcess;
let pods: Record<string, string>;
let routerId: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(file: string, args: string[], env: Record<string, string>): Promise<Run> {
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  return new Promise((resolve) => {
    execFile(file, args, { env: { PATH: '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** `openstack` pointed at one region's endpoint, as at any Neutron: admin token, fixed endpoint. */
async function region(name: string, ...args: string[]): Promise<any> {
  const r = await exec(OPENSTACK, ['--os-network-api-version', '2', ...args], { OS_AUTH_TYPE: 'admin_token', OS_ENDPOINT: `${serve.origin}/regions/${name}`, OS_TOKEN: TOKEN });
  if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return args.includes('json') ? JSON.parse(r.stdout) : r.stdout;
}

/** One tricircleclient request; `fails` expects the client's error (status >= 400). */
async function client(command: string, args: object = {}): Promise<any> {
  const r = await exec(PYTHON, [SHAPES, command, JSON.stringify(args)], { OS_ENDPOINT: `${serve.origin}/v1.0`, OS_TOKEN: TOKEN });
  if (r.code !== 0) throw new Error(`${command} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function clientFails(command: string, args: object, status: number): Promise<any> {
  const r = await exec(PYTHON, [SHAPES, command, JSON.stringify(args)], { OS_ENDPOINT: `${serve.origin}/v1.0`, OS_TOKEN: TOKEN });
  expect(r.code, r.stdout).toBe(1);
  const m = /^(.*) \(HTTP (\d+)\) \(Request-ID: req-[0-9a-f-]+\)\n$/s.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  expect(Number(m![2])).toBe(status);
  return JSON.parse(m![1]);
}

beforeAll(async () => {
  for (const f of [OPENSTACK, PYTHON]) if (!existsSync(f)) throw new Error(`${f} is missing: apt-get install python3-openstackclient (it comes with python3-neutron)`);
  serve = await startServe(join(dir, 'crosspod.db'), TOKEN);
  await serve.api('lab.loadExample', {});
  pods = Object.fromEntries((await serve.api('pods.list', {})).items.map((p: any) => [p.region_name, p.pod_id]));
  routerId = (await serve.api('routers.list', { name: 'R' })).items[0].id;
});

afterAll(async () => {
  await serve?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('openstack CLI against a lab region’s own endpoint', () => {
  it('lists what Pod1 holds: its bottom networks, subnets, the VM port and the bridge DNAT step', async () => {
    const snap = await serve.api('lab.topology', {});
    const held = snap.bottoms.find((b: any) => b.pod_id === pods.Pod1);
    const nets = await region('Pod1', 'network', 'list', '-f', 'json');
    expect(nets.map((n: any) => n.ID).sort()).toEqual(held.networks.map((n: any) => n.id).sort());
    expect(nets.map((n: any) => n.Name)).toContainEqual(expect.stringMatching(/^[0-9a-f-]{36}#net1$/));
    expect((await region('Pod1', 'subnet', 'list', '-f', 'json')).map((s: any) => s.Subnet).sort()).toEqual(['10.0.1.0/24', '100.0.0.0/24', '100.128.0.0/24']);
    const vm = await region('Pod1', 'port', 'list', '--fixed-ip', 'ip-address=10.0.1.4', '-f', 'json');
    expect(vm).toHaveLength(1);
    expect(vm[0]).toMatchObject({ 'MAC Address': 'fa:16:3e:00:01:04', Name: expect.stringMatching(/#vm1$/) });
    const step2 = await region('Pod1', 'floating', 'ip', 'list', '-f', 'json');
    expect(step2).toEqual([expect.objectContaining({ 'Floating IP Address': '100.128.0.3', 'Fixed IP Address': '10.0.1.4', Port: vm[0].ID, Project: 'proj1' })]);
    const routers = await region('Pod1', 'router', 'list', '-f', 'json');
    expect(routers.map((r: any) => r.ID)).toEqual(held.routers.map((r: any) => r.id));
    expect((await region('Pod1', 'router', 'show', routers[0].ID, '-f', 'json')).id).toBe(routers[0].ID);
  });

  it('shows Pod2’s floating IP, the first DNAT step, and finds a network by name', async () => {
    expect(await region('Pod2', 'floating', 'ip', 'list', '-f', 'json')).toEqual([expect.objectContaining({ 'Floating IP Address': '162.3.124.5', 'Fixed IP Address': '100.128.0.3' })]);
    const ext = (await region('Pod2', 'network', 'list', '--external', '-f', 'json')).find((n: any) => n.Subnets.length > 0);
    expect((await region('Pod2', 'network', 'show', ext.Name, '-f', 'json')).id).toBe(ext.ID);
  });

  it('is read-only: a write fails with the reason, and an unknown region is not found', async () => {
    const w = await exec(OPENSTACK, ['--os-network-api-version', '2', 'network', 'create', 'x'], { OS_AUTH_TYPE: 'admin_token', OS_ENDPOINT: `${serve.origin}/regions/Pod1`, OS_TOKEN: TOKEN });
    expect(w.code).not.toBe(0);
    expect(w.stderr).toContain("405, Region Pod1 is served read-only: its bottom resources are Crosspod's to change");
    const n = await exec(OPENSTACK, ['--os-network-api-version', '2', 'network', 'list'], { OS_AUTH_TYPE: 'admin_token', OS_ENDPOINT: `${serve.origin}/regions/Nowhere`, OS_TOKEN: TOKEN });
    expect(n.code).not.toBe(0);
    expect(n.stderr).toContain('No bottom pod has the region name Nowhere');
  });
});

describe('python-tricircleclient requests against /v1.0', () => {
  it('pod create, list, show and delete', async () => {
    const created = await client('pod-create', { region_name: 'Pod3', availability_zone: 'az3', data_center: 'dc3' });
    expect(created).toEqual({ status: 200, body: { pod: { pod_id: expect.any(String), region_name: 'Pod3', pod_az_name: '', dc_name: 'dc3', az_name: 'az3' } } });
    const id = created.body.pod.pod_id;
    expect((await client('pod-list')).body.pods.map((p: any) => [p.pod_id, p.region_name])).toContainEqual([id, 'Pod3']);
    expect((await client('pod-show', { pod: id })).body).toEqual(created.body);
    expect(await clientFails('pod-create', { region_name: 'Pod3', availability_zone: 'az9' }, 409)).toMatchObject({ conflictingRequest: { crosspod_code: 'POD_NAME_DUPLICATED' } });
    expect(await client('pod-delete', { pod: id })).toEqual({ status: 200, body: {} });
    expect(await clientFails('pod-show', { pod: id }, 404)).toEqual({ itemNotFound: { message: 'Pod not found', code: 404, crosspod_code: 'POD_NOT_FOUND' } });
    expect((await serve.api('pods.list', { region_name: 'Pod3' })).items).toEqual([]);
  });

  it('routing create, list with filters and pages, show, update and delete', async () => {
    const created = (await client('routing-create', { top_id: 'top-net-x', bottom_id: 'bottom-net-x', pod_id: pods.Pod1, project_id: 'proj1', resource_type: 'network' })).body.routing;
    expect(created).toMatchObject({ top_id: 'top-net-x', bottom_id: 'bottom-net-x', pod_id: pods.Pod1, project_id: 'proj1', resource_type: 'network' });
    expect((await client('routing-list', { top_id: 'top-net-x' })).body).toEqual({ routings: [created] });
    const page = (await client('routing-list', { limit: 1 })).body;
    expect(page.routings).toEqual([created]);
    expect(page.routings_links).toEqual([{ rel: 'next', href: `/v1.0/routings?limit=1&marker=${created.id}` }]);
    const next = (await client('routing-list', { limit: 1, marker: created.id })).body.routings;
    expect(next[0].id).toBeLessThan(created.id);
    expect((await client('routing-list', { resource_type: 'router', project_id: 'proj1' })).body.routings.map((r: any) => r.top_id)).toEqual([routerId, routerId]);
    expect((await client('routing-show', { routing: created.id })).body).toEqual({ routing: created });
    // The client's update sends every given field and reads back nothing: show tells.
    expect((await client('routing-update', { routing: created.id, bottom_id: 'bottom-net-y' })).status).toBe(200);
    expect((await client('routing-show', { routing: created.id })).body.routing.bottom_id).toBe('bottom-net-y');
    expect(await clientFails('routing-update', { routing: created.id, pod_id: 'nope' }, 400)).toEqual({ badRequest: { message: "The pod nope doesn't exist", code: 400, crosspod_code: 'POD_NOT_FOUND' } });
    expect(await client('routing-delete', { routing: created.id })).toEqual({ status: 200, body: null });
    expect(await clientFails('routing-show', { routing: created.id }, 404)).toEqual({ itemNotFound: { message: 'Resource routing not found', code: 404, crosspod_code: 'NOT_FOUND' } });
  });

  it('job create, list with filters, show, redo refusals and delete', async () => {
    // The example's jobs have run: configure_route is in the log (SUCCESS).
    const done = (await client('job-list', { type: 'configure_route', status: 'success' })).body.jobs;
    expect(done.length).toBeGreaterThan(0);
    expect(done[0]).toEqual({ id: expect.any(String), project_id: 'proj1', type: 'configure_route', timestamp: expect.any(String), status: 'SUCCESS', resource: { router_id: routerId } });
    expect((await client('job-show', { job: done[0].id })).body.job).toEqual({ id: done[0].id, project_id: 'proj1', type: 'configure_route', timestamp: done[0].timestamp, status: 'SUCCESS', router_id: routerId });
    expect(await clientFails('job-redo', { job: done[0].id }, 400)).toEqual({ badRequest: { message: `Job ${done[0].id} is from job log`, code: 400, crosspod_code: 'JOB_NOT_REDOABLE' } });
    expect(await clientFails('job-delete', { job: done[0].id }, 400)).toMatchObject({ badRequest: { crosspod_code: 'JOB_NOT_DELETABLE' } });
    const made = (await client('job-create', { type: 'configure_route', project_id: 'proj1', router_id: routerId })).body.job;
    expect(made).toMatchObject({ type: 'configure_route', project_id: 'proj1', router_id: routerId });
    expect(['NEW', 'RUNNING', 'SUCCESS']).toContain(made.status);
    expect(await clientFails('job-create', { type: 'configure_route', project_id: 'proj2', router_id: routerId }, 400)).toMatchObject({ badRequest: { message: `router ${routerId} doesn't belong to the project proj2` } });
    expect(await clientFails('job-create', { type: 'seg_rule_setup', project_id: 'proj1' }, 400)).toMatchObject({ badRequest: { message: 'There is no such job type: seg_rule_setup' } });
    expect(await clientFails('job-show', { job: 'nope' }, 404)).toEqual({ itemNotFound: { message: 'Resource not found', code: 404, crosspod_code: 'NOT_FOUND' } });
    expect((await client('job-list', { project_id: 'nobody' })).body).toEqual({ jobs: [] });
    await clientFails('job-list', { status: 'done' }, 400);
  });
});
