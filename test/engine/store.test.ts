// The store: one SQLite file with WAL, foreign keys, a busy timeout and STRICT tables; numbered
// migrations tracked by user_version and a sha256 each; a refusal to open over an edited
// migration; an online backup before migrating an existing file; an integrity check on open.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultMigrationsDir, loadMigrations, openStore, type Store } from '../../main/engine/store';
import { CrosspodError } from '../../shared/errors';

const NOW = '2025-01-01T00:00:00.000Z';
const MIGRATION_FILES = readdirSync(defaultMigrationsDir).filter((f) => /^\d{4}-[a-z0-9-]+\.sql$/.test(f)).sort();
const LATEST = MIGRATION_FILES.length;

/** Runs fn, which must throw a CrosspodError, and returns that error. */
async function refusal(fn: () => Promise<unknown>): Promise<CrosspodError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CrosspodError);
    return e as CrosspodError;
  }
  throw new Error('expected a CrosspodError, but the call succeeded');
}

function insertPod(db: Database.Database, podId: string, region: string, az: string): void {
  db.prepare(
    `INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, driver, created_at, updated_at)
     VALUES (?, ?, ?, '', '', 'lab', ?, ?)`,
  ).run(podId, region, az, NOW, NOW);
}

describe('store', () => {
  let dir: string;
  let file: string;
  const open: Store[] = [];
  const track = (s: Store) => {
    open.push(s);
    return s;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-store-'));
    file = join(dir, 'crosspod.db');
  });
  afterEach(() => {
    for (const s of open.splice(0)) if (s.db.open) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('opening a new file', () => {
    it('uses WAL, foreign keys, a busy timeout and NORMAL sync', async () => {
      const s = track(await openStore(file));
      expect(s.file).toBe(file);
      expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(s.db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(s.db.pragma('synchronous', { simple: true })).toBe(1);
      expect(existsSync(file)).toBe(true);
      // WAL is a property of the file: a second connection sees it too.
      const other = new Database(file, { readonly: true });
      try {
        expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        other.close();
      }
    });

    it('enforces foreign keys', async () => {
      const s = track(await openStore(file));
      expect(() => s.db.prepare('INSERT INTO pod_secrets (pod_id, sealed) VALUES (?, ?)').run('no-such-pod', 'x')).toThrow(/FOREIGN KEY/);
      expect(s.db.prepare('SELECT COUNT(*) FROM pod_secrets').pluck().get()).toBe(0);
    });

    it('makes every table STRICT', async () => {
      const s = track(await openStore(file));
      const tables = s.db
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
        .all() as { name: string; sql: string }[];
      expect(tables.length).toBeGreaterThan(20);
      for (const t of tables) expect(t.sql, t.name).toMatch(/\)\s*STRICT\b/i);
      // And SQLite agrees.
      const list = s.db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").all() as {
        name: string;
        strict: number;
      }[];
      expect(list.filter((t) => t.strict !== 1).map((t) => t.name)).toEqual([]);
      expect(list.map((t) => t.name).sort()).toEqual(tables.map((t) => t.name));
    });

    it('STRICT typing refuses a value of the wrong type', async () => {
      const s = track(await openStore(file));
      expect(() => s.db.prepare("INSERT INTO quotas (project_id, resource, hard_limit) VALUES ('p', 'network', 'ten')").run()).toThrow(
        /cannot store TEXT value in INTEGER column quotas.hard_limit/,
      );
      expect(s.db.prepare('SELECT COUNT(*) FROM quotas').pluck().get()).toBe(0);
    });

    it('applies every migration: user_version is the number of files, each recorded with its sha256', async () => {
      const s = track(await openStore(file));
      expect(MIGRATION_FILES).toEqual(['0001-core.sql', '0002-ipam.sql', '0003-lab.sql', '0004-top.sql', '0005-fk-indexes.sql', '0006-ns-bridge-per-router.sql', '0007-retention.sql', '0008-journal.sql', '0009-updates-dhcp.sql', '0010-view-state.sql', '0011-topology-counts.sql', '0012-undo-log.sql', '0013-security-groups.sql', '0014-lab-settings.sql', '0015-port-security.sql', '0016-redundant-routing-index.sql']);
      expect(s.version).toBe(LATEST);
      expect(s.db.pragma('user_version', { simple: true })).toBe(LATEST);
      const rows = s.db.prepare('SELECT version, name, sha256 FROM schema_migrations ORDER BY version').all();
      expect(rows).toEqual(
        MIGRATION_FILES.map((f, i) => ({
          version: i + 1,
          name: f.slice(5, -4),
          sha256: createHash('sha256').update(readFileSync(join(defaultMigrationsDir, f))).digest('hex'),
        })),
      );
      // A fresh file has nothing to back up.
      expect(s.backupsTaken).toEqual([]);
      expect(existsSync(s.backupDir)).toBe(false);
    });

    it('reopening a current file applies nothing and takes no backup', async () => {
      const first = await openStore(file);
      const applied = first.db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all();
      first.close();
      const s = track(await openStore(file));
      expect(s.version).toBe(LATEST);
      expect(s.backupsTaken).toEqual([]);
      expect(s.db.prepare('SELECT version, applied_at FROM schema_migrations ORDER BY version').all()).toEqual(applied);
    });

    it('stops at targetVersion', async () => {
      const s = track(await openStore(file, { targetVersion: 2 }));
      expect(s.version).toBe(2);
      expect(s.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual([1, 2]);
      expect(s.db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('lab_networks', 'networks')").pluck().get()).toBe(0);
    });

    it('creates missing parent directories', async () => {
      const deep = join(dir, 'a', 'b', 'c.db');
      const s = track(await openStore(deep));
      expect(s.version).toBe(LATEST);
      expect(existsSync(deep)).toBe(true);
    });

    it('loadMigrations refuses a gap in the numbering', () => {
      const mdir = join(dir, 'migrations');
      cpSync(defaultMigrationsDir, mdir, { recursive: true });
      rmSync(join(mdir, '0002-ipam.sql'));
      expect(() => loadMigrations(mdir)).toThrow(/0003-lab\.sql/);
    });
  });

  describe('edited migrations', () => {
    it('refuses to open when an applied migration was edited, naming it', async () => {
      const mdir = join(dir, 'migrations');
      cpSync(defaultMigrationsDir, mdir, { recursive: true });
      const first = await openStore(file, { migrationsDir: mdir });
      expect(first.version).toBe(LATEST);
      insertPod(first.db, 'pod-top', 'RegionOne', '');
      first.close();

      const original = readFileSync(join(mdir, '0002-ipam.sql'), 'utf8');
      appendFileSync(join(mdir, '0002-ipam.sql'), '\n-- a harmless-looking edit\n');
      const err = await refusal(() => openStore(file, { migrationsDir: mdir }));
      expect(err.code).toBe('MIGRATION_EDITED');
      expect(err.status).toBe(500);
      expect(err.message).toContain('0002-ipam.sql');
      expect(err.details).toMatchObject({
        migration: '0002-ipam.sql',
        applied_sha256: createHash('sha256').update(original).digest('hex'),
        file_sha256: createHash('sha256').update(readFileSync(join(mdir, '0002-ipam.sql'))).digest('hex'),
      });

      // Nothing was touched, and restoring the file lets it open again with its data.
      writeFileSync(join(mdir, '0002-ipam.sql'), original);
      const again = track(await openStore(file, { migrationsDir: mdir }));
      expect(again.version).toBe(LATEST);
      expect(again.db.prepare('SELECT region_name FROM pods').pluck().all()).toEqual(['RegionOne']);
    });

    it('names the edited migration when it is the latest one', async () => {
      const mdir = join(dir, 'migrations');
      cpSync(defaultMigrationsDir, mdir, { recursive: true });
      (await openStore(file, { migrationsDir: mdir })).close();
      const f = join(mdir, '0004-top.sql');
      writeFileSync(f, readFileSync(f, 'utf8').replace('CREATE INDEX networks_name', 'CREATE INDEX networks_name2'));
      const err = await refusal(() => openStore(file, { migrationsDir: mdir }));
      expect(err.code).toBe('MIGRATION_EDITED');
      expect(err.message).toMatch(/0004-top\.sql/);
    });

    it('does not mind an edit to a migration not yet applied', async () => {
      const mdir = join(dir, 'migrations');
      cpSync(defaultMigrationsDir, mdir, { recursive: true });
      (await openStore(file, { migrationsDir: mdir, targetVersion: 3 })).close();
      appendFileSync(join(mdir, '0004-top.sql'), '\n-- edited before it ever ran\n');
      const s = track(await openStore(file, { migrationsDir: mdir }));
      expect(s.version).toBe(LATEST);
      expect(s.db.prepare('SELECT sha256 FROM schema_migrations WHERE version = 4').pluck().get()).toBe(
        createHash('sha256').update(readFileSync(join(mdir, '0004-top.sql'))).digest('hex'),
      );
    });
  });

  describe('backup before migrating', () => {
    it('backs an existing file up with the old rows at the old version, then migrates', async () => {
      const old = await openStore(file, { targetVersion: LATEST - 1 });
      expect(old.version).toBe(LATEST - 1);
      insertPod(old.db, 'pod-top', 'RegionOne', '');
      insertPod(old.db, 'pod-1', 'Pod1', 'az1');
      old.db
        .prepare('INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run('net-top', 'net-bottom', 'pod-1', 'proj', 'network', NOW, NOW);
      old.close();

      const s = track(await openStore(file));
      expect(s.version).toBe(LATEST);
      expect(s.backupsTaken).toHaveLength(1);
      const backup = s.backupsTaken[0];
      expect(dirname(backup)).toBe(join(dir, 'backups'));
      expect(s.backupDir).toBe(join(dir, 'backups'));
      expect(basename(backup)).toMatch(new RegExp(`^crosspod-before-v${LATEST}-.*\\.db$`));
      expect(readdirSync(join(dir, 'backups'))).toEqual([basename(backup)]);

      const b = new Database(backup, { readonly: true, fileMustExist: true });
      try {
        expect(b.pragma('quick_check', { simple: true })).toBe('ok');
        expect(b.pragma('user_version', { simple: true })).toBe(LATEST - 1);
        expect(b.prepare('SELECT pod_id, region_name, az_name FROM pods ORDER BY pod_id').all()).toEqual([
          { pod_id: 'pod-1', region_name: 'Pod1', az_name: 'az1' },
          { pod_id: 'pod-top', region_name: 'RegionOne', az_name: '' },
        ]);
        expect(b.prepare('SELECT bottom_id FROM resource_routings WHERE top_id = ?').pluck().get('net-top')).toBe('net-bottom');
        expect(b.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(Array.from({ length: LATEST - 1 }, (_, i) => i + 1));
        // The backup predates the last migration (0016): it still has the redundant routing index.
        expect(b.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'routings_top_type'").pluck().get()).toBe(1);
      } finally {
        b.close();
      }
      // The migrated file kept the rows too.
      expect(s.db.prepare('SELECT COUNT(*) FROM pods').pluck().get()).toBe(2);
      expect(s.db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'networks'").pluck().get()).toBe(1);
      expect(s.db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'routings_top_type'").pluck().get()).toBe(0);
    });

    it('takes one backup for several pending migrations, into backupDir', async () => {
      (await openStore(file, { targetVersion: 1 })).close();
      const bdir = join(dir, 'elsewhere');
      const s = track(await openStore(file, { backupDir: bdir }));
      expect(s.version).toBe(LATEST);
      expect(s.backupsTaken).toHaveLength(1);
      expect(dirname(s.backupsTaken[0])).toBe(bdir);
      expect(basename(s.backupsTaken[0])).toMatch(/^crosspod-before-v2-/);
      const b = new Database(s.backupsTaken[0], { readonly: true });
      try {
        expect(b.pragma('user_version', { simple: true })).toBe(1);
      } finally {
        b.close();
      }
    });

    it('backup() takes an online backup of an open store', async () => {
      const s = track(await openStore(file));
      insertPod(s.db, 'pod-top', 'RegionOne', '');
      const path = await s.backup('manual');
      expect(basename(path)).toMatch(/^crosspod-manual-/);
      expect(statSync(path).size).toBeGreaterThan(0);
      // The store is still usable after the backup.
      insertPod(s.db, 'pod-1', 'Pod1', 'az1');
      const b = new Database(path, { readonly: true });
      try {
        expect(b.pragma('user_version', { simple: true })).toBe(LATEST);
        expect(b.prepare('SELECT region_name FROM pods').pluck().all()).toEqual(['RegionOne']);
      } finally {
        b.close();
      }
    });
  });

  describe('integrity on open', () => {
    it('refuses a file of garbage bytes with DATABASE_CORRUPT and a clear message', async () => {
      writeFileSync(file, Buffer.from('this is not a database, just some text that happens to be long enough\n'.repeat(100)));
      const err = await refusal(() => openStore(file));
      expect(err.code).toBe('DATABASE_CORRUPT');
      expect(err.status).toBe(500);
      expect(err.message).toBe(`${file} is not a SQLite database (bad header)`);
      expect(err.details).toEqual({ file });
    });

    it('refuses random binary bytes too', async () => {
      const bytes = Buffer.alloc(8192);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 251;
      writeFileSync(file, bytes);
      const err = await refusal(() => openStore(file));
      expect(err.code).toBe('DATABASE_CORRUPT');
      expect(err.message).toContain('not a SQLite database');
    });

    it('refuses a file with a SQLite header and garbage after it', async () => {
      const bytes = Buffer.alloc(4096 * 4, 0xa5);
      bytes.write('SQLite format 3\u0000', 0, 'latin1');
      writeFileSync(file, bytes);
      const err = await refusal(() => openStore(file));
      expect(err.code).toBe('DATABASE_CORRUPT');
      expect(err.message).toContain(file);
      expect(err.details).toMatchObject({ file });
    });

    async function fileWithData(): Promise<number> {
      const s = await openStore(file);
      const ins = s.db.prepare(
        'INSERT INTO audit_log (at, actor, operation, input_summary, result_code, resource_ids) VALUES (?, ?, ?, ?, ?, ?)',
      );
      s.db.transaction(() => {
        for (let i = 0; i < 3000; i++) ins.run(NOW, 'fixture', 'pods.create', JSON.stringify({ i, pad: 'x'.repeat(200) }), 'OK', '[]');
      })();
      const pageSize = s.db.pragma('page_size', { simple: true }) as number;
      s.close(); // the last connection checkpoints the WAL into the file
      expect(existsSync(`${file}-wal`)).toBe(false);
      return pageSize;
    }

    it('refuses a SQLite file whose middle pages were overwritten with garbage', async () => {
      const pageSize = await fileWithData();
      const pages = statSync(file).size / pageSize;
      expect(pages).toBeGreaterThan(100);
      const garbage = Buffer.alloc(pageSize * 8);
      for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) % 256;
      const fd = openSync(file, 'r+');
      try {
        writeSync(fd, garbage, 0, garbage.length, Math.floor(pages / 2) * pageSize);
      } finally {
        closeSync(fd);
      }
      const err = await refusal(() => openStore(file));
      expect(err.code).toBe('DATABASE_CORRUPT');
      expect(err.message).toContain(file);
      expect(err.message.startsWith(`integrity check of ${file} failed: `)).toBe(true);
      // The message names the problems, not just quick_check's "*** in database main ***" heading.
      expect(err.message).not.toContain('*** in database');
      expect(err.message.length).toBeGreaterThan(`integrity check of ${file} failed: `.length + 10);
      const details = err.details as { file: string; problems: string[] };
      expect(details.file).toBe(file);
      expect(details.problems.length).toBeGreaterThan(0);
      expect(details.problems.some((p) => p.includes('database main'))).toBe(false);
    });

    it('refuses a truncated SQLite file', async () => {
      const pageSize = await fileWithData();
      const size = statSync(file).size;
      truncateSync(file, Math.floor(size / pageSize / 2) * pageSize);
      const err = await refusal(() => openStore(file));
      expect(err.code).toBe('DATABASE_CORRUPT');
      expect(err.message).toContain(file);
    });

    it('a corrupt file does not leave the process unable to open another', async () => {
      writeFileSync(file, 'garbage');
      await refusal(() => openStore(file));
      const s = track(await openStore(join(dir, 'fine.db')));
      expect(s.version).toBe(LATEST);
    });

    it('refuses a database newer than the code with DATABASE_TOO_NEW', async () => {
      const s = await openStore(file);
      insertPod(s.db, 'pod-top', 'RegionOne', '');
      s.db.pragma(`user_version = ${LATEST + 3}`);
      s.close();
      const err = await refusal(() => openStore(file));
      expect(err.code).toBe('DATABASE_TOO_NEW');
      expect(err.status).toBe(500);
      expect(err.message).toBe(`${file} is at schema version ${LATEST + 3}, newer than this Crosspod knows (${LATEST})`);
      expect(err.details).toEqual({ file, version: LATEST + 3 });
      // Untouched: the version and the rows are as they were.
      const b = new Database(file, { readonly: true });
      try {
        expect(b.pragma('user_version', { simple: true })).toBe(LATEST + 3);
        expect(b.prepare('SELECT COUNT(*) FROM pods').pluck().get()).toBe(1);
      } finally {
        b.close();
      }
    });
  });
});
