// fips.list / fips.listWithPaths { touches_pod }: the floating IPs whose path touches a pod (its
// external network's pod, or its port's pod, where the bridge hop lands too), answered from the
// routing table without reading any bottom pod (issue 13).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newEngine, type TestEngine } from './support/engine';

let t: TestEngine;
const reads: string[] = [];
beforeEach(async () => {
  t = await newEngine({
    driverFactory: (pod, base) => {
      const d = base(pod);
      return new Proxy(d, {
        get(target, key) {
          const v = (target as unknown as Record<string | symbol, unknown>)[key];
          if (key !== 'list' && key !== 'get') return v;
          return (...args: unknown[]) => {
            reads.push(`${pod.region_name} ${String(key)} ${String(args[0])}`);
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    },
  });
  const api = t.engine.api;
  await api['lab.loadExample']({});
  // Pod3 with vm3 behind the same router; its floating IP enters in Pod2 as well.
  await api['pods.create']({ region_name: 'Pod3', az_name: 'az3' });
  const net3 = await api['networks.create']({ name: 'net3', project_id: 'proj1', availability_zone_hints: ['az3'] });
  const sub3 = await api['subnets.create']({ network_id: net3.id, cidr: '10.0.3.0/24' });
  const router = (await api['routers.list']({ name: 'R' })).items[0].id;
  await api['routers.addInterface']({ id: router, subnet_id: sub3.id });
  const vm3 = await api['ports.create']({ network_id: net3.id, name: 'vm3', fixed_ips: [{ ip_address: '10.0.3.7' }] });
  const ext = (await api['networks.list']({ name: 'ext-net' })).items[0];
  await api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.124.9', port_id: vm3.id });
  // Unbound: only its external pod.
  await api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.124.20', project_id: 'proj1' });
  await t.engine.idle();
});
afterEach(async () => {
  await t.close();
});

const addresses = async (touches_pod: string, extra: Record<string, unknown> = {}) => {
  const page = await t.engine.api['fips.list']({ touches_pod, sort_key: 'floating_ip_address', ...extra });
  return { items: page.items.map((f) => f.floating_ip_address), total: page.total, next_marker: page.next_marker };
};

describe('fips.list { touches_pod }', () => {
  it('finds the floating IPs whose path touches the pod, from the routing table alone', async () => {
    reads.length = 0;
    expect(await addresses(t.podId('Pod1'))).toEqual({ items: ['162.3.124.5'], total: 1, next_marker: null });
    expect(await addresses(t.podId('Pod2'))).toEqual({ items: ['162.3.124.5', '162.3.124.9', '162.3.124.20'], total: 3, next_marker: null });
    expect(await addresses(t.podId('Pod3'))).toEqual({ items: ['162.3.124.9'], total: 1, next_marker: null });
    expect(await addresses(t.podId('RegionOne'))).toEqual({ items: [], total: 0, next_marker: null });
    expect(await addresses('no-such-pod')).toEqual({ items: [], total: 0, next_marker: null });
    expect(reads).toEqual([]);
  });

  it('combines with the other filters, sorts and pages', async () => {
    const pod2 = t.podId('Pod2');
    expect(await addresses(pod2, { search: '10.0.3' })).toEqual({ items: ['162.3.124.9'], total: 1, next_marker: null });
    const first = await addresses(pod2, { limit: 2, sort_dir: 'desc' });
    expect(first.items).toEqual(['162.3.124.20', '162.3.124.9']);
    expect(first.total).toBe(3);
    expect(await addresses(pod2, { limit: 2, sort_dir: 'desc', marker: first.next_marker! })).toEqual({ items: ['162.3.124.5'], total: 3, next_marker: null });
  });

  it('pages with paths: every path shown touches the pod', async () => {
    const page = await t.engine.api['fips.listWithPaths']({ touches_pod: t.podId('Pod3') });
    expect(page.items.map((f) => [f.floating_ip_address, f.path.hops.map((h) => `${h.role}@${h.region}`)])).toEqual([['162.3.124.9', ['external@Pod2', 'bridge@Pod3', 'fixed@Pod3']]]);
  });
});
