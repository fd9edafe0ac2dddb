// How the lab tables read back as the driver's Bottom* bodies, and which fields list() can
// filter on. One SELECT per kind, so get() and list() build the same body.
import type { AllocationPool, FixedIp, HostRoute, Route } from '../../../../shared/model';
import type {
  BottomFloatingIp,
  BottomNetwork,
  BottomPort,
  BottomRouter,
  BottomSecurityGroup,
  BottomSecurityGroupRule,
  BottomSubnet,
  BottomTypes,
  Filters,
  ResourceKind,
} from '../driver';

export const OWNER_INTERFACE = 'network:router_interface';
export const OWNER_GATEWAY = 'network:router_gateway';
export const OWNER_FLOATINGIP = 'network:floatingip';
export const OWNER_DHCP = 'network:dhcp';

// json_group_array over an ordered subquery keeps fixed_ips in position order.
const IPS_OF = (portExpr: string) =>
  `(SELECT json_group_array(json_object('subnet_id', subnet_id, 'ip_address', ip_address))
      FROM (SELECT subnet_id, ip_address FROM lab_port_ips WHERE port_id = ${portExpr} ORDER BY position))`;

/** SELECT … FROM <table> <alias>; callers append WHERE on `alias.*` columns. */
export const SELECT: Record<ResourceKind, { sql: string; alias: string }> = {
  network: {
    alias: 't',
    sql: `SELECT t.*, (SELECT json_group_array(id) FROM (SELECT id FROM lab_subnets WHERE network_id = t.id ORDER BY rowid)) AS subnets
            FROM lab_networks t`,
  },
  subnet: { alias: 't', sql: 'SELECT t.* FROM lab_subnets t' },
  port: {
    alias: 't',
    sql: `SELECT t.*, ${IPS_OF('t.id')} AS fixed_ips,
            (SELECT json_group_array(security_group_id) FROM (SELECT security_group_id FROM lab_port_security_groups WHERE port_id = t.id ORDER BY position)) AS security_groups
            FROM lab_ports t`,
  },
  router: {
    alias: 't',
    sql: `SELECT t.*, gp.network_id AS gw_network_id, ${IPS_OF('gp.id')} AS gw_ips
            FROM lab_routers t
            LEFT JOIN lab_router_ports rp ON rp.router_id = t.id AND rp.port_type = '${OWNER_GATEWAY}'
            LEFT JOIN lab_ports gp ON gp.id = rp.port_id`,
  },
  floatingip: { alias: 't', sql: 'SELECT t.* FROM lab_floating_ips t' },
  security_group: {
    alias: 't',
    sql: `SELECT t.*, (SELECT json_group_array(json_object('id', r.id, 'security_group_id', r.security_group_id, 'project_id', r.project_id,
              'direction', r.direction, 'ethertype', r.ethertype, 'protocol', r.protocol, 'port_range_min', r.port_range_min,
              'port_range_max', r.port_range_max, 'remote_ip_prefix', r.remote_ip_prefix, 'remote_group_id', r.remote_group_id,
              'description', r.description)) FROM (SELECT * FROM lab_security_group_rules r WHERE r.security_group_id = t.id ORDER BY rowid) r) AS rules
            FROM lab_security_groups t`,
  },
  security_group_rule: { alias: 't', sql: 'SELECT t.* FROM lab_security_group_rules t' },
};

export interface NetworkRow {
  id: string;
  pod_id: string;
  name: string;
  project_id: string;
  router_external: number;
  provider_network_type: string | null;
  provider_physical_network: string | null;
  provider_segmentation_id: number | null;
  admin_state_up: number;
  status: string;
  subnets: string;
  description: string;
}

export interface SubnetRow {
  id: string;
  pod_id: string;
  network_id: string;
  name: string;
  project_id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  allocation_pools: string;
  enable_dhcp: number;
  dns_nameservers: string;
  host_routes: string;
  description: string;
}

export interface PortRow {
  id: string;
  pod_id: string;
  network_id: string;
  name: string;
  project_id: string;
  mac_address: string;
  device_id: string;
  device_owner: string;
  admin_state_up: number;
  status: string;
  fixed_ips: string;
  description: string;
  security_groups: string;
  port_security_enabled: number;
}

export interface SecurityGroupRow {
  id: string;
  pod_id: string;
  name: string;
  description: string;
  project_id: string;
  stateful: number;
  rules: string;
}

export type SecurityGroupRuleRow = Omit<BottomSecurityGroupRule, never> & { pod_id: string };

