// Jobs hold what they change (issue 10, item 2): a queued job that waits on a slow remote pod
// holds its router, not the whole engine. An engine with a REMOTE pod (a lab-region server, its
// own HTTP server and file) and a lab pod; the remote pod's answers are held at a gate, and the
// tests check the order in which things finish, never timings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobLockPlan } from '../../main/engine/runtime/plans';
import type { Engine } from '../../main/engine/types';
import { engineWithRemoteRegion, gateAnswers, type LabRegionServer } from './support/lab-region-server';

const dir = mkdtempSync(join(tmpdir(), 'crosspod-job-locks-'));
let server: LabRegionServer;
let engine: Engine;
let r0: { id: string; project_id: string };
let r1: { id: string; project_id: string };
let fip: string;
let vm: string;

beforeAll(async () => {
  ({ server, engine } = await engineWithRemoteRegion(dir, { LabB: 'azB' }));
  const api = engine.api;
  // R0 spans LabB (its interface) and the remote pod (its gateway): its routes job calls both.
  const extR = await api['networks.create']({ name: 'extR', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Remote'] });
  const extRSub = await api['subnets.create']({ network_id: extR.id, cidr: '162.3.1.0/24', enable_dhcp: false });
  const net0 = await api['networks.create']({ name: 'net0', project_id: 'proj0', availability_zone_hints: ['azB'] });
  const sub0 = await api['subnets.create']({ network_id: net0.id, cidr: '10.0.1.0/24' });
  r0 = await api['routers.create']({ name: 'R0', project_id: 'proj0' });
  await api['routers.addInterface']({ id: r0.id, subnet_id: sub0.id });
  await api['routers.setGateway']({ id: r0.id, network_id: extR.id, external_fixed_ips: [{ subnet_id: extRSub.id, ip_address: '162.3.1.2' }] });
  // R1 is all in LabB: a floating IP there never calls the remote pod.
  const extB = await api['networks.create']({ name: 'extB', project_id: 'admin', 'router:external': true, availability_zone_hints: ['LabB'] });
  const extBSub = await api['subnets.create']({ network_id: extB.id, cidr: '162.3.2.0/24', enable_dhcp: false });
  const net1 = await api['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['azB'] });
  const sub1 = await api['subnets.create']({ network_id: net1.id, cidr: '10.0.2.0/24' });
  r1 = await api['routers.create']({ name: 'R1', project_id: 'proj1' });
  await api['routers.addInterface']({ id: r1.id, subnet_id: sub1.id });
  await api['routers.setGateway']({ id: r1.id, network_id: extB.id, external_fixed_ips: [{ subnet_id: extBSub.id, ip_address: '162.3.2.2' }] });
  vm = (await api['ports.create']({ network_id: net1.id, name: 'vm1', fixed_ips: [{ ip_address: '10.0.2.10' }] })).id;
  fip = (await api['fips.create']({ floating_network_id: extB.id, floating_ip_address: '162.3.2.10' })).id;
  await engine.idle();
}, 120_000);

afterAll(async () => {
  await engine.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Holds every answer of the remote pod until the returned function is called (or 20 s pass). */
const gateRemote = () => gateAnswers(server);

const statusOf = async (id: string) => (await engine.api['jobs.get']({ id })).status;

/** Queues a routes job for R0 and waits until it runs (held at the gate by its remote call). */
async function runningRoutesJob(): Promise<string> {
  const job = await engine.api['jobs.create']({ type: 'configure_extra_routes', router_id: r0.id, project_id: r0.project_id });
  for (let i = 0; i < 400 && (await statusOf(job.id)) !== 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 25));
  expect((await engine.api['jobs.get']({ id: job.id })).status).toBe('RUNNING');
  return job.id;
}

describe('a job holds what it changes', () => {
  it('a routes job waiting on a slow remote pod does not hold up a floating IP on another router', async () => {
    const open = gateRemote();
    const job = await runningRoutesJob();
    await engine.api['fips.associate']({ id: fip, port_id: vm });
    // The associate finished while the job still waits on the remote pod.
    expect((await engine.api['jobs.get']({ id: job })).status).toBe('RUNNING');
    open();
    await engine.idle();
    expect((await engine.api['jobs.get']({ id: job })).status).toBe('SUCCESS');
    expect((await engine.api['fips.get']({ id: fip })).port_id).toBe(vm);
    await engine.api['fips.disassociate']({ id: fip });
  }, 60_000);

  it('an interface-add on the same router waits for its routes job', async () => {
    const net = await engine.api['networks.create']({ name: 'side0', project_id: 'proj0', availability_zone_hints: ['azB'] });
    const sub = await engine.api['subnets.create']({ network_id: net.id, cidr: '10.9.0.0/24' });
    await engine.idle();
    const open = gateRemote();
    const job = await runningRoutesJob();
    let jobWhenAdded: string | undefined;
    const iface = engine.api['routers.addInterface']({ id: r0.id, subnet_id: sub.id }).then(async () => {
      jobWhenAdded = (await engine.api['jobs.get']({ id: job })).status;
    });
    // Give the interface-add every chance to run early; it must not.
    await new Promise((r) => setTimeout(r, 300));
    expect(jobWhenAdded).toBeUndefined();
    open();
    await iface;
    expect(jobWhenAdded).toBe('SUCCESS');
    await engine.idle();
    expect((await engine.api['ports.list']({ device_id: r0.id })).items.some((p) => p.fixed_ips[0]?.subnet_id === sub.id)).toBe(true);
  }, 60_000);
});

describe('jobs run beside each other', () => {
  it('a routes job on a lab-only router finishes while another waits on the slow remote pod; then both are done', async () => {
    const net = await engine.api['networks.create']({ name: 'side1', project_id: 'proj1', availability_zone_hints: ['azB'] });
    const sub = await engine.api['subnets.create']({ network_id: net.id, cidr: '10.9.1.0/24' });
    await engine.idle();
    const open = gateRemote();
    const slow = await runningRoutesJob();
    // An interface on R1 (all in LabB) queues R1's routes job.
    await engine.api['routers.addInterface']({ id: r1.id, subnet_id: sub.id });
    const r1Job = async () => (await engine.api['jobs.list']({ type: 'configure_extra_routes', resource_id: r1.id, limit: 100 })).items.sort((a, b) => b.timestamp.localeCompare(a.timestamp))[0];
    for (let i = 0; i < 400 && (await r1Job())?.status !== 'SUCCESS'; i++) await new Promise((r) => setTimeout(r, 25));
    expect((await r1Job())?.status).toBe('SUCCESS');
    expect(await statusOf(slow)).toBe('RUNNING');
    open();
    await engine.idle();
    expect(await statusOf(slow)).toBe('SUCCESS');
  }, 60_000);
});

describe('jobLockPlan', () => {
  it('names the keys each job type holds, and the engine lock (null) for the others', () => {
    expect(jobLockPlan({ type: 'configure_extra_routes', project_id: 'p', payload: { router_id: 'r1' } })).toEqual([{ key: 'router:r1', mode: 'exclusive' }]);
    expect(jobLockPlan({ type: 'port_delete', project_id: 'p', payload: { pod_id: 'pod', bottom_id: 'b', top_id: 't1' } })).toEqual([
      { key: 'port:t1', mode: 'exclusive' },
      { key: 'project:p', mode: 'exclusive' },
    ]);
    expect(jobLockPlan({ type: 'secgroup_delete', project_id: 'p', payload: { pod_id: 'pod', bottom_id: 'b', top_id: 'g' } })).toEqual([{ key: 'project:p', mode: 'exclusive' }]);
    expect(jobLockPlan({ type: 'port_delete', project_id: 'p', payload: { pod_id: 'pod', bottom_id: 'b' } })).toBeNull();
    expect(jobLockPlan({ type: 'router_resync', project_id: 'p', payload: { router_id: 'r1' } })).toBeNull();
    expect(jobLockPlan({ type: 'compensate', project_id: null, payload: { pod_id: 'pod', action: {} } })).toBeNull();
    expect(jobLockPlan({ type: 'secgroup_prune', project_id: null, payload: { pod_id: 'pod' } })).toBeNull();
  });
});
