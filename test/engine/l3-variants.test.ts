// The same-pod variant, gateway-set before and after the interfaces, a gateway that moves, re-
// association, and the router-delete cleanup of §13 row 4, all on lab pods.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Network, Port, Router, Subnet } from '../../shared/model';
import { newEngine, threePods, type TestEngine } from './support/engine';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
  await threePods(t.engine);
});
afterEach(async () => {
  await t.close();
});

const api = () => t.engine.api;

async function extNet(pod: string, cidr: string, name = `ext-${pod}`): Promise<{ net: Network; sub: Subnet }> {
  const net = await api()['networks.create']({ name, project_id: 'admin', 'router:external': true, availability_zone_hints: [pod] });
  const sub = await api()['subnets.create']({ network_id: net.id, cidr, enable_dhcp: false });
  return { net, sub };
}

async function tenantNet(az: string, cidr: string, name: string): Promise<{ net: Network; sub: Subnet }> {
  const net = await api()['networks.create']({ name, project_id: 'proj1', availability_zone_hints: [az] });
  const sub = await api()['subnets.create']({ network_id: net.id, cidr });
  return { net, sub };
}

async function vmPort(net: Network, ip: string): Promise<Port> {
  return api()['ports.create']({ network_id: net.id, fixed_ips: [{ ip_address: ip }] });
}

/** Regions whose bottom router of `router` has its gateway on the N-S bridge network. */
async function nsBridged(router: Router): Promise<string[]> {
  const nsNet = (await api()['networks.list']({ name: 'ns_bridge_net_proj1' })).items[0];
  const out: string[] = [];
  for (const region of ['Pod1', 'Pod2']) {
    const d = t.pod(region);
    const br = (await d.list('router', { name: router.id }))[0];
    if (!br?.external_gateway_info || !nsNet) continue;
    const gwNet = await d.get('network', br.external_gateway_info.network_id);
    if (gwNet.name === nsNet.id) out.push(region);
  }
  return out;
}

/** Region -> the real external network (top name) its bottom router's gateway sits on. */
async function realGateways(router: Router): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const nets = (await api()['networks.list']({ 'router:external': true })).items;
  for (const region of ['Pod1', 'Pod2']) {
    const d = t.pod(region);
    const br = (await d.list('router', { name: router.id }))[0];
    if (!br?.external_gateway_info) continue;
    const gwNet = await d.get('network', br.external_gateway_info.network_id);
    const top = nets.find((n) => n.id === gwNet.name);
    if (top) out[region] = top.name;
  }
  return out;
}

describe('same-pod variant (ext-net in Pod1)', () => {
  it('one floating IP in Pod1 bound straight to the VM port; no bridge port, no N-S bridge', async () => {
    const ext = await extNet('Pod1', '162.3.124.0/24', 'ext-net');
    const n1 = await tenantNet('az1', '10.0.1.0/24', 'net1');
    const router = await api()['routers.create']({ name: 'R', project_id: 'proj1' });
    const vm = await vmPort(n1.net, '10.0.1.4');
    await api()['routers.addInterface']({ id: router.id, subnet_id: n1.sub.id });
    await api()['routers.setGateway']({ id: router.id, network_id: ext.net.id, external_fixed_ips: [{ ip_address: '162.3.124.2' }] });
    const fip = await api()['fips.create']({ floating_network_id: ext.net.id, floating_ip_address: '162.3.124.5', port_id: vm.id, project_id: 'proj1' });
    await t.engine.idle();
    expect(fip).toMatchObject({ port_id: vm.id, fixed_ip_address: '10.0.1.4', router_id: router.id });

    const pod1 = t.pod('Pod1');
    const [b1r] = await pod1.list('router');
    const b1ext = (await pod1.list('network', { name: ext.net.id }))[0];
    expect(b1r.external_gateway_info?.network_id).toBe(b1ext.id);
    expect(b1r.external_gateway_info?.external_fixed_ips.map((i) => i.ip_address)).toEqual(['162.3.124.2']);
    const b1vm = (await pod1.list('port', { name: vm.id }))[0];
    const fips = await pod1.list('floatingip');
    expect(fips.map((f) => [f.floating_ip_address, f.port_id, f.fixed_ip_address])).toEqual([['162.3.124.5', b1vm.id, '10.0.1.4']]);
    expect(await pod1.list('port', { name: 'ns_bridge_port' })).toEqual([]);
    expect((await api()['networks.list']({ name: 'ns_bridge_net_proj1' })).items).toEqual([]);
    expect(await t.pod('Pod2').list('router')).toEqual([]);
    expect(await api()['fips.path']({ id: fip.id })).toEqual({
      id: fip.id,
      mode: 'same-pod',
      observed_at: expect.any(String),
      router: { id: router.id, name: 'R' },
      // The project's default group admits only its own members: closed from outside.
      admits: { ingress: false, rules: [] },
      hops: [
        { role: 'external', address: '162.3.124.5', region: 'Pod1', network_id: ext.net.id, network_name: 'ext-net' },
        { role: 'fixed', address: '10.0.1.4', region: 'Pod1', network_id: n1.net.id, network_name: 'net1' },
      ],
    });

    // Disassociation only unbinds the Pod1 floating IP.
    await api()['fips.disassociate']({ id: fip.id });
    expect((await pod1.list('floatingip')).map((f) => [f.floating_ip_address, f.port_id])).toEqual([['162.3.124.5', null]]);
    expect((await api()['fips.path']({ id: fip.id })).mode).toBe('unbound');
  });
});

