// The resource-routing table and get-or-create with the table as a lock (reference §3–§5, §13
// rows 14 and 23), directly on RoutingTable over a real store, with a controlled clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TRIES, RoutingTable, type GetOrCreateArgs } from '../../main/engine/routing';
import { openStore, type Store } from '../../main/engine/store';
import { CrosspodError } from '../../shared/errors';
import type { Routing } from '../../shared/model';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('resource routing', () => {
  let dir: string;
  let store: Store;
  let clock: number;
  let yields: number;
  let onYield: (n: number) => void;
  let rt: RoutingTable;

  const rows = () => store.db.prepare('SELECT * FROM resource_routings ORDER BY id').all() as Routing[];
  /** An incomplete row (a creation lock) held by someone else, last touched at `at`. */
  const lockRow = (at: number, opts: { created?: number; topId?: string; type?: string; podId?: string } = {}) =>
    store.db
      .prepare(
        'INSERT INTO resource_routings (top_id, bottom_id, pod_id, project_id, resource_type, created_at, updated_at) VALUES (?, NULL, ?, ?, ?, ?, ?) RETURNING *',
      )
      .get(opts.topId ?? 'top-net', opts.podId ?? 'pod-1', 'proj', opts.type ?? 'network', iso(opts.created ?? at), iso(at)) as Routing;

  const args = (over: Partial<GetOrCreateArgs> = {}) => {
    const a: GetOrCreateArgs = {
      topId: 'top-net',
      podId: 'pod-1',
      projectId: 'proj',
      type: 'network',
      find: vi.fn(async (): Promise<string | null> => null),
      create: vi.fn(async () => 'bottom-new'),
      ...over,
    };
    return { a, find: a.find, create: a.create };
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crosspod-routing-'));
    store = await openStore(join(dir, 'crosspod.db'));
    const pod = store.db.prepare(
      "INSERT INTO pods (pod_id, region_name, az_name, pod_az_name, dc_name, driver, created_at, updated_at) VALUES (?, ?, ?, '', '', 'lab', ?, ?)",
    );
    pod.run('pod-top', 'RegionOne', '', iso(T0), iso(T0));
    pod.run('pod-1', 'Pod1', 'az1', iso(T0), iso(T0));
    pod.run('pod-2', 'Pod2', 'az2', iso(T0), iso(T0));
    clock = T0;
    yields = 0;
    onYield = () => undefined;
    rt = new RoutingTable(
      store.db,
      () => new Date(clock),
      30,
      async () => {
        yields++;
        onYield(yields);
      },
    );
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('the table', () => {
    it('is unique on (top_id, pod_id, resource_type): a top router maps as router and ns_router in one pod', () => {
      const r = rt.add('router-1', 'pod-1', 'proj', 'router', 'b-router');
      const ns = rt.add('router-1', 'pod-1', 'proj', 'ns_router', 'b-ns-router');
      const other = rt.add('router-1', 'pod-2', 'proj', 'router', 'b-router-2');
      expect(r).toEqual({
        id: 1,
        top_id: 'router-1',
        bottom_id: 'b-router',
        pod_id: 'pod-1',
        project_id: 'proj',
        resource_type: 'router',
        created_at: iso(T0),
        updated_at: iso(T0),
      });
      expect([ns.id, ns.resource_type, other.id, other.pod_id]).toEqual([2, 'ns_router', 3, 'pod-2']);
      expect(() => rt.add('router-1', 'pod-1', 'proj', 'router', 'b-router-again')).toThrow(
        /UNIQUE constraint failed: resource_routings.top_id, resource_routings.pod_id, resource_routings.resource_type/,
      );
      expect(rows()).toHaveLength(3);
      expect(rt.get('router-1', 'pod-1', 'ns_router')?.bottom_id).toBe('b-ns-router');
      expect(rt.bottomId('router-1', 'pod-1', 'router')).toBe('b-router');
      expect(rt.bottomId('router-1', 'pod-top', 'router')).toBeNull();
      expect(rt.mappings('router-1', 'router').map((m) => [m.pod_id, m.bottom_id])).toEqual([
        ['pod-1', 'b-router'],
        ['pod-2', 'b-router-2'],
      ]);
      expect(rt.byBottom('b-ns-router', 'pod-1')?.resource_type).toBe('ns_router');
      expect(rt.countByType('pod-1')).toEqual({ ns_router: 1, router: 1 });
    });

    it('mappings skip incomplete rows (§4)', () => {
      rt.add('net-1', 'pod-1', 'proj', 'network', 'b-net-1');
      lockRow(T0, { topId: 'net-1', podId: 'pod-2' });
      expect(rt.mappings('net-1', 'network').map((m) => m.pod_id)).toEqual(['pod-1']);
      expect(rt.allForTop('net-1').map((m) => [m.pod_id, m.bottom_id])).toEqual([
        ['pod-1', 'b-net-1'],
        ['pod-2', null],
      ]);
    });

    it('refuses a row for an unknown pod', () => {
      expect(() => rt.add('x', 'no-such-pod', null, 'network', 'b')).toThrow(/FOREIGN KEY constraint failed/);
    });
  });

  describe('getOrCreate', () => {
    it('creates and binds (isNew true), then a second call is ALL_DONE (isNew false) without creating', async () => {
      const { a, find, create } = args();
      await expect(rt.getOrCreate(a)).resolves.toEqual({ isNew: true, bottomId: 'bottom-new' });
      expect(create).toHaveBeenCalledTimes(1);
      expect(find).not.toHaveBeenCalled();
      expect(rows()).toEqual([
        { id: 1, top_id: 'top-net', bottom_id: 'bottom-new', pod_id: 'pod-1', project_id: 'proj', resource_type: 'network', created_at: iso(T0), updated_at: iso(T0) },
      ]);

      clock = T0 + 3_600_000;
      const second = args({ create: vi.fn(async () => 'bottom-other') });
      await expect(rt.getOrCreate(second.a)).resolves.toEqual({ isNew: false, bottomId: 'bottom-new' });
      expect(second.a.create).not.toHaveBeenCalled();
      expect(second.find).not.toHaveBeenCalled();
      expect(rows()).toHaveLength(1);
      expect(yields).toBe(0);
    });

    it('the lookup includes the resource type: a complete router row does not satisfy ns_router', async () => {
      rt.add('router-1', 'pod-1', 'proj', 'router', 'b-router');
      const { a, create } = args({ topId: 'router-1', type: 'ns_router', create: vi.fn(async () => 'b-ns') });
      await expect(rt.getOrCreate(a)).resolves.toEqual({ isNew: true, bottomId: 'b-ns' });
      expect(create).toHaveBeenCalledTimes(1);
      expect(rows().map((r) => [r.resource_type, r.bottom_id])).toEqual([
        ['router', 'b-router'],
        ['ns_router', 'b-ns'],
      ]);
    });

    it('holds an incomplete row (the lock) while create runs', async () => {
      let during: Routing[] = [];
      const { a } = args({
        create: vi.fn(async () => {
          during = rows();
          return 'bottom-new';
        }),
      });
      await rt.getOrCreate(a);
      expect(during.map((r) => [r.top_id, r.pod_id, r.resource_type, r.project_id, r.bottom_id])).toEqual([['top-net', 'pod-1', 'network', 'proj', null]]);
    });

    it('a failed create deletes its incomplete row and re-raises the original error', async () => {
      rt.add('other', 'pod-1', 'proj', 'network', 'b-other');
      class DriverBoom extends Error {
        readonly extra = 42;
      }
      const boom = new DriverBoom('bottom pod said no');
      const { a, create } = args({
        create: vi.fn(async () => {
          throw boom;
        }),
      });
      const err = await rt.getOrCreate(a).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBe(boom);
      expect(create).toHaveBeenCalledTimes(1);
      expect(rows().map((r) => r.top_id)).toEqual(['other']);
      expect(yields).toBe(0);
    });

    it('a failed create re-raises a CrosspodError as it was', async () => {
      const boom = new CrosspodError('POD_UNREACHABLE', 'Pod1 did not answer', { pod_id: 'pod-1' });
      const { a } = args({
        create: vi.fn(async () => {
          throw boom;
        }),
      });
      await expect(rt.getOrCreate(a)).rejects.toBe(boom);
      expect(rows()).toEqual([]);
      // The next attempt starts afresh.
      const again = args();
      await expect(rt.getOrCreate(again.a)).resolves.toEqual({ isNew: true, bottomId: 'bottom-new' });
    });

    describe('expired incomplete rows', () => {
      it('older than 30 s and found by name: bound to what was found (RES_DONE, isNew true), nothing created', async () => {
        const lock = lockRow(T0);
        clock = T0 + 31_000;
        const { a, find, create } = args({ find: vi.fn(async () => 'bottom-found') });
        await expect(rt.getOrCreate(a)).resolves.toEqual({ isNew: true, bottomId: 'bottom-found' });
        expect(find).toHaveBeenCalledTimes(1);
        expect(create).not.toHaveBeenCalled();
        expect(rows()).toEqual([{ ...lock, bottom_id: 'bottom-found', updated_at: iso(T0 + 31_000) }]);
        // Then it is complete: ALL_DONE.
        const next = args();
        await expect(rt.getOrCreate(next.a)).resolves.toEqual({ isNew: false, bottomId: 'bottom-found' });
      });

      it('older than 30 s and not found: the row is deleted and the element created', async () => {
        const lock = lockRow(T0);
        clock = T0 + 45_000;
        const { a, find, create } = args();
        await expect(rt.getOrCreate(a)).resolves.toEqual({ isNew: true, bottomId: 'bottom-new' });
        expect(find).toHaveBeenCalledTimes(1);
        expect(create).toHaveBeenCalledTimes(1);
        const after = rows();
        expect(after).toHaveLength(1);
        expect(after[0].id).not.toBe(lock.id);
        expect(after[0]).toMatchObject({ top_id: 'top-net', pod_id: 'pod-1', bottom_id: 'bottom-new', created_at: iso(T0 + 45_000) });
      });

      it('a day and 10 seconds old counts as expired: total seconds, not timedelta.seconds (§13 row 23)', async () => {
        lockRow(T0);
        clock = T0 + (86_400 + 10) * 1000;
        const { a, find, create } = args({ find: vi.fn(async () => 'bottom-found') });
        await expect(rt.getOrCreate(a)).resolves.toEqual({ isNew: true, bottomId: 'bottom-found' });
        expect(find).toHaveBeenCalledTimes(1);
        expect(create).not.toHaveBeenCalled();
        expect(yields).toBe(0);
      });

      it('exactly 30 s old is not yet expired: the lock holds', async () => {
        lockRow(T0);
        clock = T0 + 30_000;
        const { a, find, create } = args({ find: vi.fn(async () => 'bottom-found') });
        const err = await rt.getOrCreate(a).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CrosspodError);
        expect((err as CrosspodError).code).toBe('ROUTING_CREATE_FAIL');
        expect(find).not.toHaveBeenCalled();
        expect(create).not.toHaveBeenCalled();
      });

      it('age counts from updated_at when there is one, not created_at', async () => {
        lockRow(T0 + 3_590_000, { created: T0 });
        clock = T0 + 3_600_000; // an hour after creation, 10 s after the last touch
        const { a, find, create } = args();
        await expect(rt.getOrCreate(a)).rejects.toMatchObject({ code: 'ROUTING_CREATE_FAIL' });
        expect(find).not.toHaveBeenCalled();
        expect(create).not.toHaveBeenCalled();
      });

      it('the expiry is the constructor’s expireSeconds', async () => {
        const quick = new RoutingTable(store.db, () => new Date(clock), 5, async () => undefined);
        lockRow(T0);
        clock = T0 + 6_000;
        const { a, find } = args({ find: vi.fn(async () => 'bottom-found') });
        await expect(quick.getOrCreate(a)).resolves.toEqual({ isNew: true, bottomId: 'bottom-found' });
        expect(find).toHaveBeenCalledTimes(1);
      });
    });

    describe('a lost race', () => {
      it('a fresh incomplete row held by someone else: 5 tries, then ROUTING_CREATE_FAIL', async () => {
        const lock = lockRow(T0);
        clock = T0 + 1_000;
        const { a, find, create } = args();
        const err = await rt.getOrCreate(a).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CrosspodError);
        expect((err as CrosspodError).toBody()).toEqual({
          code: 'ROUTING_CREATE_FAIL',
          message: 'Fail to create network routing entry',
          status: 500,
          details: { top_id: 'top-net', pod_id: 'pod-1' },
        });
        expect(MAX_TRIES).toBe(5);
        expect(yields).toBe(5);
        expect(find).not.toHaveBeenCalled();
        expect(create).not.toHaveBeenCalled();
        // The other creator's row is left alone.
        expect(rows()).toEqual([lock]);
      });

      it('the other creator completes the row during a yield: ALL_DONE with its bottom id, nothing created', async () => {
        const lock = lockRow(T0);
        onYield = (n) => {
          if (n === 2) store.db.prepare("UPDATE resource_routings SET bottom_id = 'bottom-theirs', updated_at = ? WHERE id = ?").run(iso(T0 + 500), lock.id);
        };
        const { a, find, create } = args();
        await expect(rt.getOrCreate(a)).resolves.toEqual({ isNew: false, bottomId: 'bottom-theirs' });
        expect(yields).toBe(2);
        expect(find).not.toHaveBeenCalled();
        expect(create).not.toHaveBeenCalled();
        expect(rows()).toEqual([{ ...lock, bottom_id: 'bottom-theirs', updated_at: iso(T0 + 500) }]);
      });

      it('the other creator fails and drops its row during a yield: this call creates (isNew true)', async () => {
        const lock = lockRow(T0);
        onYield = (n) => {
          if (n === 1) store.db.prepare('DELETE FROM resource_routings WHERE id = ?').run(lock.id);
        };
        const { a, create } = args();
        await expect(rt.getOrCreate(a)).resolves.toEqual({ isNew: true, bottomId: 'bottom-new' });
        expect(yields).toBe(1);
        expect(create).toHaveBeenCalledTimes(1);
        expect(rows().map((r) => [r.top_id, r.bottom_id])).toEqual([['top-net', 'bottom-new']]);
      });

      it('two concurrent calls for the same element create it once', async () => {
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const slow = args({
          create: vi.fn(async () => {
            await gate;
            return 'bottom-first';
          }),
        });
        const racer = args({ create: vi.fn(async () => 'bottom-second') });
        onYield = (n) => {
          if (n === 3) release();
        };
        const first = rt.getOrCreate(slow.a);
        const second = rt.getOrCreate(racer.a);
        // The second call yields while the first holds the lock; once the first binds, ALL_DONE.
        await expect(first).resolves.toEqual({ isNew: true, bottomId: 'bottom-first' });
        await expect(second).resolves.toEqual({ isNew: false, bottomId: 'bottom-first' });
        expect(slow.create).toHaveBeenCalledTimes(1);
        expect(racer.create).not.toHaveBeenCalled();
        expect(rows()).toHaveLength(1);
      });
    });
  });
});
