// The contract: every operation with its input schema (zod) and output type. Both transports
// (Electron IPC, HTTP) and the renderer's client are derived from this one table.
import { z } from 'zod';
import type {
  AuditEntry,
  FipPath,
  FloatingIp,
  Job,
  Network,
  Page,
  Pod,
  Port,
  Quota,
  Router,
  RouterInterfaceInfo,
  Routing,
  SecurityGroup,
  SecurityGroupRule,
  Subnet,
} from './model';
import type { NetworkDetails, PodHealth, RouterDetails, SearchHit, TopoFip, TopologyDetail, TopologySummary, ViewState } from './topology';
import { LAB_EXAMPLES, type LabDocument } from './lab-document';

const id = z.string().min(1).max(255);
const name = z.string().max(255);
const projectId = z.string().min(1).max(255);
const ip = z.string().min(1).max(64);
const filterValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * `*.list`: equality filters on the fields named in LISTS (anything else is INVALID_INPUT), a page of
 * `limit` rows (default LIST_DEFAULT_LIMIT, at most LIST_MAX_LIMIT) after `marker`, sorted by
 * `sort_key`/`sort_dir` with the row's insertion order as the tie-breaker. `marker` is the last
 * row's id (`pod_id` for pods) of the page before, as Neutron's: the next page starts after that row
 * in the same order, so pages stay right while rows come and go before or after it.
 */
export const LIST_DEFAULT_LIMIT = 200;
export const LIST_MAX_LIMIT = 10_000;

/** What each list filters and sorts on. Filters are output field names (plus the few noted). */
export const LISTS = {
  'pods.list': {
    filters: ['pod_id', 'region_name', 'pod_name', 'az_name', 'pod_az_name', 'dc_name', 'driver', 'is_top'],
    sorts: ['region_name', 'az_name', 'driver', 'created_at'],
  },
  'networks.list': {
    filters: ['id', 'name', 'project_id', 'tenant_id', 'router:external', 'crosspod:bridge', 'status', 'admin_state_up', 'shared', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id'],
    sorts: ['name', 'project_id', 'status', 'created_at'],
  },
  'subnets.list': {
    filters: ['id', 'name', 'network_id', 'project_id', 'tenant_id', 'cidr', 'ip_version', 'gateway_ip', 'enable_dhcp'],
    sorts: ['name', 'cidr', 'network_id', 'project_id', 'created_at'],
  },
  /** `subnet_id` / `ip_address`: ports with a fixed IP on that subnet / with that address. */
  'ports.list': {
    filters: ['id', 'name', 'network_id', 'project_id', 'tenant_id', 'mac_address', 'device_owner', 'device_id', 'admin_state_up', 'status', 'subnet_id', 'ip_address', 'port_security_enabled'],
    sorts: ['name', 'network_id', 'project_id', 'device_owner', 'mac_address', 'status', 'created_at'],
  },
  'routers.list': {
    filters: ['id', 'name', 'project_id', 'tenant_id', 'status', 'admin_state_up'],
    sorts: ['name', 'project_id', 'status', 'created_at'],
  },
  /**
   * `search`: a part of the floating or the fixed address. `touches_pod`: a pod id; the floating IPs
   * whose path touches it (its external network's pod, or its port's pod, where the bridge hop is
   * too), from the routing table. Addresses sort as addresses, not text.
   */
  'fips.list': {
    filters: ['id', 'project_id', 'tenant_id', 'floating_network_id', 'floating_ip_address', 'port_id', 'fixed_ip_address', 'router_id', 'status', 'search', 'touches_pod'],
    sorts: ['floating_ip_address', 'fixed_ip_address', 'project_id', 'status', 'created_at'],
  },
  'routings.list': {
    filters: ['id', 'top_id', 'bottom_id', 'pod_id', 'project_id', 'resource_type', 'created_at', 'updated_at'],
    sorts: ['id', 'resource_type', 'pod_id', 'project_id', 'created_at'],
  },
  'jobs.list': {
    filters: ['id', 'type', 'resource_id', 'project_id', 'status'],
    sorts: ['timestamp', 'status', 'type', 'attempts'],
  },
  // ---- security groups ----
  'secgroups.list': {
    filters: ['id', 'name', 'project_id', 'tenant_id', 'description', 'stateful'],
    sorts: ['name', 'project_id', 'created_at'],
  },
  'secgroupRules.list': {
    filters: ['id', 'security_group_id', 'project_id', 'tenant_id', 'direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id', 'description'],
    sorts: ['security_group_id', 'direction', 'ethertype', 'protocol', 'port_range_min', 'created_at'],
  },
  // ---- end security groups ----
  'audit.list': {
    filters: ['id', 'actor', 'operation', 'result_code'],
    sorts: ['id', 'at', 'operation', 'result_code', 'actor'],
  },
} as const;
export type ListMethod = keyof typeof LISTS | 'fips.listWithPaths';

function listInput<L extends keyof typeof LISTS>(list: L) {
  const { filters, sorts } = LISTS[list];
  const shape = Object.fromEntries(filters.map((f) => [f, filterValue.optional()])) as { [K in (typeof LISTS)[L]['filters'][number]]: z.ZodOptional<typeof filterValue> };
  return z.strictObject({
    ...shape,
    limit: z.number().int().min(1).max(LIST_MAX_LIMIT).optional(),
    marker: z.string().min(1).max(255).optional(),
    sort_key: z.enum(sorts as unknown as [string, ...string[]]).optional() as z.ZodOptional<z.ZodEnum<{ [K in (typeof LISTS)[L]['sorts'][number]]: K }>>,
    sort_dir: z.enum(['asc', 'desc']).optional(),
  });
}
const byId = z.strictObject({ id });
const fixedIpsInput = z.array(z.strictObject({ subnet_id: id.optional(), ip_address: ip.optional() })).max(16);

const neutronConfig = z.strictObject({
  auth_type: z.enum(['password', 'noauth']),
  endpoint: z.string().url().optional(),
  auth_url: z.string().url().optional(),
  username: z.string().max(255).optional(),
  user_domain_name: z.string().max(255).optional(),
  project_name: z.string().max(255).optional(),
  project_domain_name: z.string().max(255).optional(),
  interface: z.enum(['public', 'internal', 'admin']).optional(),
  /** Write-only: stored encrypted, never returned. */
  password: z.string().max(1024).optional(),
  timeout_ms: z.number().int().min(100).max(600_000).optional(),
});

const podFields = {
  region_name: name.optional(),
  pod_name: name.optional(),
  az_name: name.optional(),
  pod_az_name: name.optional(),
  dc_name: name.optional(),
  driver: z.enum(['lab', 'neutron']).optional(),
  driver_config: neutronConfig.nullable().optional(),
};

const gatewayInfo = z.strictObject({
  network_id: id,
  enable_snat: z.boolean().optional(),
  external_fixed_ips: fixedIpsInput.optional(),
});

/** The address of a CIDR as a bigint, to check that its host bits are zero (Neutron's rule). */
function cidrHostBitsZero(cidr: string): boolean {
  const [addr, len] = cidr.split('/');
  const bits = Number(len);
  let value = 0n;
  let width = 32;
  if (addr.includes(':')) {
    width = 128;
    const [head, tail = ''] = addr.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = addr.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    for (const g of groups) value = (value << 16n) | BigInt(parseInt(g || '0', 16));
  } else {
    for (const o of addr.split('.')) value = (value << 8n) | BigInt(Number(o));
  }
  const host = width - bits;
  return host === 0 || (value & ((1n << BigInt(host)) - 1n)) === 0n;
}

const cidr = z
  .union([z.cidrv4(), z.cidrv6()], { error: 'a CIDR like 10.0.1.0/24 or 2001:db8::/64' })
  .refine(cidrHostBitsZero, { message: 'the CIDR has host bits set: use its network address' });

const route = z.strictObject({
  destination: cidr,
  nexthop: z.union([z.ipv4(), z.ipv6()], { error: 'an IPv4 or IPv6 address' }),
});

/** Neutron refuses the broadcast, all-zero and multicast MACs (the group bit of the first octet). */
const macAddress = z
  .string()
  .regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i, 'a MAC address like fa:16:3e:00:01:04')
  .refine((m) => m !== '00:00:00:00:00:00', { message: 'the all-zero MAC address is not allowed' })
  .refine((m) => (parseInt(m.slice(0, 2), 16) & 1) === 0, { message: 'broadcast and multicast MAC addresses are not allowed' });
