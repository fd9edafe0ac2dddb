// The doctor: drift between the top and the bottoms, found with one list per (pod, resource type)
// and repaired through the engine's own idempotent steps (get-or-create, resync, associate).
// Findings carry a stable id (a hash of what drifted), so `doctor.repair { ids }` after a
// `doctor.run` names the same drift. Repairs run inside the doctor.repair mutation, each in a
// savepoint of its own: one that fails is undone (bottom steps by their compensations) and
// reported, and the others still apply. Each repair gets its own audit row.
import { createHash } from 'node:crypto';
import type { DoctorFinding, FindingKind, RepairAction, RepairResult } from '../../../shared/contract';
import { CrosspodError, toErrorBody } from '../../../shared/errors';
import type { Route, Routing } from '../../../shared/model';
import { deleteIfExists, isNotFound, runCompensation, type Operation, type PodRow } from '../context';
import type { BottomFloatingIp, BottomNetwork, BottomPort, BottomRouter, BottomSecurityGroup, BottomSecurityGroupRule, BottomSubnet, PodDriver } from '../drivers/driver';
import { bigIntToIp, fromHex } from '../ipam/cidr';
import type { BridgeService } from '../l3/bridge';
import { fipBridgePortName, type FipService } from '../l3/fips';
import { ewPortName, nsGatewayPortName, type RouterService } from '../l3/routers';
import { cap, networkLabel, portLabel, routerLabel, subnetLabel } from '../labels';
import type { NetworkService } from '../network';
import { SECGROUP_TYPE, trustedOwner } from '../secgroups';
import { ruleKey } from '../secgroups/rules';
import type { RuleRow } from '../secgroups/store';
import { OWNER_ROUTER_GATEWAY, OWNER_ROUTER_INTERFACE, type FipRow, type NetworkRow, type PortRow } from '../network/top';
import type { AuditLog } from '../audit';
import type { Services } from '../services';

export type DoctorServices = Services & { network: NetworkService; routers: RouterService; fips: FipService; bridges: BridgeService; audit: AuditLog };

