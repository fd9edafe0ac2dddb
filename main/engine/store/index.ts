// Opens the one SQLite file that holds the engine's state: WAL, foreign keys, a busy timeout,
// STRICT tables, numbered migrations tracked by PRAGMA user_version plus a hash of each file.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CrosspodError } from '../../../shared/errors';
import { ensurePrivateDir, ensurePrivateFile, tightenFiles } from './files';
import { Checkpoints } from './checkpoints';
import { checkIntegrity, integrityError, quickCheck, type IntegrityReport } from './integrity';

export { checkIntegrity, integrityError, type IntegrityReport } from './integrity';
export { DIR_MODE, ensurePrivateDir, ensurePrivateFile, FILE_MODE, tightenFiles } from './files';

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
  /**
   * 'open' (the default): quick_check before open returns, refusing a corrupt file with
   * DATABASE_CORRUPT. 'deferred': only the header is checked on open (and the whole file before
   * a migration writes to it); the caller runs `checkIntegrity()` right after, off the critical
   * path (the engine does).
   */
  integrity?: 'open' | 'deferred';
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
  /** quick_check on a read-only connection in a worker thread; resolves with the report, never rejects. */
  checkIntegrity(): Promise<IntegrityReport>;
  /** WAL checkpoints in a worker thread (none on a read-only store); stopped by close(). */
  checkpoints: Checkpoints | null;
  /** Closes the file; await `checkpoints.stop()` first to be sure the worker has let go of it. */
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
  const readonly = opts.readonly ?? false;
  if (!readonly) {
    ensurePrivateDir(dirname(file));
    // Created 0600 before SQLite opens it: SQLite gives -wal and -shm the main file's mode.
    ensurePrivateFile(file);
  }
  const db = openDatabase(file, readonly);
  const backupDir = opts.backupDir ?? join(dirname(file), 'backups');
  const backupsTaken: string[] = [];

  const backup = async (label = 'manual'): Promise<string> => {
    ensurePrivateDir(backupDir);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const dest = join(backupDir, `${basename(file, '.db')}-${label}-${stamp}.db`);
    // The copy is written into a file that is already 0600, so it is never readable by others.
    ensurePrivateFile(dest);
    await db.backup(dest);
    tightenFiles(dest);
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

    // Files left by an older Crosspod (or made before this one) may be 0644.
    if (!readonly) tightenFiles(file, `${file}-wal`, `${file}-shm`);
    const deferred = opts.integrity === 'deferred';
    if (!deferred) {
      const problems = quickCheck(db);
      if (problems.length > 0) throw integrityError(file, problems);
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
    if (pending.length > 0 && version > 0) {
      // A migration writes to the file: never to a corrupt one, even when the check is deferred.
      if (deferred) {
        const problems = quickCheck(db);
        if (problems.length > 0) throw integrityError(file, problems);
      }
      backupsTaken.push(await backup(`before-v${pending[0].version}`));
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES (?, ?, ?, ?)');
    for (const m of pending) {
      db.transaction(() => {
        db.exec(m.sql);
        record.run(m.version, m.name, m.sha256, new Date().toISOString());
        db.pragma(`user_version = ${m.version}`);
      })();
      version = m.version;
    }

    const checkpoints = readonly ? null : new Checkpoints(file, db);
    return {
      db,
      file,
      get version() {
        return db.pragma('user_version', { simple: true }) as number;
      },
      backupDir,
      backupsTaken,
      backup,
      checkIntegrity: () => checkIntegrity(file, () => quickCheck(db)),
      checkpoints,
      close: () => {
        void checkpoints?.stop();
        db.close();
      },
    };
  } catch (e) {
    db.close();
    if (e instanceof CrosspodError) throw e;
    throw new CrosspodError('DATABASE_CORRUPT', `cannot use ${file}: ${(e as Error).message}`, { file });
  }
}
