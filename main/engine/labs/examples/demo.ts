// The 20-pod demo: a top pod and 20 bottom pods, 4 external networks, 40 projects of two
// networks in neighbouring pods behind one router each, and 2,000 floating IPs (50 a project:
// the default quota), each on its own VM port. Every 5th project has a network in its external
// network's pod, so some floating IPs are same-pod (single-step DNAT), the others cross-pod.
import type { LabDocument } from '../../../../shared/lab-document';

export const DEMO = { pods: 20, externals: 4, projects: 40, fipsPerProject: 50 } as const;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function demoDocument(): LabDocument {
  const pod = (b: number) => `Pod${pad(b + 1)}`;
  const az = (b: number) => `az${pad(b + 1)}`;
  const extPod = (k: number) => k * (DEMO.pods / DEMO.externals);
  const doc: Required<Pick<LabDocument, 'pods' | 'external_networks' | 'networks' | 'routers' | 'ports' | 'floating_ips'>> & LabDocument = {
    crosspod_lab: 1,
    pods: [{ region: 'RegionOne', top: true }, ...Array.from({ length: DEMO.pods }, (_, b) => ({ region: pod(b), az: az(b) }))],
    external_networks: Array.from({ length: DEMO.externals }, (_, k) => ({
      name: `ext-net-${k + 1}`,
      project: 'admin',
      pod: pod(extPod(k)),
      network_type: 'flat',
      physical_network: 'extnet',
      subnets: [{ name: `ext-subnet-${k + 1}`, cidr: `172.${20 + k}.0.0/16`, enable_dhcp: false }],
    })),
    networks: [],
    routers: [],
    ports: [],
    floating_ips: [],
  };
  // From .64 up: the routers' gateways take the lowest addresses of their external subnet.
  const nextFip = Array.from({ length: DEMO.externals }, () => 64);
  for (let p = 0; p < DEMO.projects; p++) {
    const project = `proj-${pad(p + 1)}`;
    const k = p % DEMO.externals;
    const pods = [(2 * p) % DEMO.pods, (2 * p + 1) % DEMO.pods];
    if (p % 5 === 0) pods[0] = extPod(k);
    const subs: string[] = [];
    pods.forEach((b, j) => {
      const name = `net-${pad(p + 1)}-${j + 1}`;
      subs.push(`${name}-sub`);
      doc.networks.push({ name, project, availability_zone_hints: [az(b)], subnets: [{ name: `${name}-sub`, cidr: `10.${p}.${j}.0/24` }] });
    });
    doc.routers.push({ name: `router-${pad(p + 1)}`, project, interfaces: subs, gateway: { network: `ext-net-${k + 1}` } });
    for (let v = 0; v < DEMO.fipsPerProject; v++) {
      const j = v % 2;
      const ip = `10.${p}.${j}.${10 + Math.floor(v / 2)}`;
      const net = `net-${pad(p + 1)}-${j + 1}`;
      doc.ports.push({ network: net, name: `vm-${pad(p + 1)}-${pad(v + 1)}`, project, ips: [{ subnet: `${net}-sub`, ip }], device_owner: `compute:${az(pods[j])}` });
      const n = nextFip[k]++;
      doc.floating_ips.push({ address: `172.${20 + k}.${Math.floor(n / 256)}.${n % 256}`, network: `ext-net-${k + 1}`, project, port: { network: net, ip } });
    }
  }
  return doc;
}
