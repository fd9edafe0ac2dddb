// The topology view's reads, sized to what it shows. The summary and the structure come from the
// top tables and the routing table (aggregates in SQL); the paths of the floating IPs on a detail
// page come from the bottom pods, on a budget: one list per (pod, resource type), joined in memory.
import { listOnce } from '../l3/paths';
import { addTopoAdmits } from '../secgroups/admits';
import type { BottomFloatingIp, BottomNetwork, BottomPort, BottomRouter } from '../drivers/driver';
import { CrosspodError } from '../../../shared/errors';
import type { Route } from '../../../shared/model';
import type {
  DetailScope,
  NetworkDetails,
  NetworkKind,
  RouterDetails,
  SearchHit,
  TopoFip,
  TopoHop,
  TopologyDetail,
  TopologySummary,
  TopoNetwork,
  TopoPodSummary,
  TopoRouter,
  TopoSegment,
  TopoVm,
  ViewState,
} from '../../../shared/topology';
import type { Db } from '../store';
import type { Services } from '../services';

type PodRow = { pod_id: string; region_name: string; az_name: string; driver: 'lab' | 'neutron'; updated_at: string };
type ReadError = { code: string; message: string };
const failed = <T>(x: T | ReadError): x is ReadError => !Array.isArray(x) && !(x instanceof Map) && typeof (x as ReadError).code === 'string';
type NetRow = { id: string; name: string; project_id: string; router_external: number; bridge: 'ew' | 'ns' | null; provider_segmentation_id: number | null; az_hints: string };
type FipRow = { id: string; project_id: string; floating_network_id: string; floating_ip_address: string; port_id: string | null; fixed_ip_address: string | null; router_id: string | null };

const kindOf = (n: Pick<NetRow, 'router_external' | 'bridge'>): NetworkKind => (n.bridge ? n.bridge : n.router_external ? 'external' : 'tenant');

/** VMs drawn one by one per network in a detail view; the rest are counted. */
export const VMS_PER_NETWORK = 6;
export const DEFAULT_FIP_PAGE = 150;

