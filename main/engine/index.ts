// createEngine: the facade the contract binds to. Mutations run one at a time in one SQLite
// transaction each; bottom steps register compensations that run, in reverse, if the operation
// fails. Steps on remote (neutron) pods are also journaled, so that recovery on open can undo
// those of an operation a crash interrupted (runtime/journal.ts). Reads use a second
// connection, so they never see a half-done mutation.
import Database from 'better-sqlite3';
import { ZodError } from 'zod';
import { contract, isMethod, methods, type Api, type EngineEvent, type EventName, type Method, type Output, type ParsedInput } from '../../shared/contract';
import { CrosspodError, toErrorBody } from '../../shared/errors';
import type { NeutronDriverConfig } from '../../shared/model';
import { Operation, json, runCompensation, type Core, type PodRow } from './context';
import type { PodDriver } from './drivers/driver';
import { createLabDriver } from './drivers/lab';
import { createNeutronDriver } from './drivers/neutron';
import { Ipam, PrefixPool, VlanPool } from './ipam';
import { JobQueue, toJob } from './jobs';
import { registerHandlers } from './jobs/handlers';
import { BridgeService } from './l3/bridge';
import { readPaths } from './l3/paths';
import { FipService } from './l3/fips';
import { RouterService } from './l3/routers';
import { NetworkService } from './network';
import { createExternalNetwork } from './network/external';
import { TopStore } from './network/top';
import { PodRegistry, toPod } from './pods';
import { Quotas } from './quotas';
import { RoutingTable } from './routing';
import type { Services } from './services';
import { openStore, integrityError, type Db } from './store';
import { AuditLog, PRUNE_BATCH, summarize } from './audit';
import { Journal, recover, undoLostAnswers, type RecoveryDeps } from './runtime/journal';
import { defaultSettings, type Engine, type EngineOptions, type EngineSettings, type PodDescriptor } from './types';
import { listPage } from './list';
import { Doctor, ROUTING_TYPES } from './doctor';
import { loadExampleLab, topologySnapshot } from './lab';
import { TopologyService } from './topology';

export type { Engine, EngineOptions } from './types';

/**
 * A pod's password may also come from the environment instead of the sealed store:
 * CROSSPOD_PASSWORD_<REGION> with the region name upper-cased and other characters as `_`.
 */
