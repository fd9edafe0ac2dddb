// Per-resource locks for operations: each mutation names what it touches (a floating IP, a port,
// a router, a network, a bridge pool, or the whole engine) before it starts. Operations whose
// sets do not conflict run at the same time; conflicting ones run first come, first served (a
// request never overtakes an earlier one it conflicts with, so nothing starves).
export type LockMode = 'shared' | 'exclusive';
export interface LockRequest {
  key: string;
  mode: LockMode;
}

/** Everything takes the engine lock: shared for resource-scoped operations, exclusive for the rest. */
export const ENGINE = 'engine';

interface Waiter {
  keys: Map<string, LockMode>;
  grant: () => void;
}

const conflicts = (a: Map<string, LockMode>, b: Map<string, LockMode>) => {
  for (const [k, m] of a) {
    const o = b.get(k);
    if (o && (m === 'exclusive' || o === 'exclusive')) return true;
  }
  return false;
};

export class LockManager {
  private readonly held = new Map<string, { mode: LockMode; count: number }>();
  private readonly queue: Waiter[] = [];

  /** Resolves once every lock is held; call the returned function to release them all. */
  acquire(requests: LockRequest[]): Promise<() => void> {
    const keys = new Map<string, LockMode>();
    for (const r of requests) if (keys.get(r.key) !== 'exclusive') keys.set(r.key, r.mode);
    return new Promise((resolve) => {
      this.queue.push({ keys, grant: () => resolve(() => this.release(keys)) });
      this.pump();
    });
  }

  /** How many operations hold or wait for locks (for idle()). */
  get busy(): number {
    return this.held.size + this.queue.length;
  }

  private free(keys: Map<string, LockMode>): boolean {
    for (const [k, m] of keys) {
      const h = this.held.get(k);
      if (h && (m === 'exclusive' || h.mode === 'exclusive')) return false;
    }
    return true;
  }

  private pump(): void {
    const passed: Waiter[] = [];
    for (let i = 0; i < this.queue.length; ) {
      const w = this.queue[i];
      if (this.free(w.keys) && !passed.some((p) => conflicts(p.keys, w.keys))) {
        this.queue.splice(i, 1);
        for (const [k, m] of w.keys) {
          const h = this.held.get(k);
          if (h) h.count++;
          else this.held.set(k, { mode: m, count: 1 });
        }
        w.grant();
      } else {
        passed.push(w);
        i++;
      }
    }
  }

  private release(keys: Map<string, LockMode>): void {
    for (const k of keys.keys()) {
      const h = this.held.get(k)!;
      if (--h.count === 0) this.held.delete(k);
    }
    this.pump();
  }
}
