// doctor.*: a scan on the reader (no operation), repairs as one operation on the writer.
import { createApp, type HandlerContext } from '../app';

export function doctorApp({ w, r }: HandlerContext) {
  return createApp()
    .method('doctor.run', async () => ({ findings: await r.doctor.scan() }))
    .method('doctor.repair', async (i, op) => ({ results: await w.doctor.repair(op, i) }));
}
