// Every error of reference §8.16 that still applies, plus the Neutron errors the engine raises:
// each gets its stable code and status, and changes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Network, Port, Router, Subnet } from '../../shared/model';
import { newEngine, threePods, type TestEngine } from './support/engine';

let t: TestEngine;
let ext: Network, extSub: Subnet, net1: Network, sub1: Subnet, router: Router, vm: Port;

beforeEach(async () => {
  t = await newEngine();
  await threePods(t.engine);
  const api = t.engine.api;
  ext = await api['networks.create']({ name: 'ext-net', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'] });
  extSub = await api['subnets.create']({ network_id: ext.id, cidr: '162.3.124.0/24', enable_dhcp: false });
  net1 = await api['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
  sub1 = await api['subnets.create']({ network_id: net1.id, cidr: '10.0.1.0/24' });
  router = await api['routers.create']({ name: 'R', project_id: 'proj1' });
  vm = await api['ports.create']({ network_id: net1.id, fixed_ips: [{ ip_address: '10.0.1.4' }] });
  await t.engine.idle();
});
afterEach(async () => {
  await t.close();
});

/** Runs a call that must fail with `code` and `status`, and proves it changed nothing. */
async function refused(call: () => Promise<unknown>, code: string, status: number, message?: RegExp): Promise<void> {
  await t.engine.idle();
  const before = t.fingerprint();
  const bottoms = JSON.stringify([await t.pod('Pod1').list('port'), await t.pod('Pod2').list('port'), await t.pod('Pod2').list('floatingip')]);
  const err = await call().then(
    () => null,
    (e: unknown) => e as { code: string; status: number; message: string },
  );
  expect(err, `expected ${code}`).not.toBeNull();
  expect({ code: err!.code, status: err!.status }).toEqual({ code, status });
  if (message) expect(err!.message).toMatch(message);
  await t.engine.idle();
  expect(t.fingerprint()).toEqual(before);
  expect(JSON.stringify([await t.pod('Pod1').list('port'), await t.pod('Pod2').list('port'), await t.pod('Pod2').list('floatingip')])).toBe(bottoms);
}

describe('§8.16 errors', () => {
  it('ExternalNetPodNotSpecify: an external network without a pod hint', async () => {
    await refused(() => t.engine.api['networks.create']({ name: 'x', project_id: 'admin', 'router:external': true }), 'EXTERNAL_NET_POD_NOT_SPECIFIED', 400, /^Pod for external network not specified$/);
    await refused(() => t.engine.api['networks.create']({ name: 'x', project_id: 'admin', 'router:external': true, availability_zone_hints: [] }), 'EXTERNAL_NET_POD_NOT_SPECIFIED', 400);
  });

  it('PodNotFound: an external network hinted to an unknown region', async () => {
    await refused(() => t.engine.api['networks.create']({ name: 'x', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod9'] }), 'POD_NOT_FOUND', 404, /^Pod Pod9 could not be found\.$/);
  });

  it('AvailabilityZoneNotFound: an internal network hinted to an unknown AZ', async () => {
    await refused(() => t.engine.api['networks.create']({ name: 'x', project_id: 'proj1', availability_zone_hints: ['az9'] }), 'AVAILABILITY_ZONE_NOT_FOUND', 404, /^AvailabilityZone az9 could not be found\.$/);
  });

  it('Cross pods L3 networking not support: interface add with other than one AZ hint', async () => {
    const two = await t.engine.api['networks.create']({ name: 'two', project_id: 'proj1', availability_zone_hints: ['az1', 'az2'] });
    const s2 = await t.engine.api['subnets.create']({ network_id: two.id, cidr: '10.0.2.0/24' });
    await refused(() => t.engine.api['routers.addInterface']({ id: router.id, subnet_id: s2.id }), 'CROSS_POD_L3_NOT_SUPPORTED', 400, /Cross pods L3 networking not support/);
    const none = await t.engine.api['networks.create']({ name: 'none', project_id: 'proj1' });
    const s3 = await t.engine.api['subnets.create']({ network_id: none.id, cidr: '10.0.3.0/24' });
    await refused(() => t.engine.api['routers.addInterface']({ id: router.id, subnet_id: s3.id }), 'CROSS_POD_L3_NOT_SUPPORTED', 400);
  });

  it('BottomPodOperationFailure: the bottom says the address is in use but no floating IP holds it', async () => {
    await t.engine.api['routers.addInterface']({ id: router.id, subnet_id: sub1.id });
    await t.engine.api['routers.setGateway']({ id: router.id, network_id: ext.id });
    const fip = await t.engine.api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.124.5', project_id: 'proj1' });
    // Someone took 162.3.124.5 in Pod2 directly, as a port.
    const pod2 = t.pod('Pod2');
    const b2ext = (await pod2.list('network', { name: ext.id }))[0];
    await pod2.create('port', { name: 'squatter', network_id: b2ext.id, project_id: 'other', fixed_ips: [{ ip_address: '162.3.124.5' }] });
    await refused(() => t.engine.api['fips.associate']({ id: fip.id, port_id: vm.id }), 'BOTTOM_POD_OPERATION_FAILURE', 502, /^Operation for floating ip on bottom pod Pod2 fails$/);
    expect((await t.engine.api['fips.get']({ id: fip.id })).port_id).toBeNull();
  });

  it('PortInUse: adding an interface by a port that already has a device', async () => {
    const p = await t.engine.api['ports.create']({ network_id: net1.id, device_id: 'vm-1', device_owner: 'compute:nova-x' });
    await refused(() => t.engine.api['routers.addInterface']({ id: router.id, port_id: p.id }), 'PORT_IN_USE', 409);
  });
});

describe('Neutron errors the engine raises', () => {
  it('subnet overlap, address in use, address outside the subnet', async () => {
    await refused(() => t.engine.api['subnets.create']({ network_id: net1.id, cidr: '10.0.1.0/25' }), 'SUBNET_OVERLAP', 400, /overlaps with another subnet/);
    await refused(() => t.engine.api['ports.create']({ network_id: net1.id, fixed_ips: [{ ip_address: '10.0.1.4' }] }), 'IP_ADDRESS_IN_USE', 409);
    await refused(() => t.engine.api['ports.create']({ network_id: net1.id, fixed_ips: [{ ip_address: '10.0.9.4' }] }), 'IP_NOT_IN_SUBNET', 400);
    await refused(() => t.engine.api['subnets.create']({ network_id: net1.id, cidr: '10.0.5.1/24' }), 'INVALID_CIDR', 400);
    await refused(() => t.engine.api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.124.1' }), 'IP_ADDRESS_IN_USE', 409);
  });

  it('router interface twice, an interface that is not there, a gateway on an internal network', async () => {
    await t.engine.api['routers.addInterface']({ id: router.id, subnet_id: sub1.id });
    await refused(() => t.engine.api['routers.addInterface']({ id: router.id, subnet_id: sub1.id }), 'ROUTER_INTERFACE_EXISTS', 400, /^Router R already has a port on subnet [0-9a-f-]+ \(10\.0\.1\.0\/24\)$/);
    await refused(() => t.engine.api['routers.removeInterface']({ id: router.id, subnet_id: extSub.id }), 'ROUTER_INTERFACE_NOT_FOUND', 404);
    await refused(() => t.engine.api['routers.setGateway']({ id: router.id, network_id: net1.id }), 'NOT_EXTERNAL_NETWORK', 400);
    await refused(() => t.engine.api['routers.addInterface']({ id: router.id }), 'BAD_REQUEST', 400);
  });

  it('a floating IP created with a port it cannot reach is not created at all', async () => {
    await refused(() => t.engine.api['fips.create']({ floating_network_id: ext.id, port_id: vm.id, project_id: 'proj1' }), 'EXTERNAL_GATEWAY_NOT_FOUND', 404);
    expect((await t.engine.api['fips.list']({})).items).toEqual([]);
  });

  it('an external subnet that still holds floating IPs cannot go', async () => {
    await t.engine.api['fips.create']({ floating_network_id: ext.id, project_id: 'proj1' });
    await refused(() => t.engine.api['subnets.delete']({ id: extSub.id }), 'SUBNET_IN_USE', 409);
    await refused(() => t.engine.api['networks.delete']({ id: ext.id }), 'NETWORK_IN_USE', 409);
  });

  it('a floating IP with no router between its network and the port', async () => {
    const fip = await t.engine.api['fips.create']({ floating_network_id: ext.id, project_id: 'proj1' });
    expect(fip.floating_ip_address).toBe('162.3.124.2');
    await refused(() => t.engine.api['fips.associate']({ id: fip.id, port_id: vm.id }), 'EXTERNAL_GATEWAY_NOT_FOUND', 404, /is not reachable from subnet/);
    await refused(() => t.engine.api['fips.create']({ floating_network_id: net1.id }), 'NOT_EXTERNAL_NETWORK', 400);
  });

  it('a port can hold one floating IP per network; in-use networks, subnets and routers cannot go', async () => {
    await t.engine.api['routers.addInterface']({ id: router.id, subnet_id: sub1.id });
    await t.engine.api['routers.setGateway']({ id: router.id, network_id: ext.id });
    await t.engine.api['fips.create']({ floating_network_id: ext.id, port_id: vm.id, project_id: 'proj1' });
    const second = await t.engine.api['fips.create']({ floating_network_id: ext.id, project_id: 'proj1' });
    await refused(() => t.engine.api['fips.associate']({ id: second.id, port_id: vm.id }), 'FLOATING_IP_ASSOCIATED', 409);
    await refused(() => t.engine.api['networks.delete']({ id: net1.id }), 'NETWORK_IN_USE', 409);
    await refused(() => t.engine.api['subnets.delete']({ id: sub1.id }), 'SUBNET_IN_USE', 409);
    await refused(() => t.engine.api['routers.delete']({ id: router.id }), 'ROUTER_IN_USE', 409);
    const rif = (await t.engine.api['ports.list']({ device_owner: 'network:router_interface' })).items[0];
    await refused(() => t.engine.api['ports.delete']({ id: rif.id }), 'PORT_IN_USE', 409);
    await refused(() => t.engine.api['fips.get']({ id: 'nope' }), 'NOT_FOUND', 404);
  });

  it('bad input is refused before the engine runs', async () => {
    await refused(() => t.engine.call('routers.create', { name: 5, project_id: 'p' }), 'INVALID_INPUT', 400);
    await refused(() => t.engine.call('fips.associate', { id: 'x' }), 'INVALID_INPUT', 400);
    await refused(() => t.engine.call('networks.create', { name: 'n', project_id: 'p', surprise: true }), 'INVALID_INPUT', 400);
    await refused(() => t.engine.call('nope.nothing' as never, {}), 'UNKNOWN_METHOD', 404);
  });
});
