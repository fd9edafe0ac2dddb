// The topology view's API on a three-pod lab: the worked example plus Pod3 with a second VM whose
// floating IP also enters in Pod2. The N-S bridge is one segment across Pod1, Pod2 and Pod3; the
// detail's paths are the ones fips.path reads one by one; search finds every kind of thing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrosspodError } from '../../shared/errors';
import { dbChecksum } from '../contract/checksum';
import { newEngine, type TestEngine } from './support/engine';

let t: TestEngine;
let fip1: string;
let fip3: string;
let vm3: string;
let router: string;
beforeEach(async () => {
  t = await newEngine();
  const api = t.engine.api;
  const ex = await api['lab.loadExample']({});
  fip1 = ex.fips[0];
  await api['pods.create']({ region_name: 'Pod3', az_name: 'az3' });
  const net3 = await api['networks.create']({ name: 'net3', project_id: 'proj1', availability_zone_hints: ['az3'] });
  const sub3 = await api['subnets.create']({ network_id: net3.id, cidr: '10.0.3.0/24', name: 'subnet3' });
  router = (await api['routers.list']({ name: 'R' })).items[0].id;
  await api['routers.addInterface']({ id: router, subnet_id: sub3.id });
  vm3 = (await api['ports.create']({ network_id: net3.id, name: 'vm3', fixed_ips: [{ ip_address: '10.0.3.7' }] })).id;
  const ext = (await api['networks.list']({ name: 'ext-net' })).items[0];
  fip3 = (await api['fips.create']({ floating_network_id: ext.id, floating_ip_address: '162.3.124.9', port_id: vm3 })).id;
  await t.engine.idle();
});
afterEach(async () => {
  await t.close();
});

describe('topology.summary', () => {
  it('aggregates floating IPs by pod pair and draws each bridge as one segment across its pods', async () => {
    const s = await t.engine.api['topology.summary']({});
    const name = (id: string) => s.pods.find((p) => p.pod_id === id)!.region_name;
    expect(s.pods.map((p) => [p.region_name, p.is_top, p.health.status])).toEqual([
      ['RegionOne', true, 'ok'],
      ['Pod1', false, 'ok'],
      ['Pod2', false, 'ok'],
      ['Pod3', false, 'ok'],
    ]);
    expect(Object.fromEntries(s.pods.map((p) => [p.region_name, p.counts]))).toEqual({
      RegionOne: { networks: 0, bridges: 0, routers: 0, ports: 0, fips_external: 0, fips_bound_here: 0 },
      // net1 (vm1 + router interface), ew and ns bridges
      Pod1: { networks: 3, bridges: 2, routers: 1, ports: 2, fips_external: 0, fips_bound_here: 1 },
      // ext-net (the top holds only the router's gateway port on it) and the ns bridge
      Pod2: { networks: 2, bridges: 1, routers: 1, ports: 1, fips_external: 2, fips_bound_here: 0 },
      Pod3: { networks: 3, bridges: 2, routers: 1, ports: 2, fips_external: 0, fips_bound_here: 1 },
    });
    expect(s.links.map((l) => `${name(l.a)}>${name(l.b)}:${l.fips}`).sort()).toEqual(['Pod2>Pod1:1', 'Pod2>Pod3:1']);
    expect(s.segments.map((g) => [g.name, g.kind, g.vlan, g.pod_ids.map(name), g.fips])).toEqual([
      ['ew_bridge_net_proj1', 'ew', 2001, ['Pod1', 'Pod3'], 0],
      ['ns_bridge_net_proj1', 'ns', 2002, ['Pod1', 'Pod2', 'Pod3'], 2],
    ]);
    expect(s.totals).toEqual({ pods: 4, networks: 5, routers: 1, ports: 5, fips: 2, fips_cross_pod: 2, fips_unbound: 0 });
  });

  it('keeps its counts right as floating IPs and ports come and go (the triggers of migration 0007)', async () => {
    const api = t.engine.api;
    const links = async () => {
      const s = await api['topology.summary']({});
      const name = (id: string) => s.pods.find((p) => p.pod_id === id)!.region_name;
      return { links: s.links.map((l) => `${name(l.a)}>${name(l.b)}:${l.fips}`).sort(), totals: s.totals };
    };
    await api['fips.disassociate']({ id: fip3 });
    expect(await links()).toMatchObject({ links: ['Pod2>Pod1:1'], totals: { fips: 2, fips_cross_pod: 1, fips_unbound: 1, ports: 5 } });
    await api['fips.associate']({ id: fip3, port_id: vm3 });
    expect(await links()).toMatchObject({ links: ['Pod2>Pod1:1', 'Pod2>Pod3:1'], totals: { fips: 2, fips_cross_pod: 2, fips_unbound: 0 } });
    await api['fips.delete']({ id: fip3 });
    await api['ports.delete']({ id: vm3 });
    await t.engine.idle();
    expect(await links()).toMatchObject({ links: ['Pod2>Pod1:1'], totals: { fips: 1, fips_cross_pod: 1, fips_unbound: 0, ports: 4 } });
    // The counts equal a full recount.
    const db = t.engine.store.db;
    expect(db.prepare('SELECT network_id, n FROM topo_port_counts ORDER BY network_id').all()).toEqual(db.prepare('SELECT network_id, COUNT(*) AS n FROM ports GROUP BY network_id ORDER BY network_id').all());
    expect(db.prepare('SELECT ext_network_id, port_network_id, project_id, n FROM topo_fip_groups ORDER BY 1, 2, 3').all()).toEqual(
      db.prepare("SELECT f.floating_network_id AS ext_network_id, COALESCE(p.network_id, '') AS port_network_id, f.project_id, COUNT(*) AS n FROM floating_ips f LEFT JOIN ports p ON p.id = f.port_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").all(),
    );
  });
});

