// The big lab of the scale benchmark, built through the engine's API only (the same calls the
// console and the HTTP contract make), so every row is real: top rows, routing rows, bottom
// copies in the lab pods, bridge networks and addresses, the audit log and the jobs.
//
// Shape (defaults 100 pods, 100,000 ports, 20,000 floating IPs):
// - one top pod and pods-1 bottom pods, each with its own AZ (`az-NNN`);
// - 4 external networks in 4 pods spread over the bottoms, each with one big subnet
//   (10.200.0.0/16, 10.201.0.0/16, …);
// - ceil(fips / 100) projects (200): each project has 3 tenant networks with one subnet each in
//   3 consecutive bottom pods (so every pod hosts some), one router with its gateway on external
//   network (project % 4) and an interface on each of its 3 subnets; every 5th project puts its
//   first network in its external network's pod, so some floating IPs are same-pod;
// - the ports spread evenly over the projects' networks (compute:nova, explicit fixed IPs);
// - fips / projects floating IPs per project, created with port_id on ports taken round-robin
//   from the project's 3 networks: most are cross-pod (two-step DNAT over the project's N-S
//   bridge), the ones on a same-pod network single-step.
// A project's cross-pod floating IPs each hold an address of its N-S bridge /24 (253 usable),
// hence ~100 floating IPs per project.
import type { Engine } from '../../../main/engine';

export interface ScaleSizes {
  pods: number;
  ports: number;
  fips: number;
}

export const FIPS_PER_PROJECT = 100;
export const NETS_PER_PROJECT = 3;
export const SAME_POD_EVERY = 5;

export interface LabPlan {
  sizes: ScaleSizes;
  bottoms: number;
  extPods: number[]; // bottom indexes
  projects: number;
  /** Tenant networks of a project: bottom index and cidr. */
  netsOf(p: number): { pod: number; cidr: string; base: number }[];
  portsOf(p: number): number;
  fipsOf(p: number): number;
  extOf(p: number): number; // index in extPods
  prefix: number;
}

const ipToInt = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
const intToIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

export function planLab(sizes: ScaleSizes): LabPlan {
  const bottoms = sizes.pods - 1;
  if (bottoms < 1) throw new Error('SCALE_PODS must be at least 2 (a top pod and a bottom pod)');
  const e = Math.min(4, bottoms);
  const extPods = Array.from({ length: e }, (_, k) => Math.floor((k * bottoms) / e));
  const projects = Math.max(1, Math.ceil(sizes.fips / FIPS_PER_PROJECT));
  const share = (total: number, p: number) => Math.floor(total / projects) + (p < total % projects ? 1 : 0);
  const maxPortsPerNet = Math.ceil(Math.ceil(sizes.ports / projects) / NETS_PER_PROJECT);
  // Room for the ports from host 10 on, plus the gateway and the broadcast address.
  const prefix = Math.min(24, 32 - Math.ceil(Math.log2(maxPortsPerNet + 16)));
  if (prefix < 10) throw new Error('too many ports per network for this plan');
  const size = 2 ** (32 - prefix);
  if (sizes.fips / e > 60_000) throw new Error('too many floating IPs per external /16 for this plan');
  const extOf = (p: number) => p % e;
  return {
    sizes,
    bottoms,
    extPods,
    projects,
    prefix,
    extOf,
    netsOf: (p) =>
      Array.from({ length: NETS_PER_PROJECT }, (_, j) => {
        let pod = (NETS_PER_PROJECT * p + j) % bottoms;
        if (j === 0 && p % SAME_POD_EVERY === 0) pod = extPods[extOf(p)];
        const base = ipToInt('10.0.0.0') + j * size;
        return { pod, cidr: `${intToIp(base)}/${prefix}`, base };
      }),
    portsOf: (p) => share(sizes.ports, p),
    fipsOf: (p) => Math.min(share(sizes.fips, p), share(sizes.ports, p)),
  };
}

export interface PhaseFigure {
  phase: string;
  calls: number;
  seconds: number;
}

export interface BuildResult {
  phases: PhaseFigure[];
  seconds: number;
  calls: number;
}

const podName = (b: number) => `pod-${String(b + 1).padStart(3, '0')}`;
const azName = (b: number) => `az-${String(b + 1).padStart(3, '0')}`;
const projectName = (p: number) => `proj-${String(p).padStart(4, '0')}`;

