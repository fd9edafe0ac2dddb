// The engine's public shape: what main/shell and main/serve bind the contract to.
import type { Api, EngineEvent, Method, Output } from '../../shared/contract';
import type { PodDriver } from './drivers/driver';
import type { SecretBox } from './secrets';
import type { IntegrityReport, Store } from './store';

export interface BridgeSettings {
  ew_pool: string;
  ns_pool: string;
  prefixlen: number;
  physical_network: string;
  vlan_min: number;
  vlan_max: number;
}

export interface QuotaDefaults {
  network: number;
  subnet: number;
  port: number;
  router: number;
  floatingip: number;
}

export interface EngineSettings {
  bridge: BridgeSettings;
  quota_defaults: QuotaDefaults;
  /** Age after which an incomplete routing row counts as abandoned (reference §5). */
  routing_expire_seconds: number;
  /** How long a read (paths, topology) waits for a pod before showing its hops as unreachable. */
  read_budget_ms: number;
  /** How long recovery lets calls a crash left in flight land in their pods before it looks (runtime/journal.ts). */
  recovery_settle_ms: number;
  /** Independent pod steps of one operation (a cross-pod associate's two chains) run side by side; false runs them in turn (benchmark baseline). */
  parallel_pod_steps: boolean;
}

export const defaultSettings: EngineSettings = {
  bridge: {
    ew_pool: '100.0.0.0/9',
    ns_pool: '100.128.0.0/9',
    prefixlen: 24,
    physical_network: 'bridge',
    vlan_min: 2001,
    vlan_max: 3000,
  },
  quota_defaults: { network: 100, subnet: 100, port: 500, router: 10, floatingip: 50 },
  routing_expire_seconds: 30,
  read_budget_ms: 5000,
  recovery_settle_ms: 1500,
  parallel_pod_steps: true,
};

export interface PodDescriptor {
  pod_id: string;
  region_name: string;
  driver: 'lab' | 'neutron';
  driver_config: unknown;
  /** The pod's password, opened from its sealed form; only drivers see it. */
  password?: string;
}

export interface EngineOptions {
  /** The SQLite file. */
  dbPath: string;
  /** Where the store's own backups go (before a migration, on quit); defaults to `<db dir>/backups`. */
  backupDir?: string;
  secrets?: SecretBox;
  settings?: Partial<EngineSettings>;
  /**
   * Wraps or replaces the driver the engine would build for a pod. Tests use it to inject
   * faults; `base` builds the default driver.
   */
  driverFactory?: (pod: PodDescriptor, base: (pod: PodDescriptor) => PodDriver) => PodDriver;
  /** Run queued jobs right after each mutation (default true). */
  autoRunJobs?: boolean;
  now?: () => Date;
}

export interface CallMeta {
  /** Who did it, for the audit log. */
  actor?: string;
}

export interface Engine {
  /** Validates the input against the contract, then runs the method. Throws CrosspodError. */
  call<M extends Method>(method: M, input: unknown, meta?: CallMeta): Promise<Output<M>>;
  /** The same methods, typed. */
  api: Api;
  subscribe(listener: (e: EngineEvent) => void): () => void;
  /** Resolves when no mutation or job is queued or running. */
  idle(): Promise<void>;
  store: Store;
  /**
   * The integrity check (quick_check) started right after open, on a read-only connection in a
   * worker thread: resolves with its report, or rejects with DATABASE_CORRUPT (the problems in
   * details), after which every call is refused with that error.
   */
  integrity(): Promise<IntegrityReport>;
  settings: EngineSettings;
  close(): Promise<void>;
}
