// Component tests against a real engine on lab pods: the renderer's client talks to it in-process,
// and the engine's own events invalidate the query cache, as the app's event stream does.
import { createClient } from '../../renderer/api';
import type { Transport } from '../../renderer/api/transport';
import { eventInvalidator } from '../../renderer/data/query';
import { setClient } from '../../renderer/store';
import { toErrorBody } from '../../shared/errors';
import type { Engine } from '../../main/engine';

export function connectEngine(e: Engine): void {
  e.subscribe(eventInvalidator());
  const transport: Transport = {
    kind: 'custom',
    call: async (m, input) => {
      try {
        return { ok: true, value: await e.call(m as never, input) };
      } catch (err) {
        return { ok: false, error: toErrorBody(err) };
      }
    },
    subscribe: () => () => {},
  };
  setClient(createClient(transport));
}
