// Security groups (Neutron's security-group extension) at the top, and their bottom copies: a
// group is made in a pod when a port realised there uses it (or a group there names it as remote
// group), named `<top id>#<name>` with the description `crosspod:security_group:<top id>` (the §5
// lookup key), routed as resource type `security_group`, and its rules kept equal to the top's
// on every change. Bottom copies a pod no longer needs go through `secgroup_prune` jobs, after
// the bottom port deletes that free them.
import type { ParsedInput } from '../../../shared/contract';
import { CrosspodError } from '../../../shared/errors';
import type { SecurityGroup, SecurityGroupRule } from '../../../shared/model';
import { deleteIfExists, notFound, uuid, type Operation, type PodRow } from '../context';
import type { BottomSecurityGroupRule, CreateBodies } from '../drivers/driver';
import { bottomKey, type Services } from '../services';
import { NEW_GROUP_EGRESS, normalizeRule, ruleKey, type RuleFields } from './rules';
import { SecGroupStore, type GroupRow, type RuleRow } from './store';

export const SECGROUP_TYPE = 'security_group';
export const DEFAULT_GROUP = 'default';

/** Neutron leaves ports of network:* owners (router, DHCP, floating IP) without groups. */
export const trustedOwner = (deviceOwner: string): boolean => deviceOwner.startsWith('network:');

/** A group's bottom name: `<top id>#<name>` (§6), so the pod's own `default` never clashes. */
export const bottomGroupName = (g: { id: string; name: string }): string => (g.name === '' ? g.id : `${g.id}#${g.name}`);

const label = (g: GroupRow) => `${g.name || '(unnamed)'} (${g.id})`;

export class SecGroupService {
  readonly st: SecGroupStore;

  constructor(private readonly s: Services) {
    this.st = new SecGroupStore(s.core.db);
  }

  group(id: string): GroupRow {
    const g = this.st.group(id);
    if (!g) throw notFound('security group', id);
    return g;
  }

  get(id: string): SecurityGroup {
    return this.st.toGroup(this.group(id));
  }

  getRule(id: string): SecurityGroupRule {
    const r = this.st.rule(id);
    if (!r) throw notFound('security group rule', id);
    return this.st.toRule(r);
  }

  // ---- top ----

  /** The project's `default` group, made on first need with Neutron's four rules. */
  ensureDefault(op: Operation, projectId: string): GroupRow {
    const have = this.st.defaultOf(projectId);
    if (have) return have;
    const g = this.insertGroup(op, projectId, DEFAULT_GROUP, 'Default security group', true);
    for (const ethertype of ['IPv4', 'IPv6'] as const) {
      this.insertRule(op, g, { direction: 'ingress', ethertype, protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: g.id }, '');
    }
    for (const r of NEW_GROUP_EGRESS) this.insertRule(op, g, r, '');
    return g;
  }

  private insertGroup(op: Operation, projectId: string, name: string, description: string, stateful: boolean): GroupRow {
    const t = this.s.core.nowIso();
    const g: GroupRow = { id: uuid(), project_id: projectId, name, description, stateful: stateful ? 1 : 0, created_at: t, updated_at: t };
    this.st.insertGroup(g);
    op.touch('secgroups.changed', g.id);
    return g;
  }

  private insertRule(op: Operation, g: GroupRow, r: RuleFields, description: string, projectId = g.project_id): RuleRow {
    const t = this.s.core.nowIso();
    const row: RuleRow = { id: uuid(), security_group_id: g.id, project_id: projectId, ...r, description, created_at: t, updated_at: t };
    this.st.insertRule(row);
    op.touch('secgroups.changed', g.id);
    return row;
  }

  create(op: Operation, input: ParsedInput<'secgroups.create'>): SecurityGroup {
    // Neutron makes the project's default group first, so a second `default` is refused.
    const dflt = this.ensureDefault(op, input.project_id);
    if (input.name === DEFAULT_GROUP) {
      throw new CrosspodError('SECURITY_GROUP_DEFAULT_EXISTS', `Default security group already exists: ${label(dflt)} of project ${input.project_id}`, { security_group_id: dflt.id });
    }
    const g = this.insertGroup(op, input.project_id, input.name, input.description ?? '', input.stateful !== false);
    for (const r of NEW_GROUP_EGRESS) this.insertRule(op, g, r, '');
    return this.get(g.id);
  }

