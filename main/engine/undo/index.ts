// Undo and redo of the user's actions in a lab. Each mutation that can be inverted records, at the
// time it runs, the contract calls that put the lab back (its inverse) and those that do it again
// (its forward, with the addresses it got, so a redo lands on the same ones). Both run through
// the engine's own handlers, so every rule applies; a resource an undo makes again gets a new id,
// and every recorded call is rewritten to it. The log is per engine, so per lab, and per session.
import type { Method, Output, ParsedInput, UndoInfo, UndoState } from '../../../shared/contract';
import { CrosspodError, toErrorBody } from '../../../shared/errors';
import type { FixedIp } from '../../../shared/model';
import type { TopStore } from '../network/top';
import type { PodRegistry } from '../pods';

/** One contract call; `creates` names the ids (old, as recorded) the call's result makes again. */
export interface Step {
  method: Method;
  input: Record<string, unknown>;
  creates?: { old: string; path: string }[];
}

/** What the other direction expects to find: a resource as it was left, or gone. */
interface Watch {
  kind: Kind;
  id: string;
  /** The resource's fingerprint when it was left; null when it must not exist. */
  print: string | null;
}

type Kind = 'fip' | 'router' | 'port' | 'network' | 'subnet';

export interface UndoEntry {
  audit_id: number;
  operation: Method;
  text: string;
  at: string;
  forward: Step[];
  inverse: Step[];
  /** Checked before the inverse runs (undo) and before the forward runs again (redo). */
  watchUndo: Watch[];
  watchRedo: Watch[];
}

/** How many actions are kept for undo: the oldest go first. */
export const UNDO_DEPTH = 100;

/** A recorder: reads the world before the action, then builds the entry from its result. */
type Plan = (result: unknown) => { text: string; forward: Step[]; inverse: Step[] } | null;

const fixedIps = (ips: FixedIp[]) => ips.map((f) => ({ subnet_id: f.subnet_id, ip_address: f.ip_address }));
const DROP = new Set(['created_at', 'updated_at', 'status', 'revision_number']);

function strip(o: object): string {
  return JSON.stringify(o, (k, v: unknown) => (DROP.has(k) ? undefined : v));
}

/** Which resource kind a step's `id` names, by its method's domain. */
function kindOf(method: Method): Kind | null {
  const d = method.split('.')[0];
  return d === 'fips' ? 'fip' : d === 'routers' ? 'router' : d === 'ports' ? 'port' : d === 'networks' ? 'network' : d === 'subnets' ? 'subnet' : null;
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
}

function get(o: unknown, path: string): string {
  let v: unknown = o;
  for (const p of path.split('.')) v = (v as Record<string, unknown>)[p];
  return String(v);
}

export class UndoLog {
  private done: UndoEntry[] = [];
  private undone: UndoEntry[] = [];

  constructor(
    private readonly t: TopStore,
    private readonly pods: PodRegistry,
  ) {}

  /** The top view of one resource, without what changes by itself (status, timestamps), or null. */
  print(kind: Kind, id: string): string | null {
    const t = this.t;
    switch (kind) {
      case 'fip': {
        const r = t.findFip(id);
        return r ? strip(t.toFip(r)) : null;
      }
      case 'router': {
        const r = t.findRouter(id);
        return r ? strip({ ...t.toRouter(r), interfaces: t.interfacePorts(r.id).map((p) => t.portIps(p.id)) }) : null;
      }
      case 'port': {
        const r = t.findPort(id);
        return r ? strip(t.toPort(r)) : null;
      }
      case 'network': {
        const r = t.findNetwork(id);
        return r ? strip(t.toNetwork(r)) : null;
      }
      case 'subnet': {
        const r = t.findSubnet(id);
        return r ? strip(t.toSubnet(r)) : null;
      }
    }
  }

  /** What a direction's steps will find: each resource they name by `id`, as it is now. */
  private watch(steps: Step[]): Watch[] {
    const out: Watch[] = [];
    const made = new Set(steps.flatMap((s) => (s.creates ?? []).map((c) => c.old)));
    for (const s of steps) {
      const kind = kindOf(s.method);
      const id = s.input.id;
      if (!kind || typeof id !== 'string' || made.has(id) || out.some((w) => w.id === id)) continue;
      out.push({ kind, id, print: this.print(kind, id) });
    }
    return out;
  }

