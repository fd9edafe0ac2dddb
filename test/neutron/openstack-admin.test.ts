// The `openstack` CLI (Debian's python3-openstackclient 6.0.0) against `npm run serve`,
// inspecting a lab pod through its own region endpoint /regions/<region>. (/v1.0 is driven by the
// real python-tricircleclient in tricircle-client.test.ts.)
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from './serve-process';

const OPENSTACK = '/usr/bin/openstack';
const TOKEN = 'admin-clients-token-2f7a';

const dir = mkdtempSync(join(tmpdir(), 'crosspod-openstack-admin-'));
let serve: ServeProcess;
let pods: Record<string, string>;

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

beforeAll(async () => {
  if (!existsSync(OPENSTACK)) throw new Error(`${OPENSTACK} is missing: apt-get install python3-openstackclient (it comes with python3-neutron)`);
  serve = await startServe(join(dir, 'crosspod.db'), TOKEN);
  await serve.api('lab.loadExample', {});
  pods = Object.fromEntries((await serve.api('pods.list', {})).items.map((p: any) => [p.region_name, p.pod_id]));
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