  async update(op: Operation, input: ParsedInput<'secgroups.update'>): Promise<SecurityGroup> {
    const cur = this.group(input.id);
    const name = input.name ?? cur.name;
    if (cur.name === DEFAULT_GROUP && name !== DEFAULT_GROUP) {
      throw new CrosspodError('SECURITY_GROUP_DEFAULT_CANNOT_UPDATE', `Updating default security group not allowed: ${label(cur)} keeps its name`, { security_group_id: cur.id });
    }
    if (name === DEFAULT_GROUP && cur.name !== DEFAULT_GROUP) {
      throw new CrosspodError('SECURITY_GROUP_DEFAULT_EXISTS', `Default security group already exists in project ${cur.project_id}: ${label(cur)} cannot be renamed to default`, { security_group_id: cur.id });
    }
    const stateful = input.stateful === undefined ? cur.stateful : input.stateful ? 1 : 0;
    if (stateful !== cur.stateful) this.refuseInUse(cur, 'its stateful flag cannot change');
    const next: GroupRow = { ...cur, name, description: input.description ?? cur.description, stateful, updated_at: this.s.core.nowIso() };
    this.st.updateGroup(next);
    op.touch('secgroups.changed', cur.id);
    if (next.name !== cur.name) {
      // The bottom name carries the top name; lookups go by description, which never changes.
      for (const m of this.s.routing.mappings(cur.id, SECGROUP_TYPE)) {
        const pod = this.s.pods.row(m.pod_id);
        await op.driver(pod.pod_id).update('security_group', m.bottom_id!, { name: bottomGroupName(next) });
        op.undo({ label: `rename security group ${m.bottom_id} in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'update', kind: 'security_group', id: m.bottom_id!, body: { name: bottomGroupName(cur) } } });
        op.touch('routings.changed', cur.id);
      }
    }
    return this.get(cur.id);
  }

  private refuseInUse(g: GroupRow, why: string): void {
    const user = this.st.firstUser(g.id);
    if (!user) return;
    const n = this.st.userCount(g.id);
    const ips = this.s.top.portIps(user.id).map((i) => i.ip_address).join(', ');
    throw new CrosspodError(
      'SECURITY_GROUP_IN_USE',
      `Security group ${label(g)} is in use by port ${user.name || user.id}${ips ? ` (${ips})` : ''}${n > 1 ? ` and ${n - 1} more` : ''}: ${why}`,
      { security_group_id: g.id, port_id: user.id, ports: n },
    );
  }

  /** Top first; each bottom copy goes through a secgroup_delete job, redoable if its pod fails. */
  delete(op: Operation, id: string): void {
    const g = this.group(id);
    if (g.name === DEFAULT_GROUP) {
      throw new CrosspodError('SECURITY_GROUP_DEFAULT_CANNOT_DELETE', `Insufficient rights for removing default security group ${label(g)} of project ${g.project_id}`, { security_group_id: g.id });
    }
    this.refuseInUse(g, 'remove it from its ports first');
    // Rules of other groups naming it go with it (Neutron's cascade), in every pod holding them.
    for (const r of this.st.rulesNaming(id)) op.touch('secgroups.changed', r.security_group_id);
    for (const m of this.s.routing.mappings(id, SECGROUP_TYPE)) {
      this.s.jobs.enqueue('secgroup_delete', `${m.pod_id}#${m.bottom_id}`, g.project_id, { pod_id: m.pod_id, bottom_id: m.bottom_id, top_id: id });
      op.touch('jobs.changed');
    }
    this.st.deleteGroup(id);
    op.touch('secgroups.changed', id);
  }

  async addRule(op: Operation, input: ParsedInput<'secgroupRules.create'>): Promise<SecurityGroupRule> {
    const g = this.group(input.security_group_id);
    if (input.remote_group_id != null) {
      const remote = this.st.group(input.remote_group_id);
      if (!remote || remote.project_id !== g.project_id) throw notFound('security group', input.remote_group_id);
    }
    const r = normalizeRule(input);
    const key = ruleKey(r);
    const same = this.st.rulesOf(g.id).find((x) => ruleKey(x) === key);
    if (same) {
      throw new CrosspodError('SECURITY_GROUP_RULE_EXISTS', `Security group rule already exists in ${label(g)}. Rule id is ${same.id}.`, { rule_id: same.id, security_group_id: g.id });
    }
    const row = this.insertRule(op, g, r, input.description ?? '', input.project_id ?? g.project_id);
    for (const m of this.s.routing.mappings(g.id, SECGROUP_TYPE)) {
      const pod = this.s.pods.row(m.pod_id);
      await this.createBottomRule(op, pod, m.bottom_id!, row, new Set([g.id]));
    }
    return this.st.toRule(row);
  }

  async removeRule(op: Operation, id: string): Promise<{ id: string }> {
    const row = this.st.rule(id);
    if (!row) throw notFound('security group rule', id);
    this.st.deleteRule(id);
    op.touch('secgroups.changed', row.security_group_id);
    for (const m of this.s.routing.mappings(row.security_group_id, SECGROUP_TYPE)) {
      const pod = this.s.pods.row(m.pod_id);
      const d = op.driver(pod.pod_id);
      const key = ruleKey(row, (x) => this.topOf(pod, x));
      for (const b of await d.list('security_group_rule', { security_group_id: m.bottom_id! })) {
        if (ruleKey(b, (x) => this.topOf(pod, x)) === key) await this.deleteBottomRule(op, pod, b);
      }
    }
    return { id };
  }

  // ---- ports (hooks from network/) ----

  /**
   * The groups of a new top port: those asked for, or Neutron's default (the project's `default`
   * group; none for network:* ports). Each must be a group of the port's project.
   */
  bindNewPort(op: Operation, port: { id: string; project_id: string; device_owner: string }, requested: string[] | undefined): void {
    const ids = requested ?? (trustedOwner(port.device_owner) ? [] : [this.ensureDefault(op, port.project_id).id]);
    this.check(port.project_id, ids);
    this.st.setPortGroups(port.id, ids);
  }

  /** ports.update: the new list replaces the old; returns whether it changed. */
  rebindPort(op: Operation, port: { id: string; project_id: string }, ids: string[]): boolean {
    this.check(port.project_id, ids);
    const before = this.st.portGroups(port.id);
    if (JSON.stringify(before) === JSON.stringify([...new Set(ids)])) return false;
    this.st.setPortGroups(port.id, ids);
    for (const g of [...before, ...ids]) op.touch('secgroups.changed', g);
    return true;
  }

  private check(projectId: string, ids: string[]): void {
    for (const id of ids) {
      const g = this.st.group(id);
      if (!g) throw notFound('security group', id);
      if (g.project_id !== projectId) {
        throw new CrosspodError('NOT_FOUND', `Security group ${label(g)} belongs to project ${g.project_id}, not ${projectId}`, { kind: 'security group', id });
      }
    }
  }

  /** The bottom ids, in `pod`, of a top port's groups: each made there first when missing. */
  async bottomGroupsOfPort(op: Operation, pod: PodRow, portId: string): Promise<string[]> {
    return this.bottomGroupsOf(op, pod, this.st.portGroups(portId));
  }

  async bottomGroupsOf(op: Operation, pod: PodRow, topIds: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of topIds) out.push(await this.ensureInPod(op, pod, this.group(id), new Set()));
    return out;
  }

  /** After ports left a pod or changed groups: drop the pod's copies nothing there uses (a job). */
  queuePrune(op: Operation, podId: string, projectId: string | null): void {
    this.s.jobs.enqueue('secgroup_prune', podId, projectId, { pod_id: podId });
    op.touch('jobs.changed');
  }

  // ---- bottoms ----

  /** Get-or-create of a group's copy in a pod (§5), its rules made equal to the top's when new. */
  async ensureInPod(op: Operation, pod: PodRow, g: GroupRow, visiting: Set<string>): Promise<string> {
    const d = op.driver(pod.pod_id);
    const description = bottomKey(SECGROUP_TYPE, g.id);
    const name = bottomGroupName(g);
    const r = await this.s.routing.getOrCreate({
      topId: g.id,
      podId: pod.pod_id,
      projectId: g.project_id,
      type: SECGROUP_TYPE,
      find: async () => (await d.list('security_group', { description }))[0]?.id ?? null,
      create: async () => {
        const created = await d.create('security_group', { name, description, project_id: g.project_id, stateful: g.stateful === 1 });
        op.undo({ label: `create security group ${name} in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'delete', kind: 'security_group', id: created.id } });
        return created.id;
      },
    });
    op.touch('routings.changed', g.id);
    if (r.isNew && !visiting.has(g.id)) {
      visiting.add(g.id);
      await this.syncRules(op, pod, g, r.bottomId, visiting);
    }
    return r.bottomId;
  }

  /** Makes a bottom group's rules those of its top group: extras deleted, missing ones made. */
  async syncRules(op: Operation, pod: PodRow, g: GroupRow, bottomId: string, visiting: Set<string>): Promise<void> {
    const d = op.driver(pod.pod_id);
    const want = this.st.rulesOf(g.id);
    const wantKeys = new Set(want.map((r) => ruleKey(r)));
    const have = await d.list('security_group_rule', { security_group_id: bottomId });
    const haveKeys = new Set<string>();
    for (const b of have) {
      const key = ruleKey(b, (x) => this.topOf(pod, x));
      if (wantKeys.has(key) && !haveKeys.has(key)) haveKeys.add(key);
      else await this.deleteBottomRule(op, pod, b);
    }
    for (const r of want) if (!haveKeys.has(ruleKey(r))) await this.createBottomRule(op, pod, bottomId, r, visiting);
  }

  /** A bottom rule's remote group as a top id (its routing row), or the bottom id when unknown. */
  private topOf(pod: PodRow, bottomGroupId: string): string {
    const r = this.s.routing.byBottom(bottomGroupId, pod.pod_id);
    return r && r.resource_type === SECGROUP_TYPE ? r.top_id : bottomGroupId;
  }

  private async createBottomRule(op: Operation, pod: PodRow, bottomGroup: string, r: RuleRow, visiting: Set<string>): Promise<void> {
    const remote = r.remote_group_id === null ? null : r.remote_group_id === r.security_group_id ? bottomGroup : await this.ensureInPod(op, pod, this.group(r.remote_group_id), visiting);
    const body: CreateBodies['security_group_rule'] = {
      security_group_id: bottomGroup,
      project_id: r.project_id,
      direction: r.direction,
      ethertype: r.ethertype,
      ...(r.protocol !== null ? { protocol: r.protocol } : {}),
      ...(r.port_range_min !== null ? { port_range_min: r.port_range_min } : {}),
      ...(r.port_range_max !== null ? { port_range_max: r.port_range_max } : {}),
      ...(r.remote_ip_prefix !== null ? { remote_ip_prefix: r.remote_ip_prefix } : {}),
      ...(remote !== null ? { remote_group_id: remote } : {}),
    };
    try {
      const made = await op.driver(pod.pod_id).create('security_group_rule', body);
      op.undo({ label: `create security group rule ${made.id} in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'delete', kind: 'security_group_rule', id: made.id } });
    } catch (e) {
      // Already there (an earlier try, or Neutron's own egress rules): the goal holds (§8.15).
      if (!(e instanceof CrosspodError && e.code === 'SECURITY_GROUP_RULE_EXISTS')) throw e;
    }
    op.touch('routings.changed', r.security_group_id);
  }

  private async deleteBottomRule(op: Operation, pod: PodRow, b: BottomSecurityGroupRule): Promise<void> {
    await deleteIfExists(op.driver(pod.pod_id), 'security_group_rule', b.id);
    const body: CreateBodies['security_group_rule'] = {
      security_group_id: b.security_group_id,
      project_id: b.project_id,
      direction: b.direction,
      ethertype: b.ethertype,
      protocol: b.protocol,
      port_range_min: b.port_range_min,
      port_range_max: b.port_range_max,
      remote_ip_prefix: b.remote_ip_prefix,
      remote_group_id: b.remote_group_id,
    };
    op.undo({ label: `delete security group rule ${b.id} in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'createRule', body } });
  }

  // ---- jobs ----

  /** secgroup_delete: one bottom copy of a deleted top group, then its routing row. */
  async deleteCopy(op: Operation, podId: string, bottomId: string, topId: string): Promise<void> {
    await deleteIfExists(op.driver(podId), 'security_group', bottomId);
    this.s.routing.remove(topId, podId, SECGROUP_TYPE);
    op.touch('routings.changed', topId);
  }

  /**
   * secgroup_prune: the pod's copies that no port realised there uses, and that no used group
   * names as remote group, are deleted with their routing rows.
   */
  async prune(op: Operation, podId: string): Promise<void> {
    const used = this.st.usedInPod(podId);
    const needed = new Set(used);
    const queue = [...used];
    while (queue.length) {
      for (const r of this.st.rulesOf(queue.pop()!)) {
        if (r.remote_group_id && !needed.has(r.remote_group_id)) {
          needed.add(r.remote_group_id);
          queue.push(r.remote_group_id);
        }
      }
    }
    for (const row of this.s.routing.ofPod(podId)) {
      if (row.resource_type !== SECGROUP_TYPE || needed.has(row.top_id) || !row.bottom_id) continue;
      await this.deleteCopy(op, podId, row.bottom_id, row.top_id);
    }
  }

  registerJobs(): void {
    this.s.jobs.handlers.set('secgroup_delete', (op, p) => this.deleteCopy(op, String(p.pod_id), String(p.bottom_id), String(p.top_id)));
    this.s.jobs.handlers.set('secgroup_prune', (op, p) => this.prune(op, String(p.pod_id)));
  }
}
