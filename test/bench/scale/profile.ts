// Profiling helpers for the scale benchmark, none of which touch engine code:
// - sqlRecorder(): wraps better-sqlite3's Statement methods (and Database#exec) to count and
//   time every SQL text the engine runs, keeping the last arguments so the statement can be
//   explained with EXPLAIN QUERY PLAN afterwards;
// - cpuProfile(): the V8 sampling profiler through node:inspector around one async block,
//   summarised as self and inclusive time per function (file:function:line).
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// ---- SQL ----------------------------------------------------------------------------------

export interface SqlFigure {
  sql: string;
  calls: number;
  ms: number;
  rows: number;
  args: unknown[];
}

type AnyFn = (...a: unknown[]) => unknown;

/**
 * Records every statement run through better-sqlite3 while `on` is true. install() patches the
 * prototypes once; uninstall() restores them so timed runs pay nothing.
 */
export class SqlRecorder {
  readonly figures = new Map<string, SqlFigure>();
  private restore: (() => void) | null = null;

  install(): void {
    if (this.restore) return;
    const probe = new Database(':memory:');
    const stmtProto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, AnyFn>;
    probe.close();
    const dbProto = Database.prototype as unknown as Record<string, AnyFn>;
    const saved: [Record<string, AnyFn>, string, AnyFn][] = [];
    const rec = (sql: string, ms: number, rows: number, args: unknown[]) => {
      let f = this.figures.get(sql);
      if (!f) this.figures.set(sql, (f = { sql, calls: 0, ms: 0, rows: 0, args }));
      f.calls++;
      f.ms += ms;
      f.rows += rows;
      f.args = args;
    };
    for (const m of ['run', 'get', 'all'] as const) {
      const orig = stmtProto[m];
      saved.push([stmtProto, m, orig]);
      stmtProto[m] = function (this: { source: string }, ...args: unknown[]) {
        const t = performance.now();
        const out = orig.apply(this, args);
        rec(this.source, performance.now() - t, Array.isArray(out) ? out.length : out === undefined ? 0 : 1, args);
        return out;
      };
    }
    const origIterate = stmtProto.iterate;
    saved.push([stmtProto, 'iterate', origIterate]);
    stmtProto.iterate = function (this: { source: string }, ...args: unknown[]) {
      const t = performance.now();
      const it = origIterate.apply(this, args) as IterableIterator<unknown>;
      let ms = performance.now() - t;
      let rows = 0;
      const source = this.source;
      const wrapped: IterableIterator<unknown> = {
        next: () => {
          const t1 = performance.now();
          const r = it.next();
          ms += performance.now() - t1;
          if (r.done) rec(source, ms, rows, args);
          else rows++;
          return r;
        },
        return: (v?: unknown) => {
          rec(source, ms, rows, args);
          return it.return ? it.return(v) : { done: true, value: v };
        },
        [Symbol.iterator]() {
          return wrapped;
        },
      };
      return wrapped;
    };
    const origExec = dbProto.exec;
    saved.push([dbProto, 'exec', origExec]);
    dbProto.exec = function (this: unknown, sql: unknown) {
      const t = performance.now();
      const out = origExec.call(this, sql);
      rec(String(sql), performance.now() - t, 0, []);
      return out;
    };
    this.restore = () => {
      for (const [o, k, f] of saved) o[k] = f;
    };
  }

  uninstall(): void {
    this.restore?.();
    this.restore = null;
  }

  reset(): void {
    this.figures.clear();
  }

  top(n: number): SqlFigure[] {
    return [...this.figures.values()].sort((a, b) => b.ms - a.ms).slice(0, n);
  }
}

/** EXPLAIN QUERY PLAN of a statement with the arguments it last ran with ('' if not explainable). */
export function explain(db: Database.Database, f: SqlFigure): string[] {
  const sql = f.sql.trim();
  if (!/^(SELECT|WITH|UPDATE|DELETE|INSERT)/i.test(sql)) return [];
  try {
    const st = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
    const rows = (f.args.length ? st.all(...(f.args as never[])) : st.all()) as { id: number; parent: number; detail: string }[];
    const depth = new Map<number, number>();
    return rows.map((r) => {
      const d = (depth.get(r.parent) ?? -1) + 1;
      depth.set(r.id, d);
      return `${'  '.repeat(d)}${r.detail}`;
    });
  } catch (e) {
    return [`(not explained: ${(e as Error).message})`];
  }
}

/** A plan line that reads a whole table or sorts in a temporary b-tree. */
export const costlyPlanLine = (line: string) => (/\bSCAN\b/.test(line) && !/SCAN (CONSTANT ROW|\(subquery)/.test(line)) || /TEMP B-TREE/.test(line);

export const oneLine = (sql: string, max = 150) => {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

// ---- CPU ----------------------------------------------------------------------------------

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FnFigure {
  fn: string;
  selfMs: number;
  totalMs: number;
}

export interface CpuSummary {
  ms: number;
  file: string | null;
  self: FnFigure[];
  /** Inclusive time of the engine's own functions (main/, shared/). */
  own: FnFigure[];
}

const root = fileURLToPath(new URL('../../../', import.meta.url));

function label(cf: ProfileNode['callFrame']): string {
  let where = cf.url;
  if (where.startsWith('file://')) where = relative(root, fileURLToPath(where));
  else if (where.startsWith('node:')) where = where.slice(0, 40);
  // (tsx's transpiled positions do not match the .ts lines, so no line numbers)
  const name = cf.functionName || '(anonymous)';
  return where ? `${where}:${name}` : name;
}

const isOwn = (cf: ProfileNode['callFrame']) =>
  cf.url.startsWith('file://') && !cf.url.includes('/node_modules/') && /^(main|shared)\//.test(relative(root, fileURLToPath(cf.url)));

/** Runs fn under the sampling profiler; saves the .cpuprofile when `file` is given. */
export async function cpuProfile<T>(fn: () => Promise<T>, file?: string, intervalUs = 200): Promise<{ result: T; summary: CpuSummary }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    // a failure must not leave the profiler running
    await session.post('Profiler.stop').catch(() => undefined);
    session.disconnect();
    throw e;
  }
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
  await session.post('Profiler.disable');
  session.disconnect();
  if (file) writeFileSync(file, JSON.stringify(profile));
  return { result, summary: summarize(profile, file ?? null) };
}

export function summarize(profile: Profile, file: string | null): CpuSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Self time from samples and time deltas (more exact than hitCount × interval).
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  for (const n of profile.nodes) {
    const us = selfUs.get(n.id) ?? 0;
    if (us === 0) continue;
    const k = label(n.callFrame);
    self.set(k, (self.get(k) ?? 0) + us);
    // Inclusive: charge each distinct own function on the stack once.
    const seen = new Set<string>();
    for (let id: number | undefined = n.id; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id)!;
      if (!isOwn(node.callFrame)) continue;
      const key = label(node.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + us);
    }
  }
  const figures = (m: Map<string, number>, other: Map<string, number>, selfFirst: boolean) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([fn, us]) => (selfFirst ? { fn, selfMs: us / 1000, totalMs: (other.get(fn) ?? 0) / 1000 } : { fn, selfMs: (other.get(fn) ?? 0) / 1000, totalMs: us / 1000 }));
  return {
    ms: (profile.endTime - profile.startTime) / 1000,
    file,
    self: figures(self, total, true).slice(0, 15),
    own: figures(total, self, false).slice(0, 25),
  };
}
