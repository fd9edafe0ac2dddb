// The operation runner: locks, the two ways an operation runs, its audit row and events, the
// job runner and recovery on open. The facade (index.ts) hands it each mutation as fn(op).
//
// - Fast path (every pod is a lab pod): one BEGIN IMMEDIATE around the whole operation; its
//   bottoms live in the same file, so a crash is atomic. It holds the engine lock exclusively
//   (a transaction open across awaits must not take in another operation's statements).
// - Durable path (some pod is remote): no write transaction stays open across a bottom call.
//   Statements commit as they go and the undo log (undo.ts) records how to put each row back;
//   remote calls are journaled before they are made (journal.ts). The commit is one short
//   transaction: the audit row, the commit marker, the undo log dropped. A failure runs the
//   remote compensations in reverse, then the undo log in reverse, in one transaction.
//   Operations that declare their resources (plans.ts) run beside each other when their locks
//   do not conflict; the others take the engine lock exclusively. Jobs too (jobLockPlan), up to
//   JOB_SLOTS at a time.
import { CrosspodError, toErrorBody } from '../../../shared/errors';
import type { EngineEvent } from '../../../shared/contract';
import { AuditLog, summarize } from '../audit';
import { Operation, runCompensation } from '../context';
import type { Services } from '../services';
import type { Db } from '../store';
import type { EngineSettings } from '../types';
import { Journal, recover, undoLostAnswers, type RecoveryDeps, type RecoveryReport } from './journal';
import { ENGINE, LockManager, type LockRequest } from './locks';
import { jobLockPlan } from './plans';
import type { Job } from '../../../shared/model';
import { UndoLog, opContext, type OpContext } from './undo';

/** How many jobs run at once (each through its own locks). */
const JOB_SLOTS = 4;

/** On the durable path a plan's locks go beside the engine lock held shared; null is the engine lock, exclusively. */
const besideEngine = (durable: boolean, plan: LockRequest[] | null | undefined): LockRequest[] | null =>
  durable && plan ? [{ key: ENGINE, mode: 'shared' }, ...plan] : null;

export interface RunOptions<T = unknown> {
  /** Audited (every contract mutation) or not (jobs). */
  audit?: boolean;
  /** Locks beside the shared engine lock, read from the top; none means the engine lock, exclusively. */
  plan?: () => LockRequest[] | null;
  /** Called with the audit entry's id, in the committing transaction (the undo log records by it). */
  onAudit?: (auditId: number, result: T) => void;
}

export class Operations {
  readonly locks = new LockManager();
  readonly journal: Journal;
  readonly undo: UndoLog;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly sql;
  /** Markers of operations the journal has forgotten: dropped inside the next commit. */
  private staleMarks: string[] = [];
  private readonly recoveryDeps: RecoveryDeps;
  private closed = false;
  private jobsRunning = false;
  private jobsDone: Promise<void> = Promise.resolve();
  /** Wakes the job runner while it waits on running jobs: an operation queued another. */
  private wakeJobs: (() => void) | null = null;
  /** Told after each commit (the store's WAL checkpoints watch the WAL's growth). */
  onCommit: () => void = () => undefined;

  constructor(
    private readonly db: Db,
    dbPath: string,
    private readonly w: Services,
    private readonly audit: AuditLog,
    settings: EngineSettings,
    private readonly emitEvent: (e: EngineEvent) => void,
    private readonly autoRunJobs: boolean,
  ) {
    this.journal = new Journal(`${dbPath}.oplog`, w.core.nowIso);
    this.undo = new UndoLog(db, () => (opContext.getStore()?.undoId ?? null));
    this.sql = {
      markCommit: db.prepare('INSERT INTO journal_commits (op_id, committed_at) VALUES (?, ?)'),
      dropMark: db.prepare('DELETE FROM journal_commits WHERE op_id = ?'),
      committed: db.prepare('SELECT 1 FROM journal_commits WHERE op_id = ?').pluck(),
    };
    this.recoveryDeps = {
      committed: (id) => this.sql.committed.get(id) !== undefined,
      settleMs: settings.recovery_settle_ms,
      driver: (podId) => w.core.driver(podId),
      podName: (podId) => w.pods.row(podId).region_name,
      referenced: (podId, bottomId) => w.routing.referencesBottom(podId, bottomId),
      remapRouting: (podId, oldId, newId) => w.routing.remapBottom(podId, oldId, newId),
      forgetRouting: (podId, bottomId) => w.routing.forgetBottom(podId, bottomId),
      failed: (f) => this.failJob(f.pod_id, f.label, f.action, f.error),
    };
  }

  /** Some pod is remote: mutations take the durable path. */
  remote(): boolean {
    return this.w.pods.anyRemote();
  }

  private failJob(podId: string, label: string, action: unknown, err: unknown, batch?: string): void {
    const e = toErrorBody(err);
    this.w.jobs.failedCompensation(podId, label, action, { code: e.code, message: e.message }, batch);
  }

