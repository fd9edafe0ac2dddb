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

export function planList(def: ResourceDef, params: URLSearchParams): ListPlan {
  const plan: ListPlan = { engine: {}, local: [], fields: params.getAll('fields').flatMap((f) => f.split(',')).filter(Boolean) };
  const limitRaw = params.get('limit');
  if (limitRaw !== null && limitRaw !== '') {
    const n = Number(limitRaw);
    if (!Number.isInteger(n) || n < 0) throw new CrosspodError('INVALID_INPUT', `Limit must be an integer 0 or greater and not '${limitRaw}'`, { limit: limitRaw });
    if (n > 0) plan.limit = Math.min(n, MAX_LIMIT);
  }
  const marker = params.get('marker');
  if (marker) plan.marker = marker;

  for (const key of new Set(params.keys())) {
    if (RESERVED.has(key)) continue;
    const values = params.getAll(key);
    if (key === 'fixed_ips' && def.collection === 'ports') {
      plan.local.push(fixedIpsFilter(values));
      continue;
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
