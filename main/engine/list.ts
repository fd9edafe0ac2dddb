// `*.list` over the engine's tables: the contract's filters (LISTS) in SQL, a default page size,
// the total of matching rows, and keyset pages that keep working under any whitelisted sort: the
// marker is the last row's id, and the next page is the rows after (sort value, rowid) of that row.
import { Address6 } from 'ip-address';
import { LIST_DEFAULT_LIMIT, LISTS } from '../../shared/contract';
import { CrosspodError } from '../../shared/errors';
import type { Page } from '../../shared/model';
import type { Db } from './store';

type ListName = keyof typeof LISTS;
type Clause = (v: unknown) => [sql: string, args: unknown[]];

interface TableSpec {
  table: string;
  /** The output field a marker names. */
  key: 'id' | 'pod_id';
  /** Markers and `id` filters of integer-keyed tables arrive as strings. */
  numericKey?: boolean;
  noun: string;
  /** Order without a sort_key (newest first for the logs). */
  dir: 'asc' | 'desc';
  /** Filter fields that are not a column of the same name. */
  filters?: Record<string, string | Clause>;
  /** Sort keys that are not a column of the same name: an SQL expression. */
  sorts?: Record<string, string>;
}

const col = (c: string): Clause => (v) => (v === null ? [`${c} IS NULL`, []] : [`${c} = ?`, [typeof v === 'boolean' ? (v ? 1 : 0) : v]]);
const ipSort = (c: string) => `crosspod_ip_key(${c})`;

const SPECS: Record<ListName, TableSpec> = {
  'pods.list': {
    table: 'pods',
    key: 'pod_id',
    noun: 'pod',
    dir: 'asc',
    filters: { pod_name: 'region_name', is_top: (v) => [v ? `az_name = ''` : `az_name <> ''`, []] },
  },
  'networks.list': {
    table: 'networks',
    key: 'id',
    noun: 'network',
    dir: 'asc',
    filters: {
      tenant_id: 'project_id',
      'router:external': 'router_external',
      'crosspod:bridge': 'bridge',
      'provider:network_type': 'provider_network_type',
      'provider:physical_network': 'provider_physical_network',
      'provider:segmentation_id': 'provider_segmentation_id',
    },
  },
  'subnets.list': { table: 'subnets', key: 'id', noun: 'subnet', dir: 'asc', filters: { tenant_id: 'project_id' }, sorts: { cidr: ipSort('cidr') } },
  'ports.list': {
    table: 'ports',
    key: 'id',
    noun: 'port',
    dir: 'asc',
    filters: {
      tenant_id: 'project_id',
      subnet_id: (v) => ['id IN (SELECT port_id FROM port_ips WHERE subnet_id = ?)', [v]],
      ip_address: (v) => ['id IN (SELECT port_id FROM port_ips WHERE ip_address = ?)', [v]],
    },
  },
  'routers.list': { table: 'routers', key: 'id', noun: 'router', dir: 'asc', filters: { tenant_id: 'project_id' } },
  'fips.list': {
    table: 'floating_ips',
    key: 'id',
    noun: 'floating IP',
    dir: 'asc',
    filters: {
      tenant_id: 'project_id',
      search: (v) => [`(instr(floating_ip_address, ?) > 0 OR instr(coalesce(fixed_ip_address, ''), ?) > 0)`, [String(v), String(v)]],
      // The external pod holds the floating IP (and, two-step, the bridge port); the VM's pod the
      // bridge floating IP and the VM. Both through the routing table's (top, pod, type) key.
      touches_pod: (v) => [
        `(EXISTS (SELECT 1 FROM resource_routings r WHERE r.top_id = floating_ips.floating_network_id AND r.pod_id = ? AND r.resource_type = 'network')` +
          ` OR EXISTS (SELECT 1 FROM resource_routings r WHERE r.top_id = floating_ips.port_id AND r.pod_id = ? AND r.resource_type = 'port'))`,
        [String(v), String(v)],
      ],
    },
    sorts: { floating_ip_address: ipSort('floating_ip_address'), fixed_ip_address: ipSort('fixed_ip_address') },
  },
  'secgroups.list': { table: 'security_groups', key: 'id', noun: 'security group', dir: 'asc', filters: { tenant_id: 'project_id' } },
  'secgroupRules.list': { table: 'security_group_rules', key: 'id', noun: 'security group rule', dir: 'asc', filters: { tenant_id: 'project_id' } },
  'routings.list': { table: 'resource_routings', key: 'id', numericKey: true, noun: 'routing row', dir: 'desc' },
  'jobs.list': { table: 'async_jobs', key: 'id', noun: 'job', dir: 'desc' },
  'audit.list': { table: 'audit_log', key: 'id', numericKey: true, noun: 'audit entry', dir: 'desc' },
};

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/\d+)?$/;
const hex2 = (n: string) => Number(n).toString(16).padStart(2, '0');