export interface RouterRow {
  id: string;
  pod_id: string;
  name: string;
  project_id: string;
  status: string;
  enable_snat: number;
  routes: string;
  gw_network_id: string | null;
  gw_ips: string;
  description: string;
}

export interface FloatingIpRow {
  id: string;
  pod_id: string;
  project_id: string;
  floating_network_id: string;
  floating_ip_address: string;
  floating_port_id: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  status: string;
}

export interface Rows {
  network: NetworkRow;
  subnet: SubnetRow;
  port: PortRow;
  router: RouterRow;
  floatingip: FloatingIpRow;
  security_group: SecurityGroupRow;
  security_group_rule: SecurityGroupRuleRow;
}

export const toNetwork = (r: NetworkRow): BottomNetwork => ({
  id: r.id,
  name: r.name,
  project_id: r.project_id,
  'router:external': r.router_external === 1,
  'provider:network_type': r.provider_network_type,
  'provider:physical_network': r.provider_physical_network,
  'provider:segmentation_id': r.provider_segmentation_id,
  admin_state_up: r.admin_state_up === 1,
  status: r.status,
  subnets: JSON.parse(r.subnets) as string[],
  description: r.description,
});

export const toSubnet = (r: SubnetRow): BottomSubnet => ({
  id: r.id,
  name: r.name,
  network_id: r.network_id,
  project_id: r.project_id,
  cidr: r.cidr,
  ip_version: r.ip_version,
  gateway_ip: r.gateway_ip,
  allocation_pools: JSON.parse(r.allocation_pools) as AllocationPool[],
  enable_dhcp: r.enable_dhcp === 1,
  dns_nameservers: JSON.parse(r.dns_nameservers) as string[],
  host_routes: JSON.parse(r.host_routes) as HostRoute[],
  description: r.description,
});

export const toPort = (r: PortRow): BottomPort => ({
  id: r.id,
  name: r.name,
  network_id: r.network_id,
  project_id: r.project_id,
  mac_address: r.mac_address,
  fixed_ips: JSON.parse(r.fixed_ips) as FixedIp[],
  device_id: r.device_id,
  device_owner: r.device_owner,
  admin_state_up: r.admin_state_up === 1,
  status: r.status,
  description: r.description,
  security_groups: JSON.parse(r.security_groups) as string[],
  port_security_enabled: r.port_security_enabled !== 0,
});

export const toSecurityGroupRule = (r: BottomSecurityGroupRule): BottomSecurityGroupRule => ({
  id: r.id,
  security_group_id: r.security_group_id,
  project_id: r.project_id,
  direction: r.direction,
  ethertype: r.ethertype,
  protocol: r.protocol,
  port_range_min: r.port_range_min,
  port_range_max: r.port_range_max,
  remote_ip_prefix: r.remote_ip_prefix,
  remote_group_id: r.remote_group_id,
  description: r.description,
});

export const toSecurityGroup = (r: SecurityGroupRow): BottomSecurityGroup => ({
  id: r.id,
  name: r.name,
  project_id: r.project_id,
  description: r.description,
  stateful: r.stateful === 1,
  security_group_rules: (JSON.parse(r.rules) as BottomSecurityGroupRule[]).map(toSecurityGroupRule),
});

export const toRouter = (r: RouterRow): BottomRouter => ({
  id: r.id,
  name: r.name,
  project_id: r.project_id,
  status: r.status,
  external_gateway_info:
    r.gw_network_id === null
      ? null
      : { network_id: r.gw_network_id, enable_snat: r.enable_snat === 1, external_fixed_ips: JSON.parse(r.gw_ips) as FixedIp[] },
  routes: JSON.parse(r.routes) as Route[],
  description: r.description,
});

export const toFloatingIp = (r: FloatingIpRow): BottomFloatingIp => ({
  id: r.id,
  project_id: r.project_id,
  floating_network_id: r.floating_network_id,
  floating_ip_address: r.floating_ip_address,
  port_id: r.port_id,
  fixed_ip_address: r.fixed_ip_address,
  router_id: r.router_id,
  status: r.status,
});

export const TO_BOTTOM: { [K in ResourceKind]: (r: Rows[K]) => BottomTypes[K] } = {
  network: toNetwork,
  subnet: toSubnet,
  port: toPort,
  router: toRouter,
  floatingip: toFloatingIp,
  security_group: toSecurityGroup,
  security_group_rule: toSecurityGroupRule,
};

