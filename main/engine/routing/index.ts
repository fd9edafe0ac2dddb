// The resource-routing table: top id -> bottom id per pod and type (reference §3, §4). A row
// whose bottom_id is NULL is a creation lock; getOrCreate follows the lock semantics of §5.
import type { Routing } from '../../../shared/model';
import { CrosspodError } from '../../../shared/errors';
import type { Db } from '../store';

export const MAX_TRIES = 5;

/** The resource types a routing row may map (Tricircle's resource_routings types). */
export const ROUTING_TYPES = ['network', 'subnet', 'port', 'router', 'subnetpool', 'security_group', 'trunk', 'port_pair', 'port_pair_group', 'flow_classifier', 'port_chain', 'qos_policy'];

export type RouteState = 'ALL_DONE' | 'RES_DONE' | 'NONE_DONE';

export interface GetOrCreateArgs {
  topId: string;
  podId: string;
  projectId: string | null;
  type: string;
  /** Finds the element by name in the target pod (expiry recovery); null when absent. */
  find: () => Promise<string | null>;
  /** Creates the element; returns its id. */
  create: () => Promise<string>;
}

export interface GetOrCreateResult {
  /** False only when the row was already complete (ALL_DONE). */
  isNew: boolean;
  bottomId: string;
}

export class RoutingTable {
  private readonly q;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
    private readonly expireSeconds: number,
    /** Yields between tries so a concurrent creator can finish (sleep(0) in the reference). */
    private readonly yieldTry: () => Promise<void> = () => new Promise((r) => setImmediate(r)),
  ) {
    this.q = {
      find: db.prepare('SELECT * FROM resource_routings WHERE top_id = ? AND pod_id = ? AND resource_type = ?'),
      insert: db.prepare(
        'INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *',
      ),
      bind: db.prepare('UPDATE resource_routings SET bottom_id = ?, updated_at = ? WHERE id = ?'),
      deleteId: db.prepare('DELETE FROM resource_routings WHERE id = ?'),
      byTop: db.prepare('SELECT * FROM resource_routings WHERE top_id = ? AND resource_type = ? AND bottom_id IS NOT NULL ORDER BY id'),
      byTopAny: db.prepare('SELECT * FROM resource_routings WHERE top_id = ? ORDER BY id'),
      byBottom: db.prepare('SELECT * FROM resource_routings WHERE bottom_id = ? AND pod_id = ? ORDER BY id LIMIT 1'),
      deleteTopPod: db.prepare('DELETE FROM resource_routings WHERE top_id = ? AND pod_id = ? AND resource_type = ?'),
      deleteTop: db.prepare('DELETE FROM resource_routings WHERE top_id = ?'),
      byId: db.prepare('SELECT * FROM resource_routings WHERE id = ?'),
      ofPod: db.prepare('SELECT * FROM resource_routings WHERE pod_id = ? ORDER BY id'),
      all: db.prepare('SELECT * FROM resource_routings ORDER BY id'),
      deletePod: db.prepare('DELETE FROM resource_routings WHERE pod_id = ?'),
      update: db.prepare(
        'UPDATE resource_routings SET top_id = @top_id, bottom_id = @bottom_id, pod_id = @pod_id, project_id = @project_id, resource_type = @resource_type, updated_at = @updated_at WHERE id = @id RETURNING *',
      ),
      referenced: db.prepare('SELECT 1 FROM resource_routings WHERE pod_id = ? AND bottom_id = ?').pluck(),
      remap: db.prepare('UPDATE resource_routings SET bottom_id = ?, updated_at = ? WHERE pod_id = ? AND bottom_id = ?'),
      forgetBottom: db.prepare('DELETE FROM resource_routings WHERE pod_id = ? AND bottom_id = ?'),
      countPod: db.prepare('SELECT resource_type, COUNT(*) AS n FROM resource_routings WHERE pod_id = ? GROUP BY resource_type ORDER BY resource_type'),
    };
  }

  /** Recovery: some row maps this bottom resource. */
  referencesBottom(podId: string, bottomId: string): boolean {
    return this.q.referenced.get(podId, bottomId) !== undefined;
  }

  /** Recovery: a create whose answer was lost made the resource under another id. */
  remapBottom(podId: string, oldId: string, newId: string): void {
    this.q.remap.run(newId, this.now().toISOString(), podId, oldId);
  }

  /** Recovery: the rows of a bottom resource that is gone; how many. */
  forgetBottom(podId: string, bottomId: string): number {
    return this.q.forgetBottom.run(podId, bottomId).changes;
  }

  get(topId: string, podId: string, type: string): Routing | undefined {
    return this.q.find.get(topId, podId, type) as Routing | undefined;
  }

  bottomId(topId: string, podId: string, type: string): string | null {
    return this.get(topId, podId, type)?.bottom_id ?? null;
  }

  /** Complete mappings of a top id of one type, in creation order (§4). */
  mappings(topId: string, type: string): Routing[] {
    return this.q.byTop.all(topId, type) as Routing[];
  }

  allForTop(topId: string): Routing[] {
    return this.q.byTopAny.all(topId) as Routing[];
  }

  byBottom(bottomId: string, podId: string): Routing | undefined {
    return this.q.byBottom.get(bottomId, podId) as Routing | undefined;
  }

  /** Inserts a complete row (for elements created outside getOrCreate). */
  add(topId: string, podId: string, projectId: string | null, type: string, bottomId: string): Routing {
    const t = this.now().toISOString();
    return this.q.insert.get(topId, bottomId, podId, projectId, type, t, t) as Routing;
  }

  remove(topId: string, podId: string, type: string): void {
    this.q.deleteTopPod.run(topId, podId, type);
  }

  removeAllForTop(topId: string): void {
    this.q.deleteTop.run(topId);
  }

  byId(id: number): Routing | undefined {
    return this.q.byId.get(id) as Routing | undefined;
  }

  /** Every row, in creation order (the doctor reads them once). */
  all(): Routing[] {
    return this.q.all.all() as Routing[];
  }

  ofPod(podId: string): Routing[] {
    return this.q.ofPod.all(podId) as Routing[];
  }

  /** Deletes a row by id (routings.delete, the doctor); false when there was none. */
  deleteById(id: number): boolean {
    return this.q.deleteId.run(id).changes > 0;
  }

  /** Forgets every row of a pod (pods.delete with force). */
  removePod(podId: string): number {
    return this.q.deletePod.run(podId).changes;
  }

  /** Replaces a row's fields (routings.update); throws SQLITE_CONSTRAINT_UNIQUE on a duplicate. */
  update(row: Omit<Routing, 'created_at'>): Routing {
    return this.q.update.get(row) as Routing;
  }

  /** routings.update: a known row, a known type, and no second row for the same mapping. Returns [before, after]. */
  edit(id: number, fields: Partial<Omit<Routing, 'id' | 'created_at' | 'updated_at'>>, checkPod: (podId: string) => void): [Routing, Routing] {
    const cur = this.byId(id);
    if (!cur) throw new CrosspodError('NOT_FOUND', `Resource routing ${id} not found`, { kind: 'routing', id });
    if (fields.pod_id !== undefined) checkPod(fields.pod_id);
    if (fields.resource_type !== undefined && !ROUTING_TYPES.includes(fields.resource_type)) {
      throw new CrosspodError('RESOURCE_TYPE_UNKNOWN', `There is no such resource type ${fields.resource_type}: one of ${ROUTING_TYPES.join(', ')}`, { resource_type: fields.resource_type });
    }
    try {
      return [cur, this.update({ ...cur, ...fields, id, updated_at: this.now().toISOString() })];
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw e;
      throw new CrosspodError('ROUTING_EXISTS', 'Resource routing already exists: the same top_id, pod_id and resource_type are mapped by another row', { id });
    }
  }

  /** routings.delete: the row that went, or NOT_FOUND. */
  drop(id: number): Routing {
    const row = this.byId(id);
    if (!row || !this.deleteById(id)) throw new CrosspodError('NOT_FOUND', `Resource routing ${id} not found`, { kind: 'routing', id });
    return row;
  }

  countByType(podId: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.q.countPod.all(podId) as { resource_type: string; n: number }[]) out[r.resource_type] = r.n;
    return out;
  }

  /** One attempt of §5's get_or_create_route. */
  async getOrCreateRoute(a: GetOrCreateArgs): Promise<{ row: Routing | null; state: RouteState }> {
    const row = this.get(a.topId, a.podId, a.type);
    if (row) {
      if (row.bottom_id) return { row, state: 'ALL_DONE' };
      // Total seconds, not Python's timedelta.seconds: a day-old lock is expired (§13 row 23).
      const age = (this.now().getTime() - Date.parse(row.updated_at || row.created_at)) / 1000;
      if (age > this.expireSeconds) {
        const found = await a.find();
        if (found) {
          this.q.bind.run(found, this.now().toISOString(), row.id);
          return { row: { ...row, bottom_id: found }, state: 'RES_DONE' };
        }
        this.q.deleteId.run(row.id);
      }
    }
    try {
      const t = this.now().toISOString();
      // One statement: atomic on its own, a UNIQUE clash changes nothing.
      const created = this.q.insert.get(a.topId, null, a.podId, a.projectId, a.type, t, t) as Routing;
      return { row: created, state: 'NONE_DONE' };
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return { row: null, state: 'NONE_DONE' };
      throw e;
    }
  }

  /** §5's get_or_create_element: up to 5 tries; a failed create drops its lock row and re-throws. */
  async getOrCreate(a: GetOrCreateArgs): Promise<GetOrCreateResult> {
    let row: Routing | null = null;
    let isNew = false;
    for (let i = 0; i < MAX_TRIES; i++) {
      const r = await this.getOrCreateRoute(a);
      row = r.row;
      if (!row) {
        await this.yieldTry();
        continue;
      }
      if (r.state === 'ALL_DONE') {
        isNew = false;
        break;
      }
      if (r.state === 'RES_DONE') {
        isNew = true;
        break;
      }
      let bottomId: string;
      try {
        bottomId = await a.create();
      } catch (e) {
        this.q.deleteId.run(row.id);
        throw e;
      }
      this.q.bind.run(bottomId, this.now().toISOString(), row.id);
      row = { ...row, bottom_id: bottomId };
      isNew = true;
      break;
    }
    if (!row) throw new CrosspodError('ROUTING_CREATE_FAIL', `Fail to create ${a.type} routing entry`, { top_id: a.topId, pod_id: a.podId });
    if (!row.bottom_id) throw new CrosspodError('ROUTING_BIND_FAIL', `Fail to bind top and bottom ${a.type}`, { top_id: a.topId, pod_id: a.podId });
    return { isNew, bottomId: row.bottom_id };
  }
}
