// Persisted async jobs (reference §9 with the 13f3f31 reliability fix): the caller inserts the
// NEW job inside its own transaction, so a committed operation never loses its follow-up work.
// Jobs are coalesced per (type, resource): a NEW job already waiting absorbs a newer request.
import type { Job, JobStatus } from '../../../shared/model';
import { CrosspodError, toErrorBody } from '../../../shared/errors';
import { json, uuid, type Operation } from '../context';
import type { Db } from '../store';

interface JobRow {
  id: string;
  type: string;
  resource_id: string;
  project_id: string | null;
  status: JobStatus;
  timestamp: string;
  attempts: number;
  error: string | null;
  payload: string;
}

export type JobHandler = (op: Operation, payload: Record<string, unknown>, job: Job) => Promise<void>;

export function toJob(r: JobRow): Job {
  return {
    id: r.id,
    type: r.type,
    resource_id: r.resource_id,
    project_id: r.project_id,
    status: r.status,
    timestamp: r.timestamp,
    attempts: r.attempts,
    error: json(r.error, null),
    payload: json(r.payload, {}),
  };
}

export class JobQueue {
  private readonly q;
  readonly handlers = new Map<string, JobHandler>();

  constructor(
    db: Db,
    private readonly nowIso: () => string,
  ) {
    this.q = {
      get: db.prepare('SELECT * FROM async_jobs WHERE id = ?'),
      delete: db.prepare("DELETE FROM async_jobs WHERE id = ? AND status IN ('NEW', 'FAIL')"),
      waiting: db.prepare("SELECT * FROM async_jobs WHERE type = ? AND resource_id = ? AND status = 'NEW' LIMIT 1"),
      insert: db.prepare(
        'INSERT INTO async_jobs (id, type, resource_id, project_id, status, timestamp, attempts, error, payload) VALUES (?, ?, ?, ?, ?, ?, 0, NULL, ?)',
      ),
      insertFailed: db.prepare(
        "INSERT INTO async_jobs (id, type, resource_id, project_id, status, timestamp, attempts, error, payload) VALUES (?, 'compensate', ?, NULL, 'FAIL', ?, 1, ?, ?)",
      ),
      touch: db.prepare('UPDATE async_jobs SET timestamp = ?, payload = ? WHERE id = ?'),
      next: db.prepare("SELECT * FROM async_jobs WHERE status = 'NEW' ORDER BY timestamp, rowid LIMIT 1"),
      nextN: db.prepare("SELECT * FROM async_jobs WHERE status = 'NEW' ORDER BY timestamp, rowid LIMIT ?"),
      setStatus: db.prepare('UPDATE async_jobs SET status = ?, error = ?, timestamp = ?, attempts = attempts + ? WHERE id = ?'),
      stale: db.prepare("UPDATE async_jobs SET status = 'NEW' WHERE status = 'RUNNING'"),
      pending: db.prepare("SELECT COUNT(*) AS n FROM async_jobs WHERE status = 'NEW'"),
      earlierInBatch: db.prepare(
        "SELECT * FROM async_jobs WHERE type = 'compensate' AND status IN ('NEW', 'FAIL') AND json_extract(payload, '$.batch') = ? AND rowid < (SELECT rowid FROM async_jobs WHERE id = ?) ORDER BY rowid",
      ),
      pruneOld: db.prepare("DELETE FROM async_jobs WHERE rowid IN (SELECT rowid FROM async_jobs WHERE status = 'SUCCESS' AND timestamp < ? LIMIT ?)"),
      pruneExtra: db.prepare(
        "DELETE FROM async_jobs WHERE rowid IN (SELECT rowid FROM async_jobs WHERE status = 'SUCCESS' ORDER BY timestamp DESC, rowid DESC LIMIT ? OFFSET ?)",
      ),
    };
  }

  /** Records a NEW job (inside the caller's transaction); coalesces with one already waiting. */
  /** A compensation that failed (rollback or recovery): a FAIL compensate job, visible and redoable. */
  failedCompensation(podId: string, label: string, action: unknown, error: { code: string; message: string }, batch?: string): void {
    this.q.insertFailed.run(crypto.randomUUID(), `${podId}#${label}`, this.nowIso(), JSON.stringify(error), JSON.stringify({ pod_id: podId, action, label, ...(batch ? { batch } : {}) }));
  }

