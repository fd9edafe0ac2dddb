// createEngine: the facade the contract binds to. Mutations run through runtime/operations.ts:
// per-resource locks, the lab fast path (one transaction) or the durable path (short
// transactions, the undo log and the journal of remote calls), audit and events, jobs and
// recovery on open. Reads use a second connection, so they never see a half-done fast-path
// mutation.
import Database from 'better-sqlite3';
import { ZodError } from 'zod';
import { contract, isLabMethod, isMethod, methods, type Api, type EngineMethod, type EngineEvent, type EventName, type Method, type Output, type ParsedInput } from '../../shared/contract';
import { CrosspodError } from '../../shared/errors';
import type { NeutronDriverConfig } from '../../shared/model';
import { Operation, json, type Core, type PodRow } from './context';
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
import { Operations } from './runtime/operations';
import { ENGINE } from './runtime/locks';
import { lockPlan } from './runtime/plans';
import { defaultSettings, type Engine, type EngineOptions, type EngineSettings, type PodDescriptor } from './types';
import { listPage } from './list';
import { Doctor, ROUTING_TYPES } from './doctor';
import { loadExampleLab, topologySnapshot } from './lab';
import { TopologyService } from './topology';
import { UndoLog, type UndoEntry } from './undo';
import { SecGroupService } from './secgroups';
import { secgroupHandlers } from './secgroups/handlers';

export type { Engine, EngineOptions } from './types';

/**
 * A pod's password may also come from the environment instead of the sealed store:
 * CROSSPOD_PASSWORD_<REGION> with the region name upper-cased and other characters as `_`.
 */
