// Backups as the shell uses them: a bounded set taken on quit, and restore, which first takes a
// "before-restore" backup so a restore can itself be undone. No electron here.
import Database from 'better-sqlite3';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CrosspodError } from '../../shared/errors';
import { ensurePrivateFile } from '../engine/store';
import type { Engine } from '../engine/types';

export interface BackupFile {
  file: string;
  name: string;
  label: string;
  size: number;
  mtime: Date;
}

/** Backups of `dbFile` in `dir`, newest first (the store names them `<db>-<label>-<ISO stamp>.db`). */
export function listBackups(dir: string, dbFile: string): BackupFile[] {
  if (!existsSync(dir)) return [];
  const stem = basename(dbFile, '.db');
  const re = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(.+)-(\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z)\\.db$`);
  const out: (BackupFile & { stamp: string })[] = [];
  for (const name of readdirSync(dir)) {
    const m = re.exec(name);
    if (!m) continue;
    const file = join(dir, name);
    const st = statSync(file);
    if (st.isFile()) out.push({ file, name, label: m[1], stamp: m[2], size: st.size, mtime: st.mtime });
  }
  out.sort((a, b) => (a.stamp < b.stamp ? 1 : a.stamp > b.stamp ? -1 : 0));
  return out.map(({ stamp: _stamp, ...b }) => b);
}

/** Keeps the `keep` newest backups with this label; returns the files removed. */
export function pruneBackups(dir: string, dbFile: string, label: string, keep: number): string[] {
  const old = listBackups(dir, dbFile)
    .filter((b) => b.label === label)
    .slice(keep);
  for (const b of old) rmSync(b.file, { force: true });
  return old.map((b) => b.file);
}

function checkSqlite(file: string): void {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(String(check));
  } catch (e) {
    throw new CrosspodError('DATABASE_CORRUPT', `${file} is not a usable Crosspod backup: ${(e as Error).message}`, { file });
  } finally {
    db?.close();
  }
}

/** Online copy (WAL-safe) of `source` onto `dest`, through a temp file renamed into place. */
async function copyDatabase(source: string, dest: string): Promise<void> {
  const tmp = `${dest}.restoring`;
  rmSync(tmp, { force: true });
  // 0600 before SQLite writes into it: the copy is never readable by others, whatever the umask.
  ensurePrivateFile(tmp);
  const src = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await src.backup(tmp);
  } finally {
    src.close();
  }
  // A WAL left beside the old file would be replayed onto the new one.
  for (const ext of ['-wal', '-shm']) rmSync(dest + ext, { force: true });
  renameSync(tmp, dest);
}

export interface RestoreResult {
  /** Always a live engine: on the restored file, or on the previous state when that failed. */
  engine: Engine;
  /** The backup of the state just before the restore. */
  beforeRestore: string;
  /** Why the restored file could not be opened (the previous state was put back); null on success. */
  error: unknown;
}

/**
 * Closes the engine, puts `source` in place of its database and reopens through `reopen`. A
 * source that is not a healthy SQLite file is refused before anything is touched.
 */
export async function restoreBackup(engine: Engine, source: string, reopen: () => Promise<Engine>): Promise<RestoreResult> {
  const dbFile = engine.store.file;
  if (resolve(source) === resolve(dbFile)) throw new CrosspodError('BAD_REQUEST', 'cannot restore the database onto itself');
  checkSqlite(source);
  await engine.idle();
  const beforeRestore = await engine.store.backup('before-restore');
  await engine.close();
  await copyDatabase(source, dbFile);
  try {
    return { engine: await reopen(), beforeRestore, error: null };
  } catch (error) {
    await copyDatabase(beforeRestore, dbFile);
    return { engine: await reopen(), beforeRestore, error };
  }
}
