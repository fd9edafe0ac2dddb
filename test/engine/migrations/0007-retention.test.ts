// Migration 0007 adds the indexes retention prunes by: a version-6 file keeps its audit rows and
// jobs, and the pruning queries use the new indexes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../main/engine/store';

describe('migration 0007-retention', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-mig-0007-'));
    file = join(dir, 'crosspod.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a version-6 file’s audit rows and jobs, and indexes them for pruning', async () => {
    const v6 = await openStore(file, { targetVersion: 6 });
    const audit = v6.db.prepare("INSERT INTO audit_log (at, actor, operation, input_summary, result_code, resource_ids) VALUES (?, 'local', 'pods.create', '{}', 'OK', '[]')");
    audit.run('2025-01-01T00:00:00.000Z');
    audit.run('2025-02-01T00:00:00.000Z');
    v6.db.prepare("INSERT INTO async_jobs (id, type, resource_id, project_id, status, timestamp) VALUES ('j1', 'configure_extra_routes', 'r', 'p', 'SUCCESS', '2025-01-01T00:00:00.000Z')").run();
    const before = [v6.db.prepare('SELECT * FROM audit_log ORDER BY id').all(), v6.db.prepare('SELECT * FROM async_jobs').all()];
    v6.close();

    const v7 = await openStore(file, { targetVersion: 7 });
    expect(v7.version).toBe(7);
    expect([v7.db.prepare('SELECT * FROM audit_log ORDER BY id').all(), v7.db.prepare('SELECT * FROM async_jobs').all()]).toEqual(before);
    const plan = (sql: string) => (v7.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' ');
    expect(plan("SELECT id FROM audit_log WHERE at < '2025-01-15'")).toContain('audit_at');
    expect(plan("SELECT id FROM async_jobs WHERE status = 'SUCCESS' AND timestamp < '2025-01-15'")).toContain('jobs_status_timestamp');
    v7.close();
  });
});
