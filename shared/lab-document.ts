// The lab document: a declarative, versioned description of a lab that references everything by
// name, so it can be diffed and written by hand. `labs.export` writes it, `labs.import` replays it
// through the engine's own operations. The JSON Schema shipped beside it
// (shared/lab-document.schema.json) is generated from this zod schema (scripts/lab-schema.mjs).
import { z } from 'zod';

export const LAB_DOCUMENT_VERSION = 1;

const name = z.string().min(1).max(255);
const project = z.string().min(1).max(255);
const address = z.union([z.ipv4(), z.ipv6()], { error: 'an IPv4 or IPv6 address' });
const cidr = z.union([z.cidrv4(), z.cidrv6()], { error: 'a CIDR like 10.0.1.0/24 or 2001:db8::/64' });

const pool = z.strictObject({ start: address, end: address });
const route = z.strictObject({ destination: cidr, nexthop: address });

export const labSubnet = z.strictObject({
  /** What interfaces and fixed IPs refer to: the name, or the CIDR when the subnet has none. */
  name: z.string().max(255).optional(),
  cidr,
  gateway_ip: address.nullable().optional(),
  allocation_pools: z.array(pool).max(64).optional(),
  enable_dhcp: z.boolean().optional(),
  dns_nameservers: z.array(address).max(16).optional(),
  host_routes: z.array(route).max(64).optional(),
});

/** A real region is represented by its endpoint and user, never its password (CROSSPOD_PASSWORD_<REGION> or the pod form). */
export const labNeutron = z.strictObject({
  auth_type: z.enum(['password', 'noauth']),
  endpoint: z.string().url().optional(),
  auth_url: z.string().url().optional(),
  username: z.string().max(255).optional(),
  user_domain_name: z.string().max(255).optional(),
  project_name: z.string().max(255).optional(),
  project_domain_name: z.string().max(255).optional(),
  timeout_ms: z.number().int().min(100).max(600_000).optional(),
});

export const labPod = z.strictObject({
  region: name,
  /** The top pod (Tricircle's central region) has no AZ; every other pod has one. */
  top: z.boolean().optional(),
  az: z.string().max(255).optional(),
  pod_az: z.string().max(255).optional(),
  dc: z.string().max(255).optional(),
  driver: z.enum(['lab', 'neutron']).optional(),
  neutron: labNeutron.optional(),
});

export const labExternalNetwork = z.strictObject({
  name,
  project,
  /** The pod (region name) the external network lives in. */
  pod: name,
  network_type: z.string().max(64).optional(),
  physical_network: z.string().max(64).optional(),
  subnets: z.array(labSubnet).min(1).max(64),
});

export const labNetwork = z.strictObject({
  name,
  project,
  availability_zone_hints: z.array(name).max(16).optional(),
  network_type: z.string().max(64).optional(),
  physical_network: z.string().max(64).optional(),
  segmentation_id: z.number().int().min(0).max(16_777_215).optional(),
  shared: z.boolean().optional(),
  admin_state_up: z.boolean().optional(),
  subnets: z.array(labSubnet).max(64).optional(),
});

/** A fixed IP: the subnet (by name, or CIDR when unnamed) and the address. */
const fixedIp = z.strictObject({ subnet: name, ip: address });

export const labRouter = z.strictObject({
  name,
  project,
  admin_state_up: z.boolean().optional(),
  /** Subnets (by name) the router has an interface on. */
  interfaces: z.array(name).max(256).optional(),
  gateway: z
    .strictObject({
      network: name,
      enable_snat: z.boolean().optional(),
      ips: z.array(fixedIp).max(16).optional(),
    })
    .optional(),
  routes: z.array(route).max(256).optional(),
});

export const labPort = z.strictObject({
  network: name,
  name: z.string().max(255).optional(),
  project: project.optional(),
  ips: z.array(fixedIp).min(1).max(16),
  mac_address: z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'a lower-case MAC address like fa:16:3e:00:01:04').optional(),
  device_owner: z.string().max(255).optional(),
  device_id: z.string().max(255).optional(),
  admin_state_up: z.boolean().optional(),
});

export const labFloatingIp = z.strictObject({
  address,
  /** The external network (by name). */
  network: name,
  project: project.optional(),
  /** The port it is associated with: its network (by name) and fixed address. */
  port: z.strictObject({ network: name, ip: address }).optional(),
});

export const labBridge = z.strictObject({
  ew_pool: cidr,
  ns_pool: cidr,
  prefixlen: z.number().int().min(8).max(30),
  physical_network: z.string().min(1).max(64),
  vlan_min: z.number().int().min(1).max(4094),
  vlan_max: z.number().int().min(1).max(4094),
});

export const labViewState = z.strictObject({
  positions: z.record(z.string().max(600), z.strictObject({ x: z.number().finite(), y: z.number().finite() })),
  collapsed: z.array(z.string().max(600)).max(10_000),
  project: z.string().max(255).optional(),
});

export const labDocument = z.strictObject({
  crosspod_lab: z.literal(LAB_DOCUMENT_VERSION, { error: `the version must be ${LAB_DOCUMENT_VERSION} ("crosspod_lab": ${LAB_DOCUMENT_VERSION})` }),
  bridge: labBridge.optional(),
  pods: z.array(labPod).max(1000),
  external_networks: z.array(labExternalNetwork).max(1000).optional(),
  networks: z.array(labNetwork).max(100_000).optional(),
  routers: z.array(labRouter).max(100_000).optional(),
  ports: z.array(labPort).max(1_000_000).optional(),
  floating_ips: z.array(labFloatingIp).max(1_000_000).optional(),
  /**
   * The console's view state (topology positions, collapsed pods, the selected project), keyed by
   * view. Resource ids in keys are written as `{pod:Pod1}`, `{router:R}`, `{network:net1}`, ….
   */
  views: z.record(z.string().max(300), labViewState).optional(),
});

export type LabDocument = z.infer<typeof labDocument>;
export type LabPodDoc = z.infer<typeof labPod>;
export type LabSubnetDoc = z.infer<typeof labSubnet>;

/** The gallery: examples a new lab can be built from. */
export const LAB_EXAMPLES = ['worked-example', 'two-routers-three-pods', 'same-pod', 'demo-20-pods'] as const;
export type LabExample = (typeof LAB_EXAMPLES)[number];
export const LAB_EXAMPLE_TITLES: Record<LabExample, string> = {
  'worked-example': 'The worked example (reference §12)',
  'two-routers-three-pods': 'Two routers in three pods',
  'same-pod': 'The same-pod variant',
  'demo-20-pods': '20-pod demo with 2,000 floating IPs',
};

/**
 * Lab names: a file name on every platform. Letters, digits, space, dot, dash and underscore,
 * starting with a letter or digit, at most 64 characters, not ending in a dot or space.
 */
export const LAB_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9_-])?$/;
export const labName = z.string().regex(LAB_NAME_PATTERN, 'letters, digits, space, dot, dash or underscore, starting with a letter or digit, at most 64 characters');

/** The JSON Schema of the document, as shipped in shared/lab-document.schema.json. */
export function labDocumentJsonSchema(): string {
  const schema = z.toJSONSchema(labDocument, { target: 'draft-2020-12' }) as Record<string, unknown>;
  const out = { $id: 'https://crosspod.dev/schemas/lab-document-1.json', title: 'Crosspod lab document, version 1', ...schema };
  return JSON.stringify(out, null, 2) + '\n';
}
