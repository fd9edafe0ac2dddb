// Global setup of the `neutron` vitest project: two real Neutron pods on fresh databases
// (pod1 :9696, pod2 :9697), handed to tests with inject('neutronPods'), stopped at the end.
// A run that overlaps another one on this machine shares its pods instead of restarting them
// (see leases in harness.ts). CROSSPOD_NEUTRON_KEEP=1 leaves the pods running;
// CROSSPOD_NEUTRON_STATE and CROSSPOD_NEUTRON_BASE_PORT give a run pods of its own.
import type { TestProject } from 'vitest/node';
import { defaultStateDir, ensureNeutronPackages, leaseNeutronPods, type NeutronPod, releaseNeutronPods } from './harness';

declare module 'vitest' {
  export interface ProvidedContext {
    neutronPods: NeutronPod[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stateDir = defaultStateDir();
  const t0 = Date.now();
  ensureNeutronPackages();
  const { pods, shared } = await leaseNeutronPods({ count: 2, basePort: Number(process.env.CROSSPOD_NEUTRON_BASE_PORT || 9696), stateDir, fresh: true });
  const how = shared ? 'shared with a run in progress' : 'fresh';
  process.stderr.write(`[neutron] ${pods.map((p) => `${p.name} ${p.url}`).join(', ')} up (${how}) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  project.provide('neutronPods', pods);
  pods.forEach((p, i) => (process.env[`NEUTRON_POD${i + 1}_URL`] = p.url));
  return async () => {
    await releaseNeutronPods(stateDir, { stop: process.env.CROSSPOD_NEUTRON_KEEP !== '1' });
  };
}