  /** Reads what the action will change, before it runs; null when the method is not undoable. */
  plan<M extends Method>(method: M, input: ParsedInput<M>): Plan | null {
    const t = this.t;
    const i = input as Record<string, unknown> & { id?: string };
    const fipText = (addr: string) => addr;
    switch (method) {
      case 'pods.create':
        return (res) => {
          const p = res as Output<'pods.create'>;
          if (p.driver !== 'lab') return null; // a region's password is not kept for a redo
          return { text: `create pod ${p.region_name}`, forward: [{ method: 'pods.create', input: podBody(p), creates: [{ old: p.pod_id, path: 'pod_id' }] }], inverse: [{ method: 'pods.delete', input: { pod_id: p.pod_id } }] };
        };
      case 'pods.delete': {
        const row = this.pods.find(String(i.pod_id));
        // A lab pod only, and not a forced delete (which forgets what a dead region held).
        if (!row || row.driver !== 'lab' || i.force) return null;
        const body = podBody(row);
        return () => ({ text: `delete pod ${row.region_name}`, forward: [{ method: 'pods.delete', input: { pod_id: row.pod_id } }], inverse: [{ method: 'pods.create', input: body, creates: [{ old: row.pod_id, path: 'pod_id' }] }] });
      }
      case 'fips.create':
        return (res) => {
          const f = res as Output<'fips.create'>;
          const create = {
            floating_network_id: f.floating_network_id,
            floating_ip_address: f.floating_ip_address,
            project_id: f.project_id,
            ...(f.port_id ? { port_id: f.port_id, fixed_ip_address: f.fixed_ip_address } : {}),
          };
          return { text: `allocate ${fipText(f.floating_ip_address)}`, forward: [{ method: 'fips.create', input: create, creates: [{ old: f.id, path: 'id' }] }], inverse: [{ method: 'fips.delete', input: { id: f.id } }] };
        };
      case 'fips.delete': {
        const f = t.toFip(t.fip(i.id!));
        return () => ({
          text: `release ${f.floating_ip_address}`,
          forward: [{ method: 'fips.delete', input: { id: f.id } }],
          inverse: [
            {
              method: 'fips.create',
              input: { floating_network_id: f.floating_network_id, floating_ip_address: f.floating_ip_address, project_id: f.project_id, ...(f.port_id ? { port_id: f.port_id, fixed_ip_address: f.fixed_ip_address } : {}) },
              creates: [{ old: f.id, path: 'id' }],
            },
          ],
        });
      }
      case 'fips.associate': {
        const before = t.toFip(t.fip(i.id!));
        return (res) => {
          const f = res as Output<'fips.associate'>;
          if (before.port_id === f.port_id && before.fixed_ip_address === f.fixed_ip_address) return null;
          return {
            text: `associate ${f.floating_ip_address} with ${f.fixed_ip_address}`,
            forward: [{ method: 'fips.associate', input: { id: f.id, port_id: f.port_id, fixed_ip_address: f.fixed_ip_address } }],
            inverse: before.port_id
              ? [{ method: 'fips.associate', input: { id: f.id, port_id: before.port_id, fixed_ip_address: before.fixed_ip_address } }]
              : [{ method: 'fips.disassociate', input: { id: f.id } }],
          };
        };
      }
      case 'fips.disassociate': {
        const f = t.toFip(t.fip(i.id!));
        if (!f.port_id) return null;
        return () => ({
          text: `disassociate ${f.floating_ip_address} from ${f.fixed_ip_address}`,
          forward: [{ method: 'fips.disassociate', input: { id: f.id } }],
          inverse: [{ method: 'fips.associate', input: { id: f.id, port_id: f.port_id, fixed_ip_address: f.fixed_ip_address } }],
        });
      }
      case 'routers.create':
        return (res) => {
          const r = res as Output<'routers.create'>;
          return { text: `create router ${r.name || r.id}`, forward: [{ method: 'routers.create', input: routerBody(r), creates: [{ old: r.id, path: 'id' }] }], inverse: [{ method: 'routers.delete', input: { id: r.id } }] };
        };
      case 'routers.delete': {
        const r = t.toRouter(t.router(i.id!));
        const inverse: Step[] = [{ method: 'routers.create', input: routerBody(r), creates: [{ old: r.id, path: 'id' }] }];
        if (r.routes.length) inverse.push({ method: 'routers.update', input: { id: r.id, routes: r.routes } });
        return () => ({ text: `delete router ${r.name || r.id}`, forward: [{ method: 'routers.delete', input: { id: r.id } }], inverse });
      }
      case 'routers.update': {
        const r = t.toRouter(t.router(i.id!));
        const keys = Object.keys(i).filter((k) => k !== 'id');
        const prev: Record<string, unknown> = { id: r.id, ...pick(r as never, keys.filter((k) => k !== 'external_gateway_info')) };
        if (keys.includes('external_gateway_info')) prev.external_gateway_info = r.external_gateway_info ? gatewayBody(r.external_gateway_info) : null;
        return (res) => {
          const after = res as Output<'routers.update'>;
          const next: Record<string, unknown> = { id: r.id, ...pick(after as never, keys.filter((k) => k !== 'external_gateway_info')) };
          if (keys.includes('external_gateway_info')) next.external_gateway_info = after.external_gateway_info ? gatewayBody(after.external_gateway_info) : null;
          return { text: `update router ${r.name || r.id}`, forward: [{ method: 'routers.update', input: next }], inverse: [{ method: 'routers.update', input: prev }] };
        };
      }
      case 'routers.addInterface':
        return (res) => {
          const x = res as Output<'routers.addInterface'>;
          const r = t.router(x.id);
          const forward: Step[] = i.port_id ? [{ method: 'routers.addInterface', input: { id: x.id, port_id: x.port_id } }] : [{ method: 'routers.addInterface', input: { id: x.id, subnet_id: x.subnet_id } }];
          return { text: `add ${t.subnet(x.subnet_id).cidr} to router ${r.name || r.id}`, forward, inverse: [{ method: 'routers.removeInterface', input: { id: x.id, subnet_id: x.subnet_id } }] };
        };
      case 'routers.removeInterface': {
        const r = t.router(i.id!);
        const port = t.interfacePorts(r.id).find((p) => (i.port_id ? p.id === i.port_id : t.portIps(p.id).some((ip) => ip.subnet_id === i.subnet_id)));
        if (!port) return null; // refused by the handler
        const ips = t.portIps(port.id);
        const sub = t.subnet(ips[0].subnet_id);
        // The interface port goes with the removal: at the gateway address the subnet makes it
        // again; at any other address, the same port is made again first.
        const inverse: Step[] =
          ips.length === 1 && ips[0].ip_address === sub.gateway_ip
            ? [{ method: 'routers.addInterface', input: { id: r.id, subnet_id: sub.id } }]
            : [
                { method: 'ports.create', input: { network_id: port.network_id, fixed_ips: fixedIps(ips), mac_address: port.mac_address, project_id: port.project_id, ...(port.name ? { name: port.name } : {}) }, creates: [{ old: port.id, path: 'id' }] },
                { method: 'routers.addInterface', input: { id: r.id, port_id: port.id } },
              ];
        return () => ({ text: `remove ${sub.cidr} from router ${r.name || r.id}`, forward: [{ method: 'routers.removeInterface', input: { id: r.id, subnet_id: sub.id } }], inverse });
      }
      case 'routers.setGateway': {
        const r = t.toRouter(t.router(i.id!));
        const prev = r.external_gateway_info;
        return (res) => {
          const after = (res as Output<'routers.setGateway'>).external_gateway_info!;
          return {
            text: `set the gateway of router ${r.name || r.id}`,
            forward: [{ method: 'routers.setGateway', input: { id: r.id, ...gatewayBody(after) } }],
            inverse: prev ? [{ method: 'routers.setGateway', input: { id: r.id, ...gatewayBody(prev) } }] : [{ method: 'routers.clearGateway', input: { id: r.id } }],
          };
        };
      }
      case 'routers.clearGateway': {
        const r = t.toRouter(t.router(i.id!));
        const gw = r.external_gateway_info;
        if (!gw) return null;
        return () => ({
          text: `clear the gateway of router ${r.name || r.id}`,
          forward: [{ method: 'routers.clearGateway', input: { id: r.id } }],
          inverse: [{ method: 'routers.setGateway', input: { id: r.id, ...gatewayBody(gw) } }],
        });
      }
      case 'networks.create':
        return (res) => {
          const n = res as Output<'networks.create'>;
          return { text: `create network ${n.name || n.id}`, forward: [{ method: 'networks.create', input: networkBody(n), creates: [{ old: n.id, path: 'id' }] }], inverse: [{ method: 'networks.delete', input: { id: n.id } }] };
        };
      case 'networks.createExternal':
        return (res) => {
          const x = res as Output<'networks.createExternal'>;
          return {
            text: `create external network ${x.network.name}`,
            forward: [
              {
                method: 'networks.createExternal',
                input: { ...pick(i, ['name', 'project_id', 'region_name', 'provider:network_type', 'provider:physical_network']), subnet: subnetBody(x.subnet, false) },
                creates: [
                  { old: x.network.id, path: 'network.id' },
                  { old: x.subnet.id, path: 'subnet.id' },
                ],
              },
            ],
            inverse: [{ method: 'networks.delete', input: { id: x.network.id } }],
          };
        };
      case 'networks.delete': {
        const n = t.toNetwork(t.network(i.id!));
        const subs = t.subnetsOf(n.id).map((s) => t.toSubnet(s));
        return () => ({
          text: `delete network ${n.name || n.id}`,
          forward: [{ method: 'networks.delete', input: { id: n.id } }],
          inverse: [
            { method: 'networks.create', input: networkBody(n), creates: [{ old: n.id, path: 'id' }] },
            ...subs.map((s): Step => ({ method: 'subnets.create', input: subnetBody(s, true), creates: [{ old: s.id, path: 'id' }] })),
          ],
        });
      }
      case 'networks.update': {
        const n = t.toNetwork(t.network(i.id!));
        const keys = Object.keys(i).filter((k) => k !== 'id');
        return (res) => ({ text: `update network ${n.name || n.id}`, forward: [{ method: 'networks.update', input: { id: n.id, ...pick(res as never, keys) } }], inverse: [{ method: 'networks.update', input: { id: n.id, ...pick(n as never, keys) } }] });
      }
      case 'subnets.create':
        return (res) => {
          const s = res as Output<'subnets.create'>;
          return { text: `create subnet ${s.cidr}`, forward: [{ method: 'subnets.create', input: subnetBody(s, true), creates: [{ old: s.id, path: 'id' }] }], inverse: [{ method: 'subnets.delete', input: { id: s.id } }] };
        };
      case 'subnets.delete': {
        const s = t.toSubnet(t.subnet(i.id!));
        return () => ({ text: `delete subnet ${s.cidr}`, forward: [{ method: 'subnets.delete', input: { id: s.id } }], inverse: [{ method: 'subnets.create', input: subnetBody(s, true), creates: [{ old: s.id, path: 'id' }] }] });
      }
      case 'subnets.update': {
        const s = t.toSubnet(t.subnet(i.id!));
        const keys = Object.keys(i).filter((k) => k !== 'id');
        return (res) => ({ text: `update subnet ${s.cidr}`, forward: [{ method: 'subnets.update', input: { id: s.id, ...pick(res as never, keys) } }], inverse: [{ method: 'subnets.update', input: { id: s.id, ...pick(s as never, keys) } }] });
      }
      case 'ports.create':
        return (res) => {
          const p = res as Output<'ports.create'>;
          return { text: `create port ${p.name || p.fixed_ips.map((f) => f.ip_address).join(', ')}`, forward: [{ method: 'ports.create', input: portBody(p), creates: [{ old: p.id, path: 'id' }] }], inverse: [{ method: 'ports.delete', input: { id: p.id } }] };
        };
      case 'ports.delete': {
        const p = t.toPort(t.port(i.id!));
        const fips = t.fipsOfPort(p.id).map((f) => t.toFip(f));
        return () => ({
          text: `delete port ${p.name || p.fixed_ips.map((f) => f.ip_address).join(', ')}`,
          forward: [{ method: 'ports.delete', input: { id: p.id } }],
          inverse: [
            { method: 'ports.create', input: portBody(p), creates: [{ old: p.id, path: 'id' }] },
            ...fips.map((f): Step => ({ method: 'fips.associate', input: { id: f.id, port_id: p.id, fixed_ip_address: f.fixed_ip_address } })),
          ],
        });
      }
      case 'ports.update': {
        const p = t.toPort(t.port(i.id!));
        const keys = Object.keys(i).filter((k) => k !== 'id');
        const prev = { id: p.id, ...pick({ ...p, fixed_ips: fixedIps(p.fixed_ips) } as never, keys) };
        return (res) => {
          const after = res as Output<'ports.update'>;
          return { text: `update port ${p.name || p.fixed_ips.map((f) => f.ip_address).join(', ')}`, forward: [{ method: 'ports.update', input: { id: p.id, ...pick({ ...after, fixed_ips: fixedIps(after.fixed_ips) } as never, keys) } }], inverse: [{ method: 'ports.update', input: prev }] };
        };
      }
      default:
        return null;
    }
  }

