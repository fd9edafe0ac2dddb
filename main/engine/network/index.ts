// Networks, subnets and ports (reference §8.1–8.5): the top rows, external networks mirrored to
// their pod at once, VM ports realised in their network's pod, and bottom copies on demand.
import type { ParsedInput } from '../../../shared/contract';
import { CrosspodError } from '../../../shared/errors';
import type { HostRoute, Network, Port, Subnet } from '../../../shared/model';
import { deleteIfExists, json, uuid, type Operation, type PodRow } from '../context';
import type { BottomPort, UpdateBodies } from '../drivers/driver';
import { canonicalIp, cidrsOverlap, ipInCidr, normalizeSubnet, parseCidr } from '../ipam/cidr';
import { bottomKey, ensureBottom, type Services } from '../services';
import { trustedOwner } from '../secgroups';
import { OWNER_ROUTER_GATEWAY, OWNER_ROUTER_INTERFACE, subnetFor, type NetworkRow, type PortRow, type SubnetRow } from './top';

/** Neutron's DHCP port owner, and the device id of a DHCP port made for the agent to claim. */
export const OWNER_DHCP = 'network:dhcp';
export const RESERVED_DHCP_PORT = 'reserved_dhcp_port';

/** Crosspod's own networks (bridges) and external ones keep the reference's bottom names (§7). */
const fixedNames = (net: NetworkRow): boolean => net.router_external === 1 || net.bridge !== null;

/** Bottom names (§6, §7): `<top id>#<name>` for a tenant network; bridges and external ones: the id. */
export function bottomNetworkName(net: NetworkRow): string {
  return fixedNames(net) ? net.id : `${net.id}#${net.name}`;
}

/** A tenant subnet's or port's bottom name: `<top id>#<name>`, or the top id alone when unnamed (§12). */
export function bottomChildName(child: { id: string; name: string }, net: NetworkRow): string {
  return fixedNames(net) || child.name === '' ? child.id : `${child.id}#${child.name}`;
}

/** The device a bottom copy carries: a router's ports get theirs from the router verbs instead. */
const copiesDevice = (port: PortRow): boolean => !port.device_owner.startsWith('network:');

/** The subnet gateway belongs to the router interface; Neutron refuses it to anything else. */
export function gatewayTaken(ip: string, subnetId: string): CrosspodError {
  return new CrosspodError('IP_ADDRESS_IN_USE', `IP address ${ip} is the gateway of subnet ${subnetId}`, { ip_address: ip, subnet_id: subnetId });
}


/** Neutron's PortSecurityAndIPRequiredForSecurityGroups. */
const portSecurityRequired = (port: string) =>
  new CrosspodError('PORT_SECURITY_REQUIRED_FOR_SECURITY_GROUPS', `Port ${port || '(new)'}: port security must be enabled in order to use security groups`);
export class NetworkService {
  constructor(private readonly s: Services) {}

  private get t() {
    return this.s.top;
  }

  // ---- networks ----

  async createNetwork(op: Operation, input: ParsedInput<'networks.create'>): Promise<Network> {
    const { core, pods } = this.s;
    const external = input['router:external'] === true;
    const hints = input.availability_zone_hints ?? [];
    let extPod: PodRow | undefined;
    if (external) {
      if (hints.length === 0) throw new CrosspodError('EXTERNAL_NET_POD_NOT_SPECIFIED', 'Pod for external network not specified');
      for (const h of hints) if (!pods.byName(h)) throw new CrosspodError('POD_NOT_FOUND', `Pod ${h} could not be found.`, { pod_name: h });
      extPod = pods.byName(hints[0])!;
      if (extPod.az_name === '') {
        throw new CrosspodError('INVALID_INPUT', `External network must live in a bottom pod, not the top pod ${extPod.region_name}`);
      }
    } else {
      for (const h of hints) {
        if (!pods.azKnown(h)) throw new CrosspodError('AVAILABILITY_ZONE_NOT_FOUND', `AvailabilityZone ${h} could not be found.`, { availability_zone: h });
      }
    }
    this.s.quotas.check(input.project_id, { network: 1 });
    const t = core.nowIso();
    const row: NetworkRow = {
      id: uuid(),
      name: input.name ?? '',
      project_id: input.project_id,
      router_external: external ? 1 : 0,
      az_hints: JSON.stringify(hints),
      provider_network_type: input['provider:network_type'] ?? null,
      provider_physical_network: input['provider:physical_network'] ?? null,
      provider_segmentation_id: input['provider:segmentation_id'] ?? null,
      admin_state_up: input.admin_state_up === false ? 0 : 1,
      shared: input.shared ? 1 : 0,
      status: 'ACTIVE',
      bridge: null,
      created_at: t,
      updated_at: t,
    };
    this.t.insertNetwork(row);
    op.touch('networks.changed', row.id);
    if (extPod) {
      // §8.2: the external network is mirrored to its pod at once; bottom name = top id.
      const d = op.driver(extPod.pod_id);
      await ensureBottom(this.s, op, extPod, {
        topId: row.id,
        type: 'network',
        projectId: row.project_id,
        kind: 'network',
        name: row.id,
        create: ({ description }) =>
          d.create('network', {
            name: row.id,
            description,
            project_id: row.project_id,
            'router:external': true,
            admin_state_up: row.admin_state_up === 1,
            ...(row.provider_network_type ? { 'provider:network_type': row.provider_network_type } : {}),
            ...(row.provider_physical_network ? { 'provider:physical_network': row.provider_physical_network } : {}),
            ...(row.provider_segmentation_id != null ? { 'provider:segmentation_id': row.provider_segmentation_id } : {}),
          }),
      });
    }
    return this.t.toNetwork(row);
  }

