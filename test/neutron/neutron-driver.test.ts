// The neutron PodDriver against a real Neutron API server (pod1 from global-setup): the L3 flow
// of docs/real-neutron.md with exact values, and each error mapping Neutron can produce.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CrosspodError } from '../../shared/errors';
import type { ResourceKind } from '../../main/engine/drivers/driver';
import { createNeutronDriver, type NeutronDriver } from '../../main/engine/drivers/neutron';

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function errorOf(p: Promise<unknown>): Promise<CrosspodError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CrosspodError);
    return e as CrosspodError;
  }
  throw new Error('expected a CrosspodError, got success');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('neutron driver on a real Neutron pod', () => {
  const pods = inject('neutronPods');
  const pod1 = pods[0];
  let d: NeutronDriver;
  const uid = randomUUID().slice(0, 8);
  const project = `proj-${uid}`;
  const physnet = `ext${uid}`; // flat: one network per physical network, so unique per run
  const created: [ResourceKind, string][] = [];
  const ids: Record<string, string> = {};

  beforeAll(() => {
    d = createNeutronDriver({ auth_type: 'noauth', endpoint: pod1.url, timeout_ms: 30_000 });
  });

  afterAll(async () => {
    // Cleanup through the API, newest first; the router's gateway and routes go before it.
    if (ids.router) {
      await d.setRoutes(ids.router, []).catch(() => undefined);
      await d.removeGateway(ids.router).catch(() => undefined);
      for (const sub of [ids.subnet]) await d.removeInterface(ids.router, { subnet_id: sub }).catch(() => undefined);
    }
    for (const [kind, id] of created.reverse()) {
      await d.delete(kind, id).catch((e: CrosspodError) => {
        if (e.code !== 'NOT_FOUND') throw e;
      });
    }
    for (const kind of ['network', 'subnet', 'port', 'router', 'floatingip'] as const) {
      expect(await d.list(kind, { project_id: project })).toEqual([]);
    }
  });

  it('creates an external flat network and its subnet', async () => {
    const ext = await d.create('network', {
      name: `ext-${uid}`,
      project_id: project,
      'router:external': true,
      'provider:network_type': 'flat',
      'provider:physical_network': physnet,
    });
    created.push(['network', ext.id]);
    ids.ext = ext.id;
    expect(ext).toEqual({
      id: expect.stringMatching(UUID),
      name: `ext-${uid}`,
      project_id: project,
      'router:external': true,
      'provider:network_type': 'flat',
      'provider:physical_network': physnet,
      'provider:segmentation_id': null,
      admin_state_up: true,
      status: 'ACTIVE',
      subnets: [],
      description: '',
    });
    const sub = await d.create('subnet', {
      name: `ext-sub-${uid}`,
      network_id: ext.id,
      project_id: project,
      cidr: '162.3.124.0/24',
      enable_dhcp: false,
    });
    created.push(['subnet', sub.id]);
    ids.extSubnet = sub.id;
    expect(sub).toEqual({
      id: expect.stringMatching(UUID),
      name: `ext-sub-${uid}`,
      network_id: ext.id,
      project_id: project,
      cidr: '162.3.124.0/24',
      ip_version: 4,
      gateway_ip: '162.3.124.1',
      allocation_pools: [{ start: '162.3.124.2', end: '162.3.124.254' }],
      enable_dhcp: false,
      dns_nameservers: [],
      host_routes: [],
      description: '',
    });
    expect((await d.get('network', ext.id)).subnets).toEqual([sub.id]);
  });

  it('creates an internal network and subnet', async () => {
    const n = await d.create('network', { name: `net-${uid}`, project_id: project });
    created.push(['network', n.id]);
    ids.net = n.id;
    expect(n['router:external']).toBe(false);
    expect(n['provider:network_type']).toBe('vxlan');
    expect(n['provider:physical_network']).toBeNull();
    expect(n['provider:segmentation_id']).toEqual(expect.any(Number));
    const s = await d.create('subnet', {
      name: `sub-${uid}`,
      network_id: n.id,
      project_id: project,
      cidr: '10.0.1.0/24',
      allocation_pools: [{ start: '10.0.1.2', end: '10.0.1.200' }],
    });
    created.push(['subnet', s.id]);
    ids.subnet = s.id;
    expect(s).toMatchObject({ cidr: '10.0.1.0/24', gateway_ip: '10.0.1.1', enable_dhcp: true, allocation_pools: [{ start: '10.0.1.2', end: '10.0.1.200' }] });
  });

  it('creates a router and sets its gateway with an explicit external address, once', async () => {
    const r = await d.create('router', { name: `router-${uid}`, project_id: project });
    created.push(['router', r.id]);
    ids.router = r.id;
    expect(r).toEqual({ id: expect.stringMatching(UUID), name: `router-${uid}`, project_id: project, status: 'ACTIVE', external_gateway_info: null, routes: [], description: '' });

    const withGw = await d.addGateway(r.id, { network_id: ids.ext, external_fixed_ips: [{ subnet_id: ids.extSubnet, ip_address: '162.3.124.2' }] });
    expect(withGw.external_gateway_info).toEqual({
      network_id: ids.ext,
      enable_snat: true,
      external_fixed_ips: [{ subnet_id: ids.extSubnet, ip_address: '162.3.124.2' }],
    });
    const again = await errorOf(d.addGateway(r.id, { network_id: ids.ext }));
    expect(again.code).toBe('ROUTER_GATEWAY_EXISTS');
    expect(again.status).toBe(409);
    // The first gateway is untouched.
    expect((await d.get('router', r.id)).external_gateway_info?.external_fixed_ips).toEqual([{ subnet_id: ids.extSubnet, ip_address: '162.3.124.2' }]);
  });

  it('adds a router interface; a second add is ROUTER_INTERFACE_EXISTS', async () => {
    const res = await d.addInterface(ids.router, { subnet_id: ids.subnet });
    expect(res).toEqual({ id: ids.router, subnet_id: ids.subnet, port_id: expect.stringMatching(UUID) });
    ids.ifPort = res.port_id;
    const port = await d.get('port', res.port_id);
    expect(port).toMatchObject({
      network_id: ids.net,
      device_id: ids.router,
      device_owner: 'network:router_interface',
      fixed_ips: [{ subnet_id: ids.subnet, ip_address: '10.0.1.1' }],
    });
    const e = await errorOf(d.addInterface(ids.router, { subnet_id: ids.subnet }));
    expect(e.code).toBe('ROUTER_INTERFACE_EXISTS');
    expect(e.status).toBe(400);
    expect(e.details).toMatchObject({ status: 400, neutron_type: 'BadRequest' });
  });

  it('creates a port with an explicit address; the same address again is IP_ADDRESS_IN_USE', async () => {
    const p = await d.create('port', { name: `vm-port-${uid}`, network_id: ids.net, project_id: project, fixed_ips: [{ subnet_id: ids.subnet, ip_address: '10.0.1.4' }] });
    created.push(['port', p.id]);
    ids.port = p.id;
    expect(p).toEqual({
      id: expect.stringMatching(UUID),
      name: `vm-port-${uid}`,
      network_id: ids.net,
      project_id: project,
      mac_address: expect.stringMatching(/^fa:16:3e(:[0-9a-f]{2}){3}$/),
      fixed_ips: [{ subnet_id: ids.subnet, ip_address: '10.0.1.4' }],
      device_id: '',
      device_owner: '',
      admin_state_up: true,
      status: 'DOWN',
      description: '',
      // No groups asked for: Neutron binds its own default group of the project.
      security_groups: [expect.stringMatching(UUID)],
      // The harness's ML2 loads the port_security extension driver.
      port_security_enabled: true,
    });
    const e = await errorOf(d.create('port', { name: `dup-${uid}`, network_id: ids.net, project_id: project, fixed_ips: [{ ip_address: '10.0.1.4' }] }));
    expect(e.code).toBe('IP_ADDRESS_IN_USE');
    expect(e.status).toBe(409);
    expect(e.details).toMatchObject({ status: 409, neutron_type: 'IpAddressAlreadyAllocated', method: 'POST', path: '/v2.0/ports' });
  });

  it('maps Neutron’s in-use and validation errors to the codes the lab driver uses', async () => {
    const cases: [() => Promise<unknown>, string, string][] = [
      [() => d.create('subnet', { name: `ovl-${uid}`, network_id: ids.net, project_id: project, cidr: '10.0.1.0/25' }), 'SUBNET_OVERLAP', 'InvalidInput'],
      [() => d.delete('network', ids.net), 'NETWORK_IN_USE', 'NetworkInUse'],
      [() => d.delete('subnet', ids.subnet), 'SUBNET_IN_USE', 'SubnetInUse'],
      [() => d.delete('port', ids.ifPort), 'PORT_IN_USE', 'ServicePortInUse'],
      [() => d.create('port', { name: `out-${uid}`, network_id: ids.net, project_id: project, fixed_ips: [{ ip_address: '10.9.9.9' }] }), 'IP_NOT_IN_SUBNET', 'InvalidIpForNetwork'],
      [
        () => d.create('network', { name: `flat2-${uid}`, project_id: project, 'provider:network_type': 'flat', 'provider:physical_network': physnet }),
        'CONFLICT',
        'FlatNetworkInUse',
      ],
      [() => d.create('floatingip', { floating_network_id: ids.net, project_id: project }), 'BAD_REQUEST', 'BadRequest'],
    ];
    for (const [p, code, type] of cases) {
      const e = await errorOf(p());
      expect([e.code, (e.details as { neutron_type: string }).neutron_type]).toEqual([code, type]);
    }
  });

  it('binds floating IP 162.3.124.5 to the port, then disassociates it', async () => {
    const fip = await d.create('floatingip', { floating_network_id: ids.ext, project_id: project, floating_ip_address: '162.3.124.5', port_id: ids.port });
    created.push(['floatingip', fip.id]);
    ids.fip = fip.id;
    expect(fip).toEqual({
      id: expect.stringMatching(UUID),
      project_id: project,
      floating_network_id: ids.ext,
      floating_ip_address: '162.3.124.5',
      port_id: ids.port,
      fixed_ip_address: '10.0.1.4',
      router_id: ids.router,
      status: 'DOWN',
    });
    const off = await d.update('floatingip', fip.id, { port_id: null });
    expect(off).toEqual({ ...fip, port_id: null, fixed_ip_address: null, router_id: null });
    const on = await d.update('floatingip', fip.id, { port_id: ids.port, fixed_ip_address: '10.0.1.4' });
    expect(on).toMatchObject({ port_id: ids.port, fixed_ip_address: '10.0.1.4', router_id: ids.router });
    expect((await d.update('floatingip', fip.id, { port_id: null })).port_id).toBeNull();
    // The address is taken now, even unbound.
    const e = await errorOf(d.create('floatingip', { floating_network_id: ids.ext, project_id: project, floating_ip_address: '162.3.124.5' }));
    expect(e.code).toBe('IP_ADDRESS_IN_USE');
  });

  it('refuses a floating IP for a port its router cannot reach: EXTERNAL_GATEWAY_NOT_FOUND', async () => {
    const n = await d.create('network', { name: `lonely-${uid}`, project_id: project });
    created.push(['network', n.id]);
    const s = await d.create('subnet', { name: `lonely-sub-${uid}`, network_id: n.id, project_id: project, cidr: '10.0.2.0/24' });
    created.push(['subnet', s.id]);
    const p = await d.create('port', { name: `lonely-port-${uid}`, network_id: n.id, project_id: project, fixed_ips: [{ ip_address: '10.0.2.4' }] });
    created.push(['port', p.id]);
    const e = await errorOf(d.create('floatingip', { floating_network_id: ids.ext, project_id: project, floating_ip_address: '162.3.124.6', port_id: p.id }));
    expect(e.code).toBe('EXTERNAL_GATEWAY_NOT_FOUND');
    expect(e.status).toBe(404);
    expect(e.details).toMatchObject({ status: 404, neutron_type: 'ExternalGatewayForFloatingIPNotFound' });
    // Nothing was allocated by the failed create.
    expect(await d.list('floatingip', { floating_ip_address: '162.3.124.6', floating_network_id: ids.ext })).toEqual([]);
  });

  it('refuses an interface by a port that already has a device: PORT_IN_USE', async () => {
    const p = await d.create('port', { name: `vm2-${uid}`, network_id: ids.net, project_id: project, device_id: `vm-${uid}`, device_owner: 'compute:nova' });
    created.push(['port', p.id]);
    const e = await errorOf(d.addInterface(ids.router, { port_id: p.id }));
    expect(e.code).toBe('PORT_IN_USE');
    expect(e.details).toMatchObject({ status: 409, neutron_type: 'PortInUse' });
  });

  it('sets routes; removing the interface a nexthop uses is ROUTER_IN_USE; clearing routes allows it', async () => {
    const r = await d.setRoutes(ids.router, [{ destination: '10.0.9.0/24', nexthop: '10.0.1.10' }]);
    expect(r.routes).toEqual([{ destination: '10.0.9.0/24', nexthop: '10.0.1.10' }]);
    expect(r.external_gateway_info?.network_id).toBe(ids.ext);

    const e = await errorOf(d.removeInterface(ids.router, { subnet_id: ids.subnet }));
    expect(e.code).toBe('ROUTER_IN_USE');
    expect(e.status).toBe(409);
    expect(e.details).toMatchObject({ status: 409, neutron_type: 'RouterInterfaceInUseByRoute', path: `/v2.0/routers/${ids.router}/remove_router_interface` });

    const bad = await errorOf(d.setRoutes(ids.router, [{ destination: '10.0.9.0/24', nexthop: '192.168.77.1' }]));
    expect(bad.code).toBe('BAD_REQUEST');
    expect((await d.setRoutes(ids.router, [])).routes).toEqual([]);
    const res = await d.removeInterface(ids.router, { subnet_id: ids.subnet });
    expect(res).toEqual({ id: ids.router, subnet_id: ids.subnet, port_id: ids.ifPort });
    expect((await errorOf(d.get('port', ids.ifPort))).code).toBe('NOT_FOUND');
    const gone = await errorOf(d.removeInterface(ids.router, { subnet_id: ids.subnet }));
    expect(gone.code).toBe('ROUTER_INTERFACE_NOT_FOUND');
    expect(gone.details).toMatchObject({ neutron_type: 'RouterInterfaceNotFoundForSubnet' });
  });

  it('removes an interface by port, which deletes the port', async () => {
    const p = await d.create('port', { name: `if-port-${uid}`, network_id: ids.net, project_id: project, fixed_ips: [{ ip_address: '10.0.1.50' }] });
    created.push(['port', p.id]);
    const added = await d.addInterface(ids.router, { port_id: p.id });
    expect(added).toEqual({ id: ids.router, port_id: p.id, subnet_id: ids.subnet });
    expect((await d.get('port', p.id)).device_owner).toBe('network:router_interface');
    const removed = await d.removeInterface(ids.router, { port_id: p.id });
    expect(removed).toEqual({ id: ids.router, port_id: p.id, subnet_id: ids.subnet });
    expect((await errorOf(d.get('port', p.id))).code).toBe('NOT_FOUND');
  });

  it('lists with equality filters, including booleans, null and unknown fields', async () => {
    expect((await d.list('network', { 'router:external': true, project_id: project })).map((n) => n.id)).toEqual([ids.ext]);
    expect((await d.list('network', { 'router:external': false, project_id: project })).map((n) => n.name).sort()).toEqual([`lonely-${uid}`, `net-${uid}`]);
    expect((await d.list('network', { 'provider:physical_network': physnet })).map((n) => n.id)).toEqual([ids.ext]);
    expect((await d.list('subnet', { network_id: ids.ext, cidr: '162.3.124.0/24' })).map((s) => s.id)).toEqual([ids.extSubnet]);
    expect((await d.list('port', { network_id: ids.net, name: `vm-port-${uid}` })).map((p) => p.fixed_ips)).toEqual([[{ subnet_id: ids.subnet, ip_address: '10.0.1.4' }]]);
    expect((await d.list('router', { project_id: project, status: 'ACTIVE' })).map((r) => r.id)).toEqual([ids.router]);
    expect((await d.list('router', { project_id: project, status: 'DOWN' })).map((r) => r.id)).toEqual([]);
    const unbound = await d.list('floatingip', { floating_network_id: ids.ext, port_id: null });
    expect(unbound.map((f) => [f.id, f.floating_ip_address])).toEqual([[ids.fip, '162.3.124.5']]);
    expect(await d.list('floatingip', { floating_network_id: ids.ext, port_id: ids.port })).toEqual([]);
    expect(await d.list('network', { project_id: project, no_such_field: 'x' })).toEqual([]);
    expect(await d.list('subnet', { network_id: ids.net, allocation_pools: '10.0.1.2' })).toEqual([]);
  });

  it('follows pagination links', async () => {
    const paged = createNeutronDriver({ auth_type: 'noauth', endpoint: `${pod1.url}/v2.0/`, page_size: 1 });
    const nets = await paged.list('network', { project_id: project });
    expect(nets.map((n) => n.id).sort()).toEqual((await d.list('network', { project_id: project })).map((n) => n.id).sort());
    expect(nets).toHaveLength(3);
    // Three full pages of one, then an empty page ends the walk.
    expect(paged.stats().calls).toBe(4);
  });

  it('maps missing resources to NOT_FOUND', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const g = await errorOf(d.get('network', missing));
    expect(g.code).toBe('NOT_FOUND');
    expect(g.status).toBe(404);
    expect(g.details).toEqual({ status: 404, neutron_type: 'NetworkNotFound', method: 'GET', path: `/v2.0/networks/${missing}` });
    expect((await errorOf(d.delete('port', missing))).code).toBe('NOT_FOUND');
    expect((await errorOf(d.update('router', missing, { name: 'x' }))).code).toBe('NOT_FOUND');
    expect((await errorOf(d.addGateway(missing, { network_id: ids.ext }))).code).toBe('NOT_FOUND');
  });

  it('updates names and clears the gateway', async () => {
    expect((await d.update('network', ids.net, { name: `net2-${uid}` })).name).toBe(`net2-${uid}`);
    const r = await d.removeGateway(ids.router);
    expect(r.external_gateway_info).toBeNull();
    expect((await d.get('router', ids.router)).external_gateway_info).toBeNull();
  });

  it('reports health of a good endpoint and of a closed port', async () => {
    expect(await d.health()).toEqual({
      reachable: true,
      auth: 'not-required',
      extensions: { router: true, 'external-net': true, extraroute: true },
      error: null,
    });
    const port = await closedPort();
    const bad = createNeutronDriver({ auth_type: 'noauth', endpoint: `http://127.0.0.1:${port}`, retry_backoff_ms: 5 });
    const h = await bad.health();
    expect(h).toEqual({
      reachable: false,
      auth: 'not-required',
      extensions: { router: false, 'external-net': false, extraroute: false },
      error: { code: 'POD_UNREACHABLE', message: expect.stringContaining(`127.0.0.1:${port}`) },
    });
    expect(bad.stats().calls).toBe(1);
    // Other calls retry idempotent requests (1 + 2 retries), never a POST.
    expect((await errorOf(bad.get('network', 'x'))).code).toBe('POD_UNREACHABLE');
    expect(bad.stats()).toMatchObject({ calls: 4, retries: 2 });
    expect((await errorOf(bad.create('network', { name: 'x', project_id: project }))).code).toBe('POD_UNREACHABLE');
    expect(bad.stats().calls).toBe(5);
  });
});
