// The scale target: "a lab of 100 pods, 100,000 ports and 20,000 floating IPs opens in under
// 500 ms and pages its floating IPs with their paths in under 10 ms; the topology stays usable
// at that size". Prints figures; asserts nothing.
//
// The lab is built through the engine's API (test/bench/scale/lab.ts) once and cached under
// os.tmpdir()/crosspod-bench-scale (test/bench/scale/cache.ts); each run measures a copy.
//
// Environment: SCALE_PODS / SCALE_PORTS / SCALE_FIPS (100 / 100000 / 20000), SCALE_REBUILD=1
// (build again), SCALE_CACHE_DIR, SCALE_OPENS (cold opens in fresh processes, 5), SCALE_REPS
// (samples per read, 21), SCALE_PROFILE=0 (skip the CPU and SQL profiles).
import Database from 'better-sqlite3';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createEngine, type Engine } from '../../main/engine';
import type { FipWithPath } from '../../shared/contract';
import { cacheDir, cachedLab } from './scale/cache';
import { planLab, projectName, type ScaleSizes } from './scale/lab';
import { costlyPlanLine, cpuProfile, explain, oneLine, SqlRecorder, type CpuSummary } from './scale/profile';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const num = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ms = (x: number) => Number(x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0));

interface Timing {
  first: number;
  median: number;
  max: number;
  n: number;
}

/** First call, then `reps` more: median and max of those. */
async function timed<T>(reps: number, fn: () => Promise<T>): Promise<Timing & { last: T }> {
  let t = performance.now();
  let last = await fn();
  const first = performance.now() - t;
  const xs: number[] = [];
  for (let i = 0; i < reps; i++) {
    t = performance.now();
    last = await fn();
    xs.push(performance.now() - t);
  }
  return { first, median: xs.length ? median(xs) : first, max: xs.length ? Math.max(...xs) : first, n: xs.length, last };
}

function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${loadavg().map((x) => x.toFixed(2)).join(', ')}`;
  }
}

function coldOpens(file: string, n: number): { importMs: number; openMs: number; firstPageMs: number; integrityMs: number; closeMs: number }[] {
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'scale', 'open-child.ts'), file], { cwd: repoRoot, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cold open failed: ${r.stderr}`);
    out.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
  }
  return out;
}

/** The example lab of the console (3 pods, 1 floating IP) in a temporary directory. */
async function smallLab(dir: string): Promise<{ engine: Engine; fip: string; port: string }> {
  const engine = await createEngine({ dbPath: join(dir, 'small.db') });
  const { fips } = await engine.api['lab.loadExample']({});
  await engine.idle();
  const f = await engine.api['fips.get']({ id: fips[0] });
  return { engine, fip: f.id, port: f.port_id! };
}

/** Disassociate + associate cycles on one bound floating IP; leaves it bound. */
async function cycles(engine: Engine, fip: string, port: string, n: number): Promise<{ associate: Timing; disassociate: Timing }> {
  const a: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < n + 2; i++) {
    let t = performance.now();
    await engine.api['fips.disassociate']({ id: fip });
    const dt = performance.now() - t;
    t = performance.now();
    await engine.api['fips.associate']({ id: fip, port_id: port });
    const at = performance.now() - t;
    await engine.idle();
    if (i >= 2) {
      a.push(at);
      d.push(dt);
    }
  }
  const fig = (xs: number[]): Timing => ({ first: xs[0], median: median(xs), max: Math.max(...xs), n: xs.length });
  return { associate: fig(a), disassociate: fig(d) };
}

/** n VM ports on a network, then a floating IP for each on an external network (IPAM picks the addresses). */
async function creates(engine: Engine, netName: string, extName: string, n: number): Promise<{ port: Timing; fip: Timing }> {
  const net = (await engine.api['networks.list']({ name: netName })).items[0];
  const ext = (await engine.api['networks.list']({ name: extName })).items[0];
  const pt: number[] = [];
  const ft: number[] = [];
  const ports: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    ports.push((await engine.api['ports.create']({ network_id: net.id, device_owner: 'compute:nova', device_id: `bench-${i}` })).id);
    pt.push(performance.now() - t);
  }
  for (const port of ports) {
    const t = performance.now();
    await engine.api['fips.create']({ floating_network_id: ext.id, port_id: port });
    ft.push(performance.now() - t);
  }
  await engine.idle();
  const fig = (xs: number[]): Timing => ({ first: xs[0], median: median(xs.slice(1)), max: Math.max(...xs.slice(1)), n: xs.length - 1 });
  return { port: fig(pt), fip: fig(ft) };
}

