// createEngine: the facade the contract binds to. It builds the services, combines the domains'
// handler apps (pods/handlers.ts, network/handlers.ts, l3/handlers.ts, ...) and runs each
// mutation through the runner with its own Operation. Mutations run one at a time in one SQLite
// transaction each; bottom steps register compensations that run, in reverse, if the operation
// fails. Steps on remote (neutron) pods are also journaled, so that recovery on open can undo
// those of an operation a crash interrupted (runtime/journal.ts). Reads use a second
// connection, so they never see a half-done mutation.
import Database from 'better-sqlite3';
import { ZodError } from 'zod';
import { contract, isMethod, methods, type Api, type EngineEvent, type EventName, type Method, type Output, type ParsedInput } from '../../shared/contract';
import { CrosspodError, toErrorBody } from '../../shared/errors';
import type { NeutronDriverConfig } from '../../shared/model';
import { Operation, json, runCompensation, type Core } from './context';
import type { PodDriver } from './drivers/driver';
import { createLabDriver } from './drivers/lab';
import { createNeutronDriver } from './drivers/neutron';
import { Ipam, PrefixPool, VlanPool } from './ipam';
import { JobQueue } from './jobs';
import { jobsApp, registerHandlers } from './jobs/handlers';
import { BridgeService } from './l3/bridge';
import { FipService } from './l3/fips';
import { RouterService } from './l3/routers';
import { NetworkService } from './network';
import { TopStore } from './network/top';
import { PodRegistry } from './pods';
import { Quotas } from './quotas';
import { RoutingTable } from './routing';
import type { Services } from './services';
import { openStore, integrityError, type Db } from './store';
import { AuditLog, PRUNE_BATCH, summarize } from './audit';
import { Journal, recover, undoLostAnswers, type RecoveryDeps } from './runtime/journal';
import { defaultSettings, type Engine, type EngineOptions, type EngineSettings, type PodDescriptor } from './types';
import { Doctor } from './doctor';
import { TopologyService } from './topology';
import { combine, type EngineServices, type HandlerContext, type Handlers } from './app';
import { auditApp } from './audit/handlers';
import { doctorApp } from './doctor/handlers';
import { l3App } from './l3/handlers';
import { labApp } from './lab';
import { networkApp } from './network/handlers';
import { podsApp } from './pods/handlers';
import { quotasApp } from './quotas/handlers';
import { routingApp } from './routing/handlers';
import { topologyApp } from './topology/handlers';

export type { Engine, EngineOptions } from './types';

/**
 * A pod's password may also come from the environment instead of the sealed store:
 * CROSSPOD_PASSWORD_<REGION> with the region name upper-cased and other characters as `_`.
 */
