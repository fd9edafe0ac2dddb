// Global setup of the `neutron` vitest project: two real Neutron pods on fresh databases
// (pod1 :9696, pod2 :9697), handed to tests with inject('neutronPods'), stopped at the end.
// CROSSPOD_NEUTRON_KEEP=1 leaves them running (the next run restarts them fresh anyway).
import type { TestProject } from 'vitest/node';
import { defaultStateDir, ensureNeutronPackages, type NeutronPod, startNeutronPods, stopNeutronPods } from './harness';

declare module 'vitest' {
  export interface ProvidedContext {
    neutronPods: NeutronPod[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stateDir = defaultStateDir();
  const t0 = Date.now();
  ensureNeutronPackages();
  const pods = await startNeutronPods({ count: 2, basePort: 9696, stateDir, fresh: true });
  process.stderr.write(`[neutron] ${pods.map((p) => `${p.name} ${p.url}`).join(', ')} up in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  project.provide('neutronPods', pods);
  pods.forEach((p, i) => (process.env[`NEUTRON_POD${i + 1}_URL`] = p.url));
  return async () => {
    if (process.env.CROSSPOD_NEUTRON_KEEP === '1') return;
    await stopNeutronPods(stateDir);
  };
}
