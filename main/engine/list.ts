// `*.list`: equality filters on output fields, limit and marker, over any engine table. Filters
// that name a column run in SQL (indexed); others are applied to the bodies.
import type { Page } from '../../shared/model';
import type { Db } from './store';

const ALIASES: Record<string, string> = { 'router:external': 'router_external', tenant_id: 'project_id', pod_name: 'region_name' };
const columnsCache = new WeakMap<Db, Map<string, Set<string>>>();

function columns(db: Db, table: string): Set<string> {
  let m = columnsCache.get(db);
  if (!m) columnsCache.set(db, (m = new Map()));
  let c = m.get(table);
  if (!c) m.set(table, (c = new Set((db.pragma(`table_info(${table})`) as { name: string }[]).map((x) => x.name))));
  return c;
}

const keyOf = (table: string) => (table === 'pods' ? 'pod_id' : 'id');

export function listPage<T>(db: Db, table: string, input: Record<string, unknown>, map: (row: unknown) => T, order: 'asc' | 'desc' = 'asc'): Page<T> {
  const { limit, marker, ...filters } = input as { limit?: number; marker?: string } & Record<string, unknown>;
  const cols = columns(db, table);
  const where: string[] = [];
  const args: unknown[] = [];
  const post: [string, unknown][] = [];
  for (const [k, v] of Object.entries(filters)) {
    if (v === undefined) continue;
    const col = ALIASES[k] ?? k;
    if (cols.has(col) && col !== 'az_hints') {
      if (v === null) where.push(`${col} IS NULL`);
      else {
        where.push(`${col} = ?`);
        args.push(typeof v === 'boolean' ? (v ? 1 : 0) : v);
      }
    } else post.push([k, v]);
  }
  const key = keyOf(table);
  if (marker !== undefined) {
    where.push(`rowid ${order === 'asc' ? '>' : '<'} (SELECT rowid FROM ${table} WHERE ${key} = ?)`);
    args.push(table === 'resource_routings' || table === 'audit_log' ? Number(marker) : marker);
  }
  const sql = `SELECT * FROM ${table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY rowid ${order}`;
  let items: T[];
  if (post.length === 0 && limit !== undefined) {
    items = (db.prepare(`${sql} LIMIT ?`).all(...args, limit + 1) as unknown[]).map(map);
  } else {
    items = (db.prepare(sql).all(...args) as unknown[]).map(map);
    if (post.length) items = items.filter((b) => post.every(([k, v]) => JSON.stringify((b as Record<string, unknown>)[k]) === JSON.stringify(v)));
    if (limit !== undefined) items = items.slice(0, limit + 1);
  }
  let next_marker: string | null = null;
  if (limit !== undefined && items.length > limit) {
    items = items.slice(0, limit);
    next_marker = String((items[items.length - 1] as Record<string, unknown>)[key]);
  }
  return { items, next_marker };
}
