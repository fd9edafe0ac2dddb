// Small derivations shared by views and forms.
import type { FipWithPath } from '../../shared/contract';
import type { Network, Pod, Port, Subnet } from '../../shared/model';
import { ipInCidr } from './validate';

/** The pods a network is placed in by its availability_zone_hints (region or AZ names). */
export function podsOfNetwork(net: Pick<Network, 'availability_zone_hints'>, pods: Pod[]): Pod[] {
  const hints = net.availability_zone_hints ?? [];
  return pods.filter((p) => !p.is_top && hints.some((h) => h === p.region_name || h === p.pod_name || (!!p.az_name && h === p.az_name)));
}

export function isVmPort(p: Port): boolean {
  return p.device_owner.startsWith('compute:');
}

export function isBridge(n: Network): boolean {
  return !!n['crosspod:bridge'] || /^(ns|ew)_bridge_net_/.test(n.name);
}

export function shortId(id: string): string {
  return id.length > 10 ? id.slice(0, 8) : id;
}

export function networkName(id: string | null | undefined, networks: Network[]): string {
  if (!id) return '';
  const n = networks.find((x) => x.id === id);
  return n ? n.name || shortId(n.id) : shortId(id);
}

export function portIps(p: Port): string {
  return p.fixed_ips.map((f) => f.ip_address).join(', ');
}

export function portLabel(p: Port, networks: Network[]): string {
  return [portIps(p) || '(no address)', p.name || shortId(p.id), networkName(p.network_id, networks)].filter(Boolean).join(' · ');
}

/** The subnet of `network_id` whose CIDR holds `ip`. */
export function subnetForIp(subnets: Subnet[], network_id: string, ip: string): Subnet | undefined {
  return subnets.find((s) => s.network_id === network_id && ipInCidr(ip, s.cidr));
}

export function projectsOf(lists: { project_id: string }[][], extra: string[] = []): string[] {
  const set = new Set<string>(extra.filter(Boolean));
  for (const l of lists) for (const x of l) if (x.project_id) set.add(x.project_id);
  return [...set].sort();
}

/** Regions a floating IP's path touches (for the pod filter). */
export function fipRegions(f: FipWithPath): string[] {
  return [...new Set(f.path.hops.map((h) => h.region).filter(Boolean))];
}

export function byProject<T extends { project_id: string }>(items: T[], project: string): T[] {
  return project ? items.filter((x) => x.project_id === project) : items;
}
