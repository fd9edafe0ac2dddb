// The lab-region server (bottoms served over Neutron's API from another SQLite file) passes the
// driver conformance suite through the real `neutron` driver: the crash tests' remote bottoms
// behave as the lab driver, and so as Neutron.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createNeutronDriver } from '../../main/engine/drivers/neutron';
import { defineDriverSuite } from './driver-suite';
import { startLabRegionServer, type LabRegionServer } from './support/lab-region-server';

let server: LabRegionServer;
const dir = mkdtempSync(join(tmpdir(), 'crosspod-labregion-'));
beforeAll(async () => {
  server = await startLabRegionServer({ dbPath: join(dir, 'regions.db'), regions: ['Remote1'] });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

defineDriverSuite('neutron driver → lab-region server', async () => ({ driver: createNeutronDriver({ auth_type: 'noauth', endpoint: server.endpoint('Remote1'), retries: 0 }) }));
