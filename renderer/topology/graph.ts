// Levels of detail as graphs. Pure (no React), so they are unit-tested alone.
// - The estate: one node per pod, one edge per (external pod → VM pod) pair with its floating-IP
//   count, and one node per segment (a network with copies in several pods, e.g. a bridge VLAN)
//   joined to every pod it spans: a hub, never a chain through a third pod.
// - A detail (pod, project or router): the focus pods as groups holding their networks, routers,
//   VMs and floating-IP hops; segments as hubs between the groups; other pods a path crosses as
//   one node each. Ids derive from engine ids: `pod:<pod>`, `seg:<net>`, `net:<pod>:<net>`,
//   `router:<pod>:<router>`, `vm:<port>`, `fip:<fip>`, `fip:<fip>:bridge`, `more:<pod>:<net>`.
import type { PodReads, TopologyDetail, TopologySummary, TopoPodSummary } from '../../shared/topology';

export type TopoKind = 'pod' | 'segment' | 'network' | 'router' | 'vm' | 'hop' | 'more';
export type EdgeKind = 'link' | 'span' | 'interface' | 'gateway' | 'attach' | 'nat';

export interface TopoNodeData {
  kind: TopoKind;
  label: string;
  sub?: string;
  pod_id?: string;
  /** pod: drawn as one node (the estate, a pod outside the focus, or a collapsed group). */
  collapsed?: boolean;
  /** pod: a group holding nodes (a focus pod that is not collapsed). */
  group?: boolean;
  health?: 'ok' | 'degraded' | 'unreachable';
  /** pod: why it is unreachable (the error of its last read, and since when). */
  health_note?: string;
  /** hop: the pod holding it did not answer; the hop is what the top says. */
  error?: string;
  counts?: TopoPodSummary['counts'];
  /** network / segment */
  net_kind?: 'external' | 'tenant' | 'ew' | 'ns';
  vlan?: number | null;
  network_id?: string;
  router_id?: string;
  port_id?: string;
  fip_id?: string;
  role?: 'external' | 'bridge';
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
  /** Hidden when zoomed far out (unless highlighted): e.g. a segment that no floating IP crosses. */
  minor?: boolean;
}

export interface Topo {
  nodes: TopoNode[];
  edges: TopoEdge[];
  /** Per floating IP: the nodes and edges of its path as drawn (a hidden node is drawn as its pod). */
  paths: Map<string, { nodes: string[]; edges: string[] }>;
}

export const podNodeId = (podId: string) => `pod:${podId}`;
export const segNodeId = (netId: string) => `seg:${netId}`;
export const netNodeId = (podId: string, netId: string) => `net:${podId}:${netId}`;
export const routerNodeId = (podId: string, routerId: string) => `router:${podId}:${routerId}`;
export const vmNodeId = (portId: string) => `vm:${portId}`;
export const fipNodeId = (fipId: string) => `fip:${fipId}`;
export const bridgeHopId = (fipId: string) => `fip:${fipId}:bridge`;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const vlanText = (v: number | null | undefined) => (v != null ? `VLAN ${v}` : '');

function podSub(p: TopoPodSummary): string {
  const c = p.counts;
  return [p.az_name || 'top pod', plural(c.networks, 'network'), plural(c.routers, 'router'), plural(c.fips_external + c.fips_bound_here, 'FIP')].join(' · ');
}

/** What the engine last saw of a pod's reads, in words (for the pod's tooltip and details). */
export function readsNote(r: PodReads | undefined): string | undefined {
  if (!r) return undefined;
  if (r.status === 'failing') return `unreachable since ${r.failing_since}: ${r.last_error?.code} ${r.last_error?.message ?? ''}`.trim();
  if (r.last_ok_at) return `last read ${r.last_ok_at}`;
  return undefined;
}

