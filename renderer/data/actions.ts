// Mutations through the contract: busy and errors per action key (UI state), confirmation before
// anything destructive, and an Undo toast that runs the inverse operations on lab pods.
import type { FipWithPath, Input, Method, Output } from '../../shared/contract';
import type { Network, Port, Router, Subnet } from '../../shared/model';
import { useApp } from '../store';
import { getClient } from '../store/client-ref';

const call = <M extends Method>(m: M, input: Input<M>): Promise<Output<M>> => getClient().call(m, input);

/** Runs one contract call as the action `key`. */
export function act<M extends Method>(key: string, method: M, input: Input<M>): Promise<Output<M> | undefined> {
  return useApp.getState().run(key, () => call(method, input));
}

export interface Destructive<T> {
  key: string;
  /** The first line of the dialog: what goes, and what goes with it. */
  title: string;
  lines?: string[];
  confirmLabel: string;
  run(): Promise<T>;
  /** What the toast says once done. */
  done: string;
}

/**
 * The engine records the inverse of every action it can undo; the toast undoes those the action
 * added (newest first), by their audit ids, so an action from another tab in between is left alone.
 */
async function undoTop(): Promise<number> {
  return (await call('undo.state', {})).undo[0]?.audit_id ?? 0;
}

async function undoSince(mark: number): Promise<(() => Promise<unknown>) | undefined> {
  const ids = (await call('undo.state', {})).undo.filter((u) => u.audit_id > mark).map((u) => u.audit_id);
  if (!ids.length) return undefined;
  return async () => {
    for (const id of ids) await call('audit.undo', { id });
    return ids.length; // defined: the toast closes
  };
}

/** Runs an action, then offers its Undo in a toast when the engine recorded one. */
async function withUndo<T>(key: string, run: () => Promise<T>, done: string): Promise<T | undefined> {
  const s = useApp.getState();
  const mark = await undoTop().catch(() => null);
  const r = await s.run(key, run);
  if (r !== undefined) s.toast({ message: done, undo: mark === null ? undefined : await undoSince(mark).catch(() => undefined) });
  return r;
}

export async function destructive<T>(d: Destructive<T>): Promise<T | undefined> {
  const ok = await useApp.getState().confirm({ title: d.title, lines: d.lines ?? [], confirmLabel: d.confirmLabel });
  if (!ok) return undefined;
  return withUndo(d.key, d.run, d.done);
}

/** A toast after a reversible action that needs no confirmation (disassociate). */
export function reversible<T>(key: string, run: () => Promise<T>, done: string): Promise<T | undefined> {
  return withUndo(key, run, done);
}

// ---- what goes with it ----

/** "also frees bridge address 100.128.0.3 in Pod1 and the floating IP in Pod2", from the path's hops. */
export function fipConsequence(f: FipWithPath): string {
  const ext = f.path.hops.find((h) => h.role === 'external');
  const bridge = f.path.hops.find((h) => h.role === 'bridge');
  const fixed = f.path.hops.find((h) => h.role === 'fixed');
  const parts: string[] = [];
  if (bridge) parts.push(`bridge address ${bridge.address} in ${bridge.region}`);
  if (ext && f.path.mode !== 'unbound') parts.push(`the floating IP in ${ext.region}`);
  const also = parts.length ? `: also frees ${parts.join(' and ')}` : ext?.region ? ` in ${ext.region}` : '';
  return `${also}${fixed ? `; ${fixed.address} (${fixed.network_name}) loses its floating IP` : ''}`;
}

export function releaseFip(f: FipWithPath) {
  return destructive({
    key: `fips.delete:${f.id}`,
    title: `Release ${f.floating_ip_address}${fipConsequence(f)}`,
    lines: [f.port_id ? 'Undo allocates the same address again and associates it with the same port.' : 'Undo allocates the same address again.'],
    confirmLabel: 'Release',
    run: () => call('fips.delete', { id: f.id }),
    done: `Released ${f.floating_ip_address}`,
  });
}