/** A filterable field: its column, its JS type in the body, and whether it can be null. */
export interface FilterField {
  column: string;
  type: 'string' | 'number' | 'boolean';
  nullable: boolean;
  /**
   * Holds ids unique across pods and has an index of its own, which beats the pod's: the list
   * query then keeps pod_id out of index choice (without ANALYZE the planner may pick either).
   */
  ownIndex?: boolean;
}

const f = (column: string, type: FilterField['type'] = 'string', nullable = false): FilterField => ({ column, type, nullable });
const own = (column: string): FilterField => ({ column, type: 'string', nullable: false, ownIndex: true });
const ownNullable = (column: string): FilterField => ({ column, type: 'string', nullable: true, ownIndex: true });

/**
 * The scalar fields of each Bottom type (the same set the neutron driver filters on). Array and
 * object fields (subnets, fixed_ips, allocation_pools, external_gateway_info, routes) are absent:
 * equality with a scalar matches nothing.
 */
export const FILTER_FIELDS: Record<ResourceKind, Record<string, FilterField>> = {
  network: {
    id: f('id'),
    name: f('name'),
    project_id: f('project_id'),
    'router:external': f('router_external', 'boolean'),
    'provider:network_type': f('provider_network_type', 'string', true),
    'provider:physical_network': f('provider_physical_network', 'string', true),
    'provider:segmentation_id': f('provider_segmentation_id', 'number', true),
    admin_state_up: f('admin_state_up', 'boolean'),
    status: f('status'),
    description: f('description'),
  },
  subnet: {
    id: f('id'),
    name: f('name'),
    network_id: own('network_id'),
    project_id: f('project_id'),
    cidr: f('cidr'),
    ip_version: f('ip_version', 'number'),
    gateway_ip: f('gateway_ip', 'string', true),
    enable_dhcp: f('enable_dhcp', 'boolean'),
    description: f('description'),
  },
  port: {
    id: f('id'),
    name: f('name'),
    network_id: own('network_id'),
    project_id: f('project_id'),
    mac_address: f('mac_address'),
    device_id: f('device_id'),
    device_owner: f('device_owner'),
    admin_state_up: f('admin_state_up', 'boolean'),
    status: f('status'),
    description: f('description'),
  },
  router: { id: f('id'), name: f('name'), project_id: f('project_id'), status: f('status'), description: f('description') },
  floatingip: {
    id: f('id'),
    project_id: f('project_id'),
    floating_network_id: f('floating_network_id'),
    floating_ip_address: f('floating_ip_address'),
    port_id: ownNullable('port_id'),
    fixed_ip_address: f('fixed_ip_address', 'string', true),
    router_id: ownNullable('router_id'),
    status: f('status'),
  },
  security_group: { id: f('id'), name: f('name'), project_id: f('project_id'), description: f('description'), stateful: f('stateful', 'boolean') },
  security_group_rule: {
    id: f('id'),
    security_group_id: own('security_group_id'),
    project_id: f('project_id'),
    direction: f('direction'),
    ethertype: f('ethertype'),
    protocol: f('protocol', 'string', true),
    port_range_min: f('port_range_min', 'number', true),
    port_range_max: f('port_range_max', 'number', true),
    remote_ip_prefix: f('remote_ip_prefix', 'string', true),
    remote_group_id: ownNullable('remote_group_id'),
    description: f('description'),
  },
};

/**
 * The list query for these filters in this pod, or null when a filter can match nothing: a
 * field the body lacks, an array/object field, a value of the wrong JS type, null on a field
 * that is never null.
 */
export function listQuery(kind: ResourceKind, podId: string, filters: Filters): { sql: string; params: unknown[] } | null {
  const fields = FILTER_FIELDS[kind];
  const { sql, alias } = SELECT[kind];
  const where: string[] = [];
  const params: unknown[] = [podId];
  let ownIndex = false;
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (!field) return null;
    if (Array.isArray(value)) {
      if (value.length === 0 || field.type !== 'string') return null;
      where.push(`${alias}.${field.column} IN (${value.map(() => '?').join(', ')})`);
      params.push(...value);
      ownIndex ||= field.ownIndex === true;
    } else if (value === null) {
      if (!field.nullable) return null;
      where.push(`${alias}.${field.column} IS NULL`);
    } else {
      if (typeof value !== field.type) return null;
      where.push(`${alias}.${field.column} = ?`);
      params.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);
      ownIndex ||= field.ownIndex === true;
    }
  }
  // Unary + keeps pod_id out of index choice when a more selective index applies.
  where.unshift(`${ownIndex ? '+' : ''}${alias}.pod_id = ?`);
  return { sql: `${sql} WHERE ${where.join(' AND ')} ORDER BY ${alias}.rowid`, params };
}