  /** Records an action that ran (inside its transaction): the redo stack goes. */
  record(auditId: number, operation: Method, at: string, plan: Plan, result: unknown): void {
    const e = plan(result);
    if (!e) return;
    this.done.push({ audit_id: auditId, operation, at, ...e, watchUndo: this.watch(e.inverse), watchRedo: [] });
    if (this.done.length > UNDO_DEPTH) this.done.shift();
    this.undone = [];
  }

  /** The entry an undo would run: the latest, or the one with this audit id. */
  toUndo(auditId?: number): UndoEntry {
    if (auditId === undefined) {
      const e = this.done.at(-1);
      if (!e) throw new CrosspodError('NOTHING_TO_UNDO', 'There is nothing to undo in this lab');
      return e;
    }
    const e = this.done.find((x) => x.audit_id === auditId);
    if (!e) {
      const gone = this.undone.some((x) => x.audit_id === auditId);
      throw new CrosspodError('NOTHING_TO_UNDO', gone ? `Audit entry ${auditId} is undone already` : `Audit entry ${auditId} cannot be undone: it is not a recorded action of this session, or it cannot be inverted`, { audit_id: auditId });
    }
    return e;
  }

  toRedo(): UndoEntry {
    const e = this.undone.at(-1);
    if (!e) throw new CrosspodError('NOTHING_TO_REDO', 'There is nothing to redo in this lab');
    return e;
  }

