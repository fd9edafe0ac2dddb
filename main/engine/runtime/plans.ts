// What each resource-scoped mutation locks, from its input and a quick read of the top before it
// starts (runtime/locks.ts). Methods not named here lock the whole engine. A plan that cannot be
// read (an unknown id) falls back to the engine lock: the method then fails with its own error.
//
// The keys, and what each stands for:
// - `network:<id>`: the network row, its subnet list and its bottom copies (and its ports' count);
// - `ipam:<subnet>`: the subnet's address range (allocations, DHCP reservation, pools), its row
//   and its bottom copies;
// - `port:<id>`, `fip:<id>`, `router:<id>`: the row and its bottom copies; a router's key also
//   stands for its N-S bridge (network, subnet, addresses), which only that router uses;
// - `project:<id>`: the project's quota counts (creations check them in the same synchronous step
//   as they insert), its security groups and their bottom copies, its default group;
// - `bridges:<project>`: the project's E-W bridge, shared by its routers;
// - `bridge-pools`: the bridge prefixes and VLANs (a bridge made or dropped);
// - `job:<id>`: one queued job's row (redo, delete);
// - `external-networks`: the set of external networks, read (shared) by an interface-add deciding
//   whether a router without a gateway needs an N-S bridge (§8.6 step 3).
// Crosspod's bridge networks are shared by a project's routers: user calls on them (rare, mostly
// refused) take the engine lock rather than guess which routers they touch.
import type { Method, ParsedInput } from '../../../shared/contract';
import { subnetFor, type NetworkRow, type RouterRow, type SubnetRow, type TopStore } from '../network/top';
import type { SecGroupStore } from '../secgroups/store';
import type { LockRequest } from './locks';

const X = (key: string): LockRequest => ({ key, mode: 'exclusive' });
const S = (key: string): LockRequest => ({ key, mode: 'shared' });

/** What a plan reads: the top, and the security groups (for their project). */
export interface PlanReads {
  top: TopStore;
  secgroups: { st: Pick<SecGroupStore, 'group' | 'rule'> };
}

/** A user's network: a bridge makes the plan fall back to the engine lock (see above). */
function tenantNetwork(top: TopStore, id: string): NetworkRow {
  const net = top.network(id);
  if (net.bridge) throw new Error(`bridge network ${id}: engine lock`);
  return net;
}

const ipamOf = (subnets: { id: string }[]) => subnets.map((s) => X(`ipam:${s.id}`));

/**
 * Binding a floating IP of `floatingNetworkId` to a port locks the port, its network and project
 * (its bottom copy, and its network's, may be made now; the VM's groups are mirrored with it) and
 * the router between them: the router's N-S bridge subnet is the IPAM range the bridge address
 * comes from, and its bottom copies are made on first use. Making the bridge itself takes the
 * bridge pools (prefixes and VLANs).
 */
function bindingLocks(top: TopStore, floatingNetworkId: string, next: { port_id: string; fixed_ip_address?: string }): LockRequest[] {
  const port = top.port(next.port_id);
  const ips = top.portIps(port.id);
  const fixed = next.fixed_ip_address ? ips.find((i) => i.ip_address === next.fixed_ip_address) : (ips.find((i) => !i.ip_address.includes(':')) ?? ips[0]);
  const out = [X(`port:${port.id}`), X(`network:${port.network_id}`), X(`project:${port.project_id}`)];
  const router = fixed && top.routerBetween(fixed.subnet_id, floatingNetworkId);
  if (router) {
    out.push(X(`router:${router.id}`));
    if (!top.nsBridgeOfRouter(router.id)) out.push(X('bridge-pools'));
  }
  return out;
}

/** A floating IP's operations lock the floating IP, its address range, its port and router, and those it is bound to next. */
function fipLocks(top: TopStore, fipId: string, next?: { port_id: string; fixed_ip_address?: string }): LockRequest[] {
  const fip = top.fip(fipId);
  const out = [X(`fip:${fip.id}`), X(`ipam:${fip.floating_subnet_id}`)];
  if (fip.port_id) out.push(X(`port:${fip.port_id}`));
  if (fip.router_id) out.push(X(`router:${fip.router_id}`));
  if (next) out.push(...bindingLocks(top, fip.floating_network_id, next));
  return out;
}

