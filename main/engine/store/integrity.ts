// The integrity check (PRAGMA quick_check) off the open's critical path: it reads every page, so
// on a 400 MiB file it costs more than the whole open. It runs on its own read-only connection
// in a worker thread; the caller decides what a failure stops (the engine refuses every call).
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { CrosspodError } from '../../../shared/errors';

export interface IntegrityReport {
  file: string;
  ok: boolean;
  /** quick_check's problems (at most 100), or why it could not run; empty when ok. */
  problems: string[];
  /** Wall time of the check. */
  ms: number;
  /** Where it ran: 'worker', or 'inline' when no worker thread could be started. */
  ran: 'worker' | 'inline';
}

/**
 * quick_check's rows → its problems. It answers "ok", or the problems (up to 100) as rows and
 * lines led by a "*** in database main ***" heading: keep the problems, drop the heading.
 */
export function problemsOf(rows: string[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    for (const line of r.split('\n')) {
      if (line !== 'ok' && line.trim() !== '' && !/^\*\*\* in database \S+ \*\*\*$/.test(line)) out.push(line);
    }
  }
  return out;
}

/** Runs quick_check on `db`; SQLite may give up part-way with SQLITE_CORRUPT: keep what it said before that. */
export function quickCheck(db: Database.Database): string[] {
  const rows: string[] = [];
  try {
    for (const r of db.prepare('PRAGMA quick_check').iterate() as Iterable<{ quick_check: string }>) rows.push(r.quick_check);
  } catch (e) {
    rows.push((e as Error).message);
  }
  return problemsOf(rows);
}

export function integrityError(file: string, problems: string[]): CrosspodError {
  const shown = problems.slice(0, 3).join('; ') + (problems.length > 3 ? ` (and ${problems.length - 3} more)` : '');
  return new CrosspodError('DATABASE_CORRUPT', `integrity check of ${file} failed: ${shown}`, { file, problems: problems.slice(0, 20) });
}

// CommonJS, evaluated in the worker: it opens the file read-only and sends back quick_check's rows.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const rows = [];
let db;
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  for (const r of db.prepare('PRAGMA quick_check').iterate()) rows.push(r.quick_check);
} catch (e) {
  rows.push(String(e && e.message || e));
} finally {
  try { db && db.close(); } catch {}
}
parentPort.postMessage(rows);
`;

// better-sqlite3 is resolved here, not in the worker: an eval'd worker resolves from the cwd.
const sqliteModule = (): string => createRequire(import.meta.url).resolve('better-sqlite3');

/** quick_check of `file` on a read-only connection in a worker thread. Never rejects. */
export function checkIntegrity(file: string, fallback?: () => string[]): Promise<IntegrityReport> {
  const t0 = performance.now();
  const report = (problems: string[], ran: IntegrityReport['ran']): IntegrityReport => ({ file, ok: problems.length === 0, problems, ms: performance.now() - t0, ran });
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, module: sqliteModule() } });
    } catch (e) {
      resolve(report(fallback ? fallback() : [`integrity check could not start: ${(e as Error).message}`], 'inline'));
      return;
    }
    let done = false;
    worker.once('message', (rows: string[]) => {
      done = true;
      resolve(report(problemsOf(rows), 'worker'));
    });
    worker.once('error', (e) => {
      if (done) return;
      done = true;
      resolve(report(fallback ? fallback() : [`integrity check failed to run: ${e.message}`], 'inline'));
    });
    worker.once('exit', (code) => {
      if (done) return;
      done = true;
      resolve(report(fallback ? fallback() : [`integrity check stopped (exit ${code})`], 'inline'));
    });
  });
}