  /** Refuses, naming what moved, when a resource the steps act on is no longer as it was left. */
  check(e: UndoEntry, dir: 'undo' | 'redo'): void {
    for (const w of dir === 'undo' ? e.watchUndo : e.watchRedo) {
      const now = this.print(w.kind, w.id);
      if (now !== w.print) {
        const what = now === null ? 'is gone' : 'has changed since';
        throw new CrosspodError('UNDO_CONFLICT', `Cannot ${dir} "${e.text}": the ${w.kind} it acts on ${what}`, { audit_id: e.audit_id, kind: w.kind, id: w.id });
      }
    }
  }

  /** Runs one direction's steps (inside one operation), rewriting ids the steps make again. */
  async run(e: UndoEntry, dir: 'undo' | 'redo', call: (m: Method, input: unknown) => Promise<unknown>): Promise<void> {
    this.check(e, dir);
    const steps = dir === 'undo' ? e.inverse : e.forward;
    const remap = new Map<string, string>();
    // Ids are UUIDs: replaced as text, they are found wherever they are named (inputs, fingerprints).
    const sub = <T>(v: T): T => {
      let text = JSON.stringify(v);
      for (const [a, b] of remap) text = text.replaceAll(a, b);
      return JSON.parse(text) as T;
    };
    for (const s of steps) {
      let out: unknown;
      try {
        out = await call(s.method, sub(s.input));
      } catch (err) {
        const b = toErrorBody(err);
        throw new CrosspodError('UNDO_CONFLICT', `Cannot ${dir} "${e.text}": ${b.message}`, { audit_id: e.audit_id, step: s.method, cause: { code: b.code, message: b.message } });
      }
      for (const c of s.creates ?? []) remap.set(c.old, get(out, c.path));
    }
    const moved = (x: UndoEntry) => (remap.size ? sub(x) : x);
    // Every recorded call now names the new ids.
    this.done = this.done.map(moved);
    this.undone = this.undone.map(moved);
    const me = moved(e);
    if (dir === 'undo') {
      this.done = this.done.filter((x) => x.audit_id !== e.audit_id);
      this.undone.push({ ...me, watchRedo: this.watch(me.forward) });
    } else {
      this.undone = this.undone.filter((x) => x.audit_id !== e.audit_id);
      this.done.push({ ...me, watchUndo: this.watch(me.inverse) });
    }
  }