describe('topology.detail', () => {
  it('reads the same paths as fips.path, with each hop’s bottom ids, for a pod, a project and a router', async () => {
    const api = t.engine.api;
    const expected = [await api['fips.path']({ id: fip1 }), await api['fips.path']({ id: fip3 })];
    const strip = (f: { id: string; mode: string; hops: { role: string; address: string; region: string; network_id: string; network_name: string; vlan?: number }[] }) => ({
      id: f.id,
      mode: f.mode,
      hops: f.hops.map((h) => ({ role: h.role, address: h.address, region: h.region, network_id: h.network_id, network_name: h.network_name, ...(h.vlan != null ? { vlan: h.vlan } : {}) })),
    });
    const project = await api['topology.detail']({ scope: 'project', id: 'proj1' });
    expect(project.fips.map(strip)).toEqual(expected.map(strip));
    expect(project.fip_page).toEqual({ offset: 0, limit: 150, total: 2 });
    expect(project.pods.map((p) => [p.region_name, p.focus])).toEqual([
      ['Pod1', true],
      ['Pod2', true],
      ['Pod3', true],
    ]);
    // Every hop names the bottom resources it was read from.
    const pod3 = t.pod('Pod3');
    // A bottom port is named after its top port.
    const bottomVm3 = (await pod3.list('port')).find((p) => p.name === vm3 || p.name.startsWith(`${vm3}#`))!;
    const hops3 = project.fips.find((f) => f.id === fip3)!.hops;
    expect(hops3[2].bottom.port_id).toBe(bottomVm3.id);
    expect(hops3[1].bottom.floatingip_id).toBe((await pod3.list('floatingip', { floating_ip_address: hops3[1].address }))[0].id);
    expect(hops3[0].bottom.floatingip_id).toBe((await t.pod('Pod2').list('floatingip', { floating_ip_address: '162.3.124.9' }))[0].id);

    const r = project.routers.find((x) => x.id === router)!;
    expect(r.copies.map((c) => [t.engine.store.db.prepare('SELECT region_name FROM pods WHERE pod_id = ?').pluck().get(c.pod_id), c.interfaces.length, c.gateway ? 'gw' : '-'])).toEqual([
      ['Pod1', 2, 'gw'],
      ['Pod2', 1, 'gw'],
      ['Pod3', 2, 'gw'],
    ]);
    expect(project.vms.map((v) => [v.name, v.ip, v.fip_ids]).sort()).toEqual([
      ['vm1', '10.0.1.4', [fip1]],
      ['vm3', '10.0.3.7', [fip3]],
    ]);

    // One pod: Pod3 in full, the pods its paths cross as single nodes.
    const p3 = await api['topology.detail']({ scope: 'pod', id: t.podId('Pod3') });
    expect(p3.pods.map((p) => [p.region_name, p.focus])).toEqual([
      ['Pod2', false],
      ['Pod3', true],
    ]);
    expect(p3.fips.map((f) => f.address)).toEqual(['162.3.124.9']);
    expect(p3.networks.map((n) => n.name).sort()).toEqual(['ew_bridge_net_proj1', 'ext-net', 'net3', 'ns_bridge_net_proj1']);

    const rd = await api['topology.detail']({ scope: 'router', id: router });
    expect(rd.fips.map((f) => f.address)).toEqual(['162.3.124.5', '162.3.124.9']);
  });

  it('pages floating IPs, and the page holding a focused one is returned', async () => {
    const api = t.engine.api;
    const d = await api['topology.detail']({ scope: 'project', id: 'proj1', fip_limit: 1, focus_fip: fip3 });
    expect(d.fip_page).toEqual({ offset: 1, limit: 1, total: 2 });
    expect(d.fips.map((f) => f.id)).toEqual([fip3]);
    await expect(api['topology.detail']({ scope: 'pod', id: 'nope' })).rejects.toMatchObject({ code: 'POD_NOT_FOUND' });
    await expect(api['topology.detail']({ scope: 'router', id: 'nope' })).rejects.toBeInstanceOf(CrosspodError);
  });
});

