// The audit log: an append-only record of every mutation (and every refused one), kept within a
// retention set by age and by count, and exportable as JSON lines or CSV. Finished (SUCCESS)
// jobs are pruned by the same retention; FAIL jobs never are (see pruneFinished in jobs/).
import type { AuditExport, AuditRetention } from '../../../shared/contract';
import type { AuditEntry } from '../../../shared/model';
import { json } from '../context';
import type { Db } from '../store';

export { isSecretKey, maskSecrets, MASK, summarize } from './mask';

export type { AuditRetention };

export const defaultRetention: AuditRetention = { max_age_days: 90, max_entries: 100_000 };
const SETTING = 'audit.retention';
/** Rows removed per statement: a large backlog is pruned in slices, between other operations. */
export const PRUNE_BATCH = 5_000;
/** A prune is due after this many new entries, or this long after the last one. */
const PRUNE_EVERY_WRITES = 1_000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;

export interface AuditFilter {
  since?: string;
  until?: string;
  operation?: string;
  result_code?: string;
  actor?: string;
}

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  operation: string;
  input_summary: string;
  result_code: string;
  resource_ids: string;
}

const toEntry = (r: AuditRow): AuditEntry => ({ ...r, resource_ids: json(r.resource_ids, []) });
const CSV_COLUMNS = ['id', 'at', 'actor', 'operation', 'input_summary', 'result_code', 'resource_ids'] as const;

/** One CSV field: always quoted; a leading =, +, -, @ is defused so a spreadsheet shows it as text. */
function csvField(v: unknown): string {
  let s = typeof v === 'string' ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export class AuditLog {
  private readonly q;
  private writesSincePrune = 0;
  private lastPrune = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
  ) {
    this.q = {
      insert: db.prepare('INSERT INTO audit_log (at, actor, operation, input_summary, result_code, resource_ids) VALUES (?, ?, ?, ?, ?, ?)'),
      getSetting: db.prepare('SELECT value FROM settings WHERE key = ?').pluck(),
      putSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      pruneByAge: db.prepare('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY id LIMIT ?)'),
      // The id below which nothing is kept: the (max_entries+1)-th newest.
      cutoffId: db.prepare('SELECT id FROM audit_log ORDER BY id DESC LIMIT 1 OFFSET ?').pluck(),
      pruneBelow: db.prepare('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE id <= ? ORDER BY id LIMIT ?)'),
    };
  }

  /** Appends one entry (the caller's transaction); same arguments as the INSERT. Returns its id. */
  run(at: string, actor: string, operation: string, inputSummary: string, resultCode: string, resourceIds: string): number {
    const id = Number(this.q.insert.run(at, actor, operation, inputSummary, resultCode, resourceIds).lastInsertRowid);
    this.writesSincePrune++;
    return id;
  }

  retention(): AuditRetention {
    const v = this.q.getSetting.get(SETTING) as string | undefined;
    return { ...defaultRetention, ...json<Partial<AuditRetention>>(v ?? null, {}) };
  }

  setRetention(patch: Partial<AuditRetention>): AuditRetention {
    const next = { ...this.retention(), ...patch };
    this.q.putSetting.run(SETTING, JSON.stringify(next));
    this.lastPrune = 0; // the next check prunes to the new limits
    return next;
  }

  /**
   * audit.setRetention: the new limits, applied now in the caller's operation, so the caller
   * sees what they removed (finished jobs go by the same limits).
   */
  applyRetention(patch: Partial<AuditRetention>, jobs: { pruneFinished(cutoff: string | null, maxEntries: number | null, batch: number): number }): AuditRetention & { pruned: { audit: number; jobs: number } } {
    const r = this.setRetention(patch);
    const pruned = { audit: this.prune(r, Number.MAX_SAFE_INTEGER), jobs: jobs.pruneFinished(this.cutoff(r), r.max_entries, Number.MAX_SAFE_INTEGER) };
    return { ...r, pruned };
  }

  pruneDue(): boolean {
    return this.writesSincePrune >= PRUNE_EVERY_WRITES || this.clock().getTime() - this.lastPrune >= PRUNE_EVERY_MS;
  }

  /** The cut-off time for the age limit, or null when entries are kept whatever their age. */
  cutoff(r = this.retention()): string | null {
    return r.max_age_days === null ? null : new Date(this.clock().getTime() - r.max_age_days * 86_400_000).toISOString();
  }

  /** One slice of pruning (at most `batch` rows per limit); returns how many entries went. */
  prune(r = this.retention(), batch = PRUNE_BATCH): number {
    let removed = 0;
    const cutoff = this.cutoff(r);
    if (cutoff !== null) removed += this.q.pruneByAge.run(cutoff, batch).changes;
    if (r.max_entries !== null) {
      const below = this.q.cutoffId.get(r.max_entries) as number | undefined;
      if (below !== undefined) removed += this.q.pruneBelow.run(below, batch).changes;
    }
    this.writesSincePrune = 0;
    this.lastPrune = this.clock().getTime();
    return removed;
  }

  /** Entries oldest first, filtered; for export. */
  *entries(f: AuditFilter = {}): Generator<AuditEntry> {
    const conds: [string, unknown][] = [];
    if (f.since !== undefined) conds.push(['at >= ?', f.since]);
    if (f.until !== undefined) conds.push(['at < ?', f.until]);
    for (const k of ['operation', 'result_code', 'actor'] as const) if (f[k] !== undefined) conds.push([`${k} = ?`, f[k]]);
    const where = conds.map((c) => c[0]);
    const args = conds.map((c) => c[1]);
    const sql = `SELECT * FROM audit_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    for (const r of this.db.prepare(sql).iterate(...args) as Iterable<AuditRow>) yield toEntry(r);
  }

  /** The filtered log as JSON lines (one entry per line) or CSV (a header line, then one row per entry). */
  export(format: 'jsonl' | 'csv', f: AuditFilter = {}): AuditExport {
    const lines: string[] = format === 'csv' ? [CSV_COLUMNS.join(',')] : [];
    let count = 0;
    for (const e of this.entries(f)) {
      count++;
      lines.push(format === 'csv' ? CSV_COLUMNS.map((c) => csvField(e[c])).join(',') : JSON.stringify(e));
    }
    const data = lines.length ? `${lines.join('\n')}\n` : '';
    return { format, content_type: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8', count, data };
  }
}
