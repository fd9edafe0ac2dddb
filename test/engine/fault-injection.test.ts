// A driver that fails its Nth call, for every N, across a cross-pod associate and disassociate,
// an interface-add and a gateway-set. After each failure: the top is unchanged, and no bottom
// port, floating IP, router interface, routing row or bridge address is left behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../main/engine';
import type { Engine } from '../../main/engine/types';
import { engineSnapshot, remoteLab, semanticSnapshot, type RemoteLab } from './support/faults';

interface World {
  engine: Engine;
  lab: RemoteLab;
  ids: Record<string, string>;
  dir: string;
}

const open: World[] = [];
afterEach(async () => {
  for (const w of open.splice(0)) {
    await w.engine.close();
    w.lab.store.close();
    rmSync(w.dir, { recursive: true, force: true });
  }
});

type Stage = 'tenant' | 'interface' | 'gateway' | 'associated';

/** The §12 world with its bottom pods outside the engine's file, built up to a stage. */
async function world(stage: Stage): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'crosspod-faults-'));
  const lab = await remoteLab(dir);
  const engine = await createEngine({ dbPath: join(dir, 'crosspod.db'), driverFactory: lab.driverFactory });
  const w: World = { engine, lab, ids: {}, dir };
  open.push(w);
  const api = engine.api;
  await api['pods.create']({ region_name: 'RegionOne' });
  await api['pods.create']({ region_name: 'Pod1', az_name: 'az1' });
  await api['pods.create']({ region_name: 'Pod2', az_name: 'az2' });
  const ext = await api['networks.create']({ name: 'ext-net', project_id: 'admin', 'router:external': true, availability_zone_hints: ['Pod2'] });
  const extSub = await api['subnets.create']({ network_id: ext.id, cidr: '162.3.124.0/24', enable_dhcp: false });
  const net1 = await api['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
  const sub1 = await api['subnets.create']({ network_id: net1.id, cidr: '10.0.1.0/24' });
  const router = await api['routers.create']({ name: 'R', project_id: 'proj1' });
  const vm = await api['ports.create']({ network_id: net1.id, fixed_ips: [{ ip_address: '10.0.1.4' }] });
  const fip = await api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.124.5', project_id: 'proj1' });
  Object.assign(w.ids, { ext: ext.id, extSub: extSub.id, net1: net1.id, sub1: sub1.id, router: router.id, vm: vm.id, fip: fip.id });
  if (stage !== 'tenant') await api['routers.addInterface']({ id: router.id, subnet_id: sub1.id });
  if (stage === 'gateway' || stage === 'associated') {
    await api['routers.setGateway']({ id: router.id, network_id: ext.id, external_fixed_ips: [{ subnet_id: extSub.id, ip_address: '162.3.124.2' }] });
  }
  if (stage === 'associated') await api['fips.associate']({ id: fip.id, port_id: vm.id });
  await engine.idle();
  return w;
}

interface Case {
  name: string;
  stage: Stage;
  run: (w: World) => Promise<unknown>;
}

const cases: Case[] = [
  { name: 'interface-add', stage: 'tenant', run: (w) => w.engine.api['routers.addInterface']({ id: w.ids.router, subnet_id: w.ids.sub1 }) },
  {
    name: 'gateway-set',
    stage: 'interface',
    run: (w) => w.engine.api['routers.setGateway']({ id: w.ids.router, network_id: w.ids.ext, external_fixed_ips: [{ subnet_id: w.ids.extSub, ip_address: '162.3.124.2' }] }),
  },
  { name: 'cross-pod associate', stage: 'gateway', run: (w) => w.engine.api['fips.associate']({ id: w.ids.fip, port_id: w.ids.vm }) },
  { name: 'cross-pod disassociate', stage: 'associated', run: (w) => w.engine.api['fips.disassociate']({ id: w.ids.fip }) },
];

