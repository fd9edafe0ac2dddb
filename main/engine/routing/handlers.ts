// routings.*: the resource-routing table, read and (by an operator, with care) edited.
import { createApp, type HandlerContext } from '../app';
import { listPage } from '../list';

export function routingApp({ w, r }: HandlerContext) {
  return createApp()
    .method('routings.list', (i) => listPage(r.core.db, 'routings.list', i, (row) => row as never))
    .method('routings.delete', (i, op) => {
      const row = w.routing.drop(i.id);
      op.touch('routings.changed', row.top_id);
      return { id: i.id };
    })
    .method('routings.update', (i, op) => {
      const { id, ...fields } = i;
      const [before, after] = w.routing.edit(id, fields, (podId) => w.pods.row(podId));
      op.touch('routings.changed', after.top_id, before.top_id);
      return after;
    });
}
