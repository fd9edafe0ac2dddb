// Deletes remove the bottom copies and their routing rows (external networks, realised VM ports
// and the tenant network copies they brought).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newEngine, threePods, type TestEngine } from './support/engine';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
  await threePods(t.engine);
});
afterEach(async () => {
  await t.close();
});

describe('network lifecycle', () => {
  it('an external network and its subnet leave Pod2 with their routing rows', async () => {
    const api = t.engine.api;
    const ext = await api['networks.create']({ name: 'ext', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'] });
    const sub = await api['subnets.create']({ network_id: ext.id, cidr: '162.3.124.0/24' });
    expect((await t.pod('Pod2').list('subnet')).map((s) => s.name)).toEqual([sub.id]);
    await api['subnets.delete']({ id: sub.id });
    expect(await t.pod('Pod2').list('subnet')).toEqual([]);
    expect(t.routings().map((r) => r.top_id)).toEqual([ext.id]);
    await api['networks.delete']({ id: ext.id });
    expect(await t.pod('Pod2').list('network')).toEqual([]);
    expect(t.routings()).toEqual([]);
    await expect(api['networks.get']({ id: ext.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a VM port realised in Pod1 goes with its port_delete job; the network then takes its Pod1 copy with it', async () => {
    const api = t.engine.api;
    const net = await api['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
    const sub = await api['subnets.create']({ network_id: net.id, cidr: '10.0.1.0/24' });
    const vm = await api['ports.create']({ network_id: net.id, device_owner: 'compute:nova' });
    expect(vm.fixed_ips).toEqual([{ subnet_id: sub.id, ip_address: '10.0.1.2' }]);
    const pod1 = t.pod('Pod1');
    expect((await pod1.list('network')).map((n) => n.name)).toEqual([`${net.id}#net1`]);
    // The subnet's first copy brings its DHCP port, at the lowest address top IPAM had left.
    expect((await pod1.list('port')).map((p) => [p.name, p.device_owner, p.fixed_ips[0].ip_address])).toEqual([
      [`dhcp_port_${sub.id}`, 'network:dhcp', '10.0.1.3'],
      [vm.id, 'compute:nova', '10.0.1.2'],
    ]);
    expect((await pod1.list('port', { name: vm.id }))[0].mac_address).toBe(vm.mac_address);
    await api['ports.delete']({ id: vm.id });
    await t.engine.idle();
    expect((await pod1.list('port')).map((p) => p.device_owner)).toEqual(['network:dhcp']);
    await api['subnets.delete']({ id: sub.id });
    await api['networks.delete']({ id: net.id });
    expect(await pod1.list('network')).toEqual([]);
    expect(await pod1.list('subnet')).toEqual([]);
    expect(t.routings()).toEqual([]);
  });
});
