// The reference's worked example (§12) as the engine would report it, for renderer tests.
import type { FipWithPath, TopologySnapshot } from '../../shared/contract';
import type { FipPath, Network, Pod, Port, Subnet } from '../../shared/model';
import type { PodReads, TopologyDetail, TopologySummary, TopoPodSummary } from '../../shared/topology';

const t = '2025-01-01T00:00:00.000Z';

export function pod(pod_id: string, region_name: string, az_name: string, is_top = false): Pod {
  return { pod_id, region_name, pod_name: region_name, az_name, pod_az_name: '', dc_name: '', is_top, driver: 'lab', driver_config: null, created_at: t, updated_at: t };
}

export const pods: Pod[] = [pod('pod-top', 'RegionOne', '', true), pod('pod-1', 'Pod1', 'az1'), pod('pod-2', 'Pod2', 'az2')];

export function network(id: string, name: string, project_id: string, extra: Partial<Network> = {}): Network {
  return {
    id,
    name,
    project_id,
    tenant_id: project_id,
    'router:external': false,
    availability_zone_hints: [],
    'provider:network_type': null,
    'provider:physical_network': null,
    'provider:segmentation_id': null,
    admin_state_up: true,
    shared: false,
    status: 'ACTIVE',
    subnets: [],
    'crosspod:bridge': null,
    created_at: t,
    updated_at: t,
    ...extra,
  };
}

export function subnet(id: string, network_id: string, cidr: string, project_id = 'proj1'): Subnet {
  return { id, name: id, network_id, project_id, tenant_id: project_id, cidr, ip_version: 4, gateway_ip: cidr.replace(/0\/\d+$/, '1'), allocation_pools: [], enable_dhcp: true, dns_nameservers: [], host_routes: [], created_at: t, updated_at: t };
}

export function port(id: string, network_id: string, ip: string, subnet_id: string, device_owner = 'compute:nova'): Port {
  return { id, name: '', network_id, project_id: 'proj1', tenant_id: 'proj1', mac_address: 'fa:16:3e:00:01:04', fixed_ips: [{ subnet_id, ip_address: ip }], device_owner, device_id: '', admin_state_up: true, status: 'DOWN', security_groups: [], port_security_enabled: true, created_at: t, updated_at: t };
}

export const twoStep: FipPath = {
  id: 'T-FIP',
  mode: 'two-step',
  hops: [
    { role: 'external', address: '162.3.124.5', region: 'Pod2', network_id: 'T-EXT', network_name: 'ext-net' },
    { role: 'bridge', address: '100.128.0.3', region: 'Pod1', network_id: 'T-NSNET', network_name: 'ns_bridge_net_proj1', vlan: 2017 },
    { role: 'fixed', address: '10.0.1.4', region: 'Pod1', network_id: 'T-NET1', network_name: 'net1' },
  ],
};

export const samePod: FipPath = {
  id: 'T-FIP2',
  mode: 'same-pod',
  hops: [
    { role: 'external', address: '162.3.125.7', region: 'Pod1', network_id: 'T-EXT1', network_name: 'ext-net1' },
    { role: 'fixed', address: '10.0.1.5', region: 'Pod1', network_id: 'T-NET1', network_name: 'net1' },
  ],
};

export const unbound: FipPath = {
  id: 'T-FIP3',
  mode: 'unbound',
  hops: [{ role: 'external', address: '162.3.124.9', region: 'Pod2', network_id: 'T-EXT', network_name: 'ext-net' }],
};

export function fipWithPath(path: FipPath, port_id: string | null): FipWithPath {
  const ext = path.hops[0];
  const fixed = path.hops.find((h) => h.role === 'fixed');
  return {
    id: path.id,
    project_id: 'proj1',
    tenant_id: 'proj1',
    floating_network_id: ext.network_id,
    floating_ip_address: ext.address,
    port_id,
    fixed_ip_address: fixed?.address ?? null,
    router_id: port_id ? 'T-R' : null,
    status: port_id ? 'ACTIVE' : 'DOWN',
    created_at: t,
    updated_at: t,
    path,
  };
}