export function passwordFromEnv(region: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[`CROSSPOD_PASSWORD_${region.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] || undefined;
}

/** One set of services over one connection (the writer, or the reader). */
function buildServices(db: Db, settings: EngineSettings, opts: EngineOptions, drivers: Map<string, PodDriver>, current: () => Operation | undefined = () => undefined): Services & { network: NetworkService; routers: RouterService; fips: FipService; bridges: BridgeService; topology: TopologyService; doctor: Doctor } {
  const now = opts.now ?? (() => new Date());
  const pods = new PodRegistry(db, () => now().toISOString(), opts.secrets);
  const baseDriver = (p: PodDescriptor): PodDriver => {
    if (p.driver === 'neutron') {
      const cfg = p.driver_config as NeutronDriverConfig;
      return createNeutronDriver({ ...cfg, password: p.password, region_name: p.region_name });
    }
    return createLabDriver(db, p.pod_id);
  };
  // Outside any operation (reads): an operation nothing looks at.
  const idle = new Operation();
  const core: Core = {
    db,
    settings,
    ipam: new Ipam(db),
    prefixes: new PrefixPool(db),
    vlans: new VlanPool(db),
    now,
    nowIso: () => now().toISOString(),
    // The running operation, per async context (operations run side by side).
    get op(): Operation {
      return current() ?? idle;
    },
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
      // Remote pods' mutating calls go through the running operation's journal; lab pods'
      // bottoms are in this file, covered by the operation's own transaction.
      const j = core.op.journal;
      return j && d.kind !== 'lab' ? j.wrap(podId, d) : d;
    },
  };
  const top = new TopStore(db);
  const routing = new RoutingTable(db, now, settings.routing_expire_seconds);
  const quotas = new Quotas(db, settings.quota_defaults);
  const jobs = new JobQueue(db, core.nowIso);
  const s = { core, top, routing, pods, quotas, jobs } as Services;
  s.secgroups = new SecGroupService(s);
  s.secgroups.registerJobs();
  const network = new NetworkService(s);
  const bridges = new BridgeService(s, network);
  const routers = new RouterService(s, network, bridges);
  const fips = new FipService(s, network, bridges);
  registerHandlers(s);
  const doctor = new Doctor({ ...s, network, routers, fips, bridges });
  s.jobs.handlers.set('router_resync', (payload) => doctor.resyncRouter(String(payload.router_id)));
  return { ...s, network, routers, fips, bridges, topology: new TopologyService(s), doctor };
}

type Handlers = { [M in EngineMethod]: (input: ParsedInput<M>) => Promise<Output<M>> | Output<M> };

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
  // The writer's services ask the runner (made just below) which operation runs.
  const runner: { ops?: Operations } = {};
  const w = buildServices(db, settings, opts, drivers, () => runner.ops?.current());
  const r = buildServices(readDb, settings, opts, readDrivers);
  const listeners = new Set<(e: EngineEvent) => void>();
  const undoLog = new UndoLog(w.top);
  const clock = opts.now ?? (() => new Date());
  const audit = new AuditLog(db, clock);
  const readAudit = new AuditLog(readDb, clock);
  const ops = new Operations(db, opts.dbPath, w, audit, settings, (e) => {
    for (const l of listeners) l(e);
  }, opts.autoRunJobs !== false);
  runner.ops = ops;
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

  /** A lab pod's driver by region name: a real region has its own Neutron endpoint to ask. */
  const labBottom = (region: string) => {
    const pod = r.pods.byName(region);
    if (!pod || pod.az_name === '') throw new CrosspodError('POD_NOT_FOUND', `No bottom pod has the region name ${region}`, { region_name: region });
    if (pod.driver !== 'lab') throw new CrosspodError('POD_NOT_LAB', `${region} is a real Neutron region: ask its own endpoint`, { region_name: region });
    return r.core.driver(pod.pod_id);
  };

  const h: Handlers = {
    'pods.create': (i) => {
      const p = w.pods.create(i);
      w.core.op.touch('pods.changed', p.pod_id);
      return p;
    },
    'pods.list': (i) => listPage(r.core.db, 'pods.list', i, (row) => toPod(row as PodRow)),
    'pods.get': (i) => r.pods.get(i.pod_id),
    'pods.update': (i) => {
      const { pod_id, ...rest } = i;
      const p = w.pods.update(pod_id, rest);
      dropDriver(pod_id);
      w.core.op.touch('pods.changed', pod_id);
      return p;
    },
    'pods.delete': (i) => {
      const left = i.force ? w.doctor.forgetPod(i.pod_id) : undefined;
      w.pods.delete(i.pod_id);
      dropDriver(i.pod_id);
      w.core.op.touch('pods.changed', i.pod_id);
      return left ? { pod_id: i.pod_id, left } : { pod_id: i.pod_id };
    },
    'pods.testConnection': async (i) => {
      const pod = r.pods.get(i.pod_id);
      if (pod.is_top) return { reachable: true, auth: 'not-required', extensions: { router: true, 'external-net': true, extraroute: true }, error: null };
      return r.pods.observed.checked(pod.pod_id, await r.core.driver(pod.pod_id).health());
    },
    'pods.health': () => ({ pods: r.pods.health() }),
    'networks.create': (i) => w.network.createNetwork(i),
    'networks.createExternal': (i) => createExternalNetwork(w.network, i),
    'networks.list': (i) => listPage(r.core.db, 'networks.list', i, (row) => r.top.toNetwork(row as never)),
    'networks.get': (i) => r.top.toNetwork(r.top.network(i.id)),
    'networks.update': (i) => w.network.updateNetwork(i),
    'networks.delete': async (i) => {
      await w.network.deleteNetwork(i.id);
      return { id: i.id };
    },
    'subnets.create': (i) => w.network.createSubnet(i),
    'subnets.list': (i) => listPage(r.core.db, 'subnets.list', i, (row) => r.top.toSubnet(row as never)),
    'subnets.get': (i) => r.top.toSubnet(r.top.subnet(i.id)),
    'subnets.update': (i) => w.network.updateSubnet(i),
    'subnets.delete': async (i) => {
      await w.network.deleteSubnet(i.id);
      return { id: i.id };
    },
    'ports.create': (i) => w.network.createPort(i),
    'ports.list': (i) => listPage(r.core.db, 'ports.list', i, (row) => r.top.toPort(row as never)),
    'ports.get': (i) => r.top.toPort(r.top.port(i.id)),
    'ports.update': (i) => w.network.updatePort(i),
    'ports.delete': async (i) => {
      const port = w.top.port(i.id);
      for (const f of w.top.q.fipsOfPort.all(port.id) as { id: string }[]) await w.fips.disassociate(f.id);
      await w.network.deletePort(i.id);
      return { id: i.id };
    },
    'routers.create': async (i) => {
      const row = w.routers.create(i);
      if (i.external_gateway_info) return w.routers.setGateway({ id: row.id, ...i.external_gateway_info });
      return w.top.toRouter(row);
    },
    'routers.list': (i) => listPage(r.core.db, 'routers.list', i, (row) => r.top.toRouter(row as never)),
    'routers.get': (i) => r.top.toRouter(r.top.router(i.id)),
    'routers.update': (i) => w.routers.update(i),
    'routers.delete': async (i) => {
      await w.routers.delete(i.id);
      return { id: i.id };
    },
    'routers.addInterface': (i) => w.routers.addInterface(i),
    'routers.removeInterface': (i) => w.routers.removeInterface(i),
    'routers.setGateway': (i) => w.routers.setGateway(i),
    'routers.clearGateway': (i) => w.routers.clearGateway(i.id),
    'fips.create': (i) => w.fips.create(i),
    'fips.list': (i) => listPage(r.core.db, 'fips.list', i, (row) => r.top.toFip(row as never)),
    'fips.listWithPaths': async (i) => {
      const page = listPage(r.core.db, 'fips.list', i, (row) => r.top.toFip(row as never), 50);
      // One list per (pod, resource type) for the whole page, not one read per floating IP.
      const paths = await readPaths(r, page.items.map((f) => r.top.fip(f.id)), settings.read_budget_ms);
      return { ...page, items: page.items.map((f, k) => ({ ...f, path: paths[k] })) };
    },
    'fips.get': (i) => r.top.toFip(r.top.fip(i.id)),
    'fips.associate': (i) => w.fips.associate(i),
    'fips.disassociate': (i) => w.fips.disassociate(i.id),
    'fips.delete': async (i) => {
      await w.fips.delete(i.id);
      return { id: i.id };
    },
    'fips.path': (i) => r.fips.path(i.id),
    'routings.list': (i) => listPage(r.core.db, 'routings.list', i, (row) => row as never),
    'jobs.list': (i) => listPage(r.core.db, 'jobs.list', i, (row) => toJob(row as never)),
    'bottoms.list': async (i) => ({ items: (await labBottom(i.region_name).list(i.resource)) as unknown as Record<string, unknown>[] }),
    'bottoms.get': async (i) => (await labBottom(i.region_name).get(i.resource, i.id)) as unknown as Record<string, unknown>,
    'routings.get': (i) => {
      const row = r.routing.byId(i.id);
      if (!row) throw new CrosspodError('NOT_FOUND', `Resource routing ${i.id} not found`, { kind: 'routing', id: i.id });
      return row;
    },
    'routings.create': (i) => {
      const f = { top_id: i.top_id.trim(), bottom_id: i.bottom_id.trim(), pod_id: i.pod_id.trim(), project_id: i.project_id.trim(), resource_type: i.resource_type.trim() };
      if (!ROUTING_TYPES.includes(f.resource_type)) {
        throw new CrosspodError('RESOURCE_TYPE_UNKNOWN', `There is no such resource type ${f.resource_type}: one of ${ROUTING_TYPES.join(', ')}`, { resource_type: f.resource_type });
      }
      const pod = w.pods.row(f.pod_id);
      if (w.routing.get(f.top_id, f.pod_id, f.resource_type)) {
        throw new CrosspodError('ROUTING_EXISTS', `Resource routing already exists: ${f.resource_type} ${f.top_id} is already mapped in ${pod.region_name}`, { top_id: f.top_id, pod_id: f.pod_id, resource_type: f.resource_type });
      }
      const row = w.routing.add(f.top_id, f.pod_id, f.project_id, f.resource_type, f.bottom_id);
      w.core.op.touch('routings.changed', row.top_id);
      return row;
    },
    'routings.delete': (i) => {
      const row = w.routing.byId(i.id);
      if (!row || !w.routing.deleteById(i.id)) throw new CrosspodError('NOT_FOUND', `Resource routing ${i.id} not found`, { kind: 'routing', id: i.id });
      w.core.op.touch('routings.changed', row.top_id);
      return { id: i.id };
    },
    'routings.update': (i) => {
      const cur = w.routing.byId(i.id);
      if (!cur) throw new CrosspodError('NOT_FOUND', `Resource routing ${i.id} not found`, { kind: 'routing', id: i.id });
      if (i.pod_id !== undefined) w.pods.row(i.pod_id);
      if (i.resource_type !== undefined && !ROUTING_TYPES.includes(i.resource_type)) {
        throw new CrosspodError('RESOURCE_TYPE_UNKNOWN', `There is no such resource type ${i.resource_type}: one of ${ROUTING_TYPES.join(', ')}`, { resource_type: i.resource_type });
      }
      const { id, ...fields } = i;
      try {
        const row = w.routing.update({ ...cur, ...fields, id, updated_at: w.core.nowIso() });
        w.core.op.touch('routings.changed', row.top_id, cur.top_id);
        return row;
      } catch (e) {
        if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw e;
        throw new CrosspodError('ROUTING_EXISTS', 'Resource routing already exists: the same top_id, pod_id and resource_type are mapped by another row', { id });
      }
    },
    'routers.resync': (i) => {
      const router = w.top.router(i.id);
      const job = w.jobs.enqueue('router_resync', router.id, router.project_id, { router_id: router.id });
      w.core.op.touch('jobs.changed', job);
      return w.jobs.get(job);
    },
    'doctor.run': async () => ({ findings: await r.doctor.scan() }),
    'doctor.repair': async (i) => ({ results: await w.doctor.repair(i) }),
    'jobs.get': (i) => r.jobs.get(i.id),
    'jobs.redo': (i) => {
      const j = w.jobs.redo(i.id);
      w.core.op.touch('jobs.changed', j.id);
      return j;
    },
    'jobs.create': (i) => {
      const router = w.top.router(i.router_id);
      if (router.project_id !== i.project_id) {
        throw new CrosspodError('JOB_RESOURCE_NOT_OWNED', `router ${router.name || router.id} (${router.id}) doesn't belong to the project ${i.project_id}`, { router_id: router.id, project_id: i.project_id });
      }
      const job = w.jobs.enqueue(i.type, router.id, router.project_id, { router_id: router.id });
      w.core.op.touch('jobs.changed', job);
      return w.jobs.get(job);
    },
    'jobs.delete': (i) => {
      w.jobs.delete(i.id);
      w.core.op.touch('jobs.changed', i.id);
      return { id: i.id };
    },
    'audit.export': (i) => readAudit.export(i.format, i),
    'audit.getRetention': () => readAudit.retention(),
    'audit.setRetention': async (i) => {
      const r = audit.setRetention(i);
      // Applied now, in this operation: the caller sees what the new limits removed.
      const pruned = { audit: audit.prune(r, Number.MAX_SAFE_INTEGER), jobs: w.jobs.pruneFinished(audit.cutoff(r), r.max_entries, Number.MAX_SAFE_INTEGER) };
      w.core.op.touch('audit.changed');
      if (pruned.jobs) w.core.op.touch('jobs.changed');
      return { ...r, pruned };
    },
        'audit.list': (i) => listPage(r.core.db, 'audit.list', i, (row) => ({ ...(row as never as { resource_ids: string }), resource_ids: json((row as { resource_ids: string }).resource_ids, []) }) as never),
    'quotas.get': (i) => r.quotas.get(i.project_id),
    'quotas.update': (i) => {
      const { project_id, ...limits } = i;
      return w.quotas.update(project_id, limits);
    },
    'lab.loadExample': () => loadExampleLab(w, h),
    'lab.topology': (i) => topologySnapshot(r, i.project_id),
    'topology.summary': (i) => r.topology.summary(i.project_id),
    'topology.detail': (i) => r.topology.detail(i),
    'topology.search': (i) => r.topology.search(i.q, i.limit),
    'topology.router': (i) => r.topology.router(i.id),
    'topology.network': (i) => r.topology.network(i.id),
    'topology.fip': (i) => r.topology.fip(i.id),
    'view.get': (i) => r.topology.viewGet(i.view),
    'view.set': (i) => w.topology.viewSet(i.view, i.state),
    // Run by runUndo below, which needs the operation's own audit id.
    'audit.undo': () => unreachable(),
    'undo.undo': () => unreachable(),
    'undo.redo': () => unreachable(),
    'undo.state': () => undoLog.state(),
    ...secgroupHandlers(w, r),
  };
  const unreachable = (): never => {
    throw new CrosspodError('INTERNAL', 'Undo and redo run through runUndo');
  };

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
        async () => {
          const e = pick();
          await undoLog.run(e, dir, async (m, x) => h[m as EngineMethod](contract[m].input.parse(x) as never));
          w.core.op.touch('audit.changed');
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
    const handler = h[method as EngineMethod] as unknown as (i: ParsedInput<M>) => Promise<Output<M>> | Output<M>;
    if (!contract[method].mutates) return handler(parsed);
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
      async () => {
        try {
          undoPlan = undoLog.plan(method, parsed);
        } catch {
          undoPlan = null;
        }
        return handler(parsed);
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