/**
 * fips.create: the external network (its subnet list), the range the address comes from, the
 * project's quota; with a port, the binding as fips.associate takes it.
 */
function newFipLocks(top: TopStore, input: ParsedInput<'fips.create'>): LockRequest[] {
  const net = top.network(input.floating_network_id);
  const port = input.port_id ? top.port(input.port_id) : null;
  const out = [X(`network:${net.id}`), X(`project:${input.project_id ?? port?.project_id ?? net.project_id}`)];
  const subnets = top.subnetsOf(net.id);
  // The subnet FipService.create takes the address from.
  const sub = subnetFor(subnets, { ip_address: input.floating_ip_address });
  if (sub) out.push(X(`ipam:${sub.id}`));
  if (port) out.push(...bindingLocks(top, net.id, { port_id: port.id, fixed_ip_address: input.fixed_ip_address }));
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
  if (!removing) out.push(S('external-networks'));
  if (!subnetId) return out;
  const sub = top.subnet(subnetId);
  out.push(X(`network:${sub.network_id}`), X(`ipam:${sub.id}`));
  if (!removing) out.push(X('bridge-pools'));
  return out;
}

/**
 * A new gateway: the external network (its subnet list, its ports' count) and the ranges its
 * gateway port's addresses come from, chosen as RouterService.setGateway chooses them.
 */
function newGatewayLocks(top: TopStore, gw: { network_id: string; external_fixed_ips?: { subnet_id?: string; ip_address?: string }[] }): LockRequest[] {
  const net = top.network(gw.network_id);
  const subnets = top.subnetsOf(net.id);
  const wanted = gw.external_fixed_ips?.length ? gw.external_fixed_ips : [{} as { subnet_id?: string; ip_address?: string }];
  const from = new Set<SubnetRow>();
  for (const w of wanted) {
    const sub = subnetFor(subnets, w);
    if (sub) from.add(sub);
  }
  return [X(`network:${net.id}`), ...ipamOf([...from])];
}

/**
 * A router's gateway set, changed or cleared: the router (its bottom routers, its N-S bridge and
 * the bridge ports on it), the current gateway's network and ranges (its port goes), and the new
 * one's. The N-S bridge may be made for the new gateway: the bridge pools then.
 */
function gatewayLocks(top: TopStore, router: RouterRow, next: { network_id: string; external_fixed_ips?: { subnet_id?: string; ip_address?: string }[] } | null): LockRequest[] {
  const out = [X(`router:${router.id}`)];
  if (router.gw_network_id) {
    out.push(X(`network:${router.gw_network_id}`));
    if (router.gw_port_id) out.push(...ipamOf(top.portIps(router.gw_port_id).map((i) => ({ id: i.subnet_id }))));
  }
  if (next) {
    out.push(...newGatewayLocks(top, next));
    if (!top.nsBridgeOfRouter(router.id)) out.push(X('bridge-pools'));
  }
  return out;
}

/**
 * A new port locks its network and the network's IPAM ranges, and its project: the port quota,
 * and the project's security groups (the default group may be made, and a compute port's are
 * mirrored into its pod with its bottom copy).
 */
function newPortLocks(top: TopStore, input: ParsedInput<'ports.create'>): LockRequest[] {
  const net = tenantNetwork(top, input.network_id);
  return [X(`network:${net.id}`), X(`project:${input.project_id ?? net.project_id}`), ...ipamOf(top.subnetsOf(net.id))];
}

/**
 * ports.update: the port, its network (its bottom copies follow, new addresses' subnets may be
 * copied into its pod), every range of the network when its addresses move, and a router port's
 * router. Its project when its groups change or it becomes (or stays) a compute port: the groups
 * are mirrored into its pod, a bottom copy may be made (its pod bound).
 */