const allocationPools = z.array(z.strictObject({ start: ip, end: ip })).max(64);
const dnsNameservers = z.array(ip).max(16);
const hostRoutes = z.array(route).max(64);

export const BOTTOM_KINDS = ['network', 'subnet', 'port', 'router', 'floatingip'] as const;

/** The job types an operator may create: both rebuild a router's bottom state, idempotently. */
export const JOB_CREATE_TYPES = ['configure_extra_routes', 'router_resync'] as const;

/** Routing ids are integers (Tricircle's BigInteger, §13 row 13). */
const routingId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
/** Tricircle: "Field X can not be empty". */
const nonBlank = z.string().max(255).refine((v) => v.trim() !== '', { message: 'can not be empty' });

/** A lab name (its rule is checked by the lab host: LAB_NAME_INVALID). */
const labNameInput = z.string().max(255);
// ---- security groups (Neutron's security-group extension) ----
const securityGroupIds = z.array(id).max(64);
const secgroupName = z.string().max(255);
const secgroupDescription = z.string().max(255);
const portNumber = z.number().int().min(0).max(65535);
/**
 * A rule. Shape only here; Neutron's rules between fields (port ranges need tcp/udp/sctp or an
 * ICMP type/code, the prefix's family is the ethertype, a remote group or a prefix, not both)
 * are the engine's, refused with INVALID_SECURITY_GROUP_RULE.
 */