  state(): UndoState {
    const info = (e: UndoEntry): UndoInfo => ({ audit_id: e.audit_id, operation: e.operation, text: e.text, at: e.at });
    return { undo: this.done.map(info).reverse(), redo: this.undone.map(info).reverse() };
  }

  /** A lab that changes as a whole (a snapshot restored, a reset) has no history to undo. */
  clear(): void {
    this.done = [];
    this.undone = [];
  }
}

function podBody(p: { region_name: string; az_name: string; pod_az_name: string; dc_name: string }): Record<string, unknown> {
  return { region_name: p.region_name, ...(p.az_name ? { az_name: p.az_name } : {}), ...(p.pod_az_name ? { pod_az_name: p.pod_az_name } : {}), ...(p.dc_name ? { dc_name: p.dc_name } : {}), driver: 'lab' };
}

function routerBody(r: Output<'routers.create'>): Record<string, unknown> {
  return { name: r.name, project_id: r.project_id, admin_state_up: r.admin_state_up, ...(r.external_gateway_info ? { external_gateway_info: gatewayBody(r.external_gateway_info) } : {}) };
}

function gatewayBody(g: { network_id: string; enable_snat: boolean; external_fixed_ips: FixedIp[] }) {
  return { network_id: g.network_id, enable_snat: g.enable_snat, external_fixed_ips: fixedIps(g.external_fixed_ips) };
}

