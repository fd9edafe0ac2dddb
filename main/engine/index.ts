// createEngine: the facade the contract binds to. It builds the services, combines the domains'
// handler apps (pods/handlers.ts, network/handlers.ts, l3/handlers.ts, ...) and hands each
// mutation to the runner, which passes the handler its own Operation. Mutations run through runtime/operations.ts:
// per-resource locks, the lab fast path (one transaction) or the durable path (short
// transactions, the undo log and the journal of remote calls), audit and events, jobs and
// recovery on open. Reads use a second connection, so they never see a half-done fast-path
// mutation.
import Database from 'better-sqlite3';
import { ZodError } from 'zod';
import { contract, isLabMethod, isMethod, methods, type Api, type EngineEvent, type EngineMethod, type EventName, type Method, type Output, type ParsedInput } from '../../shared/contract';
import { CrosspodError } from '../../shared/errors';
import type { NeutronDriverConfig } from '../../shared/model';
import { combine, type EngineServices, type HandlerContext, type Handlers } from './app';
import { PRUNE_BATCH, summarize, AuditLog } from './audit';
import { auditApp } from './audit/handlers';
import { Operation, json, type Core } from './context';
import { Doctor } from './doctor';
import { doctorApp } from './doctor/handlers';
import type { PodDriver } from './drivers/driver';
import { createLabDriver } from './drivers/lab';
import { createNeutronDriver } from './drivers/neutron';
import { Ipam, PrefixPool, VlanPool } from './ipam';
import { JobQueue } from './jobs';
import { jobsApp, registerHandlers } from './jobs/handlers';
import { BridgeService } from './l3/bridge';
import { FipService } from './l3/fips';
import { l3App } from './l3/handlers';
import { ManagedRoutes } from './l3/managed-routes';
import { RouterService } from './l3/routers';
import { labApp } from './lab';
import { NetworkService } from './network';
import { networkApp } from './network/handlers';
import { TopStore } from './network/top';
import { PodRegistry } from './pods';
import { podsApp } from './pods/handlers';
import { Quotas } from './quotas';
import { quotasApp } from './quotas/handlers';
import { RoutingTable } from './routing';
import { routingApp } from './routing/handlers';
import { ENGINE } from './runtime/locks';
import { Operations } from './runtime/operations';
import { lockPlan } from './runtime/plans';
import { SecGroupService } from './secgroups';
import { secgroupsApp } from './secgroups/handlers';
import type { Services } from './services';
import { integrityError, openStore, type Db } from './store';
import { TopologyService } from './topology';
import { topologyApp } from './topology/handlers';
import { defaultSettings, type Engine, type EngineOptions, type EngineSettings, type PodDescriptor } from './types';
import { UndoLog, type UndoEntry } from './undo';
import { undoApp } from './undo/handlers';

export type { Engine, EngineOptions } from './types';

