// Updates that reach several bottom copies, with a pod failing at each call in turn: the update
// fails and changes nothing. The top is as it was (the engine's rollback) and so is every bottom
// row (the compensations put each updated copy back to its previous values, and delete what the
// update created). The pods live in a second SQLite file, as real regions live outside the
// engine's transaction.
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

/**
 * A shared network with copies in two pods: proj1 is bound to Pod1 and proj2 to Pod2, and each
 * boots a VM on it. Also a second subnet on it that no pod holds yet.
 */
async function world(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'crosspod-update-faults-'));
  const lab = await remoteLab(dir);
  const engine = await createEngine({ dbPath: join(dir, 'crosspod.db'), driverFactory: lab.driverFactory });
  const w: World = { engine, lab, ids: {}, dir };
  open.push(w);
  const api = engine.api;
  await api['pods.create']({ region_name: 'RegionOne' });
  await api['pods.create']({ region_name: 'Pod1', az_name: 'az1' });
  await api['pods.create']({ region_name: 'Pod2', az_name: 'az2' });
  for (const [project, az, cidr] of [['proj1', 'az1', '10.0.1.0/24'], ['proj2', 'az2', '10.0.2.0/24']] as const) {
    const n = await api['networks.create']({ name: `home-${project}`, project_id: project, availability_zone_hints: [az] });
    await api['subnets.create']({ network_id: n.id, cidr });
    await api['ports.create']({ network_id: n.id, device_owner: `compute:${az}` });
  }
  const shared = await api['networks.create']({ name: 'shared', project_id: 'proj1', shared: true });
  const s1 = await api['subnets.create']({ network_id: shared.id, cidr: '10.0.5.0/24', name: 's1' });
  const s2 = await api['subnets.create']({ network_id: shared.id, cidr: '10.0.6.0/24', name: 's2' });
  const a = await api['ports.create']({ network_id: shared.id, name: 'a', device_owner: 'compute:nova', fixed_ips: [{ subnet_id: s1.id }] });
  const b = await api['ports.create']({ network_id: shared.id, name: 'b', device_owner: 'compute:nova', project_id: 'proj2', fixed_ips: [{ subnet_id: s1.id }] });
  await engine.idle();
  Object.assign(w.ids, { shared: shared.id, s1: s1.id, s2: s2.id, a: a.id, b: b.id });
  return w;
}

interface Case {
  name: string;
  /** Undo re-creates a deleted port (new id and MAC): compare the bottoms by names and addresses only. */
  semantic?: boolean;
  run: (w: World) => Promise<unknown>;
  /** What the update looks like when it succeeds, read from the bottoms. */
  check: (w: World) => Promise<void>;
}

/** The remote pods read by names and addresses (see semanticSnapshot). */
function bottoms(w: World) {
  const pods = w.engine.store.db.prepare("SELECT pod_id, region_name FROM pods WHERE az_name != '' ORDER BY region_name").all() as { pod_id: string; region_name: string }[];
  return semanticSnapshot(pods.map((p) => ({ region: p.region_name, driver: w.lab.driverFactory({ ...p, driver: 'lab', driver_config: null }, () => undefined as never) })));
}

const bottomNames = async (w: World, kind: 'network' | 'subnet' | 'port') => {
  const out: string[] = [];
  for (const region of ['Pod1', 'Pod2']) {
    const podId = (w.engine.store.db.prepare('SELECT pod_id FROM pods WHERE region_name = ?').get(region) as { pod_id: string }).pod_id;
    const d = w.lab.driverFactory({ pod_id: podId, region_name: region, driver: 'lab', driver_config: null }, () => undefined as never);
    for (const x of await d.list(kind)) out.push(`${region}:${x.name}`);
  }
  return out.sort();
};

const cases: Case[] = [
  {
    name: 'networks.update across two pods',
    run: (w) => w.engine.api['networks.update']({ id: w.ids.shared, name: 'shared-b', admin_state_up: false }),
    check: async (w) => expect((await bottomNames(w, 'network')).filter((n) => n.includes(w.ids.shared))).toEqual([`Pod1:${w.ids.shared}#shared-b`, `Pod2:${w.ids.shared}#shared-b`]),
  },
  {
    name: 'subnets.update across two pods',
    run: (w) => w.engine.api['subnets.update']({ id: w.ids.s1, name: 's1-b', dns_nameservers: ['8.8.8.8'] }),
    check: async (w) => expect((await bottomNames(w, 'subnet')).filter((n) => n.includes(w.ids.s1))).toEqual([`Pod1:${w.ids.s1}#s1-b`, `Pod2:${w.ids.s1}#s1-b`]),
  },
  {
    name: 'subnets.update turning DHCP off in two pods',
    semantic: true,
    run: (w) => w.engine.api['subnets.update']({ id: w.ids.s1, enable_dhcp: false }),
    check: async (w) => {
      const dhcp = (await bottomNames(w, 'port')).filter((n) => n.includes(`dhcp_port_${w.ids.s1}`));
      expect(dhcp).toEqual([]);
    },
  },
  {
    name: 'ports.update onto a subnet its pod does not hold yet',
    run: (w) => w.engine.api['ports.update']({ id: w.ids.a, name: 'a-b', fixed_ips: [{ subnet_id: w.ids.s2, ip_address: '10.0.6.7' }] }),
    check: async (w) => {
      expect((await bottomNames(w, 'port')).filter((n) => n.includes(w.ids.a))).toEqual([`Pod1:${w.ids.a}#a-b`]);
      expect((await bottomNames(w, 'subnet')).filter((n) => n.includes(w.ids.s2))).toEqual([`Pod1:${w.ids.s2}#s2`]);
    },
  },
];

describe.each(cases)('update with a failing pod: $name', (c) => {
  it('fails its Nth bottom call for every N and leaves top and bottoms exactly as they were', async () => {
    const ok = await world();
    ok.lab.arm(0);
    await c.run(ok);
    const total = ok.lab.plan.calls;
    await c.check(ok);
    expect(total).toBeGreaterThan(1);
    for (let n = 1; n <= total; n++) {
      const w = await world();
      const top = engineSnapshot(w.engine.store.db);
      const exact = w.lab.snapshot();
      const named = await bottoms(w);
      w.lab.arm(n);
      await expect(c.run(w), `failure at call ${n} of ${total}`).rejects.toMatchObject({ code: 'POD_UNREACHABLE' });
      w.lab.disarm();
      await w.engine.idle();
      expect(engineSnapshot(w.engine.store.db), `top after failure at call ${n}: ${w.lab.plan.log.join(', ')}`).toEqual(top);
      expect(await bottoms(w), `bottoms after failure at call ${n}`).toEqual(named);
      if (!c.semantic) expect(w.lab.snapshot(), `bottom rows after failure at call ${n}`).toEqual(exact);
      expect((await w.engine.api['jobs.list']({ status: 'FAIL' })).items).toEqual([]);
    }
  });
});
