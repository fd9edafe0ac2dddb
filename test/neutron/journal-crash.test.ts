// The journal crash test against real Neutron (issue 10, item 3): the engine with Pod1 and Pod2 on
// the harness's Neutron servers is SIGKILLed at arbitrary points of a cross-pod associate /
// re-associate / disassociate loop; after each restart and recovery nothing is left behind (the
// invariants of test/engine/support/crash.ts, scoped to this run's projects). Shorter than the
// unit version (test/engine/journal-crash.test.ts): real Neutron takes seconds per operation.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createNeutronDriver } from '../../main/engine/drivers/neutron';
import { churn, kill, recoverAndCheck, rng, type Regions } from '../engine/support/crash';

const pods = inject('neutronPods');
const dir = mkdtempSync(join(tmpdir(), 'crosspod-neutron-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SIGKILL with real Neutron bottoms', () => {
  it('>= 5 SIGKILLs during cross-pod associate/disassociate: recovery leaves nothing behind', async () => {
    const uid = randomUUID().slice(0, 6);
    const endpoints = { Pod1: pods[0].url, Pod2: pods[1].url };
    const regions: Regions = { Pod1: createNeutronDriver({ auth_type: 'noauth', endpoint: endpoints.Pod1 }), Pod2: createNeutronDriver({ auth_type: 'noauth', endpoint: endpoints.Pod2 }) };
    const projects = [`proj1-${uid}`, `admin-${uid}`];
    const dbPath = join(dir, 'churn.db');
    const seed = Number(process.env.CROSSPOD_CRASH_SEED ?? Date.now() % 100000);
    const rand = rng(seed);
    let kills = 0;
    let ops = 0;
    const started = Date.now();
    // A cross-pod associate on real Neutron takes seconds: windows of 4-20 s.
    while ((kills < 5 || ops < Number(process.env.CROSSPOD_NEUTRON_CRASH_OPS ?? 10)) && kills < 10) {
      const run = churn(dbPath, { endpoints, uid, vlanBase: 3000 + (Number.parseInt(uid, 16) % 9) * 100 });
      await run.ready;
      // On a loaded machine an operation can take longer than a window: while none has been
      // acknowledged, the windows grow (half again per kill) so the run still sees operations.
      const stretch = ops === 0 ? 1 + kills / 2 : 1;
      await new Promise((r) => setTimeout(r, (4000 + rand() * 16000) * stretch));
      await kill(run);
      kills++;
      ops += run.ops();
      await recoverAndCheck(dbPath, regions, projects);
    }
    console.log(`[neutron journal-crash] seed ${seed}: ${kills} SIGKILLs, ${ops} acknowledged operations in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expect(kills).toBeGreaterThanOrEqual(5);
    expect(ops).toBeGreaterThan(0);
  }, 900_000);
});
