// Jobs (§9): persisted, NEW -> RUNNING -> SUCCESS | FAIL, coalesced per (type, resource), redoable;
// configure_extra_routes routes each bottom router to the others' CIDRs over the E-W bridge and
// keeps routes someone else set; port_delete removes the bottom copy; progress events flow.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrosspodError } from '../../shared/errors';
import type { EngineEvent } from '../../shared/contract';
import type { Router, Subnet, Network } from '../../shared/model';
import { newEngine, threePods, type TestEngine } from './support/engine';

let t: TestEngine;
let failSetRoutes = false;
let router: Router, n1: Network, s1: Subnet, n2: Network, s2: Subnet;

beforeEach(async () => {
  failSetRoutes = false;
  t = await newEngine({
    driverFactory: (pod, base) => {
      const d = base(pod);
      const setRoutes = d.setRoutes.bind(d);
      d.setRoutes = async (id, routes) => {
        if (failSetRoutes) throw new CrosspodError('POD_UNREACHABLE', `${pod.region_name} is down`);
        return setRoutes(id, routes);
      };
      return d;
    },
  });
  await threePods(t.engine);
  const api = t.engine.api;
  n1 = await api['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
  s1 = await api['subnets.create']({ network_id: n1.id, cidr: '10.0.1.0/24' });
  n2 = await api['networks.create']({ name: 'net2', project_id: 'proj1', availability_zone_hints: ['az2'] });
  s2 = await api['subnets.create']({ network_id: n2.id, cidr: '10.0.2.0/24' });
  router = await api['routers.create']({ name: 'R', project_id: 'proj1' });
});
afterEach(async () => {
  await t.close();
});

const bottomRoutes = async (region: string) => (await t.pod(region).list('router', { name: router.id }))[0]?.routes;

describe('configure_extra_routes', () => {
  it('routes each bottom router to the other pod CIDRs via that router E-W bridge address', async () => {
    await t.engine.api['routers.addInterface']({ id: router.id, subnet_id: s1.id });
    await t.engine.api['routers.addInterface']({ id: router.id, subnet_id: s2.id });
    await t.engine.idle();
    // B1-R got the E-W address 100.0.0.2, B2-R 100.0.0.3.
    expect(await bottomRoutes('Pod1')).toEqual([{ destination: '10.0.2.0/24', nexthop: '100.0.0.3' }]);
    expect(await bottomRoutes('Pod2')).toEqual([{ destination: '10.0.1.0/24', nexthop: '100.0.0.2' }]);
    const jobs = (await t.engine.api['jobs.list']({})).items;
    expect(jobs.map((j) => [j.type, j.resource_id, j.status])).toEqual([
      ['configure_extra_routes', router.id, 'SUCCESS'],
      ['configure_extra_routes', router.id, 'SUCCESS'],
    ]);
    // Removing the Pod2 interface withdraws the route to 10.0.2.0/24.
    await t.engine.api['routers.removeInterface']({ id: router.id, subnet_id: s2.id });
    await t.engine.idle();
    expect(await bottomRoutes('Pod1')).toEqual([]);
  });

  it('keeps routes an operator set on the bottom router, and applies the top router routes where they reach', async () => {
    await t.engine.api['routers.addInterface']({ id: router.id, subnet_id: s1.id });
    await t.engine.idle();
    const pod1 = t.pod('Pod1');
    const b1r = (await pod1.list('router', { name: router.id }))[0];
    await pod1.setRoutes(b1r.id, [{ destination: '192.168.0.0/24', nexthop: '10.0.1.254' }]);
    await t.engine.api['routers.addInterface']({ id: router.id, subnet_id: s2.id });
    await t.engine.api['routers.update']({ id: router.id, routes: [{ destination: '172.16.9.0/24', nexthop: '10.0.1.253' }] });
    await t.engine.idle();
    expect(await bottomRoutes('Pod1')).toEqual([
      { destination: '192.168.0.0/24', nexthop: '10.0.1.254' },
      { destination: '172.16.9.0/24', nexthop: '10.0.1.253' },
      { destination: '10.0.2.0/24', nexthop: '100.0.0.3' },
    ]);
    // The route reaches Pod2 too, via the E-W address of Pod1's router, which holds the nexthop.
    expect(await bottomRoutes('Pod2')).toEqual([
      { destination: '172.16.9.0/24', nexthop: '100.0.0.2' },
      { destination: '10.0.1.0/24', nexthop: '100.0.0.2' },
    ]);
    // Dropping the top route removes only what Crosspod wrote.
    await t.engine.api['routers.update']({ id: router.id, routes: [] });
    await t.engine.idle();
    expect(await bottomRoutes('Pod1')).toEqual([
      { destination: '192.168.0.0/24', nexthop: '10.0.1.254' },
      { destination: '10.0.2.0/24', nexthop: '100.0.0.3' },
    ]);
  });

  it('a job that fails is FAIL with its error, and redo runs it again to SUCCESS', async () => {
    await t.engine.api['routers.addInterface']({ id: router.id, subnet_id: s1.id });
    await t.engine.idle();
    failSetRoutes = true;
    await t.engine.api['routers.addInterface']({ id: router.id, subnet_id: s2.id });
    await t.engine.idle();
    const failed = (await t.engine.api['jobs.list']({ status: 'FAIL' })).items;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ type: 'configure_extra_routes', resource_id: router.id, error: { code: 'POD_UNREACHABLE' }, attempts: 1 });
    await expect(t.engine.api['jobs.redo']({ id: (await t.engine.api['jobs.list']({ status: 'SUCCESS' })).items[0].id })).rejects.toMatchObject({ code: 'JOB_NOT_REDOABLE' });
    failSetRoutes = false;
    const events: EngineEvent[] = [];
    const off = t.engine.subscribe((e) => events.push(e));
    await t.engine.api['jobs.redo']({ id: failed[0].id });
    await t.engine.idle();
    off();
    expect(await t.engine.api['jobs.get']({ id: failed[0].id })).toMatchObject({ status: 'SUCCESS', attempts: 2 });
    expect(await bottomRoutes('Pod1')).toEqual([{ destination: '10.0.2.0/24', nexthop: '100.0.0.3' }]);
    const progress = events.filter((e) => e.progress?.job_id === failed[0].id).map((e) => e.progress!.status);
    expect(progress).toEqual(['RUNNING', 'SUCCESS']);
  });

  it('coalesces requests for the same router while one is waiting', async () => {
    const { JobQueue } = await import('../../main/engine/jobs');
    const q = new JobQueue(t.engine.store.db, () => new Date().toISOString());
    const a = q.enqueue('configure_extra_routes', 'r-1', 'p', { router_id: 'r-1' });
    const b = q.enqueue('configure_extra_routes', 'r-1', 'p', { router_id: 'r-1' });
    const c = q.enqueue('configure_extra_routes', 'r-2', 'p', { router_id: 'r-2' });
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(q.pendingCount()).toBe(2);
  });
});

