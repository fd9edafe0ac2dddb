// One cross-pod associate (and disassociate) through the journaled `neutron` path: the §12 lab
// with Pod1 and Pod2 as neutron pods served by a lab-region server (its own SQLite file, HTTP on
// 127.0.0.1), so the figure is the engine's own cost plus loopback HTTP, not a real Neutron's.
// Prints figures; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../main/engine';
import { Journal } from '../../main/engine/runtime/journal';
import { startLabRegionServer } from '../engine/support/lab-region-server';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The journal's own cost per bottom call: an intent row committed, then its result (no driver work). */
async function stepCostMicros(dir: string): Promise<number> {
  const j = new Journal(join(dir, 'steps.oplog'));
  const noop = { kind: 'neutron', create: async () => ({ id: 'x' }) } as never;
  const n = 2000;
  const t = performance.now();
  for (let op = 0; op < n / 10; op++) {
    const oj = j.begin('bench');
    const d = oj.wrap('pod', noop);
    for (let i = 0; i < 10; i++) await d.create('floatingip', { floating_network_id: 'n', project_id: 'p', floating_ip_address: `10.0.0.${i}` });
    oj.finish();
  }
  const us = ((performance.now() - t) * 1000) / n;
  j.close();
  return us;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crosspod-bench-journal-'));
  const server = await startLabRegionServer({ dbPath: join(dir, 'regions.db'), regions: ['Pod1', 'Pod2'] });
  const dbPath = join(dir, 'crosspod.db');
  let requests = 0;
  server.afterRequest = () => void requests++;
  try {
    const engine = await createEngine({ dbPath });
    const api = engine.api;
    await api['pods.create']({ region_name: 'RegionOne' });
    await api['pods.create']({ region_name: 'Pod1', az_name: 'az1', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: server.endpoint('Pod1') } });
    await api['pods.create']({ region_name: 'Pod2', az_name: 'az2', driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: server.endpoint('Pod2') } });
    const { fips } = await api['lab.loadExample']({});
    await engine.idle();
    const fip = await api['fips.get']({ id: fips[0] });
    const port = fip.port_id!;
    await api['fips.disassociate']({ id: fip.id });
    // Journal rows written per operation, read back by a second connection while it runs.
    const journal = new Journal(`${dbPath}.oplog`);
    const countSteps = journal.db.prepare('SELECT COUNT(*) FROM steps').pluck();
    let maxSteps = 0;
    server.afterRequest = () => {
      requests++;
      maxSteps = Math.max(maxSteps, countSteps.get() as number);
    };
    const assoc: number[] = [];
    const disassoc: number[] = [];
    requests = 0;
    const end = performance.now() + SECONDS * 1000;
    while (performance.now() < end) {
      let t = performance.now();
      await api['fips.associate']({ id: fip.id, port_id: port });
      assoc.push(performance.now() - t);
      t = performance.now();
      await api['fips.disassociate']({ id: fip.id });
      disassoc.push(performance.now() - t);
    }
    const cycles = assoc.length;
    journal.close();
    await engine.close();
    const stepUs = await stepCostMicros(dir);
    console.log('\nCross-pod associate through the journaled neutron driver (lab-region server on 127.0.0.1)');
    console.table([
      { measure: 'associate, median ms', value: Number(median(assoc).toFixed(2)) },
      { measure: 'disassociate, median ms', value: Number(median(disassoc).toFixed(2)) },
      { measure: 'cycles / s', value: Number((cycles / SECONDS).toFixed(1)) },
      { measure: 'HTTP requests per cycle', value: Number((requests / cycles).toFixed(1)) },
      { measure: 'journal rows held at most (one operation)', value: maxSteps },
      { measure: 'journal cost per bottom call (intent + result commits), µs', value: Number(stepUs.toFixed(1)) },
    ]);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
