// The paths of floating IPs as the bottom pods hold them, read on a budget: for a page of
// floating IPs, one list call per (pod, resource type) involved, never one call per floating IP.
// A pod that does not answer (or not within the read budget) degrades only its own hops: they
// carry the error, and what the top knows fills them in.
import { CrosspodError, toErrorBody } from '../../../shared/errors';
import type { FipHop, FipPath } from '../../../shared/model';
import type { BottomFloatingIp, BottomNetwork, BottomPort, Filters, ResourceKind, BottomTypes } from '../drivers/driver';
import type { FipRow } from '../network/top';
import type { Services } from '../services';
import { BOTTOM_BRIDGE_PORT_NAME, fipBridgePortName } from './fips';
import { addAdmits, type VmPortRead } from '../secgroups/admits';

type HopError = { code: string; message: string };

interface Pending {
  fip: FipRow;
  path: FipPath;
  ext: FipHop;
  extPodId: string;
  bottomExtNet: string | null;
  /** The router the top says connects it (named in the path once the bottoms confirm a binding). */
  router: { id: string; name: string } | null;
  bottom?: BottomFloatingIp;
  extPort?: BottomPort;
}

/** One list call, bounded by the read budget; failures become a hop error instead of an exception. */
export async function listOnce<K extends ResourceKind>(s: Services, podId: string, kind: K, filters: Filters, budgetMs: number): Promise<BottomTypes[K][] | HopError> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const call = s.core.driver(podId).list(kind, filters);
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CrosspodError('POD_TIMEOUT', `${s.pods.row(podId).region_name} did not answer within ${budgetMs} ms`)), budgetMs);
    });
    call.catch(() => undefined); // a late failure after the budget ran out is not unhandled
    const out = await Promise.race([call, late]);
    s.pods.observed.ok(podId);
    return out;
  } catch (e) {
    const b = toErrorBody(e);
    s.pods.observed.failed(podId, b);
    return { code: b.code, message: b.message };
  } finally {
    clearTimeout(timer);
  }
}

const isError = (x: unknown): x is HopError => !Array.isArray(x);

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    let list = m.get(k);
    if (!list) m.set(k, (list = []));
    list.push(it);
  }
  return m;
}

/** Reads the paths of these floating IPs from the bottoms, in their order. */
export async function readPaths(s: Services, fips: FipRow[], budgetMs: number): Promise<FipPath[]> {
  const { top, routing, pods } = s;
  const observedAt = s.core.nowIso();
  const topNet = (podId: string, bottomNet: string) => {
    const r = routing.byBottom(bottomNet, podId);
    const n = r ? top.findNetwork(r.top_id) : undefined;
    return { network_id: n?.id ?? bottomNet, network_name: n?.name ?? '' };
  };
  const pending: Pending[] = fips.map((fip) => {
    const net = top.network(fip.floating_network_id);
    const podName = top.hints(net)[0];
    const extPod = podName ? pods.byName(podName) : undefined;
    if (!extPod) throw new CrosspodError('EXTERNAL_NET_POD_NOT_SPECIFIED', 'Pod for external network not specified');
    const r = fip.router_id ? top.findRouter(fip.router_id) : undefined;
    const ext: FipHop = { role: 'external', address: fip.floating_ip_address, region: extPod.region_name, network_id: net.id, network_name: net.name };
    return {
      fip,
      ext,
      extPodId: extPod.pod_id,
      bottomExtNet: routing.bottomId(net.id, extPod.pod_id, 'network'),
      router: r ? { id: r.id, name: r.name } : null,
      path: { id: fip.id, mode: 'unbound', hops: [ext], router: null, observed_at: observedAt },
    };
  });

  // secgroups hook: the VM ports found, for what their groups admit (read last, one list per pod).
  const vmPorts: VmPortRead[] = [];

  // 1. The external pods: their floating IPs, the ports they are bound to, and bridge networks.
  const byExt = groupBy(
    pending.filter((p) => p.bottomExtNet),
    (p) => p.extPodId,
  );
  const twoStep: (Pending & { bridgeNet: string; bridgeTop: { network_id: string; network_name: string } })[] = [];
  for (const [podId, group] of byExt) {
    const fl = await listOnce(s, podId, 'floatingip', { floating_ip_address: group.map((p) => p.fip.floating_ip_address) }, budgetMs);
    if (isError(fl)) {
      for (const p of group) fromTop(s, p, podId, fl);
      continue;
    }
    for (const p of group) p.bottom = fl.find((f) => f.floating_ip_address === p.fip.floating_ip_address && f.floating_network_id === p.bottomExtNet);
    const bound = group.filter((p) => p.bottom?.port_id && p.bottom.fixed_ip_address);
    if (bound.length === 0) continue;
    const ports = await listOnce(s, podId, 'port', { id: bound.map((p) => p.bottom!.port_id!) }, budgetMs);
    if (isError(ports)) {
      for (const p of bound) fromTop(s, p, podId, ports);
      continue;
    }
    const bridgeIds = new Set<string>();
    for (const p of bound) {
      p.extPort = ports.find((x) => x.id === p.bottom!.port_id);
      if (!p.extPort) continue;
      p.path.router = p.router;
      if (p.extPort.name !== BOTTOM_BRIDGE_PORT_NAME) {
        p.path.mode = 'same-pod';
        p.path.hops = [p.ext, { role: 'fixed', address: p.bottom!.fixed_ip_address!, region: p.ext.region, ...topNet(podId, p.extPort.network_id) }];
        vmPorts.push({ path: p.path, podId, port: p.extPort });
      } else {
        bridgeIds.add(p.extPort.network_id);
        twoStep.push({ ...p, bridgeNet: p.extPort.network_id, bridgeTop: topNet(podId, p.extPort.network_id) });
      }
    }
    if (bridgeIds.size === 0) continue;
    const nets = await listOnce(s, podId, 'network', { id: [...bridgeIds] }, budgetMs);
    for (const p of twoStep.filter((x) => x.extPodId === podId)) {
      const bridge: FipHop = { role: 'bridge', address: p.bottom!.fixed_ip_address!, region: p.ext.region, ...p.bridgeTop };
      const vlan = isError(nets) ? null : (nets.find((n: BottomNetwork) => n.id === p.bridgeNet)?.['provider:segmentation_id'] ?? null);
      if (vlan != null) bridge.vlan = vlan;
      if (isError(nets)) bridge.error = nets;
      p.path.mode = 'two-step';
      p.path.hops = [p.ext, bridge];
    }
  }

  // 2. The VM pods of two-step paths: the bridge floating IPs and the VM ports they reach.
  // Where to look: the pod the top maps the VM port to, when the bridge has a copy there; else
  // every pod the bridge spans (one list per pod, for the whole page).
  const withVmPod = twoStep.flatMap((p) => {
    const copies = routing.mappings(p.bridgeTop.network_id, 'network').filter((x) => x.pod_id !== p.extPodId && x.bottom_id);
    const vmPod = p.fip.port_id ? routing.mappings(p.fip.port_id, 'port')[0]?.pod_id : undefined;
    const likely = copies.filter((x) => x.pod_id === vmPod);
    return (likely.length ? likely : copies).map((m) => ({ p, podId: m.pod_id, bottomNet: m.bottom_id! }));
  });
  for (const [podId, group] of groupBy(withVmPod, (x) => x.podId)) {
    const region = pods.row(podId).region_name;
    const fl = await listOnce(s, podId, 'floatingip', { floating_ip_address: group.map((x) => x.p.bottom!.fixed_ip_address!) }, budgetMs);
    if (isError(fl)) {
      for (const { p } of group) markVm(s, p, region, fl);
      continue;
    }
    const inner = new Map(group.map((x) => [x.p.fip.id, fl.find((f) => f.floating_ip_address === x.p.bottom!.fixed_ip_address && f.floating_network_id === x.bottomNet)]));
    const portIds = [...inner.values()].filter((f): f is BottomFloatingIp => !!f?.port_id).map((f) => f.port_id!);
    const ports = portIds.length ? await listOnce(s, podId, 'port', { id: portIds }, budgetMs) : [];
    for (const { p } of group) {
      const f = inner.get(p.fip.id);
      if (!f?.port_id || !f.fixed_ip_address || p.path.hops.length > 2) continue;
      p.path.hops[1].region = region;
      if (isError(ports)) {
        markVm(s, p, region, ports);
        continue;
      }
      const vmPort = ports.find((x) => x.id === f.port_id);
      vmPorts.push({ path: p.path, podId, port: vmPort });
      p.path.hops.push({ role: 'fixed', address: f.fixed_ip_address, region, ...(vmPort ? topNet(podId, vmPort.network_id) : { network_id: '', network_name: '' }) });
    }
  }
  await addAdmits(s, vmPorts, budgetMs, listOnce);
  return pending.map((p) => p.path);
}

