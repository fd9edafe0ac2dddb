// Migration 0015: port security (Neutron's port-security extension) on a version-14 file: top and
// lab ports gain port_security_enabled, on for the ports already there, and only 0 or 1 is taken.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../main/engine/store';

const dir = mkdtempSync(join(tmpdir(), 'crosspod-mig15-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('migration 0015-port-security', () => {
  it('adds port_security_enabled (on) to top and lab ports of a version-14 file, keeping them', async () => {
    const file = join(dir, 'v14.db');
    const v14 = await openStore(file, { targetVersion: 14 });
    v14.db.prepare("INSERT INTO networks (id, name, project_id, az_hints, created_at, updated_at) VALUES ('net1', 'net1', 'proj1', '[]', 'now', 'now')").run();
    v14.db.prepare("INSERT INTO ports (id, name, network_id, project_id, mac_address, created_at, updated_at) VALUES ('vm1', 'vm1', 'net1', 'proj1', 'fa:16:3e:00:01:04', 'now', 'now')").run();
    v14.close();
    const s = await openStore(file, { targetVersion: 15 });
    expect(s.version).toBe(15);
    expect(s.db.prepare('SELECT id, port_security_enabled FROM ports').all()).toEqual([{ id: 'vm1', port_security_enabled: 1 }]);
    expect(s.db.prepare("SELECT dflt_value FROM pragma_table_info('lab_ports') WHERE name = 'port_security_enabled'").pluck().get()).toBe('1');
    expect(() => s.db.prepare("UPDATE ports SET port_security_enabled = 2 WHERE id = 'vm1'").run()).toThrow(/CHECK constraint/);
    s.close();
  });
});