/** Builds the planned lab into an empty engine, one awaited call at a time (mutations serialise anyway). */
export async function buildLab(engine: Engine, plan: LabPlan, log: (line: string) => void): Promise<BuildResult> {
  const api = engine.api;
  const phases: PhaseFigure[] = [];
  const t0 = performance.now();
  let calls = 0;
  const phase = async (name: string, total: number, fn: (tick: () => void) => Promise<void>) => {
    const start = performance.now();
    let n = 0;
    let lastLog = start;
    const tick = () => {
      n++;
      calls++;
      const now = performance.now();
      if (now - lastLog > 5000) {
        lastLog = now;
        const rate = n / ((now - start) / 1000);
        log(`  ${name}: ${n}/${total} (${rate.toFixed(0)}/s, ~${((total - n) / rate).toFixed(0)} s left)`);
      }
    };
    await fn(tick);
    await engine.idle(); // the jobs the phase queued (configure_extra_routes) belong to it
    const seconds = (performance.now() - start) / 1000;
    phases.push({ phase: name, calls: n, seconds });
    log(`  ${name}: ${n} calls in ${seconds.toFixed(1)} s (${(n / seconds).toFixed(0)}/s)`);
  };

  await phase('pods.create', plan.sizes.pods, async (tick) => {
    await api['pods.create']({ region_name: 'RegionOne' });
    tick();
    for (let b = 0; b < plan.bottoms; b++) {
      await api['pods.create']({ region_name: podName(b), az_name: azName(b), dc_name: `dc-${b % 10}` });
      tick();
    }
  });

  const extNets: { id: string }[] = [];
  await phase('external networks + subnets', plan.extPods.length * 2, async (tick) => {
    for (const [k, b] of plan.extPods.entries()) {
      const net = await api['networks.create']({
        name: `ext-net-${k}`,
        project_id: 'admin',
        'router:external': true,
        availability_zone_hints: [podName(b)],
        'provider:network_type': 'flat',
        'provider:physical_network': 'extnet',
      });
      tick();
      await api['subnets.create']({ network_id: net.id, cidr: `10.${200 + k}.0.0/16`, name: `ext-subnet-${k}`, enable_dhcp: false });
      tick();
      extNets.push(net);
    }
  });

  const unlimited = { network: 1000, subnet: 1000, port: 100_000, router: 100, floatingip: 10_000 };
  await phase('quotas.update', plan.projects, async (tick) => {
    for (let p = 0; p < plan.projects; p++) {
      await api['quotas.update']({ project_id: projectName(p), ...unlimited });
      tick();
    }
  });

  const subnetsOf: { id: string; networkId: string; base: number }[][] = [];
  await phase('tenant networks + subnets', plan.projects * NETS_PER_PROJECT * 2, async (tick) => {
    for (let p = 0; p < plan.projects; p++) {
      const subs: { id: string; networkId: string; base: number }[] = [];
      for (const [j, n] of plan.netsOf(p).entries()) {
        const net = await api['networks.create']({ name: `net-${p}-${j}`, project_id: projectName(p), availability_zone_hints: [azName(n.pod)] });
        tick();
        const sub = await api['subnets.create']({ network_id: net.id, cidr: n.cidr, name: `subnet-${p}-${j}` });
        tick();
        subs.push({ id: sub.id, networkId: net.id, base: n.base });
      }
      subnetsOf.push(subs);
    }
  });

  await phase('routers: create, setGateway, addInterface', plan.projects * (2 + NETS_PER_PROJECT), async (tick) => {
    for (let p = 0; p < plan.projects; p++) {
      const r = await api['routers.create']({ name: `router-${p}`, project_id: projectName(p) });
      tick();
      await api['routers.setGateway']({ id: r.id, network_id: extNets[plan.extOf(p)].id });
      tick();
      for (const s of subnetsOf[p]) {
        await api['routers.addInterface']({ id: r.id, subnet_id: s.id });
        tick();
      }
    }
  });

  // Ports: project by project, round-robin over its networks, host addresses from .10 up.
  const fipPorts: string[][] = [];
  await phase('ports.create (compute:nova)', plan.sizes.ports, async (tick) => {
    for (let p = 0; p < plan.projects; p++) {
      const n = plan.portsOf(p);
      const wantFips = plan.fipsOf(p);
      const chosen: string[] = [];
      for (let k = 0; k < n; k++) {
        const s = subnetsOf[p][k % NETS_PER_PROJECT];
        const host = 10 + Math.floor(k / NETS_PER_PROJECT);
        const port = await api['ports.create']({
          network_id: s.networkId,
          name: `vm-${p}-${k}`,
          device_owner: 'compute:nova',
          device_id: `vm-${p}-${k}`,
          fixed_ips: [{ subnet_id: s.id, ip_address: intToIp(s.base + host) }],
        });
        tick();
        if (k < wantFips) chosen.push(port.id);
      }
      fipPorts.push(chosen);
    }
  });

  await phase('fips.create with port_id', plan.sizes.fips, async (tick) => {
    for (let p = 0; p < plan.projects; p++) {
      const ext = extNets[plan.extOf(p)];
      for (const portId of fipPorts[p]) {
        await api['fips.create']({ floating_network_id: ext.id, port_id: portId });
        tick();
      }
    }
  });

  return { phases, seconds: (performance.now() - t0) / 1000, calls };
}

export { projectName, podName };
