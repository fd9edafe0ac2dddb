// The durable undo log (SQLite's undo/redo recipe, https://www.sqlite.org/undoredo.html): TEMP
// triggers on the writer connection over every base table record, in op_undo, the SQL that
// puts each changed row back. They fire only while the statement runs for an operation that
// logs (crosspod_undo_op() returns its id, read from the async context of the caller), so the
// lab fast path, reads and the audit pay nothing. Tables kept by triggers (the topology counts)
// are not logged: undoing their base rows fires those triggers again.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db } from '../store';

/** Tables never undone: the log itself, the audit (it records the failure), derived counts, UI state. */
const SKIP = new Set(['op_undo', 'journal_commits', 'audit_log', 'schema_migrations', 'topo_fip_groups', 'topo_port_counts', 'view_state']);

const ident = (n: string) => `"${n.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

export class UndoLog {
  private installed = false;
  private readonly q;

  constructor(
    private readonly db: Db,
    /** The id the running operation logs under, or null. */
    current: () => string | null,
  ) {
    db.function('crosspod_undo_op', { deterministic: false, varargs: false }, () => current());
    this.q = {
      rows: db.prepare('SELECT sql FROM op_undo WHERE op_id = ? ORDER BY seq DESC').pluck(),
      drop: db.prepare('DELETE FROM op_undo WHERE op_id = ?'),
      open: db.prepare('SELECT DISTINCT op_id FROM op_undo').pluck(),
    };
  }

  /** The triggers go in on first use: an engine with lab pods only never pays for them. */
  install(): void {
    if (this.installed) return;
    const tables = this.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
    const ddl: string[] = [];
    for (const t of tables) {
      if (SKIP.has(t)) continue;
      const cols = this.db.prepare(`SELECT name, pk FROM pragma_table_info(?)`).all(t) as { name: string; pk: number }[];
      const withoutRowid = (this.db.prepare("SELECT sql FROM sqlite_schema WHERE name = ?").pluck().get(t) as string).toUpperCase().includes('WITHOUT ROWID');
      const pk = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      // Rows are found by rowid where there is one (kept on re-insert), else by primary key.
      const keys = withoutRowid ? pk : ['rowid'];
      const where = (row: 'NEW' | 'OLD') => keys.map((k) => `${lit(`${ident(k)}=`)}||quote(${row}.${ident(k)})`).join(`||' AND '||`);
      const all = withoutRowid ? cols.map((c) => c.name) : ['rowid', ...cols.map((c) => c.name)];
      const T = ident(t);
      const log = (sql: string) => `INSERT INTO main.op_undo (op_id, sql) VALUES (crosspod_undo_op(), ${sql});`;
      const when = 'WHEN crosspod_undo_op() IS NOT NULL';
      ddl.push(
        `CREATE TEMP TRIGGER ${ident(`undo_i_${t}`)} AFTER INSERT ON main.${T} ${when} BEGIN ${log(`${lit(`DELETE FROM ${T} WHERE `)}||${where('NEW')}`)} END;`,
        `CREATE TEMP TRIGGER ${ident(`undo_u_${t}`)} AFTER UPDATE ON main.${T} ${when} BEGIN ${log(
          `${lit(`UPDATE ${T} SET `)}||${cols.map((c) => `${lit(`${ident(c.name)}=`)}||quote(OLD.${ident(c.name)})`).join(`||','||`)}||' WHERE '||${where('NEW')}`,
        )} END;`,
        `CREATE TEMP TRIGGER ${ident(`undo_d_${t}`)} AFTER DELETE ON main.${T} ${when} BEGIN ${log(
          `${lit(`INSERT INTO ${T} (${all.map(ident).join(',')}) VALUES (`)}||${all.map((c) => `quote(OLD.${ident(c)})`).join(`||','||`)}||')'`,
        )} END;`,
      );
    }
    this.db.exec(ddl.join('\n'));
    this.installed = true;
  }

  /**
   * Puts back every row the operation changed, newest first, in one transaction (foreign keys
   * checked at its end), and forgets its log. The caller must not be logging (its op id unset).
   */
  undo(opId: string): number {
    const rows = this.q.rows.all(opId) as string[];
    this.db.transaction(() => {
      this.db.pragma('defer_foreign_keys = ON');
      for (const sql of rows) this.db.exec(sql);
      this.q.drop.run(opId);
    })();
    return rows.length;
  }

  /** Forgets the log of an operation that committed (inside its last transaction). */
  forget(opId: string): void {
    this.q.drop.run(opId);
  }

  /** Operations a crash interrupted: their rows are still here. */
  unfinished(): string[] {
    return this.q.open.all() as string[];
  }
}

/** What runs now, per async context: the operation, and whether its writes are logged. */
export interface OpContext {
  undoId: string | null;
}

export const opContext = new AsyncLocalStorage<OpContext>();
