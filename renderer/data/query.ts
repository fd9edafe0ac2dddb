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

/**
 * One read through the contract, cached under [method, input]. `fresh`: read again whenever a view
 * mounts it (for answers that change without an event, such as pod health from observed reads).
 */
export function useCall<M extends ReadMethod>(method: M, input: Input<M>, opts: { enabled?: boolean; keepPrevious?: boolean; fresh?: boolean } = {}): UseQueryResult<Output<M>> {
  return useQuery({
    queryKey: [method, input],
    queryFn: () => getClient().call(method, input),
    enabled: opts.enabled,
    placeholderData: opts.keepPrevious ? keepPreviousData : undefined,
    ...(opts.fresh ? { staleTime: 0 } : {}),
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

/**
 * Which methods' answers an event makes stale: by domain (`fips` → fips.list, fips.listWithPaths…)
 * or by one method (a job changes a pod's health in the topology summary, not what the bottoms hold).
 */
const STALE: Record<EventName, string[]> = {
  'pods.changed': ['pods', 'lab', 'topology'],
  'networks.changed': ['networks', 'subnets', 'fips', 'lab', 'topology'],
  'subnets.changed': ['subnets', 'networks', 'lab', 'topology'],
  'ports.changed': ['ports', 'fips', 'lab', 'topology'],
  'routers.changed': ['routers', 'fips', 'lab', 'topology'],
  'fips.changed': ['fips', 'lab', 'topology'],
  'secgroups.changed': ['secgroups', 'secgroupRules', 'ports', 'fips', 'topology'],
  'routings.changed': ['routings', 'fips', 'lab', 'topology'],
  'jobs.changed': ['jobs', 'topology.summary'],
  'audit.changed': ['audit', 'undo'],
  // Another lab: everything on screen is stale (handled as a full reload by eventInvalidator).
  'labs.changed': [],
  'labs.progress': [],
};

const domainOf = (key: readonly unknown[]) => String(key[0]).split('.')[0];
const isStale = (key: readonly unknown[], stale: ReadonlySet<string>) => stale.has(domainOf(key)) || stale.has(String(key[0]));

/** Invalidates what an engine event makes stale; bursts of events coalesce into one pass. */
export function eventInvalidator(client: QueryClient = queryClient): (e: EngineEvent) => void {
  const pending = new Set<string>();
  let scheduled = false;
  /** The current lab as the last labs.changed said. */
  let lab: string | null | undefined;
  return (e) => {
    if (e.name === 'labs.changed' && e.current !== undefined) {
      if (e.current !== lab) useApp.getState().dropToasts();
      lab = e.current;
    }
    if (e.name === 'labs.changed') return void client.invalidateQueries();
    for (const d of STALE[e.name] ?? []) pending.add(d);
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      const domains = new Set(pending);
      pending.clear();
      void client.invalidateQueries({ predicate: (q) => isStale(q.queryKey, domains) });
    });
  };
}

/** After a dropped event stream: everything may be stale. */
export function invalidateAll(client: QueryClient = queryClient): Promise<void> {
  return client.invalidateQueries();
}
