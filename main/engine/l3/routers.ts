// Routers (reference §8.6–8.10 with the later fixes): bottom routers per pod, the east-west
// bridge, the north-south bridge, the gateway (top first, then the exact address to the bottom),
// and the cleanup on delete (§13 row 4).
import type { ParsedInput } from '../../../shared/contract';
import { CrosspodError } from '../../../shared/errors';
import type { Router, RouterInterfaceInfo } from '../../../shared/model';
import { deleteIfExists, isNotFound, uuid, type Operation, type PodRow } from '../context';
import { canonicalIp, cidrsOverlap, ipInCidr, ipVersionOf } from '../ipam/cidr';
import { cap, networkLabel, portLabel, routerLabel, subnetLabel } from '../labels';
import { gatewayTaken, type NetworkService } from '../network';
import { OWNER_ROUTER_GATEWAY, OWNER_ROUTER_INTERFACE, subnetFor, type PortRow, type RouterRow, type SubnetRow } from '../network/top';
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

  create(op: Operation, input: ParsedInput<'routers.create'>): RouterRow {
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
    this.t.insertRouter(row);
    op.touch('routers.changed', row.id);
    return row;
  }

  /** routers.create: the router, with its gateway set at once when the input has one. */
  async createRouter(op: Operation, input: ParsedInput<'routers.create'>): Promise<Router> {
    const row = this.create(op, input);
    if (input.external_gateway_info) return this.setGateway(op, { id: row.id, ...input.external_gateway_info });
    return this.t.toRouter(row);
  }

  async update(op: Operation, input: ParsedInput<'routers.update'>): Promise<Router> {
    const cur = this.t.router(input.id);
    if (input.routes) this.checkRoutes(cur, input.routes);
    this.t.updateRouter(cur.id, {
      name: input.name ?? cur.name,
      admin_state_up: input.admin_state_up === undefined ? cur.admin_state_up : input.admin_state_up ? 1 : 0,
      routes: input.routes ? JSON.stringify(input.routes) : cur.routes,
      updated_at: this.s.core.nowIso(),
    });
    if (input.external_gateway_info !== undefined) {
      const g = input.external_gateway_info;
      if (g && 'network_id' in g) await this.setGateway(op, { ...(g as { network_id: string }), id: cur.id });
      else await this.clearGateway(op, cur.id);
    }
    if (input.routes) this.s.jobs.enqueue('configure_extra_routes', cur.id, cur.project_id, { router_id: cur.id });
    op.touch('routers.changed', cur.id);
    return this.t.toRouter(this.t.router(cur.id));
  }

  /** The subnets a router is connected to: its interfaces and its gateway. */
  private connectedSubnets(router: RouterRow): { sub: SubnetRow; ip: string; gateway: boolean }[] {
    const out: { sub: SubnetRow; ip: string; gateway: boolean }[] = [];
    for (const p of this.t.interfacePorts(router.id)) for (const ip of this.t.portIps(p.id)) out.push({ sub: this.t.subnet(ip.subnet_id), ip: ip.ip_address, gateway: false });
    if (router.gw_port_id) for (const ip of this.t.portIps(router.gw_port_id)) out.push({ sub: this.t.subnet(ip.subnet_id), ip: ip.ip_address, gateway: true });
    return out;
  }

  /** Neutron: no two subnets of one router may overlap (interfaces and gateway), whichever pods they live in. */
  private refuseOverlap(router: RouterRow, joining: SubnetRow[], as: 'interface' | 'gateway'): void {
    for (const c of this.connectedSubnets(router)) {
      const clash = joining.find((s) => cidrsOverlap(s.cidr, c.sub.cidr));
      if (!clash) continue;
      const message =
        as === 'interface'
          ? `${cap(subnetLabel(clash))} overlaps ${subnetLabel(c.sub)}, already on ${routerLabel(router)}`
          : `External ${subnetLabel(clash)} overlaps ${subnetLabel(c.sub)} of ${routerLabel(router)}`;
      throw new CrosspodError('ROUTER_SUBNET_OVERLAP', message, { router_id: router.id, subnet_id: clash.id, cidr: clash.cidr, overlaps: { subnet_id: c.sub.id, cidr: c.sub.cidr } });
    }
  }

  /**
   * Neutron's rules for extra routes: each nexthop sits on a subnet the router is connected to
   * (the gateway's included) and is not one of the router's own addresses. Destinations are
   * CIDRs (checked by the contract).
   */
  private checkRoutes(router: RouterRow, routes: { destination: string; nexthop: string }[]): void {
    const connected = this.connectedSubnets(router);
    for (const r of routes) {
      const nexthop = canonicalIp(r.nexthop);
      const on = connected.find((c) => ipInCidr(nexthop, c.sub.cidr));
      if (!on) {
        throw new CrosspodError('INVALID_ROUTES', `Invalid route ${r.destination} via ${r.nexthop}: the nexthop is not on a subnet connected to ${routerLabel(router)}`, { route: r, router_id: router.id });
      }
      if (connected.some((c) => c.ip === nexthop)) {
        throw new CrosspodError('INVALID_ROUTES', `Invalid route ${r.destination} via ${r.nexthop}: the nexthop is an address of ${routerLabel(router)} itself`, { route: r, router_id: router.id });
      }
      if (ipVersionOf(r.destination) !== ipVersionOf(nexthop)) {
        throw new CrosspodError('INVALID_ROUTES', `Invalid route ${r.destination} via ${r.nexthop}: the destination and the nexthop are of different IP versions`, { route: r, router_id: router.id });
      }
    }
  }

  /**
   * The pods a router spans once `extra` joins it, and whether any interface subnet is IPv6.
   * East-west routes and the N-S bridge are IPv4: an IPv6 subnet on a router that spans pods
   * would be unreachable from the other pods, so it is refused rather than left half-routed.
   */
  private checkIpv6(router: RouterRow, extra: { pod: string; sub: SubnetRow } | null, gwPod: PodRow | null): void {
    const pods = new Set<string>();
    let v6: SubnetRow | null = null;
    for (const p of this.t.interfacePorts(router.id)) {
      const net = this.t.network(p.network_id);
      const hint = this.t.hints(net)[0];
      const pod = hint ? this.s.pods.podForAz(hint, router.project_id) : null;
      if (pod) pods.add(pod.pod_id);
      for (const ip of this.t.portIps(p.id)) {
        const sub = this.t.subnet(ip.subnet_id);
        if (sub.ip_version === 6) v6 = sub;
      }
    }
    if (extra) {
      pods.add(extra.pod);
      if (extra.sub.ip_version === 6) v6 = extra.sub;
    }
    if (gwPod) pods.add(gwPod.pod_id);
    if (v6 && pods.size > 1) {
      throw new CrosspodError(
        'CROSS_POD_IPV6_NOT_SUPPORTED',
        `IPv6 subnet ${v6.name || v6.cidr} (${v6.cidr}) cannot be on ${routerLabel(router)} across pods: the east-west and north-south bridges are IPv4`,
        { router_id: router.id, subnet_id: v6.id, cidr: v6.cidr },
      );
    }
  }

  private async ensureBottomRouter(op: Operation, pod: PodRow, router: RouterRow): Promise<string> {
    const d = op.driver(pod.pod_id);
    const r = await ensureBottom(this.s, op, pod, {
      topId: router.id,
      type: 'router',
      projectId: router.project_id,
      kind: 'router',
      name: router.id,
      create: ({ description }) => d.create('router', { name: router.id, project_id: router.project_id, distributed: false, description }),
    });
    op.touch('routers.changed', router.id);
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
  private async ensureNsGateway(op: Operation, pod: PodRow, bottomRouter: string, router: RouterRow): Promise<void> {
    const ns = await this.bridges.ensureNs(op, router);
    const bottomSub = await this.network.ensureBottomSubnet(op, pod, ns.sub, { external: true });
    const bottomNet = await this.nsRole(op, pod, ns.net.id, true);
    const { ip } = await this.bridges.port(op, nsGatewayPortName(router.project_id, bottomRouter), ns, router.project_id);
    const d = op.driver(pod.pod_id);
    const br = await d.get('router', bottomRouter);
    const snat = router.enable_snat === 1;
    if (br.external_gateway_info?.network_id === bottomNet) {
      await this.syncSnat(op, pod, bottomRouter, br.external_gateway_info.enable_snat, snat);
      return;
    }
    if (br.external_gateway_info) {
      throw new CrosspodError('ROUTER_GATEWAY_EXISTS', `The bottom router of ${routerLabel(router)} in ${pod.region_name} already has a gateway on another network`);
    }
    // SNAT on the bridge follows the router's enable_snat (§12: on by default).
    await d.addGateway(bottomRouter, { network_id: bottomNet, enable_snat: snat, external_fixed_ips: [{ subnet_id: bottomSub, ip_address: ip }] });
    op.undo({ label: `gateway of ${bottomRouter} on the N-S bridge`, pod_id: pod.pod_id, action: { verb: 'removeGateway', router_id: bottomRouter } });
  }

  /** Only user routes and SNAT-off return routes follow the gateway; plain E-W routes do not. */
  private routesDependOnGateway(router: RouterRow): boolean {
    return router.routes !== '[]' || router.enable_snat === 0;
  }

  /** Brings a bottom gateway's SNAT to the router's setting. */
  private async syncSnat(op: Operation, pod: PodRow, bottomRouter: string, current: boolean, wanted: boolean): Promise<void> {
    if (current === wanted) return;
    await op.driver(pod.pod_id).setGatewaySnat(bottomRouter, wanted);
    op.undo({ label: `SNAT of a bottom gateway in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'setSnat', router_id: bottomRouter, enable_snat: current } });
  }

  /**
   * The N-S bridge is external in a VM pod and internal in the external network's pod. When a
   * gateway moves, a pod can change role: its bottom bridge network is flipped to match.
   */
  private async nsRole(op: Operation, pod: PodRow, nsNetTopId: string, external: boolean): Promise<string> {
    const id = this.s.routing.bottomId(nsNetTopId, pod.pod_id, 'network')!;
    const d = op.driver(pod.pod_id);
    const net = await d.get('network', id);
    if (net['router:external'] !== external) {
      await d.update('network', id, { 'router:external': external });
      op.undo({ label: `N-S bridge role in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'setExternal', network_id: id, external: !external } });
    }
    return id;
  }

  /** Detaches a bottom router from the N-S bridge and releases its bridge address. */
  private async dropNsGateway(op: Operation, pod: PodRow, bottomRouter: string, project: string): Promise<void> {
    const name = nsGatewayPortName(project, bottomRouter);
    if (!this.bridges.findPort(name)) return;
    const d = op.driver(pod.pod_id);
    try {
      await d.removeGateway(bottomRouter);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    await this.bridges.dropPort(op, name);
  }

  /**
   * The N-S bridge in the external pod: an internal network on the gateway's bottom router, at
   * the bridge gateway address (§8.9 steps 4-5). Built only when a bottom router of the same
   * router lives in another pod: a same-pod router needs no bridge.
   */
  private async ensureNsInExtPod(op: Operation, extPod: PodRow, extRouter: string, router: RouterRow): Promise<void> {
    const d = op.driver(extPod.pod_id);
    const ns = await this.bridges.ensureNs(op, router);
    const nsSub = await this.network.ensureBottomSubnet(op, extPod, ns.sub, { external: false });
    await this.nsRole(op, extPod, ns.net.id, false);
    const onBridge = (await d.list('port', { device_id: extRouter })).some((p) => p.fixed_ips.some((ip) => ip.subnet_id === nsSub));
    if (onBridge) return;
    await d.addInterface(extRouter, { subnet_id: nsSub });
    op.undo({ label: 'N-S bridge interface', pod_id: extPod.pod_id, action: { verb: 'removeInterface', router_id: extRouter, subnet_id: nsSub } });
  }

  /** Does the router need the N-S bridge in this pod? The reference's rule until a gateway is set. */
  private needsNsBridge(router: RouterRow, pod: PodRow): boolean {
    const gwPod = this.gatewayPod(router);
    if (gwPod) return gwPod.pod_id !== pod.pod_id;
    // §8.6 step 3: any external network exists, and none of them lives in this pod.
    const extNets = this.t.externalNetworks();
    return extNets.length > 0 && !extNets.some((n) => JSON.parse(n.az_hints)[0] === pod.region_name);
  }

  async addInterface(op: Operation, input: ParsedInput<'routers.addInterface'>): Promise<RouterInterfaceInfo> {
    const { core } = this.s;
    if (!!input.subnet_id === !!input.port_id) throw new CrosspodError('BAD_REQUEST', 'Either subnet_id or port_id must be specified, not both');
    const router = this.t.router(input.id);
    let sub: SubnetRow;
    let byPort: PortRow | null = null;
    if (input.port_id) {
      byPort = this.t.port(input.port_id);
      const ips = this.t.portIps(byPort.id);
      if (ips.length === 0) throw new CrosspodError('BAD_REQUEST', `Router port must have at least one fixed IP: ${portLabel(byPort)}`);
      if (byPort.device_id || byPort.device_owner) throw new CrosspodError('PORT_IN_USE', `${cap(portLabel(byPort, ips))} already has an attached device (${byPort.device_owner || byPort.device_id})`, { port_id: byPort.id, device_id: byPort.device_id });
      sub = this.t.subnet(ips[0].subnet_id);
    } else {
      sub = this.t.subnet(input.subnet_id!);
    }
    const net = this.t.network(sub.network_id);
    if (net.router_external === 1 || net.bridge) throw new CrosspodError('BAD_REQUEST', `${cap(networkLabel(net))} cannot take a router interface; set it as the gateway instead`);
    const hints = this.t.hints(net);
    if (hints.length !== 1) throw new CrosspodError('CROSS_POD_L3_NOT_SUPPORTED', 'Cross pods L3 networking not support: the network needs exactly one availability zone hint', { network_id: net.id, hints });
    for (const p of this.t.interfacePorts(router.id)) {
      if (this.t.portIps(p.id).some((ip) => ip.subnet_id === sub.id)) {
        throw new CrosspodError('ROUTER_INTERFACE_EXISTS', `${cap(routerLabel(router))} already has a port on ${subnetLabel(sub)}`, { router_id: router.id, subnet_id: sub.id });
      }
    }
    this.refuseOverlap(router, [sub], 'interface');
    const pod = this.s.pods.podForAz(hints[0], router.project_id);
    this.checkIpv6(router, { pod: pod.pod_id, sub }, this.gatewayPod(router));
    const d = op.driver(pod.pod_id);

    // 1. bottom router; 2. east-west bridge and its port in this pod.
    const bottomRouter = await this.ensureBottomRouter(op, pod, router);
    const ew = await this.bridges.ensure(op, router.project_id, 'ew');
    const ewTop = await this.bridges.port(op, ewPortName(router.project_id, bottomRouter), ew, router.project_id);
    const ewBottom = await this.network.ensureBottomPort(op, pod, ewTop.row);
    // 3–4. north-south bridge where this pod is not the external network's.
    if (this.needsNsBridge(router, pod)) {
      await this.ensureNsGateway(op, pod, bottomRouter, router);
      const gwPod = this.gatewayPod(router);
      if (gwPod) await this.ensureNsInExtPod(op, gwPod, this.s.routing.bottomId(router.id, gwPod.pod_id, 'router')!, router);
    }

    // 5. top attach.
    let ifPort: PortRow;
    if (byPort) {
      this.t.setDevice(byPort.id, router.id, OWNER_ROUTER_INTERFACE, core.nowIso());
      ifPort = this.t.port(byPort.id);
      op.touch('ports.changed', byPort.id);
    } else {
      ifPort = this.network.insertPort(op, {
        network_id: net.id,
        project_id: router.project_id,
        name: '',
        device_owner: OWNER_ROUTER_INTERFACE,
        device_id: router.id,
        ips: [{ subnet_id: sub.id, ip_address: sub.gateway_ip ?? undefined }],
      });
    }
    // 6. bottom internal network, subnet and interface port; 7. bottom attach.
    const ifBottom = await this.network.ensureBottomPort(op, pod, ifPort);
    const ewPort = await d.get('port', ewBottom.id);
    if (!ewPort.device_id) {
      await d.addInterface(bottomRouter, { port_id: ewBottom.id });
      op.undo({ label: 'attach E-W bridge port', pod_id: pod.pod_id, action: { verb: 'removeInterface', router_id: bottomRouter, port_id: ewBottom.id } });
    }
    await d.addInterface(bottomRouter, { port_id: ifBottom.id });
    op.undo({ label: 'attach interface port', pod_id: pod.pod_id, action: { verb: 'removeInterface', router_id: bottomRouter, port_id: ifBottom.id } });
    // 8. routes between this router's pods.
    this.s.jobs.enqueue('configure_extra_routes', router.id, router.project_id, { router_id: router.id });
    op.touch('routers.changed', router.id);
    return { id: router.id, tenant_id: router.project_id, project_id: router.project_id, port_id: ifPort.id, subnet_id: sub.id, subnet_ids: [sub.id], network_id: net.id };
  }

  async removeInterface(op: Operation, input: ParsedInput<'routers.removeInterface'>): Promise<RouterInterfaceInfo> {
    const { routing } = this.s;
    if (!!input.subnet_id === !!input.port_id) throw new CrosspodError('BAD_REQUEST', 'Either subnet_id or port_id must be specified, not both');
    const router = this.t.router(input.id);
    const ports = this.t.interfacePorts(router.id);
    const port = input.port_id
      ? ports.find((p) => p.id === input.port_id)
      : ports.find((p) => this.t.portIps(p.id).some((ip) => ip.subnet_id === input.subnet_id));
    if (!port) {
      throw new CrosspodError('ROUTER_INTERFACE_NOT_FOUND', `${cap(routerLabel(router))} does not have an interface ${input.port_id ? `with port ${input.port_id}` : `on subnet ${input.subnet_id}`}`);
    }
    const ips = this.t.portIps(port.id);
    const net = this.t.network(port.network_id);
    const hints = this.t.hints(net);
    if (hints.length !== 1) throw new CrosspodError('CROSS_POD_L3_NOT_SUPPORTED', 'Cross pods L3 networking not support');
    // A router's own top routes through this subnet would lose their nexthop: Neutron refuses.
    const routes = JSON.parse(router.routes) as { nexthop: string }[];
    const sub = this.t.subnet(ips[0].subnet_id);
    if (routes.some((r) => ipInCidr(r.nexthop, sub.cidr))) {
      throw new CrosspodError('ROUTER_IN_USE', `The interface of ${routerLabel(router)} on ${subnetLabel(sub)} cannot be deleted, as it is required by one or more routes.`);
    }
    // Floating IPs reach their ports through this interface: Neutron refuses, and so do we, at
    // the top, naming them (rather than a bottom pod refusing with its own ids).
    const users = this.t.fipsOfRouter(router.id).filter((f) => f.port_id && this.t.portIps(f.port_id).some((ip) => ip.subnet_id === sub.id));
    if (users.length > 0) {
      const addrs = users.map((f) => f.floating_ip_address);
      throw new CrosspodError(
        'ROUTER_INTERFACE_IN_USE',
        `The interface of ${routerLabel(router)} on ${subnetLabel(sub)} is used by floating IP${addrs.length > 1 ? 's' : ''} ${addrs.join(', ')}: disassociate ${addrs.length > 1 ? 'them' : 'it'} first`,
        { router_id: router.id, subnet_id: sub.id, floating_ips: users.map((f) => ({ id: f.id, floating_ip_address: f.floating_ip_address })) },
      );
    }
    const pod = this.s.pods.podForAz(hints[0], router.project_id);
    const bottomRouter = routing.bottomId(router.id, pod.pod_id, 'router');
    const bottomPort = routing.bottomId(port.id, pod.pod_id, 'port');
    if (bottomRouter && bottomPort) {
      try {
        await op.driver(pod.pod_id).removeInterface(bottomRouter, { port_id: bottomPort });
      } catch (e) {
        if (!isNotFound(e)) throw e; // §8.7: a bottom 404 is tolerated
      }
    }
    // Neutron deletes the interface port on removal, whichever way it was added.
    await this.network.deletePortNow(op, port.id);
    this.s.jobs.enqueue('configure_extra_routes', router.id, router.project_id, { router_id: router.id });
    op.touch('routers.changed', router.id);
    return { id: router.id, tenant_id: router.project_id, project_id: router.project_id, port_id: port.id, subnet_id: sub.id, subnet_ids: [sub.id], network_id: net.id };
  }

  async setGateway(op: Operation, input: ParsedInput<'routers.setGateway'>): Promise<Router> {
    const { core, routing } = this.s;
    let router = this.t.router(input.id);
    const net = this.t.network(input.network_id);
    if (net.router_external !== 1) throw new CrosspodError('NOT_EXTERNAL_NETWORK', `${cap(networkLabel(net))} is not an external network`, { network_id: net.id });
    const hints = this.t.hints(net);
    if (hints.length === 0) throw new CrosspodError('EXTERNAL_NET_POD_NOT_SPECIFIED', 'Pod for external network not specified');
    const extPod = this.s.pods.byName(hints[0]);
    if (!extPod) throw new CrosspodError('POD_NOT_FOUND', `Pod ${hints[0]} could not be found.`, { pod_name: hints[0] });
    const subnets = this.t.subnetsOf(net.id);
    if (subnets.length === 0) throw new CrosspodError('BAD_REQUEST', `External ${networkLabel(net)} has no subnet`);

    const wanted = input.external_fixed_ips ?? [];
    // A gateway address is never the external subnet's own gateway (as for ports and floating IPs).
    for (const w of wanted) {
      if (!w.ip_address) continue;
      const sub = subnetFor(subnets, w);
      if (sub?.gateway_ip && canonicalIp(w.ip_address) === sub.gateway_ip) throw gatewayTaken(w.ip_address, sub.id);
    }
    // Unset enable_snat keeps the current setting on the same gateway; a new gateway defaults to on (Neutron).
    const snatIn = input.enable_snat === undefined ? null : input.enable_snat ? 1 : 0;
    if (router.gw_network_id) {
      const cur = this.t.gatewayInfo(router)!;
      const same =
        router.gw_network_id === net.id &&
        (wanted.length === 0 || wanted.every((w) => cur.external_fixed_ips.some((c) => (!w.ip_address || c.ip_address === w.ip_address) && (!w.subnet_id || c.subnet_id === w.subnet_id))));
      if (same) {
        if (snatIn !== null && snatIn !== router.enable_snat) await this.updateSnat(op, router, snatIn, extPod);
        return this.t.toRouter(this.t.router(router.id));
      }
      await this.clearGateway(op, router.id);
      router = this.t.router(router.id);
    }
    this.checkIpv6(router, null, extPod);
    this.refuseOverlap(router, subnets, 'gateway');

    // Top first (§13 row 6): the top allocates the gateway address, the bottom is told it exactly.
    const ips = (wanted.length ? wanted : [{}]).map((w: { subnet_id?: string; ip_address?: string }) => {
      const sub = subnetFor(subnets, w);
      if (!sub) throw new CrosspodError('IP_NOT_IN_SUBNET', `No subnet of ${networkLabel(net)} holds ${w.ip_address ?? w.subnet_id}`);
      return { subnet_id: sub.id, ip_address: w.ip_address };
    });
    const gwPort = this.network.insertPort(op, { network_id: net.id, project_id: router.project_id, name: '', device_owner: OWNER_ROUTER_GATEWAY, device_id: router.id, ips });
    const snat = snatIn ?? 1;
    this.t.setGateway(router.id, { gw_network_id: net.id, gw_port_id: gwPort.id, enable_snat: snat, updated_at: core.nowIso() });
    router = this.t.router(router.id);

    // The bottom router in the external pod takes the real gateway (§8.9).
    const d = op.driver(extPod.pod_id);
    const extRouter = await this.ensureBottomRouter(op, extPod, router);
    // A bottom router that got the N-S bridge as its gateway by the reference's rule gives it up here.
    await this.dropNsGateway(op, extPod, extRouter, router.project_id);
    const bottomExtNet = routing.bottomId(net.id, extPod.pod_id, 'network')!;
    const gwIps = this.t.portIps(gwPort.id).map((ip) => ({ subnet_id: routing.bottomId(ip.subnet_id, extPod.pod_id, 'subnet')!, ip_address: ip.ip_address }));
    await d.addGateway(extRouter, { network_id: bottomExtNet, enable_snat: snat === 1, external_fixed_ips: gwIps });
    op.undo({ label: 'real gateway', pod_id: extPod.pod_id, action: { verb: 'removeGateway', router_id: extRouter } });

    // Every bottom router outside the external pod reaches it over the N-S bridge.
    const others = routing.mappings(router.id, 'router').filter((m) => m.pod_id !== extPod.pod_id);
    if (others.length > 0) await this.ensureNsInExtPod(op, extPod, extRouter, router);
    for (const m of others) await this.ensureNsGateway(op, this.s.pods.row(m.pod_id), m.bottom_id!, router);
    // Routes depend on the gateway when the router has its own routes, or return routes without SNAT.
    if (this.routesDependOnGateway(router)) this.s.jobs.enqueue('configure_extra_routes', router.id, router.project_id, { router_id: router.id });
    op.touch('routers.changed', router.id);
    return this.t.toRouter(this.t.router(router.id));
  }

  /** enable_snat changed on a router whose gateway stays: every bottom gateway follows. */
  private async updateSnat(op: Operation, router: RouterRow, snat: number, extPod: PodRow): Promise<void> {
    const { core, routing } = this.s;
    this.t.setGateway(router.id, { gw_network_id: router.gw_network_id, gw_port_id: router.gw_port_id, enable_snat: snat, updated_at: core.nowIso() });
    for (const m of routing.mappings(router.id, 'router')) {
      const pod = this.s.pods.row(m.pod_id);
      const br = await op.driver(pod.pod_id).get('router', m.bottom_id!);
      if (!br.external_gateway_info) continue;
      // The real gateway in the external pod, and the N-S bridge gateways elsewhere.
      if (pod.pod_id === extPod.pod_id || this.bridges.findPort(nsGatewayPortName(router.project_id, m.bottom_id!))) {
        await this.syncSnat(op, pod, m.bottom_id!, br.external_gateway_info.enable_snat, snat === 1);
      }
    }
    this.s.jobs.enqueue('configure_extra_routes', router.id, router.project_id, { router_id: router.id });
    op.touch('routers.changed', router.id);
  }

  async clearGateway(op: Operation, id: string): Promise<Router> {
    const { core, routing } = this.s;
    const router = this.t.router(id);
    if (!router.gw_network_id) return this.t.toRouter(router);
    const users = this.t.fipsOfRouter(router.id);
    if (users.length > 0) {
      throw new CrosspodError('FLOATING_IP_ASSOCIATED', `Gateway cannot be updated for ${routerLabel(router)}, since a gateway to external ${networkLabel(this.t.network(router.gw_network_id))} is required by floating IPs ${users.map((f) => f.floating_ip_address).join(', ')}.`);
    }
    const extPod = this.gatewayPod(router)!;
    const extRouter = routing.bottomId(router.id, extPod.pod_id, 'router');
    if (extRouter) {
      const d = op.driver(extPod.pod_id);
      const ns = this.bridges.findNs(router.id);
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
      if (m.pod_id !== extPod.pod_id) await this.dropNsGateway(op, this.s.pods.row(m.pod_id), m.bottom_id!, router.project_id);
    }
    const gwPortId = router.gw_port_id;
    this.t.setGateway(router.id, { gw_network_id: null, gw_port_id: null, enable_snat: 1, updated_at: core.nowIso() });
    if (gwPortId) await this.network.deletePortNow(op, gwPortId);
    if (this.routesDependOnGateway(router)) this.s.jobs.enqueue('configure_extra_routes', router.id, router.project_id, { router_id: router.id });
    op.touch('routers.changed', router.id);
    return this.t.toRouter(this.t.router(router.id));
  }

  /**
   * Rebuilds the router's bottom state from the top (routers.resync and the doctor's repairs):
   * bottom routers, E-W ports, N-S gateways, interfaces and the real gateway, each through the
   * same get-or-create steps as addInterface and setGateway, so what exists is kept. Routing rows
   * that point at vanished bottoms must be dropped first (the doctor does it).
   */
  async resync(op: Operation, id: string): Promise<Router> {
    const { routing } = this.s;
    const router = this.t.router(id);
    for (const ifPort of this.t.interfacePorts(router.id)) {
      const hint = this.t.hints(this.t.network(ifPort.network_id))[0];
      if (hint === undefined) continue;
      const pod = this.s.pods.podForAz(hint, router.project_id);
      const d = op.driver(pod.pod_id);
      const bottomRouter = await this.ensureBottomRouter(op, pod, router);
      const ew = await this.bridges.ensure(op, router.project_id, 'ew');
      const ewTop = await this.bridges.port(op, ewPortName(router.project_id, bottomRouter), ew, router.project_id);
      const ewBottom = await this.network.ensureBottomPort(op, pod, ewTop.row);
      if (this.needsNsBridge(router, pod) && !this.gatewayPod(router)) await this.ensureNsGateway(op, pod, bottomRouter, router);
      const ifBottom = await this.network.ensureBottomPort(op, pod, ifPort);
      for (const portId of [ewBottom.id, ifBottom.id]) {
        const bp = await d.get('port', portId);
        if (bp.device_id === bottomRouter) continue;
        await d.addInterface(bottomRouter, { port_id: portId });
        op.undo({ label: `attach port ${portId} in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'removeInterface', router_id: bottomRouter, port_id: portId } });
      }
    }
    if (router.gw_network_id) {
      const net = this.t.network(router.gw_network_id);
      const extPod = this.gatewayPod(router)!;
      const d = op.driver(extPod.pod_id);
      const extRouter = await this.ensureBottomRouter(op, extPod, router);
      const bottomExtNet = await this.network.ensureBottomNetwork(op, extPod, net);
      for (const sub of this.t.subnetsOf(net.id)) await this.network.ensureBottomSubnet(op, extPod, sub);
      const br = await d.get('router', extRouter);
      if (br.external_gateway_info?.network_id === bottomExtNet) {
        await this.syncSnat(op, extPod, extRouter, br.external_gateway_info.enable_snat, router.enable_snat === 1);
      } else {
        await this.dropNsGateway(op, extPod, extRouter, router.project_id);
        const gwIps = router.gw_port_id ? this.t.portIps(router.gw_port_id).map((ip) => ({ subnet_id: routing.bottomId(ip.subnet_id, extPod.pod_id, 'subnet')!, ip_address: ip.ip_address })) : [];
        await d.addGateway(extRouter, { network_id: bottomExtNet, enable_snat: router.enable_snat === 1, external_fixed_ips: gwIps });
        op.undo({ label: 'real gateway', pod_id: extPod.pod_id, action: { verb: 'removeGateway', router_id: extRouter } });
      }
      const others = routing.mappings(router.id, 'router').filter((m) => m.pod_id !== extPod.pod_id);
      if (others.length > 0) await this.ensureNsInExtPod(op, extPod, extRouter, router);
      for (const m of others) await this.ensureNsGateway(op, this.s.pods.row(m.pod_id), m.bottom_id!, router);
    }
    this.s.jobs.enqueue('configure_extra_routes', router.id, router.project_id, { router_id: router.id });
    op.touch('routers.changed', router.id);
    return this.t.toRouter(this.t.router(router.id));
  }

  /** §8.8 with §13 row 4: bottom routers, bridge ports and (with the last router) bridge networks go. */
  async delete(op: Operation, id: string): Promise<void> {
    const { routing } = this.s;
    const router = this.t.router(id);
    const ifaces = this.t.interfacePorts(router.id);
    if (ifaces.length > 0) throw new CrosspodError('ROUTER_IN_USE', `${cap(routerLabel(router))} still has interfaces on ${ifaces.map((p) => this.t.portIps(p.id).map((i) => i.ip_address).join(', ')).join('; ')}`, { ports: ifaces.map((p) => p.id) });
    await this.clearGateway(op, router.id);
    for (const m of routing.mappings(router.id, 'router')) {
      const pod = this.s.pods.row(m.pod_id);
      const d = op.driver(pod.pod_id);
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
        await this.bridges.dropPort(op, ewPortName(router.project_id, br));
      }
      await this.dropNsGateway(op, pod, br, router.project_id);
      for (const p of await d.list('port', { device_id: br })) {
        if (p.device_owner === OWNER_ROUTER_INTERFACE) await d.removeInterface(br, { port_id: p.id }).catch((e) => {
          if (!isNotFound(e)) throw e;
        });
      }
      await deleteIfExists(d, 'router', br);
      routing.remove(router.id, pod.pod_id, 'router');
      op.touch('routings.changed', router.id);
    }
    this.t.deleteRouter(router.id);
    op.touch('routers.changed', router.id);
    // Its N-S bridge goes with it; the project's E-W bridge with the project's last router.
    await this.bridges.dropNs(op, router);
    if (this.t.routerCount(router.project_id) === 0) await this.bridges.dropEw(op, router.project_id);
  }
}