/** The methods one lab's engine answers (labs.* are the lab host's). */
const engineMethods = methods.filter((m): m is EngineMethod => !isLabMethod(m));

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
  const s = { core, top, routing, pods, quotas, jobs, managedRoutes: new ManagedRoutes(db) } as Services;
  s.secgroups = new SecGroupService(s);
  s.secgroups.registerJobs();
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
  const store = await openStore(opts.dbPath, { integrity: 'deferred', ...(opts.backupDir ? { backupDir: opts.backupDir } : {}) });
  const db = store.db;
  const readDb = new Database(opts.dbPath, { readonly: true });
  readDb.pragma('busy_timeout = 5000');
  const drivers = new Map<string, PodDriver>();
  const readDrivers = new Map<string, PodDriver>();
  const w = buildServices(db, settings, opts, drivers);
  const r = buildServices(readDb, settings, opts, readDrivers);
  const listeners = new Set<(e: EngineEvent) => void>();
  const undoLog = new UndoLog(w.top, w.pods);
  const audit = w.audit;
  const readAudit = r.audit;
  const ops = new Operations(db, opts.dbPath, w, audit, settings, (e) => {
    for (const l of listeners) l(e);
  }, opts.autoRunJobs !== false);
  ops.onCommit = () => store.checkpoints?.noteCommit();

  const dropDriver = (podId: string) => {
    for (const m of [drivers, readDrivers]) {
      void m.get(podId)?.close?.();
      m.delete(podId);
    }
  };
  let closed = false;
  // Short writes outside an operation (retention, refused inputs' audit rows): beside the
  // durable operations, never inside a fast-path operation's transaction.
  const beside = <T>(fn: () => Promise<T>) => ops.withLocks([{ key: ENGINE, mode: 'shared' }], fn);

  // Retention: on open, then after every PRUNE_EVERY_WRITES entries or hour. One slice (one short
  // transaction) per turn of the mutation queue, so a large backlog never holds up a mutation.
  let pruning = false;
  const prune = async (): Promise<{ audit: number; jobs: number }> => {
    const total = { audit: 0, jobs: 0 };
    for (;;) {
      const slice = await beside(async () => {
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
  const ctx: HandlerContext = { w, r, settings, audit, readAudit, undoLog, dropDriver, handlers: () => h };
  const h: Handlers = combine(
    engineMethods,
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
    undoApp(ctx),
    secgroupsApp(ctx),
  );

  /** Runs an action's inverse (or its forward again) as one operation, audited as `undo <method>`. */
  const runUndo = (method: 'audit.undo' | 'undo.undo' | 'undo.redo', input: { id?: number }, actor: string): Promise<Output<'undo.undo'>> => {
    const dir = method === 'undo.redo' ? 'redo' : 'undo';
    const pick = (): UndoEntry => (dir === 'redo' ? undoLog.toRedo() : undoLog.toUndo(input.id));
    let label: string = method;
    try {
      label = `${dir} ${pick().operation}`;
    } catch {
      // refused inside the operation, under the method's name
    }
    let auditId = 0;
    return ops
      .execute(
        label,
        actor,
        input,
        async (op) => {
          const e = pick();
          await undoLog.run(e, dir, async (m, x) => h[m as EngineMethod](contract[m].input.parse(x) as never, op));
          op.touch('audit.changed');
          return e;
        },
        { onAudit: (id: number) => (auditId = id) },
      )
      .then((e: UndoEntry) => ({ entry: { audit_id: e.audit_id, operation: e.operation, text: e.text, at: e.at }, audit_id: auditId, state: undoLog.state() }));
  };

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
          await beside(async () => {
            audit.run(w.core.nowIso(), meta.actor ?? 'local', method, summarize(input), err.code, '[]');
            for (const l of listeners) l({ name: 'audit.changed', ids: [] });
          });
        }
        throw err;
      }
      throw e;
    }
    // labs.* switch between files: the lab host (main/engine/labs) answers them, not one lab's engine.
    if (isLabMethod(method)) throw new CrosspodError('LABS_SINGLE_FILE', `${method} needs the lab host: this engine runs one file (${opts.dbPath})`);
    const handler = h[method as EngineMethod] as unknown as (i: ParsedInput<M>, op: Operation) => Promise<Output<M>> | Output<M>;
    if (!contract[method].mutates) return handler(parsed, new Operation());
    const actor = meta.actor ?? 'local';
    if (method === 'audit.undo' || method === 'undo.undo' || method === 'undo.redo') {
      const r = await runUndo(method, parsed as { id?: number }, actor);
      ops.kickJobs();
      return r as Output<M>;
    }
    // What the action changes is read before it runs, in its operation; a plan that cannot read
    // (the handler refuses the same input) records nothing.
    let undoPlan: ReturnType<UndoLog['plan']> = null;
    const result = await ops.execute(
      method,
      actor,
      parsed,
      async (op) => {
        try {
          undoPlan = undoLog.plan(method, parsed);
        } catch {
          undoPlan = null;
        }
        return handler(parsed, op);
      },
      {
        plan: () => lockPlan(method, parsed, w),
        onAudit: (auditId, res) => {
          if (undoPlan) undoLog.record(auditId, method, w.core.nowIso(), undoPlan, res);
        },
      },
    );
    ops.kickJobs();
    pruneIfDue();
    return result;
  };

  const api = Object.fromEntries(methods.map((m) => [m, (input: unknown) => call(m, input)])) as unknown as Api;

  // Recovery: operations a crash interrupted are undone (runtime/operations.ts), then
  // interrupted jobs run again (their handlers are idempotent).
  await ops.recover();
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
      await pruneDone;
      await ops.idle();
    },
    async close() {
      if (closed) return;
      await pruneDone.catch(() => undefined);
      await ops.close();
      closed = true;
      // The check reads the file on its own connection: let it finish before the file is closed.
      await integrity.catch(() => undefined);
      for (const d of [...drivers.values(), ...readDrivers.values()]) await d.close?.();
      readDb.close();
      ops.closeJournal();
      await store.checkpoints?.stop();
      store.close();
    },
  };
}

export type { EventName };