function portUpdateLocks(top: TopStore, input: ParsedInput<'ports.update'>): LockRequest[] {
  const port = top.port(input.id);
  const net = tenantNetwork(top, port.network_id);
  const out = [X(`port:${port.id}`), X(`network:${net.id}`)];
  if (input.fixed_ips) out.push(...ipamOf(top.subnetsOf(net.id)));
  if (input.security_groups !== undefined || (input.device_owner ?? port.device_owner).startsWith('compute:')) out.push(X(`project:${port.project_id}`));
  if (port.device_owner.startsWith('network:router_') && port.device_id) out.push(X(`router:${port.device_id}`));
  return out;
}

/**
 * ports.delete: its floating IPs are disassociated first (each as fips.disassociate locks it),
 * then the port, its network's port count and its addresses' ranges. The bottom copy goes
 * through a job. (The project is not locked: the port's row, counted by the quota, and its group
 * bindings go in the last, synchronous step.)
 */
function portDeleteLocks(top: TopStore, id: string): LockRequest[] {
  const port = top.port(id);
  const net = tenantNetwork(top, port.network_id);
  const out = [X(`port:${port.id}`), X(`network:${net.id}`), ...ipamOf(top.portIps(port.id).map((i) => ({ id: i.subnet_id })))];
  if (port.device_owner.startsWith('network:router_') && port.device_id) out.push(X(`router:${port.device_id}`));
  for (const f of top.fipsOfPort(port.id)) out.push(...fipLocks(top, f.id));
  return out;
}

/**
 * networks.delete: the network and its subnets' ranges (all go, with their bottom copies), and
 * its project: the subnets' rows go before the network's bottom copies, so a failure there puts
 * counted rows back. An external network changes the set of external networks.
 */
function networkDeleteLocks(top: TopStore, id: string): LockRequest[] {
  const net = tenantNetwork(top, id);
  const out = [X(`network:${net.id}`), X(`project:${net.project_id}`), ...ipamOf(top.subnetsOf(net.id))];
  if (net.router_external === 1) out.push(X('external-networks'));
  return out;
}

/**
 * routers.delete: its gateway (cleared first), its bottom routers and N-S bridge, the project's
 * E-W bridge (its port for each bottom router goes; with the project's last router, the bridge),
 * the bridge pools (bridges dropped give their prefix and VLAN back), and its project (the
 * router count decides the E-W bridge, and the router's row goes before the bridges do).
 */
function routerDeleteLocks(top: TopStore, id: string): LockRequest[] {
  const router = top.router(id);
  return [...gatewayLocks(top, router, null), X(`project:${router.project_id}`), X(`bridges:${router.project_id}`), X('bridge-pools')];
}

/** A security group's project: groups, rules (a remote group is one of the same project) and their bottom copies. */
function groupProject(reads: PlanReads, groupId: string): LockRequest[] {
  const g = reads.secgroups.st.group(groupId);
  if (!g) throw new Error(`unknown security group ${groupId}`);
  return [X(`project:${g.project_id}`)];
}

