// What "nothing changed" is compared with: every row of every table, hashed per table. A refused
// mutation is still audited (the engine logs the attempt), so the audit log is checked apart.
import { createHash } from 'node:crypto';
import { contract, type Method } from '../../shared/contract';
import type { Db } from '../../main/engine/store';

export function dbChecksum(db: Db, except: string[] = []): Record<string, string> {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    if (except.includes(name)) continue;
    const rows = (db.prepare(`SELECT * FROM "${name}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
    out[name] = `${rows.length}:${createHash('sha256').update(rows.join('\n')).digest('hex').slice(0, 16)}`;
  }
  return out;
}

export interface AuditRow {
  actor: string;
  operation: string;
  result_code: string;
  resource_ids: string;
}

/** A mark in the audit log; `since()` lists the rows added after it. */
export function auditMark(db: Db): { since(): AuditRow[] } {
  const mark = (db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM audit_log').get() as { id: number }).id;
  return {
    since: () =>
      db.prepare('SELECT actor, operation, result_code, resource_ids FROM audit_log WHERE id > ? ORDER BY id').all(mark) as AuditRow[],
  };
}

/** What `n` refused calls of `method` leave in the audit log: one INVALID_INPUT row each if it mutates. */
export function refusedAudit(method: Method, actor: string, n: number): AuditRow[] {
  if (!contract[method].mutates) return [];
  return Array.from({ length: n }, () => ({ actor, operation: method, result_code: 'INVALID_INPUT', resource_ids: '[]' }));
}
