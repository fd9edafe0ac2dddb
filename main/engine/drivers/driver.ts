// The PodDriver: the Neutron-shaped verbs the engine uses on a bottom pod. Two implementations
// exist: `lab` (embedded, simulated pods in the same SQLite file) and `neutron` (a real region
// over the Neutron v2.0 API). The engine never knows which one it is using.
//
// Semantics every driver follows (the conformance suite in test/engine/driver-suite.ts checks
// them, and runs against both drivers):
// - get/update/delete of a missing resource throws CrosspodError NOT_FOUND;
// - an explicit address that is taken throws IP_ADDRESS_IN_USE;
// - addInterface on a subnet the router already has throws ROUTER_INTERFACE_EXISTS, and with a
//   port that already has a device throws PORT_IN_USE;
// - addGateway on a router that already has a gateway throws ROUTER_GATEWAY_EXISTS;
// - a floating IP can be bound only to a port whose subnet reaches the floating IP's network
//   through a router with a gateway there, else EXTERNAL_GATEWAY_NOT_FOUND;
// - removeInterface while an extra route's nexthop uses that subnet throws ROUTER_IN_USE
//   (Neutron answers 409), and removeInterface by port deletes that port (Neutron does).
// - a subnet or network delete takes its DHCP ports' addresses (device_owner network:dhcp) with
//   it, as Neutron's auto-delete does; any other port's address refuses it.
// - `description` is stored as given and filterable: the engine's stable lookup key (§5).
// - list filters are field equality; a filter on a field the resource lacks matches nothing.
// - security groups (Neutron's security-group extension): a new group comes with Neutron's two
//   egress rules (IPv4 and IPv6, any protocol, anywhere); a rule equal to one the group has
//   throws SECURITY_GROUP_RULE_EXISTS; deleting a group a port uses throws SECURITY_GROUP_IN_USE;
//   a group's rules go with it, and so do other groups' rules naming it as remote group. A port
//   created with `security_groups` uses exactly those (a real region gives a port created without
//   them its project's `default` group; the lab gives it none: the engine always names them).
import type { AllocationPool, FixedIp, HostRoute, Route } from '../../../shared/model';

export interface BottomNetwork {
  id: string;
  name: string;
  project_id: string;
  'router:external': boolean;
  'provider:network_type': string | null;
  'provider:physical_network': string | null;
  'provider:segmentation_id': number | null;
  admin_state_up: boolean;
  status: string;
  subnets: string[];
  description: string;
}

export interface BottomSubnet {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  allocation_pools: AllocationPool[];
  enable_dhcp: boolean;
  dns_nameservers: string[];
  host_routes: HostRoute[];
  description: string;
}

export interface BottomPort {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  mac_address: string;
  fixed_ips: FixedIp[];
  device_id: string;
  device_owner: string;
  admin_state_up: boolean;
  status: string;
  description: string;
  /** The ids of the port's security groups in this pod. */
  security_groups: string[];
  /** port-security extension (true where a pod lacks it): off, no groups and everything admitted. */
  port_security_enabled: boolean;
}

export interface BottomSecurityGroupRule {
  id: string;
  security_group_id: string;
  project_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description: string;
}

export interface BottomSecurityGroup {
  id: string;
  name: string;
  project_id: string;
  description: string;
  stateful: boolean;
  security_group_rules: BottomSecurityGroupRule[];
}

export interface BottomGatewayInfo {
  network_id: string;
  enable_snat: boolean;
  external_fixed_ips: FixedIp[];
}

export interface BottomRouter {
  id: string;
  name: string;
  project_id: string;
  status: string;
  external_gateway_info: BottomGatewayInfo | null;
  routes: Route[];
  description: string;
}

export interface BottomFloatingIp {
  id: string;
  project_id: string;
  floating_network_id: string;
  floating_ip_address: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  status: string;
}

export interface BottomTypes {
  network: BottomNetwork;
  subnet: BottomSubnet;
  port: BottomPort;
  router: BottomRouter;
  floatingip: BottomFloatingIp;
  security_group: BottomSecurityGroup;
  security_group_rule: BottomSecurityGroupRule;
}

export type ResourceKind = keyof BottomTypes;

