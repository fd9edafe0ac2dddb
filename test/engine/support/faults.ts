// Bottom pods that live outside the engine's transaction, like real regions do: lab drivers over
// a second SQLite file. A failed operation cannot lean on the engine's ROLLBACK to clean them up,
// so these tests see whether compensations really undo the bottom steps.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { CrosspodError } from '../../../shared/errors';
import type { PodDriver } from '../../../main/engine/drivers/driver';
import { createLabDriver } from '../../../main/engine/drivers/lab';
import { openStore, type Store } from '../../../main/engine/store';
import type { EngineOptions, PodDescriptor } from '../../../main/engine/types';

export interface FaultPlan {
  /** Fail the Nth driver call from now on (1-based); 0 = never. */
  failAt: number;
  /** Keep failing every call after the first failure (a pod that went away). */
  sticky: boolean;
  calls: number;
  log: string[];
}

export interface RemoteLab {
  store: Store;
  plan: FaultPlan;
  driverFactory: NonNullable<EngineOptions['driverFactory']>;
  /** Arms the plan: the Nth call from now fails. */
  arm(n: number, sticky?: boolean): void;
  disarm(): void;
  /** Every lab row, to compare before and after. */
  snapshot(): Record<string, unknown[]>;
}

export async function remoteLab(dir: string): Promise<RemoteLab> {
  const store = await openStore(join(dir, 'remote-pods.db'));
  const db: Database.Database = store.db;
  const plan: FaultPlan = { failAt: 0, sticky: false, calls: 0, log: [] };
  const insertPod = db.prepare(
    "INSERT OR IGNORE INTO pods (pod_id, region_name, az_name, created_at, updated_at) VALUES (?, ?, 'remote', '', '')",
  );
  const MUTATING = new Set(['create', 'update', 'delete', 'addInterface', 'removeInterface', 'addGateway', 'removeGateway', 'setRoutes']);
  const wrap = (pod: PodDescriptor, d: PodDriver): PodDriver =>
    new Proxy(d, {
      get(target, key) {
        const v = (target as unknown as Record<string | symbol, unknown>)[key];
        if (typeof v !== 'function' || !MUTATING.has(String(key))) return typeof v === 'function' ? v.bind(target) : v;
        return async (...args: unknown[]) => {
          plan.calls++;
          plan.log.push(`${pod.region_name}.${String(key)}(${String(args[0])})`);
          if (plan.failAt > 0 && (plan.calls === plan.failAt || (plan.sticky && plan.calls > plan.failAt))) {
            throw new CrosspodError('POD_UNREACHABLE', `injected failure at call ${plan.calls}: ${pod.region_name}.${String(key)}`);
          }
          return (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
  return {
    store,
    plan,
    driverFactory: (pod) => {
      insertPod.run(pod.pod_id, pod.region_name);
      return wrap(pod, createLabDriver(db, pod.pod_id));
    },
    arm(n, sticky = false) {
      plan.failAt = n;
      plan.sticky = sticky;
      plan.calls = 0;
      plan.log = [];
    },
    disarm() {
      plan.failAt = 0;
      plan.sticky = false;
      plan.calls = 0;
    },
    snapshot() {
      const out: Record<string, unknown[]> = {};
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE 'lab_%' OR name LIKE 'ipam_%') ORDER BY name").all() as { name: string }[];
      for (const { name } of tables) out[name] = sortedRows(db, name);
      return out;
    },
  };
}

/** Every engine row that is state (not the audit log or the job history), to prove the top is unchanged. */
export function engineSnapshot(db: Database.Database): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('audit_log', 'async_jobs', 'schema_migrations') ORDER BY name").all() as { name: string }[];
  for (const { name } of tables) out[name] = sortedRows(db, name);
  return out;
}

function sortedRows(db: Database.Database, table: string): unknown[] {
  return (db.prepare(`SELECT * FROM ${table}`).all() as unknown[]).map((r) => JSON.stringify(r)).sort().map((r) => JSON.parse(r));
}

/**
 * What the bottom pods hold, by names and addresses rather than bottom ids: a resource that a
 * compensation re-created (new id, same name, address and binding) reads the same. Works on any
 * driver, so the same check runs against real Neutron.
 */
export async function semanticSnapshot(drivers: { region: string; driver: PodDriver }[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const { region, driver: d } of drivers) {
    const nets = await d.list('network');
    const subs = await d.list('subnet');
    const ports = await d.list('port');
    const routers = await d.list('router');
    const fips = await d.list('floatingip');
    const netName = new Map(nets.map((n) => [n.id, n.name]));
    const subName = new Map(subs.map((s) => [s.id, s.name]));
    const portById = new Map(ports.map((p) => [p.id, p]));
    const routerName = new Map(routers.map((r) => [r.id, r.name]));
    const ips = (xs: { subnet_id: string; ip_address: string }[]) => xs.map((x) => `${subName.get(x.subnet_id)}:${x.ip_address}`).sort();
    const sort = (xs: string[]) => xs.sort();
    out[region] = {
      networks: sort(nets.map((n) => JSON.stringify([n.name, n['router:external'], n['provider:segmentation_id']]))),
      subnets: sort(subs.map((s) => JSON.stringify([s.name, netName.get(s.network_id), s.cidr, s.gateway_ip]))),
      ports: sort(
        ports
          .filter((p) => p.device_owner !== 'network:floatingip')
          .map((p) => JSON.stringify([p.name, netName.get(p.network_id), ips(p.fixed_ips), p.device_owner, routerName.get(p.device_id) ?? p.device_id]))),
      routers: sort(
        routers.map((r) =>
          JSON.stringify([r.name, r.external_gateway_info ? [netName.get(r.external_gateway_info.network_id), ips(r.external_gateway_info.external_fixed_ips)] : null, r.routes]),
        ),
      ),
      floatingips: sort(
        fips.map((f) => JSON.stringify([f.floating_ip_address, netName.get(f.floating_network_id), f.port_id ? portById.get(f.port_id)?.name : null, f.fixed_ip_address])),
      ),
    };
  }
  return out;
}