describe('topology.search', () => {
  it('finds a floating IP, a fixed IP, a port, a router and a network, with what to open', async () => {
    const api = t.engine.api;
    const pod3 = t.podId('Pod3');
    const byAddress = await api['topology.search']({ q: '162.3.124.9' });
    expect(byAddress.hits.map((h) => [h.kind, h.id, h.drill, h.fip_id])).toEqual([['fip', fip3, { scope: 'pod', id: pod3 }, fip3]]);
    const byFixed = await api['topology.search']({ q: '10.0.3.7' });
    expect(byFixed.hits.map((h) => [h.kind, h.fip_id])).toEqual([['fip', fip3]]);
    expect(byFixed.hits[0].detail).toBe('port vm3: floating IP 162.3.124.9 → 10.0.3.7 in Pod3, external network in Pod2');
    expect((await api['topology.search']({ q: 'vm3' })).hits.map((h) => h.fip_id)).toEqual([fip3]);
    expect((await api['topology.search']({ q: 'R' })).hits.map((h) => [h.kind, h.drill])).toEqual([['router', { scope: 'router', id: router }]]);
    const net = await api['topology.search']({ q: 'ns_bridge_net_proj1' });
    expect(net.hits.map((h) => [h.kind, h.drill])).toEqual([['network', { scope: 'project', id: 'proj1' }]]);
    expect((await api['topology.search']({ q: 'nothing-here' })).hits).toEqual([]);
  });
});

describe('topology.router / topology.network', () => {
  it('gives a router’s interfaces, gateway and routes per pod, and a network’s bottom copies', async () => {
    const api = t.engine.api;
    const r = await api['topology.router']({ id: router });
    expect(r.copies.length).toBe(3);
    expect(r.routes.length).toBe(3);
    const [b1] = await t.pod('Pod1').list('router');
    expect(r.copies.find((c) => c.pod_id === t.podId('Pod1'))!.bottom_id).toBe(b1.id);
    const ext = (await api['networks.list']({ name: 'ext-net' })).items[0];
    const n = await api['topology.network']({ id: ext.id });
    expect(n).toMatchObject({ name: 'ext-net', kind: 'external', cidrs: ['162.3.124.0/24'], availability_zone_hints: ['Pod2'] });
    expect(n.copies.map((c) => c.pod_id)).toEqual([t.podId('Pod2')]);
    expect(n.subnets[0].copies.map((c) => c.bottom_id)).toEqual([(await t.pod('Pod2').list('subnet'))[0].id]);
  });
});

describe('topology.fip', () => {
  it('gives one floating IP’s path with each hop’s pod and bottom ids, as the detail draws it', async () => {
    const api = t.engine.api;
    const f = await api['topology.fip']({ id: fip3 });
    const pod = (id: string) => t.podId(id);
    expect(f).toMatchObject({ id: fip3, address: '162.3.124.9', project_id: 'proj1', port_id: vm3, mode: 'two-step' });
    expect(f.hops.map((h) => [h.role, h.address, h.region, h.pod_id])).toEqual([
      ['external', '162.3.124.9', 'Pod2', pod('Pod2')],
      ['bridge', f.hops[1].address, 'Pod3', pod('Pod3')],
      ['fixed', '10.0.3.7', 'Pod3', pod('Pod3')],
    ]);
    const [bottomFip] = (await t.pod('Pod2').list('floatingip')).filter((x) => x.floating_ip_address === '162.3.124.9');
    expect(f.hops[0].bottom.floatingip_id).toBe(bottomFip.id);
    const [bottomVm] = (await t.pod('Pod3').list('port')).filter((x) => x.name === 'vm3' || x.fixed_ips.some((i) => i.ip_address === '10.0.3.7'));
    expect(f.hops[2].bottom.port_id).toBe(bottomVm.id);
    // The same path the detail of Pod3 draws for it.
    const d = await api['topology.detail']({ scope: 'pod', id: pod('Pod3'), focus_fip: fip3 });
    expect(f).toEqual(d.fips.find((x) => x.id === fip3));
    const before = dbChecksum(t.engine.store.db, ['audit_log']);
    await expect(api['topology.fip']({ id: 'no-such-fip' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(dbChecksum(t.engine.store.db, ['audit_log'])).toEqual(before);
  });
});

describe('view.get / view.set', () => {
  it('keeps positions and collapsed pods in the lab file; bad input changes nothing', async () => {
    const api = t.engine.api;
    expect(await api['view.get']({ view: 'topology:estate' })).toEqual({ view: 'topology:estate', state: null });
    const state = { positions: { 'pod:a': { x: 10, y: -4.5 } }, collapsed: ['b'] };
    await api['view.set']({ view: 'topology:estate', state });
    expect(await api['view.get']({ view: 'topology:estate' })).toEqual({ view: 'topology:estate', state });
    const before = dbChecksum(t.engine.store.db, ['audit_log']);
    await expect(api['view.set']({ view: 'topology:estate', state: { positions: { a: { x: Number.NaN, y: 0 } }, collapsed: [] } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(dbChecksum(t.engine.store.db, ['audit_log'])).toEqual(before);
  });
});
