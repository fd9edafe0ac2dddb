// Per-project quotas for networks, subnets, ports, routers and floating IPs. Defaults come from
// the engine settings; -1 means unlimited. Crosspod's own bridge resources do not count.
import type { Quota } from '../../../shared/model';
import { CrosspodError } from '../../../shared/errors';
import type { Db } from '../store';
import type { QuotaDefaults } from '../types';

export type QuotaResource = keyof QuotaDefaults;
export const QUOTA_RESOURCES: QuotaResource[] = ['network', 'subnet', 'port', 'router', 'floatingip'];

export class Quotas {
  private readonly q;

  constructor(db: Db, private readonly defaults: QuotaDefaults) {
    this.q = {
      limits: db.prepare('SELECT resource, hard_limit FROM quotas WHERE project_id = ?'),
      set: db.prepare(
        'INSERT INTO quotas (project_id, resource, hard_limit) VALUES (?, ?, ?) ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = excluded.hard_limit',
      ),
      usage: {
        network: db.prepare('SELECT COUNT(*) AS n FROM networks WHERE project_id = ? AND bridge IS NULL'),
        subnet: db.prepare('SELECT COUNT(*) AS n FROM subnets s JOIN networks n ON n.id = s.network_id WHERE s.project_id = ? AND n.bridge IS NULL'),
        port: db.prepare('SELECT COUNT(*) AS n FROM ports p JOIN networks n ON n.id = p.network_id WHERE p.project_id = ? AND n.bridge IS NULL'),
        router: db.prepare('SELECT COUNT(*) AS n FROM routers WHERE project_id = ?'),
        floatingip: db.prepare('SELECT COUNT(*) AS n FROM floating_ips WHERE project_id = ?'),
      },
    };
  }

  get(projectId: string): Quota {
    const out: Quota = { project_id: projectId, ...this.defaults };
    for (const r of this.q.limits.all(projectId) as { resource: QuotaResource; hard_limit: number }[]) out[r.resource] = r.hard_limit;
    return out;
  }

  update(projectId: string, limits: Partial<Record<QuotaResource, number>>): Quota {
    for (const r of QUOTA_RESOURCES) if (limits[r] !== undefined) this.q.set.run(projectId, r, limits[r]);
    return this.get(projectId);
  }

  usage(projectId: string, r: QuotaResource): number {
    return (this.q.usage[r].get(projectId) as { n: number }).n;
  }

  /** Refuses with OVER_QUOTA when adding `deltas` would exceed a limit, naming every resource over. */
  check(projectId: string, deltas: Partial<Record<QuotaResource, number>>): void {
    const limits = this.get(projectId);
    const overs: { resource: QuotaResource; limit: number; in_use: number; requested: number }[] = [];
    for (const r of QUOTA_RESOURCES) {
      const d = deltas[r];
      if (!d || d <= 0) continue;
      const limit = limits[r];
      if (limit < 0) continue;
      const inUse = this.usage(projectId, r);
      if (inUse + d > limit) overs.push({ resource: r, limit, in_use: inUse, requested: d });
    }
    if (overs.length > 0) {
      throw new CrosspodError('OVER_QUOTA', `Quota exceeded for resources: ${overs.map((o) => o.resource).join(', ')}`, { overs });
    }
  }
}