  private emit(op: Operation): void {
    for (const [name, ids] of op.changed) this.emitEvent({ name, ids: [...ids] });
  }

  /** Runs fn once its locks are held (the engine lock, exclusively, unless told otherwise). */
  withLocks<T>(requests: LockRequest[] | null, fn: () => Promise<T>): Promise<T> {
    const p = (async () => {
      const release = await this.locks.acquire(requests ?? [{ key: ENGINE, mode: 'exclusive' }]);
      try {
        return await fn();
      } finally {
        release();
      }
    })();
    this.inflight.add(p);
    void p.then(
      () => this.inflight.delete(p),
      () => this.inflight.delete(p),
    );
    return p;
  }

  /**
   * Takes the operation's locks, then runs it (see the top of this file for the two paths). A plan
   * is read again once its locks are held: if an operation that ran first changed what it
   * touches (a re-associated floating IP), the locks are taken again for the new plan.
   */
  async execute<T>(label: string, actor: string, input: unknown, fn: (op: Operation) => Promise<T>, o: RunOptions<T> = {}): Promise<T> {
    const durable = this.remote();
    let locks = durable ? besideEngine(durable, o.plan?.()) : null;
    for (;;) {
      const again = { locks: null as LockRequest[] | null, retry: false };
      const r = await this.withLocks(locks, async () => {
        if (locks) {
          again.locks = besideEngine(durable, o.plan?.());
          const held = new Set(locks.map((l) => `${l.key}/${l.mode}`));
          if (!again.locks || again.locks.some((l) => !held.has(`${l.key}/${l.mode}`))) {
            again.retry = true;
            return undefined;
          }
        }
        return { v: await this.run(label, actor, input, fn, o, durable) };
      });
      if (r) return r.v;
      locks = again.locks;
    }
  }

