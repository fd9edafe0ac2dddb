// topology.*, view.*: the topology read model, and the layouts the console keeps per view.
import { createApp, type HandlerContext } from '../app';

export function topologyApp({ w, r }: HandlerContext) {
  return createApp()
    .method('topology.summary', (i) => r.topology.summary(i.project_id))
    .method('topology.detail', (i) => r.topology.detail(i))
    .method('topology.search', (i) => r.topology.search(i.q, i.limit))
    .method('topology.router', (i) => r.topology.router(i.id))
    .method('topology.network', (i) => r.topology.network(i.id))
    .method('topology.fip', (i) => r.topology.fip(i.id))
    .method('view.get', (i) => r.topology.viewGet(i.view))
    .method('view.set', (i) => w.topology.viewSet(i.view, i.state));
}