describe('gateway-set before the interfaces', () => {
  it('builds the same two-step path as §12, with the N-S bridge added when the interface arrives', async () => {
    const ext = await extNet('Pod2', '162.3.124.0/24', 'ext-net');
    const n1 = await tenantNet('az1', '10.0.1.0/24', 'net1');
    const router = await api()['routers.create']({ name: 'R', project_id: 'proj1' });
    await api()['routers.setGateway']({ id: router.id, network_id: ext.net.id, external_fixed_ips: [{ ip_address: '162.3.124.2' }] });
    // No bottom router elsewhere yet: no bridge at all.
    expect((await api()['networks.list']({ name: 'ns_bridge_net_proj1' })).items).toEqual([]);
    expect(await realGateways(router)).toEqual({ Pod2: 'ext-net' });

    await api()['routers.addInterface']({ id: router.id, subnet_id: n1.sub.id });
    expect(await nsBridged(router)).toEqual(['Pod1']);
    const b2r = (await t.pod('Pod2').list('router'))[0];
    const b2ports = await t.pod('Pod2').list('port', { device_id: b2r.id, device_owner: 'network:router_interface' });
    expect(b2ports.flatMap((p) => p.fixed_ips.map((i) => i.ip_address))).toEqual(['100.128.0.1']);

    const vm = await vmPort(n1.net, '10.0.1.4');
    const fip = await api()['fips.create']({ floating_network_id: ext.net.id, floating_ip_address: '162.3.124.5', port_id: vm.id, project_id: 'proj1' });
    const path = await api()['fips.path']({ id: fip.id });
    expect(path.mode).toBe('two-step');
    expect(path.hops.map((h) => [h.role, h.address, h.region])).toEqual([
      ['external', '162.3.124.5', 'Pod2'],
      ['bridge', '100.128.0.3', 'Pod1'],
      ['fixed', '10.0.1.4', 'Pod1'],
    ]);
  });
});

