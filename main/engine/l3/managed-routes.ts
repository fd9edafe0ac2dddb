// Owner of managed_routes: the routes Crosspod set on each bottom router (configure_extra_routes),
// so a later run replaces only its own and keeps routes others set; the doctor checks them.
import type { Route } from '../../../shared/model';
import { json } from '../context';
import type { Db } from '../store';

export class ManagedRoutes {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      get: db.prepare('SELECT routes FROM managed_routes WHERE pod_id = ? AND bottom_router_id = ?').pluck(),
      set: db.prepare(
        'INSERT INTO managed_routes (pod_id, bottom_router_id, routes) VALUES (?, ?, ?) ON CONFLICT (pod_id, bottom_router_id) DO UPDATE SET routes = excluded.routes',
      ),
      forget: db.prepare('DELETE FROM managed_routes WHERE pod_id = ? AND bottom_router_id = ?'),
      forgetPod: db.prepare('DELETE FROM managed_routes WHERE pod_id = ?'),
    };
  }

  /** The routes Crosspod set on this bottom router (none if never). */
  of(podId: string, bottomRouterId: string): Route[] {
    return json<Route[]>(this.q.get.get(podId, bottomRouterId) as string | undefined, []);
  }

  set(podId: string, bottomRouterId: string, routes: Route[]): void {
    this.q.set.run(podId, bottomRouterId, JSON.stringify(routes));
  }

  forget(podId: string, bottomRouterId: string): void {
    this.q.forget.run(podId, bottomRouterId);
  }

  forgetPod(podId: string): void {
    this.q.forgetPod.run(podId);
  }
}