export const secgroupRuleInput = z.strictObject({
  security_group_id: id,
  direction: z.enum(['ingress', 'egress']),
  ethertype: z.enum(['IPv4', 'IPv6']).default('IPv4'),
  protocol: z.union([z.string().min(1).max(40), z.number().int().min(0).max(255)]).nullable().optional(),
  port_range_min: portNumber.nullable().optional(),
  port_range_max: portNumber.nullable().optional(),
  remote_ip_prefix: z.string().min(1).max(64).nullable().optional(),
  remote_group_id: id.nullable().optional(),
  description: secgroupDescription.optional(),
  project_id: projectId.optional(),
});
export const secgroupCreateInput = z.strictObject({
  name: secgroupName,
  description: secgroupDescription.optional(),
  project_id: projectId,
  stateful: z.boolean().optional(),
});
export const secgroupUpdateInput = z.strictObject({
  id,
  name: secgroupName.optional(),
  description: secgroupDescription.optional(),
  stateful: z.boolean().optional(),
});
// ---- end security groups ----

const interfaceInput = z.strictObject({ id, subnet_id: id.optional(), port_id: id.optional() });

export const contract = {
  'pods.create': { mutates: true, input: z.strictObject(podFields) },
  'pods.list': { mutates: false, input: listInput('pods.list') },
  'pods.get': { mutates: false, input: z.strictObject({ pod_id: id }) },
  'pods.update': { mutates: true, input: z.strictObject({ pod_id: id, ...podFields }) },
  /** `force`: for a dead pod, drop its routing rows (and its lab rows) and say what may be left in the region. */
  'pods.delete': { mutates: true, input: z.strictObject({ pod_id: id, force: z.boolean().optional() }) },
  'pods.testConnection': { mutates: false, input: z.strictObject({ pod_id: id }) },
  /** Each bottom pod's reads as last observed (the budgeted reads); asks no pod. */
  'pods.health': { mutates: false, input: z.strictObject({}) },

  'networks.create': {
    mutates: true,
    input: z.strictObject({
      name: name.default(''),
      project_id: projectId,
      'router:external': z.boolean().optional(),
      availability_zone_hints: z.array(name).max(16).optional(),
      admin_state_up: z.boolean().optional(),
      shared: z.boolean().optional(),
      'provider:network_type': z.string().max(64).optional(),
      'provider:physical_network': z.string().max(64).optional(),
      'provider:segmentation_id': z.number().int().min(0).max(16_777_215).optional(),
    }),
  },
  /** An external network in one pod with its subnet, as one operation (both or neither). */
  'networks.createExternal': {
    mutates: true,
    input: z.strictObject({
      name: name.min(1),
      project_id: projectId,
      /** The pod (region name) the external network lives in. */
      region_name: name.min(1),
      'provider:network_type': z.string().max(64).optional(),
      'provider:physical_network': z.string().max(64).optional(),
      subnet: z.strictObject({
        cidr: z.string().min(1).max(64),
        name: name.optional(),
        gateway_ip: ip.nullable().optional(),
        allocation_pools: z.array(z.strictObject({ start: ip, end: ip })).max(64).optional(),
        enable_dhcp: z.boolean().optional(),
      }),
    }),
  },
  'networks.list': { mutates: false, input: listInput('networks.list') },
  'networks.get': { mutates: false, input: byId },
  'networks.update': {
    mutates: true,
    input: z.strictObject({ id, name: name.optional(), admin_state_up: z.boolean().optional() }),
  },
  'networks.delete': { mutates: true, input: byId },

  'subnets.create': {
    mutates: true,
    input: z.strictObject({
      network_id: id,
      cidr: z.string().min(1).max(64),
      name: name.optional(),
      ip_version: z.union([z.literal(4), z.literal(6)]).optional(),
      gateway_ip: ip.nullable().optional(),
      allocation_pools: allocationPools.optional(),
      enable_dhcp: z.boolean().optional(),
      dns_nameservers: dnsNameservers.optional(),
      host_routes: hostRoutes.optional(),
      project_id: projectId.optional(),
    }),
  },
  'subnets.list': { mutates: false, input: listInput('subnets.list') },
  'subnets.get': { mutates: false, input: byId },
  /** Every bottom copy follows, or nothing changes. */
  'subnets.update': {
    mutates: true,
    input: z.strictObject({
      id,
      name: name.optional(),
      gateway_ip: ip.nullable().optional(),
      allocation_pools: allocationPools.optional(),
      enable_dhcp: z.boolean().optional(),
      dns_nameservers: dnsNameservers.optional(),
      host_routes: hostRoutes.optional(),
    }),
  },
  'subnets.delete': { mutates: true, input: byId },

  'ports.create': {
    mutates: true,
    input: z.strictObject({
      network_id: id,
      fixed_ips: fixedIpsInput.optional(),
      device_owner: z.string().max(255).optional(),
      device_id: z.string().max(255).optional(),
      mac_address: macAddress.optional(),
      name: name.optional(),
      project_id: projectId.optional(),
      /** Neutron's default: the project's `default` group (none for network:* ports, or with port security off). */
      security_groups: securityGroupIds.optional(),
      /** Neutron's port-security extension (default on); off, the port takes no groups. */
      port_security_enabled: z.boolean().optional(),
    }),
  },
  'ports.list': { mutates: false, input: listInput('ports.list') },
  'ports.get': { mutates: false, input: byId },
  /** fixed_ips replaces the port's addresses, within its network, through IPAM; every bottom copy follows. */
  'ports.update': {
    mutates: true,
    input: z.strictObject({
      id,
      name: name.optional(),
      admin_state_up: z.boolean().optional(),
      device_owner: z.string().max(255).optional(),
      device_id: z.string().max(255).optional(),
      fixed_ips: fixedIpsInput.min(1).optional(),
      security_groups: securityGroupIds.optional(),
      port_security_enabled: z.boolean().optional(),
    }),
  },
  'ports.delete': { mutates: true, input: byId },

  'routers.create': {
    mutates: true,
    input: z.strictObject({
      name: name.default(''),
      project_id: projectId,
      admin_state_up: z.boolean().optional(),
      external_gateway_info: gatewayInfo.optional(),
    }),
  },
  'routers.list': { mutates: false, input: listInput('routers.list') },
  'routers.get': { mutates: false, input: byId },
  'routers.update': {
    mutates: true,
    input: z.strictObject({
      id,
      name: name.optional(),
      admin_state_up: z.boolean().optional(),
      routes: z.array(route).max(256).optional(),
      external_gateway_info: gatewayInfo.or(z.strictObject({})).nullable().optional(),
    }),
  },
  'routers.delete': { mutates: true, input: byId },
  'routers.addInterface': { mutates: true, input: interfaceInput },
  'routers.removeInterface': { mutates: true, input: interfaceInput },
  'routers.setGateway': {
    mutates: true,
    input: z.strictObject({
      id,
      network_id: id,
      enable_snat: z.boolean().optional(),
      external_fixed_ips: fixedIpsInput.optional(),
    }),
  },
  'routers.clearGateway': { mutates: true, input: byId },

  'fips.create': {
    mutates: true,
    input: z.strictObject({
      floating_network_id: id,
      floating_ip_address: ip.optional(),
      port_id: id.nullable().optional(),
      fixed_ip_address: ip.optional(),
      project_id: projectId.optional(),
    }),
  },
  'fips.list': { mutates: false, input: listInput('fips.list') },
  /** One page of floating IPs with each one's path, for the floating-IP view. */
  'fips.listWithPaths': { mutates: false, input: listInput('fips.list') },
  'fips.get': { mutates: false, input: byId },
  'fips.associate': {
    mutates: true,
    input: z.strictObject({ id, port_id: id, fixed_ip_address: ip.optional() }),
  },
  'fips.disassociate': { mutates: true, input: byId },
  'fips.delete': { mutates: true, input: byId },
  'fips.path': { mutates: false, input: byId },

  // ---- security groups ----
  'secgroups.create': { mutates: true, input: secgroupCreateInput },
  'secgroups.list': { mutates: false, input: listInput('secgroups.list') },
  'secgroups.get': { mutates: false, input: byId },
  'secgroups.update': { mutates: true, input: secgroupUpdateInput },
  'secgroups.delete': { mutates: true, input: byId },
  'secgroupRules.create': { mutates: true, input: secgroupRuleInput },
  'secgroupRules.list': { mutates: false, input: listInput('secgroupRules.list') },
  'secgroupRules.get': { mutates: false, input: byId },
  'secgroupRules.delete': { mutates: true, input: byId },
  // ---- end security groups ----

  'routings.list': { mutates: false, input: listInput('routings.list') },
  /** What a lab pod holds, as its own Neutron would list it (/regions/<region>/v2.0). */
  'bottoms.list': { mutates: false, input: z.strictObject({ region_name: name.min(1), resource: z.enum(BOTTOM_KINDS) }) },
  'bottoms.get': { mutates: false, input: z.strictObject({ region_name: name.min(1), resource: z.enum(BOTTOM_KINDS), id }) },
  'routings.get': { mutates: false, input: z.strictObject({ id: routingId }) },
  /** Tricircle's admin API (§11.2): POST /v1.0/routings, every field given and non-blank. */
  'routings.create': {
    mutates: true,
    input: z.strictObject({ top_id: nonBlank, bottom_id: nonBlank, pod_id: nonBlank, project_id: nonBlank, resource_type: nonBlank }),
  },
  /** Tricircle's admin API (§11.2): DELETE and PUT /v1.0/routings/{id}. */
  'routings.delete': { mutates: true, input: z.strictObject({ id: routingId }) },
  'routings.update': {
    mutates: true,
    input: z
      .strictObject({
        id: routingId,
        top_id: nonBlank.optional(),
        bottom_id: nonBlank.optional(),
        pod_id: nonBlank.optional(),
        project_id: nonBlank.optional(),
        resource_type: nonBlank.optional(),
      })
      .refine((r) => ['top_id', 'bottom_id', 'pod_id', 'project_id', 'resource_type'].some((k) => k in r), { message: 'give at least one of top_id, bottom_id, pod_id, project_id, resource_type' }),
  },
  /** A job that rebuilds a router's bottom state from the top. */
  'routers.resync': { mutates: true, input: byId },

  /** Drift between the top and the bottoms: a dry run. */
  'doctor.run': { mutates: false, input: z.strictObject({}) },
  /** Applies the repairs of the findings named (ids from doctor.run), or of all of them. */
  'doctor.repair': {
    mutates: true,
    input: z
      .strictObject({ ids: z.array(z.string().regex(/^[0-9a-f]{16}$/, 'a finding id from doctor.run')).min(1).max(10_000).optional(), all: z.literal(true).optional() })
      .refine((r) => (r.ids === undefined) !== (r.all === undefined), { message: 'give either ids or all: true' }),
  },

  'jobs.list': { mutates: false, input: listInput('jobs.list') },
  'jobs.get': { mutates: false, input: byId },
  'jobs.redo': { mutates: true, input: byId },
  /** A job on a router, queued as NEW (Tricircle's POST /v1.0/jobs); the router must be the project's. */
  'jobs.create': {
    mutates: true,
    input: z.strictObject({ type: z.enum(JOB_CREATE_TYPES), project_id: projectId, router_id: id }),
  },
  /** Only NEW and FAIL jobs: a RUNNING one is being done, a SUCCESS one is the log. */
  'jobs.delete': { mutates: true, input: byId },

  'audit.list': { mutates: false, input: listInput('audit.list') },
  /** The log (oldest first) as JSON lines or CSV, optionally by time range (ISO, `since` ≤ at < `until`) and field. */
  'audit.export': {
    mutates: false,
    input: z.strictObject({
      format: z.enum(['jsonl', 'csv']).default('jsonl'),
      since: z.iso.datetime().optional(),
      until: z.iso.datetime().optional(),
      operation: z.string().min(1).max(255).optional(),
      result_code: z.string().min(1).max(255).optional(),
      actor: z.string().min(1).max(255).optional(),
    }),
  },
  'audit.getRetention': { mutates: false, input: z.strictObject({}) },
  /** Undoes the action this audit entry records (one of `undo.state`'s), if the world still lets it. */
  'audit.undo': { mutates: true, input: z.strictObject({ id: z.number().int().min(1) }) },
  /** The latest action of this lab that can be undone, run in reverse through the engine. */
  'undo.undo': { mutates: true, input: z.strictObject({}) },
  /** The action undone last, run again (a new action in between empties the redo list). */
  'undo.redo': { mutates: true, input: z.strictObject({}) },
  'undo.state': { mutates: false, input: z.strictObject({}) },
  /** Entries (and SUCCESS jobs) older than max_age_days or beyond the max_entries newest are pruned; null = no limit. */
  'audit.setRetention': {
    mutates: true,
    input: z.strictObject({
      max_age_days: z.number().int().min(1).max(36_500).nullable().optional(),
      max_entries: z.number().int().min(100).max(100_000_000).nullable().optional(),
    }),
  },

  'quotas.get': { mutates: false, input: z.strictObject({ project_id: projectId }) },
  'quotas.update': {
    mutates: true,
    input: z.strictObject({
      project_id: projectId,
      network: z.number().int().min(-1).max(2147483647).optional(),
      subnet: z.number().int().min(-1).max(2147483647).optional(),
      port: z.number().int().min(-1).max(2147483647).optional(),
      router: z.number().int().min(-1).max(2147483647).optional(),
      floatingip: z.number().int().min(-1).max(2147483647).optional(),
    }),
  },

  'lab.loadExample': { mutates: true, input: z.strictObject({}) },
  'lab.topology': { mutates: false, input: z.strictObject({ project_id: projectId.optional() }) },

  /** The estate at a glance: pods, links by pod pair, bridges as shared segments. */
  'topology.summary': { mutates: false, input: z.strictObject({ project_id: projectId.optional() }) },
  /** One pod, project or router in full, floating IPs one page at a time (the page holding `focus_fip`). */
  'topology.detail': {
    mutates: false,
    input: z.strictObject({
      scope: z.enum(['pod', 'project', 'router']),
      id,
      fip_offset: z.number().int().min(0).optional(),
      fip_limit: z.number().int().min(1).max(500).optional(),
      focus_fip: id.optional(),
      focus_port: id.optional(),
    }),
  },
  'topology.search': { mutates: false, input: z.strictObject({ q: z.string().trim().min(1).max(255), limit: z.number().int().min(1).max(50).optional() }) },
  'topology.router': { mutates: false, input: byId },
  'topology.network': { mutates: false, input: byId },
  /** One floating IP's path with each hop's pod and bottom ids: what a highlight needs, nothing more. */
  'topology.fip': { mutates: false, input: byId },

  'view.get': { mutates: false, input: z.strictObject({ view: z.string().min(1).max(300) }) },
  'view.set': {
    mutates: true,
    input: z.strictObject({
      view: z.string().min(1).max(300),
      state: z.strictObject({
        positions: z.record(z.string().max(600), z.strictObject({ x: z.number().finite(), y: z.number().finite() })).refine((r) => Object.keys(r).length <= 20_000, 'at most 20,000 positions'),
        collapsed: z.array(z.string().max(600)).max(10_000),
        /** The selected project ('' for all): kept under the view `console`. */
        project: z.string().max(255).optional(),
      }),
    }),
  },

  // ---- labs: each lab one SQLite file; the host (not one engine) answers these ----
  // Names are checked by the host (LAB_NAME_INVALID), not by the schema, so a form shows that code.
  // `name` optional: the current lab.
  'labs.list': { mutates: false, input: z.strictObject({}), output: z.strictObject({ labs: z.array(z.lazy(() => labInfo)), current: z.string().nullable(), single_file: z.boolean() }) },
  'labs.current': { mutates: false, input: z.strictObject({}), output: z.lazy(() => labInfo) },
  /** A new lab, empty or built from a gallery example (with labs.progress events); opened unless open: false. */
  'labs.create': { mutates: true, input: z.strictObject({ name: labNameInput, example: z.enum(LAB_EXAMPLES).optional(), open: z.boolean().optional() }), output: z.lazy(() => labInfo) },
  /** Switches to the lab: the engine is swapped, then labs.changed tells every view to reload. */
  'labs.open': { mutates: true, input: z.strictObject({ name: labNameInput }), output: z.lazy(() => labInfo) },
  'labs.rename': { mutates: true, input: z.strictObject({ name: labNameInput, new_name: labNameInput }), output: z.lazy(() => labInfo) },
  /** A copy by SQLite online backup; not opened. */
  'labs.duplicate': { mutates: true, input: z.strictObject({ name: labNameInput, new_name: labNameInput }), output: z.lazy(() => labInfo) },
  /** Removes the file and its snapshots. Not the current lab (LAB_IN_USE): open another first. */
  'labs.delete': { mutates: true, input: z.strictObject({ name: labNameInput }), output: z.strictObject({ name: z.string() }) },
  /**
   * Empties the lab: its file is replaced by a new one (a "before reset" snapshot is taken first).
   * Only the file: a real region is never touched. A lab with real-region pods needs `force: true`
   * (LAB_HAS_REAL_REGIONS otherwise).
   */
  'labs.reset': { mutates: true, input: z.strictObject({ name: labNameInput.optional(), force: z.boolean().optional() }), output: z.lazy(() => labInfo) },
  /** The lab document (and its canonical text, byte-identical for the same content). */
  'labs.export': { mutates: false, input: z.strictObject({ name: labNameInput.optional() }), output: z.strictObject({ document: z.custom<LabDocument>(), text: z.string() }) },
  /**
   * A new lab from a document, replayed through the engine's operations with labs.progress events.
   * A broken document is refused up front (LAB_DOCUMENT_INVALID, details.issues with paths) and
   * nothing is created; a replay step that fails removes the new file. Opened unless open: false.
   */
  'labs.import': { mutates: true, input: z.strictObject({ name: labNameInput, document: z.unknown(), open: z.boolean().optional() }), output: z.lazy(() => labInfo) },
  /** An online backup of the lab into its snapshots folder. */
  'labs.snapshot': { mutates: true, input: z.strictObject({ name: labNameInput.optional(), label: z.string().max(64).optional() }), output: z.lazy(() => snapshotInfo) },
  /** Newest first. */
  'labs.snapshots': { mutates: false, input: z.strictObject({ name: labNameInput.optional() }), output: z.strictObject({ snapshots: z.array(z.lazy(() => snapshotInfo)) }) },
  /**
   * Replaces the lab with a snapshot, after taking a "before-restore" snapshot. Real-region pods
   * need `force: true` (LAB_HAS_REAL_REGIONS): the regions are not rolled back, only the file.
   */
  'labs.restore': {
    mutates: true,
    input: z.strictObject({ name: labNameInput.optional(), snapshot: z.string().min(1).max(255), force: z.boolean().optional() }),
    output: z.strictObject({ lab: z.lazy(() => labInfo), before: z.lazy(() => snapshotInfo) }),
  },
} as const;

