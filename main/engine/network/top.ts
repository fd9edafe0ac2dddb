// Reading and writing the top view's rows, and turning them into contract bodies.
import type { ExternalGatewayInfo, FixedIp, FloatingIp, HostRoute, Network, Port, Route, Router, Subnet } from '../../../shared/model';
import { json, notFound } from '../context';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store';
import { randomNeutronMac } from '../ipam/mac';
import { ipInCidr } from '../ipam/cidr';

/** A named-parameter insert whose row may leave out the columns given here. */
function withDefaults(stmt: Statement, defaults: Record<string, unknown>): { run(row: object): unknown } {
  return { run: (row) => stmt.run({ ...defaults, ...row }) };
}

export interface NetworkRow {
  id: string;
  name: string;
  project_id: string;
  router_external: number;
  az_hints: string;
  provider_network_type: string | null;
  provider_physical_network: string | null;
  provider_segmentation_id: number | null;
  admin_state_up: number;
  shared: number;
  status: string;
  bridge: 'ew' | 'ns' | null;
  /** The router an N-S bridge serves (migration 0006); set after insert, so optional here. */
  bridge_router_id?: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * The subnet of a network an address comes from, as Neutron picks it: the subnet named, else the
 * one that holds the address, else the first IPv4 subnet (else the first). Services allocating
 * and lock plans naming the range use it alike.
 */
export function subnetFor<S extends { id: string; cidr: string; ip_version: number }>(subnets: S[], want: { subnet_id?: string; ip_address?: string | null }): S | undefined {
  if (want.subnet_id) return subnets.find((s) => s.id === want.subnet_id);
  if (want.ip_address) return subnets.find((s) => ipInCidr(want.ip_address!, s.cidr));
  return subnets.find((s) => s.ip_version === 4) ?? subnets[0];
}

export interface SubnetRow {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  cidr: string;
  ip_version: number;
  gateway_ip: string | null;
  allocation_pools: string;
  enable_dhcp: number;
  /** JSON lists; a new row may leave them out (empty). */
  dns_nameservers?: string;
  host_routes?: string;
  created_at: string;
  updated_at: string;
}

export interface PortRow {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  mac_address: string;
  device_owner: string;
  device_id: string;
  admin_state_up: number;
  status: string;
  /** port-security extension: 0 = no groups, admits everything. */
  port_security_enabled: number;
  created_at: string;
  updated_at: string;
}

export interface RouterRow {
  id: string;
  name: string;
  project_id: string;
  admin_state_up: number;
  status: string;
  gw_network_id: string | null;
  gw_port_id: string | null;
  enable_snat: number;
  routes: string;
  created_at: string;
  updated_at: string;
}

export interface FipRow {
  id: string;
  project_id: string;
  floating_network_id: string;
  floating_subnet_id: string;
  floating_ip_address: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  status: string;
  created_at: string;
  updated_at: string;
}

export const OWNER_ROUTER_INTERFACE = 'network:router_interface';
export const OWNER_ROUTER_GATEWAY = 'network:router_gateway';

/**
 * The top tables' owner: their prepared statements, prepared once per engine, kept private behind
 * typed methods (no other module runs them), and the rows turned into contract bodies.
 */
export class TopStore {
  private readonly q;
  /** secgroups hook: a port's security groups for toPort (the table is secgroups/store.ts's). */
  private readonly portGroups;

