// lockPlan's output for each resource-scoped mutation (runtime/plans.ts): the exact keys each one
// locks, read from a real engine's top. Unknown ids, and Crosspod's bridge networks, give no plan
// (the engine lock): the method then fails with its own error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract, type Method } from '../../shared/contract';
import { TopStore } from '../../main/engine/network/top';
import { SecGroupStore } from '../../main/engine/secgroups/store';
import { lockPlan, type PlanReads } from '../../main/engine/runtime/plans';
import { newEngine, type TestEngine } from './support/engine';

let t: TestEngine;
let reads: PlanReads;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await newEngine();
  const api = t.engine.api;
  await api['pods.create']({ region_name: 'RegionOne' });
  await api['pods.create']({ region_name: 'PodA', az_name: 'azA' });
  await api['pods.create']({ region_name: 'PodB', az_name: 'azB' });
  const ext = await api['networks.createExternal']({ name: 'ext', project_id: 'admin', region_name: 'PodB', subnet: { cidr: '162.3.1.0/24' } });
  const ext2 = await api['subnets.create']({ network_id: ext.network.id, cidr: '162.3.2.0/24', enable_dhcp: false });
  const net = await api['networks.create']({ name: 'net', project_id: 'p1', availability_zone_hints: ['azA'] });
  const sub = await api['subnets.create']({ network_id: net.id, cidr: '10.0.1.0/24' });
  const sub6 = await api['subnets.create']({ network_id: net.id, cidr: 'fd00::/64', ip_version: 6 });
  const router = await api['routers.create']({ name: 'R', project_id: 'p1' });
  const iface = await api['routers.addInterface']({ id: router.id, subnet_id: sub.id });
  await api['routers.setGateway']({ id: router.id, network_id: ext.network.id, external_fixed_ips: [{ ip_address: '162.3.1.2' }] });
  const bare = await api['routers.create']({ name: 'R2', project_id: 'p1' });
  const vm = await api['ports.create']({ network_id: net.id, name: 'vm', fixed_ips: [{ ip_address: '10.0.1.10' }] });
  const fip = await api['fips.create']({ floating_network_id: ext.network.id, floating_ip_address: '162.3.1.50', port_id: vm.id });
  const sg = await api['secgroups.create']({ name: 'web', project_id: 'p1' });
  const rule = await api['secgroupRules.create']({ security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 80 });
  const ew = (await api['networks.list']({ name: 'ew_bridge_net_p1' })).items[0];
  const nsBridge = t.engine.store.db.prepare("SELECT id FROM networks WHERE bridge = 'ns' AND bridge_router_id = ?").pluck().get(router.id) as string;
  Object.assign(ids, {
    ext: ext.network.id,
    extSub: ext.subnet.id,
    extSub2: ext2.id,
    net: net.id,
    sub: sub.id,
    sub6: sub6.id,
    router: router.id,
    iface: iface.port_id,
    bare: bare.id,
    vm: vm.id,
    fip: fip.id,
    sg: sg.id,
    rule: rule.id,
    ew: ew.id,
    ns: nsBridge,
  });
  reads = { top: new TopStore(t.engine.store.db), secgroups: { st: new SecGroupStore(t.engine.store.db) } };
}, 60_000);

afterAll(async () => {
  await t.close();
});

/** The plan's keys, sorted, each with `!` for exclusive and `~` for shared; null for the engine lock. */
function plan(method: Method, raw: Record<string, unknown>): string[] | null {
  const input = contract[method].input.parse(raw) as never;
  const p = lockPlan(method, input, reads);
  return p && [...new Set(p.map((l) => `${l.mode === 'exclusive' ? '!' : '~'}${l.key}`))].sort();
}

const k = (...keys: string[]) => keys.map((x) => `!${x}`).sort();

