// Migration 0013: security groups on a version-11 file that already holds ports. Existing ports
// get no groups (Neutron's default applies to new ports); a group a port uses cannot be deleted,
// a port's groups go with it, one `default` group per project, and lab pods' copies go with their pod.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../main/engine/store';

const NOW = '2025-01-01T00:00:00.000Z';

describe('migration 0013-security-groups', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-mig-0013-'));
    file = join(dir, 'crosspod.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('adds the tables to a version-12 file, with their keys', async () => {
    const v11 = await openStore(file, { targetVersion: 12 });
    v11.db.prepare("INSERT INTO networks (id, name, project_id, az_hints, created_at, updated_at) VALUES ('net1', 'net1', 'proj1', '[\"az1\"]', ?, ?)").run(NOW, NOW);
    v11.db.prepare("INSERT INTO ports (id, network_id, project_id, mac_address, created_at, updated_at) VALUES ('vm', 'net1', 'proj1', 'fa:16:3e:00:01:04', ?, ?)").run(NOW, NOW);
    v11.close();
    const s = await openStore(file, { targetVersion: 13 });
    expect(s.version).toBe(13);
    const db = s.db;
    expect(db.prepare('SELECT COUNT(*) FROM port_security_groups').pluck().get()).toBe(0);
    const group = db.prepare('INSERT INTO security_groups (id, project_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)');
    group.run('sg1', 'proj1', 'default', NOW, NOW);
    expect(() => group.run('sg2', 'proj1', 'default', NOW, NOW)).toThrow(/UNIQUE/);
    group.run('sg3', 'proj2', 'default', NOW, NOW);
    db.prepare("INSERT INTO security_group_rules (id, security_group_id, project_id, direction, ethertype, remote_group_id, created_at, updated_at) VALUES ('r1', 'sg3', 'proj2', 'ingress', 'IPv4', 'sg1', ?, ?)").run(NOW, NOW);
    expect(() => db.prepare("INSERT INTO security_group_rules (id, security_group_id, project_id, direction, ethertype, created_at, updated_at) VALUES ('r2', 'sg1', 'proj1', 'sideways', 'IPv4', ?, ?)").run(NOW, NOW)).toThrow(/CHECK/);
    db.prepare("INSERT INTO port_security_groups (port_id, security_group_id, position) VALUES ('vm', 'sg1', 0)").run();
    expect(() => db.prepare("DELETE FROM security_groups WHERE id = 'sg1'").run()).toThrow(/FOREIGN KEY/);
    db.prepare("DELETE FROM ports WHERE id = 'vm'").run();
    expect(db.prepare('SELECT COUNT(*) FROM port_security_groups').pluck().get()).toBe(0);
    // A rule naming a deleted group as remote goes with it (Neutron's cascade).
    db.prepare("DELETE FROM security_groups WHERE id = 'sg1'").run();
    expect(db.prepare('SELECT COUNT(*) FROM security_group_rules').pluck().get()).toBe(0);
    s.close();
  });
});
