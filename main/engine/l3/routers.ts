// Routers (reference §8.6–8.10 with the later fixes): bottom routers per pod, the east-west
// bridge, the north-south bridge, the gateway (top first, then the exact address to the bottom),
// and the cleanup on delete (§13 row 4).
import type { ParsedInput } from '../../../shared/contract';
import { CrosspodError } from '../../../shared/errors';
import type { Router, RouterInterfaceInfo } from '../../../shared/model';
import { deleteIfExists, isNotFound, uuid, type PodRow } from '../context';
import { ipInCidr } from '../ipam/cidr';
import type { NetworkService } from '../network';
import { OWNER_ROUTER_GATEWAY, OWNER_ROUTER_INTERFACE, type PortRow, type RouterRow, type SubnetRow } from '../network/top';
import { ensureBottom, type Services } from '../services';
import type { BridgeService } from './bridge';

export const ewPortName = (project: string, bottomRouter: string) => `ew_bridge_port_${project}_${bottomRouter}`;
// The literal "None" is the reference's unset third field (§7), kept so operators recognise it.
export const nsGatewayPortName = (project: string, bottomRouter: string) => `ns_bridge_port_${project}_${bottomRouter}_None`;

export class RouterService {
  constructor(
    private readonly s: Services,
    private readonly network: NetworkService,
    private readonly bridges: BridgeService,
  ) {}

  private get t() {
    return this.s.top;
  }

  create(input: ParsedInput<'routers.create'>): RouterRow {
    const { core } = this.s;
    this.s.quotas.check(input.project_id, { router: 1 });
    const t = core.nowIso();
    const row: RouterRow = {
      id: uuid(),
      name: input.name ?? '',
      project_id: input.project_id,
      admin_state_up: input.admin_state_up === false ? 0 : 1,
      status: 'ACTIVE',
      gw_network_id: null,
      gw_port_id: null,
      enable_snat: 1,
      routes: '[]',
      created_at: t,
      updated_at: t,
    };
    this.t.q.insertRouter.run(row);
    core.op.touch('routers.changed', row.id);
    return row;
  }

  async update(input: ParsedInput<'routers.update'>): Promise<Router> {
    const cur = this.t.router(input.id);
    if (input.routes) {
      for (const r of input.routes) {
        const reachable = this.t.interfacePorts(cur.id).some((p) => this.t.portIps(p.id).some((ip) => ipInCidr(r.nexthop, this.t.subnet(ip.subnet_id).cidr)));
        if (!reachable) throw new CrosspodError('BAD_REQUEST', `Invalid format for routes: nexthop ${r.nexthop} is not connected with router ${cur.id}`, { route: r });
      }
    }
    this.t.q.updateRouter.run(
      input.name ?? cur.name,
      input.admin_state_up === undefined ? cur.admin_state_up : input.admin_state_up ? 1 : 0,
      input.routes ? JSON.stringify(input.routes) : cur.routes,
      this.s.core.nowIso(),
      cur.id,
    );
    if (input.routes) this.s.jobs.enqueue('configure_extra_routes', cur.id, cur.project_id, { router_id: cur.id });
    if (input.external_gateway_info !== undefined) {
      const g = input.external_gateway_info;
      if (g && 'network_id' in g) await this.setGateway({ ...(g as { network_id: string }), id: cur.id });
      else await this.clearGateway(cur.id);
    }
    this.s.core.op.touch('routers.changed', cur.id);
    return this.t.toRouter(this.t.router(cur.id));
  }

  private async ensureBottomRouter(pod: PodRow, router: RouterRow): Promise<string> {
    const d = this.s.core.driver(pod.pod_id);
    const r = await ensureBottom(this.s, pod, {
      topId: router.id,
      type: 'router',
      projectId: router.project_id,
      kind: 'router',
      name: router.id,
      create: () => d.create('router', { name: router.id, project_id: router.project_id, distributed: false }),
    });
    this.s.core.op.touch('routers.changed', router.id);
    return r.id;
  }

