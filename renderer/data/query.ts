// Server state: TanStack Query, keyed by [contract method, input]. Nothing is refetched on a
// timer or on focus: the engine's `*.changed` events invalidate the queries of the methods they
// touch, and TanStack refetches only those on screen (the rest when they mount again).
import { QueryClient, keepPreviousData, useQuery, type UseQueryResult } from '@tanstack/react-query';
import { LIST_MAX_LIMIT, type EngineEvent, type EventName, type Input, type Method, type Output } from '../../shared/contract';
import type { Page } from '../../shared/model';
import { toErrorInfo, type ErrorInfo } from '../api/errors';
import { useApp } from '../store';
import { getClient } from '../store/client-ref';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { staleTime: Infinity, retry: false, refetchOnWindowFocus: false, refetchOnReconnect: false } },
  });
}

export const queryClient = createQueryClient();

type ReadMethod = Exclude<{ [M in Method]: M }[Method], never>;

/** One read through the contract, cached under [method, input]. */
export function useCall<M extends ReadMethod>(method: M, input: Input<M>, opts: { enabled?: boolean; keepPrevious?: boolean } = {}): UseQueryResult<Output<M>> {
  return useQuery({
    queryKey: [method, input],
    queryFn: () => getClient().call(method, input),
    enabled: opts.enabled,
    placeholderData: opts.keepPrevious ? keepPreviousData : undefined,
  });
}

type PageMethod = { [M in Method]: Output<M> extends Page<unknown> ? M : never }[Method];
type ItemOf<M extends PageMethod> = Output<M> extends Page<infer T> ? T : never;

/** The rows a picker or a name lookup needs: one large page (pickers are for the first 10,000). */
export function useItems<M extends PageMethod>(method: M, filters: Omit<Input<M>, 'limit' | 'marker'> = {} as never): ItemOf<M>[] {
  const q = useCall(method, { ...filters, limit: LIST_MAX_LIMIT } as Input<M>);
  return ((q.data as Page<ItemOf<M>> | undefined)?.items ?? EMPTY) as ItemOf<M>[];
}
const EMPTY: never[] = [];

/** A query's load error as the banners show it. */
export function loadError(q: { error: unknown }): ErrorInfo | null {
  return q.error ? toErrorInfo(q.error) : null;
}

/** Which methods' answers an event makes stale, by domain (`fips.list` → fips). */
const STALE: Record<EventName, string[]> = {
  'pods.changed': ['pods', 'lab'],
  'networks.changed': ['networks', 'subnets', 'fips', 'lab'],
  'subnets.changed': ['subnets', 'networks', 'lab'],
  'ports.changed': ['ports', 'fips', 'lab'],
  'routers.changed': ['routers', 'fips', 'lab'],
  'fips.changed': ['fips', 'lab'],
  'secgroups.changed': ['secgroups', 'secgroupRules', 'ports', 'fips'],
  'routings.changed': ['routings', 'fips', 'lab'],
  'jobs.changed': ['jobs'],
  'audit.changed': ['audit'],
};

const domainOf = (key: readonly unknown[]) => String(key[0]).split('.')[0];

/** Invalidates what an engine event makes stale; bursts of events coalesce into one pass. */
export function eventInvalidator(client: QueryClient = queryClient): (e: EngineEvent) => void {
  const pending = new Set<string>();
  let scheduled = false;
  return (e) => {
    for (const d of STALE[e.name] ?? []) pending.add(d);
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      const domains = new Set(pending);
      pending.clear();
      void client.invalidateQueries({ predicate: (q) => domains.has(domainOf(q.queryKey)) });
    });
  };
}

/** After a dropped event stream: everything may be stale. */
export function invalidateAll(client: QueryClient = queryClient): Promise<void> {
  return client.invalidateQueries();
}

/** The topology snapshot for the project chosen in the header, in the shape the Topology view reads. */
export function useTopology() {
  const project = useApp((s) => s.project);
  const q = useCall('lab.topology', project ? { project_id: project } : {}, { keepPrevious: true });
  return { snapshot: q.data ?? null, loaded: q.isSuccess || q.isError, loading: q.isFetching, error: loadError(q) };
}