function printCpu(title: string, s: CpuSummary): void {
  console.log(`\n-- CPU profile: ${title} (${ms(s.ms)} ms sampled${s.file ? `; ${s.file}` : ''})`);
  console.log('   inclusive time of the engine\'s functions (main/, shared/):');
  for (const f of s.own.slice(0, 12)) console.log(`   ${ms(f.totalMs).toString().padStart(8)} ms  (self ${ms(f.selfMs)})  ${f.fn}`);
  console.log('   self time, any code (native and library frames included):');
  for (const f of s.self.slice(0, 8)) console.log(`   ${ms(f.selfMs).toString().padStart(8)} ms  ${f.fn}`);
}

function printSql(title: string, rec: SqlRecorder, db: Database.Database, n = 8): void {
  const all = [...rec.figures.values()];
  const totalMs = all.reduce((a, f) => a + f.ms, 0);
  const calls = all.reduce((a, f) => a + f.calls, 0);
  console.log(`\n-- SQL: ${title}: ${calls} statement runs, ${ms(totalMs)} ms in SQLite; by time:`);
  for (const f of rec.top(n)) {
    console.log(`   ${ms(f.ms).toString().padStart(8)} ms ${String(f.calls).padStart(7)}× ${String(f.rows).padStart(8)} rows  ${oneLine(f.sql)}`);
    const plan = explain(db, f).filter(costlyPlanLine);
    for (const l of plan) console.log(`   ${' '.repeat(36)}plan: ${l.trim()}`);
  }
}

