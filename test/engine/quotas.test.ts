// Per-project quotas through the engine API: configurable defaults, -1 unlimited, OVER_QUOTA
// naming what is over, quotas.get/update, and bad input refused with nothing changed.
import { afterEach, describe, expect, it } from 'vitest';
import { Quotas } from '../../main/engine/quotas';
import { defaultSettings } from '../../main/engine/types';
import { CrosspodError } from '../../shared/errors';
import { newEngine, threePods, type TestEngine } from './support/engine';

async function refused(p: Promise<unknown>): Promise<CrosspodError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CrosspodError);
    return e as CrosspodError;
  }
  throw new Error('expected a CrosspodError, but the call succeeded');
}

describe('quotas', () => {
  let t: TestEngine;
  afterEach(async () => {
    await t?.close();
  });

  it('defaults are the engine’s: network 100, subnet 100, port 500, router 10, floatingip 50', async () => {
    t = await newEngine();
    expect(defaultSettings.quota_defaults).toEqual({ network: 100, subnet: 100, port: 500, router: 10, floatingip: 50 });
    expect(await t.engine.api['quotas.get']({ project_id: 'proj1' })).toEqual({ project_id: 'proj1', network: 100, subnet: 100, port: 500, router: 10, floatingip: 50 });
  });

  it('defaults are configurable per engine (settings.quota_defaults), merged over the built-in ones', async () => {
    t = await newEngine({ settings: { quota_defaults: { network: 2, subnet: 3, port: 4, router: -1, floatingip: 0 } } });
    expect(t.engine.settings.quota_defaults).toEqual({ network: 2, subnet: 3, port: 4, router: -1, floatingip: 0 });
    expect(await t.engine.api['quotas.get']({ project_id: 'p' })).toEqual({ project_id: 'p', network: 2, subnet: 3, port: 4, router: -1, floatingip: 0 });
    await t.close();
    t = await newEngine({ settings: { quota_defaults: { router: 1 } as never } });
    expect(await t.engine.api['quotas.get']({ project_id: 'p' })).toEqual({ project_id: 'p', network: 100, subnet: 100, port: 500, router: 1, floatingip: 50 });
  });

  it('update sets per-project limits; get reads them; other projects keep the defaults', async () => {
    t = await newEngine();
    expect(await t.engine.api['quotas.update']({ project_id: 'proj1', network: 5, router: -1 })).toEqual({
      project_id: 'proj1',
      network: 5,
      subnet: 100,
      port: 500,
      router: -1,
      floatingip: 50,
    });
    expect(await t.engine.api['quotas.update']({ project_id: 'proj1', network: 6, floatingip: 0 })).toEqual({
      project_id: 'proj1',
      network: 6,
      subnet: 100,
      port: 500,
      router: -1,
      floatingip: 0,
    });
    expect(await t.engine.api['quotas.get']({ project_id: 'proj1' })).toEqual({ project_id: 'proj1', network: 6, subnet: 100, port: 500, router: -1, floatingip: 0 });
    expect(await t.engine.api['quotas.get']({ project_id: 'proj2' })).toEqual({ project_id: 'proj2', network: 100, subnet: 100, port: 500, router: 10, floatingip: 50 });
    expect(t.engine.store.db.prepare('SELECT project_id, resource, hard_limit FROM quotas ORDER BY resource').all()).toEqual([
      { project_id: 'proj1', resource: 'floatingip', hard_limit: 0 },
      { project_id: 'proj1', resource: 'network', hard_limit: 6 },
      { project_id: 'proj1', resource: 'router', hard_limit: -1 },
    ]);
  });

  it('going over refuses with OVER_QUOTA naming the resource, and nothing is created', async () => {
    t = await newEngine({ settings: { quota_defaults: { network: 1, subnet: 1, port: 1, router: 1, floatingip: 1 } } });
    await threePods(t.engine);
    const net = await t.engine.api['networks.create']({ name: 'n1', project_id: 'proj1', availability_zone_hints: ['az1'] });
    const before = t.fingerprint();
    const err = await refused(t.engine.api['networks.create']({ name: 'n2', project_id: 'proj1' }));
    expect(err.toBody()).toEqual({
      code: 'OVER_QUOTA',
      message: 'Quota exceeded for resources: network',
      status: 409,
      details: { overs: [{ resource: 'network', limit: 1, in_use: 1, requested: 1 }] },
    });
    expect(t.fingerprint()).toEqual(before);
    // Another project has its own count.
    await t.engine.api['networks.create']({ name: 'n1', project_id: 'proj2' });

    await t.engine.api['subnets.create']({ network_id: net.id, cidr: '10.0.1.0/24' });
    const sub = await refused(t.engine.api['subnets.create']({ network_id: net.id, cidr: '10.0.2.0/24' }));
    expect(sub.details).toEqual({ overs: [{ resource: 'subnet', limit: 1, in_use: 1, requested: 1 }] });

    await t.engine.api['ports.create']({ network_id: net.id });
    const port = await refused(t.engine.api['ports.create']({ network_id: net.id }));
    expect([port.code, port.message]).toEqual(['OVER_QUOTA', 'Quota exceeded for resources: port']);

    await t.engine.api['routers.create']({ name: 'r1', project_id: 'proj1' });
    const router = await refused(t.engine.api['routers.create']({ name: 'r2', project_id: 'proj1' }));
    expect(router.details).toEqual({ overs: [{ resource: 'router', limit: 1, in_use: 1, requested: 1 }] });
    expect((await t.engine.api['routers.list']({ project_id: 'proj1' })).items.map((r) => r.name)).toEqual(['r1']);
  });

  it('a limit of 0 refuses the first one; raising the limit lets it through', async () => {
    t = await newEngine();
    await threePods(t.engine);
    await t.engine.api['quotas.update']({ project_id: 'proj1', router: 0 });
    const err = await refused(t.engine.api['routers.create']({ name: 'r', project_id: 'proj1' }));
    expect(err.details).toEqual({ overs: [{ resource: 'router', limit: 0, in_use: 0, requested: 1 }] });
    await t.engine.api['quotas.update']({ project_id: 'proj1', router: 1 });
    await expect(t.engine.api['routers.create']({ name: 'r', project_id: 'proj1' })).resolves.toMatchObject({ name: 'r', project_id: 'proj1' });
  });

  it('-1 is unlimited', async () => {
    t = await newEngine({ settings: { quota_defaults: { network: 0, subnet: 100, port: 500, router: 10, floatingip: 50 } } });
    await threePods(t.engine);
    expect((await refused(t.engine.api['networks.create']({ name: 'x', project_id: 'proj1' }))).code).toBe('OVER_QUOTA');
    await t.engine.api['quotas.update']({ project_id: 'proj1', network: -1 });
    for (let i = 0; i < 12; i++) await t.engine.api['networks.create']({ name: `n${i}`, project_id: 'proj1' });
    expect((await t.engine.api['networks.list']({ project_id: 'proj1' })).items).toHaveLength(12);
  });

  it('a check over several resources names every one that is over', async () => {
    t = await newEngine();
    await threePods(t.engine);
    await t.engine.api['networks.create']({ name: 'n', project_id: 'proj1' });
    const q = new Quotas(t.engine.store.db, { network: 1, subnet: 0, port: -1, router: 5, floatingip: 5 });
    let err: unknown;
    try {
      q.check('proj1', { network: 1, subnet: 2, port: 1000, router: 5 });
    } catch (e) {
      err = e;
    }
    expect((err as CrosspodError).toBody()).toEqual({
      code: 'OVER_QUOTA',
      message: 'Quota exceeded for resources: network, subnet',
      status: 409,
      details: {
        overs: [
          { resource: 'network', limit: 1, in_use: 1, requested: 1 },
          { resource: 'subnet', limit: 0, in_use: 0, requested: 2 },
        ],
      },
    });
    expect(() => q.check('proj1', { router: 5, network: 0 })).not.toThrow();
    expect(() => q.check('proj1', { router: 6 })).toThrow(expect.objectContaining({ code: 'OVER_QUOTA' }));
  });

  it('Crosspod’s own bridge networks, subnets and ports do not count', async () => {
    t = await newEngine({ settings: { quota_defaults: { network: 1, subnet: 1, port: 1, router: 1, floatingip: 1 } } });
    await threePods(t.engine);
    const net = await t.engine.api['networks.create']({ name: 'net1', project_id: 'proj1', availability_zone_hints: ['az1'] });
    const sub = await t.engine.api['subnets.create']({ network_id: net.id, cidr: '10.0.1.0/24' });
    const router = await t.engine.api['routers.create']({ name: 'R', project_id: 'proj1' });
    // The interface port is the project's one port; the bridge network, subnet and ports are Crosspod's.
    await t.engine.api['routers.addInterface']({ id: router.id, subnet_id: sub.id });
    await t.engine.idle();
    const nets = (await t.engine.api['networks.list']({ project_id: 'proj1' })).items;
    expect(nets.filter((n) => n['crosspod:bridge'] !== null).length).toBeGreaterThan(0);
    const err = await refused(t.engine.api['networks.create']({ name: 'net2', project_id: 'proj1' }));
    expect(err.details).toEqual({ overs: [{ resource: 'network', limit: 1, in_use: 1, requested: 1 }] });
  });

  describe('bad input is refused and nothing changes', () => {
    const cases: [unknown, string][] = [
      [{ project_id: 'proj1', network: -2 }, 'network'],
      [{ project_id: 'proj1', network: 1.5 }, 'network'],
      [{ project_id: 'proj1', network: '10' }, 'network'],
      [{ project_id: 'proj1', router: 2147483648 }, 'router'],
      [{ project_id: 'proj1', router: null }, 'router'],
      [{ project_id: 'proj1', instances: 10 }, ''],
      [{ network: 10 }, 'project_id'],
      [{ project_id: '', network: 10 }, 'project_id'],
      [{ project_id: 42, network: 10 }, 'project_id'],
    ];
    it.each(cases)('quotas.update %j', async (input, path) => {
      t = await newEngine();
      await t.engine.api['quotas.update']({ project_id: 'proj1', network: 7 });
      const before = t.fingerprint();
      const err = await refused(t.engine.call('quotas.update', input));
      expect([err.code, err.status]).toEqual(['INVALID_INPUT', 400]);
      expect((err.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(path);
      expect(t.fingerprint()).toEqual(before);
      expect(await t.engine.api['quotas.get']({ project_id: 'proj1' })).toEqual({ project_id: 'proj1', network: 7, subnet: 100, port: 500, router: 10, floatingip: 50 });
    });

    it.each([[{}], [{ project_id: '' }], [{ project_id: 'p', extra: 1 }]])('quotas.get %j', async (input) => {
      t = await newEngine();
      const err = await refused(t.engine.call('quotas.get', input));
      expect(err.code).toBe('INVALID_INPUT');
    });
  });
});
