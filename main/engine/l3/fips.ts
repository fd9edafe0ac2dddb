// Floating IPs (reference §8.12–8.14 with the later fixes): same-pod single DNAT, cross-pod
// two-step DNAT over the project's N-S bridge, full disassociation that releases the bridge
// address, delete that cleans the bottoms, and the path read back from the bottom pods.
import type { ParsedInput } from '../../../shared/contract';
import { CrosspodError } from '../../../shared/errors';
import type { FipPath, FloatingIp } from '../../../shared/model';
import { deleteIfExists, uuid, type Operation, type PodRow } from '../context';
import { canonicalIp } from '../ipam/cidr';
import { cap, networkLabel, portLabel, subnetLabel } from '../labels';
import { gatewayTaken, type NetworkService } from '../network';
import { subnetFor, type FipRow } from '../network/top';
import { ensureBottom, type Services } from '../services';
import type { BridgeService } from './bridge';
import { readPaths } from './paths';

export const BOTTOM_BRIDGE_PORT_NAME = 'ns_bridge_port';
export const fipBridgePortName = (project: string, bottomVmPort: string) => `ns_bridge_port_${project}_None_${bottomVmPort}`;

/**
 * Runs independent pod chains side by side (or one after another when told to, for the
 * benchmark's before/after). Every chain ends before a failure is thrown, so the compensations
 * the failure runs include all the steps that were made.
 */
async function allChains(parallel: boolean, chains: (() => Promise<void>)[]): Promise<void> {
  if (!parallel) {
    for (const c of chains) await c();
    return;
  }
  const r = await Promise.allSettled(chains.map((c) => c()));
  const failed = r.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (failed) throw failed.reason;
}

export class FipService {
  constructor(
    private readonly s: Services,
    private readonly network: NetworkService,
    private readonly bridges: BridgeService,
  ) {}

  private get t() {
    return this.s.top;
  }

  private extPod(networkId: string): PodRow {
    const net = this.t.network(networkId);
    const name = this.t.hints(net)[0];
    const pod = name ? this.s.pods.byName(name) : undefined;
    if (!pod) throw new CrosspodError('EXTERNAL_NET_POD_NOT_SPECIFIED', 'Pod for external network not specified');
    return pod;
  }

  async create(op: Operation, input: ParsedInput<'fips.create'>): Promise<FloatingIp> {
    const { core } = this.s;
    const net = this.t.network(input.floating_network_id);
    if (net.router_external !== 1) throw new CrosspodError('NOT_EXTERNAL_NETWORK', `${cap(networkLabel(net))} is not an external network`, { network_id: net.id });
    const port = input.port_id ? this.t.port(input.port_id) : null;
    const project = input.project_id ?? port?.project_id ?? net.project_id;
    const subnets = this.t.subnetsOf(net.id);
    const sub = subnetFor(subnets, { ip_address: input.floating_ip_address });
    if (!sub) {
      throw new CrosspodError(input.floating_ip_address ? 'IP_NOT_IN_SUBNET' : 'BAD_REQUEST', input.floating_ip_address ? `${input.floating_ip_address} is not in any subnet of ${net.id}` : `External network ${net.id} has no subnet`);
    }
    if (input.floating_ip_address && sub.gateway_ip && canonicalIp(input.floating_ip_address) === sub.gateway_ip) throw gatewayTaken(input.floating_ip_address, sub.id);
    this.s.quotas.check(project, { floatingip: 1 });
    const address = core.ipam.allocate(sub.id, input.floating_ip_address);
    const t = core.nowIso();
    const row: FipRow = {
      id: uuid(),
      project_id: project,
      floating_network_id: net.id,
      floating_subnet_id: sub.id,
      floating_ip_address: address,
      port_id: null,
      fixed_ip_address: null,
      router_id: null,
      status: 'DOWN',
      created_at: t,
      updated_at: t,
    };
    this.t.insertFip(row);
    op.touch('fips.changed', row.id);
    // §13 row 2: a floating IP created with a port is realised in the bottoms at once.
    if (port) return this.associate(op, { id: row.id, port_id: port.id, fixed_ip_address: input.fixed_ip_address });
    return this.t.toFip(row);
  }

