// Support for the crash tests with remote bottoms (test/engine/journal-crash.test.ts and its
// real-Neutron version): the churn process that gets SIGKILLed, and the invariants checked after
// each restart and recovery.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createEngine } from '../../../main/engine';
import type { PodDriver } from '../../../main/engine/drivers/driver';
import { bigIntToIp, fromHex } from '../../../main/engine/ipam/cidr';
import { fipBridgePortName } from '../../../main/engine/l3/fips';
import { Journal } from '../../../main/engine/runtime/journal';
import type { Engine } from '../../../main/engine/types';

export type Regions = Record<'Pod1' | 'Pod2', PodDriver>;

export interface ChurnOptions {
  endpoints: Record<'Pod1' | 'Pod2', string>;
  /** Wait for a line on stdin before the loop (the test reads the regions first). */
  wait?: boolean;
  /** Real Neutron is shared: unique project names and a VLAN range of the run's own. */
  uid?: string;
  vlanBase?: number;
}

export interface Run {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<void>;
  ops: () => number;
}

/** Starts the churn process on dbPath; `exited` resolves once it was SIGKILLed. */
export function churn(dbPath: string, o: ChurnOptions): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'fixtures', 'remote-churn.ts'), dbPath, o.endpoints.Pod1, o.endpoints.Pod2], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, CHURN_WAIT: o.wait ? '1' : '', CHURN_UID: o.uid ?? '', CHURN_VLAN_BASE: o.vlanBase ? String(o.vlanBase) : '' },
  });
  let out = '';
  let err = '';
  let ops = 0;
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stderr!.on('data', (d) => (err += d));
  child.stdout!.on('data', (d) => {
    out += d;
    ops = out.split('\n').filter((l) => l === 'op').length;
    if (out.includes('ready\n')) onReady();
  });
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`churn exited ${code}: ${err}`)))),
  );
  return { child, ready, exited, ops: () => ops };
}

export async function kill(run: Run): Promise<void> {
  run.child.kill('SIGKILL');
  await run.exited;
}

/** What a region holds, without its random ids: names, addresses, bindings. */
export async function regionState(d: PodDriver) {
  const ports = await d.list('port');
  const portName = new Map(ports.map((p) => [p.id, `${p.name}@${p.fixed_ips.map((f) => f.ip_address).join(',')}`]));
  return {
    networks: (await d.list('network')).map((n) => n.name).sort(),
    subnets: (await d.list('subnet')).map((s) => `${s.name} ${s.cidr}`).sort(),
    routers: (await d.list('router')).map((r) => `${r.name} gw=${r.external_gateway_info?.external_fixed_ips.map((f) => f.ip_address).join(',') ?? '-'}`).sort(),
    // A floating IP's own port is Neutron's, with a MAC of its choosing.
    ports: ports.map((p) => `${p.name}@${p.fixed_ips.map((f) => f.ip_address).join(',')} ${p.device_owner === 'network:floatingip' ? '' : p.mac_address} ${p.device_owner}`).sort(),
    fips: (await d.list('floatingip')).map((f) => `${f.floating_ip_address} -> ${f.port_id ? portName.get(f.port_id) : '-'}`).sort(),
  };
}

/**
 * Opens the engine (recovery runs), checks every invariant, closes it. `projects` scopes the
 * bottom listings (a shared real Neutron holds other runs' resources too).
 */