/** Methods the lab host answers itself; every other method goes to the current lab's engine. */
export const LAB_METHODS = ['labs.list', 'labs.current', 'labs.create', 'labs.open', 'labs.rename', 'labs.duplicate', 'labs.delete', 'labs.reset', 'labs.export', 'labs.import', 'labs.snapshot', 'labs.snapshots', 'labs.restore'] as const;
export type LabMethod = (typeof LAB_METHODS)[number];
export type EngineMethod = Exclude<Method, LabMethod>;
export function isLabMethod(m: string): m is LabMethod {
  return (LAB_METHODS as readonly string[]).includes(m);
}

const labInfo = z.strictObject({
  name: z.string(),
  /** The lab the engine runs now. */
  current: z.boolean(),
  size_bytes: z.number(),
  modified_at: z.string(),
  pods: z.number(),
  /** Region names of the real-region (neutron) pods: a reset or restore only replaces the file, never touches these. */
  real_regions: z.array(z.string()),
});
const snapshotInfo = z.strictObject({
  /** The snapshot's file name: what labs.restore takes. */
  id: z.string(),
  lab: z.string(),
  label: z.string(),
  created_at: z.string(),
  size_bytes: z.number(),
});
export type LabInfo = z.infer<typeof labInfo>;
export type SnapshotInfo = z.infer<typeof snapshotInfo>;

