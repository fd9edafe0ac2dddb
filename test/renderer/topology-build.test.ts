import { describe, expect, it } from 'vitest';
import { buildTopology, highlightSet, labId } from '../../renderer/topology/build';
import { boxesFromElk, toElkGraph } from '../../renderer/topology/layout';
import { snapshot, samePod, twoStep } from './fixtures';

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('topology build', () => {
  const topo = buildTopology(snapshot, { labels: new Map([['T-EXT', 'ext-net'], ['T-R', 'router1'], ['T-NSNET', 'ns_bridge_net_proj1']]) });

  it('maps pods, networks, routers and hops to ids derived from engine ids, with parents', () => {
    const parents = Object.fromEntries(topo.nodes.map((n) => [n.id, n.parentId ?? null]));
    expect(parents).toEqual({
      'pod:pod-1': null,
      'net:pod-1:T-NET1': 'pod:pod-1',
      'net:pod-1:T-EWNET': 'pod:pod-1',
      'net:pod-1:T-NSNET': 'pod:pod-1',
      'router:pod-1:T-R': 'pod:pod-1',
      'pod:pod-2': null,
      'net:pod-2:T-EXT': 'pod:pod-2',
      'net:pod-2:T-NSNET': 'pod:pod-2',
      'router:pod-2:T-R': 'pod:pod-2',
      'fip:T-FIP': 'pod:pod-2',
      'fip:T-FIP:bridge': 'pod:pod-1',
      'fip:T-FIP:fixed': 'pod:pod-1',
    });
    // The empty top pod is not drawn; parents come before their children.
    const order = topo.nodes.map((n) => n.id);
    for (const n of topo.nodes) if (n.parentId) expect(order.indexOf(n.parentId)).toBeLessThan(order.indexOf(n.id));
  });

  it('labels nodes with top names, CIDRs and VLANs', () => {
    const data = (id: string) => topo.nodes.find((n) => n.id === id)!.data;
    expect(data('pod:pod-2')).toMatchObject({ kind: 'pod', label: 'Pod2', sub: 'az2' });
    expect(data('net:pod-1:T-NET1')).toMatchObject({ kind: 'network', label: 'net1', sub: '10.0.1.0/24' });
    expect(data('net:pod-2:T-NSNET')).toMatchObject({ label: 'ns_bridge_net_proj1', sub: '100.128.0.0/24 · VLAN 2017', bridge: 'ns' });
    expect(data('router:pod-2:T-R')).toMatchObject({ kind: 'router', label: 'router1' });
    expect(data('fip:T-FIP:bridge')).toMatchObject({ kind: 'hop', label: '100.128.0.3', sub: 'ns_bridge_net_proj1 · VLAN 2017', role: 'bridge', fip_id: 'T-FIP' });
  });

  it('draws interfaces, gateways, the bridge across pods and the NAT chain', () => {
    const edges = Object.fromEntries(topo.edges.map((e) => [e.id, `${e.source} -> ${e.target}`]));
    expect(edges).toEqual({
      'e:if:pod-1:T-R:T-NET1': 'router:pod-1:T-R -> net:pod-1:T-NET1',
      'e:if:pod-1:T-R:T-EWNET': 'router:pod-1:T-R -> net:pod-1:T-EWNET',
      'e:gw:pod-1:T-R:T-NSNET': 'net:pod-1:T-NSNET -> router:pod-1:T-R',
      'e:if:pod-2:T-R:T-NSNET': 'router:pod-2:T-R -> net:pod-2:T-NSNET',
      'e:gw:pod-2:T-R:T-EXT': 'net:pod-2:T-EXT -> router:pod-2:T-R',
      // From the pod with the real external network to the VM's pod.
      'e:bridge:T-NSNET:pod-2:pod-1': 'net:pod-2:T-NSNET -> net:pod-1:T-NSNET',
      'e:on:T-FIP:0': 'fip:T-FIP -> net:pod-2:T-EXT',
      'e:on:T-FIP:1': 'fip:T-FIP:bridge -> net:pod-1:T-NSNET',
      'e:nat:T-FIP:0': 'fip:T-FIP -> fip:T-FIP:bridge',
      'e:on:T-FIP:2': 'fip:T-FIP:fixed -> net:pod-1:T-NET1',
      'e:nat:T-FIP:1': 'fip:T-FIP:bridge -> fip:T-FIP:fixed',
    });
    expect(topo.edges.find((e) => e.id === 'e:bridge:T-NSNET:pod-2:pod-1')!.label).toBe('VLAN 2017');
  });

  it('highlights the whole path of a floating IP: hops, networks, both DNAT routers, the bridge', () => {
    const hl = highlightSet(topo, 'T-FIP');
    expect(sorted(hl.nodes)).toEqual(
      sorted([
        'fip:T-FIP',
        'fip:T-FIP:bridge',
        'fip:T-FIP:fixed',
        'net:pod-2:T-EXT',
        'net:pod-2:T-NSNET',
        'router:pod-2:T-R',
        'net:pod-1:T-NSNET',
        'router:pod-1:T-R',
        'net:pod-1:T-NET1',
      ]),
    );
    expect(sorted(hl.edges)).toEqual(
      sorted([
        'e:on:T-FIP:0',
        'e:on:T-FIP:1',
        'e:on:T-FIP:2',
        'e:nat:T-FIP:0',
        'e:nat:T-FIP:1',
        'e:gw:pod-2:T-R:T-EXT',
        'e:if:pod-2:T-R:T-NSNET',
        'e:gw:pod-1:T-R:T-NSNET',
        'e:if:pod-1:T-R:T-NET1',
        'e:bridge:T-NSNET:pod-2:pod-1',
      ]),
    );
    expect(hl.nodes.has('net:pod-1:T-EWNET')).toBe(false);
    expect(highlightSet(topo, null).nodes.size).toBe(0);
    expect(highlightSet(topo, 'nope').edges.size).toBe(0);
  });

  it('collapses a pod: hides its children, shows counts, reroutes edges to the pod', () => {
    const c = buildTopology(snapshot, { collapsed: new Set(['pod-1']) });
    const ids = c.nodes.map((n) => n.id);
    expect(ids.filter((id) => id.includes('pod-1') || id.startsWith('fip:T-FIP:'))).toEqual(['pod:pod-1']);
    expect(c.nodes.find((n) => n.id === 'pod:pod-1')!.data).toMatchObject({ collapsed: true, counts: { networks: 3, routers: 1, fips: 0 } });
    expect(c.nodes.find((n) => n.id === 'pod:pod-2')!.data.counts).toEqual({ networks: 2, routers: 1, fips: 1 });
    const edges = Object.fromEntries(c.edges.map((e) => [e.id, `${e.source} -> ${e.target}`]));
    expect(edges['e:nat:T-FIP:0']).toBe('fip:T-FIP -> pod:pod-1');
    expect(edges['e:bridge:T-NSNET:pod-2:pod-1']).toBe('net:pod-2:T-NSNET -> pod:pod-1');
    expect(edges['e:nat:T-FIP:1']).toBeUndefined();
    expect(edges['e:if:pod-1:T-R:T-NET1']).toBeUndefined();
    const hl = highlightSet(c, 'T-FIP');
    expect(hl.nodes.has('pod:pod-1')).toBe(true);
    expect(hl.edges.has('e:nat:T-FIP:1')).toBe(false);
  });

  it('draws a same-pod floating IP as one DNAT step in one pod', () => {
    const snap = {
      ...snapshot,
      bottoms: snapshot.bottoms.map((b) =>
        b.pod_id === 'pod-1'
          ? {
              ...b,
              networks: [...b.networks, { id: 'B1-EXT1', top_id: 'T-EXT1', name: 'T-EXT1', external: true, bridge: null, cidrs: ['162.3.125.0/24'], vlan: null }],
              routers: [{ id: 'B1-R', top_id: 'T-R', name: 'T-R', gateway_network_id: 'B1-EXT1', interface_network_ids: ['B1-NET1'] }],
            }
          : b,
      ),
      fips: [samePod],
    };
    const t = buildTopology(snap);
    expect(t.nodes.filter((n) => n.data.kind === 'hop').map((n) => `${n.id}@${n.parentId}`)).toEqual(['fip:T-FIP2@pod:pod-1', 'fip:T-FIP2:fixed@pod:pod-1']);
    const hl = highlightSet(t, 'T-FIP2');
    expect(sorted(hl.edges)).toEqual(sorted(['e:on:T-FIP2:0', 'e:on:T-FIP2:1', 'e:nat:T-FIP2:0', 'e:gw:pod-1:T-R:T-EXT1', 'e:if:pod-1:T-R:T-NET1']));
    expect(hl.nodes.has('router:pod-1:T-R')).toBe(true);
  });

  it('keys the lab by its top pod and builds a nested ELK graph', () => {
    expect(labId(snapshot)).toBe('pod-top');
    expect(labId(null)).toBe('empty');
    const g = toElkGraph(topo);
    expect(g.children!.map((c) => c.id)).toEqual(['pod:pod-1', 'pod:pod-2']);
    const pod2 = g.children![1];
    expect(pod2.children!.map((c) => c.id)).toEqual(['net:pod-2:T-EXT', 'net:pod-2:T-NSNET', 'router:pod-2:T-R', 'fip:T-FIP']);
    expect(pod2.layoutOptions?.['elk.direction']).toBe('DOWN');
    // Edges inside a pod stay there; cross-pod edges are lifted to one pod-to-pod edge.
    expect(pod2.edges!.map((e) => e.id).sort()).toEqual(['e:gw:pod-2:T-R:T-EXT', 'e:if:pod-2:T-R:T-NSNET', 'e:on:T-FIP:0'].sort());
    expect(g.edges).toEqual([{ id: 'lift:pod:pod-2>pod:pod-1', sources: ['pod:pod-2'], targets: ['pod:pod-1'] }]);
    const inPods = g.children!.reduce((n, c) => n + (c.edges?.length ?? 0), 0);
    expect(inPods).toBe(topo.edges.length - 2);
    const boxes = boxesFromElk({ id: 'root', children: [{ id: 'pod:a', x: 5, y: 6, width: 100, height: 50, children: [{ id: 'n', x: 1, y: 2, width: 3, height: 4 }] }] });
    expect(boxes.get('n')).toEqual({ x: 1, y: 2, width: 3, height: 4 });
    expect(twoStep.hops).toHaveLength(3);
  });
});
