// audit.*: the log is written by the runner around every mutation; these read it and set its retention.
import { json } from '../context';
import { createApp, type HandlerContext } from '../app';
import { listPage } from '../list';

export function auditApp({ w, r, audit, readAudit }: HandlerContext) {
  return createApp()
    .method('audit.list', (i) => listPage(r.core.db, 'audit.list', i, (row) => ({ ...(row as never as { resource_ids: string }), resource_ids: json((row as { resource_ids: string }).resource_ids, []) }) as never))
    .method('audit.export', (i) => readAudit.export(i.format, i))
    .method('audit.getRetention', () => readAudit.retention())
    .method('audit.setRetention', (i, op) => {
      const res = audit.applyRetention(i, w.jobs);
      op.touch('audit.changed');
      if (res.pruned.jobs) op.touch('jobs.changed');
      return res;
    });
}
