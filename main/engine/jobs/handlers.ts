// The job handlers: configure_extra_routes (§9.1, keeping routes set by others), port_delete and
// compensate (a compensation that failed during a rollback, kept to be redone).
import { CrosspodError } from '../../../shared/errors';
import type { Route } from '../../../shared/model';
import { deleteIfExists, json, runCompensation, type CompensationAction } from '../context';
import { ipInCidr, ipVersionOf } from '../ipam/cidr';
import { createApp, type HandlerContext } from '../app';
import { listPage } from '../list';
import type { Services } from '../services';
import { toJob } from './index';

const sameRoute = (a: Route, b: Route) => a.destination === b.destination && a.nexthop === b.nexthop;
const dedupe = (rs: Route[]) => rs.filter((r, i) => rs.findIndex((x) => sameRoute(x, r)) === i);

export function registerHandlers(s: Services): void {
  const { core, routing, jobs } = s;

  /**
   * Each bottom router routes to every other bottom router's CIDRs via that router's E-W bridge
   * address, and the router's own extra routes reach every bottom router: as they are where the
   * nexthop is on-link, via the E-W address of the pod that holds the nexthop, or via the N-S
   * bridge when the nexthop is on the gateway's subnet. Routes are per address family: the
   * bridges are IPv4, so an IPv6 destination is never routed through them. One bottom router
   * that refuses its routes does not keep the others from theirs.
   */
  jobs.handlers.set('configure_extra_routes', async (op, payload) => {
    const routerId = String(payload.router_id);
    const topRouter = s.top.findRouter(routerId);
    if (!topRouter) return; // deleted since: its bottom routers went with it
    const userRoutes = json<Route[]>(topRouter.routes, []);
    const { ew_pool, ns_pool } = core.settings.bridge;
    interface Info {
      pod_id: string;
      router: string;
      ew: string | null;
      cidrs: string[];
      /** The real gateway's subnets (the external pod's bottom router). */
      gwCidrs: string[];
      /** On the N-S bridge: this router's address there, and the bridge's gateway (the external pod's router). */
      ns: { address: string; via: string | null } | null;
    }
    const info: Info[] = [];
    for (const m of routing.mappings(routerId, 'router')) {
      const d = op.driver(m.pod_id);
      const entry: Info = { pod_id: m.pod_id, router: m.bottom_id!, ew: null, cidrs: [], gwCidrs: [], ns: null };
      for (const p of await d.list('port', { device_id: m.bottom_id!, device_owner: 'network:router_interface' })) {
        const ip = p.fixed_ips[0];
        if (!ip) continue;
        if (ipInCidr(ip.ip_address, ew_pool)) entry.ew = ip.ip_address;
        else if (!ipInCidr(ip.ip_address, ns_pool)) entry.cidrs.push((await d.get('subnet', ip.subnet_id)).cidr);
      }
      const gw = (await d.get('router', m.bottom_id!)).external_gateway_info;
      for (const ip of gw?.external_fixed_ips ?? []) {
        const sub = await d.get('subnet', ip.subnet_id);
        if (ipInCidr(ip.ip_address, ns_pool)) entry.ns = { address: ip.ip_address, via: sub.gateway_ip };
        else entry.gwCidrs.push(sub.cidr);
      }
      info.push(entry);
    }
    const holds = (i: Info, address: string) => i.cidrs.some((c) => ipInCidr(address, c));
    const failures: { region: string; error: unknown }[] = [];
    for (const i of info) {
      const desired: Route[] = [];
      const user: Route[] = [];
      if (i.ew) for (const j of info) if (j !== i && j.ew) for (const c of j.cidrs) if (ipVersionOf(c) === 4) desired.push({ destination: c, nexthop: j.ew });
      // With SNAT off, replies to other pods' VMs come back to the external pod's router
      // unNATed: it routes them over the N-S bridge unless an E-W route already does.
      if (topRouter.enable_snat === 0 && i.gwCidrs.length > 0 && !i.ew) {
        for (const j of info) if (j !== i && j.ns) for (const c of j.cidrs) if (ipVersionOf(c) === 4) desired.push({ destination: c, nexthop: j.ns.address });
      }
      for (const r of userRoutes) {
        if (holds(i, r.nexthop) || i.gwCidrs.some((c) => ipInCidr(r.nexthop, c))) {
          user.push(r);
          continue;
        }
        if (ipVersionOf(r.destination) !== 4) continue;
        const owner = info.find((j) => j !== i && holds(j, r.nexthop));
        if (owner?.ew && i.ew) user.push({ destination: r.destination, nexthop: owner.ew });
        // The external pod's router without interfaces reaches the nexthop's pod over the N-S bridge.
        else if (owner?.ns && !i.ew && i.gwCidrs.length > 0) user.push({ destination: r.destination, nexthop: owner.ns.address });
        else if (!owner && i.ns?.via && info.some((j) => j !== i && j.gwCidrs.some((c) => ipInCidr(r.nexthop, c)))) user.push({ destination: r.destination, nexthop: i.ns.via });
      }
      const managed = dedupe([...user, ...desired]);
      const before = s.managedRoutes.of(i.pod_id, i.router);
      if (managed.length === 0 && before.length === 0) continue;
      const d = op.driver(i.pod_id);
      try {
        const current = (await d.get('router', i.router)).routes;
        const others = current.filter((r) => !before.some((b) => sameRoute(b, r)));
        const next = dedupe([...others, ...managed]);
        const changed = next.length !== current.length || next.some((r) => !current.some((c) => sameRoute(c, r)));
        if (changed) await d.setRoutes(i.router, next);
        s.managedRoutes.set(i.pod_id, i.router, managed);
      } catch (e) {
        failures.push({ region: s.pods.row(i.pod_id).region_name, error: e });
      }
    }
    op.touch('routers.changed', routerId);
    if (failures.length === 1) throw failures[0].error;
    // Several pods failed: one error naming them all, with their common code when they share one.
    const codes = new Set(failures.map((f) => (f.error instanceof CrosspodError ? f.error.code : 'BOTTOM_POD_OPERATION_FAILURE')));
    if (failures.length > 1) throw new CrosspodError(codes.size === 1 ? [...codes][0] : 'BOTTOM_POD_OPERATION_FAILURE', `Routes could not be set in ${failures.map((f) => `${f.region}: ${f.error instanceof Error ? f.error.message : String(f.error)}`).join('; ')}`, {
        regions: failures.map((f) => f.region),
      });
  });

  jobs.handlers.set('port_delete', async (op, payload) => {
    const podId = String(payload.pod_id);
    const bottomId = String(payload.bottom_id);
    await deleteIfExists(op.driver(podId), 'port', bottomId);
    const top = payload.top_id ? String(payload.top_id) : null;
    if (top) {
      routing.remove(top, podId, 'port');
      op.touch('routings.changed', top);
    }
  });

  // Redone in any order, a failed operation's compensations still run in their recorded order:
  // the earlier ones of its batch go first, inside this job, and are done with it.
  jobs.handlers.set('compensate', async (op, payload, job) => {
    for (const before of jobs.earlierInBatch(job)) {
      await runCompensation(op.driver(String(before.payload.pod_id)), before.payload.action as CompensationAction);
      jobs.setStatus(before.id, 'SUCCESS');
      op.touch('jobs.changed', before.id);
    }
    await runCompensation(op.driver(String(payload.pod_id)), payload.action as CompensationAction);
  });
}

/** jobs.*: the persisted job queue, read, and a failed job queued again. */
export function jobsApp({ w, r }: HandlerContext) {
  return createApp()
    .method('jobs.list', (i) => listPage(r.core.db, 'jobs.list', i, (row) => toJob(row as never)))
    .method('jobs.get', (i) => r.jobs.get(i.id))
    .method('jobs.redo', (i, op) => {
      const j = w.jobs.redo(i.id);
      op.touch('jobs.changed', j.id);
      return j;
    })
    .method('jobs.create', (i, op) => {
      const router = w.top.router(i.router_id);
      if (router.project_id !== i.project_id) {
        throw new CrosspodError('JOB_RESOURCE_NOT_OWNED', `router ${router.name || router.id} (${router.id}) doesn't belong to the project ${i.project_id}`, { router_id: router.id, project_id: i.project_id });
      }
      const job = w.jobs.enqueue(i.type, router.id, router.project_id, { router_id: router.id });
      op.touch('jobs.changed', job);
      return w.jobs.get(job);
    })
    .method('jobs.delete', (i, op) => {
      w.jobs.delete(i.id);
      op.touch('jobs.changed', i.id);
      return { id: i.id };
    });
}
