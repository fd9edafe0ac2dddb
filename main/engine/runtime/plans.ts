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
    out.push(X(`port:${port.id}`), X(`network:${port.network_id}`));
    const router = fixed && top.routerBetween(fixed.subnet_id, fip.floating_network_id);
    if (router) {
      out.push(X(`router:${router.id}`));
      if (!top.nsBridgeOfRouter(router.id)) out.push(X('bridge-pools'));
    }
  }
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
      default:
        return null;
    }
  } catch {
    return null;
  }
}
