// Maps a TopologySnapshot to graph nodes and edges. Pure (no React), so it is unit-tested alone.
// Ids derive from engine ids: pods `pod:<pod_id>`, per-pod networks and routers keyed by their
// top id (`net:<pod_id>:<top_id>`), floating-IP hops `fip:<fip_id>`, `fip:<fip_id>:bridge|fixed`.
import type { TopologySnapshot } from '../../shared/contract';
import type { FipHop, HopRole, Pod } from '../../shared/model';

export type TopoKind = 'pod' | 'router' | 'network' | 'hop';
export type EdgeKind = 'interface' | 'gateway' | 'bridge' | 'nat' | 'attach';

export interface TopoNodeData {
  kind: TopoKind;
  label: string;
  sub?: string;
  pod_id?: string;
  /** pod */
  collapsed?: boolean;
  is_top?: boolean;
  counts?: { networks: number; routers: number; fips: number };
  /** network */
  external?: boolean;
  bridge?: 'ew' | 'ns' | null;
  vlan?: number | null;
  /** hop */
  fip_id?: string;
  role?: HopRole;
  [key: string]: unknown;
}

export interface TopoNode {
  id: string;
  parentId?: string;
  data: TopoNodeData;
}

export interface TopoEdge {
  id: string;
  source: string;
  target: string;
  kind: EdgeKind;
  label?: string;
}

export interface Topo {
  nodes: TopoNode[];
  edges: TopoEdge[];
  /** Per floating IP: every node and edge of its path, as drawn (after collapsing). */
  paths: Map<string, { nodes: string[]; edges: string[] }>;
}

export interface BuildOptions {
  /** Pod ids whose contents are hidden. */
  collapsed?: ReadonlySet<string>;
  /** Display names by top id (top network and router names). */
  labels?: ReadonlyMap<string, string>;
}

export const podNodeId = (podId: string) => `pod:${podId}`;
export const networkNodeId = (podId: string, key: string) => `net:${podId}:${key}`;
export const routerNodeId = (podId: string, key: string) => `router:${podId}:${key}`;
export const hopNodeId = (fipId: string, role: HopRole) => (role === 'external' ? `fip:${fipId}` : `fip:${fipId}:${role}`);

/** A lab is identified by its top pod (the one every other hangs off). */
export function labId(snapshot: Pick<TopologySnapshot, 'pods'> | null | undefined): string {
  const pods = snapshot?.pods ?? [];
  return (pods.find((p) => p.is_top) ?? pods[0])?.pod_id ?? 'empty';
}

function displayNetworkName(name: string): string {
  // Bottom internal networks are named `<top_id>#<top_name>`.
  const i = name.indexOf('#');
  return i >= 0 ? name.slice(i + 1) : name;
}

