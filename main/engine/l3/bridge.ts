// Bridge networks per project (reference §7, §8.6, §8.11): east-west and north-south /24s carved
// lowest-first from the bridge pools, each with a VLAN, as top elements keyed by name in the
// routing table; bridge addresses come from top IPAM and are told to the bottom pods explicitly.
import type { Operation, PodRow } from '../context';
import { uuid } from '../context';
import { normalizeSubnet } from '../ipam/cidr';
import type { NetworkService } from '../network';
import type { NetworkRow, PortRow, SubnetRow } from '../network/top';
import type { Services } from '../services';

export type BridgeKind = 'ew' | 'ns';

export interface Bridge {
  kind: BridgeKind;
  net: NetworkRow;
  sub: SubnetRow;
}

export const bridgeNames = (kind: BridgeKind, project: string, suffix = '') => ({
  pool: `${kind}_bridge_subnet_pool`,
  net: `${kind}_bridge_net_${project}${suffix}`,
  subnet: `${kind}_bridge_subnet_${project}${suffix}`,
});

/**
 * North-south bridges are per router: the bridge interface in the external pod sits at the
 * bridge subnet's gateway address, and a bottom network cannot be external in a pod for one
 * router and internal for another. The first router of a project to need one takes the
 * reference's names (`ns_bridge_net_<project>`, so §12 is unchanged); each other router gets
 * `ns_bridge_net_<project>_<router id>` and `ns_bridge_subnet_<project>_<router id>`.
 */
export const nsBridgeNames = (project: string, routerId: string, primary: boolean) => bridgeNames('ns', project, primary ? '' : `_${routerId}`);

export class BridgeService {
  constructor(
    private readonly s: Services,
    private readonly network: NetworkService,
  ) {}

  private topPod(): PodRow {
    return this.s.pods.requireTop();
  }

  /** A top element: get-or-create through the routing table in the top pod (§8.6 step 2). */
  private async topElement(op: Operation, topId: string, type: string, projectId: string | null, create: () => string): Promise<string> {
    const top = this.topPod();
    const r = await this.s.routing.getOrCreate({
      topId,
      podId: top.pod_id,
      projectId,
      type,
      find: async () => null,
      create: async () => create(),
    });
    op.touch('routings.changed', topId);
    return r.bottomId;
  }

  /** The project's E-W bridge network and subnet, created on first use. */
  async ensure(op: Operation, project: string, kind: 'ew'): Promise<Bridge> {
    return this.ensureNamed(op, project, kind, bridgeNames(kind, project), null);
  }

  /** The router's N-S bridge, created on first use (see nsBridgeNames for its names). */
  async ensureNs(op: Operation, router: { id: string; project_id: string }): Promise<Bridge> {
    const found = this.findNs(router.id);
    if (found) return found;
    const top = this.s.pods.requireTop();
    const primaryTaken = this.s.routing.bottomId(bridgeNames('ns', router.project_id).net, top.pod_id, 'network') !== null;
    return this.ensureNamed(op, router.project_id, 'ns', nsBridgeNames(router.project_id, router.id, !primaryTaken), router.id);
  }

  /** The router's N-S bridge if it has one. */
  findNs(routerId: string): Bridge | null {
    const net = this.s.top.nsBridgeOfRouter(routerId);
    if (!net) return null;
    const sub = this.s.top.subnetsOf(net.id)[0];
    return sub ? { kind: 'ns', net, sub } : null;
  }

  private async ensureNamed(op: Operation, project: string, kind: BridgeKind, names: ReturnType<typeof bridgeNames>, routerId: string | null): Promise<Bridge> {
    const { core, top } = this.s;
    const b = core.settings.bridge;
    const poolCidr = kind === 'ew' ? b.ew_pool : b.ns_pool;
    await this.topElement(op, names.pool, 'subnetpool', null, () => {
      core.prefixes.ensurePool(names.pool, poolCidr, b.prefixlen);
      return uuid();
    });
    const netId = await this.topElement(op, names.net, 'network', project, () => {
      core.vlans.ensureRange(b.physical_network, b.vlan_min, b.vlan_max);
      const t = core.nowIso();
      const row: NetworkRow = {
        id: uuid(),
        name: names.net,
        project_id: project,
        router_external: 0,
        az_hints: '[]',
        provider_network_type: 'vlan',
        provider_physical_network: b.physical_network,
        provider_segmentation_id: core.vlans.allocate(b.physical_network),
        admin_state_up: 1,
        shared: 0,
        status: 'ACTIVE',
        bridge: kind,
        created_at: t,
        updated_at: t,
      };
      top.insertNetwork(row);
      if (routerId) top.setBridgeRouter(row.id, routerId);
      op.touch('networks.changed', row.id);
      return row.id;
    });
    const subId = await this.topElement(op, names.subnet, 'subnet', project, () => {
      const norm = normalizeSubnet({ cidr: core.prefixes.allocate(names.pool) });
      const t = core.nowIso();
      const row: SubnetRow = {
        id: uuid(),
        name: names.subnet,
        network_id: netId,
        project_id: project,
        cidr: norm.cidr,
        ip_version: norm.ip_version,
        gateway_ip: norm.gateway_ip,
        allocation_pools: JSON.stringify(norm.allocation_pools),
        enable_dhcp: 0,
        created_at: t,
        updated_at: t,
      };
      top.insertSubnet(row);
      core.ipam.addSubnet(row.id, norm);
      op.touch('subnets.changed', row.id);
      return row.id;
    });
    return { kind, net: top.network(netId), sub: top.subnet(subId) };
  }

