// Aggregation and drill-down on a three-pod lab, with the data a real engine returns: the worked
// example plus Pod3 with vm3 (10.0.3.7) whose floating IP 162.3.124.9 also enters in Pod2.
// The N-S bridge spans Pod1, Pod2 and Pod3 and is drawn as ONE segment joined to each of them,
// never as a chain Pod2 → Pod1 → Pod3.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TopologyDetail, TopologySummary } from '../../shared/topology';
import { detailGraph, estateGraph, highlightSet, type Topo } from '../../renderer/topology/graph';
import { boxesFromElk, layoutTopology, toElkGraph } from '../../renderer/topology/layout';
import { newEngine, type TestEngine } from '../engine/support/engine';

let t: TestEngine;
let summary: TopologySummary;
let project: TopologyDetail;
let pod3: TopologyDetail;
/** Engine ids → readable names, so the expectations read as the drawing does. */
const names = new Map<string, string>();
let fip3 = '';

beforeAll(async () => {
  t = await newEngine();
  const api = t.engine.api;
  const ex = await api['lab.loadExample']({});
  await api['pods.create']({ region_name: 'Pod3', az_name: 'az3' });
  const net3 = await api['networks.create']({ name: 'net3', project_id: 'proj1', availability_zone_hints: ['az3'] });
  const sub3 = await api['subnets.create']({ network_id: net3.id, cidr: '10.0.3.0/24', name: 'subnet3' });
  const router = (await api['routers.list']({ name: 'R' })).items[0];
  await api['routers.addInterface']({ id: router.id, subnet_id: sub3.id });
  const vm3 = await api['ports.create']({ network_id: net3.id, name: 'vm3', fixed_ips: [{ ip_address: '10.0.3.7' }] });
  const ext = (await api['networks.list']({ name: 'ext-net' })).items[0];
  fip3 = (await api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.124.9', port_id: vm3.id })).id;
  await t.engine.idle();
  for (const p of (await api['pods.list']({})).items) names.set(p.pod_id, p.region_name);
  for (const n of (await api['networks.list']({})).items) names.set(n.id, n.name);
  for (const p of (await api['ports.list']({})).items) if (p.name) names.set(p.id, p.name);
  names.set(router.id, 'R');
  names.set(ex.fips[0], 'fip1');
  names.set(fip3, 'fip3');
  summary = await api['topology.summary']({});
  project = await api['topology.detail']({ scope: 'project', id: 'proj1' });
  pod3 = await api['topology.detail']({ scope: 'pod', id: t.podId('Pod3') });
});
afterAll(async () => {
  await t.close();
});

/** Replaces every engine id inside a node or edge id by its name. */
function readable(id: string): string {
  let out = id;
  for (const [k, v] of names) out = out.split(k).join(v);
  return out;
}
const nodesOf = (g: Topo) => Object.fromEntries(g.nodes.map((n) => [readable(n.id), n.parentId ? readable(n.parentId) : null]));
const edgesOf = (g: Topo) => g.edges.map((e) => `${readable(e.source)} -> ${readable(e.target)}`).sort();

describe('the estate', () => {
  it('draws pods as nodes, the bridges as hubs joined to every pod they span, and links by pod pair', () => {
    const g = estateGraph(summary);
    expect(nodesOf(g)).toEqual({
      'pod:Pod1': null,
      'pod:Pod2': null,
      'pod:Pod3': null,
      'seg:ew_bridge_net_proj1': null,
      'seg:ns_bridge_net_proj1': null,
    });
    expect(edgesOf(g)).toEqual([
      // Pod2 holds the external network: inbound traffic enters there.
      'pod:Pod2 -> pod:Pod1',
      'pod:Pod2 -> pod:Pod3',
      'pod:Pod2 -> seg:ns_bridge_net_proj1',
      'seg:ew_bridge_net_proj1 -> pod:Pod1',
      'seg:ew_bridge_net_proj1 -> pod:Pod3',
      'seg:ns_bridge_net_proj1 -> pod:Pod1',
      'seg:ns_bridge_net_proj1 -> pod:Pod3',
    ]);
    // No edge joins two pods through the bridge: one segment, three pods.
    expect(g.edges.filter((e) => e.kind === 'span' && e.id.includes(summary.segments.find((s) => s.name === 'ns_bridge_net_proj1')!.network_id)).length).toBe(3);
    const data = (id: string) => g.nodes.find((n) => readable(n.id) === id)!.data;
    expect(data('seg:ns_bridge_net_proj1')).toMatchObject({ kind: 'segment', label: 'ns_bridge_net_proj1', sub: 'VLAN 2002 · 3 pods · 2 FIPs', net_kind: 'ns' });
    expect(data('pod:Pod2')).toMatchObject({ kind: 'pod', label: 'Pod2', sub: 'az2 · 2 networks · 1 router · 2 FIPs', collapsed: true, health: 'ok' });
    expect(g.edges.filter((e) => e.kind === 'link').map((e) => e.label)).toEqual(['1 FIP · DNAT', '1 FIP · DNAT']);
  });
});

describe('drilling in', () => {
  it('draws project proj1 in full: pods as groups, the bridge as one segment between them, VMs on their networks', () => {
    const g = detailGraph(project, { summary });
    expect(nodesOf(g)).toEqual({
      'pod:Pod1': null,
      'pod:Pod2': null,
      'pod:Pod3': null,
      'net:Pod1:net1': 'pod:Pod1',
      'net:Pod3:net3': 'pod:Pod3',
      'seg:ew_bridge_net_proj1': null,
      'seg:ns_bridge_net_proj1': null,
      'net:Pod2:ext-net': 'pod:Pod2',
      'router:Pod1:R': 'pod:Pod1',
      'router:Pod2:R': 'pod:Pod2',
      'router:Pod3:R': 'pod:Pod3',
      'vm:vm1': 'pod:Pod1',
      'vm:vm3': 'pod:Pod3',
      'fip:fip1': 'pod:Pod2',
      'fip:fip1:bridge': 'pod:Pod1',
      'fip:fip3': 'pod:Pod2',
      'fip:fip3:bridge': 'pod:Pod3',
    });
    expect(edgesOf(g)).toEqual([
      'fip:fip1 -> fip:fip1:bridge',
            'fip:fip1:bridge -> vm:vm1',
      'fip:fip3 -> fip:fip3:bridge',
      'fip:fip3:bridge -> vm:vm3',
      'net:Pod1:net1 -> vm:vm1',
      'net:Pod2:ext-net -> fip:fip1',
      'net:Pod2:ext-net -> fip:fip3',
      'net:Pod2:ext-net -> router:Pod2:R',
      'net:Pod3:net3 -> vm:vm3',
      'router:Pod1:R -> net:Pod1:net1',
      'router:Pod1:R -> seg:ew_bridge_net_proj1',
      'router:Pod2:R -> seg:ns_bridge_net_proj1',
      'router:Pod3:R -> net:Pod3:net3',
      'router:Pod3:R -> seg:ew_bridge_net_proj1',
      'seg:ns_bridge_net_proj1 -> fip:fip1:bridge',
      'seg:ns_bridge_net_proj1 -> fip:fip3:bridge',
      'seg:ns_bridge_net_proj1 -> router:Pod1:R',
      'seg:ns_bridge_net_proj1 -> router:Pod3:R',
    ]);
  });

  it('highlights the whole path of Pod3’s floating IP: both DNAT routers, the one segment, the VM', () => {
    const g = detailGraph(project, { summary });
    const hl = highlightSet(g, { fip: fip3 });
    expect([...hl.nodes].map(readable).sort()).toEqual(['fip:fip3', 'fip:fip3:bridge', 'net:Pod2:ext-net', 'net:Pod3:net3', 'router:Pod2:R', 'router:Pod3:R', 'seg:ns_bridge_net_proj1', 'vm:vm3']);
    const edges = g.edges.filter((e) => hl.edges.has(e.id)).map((e) => `${readable(e.source)} -> ${readable(e.target)}`).sort();
    expect(edges).toEqual([
      'fip:fip3 -> fip:fip3:bridge',
      'fip:fip3:bridge -> vm:vm3',
      'net:Pod2:ext-net -> fip:fip3',
      'net:Pod2:ext-net -> router:Pod2:R',
      'router:Pod2:R -> seg:ns_bridge_net_proj1',
      'router:Pod3:R -> net:Pod3:net3',
      'seg:ns_bridge_net_proj1 -> fip:fip3:bridge',
      'seg:ns_bridge_net_proj1 -> router:Pod3:R',
    ].sort());
    // Nothing of Pod1 is on it.
    expect([...hl.nodes].some((id) => readable(id).includes('Pod1'))).toBe(false);
  });

  it('draws one pod in full and the pods its paths cross as one node each; a collapsed pod keeps the path', () => {
    const g = detailGraph(pod3, { summary });
    expect(nodesOf(g)).toEqual({
      'pod:Pod2': null,
      'pod:Pod3': null,
      'net:Pod3:net3': 'pod:Pod3',
      'seg:ew_bridge_net_proj1': null,
      'seg:ns_bridge_net_proj1': null,
      'router:Pod3:R': 'pod:Pod3',
      'vm:vm3': 'pod:Pod3',
      'fip:fip3:bridge': 'pod:Pod3',
    });
    // Pod2's external address is drawn as Pod2; the path still runs through it.
    const hl = highlightSet(g, { fip: fip3 });
    expect([...hl.nodes].map(readable).sort()).toEqual(['fip:fip3:bridge', 'net:Pod3:net3', 'pod:Pod2', 'router:Pod3:R', 'seg:ns_bridge_net_proj1', 'vm:vm3']);
    const collapsed = detailGraph(pod3, { summary, collapsed: new Set([t.podId('Pod3')]) });
    expect(Object.keys(nodesOf(collapsed)).sort()).toEqual(['pod:Pod2', 'pod:Pod3', 'seg:ew_bridge_net_proj1', 'seg:ns_bridge_net_proj1']);
    expect([...highlightSet(collapsed, { fip: fip3 }).nodes].map(readable).sort()).toEqual(['pod:Pod2', 'pod:Pod3', 'seg:ns_bridge_net_proj1']);
  });

  it('lays the segment out between the pods it joins, with every node inside its pod', async () => {
    const g = detailGraph(project, { summary });
    const elk = toElkGraph(g);
    expect(elk.children!.map((c) => readable(c.id)).sort()).toEqual(['pod:Pod1', 'pod:Pod2', 'pod:Pod3', 'seg:ew_bridge_net_proj1', 'seg:ns_bridge_net_proj1']);
    const boxes = await layoutTopology(g);
    const at = (id: string) => boxes.get(g.nodes.find((n) => readable(n.id) === id)!.id)!;
    // Left to right: Pod2 (where traffic enters), the N-S segment, then the VMs' pods.
    expect(at('pod:Pod2').x + at('pod:Pod2').width).toBeLessThan(at('seg:ns_bridge_net_proj1').x);
    expect(at('seg:ns_bridge_net_proj1').x + at('seg:ns_bridge_net_proj1').width).toBeLessThan(Math.min(at('pod:Pod1').x, at('pod:Pod3').x));
    for (const n of g.nodes) {
      if (!n.parentId) continue;
      const c = boxes.get(n.id)!;
      const p = boxes.get(n.parentId)!;
      expect(c.x + c.width, n.id).toBeLessThanOrEqual(p.width + 0.5);
      expect(c.y + c.height, n.id).toBeLessThanOrEqual(p.height + 0.5);
    }
    expect(boxesFromElk({ id: 'root', children: [] }).size).toBe(0);
  });
});

describe('a pod whose reads fail (issue 11)', () => {
  const failing = { status: 'failing' as const, last_ok_at: null, last_error: { code: 'POD_UNREACHABLE', message: 'Pod3 is down', at: '2026-03-01T10:01:00.000Z' }, failing_since: '2026-03-01T10:00:00.000Z' };
  it('is drawn unreachable in the estate, with since when and why', () => {
    const s: TopologySummary = { ...summary, pods: summary.pods.map((p) => (names.get(p.pod_id) === 'Pod3' ? { ...p, health: { ...p.health, status: 'unreachable', reads: failing } } : p)) };
    const g = estateGraph(s);
    const pod = (name: string) => g.nodes.find((n) => readable(n.id) === `pod:${name}`)!.data;
    expect([pod('Pod3').health, pod('Pod3').health_note]).toEqual(['unreachable', 'unreachable since 2026-03-01T10:00:00.000Z: POD_UNREACHABLE Pod3 is down']);
    expect(pod('Pod1').health).toBe('ok');
    // The east-west bridge carries no floating IP: a minor edge, hidden when zoomed far out.
    expect(g.edges.filter((e) => e.minor).map((e) => `${readable(e.source)} -> ${readable(e.target)}`).sort()).toEqual(['seg:ew_bridge_net_proj1 -> pod:Pod1', 'seg:ew_bridge_net_proj1 -> pod:Pod3']);
  });

  it('in a detail, takes the detail’s own reads and marks the hops read from the top', () => {
    const d: TopologyDetail = {
      ...pod3,
      pods: pod3.pods.map((p) => (names.get(p.pod_id) === 'Pod3' ? { ...p, reads: failing } : p)),
      fips: pod3.fips.map((f) => ({ ...f, hops: f.hops.map((h) => (h.role === 'fixed' ? { ...h, error: { code: 'POD_UNREACHABLE', message: 'Pod3 is down' } } : h)) })),
    };
    const g = detailGraph(d, { summary });
    const data = (id: string) => g.nodes.find((n) => readable(n.id) === id)!.data;
    expect(data('pod:Pod3')).toMatchObject({ health: 'unreachable', health_note: 'unreachable since 2026-03-01T10:00:00.000Z: POD_UNREACHABLE Pod3 is down' });
    expect(data('pod:Pod2').health).toBe('ok');
    expect(data('vm:vm3').error).toBe('POD_UNREACHABLE: Pod3 is down');
    expect(g.nodes.filter((n) => n.data.error).map((n) => readable(n.id))).toEqual(['vm:vm3']);
  });
});
