import type { FipWithPath, Input } from '../../shared/contract';
import type { FloatingIp } from '../../shared/model';
import { api } from './client-ref';
import { collectionLoader, fetchAll } from './collection';
import { emptyCollection, type Collection, type Domain, type Slice } from './types';

export type BulkFipAction = 'disassociate' | 'release';

export interface FipsSlice {
  /** Floating IPs with the path read from the bottom pods (fips.listWithPaths). */
  fips: Collection<FipWithPath>;
  loadFips(): Promise<void>;
  allocateFip(input: Input<'fips.create'>): Promise<FloatingIp | undefined>;
  associateFip(id: string, port_id: string, fixed_ip_address?: string): Promise<FloatingIp | undefined>;
  disassociateFip(id: string): Promise<FloatingIp | undefined>;
  releaseFip(id: string): Promise<unknown>;
  /** One action over many rows; stops at the first failure and reports it. */
  bulkFips(ids: string[], action: BulkFipAction): Promise<number | undefined>;
}

const touched: Domain[] = ['fips', 'ports', 'topology', 'jobs'];

export const createFipsSlice: Slice<FipsSlice> = (set, get) => ({
  fips: emptyCollection(),
  loadFips: collectionLoader(set, 'fips', () => fetchAll('fips.listWithPaths')),
  allocateFip: (input) => get().run('fips.create', () => api()['fips.create'](input), touched),
  associateFip: (id, port_id, fixed_ip_address) =>
    get().run(
      `fips.associate:${id}`,
      () => api()['fips.associate']({ id, port_id, ...(fixed_ip_address ? { fixed_ip_address } : {}) }),
      touched,
    ),
  disassociateFip: (id) => get().run(`fips.disassociate:${id}`, () => api()['fips.disassociate']({ id }), touched),
  releaseFip: (id) => get().run(`fips.delete:${id}`, () => api()['fips.delete']({ id }), touched),
  bulkFips: (ids, action) =>
    get().run(
      'fips.bulk',
      async () => {
        let done = 0;
        for (const id of ids) {
          if (action === 'release') await api()['fips.delete']({ id });
          else await api()['fips.disassociate']({ id });
          done++;
        }
        return done;
      },
      touched,
    ),
});
