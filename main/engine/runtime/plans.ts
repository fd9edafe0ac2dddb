// What each resource-scoped mutation locks, from its input and a quick read of the top before it
// starts (runtime/locks.ts). Methods not named here lock the whole engine. A plan that cannot be
// read (an unknown id) falls back to the engine lock: the method then fails with its own error.
import type { Method, ParsedInput } from '../../../shared/contract';
import type { TopStore } from '../network/top';
import type { LockRequest } from './locks';

const X = (key: string): LockRequest => ({ key, mode: 'exclusive' });

/**
 * A floating IP's operations lock the floating IP, its port(s) and router(s): the router's N-S
 * bridge subnet is the IPAM range its bridge address comes from, and its bottom copies are made
 * on first use. Making the bridge itself takes the bridge pools (prefixes and VLANs).
 */
function fipLocks(top: TopStore, fipId: string, next?: { port_id: string; fixed_ip_address?: string }): LockRequest[] {
  const fip = top.fip(fipId);
  const out = [X(`fip:${fip.id}`), X(`ipam:${fip.floating_subnet_id}`)];
  if (fip.port_id) out.push(X(`port:${fip.port_id}`));
  if (fip.router_id) out.push(X(`router:${fip.router_id}`));
  if (next) {
    const port = top.port(next.port_id);
    const ips = top.portIps(port.id);
    const fixed = next.fixed_ip_address ? ips.find((i) => i.ip_address === next.fixed_ip_address) : (ips.find((i) => !i.ip_address.includes(':')) ?? ips[0]);
    // Its bottom copy (and its network's) may be made now.
    // The VM's groups are mirrored with its bottom copy.
    out.push(X(`port:${port.id}`), X(`network:${port.network_id}`), X(`project:${port.project_id}`));
    const router = fixed && top.routerBetween(fixed.subnet_id, fip.floating_network_id);
    if (router) {
      out.push(X(`router:${router.id}`));
      if (!top.nsBridgeOfRouter(router.id)) out.push(X('bridge-pools'));
    }
  }
  return out;
}

/**
 * A router interface locks the router, the subnet's network and IPAM range (the interface port's
 * address, the bottom copies), the port when one is given, and the project's bridges: the
 * east-west bridge is shared by the project's routers, and a north-south bridge may be made.
 */
function interfaceLocks(top: TopStore, routerId: string, by: { subnet_id?: string; port_id?: string }, removing: boolean): LockRequest[] {
  const router = top.router(routerId);
  const out = [X(`router:${router.id}`), X(`bridges:${router.project_id}`)];
  let subnetId = by.subnet_id;
  if (by.port_id) {
    out.push(X(`port:${by.port_id}`));
    subnetId = top.portIps(by.port_id)[0]?.subnet_id;
  } else if (removing && subnetId) {
    // The interface port on that subnet is deleted.
    const port = top.interfacePorts(router.id).find((p) => top.portIps(p.id).some((ip) => ip.subnet_id === subnetId));
    if (port) out.push(X(`port:${port.id}`));
  }
  if (!subnetId) return out;
  const sub = top.subnet(subnetId);
  out.push(X(`network:${sub.network_id}`), X(`ipam:${sub.id}`));
  if (!removing) out.push(X('bridge-pools'));
  return out;
}

/**
 * A new port locks its network and the network's IPAM ranges, and its project: the port quota,
 * and the project's security groups (the default group may be made, and a compute port's are
 * mirrored into its pod with its bottom copy).
 */
function newPortLocks(top: TopStore, input: ParsedInput<'ports.create'>): LockRequest[] {
  const net = top.network(input.network_id);
  const out = [X(`network:${net.id}`), X(`project:${input.project_id ?? net.project_id}`)];
  for (const sub of top.subnetsOf(net.id)) out.push(X(`ipam:${sub.id}`));
  return out;
}

export function lockPlan<M extends Method>(method: M, input: ParsedInput<M>, w: { top: TopStore }): LockRequest[] | null {
  try {
    switch (method) {
      case 'fips.associate': {
        const i = input as ParsedInput<'fips.associate'>;
        return fipLocks(w.top, i.id, i);
      }
      case 'fips.disassociate':
      case 'fips.delete':
        return fipLocks(w.top, (input as ParsedInput<'fips.disassociate'>).id);
      case 'ports.create':
        return newPortLocks(w.top, input as ParsedInput<'ports.create'>);
      case 'routers.addInterface':
      case 'routers.removeInterface': {
        const i = input as ParsedInput<'routers.addInterface'>;
        return interfaceLocks(w.top, i.id, i, method === 'routers.removeInterface');
      }
      default:
        return null;
    }
  } catch {
    return null;
  }
}

/**
 * What a queued job locks, from its payload. A job that reaches into a slow or dead pod then
 * holds only what it changes, not the whole engine: operations and jobs elsewhere go on beside it.
 * - configure_extra_routes reads and sets the routes of one router's bottom copies;
 * - port_delete deletes one port's bottom copy and its routing row (and holds its project);
 * - secgroup_delete deletes one group's bottom copy: the project's groups (as ports.create locks).
 * The others keep the engine lock: router_resync repairs a router with whatever it touches
 * (interfaces, bridges, gateway), secgroup_prune sweeps a whole pod, and a compensation undoes
 * a failed operation's step, whatever that step was.
 */
export function jobLockPlan(job: { type: string; project_id: string | null; payload: Record<string, unknown> }): LockRequest[] | null {
  const p = job.payload;
  switch (job.type) {
    case 'configure_extra_routes':
      return typeof p.router_id === 'string' ? [X(`router:${p.router_id}`)] : null;
    case 'port_delete':
      // And its project: a secgroup_delete queued after it waits until the port no longer uses the group.
      return typeof p.top_id === 'string' && job.project_id ? [X(`port:${p.top_id}`), X(`project:${job.project_id}`)] : null;
    case 'secgroup_delete':
      return job.project_id ? [X(`project:${job.project_id}`)] : null;
    default:
      return null;
  }
}
