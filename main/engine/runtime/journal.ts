// The operation journal: what a mutation is about to do, and did, to REMOTE bottom pods, so that
// after a crash recovery can undo the bottom steps of an operation whose top rolled back.
//
// - It lives in its own SQLite file beside the database (`<db>.oplog`, mode 0600): the main
//   connection holds the write lock for the whole operation, and the journal must commit before
//   each bottom call. (Not `<db>-journal`: SQLite would take that for its own hot journal.)
// - Before each mutating driver call on a non-lab pod, an intent row (pod, verb, kind, target,
//   body with its explicit names and addresses, and the resource as it was before, for updates
//   and deletes) commits; after the call, its result. Compensations registered through
//   Operation.undo are rows too, linked to the call they undo.
// - The operation inserts its id into the main database's journal_commits inside its own
//   transaction: after a crash, an id found there committed; any other rolled back.
// - Lab pods are not journaled: their bottoms live in the main file, and one transaction covers
//   top and bottoms alike (the fast path the lab benchmark measures).
import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';
import { CrosspodError } from '../../../shared/errors';
import { runCompensation, type Compensation, type CompensationAction } from '../context';
import type { BottomTypes, CreateBodies, Filters, GatewayBody, InterfaceRef, PodDriver, ResourceKind, UpdateBodies } from '../drivers/driver';

export type StepVerb = 'create' | 'update' | 'delete' | 'addInterface' | 'removeInterface' | 'addGateway' | 'removeGateway' | 'setGatewaySnat' | 'setRoutes';

