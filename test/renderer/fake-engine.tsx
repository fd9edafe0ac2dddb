// A fake engine for component tests: lists honour the contract's filters, sort, limit, marker and
// total; mutations answer and emit the `*.changed` event a real engine would, so the renderer's
// only refresh path (events → query invalidation) is the one exercised.
import { QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import { vi } from 'vitest';
import type { EngineEvent } from '../../shared/contract';
import { App } from '../../renderer/App';
import { createClient } from '../../renderer/api';
import type { Transport } from '../../renderer/api/transport';
import { createQueryClient, eventInvalidator } from '../../renderer/data/query';
import { getClient, resetStore, setClient } from '../../renderer/store';
import { useTables } from '../../renderer/store/tables';

type Row = any;
export type Tables = Record<string, Row[]>;
type Reply = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string; status: number } };

const LIST_OF: Record<string, string> = { 'fips.listWithPaths': 'fips' };
const UNDOABLE = new Set(['create', 'delete', 'associate', 'disassociate', 'addInterface', 'removeInterface', 'setGateway', 'clearGateway', 'update', 'createExternal']);

function ipKey(s: unknown): string {
  return typeof s === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(s) ? s.split('.').map((x) => x.padStart(3, '0')).join('.') : String(s ?? '');
}

export function listOf(rows: Row[], input: Record<string, unknown>) {
  const { limit = 200, marker, sort_key, sort_dir, search, ...filters } = input as Record<string, unknown> & { limit?: number; marker?: string; sort_key?: string; sort_dir?: string; search?: string };
  let out = rows.filter((r) => Object.entries(filters).every(([k, v]) => r[k] === v));
  if (search) out = out.filter((r) => String(r.floating_ip_address).includes(search) || String(r.fixed_ip_address ?? '').includes(search));
  const total = out.length;
  if (sort_key) {
    out = [...out].sort((a, b) => (ipKey(a[sort_key]) < ipKey(b[sort_key]) ? -1 : ipKey(a[sort_key]) > ipKey(b[sort_key]) ? 1 : 0));
    if (sort_dir === 'desc') out.reverse();
  }
  const key = rows[0] && 'pod_id' in rows[0] && !('id' in rows[0]) ? 'pod_id' : 'id';
  const start = marker ? out.findIndex((r) => r[key] === marker) + 1 : 0;
  const items = out.slice(start, start + limit);
  const next_marker = start + limit < out.length ? String(items[items.length - 1][key]) : null;
  return { items, next_marker, total };
}

export interface Fake {
  tables: Tables;
  call: ReturnType<typeof vi.fn>;
  calls(method: string): unknown[];
  emit(e: EngineEvent): void;
}

export function fakeEngine(tables: Tables, overrides: Record<string, (input: Record<string, unknown>) => Reply | undefined> = {}): Fake {
  const listeners = new Set<(e: EngineEvent) => void>();
  const emit = (e: EngineEvent) => {
    for (const l of listeners) l(e);
  };
  // The engine's undo list, as a real engine keeps it: each action newest first, by audit id.
  const undo: { audit_id: number; operation: string; text: string; at: string }[] = [];
  let auditId = 100;
  const call = vi.fn(async (m: string, input: Record<string, unknown>): Promise<Reply> => {
    const o = overrides[m]?.(input);
    if (o) return o;
    const [domain, verb] = m.split('.');
    // One file served, no lab host: what a server started with --db answers.
    if (domain === 'labs') return { ok: false, error: { code: 'LABS_SINGLE_FILE', message: `${m} needs the lab host`, status: 409 } };
    if (m === 'undo.state') return { ok: true, value: { undo: [...undo], redo: [] } };
    if (m === 'audit.undo') {
      const k = undo.findIndex((u) => u.audit_id === input.id);
      if (k < 0) return { ok: false, error: { code: 'NOTHING_TO_UNDO', message: `Audit entry ${String(input.id)} cannot be undone`, status: 409 } };
      undo.splice(k, 1);
      emit({ name: 'audit.changed', ids: [] });
      return { ok: true, value: { entry: {}, audit_id: ++auditId, state: { undo, redo: [] } } };
    }
    if (UNDOABLE.has(verb)) undo.unshift({ audit_id: ++auditId, operation: m, text: `${m} ${String(input.id ?? '')}`, at: '2026-12-01T10:00:00.000Z' });
    if (verb === 'list' || LIST_OF[m]) return { ok: true, value: listOf(tables[LIST_OF[m] ?? domain] ?? [], input) };
    if (m === 'lab.topology') return { ok: true, value: tables.topology?.[0] ?? { pods: [], bottoms: [], fips: [] } };
    if (m === 'topology.summary') return { ok: true, value: tables.summary?.[0] ?? { lab_id: 'empty', project_id: null, pods: [], links: [], segments: [], totals: { pods: 0, networks: 0, routers: 0, ports: 0, fips: 0, fips_cross_pod: 0, fips_unbound: 0 } } };
    if (verb === 'delete') {
      tables[domain] = (tables[domain] ?? []).filter((r) => r.id !== input.id);
      emit({ name: `${domain}.changed` as EngineEvent['name'], ids: [String(input.id)] });
      return { ok: true, value: { id: input.id } };
    }
    emit({ name: `${domain}.changed` as EngineEvent['name'], ids: [] });
    return { ok: true, value: { id: 'new', ...input } };
  });
  const transport: Transport = {
    kind: 'custom',
    call: call as never,
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  const client = createClient(transport);
  setClient(client);
  return { tables, call, calls: (method) => call.mock.calls.filter(([x]) => x === method).map(([, i]) => i), emit };
}

/** The whole console over a fake engine, with a fresh query cache and UI state; events wired as main.tsx does. */
export function renderApp() {
  resetStore();
  useTables.setState({ tables: {} });
  const qc = createQueryClient();
  const off = getClient().subscribe(eventInvalidator(qc));
  const r = render(
    <QueryClientProvider client={qc}>
      <App />
    </QueryClientProvider>,
  );
  return { ...r, qc, off };
}
