import type { Input } from '../../shared/contract';
import type { Network, Subnet } from '../../shared/model';
import { api } from './client-ref';
import { collectionLoader, fetchAll } from './collection';
import { emptyCollection, type Collection, type Slice } from './types';

export interface ExternalNetworkInput {
  name: string;
  project_id: string;
  region_name: string;
  cidr: string;
  gateway_ip?: string;
  pool?: { start: string; end: string };
}

export interface NetworksSlice {
  networks: Collection<Network>;
  loadNetworks(): Promise<void>;
  createNetwork(input: Input<'networks.create'>): Promise<Network | undefined>;
  deleteNetwork(id: string): Promise<unknown>;
  /** The network (router:external, hinted to one pod) and its subnet; the network is removed if the subnet fails. */
  createExternalNetwork(input: ExternalNetworkInput): Promise<{ network: Network; subnet: Subnet } | undefined>;
}

const touched = ['networks', 'subnets', 'topology'] as const;

export const createNetworksSlice: Slice<NetworksSlice> = (set, get) => ({
  networks: emptyCollection(),
  loadNetworks: collectionLoader(set, 'networks', () => fetchAll('networks.list')),
  createNetwork: (input) => get().run('networks.create', () => api()['networks.create'](input), [...touched]),
  deleteNetwork: (id) => get().run(`networks.delete:${id}`, () => api()['networks.delete']({ id }), [...touched]),
  createExternalNetwork: (input) =>
    get().run(
      'external.create',
      async () => {
        const network = await api()['networks.create']({
          name: input.name,
          project_id: input.project_id,
          'router:external': true,
          availability_zone_hints: [input.region_name],
        });
        try {
          const subnet = await api()['subnets.create']({
            network_id: network.id,
            cidr: input.cidr,
            name: `${input.name}-subnet`,
            enable_dhcp: false,
            ...(input.gateway_ip ? { gateway_ip: input.gateway_ip } : {}),
            ...(input.pool ? { allocation_pools: [input.pool] } : {}),
          });
          return { network, subnet };
        } catch (e) {
          // Leave nothing half-made: the form's one action either fully succeeds or changes nothing.
          await api()['networks.delete']({ id: network.id }).catch(() => undefined);
          throw e;
        }
      },
      [...touched],
    ),
});
