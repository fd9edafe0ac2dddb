import type { Input } from '../../shared/contract';
import type { Router } from '../../shared/model';
import { api } from './client-ref';
import { collectionLoader, fetchAll } from './collection';
import { emptyCollection, type Collection, type Domain, type Slice } from './types';

export interface RoutersSlice {
  routers: Collection<Router>;
  loadRouters(): Promise<void>;
  createRouter(input: Input<'routers.create'>): Promise<Router | undefined>;
  deleteRouter(id: string): Promise<unknown>;
  addInterface(id: string, subnet_id: string): Promise<unknown>;
  removeInterface(id: string, subnet_id: string): Promise<unknown>;
  setGateway(input: Input<'routers.setGateway'>): Promise<Router | undefined>;
  clearGateway(id: string): Promise<Router | undefined>;
}

// Interfaces and gateways create ports, bridge networks and routing rows.
const touched: Domain[] = ['routers', 'ports', 'networks', 'subnets', 'topology', 'fips', 'jobs'];

export const createRoutersSlice: Slice<RoutersSlice> = (set, get) => ({
  routers: emptyCollection(),
  loadRouters: collectionLoader(set, 'routers', () => fetchAll('routers.list')),
  createRouter: (input) => get().run('routers.create', () => api()['routers.create'](input), touched),
  deleteRouter: (id) => get().run(`routers.delete:${id}`, () => api()['routers.delete']({ id }), touched),
  addInterface: (id, subnet_id) =>
    get().run(`routers.addInterface:${id}`, () => api()['routers.addInterface']({ id, subnet_id }), touched),
  removeInterface: (id, subnet_id) =>
    get().run(`routers.removeInterface:${id}`, () => api()['routers.removeInterface']({ id, subnet_id }), touched),
  setGateway: (input) => get().run(`routers.setGateway:${input.id}`, () => api()['routers.setGateway'](input), touched),
  clearGateway: (id) => get().run(`routers.clearGateway:${id}`, () => api()['routers.clearGateway']({ id }), touched),
});