  constructor(readonly db: Db) {
    this.portGroups = db.prepare('SELECT security_group_id FROM port_security_groups WHERE port_id = ? ORDER BY position').pluck();
    this.q = {
      net: db.prepare('SELECT * FROM networks WHERE id = ?'),
      netByName: db.prepare('SELECT * FROM networks WHERE name = ? ORDER BY created_at LIMIT 1'),
      extNets: db.prepare('SELECT * FROM networks WHERE router_external = 1 ORDER BY created_at, rowid'),
      insertNet: db.prepare(
        `INSERT INTO networks (id, name, project_id, router_external, az_hints, provider_network_type, provider_physical_network,
          provider_segmentation_id, admin_state_up, shared, status, bridge, created_at, updated_at)
         VALUES (@id, @name, @project_id, @router_external, @az_hints, @provider_network_type, @provider_physical_network,
          @provider_segmentation_id, @admin_state_up, @shared, @status, @bridge, @created_at, @updated_at)`,
      ),
      updateNet: db.prepare('UPDATE networks SET name = ?, admin_state_up = ?, updated_at = ? WHERE id = ?'),
      deleteNet: db.prepare('DELETE FROM networks WHERE id = ?'),
      nsBridgeOfRouter: db.prepare("SELECT * FROM networks WHERE bridge = 'ns' AND bridge_router_id = ?"),
      setBridgeRouter: db.prepare('UPDATE networks SET bridge_router_id = ? WHERE id = ?'),
      subnet: db.prepare('SELECT * FROM subnets WHERE id = ?'),
      subnetsOf: db.prepare('SELECT * FROM subnets WHERE network_id = ? ORDER BY created_at, rowid'),
      subnetIdsOf: db.prepare('SELECT id FROM subnets WHERE network_id = ? ORDER BY created_at, rowid'),
      insertSubnet: withDefaults(
        db.prepare(
          `INSERT INTO subnets (id, name, network_id, project_id, cidr, ip_version, gateway_ip, allocation_pools, enable_dhcp, dns_nameservers,
            host_routes, created_at, updated_at)
           VALUES (@id, @name, @network_id, @project_id, @cidr, @ip_version, @gateway_ip, @allocation_pools, @enable_dhcp, @dns_nameservers,
            @host_routes, @created_at, @updated_at)`,
        ),
        { dns_nameservers: '[]', host_routes: '[]' },
      ),
      updateSubnet: db.prepare(
        `UPDATE subnets SET name = @name, gateway_ip = @gateway_ip, allocation_pools = @allocation_pools, enable_dhcp = @enable_dhcp,
          dns_nameservers = @dns_nameservers, host_routes = @host_routes, updated_at = @updated_at WHERE id = @id`,
      ),
      dhcpReservation: db.prepare('SELECT ip_address FROM dhcp_reservations WHERE subnet_id = ?').pluck(),
      insertDhcpReservation: db.prepare('INSERT INTO dhcp_reservations (subnet_id, ip_address) VALUES (?, ?)'),
      deleteDhcpReservation: db.prepare('DELETE FROM dhcp_reservations WHERE subnet_id = ?'),
      deleteSubnet: db.prepare('DELETE FROM subnets WHERE id = ?'),
      port: db.prepare('SELECT * FROM ports WHERE id = ?'),
      portByName: db.prepare('SELECT * FROM ports WHERE name = ? LIMIT 1'),
      portAt: db.prepare('SELECT p.* FROM port_ips i JOIN ports p ON p.id = i.port_id WHERE i.subnet_id = ? AND i.ip_address = ? LIMIT 1'),
      portIps: db.prepare('SELECT subnet_id, ip_address FROM port_ips WHERE port_id = ? ORDER BY position'),
      portsOfNet: db.prepare('SELECT COUNT(*) AS n FROM ports WHERE network_id = ?'),
      ipsOfSubnet: db.prepare('SELECT COUNT(*) AS n FROM port_ips WHERE subnet_id = ?'),
      insertPort: db.prepare(
        `INSERT INTO ports (id, name, network_id, project_id, mac_address, device_owner, device_id, admin_state_up, status, port_security_enabled, created_at, updated_at)
         VALUES (@id, @name, @network_id, @project_id, @mac_address, @device_owner, @device_id, @admin_state_up, @status, @port_security_enabled, @created_at, @updated_at)`,
      ),
      insertPortIp: db.prepare('INSERT INTO port_ips (port_id, subnet_id, ip_address, position) VALUES (?, ?, ?, ?)'),
      setDevice: db.prepare('UPDATE ports SET device_id = ?, device_owner = ?, updated_at = ? WHERE id = ?'),
      updatePort: db.prepare(
        'UPDATE ports SET name = @name, admin_state_up = @admin_state_up, device_owner = @device_owner, device_id = @device_id, port_security_enabled = @port_security_enabled, updated_at = @updated_at WHERE id = @id',
      ),
      deletePortIps: db.prepare('DELETE FROM port_ips WHERE port_id = ?'),
      deletePort: db.prepare('DELETE FROM ports WHERE id = ?'),
      macTaken: db.prepare('SELECT 1 FROM ports WHERE mac_address = ?'),
      routerPorts: db.prepare('SELECT * FROM ports WHERE device_id = ? AND device_owner = ? ORDER BY created_at, rowid'),
      router: db.prepare('SELECT * FROM routers WHERE id = ?'),
      routersOfProject: db.prepare('SELECT COUNT(*) AS n FROM routers WHERE project_id = ?'),
      insertRouter: db.prepare(
        `INSERT INTO routers (id, name, project_id, admin_state_up, status, gw_network_id, gw_port_id, enable_snat, routes, created_at, updated_at)
         VALUES (@id, @name, @project_id, @admin_state_up, @status, @gw_network_id, @gw_port_id, @enable_snat, @routes, @created_at, @updated_at)`,
      ),
      updateRouter: db.prepare('UPDATE routers SET name = ?, admin_state_up = ?, routes = ?, updated_at = ? WHERE id = ?'),
      setGateway: db.prepare('UPDATE routers SET gw_network_id = ?, gw_port_id = ?, enable_snat = ?, updated_at = ? WHERE id = ?'),
      deleteRouter: db.prepare('DELETE FROM routers WHERE id = ?'),
      // The router with an interface on this subnet and its gateway on this network (Neutron's FIP rule).
      routerBetween: db.prepare(
        `SELECT r.id, r.project_id FROM port_ips i JOIN ports p ON p.id = i.port_id AND p.device_owner = 'network:router_interface'
         JOIN routers r ON r.id = p.device_id WHERE i.subnet_id = ? AND r.gw_network_id = ? ORDER BY r.created_at LIMIT 1`,
      ),
      fip: db.prepare('SELECT * FROM floating_ips WHERE id = ?'),
      fipIds: db.prepare('SELECT id FROM floating_ips ORDER BY rowid LIMIT ?').pluck(),
      fipIdsOf: db.prepare('SELECT id FROM floating_ips WHERE project_id = ? ORDER BY rowid LIMIT ?').pluck(),
      fipCount: db.prepare('SELECT COUNT(*) FROM floating_ips').pluck(),
      fipCountOf: db.prepare('SELECT COUNT(*) FROM floating_ips WHERE project_id = ?').pluck(),
      fipsOfPort: db.prepare('SELECT * FROM floating_ips WHERE port_id = ?'),
      fipsByRouter: db.prepare('SELECT * FROM floating_ips WHERE router_id = ? ORDER BY floating_ip_address'),
      fipsOfNet: db.prepare('SELECT COUNT(*) AS n FROM floating_ips WHERE floating_network_id = ?'),
      fipsOfSubnet: db.prepare('SELECT COUNT(*) AS n FROM floating_ips WHERE floating_subnet_id = ?'),
      insertFip: db.prepare(
        `INSERT INTO floating_ips (id, project_id, floating_network_id, floating_subnet_id, floating_ip_address, port_id, fixed_ip_address,
          router_id, status, created_at, updated_at)
         VALUES (@id, @project_id, @floating_network_id, @floating_subnet_id, @floating_ip_address, @port_id, @fixed_ip_address,
          @router_id, @status, @created_at, @updated_at)`,
      ),
      bindFip: db.prepare('UPDATE floating_ips SET port_id = ?, fixed_ip_address = ?, router_id = ?, status = ?, updated_at = ? WHERE id = ?'),
      deleteFip: db.prepare('DELETE FROM floating_ips WHERE id = ?'),
    };
  }

