// The real `openstack` CLI (Debian's python3-openstackclient 6.0.0) as an operator runs it: a
// password login to the suite's real Keystone, whose catalog names a Crosspod console
// (`npm run serve -- --keystone-url …`) as the `network` endpoint of a region of its own. The
// reference's worked example (§12) is then driven through the console's /v2.0 on lab pods, with
// Keystone's project ids. The console takes the Keystone token (admin role), or its own token,
// and refuses a bad one, a member's, and the caller's own X-Project-Id.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { passwordEnv, runCli, type CliRun } from './cli';
import { issueToken, KeystoneAdmin } from './keystone-harness';

const root = join(__dirname, '..', '..');
const OPENSTACK = '/usr/bin/openstack';
const TOKEN = 'cli-ks-console-token-90c1f2';
const ks = inject('keystone');
const REGION = `CrosspodRegion-${randomUUID().slice(0, 6)}`;

const dir = mkdtempSync(join(tmpdir(), 'crosspod-openstack-ks-'));
let child: ChildProcess | undefined;
let exited: Promise<number | null> | undefined;
let origin = '';
let admin: KeystoneAdmin;
/** Keystone's ids of the projects the example uses. */
const project = { tester: '', proj1: '' };

function openstack(args: string[], os: Record<string, string> = passwordEnv(ks, ks.tester, REGION)): Promise<CliRun> {
  return runCli(OPENSTACK, args, os, dir);
}

/** A command that must succeed; `-f json` output parsed. */
async function os(...args: string[]): Promise<any> {
  const r = await openstack(args);
  if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return args.includes('json') ? JSON.parse(r.stdout) : r.stdout;
}

