// Neutron's list query (`?name=x&fields=id&limit=2&marker=…`) → the engine's `*.list` input.
// A single-valued filter goes to the engine (SQL where it can); repeated values (Neutron ORs
// them) and `fixed_ips=ip_address=…` are applied here, then the page is cut here too.
import { CrosspodError } from '../../../shared/errors';
import type { ResourceDef } from './resources';

type FilterValue = string | number | boolean | null;

export interface ListPlan {
  /** Filters the engine applies. */
  engine: Record<string, FilterValue>;
  /** Filters applied here, after the engine: an item passes when it matches every one. */
  local: ((item: Record<string, unknown>) => boolean)[];
  limit?: number;
  marker?: string;
  fields: string[];
  /** One key the engine sorts on (keyset pages there); else `local` sorts here. */
  engineSort?: { sort_key: string; sort_dir: 'asc' | 'desc' };
  /** Neutron's repeated sort_key/sort_dir, applied here after the filters (id last, as Neutron). */
  localSort?: { key: string; dir: 'asc' | 'desc' }[];
}

/** What a collection filters and sorts on: the engine's list (shared/contract LISTS). */
export interface Capabilities {
  filters: ReadonlySet<string>;
  sorts: ReadonlySet<string>;
}

/** Engine filters that are not attributes of the body: not sort keys. */
const PSEUDO = new Set(['search', 'subnet_id', 'ip_address', 'tenant_id']);

const bad = (message: string, details?: unknown) => new CrosspodError('INVALID_INPUT', message, details);

/** Neutron's order: NULL first ascending, then by value; the caller adds the id tie-breaker. */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = typeof a === 'string' ? a : JSON.stringify(a);
  const y = typeof b === 'string' ? b : JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function sortRows(rows: Record<string, unknown>[], keys: { key: string; dir: 'asc' | 'desc' }[]): Record<string, unknown>[] {
  const all = keys.some((k) => k.key === 'id') ? keys : [...keys, { key: 'id', dir: keys[keys.length - 1]?.dir ?? 'asc' }];
  return [...rows].sort((a, b) => {
    for (const k of all) {
      const c = compareValues(a[k.key], b[k.key]);
      if (c !== 0) return k.dir === 'asc' ? c : -c;
    }
    return 0;
  });
}

function planSort(params: URLSearchParams, caps: Capabilities, plan: ListPlan): void {
  const keys = params.getAll('sort_key');
  const dirs = params.getAll('sort_dir');
  if (keys.length === 0 && dirs.length === 0) return;
  if (dirs.length > 0 && dirs.length !== keys.length) throw bad('The number of sort_keys and sort_dirs must be same', { sort_key: keys, sort_dir: dirs });
  for (const d of dirs) if (d !== 'asc' && d !== 'desc') throw bad(`${d} is an invalid value for sort_dir, valid values are 'asc' and 'desc'`, { sort_dir: d });
  const sortable = new Set([...caps.sorts, ...[...caps.filters].filter((f) => !PSEUDO.has(f))]);
  for (const k of keys) if (!sortable.has(k)) throw bad(`${k} is an invalid attribute for sort_key: sort on ${[...sortable].sort().join(', ')}`, { sort_key: k });
  const sort = keys.map((key, i) => ({ key, dir: (dirs[i] ?? 'asc') as 'asc' | 'desc' }));
  if (sort.length === 1 && caps.sorts.has(sort[0].key)) plan.engineSort = { sort_key: sort[0].key, sort_dir: sort[0].dir };
  else plan.localSort = sort;
}

const RESERVED = new Set(['fields', 'limit', 'marker', 'sort_key', 'sort_dir', 'page_reverse']);
/** The engine refuses a larger page; Neutron clients then simply follow the next link. */
export const MAX_LIMIT = 10_000;