  network(id: string): NetworkRow {
    const r = this.q.net.get(id) as NetworkRow | undefined;
    if (!r) throw notFound('network', id);
    return r;
  }

  subnet(id: string): SubnetRow {
    const r = this.q.subnet.get(id) as SubnetRow | undefined;
    if (!r) throw notFound('subnet', id);
    return r;
  }

  /** The first port with this name (bridge ports have unique names, §7). */
  portByName(name: string): PortRow | undefined {
    return this.q.portByName.get(name) as PortRow | undefined;
  }

  port(id: string): PortRow {
    const r = this.q.port.get(id) as PortRow | undefined;
    if (!r) throw notFound('port', id);
    return r;
  }

  router(id: string): RouterRow {
    const r = this.q.router.get(id) as RouterRow | undefined;
    if (!r) throw notFound('router', id);
    return r;
  }

  fip(id: string): FipRow {
    const r = this.q.fip.get(id) as FipRow | undefined;
    if (!r) throw notFound('floatingip', id);
    return r;
  }

  // ---- The top tables' statements, typed: other modules read and write them only through these ----

  findNetwork(id: string): NetworkRow | undefined {
    return this.q.net.get(id) as NetworkRow | undefined;
  }

  /** The oldest network with this name. */
  networkByName(name: string): NetworkRow | undefined {
    return this.q.netByName.get(name) as NetworkRow | undefined;
  }