describe('the N-S bridge invariant once a gateway is set', () => {
  it('holds on exactly the bottom routers outside the gateway pod, when the gateway moves and when it is cleared', async () => {
    const extA = await extNet('Pod2', '162.3.124.0/24', 'ext-a');
    const extB = await extNet('Pod1', '172.16.0.0/24', 'ext-b');
    const n1 = await tenantNet('az1', '10.0.1.0/24', 'net1');
    const n2 = await tenantNet('az2', '10.0.2.0/24', 'net2');
    const router = await api()['routers.create']({ name: 'R', project_id: 'proj1' });
    // Both pods host an external network: the reference's rule builds no N-S bridge yet.
    await api()['routers.addInterface']({ id: router.id, subnet_id: n1.sub.id });
    await api()['routers.addInterface']({ id: router.id, subnet_id: n2.sub.id });
    expect(await nsBridged(router)).toEqual([]);

    await api()['routers.setGateway']({ id: router.id, network_id: extA.net.id });
    expect(await nsBridged(router)).toEqual(['Pod1']);
    expect(await realGateways(router)).toEqual({ Pod2: 'ext-a' });

    const moved = await api()['routers.setGateway']({ id: router.id, network_id: extB.net.id });
    expect(moved.external_gateway_info?.network_id).toBe(extB.net.id);
    expect(moved.external_gateway_info?.external_fixed_ips.map((i) => i.ip_address)).toEqual(['172.16.0.2']);
    expect(await nsBridged(router)).toEqual(['Pod2']);
    expect(await realGateways(router)).toEqual({ Pod1: 'ext-b' });
    // The old gateway address went back to ext-a's pool.
    const again = await api()['routers.create']({ name: 'R2', project_id: 'proj1' });
    const r2 = await api()['routers.setGateway']({ id: again.id, network_id: extA.net.id });
    expect(r2.external_gateway_info?.external_fixed_ips.map((i) => i.ip_address)).toEqual(['162.3.124.2']);

    await api()['routers.clearGateway']({ id: router.id });
    expect(await nsBridged(router)).toEqual([]);
    expect(await realGateways(router)).toEqual({});
    expect((await api()['routers.get']({ id: router.id })).external_gateway_info).toBeNull();
  });
});

describe('re-association', () => {
  it('moves a floating IP from one VM port to another, releasing the first bridge address', async () => {
    const ext = await extNet('Pod2', '162.3.124.0/24', 'ext-net');
    const n1 = await tenantNet('az1', '10.0.1.0/24', 'net1');
    const router = await api()['routers.create']({ name: 'R', project_id: 'proj1' });
    await api()['routers.addInterface']({ id: router.id, subnet_id: n1.sub.id });
    await api()['routers.setGateway']({ id: router.id, network_id: ext.net.id });
    const vm1 = await vmPort(n1.net, '10.0.1.4');
    const vm2 = await vmPort(n1.net, '10.0.1.5');
    const fip = await api()['fips.create']({ floating_network_id: ext.net.id, floating_ip_address: '162.3.124.5', port_id: vm1.id, project_id: 'proj1' });
    await api()['fips.associate']({ id: fip.id, port_id: vm2.id });
    const path = await api()['fips.path']({ id: fip.id });
    expect(path.hops.map((h) => h.address)).toEqual(['162.3.124.5', '100.128.0.3', '10.0.1.5']);
    expect((await t.pod('Pod1').list('floatingip')).map((f) => [f.floating_ip_address, f.fixed_ip_address])).toEqual([['100.128.0.3', '10.0.1.5']]);
    expect((await t.pod('Pod2').list('port', { name: 'ns_bridge_port' })).length).toBe(1);
    expect((await t.pod('Pod2').list('floatingip')).length).toBe(1);
    const bridgePorts = (await api()['ports.list']({})).items.filter((p) => p.name.startsWith('ns_bridge_port_proj1_None_'));
    expect(bridgePorts.map((p) => p.fixed_ips[0].ip_address)).toEqual(['100.128.0.3']);
  });
});

