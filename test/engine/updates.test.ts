// Updates that reach the pods (issue 9, item 5): networks, subnets and ports updated at the top
// are followed by every bottom copy, with exact bottom values; bottom copies carry the top name;
// every refusal changes nothing (a checksum of the whole file, audit log apart); and the §5
// lookup of a half-created bottom copy never depends on a name the user can change.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ipam } from '../../main/engine/ipam';
import type { Network, Port, Router, Subnet } from '../../shared/model';
import { dbChecksum } from '../contract/checksum';
import { newEngine, threePods, type TestEngine } from './support/engine';

let t: TestEngine;
let ext: Network, extSub: Subnet, net1: Network, sub1: Subnet, router: Router, vm: Port, rifPort: string;

/** The §12 world after the interface-add, with a booted VM (a compute port) at 10.0.1.4. */
beforeEach(async () => {
  t = await newEngine();
  await threePods(t.engine);
  const api = t.engine.api;
  ext = await api['networks.create']({ name: 'ext-net', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'] });
  extSub = await api['subnets.create']({ network_id: ext.id, cidr: '162.3.124.0/24', enable_dhcp: false });
  net1 = await api['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
  sub1 = await api['subnets.create']({ network_id: net1.id, cidr: '10.0.1.0/24', name: 'subnet1' });
  router = await api['routers.create']({ name: 'R', project_id: 'proj1' });
  rifPort = (await api['routers.addInterface']({ id: router.id, subnet_id: sub1.id })).port_id;
  vm = await api['ports.create']({ network_id: net1.id, name: 'vm1', fixed_ips: [{ ip_address: '10.0.1.4' }], device_owner: 'compute:az1', device_id: 'server-1' });
  await t.engine.idle();
});
afterEach(async () => {
  await t.close();
});

const pod1 = () => t.pod('Pod1');
const bottomId = (topId: string, type: string) => t.routings().find((r) => r.top_id === topId && r.resource_type === type && r.pod_id === t.podId('Pod1'))!.bottom_id!;

/** Runs a call that must fail with `code`, and proves the whole file is as it was. */
async function refused(call: () => Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await t.engine.idle();
  const before = dbChecksum(t.engine.store.db, ['audit_log']);
  const err = await call().then(
    () => null,
    (e: unknown) => e as { code: string; message: string },
  );
  expect(err, `expected ${code}`).not.toBeNull();
  expect(err!.code).toBe(code);
  if (message) expect(err!.message).toMatch(message);
  await t.engine.idle();
  expect(dbChecksum(t.engine.store.db, ['audit_log'])).toEqual(before);
}

describe('bottom names carry the top name', () => {
  it('a named subnet and port are <top id>#<name> in their pod; an unnamed interface port stays its top id', async () => {
    expect((await pod1().get('subnet', bottomId(sub1.id, 'subnet'))).name).toBe(`${sub1.id}#subnet1`);
    expect((await pod1().get('port', bottomId(vm.id, 'port'))).name).toBe(`${vm.id}#vm1`);
    expect((await pod1().get('port', bottomId(rifPort, 'port'))).name).toBe(rifPort);
    // The stable lookup key (§5) is in the description, the same for every copy of one element.
    expect((await pod1().get('network', bottomId(net1.id, 'network'))).description).toBe(`crosspod:network:${net1.id}`);
    expect((await pod1().get('port', bottomId(vm.id, 'port'))).description).toBe(`crosspod:port:${vm.id}`);
  });
});

describe('networks.update', () => {
  it('renames and takes the network down in Pod1 too', async () => {
    const n = await t.engine.api['networks.update']({ id: net1.id, name: 'net1-blue', admin_state_up: false });
    expect(n).toMatchObject({ name: 'net1-blue', admin_state_up: false });
    const b = await pod1().get('network', bottomId(net1.id, 'network'));
    expect([b.name, b.admin_state_up]).toEqual([`${net1.id}#net1-blue`, false]);
    await t.engine.api['networks.update']({ id: net1.id, admin_state_up: true });
    expect((await pod1().get('network', bottomId(net1.id, 'network'))).admin_state_up).toBe(true);
  });

  it('an external network keeps its bottom name (its top id) but follows admin_state_up', async () => {
    await t.engine.api['networks.update']({ id: ext.id, name: 'outside', admin_state_up: false });
    const pod2ext = (await t.pod('Pod2').list('network', { 'router:external': true }))[0];
    expect([pod2ext.name, pod2ext.admin_state_up]).toEqual([ext.id, false]);
  });

  it('refuses a bridge network: its name and state are Crosspod\'s', async () => {
    const bridge = (await t.engine.api['networks.list']({ name: 'ew_bridge_net_proj1' })).items[0];
    await refused(() => t.engine.api['networks.update']({ id: bridge.id, name: 'mine' }), 'CONFLICT', /ew_bridge_net_proj1.*bridge/);
  });
});

describe('subnets.update', () => {
  it('name, DNS servers and host routes reach the bottom copy, exactly', async () => {
    const s = await t.engine.api['subnets.update']({
      id: sub1.id,
      name: 'subnet1-b',
      dns_nameservers: ['8.8.8.8', '2001:4860:4860::8888'],
      host_routes: [{ destination: '192.168.0.0/16', nexthop: '10.0.1.254' }],
    });
    expect(s).toMatchObject({ name: 'subnet1-b', dns_nameservers: ['8.8.8.8', '2001:4860:4860::8888'], host_routes: [{ destination: '192.168.0.0/16', nexthop: '10.0.1.254' }] });
    expect(await pod1().get('subnet', bottomId(sub1.id, 'subnet'))).toMatchObject({
      name: `${sub1.id}#subnet1-b`,
      cidr: '10.0.1.0/24',
      gateway_ip: '10.0.1.1',
      allocation_pools: [{ start: '10.0.1.2', end: '10.0.1.254' }],
      enable_dhcp: true,
      dns_nameservers: ['8.8.8.8', '2001:4860:4860::8888'],
      host_routes: [{ destination: '192.168.0.0/16', nexthop: '10.0.1.254' }],
    });
  });

  it('allocation pools shrink around every allocated address, at the top and in Pod1', async () => {
    const pools = [{ start: '10.0.1.2', end: '10.0.1.20' }];
    expect((await t.engine.api['subnets.update']({ id: sub1.id, allocation_pools: pools })).allocation_pools).toEqual(pools);
    expect((await pod1().get('subnet', bottomId(sub1.id, 'subnet'))).allocation_pools).toEqual(pools);
    // .2 is the DHCP port, .4 the VM: the next port takes .3, then .5.
    const a = await t.engine.api['ports.create']({ network_id: net1.id });
    const b = await t.engine.api['ports.create']({ network_id: net1.id });
    expect([a.fixed_ips[0].ip_address, b.fixed_ips[0].ip_address]).toEqual(['10.0.1.3', '10.0.1.5']);
  });

  it('refuses pools that would leave an allocated address outside: SUBNET_IN_USE naming 10.0.1.4', async () => {
    await refused(() => t.engine.api['subnets.update']({ id: sub1.id, allocation_pools: [{ start: '10.0.1.5', end: '10.0.1.20' }] }), 'SUBNET_IN_USE', /^10\.0\.1\.2 \(the DHCP port\) is allocated in subnet subnet1 \(10\.0\.1\.0\/24\)/);
    await refused(() => t.engine.api['subnets.update']({ id: sub1.id, allocation_pools: [{ start: '10.0.1.2', end: '10.0.1.3' }] }), 'SUBNET_IN_USE', /^10\.0\.1\.4 \(port vm1\) is allocated in subnet subnet1/);
  });

  it('refuses to move a gateway the router interface holds: GATEWAY_IP_IN_USE', async () => {
    await refused(
      () => t.engine.api['subnets.update']({ id: sub1.id, gateway_ip: '10.0.1.254', allocation_pools: [{ start: '10.0.1.2', end: '10.0.1.253' }] }),
      'GATEWAY_IP_IN_USE',
      /Gateway 10\.0\.1\.1 of subnet subnet1 \(10\.0\.1\.0\/24\) is in use by port/,
    );
  });

  it('moves the gateway of a subnet no router uses, at the top and in its pod', async () => {
    const api = t.engine.api;
    const net2 = await api['networks.create']({ name: 'net2', project_id: 'proj1', availability_zone_hints: ['az1'] });
    const sub2 = await api['subnets.create']({ network_id: net2.id, cidr: '10.0.2.0/24', enable_dhcp: false });
    await api['ports.create']({ network_id: net2.id, device_owner: 'compute:az1' });
    const s = await api['subnets.update']({ id: sub2.id, gateway_ip: '10.0.2.254', allocation_pools: [{ start: '10.0.2.2', end: '10.0.2.200' }] });
    expect([s.gateway_ip, s.allocation_pools]).toEqual(['10.0.2.254', [{ start: '10.0.2.2', end: '10.0.2.200' }]]);
    expect(await pod1().get('subnet', bottomId(sub2.id, 'subnet'))).toMatchObject({ gateway_ip: '10.0.2.254', allocation_pools: [{ start: '10.0.2.2', end: '10.0.2.200' }] });
    // A gateway inside the pools, or on an address a port holds, is refused.
    await refused(() => api['subnets.update']({ id: sub2.id, gateway_ip: '10.0.2.9' }), 'INVALID_INPUT', /10\.0\.2\.9/);
    await refused(() => api['subnets.update']({ id: sub2.id, gateway_ip: '10.0.2.2', allocation_pools: [{ start: '10.0.2.3', end: '10.0.2.200' }] }), 'IP_ADDRESS_IN_USE', /10\.0\.2\.2 is already allocated/);
  });

  it('DHCP off gives the DHCP port address back in top IPAM and in Pod1; on again reserves it anew', async () => {
    const ipam = new Ipam(t.engine.store.db);
    const bsub = bottomId(sub1.id, 'subnet');
    const dhcpPorts = async () => (await pod1().list('port', { device_owner: 'network:dhcp' })).map((p) => p.fixed_ips);
    expect(ipam.isAllocated(sub1.id, '10.0.1.2')).toBe(true);
    expect(await dhcpPorts()).toEqual([[{ subnet_id: bsub, ip_address: '10.0.1.2' }]]);
    await t.engine.api['subnets.update']({ id: sub1.id, enable_dhcp: false });
    expect((await pod1().get('subnet', bsub)).enable_dhcp).toBe(false);
    expect(await dhcpPorts()).toEqual([]);
    expect(ipam.isAllocated(sub1.id, '10.0.1.2')).toBe(false);
    await t.engine.api['subnets.update']({ id: sub1.id, enable_dhcp: true });
    expect(ipam.isAllocated(sub1.id, '10.0.1.2')).toBe(true);
    expect(await dhcpPorts()).toEqual([[{ subnet_id: bsub, ip_address: '10.0.1.2' }]]);
  });

  it('refuses bad DNS servers and host routes of the wrong IP version, changing nothing', async () => {
    await refused(() => t.engine.api['subnets.update']({ id: sub1.id, dns_nameservers: ['8.8.8'] }), 'INVALID_IP_ADDRESS');
    await refused(() => t.engine.api['subnets.update']({ id: sub1.id, host_routes: [{ destination: '2001:db8::/64', nexthop: '10.0.1.9' }] }), 'INVALID_INPUT', /IPv4/);
  });
});

describe('ports.update', () => {
  it('name, admin state and device reach the VM port\'s copy in Pod1', async () => {
    const p = await t.engine.api['ports.update']({ id: vm.id, name: 'vm1-b', admin_state_up: false, device_id: 'server-2', device_owner: 'compute:az1' });
    expect(p).toMatchObject({ name: 'vm1-b', admin_state_up: false, device_id: 'server-2' });
    const b = await pod1().get('port', bottomId(vm.id, 'port'));
    expect([b.name, b.admin_state_up, b.device_owner, b.device_id]).toEqual([`${vm.id}#vm1-b`, false, 'compute:az1', 'server-2']);
  });

  it('moves a fixed IP within the network through IPAM: the new address is taken, the old released, top and bottom', async () => {
    const ipam = new Ipam(t.engine.store.db);
    const bsub = bottomId(sub1.id, 'subnet');
    const p = await t.engine.api['ports.update']({ id: vm.id, fixed_ips: [{ subnet_id: sub1.id, ip_address: '10.0.1.50' }] });
    expect(p.fixed_ips).toEqual([{ subnet_id: sub1.id, ip_address: '10.0.1.50' }]);
    expect([ipam.isAllocated(sub1.id, '10.0.1.4'), ipam.isAllocated(sub1.id, '10.0.1.50')]).toEqual([false, true]);
    expect((await pod1().get('port', bottomId(vm.id, 'port'))).fixed_ips).toEqual([{ subnet_id: bsub, ip_address: '10.0.1.50' }]);
    expect([ipam.isAllocated(bsub, '10.0.1.4'), ipam.isAllocated(bsub, '10.0.1.50')]).toEqual([false, true]);
    // The freed address is the next one handed out.
    expect((await t.engine.api['ports.create']({ network_id: net1.id, fixed_ips: [{ subnet_id: sub1.id }] })).fixed_ips[0].ip_address).toBe('10.0.1.3');
  });

  it('a second subnet of the network: the port gains an address there and the subnet appears in Pod1 with its DHCP port', async () => {
    const sub1b = await t.engine.api['subnets.create']({ network_id: net1.id, cidr: '10.0.9.0/24', name: 'more' });
    const p = await t.engine.api['ports.update']({ id: vm.id, fixed_ips: [{ ip_address: '10.0.1.4' }, { subnet_id: sub1b.id, ip_address: '10.0.9.9' }] });
    expect(p.fixed_ips).toEqual([
      { subnet_id: sub1.id, ip_address: '10.0.1.4' },
      { subnet_id: sub1b.id, ip_address: '10.0.9.9' },
    ]);
    const b9 = bottomId(sub1b.id, 'subnet');
    expect((await pod1().get('subnet', b9)).name).toBe(`${sub1b.id}#more`);
    expect((await pod1().get('port', bottomId(vm.id, 'port'))).fixed_ips).toEqual([
      { subnet_id: bottomId(sub1.id, 'subnet'), ip_address: '10.0.1.4' },
      { subnet_id: b9, ip_address: '10.0.9.9' },
    ]);
    // The network's one DHCP port serves both subnets, each at its top-held address.
    expect((await pod1().list('port', { device_owner: 'network:dhcp' })).map((x) => x.fixed_ips.map((f) => f.ip_address))).toEqual([['10.0.1.2', '10.0.9.2']]);
  });

  it('refuses the gateway, the DHCP port address, another network\'s address, and a router port, changing nothing', async () => {
    const api = t.engine.api;
    await refused(() => api['ports.update']({ id: vm.id, fixed_ips: [{ ip_address: '10.0.1.1' }] }), 'IP_ADDRESS_IN_USE', /gateway/);
    await refused(() => api['ports.update']({ id: vm.id, fixed_ips: [{ ip_address: '10.0.1.2' }] }), 'IP_ADDRESS_IN_USE', /10\.0\.1\.2 is already allocated .*: it is the DHCP port address of subnet subnet1 \(10\.0\.1\.0\/24\)/);
    await refused(() => api['ports.update']({ id: vm.id, fixed_ips: [{ ip_address: '162.3.124.9' }] }), 'IP_NOT_IN_SUBNET');
    await refused(() => api['ports.update']({ id: rifPort, fixed_ips: [{ ip_address: '10.0.1.9' }] }), 'PORT_IN_USE', /router port/);
    await refused(() => api['ports.update']({ id: rifPort, device_id: 'elsewhere' }), 'PORT_IN_USE');
  });

  it('refuses to move an address a floating IP is bound to: PORT_IN_USE naming the floating IP', async () => {
    const api = t.engine.api;
    await api['routers.setGateway']({ id: router.id, network_id: ext.id, external_fixed_ips: [{ subnet_id: extSub.id, ip_address: '162.3.124.2' }] });
    await api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.124.5', port_id: vm.id });
    await refused(() => api['ports.update']({ id: vm.id, fixed_ips: [{ ip_address: '10.0.1.60' }] }), 'PORT_IN_USE', /Floating IP 162\.3\.124\.5 is associated with 10\.0\.1\.4 of port vm1/);
  });

  it('a port made compute later is realised in its pod then', async () => {
    const spare = await t.engine.api['ports.create']({ network_id: net1.id, name: 'late' });
    expect(t.routings().filter((r) => r.top_id === spare.id)).toEqual([]);
    await t.engine.api['ports.update']({ id: spare.id, device_owner: 'compute:az1', device_id: 'server-9' });
    const b = await pod1().get('port', bottomId(spare.id, 'port'));
    expect([b.name, b.device_owner, b.device_id, b.fixed_ips[0].ip_address]).toEqual([`${spare.id}#late`, 'compute:az1', 'server-9', spare.fixed_ips[0].ip_address]);
  });
});

describe('§5 lookup after a rename', () => {
  it('an expired lock on a renamed network finds the bottom copy by its key: no duplicate bottom network', async () => {
    const db = t.engine.store.db;
    const p1 = t.podId('Pod1');
    const original = bottomId(net1.id, 'network');
    // A creator that died after making the Pod1 copy but before binding it: the lock row is
    // incomplete and long expired (the reference's forced-expiry timestamp).
    db.prepare("UPDATE resource_routings SET bottom_id = NULL, updated_at = '2000-01-01T00:00:00.000Z' WHERE top_id = ? AND pod_id = ? AND resource_type = 'network'").run(net1.id, p1);
    await t.engine.api['networks.update']({ id: net1.id, name: 'renamed' });
    // The next VM on the network needs the Pod1 copy: recovery must find it, not make another.
    const vm2 = await t.engine.api['ports.create']({ network_id: net1.id, device_owner: 'compute:az1' });
    expect((await pod1().list('network', { 'router:external': false })).filter((n) => n.name.startsWith(net1.id)).map((n) => n.id)).toEqual([original]);
    expect(bottomId(net1.id, 'network')).toBe(original);
    expect((await pod1().get('port', bottomId(vm2.id, 'port'))).network_id).toBe(original);
  });
});

describe('the example lab', () => {
  it('its VM port is a compute port in az1, realised in Pod1 with its name', async () => {
    const e = await newEngine();
    try {
      await e.engine.api['lab.loadExample']({});
      await e.engine.idle();
      const vm1 = (await e.engine.api['ports.list']({ name: 'vm1' })).items[0];
      expect([vm1.device_owner, vm1.fixed_ips[0].ip_address]).toEqual(['compute:az1', '10.0.1.4']);
      const b = (await e.pod('Pod1').list('port', { name: `${vm1.id}#vm1` }))[0];
      expect([b.device_owner, b.mac_address, b.fixed_ips[0].ip_address]).toEqual(['compute:az1', 'fa:16:3e:00:01:04', '10.0.1.4']);
    } finally {
      await e.close();
    }
  });
});