/** The remote pods read by names and addresses (see semanticSnapshot). */
function bottoms(w: World) {
  const pods = w.engine.store.db.prepare("SELECT pod_id, region_name FROM pods WHERE az_name != '' ORDER BY region_name").all() as { pod_id: string; region_name: string }[];
  return semanticSnapshot(pods.map((p) => ({ region: p.region_name, driver: w.lab.driverFactory({ ...p, driver: 'lab', driver_config: null }, () => undefined as never) })));
}

/** How many mutating driver calls the operation makes when nothing fails. */
async function callsOf(c: Case): Promise<number> {
  const w = await world(c.stage);
  w.lab.arm(0);
  await c.run(w);
  return w.lab.plan.calls;
}

describe.each(cases)('fault injection: $name', (c) => {
  it('fails its Nth bottom call for every N and leaves top and bottoms exactly as they were', async () => {
    const total = await callsOf(c);
    expect(total).toBeGreaterThan(1);
    for (let n = 1; n <= total; n++) {
      const w = await world(c.stage);
      const top = engineSnapshot(w.engine.store.db);
      const bottom = await bottoms(w);
      const exact = w.lab.snapshot();
      w.lab.arm(n);
      await expect(c.run(w), `failure at call ${n} of ${total}`).rejects.toMatchObject({ code: 'POD_UNREACHABLE' });
      w.lab.disarm();
      await w.engine.idle();
      expect(engineSnapshot(w.engine.store.db), `top after failure at call ${n}: ${w.lab.plan.log.join(', ')}`).toEqual(top);
      expect(await bottoms(w), `bottoms after failure at call ${n}`).toEqual(bottom);
      // Only a disassociation deletes, so only there may an undo re-create a resource under a new id.
      if (c.name !== 'cross-pod disassociate') expect(w.lab.snapshot(), `bottom rows after failure at call ${n}`).toEqual(exact);
      const jobs = (await w.engine.api['jobs.list']({ status: 'FAIL' })).items;
      expect(jobs).toEqual([]);
      // The failure is in the audit log with its code.
      const last = (await w.engine.api['audit.list']({ limit: 1 })).items[0];
      expect(last.result_code).toBe('POD_UNREACHABLE');
    }
  });
});

describe('a compensation that itself fails', () => {
  it('is recorded as a FAIL job, and redoing it leaves nothing behind', async () => {
    const c = cases[2];
    const total = await callsOf(c);
    const w = await world(c.stage);
    const bottom = await bottoms(w);
    const exact = w.lab.snapshot();
    const top = engineSnapshot(w.engine.store.db);
    // The last call fails and the pod stays down: every compensation fails too.
    w.lab.arm(total, true);
    await expect(c.run(w)).rejects.toMatchObject({ code: 'POD_UNREACHABLE' });
    w.lab.disarm();
    const failed = (await w.engine.api['jobs.list']({ status: 'FAIL' })).items;
    expect(failed.length).toBe(total - 1);
    expect(failed.every((j) => j.type === 'compensate' && j.error?.code === 'POD_UNREACHABLE')).toBe(true);
    expect(await bottoms(w)).not.toEqual(bottom);
    expect(engineSnapshot(w.engine.store.db)).toEqual(top);
    // One round, in the list's order, skipping what an earlier redo already did: a bottom security
    // group can only go once the bottom port that uses it has, so each compensate job first runs
    // the earlier compensations of its operation (before, this took a second round).
    let redone = 0;
    for (const j of failed) {
      if ((await w.engine.api['jobs.get']({ id: j.id })).status !== 'FAIL') continue;
      await w.engine.api['jobs.redo']({ id: j.id });
      await w.engine.idle();
      redone++;
    }
    expect(redone).toBeGreaterThan(0);
    expect((await Promise.all(failed.map((j) => w.engine.api['jobs.get']({ id: j.id })))).map((j) => j.status)).toEqual(failed.map(() => 'SUCCESS'));
    expect((await w.engine.api['jobs.list']({ status: 'FAIL' })).items).toEqual([]);
    expect(await bottoms(w)).toEqual(bottom);
    expect(w.lab.snapshot()).toEqual(exact);
  });
});
