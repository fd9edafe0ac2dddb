// The estate past CLUSTER_OVER pods: pods in clusters by region prefix, links summed by cluster
// pair, bridges with the same ends drawn as one node saying how many; a floating IP found by
// search is highlighted through the clusters; an expanded cluster shows its pods again.
import { describe, expect, it } from 'vitest';
import type { TopoFip, TopologySummary, TopoPodSummary } from '../../shared/topology';
import { drawnPath, estateGraph } from '../../renderer/topology/graph';

const reads = { status: 'unknown' as const, last_ok_at: null, last_error: null, failing_since: null };
const pod = (n: number, fips_external = 0): TopoPodSummary => ({
  pod_id: `p${n}`,
  region_name: `pod-${String(n).padStart(2, '0')}`,
  az_name: `az-${n}`,
  is_top: false,
  driver: 'lab',
  health: { status: n === 12 ? 'degraded' : 'ok', failed_jobs: n === 12 ? 1 : 0, pending_routings: 0, reads },
  counts: { networks: 2, bridges: 1, routers: 1, ports: 10, fips_external, fips_bound_here: 1 },
});
const seg = (id: string, pods: string[], vlan: number, fips: number) => ({ network_id: id, name: id, kind: 'ns' as const, project_id: 'x', vlan, cidrs: [], pod_ids: pods, fips });
const summary: TopologySummary = {
  lab_id: 'l',
  project_id: null,
  pods: Array.from({ length: 12 }, (_, i) => pod(i + 1, i === 0 || i === 2 ? 5 : 0)),
  links: [
    { a: 'p1', b: 'p11', fips: 5, projects: 1 },
    { a: 'p3', b: 'p12', fips: 2, projects: 1 },
    { a: 'p1', b: 'p2', fips: 1, projects: 1 },
  ],
  segments: [seg('A', ['p1', 'p2'], 2001, 1), seg('B', ['p1', 'p11'], 2002, 5), seg('C', ['p3', 'p12'], 2003, 2)],
  totals: { pods: 12, networks: 24, routers: 12, ports: 120, fips: 8, fips_cross_pod: 8, fips_unbound: 0 },
};
const C1 = 'cluster:pod-01-pod-10';
const C2 = 'cluster:pod-11-pod-12';
const fipC: TopoFip = {
  id: 'f',
  address: '1.2.3.4',
  project_id: 'x',
  port_id: 'vm',
  mode: 'two-step',
  hops: [
    { role: 'external', address: '1.2.3.4', pod_id: 'p3', region: 'pod-03', network_id: 'EXT', network_name: 'ext', bottom: {} },
    { role: 'bridge', address: '100.0.0.4', pod_id: 'p12', region: 'pod-12', network_id: 'C', network_name: 'C', bottom: {} },
    { role: 'fixed', address: '10.0.0.4', pod_id: 'p12', region: 'pod-12', network_id: 'N', network_name: 'n', bottom: {} },
  ],
};

describe('the estate in clusters', () => {
  it('draws clusters that say what they hold, links summed by cluster pair, and bridges with the same ends as one node', () => {
    const g = estateGraph(summary, { clusterOver: 10 });
    expect(g.nodes.map((n) => [n.id, n.data.label, n.data.sub])).toEqual([
      [C1, 'pod-01 – pod-10', '10 pods · 20 networks · 10 routers · 20 FIPs · inside: 1 bridge, 2 FIPs between its pods'],
      [C2, 'pod-11 – pod-12', '2 pods · 4 networks · 2 routers · 2 FIPs'],
      [`segs:${C1}|${C2}`, '2 bridges', 'VLAN 2002–2003 · 2 ends · 7 FIPs'],
    ]);
    expect(g.nodes[1].data).toMatchObject({ health: 'degraded', health_note: 'pod-12: degraded', pod_ids: ['p11', 'p12'] });
    expect(g.edges.map((e) => [e.id, e.source, e.target, e.label ?? ''])).toEqual([
      [`e:span:segs:${C1}|${C2}:${C1}`, C1, `segs:${C1}|${C2}`, ''],
      [`e:span:segs:${C1}|${C2}:${C2}`, `segs:${C1}|${C2}`, C2, ''],
      [`e:link:${C1}:${C2}`, C1, C2, '7 FIPs · DNAT'],
    ]);
    // Not clustered at or under the threshold.
    expect(estateGraph(summary).nodes.filter((n) => n.data.kind === 'pod').length).toBe(12);
  });

  it('highlights a floating IP through its clusters, and in its pods once the cluster is expanded', () => {
    const g = estateGraph(summary, { clusterOver: 10 });
    expect(drawnPath(g, fipC)).toEqual({ nodes: [C1, C2, `segs:${C1}|${C2}`], edges: [`e:span:segs:${C1}|${C2}:${C1}`, `e:span:segs:${C1}|${C2}:${C2}`, `e:link:${C1}:${C2}`] });
    const open = estateGraph(summary, { clusterOver: 10, expanded: new Set([C2]) });
    expect(open.nodes.map((n) => n.id)).toEqual([C1, 'pod:p11', 'pod:p12', 'seg:B', 'seg:C']);
    expect(open.nodes.find((n) => n.id === 'pod:p12')!.data).toMatchObject({ label: 'pod-12', cluster_id: C2 });
    expect(drawnPath(open, fipC)).toEqual({ nodes: [C1, 'pod:p12', 'seg:C'], edges: [`e:span:C:${C1}`, 'e:span:C:p12', `e:link:${C1}:p12`] });
  });
});
