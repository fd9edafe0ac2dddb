// Backups as the shell uses them, against a real engine on a temp SQLite file.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../main/engine/index';
import type { Engine } from '../../main/engine/types';
import { listBackups, pruneBackups, restoreBackup } from '../../main/shell/backups';

let dir: string;
let dbPath: string;
let engine: Engine;
const open = () => createEngine({ dbPath });
const podNames = async (e: Engine) => (await e.call('pods.list', {})).items.map((p) => p.region_name).sort();

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crosspod-backups-'));
  dbPath = join(dir, 'crosspod.db');
  engine = await open();
  await engine.call('pods.create', { region_name: 'RegionOne' });
});

afterEach(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('restoreBackup', () => {
  it('puts the backup in place, keeps a before-restore backup and reopens', async () => {
    const saved = await engine.store.backup('manual');
    await engine.call('pods.create', { region_name: 'Pod1', az_name: 'az1' });
    expect(await podNames(engine)).toEqual(['Pod1', 'RegionOne']);

    const old = engine;
    const r = await restoreBackup(engine, saved, open);
    engine = r.engine;
    expect(r.error).toBeNull();
    expect(r.engine).not.toBe(old);
    await expect(old.call('pods.list', {})).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await podNames(engine)).toEqual(['RegionOne']);
    // The engine writes to the restored file as usual.
    await engine.call('pods.create', { region_name: 'Pod2', az_name: 'az2' });
    expect(await podNames(engine)).toEqual(['Pod2', 'RegionOne']);

    // The state just before the restore is itself a backup.
    expect(basename(r.beforeRestore)).toMatch(/^crosspod-before-restore-.*\.db$/);
    const before = new Database(r.beforeRestore, { readonly: true });
    expect((before.prepare('SELECT region_name FROM pods ORDER BY region_name').all() as { region_name: string }[]).map((p) => p.region_name)).toEqual([
      'Pod1',
      'RegionOne',
    ]);
    before.close();
    expect(listBackups(engine.store.backupDir, dbPath).map((b) => b.label).sort()).toEqual(['before-restore', 'manual']);
  });

  it('refuses a file that is not SQLite before touching anything', async () => {
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'this is not a database, just some text that is long enough to have a header');
    await expect(restoreBackup(engine, junk, open)).rejects.toMatchObject({ code: 'DATABASE_CORRUPT' });
    expect(await podNames(engine)).toEqual(['RegionOne']);
    expect(listBackups(engine.store.backupDir, dbPath)).toEqual([]);
  });

  it('refuses to restore the database onto itself', async () => {
    await expect(restoreBackup(engine, dbPath, open)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await podNames(engine)).toEqual(['RegionOne']);
  });

  it('puts the previous state back when the restored file cannot be opened', async () => {
    // A healthy SQLite file from a newer Crosspod: the store refuses it on open.
    const newer = join(dir, 'newer.db');
    const db = new Database(newer);
    db.exec('CREATE TABLE t (x INTEGER)');
    db.pragma('user_version = 999');
    db.close();
    await engine.call('pods.create', { region_name: 'Pod1', az_name: 'az1' });

    const r = await restoreBackup(engine, newer, open);
    engine = r.engine;
    expect(r.error).toMatchObject({ code: 'DATABASE_TOO_NEW' });
    expect(await podNames(engine)).toEqual(['Pod1', 'RegionOne']);
  });
});

describe('listBackups and pruneBackups', () => {
  const make = (d: string, names: string[]) => {
    mkdirSync(d, { recursive: true });
    for (const n of names) writeFileSync(join(d, n), 'x');
  };

  it('lists this database’s backups newest first and ignores other files', () => {
    const d = join(dir, 'b1');
    make(d, [
      'crosspod-quit-2025-01-01T10-00-00-000Z.db',
      'crosspod-quit-2025-03-01T10-00-00-000Z.db',
      'crosspod-before-v4-2025-02-01T10-00-00-000Z.db',
      'other-quit-2025-04-01T10-00-00-000Z.db',
      'notes.txt',
      'crosspod-quit-garbage.db',
    ]);
    expect(listBackups(d, join(dir, 'crosspod.db')).map((b) => [b.label, b.name])).toEqual([
      ['quit', 'crosspod-quit-2025-03-01T10-00-00-000Z.db'],
      ['before-v4', 'crosspod-before-v4-2025-02-01T10-00-00-000Z.db'],
      ['quit', 'crosspod-quit-2025-01-01T10-00-00-000Z.db'],
    ]);
    expect(listBackups(join(dir, 'missing'), dbPath)).toEqual([]);
  });

  it('keeps the newest N of one label and nothing else is touched', () => {
    const d = join(dir, 'b2');
    const quits = Array.from({ length: 6 }, (_, i) => `crosspod-quit-2025-01-0${i + 1}T10-00-00-000Z.db`);
    make(d, [...quits, 'crosspod-before-v2-2024-12-01T10-00-00-000Z.db', 'crosspod-before-restore-2024-12-02T10-00-00-000Z.db']);
    const removed = pruneBackups(d, dbPath, 'quit', 3);
    expect(removed.map((f) => basename(f)).sort()).toEqual(quits.slice(0, 3));
    expect(readdirSync(d).sort()).toEqual(
      [...quits.slice(3), 'crosspod-before-v2-2024-12-01T10-00-00-000Z.db', 'crosspod-before-restore-2024-12-02T10-00-00-000Z.db'].sort(),
    );
    expect(pruneBackups(d, dbPath, 'quit', 3)).toEqual([]);
  });

  it('works with the names the store gives real backups', async () => {
    const files: string[] = [];
    for (let i = 0; i < 3; i++) {
      files.push(await engine.store.backup('quit'));
      await new Promise((r) => setTimeout(r, 5)); // distinct millisecond stamps
    }
    expect(listBackups(engine.store.backupDir, dbPath).map((b) => b.file)).toEqual([...files].reverse());
    pruneBackups(engine.store.backupDir, dbPath, 'quit', 1);
    expect(existsSync(files[2])).toBe(true);
    expect(existsSync(files[0]) || existsSync(files[1])).toBe(false);
  });
});