  /** Name and admin state; every bottom copy follows (§5 lookups never use the name). */
  async updateNetwork(op: Operation, input: ParsedInput<'networks.update'>): Promise<Network> {
    const cur = this.t.network(input.id);
    this.refuseBridge(cur);
    const next: NetworkRow = {
      ...cur,
      name: input.name ?? cur.name,
      admin_state_up: input.admin_state_up === undefined ? cur.admin_state_up : input.admin_state_up ? 1 : 0,
    };
    this.t.updateNetwork(cur.id, { name: next.name, admin_state_up: next.admin_state_up, updated_at: this.s.core.nowIso() });
    op.touch('networks.changed', cur.id);
    const body = (n: NetworkRow): UpdateBodies['network'] => ({ name: bottomNetworkName(n), admin_state_up: n.admin_state_up === 1 });
    await this.updateBottoms(op, cur.id, 'network', 'network', diff(body(cur), body(next)), body(cur));
    return this.t.toNetwork(this.t.network(cur.id));
  }

  /** Crosspod's bridges are named and run by Crosspod: no user update. */
  private refuseBridge(net: NetworkRow): void {
    if (net.bridge) {
      throw new CrosspodError('CONFLICT', `Network ${net.name} (${net.id}) is a Crosspod bridge network; Crosspod keeps its name and state`, { network_id: net.id });
    }
  }

