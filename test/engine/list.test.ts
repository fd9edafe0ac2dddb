// `*.list` at scale: a default page, the total, whitelisted sorts with keyset markers that keep
// working under sorting, and unknown filters refused with INVALID_INPUT.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_DEFAULT_LIMIT } from '../../shared/contract';
import { CrosspodError } from '../../shared/errors';
import { ipSortKey } from '../../main/engine/list';
import { newEngine, type TestEngine } from './support/engine';

const refused = async (p: Promise<unknown>): Promise<CrosspodError> => {
  try {
    await p;
  } catch (e) {
    return e as CrosspodError;
  }
  throw new Error('not refused');
};

describe('lists', () => {
  let t: TestEngine;
  let extId: string;
  // 162.3.124.5 (the example's) plus 246 more, created in a shuffled order so the rowid order is not the address order.
  const hosts = Array.from({ length: 251 }, (_, i) => i + 3).filter((h) => h !== 5 && h < 250);
  beforeAll(async () => {
    t = await newEngine();
    await t.engine.api['lab.loadExample']({});
    extId = (await t.engine.api['networks.list']({ name: 'ext-net' })).items[0].id;
    for (const project_id of ['proj1', 'proj2']) await t.engine.api['quotas.update']({ project_id, floatingip: -1 });
    const shuffled = [...hosts].sort((a, b) => ((a * 37) % 101) - ((b * 37) % 101) || a - b);
    for (const h of shuffled) await t.engine.api['fips.create']({ floating_network_id: extId, floating_ip_address: `162.3.124.${h}`, project_id: h % 2 ? 'proj1' : 'proj2' });
  }, 60_000);
  afterAll(() => t.close());

  it('pages 200 rows by default and counts every match', async () => {
    const page = await t.engine.api['fips.list']({});
    expect(LIST_DEFAULT_LIMIT).toBe(200);
    expect(page.items.length).toBe(200);
    expect(page.total).toBe(hosts.length + 1);
    expect(page.next_marker).toBe(page.items[199].id);
    const rest = await t.engine.api['fips.list']({ marker: page.next_marker! });
    expect(rest.items.length).toBe(hosts.length + 1 - 200);
    expect(rest.next_marker).toBeNull();
    expect(rest.total).toBe(hosts.length + 1);
    expect(new Set([...page.items, ...rest.items].map((f) => f.id)).size).toBe(hosts.length + 1);
  });

  it('sorts addresses as addresses, both ways, and markers follow the sort', async () => {
    const want = ['162.3.124.3', '162.3.124.4', '162.3.124.5', '162.3.124.6'];
    const p1 = await t.engine.api['fips.list']({ sort_key: 'floating_ip_address', limit: 4 });
    expect(p1.items.map((f) => f.floating_ip_address)).toEqual(want);
    const p2 = await t.engine.api['fips.list']({ sort_key: 'floating_ip_address', limit: 4, marker: p1.next_marker! });
    expect(p2.items.map((f) => f.floating_ip_address)).toEqual(['162.3.124.7', '162.3.124.8', '162.3.124.9', '162.3.124.10']);
    const desc = await t.engine.api['fips.list']({ sort_key: 'floating_ip_address', sort_dir: 'desc', limit: 3 });
    expect(desc.items.map((f) => f.floating_ip_address)).toEqual(['162.3.124.249', '162.3.124.248', '162.3.124.247']);
    // Walking every page under a sort yields every row once, in order.
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const p = await t.engine.api['fips.list']({ sort_key: 'floating_ip_address', limit: 50, ...(marker ? { marker } : {}) });
      seen.push(...p.items.map((f) => f.floating_ip_address));
      marker = p.next_marker ?? undefined;
    } while (marker);
    expect(seen).toEqual([...hosts, 5].sort((a, b) => a - b).map((h) => `162.3.124.${h}`));
  });

  it('ties sort by insertion order, and a sort on a column with NULLs pages through them', async () => {
    const byProject = await t.engine.api['fips.list']({ sort_key: 'project_id', limit: 300 });
    expect(byProject.items.map((f) => f.project_id)).toEqual([...byProject.items.map((f) => f.project_id)].sort());
    const ids: string[] = [];
    let marker: string | undefined;
    do {
      const p = await t.engine.api['fips.list']({ sort_key: 'fixed_ip_address', sort_dir: 'desc', limit: 7, ...(marker ? { marker } : {}) });
      ids.push(...p.items.map((f) => f.id));
      marker = p.next_marker ?? undefined;
    } while (marker);
    expect(ids.length).toBe(hosts.length + 1);
    expect(new Set(ids).size).toBe(hosts.length + 1);
    // The one associated floating IP (fixed 10.0.1.4) comes first in descending order; NULLs last.
    expect((await t.engine.api['fips.list']({ sort_key: 'fixed_ip_address', sort_dir: 'desc', limit: 1 })).items[0].floating_ip_address).toBe('162.3.124.5');
  });

  it('filters: equality, search, and ports by their fixed IPs subnet', async () => {
    const p2 = await t.engine.api['fips.list']({ project_id: 'proj2', limit: 1 });
    expect(p2.total).toBe(hosts.filter((h) => h % 2 === 0).length);
    const s = await t.engine.api['fips.list']({ search: '124.24', sort_key: 'floating_ip_address' });
    expect(s.items.map((f) => f.floating_ip_address)).toEqual(['162.3.124.24', '162.3.124.240', '162.3.124.241', '162.3.124.242', '162.3.124.243', '162.3.124.244', '162.3.124.245', '162.3.124.246', '162.3.124.247', '162.3.124.248', '162.3.124.249']);
    expect((await t.engine.api['fips.list']({ search: '10.0.1.4' })).items.map((f) => f.floating_ip_address)).toEqual(['162.3.124.5']);
    const sub1 = (await t.engine.api['subnets.list']({ name: 'subnet1' })).items[0];
    const onSub1 = await t.engine.api['ports.list']({ subnet_id: sub1.id, sort_key: 'device_owner' });
    expect(onSub1.items.map((p) => [p.device_owner, p.fixed_ips.map((f) => f.ip_address)])).toEqual([
      ['compute:az1', ['10.0.1.4']],
      ['network:router_interface', ['10.0.1.1']],
    ]);
    expect((await t.engine.api['ports.list']({ ip_address: '10.0.1.4' })).items.map((p) => p.name)).toEqual(['vm1']);
    const bridges = await t.engine.api['networks.list']({ 'crosspod:bridge': 'ns' });
    expect(bridges.items.map((n) => n.name)).toEqual(['ns_bridge_net_proj1']);
    expect((await t.engine.api['networks.list']({ 'crosspod:bridge': null, sort_key: 'name' })).items.map((n) => n.name)).toEqual(['ext-net', 'net1']);
  });

  it('refuses unknown filters, sort keys and markers with INVALID_INPUT, naming what is allowed', async () => {
    const before = t.fingerprint();
    const e1 = await refused(t.engine.api['ports.list']({ floating_ip_address: 'x' } as never));
    expect(e1.code).toBe('INVALID_INPUT');
    expect(JSON.stringify(e1.details)).toContain('floating_ip_address');
    const e2 = await refused(t.engine.api['fips.list']({ sort_key: 'router_id' } as never));
    expect(e2.code).toBe('INVALID_INPUT');
    const e3 = await refused(t.engine.api['fips.list']({ marker: 'no-such-fip' }));
    expect([e3.code, e3.message]).toEqual(['INVALID_INPUT', 'The marker no-such-fip is not a floating IP of this list; start again from the first page']);
    const e4 = await refused(t.engine.api['networks.list']({ availability_zone_hints: 'az1' } as never));
    expect(e4.code).toBe('INVALID_INPUT');
    expect(t.fingerprint()).toEqual(before);
  });

  it('the logs list newest first and page by id', async () => {
    const a = await t.engine.api['audit.list']({ limit: 2 });
    expect(a.items[0].id).toBeGreaterThan(a.items[1].id);
    expect(a.total).toBe(1 + 2 + hosts.length); // lab.loadExample, two quota updates, the floating IPs
    const b = await t.engine.api['audit.list']({ limit: 2, marker: a.next_marker! });
    expect(b.items[0].id).toBe(a.items[1].id - 1);
    const bySort = await t.engine.api['audit.list']({ sort_key: 'operation', limit: 1 });
    expect(bySort.items[0].operation).toBe('fips.create');
  });

  it('orders address keys numerically', () => {
    const keys = ['10.0.0.10', '10.0.0.9', '::1', '9.255.255.255', '100.128.0.0/24'].sort((a, b) => (ipSortKey(a)! < ipSortKey(b)! ? -1 : 1));
    expect(keys).toEqual(['9.255.255.255', '10.0.0.9', '10.0.0.10', '100.128.0.0/24', '::1']);
  });
});