  /** The project's E-W bridge if it exists (no creation). */
  find(project: string, kind: 'ew'): Bridge | null {
    const top = this.s.pods.top();
    if (!top) return null;
    const names = bridgeNames(kind, project);
    const netId = this.s.routing.bottomId(names.net, top.pod_id, 'network');
    const subId = this.s.routing.bottomId(names.subnet, top.pod_id, 'subnet');
    if (!netId || !subId) return null;
    return { kind, net: this.s.top.network(netId), sub: this.s.top.subnet(subId) };
  }

  /** A named top bridge port (next free address of the bridge /24), get-or-create. */
  async port(op: Operation, name: string, bridge: Bridge, project: string): Promise<{ row: PortRow; ip: string }> {
    const id = await this.topElement(op, name, 'port', project, () =>
      this.network.insertPort(op, { network_id: bridge.net.id, project_id: project, name, device_owner: '', device_id: '', ips: [{ subnet_id: bridge.sub.id }] }).id,
    );
    const row = this.s.top.port(id);
    return { row, ip: this.s.top.portIps(id)[0].ip_address };
  }

  findPort(name: string): { row: PortRow; ip: string } | null {
    const top = this.s.pods.top();
    const id = top && this.s.routing.bottomId(name, top.pod_id, 'port');
    if (!id) return null;
    return { row: this.s.top.port(id), ip: this.s.top.portIps(id)[0].ip_address };
  }

  /** Releases a named bridge port: its bottom copies, routing rows and top address. */
  async dropPort(op: Operation, name: string): Promise<void> {
    const top = this.s.pods.top();
    if (!top) return;
    const id = this.s.routing.bottomId(name, top.pod_id, 'port');
    if (id) await this.network.deletePortNow(op, id);
    this.s.routing.remove(name, top.pod_id, 'port');
    op.touch('routings.changed', name);
  }

  /** Removes the project's E-W bridge everywhere (§13 row 4: when its last router goes). */
  async dropEw(op: Operation, project: string): Promise<void> {
    const b = this.find(project, 'ew');
    if (b) await this.drop(op, b, bridgeNames('ew', project));
  }

  /** Removes a router's N-S bridge everywhere (when the router goes). */
  async dropNs(op: Operation, router: { id: string; project_id: string }): Promise<void> {
    const b = this.findNs(router.id);
    if (!b) return;
    const primary = b.net.name === bridgeNames('ns', router.project_id).net;
    await this.drop(op, b, nsBridgeNames(router.project_id, router.id, primary));
  }

  /** A bridge's bottom copies, routing rows, /24, VLAN and top rows. */
  private async drop(op: Operation, b: Bridge, names: ReturnType<typeof bridgeNames>): Promise<void> {
    const { core, top, routing } = this.s;
    const topPod = this.s.pods.top();
    if (!topPod) return;
    await this.network.dropBottomCopies(op, b.sub.id, 'subnet', 'subnet');
    await this.network.dropBottomCopies(op, b.net.id, 'network', 'network');
    routing.removeAllForTop(b.sub.id);
    routing.removeAllForTop(b.net.id);
    routing.remove(names.subnet, topPod.pod_id, 'subnet');
    routing.remove(names.net, topPod.pod_id, 'network');
    core.ipam.removeSubnet(b.sub.id);
    core.prefixes.release(names.pool, b.sub.cidr);
    if (b.net.provider_segmentation_id != null) core.vlans.release(b.net.provider_physical_network!, b.net.provider_segmentation_id);
    top.deleteSubnet(b.sub.id);
    top.deleteNetwork(b.net.id);
    op.touch('networks.changed', b.net.id);
    op.touch('subnets.changed', b.sub.id);
    op.touch('routings.changed', names.net);
  }
}
