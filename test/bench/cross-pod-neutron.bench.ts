// Cross-pod associates on REAL Neutron (issue 10, item 5): the latency of one associate with its
// two pod chains one after another (parallel_pod_steps off, how it ran before) and side by side,
// in the same run on the same pods; then 8 associates spread over two pods and four routers,
// called all at once against the same 8 called one after another. Pods of its own (ports
// BENCH_NEUTRON_PORT, default 19110, and 19111). Prints figures; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../main/engine';
import { leaseNeutronPods, missingPackages, releaseNeutronPods } from '../neutron/harness';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms: number) => Number((ms / 1000).toFixed(2));

export async function run(): Promise<void> {
  if (missingPackages().length > 0) {
    console.log(`skipped: ${missingPackages().join(', ')} not installed`);
    return;
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'crosspod-bench-xpod-'));
  const dir = mkdtempSync(join(tmpdir(), 'crosspod-bench-xpod-db-'));
  const { pods } = await leaseNeutronPods({ count: 2, basePort: Number(process.env.BENCH_NEUTRON_PORT ?? 19110), stateDir, fresh: true });
  const engine = await createEngine({ dbPath: join(dir, 'crosspod.db') });
  try {
    const api = engine.api;
    await api['pods.create']({ region_name: 'RegionOne' });
    await api['pods.create']({ region_name: 'Pod1', az_name: 'az1', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: pods[0].url } });
    await api['pods.create']({ region_name: 'Pod2', az_name: 'az2', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: pods[1].url } });
    // Four routers: two with their VMs in Pod1 and the external network in Pod2, two the other
    // way round; two VM ports and two floating IPs each.
    const work: { fip: string; port: string }[][] = [];
    for (const [k, vmAz, extPod] of [[0, 'az1', 'Pod2'], [1, 'az2', 'Pod1'], [2, 'az1', 'Pod2'], [3, 'az2', 'Pod1']] as const) {
      const project = `proj${k}`;
      await api['quotas.update']({ project_id: project, floatingip: -1, port: -1 });
      const ext = await api['networks.create']({ name: `ext${k}`, project_id: 'admin', 'router:external': true, availability_zone_hints: [extPod] });
      const extSub = await api['subnets.create']({ network_id: ext.id, cidr: `162.3.${k + 1}.0/24`, enable_dhcp: false, allocation_pools: [{ start: `162.3.${k + 1}.100`, end: `162.3.${k + 1}.200` }] });
      const net = await api['networks.create']({ name: `net${k}`, project_id: project, availability_zone_hints: [vmAz] });
      const sub = await api['subnets.create']({ network_id: net.id, cidr: `10.0.${k + 1}.0/24`, enable_dhcp: false });
      const r = await api['routers.create']({ name: `R${k}`, project_id: project });
      await api['routers.addInterface']({ id: r.id, subnet_id: sub.id });
      await api['routers.setGateway']({ id: r.id, network_id: ext.id, external_fixed_ips: [{ subnet_id: extSub.id, ip_address: `162.3.${k + 1}.2` }] });
      const pairs: { fip: string; port: string }[] = [];
      for (let i = 0; i < 2; i++) {
        const vm = await api['ports.create']({ network_id: net.id, device_owner: `compute:${vmAz}`, fixed_ips: [{ ip_address: `10.0.${k + 1}.${10 + i}` }] });
        const f = await api['fips.create']({ floating_network_id: ext.id, floating_ip_address: `162.3.${k + 1}.${10 + i}` });
        pairs.push({ fip: f.id, port: vm.id });
      }
      // Warm: the N-S bridge and the VMs' bottom ports exist, as for any associate after the first.
      for (const p of pairs) {
        await api['fips.associate']({ id: p.fip, port_id: p.port });
        await api['fips.disassociate']({ id: p.fip });
      }
      work.push(pairs);
    }

    // 1. One cross-pod associate: chains in turn, then side by side, alternating.
    const one = { serial: [] as number[], parallel: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const mode of ['serial', 'parallel'] as const) {
        engine.settings.parallel_pod_steps = mode === 'parallel';
        const t = performance.now();
        await api['fips.associate']({ id: work[0][0].fip, port_id: work[0][0].port });
        one[mode].push(performance.now() - t);
        await api['fips.disassociate']({ id: work[0][0].fip });
      }
    }
    engine.settings.parallel_pod_steps = true;

    // 2. Eight associates over two pods: one after another, then all at once.
    const all = work.flat();
    const undoAll = async () => {
      for (const p of all) await api['fips.disassociate']({ id: p.fip });
    };
    let t = performance.now();
    for (const p of all) await api['fips.associate']({ id: p.fip, port_id: p.port });
    const serial8 = performance.now() - t;
    await undoAll();
    t = performance.now();
    await Promise.all(all.map((p) => api['fips.associate']({ id: p.fip, port_id: p.port })));
    const concurrent8 = performance.now() - t;
    const bound = (await api['fips.list']({ limit: 100 })).items.filter((f) => f.port_id).length;
    await undoAll();

    console.log(`\nCross-pod associate on real Neutron (2 pods, sqlite, noauth), medians of ${ROUNDS}`);
    console.log('| measure | seconds |');
    console.log('|---|---|');
    console.log(`| one associate, pod chains one after another (before) | ${s(median(one.serial))} |`);
    console.log(`| one associate, pod chains side by side (after) | ${s(median(one.parallel))} |`);
    console.log(`| 8 associates over 2 pods and 4 routers, one after another | ${s(serial8)} |`);
    console.log(`| the same 8, called at once (${bound} bound after) | ${s(concurrent8)} |`);
  } finally {
    await engine.close();
    await releaseNeutronPods(stateDir);
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  }
}
