// Replays the reference's worked example (§12) step by step on lab pods and checks, after every
// step, each bottom resource, address and routing row that §12 lists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PodDriver } from '../../main/engine/drivers/driver';
import { Ipam } from '../../main/engine/ipam';
import type { Network, Port, Router, Subnet } from '../../shared/model';
import { newEngine, threePods, type TestEngine } from './support/engine';

describe('§12 worked example on lab pods', () => {
  let t: TestEngine;
  let pod1: PodDriver;
  let pod2: PodDriver;
  let top: { pod: string; p1: string; p2: string };
  let ext: Network, extSub: Subnet, net1: Network, sub1: Subnet, router: Router, vmPort: Port;
  let fipId: string;
  const ids: Record<string, string> = {};
  const row = (n: number) => t.routings()[n - 1];

  beforeAll(async () => {
    t = await newEngine();
  });
  afterAll(async () => {
    await t.close();
  });

  it('step 1: three pods, no bottom resources, no routing rows', async () => {
    await threePods(t.engine);
    const pods = (await t.engine.api['pods.list']({})).items;
    expect(pods.map((p) => [p.region_name, p.az_name, p.pod_az_name, p.is_top])).toEqual([
      ['RegionOne', '', '', true],
      ['Pod1', 'az1', '', false],
      ['Pod2', 'az2', '', false],
    ]);
    top = { pod: t.podId('RegionOne'), p1: t.podId('Pod1'), p2: t.podId('Pod2') };
    pod1 = t.pod('Pod1');
    pod2 = t.pod('Pod2');
    expect(t.routings()).toEqual([]);
    expect(await pod1.list('network')).toEqual([]);
    expect(await pod2.list('network')).toEqual([]);
  });

  it('step 2: the external network and its subnet are mirrored to Pod2 at once', async () => {
    ext = await t.engine.api['networks.create']({ name: 'ext-net', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'] });
    extSub = await t.engine.api['subnets.create']({ network_id: ext.id, cidr: '162.3.124.0/24', enable_dhcp: false });
    expect(extSub.gateway_ip).toBe('162.3.124.1');
    expect(extSub.allocation_pools).toEqual([{ start: '162.3.124.2', end: '162.3.124.254' }]);
    const [b2ext] = await pod2.list('network');
    expect(b2ext).toMatchObject({ name: ext.id, 'router:external': true });
    const [b2sub] = await pod2.list('subnet');
    expect(b2sub).toMatchObject({ name: extSub.id, network_id: b2ext.id, cidr: '162.3.124.0/24', gateway_ip: '162.3.124.1', enable_dhcp: false, allocation_pools: [{ start: '162.3.124.2', end: '162.3.124.254' }] });
    ids.B2EXT = b2ext.id;
    ids.B2EXTSUB = b2sub.id;
    expect(t.routings().map((r) => [r.top_id, r.pod_id, r.resource_type, r.project_id, r.bottom_id])).toEqual([
      [ext.id, top.p2, 'network', 'admin', b2ext.id],
      [extSub.id, top.p2, 'subnet', 'admin', b2sub.id],
    ]);
    expect(await pod1.list('network')).toEqual([]);
  });

  it('step 3: tenant objects exist only at the top', async () => {
    net1 = await t.engine.api['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
    sub1 = await t.engine.api['subnets.create']({ network_id: net1.id, cidr: '10.0.1.0/24' });
    router = await t.engine.api['routers.create']({ name: 'R', project_id: 'proj1' });
    vmPort = await t.engine.api['ports.create']({ network_id: net1.id, fixed_ips: [{ ip_address: '10.0.1.4' }], mac_address: 'fa:16:3e:00:01:04' });
    expect(sub1).toMatchObject({ gateway_ip: '10.0.1.1', enable_dhcp: true });
    expect(vmPort.fixed_ips).toEqual([{ subnet_id: sub1.id, ip_address: '10.0.1.4' }]);
    expect(vmPort.mac_address).toBe('fa:16:3e:00:01:04');
    expect(t.routings()).toHaveLength(2);
    expect(await pod1.list('network')).toEqual([]);
    expect(await pod1.list('port')).toEqual([]);
  });

  it('step 4: router-interface-add builds the bottom router, both bridges and the interface in Pod1', async () => {
    const info = await t.engine.api['routers.addInterface']({ id: router.id, subnet_id: sub1.id });
    await t.engine.idle();
    const rif = await t.engine.api['ports.get']({ id: info.port_id });
    expect(rif).toMatchObject({ device_owner: 'network:router_interface', device_id: router.id, fixed_ips: [{ subnet_id: sub1.id, ip_address: '10.0.1.1' }] });

    const nets = await t.engine.api['networks.list']({});
    const ewNet = nets.items.find((n) => n.name === 'ew_bridge_net_proj1')!;
    const nsNet = nets.items.find((n) => n.name === 'ns_bridge_net_proj1')!;
    expect(ewNet['provider:network_type']).toBe('vlan');
    expect(ewNet['provider:physical_network']).toBe('bridge');
    expect(ewNet['provider:segmentation_id']).toBe(2001);
    expect(nsNet['provider:segmentation_id']).toBe(2002);
    const ewSub = await t.engine.api['subnets.get']({ id: ewNet.subnets[0] });
    const nsSub = await t.engine.api['subnets.get']({ id: nsNet.subnets[0] });
    expect([ewSub.name, ewSub.cidr, ewSub.gateway_ip, ewSub.enable_dhcp]).toEqual(['ew_bridge_subnet_proj1', '100.0.0.0/24', '100.0.0.1', false]);
    expect([nsSub.name, nsSub.cidr, nsSub.gateway_ip]).toEqual(['ns_bridge_subnet_proj1', '100.128.0.0/24', '100.128.0.1']);

    // Pod1's bottom resources.
    const [b1r] = await pod1.list('router');
    expect(b1r.name).toBe(router.id);
    const b1ewnet = (await pod1.list('network', { name: ewNet.id }))[0];
    expect(b1ewnet).toMatchObject({ 'router:external': false, 'provider:network_type': 'vlan', 'provider:physical_network': 'bridge', 'provider:segmentation_id': 2001 });
    const b1ewsub = (await pod1.list('subnet', { name: ewSub.id }))[0];
    expect(b1ewsub).toMatchObject({ network_id: b1ewnet.id, cidr: '100.0.0.0/24', gateway_ip: '100.0.0.1', enable_dhcp: false });
    const ewTopPort = (await t.engine.api['ports.list']({ name: `ew_bridge_port_proj1_${b1r.id}` })).items[0];
    expect(ewTopPort.fixed_ips[0].ip_address).toBe('100.0.0.2');
    const b1ewport = (await pod1.list('port', { name: ewTopPort.id }))[0];
    expect(b1ewport).toMatchObject({ network_id: b1ewnet.id, device_id: b1r.id, device_owner: 'network:router_interface', fixed_ips: [{ subnet_id: b1ewsub.id, ip_address: '100.0.0.2' }] });

    const b1nsnet = (await pod1.list('network', { name: nsNet.id }))[0];
    expect(b1nsnet).toMatchObject({ 'router:external': true, 'provider:segmentation_id': 2002 });
    const b1nssub = (await pod1.list('subnet', { name: nsSub.id }))[0];
    expect(b1nssub).toMatchObject({ network_id: b1nsnet.id, cidr: '100.128.0.0/24', gateway_ip: '100.128.0.1' });
    const nsGwTop = (await t.engine.api['ports.list']({ name: `ns_bridge_port_proj1_${b1r.id}_None` })).items[0];
    expect(nsGwTop.fixed_ips[0].ip_address).toBe('100.128.0.2');
    const b1rNow = await pod1.get('router', b1r.id);
    expect(b1rNow.external_gateway_info).toEqual({ network_id: b1nsnet.id, enable_snat: true, external_fixed_ips: [{ subnet_id: b1nssub.id, ip_address: '100.128.0.2' }] });

    const b1net1 = (await pod1.list('network', { name: `${net1.id}#net1` }))[0];
    expect(b1net1['router:external']).toBe(false);
    const b1sub1 = (await pod1.list('subnet', { name: sub1.id }))[0];
    expect(b1sub1).toMatchObject({ network_id: b1net1.id, cidr: '10.0.1.0/24', gateway_ip: '10.0.1.1', enable_dhcp: true });
    const b1rif = (await pod1.list('port', { name: rif.id }))[0];
    expect(b1rif).toMatchObject({ network_id: b1net1.id, mac_address: rif.mac_address, device_id: b1r.id, fixed_ips: [{ subnet_id: b1sub1.id, ip_address: '10.0.1.1' }] });
    expect(b1rNow.routes).toEqual([]);
    Object.assign(ids, { B1R: b1r.id, EWNET: ewNet.id, EWSUB: ewSub.id, EWPORT: ewTopPort.id, NSNET: nsNet.id, NSSUB: nsSub.id, NSGW: nsGwTop.id, RIF: rif.id });

    // Routing rows r3..r19, in the order §12 lists them.
    const rows = t.routings().map((r) => [r.top_id, r.pod_id, r.resource_type, r.project_id]);
    expect(rows.slice(2)).toEqual([
      [router.id, top.p1, 'router', 'proj1'],
      ['ew_bridge_subnet_pool', top.pod, 'subnetpool', null],
      ['ew_bridge_net_proj1', top.pod, 'network', 'proj1'],
      ['ew_bridge_subnet_proj1', top.pod, 'subnet', 'proj1'],
      [`ew_bridge_port_proj1_${b1r.id}`, top.pod, 'port', 'proj1'],
      [ewNet.id, top.p1, 'network', 'proj1'],
      [ewSub.id, top.p1, 'subnet', 'proj1'],
      [ewTopPort.id, top.p1, 'port', 'proj1'],
      ['ns_bridge_subnet_pool', top.pod, 'subnetpool', null],
      ['ns_bridge_net_proj1', top.pod, 'network', 'proj1'],
      ['ns_bridge_subnet_proj1', top.pod, 'subnet', 'proj1'],
      [nsNet.id, top.p1, 'network', 'proj1'],
      [nsSub.id, top.p1, 'subnet', 'proj1'],
      [`ns_bridge_port_proj1_${b1r.id}_None`, top.pod, 'port', 'proj1'],
      [net1.id, top.p1, 'network', 'proj1'],
      [sub1.id, top.p1, 'subnet', 'proj1'],
      [rif.id, top.p1, 'port', 'proj1'],
    ]);
    expect(row(3).bottom_id).toBe(b1r.id);
    expect(row(5).bottom_id).toBe(ewNet.id);
    expect(row(10).bottom_id).toBe(b1ewport.id);
    expect(row(16).bottom_id).toBe(nsGwTop.id);
    expect(row(19).bottom_id).toBe(b1rif.id);

    // The configure-extra-routes job ran once and succeeded.
    const jobs = (await t.engine.api['jobs.list']({})).items;
    expect(jobs.map((j) => [j.type, j.resource_id, j.status])).toEqual([['configure_extra_routes', router.id, 'SUCCESS']]);
    // The project is bound to Pod1, never to the top pod.
    expect(t.engine.store.db.prepare('SELECT project_id, pod_id FROM pod_bindings').all()).toEqual([{ project_id: 'proj1', pod_id: top.p1 }]);
  });

  it('step 5: router-gateway-set puts the real gateway and the N-S bridge interface in Pod2', async () => {
    const r = await t.engine.api['routers.setGateway']({ id: router.id, network_id: ext.id, external_fixed_ips: [{ subnet_id: extSub.id, ip_address: '162.3.124.2' }] });
    await t.engine.idle();
    expect(r.external_gateway_info).toEqual({ network_id: ext.id, enable_snat: true, external_fixed_ips: [{ subnet_id: extSub.id, ip_address: '162.3.124.2' }] });
    const [b2r] = await pod2.list('router');
    expect(b2r.name).toBe(router.id);
    expect(b2r.external_gateway_info).toEqual({ network_id: ids.B2EXT, enable_snat: true, external_fixed_ips: [{ subnet_id: ids.B2EXTSUB, ip_address: '162.3.124.2' }] });
    const b2nsnet = (await pod2.list('network', { name: ids.NSNET }))[0];
    expect(b2nsnet).toMatchObject({ 'router:external': false, 'provider:segmentation_id': 2002 });
    const b2nssub = (await pod2.list('subnet', { name: ids.NSSUB }))[0];
    expect(b2nssub).toMatchObject({ network_id: b2nsnet.id, cidr: '100.128.0.0/24' });
    const b2rif = (await pod2.list('port', { device_id: b2r.id, device_owner: 'network:router_interface' }))[0];
    expect(b2rif.fixed_ips).toEqual([{ subnet_id: b2nssub.id, ip_address: '100.128.0.1' }]);
    expect(t.routings().slice(19).map((x) => [x.top_id, x.pod_id, x.resource_type, x.bottom_id])).toEqual([
      [router.id, top.p2, 'router', b2r.id],
      [ids.NSNET, top.p2, 'network', b2nsnet.id],
      [ids.NSSUB, top.p2, 'subnet', b2nssub.id],
    ]);
    // No job for a gateway set.
    expect((await t.engine.api['jobs.list']({})).items).toHaveLength(1);
    Object.assign(ids, { B2R: b2r.id, B2NSNET: b2nsnet.id });
  });

  it('step 6: creating the floating IP touches no bottom pod', async () => {
    const fip = await t.engine.api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.124.5', project_id: 'proj1' });
    fipId = fip.id;
    expect(fip).toMatchObject({ floating_ip_address: '162.3.124.5', status: 'DOWN', port_id: null, fixed_ip_address: null, router_id: null });
    expect(await pod2.list('floatingip')).toEqual([]);
    expect(await pod1.list('floatingip')).toEqual([]);
    expect(t.routings()).toHaveLength(22);
    expect(await t.engine.api['fips.path']({ id: fipId })).toEqual({
      id: fipId,
      mode: 'unbound',
      observed_at: expect.any(String),
      hops: [{ role: 'external', address: '162.3.124.5', region: 'Pod2', network_id: ext.id, network_name: 'ext-net' }],
      router: null,
    });
  });

  it('step 7: associating builds the two-step DNAT through 100.128.0.3', async () => {
    const fip = await t.engine.api['fips.associate']({ id: fipId, port_id: vmPort.id });
    expect(fip).toMatchObject({ port_id: vmPort.id, fixed_ip_address: '10.0.1.4', router_id: router.id });
    const b1vm = (await pod1.list('port', { name: vmPort.id }))[0];
    const b1net1 = (await pod1.list('network', { name: `${net1.id}#net1` }))[0];
    expect(b1vm).toMatchObject({ network_id: b1net1.id, mac_address: 'fa:16:3e:00:01:04' });
    expect(b1vm.fixed_ips.map((f) => f.ip_address)).toEqual(['10.0.1.4']);
    const bridgeTop = (await t.engine.api['ports.list']({ name: `ns_bridge_port_proj1_None_${b1vm.id}` })).items[0];
    expect(bridgeTop.fixed_ips[0].ip_address).toBe('100.128.0.3');
    const b2nsport = (await pod2.list('port', { name: 'ns_bridge_port' }))[0];
    expect(b2nsport).toMatchObject({ network_id: ids.B2NSNET, device_id: '' });
    expect(b2nsport.fixed_ips.map((f) => f.ip_address)).toEqual(['100.128.0.3']);
    const [b2fip] = await pod2.list('floatingip');
    expect(b2fip).toMatchObject({ floating_ip_address: '162.3.124.5', floating_network_id: ids.B2EXT, port_id: b2nsport.id, fixed_ip_address: '100.128.0.3', router_id: ids.B2R });
    const b1nsnet = (await pod1.list('network', { name: ids.NSNET }))[0];
    const [b1fip] = await pod1.list('floatingip');
    expect(b1fip).toMatchObject({ floating_ip_address: '100.128.0.3', floating_network_id: b1nsnet.id, port_id: b1vm.id, fixed_ip_address: '10.0.1.4', router_id: ids.B1R });
    // Issue 15: the VM port uses its project's default group, mirrored to Pod1 with Neutron's
    // four rules before the port is made there (the group's routing row follows the port's lock row).
    const dflt = (await t.engine.api['secgroups.list']({ project_id: 'proj1', name: 'default' })).items[0];
    expect(vmPort.security_groups).toEqual([dflt.id]);
    const [b1sg] = await pod1.list('security_group');
    expect(b1sg).toMatchObject({ name: `${dflt.id}#default`, description: `crosspod:security_group:${dflt.id}`, project_id: 'proj1' });
    expect(b1sg.security_group_rules.map((r) => [r.direction, r.ethertype, r.protocol, r.remote_ip_prefix, r.remote_group_id]).sort()).toEqual([
      ['egress', 'IPv4', null, null, null],
      ['egress', 'IPv6', null, null, null],
      ['ingress', 'IPv4', null, null, b1sg.id],
      ['ingress', 'IPv6', null, null, b1sg.id],
    ]);
    expect(b1vm.security_groups).toEqual([b1sg.id]);
    expect(await pod2.list('security_group')).toEqual([]);
    expect(t.routings().slice(22).map((x) => [x.top_id, x.pod_id, x.resource_type, x.bottom_id])).toEqual([
      [vmPort.id, top.p1, 'port', b1vm.id],
      [dflt.id, top.p1, 'security_group', b1sg.id],
      [`ns_bridge_port_proj1_None_${b1vm.id}`, top.pod, 'port', bridgeTop.id],
      [bridgeTop.id, top.p2, 'port', b2nsport.id],
    ]);
    expect(await t.engine.api['fips.path']({ id: fipId })).toEqual({
      id: fipId,
      mode: 'two-step',
      observed_at: expect.any(String),
      router: { id: router.id, name: 'R' },
      hops: [
        { role: 'external', address: '162.3.124.5', region: 'Pod2', network_id: ext.id, network_name: 'ext-net' },
        { role: 'bridge', address: '100.128.0.3', region: 'Pod1', network_id: ids.NSNET, network_name: 'ns_bridge_net_proj1', vlan: 2002 },
        { role: 'fixed', address: '10.0.1.4', region: 'Pod1', network_id: net1.id, network_name: 'net1' },
      ],
      // The default group admits only its own members: nothing from outside reaches the VM.
      admits: { ingress: false, rules: [] },
    });
    ids.B1VM = b1vm.id;
    ids.BRIDGE = bridgeTop.id;
  });

  it('step 8: disassociating releases the bridge address and unbinds the Pod2 floating IP', async () => {
    const fip = await t.engine.api['fips.disassociate']({ id: fipId });
    expect(fip).toMatchObject({ port_id: null, fixed_ip_address: null, router_id: null });
    expect(await pod1.list('floatingip')).toEqual([]);
    const b2fips = await pod2.list('floatingip');
    expect(b2fips).toHaveLength(1);
    expect(b2fips[0]).toMatchObject({ floating_ip_address: '162.3.124.5', port_id: null });
    expect(await pod2.list('port', { name: 'ns_bridge_port' })).toEqual([]);
    await expect(t.engine.api['ports.get']({ id: ids.BRIDGE })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const nsSub = (await t.engine.api['subnets.list']({ name: 'ns_bridge_subnet_proj1' })).items[0];
    const ipam = new Ipam(t.engine.store.db);
    expect(ipam.isAllocated(nsSub.id, '100.128.0.3')).toBe(false);
    expect(ipam.isAllocated(nsSub.id, '100.128.0.2')).toBe(true);
    // The bridge ports' rows are gone; r1-r24 remain, with the bottom VM port and its default group.
    expect(t.routings()).toHaveLength(24);
    expect(t.routings()[22]).toMatchObject({ top_id: vmPort.id, bottom_id: ids.B1VM });
    expect((await pod1.list('port', { name: vmPort.id }))[0].id).toBe(ids.B1VM);
    expect((await t.engine.api['fips.path']({ id: fipId })).mode).toBe('unbound');
  });

  it('re-associating reuses the unbound Pod2 floating IP and takes the lowest free bridge address again', async () => {
    const before = (await pod2.list('floatingip'))[0].id;
    await t.engine.api['fips.associate']({ id: fipId, port_id: vmPort.id });
    const after = await pod2.list('floatingip');
    expect(after.map((f) => f.id)).toEqual([before]);
    const path = await t.engine.api['fips.path']({ id: fipId });
    expect(path.hops.map((h) => h.address)).toEqual(['162.3.124.5', '100.128.0.3', '10.0.1.4']);
    await t.engine.api['fips.disassociate']({ id: fipId });
  });

  it('step 9 (fixed): delete removes the Pod2 floating IP too and frees 162.3.124.5', async () => {
    await t.engine.api['fips.delete']({ id: fipId });
    expect(await pod2.list('floatingip')).toEqual([]);
    expect(await pod1.list('floatingip')).toEqual([]);
    await expect(t.engine.api['fips.get']({ id: fipId })).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
    const again = await t.engine.api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.124.5', project_id: 'proj1' });
    expect(again.floating_ip_address).toBe('162.3.124.5');
    expect(t.routings()).toHaveLength(24);
  });

  it('delete while associated disassociates fully first (fix of §13 row 1)', async () => {
    const fip = (await t.engine.api['fips.list']({ floating_ip_address: '162.3.124.5' })).items[0];
    await t.engine.api['fips.associate']({ id: fip.id, port_id: vmPort.id });
    expect(await pod1.list('floatingip')).toHaveLength(1);
    await t.engine.api['fips.delete']({ id: fip.id });
    expect(await pod1.list('floatingip')).toEqual([]);
    expect(await pod2.list('floatingip')).toEqual([]);
    expect(await pod2.list('port', { name: 'ns_bridge_port' })).toEqual([]);
    expect(t.routings()).toHaveLength(24);
    expect((await t.engine.api['ports.list']({})).items.filter((p) => p.name.startsWith('ns_bridge_port_proj1_None_'))).toEqual([]);
  });
});
