// networks.createExternal: an external network and its subnet in one operation, both or neither.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrosspodError } from '../../shared/errors';
import { dbChecksum } from '../contract/checksum';
import { newEngine, type TestEngine } from './support/engine';

describe('networks.createExternal', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await newEngine();
    await t.engine.api['pods.create']({ region_name: 'RegionOne' });
    await t.engine.api['pods.create']({ region_name: 'Pod2', az_name: 'az2' });
  });
  afterEach(() => t.close());

  it('creates the network in its pod with its subnet', async () => {
    const r = await t.engine.api['networks.createExternal']({ name: 'ext-net', project_id: 'admin', region_name: 'Pod2', subnet: { cidr: '162.3.124.0/24', allocation_pools: [{ start: '162.3.124.10', end: '162.3.124.20' }] } });
    expect([r.network.name, r.network['router:external'], r.network.availability_zone_hints, r.network.subnets]).toEqual(['ext-net', true, ['Pod2'], [r.subnet.id]]);
    expect([r.subnet.name, r.subnet.cidr, r.subnet.gateway_ip, r.subnet.enable_dhcp, r.subnet.allocation_pools]).toEqual(['ext-net-subnet', '162.3.124.0/24', '162.3.124.1', false, [{ start: '162.3.124.10', end: '162.3.124.20' }]]);
    expect(await t.engine.api['networks.get']({ id: r.network.id })).toEqual(r.network);
    expect((await t.pod('Pod2').list('network')).map((n) => n.name)).toEqual([r.network.id]);
  });

  it('a subnet the engine refuses leaves no network behind', async () => {
    const before = dbChecksum(t.engine.store.db, ['audit_log']);
    let err: CrosspodError | undefined;
    try {
      await t.engine.api['networks.createExternal']({ name: 'ext-net', project_id: 'admin', region_name: 'Pod2', subnet: { cidr: '162.3.124.0/33' } });
    } catch (e) {
      err = e as CrosspodError;
    }
    expect(err?.code).toBe('INVALID_CIDR');
    expect(dbChecksum(t.engine.store.db, ['audit_log'])).toEqual(before);
    expect(await t.pod('Pod2').list('network')).toEqual([]);
  });
});
