import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, openStore } from '../../../main/engine/store';

const CORE_TABLES = ['async_jobs', 'audit_log', 'pod_bindings', 'pod_secrets', 'pods', 'quotas', 'resource_routings', 'settings'];
const NOW = '2025-01-01T00:00:00.000Z';

describe('migration 0001-core', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-mig-0001-'));
    file = join(dir, 'crosspod.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const userTables = (db: Database.Database) =>
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").pluck().all() as string[]);

  it('migrates a version-0 file to version 1; the core tables take realistic rows with exact values and their constraints hold', async () => {
    // Version 0: nothing but the migrations ledger.
    const v0 = await openStore(file, { targetVersion: 0 });
    expect(v0.version).toBe(0);
    expect(userTables(v0.db)).toEqual(['schema_migrations']);
    expect(v0.db.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get()).toBe(0);
    expect(v0.backupsTaken).toEqual([]);
    v0.close();

    const v1 = await openStore(file, { targetVersion: 1 });
    try {
      const db = v1.db;
      expect(v1.version).toBe(1);
      // Version 0 holds no data worth a backup.
      expect(v1.backupsTaken).toEqual([]);
      expect(userTables(db)).toEqual([...CORE_TABLES, 'schema_migrations'].sort());
      const strict = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main'").all() as { name: string; strict: number }[];
      for (const t of CORE_TABLES) expect(strict.find((x) => x.name === t), t).toEqual({ name: t, strict: 1 });
      expect(db.prepare('SELECT version, name FROM schema_migrations').all()).toEqual([{ version: 1, name: 'core' }]);

      // Realistic rows: the reference's three pods, a binding, routing rows (one an in-flight
      // lock), a job, an audit entry, a quota, a setting and a sealed secret.
      const pod = db.prepare(
        `INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, driver, driver_config, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      pod.run('pod-top', 'RegionOne', '', '', '', 'lab', null, NOW, NOW);
      pod.run('pod-1', 'Pod1', 'az1', 'az1-nova', 'dc1', 'lab', null, NOW, NOW);
      pod.run('pod-2', 'Pod2', 'az2', '', 'dc2', 'neutron', '{"auth_type":"noauth","endpoint":"http://127.0.0.1:9696"}', NOW, NOW);
      db.prepare('INSERT INTO pod_secrets (pod_id, sealed) VALUES (?, ?)').run('pod-2', 'v1.aXY=.dGFn.Ym9keQ==');
      db.prepare('INSERT INTO pod_bindings (id, project_id, pod_id, created_at) VALUES (?, ?, ?, ?)').run('bind-1', 'proj1', 'pod-1', NOW);
      const route = db.prepare(
        'INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      route.run('router-1', 'b-router-1', 'pod-1', 'proj1', 'router', NOW, NOW);
      route.run('router-1', 'b-ns-router-1', 'pod-1', 'proj1', 'ns_router', NOW, NOW);
      route.run('net-1', null, 'pod-2', 'proj1', 'network', NOW, NOW);
      db.prepare(
        "INSERT INTO async_jobs (id, type, resource_id, project_id, status, timestamp, attempts, error, payload) VALUES ('job-1', 'router_setup', 'pod-1#router-1#net-1', 'proj1', 'FAIL', ?, 2, 'POD_UNREACHABLE', '{\"router_id\":\"router-1\"}')",
      ).run(NOW);
      db.prepare(
        "INSERT INTO audit_log (at, actor, operation, input_summary, result_code, resource_ids) VALUES (?, 'alice', 'pods.create', '{\"region_name\":\"Pod1\"}', 'OK', '[\"pod-1\"]')",
      ).run(NOW);
      db.prepare("INSERT INTO quotas (project_id, resource, hard_limit) VALUES ('proj1', 'router', -1)").run();
      db.prepare("INSERT INTO settings (key, value) VALUES ('lab.name', 'three pods')").run();

      expect(db.prepare('SELECT * FROM pods ORDER BY pod_id').all()).toEqual([
        { pod_id: 'pod-1', region_name: 'Pod1', az_name: 'az1', pod_az_name: 'az1-nova', dc_name: 'dc1', driver: 'lab', driver_config: null, created_at: NOW, updated_at: NOW },
        {
          pod_id: 'pod-2',
          region_name: 'Pod2',
          az_name: 'az2',
          pod_az_name: '',
          dc_name: 'dc2',
          driver: 'neutron',
          driver_config: '{"auth_type":"noauth","endpoint":"http://127.0.0.1:9696"}',
          created_at: NOW,
          updated_at: NOW,
        },
        { pod_id: 'pod-top', region_name: 'RegionOne', az_name: '', pod_az_name: '', dc_name: '', driver: 'lab', driver_config: null, created_at: NOW, updated_at: NOW },
      ]);
      expect(db.prepare('SELECT id, top_id, bottom_id, pod_id, project_id, resource_type FROM resource_routings ORDER BY id').all()).toEqual([
        { id: 1, top_id: 'router-1', bottom_id: 'b-router-1', pod_id: 'pod-1', project_id: 'proj1', resource_type: 'router' },
        { id: 2, top_id: 'router-1', bottom_id: 'b-ns-router-1', pod_id: 'pod-1', project_id: 'proj1', resource_type: 'ns_router' },
        { id: 3, top_id: 'net-1', bottom_id: null, pod_id: 'pod-2', project_id: 'proj1', resource_type: 'network' },
      ]);
      expect(db.prepare("SELECT * FROM async_jobs WHERE id = 'job-1'").get()).toEqual({
        id: 'job-1',
        type: 'router_setup',
        resource_id: 'pod-1#router-1#net-1',
        project_id: 'proj1',
        status: 'FAIL',
        timestamp: NOW,
        attempts: 2,
        error: 'POD_UNREACHABLE',
        payload: '{"router_id":"router-1"}',
      });
      expect(db.prepare('SELECT * FROM audit_log').all()).toEqual([
        { id: 1, at: NOW, actor: 'alice', operation: 'pods.create', input_summary: '{"region_name":"Pod1"}', result_code: 'OK', resource_ids: '["pod-1"]' },
      ]);

      // Constraints of the core schema.
      expect(() => pod.run('pod-top-2', 'RegionTwo', '', '', '', 'lab', null, NOW, NOW)).toThrow(/UNIQUE constraint failed: pods.az_name/);
      expect(() => pod.run('pod-3', 'Pod1', 'az3', '', '', 'lab', null, NOW, NOW)).toThrow(/UNIQUE constraint failed: pods.region_name/);
      expect(() => pod.run('pod-3', 'Pod3', 'az3', '', '', 'nova', null, NOW, NOW)).toThrow(/CHECK constraint failed/);
      expect(() => route.run('router-1', 'b-other', 'pod-1', 'proj1', 'router', NOW, NOW)).toThrow(
        /UNIQUE constraint failed: resource_routings.top_id, resource_routings.pod_id, resource_routings.resource_type/,
      );
      expect(() => route.run('x', 'y', 'no-such-pod', 'proj1', 'network', NOW, NOW)).toThrow(/FOREIGN KEY constraint failed/);
      expect(() => db.prepare('INSERT INTO pod_bindings (id, project_id, pod_id, created_at) VALUES (?, ?, ?, ?)').run('bind-2', 'proj1', 'pod-1', NOW)).toThrow(
        /UNIQUE constraint failed: pod_bindings.project_id, pod_bindings.pod_id/,
      );
      expect(() =>
        db.prepare("INSERT INTO async_jobs (id, type, resource_id, status, timestamp) VALUES ('job-2', 't', 'r', 'Running', ?)").run(NOW),
      ).toThrow(/CHECK constraint failed/);
      // STRICT typing refuses a wrong type.
      expect(() => db.prepare("INSERT INTO quotas (project_id, resource, hard_limit) VALUES ('proj1', 'network', 'unlimited')").run()).toThrow(
        /cannot store TEXT value in INTEGER column quotas.hard_limit/,
      );
      expect(() =>
        db.prepare("INSERT INTO async_jobs (id, type, resource_id, status, timestamp, attempts) VALUES ('job-3', 't', 'r', 'NEW', ?, 'twice')").run(NOW),
      ).toThrow(/cannot store TEXT value in INTEGER column async_jobs.attempts/);
      // A secret goes with its pod.
      db.prepare("DELETE FROM resource_routings WHERE pod_id = 'pod-2'").run();
      db.prepare("DELETE FROM pods WHERE pod_id = 'pod-2'").run();
      expect(db.prepare('SELECT COUNT(*) FROM pod_secrets').pluck().get()).toBe(0);
    } finally {
      v1.close();
    }

    // The rows carry on to the latest version, and the backup taken then is at version 1.
    const latest = await openStore(file);
    try {
      expect(latest.version).toBe(loadMigrations().length);
      expect(latest.backupsTaken).toHaveLength(1);
      expect(latest.db.prepare('SELECT region_name FROM pods ORDER BY region_name').pluck().all()).toEqual(['Pod1', 'RegionOne']);
      expect(latest.db.prepare('SELECT COUNT(*) FROM resource_routings').pluck().get()).toBe(2);
      expect(latest.db.prepare("SELECT hard_limit FROM quotas WHERE project_id = 'proj1' AND resource = 'router'").pluck().get()).toBe(-1);
      expect(latest.db.prepare("SELECT value FROM settings WHERE key = 'lab.name'").pluck().get()).toBe('three pods');
      const b = new Database(latest.backupsTaken[0], { readonly: true });
      try {
        expect(b.pragma('user_version', { simple: true })).toBe(1);
        expect(b.prepare('SELECT COUNT(*) FROM pods').pluck().get()).toBe(2);
      } finally {
        b.close();
      }
    } finally {
      latest.close();
    }
  });

  it('stops exactly at version 1', async () => {
    const v1 = await openStore(file, { targetVersion: 1 });
    try {
      expect(v1.version).toBe(1);
      expect(userTables(v1.db)).toEqual([...CORE_TABLES, 'schema_migrations'].sort());
      expect(
        v1.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'pods' AND sql IS NOT NULL ORDER BY name").pluck().all(),
      ).toEqual(['pods_az', 'pods_one_top']);
    } finally {
      v1.close();
    }
  });
});
