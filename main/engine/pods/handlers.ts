// pods.*: the pod registry's methods. A pod whose settings change or that goes loses its cached drivers.
import { createApp, type HandlerContext } from '../app';
import type { PodRow } from '../context';
import { listPage } from '../list';
import { toPod } from './index';

export function podsApp({ w, r, dropDriver }: HandlerContext) {
  return createApp()
    .method('pods.create', (i, op) => {
      const p = w.pods.create(i);
      op.touch('pods.changed', p.pod_id);
      return p;
    })
    .method('pods.list', (i) => listPage(r.core.db, 'pods.list', i, (row) => toPod(row as PodRow)))
    .method('pods.get', (i) => r.pods.get(i.pod_id))
    .method('pods.update', (i, op) => {
      const { pod_id, ...rest } = i;
      const p = w.pods.update(pod_id, rest);
      dropDriver(pod_id);
      op.touch('pods.changed', pod_id);
      return p;
    })
    .method('pods.delete', (i, op) => {
      // force: a dead pod's routing rows are forgotten, and the caller told what was there.
      const left = i.force ? w.doctor.forgetPod(op, i.pod_id) : undefined;
      w.pods.delete(i.pod_id);
      dropDriver(i.pod_id);
      op.touch('pods.changed', i.pod_id);
      return left ? { pod_id: i.pod_id, left } : { pod_id: i.pod_id };
    })
    .method('pods.testConnection', async (i) => {
      const pod = r.pods.get(i.pod_id);
      if (pod.is_top) return { reachable: true, auth: 'not-required', extensions: { router: true, 'external-net': true, extraroute: true }, error: null };
      return r.core.driver(pod.pod_id).health();
    });
}