/** topology.detail of Pod1 in the worked example (its structure; no floating IP drawn). */
export const pod1Detail: TopologyDetail = {
  lab_id: 'pod-top',
  scope: { kind: 'pod', id: 'pod-1', label: 'Pod1' },
  pods: [],
  networks: [
    { id: 'T-NET1', name: 'net1', project_id: 'proj1', kind: 'tenant', cidrs: ['10.0.1.0/24'], vlan: null, copies: [{ pod_id: 'pod-1', bottom_id: 'B1-NET1' }], ports: 1 },
    { id: 'T-EWNET', name: 'ew_bridge_net_proj1', project_id: 'proj1', kind: 'ew', cidrs: ['100.0.0.0/24'], vlan: 2018, copies: [{ pod_id: 'pod-1', bottom_id: 'B1-EWNET' }], ports: 0 },
    { id: 'T-NSNET', name: 'ns_bridge_net_proj1', project_id: 'proj1', kind: 'ns', cidrs: ['100.128.0.0/24'], vlan: 2017, copies: [{ pod_id: 'pod-1', bottom_id: 'B1-NSNET' }, { pod_id: 'pod-2', bottom_id: 'B2-NSNET' }], ports: 0 },
    { id: 'T-EXT', name: 'ext-net', project_id: 'admin', kind: 'external', cidrs: ['162.3.124.0/24'], vlan: null, copies: [{ pod_id: 'pod-2', bottom_id: 'B2-EXT' }], ports: 0 },
  ],
  routers: [{ id: 'T-R', name: 'R', project_id: 'proj1', copies: [{ pod_id: 'pod-1', bottom_id: 'B1-R', interfaces: [], gateway: null }, { pod_id: 'pod-2', bottom_id: 'B2-R', interfaces: [], gateway: null }] }],
  vms: [],
  vms_omitted: [],
  fips: [],
  fip_page: { offset: 0, limit: 1, total: 1 },
};

export const snapshot: TopologySnapshot = {
  pods,
  bottoms: [
    { pod_id: 'pod-top', networks: [], routers: [], floatingips: [] },
    {
      pod_id: 'pod-1',
      networks: [
        { id: 'B1-NET1', top_id: 'T-NET1', name: 'T-NET1#net1', external: false, bridge: null, cidrs: ['10.0.1.0/24'], vlan: null },
        { id: 'B1-EWNET', top_id: 'T-EWNET', name: 'T-EWNET', external: false, bridge: 'ew', cidrs: ['100.0.0.0/24'], vlan: 2018 },
        { id: 'B1-NSNET', top_id: 'T-NSNET', name: 'T-NSNET', external: true, bridge: 'ns', cidrs: ['100.128.0.0/24'], vlan: 2017 },
      ],
      routers: [{ id: 'B1-R', top_id: 'T-R', name: 'T-R', gateway_network_id: 'B1-NSNET', interface_network_ids: ['B1-NET1', 'B1-EWNET'] }],
      floatingips: [{ id: 'B1-FIP', address: '100.128.0.3', network_id: 'B1-NSNET', port_id: 'B1-VMPORT', fixed_ip_address: '10.0.1.4' }],
    },
    {
      pod_id: 'pod-2',
      networks: [
        { id: 'B2-EXT', top_id: 'T-EXT', name: 'T-EXT', external: true, bridge: null, cidrs: ['162.3.124.0/24'], vlan: null },
        { id: 'B2-NSNET', top_id: 'T-NSNET', name: 'T-NSNET', external: false, bridge: 'ns', cidrs: ['100.128.0.0/24'], vlan: 2017 },
      ],
      routers: [{ id: 'B2-R', top_id: 'T-R', name: 'T-R', gateway_network_id: 'B2-EXT', interface_network_ids: ['B2-NSNET'] }],
      floatingips: [{ id: 'B2-FIP', address: '162.3.124.5', network_id: 'B2-EXT', port_id: 'B2-NSPORT', fixed_ip_address: '100.128.0.3' }],
    },
  ],
  fips: [twoStep],
};

const reads = (r: Partial<PodReads> = {}): PodReads => ({ status: 'unknown', last_ok_at: null, last_error: null, failing_since: null, ...r });
const podSummary = (p: Pod, counts: Partial<TopoPodSummary['counts']>, health: Partial<TopoPodSummary['health']> = {}): TopoPodSummary => ({
  pod_id: p.pod_id,
  region_name: p.region_name,
  az_name: p.az_name,
  is_top: p.is_top,
  driver: p.driver,
  health: { status: 'ok', failed_jobs: 0, pending_routings: 0, reads: reads(), ...health },
  counts: { networks: 0, bridges: 0, routers: 0, ports: 0, fips_external: 0, fips_bound_here: 0, ...counts },
});

/** topology.summary of the worked example: Pod1 holds net1 and two bridges, Pod2 ext-net and the N-S bridge. */
export function summaryOf(health: Record<string, Partial<TopoPodSummary['health']>> = {}): TopologySummary {
  return {
    lab_id: 'pod-top',
    project_id: null,
    pods: [
      podSummary(pods[0], {}, health[pods[0].pod_id]),
      podSummary(pods[1], { networks: 3, bridges: 2, routers: 1, ports: 2, fips_bound_here: 1 }, health[pods[1].pod_id]),
      podSummary(pods[2], { networks: 2, bridges: 1, routers: 1, ports: 1, fips_external: 1 }, health[pods[2].pod_id]),
    ],
    links: [{ a: 'pod-2', b: 'pod-1', fips: 1, projects: 1 }],
    segments: [],
    totals: { pods: 3, networks: 3, routers: 1, ports: 3, fips: 1, fips_cross_pod: 1, fips_unbound: 0 },
  };
}
export { reads as podReads };
