// Networks, subnets and ports (reference §8.1–8.5): the top rows, external networks mirrored to
// their pod at once, VM ports realised in their network's pod, and bottom copies on demand.
import type { ParsedInput } from '../../../shared/contract';
import { CrosspodError } from '../../../shared/errors';
import type { Network, Port, Subnet } from '../../../shared/model';
import { deleteIfExists, uuid, type PodRow } from '../context';
import { canonicalIp, cidrsOverlap, ipInCidr, normalizeSubnet } from '../ipam/cidr';
import { ensureBottom, type Services } from '../services';
import { OWNER_ROUTER_GATEWAY, OWNER_ROUTER_INTERFACE, type NetworkRow, type PortRow, type SubnetRow } from './top';

/** The subnet gateway belongs to the router interface; Neutron refuses it to anything else. */
export function gatewayTaken(ip: string, subnetId: string): CrosspodError {
  return new CrosspodError('IP_ADDRESS_IN_USE', `IP address ${ip} is the gateway of subnet ${subnetId}`, { ip_address: ip, subnet_id: subnetId });
}

export class NetworkService {
  constructor(private readonly s: Services) {}

  private get t() {
    return this.s.top;
  }

  // ---- networks ----

  async createNetwork(input: ParsedInput<'networks.create'>): Promise<Network> {
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
    this.t.q.insertNet.run(row);
    core.op.touch('networks.changed', row.id);
    if (extPod) {
      // §8.2: the external network is mirrored to its pod at once; bottom name = top id.
      const d = core.driver(extPod.pod_id);
      await ensureBottom(this.s, extPod, {
        topId: row.id,
        type: 'network',
        projectId: row.project_id,
        kind: 'network',
        name: row.id,
        create: () =>
          d.create('network', {
            name: row.id,
            project_id: row.project_id,
            'router:external': true,
            admin_state_up: true,
            ...(row.provider_network_type ? { 'provider:network_type': row.provider_network_type } : {}),
            ...(row.provider_physical_network ? { 'provider:physical_network': row.provider_physical_network } : {}),
            ...(row.provider_segmentation_id != null ? { 'provider:segmentation_id': row.provider_segmentation_id } : {}),
          }),
      });
    }
    return this.t.toNetwork(row);
  }

  updateNetwork(input: ParsedInput<'networks.update'>): Network {
    const cur = this.t.network(input.id);
    this.t.q.updateNet.run(input.name ?? cur.name, input.admin_state_up === undefined ? cur.admin_state_up : input.admin_state_up ? 1 : 0, this.s.core.nowIso(), cur.id);
    this.s.core.op.touch('networks.changed', cur.id);
    return this.t.toNetwork(this.t.network(cur.id));
  }

  async deleteNetwork(id: string): Promise<void> {
    const net = this.t.network(id);
    if (net.bridge) throw new CrosspodError('NETWORK_IN_USE', `Network ${id} is a Crosspod bridge network; it goes with the project's last router`);
    const ports = (this.t.q.portsOfNet.get(id) as { n: number }).n;
    if (ports > 0) throw new CrosspodError('NETWORK_IN_USE', `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`, { ports });
    if ((this.t.q.fipsOfNet.get(id) as { n: number }).n > 0) {
      throw new CrosspodError('NETWORK_IN_USE', `Network ${id} still has floating IPs`);
    }
    for (const sub of this.t.subnetsOf(id)) await this.deleteSubnetRow(sub);
    await this.dropBottomCopies(id, 'network', 'network');
    this.s.routing.removeAllForTop(id);
    this.t.q.deleteNet.run(id);
    this.s.core.op.touch('networks.changed', id);
  }

  /** Deletes the bottom copies of a top element and their routing rows (§8.4). */
  async dropBottomCopies(topId: string, type: string, kind: 'network' | 'subnet' | 'port'): Promise<void> {
    for (const m of this.s.routing.mappings(topId, type)) {
      await deleteIfExists(this.s.core.driver(m.pod_id), kind, m.bottom_id!);
      this.s.routing.remove(topId, m.pod_id, type);
      this.s.core.op.touch('routings.changed', topId);
    }
  }

  // ---- subnets ----