export function buildTopology(snap: TopologySnapshot, opts: BuildOptions = {}): Topo {
  const collapsed = opts.collapsed ?? new Set<string>();
  const labels = opts.labels ?? new Map<string, string>();
  const nodes: TopoNode[] = [];
  const edges: TopoEdge[] = [];
  const podByRegion = new Map<string, Pod>();
  for (const p of snap.pods) {
    podByRegion.set(p.region_name, p);
    if (p.pod_name && !podByRegion.has(p.pod_name)) podByRegion.set(p.pod_name, p);
  }
  const bottomsByPod = new Map(snap.bottoms.map((b) => [b.pod_id, b]));
  const hasContent = (podId: string) => {
    const b = bottomsByPod.get(podId);
    return !!b && b.networks.length + b.routers.length > 0;
  };
  const shownPods = snap.pods.filter((p) => !p.is_top || hasContent(p.pod_id));
  const shown = new Set(shownPods.map((p) => p.pod_id));

  // Per pod: network node id by top id and by bottom id (hops and router links use either).
  const netIndex = new Map<string, string>();
  const netKeyPods = new Map<string, { podId: string; vlan: number | null }[]>();
  const counts = new Map<string, { networks: number; routers: number; fips: number }>();
  /** Node id → the id drawn in its place (the pod when collapsed). */
  const drawnAs = new Map<string, string>();

  for (const pod of shownPods) {
    const pid = podNodeId(pod.pod_id);
    const b = bottomsByPod.get(pod.pod_id);
    const c = { networks: b?.networks.length ?? 0, routers: b?.routers.length ?? 0, fips: 0 };
    counts.set(pod.pod_id, c);
    nodes.push({
      id: pid,
      data: {
        kind: 'pod',
        label: pod.region_name,
        sub: pod.is_top ? 'top pod' : pod.az_name || undefined,
        pod_id: pod.pod_id,
        collapsed: collapsed.has(pod.pod_id),
        is_top: pod.is_top,
        counts: c,
      },
    });
    drawnAs.set(pid, pid);
    if (!b) continue;
    const hidden = collapsed.has(pod.pod_id);
    for (const n of b.networks) {
      const key = n.top_id ?? n.id;
      const id = networkNodeId(pod.pod_id, key);
      netIndex.set(`${pod.pod_id}|${key}`, id);
      netIndex.set(`${pod.pod_id}|${n.id}`, id);
      const list = netKeyPods.get(key) ?? [];
      list.push({ podId: pod.pod_id, vlan: n.vlan });
      netKeyPods.set(key, list);
      drawnAs.set(id, hidden ? pid : id);
      const extra = [n.cidrs.join(', '), n.vlan != null ? `VLAN ${n.vlan}` : ''].filter(Boolean).join(' · ');
      if (!hidden) {
        nodes.push({
          id,
          parentId: pid,
          data: {
            kind: 'network',
            label: (n.top_id && labels.get(n.top_id)) || displayNetworkName(n.name),
            sub: extra || undefined,
            pod_id: pod.pod_id,
            external: n.external,
            bridge: n.bridge,
            vlan: n.vlan,
          },
        });
      }
    }
    for (const r of b.routers) {
      const key = r.top_id ?? r.id;
      const id = routerNodeId(pod.pod_id, key);
      drawnAs.set(id, hidden ? pid : id);
      if (!hidden) {
        nodes.push({
          id,
          parentId: pid,
          data: { kind: 'router', label: (r.top_id && labels.get(r.top_id)) || r.name, pod_id: pod.pod_id },
        });
      }
      for (const nid of r.interface_network_ids) {
        const target = netIndex.get(`${pod.pod_id}|${nid}`);
        if (target) edges.push({ id: `e:if:${pod.pod_id}:${key}:${target.slice(`net:${pod.pod_id}:`.length)}`, source: id, target, kind: 'interface' });
      }
      if (r.gateway_network_id) {
        // Drawn from the upstream network into the router, so layers follow inbound traffic.
        const net = netIndex.get(`${pod.pod_id}|${r.gateway_network_id}`);
        if (net) edges.push({ id: `e:gw:${pod.pod_id}:${key}:${net.slice(`net:${pod.pod_id}:`.length)}`, source: net, target: id, kind: 'gateway', label: 'gateway' });
      }
    }
  }

  // A network present in several pods (the bridges) is drawn in each, linked pod to pod; pods
  // holding a real external network come first (inbound traffic enters there).
  const hasExternal = (podId: string) =>
    !!bottomsByPod.get(podId)?.networks.some((n) => n.external && !n.bridge);
  for (const [key, unordered] of netKeyPods) {
    const list = [...unordered].sort((a, b) => Number(hasExternal(b.podId)) - Number(hasExternal(a.podId)));
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1];
      const b = list[i];
      const vlan = a.vlan ?? b.vlan;
      edges.push({
        id: `e:bridge:${key}:${a.podId}:${b.podId}`,
        source: networkNodeId(a.podId, key),
        target: networkNodeId(b.podId, key),
        kind: 'bridge',
        label: vlan != null ? `VLAN ${vlan}` : undefined,
      });
    }
  }

  // Floating IPs: one node per hop, in the pod of its region, chained by DNAT edges.
  const rawPaths = new Map<string, { nodes: string[]; edges: string[] }>();
  const podOfHop = (h: FipHop) => {
    const p = podByRegion.get(h.region);
    return p && shown.has(p.pod_id) ? p : undefined;
  };
  const netOfHop = (h: FipHop) => {
    const p = podOfHop(h);
    return p ? netIndex.get(`${p.pod_id}|${h.network_id}`) : undefined;
  };
  for (const path of snap.fips) {
    const fipId = path.id;
    const pn: string[] = [];
    const pe: string[] = [];
    path.hops.forEach((h, i) => {
      const id = hopNodeId(fipId, h.role);
      const pod = podOfHop(h);
      const pid = pod ? podNodeId(pod.pod_id) : undefined;
      const hidden = !!pod && collapsed.has(pod.pod_id);
      if (pod) counts.get(pod.pod_id)!.fips += h.role === 'external' ? 1 : 0;
      drawnAs.set(id, hidden && pid ? pid : id);
      if (!hidden) {
        const where = h.role === 'bridge' ? [h.network_name, h.vlan != null ? `VLAN ${h.vlan}` : ''].filter(Boolean).join(' · ') : h.region;
        nodes.push({
          id,
          ...(pid ? { parentId: pid } : {}),
          data: { kind: 'hop', label: h.address, sub: where, pod_id: pod?.pod_id, fip_id: fipId, role: h.role, vlan: h.vlan ?? null },
        });
      }
      pn.push(id);
      const net = netOfHop(h);
      if (net) {
        const eid = `e:on:${fipId}:${i}`;
        edges.push({ id: eid, source: id, target: net, kind: 'attach' });
        pe.push(eid);
        pn.push(net);
      }
      if (i > 0) {
        const prev = path.hops[i - 1];
        const eid = `e:nat:${fipId}:${i - 1}`;
        edges.push({ id: eid, source: hopNodeId(fipId, prev.role), target: id, kind: 'nat', label: 'DNAT' });
        pe.push(eid);
        // The router doing this DNAT step: in either hop's pod, joined to both hops' networks.
        for (const hp of [podOfHop(prev), pod]) {
          if (!hp) continue;
          const na = netIndex.get(`${hp.pod_id}|${prev.network_id}`);
          const nb = netIndex.get(`${hp.pod_id}|${h.network_id}`);
          if (!na || !nb) continue;
          // Router links in this pod as [router, network, edge id].
          const links = edges
            .filter((e) => e.kind === 'interface' || e.kind === 'gateway')
            .map((e) => (e.kind === 'gateway' ? [e.target, e.source, e.id] : [e.source, e.target, e.id]))
            .filter(([r]) => r.startsWith(`router:${hp.pod_id}:`));
          const routers = new Set(links.filter(([, n]) => n === na).map(([r]) => r));
          for (const r of routers) {
            if (!links.some(([rr, n]) => rr === r && n === nb)) continue;
            pn.push(r, na, nb);
            pe.push(...links.filter(([rr, n]) => rr === r && (n === na || n === nb)).map(([, , id]) => id));
          }
        }
      }
      if (h.role === 'bridge') {
        for (const e of edges) if (e.kind === 'bridge' && e.id.startsWith(`e:bridge:${h.network_id}:`)) pe.push(e.id);
      }
    });
    rawPaths.set(fipId, { nodes: pn, edges: pe });
  }

  // Collapsed pods: edges end at the pod; edges inside one collapsed pod disappear.
  const drawn = (id: string) => drawnAs.get(id) ?? id;
  const finalEdges: TopoEdge[] = [];
  const keptEdges = new Set<string>();
  for (const e of edges) {
    const source = drawn(e.source);
    const target = drawn(e.target);
    if (source === target) continue;
    finalEdges.push(source === e.source && target === e.target ? e : { ...e, source, target });
    keptEdges.add(e.id);
  }
  const paths = new Map<string, { nodes: string[]; edges: string[] }>();
  for (const [fipId, p] of rawPaths) {
    paths.set(fipId, {
      nodes: [...new Set(p.nodes.map(drawn))],
      edges: [...new Set(p.edges.filter((id) => keptEdges.has(id)))],
    });
  }
  return { nodes, edges: finalEdges, paths };
}

/** The node and edge ids to highlight for a floating IP (empty sets when none is selected). */
export function highlightSet(topo: Topo, fipId: string | null | undefined): { nodes: Set<string>; edges: Set<string> } {
  const p = fipId ? topo.paths.get(fipId) : undefined;
  return { nodes: new Set(p?.nodes ?? []), edges: new Set(p?.edges ?? []) };
}
