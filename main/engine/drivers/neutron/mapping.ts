// Neutron v2.0 bodies → the driver's Bottom* types, and which filters Neutron can apply itself.
import type { FixedIp, HostRoute, Route } from '../../../../shared/model';
import type {
  BottomFloatingIp,
  BottomNetwork,
  BottomPort,
  BottomRouter,
  BottomSecurityGroup,
  BottomSecurityGroupRule,
  BottomSubnet,
  BottomTypes,
  ResourceKind,
} from '../driver';

type Raw = Record<string, unknown>;

export const COLLECTION: Record<ResourceKind, string> = {
  network: 'networks',
  subnet: 'subnets',
  port: 'ports',
  router: 'routers',
  floatingip: 'floatingips',
  security_group: 'security-groups',
  security_group_rule: 'security-group-rules',
};

/**
 * Scalar fields of each Bottom type, and whether Neutron accepts them as a query filter
 * (`status` of routers is refused by Neutron's filter validation, so it is applied here).
 * Array and object fields are absent: equality with a scalar matches nothing.
 */
export const FILTERABLE: Record<ResourceKind, Record<string, boolean>> = {
  network: {
    id: true,
    name: true,
    project_id: true,
    'router:external': true,
    'provider:network_type': true,
    'provider:physical_network': true,
    'provider:segmentation_id': true,
    admin_state_up: true,
    status: true,
    description: true,
  },
  subnet: { id: true, name: true, network_id: true, project_id: true, cidr: true, ip_version: true, gateway_ip: true, enable_dhcp: true, description: true },
  port: { id: true, name: true, network_id: true, project_id: true, mac_address: true, device_id: true, device_owner: true, admin_state_up: true, status: true, description: true },
  router: { id: true, name: true, project_id: true, status: false, description: true },
  floatingip: {
    id: true,
    project_id: true,
    floating_network_id: true,
    floating_ip_address: true,
    port_id: true,
    fixed_ip_address: true,
    router_id: true,
    status: true,
  },
  security_group: { id: true, name: true, project_id: true, description: true, stateful: true },
  security_group_rule: {
    id: true,
    security_group_id: true,
    project_id: true,
    direction: true,
    ethertype: true,
    protocol: true,
    port_range_min: true,
    port_range_max: true,
    remote_ip_prefix: true,
    remote_group_id: true,
    description: true,
  },
};

const str = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));
const strOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const project = (r: Raw): string => str(r.project_id ?? r.tenant_id);

function fixedIps(v: unknown): FixedIp[] {
  return Array.isArray(v) ? v.map((f: Raw) => ({ subnet_id: str(f.subnet_id), ip_address: str(f.ip_address) })) : [];
}

function routes(v: unknown): Route[] {
  return Array.isArray(v) ? v.map((r: Raw) => ({ destination: str(r.destination), nexthop: str(r.nexthop) })) : [];
}

export function toNetwork(r: Raw): BottomNetwork {
  const seg = r['provider:segmentation_id'];
  return {
    id: str(r.id),
    name: str(r.name),
    project_id: project(r),
    'router:external': r['router:external'] === true,
    'provider:network_type': strOrNull(r['provider:network_type']),
    'provider:physical_network': strOrNull(r['provider:physical_network']),
    'provider:segmentation_id': typeof seg === 'number' ? seg : seg == null || seg === '' ? null : Number(seg),
    admin_state_up: r.admin_state_up !== false,
    status: str(r.status),
    subnets: Array.isArray(r.subnets) ? r.subnets.map(str) : [],
    description: str(r.description),
  };
}

export function toSubnet(r: Raw): BottomSubnet {
  return {
    id: str(r.id),
    name: str(r.name),
    network_id: str(r.network_id),
    project_id: project(r),
    cidr: str(r.cidr),
    ip_version: r.ip_version === 6 ? 6 : 4,
    gateway_ip: strOrNull(r.gateway_ip),
    allocation_pools: Array.isArray(r.allocation_pools) ? r.allocation_pools.map((p: Raw) => ({ start: str(p.start), end: str(p.end) })) : [],
    enable_dhcp: r.enable_dhcp === true,
    dns_nameservers: Array.isArray(r.dns_nameservers) ? r.dns_nameservers.map(str) : [],
    host_routes: routes(r.host_routes) as HostRoute[],
    description: str(r.description),
  };
}

export function toPort(r: Raw): BottomPort {
  return {
    id: str(r.id),
    name: str(r.name),
    network_id: str(r.network_id),
    project_id: project(r),
    mac_address: str(r.mac_address),
    fixed_ips: fixedIps(r.fixed_ips),
    device_id: str(r.device_id),
    device_owner: str(r.device_owner),
    admin_state_up: r.admin_state_up !== false,
    status: str(r.status),
    description: str(r.description),
    security_groups: Array.isArray(r.security_groups) ? r.security_groups.map(str) : [],
    port_security_enabled: r.port_security_enabled !== false,
  };
}

const intOrNull = (v: unknown): number | null => (typeof v === 'number' ? v : v == null || v === '' ? null : Number(v));

export function toSecurityGroupRule(r: Raw): BottomSecurityGroupRule {
  return {
    id: str(r.id),
    security_group_id: str(r.security_group_id),
    project_id: project(r),
    direction: r.direction === 'egress' ? 'egress' : 'ingress',
    ethertype: r.ethertype === 'IPv6' ? 'IPv6' : 'IPv4',
    protocol: r.protocol == null || r.protocol === '' ? null : str(r.protocol),
    port_range_min: intOrNull(r.port_range_min),
    port_range_max: intOrNull(r.port_range_max),
    remote_ip_prefix: strOrNull(r.remote_ip_prefix),
    remote_group_id: strOrNull(r.remote_group_id),
    description: str(r.description),
  };
}

export function toSecurityGroup(r: Raw): BottomSecurityGroup {
  return {
    id: str(r.id),
    name: str(r.name),
    project_id: project(r),
    description: str(r.description),
    stateful: r.stateful !== false,
    security_group_rules: Array.isArray(r.security_group_rules) ? r.security_group_rules.map((x: Raw) => toSecurityGroupRule(x)) : [],
  };
}

export function toRouter(r: Raw): BottomRouter {
  const gw = r.external_gateway_info as Raw | null | undefined;
  return {
    id: str(r.id),
    name: str(r.name),
    project_id: project(r),
    status: str(r.status),
    external_gateway_info:
      gw && typeof gw === 'object' && gw.network_id
        ? { network_id: str(gw.network_id), enable_snat: gw.enable_snat !== false, external_fixed_ips: fixedIps(gw.external_fixed_ips) }
        : null,
    routes: routes(r.routes),
    description: str(r.description),
  };
}

export function toFloatingIp(r: Raw): BottomFloatingIp {
  return {
    id: str(r.id),
    project_id: project(r),
    floating_network_id: str(r.floating_network_id),
    floating_ip_address: str(r.floating_ip_address),
    port_id: strOrNull(r.port_id),
    fixed_ip_address: strOrNull(r.fixed_ip_address),
    router_id: strOrNull(r.router_id),
    status: str(r.status),
  };
}

export const TO_BOTTOM: { [K in ResourceKind]: (r: Raw) => BottomTypes[K] } = {
  network: toNetwork,
  subnet: toSubnet,
  port: toPort,
  router: toRouter,
  floatingip: toFloatingIp,
  security_group: toSecurityGroup,
  security_group_rule: toSecurityGroupRule,
};