/** The estate at a glance. The top pod is left out while it holds nothing. */
export function estateGraph(s: TopologySummary): Topo {
  const nodes: TopoNode[] = [];
  const edges: TopoEdge[] = [];
  const shown = new Set<string>();
  const hasExternal = new Set<string>();
  for (const p of s.pods) {
    const c = p.counts;
    if (p.is_top && c.networks + c.routers + c.ports === 0) continue;
    shown.add(p.pod_id);
    if (c.fips_external > 0) hasExternal.add(p.pod_id);
    nodes.push({ id: podNodeId(p.pod_id), data: { kind: 'pod', label: p.region_name, sub: podSub(p), pod_id: p.pod_id, collapsed: true, health: p.health.status, health_note: readsNote(p.health.reads), counts: c } });
  }
  for (const g of s.segments) {
    const pods = g.pod_ids.filter((p) => shown.has(p));
    if (!pods.length) continue;
    const id = segNodeId(g.network_id);
    const sub = [vlanText(g.vlan), plural(pods.length, 'pod'), g.fips ? plural(g.fips, 'FIP') : ''].filter(Boolean).join(' · ');
    nodes.push({ id, data: { kind: 'segment', label: g.name, sub, net_kind: g.kind, vlan: g.vlan, network_id: g.network_id } });
    // Inbound traffic enters at pods with external networks: they sit before the segment.
    for (const p of pods) {
      const from = hasExternal.has(p);
      edges.push({ id: `e:span:${g.network_id}:${p}`, source: from ? podNodeId(p) : id, target: from ? id : podNodeId(p), kind: 'span', ...(g.fips ? {} : { minor: true }) });
    }
  }
  for (const l of s.links) {
    if (!shown.has(l.a) || !shown.has(l.b)) continue;
    edges.push({ id: `e:link:${l.a}:${l.b}`, source: podNodeId(l.a), target: podNodeId(l.b), kind: 'link', label: `${plural(l.fips, 'FIP')} · DNAT` });
  }
  return { nodes, edges, paths: new Map() };
}

export interface DetailOptions {
  /** Focus pods drawn as one node. */
  collapsed?: ReadonlySet<string>;
  /** Pod summaries, for the counts on pods drawn as one node. */
  summary?: TopologySummary | null;
}

