import type { Input, TestConnectionResult } from '../../shared/contract';
import type { Pod } from '../../shared/model';
import { api } from './client-ref';
import { collectionLoader, fetchAll } from './collection';
import { emptyCollection, type Collection, type Slice } from './types';

export interface PodsSlice {
  pods: Collection<Pod>;
  connection: Record<string, TestConnectionResult | undefined>;
  loadPods(): Promise<void>;
  createPod(input: Input<'pods.create'>): Promise<Pod | undefined>;
  updatePod(input: Input<'pods.update'>): Promise<Pod | undefined>;
  deletePod(pod_id: string): Promise<unknown>;
  testConnection(pod_id: string): Promise<TestConnectionResult | undefined>;
}

const touched = ['pods', 'topology'] as const;

export const createPodsSlice: Slice<PodsSlice> = (set, get) => ({
  pods: emptyCollection(),
  connection: {},
  loadPods: collectionLoader(set, 'pods', () => fetchAll('pods.list')),
  createPod: (input) => get().run('pods.create', () => api()['pods.create'](input), [...touched]),
  updatePod: (input) => get().run(`pods.update:${input.pod_id}`, () => api()['pods.update'](input), [...touched]),
  deletePod: (pod_id) => get().run(`pods.delete:${pod_id}`, () => api()['pods.delete']({ pod_id }), [...touched]),
  testConnection: async (pod_id) => {
    const r = await get().run(`pods.testConnection:${pod_id}`, () => api()['pods.testConnection']({ pod_id }));
    if (r) set((s) => ({ connection: { ...s.connection, [pod_id]: r } }));
    return r;
  },
});
