// The `lab` PodDriver: embedded, simulated bottom pods in the engine's own SQLite file (tables
// lab_*, migration 0003), with addresses in the shared Ipam. It behaves like Neutron where the
// engine can tell (see driver.ts and docs/real-neutron.md), including Neutron's 409s and 400s.
//
// Every method is async but runs synchronously before returning, so a caller's open transaction
// covers it; every mutation is one transaction (a savepoint inside the caller's).
//
// Choices where Neutron or the brief left room:
// - list filters are strict equality on a Bottom field with the field's JS type ('true' does not
//   match true); a field the body lacks, an array/object field or a value of the wrong type
//   matches nothing (the neutron driver does the same).
// - like Neutron, a floating IP holds its address through a network:floatingip port (device_id
//   = the floating IP's id, project ''), and gateway ports have project ''; router interface
//   ports take the subnet's project.
// - network delete refuses any port (router and floating IP ports too: Neutron's NetworkInUse);
//   subnets go with their network.
// - ML2's rules: one flat network per physical network, one VLAN id per physical network per
//   pod (CONFLICT). Overlapping subnets on different networks are allowed (Tricircle needs it).
// - extra routes: no max_routes limit; duplicates, bad cidrs and nexthops that are the router's
//   own address or off its subnets are BAD_REQUEST.
// - a DHCP agent in every pod (simulated: ports only, no dnsmasq): a DHCP-enabled subnet waits in
//   lab_dhcp_pending until the end of the pod's next write, when the agent claims a reserved DHCP
//   port of the network (device_id `reserved_dhcp_port`) or creates its own, taking the lowest
//   free address, as neutron-dhcp-agent does a moment after the subnet appears. Subnet and
//   network deletes take DHCP ports' addresses with them (Neutron's auto-delete owners).
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { CrosspodError } from '../../../../shared/errors';
import type { FixedIp, HostRoute, Route } from '../../../../shared/model';
import { canonicalIp, cidrsOverlap, ipInCidr, normalizeSubnet, parseCidr, parseIp } from '../../ipam/cidr';
import { randomNeutronMac } from '../../ipam/mac';
import type {
  BottomFloatingIp,
  BottomNetwork,
  BottomPort,
  BottomRouter,
  BottomSubnet,
  BottomTypes,
  CreateBodies,
  DriverHealth,
  Filters,
  GatewayBody,
  InterfaceRef,
  InterfaceResult,
  PodDriver,
  ResourceKind,
  UpdateBodies,
} from '../driver';
import {
  type FloatingIpRow,
  listQuery,
  type NetworkRow,
  OWNER_DHCP,
  OWNER_FLOATINGIP,
  OWNER_GATEWAY,
  OWNER_INTERFACE,
  type PortRow,
  type RouterRow,
  type Rows,
  SELECT,
  type SubnetRow,
  TO_BOTTOM,
} from './rows';
import { type LabShared, labShared } from './shared';
import { LabSecGroups } from './secgroups';

type Db = Database.Database;
type FixedIpRequest = { subnet_id?: string; ip_address?: string };

const LABEL: Record<ResourceKind, string> = {
  network: 'Network',
  subnet: 'Subnet',
  port: 'Port',
  router: 'Router',
  floatingip: 'Floating IP',
  security_group: 'Security group',
  security_group_rule: 'Security group rule',
};

const TABLE: Record<ResourceKind, string> = {
  network: 'lab_networks',
  subnet: 'lab_subnets',
  port: 'lab_ports',
  router: 'lab_routers',
  floatingip: 'lab_floating_ips',
  security_group: 'lab_security_groups',
  security_group_rule: 'lab_security_group_rules',
};

const notFound = (kind: ResourceKind, id: string) =>
  new CrosspodError('NOT_FOUND', `${LABEL[kind]} ${id} could not be found`, { kind, id });
const badRequest = (message: string, details?: unknown) => new CrosspodError('BAD_REQUEST', message, details);
const portSecurityRequired = () => new CrosspodError('PORT_SECURITY_REQUIRED_FOR_SECURITY_GROUPS', 'Port security must be enabled and port must have an IP address in order to use security groups.');

const bit = (b: boolean | undefined, dflt: boolean): number => ((b ?? dflt) ? 1 : 0);

/** What Tricircle names a DHCP port it made for the agent to claim (neutron-dhcp-agent's constant). */
export const RESERVED_DHCP_PORT = 'reserved_dhcp_port';


function isV4(ip: string): boolean {
  return !ip.includes(':');
}

/** Addresses of a router: its interfaces and gateway, with each address's subnet. */
interface RouterAddress {
  port_id: string;
  port_type: string;
  subnet_id: string;
  ip_address: string;
  cidr: string;
}

export class LabDriver implements PodDriver {
  readonly kind = 'lab' as const;
  private readonly s: LabShared;
  /** Subnets made in the running write: the agent turns to them only from the next write on. */
  private readonly freshDhcp = new Set<string>();
  private readonly sg: LabSecGroups;

  constructor(
    readonly db: Db,
    readonly podId: string,
  ) {
    this.s = labShared(db);
    this.sg = new LabSecGroups(this.s, podId);
  }

  // ---- reads -------------------------------------------------------------------------------

  async list<K extends ResourceKind>(kind: K, filters: Filters = {}): Promise<BottomTypes[K][]> {
    if (!Object.hasOwn(SELECT, kind)) throw badRequest(`Unknown resource kind ${String(kind)}`);
    const q = listQuery(kind, this.podId, filters);
    if (q === null) return [];
    const rows = this.s.stmt(q.sql).all(...q.params) as Rows[K][];
    const to = TO_BOTTOM[kind] as (r: Rows[K]) => BottomTypes[K];
    return rows.map(to);
  }

  async get<K extends ResourceKind>(kind: K, id: string): Promise<BottomTypes[K]> {
    return this.read(kind, id);
  }

  // ---- create / update / delete ------------------------------------------------------------

  async create<K extends ResourceKind>(kind: K, body: CreateBodies[K]): Promise<BottomTypes[K]> {
    if (!body || typeof body !== 'object') throw badRequest(`A ${kind} body is required`);
    return this.write(() => {
      switch (kind) {
        case 'network':
          return this.createNetwork(body as CreateBodies['network']) as BottomTypes[K];
        case 'subnet':
          return this.createSubnet(body as CreateBodies['subnet']) as BottomTypes[K];
        case 'port':
          return this.createPort(body as CreateBodies['port']) as BottomTypes[K];
        case 'router':
          return this.createRouter(body as CreateBodies['router']) as BottomTypes[K];
        case 'floatingip':
          return this.createFloatingIp(body as CreateBodies['floatingip']) as BottomTypes[K];
        case 'security_group':
          return this.read('security_group', this.sg.createGroup(body as CreateBodies['security_group'])) as BottomTypes[K];
        case 'security_group_rule':
          return this.read('security_group_rule', this.sg.createRule(body as CreateBodies['security_group_rule'])) as BottomTypes[K];
        default:
          throw badRequest(`Unknown resource kind ${String(kind)}`);
      }
    });
  }