export async function recoverAndCheck(dbPath: string, regions: Regions, projects?: string[], settleMs?: number): Promise<{ fipBound: boolean }> {
  const engine: Engine = await createEngine({ dbPath, settings: settleMs === undefined ? undefined : { recovery_settle_ms: settleMs } });
  const scoped = async <K extends 'network' | 'subnet' | 'router' | 'port' | 'floatingip'>(d: PodDriver, kind: K, f: Record<string, string> = {}) => {
    if (!projects) return d.list(kind, f);
    return (await Promise.all(projects.map((p) => d.list(kind, { ...f, project_id: p })))).flat();
  };
  try {
    await engine.idle();
    const db = engine.store.db;
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    expect(db.prepare("SELECT type, status, resource_id, error, payload FROM async_jobs WHERE status IN ('NEW', 'RUNNING', 'FAIL')").all()).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) FROM journal_commits').pluck().get()).toBe(0);
    const podId = (r: string) => db.prepare('SELECT pod_id FROM pods WHERE region_name = ?').pluck().get(r) as string;
    const routed = (pod: string) => new Set(db.prepare('SELECT bottom_id FROM resource_routings WHERE pod_id = ? AND bottom_id IS NOT NULL').pluck().all(pod) as string[]);

    // 1. Routing ⇔ bottoms: every named bottom resource is routed, every routing row resolves.
    for (const region of ['Pod1', 'Pod2'] as const) {
      const d = regions[region];
      const known = routed(podId(region));
      const named = [...(await scoped(d, 'network')), ...(await scoped(d, 'subnet')), ...(await scoped(d, 'router')), ...(await scoped(d, 'port')).filter((p) => p.name !== '')];
      // DHCP ports are held by the top's DHCP reservations, not by routing rows.
      const reserved = new Map((db.prepare('SELECT subnet_id, ip_address FROM dhcp_reservations').all() as { subnet_id: string; ip_address: string }[]).map((x) => [`dhcp_port_${x.subnet_id}`, x.ip_address]));
      for (const r of named) {
        if ('fixed_ips' in r && reserved.has(r.name)) {
          expect(r.fixed_ips.map((f) => f.ip_address), `${region}: ${r.name} at its reserved address`).toContain(reserved.get(r.name));
          continue;
        }
        expect(known.has(r.id), `${region}: bottom ${r.name} (${r.id}) is unknown to the routing table`).toBe(true);
      }
      for (const row of db.prepare('SELECT top_id, resource_type, bottom_id FROM resource_routings WHERE pod_id = ? AND bottom_id IS NOT NULL').all(podId(region)) as { top_id: string; resource_type: string; bottom_id: string }[]) {
        await expect(d.get(row.resource_type as 'port', row.bottom_id), `${region}: routing ${row.resource_type} ${row.top_id} → ${row.bottom_id}`).resolves.toMatchObject({ id: row.bottom_id });
      }
    }

    // 2. No half-bound floating IP.
    const fip = (await engine.api['fips.list']({ floating_ip_address: '162.3.124.5' })).items[0];
    const pod1Fips = await scoped(regions.Pod1, 'floatingip');
    const [extFip] = await scoped(regions.Pod2, 'floatingip', { floating_ip_address: '162.3.124.5' });
    const bridgePorts = await scoped(regions.Pod2, 'port', { name: 'ns_bridge_port' });
    const topBridgePorts = (db.prepare("SELECT name FROM ports WHERE name LIKE 'ns_bridge_port_%_None_%'").pluck().all() as string[]);
    if (fip.port_id) {
      const vmBottom = db.prepare("SELECT bottom_id FROM resource_routings WHERE top_id = ? AND resource_type = 'port' AND pod_id = ?").pluck().get(fip.port_id, podId('Pod1')) as string;
      const bridgeName = fipBridgePortName(fip.project_id, vmBottom);
      expect(topBridgePorts).toEqual([bridgeName]);
      const bridgeIp = (await engine.api['ports.list']({ name: bridgeName })).items[0].fixed_ips[0].ip_address;
      expect(pod1Fips.map((f) => [f.floating_ip_address, f.port_id])).toEqual([[bridgeIp, vmBottom]]);
      expect(bridgePorts.map((p) => p.fixed_ips[0].ip_address)).toEqual([bridgeIp]);
      expect(extFip.port_id).toBe(bridgePorts[0].id);
      const path = await engine.api['fips.path']({ id: fip.id });
      expect(path.hops.map((h) => h.address)).toEqual(['162.3.124.5', bridgeIp, fip.fixed_ip_address]);
    } else {
      expect(topBridgePorts).toEqual([]);
      expect(pod1Fips).toEqual([]);
      expect(bridgePorts).toEqual([]);
      expect(extFip?.port_id ?? null).toBeNull();
    }

    // 3. The top is consistent: each subnet's allocations are exactly its ports', floating IPs' and DHCP reservation's addresses.
    for (const sub of db.prepare('SELECT id FROM subnets').pluck().all() as string[]) {
      const held = [
        ...(db.prepare('SELECT ip_address FROM port_ips WHERE subnet_id = ?').pluck().all(sub) as string[]),
        ...(db.prepare('SELECT floating_ip_address FROM floating_ips WHERE floating_subnet_id = ?').pluck().all(sub) as string[]),
        ...(db.prepare('SELECT ip_address FROM dhcp_reservations WHERE subnet_id = ?').pluck().all(sub) as string[]),
      ].sort();
      const allocated = (db.prepare('SELECT address FROM ipam_allocations WHERE subnet_id = ?').pluck().all(sub) as string[]).map((h) => bigIntToIp(fromHex(h), h.length > 8 ? 6 : 4));
      expect(allocated.sort(), `subnet ${sub}`).toEqual(held);
      expect(db.prepare('SELECT allocated FROM ipam_subnets WHERE subnet_id = ?').pluck().get(sub)).toBe(held.length);
    }
    return { fipBound: !!fip.port_id };
  } finally {
    await engine.close();
    const j = new Journal(`${dbPath}.oplog`);
    expect(j.openOps()).toEqual([]);
    j.close();
  }
}

/** A tiny seeded generator, so a failing run can be replayed (the seed is printed). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

