import type { Routing } from '../../shared/model';
import { getClient } from './client-ref';
import { emptyPaged, filters, pagedLoader } from './paged';
import type { Paged, Slice } from './types';

export interface RoutingQuery {
  pod_id: string;
  resource_type: string;
  project_id: string;
  limit: number;
}

export interface RoutingsSlice {
  routings: Paged<Routing, RoutingQuery>;
  loadRoutings(): Promise<void>;
  setRoutingQuery(q: Partial<RoutingQuery>): Promise<void>;
  routingsPage(dir: 'next' | 'prev'): Promise<void>;
}

export const createRoutingsSlice: Slice<RoutingsSlice> = (set, get) => ({
  routings: emptyPaged({ pod_id: '', resource_type: '', project_id: '', limit: 25 }),
  loadRoutings: pagedLoader(set, get, 'routings', (q, marker) =>
    getClient().call('routings.list', { ...filters(q), ...(marker ? { marker } : {}) }),
  ),
  setRoutingQuery: (q) => {
    set((s) => ({ routings: { ...s.routings, query: { ...s.routings.query, ...q }, markers: [undefined] } }));
    return get().loadRoutings();
  },
  routingsPage: (dir) => {
    const r = get().routings;
    if (dir === 'next' && !r.next_marker) return Promise.resolve();
    if (dir === 'prev' && r.markers.length < 2) return Promise.resolve();
    const markers = dir === 'next' ? [...r.markers, r.next_marker ?? undefined] : r.markers.slice(0, -1);
    set((s) => ({ routings: { ...s.routings, markers } }));
    return get().loadRoutings();
  },
});
