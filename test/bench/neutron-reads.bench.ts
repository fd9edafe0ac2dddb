// Neutron GETs for one page of 50 floating IPs with their paths, on real Neutron servers
// (issue 11): one path at a time (how a page was read before: about five reads per floating IP)
// against `fips.listWithPaths` (one list per pod and resource type). Counts HTTP requests as the
// Neutron driver sends them. Skipped where python3-neutron is not installed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../main/engine';
import type { NeutronDriver } from '../../main/engine/drivers/neutron';
import { leaseNeutronPods, missingPackages, releaseNeutronPods } from '../neutron/harness';

const FIPS = 50;

export async function run(): Promise<void> {
  if (missingPackages().length > 0) {
    console.log(`skipped: ${missingPackages().join(', ')} not installed`);
    return;
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'crosspod-bench-neutron-'));
  const dir = mkdtempSync(join(tmpdir(), 'crosspod-bench-reads-'));
  const { pods } = await leaseNeutronPods({ count: 2, basePort: 9946, stateDir, fresh: true });
  const drivers: NeutronDriver[] = [];
  const engine = await createEngine({
    dbPath: join(dir, 'crosspod.db'),
    driverFactory: (pod, base) => {
      const d = base(pod);
      if (d.kind === 'neutron') drivers.push(d as NeutronDriver);
      return d;
    },
  });
  const requests = () => drivers.reduce((n, d) => n + d.stats().calls, 0);
  try {
    const api = engine.api;
    await api['pods.create']({ region_name: 'RegionOne' });
    await api['pods.create']({ region_name: 'Pod1', az_name: 'az1', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: pods[0].url } });
    await api['pods.create']({ region_name: 'Pod2', az_name: 'az2', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: pods[1].url } });
    await api['quotas.update']({ project_id: 'proj1', floatingip: -1, port: -1 });
    const ext = await api['networks.create']({ name: 'ext-net', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'] });
    await api['subnets.create']({ network_id: ext.id, cidr: '162.3.124.0/24', enable_dhcp: false });
    const r = await api['routers.create']({ name: 'R', project_id: 'proj1' });
    await api['routers.setGateway']({ id: r.id, network_id: ext.id });
    const t0 = Date.now();
    for (const [az, cidr, name] of [['az1', '10.0.1.0/24', 'net1'], ['az2', '10.0.2.0/24', 'net2']] as const) {
      const net = await api['networks.create']({ name, project_id: 'proj1', availability_zone_hints: [az] });
      const sub = await api['subnets.create']({ network_id: net.id, cidr, enable_dhcp: false });
      await api['routers.addInterface']({ id: r.id, subnet_id: sub.id });
      for (let i = 0; i < FIPS / 2; i++) {
        const vm = await api['ports.create']({ network_id: net.id, device_owner: `compute:${az}` });
        await api['fips.create']({ floating_network_id: ext.id, port_id: vm.id });
      }
    }
    await engine.idle();
    console.log(`built ${FIPS} floating IPs (half two-step, half same-pod) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    const ids = (await api['fips.list']({ limit: FIPS })).items.map((f) => f.id);
    let before = requests();
    for (const id of ids) await api['fips.path']({ id });
    const onePerFip = requests() - before;
    before = requests();
    const page = await api['fips.listWithPaths']({ limit: FIPS });
    const paged = requests() - before;
    const twoStep = page.items.filter((f) => f.path.mode === 'two-step').length;
    console.log(`| measure | Neutron GET requests |`);
    console.log(`|---|---|`);
    console.log(`| one page of ${page.items.length} floating IPs (${twoStep} two-step), one path at a time | ${onePerFip} |`);
    console.log(`| the same page with fips.listWithPaths (limit: one list per pod and resource type, 5 here) | ${paged} |`);
  } finally {
    await engine.close();
    await releaseNeutronPods(stateDir);
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  }
}
