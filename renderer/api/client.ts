// The contract client: one async function per contract method, derived by a Proxy over method
// names, so nothing is written per method. Envelopes are unwrapped; failures throw ApiError.
import type { Api, EngineEvent, Input, Method, Output } from '../../shared/contract';
import { ApiError } from './errors';
import type { Transport } from './transport';

export interface Client {
  api: Api;
  call<M extends Method>(method: M, input: Input<M>): Promise<Output<M>>;
  subscribe(listener: (e: EngineEvent) => void, onReconnect?: () => void): () => void;
  transport: Transport;
}

export function createClient(transport: Transport): Client {
  async function call(method: string, input: unknown): Promise<unknown> {
    const env = await transport.call(method, input ?? {});
    if (env.ok) return env.value;
    throw new ApiError(env.error, method);
  }
  // Only `domain.verb` names are methods, so `then` and symbols stay undefined (awaiting is safe).
  const api = new Proxy({} as Api, {
    get(_target, prop) {
      if (typeof prop !== 'string' || !prop.includes('.')) return undefined;
      return (input: unknown) => call(prop, input);
    },
  });
  return {
    api,
    call: call as Client['call'],
    subscribe: (listener, onReconnect) => transport.subscribe(listener, onReconnect),
    transport,
  };
}