  async update<K extends ResourceKind>(kind: K, id: string, body: UpdateBodies[K]): Promise<BottomTypes[K]> {
    if (!body || typeof body !== 'object') throw badRequest(`A ${kind} body is required`);
    return this.write(() => {
      const current = this.row(kind, id);
      const b = body as Record<string, unknown>;
      const sets: string[] = [];
      const params: unknown[] = [];
      const set = (column: string, value: unknown) => {
        sets.push(`${column} = ?`);
        params.push(value);
      };
      const str = (key: string): string | undefined => {
        const v = b[key];
        if (v === undefined) return undefined;
        if (typeof v !== 'string') throw badRequest(`${key} must be a string`, { [key]: v });
        return v;
      };
      const bool = (key: string): boolean | undefined => {
        const v = b[key];
        if (v === undefined) return undefined;
        if (typeof v !== 'boolean') throw badRequest(`${key} must be a boolean`, { [key]: v });
        return v;
      };
      const common = (keys: string[]) => {
        for (const key of keys) {
          const v = str(key);
          if (v !== undefined) set(key, v);
        }
      };
      switch (kind) {
        case 'network': {
          common(['name', 'description']);
          const up = bool('admin_state_up');
          if (up !== undefined) set('admin_state_up', up ? 1 : 0);
          // Not in UpdateBodies yet, but Neutron allows it; unsetting refuses while gateways or
          // floating IPs use the network (ExternalNetworkInUse, 409).
          if (b['router:external'] !== undefined) {
            if (typeof b['router:external'] !== 'boolean') throw badRequest('router:external must be a boolean');
            if (!b['router:external']) {
              const used = this.s
                .stmt(`SELECT id FROM lab_ports WHERE network_id = ? AND device_owner IN ('${OWNER_GATEWAY}', '${OWNER_FLOATINGIP}') LIMIT 1`)
                .pluck()
                .get(id) as string | undefined;
              if (used !== undefined) {
                throw new CrosspodError('CONFLICT', `External network ${id} is in use by router gateways or floating IPs`, { network_id: id, port_id: used });
              }
            }
            set('router_external', b['router:external'] ? 1 : 0);
          }
          break;
        }
        case 'subnet':
          common(['name', 'description']);
          this.updateSubnet(current as SubnetRow, b, set);
          break;
        case 'router':
          common(['name', 'description']);
          break;
        case 'port': {
          common(['name', 'description', 'device_id', 'device_owner']);
          const up = bool('admin_state_up');
          if (up !== undefined) set('admin_state_up', up ? 1 : 0);
          if (b.fixed_ips !== undefined) this.replaceFixedIps(current as PortRow, b.fixed_ips);
          // Neutron: port security goes off only on a port left without groups, and groups need it on.
          const secure = bool('port_security_enabled') ?? (current as PortRow).port_security_enabled === 1;
          const asked = b.security_groups as string[] | undefined;
          const groups = asked ?? (JSON.parse((current as PortRow).security_groups) as string[]);
          if (!secure && groups.length > 0) {
            if (asked !== undefined && asked.length > 0) throw portSecurityRequired();
            throw new CrosspodError('PORT_SECURITY_PORT_HAS_SECURITY_GROUP', 'Port has security group associated. Cannot disable port security or ip address until security group is removed', { port_id: id });
          }
          if (b.security_groups !== undefined) this.sg.setPortGroups(id, b.security_groups);
          if (b.port_security_enabled !== undefined) set('port_security_enabled', secure ? 1 : 0);
          break;
        }
        case 'security_group':
          common(['name', 'description']);
          break;
        case 'security_group_rule':
          throw badRequest('Security group rules cannot be updated');
        case 'floatingip': {
          if (b.port_id === null) this.unbindFloatingIp(id);
          else if (b.port_id !== undefined) this.bindFloatingIp(current as FloatingIpRow, str('port_id')!, str('fixed_ip_address'));
          break;
        }
      }
      if (sets.length > 0) {
        this.s.stmt(`UPDATE ${TABLE[kind]} SET ${sets.join(', ')} WHERE id = ? AND pod_id = ?`).run(...params, id, this.podId);
      }
      return this.read(kind, id);
    });
  }

  async delete(kind: ResourceKind, id: string): Promise<void> {
    this.write(() => {
      switch (kind) {
        case 'network':
          return this.deleteNetwork(id);
        case 'subnet':
          return this.deleteSubnet(id);
        case 'port':
          return this.deletePort(id);
        case 'router':
          return this.deleteRouter(id);
        case 'floatingip':
          return this.deleteFloatingIp(id);
        case 'security_group':
          return this.sg.deleteGroup(id);
        case 'security_group_rule':
          return this.sg.deleteRule(id);
        default:
          throw badRequest(`Unknown resource kind ${String(kind)}`);
      }
    });
  }

  // ---- router actions ----------------------------------------------------------------------

  async addInterface(routerId: string, ref: InterfaceRef): Promise<InterfaceResult> {
    const { subnetId, portId } = this.interfaceRef(ref);
    return this.write(() => {
      this.row('router', routerId);
      const attached = this.routerAddresses(routerId);
      const interfaceCidrs = attached.filter((a) => a.port_type === OWNER_INTERFACE);

      const checkSubnets = (subnets: SubnetRow[]) => {
        for (const sub of subnets) {
          if (attached.some((a) => a.subnet_id === sub.id)) {
            throw new CrosspodError('ROUTER_INTERFACE_EXISTS', `Router ${routerId} already has a port on subnet ${sub.id}`, {
              router_id: routerId,
              subnet_id: sub.id,
            });
          }
          const clash = interfaceCidrs.find((a) => cidrsOverlap(a.cidr, sub.cidr));
          if (clash) {
            throw new CrosspodError(
              'SUBNET_OVERLAP',
              `Cidr ${sub.cidr} of subnet ${sub.id} overlaps with cidr ${clash.cidr} of subnet ${clash.subnet_id}`,
              { router_id: routerId, subnet_id: sub.id, cidr: sub.cidr, other_subnet_id: clash.subnet_id, other_cidr: clash.cidr },
            );
          }
        }
      };

      if (subnetId !== undefined) {
        const sub = this.row('subnet', subnetId);
        checkSubnets([sub]);
        if (sub.gateway_ip === null) throw badRequest(`Subnet ${sub.id} has no gateway_ip, so it cannot be a router interface`, { subnet_id: sub.id });
        const net = this.row('network', sub.network_id);
        const port = this.insertPort(net, {
          name: '',
          project_id: sub.project_id,
          device_id: routerId,
          device_owner: OWNER_INTERFACE,
          fixed_ips: [{ subnet_id: sub.id, ip_address: sub.gateway_ip }],
        });
        this.s.stmt('INSERT INTO lab_router_ports (port_id, router_id, pod_id, port_type) VALUES (?, ?, ?, ?)').run(
          port.id,
          routerId,
          this.podId,
          OWNER_INTERFACE,
        );
        return { id: routerId, port_id: port.id, subnet_id: sub.id };
      }

      const port = toPortBody(this.row('port', portId!));
      if (port.device_id !== '') {
        throw new CrosspodError('PORT_IN_USE', `Port ${port.id} is in use by device ${port.device_id}`, {
          port_id: port.id,
          device_id: port.device_id,
          device_owner: port.device_owner,
        });
      }
      if (port.fixed_ips.length === 0) throw badRequest(`Router port ${port.id} must have at least one fixed IP`, { port_id: port.id });
      const subnets = [...new Set(port.fixed_ips.map((ip) => ip.subnet_id))].map((sid) => this.row('subnet', sid));
      if (subnets.filter((sub) => sub.ip_version === 4).length > 1) {
        throw badRequest(`Port ${port.id} has addresses on several IPv4 subnets; a router port may have one`, { port_id: port.id });
      }
      checkSubnets(subnets);
      this.s.stmt('UPDATE lab_ports SET device_id = ?, device_owner = ? WHERE id = ?').run(routerId, OWNER_INTERFACE, port.id);
      this.s.stmt('INSERT INTO lab_router_ports (port_id, router_id, pod_id, port_type) VALUES (?, ?, ?, ?)').run(
        port.id,
        routerId,
        this.podId,
        OWNER_INTERFACE,
      );
      return { id: routerId, port_id: port.id, subnet_id: port.fixed_ips[0].subnet_id };
    });
  }