  externalNetworks(): NetworkRow[] {
    return this.q.extNets.all() as NetworkRow[];
  }

  insertNetwork(row: NetworkRow): void {
    this.q.insertNet.run(row);
  }

  updateNetwork(id: string, f: { name: string; admin_state_up: number; updated_at: string }): void {
    this.q.updateNet.run(f.name, f.admin_state_up, f.updated_at, id);
  }

  deleteNetwork(id: string): void {
    this.q.deleteNet.run(id);
  }

  portCountOfNetwork(networkId: string): number {
    return (this.q.portsOfNet.get(networkId) as { n: number }).n;
  }

  fipCountOfNetwork(networkId: string): number {
    return (this.q.fipsOfNet.get(networkId) as { n: number }).n;
  }

  findSubnet(id: string): SubnetRow | undefined {
    return this.q.subnet.get(id) as SubnetRow | undefined;
  }

  insertSubnet(row: SubnetRow): void {
    this.q.insertSubnet.run(row);
  }

  updateSubnet(row: SubnetRow): void {
    this.q.updateSubnet.run(row);
  }

  deleteSubnet(id: string): void {
    this.q.deleteSubnet.run(id);
  }

  /** Port addresses plus floating IPs taken from this subnet. */
  addressesInUse(subnetId: string): number {
    return (this.q.ipsOfSubnet.get(subnetId) as { n: number }).n + (this.q.fipsOfSubnet.get(subnetId) as { n: number }).n;
  }

  /** The address held for the subnet's DHCP port, if any. */
  dhcpReservation(subnetId: string): string | undefined {
    return this.q.dhcpReservation.get(subnetId) as string | undefined;
  }

  reserveDhcp(subnetId: string, ip: string): void {
    this.q.insertDhcpReservation.run(subnetId, ip);
  }

  dropDhcpReservation(subnetId: string): void {
    this.q.deleteDhcpReservation.run(subnetId);
  }

  findPort(id: string): PortRow | undefined {
    return this.q.port.get(id) as PortRow | undefined;
  }

  /** The port holding this address on this subnet. */
  portAt(subnetId: string, ip: string): PortRow | undefined {
    return this.q.portAt.get(subnetId, ip) as PortRow | undefined;
  }

  macTaken(mac: string): boolean {
    return this.q.macTaken.get(mac) !== undefined;
  }