/** A labs.progress event: how far a create-from-example, import, reset or restore is. */
export interface LabProgress {
  lab: string;
  operation: 'create' | 'import' | 'reset' | 'restore' | 'open';
  done: number;
  total: number;
  step: string;
}

export interface TopologySnapshot {
  pods: Pod[];
  /** Per pod: the bottom networks and routers it holds, keyed by top id where one exists. */
  bottoms: {
    pod_id: string;
    networks: { id: string; top_id: string | null; name: string; external: boolean; bridge: 'ew' | 'ns' | null; cidrs: string[]; vlan: number | null }[];
    routers: { id: string; top_id: string | null; name: string; gateway_network_id: string | null; interface_network_ids: string[] }[];
    floatingips: { id: string; address: string; network_id: string; port_id: string | null; fixed_ip_address: string | null }[];
  }[];
  /** At most 1,000 paths; `fips_total` says how many floating IPs there are in all. */
  fips: FipPath[];
  fips_total?: number;
}

export interface TestConnectionResult {
  reachable: boolean;
  auth: 'ok' | 'failed' | 'not-required';
  extensions: { router: boolean; 'external-net': boolean; extraroute: boolean };
  error: { code: string; message: string } | null;
}

export interface AuditRetention {
  /** Audit entries and SUCCESS jobs older than this many days are removed; null keeps them. */
  max_age_days: number | null;
  /** Only this many newest audit entries (and SUCCESS jobs) are kept; null keeps them all. */
  max_entries: number | null;
}