  async createSubnet(input: ParsedInput<'subnets.create'>): Promise<Subnet> {
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
      created_at: t,
      updated_at: t,
    };
    this.t.q.insertSubnet.run(row);
    core.ipam.addSubnet(row.id, norm);
    core.op.touch('subnets.changed', row.id);
    core.op.touch('networks.changed', net.id);
    if (net.router_external === 1) {
      // §8.3: an external subnet is mirrored to the external network's pod at once.
      const pod = this.s.pods.byName(this.t.hints(net)[0])!;
      await this.ensureBottomSubnet(pod, row);
    }
    return this.t.toSubnet(row);
  }

  async deleteSubnet(id: string): Promise<void> {
    const sub = this.t.subnet(id);
    const net = this.t.network(sub.network_id);
    if (net.bridge) throw new CrosspodError('SUBNET_IN_USE', `Subnet ${id} belongs to a Crosspod bridge network`);
    await this.deleteSubnetRow(sub);
  }

  private async deleteSubnetRow(sub: SubnetRow): Promise<void> {
    const used = (this.t.q.ipsOfSubnet.get(sub.id) as { n: number }).n + (this.t.q.fipsOfSubnet.get(sub.id) as { n: number }).n;
    if (used > 0) throw new CrosspodError('SUBNET_IN_USE', `Unable to complete operation on subnet ${sub.id}: one or more ports have an IP allocation from this subnet.`, { ports: used });
    await this.dropBottomCopies(sub.id, 'subnet', 'subnet');
    this.s.routing.removeAllForTop(sub.id);
    this.s.core.ipam.removeSubnet(sub.id);
    this.t.q.deleteSubnet.run(sub.id);
    this.s.core.op.touch('subnets.changed', sub.id);
    this.s.core.op.touch('networks.changed', sub.network_id);
  }

  // ---- bottom copies ----

  /** The bottom network of a top network in a pod (§8.6 step 6 names: `<id>#<name>`, bridges and external: `<id>`). */
  async ensureBottomNetwork(pod: PodRow, net: NetworkRow, opts: { external?: boolean } = {}): Promise<string> {
    const d = this.s.core.driver(pod.pod_id);
    const name = net.router_external === 1 || net.bridge ? net.id : `${net.id}#${net.name}`;
    const r = await ensureBottom(this.s, pod, {
      topId: net.id,
      type: 'network',
      projectId: net.project_id,
      kind: 'network',
      name,
      create: () =>
        d.create('network', {
          name,
          project_id: net.project_id,
          admin_state_up: true,
          ...(opts.external || net.router_external === 1 ? { 'router:external': true } : {}),
          ...(net.provider_network_type ? { 'provider:network_type': net.provider_network_type } : {}),
          ...(net.provider_physical_network ? { 'provider:physical_network': net.provider_physical_network } : {}),
          ...(net.provider_segmentation_id != null ? { 'provider:segmentation_id': net.provider_segmentation_id } : {}),
        }),
    });
    return r.id;
  }

  /** The bottom copy of a top subnet: same cidr, gateway, pools and DHCP flag (§8.3). */
  async ensureBottomSubnet(pod: PodRow, sub: SubnetRow, opts: { external?: boolean } = {}): Promise<string> {
    const net = this.t.network(sub.network_id);
    const bottomNet = await this.ensureBottomNetwork(pod, net, opts);
    const d = this.s.core.driver(pod.pod_id);
    const r = await ensureBottom(this.s, pod, {
      topId: sub.id,
      type: 'subnet',
      projectId: sub.project_id,
      kind: 'subnet',
      name: sub.id,
      create: () =>
        d.create('subnet', {
          name: sub.id,
          network_id: bottomNet,
          project_id: sub.project_id,
          cidr: sub.cidr,
          ip_version: sub.ip_version as 4 | 6,
          gateway_ip: sub.gateway_ip,
          allocation_pools: JSON.parse(sub.allocation_pools),
          enable_dhcp: sub.enable_dhcp === 1,
        }),
    });
    return r.id;
  }

  /** The bottom copy of a top port (name = top id, same MAC and addresses), with its network and subnets. */
  async ensureBottomPort(pod: PodRow, port: PortRow): Promise<{ id: string; isNew: boolean }> {
    const ips = this.t.portIps(port.id);
    const bottomSubnets = new Map<string, string>();
    for (const ip of ips) bottomSubnets.set(ip.subnet_id, await this.ensureBottomSubnet(pod, this.t.subnet(ip.subnet_id)));
    const bottomNet = this.s.routing.bottomId(port.network_id, pod.pod_id, 'network')!;
    const d = this.s.core.driver(pod.pod_id);
    return ensureBottom(this.s, pod, {
      topId: port.id,
      type: 'port',
      projectId: port.project_id,
      kind: 'port',
      name: port.id,
      create: () =>
        d.create('port', {
          name: port.id,
          network_id: bottomNet,
          project_id: port.project_id,
          mac_address: port.mac_address,
          fixed_ips: ips.map((ip) => ({ subnet_id: bottomSubnets.get(ip.subnet_id), ip_address: ip.ip_address })),
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

  async createPort(input: ParsedInput<'ports.create'>): Promise<Port> {
    const { core } = this.s;
    const net = this.t.network(input.network_id);
    const projectId = input.project_id ?? net.project_id;
    if (!net.bridge) this.s.quotas.check(projectId, { port: 1 });
    const subnets = this.t.subnetsOf(net.id);
    const wanted = input.fixed_ips ?? [];
    const ips: { subnet_id: string; ip_address: string }[] = [];
    if (wanted.length === 0) {
      const first = subnets.find((s) => s.ip_version === 4) ?? subnets[0];
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
        ips.push({ subnet_id: sub.id, ip_address: core.ipam.allocate(sub.id, w.ip_address) });
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
      created_at: t,
      updated_at: t,
    };
    if (input.mac_address && this.t.q.macTaken.get(row.mac_address)) {
      throw new CrosspodError('CONFLICT', `Unable to complete operation for network ${net.id}. The mac address ${row.mac_address} is in use.`);
    }
    this.t.q.insertPort.run(row);
    ips.forEach((ip, i) => this.t.q.insertPortIp.run(row.id, ip.subnet_id, ip.ip_address, i));
    core.op.touch('ports.changed', row.id);
    // A compute port stands for a booted VM: realise it in its network's pod, as the Nova gateway would.
    if (row.device_owner.startsWith('compute:')) {
      const pod = this.podOfNetwork(net, projectId);
      await this.ensureBottomPort(pod, row);
    }
    return this.t.toPort(row);
  }

  /** §8.5 delete: top first; the bottom copy goes through a port_delete job so a pod failure is redoable. */
  async deletePort(id: string, opts: { allowRouterOwned?: boolean } = {}): Promise<void> {
    const port = this.t.port(id);
    if (!opts.allowRouterOwned && (port.device_owner === OWNER_ROUTER_INTERFACE || port.device_owner === OWNER_ROUTER_GATEWAY)) {
      throw new CrosspodError('PORT_IN_USE', `Port ${id} cannot be deleted directly via the port API: has device owner ${port.device_owner}`, { port_id: id });
    }
    for (const m of this.s.routing.mappings(id, 'port')) {
      this.s.jobs.enqueue('port_delete', `${m.pod_id}#${m.bottom_id}`, port.project_id, { pod_id: m.pod_id, bottom_id: m.bottom_id, top_id: id });
    }
    for (const ip of this.t.portIps(id)) this.s.core.ipam.release(ip.subnet_id, ip.ip_address);
    this.t.q.deletePort.run(id);
    this.s.core.op.touch('ports.changed', id);
  }

  /** Deletes a port and its bottom copies now (for Crosspod's own bridge and interface ports). */
  async deletePortNow(id: string): Promise<void> {
    const port = this.t.q.port.get(id) as PortRow | undefined;
    if (!port) return;
    await this.dropBottomCopies(id, 'port', 'port');
    this.s.routing.removeAllForTop(id);
    for (const ip of this.t.portIps(id)) this.s.core.ipam.release(ip.subnet_id, ip.ip_address);
    this.t.q.deletePort.run(id);
    this.s.core.op.touch('ports.changed', id);
  }

  /** Inserts a top port with explicit or next-free addresses (router interfaces, gateways, bridge ports). */
  insertPort(a: { network_id: string; project_id: string; name: string; device_owner: string; device_id: string; ips: { subnet_id: string; ip_address?: string }[] }): PortRow {
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
      created_at: t,
      updated_at: t,
    };
    const ips = a.ips.map((ip) => ({ subnet_id: ip.subnet_id, ip_address: core.ipam.allocate(ip.subnet_id, ip.ip_address) }));
    this.t.q.insertPort.run(row);
    ips.forEach((ip, i) => this.t.q.insertPortIp.run(row.id, ip.subnet_id, ip.ip_address, i));
    core.op.touch('ports.changed', row.id);
    return row;
  }
}
