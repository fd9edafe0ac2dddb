// DHCP-safe addresses (issue 9, item 8) on lab pods, whose simulated DHCP agent behaves like
// neutron-dhcp-agent for ports: a moment after a DHCP-enabled subnet appears (the pod's next
// write) it claims a reserved DHCP port of the network, or makes its own at the lowest free
// address. The engine reserves that address at the top and pre-creates the port there, so no VM,
// router or bridge address the top hands out can meet the DHCP port.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ipam } from '../../main/engine/ipam';
import { createLabDriver } from '../../main/engine/drivers/lab';
import { dbChecksum } from '../contract/checksum';
import { newEngine, threePods, type TestEngine } from './support/engine';

let t: TestEngine;
beforeEach(async () => {
  t = await newEngine();
  await threePods(t.engine);
});
afterEach(async () => {
  await t.close();
});

const reservations = () => t.engine.store.db.prepare('SELECT subnet_id, ip_address FROM dhcp_reservations ORDER BY subnet_id').all();

describe('the lab pod\'s DHCP agent', () => {
  it('makes its own DHCP port at the lowest free address on the write after the subnet: the collision the reservation prevents', async () => {
    const d = createLabDriver(t.engine.store.db, t.podId('Pod1'));
    const net = await d.create('network', { name: 'n', project_id: 'p' });
    const sub = await d.create('subnet', { name: 's', network_id: net.id, project_id: 'p', cidr: '10.0.1.0/29' });
    expect(await d.list('port')).toEqual([]);
    // The top, unaware, gives its first VM .2; the agent acted first and holds it.
    await d.create('network', { name: 'other', project_id: 'p' });
    expect((await d.list('port', { network_id: net.id })).map((p) => [p.device_owner, p.device_id, p.fixed_ips])).toEqual([
      ['network:dhcp', `dhcp${t.podId('Pod1')}-${net.id}`, [{ subnet_id: sub.id, ip_address: '10.0.1.2' }]],
    ]);
    await expect(d.create('port', { name: 'vm', network_id: net.id, project_id: 'p', fixed_ips: [{ ip_address: '10.0.1.2' }] })).rejects.toMatchObject({ code: 'IP_ADDRESS_IN_USE' });
  });

  it('claims a reserved DHCP port made right after the subnet, at its address', async () => {
    const d = createLabDriver(t.engine.store.db, t.podId('Pod1'));
    const net = await d.create('network', { name: 'n', project_id: 'p' });
    const sub = await d.create('subnet', { name: 's', network_id: net.id, project_id: 'p', cidr: '10.0.1.0/29' });
    const reserved = await d.create('port', { name: 'dhcp', network_id: net.id, project_id: 'p', device_owner: 'network:dhcp', device_id: 'reserved_dhcp_port', fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.1.6' }] });
    expect((await d.list('port', { network_id: net.id })).map((p) => [p.id, p.device_id, p.fixed_ips[0].ip_address])).toEqual([[reserved.id, `dhcp${t.podId('Pod1')}-${net.id}`, '10.0.1.6']]);
  });
});

describe('the engine on lab pods', () => {
  it('a DHCP-enabled subnet with VMs: the DHCP port sits at its top-held address, every VM at its own, no collision', async () => {
    const api = t.engine.api;
    const net = await api['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
    const sub = await api['subnets.create']({ network_id: net.id, cidr: '10.0.1.0/29' });
    const vms = [];
    // Pool .2-.6: the first VM takes .2, the subnet's copy then reserves .3 for its DHCP port.
    for (let i = 0; i < 4; i++) vms.push(await api['ports.create']({ network_id: net.id, device_owner: 'compute:az1' }));
    expect(vms.map((v) => v.fixed_ips[0].ip_address)).toEqual(['10.0.1.2', '10.0.1.4', '10.0.1.5', '10.0.1.6']);
    await expect(api['ports.create']({ network_id: net.id, device_owner: 'compute:az1' })).rejects.toMatchObject({ code: 'SUBNET_EXHAUSTED' });
    expect(reservations()).toEqual([{ subnet_id: sub.id, ip_address: '10.0.1.3' }]);
    const pod1 = t.pod('Pod1');
    const ports = await pod1.list('port');
    expect(ports.filter((p) => p.device_owner === 'network:dhcp').map((p) => [p.name, p.device_id, p.fixed_ips[0].ip_address])).toEqual([
      [`dhcp_port_${sub.id}`, `dhcp${t.podId('Pod1')}-${ports[0].network_id}`, '10.0.1.3'],
    ]);
    expect(ports.map((p) => p.fixed_ips[0].ip_address).sort()).toEqual(['10.0.1.2', '10.0.1.3', '10.0.1.4', '10.0.1.5', '10.0.1.6']);
  });

  it('a subnet with no address left for its DHCP port is refused where it would be realised, changing nothing', async () => {
    const api = t.engine.api;
    const net = await api['networks.create']({ name: 'tiny', project_id: 'proj1', availability_zone_hints: ['az1'] });
    await api['subnets.create']({ network_id: net.id, cidr: '10.0.1.0/30', name: 'tiny-sub' }); // gateway .1, pool .2
    const before = dbChecksum(t.engine.store.db, ['audit_log']);
    await expect(api['ports.create']({ network_id: net.id, device_owner: 'compute:az1' })).rejects.toMatchObject({
      code: 'SUBNET_EXHAUSTED',
      message: expect.stringMatching(/^Subnet tiny-sub \(10\.0\.1\.0\/30\) has no address left for its DHCP port in Pod1/),
    });
    expect(dbChecksum(t.engine.store.db, ['audit_log'])).toEqual(before);
  });

  it('a subnet with DHCP off, and a bridge subnet, reserve nothing', async () => {
    const api = t.engine.api;
    const net = await api['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
    const sub = await api['subnets.create']({ network_id: net.id, cidr: '10.0.1.0/24', enable_dhcp: false });
    const router = await api['routers.create']({ name: 'R', project_id: 'proj1' });
    await api['routers.addInterface']({ id: router.id, subnet_id: sub.id });
    const vm = await api['ports.create']({ network_id: net.id, device_owner: 'compute:az1' });
    expect(vm.fixed_ips[0].ip_address).toBe('10.0.1.2');
    expect(reservations()).toEqual([]);
    expect(await t.pod('Pod1').list('port', { device_owner: 'network:dhcp' })).toEqual([]);
  });

  it('the subnet going takes its bottom DHCP port and the top reservation with it', async () => {
    const api = t.engine.api;
    const net = await api['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
    const sub = await api['subnets.create']({ network_id: net.id, cidr: '10.0.1.0/24' });
    const vm = await api['ports.create']({ network_id: net.id, device_owner: 'compute:az1' });
    expect(new Ipam(t.engine.store.db).isAllocated(sub.id, '10.0.1.3')).toBe(true);
    await api['ports.delete']({ id: vm.id });
    await t.engine.idle();
    await api['subnets.delete']({ id: sub.id });
    expect(reservations()).toEqual([]);
    expect(await t.pod('Pod1').list('port')).toEqual([]);
    expect(await t.pod('Pod1').list('subnet')).toEqual([]);
    await api['networks.delete']({ id: net.id });
    expect(await t.pod('Pod1').list('network')).toEqual([]);
  });
});
