// Test support: a real engine on a fresh SQLite file in a temp dir, plus direct readers of what
// the lab pods hold, so tests check the bottoms rather than the engine's own view.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../../main/engine';
import { createLabDriver } from '../../../main/engine/drivers/lab';
import type { PodDriver } from '../../../main/engine/drivers/driver';
import type { Engine, EngineOptions } from '../../../main/engine/types';
import type { Routing } from '../../../shared/model';

export interface TestEngine {
  engine: Engine;
  dir: string;
  dbPath: string;
  /** A lab driver over the same file, to read what a bottom pod holds. */
  pod(region: string): PodDriver;
  podId(region: string): string;
  routings(): Routing[];
  /** Row counts of every table: a cheap fingerprint to prove that nothing changed. */
  fingerprint(): Record<string, number>;
  close(): Promise<void>;
}

export async function newEngine(opts: Partial<EngineOptions> = {}): Promise<TestEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'crosspod-test-'));
  const dbPath = join(dir, 'crosspod.db');
  const engine = await createEngine({ dbPath, ...opts });
  const db = engine.store.db;
  const podId = (region: string) => {
    const r = db.prepare('SELECT pod_id FROM pods WHERE region_name = ?').get(region) as { pod_id: string } | undefined;
    if (!r) throw new Error(`no pod ${region}`);
    return r.pod_id;
  };
  return {
    engine,
    dir,
    dbPath,
    podId,
    pod: (region) => createLabDriver(db, podId(region)),
    routings: () => db.prepare('SELECT * FROM resource_routings ORDER BY id').all() as Routing[],
    fingerprint() {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
      const out: Record<string, number> = {};
      for (const t of tables) if (t !== 'audit_log') out[t] = (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
      return out;
    },
    async close() {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The reference's three pods: RegionOne (top), Pod1 (az1), Pod2 (az2). */
export async function threePods(e: Engine): Promise<void> {
  await e.api['pods.create']({ region_name: 'RegionOne' });
  await e.api['pods.create']({ region_name: 'Pod1', az_name: 'az1' });
  await e.api['pods.create']({ region_name: 'Pod2', az_name: 'az2' });
}

/**
 * The driver with `before(method, args)` run ahead of each of its calls: to count calls, or to
 * fail one as a pod that went away would (a throw in `before` is the call's rejection).
 */
export function tapDriver(d: PodDriver, before: (method: string, args: unknown[]) => void): PodDriver {
  return new Proxy(d, {
    get(target, key) {
      const v = (target as unknown as Record<string | symbol, unknown>)[key];
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        before(String(key), args);
        return (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}
