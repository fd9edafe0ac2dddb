// WAL checkpoints in a worker thread: the writer's own automatic checkpoint is only a safety net,
// the worker starts once the WAL is large, copies it into the database without blocking the
// writer, and lets go of the file before the store closes it.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../main/engine/store';
import { CHECKPOINT_PAGES, SAFETY_NET_PAGES } from '../../main/engine/store/checkpoints';
import { createEngine } from '../../main/engine';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'crosspod-ckpt-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!ok()) throw new Error(`never happened: ${what}`);
};

/** Writes `commits` transactions of 8 KiB each (two or three WAL pages), telling the store each time. */
function write(store: Store, commits: number, from = 0): void {
  store.db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB NOT NULL) STRICT');
  const insert = store.db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  for (let i = from; i < from + commits; i++) {
    store.db.transaction(() => insert.run(i, Buffer.alloc(8192, i % 251)))();
    store.checkpoints!.noteCommit();
  }
}

describe('WAL checkpoints', () => {
  it('the writer checkpoints on its own only past the safety net', async () => {
    const store = await openStore(join(tempDir(), 'a.db'));
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_NET_PAGES);
    expect(SAFETY_NET_PAGES).toBeGreaterThan(CHECKPOINT_PAGES);
    store.close();
  });

  it('a small WAL never starts a worker', async () => {
    const store = await openStore(join(tempDir(), 'b.db'));
    write(store, 100);
    expect(store.checkpoints!.stats).toEqual({ runs: 0, failed: 0, worker: false });
    await store.checkpoints!.stop();
    store.close();
  });

  it('a large WAL starts the worker, which copies it into the database; stop() lets go of the file', async () => {
    const file = join(tempDir(), 'c.db');
    const store = await openStore(file);
    write(store, 600); // about 1,500 pages: past CHECKPOINT_PAGES
    expect(statSync(`${file}-wal`).size / 4096).toBeGreaterThan(CHECKPOINT_PAGES);
    expect(store.checkpoints!.stats.worker).toBe(true);
    await until('a checkpoint in the worker', () => store.checkpoints!.stats.runs > 0);
    // Once the worker has caught up, everything in the WAL is in the database file: a PASSIVE
    // checkpoint on the writer's connection finds nothing left to copy.
    await until('the WAL fully copied', () => {
      const [r] = store.db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      return r.busy === 0 && r.log === r.checkpointed;
    });
    // The next write starts the WAL again from its beginning: it no longer grows.
    const size = statSync(`${file}-wal`).size;
    write(store, 50, 600);
    expect(statSync(`${file}-wal`).size).toBe(size);
    await store.checkpoints!.stop();
    expect(store.checkpoints!.stats.worker).toBe(false);
    expect(store.checkpoints!.stats.failed).toBe(0);
    store.close();
    // Every row is there, read back on a fresh connection.
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n, sum(length(v)) AS bytes FROM t').get()).toEqual({ n: 650, bytes: 650 * 8192 });
    db.close();
  });

  it('a read-only store has no checkpoints', async () => {
    const file = join(tempDir(), 'd.db');
    (await openStore(file)).close();
    const ro = await openStore(file, { readonly: true });
    expect(ro.checkpoints).toBeNull();
    ro.close();
  });

  it("the engine's commits reach the checkpoints, and close waits for the worker", async () => {
    const dir = tempDir();
    const engine = await createEngine({ dbPath: join(dir, 'e.db') });
    await engine.api['lab.loadExample']({});
    await engine.idle();
    const fip = await engine.api['fips.get']({ id: (await engine.api['fips.list']({})).items[0].id });
    const port = fip.port_id!;
    await engine.api['fips.disassociate']({ id: fip.id });
    // Enough cycles to pass CHECKPOINT_PAGES (each operation writes dozens of pages).
    for (let i = 0; i < 40 && !engine.store.checkpoints!.stats.worker; i++) {
      await engine.api['fips.associate']({ id: fip.id, port_id: port });
      await engine.api['fips.disassociate']({ id: fip.id });
    }
    expect(engine.store.checkpoints!.stats.worker).toBe(true);
    await until('a checkpoint in the worker', () => engine.store.checkpoints!.stats.runs > 0);
    await engine.close();
    expect(engine.store.checkpoints!.stats.worker).toBe(false);
  });
});
