import type { AuditEntry } from '../../shared/model';
import { getClient } from './client-ref';
import { emptyPaged, filters, pagedLoader } from './paged';
import type { Paged, Slice } from './types';

export interface AuditQuery {
  operation: string;
  result_code: string;
  limit: number;
}

export interface AuditSlice {
  audit: Paged<AuditEntry, AuditQuery>;
  loadAudit(): Promise<void>;
  setAuditQuery(q: Partial<AuditQuery>): Promise<void>;
  auditPage(dir: 'next' | 'prev'): Promise<void>;
}

export const createAuditSlice: Slice<AuditSlice> = (set, get) => ({
  audit: emptyPaged({ operation: '', result_code: '', limit: 50 }),
  loadAudit: pagedLoader(set, get, 'audit', (q, marker) =>
    getClient().call('audit.list', { ...filters(q), ...(marker ? { marker } : {}) }),
  ),
  setAuditQuery: (q) => {
    set((s) => ({ audit: { ...s.audit, query: { ...s.audit.query, ...q }, markers: [undefined] } }));
    return get().loadAudit();
  },
  auditPage: (dir) => {
    const a = get().audit;
    if (dir === 'next' && !a.next_marker) return Promise.resolve();
    if (dir === 'prev' && a.markers.length < 2) return Promise.resolve();
    const markers = dir === 'next' ? [...a.markers, a.next_marker ?? undefined] : a.markers.slice(0, -1);
    set((s) => ({ audit: { ...s.audit, markers } }));
    return get().loadAudit();
  },
});
