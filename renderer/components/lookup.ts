// Small derivations shared by views and forms.
import type { FipWithPath } from '../../shared/contract';
import type { Network, Pod, Port, Router } from '../../shared/model';

/** The pods a network is placed in by its availability_zone_hints (region or AZ names). */
export function podsOfNetwork(net: Pick<Network, 'availability_zone_hints'>, pods: Pod[]): Pod[] {
  const hints = net.availability_zone_hints ?? [];
  return pods.filter((p) => !p.is_top && hints.some((h) => h === p.region_name || h === p.pod_name || (!!p.az_name && h === p.az_name)));
}

export function isVmPort(p: Port): boolean {
  return p.device_owner.startsWith('compute:');
}

/** A port a floating IP may point at: a VM's (compute:*) or an unowned one, never a router's or DHCP's. */
export function isInstancePort(p: Port): boolean {
  return p.device_owner === '' || isVmPort(p);
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

/** Networks each router has an interface on (from its interface ports). */
export function routerNetworks(ifacePorts: Port[]): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const p of ifacePorts) {
    if (p.device_owner !== 'network:router_interface') continue;
    if (!m.has(p.device_id)) m.set(p.device_id, new Set());
    m.get(p.device_id)!.add(p.network_id);
  }
  return m;
}

export interface PortChoice {
  port: Port;
  label: string;
  /** Why it cannot work, or null when it can. */
  reason: string | null;
}

/**
 * Ports for a floating IP on `extId`: the ones a router connects to that external network first,
 * the rest disabled with the reason (Neutron refuses them with EXTERNAL_GATEWAY_NOT_FOUND).
 */
export function fipPortChoices(o: { ports: Port[]; routers: Router[]; ifacePorts: Port[]; networks: Network[]; extId: string; taken: Map<string, string>; project?: string }): PortChoice[] {
  const ifaces = routerNetworks(o.ifacePorts);
  const ext = networkName(o.extId, o.networks) || 'the external network';
  const out = o.ports.filter(isInstancePort).map((port) => {
    const net = networkName(port.network_id, o.networks);
    const connected = o.routers.some((r) => r.external_gateway_info?.network_id === o.extId && ifaces.get(r.id)?.has(port.network_id));
    const reason = o.taken.has(port.id)
      ? `already has ${o.taken.get(port.id)}`
      : !o.extId
        ? 'choose an external network first'
        : !connected
          ? `no router connects ${net} to ${ext}`
          : o.project && port.project_id !== o.project
            ? `in project ${port.project_id}, not ${o.project}`
            : null;
    return { port, label: portLabel(port, o.networks), reason };
  });
  return [...out.filter((c) => !c.reason), ...out.filter((c) => c.reason)];
}
