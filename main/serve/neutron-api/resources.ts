// The five Neutron collections and how each maps onto the engine's domain. Engine bodies
// already carry Neutron's field names, so "show" only adds the standard attributes clients
// expect to find.
import { contract, type Method } from '../../../shared/contract';

export type Domain = 'networks' | 'subnets' | 'ports' | 'routers' | 'fips' | 'secgroups' | 'secgroupRules';

export interface ResourceDef {
  singular: string;
  collection: string;
  domain: Domain;
  /** The engine needs a project on create (else it inherits the parent's). */
  projectRequired: boolean;
  /** Query-string filters on these fields are typed in the engine's bodies. */
  booleans: ReadonlySet<string>;
  numbers: ReadonlySet<string>;
  /** Attributes the engine does not take because it holds them at this value: sent as is, they are dropped. */
  fixed?: Readonly<Record<string, unknown>>;
  show(body: object): Record<string, unknown>;
}

const standard = (b: object): Record<string, unknown> => ({ description: '', tags: [], ...b });

const BOOLEANS = new Set(['router:external', 'admin_state_up', 'shared', 'enable_dhcp', 'port_security_enabled']);
const NUMBERS = new Set(['ip_version', 'provider:segmentation_id']);
// security groups (issue 15): Neutron's security-group extension.
const SG_BOOLEANS = new Set(['stateful']);
const SG_NUMBERS = new Set(['port_range_min', 'port_range_max']);
/** A rule as Neutron shows it: a protocol number stays text (Neutron's own answer), tenant_id beside project_id. */
const showRule = (b: object): Record<string, unknown> => ({ description: '', ...b });

export const RESOURCES: readonly ResourceDef[] = [
  { singular: 'network', collection: 'networks', domain: 'networks', projectRequired: true, booleans: BOOLEANS, numbers: NUMBERS, show: standard },
  {
    singular: 'subnet',
    collection: 'subnets',
    domain: 'subnets',
    projectRequired: false,
    booleans: BOOLEANS,
    numbers: NUMBERS,
    show: standard,
  },
  // OSC always sends admin_state_up: true for a new port.
  { singular: 'port', collection: 'ports', domain: 'ports', projectRequired: false, booleans: BOOLEANS, numbers: NUMBERS, fixed: { admin_state_up: true }, show: standard },
  { singular: 'router', collection: 'routers', domain: 'routers', projectRequired: true, booleans: BOOLEANS, numbers: NUMBERS, show: standard },
  { singular: 'floatingip', collection: 'floatingips', domain: 'fips', projectRequired: false, booleans: BOOLEANS, numbers: NUMBERS, show: standard },
  { singular: 'security_group', collection: 'security-groups', domain: 'secgroups', projectRequired: true, booleans: SG_BOOLEANS, numbers: SG_NUMBERS, show: standard },
  { singular: 'security_group_rule', collection: 'security-group-rules', domain: 'secgroupRules', projectRequired: false, booleans: SG_BOOLEANS, numbers: SG_NUMBERS, show: showRule },
];

export const byCollection = new Map(RESOURCES.map((r) => [r.collection, r]));

/** The attribute names an engine method accepts, for Neutron's "Unrecognized attribute(s)". */
export function acceptedKeys(method: Method): Set<string> {
  const schema = contract[method].input as unknown as { shape?: Record<string, unknown> };
  return new Set(Object.keys(schema.shape ?? {}));
}