export class TopologyService {
  private readonly q;
  constructor(private readonly s: Services) {
    const db: Db = s.core.db;
    this.q = {
      pods: db.prepare('SELECT pod_id, region_name, az_name, driver, updated_at FROM pods ORDER BY created_at, rowid'),
      // (network, pod) for every bottom copy of a top network; the top pod's rows key bridges by name.
      // Per pod, through the (pod, type) index: a pod's network and router copies.
      podCopies: db.prepare("SELECT top_id, resource_type AS type FROM resource_routings WHERE pod_id = ? AND resource_type IN ('network', 'router') AND bottom_id IS NOT NULL"),
      pending: db.prepare('SELECT pod_id, COUNT(*) AS n FROM resource_routings WHERE bottom_id IS NULL GROUP BY pod_id'),
      failedJobs: db.prepare("SELECT substr(resource_id, 1, instr(resource_id, '#') - 1) AS pod_id, COUNT(*) AS n FROM async_jobs WHERE status = 'FAIL' AND instr(resource_id, '#') > 0 GROUP BY 1"),
      nets: db.prepare('SELECT id, name, project_id, router_external, bridge, provider_segmentation_id, az_hints FROM networks'),
      cidrs: db.prepare('SELECT network_id, cidr FROM subnets ORDER BY created_at, rowid'),
      // Kept by triggers (migration 0007): no scan of the ports or the floating IPs.
      portsPerNet: db.prepare('SELECT network_id, n FROM topo_port_counts'),
      routers: db.prepare('SELECT COUNT(*) AS n FROM routers'),
      // Floating IPs by (external network, port's network, project): the whole estate in one pass.
      fipGroups: db.prepare("SELECT ext_network_id AS ext, NULLIF(port_network_id, '') AS net, project_id AS project, n FROM topo_fip_groups WHERE n > 0"),
      net: db.prepare('SELECT id, name, project_id, router_external, bridge, provider_segmentation_id, az_hints FROM networks WHERE id = ?'),
      netByName: db.prepare('SELECT id, name, project_id, router_external, bridge, provider_segmentation_id, az_hints FROM networks WHERE name = ? ORDER BY created_at LIMIT 20'),
      copiesOf: db.prepare("SELECT pod_id, bottom_id FROM resource_routings WHERE top_id = ? AND resource_type = ? AND bottom_id IS NOT NULL AND pod_id != ? ORDER BY id"),
      netsInPod: db.prepare("SELECT top_id FROM resource_routings WHERE pod_id = ? AND resource_type = 'network' AND bottom_id IS NOT NULL"),
      routersInPod: db.prepare("SELECT top_id FROM resource_routings WHERE pod_id = ? AND resource_type = 'router' AND bottom_id IS NOT NULL"),
      netsOfProject: db.prepare('SELECT id FROM networks WHERE project_id = ?'),
      routersOfProject: db.prepare('SELECT id FROM routers WHERE project_id = ? ORDER BY created_at, rowid'),
      router: db.prepare('SELECT id, name, project_id, gw_network_id, routes FROM routers WHERE id = ?'),
      routerByName: db.prepare('SELECT id, name, project_id FROM routers WHERE name = ? LIMIT 20'),
      routerNets: db.prepare("SELECT DISTINCT network_id FROM ports WHERE device_id = ? AND device_owner IN ('network:router_interface', 'network:router_gateway')"),
      subnetsOf: db.prepare('SELECT id, name, cidr, gateway_ip FROM subnets WHERE network_id = ? ORDER BY created_at, rowid'),
      fip: db.prepare('SELECT id, project_id, floating_network_id, floating_ip_address, port_id, fixed_ip_address, router_id FROM floating_ips WHERE id = ?'),
      fipByAddress: db.prepare('SELECT id, project_id, floating_network_id, floating_ip_address, port_id, fixed_ip_address, router_id FROM floating_ips WHERE floating_ip_address = ? LIMIT 20'),
      fipsOfPort: db.prepare('SELECT id FROM floating_ips WHERE port_id = ? ORDER BY rowid'),
      fipIdsOnExt: db.prepare('SELECT rowid AS r, id FROM floating_ips WHERE floating_network_id = ?'),
      fipIdsOnNet: db.prepare('SELECT f.rowid AS r, f.id FROM floating_ips f JOIN ports p ON p.id = f.port_id WHERE p.network_id = ?'),
      fipIdsOfProject: db.prepare('SELECT rowid AS r, id FROM floating_ips WHERE project_id = ? ORDER BY rowid'),
      fipIdsOfRouter: db.prepare('SELECT rowid AS r, id FROM floating_ips WHERE router_id = ? ORDER BY rowid'),
      port: db.prepare('SELECT id, name, network_id, project_id, device_owner FROM ports WHERE id = ?'),
      portByName: db.prepare('SELECT id, name, network_id, project_id, device_owner FROM ports WHERE name = ? LIMIT 20'),
      portByIp: db.prepare('SELECT p.id, p.name, p.network_id, p.project_id, p.device_owner FROM port_ips i JOIN ports p ON p.id = i.port_id WHERE i.ip_address = ? LIMIT 20'),
      portIp: db.prepare('SELECT ip_address FROM port_ips WHERE port_id = ? ORDER BY position LIMIT 1'),
      vmsOnNet: db.prepare("SELECT id, name, network_id FROM ports WHERE network_id = ? AND device_owner NOT LIKE 'network:%' ORDER BY created_at, rowid LIMIT ?"),
      vmCountOnNet: db.prepare("SELECT COUNT(*) AS n FROM ports WHERE network_id = ? AND device_owner NOT LIKE 'network:%'"),
      podOfPort: db.prepare("SELECT pod_id, bottom_id FROM resource_routings WHERE top_id = ? AND resource_type = 'port' AND bottom_id IS NOT NULL AND pod_id != ? LIMIT 1"),
      podByName: db.prepare('SELECT pod_id, region_name, az_name, driver, updated_at FROM pods WHERE region_name = ? OR az_name = ? LIMIT 1'),
      viewGet: db.prepare('SELECT state FROM view_state WHERE view = ?'),
      viewSet: db.prepare('INSERT INTO view_state (view, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (view) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at'),
    };
  }

  private topPodId(): string {
    return this.s.pods.top()?.pod_id ?? '';
  }

