// routers.*, fips.*: RouterService and FipService for mutations; reads from the reader's
// TopStore, and paths from the bottom pods (paths.ts).
import { createApp, type HandlerContext } from '../app';
import { listPage } from '../list';
import { readPaths } from './paths';

export function l3App({ w, r, settings }: HandlerContext) {
  return createApp()
    .method('routers.create', (i, op) => w.routers.createRouter(op, i))
    .method('routers.list', (i) => listPage(r.core.db, 'routers.list', i, (row) => r.top.toRouter(row as never)))
    .method('routers.get', (i) => r.top.toRouter(r.top.router(i.id)))
    .method('routers.update', (i, op) => w.routers.update(op, i))
    .method('routers.delete', async (i, op) => {
      await w.routers.delete(op, i.id);
      return { id: i.id };
    })
    .method('routers.addInterface', (i, op) => w.routers.addInterface(op, i))
    .method('routers.removeInterface', (i, op) => w.routers.removeInterface(op, i))
    .method('routers.setGateway', (i, op) => w.routers.setGateway(op, i))
    .method('routers.clearGateway', (i, op) => w.routers.clearGateway(op, i.id))
    .method('routers.resync', (i, op) => {
      // A job (the doctor's resyncRouter): it may take long, and is redoable.
      const router = w.top.router(i.id);
      const job = w.jobs.enqueue('router_resync', router.id, router.project_id, { router_id: router.id });
      op.touch('jobs.changed', job);
      return w.jobs.get(job);
    })
    .method('fips.create', (i, op) => w.fips.create(op, i))
    .method('fips.list', (i) => listPage(r.core.db, 'fips.list', i, (row) => r.top.toFip(row as never)))
    .method('fips.listWithPaths', async (i) => {
      const page = listPage(r.core.db, 'fips.list', i, (row) => r.top.toFip(row as never), 50);
      // One list per (pod, resource type) for the whole page, not one read per floating IP.
      const paths = await readPaths(r, page.items.map((f) => r.top.fip(f.id)), settings.read_budget_ms);
      return { ...page, items: page.items.map((f, k) => ({ ...f, path: paths[k] })) };
    })
    .method('fips.get', (i) => r.top.toFip(r.top.fip(i.id)))
    .method('fips.associate', (i, op) => w.fips.associate(op, i))
    .method('fips.disassociate', (i, op) => w.fips.disassociate(op, i.id))
    .method('fips.delete', async (i, op) => {
      await w.fips.delete(op, i.id);
      return { id: i.id };
    })
    .method('fips.path', (i) => r.fips.path(i.id));
}
