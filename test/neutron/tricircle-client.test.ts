// The real python-tricircleclient (vendored, see test/neutron/vendor/python-tricircleclient) as
// an `openstack` CLI plugin under Debian's python3-openstackclient, as an operator runs it: a
// password login to the suite's real Keystone, whose catalog names a Crosspod console's /v1.0 as
// the `tricircle` service (the client's service type) of a region of its own. Pods, routings and
// jobs are driven with `openstack multiregion networking …`. The jobs run against a real Neutron
// pod reached through a proxy the test can close, so a job fails for real and is redone.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { passwordEnv, runCli, type CliRun } from './cli';
import { createEngine } from '../../main/engine';
import { defaultSettings } from '../../main/engine/types';
import { defaultStateDir } from './harness';
import { KeystoneAdmin } from './keystone-harness';
import { startServe, type ServeProcess } from './serve-process';
import { ensureTricircleClient } from './tricircle-client';

const TOKEN = 'tricircleclient-console-token-5d1e';
const ks = inject('keystone');
const neutron = inject('neutronPods');
const REGION = `TricircleRegion-${randomUUID().slice(0, 6)}`;
const PROJECT = `proj-tc-${randomUUID().slice(0, 6)}`;

const dir = mkdtempSync(join(tmpdir(), 'crosspod-tricircleclient-'));
let python = '';
let serve: ServeProcess;
let admin: KeystoneAdmin;
let proxy: http.Server;
/** While false the proxy answers 503, as a region that is down. */
let regionUp = true;
const pods: Record<string, string> = {};
let routerId = '';
let networkId = '';
let subnetId = '';

/** `openstack multiregion networking …` in the venv, as the suite's tester by default. */
function mn(args: string[], os: Record<string, string> = passwordEnv(ks, ks.tester, REGION)): Promise<CliRun> {
  return runCli(python, ['-m', 'openstackclient.shell', 'multiregion', 'networking', ...args], os, dir);
}

/** A command that must succeed; `-f json` output parsed. */
async function ok(...args: string[]): Promise<any> {
  const r = await mn(args);
  if (r.code !== 0) throw new Error(`multiregion networking ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return args.includes('json') ? JSON.parse(r.stdout) : r.stdout;
}

/** A command the console refuses: the client prints the body, the status and the request id. */
async function refused(status: number, ...args: string[]): Promise<any> {
  const r = await mn(args);
  expect(r.code, r.stdout).toBe(1);
  const m = /^(\{.*\}) \(HTTP (\d+)\) \(Request-ID: req-[0-9a-f-]+\)\n$/s.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  expect(Number(m![2])).toBe(status);
  return JSON.parse(m![1]);
}

async function waitJob(id: string, status: string): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const j = (await serve.api('jobs.list', {})).items.find((x: any) => x.id === id);
    if (j?.status === status) return j;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} never reached ${status}`);
}

