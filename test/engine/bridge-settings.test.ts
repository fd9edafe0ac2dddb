// Bridge settings are configurable: pools, VLAN range and physical network. The defaults are the
// reference's (100.0.0.0/9, 100.128.0.0/9, /24, physical network "bridge", VLANs 2001-3000).
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../main/engine/types';
import { newEngine, threePods, type TestEngine } from './support/engine';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function projectWithInterface(e: TestEngine, project: string, cidr: string) {
  const api = e.engine.api;
  const net = await api['networks.create']({ name: `net-${project}`, project_id: project, availability_zone_hints: ['az1'] });
  const sub = await api['subnets.create']({ network_id: net.id, cidr });
  const router = await api['routers.create']({ name: `r-${project}`, project_id: project });
  return api['routers.addInterface']({ id: router.id, subnet_id: sub.id });
}

describe('bridge settings', () => {
  it('defaults are the reference values', () => {
    expect(defaultSettings.bridge).toEqual({
      ew_pool: '100.0.0.0/9',
      ns_pool: '100.128.0.0/9',
      prefixlen: 24,
      physical_network: 'bridge',
      vlan_min: 2001,
      vlan_max: 3000,
    });
  });

  it('uses the configured pools, prefix length, physical network and VLAN range', async () => {
    t = await newEngine({ settings: { bridge: { ew_pool: '10.200.0.0/16', ns_pool: '10.201.0.0/16', prefixlen: 26, physical_network: 'physbr', vlan_min: 100, vlan_max: 102 } } as never });
    await threePods(t.engine);
    await t.engine.api['networks.create']({ name: 'ext', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'] });
    await projectWithInterface(t, 'p1', '10.0.1.0/24');
    const nets = (await t.engine.api['networks.list']({})).items.filter((n) => n['crosspod:bridge']);
    expect(nets.map((n) => [n.name, n['provider:physical_network'], n['provider:segmentation_id']])).toEqual([
      ['ew_bridge_net_p1', 'physbr', 100],
      ['ns_bridge_net_p1', 'physbr', 101],
    ]);
    const cidrs = await Promise.all(nets.map(async (n) => (await t!.engine.api['subnets.get']({ id: n.subnets[0] })).cidr));
    expect(cidrs).toEqual(['10.200.0.0/26', '10.201.0.0/26']);
    const gw = (await t.engine.api['ports.list']({})).items.find((p) => p.name.startsWith('ns_bridge_port_p1_'))!;
    expect(gw.fixed_ips[0].ip_address).toBe('10.201.0.2');
  });

  it('a project that finds the VLAN range exhausted is refused with VLAN_EXHAUSTED and nothing changes', async () => {
    t = await newEngine({ settings: { bridge: { vlan_min: 100, vlan_max: 101 } } as never });
    await threePods(t.engine);
    await projectWithInterface(t, 'p1', '10.0.1.0/24'); // E-W bridge only: one VLAN
    await projectWithInterface(t, 'p2', '10.0.2.0/24'); // the second and last VLAN
    const api = t.engine.api;
    const net = await api['networks.create']({ name: 'net-p3', project_id: 'p3', availability_zone_hints: ['az1'] });
    const sub = await api['subnets.create']({ network_id: net.id, cidr: '10.0.3.0/24' });
    const router = await api['routers.create']({ name: 'r-p3', project_id: 'p3' });
    await t.engine.idle();
    const before = t.fingerprint();
    const bottoms = JSON.stringify(await t.pod('Pod1').list('router'));
    await expect(api['routers.addInterface']({ id: router.id, subnet_id: sub.id })).rejects.toMatchObject({ code: 'VLAN_EXHAUSTED', status: 503 });
    expect(t.fingerprint()).toEqual(before);
    expect(JSON.stringify(await t.pod('Pod1').list('router'))).toBe(bottoms);
  });
});
