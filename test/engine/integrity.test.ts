// The integrity check after open: createEngine returns once the header is checked and the schema
// migrated; quick_check then runs on a read-only connection in a worker thread. A corrupt file
// still gets DATABASE_CORRUPT with its problems, and then every call is refused with it.
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../main/engine';
import { checkIntegrity, openStore } from '../../main/engine/store';
import { CrosspodError } from '../../shared/errors';

describe('integrity check after open', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-integrity-'));
    file = join(dir, 'crosspod.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A file of the latest schema with 3,000 audit rows (many pages), then 8 middle pages overwritten. */
  async function corruptFile(): Promise<void> {
    const s = await openStore(file);
    const ins = s.db.prepare("INSERT INTO audit_log (at, actor, operation, input_summary, result_code, resource_ids) VALUES (?, 'fixture', 'x', ?, 'OK', '[]')");
    s.db.transaction(() => {
      for (let i = 0; i < 3000; i++) ins.run(new Date().toISOString(), JSON.stringify({ i, pad: 'x'.repeat(200) }));
    })();
    const pageSize = s.db.pragma('page_size', { simple: true }) as number;
    s.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const pages = statSync(file).size / pageSize;
    const garbage = Buffer.alloc(pageSize * 8);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) % 256;
    const fd = openSync(file, 'r+');
    try {
      writeSync(fd, garbage, 0, garbage.length, Math.floor(pages / 2) * pageSize);
    } finally {
      closeSync(fd);
    }
  }

  it('a sound file: the check runs in a worker and reports ok', async () => {
    const engine = await createEngine({ dbPath: file });
    try {
      const r = await engine.integrity();
      expect(r).toMatchObject({ file, ok: true, problems: [], ran: 'worker' });
      await engine.api['pods.create']({ region_name: 'RegionOne' });
    } finally {
      await engine.close();
    }
  });

  it('a corrupt file opens, then integrity() rejects with DATABASE_CORRUPT naming the problems', async () => {
    await corruptFile();
    const engine = await createEngine({ dbPath: file });
    try {
      const err = (await engine.integrity().then(
        () => null,
        (e: unknown) => e,
      )) as CrosspodError;
      expect(err).toBeInstanceOf(CrosspodError);
      expect(err.code).toBe('DATABASE_CORRUPT');
      expect(err.status).toBe(500);
      expect(err.message.startsWith(`integrity check of ${file} failed: `)).toBe(true);
      expect(err.message).not.toContain('*** in database');
      const details = err.details as { file: string; problems: string[] };
      expect(details.file).toBe(file);
      expect(details.problems.length).toBeGreaterThan(0);
      // From then on every call, read or write, is refused with that error: nothing more is written.
      await expect(engine.api['pods.list']({})).rejects.toBe(err);
      await expect(engine.api['pods.create']({ region_name: 'RegionOne' })).rejects.toBe(err);
      expect(await engine.idle()).toBe(undefined);
    } finally {
      await engine.close();
    }
  });

  it('a file that is not SQLite is still refused at once, by its header', async () => {
    writeFileSync(file, 'this is not a database, just some text\n'.repeat(200));
    await expect(createEngine({ dbPath: file })).rejects.toMatchObject({ code: 'DATABASE_CORRUPT', message: `${file} is not a SQLite database (bad header)` });
  });

  it('a corrupt file is checked before a migration writes to it', async () => {
    await corruptFile();
    // Back one schema version: opening must migrate, and must refuse first.
    const db = new Database(file);
    const v = db.pragma('user_version', { simple: true }) as number;
    db.pragma(`user_version = ${v - 1}`);
    db.close();
    const err = await createEngine({ dbPath: file }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'DATABASE_CORRUPT' });
    expect((err as Error).message.startsWith(`integrity check of ${file} failed: `)).toBe(true);
  });

  it('openStore: the default checks before returning; deferred leaves it to checkIntegrity()', async () => {
    await corruptFile();
    await expect(openStore(file)).rejects.toMatchObject({ code: 'DATABASE_CORRUPT' });
    const s = await openStore(file, { integrity: 'deferred' });
    try {
      const r = await s.checkIntegrity();
      expect(r).toMatchObject({ file, ok: false, ran: 'worker' });
      expect(r.problems.length).toBeGreaterThan(0);
      expect(r.problems.some((p) => p.includes('*** in database'))).toBe(false);
    } finally {
      s.close();
    }
  });

  it('checkIntegrity reports a missing file instead of throwing', async () => {
    const r = await checkIntegrity(join(dir, 'absent.db'));
    expect(r.ok).toBe(false);
    expect(r.ran).toBe('worker');
    expect(r.problems[0]).toMatch(/unable to open|does not exist|no such file/i);
  });
});
