// Loading for views that page with limit/marker (routing table, audit log).
import { toErrorInfo } from '../api/errors';
import type { AppState } from './index';
import type { Paged } from './types';
import type { Page } from '../../shared/model';

type PagedKey = 'routings' | 'audit';
type Set = (fn: (s: AppState) => Partial<AppState>) => void;
type Get = () => AppState;

export function emptyPaged<T, Q>(query: Q): Paged<T, Q> {
  return { items: [], query, markers: [undefined], next_marker: null, loaded: false, loading: false, error: null };
}

/** Loads the page whose marker is last in `markers`. */
export function pagedLoader<K extends PagedKey>(
  set: Set,
  get: Get,
  key: K,
  fetch: (query: AppState[K]['query'], marker: string | undefined) => Promise<Page<AppState[K]['items'][number]>>,
): () => Promise<void> {
  let gen = 0;
  return async () => {
    const mine = ++gen;
    const cur = get()[key];
    set((s) => ({ [key]: { ...s[key], loading: true } }) as Partial<AppState>);
    try {
      const page = await fetch(cur.query as AppState[K]['query'], cur.markers[cur.markers.length - 1]);
      if (mine !== gen) return;
      set((s) => ({
        [key]: { ...s[key], items: page.items, next_marker: page.next_marker, loaded: true, loading: false, error: null },
      }) as Partial<AppState>);
    } catch (e) {
      if (mine !== gen) return;
      set((s) => ({ [key]: { ...s[key], loaded: true, loading: false, error: toErrorInfo(e) } }) as Partial<AppState>);
    }
  };
}

/** Drops empty filters so they are not sent as equality filters. */
export function filters(q: object): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(q)) if (v !== '' && v !== undefined && v !== null) out[k] = v as string | number;
  return out;
}
