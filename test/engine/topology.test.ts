// The topology snapshot is read from the bottom pods; a project's view holds its own networks,
// routers and floating IPs plus the external networks, never another project's bridges.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newEngine, type TestEngine } from './support/engine';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
});
afterEach(async () => {
  await t.close();
});

describe('lab.topology', () => {
  it('shows the example lab per pod, and filters by project through the top', async () => {
    const api = t.engine.api;
    await api['lab.loadExample']({});
    // A second project with its own router and bridge in Pod1.
    const n2 = await api['networks.create']({ name: 'other-net', project_id: 'proj2', availability_zone_hints: ['az1'] });
    const s2 = await api['subnets.create']({ network_id: n2.id, cidr: '10.9.0.0/24' });
    const r2 = await api['routers.create']({ name: 'other-r', project_id: 'proj2' });
    await api['routers.addInterface']({ id: r2.id, subnet_id: s2.id });
    await t.engine.idle();

    const all = await api['lab.topology']({});
    expect(all.pods.map((p) => p.region_name)).toEqual(['RegionOne', 'Pod1', 'Pod2']);
    const pod1 = all.bottoms.find((b) => b.pod_id === t.podId('Pod1'))!;
    expect(pod1.networks.map((n) => n.name).sort()).toEqual(['ew_bridge_net_proj1', 'ew_bridge_net_proj2', 'net1', 'ns_bridge_net_proj1', 'ns_bridge_net_proj2', 'other-net']);
    expect(pod1.routers.map((r) => r.name).sort()).toEqual(['R', 'other-r']);
    expect(all.fips.map((f) => [f.mode, f.hops.map((h) => h.address)])).toEqual([['two-step', ['162.3.124.5', '100.128.0.3', '10.0.1.4']]]);

    const mine = await api['lab.topology']({ project_id: 'proj1' });
    const p1 = mine.bottoms.find((b) => b.pod_id === t.podId('Pod1'))!;
    expect(p1.networks.map((n) => n.name).sort()).toEqual(['ew_bridge_net_proj1', 'net1', 'ns_bridge_net_proj1']);
    expect(p1.routers.map((r) => [r.name, r.interface_network_ids.length])).toEqual([['R', 2]]);
    expect(p1.floatingips.map((f) => f.address)).toEqual(['100.128.0.3']);
    const p2 = mine.bottoms.find((b) => b.pod_id === t.podId('Pod2'))!;
    expect(p2.networks.map((n) => [n.name, n.external, n.vlan]).sort()).toEqual([
      ['ext-net', true, null],
      ['ns_bridge_net_proj1', false, 2002],
    ]);
    const other = await api['lab.topology']({ project_id: 'proj2' });
    expect(other.fips).toEqual([]);
    expect(other.bottoms.find((b) => b.pod_id === t.podId('Pod2'))!.networks.map((n) => n.name)).toEqual(['ext-net']);
  });
});
