// Server-paged tables: the view state (sort, filters, page size, page) from the tables store, one
// query per page keyed by its input, sortable headers and a pager that shows the total.
import { useEffect } from 'react';
import type { Input, Output } from '../../shared/contract';
import type { Page } from '../../shared/model';
import { loadError, useCall } from '../data/query';
import { useTable, useTables, type TableState } from '../store/tables';

type PagedMethod = 'fips.listWithPaths' | 'ports.list' | 'networks.list' | 'routers.list' | 'routings.list' | 'jobs.list' | 'audit.list' | 'pods.list';
type Row<M extends PagedMethod> = Output<M> extends Page<infer T> ? T : never;

/** One page of `method` as the table `table` is set (plus `fixed` filters the view always applies). */
export function usePagedList<M extends PagedMethod>(table: string, method: M, fixed: Record<string, unknown> = {}, defaults: Partial<TableState> = {}) {
  const state = useTable(table, defaults);
  const marker = state.markers[state.markers.length - 1];
  const filters = Object.fromEntries(Object.entries({ ...state.filters, ...fixed }).filter(([, v]) => v !== '' && v !== undefined));
  const input = {
    ...filters,
    limit: state.limit,
    ...(marker ? { marker } : {}),
    ...(state.sort_key ? { sort_key: state.sort_key, sort_dir: state.sort_dir ?? 'asc' } : {}),
  } as Input<M>;
  const q = useCall(method, input, { keepPrevious: true });
  const page = q.data as Page<Row<M>> | undefined;
  const error = loadError(q);
  const pageTo = useTables((s) => s.page);
  // A marker whose row went away (deleted elsewhere) cannot continue: back to the first page.
  useEffect(() => {
    if (error?.code === 'INVALID_INPUT' && marker && /marker/i.test(error.message)) pageTo(table, 'first');
  }, [error?.code, error?.message, marker, table, pageTo]);
  return {
    state,
    rows: page?.items ?? ([] as Row<M>[]),
    total: page?.total ?? 0,
    next_marker: page?.next_marker ?? null,
    loaded: q.isSuccess || q.isError,
    loading: q.isFetching,
    /** The rows shown are the previous page's while this one loads. */
    stale: q.isPlaceholderData,
    error,
    pageNumber: state.markers.length,
  };
}

export function SortTh({ table, sortKey, children, defaults }: { table: string; sortKey: string; children: React.ReactNode; defaults?: Partial<TableState> }) {
  const state = useTable(table, defaults);
  const patch = useTables((s) => s.patch);
  const active = state.sort_key === sortKey;
  const dir = active ? (state.sort_dir ?? 'asc') : undefined;
  return (
    <th aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}>
      <button
        type="button"
        className="th-sort"
        data-testid={`sort-${table}-${sortKey}`}
        onClick={() => patch(table, { sort_key: sortKey, sort_dir: active && dir === 'asc' ? 'desc' : 'asc' })}
        title={`Sort by ${typeof children === 'string' ? children.toLowerCase() : sortKey}`}
      >
        {children}
        <span aria-hidden="true" className="sort-mark">
          {dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : '↕'}
        </span>
      </button>
    </th>
  );
}

export function Pager({ table, list, testId, unit = 'rows' }: { table: string; list: ReturnType<typeof usePagedList>; testId: string; unit?: string }) {
  const page = useTables((s) => s.page);
  const patch = useTables((s) => s.patch);
  const { state, rows, total, next_marker, pageNumber, stale } = list;
  const first = total === 0 ? 0 : (pageNumber - 1) * state.limit + 1;
  const last = Math.min(total, (pageNumber - 1) * state.limit + rows.length);
  return (
    <nav className="pager" aria-label="Pages" data-testid={testId}>
      <span data-testid={`${testId}-range`} aria-busy={stale}>
        {stale ? (
          'loading…'
        ) : (
          <>
            {first}–{last} of <strong data-testid={`${testId}-total`}>{total.toLocaleString('en')}</strong> {unit}
          </>
        )}
      </span>
      <button type="button" className="btn ghost" disabled={pageNumber <= 1} onClick={() => page(table, 'prev')} data-testid={`${testId}-prev`}>
        ← Previous
      </button>
      <span data-testid={`${testId}-page`}>page {pageNumber}</span>
      <button type="button" className="btn ghost" disabled={!next_marker} onClick={() => page(table, 'next', next_marker)} data-testid={`${testId}-next`}>
        Next →
      </button>
      <label>
        <span className="sr-only">Per page</span>
        <select value={state.limit} onChange={(e) => patch(table, { limit: Number(e.target.value) })} data-testid={`${testId}-limit`} aria-label="Per page">
          {[10, 25, 50, 100, 200].map((n) => (
            <option key={n} value={n}>
              {n} per page
            </option>
          ))}
        </select>
      </label>
    </nav>
  );
}

/** A filter kept in the table's view state. */
export function useFilter(table: string, field: string): [string, (v: string) => void] {
  const state = useTable(table);
  const patch = useTables((s) => s.patch);
  const v = state.filters[field];
  return [v == null ? '' : String(v), (value) => patch(table, { filters: { ...state.filters, [field]: value } })];
}
