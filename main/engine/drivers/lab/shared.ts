// What every lab driver on one database shares: prepared statements (prepared on first use),
// one Ipam and one transaction runner. Many drivers (one per pod) cost one object each.
import type Database from 'better-sqlite3';
import { Ipam } from '../../ipam';

type Db = Database.Database;

export interface LabShared {
  /** The prepared statement for this SQL text, prepared once per database. */
  stmt(sql: string): Database.Statement;
  ipam(): Ipam;
  /** Runs fn in one transaction (a savepoint when the caller already has one open). */
  tx<T>(fn: () => T): T;
}

const cache = new WeakMap<Db, LabShared>();

export function labShared(db: Db): LabShared {
  let s = cache.get(db);
  if (s) return s;
  const stmts = new Map<string, Database.Statement>();
  const runner = db.transaction((fn: () => unknown) => fn());
  let ipam: Ipam | null = null;
  s = {
    stmt(sql) {
      let st = stmts.get(sql);
      if (!st) {
        st = db.prepare(sql);
        stmts.set(sql, st);
      }
      return st;
    },
    ipam: () => (ipam ??= new Ipam(db)),
    tx: <T>(fn: () => T): T => runner(fn) as T,
  };
  cache.set(db, s);
  return s;
}
