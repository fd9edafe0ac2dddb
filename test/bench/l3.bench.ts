// Cross-pod associate + disassociate cycles on lab pods, side by side with raw better-sqlite3
// single-row transactions in the same run and on the same disk. The target is a ratio of at
// least 1/10. Prints figures; asserts nothing.
//
// Side by side: both warm up, then take turns, one window each per round, so that each round's
// ratio compares two rates measured under the same load; the table gives the median round.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEngine } from '../../main/engine';
import { tapDriver } from '../engine/support/engine';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 1000);
const WARMUP_MS = 1000;

/** Runs fn for ms milliseconds (in batches of `batch`), and gives its rate per second. */
async function rate(ms: number, batch: number, fn: () => unknown): Promise<number> {
  let n = 0;
  const start = performance.now();
  const end = start + ms;
  while (performance.now() < end) {
    for (let i = 0; i < batch; i++) {
      // A synchronous fn (the raw transaction) is not awaited: no microtask turn in its rate.
      const r = fn();
      if (r instanceof Promise) await r;
    }
    n += batch;
  }
  return n / ((performance.now() - start) / 1000);
}

function rawTransactions(dir: string): { one: () => void; close: () => void } {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  let n = 0;
  const tx = db.transaction((v: string) => insert.run(v));
  return { one: () => tx(`row ${n++}`), close: () => db.close() };
}

/** Statements (run, get, all, iterate) per call of fn, counted on better-sqlite3's Statement. */
async function countStatements(times: number, fn: () => Promise<void>): Promise<number> {
  const proto = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<string, (...a: unknown[]) => unknown>;
  const saved = new Map<string, (...a: unknown[]) => unknown>();
  let n = 0;
  for (const m of ['run', 'get', 'all', 'iterate']) {
    const orig = proto[m];
    saved.set(m, orig);
    proto[m] = function (this: unknown, ...a: unknown[]) {
      n++;
      return orig.apply(this, a);
    };
  }
  try {
    for (let i = 0; i < times; i++) await fn();
  } finally {
    for (const [m, orig] of saved) proto[m] = orig;
  }
  return n / times;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crosspod-bench-l3-'));
  try {
    let calls = 0;
    const engine = await createEngine({
      dbPath: join(dir, 'crosspod.db'),
      driverFactory: (pod, base) => tapDriver(base(pod), () => void calls++),
    });
    const { fips } = await engine.api['lab.loadExample']({});
    await engine.idle();
    const fip = await engine.api['fips.get']({ id: fips[0] });
    const port = fip.port_id!;
    await engine.api['fips.disassociate']({ id: fip.id });
    const cycle = async () => {
      await engine.api['fips.associate']({ id: fip.id, port_id: port });
      await engine.api['fips.disassociate']({ id: fip.id });
    };
    const raw = rawTransactions(dir);

    // Warm up both (JIT, page caches), then take turns.
    await rate(WARMUP_MS, 100, raw.one);
    await rate(WARMUP_MS, 1, cycle);
    const rounds: { raw: number; cycles: number; ratio: number }[] = [];
    let cyclesRun = 0;
    calls = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const rawRate = await rate(WINDOW_MS, 100, raw.one);
      const before = performance.now();
      const cycles = await rate(WINDOW_MS, 1, cycle);
      cyclesRun += Math.round((cycles * (performance.now() - before)) / 1000);
      rounds.push({ raw: rawRate, cycles, ratio: cycles / rawRate });
    }
    const perCycleCalls = calls / Math.max(cyclesRun, 1);
    // Then a few cycles with every statement counted: the SQLite work a cycle asks for.
    const statements = await countStatements(20, cycle);
    const path = await engine.api['fips.path']({ id: fip.id });
    if (path.mode !== 'unbound') throw new Error('the bench left the floating IP bound');
    raw.close();
    await engine.close();

    const mid = rounds.find((r) => r.ratio === median(rounds.map((x) => x.ratio)))!;
    const ratios = rounds.map((r) => r.ratio);
    console.log(`\nCross-pod associate+disassociate on lab pods vs raw better-sqlite3 (WAL, synchronous=NORMAL); ${ROUNDS} rounds of ${WINDOW_MS} ms each, taking turns`);
    console.table([
      { measure: 'raw single-row transactions / s (median round)', value: Math.round(mid.raw) },
      { measure: 'associate+disassociate cycles / s (median round)', value: Math.round(mid.cycles) },
      { measure: 'µs per cycle (median round)', value: Math.round(1e6 / mid.cycles) },
      { measure: 'bottom driver calls per cycle', value: Math.round(perCycleCalls) },
      { measure: 'SQLite statements per cycle', value: Math.round(statements) },
      { measure: 'ratio, median round (target >= 0.1)', value: Number(mid.ratio.toFixed(4)) },
      { measure: 'ratio, lowest–highest round', value: `${Math.min(...ratios).toFixed(4)}–${Math.max(...ratios).toFixed(4)}` },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
