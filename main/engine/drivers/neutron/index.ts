// The `neutron` PodDriver: a real region over the Neutron v2.0 API, with noauth (a fixed
// endpoint) or Keystone v3 password auth (endpoint from the catalog, region = the pod's region).
// Where Neutron's behaviour differs from driver.ts, this file makes it match (see each method).
import { CrosspodError } from '../../../../shared/errors';
import type { NeutronDriverConfig, Route } from '../../../../shared/model';
import type {
  BottomRouter,
  BottomTypes,
  CreateBodies,
  DriverHealth,
  Filters,
  GatewayBody,
  InterfaceRef,
  InterfaceResult,
  PodDriver,
  ResourceKind,
  UpdateBodies,
} from '../driver';
import { type ClientAuth, NeutronClient } from './client';
import { KeystoneSession } from './keystone';
import { COLLECTION, FILTERABLE, TO_BOTTOM, toRouter } from './mapping';

export interface NeutronDriverOptions extends NeutronDriverConfig {
  /** Keystone password: decrypted by the caller, held only in memory. */
  password?: string;
  /** The pod's region name: selects the catalog's network endpoint. */
  region_name?: string;
  /** Extra attempts for idempotent calls after a connection error or a 5xx (default 2). */
  retries?: number;
  retry_backoff_ms?: number;
  /** `limit` sent on list calls (default 500). */
  page_size?: number;
  fetch?: typeof fetch;
}

export interface NeutronDriverStats {
  /** HTTP requests sent to Neutron (retries and pages included, Keystone excluded). */
  calls: number;
  retries: number;
  auth_calls: number;
}

export interface NeutronDriver extends PodDriver {
  readonly kind: 'neutron';
  stats(): NeutronDriverStats;
}

type Raw = Record<string, unknown>;

function buildAuth(cfg: NeutronDriverOptions, timeoutMs: number, fetchImpl: typeof fetch): { auth: ClientAuth; session: KeystoneSession | null } {
  if (cfg.auth_type === 'noauth') {
    if (!cfg.endpoint) throw new CrosspodError('INVALID_INPUT', 'A noauth Neutron pod needs driver_config.endpoint', { field: 'endpoint' });
    return { auth: { kind: 'noauth', endpoint: cfg.endpoint }, session: null };
  }
  if (cfg.auth_type !== 'password') {
    throw new CrosspodError('INVALID_INPUT', `Unknown auth_type ${String(cfg.auth_type)}`, { field: 'auth_type' });
  }
  const missing = (['auth_url', 'username', 'password', 'project_name'] as const).filter((k) => !cfg[k]);
  if (missing.length) {
    throw new CrosspodError('INVALID_INPUT', `Keystone password auth needs ${missing.join(', ')}`, { fields: missing });
  }
  const session = new KeystoneSession(
    {
      auth_url: cfg.auth_url!,
      username: cfg.username!,
      password: cfg.password!,
      user_domain_name: cfg.user_domain_name,
      project_name: cfg.project_name!,
      project_domain_name: cfg.project_domain_name,
      region_name: cfg.region_name,
      endpoint: cfg.endpoint,
      interface: cfg.interface,
    },
    timeoutMs,
    fetchImpl,
  );
  return { auth: { kind: 'keystone', session }, session };
}

const enc = encodeURIComponent;