  /** A new port with its fixed IPs, in order. */
  insertPort(row: PortRow, ips: FixedIp[]): void {
    this.q.insertPort.run(row);
    ips.forEach((ip, i) => this.q.insertPortIp.run(row.id, ip.subnet_id, ip.ip_address, i));
  }

  /** A port's fixed IPs replaced by these, in order. */
  setPortIps(portId: string, ips: FixedIp[]): void {
    this.q.deletePortIps.run(portId);
    ips.forEach((ip, i) => this.q.insertPortIp.run(portId, ip.subnet_id, ip.ip_address, i));
  }

  updatePort(row: PortRow): void {
    this.q.updatePort.run(row);
  }

  setDevice(portId: string, deviceId: string, deviceOwner: string, at: string): void {
    this.q.setDevice.run(deviceId, deviceOwner, at, portId);
  }

  deletePort(id: string): void {
    this.q.deletePort.run(id);
  }

  findRouter(id: string): RouterRow | undefined {
    return this.q.router.get(id) as RouterRow | undefined;
  }

  routerCount(projectId: string): number {
    return (this.q.routersOfProject.get(projectId) as { n: number }).n;
  }

  insertRouter(row: RouterRow): void {
    this.q.insertRouter.run(row);
  }

  updateRouter(id: string, f: { name: string; admin_state_up: number; routes: string; updated_at: string }): void {
    this.q.updateRouter.run(f.name, f.admin_state_up, f.routes, f.updated_at, id);
  }

  setGateway(routerId: string, g: { gw_network_id: string | null; gw_port_id: string | null; enable_snat: number; updated_at: string }): void {
    this.q.setGateway.run(g.gw_network_id, g.gw_port_id, g.enable_snat, g.updated_at, routerId);
  }

  deleteRouter(id: string): void {
    this.q.deleteRouter.run(id);
  }

  /** The router with an interface on this subnet and its gateway on this network (Neutron's floating-IP rule). */
  routerBetween(subnetId: string, networkId: string): { id: string; project_id: string } | undefined {
    return this.q.routerBetween.get(subnetId, networkId) as { id: string; project_id: string } | undefined;
  }

  findFip(id: string): FipRow | undefined {
    return this.q.fip.get(id) as FipRow | undefined;
  }

  /** The first `limit` floating IPs' ids in creation order, of one project or all. */
  fipIds(projectId: string | undefined, limit: number): string[] {
    return (projectId ? this.q.fipIdsOf.all(projectId, limit) : this.q.fipIds.all(limit)) as string[];
  }

  fipCount(projectId?: string): number {
    return (projectId ? this.q.fipCountOf.get(projectId) : this.q.fipCount.get()) as number;
  }

  fipsOfPort(portId: string): FipRow[] {
    return this.q.fipsOfPort.all(portId) as FipRow[];
  }

  insertFip(row: FipRow): void {
    this.q.insertFip.run(row);
  }

  /** Binds a floating IP to a port's fixed IP through a router, or (all null) unbinds it. */
  bindFip(id: string, b: { port_id: string | null; fixed_ip_address: string | null; router_id: string | null; status: string; updated_at: string }): void {
    this.q.bindFip.run(b.port_id, b.fixed_ip_address, b.router_id, b.status, b.updated_at, id);
  }

  deleteFip(id: string): void {
    this.q.deleteFip.run(id);
  }

  hints(n: NetworkRow): string[] {
    return json<string[]>(n.az_hints, []);
  }

  portIps(portId: string): FixedIp[] {
    return this.q.portIps.all(portId) as FixedIp[];
  }

  subnetsOf(networkId: string): SubnetRow[] {
    return this.q.subnetsOf.all(networkId) as SubnetRow[];
  }

  fipsOfRouter(routerId: string): FipRow[] {
    return this.q.fipsByRouter.all(routerId) as FipRow[];
  }

