// The real `openstack` CLI (Debian's python3-openstackclient 6.0.0) against `npm run serve`:
// the reference's worked example driven through Crosspod's Neutron API with the console's
// token (admin_token auth to a fixed endpoint), on lab pods.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const OPENSTACK = '/usr/bin/openstack';
const TOKEN = 'cli-test-token-5d81b0';

const dir = mkdtempSync(join(tmpdir(), 'crosspod-openstack-cli-'));
let child: ChildProcess | undefined;
let exited: Promise<number | null> | undefined;
let origin = '';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Only what the CLI needs: no OS_* or python variables from the caller's environment. */
function cliEnv(token: string): Record<string, string> {
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  return { PATH: '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', OS_AUTH_TYPE: 'admin_token', OS_ENDPOINT: origin, OS_TOKEN: token };
}

function openstack(args: string[], token = TOKEN): Promise<Run> {
  return new Promise((resolve) => {
    execFile(OPENSTACK, args, { env: cliEnv(token), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
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
  // Its own process group: tsx runs the server in a child of its own.
  child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['main/serve/cli.ts', '--db', join(dir, 'crosspod.db'), '--port', '0'], {
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
  await api('pods.create', { region_name: 'RegionOne' });
  await api('pods.create', { region_name: 'Pod1', az_name: 'az1' });
  await api('pods.create', { region_name: 'Pod2', az_name: 'az2' });
});

afterAll(async () => {
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    process.kill(-child.pid, 'SIGTERM');
    const stopped = await Promise.race([exited!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    if (!stopped) process.kill(-child.pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('openstack CLI against Crosspod’s Neutron API', () => {
  const ids: Record<string, string> = {};

  it('runs with admin_token auth and no other OS_* variable', () => {
    expect(Object.keys(cliEnv(TOKEN)).filter((k) => k.startsWith('OS_')).sort()).toEqual(['OS_AUTH_TYPE', 'OS_ENDPOINT', 'OS_TOKEN']);
  });

  it('is refused without the right token', async () => {
    const r = await openstack(['network', 'list'], 'wrong-token');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('401');
  });

  it('lists the extensions the commands rely on', async () => {
    const aliases = (await os('extension', 'list', '--network', '-f', 'json')).map((e: { Alias: string }) => e.Alias);
    expect(aliases).toEqual(expect.arrayContaining(['router', 'external-net', 'extraroute', 'availability_zone', 'network_availability_zone', 'provider']));
  });

  it('creates the external network in Pod2 and its subnet', async () => {
    const net = await os('network', 'create', '--external', '--availability-zone-hint', 'Pod2', 'ext-net', '-f', 'json');
    expect(net).toMatchObject({ name: 'ext-net', 'router:external': true, availability_zone_hints: ['Pod2'], project_id: 'admin', status: 'ACTIVE' });
    ids.ext = net.id;
    const sub = await os('subnet', 'create', '--network', 'ext-net', '--subnet-range', '162.3.124.0/24', '--no-dhcp', 'ext-sub', '-f', 'json');
    expect(sub).toMatchObject({ name: 'ext-sub', network_id: ids.ext, cidr: '162.3.124.0/24', gateway_ip: '162.3.124.1', enable_dhcp: false, allocation_pools: [{ start: '162.3.124.2', end: '162.3.124.254' }] });
    ids.extSub = sub.id;
  });

  it('creates net1 in az1 for proj1, its subnet and router R', async () => {
    const net = await os('network', 'create', '--availability-zone-hint', 'az1', 'net1', '--project', 'proj1', '-f', 'json');
    expect(net).toMatchObject({ name: 'net1', project_id: 'proj1', 'router:external': false, availability_zone_hints: ['az1'] });
    ids.net1 = net.id;
    const sub = await os('subnet', 'create', '--network', 'net1', '--subnet-range', '10.0.1.0/24', 'sub1', '-f', 'json');
    expect(sub).toMatchObject({ name: 'sub1', network_id: ids.net1, project_id: 'proj1', cidr: '10.0.1.0/24', gateway_ip: '10.0.1.1', enable_dhcp: true });
    ids.sub1 = sub.id;
    const router = await os('router', 'create', 'R', '--project', 'proj1', '-f', 'json');
    expect(router).toMatchObject({ name: 'R', project_id: 'proj1', external_gateway_info: null, status: 'ACTIVE' });
    ids.router = router.id;
  });

  it('adds sub1 to R and sets the gateway at 162.3.124.2', async () => {
    expect(await os('router', 'add', 'subnet', 'R', 'sub1')).toBe('');
    expect(await os('router', 'set', 'R', '--external-gateway', 'ext-net', '--fixed-ip', 'subnet=ext-sub,ip-address=162.3.124.2')).toBe('');
    const r = await os('router', 'show', 'R', '-f', 'json');
    expect(r.external_gateway_info).toEqual({ network_id: ids.ext, enable_snat: true, external_fixed_ips: [{ subnet_id: ids.extSub, ip_address: '162.3.124.2' }] });
    expect(r.interfaces_info).toEqual([{ port_id: expect.any(String), ip_address: '10.0.1.1', subnet_id: ids.sub1 }]);
  });

  it('creates the VM port at 10.0.1.4, and refuses a second one there with the message shown', async () => {
    const port = await os('port', 'create', '--network', 'net1', '--fixed-ip', 'subnet=sub1,ip-address=10.0.1.4', 'vm1', '-f', 'json');
    expect(port).toMatchObject({ name: 'vm1', network_id: ids.net1, project_id: 'proj1', fixed_ips: [{ subnet_id: ids.sub1, ip_address: '10.0.1.4' }] });
    ids.vm = port.id;
    const dup = await openstack(['port', 'create', '--network', 'net1', '--fixed-ip', 'subnet=sub1,ip-address=10.0.1.4', 'vm2']);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain('ConflictException: 409');
    expect(dup.stderr).toContain(`10.0.1.4 is already allocated in subnet ${ids.sub1} (10.0.1.0/24)`);
  });

  it('creates floating IP 162.3.124.5 on vm1: two-step DNAT 162.3.124.5 → 100.128.0.3 → 10.0.1.4', async () => {
    const created = await os('floating', 'ip', 'create', '--floating-ip-address', '162.3.124.5', '--port', 'vm1', 'ext-net', '-f', 'json');
    expect(created).toMatchObject({ floating_ip_address: '162.3.124.5', floating_network_id: ids.ext, port_id: ids.vm, fixed_ip_address: '10.0.1.4' });
    ids.fip = created.id;
    const fip = await os('floating', 'ip', 'show', '162.3.124.5', '-f', 'json');
    expect(fip).toMatchObject({ id: ids.fip, floating_ip_address: '162.3.124.5', fixed_ip_address: '10.0.1.4', port_id: ids.vm, router_id: ids.router, project_id: 'proj1' });
    const path = await api('fips.path', { id: ids.fip });
    expect(path.mode).toBe('two-step');
    expect(path.hops).toEqual([
      { role: 'external', address: '162.3.124.5', region: 'Pod2', network_id: ids.ext, network_name: 'ext-net' },
      { role: 'bridge', address: '100.128.0.3', region: 'Pod1', network_id: expect.any(String), network_name: 'ns_bridge_net_proj1', vlan: 2002 },
      { role: 'fixed', address: '10.0.1.4', region: 'Pod1', network_id: ids.net1, network_name: 'net1' },
    ]);
  });

  it('security groups: group and rule create, list, port set; the path then admits ssh from anywhere', async () => {
    const web = await os('security', 'group', 'create', 'web', '--project', 'proj1', '--description', 'the web tier', '-f', 'json');
    expect(web).toMatchObject({ name: 'web', description: 'the web tier', project_id: 'proj1', stateful: true });
    const rule = await os('security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '22', '--remote-ip', '0.0.0.0/0', 'web', '-f', 'json');
    expect(rule).toMatchObject({ security_group_id: web.id, direction: 'ingress', ether_type: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0' });
    const groups = await os('security', 'group', 'list', '--project', 'proj1', '-f', 'json');
    expect(groups.map((g: { Name: string }) => g.Name).sort()).toEqual(['default', 'web']);
    const rules = await os('security', 'group', 'rule', 'list', 'web', '-f', 'json');
    expect(rules.map((r: { Direction: string; 'Port Range': string }) => `${r.Direction} ${r['Port Range']}`).sort()).toEqual(['egress ', 'egress ', 'ingress 22:22']);
    const dup = await openstack(['security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '22', '--remote-ip', '0.0.0.0/0', 'web']);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain('409');
    expect(dup.stderr).toContain('Security group rule already exists');
    // The VM admits nothing from outside until web is added to its port.
    expect((await api('fips.path', { id: ids.fip })).admits).toEqual({ ingress: false, rules: [] });
    await os('port', 'set', '--security-group', 'web', 'vm1');
    const port = await os('port', 'show', 'vm1', '-f', 'json');
    expect(port.security_group_ids).toHaveLength(2);
    expect(port.security_group_ids).toContain(web.id);
    expect((await api('fips.path', { id: ids.fip })).admits).toMatchObject({ ingress: true, rules: [{ security_group_name: 'web', protocol: 'tcp', port_range_min: 22, anywhere: true }] });
    const inUse = await openstack(['security', 'group', 'delete', 'web']);
    expect(inUse.code).not.toBe(0);
    expect(inUse.stderr).toContain('in use by port vm1');
    const dflt = await openstack(['security', 'group', 'delete', 'default']);
    expect(dflt.code).not.toBe(0);
    await os('port', 'unset', '--security-group', 'web', 'vm1');
    await os('security', 'group', 'delete', 'web');
    expect((await os('security', 'group', 'list', '--project', 'proj1', '-f', 'json')).map((g: { Name: string }) => g.Name)).toEqual(['default']);
  });

  it('unsets and sets the port: the path unbinds and binds again', async () => {
    expect(await os('floating', 'ip', 'unset', '--port', '162.3.124.5')).toBe('');
    expect(await os('floating', 'ip', 'show', '162.3.124.5', '-f', 'json')).toMatchObject({ port_id: null, fixed_ip_address: null, router_id: null });
    expect(await api('fips.path', { id: ids.fip })).toMatchObject({ mode: 'unbound', hops: [{ role: 'external', address: '162.3.124.5' }] });
    await os('floating', 'ip', 'set', '--port', 'vm1', '162.3.124.5');
    expect((await api('fips.path', { id: ids.fip })).hops.map((h: { address: string }) => h.address)).toEqual(['162.3.124.5', '100.128.0.3', '10.0.1.4']);
    await os('floating', 'ip', 'unset', '--port', '162.3.124.5');
    expect((await api('fips.path', { id: ids.fip })).mode).toBe('unbound');
  });

  it('deletes the floating IP, clears the gateway, removes the interface and deletes everything', async () => {
    await os('floating', 'ip', 'delete', '162.3.124.5');
    expect(await os('floating', 'ip', 'list', '-f', 'json')).toEqual([]);
    await os('router', 'unset', '--external-gateway', 'R');
    expect((await os('router', 'show', 'R', '-f', 'json')).external_gateway_info).toBeNull();
    await os('router', 'remove', 'subnet', 'R', 'sub1');
    expect((await os('router', 'show', 'R', '-f', 'json')).interfaces_info).toEqual([]);
    await os('port', 'delete', 'vm1');
    await os('router', 'delete', 'R');
    await os('subnet', 'delete', 'sub1', 'ext-sub');
    await os('network', 'delete', 'net1', 'ext-net');
    expect(await os('network', 'list', '-f', 'json')).toEqual([]);
    expect(await os('port', 'list', '-f', 'json')).toEqual([]);
    const gone = await openstack(['network', 'show', 'net1']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('No Network found for net1');
  });
});