export function passwordFromEnv(region: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[`CROSSPOD_PASSWORD_${region.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] || undefined;
}

/** One set of services over one connection (the writer, or the reader). */
function buildServices(db: Db, settings: EngineSettings, opts: EngineOptions, drivers: Map<string, PodDriver>): Services & { network: NetworkService; routers: RouterService; fips: FipService; bridges: BridgeService; topology: TopologyService; doctor: Doctor } {
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
  const doctor = new Doctor({ ...s, network, routers, fips, bridges });
  s.jobs.handlers.set('router_resync', (op, payload) => doctor.resyncRouter(op, String(payload.router_id)));
  return { ...s, network, routers, fips, bridges, topology: new TopologyService(s), doctor };
}

type Handlers = { [M in Method]: (input: ParsedInput<M>, op: Operation) => Promise<Output<M>> | Output<M> };

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
  const clock = opts.now ?? (() => new Date());
  const audit = new AuditLog(db, clock);
  const readAudit = new AuditLog(readDb, clock);
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

  const h: Handlers = {
    'pods.create': (i, op) => {
      const p = w.pods.create(i);
      op.touch('pods.changed', p.pod_id);
      return p;
    },
    'pods.list': (i) => listPage(r.core.db, 'pods.list', i, (row) => toPod(row as PodRow)),
    'pods.get': (i) => r.pods.get(i.pod_id),
    'pods.update': (i, op) => {
      const { pod_id, ...rest } = i;
      const p = w.pods.update(pod_id, rest);
      dropDriver(pod_id);
      op.touch('pods.changed', pod_id);
      return p;
    },
    'pods.delete': (i, op) => {
      const left = i.force ? w.doctor.forgetPod(op, i.pod_id) : undefined;
      w.pods.delete(i.pod_id);
      dropDriver(i.pod_id);
      op.touch('pods.changed', i.pod_id);
      return left ? { pod_id: i.pod_id, left } : { pod_id: i.pod_id };
    },
    'pods.testConnection': async (i) => {
      const pod = r.pods.get(i.pod_id);
      if (pod.is_top) return { reachable: true, auth: 'not-required', extensions: { router: true, 'external-net': true, extraroute: true }, error: null };
      return r.core.driver(pod.pod_id).health();
    },
    'networks.create': (i, op) => w.network.createNetwork(op, i),
    'networks.createExternal': (i, op) => createExternalNetwork(w.network, op, i),
    'networks.list': (i) => listPage(r.core.db, 'networks.list', i, (row) => r.top.toNetwork(row as never)),
    'networks.get': (i) => r.top.toNetwork(r.top.network(i.id)),
    'networks.update': (i, op) => w.network.updateNetwork(op, i),
    'networks.delete': async (i, op) => {
      await w.network.deleteNetwork(op, i.id);
      return { id: i.id };
    },
    'subnets.create': (i, op) => w.network.createSubnet(op, i),
    'subnets.list': (i) => listPage(r.core.db, 'subnets.list', i, (row) => r.top.toSubnet(row as never)),
    'subnets.get': (i) => r.top.toSubnet(r.top.subnet(i.id)),
    'subnets.update': (i, op) => w.network.updateSubnet(op, i),
    'subnets.delete': async (i, op) => {
      await w.network.deleteSubnet(op, i.id);
      return { id: i.id };
    },
    'ports.create': (i, op) => w.network.createPort(op, i),
    'ports.list': (i) => listPage(r.core.db, 'ports.list', i, (row) => r.top.toPort(row as never)),
    'ports.get': (i) => r.top.toPort(r.top.port(i.id)),
    'ports.update': (i, op) => w.network.updatePort(op, i),
    'ports.delete': async (i, op) => {
      const port = w.top.port(i.id);
      for (const f of w.top.q.fipsOfPort.all(port.id) as { id: string }[]) await w.fips.disassociate(op, f.id);
      await w.network.deletePort(op, i.id);
      return { id: i.id };
    },
    'routers.create': async (i, op) => {
      const row = w.routers.create(op, i);
      if (i.external_gateway_info) return w.routers.setGateway(op, { id: row.id, ...i.external_gateway_info });
      return w.top.toRouter(row);
    },
    'routers.list': (i) => listPage(r.core.db, 'routers.list', i, (row) => r.top.toRouter(row as never)),
    'routers.get': (i) => r.top.toRouter(r.top.router(i.id)),
    'routers.update': (i, op) => w.routers.update(op, i),
    'routers.delete': async (i, op) => {
      await w.routers.delete(op, i.id);
      return { id: i.id };
    },
    'routers.addInterface': (i, op) => w.routers.addInterface(op, i),
    'routers.removeInterface': (i, op) => w.routers.removeInterface(op, i),
    'routers.setGateway': (i, op) => w.routers.setGateway(op, i),
    'routers.clearGateway': (i, op) => w.routers.clearGateway(op, i.id),
    'fips.create': (i, op) => w.fips.create(op, i),
    'fips.list': (i) => listPage(r.core.db, 'fips.list', i, (row) => r.top.toFip(row as never)),
    'fips.listWithPaths': async (i) => {
      const page = listPage(r.core.db, 'fips.list', i, (row) => r.top.toFip(row as never), 50);
      // One list per (pod, resource type) for the whole page, not one read per floating IP.
      const paths = await readPaths(r, page.items.map((f) => r.top.fip(f.id)), settings.read_budget_ms);
      return { ...page, items: page.items.map((f, k) => ({ ...f, path: paths[k] })) };
    },
    'fips.get': (i) => r.top.toFip(r.top.fip(i.id)),
    'fips.associate': (i, op) => w.fips.associate(op, i),
    'fips.disassociate': (i, op) => w.fips.disassociate(op, i.id),
    'fips.delete': async (i, op) => {
      await w.fips.delete(op, i.id);
      return { id: i.id };
    },
    'fips.path': (i) => r.fips.path(i.id),
    'routings.list': (i) => listPage(r.core.db, 'routings.list', i, (row) => row as never),
    'jobs.list': (i) => listPage(r.core.db, 'jobs.list', i, (row) => toJob(row as never)),
    'routings.delete': (i, op) => {
      const row = w.routing.byId(i.id);
      if (!row || !w.routing.deleteById(i.id)) throw new CrosspodError('NOT_FOUND', `Resource routing ${i.id} not found`, { kind: 'routing', id: i.id });
      op.touch('routings.changed', row.top_id);
      return { id: i.id };
    },
    'routings.update': (i, op) => {
      const cur = w.routing.byId(i.id);
      if (!cur) throw new CrosspodError('NOT_FOUND', `Resource routing ${i.id} not found`, { kind: 'routing', id: i.id });
      if (i.pod_id !== undefined) w.pods.row(i.pod_id);
      if (i.resource_type !== undefined && !ROUTING_TYPES.includes(i.resource_type)) {
        throw new CrosspodError('RESOURCE_TYPE_UNKNOWN', `There is no such resource type ${i.resource_type}: one of ${ROUTING_TYPES.join(', ')}`, { resource_type: i.resource_type });
      }
      const { id, ...fields } = i;
      try {
        const row = w.routing.update({ ...cur, ...fields, id, updated_at: w.core.nowIso() });
        op.touch('routings.changed', row.top_id, cur.top_id);
        return row;
      } catch (e) {
        if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw e;
        throw new CrosspodError('ROUTING_EXISTS', 'Resource routing already exists: the same top_id, pod_id and resource_type are mapped by another row', { id });
      }
    },
    'routers.resync': (i, op) => {
      const router = w.top.router(i.id);
      const job = w.jobs.enqueue('router_resync', router.id, router.project_id, { router_id: router.id });
      op.touch('jobs.changed', job);
      return w.jobs.get(job);
    },
    'doctor.run': async () => ({ findings: await r.doctor.scan() }),
    'doctor.repair': async (i, op) => ({ results: await w.doctor.repair(op, i) }),
    'jobs.get': (i) => r.jobs.get(i.id),
    'jobs.redo': (i, op) => {
      const j = w.jobs.redo(i.id);
      op.touch('jobs.changed', j.id);
      return j;
    },
    'audit.export': (i) => readAudit.export(i.format, i),
    'audit.getRetention': () => readAudit.retention(),
    'audit.setRetention': async (i, op) => {
      const r = audit.setRetention(i);
      // Applied now, in this operation: the caller sees what the new limits removed.
      const pruned = { audit: audit.prune(r, Number.MAX_SAFE_INTEGER), jobs: w.jobs.pruneFinished(audit.cutoff(r), r.max_entries, Number.MAX_SAFE_INTEGER) };
      op.touch('audit.changed');
      if (pruned.jobs) op.touch('jobs.changed');
      return { ...r, pruned };
    },
    'audit.list': (i) => listPage(r.core.db, 'audit.list', i, (row) => ({ ...(row as never as { resource_ids: string }), resource_ids: json((row as { resource_ids: string }).resource_ids, []) }) as never),
    'quotas.get': (i) => r.quotas.get(i.project_id),
    'quotas.update': (i) => {
      const { project_id, ...limits } = i;
      return w.quotas.update(project_id, limits);
    },
    'lab.loadExample': (_i, op) => loadExampleLab(w, h, op),
    'lab.topology': (i) => topologySnapshot(r, i.project_id),
    'topology.summary': (i) => r.topology.summary(i.project_id),
    'topology.detail': (i) => r.topology.detail(i),
    'topology.search': (i) => r.topology.search(i.q, i.limit),
    'topology.router': (i) => r.topology.router(i.id),
    'topology.network': (i) => r.topology.network(i.id),
    'view.get': (i) => r.topology.viewGet(i.view),
    'view.set': (i) => w.topology.viewSet(i.view, i.state),
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