  nsBridgeOfRouter(routerId: string): NetworkRow | null {
    return (this.q.nsBridgeOfRouter.get(routerId) as NetworkRow | undefined) ?? null;
  }

  setBridgeRouter(networkId: string, routerId: string): void {
    this.q.setBridgeRouter.run(routerId, networkId);
  }

  interfacePorts(routerId: string): PortRow[] {
    return this.q.routerPorts.all(routerId, OWNER_ROUTER_INTERFACE) as PortRow[];
  }

  newMac(): string {
    // Neutron's default base MAC prefix fa:16:3e; retry on the (rare) collision.
    for (;;) {
      const mac = randomNeutronMac();
      if (!this.macTaken(mac)) return mac;
    }
  }

  toNetwork(r: NetworkRow): Network {
    return {
      id: r.id,
      name: r.name,
      project_id: r.project_id,
      tenant_id: r.project_id,
      'router:external': r.router_external === 1,
      availability_zone_hints: this.hints(r),
      'provider:network_type': r.provider_network_type,
      'provider:physical_network': r.provider_physical_network,
      'provider:segmentation_id': r.provider_segmentation_id,
      admin_state_up: r.admin_state_up === 1,
      shared: r.shared === 1,
      status: r.status,
      subnets: (this.q.subnetIdsOf.all(r.id) as { id: string }[]).map((s) => s.id),
      'crosspod:bridge': r.bridge,
      created_at: r.created_at,
      updated_at: r.updated_at,
    };
  }

  toSubnet(r: SubnetRow): Subnet {
    return {
      id: r.id,
      name: r.name,
      network_id: r.network_id,
      project_id: r.project_id,
      tenant_id: r.project_id,
      cidr: r.cidr,
      ip_version: r.ip_version as 4 | 6,
      gateway_ip: r.gateway_ip,
      allocation_pools: json(r.allocation_pools, []),
      enable_dhcp: r.enable_dhcp === 1,
      dns_nameservers: json<string[]>(r.dns_nameservers, []),
      host_routes: json<HostRoute[]>(r.host_routes, []),
      created_at: r.created_at,
      updated_at: r.updated_at,
    };
  }

  toPort(r: PortRow): Port {
    return {
      id: r.id,
      name: r.name,
      network_id: r.network_id,
      project_id: r.project_id,
      tenant_id: r.project_id,
      mac_address: r.mac_address,
      fixed_ips: this.portIps(r.id),
      device_owner: r.device_owner,
      device_id: r.device_id,
      admin_state_up: r.admin_state_up === 1,
      status: r.status,
      security_groups: this.portGroups.all(r.id) as string[],
      port_security_enabled: r.port_security_enabled !== 0,
      created_at: r.created_at,
      updated_at: r.updated_at,
    };
  }

  gatewayInfo(r: RouterRow): ExternalGatewayInfo | null {
    if (!r.gw_network_id) return null;
    return {
      network_id: r.gw_network_id,
      enable_snat: r.enable_snat === 1,
      external_fixed_ips: r.gw_port_id ? this.portIps(r.gw_port_id) : [],
    };
  }

  toRouter(r: RouterRow): Router {
    return {
      id: r.id,
      name: r.name,
      project_id: r.project_id,
      tenant_id: r.project_id,
      admin_state_up: r.admin_state_up === 1,
      status: r.status,
      external_gateway_info: this.gatewayInfo(r),
      routes: json<Route[]>(r.routes, []),
      created_at: r.created_at,
      updated_at: r.updated_at,
    };
  }

  toFip(r: FipRow): FloatingIp {
    return {
      id: r.id,
      project_id: r.project_id,
      tenant_id: r.project_id,
      floating_network_id: r.floating_network_id,
      floating_ip_address: r.floating_ip_address,
      port_id: r.port_id,
      fixed_ip_address: r.fixed_ip_address,
      router_id: r.router_id,
      status: r.status,
      created_at: r.created_at,
      updated_at: r.updated_at,
    };
  }
}
