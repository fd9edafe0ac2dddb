// Each table's view state: sort, filters and page size, persisted so a reload keeps them; the
// page (its marker trail) is not, since rows come and go between visits.
import { create } from 'zustand';
import { persist } from 'zustand/middleware';

export interface TableState {
  sort_key?: string;
  sort_dir?: 'asc' | 'desc';
  filters: Record<string, string | boolean | null>;
  limit: number;
  /** Markers of the pages before the current one; the current page's marker is the last. */
  markers: (string | undefined)[];
}

interface TablesState {
  tables: Record<string, TableState>;
  patch(table: string, p: Partial<Omit<TableState, 'markers'>>): void;
  page(table: string, dir: 'next' | 'prev' | 'first', next_marker?: string | null): void;
}

export const DEFAULT_TABLE: TableState = { filters: {}, limit: 50, markers: [undefined] };

export const useTables = create<TablesState>()(
  persist(
    (set) => ({
      tables: {},
      // A new sort or filter starts again at the first page.
      patch: (table, p) => set((s) => ({ tables: { ...s.tables, [table]: { ...DEFAULT_TABLE, ...s.tables[table], ...p, markers: [undefined] } } })),
      page: (table, dir, next_marker) =>
        set((s) => {
          const t = { ...DEFAULT_TABLE, ...s.tables[table] };
          const markers = dir === 'first' ? [undefined] : dir === 'next' ? (next_marker ? [...t.markers, next_marker] : t.markers) : t.markers.length > 1 ? t.markers.slice(0, -1) : t.markers;
          return { tables: { ...s.tables, [table]: { ...t, markers } } };
        }),
    }),
    {
      name: 'crosspod.tables',
      partialize: (s) => ({ tables: Object.fromEntries(Object.entries(s.tables).map(([k, v]) => [k, { ...v, markers: [undefined] }])) }),
    },
  ),
);

export function useTable(table: string, defaults: Partial<TableState> = {}): TableState {
  const t = useTables((s) => s.tables[table]);
  return { ...DEFAULT_TABLE, ...defaults, ...t, filters: { ...defaults.filters, ...t?.filters } };
}