async function api(method: string, body: unknown): Promise<any> {
  const r = await fetch(`${origin}/api/${method}`, { method: 'POST', headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const env = (await r.json()) as { ok: boolean; value?: unknown; error?: unknown };
  if (!env.ok) throw new Error(`${method}: ${JSON.stringify(env.error)}`);
  return env.value;
}

beforeAll(async () => {
  if (!existsSync(OPENSTACK)) throw new Error(`${OPENSTACK} is missing: apt-get install python3-openstackclient (it comes with python3-neutron)`);
  admin = await KeystoneAdmin.login(ks.auth_url, ks.admin);
  project.tester = (await admin.getOrCreate('projects', 'project', ks.tester.project_name, { domain_id: 'default' })).id;
  project.proj1 = (await admin.getOrCreate('projects', 'project', 'proj1', { domain_id: 'default', enabled: true })).id;
  // Its own process group: tsx runs the server in a child of its own.
  child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['main/serve/cli.ts', '--db', join(dir, 'crosspod.db'), '--port', '0', '--keystone-url', ks.auth_url], {
    cwd: root,
    env: { ...process.env, CROSSPOD_TOKEN: TOKEN },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exited = new Promise((r) => child!.on('exit', (code) => r(code)));
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL line; stdout=${out} stderr=${err}`)), 60_000);
    child!.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Crosspod console: (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited!.then((code) => reject(new Error(`serve exited ${code}; stderr=${err}`)));
  });
  await admin.setNetworkEndpoints(REGION, { public: origin, internal: origin });
  await api('pods.create', { region_name: 'RegionOne' });
  await api('pods.create', { region_name: 'Pod1', az_name: 'az1' });
  await api('pods.create', { region_name: 'Pod2', az_name: 'az2' });
});

afterAll(async () => {
  await admin?.dropRegion(REGION);
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    process.kill(-child.pid, 'SIGTERM');
    const stopped = await Promise.race([exited!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    if (!stopped) process.kill(-child.pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('openstack CLI with a Keystone password login, the console in the catalog', () => {
  const ids: Record<string, string> = {};

  it('logs in with a project-scoped token and finds the console as the region’s network endpoint', async () => {
    const token = await os('token', 'issue', '-f', 'json');
    expect(token.project_id).toBe(project.tester);
    const eps = await os('endpoint', 'list', '--service', 'network', '--region', REGION, '-f', 'json');
    expect(eps.map((e: { Interface: string; URL: string }) => [e.Interface, e.URL]).sort()).toEqual([
      ['internal', origin],
      ['public', origin],
    ]);
  });

  it('is refused with a bad token, with a member’s login, and takes the console’s own token', async () => {
    const tokenEnv = (t: string) => ({ OS_AUTH_TYPE: 'admin_token', OS_ENDPOINT: origin, OS_TOKEN: t });
    const bad = await openstack(['network', 'list'], tokenEnv('gAAAAABnot-a-real-fernet-token'));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('401');
    const member = await openstack(['network', 'list'], passwordEnv(ks, ks.member, REGION));
    expect(member.code).not.toBe(0);
    expect(member.stderr).toContain('403');
    const own = await openstack(['network', 'list', '-f', 'json'], tokenEnv(TOKEN));
    expect(own).toMatchObject({ code: 0, stdout: '[]\n' });
  });

  it('answers the HTTP refusals in Neutron’s format, and ignores a caller’s X-Project-Id', async () => {
    const get = (token: string) => fetch(`${origin}/v2.0/networks`, { headers: { 'X-Auth-Token': token } });
    const bad = await get('gAAAAABnot-a-real-fernet-token');
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { NeutronError: { type: string } }).NeutronError.type).toBe('HTTPUnauthorized');
    const member = await get((await issueToken(ks.auth_url, ks.member)).token);
    expect(member.status).toBe(403);
    expect(await member.json()).toEqual({ NeutronError: { type: 'HTTPForbidden', message: 'The Keystone token lacks the admin role', detail: '' } });
    // The project comes from the token, as behind keystonemiddleware.
    const { token } = await issueToken(ks.auth_url, ks.tester);
    const r = await fetch(`${origin}/v2.0/networks`, {
      method: 'POST',
      headers: { 'X-Auth-Token': token, 'X-Project-Id': 'someone-else', 'Content-Type': 'application/json' },
      body: JSON.stringify({ network: { name: 'scoped' } }),
    });
    expect(r.status).toBe(201);
    const net = ((await r.json()) as { network: { id: string; project_id: string } }).network;
    expect(net.project_id).toBe(project.tester);
    expect((await fetch(`${origin}/v2.0/networks/${net.id}`, { method: 'DELETE', headers: { 'X-Auth-Token': token } })).status).toBe(204);
  });

  it('creates the external network in Pod2 (the token’s project) and its subnet', async () => {
    const net = await os('network', 'create', '--external', '--availability-zone-hint', 'Pod2', 'ext-net', '-f', 'json');
    expect(net).toMatchObject({ name: 'ext-net', 'router:external': true, availability_zone_hints: ['Pod2'], project_id: project.tester, status: 'ACTIVE' });
    ids.ext = net.id;
    const sub = await os('subnet', 'create', '--network', 'ext-net', '--subnet-range', '162.3.124.0/24', '--no-dhcp', 'ext-sub', '-f', 'json');
    expect(sub).toMatchObject({ name: 'ext-sub', network_id: ids.ext, cidr: '162.3.124.0/24', gateway_ip: '162.3.124.1', enable_dhcp: false, allocation_pools: [{ start: '162.3.124.2', end: '162.3.124.254' }] });
    ids.extSub = sub.id;
  });

  it('creates net1 in az1 for proj1 (found in Keystone), its subnet and router R', async () => {
    const net = await os('network', 'create', '--availability-zone-hint', 'az1', 'net1', '--project', 'proj1', '-f', 'json');
    expect(net).toMatchObject({ name: 'net1', project_id: project.proj1, 'router:external': false, availability_zone_hints: ['az1'] });
    ids.net1 = net.id;
    const sub = await os('subnet', 'create', '--project', 'proj1', '--network', 'net1', '--subnet-range', '10.0.1.0/24', 'sub1', '-f', 'json');
    expect(sub).toMatchObject({ name: 'sub1', network_id: ids.net1, project_id: project.proj1, cidr: '10.0.1.0/24', gateway_ip: '10.0.1.1', enable_dhcp: true });
    ids.sub1 = sub.id;
    const router = await os('router', 'create', 'R', '--project', 'proj1', '-f', 'json');
    expect(router).toMatchObject({ name: 'R', project_id: project.proj1, external_gateway_info: null, status: 'ACTIVE' });
    ids.router = router.id;
  });

  it('adds sub1 to R and sets the gateway at 162.3.124.2', async () => {
    expect(await os('router', 'add', 'subnet', 'R', 'sub1')).toBe('');
    expect(await os('router', 'set', 'R', '--external-gateway', 'ext-net', '--fixed-ip', 'subnet=ext-sub,ip-address=162.3.124.2')).toBe('');
    const r = await os('router', 'show', 'R', '-f', 'json');
    expect(r.external_gateway_info).toEqual({ network_id: ids.ext, enable_snat: true, external_fixed_ips: [{ subnet_id: ids.extSub, ip_address: '162.3.124.2' }] });
    expect(r.interfaces_info).toEqual([{ port_id: expect.any(String), ip_address: '10.0.1.1', subnet_id: ids.sub1 }]);
  });

  it('creates the VM port at 10.0.1.4 and floating IP 162.3.124.5 on it: two-step DNAT 162.3.124.5 → 100.128.0.3 → 10.0.1.4', async () => {
    const port = await os('port', 'create', '--project', 'proj1', '--network', 'net1', '--fixed-ip', 'subnet=sub1,ip-address=10.0.1.4', 'vm1', '-f', 'json');
    expect(port).toMatchObject({ name: 'vm1', network_id: ids.net1, project_id: project.proj1, fixed_ips: [{ subnet_id: ids.sub1, ip_address: '10.0.1.4' }] });
    ids.vm = port.id;
    const created = await os('floating', 'ip', 'create', '--project', 'proj1', '--floating-ip-address', '162.3.124.5', '--port', 'vm1', 'ext-net', '-f', 'json');
    expect(created).toMatchObject({ floating_ip_address: '162.3.124.5', floating_network_id: ids.ext, port_id: ids.vm, fixed_ip_address: '10.0.1.4', project_id: project.proj1 });
    ids.fip = created.id;
    const path = await api('fips.path', { id: ids.fip });
    expect(path.mode).toBe('two-step');
    expect(path.hops).toEqual([
      { role: 'external', address: '162.3.124.5', region: 'Pod2', network_id: ids.ext, network_name: 'ext-net' },
      { role: 'bridge', address: '100.128.0.3', region: 'Pod1', network_id: expect.any(String), network_name: `ns_bridge_net_${project.proj1}`, vlan: 2002 },
      { role: 'fixed', address: '10.0.1.4', region: 'Pod1', network_id: ids.net1, network_name: 'net1' },
    ]);
    expect(await os('floating', 'ip', 'unset', '--port', '162.3.124.5')).toBe('');
    expect((await api('fips.path', { id: ids.fip })).mode).toBe('unbound');
  });

  it('deletes everything', async () => {
    await os('floating', 'ip', 'delete', '162.3.124.5');
    await os('router', 'unset', '--external-gateway', 'R');
    await os('router', 'remove', 'subnet', 'R', 'sub1');
    await os('port', 'delete', 'vm1');
    await os('router', 'delete', 'R');
    await os('subnet', 'delete', 'sub1', 'ext-sub');
    await os('network', 'delete', 'net1', 'ext-net');
    expect(await os('network', 'list', '-f', 'json')).toEqual([]);
    expect(await os('floating', 'ip', 'list', '-f', 'json')).toEqual([]);
  });
});