  summary(projectId?: string): TopologySummary {
    const q = this.q;
    const topId = this.topPodId();
    const pods = q.pods.all() as PodRow[];
    const nets = new Map((q.nets.all() as NetRow[]).map((n) => [n.id, n]));
    const keepNet = (n: NetRow | undefined) => !!n && (!projectId || n.project_id === projectId || n.router_external === 1);
    const podsOfNet = new Map<string, string[]>();
    const routersIn = new Map<string, number>();
    for (const p of pods) {
      if (p.pod_id === topId) continue;
      let routers = 0;
      for (const r of q.podCopies.all(p.pod_id) as { top_id: string; type: string }[]) {
        if (r.type === 'router') {
          routers++;
          continue;
        }
        const list = podsOfNet.get(r.top_id);
        if (list) list.push(p.pod_id);
        else podsOfNet.set(r.top_id, [p.pod_id]);
      }
      routersIn.set(p.pod_id, routers);
    }
    const cidrs = new Map<string, string[]>();
    for (const r of q.cidrs.all() as { network_id: string; cidr: string }[]) {
      const list = cidrs.get(r.network_id);
      if (list) list.push(r.cidr);
      else cidrs.set(r.network_id, [r.cidr]);
    }
    const counts = new Map<string, TopoPodSummary['counts']>(
      pods.map((p) => [p.pod_id, { networks: 0, bridges: 0, routers: 0, ports: 0, fips_external: 0, fips_bound_here: 0 }]),
    );
    for (const [netId, list] of podsOfNet) {
      const n = nets.get(netId);
      if (!keepNet(n)) continue;
      for (const p of list) {
        const c = counts.get(p);
        if (!c) continue;
        c.networks++;
        if (n!.bridge) c.bridges++;
      }
    }
    if (!projectId) for (const [p, n] of routersIn) counts.get(p)!.routers = n;
    let ports = 0;
    for (const r of q.portsPerNet.all() as { network_id: string; n: number }[]) {
      const n = nets.get(r.network_id);
      if (!n || n.bridge || !keepNet(n) || (projectId && n.router_external)) continue;
      ports += r.n;
      for (const p of podsOfNet.get(r.network_id) ?? []) if (counts.has(p)) counts.get(p)!.ports += r.n;
    }
    // Floating IPs: external pod → VM pod pairs, and which bridge each crosses.
    const links = new Map<string, { a: string; b: string; fips: number; projects: Set<string> }>();
    const nsBridgeFips = new Map<string, number>();
    let fips = 0;
    let cross = 0;
    let unbound = 0;
    for (const g of q.fipGroups.all() as { ext: string; net: string | null; project: string; n: number }[]) {
      if (projectId && g.project !== projectId) continue;
      fips += g.n;
      const ext = podsOfNet.get(g.ext)?.[0];
      if (ext) counts.get(ext)!.fips_external += g.n;
      if (!g.net) {
        unbound += g.n;
        continue;
      }
      const vmPods = podsOfNet.get(g.net) ?? [];
      const vm = vmPods.includes(ext ?? '') ? ext : vmPods[0];
      if (vm && counts.has(vm)) counts.get(vm)!.fips_bound_here += g.n;
      if (!ext || !vm || ext === vm) continue;
      cross += g.n;
      nsBridgeFips.set(g.project, (nsBridgeFips.get(g.project) ?? 0) + g.n);
      const key = `${ext}>${vm}`;
      const l = links.get(key) ?? { a: ext, b: vm, fips: 0, projects: new Set<string>() };
      l.fips += g.n;
      l.projects.add(g.project);
      links.set(key, l);
    }
    // Every network with copies in more than one pod is one segment across them.
    const segments: TopoSegment[] = [];
    const order = new Map(pods.map((p, i) => [p.pod_id, i]));
    for (const [netId, list] of podsOfNet) {
      const n = nets.get(netId);
      if (!n || !keepNet(n) || (list.length < 2 && !n.bridge)) continue;
      segments.push({
        network_id: n.id,
        name: n.name,
        kind: kindOf(n),
        project_id: n.project_id,
        vlan: n.provider_segmentation_id,
        cidrs: cidrs.get(n.id) ?? [],
        pod_ids: [...list].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0)),
        fips: n.bridge === 'ns' ? (nsBridgeFips.get(n.project_id) ?? 0) : 0,
      });
    }
    segments.sort((a, b) => a.name.localeCompare(b.name));
    const failedJobs = new Map((q.failedJobs.all() as { pod_id: string; n: number }[]).map((r) => [r.pod_id, r.n]));
    const pending = new Map((q.pending.all() as { pod_id: string; n: number }[]).map((r) => [r.pod_id, r.n]));
    const routers = projectId ? (this.q.routersOfProject.all(projectId) as unknown[]).length : (q.routers.get() as { n: number }).n;
    let networks = 0;
    for (const n of nets.values()) if (keepNet(n)) networks++;
    return {
      lab_id: topId || 'empty',
      project_id: projectId ?? null,
      pods: pods.map((p) => {
        const f = failedJobs.get(p.pod_id) ?? 0;
        const pe = pending.get(p.pod_id) ?? 0;
        const reads = this.s.pods.observed.of(p.pod_id, p.updated_at);
        return {
          pod_id: p.pod_id,
          region_name: p.region_name,
          az_name: p.az_name,
          is_top: p.az_name === '',
          driver: p.driver,
          health: { status: reads.status === 'failing' ? 'unreachable' : f + pe > 0 ? 'degraded' : 'ok', failed_jobs: f, pending_routings: pe, reads },
          counts: counts.get(p.pod_id)!,
        };
      }),
      links: [...links.values()].map((l) => ({ a: l.a, b: l.b, fips: l.fips, projects: l.projects.size })),
      segments,
      totals: { pods: pods.length, networks, routers, ports, fips, fips_cross_pod: cross, fips_unbound: unbound },
    };
  }

  // ---------- detail ----------

  async detail(input: { scope: DetailScope; id: string; fip_offset?: number; fip_limit?: number; focus_fip?: string; focus_port?: string }): Promise<TopologyDetail> {
    const q = this.q;
    const topId = this.topPodId();
    const allPods = q.pods.all() as PodRow[];
    const podById = new Map(allPods.map((p) => [p.pod_id, p]));
    let label: string;
    let focusPods: string[];
    let netIds: string[];
    let routerIds: string[];
    let fipIds: { r: number; id: string }[];
    if (input.scope === 'pod') {
      const pod = podById.get(input.id);
      if (!pod) throw new CrosspodError('POD_NOT_FOUND', `No pod with id ${input.id}`);
      label = pod.region_name;
      focusPods = [pod.pod_id];
      netIds = (q.netsInPod.all(pod.pod_id) as { top_id: string }[]).map((r) => r.top_id);
      routerIds = (q.routersInPod.all(pod.pod_id) as { top_id: string }[]).map((r) => r.top_id);
      const seen = new Map<string, number>();
      for (const n of netIds) {
        const row = q.net.get(n) as NetRow | undefined;
        if (!row || row.bridge) continue;
        const rows = (row.router_external ? q.fipIdsOnExt.all(n) : q.fipIdsOnNet.all(n)) as { r: number; id: string }[];
        for (const f of rows) seen.set(f.id, f.r);
      }
      fipIds = [...seen].map(([id, r]) => ({ id, r })).sort((a, b) => a.r - b.r);
    } else if (input.scope === 'project') {
      label = input.id;
      netIds = (q.netsOfProject.all(input.id) as { id: string }[]).map((r) => r.id);
      routerIds = (q.routersOfProject.all(input.id) as { id: string }[]).map((r) => r.id);
      fipIds = q.fipIdsOfProject.all(input.id) as { r: number; id: string }[];
      if (!netIds.length && !routerIds.length && !fipIds.length) throw new CrosspodError('NOT_FOUND', `Project ${input.id} has no networks, routers or floating IPs`);
      focusPods = [];
    } else {
      const r = q.router.get(input.id) as { id: string; name: string; project_id: string; gw_network_id: string | null } | undefined;
      if (!r) throw new CrosspodError('NOT_FOUND', `No router with id ${input.id}`);
      label = r.name || r.id;
      routerIds = [r.id];
      netIds = (q.routerNets.all(r.id) as { network_id: string }[]).map((x) => x.network_id);
      // Its project's bridges carry its cross-pod traffic.
      for (const n of q.netsOfProject.all(r.project_id) as { id: string }[]) {
        const row = q.net.get(n.id) as NetRow;
        if (row.bridge && !netIds.includes(row.id)) netIds.push(row.id);
      }
      fipIds = q.fipIdsOfRouter.all(r.id) as { r: number; id: string }[];
      focusPods = [];
    }
    const netRows = netIds.map((id) => q.net.get(id) as NetRow | undefined).filter((n): n is NetRow => !!n);
    if (input.scope !== 'pod') {
      // A project's or router's pods: wherever its networks and routers have copies.
      const set = new Set<string>();
      for (const n of netRows) for (const c of this.copies(n.id, 'network', topId)) set.add(c.pod_id);
      for (const r of routerIds) for (const c of this.copies(r, 'router', topId)) set.add(c.pod_id);
      focusPods = allPods.filter((p) => set.has(p.pod_id)).map((p) => p.pod_id);
    }

    // The page of floating IPs: the one holding focus_fip (or focus_port's), else fip_offset.
    const limit = input.fip_limit ?? DEFAULT_FIP_PAGE;
    let offset = input.fip_offset ?? 0;
    const focusFip = input.focus_fip ?? (input.focus_port ? (q.fipsOfPort.get(input.focus_port) as { id: string } | undefined)?.id : undefined);
    if (focusFip) {
      const at = fipIds.findIndex((f) => f.id === focusFip);
      if (at >= 0) offset = Math.floor(at / limit) * limit;
    }
    const page = fipIds.slice(offset, offset + limit).map((f) => q.fip.get(f.id) as FipRow);
    const fips = await this.paths(page, topId);

    // Pods the drawing touches: the focus pods and every pod a shown path crosses.
    const touched = new Set(focusPods);
    for (const f of fips) for (const h of f.hops) touched.add(h.pod_id);
    const inFocus = new Set(focusPods);

    const networks: TopoNetwork[] = [];
    const portsPerNet = (id: string) => (q.vmCountOnNet.get(id) as { n: number }).n;
    for (const n of netRows) {
      const copies = this.copies(n.id, 'network', topId);
      if (input.scope === 'pod' && !copies.some((c) => inFocus.has(c.pod_id))) continue;
      networks.push({ id: n.id, name: n.name, project_id: n.project_id, kind: kindOf(n), cidrs: (q.subnetsOf.all(n.id) as { cidr: string }[]).map((s) => s.cidr), vlan: n.provider_segmentation_id, copies, ports: n.bridge ? 0 : portsPerNet(n.id) });
    }
    // External networks a shown path enters by, when the scope did not list them.
    const shownNets = new Set(networks.map((n) => n.id));
    for (const f of fips) {
      const ext = f.hops[0];
      if (ext && !shownNets.has(ext.network_id)) {
        const n = q.net.get(ext.network_id) as NetRow | undefined;
        if (n) {
          shownNets.add(n.id);
          networks.push({ id: n.id, name: n.name, project_id: n.project_id, kind: kindOf(n), cidrs: (q.subnetsOf.all(n.id) as { cidr: string }[]).map((s) => s.cidr), vlan: n.provider_segmentation_id, copies: this.copies(n.id, 'network', topId), ports: portsPerNet(n.id) });
        }
      }
    }

    // Routers, read from each focus pod's bottom: one list of routers and one of router ports. A
    // pod that does not answer shows its router copies without interfaces (its reads say why).
    const routers: TopoRouter[] = [];
    const bottomRouters = new Map<string, { routers: Map<string, BottomRouter>; ports: BottomPort[] }>();
    const budget = this.s.core.settings.read_budget_ms;
    for (const podId of focusPods) {
      const [rs, ifs, gws] = await Promise.all([
        listOnce(this.s, podId, 'router', {}, budget),
        listOnce(this.s, podId, 'port', { device_owner: 'network:router_interface' }, budget),
        listOnce(this.s, podId, 'port', { device_owner: 'network:router_gateway' }, budget),
      ]);
      if (failed(rs) || failed(ifs) || failed(gws)) continue;
      bottomRouters.set(podId, { routers: new Map(rs.map((r) => [r.id, r])), ports: [...ifs, ...gws] });
    }
    for (const rid of routerIds) {
      const row = q.router.get(rid) as { id: string; name: string; project_id: string } | undefined;
      if (!row) continue;
      const copies = this.copies(rid, 'router', topId).filter((c) => inFocus.has(c.pod_id));
      routers.push({ id: row.id, name: row.name, project_id: row.project_id, copies: copies.map((c) => this.routerCopy(c, bottomRouters.get(c.pod_id))) });
    }

    // VMs: the ports of the shown paths, then a few per network; the rest counted.
    const vms = new Map<string, TopoVm>();
    const fipsByPort = new Map<string, string[]>();
    for (const f of page) if (f.port_id) fipsByPort.set(f.port_id, [...(fipsByPort.get(f.port_id) ?? []), f.id]);
    const addVm = (portId: string) => {
      if (vms.has(portId)) return;
      const p = q.port.get(portId) as { id: string; name: string; network_id: string } | undefined;
      if (!p) return;
      const where = q.podOfPort.get(p.id, topId) as { pod_id: string; bottom_id: string } | undefined;
      vms.set(p.id, { id: p.id, name: p.name, network_id: p.network_id, pod_id: where?.pod_id ?? '', bottom_id: where?.bottom_id ?? null, ip: (q.portIp.get(p.id) as { ip_address: string } | undefined)?.ip_address ?? null, fip_ids: fipsByPort.get(p.id) ?? [] });
    };
    for (const portId of fipsByPort.keys()) addVm(portId);
    if (input.focus_port) addVm(input.focus_port);
    const vmsOmitted: TopologyDetail['vms_omitted'] = [];
    for (const n of networks) {
      if (n.kind !== 'tenant') continue;
      const pod = n.copies.find((c) => inFocus.has(c.pod_id))?.pod_id ?? n.copies[0]?.pod_id;
      if (!pod) continue;
      for (const v of q.vmsOnNet.all(n.id, VMS_PER_NETWORK) as { id: string }[]) addVm(v.id);
      let shown = 0;
      for (const v of vms.values()) if (v.network_id === n.id) shown++;
      const total = portsPerNet(n.id);
      if (total > shown) vmsOmitted.push({ network_id: n.id, pod_id: pod, count: total - shown });
    }

    return {
      lab_id: topId || 'empty',
      scope: { kind: input.scope, id: input.id, label },
      pods: allPods
        .filter((p) => touched.has(p.pod_id))
        .map((p) => ({ pod_id: p.pod_id, region_name: p.region_name, az_name: p.az_name, focus: inFocus.has(p.pod_id), reads: this.s.pods.observed.of(p.pod_id, p.updated_at) })),
      networks,
      routers,
      vms: [...vms.values()],
      vms_omitted: vmsOmitted,
      fips,
      fip_page: { offset, limit, total: fipIds.length },
    };
  }

  private copies(topId: string, type: string, topPod: string): { pod_id: string; bottom_id: string }[] {
    return this.q.copiesOf.all(topId, type, topPod) as { pod_id: string; bottom_id: string }[];
  }

  private routerCopy(c: { pod_id: string; bottom_id: string }, b: { routers: Map<string, BottomRouter>; ports: BottomPort[] } | undefined): TopoRouter['copies'][number] {
    const topNet = (bottomNet: string) => this.s.routing.byBottom(bottomNet, c.pod_id)?.top_id ?? bottomNet;
    const mine = (b?.ports ?? []).filter((p) => p.device_id === c.bottom_id);
    const gw = mine.find((p) => p.device_owner === 'network:router_gateway');
    return {
      pod_id: c.pod_id,
      bottom_id: c.bottom_id,
      interfaces: mine.filter((p) => p.device_owner === 'network:router_interface').map((p) => ({ network_id: topNet(p.network_id), ip: p.fixed_ips[0]?.ip_address ?? null, bottom_port_id: p.id })),
      gateway: gw ? { network_id: topNet(gw.network_id), ip: gw.fixed_ips[0]?.ip_address ?? null, bottom_port_id: gw.id } : null,
    };
  }

  /**
   * The paths of a page of floating IPs, as the bottom pods hold them: one floating-IP list and one
   * network list per pod involved, joined in memory (the same hops `fips.path` reads one by one).
   * Each list waits at most the read budget; a pod that does not answer degrades only its own
   * hops, which carry the error and are what the top says.
   */
  async paths(page: FipRow[], topPod: string): Promise<TopoFip[]> {
    const q = this.q;
    const { routing } = this.s;
    const budget = this.s.core.settings.read_budget_ms;
    const pods = new Map((q.pods.all() as PodRow[]).map((p) => [p.pod_id, p]));
    type Lists = { fips: Map<string, BottomFloatingIp>; nets: Map<string, BottomNetwork> };
    const lists = new Map<string, Promise<Lists | ReadError>>();
    const bottomOf = (podId: string) => {
      let l = lists.get(podId);
      if (!l) {
        l = Promise.all([listOnce(this.s, podId, 'floatingip', {}, budget), listOnce(this.s, podId, 'network', {}, budget)]).then(([fs, ns]) => {
          if (failed(fs)) return fs;
          if (failed(ns)) return ns;
          return { fips: new Map(fs.map((f) => [`${f.floating_network_id}|${f.floating_ip_address}`, f])), nets: new Map(ns.map((n) => [n.id, n])) };
        });
        lists.set(podId, l);
      }
      return l;
    };
    const netName = (id: string) => (q.net.get(id) as NetRow | undefined)?.name ?? '';
    const nsNets = new Map<string, string | null>();
    const nsNetOf = (project: string) => {
      if (!nsNets.has(project)) nsNets.set(project, (q.netByName.all(`ns_bridge_net_${project}`) as NetRow[]).find((n) => n.bridge === 'ns')?.id ?? null);
      return nsNets.get(project)!;
    };
    /** The VM's hop as the top has it, with the error of the pod that could not confirm it. */
    const fixedFromTop = (f: FipRow, vm: { pod_id: string; bottom_id: string }, error?: ReadError): TopoHop => {
      const portNet = (q.port.get(f.port_id!) as { network_id: string }).network_id;
      return { role: 'fixed', address: f.fixed_ip_address ?? '', pod_id: vm.pod_id, region: pods.get(vm.pod_id)!.region_name, network_id: portNet, network_name: netName(portNet), bottom: { port_id: vm.bottom_id, network_id: routing.bottomId(portNet, vm.pod_id, 'network') ?? undefined }, ...(error ? { error } : {}) };
    };
    // Start every pod's lists at once (independent pods in parallel).
    const plan = page.map((f) => {
      const ext = this.copies(f.floating_network_id, 'network', topPod)[0];
      const vm = f.port_id ? (q.podOfPort.get(f.port_id, topPod) as { pod_id: string; bottom_id: string } | undefined) : undefined;
      if (ext) void bottomOf(ext.pod_id);
      if (vm && vm.pod_id !== ext?.pod_id) void bottomOf(vm.pod_id);
      return { f, ext, vm };
    });
    const out: TopoFip[] = [];
    for (const { f, ext, vm } of plan) {
      const base = { id: f.id, address: f.floating_ip_address, project_id: f.project_id, port_id: f.port_id };
      if (!ext) {
        out.push({ ...base, mode: 'unbound', hops: [] });
        continue;
      }
      const extPod = pods.get(ext.pod_id)!;
      const be = await bottomOf(ext.pod_id);
      const extHop: TopoHop = { role: 'external', address: f.floating_ip_address, pod_id: ext.pod_id, region: extPod.region_name, network_id: f.floating_network_id, network_name: netName(f.floating_network_id), bottom: { network_id: ext.bottom_id } };
      if (failed(be)) {
        extHop.error = be;
        if (!vm || !f.fixed_ip_address) out.push({ ...base, mode: 'unbound', hops: [extHop] });
        else if (vm.pod_id === ext.pod_id) out.push({ ...base, mode: 'same-pod', hops: [extHop, fixedFromTop(f, vm, be)] });
        else out.push({ ...base, mode: 'two-step', hops: [extHop, fixedFromTop(f, vm)] });
        continue;
      }
      const bf = be.fips.get(`${ext.bottom_id}|${f.floating_ip_address}`);
      if (bf) extHop.bottom.floatingip_id = bf.id;
      if (!bf?.port_id || !bf.fixed_ip_address) {
        out.push({ ...base, mode: 'unbound', hops: [extHop] });
        continue;
      }
      const topNet = (podId: string, bottomNet: string) => routing.byBottom(bottomNet, podId)?.top_id ?? bottomNet;
      if (vm && vm.pod_id === ext.pod_id && bf.port_id === vm.bottom_id) {
        const portNet = (q.port.get(f.port_id!) as { network_id: string }).network_id;
        out.push({ ...base, mode: 'same-pod', hops: [extHop, { role: 'fixed', address: bf.fixed_ip_address, pod_id: ext.pod_id, region: extPod.region_name, network_id: portNet, network_name: netName(portNet), bottom: { port_id: bf.port_id, network_id: routing.bottomId(portNet, ext.pod_id, 'network') ?? undefined } }] });
        continue;
      }
      // Two steps: the external pod's floating IP points at a bridge address on the project's N-S bridge.
      const ns = nsNetOf(f.project_id);
      const nsExt = ns ? routing.bottomId(ns, ext.pod_id, 'network') : null;
      const nsNetRow = ns ? (q.net.get(ns) as NetRow) : undefined;
      const bridgeHop: TopoHop = { role: 'bridge', address: bf.fixed_ip_address, pod_id: ext.pod_id, region: extPod.region_name, network_id: ns ?? '', network_name: nsNetRow?.name ?? '', bottom: { network_id: nsExt ?? undefined, port_id: bf.port_id } };
      const vlan = nsExt ? be.nets.get(nsExt)?.['provider:segmentation_id'] : undefined;
      if (vlan != null) bridgeHop.vlan = vlan;
      const hops: TopoHop[] = [extHop, bridgeHop];
      if (vm && ns) {
        const nsVm = routing.bottomId(ns, vm.pod_id, 'network');
        const bv = await bottomOf(vm.pod_id);
        const vmPod = pods.get(vm.pod_id)!;
        if (failed(bv)) {
          bridgeHop.pod_id = vm.pod_id;
          bridgeHop.region = vmPod.region_name;
          hops.push(fixedFromTop(f, vm, bv));
        } else {
          const inner = nsVm ? bv.fips.get(`${nsVm}|${bf.fixed_ip_address}`) : undefined;
          if (inner?.port_id && inner.fixed_ip_address) {
            bridgeHop.pod_id = vm.pod_id;
            bridgeHop.region = vmPod.region_name;
            bridgeHop.bottom = { ...bridgeHop.bottom, floatingip_id: inner.id };
            const portNet = (q.port.get(f.port_id!) as { network_id: string }).network_id;
            const net = routing.bottomId(portNet, vm.pod_id, 'network');
            hops.push({ role: 'fixed', address: inner.fixed_ip_address, pod_id: vm.pod_id, region: vmPod.region_name, network_id: topNet(vm.pod_id, net ?? portNet), network_name: netName(portNet), bottom: { port_id: inner.port_id, network_id: net ?? undefined } });
          }
        }
      }
      out.push({ ...base, mode: 'two-step', hops });
    }
    // secgroups hook: what each VM's groups admit from outside, read from its pod.
    await addTopoAdmits(this.s, out, this.s.core.settings.read_budget_ms, listOnce);
    return out;
  }

  // ---------- search ----------

  search(text: string, limit = 10): { hits: SearchHit[]; more: boolean } {
    const q = this.q;
    const topId = this.topPodId();
    const hits: SearchHit[] = [];
    const seen = new Set<string>();
    const push = (h: SearchHit) => {
      const key = `${h.kind}:${h.id}`;
      if (seen.has(key)) return;
      seen.add(key);
      hits.push(h);
    };
    const podName = (id: string | undefined) => (id ? ((q.pods.all() as PodRow[]).find((p) => p.pod_id === id)?.region_name ?? id) : '?');
    const fipHit = (f: FipRow, via?: string) => {
      const vm = f.port_id ? (q.podOfPort.get(f.port_id, topId) as { pod_id: string } | undefined) : undefined;
      const ext = this.copies(f.floating_network_id, 'network', topId)[0];
      const pod = vm?.pod_id ?? ext?.pod_id;
      push({
        kind: 'fip',
        id: f.id,
        label: f.floating_ip_address,
        detail: `${via ? `${via}: ` : ''}floating IP ${f.floating_ip_address}${f.fixed_ip_address ? ` → ${f.fixed_ip_address} in ${podName(vm?.pod_id)}` : ' (not associated)'}, external network in ${podName(ext?.pod_id)}`,
        drill: pod ? { scope: 'pod', id: pod } : { scope: 'project', id: f.project_id },
        fip_id: f.id,
      });
    };
    const portHit = (p: { id: string; name: string; network_id: string; project_id: string; device_owner: string }) => {
      const fips = q.fipsOfPort.all(p.id) as { id: string }[];
      for (const f of fips) fipHit(q.fip.get(f.id) as FipRow, `port ${p.name || p.id}`);
      if (fips.length) return;
      const where = q.podOfPort.get(p.id, topId) as { pod_id: string } | undefined;
      const ip = (q.portIp.get(p.id) as { ip_address: string } | undefined)?.ip_address;
      const net = q.net.get(p.network_id) as NetRow | undefined;
      push({
        kind: 'port',
        id: p.id,
        label: p.name || ip || p.id,
        detail: `port ${p.name || p.id}${ip ? ` ${ip}` : ''} on ${net?.name ?? p.network_id}${where ? ` in ${podName(where.pod_id)}` : ''}`,
        drill: where ? { scope: 'pod', id: where.pod_id } : { scope: 'project', id: p.project_id },
        fip_id: null,
      });
    };
    const netHit = (n: NetRow) => {
      const copies = this.copies(n.id, 'network', topId);
      push({
        kind: 'network',
        id: n.id,
        label: n.name || n.id,
        detail: `${kindOf(n)} network ${n.name} in ${copies.map((c) => podName(c.pod_id)).join(', ') || 'no pod yet'}`,
        drill: n.router_external || copies.length === 1 ? (copies[0] ? { scope: 'pod', id: copies[0].pod_id } : null) : { scope: 'project', id: n.project_id },
        fip_id: null,
      });
    };
    const routerHit = (r: { id: string; name: string; project_id: string }) =>
      push({ kind: 'router', id: r.id, label: r.name || r.id, detail: `router ${r.name} of ${r.project_id}`, drill: { scope: 'router', id: r.id }, fip_id: null });

    for (const f of q.fipByAddress.all(text) as FipRow[]) fipHit(f);
    const byId = q.fip.get(text) as FipRow | undefined;
    if (byId) fipHit(byId);
    for (const p of q.portByIp.all(text) as never[]) portHit(p);
    const pById = q.port.get(text) as never;
    if (pById) portHit(pById);
    for (const p of q.portByName.all(text) as never[]) portHit(p);
    const r = q.router.get(text) as never;
    if (r) routerHit(r);
    for (const x of q.routerByName.all(text) as never[]) routerHit(x);
    const n = q.net.get(text) as NetRow | undefined;
    if (n) netHit(n);
    for (const x of q.netByName.all(text) as NetRow[]) netHit(x);
    const pod = q.podByName.get(text, text) as PodRow | undefined;
    if (pod) push({ kind: 'pod', id: pod.pod_id, label: pod.region_name, detail: `pod ${pod.region_name}${pod.az_name ? ` (${pod.az_name})` : ' (top)'}`, drill: { scope: 'pod', id: pod.pod_id }, fip_id: null });
    return { hits: hits.slice(0, limit), more: hits.length > limit };
  }

  // ---------- details of one node ----------

  async router(id: string): Promise<RouterDetails> {
    const topId = this.topPodId();
    const row = this.q.router.get(id) as { id: string; name: string; project_id: string; gw_network_id: string | null; routes: string } | undefined;
    if (!row) throw new CrosspodError('NOT_FOUND', `No router with id ${id}`);
    const copies = this.copies(id, 'router', topId);
    const out: RouterDetails = { id: row.id, name: row.name, project_id: row.project_id, copies: [], routes: [], top_routes: JSON.parse(row.routes) as Route[], gateway_network_id: row.gw_network_id };
    for (const c of copies) {
      const d = this.s.core.driver(c.pod_id);
      const [b, ports] = await Promise.all([d.get('router', c.bottom_id), d.list('port', { device_id: c.bottom_id })]);
      out.copies.push(this.routerCopy(c, { routers: new Map([[b.id, b]]), ports }));
      out.routes.push({ pod_id: c.pod_id, routes: b.routes });
    }
    return out;
  }

  network(id: string): NetworkDetails {
    const topId = this.topPodId();
    const n = this.q.net.get(id) as NetRow | undefined;
    if (!n) throw new CrosspodError('NOT_FOUND', `No network with id ${id}`);
    const subnets = (this.q.subnetsOf.all(id) as { id: string; name: string; cidr: string; gateway_ip: string | null }[]).map((s) => ({ ...s, copies: this.copies(s.id, 'subnet', topId) }));
    return {
      id: n.id,
      name: n.name,
      project_id: n.project_id,
      kind: kindOf(n),
      cidrs: subnets.map((s) => s.cidr),
      vlan: n.provider_segmentation_id,
      copies: this.copies(id, 'network', topId),
      ports: (this.q.vmCountOnNet.get(id) as { n: number }).n,
      subnets,
      availability_zone_hints: JSON.parse(n.az_hints) as string[],
    };
  }

  // ---------- view state ----------

  viewGet(view: string): { view: string; state: ViewState | null } {
    const r = this.q.viewGet.get(view) as { state: string } | undefined;
    return { view, state: r ? (JSON.parse(r.state) as ViewState) : null };
  }

  viewSet(view: string, state: ViewState): { view: string; state: ViewState } {
    this.q.viewSet.run(view, JSON.stringify(state), this.s.core.nowIso());
    return { view, state };
  }
}