  /**
   * Sends the changed fields to every bottom copy of a top element, registering for each the
   * update that puts the copy's previous values back if the operation fails later.
   */
  private async updateBottoms<K extends 'network' | 'subnet' | 'port'>(
    op: Operation,
    topId: string,
    type: string,
    kind: K,
    changed: Partial<UpdateBodies[K]>,
    previous: UpdateBodies[K],
    perPod?: (pod: PodRow, bottomId: string) => Promise<{ changed: Partial<UpdateBodies[K]>; previous: UpdateBodies[K] }>,
  ): Promise<void> {
    for (const m of this.s.routing.mappings(topId, type)) {
      const pod = this.s.pods.row(m.pod_id);
      const b = perPod ? await perPod(pod, m.bottom_id!) : { changed, previous };
      if (Object.keys(b.changed).length === 0) continue;
      await op.driver(pod.pod_id).update(kind, m.bottom_id!, b.changed as UpdateBodies[K]);
      const back = Object.fromEntries(Object.keys(b.changed).map((k) => [k, (b.previous as Record<string, unknown>)[k]]));
      op.undo({ label: `update ${kind} ${m.bottom_id} in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'update', kind, id: m.bottom_id!, body: back } });
      op.touch('routings.changed', topId);
    }
  }

  async deleteNetwork(op: Operation, id: string): Promise<void> {
    const net = this.t.network(id);
    if (net.bridge) throw new CrosspodError('NETWORK_IN_USE', `Network ${id} is a Crosspod bridge network; it goes with the project's last router`);
    const ports = this.t.portCountOfNetwork(id);
    if (ports > 0) throw new CrosspodError('NETWORK_IN_USE', `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`, { ports });
    if (this.t.fipCountOfNetwork(id) > 0) {
      throw new CrosspodError('NETWORK_IN_USE', `Network ${id} still has floating IPs`);
    }
    for (const sub of this.t.subnetsOf(id)) await this.deleteSubnetRow(op, sub);
    await this.dropBottomCopies(op, id, 'network', 'network');
    this.s.routing.removeAllForTop(id);
    this.t.deleteNetwork(id);
    op.touch('networks.changed', id);
  }

  /** Deletes the bottom copies of a top element and their routing rows (§8.4). */
  async dropBottomCopies(op: Operation, topId: string, type: string, kind: 'network' | 'subnet' | 'port'): Promise<void> {
    for (const m of this.s.routing.mappings(topId, type)) {
      // A bottom subnet takes its DHCP port's address with it (Neutron's auto-delete owners).
      await deleteIfExists(op.driver(m.pod_id), kind, m.bottom_id!);
      this.s.routing.remove(topId, m.pod_id, type);
      op.touch('routings.changed', topId);
    }
    if (kind === 'subnet') this.releaseDhcp(topId);
  }

  // ---- DHCP ports (Tricircle's reserved DHCP port) ----

  /**
   * A DHCP-enabled subnet realised in a pod gets its DHCP port there at an address top IPAM
   * holds for it, made with device_id `reserved_dhcp_port` for the pod's DHCP agent to claim:
   * otherwise the agent takes an address of its own choosing, which top IPAM may already have
   * given a VM. One address per subnet, the same in every pod that holds the subnet.
   */
  private async ensureDhcpPort(op: Operation, pod: PodRow, sub: SubnetRow, bottomSub: string): Promise<void> {
    const { core } = this.s;
    let ip = this.t.dhcpReservation(sub.id);
    if (ip === undefined) {
      try {
        ip = core.ipam.allocate(sub.id);
      } catch (e) {
        if (!(e instanceof CrosspodError && e.code === 'SUBNET_EXHAUSTED')) throw e;
        // The pod's DHCP agent would take an address anyway: one a later port is bound to need.
        throw new CrosspodError('SUBNET_EXHAUSTED', `Subnet ${sub.name || sub.id} (${sub.cidr}) has no address left for its DHCP port in ${pod.region_name}; turn DHCP off or widen its pools`, {
          subnet_id: sub.id,
          cidr: sub.cidr,
          pod: pod.region_name,
        });
      }
      this.t.reserveDhcp(sub.id, ip);
      op.touch('subnets.changed', sub.id);
    }
    const d = op.driver(pod.pod_id);
    const bottomNet = this.s.routing.bottomId(sub.network_id, pod.pod_id, 'network')!;
    const ports = await d.list('port', { network_id: bottomNet, device_owner: OWNER_DHCP });
    const holder = ports.find((p) => p.fixed_ips.some((f) => f.subnet_id === bottomSub));
    if (holder) {
      if (holder.fixed_ips.some((f) => f.subnet_id === bottomSub && f.ip_address === ip)) return;
      // The agent got there first: move its address on this subnet to the reserved one.
      await this.setBottomIps(op, pod, holder, [...holder.fixed_ips.filter((f) => f.subnet_id !== bottomSub), { subnet_id: bottomSub, ip_address: ip }]);
      return;
    }
    const port = ports[0];
    if (port) {
      await this.setBottomIps(op, pod, port, [...port.fixed_ips, { subnet_id: bottomSub, ip_address: ip }]);
      return;
    }
    const created = await d.create('port', {
      name: `dhcp_port_${sub.id}`,
      description: bottomKey('dhcp_port', sub.id),
      network_id: bottomNet,
      project_id: sub.project_id,
      device_owner: OWNER_DHCP,
      device_id: RESERVED_DHCP_PORT,
      fixed_ips: [{ subnet_id: bottomSub, ip_address: ip }],
    });
    op.undo({ label: `create DHCP port ${ip} in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'delete', kind: 'port', id: created.id } });
  }

  private async setBottomIps(op: Operation, pod: PodRow, port: BottomPort, ips: { subnet_id: string; ip_address: string }[]): Promise<void> {
    await op.driver(pod.pod_id).update('port', port.id, { fixed_ips: ips });
    op.undo({ label: `update DHCP port ${port.id} in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'update', kind: 'port', id: port.id, body: { fixed_ips: port.fixed_ips } } });
  }

  /** DHCP turned off: the pod's DHCP port gives its address on the subnet back (a region's agent would). */
  private async dropDhcpPort(op: Operation, pod: PodRow, sub: SubnetRow, bottomSub: string): Promise<void> {
    const d = op.driver(pod.pod_id);
    const bottomNet = this.s.routing.bottomId(sub.network_id, pod.pod_id, 'network')!;
    for (const p of await d.list('port', { network_id: bottomNet, device_owner: OWNER_DHCP })) {
      if (!p.fixed_ips.some((f) => f.subnet_id === bottomSub)) continue;
      const rest = p.fixed_ips.filter((f) => f.subnet_id !== bottomSub);
      if (rest.length > 0) await this.setBottomIps(op, pod, p, rest);
      else await deleteIfExists(d, 'port', p.id);
    }
  }

  /**
   * Before DHCP goes off: how to put each pod's DHCP port back if the update fails later. The
   * pod drops the port once its subnet has DHCP off (its agent does), so the undo, which runs
   * after the subnet's own update-back, makes it again at its address for the agent to claim.
   */
  private async keepDhcpPortsForUndo(op: Operation, sub: SubnetRow): Promise<void> {
    for (const m of this.s.routing.mappings(sub.id, 'subnet')) {
      const pod = this.s.pods.row(m.pod_id);
      const bottomNet = this.s.routing.bottomId(sub.network_id, pod.pod_id, 'network')!;
      for (const p of await op.driver(pod.pod_id).list('port', { network_id: bottomNet, device_owner: OWNER_DHCP })) {
        const ips = p.fixed_ips.filter((f) => f.subnet_id === m.bottom_id);
        if (ips.length === 0) continue;
        op.undo({
          label: `put DHCP port ${ips.map((f) => f.ip_address).join(', ')} back in ${pod.region_name}`,
          pod_id: pod.pod_id,
          action: {
            verb: 'createPort',
            body: { name: p.name, description: p.description, network_id: bottomNet, project_id: p.project_id, device_owner: OWNER_DHCP, device_id: RESERVED_DHCP_PORT, fixed_ips: ips },
          },
        });
      }
    }
  }

  private releaseDhcp(subnetId: string): void {
    const ip = this.t.dhcpReservation(subnetId);
    if (ip === undefined || (this.s.routing.mappings(subnetId, 'subnet').length > 0 && this.t.subnet(subnetId).enable_dhcp === 1)) return;
    this.s.core.ipam.release(subnetId, ip);
    this.t.dropDhcpReservation(subnetId);
  }

  // ---- subnets ----

  async createSubnet(op: Operation, input: ParsedInput<'subnets.create'>): Promise<Subnet> {
    const { core } = this.s;
    const net = this.t.network(input.network_id);
    const norm = normalizeSubnet({
      cidr: input.cidr,
      ip_version: input.ip_version,
      gateway_ip: input.gateway_ip,
      allocation_pools: input.allocation_pools,
    });
    for (const other of this.t.subnetsOf(net.id)) {
      if (cidrsOverlap(other.cidr, norm.cidr)) {
        throw new CrosspodError('SUBNET_OVERLAP', `Requested subnet with cidr: ${norm.cidr} for network: ${net.id} overlaps with another subnet (${other.cidr})`, {
          cidr: norm.cidr,
          overlaps: other.id,
        });
      }
    }
    const projectId = input.project_id ?? net.project_id;
    if (!net.bridge) this.s.quotas.check(projectId, { subnet: 1 });
    const t = core.nowIso();
    const row: SubnetRow = {
      id: uuid(),
      name: input.name ?? '',
      network_id: net.id,
      project_id: projectId,
      cidr: norm.cidr,
      ip_version: norm.ip_version,
      gateway_ip: norm.gateway_ip,
      allocation_pools: JSON.stringify(norm.allocation_pools),
      enable_dhcp: input.enable_dhcp === false ? 0 : 1,
      dns_nameservers: JSON.stringify(dnsServers(input.dns_nameservers ?? [])),
      host_routes: JSON.stringify(hostRoutes(input.host_routes ?? [], norm.ip_version)),
      created_at: t,
      updated_at: t,
    };
    this.t.insertSubnet(row);
    core.ipam.addSubnet(row.id, norm);
    op.touch('subnets.changed', row.id);
    op.touch('networks.changed', net.id);
    if (net.router_external === 1) {
      // §8.3: an external subnet is mirrored to the external network's pod at once.
      const pod = this.s.pods.byName(this.t.hints(net)[0])!;
      await this.ensureBottomSubnet(op, pod, row);
    }
    return this.t.toSubnet(row);
  }

  async deleteSubnet(op: Operation, id: string): Promise<void> {
    const sub = this.t.subnet(id);
    const net = this.t.network(sub.network_id);
    if (net.bridge) throw new CrosspodError('SUBNET_IN_USE', `Subnet ${id} belongs to a Crosspod bridge network`);
    await this.deleteSubnetRow(op, sub);
  }

  /**
   * Neutron's subnet update. Gateway and pools go through IPAM's rules (an address allocated in
   * the pools must stay in them); every bottom copy follows; DHCP turned on or off reserves or
   * releases the DHCP port's address in each pod that holds the subnet.
   */
  async updateSubnet(op: Operation, input: ParsedInput<'subnets.update'>): Promise<Subnet> {
    const { core } = this.s;
    const cur = this.t.subnet(input.id);
    const net = this.t.network(cur.network_id);
    this.refuseBridge(net);
    const label = `${cur.name || cur.id} (${cur.cidr})`;
    let gateway = cur.gateway_ip;
    let pools = cur.allocation_pools;
    if (input.gateway_ip !== undefined || input.allocation_pools !== undefined) {
      gateway = input.gateway_ip === undefined ? cur.gateway_ip : input.gateway_ip === null ? null : canonicalIp(input.gateway_ip);
      if (cur.gateway_ip !== null && gateway !== cur.gateway_ip) {
        // Neutron's GatewayIpInUse: a router interface holds the current gateway.
        const holder = this.t.portAt(cur.id, cur.gateway_ip);
        if (holder) {
          throw new CrosspodError('GATEWAY_IP_IN_USE', `Gateway ${cur.gateway_ip} of subnet ${label} is in use by port ${holder.name || holder.id} (${holder.device_owner}); it cannot move`, {
            subnet_id: cur.id,
            ip_address: cur.gateway_ip,
            port_id: holder.id,
          });
        }
      }
      if (gateway !== null && gateway !== cur.gateway_ip && core.ipam.isAllocated(cur.id, gateway)) {
        throw new CrosspodError('IP_ADDRESS_IN_USE', `${gateway} is already allocated in subnet ${label}, so it cannot be the gateway`, { subnet_id: cur.id, ip_address: gateway });
      }
      const n = this.withHolder(cur, () => core.ipam.updateSubnet(cur.id, { gateway_ip: gateway, allocation_pools: input.allocation_pools ?? json(cur.allocation_pools, []) }));
      gateway = n.gateway_ip;
      pools = JSON.stringify(n.allocation_pools);
    }
    const next: SubnetRow = {
      ...cur,
      name: input.name ?? cur.name,
      gateway_ip: gateway,
      allocation_pools: pools,
      enable_dhcp: input.enable_dhcp === undefined ? cur.enable_dhcp : input.enable_dhcp ? 1 : 0,
      dns_nameservers: input.dns_nameservers ? JSON.stringify(dnsServers(input.dns_nameservers)) : cur.dns_nameservers,
      host_routes: input.host_routes ? JSON.stringify(hostRoutes(input.host_routes, cur.ip_version)) : cur.host_routes,
      updated_at: core.nowIso(),
    };
    this.t.updateSubnet(next);
    op.touch('subnets.changed', cur.id);
    const body = (x: SubnetRow): UpdateBodies['subnet'] => ({
      name: bottomChildName(x, net),
      gateway_ip: x.gateway_ip,
      allocation_pools: json(x.allocation_pools, []),
      dns_nameservers: json(x.dns_nameservers, []),
      host_routes: json(x.host_routes, []),
      enable_dhcp: x.enable_dhcp === 1,
    });
    if (cur.enable_dhcp === 1 && next.enable_dhcp === 0) await this.keepDhcpPortsForUndo(op, cur);
    await this.updateBottoms(op, cur.id, 'subnet', 'subnet', diff(body(cur), body(next)), body(cur));
    if (next.enable_dhcp !== cur.enable_dhcp) {
      for (const m of this.s.routing.mappings(cur.id, 'subnet')) {
        const pod = this.s.pods.row(m.pod_id);
        if (next.enable_dhcp === 1) await this.ensureDhcpPort(op, pod, next, m.bottom_id!);
        else await this.dropDhcpPort(op, pod, cur, m.bottom_id!);
      }
      if (next.enable_dhcp === 0) this.releaseDhcp(cur.id);
    }
    return this.t.toSubnet(this.t.subnet(cur.id));
  }

  private async deleteSubnetRow(op: Operation, sub: SubnetRow): Promise<void> {
    const used = this.t.addressesInUse(sub.id);
    if (used > 0) throw new CrosspodError('SUBNET_IN_USE', `Unable to complete operation on subnet ${sub.id}: one or more ports have an IP allocation from this subnet.`, { ports: used });
    await this.dropBottomCopies(op, sub.id, 'subnet', 'subnet');
    this.s.routing.removeAllForTop(sub.id);
    this.s.core.ipam.removeSubnet(sub.id);
    this.t.dropDhcpReservation(sub.id);
    this.t.deleteSubnet(sub.id);
    op.touch('subnets.changed', sub.id);
    op.touch('networks.changed', sub.network_id);
  }

  // ---- bottom copies ----

  /** The bottom network of a top network in a pod (§8.6 step 6 names: `<id>#<name>`, bridges and external: `<id>`). */
  async ensureBottomNetwork(op: Operation, pod: PodRow, net: NetworkRow, opts: { external?: boolean } = {}): Promise<string> {
    const d = op.driver(pod.pod_id);
    const name = bottomNetworkName(net);
    const r = await ensureBottom(this.s, op, pod, {
      topId: net.id,
      type: 'network',
      projectId: net.project_id,
      kind: 'network',
      name,
      create: ({ description }) =>
        d.create('network', {
          name,
          description,
          project_id: net.project_id,
          admin_state_up: net.admin_state_up === 1,
          ...(opts.external || net.router_external === 1 ? { 'router:external': true } : {}),
          ...(net.provider_network_type ? { 'provider:network_type': net.provider_network_type } : {}),
          ...(net.provider_physical_network ? { 'provider:physical_network': net.provider_physical_network } : {}),
          ...(net.provider_segmentation_id != null ? { 'provider:segmentation_id': net.provider_segmentation_id } : {}),
        }),
    });
    return r.id;
  }

  /**
   * The bottom copy of a top subnet: same cidr, gateway, pools, DNS, host routes and DHCP flag
   * (§8.3); a DHCP-enabled one gets its reserved DHCP port when it first appears in the pod.
   */
  async ensureBottomSubnet(op: Operation, pod: PodRow, sub: SubnetRow, opts: { external?: boolean } = {}): Promise<string> {
    const net = this.t.network(sub.network_id);
    const bottomNet = await this.ensureBottomNetwork(op, pod, net, opts);
    const d = op.driver(pod.pod_id);
    const name = bottomChildName(sub, net);
    const r = await ensureBottom(this.s, op, pod, {
      topId: sub.id,
      type: 'subnet',
      projectId: sub.project_id,
      kind: 'subnet',
      name,
      create: ({ description }) =>
        d.create('subnet', {
          name,
          description,
          network_id: bottomNet,
          project_id: sub.project_id,
          cidr: sub.cidr,
          ip_version: sub.ip_version as 4 | 6,
          gateway_ip: sub.gateway_ip,
          allocation_pools: JSON.parse(sub.allocation_pools),
          enable_dhcp: sub.enable_dhcp === 1,
          ...(json<string[]>(sub.dns_nameservers, []).length ? { dns_nameservers: json<string[]>(sub.dns_nameservers, []) } : {}),
          ...(json<HostRoute[]>(sub.host_routes, []).length ? { host_routes: json<HostRoute[]>(sub.host_routes, []) } : {}),
        }),
    });
    if (r.isNew && sub.enable_dhcp === 1) await this.ensureDhcpPort(op, pod, sub, r.id);
    return r.id;
  }

  /** The bottom copy of a top port (name `<id>#<name>` or the id, same MAC and addresses), with its network and subnets. */
  async ensureBottomPort(op: Operation, pod: PodRow, port: PortRow): Promise<{ id: string; isNew: boolean }> {
    const ips = this.t.portIps(port.id);
    const bottomSubnets = new Map<string, string>();
    for (const ip of ips) bottomSubnets.set(ip.subnet_id, await this.ensureBottomSubnet(op, pod, this.t.subnet(ip.subnet_id)));
    const net = this.t.network(port.network_id);
    const bottomNet = await this.ensureBottomNetwork(op, pod, net);
    const d = op.driver(pod.pod_id);
    const name = bottomChildName(port, net);
    return ensureBottom(this.s, op, pod, {
      topId: port.id,
      type: 'port',
      projectId: port.project_id,
      kind: 'port',
      name,
      create: async ({ description }) =>
        d.create('port', {
          name,
          description,
          network_id: bottomNet,
          project_id: port.project_id,
          mac_address: port.mac_address,
          fixed_ips: ips.map((ip) => ({ subnet_id: bottomSubnets.get(ip.subnet_id), ip_address: ip.ip_address })),
          ...(port.admin_state_up === 0 ? { admin_state_up: false } : {}),
          ...(copiesDevice(port) && port.device_owner ? { device_owner: port.device_owner, device_id: port.device_id } : {}),
          // secgroups hook: the port's groups, made in the pod first (else a region gives it its own default).
          ...(port.port_security_enabled === 0
            ? { port_security_enabled: false }
            : trustedOwner(port.device_owner)
              ? {}
              : { security_groups: await this.s.secgroups.bottomGroupsOfPort(op, pod, port.id) }),
        }),
    });
  }

  /** The pod a tenant network lives in: its single AZ hint through the project's binding (§6). */
  podOfNetwork(net: NetworkRow, projectId: string): PodRow {
    const hints = this.t.hints(net);
    if (net.router_external === 1) return this.s.pods.byName(hints[0])!;
    if (hints.length > 1) throw new CrosspodError('CROSS_POD_L3_NOT_SUPPORTED', 'Cross pods L3 networking not support: the network has more than one availability zone hint', { network_id: net.id, hints });
    return this.s.pods.podForAz(hints[0] ?? '', projectId);
  }

  // ---- ports ----

  async createPort(op: Operation, input: ParsedInput<'ports.create'>): Promise<Port> {
    const { core } = this.s;
    const net = this.t.network(input.network_id);
    if (input.port_security_enabled === false && (input.security_groups?.length ?? 0) > 0) throw portSecurityRequired(input.name ?? '');
    const projectId = input.project_id ?? net.project_id;
    if (!net.bridge) this.s.quotas.check(projectId, { port: 1 });
    const subnets = this.t.subnetsOf(net.id);
    const wanted = input.fixed_ips ?? [];
    const ips: { subnet_id: string; ip_address: string }[] = [];
    if (wanted.length === 0) {
      const first = subnetFor(subnets, {});
      if (first) ips.push({ subnet_id: first.id, ip_address: core.ipam.allocate(first.id) });
    } else {
      for (const w of wanted) {
        let sub: SubnetRow | undefined;
        if (w.subnet_id) {
          sub = subnets.find((s) => s.id === w.subnet_id);
          if (!sub) throw new CrosspodError('INVALID_INPUT', `Subnet ${w.subnet_id} is not on network ${net.id}`, { subnet_id: w.subnet_id });
        } else if (w.ip_address) {
          sub = subnets.find((s) => ipInCidr(w.ip_address!, s.cidr));
          if (!sub) throw new CrosspodError('IP_NOT_IN_SUBNET', `IP address ${w.ip_address} is not in any subnet of network ${net.id}`, { ip_address: w.ip_address });
        } else {
          throw new CrosspodError('INVALID_INPUT', 'Each fixed_ips entry needs a subnet_id or an ip_address');
        }
        if (w.ip_address && sub.gateway_ip && canonicalIp(w.ip_address) === sub.gateway_ip && input.device_owner !== OWNER_ROUTER_INTERFACE) {
          throw gatewayTaken(w.ip_address, sub.id);
        }
        ips.push({ subnet_id: sub.id, ip_address: this.allocateNamed(sub, w.ip_address) });
      }
    }
    const t = core.nowIso();
    const row: PortRow = {
      id: uuid(),
      name: input.name ?? '',
      network_id: net.id,
      project_id: projectId,
      mac_address: input.mac_address?.toLowerCase() ?? this.t.newMac(),
      device_owner: input.device_owner ?? '',
      device_id: input.device_id ?? '',
      admin_state_up: 1,
      status: 'DOWN',
      port_security_enabled: input.port_security_enabled === false ? 0 : 1,
      created_at: t,
      updated_at: t,
    };
    if (input.mac_address && this.t.macTaken(row.mac_address)) {
      throw new CrosspodError('CONFLICT', `Unable to complete operation for network ${net.id}. The mac address ${row.mac_address} is in use.`);
    }
    this.t.insertPort(row, ips);
    // secgroups hook; with port security off, Neutron gives no default group.
    this.s.secgroups.bindNewPort(op, row, input.security_groups ?? (row.port_security_enabled === 0 ? [] : undefined));
    op.touch('ports.changed', row.id);
    // A compute port stands for a booted VM: realise it in its network's pod, as the Nova gateway would.
    if (row.device_owner.startsWith('compute:')) {
      const pod = this.podOfNetwork(net, projectId);
      await this.ensureBottomPort(op, pod, row);
    }
    return this.t.toPort(row);
  }

  /**
   * Neutron's port update: name, admin state, device, and fixed_ips moved within the network
   * through IPAM (new addresses taken explicitly, dropped ones released). Every bottom copy
   * follows; a compute port not yet in its pod is realised there, as createPort does.
   */
  async updatePort(op: Operation, input: ParsedInput<'ports.update'>): Promise<Port> {
    const { core } = this.s;
    const cur = this.t.port(input.id);
    const net = this.t.network(cur.network_id);
    this.refuseBridge(net);
    const curIps = this.t.portIps(cur.id);
    const label = `${cur.name || cur.id} (${curIps.map((i) => i.ip_address).join(', ') || 'no address'})`;
    // Neutron: port security goes off only on a port left without groups, and groups need it on.
    const secure = input.port_security_enabled ?? cur.port_security_enabled === 1;
    const groupsAfter = input.security_groups ?? this.s.secgroups.st.portGroups(cur.id);
    if (!secure && groupsAfter.length > 0) {
      if (input.security_groups?.length) throw portSecurityRequired(label);
      throw new CrosspodError('PORT_SECURITY_PORT_HAS_SECURITY_GROUP', `Port ${label} has security groups; remove them (security_groups: []) in the same update to turn port security off`, { port_id: cur.id, security_groups: groupsAfter });
    }
    const routerOwned = cur.device_owner === OWNER_ROUTER_INTERFACE || cur.device_owner === OWNER_ROUTER_GATEWAY;
    const moves = input.fixed_ips !== undefined || (input.device_owner ?? cur.device_owner) !== cur.device_owner || (input.device_id ?? cur.device_id) !== cur.device_id;
    if (routerOwned && moves) {
      throw new CrosspodError('PORT_IN_USE', `Port ${label} is a router port (${cur.device_owner}); its device and addresses change through the router`, { port_id: cur.id, device_owner: cur.device_owner });
    }
    let nextIps = curIps;
    if (input.fixed_ips) {
      const subnets = this.t.subnetsOf(net.id);
      const wanted = input.fixed_ips.map((w) => {
        const ip = w.ip_address === undefined ? undefined : canonicalIp(w.ip_address);
        const sub = w.subnet_id ? subnets.find((x) => x.id === w.subnet_id) : ip ? subnets.find((x) => ipInCidr(ip, x.cidr)) : undefined;
        if (!sub) {
          if (w.subnet_id) throw new CrosspodError('INVALID_INPUT', `Subnet ${w.subnet_id} is not on network ${net.name || net.id}`, { subnet_id: w.subnet_id });
          throw new CrosspodError('IP_NOT_IN_SUBNET', `IP address ${ip ?? '(none)'} is not in any subnet of network ${net.name || net.id}`, { ip_address: ip });
        }
        return { sub, ip };
      });
      const same = (w: (typeof wanted)[number], f: { subnet_id: string; ip_address: string }) => w.sub.id === f.subnet_id && w.ip === f.ip_address;
      const dropped = curIps.filter((f) => !wanted.some((w) => same(w, f)));
      for (const fip of this.t.fipsOfPort(cur.id)) {
        if (dropped.some((f) => f.ip_address === fip.fixed_ip_address)) {
          throw new CrosspodError('PORT_IN_USE', `Floating IP ${fip.floating_ip_address} is associated with ${fip.fixed_ip_address} of port ${label}; disassociate it first`, {
            port_id: cur.id,
            floating_ip_address: fip.floating_ip_address,
            fixed_ip_address: fip.fixed_ip_address,
          });
        }
      }
      for (const f of dropped) core.ipam.release(f.subnet_id, f.ip_address);
      nextIps = [];
      for (const w of wanted) {
        const kept = curIps.find((f) => same(w, f));
        if (kept) {
          nextIps.push(kept);
          continue;
        }
        if (w.ip && w.sub.gateway_ip === w.ip) throw gatewayTaken(w.ip, w.sub.id);
        nextIps.push({ subnet_id: w.sub.id, ip_address: this.allocateNamed(w.sub, w.ip) });
      }
      this.t.setPortIps(cur.id, nextIps);
    }
    const next: PortRow = {
      ...cur,
      name: input.name ?? cur.name,
      port_security_enabled: input.port_security_enabled === undefined ? cur.port_security_enabled : input.port_security_enabled ? 1 : 0,
      admin_state_up: input.admin_state_up === undefined ? cur.admin_state_up : input.admin_state_up ? 1 : 0,
      device_owner: input.device_owner ?? cur.device_owner,
      device_id: input.device_id ?? cur.device_id,
      updated_at: core.nowIso(),
    };
    this.t.updatePort(next);
    op.touch('ports.changed', cur.id);
    // secgroups hook: the new list of groups replaces the old one, at the top and in every pod.
    const curGroups = this.s.secgroups.st.portGroups(cur.id);
    const regrouped = input.security_groups !== undefined && this.s.secgroups.rebindPort(op, next, input.security_groups);
    const nextGroups = this.s.secgroups.st.portGroups(cur.id);

    await this.updateBottoms(op, cur.id, 'port', 'port', {}, {}, async (pod) => {
      const body = async (p: PortRow, ips: { subnet_id: string; ip_address: string }[], groups: string[]): Promise<UpdateBodies['port']> => {
        const bottomIps = [];
        for (const f of ips) bottomIps.push({ subnet_id: await this.ensureBottomSubnet(op, pod, this.t.subnet(f.subnet_id)), ip_address: f.ip_address });
        return {
          name: bottomChildName(p, net),
          admin_state_up: p.admin_state_up === 1,
          ...(copiesDevice(next) ? { device_owner: p.device_owner, device_id: p.device_id } : {}),
          fixed_ips: bottomIps,
          port_security_enabled: p.port_security_enabled === 1,
          ...(regrouped ? { security_groups: await this.s.secgroups.bottomGroupsOf(op, pod, groups) } : {}),
        };
      };
      const previous = await body(cur, curIps, curGroups);
      return { changed: diff(previous, await body(next, nextIps, nextGroups)), previous };
    });
    if (regrouped) for (const m of this.s.routing.mappings(cur.id, 'port')) this.s.secgroups.queuePrune(op, m.pod_id, cur.project_id);
    if (next.device_owner.startsWith('compute:') && this.s.routing.mappings(cur.id, 'port').length === 0) {
      await this.ensureBottomPort(op, this.podOfNetwork(net, next.project_id), next);
    }
    return this.t.toPort(this.t.port(cur.id));
  }

  /** IPAM's SUBNET_IN_USE for new pools, naming the subnet and what holds the address. */
  private withHolder<T>(sub: SubnetRow, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      const ip = ((e as CrosspodError).details as { ip_address?: string } | undefined)?.ip_address;
      if (!(e instanceof CrosspodError && e.code === 'SUBNET_IN_USE' && ip)) throw e;
      const holder = this.t.portAt(sub.id, ip);
      const what = holder ? `port ${holder.name || holder.id}` : this.t.dhcpReservation(sub.id) === ip ? 'the DHCP port' : 'an allocation';
      throw new CrosspodError('SUBNET_IN_USE', `${ip} (${what}) is allocated in subnet ${sub.name || sub.id} (${sub.cidr}) and would be outside the new allocation pools`, {
        ...(e.details as object),
        ...(holder ? { port_id: holder.id } : {}),
      });
    }
  }

  /** An address from IPAM; a taken one names what holds it (a port, or the subnet's DHCP port). */
  private allocateNamed(sub: SubnetRow, ip: string | undefined): string {
    try {
      return this.s.core.ipam.allocate(sub.id, ip);
    } catch (e) {
      if (!(e instanceof CrosspodError && e.code === 'IP_ADDRESS_IN_USE' && ip)) throw e;
      const label = `${sub.name || sub.id} (${sub.cidr})`;
      if (this.t.dhcpReservation(sub.id) === ip) {
        throw new CrosspodError('IP_ADDRESS_IN_USE', `${e.message}: it is the DHCP port address of subnet ${label}`, { subnet_id: sub.id, ip_address: ip, device_owner: OWNER_DHCP });
      }
      const holder = this.t.portAt(sub.id, ip);
      if (holder) {
        throw new CrosspodError('IP_ADDRESS_IN_USE', `${e.message}: held by port ${holder.name || holder.id}`, { subnet_id: sub.id, ip_address: ip, port_id: holder.id });
      }
      throw e;
    }
  }

  /** §8.5 delete: top first; the bottom copy goes through a port_delete job so a pod failure is redoable. */
  async deletePort(op: Operation, id: string, opts: { allowRouterOwned?: boolean } = {}): Promise<void> {
    const port = this.t.port(id);
    if (!opts.allowRouterOwned && (port.device_owner === OWNER_ROUTER_INTERFACE || port.device_owner === OWNER_ROUTER_GATEWAY)) {
      throw new CrosspodError('PORT_IN_USE', `Port ${id} cannot be deleted directly via the port API: has device owner ${port.device_owner}`, { port_id: id });
    }
    for (const m of this.s.routing.mappings(id, 'port')) {
      this.s.jobs.enqueue('port_delete', `${m.pod_id}#${m.bottom_id}`, port.project_id, { pod_id: m.pod_id, bottom_id: m.bottom_id, top_id: id });
      // secgroups hook: after the bottom port goes, the pod's copies of groups nothing uses go too.
      if (this.s.secgroups.st.portGroups(id).length > 0) this.s.secgroups.queuePrune(op, m.pod_id, port.project_id);
    }
    for (const ip of this.t.portIps(id)) this.s.core.ipam.release(ip.subnet_id, ip.ip_address);
    this.t.deletePort(id);
    op.touch('ports.changed', id);
  }

  /** Deletes a port and its bottom copies now (for Crosspod's own bridge and interface ports). */
  async deletePortNow(op: Operation, id: string): Promise<void> {
    const port = this.t.findPort(id);
    if (!port) return;
    await this.dropBottomCopies(op, id, 'port', 'port');
    this.s.routing.removeAllForTop(id);
    for (const ip of this.t.portIps(id)) this.s.core.ipam.release(ip.subnet_id, ip.ip_address);
    this.t.deletePort(id);
    op.touch('ports.changed', id);
  }

  /** Inserts a top port with explicit or next-free addresses (router interfaces, gateways, bridge ports). */
  insertPort(op: Operation, a: { network_id: string; project_id: string; name: string; device_owner: string; device_id: string; ips: { subnet_id: string; ip_address?: string }[] }): PortRow {
    const { core } = this.s;
    const t = core.nowIso();
    const row: PortRow = {
      id: uuid(),
      name: a.name,
      network_id: a.network_id,
      project_id: a.project_id,
      mac_address: this.t.newMac(),
      device_owner: a.device_owner,
      device_id: a.device_id,
      admin_state_up: 1,
      status: 'DOWN',
      port_security_enabled: 1,
      created_at: t,
      updated_at: t,
    };
    const ips = a.ips.map((ip) => ({ subnet_id: ip.subnet_id, ip_address: core.ipam.allocate(ip.subnet_id, ip.ip_address) }));
    this.t.insertPort(row, ips);
    op.touch('ports.changed', row.id);
    return row;
  }
}

/** The fields of `next` whose values differ from `prev` (compared as JSON). */
function diff<T extends object>(prev: T, next: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(next) as (keyof T)[]) {
    if (JSON.stringify(prev[k]) !== JSON.stringify(next[k])) out[k] = next[k];
  }
  return out;
}

/** DNS servers: addresses, canonical. */
function dnsServers(list: string[]): string[] {
  return list.map((x) => canonicalIp(x));
}

/** Host routes: a cidr destination and an address nexthop of the subnet's IP version. */
function hostRoutes(list: { destination: string; nexthop: string }[], version: number): HostRoute[] {
  return list.map((r) => {
    const c = parseCidr(r.destination);
    const nexthop = canonicalIp(r.nexthop);
    if (c.version !== version || nexthop.includes(':') !== (version === 6)) {
      throw new CrosspodError('INVALID_INPUT', `Host route ${r.destination} via ${r.nexthop} is not IPv${version}, like its subnet`, { host_route: r });
    }
    return { destination: c.cidr, nexthop };
  });
}
