// A pod's health from the reads that happen anyway (issue 11): the budgeted reads of paths, the
// topology detail and the doctor record per pod the last successful read and the last error;
// topology.summary and pods.health report them (with a TTL) without asking any pod. A pod pointed
// at a closed port shows as unreachable since its first failed read, and only its own hops fail.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PodObservations } from '../../main/engine/pods/observations';
import { newEngine, type TestEngine } from './support/engine';

let t: TestEngine;
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
let clock = T0;
const at = (ms: number) => new Date(T0 + ms).toISOString();
const UNKNOWN = { status: 'unknown', last_ok_at: null, last_error: null, failing_since: null };

beforeEach(async () => {
  clock = T0;
  t = await newEngine({ now: () => new Date(clock), settings: { read_budget_ms: 3000 } as never });
  await t.engine.api['lab.loadExample']({});
  await t.engine.idle();
});
afterEach(async () => {
  await t.close();
});

const api = () => t.engine.api;
const health = async () => Object.fromEntries((await api()['pods.health']({})).pods.map((p) => [p.region_name, p.reads]));
const summaryHealth = async () => Object.fromEntries((await api()['topology.summary']({})).pods.map((p) => [p.region_name, p.health]));

describe('pod health from observed reads', () => {
  it('starts unknown, and a page of paths marks the pods it read', async () => {
    expect(await health()).toEqual({ Pod1: UNKNOWN, Pod2: UNKNOWN });
    clock = T0 + 1000;
    await api()['fips.listWithPaths']({});
    const ok = { status: 'ok', last_ok_at: at(1000), last_error: null, failing_since: null };
    expect(await health()).toEqual({ Pod1: ok, Pod2: ok });
    expect(await summaryHealth()).toEqual({
      RegionOne: { status: 'ok', failed_jobs: 0, pending_routings: 0, reads: UNKNOWN },
      Pod1: { status: 'ok', failed_jobs: 0, pending_routings: 0, reads: ok },
      Pod2: { status: 'ok', failed_jobs: 0, pending_routings: 0, reads: ok },
    });
  });

  it('a pod at a closed port: unreachable since its first failed read, only its hops fail, and it comes back', async () => {
    clock = T0 + 1000;
    await api()['fips.listWithPaths']({});
    const pod1 = t.podId('Pod1');
    clock = T0 + 2000;
    await api()['pods.update']({ pod_id: pod1, driver: 'neutron', driver_config: { auth_type: 'noauth', endpoint: 'http://127.0.0.1:1', timeout_ms: 2000 } });
    // What was read before the pod was repointed says nothing of the new endpoint.
    expect((await health()).Pod1).toEqual(UNKNOWN);

    // The topology detail of Pod2 reads Pod1 for the path's VM hop: that read fails.
    clock = T0 + 60_000;
    const d = await api()['topology.detail']({ scope: 'pod', id: t.podId('Pod2') });
    expect(d.fips.map((f) => [f.address, f.mode, f.hops.map((h) => [h.role, h.address, h.region, h.error?.code ?? null])])).toEqual([
      [
        '162.3.124.5',
        'two-step',
        [
          ['external', '162.3.124.5', 'Pod2', null],
          ['bridge', '100.128.0.3', 'Pod1', null],
          ['fixed', '10.0.1.4', 'Pod1', 'POD_UNREACHABLE'],
        ],
      ],
    ]);
    const err = d.fips[0].hops[2].error!;
    expect(err).toEqual({ code: 'POD_UNREACHABLE', message: 'Cannot reach http://127.0.0.1:1/v2.0/floatingips: bad port' });
    // Its lists run side by side: the last error is any one of them.
    const lastError = { code: 'POD_UNREACHABLE', message: expect.stringMatching(/^Cannot reach http:\/\/127\.0\.0\.1:1\/v2\.0\/(floatingips|networks|routers|ports): bad port$/) };
    const failing = { status: 'failing', last_ok_at: null, last_error: { ...lastError, at: at(60_000) }, failing_since: at(60_000) };
    expect(d.pods.map((p) => [p.region_name, p.focus, p.reads])).toEqual([
      ['Pod1', false, failing],
      ['Pod2', true, { status: 'ok', last_ok_at: at(60_000), last_error: null, failing_since: null }],
    ]);
    expect(await health()).toEqual({ Pod1: failing, Pod2: { status: 'ok', last_ok_at: at(60_000), last_error: null, failing_since: null } });
    expect((await summaryHealth()).Pod1).toEqual({ status: 'unreachable', failed_jobs: 0, pending_routings: 0, reads: failing });

    // Drilled into the dead pod itself: it still renders, its router copy without what could not be read.
    clock = T0 + 120_000;
    const d1 = await api()['topology.detail']({ scope: 'pod', id: pod1 });
    expect(d1.routers.map((r) => [r.name, r.copies.map((c) => [c.interfaces.length, c.gateway])])).toEqual([['R', [[0, null]]]]);
    expect(d1.fips[0].hops.map((h) => [h.role, h.error?.code ?? null])).toEqual([
      ['external', null],
      ['bridge', null],
      ['fixed', 'POD_UNREACHABLE'],
    ]);
    // Still failing: since the first failure, with the latest error's time.
    expect((await health()).Pod1).toEqual({ ...failing, last_error: { ...lastError, at: at(120_000) } });

    // The doctor's reads count too; past the TTL without a read, the pod is unknown again.
    clock = T0 + 180_000;
    await api()['doctor.run']({});
    expect((await health()).Pod1).toMatchObject({ status: 'failing', failing_since: at(60_000), last_error: { code: 'POD_UNREACHABLE', at: at(180_000) } });
    clock = T0 + 180_000 + 10 * 60_000 + 1;
    expect((await health()).Pod1).toMatchObject({ status: 'unknown', failing_since: at(60_000) });
    expect((await summaryHealth()).Pod1.status).toBe('ok');

    // Back to the lab: unknown until read, then ok.
    await api()['pods.update']({ pod_id: pod1, driver: 'lab' });
    expect((await health()).Pod1).toEqual(UNKNOWN);
    const later = clock;
    await api()['fips.listWithPaths']({});
    expect((await health()).Pod1).toEqual({ status: 'ok', last_ok_at: new Date(later).toISOString(), last_error: null, failing_since: null });
  });

  it('a connection check counts as a read', async () => {
    clock = T0 + 5000;
    const r = await api()['pods.testConnection']({ pod_id: t.podId('Pod2') });
    expect(r.reachable).toBe(true);
    expect((await health()).Pod2).toEqual({ status: 'ok', last_ok_at: at(5000), last_error: null, failing_since: null });
  });
});

describe('PodObservations', () => {
  it('keeps the first failure of a streak, forgets it on success, and ages out after the TTL', () => {
    let now = 0;
    const o = new PodObservations(() => now, 100);
    o.failed('p', { code: 'POD_TIMEOUT', message: 'slow' });
    now = 10;
    o.failed('p', { code: 'POD_UNREACHABLE', message: 'down' });
    expect(o.of('p')).toEqual({ status: 'failing', last_ok_at: null, last_error: { code: 'POD_UNREACHABLE', message: 'down', at: new Date(10).toISOString() }, failing_since: new Date(0).toISOString() });
    now = 20;
    o.ok('p');
    expect(o.of('p')).toEqual({ status: 'ok', last_ok_at: new Date(20).toISOString(), last_error: { code: 'POD_UNREACHABLE', message: 'down', at: new Date(10).toISOString() }, failing_since: null });
    now = 121;
    expect(o.of('p').status).toBe('unknown');
    expect(o.of('q')).toEqual(UNKNOWN);
  });
});