beforeAll(async () => {
  ({ python } = await ensureTricircleClient(defaultStateDir()));
  // Pod1 is a real Neutron behind a proxy that can be closed.
  proxy = http.createServer((req, res) => {
    if (!regionUp) {
      res.writeHead(503, { 'Content-Type': 'application/json' }).end('{"NeutronError": {"type": "ServiceUnavailable", "message": "down for the test", "detail": ""}}');
      return;
    }
    const up = http.request(`${neutron[0].url}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode!, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  // The console's bridges take VLANs 3100–3199 in the shared Neutron pods (other files take
  // theirs from 2001–3099): a lab setting, stored in the file as a lab document's `bridge` is.
  const dbPath = join(dir, 'crosspod.db');
  const seed = await createEngine({ dbPath });
  seed.store.db.prepare("INSERT INTO lab_settings (key, value) VALUES ('bridge', ?)").run(JSON.stringify({ ...defaultSettings.bridge, vlan_min: 3100, vlan_max: 3199 }));
  await seed.close();
  serve = await startServe(dbPath, TOKEN, ['--keystone-url', ks.auth_url]);
  admin = await KeystoneAdmin.login(ks.auth_url, ks.admin);
  // Tricircle registers its admin API as the `tricircle` service at …/v1.0.
  await admin.setServiceEndpoints(REGION, 'tricircle', 'tricircle', { public: `${serve.origin}/v1.0`, internal: `${serve.origin}/v1.0` });
  pods.RegionOne = (await serve.api('pods.create', { region_name: 'RegionOne' })).pod_id;
  pods.Pod1 = (await serve.api('pods.create', { region_name: 'Pod1', az_name: 'az1', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: proxyUrl } })).pod_id;
  pods.Pod2 = (await serve.api('pods.create', { region_name: 'Pod2', az_name: 'az2' })).pod_id;
  // One router with its bottom in the real pod: configure_route jobs read its ports there.
  networkId = (await serve.api('networks.create', { name: 'net-tc', project_id: PROJECT, availability_zone_hints: ['az1'] })).id;
  subnetId = (await serve.api('subnets.create', { network_id: networkId, cidr: '10.31.1.0/24', enable_dhcp: false })).id;
  routerId = (await serve.api('routers.create', { name: 'R-tc', project_id: PROJECT })).id;
  await serve.api('routers.addInterface', { id: routerId, subnet_id: subnetId });
});

afterAll(async () => {
  regionUp = true;
  if (serve && routerId) {
    // Nothing left in the Neutron pod the suite shares.
    await serve.api('routers.removeInterface', { id: routerId, subnet_id: subnetId });
    await serve.api('routers.delete', { id: routerId });
    await serve.api('networks.delete', { id: networkId });
  }
  await admin?.dropRegion(REGION);
  await serve?.stop();
  await new Promise((r) => proxy?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('python-tricircleclient (openstack multiregion networking) with a Keystone login', () => {
  it('pod list, create, show, delete', async () => {
    expect(await ok('pod', 'list', '-f', 'json')).toEqual([
      { ID: pods.RegionOne, 'Region Name': 'RegionOne' },
      { ID: pods.Pod1, 'Region Name': 'Pod1' },
      { ID: pods.Pod2, 'Region Name': 'Pod2' },
    ]);
    const created = await ok('pod', 'create', '--region-name', 'Pod3', '--availability-zone', 'az3', '--data-center', 'dc3', '-f', 'json');
    expect(created).toEqual({ pod_id: expect.stringMatching(/^[0-9a-f-]{36}$/), region_name: 'Pod3', pod_az_name: '', dc_name: 'dc3', az_name: 'az3' });
    expect(await ok('pod', 'show', created.pod_id, '-f', 'json')).toEqual(created);
    expect((await serve.api('pods.list', { region_name: 'Pod3' })).items.map((p: any) => p.pod_id)).toEqual([created.pod_id]);
    expect(await refused(409, 'pod', 'create', '--region-name', 'Pod3', '--availability-zone', 'az9')).toMatchObject({ conflictingRequest: { code: 409, crosspod_code: 'POD_NAME_DUPLICATED' } });
    expect(await ok('pod', 'delete', created.pod_id)).toBe('');
    expect(await refused(404, 'pod', 'show', created.pod_id)).toEqual({ itemNotFound: { message: 'Pod not found', code: 404, crosspod_code: 'POD_NOT_FOUND' } });
    expect((await serve.api('pods.list', { region_name: 'Pod3' })).items).toEqual([]);
  });

  it('works without Keystone too, with the console token as an admin token (the README’s recipe)', async () => {
    const r = await mn(['pod', 'list', '-f', 'value'], { OS_AUTH_TYPE: 'admin_token', OS_ENDPOINT: `${serve.origin}/v1.0`, OS_TOKEN: TOKEN });
    expect(r).toEqual({ code: 0, stdout: `${pods.RegionOne} RegionOne\n${pods.Pod1} Pod1\n${pods.Pod2} Pod2\n`, stderr: '' });
    const bad = await mn(['pod', 'list'], { OS_AUTH_TYPE: 'admin_token', OS_ENDPOINT: `${serve.origin}/v1.0`, OS_TOKEN: 'not-the-token' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\(HTTP 401\)/);
  });

  it('routing create, list with filters and pages, show, update, delete', async () => {
    const created = await ok('routing', 'create', '--top-id', 'top-net-x', '--bottom-id', 'bottom-net-x', '--pod-id', pods.Pod2, '--project-id', PROJECT, '--resource-type', 'network', '-f', 'json');
    expect(created).toEqual({
      id: expect.any(Number),
      top_id: 'top-net-x',
      bottom_id: 'bottom-net-x',
      pod_id: pods.Pod2,
      project_id: PROJECT,
      resource_type: 'network',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(await ok('routing', 'list', '--top-id', 'top-net-x', '-f', 'json')).toEqual([{ ID: created.id, Pod: pods.Pod2, 'Resource Type': 'network', Top: 'top-net-x' }]);
    // Newest first: the routing just made heads a page of one.
    expect((await ok('routing', 'list', '--limit', '1', '-f', 'json')).map((r: any) => r.ID)).toEqual([created.id]);
    const next = await ok('routing', 'list', '--limit', '1', '--marker', String(created.id), '-f', 'json');
    expect(next).toHaveLength(1);
    expect(next[0].ID).toBeLessThan(created.id);
    const routerRows = await ok('routing', 'list', '--resource-type', 'router', '--project-id', PROJECT, '-f', 'json');
    expect(routerRows).toEqual([{ ID: expect.any(Number), Pod: pods.Pod1, 'Resource Type': 'router', Top: routerId }]);
    expect(await ok('routing', 'show', String(created.id), '-f', 'json')).toEqual(created);
    expect(await ok('routing', 'update', String(created.id), '--bottom-id', 'bottom-net-y')).toBe('');
    expect((await ok('routing', 'show', String(created.id), '-f', 'json')).bottom_id).toBe('bottom-net-y');
    expect(await refused(400, 'routing', 'update', String(created.id), '--pod-id', 'nope')).toEqual({ badRequest: { message: "The pod nope doesn't exist", code: 400, crosspod_code: 'POD_NOT_FOUND' } });
    expect(await ok('routing', 'delete', String(created.id))).toBe('');
    expect(await refused(404, 'routing', 'show', String(created.id))).toEqual({ itemNotFound: { message: 'Resource routing not found', code: 404, crosspod_code: 'NOT_FOUND' } });
  });

  it('job create, list with filters, show; a job that fails in the real pod is redone, another deleted', async () => {
    // Adding the interface already queued one, which has run.
    const earlier = (await serve.api('jobs.list', {})).items.filter((j: any) => j.project_id === PROJECT).map((j: any) => j.id);
    expect(earlier).toHaveLength(1);
    const made = await ok('job', 'create', '--type', 'configure_route', '--project_id', PROJECT, '--router_id', routerId, '-f', 'json');
    expect(made).toEqual({ id: expect.any(String), project_id: PROJECT, type: 'configure_route', timestamp: expect.any(String), status: 'NEW', router_id: routerId });
    await waitJob(made.id, 'SUCCESS');
    expect(await ok('job', 'show', made.id, '-f', 'json')).toEqual({ ...made, status: 'SUCCESS', timestamp: expect.any(String) });
    expect(await ok('job', 'list', '--project-id', PROJECT, '--status', 'SUCCESS', '-f', 'json')).toEqual(
      [made.id, earlier[0]].map((id) => ({ ID: id, Project: PROJECT, Status: 'SUCCESS', Timestamp: expect.any(String), Type: 'configure_route' })),
    );
    expect(await refused(400, 'job', 'redo', made.id)).toEqual({ badRequest: { message: `Job ${made.id} is from job log`, code: 400, crosspod_code: 'JOB_NOT_REDOABLE' } });

    // Pod1 goes down: the next job fails there, and is redone once it is back.
    regionUp = false;
    const failing = await ok('job', 'create', '--type', 'configure_route', '--project_id', PROJECT, '--router_id', routerId, '-f', 'json');
    await waitJob(failing.id, 'FAIL');
    expect(await ok('job', 'list', '--project-id', PROJECT, '--status', 'fail', '-f', 'json')).toEqual([
      { ID: failing.id, Project: PROJECT, Status: 'FAIL', Timestamp: expect.any(String), Type: 'configure_route' },
    ]);
    regionUp = true;
    expect(await ok('job', 'redo', failing.id)).toBe('');
    await waitJob(failing.id, 'SUCCESS');
    expect((await ok('job', 'show', failing.id, '-f', 'json')).status).toBe('SUCCESS');

    regionUp = false;
    const dropped = await ok('job', 'create', '--type', 'configure_route', '--project_id', PROJECT, '--router_id', routerId, '-f', 'json');
    await waitJob(dropped.id, 'FAIL');
    regionUp = true;
    expect(await ok('job', 'delete', dropped.id)).toBe('');
    expect(await refused(404, 'job', 'show', dropped.id)).toEqual({ itemNotFound: { message: 'Resource not found', code: 404, crosspod_code: 'NOT_FOUND' } });
    expect(await refused(400, 'job', 'delete', made.id)).toMatchObject({ badRequest: { code: 400, crosspod_code: 'JOB_NOT_DELETABLE' } });
    expect(await refused(400, 'job', 'create', '--type', 'configure_route', '--project_id', 'someone-else', '--router_id', routerId)).toMatchObject({
      badRequest: { message: `router ${routerId} doesn't belong to the project someone-else`, crosspod_code: 'JOB_RESOURCE_NOT_OWNED' },
    });
    expect(await refused(400, 'job', 'create', '--type', 'seg_rule_setup', '--project_id', PROJECT)).toMatchObject({ badRequest: { message: 'There is no such job type: seg_rule_setup' } });
  });
});
