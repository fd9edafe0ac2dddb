// An external network and its subnet as one operation: both are made inside one engine operation,
// so a subnet the engine refuses (bad CIDR, overlap, quota) leaves no network behind either.
import type { ParsedInput } from '../../../shared/contract';
import type { Network, Subnet } from '../../../shared/model';
import type { Operation } from '../context';
import type { NetworkService } from './index';

export async function createExternalNetwork(network: NetworkService, op: Operation, input: ParsedInput<'networks.createExternal'>): Promise<{ network: Network; subnet: Subnet }> {
  const { subnet: s, region_name, ...fields } = input;
  const net = await network.createNetwork(op, { ...fields, 'router:external': true, availability_zone_hints: [region_name] });
  const subnet = await network.createSubnet(op, {
    network_id: net.id,
    cidr: s.cidr,
    name: s.name ?? `${net.name}-subnet`,
    enable_dhcp: s.enable_dhcp ?? false,
    project_id: net.project_id,
    ...(s.gateway_ip !== undefined ? { gateway_ip: s.gateway_ip } : {}),
    ...(s.allocation_pools ? { allocation_pools: s.allocation_pools } : {}),
  });
  // The network as it is now, with its subnet listed.
  return { network: { ...net, subnets: [subnet.id] }, subnet };
}