export function createNeutronDriver(config: NeutronDriverOptions): NeutronDriver {
  const timeoutMs = config.timeout_ms ?? 30_000;
  const fetchImpl = config.fetch ?? globalThis.fetch;
  const { auth, session } = buildAuth(config, timeoutMs, fetchImpl);
  const client = new NeutronClient({
    auth,
    timeoutMs,
    retries: config.retries ?? 2,
    retryBackoffMs: config.retry_backoff_ms ?? 250,
    pageSize: config.page_size ?? 500,
    fetchImpl,
  });

  const one = <K extends ResourceKind>(kind: K, body: Raw | undefined): BottomTypes[K] => {
    const raw = body?.[kind] as Raw | undefined;
    if (!raw || typeof raw !== 'object') {
      throw new CrosspodError('BOTTOM_POD_OPERATION_FAILURE', `Neutron answered without a ${kind} body`, { kind });
    }
    return TO_BOTTOM[kind](raw) as BottomTypes[K];
  };

  const getRouter = async (id: string): Promise<BottomRouter> =>
    one('router', await client.request<Raw>('GET', `/v2.0/routers/${enc(id)}`));

  const putRouter = async (id: string, router: Raw): Promise<BottomRouter> =>
    toRouter((await client.request<Raw>('PUT', `/v2.0/routers/${enc(id)}`, { router })).router as Raw);

  // Router actions are not repeatable (a second add is ROUTER_INTERFACE_EXISTS, a second remove by
  // port finds the port deleted), so they are never retried.
  const routerAction = async (routerId: string, action: string, ref: InterfaceRef): Promise<InterfaceResult> => {
    const body = ref.port_id !== undefined ? { port_id: ref.port_id } : { subnet_id: ref.subnet_id };
    const res = await client.request<Raw>('PUT', `/v2.0/routers/${enc(routerId)}/${action}`, body, { retry: false });
    const subnetIds = Array.isArray(res?.subnet_ids) ? (res.subnet_ids as string[]) : [];
    return { id: String(res?.id ?? routerId), port_id: String(res?.port_id ?? ''), subnet_id: String(res?.subnet_id ?? subnetIds[0] ?? '') };
  };

  const driver: NeutronDriver = {
    kind: 'neutron',

    async list<K extends ResourceKind>(kind: K, filters: Filters = {}): Promise<BottomTypes[K][]> {
      const allowed = FILTERABLE[kind];
      const entries = Object.entries(filters).filter(([, v]) => v !== undefined);
      // A field the Bottom type lacks (or an array field) matches nothing; Neutron would 400 or
      // filter on a field the engine cannot see.
      if (entries.some(([k]) => !Object.hasOwn(allowed, k))) return [];
      if (entries.some(([, v]) => Array.isArray(v) && v.length === 0)) return [];
      const query: Record<string, string | string[]> = {};
      // Null cannot be expressed as a Neutron query filter; it is applied below.
      for (const [k, v] of entries) if (v !== null && allowed[k]) query[k] = Array.isArray(v) ? v : String(v);
      const raw = await client.list<Raw>(COLLECTION[kind], query);
      const items = raw.map((r) => TO_BOTTOM[kind](r) as BottomTypes[K]);
      const matches = (x: unknown, v: Filters[string]) => (Array.isArray(v) ? v.includes(x as string) : x === v);
      return items.filter((it) => entries.every(([k, v]) => matches((it as unknown as Raw)[k], v)));
    },

    async get<K extends ResourceKind>(kind: K, id: string): Promise<BottomTypes[K]> {
      return one(kind, await client.request<Raw>('GET', `/v2.0/${COLLECTION[kind]}/${enc(id)}`));
    },

    async create<K extends ResourceKind>(kind: K, body: CreateBodies[K]): Promise<BottomTypes[K]> {
      let payload = { ...(body as Raw) };
      if (kind === 'subnet' && payload.ip_version === undefined) payload = { ...payload, ip_version: 4 };
      return one(kind, await client.request<Raw>('POST', `/v2.0/${COLLECTION[kind]}`, { [kind]: payload }));
    },

    async update<K extends ResourceKind>(kind: K, id: string, body: UpdateBodies[K]): Promise<BottomTypes[K]> {
      return one(kind, await client.request<Raw>('PUT', `/v2.0/${COLLECTION[kind]}/${enc(id)}`, { [kind]: body }));
    },

    async delete(kind: ResourceKind, id: string): Promise<void> {
      await client.request('DELETE', `/v2.0/${COLLECTION[kind]}/${enc(id)}`);
    },

    addInterface: (routerId, ref) => routerAction(routerId, 'add_router_interface', ref),

    // Neutron deletes the port when removing by port_id; driver.ts documents it.
    removeInterface: (routerId, ref) => routerAction(routerId, 'remove_router_interface', ref),

    async addGateway(routerId: string, body: GatewayBody): Promise<BottomRouter> {
      // Neutron silently replaces a gateway; driver.ts wants ROUTER_GATEWAY_EXISTS.
      const current = await getRouter(routerId);
      if (current.external_gateway_info) {
        throw new CrosspodError('ROUTER_GATEWAY_EXISTS', `Router ${routerId} already has a gateway on network ${current.external_gateway_info.network_id}`, {
          router_id: routerId,
          network_id: current.external_gateway_info.network_id,
        });
      }
      return putRouter(routerId, { external_gateway_info: body });
    },

    removeGateway: (routerId) => putRouter(routerId, { external_gateway_info: {} }),

    async setGatewaySnat(routerId: string, enableSnat: boolean): Promise<BottomRouter> {
      const current = await getRouter(routerId);
      const gw = current.external_gateway_info;
      if (!gw) throw new CrosspodError('BAD_REQUEST', `Router ${routerId} has no gateway`, { router_id: routerId });
      // The same network and addresses: Neutron keeps the gateway port and changes SNAT only.
      return putRouter(routerId, { external_gateway_info: { network_id: gw.network_id, enable_snat: enableSnat, external_fixed_ips: gw.external_fixed_ips } });
    },

    setRoutes: (routerId, routes: Route[]) => putRouter(routerId, { routes }),

    async health(): Promise<DriverHealth> {
      const h: DriverHealth = {
        reachable: false,
        auth: session ? 'failed' : 'not-required',
        extensions: { router: false, 'external-net': false, extraroute: false },
        error: null,
      };
      try {
        if (session) {
          await session.get();
          h.auth = 'ok';
        }
        await client.request('GET', '/v2.0/', undefined, { retries: 0 });
        h.reachable = true;
        const ext = await client.request<{ extensions?: { alias?: string }[] }>('GET', '/v2.0/extensions', undefined, { retries: 0 });
        const aliases = new Set((ext?.extensions ?? []).map((e) => e.alias));
        h.extensions = { router: aliases.has('router'), 'external-net': aliases.has('external-net'), extraroute: aliases.has('extraroute') };
      } catch (e) {
        const err = e instanceof CrosspodError ? e : new CrosspodError('INTERNAL', e instanceof Error ? e.message : String(e));
        h.error = { code: err.code, message: err.message };
        if (err.code === 'POD_AUTH_FAILED') {
          // Something answered (Keystone or Neutron) and refused us.
          h.auth = 'failed';
          h.reachable = true;
        }
      }
      return h;
    },

    stats: () => ({ calls: client.calls, retries: client.retried, auth_calls: session?.authCalls ?? 0 }),

    close() {
      session?.clear();
    },
  };
  return driver;
}