describe('router delete (§13 row 4)', () => {
  it('removes the bottom routers, the bridge ports and, with the last router, the bridge networks', async () => {
    const ext = await extNet('Pod2', '162.3.124.0/24', 'ext-net');
    const n1 = await tenantNet('az1', '10.0.1.0/24', 'net1');
    const router = await api()['routers.create']({ name: 'R', project_id: 'proj1' });
    await api()['routers.addInterface']({ id: router.id, subnet_id: n1.sub.id });
    await api()['routers.setGateway']({ id: router.id, network_id: ext.net.id });
    const vm = await vmPort(n1.net, '10.0.1.4');
    const fip = await api()['fips.create']({ floating_network_id: ext.net.id, port_id: vm.id, project_id: 'proj1' });
    await t.engine.idle();

    await expect(api()['routers.delete']({ id: router.id })).rejects.toMatchObject({ code: 'ROUTER_IN_USE' });
    await expect(api()['routers.clearGateway']({ id: router.id })).rejects.toMatchObject({ code: 'FLOATING_IP_ASSOCIATED' });
    await api()['fips.delete']({ id: fip.id });
    await api()['routers.removeInterface']({ id: router.id, subnet_id: n1.sub.id });
    await api()['routers.delete']({ id: router.id });
    await t.engine.idle();

    for (const region of ['Pod1', 'Pod2']) {
      const d = t.pod(region);
      expect(await d.list('router'), region).toEqual([]);
      expect(await d.list('floatingip'), region).toEqual([]);
      const nets = await d.list('network');
      expect(nets.filter((n) => n['provider:physical_network'] === 'bridge'), region).toEqual([]);
    }
    expect((await api()['networks.list']({})).items.map((n) => n.name).sort()).toEqual(['ext-net', 'net1']);
    expect((await api()['ports.list']({})).items.map((p) => p.fixed_ips[0].ip_address)).toEqual(['10.0.1.4']);
    const rows = t.routings().map((r) => [r.top_id === ext.net.id ? 'ext' : r.top_id === n1.net.id ? 'net1' : r.top_id === n1.sub.id ? 'sub1' : r.top_id === vm.id ? 'vm' : r.resource_type === 'security_group' ? 'default group' : r.top_id, r.resource_type]);
    expect(rows.filter((r) => r[0] !== 'ext' && r[1] !== 'subnet' ? true : r[0] === 'ext')).toEqual([
      ['ext', 'network'],
      ['ew_bridge_subnet_pool', 'subnetpool'],
      ['ns_bridge_subnet_pool', 'subnetpool'],
      ['net1', 'network'],
      ['vm', 'port'],
      // The VM port's group stays with the port.
      ['default group', 'security_group'],
    ]);
    // The bridge /24s and VLANs went back to their pools: a new project starts at the bottom again.
    const r2 = await api()['routers.create']({ name: 'R2', project_id: 'proj2' });
    const n3 = await api()['networks.create']({ name: 'n3', project_id: 'proj2', availability_zone_hints: ['az1'] });
    const s3 = await api()['subnets.create']({ network_id: n3.id, cidr: '10.9.0.0/24' });
    await api()['routers.addInterface']({ id: r2.id, subnet_id: s3.id });
    const ew2 = (await api()['networks.list']({ name: 'ew_bridge_net_proj2' })).items[0];
    expect(ew2['provider:segmentation_id']).toBe(2001);
    expect((await api()['subnets.get']({ id: ew2.subnets[0] })).cidr).toBe('100.0.0.0/24');
  });
});

describe('gateway through routers.create and routers.update', () => {
  it('external_gateway_info on create sets the gateway; {} on update clears it', async () => {
    const ext = await extNet('Pod2', '162.3.124.0/24', 'ext-net');
    const router = await api()['routers.create']({ name: 'R', project_id: 'proj1', external_gateway_info: { network_id: ext.net.id, enable_snat: false } });
    expect(router.external_gateway_info).toEqual({ network_id: ext.net.id, enable_snat: false, external_fixed_ips: [{ subnet_id: ext.sub.id, ip_address: '162.3.124.2' }] });
    const [b2r] = await t.pod('Pod2').list('router', { name: router.id });
    expect(b2r.external_gateway_info).toMatchObject({ enable_snat: false, external_fixed_ips: [{ ip_address: '162.3.124.2' }] });
    const cleared = await api()['routers.update']({ id: router.id, external_gateway_info: {} });
    expect(cleared.external_gateway_info).toBeNull();
    expect((await t.pod('Pod2').get('router', b2r.id)).external_gateway_info).toBeNull();
    const renamed = await api()['routers.update']({ id: router.id, name: 'R2' });
    expect(renamed.name).toBe('R2');
  });
});
