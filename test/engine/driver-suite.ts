// The PodDriver conformance suite: every semantic in driver.ts's header, with exact values.
// Driver-agnostic, so it can run against real Neutron: unique names and a unique project per run,
// no assumed ids, explicit addresses wherever Neutron would pick at random, provider attributes
// Neutron's ML2 accepts, and every test deletes what it made through the driver (a flat network
// is one per physical network, and overlapping CIDRs may be refused across networks).
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BottomNetwork, BottomPort, BottomRouter, BottomSubnet, PodDriver, ResourceKind } from '../../main/engine/drivers/driver';
import { CrosspodError, ERROR_STATUS, type ErrorCode } from '../../shared/errors';

export interface DriverSuiteOptions {
  /**
   * The driver reports the specific code for every refusal (the lab does). Without it, refusals
   * that driver.ts does not name (NETWORK_IN_USE, SUBNET_OVERLAP, …) also pass with the generic
   * code of the same status (CONFLICT, BAD_REQUEST, NOT_FOUND), which is all a driver can say
   * when Neutron's answer carries no more.
   */
  exactCodes?: boolean;
}

export type MakeDriver = () => Promise<{ driver: PodDriver; cleanup?: () => Promise<void> }>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const GENERIC: Record<number, ErrorCode> = { 400: 'BAD_REQUEST', 404: 'NOT_FOUND', 409: 'CONFLICT' };

export async function errorOf(p: Promise<unknown>): Promise<CrosspodError> {
  let value: unknown;
  try {
    value = await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CrosspodError);
    return e as CrosspodError;
  }
  throw new Error(`expected a CrosspodError, got ${JSON.stringify(value)}`);
}

const byDestination = (a: { destination: string }, b: { destination: string }) => a.destination.localeCompare(b.destination);