  async removeInterface(routerId: string, ref: InterfaceRef): Promise<InterfaceResult> {
    const { subnetId, portId } = this.interfaceRef(ref);
    return this.write(() => {
      const router = this.row('router', routerId);
      const interfaces = this.routerAddresses(routerId).filter((a) => a.port_type === OWNER_INTERFACE);

      if (portId !== undefined) {
        this.row('port', portId);
        const mine = interfaces.filter((a) => a.port_id === portId);
        if (mine.length === 0) throw interfaceNotFound(routerId, { port_id: portId });
        for (const a of mine) this.assertInterfaceUnused(router, a);
        this.removePort(portId);
        return { id: routerId, port_id: portId, subnet_id: mine[0].subnet_id };
      }

      const sub = this.row('subnet', subnetId!);
      const iface = interfaces.find((a) => a.subnet_id === sub.id);
      if (!iface) throw interfaceNotFound(routerId, { subnet_id: sub.id });
      this.assertInterfaceUnused(router, iface);
      const others = interfaces.filter((a) => a.port_id === iface.port_id && a.subnet_id !== sub.id);
      if (others.length === 0) {
        this.removePort(iface.port_id);
      } else {
        // Neutron keeps a port that still has addresses on other subnets; only this one goes.
        this.s.stmt('DELETE FROM lab_port_ips WHERE port_id = ? AND subnet_id = ?').run(iface.port_id, sub.id);
        this.s.ipam().release(sub.id, iface.ip_address);
      }
      return { id: routerId, port_id: iface.port_id, subnet_id: sub.id };
    });
  }

  async addGateway(routerId: string, body: GatewayBody): Promise<BottomRouter> {
    if (!body || typeof body !== 'object' || typeof body.network_id !== 'string') throw badRequest('A gateway needs a network_id');
    return this.write(() => {
      this.row('router', routerId);
      const current = this.gatewayPortId(routerId);
      if (current !== null) {
        const gwNet = (this.s.stmt('SELECT network_id FROM lab_ports WHERE id = ?').get(current) as { network_id: string }).network_id;
        throw new CrosspodError('ROUTER_GATEWAY_EXISTS', `Router ${routerId} already has a gateway on network ${gwNet}`, {
          router_id: routerId,
          network_id: gwNet,
        });
      }
      const net = this.row('network', body.network_id);
      if (net.router_external !== 1) {
        throw badRequest(`Network ${net.id} is not an external network`, { network_id: net.id });
      }
      const requested = body.external_fixed_ips;
      if (requested !== undefined && !Array.isArray(requested)) throw badRequest('external_fixed_ips must be a list');
      // Neutron: a router already on one of these subnets refuses a second port there.
      const attached = this.routerAddresses(routerId);
      const port = this.insertPort(net, {
        name: '',
        project_id: '',
        device_id: routerId,
        device_owner: OWNER_GATEWAY,
        fixed_ips: requested && requested.length > 0 ? requested : undefined,
      });
      if (port.fixed_ips.length === 0) throw badRequest(`No IPs available for external network ${net.id}`, { network_id: net.id });
      for (const ip of port.fixed_ips) {
        if (attached.some((a) => a.subnet_id === ip.subnet_id)) {
          throw new CrosspodError('ROUTER_INTERFACE_EXISTS', `Router ${routerId} already has a port on subnet ${ip.subnet_id}`, {
            router_id: routerId,
            subnet_id: ip.subnet_id,
          });
        }
      }
      this.s.stmt('INSERT INTO lab_router_ports (port_id, router_id, pod_id, port_type) VALUES (?, ?, ?, ?)').run(
        port.id,
        routerId,
        this.podId,
        OWNER_GATEWAY,
      );
      this.s.stmt('UPDATE lab_routers SET enable_snat = ? WHERE id = ?').run(bit(body.enable_snat, true), routerId);
      return this.read('router', routerId);
    });
  }

  async removeGateway(routerId: string): Promise<BottomRouter> {
    return this.write(() => {
      this.row('router', routerId);
      const gwPort = this.gatewayPortId(routerId);
      if (gwPort === null) return this.read('router', routerId);
      const gwNet = (this.s.stmt('SELECT network_id FROM lab_ports WHERE id = ?').get(gwPort) as { network_id: string }).network_id;
      const fip = this.s
        .stmt('SELECT id FROM lab_floating_ips WHERE router_id = ? AND floating_network_id = ? LIMIT 1')
        .pluck()
        .get(routerId, gwNet) as string | undefined;
      if (fip !== undefined) {
        // Neutron's RouterExternalGatewayInUseByFloatingIp (409).
        throw new CrosspodError('CONFLICT', `Gateway of router ${routerId} is in use by floating IP ${fip}`, {
          router_id: routerId,
          floatingip_id: fip,
        });
      }
      this.removePort(gwPort);
      this.s.stmt('UPDATE lab_routers SET enable_snat = 1 WHERE id = ?').run(routerId);
      return this.read('router', routerId);
    });
  }

  async setGatewaySnat(routerId: string, enableSnat: boolean): Promise<BottomRouter> {
    if (typeof enableSnat !== 'boolean') throw badRequest('enable_snat must be a boolean');
    return this.write(() => {
      this.row('router', routerId);
      if (this.gatewayPortId(routerId) === null) throw badRequest(`Router ${routerId} has no gateway`, { router_id: routerId });
      this.s.stmt('UPDATE lab_routers SET enable_snat = ? WHERE id = ?').run(enableSnat ? 1 : 0, routerId);
      return this.read('router', routerId);
    });
  }

