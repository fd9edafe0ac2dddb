// The database, its -wal and -shm, and backups hold every secret's ciphertext and the whole
// estate: owner-only (0600), in owner-only folders (0700), whatever the process umask.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;
const onPosix = process.platform !== 'win32';

/**
 * Creates `dir` (and missing parents) owner-only. A folder that already exists is left as it is:
 * it may be one the user chose for other files too (--db /srv/x.db) — unless `own` says the
 * folder is Crosspod's own (its data folder), which is then tightened to 0700.
 */
export function ensurePrivateDir(dir: string, own = false): void {
  const existed = existsSync(dir);
  if (!existed) {
    // mkdir's mode goes through the umask; the chmod below does not.
    const first = mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    if (onPosix && first !== undefined) {
      // Every folder this call created, from the deepest up to the first.
      for (let d = dir; ; d = dirname(d)) {
        chmodSync(d, DIR_MODE);
        if (d === first || dirname(d) === d) break;
      }
    }
  } else if (own && onPosix) chmodSync(dir, DIR_MODE);
}

/** Creates `file` empty if absent, and makes it 0600 either way (SQLite then gives -wal/-shm the same mode). */
export function ensurePrivateFile(file: string): void {
  if (!onPosix) return;
  if (!existsSync(file)) closeSync(openSync(file, 'a', FILE_MODE));
  chmodSync(file, FILE_MODE);
}

/** 0600 on whichever of `files` exist. */
export function tightenFiles(...files: string[]): void {
  if (!onPosix) return;
  for (const f of files) {
    try {
      chmodSync(f, FILE_MODE);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}