/** A text key that sorts addresses (and CIDRs by their network address) numerically; v4 before v6. */
export function ipSortKey(s: string | null): string | null {
  if (s === null) return null;
  // IPv4 by hand: this runs once per row of a sorted page, 20,000 times at scale.
  const m = V4.exec(s);
  if (m) return `4${hex2(m[1])}${hex2(m[2])}${hex2(m[3])}${hex2(m[4])}`;
  const a = s.split('/')[0];
  try {
    if (Address6.isValid(a)) return `6${new Address6(a).canonicalForm().replace(/:/g, '')}`;
  } catch {
    // fall through: not an address
  }
  return `9${s}`;
}

const prepared = new WeakSet<Db>();
function prepare(db: Db): void {
  if (prepared.has(db)) return;
  db.function('crosspod_ip_key', { deterministic: true }, (s: unknown) => ipSortKey(s as string | null));
  prepared.add(db);
}

export function listPage<T>(db: Db, list: ListName, input: Record<string, unknown>, map: (row: unknown) => T, defaultLimit = LIST_DEFAULT_LIMIT): Page<T> {
  prepare(db);
  const spec = SPECS[list];
  const { limit = defaultLimit, marker, sort_key, sort_dir, ...filters } = input as { limit?: number; marker?: string; sort_key?: string; sort_dir?: 'asc' | 'desc' } & Record<string, unknown>;
  const allowed = new Set<string>(LISTS[list].filters);
  const where: string[] = [];
  const args: unknown[] = [];
  for (const [k, v] of Object.entries(filters)) {
    if (v === undefined) continue;
    // The contract's schema already refuses these; this guards direct engine callers.
    if (!allowed.has(k)) throw new CrosspodError('INVALID_INPUT', `${list} cannot filter on '${k}'; it filters on ${[...allowed].join(', ')}`, { filter: k, filters: [...allowed] });
    const f = spec.filters?.[k] ?? k;
    const [sql, a] = (typeof f === 'string' ? col(f) : f)(k === 'id' && spec.numericKey && typeof v === 'string' ? Number(v) : v);
    where.push(sql);
    args.push(...a);
  }
  const total = (db.prepare(`SELECT count(*) AS n FROM ${spec.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`).get(...args) as { n: number }).n;

  const dir = sort_dir ?? (sort_key ? 'asc' : spec.dir);
  const sortExpr = sort_key ? (spec.sorts?.[sort_key] ?? sort_key) : null;
  const cmp = dir === 'asc' ? '>' : '<';
  if (marker !== undefined) {
    const keyArg = spec.numericKey ? Number(marker) : marker;
    const at = db.prepare(`SELECT rowid AS r${sortExpr ? `, ${sortExpr} AS s` : ''} FROM ${spec.table} WHERE ${spec.key} = ?`).get(keyArg) as { r: number; s?: unknown } | undefined;
    if (!at) throw new CrosspodError('INVALID_INPUT', `The marker ${marker} is not a ${spec.noun} of this list; start again from the first page`, { marker });
    if (sortExpr) {
      // NULLs sort first in SQLite: compare with IS for them, then by rowid.
      if (at.s === null) where.push(`((${sortExpr}) IS NOT NULL${dir === 'desc' ? ' AND 0' : ''} OR ((${sortExpr}) IS NULL AND rowid ${cmp} ?))`);
      else where.push(`((${sortExpr}) ${cmp} ?${dir === 'desc' ? ` OR (${sortExpr}) IS NULL` : ''} OR ((${sortExpr}) = ? AND rowid ${cmp} ?))`);
      args.push(...(at.s === null ? [at.r] : [at.s, at.s, at.r]));
    } else {
      where.push(`rowid ${cmp} ?`);
      args.push(at.r);
    }
  }
  const order = sortExpr ? `${sortExpr} ${dir}, rowid ${dir}` : `rowid ${dir}`;
  const sql = `SELECT * FROM ${spec.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
  const rows = db.prepare(sql).all(...args, limit + 1) as Record<string, unknown>[];
  const more = rows.length > limit;
  const items = (more ? rows.slice(0, limit) : rows).map(map);
  const next_marker = more ? String(rows[limit - 1][spec.key]) : null;
  return { items, next_marker, total };
}
