// What the engine last saw of each pod when it read from it: the time of the last successful read
// and the last error, fed by the budgeted reads (paths, topology detail, doctor). It answers "is
// this pod reachable?" from reads that happened anyway, so the console asks no Neutron for it.
// Kept in memory only, per engine; an observation older than the TTL says nothing any more.
import type { PodReads } from '../../../shared/topology';

/** How long an observation counts: past it, the pod's reads are `unknown` again. */
export const OBSERVATION_TTL_MS = 10 * 60_000;

interface Entry {
  okAt: number | null;
  error: { code: string; message: string; at: number } | null;
  /** First failure since the last success: "unreachable since". */
  failingSince: number | null;
}

export class PodObservations {
  private readonly m = new Map<string, Entry>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = OBSERVATION_TTL_MS,
  ) {}

  private entry(podId: string): Entry {
    let e = this.m.get(podId);
    if (!e) this.m.set(podId, (e = { okAt: null, error: null, failingSince: null }));
    return e;
  }

  ok(podId: string): void {
    const e = this.entry(podId);
    e.okAt = this.now();
    e.failingSince = null;
  }

  failed(podId: string, error: { code: string; message: string }): void {
    const e = this.entry(podId);
    const at = this.now();
    e.error = { code: error.code, message: error.message, at };
    e.failingSince ??= at;
  }

  /**
   * The pod's reads as last observed. `changedAt` is when the pod was last reconfigured (its
   * `updated_at`): what was seen before that was another endpoint, and does not count.
   */
  of(podId: string, changedAt?: string): PodReads {
    const e = this.m.get(podId);
    const from = changedAt ? Date.parse(changedAt) : 0;
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    if (!e) return { status: 'unknown', last_ok_at: null, last_error: null, failing_since: null };
    const fresh = (t: number | null): t is number => t !== null && t >= from && this.now() - t <= this.ttlMs;
    const okAt = e.okAt !== null && e.okAt >= from ? e.okAt : null;
    const err = e.error && e.error.at >= from ? e.error : null;
    const failing = e.failingSince !== null && err !== null;
    const status = failing && fresh(err.at) ? 'failing' : !failing && fresh(okAt) ? 'ok' : 'unknown';
    return {
      status,
      last_ok_at: iso(okAt),
      last_error: err ? { code: err.code, message: err.message, at: iso(err.at)! } : null,
      failing_since: failing ? iso(Math.max(e.failingSince!, from)) : null,
    };
  }

  /** An explicit connection check counts as a read; answers the check's result. */
  checked<T extends { reachable: boolean; auth: string; error: { code: string; message: string } | null }>(podId: string, r: T): T {
    if (r.reachable && r.auth !== 'failed') this.ok(podId);
    else this.failed(podId, r.error ?? { code: 'POD_UNREACHABLE', message: 'The pod did not answer' });
    return r;
  }

  forget(podId: string): void {
    this.m.delete(podId);
  }
}