export function passwordFromEnv(region: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[`CROSSPOD_PASSWORD_${region.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] || undefined;
}

/** One set of services over one connection (the writer, or the reader). */
function buildServices(db: Db, settings: EngineSettings, opts: EngineOptions, drivers: Map<string, PodDriver>): EngineServices {
  const now = opts.now ?? (() => new Date());
  const pods = new PodRegistry(db, () => now().toISOString(), opts.secrets);
  const baseDriver = (p: PodDescriptor): PodDriver => {
    if (p.driver === 'neutron') {
      const cfg = p.driver_config as NeutronDriverConfig;
      return createNeutronDriver({ ...cfg, password: p.password, region_name: p.region_name });
    }
    return createLabDriver(db, p.pod_id);
  };
  const core: Core = {
    db,
    settings,
    ipam: new Ipam(db),
    prefixes: new PrefixPool(db),
    vlans: new VlanPool(db),
    now,
    nowIso: () => now().toISOString(),
    driver(podId: string): PodDriver {
      let d = drivers.get(podId);
      if (!d) {
        const row = pods.row(podId);
        if (row.az_name === '') throw new CrosspodError('INVALID_INPUT', `The top pod ${row.region_name} has no bottom driver`);
        const password = row.driver === 'neutron' ? (pods.password(podId) ?? passwordFromEnv(row.region_name)) : undefined;
        const desc: PodDescriptor = { pod_id: row.pod_id, region_name: row.region_name, driver: row.driver, driver_config: json(row.driver_config, null), password };
        d = opts.driverFactory ? opts.driverFactory(desc, baseDriver) : baseDriver(desc);
        drivers.set(podId, d);
      }
      return d;
    },
  };
  const top = new TopStore(db);
  const routing = new RoutingTable(db, now, settings.routing_expire_seconds);
  const quotas = new Quotas(db, settings.quota_defaults);
  const jobs = new JobQueue(db, core.nowIso);
  const s: Services = { core, top, routing, pods, quotas, jobs };
  const network = new NetworkService(s);
  const bridges = new BridgeService(s, network);
  const routers = new RouterService(s, network, bridges);
  const fips = new FipService(s, network, bridges);
  registerHandlers(s);
  const audit = new AuditLog(db, now);
  const doctor = new Doctor({ ...s, network, routers, fips, bridges, audit });
  s.jobs.handlers.set('router_resync', (op, payload) => doctor.resyncRouter(op, String(payload.router_id)));
  return { ...s, network, routers, fips, bridges, audit, topology: new TopologyService(s), doctor };
}


export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const settings: EngineSettings = {
    ...defaultSettings,
    ...opts.settings,
    bridge: { ...defaultSettings.bridge, ...opts.settings?.bridge },
    quota_defaults: { ...defaultSettings.quota_defaults, ...opts.settings?.quota_defaults },
  };
  // Only the header is checked before open returns; quick_check runs right after, in a worker.
  const store = await openStore(opts.dbPath, { integrity: 'deferred' });
  const db = store.db;
  const readDb = new Database(opts.dbPath, { readonly: true });
  readDb.pragma('busy_timeout = 5000');
  const drivers = new Map<string, PodDriver>();
  const readDrivers = new Map<string, PodDriver>();
  const w = buildServices(db, settings, opts, drivers);
  const r = buildServices(readDb, settings, opts, readDrivers);
  const listeners = new Set<(e: EngineEvent) => void>();
  const audit = w.audit;
  const readAudit = r.audit;
  const failJob = db.prepare("INSERT INTO async_jobs (id, type, resource_id, project_id, status, timestamp, attempts, error, payload) VALUES (?, 'compensate', ?, NULL, 'FAIL', ?, 1, ?, ?)");
  const journal = new Journal(`${opts.dbPath}.oplog`, w.core.nowIso);
  const markCommit = db.prepare('INSERT INTO journal_commits (op_id, committed_at) VALUES (?, ?)');
  const dropMark = db.prepare('DELETE FROM journal_commits WHERE op_id = ?');
  // Markers of operations the journal has forgotten: dropped inside the next transaction.
  let staleMarks: string[] = [];
  // What recovery (on open, and after a failed operation's lost answers) may touch.
  const sql = {
    committed: db.prepare('SELECT 1 FROM journal_commits WHERE op_id = ?').pluck(),
    referenced: db.prepare('SELECT 1 FROM resource_routings WHERE pod_id = ? AND bottom_id = ?').pluck(),
    remap: db.prepare('UPDATE resource_routings SET bottom_id = ?, updated_at = ? WHERE pod_id = ? AND bottom_id = ?'),
    forget: db.prepare('DELETE FROM resource_routings WHERE pod_id = ? AND bottom_id = ?'),
  };
  const recoveryDeps: RecoveryDeps = {
    committed: (id) => sql.committed.get(id) !== undefined,
    driver: (podId) => w.core.driver(podId),
    podName: (podId) => w.pods.row(podId).region_name,
    referenced: (podId, bottomId) => sql.referenced.get(podId, bottomId) !== undefined,
    remapRouting: (podId, oldId, newId) => void sql.remap.run(newId, w.core.nowIso(), podId, oldId),
    forgetRouting: (podId, bottomId) => sql.forget.run(podId, bottomId).changes,
    failed: (f) => {
      const e = toErrorBody(f.error);
      failJob.run(crypto.randomUUID(), `${f.pod_id}#${f.label}`, w.core.nowIso(), JSON.stringify({ code: e.code, message: e.message }), JSON.stringify({ pod_id: f.pod_id, action: f.action, label: f.label }));
    },
  };

  const emit = (op: Operation) => {
    for (const [name, ids] of op.changed) {
      const e: EngineEvent = { name, ids: [...ids] };
      for (const l of listeners) l(e);
    }
  };
  const dropDriver = (podId: string) => {
    for (const m of [drivers, readDrivers]) {
      void m.get(podId)?.close?.();
      m.delete(podId);
    }
  };

  // One mutation at a time: a promise chain.
  let chain: Promise<unknown> = Promise.resolve();
  let closed = false;
  const enqueue = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  };

  /** Runs fn as one operation: one transaction, compensations on failure, events after. */
  const runOp = async <T>(label: string, actor: string, input: unknown, fn: (op: Operation) => Promise<T>, auditIt = true): Promise<T> => {
    const oj = journal.begin(label);
    const op = new Operation(oj, w.core.driver);
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn(op);
      if (auditIt) audit.run(w.core.nowIso(), actor, label, summarize(input), 'OK', JSON.stringify(op.resourceIds()));
      // The commit marker goes in with the operation: recovery reads "committed" from it.
      if (oj.used) markCommit.run(oj.id, w.core.nowIso());
      if (staleMarks.length) {
        for (const id of staleMarks) dropMark.run(id);
        staleMarks = [];
      }
      db.exec('COMMIT');
      if (oj.used) {
        oj.finish();
        staleMarks.push(oj.id);
      }
      if (auditIt) op.touch('audit.changed');
      if (op.changed.size > 0) emit(op);
      return result;
    } catch (e) {
      const failed: { c: (typeof op.compensations)[number]; err: unknown }[] = [];
      oj.rollingBack = true;
      for (const c of [...op.compensations].reverse()) {
        try {
          await runCompensation(op.driver(c.pod_id), c.action);
        } catch (err) {
          failed.push({ c, err });
        }
      }
      if (db.inTransaction) db.exec('ROLLBACK');
      // Remote calls whose answer was lost may have happened: found and undone from the journal.
      // (After the rollback: what the committed routing table knows is kept.)
      const lostFailed = oj.used ? (await undoLostAnswers(journal, oj.id, recoveryDeps)).failed : 0;
      const body = toErrorBody(e);
      db.transaction(() => {
        // A compensation that failed is kept as a FAIL job: visible, and redoable.
        for (const f of failed) {
          failJob.run(crypto.randomUUID(), `${f.c.pod_id}#${f.c.label}`, w.core.nowIso(), JSON.stringify({ code: toErrorBody(f.err).code, message: toErrorBody(f.err).message }), JSON.stringify({ pod_id: f.c.pod_id, action: f.c.action, label: f.c.label }));
        }
        if (auditIt) audit.run(w.core.nowIso(), actor, label, summarize(input), body.code, '[]');
      })();
      // Undone (or handed to FAIL jobs): nothing left for recovery.
      oj.finish();
      const after = new Operation();
      if (auditIt) after.touch('audit.changed');
      if (failed.length || lostFailed) after.touch('jobs.changed');
      emit(after);
      throw e;
    }
  };

  // ---- jobs: run after the mutation that queued them, through the same queue ----
  let jobsRunning = false;
  const runJobs = async (): Promise<void> => {
    if (jobsRunning || closed) return;
    jobsRunning = true;
    try {
      for (;;) {
        const job = w.jobs.next();
        if (!job || closed) break;
        await enqueue(async () => {
          db.transaction(() => w.jobs.setStatus(job.id, 'RUNNING'))();
          for (const l of listeners) l({ name: 'jobs.changed', ids: [job.id], progress: { job_id: job.id, status: 'RUNNING', step: job.type } });
          const handler = w.jobs.handlers.get(job.type);
          try {
            if (!handler) throw new CrosspodError('JOB_NOT_REDOABLE', `No handler for job type ${job.type}`);
            await runOp(`job.${job.type}`, 'crosspod', job.payload, async (op) => {
              await handler(op, job.payload, job);
              w.jobs.setStatus(job.id, 'SUCCESS');
              op.touch('jobs.changed', job.id);
            }, false);
            for (const l of listeners) l({ name: 'jobs.changed', ids: [job.id], progress: { job_id: job.id, status: 'SUCCESS', step: job.type } });
          } catch (e) {
            db.transaction(() => w.jobs.setStatus(job.id, 'FAIL', e))();
            for (const l of listeners) l({ name: 'jobs.changed', ids: [job.id], progress: { job_id: job.id, status: 'FAIL', step: job.type } });
          }
        });
      }
    } finally {
      jobsRunning = false;
    }
  };
  const autoRun = opts.autoRunJobs !== false;
  let jobsDone: Promise<void> = Promise.resolve();
  const kickJobs = () => {
    if (autoRun && w.jobs.pendingCount() > 0) jobsDone = jobsDone.then(runJobs);
  };

  // Retention: on open, then after every PRUNE_EVERY_WRITES entries or hour. One slice (one short
  // transaction) per turn of the mutation queue, so a large backlog never holds up a mutation.
  let pruning = false;
  const prune = async (): Promise<{ audit: number; jobs: number }> => {
    const total = { audit: 0, jobs: 0 };
    for (;;) {
      const slice = await enqueue(async () => {
        if (closed) return { audit: 0, jobs: 0 };
        const r = audit.retention();
        return db.transaction(() => ({ audit: audit.prune(r), jobs: w.jobs.pruneFinished(audit.cutoff(r), r.max_entries, PRUNE_BATCH) }))();
      });
      total.audit += slice.audit;
      total.jobs += slice.jobs;
      if (slice.audit < PRUNE_BATCH && slice.jobs < PRUNE_BATCH) break;
    }
    if (total.audit) for (const l of listeners) l({ name: 'audit.changed', ids: [] });
    if (total.jobs) for (const l of listeners) l({ name: 'jobs.changed', ids: [] });
    return total;
  };
  let pruneDone: Promise<unknown> = Promise.resolve();
  const pruneIfDue = () => {
    if (pruning || !audit.pruneDue()) return;
    pruning = true;
    pruneDone = prune()
      .catch((e: unknown) => console.error('crosspod: audit retention failed:', e))
      .finally(() => (pruning = false));
  };

  // The integrity check runs beside the engine; a corrupt file then refuses every call.
  let corrupt: Error | null = null;
  const integrity = store.checkIntegrity().then((rep) => {
    if (rep.ok) return rep;
    corrupt = integrityError(opts.dbPath, rep.problems);
    throw corrupt;
  });
  integrity.catch(() => undefined);

  // The facade only wires: each domain declares its handlers beside its logic.
  const ctx: HandlerContext = { w, r, settings, audit, readAudit, dropDriver, handlers: () => h };
  const h: Handlers = combine(
    methods,
    podsApp(ctx),
    networkApp(ctx),
    l3App(ctx),
    routingApp(ctx),
    jobsApp(ctx),
    auditApp(ctx),
    quotasApp(ctx),
    doctorApp(ctx),
    topologyApp(ctx),
    labApp(ctx),
  );

  const call = async <M extends Method>(method: M, input: unknown, meta: { actor?: string } = {}): Promise<Output<M>> => {
    if (closed) throw new CrosspodError('INTERNAL', 'The engine is closed');
    if (corrupt) throw corrupt;
    if (!isMethod(method)) throw new CrosspodError('UNKNOWN_METHOD', `Unknown method ${String(method)}`);
    let parsed: ParsedInput<M>;
    try {
      parsed = contract[method].input.parse(input ?? {}) as ParsedInput<M>;
    } catch (e) {
      if (e instanceof ZodError) {
        const issues = e.issues.map((x) => ({ path: x.path.join('.'), message: x.message, code: x.code }));
        const err = new CrosspodError('INVALID_INPUT', `Invalid input for ${method}: ${issues.map((x) => `${x.path || '(input)'}: ${x.message}`).join('; ')}`, { issues });
        // A refused mutation is still a mutation attempt: it goes in the audit log, and nowhere else.
        if (contract[method].mutates) {
          await enqueue(async () => {
            audit.run(w.core.nowIso(), meta.actor ?? 'local', method, summarize(input), err.code, '[]');
            for (const l of listeners) l({ name: 'audit.changed', ids: [] });
          });
        }
        throw err;
      }
      throw e;
    }
    const handler = h[method] as (i: ParsedInput<M>, op: Operation) => Promise<Output<M>> | Output<M>;
    if (!contract[method].mutates) return handler(parsed, new Operation());
    const result = await enqueue(() => runOp(method, meta.actor ?? 'local', parsed, async (op) => handler(parsed, op)));
    kickJobs();
    pruneIfDue();
    return result;
  };

  const api = Object.fromEntries(methods.map((m) => [m, (input: unknown) => call(m, input)])) as unknown as Api;

  // Recovery: operations a crash interrupted are finished from the journal (committed ones
  // forgotten, rolled-back ones' remote bottom steps undone), then interrupted jobs run again
  // (their handlers are idempotent).
  const report = await recover(journal, recoveryDeps);
  db.exec('DELETE FROM journal_commits');
  if (report.committed + report.undone > 0) audit.run(w.core.nowIso(), 'crosspod', 'recovery', JSON.stringify(report), report.failed ? 'PARTIAL' : 'OK', '[]');
  if (w.jobs.recoverInterrupted() > 0 || w.jobs.pendingCount() > 0) kickJobs();
  // The first prune deletes in bulk: only once the file is known to be sound.
  pruning = true;
  const afterCheck = integrity.then(
    () => {
      pruning = false;
      pruneIfDue();
    },
    () => undefined,
  );

  return {
    call,
    api,
    store,
    integrity: () => integrity,
    settings,
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async idle() {
      await afterCheck;
      for (;;) {
        await pruneDone;
        await chain;
        await jobsDone;
        if (!jobsRunning && (!autoRun || w.jobs.pendingCount() === 0)) {
          await chain;
          return;
        }
        await new Promise((res) => setImmediate(res));
      }
    },
    async close() {
      if (closed) return;
      await chain.catch(() => undefined);
      await jobsDone.catch(() => undefined);
      closed = true;
      // The check reads the file on its own connection: let it finish before the file is closed.
      await integrity.catch(() => undefined);
      for (const d of [...drivers.values(), ...readDrivers.values()]) await d.close?.();
      readDb.close();
      journal.close();
      store.close();
    },
  };
}

export type { EventName };