describe('port_delete', () => {
  it('deleting a realised VM port removes its bottom copy and routing row through a job', async () => {
    const vm = await t.engine.api['ports.create']({ network_id: n1.id, fixed_ips: [{ ip_address: '10.0.1.7' }], device_owner: 'compute:nova' });
    const pod1 = t.pod('Pod1');
    expect((await pod1.list('port', { name: vm.id })).map((p) => p.fixed_ips[0].ip_address)).toEqual(['10.0.1.7']);
    expect(t.routings().filter((r) => r.top_id === vm.id).map((r) => r.resource_type)).toEqual(['port']);
    await t.engine.api['ports.delete']({ id: vm.id });
    await t.engine.idle();
    expect(await pod1.list('port', { name: vm.id })).toEqual([]);
    expect(t.routings().filter((r) => r.top_id === vm.id)).toEqual([]);
    const jobs = (await t.engine.api['jobs.list']({ type: 'port_delete' })).items;
    expect(jobs.map((j) => j.status)).toEqual(['SUCCESS']);
    // The address is free again at the top.
    const again = await t.engine.api['ports.create']({ network_id: n1.id, fixed_ips: [{ ip_address: '10.0.1.7' }] });
    expect(again.fixed_ips[0].ip_address).toBe('10.0.1.7');
  });
});

describe('recovery', () => {
  it('a job left RUNNING by a crash runs again when the engine reopens', async () => {
    await t.engine.api['routers.addInterface']({ id: router.id, subnet_id: s1.id });
    await t.engine.idle();
    const db = t.engine.store.db;
    // Simulate a crash mid-job: a RUNNING job for a second interface's routes.
    await t.engine.api['routers.addInterface']({ id: router.id, subnet_id: s2.id });
    await t.engine.idle();
    const pod1 = t.pod('Pod1');
    const b1r = (await pod1.list('router', { name: router.id }))[0];
    await pod1.setRoutes(b1r.id, []);
    db.prepare("DELETE FROM managed_routes").run();
    db.prepare("UPDATE async_jobs SET status = 'RUNNING' WHERE rowid = (SELECT MAX(rowid) FROM async_jobs)").run();
    const { createEngine } = await import('../../main/engine');
    const path = t.dbPath;
    await t.engine.close();
    const reopened = await createEngine({ dbPath: path });
    await reopened.idle();
    const jobs = (await reopened.api['jobs.list']({})).items;
    expect(jobs.map((j) => j.status)).toEqual(['SUCCESS', 'SUCCESS']);
    const { createLabDriver } = await import('../../main/engine/drivers/lab');
    const podId = (reopened.store.db.prepare("SELECT pod_id FROM pods WHERE region_name = 'Pod1'").get() as { pod_id: string }).pod_id;
    expect((await createLabDriver(reopened.store.db, podId).get('router', b1r.id)).routes).toEqual([{ destination: '10.0.2.0/24', nexthop: '100.0.0.3' }]);
    await reopened.close();
    t.engine = { close: async () => undefined } as never;
  });
});
