// What every engine module works with: the store, allocators, the routing table, the pod
// registry and the clock. The running operation is not here: it is passed explicitly (Operation).
import { randomUUID } from 'node:crypto';
import type { EventName } from '../../shared/contract';
import { CrosspodError } from '../../shared/errors';
import type { CreateBodies, Filters, PodDriver, ResourceKind } from './drivers/driver';
import type { Ipam, PrefixPool, VlanPool } from './ipam';
import type { Db } from './store';
import type { OpJournal } from './runtime/journal';
import type { EngineSettings } from './types';

export interface Compensation {
  label: string;
  pod_id: string;
  /** A description a compensate job can replay: the driver verb and its arguments. */
  action: CompensationAction;
}

export type CompensationAction =
  | { verb: 'delete'; kind: ResourceKind; id: string }
  | { verb: 'removeInterface'; router_id: string; port_id?: string; subnet_id?: string }
  | { verb: 'removeGateway'; router_id: string }
  | { verb: 'setSnat'; router_id: string; enable_snat: boolean }
  | { verb: 'unbindFip'; id: string }
  | { verb: 'bindFip'; id: string; port_id: string }
  | { verb: 'setExternal'; network_id: string; external: boolean }
  /** Puts fields of a bottom resource back to the values it had before an update. */
  | { verb: 'update'; kind: ResourceKind; id: string; body: Record<string, unknown> }
  | { verb: 'createFip'; body: { floating_network_id: string; floating_ip_address: string; port_id: string; project_id: string } }
  /** Puts a deleted port back at its addresses; done already when they are held again. */
  | { verb: 'createPort'; body: CreateBodies['port'] }
  /** A create whose answer was lost (crash recovery): the resources its body names, with its explicit addresses. */
  | { verb: 'deleteMatching'; kind: ResourceKind; filters: Filters; ip_addresses: string[] }
  /** Puts a deleted security group rule back (secgroups/: a rule removed from a bottom group). */
  | { verb: 'createRule'; body: CreateBodies['security_group_rule'] };

/**
 * The running mutation, passed explicitly from the runner to the handler and down to every
 * service method that mutates: the bottom steps to undo if it fails, what changed, and the
 * drivers to mutate through. With a journal (every mutation the runner runs), remote pods'
 * calls and compensations are also committed to it.
 */
export class Operation {
  readonly compensations: Compensation[] = [];
  readonly changed = new Map<EventName, Set<string>>();
  readonly jobsQueued: string[] = [];

  constructor(
    readonly journal?: OpJournal,
    private readonly drivers?: (podId: string) => PodDriver,
  ) {}

  /**
   * The driver this operation mutates a pod through. Remote pods' calls go through the journal;
   * lab pods' bottoms are in the engine's file, covered by the operation's own transaction.
   */
  driver(podId: string): PodDriver {
    if (!this.drivers) throw new Error('This operation has no pod drivers');
    const d = this.drivers(podId);
    return this.journal && d.kind !== 'lab' ? this.journal.wrap(podId, d) : d;
  }

  undo(c: Compensation): void {
    this.compensations.push(c);
    this.journal?.undo(c);
  }

  touch(name: EventName, ...ids: (string | null | undefined)[]): void {
    let s = this.changed.get(name);
    if (!s) this.changed.set(name, (s = new Set()));
    for (const id of ids) if (id) s.add(id);
  }

  resourceIds(): string[] {
    const out = new Set<string>();
    for (const [name, ids] of this.changed) if (name !== 'audit.changed' && name !== 'routings.changed') ids.forEach((i) => out.add(i));
    return [...out];
  }
}

export interface PodRow {
  pod_id: string;
  region_name: string;
  az_name: string;
  pod_az_name: string;
  dc_name: string;
  driver: 'lab' | 'neutron';
  driver_config: string | null;
  created_at: string;
  updated_at: string;
}

export interface Core {
  db: Db;
  settings: EngineSettings;
  ipam: Ipam;
  prefixes: PrefixPool;
  vlans: VlanPool;
  now(): Date;
  nowIso(): string;
  /** A pod's driver for reads; mutations go through their operation's `op.driver`. */
  driver(podId: string): PodDriver;
}

export const uuid = (): string => randomUUID();

export function json<T>(text: string | null | undefined, fallback: T): T {
  if (text == null || text === '') return fallback;
  return JSON.parse(text) as T;
}

export function notFound(kind: string, id: string): CrosspodError {
  return new CrosspodError('NOT_FOUND', `Could not find ${kind}: ${id}`, { kind, id });
}

/** Deletes a bottom resource, tolerating one that is already gone. */
export async function deleteIfExists(d: PodDriver, kind: ResourceKind, id: string): Promise<void> {
  try {
    await d.delete(kind, id);
  } catch (e) {
    if (!(e instanceof CrosspodError && e.code === 'NOT_FOUND')) throw e;
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof CrosspodError && e.code === 'NOT_FOUND';
}

/** Runs a compensation's action against a driver (used in rollback and by compensate jobs). */
export async function runCompensation(d: PodDriver, a: CompensationAction): Promise<void> {
  try {
    switch (a.verb) {
      case 'delete':
        await d.delete(a.kind, a.id);
        return;
      case 'removeInterface':
        await d.removeInterface(a.router_id, a.port_id ? { port_id: a.port_id } : { subnet_id: a.subnet_id! });
        return;
      case 'removeGateway':
        await d.removeGateway(a.router_id);
        return;
      case 'setSnat':
        await d.setGatewaySnat(a.router_id, a.enable_snat);
        return;
      case 'unbindFip':
        await d.update('floatingip', a.id, { port_id: null });
        return;
      case 'bindFip':
        await d.update('floatingip', a.id, { port_id: a.port_id });
        return;
      case 'setExternal':
        await d.update('network', a.network_id, { 'router:external': a.external });
        return;
      case 'update':
        await d.update(a.kind, a.id, a.body as never);
        return;
      case 'createFip':
        await d.create('floatingip', a.body);
        return;
      case 'createPort':
        try {
          await d.create('port', a.body);
        } catch (e) {
          if (e instanceof CrosspodError && e.code === 'IP_ADDRESS_IN_USE') return;
          throw e;
        }
        return;
      case 'createRule':
        try {
          await d.create('security_group_rule', a.body);
        } catch (e) {
          if (e instanceof CrosspodError && e.code === 'SECURITY_GROUP_RULE_EXISTS') return;
          throw e;
        }
        return;
      case 'deleteMatching':
        for (const r of await d.list(a.kind, a.filters)) {
          const ips = 'fixed_ips' in r ? r.fixed_ips.map((f) => f.ip_address) : [];
          if (a.ip_addresses.every((ip) => ips.includes(ip))) await deleteIfExists(d, a.kind, r.id);
        }
        return;
    }
  } catch (e) {
    // Already undone (or never there): the goal of the compensation holds.
    if (isNotFound(e)) return;
    throw e;
  }
}