function networkBody(n: Output<'networks.create'>): Record<string, unknown> {
  const out: Record<string, unknown> = { name: n.name, project_id: n.project_id, 'router:external': n['router:external'], availability_zone_hints: n.availability_zone_hints, admin_state_up: n.admin_state_up, shared: n.shared };
  if (n['provider:network_type']) out['provider:network_type'] = n['provider:network_type'];
  if (n['provider:physical_network']) out['provider:physical_network'] = n['provider:physical_network'];
  if (n['provider:segmentation_id'] !== null) out['provider:segmentation_id'] = n['provider:segmentation_id'];
  return out;
}

function subnetBody(s: Output<'subnets.create'>, withNetwork: boolean): Record<string, unknown> {
  return {
    ...(withNetwork ? { network_id: s.network_id, project_id: s.project_id, ip_version: s.ip_version } : {}),
    cidr: s.cidr,
    name: s.name,
    gateway_ip: s.gateway_ip,
    allocation_pools: s.allocation_pools,
    enable_dhcp: s.enable_dhcp,
    ...(withNetwork ? { dns_nameservers: s.dns_nameservers, host_routes: s.host_routes } : {}),
  };
}

function portBody(p: Output<'ports.create'>): Record<string, unknown> {
  return {
    network_id: p.network_id,
    fixed_ips: fixedIps(p.fixed_ips),
    mac_address: p.mac_address,
    project_id: p.project_id,
    ...(p.name ? { name: p.name } : {}),
    ...(p.device_owner ? { device_owner: p.device_owner } : {}),
    ...(p.device_id ? { device_id: p.device_id } : {}),
  };
}
