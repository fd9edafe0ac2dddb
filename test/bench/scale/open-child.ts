// One cold open of the scale lab in a fresh process: node --import tsx open-child.ts <db>.
// Prints one JSON line: the engine module's import time, createEngine(), the first page of
// floating IPs with their paths, and close(). Optionally writes a CPU profile of the open
// (SCALE_OPEN_PROFILE=<file>).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const dbPath = process.argv[2];
if (!dbPath) throw new Error('usage: open-child.ts <db file>');
const profileFile = process.env.SCALE_OPEN_PROFILE;

const t0 = performance.now();
const { createEngine } = await import('../../../main/engine');
const importMs = performance.now() - t0;

let session: Session | null = null;
if (profileFile) {
  session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
}
const t1 = performance.now();
const engine = await createEngine({ dbPath });
const openMs = performance.now() - t1;
// The integrity check runs in a worker after open: how long until it has spoken (from t1).
let integrityMs = NaN;
const integrity = engine.integrity().then(() => (integrityMs = performance.now() - t1));
if (session) {
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: unknown };
  session.disconnect();
  writeFileSync(profileFile!, JSON.stringify(profile));
}
const t2 = performance.now();
const page = await engine.api['fips.listWithPaths']({ limit: 50 });
const firstPageMs = performance.now() - t2;
await integrity;
const t3 = performance.now();
await engine.close();
const closeMs = performance.now() - t3;
console.log(JSON.stringify({ importMs, openMs, firstPageMs, integrityMs, closeMs, items: page.items.length }));
