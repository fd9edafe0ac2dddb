// pods.*: the pod registry's methods. A pod whose settings change or that goes loses its cached drivers.
// bottoms.*: a lab pod's bottom resources, read as its own Neutron would answer.
import { CrosspodError } from '../../../shared/errors';
import { createApp, type HandlerContext } from '../app';
import type { PodRow } from '../context';
import { listPage } from '../list';
import { toPod } from './index';

export function podsApp({ w, r, dropDriver }: HandlerContext) {
  /** A lab pod's driver by region name: a real region has its own Neutron endpoint to ask. */
  const labBottom = (region: string) => {
    const pod = r.pods.byName(region);
    if (!pod || pod.az_name === '') throw new CrosspodError('POD_NOT_FOUND', `No bottom pod has the region name ${region}`, { region_name: region });
    if (pod.driver !== 'lab') throw new CrosspodError('POD_NOT_LAB', `${region} is a real Neutron region: ask its own endpoint`, { region_name: region });
    return r.core.driver(pod.pod_id);
  };
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
      return r.pods.observed.checked(pod.pod_id, await r.core.driver(pod.pod_id).health());
    })
    .method('pods.health', () => ({ pods: r.pods.health() }))
    .method('bottoms.list', async (i) => ({ items: (await labBottom(i.region_name).list(i.resource)) as unknown as Record<string, unknown>[] }))
    .method('bottoms.get', async (i) => (await labBottom(i.region_name).get(i.resource, i.id)) as unknown as Record<string, unknown>);
}