  private gatewayPod(router: RouterRow): PodRow | null {
    if (!router.gw_network_id) return null;
    return this.s.pods.byName(this.t.hints(this.t.network(router.gw_network_id))[0]) ?? null;
  }

  /**
   * The north-south bridge in a VM pod: the bridge network is external there and the bottom
   * router's gateway sits on it at a top-allocated address (§8.6 step 4).
   */
  private async ensureNsGateway(pod: PodRow, bottomRouter: string, router: RouterRow): Promise<void> {
    const ns = await this.bridges.ensure(router.project_id, 'ns');
    const bottomSub = await this.network.ensureBottomSubnet(pod, ns.sub, { external: true });
    const bottomNet = await this.nsRole(pod, ns.net.id, true);
    const { ip } = await this.bridges.port(nsGatewayPortName(router.project_id, bottomRouter), ns, router.project_id);
    const d = this.s.core.driver(pod.pod_id);
    const br = await d.get('router', bottomRouter);
    if (br.external_gateway_info?.network_id === bottomNet) return;
    if (br.external_gateway_info) {
      throw new CrosspodError('ROUTER_GATEWAY_EXISTS', `Bottom router ${bottomRouter} in ${pod.region_name} already has a gateway on another network`);
    }
    await d.addGateway(bottomRouter, { network_id: bottomNet, external_fixed_ips: [{ subnet_id: bottomSub, ip_address: ip }] });
    this.s.core.op.undo({ label: `gateway of ${bottomRouter} on the N-S bridge`, pod_id: pod.pod_id, action: { verb: 'removeGateway', router_id: bottomRouter } });
  }

