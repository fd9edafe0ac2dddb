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
  Subnet,
} from './model';

const id = z.string().min(1).max(255);
const name = z.string().max(255);
const projectId = z.string().min(1).max(255);
const ip = z.string().min(1).max(64);
const filterValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** `*.list`: equality filters on output fields, plus limit and marker. */
const listInput = z
  .object({ limit: z.number().int().min(1).max(10_000).optional(), marker: z.string().optional() })
  .catchall(filterValue);
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

/** Routing ids are integers (Tricircle's BigInteger, §13 row 13). */
const routingId = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
/** Tricircle: "Field X can not be empty". */
const nonBlank = z.string().max(255).refine((v) => v.trim() !== '', { message: 'can not be empty' });

const interfaceInput = z.strictObject({ id, subnet_id: id.optional(), port_id: id.optional() });

export const contract = {
  'pods.create': { mutates: true, input: z.strictObject(podFields) },
  'pods.list': { mutates: false, input: listInput },
  'pods.get': { mutates: false, input: z.strictObject({ pod_id: id }) },
  'pods.update': { mutates: true, input: z.strictObject({ pod_id: id, ...podFields }) },
  /** `force`: for a dead pod, drop its routing rows (and its lab rows) and say what may be left in the region. */
  'pods.delete': { mutates: true, input: z.strictObject({ pod_id: id, force: z.boolean().optional() }) },
  'pods.testConnection': { mutates: false, input: z.strictObject({ pod_id: id }) },

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
  'networks.list': { mutates: false, input: listInput },
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
      allocation_pools: z.array(z.strictObject({ start: ip, end: ip })).max(64).optional(),
      enable_dhcp: z.boolean().optional(),
      project_id: projectId.optional(),
    }),
  },
  'subnets.list': { mutates: false, input: listInput },
  'subnets.get': { mutates: false, input: byId },
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
    }),
  },
  'ports.list': { mutates: false, input: listInput },
  'ports.get': { mutates: false, input: byId },
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
  'routers.list': { mutates: false, input: listInput },
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
  'fips.list': { mutates: false, input: listInput },
  /** One page of floating IPs with each one's path, for the floating-IP view. */
  'fips.listWithPaths': { mutates: false, input: listInput },
  'fips.get': { mutates: false, input: byId },
  'fips.associate': {
    mutates: true,
    input: z.strictObject({ id, port_id: id, fixed_ip_address: ip.optional() }),
  },
  'fips.disassociate': { mutates: true, input: byId },
  'fips.delete': { mutates: true, input: byId },
  'fips.path': { mutates: false, input: byId },

  'routings.list': { mutates: false, input: listInput },
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

  'jobs.list': { mutates: false, input: listInput },
  'jobs.get': { mutates: false, input: byId },
  'jobs.redo': { mutates: true, input: byId },

  'audit.list': { mutates: false, input: listInput },

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
} as const;

export interface TopologySnapshot {
  pods: Pod[];
  /** Per pod: the bottom networks and routers it holds, keyed by top id where one exists. */
  bottoms: {
    pod_id: string;
    networks: { id: string; top_id: string | null; name: string; external: boolean; bridge: 'ew' | 'ns' | null; cidrs: string[]; vlan: number | null }[];
    routers: { id: string; top_id: string | null; name: string; gateway_network_id: string | null; interface_network_ids: string[] }[];
    floatingips: { id: string; address: string; network_id: string; port_id: string | null; fixed_ip_address: string | null }[];
  }[];
  fips: FipPath[];
}

export interface TestConnectionResult {
  reachable: boolean;
  auth: 'ok' | 'failed' | 'not-required';
  extensions: { router: boolean; 'external-net': boolean; extraroute: boolean };
  error: { code: string; message: string } | null;
}

export type FindingKind = 'missing_bottom' | 'orphan_bottom' | 'mismatch' | 'stale_routing' | 'ipam_leak' | 'routes_drift' | 'fip_binding_drift' | 'pod_unreachable';

/** What a repair does, in machine form; `args` carries what the action needs. */
export type RepairAction = 'drop_routing' | 'rebuild' | 'recreate' | 'delete_bottom' | 'update_bottom' | 'release_address' | 'configure_routes' | 'realise_fip' | 'unbind_fip' | 'none';

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
  'networks.create': Network;
  'networks.list': Page<Network>;
  'networks.get': Network;
  'networks.update': Network;
  'networks.delete': { id: string };
  'subnets.create': Subnet;
  'subnets.list': Page<Subnet>;
  'subnets.get': Subnet;
  'subnets.delete': { id: string };
  'ports.create': Port;
  'ports.list': Page<Port>;
  'ports.get': Port;
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
  'routings.list': Page<Routing>;
  'routings.delete': { id: number };
  'routings.update': Routing;
  'routers.resync': Job;
  'doctor.run': { findings: DoctorFinding[] };
  'doctor.repair': { results: RepairResult[] };
  'jobs.list': Page<Job>;
  'jobs.get': Job;
  'jobs.redo': Job;
  'audit.list': Page<AuditEntry>;
  'quotas.get': Quota;
  'quotas.update': Quota;
  'lab.loadExample': { pods: string[]; fips: string[] };
  'lab.topology': TopologySnapshot;
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
  | 'routings.changed'
  | 'jobs.changed'
  | 'audit.changed';

export interface EngineEvent {
  name: EventName;
  ids: string[];
  /** Job progress, for jobs.changed. */
  progress?: { job_id: string; status: string; step?: string };
}

export function isMethod(name: string): name is Method {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

/** Validates an input against the contract; throws a zod error the caller turns into INVALID_INPUT. */
export function parseInput<M extends Method>(method: M, input: unknown): ParsedInput<M> {
  return contract[method].input.parse(input ?? {}) as ParsedInput<M>;
}
