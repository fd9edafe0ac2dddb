// Security groups in a lab pod (tables lab_security_group*, migration 0013), as Neutron keeps
// them: a new group gets Neutron's two egress rules, an equal rule is SECURITY_GROUP_RULE_EXISTS,
// a group a port uses is SECURITY_GROUP_IN_USE, and its rules (and rules naming it as remote
// group) go with it. Runs inside the lab driver's write transaction.
import { randomUUID } from 'node:crypto';
import { CrosspodError } from '../../../../shared/errors';
import { NEW_GROUP_EGRESS, normalizeRule, ruleKey } from '../../secgroups/rules';
import type { BottomSecurityGroupRule, CreateBodies } from '../driver';
import type { LabShared } from './shared';

const badRequest = (message: string, details?: unknown) => new CrosspodError('BAD_REQUEST', message, details);

export class LabSecGroups {
  constructor(
    private readonly s: LabShared,
    private readonly podId: string,
  ) {}

  private exists(id: unknown): boolean {
    return typeof id === 'string' && this.s.stmt('SELECT 1 FROM lab_security_groups WHERE id = ? AND pod_id = ?').pluck().get(id, this.podId) !== undefined;
  }

  private need(id: unknown): string {
    if (!this.exists(id)) throw new CrosspodError('NOT_FOUND', `Security group ${String(id)} does not exist`, { kind: 'security_group', id });
    return id as string;
  }

  createGroup(b: CreateBodies['security_group']): string {
    if (typeof b.name !== 'string') throw badRequest('name must be a string');
    const id = randomUUID();
    this.s
      .stmt('INSERT INTO lab_security_groups (id, pod_id, name, description, project_id, stateful) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, this.podId, b.name, b.description ?? '', b.project_id ?? '', b.stateful === false ? 0 : 1);
    for (const r of NEW_GROUP_EGRESS) this.insertRule(id, b.project_id ?? '', r, '');
    return id;
  }

  deleteGroup(id: string): void {
    this.need(id);
    const port = this.s.stmt('SELECT port_id FROM lab_port_security_groups WHERE security_group_id = ? LIMIT 1').pluck().get(id) as string | undefined;
    if (port !== undefined) {
      throw new CrosspodError('SECURITY_GROUP_IN_USE', `Security Group ${id} in use by port ${port}`, { security_group_id: id, port_id: port });
    }
    this.s.stmt('DELETE FROM lab_security_groups WHERE id = ?').run(id);
  }

  createRule(b: CreateBodies['security_group_rule']): string {
    if (!b || typeof b !== 'object') throw badRequest('A security_group_rule body is required');
    if (b.direction !== 'ingress' && b.direction !== 'egress') throw badRequest(`Invalid direction ${String(b.direction)}`);
    if (b.ethertype !== undefined && b.ethertype !== 'IPv4' && b.ethertype !== 'IPv6') throw badRequest(`Invalid ethertype ${String(b.ethertype)}`);
    const group = this.need(b.security_group_id);
    if (b.remote_group_id != null) this.need(b.remote_group_id);
    const r = normalizeRule(b);
    const key = ruleKey(r);
    for (const other of this.s.stmt('SELECT * FROM lab_security_group_rules WHERE security_group_id = ?').all(group) as BottomSecurityGroupRule[]) {
      if (ruleKey(other) === key) {
        throw new CrosspodError('SECURITY_GROUP_RULE_EXISTS', `Security group rule already exists. Rule id is ${other.id}.`, { rule_id: other.id, security_group_id: group });
      }
    }
    return this.insertRule(group, b.project_id ?? '', r, b.description ?? '');
  }

  private insertRule(group: string, project: string, r: ReturnType<typeof normalizeRule>, description: string): string {
    const id = randomUUID();
    this.s
      .stmt(
        `INSERT INTO lab_security_group_rules (id, pod_id, security_group_id, project_id, direction, ethertype, protocol, port_range_min, port_range_max, remote_ip_prefix, remote_group_id, description)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, this.podId, group, project, r.direction, r.ethertype, r.protocol, r.port_range_min, r.port_range_max, r.remote_ip_prefix, r.remote_group_id, description);
    return id;
  }

  deleteRule(id: string): void {
    const n = this.s.stmt('DELETE FROM lab_security_group_rules WHERE id = ? AND pod_id = ?').run(id, this.podId).changes;
    if (n === 0) throw new CrosspodError('NOT_FOUND', `Security group rule ${id} does not exist`, { kind: 'security_group_rule', id });
  }

  /** Replaces a port's groups (Neutron's port security_groups); each must exist in this pod. */
  setPortGroups(portId: string, ids: unknown): void {
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) throw badRequest('security_groups must be a list of ids');
    for (const id of ids) this.need(id);
    this.s.stmt('DELETE FROM lab_port_security_groups WHERE port_id = ?').run(portId);
    const ins = this.s.stmt('INSERT OR IGNORE INTO lab_port_security_groups (port_id, security_group_id, pod_id, position) VALUES (?, ?, ?, ?)');
    (ids as string[]).forEach((id, i) => ins.run(portId, id, this.podId, i));
  }
}