/** The routing types whose bottoms live in a bottom pod. */
const BOTTOM_TYPES = ['network', 'subnet', 'port', 'router'] as const;
type BottomType = (typeof BOTTOM_TYPES)[number];
/** Tricircle's resource types (§11.2) and the bridge pools' `subnetpool`. */
const OWNER_FLOATINGIP = 'network:floatingip';
/** Bottom names Crosspod gives (§7): a top id, `<top id>#<name>`, or the literal ns_bridge_port. */
const CROSSPOD_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(#.*)?$/i;
const isCrosspodName = (name: string) => name === 'ns_bridge_port' || CROSSPOD_NAME.test(name);
const sameRoute = (a: Route, b: Route) => a.destination === b.destination && a.nexthop === b.nexthop;
const showRoutes = (rs: Route[]) => rs.map((r) => `${r.destination} via ${r.nexthop}`).join(', ');
/** A rule as an operator reads it: `ingress IPv4 tcp 22-22 from 0.0.0.0/0`. */
function ruleText(r: BottomSecurityGroupRule | RuleRow, remoteGroup: (id: string) => string = (x) => x): string {
  const ports = r.port_range_min === null ? '' : ` ${r.port_range_min}-${r.port_range_max ?? r.port_range_min}`;
  const from = r.remote_group_id !== null ? ` ${r.direction === 'ingress' ? 'from' : 'to'} group ${remoteGroup(r.remote_group_id)}` : r.remote_ip_prefix ? ` ${r.direction === 'ingress' ? 'from' : 'to'} ${r.remote_ip_prefix}` : '';
  return `${r.direction} ${r.ethertype} ${r.protocol ?? 'any'}${ports}${from}`;
}

interface Snapshot {
  network: BottomNetwork[];
  subnet: BottomSubnet[];
  port: BottomPort[];
  router: BottomRouter[];
  floatingip: BottomFloatingIp[];
  security_group: BottomSecurityGroup[];
}

/** What a lost or recreated bottom takes with it, and what is rebuilt from the top after. */
interface Plan {
  rows: Routing[];
  routers: Set<string>;
  fips: Set<string>;
  /** Top ports whose bottom copy is made again (booted VMs). */
  ports: Set<string>;
  /** External networks mirrored again to their pod. */
  nets: Set<string>;
  /** Named top bridge ports dropped (frees their addresses). */
  bridgePorts: string[];
}

/** Repairs run in this order with `all`: locks and orphans first, rebuilds, then what depends on them. */
const ORDER: FindingKind[] = ['stale_routing', 'orphan_bottom', 'missing_bottom', 'mismatch', 'ipam_leak', 'routes_drift', 'fip_binding_drift', 'pod_unreachable'];
const ORPHAN_ORDER = ['floatingip', 'router', 'port', 'subnet', 'network', 'security_group_rule', 'security_group'];
/** A bottom group Crosspod made: named `<top id>#<name>` (or the bare id) with the §5 key as description. */
const isCrosspodGroup = (g: BottomSecurityGroup) => CROSSPOD_NAME.test(g.name) && g.description.startsWith(`crosspod:${SECGROUP_TYPE}:`);

export class Doctor {
  private readonly q;

  constructor(private readonly s: DoctorServices) {
    const db = s.core.db;
    this.q = {
      topFip: db.prepare('SELECT 1 FROM floating_ips WHERE floating_network_id = ? AND floating_ip_address = ?'),
      bridgeIp: db.prepare("SELECT 1 FROM port_ips i JOIN ports p ON p.id = i.port_id WHERE p.network_id = ? AND i.ip_address = ? AND p.name LIKE 'ns\\_bridge\\_port\\_%\\_None\\_%' ESCAPE '\\'"),
    };
  }

  private get t() {
    return this.s.top;
  }

  // ---- labels ----------------------------------------------------------------------------

  private topLabel(type: string, topId: string): string {
    const t = this.t;
    if (type === 'network') {
      const n = t.findNetwork(topId);
      return n ? networkLabel(n) : `network ${topId}`;
    }
    if (type === 'subnet') {
      const x = t.findSubnet(topId);
      return x ? subnetLabel(x) : `subnet ${topId}`;
    }
    if (type === 'port') {
      const p = t.findPort(topId);
      return p ? portLabel(p, t.portIps(p.id)) : `port ${topId}`;
    }
    if (type === 'router') {
      const r = t.findRouter(topId);
      return r ? routerLabel(r) : `router ${topId}`;
    }
    return `${type} ${topId}`;
  }

  /** The name Crosspod gave a top element's bottom copy (§7, docs/bridging.md). */
  bottomName(type: string, topId: string, podId: string): string {
    if (type === 'network') {
      const n = this.t.findNetwork(topId);
      return n && !n.bridge && n.router_external !== 1 ? `${n.id}#${n.name}` : topId;
    }
    if (type === 'port') {
      const p = this.t.findPort(topId);
      const extPodOfBridge = p?.name.includes('_None_') && p.name.startsWith('ns_bridge_port_');
      if (extPodOfBridge && this.s.routing.get(topId, podId, 'port')) return 'ns_bridge_port';
    }
    return topId;
  }

  private finding(
    kind: FindingKind,
    pod: PodRow | null,
    type: string,
    topId: string | null,
    bottomId: string | null,
    projectId: string | null,
    detail: string,
    repair: { action: RepairAction; text: string; args?: Record<string, unknown> },
    extra = '',
  ): DoctorFinding {
    const id = createHash('sha256')
      .update([kind, pod?.pod_id ?? '', type, topId ?? '', bottomId ?? '', extra].join('\u0000'))
      .digest('hex')
      .slice(0, 16);
    return {
      id,
      kind,
      pod: pod ? { pod_id: pod.pod_id, region_name: pod.region_name } : null,
      resource_type: type,
      top_id: topId,
      bottom_id: bottomId,
      project_id: projectId,
      detail,
      repair: { action: repair.action, text: repair.text, args: repair.args ?? {} },
    };
  }

  // ---- the scan ----------------------------------------------------------------------------

  /** Every drift, read with one list per (pod, resource type). A pod that does not answer is one finding. */
  async scan(): Promise<DoctorFinding[]> {
    const { routing, core, pods } = this.s;
    const out: DoctorFinding[] = [];
    const rows = routing.all();
    const now = core.now().getTime();

    for (const r of rows) {
      if (r.bottom_id) continue;
      const age = (now - Date.parse(r.updated_at || r.created_at)) / 1000;
      if (age <= core.settings.routing_expire_seconds) continue;
      const pod = pods.row(r.pod_id);
      out.push(
        this.finding('stale_routing', pod, r.resource_type, r.top_id, null, r.project_id, `Routing row #${r.id} for ${this.topLabel(r.resource_type, r.top_id)} in ${pod.region_name} was never completed (a creation lock ${Math.round(age)} s old, past the ${core.settings.routing_expire_seconds} s expiry)`, {
          action: 'drop_routing',
          text: `Drop routing row #${r.id}`,
          args: { routing_id: r.id },
        }),
      );
    }

    const snaps = new Map<string, Snapshot>();
    for (const pod of pods.bottoms()) {
      try {
        const d = core.driver(pod.pod_id);
        snaps.set(pod.pod_id, {
          network: await d.list('network'),
          subnet: await d.list('subnet'),
          port: await d.list('port'),
          router: await d.list('router'),
          floatingip: await d.list('floatingip'),
          security_group: await d.list('security_group'),
        });
        pods.observed.ok(pod.pod_id);
      } catch (e) {
        const err = toErrorBody(e);
        pods.observed.failed(pod.pod_id, err);
        out.push(this.finding('pod_unreachable', pod, 'pod', null, null, null, `Pod ${pod.region_name} does not answer (${err.code}: ${err.message}); its resources were not checked`, { action: 'none', text: 'Nothing: bring the pod back, or delete it with force' }));
      }
    }
    const projects = this.knownProjects();
    const covered = new Set<string>();

    for (const pod of pods.bottoms()) {
      const snap = snaps.get(pod.pod_id);
      if (!snap) continue;
      const byId = Object.fromEntries(BOTTOM_TYPES.map((k) => [k, new Map<string, { id: string }>((snap[k] as { id: string }[]).map((x) => [x.id, x]))])) as Record<BottomType, Map<string, unknown>>;
      const podRows = rows.filter((r) => r.pod_id === pod.pod_id && r.bottom_id);
      const known = new Set(podRows.map((r) => r.bottom_id!));

      for (const r of podRows) {
        const type = r.resource_type as BottomType;
        if (!BOTTOM_TYPES.includes(type)) continue;
        const b = byId[type].get(r.bottom_id!);
        if (!b) {
          const plan = this.plan(pod, r);
          plan.fips.forEach((f) => covered.add(f));
          out.push(
            this.finding('missing_bottom', pod, type, r.top_id, r.bottom_id, r.project_id, `${cap(this.topLabel(type, r.top_id))} is mapped in ${pod.region_name} to bottom ${type} ${this.bottomName(type, r.top_id, pod.pod_id)} (${r.bottom_id}), which is gone`, {
              action: 'rebuild',
              text: `Forget the lost ${type}${this.planText(plan)}`,
              args: { routing_id: r.id },
            }),
          );
          continue;
        }
        const m = this.mismatch(pod, r, b);
        if (m) {
          if (m.action === 'recreate') this.plan(pod, r).fips.forEach((f) => covered.add(f));
          out.push(this.finding('mismatch', pod, type, r.top_id, r.bottom_id, r.project_id, m.detail, { action: m.action, text: m.text, args: { routing_id: r.id, ...m.args } }, m.detail));
        }
        if (type === 'router') {
          const f = this.routesDrift(pod, r, b as BottomRouter);
          if (f) out.push(f);
        }
      }

      for (const type of BOTTOM_TYPES) {
        for (const b of snap[type] as { id: string; name: string; project_id: string; device_owner?: string }[]) {
          if (known.has(b.id) || !isCrosspodName(b.name) || !projects.has(b.project_id)) continue;
          out.push(
            this.finding('orphan_bottom', pod, type, null, b.id, b.project_id, `Bottom ${type} ${b.name} (${b.id}${this.bottomAddress(type, b)}) in ${pod.region_name} is named as Crosspod names its ${type}s, but no routing row knows it`, {
              action: 'delete_bottom',
              text: type === 'router' ? `Delete it in ${pod.region_name} (interfaces and gateway detached first)` : `Delete it in ${pod.region_name}`,
              args: { pod_id: pod.pod_id, type, bottom_id: b.id },
            }),
          );
        }
      }
      for (const f of snap.floatingip) {
        if (this.fipOwned(pod, f)) continue;
        out.push(
          this.finding('orphan_bottom', pod, 'floatingip', null, f.id, f.project_id, `Bottom floating IP ${f.floating_ip_address} (${f.id}) in ${pod.region_name}${f.fixed_ip_address ? `, bound to ${f.fixed_ip_address},` : ''} is on a network Crosspod manages, but no top floating IP or bridge port holds it`, {
            action: 'delete_bottom',
            text: `Delete it in ${pod.region_name}`,
            args: { pod_id: pod.pod_id, type: 'floatingip', bottom_id: f.id },
          }),
        );
      }
    }

    for (const pod of pods.bottoms()) {
      const snap = snaps.get(pod.pod_id);
      if (snap) out.push(...this.secgroupDrift(pod, snap, rows, projects));
    }
    out.push(...this.fipDrift(snaps, covered));
    out.push(...this.ipamLeaks());
    return out;
  }

  /**
   * A pod's security-group copies: a routing row whose group is gone (`missing_bottom`, rebuilt
   * and bound again to the pod's ports that use it), a Crosspod-made group no row knows
   * (`orphan_bottom`), and per mapped group the rules the top lacks (`orphan_bottom`, type
   * security_group_rule) or the bottom lacks (`missing_bottom`, repaired by `sync_rules`).
   */
  private secgroupDrift(pod: PodRow, snap: Snapshot, rows: Routing[], projects: Set<string>): DoctorFinding[] {
    const out: DoctorFinding[] = [];
    const { secgroups } = this.s;
    const byId = new Map(snap.security_group.map((g) => [g.id, g]));
    const podRows = rows.filter((r) => r.pod_id === pod.pod_id && r.resource_type === SECGROUP_TYPE && r.bottom_id);
    const topOf = (bottomId: string) => podRows.find((r) => r.bottom_id === bottomId)?.top_id ?? bottomId;
    for (const r of podRows) {
      const top = secgroups.st.group(r.top_id);
      const b = byId.get(r.bottom_id!);
      const name = top ? `security group ${top.name || '(unnamed)'} (${top.id})` : `security group ${r.top_id}`;
      if (!b) {
        const users = top ? this.portsUsingIn(pod, top.id) : [];
        out.push(
          this.finding('missing_bottom', pod, SECGROUP_TYPE, r.top_id, r.bottom_id, r.project_id, `${cap(name)} is mapped in ${pod.region_name} to bottom group ${r.bottom_id}, which is gone`, {
            action: 'rebuild',
            text: `Forget the lost group and make it again in ${pod.region_name} with the top's rules${users.length ? `, bound again to ${users.length} port${users.length > 1 ? 's' : ''} there` : ''}`,
            args: { routing_id: r.id },
          }),
        );
        continue;
      }
      if (!top) continue;
      const want = new Map(secgroups.st.rulesOf(top.id).map((x) => [ruleKey(x), x]));
      const seen = new Set<string>();
      for (const br of b.security_group_rules) {
        const key = ruleKey(br, topOf);
        if (want.has(key) && !seen.has(key)) {
          seen.add(key);
          continue;
        }
        out.push(
          this.finding('orphan_bottom', pod, 'security_group_rule', r.top_id, br.id, r.project_id, `Bottom rule ${ruleText(br, topOf)} (${br.id}) of ${name} in ${pod.region_name} is not one of the top group's rules`, {
            action: 'delete_bottom',
            text: `Delete the rule in ${pod.region_name}`,
            args: { pod_id: pod.pod_id, type: 'security_group_rule', bottom_id: br.id },
          }),
        );
      }
      const lacking = [...want].filter(([k]) => !seen.has(k)).map(([, x]) => x);
      if (lacking.length) {
        const text = lacking.map((x) => ruleText(x)).join('; ');
        out.push(
          this.finding('missing_bottom', pod, 'security_group_rule', r.top_id, r.bottom_id, r.project_id, `The copy of ${name} in ${pod.region_name} (bottom ${r.bottom_id}) lacks ${lacking.length > 1 ? `${lacking.length} of its rules` : 'a rule'}: ${text}`, {
            action: 'sync_rules',
            text: `Make the bottom group's rules the top's again`,
            args: { routing_id: r.id },
          }, text),
        );
      }
    }
    const known = new Set(podRows.map((r) => r.bottom_id!));
    for (const g of snap.security_group) {
      if (known.has(g.id) || !isCrosspodGroup(g) || !projects.has(g.project_id)) continue;
      const users = snap.port.filter((p) => p.security_groups.includes(g.id)).length;
      out.push(
        this.finding('orphan_bottom', pod, SECGROUP_TYPE, null, g.id, g.project_id, `Bottom security group ${g.name} (${g.id}) in ${pod.region_name} is named as Crosspod names its groups, but no routing row knows it`, {
          action: 'delete_bottom',
          text: `Delete it in ${pod.region_name}${users ? ` (taken off its ${users} port${users > 1 ? 's' : ''} first)` : ''}`,
          args: { pod_id: pod.pod_id, type: SECGROUP_TYPE, bottom_id: g.id },
        }),
      );
    }
    return out;
  }

  /** Top ports realised in `pod` (not network:* ones) that use a group. */
  private portsUsingIn(pod: PodRow, groupId: string): PortRow[] {
    return (
      this.s.core.db
        .prepare(
          `SELECT p.* FROM ports p JOIN port_security_groups g ON g.port_id = p.id JOIN resource_routings r ON r.top_id = p.id AND r.resource_type = 'port'
            WHERE g.security_group_id = ? AND r.pod_id = ? AND r.bottom_id IS NOT NULL ORDER BY p.rowid`,
        )
        .all(groupId, pod.pod_id) as PortRow[]
    ).filter((p) => !trustedOwner(p.device_owner));
  }

  /** Projects the top knows: orphans are looked for only among theirs, never another tenant's. */
  private knownProjects(): Set<string> {
    const rows = this.s.core.db
      .prepare('SELECT project_id FROM networks UNION SELECT project_id FROM routers UNION SELECT project_id FROM ports UNION SELECT project_id FROM floating_ips UNION SELECT project_id FROM security_groups UNION SELECT project_id FROM resource_routings WHERE project_id IS NOT NULL')
      .pluck()
      .all() as string[];
    return new Set(rows);
  }

  private bottomAddress(type: string, b: unknown): string {
    if (type === 'port') return `, ${(b as BottomPort).fixed_ips.map((i) => i.ip_address).join(', ')}`;
    if (type === 'subnet') return `, ${(b as BottomSubnet).cidr}`;
    return '';
  }

  private planText(p: Plan): string {
    const parts: string[] = [];
    if (p.rows.length > 1) parts.push(`drop ${p.rows.length} routing rows`);
    else parts.push('drop its routing row');
    if (p.bridgePorts.length) parts.push(`release ${p.bridgePorts.length} bridge address${p.bridgePorts.length > 1 ? 'es' : ''}`);
    const rebuilt: string[] = [];
    for (const n of p.nets) rebuilt.push(this.topLabel('network', n));
    for (const id of p.ports) rebuilt.push(this.topLabel('port', id));
    for (const id of p.routers) rebuilt.push(this.topLabel('router', id));
    for (const id of p.fips) rebuilt.push(`floating IP ${this.t.findFip(id)?.floating_ip_address ?? id}`);
    return `: ${parts.join(', ')}${rebuilt.length ? `, then rebuild from the top ${rebuilt.join(', ')}` : ''}`;
  }

  private mismatch(pod: PodRow, r: Routing, b: unknown): { detail: string; action: RepairAction; text: string; args?: Record<string, unknown> } | null {
    const t = this.t;
    const where = `in ${pod.region_name} (bottom ${r.bottom_id})`;
    if (r.resource_type === 'network') {
      const n = t.findNetwork(r.top_id);
      if (!n) return null;
      const bn = b as BottomNetwork;
      const external = this.expectedExternal(pod, n);
      const body: Record<string, boolean> = {};
      const diffs: string[] = [];
      if (bn['router:external'] !== external) {
        body['router:external'] = external;
        diffs.push(`router:external is ${bn['router:external']}, its role there wants ${external}`);
      }
      if (bn.admin_state_up !== (n.admin_state_up === 1)) {
        body.admin_state_up = n.admin_state_up === 1;
        diffs.push(`admin_state_up is ${bn.admin_state_up}, the top says ${n.admin_state_up === 1}`);
      }
      if (!diffs.length) return null;
      return { detail: `${cap(networkLabel(n))} ${where}: ${diffs.join('; ')}`, action: 'update_bottom', text: `Set ${Object.entries(body).map(([k, v]) => `${k}=${v}`).join(', ')} on the bottom network`, args: { body } };
    }
    if (r.resource_type === 'subnet') {
      const x = t.findSubnet(r.top_id);
      if (!x) return null;
      const bs = b as BottomSubnet;
      const diffs: string[] = [];
      if (bs.cidr !== x.cidr) diffs.push(`CIDR ${bs.cidr}, the top says ${x.cidr}`);
      if ((bs.gateway_ip ?? null) !== (x.gateway_ip ?? null)) diffs.push(`gateway ${bs.gateway_ip ?? 'none'}, the top says ${x.gateway_ip ?? 'none'}`);
      if (!diffs.length) return null;
      return { detail: `${cap(subnetLabel(x))} ${where} has ${diffs.join('; ')}`, action: 'recreate', text: `Recreate the bottom subnet from the top${this.planText(this.plan(pod, r))}` };
    }
    if (r.resource_type === 'port') {
      const p = t.findPort(r.top_id);
      if (!p) return null;
      const want = t.portIps(p.id).map((i) => i.ip_address).sort();
      const have = (b as BottomPort).fixed_ips.map((i) => i.ip_address).sort();
      if (want.join(',') === have.join(',')) return null;
      return { detail: `${cap(portLabel(p, t.portIps(p.id)))} ${where} has ${have.join(', ') || 'no address'}, the top says ${want.join(', ')}`, action: 'recreate', text: `Recreate the bottom port from the top${this.planText(this.plan(pod, r))}` };
    }
    return null;
  }

  /** An N-S bridge is external in a VM pod and internal in its router's gateway pod; external networks are external. */
  private expectedExternal(pod: PodRow, n: NetworkRow): boolean {
    if (n.router_external === 1) return true;
    if (n.bridge !== 'ns') return false;
    const router = n.bridge_router_id ? this.t.findRouter(n.bridge_router_id) : undefined;
    const gw = router?.gw_network_id ? this.t.hints(this.t.network(router.gw_network_id))[0] : undefined;
    return gw !== pod.region_name;
  }

  private managed(podId: string, bottomRouter: string): Route[] {
    return this.s.managedRoutes.of(podId, bottomRouter);
  }

  private routesDrift(pod: PodRow, r: Routing, b: BottomRouter): DoctorFinding | null {
    const lacking = this.managed(pod.pod_id, b.id).filter((m) => !b.routes.some((x) => sameRoute(x, m)));
    if (!lacking.length) return null;
    return this.finding('routes_drift', pod, 'router', r.top_id, b.id, r.project_id, `The bottom router of ${this.topLabel('router', r.top_id)} in ${pod.region_name} lacks routes Crosspod manages: ${showRoutes(lacking)}`, {
      action: 'configure_routes',
      text: 'Run configure_extra_routes for the router (routes set by others are kept)',
      args: { router_id: r.top_id },
    }, showRoutes(lacking));
  }

  /** A bottom floating IP on an external or N-S bridge network Crosspod mapped: does the top hold its address? */
  private fipOwned(pod: PodRow, f: BottomFloatingIp): boolean {
    const r = this.s.routing.byBottom(f.floating_network_id, pod.pod_id);
    if (!r || r.resource_type !== 'network') return true;
    const net = this.t.findNetwork(r.top_id);
    if (!net) return true;
    if (net.router_external === 1) {
      return this.q.topFip.get(net.id, f.floating_ip_address) !== undefined;
    }
    if (net.bridge === 'ns') {
      return this.q.bridgeIp.get(net.id, f.floating_ip_address) !== undefined;
    }
    return true;
  }

  private fipDrift(snaps: Map<string, Snapshot>, covered: Set<string>): DoctorFinding[] {
    const { routing, pods, bridges } = this.s;
    const out: DoctorFinding[] = [];
    // Floating IPs of each pod by (network, address): one pass, not one scan per top floating IP.
    const index = new Map<string, Map<string, BottomFloatingIp[]>>();
    for (const [podId, snap] of snaps) {
      const m = new Map<string, BottomFloatingIp[]>();
      for (const f of snap.floatingip) {
        const k = `${f.floating_network_id}|${f.floating_ip_address}`;
        const l = m.get(k);
        if (l) l.push(f);
        else m.set(k, [f]);
      }
      index.set(podId, m);
    }
    const fipsAt = (podId: string, net: string | null | undefined, address: string) => index.get(podId)?.get(`${net}|${address}`) ?? [];
    for (const fip of this.s.core.db.prepare('SELECT * FROM floating_ips ORDER BY rowid').all() as FipRow[]) {
      if (covered.has(fip.id)) continue;
      const net = this.t.network(fip.floating_network_id);
      const extPod = pods.byName(this.t.hints(net)[0]);
      const extSnap = extPod && snaps.get(extPod.pod_id);
      const bottomExtNet = extPod && routing.bottomId(net.id, extPod.pod_id, 'network');
      if (!extPod || !extSnap || !bottomExtNet) continue;
      const extFips = fipsAt(extPod.pod_id, bottomExtNet, fip.floating_ip_address);
      const name = `floating IP ${fip.floating_ip_address}`;
      if (!fip.port_id) {
        const bound = extFips.filter((f) => f.port_id);
        if (bound.length) {
          out.push(
            this.finding('fip_binding_drift', extPod, 'floatingip', fip.id, bound[0].id, fip.project_id, `${cap(name)} is unbound at the top, but ${extPod.region_name} binds it to ${bound.map((f) => f.fixed_ip_address).join(', ')}`, {
              action: 'unbind_fip',
              text: `Unbind it in ${extPod.region_name}`,
              args: { fip_id: fip.id },
            }),
          );
        }
        continue;
      }
      const problems: string[] = [];
      const m = routing.mappings(fip.port_id, 'port')[0];
      const fixed = fip.fixed_ip_address;
      if (!m) problems.push(`port ${fixed} has no bottom copy`);
      else if (!snaps.has(m.pod_id)) continue;
      else if (m.pod_id === extPod.pod_id) {
        if (!extFips.some((f) => f.port_id === m.bottom_id)) problems.push(this.boundText(extPod, fip.floating_ip_address, extFips, `port ${fixed}`));
      } else {
        const router = fip.router_id ? this.t.findRouter(fip.router_id) : undefined;
        const project = router?.project_id ?? fip.project_id;
        const bridge = bridges.findPort(fipBridgePortName(project, m.bottom_id!));
        const vmPod = pods.row(m.pod_id);
        if (!bridge) problems.push('its bridge port is missing at the top');
        else {
          const bottomBridge = routing.bottomId(bridge.row.id, extPod.pod_id, 'port');
          if (!bottomBridge || !extFips.some((f) => f.port_id === bottomBridge)) problems.push(this.boundText(extPod, fip.floating_ip_address, extFips, `bridge port ${bridge.ip}`));
          const ns = fip.router_id ? bridges.findNs(fip.router_id) : null;
          const vmNsNet = ns && routing.bottomId(ns.net.id, vmPod.pod_id, 'network');
          const inner = fipsAt(vmPod.pod_id, vmNsNet, bridge.ip);
          if (!inner.some((f) => f.port_id === m.bottom_id)) problems.push(this.boundText(vmPod, bridge.ip, inner, `port ${fixed}`));
        }
      }
      if (problems.length) {
        out.push(
          this.finding('fip_binding_drift', extPod, 'floatingip', fip.id, extFips[0]?.id ?? null, fip.project_id, `${cap(name)} is bound to ${fixed} at the top, but ${problems.join('; ')}`, {
            action: 'realise_fip',
            text: `Re-realise it from the top (disassociate, then associate with ${fixed} again)`,
            args: { fip_id: fip.id },
          }, problems.join(';')),
        );
      }
    }
    return out;
  }

  private boundText(pod: PodRow, address: string, fips: BottomFloatingIp[], want: string): string {
    if (!fips.length) return `${pod.region_name} has no floating IP ${address} (it should be bound to ${want})`;
    const bound = fips.find((f) => f.port_id);
    return bound ? `${pod.region_name} binds ${address} to ${bound.fixed_ip_address}, not to ${want}` : `${pod.region_name} holds ${address} unbound (it should be bound to ${want})`;
  }

  private ipamLeaks(): DoctorFinding[] {
    const db = this.s.core.db;
    const allocs = db.prepare('SELECT a.subnet_id, a.address, s.ip_version, s.cidr, s.name, s.project_id FROM ipam_allocations a JOIN subnets s ON s.id = a.subnet_id ORDER BY a.subnet_id, a.address').all() as {
      subnet_id: string;
      address: string;
      ip_version: 4 | 6;
      cidr: string;
      name: string;
      project_id: string;
    }[];
    if (!allocs.length) return [];
    const owned = new Set<string>();
    for (const r of db.prepare('SELECT subnet_id, ip_address FROM port_ips').all() as { subnet_id: string; ip_address: string }[]) owned.add(`${r.subnet_id}|${r.ip_address}`);
    for (const r of db.prepare('SELECT floating_subnet_id, floating_ip_address FROM floating_ips').all() as { floating_subnet_id: string; floating_ip_address: string }[]) owned.add(`${r.floating_subnet_id}|${r.floating_ip_address}`);
    for (const r of db.prepare('SELECT id, gateway_ip FROM subnets WHERE gateway_ip IS NOT NULL').all() as { id: string; gateway_ip: string }[]) owned.add(`${r.id}|${r.gateway_ip}`);
    // A DHCP-enabled subnet's reservation (the bottom DHCP ports' address) is owned too.
    for (const r of db.prepare('SELECT subnet_id, ip_address FROM dhcp_reservations').all() as { subnet_id: string; ip_address: string }[]) owned.add(`${r.subnet_id}|${r.ip_address}`);
    const out: DoctorFinding[] = [];
    for (const a of allocs) {
      const ip = bigIntToIp(fromHex(a.address), a.ip_version);
      if (owned.has(`${a.subnet_id}|${ip}`)) continue;
      out.push(
        this.finding('ipam_leak', null, 'ip_address', a.subnet_id, null, a.project_id, `${ip} is allocated in subnet ${a.name || a.subnet_id} (${a.cidr}), but no port, floating IP or gateway holds it`, {
          action: 'release_address',
          text: `Release ${ip}`,
          args: { subnet_id: a.subnet_id, ip_address: ip },
        }, ip),
      );
    }
    return out;
  }

  // ---- what a lost bottom takes with it ---------------------------------------------------

  private plan(pod: PodRow, row: Routing): Plan {
    const p: Plan = { rows: [row], routers: new Set(), fips: new Set(), ports: new Set(), nets: new Set(), bridgePorts: [] };
    const t = this.t;
    const { routing } = this.s;
    if (row.resource_type === 'router') {
      const router = t.findRouter(row.top_id);
      if (!router) return p;
      p.routers.add(router.id);
      t.fipsOfRouter(router.id).forEach((f) => f.port_id && p.fips.add(f.id));
      for (const name of [ewPortName(router.project_id, row.bottom_id!), nsGatewayPortName(router.project_id, row.bottom_id!)]) if (this.s.bridges.findPort(name)) p.bridgePorts.push(name);
      return p;
    }
    if (row.resource_type === 'port') {
      const port = t.findPort(row.top_id);
      if (port) this.portDependents(pod, port, p);
      return p;
    }
    const net = row.resource_type === 'network' ? t.findNetwork(row.top_id) : (() => {
      const sub = t.findSubnet(row.top_id);
      return sub ? t.findNetwork(sub.network_id) : undefined;
    })();
    if (!net) return p;
    const db = this.s.core.db;
    if (row.resource_type === 'network') {
      for (const sub of t.subnetsOf(net.id)) {
        const r = routing.get(sub.id, pod.pod_id, 'subnet');
        if (r) p.rows.push(r);
      }
    }
    const ports = (row.resource_type === 'network' ? db.prepare('SELECT * FROM ports WHERE network_id = ? ORDER BY rowid').all(net.id) : db.prepare('SELECT p.* FROM ports p WHERE p.id IN (SELECT port_id FROM port_ips WHERE subnet_id = ?) ORDER BY p.rowid').all(row.top_id)) as PortRow[];
    for (const port of ports) {
      const r = routing.get(port.id, pod.pod_id, 'port');
      if (!r) continue;
      p.rows.push(r);
      this.portDependents(pod, port, p);
    }
    if (net.router_external === 1) {
      p.nets.add(net.id);
      for (const r of db.prepare('SELECT id FROM routers WHERE gw_network_id = ?').pluck().all(net.id) as string[]) p.routers.add(r);
      for (const f of db.prepare('SELECT id FROM floating_ips WHERE floating_network_id = ? AND port_id IS NOT NULL').pluck().all(net.id) as string[]) p.fips.add(f);
    } else if (net.bridge === 'ew') {
      for (const r of routing.ofPod(pod.pod_id)) if (r.resource_type === 'router' && r.project_id === net.project_id) p.routers.add(r.top_id);
    } else if (net.bridge === 'ns' && net.bridge_router_id) {
      p.routers.add(net.bridge_router_id);
      t.fipsOfRouter(net.bridge_router_id).forEach((f) => f.port_id && p.fips.add(f.id));
    }
    return p;
  }

  private portDependents(pod: PodRow, port: PortRow, p: Plan): void {
    const t = this.t;
    if (port.device_owner === OWNER_ROUTER_INTERFACE) {
      p.routers.add(port.device_id);
      return;
    }
    if (port.name.startsWith('ew_bridge_port_')) {
      for (const r of this.s.routing.ofPod(pod.pod_id)) if (r.resource_type === 'router' && r.bottom_id && ewPortName(port.project_id, r.bottom_id) === port.name) p.routers.add(r.top_id);
      return;
    }
    const fipPrefix = `ns_bridge_port_${port.project_id}_None_`;
    if (port.name.startsWith(fipPrefix)) {
      const vmBottom = port.name.slice(fipPrefix.length);
      const vm = this.s.core.db.prepare("SELECT top_id FROM resource_routings WHERE bottom_id = ? AND resource_type = 'port'").pluck().get(vmBottom) as string | undefined;
      const fips = vm ? t.fipsOfPort(vm) : [];
      if (fips.length) fips.forEach((f) => p.fips.add(f.id));
      else p.bridgePorts.push(port.name);
      return;
    }
    for (const f of t.fipsOfPort(port.id)) p.fips.add(f.id);
    if (port.device_owner.startsWith('compute:')) p.ports.add(port.id);
  }

  // ---- repairs -----------------------------------------------------------------------------

  /** Applies the repairs of the findings named (or all), each in a savepoint of its own, each audited. */
  async repair(op: Operation, sel: { ids?: string[]; all?: true }): Promise<RepairResult[]> {
    const findings = await this.scan();
    let chosen: DoctorFinding[];
    if (sel.ids) {
      const byId = new Map(findings.map((f) => [f.id, f]));
      const unknown = sel.ids.filter((id) => !byId.has(id));
      if (unknown.length) {
        throw new CrosspodError('FINDING_NOT_FOUND', `No current finding has the id${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: run the doctor again (the drift may be gone already)`, { ids: unknown });
      }
      chosen = [...new Set(sel.ids)].map((id) => byId.get(id)!);
    } else chosen = findings;
    const rank = (f: DoctorFinding) => ORDER.indexOf(f.kind) * 10 + (f.kind === 'orphan_bottom' ? ORPHAN_ORDER.indexOf(f.resource_type) : 0);
    chosen = [...chosen].sort((a, b) => rank(a) - rank(b));
    const results: RepairResult[] = [];
    const db = this.s.core.db;
    for (const f of chosen) {
      const mark = op.compensations.length;
      db.exec('SAVEPOINT doctor_repair');
      let result: RepairResult;
      try {
        const message = await this.apply(op, f);
        db.exec('RELEASE doctor_repair');
        result = { id: f.id, kind: f.kind, status: message === null ? 'skipped' : 'repaired', message: message ?? 'Already gone: nothing to do' };
      } catch (e) {
        for (const c of op.compensations.splice(mark).reverse()) await runCompensation(op.driver(c.pod_id), c.action).catch(() => undefined);
        db.exec('ROLLBACK TO doctor_repair');
        db.exec('RELEASE doctor_repair');
        const err = toErrorBody(e);
        result = { id: f.id, kind: f.kind, status: 'failed', message: `${f.repair.text} failed: ${err.message}`, error: { code: err.code, message: err.message } };
      }
      results.push(result);
      const summary = JSON.stringify({ finding: f.id, kind: f.kind, detail: f.detail, repair: f.repair.text, status: result.status }).slice(0, 500);
      this.s.audit.run(this.s.core.nowIso(), 'doctor', `doctor.repair.${f.kind}`, summary, result.error?.code ?? 'OK', JSON.stringify([f.top_id, f.bottom_id].filter(Boolean)));
    }
    op.touch('audit.changed');
    op.touch('routings.changed');
    return results;
  }

  /** One repair; null when the drift is gone already. */
  private async apply(op: Operation, f: DoctorFinding): Promise<string | null> {
    const { routing, core, pods } = this.s;
    const a = f.repair.args;
    switch (f.repair.action) {
      case 'none':
        return null;
      case 'drop_routing': {
        const r = routing.byId(Number(a.routing_id));
        if (!r || r.bottom_id) return null;
        routing.deleteById(r.id);
        op.touch('routings.changed', r.top_id);
        return `Dropped routing row #${r.id}`;
      }
      case 'sync_rules': {
        const r = routing.byId(Number(a.routing_id));
        const g = r && this.s.secgroups.st.group(r.top_id);
        if (!r?.bottom_id || !g) return null;
        const pod = pods.row(r.pod_id);
        await this.s.secgroups.syncRules(op, pod, g, r.bottom_id, new Set([g.id]));
        return `Rules of security group ${g.name || g.id} made equal to the top's in ${pod.region_name}`;
      }
      case 'rebuild':
      case 'recreate': {
        const r = routing.byId(Number(a.routing_id));
        if (!r || r.bottom_id !== f.bottom_id) return null;
        const pod = pods.row(r.pod_id);
        if (r.resource_type === SECGROUP_TYPE) return this.rebuildGroup(op, pod, r);
        const exists = await this.exists(op, pod, r.resource_type, r.bottom_id!);
        if (f.repair.action === 'rebuild' && exists) return null;
        await this.rebuild(op, pod, r, f.repair.action === 'recreate');
        return `Rebuilt ${this.topLabel(r.resource_type, r.top_id)} in ${pod.region_name}`;
      }
      case 'update_bottom': {
        const r = routing.byId(Number(a.routing_id));
        if (!r) return null;
        const pod = pods.row(r.pod_id);
        await op.driver(pod.pod_id).update('network', r.bottom_id!, a.body as { admin_state_up?: boolean; 'router:external'?: boolean });
        return `Updated the bottom network in ${pod.region_name}`;
      }
      case 'delete_bottom': {
        const pod = pods.row(String(a.pod_id));
        const id = String(a.bottom_id);
        if (routing.byBottom(id, pod.pod_id)) return null;
        await this.destroy(op, pod, String(a.type), id);
        return `Deleted bottom ${String(a.type)} ${id} in ${pod.region_name}`;
      }
      case 'release_address': {
        const sub = String(a.subnet_id);
        const ip = String(a.ip_address);
        const held = core.db.prepare('SELECT 1 FROM port_ips WHERE subnet_id = ? AND ip_address = ? UNION SELECT 1 FROM floating_ips WHERE floating_subnet_id = ? AND floating_ip_address = ? UNION SELECT 1 FROM dhcp_reservations WHERE subnet_id = ? AND ip_address = ?').get(sub, ip, sub, ip, sub, ip);
        if (held) return null;
        return core.ipam.release(sub, ip) ? `Released ${ip}` : null;
      }
      case 'configure_routes': {
        const handler = this.s.jobs.handlers.get('configure_extra_routes')!;
        await handler(op, { router_id: String(a.router_id) }, undefined as never);
        return `Routes of ${this.topLabel('router', String(a.router_id))} configured again`;
      }
      case 'realise_fip': {
        const fip = this.t.findFip(String(a.fip_id));
        if (!fip?.port_id) return null;
        await this.s.fips.disassociate(op, fip.id);
        await this.s.fips.associate(op, { id: fip.id, port_id: fip.port_id, fixed_ip_address: fip.fixed_ip_address ?? undefined });
        return `Floating IP ${fip.floating_ip_address} realised again`;
      }
      case 'unbind_fip': {
        const fip = this.t.findFip(String(a.fip_id));
        if (!fip || fip.port_id) return null;
        const extPod = pods.byName(this.t.hints(this.t.network(fip.floating_network_id))[0])!;
        const bottomNet = routing.bottomId(fip.floating_network_id, extPod.pod_id, 'network');
        const d = op.driver(extPod.pod_id);
        let n = 0;
        for (const b of bottomNet ? await d.list('floatingip', { floating_ip_address: fip.floating_ip_address, floating_network_id: bottomNet }) : []) {
          if (!b.port_id) continue;
          await d.update('floatingip', b.id, { port_id: null });
          op.undo({ label: `unbind floating IP ${fip.floating_ip_address} in ${extPod.region_name}`, pod_id: extPod.pod_id, action: { verb: 'bindFip', id: b.id, port_id: b.port_id } });
          n++;
        }
        return n ? `Unbound ${fip.floating_ip_address} in ${extPod.region_name}` : null;
      }
    }
  }

  /** A lost group copy: its row goes, the copy is made again (rules too), and the pod's ports that use it get it back. */
  private async rebuildGroup(op: Operation, pod: PodRow, r: Routing): Promise<string | null> {
    const { routing, secgroups } = this.s;
    if (await this.exists(op, pod, SECGROUP_TYPE, r.bottom_id!)) return null;
    routing.deleteById(r.id);
    op.touch('routings.changed', r.top_id);
    const g = secgroups.st.group(r.top_id);
    if (!g) return `Forgot the lost copy of security group ${r.top_id} in ${pod.region_name}`;
    await secgroups.ensureInPod(op, pod, g, new Set());
    const d = op.driver(pod.pod_id);
    const users = this.portsUsingIn(pod, g.id);
    for (const port of users) {
      const bottom = routing.bottomId(port.id, pod.pod_id, 'port');
      if (!bottom) continue;
      const before = (await d.get('port', bottom)).security_groups;
      await d.update('port', bottom, { security_groups: await secgroups.bottomGroupsOfPort(op, pod, port.id) });
      op.undo({ label: `set the groups of port ${bottom} in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'update', kind: 'port', id: bottom, body: { security_groups: before } } });
    }
    return `Security group ${g.name || g.id} made again in ${pod.region_name}${users.length ? ` and bound to ${users.length} port${users.length > 1 ? 's' : ''}` : ''}`;
  }

  private async exists(op: Operation, pod: PodRow, type: string, id: string): Promise<boolean> {
    try {
      await op.driver(pod.pod_id).get(type as BottomType, id);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /**
   * Forgets a lost (or, with `destroy`, a drifted) bottom and rebuilds what used it from the
   * top. Floating IPs through it are disassociated first, while their rows still describe the
   * old path, so their bridge addresses are freed; then they are associated again.
   */
  private async rebuild(op: Operation, pod: PodRow, row: Routing, destroy: boolean): Promise<void> {
    const { routing, fips, network, bridges } = this.s;
    const plan = this.plan(pod, row);
    const rebind: { id: string; port_id: string; fixed_ip_address?: string }[] = [];
    for (const id of plan.fips) {
      const f = this.t.fip(id);
      if (!f.port_id) continue;
      rebind.push({ id, port_id: f.port_id, fixed_ip_address: f.fixed_ip_address ?? undefined });
      await fips.disassociate(op, id);
    }
    if (destroy) await this.destroy(op, pod, row.resource_type, row.bottom_id!);
    if (row.resource_type === 'router') await this.forgetRouterPorts(op, pod, row);
    for (const r of plan.rows) {
      const cur = routing.byId(r.id);
      if (cur) routing.deleteById(cur.id);
      op.touch('routings.changed', r.top_id);
    }
    for (const name of plan.bridgePorts) await bridges.dropPort(op, name);
    for (const netId of plan.nets) {
      const net = this.t.network(netId);
      const extPod = this.s.pods.byName(this.t.hints(net)[0])!;
      await network.ensureBottomNetwork(op, extPod, net);
      for (const sub of this.t.subnetsOf(net.id)) await network.ensureBottomSubnet(op, extPod, sub);
    }
    for (const id of plan.ports) {
      const port = this.t.findPort(id);
      if (port) await network.ensureBottomPort(op, network.podOfNetwork(this.t.network(port.network_id), port.project_id), port);
    }
    for (const id of plan.routers) if (this.t.findRouter(id)) await this.s.routers.resync(op, id);
    for (const b of rebind) {
      const port = this.t.findPort(b.port_id);
      if (port && this.t.findFip(b.id)) await fips.associate(op, b);
    }
  }

  /** A vanished bottom router: its interface ports there are gone or dangling, and its managed routes are moot. */
  private async forgetRouterPorts(op: Operation, pod: PodRow, row: Routing): Promise<void> {
    const { routing } = this.s;
    const d = op.driver(pod.pod_id);
    for (const port of this.t.interfacePorts(row.top_id)) {
      const r = routing.get(port.id, pod.pod_id, 'port');
      if (!r?.bottom_id) continue;
      let bp: BottomPort | null = null;
      try {
        bp = await d.get('port', r.bottom_id);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      if (bp && bp.device_id && bp.device_id !== row.bottom_id) continue;
      if (bp) await deleteIfExists(d, 'port', bp.id);
      routing.deleteById(r.id);
    }
    if (row.bottom_id) this.s.managedRoutes.forget(pod.pod_id, row.bottom_id);
  }

  /** Deletes a bottom and what holds it there: a router's interfaces and gateway, a subnet's ports. */
  async destroy(op: Operation, pod: PodRow, type: string, id: string): Promise<void> {
    const d = op.driver(pod.pod_id);
    const tolerate = (e: unknown) => {
      if (!isNotFound(e)) throw e;
    };
    switch (type) {
      case 'floatingip':
        return deleteIfExists(d, 'floatingip', id);
      case 'security_group_rule':
        return deleteIfExists(d, 'security_group_rule', id);
      case SECGROUP_TYPE: {
        // Neutron refuses to delete a group a port uses: it is taken off those ports first.
        for (const p of await d.list('port')) {
          if (p.security_groups.includes(id)) await d.update('port', p.id, { security_groups: p.security_groups.filter((x) => x !== id) });
        }
        return deleteIfExists(d, 'security_group', id);
      }
      case 'router': {
        for (const p of await d.list('port', { device_id: id })) if (p.device_owner === OWNER_ROUTER_INTERFACE) await d.removeInterface(id, { port_id: p.id }).catch(tolerate);
        const r = await d.get('router', id).catch((e) => (tolerate(e), null));
        if (r?.external_gateway_info) await d.removeGateway(id).catch(tolerate);
        return deleteIfExists(d, 'router', id);
      }
      case 'port': {
        const p = await d.get('port', id).catch((e) => (tolerate(e), null));
        if (p) await this.destroyPort(d, p);
        return;
      }
      case 'subnet': {
        const sub = await d.get('subnet', id).catch((e) => (tolerate(e), null));
        if (!sub) return;
        for (const p of await d.list('port', { network_id: sub.network_id })) if (p.fixed_ips.some((i) => i.subnet_id === id)) await this.destroyPort(d, p);
        return deleteIfExists(d, 'subnet', id);
      }
      case 'network': {
        for (const p of await d.list('port', { network_id: id })) await this.destroyPort(d, p);
        for (const s of await d.list('subnet', { network_id: id })) await deleteIfExists(d, 'subnet', s.id);
        return deleteIfExists(d, 'network', id);
      }
    }
  }

  private async destroyPort(d: PodDriver, p: BottomPort): Promise<void> {
    const tolerate = (e: unknown) => {
      if (!isNotFound(e)) throw e;
    };
    if (p.device_owner === OWNER_ROUTER_INTERFACE && p.device_id) {
      await d.removeInterface(p.device_id, { port_id: p.id }).catch(tolerate);
      return deleteIfExists(d, 'port', p.id).catch(tolerate);
    }
    if (p.device_owner === OWNER_ROUTER_GATEWAY && p.device_id) {
      await d.removeGateway(p.device_id).catch(tolerate);
      return;
    }
    if (p.device_owner === OWNER_FLOATINGIP) return deleteIfExists(d, 'floatingip', p.device_id);
    if (p.device_owner.startsWith('network:dhcp')) return; // Neutron's own: goes with the subnet
    return deleteIfExists(d, 'port', p.id);
  }

  // ---- admin operations --------------------------------------------------------------------

  /** pods.delete with force: forgets the pod's routing rows and says what Crosspod had there. */
  forgetPod(op: Operation, podId: string): Record<string, { bottom_id: string; name: string; top_id: string }[]> {
    const pod = this.s.pods.row(podId);
    if (pod.az_name === '') throw new CrosspodError('INVALID_INPUT', `force is for a dead bottom pod; ${pod.region_name} is the top pod`, { pod_id: podId });
    const left: Record<string, { bottom_id: string; name: string; top_id: string }[]> = {};
    for (const r of this.s.routing.ofPod(podId)) {
      if (!r.bottom_id) continue;
      (left[r.resource_type] ??= []).push({ bottom_id: r.bottom_id, name: this.bottomName(r.resource_type, r.top_id, podId), top_id: r.top_id });
    }
    this.s.routing.removePod(podId);
    this.s.managedRoutes.forgetPod(podId);
    op.touch('routings.changed');
    return left;
  }

  /** routers.resync's job: drops rows that point at vanished bottoms of the router, then rebuilds it. */
  async resyncRouter(op: Operation, routerId: string): Promise<void> {
    const { routing, pods } = this.s;
    const router = this.t.findRouter(routerId);
    if (!router) return; // deleted since
    for (const m of routing.mappings(router.id, 'router')) {
      const pod = pods.row(m.pod_id);
      if (await this.exists(op, pod, 'router', m.bottom_id!)) continue;
      await this.rebuild(op, pod, m, false);
    }
    const ports = [...this.t.interfacePorts(router.id)];
    for (const m of routing.mappings(router.id, 'router')) {
      const ew = this.s.bridges.findPort(ewPortName(router.project_id, m.bottom_id!));
      if (ew) ports.push(ew.row);
    }
    for (const port of ports) {
      for (const m of routing.mappings(port.id, 'port')) {
        if (!(await this.exists(op, pods.row(m.pod_id), 'port', m.bottom_id!))) routing.deleteById(m.id);
      }
    }
    await this.s.routers.resync(op, router.id);
  }
}