/** A pod, project or router in full. */
export function detailGraph(d: TopologyDetail, opts: DetailOptions = {}): Topo {
  const collapsed = opts.collapsed ?? new Set<string>();
  const summaries = new Map((opts.summary?.pods ?? []).map((p) => [p.pod_id, p]));
  const nodes: TopoNode[] = [];
  const edges: TopoEdge[] = [];
  const drawnAs = new Map<string, string>();
  const open = new Set(d.pods.filter((p) => p.focus && !collapsed.has(p.pod_id)).map((p) => p.pod_id));
  const podIds = new Set(d.pods.map((p) => p.pod_id));
  const add = (n: TopoNode) => {
    const pod = n.data.pod_id;
    if (n.parentId && pod && !open.has(pod)) {
      drawnAs.set(n.id, podNodeId(pod));
      return;
    }
    drawnAs.set(n.id, n.id);
    nodes.push(n);
  };

  for (const p of d.pods) {
    const s = summaries.get(p.pod_id);
    const group = open.has(p.pod_id);
    // This detail's own reads are the freshest word on the pod.
    const down = p.reads?.status === 'failing';
    nodes.push({
      id: podNodeId(p.pod_id),
      data: { kind: 'pod', label: p.region_name, sub: s ? podSub(s) : p.az_name, pod_id: p.pod_id, collapsed: !group, group, health: down ? 'unreachable' : s?.health.status, health_note: readsNote(p.reads ?? s?.health.reads), counts: s?.counts },
    });
    drawnAs.set(podNodeId(p.pod_id), podNodeId(p.pod_id));
  }

  // Networks: one node inside its pod, or one segment across several. Inbound traffic enters at
  // pods with external networks: they sit before a segment, the others after it.
  const hasExternal = new Set(d.networks.filter((n) => n.kind === 'external').flatMap((n) => n.copies.map((c) => c.pod_id)));
  const netAt = new Map<string, string>(); // `${pod}|${net}` → node id
  for (const n of d.networks) {
    const copies = n.copies.filter((c) => podIds.has(c.pod_id));
    const sub = [n.cidrs.join(', '), vlanText(n.vlan)].filter(Boolean).join(' · ');
    if (copies.length > 1 || n.kind === 'ew' || n.kind === 'ns') {
      const id = segNodeId(n.id);
      add({ id, data: { kind: 'segment', label: n.name, sub: [sub, plural(copies.length, 'pod')].filter(Boolean).join(' · '), net_kind: n.kind, vlan: n.vlan, network_id: n.id } });
      for (const c of copies) {
        netAt.set(`${c.pod_id}|${n.id}`, id);
        if (!open.has(c.pod_id)) {
          const from = hasExternal.has(c.pod_id);
          edges.push({ id: `e:span:${n.id}:${c.pod_id}`, source: from ? podNodeId(c.pod_id) : id, target: from ? id : podNodeId(c.pod_id), kind: 'span' });
        }
      }
      continue;
    }
    const c = copies[0];
    if (!c) continue;
    const id = netNodeId(c.pod_id, n.id);
    add({ id, parentId: podNodeId(c.pod_id), data: { kind: 'network', label: n.name, sub, pod_id: c.pod_id, net_kind: n.kind, vlan: n.vlan, network_id: n.id } });
    netAt.set(`${c.pod_id}|${n.id}`, id);
  }

  // Routers: one node per pod copy; interfaces and gateway to the networks drawn.
  const routerLinks: { pod: string; router: string; net: string; edge: string }[] = [];
  for (const r of d.routers) {
    for (const c of r.copies) {
      const id = routerNodeId(c.pod_id, r.id);
      add({ id, parentId: podNodeId(c.pod_id), data: { kind: 'router', label: r.name || r.id, sub: c.gateway ? `gateway ${c.gateway.ip ?? ''}`.trim() : undefined, pod_id: c.pod_id, router_id: r.id } });
      for (const i of c.interfaces) {
        const net = netAt.get(`${c.pod_id}|${i.network_id}`);
        if (!net) continue;
        const edge = `e:if:${c.pod_id}:${r.id}:${i.network_id}`;
        edges.push({ id: edge, source: id, target: net, kind: 'interface', label: i.ip ?? undefined });
        routerLinks.push({ pod: c.pod_id, router: id, net, edge });
      }
      if (c.gateway) {
        const net = netAt.get(`${c.pod_id}|${c.gateway.network_id}`);
        if (net) {
          const edge = `e:gw:${c.pod_id}:${r.id}:${c.gateway.network_id}`;
          // From the upstream network into the router, so layers follow inbound traffic.
          edges.push({ id: edge, source: net, target: id, kind: 'gateway', label: 'gateway' });
          routerLinks.push({ pod: c.pod_id, router: id, net, edge });
        }
      }
    }
  }

  // VMs on their networks, and what is not drawn one by one.
  for (const v of d.vms) {
    const id = vmNodeId(v.id);
    add({ id, parentId: podNodeId(v.pod_id), data: { kind: 'vm', label: v.name || v.ip || v.id, sub: v.ip ?? undefined, pod_id: v.pod_id, port_id: v.id, network_id: v.network_id } });
    const net = netAt.get(`${v.pod_id}|${v.network_id}`);
    if (net) edges.push({ id: `e:on:${v.id}`, source: net, target: id, kind: 'attach' });
  }
  for (const m of d.vms_omitted) {
    const id = `more:${m.pod_id}:${m.network_id}`;
    const net = netAt.get(`${m.pod_id}|${m.network_id}`);
    add({ id, parentId: podNodeId(m.pod_id), data: { kind: 'more', label: `+${plural(m.count, 'more port')}`, sub: 'on this network, not drawn', pod_id: m.pod_id, network_id: m.network_id } });
    if (net) edges.push({ id: `e:more:${m.pod_id}:${m.network_id}`, source: net, target: id, kind: 'attach' });
  }

  // Floating IPs: the external address in its pod, the bridge address in the VM's pod, DNAT edges.
  const rawPaths = new Map<string, { nodes: string[]; edges: string[] }>();
  for (const f of d.fips) {
    const pn: string[] = [];
    const pe: string[] = [];
    let prev: string | null = null;
    let prevNet: string | null = null;
    let prevPod: string | null = null;
    for (const h of f.hops) {
      const net = netAt.get(`${h.pod_id}|${h.network_id}`) ?? null;
      let id: string;
      if (h.role === 'fixed') {
        id = f.port_id ? vmNodeId(f.port_id) : `fip:${f.id}:fixed`;
        if (!drawnAs.has(id)) add({ id, parentId: podNodeId(h.pod_id), data: { kind: 'vm', label: h.address, sub: h.network_name, pod_id: h.pod_id } });
        const drawnNode = nodes.find((n) => n.id === id);
        if (h.error && drawnNode) drawnNode.data.error = `${h.error.code}: ${h.error.message}`;
      } else {
        id = h.role === 'external' ? fipNodeId(f.id) : bridgeHopId(f.id);
        const where = h.role === 'bridge' ? [h.network_name, vlanText(h.vlan)].filter(Boolean).join(' · ') : `${h.region} · ${f.mode}`;
        add({ id, parentId: podNodeId(h.pod_id), data: { kind: 'hop', label: h.address, sub: where, pod_id: h.pod_id, fip_id: f.id, role: h.role, ...(h.error ? { error: `${h.error.code}: ${h.error.message}` } : {}) } });
        if (net) {
          const eid = `e:on:${f.id}:${h.role}`;
          // From the network to the address, as inbound traffic goes (and layers follow).
          edges.push({ id: eid, source: net, target: id, kind: 'attach' });
          pe.push(eid);
        }
      }
      pn.push(id);
      if (net) pn.push(net);
      if (prev) {
        const eid = `e:nat:${f.id}:${prev === fipNodeId(f.id) ? 0 : 1}`;
        edges.push({ id: eid, source: prev, target: id, kind: 'nat', label: 'DNAT' });
        pe.push(eid);
      }
      // The router doing this step: joined, in the pod of either hop, to both hops' networks.
      if (prevNet && net) {
        for (const pod of new Set([prevPod, h.pod_id])) {
          const a = netAt.get(`${pod}|${netOfNode(prevNet)}`) ?? prevNet;
          const linksA = routerLinks.filter((l) => l.pod === pod && l.net === a);
          for (const la of linksA) {
            const lb = routerLinks.find((l) => l.router === la.router && l.net === net);
            if (!lb) continue;
            pn.push(la.router);
            pe.push(la.edge, lb.edge);
          }
        }
      }
      prev = id;
      prevNet = net;
      prevPod = h.pod_id;
    }
    rawPaths.set(f.id, { nodes: pn, edges: pe });
  }

  // Edges end at whatever is drawn in an end's place; edges inside one hidden pod disappear.
  const drawn = (id: string) => drawnAs.get(id) ?? id;
  const finalEdges: TopoEdge[] = [];
  const kept = new Set<string>();
  const seen = new Set<string>();
  for (const e of edges) {
    const source = drawn(e.source);
    const target = drawn(e.target);
    if (source === target) continue;
    const moved = source !== e.source || target !== e.target;
    // Several hidden edges between the same two drawn nodes are drawn once.
    const key = moved ? `${e.kind}:${source}>${target}` : e.id;
    kept.add(e.id);
    if (seen.has(key)) continue;
    seen.add(key);
    finalEdges.push(moved ? { ...e, id: `agg:${key}`, source, target } : e);
  }
  const aggId = new Map<string, string>();
  for (const e of edges) {
    const source = drawn(e.source);
    const target = drawn(e.target);
    if (source !== e.source || target !== e.target) aggId.set(e.id, `agg:${e.kind}:${source}>${target}`);
  }
  const paths = new Map<string, { nodes: string[]; edges: string[] }>();
  for (const [fip, p] of rawPaths) {
    paths.set(fip, {
      nodes: [...new Set(p.nodes.map(drawn))],
      edges: [...new Set(p.edges.filter((id) => kept.has(id)).map((id) => aggId.get(id) ?? id))],
    });
  }
  return { nodes, edges: finalEdges, paths };
}

/** The network id inside a network or segment node id. */
function netOfNode(nodeId: string): string {
  if (nodeId.startsWith('seg:')) return nodeId.slice(4);
  const parts = nodeId.split(':');
  return parts.slice(2).join(':');
}

/** The node and edge ids to highlight: a floating IP's path, or one node and its edges. */
export function highlightSet(topo: Topo, target: { fip?: string | null; node?: string | null }): { nodes: Set<string>; edges: Set<string> } {
  if (target.fip) {
    const p = topo.paths.get(target.fip);
    if (p) return { nodes: new Set(p.nodes), edges: new Set(p.edges) };
  }
  if (target.node && topo.nodes.some((n) => n.id === target.node)) {
    const edges = topo.edges.filter((e) => e.source === target.node || e.target === target.node);
    return { nodes: new Set([target.node, ...edges.flatMap((e) => [e.source, e.target])]), edges: new Set(edges.map((e) => e.id)) };
  }
  return { nodes: new Set(), edges: new Set() };
}
