// Global setup of the `neutron` vitest project: two real Neutron pods on fresh databases
// (pod1 :9696, pod2 :9697) and a real Keystone (:9776) whose catalog points `network` in Pod1 and
// Pod2 at them, handed to tests with inject('neutronPods') and inject('keystone'), stopped at the
// end. Both start at once. A run that overlaps another one on this machine shares its pods and
// Keystone instead of restarting them (see leases in harness.ts). CROSSPOD_NEUTRON_KEEP=1 leaves
// them running; CROSSPOD_NEUTRON_STATE and CROSSPOD_NEUTRON_BASE_PORT give a run its own.
import type { TestProject } from 'vitest/node';
import { defaultStateDir, ensureNeutronPackages, leaseNeutronPods, type NeutronPod, releaseNeutronPods } from './harness';
import { ensureKeystonePackages, keystonePort, leaseKeystone, releaseKeystone, type KeystoneInfo } from './keystone-harness';

declare module 'vitest' {
  export interface ProvidedContext {
    neutronPods: NeutronPod[];
    keystone: KeystoneInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stateDir = defaultStateDir();
  const basePort = Number(process.env.CROSSPOD_NEUTRON_BASE_PORT || 9696);
  const t0 = Date.now();
  ensureNeutronPackages();
  ensureKeystonePackages();
  const [neutron, ks] = await Promise.allSettled([
    leaseNeutronPods({ count: 2, basePort, stateDir, fresh: true }),
    leaseKeystone({ stateDir, port: keystonePort(basePort), fresh: true, pods: [1, 2].map((i) => ({ region: `Pod${i}`, url: `http://127.0.0.1:${basePort + i - 1}` })) }),
  ]);
  const stop = async () => {
    const keep = process.env.CROSSPOD_NEUTRON_KEEP === '1';
    await Promise.all([releaseNeutronPods(stateDir, { stop: !keep }), releaseKeystone(stateDir, { stop: !keep })]);
  };
  if (neutron.status === 'rejected' || ks.status === 'rejected') {
    await stop();
    throw neutron.status === 'rejected' ? neutron.reason : (ks as PromiseRejectedResult).reason;
  }
  const { pods, shared } = neutron.value;
  const how = shared ? 'shared with a run in progress' : 'fresh';
  process.stderr.write(`[neutron] ${pods.map((p) => `${p.name} ${p.url}`).join(', ')}, Keystone ${ks.value.keystone.auth_url} up (${how}) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  project.provide('neutronPods', pods);
  project.provide('keystone', ks.value.keystone);
  pods.forEach((p, i) => (process.env[`NEUTRON_POD${i + 1}_URL`] = p.url));
  return stop;
}
