import type { TopologySnapshot } from '../../shared/contract';
import { toErrorInfo, type ErrorInfo } from '../api/errors';
import { api } from './client-ref';
import type { Domain, Slice } from './types';

export interface TopologyState {
  snapshot: TopologySnapshot | null;
  loaded: boolean;
  loading: boolean;
  error: ErrorInfo | null;
}

export interface TopologySlice {
  topology: TopologyState;
  loadTopology(): Promise<void>;
  loadExample(): Promise<{ pods: string[]; fips: string[] } | undefined>;
}

const everything: Domain[] = ['pods', 'networks', 'subnets', 'ports', 'routers', 'fips', 'jobs', 'topology', 'routings', 'audit'];

export const createTopologySlice: Slice<TopologySlice> = (set, get) => {
  let gen = 0;
  return {
    topology: { snapshot: null, loaded: false, loading: false, error: null },
    loadTopology: async () => {
      const mine = ++gen;
      const project = get().project;
      set((s) => ({ topology: { ...s.topology, loading: true } }));
      try {
        const snapshot = await api()['lab.topology'](project ? { project_id: project } : {});
        if (mine !== gen) return;
        set({ topology: { snapshot, loaded: true, loading: false, error: null } });
      } catch (e) {
        if (mine !== gen) return;
        set((s) => ({ topology: { ...s.topology, loaded: true, loading: false, error: toErrorInfo(e) } }));
      }
    },
    loadExample: () => get().run('lab.loadExample', () => api()['lab.loadExample']({}), everything),
  };
};