export function releaseFips(fips: FipWithPath[]) {
  const bridges = fips.flatMap((f) => f.path.hops.filter((h) => h.role === 'bridge'));
  const names = fips.map((f) => f.floating_ip_address);
  return destructive({
    key: 'fips.bulk',
    title: `Release ${fips.length} floating IP${fips.length === 1 ? '' : 's'}: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ` and ${names.length - 5} more` : ''}`,
    lines: [
      ...(bridges.length ? [`Also frees ${bridges.length} bridge address${bridges.length === 1 ? '' : 'es'}: ${bridges.slice(0, 5).map((b) => `${b.address} in ${b.region}`).join(', ')}${bridges.length > 5 ? ', …' : ''}`] : []),
      ...fips.filter((f) => f.port_id).slice(0, 5).map((f) => `${f.floating_ip_address}${fipConsequence(f)}`),
    ],
    confirmLabel: `Release ${fips.length}`,
    run: async () => {
      let n = 0;
      for (const f of fips) {
        await call('fips.delete', { id: f.id });
        n++;
      }
      return n;
    },
    done: `Released ${fips.length} floating IP${fips.length === 1 ? '' : 's'}`,
  });
}

export function disassociateFip(f: FipWithPath) {
  const port_id = f.port_id!;
  return reversible(`fips.disassociate:${f.id}`, () => call('fips.disassociate', { id: f.id }), `Disassociated ${f.floating_ip_address} from ${f.fixed_ip_address ?? port_id}`);
}

export function clearGateway(r: Router, networkName: string) {
  const gw = r.external_gateway_info!;
  const ips = gw.external_fixed_ips.map((x) => x.ip_address).join(', ');
  return destructive({
    key: `routers.clearGateway:${r.id}`,
    title: `Clear the gateway of ${r.name || r.id}: also frees ${ips || 'its address'} on ${networkName}`,
    lines: ['The router and its copies lose their way out; bridge networks it alone needed go with it.'],
    confirmLabel: 'Clear gateway',
    run: () => call('routers.clearGateway', { id: r.id }),
    done: `Cleared the gateway of ${r.name || r.id}`,
  });
}

export function removeInterface(r: Router, subnet: Subnet | undefined, subnet_id: string, address: string, netName: string) {
  return destructive({
    key: `routers.removeInterface:${r.id}`,
    title: `Remove ${netName} ${subnet?.cidr ?? ''} (${address}) from ${r.name || r.id}`,
    lines: ['Its bottom interface port goes with it; a bridge the router no longer needs is removed.'],
    confirmLabel: 'Remove interface',
    run: () => call('routers.removeInterface', { id: r.id, subnet_id }),
    done: `Removed ${netName} from ${r.name || r.id}`,
  });
}

export function deleteRouter(r: Router) {
  return destructive({
    key: `routers.delete:${r.id}`,
    title: `Delete router ${r.name || r.id}${r.external_gateway_info ? ': also frees its gateway address' : ''}`,
    lines: ['Its copies in every pod go with it.'],
    confirmLabel: 'Delete router',
    run: () => call('routers.delete', { id: r.id }),
    done: `Deleted router ${r.name || r.id}`,
  });
}


export function deleteNetwork(n: Network, subnets: Subnet[]) {
  const what = subnets.length ? `: also deletes subnet${subnets.length === 1 ? '' : 's'} ${subnets.map((s) => `${s.name || ''} ${s.cidr}`.trim()).join(', ')}` : '';
  return destructive({
    key: `networks.delete:${n.id}`,
    title: `Delete ${n['router:external'] ? 'external network' : 'network'} ${n.name || n.id}${what}`,
    lines: [`Its copies in ${n.availability_zone_hints.join(', ') || 'every pod'} go with it.`],
    confirmLabel: 'Delete network',
    run: () => call('networks.delete', { id: n.id }),
    done: `Deleted ${n.name || n.id}`,
  });
}

export function deleteSubnet(s: Subnet, netName: string) {
  return destructive({
    key: `subnets.delete:${s.id}`,
    title: `Delete subnet ${s.name || ''} ${s.cidr} of ${netName}`.replace(/\s+/g, ' '),
    lines: ['Its copies in every pod go with it.'],
    confirmLabel: 'Delete subnet',
    run: () => call('subnets.delete', { id: s.id }),
    done: `Deleted subnet ${s.cidr}`,
  });
}

export function deletePort(p: Port, label: string, fips: string[]) {
  return destructive({
    key: `ports.delete:${p.id}`,
    title: `Delete port ${label}${fips.length ? `: also disassociates ${fips.join(', ')}` : ''}`,
    lines: ['Its bottom port goes with it.'],
    confirmLabel: 'Delete port',
    run: () => call('ports.delete', { id: p.id }),
    done: `Deleted port ${label}`,
  });
}