export async function run(): Promise<void> {
  const sizes: ScaleSizes = { pods: num('SCALE_PODS', 100), ports: num('SCALE_PORTS', 100_000), fips: num('SCALE_FIPS', 20_000) };
  const reps = num('SCALE_REPS', 21);
  const opens = num('SCALE_OPENS', 5);
  const profile = process.env.SCALE_PROFILE !== '0';
  const plan = planLab(sizes);
  console.log(`Scale lab: ${sizes.pods} pods, ${sizes.ports} ports, ${sizes.fips} floating IPs (${plan.projects} projects, ${plan.projects * 3} tenant networks)`);
  console.log(`Load at start: ${uptime()}`);

  const lab = await cachedLab(sizes, (l) => console.log(l));
  console.log(`${lab.reused ? 'Reused the cached lab' : 'Built and cached the lab'}: ${lab.file} (${(lab.meta.bytes / 2 ** 20).toFixed(0)} MiB, built ${lab.meta.builtAt}, load then ${lab.meta.load.map((x) => x.toFixed(2)).join(' ')})`);
  console.log('\nBuild through the API (one awaited call at a time)');
  console.table(
    lab.meta.build.phases.map((p) => ({ phase: p.phase, calls: p.calls, seconds: Number(p.seconds.toFixed(1)), 'calls/s': Math.round(p.calls / p.seconds), 'ms/call': ms((p.seconds * 1000) / p.calls) })),
  );
  console.log(`total ${lab.meta.build.calls} calls in ${lab.meta.build.seconds.toFixed(0)} s`);

  const work = mkdtempSync(join(tmpdir(), 'crosspod-bench-scale-run-'));
  const rows: Record<string, string | number>[] = [];
  const row = (measure: string, t: Timing, extra = '') => rows.push({ measure, first: ms(t.first), median: ms(t.median), max: ms(t.max), n: t.n, note: extra });
  try {
    const file = join(work, 'lab.db');
    copyFileSync(lab.file, file);

    // (1) cold open: a fresh process per open (page cache warm: the file was just copied).
    console.log(`\nOpening in ${opens} fresh processes…`);
    const cold = coldOpens(file, opens);
    const col = (k: keyof (typeof cold)[number]) => ({ first: cold[0][k], median: median(cold.map((c) => c[k])), max: Math.max(...cold.map((c) => c[k])), n: cold.length });
    row('open: createEngine() in a fresh process', col('openMs'), 'target < 500 ms');
    row('open: first fips.listWithPaths after it', col('firstPageMs'));
    row('open: integrity check done (worker, from open)', col('integrityMs'), 'off the critical path');
    row('open: import of the engine modules (tsx)', col('importMs'));
    row('open: engine.close()', col('closeMs'));
    const inProc = await timed(Math.max(2, Math.min(opens, 5)), async () => {
      const e = await createEngine({ dbPath: file });
      await e.close();
    });
    row('open+close: fresh engine, same process', inProc);

    const engine = await createEngine({ dbPath: file });
    const ro = new Database(file, { readonly: true });
    const count = (t: string) => (ro.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
    const idAt = (t: string, key: string, pos: number, order = 'ASC') =>
      String((ro.prepare(`SELECT ${key} AS k FROM ${t} ORDER BY rowid ${order} LIMIT 1 OFFSET ?`).get(Math.max(0, pos)) as { k: string | number }).k);
    const nFips = count('floating_ips');
    const nRoutings = count('resource_routings');
    console.log(
      `Lab rows: ${count('ports')} top ports, ${count('lab_ports')} bottom ports, ${nFips} floating IPs (top), ${count('lab_floating_ips')} bottom floating IPs, ${nRoutings} routing rows, ${count('audit_log')} audit rows`,
    );

    // (2) floating IPs with their paths, (3) plain floating IPs: first, middle, last page.
    const pages = (label: string, method: 'fips.listWithPaths' | 'fips.list') => [
      [`${label} first page`, undefined],
      [`${label} middle page (marker)`, idAt('floating_ips', 'id', Math.floor(nFips / 2))],
      [`${label} last page (marker)`, idAt('floating_ips', 'id', nFips - 51)],
    ].map(([m, marker]) => ({ m: m!, marker, method }));
    const modes: Record<string, number> = {};
    for (const p of [...pages('fips.listWithPaths limit 50:', 'fips.listWithPaths'), ...pages('fips.list limit 50:', 'fips.list')]) {
      const t = await timed(reps, () => engine.api[p.method]({ limit: 50, ...(p.marker ? { marker: p.marker } : {}) }));
      if (p.method === 'fips.listWithPaths') for (const f of t.last.items as FipWithPath[]) modes[f.path.mode] = (modes[f.path.mode] ?? 0) + 1;
      row(p.m, t, p.method === 'fips.listWithPaths' ? 'target < 10 ms' : '');
    }

    // (4) topology: one project, and everything.
    const topo: Record<string, string | number>[] = [];
    for (const [label, input] of [
      [`lab.topology ${projectName(1)}`, { project_id: projectName(1) }],
      ['lab.topology (all)', {}],
    ] as const) {
      const first = await timed(0, () => engine.api['lab.topology'](input));
      const t = first.first < 2000 ? await timed(3, () => engine.api['lab.topology'](input)) : first;
      const s = t.last;
      const json = JSON.stringify(s);
      row(label, { ...t, first: first.first }, `${(json.length / 2 ** 20).toFixed(1)} MiB JSON`);
      topo.push({
        snapshot: label,
        pods: s.pods.length,
        'bottom networks': s.bottoms.reduce((a, b) => a + b.networks.length, 0),
        'bottom routers': s.bottoms.reduce((a, b) => a + b.routers.length, 0),
        'bottom floating IPs': s.bottoms.reduce((a, b) => a + b.floatingips.length, 0),
        'fip paths': s.fips.length,
        'JSON MiB': Number((json.length / 2 ** 20).toFixed(2)),
      });
    }

    // (5) routing rows (newest first).
    row('routings.list limit 50: first page', await timed(reps, () => engine.api['routings.list']({ limit: 50 })));
    const routingMarker = idAt('resource_routings', 'id', Math.floor(nRoutings / 2), 'DESC');
    row('routings.list limit 50: middle page (marker)', await timed(reps, () => engine.api['routings.list']({ limit: 50, marker: routingMarker })));

    // Associate / disassociate: the big lab against the console's example lab.
    const mid = await engine.api['fips.listWithPaths']({ limit: 50, marker: idAt('floating_ips', 'id', Math.floor(nFips / 2)) });
    const cross = mid.items.find((f) => f.path.mode === 'two-step')!;
    const same = (await engine.api['fips.listWithPaths']({ limit: 50 })).items.find((f) => f.path.mode === 'same-pod');
    const cyc = Math.max(5, Math.min(reps, 15));
    const big = await cycles(engine, cross.id, cross.port_id!, cyc);
    row('fips.associate cross-pod (big lab)', big.associate);
    row('fips.disassociate cross-pod (big lab)', big.disassociate);
    if (same) {
      const s = await cycles(engine, same.id, same.port_id!, cyc);
      row('fips.associate same-pod (big lab)', s.associate);
      row('fips.disassociate same-pod (big lab)', s.disassociate);
    }
    const small = await smallLab(work);
    const sm = await cycles(small.engine, small.fip, small.port, cyc);
    row('fips.associate cross-pod (example lab)', sm.associate);
    row('fips.disassociate cross-pod (example lab)', sm.disassociate);
    // The build's two bulk calls, one at a time, in each lab.
    const bigCreates = await creates(engine, 'net-1-0', 'ext-net-1', cyc);
    const smallCreates = await creates(small.engine, 'net1', 'ext-net', cyc);
    await small.engine.close();
    row('ports.create compute:nova (big lab)', bigCreates.port);
    row('ports.create compute:nova (example lab)', smallCreates.port);
    row('fips.create with port_id, cross-pod (big lab)', bigCreates.fip);
    row('fips.create with port_id, cross-pod (example lab)', smallCreates.fip);

    console.log(`\nFigures in ms (first call, then median and max of the next n). Paths on the sampled pages: ${JSON.stringify(modes)}`);
    console.table(rows);
    console.log('\nTopology snapshots');
    console.table(topo);

    if (profile) {
      const profDir = join(cacheDir(), 'profiles');
      mkdirSync(profDir, { recursive: true });
      const rec = new SqlRecorder();
      const marker = idAt('floating_ips', 'id', Math.floor(nFips / 2));
      const targets: [string, string, () => Promise<unknown>][] = [
        ['open: createEngine() + close()', 'open', async () => (await createEngine({ dbPath: file })).close()],
        ['fips.listWithPaths limit 50, middle page', 'fips-page', () => engine.api['fips.listWithPaths']({ limit: 50, marker })],
        [`lab.topology ${projectName(1)}`, 'topology-project', () => engine.api['lab.topology']({ project_id: projectName(1) })],
        ['lab.topology (all)', 'topology-all', () => engine.api['lab.topology']({})],
        ['ports.create compute:nova + fips.create with port_id (cross-pod), big lab', 'create', async () => {
          await creates(engine, 'net-1-1', 'ext-net-1', 2);
        }],
        ['fips.disassociate + fips.associate, cross-pod, big lab', 'associate', async () => {
          await engine.api['fips.disassociate']({ id: cross.id });
          await engine.api['fips.associate']({ id: cross.id, port_id: cross.port_id! });
          await engine.idle();
        }],
      ];
      const seen = new Map<string, { calls: number; ms: number; sql: string; args: unknown[] }>();
      console.log(`\nProfiles (.cpuprofile files open in Chrome DevTools) in ${profDir}`);
      for (const [title, name, fn] of targets) {
        // Two passes: the CPU profile without the SQL recorder (its wrappers would show), then the SQL.
        const { summary } = await cpuProfile(fn, join(profDir, `${name}.cpuprofile`));
        printCpu(title, summary);
        rec.reset();
        rec.install();
        try {
          await fn();
        } finally {
          rec.uninstall();
        }
        printSql(title, rec, ro);
        for (const f of rec.figures.values()) {
          const s = seen.get(f.sql) ?? { calls: 0, ms: 0, sql: f.sql, args: f.args };
          s.calls += f.calls;
          s.ms += f.ms;
          seen.set(f.sql, s);
        }
      }
      // Every statement seen in the profiles whose plan reads a whole table or sorts.
      console.log('\n-- Statements whose plan has a SCAN or a temporary B-tree (all profiled operations):');
      for (const f of [...seen.values()].sort((a, b) => b.ms - a.ms)) {
        const plan = explain(ro, { ...f, rows: 0 }).filter(costlyPlanLine);
        if (plan.length === 0) continue;
        console.log(`   ${ms(f.ms).toString().padStart(8)} ms ${String(f.calls).padStart(7)}×  ${oneLine(f.sql, 200)}`);
        for (const l of plan) console.log(`            plan: ${l.trim()}`);
      }
    }
    ro.close();
    await engine.close();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`\nLoad at end: ${uptime()}`);
  console.log(`Cached lab: ${lab.file} (delete it, or SCALE_REBUILD=1, to build again)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