  /** Runs an operation; the caller holds its locks. */
  async run<T>(label: string, actor: string, input: unknown, fn: (op: Operation) => Promise<T>, o: RunOptions<T> = {}, durable = this.remote()): Promise<T> {
    const oj = this.journal.begin(label);
    // Passed down explicitly; its drivers journal remote pods' calls (op.driver).
    const op = new Operation(oj, (podId) => this.w.core.driver(podId));
    const ctx: OpContext = { undoId: durable ? oj.id : null };
    if (durable) this.undo.install();
    const auditIt = o.audit !== false;
    const { db, w, audit } = this;
    const body = async () => {
      if (!durable) db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(op);
        ctx.undoId = null;
        const commit = () => {
          if (auditIt) {
            const auditId = audit.run(w.core.nowIso(), actor, label, summarize(input), 'OK', JSON.stringify(op.resourceIds()));
            o.onAudit?.(auditId, result);
          }
          // The commit marker goes in with the operation: recovery reads "committed" from it.
          if (oj.used) this.sql.markCommit.run(oj.id, w.core.nowIso());
          if (durable) this.undo.forget(oj.id);
          for (const id of this.staleMarks) this.sql.dropMark.run(id);
          this.staleMarks = [];
        };
        if (durable) db.transaction(commit)();
        else {
          commit();
          db.exec('COMMIT');
        }
        this.onCommit();
        if (oj.used) {
          oj.finish();
          this.staleMarks.push(oj.id);
        }
        if (auditIt) op.touch('audit.changed');
        if (op.changed.size > 0) this.emit(op);
        return result;
      } catch (e) {
        ctx.undoId = null;
        const failed: { c: (typeof op.compensations)[number]; err: unknown }[] = [];
        oj.rollingBack = true;
        for (const c of [...op.compensations].reverse()) {
          const d = w.core.driver(c.pod_id);
          // On the durable path a lab pod's bottoms are rows: the undo log puts them back.
          if (durable && d.kind === 'lab') continue;
          try {
            await runCompensation(d, c.action);
          } catch (err) {
            failed.push({ c, err });
          }
        }
        if (durable) this.undo.undo(oj.id);
        else if (db.inTransaction) db.exec('ROLLBACK');
        // Remote calls whose answer was lost may have happened: found and undone from the journal.
        // (After the rollback: what the committed routing table knows is kept.)
        const lostFailed = oj.used ? (await undoLostAnswers(this.journal, oj.id, this.recoveryDeps)).failed : 0;
        const body = toErrorBody(e);
        db.transaction(() => {
          // A compensation that failed is kept as a FAIL job: visible, and redoable.
          // One batch per operation, in the order the compensations ran (see the compensate job).
          for (const f of failed) this.failJob(f.c.pod_id, f.c.label, f.c.action, f.err, oj.id);
          if (auditIt) audit.run(w.core.nowIso(), actor, label, summarize(input), body.code, '[]');
        })();
        // Undone (or handed to FAIL jobs): nothing left for recovery.
        oj.finish();
        const after = new Operation();
        if (auditIt) after.touch('audit.changed');
        if (failed.length || lostFailed) after.touch('jobs.changed');
        this.emit(after);
        throw e;
      }
    };
    // The undo log's triggers read the operation's id from the async context (durable path only:
    // its promise hooks would slow every lab operation down).
    return durable ? opContext.run(ctx, body) : body();
  }

  // ---- jobs: run after the mutation that queued them, through the same locks ----

  /**
   * Runs the NEW jobs, oldest first, up to JOB_SLOTS at a time. Each takes its locks in that
   * order (locks.ts never lets a request overtake an earlier one it conflicts with), so jobs on
   * the same things keep their order, while a job held up by a slow pod holds up only those.
   */
  private async runJobs(): Promise<void> {
    if (this.jobsRunning || this.closed) return;
    this.jobsRunning = true;
    const started = new Map<string, Promise<void>>();
    try {
      for (;;) {
        const job = started.size < JOB_SLOTS && !this.closed ? this.w.jobs.nextNew([...started.keys()]) : undefined;
        if (job) {
          started.set(job.id, this.runJob(job).finally(() => started.delete(job.id)));
          continue;
        }
        if (started.size === 0) break;
        // A job finished, or an operation queued one (kickJobs): look again.
        const kicked = new Promise<void>((r) => (this.wakeJobs = r));
        await Promise.race([...started.values(), kicked]);
        this.wakeJobs = null;
      }
    } finally {
      this.jobsRunning = false;
    }
  }

  /** One job, through its locks; a failure is the job's FAIL status, never a rejection. */
  private async runJob(job: Job): Promise<void> {
    const { w, db } = this;
    const progress = (id: string, status: 'RUNNING' | 'SUCCESS' | 'FAIL', step: string) => this.emitEvent({ name: 'jobs.changed', ids: [id], progress: { job_id: id, status, step } });
    // On the durable path a job holds what it changes (plans.ts), beside the shared engine lock.
    const durable = this.remote();
    await this.withLocks(besideEngine(durable, durable ? jobLockPlan(job) : null), async () => {
      // Deleted (jobs.delete) or redone meanwhile: not this turn's work.
      if (this.closed || w.jobs.find(job.id)?.status !== 'NEW') return;
      db.transaction(() => w.jobs.setStatus(job.id, 'RUNNING'))();
      progress(job.id, 'RUNNING', job.type);
      const handler = w.jobs.handlers.get(job.type);
      try {
        if (!handler) throw new CrosspodError('JOB_NOT_REDOABLE', `No handler for job type ${job.type}`);
        await this.run(`job.${job.type}`, 'crosspod', job.payload, async (op) => {
          await handler(op, job.payload, job);
          w.jobs.setStatus(job.id, 'SUCCESS');
          op.touch('jobs.changed', job.id);
        }, { audit: false });
        progress(job.id, 'SUCCESS', job.type);
      } catch (e) {
        db.transaction(() => w.jobs.setStatus(job.id, 'FAIL', e))();
        progress(job.id, 'FAIL', job.type);
      }
    }).catch(() => undefined);
  }

  kickJobs(): void {
    if (!this.autoRunJobs || this.w.jobs.pendingCount() === 0) return;
    if (this.jobsRunning) this.wakeJobs?.();
    else this.jobsDone = this.jobsDone.then(() => this.runJobs());
  }

  /**
   * Recovery on open: every operation a crash interrupted is undone. Its top rows first (the
   * undo log, so the routing table is as it was when the remote steps are looked at), then its
   * remote steps from the journal (committed ones only forgotten). Interrupted jobs run again.
   */
  async recover(): Promise<RecoveryReport & { rows: number }> {
    let rows = 0;
    for (const id of this.undo.unfinished()) rows += this.undo.undo(id);
    const report = await recover(this.journal, this.recoveryDeps);
    this.db.exec('DELETE FROM journal_commits');
    if (report.committed + report.undone > 0 || rows > 0) {
      this.audit.run(this.w.core.nowIso(), 'crosspod', 'recovery', JSON.stringify(rows ? { ...report, rows } : report), report.failed ? 'PARTIAL' : 'OK', '[]');
    }
    if (this.w.jobs.recoverInterrupted() > 0 || this.w.jobs.pendingCount() > 0) this.kickJobs();
    return { ...report, rows };
  }

  /** Resolves once no operation runs or waits and no job is pending. */
  async idle(): Promise<void> {
    for (;;) {
      await Promise.allSettled([...this.inflight]);
      await this.jobsDone;
      if (this.inflight.size === 0 && !this.jobsRunning && (!this.autoRunJobs || this.w.jobs.pendingCount() === 0)) return;
      await new Promise((res) => setImmediate(res));
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
    await this.jobsDone.catch(() => undefined);
    this.closed = true;
  }

  closeJournal(): void {
    this.journal.close();
  }
}
