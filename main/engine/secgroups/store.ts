// The owner of the top security-group tables (migration 0013): typed methods over named
// prepared statements. Nothing else reads or writes security_groups, security_group_rules or
// port_security_groups (TopStore.toPort reads a port's group ids).
import type { SecurityGroup, SecurityGroupRule } from '../../../shared/model';
import type { Db } from '../store';

export interface GroupRow {
  id: string;
  project_id: string;
  name: string;
  description: string;
  stateful: number;
  created_at: string;
  updated_at: string;
}

export interface RuleRow {
  id: string;
  security_group_id: string;
  project_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  description: string;
  created_at: string;
  updated_at: string;
}

export class SecGroupStore {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      group: db.prepare('SELECT * FROM security_groups WHERE id = ?'),
      defaultOf: db.prepare("SELECT * FROM security_groups WHERE project_id = ? AND name = 'default'"),
      insertGroup: db.prepare(
        'INSERT INTO security_groups (id, project_id, name, description, stateful, created_at, updated_at) VALUES (@id, @project_id, @name, @description, @stateful, @created_at, @updated_at)',
      ),
      updateGroup: db.prepare('UPDATE security_groups SET name = @name, description = @description, stateful = @stateful, updated_at = @updated_at WHERE id = @id'),
      deleteGroup: db.prepare('DELETE FROM security_groups WHERE id = ?'),
      rule: db.prepare('SELECT * FROM security_group_rules WHERE id = ?'),
      rulesOf: db.prepare('SELECT * FROM security_group_rules WHERE security_group_id = ? ORDER BY created_at, rowid'),
      rulesNaming: db.prepare('SELECT * FROM security_group_rules WHERE remote_group_id = ? AND security_group_id <> ? ORDER BY rowid'),
      insertRule: db.prepare(
        `INSERT INTO security_group_rules (id, security_group_id, project_id, direction, ethertype, protocol, port_range_min, port_range_max, remote_ip_prefix, remote_group_id, description, created_at, updated_at)
         VALUES (@id, @security_group_id, @project_id, @direction, @ethertype, @protocol, @port_range_min, @port_range_max, @remote_ip_prefix, @remote_group_id, @description, @created_at, @updated_at)`,
      ),
      deleteRule: db.prepare('DELETE FROM security_group_rules WHERE id = ?'),
      portGroups: db.prepare('SELECT security_group_id FROM port_security_groups WHERE port_id = ? ORDER BY position').pluck(),
      clearPort: db.prepare('DELETE FROM port_security_groups WHERE port_id = ?'),
      bindPort: db.prepare('INSERT OR IGNORE INTO port_security_groups (port_id, security_group_id, position) VALUES (?, ?, ?)'),
      firstUser: db.prepare('SELECT p.id, p.name FROM port_security_groups g JOIN ports p ON p.id = g.port_id WHERE g.security_group_id = ? ORDER BY p.rowid LIMIT 1'),
      userCount: db.prepare('SELECT COUNT(*) FROM port_security_groups WHERE security_group_id = ?').pluck(),
      /** Groups the ports realised in a pod use there (through the port's routing row). */
      usedInPod: db
        .prepare(
          `SELECT DISTINCT g.security_group_id FROM resource_routings r JOIN port_security_groups g ON g.port_id = r.top_id
            WHERE r.pod_id = ? AND r.resource_type = 'port' AND r.bottom_id IS NOT NULL`,
        )
        .pluck(),
    };
  }

  group(id: string): GroupRow | undefined {
    return this.q.group.get(id) as GroupRow | undefined;
  }
  defaultOf(projectId: string): GroupRow | undefined {
    return this.q.defaultOf.get(projectId) as GroupRow | undefined;
  }
  insertGroup(row: GroupRow): void {
    this.q.insertGroup.run(row);
  }
  updateGroup(row: GroupRow): void {
    this.q.updateGroup.run(row);
  }
  deleteGroup(id: string): void {
    this.q.deleteGroup.run(id);
  }
  rule(id: string): RuleRow | undefined {
    return this.q.rule.get(id) as RuleRow | undefined;
  }
  rulesOf(groupId: string): RuleRow[] {
    return this.q.rulesOf.all(groupId) as RuleRow[];
  }
  /** Other groups' rules that name this group as their remote group. */
  rulesNaming(groupId: string): RuleRow[] {
    return this.q.rulesNaming.all(groupId, groupId) as RuleRow[];
  }
  insertRule(row: RuleRow): void {
    this.q.insertRule.run(row);
  }
  deleteRule(id: string): void {
    this.q.deleteRule.run(id);
  }
  portGroups(portId: string): string[] {
    return this.q.portGroups.all(portId) as string[];
  }
  setPortGroups(portId: string, ids: string[]): void {
    this.q.clearPort.run(portId);
    ids.forEach((id, i) => this.q.bindPort.run(portId, id, i));
  }
  firstUser(groupId: string): { id: string; name: string } | undefined {
    return this.q.firstUser.get(groupId) as { id: string; name: string } | undefined;
  }
  userCount(groupId: string): number {
    return this.q.userCount.get(groupId) as number;
  }
  usedInPod(podId: string): Set<string> {
    return new Set(this.q.usedInPod.all(podId) as string[]);
  }

  toRule(r: RuleRow): SecurityGroupRule {
    return {
      id: r.id,
      security_group_id: r.security_group_id,
      project_id: r.project_id,
      tenant_id: r.project_id,
      direction: r.direction,
      ethertype: r.ethertype,
      protocol: r.protocol,
      port_range_min: r.port_range_min,
      port_range_max: r.port_range_max,
      remote_ip_prefix: r.remote_ip_prefix,
      remote_group_id: r.remote_group_id,
      description: r.description,
      created_at: r.created_at,
      updated_at: r.updated_at,
    };
  }

  toGroup(g: GroupRow): SecurityGroup {
    return {
      id: g.id,
      name: g.name,
      description: g.description,
      project_id: g.project_id,
      tenant_id: g.project_id,
      stateful: g.stateful === 1,
      security_group_rules: this.rulesOf(g.id).map((r) => this.toRule(r)),
      created_at: g.created_at,
      updated_at: g.updated_at,
    };
  }
}
