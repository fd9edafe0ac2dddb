// Crash tests with REMOTE bottoms (issue 10, item 3): the engine's bottom pods are `neutron` pods
// pointed at a lab-region server (its own SQLite file, served over Neutron's API), so a SIGKILL of
// the engine leaves the bottoms as they were at that instant. After every restart, recovery must
// leave nothing behind: every bottom resource Crosspod named is routed and every routing row
// points at something, no floating IP is half-bound, the top's addresses match its rows, and the
// journal is empty.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../main/engine';
import { churn, kill, recoverAndCheck, regionState, rng, type Regions } from './support/crash';
import { startLabRegionServer, type LabRegionServer, type RequestInfo } from './support/lab-region-server';

// The lab-region server answers in milliseconds: a short settle is enough for its in-flight calls.
const LAB_SETTLE_MS = 200;
const dir = mkdtempSync(join(tmpdir(), 'crosspod-journal-crash-'));
let server: LabRegionServer;
let regions: Regions;
let endpoints: Record<'Pod1' | 'Pod2', string>;
beforeAll(async () => {
  server = await startLabRegionServer({ dbPath: join(dir, 'regions.db'), regions: ['Pod1', 'Pod2'] });
  regions = { Pod1: server.pod('Pod1'), Pod2: server.pod('Pod2') };
  endpoints = { Pod1: server.endpoint('Pod1'), Pod2: server.endpoint('Pod2') };
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('crash in the middle of a cross-pod associate (remote bottoms)', () => {
  // The churn's first operation re-associates the floating IP from vm1 to vm2: a full
  // disassociation (bridge floating IP deleted in Pod1, external one unbound, bridge port deleted
  // in Pod2), then the associate (new bridge port in Pod2, external floating IP bound, bridge
  // floating IP made in Pod1). The engine dies right after a bottom call took effect, before it
  // got the answer. After recovery both regions must hold exactly what they held before.
  for (const [what, region, path] of [
    ['after the bridge port was made in Pod2', 'Pod2', '/ports'],
    ['after the bridge floating IP was made in Pod1 (the last step)', 'Pod1', '/floatingips'],
  ] as const) {
    it(`undoes every bottom step when killed ${what}`, async () => {
      await wipeRegions();
      const dbPath = join(dir, `mid-${region}.db`);
      const run = churn(dbPath, { endpoints, wait: true });
      let armed = false;
      let hit: RequestInfo | null = null;
      server.afterRequest = async (r) => {
        if (armed && !hit && r.method === 'POST' && r.region === region && r.path === path) {
          hit = r;
          await kill(run);
        }
      };
      try {
        await run.ready;
        const before = { pod1: await regionState(server.pod('Pod1')), pod2: await regionState(server.pod('Pod2')) };
        armed = true;
        run.child.stdin!.write('go\n');
        await run.exited;
        expect(hit).not.toBeNull();
        expect(run.ops()).toBe(0);
        const after = await recoverAndCheck(dbPath, regions, undefined, LAB_SETTLE_MS);
        expect(after.fipBound).toBe(true);
        expect({ pod1: await regionState(server.pod('Pod1')), pod2: await regionState(server.pod('Pod2')) }).toEqual(before);
        // Recovery said what it did.
        const e = await createEngine({ dbPath });
        const rec = (await e.api['audit.list']({ operation: 'recovery' })).items;
        await e.close();
        expect(rec).toHaveLength(1);
        expect(JSON.parse(rec[0].input_summary)).toMatchObject({ committed: 0, undone: 1, failed: 0, recreated: 1 });
      } finally {
        server.afterRequest = undefined;
      }
    }, 60_000);
  }
});

async function wipeRegions(): Promise<void> {
  for (const region of ['Pod1', 'Pod2']) {
    const d = server.pod(region);
    for (const f of await d.list('floatingip')) await d.delete('floatingip', f.id);
    for (const r of await d.list('router')) {
      for (const p of await d.list('port', { device_id: r.id, device_owner: 'network:router_interface' })) await d.removeInterface(r.id, { port_id: p.id });
      if (r.external_gateway_info) await d.removeGateway(r.id);
      await d.delete('router', r.id);
    }
    for (const p of await d.list('port')) if (!p.device_owner.startsWith('network:')) await d.delete('port', p.id);
    for (const n of await d.list('network')) await d.delete('network', n.id);
  }
}

describe('SIGKILL with remote bottoms', () => {
  it('>= 1,000 cross-pod associate/disassociate operations, >= 20 SIGKILLs: recovery leaves nothing behind', async () => {
    await wipeRegions();
    const dbPath = join(dir, 'churn.db');
    const seed = Number(process.env.CROSSPOD_CRASH_SEED ?? Date.now() % 100000);
    const rand = rng(seed);
    let kills = 0;
    let ops = 0;
    const states = { bound: 0, unbound: 0 };
    let churnMs = 0;
    while ((kills < 20 || ops < 1000) && kills < 90) {
      const run = churn(dbPath, { endpoints });
      await run.ready;
      // Windows sized from the pace so far, so ~22 kills carry the 1,000 operations on a busy
      // machine too; one in five is very short (a kill right at the start of an operation).
      const msPerOp = ops > 0 ? churnMs / ops : 40;
      const target = (Math.max(0, 1000 - ops) / Math.max(1, 22 - kills)) * msPerOp;
      const window = rand() < 0.2 ? rand() * 100 : Math.max(300, target) * (0.5 + rand());
      await new Promise((r) => setTimeout(r, window));
      churnMs += window;
      await kill(run);
      kills++;
      ops += run.ops();
      const s = await recoverAndCheck(dbPath, regions, undefined, LAB_SETTLE_MS);
      states[s.fipBound ? 'bound' : 'unbound']++;
    }
    console.log(`[journal-crash] seed ${seed}: ${kills} SIGKILLs, ${ops} acknowledged operations, left bound ${states.bound}× / unbound ${states.unbound}×`);
    expect(kills).toBeGreaterThanOrEqual(20);
    expect(ops).toBeGreaterThanOrEqual(1000);
    // Each round starts a churn process (tsx) and an engine: minutes on a loaded 2-core machine.
  }, 600_000);
});