  async setRoutes(routerId: string, routes: Route[]): Promise<BottomRouter> {
    if (!Array.isArray(routes)) throw badRequest('routes must be a list of {destination, nexthop}');
    return this.write(() => {
      this.row('router', routerId);
      const addresses = this.routerAddresses(routerId);
      const own = new Set(addresses.map((a) => a.ip_address));
      const seen = new Set<string>();
      const out: Route[] = [];
      for (const r of routes) {
        if (!r || typeof r !== 'object') throw badRequest('each route must be {destination, nexthop}', { route: r });
        let destination: string;
        let nexthop: string;
        let dv: number;
        let nv: number;
        try {
          const c = parseCidr(r.destination);
          destination = c.cidr;
          dv = c.version;
        } catch (e) {
          throw badRequest(`Invalid route destination ${JSON.stringify(r.destination)}: ${(e as Error).message}`, { route: r });
        }
        try {
          const p = parseIp(r.nexthop);
          nexthop = canonicalIp(r.nexthop);
          nv = p.version;
        } catch (e) {
          throw badRequest(`Invalid route nexthop ${JSON.stringify(r.nexthop)}: ${(e as Error).message}`, { route: r });
        }
        if (dv !== nv) throw badRequest(`Route ${destination} via ${nexthop} mixes IP versions`, { route: r });
        if (own.has(nexthop)) throw badRequest(`The nexthop ${nexthop} is used by router ${routerId}`, { route: r });
        if (!addresses.some((a) => ipInCidr(nexthop, a.cidr))) {
          throw badRequest(`Invalid format for routes: the nexthop ${nexthop} is not connected with router ${routerId}`, { route: r });
        }
        const key = `${destination} ${nexthop}`;
        if (seen.has(key)) throw badRequest(`Duplicate route ${destination} via ${nexthop}`, { route: r });
        seen.add(key);
        out.push({ destination, nexthop });
      }
      this.s.stmt('UPDATE lab_routers SET routes = ? WHERE id = ?').run(JSON.stringify(out), routerId);
      return this.read('router', routerId);
    });
  }

  async health(): Promise<DriverHealth> {
    const exists = this.s.stmt('SELECT 1 FROM pods WHERE pod_id = ?').pluck().get(this.podId) !== undefined;
    return {
      reachable: exists,
      auth: 'not-required',
      extensions: { router: true, 'external-net': true, extraroute: true },
      error: exists ? null : { code: 'POD_NOT_FOUND', message: `Pod ${this.podId} does not exist in this lab` },
    };
  }

  close(): void {
    // The database belongs to the store; nothing is held per driver.
  }

  // ---- creates -----------------------------------------------------------------------------

  private createNetwork(b: CreateBodies['network']): BottomNetwork {
    const type = b['provider:network_type'] ?? null;
    const physnet = b['provider:physical_network'] ?? null;
    const seg = b['provider:segmentation_id'] ?? null;
    if (seg !== null && (!Number.isInteger(seg) || (type === 'vlan' && (seg < 1 || seg > 4094)))) {
      throw badRequest(`Invalid provider:segmentation_id ${String(seg)}`, { 'provider:segmentation_id': seg });
    }
    if (type === 'flat' && physnet !== null) {
      const other = this.s
        .stmt("SELECT id FROM lab_networks WHERE pod_id = ? AND provider_network_type = 'flat' AND provider_physical_network = ?")
        .pluck()
        .get(this.podId, physnet) as string | undefined;
      if (other) {
        throw new CrosspodError('CONFLICT', `Unable to create the flat network. Physical network ${physnet} is in use`, {
          physical_network: physnet,
          network_id: other,
        });
      }
    }
    if (type === 'vlan' && physnet !== null && seg !== null) {
      const other = this.s
        .stmt(
          "SELECT id FROM lab_networks WHERE pod_id = ? AND provider_network_type = 'vlan' AND provider_physical_network = ? AND provider_segmentation_id = ?",
        )
        .pluck()
        .get(this.podId, physnet, seg) as string | undefined;
      if (other) {
        throw new CrosspodError('CONFLICT', `Unable to create the network. The VLAN ${seg} on physical network ${physnet} is in use`, {
          physical_network: physnet,
          segmentation_id: seg,
          network_id: other,
        });
      }
    }
    const id = randomUUID();
    this.s
      .stmt(
        `INSERT INTO lab_networks (id, pod_id, name, project_id, router_external, provider_network_type,
           provider_physical_network, provider_segmentation_id, admin_state_up, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, this.podId, b.name ?? '', b.project_id ?? '', bit(b['router:external'], false), type, physnet, seg, bit(b.admin_state_up, true), b.description ?? '');
    return this.read('network', id);
  }

  private createSubnet(b: CreateBodies['subnet']): BottomSubnet {
    const net = this.row('network', b.network_id);
    const n = normalizeSubnet({ cidr: b.cidr, ip_version: b.ip_version, gateway_ip: b.gateway_ip, allocation_pools: b.allocation_pools });
    const siblings = this.s.stmt('SELECT id, cidr FROM lab_subnets WHERE network_id = ?').all(net.id) as { id: string; cidr: string }[];
    const clash = siblings.find((o) => cidrsOverlap(o.cidr, n.cidr));
    if (clash) {
      throw new CrosspodError('SUBNET_OVERLAP', `Requested subnet with cidr ${n.cidr} for network ${net.id} overlaps with subnet ${clash.id} (${clash.cidr})`, {
        network_id: net.id,
        cidr: n.cidr,
        other_subnet_id: clash.id,
        other_cidr: clash.cidr,
      });
    }
    const id = randomUUID();
    this.s
      .stmt(
        `INSERT INTO lab_subnets (id, pod_id, network_id, name, project_id, cidr, ip_version, gateway_ip, allocation_pools, enable_dhcp,
           dns_nameservers, host_routes, description)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        this.podId,
        net.id,
        b.name ?? '',
        b.project_id ?? '',
        n.cidr,
        n.ip_version,
        n.gateway_ip,
        JSON.stringify(n.allocation_pools),
        bit(b.enable_dhcp, true),
        JSON.stringify(dnsServers(b.dns_nameservers ?? [])),
        JSON.stringify(hostRoutes(b.host_routes ?? [])),
        b.description ?? '',
      );
    this.s.ipam().addSubnet(id, n);
    if (b.enable_dhcp !== false) this.queueDhcp(id);
    return this.read('subnet', id);
  }

  private createPort(b: CreateBodies['port']): BottomPort {
    const net = this.row('network', b.network_id);
    if (b.fixed_ips !== undefined && !Array.isArray(b.fixed_ips)) throw badRequest('fixed_ips must be a list');
    // Neutron: groups need port security on.
    if (b.port_security_enabled === false && (b.security_groups?.length ?? 0) > 0) throw portSecurityRequired();
    if (b.security_groups !== undefined || b.port_security_enabled === false) {
      const port = this.insertPort(net, { name: b.name ?? '', project_id: b.project_id ?? '', device_id: b.device_id ?? '', device_owner: b.device_owner ?? '', mac_address: b.mac_address, fixed_ips: b.fixed_ips, admin_state_up: b.admin_state_up, description: b.description });
      if (b.security_groups !== undefined) this.sg.setPortGroups(port.id, b.security_groups);
      if (b.port_security_enabled === false) this.s.stmt('UPDATE lab_ports SET port_security_enabled = 0 WHERE id = ?').run(port.id);
      return this.read('port', port.id);
    }
    return this.insertPort(net, {
      name: b.name ?? '',
      project_id: b.project_id ?? '',
      device_id: b.device_id ?? '',
      device_owner: b.device_owner ?? '',
      mac_address: b.mac_address,
      fixed_ips: b.fixed_ips,
      admin_state_up: b.admin_state_up,
      description: b.description,
    });
  }

