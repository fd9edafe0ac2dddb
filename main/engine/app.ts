// Handlers declared beside their domain, in the style of Actual Budget's `app.method`: each
// domain makes an app, registers its contract methods on it, and the facade combines the apps.
// A mutation's handler gets the running Operation from the runner; a read gets none.
import type { EngineMethod, Output, ParsedInput } from '../../shared/contract';
import type { AuditLog } from './audit';
import type { Operation } from './context';
import type { Doctor } from './doctor';
import type { BridgeService } from './l3/bridge';
import type { FipService } from './l3/fips';
import type { RouterService } from './l3/routers';
import type { NetworkService } from './network';
import type { Services } from './services';
import type { TopologyService } from './topology';
import type { UndoLog } from './undo';
import type { EngineSettings } from './types';

export type Handler<M extends EngineMethod> = (input: ParsedInput<M>, op: Operation) => Promise<Output<M>> | Output<M>;
/** labs.* are the lab host's (main/engine/labs), not one lab engine's. */
export type Handlers = { [M in EngineMethod]: Handler<M> };

/** One connection's services, wired (index.ts buildServices). */
export type EngineServices = Services & { network: NetworkService; routers: RouterService; fips: FipService; bridges: BridgeService; audit: AuditLog; topology: TopologyService; doctor: Doctor };

/** What handlers work with: the writer's services for mutations, the reader's for reads. */
export interface HandlerContext {
  w: EngineServices;
  r: EngineServices;
  settings: EngineSettings;
  audit: AuditLog;
  readAudit: AuditLog;
  /** The undo/redo log of user actions (undo/). */
  undoLog: UndoLog;
  /** Closes and forgets a pod's cached drivers (its connection settings changed, or it went). */
  dropDriver(podId: string): void;
  /** Every handler, for the lab's example, which runs other methods inside its own operation. */
  handlers(): Handlers;
}

export class App {
  readonly handlers: Partial<Handlers> = {};

  method<M extends EngineMethod>(name: M, fn: Handler<M>): this {
    if (this.handlers[name]) throw new Error(`Method ${name} is registered twice`);
    (this.handlers as Record<string, unknown>)[name] = fn;
    return this;
  }
}

export const createApp = (): App => new App();

/** All apps' handlers as one table; every contract method must have exactly one. */
export function combine(methods: readonly EngineMethod[], ...apps: App[]): Handlers {
  const out: Partial<Handlers> = {};
  for (const a of apps) {
    for (const [m, fn] of Object.entries(a.handlers)) {
      if (m in out) throw new Error(`Method ${m} is registered by two domains`);
      (out as Record<string, unknown>)[m] = fn;
    }
  }
  const missing = methods.filter((m) => !(m in out));
  if (missing.length) throw new Error(`No handler for ${missing.join(', ')}`);
  return out as Handlers;
}
