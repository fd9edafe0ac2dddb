// The built lab is kept under os.tmpdir() and reused: building 100,000 ports and 20,000
// floating IPs through the API takes minutes. The key is the sizes, a hash of the migration
// files and a hash of the builder (lab.ts): a schema or shape change builds a new one. Engine
// code changes that keep the schema do not invalidate it; SCALE_REBUILD=1 forces a build.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../../main/engine';
import { defaultMigrationsDir } from '../../../main/engine/store';
import { buildLab, planLab, type BuildResult, type ScaleSizes } from './lab';

export interface CacheMeta {
  sizes: ScaleSizes;
  key: string;
  builtAt: string;
  build: BuildResult;
  bytes: number;
  load: number[];
}

export const cacheDir = () => process.env.SCALE_CACHE_DIR ?? join(tmpdir(), 'crosspod-bench-scale');

export function cacheKey(sizes: ScaleSizes): string {
  const h = createHash('sha256');
  for (const f of readdirSync(defaultMigrationsDir).filter((f) => f.endsWith('.sql')).sort()) {
    h.update(f).update(readFileSync(join(defaultMigrationsDir, f)));
  }
  h.update(readFileSync(fileURLToPath(new URL('./lab.ts', import.meta.url))));
  return `p${sizes.pods}-n${sizes.ports}-f${sizes.fips}-${h.digest('hex').slice(0, 12)}`;
}

/** The cached lab file for these sizes, built first when absent. */
export async function cachedLab(sizes: ScaleSizes, log: (l: string) => void): Promise<{ file: string; meta: CacheMeta; reused: boolean }> {
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const key = cacheKey(sizes);
  const file = join(dir, `lab-${key}.db`);
  const metaFile = `${file}.json`;
  if (process.env.SCALE_REBUILD !== '1' && existsSync(file) && existsSync(metaFile)) {
    return { file, meta: JSON.parse(readFileSync(metaFile, 'utf8')) as CacheMeta, reused: true };
  }
  const plan = planLab(sizes);
  log(`Building the lab through the API: ${sizes.pods} pods, ${plan.projects} projects, ${plan.projects * 3} tenant networks (/${plan.prefix}), ${plan.extPods.length} external networks, ${sizes.ports} ports, ${sizes.fips} floating IPs`);
  log(`  (one-off; ~2 ms a port and ~5 ms a floating IP on a quiet 2-core machine: several minutes at the default sizes)`);
  const buildDir = join(dir, `building-${process.pid}`);
  rmSync(buildDir, { recursive: true, force: true });
  mkdirSync(buildDir, { recursive: true });
  const tmp = join(buildDir, 'lab.db');
  const engine = await createEngine({ dbPath: tmp });
  let build: BuildResult;
  try {
    build = await buildLab(engine, plan, log);
    // A failed job would mean the lab is not what was asked for.
    const failed = await engine.api['jobs.list']({ status: 'FAIL', limit: 1 });
    if (failed.items.length > 0) throw new Error(`the build left a FAIL job: ${JSON.stringify(failed.items[0])}`);
  } catch (e) {
    await engine.close();
    rmSync(buildDir, { recursive: true, force: true });
    throw e;
  }
  await engine.close();
  renameSync(tmp, file);
  rmSync(buildDir, { recursive: true, force: true });
  const meta: CacheMeta = { sizes, key, builtAt: new Date().toISOString(), build, bytes: statSync(file).size, load: loadavg() };
  writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  return { file, meta, reused: false };
}