function typed(def: ResourceDef, key: string, raw: string): FilterValue {
  if (def.booleans.has(key)) {
    const v = raw.toLowerCase();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    throw new CrosspodError('INVALID_INPUT', `'${raw}' cannot be converted to boolean`, { filter: key });
  }
  if (def.numbers.has(key)) {
    const n = Number(raw);
    if (raw === '' || !Number.isInteger(n)) throw new CrosspodError('INVALID_INPUT', `'${raw}' is not an integer`, { filter: key });
    return n;
  }
  return raw;
}

/** `fixed_ips=ip_address=10.0.1.4&fixed_ips=subnet_id=…`: each named key must match one of the port's addresses. */
function fixedIpsFilter(values: string[]): (item: Record<string, unknown>) => boolean {
  const wanted = new Map<string, Set<string>>();
  for (const v of values) {
    const i = v.indexOf('=');
    const k = i < 0 ? '' : v.slice(0, i);
    if (k !== 'ip_address' && k !== 'subnet_id') {
      throw new CrosspodError('INVALID_INPUT', `Invalid fixed_ips filter '${v}': use ip_address=… or subnet_id=…`, { filter: 'fixed_ips' });
    }
    if (!wanted.has(k)) wanted.set(k, new Set());
    wanted.get(k)!.add(v.slice(i + 1));
  }
  return (item) => {
    const ips = (item.fixed_ips ?? []) as Record<string, string>[];
    return [...wanted].every(([k, set]) => ips.some((ip) => set.has(ip[k])));
  };
}

export function planList(def: ResourceDef, params: URLSearchParams, caps: Capabilities): ListPlan {
  const plan: ListPlan = { engine: {}, local: [], fields: params.getAll('fields').flatMap((f) => f.split(',')).filter(Boolean) };
  const limitRaw = params.get('limit');
  if (limitRaw !== null && limitRaw !== '') {
    const n = Number(limitRaw);
    if (!Number.isInteger(n) || n < 0) throw new CrosspodError('INVALID_INPUT', `Limit must be an integer 0 or greater and not '${limitRaw}'`, { limit: limitRaw });
    if (n > 0) plan.limit = Math.min(n, MAX_LIMIT);
  }
  const marker = params.get('marker');
  if (marker) plan.marker = marker;
  const reverse = params.get('page_reverse');
  if (reverse !== null && reverse.toLowerCase() !== 'false') throw bad('page_reverse is not supported: sort the other way with sort_dir', { page_reverse: reverse });
  planSort(params, caps, plan);

  for (const key of new Set(params.keys())) {
    if (RESERVED.has(key)) continue;
    const values = params.getAll(key);
    if (key === 'fixed_ips' && def.collection === 'ports') {
      plan.local.push(fixedIpsFilter(values));
      continue;
    }
    if (!caps.filters.has(key)) {
      throw bad(`${key} is an invalid attribute for filtering ${def.collection}: filter on ${[...caps.filters, ...(def.collection === 'ports' ? ['fixed_ips'] : [])].sort().join(', ')}`, { filter: key });
    }
    const field = key === 'tenant_id' ? 'project_id' : key;
    const wanted = values.map((v) => typed(def, field, v));
    if (wanted.length === 1) plan.engine[field] = wanted[0];
    else {
      const set = new Set(wanted.map((v) => JSON.stringify(v)));
      plan.local.push((item) => set.has(JSON.stringify(item[field])));
    }
  }
  return plan;
}

/** Neutron's `fields=`: only those attributes (all of them when none is named). */
export function project(body: Record<string, unknown>, fields: string[]): Record<string, unknown> {
  if (fields.length === 0) return body;
  return Object.fromEntries(fields.filter((f) => Object.hasOwn(body, f)).map((f) => [f, body[f]]));
}

/** The `next` link of a page: the same query with this page's last id as the marker. */
export function nextLink(origin: string, collection: string, params: URLSearchParams, limit: number, marker: string) {
  const q = new URLSearchParams(params);
  q.set('limit', String(limit));
  q.set('marker', marker);
  return { rel: 'next', href: `${origin}/v2.0/${collection}?${q.toString()}` };
}
