// What the topology view reads, sized to what it shows: a summary of the estate (pods, links
// aggregated by pod pair, bridges as shared segments), the detail of one pod, project or router on
// demand, a search, and per-node details. Every aggregate says how many things it stands for.
import type { DriverKind, FipAdmits, HopRole, Route } from './model';

export type NetworkKind = 'external' | 'tenant' | 'ew' | 'ns';

/**
 * A pod's reads as the engine last observed them (the budgeted reads of paths, topology and the
 * doctor; nothing is read to fill this in). `failing`: the last read failed, with `failing_since`
 * the first failure after the last success; `unknown`: nothing read within the TTL.
 */
export interface PodReads {
  status: 'ok' | 'failing' | 'unknown';
  last_ok_at: string | null;
  last_error: { code: string; message: string; at: string } | null;
  failing_since: string | null;
}

export interface PodHealth {
  pod_id: string;
  region_name: string;
  reads: PodReads;
}

export interface TopoPodSummary {
  pod_id: string;
  region_name: string;
  az_name: string;
  is_top: boolean;
  driver: DriverKind;
  /**
   * `unreachable` when its last reads failed (`reads`); else `degraded` from the top: FAIL
   * compensation jobs recorded for the pod and routing rows still locked (no bottom id).
   */
  health: { status: 'ok' | 'degraded' | 'unreachable'; failed_jobs: number; pending_routings: number; reads: PodReads };
  counts: {
    /** Networks with a copy in the pod (bridges included). */
    networks: number;
    bridges: number;
    routers: number;
    /** Ports on the pod's tenant and external networks (VMs and router ports). */
    ports: number;
    /** Floating IPs whose external network is in this pod. */
    fips_external: number;
    /** Floating IPs bound to a port in this pod. */
    fips_bound_here: number;
  };
}

/** Floating IPs whose external network is in pod `a` and whose port is in pod `b` (a ≠ b): two-step DNAT. */
export interface TopoLink {
  a: string;
  b: string;
  fips: number;
  projects: number;
}

/** A network with a copy in several pods: one L2 segment across all of them. */
export interface TopoSegment {
  network_id: string;
  name: string;
  kind: NetworkKind;
  project_id: string;
  vlan: number | null;
  cidrs: string[];
  pod_ids: string[];
  /** Floating IPs whose path crosses this segment. */
  fips: number;
}

export interface TopologySummary {
  lab_id: string;
  project_id: string | null;
  pods: TopoPodSummary[];
  links: TopoLink[];
  segments: TopoSegment[];
  totals: { pods: number; networks: number; routers: number; ports: number; fips: number; fips_cross_pod: number; fips_unbound: number };
}

export type DetailScope = 'pod' | 'project' | 'router';

export interface TopoHop {
  role: HopRole;
  address: string;
  pod_id: string;
  region: string;
  /** Top network id. */
  network_id: string;
  network_name: string;
  vlan?: number;
  /** The bottom resources this hop is read from. */
  bottom: { network_id?: string; floatingip_id?: string; port_id?: string };
  /** The pod did not answer: the hop is what the top says. */
  error?: { code: string; message: string };
}

export interface TopoFip {
  id: string;
  address: string;
  project_id: string;
  port_id: string | null;
  mode: 'same-pod' | 'two-step' | 'unbound';
  hops: TopoHop[];
  /** What the VM port's security groups admit from outside (see FipAdmits). */
  admits?: FipAdmits;
}

export interface TopoNetwork {
  id: string;
  name: string;
  project_id: string;
  kind: NetworkKind;
  cidrs: string[];
  vlan: number | null;
  copies: { pod_id: string; bottom_id: string }[];
  ports: number;
}

export interface TopoRouter {
  id: string;
  name: string;
  project_id: string;
  copies: {
    pod_id: string;
    bottom_id: string;
    interfaces: { network_id: string; ip: string | null; bottom_port_id: string }[];
    gateway: { network_id: string; ip: string | null; bottom_port_id: string } | null;
  }[];
}

export interface TopoVm {
  id: string;
  name: string;
  network_id: string;
  pod_id: string;
  bottom_id: string | null;
  ip: string | null;
  fip_ids: string[];
}

export interface TopologyDetail {
  lab_id: string;
  scope: { kind: DetailScope; id: string; label: string };
  /** Every pod the drawing touches; `focus` pods are drawn in full, the others as one node. */
  pods: { pod_id: string; region_name: string; az_name: string; focus: boolean; reads: PodReads }[];
  networks: TopoNetwork[];
  routers: TopoRouter[];
  vms: TopoVm[];
  /** Ports on a network that are not drawn one by one. */
  vms_omitted: { network_id: string; pod_id: string; count: number }[];
  fips: TopoFip[];
  fip_page: { offset: number; limit: number; total: number };
}

export interface SearchHit {
  kind: 'fip' | 'port' | 'router' | 'network' | 'pod';
  id: string;
  label: string;
  detail: string;
  /** What to open to see it. */
  drill: { scope: DetailScope; id: string } | null;
  /** The floating IP whose path to highlight, when there is one. */
  fip_id: string | null;
}

export interface RouterDetails extends TopoRouter {
  routes: { pod_id: string; routes: Route[] }[];
  top_routes: Route[];
  gateway_network_id: string | null;
}

export interface NetworkDetails extends TopoNetwork {
  subnets: { id: string; name: string; cidr: string; gateway_ip: string | null; copies: { pod_id: string; bottom_id: string }[] }[];
  availability_zone_hints: string[];
}

/** Node positions (by node id) and collapsed groups, kept with the lab. */
export interface ViewState {
  positions: Record<string, { x: number; y: number }>;
  collapsed: string[];
  /** The selected project ('' for all), kept under the view `console`. */
  project?: string;
}