export interface JournalStep {
  op_id: string;
  seq: number;
  pod_id: string;
  type: 'call' | 'undo';
  verb: string;
  kind: string | null;
  target: string | null;
  body: unknown;
  before: unknown;
  result: unknown;
  state: 'intent' | 'done' | 'failed';
  /** For an undo row: the seq of the call it undoes. */
  undoes: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ops (
  op_id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  started_at TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS steps (
  op_id TEXT NOT NULL REFERENCES ops (op_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  pod_id TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('call', 'undo')),
  verb TEXT NOT NULL,
  kind TEXT,
  target TEXT,
  body TEXT,
  before TEXT,
  result TEXT,
  state TEXT NOT NULL CHECK (state IN ('intent', 'done', 'failed')),
  undoes INTEGER,
  PRIMARY KEY (op_id, seq)
) STRICT;
`;

/** Errors after which a call may or may not have happened: its step stays an intent. */
const UNKNOWN_OUTCOME = new Set(['POD_TIMEOUT', 'POD_UNREACHABLE', 'BOTTOM_POD_OPERATION_FAILURE', 'INTERNAL']);

const enc = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
const dec = (t: string | null): unknown => (t == null ? null : JSON.parse(t));

export class Journal {
  readonly db: Database.Database;
  private readonly q;

  constructor(
    readonly path: string,
    private readonly nowIso: () => string = () => new Date().toISOString(),
  ) {
    this.db = new Database(path);
    chmodSync(path, 0o600);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process kill, which is the crash the journal is for.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.q = {
      op: this.db.prepare('INSERT INTO ops (op_id, label, started_at) VALUES (?, ?, ?)'),
      step: this.db.prepare(
        'INSERT INTO steps (op_id, seq, pod_id, type, verb, kind, target, body, before, result, state, undoes) VALUES (@op_id, @seq, @pod_id, @type, @verb, @kind, @target, @body, @before, @result, @state, @undoes)',
      ),
      settle: this.db.prepare('UPDATE steps SET state = ?, result = ? WHERE op_id = ? AND seq = ?'),
      finish: this.db.prepare('DELETE FROM ops WHERE op_id = ?'),
      open: this.db.prepare('SELECT op_id, label, started_at FROM ops ORDER BY started_at, rowid'),
      steps: this.db.prepare('SELECT * FROM steps WHERE op_id = ? ORDER BY seq'),
    };
  }

  /** A handle for one operation; nothing is written until its first remote step. */
  begin(label: string, opId: string = crypto.randomUUID()): OpJournal {
    return new OpJournal(this, opId, label);
  }

  /** @internal */ writeOp(opId: string, label: string): void {
    this.q.op.run(opId, label, this.nowIso());
  }
  /** @internal */ writeStep(s: Omit<JournalStep, 'body' | 'before' | 'result'> & { body?: unknown; before?: unknown; result?: unknown }): void {
    this.q.step.run({ ...s, body: enc(s.body), before: enc(s.before), result: enc(s.result) });
  }
  /** @internal */ settle(opId: string, seq: number, state: 'done' | 'failed', result?: unknown): void {
    this.q.settle.run(state, enc(result), opId, seq);
  }

  /** Forgets an operation that committed, or whose undo is complete. */
  finish(opId: string): void {
    this.q.finish.run(opId);
  }

  openOps(): { op_id: string; label: string; started_at: string }[] {
    return this.q.open.all() as { op_id: string; label: string; started_at: string }[];
  }

  steps(opId: string): JournalStep[] {
    return (this.q.steps.all(opId) as Record<string, string | number | null>[]).map((r) => ({
      ...(r as unknown as JournalStep),
      body: dec(r.body as string | null),
      before: dec(r.before as string | null),
      result: dec(r.result as string | null),
    }));
  }

  close(): void {
    this.db.close();
  }
}

type Raw = Record<string, unknown>;

/** The journal of one running operation: wraps remote pods' drivers and records undo rows. */
export class OpJournal {
  private seq = 0;
  private written = false;
  /** Set while the facade runs the in-memory compensations: those calls are not journaled. */
  rollingBack = false;
  private readonly wrapped = new Map<string, PodDriver>();
  /** Bodies this operation has read, by pod and id: the before-images of updates and deletes. */
  private readonly seen = new Map<string, Raw>();
  /** Each pod's latest call, while it succeeded and no compensation has claimed it. */
  private readonly claimable = new Map<string, number>();

  constructor(
    private readonly j: Journal,
    readonly id: string,
    readonly label: string,
  ) {}

  /** True once a remote step was written: the operation then needs its commit marker. */
  get used(): boolean {
    return this.written;
  }

  private add(s: Omit<JournalStep, 'op_id' | 'seq' | 'body' | 'before' | 'result'> & { body?: unknown; before?: unknown; result?: unknown }): number {
    const seq = ++this.seq;
    const row = { ...s, op_id: this.id, seq };
    if (!this.written) {
      this.j.db.transaction(() => {
        this.j.writeOp(this.id, this.label);
        this.j.writeStep(row);
      })();
      this.written = true;
    } else {
      this.j.writeStep(row);
    }
    return seq;
  }

  /**
   * A compensation for a journaled pod. The engine registers one right after the call it undoes,
   * so it is linked to that pod's latest call if that call succeeded (recovery then runs the
   * compensation instead of the call's generic inverse).
   */
  undo(c: Compensation): void {
    if (this.rollingBack || !this.wrapped.has(c.pod_id)) return;
    const undoes = this.claimable.get(c.pod_id) ?? null;
    this.claimable.delete(c.pod_id);
    this.add({ pod_id: c.pod_id, type: 'undo', verb: c.action.verb, kind: null, target: null, body: c, state: 'done', undoes });
  }

  finish(): void {
    if (this.written) this.j.finish(this.id);
  }

  /** The driver for a remote pod, journaling every mutating call. */
  wrap(podId: string, d: PodDriver): PodDriver {
    let w = this.wrapped.get(podId);
    if (!w) this.wrapped.set(podId, (w = this.journaling(podId, d)));
    return w;
  }

  private journaling(podId: string, d: PodDriver): PodDriver {
    const key = (id: string) => `${podId}/${id}`;
    const remember = (r: unknown) => {
      if (r && typeof r === 'object' && typeof (r as Raw).id === 'string') this.seen.set(key((r as Raw).id as string), r as Raw);
      return r;
    };
    const before = async (kind: ResourceKind, id: string): Promise<Raw | null> => {
      const s = this.seen.get(key(id));
      if (s) return s;
      try {
        return (await d.get(kind, id)) as unknown as Raw;
      } catch (e) {
        if (e instanceof CrosspodError && e.code === 'NOT_FOUND') return null;
        throw e;
      }
    };
    const call = async <T>(verb: StepVerb, kind: string, target: string | null, body: unknown, prior: unknown, fn: () => Promise<T>): Promise<T> => {
      if (this.rollingBack) return fn();
      const seq = this.add({ pod_id: podId, type: 'call', verb, kind, target, body, before: prior, state: 'intent', undoes: null });
      this.claimable.delete(podId);
      let r: T;
      try {
        r = await fn();
      } catch (e) {
        // A refusal changed nothing; a lost answer may have changed something: it stays an intent.
        if (!(e instanceof CrosspodError && UNKNOWN_OUTCOME.has(e.code))) this.j.settle(this.id, seq, 'failed');
        throw e;
      }
      const res = r && typeof r === 'object' ? { id: (r as Raw).id, port_id: (r as Raw).port_id, subnet_id: (r as Raw).subnet_id } : null;
      this.j.settle(this.id, seq, 'done', res);
      this.claimable.set(podId, seq);
      return r;
    };
    // Router and interface changes alter ports and routers this operation may have read.
    const forget = <T>(r: T): T => {
      this.seen.clear();
      return r;
    };
    return {
      kind: d.kind,
      list: async <K extends ResourceKind>(kind: K, filters?: Filters) => {
        const rs = await d.list(kind, filters);
        for (const r of rs) remember(r);
        return rs;
      },
      get: async <K extends ResourceKind>(kind: K, id: string) => remember(await d.get(kind, id)) as BottomTypes[K],
      create: async <K extends ResourceKind>(kind: K, body: CreateBodies[K]) => remember(await call('create', kind, null, body, null, () => d.create(kind, body))) as BottomTypes[K],
      update: async <K extends ResourceKind>(kind: K, id: string, body: UpdateBodies[K]) => {
        const prior = this.rollingBack ? null : await before(kind, id);
        return remember(await call('update', kind, id, body, prior, () => d.update(kind, id, body))) as BottomTypes[K];
      },
      delete: async (kind: ResourceKind, id: string) => {
        const prior = this.rollingBack ? null : await before(kind, id);
        await call('delete', kind, id, null, prior, () => d.delete(kind, id));
        this.seen.delete(key(id));
      },
      addInterface: async (routerId: string, ref: InterfaceRef) => forget(await call('addInterface', 'router', routerId, ref, null, () => d.addInterface(routerId, ref))),
      removeInterface: async (routerId: string, ref: InterfaceRef) => forget(await call('removeInterface', 'router', routerId, ref, null, () => d.removeInterface(routerId, ref))),
      addGateway: async (routerId: string, body: GatewayBody) => forget(await call('addGateway', 'router', routerId, body, null, () => d.addGateway(routerId, body))),
      removeGateway: async (routerId: string) => {
        const prior = this.rollingBack ? null : await before('router', routerId);
        return forget(await call('removeGateway', 'router', routerId, null, prior, () => d.removeGateway(routerId)));
      },
      setGatewaySnat: async (routerId: string, enableSnat: boolean) => {
        const prior = this.rollingBack ? null : await before('router', routerId);
        return remember(await call('setGatewaySnat', 'router', routerId, { enable_snat: enableSnat }, prior, () => d.setGatewaySnat(routerId, enableSnat))) as BottomTypes['router'];
      },
      setRoutes: async (routerId, routes) => {
        const prior = this.rollingBack ? null : await before('router', routerId);
        return remember(await call('setRoutes', 'router', routerId, routes, prior, () => d.setRoutes(routerId, routes))) as BottomTypes['router'];
      },
      health: () => d.health(),
      close: () => d.close?.(),
    };
  }
}

// ---- recovery ----

export interface RecoveryDeps {
  /** The operation's commit marker is in the main database. */
  committed(opId: string): boolean;
  /** The pod's driver, not journaled. */
  driver(podId: string): PodDriver;
  podName(podId: string): string;
  /** A committed routing row points at this bottom id. */
  referenced(podId: string, bottomId: string): boolean;
  /** Routing rows that pointed at a resource recovery re-created now point at its new id. */
  remapRouting(podId: string, oldId: string, newId: string): void;
  /** Routing rows that point at a resource that is gone for good are dropped (get-or-create makes it again). */
  forgetRouting(podId: string, bottomId: string): number;
  /** A step recovery could not undo: kept as a FAIL compensate job, to redo. */
  failed(f: { pod_id: string; label: string; action: CompensationAction; error: unknown }): void;
  /**
   * How long a call the dead process had in flight may still take to land in its pod (a pod
   * finishes a request whose client is gone). Recovery waits this long before it looks, and
   * looks for lost creates again after it, until two looks in a row find nothing.
   */
  settleMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inFlight = (steps: JournalStep[]) => steps.some((s) => s.type === 'call' && s.state === 'intent');

export interface RecoveryReport {
  /** Interrupted after their commit: only the journal entry was left. */
  committed: number;
  /** Rolled back: their bottom steps undone. */
  undone: number;
  /** Bottom steps undone (compensations run, creates deleted, updates reverted). */
  steps: number;
  /** Creates whose answer was lost, found by their names and addresses and deleted. */
  found: number;
  /** Resources an interrupted operation deleted, made again from their before-image. */
  recreated: number;
  /** Routing rows dropped because what they pointed at is gone. */
  forgotten: number;
  /** Steps with no inverse (interface or gateway removals): left as they are. */
  irreversible: number;
  /** Steps that failed to undo: FAIL compensate jobs. */
  failed: number;
}

const isGone = (e: unknown) => e instanceof CrosspodError && (e.code === 'NOT_FOUND' || e.code === 'ROUTER_INTERFACE_NOT_FOUND');

/** Replaces every string that names a re-created resource by the new resource's id. */
function remapped<T>(v: T, ids: Map<string, string>): T {
  if (ids.size === 0) return v;
  return JSON.parse(JSON.stringify(v), (_k, x: unknown) => (typeof x === 'string' && ids.has(x) ? ids.get(x) : x)) as T;
}

/** Filters that name what a create made: its name and network, or its floating address. */
function identity(kind: string, body: Raw): { filters: Filters; ips: string[] } | null {
  const fixed = Array.isArray(body.fixed_ips) ? (body.fixed_ips as { ip_address?: string }[]).map((f) => f.ip_address).filter((x): x is string => !!x) : [];
  switch (kind) {
    case 'floatingip':
      return body.floating_ip_address ? { filters: { floating_network_id: body.floating_network_id as string, floating_ip_address: body.floating_ip_address as string }, ips: [] } : null;
    case 'port':
      return { filters: { network_id: body.network_id as string, name: body.name as string }, ips: fixed };
    case 'subnet':
      return { filters: { network_id: body.network_id as string, name: body.name as string }, ips: [] };
    default:
      return { filters: { name: body.name as string }, ips: [] };
  }
}

/** Finishes every operation the journal holds (a crash interrupted them). */
export async function recover(journal: Journal, deps: RecoveryDeps): Promise<RecoveryReport> {
  const rep: RecoveryReport = { committed: 0, undone: 0, steps: 0, found: 0, recreated: 0, forgotten: 0, irreversible: 0, failed: 0 };
  const open = journal.openOps();
  // A call whose answer the crash lost may still be running in its pod: let it land first, or
  // recovery's look misses a create (or reverts an update) that completes a moment later.
  if (deps.settleMs && open.some((op) => !deps.committed(op.op_id) && inFlight(journal.steps(op.op_id)))) await sleep(deps.settleMs);
  for (const op of open) {
    if (deps.committed(op.op_id)) {
      rep.committed++;
      journal.finish(op.op_id);
      continue;
    }
    await undoOp(journal.steps(op.op_id), deps, rep);
    rep.undone++;
    journal.finish(op.op_id);
  }
  return rep;
}

/**
 * For an operation that failed while running: the calls whose answer was lost (a timeout, a
 * dropped connection) may have happened, and no compensation knows of them. They are undone like
 * a crash's; the facade runs this after the operation's own compensations.
 */
export async function undoLostAnswers(journal: Journal, opId: string, deps: RecoveryDeps): Promise<RecoveryReport> {
  const rep: RecoveryReport = { committed: 0, undone: 0, steps: 0, found: 0, recreated: 0, forgotten: 0, irreversible: 0, failed: 0 };
  const lost = journal.steps(opId).filter((s) => s.type === 'call' && s.state === 'intent');
  if (lost.length) await undoOp(lost, deps, rep);
  return rep;
}

async function undoOp(steps: JournalStep[], deps: RecoveryDeps, rep: RecoveryReport): Promise<void> {
  // Lost creates, looked for again (after the settle delay) until two looks find nothing.
  const lost: (() => Promise<number>)[] = [];
  const foundBefore = rep.found;
  await undoSteps(steps, deps, rep, lost);
  if (!lost.length) return;
  // The first look (in undoSteps) counts: one more empty look after it is enough.
  for (let empty = rep.found === foundBefore ? 1 : 0, round = 0; empty < 2 && round < 8; round++) {
    await sleep(deps.settleMs ?? 0);
    let found = 0;
    for (const look of lost) found += await look();
    empty = found ? 0 : empty + 1;
  }
}

async function undoSteps(steps: JournalStep[], deps: RecoveryDeps, rep: RecoveryReport, lost: (() => Promise<number>)[]): Promise<void> {
  const claimed = new Set(steps.filter((s) => s.type === 'undo' && s.undoes != null).map((s) => s.undoes));
  const ids = new Map<string, string>();
  for (const s of [...steps].reverse()) {
    if (s.type === 'call' && (claimed.has(s.seq) || s.state === 'failed')) continue;
    const region = (() => {
      try {
        return deps.podName(s.pod_id);
      } catch {
        return s.pod_id;
      }
    })();
    // What to hand to a FAIL job if this step cannot be undone now.
    let pending: { label: string; action: CompensationAction } | null = null;
    try {
      if (s.type === 'undo') {
        const c = remapped(s.body as Compensation, ids);
        pending = { label: c.label, action: c.action };
        if (await runUndo(deps.driver(s.pod_id), c.action)) rep.steps++;
        continue;
      }
      const d = deps.driver(s.pod_id);
      const body = remapped((s.body ?? {}) as Raw, ids);
      const prior = remapped(s.before as Raw | null, ids);
      const target = s.target ? (ids.get(s.target) ?? s.target) : null;
      const result = s.result as { id?: string; port_id?: string } | null;
      switch (s.verb) {
        case 'create': {
          const kind = s.kind as ResourceKind;
          if (s.state === 'done' && result?.id) {
            const id = ids.get(result.id) ?? result.id;
            pending = { label: `${kind} made by an interrupted operation in ${region}`, action: { verb: 'delete', kind, id } };
            await deleteTolerant(d, kind, id);
            rep.steps++;
            break;
          }
          const who = identity(kind, body);
          if (!who) break;
          const action: CompensationAction = { verb: 'deleteMatching', kind, filters: who.filters, ip_addresses: who.ips };
          const label = `${kind} ${String(body.name ?? body.floating_ip_address ?? '')} possibly made in ${region}`;
          pending = { label, action };
          const podId = s.pod_id;
          const look = async (): Promise<number> => {
            let n = 0;
            for (const r of (await d.list(kind, who.filters)) as unknown as Raw[]) {
              const ips = Array.isArray(r.fixed_ips) ? (r.fixed_ips as { ip_address: string }[]).map((f) => f.ip_address) : [];
              if (!who.ips.every((ip) => ips.includes(ip))) continue;
              if (kind === 'floatingip' && body.port_id && r.port_id !== body.port_id) continue;
              // Something the committed state knows is not this operation's.
              if (deps.referenced(podId, r.id as string)) continue;
              await deleteTolerant(d, kind, r.id as string);
              rep.found++;
              rep.steps++;
              n++;
            }
            return n;
          };
          await look();
          lost.push(async () => {
            try {
              return await look();
            } catch (e) {
              deps.failed({ pod_id: podId, label, action, error: e });
              rep.failed++;
              return 0;
            }
          });
          break;
        }
        case 'update': {
          if (!prior || !target) break;
          const kind = s.kind as ResourceKind;
          const back: Raw = {};
          for (const k of Object.keys(body)) if (k in prior) back[k] = prior[k];
          if (kind === 'floatingip') back.port_id = prior.port_id ?? null;
          pending = { label: `${kind} ${target} changed by an interrupted operation in ${region}`, action: { verb: 'update', kind, id: target, body: back } };
          try {
            await d.update(kind, target, back as never);
            rep.steps++;
          } catch (e) {
            if (!isGone(e)) throw e;
          }
          break;
        }
        case 'delete': {
          if (!prior || !target) break;
          const kind = s.kind as ResourceKind;
          if (s.state === 'intent') {
            try {
              await d.get(kind, target);
              break; // the delete never happened
            } catch (e) {
              if (!isGone(e)) throw e;
            }
          }
          const made = await recreate(d, kind, prior, (a) => (pending = { label: `${kind} ${target} deleted by an interrupted operation in ${region}`, action: a }));
          if (made) {
            ids.set(target, made);
            deps.remapRouting(s.pod_id, target, made);
            rep.recreated++;
            rep.steps++;
          } else {
            rep.forgotten += deps.forgetRouting(s.pod_id, target);
          }
          break;
        }
        case 'addInterface': {
          if (!target) break;
          const ref = body as InterfaceRef;
          const action: CompensationAction = ref.port_id ? { verb: 'removeInterface', router_id: target, port_id: ref.port_id } : { verb: 'removeInterface', router_id: target, subnet_id: ref.subnet_id };
          pending = { label: `interface of router ${target} added by an interrupted operation in ${region}`, action };
          if (await runUndo(d, action)) rep.steps++;
          break;
        }
        case 'addGateway': {
          if (!target) break;
          const r = await d.get('router', target).catch((e: unknown) => (isGone(e) ? null : Promise.reject(e)));
          if (r?.external_gateway_info?.network_id === (body as Raw).network_id) {
            pending = { label: `gateway of router ${target} set by an interrupted operation in ${region}`, action: { verb: 'removeGateway', router_id: target } };
            await d.removeGateway(target);
            rep.steps++;
          }
          break;
        }
        case 'setGatewaySnat': {
          // Back to the SNAT the router's gateway had before the interrupted operation.
          const was = (prior as { external_gateway_info?: { enable_snat?: boolean } | null } | null)?.external_gateway_info?.enable_snat;
          if (!target || was === undefined) break;
          const action: CompensationAction = { verb: 'setSnat', router_id: target, enable_snat: was };
          pending = { label: `SNAT of router ${target} changed by an interrupted operation in ${region}`, action };
          if (await runUndo(d, action)) rep.steps++;
          break;
        }
        default:
          // removeInterface, removeGateway, setRoutes: the jobs and the doctor put routes and
          // interfaces right again; nothing here can be made exactly as it was.
          if (s.state === 'done' || s.state === 'intent') rep.irreversible++;
      }
    } catch (e) {
      if (pending) {
        deps.failed({ pod_id: s.pod_id, label: pending.label, action: pending.action, error: e });
        rep.failed++;
      } else {
        throw e;
      }
    }
  }
}

async function deleteTolerant(d: PodDriver, kind: ResourceKind, id: string): Promise<void> {
  try {
    await d.delete(kind, id);
  } catch (e) {
    if (!isGone(e)) throw e;
  }
}

/** Runs a compensation; a second run (after a crash during the first) finds its goal holding. */
async function runUndo(d: PodDriver, a: CompensationAction): Promise<boolean> {
  if (a.verb === 'createFip') {
    const held = (await d.list('floatingip', { floating_network_id: a.body.floating_network_id, floating_ip_address: a.body.floating_ip_address }))[0];
    if (held) {
      if (held.port_id === a.body.port_id) return false;
      if (!held.port_id) {
        await d.update('floatingip', held.id, { port_id: a.body.port_id });
        return true;
      }
    }
  }
  try {
    await runCompensation(d, a);
  } catch (e) {
    if (isGone(e)) return false;
    throw e;
  }
  return true;
}

/**
 * Makes a deleted port or floating IP again from its before-image, with its explicit addresses
 * (the new id is remapped). Other kinds, and router-owned ports, are not re-made: their routing
 * rows are dropped instead, and get-or-create makes them when next needed.
 */
async function recreate(d: PodDriver, kind: ResourceKind, prior: Raw, onAction: (a: CompensationAction) => void): Promise<string | null> {
  if (kind === 'port') {
    const owner = String(prior.device_owner ?? '');
    if (owner.startsWith('network:')) return null;
    const body: CreateBodies['port'] = {
      name: String(prior.name),
      network_id: String(prior.network_id),
      project_id: String(prior.project_id),
      mac_address: prior.mac_address as string,
      fixed_ips: (prior.fixed_ips as { subnet_id: string; ip_address: string }[]).map((f) => ({ subnet_id: f.subnet_id, ip_address: f.ip_address })),
      device_id: String(prior.device_id ?? ''),
      device_owner: owner,
    };
    onAction({ verb: 'createPort', body });
    return (await d.create('port', body)).id;
  }
  if (kind === 'floatingip') {
    const body = {
      floating_network_id: String(prior.floating_network_id),
      floating_ip_address: String(prior.floating_ip_address),
      project_id: String(prior.project_id),
      port_id: (prior.port_id as string | null) ?? null,
    };
    onAction({ verb: 'createFip', body: body as never });
    const held = (await d.list('floatingip', { floating_network_id: body.floating_network_id, floating_ip_address: body.floating_ip_address }))[0];
    if (held) return held.id;
    return (await d.create('floatingip', body)).id;
  }
  return null;
}
