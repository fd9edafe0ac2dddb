import type { Input } from '../../shared/contract';
import type { Subnet } from '../../shared/model';
import { api } from './client-ref';
import { collectionLoader, fetchAll } from './collection';
import { emptyCollection, type Collection, type Slice } from './types';

export interface SubnetsSlice {
  subnets: Collection<Subnet>;
  loadSubnets(): Promise<void>;
  createSubnet(input: Input<'subnets.create'>): Promise<Subnet | undefined>;
  deleteSubnet(id: string): Promise<unknown>;
}

const touched = ['subnets', 'networks', 'topology'] as const;

export const createSubnetsSlice: Slice<SubnetsSlice> = (set, get) => ({
  subnets: emptyCollection(),
  loadSubnets: collectionLoader(set, 'subnets', () => fetchAll('subnets.list')),
  createSubnet: (input) => get().run('subnets.create', () => api()['subnets.create'](input), [...touched]),
  deleteSubnet: (id) => get().run(`subnets.delete:${id}`, () => api()['subnets.delete']({ id }), [...touched]),
});
