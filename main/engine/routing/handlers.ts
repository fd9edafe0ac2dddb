// routings.*: the resource-routing table, read and (by an operator, with care) edited.
import { CrosspodError } from '../../../shared/errors';
import { createApp, type HandlerContext } from '../app';
import { listPage } from '../list';
import { ROUTING_TYPES } from './index';

export function routingApp({ w, r }: HandlerContext) {
  return createApp()
    .method('routings.list', (i) => listPage(r.core.db, 'routings.list', i, (row) => row as never))
    .method('routings.get', (i) => {
      const row = r.routing.byId(i.id);
      if (!row) throw new CrosspodError('NOT_FOUND', `Resource routing ${i.id} not found`, { kind: 'routing', id: i.id });
      return row;
    })
    .method('routings.create', (i, op) => {
      const f = { top_id: i.top_id.trim(), bottom_id: i.bottom_id.trim(), pod_id: i.pod_id.trim(), project_id: i.project_id.trim(), resource_type: i.resource_type.trim() };
      if (!ROUTING_TYPES.includes(f.resource_type)) {
        throw new CrosspodError('RESOURCE_TYPE_UNKNOWN', `There is no such resource type ${f.resource_type}: one of ${ROUTING_TYPES.join(', ')}`, { resource_type: f.resource_type });
      }
      const pod = w.pods.row(f.pod_id);
      if (w.routing.get(f.top_id, f.pod_id, f.resource_type)) {
        throw new CrosspodError('ROUTING_EXISTS', `Resource routing already exists: ${f.resource_type} ${f.top_id} is already mapped in ${pod.region_name}`, { top_id: f.top_id, pod_id: f.pod_id, resource_type: f.resource_type });
      }
      const row = w.routing.add(f.top_id, f.pod_id, f.project_id, f.resource_type, f.bottom_id);
      op.touch('routings.changed', row.top_id);
      return row;
    })
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
