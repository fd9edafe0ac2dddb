// IPAM cost at depth: the 1,000,000th address of a 10.0.0.0/8 must cost what the first does,
// in a contiguous pool and in a fragmented one. Prints µs per call (median of samples).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Ipam, PrefixPool, VlanPool, bigIntToIp, normalizeSubnet } from '../../main/engine/ipam';
import { openStore } from '../../main/engine/store';

const SAMPLES = 101;
const DEPTH = 1_000_000;
const NET = 167772160n; // 10.0.0.0

type Db = Awaited<ReturnType<typeof openStore>>['db'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median µs of `timed`, with `untimed` run after each sample to restore the state. */
function samples(timed: (i: number) => unknown, untimed: (i: number) => unknown): number {
  const us: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = process.hrtime.bigint();
    timed(i);
    us.push(Number(process.hrtime.bigint() - t0) / 1000);
    untimed(i);
  }
  return median(us);
}

/**
 * Two figures: inside an open transaction (how the engine calls IPAM: one transaction per
 * mutation, IPAM a part of it) and on its own in autocommit (the call plus a WAL commit).
 */
function both(db: Db, timed: (i: number) => unknown, untimed: (i: number) => unknown = () => {}): [number, number] {
  db.exec('BEGIN');
  const inTx = samples(timed, untimed);
  db.exec('COMMIT');
  return [inTx, samples(timed, untimed)];
}

type Row = [string, string, string];

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crosspod-bench-ipam-'));
  const store = await openStore(join(dir, 'bench.db'));
  try {
    const db = store.db;
    const ipam = new Ipam(db);
    const rows: Row[] = [];
    const add = (label: string, [a, b]: [number, number]) => rows.push([label, fmt(a), fmt(b)]);
    const slash8 = normalizeSubnet({ cidr: '10.0.0.0/8' });

    // Warm up statements and the JIT on a throwaway subnet.
    ipam.addSubnet('warm', slash8);
    for (let i = 0; i < 2000; i++) ipam.release('warm', ipam.allocate('warm'));

    let fresh = 0;
    ipam.addSubnet('fresh-0', slash8);
    add(
      'allocate: first address of a fresh /8',
      both(
        db,
        () => ipam.allocate(`fresh-${fresh}`),
        () => ipam.addSubnet(`fresh-${++fresh}`, slash8),
      ),
    );

    // Throughput through the API, then a bulk SQL fill to reach the millionth address quickly
    // (the same state 999,999 allocate() calls leave: rows, the free range's start, the counter).
    ipam.addSubnet('thru', slash8);
    const THRU = 100_000;
    const t0 = process.hrtime.bigint();
    db.transaction(() => {
      for (let i = 0; i < THRU; i++) ipam.allocate('thru');
    })();
    const thruMs = Number(process.hrtime.bigint() - t0) / 1e6;
    rows.push([`allocate() x${THRU} in one transaction`, `${fmt((thruMs * 1000) / THRU)} avg`, '']);
    ipam.removeSubnet('thru');

    ipam.addSubnet('deep', slash8);
    db.transaction(() => {
      db.prepare(
        `INSERT INTO ipam_allocations (subnet_id, address)
         WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < ${DEPTH})
         SELECT 'deep', printf('%08x', ${NET} + i) FROM n`,
      ).run();
      db.prepare(`UPDATE ipam_free_ranges SET first = printf('%08x', ${NET + BigInt(DEPTH) + 1n}) WHERE subnet_id = 'deep'`).run();
      db.prepare(`UPDATE ipam_subnets SET allocated = ${DEPTH - 1} WHERE subnet_id = 'deep'`).run();
    })();
    if (ipam.allocatedCount('deep') !== DEPTH - 1) throw new Error('bulk fill went wrong');

    let last = '';
    add(
      'allocate: the 1,000,000th address',
      both(
        db,
        () => (last = ipam.allocate('deep')),
        () => ipam.release('deep', last),
      ),
    );
    const millionth = ipam.allocate('deep');
    if (millionth !== '10.15.66.65') throw new Error(`the 1,000,000th address is ${millionth}, expected 10.15.66.65`);
    rows.push(['  (which is)', millionth, '']);
    ipam.release('deep', millionth);

    const far = (i: number) => bigIntToIp(NET + 10_000_000n + BigInt(i) * 7n, 4);
    add('explicit allocate, 9M addresses deeper', both(db, (i) => ipam.allocate('deep', far(i)), (i) => ipam.release('deep', far(i))));
    add('release of that address', both(db, (i) => ipam.release('deep', far(i)), (i) => ipam.allocate('deep', far(i))));
    const held = (i: number) => bigIntToIp(NET + 2n + BigInt(i) * 9_000n, 4);
    add('release inside the filled million', both(db, (i) => ipam.release('deep', held(i)), (i) => ipam.allocate('deep', held(i))));
    add('allocatedCount at 1,000,000', both(db, () => ipam.allocatedCount('deep')));

    // Fragment: free every other address of the first 200,000.
    db.transaction(() => {
      for (let i = 0; i < 200_000; i += 2) ipam.release('deep', bigIntToIp(NET + 2n + BigInt(i), 4));
    })();
    const ranges = db.prepare("SELECT count(*) FROM ipam_free_ranges WHERE subnet_id = 'deep'").pluck().get() as number;
    rows.push([`fragmented: free ranges in the pool`, String(ranges), '']);
    add(
      'fragmented: allocate lowest',
      both(
        db,
        () => (last = ipam.allocate('deep')),
        () => ipam.release('deep', last),
      ),
    );
    const frag = (i: number) => bigIntToIp(NET + 2n + 100_000n + BigInt(i) * 2n, 4);
    add('fragmented: explicit allocate', both(db, (i) => ipam.allocate('deep', frag(i)), (i) => ipam.release('deep', frag(i))));
    const odd = (i: number) => bigIntToIp(NET + 3n + 100_000n + BigInt(i) * 2n, 4);
    add('fragmented: release merging two neighbours', both(db, (i) => ipam.release('deep', odd(i)), (i) => ipam.allocate('deep', odd(i))));

    const pools = new PrefixPool(db);
    pools.ensurePool('ew', '100.0.0.0/9', 24);
    db.transaction(() => {
      for (let i = 0; i < 32766; i++) pools.allocate('ew');
    })();
    let p = '';
    add('PrefixPool: allocate the 32,767th /24', both(db, () => (p = pools.allocate('ew')), () => pools.release('ew', p)));
    const vlans = new VlanPool(db);
    vlans.ensureRange('bridge', 1, 4094);
    db.transaction(() => {
      for (let i = 0; i < 4000; i++) vlans.allocate('bridge');
    })();
    let vl = 0;
    add('VlanPool: allocate the 4,001st VLAN', both(db, () => (vl = vlans.allocate('bridge')), () => vlans.release('bridge', vl)));

    print(rows);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(us: number): string {
  return `${us.toFixed(1)} µs`;
}

function print(rows: Row[]): void {
  const head: Row = ['operation (10.0.0.0/8 unless said)', 'in a transaction', 'autocommit'];
  const w = [0, 1, 2].map((i) => Math.max(...[head, ...rows].map((r) => r[i].length)));
  const line = (r: Row) => `${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padStart(w[2])}`;
  console.log(`\nIPAM: µs per call, median of ${SAMPLES} samples (SQLite WAL, synchronous=NORMAL)`);
  console.log(line(head));
  console.log(line(['-'.repeat(w[0]), '-'.repeat(w[1]), '-'.repeat(w[2])]));
  for (const r of rows) console.log(line(r));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
