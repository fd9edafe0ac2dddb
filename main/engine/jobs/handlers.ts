// The job handlers: configure_extra_routes (§9.1, keeping routes set by others), port_delete and
// compensate (a compensation that failed during a rollback, kept to be redone).
import type { Route } from '../../../shared/model';
import { deleteIfExists, json, runCompensation, type CompensationAction } from '../context';
import { ipInCidr } from '../ipam/cidr';
import type { Services } from '../services';

const sameRoute = (a: Route, b: Route) => a.destination === b.destination && a.nexthop === b.nexthop;
const dedupe = (rs: Route[]) => rs.filter((r, i) => rs.findIndex((x) => sameRoute(x, r)) === i);

export function registerHandlers(s: Services): void {
  const { core, routing, jobs } = s;
  const managedGet = core.db.prepare('SELECT routes FROM managed_routes WHERE pod_id = ? AND bottom_router_id = ?');
  const managedSet = core.db.prepare(
    'INSERT INTO managed_routes (pod_id, bottom_router_id, routes) VALUES (?, ?, ?) ON CONFLICT (pod_id, bottom_router_id) DO UPDATE SET routes = excluded.routes',
  );

  /** Each bottom router routes to every other bottom router's CIDRs via that router's E-W bridge address. */
  jobs.handlers.set('configure_extra_routes', async (payload) => {
    const routerId = String(payload.router_id);
    const topRouter = s.top.q.router.get(routerId) as { routes: string } | undefined;
    const userRoutes = json<Route[]>(topRouter?.routes, []);
    const { ew_pool, ns_pool } = core.settings.bridge;
    const info: { pod_id: string; router: string; ew: string | null; cidrs: string[] }[] = [];
    for (const m of routing.mappings(routerId, 'router')) {
      const d = core.driver(m.pod_id);
      const entry = { pod_id: m.pod_id, router: m.bottom_id!, ew: null as string | null, cidrs: [] as string[] };
      for (const p of await d.list('port', { device_id: m.bottom_id!, device_owner: 'network:router_interface' })) {
        const ip = p.fixed_ips[0];
        if (!ip) continue;
        if (ipInCidr(ip.ip_address, ew_pool)) entry.ew = ip.ip_address;
        else if (!ipInCidr(ip.ip_address, ns_pool)) entry.cidrs.push((await d.get('subnet', ip.subnet_id)).cidr);
      }
      info.push(entry);
    }
    for (const i of info) {
      if (!i.ew) continue;
      const desired: Route[] = [];
      for (const j of info) if (j !== i && j.ew) for (const c of j.cidrs) desired.push({ destination: c, nexthop: j.ew });
      const mine = userRoutes.filter((r) => i.cidrs.some((c) => ipInCidr(r.nexthop, c)));
      const managed = dedupe([...mine, ...desired]);
      const d = core.driver(i.pod_id);
      const current = (await d.get('router', i.router)).routes;
      const before = json<Route[]>((managedGet.get(i.pod_id, i.router) as { routes: string } | undefined)?.routes, []);
      const others = current.filter((r) => !before.some((b) => sameRoute(b, r)));
      const next = dedupe([...others, ...managed]);
      const changed = next.length !== current.length || next.some((r) => !current.some((c) => sameRoute(c, r)));
      if (changed) await d.setRoutes(i.router, next);
      managedSet.run(i.pod_id, i.router, JSON.stringify(managed));
    }
    core.op.touch('routers.changed', routerId);
  });

  jobs.handlers.set('port_delete', async (payload) => {
    const podId = String(payload.pod_id);
    const bottomId = String(payload.bottom_id);
    await deleteIfExists(core.driver(podId), 'port', bottomId);
    const top = payload.top_id ? String(payload.top_id) : null;
    if (top) {
      routing.remove(top, podId, 'port');
      core.op.touch('routings.changed', top);
    }
  });

  jobs.handlers.set('compensate', async (payload) => {
    await runCompensation(core.driver(String(payload.pod_id)), payload.action as CompensationAction);
  });
}
