// WAL checkpoints off the writer's path. SQLite's automatic checkpoint runs inside whichever
// COMMIT pushes the WAL past 1,000 pages, and fsyncs the database file there: at about 50 pages
// per operation, one operation in twenty paid several milliseconds for it (a third of the lab
// cycle's time). Here the engine's connection checkpoints on its own only past a much larger WAL
// (a safety net), and a worker thread with its own connection runs PASSIVE checkpoints, which
// never take the write lock, whenever the WAL has grown past CHECKPOINT_PAGES.
import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The WAL size (in 4 KiB pages) past which the worker checkpoints: SQLite's own default. */
export const CHECKPOINT_PAGES = 1000;
/** The writer's own automatic checkpoint, kept as a safety net if the worker cannot keep up. */
export const SAFETY_NET_PAGES = 4_000;
const POLL_MS = 50;

// CommonJS, evaluated in the worker: its own connection and timer. A PASSIVE checkpoint with
// nothing new in the WAL returns at once, without a sync, so it simply runs every pollMs.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const stats = new Int32Array(workerData.stats);
const timer = setInterval(() => {
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    if (r.busy === 0) Atomics.add(stats, 0, 1);
  } catch {
    Atomics.add(stats, 1, 1);
  }
}, workerData.pollMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.close(); } finally { parentPort.close(); }
});
`;

/** Watches one database's WAL and checkpoints it in a worker; `stop()` before the file is closed. */
export class Checkpoints {
  private worker?: Worker;
  private stopped = false;
  private commits = 0;
  private readonly shared = new SharedArrayBuffer(8);
  private readonly counters = new Int32Array(this.shared);

  constructor(
    private readonly file: string,
    db: Database.Database,
  ) {
    db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
  }

  /** Checkpoints the worker ran, and the ones that failed. */
  get stats(): { runs: number; failed: number; worker: boolean } {
    return { runs: Atomics.load(this.counters, 0), failed: Atomics.load(this.counters, 1), worker: this.worker !== undefined };
  }

  /**
   * Called after each commit. Every 32nd looks at the WAL's size; the worker starts once it has
   * reached CHECKPOINT_PAGES, so small engines (tests, fresh labs) never start a thread.
   */
  noteCommit(): void {
    if (this.worker || this.stopped || ++this.commits % 32 !== 0) return;
    let pages = 0;
    try {
      pages = statSync(`${this.file}-wal`).size / 4096;
    } catch {
      return;
    }
    if (pages < CHECKPOINT_PAGES) return;
    try {
      this.worker = this.start();
    } catch {
      this.stopped = true; // no worker thread: the writer's own safety-net checkpoint bounds the WAL
    }
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // better-sqlite3 is resolved here: an eval'd worker resolves modules from the cwd.
      workerData: { file: this.file, module: createRequire(import.meta.url).resolve('better-sqlite3'), stats: this.shared, pollMs: POLL_MS },
    });
    worker.unref();
    const gone = () => {
      if (this.worker === worker) this.worker = undefined;
    };
    worker.on('error', gone);
    worker.on('exit', gone);
    return worker;
  }

  /** Stops the worker and closes its connection; resolves once the thread has exited. */
  stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return Promise.resolve();
    return new Promise<void>((resolve) => {
      worker.ref(); // an unref'd thread would let the process exit before it has closed the file
      worker.once('exit', () => resolve());
      worker.postMessage('close');
    });
  }
}