  private createRouter(b: CreateBodies['router']): BottomRouter {
    const id = randomUUID();
    this.s
      .stmt('INSERT INTO lab_routers (id, pod_id, name, project_id, distributed, description) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, this.podId, b.name ?? '', b.project_id ?? '', bit(b.distributed, false), b.description ?? '');
    return this.read('router', id);
  }

  private createFloatingIp(b: CreateBodies['floatingip']): BottomFloatingIp {
    const net = this.row('network', b.floating_network_id);
    if (net.router_external !== 1) throw badRequest(`Network ${net.id} is not a valid external network`, { network_id: net.id });
    if (b.fixed_ip_address !== undefined && (b.port_id === undefined || b.port_id === null)) {
      throw badRequest('fixed_ip_address cannot be specified without a port_id');
    }
    const id = randomUUID();
    const port = this.insertPort(
      net,
      {
        name: '',
        project_id: '',
        device_id: id,
        device_owner: OWNER_FLOATINGIP,
        fixed_ips: b.floating_ip_address !== undefined ? [{ ip_address: b.floating_ip_address }] : undefined,
      },
      true,
    );
    const address = port.fixed_ips[0]?.ip_address;
    if (address === undefined) throw badRequest(`Network ${net.id} does not contain any IPv4 subnet`, { network_id: net.id });
    this.s
      .stmt(
        `INSERT INTO lab_floating_ips (id, pod_id, project_id, floating_network_id, floating_ip_address, floating_port_id)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(id, this.podId, b.project_id ?? '', net.id, address, port.id);
    if (b.port_id !== undefined && b.port_id !== null) {
      this.bindFloatingIp(this.row('floatingip', id), b.port_id, b.fixed_ip_address);
    }
    return this.read('floatingip', id);
  }

  // ---- deletes -----------------------------------------------------------------------------

  private deleteNetwork(id: string): void {
    this.row('network', id);
    for (const dhcp of this.s.stmt('SELECT id FROM lab_ports WHERE network_id = ? AND device_owner = ?').pluck().all(id, OWNER_DHCP) as string[]) {
      this.removePort(dhcp);
    }
    const port = this.s.stmt('SELECT id, device_owner FROM lab_ports WHERE network_id = ? LIMIT 1').get(id) as
      | { id: string; device_owner: string }
      | undefined;
    if (port) {
      throw new CrosspodError('NETWORK_IN_USE', `Unable to complete operation on network ${id}. There are one or more ports still in use on the network`, {
        network_id: id,
        port_id: port.id,
        device_owner: port.device_owner,
      });
    }
    // Subnets go by cascade; a trigger drops their IPAM rows.
    this.s.stmt('DELETE FROM lab_networks WHERE id = ?').run(id);
  }

  private deleteSubnet(id: string): void {
    this.row('subnet', id);
    this.dropDhcpAddresses(id);
    const used = this.s.stmt('SELECT port_id FROM lab_port_ips WHERE subnet_id = ? LIMIT 1').pluck().get(id) as string | undefined;
    if (used !== undefined) {
      throw new CrosspodError('SUBNET_IN_USE', `Unable to complete operation on subnet ${id}: one or more ports have an IP allocation from this subnet`, {
        subnet_id: id,
        port_id: used,
      });
    }
    this.s.stmt('DELETE FROM lab_subnets WHERE id = ?').run(id);
  }

  private deletePort(id: string): void {
    const port = this.row('port', id);
    const routerPort = this.s.stmt('SELECT router_id, port_type FROM lab_router_ports WHERE port_id = ?').get(id) as
      | { router_id: string; port_type: string }
      | undefined;
    const fip = this.s.stmt('SELECT id FROM lab_floating_ips WHERE floating_port_id = ?').pluck().get(id) as string | undefined;
    if (routerPort || fip !== undefined) {
      // Neutron's ServicePortInUse (409): router and floating IP ports go through their owner.
      throw new CrosspodError('PORT_IN_USE', `Port ${id} cannot be deleted directly via the port API: it has device owner ${port.device_owner}`, {
        port_id: id,
        device_owner: port.device_owner,
        device_id: routerPort?.router_id ?? fip,
      });
    }
    this.removePort(id);
  }

  private deleteRouter(id: string): void {
    this.row('router', id);
    const iface = this.s
      .stmt('SELECT port_id FROM lab_router_ports WHERE router_id = ? AND port_type = ? LIMIT 1')
      .pluck()
      .get(id, OWNER_INTERFACE) as string | undefined;
    if (iface !== undefined) {
      throw new CrosspodError('ROUTER_IN_USE', `Router ${id} still has ports`, { router_id: id, port_id: iface });
    }
    const gw = this.gatewayPortId(id);
    if (gw !== null) this.removePort(gw);
    this.s.stmt('DELETE FROM lab_routers WHERE id = ?').run(id);
  }

  private deleteFloatingIp(id: string): void {
    const fip = this.row('floatingip', id);
    this.s.stmt('DELETE FROM lab_floating_ips WHERE id = ?').run(id);
    this.removePort(fip.floating_port_id);
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** Runs a mutation in one transaction; a missing pod reads as POD_NOT_FOUND, not an FK error. */
  private write<T>(fn: () => T): T {
    try {
      return this.s.tx(() => {
        const out = fn();
        this.dhcpAgentTurn();
        return out;
      });
    } catch (e) {
      this.freshDhcp.clear();
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY' && !this.podExists()) {
        throw new CrosspodError('POD_NOT_FOUND', `Pod ${this.podId} does not exist in this lab`, { pod_id: this.podId });
      }
      throw e;
    }
  }

  private podExists(): boolean {
    return this.s.stmt('SELECT 1 FROM pods WHERE pod_id = ?').pluck().get(this.podId) !== undefined;
  }

  private row<K extends ResourceKind>(kind: K, id: string): Rows[K] {
    if (!Object.hasOwn(SELECT, kind)) throw badRequest(`Unknown resource kind ${String(kind)}`);
    if (typeof id !== 'string') throw notFound(kind, String(id));
    const { sql, alias } = SELECT[kind];
    const r = this.s.stmt(`${sql} WHERE ${alias}.id = ? AND ${alias}.pod_id = ?`).get(id, this.podId) as Rows[K] | undefined;
    if (!r) throw notFound(kind, id);
    return r;
  }

  private read<K extends ResourceKind>(kind: K, id: string): BottomTypes[K] {
    const to = TO_BOTTOM[kind] as (r: Rows[K]) => BottomTypes[K];
    return to(this.row(kind, id));
  }

  private interfaceRef(ref: InterfaceRef): { subnetId?: string; portId?: string } {
    const r = (ref ?? {}) as { subnet_id?: unknown; port_id?: unknown };
    const hasSubnet = r.subnet_id !== undefined && r.subnet_id !== null;
    const hasPort = r.port_id !== undefined && r.port_id !== null;
    if (hasSubnet === hasPort) throw badRequest('Either subnet_id or port_id must be specified, not both');
    if (hasSubnet && typeof r.subnet_id !== 'string') throw badRequest('subnet_id must be a string');
    if (hasPort && typeof r.port_id !== 'string') throw badRequest('port_id must be a string');
    return hasSubnet ? { subnetId: r.subnet_id as string } : { portId: r.port_id as string };
  }

  private gatewayPortId(routerId: string): string | null {
    const id = this.s
      .stmt('SELECT port_id FROM lab_router_ports WHERE router_id = ? AND port_type = ?')
      .pluck()
      .get(routerId, OWNER_GATEWAY) as string | undefined;
    return id ?? null;
  }

  private routerAddresses(routerId: string): RouterAddress[] {
    return this.s
      .stmt(
        `SELECT rp.port_id, rp.port_type, ip.subnet_id, ip.ip_address, s.cidr
           FROM lab_router_ports rp
           JOIN lab_port_ips ip ON ip.port_id = rp.port_id
           JOIN lab_subnets s ON s.id = ip.subnet_id
          WHERE rp.router_id = ?
          ORDER BY rp.rowid, ip.position`,
      )
      .all(routerId) as RouterAddress[];
  }

  /** Neutron's 409s on remove_router_interface: a route's nexthop or a floating IP uses the subnet. */
  private assertInterfaceUnused(router: RouterRow, iface: RouterAddress): void {
    const routes = JSON.parse(router.routes) as Route[];
    const route = routes.find((r) => ipInCidr(r.nexthop, iface.cidr));
    if (route) {
      throw new CrosspodError(
        'ROUTER_IN_USE',
        `Router interface for subnet ${iface.subnet_id} on router ${router.id} cannot be deleted, as it is required by one or more routes`,
        { router_id: router.id, subnet_id: iface.subnet_id, route },
      );
    }
    const fips = this.s.stmt('SELECT id, fixed_ip_address FROM lab_floating_ips WHERE router_id = ?').all(router.id) as {
      id: string;
      fixed_ip_address: string;
    }[];
    const fip = fips.find((x) => x.fixed_ip_address !== null && ipInCidr(x.fixed_ip_address, iface.cidr));
    if (fip) {
      throw new CrosspodError(
        'ROUTER_IN_USE',
        `Router interface for subnet ${iface.subnet_id} on router ${router.id} cannot be deleted, as it is required by floating IP ${fip.id}`,
        { router_id: router.id, subnet_id: iface.subnet_id, floatingip_id: fip.id },
      );
    }
  }

  /**
   * Inserts a port with its addresses: the requested ones (explicit addresses honoured, a subnet
   * alone gets its lowest free address), or by default one address from the first subnet with
   * room, IPv4 subnets first (v4Only: IPv4 subnets only, for floating IPs).
   */
  private insertPort(
    net: NetworkRow,
    p: {
      name: string;
      project_id: string;
      device_id: string;
      device_owner: string;
      mac_address?: string;
      fixed_ips?: FixedIpRequest[];
      admin_state_up?: boolean;
      description?: string;
    },
    v4Only = false,
  ): BottomPort {
    const id = randomUUID();
    const mac = this.pickMac(net.id, p.mac_address);
    const ips = this.allocateFixedIps(net, p.fixed_ips, v4Only);
    const up = p.admin_state_up !== false;
    this.s
      .stmt(
        `INSERT INTO lab_ports (id, pod_id, network_id, name, project_id, mac_address, device_id, device_owner, admin_state_up, description)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, this.podId, net.id, p.name, p.project_id, mac, p.device_id, p.device_owner, up ? 1 : 0, p.description ?? '');
    const insertIp = this.s.stmt('INSERT INTO lab_port_ips (port_id, position, pod_id, subnet_id, ip_address) VALUES (?, ?, ?, ?, ?)');
    ips.forEach((ip, i) => insertIp.run(id, i, this.podId, ip.subnet_id, ip.ip_address));
    return {
      id,
      name: p.name,
      network_id: net.id,
      project_id: p.project_id,
      mac_address: mac,
      fixed_ips: ips,
      device_id: p.device_id,
      device_owner: p.device_owner,
      admin_state_up: up,
      status: 'DOWN',
      description: p.description ?? '',
      security_groups: [],
      port_security_enabled: true,
    };
  }

  private pickMac(networkId: string, requested: string | undefined): string {
    const taken = this.s.stmt('SELECT 1 FROM lab_ports WHERE network_id = ? AND mac_address = ?').pluck();
    if (requested !== undefined) {
      if (typeof requested !== 'string' || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(requested)) {
        throw badRequest(`Invalid mac_address ${JSON.stringify(requested)}`, { mac_address: requested });
      }
      const mac = requested.toLowerCase();
      if (taken.get(networkId, mac) !== undefined) {
        throw new CrosspodError('CONFLICT', `Unable to complete operation for network ${networkId}. The mac address ${mac} is in use`, {
          network_id: networkId,
          mac_address: mac,
        });
      }
      return mac;
    }
    for (let i = 0; i < 16; i++) {
      const mac = randomNeutronMac();
      if (taken.get(networkId, mac) === undefined) return mac;
    }
    throw new CrosspodError('CONFLICT', `No free MAC address for network ${networkId}`, { network_id: networkId });
  }

  private allocateFixedIps(net: NetworkRow, requested: FixedIpRequest[] | undefined, v4Only: boolean): FixedIp[] {
    const ipam = this.s.ipam();
    const subnets = this.s
      .stmt('SELECT id, cidr, ip_version FROM lab_subnets WHERE network_id = ? ORDER BY rowid')
      .all(net.id) as { id: string; cidr: string; ip_version: 4 | 6 }[];

    if (requested === undefined) {
      const v4 = subnets.filter((s) => s.ip_version === 4);
      const candidates = v4Only ? v4 : [...v4, ...subnets.filter((s) => s.ip_version === 6)];
      if (candidates.length === 0) return [];
      for (const sub of candidates) {
        try {
          return [{ subnet_id: sub.id, ip_address: ipam.allocate(sub.id) }];
        } catch (e) {
          if ((e as CrosspodError).code !== 'SUBNET_EXHAUSTED') throw e;
        }
      }
      throw new CrosspodError('SUBNET_EXHAUSTED', `No more IP addresses available on network ${net.id}`, { network_id: net.id });
    }

    const out: FixedIp[] = [];
    for (const req of requested) {
      if (!req || typeof req !== 'object') throw badRequest('each fixed_ips entry must be {subnet_id?, ip_address?}', { fixed_ip: req });
      let subnetId: string;
      if (req.subnet_id !== undefined) {
        const sub = subnets.find((s) => s.id === req.subnet_id);
        if (!sub) {
          this.row('subnet', req.subnet_id); // NOT_FOUND when it does not exist at all
          throw badRequest(`Subnet ${req.subnet_id} is not on network ${net.id}`, { subnet_id: req.subnet_id, network_id: net.id });
        }
        subnetId = sub.id;
      } else if (req.ip_address !== undefined) {
        const ip = canonicalIp(req.ip_address);
        const sub = subnets.find((s) => ipInCidr(ip, s.cidr));
        if (!sub) {
          throw new CrosspodError('IP_NOT_IN_SUBNET', `IP address ${ip} is not a valid IP for any subnet on network ${net.id}`, {
            network_id: net.id,
            ip_address: ip,
          });
        }
        subnetId = sub.id;
      } else {
        throw badRequest('each fixed_ips entry needs a subnet_id or an ip_address', { fixed_ip: req });
      }
      out.push({ subnet_id: subnetId, ip_address: ipam.allocate(subnetId, req.ip_address) });
    }
    return out;
  }

  // ---- updates -----------------------------------------------------------------------------

  /** Neutron's subnet update: gateway and pools through IPAM's rules, DNS, host routes, DHCP. */
  private updateSubnet(cur: SubnetRow, b: Record<string, unknown>, set: (column: string, value: unknown) => void): void {
    if (b.gateway_ip !== undefined || b.allocation_pools !== undefined) {
      if (b.gateway_ip !== null && b.gateway_ip !== undefined && typeof b.gateway_ip !== 'string') throw badRequest('gateway_ip must be a string or null');
      if (b.allocation_pools !== undefined && !Array.isArray(b.allocation_pools)) throw badRequest('allocation_pools must be a list of {start, end}');
      const gateway = b.gateway_ip === undefined ? cur.gateway_ip : b.gateway_ip === null ? null : canonicalIp(b.gateway_ip as string);
      if (cur.gateway_ip !== null && gateway !== cur.gateway_ip) {
        // Neutron's GatewayIpInUse: a router port holds the current gateway.
        const holder = this.s
          .stmt(
            `SELECT ip.port_id FROM lab_port_ips ip JOIN lab_router_ports rp ON rp.port_id = ip.port_id
              WHERE ip.subnet_id = ? AND ip.ip_address = ? LIMIT 1`,
          )
          .pluck()
          .get(cur.id, cur.gateway_ip) as string | undefined;
        if (holder !== undefined) {
          throw new CrosspodError('GATEWAY_IP_IN_USE', `Current gateway ip ${cur.gateway_ip} already in use by port ${holder}. Unable to update.`, {
            subnet_id: cur.id,
            ip_address: cur.gateway_ip,
            port_id: holder,
          });
        }
      }
      const pools = (b.allocation_pools as { start: string; end: string }[] | undefined) ?? (JSON.parse(cur.allocation_pools) as { start: string; end: string }[]);
      const n = this.s.ipam().updateSubnet(cur.id, { gateway_ip: gateway, allocation_pools: pools });
      set('gateway_ip', n.gateway_ip);
      set('allocation_pools', JSON.stringify(n.allocation_pools));
    }
    if (b.dns_nameservers !== undefined) set('dns_nameservers', JSON.stringify(dnsServers(b.dns_nameservers)));
    if (b.host_routes !== undefined) set('host_routes', JSON.stringify(hostRoutes(b.host_routes)));
    if (b.enable_dhcp !== undefined) {
      if (typeof b.enable_dhcp !== 'boolean') throw badRequest('enable_dhcp must be a boolean');
      set('enable_dhcp', b.enable_dhcp ? 1 : 0);
      if (b.enable_dhcp && cur.enable_dhcp === 0) this.queueDhcp(cur.id);
      // The agent stops serving the subnet and gives its address back.
      if (!b.enable_dhcp && cur.enable_dhcp === 1) this.dropDhcpAddresses(cur.id);
    }
  }

  /** A port's whole fixed_ips list replaced: addresses kept stay, dropped ones go back, new ones are taken. */
  private replaceFixedIps(port: PortRow, requested: unknown): void {
    if (!Array.isArray(requested)) throw badRequest('fixed_ips must be a list');
    const net = this.row('network', port.network_id);
    const current = JSON.parse(port.fixed_ips) as FixedIp[];
    const ipam = this.s.ipam();
    const same = (a: FixedIpRequest, b: FixedIp) => a.subnet_id === b.subnet_id && a.ip_address !== undefined && canonicalIp(a.ip_address) === b.ip_address;
    for (const ip of current) if (!requested.some((r: FixedIpRequest) => same(r, ip))) ipam.release(ip.subnet_id, ip.ip_address);
    const kept = current.filter((ip) => requested.some((r: FixedIpRequest) => same(r, ip)));
    const added = this.allocateFixedIps(
      net,
      (requested as FixedIpRequest[]).filter((r) => !current.some((ip) => same(r, ip))),
      false,
    );
    const next = [...kept, ...added];
    this.s.stmt('DELETE FROM lab_port_ips WHERE port_id = ?').run(port.id);
    const insertIp = this.s.stmt('INSERT INTO lab_port_ips (port_id, position, pod_id, subnet_id, ip_address) VALUES (?, ?, ?, ?, ?)');
    next.forEach((ip, i) => insertIp.run(port.id, i, this.podId, ip.subnet_id, ip.ip_address));
  }

  // ---- the simulated DHCP agent ------------------------------------------------------------

  private queueDhcp(subnetId: string): void {
    this.s.stmt('INSERT OR IGNORE INTO lab_dhcp_pending (subnet_id, pod_id) VALUES (?, ?)').run(subnetId, this.podId);
    this.freshDhcp.add(subnetId);
  }

  /** The agent's turn: every waiting subnet but the ones this write made gets its DHCP port. */
  private dhcpAgentTurn(): void {
    const waiting = this.s
      .stmt('SELECT p.subnet_id, s.network_id, s.enable_dhcp FROM lab_dhcp_pending p JOIN lab_subnets s ON s.id = p.subnet_id WHERE p.pod_id = ?')
      .all(this.podId) as { subnet_id: string; network_id: string; enable_dhcp: number }[];
    for (const w of waiting) {
      if (this.freshDhcp.has(w.subnet_id)) continue;
      this.s.stmt('DELETE FROM lab_dhcp_pending WHERE subnet_id = ?').run(w.subnet_id);
      if (w.enable_dhcp !== 1) continue;
      try {
        // A savepoint: an agent that cannot serve a subnet (no free address) leaves no trace.
        this.s.tx(() => this.serveSubnet(w.subnet_id, w.network_id));
      } catch {
        // The real agent logs and retries later; the API call that gave it its turn succeeds.
      }
    }
    this.freshDhcp.clear();
  }

  /** neutron-dhcp-agent's setup_dhcp_port: its own port, else a reserved one claimed, else a new one. */
  private serveSubnet(subnetId: string, networkId: string): void {
    const agentDevice = `dhcp${this.podId}-${networkId}`;
    const ports = this.s
      .stmt(`${SELECT.port.sql} WHERE t.network_id = ? AND t.device_owner = ? ORDER BY t.rowid`)
      .all(networkId, OWNER_DHCP) as PortRow[];
    const port = ports.find((p) => p.device_id === agentDevice) ?? ports.find((p) => p.device_id === RESERVED_DHCP_PORT);
    if (!port) {
      this.insertPort(this.row('network', networkId), { name: '', project_id: '', device_id: agentDevice, device_owner: OWNER_DHCP, fixed_ips: [{ subnet_id: subnetId }] });
      return;
    }
    if (port.device_id !== agentDevice) this.s.stmt('UPDATE lab_ports SET device_id = ? WHERE id = ?').run(agentDevice, port.id);
    const ips = JSON.parse(port.fixed_ips) as FixedIp[];
    // A port that lacks the subnet gets an address there, Neutron's pick.
    if (!ips.some((ip) => ip.subnet_id === subnetId)) this.replaceFixedIps(port, [...ips, { subnet_id: subnetId }]);
  }

  /** DHCP ports lose their addresses on the subnet (Neutron's auto-delete); an empty one goes. */
  private dropDhcpAddresses(subnetId: string): void {
    this.s.stmt('DELETE FROM lab_dhcp_pending WHERE subnet_id = ?').run(subnetId);
    const held = this.s
      .stmt('SELECT ip.port_id, ip.ip_address FROM lab_port_ips ip JOIN lab_ports p ON p.id = ip.port_id WHERE ip.subnet_id = ? AND p.device_owner = ?')
      .all(subnetId, OWNER_DHCP) as { port_id: string; ip_address: string }[];
    for (const h of held) {
      this.s.stmt('DELETE FROM lab_port_ips WHERE port_id = ? AND subnet_id = ?').run(h.port_id, subnetId);
      this.s.ipam().release(subnetId, h.ip_address);
      const left = this.s.stmt('SELECT 1 FROM lab_port_ips WHERE port_id = ? LIMIT 1').pluck().get(h.port_id);
      if (left === undefined) this.s.stmt('DELETE FROM lab_ports WHERE id = ?').run(h.port_id);
    }
  }

  /** Deletes a port: floating IPs bound to it are unbound, its addresses go back to IPAM. */
  private removePort(id: string): void {
    const ips = this.s.stmt('SELECT subnet_id, ip_address FROM lab_port_ips WHERE port_id = ?').all(id) as FixedIp[];
    this.s.stmt('UPDATE lab_floating_ips SET port_id = NULL, fixed_ip_address = NULL, router_id = NULL WHERE port_id = ?').run(id);
    const ipam = this.s.ipam();
    for (const ip of ips) ipam.release(ip.subnet_id, ip.ip_address);
    this.s.stmt('DELETE FROM lab_ports WHERE id = ?').run(id);
  }

  private unbindFloatingIp(id: string): void {
    this.s.stmt('UPDATE lab_floating_ips SET port_id = NULL, fixed_ip_address = NULL, router_id = NULL WHERE id = ?').run(id);
  }

  private bindFloatingIp(fip: FloatingIpRow, portId: string, fixedIp: string | undefined): void {
    if (typeof portId !== 'string') throw badRequest('port_id must be a string or null');
    const port = toPortBody(this.row('port', portId));
    let fixed: FixedIp | undefined;
    if (fixedIp !== undefined) {
      const want = canonicalIp(fixedIp);
      fixed = port.fixed_ips.find((ip) => ip.ip_address === want);
      if (!fixed) throw badRequest(`Port ${port.id} does not have fixed ip ${want}`, { port_id: port.id, fixed_ip_address: want });
    } else {
      fixed = port.fixed_ips.find((ip) => isV4(ip.ip_address));
      if (!fixed) throw badRequest(`Port ${port.id} has no IPv4 address to bind a floating IP to`, { port_id: port.id });
    }
    // A router with an interface on the fixed address's subnet and its gateway on the FIP's network.
    const routerId = this.s
      .stmt(
        `SELECT i.router_id
           FROM lab_router_ports i
           JOIN lab_port_ips ii ON ii.port_id = i.port_id AND ii.subnet_id = ?
           JOIN lab_router_ports g ON g.router_id = i.router_id AND g.port_type = '${OWNER_GATEWAY}'
           JOIN lab_ports gp ON gp.id = g.port_id
          WHERE i.pod_id = ? AND i.port_type = '${OWNER_INTERFACE}' AND gp.network_id = ?
          ORDER BY i.rowid LIMIT 1`,
      )
      .pluck()
      .get(fixed.subnet_id, this.podId, fip.floating_network_id) as string | undefined;
    if (routerId === undefined) {
      throw new CrosspodError(
        'EXTERNAL_GATEWAY_NOT_FOUND',
        `External network ${fip.floating_network_id} is not reachable from subnet ${fixed.subnet_id}. Therefore, cannot associate port ${port.id} with a floating IP`,
        { port_id: port.id, subnet_id: fixed.subnet_id, floating_network_id: fip.floating_network_id },
      );
    }
    const other = this.s
      .stmt('SELECT id FROM lab_floating_ips WHERE port_id = ? AND fixed_ip_address = ? AND floating_network_id = ? AND id <> ?')
      .pluck()
      .get(port.id, fixed.ip_address, fip.floating_network_id, fip.id) as string | undefined;
    if (other !== undefined) {
      throw new CrosspodError(
        'FLOATING_IP_ASSOCIATED',
        `Cannot associate floating IP ${fip.floating_ip_address} (${fip.id}) with port ${port.id} using fixed IP ${fixed.ip_address}, as that fixed IP already has floating IP ${other} on external network ${fip.floating_network_id}`,
        { floatingip_id: fip.id, port_id: port.id, fixed_ip_address: fixed.ip_address, other_floatingip_id: other },
      );
    }
    this.s
      .stmt('UPDATE lab_floating_ips SET port_id = ?, fixed_ip_address = ?, router_id = ? WHERE id = ?')
      .run(port.id, fixed.ip_address, routerId, fip.id);
  }
}

function dnsServers(v: unknown): string[] {
  if (!Array.isArray(v)) throw badRequest('dns_nameservers must be a list of addresses');
  return v.map((x) => {
    try {
      return canonicalIp(String(x));
    } catch {
      throw badRequest(`Invalid DNS nameserver ${JSON.stringify(x)}`, { dns_nameserver: x });
    }
  });
}

function hostRoutes(v: unknown): HostRoute[] {
  if (!Array.isArray(v)) throw badRequest('host_routes must be a list of {destination, nexthop}');
  return v.map((r: { destination?: unknown; nexthop?: unknown }) => {
    try {
      return { destination: parseCidr(String(r?.destination)).cidr, nexthop: canonicalIp(String(r?.nexthop)) };
    } catch {
      throw badRequest(`Invalid host route ${JSON.stringify(r)}`, { host_route: r });
    }
  });
}

function toPortBody(r: PortRow): BottomPort {
  return TO_BOTTOM.port(r);
}

function interfaceNotFound(routerId: string, ref: { subnet_id?: string; port_id?: string }): CrosspodError {
  const what = ref.port_id !== undefined ? `port ${ref.port_id}` : `subnet ${ref.subnet_id}`;
  return new CrosspodError('ROUTER_INTERFACE_NOT_FOUND', `Router ${routerId} has no interface on ${what}`, { router_id: routerId, ...ref });
}

/** The driver of one embedded pod. Cheap: state is shared per database. */
export function createLabDriver(db: Db, podId: string): PodDriver {
  return new LabDriver(db, podId);
}
