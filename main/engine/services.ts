// The engine's modules wired together; each service receives this and uses what it needs.
import type { Core, Operation, PodRow } from './context';
import type { ResourceKind } from './drivers/driver';
import type { JobQueue } from './jobs';
import type { ManagedRoutes } from './l3/managed-routes';
import type { TopStore } from './network/top';
import type { PodRegistry } from './pods';
import type { Quotas } from './quotas';
import type { RoutingTable } from './routing';
import type { SecGroupService } from './secgroups';

export interface Services {
  core: Core;
  top: TopStore;
  routing: RoutingTable;
  pods: PodRegistry;
  quotas: Quotas;
  jobs: JobQueue;
  /** The routes Crosspod set on bottom routers (l3/managed-routes.ts). */
  managedRoutes: ManagedRoutes;
  /** Security groups: ports bind to them, and their bottom copies follow the ports (secgroups/). */
  secgroups: SecGroupService;
}

/**
 * The stable key of a bottom copy, kept in its Neutron `description`: what lock recovery (§5)
 * looks it up by, since a name may carry a top name the user can change.
 */
export function bottomKey(type: string, topId: string): string {
  return `crosspod:${type}:${topId}`;
}

/**
 * Get-or-create of a bottom element through the routing table (§5), with the compensation that
 * deletes it if the running operation fails later. `create` gets the description to stamp on
 * the element; recovery finds it by that key, or (an element made without one, by an older
 * Crosspod) by name.
 */
export async function ensureBottom<K extends ResourceKind>(
  s: Services,
  op: Operation,
  pod: PodRow,
  a: { topId: string; type: string; projectId: string | null; kind: K; name: string; create: (stamp: { description: string }) => Promise<{ id: string }> },
): Promise<{ id: string; isNew: boolean }> {
  const d = op.driver(pod.pod_id);
  const description = bottomKey(a.type, a.topId);
  const r = await s.routing.getOrCreate({
    topId: a.topId,
    podId: pod.pod_id,
    projectId: a.projectId,
    type: a.type,
    find: async () => {
      const keyed = await d.list(a.kind, { description });
      if (keyed[0]) return keyed[0].id;
      const named = (await d.list(a.kind, { name: a.name })).filter((x) => !('description' in x) || x.description === '');
      return named[0]?.id ?? null;
    },
    create: async () => {
      const created = await a.create({ description });
      op.undo({ label: `create ${a.kind} ${a.name} in ${pod.region_name}`, pod_id: pod.pod_id, action: { verb: 'delete', kind: a.kind, id: created.id } });
      return created.id;
    },
  });
  op.touch('routings.changed', a.topId);
  return { id: r.bottomId, isNew: r.isNew };
}