/**
 * The external pod did not answer: the path is what the top says, with the error on each hop
 * that could not be read.
 */
function fromTop(s: Services, p: Pending, podId: string, error: HopError): void {
  p.ext.error = error;
  const { fip } = p;
  if (!fip.port_id || !fip.fixed_ip_address) return;
  const port = s.top.port(fip.port_id);
  const net = s.top.network(port.network_id);
  const vm = s.routing.mappings(port.id, 'port')[0];
  const vmRegion = vm ? s.pods.row(vm.pod_id).region_name : (s.top.hints(net)[0] ?? '');
  p.path.router = p.router;
  const fixed: FipHop = { role: 'fixed', address: fip.fixed_ip_address, region: vmRegion, network_id: net.id, network_name: net.name };
  if (!vm || vm.pod_id === podId) {
    p.path.mode = 'same-pod';
    p.path.hops = [p.ext, { ...fixed, error }];
    return;
  }
  const bridge = s.top.portByName(fipBridgePortName(s.top.router(fip.router_id!).project_id, vm.bottom_id!));
  const bridgeNet = bridge ? s.top.network(bridge.network_id) : null;
  p.path.mode = 'two-step';
  p.path.hops = [
    p.ext,
    {
      role: 'bridge',
      address: bridge ? (s.top.portIps(bridge.id)[0]?.ip_address ?? '') : '',
      region: vmRegion,
      network_id: bridgeNet?.id ?? '',
      network_name: bridgeNet?.name ?? '',
      ...(bridgeNet?.provider_segmentation_id != null ? { vlan: bridgeNet.provider_segmentation_id } : {}),
      error,
    },
    fixed,
  ];
}

/** The VM pod did not answer: the fixed hop comes from the top, with the error. */
function markVm(s: Services, p: Pending, region: string, error: HopError): void {
  const { fip } = p;
  const hops = p.path.hops;
  hops[1].region = region;
  if (!fip.port_id || !fip.fixed_ip_address) {
    hops[1].error = error;
    return;
  }
  const net = s.top.network(s.top.port(fip.port_id).network_id);
  hops.push({ role: 'fixed', address: fip.fixed_ip_address, region, network_id: net.id, network_name: net.name, error });
}