export function lockPlan<M extends Method>(method: M, input: ParsedInput<M>, w: PlanReads): LockRequest[] | null {
  const top = w.top;
  try {
    switch (method) {
      case 'fips.associate': {
        const i = input as ParsedInput<'fips.associate'>;
        return fipLocks(top, i.id, i);
      }
      case 'fips.disassociate':
      case 'fips.delete':
        return fipLocks(top, (input as ParsedInput<'fips.disassociate'>).id);
      case 'fips.create':
        return newFipLocks(top, input as ParsedInput<'fips.create'>);

      case 'networks.create': {
        // A new id: only the project's quota, and the set of external networks for an external one.
        const i = input as ParsedInput<'networks.create'>;
        return [X(`project:${i.project_id}`), ...(i['router:external'] ? [X('external-networks')] : [])];
      }
      case 'networks.createExternal':
        return [X(`project:${(input as ParsedInput<'networks.createExternal'>).project_id}`), X('external-networks')];
      case 'networks.update':
        return [X(`network:${tenantNetwork(top, (input as ParsedInput<'networks.update'>).id).id}`)];
      case 'networks.delete':
        return networkDeleteLocks(top, (input as ParsedInput<'networks.delete'>).id);

      case 'subnets.create': {
        // The network's subnet list (overlaps) and bottom copies (an external subnet is mirrored at once), the project's quota.
        const i = input as ParsedInput<'subnets.create'>;
        const net = tenantNetwork(top, i.network_id);
        return [X(`network:${net.id}`), X(`project:${i.project_id ?? net.project_id}`)];
      }
      case 'subnets.update':
      case 'subnets.delete': {
        // The subnet's range and bottom copies (DHCP ports), its network's (bottom copies are made under the network's lock).
        const sub = top.subnet((input as ParsedInput<'subnets.delete'>).id);
        return [X(`network:${tenantNetwork(top, sub.network_id).id}`), X(`ipam:${sub.id}`)];
      }

      case 'ports.create':
        return newPortLocks(top, input as ParsedInput<'ports.create'>);
      case 'ports.update':
        return portUpdateLocks(top, input as ParsedInput<'ports.update'>);
      case 'ports.delete':
        return portDeleteLocks(top, (input as ParsedInput<'ports.delete'>).id);

      case 'routers.create': {
        // A new id: the project's quota; a gateway given at once takes its network and range (a
        // new router has no bottom router outside the external pod, so no N-S bridge is made).
        const i = input as ParsedInput<'routers.create'>;
        return [X(`project:${i.project_id}`), ...(i.external_gateway_info ? newGatewayLocks(top, i.external_gateway_info) : [])];
      }
      case 'routers.update': {
        const i = input as ParsedInput<'routers.update'>;
        const router = top.router(i.id);
        // Name, state and routes are the router's (a job sets the routes in the pods, under the router's lock).
        if (i.external_gateway_info === undefined) return [X(`router:${router.id}`)];
        const g = i.external_gateway_info;
        return gatewayLocks(top, router, g && 'network_id' in g ? (g as { network_id: string }) : null);
      }
      case 'routers.setGateway': {
        const i = input as ParsedInput<'routers.setGateway'>;
        return gatewayLocks(top, top.router(i.id), i);
      }
      case 'routers.clearGateway':
        return gatewayLocks(top, top.router((input as ParsedInput<'routers.clearGateway'>).id), null);
      case 'routers.delete':
        return routerDeleteLocks(top, (input as ParsedInput<'routers.delete'>).id);
      case 'routers.addInterface':
      case 'routers.removeInterface': {
        const i = input as ParsedInput<'routers.addInterface'>;
        return interfaceLocks(top, i.id, i, method === 'routers.removeInterface');
      }

      case 'secgroups.create':
        return [X(`project:${(input as ParsedInput<'secgroups.create'>).project_id}`)];
      case 'secgroups.update':
      case 'secgroups.delete':
        return groupProject(w, (input as ParsedInput<'secgroups.delete'>).id);
      case 'secgroupRules.create':
        return groupProject(w, (input as ParsedInput<'secgroupRules.create'>).security_group_id);
      case 'secgroupRules.delete': {
        const rule = w.secgroups.st.rule((input as ParsedInput<'secgroupRules.delete'>).id);
        if (!rule) return null;
        return groupProject(w, rule.security_group_id);
      }
      case 'quotas.update':
        // The limits the project's creations check.
        return [X(`project:${(input as ParsedInput<'quotas.update'>).project_id}`)];

      case 'jobs.create': {
        // Queues a job on the router (the job itself takes its own locks when it runs).
        const i = input as ParsedInput<'jobs.create'>;
        return [X(`router:${top.router(i.router_id).id}`)];
      }
      case 'jobs.redo':
      case 'jobs.delete':
        // The job's row only: the runner reads its status again under the job's own locks.
        return [X(`job:${(input as ParsedInput<'jobs.redo'>).id}`)];
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
