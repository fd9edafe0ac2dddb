// Cross-pod associate + disassociate cycles on lab pods, side by side with raw better-sqlite3
// single-row transactions in the same run and on the same disk. The target is a ratio of at
// least 1/10. Prints figures; asserts nothing.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEngine } from '../../main/engine';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const WARMUP_MS = 1000;

function rawTransactionsPerSecond(dir: string): number {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const one = db.transaction((v: string) => insert.run(v));
  let n = 0;
  // Warm up first, as the cycles below do: the figures are steady-state rates.
  for (const warm = performance.now() + WARMUP_MS; performance.now() < warm; ) one('warm-up');
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) one(`row ${n++}`);
  }
  db.close();
  return n / SECONDS;
}

async function cyclesPerSecond(dir: string): Promise<{ perSecond: number; cycles: number; calls: number; statements: number }> {
  let calls = 0;
  const engine = await createEngine({
    dbPath: join(dir, 'crosspod.db'),
    driverFactory: (pod, base) => {
      const d = base(pod);
      return new Proxy(d, {
        get(target, key) {
          const v = (target as unknown as Record<string | symbol, unknown>)[key];
          if (typeof v !== 'function') return v;
          return (...args: unknown[]) => {
            calls++;
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    },
  });
  const { fips } = await engine.api['lab.loadExample']({});
  await engine.idle();
  const fip = await engine.api['fips.get']({ id: fips[0] });
  const port = fip.port_id!;
  await engine.api['fips.disassociate']({ id: fip.id });
  for (const warm = performance.now() + WARMUP_MS; performance.now() < warm; ) {
    await engine.api['fips.associate']({ id: fip.id, port_id: port });
    await engine.api['fips.disassociate']({ id: fip.id });
  }
  calls = 0;
  let cycles = 0;
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    await engine.api['fips.associate']({ id: fip.id, port_id: port });
    await engine.api['fips.disassociate']({ id: fip.id });
    cycles++;
  }
  const perSecond = cycles / SECONDS;
  // Then a few cycles with every statement counted: the SQLite work a cycle asks for.
  const statements = await countStatements(20, async () => {
    await engine.api['fips.associate']({ id: fip.id, port_id: port });
    await engine.api['fips.disassociate']({ id: fip.id });
  });
  const path = await engine.api['fips.path']({ id: fip.id });
  if (path.mode !== 'unbound') throw new Error('the bench left the floating IP bound');
  await engine.close();
  return { perSecond, cycles, calls: calls / Math.max(cycles, 1), statements };
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

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crosspod-bench-l3-'));
  try {
    const raw = rawTransactionsPerSecond(dir);
    const l3 = await cyclesPerSecond(dir);
    console.log('\nCross-pod associate+disassociate on lab pods vs raw better-sqlite3 (WAL, synchronous=NORMAL)');
    console.table([
      { measure: 'raw single-row transactions / s', value: Math.round(raw) },
      { measure: 'associate+disassociate cycles / s', value: Math.round(l3.perSecond) },
      { measure: 'bottom driver calls per cycle', value: Math.round(l3.calls) },
      { measure: 'SQLite statements per cycle', value: Math.round(l3.statements) },
      { measure: 'µs per cycle', value: Math.round(1e6 / l3.perSecond) },
      { measure: 'ratio (target >= 0.1)', value: Number((l3.perSecond / raw).toFixed(4)) },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}