  /**
   * The N-S bridge is external in a VM pod and internal in the external network's pod. When a
   * gateway moves, a pod can change role: its bottom bridge network is flipped to match.
   */
  private async nsRole(pod: PodRow, nsNetTopId: string, external: boolean): Promise<string> {
    const id = this.s.routing.bottomId(nsNetTopId, pod.pod_id, 'network')!;
    const d = this.s.core.driver(pod.pod_id);
    const net = await d.get('network', id);
    if (net['router:external'] !== external) {
      await d.update('network', id, { 'router:external': external });
      this.s.core.op.undo({ label: `N-S bridge role in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'setExternal', network_id: id, external: !external } });
    }
    return id;
  }

  /** Detaches a bottom router from the N-S bridge and releases its bridge address. */
  private async dropNsGateway(pod: PodRow, bottomRouter: string, project: string): Promise<void> {
    const name = nsGatewayPortName(project, bottomRouter);
    if (!this.bridges.findPort(name)) return;
    const d = this.s.core.driver(pod.pod_id);
    try {
      await d.removeGateway(bottomRouter);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    await this.bridges.dropPort(name);
  }

  /**
   * The N-S bridge in the external pod: an internal network on the gateway's bottom router, at
   * the bridge gateway address (§8.9 steps 4-5). Built only when a bottom router of the same
   * router lives in another pod: a same-pod router needs no bridge.
   */
  private async ensureNsInExtPod(extPod: PodRow, extRouter: string, router: RouterRow): Promise<void> {
    const d = this.s.core.driver(extPod.pod_id);
    const ns = await this.bridges.ensure(router.project_id, 'ns');
    const nsSub = await this.network.ensureBottomSubnet(extPod, ns.sub, { external: false });
    await this.nsRole(extPod, ns.net.id, false);
    const onBridge = (await d.list('port', { device_id: extRouter })).some((p) => p.fixed_ips.some((ip) => ip.subnet_id === nsSub));
    if (onBridge) return;
    await d.addInterface(extRouter, { subnet_id: nsSub });
    this.s.core.op.undo({ label: 'N-S bridge interface', pod_id: extPod.pod_id, action: { verb: 'removeInterface', router_id: extRouter, subnet_id: nsSub } });
  }

  /** Does the router need the N-S bridge in this pod? The reference's rule until a gateway is set. */
  private needsNsBridge(router: RouterRow, pod: PodRow): boolean {
    const gwPod = this.gatewayPod(router);
    if (gwPod) return gwPod.pod_id !== pod.pod_id;
    // §8.6 step 3: any external network exists, and none of them lives in this pod.
    const extNets = this.t.q.extNets.all() as { az_hints: string }[];
    return extNets.length > 0 && !extNets.some((n) => JSON.parse(n.az_hints)[0] === pod.region_name);
  }

  async addInterface(input: ParsedInput<'routers.addInterface'>): Promise<RouterInterfaceInfo> {
    const { core } = this.s;
    if (!!input.subnet_id === !!input.port_id) throw new CrosspodError('BAD_REQUEST', 'Either subnet_id or port_id must be specified, not both');
    const router = this.t.router(input.id);
    let sub: SubnetRow;
    let byPort: PortRow | null = null;
    if (input.port_id) {
      byPort = this.t.port(input.port_id);
      const ips = this.t.portIps(byPort.id);
      if (ips.length === 0) throw new CrosspodError('BAD_REQUEST', `Router port must have at least one fixed IP: ${byPort.id}`);
      if (byPort.device_id || byPort.device_owner) throw new CrosspodError('PORT_IN_USE', `Port ${byPort.id} already has an attached device`, { port_id: byPort.id, device_id: byPort.device_id });
      sub = this.t.subnet(ips[0].subnet_id);
    } else {
      sub = this.t.subnet(input.subnet_id!);
    }
    const net = this.t.network(sub.network_id);
    if (net.router_external === 1 || net.bridge) throw new CrosspodError('BAD_REQUEST', `Network ${net.id} cannot take a router interface; set it as the gateway instead`);
    const hints = this.t.hints(net);
    if (hints.length !== 1) throw new CrosspodError('CROSS_POD_L3_NOT_SUPPORTED', 'Cross pods L3 networking not support: the network needs exactly one availability zone hint', { network_id: net.id, hints });
    for (const p of this.t.interfacePorts(router.id)) {
      if (this.t.portIps(p.id).some((ip) => ip.subnet_id === sub.id)) {
        throw new CrosspodError('ROUTER_INTERFACE_EXISTS', `Router already has a port on subnet ${sub.id}`, { router_id: router.id, subnet_id: sub.id });
      }
    }
    const pod = this.s.pods.podForAz(hints[0], router.project_id);
    const d = core.driver(pod.pod_id);

    // 1. bottom router; 2. east-west bridge and its port in this pod.
    const bottomRouter = await this.ensureBottomRouter(pod, router);
    const ew = await this.bridges.ensure(router.project_id, 'ew');
    const ewTop = await this.bridges.port(ewPortName(router.project_id, bottomRouter), ew, router.project_id);
    const ewBottom = await this.network.ensureBottomPort(pod, ewTop.row);
    // 3–4. north-south bridge where this pod is not the external network's.
    if (this.needsNsBridge(router, pod)) {
      await this.ensureNsGateway(pod, bottomRouter, router);
      const gwPod = this.gatewayPod(router);
      if (gwPod) await this.ensureNsInExtPod(gwPod, this.s.routing.bottomId(router.id, gwPod.pod_id, 'router')!, router);
    }

    // 5. top attach.
    let ifPort: PortRow;
    if (byPort) {
      this.t.q.setDevice.run(router.id, OWNER_ROUTER_INTERFACE, core.nowIso(), byPort.id);
      ifPort = this.t.port(byPort.id);
      core.op.touch('ports.changed', byPort.id);
    } else {
      ifPort = this.network.insertPort({
        network_id: net.id,
        project_id: router.project_id,
        name: '',
        device_owner: OWNER_ROUTER_INTERFACE,
        device_id: router.id,
        ips: [{ subnet_id: sub.id, ip_address: sub.gateway_ip ?? undefined }],
      });
    }
    // 6. bottom internal network, subnet and interface port; 7. bottom attach.
    const ifBottom = await this.network.ensureBottomPort(pod, ifPort);
    const ewPort = await d.get('port', ewBottom.id);
    if (!ewPort.device_id) {
      await d.addInterface(bottomRouter, { port_id: ewBottom.id });
      core.op.undo({ label: 'attach E-W bridge port', pod_id: pod.pod_id, action: { verb: 'removeInterface', router_id: bottomRouter, port_id: ewBottom.id } });
    }
    await d.addInterface(bottomRouter, { port_id: ifBottom.id });
    core.op.undo({ label: 'attach interface port', pod_id: pod.pod_id, action: { verb: 'removeInterface', router_id: bottomRouter, port_id: ifBottom.id } });
    // 8. routes between this router's pods.
    this.s.jobs.enqueue('configure_extra_routes', router.id, router.project_id, { router_id: router.id });
    core.op.touch('routers.changed', router.id);
    return { id: router.id, tenant_id: router.project_id, project_id: router.project_id, port_id: ifPort.id, subnet_id: sub.id, subnet_ids: [sub.id], network_id: net.id };
  }

  async removeInterface(input: ParsedInput<'routers.removeInterface'>): Promise<RouterInterfaceInfo> {
    const { core, routing } = this.s;
    if (!!input.subnet_id === !!input.port_id) throw new CrosspodError('BAD_REQUEST', 'Either subnet_id or port_id must be specified, not both');
    const router = this.t.router(input.id);
    const ports = this.t.interfacePorts(router.id);
    const port = input.port_id
      ? ports.find((p) => p.id === input.port_id)
      : ports.find((p) => this.t.portIps(p.id).some((ip) => ip.subnet_id === input.subnet_id));
    if (!port) {
      throw new CrosspodError('ROUTER_INTERFACE_NOT_FOUND', `Router ${router.id} does not have an interface ${input.port_id ? `with id ${input.port_id}` : `on subnet ${input.subnet_id}`}`);
    }
    const ips = this.t.portIps(port.id);
    const net = this.t.network(port.network_id);
    const hints = this.t.hints(net);
    if (hints.length !== 1) throw new CrosspodError('CROSS_POD_L3_NOT_SUPPORTED', 'Cross pods L3 networking not support');
    // A router's own top routes through this subnet would lose their nexthop: Neutron refuses.
    const routes = JSON.parse(router.routes) as { nexthop: string }[];
    const sub = this.t.subnet(ips[0].subnet_id);
    if (routes.some((r) => ipInCidr(r.nexthop, sub.cidr))) {
      throw new CrosspodError('ROUTER_IN_USE', `Router interface for subnet ${sub.id} on router ${router.id} cannot be deleted, as it is required by one or more routes.`);
    }
    const pod = this.s.pods.podForAz(hints[0], router.project_id);
    const bottomRouter = routing.bottomId(router.id, pod.pod_id, 'router');
    const bottomPort = routing.bottomId(port.id, pod.pod_id, 'port');
    if (bottomRouter && bottomPort) {
      try {
        await core.driver(pod.pod_id).removeInterface(bottomRouter, { port_id: bottomPort });
      } catch (e) {
        if (!isNotFound(e)) throw e; // §8.7: a bottom 404 is tolerated
      }
    }
    // Neutron deletes the interface port on removal, whichever way it was added.
    await this.network.deletePortNow(port.id);
    this.s.jobs.enqueue('configure_extra_routes', router.id, router.project_id, { router_id: router.id });
    core.op.touch('routers.changed', router.id);
    return { id: router.id, tenant_id: router.project_id, project_id: router.project_id, port_id: port.id, subnet_id: sub.id, subnet_ids: [sub.id], network_id: net.id };
  }

  async setGateway(input: ParsedInput<'routers.setGateway'>): Promise<Router> {
    const { core, routing } = this.s;
    let router = this.t.router(input.id);
    const net = this.t.network(input.network_id);
    if (net.router_external !== 1) throw new CrosspodError('NOT_EXTERNAL_NETWORK', `Network ${net.id} is not an external network`, { network_id: net.id });
    const hints = this.t.hints(net);
    if (hints.length === 0) throw new CrosspodError('EXTERNAL_NET_POD_NOT_SPECIFIED', 'Pod for external network not specified');
    const extPod = this.s.pods.byName(hints[0]);
    if (!extPod) throw new CrosspodError('POD_NOT_FOUND', `Pod ${hints[0]} could not be found.`, { pod_name: hints[0] });
    const subnets = this.t.subnetsOf(net.id);
    if (subnets.length === 0) throw new CrosspodError('BAD_REQUEST', `External network ${net.id} has no subnet`);

    const wanted = input.external_fixed_ips ?? [];
    if (router.gw_network_id) {
      const cur = this.t.gatewayInfo(router)!;
      const same =
        router.gw_network_id === net.id &&
        (wanted.length === 0 || wanted.every((w) => cur.external_fixed_ips.some((c) => (!w.ip_address || c.ip_address === w.ip_address) && (!w.subnet_id || c.subnet_id === w.subnet_id))));
      if (same) return this.t.toRouter(router);
      await this.clearGateway(router.id);
      router = this.t.router(router.id);
    }

    // Top first (§13 row 6): the top allocates the gateway address, the bottom is told it exactly.
    const ips = (wanted.length ? wanted : [{}]).map((w: { subnet_id?: string; ip_address?: string }) => {
      const sub = w.subnet_id
        ? subnets.find((s) => s.id === w.subnet_id)
        : w.ip_address
          ? subnets.find((s) => ipInCidr(w.ip_address!, s.cidr))
          : (subnets.find((s) => s.ip_version === 4) ?? subnets[0]);
      if (!sub) throw new CrosspodError('IP_NOT_IN_SUBNET', `No subnet of network ${net.id} holds ${w.ip_address ?? w.subnet_id}`);
      return { subnet_id: sub.id, ip_address: w.ip_address };
    });
    const gwPort = this.network.insertPort({ network_id: net.id, project_id: router.project_id, name: '', device_owner: OWNER_ROUTER_GATEWAY, device_id: router.id, ips });
    const snat = input.enable_snat === false ? 0 : 1;
    this.t.q.setGateway.run(net.id, gwPort.id, snat, core.nowIso(), router.id);
    router = this.t.router(router.id);

    // The bottom router in the external pod takes the real gateway (§8.9).
    const d = core.driver(extPod.pod_id);
    const extRouter = await this.ensureBottomRouter(extPod, router);
    // A bottom router that got the N-S bridge as its gateway by the reference's rule gives it up here.
    await this.dropNsGateway(extPod, extRouter, router.project_id);
    const bottomExtNet = routing.bottomId(net.id, extPod.pod_id, 'network')!;
    const gwIps = this.t.portIps(gwPort.id).map((ip) => ({ subnet_id: routing.bottomId(ip.subnet_id, extPod.pod_id, 'subnet')!, ip_address: ip.ip_address }));
    await d.addGateway(extRouter, { network_id: bottomExtNet, enable_snat: snat === 1, external_fixed_ips: gwIps });
    core.op.undo({ label: 'real gateway', pod_id: extPod.pod_id, action: { verb: 'removeGateway', router_id: extRouter } });

    // Every bottom router outside the external pod reaches it over the N-S bridge.
    const others = routing.mappings(router.id, 'router').filter((m) => m.pod_id !== extPod.pod_id);
    if (others.length > 0) await this.ensureNsInExtPod(extPod, extRouter, router);
    for (const m of others) await this.ensureNsGateway(this.s.pods.row(m.pod_id), m.bottom_id!, router);
    core.op.touch('routers.changed', router.id);
    return this.t.toRouter(this.t.router(router.id));
  }

  async clearGateway(id: string): Promise<Router> {
    const { core, routing } = this.s;
    const router = this.t.router(id);
    if (!router.gw_network_id) return this.t.toRouter(router);
    if ((this.t.q.fipsOfRouter.get(router.id) as { n: number }).n > 0) {
      throw new CrosspodError('FLOATING_IP_ASSOCIATED', `Gateway cannot be updated for router ${router.id}, since a gateway to external network ${router.gw_network_id} is required by one or more floating IPs.`);
    }
    const extPod = this.gatewayPod(router)!;
    const extRouter = routing.bottomId(router.id, extPod.pod_id, 'router');
    if (extRouter) {
      const d = core.driver(extPod.pod_id);
      const ns = this.bridges.find(router.project_id, 'ns');
      const nsSub = ns && routing.bottomId(ns.sub.id, extPod.pod_id, 'subnet');
      if (nsSub) {
        const onBridge = (await d.list('port', { device_id: extRouter })).some((p) => p.fixed_ips.some((ip) => ip.subnet_id === nsSub));
        if (onBridge) await d.removeInterface(extRouter, { subnet_id: nsSub });
      }
      // A missing bottom router or gateway is skipped (§13 row 12).
      try {
        await d.removeGateway(extRouter);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    for (const m of routing.mappings(router.id, 'router')) {
      if (m.pod_id !== extPod.pod_id) await this.dropNsGateway(this.s.pods.row(m.pod_id), m.bottom_id!, router.project_id);
    }
    const gwPortId = router.gw_port_id;
    this.t.q.setGateway.run(null, null, 1, core.nowIso(), router.id);
    if (gwPortId) await this.network.deletePortNow(gwPortId);
    core.op.touch('routers.changed', router.id);
    return this.t.toRouter(this.t.router(router.id));
  }

  /** §8.8 with §13 row 4: bottom routers, bridge ports and (with the last router) bridge networks go. */
  async delete(id: string): Promise<void> {
    const { core, routing } = this.s;
    const router = this.t.router(id);
    const ifaces = this.t.interfacePorts(router.id);
    if (ifaces.length > 0) throw new CrosspodError('ROUTER_IN_USE', `Router ${router.id} still has ports`, { ports: ifaces.map((p) => p.id) });
    await this.clearGateway(router.id);
    for (const m of routing.mappings(router.id, 'router')) {
      const pod = this.s.pods.row(m.pod_id);
      const d = core.driver(pod.pod_id);
      const br = m.bottom_id!;
      const ew = this.bridges.findPort(ewPortName(router.project_id, br));
      if (ew) {
        const bottomEw = routing.bottomId(ew.row.id, pod.pod_id, 'port');
        if (bottomEw) {
          try {
            await d.removeInterface(br, { port_id: bottomEw });
          } catch (e) {
            if (!isNotFound(e)) throw e;
          }
        }
        await this.bridges.dropPort(ewPortName(router.project_id, br));
      }
      await this.dropNsGateway(pod, br, router.project_id);
      for (const p of await d.list('port', { device_id: br })) {
        if (p.device_owner === OWNER_ROUTER_INTERFACE) await d.removeInterface(br, { port_id: p.id }).catch((e) => {
          if (!isNotFound(e)) throw e;
        });
      }
      await deleteIfExists(d, 'router', br);
      routing.remove(router.id, pod.pod_id, 'router');
      core.op.touch('routings.changed', router.id);
    }
    this.t.q.deleteRouter.run(router.id);
    core.op.touch('routers.changed', router.id);
    if ((this.t.q.routersOfProject.get(router.project_id) as { n: number }).n === 0) await this.bridges.dropAll(router.project_id);
  }
}
