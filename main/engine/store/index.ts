// Opens the one SQLite file that holds the engine's state: WAL, foreign keys, a busy timeout,
// STRICT tables, numbered migrations tracked by PRAGMA user_version plus a hash of each file.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CrosspodError } from '../../../shared/errors';

export type Db = Database.Database;

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  sha256: string;
}

export interface OpenOptions {
  /** Stop migrating at this version (migration tests open a file at an older schema). */
  targetVersion?: number;
  /** Where the NNNN-name.sql files are; defaults to ./migrations beside this file. */
  migrationsDir?: string;
  /** Where pre-migration backups go; defaults to `<db dir>/backups`. */
  backupDir?: string;
  readonly?: boolean;
}

export interface Store {
  db: Db;
  file: string;
  version: number;
  backupDir: string;
  /** Backups taken while opening (one before any migration of an existing file). */
  backupsTaken: string[];
  /** Online backup with better-sqlite3's backup(); returns the backup's path. */
  backup(label?: string): Promise<string>;
  close(): void;
}

export const defaultMigrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export function loadMigrations(dir = defaultMigrationsDir): Migration[] {
  const out: Migration[] = [];
  for (const f of readdirSync(dir).sort()) {
    const m = /^(\d{4})-([a-z0-9-]+)\.sql$/.exec(f);
    if (!m) continue;
    const sql = readFileSync(join(dir, f), 'utf8');
    out.push({
      version: Number(m[1]),
      name: m[2],
      file: f,
      sql,
      sha256: createHash('sha256').update(sql).digest('hex'),
    });
  }
  out.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 0001, 0002, … without gaps: ${m.file}`);
  });
  return out;
}

function openDatabase(file: string, readonly: boolean): Db {
  if (existsSync(file) && statSync(file).size > 0) {
    // A file that is not SQLite must give a clear error, not a crash deep in a query.
    const head = Buffer.alloc(16);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, head, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
    if (head.toString('latin1') !== 'SQLite format 3\u0000') {
      throw new CrosspodError('DATABASE_CORRUPT', `${file} is not a SQLite database (bad header)`, { file });
    }
  }
  try {
    return new Database(file, { readonly, fileMustExist: readonly });
  } catch (e) {
    throw new CrosspodError('DATABASE_CORRUPT', `cannot open ${file}: ${(e as Error).message}`, { file });
  }
}

export async function openStore(file: string, opts: OpenOptions = {}): Promise<Store> {
  mkdirSync(dirname(file), { recursive: true });
  const db = openDatabase(file, opts.readonly ?? false);
  const backupDir = opts.backupDir ?? join(dirname(file), 'backups');
  const backupsTaken: string[] = [];

  const backup = async (label = 'manual'): Promise<string> => {
    mkdirSync(backupDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const dest = join(backupDir, `${basename(file, '.db')}-${label}-${stamp}.db`);
    await db.backup(dest);
    return dest;
  };

  try {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process kill (SIGKILL); only power loss can drop the tail.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Savepoint journals in memory: every nested step of an operation is a savepoint.
    db.pragma('temp_store = MEMORY');

    // quick_check returns the problems (up to 100) as rows and lines, led by a
    // "*** in database main ***" heading: read them all, or the message names no problem.
    // SQLite may also give up part-way with SQLITE_CORRUPT: keep what it said before that.
    const problems: string[] = [];
    try {
      for (const r of db.prepare('PRAGMA quick_check').iterate() as Iterable<{ quick_check: string }>) {
        for (const line of r.quick_check.split('\n')) {
          if (line !== 'ok' && line.trim() !== '' && !/^\*\*\* in database \S+ \*\*\*$/.test(line)) problems.push(line);
        }
      }
    } catch (e) {
      problems.push((e as Error).message);
    }
    if (problems.length > 0) {
      const shown = problems.slice(0, 3).join('; ') + (problems.length > 3 ? ` (and ${problems.length - 3} more)` : '');
      throw new CrosspodError('DATABASE_CORRUPT', `integrity check of ${file} failed: ${shown}`, { file, problems: problems.slice(0, 20) });
    }

    const migrations = loadMigrations(opts.migrationsDir);
    const target = opts.targetVersion ?? migrations.length;
    let version = db.pragma('user_version', { simple: true }) as number;
    if (version > migrations.length) {
      throw new CrosspodError(
        'DATABASE_TOO_NEW',
        `${file} is at schema version ${version}, newer than this Crosspod knows (${migrations.length})`,
        { file, version },
      );
    }

    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL
    ) STRICT`);
    const applied = db.prepare('SELECT version, name, sha256 FROM schema_migrations ORDER BY version').all() as {
      version: number;
      name: string;
      sha256: string;
    }[];
    for (const row of applied) {
      const m = migrations[row.version - 1];
      if (m && m.sha256 !== row.sha256) {
        throw new CrosspodError(
          'MIGRATION_EDITED',
          `migration ${m.file} was edited after it was applied to ${file}; restore the original file`,
          { migration: m.file, applied_sha256: row.sha256, file_sha256: m.sha256 },
        );
      }
    }

    const pending = migrations.filter((m) => m.version > version && m.version <= target);
    if (pending.length > 0 && version > 0) backupsTaken.push(await backup(`before-v${pending[0].version}`));
    const record = db.prepare('INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)');
    for (const m of pending) {
      db.transaction(() => {
        db.exec(m.sql);
        record.run(m.version, m.name, m.sha256, new Date().toISOString());
        db.pragma(`user_version = ${m.version}`);
      })();
      version = m.version;
    }

    return {
      db,
      file,
      get version() {
        return db.pragma('user_version', { simple: true }) as number;
      },
      backupDir,
      backupsTaken,
      backup,
      close: () => db.close(),
    };
  } catch (e) {
    db.close();
    if (e instanceof CrosspodError) throw e;
    throw new CrosspodError('DATABASE_CORRUPT', `cannot use ${file}: ${(e as Error).message}`, { file });
  }
}