describe('lockPlan', () => {
  it('names exactly what each resource-scoped mutation touches', () => {
    const i = ids;
    const cases: [Method, Record<string, unknown>, string[] | null][] = [
      ['networks.create', { name: 'n', project_id: 'p2' }, k('project:p2')],
      ['networks.create', { name: 'e', project_id: 'admin', 'router:external': true, availability_zone_hints: ['PodA'] }, k('project:admin', 'external-networks')],
      ['networks.createExternal', { name: 'e', project_id: 'admin', region_name: 'PodA', subnet: { cidr: '163.0.0.0/24' } }, k('project:admin', 'external-networks')],
      ['networks.update', { id: i.net, name: 'n2' }, k(`network:${i.net}`)],
      ['networks.delete', { id: i.net }, k(`network:${i.net}`, 'project:p1', `ipam:${i.sub}`, `ipam:${i.sub6}`)],
      ['networks.delete', { id: i.ext }, k(`network:${i.ext}`, 'project:admin', `ipam:${i.extSub}`, `ipam:${i.extSub2}`, 'external-networks')],
      ['subnets.create', { network_id: i.net, cidr: '10.0.2.0/24' }, k(`network:${i.net}`, 'project:p1')],
      ['subnets.create', { network_id: i.net, cidr: '10.0.2.0/24', project_id: 'p3' }, k(`network:${i.net}`, 'project:p3')],
      ['subnets.update', { id: i.sub, name: 's' }, k(`network:${i.net}`, `ipam:${i.sub}`)],
      ['subnets.delete', { id: i.sub6 }, k(`network:${i.net}`, `ipam:${i.sub6}`)],
      ['ports.create', { network_id: i.net }, k(`network:${i.net}`, 'project:p1', `ipam:${i.sub}`, `ipam:${i.sub6}`)],
      ['ports.update', { id: i.vm, name: 'vm2' }, k(`port:${i.vm}`, `network:${i.net}`)],
      ['ports.update', { id: i.vm, fixed_ips: [{ ip_address: '10.0.1.11' }] }, k(`port:${i.vm}`, `network:${i.net}`, `ipam:${i.sub}`, `ipam:${i.sub6}`)],
      ['ports.update', { id: i.vm, security_groups: [i.sg] }, k(`port:${i.vm}`, `network:${i.net}`, 'project:p1')],
      ['ports.update', { id: i.vm, device_owner: 'compute:azA' }, k(`port:${i.vm}`, `network:${i.net}`, 'project:p1')],
      ['ports.update', { id: i.iface, name: 'if' }, k(`port:${i.iface}`, `network:${i.net}`, `router:${i.router}`)],
      // Its floating IP is disassociated first: the floating IP, its range and router, as fips.disassociate.
      ['ports.delete', { id: i.vm }, k(`port:${i.vm}`, `network:${i.net}`, `ipam:${i.sub}`, `fip:${i.fip}`, `ipam:${i.extSub}`, `router:${i.router}`)],
      ['routers.create', { name: 'r', project_id: 'p2' }, k('project:p2')],
      ['routers.create', { name: 'r', project_id: 'p2', external_gateway_info: { network_id: i.ext } }, k('project:p2', `network:${i.ext}`, `ipam:${i.extSub}`)],
      ['routers.update', { id: i.router, name: 'R1', routes: [] }, k(`router:${i.router}`)],
      // Cleared: the current gateway's network and range.
      ['routers.update', { id: i.router, external_gateway_info: null }, k(`router:${i.router}`, `network:${i.ext}`, `ipam:${i.extSub}`)],
      ['routers.update', { id: i.router, external_gateway_info: {} }, k(`router:${i.router}`, `network:${i.ext}`, `ipam:${i.extSub}`)],
      ['routers.clearGateway', { id: i.router }, k(`router:${i.router}`, `network:${i.ext}`, `ipam:${i.extSub}`)],
      // Moved to the second external subnet: both ranges; the router's N-S bridge exists.
      ['routers.setGateway', { id: i.router, network_id: i.ext, external_fixed_ips: [{ subnet_id: i.extSub2 }] }, k(`router:${i.router}`, `network:${i.ext}`, `ipam:${i.extSub}`, `ipam:${i.extSub2}`)],
      ['routers.setGateway', { id: i.router, network_id: i.ext, external_fixed_ips: [{ ip_address: '162.3.2.9' }] }, k(`router:${i.router}`, `network:${i.ext}`, `ipam:${i.extSub}`, `ipam:${i.extSub2}`)],
      // A router without a gateway nor an N-S bridge: the bridge may be made.
      ['routers.setGateway', { id: i.bare, network_id: i.ext }, k(`router:${i.bare}`, `network:${i.ext}`, `ipam:${i.extSub}`, 'bridge-pools')],
      ['routers.update', { id: i.bare, external_gateway_info: { network_id: i.ext } }, k(`router:${i.bare}`, `network:${i.ext}`, `ipam:${i.extSub}`, 'bridge-pools')],
      ['routers.delete', { id: i.bare }, k(`router:${i.bare}`, 'project:p1', 'bridges:p1', 'bridge-pools')],
      ['routers.delete', { id: i.router }, k(`router:${i.router}`, `network:${i.ext}`, `ipam:${i.extSub}`, 'project:p1', 'bridges:p1', 'bridge-pools')],
      // An interface-add reads the set of external networks (shared).
      ['routers.addInterface', { id: i.bare, subnet_id: i.sub6 }, [...k(`router:${i.bare}`, 'bridges:p1', `network:${i.net}`, `ipam:${i.sub6}`, 'bridge-pools'), '~external-networks'].sort()],
      ['routers.removeInterface', { id: i.router, subnet_id: i.sub }, k(`router:${i.router}`, 'bridges:p1', `port:${i.iface}`, `network:${i.net}`, `ipam:${i.sub}`)],
      ['fips.create', { floating_network_id: i.ext }, k(`network:${i.ext}`, 'project:admin', `ipam:${i.extSub}`)],
      ['fips.create', { floating_network_id: i.ext, floating_ip_address: '162.3.2.20', project_id: 'p2' }, k(`network:${i.ext}`, 'project:p2', `ipam:${i.extSub2}`)],
      // With a port: bound at once, as fips.associate binds it.
      ['fips.create', { floating_network_id: i.ext, port_id: i.vm }, k(`network:${i.ext}`, 'project:p1', `ipam:${i.extSub}`, `port:${i.vm}`, `network:${i.net}`, `router:${i.router}`)],
      ['fips.associate', { id: i.fip, port_id: i.vm }, k(`fip:${i.fip}`, `ipam:${i.extSub}`, `port:${i.vm}`, `router:${i.router}`, `network:${i.net}`, 'project:p1')],
      ['fips.disassociate', { id: i.fip }, k(`fip:${i.fip}`, `ipam:${i.extSub}`, `port:${i.vm}`, `router:${i.router}`)],
      ['secgroups.create', { name: 'db', project_id: 'p2' }, k('project:p2')],
      ['secgroups.update', { id: i.sg, name: 'web2' }, k('project:p1')],
      ['secgroups.delete', { id: i.sg }, k('project:p1')],
      ['secgroupRules.create', { security_group_id: i.sg, direction: 'egress', project_id: 'p9' }, k('project:p1')],
      ['secgroupRules.delete', { id: i.rule }, k('project:p1')],
      ['quotas.update', { project_id: 'p1', port: 5 }, k('project:p1')],
      ['jobs.create', { type: 'configure_extra_routes', router_id: i.router, project_id: 'p1' }, k(`router:${i.router}`)],
      ['jobs.redo', { id: 'job-1' }, k('job:job-1')],
      ['jobs.delete', { id: 'job-1' }, k('job:job-1')],
    ];
    for (const [method, raw, want] of cases) expect(plan(method, raw), `${method} ${JSON.stringify(raw)}`).toEqual(want);
  });

  it('gives no plan (the engine lock) for an unknown id, a bridge network, or a method that is not resource-scoped', () => {
    const i = ids;
    const none = '00000000-0000-4000-8000-000000000000';
    const cases: [Method, Record<string, unknown>][] = [
      ['networks.update', { id: none, name: 'x' }],
      ['networks.delete', { id: none }],
      ['networks.delete', { id: i.ew }],
      ['networks.update', { id: i.ns, name: 'x' }],
      ['subnets.create', { network_id: none, cidr: '10.9.0.0/24' }],
      ['subnets.create', { network_id: i.ew, cidr: '10.9.0.0/24' }],
      ['subnets.update', { id: none, name: 'x' }],
      ['subnets.delete', { id: none }],
      ['ports.create', { network_id: i.ew }],
      ['ports.update', { id: none, name: 'x' }],
      ['ports.delete', { id: none }],
      ['routers.update', { id: none, name: 'x' }],
      ['routers.delete', { id: none }],
      ['routers.setGateway', { id: i.bare, network_id: none }],
      ['routers.setGateway', { id: none, network_id: i.ext }],
      ['routers.clearGateway', { id: none }],
      ['routers.create', { name: 'r', project_id: 'p2', external_gateway_info: { network_id: none } }],
      ['fips.create', { floating_network_id: none }],
      ['fips.create', { floating_network_id: i.ext, port_id: none }],
      ['secgroups.update', { id: none, name: 'x' }],
      ['secgroups.delete', { id: none }],
      ['secgroupRules.create', { security_group_id: none, direction: 'ingress' }],
      ['secgroupRules.delete', { id: none }],
      ['routers.resync', { id: i.router }],
      ['jobs.create', { type: 'configure_extra_routes', router_id: none, project_id: 'p1' }],
    ];
    for (const [method, raw] of cases) expect(plan(method, raw), `${method} ${JSON.stringify(raw)}`).toBeNull();
  });
});