export interface AuditExport {
  format: 'jsonl' | 'csv';
  content_type: string;
  count: number;
  data: string;
}

export type FindingKind = 'missing_bottom' | 'orphan_bottom' | 'mismatch' | 'stale_routing' | 'ipam_leak' | 'routes_drift' | 'fip_binding_drift' | 'pod_unreachable';

/** What a repair does, in machine form; `args` carries what the action needs. */
export type RepairAction = 'drop_routing' | 'rebuild' | 'recreate' | 'delete_bottom' | 'update_bottom' | 'release_address' | 'configure_routes' | 'sync_rules' | 'realise_fip' | 'unbind_fip' | 'none';

export interface DoctorFinding {
  /** Stable for the same drift: a hash of kind, pod, type, ids and what differs. */
  id: string;
  kind: FindingKind;
  pod: { pod_id: string; region_name: string } | null;
  resource_type: string;
  top_id: string | null;
  bottom_id: string | null;
  project_id: string | null;
  detail: string;
  repair: { action: RepairAction; text: string; args: Record<string, unknown> };
}

export interface RepairResult {
  id: string;
  kind: FindingKind;
  status: 'repaired' | 'skipped' | 'failed';
  message: string;
  error?: { code: string; message: string };
}

/** An action of this lab's session that can be undone (or redone). */
export interface UndoInfo {
  /** The audit entry of the action. */
  audit_id: number;
  operation: Method;
  /** What it did, by name and address: "release 162.3.124.5". */
  text: string;
  at: string;
}