  async associate(op: Operation, input: ParsedInput<'fips.associate'>): Promise<FloatingIp> {
    const { core, routing } = this.s;
    let fip = this.t.fip(input.id);
    const port = this.t.port(input.port_id);
    const portIps = this.t.portIps(port.id);
    const fixed = input.fixed_ip_address
      ? portIps.find((ip) => ip.ip_address === input.fixed_ip_address)
      : (portIps.find((ip) => !ip.ip_address.includes(':')) ?? portIps[0]);
    if (!fixed) throw new CrosspodError('BAD_REQUEST', `Port ${port.name || port.id} does not have fixed ip ${input.fixed_ip_address ?? '(any)'}`);
    // Neutron: router, DHCP and other network-owned ports never take a floating IP.
    if (port.device_owner.startsWith('network:')) {
      throw new CrosspodError('PORT_NOT_ASSOCIABLE', `Port ${port.name || port.id} (${fixed.ip_address}) is owned by ${port.device_owner} and cannot take floating IP ${fip.floating_ip_address}`, {
        port_id: port.id,
        device_owner: port.device_owner,
      });
    }
    if (fip.port_id === port.id && fip.fixed_ip_address === fixed.ip_address) return this.t.toFip(fip);
    const other = this.t.fipsOfPort(port.id).find((f) => f.id !== fip.id && f.floating_network_id === fip.floating_network_id);
    if (other) {
      throw new CrosspodError('FLOATING_IP_ASSOCIATED', `Cannot associate floating IP ${fip.floating_ip_address} with ${portLabel(port, portIps)}: it already has floating IP ${other.floating_ip_address} on that network`, { floatingip_id: other.id });
    }
    // The router that connects the port's subnet to the floating network (Neutron's check).
    const router = this.t.routerBetween(fixed.subnet_id, fip.floating_network_id);
    if (!router) {
      throw new CrosspodError('EXTERNAL_GATEWAY_NOT_FOUND', `External ${networkLabel(this.t.network(fip.floating_network_id))} is not reachable from ${subnetLabel(this.t.subnet(fixed.subnet_id))}: no router connects them. Therefore, cannot associate ${portLabel(port, portIps)} with floating IP ${fip.floating_ip_address}.`);
    }
    if (fip.port_id) {
      await this.disassociateRow(op, fip);
      fip = this.t.fip(fip.id);
    }
    this.t.bindFip(fip.id, { port_id: port.id, fixed_ip_address: fixed.ip_address, router_id: router.id, status: 'ACTIVE', updated_at: core.nowIso() });
    op.touch('fips.changed', fip.id);

    // The VM port's bottom copy: present once the VM booted, else made now in its network's pod.
    let vmPod: PodRow;
    let vmPort: string;
    const m = routing.mappings(port.id, 'port')[0];
    if (m) {
      vmPod = this.s.pods.row(m.pod_id);
      vmPort = m.bottom_id!;
    } else {
      const net = this.t.network(port.network_id);
      if (this.t.hints(net).length === 0) throw new CrosspodError('CROSS_POD_L3_NOT_SUPPORTED', 'Cross pods L3 networking not support: the port is not bound and its network has no availability zone hint');
      vmPod = this.network.podOfNetwork(net, port.project_id);
      vmPort = (await this.network.ensureBottomPort(op, vmPod, port)).id;
    }
    const extPod = this.extPod(fip.floating_network_id);
    const bottomExtNet = routing.bottomId(fip.floating_network_id, extPod.pod_id, 'network')!;

    if (vmPod.pod_id === extPod.pod_id) {
      await this.safeCreateFip(op, extPod, bottomExtNet, fip.floating_ip_address, vmPort, fip.project_id);
    } else {
      // Two-step DNAT: floating IP -> bridge address X in the external pod, X -> VM in its pod.
      // The bridge is the router's project's: that is the bridge its bottom routers sit on.
      const project = router.project_id;
      const ns = await this.bridges.ensureNs(op, router);
      const bridge = await this.bridges.port(op, fipBridgePortName(project, vmPort), ns, project);
      // The VM pod's chain (bridge floating IP X -> VM) and the external pod's (bridge port X,
      // floating IP -> X) share nothing below the top: they run side by side.
      const vmChain = async () => {
        await this.network.ensureBottomSubnet(op, vmPod, ns.sub, { external: true });
        const vmNsNet = routing.bottomId(ns.net.id, vmPod.pod_id, 'network')!;
        await this.safeCreateFip(op, vmPod, vmNsNet, bridge.ip, vmPort, fip.project_id);
      };
      const extChain = async () => {
        const extNsSub = await this.network.ensureBottomSubnet(op, extPod, ns.sub, { external: false });
        const extNsNet = routing.bottomId(ns.net.id, extPod.pod_id, 'network')!;
        const d = op.driver(extPod.pod_id);
        const bottomBridge = await ensureBottom(this.s, op, extPod, {
          topId: bridge.row.id,
          type: 'port',
          projectId: project,
          kind: 'port',
          name: BOTTOM_BRIDGE_PORT_NAME,
          // The literal name is shared by every such port (§7): the description is its lookup key.
          create: ({ description }) =>
            d.create('port', {
              name: BOTTOM_BRIDGE_PORT_NAME,
              network_id: extNsNet,
              project_id: project,
              fixed_ips: [{ subnet_id: extNsSub, ip_address: bridge.ip }],
              description,
            }),
        });
        await this.safeCreateFip(op, extPod, bottomExtNet, fip.floating_ip_address, bottomBridge.id, fip.project_id);
      };
      await allChains(core.settings.parallel_pod_steps, [extChain, vmChain]);
    }
    return this.t.toFip(this.t.fip(fip.id));
  }

