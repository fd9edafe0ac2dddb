// quotas.*: per-project limits, checked by the services that create.
import { createApp, type HandlerContext } from '../app';

export function quotasApp({ w, r }: HandlerContext) {
  return createApp()
    .method('quotas.get', (i) => r.quotas.get(i.project_id))
    .method('quotas.update', (i) => {
      const { project_id, ...limits } = i;
      return w.quotas.update(project_id, limits);
    });
}
