// Reads on a budget (issue 11): a page of floating IPs with their paths costs one list call per
// (pod, resource type) involved, however many floating IPs it holds; and a pod that is down, or
// that accepts connections and never answers, degrades only its own hops.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrosspodError } from '../../shared/errors';
import type { FipPath, Network, Port } from '../../shared/model';
import { newEngine, tapDriver, threePods, type TestEngine } from './support/engine';

let t: TestEngine;
const calls: string[] = [];
let failPod: string | null = null;

beforeEach(async () => {
  calls.length = 0;
  failPod = null;
  t = await newEngine({
    settings: { read_budget_ms: 1500 } as never,
    driverFactory: (pod, base) =>
      tapDriver(base(pod), (method, args) => {
        calls.push(`${pod.region_name} ${method} ${typeof args[0] === 'string' ? args[0] : ''}`.trim());
        if (failPod === pod.region_name && method !== 'close') throw new CrosspodError('POD_UNREACHABLE', `${pod.region_name} is down (injected)`);
      }),
  });
  await threePods(t.engine);
});
afterEach(async () => {
  await t.close();
});

const api = () => t.engine.api;

/** ext-net in Pod2, a router with net1 (az1) and net2 (az2), and `n` VMs with floating IPs in each. */
async function build(n: number): Promise<{ ext: Network; vms: Port[] }> {
  const ext = await api()['networks.create']({ name: 'ext-net', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'] });
  await api()['subnets.create']({ network_id: ext.id, cidr: '162.3.0.0/16', enable_dhcp: false });
  const r = await api()['routers.create']({ name: 'R', project_id: 'proj1' });
  const vms: Port[] = [];
  for (const [az, cidr, net] of [['az1', '10.0.1.0/24', 'net1'], ['az2', '10.0.2.0/24', 'net2']] as const) {
    const nw = await api()['networks.create']({ name: net, project_id: 'proj1', availability_zone_hints: [az] });
    const sub = await api()['subnets.create']({ network_id: nw.id, cidr });
    await api()['routers.addInterface']({ id: r.id, subnet_id: sub.id });
    for (let i = 0; i < n; i++) vms.push(await api()['ports.create']({ network_id: nw.id, device_owner: `compute:${az}` }));
  }
  await api()['routers.setGateway']({ id: r.id, network_id: ext.id });
  for (const vm of vms) await api()['fips.create']({ floating_network_id: ext.id, port_id: vm.id });
  await t.engine.idle();
  return { ext, vms };
}

const reads = () => calls.filter((c) => / (list|get) /.test(`${c} `));

describe('a page of floating IPs with paths', () => {
  it('costs one list per (pod, resource type), whatever the page size', async () => {
    await build(12);
    for (const limit of [4, 24]) {
      calls.length = 0;
      const page = await api()['fips.listWithPaths']({ limit });
      expect(page.items).toHaveLength(limit);
      // Pod2: its floating IPs, the ports they are bound to, the bridge network (VLAN);
      // Pod1: the bridge floating IPs, the VM ports and their security-group rules (admits).
      // Pod2's own VMs are same-pod.
      // Security-group rules are read in each pod that holds a VM of the page (admits).
      const all = ['Pod1 list floatingip', 'Pod1 list port', 'Pod1 list security_group_rule', 'Pod2 list floatingip', 'Pod2 list network', 'Pod2 list port', 'Pod2 list security_group_rule'];
      expect(reads().sort()).toEqual(limit === 24 ? all : all.filter((r) => r !== 'Pod2 list security_group_rule'));
    }
    const page = await api()['fips.listWithPaths']({ limit: 24 });
    const modes = page.items.map((f) => [f.fixed_ip_address, f.path.mode, f.path.hops.length]);
    expect(modes.filter(([, m]) => m === 'two-step')).toHaveLength(12);
    expect(modes.filter(([, m, n]) => m === 'same-pod' && n === 2)).toHaveLength(12);
    // The same paths as one floating IP at a time.
    for (const f of page.items) expect(f.path).toEqual({ ...(await api()['fips.path']({ id: f.id })), observed_at: f.path.observed_at });
  });
});

describe('a pod that is down', () => {
  it('marks only its own hops unreachable, filled in from the top; the page still renders', async () => {
    await build(2);
    const before = (await api()['fips.listWithPaths']({})).items;
    failPod = 'Pod1';
    const page = (await api()['fips.listWithPaths']({})).items;
    expect(page).toHaveLength(4);
    for (const [k, f] of page.entries()) {
      const ok = before[k].path;
      if (ok.hops[2]?.region === 'Pod1') {
        // The external hop was read from Pod2; the fixed hop from the top, with Pod1's error.
        expect(f.path.mode).toBe('two-step');
        expect(f.path.hops.map((h) => [h.role, h.address, h.region, h.error?.code ?? null])).toEqual([
          ['external', ok.hops[0].address, 'Pod2', null],
          ['bridge', ok.hops[1].address, 'Pod1', null],
          ['fixed', ok.hops[2].address, 'Pod1', 'POD_UNREACHABLE'],
        ]);
      } else {
        expect(f.path).toEqual({ ...ok, observed_at: f.path.observed_at });
      }
    }
    // The external pod down: every path comes from the top, each hop with the error.
    failPod = 'Pod2';
    const down = (await api()['fips.listWithPaths']({})).items.map((f) => f.path);
    const twoStep = down.find((p) => p.hops.length === 3)!;
    expect(twoStep.mode).toBe('two-step');
    expect(twoStep.hops.map((h) => [h.role, h.error?.code ?? null])).toEqual([
      ['external', 'POD_UNREACHABLE'],
      ['bridge', 'POD_UNREACHABLE'],
      ['fixed', null],
    ]);
    expect(twoStep.hops[1].vlan).toBe(2002);
    const samePod = down.find((p) => p.hops.length === 2)!;
    expect(samePod.hops.map((h) => [h.role, h.error?.code ?? null])).toEqual([
      ['external', 'POD_UNREACHABLE'],
      ['fixed', 'POD_UNREACHABLE'],
    ]);
  });
});

describe('real HTTP pods that fail', () => {
  let hung: Server;
  const sockets: Socket[] = [];
  beforeEach(async () => {
    hung = createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  });
  afterEach(async () => {
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => hung.close(r));
  });

  async function repoint(region: string, endpoint: string): Promise<void> {
    const pod = (await api()['pods.list']({ region_name: region })).items[0];
    await api()['pods.update']({ pod_id: pod.pod_id, driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint, timeout_ms: 60_000 } });
  }

  it('a neutron pod at a closed port: its hops carry POD_UNREACHABLE', async () => {
    await build(1);
    await repoint('Pod1', 'http://127.0.0.1:1');
    const paths: FipPath[] = (await api()['fips.listWithPaths']({})).items.map((f) => f.path);
    const cross = paths.find((p) => p.hops.length === 3 && p.hops[2].region === 'Pod1')!;
    expect(cross.hops[2].error?.code).toBe('POD_UNREACHABLE');
    expect(cross.hops[0].error).toBeUndefined();
  });

  it('a neutron pod that accepts and never answers: its hops carry POD_TIMEOUT after the read budget', async () => {
    await build(1);
    const port = (hung.address() as { port: number }).port;
    await repoint('Pod2', `http://127.0.0.1:${port}`);
    const paths: FipPath[] = (await api()['fips.listWithPaths']({})).items.map((f) => f.path);
    expect(paths).toHaveLength(2);
    for (const p of paths) expect(p.hops[0].error).toMatchObject({ code: 'POD_TIMEOUT', message: 'Pod2 did not answer within 1500 ms' });
 
    // The budget's timeout is the pod's health too: failing, in pods.health and in the estate.
    const pod2 = (await api()['pods.health']({})).pods.find((p) => p.region_name === 'Pod2')!;
    expect(pod2.reads).toMatchObject({ status: 'failing', last_ok_at: null, last_error: { code: 'POD_TIMEOUT', message: 'Pod2 did not answer within 1500 ms' } });
    const estate = (await api()['topology.summary']({})).pods.find((p) => p.region_name === 'Pod2')!;
    expect(estate.health.status).toBe('unreachable');
  });
});
