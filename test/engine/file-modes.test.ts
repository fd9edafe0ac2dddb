// The database, its -wal and -shm, backups and the folders Crosspod makes are owner-only (0600 /
// 0700) whatever the umask; files left 0644 by an older version are tightened on open.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../main/engine';
import { ensurePrivateDir, openStore } from '../../main/engine/store';
import { restoreBackup } from '../../main/shell/backups';

const mode = (f: string) => statSync(f).mode & 0o777;

describe.each([0o022, 0o000, 0o002])('file modes under umask %o', (umask) => {
  let dir: string;
  let saved: number;
  beforeEach(() => {
    saved = process.umask(umask);
    dir = mkdtempSync(join(tmpdir(), 'crosspod-modes-'));
  });
  afterEach(() => {
    process.umask(saved);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a new database, its -wal and -shm, and the folders it creates are owner-only', async () => {
    const data = join(dir, 'nested', 'crosspod');
    const file = join(data, 'crosspod.db');
    const engine = await createEngine({ dbPath: file });
    try {
      await engine.api['pods.create']({ region_name: 'RegionOne' });
      expect(existsSync(`${file}-wal`)).toBe(true);
      expect(existsSync(`${file}-shm`)).toBe(true);
      expect([mode(file), mode(`${file}-wal`), mode(`${file}-shm`)]).toEqual([0o600, 0o600, 0o600]);
      expect([mode(data), mode(join(dir, 'nested'))]).toEqual([0o700, 0o700]);
      const backup = await engine.store.backup('manual');
      expect(mode(backup)).toBe(0o600);
      expect(mode(engine.store.backupDir)).toBe(0o700);
    } finally {
      await engine.close();
    }
  });

  it('tightens a database and WAL left 0644 by an older version; leaves a folder it did not make', async () => {
    const file = join(dir, 'old.db');
    const s = await openStore(file);
    s.db.exec('CREATE TABLE t (x)');
    s.close();
    writeFileSync(`${file}-wal`, '');
    chmodSync(file, 0o644);
    chmodSync(`${file}-wal`, 0o644);
    chmodSync(dir, 0o755);
    const again = await openStore(file);
    try {
      expect([mode(file), mode(`${file}-wal`)]).toEqual([0o600, 0o600]);
      // The folder was there already (a --db the user chose): not ours to change.
      expect(mode(dir)).toBe(0o755);
    } finally {
      again.close();
    }
  });

  it('tightens Crosspod’s own data folder when asked', () => {
    const data = join(dir, 'crosspod');
    mkdirSync(data, { mode: 0o755 });
    chmodSync(data, 0o755);
    ensurePrivateDir(data, true);
    expect(mode(data)).toBe(0o700);
  });

  it('a restore keeps the database 0600', async () => {
    const file = join(dir, 'crosspod.db');
    const open = () => createEngine({ dbPath: file });
    const engine = await open();
    await engine.api['pods.create']({ region_name: 'RegionOne' });
    const b = await engine.store.backup('manual');
    const r = await restoreBackup(engine, b, open);
    try {
      expect(r.error).toBe(null);
      expect(mode(file)).toBe(0o600);
      expect(mode(r.beforeRestore)).toBe(0o600);
    } finally {
      await r.engine.close();
    }
  });
});
