// The resource bodies that cross the contract. Field names are Neutron's and Tricircle's, so the
// OpenStack-compatible API is a thin mapping and operators recognise every field.

export type DriverKind = 'lab' | 'neutron';

export interface NeutronDriverConfig {
  /** Keystone v3 URL (password auth) or a fixed Neutron endpoint (noauth). */
  auth_type: 'password' | 'noauth';
  endpoint?: string;
  auth_url?: string;
  username?: string;
  user_domain_name?: string;
  project_name?: string;
  project_domain_name?: string;
  /** The catalog interface of the pod's network endpoint (Keystone's default: public). */
  interface?: 'public' | 'internal' | 'admin';
  /** True when a password is stored (encrypted); the password itself never crosses the contract. */
  has_password?: boolean;
  timeout_ms?: number;
}

export interface Pod {
  pod_id: string;
  region_name: string;
  /** The seed's name for region_name, kept as an alias. */
  pod_name: string;
  az_name: string;
  pod_az_name: string;
  dc_name: string;
  is_top: boolean;
  driver: DriverKind;
  driver_config: NeutronDriverConfig | null;
  created_at: string;
  updated_at: string;
}

export interface Network {
  id: string;
  name: string;
  project_id: string;
  tenant_id: string;
  'router:external': boolean;
  availability_zone_hints: string[];
  'provider:network_type': string | null;
  'provider:physical_network': string | null;
  'provider:segmentation_id': number | null;
  admin_state_up: boolean;
  shared: boolean;
  status: string;
  subnets: string[];
  /** Crosspod-owned networks (bridges) are marked so the UI can tell them apart. */
  'crosspod:bridge': 'ew' | 'ns' | null;
  created_at: string;
  updated_at: string;
}

export interface AllocationPool {
  start: string;
  end: string;
}

/** A subnet's host route, handed to its VMs by DHCP. */
export interface HostRoute {
  destination: string;
  nexthop: string;
}

export interface Subnet {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  tenant_id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  allocation_pools: AllocationPool[];
  enable_dhcp: boolean;
  dns_nameservers: string[];
  host_routes: HostRoute[];
  created_at: string;
  updated_at: string;
}

export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

export interface Port {
  id: string;
  name: string;
  network_id: string;
  project_id: string;
  tenant_id: string;
  mac_address: string;
  fixed_ips: FixedIp[];
  device_owner: string;
  device_id: string;
  admin_state_up: boolean;
  status: string;
  /** Neutron's security-group extension: the ids of the port's groups, in order. */
  security_groups: string[];
  /** Neutron's port-security extension: off, the port has no groups and admits everything. */
  port_security_enabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface ExternalGatewayInfo {
  network_id: string;
  enable_snat: boolean;
  external_fixed_ips: FixedIp[];
}

export interface Route {
  destination: string;
  nexthop: string;
}

export interface Router {
  id: string;
  name: string;
  project_id: string;
  tenant_id: string;
  admin_state_up: boolean;
  status: string;
  external_gateway_info: ExternalGatewayInfo | null;
  routes: Route[];
  created_at: string;
  updated_at: string;
}

export interface RouterInterfaceInfo {
  id: string;
  tenant_id: string;
  project_id: string;
  port_id: string;
  subnet_id: string;
  subnet_ids: string[];
  network_id: string;
}

export interface FloatingIp {
  id: string;
  project_id: string;
  tenant_id: string;
  floating_network_id: string;
  floating_ip_address: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  status: string;
  created_at: string;
  updated_at: string;
}

export type HopRole = 'external' | 'bridge' | 'fixed';

export interface FipHop {
  role: HopRole;
  address: string;
  region: string;
  network_id: string;
  network_name: string;
  vlan?: number;
  /** The pod holding this hop did not answer: what is shown comes from the top. */
  error?: { code: string; message: string };
}

export interface FipPath {
  id: string;
  mode: 'same-pod' | 'two-step' | 'unbound';
  hops: FipHop[];
  /** The router that connects the floating IP's port to its external network (null: unbound). */
  router?: { id: string; name: string } | null;
  /** When the bottoms were read for this path. */
  observed_at?: string;
  /** Whether the VM port's security groups (as its pod holds them) let traffic from outside in. */
  admits?: FipAdmits;
}

// ---- security groups (Neutron's security-group extension) ----

export interface SecurityGroupRule {
  id: string;
  security_group_id: string;
  project_id: string;
  tenant_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  /** A protocol name (tcp, udp, icmp, …) or number as text; null: any. */
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description: string;
  created_at: string;
  updated_at: string;
}

export interface SecurityGroup {
  id: string;
  name: string;
  description: string;
  project_id: string;
  tenant_id: string;
  stateful: boolean;
  security_group_rules: SecurityGroupRule[];
  created_at: string;
  updated_at: string;
}

/**
 * What a floating IP's VM port admits from outside, read from the VM's pod: an ingress IPv4 rule
 * with no remote group admits from `remote_ip_prefix` (none, or 0.0.0.0/0: from anywhere).
 * `ingress` is true when one of them admits from anywhere; `rules` lists every such rule, so a
 * rule open to one prefix only shows too.
 */
export interface FipAdmits {
  ingress: boolean;
  rules: {
    id: string;
    security_group_id: string;
    security_group_name: string;
    protocol: string | null;
    port_range_min: number | null;
    port_range_max: number | null;
    remote_ip_prefix: string | null;
    /** From any address (no prefix, or 0.0.0.0/0). */
    anywhere: boolean;
  }[];
  /** Present (false) when the VM port has port security off in its pod: no group filters it, everything is admitted. */
  port_security_enabled?: false;
  /** The pod holding the VM port did not answer, or the port was not found there. */
  error?: { code: string; message: string };
}

export interface Routing {
  id: number;
  top_id: string;
  bottom_id: string | null;
  pod_id: string;
  project_id: string | null;
  resource_type: string;
  created_at: string;
  updated_at: string;
}

export type JobStatus = 'NEW' | 'RUNNING' | 'SUCCESS' | 'FAIL';

export interface Job {
  id: string;
  type: string;
  resource_id: string;
  project_id: string | null;
  status: JobStatus;
  timestamp: string;
  attempts: number;
  error: { code: string; message: string } | null;
  payload: Record<string, unknown>;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  operation: string;
  input_summary: string;
  result_code: string;
  resource_ids: string[];
}

export interface Quota {
  project_id: string;
  network: number;
  subnet: number;
  port: number;
  router: number;
  floatingip: number;
}

export interface Page<T> {
  items: T[];
  /** Pass as `marker` to get the next page; null on the last page. */
  next_marker: string | null;
  /** How many rows match the filters, over all pages. */
  total: number;
}