/** Newest first. */
export interface UndoState {
  undo: UndoInfo[];
  redo: UndoInfo[];
}

/** What an undo or redo did: the action, and the audit entry of the undo itself. */
export interface UndoResult {
  entry: UndoInfo;
  audit_id: number;
  state: UndoState;
}

export interface FipWithPath extends FloatingIp {
  path: FipPath;
}

/** Output types, one per method. */
export interface Outputs {
  'pods.create': Pod;
  'pods.list': Page<Pod>;
  'pods.get': Pod;
  'pods.update': Pod;
  /** `left`, after a forced delete: the bottoms Crosspod had in the region, by type. */
  'pods.delete': { pod_id: string; left?: Record<string, { bottom_id: string; name: string; top_id: string }[]> };
  'pods.testConnection': TestConnectionResult;
  'pods.health': { pods: PodHealth[] };
  'networks.create': Network;
  'networks.createExternal': { network: Network; subnet: Subnet };
  'networks.list': Page<Network>;
  'networks.get': Network;
  'networks.update': Network;
  'networks.delete': { id: string };
  'subnets.create': Subnet;
  'subnets.list': Page<Subnet>;
  'subnets.get': Subnet;
  'subnets.update': Subnet;
  'subnets.delete': { id: string };
  'ports.create': Port;
  'ports.list': Page<Port>;
  'ports.get': Port;
  'ports.update': Port;
  'ports.delete': { id: string };
  'routers.create': Router;
  'routers.list': Page<Router>;
  'routers.get': Router;
  'routers.update': Router;
  'routers.delete': { id: string };
  'routers.addInterface': RouterInterfaceInfo;
  'routers.removeInterface': RouterInterfaceInfo;
  'routers.setGateway': Router;
  'routers.clearGateway': Router;
  'fips.create': FloatingIp;
  'fips.list': Page<FloatingIp>;
  'fips.listWithPaths': Page<FipWithPath>;
  'fips.get': FloatingIp;
  'fips.associate': FloatingIp;
  'fips.disassociate': FloatingIp;
  'fips.delete': { id: string };
  'fips.path': FipPath;
  'secgroups.create': SecurityGroup;
  'secgroups.list': Page<SecurityGroup>;
  'secgroups.get': SecurityGroup;
  'secgroups.update': SecurityGroup;
  'secgroups.delete': { id: string };
  'secgroupRules.create': SecurityGroupRule;
  'secgroupRules.list': Page<SecurityGroupRule>;
  'secgroupRules.get': SecurityGroupRule;
  'secgroupRules.delete': { id: string };
  'routings.list': Page<Routing>;
  'routings.get': Routing;
  'bottoms.list': { items: Record<string, unknown>[] };
  'bottoms.get': Record<string, unknown>;
  'routings.create': Routing;
  'routings.delete': { id: number };
  'routings.update': Routing;
  'routers.resync': Job;
  'doctor.run': { findings: DoctorFinding[] };
  'doctor.repair': { results: RepairResult[] };
  'jobs.list': Page<Job>;
  'jobs.get': Job;
  'jobs.redo': Job;
  'jobs.create': Job;
  'jobs.delete': { id: string };
  'audit.list': Page<AuditEntry>;
  'audit.export': AuditExport;
  'audit.getRetention': AuditRetention;
  'audit.undo': UndoResult;
  'undo.undo': UndoResult;
  'undo.redo': UndoResult;
  'undo.state': UndoState;
  'audit.setRetention': AuditRetention & { pruned: { audit: number; jobs: number } };
  'quotas.get': Quota;
  'quotas.update': Quota;
  'lab.loadExample': { pods: string[]; fips: string[] };
  'lab.topology': TopologySnapshot;
  'topology.summary': TopologySummary;
  'topology.detail': TopologyDetail;
  'topology.search': { hits: SearchHit[]; more: boolean };
  'topology.router': RouterDetails;
  'topology.network': NetworkDetails;
  'topology.fip': TopoFip;
  'view.get': { view: string; state: ViewState | null };
  'view.set': { view: string; state: ViewState };
  /** `single_file`: the console serves one file (--db), so only that lab is listed and labs.* that make or switch labs answer LABS_SINGLE_FILE. */
  'labs.list': { labs: LabInfo[]; current: string | null; single_file: boolean };
  'labs.current': LabInfo;
  'labs.create': LabInfo;
  'labs.open': LabInfo;
  'labs.rename': LabInfo;
  'labs.duplicate': LabInfo;
  'labs.delete': { name: string };
  'labs.reset': LabInfo;
  'labs.export': { document: LabDocument; text: string };
  'labs.import': LabInfo;
  'labs.snapshot': SnapshotInfo;
  'labs.snapshots': { snapshots: SnapshotInfo[] };
  'labs.restore': { lab: LabInfo; before: SnapshotInfo };
}

