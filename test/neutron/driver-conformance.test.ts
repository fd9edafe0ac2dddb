// The PodDriver conformance suite (test/engine/driver-suite.ts) against the neutron driver on a
// real Neutron pod (pod2 from global-setup). The suite names everything uniquely and deletes what
// it makes through the driver; the cleanup checks the pod holds exactly what it held before.
// exactCodes: the driver maps Neutron's exception types to the specific codes the lab raises.
import { expect, inject } from 'vitest';
import type { ResourceKind } from '../../main/engine/drivers/driver';
import { createNeutronDriver } from '../../main/engine/drivers/neutron';
import { defineDriverSuite } from '../engine/driver-suite';

const KINDS: ResourceKind[] = ['network', 'subnet', 'port', 'router', 'floatingip'];

defineDriverSuite('neutron (real Neutron pod)', async () => {
  const pod = inject('neutronPods')[1];
  const driver = createNeutronDriver({ auth_type: 'noauth', endpoint: pod.url });
  const snapshot = async () => Object.fromEntries(await Promise.all(KINDS.map(async (k) => [k, (await driver.list(k)).map((r) => r.id).sort()])));
  const before = await snapshot();
  return {
    driver,
    cleanup: async () => {
      expect(await snapshot()).toEqual(before);
      process.stderr.write(`[neutron] conformance suite: ${driver.stats().calls} Neutron calls\n`);
    },
  };
}, { exactCodes: true });