export function defineDriverSuite(name: string, makeDriver: MakeDriver, options: DriverSuiteOptions = {}): void {
  describe(`PodDriver conformance: ${name}`, () => {
    let d: PodDriver;
    let cleanupDriver: (() => Promise<void>) | undefined;
    const run = randomUUID().slice(0, 8);
    const project = `suite-${run}`;
    let seq = 0;
    const uniq = (label: string) => `${label}-${run}-${++seq}`;

    /** Exact for codes driver.ts names; the same status's generic code passes unless exactCodes. */
    async function refused(p: Promise<unknown>, code: ErrorCode, strict = false): Promise<CrosspodError> {
      const e = await errorOf(p);
      const status = ERROR_STATUS[code];
      expect(e.status, `${e.code}: ${e.message}`).toBe(status);
      if (strict || options.exactCodes) expect(e.code, e.message).toBe(code);
      else expect([code, GENERIC[status]], e.message).toContain(e.code);
      return e;
    }
    const exact = (p: Promise<unknown>, code: ErrorCode) => refused(p, code, true);

    // What a test made, torn down after it through the driver (which checks deletes work too).
    let made: { kind: ResourceKind; id: string }[] = [];
    const track = <T extends { id: string }>(kind: ResourceKind, r: T): T => {
      made.push({ kind, id: r.id });
      return r;
    };

    beforeAll(async () => {
      const made0 = await makeDriver();
      d = made0.driver;
      cleanupDriver = made0.cleanup;
    });

    afterAll(async () => {
      await d?.close?.();
      await cleanupDriver?.();
    });

    afterEach(async () => {
      const items = made.reverse();
      made = [];
      const ignoreGone = (e: unknown) => {
        if (!(e instanceof CrosspodError) || e.code !== 'NOT_FOUND') throw e;
      };
      for (const { id } of items.filter((i) => i.kind === 'floatingip')) await d.delete('floatingip', id).catch(ignoreGone);
      for (const { id } of items.filter((i) => i.kind === 'router')) {
        const router = await d.get('router', id).catch(ignoreGone);
        if (!router) continue;
        if (router.routes.length > 0) await d.setRoutes(id, []);
        for (const p of await d.list('port', { device_id: id, device_owner: 'network:router_interface' })) {
          await d.removeInterface(id, { port_id: p.id });
        }
        if (router.external_gateway_info) await d.removeGateway(id);
        await d.delete('router', id);
      }
      for (const kind of ['port', 'subnet', 'network'] as const) {
        for (const { id } of items.filter((i) => i.kind === kind)) await d.delete(kind, id).catch(ignoreGone);
      }
    });

    // ---- builders ------------------------------------------------------------------------

    const EXT_CIDR = '162.3.124.0/24';

    async function external(): Promise<{ net: BottomNetwork; sub: BottomSubnet }> {
      const net = track(
        'network',
        await d.create('network', {
          name: uniq('ext'),
          project_id: project,
          'router:external': true,
          'provider:network_type': 'flat',
          'provider:physical_network': 'extnet',
        }),
      );
      const sub = track(
        'subnet',
        await d.create('subnet', {
          name: uniq('ext-sub'),
          network_id: net.id,
          project_id: project,
          cidr: EXT_CIDR,
          gateway_ip: '162.3.124.1',
          allocation_pools: [{ start: '162.3.124.2', end: '162.3.124.254' }],
          enable_dhcp: false,
        }),
      );
      return { net, sub };
    }

    async function internal(cidr = '10.0.1.0/24'): Promise<{ net: BottomNetwork; sub: BottomSubnet }> {
      const net = track('network', await d.create('network', { name: uniq('net'), project_id: project }));
      const sub = track('subnet', await d.create('subnet', { name: uniq('sub'), network_id: net.id, project_id: project, cidr }));
      return { net, sub };
    }

    async function port(net: BottomNetwork, sub: BottomSubnet, ip: string, extra: { device_id?: string; device_owner?: string } = {}): Promise<BottomPort> {
      return track(
        'port',
        await d.create('port', {
          name: uniq('port'),
          network_id: net.id,
          project_id: project,
          fixed_ips: [{ subnet_id: sub.id, ip_address: ip }],
          ...extra,
        }),
      );
    }

    async function router(): Promise<BottomRouter> {
      return track('router', await d.create('router', { name: uniq('router'), project_id: project }));
    }

    /** The reference topology: external 162.3.124.0/24, internal 10.0.1.0/24, router between. */
    async function topology() {
      const ext = await external();
      const int = await internal();
      const r = await router();
      await d.addGateway(r.id, { network_id: ext.net.id, external_fixed_ips: [{ subnet_id: ext.sub.id, ip_address: '162.3.124.2' }] });
      const iface = await d.addInterface(r.id, { subnet_id: int.sub.id });
      return { ext, int, router: r, iface };
    }

    // ---- networks and subnets ------------------------------------------------------------

    describe('networks and subnets', () => {
      it('creates an external flat network with its provider attributes', async () => {
        const name = uniq('ext');
        const net = track(
          'network',
          await d.create('network', {
            name,
            project_id: project,
            'router:external': true,
            'provider:network_type': 'flat',
            'provider:physical_network': 'extnet',
          }),
        );
        const expected = {
          id: expect.stringMatching(UUID),
          name,
          project_id: project,
          'router:external': true,
          'provider:network_type': 'flat',
          'provider:physical_network': 'extnet',
          'provider:segmentation_id': null,
          admin_state_up: true,
          status: 'ACTIVE',
          subnets: [],
          description: '',
        };
        expect(net).toEqual(expected);
        expect(await d.get('network', net.id)).toEqual({ ...expected, id: net.id });
      });

      it('creates a bridge-like VLAN network on physical network bridge', async () => {
        // A band no engine test world takes its bridges from (those are 2001–3099; see
        // test/neutron): the real pods are shared by every file of the suite.
        const vlan = 3200 + Math.floor(Math.random() * 800);
        const net = track(
          'network',
          await d.create('network', {
            name: uniq('bridge'),
            project_id: project,
            'provider:network_type': 'vlan',
            'provider:physical_network': 'bridge',
            'provider:segmentation_id': vlan,
          }),
        );
        expect(net).toMatchObject({
          'router:external': false,
          'provider:network_type': 'vlan',
          'provider:physical_network': 'bridge',
          'provider:segmentation_id': vlan,
          status: 'ACTIVE',
        });
      });

      it('creates a subnet with explicit gateway and pools; the network lists it', async () => {
        const { net, sub } = await external();
        expect(sub).toEqual({
          id: expect.stringMatching(UUID),
          name: expect.any(String),
          network_id: net.id,
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
        expect(await d.get('subnet', sub.id)).toEqual(sub);
        expect((await d.get('network', net.id)).subnets).toEqual([sub.id]);
      });

      it("fills Neutron's defaults: gateway the first host, pools the rest, DHCP on", async () => {
        const { sub } = await internal('10.0.1.0/24');
        expect(sub).toMatchObject({
          cidr: '10.0.1.0/24',
          ip_version: 4,
          gateway_ip: '10.0.1.1',
          allocation_pools: [{ start: '10.0.1.2', end: '10.0.1.254' }],
          enable_dhcp: true,
        });
      });

      it('refuses a subnet overlapping another subnet of the same network: SUBNET_OVERLAP', async () => {
        const { net } = await internal('10.0.1.0/24');
        await refused(d.create('subnet', { name: uniq('sub'), network_id: net.id, project_id: project, cidr: '10.0.1.128/25' }), 'SUBNET_OVERLAP');
        const second = track('subnet', await d.create('subnet', { name: uniq('sub'), network_id: net.id, project_id: project, cidr: '10.0.2.0/24' }));
        expect((await d.get('network', net.id)).subnets.sort()).toEqual([...(await d.list('subnet', { network_id: net.id })).map((s) => s.id)].sort());
        expect((await d.get('network', net.id)).subnets).toContain(second.id);
      });

      it('updates names and admin_state_up', async () => {
        const { net, sub } = await internal();
        const name = uniq('renamed');
        expect(await d.update('network', net.id, { name, admin_state_up: false })).toMatchObject({ id: net.id, name, admin_state_up: false });
        expect(await d.get('network', net.id)).toMatchObject({ name, admin_state_up: false });
        const subName = uniq('renamed-sub');
        expect(await d.update('subnet', sub.id, { name: subName })).toMatchObject({ id: sub.id, name: subName, cidr: '10.0.1.0/24' });
      });

      it('refuses to delete a network or subnet that still has a port, then deletes them', async () => {
        const { net, sub } = await internal();
        const p = await port(net, sub, '10.0.1.4');
        await refused(d.delete('network', net.id), 'NETWORK_IN_USE');
        await refused(d.delete('subnet', sub.id), 'SUBNET_IN_USE');
        await d.delete('port', p.id);
        await d.delete('subnet', sub.id);
        expect((await errorOf(d.get('subnet', sub.id))).code).toBe('NOT_FOUND');
        expect((await d.get('network', net.id)).subnets).toEqual([]);
        await d.delete('network', net.id);
        expect((await errorOf(d.get('network', net.id))).code).toBe('NOT_FOUND');
      });

      it('deleting a network deletes its unused subnets', async () => {
        const { net, sub } = await internal();
        await d.delete('network', net.id);
        await exact(d.get('subnet', sub.id), 'NOT_FOUND');
      });
    });

    // ---- missing resources ---------------------------------------------------------------

    describe('missing resources', () => {
      const kinds: ResourceKind[] = ['network', 'subnet', 'port', 'router', 'floatingip'];
      for (const kind of kinds) {
        it(`get, update and delete of a missing ${kind} are NOT_FOUND`, async () => {
          const id = randomUUID();
          const e = await exact(d.get(kind, id), 'NOT_FOUND');
          expect(e.status).toBe(404);
          const body = kind === 'floatingip' ? { port_id: null } : { name: 'x' };
          await exact(d.update(kind, id, body as never), 'NOT_FOUND');
          await exact(d.delete(kind, id), 'NOT_FOUND');
        });
      }

      it('router actions on a missing router are NOT_FOUND', async () => {
        const id = randomUUID();
        await exact(d.addInterface(id, { subnet_id: randomUUID() }), 'NOT_FOUND');
        await exact(d.removeInterface(id, { subnet_id: randomUUID() }), 'NOT_FOUND');
        await exact(d.addGateway(id, { network_id: randomUUID() }), 'NOT_FOUND');
        await exact(d.setRoutes(id, []), 'NOT_FOUND');
      });

      it('a port on a missing network and an interface to a missing subnet are NOT_FOUND', async () => {
        await exact(d.create('port', { name: uniq('p'), network_id: randomUUID(), project_id: project }), 'NOT_FOUND');
        const r = await router();
        await exact(d.addInterface(r.id, { subnet_id: randomUUID() }), 'NOT_FOUND');
        await exact(d.addInterface(r.id, { port_id: randomUUID() }), 'NOT_FOUND');
      });
    });

    // ---- ports ---------------------------------------------------------------------------

    describe('ports', () => {
      it('creates a port with an explicit address; the same address again is IP_ADDRESS_IN_USE', async () => {
        const { net, sub } = await internal();
        const name = uniq('port');
        const p = track(
          'port',
          await d.create('port', { name, network_id: net.id, project_id: project, fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.1.4' }] }),
        );
        expect(p).toEqual({
          id: expect.stringMatching(UUID),
          name,
          network_id: net.id,
          project_id: project,
          mac_address: expect.stringMatching(MAC),
          fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.1.4' }],
          device_id: '',
          device_owner: '',
          admin_state_up: true,
          status: 'DOWN',
          description: '',
          // No groups asked for: none on a lab pod, Neutron's own default group of the project on a real one.
          security_groups: expect.any(Array),
          port_security_enabled: true,
        });
        expect(await d.get('port', p.id)).toEqual(p);
        const e = await exact(
          d.create('port', { name: uniq('dup'), network_id: net.id, project_id: project, fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.1.4' }] }),
          'IP_ADDRESS_IN_USE',
        );
        expect(e.status).toBe(409);
        // An address given without its subnet finds the subnet; a freed address can be taken again.
        await d.delete('port', p.id);
        const again = await track('port', await d.create('port', { name: uniq('again'), network_id: net.id, project_id: project, fixed_ips: [{ ip_address: '10.0.1.4' }] }));
        expect(again.fixed_ips).toEqual([{ subnet_id: sub.id, ip_address: '10.0.1.4' }]);
      });

      it('refuses an address outside the subnet', async () => {
        const { net, sub } = await internal();
        await refused(
          d.create('port', { name: uniq('p'), network_id: net.id, project_id: project, fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.2.4' }] }),
          'IP_NOT_IN_SUBNET',
        );
        expect(await d.list('port', { network_id: net.id })).toEqual([]);
      });

      it('honours an explicit MAC address and a device, and updates them', async () => {
        const { net, sub } = await internal();
        const device = randomUUID();
        const p = track(
          'port',
          await d.create('port', {
            name: uniq('vm'),
            network_id: net.id,
            project_id: project,
            mac_address: 'fa:16:3e:12:34:56',
            fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.1.7' }],
            device_id: device,
            device_owner: 'compute:nova',
          }),
        );
        expect(p).toMatchObject({ mac_address: 'fa:16:3e:12:34:56', device_id: device, device_owner: 'compute:nova' });
        const name = uniq('renamed');
        expect(await d.update('port', p.id, { name, device_id: '', device_owner: '' })).toMatchObject({ id: p.id, name, device_id: '', device_owner: '' });
        expect(await d.get('port', p.id)).toMatchObject({ name, device_id: '', device_owner: '', fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.1.7' }] });
      });
    });

    // ---- routers, gateways, interfaces ---------------------------------------------------

    describe('routers', () => {
      it('creates a router with no gateway and no routes', async () => {
        const name = uniq('router');
        const r = track('router', await d.create('router', { name, project_id: project }));
        expect(r).toEqual({ id: expect.stringMatching(UUID), name, project_id: project, status: 'ACTIVE', external_gateway_info: null, routes: [], description: '' });
        expect(await d.get('router', r.id)).toEqual(r);
        const renamed = uniq('renamed');
        expect(await d.update('router', r.id, { name: renamed })).toEqual({ ...r, name: renamed });
      });

      it('sets a gateway with an explicit external address, once: ROUTER_GATEWAY_EXISTS', async () => {
        const ext = await external();
        const r = await router();
        const withGw = await d.addGateway(r.id, { network_id: ext.net.id, external_fixed_ips: [{ subnet_id: ext.sub.id, ip_address: '162.3.124.2' }] });
        const info = { network_id: ext.net.id, enable_snat: true, external_fixed_ips: [{ subnet_id: ext.sub.id, ip_address: '162.3.124.2' }] };
        expect(withGw).toEqual({ ...r, external_gateway_info: info });
        expect((await d.get('router', r.id)).external_gateway_info).toEqual(info);
        const gwPorts = await d.list('port', { device_id: r.id, device_owner: 'network:router_gateway' });
        expect(gwPorts).toHaveLength(1);
        expect(gwPorts[0]).toMatchObject({ network_id: ext.net.id, fixed_ips: [{ subnet_id: ext.sub.id, ip_address: '162.3.124.2' }], status: 'DOWN' });
        const e = await exact(d.addGateway(r.id, { network_id: ext.net.id, external_fixed_ips: [{ subnet_id: ext.sub.id, ip_address: '162.3.124.3' }] }), 'ROUTER_GATEWAY_EXISTS');
        expect(e.status).toBe(409);
        expect((await d.get('router', r.id)).external_gateway_info).toEqual(info);
      });

      it('refuses a gateway on a network that is not external: BAD_REQUEST', async () => {
        const { net, sub } = await internal();
        const r = await router();
        await exact(d.addGateway(r.id, { network_id: net.id, external_fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.1.2' }] }), 'BAD_REQUEST');
        expect((await d.get('router', r.id)).external_gateway_info).toBeNull();
      });

      it("refuses a gateway address that is taken: IP_ADDRESS_IN_USE", async () => {
        const ext = await external();
        await port(ext.net, ext.sub, '162.3.124.2');
        const r = await router();
        await exact(d.addGateway(r.id, { network_id: ext.net.id, external_fixed_ips: [{ subnet_id: ext.sub.id, ip_address: '162.3.124.2' }] }), 'IP_ADDRESS_IN_USE');
        expect((await d.get('router', r.id)).external_gateway_info).toBeNull();
      });

      it('removes the gateway and its port; the address is free again', async () => {
        const { ext, router: r } = await topology();
        const cleared = await d.removeGateway(r.id);
        expect(cleared.external_gateway_info).toBeNull();
        expect(await d.list('port', { device_id: r.id, device_owner: 'network:router_gateway' })).toEqual([]);
        const p = await port(ext.net, ext.sub, '162.3.124.2');
        expect(p.fixed_ips).toEqual([{ subnet_id: ext.sub.id, ip_address: '162.3.124.2' }]);
      });

      it("adds an interface by subnet on the subnet's gateway address; the same subnet again is ROUTER_INTERFACE_EXISTS", async () => {
        const { net, sub } = await internal();
        const r = await router();
        const res = await d.addInterface(r.id, { subnet_id: sub.id });
        expect(res).toEqual({ id: r.id, subnet_id: sub.id, port_id: expect.stringMatching(UUID) });
        expect(await d.get('port', res.port_id)).toMatchObject({
          id: res.port_id,
          network_id: net.id,
          device_id: r.id,
          device_owner: 'network:router_interface',
          fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.1.1' }],
        });
        const e = await exact(d.addInterface(r.id, { subnet_id: sub.id }), 'ROUTER_INTERFACE_EXISTS');
        expect(e.status).toBe(400);
      });

      it('adds an interface by port: the port becomes the router interface', async () => {
        const { net, sub } = await internal('10.0.2.0/24');
        const r = await router();
        const p = await port(net, sub, '10.0.2.10');
        const res = await d.addInterface(r.id, { port_id: p.id });
        expect(res).toEqual({ id: r.id, port_id: p.id, subnet_id: sub.id });
        expect(await d.get('port', p.id)).toMatchObject({ device_id: r.id, device_owner: 'network:router_interface', fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.2.10' }] });
        await exact(d.addInterface(r.id, { subnet_id: sub.id }), 'ROUTER_INTERFACE_EXISTS');
      });

      it('refuses an interface by a port that already has a device: PORT_IN_USE', async () => {
        const { net, sub } = await internal();
        const r = await router();
        const p = await port(net, sub, '10.0.1.20', { device_id: randomUUID(), device_owner: 'compute:nova' });
        const e = await exact(d.addInterface(r.id, { port_id: p.id }), 'PORT_IN_USE');
        expect(e.status).toBe(409);
        expect((await d.get('port', p.id)).device_owner).toBe('compute:nova');
      });

      it('refuses to delete a router interface port directly: PORT_IN_USE', async () => {
        const { iface } = await topology();
        await refused(d.delete('port', iface.port_id), 'PORT_IN_USE');
        expect((await d.get('port', iface.port_id)).device_owner).toBe('network:router_interface');
      });

      it('removes an interface by port, which deletes the port', async () => {
        const { net, sub } = await internal();
        const r = await router();
        const p = await port(net, sub, '10.0.1.30');
        await d.addInterface(r.id, { port_id: p.id });
        expect(await d.removeInterface(r.id, { port_id: p.id })).toEqual({ id: r.id, port_id: p.id, subnet_id: sub.id });
        await exact(d.get('port', p.id), 'NOT_FOUND');
        expect(await d.list('port', { device_id: r.id })).toEqual([]);
      });

      it('removes an interface by subnet, which deletes the interface port', async () => {
        const { int, router: r, iface } = await topology();
        expect(await d.removeInterface(r.id, { subnet_id: int.sub.id })).toEqual({ id: r.id, port_id: iface.port_id, subnet_id: int.sub.id });
        await exact(d.get('port', iface.port_id), 'NOT_FOUND');
        await refused(d.removeInterface(r.id, { subnet_id: int.sub.id }), 'ROUTER_INTERFACE_NOT_FOUND');
      });

      it('refuses to delete a router with interfaces: ROUTER_IN_USE; with only a gateway it goes, gateway port too', async () => {
        const { int, router: r } = await topology();
        await exact(d.delete('router', r.id), 'ROUTER_IN_USE');
        await d.removeInterface(r.id, { subnet_id: int.sub.id });
        await d.delete('router', r.id);
        await exact(d.get('router', r.id), 'NOT_FOUND');
        expect(await d.list('port', { device_id: r.id })).toEqual([]);
      });
    });

    // ---- extra routes --------------------------------------------------------------------

    describe('extra routes', () => {
      it('replaces the whole route list; nexthops may be on an interface or the gateway subnet', async () => {
        const { router: r } = await topology();
        const first = await d.setRoutes(r.id, [{ destination: '10.0.9.0/24', nexthop: '10.0.1.10' }]);
        expect(first.routes).toEqual([{ destination: '10.0.9.0/24', nexthop: '10.0.1.10' }]);
        const routes = [
          { destination: '10.0.8.0/24', nexthop: '10.0.1.11' },
          { destination: '192.168.0.0/16', nexthop: '162.3.124.20' },
        ];
        const second = await d.setRoutes(r.id, routes);
        expect([...second.routes].sort(byDestination)).toEqual([...routes].sort(byDestination));
        expect([...(await d.get('router', r.id)).routes].sort(byDestination)).toEqual([...routes].sort(byDestination));
        expect((await d.setRoutes(r.id, [])).routes).toEqual([]);
      });

      it('refuses a nexthop that is not on a subnet connected to the router: BAD_REQUEST', async () => {
        const { router: r } = await topology();
        await exact(d.setRoutes(r.id, [{ destination: '10.0.9.0/24', nexthop: '10.9.9.9' }]), 'BAD_REQUEST');
        expect((await d.get('router', r.id)).routes).toEqual([]);
      });

      it('refuses to remove an interface while a route uses its subnet: ROUTER_IN_USE; clearing the routes allows it', async () => {
        const { int, router: r, iface } = await topology();
        await d.setRoutes(r.id, [{ destination: '10.0.9.0/24', nexthop: '10.0.1.10' }]);
        const e = await exact(d.removeInterface(r.id, { subnet_id: int.sub.id }), 'ROUTER_IN_USE');
        expect(e.status).toBe(409);
        await exact(d.removeInterface(r.id, { port_id: iface.port_id }), 'ROUTER_IN_USE');
        expect((await d.get('port', iface.port_id)).device_id).toBe(r.id);
        await d.setRoutes(r.id, []);
        expect(await d.removeInterface(r.id, { subnet_id: int.sub.id })).toEqual({ id: r.id, port_id: iface.port_id, subnet_id: int.sub.id });
      });
    });

    // ---- floating IPs --------------------------------------------------------------------

    describe('floating IPs', () => {
      it('creates 162.3.124.5, binds it to 10.0.1.4 and unbinds it', async () => {
        const { ext, int, router: r } = await topology();
        const p = await port(int.net, int.sub, '10.0.1.4');
        const fip = track('floatingip', await d.create('floatingip', { floating_network_id: ext.net.id, project_id: project, floating_ip_address: '162.3.124.5' }));
        expect(fip).toEqual({
          id: expect.stringMatching(UUID),
          project_id: project,
          floating_network_id: ext.net.id,
          floating_ip_address: '162.3.124.5',
          port_id: null,
          fixed_ip_address: null,
          router_id: null,
          status: 'DOWN',
        });
        const on = await d.update('floatingip', fip.id, { port_id: p.id });
        expect(on).toEqual({ ...fip, port_id: p.id, fixed_ip_address: '10.0.1.4', router_id: r.id });
        expect(await d.get('floatingip', fip.id)).toEqual(on);
        const off = await d.update('floatingip', fip.id, { port_id: null });
        expect(off).toEqual(fip);
        expect(await d.get('floatingip', fip.id)).toEqual(fip);
      });

      it('binds at creation when given a port', async () => {
        const { ext, int, router: r } = await topology();
        const p = await port(int.net, int.sub, '10.0.1.4');
        const fip = track(
          'floatingip',
          await d.create('floatingip', { floating_network_id: ext.net.id, project_id: project, floating_ip_address: '162.3.124.6', port_id: p.id }),
        );
        expect(fip).toMatchObject({ floating_ip_address: '162.3.124.6', port_id: p.id, fixed_ip_address: '10.0.1.4', router_id: r.id });
      });

      it('refuses a taken floating address, and a port cannot take a floating address: IP_ADDRESS_IN_USE', async () => {
        const { ext } = await topology();
        const fip = track('floatingip', await d.create('floatingip', { floating_network_id: ext.net.id, project_id: project, floating_ip_address: '162.3.124.5' }));
        await exact(d.create('floatingip', { floating_network_id: ext.net.id, project_id: project, floating_ip_address: '162.3.124.5' }), 'IP_ADDRESS_IN_USE');
        // the router's gateway address is taken too
        await exact(d.create('floatingip', { floating_network_id: ext.net.id, project_id: project, floating_ip_address: '162.3.124.2' }), 'IP_ADDRESS_IN_USE');
        await exact(
          d.create('port', { name: uniq('p'), network_id: ext.net.id, project_id: project, fixed_ips: [{ subnet_id: ext.sub.id, ip_address: '162.3.124.5' }] }),
          'IP_ADDRESS_IN_USE',
        );
        // Deleting the floating IP frees its address.
        await d.delete('floatingip', fip.id);
        await exact(d.get('floatingip', fip.id), 'NOT_FOUND');
        const again = track('floatingip', await d.create('floatingip', { floating_network_id: ext.net.id, project_id: project, floating_ip_address: '162.3.124.5' }));
        expect(again.floating_ip_address).toBe('162.3.124.5');
      });

      it('refuses a floating IP on a network that is not external: BAD_REQUEST', async () => {
        const { net } = await internal();
        await exact(d.create('floatingip', { floating_network_id: net.id, project_id: project, floating_ip_address: '10.0.1.50' }), 'BAD_REQUEST');
      });

      it('refuses to bind a port its router cannot reach: EXTERNAL_GATEWAY_NOT_FOUND', async () => {
        const { ext } = await topology();
        // A subnet on no router.
        const lonely = await internal('10.0.3.0/24');
        const p = await port(lonely.net, lonely.sub, '10.0.3.4');
        const fip = track('floatingip', await d.create('floatingip', { floating_network_id: ext.net.id, project_id: project, floating_ip_address: '162.3.124.7' }));
        const e = await exact(d.update('floatingip', fip.id, { port_id: p.id }), 'EXTERNAL_GATEWAY_NOT_FOUND');
        expect(e.status).toBe(404);
        expect(await d.get('floatingip', fip.id)).toEqual(fip);
        await exact(
          d.create('floatingip', { floating_network_id: ext.net.id, project_id: project, floating_ip_address: '162.3.124.8', port_id: p.id }),
          'EXTERNAL_GATEWAY_NOT_FOUND',
        );
        // Nothing was left behind by the refused create.
        expect(await d.list('floatingip', { floating_network_id: ext.net.id, floating_ip_address: '162.3.124.8' })).toEqual([]);
        // A router interface without a gateway on the floating network is not enough either.
        const r2 = await router();
        await d.addInterface(r2.id, { subnet_id: lonely.sub.id });
        await exact(d.update('floatingip', fip.id, { port_id: p.id }), 'EXTERNAL_GATEWAY_NOT_FOUND');
      });

      it('refuses a second floating IP on the same fixed address: FLOATING_IP_ASSOCIATED', async () => {
        const { ext, int } = await topology();
        const p = await port(int.net, int.sub, '10.0.1.4');
        track('floatingip', await d.create('floatingip', { floating_network_id: ext.net.id, project_id: project, floating_ip_address: '162.3.124.5', port_id: p.id }));
        const second = track('floatingip', await d.create('floatingip', { floating_network_id: ext.net.id, project_id: project, floating_ip_address: '162.3.124.6' }));
        await refused(d.update('floatingip', second.id, { port_id: p.id }), 'FLOATING_IP_ASSOCIATED');
        expect((await d.get('floatingip', second.id)).port_id).toBeNull();
      });

      it('unbinds the floating IP when its port is deleted', async () => {
        const { ext, int } = await topology();
        const p = await port(int.net, int.sub, '10.0.1.4');
        const fip = track('floatingip', await d.create('floatingip', { floating_network_id: ext.net.id, project_id: project, floating_ip_address: '162.3.124.5', port_id: p.id }));
        await d.delete('port', p.id);
        expect(await d.get('floatingip', fip.id)).toMatchObject({ port_id: null, fixed_ip_address: null, router_id: null, floating_ip_address: '162.3.124.5' });
      });

      it('a bound floating IP holds its router: no gateway removal (CONFLICT), no interface removal (ROUTER_IN_USE)', async () => {
        const { ext, int, router: r } = await topology();
        const p = await port(int.net, int.sub, '10.0.1.4');
        const fip = track('floatingip', await d.create('floatingip', { floating_network_id: ext.net.id, project_id: project, floating_ip_address: '162.3.124.5', port_id: p.id }));
        await exact(d.removeGateway(r.id), 'CONFLICT');
        await exact(d.removeInterface(r.id, { subnet_id: int.sub.id }), 'ROUTER_IN_USE');
        expect((await d.get('router', r.id)).external_gateway_info?.network_id).toBe(ext.net.id);
        await d.update('floatingip', fip.id, { port_id: null });
        await d.removeInterface(r.id, { subnet_id: int.sub.id });
        expect((await d.removeGateway(r.id)).external_gateway_info).toBeNull();
      });
    });

    // ---- updates, descriptions and DHCP ports ---------------------------------------------

    describe('updates, descriptions and DHCP ports', () => {
      it('keeps a description and lists by it (the engine\'s stable lookup key)', async () => {
        const key = `crosspod:network:${uniq('key')}`;
        const net = track('network', await d.create('network', { name: uniq('keyed'), project_id: project, description: key }));
        expect(net.description).toBe(key);
        expect((await d.list('network', { description: key })).map((n) => n.id)).toEqual([net.id]);
        const sub = track('subnet', await d.create('subnet', { name: uniq('s'), network_id: net.id, project_id: project, cidr: '10.0.4.0/24', enable_dhcp: false, description: key }));
        expect((await d.list('subnet', { description: key })).map((x) => x.id)).toEqual([sub.id]);
      });

      it("updates a subnet's pools, DNS servers and host routes; a gateway a router holds does not move: GATEWAY_IP_IN_USE", async () => {
        const { int, router: r } = await topology();
        const up = await d.update('subnet', int.sub.id, {
          allocation_pools: [{ start: '10.0.1.2', end: '10.0.1.100' }],
          dns_nameservers: ['8.8.8.8'],
          host_routes: [{ destination: '192.168.0.0/16', nexthop: '10.0.1.254' }],
        });
        expect([up.gateway_ip, up.allocation_pools, up.dns_nameservers, up.host_routes]).toEqual([
          '10.0.1.1',
          [{ start: '10.0.1.2', end: '10.0.1.100' }],
          ['8.8.8.8'],
          [{ destination: '192.168.0.0/16', nexthop: '10.0.1.254' }],
        ]);
        expect(await d.get('subnet', int.sub.id)).toEqual(up);
        await refused(d.update('subnet', int.sub.id, { gateway_ip: '10.0.1.254' }), 'GATEWAY_IP_IN_USE');
        await d.removeInterface(r.id, { subnet_id: int.sub.id });
        expect((await d.update('subnet', int.sub.id, { gateway_ip: '10.0.1.254' })).gateway_ip).toBe('10.0.1.254');
      });

      it("moves a port's fixed IP and takes it down: the old address is free again", async () => {
        const { net, sub } = await internal();
        const p = await port(net, sub, '10.0.1.4');
        const moved = await d.update('port', p.id, { fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.1.50' }], admin_state_up: false, name: `${p.name}-b` });
        expect([moved.fixed_ips, moved.admin_state_up, moved.name]).toEqual([[{ subnet_id: sub.id, ip_address: '10.0.1.50' }], false, `${p.name}-b`]);
        expect((await port(net, sub, '10.0.1.4')).fixed_ips).toEqual([{ subnet_id: sub.id, ip_address: '10.0.1.4' }]);
        await exact(d.update('port', p.id, { fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.1.4' }] }), 'IP_ADDRESS_IN_USE');
      });

      it('a DHCP port loses its address with its subnet, and goes with its network', async () => {
        const net = await d.create('network', { name: uniq('dhcp-net'), project_id: project });
        const sub = await d.create('subnet', { name: uniq('dhcp-sub'), network_id: net.id, project_id: project, cidr: '10.0.3.0/24' });
        const dhcp = await d.create('port', {
          name: uniq('dhcp'),
          network_id: net.id,
          project_id: project,
          device_owner: 'network:dhcp',
          device_id: 'reserved_dhcp_port',
          fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.3.2' }],
        });
        expect(dhcp.fixed_ips).toEqual([{ subnet_id: sub.id, ip_address: '10.0.3.2' }]);
        await d.delete('subnet', sub.id);
        for (const p of await d.list('port', { network_id: net.id })) expect(p.fixed_ips).toEqual([]);
        await d.delete('network', net.id);
        await exact(d.get('port', dhcp.id), 'NOT_FOUND');
      });
    });

    // ---- list filters --------------------------------------------------------------------

    describe('list filters', () => {
      it('filters by equality on scalar fields, booleans and null included', async () => {
        const { ext, int, router: r, iface } = await topology();
        const p = await port(int.net, int.sub, '10.0.1.4');
        const bound = track('floatingip', await d.create('floatingip', { floating_network_id: ext.net.id, project_id: project, floating_ip_address: '162.3.124.5', port_id: p.id }));
        const free = track('floatingip', await d.create('floatingip', { floating_network_id: ext.net.id, project_id: project, floating_ip_address: '162.3.124.6' }));

        const ids = (xs: { id: string }[]) => xs.map((x) => x.id).sort();
        expect(ids(await d.list('network', { name: ext.net.name }))).toEqual([ext.net.id]);
        expect(ids(await d.list('network', { id: int.net.id }))).toEqual([int.net.id]);
        expect(ids(await d.list('network', { project_id: project, 'router:external': true }))).toEqual([ext.net.id]);
        expect(ids(await d.list('network', { project_id: project, 'router:external': false }))).toEqual([int.net.id]);
        expect(ids(await d.list('network', { project_id: project, 'provider:physical_network': 'extnet' }))).toEqual([ext.net.id]);
        expect(ids(await d.list('subnet', { network_id: ext.net.id }))).toEqual([ext.sub.id]);
        expect(ids(await d.list('subnet', { project_id: project, cidr: '10.0.1.0/24' }))).toEqual([int.sub.id]);
        expect(ids(await d.list('subnet', { network_id: int.net.id, gateway_ip: '10.0.1.1', ip_version: 4 }))).toEqual([int.sub.id]);
        expect(ids(await d.list('router', { name: r.name }))).toEqual([r.id]);
        expect(ids(await d.list('port', { network_id: int.net.id, device_owner: 'network:router_interface' }))).toEqual([iface.port_id]);
        expect(ids(await d.list('port', { device_id: r.id }))).toHaveLength(2);
        expect(ids(await d.list('port', { network_id: int.net.id, device_owner: '' }))).toEqual([p.id]);
        expect(ids(await d.list('port', { name: p.name }))).toEqual([p.id]);
        expect(ids(await d.list('floatingip', { floating_network_id: ext.net.id, floating_ip_address: '162.3.124.5' }))).toEqual([bound.id]);
        expect(ids(await d.list('floatingip', { port_id: p.id }))).toEqual([bound.id]);
        expect(ids(await d.list('floatingip', { floating_network_id: ext.net.id, port_id: null }))).toEqual([free.id]);
        expect(ids(await d.list('floatingip', { router_id: r.id }))).toEqual([bound.id]);
        expect(ids(await d.list('floatingip', { fixed_ip_address: '10.0.1.4', floating_network_id: ext.net.id }))).toEqual([bound.id]);
      });

      it('a filter on a field the resource lacks, an array field or a value of the wrong type matches nothing', async () => {
        const { net, sub } = await internal();
        expect(await d.list('network', { id: net.id })).toHaveLength(1);
        expect(await d.list('network', { id: net.id, no_such_field: 'x' })).toEqual([]);
        expect(await d.list('network', { id: net.id, subnets: sub.id })).toEqual([]);
        expect(await d.list('network', { id: net.id, 'router:external': 'false' })).toEqual([]);
        expect(await d.list('port', { network_id: net.id, fixed_ips: `ip_address=10.0.1.1` })).toEqual([]);
        expect(await d.list('subnet', { id: sub.id, ip_version: '4' })).toEqual([]);
        expect(await d.list('network', { name: uniq('nobody') })).toEqual([]);
      });
    });

    it('reports health: reachable, with the router, external-net and extraroute extensions', async () => {
      const h = await d.health();
      expect(h.reachable).toBe(true);
      expect(['ok', 'not-required']).toContain(h.auth);
      expect(h.extensions).toEqual({ router: true, 'external-net': true, extraroute: true });
      expect(h.error).toBeNull();
    });
  });
}