export type Contract = typeof contract;
export type Method = keyof Contract;
export type Input<M extends Method> = z.input<Contract[M]['input']>;
export type ParsedInput<M extends Method> = z.output<Contract[M]['input']>;
export type Output<M extends Method> = Outputs[M];
export const methods = Object.keys(contract) as Method[];

/** The typed API surface: one async function per method. */
export type Api = { [M in Method]: (input: Input<M>) => Promise<Output<M>> };

/** Events are `domain.changed` with the ids that changed; the renderer refetches what it shows. */
export type EventName =
  | 'pods.changed'
  | 'networks.changed'
  | 'subnets.changed'
  | 'ports.changed'
  | 'routers.changed'
  | 'fips.changed'
  | 'secgroups.changed'
  | 'routings.changed'
  | 'jobs.changed'
  | 'audit.changed'
  /** The lab set changed or the current lab was switched (ids: the lab names): every view reloads. */
  | 'labs.changed'
  /** How far a lab operation is (`lab_progress`); changes nothing on screen by itself. */
  | 'labs.progress';

export interface EngineEvent {
  name: EventName;
  ids: string[];
  /** Job progress, for jobs.changed. */
  progress?: { job_id: string; status: string; step?: string };
  /** For labs.changed: the current lab after the change. */
  current?: string | null;
  /** For labs.progress. */
  lab_progress?: LabProgress;
}

export function isMethod(name: string): name is Method {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

/** Validates an input against the contract; throws a zod error the caller turns into INVALID_INPUT. */
export function parseInput<M extends Method>(method: M, input: unknown): ParsedInput<M> {
  return contract[method].input.parse(input ?? {}) as ParsedInput<M>;
}