  /**
   * The compensations of the same failed operation recorded before this one and not yet done, in
   * the order they must run (the undo order: a port before the security group it uses).
   */
  earlierInBatch(job: Job): Job[] {
    const batch = job.payload.batch;
    if (typeof batch !== 'string') return [];
    return (this.q.earlierInBatch.all(batch, job.id) as JobRow[]).map(toJob);
  }

  enqueue(type: string, resourceId: string, projectId: string | null, payload: Record<string, unknown>): string {
    const waiting = this.q.waiting.get(type, resourceId) as JobRow | undefined;
    if (waiting) {
      this.q.touch.run(this.nowIso(), JSON.stringify(payload), waiting.id);
      return waiting.id;
    }
    const id = uuid();
    this.q.insert.run(id, type, resourceId, projectId, 'NEW', this.nowIso(), JSON.stringify(payload));
    return id;
  }

  get(id: string): Job {
    const r = this.q.get.get(id) as JobRow | undefined;
    if (!r) throw new CrosspodError('NOT_FOUND', `Could not find job: ${id}`, { id });
    return toJob(r);
  }

  next(): Job | undefined {
    const r = this.q.next.get() as JobRow | undefined;
    return r && toJob(r);
  }

  /** The oldest NEW job whose id is not in `started` (jobs already started, waiting for locks). */
  nextNew(started: string[]): Job | undefined {
    if (started.length === 0) return this.next();
    const skip = new Set(started);
    const r = (this.q.nextN.all(started.length + 1) as JobRow[]).find((j) => !skip.has(j.id));
    return r && toJob(r);
  }

  pendingCount(): number {
    return (this.q.pending.get() as { n: number }).n;
  }

  setStatus(id: string, status: JobStatus, error?: unknown): void {
    const err = error === undefined ? null : JSON.stringify((({ code, message }) => ({ code, message }))(toErrorBody(error)));
    this.q.setStatus.run(status, err, this.nowIso(), status === 'RUNNING' ? 1 : 0, id);
  }

  /** After a crash, RUNNING jobs were interrupted: run them again (handlers are idempotent). */
  recoverInterrupted(): number {
    return this.q.stale.run().changes;
  }

  /**
   * Retention for finished jobs: SUCCESS jobs older than `before` or beyond the `keep` newest go
   * (at most `batch` of each). FAIL jobs stay whatever their age: each one is a bottom step that
   * did not happen (a leak, or work to redo), and dropping it would hide that.
   */
  pruneFinished(before: string | null, keep: number | null, batch: number): number {
    let n = 0;
    if (before !== null) n += this.q.pruneOld.run(before, batch).changes;
    if (keep !== null) n += this.q.pruneExtra.run(batch, keep).changes;
    return n;
  }

  /** The job, or undefined once deleted (the runner checks before it starts one). */
  find(id: string): Job | undefined {
    const r = this.q.get.get(id) as JobRow | undefined;
    return r && toJob(r);
  }

  /** Deletes a NEW or FAIL job; a RUNNING one is being done and a SUCCESS one is the log (§11.2). */
  delete(id: string): void {
    const j = this.get(id);
    if (j.status === 'RUNNING' || j.status === 'SUCCESS') {
      throw new CrosspodError('JOB_NOT_DELETABLE', j.status === 'RUNNING' ? `Failed to delete the running job ${id}` : `Job ${id} is from job log: it succeeded`, { status: j.status });
    }
    this.q.delete.run(id);
  }

  /** Redo a FAIL job (§9: failed jobs can be redone). */
  redo(id: string): Job {
    const j = this.get(id);
    if (j.status !== 'FAIL') throw new CrosspodError('JOB_NOT_REDOABLE', `Job ${id} is ${j.status}; only FAIL jobs can be redone`, { status: j.status });
    if (!this.handlers.has(j.type)) throw new CrosspodError('JOB_NOT_REDOABLE', `No handler for job type ${j.type}`);
    this.q.setStatus.run('NEW', j.error ? JSON.stringify(j.error) : null, this.nowIso(), 0, id);
    return this.get(id);
  }
}
