// Whether a floating IP's VM port lets traffic from outside in, read from the VM's pod like the
// rest of the path: its bottom port's groups and their rules, one rule list per pod for a page.
// An ingress IPv4 rule with no remote group admits from its remote_ip_prefix (none or 0.0.0.0/0:
// from anywhere); `ingress` says one admits from anywhere. Egress and remote-group rules, which
// never admit an outside source, are left out.
import type { FipAdmits } from '../../../shared/model';
import type { TopoFip } from '../../../shared/topology';
import type { BottomPort, BottomSecurityGroupRule, Filters, ResourceKind, BottomTypes } from '../drivers/driver';
import type { Services } from '../services';
import { isAnywhere } from './rules';
import { SECGROUP_TYPE } from '.';

type HopError = { code: string; message: string };
type ListOnce = <K extends ResourceKind>(s: Services, podId: string, kind: K, filters: Filters, budgetMs: number) => Promise<BottomTypes[K][] | HopError>;

export interface VmPortRead {
  /** Where the answer goes: a floating IP's path (fips.path) or its topology entry. */
  path: { admits?: FipAdmits };
  podId: string;
  port: BottomPort | undefined;
}

export async function addAdmits(s: Services, reads: VmPortRead[], budgetMs: number, listOnce: ListOnce): Promise<void> {
  const byPod = new Map<string, VmPortRead[]>();
  for (const r of reads) byPod.set(r.podId, [...(byPod.get(r.podId) ?? []), r]);
  for (const [podId, group] of byPod) {
    const ids = [...new Set(group.flatMap((r) => r.port?.security_groups ?? []))];
    const rules = ids.length ? await listOnce(s, podId, 'security_group_rule', { security_group_id: ids }, budgetMs) : [];
    for (const r of group) {
      if (!r.port) {
        r.path.admits = { ingress: false, rules: [], error: { code: 'NOT_FOUND', message: 'The VM port was not found in its pod' } };
        continue;
      }
      if (!Array.isArray(rules)) {
        r.path.admits = { ingress: false, rules: [], error: rules };
        continue;
      }
      r.path.admits = admitsOf(s, podId, r.port, rules);
    }
  }
}

function admitsOf(s: Services, podId: string, port: BottomPort, rules: BottomSecurityGroupRule[]): FipAdmits {
  // Port security off: no group filters the port (Neutron installs no rules), so all is admitted.
  if (!port.port_security_enabled) return { ingress: true, rules: [], port_security_enabled: false };
  const names = new Map<string, { id: string; name: string }>();
  const groupOf = (bottomId: string) => {
    let g = names.get(bottomId);
    if (!g) {
      const route = s.routing.byBottom(bottomId, podId);
      const top = route?.resource_type === SECGROUP_TYPE ? s.secgroups.st.group(route.top_id) : undefined;
      g = top ? { id: top.id, name: top.name } : { id: bottomId, name: '' };
      names.set(bottomId, g);
    }
    return g;
  };
  const open = rules
    .filter((r) => port.security_groups.includes(r.security_group_id) && r.direction === 'ingress' && r.ethertype === 'IPv4' && r.remote_group_id === null)
    .map((r) => {
      const g = groupOf(r.security_group_id);
      return {
        id: r.id,
        security_group_id: g.id,
        security_group_name: g.name,
        protocol: r.protocol,
        port_range_min: r.port_range_min,
        port_range_max: r.port_range_max,
        remote_ip_prefix: r.remote_ip_prefix,
        anywhere: isAnywhere(r.remote_ip_prefix),
      };
    });
  return { ingress: open.some((r) => r.anywhere), rules: open };
}

/** The topology's floating IPs: their VM ports read with one port list per VM pod, then addAdmits. */
export async function addTopoAdmits(s: Services, fips: TopoFip[], budgetMs: number, listOnce: ListOnce): Promise<void> {
  const byPod = new Map<string, { f: TopoFip; port: string }[]>();
  for (const f of fips) {
    const fixed = f.hops.find((h) => h.role === 'fixed');
    if (!fixed?.bottom.port_id) continue;
    byPod.set(fixed.pod_id, [...(byPod.get(fixed.pod_id) ?? []), { f, port: fixed.bottom.port_id }]);
  }
  const reads: VmPortRead[] = [];
  for (const [podId, group] of byPod) {
    const ports = await listOnce(s, podId, 'port', { id: group.map((g) => g.port) }, budgetMs);
    for (const g of group) {
      if (!Array.isArray(ports)) g.f.admits = { ingress: false, rules: [], error: ports };
      else reads.push({ path: g.f, podId, port: ports.find((p) => p.id === g.port) });
    }
  }
  await addAdmits(s, reads, budgetMs, listOnce);
}
