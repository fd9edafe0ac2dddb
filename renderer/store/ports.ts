import type { Input } from '../../shared/contract';
import type { Port } from '../../shared/model';
import { api } from './client-ref';
import { collectionLoader, fetchAll } from './collection';
import { emptyCollection, type Collection, type Slice } from './types';

export interface PortsSlice {
  ports: Collection<Port>;
  loadPorts(): Promise<void>;
  createPort(input: Input<'ports.create'>): Promise<Port | undefined>;
  deletePort(id: string): Promise<unknown>;
}

const touched = ['ports', 'topology'] as const;

export const createPortsSlice: Slice<PortsSlice> = (set, get) => ({
  ports: emptyCollection(),
  loadPorts: collectionLoader(set, 'ports', () => fetchAll('ports.list')),
  createPort: (input) => get().run('ports.create', () => api()['ports.create'](input), [...touched]),
  deletePort: (id) => get().run(`ports.delete:${id}`, () => api()['ports.delete']({ id }), [...touched, 'fips']),
});