  /** §8.13 safe_create_fip: create, or reuse the unbound one that holds the address. */
  private async safeCreateFip(op: Operation, pod: PodRow, networkId: string, address: string, portId: string, project: string): Promise<void> {
    const d = op.driver(pod.pod_id);
    // Reuse the one that holds the address (a re-association finds its unbound floating IP),
    // rather than provoke the in-use error: one read instead of a failed create.
    const held = (await d.list('floatingip', { floating_ip_address: address, floating_network_id: networkId }))[0];
    if (held && held.port_id === portId) return;
    if (held && !held.port_id) {
      await d.update('floatingip', held.id, { port_id: portId });
      op.undo({ label: `bind ${address} in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'unbindFip', id: held.id } });
      return;
    }
    try {
      const f = await d.create('floatingip', { floating_network_id: networkId, floating_ip_address: address, port_id: portId, project_id: project });
      op.undo({ label: `floating IP ${address} in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'delete', kind: 'floatingip', id: f.id } });
      return;
    } catch (e) {
      if (!(e instanceof CrosspodError && e.code === 'IP_ADDRESS_IN_USE')) throw e;
      const found = (await d.list('floatingip', { floating_ip_address: address }))[0];
      if (!found) throw new CrosspodError('BOTTOM_POD_OPERATION_FAILURE', `Operation for floating ip on bottom pod ${pod.region_name} fails`, { address });
      if (found.port_id === portId) return;
      if (found.port_id) throw e;
      await d.update('floatingip', found.id, { port_id: portId });
      op.undo({ label: `bind ${address} in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'unbindFip', id: found.id } });
    }
  }

  /** Before a port is deleted: every floating IP on it is disassociated (NOT_FOUND for no port). */
  async disassociatePort(op: Operation, portId: string): Promise<void> {
    const port = this.t.port(portId);
    for (const f of this.t.fipsOfPort(port.id)) await this.disassociate(op, f.id);
  }

  async disassociate(op: Operation, id: string): Promise<FloatingIp> {
    const fip = this.t.fip(id);
    await this.disassociateRow(op, fip);
    return this.t.toFip(this.t.fip(id));
  }

  /** Full disassociation: the external pod's floating IP is unbound and the bridge address released. */
  private async disassociateRow(op: Operation, fip: FipRow): Promise<void> {
    const { core, routing } = this.s;
    if (!fip.port_id) return;
    const project = fip.router_id ? (this.t.findRouter(fip.router_id)?.project_id ?? fip.project_id) : fip.project_id;
    this.t.bindFip(fip.id, { port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN', updated_at: core.nowIso() });
    op.touch('fips.changed', fip.id);
    const m = routing.mappings(fip.port_id, 'port')[0];
    if (!m) return; // never realised in a bottom pod: nothing below to undo
    const vmPod = this.s.pods.row(m.pod_id);
    const vmPort = m.bottom_id!;
    const extPod = this.extPod(fip.floating_network_id);
    const bottomExtNet = routing.bottomId(fip.floating_network_id, extPod.pod_id, 'network');
    const de = op.driver(extPod.pod_id);
    const extFips = bottomExtNet ? await de.list('floatingip', { floating_ip_address: fip.floating_ip_address, floating_network_id: bottomExtNet }) : [];

    if (vmPod.pod_id !== extPod.pod_id) {
      const name = fipBridgePortName(project, vmPort);
      const bridge = this.bridges.findPort(name);
      const ns = fip.router_id ? this.bridges.findNs(fip.router_id) : null;
      const vmNsNet = ns && routing.bottomId(ns.net.id, vmPod.pod_id, 'network');
      if (bridge && vmNsNet) {
        const dv = op.driver(vmPod.pod_id);
        for (const f of await dv.list('floatingip', { floating_ip_address: bridge.ip, floating_network_id: vmNsNet })) {
          await deleteIfExists(dv, 'floatingip', f.id);
          op.undo({
            label: `bridge floating IP ${bridge.ip} in ${vmPod.region_name}`,
            pod_id: vmPod.pod_id,
            action: { verb: 'createFip', body: { floating_network_id: vmNsNet, floating_ip_address: bridge.ip, port_id: vmPort, project_id: fip.project_id } },
          });
        }
      }
      await this.unbindAll(op, extPod, extFips);
      // Last, as it cannot be undone: the bridge port goes, releasing the bridge address.
      if (bridge) await this.bridges.dropPort(op, name);
    } else {
      await this.unbindAll(op, extPod, extFips);
    }
  }

  private async unbindAll(op: Operation, pod: PodRow, fips: { id: string; port_id: string | null }[]): Promise<void> {
    const d = op.driver(pod.pod_id);
    for (const f of fips) {
      if (!f.port_id) continue;
      await d.update('floatingip', f.id, { port_id: null });
      op.undo({ label: `unbind floating IP in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'bindFip', id: f.id, port_id: f.port_id } });
    }
  }

  /** §13 row 1: delete = full disassociation, then the bottom floating IP, then the top row. */
  async delete(op: Operation, id: string): Promise<void> {
    const { core, routing } = this.s;
    const fip = this.t.fip(id);
    await this.disassociateRow(op, fip);
    const extPod = this.extPod(fip.floating_network_id);
    const bottomExtNet = routing.bottomId(fip.floating_network_id, extPod.pod_id, 'network');
    if (bottomExtNet) {
      const d = op.driver(extPod.pod_id);
      for (const f of await d.list('floatingip', { floating_ip_address: fip.floating_ip_address, floating_network_id: bottomExtNet })) await deleteIfExists(d, 'floatingip', f.id);
    }
    core.ipam.release(fip.floating_subnet_id, fip.floating_ip_address);
    this.t.deleteFip(fip.id);
    op.touch('fips.changed', fip.id);
  }

  /** The path as the bottom pods hold it, not recomputed from the top (see paths.ts). */
  async path(id: string): Promise<FipPath> {
    return (await readPaths(this.s, [this.t.fip(id)], this.s.core.settings.read_budget_ms))[0];
  }
}
