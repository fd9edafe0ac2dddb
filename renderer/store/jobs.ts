import type { Job } from '../../shared/model';
import { api, getClient } from './client-ref';
import { collectionLoader } from './collection';
import { emptyCollection, type Collection, type Slice } from './types';

export interface JobsSlice {
  jobs: Collection<Job>;
  loadJobs(): Promise<void>;
  redoJob(id: string): Promise<Job | undefined>;
}

export const createJobsSlice: Slice<JobsSlice> = (set, get) => ({
  jobs: emptyCollection(),
  // The latest page is enough for the console; the engine keeps them all.
  loadJobs: collectionLoader(set, 'jobs', async () => (await getClient().call('jobs.list', { limit: 500 })).items),
  redoJob: (id) => get().run(`jobs.redo:${id}`, () => api()['jobs.redo']({ id }), ['jobs', 'topology', 'fips']),
});
