// Lab conveniences: the reference's worked example (§12) in one call, and a topology snapshot of
// every pod read from the bottom pods themselves.
import { contract, type EngineMethod, type Output, type ParsedInput, type TopologySnapshot } from '../../shared/contract';
import { CrosspodError } from '../../shared/errors';
import type { FipPath } from '../../shared/model';
import { createApp, type HandlerContext, type Handlers } from './app';
import type { Operation } from './context';
import type { FipService } from './l3/fips';
import { toPod } from './pods';
import type { Services } from './services';


export async function loadExampleLab(w: Services, h: Handlers, op: Operation): Promise<Output<'lab.loadExample'>> {
  const run = async <M extends EngineMethod>(m: M, input: unknown): Promise<Output<M>> => h[m](contract[m].input.parse(input) as ParsedInput<M>, op);
  if (w.top.networkByName('ext-net')) throw new CrosspodError('CONFLICT', 'The example lab is already loaded (a network named ext-net exists)');
  const pods: string[] = [];
  const pod = async (region_name: string, az_name?: string) => {
    const have = w.pods.byName(region_name);
    pods.push(have ? have.pod_id : (await run('pods.create', az_name ? { region_name, az_name } : { region_name })).pod_id);
  };
  if (!w.pods.top()) await pod('RegionOne');
  await pod('Pod1', 'az1');
  await pod('Pod2', 'az2');
  const ext = await run('networks.create', { name: 'ext-net', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'], 'provider:network_type': 'flat', 'provider:physical_network': 'extnet' });
  const extSub = await run('subnets.create', { network_id: ext.id, cidr: '162.3.124.0/24', name: 'ext-subnet', enable_dhcp: false });
  const net1 = await run('networks.create', { name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
  const sub1 = await run('subnets.create', { network_id: net1.id, cidr: '10.0.1.0/24', name: 'subnet1' });
  const router = await run('routers.create', { name: 'R', project_id: 'proj1' });
  // A compute port, as the console makes for a VM: it is booted in az1, so it is realised in Pod1 now.
  const vm = await run('ports.create', { network_id: net1.id, name: 'vm1', fixed_ips: [{ ip_address: '10.0.1.4' }], mac_address: 'fa:16:3e:00:01:04', device_owner: 'compute:az1' });
  await run('routers.addInterface', { id: router.id, subnet_id: sub1.id });
  await run('routers.setGateway', { id: router.id, network_id: ext.id, external_fixed_ips: [{ subnet_id: extSub.id, ip_address: '162.3.124.2' }] });
  const fip = await run('fips.create', { floating_network_id: ext.id, floating_ip_address: '162.3.124.5', port_id: vm.id });
  return { pods, fips: [fip.id] };
}

/**
 * Caps the number of floating-IP paths a snapshot reads, and says so (`fips_total`); the topology
 * view reads `topology.summary` and `topology.detail` instead, which page every floating IP.
 */
const MAX_SNAPSHOT_PATHS = 1000;

export async function topologySnapshot(r: Services & { fips: FipService }, projectId?: string): Promise<TopologySnapshot> {
  const { routing, top, core } = r;
  const pods = r.pods.all().map(toPod);
  const bottoms: TopologySnapshot['bottoms'] = [];
  for (const pod of pods) {
    if (pod.is_top) continue;
    const d = core.driver(pod.pod_id);
    const topOf = (id: string) => routing.byBottom(id, pod.pod_id)?.top_id ?? null;
    const subnets = await d.list('subnet');
    const nets = (await d.list('network'))
      .map((n) => {
        const topId = topOf(n.id);
        const t = topId ? top.findNetwork(topId) : undefined;
        return {
          keep: !projectId || (t !== undefined && (t.router_external === 1 || t.project_id === projectId)),
          id: n.id,
          top_id: topId,
          name: t?.name ?? n.name,
          external: n['router:external'],
          bridge: t?.bridge ?? null,
          cidrs: subnets.filter((s) => s.network_id === n.id).map((s) => s.cidr),
          vlan: n['provider:segmentation_id'],
        };
      })
      // A project's view: its own networks (bridges included) and the external ones, judged by the top network.
      .filter((n) => n.keep)
      .map(({ keep: _k, ...n }) => n);
    // Only router interfaces are needed here; a pod may hold a great many VM ports.
    const ifaces = await d.list('port', { device_owner: 'network:router_interface' });
    const byProject = projectId ? { project_id: projectId } : undefined;
    const routers = (await d.list('router', byProject)).map((b) => ({
      id: b.id,
      top_id: topOf(b.id),
      name: top.findRouter(topOf(b.id) ?? '')?.name ?? b.name,
      gateway_network_id: b.external_gateway_info?.network_id ?? null,
      interface_network_ids: ifaces.filter((p) => p.device_id === b.id).map((p) => p.network_id),
    }));
    const floatingips = (await d.list('floatingip', byProject)).map((f) => ({
      id: f.id,
      address: f.floating_ip_address,
      network_id: f.floating_network_id,
      port_id: f.port_id,
      fixed_ip_address: f.fixed_ip_address,
    }));
    bottoms.push({ pod_id: pod.pod_id, networks: nets, routers, floatingips });
  }
  const fips: FipPath[] = [];
  for (const id of top.fipIds(projectId, MAX_SNAPSHOT_PATHS)) fips.push(await r.fips.path(id));
  return { pods, bottoms, fips, fips_total: top.fipCount(projectId) };
}

/** lab.*: the worked example (it runs other methods inside its own operation) and the snapshot. */
export function labApp(x: HandlerContext) {
  return createApp()
    .method('lab.loadExample', (_i, op) => loadExampleLab(x.w, x.handlers(), op))
    .method('lab.topology', (i) => topologySnapshot(x.r, i.project_id));
}