export interface CreateBodies {
  network: {
    name: string;
    project_id: string;
    'router:external'?: boolean;
    'provider:network_type'?: string;
    'provider:physical_network'?: string;
    'provider:segmentation_id'?: number;
    admin_state_up?: boolean;
    description?: string;
  };
  subnet: {
    name: string;
    network_id: string;
    project_id: string;
    cidr: string;
    ip_version?: 4 | 6;
    /** null: no gateway; absent: the first host. */
    gateway_ip?: string | null;
    allocation_pools?: AllocationPool[];
    enable_dhcp?: boolean;
    dns_nameservers?: string[];
    host_routes?: HostRoute[];
    description?: string;
  };
  port: {
    name: string;
    network_id: string;
    project_id: string;
    fixed_ips?: { subnet_id?: string; ip_address?: string }[];
    mac_address?: string;
    device_id?: string;
    device_owner?: string;
    admin_state_up?: boolean;
    description?: string;
    security_groups?: string[];
    port_security_enabled?: boolean;
  };
  router: { name: string; project_id: string; distributed?: boolean; description?: string };
  floatingip: {
    floating_network_id: string;
    project_id: string;
    floating_ip_address?: string;
    port_id?: string | null;
    fixed_ip_address?: string;
  };
  security_group: { name: string; project_id: string; description?: string; stateful?: boolean };
  security_group_rule: {
    security_group_id: string;
    project_id: string;
    direction: 'ingress' | 'egress';
    ethertype: 'IPv4' | 'IPv6';
    protocol?: string | null;
    port_range_min?: number | null;
    port_range_max?: number | null;
    remote_ip_prefix?: string | null;
    remote_group_id?: string | null;
    description?: string;
  };
}

export interface UpdateBodies {
  network: { name?: string; admin_state_up?: boolean; 'router:external'?: boolean; description?: string };
  subnet: {
    name?: string;
    gateway_ip?: string | null;
    allocation_pools?: AllocationPool[];
    dns_nameservers?: string[];
    host_routes?: HostRoute[];
    enable_dhcp?: boolean;
    description?: string;
  };
  /** fixed_ips replaces the whole list; explicit addresses only (the engine always names them). */
  port: {
    name?: string;
    device_id?: string;
    device_owner?: string;
    admin_state_up?: boolean;
    fixed_ips?: { subnet_id: string; ip_address: string }[];
    description?: string;
    /** Replaces the port's whole list of security groups. */
    security_groups?: string[];
    port_security_enabled?: boolean;
  };
  router: { name?: string; description?: string };
  floatingip: { port_id: string | null; fixed_ip_address?: string };
  security_group: { name?: string; description?: string };
  /** Neutron has no rule update: rules are deleted and made. */
  security_group_rule: never;
}

/**
 * Equality filters; an array means "any of" (Neutron's repeated query parameter), so a page of
 * resources is read with one list call per pod and type.
 */
export type Filters = Record<string, string | number | boolean | null | string[]>;

export type InterfaceRef = { subnet_id: string; port_id?: undefined } | { port_id: string; subnet_id?: undefined };

export interface InterfaceResult {
  id: string; // router id
  port_id: string;
  subnet_id: string;
}

export interface GatewayBody {
  network_id: string;
  enable_snat?: boolean;
  external_fixed_ips?: { subnet_id?: string; ip_address?: string }[];
}

export interface DriverHealth {
  reachable: boolean;
  auth: 'ok' | 'failed' | 'not-required';
  extensions: { router: boolean; 'external-net': boolean; extraroute: boolean };
  error: { code: string; message: string } | null;
}

export interface PodDriver {
  readonly kind: 'lab' | 'neutron';
  list<K extends ResourceKind>(kind: K, filters?: Filters): Promise<BottomTypes[K][]>;
  get<K extends ResourceKind>(kind: K, id: string): Promise<BottomTypes[K]>;
  create<K extends ResourceKind>(kind: K, body: CreateBodies[K]): Promise<BottomTypes[K]>;
  update<K extends ResourceKind>(kind: K, id: string, body: UpdateBodies[K]): Promise<BottomTypes[K]>;
  delete(kind: ResourceKind, id: string): Promise<void>;
  addInterface(routerId: string, ref: InterfaceRef): Promise<InterfaceResult>;
  removeInterface(routerId: string, ref: InterfaceRef): Promise<InterfaceResult>;
  addGateway(routerId: string, body: GatewayBody): Promise<BottomRouter>;
  removeGateway(routerId: string): Promise<BottomRouter>;
  /** Turns SNAT on or off on the router's gateway, keeping its network and addresses. */
  setGatewaySnat(routerId: string, enableSnat: boolean): Promise<BottomRouter>;
  /** Replaces the router's whole route list (Neutron's PUT routes). */
  setRoutes(routerId: string, routes: Route[]): Promise<BottomRouter>;
  /** Reachability, auth and the extensions the engine needs. */
  health(): Promise<DriverHealth>;
  close?(): Promise<void> | void;
}

/** Called by the engine to build the driver of a bottom pod. */
export type DriverFactory = (pod: { pod_id: string; region_name: string; driver: 'lab' | 'neutron'; driver_config: unknown }) => PodDriver;
